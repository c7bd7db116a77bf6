/*
 * iter_hold.c - stages that hold records before handing any out: tail (a
 * ring of the last n), sample (a reservoir of n) and top (a heap of n).
 *
 * Each pulls its whole upstream at its first next(), keeping at most n
 * copies (sl_held: fields, kinds and provenance) in slots charged to the
 * budget under its tag, then puts the slots in output order and hands
 * them out one by one.  A copy is freed at the call after the one that
 * handed it out; an arena cleanup frees whatever is left, so a pipeline
 * freed half-way leaks nothing.  A stage asked for 0 records reads
 * nothing past the header.
 */
#include <stdlib.h>
#include <string.h>

#include "iter.h"

/* A held record and its place in the whole input (1, 2, ...): sample's
 * order and top's tie-break, across inputs. */
struct slot {
	sl_held h;
	uint64_t seq;
};

struct hold {
	const char *tag;
	uint64_t want;
	struct slot *s;
	size_t cap, used;        /* slots made, slots holding a record */
	size_t out;              /* the next slot to hand out */
	int filled;
	int (*fill)(sl_iter *it);   /* pull the upstream: 0 or -1 */
	/* sample's */
	sl_rng rng;
	/* top's */
	const char *keys;
	sl_sort_key *k;
	size_t nk;
};

static void hold_release(void *arg)
{
	struct hold *h = arg;
	size_t i;

	for (i = 0; i < h->cap; i++)
		sl_held_free(&h->s[i].h);
	sl_mem_free(h->s);
	h->s = NULL;
	h->cap = h->used = 0;
}

/* Room for one more slot, doubling from 64 but never past want: 0 or
 * -1 (the error is in the context). */
static int hold_grow(sl_iter *it, struct hold *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 64;
	struct slot *n;

	if (h->used < h->cap)
		return 0;
	if (ncap > h->want)
		ncap = (size_t)h->want;
	if (ncap <= h->cap)
		ncap = h->cap + 1;
	n = sl_mem_realloc(it->ctx, h->s, ncap * sizeof(*n), h->tag);
	if (!n)
		return -1;
	memset(n + h->cap, 0, (ncap - h->cap) * sizeof(*n));
	h->s = n;
	h->cap = ncap;
	return 0;
}

/* Copy rec into slot i, the seq-th record: 0 or -1. */
static int hold_put(sl_iter *it, struct hold *h, size_t i,
		    const sl_record *rec, uint64_t seq)
{
	if (sl_hold(it->ctx, &h->s[i].h, rec, h->tag) < 0)
		return -1;
	h->s[i].seq = seq;
	return 0;
}

static const sl_record *hold_next(sl_iter *it)
{
	struct hold *h = it->state;

	if (!h->filled) {
		h->filled = 1;
		if (h->want && h->fill(it) < 0)
			return NULL;
		if (sl_failed(it->ctx))
			return NULL;
	}
	if (h->out > 0)          /* handed out at the last call */
		sl_held_free(&h->s[h->out - 1].h);
	if (h->out >= h->used)
		return NULL;
	return &h->s[h->out++].h.rec;
}

/* A stage holding up to n records under tag, filled by fill. */
static sl_iter *hold_new(sl_iter *in, uint64_t n, const char *tag,
			 int (*fill)(sl_iter *it))
{
	sl_iter *it = sl_iter_new(in, sizeof(struct hold));
	struct hold *h;

	if (!it)
		return NULL;
	h = it->state;
	h->tag = tag;
	h->want = n;
	h->fill = fill;
	if (sl_arena_on_release(it->arena, hold_release, h) != SL_OK)
		return NULL;
	it->next = hold_next;
	it->transparent = 1;
	return it;
}

/* Swap slots a and b. */
static void slot_swap(struct slot *s, size_t a, size_t b)
{
	struct slot x = s[a];

	s[a] = s[b];
	s[b] = x;
}

/* Reverse slots [lo, hi). */
static void slots_reverse(struct slot *s, size_t lo, size_t hi)
{
	while (hi > lo + 1)
		slot_swap(s, lo++, --hi);
}

/* ---- tail ---------------------------------------------------------------- */

/*
 * The ring: record k (from 0) goes to slot k % want, so once it is full
 * the oldest is at seen % want.  When the ring cannot take a record, or
 * the upstream runs out of memory while the ring holds some, the error
 * says that the last n records do not fit.
 */
static int tail_fill(sl_iter *it)
{
	struct hold *h = it->state;
	const sl_record *rec;
	uint64_t seen = 0;
	size_t first;
	int full = 0;
	char ceil[32];

	while ((rec = sl_iter_next(it->in)) != NULL) {
		size_t slot = (size_t)(seen % h->want);

		if (h->used < h->want && hold_grow(it, h) < 0) {
			full = 1;
			break;
		}
		if (hold_put(it, h, slot, rec, seen + 1) < 0) {
			full = 1;
			break;
		}
		if (h->used < h->want)
			h->used++;
		seen++;
	}
	if (sl_failed(it->ctx)) {
		/* a first record too long to read is the reader's to
		 * explain; once records are held, they take the room */
		if (full || h->used)
			sl_error_explain(it->ctx, SL_ENOMEM, "the last %llu"
					 " records do not fit in the memory"
					 " ceiling of %s (raise --max-memory"
					 " or ask for fewer)",
					 (unsigned long long)h->want,
					 sl_format_size(ceil, sizeof(ceil),
							sl_mem_ceiling(it->ctx)));
		return -1;
	}
	/* rotate the oldest to the front: its slot is seen % want once the
	 * ring has gone round, else 0 */
	first = h->used == h->want ? (size_t)(seen % h->want) : 0;
	if (first) {
		slots_reverse(h->s, 0, first);
		slots_reverse(h->s, first, h->used);
		slots_reverse(h->s, 0, h->used);
	}
	return 0;
}

sl_iter *sl_tail(sl_iter *in, uint64_t n)
{
	return hold_new(in, n, "tail.ring", tail_fill);
}

/* ---- sample -------------------------------------------------------------- */

static int by_seq(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Reservoir sampling (Vitter's algorithm R): the first n records fill the
 * reservoir; record k > n replaces a random slot with probability n / k,
 * one sl_rng_below(k) each.  The picks depend only on the seed and the
 * number of records, so a seed gives the same sample of the same input.
 * The reservoir is handed out in input order.
 */
static int sample_fill(sl_iter *it)
{
	struct hold *h = it->state;
	const sl_record *rec;
	uint64_t seen = 0, k;

	while ((rec = sl_iter_next(it->in)) != NULL) {
		seen++;
		if (h->used < h->want) {
			if (hold_grow(it, h) < 0 ||
			    hold_put(it, h, h->used, rec, seen) < 0)
				return -1;
			h->used++;
			continue;
		}
		k = sl_rng_below(&h->rng, seen);
		if (k < h->want && hold_put(it, h, (size_t)k, rec, seen) < 0)
			return -1;
	}
	if (sl_failed(it->ctx))
		return -1;
	if (h->used)
		qsort(h->s, h->used, sizeof(*h->s), by_seq);
	return 0;
}

sl_iter *sl_sample(sl_iter *in, uint64_t n, uint64_t seed)
{
	sl_iter *it = hold_new(in, n, "sample.reservoir", sample_fill);

	if (it)
		sl_rng_seed(&((struct hold *)it->state)->rng, seed);
	return it;
}

/* ---- top ----------------------------------------------------------------- */

/*
 * A heap of the best n so far with the worst at its root: a record better
 * than the root replaces it.  Better means greater by the keys (r turns a
 * key round), ties going to the earlier record, so the order is total and
 * the result does not depend on the heap's shape.  At the end the heap is
 * sorted in place (the worst taken off the root to the back), best first.
 */

/* Is a better than slot b? */
static int better(sl_iter *it, const sl_str *af, size_t an, uint64_t aseq,
		  const struct slot *b)
{
	struct hold *h = it->state;
	int c = sl_sort_compare(it->ctx, h->k, h->nk, af, an,
				b->h.rec.fields, b->h.rec.nfields);

	return c > 0 || (c == 0 && aseq < b->seq);
}

static int slot_better(sl_iter *it, const struct slot *a, const struct slot *b)
{
	return better(it, a->h.rec.fields, a->h.rec.nfields, a->seq, b);
}

/* Move slot i down the heap of n slots to its place. */
static void sift_down(sl_iter *it, size_t i, size_t n)
{
	struct slot *s = ((struct hold *)it->state)->s;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		/* the root is the worst: m becomes the worse child */
		if (l < n && slot_better(it, &s[m], &s[l]))
			m = l;
		if (r < n && slot_better(it, &s[m], &s[r]))
			m = r;
		if (m == i)
			return;
		slot_swap(s, i, m);
		i = m;
	}
}

static void sift_up(sl_iter *it, size_t i)
{
	struct slot *s = ((struct hold *)it->state)->s;

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!slot_better(it, &s[p], &s[i]))
			return;
		slot_swap(s, i, p);
		i = p;
	}
}

static int top_start(sl_iter *it)
{
	struct hold *h = it->state;

	h->k = sl_keys_parse(it->arena, h->keys, it->names, it->nnames, 1,
			     &h->nk);
	if (!h->k)
		return -1;
	if (h->nk > 64) {        /* what sl_sort_compare() compares */
		sl_error(it->ctx, SL_EINVAL, "at most 64 keys");
		return -1;
	}
	return 0;
}

static int top_fill(sl_iter *it)
{
	struct hold *h = it->state;
	const sl_record *rec;
	uint64_t seq = 0;
	size_t n;

	while ((rec = sl_iter_next(it->in)) != NULL) {
		seq++;
		if (h->used < h->want) {
			if (hold_grow(it, h) < 0 ||
			    hold_put(it, h, h->used, rec, seq) < 0)
				return -1;
			sift_up(it, h->used++);
			continue;
		}
		if (!better(it, rec->fields, rec->nfields, seq, &h->s[0]))
			continue;
		if (hold_put(it, h, 0, rec, seq) < 0)
			return -1;
		sift_down(it, 0, h->used);
	}
	if (sl_failed(it->ctx))
		return -1;
	for (n = h->used; n > 1; n--) {
		slot_swap(h->s, 0, n - 1);
		sift_down(it, 0, n - 1);
	}
	return 0;
}

sl_iter *sl_top(sl_iter *in, uint64_t n, const char *keys)
{
	sl_iter *it = hold_new(in, n, "top.heap", top_fill);
	struct hold *h;

	if (!it)
		return NULL;
	h = it->state;
	h->keys = sl_iter_strdup(it, keys);
	if (!h->keys)
		return NULL;
	it->start = top_start;
	return it;
}
