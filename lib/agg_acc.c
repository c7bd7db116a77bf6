/*
 * agg_acc.c - the accumulators of the aggregator: one per value field of
 * a group, with the arenas they keep strings in, the sketches of the
 * group without keys, and the texts of the results.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

const double agg_quantile_q[3] = { 0.5, 0.9, 0.99 };

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

sl_status agg_child_new(sl_ctx *ctx, const char *tag, sl_arena **slot)
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
sl_status agg_child_reset(sl_arena **slot)
{
	sl_arena *c = *slot;

	sl_arena_reset(c);
	*slot = c;
	return sl_arena_on_release(c, forget_arena, slot);
}

void agg_child_free(sl_arena **slot)
{
	if (*slot)
		sl_arena_free(*slot);   /* clears *slot */
	*slot = NULL;
}

/* ---- accumulators ------------------------------------------------------------ */

/* Keep a copy of p[0..n) in *s, from arena a.  0 or -1 (no memory). */
int agg_sbuf_set(sl_agg *g, sl_arena *a, sbuf *s, const char *p, size_t n)
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
	sl_neumaier_add(&a->fsum, &a->fcomp, d);
}

/* Values that are neither empty nor numbers. */
uint64_t agg_strings(const acc *a)
{
	return a->n - a->empty - a->nint - a->nfloat;
}

/* The order of min and max: numbers by exact value, then by bytes. */
static int number_order(double x, const char *a, size_t an, double y,
			const char *b, size_t bn)
{
	int c = sl_num_order(x, a, an, y, b, bn);

	return c ? c : sl_bytes_order(a, an, b, bn);
}

/*
 * Take the value p[0..n), a string or the number d, into lo and hi when
 * it is the least or the greatest so far; before it is counted.
 * 0 or -1 (no memory).
 */
static int extremes_add(sl_agg *g, acc *a, sl_arena *ar, const char *p,
			size_t n, int str, double d)
{
	uint64_t k = a->nint + a->nfloat, s = agg_strings(a);

	if ((g->need & NEED(SL_AGG_MIN)) &&
	    (str ? !k && (!s || sl_bytes_order(p, n, a->lo.p, a->lo.len) < 0) :
	     !k || number_order(d, p, n, a->min, a->lo.p, a->lo.len) < 0)) {
		if (agg_sbuf_set(g, ar, &a->lo, p, n) < 0)
			return -1;
		a->min = d;
	}
	if ((g->need & NEED(SL_AGG_MAX)) &&
	    (str ? !s || sl_bytes_order(p, n, a->hi.p, a->hi.len) > 0 :
	     !s && (!k || number_order(d, p, n, a->max, a->hi.p,
					a->hi.len) > 0))) {
		if (agg_sbuf_set(g, ar, &a->hi, p, n) < 0)
			return -1;
		a->max = d;
	}
	return 0;
}

/* The same for src's lo and hi into dst, before src is counted in. */
static int extremes_merge(sl_agg *g, acc *dst, const acc *src, sl_arena *ar)
{
	uint64_t ka = dst->nint + dst->nfloat, sa = agg_strings(dst);
	uint64_t kb = src->nint + src->nfloat, sb = agg_strings(src);
	const sbuf *lo = &src->lo, *hi = &src->hi;

	if (lo->p &&
	    (kb ? !ka || number_order(src->min, lo->p, lo->len, dst->min,
				      dst->lo.p, dst->lo.len) < 0 :
	     !ka && (!dst->lo.p || sl_bytes_order(lo->p, lo->len, dst->lo.p,
					       dst->lo.len) < 0))) {
		if (agg_sbuf_set(g, ar, &dst->lo, lo->p, lo->len) < 0)
			return -1;
		dst->min = src->min;
	}
	if (hi->p &&
	    (sb ? !sa || sl_bytes_order(hi->p, hi->len, dst->hi.p,
				     dst->hi.len) > 0 :
	     !sa && (!dst->hi.p || number_order(src->max, hi->p, hi->len,
						dst->max, dst->hi.p,
						dst->hi.len) > 0))) {
		if (agg_sbuf_set(g, ar, &dst->hi, hi->p, hi->len) < 0)
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
		if (frac > SL_SUM_DIGITS)
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
	sl_wide m;
	int sc, neg;

	if (a->inexact)
		return;
	/* the common case: a number of 19 digits or fewer, no more
	 * decimals than the sum has */
	if (small_decimal(p, n, &v, &sc, &neg) && sc <= a->scale) {
		m.w[0] = v;
		m.w[1] = m.w[2] = m.w[3] = 0;
		if (sc < a->scale && !sl_wide_mag_shift(&m, a->scale - sc)) {
			a->inexact = 1;
			return;
		}
		if (neg)
			sl_wide_negate(&m);
		if (!sl_wide_add(&a->isum, &m))
			a->inexact = 1;
		return;
	}
	if (!sl_exact_decimal(p, n, &m, &sc) ||
	    !sl_exact_add(&a->isum, &a->scale, &m, sc))
		a->inexact = 1;
}

/* ---- the sketches of the group without keys ------------------------------- */

sl_status agg_sketch_to_hll(sl_agg *g, sketch *sk)
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
	agg_child_free(&sk->strs);
	return SL_OK;
}

sl_status agg_sketch_to_kll(sl_agg *g, sketch *sk)
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

sl_status agg_sketch_distinct(sl_agg *g, sketch *sk, const char *p,
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
	if (!sk->strs && agg_child_new(g->ctx, "agg.exact", &sk->strs) != SL_OK)
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
	if (agg_sketch_to_hll(g, sk) != SL_OK)
		return SL_ENOMEM;
	sl_hll_add(sk->hll, h);
	return SL_OK;
}

/* Keep the number d, of text p[0..n), exact while there is room. */
sl_status agg_sketch_number(sl_agg *g, sketch *sk, double d, const char *p,
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
	if (agg_sketch_to_kll(g, sk) != SL_OK)
		return SL_ENOMEM;
	return sl_kll_add(sk->kll, d);
}

void agg_sketch_free(sketch *sk)
{
	if (!sk)
		return;
	sl_mem_free(sk->set);
	agg_child_free(&sk->strs);
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

void agg_sketch_release(void *arg)
{
	agg_sketch_free(arg);
}

/* ---- adding a value ----------------------------------------------------------- */

/* Add one value to an accumulator; strings it keeps come from arena a. */
sl_status agg_acc_add(sl_agg *g, acc *a, sl_arena *ar, const sl_str *v,
		      uint64_t seq, int *type, double *num)
{
	double d = 0;
	int t = sl_num_classify(g->ctx, v->ptr, v->len, &d);

	/* in hash mode values come in order; sorted ones carry seq */
	if ((g->need & NEED(SL_AGG_FIRST)) &&
	    (!a->first.p || (a->x && seq < a->x->first_seq))) {
		if (agg_sbuf_set(g, ar, &a->first, v->ptr, v->len) < 0)
			return SL_ENOMEM;
		if (a->x)
			a->x->first_seq = seq;
	}
	if ((g->need & NEED(SL_AGG_LAST)) &&
	    (!a->last.p || !a->x || seq >= a->x->last_seq)) {
		if (agg_sbuf_set(g, ar, &a->last, v->ptr, v->len) < 0)
			return SL_ENOMEM;
		if (a->x)
			a->x->last_seq = seq;
	}
	if (type) {
		*type = t;
		*num = d;
	}
	if (a->sk && (g->need & NEED(SL_AGG_DISTINCT)) &&
	    agg_sketch_distinct(g, a->sk, v->ptr, v->len) != SL_OK)
		return SL_ENOMEM;
	if (t != SL_NUM_EMPTY && (g->need & NEED_MINMAX) &&
	    extremes_add(g, a, ar, v->ptr, v->len, t == SL_NUM_STRING, d) < 0)
		return SL_ENOMEM;
	a->n++;
	switch (t) {
	case SL_NUM_EMPTY:
		a->empty++;
		return SL_OK;
	case SL_NUM_STRING:
		return SL_OK;
	case SL_NUM_INT:
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
		return agg_sketch_number(g, a->sk, d, v->ptr, v->len);
	return SL_OK;
}

/* Combine src into dst (src added after dst).  Strings from arena ar. */
sl_status agg_acc_merge(sl_agg *g, acc *dst, const acc *src, sl_arena *ar)
{
	uint64_t na = dst->nint + dst->nfloat, nb = src->nint + src->nfloat;
	sl_wide m = src->isum;

	if (src->first.p && !dst->first.p &&
	    agg_sbuf_set(g, ar, &dst->first, src->first.p, src->first.len) < 0)
		return SL_ENOMEM;
	if (src->last.p &&
	    agg_sbuf_set(g, ar, &dst->last, src->last.p, src->last.len) < 0)
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
		sl_neumaier_add(&dst->fsum, &dst->fcomp, src->fsum);
		dst->fcomp += src->fcomp;
	}
	if (src->inexact)
		dst->inexact = 1;
	else if (!dst->inexact &&
		 !sl_exact_add(&dst->isum, &dst->scale, &m, src->scale))
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
size_t agg_rank_of(double q, uint64_t n)
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
		r.len = sl_number_text(sl_kll_quantile(sk->kll, agg_quantile_q[j]),
				    g->text, sizeof(g->text));
		return r;
	}
	if (!sk->sorted) {
		qsort_r(sk->vals, sk->nvals, sizeof(qval), by_value,
			sk->texts);
		sk->sorted = 1;
	}
	v = &sk->vals[agg_rank_of(agg_quantile_q[j], sk->nvals) - 1];
	r.ptr = sk->texts + v->off;
	r.len = v->len;
	return r;
}

sl_str agg_result(sl_agg *g, acc *a, sl_agg_op op)
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
			r.len = sl_exact_text(&a->isum, a->scale, g->text);
		else
			r.len = sl_number_text(a->fsum + a->fcomp, g->text,
					    sizeof(g->text));
		return r;
	case SL_AGG_MEAN:
		if (!k)
			return r;
		if (!a->inexact)
			v = sl_exact_mean(&a->isum, a->scale, k);
		else
			v = (a->fsum + a->fcomp) / (double)k;
		r.len = sl_number_text(v, g->text, sizeof(g->text));
		return r;
	case SL_AGG_STDDEV:
		if (k < 2)
			return r;
		v = sqrt((a->m2 > 0 ? a->m2 : 0) / (double)(k - 1));
		r.len = sl_number_text(v, g->text, sizeof(g->text));
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
