/*
 * test_stage_hold.c - the stages that hold records (tail, sample, top)
 * and the random numbers sample draws: results against a computation of
 * their own here, provenance kept across inputs, the budget back to zero,
 * the ceiling's message for tail, and every allocation made to fail.
 */
#include "testutil.h"

enum { ROWS1 = 180, ROWS2 = 150, ROWS = ROWS1 + ROWS2 };

static char path1[4200], path2[4200];

/* The table both inputs make: row i (0-based, across inputs) has id i+1,
 * a value v with many ties and some negatives, and a padded text. */
static long row_v(int i)
{
	return (long)((i * 7919L) % 61) - 20;
}

static void row_text(int i, char *buf, size_t n)
{
	snprintf(buf, n, "%d,%ld,t%0*d", i + 1, row_v(i), 1 + i % 40, i);
}

static int setup(void **state)
{
	FILE *f = NULL;
	char line[128];
	int i;

	tu_dir_setup(state);
	snprintf(path1, sizeof(path1), "%s/one.csv", tu_dir);
	snprintf(path2, sizeof(path2), "%s/two.csv", tu_dir);
	for (i = 0; i < ROWS; i++) {
		if (i == 0 || i == ROWS1) {
			if (i)
				fclose(f);
			f = fopen(i ? path2 : path1, "w");
			assert_non_null(f);
			fputs("id,v,text\n", f);
		}
		row_text(i, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	return 0;
}

/* What a run handed out: the rows (0-based indexes into the table). */
struct got {
	int rows[ROWS];
	int n;
};

/* The row a record is, after checking its text and provenance. */
static int check_record(const sl_record *rec)
{
	char want[128], have[128];
	int i;

	assert_int_equal(rec->nfields, 3);
	snprintf(have, sizeof(have), "%.*s", (int)rec->fields[0].len,
		 rec->fields[0].ptr);
	i = atoi(have) - 1;
	assert_true(i >= 0 && i < ROWS);
	row_text(i, want, sizeof(want));
	snprintf(have, sizeof(have), "%.*s,%.*s,%.*s",
		 (int)rec->fields[0].len, rec->fields[0].ptr,
		 (int)rec->fields[1].len, rec->fields[1].ptr,
		 (int)rec->fields[2].len, rec->fields[2].ptr);
	assert_string_equal(have, want);
	/* provenance: the input, the record number in it, its line */
	assert_non_null(rec->input);
	assert_string_equal(rec->input, i < ROWS1 ? path1 : path2);
	assert_int_equal(rec->number, i < ROWS1 ? i + 1 : i - ROWS1 + 1);
	assert_int_equal(rec->line, rec->number + 1);
	return i;
}

enum { TAIL, SAMPLE, TOP };

/* The stage of the kind over both inputs. */
static sl_iter *make(sl_arena *a, int kind, uint64_t n, uint64_t seed,
		     const char *keys)
{
	const char *paths[2] = { path1, path2 };
	sl_iter *it = sl_read_files(a, paths, 2, NULL);

	switch (kind) {
	case TAIL:
		return sl_tail(it, n);
	case SAMPLE:
		return sl_sample(it, n, seed);
	default:
		return sl_top(it, n, keys);
	}
}

/* Run the stage to its end in ctx: SL_OK with the rows in *g, or the
 * error's code. */
static sl_status run(sl_ctx *ctx, int kind, uint64_t n, uint64_t seed,
		     const char *keys, struct got *g)
{
	sl_arena *a = sl_arena_new(ctx, "t");
	const sl_record *rec;
	const sl_str *names;
	sl_status st;
	sl_iter *it;
	size_t nn;

	g->n = 0;
	if (!a)
		return sl_errcode(ctx);
	it = make(a, kind, n, seed, keys);
	names = sl_iter_header(it, &nn);
	if (names) {
		assert_int_equal(nn, 3);
		assert_int_equal(names[1].len, 1);
		assert_memory_equal(names[1].ptr, "v", 1);
	}
	while ((rec = sl_iter_next(it)) != NULL) {
		assert_true(g->n < ROWS);
		g->rows[g->n++] = check_record(rec);
	}
	st = sl_errcode(ctx);
	assert_true(st != SL_OK || names);
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);   /* all given back */
	return st;
}

static void assert_rows(const struct got *g, const int *want, int n)
{
	int i;

	assert_int_equal(g->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(g->rows[i], want[i]);
}

/* ---- the random numbers -------------------------------------------------- */

/* Reference values of xoshiro256** seeded through splitmix64, from an
 * implementation of the published algorithms outside this project. */
static void test_rng_reference_stream(void **state)
{
	static const uint64_t seed42[4] = {
		0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
		0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL,
	};
	static const uint64_t below7[10] = { 7, 2, 8, 9, 9, 8, 0, 1, 4, 1 };
	sl_rng r;
	int i;

	(void)state;
	sl_rng_seed(&r, 42);
	for (i = 0; i < 4; i++)
		assert_true(sl_rng_next(&r) == seed42[i]);
	sl_rng_seed(&r, 0);
	assert_true(sl_rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
	assert_true(sl_rng_next(&r) == 0xbf6e1f784956452aULL);
	sl_rng_seed(&r, 7);
	for (i = 0; i < 10; i++)
		assert_true(sl_rng_below(&r, 10) == below7[i]);
	assert_true(sl_rng_scale(0x123456789abcdef0ULL, 1000) == 71);
	assert_true(sl_rng_scale(~(uint64_t)0, 1000) == 999);
	assert_true(sl_rng_scale(0, 1000) == 0);
}

/* sl_rng_below(n) stays below n and hits every value about as often. */
static void test_rng_below_uniform(void **state)
{
	unsigned hist[6] = { 0 };
	sl_rng r;
	int i;

	(void)state;
	sl_rng_seed(&r, 12345);
	for (i = 0; i < 60000; i++) {
		uint64_t v = sl_rng_below(&r, 6);

		assert_true(v < 6);
		hist[v]++;
	}
	for (i = 0; i < 6; i++)     /* 10000 each, 4.5 sd is about 410 */
		assert_true(hist[i] > 9590 && hist[i] < 10410);
	for (i = 0; i < 1000; i++)
		assert_true(sl_rng_below(&r, 1) == 0);
}

/* ---- tail ---------------------------------------------------------------- */

static void test_tail_last_rows(void **state)
{
	static const uint64_t ns[] = { 1, 7, 63, 64, 65, 150, 151, 200,
				       ROWS - 1, ROWS, ROWS + 1, 100000 };
	int want[ROWS];
	struct got g;
	size_t k;
	int i, n;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		sl_ctx *ctx = tu_ctx(0, 0);

		n = ns[k] < ROWS ? (int)ns[k] : ROWS;
		for (i = 0; i < n; i++)
			want[i] = ROWS - n + i;
		assert_int_equal(run(ctx, TAIL, ns[k], 0, NULL, &g), SL_OK);
		assert_rows(&g, want, n);
		tu_ctx_free(ctx);
	}
}

/* -n 0 hands out nothing and reads no record: a bad one goes unseen. */
static void test_tail_zero_reads_nothing(void **state)
{
	static const char bad[] = "a\n\"never closed\n";
	sl_ctx *ctx = tu_ctx(0, 0);
	struct got g;
	char p[4300];
	sl_arena *a;
	size_t n;

	(void)state;
	assert_int_equal(run(ctx, TAIL, 0, 0, NULL, &g), SL_OK);
	assert_int_equal(g.n, 0);
	a = sl_arena_new(ctx, "t");
	snprintf(p, sizeof(p), "%s/bad.csv", tu_dir);
	tu_write_file(p, bad, sizeof(bad) - 1);
	assert_non_null(sl_iter_header(sl_tail(sl_read(a, p, NULL), 0), &n));
	assert_null(sl_iter_next(sl_tail(sl_read(a, p, NULL), 0)));
	assert_false(sl_failed(ctx));
	assert_null(sl_iter_next(sl_tail(sl_read(a, p, NULL), 1)));
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	unlink(p);
	tu_ctx_free(ctx);
}

/* Past the ceiling, the message says that the last n do not fit. */
static void test_tail_over_ceiling_says_so(void **state)
{
	sl_ctx *ctx = tu_ctx(200 << 10, 4096);
	sl_arena *a = sl_arena_new(ctx, "t");
	char big[3000];
	FILE *f;
	char p[4300];
	sl_iter *it;
	int i;

	(void)state;
	snprintf(p, sizeof(p), "%s/big.csv", tu_dir);
	f = fopen(p, "w");
	assert_non_null(f);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fputs("a\n", f);
	for (i = 0; i < 200; i++)
		fprintf(f, "%s\n", big);
	fclose(f);
	it = sl_tail(sl_read(a, p, NULL), 150);
	assert_null(sl_iter_next(it));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "the last 150 records do not"
			       " fit in the memory ceiling of 200.0 KiB"));
	assert_non_null(strstr(sl_errmsg(ctx), ": memory ceiling of 200.0"
			       " KiB reached: 'tail.ring'"));
	unlink(p);
	tu_ctx_free(ctx);
}

/* ---- sample -------------------------------------------------------------- */

/* Algorithm R written out again: the rows picked, in input order. */
static int sample_want(uint64_t n, uint64_t seed, int *out)
{
	int res[ROWS], used = 0, i, j, k;
	sl_rng r;

	sl_rng_seed(&r, seed);
	for (i = 0; i < ROWS; i++) {
		if ((uint64_t)used < n) {
			res[used++] = i;
			continue;
		}
		k = (int)sl_rng_below(&r, (uint64_t)i + 1);
		if ((uint64_t)k < n)
			res[k] = i;
	}
	for (i = 1; i < used; i++)       /* insertion sort: input order */
		for (j = i; j > 0 && res[j - 1] > res[j]; j--) {
			k = res[j];
			res[j] = res[j - 1];
			res[j - 1] = k;
		}
	memcpy(out, res, (size_t)used * sizeof(*out));
	return used;
}

static void test_sample_matches_reservoir(void **state)
{
	static const uint64_t ns[] = { 1, 2, 10, 64, 65, 200, ROWS, 5000 };
	int want[ROWS], n;
	struct got g, g2;
	uint64_t seed;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		for (seed = 0; seed < 4; seed++) {
			sl_ctx *ctx = tu_ctx(0, 0);

			n = sample_want(ns[k], seed, want);
			assert_int_equal(run(ctx, SAMPLE, ns[k], seed, NULL,
					     &g), SL_OK);
			assert_rows(&g, want, n);
			/* the same seed, the same sample */
			assert_int_equal(run(ctx, SAMPLE, ns[k], seed, NULL,
					     &g2), SL_OK);
			assert_rows(&g2, want, n);
			tu_ctx_free(ctx);
		}
	}
}

/* Each row is picked about as often over many seeds. */
static void test_sample_uniform(void **state)
{
	static int hist[ROWS];
	struct got g;
	uint64_t seed;
	int i;

	(void)state;
	memset(hist, 0, sizeof(hist));
	for (seed = 0; seed < 300; seed++) {
		sl_ctx *ctx = tu_ctx(0, 0);

		assert_int_equal(run(ctx, SAMPLE, 33, seed, NULL, &g), SL_OK);
		assert_int_equal(g.n, 33);
		for (i = 0; i < g.n; i++)
			hist[g.rows[i]]++;
		tu_ctx_free(ctx);
	}
	/* 30 each on average; 4.5 sd either way is about 23 */
	for (i = 0; i < ROWS; i++)
		assert_true(hist[i] >= 7 && hist[i] <= 53);
}

/* ---- top ----------------------------------------------------------------- */

static int top_reverse;

/* Greater v first (least with r), ties to the earlier row. */
static int top_order(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	long va = row_v(a), vb = row_v(b);

	if (va != vb)
		return (va > vb) == !top_reverse ? -1 : 1;
	return a < b ? -1 : 1;
}

static void test_top_matches_sort(void **state)
{
	static const uint64_t ns[] = { 1, 5, 64, 65, 100, ROWS, ROWS + 9 };
	int want[ROWS], i, n;
	struct got g;
	size_t k;

	(void)state;
	for (top_reverse = 0; top_reverse < 2; top_reverse++) {
		for (i = 0; i < ROWS; i++)
			want[i] = i;
		qsort(want, ROWS, sizeof(*want), top_order);
		for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
			sl_ctx *ctx = tu_ctx(0, 0);

			n = ns[k] < ROWS ? (int)ns[k] : ROWS;
			assert_int_equal(run(ctx, TOP, ns[k], 0, top_reverse ?
					     "v:nr" : "2:n", &g), SL_OK);
			assert_rows(&g, want, n);
			tu_ctx_free(ctx);
		}
	}
}

/* Text keys compare byte-wise: "t..." padded by row, so by the text
 * alone the order is by the zeros, then the row. */
static void test_top_text_key_and_ties(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	struct got g;
	int i;

	(void)state;
	/* every v:n,text tie broken by text; compare to a plain check */
	assert_int_equal(run(ctx, TOP, 40, 0, "v:n,text", &g), SL_OK);
	assert_int_equal(g.n, 40);
	for (i = 1; i < g.n; i++) {
		char a[128], b[128];
		long va = row_v(g.rows[i - 1]), vb = row_v(g.rows[i]);

		assert_true(va >= vb);
		if (va == vb) {
			row_text(g.rows[i - 1], a, sizeof(a));
			row_text(g.rows[i], b, sizeof(b));
			assert_true(strcmp(strrchr(a, ','), strrchr(b, ',')) >
				    0);
		}
	}
	tu_ctx_free(ctx);
}

static void test_top_bad_keys(void **state)
{
	char many[400] = "";
	sl_ctx *ctx;
	struct got g;
	int i;

	(void)state;
	ctx = tu_ctx(0, 0);
	assert_int_equal(run(ctx, TOP, 3, 0, "nope", &g), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "no field 'nope'"));
	tu_ctx_free(ctx);
	ctx = tu_ctx(0, 0);
	assert_int_equal(run(ctx, TOP, 3, 0, "4", &g), SL_EINVAL);
	tu_ctx_free(ctx);
	for (i = 0; i < 65; i++)
		strcat(many, i ? ",1" : "1");
	ctx = tu_ctx(0, 0);
	assert_int_equal(run(ctx, TOP, 3, 0, many, &g), SL_EINVAL);
	assert_string_equal(sl_errmsg(ctx), "at most 64 keys");
	tu_ctx_free(ctx);
}

/* ---- all three ----------------------------------------------------------- */

/* An input with no header: no header, no records, no error. */
static void test_hold_empty_input(void **state)
{
	char p[4300];
	int kind;

	(void)state;
	snprintf(p, sizeof(p), "%s/empty.csv", tu_dir);
	tu_write_file(p, "", 0);
	for (kind = TAIL; kind <= TOP; kind++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "t");
		sl_iter *in = sl_read(a, p, NULL), *it;
		size_t n;

		it = kind == TAIL ? sl_tail(in, 5) : kind == SAMPLE ?
			sl_sample(in, 5, 1) : sl_top(in, 5, "nope");
		assert_null(sl_iter_header(it, &n));
		assert_null(sl_iter_next(it));
		assert_false(sl_failed(ctx));
		tu_ctx_free(ctx);
	}
	unlink(p);
}

/* A pipeline freed half-way through the hand-out leaks nothing. */
static void test_hold_freed_half_way(void **state)
{
	int kind;

	(void)state;
	for (kind = TAIL; kind <= TOP; kind++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "t");
		sl_iter *it = make(a, kind, 100, 3, "v:n");
		int i;

		for (i = 0; i < 10; i++)
			check_record(sl_iter_next(it));
		sl_arena_free(a);
		assert_int_equal(sl_mem_in_use(ctx), 0);
		tu_ctx_free(ctx);
	}
}

/* Allocation N fails, for every N the run makes: the same output, or
 * SL_ENOMEM recorded, never a crash or a leak (tu_ctx_free). */
static void test_hold_alloc_failures(void **state)
{
	static const uint64_t ns[] = { 5, 100 };
	const char *name[] = { "tail", "sample", "top" };
	struct got want, g;
	unsigned long charges, f;
	int kind, fails;
	size_t k;

	(void)state;
	for (kind = TAIL; kind <= TOP; kind++) {
		for (k = 0; k < 2; k++) {
			sl_ctx *ctx = tu_ctx(0, 4096);

			sl_mem_fail_at(ctx, 0);
			assert_int_equal(run(ctx, kind, ns[k], 9, "v:n,text",
					     &want), SL_OK);
			charges = sl_mem_charges(ctx);
			tu_ctx_free(ctx);
			fails = 0;
			for (f = 1; f <= charges + 1; f++) {
				sl_status st;

				ctx = tu_ctx(0, 4096);
				sl_mem_fail_at(ctx, f);
				st = run(ctx, kind, ns[k], 9, "v:n,text", &g);
				if (st == SL_OK) {
					assert_rows(&g, want.rows, want.n);
				} else {
					assert_int_equal(st, SL_ENOMEM);
					fails++;
				}
				tu_ctx_free(ctx);
			}
			print_message("  %s -n %llu: %lu charges, %d failed"
				      "\n", name[kind],
				      (unsigned long long)ns[k], charges,
				      fails);
			assert_true(fails > 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_reference_stream),
		cmocka_unit_test(test_rng_below_uniform),
		cmocka_unit_test(test_tail_last_rows),
		cmocka_unit_test(test_tail_zero_reads_nothing),
		cmocka_unit_test(test_tail_over_ceiling_says_so),
		cmocka_unit_test(test_sample_matches_reservoir),
		cmocka_unit_test(test_sample_uniform),
		cmocka_unit_test(test_top_matches_sort),
		cmocka_unit_test(test_top_text_key_and_ties),
		cmocka_unit_test(test_top_bad_keys),
		cmocka_unit_test(test_hold_empty_input),
		cmocka_unit_test(test_hold_freed_half_way),
		cmocka_unit_test(test_hold_alloc_failures),
	};

	return cmocka_run_group_tests(tests, setup, tu_dir_teardown);
}
