/*
 * test_sketch.c - the byte hash, HyperLogLog and KLL: fixed hash values,
 * distinct outputs and bit balance; distinct-count error from 0 to 10^6
 * values, duplicates, merges and the text form; quantile rank error on
 * random, sorted and reversed input, bounded size, merges, the text form,
 * determinism; memory faults at every allocation.
 *
 * The bounds asserted are the ones sketch.h documents: 2.5% for distinct
 * counts, 1.65% of n for ranks; the inputs are fixed, so a run repeats
 * exactly.  Small distinct counts are checked to within 1: that holds for
 * these inputs (and for about 96% of sets of 100 values, see sketch.h).
 */
#include <math.h>

#include "testutil.h"
#include "sketch.h"

#define HLL_TOL 0.025
#define KLL_TOL 0.0165
#define BIG 1000000

/* A fixed-seed generator for test data (splitmix64). */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The hash of i as 8 little-endian bytes, the same on every machine. */
static uint64_t hash_u64(uint64_t i)
{
	unsigned char b[8];
	int k;

	for (k = 0; k < 8; k++)
		b[k] = (unsigned char)(i >> (8 * k));
	return sl_hash64(b, 8);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* ---- hash ------------------------------------------------------------ */

static void test_hash_fixed_values(void **state)
{
	static const struct { const char *s; uint64_t h; } known[] = {
		{ "", 0xe220a8397b1dcdafULL },
		{ "a", 0x3838379b7a3fa2c9ULL },
		{ "abc", 0xbda3f6e06d002403ULL },
		{ "12345678", 0x16cab787dfca6ac7ULL },
		{ "hello, world", 0x7c6dd960dd505d78ULL },
		{ "The quick brown fox jumps over the lazy dog",
		  0x8f4af38850ad01ffULL },
	};
	char buf[64];
	size_t i;

	(void)state;
	/* pinned: a change here changes every saved distinct sketch */
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t n = strlen(known[i].s);

		assert_true(sl_hash64(known[i].s, n) == known[i].h);
		/* the same bytes at another alignment */
		memcpy(buf + 3, known[i].s, n);
		assert_true(sl_hash64(buf + 3, n) == known[i].h);
	}
	assert_true(sl_hash64(NULL, 0) == known[0].h);
}

static void test_hash_distinct_inputs_distinct_outputs(void **state)
{
	enum { NINT = 200000, NZERO = 65, NSTR = 20000 };
	uint64_t *h = malloc((NINT + NZERO + NSTR) * sizeof(*h));
	unsigned char zeros[NZERO] = { 0 };
	char s[32];
	size_t i, n = 0;

	(void)state;
	assert_non_null(h);
	for (i = 1; i <= NINT; i++)         /* 0 would be 8 zero bytes */
		h[n++] = hash_u64(i);
	for (i = 0; i < NZERO; i++)          /* "", "\0", "\0\0", ... */
		h[n++] = sl_hash64(zeros, i);
	for (i = 0; i < NSTR; i++) {         /* lengths 6 to 24 */
		int len = snprintf(s, sizeof(s), "key-%.*zu", (int)(i % 19),
				   i * 7919);

		h[n++] = sl_hash64(s, (size_t)len);
	}
	qsort(h, n, sizeof(*h), cmp_u64);
	for (i = 1; i < n; i++)
		assert_true(h[i] != h[i - 1]);
	free(h);
}

static void test_hash_bit_balance_and_avalanche(void **state)
{
	enum { N = 100000, NAV = 2000 };
	unsigned long ones[64] = { 0 }, flips[64] = { 0 };
	unsigned char in[16];
	unsigned long total = 0;
	size_t i, b;

	(void)state;
	for (i = 0; i < N; i++) {
		uint64_t h = hash_u64(i);

		for (b = 0; b < 64; b++)
			ones[b] += (h >> b) & 1;
	}
	for (b = 0; b < 64; b++)            /* 6 standard deviations */
		assert_true(fabs((double)ones[b] / N - 0.5) < 0.01);

	/* flipping one input bit flips each output bit half the time */
	rng_state = 1;
	for (i = 0; i < NAV; i++) {
		uint64_t a = rng(), c = rng(), h0, d;
		size_t bit = i % 128;

		memcpy(in, &a, 8);
		memcpy(in + 8, &c, 8);
		h0 = sl_hash64(in, 16);
		in[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		d = h0 ^ sl_hash64(in, 16);
		for (b = 0; b < 64; b++) {
			flips[b] += (d >> b) & 1;
			total += (d >> b) & 1;
		}
	}
	for (b = 0; b < 64; b++)
		assert_true(fabs((double)flips[b] / NAV - 0.5) < 0.05);
	assert_true(fabs((double)total / NAV - 32) < 0.5);
}

/* ---- HyperLogLog ----------------------------------------------------- */

static void hll_text(const sl_hll *h, char *out)
{
	sl_hll_to_text(h, out);
	out[sl_hll_text_len()] = '\0';
}

static void test_hll_error_from_0_to_a_million(void **state)
{
	static const uint64_t at[] = { 0, 1, 100, 1000, 10000, 40000, 100000,
				       BIG };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_hll *h = sl_hll_new(ctx);
	uint64_t i = 0;
	size_t c;

	(void)state;
	assert_non_null(h);
	for (c = 0; c < sizeof(at) / sizeof(at[0]); c++) {
		double est, err;

		for (; i < at[c]; i++)
			sl_hll_add(h, hash_u64(i));
		est = sl_hll_estimate(h);
		err = at[c] ? (est - (double)at[c]) / (double)at[c] : est;
		print_message("hll n=%-7llu estimate %.1f, error %+.3f%%\n",
			      (unsigned long long)at[c], est, 100 * err);
		if (at[c] <= 100)
			assert_true(fabs(est - (double)at[c]) <= 1);
		else
			assert_true(fabs(err) <= HLL_TOL);
	}
	assert_false(sl_failed(ctx));
	sl_hll_free(h);
	tu_ctx_free(ctx);
}

static void test_hll_error_many_sets(void **state)
{
	/* Other inputs than the one above: 40 sets at each size. */
	static const uint64_t sizes[] = { 20, 5000, 40000 };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_hll *h = sl_hll_new(ctx);
	size_t c, t;
	uint64_t i;

	(void)state;
	for (c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
		double worst = 0;

		for (t = 1; t <= 40; t++) {
			double est, err;

			sl_hll_free(h);
			h = sl_hll_new(ctx);
			assert_non_null(h);
			for (i = 0; i < sizes[c]; i++)
				sl_hll_add(h, hash_u64(t << 40 | i));
			est = sl_hll_estimate(h);
			err = fabs(est - (double)sizes[c]);
			if (sizes[c] <= 100)
				assert_true(err <= 1);
			else
				assert_true(err <= HLL_TOL * (double)sizes[c]);
			if (err / (double)sizes[c] > worst)
				worst = err / (double)sizes[c];
		}
		print_message("hll n=%-7llu worst of 40 sets %.3f%%\n",
			      (unsigned long long)sizes[c], 100 * worst);
	}
	sl_hll_free(h);
	tu_ctx_free(ctx);
}

static void test_hll_duplicates_change_nothing(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_hll *h = sl_hll_new(ctx);
	size_t len = sl_hll_text_len();
	char *t1 = malloc(len + 1), *t2 = malloc(len + 1);
	double est;
	uint64_t i;
	int pass;

	(void)state;
	assert_non_null(h);
	for (i = 0; i < 10000; i++)
		sl_hll_add(h, hash_u64(i));
	est = sl_hll_estimate(h);
	hll_text(h, t1);
	for (pass = 0; pass < 2; pass++)
		for (i = 10000; i-- > 0;)
			sl_hll_add(h, hash_u64(i));
	hll_text(h, t2);
	assert_string_equal(t1, t2);
	assert_true(sl_hll_estimate(h) == est);
	free(t1);
	free(t2);
	sl_hll_free(h);
	tu_ctx_free(ctx);
}

static void test_hll_merge_of_halves_is_whole(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0), *other = tu_ctx(0, 0);
	sl_hll *whole = sl_hll_new(ctx), *even = sl_hll_new(ctx);
	sl_hll *odd = sl_hll_new(other), *empty = sl_hll_new(ctx);
	size_t len = sl_hll_text_len();
	char *t1 = malloc(len + 1), *t2 = malloc(len + 1);
	uint64_t i;

	(void)state;
	assert_non_null(whole);
	assert_non_null(odd);
	for (i = 0; i < 50000; i++) {
		sl_hll_add(whole, hash_u64(i));
		sl_hll_add(i & 1 ? odd : even, hash_u64(i));
	}
	sl_hll_merge(even, odd);
	sl_hll_merge(even, empty);
	hll_text(whole, t1);
	hll_text(even, t2);
	assert_string_equal(t1, t2);
	sl_hll_merge(empty, whole);
	hll_text(empty, t2);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	sl_hll_free(whole);
	sl_hll_free(even);
	sl_hll_free(odd);
	sl_hll_free(empty);
	tu_ctx_free(ctx);
	tu_ctx_free(other);
}

static void test_hll_text_round_trip(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_hll *h = sl_hll_new(ctx), *back = sl_hll_new(ctx);
	size_t len = sl_hll_text_len(), i;
	char *t1 = malloc(len + 1), *t2 = malloc(len + 1);
	uint64_t k;

	(void)state;
	assert_int_equal(len, 21848);
	/* empty */
	hll_text(h, t1);
	for (i = 0; i < len - 2; i++)
		assert_int_equal(t1[i], 'A');
	assert_string_equal(t1 + len - 2, "==");
	/* a saturated register (all 50 rank bits 0) and plenty of others */
	sl_hll_add(h, 0x1234ULL << 50);
	sl_hll_add(h, (0x3fffULL << 50) | 1);
	for (k = 0; k < 300000; k++)
		sl_hll_add(h, hash_u64(k));
	hll_text(h, t1);
	for (i = 0; i < len - 2; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789+/",
				       t1[i]));
	assert_int_equal(sl_hll_from_text(back, t1, len), SL_OK);
	hll_text(back, t2);
	assert_string_equal(t1, t2);
	assert_true(sl_hll_estimate(back) == sl_hll_estimate(h));
	/* from_text merges: a second time, and into a non-empty sketch */
	assert_int_equal(sl_hll_from_text(back, t1, len), SL_OK);
	hll_text(back, t2);
	assert_string_equal(t1, t2);
	sl_hll_free(back);
	back = sl_hll_new(ctx);
	for (k = 0; k < 300000; k += 2)
		sl_hll_add(back, hash_u64(k));
	assert_int_equal(sl_hll_from_text(back, t1, len), SL_OK);
	hll_text(back, t2);
	assert_string_equal(t1, t2);
	assert_false(sl_failed(ctx));
	free(t1);
	free(t2);
	sl_hll_free(h);
	sl_hll_free(back);
	tu_ctx_free(ctx);
}

static void test_hll_from_text_rejects(void **state)
{
	size_t len = sl_hll_text_len();
	char *good = malloc(len + 2), *bad = malloc(len + 2);
	char *before = malloc(len + 1), *after = malloc(len + 1);
	static const struct {
		size_t at;
		const char *put;
		size_t dlen;
	} cases[] = {
		{ 0, NULL, (size_t)-1 },   /* one character short */
		{ 0, NULL, 1 },            /* one too many */
		{ 100, "*", 0 },           /* not base64 */
		{ 100, "=", 0 },           /* padding inside */
		{ 100, "\n", 0 },
		{ 0, "NAAA", 0 },          /* register 0 holds 52 */
		{ 21844, "AB==", 0 },      /* stray bits in the last group */
		{ 21844, "AAAA", 0 },      /* no padding */
		{ 21844, "A=A=", 0 },
	};
	size_t c;

	(void)state;
	for (c = 0; c <= sizeof(cases) / sizeof(cases[0]); c++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_hll *h = sl_hll_new(ctx);
		uint64_t k;

		for (k = 0; k < 1000; k++)
			sl_hll_add(h, hash_u64(k));
		hll_text(h, good);
		if (c == sizeof(cases) / sizeof(cases[0])) {
			/* the largest register value, 51, is fine */
			memcpy(good, "MwAA", 4);
			assert_int_equal(sl_hll_from_text(h, good, len), SL_OK);
			assert_false(sl_failed(ctx));
			sl_hll_free(h);
			tu_ctx_free(ctx);
			break;
		}
		memcpy(bad, good, len + 1);
		bad[len] = 'A';
		if (cases[c].put)
			memcpy(bad + cases[c].at, cases[c].put,
			       strlen(cases[c].put));
		hll_text(h, before);
		assert_int_equal(sl_hll_from_text(h, bad, len + cases[c].dlen),
				 SL_EDATA);
		assert_int_equal(sl_errcode(ctx), SL_EDATA);
		assert_true(strncmp(sl_errmsg(ctx), "bad distinct sketch", 19)
			    == 0);
		hll_text(h, after);
		assert_string_equal(before, after);   /* left alone */
		sl_hll_free(h);
		tu_ctx_free(ctx);
	}
	free(good);
	free(bad);
	free(before);
	free(after);
}

/* ---- KLL ------------------------------------------------------------- */

static const double qs[] = { 0, 0.01, 0.5, 0.9, 0.99, 1 };
#define NQ (sizeof(qs) / sizeof(qs[0]))

/* Worst rank error seen by check_ranks(), as a fraction of n. */
static double kll_worst;

/*
 * The values are a permutation of 0 .. n-1, so the rank of v (how many
 * values are <= v) is v + 1.  Check every q in qs.
 */
static void check_ranks(sl_kll *s, uint64_t n, const char *what)
{
	double worst = 0;
	size_t i;

	assert_int_equal(sl_kll_count(s), n);
	assert_true(sl_kll_quantile(s, 0) == 0);
	assert_true(sl_kll_quantile(s, 1) == (double)(n - 1));
	for (i = 0; i < NQ; i++) {
		double v = sl_kll_quantile(s, qs[i]);
		double want = qs[i] > 0 ? ceil(qs[i] * (double)n) : 1;
		double err = fabs(v + 1 - want) / (double)n;

		assert_true(v == floor(v) && v >= 0 && v < (double)n);
		if (err > worst)
			worst = err;
	}
	print_message("kll %-22s n=%-7llu worst rank error %.3f%%\n", what,
		      (unsigned long long)n, 100 * worst);
	assert_true(worst <= KLL_TOL);
	if (worst > kll_worst)
		kll_worst = worst;
}

/* A permutation of 0 .. n-1, shuffled by the fixed-seed generator. */
static double *shuffled(size_t n, uint64_t seed)
{
	double *v = malloc(n * sizeof(*v));
	size_t i;

	assert_non_null(v);
	rng_state = seed;
	for (i = 0; i < n; i++)
		v[i] = (double)i;
	for (i = n; i-- > 1;) {
		size_t j = (size_t)(rng() % (i + 1));
		double t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	return v;
}

/* Items in a text form: one more than the commas in the level lists. */
static size_t text_items(const char *t)
{
	size_t n = 0, semis = 0;

	for (; *t; t++) {
		if (*t == ';' && ++semis >= 4 && t[1] && t[1] != ';')
			n++;
		else if (*t == ',')
			n++;
	}
	return n;
}

static void test_kll_exact_up_to_k(void **state)
{
	static const size_t sizes[] = { 1, 10, 200 };
	size_t c, i, j;

	(void)state;
	for (c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_kll *s = sl_kll_new(ctx);
		size_t n = sizes[c];
		double *v = malloc(n * sizeof(*v));

		rng_state = 7 + c;
		for (i = 0; i < n; i++) {
			v[i] = (double)(int64_t)rng() / 1e9;
			assert_int_equal(sl_kll_add(s, v[i]), SL_OK);
		}
		assert_int_equal(sl_kll_add(s, NAN), SL_OK);   /* ignored */
		assert_int_equal(sl_kll_count(s), n);
		qsort(v, n, sizeof(*v), cmp_double);
		for (j = 0; j < NQ; j++) {
			size_t r = qs[j] > 0 ? (size_t)ceil(qs[j] * n) : 1;

			assert_true(sl_kll_quantile(s, qs[j]) == v[r - 1]);
		}
		for (i = 1; i <= n; i++) {
			/* the middle of each rank's interval */
			double q = ((double)i - 0.5) / (double)n;

			assert_true(sl_kll_quantile(s, q) == v[i - 1]);
		}
		assert_true(sl_kll_quantile(s, -1) == v[0]);
		assert_true(sl_kll_quantile(s, 2) == v[n - 1]);
		free(v);
		sl_kll_free(s);
		tu_ctx_free(ctx);
	}
}

static void test_kll_empty(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_kll *s = sl_kll_new(ctx);
	char *t;

	(void)state;
	assert_int_equal(sl_kll_count(s), 0);
	assert_true(isnan(sl_kll_quantile(s, 0.5)));
	t = sl_kll_to_text(s);
	assert_string_equal(t, "kll1;0;inf;-inf;");
	assert_int_equal(sl_kll_from_text(s, t, strlen(t)), SL_OK);
	assert_int_equal(sl_kll_count(s), 0);
	sl_mem_free(t);
	sl_kll_free(s);
	sl_kll_free(NULL);
	sl_hll_free(NULL);
	tu_ctx_free(ctx);
}

static void test_kll_rank_error_random_sorted_reversed(void **state)
{
	static const size_t sizes[] = { 1000, BIG };
	size_t c, i;
	int order;

	(void)state;
	for (c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
		size_t n = sizes[c];
		double *v = shuffled(n, 42);

		for (order = 0; order < 3; order++) {
			sl_ctx *ctx = tu_ctx(0, 0);
			sl_kll *s = sl_kll_new(ctx);
			char *t;

			assert_non_null(s);
			for (i = 0; i < n; i++) {
				double x = order == 0 ? v[i] : order == 1 ?
					(double)i : (double)(n - 1 - i);

				assert_int_equal(sl_kll_add(s, x), SL_OK);
			}
			check_ranks(s, n, order == 0 ? "random order" :
				    order == 1 ? "sorted" : "reversed");
			/* bounded: a few hundred items, a few KiB */
			t = sl_kll_to_text(s);
			assert_non_null(t);
			assert_true(text_items(t) < 2000);
			if (n == BIG)
				print_message("kll %zu items, %zu bytes\n",
					      text_items(t),
					      sl_mem_in_use(ctx) - strlen(t));
			assert_true(sl_mem_in_use(ctx) <
				    strlen(t) + (16 << 10));
			sl_mem_free(t);
			sl_kll_free(s);
			tu_ctx_free(ctx);
		}
		free(v);
	}
}

static void test_kll_merge_of_parts(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0), *other = tu_ctx(0, 0);
	double *v = shuffled(BIG, 99);
	sl_kll *all = sl_kll_new(ctx), *one;
	size_t p, i;

	(void)state;
	for (p = 0; p < 8; p++) {
		sl_kll *part = sl_kll_new(p & 1 ? other : ctx);

		/* unequal parts: 1/36, 2/36, ... 8/36 of the values */
		for (i = BIG / 36 * (p * (p + 1) / 2);
		     i < (p == 7 ? BIG : BIG / 36 * ((p + 1) * (p + 2) / 2));
		     i++)
			assert_int_equal(sl_kll_add(part, v[i]), SL_OK);
		assert_int_equal(sl_kll_merge(all, part), SL_OK);
		sl_kll_free(part);
	}
	check_ranks(all, BIG, "merge of 8 parts");
	/* merging into itself doubles every weight, not the ranks */
	assert_int_equal(sl_kll_merge(all, all), SL_OK);
	assert_int_equal(sl_kll_count(all), 2 * BIG);
	/* one value merged into a big sketch, and the other way round */
	one = sl_kll_new(ctx);
	assert_int_equal(sl_kll_add(one, -5), SL_OK);
	assert_int_equal(sl_kll_merge(all, one), SL_OK);
	assert_true(sl_kll_quantile(all, 0) == -5);
	assert_int_equal(sl_kll_merge(one, all), SL_OK);
	assert_int_equal(sl_kll_count(one), 2 * BIG + 2);
	assert_true(sl_kll_quantile(one, 1) == BIG - 1);
	assert_false(sl_failed(ctx));
	sl_kll_free(one);
	sl_kll_free(all);
	free(v);
	tu_ctx_free(ctx);
	tu_ctx_free(other);
}

static void test_kll_deterministic(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_kll *a = sl_kll_new(ctx), *b = sl_kll_new(ctx);
	char *ta, *tb;
	size_t i;

	(void)state;
	rng_state = 5;
	for (i = 0; i < 300000; i++) {
		double x = (double)(rng() >> 11) * 0x1p-53;

		assert_int_equal(sl_kll_add(a, x), SL_OK);
		assert_int_equal(sl_kll_add(b, x), SL_OK);
	}
	ta = sl_kll_to_text(a);
	tb = sl_kll_to_text(b);
	assert_string_equal(ta, tb);
	for (i = 0; i <= 100; i++)
		assert_true(sl_kll_quantile(a, i / 100.0) ==
			    sl_kll_quantile(b, i / 100.0));
	sl_mem_free(ta);
	sl_mem_free(tb);
	sl_kll_free(a);
	sl_kll_free(b);
	tu_ctx_free(ctx);
}

/* Values whose text forms are hard: signs, zeros, extremes, subnormals. */
static double odd_value(size_t i)
{
	static const double fixed[] = {
		0.0, -0.0, 1.0, -1.0, 0.1, 1e308, -1e308, 0x1p-1022,
		0x1p-1074, -0x1.8p-1070, 0x1.fffffffffffffp+1023, INFINITY,
		-INFINITY, 3.0, 0x1.0000000000001p+0, 123456789.125,
	};
	uint64_t bits;
	double x;

	if (i < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[i];
	do {            /* any bit pattern but NaN */
		bits = rng();
		memcpy(&x, &bits, sizeof(x));
	} while (isnan(x));
	return x;
}

static void test_kll_text_matches_printf_a(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_kll *s = sl_kll_new(ctx);
	double v[200];
	char *t, *p, want[64];
	size_t i;

	(void)state;
	rng_state = 11;
	for (i = 0; i < 200; i++) {
		v[i] = odd_value(i);
		assert_int_equal(sl_kll_add(s, v[i]), SL_OK);
	}
	/* 200 values: all still at level 0, in the order added */
	t = sl_kll_to_text(s);
	assert_non_null(t);
	assert_true(strncmp(t, "kll1;200;-inf;inf;", 18) == 0);
	p = t + 18;
	for (i = 0; i < 200; i++) {
		size_t n = (size_t)snprintf(want, sizeof(want), "%a", v[i]);

		assert_true(strncmp(p, want, n) == 0);
		p += n;
		assert_true(*p == (i < 199 ? ',' : '\0'));
		p++;
	}
	sl_mem_free(t);
	sl_kll_free(s);
	tu_ctx_free(ctx);
}

static void test_kll_text_round_trip(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_kll *s = sl_kll_new(ctx), *back = sl_kll_new(ctx);
	char *t, *t2, *p;
	size_t i;

	(void)state;
	rng_state = 3;
	for (i = 0; i < 100000; i++)
		assert_int_equal(sl_kll_add(s, odd_value(i)), SL_OK);
	t = sl_kll_to_text(s);
	assert_non_null(t);
	for (p = t; *p; p++)    /* safe inside a JSON string */
		assert_true(*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\');
	assert_int_equal(sl_kll_from_text(back, t, strlen(t)), SL_OK);
	assert_int_equal(sl_kll_count(back), sl_kll_count(s));
	t2 = sl_kll_to_text(back);      /* before queries sort the levels */
	assert_string_equal(t, t2);
	for (i = 0; i <= 1000; i++) {
		double x = sl_kll_quantile(back, i / 1000.0);
		double y = sl_kll_quantile(s, i / 1000.0);

		assert_memory_equal(&x, &y, sizeof(x));     /* -0 too */
	}
	assert_false(sl_failed(ctx));
	sl_mem_free(t);
	sl_mem_free(t2);
	sl_kll_free(s);
	sl_kll_free(back);
	tu_ctx_free(ctx);
}

static void test_kll_from_text_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"kll1",
		"kll2;0;inf;-inf;",
		"kll1;0;inf;-inf",                      /* no level */
		"kll1;;inf;-inf;",
		"kll1;-1;inf;-inf;",
		"kll1;18446744073709551616;inf;-inf;",  /* 2^64 */
		"kll1;1;0x1p+0;0x1p+0;",                /* weighs 0 */
		"kll1;1;0x1p+0;0x1p+0;0x1p+0,0x1p+0",   /* weighs 2 */
		"kll1;1;0x1p+0;0x1p+0;;0x1p+0",         /* weighs 2 */
		"kll1;1;0x1p+0;0x1p+0;0x1p+1",          /* above max */
		"kll1;1;0x1p+0;0x1p+1;0x1p-1",          /* below min */
		"kll1;1;0x1p+1;0x1p+0;0x1p+0",          /* min > max */
		"kll1;1;0x1p+0;0x1p+0;nan",
		"kll1;1;nan;0x1p+0;0x1p+0",
		"kll1;1;0x1p+0;0x1p+0;1.0",             /* not hex */
		"kll1;1;0x1p+0;0x1p+0;0x1.0p+0",        /* trailing zero */
		"kll1;1;0x1p+0;0x1p+0;0x1p+00",
		"kll1;1;0x1p+0;0x1p+0;0x1p0",
		"kll1;1;0x1p+0;0x1p+0;0x1P+0",
		"kll1;1;0x1p+0;0x1p+0;0x2p+0",
		"kll1;1;0x1p+0;0x1p+0;0x1p+1024",
		"kll1;1;0x1p+0;0x1p+0;0x1.00000000000001p+0",
		"kll1;1;0x1p+0;0x1p+0;0x1p+0,",
		"kll1;2;0x1p+0;0x1p+0;0x1p+0,,0x1p+0",
		"kll1;1;0x1p+0;0x1p+0;0x1p+0 ",
		"kll1;1;0x0p-1;0x1p+0;0x1p+0",          /* zero, odd exponent */
		"kll1 1;inf;-inf;",
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(bad) / sizeof(bad[0]); c++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_kll *s = sl_kll_new(ctx);

		assert_int_equal(sl_kll_add(s, 0.5), SL_OK);
		if (sl_kll_from_text(s, bad[c], strlen(bad[c])) != SL_EDATA)
			fail_msg("accepted \"%s\"", bad[c]);
		assert_int_equal(sl_errcode(ctx), SL_EDATA);
		assert_true(strncmp(sl_errmsg(ctx), "bad quantile sketch", 19)
			    == 0);
		assert_int_equal(sl_kll_count(s), 1);   /* left alone */
		assert_true(sl_kll_quantile(s, 0.5) == 0.5);
		sl_kll_free(s);
		tu_ctx_free(ctx);
	}
}

static void test_kll_from_text_accepts(void **state)
{
	static const struct { const char *t; uint64_t n; double med; } ok[] = {
		{ "kll1;1;0x1p+0;0x1p+0;0x1p+0", 1, 1 },
		{ "kll1;3;0x1p+0;0x1.8p+1;0x1p+0;0x1.8p+0", 3, 1.5 },
		{ "kll1;1;-0x0p+0;0x0p+0;0x0p+0", 1, 0 },
		{ "kll1;1;0x0.0000000000001p-1022;0x1p+0;"
		  "0x0.0000000000001p-1022", 1, 0x1p-1074 },
		{ "kll1;0;inf;-inf;;;", 0, 0 },
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(ok) / sizeof(ok[0]); c++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_kll *s = sl_kll_new(ctx);

		assert_int_equal(sl_kll_from_text(s, ok[c].t, strlen(ok[c].t)),
				 SL_OK);
		assert_int_equal(sl_kll_count(s), ok[c].n);
		if (ok[c].n)
			assert_true(sl_kll_quantile(s, 0.5) == ok[c].med);
		sl_kll_free(s);
		tu_ctx_free(ctx);
	}
}

/* Every prefix of a text either decodes or is SL_EDATA; nothing else. */
static void test_kll_from_text_every_prefix(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_kll *s = sl_kll_new(ctx);
	char *t;
	size_t i, len, refused = 0;

	(void)state;
	rng_state = 17;
	for (i = 0; i < 700; i++)
		assert_int_equal(sl_kll_add(s, odd_value(i)), SL_OK);
	t = sl_kll_to_text(s);
	len = strlen(t);
	for (i = 0; i < len; i++) {
		sl_ctx *c2 = tu_ctx(0, 0);
		sl_kll *u = sl_kll_new(c2);
		sl_status st = sl_kll_from_text(u, t, i);

		assert_true(st == SL_OK || st == SL_EDATA);
		refused += st == SL_EDATA;
		sl_kll_free(u);
		tu_ctx_free(c2);
	}
	assert_true(refused > len * 99 / 100);
	sl_mem_free(t);
	sl_kll_free(s);
	tu_ctx_free(ctx);
}

/* ---- memory ---------------------------------------------------------- */

static void test_sketch_tiny_budget(void **state)
{
	sl_ctx *ctx = tu_ctx(4096, 0);
	sl_kll *s;
	sl_status st = SL_OK;
	size_t i;

	(void)state;
	assert_null(sl_hll_new(ctx));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "'sketch.hll'"));
	tu_ctx_free(ctx);

	ctx = tu_ctx(4096, 0);
	s = sl_kll_new(ctx);
	assert_non_null(s);
	for (i = 0; i < 100000 && st == SL_OK; i++)
		st = sl_kll_add(s, (double)i);
	assert_int_equal(st, SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "'sketch.kll'"));
	/* the refused value left the sketch as it was */
	assert_int_equal(sl_kll_count(s), i - 1);
	assert_true(sl_kll_quantile(s, 1) == (double)(i - 2));
	assert_true(sl_kll_quantile(s, 0.5) < (double)(i - 1));
	sl_kll_free(s);
	tu_ctx_free(ctx);
}

/* One run of everything that allocates; SL_OK or the first failure. */
static sl_status sketch_run(sl_ctx *ctx, const char *hll_text_in,
			    const char *kll_text_in)
{
	sl_hll *h = NULL;
	sl_kll *a = NULL, *b = NULL, *c = NULL;
	char *t = NULL;
	sl_status st = SL_ENOMEM;
	size_t i;

	h = sl_hll_new(ctx);
	a = sl_kll_new(ctx);
	b = sl_kll_new(ctx);
	c = sl_kll_new(ctx);
	if (!h || !a || !b || !c)
		goto out;
	st = sl_hll_from_text(h, hll_text_in, sl_hll_text_len());
	for (i = 0; i < 3000 && st == SL_OK; i++)
		st = sl_kll_add(i & 1 ? a : b, (double)i);
	if (st == SL_OK)
		st = sl_kll_merge(a, b);
	if (st == SL_OK)
		st = sl_kll_from_text(c, kll_text_in, strlen(kll_text_in));
	if (st == SL_OK)
		st = sl_kll_merge(c, a);
	if (st == SL_OK) {
		t = sl_kll_to_text(c);
		st = t ? SL_OK : SL_ENOMEM;
	}
	if (st == SL_OK) {
		assert_int_equal(sl_kll_count(c), 3000 + 5000);
		st = sl_kll_from_text(b, t, strlen(t));
	}
out:
	sl_mem_free(t);
	sl_hll_free(h);
	sl_kll_free(a);
	sl_kll_free(b);
	sl_kll_free(c);
	return st;
}

static void test_sketch_fault_at_every_allocation(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_hll *h = sl_hll_new(ctx);
	sl_kll *s = sl_kll_new(ctx);
	char *ht = malloc(sl_hll_text_len() + 1), *kt;
	unsigned long n;
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		sl_hll_add(h, hash_u64(i));
		assert_int_equal(sl_kll_add(s, (double)i / 7), SL_OK);
	}
	hll_text(h, ht);
	kt = sl_kll_to_text(s);
	for (n = 1;; n++) {
		sl_ctx *c = tu_ctx(0, 0);
		sl_status st;

		sl_mem_fail_at(c, n);
		st = sketch_run(c, ht, kt);
		if (st == SL_OK) {
			assert_false(sl_failed(c));
			tu_ctx_free(c);
			break;
		}
		assert_int_equal(st, SL_ENOMEM);
		assert_int_equal(sl_errcode(c), SL_ENOMEM);
		tu_ctx_free(c);         /* asserts nothing leaked */
		assert_true(n < 1000);
	}
	print_message("sketch: allocation 1 to %lu failed cleanly\n", n - 1);
	assert_true(n > 10);
	free(ht);
	sl_mem_free(kt);
	sl_hll_free(h);
	sl_kll_free(s);
	tu_ctx_free(ctx);
}

static int report(void **state)
{
	(void)state;
	print_message("kll worst rank error over all checks: %.3f%% of n\n",
		      100 * kll_worst);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_fixed_values),
		cmocka_unit_test(test_hash_distinct_inputs_distinct_outputs),
		cmocka_unit_test(test_hash_bit_balance_and_avalanche),
		cmocka_unit_test(test_hll_error_from_0_to_a_million),
		cmocka_unit_test(test_hll_error_many_sets),
		cmocka_unit_test(test_hll_duplicates_change_nothing),
		cmocka_unit_test(test_hll_merge_of_halves_is_whole),
		cmocka_unit_test(test_hll_text_round_trip),
		cmocka_unit_test(test_hll_from_text_rejects),
		cmocka_unit_test(test_kll_exact_up_to_k),
		cmocka_unit_test(test_kll_empty),
		cmocka_unit_test(test_kll_rank_error_random_sorted_reversed),
		cmocka_unit_test(test_kll_merge_of_parts),
		cmocka_unit_test(test_kll_deterministic),
		cmocka_unit_test(test_kll_text_matches_printf_a),
		cmocka_unit_test(test_kll_text_round_trip),
		cmocka_unit_test(test_kll_from_text_rejects),
		cmocka_unit_test(test_kll_from_text_accepts),
		cmocka_unit_test(test_kll_from_text_every_prefix),
		cmocka_unit_test(test_sketch_tiny_budget),
		cmocka_unit_test(test_sketch_fault_at_every_allocation),
	};

	return cmocka_run_group_tests_name("sketch", tests, NULL, report);
}
