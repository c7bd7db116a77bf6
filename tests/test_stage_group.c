/*
 * test_stage_group.c - the stages that group by key, uniq and join:
 * their records against answers worked out here from the same generated
 * rows (plain loops and qsort, not the sorter), under a ceiling small
 * enough to spill, the bad key lists, empty inputs, the budget back to
 * zero, and a charge made to fail at each point of a run.
 */
#include "testutil.h"
#include "iter.h"

static char *dir, *spill;         /* inputs; spill files */

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	spill = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmdir(dir);
	tu_rmdir(spill);
	return 0;
}

/* ---- tables of generated rows ---------------------------------------- */

enum { MAXF = 6 };

typedef struct table {
	size_t n, nf;
	const char *names[MAXF];
	char *(*v)[MAXF];        /* v[row][field], malloc'ed strings */
} table;

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static char *str(const char *fmt, unsigned v)
{
	char *p = malloc(64);

	assert_non_null(p);
	snprintf(p, 64, fmt, v);
	return p;
}

/* A value of about n kinds, "" for one of them (empty keys match). */
static char *val(const char *pre, unsigned n)
{
	unsigned v = rnd(n);
	char fmt[16];

	if (v == 0)
		return str("%.0u", 0);
	snprintf(fmt, sizeof(fmt), "%s%%u", pre);
	return str(fmt, v);
}

static char *text(void)
{
	unsigned len = rnd(40), i;
	char *p = malloc(64);

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (char)('a' + rnd(26));
	p[len] = '\0';
	return p;
}

static void table_new(table *t, size_t n, size_t nf, const char **names)
{
	t->n = n;
	t->nf = nf;
	memcpy(t->names, names, nf * sizeof(*names));
	t->v = calloc(n ? n : 1, sizeof(*t->v));
	assert_non_null(t->v);
}

static void table_free(table *t)
{
	size_t i, f;

	for (i = 0; i < t->n; i++)
		for (f = 0; f < t->nf; f++)
			free(t->v[i][f]);
	free(t->v);
}

static void table_write(const table *t, const char *path)
{
	FILE *f = fopen(path, "wb");
	size_t i, k;

	assert_non_null(f);
	for (k = 0; k < t->nf; k++)
		fprintf(f, "%s%s", k ? "," : "", t->names[k]);
	fputc('\n', f);
	for (i = 0; i < t->n; i++) {
		for (k = 0; k < t->nf; k++)
			fprintf(f, "%s%s", k ? "," : "", t->v[i][k]);
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
}

/* id, cat, d, text: n rows with about nc cats and nd ds */
static void uniq_table(table *t, size_t n, unsigned nc, unsigned nd,
		       uint64_t seed)
{
	static const char *names[] = { "id", "cat", "d", "text" };
	size_t i;

	rng_state = seed;
	table_new(t, n, 4, names);
	for (i = 0; i < n; i++) {
		t->v[i][0] = str("%u", (unsigned)i + 1);
		t->v[i][1] = val("c", nc);
		t->v[i][2] = val("d", nd);
		t->v[i][3] = text();
	}
}

/* ---- records as text ------------------------------------------------- */

/* Records serialized: fields end in \x1f, records in \x1e. */
typedef struct buf {
	char *p;
	size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void put_field(buf *b, const char *s, size_t n)
{
	put(b, s, n);
	put(b, "\x1f", 1);
}

static void put_end(buf *b)
{
	put(b, "\x1e", 1);
}

/*
 * Pull the stage to its end into b: header, then records.  Checks that
 * records from the sorter keep where they were read: an input, a record
 * number, and a line past the header's.  Returns the context's status.
 */
static sl_status drain(sl_iter *it, buf *b)
{
	const sl_record *rec;
	const sl_str *h;
	size_t n, i;

	b->n = 0;
	put(b, "", 0);
	h = sl_iter_header(it, &n);
	for (i = 0; h && i < n; i++)
		put_field(b, h[i].ptr, h[i].len);
	put_end(b);
	while ((rec = sl_iter_next(it)) != NULL) {
		assert_non_null(h);
		assert_int_equal(rec->nfields, n);
		assert_non_null(rec->input);
		assert_true(rec->number >= 1);
		assert_true(rec->line > rec->number);
		for (i = 0; i < rec->nfields; i++)
			put_field(b, rec->fields[i].ptr, rec->fields[i].len);
		put_end(b);
	}
	return sl_errcode(sl_iter_ctx(it));
}

/* A run that had to spill did; one that had room did not. */
static void check_spills(uint64_t spills, int must_spill)
{
	if (must_spill)
		assert_true(spills > 0);
	else
		assert_int_equal(spills, 0);
}

/* ---- uniq ------------------------------------------------------------- */

/* The smallest ceiling uniq by one key is run under here: two runs being
 * merged into the ranking sorter hold two inflate states, igzip's 85 KiB
 * each where the build has ISA-L, zlib's 39 KiB otherwise. */
#ifdef SL_HAVE_ISAL
#define MERGE_CEILING ((5u << 20) / 4)
#else
#define MERGE_CEILING (1u << 20)
#endif

static const table *cmp_t;
static const size_t *cmp_keys;
static size_t cmp_nkeys;

/* rows by key (byte-wise), then by input order */
static int row_order(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b, k;
	int c;

	for (k = 0; k < cmp_nkeys; k++) {
		c = strcmp(cmp_t->v[x][cmp_keys[k]], cmp_t->v[y][cmp_keys[k]]);
		if (c)
			return c;
	}
	return (x > y) - (x < y);
}

/*
 * What uniq must give: the first row of each key with its group's size,
 * by key or in input order.
 */
static void uniq_want(const table *t, const size_t *keys, size_t nkeys,
		      int count, int keep_first, buf *b)
{
	size_t *idx = malloc((t->n + 1) * sizeof(*idx));
	size_t *firsts = malloc((t->n + 1) * sizeof(*firsts));
	uint64_t *sizes = calloc(t->n + 1, sizeof(*sizes));
	size_t i, g = 0, nf = 0, k;
	char num[32];

	assert_true(idx && firsts && sizes);
	for (i = 0; i < t->n; i++)
		idx[i] = i;
	cmp_t = t;
	cmp_keys = keys;
	cmp_nkeys = nkeys;
	qsort(idx, t->n, sizeof(*idx), row_order);
	/* groups: runs of equal keys in the sorted order */
	for (i = 0; i < t->n; i++) {
		int same = 0;

		if (i) {
			for (k = 0, same = 1; k < nkeys && same; k++)
				same = strcmp(t->v[idx[i - 1]][keys[k]],
					      t->v[idx[i]][keys[k]]) == 0;
		}
		if (!same) {
			firsts[nf++] = idx[i];
			g = idx[i];
		}
		sizes[g]++;
	}
	if (keep_first) {        /* firsts in input order */
		cmp_nkeys = 0;
		qsort(firsts, nf, sizeof(*firsts), row_order);
	}
	b->n = 0;
	put(b, "", 0);
	for (k = 0; k < t->nf; k++)
		put_field(b, t->names[k], strlen(t->names[k]));
	if (count)
		put_field(b, "count", 5);
	put_end(b);
	for (i = 0; i < nf; i++) {
		for (k = 0; k < t->nf; k++)
			put_field(b, t->v[firsts[i]][k],
				  strlen(t->v[firsts[i]][k]));
		if (count)
			put_field(b, num, (size_t)snprintf(num, sizeof(num),
				  "%llu", (unsigned long long)sizes[firsts[i]]));
		put_end(b);
	}
	free(idx);
	free(firsts);
	free(sizes);
}

/* Run uniq on path; the output in got, the status returned.  spills:
 * the spill runs, when not NULL. */
static sl_status uniq_run(sl_ctx *ctx, const char *path, const char *keys,
			  int count, int keep_first, buf *got,
			  uint64_t *spills)
{
	sl_uniq_options o = { .count = count, .keep_first = keep_first,
			      .sort = { .tmpdir = spill } };
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_spill_stats st;
	sl_iter *it;
	sl_status rc;

	if (!a)
		return sl_errcode(ctx);
	it = sl_uniq(sl_read(a, path, NULL), keys, &o);
	rc = it ? drain(it, got) : sl_errcode(ctx);
	if (it && spills) {
		assert_int_equal(sl_iter_spill_stats(it, &st), 1);
		*spills = st.runs;
	}
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	assert_int_equal(tu_count_entries(spill), 0);
	return rc;
}

/* uniq of rows rows whose field d has nd values, against uniq_want(). */
static void check_uniq_nd(size_t rows, unsigned nd, size_t ceiling,
			  const char *keys, const size_t *kf, size_t nk,
			  int count, int keep_first, int must_spill)
{
	char path[4200];
	table t;
	buf got = { 0 }, want = { 0 };
	uint64_t spills = 0;
	sl_ctx *ctx = tu_ctx(ceiling, 0);

	uniq_table(&t, rows, 30, nd, rows * 7 + 1);
	snprintf(path, sizeof(path), "%s/u.csv", dir);
	table_write(&t, path);
	uniq_want(&t, kf, nk, count, keep_first, &want);
	assert_int_equal(uniq_run(ctx, path, keys, count, keep_first, &got,
				  &spills), SL_OK);
	assert_string_equal(got.p, want.p);
	check_spills(spills, must_spill);
	tu_ctx_free(ctx);
	unlink(path);
	table_free(&t);
	free(got.p);
	free(want.p);
}

static void check_uniq(size_t rows, size_t ceiling, const char *keys,
		       const size_t *kf, size_t nk, int count, int keep_first,
		       int must_spill)
{
	check_uniq_nd(rows, 12, ceiling, keys, kf, nk, count, keep_first,
		      must_spill);
}

static void test_uniq_by_key(void **state)
{
	static const size_t k[] = { 1, 2 };

	(void)state;
	check_uniq(3000, 0, "cat,d", k, 2, 0, 0, 0);
}

static void test_uniq_count(void **state)
{
	static const size_t k[] = { 2 };

	(void)state;
	check_uniq(3000, 0, "d", k, 1, 1, 0, 0);
}

static void test_uniq_keep_first(void **state)
{
	static const size_t k[] = { 2, 1 };

	(void)state;
	check_uniq(3000, 0, "d,2", k, 2, 1, 1, 0);
	check_uniq(3000, 0, "3,cat", k, 2, 0, 1, 0);
}

static void test_uniq_every_field(void **state)
{
	static const char csv[] = "a,b\n1,x\n2,y\n1,x\n1,y\n2,y\n1,x\n";
	char path[4200];
	buf got = { 0 };
	sl_ctx *ctx = tu_ctx(0, 0);

	(void)state;
	snprintf(path, sizeof(path), "%s/w.csv", dir);
	tu_write_file(path, csv, sizeof(csv) - 1);
	assert_int_equal(uniq_run(ctx, path, "", 1, 0, &got, NULL), SL_OK);
	assert_string_equal(got.p, "a\x1f" "b\x1f" "count\x1f\x1e"
			    "1\x1fx\x1f" "3\x1f\x1e" "1\x1fy\x1f" "1\x1f\x1e"
			    "2\x1fy\x1f" "2\x1f\x1e");
	assert_int_equal(uniq_run(ctx, path, NULL, 0, 1, &got, NULL), SL_OK);
	assert_string_equal(got.p, "a\x1f" "b\x1f\x1e" "1\x1fx\x1f\x1e"
			    "2\x1fy\x1f\x1e" "1\x1fy\x1f\x1e");
	tu_ctx_free(ctx);
	unlink(path);
	free(got.p);
}

/*
 * 1 and 2 MiB ceilings.  360 keys fit the table (a quarter of the
 * ceiling): nothing spills.  20000 keys, each on three records or so
 * spread through the input, do not: the table is emptied into the sorter
 * again and again, a key's count in several parts, and both sorters
 * spill; the answer is the same.
 */
static void test_uniq_spills_under_small_ceiling(void **state)
{
	static const size_t k[] = { 1, 2 }, dc[] = { 2, 1 };

	(void)state;
	check_uniq(60000, 2u << 20, "cat,d", k, 2, 1, 1, 0);
	check_uniq_nd(60000, 20000, 2u << 20, "d", k + 1, 1, 1, 0, 1);
	check_uniq_nd(60000, 20000, 2u << 20, "d,cat", dc, 2, 1, 1, 1);
	check_uniq_nd(40000, 20000, MERGE_CEILING, "d", k + 1, 1, 0, 1, 1);
}

/*
 * uniq on threads: a file of more than 4 MiB is counted in two parts,
 * one a thread, whose tables are folded in order.  The records and their
 * provenance (number, line, offset) are the one-thread run's, and the
 * records uniq_want()'s; keys too many for the parts' tables make the
 * stage read on one thread.  The runs of one thread do not use parts.
 */
static sl_status uniq_run_j(unsigned threads, size_t ceiling,
			    const char *path, const char *keys, int count,
			    int keep_first, buf *got, buf *prov,
			    unsigned *parts)
{
	sl_uniq_options o = { .count = count, .keep_first = keep_first,
			      .sort = { .tmpdir = spill } };
	sl_ctx *ctx = tu_ctx_j(ceiling, 0, threads);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_iter *in, *it;
	const sl_record *rec;
	sl_reader *r;
	sl_status rc;
	char line[96];
	size_t i;

	assert_non_null(a);
	in = sl_read(a, path, NULL);
	it = sl_uniq(in, keys, &o);
	assert_non_null(it);
	got->n = prov->n = 0;
	put(got, "", 0);
	put(prov, "", 0);
	while ((rec = sl_iter_next(it)) != NULL) {
		for (i = 0; i < rec->nfields; i++)
			put_field(got, rec->fields[i].ptr, rec->fields[i].len);
		put_end(got);
		snprintf(line, sizeof(line), "%llu %llu %llu %s\n",
			 (unsigned long long)rec->number,
			 (unsigned long long)rec->line,
			 (unsigned long long)rec->offset, rec->input);
		put(prov, line, strlen(line));
	}
	rc = sl_errcode(ctx);
	r = sl_read_stage_reader(in);   /* NULL: read to its end */
	*parts = r ? r->parts : 0;
	sl_arena_free(a);
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(spill), 0);
	return rc;
}

static void check_uniq_threads(const char *path, const table *t,
			       size_t ceiling, const char *keys,
			       const size_t *kf, size_t nk, int count,
			       int keep_first, int parts_fit)
{
	buf got = { 0 }, prov = { 0 }, got1 = { 0 }, prov1 = { 0 };
	buf want = { 0 };
	unsigned parts, parts1;

	assert_int_equal(uniq_run_j(2, ceiling, path, keys, count, keep_first,
				    &got, &prov, &parts), SL_OK);
	assert_int_equal(uniq_run_j(1, ceiling, path, keys, count, keep_first,
				    &got1, &prov1, &parts1), SL_OK);
	if (parts_fit >= 0)
		assert_int_equal(parts, parts_fit ? 2 : 0);
	assert_int_equal(parts1, 0);
	assert_string_equal(got.p, got1.p);
	assert_string_equal(prov.p, prov1.p);
	if (t) {
		uniq_want(t, kf, nk, count, keep_first, &want);
		/* uniq_want() gives a header first */
		assert_non_null(strchr(want.p, '\x1e'));
		assert_string_equal(got.p, strchr(want.p, '\x1e') + 1);
	}
	free(got.p);
	free(prov.p);
	free(got1.p);
	free(prov1.p);
	free(want.p);
}

static void test_uniq_on_threads(void **state)
{
	static const size_t cd[] = { 1, 2 }, dc[] = { 2, 1 }, id[] = { 0 };
	char path[4200];
	table t;
	FILE *f;
	unsigned i;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.csv", dir);
	uniq_table(&t, 180000, 30, 12, 77);
	table_write(&t, path);
	check_uniq_threads(path, &t, 0, "cat,d", cd, 2, 1, 0, 1);
	check_uniq_threads(path, &t, 0, "d,cat", dc, 2, 0, 1, 1);
	check_uniq_threads(path, &t, 0, "cat", cd, 1, 1, 1, 1);
	/* every id differs: the parts' tables fill, one thread reads */
	check_uniq_threads(path, &t, 2u << 20, "id", id, 1, 1, 0, 0);
	table_free(&t);
	/* fields with newlines in quotes, where the cut falls: the parts
	 * are dropped or not, the answer is the same */
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("\xef\xbb\xbfk,v,note\n", f);
	for (i = 0; i < 200000; i++)
		fprintf(f, "\"k%u\n\",%u,\"\"\"%.*s\"\n", i % 5, i,
			(int)(i % 23), "a\nb,c\nd\ne\n\n\nf,g,h\ni\r\nj");
	assert_int_equal(fclose(f), 0);
	check_uniq_threads(path, NULL, 0, "k", NULL, 0, 1, 0, -1);
	unlink(path);
}

static void test_uniq_bad_key_and_empty_input(void **state)
{
	char path[4200];
	buf got = { 0 };
	sl_ctx *ctx = tu_ctx(0, 0);

	(void)state;
	snprintf(path, sizeof(path), "%s/e.csv", dir);
	tu_write_file(path, "a,b\n1,2\n", 8);
	assert_int_equal(uniq_run(ctx, path, "a,nope", 0, 0, &got, NULL),
			 SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "no field 'nope'"));
	tu_ctx_free(ctx);
	ctx = tu_ctx(0, 0);
	tu_write_file(path, "", 0);
	assert_int_equal(uniq_run(ctx, path, "a", 1, 1, &got, NULL), SL_OK);
	assert_string_equal(got.p, "\x1e");      /* no header, no records */
	tu_ctx_free(ctx);
	unlink(path);
	free(got.p);
}

/* ---- join ------------------------------------------------------------- */

/* lid, k, a, x on the left; k, y, A, x on the right */
static void join_tables(table *l, table *r, size_t nl, size_t nr,
			uint64_t seed)
{
	static const char *ln[] = { "lid", "k", "a", "x" };
	static const char *rn[] = { "k", "y", "A", "x" };
	size_t i;

	rng_state = seed;
	table_new(l, nl, 4, ln);
	for (i = 0; i < nl; i++) {
		l->v[i][0] = str("%u", (unsigned)i + 1);
		l->v[i][1] = val("k", 40);
		l->v[i][2] = val("a", 6);
		l->v[i][3] = text();
	}
	table_new(r, nr, 4, rn);
	for (i = 0; i < nr; i++) {
		r->v[i][0] = val("k", 48);   /* keys the left lacks */
		r->v[i][1] = str("y%u", (unsigned)i);
		r->v[i][2] = val("a", 6);
		r->v[i][3] = text();
	}
}

typedef struct jside {
	const table *t;
	const size_t *keys;      /* key fields, in key-list order */
} jside;

static jside jl, jr;
static size_t jnk;

typedef struct ent {
	int side;
	size_t row;
} ent;

static const char *ent_key(const ent *e, size_t k)
{
	const jside *s = e->side ? &jr : &jl;

	return s->t->v[e->row][s->keys[k]];
}

/* by key, then left before right, then input order */
static int ent_order(const void *a, const void *b)
{
	const ent *x = a, *y = b;
	size_t k;
	int c;

	for (k = 0; k < jnk; k++)
		if ((c = strcmp(ent_key(x, k), ent_key(y, k))) != 0)
			return c;
	if (x->side != y->side)
		return x->side - y->side;
	return (x->row > y->row) - (x->row < y->row);
}

static int is_key(const jside *s, size_t f)
{
	size_t k;

	for (k = 0; k < jnk; k++)
		if (s->keys[k] == f)
			return 1;
	return 0;
}

/* The others of a side's row (row NULL: absent, empty fields). */
static void put_others(buf *b, const jside *s, const size_t *row)
{
	size_t f;

	for (f = 0; f < s->t->nf; f++)
		if (!is_key(s, f)) {
			const char *v = row ? s->t->v[*row][f] : "";

			put_field(b, v, strlen(v));
		}
}

/*
 * What the join must give: every left and right row sorted together by
 * key; in each run of one key the left rows with each right row, or the
 * rows of the side there is when the kind keeps them.
 */
static void join_want(const table *l, const size_t *lk, const table *r,
		      const size_t *rk, size_t nk, sl_join_kind kind, buf *b)
{
	size_t n = l->n + r->n, i, j, m, f, nl, k;
	ent *e = malloc((n + 1) * sizeof(*e));

	assert_non_null(e);
	jl = (jside){ l, lk };
	jr = (jside){ r, rk };
	jnk = nk;
	for (i = 0; i < l->n; i++)
		e[i] = (ent){ 0, i };
	for (i = 0; i < r->n; i++)
		e[l->n + i] = (ent){ 1, i };
	qsort(e, n, sizeof(*e), ent_order);
	b->n = 0;
	put(b, "", 0);
	for (k = 0; k < nk; k++)
		put_field(b, l->names[lk[k]], strlen(l->names[lk[k]]));
	for (f = 0; f < l->nf; f++)
		if (!is_key(&jl, f))
			put_field(b, l->names[f], strlen(l->names[f]));
	for (f = 0; f < r->nf; f++) {
		int taken = 0;

		if (is_key(&jr, f))
			continue;
		for (k = 0; k < l->nf; k++)
			taken |= strcmp(l->names[k], r->names[f]) == 0;
		if (taken)
			put(b, "right.", 6);
		put_field(b, r->names[f], strlen(r->names[f]));
	}
	put_end(b);
	for (i = 0; i < n; i = j) {
		jnk = nk;
		for (j = i + 1; j < n; j++) {
			for (k = 0; k < nk; k++)
				if (strcmp(ent_key(&e[i], k),
					   ent_key(&e[j], k)) != 0)
					break;
			if (k < nk)
				break;
		}
		for (nl = 0; i + nl < j && e[i + nl].side == 0; nl++)
			;
		if (nl && nl < j - i) {
			for (m = i; m < i + nl; m++)
				for (f = i + nl; f < j; f++) {
					for (k = 0; k < nk; k++)
						put_field(b, ent_key(&e[m], k),
							  strlen(ent_key(&e[m],
									 k)));
					put_others(b, &jl, &e[m].row);
					put_others(b, &jr, &e[f].row);
					put_end(b);
				}
		} else if (nl ? kind != SL_JOIN_INNER :
			   kind == SL_JOIN_OUTER) {
			for (m = i; m < j; m++) {
				for (k = 0; k < nk; k++)
					put_field(b, ent_key(&e[m], k),
						  strlen(ent_key(&e[m], k)));
				put_others(b, &jl, nl ? &e[m].row : NULL);
				put_others(b, &jr, nl ? NULL : &e[m].row);
				put_end(b);
			}
		}
	}
	free(e);
}

/* The records of a row of each side, either absent (NULL). */
static void put_pair(buf *b, const size_t *lrow, const size_t *rrow)
{
	size_t k;

	for (k = 0; k < jnk; k++) {
		const char *v = lrow ? jl.t->v[*lrow][jl.keys[k]] :
			jr.t->v[*rrow][jr.keys[k]];

		put_field(b, v, strlen(v));
	}
	put_others(b, &jl, lrow);
	put_others(b, &jr, rrow);
	put_end(b);
}

static int rows_match(size_t lrow, size_t rrow)
{
	size_t k;

	for (k = 0; k < jnk; k++)
		if (strcmp(jl.t->v[lrow][jl.keys[k]],
			   jr.t->v[rrow][jr.keys[k]]) != 0)
			return 0;
	return 1;
}

/*
 * What a hash join that fits in memory must give, built from the left
 * side or the right: the probe side's rows in order, each with its
 * matches in the built side's order (left's fields first either way),
 * or alone when the kind keeps it; then the built rows no probe row
 * matched, in order, when the kind keeps them.  The header is
 * join_want()'s (which it calls first, for jl, jr and jnk).
 */
static void hash_want(const table *l, const size_t *lk, const table *r,
		      const size_t *rk, size_t nk, sl_join_kind kind,
		      int build_left, buf *b)
{
	const table *pt = build_left ? r : l, *bt = build_left ? l : r;
	int keep_probe = build_left ? kind == SL_JOIN_OUTER :
		kind != SL_JOIN_INNER;
	int keep_built = build_left ? kind != SL_JOIN_INNER :
		kind == SL_JOIN_OUTER;
	char *matched = calloc(bt->n + 1, 1);
	size_t i, m, hdr;

	assert_non_null(matched);
	join_want(l, lk, r, rk, nk, kind, b);
	hdr = (size_t)(strchr(b->p, '\x1e') - b->p) + 1;
	b->n = hdr;
	b->p[hdr] = '\0';
	for (i = 0; i < pt->n; i++) {
		int any = 0;

		for (m = 0; m < bt->n; m++)
			if (build_left ? rows_match(m, i) : rows_match(i, m)) {
				any = matched[m] = 1;
				if (build_left)
					put_pair(b, &m, &i);
				else
					put_pair(b, &i, &m);
			}
		if (!any && keep_probe)
			put_pair(b, build_left ? NULL : &i,
				 build_left ? &i : NULL);
	}
	for (m = 0; keep_built && m < bt->n; m++)
		if (!matched[m])
			put_pair(b, build_left ? &m : NULL,
				 build_left ? NULL : &m);
	free(matched);
}

static int str_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The records of b (after its header) in byte order: the same set as
 * another's, whatever order each came in. */
static void sort_records(buf *b)
{
	char *copy = strdup(b->p), **rec, *p, *end;
	size_t n = 0, cap = 1024, at;

	assert_non_null(copy);
	rec = malloc(cap * sizeof(*rec));
	assert_non_null(rec);
	p = strchr(copy, '\x1e') + 1;
	at = (size_t)(p - copy);
	for (; *p; p = end + 1) {
		end = strchr(p, '\x1e');
		*end = '\0';
		if (n == cap) {
			cap *= 2;
			rec = realloc(rec, cap * sizeof(*rec));
			assert_non_null(rec);
		}
		rec[n++] = p;
	}
	qsort(rec, n, sizeof(*rec), str_order);
	b->n = at;
	b->p[at] = '\0';
	for (size_t i = 0; i < n; i++) {
		put(b, rec[i], strlen(rec[i]));
		put_end(b);
	}
	free(rec);
	free(copy);
}

static sl_status join_run_with(sl_ctx *ctx, const char *lpath,
			       const char *rpath, const char *keys,
			       const sl_join_options *o, buf *got,
			       uint64_t *spills)
{
	sl_join_options jo = *o;
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_spill_stats st;
	sl_iter *it;
	sl_status rc;

	if (!a)
		return sl_errcode(ctx);
	jo.sort.tmpdir = spill;
	it = sl_join_with(sl_read(a, lpath, NULL), sl_read(a, rpath, NULL),
			  keys, &jo);
	rc = it ? drain(it, got) : sl_errcode(ctx);
	if (it && spills) {
		sl_iter_spill_stats(it, &st);
		*spills = st.runs;
	}
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	assert_int_equal(tu_count_entries(spill), 0);
	return rc;
}

static sl_status join_run(sl_ctx *ctx, const char *lpath, const char *rpath,
			  const char *keys, sl_join_kind kind, buf *got,
			  uint64_t *spills)
{
	sl_join_options o = { .kind = kind, .method = SL_JOIN_SORT };

	return join_run_with(ctx, lpath, rpath, keys, &o, got, spills);
}

/* rows in the order of their keys, byte-wise, ties in input order */
static const jside *sort_side_of;

static int key_row_order(const void *a, const void *b)
{
	const char **x = *(const char ***)a, **y = *(const char ***)b;
	size_t k;
	int c;

	for (k = 0; k < jnk; k++) {
		size_t f = sort_side_of->keys[k];

		if ((c = strcmp(x[f], y[f])) != 0)
			return c;
	}
	return (x > y) - (x < y);
}

/* t's rows sorted on the side's keys, for --sorted (a table of the same
 * strings: only the row array is new). */
static void sort_rows(table *t, const size_t *keys, size_t nk)
{
	jside sd = { t, keys };
	char *(**rows)[MAXF] = malloc((t->n + 1) * sizeof(*rows));
	char *(*v)[MAXF] = malloc((t->n + 1) * sizeof(*v));
	size_t i;

	assert_non_null(rows);
	assert_non_null(v);
	for (i = 0; i < t->n; i++)
		rows[i] = &t->v[i];
	jnk = nk;
	sort_side_of = &sd;
	qsort(rows, t->n, sizeof(*rows), key_row_order);
	for (i = 0; i < t->n; i++)
		memcpy(v[i], *rows[i], sizeof(v[i]));
	free(t->v);
	t->v = v;
	free(rows);
}

/*
 * Every kind of join by every method: sort (key order, exactly),
 * sorted (the same, on inputs sorted first), and hash built from either
 * side and from the side it picks, in the order hash_want() says when
 * the table fits (ceiling 0 and no table_limit) or as the same set of
 * records when it does not.  must_spill: 1 every method spills, -1 the
 * hash join does (its table_limit), 0 none does.
 */
static void check_join(size_t nl, size_t nr, size_t ceiling,
		       size_t table_limit, const char *keys, const size_t *lk,
		       const size_t *rk, size_t nk, int must_spill)
{
	static const sl_join_kind kinds[] = { SL_JOIN_INNER, SL_JOIN_LEFT,
					      SL_JOIN_OUTER };
	static const sl_join_build builds[] = { SL_JOIN_BUILD_AUTO,
						SL_JOIN_BUILD_LEFT,
						SL_JOIN_BUILD_RIGHT };
	int fits = !ceiling && !table_limit;
	char lp[4200], rp[4200];
	table l, r;
	buf got = { 0 }, want = { 0 };
	uint64_t spills;
	size_t i, m;

	join_tables(&l, &r, nl, nr, nl * 31 + nr);
	snprintf(lp, sizeof(lp), "%s/l.csv", dir);
	snprintf(rp, sizeof(rp), "%s/r.csv", dir);
	table_write(&l, lp);
	table_write(&r, rp);
	for (i = 0; i < 3; i++) {
		sl_join_options o = { .kind = kinds[i] };
		sl_ctx *ctx = tu_ctx(ceiling, 0);

		/* sort */
		join_want(&l, lk, &r, rk, nk, kinds[i], &want);
		spills = 0;
		o.method = SL_JOIN_SORT;
		assert_int_equal(join_run_with(ctx, lp, rp, keys, &o, &got,
					       &spills), SL_OK);
		assert_string_equal(got.p, want.p);
		check_spills(spills, must_spill > 0);
		/* hash, each build side (auto: the right file, the larger) */
		o.method = SL_JOIN_HASH;
		o.sort.mem_limit = table_limit;
		for (m = 0; m < 3; m++) {
			int left = builds[m] == SL_JOIN_BUILD_LEFT;

			o.build = builds[m];
			spills = 0;
			assert_int_equal(join_run_with(ctx, lp, rp, keys, &o,
						       &got, &spills), SL_OK);
			if (fits) {
				hash_want(&l, lk, &r, rk, nk, kinds[i], left,
					  &want);
			} else {
				join_want(&l, lk, &r, rk, nk, kinds[i], &want);
				sort_records(&want);
				sort_records(&got);
			}
			assert_string_equal(got.p, want.p);
			check_spills(spills, must_spill != 0);
		}
		tu_ctx_free(ctx);
	}
	/* sorted: the same inputs in key order, merged as they come */
	sort_rows(&l, lk, nk);
	sort_rows(&r, rk, nk);
	table_write(&l, lp);
	table_write(&r, rp);
	for (i = 0; i < 3; i++) {
		sl_join_options o = { .kind = kinds[i],
				      .method = SL_JOIN_SORTED };
		sl_ctx *ctx = tu_ctx(ceiling, 0);

		join_want(&l, lk, &r, rk, nk, kinds[i], &want);
		spills = 0;
		assert_int_equal(join_run_with(ctx, lp, rp, keys, &o, &got,
					       &spills), SL_OK);
		assert_string_equal(got.p, want.p);
		assert_int_equal(spills, 0);
		tu_ctx_free(ctx);
	}
	unlink(lp);
	unlink(rp);
	table_free(&l);
	table_free(&r);
	free(got.p);
	free(want.p);
}

static void test_join_one_key(void **state)
{
	static const size_t lk[] = { 1 }, rk[] = { 0 };

	(void)state;
	check_join(2000, 1500, 0, 0, "k", lk, rk, 1, 0);
	check_join(2000, 1500, 0, 0, "2=1", lk, rk, 1, 0);
}

static void test_join_several_keys(void **state)
{
	static const size_t lk[] = { 2, 1 }, rk[] = { 2, 0 };
	static const size_t lk2[] = { 1, 2 }, rk2[] = { 0, 2 };

	(void)state;
	check_join(2000, 1500, 0, 0, "a=A,k", lk, rk, 2, 0);
	check_join(2000, 1500, 0, 0, "k,a=3", lk2, rk2, 2, 0);
}

static void test_join_spills_under_small_ceiling(void **state)
{
	static const size_t lk[] = { 1, 2 }, rk[] = { 0, 2 };

	(void)state;
	check_join(20000, 12000, 2u << 20, 0, "k,a=A", lk, rk, 2, 1);
	/* tables of 64 and 16 KiB: the partitions split, then again */
	check_join(6000, 4000, 0, 64u << 10, "k,a=A", lk, rk, 2, -1);
	check_join(6000, 4000, 0, 16u << 10, "k,a=A", lk, rk, 2, -1);
}

/* Partitions written and read on threads (two: a writer of partitions
 * beside the parser, a reader ahead beside the join), the records of the
 * join whatever their order; for make check-tsan. */
static void test_join_partitions_on_threads(void **state)
{
	static const size_t lk[] = { 1, 2 }, rk[] = { 0, 2 };
	static const sl_join_kind kinds[] = { SL_JOIN_INNER, SL_JOIN_OUTER };
	char lp[4200], rp[4200];
	table l, r;
	buf got = { 0 }, want = { 0 };
	uint64_t spills;
	size_t i;

	(void)state;
	join_tables(&l, &r, 6000, 4000, 77);
	snprintf(lp, sizeof(lp), "%s/l.csv", dir);
	snprintf(rp, sizeof(rp), "%s/r.csv", dir);
	table_write(&l, lp);
	table_write(&r, rp);
	for (i = 0; i < 2; i++) {
		sl_join_options o = { .kind = kinds[i],
				      .sort = { .mem_limit = 64u << 10 } };
		sl_ctx *ctx = tu_ctx_j(0, 0, 2);

		spills = 0;
		assert_int_equal(join_run_with(ctx, lp, rp, "k,a=A", &o, &got,
					       &spills), SL_OK);
		assert_true(spills > 2);
		join_want(&l, lk, &r, rk, 2, kinds[i], &want);
		sort_records(&want);
		sort_records(&got);
		assert_string_equal(got.p, want.p);
		tu_ctx_free(ctx);
	}
	unlink(lp);
	unlink(rp);
	table_free(&l);
	table_free(&r);
	free(got.p);
	free(want.p);
}

/* n rows of key k and a value each, as CSV. */
static void write_one_key(const char *path, size_t n, const char *k)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	fprintf(f, "k,v\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%s,value %zu\n", k, i);
	assert_int_equal(fclose(f), 0);
}

/*
 * One key on 2000 records of the left side, past a table of 16 KiB:
 * split, it stays whole, and its pair is built from the right side's
 * few records instead; the output is every pair.  With 2000 records on
 * both sides it fits on neither: SL_ENOMEM that says so, and no file
 * left behind.
 */
static void test_join_one_big_key(void **state)
{
	sl_join_options o = { .kind = SL_JOIN_INNER,
			      .build = SL_JOIN_BUILD_LEFT,
			      .sort = { .mem_limit = 16u << 10 } };
	char lp[4200], rp[4200];
	buf got = { 0 };
	sl_ctx *ctx = tu_ctx(0, 0);
	uint64_t spills = 0;
	size_t n = 0;
	const char *p;

	(void)state;
	snprintf(lp, sizeof(lp), "%s/l.csv", dir);
	snprintf(rp, sizeof(rp), "%s/r.csv", dir);
	write_one_key(lp, 2000, "x");
	write_one_key(rp, 5, "x");
	assert_int_equal(join_run_with(ctx, lp, rp, "k", &o, &got, &spills),
			 SL_OK);
	assert_true(spills > 0);
	for (p = got.p; (p = strchr(p, '\x1e')) != NULL; p++)
		n++;
	assert_int_equal(n, 1 + 2000 * 5);
	assert_non_null(strstr(got.p, "x\x1fvalue 1999\x1fvalue 4\x1f\x1e"));
	write_one_key(rp, 2000, "x");
	assert_int_equal(join_run_with(ctx, lp, rp, "k", &o, &got, NULL),
			 SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "the records of one key do not"
			       " fit under the memory ceiling on either side"
			       " (key 'x')"));
	tu_ctx_free(ctx);
	unlink(lp);
	unlink(rp);
	free(got.p);
}

/* --sorted: a record whose keys come before the last one's is an error
 * that names it, on either side. */
static void test_join_sorted_out_of_order(void **state)
{
	static const char bad[] = "k,v\na,1\nb,2\nb,3\nab,4\n";
	static const char good[] = "k,w\na,1\nc,2\n";
	sl_join_options o = { .kind = SL_JOIN_OUTER,
			      .method = SL_JOIN_SORTED };
	char lp[4200], rp[4200];
	buf got = { 0 };
	int side;

	(void)state;
	snprintf(lp, sizeof(lp), "%s/l.csv", dir);
	snprintf(rp, sizeof(rp), "%s/r.csv", dir);
	for (side = 0; side < 2; side++) {
		sl_ctx *ctx = tu_ctx(0, 0);

		tu_write_file(side ? rp : lp, bad, strlen(bad));
		tu_write_file(side ? lp : rp, good, strlen(good));
		assert_int_equal(join_run_with(ctx, lp, rp, "k", &o, &got,
					       NULL), SL_EDATA);
		if (!strstr(sl_errmsg(ctx), "keys out of order in '") ||
		    !strstr(sl_errmsg(ctx), side ? "r.csv' at record 4, line"
			    " 5, byte 16" : "l.csv' at record 4, line 5, byte"
			    " 16"))
			fail_msg("%s", sl_errmsg(ctx));
		tu_ctx_free(ctx);
	}
	unlink(lp);
	unlink(rp);
	free(got.p);
}

/* JSON Lines: kinds kept; the absent side's fields are null */
static void test_join_kinds(void **state)
{
	static const char lj[] = "{\"id\":1,\"v\":true}\n{\"id\":2,\"v\":null}\n";
	static const char rj[] = "{\"id\":1,\"w\":[1]}\n{\"id\":3,\"w\":2.50}\n";
	const sl_record *rec;
	char lp[4200], rp[4200];
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_iter *it;
	size_t n;

	(void)state;
	snprintf(lp, sizeof(lp), "%s/l.jsonl", dir);
	snprintf(rp, sizeof(rp), "%s/r.jsonl", dir);
	tu_write_file(lp, lj, sizeof(lj) - 1);
	tu_write_file(rp, rj, sizeof(rj) - 1);
	it = sl_join(sl_read(a, lp, NULL), sl_read(a, rp, NULL), "id",
		     SL_JOIN_OUTER);
	assert_non_null(sl_iter_header(it, &n));
	assert_int_equal(n, 3);
	assert_int_equal(sl_iter_format(it), SL_FORMAT_JSONL);
	rec = sl_iter_next(it);                  /* 1, true, [1] */
	assert_non_null(rec);
	assert_non_null(rec->kinds);
	assert_int_equal(rec->kinds[0], SL_KIND_NUMBER);
	assert_int_equal(rec->kinds[1], SL_KIND_BOOL);
	assert_int_equal(rec->kinds[2], SL_KIND_NESTED);
	rec = sl_iter_next(it);                  /* 2, null, absent: null */
	assert_non_null(rec);
	assert_int_equal(rec->kinds[1], SL_KIND_NULL);
	assert_int_equal(rec->kinds[2], SL_KIND_NULL);
	rec = sl_iter_next(it);                  /* 3, absent: null, 2.50 */
	assert_non_null(rec);
	assert_memory_equal(rec->fields[0].ptr, "3", 1);
	assert_int_equal(rec->kinds[1], SL_KIND_NULL);
	assert_int_equal(rec->kinds[2], SL_KIND_NUMBER);
	assert_memory_equal(rec->fields[2].ptr, "2.50", 4);
	assert_null(sl_iter_next(it));
	assert_false(sl_failed(ctx));
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);
	unlink(lp);
	unlink(rp);
}

static void test_join_bad_keys(void **state)
{
	static const char csv[] = "id,v\n1,x\n";
	static const struct {
		const char *keys;
		const char *msg;
		int at_once;     /* refused by sl_join() itself */
	} cases[] = {
		{ "id=", "key 'id=' is not NAME or LNAME=RNAME", 1 },
		{ "=id", "key '=id' is not NAME or LNAME=RNAME", 1 },
		{ "", "a join needs keys", 1 },
		{ "id,,v", "empty item in the list 'id,,v'", 1 },
		{ "id,1", "keys 'id' and '1' are one field of", 0 },
		{ "id=nope", "no field 'nope' in the header; it has: id, v", 0 },
		{ "id=3", "key 3 is not within 1-2", 0 },
	};
	char lp[4200];
	size_t i;

	(void)state;
	snprintf(lp, sizeof(lp), "%s/k.csv", dir);
	tu_write_file(lp, csv, sizeof(csv) - 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "t");
		sl_iter *it = sl_join(sl_read(a, lp, NULL),
				      sl_read(a, lp, NULL), cases[i].keys,
				      SL_JOIN_INNER);
		size_t n;

		if (cases[i].at_once) {
			assert_null(it);
		} else {
			assert_non_null(it);
			assert_null(sl_iter_header(it, &n));
			assert_null(sl_iter_next(it));
		}
		assert_int_equal(sl_errcode(ctx), SL_EINVAL);
		if (!strstr(sl_errmsg(ctx), cases[i].msg))
			fail_msg("'%s': %s", cases[i].keys, sl_errmsg(ctx));
		tu_ctx_free(ctx);
	}
	unlink(lp);
}

/* An empty side: no header, no records, the other side read through
 * (its bad record still an error); no right side at all: NULL. */
static void test_join_empty_side(void **state)
{
	char ep[4200], lp[4200], bp[4200];
	buf got = { 0 };
	int side;

	(void)state;
	snprintf(ep, sizeof(ep), "%s/e.csv", dir);
	snprintf(lp, sizeof(lp), "%s/l.csv", dir);
	snprintf(bp, sizeof(bp), "%s/b.csv", dir);
	tu_write_file(ep, "", 0);
	tu_write_file(lp, "k,v\n1,x\n", 8);
	tu_write_file(bp, "k,v\n1,x\n2,y,z\n", 14);
	for (side = 0; side < 2; side++) {
		sl_ctx *ctx = tu_ctx(0, 0);

		assert_int_equal(join_run(ctx, side ? ep : lp, side ? lp : ep,
					  "k", SL_JOIN_OUTER, &got, NULL),
				 SL_OK);
		assert_string_equal(got.p, "\x1e");
		assert_int_equal(join_run(ctx, side ? ep : bp, side ? bp : ep,
					  "k", SL_JOIN_OUTER, &got, NULL),
				 SL_EDATA);
		tu_ctx_free(ctx);
	}
	{
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "t");

		assert_null(sl_join(sl_read(a, lp, NULL), NULL, "k",
				    SL_JOIN_INNER));
		assert_null(sl_join(NULL, sl_read(a, lp, NULL), "k",
				    SL_JOIN_INNER));
		tu_ctx_free(ctx);
	}
	tu_write_file(ep, "k,w\n", 4);      /* a header, no records */
	{
		sl_ctx *ctx = tu_ctx(0, 0);

		assert_int_equal(join_run(ctx, lp, ep, "k", SL_JOIN_LEFT, &got,
					  NULL), SL_OK);
		assert_string_equal(got.p, "k\x1fv\x1fw\x1f\x1e"
				    "1\x1fx\x1f\x1f\x1e");
		tu_ctx_free(ctx);
	}
	unlink(ep);
	unlink(lp);
	unlink(bp);
	free(got.p);
}

/* ---- a charge made to fail at each point ------------------------------ */

/* run: 0 uniq, 1 join; each N fails cleanly or gives the same output */
/* run 0: uniq; 1: join by sorting; 2: join by hash, 3: the same with
 * tables of 64 KiB, which split into partitions (records compared as a
 * set: a refused table charge splits, which orders them anew). */
static sl_status sweep_run(int run, sl_ctx *ctx, const char *p1,
			   const char *p2, buf *got)
{
	sl_join_options o = { .kind = SL_JOIN_OUTER, .method = SL_JOIN_HASH,
			      .sort = { .mem_limit = run == 3 ? 64u << 10 :
					0 } };
	sl_status rc;

	if (!run)
		return uniq_run(ctx, p1, "cat,d", 1, 1, got, NULL);
	if (run == 1)
		return join_run(ctx, p1, p2, "k,a=A", SL_JOIN_OUTER, got,
				NULL);
	rc = join_run_with(ctx, p1, p2, "k,a=A", &o, got, NULL);
	if (rc == SL_OK)
		sort_records(got);
	return rc;
}

static void sweep(int run, const char *p1, const char *p2, size_t ceiling)
{
	buf want = { 0 }, got = { 0 };
	unsigned long total, n, step;
	int failures = 0, successes = 0;
	sl_ctx *ctx = tu_ctx(ceiling, 16 << 10);
	sl_status rc;

	sl_mem_fail_at(ctx, 0);
	rc = sweep_run(run, ctx, p1, p2, &want);
	assert_int_equal(rc, SL_OK);
	total = sl_mem_charges(ctx);
	tu_ctx_free(ctx);
	assert_true(total > 10);
	step = total / 80 + 1;
	for (n = 1; n <= total + 1; n += n < 30 ? 1 : step) {
		ctx = tu_ctx(ceiling, 16 << 10);
		sl_mem_fail_at(ctx, n);
		rc = sweep_run(run, ctx, p1, p2, &got);
		if (rc == SL_OK) {
			assert_string_equal(got.p, want.p);
			successes++;
		} else {
			if (rc != SL_ENOMEM)
				fail_msg("charge %lu: %s", n, sl_errmsg(ctx));
			failures++;
		}
		tu_ctx_free(ctx);
	}
	if (failures < 5 || successes < 1)
		fail_msg("%d failures, %d successes of %lu charges", failures,
			 successes, total);
	free(want.p);
	free(got.p);
}

static void test_uniq_fault_at_every_charge(void **state)
{
	char path[4200];
	table t;

	(void)state;
	uniq_table(&t, 20000, 30, 12, 5);
	snprintf(path, sizeof(path), "%s/u.csv", dir);
	table_write(&t, path);
	sweep(0, path, NULL, 1u << 20);
	unlink(path);
	table_free(&t);
}

static void test_join_fault_at_every_charge(void **state)
{
	char lp[4200], rp[4200];
	table l, r;

	(void)state;
	join_tables(&l, &r, 8000, 6000, 9);
	snprintf(lp, sizeof(lp), "%s/l.csv", dir);
	snprintf(rp, sizeof(rp), "%s/r.csv", dir);
	table_write(&l, lp);
	table_write(&r, rp);
	sweep(1, lp, rp, 1u << 20);
	sweep(2, lp, rp, 1u << 20);     /* too little room for partitions */
	sweep(2, lp, rp, 0);            /* the table fits */
	sweep(3, lp, rp, 8u << 20);     /* partitions */
	unlink(lp);
	unlink(rp);
	table_free(&l);
	table_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniq_by_key),
		cmocka_unit_test(test_uniq_count),
		cmocka_unit_test(test_uniq_keep_first),
		cmocka_unit_test(test_uniq_every_field),
		cmocka_unit_test(test_uniq_spills_under_small_ceiling),
		cmocka_unit_test(test_uniq_bad_key_and_empty_input),
		cmocka_unit_test(test_uniq_on_threads),
		cmocka_unit_test(test_join_one_key),
		cmocka_unit_test(test_join_several_keys),
		cmocka_unit_test(test_join_spills_under_small_ceiling),
		cmocka_unit_test(test_join_partitions_on_threads),
		cmocka_unit_test(test_join_one_big_key),
		cmocka_unit_test(test_join_sorted_out_of_order),
		cmocka_unit_test(test_join_kinds),
		cmocka_unit_test(test_join_bad_keys),
		cmocka_unit_test(test_join_empty_side),
		cmocka_unit_test(test_uniq_fault_at_every_charge),
		cmocka_unit_test(test_join_fault_at_every_charge),
	};

	tu_filter_from_env();
	return cmocka_run_group_tests_name("stage_group", tests, setup,
					   teardown);
}
