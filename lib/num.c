/*
 * num.c - decimal numbers from their text: reading them (to doubles, for
 * the expressions, the sorter and the aggregates alike), their exact
 * order, their exact sums, and the text of a computed number.
 *
 * Numbers are read as doubles, which is fast but not exact: the ids
 * 1234567890123456789 and 1234567890123456788 are one double.
 * sl_num_cmp() orders two texts of the decimal grammar (that of
 * sl_parse_decimal(): [+-]digits, an optional fraction, an optional
 * exponent) by value, exactly.  Callers hold the doubles already and ask
 * it only when they are equal: rounding to the nearest double never
 * turns an order round, so doubles that differ order their texts alike.
 *
 * A number other than zero is a sign, its significant digits d1 d2 ...
 * (d1 not 0) and the place p of d1, so that its value is 0.d1d2... x
 * 10^p.  Zero, of any sign or exponent, has no digits.  Two numbers of
 * one sign order by p, then by their digits (the shorter list read as if
 * padded with zeros).  p is where d1 stands against the point plus the
 * exponent.  An exponent may have any number of digits, so the difference
 * of two exponents is worked out digit by digit and stops growing once it
 * is past anything the places of d1 (bounded by the lengths of the texts)
 * can make up.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_int.h"

/*
 * Is p[0..n) a decimal number: [+-] digits [. digits] [e [+-] digits],
 * with digits on at least one side of the point?
 */
int sl_is_decimal(const char *p, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && (p[i] == '+' || p[i] == '-'))
		i++;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++, d++;
	if (i < n && p[i] == '.') {
		i++;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++, d++;
	}
	if (!d)
		return 0;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i == n || p[i] < '0' || p[i] > '9')
			return 0;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	return i == n;
}

/* strtod on a view that sl_is_decimal() accepted: copied, as the view is not
 * NUL-terminated; a text too long for the stack buffer is copied into
 * memory charged to the budget (NaN if it is refused). */
static double view_to_double(sl_ctx *ctx, const char *p, size_t n)
{
	char small[128], *copy = small, *end;
	double d;

	if (n >= sizeof(small)) {
		copy = sl_mem_alloc(ctx, n + 1, "expr.number");
		if (!copy)
			return NAN;
	}
	memcpy(copy, p, n);
	copy[n] = '\0';
	d = strtod(copy, &end);
	if (copy != small)
		sl_mem_free(copy);
	return d;
}

/*
 * Is p[0..n) a decimal number, and which?  The usual short integer or
 * fixed-point text is checked and converted in one pass; the rest takes
 * the general check and conversion.
 */
int sl_parse_decimal(sl_ctx *ctx, const char *p, size_t n, double *d)
{
	static const double p10[16] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15
	};
	const char *q = p, *end = p + n, *start, *point = NULL;
	uint64_t m = 0;
	size_t digits, frac;
	unsigned c;
	int neg = 0;
	double v;

	if (q < end && (*q == '+' || *q == '-'))
		neg = *q++ == '-';
	start = q;
	if (end - start > 16)
		goto general;      /* more than 15 digits and a point */
	for (; q < end && (c = (unsigned char)*q - '0') < 10; q++)
		m = m * 10 + c;
	if (q < end && *q == '.') {
		point = q;
		for (q++; q < end && (c = (unsigned char)*q - '0') < 10; q++)
			m = m * 10 + c;
	}
	if (q < end) {
		if (*q == 'e' || *q == 'E')
			goto general;
		return 0;          /* a second point, a letter, a space ... */
	}
	digits = (size_t)(end - start) - (point != NULL);
	if (digits == 0)
		return 0;          /* "", "+", "." */
	if (digits > 15)
		goto general;      /* not exact in a double */
	/* m < 10^15 < 2^53 and 10^frac are exact: one rounding */
	frac = point ? (size_t)(end - point) - 1 : 0;
	v = (double)m;
	if (frac)
		v /= p10[frac];
	*d = neg ? -v : v;
	return 1;
general:
	if (!sl_is_decimal(p, n))
		return 0;
	*d = view_to_double(ctx, p, n);
	return 1;
}

/* Past this, a difference of exponents decides alone: no text is so long
 * that the places of two first digits differ by more than 2^61. */
#define SATURATED ((int64_t)1 << 62)

typedef struct dec {
	int sign;               /* -1, 0 (zero) or 1 */
	const char *d, *end;    /* from d1 on; a point may sit among them */
	int64_t place;          /* of d1 against the point, without exponent */
	const char *e;          /* the exponent's digits, sign left out */
	size_t en;
	int eneg;
} dec;

static int digit(char c)
{
	return (unsigned)(c - '0') < 10;
}

static void parse(const char *p, size_t n, dec *x)
{
	const char *q = p, *end = p + n, *int0, *int1, *frac0, *frac1;
	int neg = 0;

	x->sign = 0;
	x->e = NULL;
	x->en = 0;
	x->eneg = 0;
	if (q < end && (*q == '+' || *q == '-'))
		neg = *q++ == '-';
	int0 = q;
	while (q < end && digit(*q))
		q++;
	int1 = frac0 = frac1 = q;
	if (q < end && *q == '.') {
		frac0 = ++q;
		while (q < end && digit(*q))
			q++;
		frac1 = q;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			x->eneg = *q++ == '-';
		while (q < end && *q == '0')
			q++;           /* leading zeros of the exponent */
		x->e = q;
		while (q < end && digit(*q))
			q++;
		x->en = (size_t)(q - x->e);
	}
	for (q = int0; q < int1 && *q == '0'; q++)
		;
	if (q < int1) {
		x->d = q;
		x->place = (int64_t)(int1 - q);
	} else {
		for (q = frac0; q < frac1 && *q == '0'; q++)
			;
		if (q == frac1)
			return;        /* zero */
		x->d = q;
		x->place = -(int64_t)(q - frac0);
	}
	x->end = frac1 > int1 ? frac1 : int1;
	x->sign = neg ? -1 : 1;
}

/* The digits a[0..an) as a number, or SATURATED when it is larger. */
static int64_t saturated(const char *a, size_t an)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < an; i++) {
		if (v > SATURATED / 10)
			return SATURATED;
		v = v * 10 + (a[i] - '0');
	}
	return v;
}

/*
 * a - b for the digits a[0..an) and b[0..bn) (no leading zeros), at most
 * SATURATED either way.  Aligned digit by digit from the most significant:
 * once v is not 0, 10v + (da - db) keeps its sign and is no smaller, so
 * stopping when v would pass SATURATED keeps the sign.
 */
static int64_t difference(const char *a, size_t an, const char *b, size_t bn)
{
	size_t len = an > bn ? an : bn, i;
	int64_t v = 0;

	for (i = 0; i < len; i++) {
		int da = i + an >= len ? a[i + an - len] - '0' : 0;
		int db = i + bn >= len ? b[i + bn - len] - '0' : 0;

		if (v > SATURATED / 10)
			return SATURATED;
		if (v < -SATURATED / 10)
			return -SATURATED;
		v = v * 10 + (da - db);
	}
	return v;
}

/* The exponent of x less that of y, at most SATURATED either way. */
static int64_t exponent_difference(const dec *x, const dec *y)
{
	int64_t v, w;
	int neg;

	if (x->en && y->en && x->eneg != y->eneg) {
		v = saturated(x->e, x->en);
		w = saturated(y->e, y->en);
		v = v > SATURATED - w ? SATURATED : v + w;
		return x->eneg ? -v : v;
	}
	/* one sign: the sign of either that is not zero */
	neg = x->en ? x->eneg : y->eneg;
	v = difference(x->e, x->en, y->e, y->en);
	return neg ? -v : v;
}

/* The order of the magnitudes of two numbers other than zero. */
static int magnitude_order(const dec *x, const dec *y)
{
	int64_t dp = exponent_difference(x, y) + (x->place - y->place);
	const char *a = x->d, *b = y->d;

	if (dp)
		return dp < 0 ? -1 : 1;
	for (;;) {
		if (a < x->end && *a == '.')
			a++;
		if (b < y->end && *b == '.')
			b++;
		if (a == x->end || b == y->end)
			break;
		if (*a != *b)
			return *a < *b ? -1 : 1;
		a++;
		b++;
	}
	for (; a < x->end; a++)        /* what is left: zeros or more */
		if (*a != '.' && *a != '0')
			return 1;
	for (; b < y->end; b++)
		if (*b != '.' && *b != '0')
			return -1;
	return 0;
}

int sl_num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	dec x, y;
	int c;

	parse(a, an, &x);
	parse(b, bn, &y);
	if (x.sign != y.sign)
		return x.sign < y.sign ? -1 : 1;
	if (!x.sign)
		return 0;
	c = magnitude_order(&x, &y);
	return x.sign < 0 ? -c : c;
}

/* ---- exact sums and number texts ---------------------------------------- */

/*
 * The exact sum counts units of 10^-scale in a 256-bit two's complement
 * integer, least significant word first.  Its magnitude stays below
 * 10^SL_SUM_DIGITS (2^253 > 10^76), so a sum of two never overflows before
 * it is checked, and the scale is at most SL_SUM_DIGITS.
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

int sl_wide_neg(const sl_wide *x)
{
	return (int)(x->w[3] >> 63);
}

int sl_wide_zero(const sl_wide *x)
{
	return !(x->w[0] | x->w[1] | x->w[2] | x->w[3]);
}

void sl_wide_negate(sl_wide *x)
{
	unsigned carry = 1;
	int i;

	for (i = 0; i < 4; i++) {
		x->w[i] = ~x->w[i] + carry;
		carry = carry && x->w[i] == 0;
	}
}

/* Is the magnitude m below 10^SL_SUM_DIGITS? */
static int below_limit(const sl_wide *m)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (m->w[i] != sum_limit[i])
			return m->w[i] < sum_limit[i];
	return 0;
}

/* m = m * f + add; the carry out of the top word. */
static uint64_t mul_add(sl_wide *m, uint64_t f, uint64_t add)
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
static uint64_t div_small(sl_wide *m, uint64_t d)
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

/* The magnitude m = m * 10^k; 0 when that would reach 10^SL_SUM_DIGITS. */
int sl_wide_mag_shift(sl_wide *m, int k)
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

/* x = x * 10^k; 0 when that would reach 10^SL_SUM_DIGITS. */
static int wide_shift(sl_wide *x, int k)
{
	int neg = sl_wide_neg(x);

	if (neg)
		sl_wide_negate(x);
	if (!sl_wide_mag_shift(x, k))
		return 0;
	if (neg)
		sl_wide_negate(x);
	return 1;
}

/* s = s + m; 0 when |s + m| would reach 10^SL_SUM_DIGITS. */
int sl_wide_add(sl_wide *s, const sl_wide *m)
{
	sl_wide t;
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
	top = sl_wide_neg(&t) ? ~t.w[3] : t.w[3];
	if (top >= sum_limit[3]) {
		sl_wide mag = t;

		if (sl_wide_neg(&mag))
			sl_wide_negate(&mag);
		if (!below_limit(&mag))
			return 0;
	}
	*s = t;
	return 1;
}

/*
 * p[0..n), already known to be a decimal number, as m / 10^scale with
 * |m| < 10^SL_SUM_DIGITS and 0 <= scale <= SL_SUM_DIGITS, trailing zeros of
 * the digits dropped.  0 when it is not that simple (more digits, a
 * large exponent).  One pass: digits go into m 19 at a time, and zeros
 * are held back until a digit other than 0 shows they are not trailing.
 */
int sl_exact_decimal(const char *p, size_t n, sl_wide *m, int *scale)
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

			if (++nd > SL_SUM_DIGITS)
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
	if (sc > SL_SUM_DIGITS || nd - sc > SL_SUM_DIGITS)
		return 0;
	if (sc < 0 && !wide_shift(m, (int)-sc))
		return 0;
	*scale = sc < 0 ? 0 : (int)sc;
	if (neg)
		sl_wide_negate(m);
	return 1;
}

/* *sum/10^*scale += *m/10^sc exactly; 0 when it would not fit.  *m may
 * be changed. */
int sl_exact_add(sl_wide *sum, int *scale, sl_wide *m, int sc)
{
	sl_wide s;

	if (sc == *scale)
		return sl_wide_add(sum, m);
	if (sc < *scale)
		return wide_shift(m, *scale - sc) && sl_wide_add(sum, m);
	s = *sum;
	if (!wide_shift(&s, sc - *scale) || !sl_wide_add(&s, m))
		return 0;
	*sum = s;
	*scale = sc;
	return 1;
}

/* The digits of the magnitude of sum, without factors of ten its scale
 * does not need: into d (at least SL_SUM_DIGITS + 1 bytes), and how many;
 * *scale and *neg go with them. */
static size_t exact_digits(const sl_wide *sum, int *scale, int *neg, char *d)
{
	char rev[SL_SUM_DIGITS + 20];
	sl_wide m = *sum;
	size_t n = 0, i, j;

	*neg = sl_wide_neg(&m);
	if (*neg)
		sl_wide_negate(&m);
	while (!sl_wide_zero(&m)) {
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
 * at most SL_SUM_TEXT_MAX bytes and a NUL. */
size_t sl_exact_text(const sl_wide *sum, int scale, char *out)
{
	char d[SL_SUM_DIGITS + 20];
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
double sl_exact_mean(const sl_wide *sum, int scale, uint64_t k)
{
	char d[SL_SUM_DIGITS + 20], q[SL_SUM_DIGITS + 80];
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

void sl_neumaier_add(double *sum, double *comp, double x)
{
	double t = *sum + x;

	if (fabs(*sum) >= fabs(x))
		*comp += (*sum - t) + x;
	else
		*comp += (x - t) + *sum;
	*sum = t;
}

/* The shortest text that reads back as v; integers without a point. */
size_t sl_number_text(double v, char *out, size_t cap)
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
int sl_num_classify(sl_ctx *ctx, const char *p, size_t n, double *d)
{
	size_t i;

	if (!n)
		return SL_NUM_EMPTY;
	if (!sl_parse_decimal(ctx, p, n, d))
		return SL_NUM_STRING;
	i = (*p == '+' || *p == '-');
	for (; i < n; i++)
		if ((unsigned)(p[i] - '0') > 9)
			return SL_NUM_FLOAT;
	return SL_NUM_INT;
}

int sl_bytes_order(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return na < nb ? -1 : na > nb;
}
