/*
 * iter_sort.c - stages built on the external sorter: sort and uniq.
 *
 * Each stage makes its sorter at its first next(), not at start(): a
 * sorter takes what the budget has free, so it must come after the
 * stages downstream (a writer) have made theirs.
 *
 * uniq sorts the records by the keys (stable, so the first of each group
 * is its first occurrence), then reads them back once: a record whose
 * keys differ from the held first of the group ends that group, which
 * gives its first record, with its size under count.  With keep_first a
 * sequence number rides along as a last field, and the groups' records
 * go to a second sorter on that number, which gives them back in input
 * order without it.
 */
#include <stdio.h>
#include <string.h>

#include "iter.h"

struct sort {
	const char *keys;
	sl_sort_options so;
	sl_sort_key *k;
	size_t nk;
	sl_sorter *s;
};

static int sort_start(sl_iter *it)
{
	struct sort *st = it->state;

	st->k = sl_keys_parse(it->arena, st->keys, it->names, it->nnames, 1,
			      &st->nk);
	return st->k ? 0 : -1;
}

static const sl_record *sort_next(sl_iter *it)
{
	struct sort *st = it->state;
	const sl_record *rec;

	/* the sorter sizes itself by what is free when the first record is
	 * asked for: after the stages downstream (a writer) have theirs */
	if (!st->s) {
		st->so.no_provenance |= it->quiet;
		st->s = sl_sorter_new(it->arena, st->k, st->nk, &st->so);
		if (!st->s)
			return NULL;
		while ((rec = sl_iter_next(it->in)) != NULL)
			if (sl_sorter_add_record(st->s, rec) != SL_OK)
				return NULL;
		if (sl_failed(it->ctx))
			return NULL;
	}
	return sl_sorter_next_record(st->s);
}

static const sl_spill_stats *sort_spill(sl_iter *it)
{
	struct sort *st = it->state;

	return st->s ? sl_sorter_stats(st->s) : NULL;
}

sl_iter *sl_sort(sl_iter *in, const char *keys, const sl_sort_options *o)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct sort));
	struct sort *st;

	if (!it)
		return NULL;
	st = it->state;
	if (o)
		st->so = *o;
	if (sl_iter_keep(it, &st->so.tmpdir) < 0)
		return NULL;
	st->keys = sl_iter_strdup(it, keys);
	if (!st->keys)
		return NULL;
	it->start = sort_start;
	it->next = sort_next;
	it->spill = sort_spill;
	it->transparent = 1;
	return it;
}

/* ---- uniq ------------------------------------------------------------ */

struct uniq {
	const char *keys;
	sl_uniq_options o;
	sl_sort_key *k, seqkey;
	size_t nk;
	size_t nout;             /* fields handed out: the header's, count */
	sl_sorter *s, *back;     /* by key; keep_first: by sequence number */
	sl_str *out;             /* nout + 1: a record being made */
	unsigned char *kinds;
	sl_held first;           /* the first record of the group */
	uint64_t group;          /* its records so far; 0: none held */
	const sl_record *pending; /* the sorter's record that ended it */
	int done;                /* the sorter by key is at its end */
	char num[32];
	sl_record one;           /* what next() hands out, with the
				  * provenance of the group's first */
	sl_spill_stats stats;
};

static void uniq_release(void *arg)
{
	struct uniq *u = arg;

	sl_held_free(&u->first);
}

static int uniq_start(sl_iter *it)
{
	struct uniq *u = it->state;
	sl_str *names;

	u->k = sl_keys_parse(it->arena, u->keys, it->names, it->nnames, 0,
			     &u->nk);
	if (!u->k)
		return -1;
	u->nout = it->nnames + (u->o.count != 0);
	u->out = sl_arena_alloc(it->arena, (u->nout + 1) * sizeof(*u->out));
	u->kinds = sl_arena_alloc(it->arena, u->nout + 1);
	if (!u->out || !u->kinds)
		return -1;
	if (u->o.count) {
		names = sl_arena_alloc(it->arena, u->nout * sizeof(*names));
		if (!names)
			return -1;
		memcpy(names, it->names, it->nnames * sizeof(*names));
		names[it->nnames].ptr = "count";
		names[it->nnames].len = 5;
		it->names = names;
		it->nnames = u->nout;
	}
	/* keep_first: the sequence number, last, past the count's place */
	u->seqkey.field = u->nout;
	u->seqkey.numeric = 1;
	return 0;
}

/* Add rec to the sorter by key: with keep_first, padded to nout fields
 * and numbered.  0 or -1. */
static int uniq_add(sl_iter *it, const sl_record *rec, uint64_t seq)
{
	struct uniq *u = it->state;
	size_t n = rec->nfields;
	sl_record one;

	if (!u->o.keep_first)
		return sl_sorter_add_record(u->s, rec) == SL_OK ? 0 : -1;
	if (n > it->in->nnames) {     /* readers refuse these */
		sl_error(it->ctx, SL_EDATA, "a record of '%s' has %zu fields,"
			 " more than its header's %zu", rec->input ?
			 rec->input : "the input", n, it->in->nnames);
		return -1;
	}
	memcpy(u->out, rec->fields, n * sizeof(*u->out));
	if (rec->kinds)
		memcpy(u->kinds, rec->kinds, n);
	for (; n < u->nout; n++) {
		u->out[n].ptr = "";
		u->out[n].len = 0;
		u->kinds[n] = SL_KIND_TEXT;
	}
	u->out[n].ptr = u->num;
	u->out[n].len = (size_t)snprintf(u->num, sizeof(u->num), "%llu",
					 (unsigned long long)seq);
	u->kinds[n++] = SL_KIND_TEXT;
	one = *rec;
	one.nfields = n;
	one.fields = u->out;
	one.kinds = rec->kinds ? u->kinds : NULL;
	return sl_sorter_add_record(u->s, &one) == SL_OK ? 0 : -1;
}

/* The record the held group gives: the header's fields, the count, and
 * with keep_first the sequence number last. */
static const sl_record *uniq_group_record(sl_iter *it)
{
	struct uniq *u = it->state;
	const sl_record *f = &u->first.rec;
	size_t nin = it->in->nnames;
	size_t k = f->nfields < nin ? f->nfields : nin;

	memcpy(u->out, f->fields, k * sizeof(*u->out));
	if (f->kinds)
		memcpy(u->kinds, f->kinds, k);
	for (; k < nin; k++) {
		u->out[k].ptr = "";
		u->out[k].len = 0;
		u->kinds[k] = SL_KIND_TEXT;
	}
	if (u->o.count) {
		u->out[k].ptr = u->num;
		u->out[k].len = (size_t)snprintf(u->num, sizeof(u->num),
						 "%llu", (unsigned long long)
						 u->group);
		u->kinds[k++] = SL_KIND_TEXT;
	}
	if (u->o.keep_first) {
		u->kinds[k] = SL_KIND_TEXT;
		u->out[k++] = f->fields[f->nfields - 1];
	}
	u->one = *f;             /* its provenance */
	u->one.nfields = k;
	u->one.fields = u->out;
	u->one.kinds = f->kinds ? u->kinds : NULL;
	return &u->one;
}

/*
 * The next group's record, from the sorter by key; NULL at the end or
 * on failure.  The record that ends a group stays the sorter's (pending)
 * until the next call, while the group's record is handed out.
 */
static const sl_record *uniq_group_next(sl_iter *it)
{
	struct uniq *u = it->state;
	const sl_record *got, *f;

	for (;;) {
		if (u->pending) {
			if (sl_hold(it->ctx, &u->first, u->pending,
				    "uniq.group") < 0)
				return NULL;
			u->pending = NULL;
			u->group = 1;
		} else if (u->done) {
			return NULL;
		}
		got = sl_sorter_next_record(u->s);
		if (!got) {
			if (sl_failed(it->ctx))
				return NULL;
			u->done = 1;
			if (!u->group)
				return NULL;
			f = uniq_group_record(it);
			u->group = 0;
			return f;
		}
		if (!u->group) {
			u->pending = got;       /* the very first */
			continue;
		}
		if (sl_sort_compare(it->ctx, u->k, u->nk, got->fields,
				    got->nfields, u->first.rec.fields,
				    u->first.rec.nfields) == 0) {
			u->group++;
			continue;
		}
		u->pending = got;
		f = uniq_group_record(it);
		u->group = 0;
		return f;
	}
}

/* Make the sorters and feed them; 0 or -1. */
static int uniq_fill(sl_iter *it)
{
	struct uniq *u = it->state;
	const sl_record *rec;
	uint64_t seq = 0;

	u->o.sort.no_provenance |= it->quiet;
	u->s = sl_sorter_new(it->arena, u->k, u->nk, &u->o.sort);
	if (!u->s)
		return -1;
	if (u->o.keep_first) {
		u->back = sl_sorter_new(it->arena, &u->seqkey, 1, &u->o.sort);
		if (!u->back)
			return -1;
		sl_sorter_leave_room(u->s);    /* back fills as s merges */
	}
	while ((rec = sl_iter_next(it->in)) != NULL)
		if (uniq_add(it, rec, seq++) < 0)
			return -1;
	if (sl_failed(it->ctx))
		return -1;
	if (!u->o.keep_first)
		return 0;
	/* every group to the second sorter, then back in input order */
	while ((rec = uniq_group_next(it)) != NULL)
		if (sl_sorter_add_record(u->back, rec) != SL_OK)
			return -1;
	sl_held_free(&u->first);
	return sl_failed(it->ctx) ? -1 : 0;
}

static const sl_record *uniq_next(sl_iter *it)
{
	struct uniq *u = it->state;
	const sl_record *rec;

	if (!u->s && uniq_fill(it) < 0)
		return NULL;
	if (!u->o.keep_first)
		return uniq_group_next(it);
	rec = sl_sorter_next_record(u->back);
	if (!rec)
		return NULL;
	u->one = *rec;
	u->one.nfields--;        /* the sequence number */
	return &u->one;
}

static const sl_spill_stats *uniq_spill(sl_iter *it)
{
	struct uniq *u = it->state;

	if (!u->s)
		return NULL;
	memset(&u->stats, 0, sizeof(u->stats));
	sl_spill_stats_add(&u->stats, u->s);
	sl_spill_stats_add(&u->stats, u->back);
	return &u->stats;
}

sl_iter *sl_uniq(sl_iter *in, const char *keys, const sl_uniq_options *o)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct uniq));
	struct uniq *u;

	if (!it)
		return NULL;
	u = it->state;
	if (o)
		u->o = *o;
	if (sl_iter_keep(it, &u->o.sort.tmpdir) < 0)
		return NULL;
	u->keys = sl_iter_strdup(it, keys);
	if (!u->keys ||
	    sl_arena_on_release(it->arena, uniq_release, u) != SL_OK)
		return NULL;
	it->start = uniq_start;
	it->next = uniq_next;
	it->spill = uniq_spill;
	it->transparent = 1;
	return it;
}
