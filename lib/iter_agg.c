/*
 * iter_agg.c - stages built on the aggregator (agg.c): stats and freq,
 * the partial states they write instead of records, and the records of
 * an aggregator filled elsewhere (sluice merge's).
 *
 * A stats or freq stage resolves its lists in start(), when the header
 * is known, and tells the reader upstream which fields it will look at;
 * then it makes the aggregator and adds every record upstream (keys,
 * and for stats the value fields).  next() hands out the results:
 *
 * - stats with keys: one record per group, the keys then FIELD_OP for
 *   each value field and op; without keys: one record per value field,
 *   "field" then one column per op;
 * - freq: the groups with their counts go through a sorter ordered by
 *   count, greatest first, then by the keys byte-wise (limited to a
 *   quarter of the ceiling, spilling beyond), and come out of it, the
 *   first n only when n is set.
 *
 * The work is done in start(), when the header is asked for: the
 * aggregator and the ranking sorter size themselves by the ceiling,
 * not by what is free, so they run before the stages downstream (a
 * writer) take their memory, and what those need is free again by then
 * (the reader's buffers, the aggregator's table).  sl_write_partial()
 * has the stage stop after the adding, to write the states instead.
 */
#include <stdio.h>
#include <string.h>

#include "iter.h"

static const sl_agg_op plain_ops[] = {
	SL_AGG_COUNT, SL_AGG_EMPTY, SL_AGG_TYPE, SL_AGG_MIN, SL_AGG_MAX,
	SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_STDDEV, SL_AGG_DISTINCT, SL_AGG_P50,
	SL_AGG_P90, SL_AGG_P99
};

static const sl_agg_op group_ops[] = {
	SL_AGG_COUNT, SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_MIN, SL_AGG_MAX
};

#define NOPS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the records of a filled aggregator ---------------------------------- */

struct results {
	sl_agg *g;
	sl_agg_spec sp;
	sl_agg_options o;
	int freq;                /* freq's records, else stats' */
	size_t ncol;
	sl_str *row;             /* the record handed out */
	sl_record rec;
	sl_arena *tmp;           /* stats: the texts of the current row */
	const sl_str *key;       /* stats: the current group ... */
	size_t f;                /* ... and the value field of its next row */
	sl_sorter *s;            /* freq: the groups by count */
	uint64_t written;
	sl_spill_stats spill;
};

/* "field_op" in arena a. */
static int column_name(sl_arena *a, sl_str *out, const sl_str *field,
		       sl_agg_op op)
{
	const char *o = sl_agg_op_name(op);
	size_t n = field->len + 1 + strlen(o);
	char *p = sl_arena_alloc(a, n + 1);

	if (!p)
		return -1;
	memcpy(p, field->ptr, field->len);
	p[field->len] = '_';
	memcpy(p + field->len + 1, o, strlen(o) + 1);
	out->ptr = p;
	out->len = n;
	return 0;
}

/* The header of the results of r->sp, as it->names; 0 or -1. */
static int results_header(sl_iter *it, struct results *r)
{
	const sl_agg_spec *sp = &r->sp;
	size_t i, f, k;
	sl_str *names;

	if (r->freq)
		r->ncol = sp->nkeys + 1;
	else if (sp->nkeys)
		r->ncol = sp->nkeys + sp->nfields * sp->nops;
	else
		r->ncol = 1 + sp->nops;
	names = sl_arena_alloc(it->arena, r->ncol * sizeof(*names));
	r->row = sl_arena_alloc(it->arena, r->ncol * sizeof(*r->row));
	if (!names || !r->row)
		return -1;
	if (sp->nkeys)
		memcpy(names, sp->keys, sp->nkeys * sizeof(*names));
	if (r->freq) {
		names[sp->nkeys].ptr = "count";
		names[sp->nkeys].len = 5;
	} else if (sp->nkeys) {
		for (f = 0, i = sp->nkeys; f < sp->nfields; f++)
			for (k = 0; k < sp->nops; k++)
				if (column_name(it->arena, &names[i++],
						&sp->fields[f], sp->ops[k]) < 0)
					return -1;
	} else {
		names[0].ptr = "field";
		names[0].len = 5;
		for (k = 0; k < sp->nops; k++) {
			names[1 + k].ptr = sl_agg_op_name(sp->ops[k]);
			names[1 + k].len = strlen(names[1 + k].ptr);
		}
	}
	it->names = names;
	it->nnames = r->ncol;
	return 0;
}

static const sl_record *row_record(struct results *r, const sl_str *f,
				   size_t n)
{
	memset(&r->rec, 0, sizeof(r->rec));
	r->rec.fields = f;
	r->rec.nfields = n;
	return &r->rec;
}

/*
 * The next stats record.  With keys a group is a record; without, the
 * one group gives a record per value field.  A result is valid until
 * the next call on the aggregator, so a row's texts are copied to tmp.
 */
static const sl_record *stats_next(sl_iter *it, struct results *r)
{
	const sl_agg_spec *sp = &r->sp;
	size_t per = sp->nkeys ? 1 : sp->nfields, i, ff, k;

	if (!r->tmp && !(r->tmp = sl_arena_child(it->arena, "stats.row")))
		return NULL;
	sl_arena_reset(r->tmp);
	while (!r->key || r->f == per) {
		r->key = sl_agg_next(r->g);
		r->f = 0;
		if (!r->key)
			return NULL;
	}
	if (sp->nkeys) {
		memcpy(r->row, r->key, sp->nkeys * sizeof(*r->row));
		i = sp->nkeys;
		ff = 0;
	} else {
		r->row[0] = sp->fields[r->f];
		i = 1;
		ff = r->f;
	}
	for (; ff < (sp->nkeys ? sp->nfields : r->f + 1); ff++)
		for (k = 0; k < sp->nops; k++, i++) {
			sl_str v = sl_agg_result(r->g, ff, sp->ops[k]);
			char *p = sl_arena_strndup(r->tmp, v.ptr, v.len);

			if (!p)
				return NULL;
			r->row[i].ptr = p;
			r->row[i].len = v.len;
		}
	r->f++;
	return row_record(r, r->row, r->ncol);
}

/* Rank freq's groups: every one into a sorter by count, then keys. */
static int freq_rank(sl_iter *it, struct results *r)
{
	size_t nk = r->sp.nkeys, i;
	sl_sort_options so = { 0 };
	sl_sort_key *keys;
	const sl_str *key;
	char num[32];

	keys = sl_arena_alloc(it->arena, (nk + 1) * sizeof(*keys));
	if (!keys)
		return -1;
	memset(keys, 0, (nk + 1) * sizeof(*keys));
	keys[0].field = nk;     /* count, greatest first */
	keys[0].numeric = 1;
	keys[0].reverse = 1;
	for (i = 0; i < nk; i++)
		keys[1 + i].field = i;
	so.tmpdir = r->o.tmpdir;
	so.codec = r->o.codec;
	so.level = r->o.level;
	so.tmp_limit = r->o.tmp_limit;
	so.mem_limit = sl_mem_ceiling(it->ctx) / 4;
	r->s = sl_sorter_new(it->arena, keys, nk + 1, &so);
	if (!r->s)
		return -1;
	while ((key = sl_agg_next(r->g)) != NULL) {
		if (nk)
			memcpy(r->row, key, nk * sizeof(*r->row));
		r->row[nk].ptr = num;
		r->row[nk].len = (size_t)snprintf(num, sizeof(num), "%llu",
						  (unsigned long long)
						  sl_agg_rows(r->g));
		if (sl_sorter_add(r->s, r->row, nk + 1) != SL_OK)
			return -1;
	}
	return sl_failed(it->ctx) ? -1 : 0;
}

static const sl_record *freq_next(struct results *r)
{
	const sl_str *f;
	size_t n;

	if (r->sp.top && r->written >= r->sp.top)
		return NULL;
	f = sl_sorter_next(r->s, &n);
	if (!f)
		return NULL;
	r->written++;
	return row_record(r, f, n);
}

static const sl_record *results_next(sl_iter *it, struct results *r)
{
	if (sl_failed(it->ctx))
		return NULL;
	return r->freq ? freq_next(r) : stats_next(it, r);
}

/* The aggregator's spill counters and freq's sorter's, added up. */
static const sl_spill_stats *results_spill(struct results *r)
{
	const sl_spill_stats *a, *b;

	if (!r->g)
		return NULL;
	a = sl_agg_stats(r->g);
	r->spill = *a;
	if (r->s) {
		b = sl_sorter_stats(r->s);
		r->spill.runs += b->runs;
		r->spill.passes += b->passes;
		r->spill.raw += b->raw;
		r->spill.packed += b->packed;
		r->spill.on_disk += b->on_disk;
		if (b->limit > r->spill.limit)
			r->spill.limit = b->limit;
	}
	return &r->spill;
}

/* ---- stats and freq ------------------------------------------------------- */

struct aggst {
	struct results r;
	const char *groups, *fields;   /* the lists, in the pipeline arena */
	sl_agg_op *ops;
	size_t nops;
	size_t *gi, *fi, ng, nf;       /* key and value field positions */
	sl_str *keys, *vals;           /* one record's */
	int partial;                   /* sl_write_partial()'s */
};

/* Does any op need values sorted (no partial state with keys)? */
static int sorted_ops(const sl_agg_op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ops[i] == SL_AGG_DISTINCT || ops[i] == SL_AGG_P50 ||
		    ops[i] == SL_AGG_P90 || ops[i] == SL_AGG_P99)
			return 1;
	return 0;
}

/* Aggregates "count,sum,..." into s->ops; 0 or -1 with SL_EINVAL. */
static int parse_ops(sl_iter *it, struct aggst *s, const char *list)
{
	size_t cnt = 1, len;
	const char *p;
	int op;

	if (!list || !*list) {
		if (s->groups && *s->groups) {
			s->ops = (sl_agg_op *)group_ops;
			s->nops = NOPS(group_ops);
		} else {
			s->ops = (sl_agg_op *)plain_ops;
			s->nops = NOPS(plain_ops);
		}
		return 0;
	}
	for (p = list; *p; p++)
		cnt += *p == ',';
	s->ops = sl_arena_alloc(it->arena, cnt * sizeof(*s->ops));
	if (!s->ops)
		return -1;
	for (p = list;; p += len + 1) {
		len = strcspn(p, ",");
		if (!len) {
			sl_error(it->ctx, SL_EINVAL, "empty item in the list"
				 " '%s'", list);
			return -1;
		}
		op = sl_agg_op_parse(p, len);
		if (op < 0) {
			sl_error(it->ctx, SL_EINVAL, "unknown aggregate '%.*s'"
				 " (one of count empty type min max sum mean"
				 " stddev distinct p50 p90 p99 first last)",
				 (int)len, p);
			return -1;
		}
		s->ops[s->nops++] = (sl_agg_op)op;
		if (!p[len])
			break;
	}
	return 0;
}

/* The positions of a list's fields, their number in *n; 0 or -1. */
static int positions(sl_iter *it, const char *list, size_t **idx, size_t *n)
{
	sl_sort_key *k;
	size_t i;

	k = sl_keys_parse(it->arena, list, it->names, it->nnames, 0, n);
	if (!k)
		return -1;
	*idx = sl_arena_alloc(it->arena, (*n ? *n : 1) * sizeof(**idx));
	if (!*idx)
		return -1;
	for (i = 0; i < *n; i++)
		(*idx)[i] = k[i].field;
	return 0;
}

/* The names of fields idx[0..n) of the header, in the pipeline arena. */
static sl_str *names_of(sl_iter *it, const size_t *idx, size_t n)
{
	sl_str *v = sl_arena_alloc(it->arena, (n ? n : 1) * sizeof(*v));
	size_t i;

	for (i = 0; v && i < n; i++)
		v[i] = it->names[idx[i]];
	return v;
}

/* out[i] = field idx[i] of rec, empty past its end. */
static void pick(const sl_record *rec, const size_t *idx, size_t n,
		 sl_str *out)
{
	static const sl_str empty = { "", 0 };
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = idx[i] < rec->nfields ? rec->fields[idx[i]] : empty;
}

/* Make the aggregator and add every record upstream; 0 or -1. */
static int agg_fill(sl_iter *it)
{
	struct aggst *s = it->state;
	const sl_record *rec;

	s->r.g = sl_agg_new(it->arena, s->ng, s->nf, s->ops, s->nops,
			    &s->r.o);
	if (!s->r.g)
		return -1;
	while ((rec = sl_iter_next(it->in)) != NULL) {
		pick(rec, s->gi, s->ng, s->keys);
		pick(rec, s->fi, s->nf, s->vals);
		if (sl_agg_add(s->r.g, s->keys, s->vals) != SL_OK)
			return -1;
	}
	return sl_failed(it->ctx) ? -1 : 0;
}

static int agg_start(sl_iter *it)
{
	struct aggst *s = it->state;
	size_t nh = it->nnames, i, j;
	unsigned char *want;

	if (s->r.freq || (s->groups && *s->groups))
		if (positions(it, s->groups, &s->gi, &s->ng) < 0)
			return -1;
	if (s->fields && *s->fields) {
		if (positions(it, s->fields, &s->fi, &s->nf) < 0)
			return -1;
	} else if (!s->r.freq) {        /* every field but the keys */
		s->fi = sl_arena_alloc(it->arena, (nh + 1) * sizeof(*s->fi));
		if (!s->fi)
			return -1;
		for (i = 0; i < nh; i++) {
			for (j = 0; j < s->ng && s->gi[j] != i; j++)
				;
			if (j == s->ng)
				s->fi[s->nf++] = i;
		}
	}
	s->keys = sl_arena_alloc(it->arena, (s->ng + 1) * sizeof(sl_str));
	s->vals = sl_arena_alloc(it->arena, (s->nf + 1) * sizeof(sl_str));
	s->r.sp.keys = names_of(it, s->gi, s->ng);
	s->r.sp.fields = names_of(it, s->fi, s->nf);
	want = sl_arena_alloc(it->arena, nh + 1);
	if (!s->keys || !s->vals || !s->r.sp.keys || !s->r.sp.fields ||
	    !want)
		return -1;
	s->r.sp.nkeys = s->ng;
	s->r.sp.nfields = s->nf;
	memset(want, 0, nh + 1);
	for (i = 0; i < s->ng; i++)
		want[s->gi[i]] = 1;
	for (i = 0; i < s->nf; i++)
		want[s->fi[i]] = 1;
	sl_iter_want(it->in, want, nh);
	if (results_header(it, &s->r) < 0 || agg_fill(it) < 0)
		return -1;
	return s->partial || !s->r.freq ? 0 : freq_rank(it, &s->r);
}

static const sl_record *agg_next(sl_iter *it)
{
	struct aggst *s = it->state;

	return s->partial ? NULL : results_next(it, &s->r);
}

static const sl_spill_stats *agg_spill(sl_iter *it)
{
	return results_spill(&((struct aggst *)it->state)->r);
}

/* A stats or freq stage; the options copied, tmpdir too. */
static sl_iter *agg_stage(sl_iter *in, int freq, const char *groups,
			  const char *fields, const sl_agg_options *o)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct aggst));
	struct aggst *s;

	if (!it)
		return NULL;
	s = it->state;
	s->r.freq = freq;
	s->r.sp.verb = freq ? "freq" : "stats";
	if (o)
		s->r.o = *o;
	if (sl_iter_keep(it, &s->r.o.tmpdir) < 0)
		return NULL;
	s->groups = sl_iter_strdup(it, groups);
	s->fields = sl_iter_strdup(it, fields);
	if (!s->groups || !s->fields)
		return NULL;
	it->start = agg_start;
	it->next = agg_next;
	it->spill = agg_spill;
	return it;
}

sl_iter *sl_stats_opts(sl_iter *in, const char *groups, const char *fields,
		       const char *aggs, const sl_agg_options *o)
{
	sl_iter *it = agg_stage(in, 0, groups, fields, o);
	struct aggst *s;

	if (!it)
		return NULL;
	s = it->state;
	if (parse_ops(it, s, aggs) < 0)
		return NULL;
	s->r.sp.ops = s->ops;
	s->r.sp.nops = s->nops;
	return it;
}

sl_iter *sl_stats(sl_iter *in, const char *groups, const char *fields,
		  const char *aggs)
{
	return sl_stats_opts(in, groups, fields, aggs, NULL);
}

sl_iter *sl_freq_opts(sl_iter *in, const char *fields, uint64_t n,
		      const sl_agg_options *o)
{
	sl_iter *it = agg_stage(in, 1, fields, NULL, o);

	if (it)
		((struct aggst *)it->state)->r.sp.top = n;
	return it;
}

sl_iter *sl_freq(sl_iter *in, const char *fields, uint64_t n)
{
	return sl_freq_opts(in, fields, n, NULL);
}

sl_status sl_write_partial(sl_iter *it, sl_sink *out)
{
	struct aggst *s;
	const sl_str *names;
	size_t n;

	if (!it)
		return SL_EINVAL;
	if (it->next != agg_next)
		return sl_error(it->ctx, SL_EINVAL, "partial states come from"
				" a stats or freq stage only");
	s = it->state;
	if ((*s->groups || s->r.o.exact) && !s->r.freq &&
	    sorted_ops(s->ops, s->nops))
		return sl_error(it->ctx, SL_EINVAL, "partial states cannot"
				" carry distinct or quantiles with keys or"
				" exact; leave them out of the aggregates");
	if (it->started)
		return sl_error(it->ctx, SL_EINVAL, "partial states of a"
				" stage already read");
	s->partial = 1;
	names = sl_iter_header(it, &n);         /* adds every record */
	if (!names)             /* an empty input, or a failure */
		return sl_errcode(it->ctx);
	if (sl_agg_write_header(it->ctx, out, &s->r.sp) != SL_OK ||
	    sl_agg_write_partial(s->r.g, out) != SL_OK)
		return sl_errcode(it->ctx);
	return SL_OK;
}

/* ---- the results of an aggregator filled elsewhere --------------------- */

static int res_start(sl_iter *it)
{
	struct results *r = it->state;

	if (results_header(it, r) < 0)
		return -1;
	return r->freq ? freq_rank(it, r) : 0;
}

static const sl_record *res_next(sl_iter *it)
{
	return results_next(it, it->state);
}

static const sl_spill_stats *res_spill(sl_iter *it)
{
	return results_spill(it->state);
}

sl_iter *sl_agg_results(sl_arena *a, sl_agg *g, const sl_agg_spec *spec,
			const sl_agg_options *o)
{
	sl_iter *it = sl_iter_new_source(a, sizeof(struct results));
	struct results *r;

	if (!it)
		return NULL;
	r = it->state;
	r->g = g;
	r->sp = *spec;
	if (o)
		r->o = *o;
	if (sl_iter_keep(it, &r->o.tmpdir) < 0)
		return NULL;
	if (strcmp(spec->verb, "freq") == 0) {
		r->freq = 1;
	} else if (strcmp(spec->verb, "stats") != 0) {
		sl_error(it->ctx, SL_EDATA, "partial states of an unknown"
			 " verb '%s'", spec->verb);
		return NULL;
	}
	it->format = SL_FORMAT_CSV;
	it->start = res_start;
	it->next = res_next;
	it->spill = res_spill;
	return it;
}
