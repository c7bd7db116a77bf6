/*
 * iter_join.c - the join of two pipelines on keys, by external sort-merge.
 *
 * start() resolves the keys against both headers and makes the output's;
 * when either input is empty (no header at all) the other is read
 * through, for its errors, and the join hands out nothing.  The first
 * next() sorts both sides on their key fields, in key-list order, with
 * the external sorter: the left side first, all of it, then the right,
 * so that each takes what the other left free.
 *
 * The merge then compares the keys one after another in that order, as
 * the sorters did, byte-wise; records match when every key is equal.  For
 * a key both sides have, the right side's records with it are held in
 * memory (an array of sl_held, charged to "join.group") and each left
 * record with it is handed out with each of them: duplicate keys give the
 * cross product.  Records of one side only are handed out as they pass,
 * for the kinds that keep them.  A record handed out points into the
 * sorters' current records and the held ones, so the move to the next
 * record of a side waits for the next call (pend_l, pend_r).
 */
#include <string.h>

#include "iter.h"

struct side {
	sl_iter *in;
	const char *spec;        /* its key list, "a,b", for sl_keys_parse() */
	const char **item;       /* each key as given, for messages */
	const sl_str *names;     /* its header */
	size_t nnames;
	sl_sort_key *keys;       /* the key fields, in key-list order */
	unsigned char *is_key;   /* of each field of the header */
	sl_sorter *s;
	const sl_record *rec;    /* the current sorted record, NULL: none */
};

struct join {
	sl_join_options o;
	size_t nkeys;
	struct side l, r;
	int filled;              /* both sides are sorted */
	int pend_l, pend_r;      /* move that side on at the next call */
	sl_held *group;          /* the right side's records of one key */
	size_t gcap, gn, gi;     /* gi: the next to pair the left one with */
	int in_group;
	sl_held cur;             /* the first left record of the key */
	sl_str *out;             /* the record handed out */
	unsigned char *outk;
	sl_record one;
	sl_spill_stats stats;
};

static const sl_str empty = { "", 0 };

static void join_release(void *arg)
{
	struct join *j = arg;

	sl_held_free_all(j->group, j->gcap);
	j->group = NULL;
	j->gcap = 0;
	sl_held_free(&j->cur);
}

static const sl_str *key_of(const struct side *sd, size_t k,
			   const sl_record *rec)
{
	size_t i = sd->keys[k].field;

	return i < rec->nfields ? &rec->fields[i] : &empty;
}

static int key_cmp(const sl_str *a, const sl_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->ptr, b->ptr, n) : 0;

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* The keys of a record ar of side a against those of br of side b. */
static int keys_cmp(const struct join *j, const struct side *a,
		    const sl_record *ar, const struct side *b,
		    const sl_record *br)
{
	size_t k;
	int d = 0;

	for (k = 0; k < j->nkeys && !d; k++)
		d = key_cmp(key_of(a, k, ar), key_of(b, k, br));
	return d;
}

/* Move a side on to its next sorted record (none at the end). */
static void advance(struct side *sd)
{
	sd->rec = sd->s ? sl_sorter_next_record(sd->s) : NULL;
}

/* ---- keys and header ----------------------------------------------- */

/*
 * Split the key list "a,b=B" into the two sides' lists ("a,b" and
 * "a,B") and their items, in the pipeline's arena.  0 or -1.
 */
static int split_keys(sl_iter *it, struct join *j, const char *keys)
{
	size_t cnt = 1, len, i = 0, llen = 0, rlen = 0;
	char *lspec, *rspec;
	const char *p, *eq;

	if (!keys || !*keys) {
		sl_error(it->ctx, SL_EINVAL, "a join needs keys");
		return -1;
	}
	for (p = keys; *p; p++)
		cnt += *p == ',';
	j->l.item = sl_arena_alloc(it->arena, cnt * sizeof(*j->l.item));
	j->r.item = sl_arena_alloc(it->arena, cnt * sizeof(*j->r.item));
	lspec = sl_arena_alloc(it->arena, strlen(keys) + 1);
	rspec = sl_arena_alloc(it->arena, strlen(keys) + 1);
	if (!j->l.item || !j->r.item || !lspec || !rspec)
		return -1;
	for (p = keys;; p += len + 1) {
		len = strcspn(p, ",");
		if (!len) {
			sl_error(it->ctx, SL_EINVAL, "empty item in the list"
				 " '%s'", keys);
			return -1;
		}
		eq = memchr(p, '=', len);
		if (eq && (eq == p || eq == p + len - 1)) {
			sl_error(it->ctx, SL_EINVAL, "key '%.*s' is not NAME or"
				 " LNAME=RNAME", (int)len, p);
			return -1;
		}
		if (!eq)
			eq = p + len;
		if (!(j->l.item[i] = sl_arena_strndup(it->arena, p,
						      (size_t)(eq - p))))
			return -1;
		j->r.item[i] = eq < p + len ?
			sl_arena_strndup(it->arena, eq + 1,
					 (size_t)(p + len - eq - 1)) :
			j->l.item[i];
		if (!j->r.item[i])
			return -1;
		if (i) {
			lspec[llen++] = ',';
			rspec[rlen++] = ',';
		}
		memcpy(lspec + llen, j->l.item[i], strlen(j->l.item[i]));
		llen += strlen(j->l.item[i]);
		memcpy(rspec + rlen, j->r.item[i], strlen(j->r.item[i]));
		rlen += strlen(j->r.item[i]);
		i++;
		if (!p[len])
			break;
	}
	lspec[llen] = rspec[rlen] = '\0';
	j->l.spec = lspec;
	j->r.spec = rspec;
	j->nkeys = i;
	return 0;
}

/* Resolve a side's keys against its header; 0 or -1. */
static int side_keys(sl_iter *it, struct join *j, struct side *sd)
{
	size_t nk, k, i;

	sd->keys = sl_keys_parse(it->arena, sd->spec, sd->names, sd->nnames,
				 0, &nk);
	sd->is_key = sl_arena_alloc(it->arena, sd->nnames + 1);
	if (!sd->keys || !sd->is_key)
		return -1;
	memset(sd->is_key, 0, sd->nnames + 1);
	for (k = 0; k < j->nkeys; k++) {
		for (i = 0; i < k; i++)
			if (sd->keys[i].field == sd->keys[k].field) {
				sl_error(it->ctx, SL_EINVAL, "keys '%s' and '%s'"
					 " are one field of '%s'", sd->item[i],
					 sd->item[k], sl_iter_input(sd->in));
				return -1;
			}
		sd->is_key[sd->keys[k].field] = 1;
	}
	return 0;
}

/* The output names: the keys (left's names), left's others, right's
 * others renamed right.NAME when the name is already taken.  0 or -1. */
static int out_names(sl_iter *it, struct join *j)
{
	struct side *l = &j->l, *r = &j->r;
	size_t total = l->nnames + (r->nnames - j->nkeys), k = 0, i, m;
	sl_str *v = sl_arena_alloc(it->arena, (total ? total : 1) *
				   sizeof(*v));

	if (!v)
		return -1;
	for (i = 0; i < j->nkeys; i++)
		v[k++] = l->names[l->keys[i].field];
	for (i = 0; i < l->nnames; i++)
		if (!l->is_key[i])
			v[k++] = l->names[i];
	for (i = 0; i < r->nnames; i++) {
		const sl_str *nm = &r->names[i];
		int taken = 0;

		if (r->is_key[i])
			continue;
		for (m = 0; m < k; m++)
			taken |= key_cmp(&v[m], nm) == 0;
		if (taken) {
			char *p = sl_arena_alloc(it->arena, nm->len + 6);

			if (!p)
				return -1;
			memcpy(p, "right.", 6);
			memcpy(p + 6, nm->ptr, nm->len);
			v[k].ptr = p;
			v[k++].len = nm->len + 6;
		} else {
			v[k++] = *nm;
		}
	}
	j->out = sl_arena_alloc(it->arena, (k ? k : 1) * sizeof(*j->out));
	j->outk = sl_arena_alloc(it->arena, k ? k : 1);
	if (!j->out || !j->outk)
		return -1;
	it->names = v;
	it->nnames = k;
	return 0;
}

static int join_start(sl_iter *it)
{
	struct join *j = it->state;
	sl_iter *other = NULL;

	j->l.names = it->names;
	j->l.nnames = it->nnames;
	j->r.names = sl_iter_header(j->r.in, &j->r.nnames);
	if (j->l.names && side_keys(it, j, &j->l) < 0)
		return -1;
	if (j->r.names && side_keys(it, j, &j->r) < 0)
		return -1;
	if (j->l.names && j->r.names)
		return out_names(it, j);
	/* an empty side: nothing to join, but the other is read as it was
	 * to sort it, so that its errors still count */
	if (j->l.names)
		other = j->l.in;
	else if (j->r.names)
		other = j->r.in;
	while (other && sl_iter_next(other) != NULL)
		;
	it->names = NULL;
	it->nnames = 0;
	it->ended = 1;
	return sl_failed(it->ctx) ? -1 : 0;
}

/* ---- the merge ------------------------------------------------------- */

/* Sort one side on its keys; 0 or -1. */
static int sort_side(sl_iter *it, struct join *j, struct side *sd)
{
	const sl_record *rec;

	j->o.sort.no_provenance |= it->quiet;
	sd->s = sl_sorter_new(it->arena, sd->keys, j->nkeys, &j->o.sort);
	if (!sd->s)
		return -1;
	sl_sorter_leave_room(sd->s);    /* both sides merge at once */
	while ((rec = sl_iter_next(sd->in)) != NULL)
		if (sl_sorter_add_record(sd->s, rec) != SL_OK)
			return -1;
	if (sl_failed(it->ctx))
		return -1;
	advance(sd);             /* ends the input: its memory is free */
	return sl_failed(it->ctx) ? -1 : 0;
}

/* The kind of field i of a record: a missing record's fields are null. */
static unsigned char kind_of(const sl_record *rec, size_t i)
{
	if (!rec)
		return SL_KIND_NULL;
	return rec->kinds && i < rec->nfields ? rec->kinds[i] : SL_KIND_TEXT;
}

static const sl_str *field_of(const sl_record *rec, size_t i)
{
	return rec && i < rec->nfields ? &rec->fields[i] : &empty;
}

/* The record of a left and a right record, either absent (NULL): keys,
 * left's others, right's others.  The kinds go along when either record
 * has them (JSON Lines input); the provenance is the left's, or the
 * right's when there is no left. */
static const sl_record *emit(struct join *j, const sl_record *lr,
			     const sl_record *rr)
{
	const struct side *l = &j->l, *r = &j->r;
	size_t k = 0, i;

	for (i = 0; i < j->nkeys; i++) {
		j->out[k] = lr ? *key_of(l, i, lr) : *key_of(r, i, rr);
		j->outk[k++] = lr ? kind_of(lr, l->keys[i].field) :
			kind_of(rr, r->keys[i].field);
	}
	for (i = 0; i < l->nnames; i++)
		if (!l->is_key[i]) {
			j->outk[k] = kind_of(lr, i);
			j->out[k++] = *field_of(lr, i);
		}
	for (i = 0; i < r->nnames; i++)
		if (!r->is_key[i]) {
			j->outk[k] = kind_of(rr, i);
			j->out[k++] = *field_of(rr, i);
		}
	j->one = lr ? *lr : *rr;
	j->one.nfields = k;
	j->one.fields = j->out;
	j->one.kinds = (lr && lr->kinds) || (rr && rr->kinds) ? j->outk :
		NULL;
	return &j->one;
}

/* Hold the right side's records with the current left record's keys,
 * and that left record; 0 or -1. */
static int hold_group(sl_iter *it, struct join *j)
{
	struct side *l = &j->l, *r = &j->r;

	for (j->gn = 0; r->rec && keys_cmp(j, r, r->rec, l, l->rec) == 0;
	     j->gn++) {
		if (sl_held_grow(it->ctx, &j->group, &j->gcap, j->gn,
				 (uint64_t)-1, "join.group") < 0 ||
		    sl_hold(it->ctx, &j->group[j->gn], r->rec,
			    "join.group") < 0)
			return -1;
		advance(r);
	}
	if (sl_failed(it->ctx))
		return -1;
	if (sl_hold(it->ctx, &j->cur, l->rec, "join.group") < 0)
		return -1;
	j->gi = 0;
	j->in_group = 1;
	return 0;
}

static const sl_record *join_next(sl_iter *it)
{
	struct join *j = it->state;
	struct side *l = &j->l, *r = &j->r;
	int d;

	if (!j->filled) {
		if (sort_side(it, j, l) < 0 || sort_side(it, j, r) < 0)
			return NULL;
		j->filled = 1;
	}
	for (;;) {
		if (sl_failed(it->ctx))
			return NULL;
		if (j->in_group) {
			/* the left record with each of the group */
			if (j->gi < j->gn)
				return emit(j, l->rec, &j->group[j->gi++].rec);
			advance(l);
			j->gi = 0;
			j->in_group = l->rec && keys_cmp(j, l, l->rec, l,
							 &j->cur.rec) == 0;
			continue;
		}
		if (j->pend_l || j->pend_r) {
			if (j->pend_l)
				advance(l);
			else
				advance(r);
			j->pend_l = j->pend_r = 0;
			continue;
		}
		if (!l->rec && !r->rec)
			return NULL;
		d = !l->rec ? 1 : !r->rec ? -1 :
			keys_cmp(j, l, l->rec, r, r->rec);
		if (d < 0) {
			if (j->o.kind != SL_JOIN_INNER) {
				j->pend_l = 1;
				return emit(j, l->rec, NULL);
			}
			advance(l);
		} else if (d > 0) {
			if (j->o.kind == SL_JOIN_OUTER) {
				j->pend_r = 1;
				return emit(j, NULL, r->rec);
			}
			advance(r);
		} else if (hold_group(it, j) < 0) {
			return NULL;
		}
	}
}

static const sl_spill_stats *join_spill(sl_iter *it)
{
	struct join *j = it->state;

	if (!j->l.s)
		return NULL;
	memset(&j->stats, 0, sizeof(j->stats));
	sl_spill_stats_add(&j->stats, j->l.s);
	sl_spill_stats_add(&j->stats, j->r.s);
	return &j->stats;
}

sl_iter *sl_join_with(sl_iter *left, sl_iter *right, const char *keys,
		      const sl_join_options *o)
{
	sl_iter *it;
	struct join *j;

	if (!right)
		return NULL;
	it = sl_iter_new(left, sizeof(struct join));
	if (!it)
		return NULL;
	it->in2 = right;
	j = it->state;
	if (o)
		j->o = *o;
	if (j->o.kind != SL_JOIN_INNER && j->o.kind != SL_JOIN_LEFT &&
	    j->o.kind != SL_JOIN_OUTER) {
		sl_error(it->ctx, SL_EINVAL, "unknown kind of join %d",
			 (int)j->o.kind);
		return NULL;
	}
	if (sl_iter_keep(it, &j->o.sort.tmpdir) < 0)
		return NULL;
	j->l.in = left;
	j->r.in = right;
	if (split_keys(it, j, keys) < 0 ||
	    sl_arena_on_release(it->arena, join_release, j) != SL_OK)
		return NULL;
	it->start = join_start;
	it->next = join_next;
	it->spill = join_spill;
	it->transparent = 1;
	return it;
}

sl_iter *sl_join(sl_iter *left, sl_iter *right, const char *keys,
		 sl_join_kind kind)
{
	sl_join_options o = { .kind = kind };

	return sl_join_with(left, right, keys, &o);
}
