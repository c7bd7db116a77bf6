/*
 * sketch.c - a byte hash, HyperLogLog distinct counts and KLL quantiles.
 *
 * Hash.  Eight bytes at a time, read little-endian: each word is
 * multiplied, rotated and multiplied again before it is folded into the
 * state, which is rotated and stepped by a multiply-add (the shape of
 * MurmurHash3's body, with 64-bit words).  The length seeds the state, so
 * "" and "\0" differ, and the end is splitmix64's finaliser, whose
 * avalanche makes every output bit depend on every input bit.
 *
 * HyperLogLog (Flajolet et al. 2007).  The top 14 bits of a hash pick one
 * of 16384 registers; the other 50 give a rank, the position of their
 * first 1-bit (1 to 50, or 51 when all are 0), and the register keeps the
 * largest rank it has seen (0 while empty).  The estimate is Ertl's
 * improved raw estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv 1702.01284, algorithm 6): from the
 * histogram C[0..51] of register values,
 *
 *     z = m tau(1 - C[51]/m);  z = (z + C[k]) / 2 for k = 50 .. 1;
 *     z += m sigma(C[0]/m);    estimate = m^2 / (2 ln 2 z)
 *
 * sigma and tau correct the contribution of the empty and the saturated
 * registers, so one formula serves small and large counts alike.
 *
 * KLL (Karnin, Lang, Liberty 2016) with lazy compaction: nothing moves
 * until the whole sketch is over its total capacity.  Level h holds
 * items of weight 2^h; its capacity is k = 200 at the top level and two
 * thirds of the level above's, rounded up, below it (at least 2).  Values
 * go to level 0.  When the sketch holds
 * more items than the capacities add up to, the lowest level over its
 * capacity is compacted: sorted, one item left behind if their number is
 * odd, then every second item moves up a level, starting with the first
 * or the second as a coin flip says.  The weights still add up to n, and
 * each compaction moves a rank by at most 2^h, up or down with equal
 * chance.  Merging concatenates levels and compacts until the sketch is
 * back within its capacities.  The coin is a splitmix64 generator with a
 * fixed seed kept in the sketch, so runs repeat exactly.  A query sorts
 * the levels and walks them in merged order, adding weights up to the
 * requested rank.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sketch.h"

/* The hash, sl_hash64(), is text.c's. */

#define H_GOLD 0x9e3779b97f4a7c15ULL

/* ---- HyperLogLog ----------------------------------------------------- */

#define HLL_P 14
#define HLL_M (1u << HLL_P)
#define HLL_Q (64 - HLL_P)           /* bits left for the rank */
#define HLL_MAXREG (HLL_Q + 1)
#define HLL_TEXT_LEN (((HLL_M + 2) / 3) * 4)

struct sl_hll {
	sl_ctx *ctx;
	uint8_t reg[HLL_M];
};

sl_hll *sl_hll_new(sl_ctx *ctx)
{
	sl_hll *h = sl_mem_alloc(ctx, sizeof(*h), "sketch.hll");

	if (!h)
		return NULL;
	h->ctx = ctx;
	memset(h->reg, 0, sizeof(h->reg));
	return h;
}

void sl_hll_free(sl_hll *h)
{
	sl_mem_free(h);
}

void sl_hll_add(sl_hll *h, uint64_t hash)
{
	uint32_t i = (uint32_t)(hash >> HLL_Q);
	uint64_t w = hash & ((1ULL << HLL_Q) - 1);
	uint8_t r = w ? (uint8_t)(__builtin_clzll(w) - HLL_P + 1) : HLL_MAXREG;

	if (r > h->reg[i])
		h->reg[i] = r;
}

void sl_hll_merge(sl_hll *dst, const sl_hll *src)
{
	size_t i;

	for (i = 0; i < HLL_M; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
}

/* x + sum over k >= 1 of x^(2^k) 2^(k-1): the share of empty registers. */
static double hll_sigma(double x)
{
	double y = 1, z = x, prev;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

/* The share of registers whose rank ran past the 50 bits. */
static double hll_tau(double x)
{
	double y = 1, z = 1 - x, prev;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != prev);
	return z / 3;
}

double sl_hll_estimate(const sl_hll *h)
{
	uint32_t c[HLL_MAXREG + 1] = { 0 };
	const double m = HLL_M;
	double z;
	size_t i;
	int k;

	for (i = 0; i < HLL_M; i++)
		c[h->reg[i]]++;
	if (c[0] == HLL_M)
		return 0;
	z = m * hll_tau(1 - c[HLL_MAXREG] / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return m * m / (2 * log(2) * z);
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sl_hll_text_len(void)
{
	return HLL_TEXT_LEN;
}

void sl_hll_to_text(const sl_hll *h, char *out)
{
	const uint8_t *r = h->reg;
	size_t i;

	for (i = 0; i + 3 <= HLL_M; i += 3, out += 4) {
		uint32_t v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 |
			r[i + 2];

		out[0] = b64[v >> 18];
		out[1] = b64[(v >> 12) & 63];
		out[2] = b64[(v >> 6) & 63];
		out[3] = b64[v & 63];
	}
	if (i < HLL_M) {                /* 16384 = 3 * 5461 + 1 */
		out[0] = b64[r[i] >> 2];
		out[1] = b64[(r[i] & 3) << 4];
		out[2] = '=';
		out[3] = '=';
	}
}

static int b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

static sl_status bad_hll(sl_ctx *ctx, const char *what, size_t off)
{
	return sl_error(ctx, SL_EDATA, "bad distinct sketch: %s at offset %zu",
			what, off);
}

/*
 * Decode text (of the right length) into registers: into reg when it is
 * not NULL, as a maximum, else only check.  Returns SL_OK or SL_EDATA.
 */
static sl_status hll_decode(sl_ctx *ctx, const char *text, uint8_t *reg)
{
	size_t i, o = 0;

	for (i = 0; i < HLL_TEXT_LEN; i += 4) {
		int d, j, nd = 4, nb = 3;
		uint32_t v = 0;
		uint8_t out[3];

		if (i + 4 == HLL_TEXT_LEN) {
			nd = 2;         /* one byte in the last group */
			nb = 1;
			if (text[i + 2] != '=' || text[i + 3] != '=')
				return bad_hll(ctx, "no '==' padding", i + 2);
		}
		for (j = 0; j < nd; j++) {
			d = b64_value(text[i + j]);
			if (d < 0)
				return bad_hll(ctx, "not base64", i + j);
			v = v << 6 | (uint32_t)d;
		}
		if (nd == 2 && (v & 15))
			return bad_hll(ctx, "stray bits", i + 1);
		if (nd == 2)
			v <<= 12;       /* as if it were a full group */
		out[0] = (uint8_t)(v >> 16);
		out[1] = (uint8_t)(v >> 8);
		out[2] = (uint8_t)v;
		for (j = 0; j < nb; j++, o++) {
			if (out[j] > HLL_MAXREG)
				return bad_hll(ctx, "register above 51", i);
			if (reg && out[j] > reg[o])
				reg[o] = out[j];
		}
	}
	return SL_OK;
}

sl_status sl_hll_from_text(sl_hll *h, const char *text, size_t len)
{
	sl_status st;

	if (len != HLL_TEXT_LEN)
		return sl_error(h->ctx, SL_EDATA, "bad distinct sketch: %zu"
				" characters instead of %u", len, HLL_TEXT_LEN);
	/* check it all first, so that a bad text leaves h alone */
	st = hll_decode(h->ctx, text, NULL);
	if (st != SL_OK)
		return st;
	return hll_decode(h->ctx, text, h->reg);
}

/* ---- KLL ------------------------------------------------------------- */

#define KLL_K 200
#define KLL_MAX_LEVELS 64
#define KLL_SEED 0x243f6a8885a308d3ULL  /* any fixed value */

/*
 * All items sit in one array, the top level first and level 0 last:
 * level h is items[off[h] .. end(h)), where end(h) is off[h - 1], or size
 * for level 0.  A value is appended at the end; a compaction writes the
 * promoted items over the front of its level, right where the level above
 * ends, and closes the gap by moving the (small) levels below it down; a
 * new top level is an empty range at the front.  So only adding and
 * merging ever allocate.
 */
struct sl_kll {
	sl_ctx *ctx;
	uint64_t n;
	double min, max;
	uint64_t rng;
	unsigned nlevels;
	size_t size;            /* items held, every level */
	size_t alloc;           /* room in items */
	size_t max_size;        /* the levels' capacities added up */
	double *items;
	size_t off[KLL_MAX_LEVELS];
};

static inline size_t level_end(const sl_kll *s, unsigned h)
{
	return h ? s->off[h - 1] : s->size;
}

static inline size_t level_len(const sl_kll *s, unsigned h)
{
	return level_end(s, h) - s->off[h];
}

/*
 * Capacity of a level depth levels below the top: k, then two thirds of
 * the one above rounded up, at least 2.  Integer steps, so that the
 * schedule does not hang on how a libm rounds pow().
 */
static size_t kll_capacity(unsigned depth)
{
	size_t c = KLL_K;

	while (depth-- && c > 2)
		c = (2 * c + 2) / 3;
	return c < 2 ? 2 : c;
}

static size_t level_capacity(const sl_kll *s, unsigned h)
{
	return kll_capacity(s->nlevels - 1 - h);
}

static void kll_set_levels(sl_kll *s, unsigned nlevels)
{
	unsigned h;

	s->nlevels = nlevels;
	s->max_size = 0;
	for (h = 0; h < nlevels; h++)
		s->max_size += level_capacity(s, h);
}

static sl_status nomem(sl_ctx *ctx)
{
	return sl_errcode(ctx) != SL_OK ? sl_errcode(ctx) : SL_ENOMEM;
}

/* Make room for want items: doubling, up to what the levels may hold. */
static sl_status kll_reserve(sl_kll *s, size_t want)
{
	size_t alloc = s->alloc ? 2 * s->alloc : 16;
	double *p;

	if (want <= s->alloc)
		return SL_OK;
	if (alloc > s->max_size + 1)
		alloc = s->max_size + 1;
	if (alloc < want)
		alloc = want;
	if (alloc > SIZE_MAX / sizeof(double))
		return sl_error(s->ctx, SL_ENOMEM, "quantile sketch of %zu"
				" items", want);
	p = sl_mem_realloc(s->ctx, s->items, alloc * sizeof(double),
			   "sketch.kll");
	if (!p)
		return nomem(s->ctx);
	s->items = p;
	s->alloc = alloc;
	return SL_OK;
}

/* Give back room a merge needed and the sketch no longer does. */
static void kll_trim(sl_kll *s)
{
	size_t want = s->size > s->max_size ? s->size : s->max_size + 1;
	double *p;

	if (s->alloc <= want)
		return;
	/* shrinking is never refused by the budget; if libc says no,
	 * keep the larger block */
	p = sl_mem_try_realloc(s->ctx, s->items, want * sizeof(double),
			       "sketch.kll");
	if (p) {
		s->items = p;
		s->alloc = want;
	}
}

sl_kll *sl_kll_new(sl_ctx *ctx)
{
	sl_kll *s = sl_mem_alloc(ctx, sizeof(*s), "sketch.kll");

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->min = INFINITY;
	s->max = -INFINITY;
	s->rng = KLL_SEED;
	kll_set_levels(s, 1);
	return s;
}

void sl_kll_free(sl_kll *s)
{
	if (!s)
		return;
	sl_mem_free(s->items);
	sl_mem_free(s);
}

uint64_t sl_kll_count(const sl_kll *s)
{
	return s->n;
}

static uint64_t splitmix64(uint64_t *state)
{
	*state += H_GOLD;
	return sl_mix64(*state);
}

/* Sorting without the allocation qsort may make: introsort on doubles. */

static void sift_down(double *a, size_t root, size_t n)
{
	double v = a[root];
	size_t c;

	while ((c = 2 * root + 1) < n) {
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (!(a[c] > v))
			break;
		a[root] = a[c];
		root = c;
	}
	a[root] = v;
}

static void heap_sort(double *a, size_t n)
{
	size_t i;
	double t;

	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n; i-- > 1;) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		sift_down(a, 0, i);
	}
}

static void insertion_sort(double *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		double v = a[i];

		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void intro_sort(double *a, size_t n, unsigned depth)
{
	while (n > 16) {
		double t, pivot;
		size_t i, j, mid = n / 2;

		if (depth-- == 0) {
			heap_sort(a, n);
			return;
		}
		/* median of three into a[mid] */
		if (a[mid] < a[0]) {
			t = a[mid]; a[mid] = a[0]; a[0] = t;
		}
		if (a[n - 1] < a[mid]) {
			t = a[n - 1]; a[n - 1] = a[mid]; a[mid] = t;
			if (a[mid] < a[0]) {
				t = a[mid]; a[mid] = a[0]; a[0] = t;
			}
		}
		pivot = a[mid];
		/* Hoare partition: a[0..j] <= pivot <= a[j+1..n) */
		i = 0;
		j = n - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (pivot < a[j])
				j--;
			if (i >= j)
				break;
			t = a[i]; a[i] = a[j]; a[j] = t;
			i++;
			j--;
		}
		/* recurse into the smaller side, loop on the larger */
		if (j + 1 < n - j - 1) {
			intro_sort(a, j + 1, depth);
			a += j + 1;
			n -= j + 1;
		} else {
			intro_sort(a + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	insertion_sort(a, n);
}

static void sort_doubles(double *a, size_t n)
{
	unsigned depth = 0;
	size_t m;

	for (m = n; m > 1; m >>= 1)
		depth += 2;
	intro_sort(a, n, depth);
}


/*
 * Compact level h into h + 1, adding a level when h is the top.  Returns
 * 0 when it cannot (h is the 64th level: unreachable, as 2^64 values
 * would have to come first).
 */
static int kll_compact(sl_kll *s, unsigned h)
{
	size_t b = s->off[h], c = level_end(s, h), len = c - b;
	size_t odd = len & 1, moved = len / 2, from, i;
	double *a = s->items, left;
	unsigned j;

	if (h + 1 >= KLL_MAX_LEVELS)
		return 0;
	if (h + 1 == s->nlevels) {
		s->off[h + 1] = 0;      /* an empty range before the top */
		kll_set_levels(s, s->nlevels + 1);
	}
	sort_doubles(a + b, len);
	left = a[b];            /* an odd item out stays: the smallest */
	from = b + odd + (size_t)(splitmix64(&s->rng) >> 63);
	for (i = 0; i < moved; i++)     /* reads never fall behind writes */
		a[b + i] = a[from + 2 * i];
	if (odd)
		a[b + moved] = left;
	memmove(a + c - moved, a + c, (s->size - c) * sizeof(double));
	s->off[h] = b + moved;  /* level h + 1 now ends there */
	for (j = 0; j < h; j++)
		s->off[j] -= moved;
	s->size -= moved;
	return 1;
}

/* Compact until the sketch is back within its capacities. */
static void kll_compress(sl_kll *s)
{
	while (s->size > s->max_size) {
		unsigned h;

		for (h = 0; h < s->nlevels; h++)
			if (level_len(s, h) > level_capacity(s, h))
				break;
		if (h == s->nlevels || !kll_compact(s, h))
			return;         /* cannot happen: the sizes add up */
	}
}

sl_status sl_kll_add(sl_kll *s, double v)
{
	sl_status st;

	if (isnan(v))
		return SL_OK;
	st = kll_reserve(s, s->size + 1);
	if (st != SL_OK)
		return st;
	s->items[s->size++] = v;        /* level 0 is the last range */
	s->n++;
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	if (s->size > s->max_size)
		kll_compress(s);
	return SL_OK;
}

/* Copy level h of s (if it has one) to items[pos..); returns the end. */
static size_t level_copy(double *items, size_t pos, const sl_kll *s,
			 unsigned h)
{
	size_t len = h < s->nlevels ? level_len(s, h) : 0;

	if (len)        /* an empty sketch may have no array at all */
		memcpy(items + pos, s->items + s->off[h], len * sizeof(double));
	return pos + len;
}

sl_status sl_kll_merge(sl_kll *dst, const sl_kll *src)
{
	unsigned h, nlevels = dst->nlevels > src->nlevels ?
		dst->nlevels : src->nlevels;
	size_t total = dst->size + src->size, pos = 0;
	size_t off[KLL_MAX_LEVELS];
	double *items;

	if (src->n == 0)
		return SL_OK;
	if (dst->n > UINT64_MAX - src->n)
		return sl_error(dst->ctx, SL_EDATA, "bad quantile sketch: more"
				" than 2^64 - 1 values");
	if (total > SIZE_MAX / sizeof(double))
		return sl_error(dst->ctx, SL_ENOMEM, "quantile sketch of %zu"
				" items", total);
	/* a new array, laid out for both (src may be dst) */
	items = sl_mem_alloc(dst->ctx, total * sizeof(double), "sketch.kll");
	if (!items)
		return nomem(dst->ctx);
	for (h = nlevels; h-- > 0;) {
		off[h] = pos;
		pos = level_copy(items, pos, dst, h);
		pos = level_copy(items, pos, src, h);
	}
	dst->n += src->n;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	sl_mem_free(dst->items);
	dst->items = items;
	dst->alloc = dst->size = total;
	memcpy(dst->off, off, nlevels * sizeof(off[0]));
	kll_set_levels(dst, nlevels);
	kll_compress(dst);
	kll_trim(dst);
	return SL_OK;
}

double sl_kll_quantile(sl_kll *s, double q)
{
	size_t pos[KLL_MAX_LEVELS];
	uint64_t target, cum = 0;
	double t;
	unsigned h;

	if (s->n == 0)
		return NAN;
	if (!(q > 0))
		return s->min;
	if (q >= 1)
		return s->max;
	t = ceil(q * (double)s->n);
	target = t < 1 ? 1 : t >= (double)s->n ? s->n : (uint64_t)t;
	for (h = 0; h < s->nlevels; h++) {
		sort_doubles(s->items + s->off[h], level_len(s, h));
		pos[h] = s->off[h];
	}
	for (;;) {
		unsigned best = KLL_MAX_LEVELS;
		double v = 0;

		for (h = 0; h < s->nlevels; h++)
			if (pos[h] < level_end(s, h) &&
			    (best == KLL_MAX_LEVELS || s->items[pos[h]] < v)) {
				best = h;
				v = s->items[pos[h]];
			}
		if (best == KLL_MAX_LEVELS)
			return s->max;  /* weights add up to n: unreachable */
		pos[best]++;
		cum += (uint64_t)1 << best;
		if (cum >= target)
			return v;
	}
}

/* ---- KLL text form ----------------------------------------------------- */

#define DBL_TEXT_MAX 25         /* "-0x1.fffffffffffffp+1023" and a NUL */

/* Write x as printf("%a") does in the C locale; returns the length. */
static size_t fmt_hexdouble(char *out, double x)
{
	uint64_t bits, mant;
	int e, nd;
	char *p = out;

	memcpy(&bits, &x, sizeof(bits));
	if (bits >> 63)
		*p++ = '-';
	e = (int)((bits >> 52) & 0x7ff);
	mant = bits & ((1ULL << 52) - 1);
	if (e == 0x7ff) {       /* NaN is never stored */
		memcpy(p, "inf", 3);
		return (size_t)(p + 3 - out);
	}
	*p++ = '0';
	*p++ = 'x';
	if (e == 0 && mant == 0) {
		*p++ = '0';
		e = 0;
	} else if (e == 0) {
		*p++ = '0';     /* subnormal */
		e = -1022;
	} else {
		*p++ = '1';
		e -= 1023;
	}
	if (mant) {
		*p++ = '.';
		for (nd = 13; (mant & 15) == 0; nd--)
			mant >>= 4;
		while (nd--)
			*p++ = "0123456789abcdef"[(mant >> (4 * nd)) & 15];
	}
	p += sprintf(p, "p%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	return (size_t)(p - out);
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * Read a double as fmt_hexdouble() writes it from p, up to end; returns
 * where it stopped, NULL when the text is not exactly that form.
 */
static const char *parse_hexdouble(const char *p, const char *end, double *x)
{
	uint64_t sign = 0, mant = 0, bits;
	int lead, nd = 0, d, e = 0, esign;

	if (p < end && *p == '-') {
		sign = 1ULL << 63;
		p++;
	}
	if (end - p >= 3 && memcmp(p, "inf", 3) == 0) {
		bits = sign | (0x7ffULL << 52);
		memcpy(x, &bits, sizeof(*x));
		return p + 3;
	}
	if (end - p < 3 || p[0] != '0' || p[1] != 'x' ||
	    (p[2] != '0' && p[2] != '1'))
		return NULL;
	lead = p[2] - '0';
	p += 3;
	if (p < end && *p == '.') {
		for (p++; p < end && (d = hex_value(*p)) >= 0; p++, nd++) {
			if (nd == 13)
				return NULL;
			mant = mant << 4 | (uint64_t)d;
		}
		if (nd == 0 || (mant & 15) == 0)
			return NULL;    /* no digits, or a trailing zero */
		mant <<= 4 * (13 - nd);
	}
	if (end - p < 3 || *p != 'p' || (p[1] != '+' && p[1] != '-'))
		return NULL;
	esign = p[1] == '-' ? -1 : 1;
	p += 2;
	if (p[0] == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return NULL;    /* a leading zero */
	for (nd = 0; p < end && *p >= '0' && *p <= '9'; p++, nd++) {
		if (nd == 4)
			return NULL;
		e = e * 10 + (*p - '0');
	}
	if (nd == 0)
		return NULL;
	e *= esign;
	if (lead == 1 && e >= -1022 && e <= 1023)
		bits = sign | (uint64_t)(e + 1023) << 52 | mant;
	else if (lead == 0 && mant == 0 && e == 0 && esign == 1)
		bits = sign;
	else if (lead == 0 && mant != 0 && e == -1022)
		bits = sign | mant;
	else
		return NULL;
	memcpy(x, &bits, sizeof(*x));
	return p;
}

/* Append the text to out (when not NULL); returns its length. */
static size_t kll_format(const sl_kll *s, char *out)
{
	char buf[DBL_TEXT_MAX + 32];
	size_t len, total = 0, i;
	unsigned h;

#define PUT(str, n) do {                                        \
		if (out)                                        \
			memcpy(out + total, (str), (n));        \
		total += (n);                                   \
	} while (0)
	len = (size_t)snprintf(buf, sizeof(buf), "kll1;%llu;",
			       (unsigned long long)s->n);
	PUT(buf, len);
	len = fmt_hexdouble(buf, s->min);
	buf[len++] = ';';
	PUT(buf, len);
	len = fmt_hexdouble(buf, s->max);
	PUT(buf, len);
	for (h = 0; h < s->nlevels; h++) {
		PUT(";", 1);
		for (i = s->off[h]; i < level_end(s, h); i++) {
			if (i > s->off[h])
				PUT(",", 1);
			len = fmt_hexdouble(buf, s->items[i]);
			PUT(buf, len);
		}
	}
#undef PUT
	if (out)
		out[total] = '\0';
	return total;
}

char *sl_kll_to_text(const sl_kll *s)
{
	size_t len = kll_format(s, NULL);
	char *out = sl_mem_alloc(s->ctx, len + 1, "sketch.kll");

	if (out)
		kll_format(s, out);
	return out;
}

/* What the first pass over a text learns. */
typedef struct kll_head {
	uint64_t n;
	double min, max;
	unsigned nlevels;
	size_t count[KLL_MAX_LEVELS];
} kll_head;

static sl_status bad_kll(sl_ctx *ctx, const char *what, size_t off)
{
	return sl_error(ctx, SL_EDATA, "bad quantile sketch: %s at offset %zu",
			what, off);
}

/*
 * Read text: check it and fill hd when t is NULL; else (a second pass
 * over a text that passed) store the items in t's ranges.
 */
static sl_status kll_parse(sl_ctx *ctx, const char *text, size_t len,
			   kll_head *hd, sl_kll *t)
{
	const char *p = text, *end = text + len, *q;
	uint64_t n = 0, weight = 0;
	unsigned h;

	memset(hd, 0, sizeof(*hd));
	if (len < 5 || memcmp(p, "kll1;", 5) != 0)
		return bad_kll(ctx, "no 'kll1;' header", 0);
	for (p += 5; p < end && *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return bad_kll(ctx, "count too large",
				       (size_t)(p - text));
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == text + 5 || p == end || *p != ';')
		return bad_kll(ctx, "bad count", (size_t)(p - text));
	q = parse_hexdouble(++p, end, &hd->min);
	if (!q || q == end || *q != ';')
		return bad_kll(ctx, "bad minimum", (size_t)(p - text));
	p = q + 1;
	q = parse_hexdouble(p, end, &hd->max);
	if (!q)
		return bad_kll(ctx, "bad maximum", (size_t)(p - text));
	p = q;
	for (h = 0; p < end; h++) {
		if (*p != ';')
			return bad_kll(ctx, "expected ';'", (size_t)(p - text));
		if (h == KLL_MAX_LEVELS)
			return bad_kll(ctx, "too many levels",
				       (size_t)(p - text));
		p++;
		while (p < end && *p != ';') {
			double x;

			q = parse_hexdouble(p, end, &x);
			if (!q || (q < end && *q != ',' && *q != ';'))
				return bad_kll(ctx, "bad item",
					       (size_t)(p - text));
			if (n == 0 || !(x >= hd->min && x <= hd->max))
				return bad_kll(ctx, "item out of range",
					       (size_t)(p - text));
			if (weight > UINT64_MAX - ((uint64_t)1 << h))
				return bad_kll(ctx, "weights too large",
					       (size_t)(p - text));
			weight += (uint64_t)1 << h;
			if (t)
				t->items[t->off[h] + hd->count[h]] = x;
			hd->count[h]++;
			p = q;
			if (p < end && *p == ',') {
				p++;
				if (p == end || *p == ';')
					return bad_kll(ctx, "empty item",
						       (size_t)(p - text));
			}
		}
	}
	if (h == 0)
		return bad_kll(ctx, "no levels", len);
	if (weight != n)
		return sl_error(ctx, SL_EDATA, "bad quantile sketch: items"
				" weigh %llu for a count of %llu",
				(unsigned long long)weight,
				(unsigned long long)n);
	if (n && !(hd->min <= hd->max))
		return bad_kll(ctx, "minimum above maximum", 5);
	hd->n = n;
	hd->nlevels = h;
	return SL_OK;
}

sl_status sl_kll_from_text(sl_kll *s, const char *text, size_t len)
{
	kll_head hd;
	sl_kll *t;
	size_t total = 0;
	unsigned h;
	sl_status st;

	st = kll_parse(s->ctx, text, len, &hd, NULL);
	if (st != SL_OK || hd.n == 0)
		return st;
	t = sl_kll_new(s->ctx);
	if (!t)
		return nomem(s->ctx);
	for (h = hd.nlevels; h-- > 0;) {
		t->off[h] = total;
		total += hd.count[h];
	}
	kll_set_levels(t, hd.nlevels);
	st = kll_reserve(t, total);
	if (st == SL_OK) {
		t->size = total;
		t->n = hd.n;
		t->min = hd.min;
		t->max = hd.max;
		kll_parse(s->ctx, text, len, &hd, t);
		st = sl_kll_merge(s, t);
	}
	sl_kll_free(t);
	return st;
}
