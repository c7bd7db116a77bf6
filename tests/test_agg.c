/*
 * test_agg.c - the aggregator: exact decimal sums, groups that spill and
 * come back the same, partial states that combine to the single-run
 * result, sorted distinct and quantiles, and memory faults.
 */
#include <math.h>

#include "testutil.h"

/* Every op of hash mode; stddev last, as states combined in another
 * order may round it differently. */
static const sl_agg_op all_ops[] = {
	SL_AGG_COUNT, SL_AGG_EMPTY, SL_AGG_TYPE, SL_AGG_MIN, SL_AGG_MAX,
	SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_FIRST, SL_AGG_LAST, SL_AGG_STDDEV
};
#define NALL (sizeof(all_ops) / sizeof(all_ops[0]))

static sl_str S(const char *s)
{
	sl_str v = { s, strlen(s) };

	return v;
}

/* The text of one result of the current group, copied. */
static void result(sl_agg *g, size_t f, sl_agg_op op, char *out, size_t cap)
{
	sl_str r = sl_agg_result(g, f, op);

	assert_true(r.len < cap);
	memcpy(out, r.ptr, r.len);
	out[r.len] = '\0';
	assert_int_equal(strlen(r.ptr), r.len);     /* NUL-terminated */
}

static void test_exact_decimal_sums(void **state)
{
	static const char *vals[] = { "0.1", "0.2", "1e-3", "-0.3", "7",
				      "2.50", "+1.5E1", "" };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_agg_op ops[] = { SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_TYPE,
			    SL_AGG_EMPTY };
	sl_agg *g = sl_agg_new(a, 0, 1, ops, 4, NULL);
	char text[64];
	size_t i;

	(void)state;
	assert_non_null(g);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		sl_str v = S(vals[i]);

		assert_int_equal(sl_agg_add(g, NULL, &v), SL_OK);
	}
	assert_non_null(sl_agg_next(g));
	result(g, 0, SL_AGG_SUM, text, sizeof(text));
	assert_string_equal(text, "24.501");   /* not 24.500999999... */
	result(g, 0, SL_AGG_MEAN, text, sizeof(text));
	assert_string_equal(text, "3.500142857142857");
	result(g, 0, SL_AGG_TYPE, text, sizeof(text));
	assert_string_equal(text, "float");
	result(g, 0, SL_AGG_EMPTY, text, sizeof(text));
	assert_string_equal(text, "1");
	assert_null(sl_agg_next(g));
	tu_ctx_free(ctx);
}

/* The forms a number takes, short and long, with and without exponent:
 * the sum as Python's decimal module gives it. */
static void test_exact_sum_forms(void **state)
{
	static const char *vals[] = {
		"1.000", "-.5", "5.", "+7", "000.000", "-0", "0.0010",
		"12345678901234567890", "9999999999999999999",
		"-9999999999999999999.9", "1e-24", "0.000000000000000000000001",
	};
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_agg_op ops[] = { SL_AGG_SUM, SL_AGG_MEAN };
	sl_agg *g = sl_agg_new(sl_arena_new(ctx, "t"), 0, 1, ops, 2, NULL);
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		sl_str v = S(vals[i]);

		assert_int_equal(sl_agg_add(g, NULL, &v), SL_OK);
	}
	assert_non_null(sl_agg_next(g));
	result(g, 0, SL_AGG_SUM, text, sizeof(text));
	assert_string_equal(text,
			    "12345678901234567901.601000000000000000000002");
	result(g, 0, SL_AGG_MEAN, text, sizeof(text));
	assert_string_equal(text, "1.0288065751028806e+18");
	tu_ctx_free(ctx);
}

/* Past 76 digits with its decimals, the sum is a double. */
static void test_sum_falls_back_to_double(void **state)
{
	static const char *vals[][3] = {
		{ "9999999999999999999999999999999999999999999999999999999999"
		  "999999999999999999", "1", "1e76" },
		{ "1e-77", "1", "1" },
		{ "1e76", "0", "1e+76" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_agg_op op = SL_AGG_SUM;
		sl_agg *g = sl_agg_new(sl_arena_new(ctx, "t"), 0, 1, &op, 1,
				       NULL);
		sl_str a = S(vals[i][0]), b = S(vals[i][1]);
		char text[128];

		assert_int_equal(sl_agg_add(g, NULL, &a), SL_OK);
		assert_int_equal(sl_agg_add(g, NULL, &b), SL_OK);
		assert_non_null(sl_agg_next(g));
		result(g, 0, SL_AGG_SUM, text, sizeof(text));
		assert_true(strtod(text, NULL) == strtod(vals[i][2], NULL));
		assert_null(strchr(text, '.'));
		tu_ctx_free(ctx);
	}
}

/*
 * n records over k keys; field 0 cycles through ints, decimals, strings
 * and empties so that every kind of state is exercised.
 */
static void feed(sl_agg *g, unsigned seed, int n, int k, int from)
{
	char key[32], val[32];
	int i;

	for (i = from; i < n; i++) {
		unsigned r = (unsigned)i * 2654435761u + seed;
		sl_str kv, v;

		snprintf(key, sizeof(key), "key%d", (int)(r % (unsigned)k));
		switch (i % 4) {
		case 0:
			snprintf(val, sizeof(val), "%d", (int)(r % 1000) - 500);
			break;
		case 1:
			snprintf(val, sizeof(val), "%d.%02d", (int)(r % 77),
				 (int)(r % 100));
			break;
		case 2:
			snprintf(val, sizeof(val), "w%u", r % 13);
			break;
		default:
			val[0] = '\0';
		}
		kv = S(key);
		v = S(val);
		assert_int_equal(sl_agg_add(g, &kv, &v), SL_OK);
	}
}

/* Every group's every result as one text, for comparing runs. */
static char *dump(sl_agg *g, const sl_agg_op *ops, size_t nops)
{
	size_t cap = 1 << 20, len = 0, i;
	char *out = malloc(cap);
	const sl_str *key;

	assert_non_null(out);
	while ((key = sl_agg_next(g)) != NULL) {
		len += (size_t)snprintf(out + len, cap - len, "%.*s:%llu",
					(int)key[0].len, key[0].ptr,
					(unsigned long long)sl_agg_rows(g));
		for (i = 0; i < nops; i++) {
			sl_str r = sl_agg_result(g, 0, ops[i]);

			len += (size_t)snprintf(out + len, cap - len, ",%.*s",
						(int)r.len, r.ptr);
		}
		out[len++] = '\n';
		assert_true(len < cap - 256);
	}
	out[len] = '\0';
	return out;
}

/* Dumps equal line by line, but for the last field (stddev), which
 * only agrees to rounding. */
static void same_but_rounding(const char *a, const char *b)
{
	while (*a && *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		const char *ca = ea, *cb = eb;

		while (ca > a && ca[-1] != ',')
			ca--;
		while (cb > b && cb[-1] != ',')
			cb--;
		assert_int_equal(ca - a, cb - b);
		assert_memory_equal(a, b, (size_t)(ca - a));
		if (ca != ea || cb != eb) {
			double x = strtod(ca, NULL), y = strtod(cb, NULL);

			assert_true(fabs(x - y) <= 1e-9 * fabs(x));
		}
		a = ea + 1;
		b = eb + 1;
	}
	assert_int_equal(*a, *b);
}

static void test_spilled_groups_equal_in_memory(void **state)
{
	sl_ctx *big = tu_ctx(0, 0), *small = tu_ctx(1 << 20, 4096);
	sl_agg_options o = { .tmpdir = tu_dir };
	sl_agg *g1 = sl_agg_new(sl_arena_new(big, "t"), 1, 1, all_ops, NALL,
				&o);
	sl_agg *g2 = sl_agg_new(sl_arena_new(small, "t"), 1, 1, all_ops,
				NALL, &o);
	char *a, *b;

	(void)state;
	feed(g1, 7, 60000, 20000, 0);
	feed(g2, 7, 60000, 20000, 0);
	a = dump(g1, all_ops, NALL);
	b = dump(g2, all_ops, NALL);
	assert_true(sl_agg_stats(g2)->runs > 0);      /* it did spill */
	assert_int_equal(sl_agg_stats(g1)->runs, 0);
	same_but_rounding(a, b);
	assert_int_equal(tu_count_entries(tu_dir), 0);
	free(a);
	free(b);
	tu_ctx_free(big);
	tu_ctx_free(small);
}

/* Write g's partial states to path. */
static void save_partial(sl_ctx *ctx, sl_agg *g, const char *path)
{
	sl_arena *a = sl_arena_new(ctx, "out");
	sl_sink *out = sl_sink_open(a, path, NULL);

	assert_non_null(out);
	assert_int_equal(sl_agg_write_partial(g, out), SL_OK);
	assert_int_equal(sl_sink_close(out), SL_OK);
	sl_arena_free(a);
}

static void load_partial(sl_agg *g, sl_ctx *ctx, const char *path)
{
	sl_arena *a = sl_arena_new(ctx, "in");
	sl_lines *lr = sl_lines_open(a, path);
	const sl_str *line;

	assert_non_null(lr);
	while ((line = sl_lines_next(lr)) != NULL)
		assert_int_equal(sl_agg_add_partial(g, line->ptr, line->len),
				 SL_OK);
	assert_false(sl_failed(ctx));
	sl_arena_free(a);
}

static void test_partials_combine_to_single_run(void **state)
{
	static const sl_agg_op exact[] = {
		SL_AGG_COUNT, SL_AGG_EMPTY, SL_AGG_TYPE, SL_AGG_MIN,
		SL_AGG_MAX, SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_FIRST, SL_AGG_LAST
	};
	size_t ne = sizeof(exact) / sizeof(exact[0]);
	sl_ctx *ctx = tu_ctx(0, 0), *small = tu_ctx(1 << 20, 4096);
	sl_agg_options o = { .tmpdir = tu_dir };
	char p1[4200], p2[4200], *a, *b;
	sl_agg *whole, *part, *merged;

	(void)state;
	snprintf(p1, sizeof(p1), "%s/p1.jsonl", tu_dir);
	snprintf(p2, sizeof(p2), "%s/p2.jsonl.gz", tu_dir);
	whole = sl_agg_new(sl_arena_new(ctx, "w"), 1, 1, exact, ne, &o);
	feed(whole, 3, 30000, 5000, 0);
	a = dump(whole, exact, ne);
	part = sl_agg_new(sl_arena_new(ctx, "p1"), 1, 1, exact, ne, &o);
	feed(part, 3, 12345, 5000, 0);
	save_partial(ctx, part, p1);
	part = sl_agg_new(sl_arena_new(ctx, "p2"), 1, 1, exact, ne, &o);
	feed(part, 3, 30000, 5000, 12345);
	save_partial(ctx, part, p2);
	/* combined in a small budget, so that the combining spills too */
	merged = sl_agg_new(sl_arena_new(small, "m"), 1, 1, exact, ne, &o);
	load_partial(merged, small, p1);
	load_partial(merged, small, p2);
	b = dump(merged, exact, ne);
	assert_true(sl_agg_stats(merged)->runs > 0);
	assert_string_equal(a, b);
	unlink(p1);
	unlink(p2);
	free(a);
	free(b);
	tu_ctx_free(ctx);
	tu_ctx_free(small);
}

/* Sums of numbers of up to 40 digits and 36 decimals, and their mean,
 * exact through a partial state and a spilled group too. */
static void test_wide_exact_sums(void **state)
{
	static const char *vals[] = {
		"99999999999999999999999999999999999999",
		"0.000000000000000000000000000000000001",
		"-99999999999999999999999999999999999999",
		"1234567890123456789012345678901234567890",
		"-1e-36",
		"12345678901234567890.123456789012345678901234567890",
	};
	static const char *sum = "1234567890123456789024691357802469135780."
		"12345678901234567890123456789";
	static const sl_agg_op ops[] = { SL_AGG_SUM, SL_AGG_MEAN };
	sl_ctx *ctx = tu_ctx(0, 0), *small = tu_ctx(1 << 20, 4096);
	sl_agg_options o = { .tmpdir = tu_dir };
	sl_agg *g[3];
	char text[128], key[32], p1[4200];
	const sl_str *kk;
	size_t i, w;

	(void)state;
	snprintf(p1, sizeof(p1), "%s/s.jsonl", tu_dir);
	g[0] = sl_agg_new(sl_arena_new(ctx, "t"), 1, 1, ops, 2, &o);
	g[1] = sl_agg_new(sl_arena_new(ctx, "t"), 1, 1, ops, 2, &o);
	g[2] = sl_agg_new(sl_arena_new(small, "t"), 1, 1, ops, 2, &o);
	for (i = 0; i < 6; i++) {
		sl_str k = S("k"), v = S(vals[i]);

		assert_int_equal(sl_agg_add(g[0], &k, &v), SL_OK);
		assert_int_equal(sl_agg_add(g[1], &k, &v), SL_OK);
		assert_int_equal(sl_agg_add(g[2], &k, &v), SL_OK);
	}
	/* g[2] spills: many groups come between its "k" values */
	for (i = 0; i < 30000; i++) {
		sl_str k, v = S(vals[i % 6]);

		snprintf(key, sizeof(key), "z%zu", i);
		k = S(key);
		assert_int_equal(sl_agg_add(g[2], &k, &v), SL_OK);
		if (i == 15000)
			for (w = 0; w < 6; w++) {
				sl_str kk = S("k"), vv = S(vals[w]);

				assert_int_equal(sl_agg_add(g[2], &kk, &vv),
						 SL_OK);
			}
	}
	save_partial(ctx, g[1], p1);
	g[1] = sl_agg_new(sl_arena_new(ctx, "m"), 1, 1, ops, 2, &o);
	load_partial(g[1], ctx, p1);
	load_partial(g[1], ctx, p1);
	unlink(p1);
	for (w = 0; w < 3; w++) {
		/* g[1] and g[2] have every value twice: the same mean */
		assert_non_null(sl_agg_next(g[w]));
		result(g[w], 0, SL_AGG_SUM, text, sizeof(text));
		if (w == 0)
			assert_string_equal(text, sum);
		else
			assert_string_equal(text, "24691357802469135780493827"
					    "15604938271560.24691357802469135"
					    "780246913578");
		result(g[w], 0, SL_AGG_MEAN, text, sizeof(text));
		assert_string_equal(text, "2.0576131502057613e+38");
	}
	/* the spilled single values, negative ones too, come back */
	for (i = 0; (kk = sl_agg_next(g[2])) != NULL; i++) {
		size_t z = (size_t)atol(kk[0].ptr + 1);

		result(g[2], 0, SL_AGG_SUM, text, sizeof(text));
		if (z % 6 == 2)
			assert_string_equal(text, vals[2]);
		if (z % 6 == 4)
			assert_string_equal(text, "-0.00000000000000000000000"
					    "0000000000001");
	}
	assert_int_equal(i, 30000);
	assert_true(sl_agg_stats(g[2])->runs > 0);
	tu_ctx_free(ctx);
	tu_ctx_free(small);
}

/* min and max of vals[0..n), every way the aggregator can take them:
 * in order and reversed, with keys in sort mode, and as two partial
 * states combined. */
static void min_max_every_way(const char **vals, size_t n, const char *lo,
			      const char *hi)
{
	static const sl_agg_op ops[] = { SL_AGG_MIN, SL_AGG_MAX, SL_AGG_P50 };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_agg_options o = { .tmpdir = tu_dir };
	char text[128], p1[4200], p2[4200];
	sl_str key = S("k");
	sl_agg *g[5];
	size_t i, w;

	snprintf(p1, sizeof(p1), "%s/p1.jsonl", tu_dir);
	snprintf(p2, sizeof(p2), "%s/p2.jsonl", tu_dir);
	for (w = 0; w < 5; w++) {
		o.exact = w == 2;
		g[w] = sl_agg_new(sl_arena_new(ctx, "t"), 1, 1, ops,
				  w == 2 ? 3 : 2, &o);
		assert_non_null(g[w]);
	}
	for (i = 0; i < n; i++) {
		sl_str v = S(vals[i]), r = S(vals[n - 1 - i]);

		assert_int_equal(sl_agg_add(g[0], &key, &v), SL_OK);
		assert_int_equal(sl_agg_add(g[1], &key, &r), SL_OK);
		assert_int_equal(sl_agg_add(g[2], &key, &v), SL_OK);
		assert_int_equal(sl_agg_add(g[i < n / 2 ? 3 : 4], &key, &v),
				 SL_OK);
	}
	save_partial(ctx, g[3], p1);
	save_partial(ctx, g[4], p2);
	g[3] = sl_agg_new(sl_arena_new(ctx, "m"), 1, 1, ops, 2, &o);
	load_partial(g[3], ctx, p2);
	load_partial(g[3], ctx, p1);
	for (w = 0; w < 4; w++) {
		assert_non_null(sl_agg_next(g[w]));
		result(g[w], 0, SL_AGG_MIN, text, sizeof(text));
		if (strcmp(text, lo) != 0)
			fail_msg("way %zu: min '%s', want '%s'", w, text, lo);
		result(g[w], 0, SL_AGG_MAX, text, sizeof(text));
		if (strcmp(text, hi) != 0)
			fail_msg("way %zu: max '%s', want '%s'", w, text, hi);
	}
	unlink(p1);
	unlink(p2);
	tu_ctx_free(ctx);
}

/* min and max are the input's texts, ordered by exact value, equal
 * values by their bytes; numbers before strings. */
static void test_min_max_are_input_texts(void **state)
{
	static const char *ids[] = {
		"1234567890123456788", "1234567890123456789.0", "",
		"1234567890123456789", "1234567890123456787",
	};
	static const char *forms[] = {
		"1.50", "-0.000000000000000000000000000001", "1.5", "007",
		"-1e-30", "-0", "0", "1e99999999999999999999", "15e-1",
	};
	static const char *mixed[] = { "b", "99999999999999999999", "a", "",
				       "99999999999999999998" };
	static const char *words[] = { "b", "", "a" };

	(void)state;
	min_max_every_way(ids, 5, "1234567890123456787",
			  "1234567890123456789.0");
	min_max_every_way(forms, 9, "-0.000000000000000000000000000001",
			  "1e99999999999999999999");
	min_max_every_way(mixed, 5, "99999999999999999998", "b");
	min_max_every_way(words, 3, "a", "b");
}

static void test_bad_partial_states(void **state)
{
	static const char *bad[] = {
		"not json",
		"{\"key\":[\"a\"],\"rows\":1}",
		"{\"key\":[],\"rows\":1,\"fields\":[{}]}",
		"{\"key\":[1],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":0,\"float\":0}]}",
		"{\"key\":[\"a\"],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":2,"
		"\"int\":0,\"float\":0}]}",
		"{\"key\":[\"a\"],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":1,\"float\":0,\"sum\":\"1\"}]}",
	};
#define NUMS "\"mean\":1,\"m2\":0,\"fsum\":[1,0],\"sum\":\"1\""
	static const char *bad_min[] = {
		"{\"key\":[],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":1,\"float\":0," NUMS "}]}",
		"{\"key\":[],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":1,\"float\":0," NUMS ",\"min\":\"x\",\"max\":\"1\"}]}",
		"{\"key\":[],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":1,\"float\":0," NUMS ",\"min\":\"1\",\"max\":1}]}",
		"{\"key\":[],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":0,\"float\":0,\"min\":\"x\"}]}",
		"{\"key\":[],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":1,"
		"\"int\":0,\"float\":0,\"min\":\"x\",\"max\":\"x\"}]}",
	};
	static const char good_min[] =
		"{\"key\":[],\"rows\":1,\"fields\":[{\"n\":1,\"empty\":0,"
		"\"int\":1,\"float\":0," NUMS ",\"min\":\"1\",\"max\":\"1.0\"}]}";
#undef NUMS
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_agg_op op = SL_AGG_SUM;
		sl_agg *g = sl_agg_new(sl_arena_new(ctx, "t"), 1, 1, &op, 1,
				       NULL);

		assert_int_equal(sl_agg_add_partial(g, bad[i], strlen(bad[i])),
				 SL_EDATA);
		tu_ctx_free(ctx);
	}
	/* min and max: there when there are values, numbers when they
	 * stand for numbers (and a good state first) */
	for (i = 0; i <= sizeof(bad_min) / sizeof(bad_min[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_agg_op ops[] = { SL_AGG_MIN, SL_AGG_MAX };
		sl_agg *g = sl_agg_new(sl_arena_new(ctx, "t"), 0, 1, ops, 2,
				       NULL);

		const char *line = i ? bad_min[i - 1] : good_min;

		if (sl_agg_add_partial(g, line, strlen(line)) !=
		    (i ? SL_EDATA : SL_OK))
			fail_msg("%s: %s", i ? "taken" : "refused", line);
		tu_ctx_free(ctx);
	}
}

static int by_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Sort mode: exact distinct and quantiles per group, spilling. */
static void test_sorted_distinct_and_quantiles(void **state)
{
	sl_agg_op ops[] = { SL_AGG_DISTINCT, SL_AGG_P50, SL_AGG_P90,
			    SL_AGG_P99, SL_AGG_FIRST, SL_AGG_LAST };
	sl_ctx *ctx = tu_ctx(1 << 20, 4096);
	sl_agg_options o = { .tmpdir = tu_dir };
	sl_agg *g = sl_agg_new(sl_arena_new(ctx, "t"), 1, 1, ops, 6, &o);
	enum { N = 40000, K = 3 };
	static double vals[K][N];
	size_t nv[K] = { 0 }, i;
	const sl_str *key;
	char text[64], want[64];

	(void)state;
	assert_non_null(g);
	for (i = 0; i < N; i++) {
		unsigned r = (unsigned)i * 2654435761u;
		char kb[8], vb[32];
		size_t k = r % K;
		sl_str kv, v;

		snprintf(kb, sizeof(kb), "g%zu", k);
		snprintf(vb, sizeof(vb), "%u", (r >> 8) % 5000);
		vals[k][nv[k]++] = (double)((r >> 8) % 5000);
		kv = S(kb);
		v = S(vb);
		assert_int_equal(sl_agg_add(g, &kv, &v), SL_OK);
	}
	for (i = 0; (key = sl_agg_next(g)) != NULL; i++) {
		size_t n = nv[i], d = 1, j;
		double q[3] = { 0.5, 0.9, 0.99 };

		assert_int_equal(key[0].ptr[1] - '0', (int)i);
		qsort(vals[i], n, sizeof(double), by_double);
		for (j = 1; j < n; j++)
			d += vals[i][j] != vals[i][j - 1];
		result(g, 0, SL_AGG_DISTINCT, text, sizeof(text));
		snprintf(want, sizeof(want), "%zu", d);
		assert_string_equal(text, want);
		for (j = 0; j < 3; j++) {
			result(g, 0, (sl_agg_op)(SL_AGG_P50 + j), text,
			       sizeof(text));
			snprintf(want, sizeof(want), "%.0f",
				 vals[i][(size_t)ceil(q[j] * (double)n) - 1]);
			assert_string_equal(text, want);
		}
	}
	assert_int_equal(i, K);
	assert_true(sl_agg_stats(g)->runs > 0);
	/* no partial state in sort mode */
	assert_int_equal(sl_agg_add_partial(sl_agg_new(sl_arena_new(ctx,
				"u"), 1, 1, ops, 6, &o), "{}", 2), SL_EINVAL);
	tu_ctx_free(ctx);
}

/* Texts of 25-digit numbers for quantiles: value base + i for i in
 * 0..n-1 in a scrambled order, every 7th written with a leading zero
 * (the same value, earlier in byte order). */
static void big_text(char *out, size_t cap, unsigned i, unsigned n)
{
	unsigned v = (unsigned)(((unsigned long long)i * 7919) % n);

	snprintf(out, cap, "%s12345678901234567890%05u", i % 7 ? "" : "0", v);
}

static int by_big_text(const void *x, const void *y)
{
	const char *a = x, *b = y;
	long va = atol(a + strlen(a) - 5), vb = atol(b + strlen(b) - 5);

	return va != vb ? (va < vb ? -1 : 1) : strcmp(a, b);
}

/* Exact quantiles are input texts, ordered exactly: without keys (the
 * exact array, and its partial state), and with keys under a small
 * ceiling, where a group's numbers spill. */
static void test_quantiles_are_input_texts(void **state)
{
	static const sl_agg_op ops[] = { SL_AGG_P50, SL_AGG_P90, SL_AGG_P99 };
	enum { N = 60000 };
	static char vals[N][32];
	const double q[3] = { 0.5, 0.9, 0.99 };
	sl_ctx *ctx = tu_ctx(0, 0), *small = tu_ctx(1 << 20, 4096);
	sl_agg_options o = { .tmpdir = tu_dir };
	sl_agg *g[4];
	char text[64], p1[4200];
	sl_str key = S("k");
	size_t i, j, w;

	(void)state;
	snprintf(p1, sizeof(p1), "%s/q.jsonl", tu_dir);
	g[0] = sl_agg_new(sl_arena_new(ctx, "t"), 0, 1, ops, 3, &o);
	g[1] = sl_agg_new(sl_arena_new(ctx, "t"), 0, 1, ops, 3, &o);
	g[2] = sl_agg_new(sl_arena_new(small, "t"), 1, 1, ops, 3, &o);
	for (i = 0; i < N; i++) {
		sl_str v;

		big_text(vals[i], sizeof(vals[i]), (unsigned)i, N);
		v = S(vals[i]);
		assert_int_equal(sl_agg_add(g[0], NULL, &v), SL_OK);
		assert_int_equal(sl_agg_add(g[1], NULL, &v), SL_OK);
		assert_int_equal(sl_agg_add(g[2], &key, &v), SL_OK);
	}
	save_partial(ctx, g[1], p1);
	g[1] = sl_agg_new(sl_arena_new(ctx, "m"), 0, 1, ops, 3, &o);
	load_partial(g[1], ctx, p1);
	unlink(p1);
	qsort(vals, N, sizeof(vals[0]), by_big_text);
	for (w = 0; w < 3; w++) {
		if (!sl_agg_next(g[w]))
			fail_msg("way %zu: %s", w, sl_errmsg(w == 2 ? small : ctx));
		for (j = 0; j < 3; j++) {
			const char *want = vals[(size_t)ceil(q[j] * N) - 1];

			result(g[w], 0, ops[j], text, sizeof(text));
			if (strcmp(text, want) != 0)
				fail_msg("way %zu p%.0f: '%s', want '%s'", w,
					 100 * q[j], text, want);
		}
	}
	assert_true(sl_agg_stats(g[2])->runs > 0);
	tu_ctx_free(ctx);
	tu_ctx_free(small);
}

/* Every allocation failing in turn: an error, never a crash or leak. */
static void test_memory_faults(void **state)
{
	unsigned long n;
	int failed = 0;

	(void)state;
	for (n = 1; n < 400; n += 3) {
		sl_ctx *ctx = tu_ctx(1 << 20, 4096);
		sl_agg_options o = { .tmpdir = tu_dir };
		sl_arena *a = sl_arena_new(ctx, "t");
		sl_agg *g;
		sl_str key, v;
		int i;

		sl_mem_fail_at(ctx, n);
		g = sl_agg_new(a, 1, 1, all_ops, NALL, &o);
		for (i = 0; g && i < 20000; i++) {
			char kb[16], vb[16];

			snprintf(kb, sizeof(kb), "k%d", i % 7000);
			snprintf(vb, sizeof(vb), "%d.5", i);
			key = S(kb);
			v = S(vb);
			if (sl_agg_add(g, &key, &v) != SL_OK)
				break;
		}
		while (g && !sl_failed(ctx) && sl_agg_next(g))
			;
		if (sl_failed(ctx)) {
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
			failed++;
		}
		tu_ctx_free(ctx);
		assert_int_equal(tu_count_entries(tu_dir), 0);
	}
	assert_true(failed > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_decimal_sums),
		cmocka_unit_test(test_exact_sum_forms),
		cmocka_unit_test(test_wide_exact_sums),
		cmocka_unit_test(test_sum_falls_back_to_double),
		cmocka_unit_test(test_spilled_groups_equal_in_memory),
		cmocka_unit_test(test_partials_combine_to_single_run),
		cmocka_unit_test(test_min_max_are_input_texts),
		cmocka_unit_test(test_bad_partial_states),
		cmocka_unit_test(test_sorted_distinct_and_quantiles),
		cmocka_unit_test(test_quantiles_are_input_texts),
		cmocka_unit_test(test_memory_faults),
	};

	return cmocka_run_group_tests(tests, tu_dir_setup, tu_dir_teardown);
}
