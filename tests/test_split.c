/*
 * test_split.c - parts of a file (lib/split.c) through the public API.
 *
 * The inputs are built here record by record, so where every record ends
 * is known without parsing: the CSV has quoted newlines, "" inside
 * quotes, a '"' in the middle of an unquoted field (data, not a quote),
 * CR LF endings and a header with a quoted newline.  Each part must be
 * the header's bytes and then the file's bytes between two boundaries,
 * where boundary j is the first record end at or after the nominal cut
 * floor(body * j / N); the bodies, in order, must be the body, and every
 * record must lie in exactly one part.  Small chunk sizes cut the scan
 * in every place.  Also: TSV, JSON Lines (named and sniffed), lines,
 * --no-header, the refusals, writing a part twice, the budget back to
 * zero and every allocation made to fail.
 */
#include "testutil.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

enum { MAX_RECORDS = 400 };

/* A file built here: its bytes, the header's length and the offsets
 * just after each record's end. */
struct file {
	char path[4200];
	char *data;
	size_t size, cap;
	size_t head;
	size_t ends[MAX_RECORDS];
	size_t nrec;
};

static void add(struct file *f, const char *s)
{
	size_t n = strlen(s);

	if (f->size + n + 1 > f->cap) {
		f->cap = (f->size + n + 1) * 2;
		f->data = realloc(f->data, f->cap);
		assert_non_null(f->data);
	}
	memcpy(f->data + f->size, s, n + 1);
	f->size += n;
}

/* The record just added ends here. */
static void end_record(struct file *f)
{
	assert_true(f->nrec < MAX_RECORDS);
	f->ends[f->nrec++] = f->size;
}

static void save(struct file *f, const char *name)
{
	if (!f->data)
		add(f, "");     /* an empty file still has a buffer */
	snprintf(f->path, sizeof(f->path), "%s/%s", tu_dir, name);
	tu_write_file(f->path, f->data, f->size);
}

static void file_free(struct file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* A CSV whose records are mostly multi-line quoted fields, so that most
 * cuts land inside quotes; crlf: CR LF endings; final: the last record
 * has its newline. */
static void make_csv(struct file *f, const char *name, int crlf, int final)
{
	static const char *notes[] = {
		"\"line one\nline \"\"two\"\"\nthree\"",
		"\"\"\"\"",
		"\"ends with \"\"\"",
		"\"\nstarts with a newline\"",
		"\"\"\"\n\"\"\"",
		"plain",
		"5\" wide",
		"x\"y\"z",
		"\"a, b\"",
		"",
	};
	const char *eol = crlf ? "\r\n" : "\n";
	char buf[128];
	size_t i;

	memset(f, 0, sizeof(*f));
	add(f, "id,\"multi\nline note\",\"qty, units\"");
	add(f, eol);
	f->head = f->size;
	for (i = 1; i <= 240; i++) {
		snprintf(buf, sizeof(buf), "%zu,", i);
		add(f, buf);
		add(f, notes[(i * 7) % ARRAY_SIZE(notes)]);
		add(f, i % 4 ? ",7" : ",\"1\n5\"");
		if (i < 240 || final)
			add(f, eol);
		end_record(f);
	}
	save(f, name);
}

/* n lines "l<i>\t<i*i>"-like for TSV (with a header line) or JSON objects
 * for JSON Lines, of varied lengths; the last has no newline when
 * !final. */
static void make_lines(struct file *f, const char *name, int tsv, size_t n,
		       int final)
{
	char buf[128];
	size_t i;

	memset(f, 0, sizeof(*f));
	if (tsv) {
		add(f, "name\tvalue\n");
		f->head = f->size;
	}
	for (i = 0; i < n; i++) {
		if (tsv)
			snprintf(buf, sizeof(buf), "l%zu\t%*zu", i,
				 (int)(i % 17), i * i);
		else
			snprintf(buf, sizeof(buf), "{\"id\":%zu,\"s\":\"%*s\"}",
				 i, (int)(i % 23), "x");
		add(f, buf);
		if (i + 1 < n || final)
			add(f, "\n");
		end_record(f);
	}
	save(f, name);
}

/* Boundary j of n: the first record end at or after the nominal cut. */
static size_t boundary(const struct file *f, uint64_t j, uint64_t n)
{
	size_t body = f->size - f->head, cut, i;

	cut = f->head + (size_t)(body * j / n);   /* small files */
	if (cut == f->head)
		return cut;
	for (i = 0; i < f->nrec; i++)
		if (f->ends[i] >= cut)
			return f->ends[i];
	return f->size;
}

/* Write part `part` of n of path to a file and read it back (malloc'ed
 * into *out, its size in *len).  Returns the status. */
static sl_status split_one(sl_ctx *ctx, const char *path, uint64_t n,
			   uint64_t part, const sl_split_options *o,
			   unsigned char **out, size_t *len)
{
	sl_arena *a = sl_arena_new(ctx, "test.split");
	char target[4300];
	sl_split *sp;
	sl_sink *sink = NULL;
	sl_status st;

	*out = NULL;
	*len = 0;
	snprintf(target, sizeof(target), "%s/part.out", tu_dir);
	sp = a ? sl_split_open(a, path, n, part, o) : NULL;
	if (sp)
		sink = sl_sink_open(a, target, NULL);
	if (sink && sl_split_write(sp, sink) == SL_OK)
		sl_sink_close(sink);
	st = sl_errcode(ctx);
	sl_arena_free(a);
	if (st == SL_OK) {
		*out = tu_read_file(target, len);
		unlink(target);
	}
	return st;
}

/* Check every part of n of f (split with options o, chunk size cs). */
static void check_parts(const struct file *f, uint64_t n,
			const sl_split_options *o, size_t cs)
{
	sl_ctx *ctx = tu_ctx(0, cs);
	size_t records = 0, prev, b, len, r;
	unsigned char *got;
	uint64_t j;

	prev = boundary(f, 0, n);
	assert_int_equal(prev, f->head);
	for (j = 1; j <= n; j++) {
		b = boundary(f, j, n);
		assert_int_equal(split_one(ctx, f->path, n, j, o, &got, &len),
				 SL_OK);
		/* the header's bytes, then the file's from prev to b */
		assert_int_equal(len, f->head + (b - prev));
		assert_memory_equal(got, f->data, f->head);
		if (b > prev)
			assert_memory_equal(got + f->head, f->data + prev,
					    b - prev);
		/* whole records only: every record ending in (prev, b] is
		 * in this part, and b itself ends one (or the file) */
		for (r = 0; r < f->nrec; r++)
			records += f->ends[r] > prev && f->ends[r] <= b;
		free(got);
		prev = b;
	}
	/* the bodies, in order, are the body; each record once */
	assert_int_equal(prev, f->size);
	assert_int_equal(records, f->nrec);
	tu_ctx_free(ctx);
}

/* ---- tests ----------------------------------------------------------- */

static void test_split_csv_quoted_newlines(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 4, 7, 13, 300 };
	static const size_t css[] = { 1, 5, 64, 65536 };
	struct file f;
	int crlf, final;
	size_t i, k;

	(void)state;
	for (crlf = 0; crlf <= 1; crlf++) {
		for (final = 0; final <= 1; final++) {
			make_csv(&f, "q.csv", crlf, final);
			for (i = 0; i < ARRAY_SIZE(ns); i++)
				for (k = 0; k < ARRAY_SIZE(css); k++)
					if (css[k] >= 64 || ns[i] <= 4)
						check_parts(&f, ns[i], NULL,
							    css[k]);
			file_free(&f);
		}
	}
}

/* The cuts must land inside quotes often, or the test shows nothing:
 * count the cuts whose next '\n' is not a record end. */
static void test_split_csv_cuts_fall_in_quotes(void **state)
{
	struct file f;
	uint64_t n, j;
	size_t cut, traps = 0, all = 0;
	const char *nl;

	(void)state;
	make_csv(&f, "t.csv", 0, 1);
	for (n = 2; n <= 13; n++) {
		for (j = 1; j < n; j++) {
			cut = f.head + (f.size - f.head) * j / n;
			nl = memchr(f.data + cut - 1, '\n', f.size - cut + 1);
			all++;
			traps += nl && (size_t)(nl - f.data) + 1 <
				boundary(&f, j, n);
		}
	}
	print_message("  %zu of %zu cuts fall where the next newline is"
		      " quoted\n", traps, all);
	assert_true(traps * 4 >= all);
	file_free(&f);
}

static void test_split_csv_delimiter_and_no_header(void **state)
{
	sl_split_options o = { .no_header = 1 };
	struct file f;
	size_t r;

	(void)state;
	make_csv(&f, "nh.csv", 0, 1);
	/* --no-header: the header is the first record of the body */
	memmove(f.ends + 1, f.ends, f.nrec * sizeof(f.ends[0]));
	f.ends[0] = f.head;
	f.nrec++;
	f.head = 0;
	check_parts(&f, 5, &o, 64);
	file_free(&f);
	/* ';' as the delimiter: a quote after ',' is then data */
	memset(&f, 0, sizeof(f));
	add(&f, "a;b\n");
	f.head = f.size;
	for (r = 0; r < 50; r++) {
		add(&f, r % 2 ? "x,\"y;z\n" : "1;\"p\nq\"\n");
		end_record(&f);
	}
	save(&f, "semi.csv");
	o = (sl_split_options){ .delimiter = ';' };
	check_parts(&f, 7, &o, 16);
	file_free(&f);
}

static void test_split_tsv_and_jsonl(void **state)
{
	static const uint64_t ns[] = { 1, 2, 5, 7, 13 };
	sl_split_options o = { 0 };
	struct file f;
	sl_ctx *ctx;
	sl_arena *a;
	sl_split *sp;
	size_t i;

	(void)state;
	make_lines(&f, "g.tsv", 1, 300, 1);
	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		check_parts(&f, ns[i], NULL, 64);
		check_parts(&f, ns[i], NULL, 4096);
	}
	file_free(&f);
	make_lines(&f, "g.jsonl", 0, 300, 0);
	for (i = 0; i < ARRAY_SIZE(ns); i++)
		check_parts(&f, ns[i], NULL, 64);
	file_free(&f);
	/* no extension: sniffed as JSON Lines, so no header is carried */
	make_lines(&f, "gdata", 0, 200, 1);
	check_parts(&f, 3, NULL, 64);
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "test");
	sp = sl_split_open(a, f.path, 3, 1, NULL);
	assert_non_null(sp);
	assert_int_equal(sl_split_format(sp), SL_FORMAT_JSONL);
	tu_ctx_free(ctx);
	file_free(&f);
	/* lines: the format given beats the name */
	make_lines(&f, "lines.csv", 0, 100, 1);
	o.format = SL_FORMAT_LINES;
	check_parts(&f, 6, &o, 32);
	file_free(&f);
}

static void test_split_small_files(void **state)
{
	struct file f;
	uint64_t n;

	(void)state;
	/* more parts than records: most parts are the header alone */
	memset(&f, 0, sizeof(f));
	add(&f, "id,v\n");
	f.head = f.size;
	add(&f, "1,\"a\nb\"\n");
	end_record(&f);
	add(&f, "2,x");
	end_record(&f);
	save(&f, "three.csv");
	for (n = 1; n <= 10; n++)
		check_parts(&f, n, NULL, 4);
	file_free(&f);
	/* only a header, and an empty file */
	memset(&f, 0, sizeof(f));
	add(&f, "id,v");
	f.head = f.size;
	save(&f, "h.csv");
	check_parts(&f, 3, NULL, 0);
	file_free(&f);
	memset(&f, 0, sizeof(f));
	save(&f, "e.csv");
	check_parts(&f, 3, NULL, 0);
	file_free(&f);
}

/* A byte-order mark and blank lines go with the header, and a quote right
 * after the mark opens a field. */
static void test_split_bom_and_blank_lines(void **state)
{
	struct file f;

	(void)state;
	memset(&f, 0, sizeof(f));
	add(&f, "\357\273\277\n\r\n\"x\ny\",z\n");
	f.head = f.size;
	add(&f, "1,\"2\n3\"\n");
	end_record(&f);
	add(&f, "4,5\n");
	end_record(&f);
	save(&f, "bom.csv");
	check_parts(&f, 3, NULL, 2);
	check_parts(&f, 4, NULL, 0);
	file_free(&f);
}

static void test_split_write_twice(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 64);
	sl_arena *a = sl_arena_new(ctx, "test");
	char p1[4300], p2[4300];
	unsigned char *b1, *b2;
	size_t n1, n2;
	struct file f;
	sl_split *sp;
	sl_sink *s1, *s2;

	(void)state;
	make_csv(&f, "twice.csv", 0, 1);
	snprintf(p1, sizeof(p1), "%s/one.out", tu_dir);
	snprintf(p2, sizeof(p2), "%s/two.out", tu_dir);
	sp = sl_split_open(a, f.path, 3, 2, NULL);
	assert_non_null(sp);
	assert_int_equal(sl_split_format(sp), SL_FORMAT_CSV);
	s1 = sl_sink_open(a, p1, NULL);
	s2 = sl_sink_open(a, p2, NULL);
	assert_int_equal(sl_split_write(sp, s1), SL_OK);
	assert_int_equal(sl_split_write(sp, s2), SL_OK);
	assert_int_equal(sl_sink_close(s1), SL_OK);
	assert_int_equal(sl_sink_close(s2), SL_OK);
	b1 = tu_read_file(p1, &n1);
	b2 = tu_read_file(p2, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	assert_int_equal(n1, f.head + boundary(&f, 2, 3) - boundary(&f, 1, 3));
	free(b1);
	free(b2);
	unlink(p1);
	unlink(p2);
	file_free(&f);
	tu_ctx_free(ctx);
}

/* open path as part part of n with o: NULL, and code recorded with a
 * message containing text. */
static void expect_refusal(const char *path, uint64_t n, uint64_t part,
			   const sl_split_options *o, sl_status code,
			   const char *text)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");

	assert_null(sl_split_open(a, path, n, part, o));
	assert_int_equal(sl_errcode(ctx), code);
	if (!strstr(sl_errmsg(ctx), text))
		fail_msg("'%s' lacks '%s'", sl_errmsg(ctx), text);
	/* a failed open's NULL writes nothing */
	assert_int_equal(sl_split_write(NULL, NULL), SL_EINVAL);
	tu_ctx_free(ctx);
}

static void test_split_refusals(void **state)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0 };
	static const unsigned char zst[] = { 0x28, 0xb5, 0x2f, 0xfd, 0, 0 };
	sl_split_options o = { .out_format = SL_FORMAT_JSONL };
	char p[4300], d[4300], z[4300], m[4300];

	(void)state;
	snprintf(p, sizeof(p), "%s/ok.csv", tu_dir);
	tu_write_file(p, "a,b\n1,2\n", 8);
	snprintf(z, sizeof(z), "%s/disguised.csv", tu_dir);
	tu_write_file(z, gz, sizeof(gz));
	snprintf(m, sizeof(m), "%s/data.csv", tu_dir);
	tu_write_file(m, zst, sizeof(zst));
	snprintf(d, sizeof(d), "%s/folder", tu_dir);
	assert_int_equal(mkdir(d, 0700), 0);
	expect_refusal(p, 4, 0, NULL, SL_EINVAL, "invalid part 0 of 4");
	expect_refusal(p, 4, 5, NULL, SL_EINVAL, "invalid part 5 of 4");
	expect_refusal(p, 0, 1, NULL, SL_EINVAL, "invalid part");
	expect_refusal(p, (uint64_t)UINT32_MAX + 1, 1, NULL, SL_EINVAL,
		       "invalid part");
	expect_refusal("-", 2, 1, NULL, SL_EINVAL, "standard input");
	expect_refusal(p, 2, 1, &o, SL_EINVAL,
		       "cannot write csv input as jsonl");
	expect_refusal(z, 2, 1, NULL, SL_EDATA, "it is compressed");
	expect_refusal(m, 2, 1, NULL, SL_EDATA, "it is compressed");
	expect_refusal(d, 2, 1, NULL, SL_EDATA, "not a regular file");
	snprintf(d, sizeof(d), "%s/no-such.csv", tu_dir);
	expect_refusal(d, 2, 1, NULL, SL_EIO, "cannot open");
	snprintf(d, sizeof(d), "%s/folder", tu_dir);
	rmdir(d);
	unlink(p);
	unlink(z);
	unlink(m);
}

/* ---- block gzip -------------------------------------------------------- */

/* Write f's bytes to f->path + ".gz" as block gzip of block bytes, with a
 * record start marked after the header and at each record (mark set), on
 * threads threads; f->path becomes that name. */
static void make_blocks(struct file *f, size_t block, int mark,
			unsigned threads)
{
	sl_ctx *ctx = tu_ctx_j(0, 0, threads);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s;
	size_t at = 0, k;

	strcat(f->path, ".gz");
	s = sl_sink_open(a, f->path, &(sl_sink_options){ .gzip = 1,
							 .blocks = block });
	assert_non_null(s);
	for (k = 0; k <= f->nrec; k++) {
		size_t end = k < f->nrec ? f->ends[k] : f->size;
		size_t from = k == 0 ? f->head : f->ends[k - 1];

		if (k == 0 && f->head) {
			assert_int_equal(sl_sink_write(s, f->data, f->head),
					 SL_OK);
			at = f->head;
		}
		if (mark && from < f->size)
			assert_int_equal(sl_sink_mark(s), SL_OK);
		assert_int_equal(sl_sink_write(s, f->data + at, end - at),
				 SL_OK);
		at = end;
	}
	assert_int_equal(at, f->size);
	assert_int_equal(sl_sink_close(s), SL_OK);
	sl_arena_free(a);
	tu_ctx_free(ctx);
}

/*
 * Parts of block gzip, through the library: each part is the header
 * then whole records, and the parts' bodies are the file's body, for
 * any number of parts, blocks of any size, written on one thread or two.
 */
static void test_split_blocks(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 5, 9, 40, 200 };
	static const size_t blocks[] = { 4096, 65536 };
	size_t b, k, i, at, j;
	unsigned char *got;
	size_t ngot;
	struct file f;

	(void)state;
	for (b = 0; b < ARRAY_SIZE(blocks); b++) {
		make_csv(&f, "bq.csv", b == 1, 1);
		unlink(f.path);
		make_blocks(&f, blocks[b], 1, b ? 2 : 1);
		for (k = 0; k < ARRAY_SIZE(ns); k++) {
			sl_ctx *ctx = tu_ctx(0, 0);

			at = f.head;
			for (i = 1; i <= ns[k]; i++) {
				assert_int_equal(split_one(ctx, f.path, ns[k],
							   i, NULL, &got,
							   &ngot), SL_OK);
				assert_true(ngot >= f.head);
				assert_memory_equal(got, f.data, f.head);
				/* from a record's start, the file's bytes */
				for (j = 0; j < f.nrec && f.ends[j] < at; j++)
					;
				assert_true(at == f.head || at == f.size ||
					    f.ends[j] == at);
				assert_true(at + ngot - f.head <= f.size);
				assert_memory_equal(got + f.head, f.data + at,
						    ngot - f.head);
				at += ngot - f.head;
				free(got);
			}
			assert_int_equal(at, f.size);
			tu_ctx_free(ctx);
		}
		unlink(f.path);
		file_free(&f);
	}
}

/* Block gzip that split refuses: no record marked, cut short, ordinary
 * gzip from the sink, and a stray member after the blocks. */
static void test_split_blocks_refused(void **state)
{
	char p[4300], q[4300];
	unsigned char *z, *g;
	size_t zn, gn;
	struct file f;
	sl_ctx *ctx;
	sl_arena *a;
	sl_sink *s;

	(void)state;
	make_csv(&f, "bu.csv", 0, 1);
	make_blocks(&f, 4096, 0, 1);
	expect_refusal(f.path, 3, 2, NULL, SL_EDATA,
		       "its blocks mark no record starts");
	snprintf(p, sizeof(p), "%s/bu.csv", tu_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s", f.path);
	file_free(&f);
	make_csv(&f, "bm.csv", 0, 1);
	make_blocks(&f, 4096, 1, 1);
	z = tu_read_file(f.path, &zn);
	/* the end member is the last 42 bytes */
	tu_write_file(p, z, zn - 42);
	expect_refusal(p, 3, 2, NULL, SL_EDATA, "was cut short");
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "test");
	snprintf(q, sizeof(q), "%s/plain.csv.gz", tu_dir);
	s = sl_sink_open(a, q, &(sl_sink_options){ .gzip = 1 });
	assert_int_equal(sl_sink_write(s, f.data, f.size), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	tu_ctx_free(ctx);
	expect_refusal(q, 3, 2, NULL, SL_EDATA, "compressed as one gzip"
		       " stream");
	g = tu_read_file(q, &gn);
	z = realloc(z, zn + gn);
	assert_non_null(z);
	memcpy(z + zn, g, gn);
	tu_write_file(p, z, zn + gn);
	expect_refusal(p, 3, 2, NULL, SL_EDATA, "is not one of sluice's"
		       " blocks");
	free(g);
	free(z);
	unlink(p);
	unlink(q);
	unlink(f.path);
	f.path[strlen(f.path) - 3] = '\0';
	unlink(f.path);
	file_free(&f);
}

/* Allocation N fails, for every N a run makes: the same part, or
 * SL_ENOMEM recorded; never a crash, a leak (tu_ctx_free) or a file
 * left behind. */
static void test_split_alloc_failures(void **state)
{
	static const uint64_t parts[][2] = { { 3, 2 }, { 1, 1 }, { 7, 7 } };
	const char *names[] = { "af.csv", "af.tsv", "af", "ab.csv" };
	unsigned char *want, *got;
	size_t nwant, ngot, k, v;
	unsigned long charges, n;
	struct file f;
	int fails, files;

	(void)state;
	files = tu_count_entries(tu_dir);
	for (v = 0; v < ARRAY_SIZE(names); v++) {
		if (v == 0 || v == 3)
			make_csv(&f, names[v], 1, 1);
		else
			make_lines(&f, names[v], v == 1, 120, 1);
		if (v == 3) {          /* block gzip of the same */
			unlink(f.path);
			make_blocks(&f, 4096, 1, 1);
		}
		for (k = 0; k < ARRAY_SIZE(parts); k++) {
			sl_ctx *ctx = tu_ctx(0, 64);

			sl_mem_fail_at(ctx, 0);
			assert_int_equal(split_one(ctx, f.path, parts[k][0],
						   parts[k][1], NULL, &want,
						   &nwant), SL_OK);
			charges = sl_mem_charges(ctx);
			tu_ctx_free(ctx);
			fails = 0;
			for (n = 1; n <= charges + 1; n++) {
				sl_status st;

				ctx = tu_ctx(0, 64);
				sl_mem_fail_at(ctx, n);
				st = split_one(ctx, f.path, parts[k][0],
					       parts[k][1], NULL, &got, &ngot);
				if (st == SL_OK) {
					assert_int_equal(ngot, nwant);
					assert_memory_equal(got, want, nwant);
				} else {
					assert_int_equal(st, SL_ENOMEM);
					fails++;
				}
				free(got);
				tu_ctx_free(ctx);
				/* the input and nothing else */
				assert_int_equal(tu_count_entries(tu_dir),
						 files + 1);
			}
			print_message("  %s part %llu of %llu: %lu charges,"
				      " %d failed\n", names[v],
				      (unsigned long long)parts[k][1],
				      (unsigned long long)parts[k][0],
				      charges, fails);
			assert_true(fails > 0);
			free(want);
		}
		unlink(f.path);
		file_free(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_csv_quoted_newlines),
		cmocka_unit_test(test_split_csv_cuts_fall_in_quotes),
		cmocka_unit_test(test_split_csv_delimiter_and_no_header),
		cmocka_unit_test(test_split_tsv_and_jsonl),
		cmocka_unit_test(test_split_small_files),
		cmocka_unit_test(test_split_bom_and_blank_lines),
		cmocka_unit_test(test_split_write_twice),
		cmocka_unit_test(test_split_refusals),
		cmocka_unit_test(test_split_blocks),
		cmocka_unit_test(test_split_blocks_refused),
		cmocka_unit_test(test_split_alloc_failures),
	};

	return cmocka_run_group_tests(tests, tu_dir_setup, tu_dir_teardown);
}
