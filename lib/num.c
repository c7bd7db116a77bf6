/*
 * num.c - decimal numbers from their text: reading them (to doubles, for
 * the expressions, the sorter and the aggregates alike) and their exact
 * order.
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
