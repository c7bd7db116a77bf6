/*
 * iter_sort.c - stages built on the external sorter: sort.
 */
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
	if (st->so.tmpdir && !(st->so.tmpdir = sl_iter_strdup(it,
							      st->so.tmpdir)))
		return NULL;
	st->keys = sl_iter_strdup(it, keys);
	if (!st->keys)
		return NULL;
	it->start = sort_start;
	it->next = sort_next;
	it->spill = sort_spill;
	return it;
}
