/*
 * iter_reshape.c - stages that reshape records as they pass: fill (empty
 * values filled down from the last non-empty one), explode (a record per
 * piece of a field split at a separator) and implode (adjacent records
 * equal but for one field made one, its values joined).
 *
 * fill keeps a copy of the last non-empty value of each field it fills,
 * in a buffer of the field's that grows to the longest value: memory is
 * bounded by the fields' longest values.  explode hands out the pieces as
 * views into the record upstream gave, which stays valid until the stage
 * asks for the next one, so it copies nothing.  implode holds the group
 * it is building (one copy of its first record, and the joined values),
 * in two buffers it swaps: the group handed out stays valid while the
 * next one is held.  A group past the ceiling is SL_ENOMEM, as for tail.
 *
 * A value is empty when its text is: "" in CSV, and in JSON an empty
 * string, null or a key left out.  A value filled in takes the kind of
 * the one it copies.  Pieces of a JSON string are strings, of anything
 * else text; an imploded value is a string when its first piece was.
 */
#include <string.h>

#include "iter.h"

/* A growing buffer charged to the budget as tag. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_room(sl_ctx *ctx, struct buf *b, size_t n, const char *tag)
{
	size_t cap = b->cap ? b->cap : 64;
	char *p;

	if (n <= b->cap)
		return 0;
	while (cap < n)
		cap = cap > SIZE_MAX / 2 ? n : cap * 2;
	p = sl_mem_realloc(ctx, b->p, cap, tag);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* The field list of a stage against its header: the positions, their
 * number in *n; NULL with the error recorded. */
static size_t *positions(sl_iter *it, const char *list, size_t *n)
{
	sl_sort_key *k = sl_keys_parse(it->arena, list, it->names,
				       it->nnames, 0, n);
	size_t *idx, i;

	if (!k)
		return NULL;
	idx = sl_arena_alloc(it->arena, (*n ? *n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (i = 0; i < *n; i++)
		idx[i] = k[i].field;
	return idx;
}

/* Room for a record of the header's width: views and kinds. */
static int views_for(sl_iter *it, sl_str **out, unsigned char **kinds)
{
	size_t n = it->nnames ? it->nnames : 1;

	*out = sl_arena_alloc(it->arena, n * sizeof(**out));
	*kinds = sl_arena_alloc(it->arena, n);
	return *out && *kinds ? 0 : -1;
}

static unsigned char kind_of(const sl_record *rec, size_t i)
{
	return rec->kinds ? rec->kinds[i] : SL_KIND_TEXT;
}

/* ---- fill ---------------------------------------------------------------- */

struct fill {
	const char *list;
	size_t *idx, n;
	struct buf *last;        /* per listed field: its last value */
	unsigned char *lkind;
	unsigned char *have;
	sl_str *out;
	unsigned char *kinds;
	sl_record rec;
};

static void fill_release(void *arg)
{
	struct fill *f = arg;
	size_t i;

	for (i = 0; f->last && i < f->n; i++)
		sl_mem_free(f->last[i].p);
	f->last = NULL;
}

static int fill_start(sl_iter *it)
{
	struct fill *f = it->state;
	size_t n;

	f->idx = positions(it, f->list, &f->n);
	if (!f->idx || views_for(it, &f->out, &f->kinds) < 0)
		return -1;
	n = f->n ? f->n : 1;
	f->last = sl_arena_alloc(it->arena, n * sizeof(*f->last));
	f->lkind = sl_arena_alloc(it->arena, n);
	f->have = sl_arena_alloc(it->arena, n);
	if (!f->last || !f->lkind || !f->have)
		return -1;
	memset(f->last, 0, n * sizeof(*f->last));
	memset(f->have, 0, n);
	return sl_arena_on_release(it->arena, fill_release, f) == SL_OK ?
		0 : -1;
}

static const sl_record *fill_next(sl_iter *it)
{
	struct fill *f = it->state;
	const sl_record *rec = sl_iter_next(it->in);
	size_t i, j, n;

	if (!rec)
		return NULL;
	/* a record as wide as the header (a stage of one's own may hand
	 * out fewer fields) */
	n = rec->nfields < it->nnames ? rec->nfields : it->nnames;
	f->rec = *rec;
	f->rec.nfields = n;
	memcpy(f->out, rec->fields, n * sizeof(*f->out));
	f->rec.fields = f->out;
	if (rec->kinds) {
		memcpy(f->kinds, rec->kinds, n);
		f->rec.kinds = f->kinds;
	}
	for (i = 0; i < f->n; i++) {
		j = f->idx[i];
		if (j >= n)
			continue;
		if (rec->fields[j].len == 0) {
			if (!f->have[i])
				continue;       /* nothing above it yet */
			f->out[j].ptr = f->last[i].p;
			f->out[j].len = f->last[i].len;
			if (rec->kinds)
				f->kinds[j] = f->lkind[i];
			continue;
		}
		if (buf_room(it->ctx, &f->last[i], rec->fields[j].len,
			     "fill.values") < 0)
			return NULL;
		memcpy(f->last[i].p, rec->fields[j].ptr, rec->fields[j].len);
		f->last[i].len = rec->fields[j].len;
		f->lkind[i] = kind_of(rec, j);
		f->have[i] = 1;
	}
	return &f->rec;
}

sl_iter *sl_fill(sl_iter *in, const char *fields)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct fill));
	struct fill *f;

	if (!it)
		return NULL;
	f = it->state;
	f->list = sl_iter_strdup(it, fields ? fields : "");
	if (!f->list)
		return NULL;
	it->start = fill_start;
	it->next = fill_next;
	it->transparent = 1;
	return it;
}

/* ---- explode ------------------------------------------------------------- */

struct explode {
	const char *field, *sep;
	size_t seplen, at;       /* at: the field's position */
	const sl_record *cur;    /* upstream's record being split */
	size_t pos;              /* where its next piece starts */
	int done;                /* its last piece is out */
	sl_str *out;
	unsigned char *kinds;
	sl_record rec;
};

static int explode_start(sl_iter *it)
{
	struct explode *e = it->state;
	size_t n, *idx = positions(it, e->field, &n);

	if (!idx)
		return -1;
	if (n != 1) {
		sl_error(it->ctx, SL_EINVAL, "explode takes one field, not"
			 " '%s'", e->field);
		return -1;
	}
	e->at = idx[0];
	e->done = 1;
	return views_for(it, &e->out, &e->kinds);
}

static const sl_record *explode_next(sl_iter *it)
{
	struct explode *e = it->state;
	const sl_str *v;
	const char *p, *end, *hit;
	size_t left;

	if (e->done) {
		size_t n;

		e->cur = sl_iter_next(it->in);
		if (!e->cur)
			return NULL;
		n = e->cur->nfields < it->nnames ? e->cur->nfields :
			it->nnames;
		if (e->at >= n)
			return e->cur;   /* no such field here: as it is */
		e->pos = 0;
		e->done = 0;
		e->rec = *e->cur;
		e->rec.nfields = n;
		memcpy(e->out, e->cur->fields, n * sizeof(*e->out));
		e->rec.fields = e->out;
		if (e->cur->kinds) {
			memcpy(e->kinds, e->cur->kinds, n);
			e->rec.kinds = e->kinds;
			if (e->kinds[e->at] != SL_KIND_STRING &&
			    e->kinds[e->at] != SL_KIND_ABSENT &&
			    e->kinds[e->at] != SL_KIND_NULL)
				e->kinds[e->at] = SL_KIND_TEXT;
		}
	}
	v = &e->cur->fields[e->at];
	p = v->ptr + e->pos;
	end = v->ptr + v->len;
	left = (size_t)(end - p);
	hit = left >= e->seplen ? memmem(p, left, e->sep, e->seplen) : NULL;
	e->out[e->at].ptr = p;
	if (hit) {
		e->out[e->at].len = (size_t)(hit - p);
		e->pos = (size_t)(hit - v->ptr) + e->seplen;
	} else {
		e->out[e->at].len = left;
		e->done = 1;
	}
	return &e->rec;
}

sl_iter *sl_explode(sl_iter *in, const char *field, const char *sep)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct explode));
	struct explode *e;

	if (!it)
		return NULL;
	if (!sep || !*sep) {
		sl_error(it->ctx, SL_EINVAL, "explode needs a separator");
		return NULL;
	}
	e = it->state;
	e->field = sl_iter_strdup(it, field ? field : "");
	e->sep = sl_iter_strdup(it, sep);
	if (!e->field || !e->sep)
		return NULL;
	e->seplen = strlen(sep);
	it->start = explode_start;
	it->next = explode_next;
	it->transparent = 1;
	return it;
}

/* ---- implode ------------------------------------------------------------- */

/* A held group: its first record's fields copied into data (the field
 * imploded last, its joined pieces after the others). */
struct group {
	struct buf data;
	sl_str *f;
	unsigned char *k;
	sl_record rec;
	size_t joined_at;        /* where the joined pieces start in data */
};

struct implode {
	const char *field, *sep;
	size_t seplen, at, n;
	struct group g[2];
	int cur;                 /* the group being built, -1: none */
	int ended;
};

static void implode_release(void *arg)
{
	struct implode *m = arg;

	sl_mem_free(m->g[0].data.p);
	sl_mem_free(m->g[1].data.p);
	m->g[0].data.p = m->g[1].data.p = NULL;
}

static int implode_start(sl_iter *it)
{
	struct implode *m = it->state;
	size_t n, *idx = positions(it, m->field, &n), i;

	if (!idx)
		return -1;
	if (n != 1) {
		sl_error(it->ctx, SL_EINVAL, "implode takes one field, not"
			 " '%s'", m->field);
		return -1;
	}
	m->at = idx[0];
	m->n = it->nnames;
	m->cur = -1;
	for (i = 0; i < 2; i++)
		if (views_for(it, &m->g[i].f, &m->g[i].k) < 0)
			return -1;
	return sl_arena_on_release(it->arena, implode_release, m) == SL_OK ?
		0 : -1;
}

/* The views of g into its data, which may have moved. */
static void group_views(struct implode *m, struct group *g,
			const size_t *lens)
{
	size_t i, at = 0;

	for (i = 0; i < m->n; i++) {
		if (i == m->at)
			continue;
		g->f[i].ptr = g->data.p + at;
		g->f[i].len = lens ? lens[i] : g->f[i].len;
		at += g->f[i].len;
	}
	g->f[m->at].ptr = g->data.p + g->joined_at;
	g->f[m->at].len = g->data.len - g->joined_at;
}

/* Hold rec as the start of group g: 0, or -1. */
static int hold(sl_iter *it, struct implode *m, struct group *g,
		const sl_record *rec)
{
	size_t i, total = 0, at = 0;

	for (i = 0; i < m->n; i++)
		total += rec->fields[i].len;
	if (buf_room(it->ctx, &g->data, total, "implode.group") < 0)
		return -1;
	for (i = 0; i < m->n; i++) {
		if (i == m->at)
			continue;
		memcpy(g->data.p + at, rec->fields[i].ptr, rec->fields[i].len);
		g->f[i].len = rec->fields[i].len;
		at += rec->fields[i].len;
		g->k[i] = kind_of(rec, i);
	}
	g->joined_at = at;
	memcpy(g->data.p + at, rec->fields[m->at].ptr,
	       rec->fields[m->at].len);
	g->data.len = at + rec->fields[m->at].len;
	g->k[m->at] = kind_of(rec, m->at) == SL_KIND_STRING ?
		SL_KIND_STRING : SL_KIND_TEXT;
	group_views(m, g, NULL);
	g->rec = *rec;
	g->rec.fields = g->f;
	g->rec.kinds = rec->kinds ? g->k : NULL;
	return 0;
}

/* Is rec equal to g but for the imploded field? */
static int same_group(const struct implode *m, const struct group *g,
		      const sl_record *rec)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (i == m->at)
			continue;
		if (g->f[i].len != rec->fields[i].len ||
		    memcmp(g->f[i].ptr, rec->fields[i].ptr, g->f[i].len) != 0 ||
		    (g->rec.kinds ? g->k[i] : SL_KIND_TEXT) != kind_of(rec, i))
			return 0;
	}
	return 1;
}

/* Join rec's field onto g: 0, or -1. */
static int join_piece(sl_iter *it, struct implode *m, struct group *g,
		      const sl_record *rec)
{
	const sl_str *v = &rec->fields[m->at];

	if (buf_room(it->ctx, &g->data, g->data.len + m->seplen + v->len,
		     "implode.group") < 0) {
		if (g->rec.input && g->rec.number)
			sl_error_explain(it->ctx, SL_ENOMEM, "the group of"
					 " records to implode from '%s' record"
					 " %llu, line %llu on does not fit",
					 g->rec.input,
					 (unsigned long long)g->rec.number,
					 (unsigned long long)g->rec.line);
		return -1;
	}
	memcpy(g->data.p + g->data.len, m->sep, m->seplen);
	memcpy(g->data.p + g->data.len + m->seplen, v->ptr, v->len);
	g->data.len += m->seplen + v->len;
	group_views(m, g, NULL);
	return 0;
}

static const sl_record *implode_next(sl_iter *it)
{
	struct implode *m = it->state;
	const sl_record *rec;
	struct group *g;

	while (!m->ended) {
		rec = sl_iter_next(it->in);
		if (!rec) {
			m->ended = 1;
			if (sl_failed(it->ctx) || m->cur < 0)
				return NULL;
			return &m->g[m->cur].rec;
		}
		if (rec->nfields < m->n) {
			sl_error(it->ctx, SL_EINVAL, "implode: a record of %zu"
				 " fields where the header has %zu",
				 rec->nfields, m->n);
			return NULL;
		}
		if (m->cur < 0) {
			m->cur = 0;
			if (hold(it, m, &m->g[0], rec) < 0)
				return NULL;
			continue;
		}
		g = &m->g[m->cur];
		if (same_group(m, g, rec)) {
			if (join_piece(it, m, g, rec) < 0)
				return NULL;
			continue;
		}
		/* a new group: held in the other buffer, this one out */
		m->cur ^= 1;
		if (hold(it, m, &m->g[m->cur], rec) < 0)
			return NULL;
		return &g->rec;
	}
	return NULL;
}

sl_iter *sl_implode(sl_iter *in, const char *field, const char *sep)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct implode));
	struct implode *m;

	if (!it)
		return NULL;
	m = it->state;
	m->field = sl_iter_strdup(it, field ? field : "");
	m->sep = sl_iter_strdup(it, sep ? sep : "");
	if (!m->field || !m->sep)
		return NULL;
	m->seplen = strlen(m->sep);
	it->start = implode_start;
	it->next = implode_next;
	it->transparent = 1;
	return it;
}
