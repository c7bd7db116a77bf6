/*
 * agg.c - group-by aggregation under the memory ceiling, and the partial
 * states that let separate runs be combined.
 *
 * Call order: sl_agg_new(), sl_agg_add() or sl_agg_add_partial() for
 * every record or state, then sl_agg_next() until NULL (or
 * sl_agg_write_partial() once).
 *
 * Two ways of working, chosen by sl_agg_new():
 *
 * Hash mode (every op but distinct and quantiles with keys or --exact).
 * A group holds an accumulator per value field: counts, the texts of
 * the least and greatest values, Welford's mean and M2, an exact sum (a
 * 256-bit integer scaled by a power of ten) with a compensated double
 * beside it, and the first and last values.  Groups and their strings
 * come from an arena ("agg.groups"), found through an open
 * addressing table ("agg.table").  When the two would pass half the
 * ceiling, every group is encoded as [keys..., state] and given to a
 * sorter limited to a quarter of the ceiling, which spills sorted runs,
 * and the arena is reset.  At the end, if nothing went to the sorter the
 * table is sorted in memory; else the rest goes too and the sorter's
 * merged output, in key order, is read with equal keys combined.
 *
 * Without keys there is one group, which never leaves memory.  There
 * distinct keeps a set of the values and the quantiles an array of the
 * numbers with their texts ("agg.exact") up to EXACT_MAX each, then turn
 * into a HyperLogLog and a KLL sketch (sketch.c).
 *
 * Sort mode (distinct or quantiles, with keys or --exact).  Every value
 * becomes a record [keys..., field, value, sequence] for a sorter ordered
 * by the keys, the field, the value as a number and the value's bytes.
 * Reading it back, a group's values come field by field, non-numbers
 * first (in byte order) then numbers in order, so equal values are
 * neighbours (distinct) and the numbers' ranks are their positions
 * (quantiles, once the segment's length is known: the texts of the
 * segment's numbers are kept in a buffer, or in a spill file when the
 * budget has no room).
 *
 * min, max and the exact quantiles are values of the input, printed as
 * they came; they order numbers by exact value (sl_num_order()) and
 * equal ones by their bytes, so any order of adding gives one answer.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"
#include "sluice_int.h"

#define EXACT_MAX 65536         /* distinct values or numbers kept exact */
#define SUM_DIGITS 76           /* |exact sum| < 10^76 units of its scale */
#define SUM_TEXT_MAX (SUM_DIGITS + 3)   /* "-0." and the digits */

typedef struct wide {           /* 256 bits, two's complement */
	uint64_t w[4];
} wide;

enum { T_EMPTY, T_INT, T_FLOAT, T_STRING };
enum { HASH_MODE, SORT_MODE };

static const char *const op_names[SL_AGG_NOPS] = {
	"count", "empty", "type", "min", "max", "sum", "mean", "stddev",
	"distinct", "p50", "p90", "p99", "first", "last"
};

static const double quantile_q[3] = { 0.5, 0.9, 0.99 };

#define NEED(op) (1u << (op))
#define NEED_Q (NEED(SL_AGG_P50) | NEED(SL_AGG_P90) | NEED(SL_AGG_P99))
#define NEED_MINMAX (NEED(SL_AGG_MIN) | NEED(SL_AGG_MAX))
#define NEED_SUM (NEED(SL_AGG_SUM) | NEED(SL_AGG_MEAN))

/* A string an accumulator keeps: bytes and a NUL, reused while they fit. */
typedef struct sbuf {
	char *p;                /* NULL: no value */
	uint32_t len, cap;
} sbuf;

typedef struct dentry {
	uint64_t hash;
	const char *p;          /* NULL: a free slot */
	size_t len;
} dentry;

/* A number kept exact: its double, and its text in the sketch's texts. */
typedef struct qval {
	double d;
	uint32_t off, len;
} qval;

/* Distinct values and numbers of the one group without keys. */
typedef struct sketch {
	sl_arena *strs;         /* the set's value bytes */
	dentry *set;
	size_t nset, setcap;
	sl_hll *hll;
	qval *vals;
	size_t nvals, valcap;
	char *texts;            /* the numbers' texts, each with a NUL */
	size_t tlen, tcap;
	int sorted;
	sl_kll *kll;
} sketch;

/*
 * min and max are values of the input, kept as their text: the least is
 * the least number once there is one, else the least string; the
 * greatest the greatest string once there is one, else the greatest
 * number.  So lo and hi hold one text each, with its double in min or
 * max while it is a number.
 */
typedef struct acc {
	uint64_t n, empty, nint, nfloat;
	double min, max;        /* of lo and hi, when they are numbers */
	double mean, m2;        /* Welford */
	double fsum, fcomp;     /* Neumaier's compensated sum */
	wide isum;              /* the exact sum is isum / 10^scale */
	int scale;
	int inexact;            /* a number did not fit isum */
	sbuf lo, hi;            /* the least and greatest value's text */
	sbuf first, last;
	sketch *sk;             /* hash mode without keys */
	struct exact_res *x;    /* sort mode */
} acc;

/* Sort mode: what only sorting gives. */
typedef struct exact_res {
	uint64_t first_seq, last_seq;
	uint64_t distinct;
	sbuf q[3];              /* the quantiles' texts */
	int have_q;
} exact_res;

typedef struct group {
	uint64_t hash, rows;
	sl_str *keys;
	acc accs[];
} group;

struct sl_agg {
	sl_ctx *ctx;
	sl_arena *arena;
	size_t nkeys, nfields;
	sl_agg_op *ops;
	size_t nops;
	unsigned need;
	int mode;
	sl_agg_options opt;
	uint64_t seq;
	/* hash mode */
	sl_arena *groups;
	size_t gbytes, share;
	group **table;
	size_t tcap, ngroups;
	size_t exact_bytes;     /* of the sketches' exact sets and arrays */
	unsigned char *blob;    /* an encoded state */
	size_t blen, bcap;
	sl_str *rec;            /* [keys..., extra fields] for the sorter */
	sl_str *pkeys;          /* the keys of a partial state being added */
	acc *paccs;             /* and its fields' states */
	/* both */
	sl_arena *sort_arena;   /* the sorter's, freed at the end */
	sl_sorter *sorter;
	int finished;
	group **order;          /* hash mode in memory: sorted groups */
	size_t pos;
	sl_arena *cur_arena;    /* the current group's, when from the sorter */
	group *cur;
	const sl_str *la;       /* the sorter's next record, not yet used */
	size_t la_n;
	int la_end;
	uint64_t emitted;       /* groups handed out */
	/* sort mode segment */
	char *prev;
	size_t prevlen, prevcap;
	int have_prev;
	char *qv;               /* a segment's numbers, texts ending in NUL */
	size_t qlen, qcap;
	sl_spill *qspill;
	char text[SUM_TEXT_MAX + 1];
	sl_spill_stats nostats;
};

/* ---- ops ------------------------------------------------------------------ */

const char *sl_agg_op_name(sl_agg_op op)
{
	return (unsigned)op < SL_AGG_NOPS ? op_names[op] : "?";
}

int sl_agg_op_parse(const char *name, size_t len)
{
	int i;

	for (i = 0; i < SL_AGG_NOPS; i++)
		if (strlen(op_names[i]) == len &&
		    memcmp(op_names[i], name, len) == 0)
			return i;
	return -1;
}

/* ---- numbers ----------------------------------------------------------------- */

/*
 * The exact sum counts units of 10^-scale in a 256-bit two's complement
 * integer, least significant word first.  Its magnitude stays below
 * 10^SUM_DIGITS (2^253 > 10^76), so a sum of two never overflows before
 * it is checked, and the scale is at most SUM_DIGITS.
 */
static const uint64_t sum_limit[4] = {     /* 10^76 */
	0x0ull, 0x7775a5f171951000ull, 0x0764b4abe8652979ull,
	0x161bcca7119915b5ull
};

static const uint64_t pow10_64[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
	100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull,
	10000000000000000000ull
};

static int wide_neg(const wide *x)
{
	return (int)(x->w[3] >> 63);
}

static int wide_zero(const wide *x)
{
	return !(x->w[0] | x->w[1] | x->w[2] | x->w[3]);
}

static void wide_negate(wide *x)
{
	unsigned carry = 1;
	int i;

	for (i = 0; i < 4; i++) {
		x->w[i] = ~x->w[i] + carry;
		carry = carry && x->w[i] == 0;
	}
}

/* Is the magnitude m below 10^SUM_DIGITS? */
static int below_limit(const wide *m)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (m->w[i] != sum_limit[i])
			return m->w[i] < sum_limit[i];
	return 0;
}

/* m = m * f + add; the carry out of the top word. */
static uint64_t mul_add(wide *m, uint64_t f, uint64_t add)
{
	unsigned __int128 t = add;
	int i;

	for (i = 0; i < 4; i++) {
		t += (unsigned __int128)m->w[i] * f;
		m->w[i] = (uint64_t)t;
		t >>= 64;
	}
	return (uint64_t)t;
}

/* m = m / d; the remainder. */
static uint64_t div_small(wide *m, uint64_t d)
{
	unsigned __int128 r = 0;
	int i;

	for (i = 3; i >= 0; i--) {
		r = r << 64 | m->w[i];
		m->w[i] = (uint64_t)(r / d);
		r %= d;
	}
	return (uint64_t)r;
}

/* The magnitude m = m * 10^k; 0 when that would reach 10^SUM_DIGITS. */
static int magnitude_shift(wide *m, int k)
{
	if (k <= 19 && !(m->w[1] | m->w[2] | m->w[3])) {
		/* below 10^38: no need to look at the limit */
		unsigned __int128 x = (unsigned __int128)m->w[0] *
			pow10_64[k];

		m->w[0] = (uint64_t)x;
		m->w[1] = (uint64_t)(x >> 64);
		return 1;
	}
	while (k > 0) {
		int step = k < 19 ? k : 19;

		if (mul_add(m, pow10_64[step], 0) || !below_limit(m))
			return 0;
		k -= step;
	}
	return 1;
}

/* x = x * 10^k; 0 when that would reach 10^SUM_DIGITS. */
static int wide_shift(wide *x, int k)
{
	int neg = wide_neg(x);

	if (neg)
		wide_negate(x);
	if (!magnitude_shift(x, k))
		return 0;
	if (neg)
		wide_negate(x);
	return 1;
}

/* s = s + m; 0 when |s + m| would reach 10^SUM_DIGITS. */
static int wide_add(wide *s, const wide *m)
{
	wide t;
	uint64_t top, c = 0;
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t a = s->w[i] + c;

		c = a < c;
		t.w[i] = a + m->w[i];
		c |= t.w[i] < a;
	}
	/* |t| is at most ~t + 1 when negative: a top word below the
	 * limit's is enough, the rest is checked in full */
	top = wide_neg(&t) ? ~t.w[3] : t.w[3];
	if (top >= sum_limit[3]) {
		wide mag = t;

		if (wide_neg(&mag))
			wide_negate(&mag);
		if (!below_limit(&mag))
			return 0;
	}
	*s = t;
	return 1;
}

/*
 * p[0..n), already known to be a decimal number, as m / 10^scale with
 * |m| < 10^SUM_DIGITS and 0 <= scale <= SUM_DIGITS, trailing zeros of
 * the digits dropped.  0 when it is not that simple (more digits, a
 * large exponent).  One pass: digits go into m 19 at a time, and zeros
 * are held back until a digit other than 0 shows they are not trailing.
 */
static int exact_decimal(const char *p, size_t n, wide *m, int *scale)
{
	const char *end = p + n;
	uint64_t chunk = 0;
	long nd = 0, frac = 0, zeros = 0, e = 0, sc;
	int neg = 0, point = 0, in_chunk = 0;

	memset(m, 0, sizeof(*m));
	*scale = 0;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (; p < end; p++) {
		unsigned c = (unsigned)(unsigned char)*p - '0';

		if (c > 9) {
			if (*p != '.')
				break;          /* the exponent */
			point = 1;
			continue;
		}
		frac += point;
		if (!c) {
			zeros += nd > 0;        /* leading zeros count for nothing */
			continue;
		}
		for (;;) {              /* the zeros held back, then c */
			unsigned d = zeros ? 0 : c;

			if (++nd > SUM_DIGITS)
				return 0;
			chunk = chunk * 10 + d;
			if (++in_chunk == 19) {
				mul_add(m, pow10_64[19], chunk);
				chunk = 0;
				in_chunk = 0;
			}
			if (!zeros)
				break;
			zeros--;
		}
	}
	if (!nd)
		return 1;               /* zero, whatever its exponent */
	if (p < end) {                  /* the exponent */
		int eneg = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end; p++) {
			e = e * 10 + (*p - '0');
			if (e > 100000)
				return 0;
		}
		if (eneg)
			e = -e;
	}
	if (nd == in_chunk)
		m->w[0] = chunk;        /* the common number, of 18 digits or less */
	else if (in_chunk)
		mul_add(m, pow10_64[in_chunk], chunk);
	sc = frac - zeros - e;          /* the zeros held back are dropped */
	if (sc > SUM_DIGITS || nd - sc > SUM_DIGITS)
		return 0;
	if (sc < 0 && !wide_shift(m, (int)-sc))
		return 0;
	*scale = sc < 0 ? 0 : (int)sc;
	if (neg)
		wide_negate(m);
	return 1;
}

/* *sum/10^*scale += *m/10^sc exactly; 0 when it would not fit.  *m may
 * be changed. */
static int exact_add(wide *sum, int *scale, wide *m, int sc)
{
	wide s;

	if (sc == *scale)
		return wide_add(sum, m);
	if (sc < *scale)
		return wide_shift(m, *scale - sc) && wide_add(sum, m);
	s = *sum;
	if (!wide_shift(&s, sc - *scale) || !wide_add(&s, m))
		return 0;
	*sum = s;
	*scale = sc;
	return 1;
}

/* The digits of the magnitude of sum, without factors of ten its scale
 * does not need: into d (at least SUM_DIGITS + 1 bytes), and how many;
 * *scale and *neg go with them. */
static size_t exact_digits(const wide *sum, int *scale, int *neg, char *d)
{
	char rev[SUM_DIGITS + 20];
	wide m = *sum;
	size_t n = 0, i, j;

	*neg = wide_neg(&m);
	if (*neg)
		wide_negate(&m);
	while (!wide_zero(&m)) {
		uint64_t r = div_small(&m, pow10_64[19]);

		for (i = 0; i < 19; i++, r /= 10)
			rev[n++] = (char)('0' + r % 10);
	}
	while (n > 1 && rev[n - 1] == '0')
		n--;                    /* the chunks' leading zeros */
	if (!n) {
		rev[n++] = '0';
		*neg = 0;
		*scale = 0;
	}
	for (i = 0; i < n && *scale > 0 && rev[i] == '0'; i++)
		(*scale)--;
	n -= i;
	for (j = 0; j < n; j++)
		d[j] = rev[i + n - 1 - j];
	return n;
}

/* The exact sum's text: digits, a point when the scale asks for one;
 * at most SUM_TEXT_MAX bytes and a NUL. */
static size_t exact_text(const wide *sum, int scale, char *out)
{
	char d[SUM_DIGITS + 20];
	int neg;
	size_t nd = exact_digits(sum, &scale, &neg, d), n = 0, i;

	if (neg)
		out[n++] = '-';
	if ((size_t)scale >= nd) {
		out[n++] = '0';
		out[n++] = '.';
		for (i = nd; i < (size_t)scale; i++)
			out[n++] = '0';
	}
	for (i = 0; i < nd; i++) {
		if (scale && i == nd - (size_t)scale && (size_t)scale < nd)
			out[n++] = '.';
		out[n++] = d[i];
	}
	out[n] = '\0';
	return n;
}

/*
 * sum / 10^scale / k as a double: the quotient's first 40 significant
 * digits by long division, a last 1 when the division is not exact, and
 * strtod, which rounds them correctly.  So the mean keeps every digit a
 * double holds, however many the sum has.
 */
static double exact_mean(const wide *sum, int scale, uint64_t k)
{
	char d[SUM_DIGITS + 20], q[SUM_DIGITS + 80];
	unsigned __int128 r = 0;
	size_t nd, i, nq = 0, sig = 0;
	int neg, neg_scale;

	nd = exact_digits(sum, &scale, &neg, d);
	neg_scale = scale;
	if (neg)
		q[nq++] = '-';
	for (i = 0; i < nd || (sig < 40 && r); i++) {
		unsigned digit;

		r = r * 10 + (i < nd ? (unsigned)(d[i] - '0') : 0);
		digit = (unsigned)(r / k);
		r %= k;
		if (i >= nd)
			neg_scale++;    /* a digit past the sum's last */
		if (digit || sig) {
			q[nq++] = (char)('0' + digit);
			sig++;
		}
	}
	if (r) {
		q[nq++] = '1';
		neg_scale++;
	}
	if (!sig && !r)
		return 0;
	snprintf(q + nq, sizeof(q) - nq, "e-%d", neg_scale);
	return strtod(q, NULL);
}

static void neumaier_add(double *sum, double *comp, double x)
{
	double t = *sum + x;

	if (fabs(*sum) >= fabs(x))
		*comp += (*sum - t) + x;
	else
		*comp += (x - t) + *sum;
	*sum = t;
}

/* The shortest text that reads back as v; integers without a point. */
static size_t number_text(double v, char *out, size_t cap)
{
	int prec;

	if (v == 0)
		return (size_t)snprintf(out, cap, "0");
	if (v == floor(v) && fabs(v) < 1e15)
		return (size_t)snprintf(out, cap, "%.0f", v);
	/* 15 digits give the shortest text of every number that has one of
	 * 15 digits or fewer (%g drops trailing zeros); else 16 or 17 */
	for (prec = 15; prec < 17; prec++) {
		snprintf(out, cap, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return (size_t)snprintf(out, cap, "%.*g", prec, v);
}

/* Which kind of value, and its number. */
static int classify(sl_ctx *ctx, const char *p, size_t n, double *d)
{
	size_t i;

	if (!n)
		return T_EMPTY;
	if (!sl_parse_decimal(ctx, p, n, d))
		return T_STRING;
	i = (*p == '+' || *p == '-');
	for (; i < n; i++)
		if ((unsigned)(p[i] - '0') > 9)
			return T_FLOAT;
	return T_INT;
}

static int bytes_order(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return na < nb ? -1 : na > nb;
}

/* ---- arenas of our own ------------------------------------------------------------ */

/*
 * The aggregator owns a few arenas besides the caller's.  They are newer
 * than it, so sl_ctx_free() (newest first) may free them before the
 * caller's arena runs agg_release(): each clears its owner's pointer when
 * it goes, and the owner frees only what is still there.
 */
static void forget_arena(void *arg)
{
	*(sl_arena **)arg = NULL;
}

static sl_status child_new(sl_ctx *ctx, const char *tag, sl_arena **slot)
{
	sl_arena *c = sl_arena_new(ctx, tag);

	if (!c)
		return sl_errcode(ctx);
	if (sl_arena_on_release(c, forget_arena, slot) != SL_OK) {
		sl_arena_free(c);
		return sl_errcode(ctx);
	}
	*slot = c;
	return SL_OK;
}

/* Reset (which runs the cleanups, forget_arena too) and watch again. */
static sl_status child_reset(sl_arena **slot)
{
	sl_arena *c = *slot;

	sl_arena_reset(c);
	*slot = c;
	return sl_arena_on_release(c, forget_arena, slot);
}

static void child_free(sl_arena **slot)
{
	if (*slot)
		sl_arena_free(*slot);   /* clears *slot */
	*slot = NULL;
}

/* ---- accumulators ------------------------------------------------------------ */

/* Keep a copy of p[0..n) in *s, from arena a.  0 or -1 (no memory). */
static int sbuf_set(sl_agg *g, sl_arena *a, sbuf *s, const char *p, size_t n)
{
	if (n > UINT32_MAX - 1)
		return -1;
	if (!s->p || n >= s->cap) {
		size_t cap = n < 8 ? 16 : 2 * n + 1;
		char *np;

		if (cap > UINT32_MAX)
			cap = n + 1;
		np = sl_arena_alloc(a, cap);
		if (!np)
			return -1;
		if (a == g->groups)
			g->gbytes += cap;
		s->p = np;
		s->cap = (uint32_t)cap;
	}
	if (n)
		memcpy(s->p, p, n);
	s->p[n] = '\0';
	s->len = (uint32_t)n;
	return 0;
}

static void numbers_add(acc *a, double d)
{
	uint64_t k = a->nint + a->nfloat;
	double delta;

	delta = d - a->mean;
	a->mean += delta / (double)k;
	a->m2 += delta * (d - a->mean);
	neumaier_add(&a->fsum, &a->fcomp, d);
}

/* Values that are neither empty nor numbers. */
static uint64_t strings(const acc *a)
{
	return a->n - a->empty - a->nint - a->nfloat;
}

/* The order of min and max: numbers by exact value, then by bytes. */
static int number_order(double x, const char *a, size_t an, double y,
			const char *b, size_t bn)
{
	int c = sl_num_order(x, a, an, y, b, bn);

	return c ? c : bytes_order(a, an, b, bn);
}

/*
 * Take the value p[0..n), a string or the number d, into lo and hi when
 * it is the least or the greatest so far; before it is counted.
 * 0 or -1 (no memory).
 */
static int extremes_add(sl_agg *g, acc *a, sl_arena *ar, const char *p,
			size_t n, int str, double d)
{
	uint64_t k = a->nint + a->nfloat, s = strings(a);

	if ((g->need & NEED(SL_AGG_MIN)) &&
	    (str ? !k && (!s || bytes_order(p, n, a->lo.p, a->lo.len) < 0) :
	     !k || number_order(d, p, n, a->min, a->lo.p, a->lo.len) < 0)) {
		if (sbuf_set(g, ar, &a->lo, p, n) < 0)
			return -1;
		a->min = d;
	}
	if ((g->need & NEED(SL_AGG_MAX)) &&
	    (str ? !s || bytes_order(p, n, a->hi.p, a->hi.len) > 0 :
	     !s && (!k || number_order(d, p, n, a->max, a->hi.p,
					a->hi.len) > 0))) {
		if (sbuf_set(g, ar, &a->hi, p, n) < 0)
			return -1;
		a->max = d;
	}
	return 0;
}

/* The same for src's lo and hi into dst, before src is counted in. */
static int extremes_merge(sl_agg *g, acc *dst, const acc *src, sl_arena *ar)
{
	uint64_t ka = dst->nint + dst->nfloat, sa = strings(dst);
	uint64_t kb = src->nint + src->nfloat, sb = strings(src);
	const sbuf *lo = &src->lo, *hi = &src->hi;

	if (lo->p &&
	    (kb ? !ka || number_order(src->min, lo->p, lo->len, dst->min,
				      dst->lo.p, dst->lo.len) < 0 :
	     !ka && (!dst->lo.p || bytes_order(lo->p, lo->len, dst->lo.p,
					       dst->lo.len) < 0))) {
		if (sbuf_set(g, ar, &dst->lo, lo->p, lo->len) < 0)
			return -1;
		dst->min = src->min;
	}
	if (hi->p &&
	    (sb ? !sa || bytes_order(hi->p, hi->len, dst->hi.p,
				     dst->hi.len) > 0 :
	     !sa && (!dst->hi.p || number_order(src->max, hi->p, hi->len,
						dst->max, dst->hi.p,
						dst->hi.len) > 0))) {
		if (sbuf_set(g, ar, &dst->hi, hi->p, hi->len) < 0)
			return -1;
		dst->max = src->max;
	}
	return 0;
}

/*
 * The common number, p[0..n) = [+-]digits[.digits] of 19 significant
 * digits or fewer, as *v / 10^*scale, trailing zeros after the point
 * dropped; 0 for any other.
 */
static int small_decimal(const char *p, size_t n, uint64_t *v, int *scale,
			 int *neg)
{
	const char *end = p + n;
	uint64_t x = 0;
	int nd = 0, frac = 0, point = 0;

	*neg = 0;
	if (p < end && (*p == '+' || *p == '-'))
		*neg = *p++ == '-';
	for (; p < end; p++) {
		unsigned c = (unsigned)(unsigned char)*p - '0';

		if (c > 9) {
			if (*p != '.')
				return 0;       /* an exponent */
			point = 1;
			continue;
		}
		frac += point;
		if (frac > SUM_DIGITS)
			return 0;
		if (x || c) {
			if (++nd > 19)
				return 0;
			x = x * 10 + c;
		}
	}
	while (frac && x && x % 10 == 0) {
		x /= 10;
		frac--;
	}
	*v = x;
	*scale = x ? frac : 0;
	return 1;
}

static void sum_add(acc *a, const char *p, size_t n)
{
	uint64_t v;
	wide m;
	int sc, neg;

	if (a->inexact)
		return;
	/* the common case: a number of 19 digits or fewer, no more
	 * decimals than the sum has */
	if (small_decimal(p, n, &v, &sc, &neg) && sc <= a->scale) {
		m.w[0] = v;
		m.w[1] = m.w[2] = m.w[3] = 0;
		if (sc < a->scale && !magnitude_shift(&m, a->scale - sc)) {
			a->inexact = 1;
			return;
		}
		if (neg)
			wide_negate(&m);
		if (!wide_add(&a->isum, &m))
			a->inexact = 1;
		return;
	}
	if (!exact_decimal(p, n, &m, &sc) ||
	    !exact_add(&a->isum, &a->scale, &m, sc))
		a->inexact = 1;
}

/* ---- the sketches of the group without keys ------------------------------- */

static sl_status sketch_to_hll(sl_agg *g, sketch *sk)
{
	size_t i;

	sk->hll = sl_hll_new(g->ctx);
	if (!sk->hll)
		return SL_ENOMEM;
	for (i = 0; i < sk->setcap; i++)
		if (sk->set[i].p)
			sl_hll_add(sk->hll, sk->set[i].hash);
	g->exact_bytes -= sk->setcap * sizeof(dentry);
	sl_mem_free(sk->set);
	sk->set = NULL;
	sk->nset = sk->setcap = 0;
	child_free(&sk->strs);
	return SL_OK;
}

static sl_status sketch_to_kll(sl_agg *g, sketch *sk)
{
	size_t i;

	sk->kll = sl_kll_new(g->ctx);
	if (!sk->kll)
		return SL_ENOMEM;
	for (i = 0; i < sk->nvals; i++)
		if (sl_kll_add(sk->kll, sk->vals[i].d) != SL_OK)
			return SL_ENOMEM;
	g->exact_bytes -= sk->valcap * sizeof(qval) + sk->tcap;
	sl_mem_free(sk->vals);
	sl_mem_free(sk->texts);
	sk->vals = NULL;
	sk->texts = NULL;
	sk->nvals = sk->valcap = sk->tlen = sk->tcap = 0;
	return SL_OK;
}

/* Room for bytes more of exact state? */
static int exact_room(sl_agg *g, size_t bytes)
{
	return g->exact_bytes + bytes <= sl_mem_ceiling(g->ctx) / 4;
}

static sl_status sketch_distinct(sl_agg *g, sketch *sk, const char *p,
				 size_t n)
{
	uint64_t h = sl_hash64(p, n);
	size_t i, mask;

	if (sk->hll) {
		sl_hll_add(sk->hll, h);
		return SL_OK;
	}
	if (sk->setcap) {
		mask = sk->setcap - 1;
		for (i = h & mask; sk->set[i].p; i = (i + 1) & mask)
			if (sk->set[i].hash == h && sk->set[i].len == n &&
			    memcmp(sk->set[i].p, p, n) == 0)
				return SL_OK;
	}
	if (sk->nset == EXACT_MAX || !exact_room(g, n + sizeof(dentry)))
		goto sketch;
	if (2 * (sk->nset + 1) > sk->setcap) {
		size_t cap = sk->setcap ? 2 * sk->setcap : 64, j;
		dentry *t;

		if (!exact_room(g, cap * sizeof(dentry)))
			goto sketch;
		t = sl_mem_try_alloc(g->ctx, cap * sizeof(dentry),
				     "agg.exact");
		if (!t)
			goto sketch;
		memset(t, 0, cap * sizeof(dentry));
		for (j = 0; j < sk->setcap; j++) {
			dentry *e = &sk->set[j];

			if (!e->p)
				continue;
			for (i = e->hash & (cap - 1); t[i].p;
			     i = (i + 1) & (cap - 1))
				;
			t[i] = *e;
		}
		g->exact_bytes += (cap - sk->setcap) * sizeof(dentry);
		sl_mem_free(sk->set);
		sk->set = t;
		sk->setcap = cap;
	}
	if (!sk->strs && child_new(g->ctx, "agg.exact", &sk->strs) != SL_OK)
		return SL_ENOMEM;
	mask = sk->setcap - 1;
	for (i = h & mask; sk->set[i].p; i = (i + 1) & mask)
		;
	sk->set[i].p = sl_arena_strndup(sk->strs, p, n);
	if (!sk->set[i].p)
		return SL_ENOMEM;
	sk->set[i].hash = h;
	sk->set[i].len = n;
	sk->nset++;
	g->exact_bytes += n + 1;
	return SL_OK;
sketch:
	if (sketch_to_hll(g, sk) != SL_OK)
		return SL_ENOMEM;
	sl_hll_add(sk->hll, h);
	return SL_OK;
}

/* Keep the number d, of text p[0..n), exact while there is room. */
static sl_status sketch_number(sl_agg *g, sketch *sk, double d, const char *p,
			       size_t n)
{
	if (sk->kll)
		return sl_kll_add(sk->kll, d);
	if (sk->nvals == sk->valcap) {
		size_t cap = sk->valcap ? 2 * sk->valcap : 256;
		qval *v = NULL;

		if (cap > EXACT_MAX)
			cap = EXACT_MAX;
		if (sk->nvals < EXACT_MAX &&
		    exact_room(g, (cap - sk->valcap) * sizeof(qval)))
			v = sl_mem_try_realloc(g->ctx, sk->vals,
					       cap * sizeof(qval),
					       "agg.exact");
		if (!v)
			goto sketch;
		g->exact_bytes += (cap - sk->valcap) * sizeof(qval);
		sk->vals = v;
		sk->valcap = cap;
	}
	if (n + 1 > sk->tcap - sk->tlen) {
		size_t cap = 2 * sk->tcap > sk->tlen + n + 1 ?
			2 * sk->tcap : sk->tlen + n + 1024;
		char *t = NULL;

		if (cap <= UINT32_MAX && exact_room(g, cap - sk->tcap))
			t = sl_mem_try_realloc(g->ctx, sk->texts, cap,
					       "agg.exact");
		if (!t)
			goto sketch;
		g->exact_bytes += cap - sk->tcap;
		sk->texts = t;
		sk->tcap = cap;
	}
	sk->vals[sk->nvals].d = d;
	sk->vals[sk->nvals].off = (uint32_t)sk->tlen;
	sk->vals[sk->nvals].len = (uint32_t)n;
	sk->nvals++;
	memcpy(sk->texts + sk->tlen, p, n);
	sk->texts[sk->tlen + n] = '\0';
	sk->tlen += n + 1;
	sk->sorted = 0;
	return SL_OK;
sketch:
	if (sketch_to_kll(g, sk) != SL_OK)
		return SL_ENOMEM;
	return sl_kll_add(sk->kll, d);
}

static void sketch_free(sketch *sk)
{
	if (!sk)
		return;
	sl_mem_free(sk->set);
	child_free(&sk->strs);
	sl_hll_free(sk->hll);
	sl_mem_free(sk->vals);
	sl_mem_free(sk->texts);
	sl_kll_free(sk->kll);
	sk->set = NULL;
	sk->hll = NULL;
	sk->vals = NULL;
	sk->texts = NULL;
	sk->kll = NULL;
}

static void sketch_release(void *arg)
{
	sketch_free(arg);
}

/* ---- adding a value ----------------------------------------------------------- */

/* Add one value to an accumulator; strings it keeps come from arena a. */
static sl_status acc_add(sl_agg *g, acc *a, sl_arena *ar, const sl_str *v,
			 uint64_t seq, int *type, double *num)
{
	double d = 0;
	int t = classify(g->ctx, v->ptr, v->len, &d);

	/* in hash mode values come in order; sorted ones carry seq */
	if ((g->need & NEED(SL_AGG_FIRST)) &&
	    (!a->first.p || (a->x && seq < a->x->first_seq))) {
		if (sbuf_set(g, ar, &a->first, v->ptr, v->len) < 0)
			return SL_ENOMEM;
		if (a->x)
			a->x->first_seq = seq;
	}
	if ((g->need & NEED(SL_AGG_LAST)) &&
	    (!a->last.p || !a->x || seq >= a->x->last_seq)) {
		if (sbuf_set(g, ar, &a->last, v->ptr, v->len) < 0)
			return SL_ENOMEM;
		if (a->x)
			a->x->last_seq = seq;
	}
	if (type) {
		*type = t;
		*num = d;
	}
	if (a->sk && (g->need & NEED(SL_AGG_DISTINCT)) &&
	    sketch_distinct(g, a->sk, v->ptr, v->len) != SL_OK)
		return SL_ENOMEM;
	if (t != T_EMPTY && (g->need & NEED_MINMAX) &&
	    extremes_add(g, a, ar, v->ptr, v->len, t == T_STRING, d) < 0)
		return SL_ENOMEM;
	a->n++;
	switch (t) {
	case T_EMPTY:
		a->empty++;
		return SL_OK;
	case T_STRING:
		return SL_OK;
	case T_INT:
		a->nint++;
		break;
	default:
		a->nfloat++;
		break;
	}
	numbers_add(a, d);
	if (g->need & NEED_SUM)
		sum_add(a, v->ptr, v->len);
	if (a->sk && (g->need & NEED_Q))
		return sketch_number(g, a->sk, d, v->ptr, v->len);
	return SL_OK;
}

/* Combine src into dst (src added after dst).  Strings from arena ar. */
static sl_status acc_merge(sl_agg *g, acc *dst, const acc *src, sl_arena *ar)
{
	uint64_t na = dst->nint + dst->nfloat, nb = src->nint + src->nfloat;
	wide m = src->isum;

	if (src->first.p && !dst->first.p &&
	    sbuf_set(g, ar, &dst->first, src->first.p, src->first.len) < 0)
		return SL_ENOMEM;
	if (src->last.p &&
	    sbuf_set(g, ar, &dst->last, src->last.p, src->last.len) < 0)
		return SL_ENOMEM;
	if (extremes_merge(g, dst, src, ar) < 0)
		return SL_ENOMEM;
	dst->n += src->n;
	dst->empty += src->empty;
	dst->nint += src->nint;
	dst->nfloat += src->nfloat;
	if (nb) {
		if (!na) {
			dst->mean = src->mean;
			dst->m2 = src->m2;
		} else {
			double n = (double)(na + nb);
			double delta = src->mean - dst->mean;

			dst->mean += delta * ((double)nb / n);
			dst->m2 += src->m2 + delta * delta *
				((double)na * (double)nb / n);
		}
		neumaier_add(&dst->fsum, &dst->fcomp, src->fsum);
		dst->fcomp += src->fcomp;
	}
	if (src->inexact)
		dst->inexact = 1;
	else if (!dst->inexact &&
		 !exact_add(&dst->isum, &dst->scale, &m, src->scale))
		dst->inexact = 1;
	return SL_OK;
}

/* ---- the text of a result ------------------------------------------------------ */

/* qvals in the order of min and max; arg is the texts. */
static int by_value(const void *x, const void *y, void *arg)
{
	const qval *a = x, *b = y;
	const char *t = arg;

	return number_order(a->d, t + a->off, a->len, b->d, t + b->off,
			    b->len);
}

/* The number of nearest rank ceil(q * n), 1-based, of n sorted ones. */
static size_t rank_of(double q, uint64_t n)
{
	double r = ceil(q * (double)n);

	return r < 1 ? 1 : (size_t)r;
}

/* Quantile j: an input's text while exact, else the sketch's double. */
static sl_str sketch_quantile(sl_agg *g, sketch *sk, int j)
{
	sl_str r = { g->text, 0 };
	const qval *v;

	if (sk->kll) {
		r.len = number_text(sl_kll_quantile(sk->kll, quantile_q[j]),
				    g->text, sizeof(g->text));
		return r;
	}
	if (!sk->sorted) {
		qsort_r(sk->vals, sk->nvals, sizeof(qval), by_value,
			sk->texts);
		sk->sorted = 1;
	}
	v = &sk->vals[rank_of(quantile_q[j], sk->nvals) - 1];
	r.ptr = sk->texts + v->off;
	r.len = v->len;
	return r;
}

static sl_str result(sl_agg *g, acc *a, sl_agg_op op)
{
	uint64_t k = a->nint + a->nfloat;
	sl_str r = { g->text, 0 };
	const sbuf *s = NULL;
	double v;

	g->text[0] = '\0';
	switch (op) {
	case SL_AGG_COUNT:
		r.len = (size_t)snprintf(g->text, sizeof(g->text), "%llu",
					 (unsigned long long)a->n);
		return r;
	case SL_AGG_EMPTY:
		r.len = (size_t)snprintf(g->text, sizeof(g->text), "%llu",
					 (unsigned long long)a->empty);
		return r;
	case SL_AGG_TYPE:
		r.ptr = a->n == a->empty ? "empty" :
			a->n - a->empty > k ? "string" :
			a->nfloat ? "float" : "int";
		r.len = strlen(r.ptr);
		return r;
	case SL_AGG_MIN:
		s = &a->lo;
		break;
	case SL_AGG_MAX:
		s = &a->hi;
		break;
	case SL_AGG_SUM:
		if (!k)
			return r;
		if (!a->inexact)
			r.len = exact_text(&a->isum, a->scale, g->text);
		else
			r.len = number_text(a->fsum + a->fcomp, g->text,
					    sizeof(g->text));
		return r;
	case SL_AGG_MEAN:
		if (!k)
			return r;
		if (!a->inexact)
			v = exact_mean(&a->isum, a->scale, k);
		else
			v = (a->fsum + a->fcomp) / (double)k;
		r.len = number_text(v, g->text, sizeof(g->text));
		return r;
	case SL_AGG_STDDEV:
		if (k < 2)
			return r;
		v = sqrt((a->m2 > 0 ? a->m2 : 0) / (double)(k - 1));
		r.len = number_text(v, g->text, sizeof(g->text));
		return r;
	case SL_AGG_DISTINCT:
		if (a->sk)
			v = a->sk->hll ? round(sl_hll_estimate(a->sk->hll)) :
				(double)a->sk->nset;
		else
			v = a->x ? (double)a->x->distinct : 0;
		r.len = (size_t)snprintf(g->text, sizeof(g->text), "%.0f", v);
		return r;
	case SL_AGG_P50:
	case SL_AGG_P90:
	case SL_AGG_P99:
		if (!k)
			return r;
		if (a->sk)
			return sketch_quantile(g, a->sk, op - SL_AGG_P50);
		if (!a->x || !a->x->have_q)
			return r;
		s = &a->x->q[op - SL_AGG_P50];
		break;
	case SL_AGG_FIRST:
		s = &a->first;
		break;
	case SL_AGG_LAST:
		s = &a->last;
		break;
	default:
		return r;
	}
	if (s && s->p) {
		r.ptr = s->p;
		r.len = s->len;
	}
	return r;
}

/* ---- the group table ------------------------------------------------------------ */

static uint64_t keys_hash(const sl_str *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (n == 1)
		return sl_hash64(k[0].ptr, k[0].len);
	for (i = 0; i < n; i++)
		h = (h ^ sl_hash64(k[i].ptr, k[i].len)) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

static int keys_order(const sl_str *a, const sl_str *b, size_t n)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++)
		if ((c = bytes_order(a[i].ptr, a[i].len, b[i].ptr,
				     b[i].len)) != 0)
			return c;
	return 0;
}

static size_t group_size(const sl_agg *g)
{
	return sizeof(group) + g->nfields * sizeof(acc);
}

/* A new group with copies of keys, from arena ar; NULL without memory. */
static group *group_new(sl_agg *g, sl_arena *ar, const sl_str *keys,
			uint64_t hash)
{
	size_t size = group_size(g) + g->nkeys * sizeof(sl_str), i;
	group *gr;
	char *p;

	for (i = 0; i < g->nkeys; i++)
		size += keys[i].len + 1;
	gr = sl_arena_alloc(ar, size);
	if (!gr)
		return NULL;
	memset(gr, 0, group_size(g));
	gr->hash = hash;
	gr->keys = (sl_str *)((char *)gr + group_size(g));
	p = (char *)(gr->keys + g->nkeys);
	for (i = 0; i < g->nkeys; i++) {
		if (keys[i].len)
			memcpy(p, keys[i].ptr, keys[i].len);
		p[keys[i].len] = '\0';
		gr->keys[i].ptr = p;
		gr->keys[i].len = keys[i].len;
		p += keys[i].len + 1;
	}
	if (ar == g->groups)
		g->gbytes += size;
	return gr;
}

/*
 * A group's state for the sorter: varint(rows), then per field a flags
 * byte, varints n, empty, nint and nfloat, the doubles the ops need when
 * there are numbers (mean and M2; the compensated sum), the exact sum as
 * a zigzag varint and its scale, and the strings the ops keep (lo, hi,
 * first, last) as varint(length) and bytes.  The doubles of lo and hi
 * are read again from their text.
 */
enum { F_INEXACT = 1, F_LO = 2, F_HI = 4, F_FIRST = 8, F_LAST = 16 };

#define NEED_MOMENTS (NEED(SL_AGG_MEAN) | NEED(SL_AGG_STDDEV))

static void put_bytes(sl_agg *g, const void *p, size_t n)
{
	memcpy(g->blob + g->blen, p, n);
	g->blen += n;
}

static void put_varint(sl_agg *g, unsigned __int128 v)
{
	while (v >= 0x80) {
		g->blob[g->blen++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	g->blob[g->blen++] = (unsigned char)v;
}

/* The exact sum as a varint of its magnitude shifted left by one with
 * the sign in bit 0 (at most 37 bytes, as the magnitude is below 2^253). */
static void put_wide(sl_agg *g, const wide *x)
{
	wide z = *x;
	uint64_t sign = (uint64_t)wide_neg(&z);
	int i;

	if (sign)
		wide_negate(&z);
	for (i = 3; i > 0; i--)
		z.w[i] = z.w[i] << 1 | z.w[i - 1] >> 63;
	z.w[0] = z.w[0] << 1 | sign;
	for (;;) {
		unsigned char b = (unsigned char)(z.w[0] & 0x7f);

		for (i = 0; i < 3; i++)
			z.w[i] = z.w[i] >> 7 | z.w[i + 1] << 57;
		z.w[3] >>= 7;
		if (wide_zero(&z)) {
			g->blob[g->blen++] = b;
			return;
		}
		g->blob[g->blen++] = b | 0x80;
	}
}

static void put_str(sl_agg *g, const sbuf *s)
{
	put_varint(g, s->len);
	put_bytes(g, s->p, s->len);
}

/* Encode a group's state into g->blob.  0 or -1. */
static int encode(sl_agg *g, const group *gr)
{
	size_t need = 10, f;

	for (f = 0; f < g->nfields; f++) {
		const acc *a = &gr->accs[f];

		need += 1 + 4 * 10 + 4 * 8 + 37 + 1 + 4 * 5 + a->lo.len +
			a->hi.len + a->first.len + a->last.len;
	}
	if (need > g->bcap) {
		unsigned char *b = sl_mem_realloc(g->ctx, g->blob, need,
						  "agg.blob");

		if (!b)
			return -1;
		g->blob = b;
		g->bcap = need;
	}
	g->blen = 0;
	put_varint(g, gr->rows);
	for (f = 0; f < g->nfields; f++) {
		const acc *a = &gr->accs[f];
		unsigned char flags = (a->inexact ? F_INEXACT : 0) |
			(a->lo.p ? F_LO : 0) | (a->hi.p ? F_HI : 0) |
			(a->first.p ? F_FIRST : 0) |
			(a->last.p ? F_LAST : 0);

		g->blob[g->blen++] = flags;
		put_varint(g, a->n);
		put_varint(g, a->empty);
		put_varint(g, a->nint);
		put_varint(g, a->nfloat);
		if (a->nint + a->nfloat) {
			if (g->need & NEED_MOMENTS) {
				put_bytes(g, &a->mean, sizeof(double));
				put_bytes(g, &a->m2, sizeof(double));
			}
			if (g->need & NEED_SUM) {
				put_bytes(g, &a->fsum, sizeof(double));
				put_bytes(g, &a->fcomp, sizeof(double));
			}
		}
		if ((g->need & NEED_SUM) && !a->inexact) {
			put_wide(g, &a->isum);
			g->blob[g->blen++] = (unsigned char)a->scale;
		}
		if (a->lo.p)
			put_str(g, &a->lo);
		if (a->hi.p)
			put_str(g, &a->hi);
		if (a->first.p)
			put_str(g, &a->first);
		if (a->last.p)
			put_str(g, &a->last);
	}
	return 0;
}

static const unsigned char *get_varint(const unsigned char *p,
				       unsigned __int128 *v)
{
	unsigned shift = 0;

	*v = 0;
	for (;; p++, shift += 7) {
		*v |= (unsigned __int128)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return p + 1;
	}
}

static const unsigned char *get_wide(const unsigned char *p, wide *x)
{
	unsigned shift;
	uint64_t sign;
	int i;

	memset(x, 0, sizeof(*x));
	for (shift = 0;; p++, shift += 7) {
		uint64_t b = *p & 0x7f;

		if (shift < 256) {
			x->w[shift / 64] |= b << (shift % 64);
			if (shift % 64 > 57 && shift / 64 < 3)
				x->w[shift / 64 + 1] |= b >> (64 - shift % 64);
		}
		if (!(*p & 0x80))
			break;
	}
	sign = x->w[0] & 1;
	for (i = 0; i < 3; i++)
		x->w[i] = x->w[i] >> 1 | x->w[i + 1] << 63;
	x->w[3] >>= 1;
	if (sign)
		wide_negate(x);
	return p + 1;
}

static const unsigned char *get_u64(const unsigned char *p, uint64_t *v)
{
	unsigned __int128 u;

	p = get_varint(p, &u);
	*v = (uint64_t)u;
	return p;
}

static const unsigned char *get_double(const unsigned char *p, double *d)
{
	memcpy(d, p, sizeof(double));
	return p + sizeof(double);
}

static const unsigned char *get_str(const unsigned char *p, sbuf *s)
{
	uint64_t len;

	p = get_u64(p, &len);
	s->p = (char *)p;      /* read only: acc_merge copies it */
	s->len = (uint32_t)len;
	return p + len;
}

/* Combine an encoded state into gr. */
static sl_status decode_merge(sl_agg *g, group *gr, const sl_str *blob,
			      sl_arena *ar)
{
	const unsigned char *p = (const unsigned char *)blob->ptr;
	uint64_t rows;
	size_t f;
	acc a;

	p = get_u64(p, &rows);
	gr->rows += rows;
	for (f = 0; f < g->nfields; f++) {
		unsigned char flags = *p++;

		memset(&a, 0, sizeof(a));
		a.inexact = flags & F_INEXACT;
		p = get_u64(p, &a.n);
		p = get_u64(p, &a.empty);
		p = get_u64(p, &a.nint);
		p = get_u64(p, &a.nfloat);
		if (a.nint + a.nfloat) {
			if (g->need & NEED_MOMENTS) {
				p = get_double(p, &a.mean);
				p = get_double(p, &a.m2);
			}
			if (g->need & NEED_SUM) {
				p = get_double(p, &a.fsum);
				p = get_double(p, &a.fcomp);
			}
		}
		if ((g->need & NEED_SUM) && !a.inexact) {
			p = get_wide(p, &a.isum);
			a.scale = *p++;
		}
		if (flags & F_LO)
			p = get_str(p, &a.lo);
		if (flags & F_HI)
			p = get_str(p, &a.hi);
		if (flags & F_FIRST)
			p = get_str(p, &a.first);
		if (flags & F_LAST)
			p = get_str(p, &a.last);
		if (a.lo.p && a.nint + a.nfloat)
			sl_parse_decimal(g->ctx, a.lo.p, a.lo.len, &a.min);
		if (a.hi.p && !strings(&a))
			sl_parse_decimal(g->ctx, a.hi.p, a.hi.len, &a.max);
		if (acc_merge(g, &gr->accs[f], &a, ar) != SL_OK)
			return sl_error(g->ctx, SL_ENOMEM, "no memory for a"
					" group's strings");
	}
	return SL_OK;
}

static sl_status new_sorter(sl_agg *g, const sl_sort_key *keys, size_t n)
{
	sl_sort_options so = { 0 };

	so.tmpdir = g->opt.tmpdir;
	so.level = g->opt.level;
	so.tmp_limit = g->opt.tmp_limit;
	so.mem_limit = sl_mem_ceiling(g->ctx) / 4;
	if (child_new(g->ctx, "agg.sort", &g->sort_arena) != SL_OK)
		return sl_errcode(g->ctx);
	g->sorter = sl_sorter_new(g->sort_arena, keys, n, &so);
	return g->sorter ? SL_OK : sl_errcode(g->ctx);
}

/* Hand every group to the sorter and empty the table. */
static sl_status flush(sl_agg *g)
{
	size_t i;

	if (!g->sorter) {
		sl_sort_key *keys = sl_arena_alloc(g->arena, g->nkeys *
						   sizeof(*keys));

		if (!keys)
			return SL_ENOMEM;
		memset(keys, 0, g->nkeys * sizeof(*keys));
		for (i = 0; i < g->nkeys; i++)
			keys[i].field = i;
		if (new_sorter(g, keys, g->nkeys) != SL_OK)
			return sl_errcode(g->ctx);
	}
	for (i = 0; i < g->tcap; i++) {
		group *gr = g->table[i];

		if (!gr)
			continue;
		if (encode(g, gr) < 0)
			return sl_errcode(g->ctx);
		memcpy(g->rec, gr->keys, g->nkeys * sizeof(sl_str));
		g->rec[g->nkeys].ptr = (const char *)g->blob;
		g->rec[g->nkeys].len = g->blen;
		if (sl_sorter_add(g->sorter, g->rec, g->nkeys + 1) != SL_OK)
			return sl_errcode(g->ctx);
		g->table[i] = NULL;
	}
	g->ngroups = 0;
	g->gbytes = g->tcap * sizeof(group *);
	return child_reset(&g->groups);
}

/* Grow the table to twice its size; -1 when it has no room. */
static int table_grow(sl_agg *g)
{
	size_t cap = g->tcap ? 2 * g->tcap : 1024, i, j;
	group **t;

	if (g->nkeys && g->gbytes + cap * sizeof(group *) > g->share)
		return -1;
	t = sl_mem_try_alloc(g->ctx, cap * sizeof(group *), "agg.table");
	if (!t)
		return -1;
	memset(t, 0, cap * sizeof(group *));
	for (i = 0; i < g->tcap; i++) {
		group *gr = g->table[i];

		if (!gr)
			continue;
		for (j = gr->hash & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
			;
		t[j] = gr;
	}
	sl_mem_free(g->table);
	g->gbytes += (cap - g->tcap) * sizeof(group *);
	g->table = t;
	g->tcap = cap;
	return 0;
}

/* The group of keys, made if new (flushing the table when it is full). */
static group *find_group(sl_agg *g, const sl_str *keys, size_t extra)
{
	uint64_t h = keys_hash(keys, g->nkeys);
	size_t i, need = group_size(g) + extra;
	group *gr;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (g->tcap) {
			size_t mask = g->tcap - 1;

			for (i = h & mask; (gr = g->table[i]) != NULL;
			     i = (i + 1) & mask)
				if (gr->hash == h &&
				    keys_order(gr->keys, keys, g->nkeys) == 0)
					return gr;
		}
		for (i = 0; i < g->nkeys; i++)
			need += keys[i].len + 1 + sizeof(sl_str);
		if (g->nkeys && g->gbytes + need > g->share) {
			if (flush(g) != SL_OK)
				return NULL;
			continue;
		}
		if (2 * (g->ngroups + 1) > g->tcap && table_grow(g) < 0) {
			if (!g->ngroups)
				break;
			if (flush(g) != SL_OK)
				return NULL;
			continue;
		}
		gr = group_new(g, g->groups, keys, h);
		if (!gr)
			return NULL;
		for (i = h & (g->tcap - 1); g->table[i];
		     i = (i + 1) & (g->tcap - 1))
			;
		g->table[i] = gr;
		g->ngroups++;
		return gr;
	}
	sl_error(g->ctx, SL_ENOMEM, "no memory for a group under the ceiling"
		 " (raise --max-memory)");
	return NULL;
}

/* ---- making one -------------------------------------------------------------- */

/*
 * What the table may use: half of what the ceiling leaves after the
 * sorter's spill writer (two chunks and a deflate state), a block of its
 * records and the reading and writing around (four chunks).
 */
static size_t group_share(sl_ctx *ctx)
{
	size_t cap = sl_mem_ceiling(ctx), chunk = sl_ctx_chunk_size(ctx);
	size_t other = 6 * chunk + (320 << 10) + (64 << 10);

	if (cap / 8 > other)
		return cap / 2;
	return cap > other + (128 << 10) ? (cap - other) / 2 : 64 << 10;
}

static void agg_release(void *arg)
{
	sl_agg *g = arg;

	sl_mem_free(g->table);
	sl_mem_free(g->blob);
	sl_mem_free(g->order);
	sl_mem_free(g->prev);
	sl_mem_free(g->qv);
	child_free(&g->groups);
	child_free(&g->cur_arena);
	child_free(&g->sort_arena);
	g->table = NULL;
	g->blob = NULL;
	g->order = NULL;
	g->prev = NULL;
	g->qv = NULL;
}

sl_agg *sl_agg_new(sl_arena *a, size_t nkeys, size_t nfields,
		   const sl_agg_op *ops, size_t nops,
		   const sl_agg_options *opt)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	sl_agg *g;
	size_t i;

	for (i = 0; i < nops; i++)
		if ((unsigned)ops[i] >= SL_AGG_NOPS) {
			sl_error(ctx, SL_EINVAL, "unknown aggregate %d",
				 (int)ops[i]);
			return NULL;
		}
	g = sl_arena_alloc(a, sizeof(*g));
	if (!g)
		return NULL;
	memset(g, 0, sizeof(*g));
	g->ctx = ctx;
	g->arena = a;
	g->nkeys = nkeys;
	g->nfields = nfields;
	if (opt)
		g->opt = *opt;
	g->ops = sl_arena_alloc(a, (nops ? nops : 1) * sizeof(*ops));
	g->rec = sl_arena_alloc(a, (nkeys + 3) * sizeof(sl_str));
	g->pkeys = sl_arena_alloc(a, (nkeys + 1) * sizeof(sl_str));
	g->paccs = sl_arena_alloc(a, (nfields + 1) * sizeof(acc));
	if (!g->ops || !g->rec || !g->pkeys || !g->paccs ||
	    sl_arena_on_release(a, agg_release, g) != SL_OK)
		return NULL;
	if (nops)
		memcpy(g->ops, ops, nops * sizeof(*ops));
	g->nops = nops;
	for (i = 0; i < nops; i++)
		g->need |= NEED(ops[i]);
	g->mode = (g->need & (NEED(SL_AGG_DISTINCT) | NEED_Q)) &&
		(nkeys || g->opt.exact) ? SORT_MODE : HASH_MODE;
	g->share = group_share(ctx);
	if (g->mode == SORT_MODE) {
		sl_sort_key *k = sl_arena_alloc(a, (nkeys + 3) * sizeof(*k));

		if (!k)
			return NULL;
		memset(k, 0, (nkeys + 3) * sizeof(*k));
		for (i = 0; i < nkeys + 3; i++)
			k[i].field = i < nkeys + 2 ? i : nkeys + 1;
		k[nkeys + 1].numeric = 1;     /* the value, as a number */
		if (new_sorter(g, k, nkeys + 3) != SL_OK)
			return NULL;
		return g;
	}
	if (child_new(ctx, "agg.groups", &g->groups) != SL_OK)
		return NULL;
	if (!nkeys) {   /* the one group, made now, with its sketches */
		group *gr = find_group(g, NULL, 0);

		if (!gr)
			return NULL;
		for (i = 0; i < nfields; i++) {
			if (!(g->need & (NEED(SL_AGG_DISTINCT) | NEED_Q)))
				break;
			gr->accs[i].sk = sl_arena_alloc(a, sizeof(sketch));
			if (!gr->accs[i].sk)
				return NULL;
			memset(gr->accs[i].sk, 0, sizeof(sketch));
			if (sl_arena_on_release(a, sketch_release,
						gr->accs[i].sk) != SL_OK)
				return NULL;
		}
	}
	return g;
}

/* ---- adding -------------------------------------------------------------------- */

static sl_status add_sorted(sl_agg *g, const sl_str *keys,
			    const sl_str *values)
{
	char fnum[24], snum[24];
	size_t f;

	if (g->nkeys)
		memcpy(g->rec, keys, g->nkeys * sizeof(sl_str));
	snprintf(snum, sizeof(snum), "%016llx", (unsigned long long)g->seq);
	for (f = 0; f < g->nfields; f++) {
		g->rec[g->nkeys].ptr = fnum;
		g->rec[g->nkeys].len = (size_t)snprintf(fnum, sizeof(fnum),
							"%016zx", f);
		g->rec[g->nkeys + 1] = values[f];
		g->rec[g->nkeys + 2].ptr = snum;
		g->rec[g->nkeys + 2].len = 16;
		if (sl_sorter_add(g->sorter, g->rec, g->nkeys + 3) != SL_OK)
			return sl_errcode(g->ctx);
	}
	g->seq++;
	return SL_OK;
}

sl_status sl_agg_add(sl_agg *g, const sl_str *keys, const sl_str *values)
{
	group *gr;
	size_t f;

	if (sl_failed(g->ctx))
		return sl_errcode(g->ctx);
	if (g->finished)
		return sl_error(g->ctx, SL_EINVAL, "sl_agg_add after the end");
	if (g->mode == SORT_MODE)
		return add_sorted(g, keys, values);
	gr = find_group(g, keys, 0);
	if (!gr)
		return sl_errcode(g->ctx);
	gr->rows++;
	for (f = 0; f < g->nfields; f++) {
		if (acc_add(g, &gr->accs[f], g->groups, &values[f], g->seq,
			    NULL, NULL) != SL_OK) {
			if (!sl_failed(g->ctx))
				sl_error(g->ctx, SL_ENOMEM, "no memory to"
					 " aggregate a value of %zu bytes"
					 " (raise --max-memory)",
					 values[f].len);
			return sl_errcode(g->ctx);
		}
	}
	g->seq++;
	return SL_OK;
}

/* ---- the end: groups in key order ------------------------------------------------ */

static int group_order(const void *x, const void *y, void *arg)
{
	const sl_agg *g = arg;
	const group *a = *(group *const *)x, *b = *(group *const *)y;

	return keys_order(a->keys, b->keys, g->nkeys);
}

static sl_status finish(sl_agg *g)
{
	size_t i, n = 0;

	g->finished = 1;
	if (g->mode == HASH_MODE && !g->sorter) {
		g->order = sl_mem_alloc(g->ctx, (g->ngroups ? g->ngroups : 1) *
					sizeof(group *), "agg.table");
		if (!g->order)
			return SL_ENOMEM;
		for (i = 0; i < g->tcap; i++)
			if (g->table[i])
				g->order[n++] = g->table[i];
		qsort_r(g->order, n, sizeof(group *), group_order, g);
		return SL_OK;
	}
	if (g->mode == HASH_MODE) {
		if (flush(g) != SL_OK)
			return sl_errcode(g->ctx);
		sl_mem_free(g->table);   /* room for the merge's readers */
		g->table = NULL;
		g->tcap = 0;
		child_free(&g->groups);
	}
	if (child_new(g->ctx, "agg.current", &g->cur_arena) != SL_OK)
		return sl_errcode(g->ctx);
	g->la = sl_sorter_next(g->sorter, &g->la_n);
	if (!g->la)
		g->la_end = 1;
	return sl_errcode(g->ctx);
}

/* The next group from the sorter, hash mode: states to combine. */
static group *next_merged(sl_agg *g)
{
	group *gr;

	if (g->la_end)
		return NULL;
	if (child_reset(&g->cur_arena) != SL_OK)
		return NULL;
	gr = group_new(g, g->cur_arena, g->la, 0);
	if (!gr)
		return NULL;
	do {
		if (decode_merge(g, gr, &g->la[g->nkeys], g->cur_arena) != SL_OK)
			return NULL;
		g->la = sl_sorter_next(g->sorter, &g->la_n);
	} while (g->la && keys_order(g->la, gr->keys, g->nkeys) == 0);
	if (!g->la) {
		g->la_end = 1;
		if (sl_failed(g->ctx))
			return NULL;
	}
	return gr;
}

/* Sort mode: keep the text p[0..n) of a segment's number for its
 * quantiles (the numbers come in order). */
static sl_status segment_number(sl_agg *g, const char *p, size_t n)
{
	sl_str v = { p, n };

	if (g->qspill)
		return sl_spill_put(g->qspill, &v, 1);
	if (n + 1 > g->qcap - g->qlen) {
		size_t cap = 2 * g->qcap > g->qlen + n + 1 ? 2 * g->qcap :
			g->qlen + n + 1024;
		/* grow only while a spill writer would still fit after: it
		 * is what the numbers go to when memory runs out */
		size_t used = sl_mem_in_use(g->ctx), lim = sl_mem_ceiling(g->ctx);
		size_t writer = 2 * sl_ctx_chunk_size(g->ctx) + (320 << 10);
		char *q = used + (cap - g->qcap) + writer <= lim ?
			sl_mem_try_realloc(g->ctx, g->qv, cap, "agg.values") :
			NULL;

		if (!q) {     /* no room: the rest of the segment on disk */
			size_t i;

			g->qspill = sl_spill_new(g->arena, g->opt.tmpdir ?
						 g->opt.tmpdir : getenv("TMPDIR") ?
						 getenv("TMPDIR") : "/tmp",
						 g->opt.level ? g->opt.level : 1,
						 &g->nostats);
			if (!g->qspill)
				return sl_errcode(g->ctx);
			for (i = 0; i < g->qlen; i += v.len + 1) {
				v.ptr = g->qv + i;
				v.len = strlen(v.ptr);
				if (sl_spill_put(g->qspill, &v, 1) != SL_OK)
					return sl_errcode(g->ctx);
			}
			sl_mem_free(g->qv);
			g->qv = NULL;
			g->qlen = g->qcap = 0;
			v.ptr = p;
			v.len = n;
			return sl_spill_put(g->qspill, &v, 1);
		}
		g->qv = q;
		g->qcap = cap;
	}
	memcpy(g->qv + g->qlen, p, n);   /* a number has no NUL in it */
	g->qv[g->qlen + n] = '\0';
	g->qlen += n + 1;
	return SL_OK;
}

/* The i-th number (from 1) of text p[0..n) of a segment: into the
 * quantiles of rank i. */
static sl_status segment_rank(sl_agg *g, acc *a, const size_t *r, uint64_t i,
			      const char *p, size_t n)
{
	int j;

	for (j = 0; j < 3; j++)
		if (i == r[j] && sbuf_set(g, g->cur_arena, &a->x->q[j], p,
					  n) < 0)
			return sl_errcode(g->ctx);
	return SL_OK;
}

/* Sort mode: the end of a field's values in a group. */
static sl_status segment_end(sl_agg *g, acc *a)
{
	uint64_t k = a->nint + a->nfloat, i;
	size_t r[3], at, n;
	int j;

	g->have_prev = 0;
	for (j = 0; j < 3; j++)
		r[j] = k ? rank_of(quantile_q[j], k) : 0;
	a->x->have_q = k > 0 && (g->need & NEED_Q);
	if (g->qspill) {
		const sl_str *f;

		if (sl_spill_rewind(g->qspill) != SL_OK)
			return sl_errcode(g->ctx);
		for (i = 1; (f = sl_spill_get(g->qspill, &n)) != NULL; i++)
			if (n != 1 || segment_rank(g, a, r, i, f[0].ptr,
						   f[0].len) != SL_OK)
				break;
		sl_spill_close(g->qspill);
		g->qspill = NULL;
		if (!sl_failed(g->ctx) && i <= r[2])
			return sl_error(g->ctx, SL_EIO, "a spilled number of"
					" a quantile is missing");
		return sl_errcode(g->ctx);
	}
	for (i = 1, at = 0; at < g->qlen && i <= r[2]; i++, at += n + 1) {
		n = strlen(g->qv + at);
		if (segment_rank(g, a, r, i, g->qv + at, n) != SL_OK)
			return sl_errcode(g->ctx);
	}
	g->qlen = 0;
	return SL_OK;
}

static uint64_t hex_value(const sl_str *s)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < s->len; i++) {
		unsigned c = (unsigned char)s->ptr[i];

		v = v * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

/* The next group from the sorter, sort mode: values in order. */
static group *next_sorted(sl_agg *g)
{
	size_t cur = SIZE_MAX, f;
	group *gr;

	if (g->la_end)
		return NULL;
	if (child_reset(&g->cur_arena) != SL_OK)
		return NULL;
	gr = group_new(g, g->cur_arena, g->la, 0);
	if (!gr)
		return NULL;
	for (f = 0; f < g->nfields; f++) {
		gr->accs[f].x = sl_arena_alloc(g->cur_arena, sizeof(exact_res));
		if (!gr->accs[f].x)
			return NULL;
		memset(gr->accs[f].x, 0, sizeof(exact_res));
	}
	do {
		const sl_str *v = &g->la[g->nkeys + 1];
		acc *a;
		double d;
		int t;

		f = (size_t)hex_value(&g->la[g->nkeys]);
		if (f >= g->nfields) {
			sl_error(g->ctx, SL_EIO, "a spilled value lost its"
				 " field");
			return NULL;
		}
		if (f != cur) {
			if (cur != SIZE_MAX &&
			    segment_end(g, &gr->accs[cur]) != SL_OK)
				return NULL;
			cur = f;
		}
		a = &gr->accs[f];
		if (acc_add(g, a, g->cur_arena, v,
			    hex_value(&g->la[g->nkeys + 2]), &t, &d) != SL_OK)
			return NULL;
		if (!g->have_prev || bytes_order(v->ptr, v->len, g->prev,
						 g->prevlen) != 0) {
			a->x->distinct++;
			if (v->len > g->prevcap) {
				char *p = sl_mem_realloc(g->ctx, g->prev,
							 v->len, "agg.values");

				if (!p)
					return NULL;
				g->prev = p;
				g->prevcap = v->len;
			}
			if (v->len)
				memcpy(g->prev, v->ptr, v->len);
			g->prevlen = v->len;
			g->have_prev = 1;
		}
		if ((t == T_INT || t == T_FLOAT) && (g->need & NEED_Q) &&
		    segment_number(g, v->ptr, v->len) != SL_OK)
			return NULL;
		g->la = sl_sorter_next(g->sorter, &g->la_n);
	} while (g->la && keys_order(g->la, gr->keys, g->nkeys) == 0);
	if (cur != SIZE_MAX && segment_end(g, &gr->accs[cur]) != SL_OK)
		return NULL;
	if (!g->la) {
		g->la_end = 1;
		if (sl_failed(g->ctx))
			return NULL;
	}
	gr->rows = g->nfields ? gr->accs[0].n : 0;
	return gr;
}

/* After the last group: give the memory back for what comes next. */
static void release_all(sl_agg *g)
{
	if (g->sorter)
		g->nostats = *sl_sorter_stats(g->sorter);
	g->sorter = NULL;
	agg_release(g);
	g->cur = NULL;
	g->ngroups = g->tcap = 0;
	g->la_end = 1;
}

const sl_str *sl_agg_next(sl_agg *g)
{
	static const sl_str none[1] = { { "", 0 } };

	if (sl_failed(g->ctx))
		return NULL;
	if (!g->finished) {
		if (finish(g) != SL_OK)
			return NULL;
	}
	if (g->order) {
		g->cur = g->pos < g->ngroups ? g->order[g->pos++] : NULL;
	} else if (g->mode == HASH_MODE) {
		g->cur = next_merged(g);
	} else if (g->la_end && !g->nkeys && !g->emitted) {
		/* without keys, one group even for no values */
		g->cur = child_reset(&g->cur_arena) == SL_OK ?
			group_new(g, g->cur_arena, NULL, 0) : NULL;
	} else {
		g->cur = next_sorted(g);
	}
	if (!g->cur) {
		if (!sl_failed(g->ctx))
			release_all(g);
		return NULL;
	}
	g->emitted++;
	return g->nkeys ? g->cur->keys : none;
}

uint64_t sl_agg_rows(const sl_agg *g)
{
	return g->cur ? g->cur->rows : 0;
}

sl_str sl_agg_result(sl_agg *g, size_t f, sl_agg_op op)
{
	sl_str none = { "", 0 };

	if (!g->cur || f >= g->nfields || (unsigned)op >= SL_AGG_NOPS ||
	    !(g->need & NEED(op)))
		return none;
	return result(g, &g->cur->accs[f], op);
}

const sl_spill_stats *sl_agg_stats(const sl_agg *g)
{
	return g->sorter ? sl_sorter_stats(g->sorter) : &g->nostats;
}

/* ---- partial states --------------------------------------------------------------- */

/*
 * A stream of partial states is JSON Lines: a first line
 *
 *     {"format":"sluice-partial","version":2,"verb":"stats","keys":["k"],
 *      "fields":["x"],"ops":["count","sum","min","max"],"top":0}
 *
 * then one line per group:
 *
 *     {"key":["a"],"rows":2,"fields":[{"n":2,"empty":0,"int":2,
 *      "float":0,"mean":3,"m2":8,"fsum":[6,0],"sum":"6","min":"1",
 *      "max":"5.0","first":"1","last":"5.0"}]}
 *
 * "sum" is missing once the exact sum was given up; numbers that JSON
 * cannot hold are the strings "inf", "-inf" and "nan".  "min" and "max"
 * are the input's texts of the least and greatest values (version 1 had
 * doubles there).  Without keys a
 * field may also have "distinct": {"values": [...]} or {"hll": "..."}
 * and "q": {"values": [...]} (the numbers' texts) or {"kll": "..."}.
 *
 * The header's first key sorts before "key", so a byte-wise sort of the
 * lines of many streams (Hadoop's shuffle) still puts a header first.
 */

#define PARTIAL_VERSION 2

static json_t *jnum(double v)
{
	if (isfinite(v))
		return json_real(v);
	return json_string(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static int jget_num(const json_t *j, double *v)
{
	if (json_is_number(j)) {
		*v = json_number_value(j);
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);

		if (strcmp(s, "nan") == 0 || strcmp(s, "inf") == 0 ||
		    strcmp(s, "-inf") == 0) {
			*v = strtod(s, NULL);
			return 0;
		}
	}
	return -1;
}

static int jget_count(const json_t *j, uint64_t *v)
{
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

/* Put v under key in o; -1 when v is NULL (no memory, bad UTF-8). */
static int jset(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *jstr(const char *p, size_t n)
{
	return json_stringn(p, n);
}

static json_t *acc_json(sl_agg *g, acc *a)
{
	uint64_t k = a->nint + a->nfloat;
	json_t *o = json_object(), *fs, *sub, *arr;
	char text[SUM_TEXT_MAX + 1];
	size_t i;
	int bad = 0;

	if (!o)
		return NULL;
	bad |= jset(o, "n", json_integer((json_int_t)a->n));
	bad |= jset(o, "empty", json_integer((json_int_t)a->empty));
	bad |= jset(o, "int", json_integer((json_int_t)a->nint));
	bad |= jset(o, "float", json_integer((json_int_t)a->nfloat));
	if (k) {
		bad |= jset(o, "mean", jnum(a->mean));
		bad |= jset(o, "m2", jnum(a->m2));
		fs = json_array();
		if (fs) {
			bad |= json_array_append_new(fs, jnum(a->fsum));
			bad |= json_array_append_new(fs, jnum(a->fcomp));
		}
		bad |= jset(o, "fsum", fs);
	}
	if ((g->need & NEED_SUM) && !a->inexact) {
		size_t n = exact_text(&a->isum, a->scale, text);

		bad |= jset(o, "sum", jstr(text, n));
	}
	if (a->lo.p)
		bad |= jset(o, "min", jstr(a->lo.p, a->lo.len));
	if (a->hi.p)
		bad |= jset(o, "max", jstr(a->hi.p, a->hi.len));
	if (a->first.p)
		bad |= jset(o, "first", jstr(a->first.p, a->first.len));
	if (a->last.p)
		bad |= jset(o, "last", jstr(a->last.p, a->last.len));
	if (a->sk && (g->need & NEED(SL_AGG_DISTINCT))) {
		sub = json_object();
		if (sub && a->sk->hll) {
			char *t = sl_mem_alloc(g->ctx, sl_hll_text_len(),
					       "agg.json");

			if (t) {
				sl_hll_to_text(a->sk->hll, t);
				bad |= jset(sub, "hll",
					    jstr(t, sl_hll_text_len()));
				sl_mem_free(t);
			} else {
				bad = 1;
			}
		} else if (sub) {
			arr = json_array();
			for (i = 0; arr && i < a->sk->setcap; i++)
				if (a->sk->set[i].p)
					bad |= json_array_append_new(arr,
						jstr(a->sk->set[i].p,
						     a->sk->set[i].len));
			bad |= jset(sub, "values", arr);
		}
		bad |= jset(o, "distinct", sub);
	}
	if (a->sk && (g->need & NEED_Q)) {
		sub = json_object();
		if (sub && a->sk->kll) {
			char *t = sl_kll_to_text(a->sk->kll);

			if (t) {
				bad |= jset(sub, "kll", jstr(t, strlen(t)));
				sl_mem_free(t);
			} else {
				bad = 1;
			}
		} else if (sub) {
			arr = json_array();
			for (i = 0; arr && i < a->sk->nvals; i++)
				bad |= json_array_append_new(arr, jstr(
					a->sk->texts + a->sk->vals[i].off,
					a->sk->vals[i].len));
			bad |= jset(sub, "values", arr);
		}
		bad |= jset(o, "q", sub);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *group_json(sl_agg *g, group *gr)
{
	json_t *o = json_object(), *keys = json_array(), *fields = json_array();
	size_t i;
	int bad = !o || !keys || !fields;

	for (i = 0; !bad && i < g->nkeys; i++)
		bad |= json_array_append_new(keys, jstr(gr->keys[i].ptr,
							 gr->keys[i].len));
	for (i = 0; !bad && i < g->nfields; i++)
		bad |= json_array_append_new(fields, acc_json(g,
							     &gr->accs[i]));
	if (!bad) {
		bad |= json_object_set(o, "key", keys);
		bad |= jset(o, "rows", json_integer((json_int_t)gr->rows));
		bad |= json_object_set(o, "fields", fields);
	}
	json_decref(keys);
	json_decref(fields);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int to_sink(const char *buf, size_t size, void *data)
{
	return sl_sink_write(data, buf, size) == SL_OK ? 0 : -1;
}

/* Write o and a newline to out, under the hooks; o is released. */
static sl_status write_json(sl_ctx *ctx, sl_sink *out, json_t *o,
			    const char *what)
{
	int rc;

	if (!o) {
		int refused = sl_hook_refused();

		sl_hook_leave();
		if (refused)
			return sl_error(ctx, SL_ENOMEM, "no memory for %s"
					" under the ceiling", what);
		return sl_error(ctx, SL_EDATA, "cannot write %s: a value is"
				" not valid UTF-8", what);
	}
	rc = json_dump_callback(o, to_sink, out, JSON_COMPACT);
	json_decref(o);
	sl_hook_leave();
	if (sl_failed(ctx))
		return sl_errcode(ctx);
	if (rc != 0)
		return sl_error(ctx, SL_ENOMEM, "no memory to write %s", what);
	return sl_sink_write(out, "\n", 1);
}

sl_status sl_agg_write_partial(sl_agg *g, sl_sink *out)
{
	if (g->mode == SORT_MODE)
		return sl_error(g->ctx, SL_EINVAL, "distinct and quantiles"
				" with keys or exact have no partial state");
	sl_json_init();
	while (sl_agg_next(g) != NULL) {
		sl_hook_enter(g->ctx, "agg.json");
		if (write_json(g->ctx, out, group_json(g, g->cur),
			       "a partial state") != SL_OK)
			return sl_errcode(g->ctx);
	}
	return sl_errcode(g->ctx);
}

/* "123.45" (as exact_text writes) into an exact sum; -1 if it is not. */
static int exact_parse(const char *p, size_t n, wide *sum, int *scale)
{
	size_t i = n && p[0] == '-', d = 0, point = 0;

	for (; i < n; i++) {
		if (p[i] == '.' && !point && d)
			point = i;
		else if ((unsigned)(p[i] - '0') > 9)
			return -1;
		else
			d++;
	}
	if (!d || (point && point == n - 1))
		return -1;
	return exact_decimal(p, n, sum, scale) ? 0 : -1;
}

static int jget_sbuf(const json_t *o, const char *key, sbuf *s)
{
	const json_t *j = json_object_get(o, key);

	memset(s, 0, sizeof(*s));
	if (!j)
		return 0;
	if (!json_is_string(j))
		return -1;
	s->p = (char *)json_string_value(j);
	s->len = (uint32_t)json_string_length(j);
	return 0;
}

/*
 * The text of min or max into *s: there when the op is asked for and
 * there are values, and a decimal, whose double goes to *d, when it is
 * a number.  0 or -1.
 */
static int jget_extreme(sl_agg *g, const json_t *o, const char *key,
			sbuf *s, int want, int number, double *d)
{
	if (jget_sbuf(o, key, s) < 0 || !s->p != !want)
		return -1;
	if (s->p && number && !sl_parse_decimal(g->ctx, s->p, s->len, d))
		return -1;
	return 0;
}

/* A field's state from JSON; its strings are views into o. */
static int acc_from_json(sl_agg *g, const json_t *o, acc *a)
{
	const json_t *fs, *sum;
	uint64_t k, values;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(o) ||
	    jget_count(json_object_get(o, "n"), &a->n) < 0 ||
	    jget_count(json_object_get(o, "empty"), &a->empty) < 0 ||
	    jget_count(json_object_get(o, "int"), &a->nint) < 0 ||
	    jget_count(json_object_get(o, "float"), &a->nfloat) < 0)
		return -1;
	k = a->nint + a->nfloat;
	if (a->empty > a->n || k > a->n - a->empty)
		return -1;
	if (k) {
		fs = json_object_get(o, "fsum");
		if (jget_num(json_object_get(o, "mean"), &a->mean) < 0 ||
		    jget_num(json_object_get(o, "m2"), &a->m2) < 0 ||
		    !json_is_array(fs) || json_array_size(fs) != 2 ||
		    jget_num(json_array_get(fs, 0), &a->fsum) < 0 ||
		    jget_num(json_array_get(fs, 1), &a->fcomp) < 0)
			return -1;
	}
	sum = json_object_get(o, "sum");
	if (!sum)
		a->inexact = 1;
	else if (!json_is_string(sum) ||
		 exact_parse(json_string_value(sum), json_string_length(sum),
			     &a->isum, &a->scale) < 0)
		return -1;
	values = a->n - a->empty;
	if (jget_extreme(g, o, "min", &a->lo, (g->need & NEED(SL_AGG_MIN)) &&
			 values, k > 0, &a->min) < 0 ||
	    jget_extreme(g, o, "max", &a->hi, (g->need & NEED(SL_AGG_MAX)) &&
			 values, values == k, &a->max) < 0 ||
	    jget_sbuf(o, "first", &a->first) < 0 ||
	    jget_sbuf(o, "last", &a->last) < 0)
		return -1;
	return 0;
}

/* The sketch parts of a field's state, into sk. */
static sl_status sketch_from_json(sl_agg *g, sketch *sk, const json_t *o)
{
	const json_t *d = json_object_get(o, "distinct");
	const json_t *q = json_object_get(o, "q"), *v, *t;
	size_t i;
	double x;

	if (g->need & NEED(SL_AGG_DISTINCT)) {
		if (!json_is_object(d))
			return sl_error(g->ctx, SL_EDATA, "no distinct state");
		if ((t = json_object_get(d, "hll")) != NULL) {
			if (!json_is_string(t))
				return sl_error(g->ctx, SL_EDATA, "bad hll");
			if (!sk->hll && sketch_to_hll(g, sk) != SL_OK)
				return SL_ENOMEM;
			if (sl_hll_from_text(sk->hll, json_string_value(t),
					     json_string_length(t)) != SL_OK)
				return sl_errcode(g->ctx);
		} else if (json_is_array(v = json_object_get(d, "values"))) {
			json_array_foreach(v, i, t) {
				if (!json_is_string(t))
					return sl_error(g->ctx, SL_EDATA,
							"bad distinct value");
				if (sketch_distinct(g, sk, json_string_value(t),
						    json_string_length(t)) !=
				    SL_OK)
					return SL_ENOMEM;
			}
		} else {
			return sl_error(g->ctx, SL_EDATA, "bad distinct state");
		}
	}
	if (g->need & NEED_Q) {
		if (!json_is_object(q))
			return sl_error(g->ctx, SL_EDATA, "no quantile state");
		if ((t = json_object_get(q, "kll")) != NULL) {
			if (!json_is_string(t))
				return sl_error(g->ctx, SL_EDATA, "bad kll");
			if (!sk->kll && sketch_to_kll(g, sk) != SL_OK)
				return SL_ENOMEM;
			if (sl_kll_from_text(sk->kll, json_string_value(t),
					     json_string_length(t)) != SL_OK)
				return sl_errcode(g->ctx);
		} else if (json_is_array(v = json_object_get(q, "values"))) {
			json_array_foreach(v, i, t) {
				if (!json_is_string(t) ||
				    !sl_parse_decimal(g->ctx,
						      json_string_value(t),
						      json_string_length(t), &x))
					return sl_error(g->ctx, SL_EDATA,
							"bad quantile value");
				if (sketch_number(g, sk, x, json_string_value(t),
						  json_string_length(t)) !=
				    SL_OK)
					return SL_ENOMEM;
			}
		} else {
			return sl_error(g->ctx, SL_EDATA, "bad quantile state");
		}
	}
	return SL_OK;
}

static sl_status add_state(sl_agg *g, const json_t *root)
{
	const json_t *keys = json_object_get(root, "key");
	const json_t *fields = json_object_get(root, "fields");
	uint64_t rows;
	group *gr;
	size_t i;

	if (!json_is_array(keys) || json_array_size(keys) != g->nkeys ||
	    !json_is_array(fields) || json_array_size(fields) != g->nfields ||
	    jget_count(json_object_get(root, "rows"), &rows) < 0)
		return sl_error(g->ctx, SL_EDATA, "not a partial state of"
				" %zu keys and %zu fields", g->nkeys,
				g->nfields);
	for (i = 0; i < g->nkeys; i++) {
		const json_t *k = json_array_get(keys, i);

		if (!json_is_string(k))
			return sl_error(g->ctx, SL_EDATA, "a key is not a"
					" string");
		g->pkeys[i].ptr = json_string_value(k);
		g->pkeys[i].len = json_string_length(k);
	}
	/* all checked before any is combined: a bad line changes nothing */
	for (i = 0; i < g->nfields; i++)
		if (acc_from_json(g, json_array_get(fields, i),
				  &g->paccs[i]) < 0)
			return sl_error(g->ctx, SL_EDATA, "bad state of field"
					" %zu", i + 1);
	gr = find_group(g, g->pkeys, 0);   /* may flush, which uses rec */
	if (!gr)
		return sl_errcode(g->ctx);
	gr->rows += rows;
	for (i = 0; i < g->nfields; i++) {
		const json_t *o = json_array_get(fields, i);

		if (acc_merge(g, &gr->accs[i], &g->paccs[i],
			      g->groups) != SL_OK)
			return sl_error(g->ctx, SL_ENOMEM, "no memory for a"
					" group's strings");
		if (gr->accs[i].sk &&
		    sketch_from_json(g, gr->accs[i].sk, o) != SL_OK)
			return sl_errcode(g->ctx);
	}
	return SL_OK;
}

sl_status sl_agg_add_partial(sl_agg *g, const char *line, size_t len)
{
	json_error_t err;
	json_t *root;
	sl_status st;

	if (sl_failed(g->ctx))
		return sl_errcode(g->ctx);
	if (g->finished)
		return sl_error(g->ctx, SL_EINVAL, "sl_agg_add_partial after"
				" the end");
	if (g->mode == SORT_MODE)
		return sl_error(g->ctx, SL_EINVAL, "distinct and quantiles"
				" with keys or exact have no partial state");
	sl_json_init();
	if (!sl_json_fits(g->ctx, line, len))
		return sl_error(g->ctx, SL_ENOMEM, "a partial state of %zu"
				" bytes needs more memory to parse than the"
				" ceiling leaves (raise --max-memory)", len);
	sl_hook_enter_lenient(g->ctx, "agg.json");
	root = json_loadb(line, len, JSON_ALLOW_NUL, &err);
	if (!root || sl_hook_refused()) {
		int refused = sl_hook_refused();

		json_decref(root);
		sl_hook_leave();
		if (refused)
			return sl_error(g->ctx, SL_ENOMEM, "no memory to read"
					" a partial state of %zu bytes", len);
		return sl_error(g->ctx, SL_EDATA, "bad partial state: %s",
				err.text);
	}
	sl_hook_leave();
	st = add_state(g, root);
	sl_hook_enter(g->ctx, "agg.json");
	json_decref(root);
	sl_hook_leave();
	return st;
}

static json_t *names_json(const sl_str *names, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, jstr(names[i].ptr,
						  names[i].len)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

sl_status sl_agg_write_header(sl_ctx *ctx, sl_sink *out,
			      const sl_agg_spec *spec)
{
	json_t *o, *ops;
	size_t i;
	int bad;

	sl_json_init();
	sl_hook_enter(ctx, "agg.json");
	o = json_object();
	ops = json_array();
	bad = !o || !ops;
	for (i = 0; !bad && i < spec->nops; i++)
		bad |= json_array_append_new(ops, json_string(
					sl_agg_op_name(spec->ops[i])));
	if (!bad) {
		bad |= jset(o, "format", json_string("sluice-partial"));
		bad |= jset(o, "version", json_integer(PARTIAL_VERSION));
		bad |= jset(o, "verb", json_string(spec->verb));
		bad |= jset(o, "keys", names_json(spec->keys, spec->nkeys));
		bad |= jset(o, "fields", names_json(spec->fields,
						    spec->nfields));
		bad |= json_object_set(o, "ops", ops);
		bad |= jset(o, "top", json_integer((json_int_t)spec->top));
	}
	json_decref(ops);
	if (bad) {
		json_decref(o);
		o = NULL;
	}
	return write_json(ctx, out, o, "a partial header");
}

/* names from a JSON array of strings into the arena; -1 if it is not. */
static int names_from_json(sl_arena *a, const json_t *arr, const sl_str **out,
			   size_t *n)
{
	sl_str *v;
	size_t i;

	if (!json_is_array(arr))
		return -1;
	*n = json_array_size(arr);
	v = sl_arena_alloc(a, (*n ? *n : 1) * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < *n; i++) {
		const json_t *s = json_array_get(arr, i);

		if (!json_is_string(s))
			return -1;
		v[i].len = json_string_length(s);
		v[i].ptr = sl_arena_strndup(a, json_string_value(s), v[i].len);
		if (!v[i].ptr)
			return -1;
	}
	*out = v;
	return 0;
}

sl_status sl_agg_read_header(sl_arena *a, const char *line, size_t len,
			     sl_agg_spec *spec)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	const json_t *ops, *verb, *top;
	sl_agg_op *opv = NULL;
	json_error_t err;
	json_t *root;
	size_t i, n = 0;
	int bad;

	memset(spec, 0, sizeof(*spec));
	sl_json_init();
	if (!sl_json_fits(ctx, line, len))
		return sl_error(ctx, SL_ENOMEM, "no memory to read the header"
				" of a partial state of %zu bytes", len);
	sl_hook_enter_lenient(ctx, "agg.json");
	root = json_loadb(line, len, 0, &err);
	if (sl_hook_refused()) {
		json_decref(root);
		sl_hook_leave();
		return sl_error(ctx, SL_ENOMEM, "no memory to read the header"
				" of a partial state of %zu bytes", len);
	}
	sl_hook_leave();
	if (!root)
		return sl_error(ctx, SL_EDATA, "not a stream of partial"
				" states: %s", err.text);
	verb = json_object_get(root, "verb");
	ops = json_object_get(root, "ops");
	top = json_object_get(root, "top");
	bad = !json_is_string(json_object_get(root, "format")) ||
		strcmp(json_string_value(json_object_get(root, "format")),
		       "sluice-partial") != 0 ||
		!json_is_string(verb) || !json_is_array(ops) ||
		(top && !json_is_integer(top));
	if (!bad && json_integer_value(json_object_get(root, "version")) !=
	    PARTIAL_VERSION) {
		sl_hook_enter(ctx, "agg.json");
		json_decref(root);
		sl_hook_leave();
		return sl_error(ctx, SL_EDATA, "partial states of another"
				" version of sluice");
	}
	if (!bad) {
		n = json_array_size(ops);
		opv = sl_arena_alloc(a, (n ? n : 1) * sizeof(*opv));
		bad = !opv;
		for (i = 0; !bad && i < n; i++) {
			const json_t *o = json_array_get(ops, i);
			int op = json_is_string(o) ?
				sl_agg_op_parse(json_string_value(o),
						json_string_length(o)) : -1;

			bad = op < 0;
			if (!bad)
				opv[i] = (sl_agg_op)op;
		}
	}
	if (!bad) {
		spec->verb = sl_arena_strndup(a, json_string_value(verb),
					      json_string_length(verb));
		spec->ops = opv;
		spec->nops = n;
		spec->top = top ? (uint64_t)json_integer_value(top) : 0;
		bad = !spec->verb ||
			names_from_json(a, json_object_get(root, "keys"),
					&spec->keys, &spec->nkeys) < 0 ||
			names_from_json(a, json_object_get(root, "fields"),
					&spec->fields, &spec->nfields) < 0;
	}
	sl_hook_enter(ctx, "agg.json");
	json_decref(root);
	sl_hook_leave();
	if (bad && !sl_failed(ctx))
		return sl_error(ctx, SL_EDATA, "not a stream of partial"
				" states (its first line is no header)");
	return sl_errcode(ctx);
}
