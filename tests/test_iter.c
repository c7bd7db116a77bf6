/*
 * test_iter.c - pipelines of stages through the public API: inputs read
 * as one stream, JSON keys, head, filter, sort, stages of one's own,
 * writing, key lists, child arenas, NULL chains, provenance, and every
 * allocation of a spilling pipeline (of CSV, and of JSON read with the
 * union of its keys) failed in turn.
 */
#include <dirent.h>
#include <fcntl.h>

#include "testutil.h"

/* tu_dir/name, in a static buffer of its own per slot. */
static const char *path_of(int slot, const char *name)
{
	static char buf[4][4096 + 64];

	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tu_dir, name);
	return buf[slot];
}

static const char *put(int slot, const char *name, const char *text)
{
	const char *p = path_of(slot, name);

	tu_write_file(p, text, strlen(text));
	return p;
}

static int field_is(const sl_record *rec, size_t i, const char *want)
{
	return i < rec->nfields && rec->fields[i].len == strlen(want) &&
		memcmp(rec->fields[i].ptr, want, rec->fields[i].len) == 0;
}

static void test_read_files_one_stream(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	const char *paths[3];
	const sl_record *rec;
	const sl_str *h;
	sl_iter *it;
	size_t n;

	(void)state;
	paths[0] = put(0, "empty.csv", "");
	paths[1] = put(1, "a.csv", "k,v\n1,x\n2,y\n");
	paths[2] = put(2, "b.csv", "k,v\n3,z\n");
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 3, NULL);
	h = sl_iter_header(it, &n);
	assert_non_null(h);
	assert_int_equal(n, 2);
	assert_int_equal(sl_iter_format(it), SL_FORMAT_CSV);
	assert_string_equal(sl_iter_input(it), paths[1]);
	rec = sl_iter_next(it);
	assert_true(field_is(rec, 0, "1") && field_is(rec, 1, "x"));
	assert_int_equal(rec->number, 1);
	assert_int_equal(rec->line, 2);
	assert_string_equal(rec->input, paths[1]);
	rec = sl_iter_next(it);
	assert_true(field_is(rec, 0, "2"));
	rec = sl_iter_next(it);
	assert_true(field_is(rec, 0, "3"));
	assert_int_equal(rec->number, 1);   /* within its input */
	assert_string_equal(rec->input, paths[2]);
	assert_null(sl_iter_next(it));
	assert_null(sl_iter_next(it));      /* stays ended */
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);

	/* a later header that differs is an error naming it */
	ctx = tu_ctx(0, 0);
	paths[0] = put(0, "c.csv", "k,w\n4,q\n");
	paths[1] = put(1, "a.csv", "k,v\n1,x\n");
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 2, NULL);
	while (sl_iter_next(it))
		;
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "a.csv' differs from the"
			       " first input's"));
	tu_ctx_free(ctx);
}

/* A later JSON Lines input is read with the first one's names, whatever
 * the order of its keys; kinds come through. */
static void test_read_jsonl_names_and_kinds(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	const char *paths[2];
	const sl_record *rec;
	sl_iter *it;
	size_t n;

	(void)state;
	paths[0] = put(0, "a.jsonl", "{\"a\":1,\"b\":\"x\"}\n");
	paths[1] = put(1, "b.jsonl", "{\"b\":null,\"a\":\"2\"}\n");
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 2, NULL);
	assert_non_null(sl_iter_header(it, &n));
	assert_int_equal(sl_iter_format(it), SL_FORMAT_JSONL);
	rec = sl_iter_next(it);
	assert_non_null(rec->kinds);
	assert_int_equal(rec->kinds[0], SL_KIND_NUMBER);
	assert_int_equal(rec->kinds[1], SL_KIND_STRING);
	rec = sl_iter_next(it);
	assert_true(field_is(rec, 0, "2"));
	assert_int_equal(rec->kinds[0], SL_KIND_STRING);
	assert_int_equal(rec->kinds[1], SL_KIND_NULL);
	assert_null(sl_iter_next(it));
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
}

/* Is the i-th name s? */
static int name_is(const sl_str *h, size_t i, const char *s)
{
	return h[i].len == strlen(s) && memcmp(h[i].ptr, s, h[i].len) == 0;
}

/*
 * SL_KEYS_UNION: the header is every key of every input in the order
 * first seen (a file of lines, one array, then standard input, copied to
 * the temporary folder and read back), a key an object lacks is absent,
 * and 100 keys met one by one (past the width at which names are hashed)
 * all get their place.  The first object's keys alone make the second
 * object bad.
 */
static void test_read_keys_union(void **state)
{
	sl_read_options ro = { .keys = SL_KEYS_UNION };
	sl_ctx *ctx = tu_ctx(0, 0);
	const char *paths[3];
	const sl_record *rec;
	char wide[100 * 101 * 12 + 100 * 12];
	const sl_str *h;
	size_t n, i, at;
	sl_iter *it;
	int fd, saved;

	(void)state;
	ro.tmpdir = tu_dir;
	paths[0] = put(0, "u1.jsonl", "{\"a\":1,\"b\":\"x\"}\n"
		       "{\"c\":true,\"a\":2}\n");
	paths[1] = put(1, "u2.json", "[{\"d\":null},\n{\"b\":\"y\",\"e\":[1]}]");
	paths[2] = "-";
	put(2, "u3.jsonl", "{\"f\":\"s\",\"a\":3}\n");
	fd = open(path_of(2, "u3.jsonl"), O_RDONLY);
	saved = dup(STDIN_FILENO);
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 3, &ro);
	h = sl_iter_header(it, &n);
	assert_non_null(h);
	assert_int_equal(n, 6);
	assert_true(name_is(h, 0, "a") && name_is(h, 1, "b") &&
		    name_is(h, 2, "c") && name_is(h, 3, "d") &&
		    name_is(h, 4, "e") && name_is(h, 5, "f"));
	assert_int_equal(sl_iter_format(it), SL_FORMAT_JSONL);
	rec = sl_iter_next(it);
	assert_int_equal(rec->nfields, 6);
	assert_true(field_is(rec, 0, "1") && field_is(rec, 1, "x"));
	assert_int_equal(rec->kinds[2], SL_KIND_ABSENT);
	assert_int_equal(rec->kinds[5], SL_KIND_ABSENT);
	rec = sl_iter_next(it);
	assert_int_equal(rec->kinds[1], SL_KIND_ABSENT);
	assert_int_equal(rec->kinds[2], SL_KIND_BOOL);
	rec = sl_iter_next(it);
	assert_int_equal(rec->kinds[3], SL_KIND_NULL);
	assert_int_equal(rec->kinds[0], SL_KIND_ABSENT);
	rec = sl_iter_next(it);
	assert_true(field_is(rec, 4, "[1]"));
	rec = sl_iter_next(it);          /* standard input's copy */
	assert_non_null(rec);
	assert_true(field_is(rec, 5, "s") && field_is(rec, 0, "3"));
	assert_string_equal(rec->input, "<stdin>");
	assert_int_equal(rec->line, 1);
	assert_null(sl_iter_next(it));
	assert_false(sl_failed(ctx));
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	tu_ctx_free(ctx);

	/* 100 keys, one more in each object, the new one first: the names
	 * are found through their hash past the 32nd */
	for (i = 0, at = 0; i < 100; i++) {
		size_t k;

		at += (size_t)snprintf(wide + at, sizeof(wide) - at, "{\"id\":1");
		for (k = i + 1; k-- > 0;)
			at += (size_t)snprintf(wide + at, sizeof(wide) - at,
					       ",\"k%zu\":%zu", k, k);
		at += (size_t)snprintf(wide + at, sizeof(wide) - at, "}\n");
	}
	ctx = tu_ctx(0, 0);
	paths[0] = put(0, "wide.jsonl", wide);
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 1, &ro);
	h = sl_iter_header(it, &n);
	assert_int_equal(n, 101);
	assert_true(name_is(h, 0, "id") && name_is(h, 1, "k0") &&
		    name_is(h, 100, "k99"));
	for (i = 0; (rec = sl_iter_next(it)) != NULL; i++) {
		char want[16];
		size_t k;

		for (k = 0; k < 100; k++) {
			snprintf(want, sizeof(want), "%zu", k);
			if (k <= i)
				assert_true(field_is(rec, k + 1, want));
			else
				assert_int_equal(rec->kinds[k + 1],
						 SL_KIND_ABSENT);
		}
	}
	assert_int_equal(i, 100);
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);

	/* the first object's keys */
	ctx = tu_ctx(0, 0);
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 1, NULL);
	while (sl_iter_next(it))
		;
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "key 'k1' is not in the header"));
	tu_ctx_free(ctx);

	/* an empty input written to a .json name: the empty array */
	ctx = tu_ctx(0, 0);
	paths[0] = put(0, "none.csv", "");
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 1, NULL);
	assert_int_equal(sl_write(it, path_of(1, "none.json"), NULL), SL_OK);
	{
		size_t n;
		unsigned char *b = tu_read_file(path_of(1, "none.json"), &n);

		assert_int_equal(n, 3);
		assert_memory_equal(b, "[]\n", 3);
		free(b);
	}
	tu_ctx_free(ctx);

	/* CSV is refused */
	ctx = tu_ctx(0, 0);
	paths[0] = put(0, "u.csv", "a,b\n1,2\n");
	it = sl_read_files(sl_arena_new(ctx, "p"), paths, 1, &ro);
	assert_null(sl_iter_next(it));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	tu_ctx_free(ctx);
}

static void test_head_and_filter(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	char text[64 * 200 + 16];
	const sl_record *rec;
	size_t at, i, got = 0;
	sl_iter *it;

	(void)state;
	at = (size_t)sprintf(text, "n,sq\n");
	for (i = 1; i <= 200; i++)
		at += (size_t)sprintf(text + at, "%zu,%zu\n", i, i * i);
	put(0, "n.csv", text);
	it = sl_read(sl_arena_new(ctx, "p"), path_of(0, "n.csv"), NULL);
	it = sl_filter(it, "sq % 7 == 1 && n > 10", 0);
	it = sl_head(it, 5);
	for (i = 11; (rec = sl_iter_next(it)) != NULL; i++) {
		char want[24];

		while ((i * i) % 7 != 1)
			i++;
		snprintf(want, sizeof(want), "%zu", i);
		assert_true(field_is(rec, 0, want));
		assert_int_equal(rec->line, i + 1);   /* provenance kept */
		got++;
	}
	assert_int_equal(got, 5);
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);

	/* invert: the complement */
	ctx = tu_ctx(0, 0);
	it = sl_read(sl_arena_new(ctx, "p"), path_of(0, "n.csv"), NULL);
	it = sl_filter(it, "n > 150", 1);
	for (got = 0; sl_iter_next(it); got++)
		;
	assert_int_equal(got, 150);
	tu_ctx_free(ctx);

	/* a syntax error is reported at the first read, with its column */
	ctx = tu_ctx(0, 0);
	it = sl_read(sl_arena_new(ctx, "p"), path_of(0, "n.csv"), NULL);
	it = sl_filter(it, "n > > 1", 0);
	assert_non_null(it);
	assert_null(sl_iter_next(it));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_int_equal(sl_iter_errcol(it), 5);
	tu_ctx_free(ctx);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 60000 records through sort -m 1M: spilled, in order, all there, each
 * with the number, line, byte and input it was read at. */
static void test_sort_spills_in_order(void **state)
{
	enum { N = 60000 };
	sl_ctx *ctx = tu_ctx(1 << 20, 16 << 10);
	static uint64_t want[N], at[N];
	const sl_record *rec;
	sl_spill_stats st;
	uint64_t x = 7;
	sl_iter *it;
	size_t i;
	int files;
	FILE *f;

	(void)state;
	f = fopen(path_of(0, "r.csv"), "w");
	assert_non_null(f);
	fprintf(f, "pad,v,i\n");
	for (i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		want[i] = x >> 20;
		at[i] = (uint64_t)ftell(f);
		fprintf(f, "padding-padding,%llu,%zu\n",
			(unsigned long long)want[i], i);
	}
	fclose(f);
	qsort(want, N, sizeof(want[0]), cmp_u64);
	files = tu_count_entries(tu_dir);
	it = sl_read(sl_arena_new(ctx, "p"), path_of(0, "r.csv"), NULL);
	it = sl_sort(it, "v:n", &(sl_sort_options){ .tmpdir = tu_dir });
	for (i = 0; (rec = sl_iter_next(it)) != NULL; i++) {
		char buf[24];

		size_t k = 0, j;

		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)want[i]);
		assert_true(field_is(rec, 1, buf));
		for (j = 0; j < rec->fields[2].len; j++)
			k = 10 * k + (size_t)(rec->fields[2].ptr[j] - '0');
		assert_true(k < N);
		assert_int_equal(rec->number, k + 1);
		assert_int_equal(rec->line, k + 2);
		assert_int_equal(rec->offset, at[k]);
		assert_string_equal(rec->input, path_of(0, "r.csv"));
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(i, N);
	assert_int_equal(sl_iter_spill_stats(it, &st), 1);
	assert_true(st.runs > 1);
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(tu_dir), files);   /* none left */
}

/* sl_iter_quiet(): the sorters above it drop provenance, up to a stage
 * that may name a record (filter); the others keep it. */
static void test_quiet_drops_provenance(void **state)
{
	sl_join_options jo = { .kind = SL_JOIN_INNER,
			       .method = SL_JOIN_SORT };
	sl_ctx *ctx = tu_ctx(0, 0);
	const sl_record *rec;
	size_t c, got, n;
	int quiet;

	(void)state;
	put(0, "q.csv", "k,v\nb,1\na,2\nc,3\n");
	put(1, "q2.csv", "k,w\na,x\nb,y\nc,z\n");
	/* c: sort, uniq, join, sort then filter */
	for (c = 0; c < 4; c++) {
		for (quiet = 0; quiet < 2; quiet++) {
			sl_arena *a = sl_arena_new(ctx, "p");
			sl_iter *it = sl_read(a, path_of(0, "q.csv"), NULL);

			if (c == 0 || c == 3)
				it = sl_sort(it, "k", NULL);
			else if (c == 1)
				it = sl_uniq(it, "k", NULL);
			else     /* the sorting join: a hash join keeps the
				  * provenance its probe side comes with */
				it = sl_join_with(it, sl_read(a, path_of(1,
								 "q2.csv"),
							     NULL), "k", &jo);
			if (c == 3)
				it = sl_filter(it, "v > 0", 0);
			assert_non_null(sl_iter_header(it, &n));
			if (quiet)
				sl_iter_quiet(it);
			for (got = 0; (rec = sl_iter_next(it)) != NULL; got++) {
				int kept = !quiet || c == 3;

				assert_int_equal(rec->number != 0, kept);
				assert_int_equal(rec->input != NULL, kept);
				if (kept)
					assert_int_equal(rec->line,
							 rec->number + 1);
			}
			assert_false(sl_failed(ctx));
			assert_int_equal(got, 3);
			sl_arena_free(a);
		}
	}
	tu_ctx_free(ctx);
}

/* A stage of one's own: a field added, freed with the pipeline. */
struct plus {
	sl_str names[3];
	sl_str f[3];
	sl_record rec;
	char num[24];
	int freed;
};

static const sl_str *plus_header(void *state, sl_iter *in, size_t *n)
{
	struct plus *p = state;
	const sl_str *h = sl_iter_header(in, n);

	if (!h || *n != 2)
		return NULL;
	p->names[0] = h[0];
	p->names[1] = h[1];
	p->names[2] = (sl_str){ "len", 3 };
	*n = 3;
	return p->names;
}

static const sl_record *plus_next(void *state, sl_iter *in)
{
	struct plus *p = state;
	const sl_record *rec = sl_iter_next(in);

	if (!rec)
		return NULL;
	p->rec = *rec;
	p->f[0] = rec->fields[0];
	p->f[1] = rec->fields[1];
	p->f[2].ptr = p->num;
	p->f[2].len = (size_t)snprintf(p->num, sizeof(p->num), "%zu",
				       rec->fields[1].len);
	p->rec.fields = p->f;
	p->rec.nfields = 3;
	return &p->rec;
}

static void plus_free(void *state)
{
	((struct plus *)state)->freed++;
}

static void test_own_stage_and_write(void **state)
{
	static const sl_stage_ops ops = { plus_next, plus_header, plus_free };
	struct plus p = { 0 };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "p");
	unsigned char *out;
	sl_iter *it;
	size_t n;

	(void)state;
	put(0, "w.csv", "k,v\n1,abc\n2,\n");
	it = sl_read(a, path_of(0, "w.csv"), NULL);
	it = sl_stage(it, &ops, &p);
	assert_int_equal(sl_write(it, path_of(1, "w.jsonl"), NULL), SL_OK);
	out = tu_read_file(path_of(1, "w.jsonl"), &n);
	assert_int_equal(n, strlen("{\"k\":1,\"v\":\"abc\",\"len\":3}\n"
				   "{\"k\":2,\"v\":\"\",\"len\":0}\n"));
	assert_memory_equal(out, "{\"k\":1,\"v\":\"abc\",\"len\":3}\n"
			    "{\"k\":2,\"v\":\"\",\"len\":0}\n", n);
	free(out);
	assert_int_equal(p.freed, 0);
	sl_arena_free(a);
	assert_int_equal(p.freed, 1);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);

	/* an input with no header at all writes an empty file */
	ctx = tu_ctx(0, 0);
	put(0, "none.csv", "");
	it = sl_head(sl_read(sl_arena_new(ctx, "p"), path_of(0, "none.csv"),
			     NULL), 3);
	assert_int_equal(sl_write(it, path_of(1, "none.out.csv"), NULL),
			 SL_OK);
	out = tu_read_file(path_of(1, "none.out.csv"), &n);
	assert_int_equal(n, 0);
	free(out);
	tu_ctx_free(ctx);
}

static void test_null_chains(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	size_t n = 9;

	(void)state;
	assert_null(sl_read(NULL, "x", NULL));
	assert_null(sl_head(NULL, 1));
	assert_null(sl_filter(NULL, "1", 0));
	assert_null(sl_sort(NULL, "a", NULL));
	assert_null(sl_stage(NULL, NULL, NULL));
	assert_null(sl_iter_next(NULL));
	assert_null(sl_iter_header(NULL, &n));
	assert_int_equal(n, 0);
	assert_int_equal(sl_write(NULL, "-", NULL), SL_EINVAL);
	assert_int_equal(sl_iter_skipped(NULL), 0);
	tu_ctx_free(ctx);
}

static void test_keys_parse(void **state)
{
	static const sl_str names[] = { { "a", 1 }, { "b:n", 3 }, { "c", 1 } };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "k");
	sl_sort_key *k;
	size_t n;

	(void)state;
	k = sl_keys_parse(a, "c:nr,1,2:n", names, 3, 1, &n);
	assert_non_null(k);
	assert_int_equal(n, 3);
	assert_int_equal(k[0].field, 2);
	assert_true(k[0].numeric && k[0].reverse);
	assert_int_equal(k[1].field, 0);
	assert_false(k[1].numeric || k[1].reverse);
	assert_int_equal(k[2].field, 1);
	assert_true(k[2].numeric && !k[2].reverse);
	/* with flags, "b:n" is b numeric, and there is no b */
	assert_null(sl_keys_parse(a, "b:n", names, 3, 1, &n));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_string_equal(sl_errmsg(ctx), "no field 'b' in the header; it"
			    " has: a, b:n, c");
	tu_ctx_free(ctx);

	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "k");
	k = sl_keys_parse(a, "b:n", names, 3, 0, &n);   /* a name, whole */
	assert_non_null(k);
	assert_int_equal(k[0].field, 1);
	k = sl_keys_parse(a, NULL, names, 3, 0, &n);    /* every field */
	assert_int_equal(n, 3);
	assert_int_equal(k[2].field, 2);
	assert_null(sl_keys_parse(a, "4", names, 3, 0, &n));
	assert_string_equal(sl_errmsg(ctx), "key 4 is not within 1-3");
	tu_ctx_free(ctx);

	ctx = tu_ctx(0, 0);
	assert_null(sl_keys_parse(sl_arena_new(ctx, "k"), "a,,c", names, 3,
				  0, &n));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	tu_ctx_free(ctx);
}

static void test_arena_children(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *p = sl_arena_new(ctx, "parent"), *c1, *c2;

	(void)state;
	c1 = sl_arena_child(p, "c1");
	c2 = sl_arena_child(p, "c2");
	assert_non_null(sl_arena_alloc(c1, 100000));
	assert_non_null(sl_arena_alloc(c2, 100));
	assert_non_null(sl_arena_child(c2, "grandchild"));
	sl_arena_free(c1);                  /* alone, first */
	assert_non_null(sl_arena_alloc(c2, 10));
	sl_arena_free(p);                   /* takes c2 and its child */
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);
}

/* read | filter | sort (spilling) | head | write, once counting the
 * charges, then failing each in turn (a spread of them): every run ends
 * with the whole output or SL_ENOMEM, and gives back every byte. */
static sl_status run_pipeline(int json, unsigned long fail_at,
			      unsigned long *charges)
{
	sl_read_options ro = { .keys = SL_KEYS_UNION, .tmpdir = tu_dir };
	const char *paths[2] = { path_of(2, "s.jsonl"), "-" };
	sl_ctx *ctx = tu_ctx(1 << 20, 16 << 10);
	sl_iter *it;
	sl_status st;
	int fd;

	sl_mem_fail_at(ctx, fail_at);
	if (json) {      /* the file, then standard input: the file again */
		fd = open(paths[0], O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
		close(fd);
		it = sl_read_files(sl_arena_new(ctx, "p"), paths, 2, &ro);
	} else {
		it = sl_read(sl_arena_new(ctx, "p"), path_of(0, "s.csv"),
			     NULL);
	}
	it = sl_filter(it, "v % 3 != 0", 0);
	it = sl_sort(it, "v:nr", &(sl_sort_options){ .tmpdir = tu_dir });
	it = sl_head(it, 1000);
	st = it ? sl_write(it, path_of(1, json ? "s.out.jsonl" : "s.out.csv"),
			   NULL) : sl_errcode(ctx);
	if (charges)
		*charges = sl_mem_charges(ctx);
	if (st != SL_OK)
		assert_int_equal(st, SL_ENOMEM);
	tu_ctx_free(ctx);
	return st;
}

/* The descriptors open in this process. */
static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* json: objects whose keys change every 1000, read with SL_KEYS_UNION
 * from a file and from standard input (the same file): the first pass,
 * the copy of standard input and the second pass fail in turn too. */
static void pipeline_failures(int json)
{
	const char *out = path_of(1, json ? "s.out.jsonl" : "s.out.csv");
	unsigned char *want, *got;
	size_t wn, gn, i, fails = 0;
	unsigned long charges, k;
	int saved = dup(STDIN_FILENO);
	size_t fds = open_fds();
	FILE *f;

	assert_true(saved >= 0);
	f = fopen(path_of(0, "s.csv"), "w");
	assert_non_null(f);
	fprintf(f, "name,v\n");
	for (i = 0; i < 40000; i++)
		fprintf(f, "record-%zu,%zu\n", i, (i * 7919) % 40000);
	fclose(f);
	f = fopen(path_of(2, "s.jsonl"), "w");
	assert_non_null(f);
	for (i = 0; i < 20000; i++)
		fprintf(f, "{\"k%zu\":\"record-%zu\",\"v\":%zu}\n",
			i / 1000, i, (i * 7919) % 20000);
	fclose(f);
	assert_int_equal(run_pipeline(json, 0, &charges), SL_OK);
	want = tu_read_file(out, &wn);
	assert_true(charges > 20);
	for (k = 1; k <= charges; k += k < 40 ? 1 : charges / 60 + 1) {
		if (run_pipeline(json, k, NULL) != SL_OK) {
			fails++;
			continue;
		}
		got = tu_read_file(out, &gn);
		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, wn);
		free(got);
	}
	assert_true(fails > 0);
	assert_int_equal(open_fds(), fds);   /* no copy left open */
	free(want);
	unlink(out);
	unlink(path_of(0, "s.csv"));
	unlink(path_of(2, "s.jsonl"));
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

static void test_pipeline_allocation_failures(void **state)
{
	(void)state;
	pipeline_failures(0);
	pipeline_failures(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_files_one_stream),
		cmocka_unit_test(test_read_jsonl_names_and_kinds),
		cmocka_unit_test(test_read_keys_union),
		cmocka_unit_test(test_head_and_filter),
		cmocka_unit_test(test_sort_spills_in_order),
		cmocka_unit_test(test_quiet_drops_provenance),
		cmocka_unit_test(test_own_stage_and_write),
		cmocka_unit_test(test_null_chains),
		cmocka_unit_test(test_keys_parse),
		cmocka_unit_test(test_arena_children),
		cmocka_unit_test(test_pipeline_allocation_failures),
	};

	return cmocka_run_group_tests(tests, tu_dir_setup, tu_dir_teardown);
}
