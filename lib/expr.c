/*
 * expr.c - filter expressions: a recursive-descent parser into a tree,
 * and an evaluator over a record's fields.
 *
 * Call order: sl_expr_compile() once, sl_expr_eval() per record.
 *
 * The grammar, loosest first (sluice.h has the language):
 *
 *   or      := and ('||' and)*
 *   and     := cmp ('&&' cmp)*
 *   cmp     := sum [('=='|'!='|'<'|'<='|'>'|'>='|'=~'|'!~') sum]
 *   sum     := product (('+'|'-') product)*
 *   product := unary (('*'|'/'|'%') unary)*
 *   unary   := ('!'|'-') unary | primary
 *   primary := number | string | true | false | field
 *            | name '(' [or (',' or)*] ')' | '(' or ')'
 *
 * Fields are resolved to indexes and literals parsed at compile time; the
 * right side of =~ must be a string literal, compiled once with regcomp.
 * A number literal keeps its text beside its double (a leading minus
 * folded in), so that a field or literal against another compares by
 * exact value when the doubles tie (num.c); a number computed by
 * arithmetic has only its double.
 * Evaluation walks the tree with values that are views (a field's bytes,
 * a literal) or numbers.  lower(), upper() and the regular expressions
 * (which want a C string) write into a buffer owned by their node, grown
 * to the longest value and then reused, so a record costs no allocation.
 */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_int.h"

enum op {
	OP_NUM, OP_STR, OP_BOOL, OP_FIELD,
	OP_NOT, OP_NEG,
	OP_OR, OP_AND,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MATCH, OP_NOMATCH,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_LEN, OP_LOWER, OP_UPPER, OP_IS_EMPTY, OP_CONTAINS, OP_STARTS_WITH,
	OP_FIELD_CMP,          /* field CMP literal, made by specialize() */
	OP_COND,               /* a ? b : c */
	OP_FN                  /* a function of put's (enum fn) over args;
				* a . b . c is concat(a, b, c) */
};

/* The functions of OP_FN. */
enum fn {
	F_CONCAT, F_STRLEN, F_SUBSTR, F_REPLACE, F_SPLIT, F_FMTNUM,
	F_TO_NUMBER, F_ROUND, F_ABS, F_MIN, F_MAX, F_YEAR, F_MONTH, F_DAY,
	F_DATE_DIFF
};

typedef struct node {
	enum op op;
	struct node *a, *b, *c;  /* c: OP_COND's else */
	struct node **args;      /* OP_FN */
	int nargs, acap;         /* acap: room in args, for a . b . ... */
	enum fn fn;
	char fmt[16];            /* F_FMTNUM: the checked format */
	int ldec, lscale;        /* OP_NUM: its exact decimal, when it has */
	int64_t lm;
	double num;             /* OP_NUM */
	sl_str str;             /* OP_STR; OP_NUM: the literal's text when
				 * it is a decimal (else NULL) */
	int num_ok;             /* OP_STR: the literal is a number, num */
	size_t field;           /* OP_FIELD */
	regex_t *re;            /* OP_MATCH, OP_NOMATCH */
	enum op cmp;            /* OP_FIELD_CMP: the comparison, field first */
	char lit_text[32];      /* OP_FIELD_CMP on a number: its text */
	char *buf;              /* lower, upper, =~, !~, strings made by
				 * put's functions: scratch */
	size_t cap;
	char *buf2;             /* replace(): its input as a C string */
	size_t cap2;
	unsigned depth;         /* of the subtree: eval and specialize recurse */
} node;

struct sl_expr {
	sl_ctx *ctx;
	node *root;
	const sl_str *fields;   /* of the record being evaluated */
	size_t nfields;
};

/* ---- values -------------------------------------------------------------- */

enum { V_STR, V_NUM, V_BOOL };

typedef struct val {
	int kind;
	double num;             /* V_NUM, V_BOOL (0 or 1) */
	const char *s;          /* V_STR */
	size_t n;
	int num_known;          /* V_STR: num_ok is set */
	int num_ok;             /* V_STR: the text is a number, in num */
	const char *lit;        /* V_NUM: a literal's text, NULL when the
				 * number was computed */
	size_t litn;
	int dec;                /* V_NUM: exactly m / 10^scale */
	int scale;
	int64_t m;
	char text[32];          /* V_NUM, V_BOOL: the text, when asked */
} val;

/* Decimal numbers are read by sl_parse_decimal() (num.c). */

/* The text of a finite double: the integer when it is one below 2^53
 * (every such integer is exact), else the shortest %g that reads back as
 * the same double (15 to 17 digits). */
void sl_expr_number_text(char *buf, size_t size, double d)
{
	int prec;

	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		snprintf(buf, size, "%lld", (long long)d);
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
	snprintf(buf, size, "%.17g", d);
}

/* Is v a number?  Its value in *d. */
static int as_number(sl_expr *e, val *v, double *d)
{
	if (v->kind != V_STR) {
		*d = v->num;
		return 1;
	}
	if (!v->num_known) {
		v->num_known = 1;
		v->num_ok = sl_parse_decimal(e->ctx, v->s, v->n, &v->num);
	}
	*d = v->num;
	return v->num_ok;
}

static double to_number(sl_expr *e, val *v)
{
	double d;

	return as_number(e, v, &d) ? d : NAN;
}

static size_t dec_text(char *buf, int64_t m, int scale);

/* The text of v, as a view (numbers and booleans are printed into v). */
static void as_text(val *v, const char **p, size_t *n)
{
	if (v->kind == V_STR) {
		*p = v->s;
		*n = v->n;
		return;
	}
	if (v->kind == V_NUM && v->lit) {   /* a literal: its own text */
		*p = v->lit;
		*n = v->litn;
		return;
	}
	if (v->kind == V_BOOL)
		snprintf(v->text, sizeof(v->text), "%s", v->num ? "true" :
			 "false");
	else if (isnan(v->num))
		snprintf(v->text, sizeof(v->text), "nan");
	else if (isinf(v->num))
		snprintf(v->text, sizeof(v->text), "%sinf",
			 v->num < 0 ? "-" : "");
	else if (v->dec)
		dec_text(v->text, v->m, v->scale);
	else
		sl_expr_number_text(v->text, sizeof(v->text), v->num);
	*p = v->text;
	*n = strlen(v->text);
}

static int truthy(val *v)
{
	if (v->kind == V_STR)
		return v->n > 0;
	return v->num != 0 && !isnan(v->num);
}

static void set_num(val *v, double d)
{
	v->kind = V_NUM;
	v->num = d;
	v->lit = NULL;
	v->dec = 0;
}

/* ---- exact decimals ------------------------------------------------------ */

/*
 * + - and * of two decimals of at most 18 digits (a field's text, a
 * literal's, or an exact result) are worked out exactly as m / 10^scale
 * in 64 bits when they fit: 0.1 + 0.2 is 0.3, and 45.692 * 2 is 91.384
 * without a double's rounding or the cost of printing one.  What does not
 * fit (an exponent, more digits, an overflow) is done in doubles.
 */
static const int64_t pow10_i[19] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000
};

static int scale_up(int64_t a, int k, int64_t *out);

/* [+-]digits[.digits][e[+-]digits], 1 to 18 digits before the exponent,
 * into *m and *scale (0 to 18) when it fits. */
static int parse_dec(const char *p, size_t n, int64_t *m, int *scale)
{
	size_t i = 0, digits = 0;
	int neg = 0, s = -1, e = 0, eneg = 0;
	int64_t v = 0;

	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	for (; i < n && p[i] != 'e' && p[i] != 'E'; i++) {
		if (p[i] == '.' && s < 0) {
			s = 0;
			continue;
		}
		if (p[i] < '0' || p[i] > '9' || ++digits > 18)
			return 0;
		v = v * 10 + (p[i] - '0');
		if (s >= 0)
			s++;
	}
	if (!digits || s == 0)
		return 0;              /* "1." is left to the doubles */
	if (i < n) {                   /* the exponent */
		if (++i < n && (p[i] == '-' || p[i] == '+'))
			eneg = p[i++] == '-';
		if (i == n)
			return 0;
		for (; i < n; i++) {
			if (p[i] < '0' || p[i] > '9' || e > 100)
				return 0;
			e = e * 10 + (p[i] - '0');
		}
	}
	s = (s < 0 ? 0 : s) + (eneg ? e : -e);
	if (s > 18)
		return 0;
	if (s < 0 && !scale_up(v, -s, &v))
		return 0;
	*m = neg ? -v : v;
	*scale = s < 0 ? 0 : s;
	return 1;
}

static int val_dec(const val *v, int64_t *m, int *scale)
{
	const char *p;
	size_t n;

	if (v->kind == V_NUM && v->dec) {
		*m = v->m;
		*scale = v->scale;
		return 1;
	}
	p = v->kind == V_STR ? v->s : v->kind == V_NUM ? v->lit : NULL;
	n = v->kind == V_STR ? v->n : v->litn;
	return p && parse_dec(p, n, m, scale);
}

/* a * 10^k, exactly: 0 on overflow */
static int scale_up(int64_t a, int k, int64_t *out)
{
	return k <= 18 && !__builtin_mul_overflow(a, pow10_i[k], out);
}

/* l op r exactly into out: 1, or 0 to do it in doubles. */
static __attribute__((noinline)) int exact_arith(enum op op, const val *l,
						 const val *r, val *out)
{
	int64_t a, b, m;
	int sa, sb, s;

	if (!val_dec(l, &a, &sa) || !val_dec(r, &b, &sb))
		return 0;
	if (op == OP_MUL) {
		if (__builtin_mul_overflow(a, b, &m) || (s = sa + sb) > 18)
			return 0;
	} else {
		s = sa > sb ? sa : sb;
		if (!scale_up(a, s - sa, &a) || !scale_up(b, s - sb, &b))
			return 0;
		if (op == OP_ADD ? __builtin_add_overflow(a, b, &m) :
		    __builtin_sub_overflow(a, b, &m))
			return 0;
	}
	if (m == INT64_MIN)
		return 0;
	/* the double: m is exact below 2^53, so one division rounds it as
	 * reading the decimal would */
	if (m > -9007199254740992LL && m < 9007199254740992LL)
		set_num(out, (double)m / (double)pow10_i[s]);
	else
		set_num(out, (double)m / pow(10, s));
	out->dec = 1;
	out->m = m;
	out->scale = s;
	return 1;
}

/* The text of m / 10^scale, trailing zeros of the fraction dropped. */
static size_t dec_text(char *buf, int64_t m, int scale)
{
	char tmp[24];
	uint64_t u;
	size_t n = 0, k = 0, i;

	while (scale > 0 && m % 10 == 0) {
		m /= 10;
		scale--;
	}
	u = m < 0 ? (uint64_t)(-m) : (uint64_t)m;
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while ((int)k <= scale)
		tmp[k++] = '0';            /* 0.05: the zeros before */
	if (m < 0)
		buf[n++] = '-';
	for (i = k; i-- > 0;) {
		buf[n++] = tmp[i];
		if ((int)i == scale && scale > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return n;
}

/* The exact text of a number: a field's or a literal's; NULL for one
 * computed by arithmetic, which has only its double. */
static const char *exact_text(const val *v, size_t *n)
{
	if (v->kind == V_STR) {
		*n = v->n;
		return v->s;
	}
	*n = v->litn;
	return v->kind == V_NUM ? v->lit : NULL;
}

static void set_bool(val *v, int b)
{
	v->kind = V_BOOL;
	v->num = b ? 1 : 0;
}

static void set_str(val *v, const char *p, size_t n)
{
	v->kind = V_STR;
	v->s = p;
	v->n = n;
	v->num_known = 0;
}

/* Byte-wise order of two texts: <0, 0, >0. */
static int text_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* ---- evaluation ------------------------------------------------------------ */

static void eval(sl_expr *e, node *x, val *out);
static int field_cmp(sl_expr *e, node *x);
static int decide(enum op op, int c);

static int compare(sl_expr *e, node *x)
{
	val l, r;
	double a, b;
	const char *ap, *bp;
	size_t an, bn;
	int c;

	eval(e, x->a, &l);
	eval(e, x->b, &r);
	/* the right side first: a literal knows already whether it is a
	 * number, and when it is not the left need not be parsed */
	if (as_number(e, &r, &b) && as_number(e, &l, &a)) {
		/* equal doubles may be different numbers: the texts decide
		 * when both sides have one */
		if (a == b && (ap = exact_text(&l, &an)) != NULL &&
		    (bp = exact_text(&r, &bn)) != NULL)
			return decide(x->op, sl_num_cmp(ap, an, bp, bn));
		switch (x->op) {
		case OP_EQ: return a == b;
		case OP_NE: return a != b;
		case OP_LT: return a < b;
		case OP_LE: return a <= b;
		case OP_GT: return a > b;
		default: return a >= b;
		}
	}
	as_text(&l, &ap, &an);
	as_text(&r, &bp, &bn);
	c = text_cmp(ap, an, bp, bn);
	switch (x->op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

/* Room for n bytes in the node's scratch buffer; 0 or -1 (no memory). */
static int scratch(sl_expr *e, node *x, size_t n)
{
	char *b;

	if (n <= x->cap)
		return 0;
	b = sl_mem_realloc(e->ctx, x->buf, n, "expr.scratch");
	if (!b)
		return -1;
	x->buf = b;
	x->cap = n;
	return 0;
}

/* regexec() wants a C string: the text is copied into the node's scratch
 * buffer with a NUL (a NUL inside the text ends what is matched). */
static int match(sl_expr *e, node *x)
{
	const char *p;
	size_t n;
	val l;

	eval(e, x->a, &l);
	as_text(&l, &p, &n);
	if (scratch(e, x, n + 1) < 0)
		return 0;
	memcpy(x->buf, p, n);
	x->buf[n] = '\0';
	return regexec(x->re, x->buf, 0, NULL, 0) == 0;
}

static double arith(enum op op, double a, double b)
{
	switch (op) {
	case OP_ADD: return a + b;
	case OP_SUB: return a - b;
	case OP_MUL: return a * b;
	case OP_DIV: return a / b;
	default: return fmod(a, b);
	}
}

/* lower() and upper() into the node's buffer; on no memory, the value
 * is left as it was (the error is in the context). */
static void map_case(sl_expr *e, node *x, val *out)
{
	const char *p;
	size_t n, i;

	eval(e, x->a, out);
	as_text(out, &p, &n);
	if (scratch(e, x, n) < 0)
		return;
	for (i = 0; i < n; i++)
		x->buf[i] = (char)(x->op == OP_LOWER ? tolower((unsigned char)p[i])
				   : toupper((unsigned char)p[i]));
	set_str(out, n ? x->buf : "", n);   /* no buffer yet for "" */
}

/* ---- put's functions ------------------------------------------------------ */

/* Append p[0..n) to x's scratch at *at: 0, or -1 (no memory). */
static int put_text(sl_expr *e, node *x, size_t *at, const char *p,
		    size_t n)
{
	if (*at + n > x->cap && scratch(e, x, *at + n > 2 * x->cap ?
					*at + n : 2 * x->cap) < 0)
		return -1;
	if (n)
		memcpy(x->buf + *at, p, n);
	*at += n;
	return 0;
}

/* The text of node a's value, into x's scratch at *at. */
static __attribute__((noinline)) int put_value(sl_expr *e, node *x, node *a,
					       size_t *at)
{
	const char *p;
	size_t n;
	val v;

	eval(e, a, &v);
	as_text(&v, &p, &n);
	return put_text(e, x, at, p, n);
}

/* x's scratch [0, n) as the value. */
static void scratch_value(node *x, val *out, size_t n)
{
	set_str(out, n ? x->buf : "", n);
}

/* The number of node a (NaN when it is none). */
static double arg_num(sl_expr *e, node *a)
{
	val v;

	eval(e, a, &v);
	return to_number(e, &v);
}

/* Bytes of p[0..n) before its k-th character (from 0), n if past it. */
static size_t char_at(const char *p, size_t n, double k)
{
	size_t i = 0;

	for (; i < n && k > 0; k--)
		for (i++; i < n && ((unsigned char)p[i] & 0xc0) == 0x80; i++)
			;
	return i;
}

/* days since 1970-01-01 of an ISO date at the start of p[0..n), or NaN
 * (the days-from-civil reckoning of the proleptic Gregorian calendar) */
static double iso_days(const char *p, size_t n, int part)
{
	long y, m, d, era, yoe, doy, doe;
	int ymd[3];

	if (n < 10 || (n > 10 && p[10] != 'T' && p[10] != ' ') ||
	    !sl_iso_date(p, ymd))
		return NAN;
	y = ymd[0];
	m = ymd[1];
	d = ymd[2];
	if (part == F_YEAR)
		return (double)y;
	if (part == F_MONTH)
		return (double)m;
	if (part == F_DAY)
		return (double)d;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (double)(era * 146097 + doe - 719468);
}

int sl_re_replace(const regex_t *re, const char *s, size_t n,
		  const char *repl, size_t rn, int global,
		  int (*emit)(void *arg, const char *p, size_t len), void *arg)
{
	size_t from = 0, k;
	regmatch_t m[10];
	int eflags = 0;

	while (from <= n && regexec(re, s + from, 10, m, eflags) == 0) {
		size_t so = from + (size_t)m[0].rm_so;
		size_t eo = from + (size_t)m[0].rm_eo;

		if (emit(arg, s + from, so - from) < 0)
			return -1;
		for (k = 0; k < rn; k++) {
			if (repl[k] == '\\' && k + 1 < rn &&
			    isdigit((unsigned char)repl[k + 1])) {
				int g = repl[++k] - '0';

				if (m[g].rm_so >= 0 &&
				    emit(arg, s + from + m[g].rm_so,
					 (size_t)(m[g].rm_eo - m[g].rm_so)) < 0)
					return -1;
				continue;
			}
			if (repl[k] == '\\' && k + 1 < rn && repl[k + 1] == '\\')
				k++;
			if (emit(arg, repl + k, 1) < 0)
				return -1;
		}
		from = eo;
		if (!global)
			break;
		if (eo == so) {          /* an empty match: step on */
			if (eo < n && emit(arg, s + eo, 1) < 0)
				return -1;
			from++;
		}
		eflags = REG_NOTBOL;
	}
	return from < n ? emit(arg, s + from, n - from) : 0;
}

struct to_scratch {
	sl_expr *e;
	node *x;
	size_t at;
};

static int emit_scratch(void *arg, const char *p, size_t n)
{
	struct to_scratch *t = arg;

	return put_text(t->e, t->x, &t->at, p, n);
}

/* replace(s, re, repl): every match of re in s by repl. */
static __attribute__((noinline)) void fn_replace(sl_expr *e, node *x,
						 val *out)
{
	struct to_scratch t = { e, x, 0 };
	const char *p, *rp;
	size_t n, rn;
	val v, r;

	eval(e, x->args[0], &v);
	as_text(&v, &p, &n);
	eval(e, x->args[2], &r);
	as_text(&r, &rp, &rn);
	if (n + 1 > x->cap2) {
		char *b = sl_mem_realloc(e->ctx, x->buf2, n + 1, "expr.scratch");

		if (!b)
			return;
		x->buf2 = b;
		x->cap2 = n + 1;
	}
	memcpy(x->buf2, p, n);
	x->buf2[n] = '\0';      /* regexec wants a C string */
	if (sl_re_replace(x->re, x->buf2, n, rp, rn, 1, emit_scratch, &t) == 0)
		scratch_value(x, out, t.at);
}

/* Out of line, as the helpers below: eval() recurses, and its frame must
 * stay small (hostile_deep_expr nests 10000 deep). */
static __attribute__((noinline)) void eval_fn(sl_expr *e, node *x, val *out)
{
	const char *p, *q;
	size_t n, qn, at = 0, i, lo, hi;
	double a, b;
	val v, w;
	int k;

	switch (x->fn) {
	case F_CONCAT:
		for (k = 0; k < x->nargs; k++)
			if (put_value(e, x, x->args[k], &at) < 0)
				return;
		scratch_value(x, out, at);
		return;
	case F_STRLEN:
		eval(e, x->args[0], &v);
		as_text(&v, &p, &n);
		for (i = 0, lo = 0; i < n; i++)
			lo += ((unsigned char)p[i] & 0xc0) != 0x80;
		set_num(out, (double)lo);
		return;
	case F_SUBSTR:           /* from 1, in characters */
		eval(e, x->args[0], &v);
		as_text(&v, &p, &n);
		a = arg_num(e, x->args[1]);
		b = x->nargs > 2 ? arg_num(e, x->args[2]) : INFINITY;
		if (isnan(a) || isnan(b) || b <= 0) {
			set_str(out, "", 0);
			return;
		}
		a = a < 1 ? 1 : floor(a);
		lo = char_at(p, n, a - 1);
		hi = lo + char_at(p + lo, n - lo, floor(b));
		if (put_text(e, x, &at, p + lo, hi - lo) < 0)
			return;
		scratch_value(x, out, at);
		return;
	case F_REPLACE:
		fn_replace(e, x, out);
		return;
	case F_SPLIT:            /* the i-th piece, from 1 */
		eval(e, x->args[0], &v);
		as_text(&v, &p, &n);
		eval(e, x->args[1], &w);
		as_text(&w, &q, &qn);
		a = arg_num(e, x->args[2]);
		if (isnan(a) || a < 1 || qn == 0) {
			set_str(out, "", 0);
			return;
		}
		for (lo = 0; a > 1; a--) {
			const char *hit = memmem(p + lo, n - lo, q, qn);

			if (!hit) {
				lo = n + 1;
				break;
			}
			lo = (size_t)(hit - p) + qn;
		}
		if (lo > n) {
			set_str(out, "", 0);
			return;
		}
		q = memmem(p + lo, n - lo, q, qn);
		hi = q ? (size_t)(q - p) : n;
		if (put_text(e, x, &at, p + lo, hi - lo) < 0)
			return;
		scratch_value(x, out, at);
		return;
	case F_FMTNUM:
		a = arg_num(e, x->args[0]);
		if (!isfinite(a)) {
			set_str(out, "", 0);
			return;
		}
		if (scratch(e, x, 160) < 0)
			return;
		i = strlen(x->fmt);
		if (strchr("dioxX", x->fmt[i - 1]) && fabs(a) < 9.2e18) {
			char f[24];

			/* an integer conversion takes the rounded value */
			snprintf(f, sizeof(f), "%.*sll%c", (int)(i - 1), x->fmt,
				 x->fmt[i - 1]);
			n = (size_t)snprintf(x->buf, x->cap, f,
					     (long long)llround(a));
		} else if (strchr("dioxX", x->fmt[i - 1])) {
			n = 0;
		} else {
			n = (size_t)snprintf(x->buf, x->cap, x->fmt, a);
		}
		scratch_value(x, out, n < x->cap ? n : x->cap - 1);
		return;
	case F_TO_NUMBER:
		eval(e, x->args[0], &v);
		if (v.kind == V_NUM) {
			*out = v;
			return;
		}
		if (v.kind == V_STR && as_number(e, &v, &a)) {
			set_num(out, a);
			if (sl_is_decimal(v.s, v.n)) {
				out->lit = v.s;   /* its exact text */
				out->litn = v.n;
			}
			return;
		}
		set_num(out, v.kind == V_BOOL ? v.num : NAN);
		return;
	case F_ROUND:
		a = arg_num(e, x->args[0]);
		b = x->nargs > 1 ? arg_num(e, x->args[1]) : 0;
		if (isnan(b) || b < -15 || b > 15)
			b = 0;
		b = pow(10, floor(b));
		set_num(out, round(a * b) / b);
		return;
	case F_ABS:
		set_num(out, fabs(arg_num(e, x->args[0])));
		return;
	case F_MIN:
	case F_MAX:
		b = NAN;
		for (k = 0; k < x->nargs; k++) {
			a = arg_num(e, x->args[k]);
			if (!isnan(a) && (isnan(b) || (x->fn == F_MIN ? a < b :
						       a > b)))
				b = a;
		}
		set_num(out, b);
		return;
	case F_YEAR:
	case F_MONTH:
	case F_DAY:
	case F_DATE_DIFF:
		eval(e, x->args[0], &v);
		as_text(&v, &p, &n);
		a = iso_days(p, n, (int)x->fn);
		if (x->fn == F_DATE_DIFF) {
			eval(e, x->args[1], &w);
			as_text(&w, &q, &qn);
			a -= iso_days(q, qn, F_DATE_DIFF);
		}
		set_num(out, a);
		return;
	}
}

static void two_texts(sl_expr *e, node *x, val *l, val *r, const char **a,
		      size_t *an, const char **b, size_t *bn)
{
	eval(e, x->a, l);
	eval(e, x->b, r);
	as_text(l, a, an);
	as_text(r, b, bn);
}

static void eval(sl_expr *e, node *x, val *out)
{
	const char *a, *b;
	size_t an, bn;
	val l, r;

	switch (x->op) {
	case OP_NUM:
		set_num(out, x->num);
		out->lit = x->str.ptr;
		out->litn = x->str.len;
		out->dec = x->ldec;
		out->m = x->lm;
		out->scale = x->lscale;
		return;
	case OP_STR:
		set_str(out, x->str.ptr, x->str.len);
		out->num_known = 1;
		out->num_ok = x->num_ok;
		out->num = x->num;
		return;
	case OP_BOOL:
		set_bool(out, x->num != 0);
		return;
	case OP_FIELD:
		if (x->field < e->nfields)
			set_str(out, e->fields[x->field].ptr,
				e->fields[x->field].len);
		else
			set_str(out, "", 0);
		return;
	case OP_NOT:
		eval(e, x->a, &l);
		set_bool(out, !truthy(&l));
		return;
	case OP_NEG:
		eval(e, x->a, &l);
		set_num(out, -to_number(e, &l));
		return;
	case OP_OR:
		eval(e, x->a, &l);
		if (truthy(&l)) {
			set_bool(out, 1);
			return;
		}
		eval(e, x->b, &r);
		set_bool(out, truthy(&r));
		return;
	case OP_AND:
		eval(e, x->a, &l);
		if (!truthy(&l)) {
			set_bool(out, 0);
			return;
		}
		eval(e, x->b, &r);
		set_bool(out, truthy(&r));
		return;
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		set_bool(out, compare(e, x));
		return;
	case OP_FIELD_CMP:
		set_bool(out, field_cmp(e, x));
		return;
	case OP_MATCH:
		set_bool(out, match(e, x));
		return;
	case OP_NOMATCH:
		set_bool(out, !match(e, x));
		return;
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
		eval(e, x->a, &l);
		eval(e, x->b, &r);
		if (x->op <= OP_MUL && exact_arith(x->op, &l, &r, out))
			return;
		set_num(out, arith(x->op, to_number(e, &l),
				   to_number(e, &r)));
		return;
	case OP_LEN:
		eval(e, x->a, &l);
		as_text(&l, &a, &an);
		set_num(out, (double)an);
		return;
	case OP_LOWER:
	case OP_UPPER:
		map_case(e, x, out);
		return;
	case OP_IS_EMPTY:
		eval(e, x->a, &l);
		as_text(&l, &a, &an);
		set_bool(out, an == 0);
		return;
	case OP_CONTAINS:
		two_texts(e, x, &l, &r, &a, &an, &b, &bn);
		set_bool(out, bn == 0 || (an >= bn && memmem(a, an, b, bn)));
		return;
	case OP_STARTS_WITH:
		two_texts(e, x, &l, &r, &a, &an, &b, &bn);
		set_bool(out, an >= bn && memcmp(a, b, bn) == 0);
		return;
	case OP_COND:
		eval(e, x->a, &l);
		eval(e, truthy(&l) ? x->b : x->c, out);
		return;
	case OP_FN:
		set_str(out, "", 0);     /* what a failure leaves */
		eval_fn(e, x, out);
		return;
	}
}

/* The order c of two values decides the comparison op. */
static int decide(enum op op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

/*
 * field CMP literal, the common filter: the literal's number and text
 * were worked out when compiling, so only the field is looked at.
 */
static int field_cmp(sl_expr *e, node *x)
{
	const node *lit = x->b;
	const char *p = "", *t;
	size_t n = 0, tn;
	double d;

	if (x->field < e->nfields) {
		p = e->fields[x->field].ptr;
		n = e->fields[x->field].len;
	}
	if (lit->op == OP_NUM || lit->num_ok) {
		if (sl_parse_decimal(e->ctx, p, n, &d)) {
			/* by value, exactly, unless the literal has no
			 * decimal text (0x10 reads as a number too) */
			if (lit->str.ptr)
				return decide(x->cmp, sl_num_order(d, p, n,
					lit->num, lit->str.ptr, lit->str.len));
			return decide(x->cmp, (d > lit->num) - (d < lit->num));
		}
	}
	if (lit->op == OP_NUM) {
		t = x->lit_text;
		tn = strlen(t);
	} else {
		t = lit->str.ptr;
		tn = lit->str.len;
	}
	return decide(x->cmp, text_cmp(p, n, t, tn));
}

/* The truth of x, without building values where it is a yes or no. */
static int test(sl_expr *e, node *x)
{
	val v;

	switch (x->op) {
	case OP_AND:
		return test(e, x->a) && test(e, x->b);
	case OP_OR:
		return test(e, x->a) || test(e, x->b);
	case OP_NOT:
		return !test(e, x->a);
	case OP_FIELD_CMP:
		return field_cmp(e, x);
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		return compare(e, x);
	case OP_MATCH:
		return match(e, x);
	case OP_NOMATCH:
		return !match(e, x);
	default:
		eval(e, x, &v);
		return truthy(&v);
	}
}

int sl_expr_eval(sl_expr *e, const sl_str *fields, size_t n)
{
	e->fields = fields;
	e->nfields = n;
	return test(e, e->root);
}

/* ---- parsing --------------------------------------------------------------- */

typedef struct parser {
	sl_arena *a;
	sl_ctx *ctx;
	const char *text;
	const char *p;          /* next byte */
	const sl_str *names;
	size_t nnames;
	size_t errcol;
	int failed;
	unsigned nest;          /* '(', calls and unary operators open */
} parser;

/*
 * The parser and the walks over the tree recurse, so a hostile expression
 * ("((((..." or "1+1+1+...") could overflow the stack: both the nesting
 * and the tree's depth are capped, far above what a person writes and
 * well within the stack, sanitizers included.
 */
enum { MAX_NEST = 1000, MAX_DEPTH = 10000 };

static node *parse_or(parser *ps);
static node *parse_cond(parser *ps);
static regex_t *compile_regex(parser *ps, const char *at, const sl_str *pat,
			      int flags);

static void fail_at(parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_at(parser *ps, const char *at, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = 1;
	ps->errcol = (size_t)(at - ps->text) + 1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sl_error(ps->ctx, SL_EINVAL, "syntax error at column %zu: %s",
		 ps->errcol, what);
}

static void skip_space(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

/* Consume the operator s if it comes next. */
static int accept(parser *ps, const char *s)
{
	size_t n = strlen(s);

	skip_space(ps);
	if (strncmp(ps->p, s, n) != 0)
		return 0;
	/* "=" alone or "!" before "=" belong to longer operators */
	ps->p += n;
	return 1;
}

static node *new_node(parser *ps, enum op op, node *a, node *b)
{
	unsigned depth = 1 + (a ? a->depth : 0);
	node *x;

	if (b && b->depth >= depth)
		depth = b->depth + 1;
	if (ps->failed)
		return NULL;
	if (depth > MAX_DEPTH) {
		fail_at(ps, ps->p, "the expression is more than %d operators"
			" deep", MAX_DEPTH);
		return NULL;
	}
	x = sl_arena_alloc(ps->a, sizeof(*x));
	if (!x) {
		ps->failed = 1;
		return NULL;
	}
	memset(x, 0, sizeof(*x));
	x->op = op;
	x->a = a;
	x->b = b;
	x->depth = depth;
	return x;
}

/* Enter one more level of '(', call or unary operator; 0 if too deep. */
static int nest_in(parser *ps, const char *at)
{
	if (++ps->nest <= MAX_NEST)
		return 1;
	fail_at(ps, at, "parentheses, calls and unary operators nest more"
		" than %d deep", MAX_NEST);
	return 0;
}

static int ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

static void release_regex(void *arg)
{
	regfree(arg);
}

static node *field_node(parser *ps, const char *at, const char *name,
			size_t len)
{
	char list[512];
	size_t i, k = 0;
	node *x;

	for (i = 0; i < ps->nnames; i++) {
		if (ps->names[i].len == len &&
		    memcmp(ps->names[i].ptr, name, len) == 0) {
			x = new_node(ps, OP_FIELD, NULL, NULL);
			if (x)
				x->field = i;
			return x;
		}
	}
	list[0] = '\0';
	for (i = 0; i < ps->nnames && k < sizeof(list) - 64; i++)
		k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%.*s",
				      i ? ", " : "", (int)ps->names[i].len,
				      ps->names[i].ptr);
	if (i < ps->nnames)
		snprintf(list + k, sizeof(list) - k, ", ...");
	ps->failed = 1;
	ps->errcol = (size_t)(at - ps->text) + 1;
	sl_error(ps->ctx, SL_EINVAL, "unknown field '%.*s' at column %zu; the"
		 " fields are: %s", (int)len, name, ps->errcol, list);
	return NULL;
}

static node *string_node(parser *ps)
{
	const char *at = ps->p;
	char quote = *ps->p++;
	char *buf = sl_arena_alloc(ps->a, strlen(ps->p) + 1);
	size_t n = 0;
	node *x;

	if (!buf) {
		ps->failed = 1;
		return NULL;
	}
	for (;;) {
		char c = *ps->p;

		/* never step past the terminating NUL */
		if (c == '\0' || (c == '\\' && ps->p[1] == '\0')) {
			fail_at(ps, at, "unterminated string");
			return NULL;
		}
		ps->p++;
		if (c == quote)
			break;
		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': case '"': case '\'': break;
			default:
				fail_at(ps, ps->p - 2, "unknown escape '\\%c'"
					" in a string", c);
				return NULL;
			}
		}
		buf[n++] = c;
	}
	x = new_node(ps, OP_STR, NULL, NULL);
	if (x) {
		x->str.ptr = buf;
		x->str.len = n;
		x->num_ok = sl_parse_decimal(ps->ctx, buf, n, &x->num);
	}
	return x;
}

static const struct func {
	const char *name;
	enum op op;
	int nargs, most;         /* most: -1 for any number */
	enum fn fn;              /* OP_FN's */
} funcs[] = {
	{ "len", OP_LEN, 1, 1, 0 },
	{ "lower", OP_LOWER, 1, 1, 0 },
	{ "upper", OP_UPPER, 1, 1, 0 },
	{ "is_empty", OP_IS_EMPTY, 1, 1, 0 },
	{ "contains", OP_CONTAINS, 2, 2, 0 },
	{ "starts_with", OP_STARTS_WITH, 2, 2, 0 },
	{ "concat", OP_FN, 1, -1, F_CONCAT },
	{ "strlen", OP_FN, 1, 1, F_STRLEN },
	{ "substr", OP_FN, 2, 3, F_SUBSTR },
	{ "replace", OP_FN, 3, 3, F_REPLACE },
	{ "split", OP_FN, 3, 3, F_SPLIT },
	{ "fmtnum", OP_FN, 2, 2, F_FMTNUM },
	{ "to_number", OP_FN, 1, 1, F_TO_NUMBER },
	{ "round", OP_FN, 1, 2, F_ROUND },
	{ "abs", OP_FN, 1, 1, F_ABS },
	{ "min", OP_FN, 1, -1, F_MIN },
	{ "max", OP_FN, 1, -1, F_MAX },
	{ "year", OP_FN, 1, 1, F_YEAR },
	{ "month", OP_FN, 1, 1, F_MONTH },
	{ "day", OP_FN, 1, 1, F_DAY },
	{ "date_diff", OP_FN, 2, 2, F_DATE_DIFF },
};

/* fmtnum's format: exactly one conversion, %[flags][width][.precision]
 * and one of d i o x X e E f g G, nothing around it; kept in x->fmt.  0,
 * or -1 after saying why. */
static int check_format(parser *ps, const char *at, const sl_str *f,
			node *x)
{
	size_t i = 0, w;

	if (f->len == 0 || f->len >= sizeof(x->fmt) || f->ptr[0] != '%')
		goto bad;
	for (i = 1; i < f->len && strchr("-+ 0#", f->ptr[i]); i++)
		;
	for (w = 0; i < f->len && isdigit((unsigned char)f->ptr[i]); i++)
		w = w * 10 + (size_t)(f->ptr[i] - '0');
	if (w > 100)
		goto bad;
	if (i < f->len && f->ptr[i] == '.') {
		for (i++, w = 0; i < f->len && isdigit((unsigned char)f->ptr[i]);
		     i++)
			w = w * 10 + (size_t)(f->ptr[i] - '0');
		if (w > 100)
			goto bad;
	}
	if (i + 1 != f->len || !strchr("dioxXeEfgG", f->ptr[i]))
		goto bad;
	memcpy(x->fmt, f->ptr, f->len);
	x->fmt[f->len] = '\0';
	return 0;
bad:
	fail_at(ps, at, "fmtnum() takes a format of one conversion, such as"
		" \"%%.2f\" or \"%%08d\" (width and precision at most 100)");
	return -1;
}

/* OP_FN x of f over args[0..n): the arguments that must be literals. */
static node *fn_node(parser *ps, const char *at, const struct func *f,
		     node **args, int n)
{
	node *x = new_node(ps, OP_FN, n > 0 ? args[0] : NULL,
			   n > 1 ? args[1] : NULL);
	int k;

	if (!x)
		return NULL;
	x->fn = f->fn;
	x->nargs = n;
	x->args = sl_arena_alloc(ps->a, (size_t)(n ? n : 1) * sizeof(node *));
	if (!x->args) {
		ps->failed = 1;
		return NULL;
	}
	for (k = 0; k < n; k++) {
		x->args[k] = args[k];
		if (args[k]->depth >= x->depth)
			x->depth = args[k]->depth + 1;
	}
	if (x->depth > MAX_DEPTH) {
		fail_at(ps, at, "the expression is more than %d operators"
			" deep", MAX_DEPTH);
		return NULL;
	}
	if (f->fn == F_REPLACE) {
		if (args[1]->op != OP_STR) {
			fail_at(ps, at, "replace() takes its regular expression"
				" as a string literal");
			return NULL;
		}
		x->re = compile_regex(ps, at, &args[1]->str, REG_EXTENDED);
		if (!x->re)
			return NULL;
	}
	if (f->fn == F_FMTNUM) {
		if (args[1]->op != OP_STR) {
			fail_at(ps, at, "fmtnum() takes its format as a string"
				" literal");
			return NULL;
		}
		if (check_format(ps, at, &args[1]->str, x) < 0)
			return NULL;
	}
	return x;
}

static node *call_node(parser *ps, const char *at, const char *name,
		       size_t len)
{
	const struct func *f = NULL;
	node *args[64];
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strlen(funcs[i].name) == len &&
		    memcmp(funcs[i].name, name, len) == 0)
			f = &funcs[i];
	if (!f) {
		fail_at(ps, at, "unknown function '%.*s' (len, lower, upper,"
			" is_empty, contains, starts_with, concat, strlen,"
			" substr, replace, split, fmtnum, to_number, round, abs,"
			" min, max, year, month, day, date_diff)", (int)len,
			name);
		return NULL;
	}
	if (!nest_in(ps, at))
		return NULL;
	if (!accept(ps, ")")) {
		do {
			node *arg = parse_cond(ps);

			if (!arg)
				return NULL;
			if (n == 64) {
				fail_at(ps, at, "%s() takes at most 64"
					" arguments", f->name);
				return NULL;
			}
			args[n++] = arg;
		} while (accept(ps, ","));
		if (!accept(ps, ")")) {
			fail_at(ps, ps->p, "expected ',' or ')' in the call of"
				" %s()", f->name);
			return NULL;
		}
	}
	ps->nest--;
	if (n < f->nargs || (f->most >= 0 && n > f->most)) {
		if (f->most == f->nargs)
			fail_at(ps, at, "%s() takes %d argument%s, not %d",
				f->name, f->nargs, f->nargs == 1 ? "" : "s", n);
		else if (f->most < 0)
			fail_at(ps, at, "%s() takes %d argument%s or more, not"
				" %d", f->name, f->nargs, f->nargs == 1 ? "" :
				"s", n);
		else
			fail_at(ps, at, "%s() takes %d to %d arguments, not %d",
				f->name, f->nargs, f->most, n);
		return NULL;
	}
	if (f->op == OP_FN)
		return fn_node(ps, at, f, args, n);
	return new_node(ps, f->op, args[0], n > 1 ? args[1] : NULL);
}

/* Keep pre and p[0..n) as the text of number literal x; 0 or -1. */
static int literal_text(parser *ps, node *x, const char *pre, const char *p,
			size_t n)
{
	size_t m = strlen(pre);
	char *t = sl_arena_alloc(ps->a, m + n + 1);

	if (!t) {
		ps->failed = 1;
		return -1;
	}
	memcpy(t, pre, m);
	memcpy(t + m, p, n);
	t[m + n] = '\0';
	x->str.ptr = t;
	x->str.len = m + n;
	return 0;
}

static node *parse_primary(parser *ps)
{
	const char *at, *start;
	node *x;

	skip_space(ps);
	at = ps->p;
	if (*ps->p == '(') {
		ps->p++;
		if (!nest_in(ps, at))
			return NULL;
		x = parse_cond(ps);
		ps->nest--;
		if (x && !accept(ps, ")")) {
			fail_at(ps, ps->p, "expected ')' to close the '(' at"
				" column %zu", (size_t)(at - ps->text) + 1);
			return NULL;
		}
		return x;
	}
	if (*ps->p == '"' || *ps->p == '\'')
		return string_node(ps);
	if (isdigit((unsigned char)*ps->p) ||
	    (*ps->p == '.' && isdigit((unsigned char)ps->p[1]))) {
		char *end;
		double d = strtod(ps->p, &end);

		if (ident_char(*end)) {
			fail_at(ps, end, "unexpected '%c' after a number",
				*end);
			return NULL;
		}
		start = ps->p;
		ps->p = end;
		x = new_node(ps, OP_NUM, NULL, NULL);
		if (x) {
			x->num = d;
			if (sl_is_decimal(start, (size_t)(end - start)) &&
			    literal_text(ps, x, "", start,
					 (size_t)(end - start)) < 0)
				return NULL;
			x->ldec = x->str.ptr && parse_dec(x->str.ptr, x->str.len,
							  &x->lm, &x->lscale);
		}
		return x;
	}
	if (*ps->p == '$') {
		ps->p++;
		if (*ps->p == '{') {
			start = ++ps->p;
			while (*ps->p && *ps->p != '}')
				ps->p++;
			if (!*ps->p) {
				fail_at(ps, at, "unterminated '${'");
				return NULL;
			}
			ps->p++;
			return field_node(ps, at, start,
					  (size_t)(ps->p - 1 - start));
		}
		if (isdigit((unsigned char)*ps->p)) {
			size_t k = 0;

			while (isdigit((unsigned char)*ps->p) && k < 100000000)
				k = k * 10 + (size_t)(*ps->p++ - '0');
			if (k < 1 || k > ps->nnames) {
				fail_at(ps, at, "field $%zu is not within"
					" 1-%zu", k, ps->nnames);
				return NULL;
			}
			x = new_node(ps, OP_FIELD, NULL, NULL);
			if (x)
				x->field = k - 1;
			return x;
		}
		if (!ident_start(*ps->p)) {
			fail_at(ps, at, "expected a field name after '$'");
			return NULL;
		}
		start = ps->p;
		while (ident_char(*ps->p))
			ps->p++;
		return field_node(ps, at, start, (size_t)(ps->p - start));
	}
	if (ident_start(*ps->p)) {
		size_t len;

		start = ps->p;
		while (ident_char(*ps->p))
			ps->p++;
		len = (size_t)(ps->p - start);
		if (accept(ps, "("))
			return call_node(ps, at, start, len);
		if (len == 4 && memcmp(start, "true", 4) == 0) {
			x = new_node(ps, OP_BOOL, NULL, NULL);
			if (x)
				x->num = 1;
			return x;
		}
		if (len == 5 && memcmp(start, "false", 5) == 0)
			return new_node(ps, OP_BOOL, NULL, NULL);
		return field_node(ps, at, start, len);
	}
	if (*ps->p == '\0')
		fail_at(ps, at, "expected an operand at the end");
	else
		fail_at(ps, at, "expected an operand, not '%c'", *ps->p);
	return NULL;
}

static node *parse_unary(parser *ps)
{
	node *x;

	skip_space(ps);
	if (*ps->p == '!' && ps->p[1] != '=' && ps->p[1] != '~') {
		if (!nest_in(ps, ps->p))
			return NULL;
		ps->p++;
		x = parse_unary(ps);
		ps->nest--;
		return x ? new_node(ps, OP_NOT, x, NULL) : NULL;
	}
	if (*ps->p == '-') {
		if (!nest_in(ps, ps->p))
			return NULL;
		ps->p++;
		x = parse_unary(ps);
		ps->nest--;
		if (x && x->op == OP_NUM) {
			/* a negative literal, which keeps its text */
			const char *t = x->str.ptr;

			x->num = -x->num;
			if (t && *t == '-')
				x->str.ptr++, x->str.len--;
			else if (t && literal_text(ps, x, "-", t,
						   x->str.len) < 0)
				return NULL;
			x->lm = -x->lm;
			return x;
		}
		return x ? new_node(ps, OP_NEG, x, NULL) : NULL;
	}
	return parse_primary(ps);
}

static node *parse_product(parser *ps)
{
	node *x = parse_unary(ps), *y;
	enum op op;

	while (x) {
		if (accept(ps, "*"))
			op = OP_MUL;
		else if (accept(ps, "/"))
			op = OP_DIV;
		else if (accept(ps, "%"))
			op = OP_MOD;
		else
			break;
		y = parse_unary(ps);
		x = y ? new_node(ps, op, x, y) : NULL;
	}
	return x;
}

/* a . b: concat(a, b), or b added to the concat a chain of dots made, so
 * a long chain is one node (eval would recurse once a link). */
static node *dot_node(parser *ps, node *x, node *y)
{
	static const struct func cat = { "concat", OP_FN, 1, -1, F_CONCAT };
	node *args[2] = { x, y };
	node **v;

	if (x->op != OP_FN || x->fn != F_CONCAT || x->acap == 0) {
		x = fn_node(ps, ps->p, &cat, args, 2);
		if (!x)
			return NULL;
		x->acap = 2;            /* a chain that may grow */
		return x;
	}
	if (x->nargs == x->acap) {
		if (x->acap > (1 << 20)) {
			fail_at(ps, ps->p, "too many '.' in a row");
			return NULL;
		}
		v = sl_arena_alloc(ps->a, 2 * (size_t)x->acap * sizeof(*v));
		if (!v) {
			ps->failed = 1;
			return NULL;
		}
		memcpy(v, x->args, (size_t)x->nargs * sizeof(*v));
		x->args = v;
		x->acap *= 2;
	}
	x->args[x->nargs++] = y;
	if (y->depth >= x->depth)
		x->depth = y->depth + 1;
	return x;
}

static node *parse_sum(parser *ps)
{
	node *x = parse_product(ps), *y;
	enum op op;

	while (x) {
		skip_space(ps);
		if (accept(ps, "+"))
			op = OP_ADD;
		else if (accept(ps, "-"))
			op = OP_SUB;
		else if (*ps->p == '.' && ps->p[1] != '.' &&
			 !isdigit((unsigned char)ps->p[1])) {
			ps->p++;          /* a . b: the texts joined */
			y = parse_product(ps);
			x = y ? dot_node(ps, x, y) : NULL;
			continue;
		} else
			break;
		y = parse_product(ps);
		x = y ? new_node(ps, op, x, y) : NULL;
	}
	return x;
}

static const struct cmpop {
	const char *text;
	enum op op;
} cmpops[] = {
	/* longer first: "<=" before "<" */
	{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
	{ "=~", OP_MATCH }, { "!~", OP_NOMATCH }, { "<", OP_LT }, { ">", OP_GT },
};

static int accept_cmp(parser *ps, enum op *op)
{
	size_t i;

	for (i = 0; i < sizeof(cmpops) / sizeof(cmpops[0]); i++) {
		if (accept(ps, cmpops[i].text)) {
			*op = cmpops[i].op;
			return 1;
		}
	}
	return 0;
}

/*
 * glibc's regcomp spells a repetition out, one copy of the repeated part
 * per repeat (x{2,5} is five copies of x, x+ two), so nested repetitions
 * multiply: "a{1,32767}" or twenty nested "(...)+" take gigabytes that no
 * ceiling counts.  Its epsilon closures take time quadratic in the ways
 * a part can match the empty string, which multiply too: a second for
 * "((a*|b*){10})+", minutes for "((a*|b*){14})+".  So the pattern is
 * measured before regcomp: a pattern past RE_MAX_NODES nodes, or with a
 * part that matches empty in more than RE_MAX_EMPTY ways, is refused.
 * So are a repetition right after another ("(x*+)?{8,23}" takes
 * minutes), which POSIX leaves undefined, and a back-reference (\1),
 * which POSIX extended expressions lack and which makes matching take
 * exponential time.
 */
#define RE_MAX_NODES 2000
#define RE_MAX_EMPTY 256
#define RE_MAX_DEPTH 64

/* p at a repetition: min and max repeats (max < 0: no bound), *end past
 * it; 0 if there is none. */
static int re_repeat(const char *p, double *min, double *max,
		     const char **end)
{
	const char *q = p + 1;

	*end = q;
	*min = *p == '+';
	*max = *p == '?' ? 1 : -1;
	if (*p == '*' || *p == '+' || *p == '?')
		return 1;
	if (*p != '{' || !(isdigit((unsigned char)*q) || *q == ','))
		return 0;           /* glibc takes {,n} for {0,n} */
	for (*min = 0; isdigit((unsigned char)*q); q++)
		*min = *min * 10 + (*q - '0');
	*max = *min;
	if (*q == ',') {
		*max = isdigit((unsigned char)*++q) ? 0 : -1;
		for (; isdigit((unsigned char)*q); q++)
			*max = *max * 10 + (*q - '0');
	}
	if (*q != '}')
		return 0;
	*end = q + 1;
	if (*max >= 0 && *max < *min)
		*max = *min;
	return 1;
}

/* p at an atom: a character, an escaped one or a bracket expression. */
static const char *re_atom_end(const char *p)
{
	if (*p == '\\')
		return p[1] ? p + 2 : p + 1;
	if (*p++ != '[')
		return p;
	p += *p == '^';
	p += *p == ']';
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char d = p[1];

			for (p += 2; *p && !(*p == d && p[1] == ']'); p++)
				;
			p += *p ? 2 : 0;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* A group being measured: its nodes, and its empty matches as the sum
 * over its finished branches and the product over the items of this
 * one; the last item apart, as a repetition changes it. */
typedef struct re_group {
	double nodes, sum, prod;
	double last_nodes, last_empty;
} re_group;

static void re_item(re_group *g, double nodes, double empty)
{
	g->prod *= g->last_empty;
	g->nodes += nodes;
	g->last_nodes = nodes;
	g->last_empty = empty;
}

static double re_empty(const re_group *g)
{
	return g->sum + g->prod * g->last_empty;
}

/* Why pattern p is refused, or NULL. */
static const char *re_refuse(const char *p)
{
	static const char big[] = "its repetitions would make it too large";
	re_group lv[RE_MAX_DEPTH + 1], *g = lv;
	double min, max, copies, e, k, opt;
	int repeated = 0, r;
	const char *end;

	memset(g, 0, sizeof(*g));
	g->prod = g->last_empty = 1;        /* an empty branch */
	while (*p) {
		r = re_repeat(p, &min, &max, &end);
		if (r && repeated)
			return "a repetition follows another";
		repeated = r;
		if (r) {
			e = g->last_empty;
			copies = max < 0 ? min + 1 : max;
			if (copies > RE_MAX_NODES)
				return big;
			if (copies < 1)
				copies = 1;
			/* the optional copies nest, x(x(x)?)?, after min
			 * copies that must match */
			for (k = min, opt = 1; k < max; k++)
				opt = 1 + e * opt;
			if (max < 0)
				opt = 1 + e;
			for (k = 0; k < min; k++)
				opt *= e;
			g->nodes += g->last_nodes * (copies - 1) + 1;
			g->last_nodes = g->last_nodes * copies + 1;
			g->last_empty = opt;
			p = end;
		} else if (*p == '(') {
			if (g == lv + RE_MAX_DEPTH)
				return "its groups nest too deeply";
			g++;
			memset(g, 0, sizeof(*g));
			g->prod = g->last_empty = 1;
			p++;
		} else if (*p == ')' && g > lv) {
			e = re_empty(g);
			copies = g->nodes + 1;
			g--;
			re_item(g, copies, e);
			p++;
		} else if (*p == '|') {
			g->sum = re_empty(g);
			g->prod = g->last_empty = 1;
			g->nodes += 1;
			p++;
		} else {
			if (p[0] == '\\' && p[1] >= '1' && p[1] <= '9')
				return "back-references are not supported";
			/* anchors match empty, as far as regcomp cares */
			re_item(g, 1, *p == '^' || *p == '$' || (*p == '\\' &&
				p[1] && strchr("bB<>`'", p[1])));
			p = re_atom_end(p);
		}
		if (g->nodes > RE_MAX_NODES)
			return big;
		if (g->last_empty > RE_MAX_EMPTY || re_empty(g) > RE_MAX_EMPTY)
			return "it can match the empty string in too many ways";
	}
	for (; g > lv; g--)
		if ((g[-1].nodes += g->nodes) > RE_MAX_NODES)
			return big;
	return NULL;
}

/* The regular expression pat, checked (re_refuse) and compiled with
 * flags into the arena; NULL after saying why. */
static regex_t *compile_regex(parser *ps, const char *at, const sl_str *pat,
			      int flags)
{
	char msg[128];
	const char *why;
	regex_t *re;
	char *text;
	int rc;

	text = sl_arena_strndup(ps->a, pat->ptr, pat->len);
	re = sl_arena_alloc(ps->a, sizeof(*re));
	if (!text || !re) {
		ps->failed = 1;
		return NULL;
	}
	if ((why = re_refuse(text)) != NULL) {
		fail_at(ps, at, "bad regular expression: %s", why);
		return NULL;
	}
	rc = regcomp(re, text, flags);
	if (rc != 0) {
		regerror(rc, re, msg, sizeof(msg));
		regfree(re);
		fail_at(ps, at, "bad regular expression: %s", msg);
		return NULL;
	}
	if (sl_arena_on_release(ps->a, release_regex, re) != SL_OK) {
		regfree(re);
		ps->failed = 1;
		return NULL;
	}
	return re;
}

static node *regex_node(parser *ps, node *left, enum op op, const char *at)
{
	regex_t *re;
	node *pat, *x;

	skip_space(ps);
	at = ps->p;
	if (*ps->p != '"' && *ps->p != '\'') {
		fail_at(ps, at, "the right side of %s must be a string"
			" literal", op == OP_MATCH ? "=~" : "!~");
		return NULL;
	}
	pat = string_node(ps);
	if (!pat)
		return NULL;
	re = compile_regex(ps, at, &pat->str, REG_EXTENDED | REG_NOSUB);
	if (!re)
		return NULL;
	x = new_node(ps, op, left, NULL);
	if (x)
		x->re = re;
	return x;
}

static node *parse_cmp(parser *ps)
{
	node *x = parse_sum(ps), *y;
	const char *at;
	enum op op;

	if (!x)
		return NULL;
	skip_space(ps);
	at = ps->p;
	if (!accept_cmp(ps, &op))
		return x;
	if (op == OP_MATCH || op == OP_NOMATCH)
		x = regex_node(ps, x, op, at);
	else
		x = (y = parse_sum(ps)) ? new_node(ps, op, x, y) : NULL;
	skip_space(ps);
	if (x && accept_cmp(ps, &op)) {
		fail_at(ps, at, "comparisons do not chain; join them with &&");
		return NULL;
	}
	return x;
}

static node *parse_and(parser *ps)
{
	node *x = parse_cmp(ps), *y;

	while (x && accept(ps, "&&")) {
		y = parse_cmp(ps);
		x = y ? new_node(ps, OP_AND, x, y) : NULL;
	}
	return x;
}

static node *parse_or(parser *ps)
{
	node *x = parse_and(ps), *y;

	while (x && accept(ps, "||")) {
		y = parse_and(ps);
		x = y ? new_node(ps, OP_OR, x, y) : NULL;
	}
	return x;
}

/* cond := or ['?' cond ':' cond] */
static node *parse_cond(parser *ps)
{
	node *x = parse_or(ps), *y, *z;
	const char *at;

	skip_space(ps);
	at = ps->p;
	if (!x || !accept(ps, "?"))
		return x;
	if (!nest_in(ps, at))
		return NULL;
	y = parse_cond(ps);
	if (y && !accept(ps, ":")) {
		fail_at(ps, ps->p, "expected ':' of the '?' at column %zu",
			(size_t)(at - ps->text) + 1);
		return NULL;
	}
	z = y ? parse_cond(ps) : NULL;
	ps->nest--;
	if (!z)
		return NULL;
	x = new_node(ps, OP_COND, x, y);
	if (x) {
		x->c = z;
		if (z->depth >= x->depth)
			x->depth = z->depth + 1;
	}
	return x;
}

static void release_scratch(void *arg)
{
	node *x = arg;

	sl_mem_free(x->buf);
	sl_mem_free(x->buf2);
	x->buf = x->buf2 = NULL;
	x->cap = x->cap2 = 0;
}

/* The comparison that holds with its sides swapped: a < b is b > a. */
static enum op mirror(enum op op)
{
	switch (op) {
	case OP_LT: return OP_GT;
	case OP_LE: return OP_GE;
	case OP_GT: return OP_LT;
	case OP_GE: return OP_LE;
	default: return op;
	}
}

/*
 * Turn "field CMP literal" (either way round) into OP_FIELD_CMP, with the
 * literal's text ready.  The rules are those of compare(): a number
 * literal compares numerically with a numeric field, else as text.
 */
static void specialize(node *x)
{
	node *f = NULL, *lit = NULL;
	val v;

	if (!x)
		return;
	specialize(x->a);
	specialize(x->b);
	if (x->op < OP_EQ || x->op > OP_GE)
		return;
	if (x->a->op == OP_FIELD && (x->b->op == OP_NUM ||
				     x->b->op == OP_STR)) {
		f = x->a;
		lit = x->b;
		x->cmp = x->op;
	} else if (x->b->op == OP_FIELD && (x->a->op == OP_NUM ||
					    x->a->op == OP_STR)) {
		f = x->b;
		lit = x->a;
		x->cmp = mirror(x->op);
	} else {
		return;
	}
	if (lit->op == OP_NUM) {
		const char *p;
		size_t n;

		set_num(&v, lit->num);
		as_text(&v, &p, &n);
		memcpy(x->lit_text, p, n + 1);
	}
	x->op = OP_FIELD_CMP;
	x->field = f->field;
	x->a = NULL;
	x->b = lit;
}

/* Register the scratch buffers of lower() and upper() for release. */
static int own_scratch(parser *ps, node *x)
{
	if (!x)
		return 0;
	if ((x->op == OP_LOWER || x->op == OP_UPPER || x->op == OP_MATCH ||
	     x->op == OP_NOMATCH || x->op == OP_FN) &&
	    sl_arena_on_release(ps->a, release_scratch, x) != SL_OK)
		return -1;
	if (x->op == OP_FN) {        /* its a and b are args[0] and [1] */
		int k;

		for (k = 0; k < x->nargs; k++)
			if (own_scratch(ps, x->args[k]) < 0)
				return -1;
		return 0;
	}
	if (own_scratch(ps, x->a) < 0 || own_scratch(ps, x->c) < 0)
		return -1;
	return own_scratch(ps, x->b);
}

sl_expr *sl_expr_compile(sl_arena *a, const char *text, const sl_str *names,
			 size_t n, size_t *errcol)
{
	parser ps = { .a = a, .ctx = sl_arena_ctx(a), .text = text,
		      .p = text, .names = names, .nnames = n };
	sl_expr *e;
	node *root;

	if (errcol)
		*errcol = 0;
	if (sl_failed(ps.ctx))
		return NULL;
	root = parse_cond(&ps);
	if (root) {
		skip_space(&ps);
		if (*ps.p) {
			if (*ps.p == ')')
				fail_at(&ps, ps.p, "unmatched ')'");
			else if (*ps.p == '=')
				fail_at(&ps, ps.p, "'=' is not an operator; use"
					" == to compare");
			else if (*ps.p == '&' || *ps.p == '|')
				fail_at(&ps, ps.p, "'%c' is not an operator; use"
					" %c%c", *ps.p, *ps.p, *ps.p);
			else
				fail_at(&ps, ps.p, "unexpected '%c' after a"
					" complete expression", *ps.p);
			root = NULL;
		}
	}
	if (errcol)
		*errcol = ps.errcol;
	if (!root || own_scratch(&ps, root) < 0)
		return NULL;
	specialize(root);
	e = sl_arena_alloc(a, sizeof(*e));
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->ctx = ps.ctx;
	e->root = root;
	return e;
}

/* ---- put: assignments ------------------------------------------------------ */

struct stmt {
	size_t target;          /* the field it sets */
	node *root;
	char num[40];           /* a number it computed, as text */
};

struct sl_prog {
	sl_expr e;
	struct stmt *s;
	size_t n;
	sl_str *names;          /* the header out: the input's, then new */
	size_t nin, nout;
};

/* The target of an assignment: a bare name, $name or ${any name}; into
 * *name.  0, or -1 after saying why. */
static int target_name(parser *ps, sl_str *name)
{
	const char *at = ps->p;

	if (*ps->p == '$' && ps->p[1] == '{') {
		ps->p += 2;
		name->ptr = ps->p;
		while (*ps->p && *ps->p != '}')
			ps->p++;
		if (!*ps->p) {
			fail_at(ps, at, "unterminated '${'");
			return -1;
		}
		name->len = (size_t)(ps->p++ - name->ptr);
		return 0;
	}
	if (*ps->p == '$')
		ps->p++;
	if (!ident_start(*ps->p)) {
		fail_at(ps, at, *ps->p ? "expected the name of a field to"
			" set" : "expected an assignment at the end");
		return -1;
	}
	name->ptr = ps->p;
	while (ident_char(*ps->p))
		ps->p++;
	name->len = (size_t)(ps->p - name->ptr);
	return 0;
}

sl_prog *sl_prog_compile(sl_arena *a, const char *text, const sl_str *names,
		       size_t n, size_t *errcol)
{
	parser ps = { .a = a, .ctx = sl_arena_ctx(a), .text = text,
		      .p = text };
	size_t most = 1, i;
	const char *q;
	sl_prog *p;
	sl_str name;

	if (errcol)
		*errcol = 0;
	if (sl_failed(ps.ctx))
		return NULL;
	for (q = text; *q; q++)
		most += *q == ';';      /* at most one new field each */
	p = sl_arena_alloc(a, sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->names = sl_arena_alloc(a, (n + most) * sizeof(*p->names));
	p->s = sl_arena_alloc(a, most * sizeof(*p->s));
	if (!p->names || !p->s)
		return NULL;
	if (n)
		memcpy(p->names, names, n * sizeof(*names));
	p->nin = p->nout = n;
	ps.names = p->names;
	for (;;) {
		struct stmt *st;
		node *root;

		skip_space(&ps);
		if (!*ps.p)
			break;
		if (*ps.p == ';') {
			ps.p++;
			continue;
		}
		if (target_name(&ps, &name) < 0)
			break;
		skip_space(&ps);
		if (*ps.p != '=' || ps.p[1] == '=') {
			fail_at(&ps, ps.p, "expected '=' after the field to"
				" set");
			break;
		}
		ps.p++;
		ps.nnames = p->nout;
		root = parse_cond(&ps);
		if (!root)
			break;
		skip_space(&ps);
		if (*ps.p && *ps.p != ';') {
			fail_at(&ps, ps.p, "expected ';' between assignments,"
				" not '%c'", *ps.p);
			break;
		}
		if (own_scratch(&ps, root) < 0) {
			ps.failed = 1;
			break;
		}
		specialize(root);
		st = &p->s[p->n++];
		memset(st, 0, sizeof(*st));
		st->root = root;
		for (i = 0; i < p->nout; i++)
			if (p->names[i].len == name.len &&
			    memcmp(p->names[i].ptr, name.ptr, name.len) == 0)
				break;
		if (i == p->nout) {     /* a new field, at the end */
			p->names[i].ptr = sl_arena_strndup(a, name.ptr,
							   name.len);
			p->names[i].len = name.len;
			if (!p->names[i].ptr)
				return NULL;
			p->nout++;
		}
		st->target = i;
	}
	if (errcol)
		*errcol = ps.errcol;
	if (ps.failed)
		return NULL;
	if (p->n == 0) {
		sl_error(ps.ctx, SL_EINVAL, "put needs at least one assignment"
			 " (NAME = EXPRESSION)");
		return NULL;
	}
	p->e.ctx = ps.ctx;
	return p;
}

const sl_str *sl_prog_names(const sl_prog *p, size_t *n)
{
	*n = p->nout;
	return p->names;
}

void sl_prog_run(sl_prog *p, const sl_str *in, const unsigned char *kin,
		size_t nin, sl_str *out, unsigned char *kout)
{
	size_t i;
	val v;

	for (i = 0; i < p->nout; i++) {
		if (i < nin && i < p->nin) {
			out[i] = in[i];
			if (kout)
				kout[i] = kin ? kin[i] : SL_KIND_TEXT;
		} else {
			out[i].ptr = "";
			out[i].len = 0;
			if (kout)
				kout[i] = SL_KIND_ABSENT;
		}
	}
	p->e.fields = out;
	p->e.nfields = p->nout;
	for (i = 0; i < p->n; i++) {
		struct stmt *st = &p->s[i];
		sl_str *f = &out[st->target];
		unsigned char k;

		eval(&p->e, st->root, &v);
		if (v.kind == V_STR) {
			f->ptr = v.s;
			f->len = v.n;
			k = st->root->op == OP_FIELD && kout ?
				kout[st->root->field] : SL_KIND_STRING;
		} else if (v.kind == V_BOOL) {
			f->ptr = v.num ? "true" : "false";
			f->len = v.num ? 4 : 5;
			k = SL_KIND_BOOL;
		} else if (v.lit) {     /* a number with its exact text */
			f->ptr = v.lit;
			f->len = v.litn;
			k = SL_KIND_NUMBER;
		} else if (isnan(v.num)) {
			f->ptr = "";    /* no number: empty, null in JSON */
			f->len = 0;
			k = SL_KIND_NULL;
		} else if (isinf(v.num)) {
			f->ptr = v.num < 0 ? "-inf" : "inf";
			f->len = strlen(f->ptr);
			k = SL_KIND_STRING;
		} else if (v.dec) {
			f->len = dec_text(st->num, v.m, v.scale);
			f->ptr = st->num;
			k = SL_KIND_NUMBER;
		} else {
			sl_expr_number_text(st->num, sizeof(st->num), v.num);
			f->ptr = st->num;
			f->len = strlen(st->num);
			k = SL_KIND_NUMBER;
		}
		if (kout)
			kout[st->target] = k;
	}
}
