/*
 * agg.c - group-by aggregation under the memory ceiling, and the partial
 * states that let separate runs be combined (with agg_acc.c and
 * agg_state.c; agg.h is what they share).
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

#include "agg.h"

static const char *const op_names[SL_AGG_NOPS] = {
	"count", "empty", "type", "min", "max", "sum", "mean", "stddev",
	"distinct", "p50", "p90", "p99", "first", "last"
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
		if ((c = sl_bytes_order(a[i].ptr, a[i].len, b[i].ptr,
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
static void put_wide(sl_agg *g, const sl_wide *x)
{
	sl_wide z = *x;
	uint64_t sign = (uint64_t)sl_wide_neg(&z);
	int i;

	if (sign)
		sl_wide_negate(&z);
	for (i = 3; i > 0; i--)
		z.w[i] = z.w[i] << 1 | z.w[i - 1] >> 63;
	z.w[0] = z.w[0] << 1 | sign;
	for (;;) {
		unsigned char b = (unsigned char)(z.w[0] & 0x7f);

		for (i = 0; i < 3; i++)
			z.w[i] = z.w[i] >> 7 | z.w[i + 1] << 57;
		z.w[3] >>= 7;
		if (sl_wide_zero(&z)) {
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

static const unsigned char *get_wide(const unsigned char *p, sl_wide *x)
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
		sl_wide_negate(x);
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
		if (a.hi.p && !agg_strings(&a))
			sl_parse_decimal(g->ctx, a.hi.p, a.hi.len, &a.max);
		if (agg_acc_merge(g, &gr->accs[f], &a, ar) != SL_OK)
			return sl_error(g->ctx, SL_ENOMEM, "no memory for a"
					" group's strings");
	}
	return SL_OK;
}

static sl_status new_sorter(sl_agg *g, const sl_sort_key *keys, size_t n)
{
	sl_sort_options so = { 0 };

	so.tmpdir = g->opt.tmpdir;
	so.codec = g->opt.codec;
	so.level = g->opt.level;
	so.tmp_limit = g->opt.tmp_limit;
	so.mem_limit = sl_mem_ceiling(g->ctx) / 4;
	if (agg_child_new(g->ctx, "agg.sort", &g->sort_arena) != SL_OK)
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
	return agg_child_reset(&g->groups);
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
group *agg_find_group(sl_agg *g, const sl_str *keys, size_t extra)
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
static size_t group_share(sl_ctx *ctx, const sl_agg_options *o)
{
	size_t cap = sl_mem_ceiling(ctx), chunk = sl_ctx_chunk_size(ctx);
	size_t other = 6 * chunk + (64 << 10) +
		sl_spill_writer_mem(o->codec, o->level);

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
	agg_child_free(&g->groups);
	agg_child_free(&g->cur_arena);
	agg_child_free(&g->sort_arena);
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
	    sl_arena_on_release(a, agg_release, g) != SL_OK ||
	    sl_spill_check(ctx, g->opt.codec, g->opt.level) != SL_OK)
		return NULL;
	if (nops)
		memcpy(g->ops, ops, nops * sizeof(*ops));
	g->nops = nops;
	for (i = 0; i < nops; i++)
		g->need |= NEED(ops[i]);
	g->mode = (g->need & (NEED(SL_AGG_DISTINCT) | NEED_Q)) &&
		(nkeys || g->opt.exact) ? SORT_MODE : HASH_MODE;
	g->share = group_share(ctx, &g->opt);
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
	if (agg_child_new(ctx, "agg.groups", &g->groups) != SL_OK)
		return NULL;
	if (!nkeys) {   /* the one group, made now, with its sketches */
		group *gr = agg_find_group(g, NULL, 0);

		if (!gr)
			return NULL;
		for (i = 0; i < nfields; i++) {
			if (!(g->need & (NEED(SL_AGG_DISTINCT) | NEED_Q)))
				break;
			gr->accs[i].sk = sl_arena_alloc(a, sizeof(sketch));
			if (!gr->accs[i].sk)
				return NULL;
			memset(gr->accs[i].sk, 0, sizeof(sketch));
			if (sl_arena_on_release(a, agg_sketch_release,
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
	gr = agg_find_group(g, keys, 0);
	if (!gr)
		return sl_errcode(g->ctx);
	gr->rows++;
	for (f = 0; f < g->nfields; f++) {
		if (agg_acc_add(g, &gr->accs[f], g->groups, &values[f], g->seq,
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
		agg_child_free(&g->groups);
	}
	if (agg_child_new(g->ctx, "agg.current", &g->cur_arena) != SL_OK)
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
	if (agg_child_reset(&g->cur_arena) != SL_OK)
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
		size_t writer = 2 * sl_ctx_chunk_size(g->ctx) +
			sl_spill_writer_mem(g->opt.codec, g->opt.level);
		char *q = used + (cap - g->qcap) + writer <= lim ?
			sl_mem_try_realloc(g->ctx, g->qv, cap, "agg.values") :
			NULL;

		if (!q) {     /* no room: the rest of the segment on disk */
			size_t i;

			g->qspill = sl_spill_new(g->arena, g->opt.tmpdir ?
						 g->opt.tmpdir : getenv("TMPDIR") ?
						 getenv("TMPDIR") : "/tmp",
						 g->opt.codec,
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
		if (i == r[j] && agg_sbuf_set(g, g->cur_arena, &a->x->q[j], p,
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
		r[j] = k ? agg_rank_of(agg_quantile_q[j], k) : 0;
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
	if (agg_child_reset(&g->cur_arena) != SL_OK)
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
		if (agg_acc_add(g, a, g->cur_arena, v,
			    hex_value(&g->la[g->nkeys + 2]), &t, &d) != SL_OK)
			return NULL;
		if (!g->have_prev || sl_bytes_order(v->ptr, v->len, g->prev,
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
		if ((t == SL_NUM_INT || t == SL_NUM_FLOAT) && (g->need & NEED_Q) &&
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
		g->cur = agg_child_reset(&g->cur_arena) == SL_OK ?
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
	return agg_result(g, &g->cur->accs[f], op);
}

const sl_spill_stats *sl_agg_stats(const sl_agg *g)
{
	return g->sorter ? sl_sorter_stats(g->sorter) : &g->nostats;
}
