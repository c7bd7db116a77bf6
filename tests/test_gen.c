/*
 * test_gen.c - the sl_gen stage: the same seed gives the same records and
 * another seed others, rows and --size stops, every column type well
 * formed, bad column lists, memory faults and the budget.
 */
#include <ctype.h>

#include "testutil.h"

/* FNV-1a over the fields of every record, with their boundaries; the
 * number of records in *n.  Checks the provenance on the way. */
static uint64_t digest(sl_iter *it, uint64_t *n)
{
	uint64_t h = 14695981039346656037ULL;
	const sl_record *rec;
	size_t i, j;

	*n = 0;
	while ((rec = sl_iter_next(it)) != NULL) {
		assert_int_equal(rec->number, ++*n);
		assert_null(rec->input);
		assert_int_equal(rec->line, 0);
		assert_null(rec->kinds);
		for (i = 0; i < rec->nfields; i++) {
			for (j = 0; j < rec->fields[i].len; j++)
				h = (h ^ (unsigned char)rec->fields[i].ptr[j]) *
					1099511628211ULL;
			h = (h ^ 0x100) * 1099511628211ULL;
		}
	}
	return h;
}

/* The digest of a run of o in a fresh context; the budget must return
 * to zero. */
static uint64_t run(const sl_gen_options *o, uint64_t *n)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_iter *it = sl_gen(a, o);
	uint64_t h;

	assert_non_null(it);
	h = digest(it, n);
	assert_false(sl_failed(ctx));
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);
	return h;
}

static void test_gen_same_seed_same_records(void **state)
{
	sl_gen_options o = { .rows = 5000, .seed = 7 };
	uint64_t h1, h2, h3, n;

	(void)state;
	h1 = run(&o, &n);
	assert_int_equal(n, 5000);
	h2 = run(&o, &n);
	assert_true(h1 == h2);
	o.seed = 8;
	h3 = run(&o, &n);
	assert_int_equal(n, 5000);
	assert_true(h1 != h3);
	o.rows = 0;
	run(&o, &n);
	assert_int_equal(n, 0);
	o.rows = 1;
	run(&o, &n);
	assert_int_equal(n, 1);
}

/* rows N are the first N records of rows M > N. */
static void test_gen_rows_prefix(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_gen_options o50 = { .rows = 50, .seed = 3 }, o60 = o50;
	sl_iter *x, *y;
	const sl_record *r, *s;
	size_t i;

	(void)state;
	o60.rows = 60;
	x = sl_gen(a, &o50);
	y = sl_gen(a, &o60);
	assert_non_null(x);
	assert_non_null(y);
	while ((r = sl_iter_next(x)) != NULL) {
		s = sl_iter_next(y);
		assert_non_null(s);
		assert_int_equal(r->nfields, s->nfields);
		for (i = 0; i < r->nfields; i++) {
			assert_int_equal(r->fields[i].len, s->fields[i].len);
			assert_memory_equal(r->fields[i].ptr, s->fields[i].ptr,
					    r->fields[i].len);
		}
	}
	tu_ctx_free(ctx);
}

static int all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	return n > 0;
}

/* A number of 1 to 12 digits with no needless leading zero or -0. */
static void check_int(sl_str f)
{
	const char *p = f.ptr;
	size_t n = f.len;

	if (n && *p == '-') {
		p++;
		n--;
		assert_false(n == 1 && *p == '0');
	}
	assert_true(all_digits(p, n));
	assert_true(n <= 12);
	assert_false(n > 1 && *p == '0');
}

/* D+.D+ (no final 0) or D.D+e[+-]D+, optionally negative, that strtod
 * reads whole. */
static void check_float(sl_str f)
{
	char buf[64], *end;
	const char *dot, *e;

	assert_true(f.len < sizeof(buf));
	memcpy(buf, f.ptr, f.len);
	buf[f.len] = 0;
	strtod(buf, &end);
	assert_true(end == buf + f.len);
	dot = strchr(buf, '.');
	assert_non_null(dot);
	e = strchr(buf, 'e');
	if (e) {
		assert_true(e[1] == '+' || e[1] == '-');
		assert_true(all_digits(e + 2, strlen(e + 2)));
		assert_true(all_digits(dot + 1, (size_t)(e - dot - 1)));
	} else {
		assert_true(all_digits(dot + 1, strlen(dot + 1)));
		assert_true(buf[f.len - 1] != '0');
	}
}

/* YYYY-MM-DD, a real day from 2000-01-01 to 2029-12-28. */
static void check_date(sl_str f)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				       31, 30, 31 };
	int y, m, d;

	assert_int_equal(f.len, 10);
	assert_true(all_digits(f.ptr, 4) && f.ptr[4] == '-' &&
		    all_digits(f.ptr + 5, 2) && f.ptr[7] == '-' &&
		    all_digits(f.ptr + 8, 2));
	y = atoi(f.ptr);
	m = atoi(f.ptr + 5);
	d = atoi(f.ptr + 8);
	assert_true(y >= 2000 && y <= 2029);
	assert_true(m >= 1 && m <= 12);
	assert_true(d >= 1 && d <= mdays[m - 1]);
	if (m == 2 && d == 29)
		assert_int_equal(y % 4, 0);
	if (y == 2029 && m == 12)
		assert_true(d <= 28);
}

/* Words of lower case letters, spaces, at most one newline, commas and
 * quotes; 0 to 60 bytes. */
static void check_text(sl_str f, int *comma, int *quote, int *nl)
{
	size_t i;

	assert_true(f.len <= 60);
	for (i = 0; i < f.len; i++) {
		char ch = f.ptr[i];

		if (ch == ',')
			*comma = 1;
		else if (ch == '"')
			*quote = 1;
		else if (ch == '\n')
			*nl = 1;
		else
			assert_true(ch == ' ' || (ch >= 'a' && ch <= 'z'));
	}
}

static void test_gen_types_well_formed(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_gen_options o = { .columns = "n:id,i:int,f:float,d:date,c:cat,"
			     "t:text,j:int", .rows = 20000, .seed = 11,
			     .cardinality = 37 };
	static const char *const want[] = { "n", "i", "f", "d", "c", "t",
					    "j" };
	unsigned char seen[37] = { 0 };
	int comma = 0, quote = 0, nl = 0, neg = 0, expo = 0, ncat = 0;
	sl_iter *it = sl_gen(a, &o);
	const sl_record *rec;
	const sl_str *names;
	uint64_t k = 0;
	size_t n, i;

	(void)state;
	assert_non_null(it);
	names = sl_iter_header(it, &n);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++) {
		assert_int_equal(names[i].len, strlen(want[i]));
		assert_memory_equal(names[i].ptr, want[i], names[i].len);
	}
	assert_int_equal(sl_iter_format(it), SL_FORMAT_CSV);
	while ((rec = sl_iter_next(it)) != NULL) {
		char num[32];
		unsigned long v;

		assert_int_equal(rec->nfields, 7);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)++k);
		assert_int_equal(rec->fields[0].len, strlen(num));
		assert_memory_equal(rec->fields[0].ptr, num, strlen(num));
		check_int(rec->fields[1]);
		check_int(rec->fields[6]);
		neg |= rec->fields[1].ptr[0] == '-';
		check_float(rec->fields[2]);
		expo |= memchr(rec->fields[2].ptr, 'e',
			       rec->fields[2].len) != NULL;
		check_date(rec->fields[3]);
		/* cardinality 37: cat0000 to cat0036 */
		assert_int_equal(rec->fields[4].len, 7);
		assert_memory_equal(rec->fields[4].ptr, "cat", 3);
		assert_true(all_digits(rec->fields[4].ptr + 3, 4));
		v = strtoul(rec->fields[4].ptr + 3, NULL, 10);
		assert_true(v < 37);
		ncat += !seen[v];
		seen[v] = 1;
		check_text(rec->fields[5], &comma, &quote, &nl);
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(k, 20000);
	assert_int_equal(ncat, 37);
	assert_true(neg && expo && comma && quote && nl);
	tu_ctx_free(ctx);
}

/* The width of cat values follows the cardinality, at least 4 digits. */
static void test_gen_cat_width(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_gen_options o = { .columns = "c:cat", .rows = 1000,
			     .cardinality = 123456 }, o1 = o;
	const sl_record *rec;
	sl_iter *it;

	(void)state;
	it = sl_gen(a, &o);
	while ((rec = sl_iter_next(it)) != NULL) {
		assert_int_equal(rec->fields[0].len, 9);
		assert_true(strtoul(rec->fields[0].ptr + 3, NULL, 10) <
			    123456);
	}
	o1.cardinality = 1;
	it = sl_gen(a, &o1);
	while ((rec = sl_iter_next(it)) != NULL) {
		assert_int_equal(rec->fields[0].len, 7);
		assert_memory_equal(rec->fields[0].ptr, "cat0000", 7);
	}
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
}

/* Write o's table to a file of tu_dir as CSV, header first; its size. */
static uint64_t write_table(sl_gen_options *o, int watch)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	char path[4200];
	sl_sink *out;
	sl_writer *w;
	sl_iter *it;
	const sl_str *names;
	uint64_t bytes;
	size_t n;

	snprintf(path, sizeof(path), "%s/t.csv", tu_dir);
	out = sl_sink_open(a, path, NULL);
	assert_non_null(out);
	o->sink = watch ? out : NULL;
	it = sl_gen(a, o);
	assert_non_null(it);
	names = sl_iter_header(it, &n);
	w = sl_writer_new(a, out, SL_FORMAT_CSV, NULL);
	assert_non_null(w);
	assert_int_equal(sl_writer_header(w, names, n), SL_OK);
	assert_int_equal(sl_write_to(it, w), SL_OK);
	bytes = sl_sink_bytes(out);
	assert_int_equal(sl_sink_close(out), SL_OK);
	o->sink = NULL;
	tu_ctx_free(ctx);
	return bytes;
}

/* With a sink, the stage stops after the first record that brings its
 * bytes to the size: one record fewer stays under it. */
static void test_gen_size_on_sink(void **state)
{
	static const uint64_t sizes[] = { 0, 1, 30, 31, 500, 5000 };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		sl_gen_options o = { .size = sizes[k], .seed = 5 };
		uint64_t got = write_table(&o, 1), rows = 0, b = 0;

		assert_true(got >= sizes[k]);
		/* the same bytes are rows R for the smallest R reaching it */
		for (o.rows = 0;; o.rows++) {
			b = write_table(&o, 0);
			if (b >= sizes[k])
				break;
		}
		rows = o.rows;
		assert_int_equal(b, got);
		if (rows > 0) {
			o.rows = rows - 1;
			assert_true(write_table(&o, 0) < sizes[k]);
		}
	}
}

static void expect_bad(const char *columns, const char *msg)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_gen_options o = { .columns = columns, .rows = 1 };

	assert_null(sl_gen(a, &o));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	if (!strstr(sl_errmsg(ctx), msg))
		fail_msg("'%s': %s", columns, sl_errmsg(ctx));
	tu_ctx_free(ctx);
}

static void test_gen_bad_columns(void **state)
{
	(void)state;
	expect_bad("a:nope", "unknown type 'nope' in column 'a:nope'");
	expect_bad("a:int,a:cat", "column name 'a' appears twice");
	expect_bad(":int", "column ':int' has no name");
	expect_bad("abc", "column 'abc' is not NAME:TYPE");
	expect_bad("a:int,,b:int", "empty column");
	expect_bad("a:int,", "empty column");
}

/* A ':' in a name is kept: the last one ends it.  No options: no
 * records of the default columns. */
static void test_gen_names(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_gen_options o = { .columns = "x:y:int", .rows = 3 };
	const sl_str *names;
	sl_iter *it;
	size_t n;

	(void)state;
	it = sl_gen(a, &o);
	names = sl_iter_header(it, &n);
	assert_int_equal(n, 1);
	assert_int_equal(names[0].len, 3);
	assert_memory_equal(names[0].ptr, "x:y", 3);
	it = sl_gen(a, NULL);
	names = sl_iter_header(it, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(names[5].ptr, "text", 4);
	assert_null(sl_iter_next(it));
	assert_false(sl_failed(ctx));
	assert_null(sl_gen(NULL, NULL));
	tu_ctx_free(ctx);
}

/* Every allocation failing in turn: the same records or SL_ENOMEM, never
 * a crash or a leak (tu_ctx_free checks the budget). */
static void test_gen_fault_at_every_allocation(void **state)
{
	sl_gen_options o = { .rows = 300, .seed = 9 };
	unsigned long total, n;
	uint64_t want, nwant;
	int failures = 0, successes = 0;

	(void)state;
	want = run(&o, &nwant);
	{
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a;
		uint64_t k;

		sl_mem_fail_at(ctx, 0);
		a = sl_arena_new(ctx, "t");
		digest(sl_gen(a, &o), &k);
		total = sl_mem_charges(ctx);
		tu_ctx_free(ctx);
	}
	assert_true(total > 0);
	for (n = 1; n <= total + 1; n++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a;
		sl_iter *it;
		uint64_t h = 0, k = 0;

		sl_mem_fail_at(ctx, n);
		a = sl_arena_new(ctx, "t");
		it = a ? sl_gen(a, &o) : NULL;
		if (it)
			h = digest(it, &k);
		if (sl_failed(ctx)) {
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
			failures++;
		} else {
			assert_non_null(it);
			assert_true(h == want);
			assert_int_equal(k, nwant);
			successes++;
		}
		tu_ctx_free(ctx);
	}
	if (failures < 1 || successes < 1)
		fail_msg("%d failures, %d successes", failures, successes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_same_seed_same_records),
		cmocka_unit_test(test_gen_rows_prefix),
		cmocka_unit_test(test_gen_types_well_formed),
		cmocka_unit_test(test_gen_cat_width),
		cmocka_unit_test(test_gen_size_on_sink),
		cmocka_unit_test(test_gen_bad_columns),
		cmocka_unit_test(test_gen_names),
		cmocka_unit_test(test_gen_fault_at_every_allocation),
	};

	return cmocka_run_group_tests_name("gen", tests, tu_dir_setup,
					   tu_dir_teardown);
}
