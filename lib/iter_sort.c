/*
 * iter_sort.c - stages built on the external sorter: sort, reverse,
 * shuffle and top by group (uniq: iter_uniq.c).
 *
 * Each stage makes its sorter at its first next(), not at start(): a
 * sorter takes what the budget has free, so it must come after the
 * stages downstream (a writer) have made theirs.
 */
#include <stdio.h>
#include <stdlib.h>
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

/*
 * A sorter by k[0..nk) fed the whole input, or NULL.  Called at the first
 * next(): the sorter sizes itself by what is free then, after the stages
 * downstream (a writer) have theirs.
 */
static sl_sorter *sorted_input(sl_iter *it, const sl_sort_key *k, size_t nk,
			       sl_sort_options *so)
{
	const sl_record *rec;
	sl_sorter *s;

	if (sl_failed(it->ctx))
		return NULL;       /* called again after a failure */
	so->no_provenance |= it->quiet;
	s = sl_sorter_new(it->arena, k, nk, so);
	if (!s)
		return NULL;
	while ((rec = sl_iter_next(it->in)) != NULL)
		if (sl_sorter_add_record(s, rec) != SL_OK)
			return NULL;
	return sl_failed(it->ctx) ? NULL : s;
}

static const sl_record *sort_next(sl_iter *it)
{
	struct sort *st = it->state;

	if (!st->s && !(st->s = sorted_input(it, st->k, st->nk, &st->so)))
		return NULL;
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

/* ---- reverse and shuffle ------------------------------------------------- */

/*
 * reverse and shuffle put the records in an order of their own through
 * the sorter: each gets a last field, its sequence number (reverse, the
 * key descending) or a random number of the seed's stream (shuffle, a
 * uniform permutation: ties of 64-bit numbers keep input order), in 16
 * hex digits so that the bytes compare as the numbers do.  The field goes
 * again on the way out.  Bounded and spilled like sort.
 */
struct reorder {
	int shuffle;
	sl_rng rng;
	sl_sort_options so;
	sl_sort_key key;
	size_t nin;
	sl_sorter *s;
	sl_str *out;
	unsigned char *kinds;
	char hex[17];
	sl_record one;
};

static int reorder_start(sl_iter *it)
{
	struct reorder *ro = it->state;

	ro->nin = it->nnames;
	ro->key.field = ro->nin;
	ro->key.reverse = !ro->shuffle;
	ro->out = sl_arena_alloc(it->arena, (ro->nin + 1) * sizeof(*ro->out));
	ro->kinds = sl_arena_alloc(it->arena, ro->nin + 1);
	return ro->out && ro->kinds ? 0 : -1;
}

/* rec with its order field into the sorter.  0 or -1. */
static int reorder_add(sl_iter *it, const sl_record *rec, uint64_t seq)
{
	struct reorder *ro = it->state;
	uint64_t v = ro->shuffle ? sl_rng_next(&ro->rng) : seq;
	size_t n = rec->nfields;
	sl_record one;

	if (n > ro->nin) {            /* readers refuse these */
		sl_error(it->ctx, SL_EDATA, "a record of '%s' has %zu fields,"
			 " more than its header's %zu", rec->input ?
			 rec->input : "the input", n, ro->nin);
		return -1;
	}
	memcpy(ro->out, rec->fields, n * sizeof(*ro->out));
	if (rec->kinds)
		memcpy(ro->kinds, rec->kinds, n);
	for (; n < ro->nin; n++) {
		ro->out[n].ptr = "";
		ro->out[n].len = 0;
		ro->kinds[n] = SL_KIND_TEXT;
	}
	snprintf(ro->hex, sizeof(ro->hex), "%016llx", (unsigned long long)v);
	ro->out[n].ptr = ro->hex;
	ro->out[n].len = 16;
	ro->kinds[n++] = SL_KIND_TEXT;
	one = *rec;
	one.nfields = n;
	one.fields = ro->out;
	one.kinds = rec->kinds ? ro->kinds : NULL;
	return sl_sorter_add_record(ro->s, &one) == SL_OK ? 0 : -1;
}

static const sl_record *reorder_next(sl_iter *it)
{
	struct reorder *ro = it->state;
	const sl_record *rec;
	uint64_t seq = 0;

	if (!ro->s) {
		ro->so.no_provenance |= it->quiet;
		ro->s = sl_sorter_new(it->arena, &ro->key, 1, &ro->so);
		if (!ro->s)
			return NULL;
		while ((rec = sl_iter_next(it->in)) != NULL)
			if (reorder_add(it, rec, seq++) < 0)
				return NULL;
		if (sl_failed(it->ctx))
			return NULL;
	}
	rec = sl_sorter_next_record(ro->s);
	if (!rec)
		return NULL;
	ro->one = *rec;
	ro->one.nfields--;       /* the order field */
	return &ro->one;
}

static const sl_spill_stats *reorder_spill(sl_iter *it)
{
	struct reorder *ro = it->state;

	return ro->s ? sl_sorter_stats(ro->s) : NULL;
}

static sl_iter *reorder(sl_iter *in, int shuffle, uint64_t seed,
			const sl_sort_options *o)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct reorder));
	struct reorder *ro;

	if (!it)
		return NULL;
	ro = it->state;
	ro->shuffle = shuffle;
	sl_rng_seed(&ro->rng, seed);
	if (o)
		ro->so = *o;
	if (sl_iter_keep(it, &ro->so.tmpdir) < 0)
		return NULL;
	it->start = reorder_start;
	it->next = reorder_next;
	it->spill = reorder_spill;
	it->transparent = 1;
	return it;
}

sl_iter *sl_reverse(sl_iter *in, const sl_sort_options *o)
{
	return reorder(in, 0, 0, o);
}

sl_iter *sl_shuffle(sl_iter *in, uint64_t seed, const sl_sort_options *o)
{
	return reorder(in, 1, seed, o);
}

/* ---- top by group ---------------------------------------------------------- */

/*
 * The n greatest records of each group: sorted by the group keys, then by
 * the keys greatest first (a key's reverse flag turned over), stably, so
 * that ties go to the earlier record; read back, the first n of each
 * group are kept.  Groups come out in the order of their keys.  Bounded
 * and spilled like sort, whatever the number of groups.
 */
struct top_groups {
	const char *keys, *groups;
	uint64_t n;
	sl_sort_options so;
	sl_sort_key *k;         /* the groups', then the keys' */
	size_t ng, nk;
	sl_sorter *s;
	sl_held last;           /* the last record handed out */
	uint64_t kept;          /* of its group */
};

static void top_groups_release(void *arg)
{
	struct top_groups *tg = arg;

	sl_held_free(&tg->last);
}

static int top_groups_start(sl_iter *it)
{
	struct top_groups *tg = it->state;
	sl_sort_key *g, *k;
	size_t i;

	g = sl_keys_parse(it->arena, tg->groups, it->names, it->nnames, 0,
			  &tg->ng);
	k = g ? sl_keys_parse(it->arena, tg->keys, it->names, it->nnames, 1,
			      &tg->nk) : NULL;
	tg->k = k ? sl_arena_alloc(it->arena, (tg->ng + tg->nk) *
				   sizeof(*tg->k)) : NULL;
	if (!tg->k)
		return -1;
	memcpy(tg->k, g, tg->ng * sizeof(*g));
	for (i = 0; i < tg->nk; i++) {
		tg->k[tg->ng + i] = k[i];
		tg->k[tg->ng + i].reverse = !k[i].reverse;
	}
	return 0;
}

static const sl_record *top_groups_next(sl_iter *it)
{
	struct top_groups *tg = it->state;
	const sl_record *rec;

	if (!tg->n)
		return NULL;
	if (!tg->s &&
	    !(tg->s = sorted_input(it, tg->k, tg->ng + tg->nk, &tg->so)))
		return NULL;
	while ((rec = sl_sorter_next_record(tg->s)) != NULL) {
		if (tg->kept && sl_sort_compare(it->ctx, tg->k, tg->ng,
				rec->fields, rec->nfields,
				tg->last.rec.fields,
				tg->last.rec.nfields) == 0) {
			if (tg->kept >= tg->n)
				continue;       /* past the group's n */
			tg->kept++;
		} else {
			tg->kept = 1;           /* a new group */
		}
		if (sl_hold(it->ctx, &tg->last, rec, "top.group") < 0)
			return NULL;
		return rec;
	}
	return NULL;
}

static const sl_spill_stats *top_groups_spill(sl_iter *it)
{
	struct top_groups *tg = it->state;

	return tg->s ? sl_sorter_stats(tg->s) : NULL;
}

sl_iter *sl_top_groups(sl_iter *in, uint64_t n, const char *keys,
		       const char *groups, const sl_sort_options *o)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct top_groups));
	struct top_groups *tg;

	if (!it)
		return NULL;
	tg = it->state;
	tg->n = n;
	if (o)
		tg->so = *o;
	if (sl_iter_keep(it, &tg->so.tmpdir) < 0)
		return NULL;
	tg->keys = sl_iter_strdup(it, keys);
	tg->groups = sl_iter_strdup(it, groups);
	if (!tg->keys || !tg->groups ||
	    sl_arena_on_release(it->arena, top_groups_release, tg) != SL_OK)
		return NULL;
	it->start = top_groups_start;
	it->next = top_groups_next;
	it->spill = top_groups_spill;
	it->transparent = 1;
	return it;
}
