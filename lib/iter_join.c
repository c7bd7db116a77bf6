/*
 * iter_join.c - the join of two pipelines on keys: by hash, by external
 * sort-merge, or by merging inputs already in key order.
 *
 * start() resolves the keys against both headers and makes the output's;
 * when either input is empty (no header at all) the other is read
 * through, for its errors, and the join hands out nothing.
 *
 * Hash (the default).  One side, the built side, goes into a table: the
 * smaller file when both inputs are files, else the right side.  Its
 * records are kept encoded as in a spill file (spill.c: a few bytes
 * beside the fields' own), chained by key in input order, the first of
 * each key found through an open addressing table of hashes ("join.table",
 * the free budget but for a spill file's writer and reader, or the sort
 * options' mem_limit).  The other side, the probe side, is then read in
 * its order: each record is handed out with each built record of its
 * key, and on its own when it has none and the kind keeps it; the built
 * records no probe matched come last, in their order, when the kind
 * keeps them.
 *
 * Grace.  When the built side does not fit, the table's records go to a
 * spill file of their own, and from there, with the rest of that side,
 * to spill files, one per partition of the keys' hash (as many as half
 * the budget holds writers for, and twice what the side needs when its
 * size is known); then the probe side likewise.  With two threads or
 * more the files are compressed on a worker while the caller parses
 * (pwriter).  The pairs of partitions are then joined one by one as
 * above, each built from its smaller file, both files inflated ahead on
 * another thread.  A pair whose built file still does not fit is split
 * again with the hash mixed another way, up to MAX_LEVEL times; a pair
 * whose built file has more records of one key than the table holds is
 * built from its other file instead, and when that one has too many of
 * the key as well, the join cannot be made: SL_ENOMEM.  Records then
 * come partition by partition.  A budget too small for partitions (less
 * than six writers and two readers) keeps a table of a quarter of it,
 * and when that does not do, both sides are sorted as below.
 *
 * Sort (SL_JOIN_SORT).  Both sides are sorted on their key fields, in
 * key-list order, by the external sorter: the left side first, all of
 * it, then the right, so that each takes what the other left free.
 * Sorted (SL_JOIN_SORTED).  The inputs come in key order already and are
 * read as they come; a record out of order is an error.  Either way the
 * merge then compares the keys one after another in that order,
 * byte-wise; records match when every key is equal.  For a key both
 * sides have, the right side's records with it are held in memory (an
 * array of sl_held, charged to "join.group") and each left record with
 * it is handed out with each of them: duplicate keys give the cross
 * product.  Records of one side only are handed out as they pass, for
 * the kinds that keep them.  A record handed out points into the current
 * records and the held ones, so the move to the next record of a side
 * waits for the next call (pend_l, pend_r).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iter.h"

struct side {
	sl_iter *in;
	const char *spec;        /* its key list, "a,b", for sl_keys_parse() */
	const char **item;       /* each key as given, for messages */
	const sl_str *names;     /* its header */
	size_t nnames;
	const char *input;       /* its input's name, for records read back */
	sl_sort_key *keys;       /* the key fields, in key-list order */
	unsigned char *is_key;   /* of each field of the header */
	/* sort and sorted */
	sl_sorter *s;
	const sl_record *rec;    /* the current record, NULL: none */
	sl_str *prev;            /* sorted: the keys of the record before */
	char *pbuf;              /* their bytes */
	size_t pcap;
	int has_prev;
};

/* A record of the built side in the table, encoded at enc (size bytes,
 * as spill.c writes it), and chained to the next of its key. */
typedef struct jent {
	uint64_t hash;
	const unsigned char *enc;
	uint32_t size;
	uint32_t next;           /* the key's next record: index + 1; 0 none */
	uint32_t link;           /* a key's first: its last's index; the
				  * others: their first's */
	uint32_t flags;          /* JE_* */
} jent;

enum { JE_FIRST = 1, JE_MATCHED = 2 };

typedef struct jtable {
	sl_store st;             /* the entries, the slots and the records */
	jent *e;
	size_t n, cap;
	size_t nkeys;            /* distinct keys: the entries with JE_FIRST */
	uint64_t bytes;          /* the records' own: the sum of size */
	uint64_t *slot;          /* a power of two of them, 0 free, else the
				  * hash's high half and index + 1 into e */
	size_t nslot;
} jtable;

/* A pair of partitions to join: each side's records of some hashes. */
typedef struct jpart {
	sl_spill *sp[2];         /* the left's [0] and the right's [1] */
	uint64_t n[2];           /* records */
	uint64_t bytes[2];       /* their encoded bytes */
	int level;               /* how many splits made it */
	int build;               /* the side to build from: -1 the smaller
				  * file; else that side, the other's records
				  * of one key being too many */
} jpart;

/* Splits at most; 64 files a side each time. */
#define MAX_LEVEL 6
#define MAX_PARTS 64

enum { H_FILL, H_PROBE, H_REST, H_NEXT, H_DONE };

struct join {
	sl_join_options o;
	size_t nkeys;
	struct side l, r;
	/* sort and sorted */
	int filled;              /* both sides are sorted */
	int pend_l, pend_r;      /* move that side on at the next call */
	sl_held *group;          /* the right side's records of one key */
	size_t gcap, gn, gi;     /* gi: the next to pair the left one with */
	int in_group;
	sl_held cur;             /* the first left record of the key */
	/* hash */
	int phase;               /* H_* */
	jtable t;
	struct side *b, *p;      /* the built side and the probe side */
	sl_spill *psrc;          /* the probe records: a partition's file, or
				  * NULL: the probe side's pipeline */
	const sl_record *prec;   /* the probe record being paired */
	sl_record pone;          /* it, when read from a file */
	uint32_t at;             /* its next built record: index + 1 */
	size_t scan;             /* H_REST: the next entry to look at */
	sl_str *views;           /* the fields of a built record decoded */
	size_t vcap;
	sl_record brec;
	jpart *stack;            /* pairs of partitions still to join */
	size_t nstack, scap;
	jpart cur_part;          /* the pair being joined */
	sl_spill_ahead *ahead;   /* its files read ahead on a thread */
	sl_held big;             /* a record of a key too big for a table */
	sl_spill *moved;         /* overflow()'s file */
	sl_spill_stats pstats;   /* of the partitions' files */
	pthread_mutex_t lock;    /* guards pstats: every file is bound to it */
	int locked;              /* lock is made */
	/* the record handed out */
	sl_str *out;
	unsigned char *outk;
	sl_record one;
	sl_spill_stats stats;
};

static const sl_str empty = { "", 0 };

static void table_clear(jtable *t)
{
	sl_store_clear(&t->st);
	sl_store_give(&t->st, t->e, t->cap * sizeof(*t->e));
	sl_store_give(&t->st, t->slot, t->nslot * sizeof(*t->slot));
	t->e = NULL;
	t->slot = NULL;
	t->n = t->cap = t->nslot = t->nkeys = 0;
	t->bytes = 0;
}

static void close_part(jpart *jp)
{
	int i;

	for (i = 0; i < 2; i++)
		if (jp->sp[i]) {
			sl_spill_close(jp->sp[i]);
			jp->sp[i] = NULL;
		}
}

static void join_release(void *arg)
{
	struct join *j = arg;

	sl_held_free_all(j->group, j->gcap);
	j->group = NULL;
	j->gcap = 0;
	sl_held_free(&j->cur);
	sl_held_free(&j->big);
	table_clear(&j->t);
	sl_mem_free(j->views);
	j->views = NULL;
	sl_mem_free(j->l.prev);
	sl_mem_free(j->r.prev);
	sl_mem_free(j->l.pbuf);
	sl_mem_free(j->r.pbuf);
	j->l.prev = j->r.prev = NULL;
	j->l.pbuf = j->r.pbuf = NULL;
	/* the spill files close with the arena; the stack goes */
	sl_mem_free(j->stack);
	j->stack = NULL;
}

/* The lock goes after the files, which were made after it: released
 * last of all. */
static void join_unlock(void *arg)
{
	struct join *j = arg;

	if (j->locked)
		pthread_mutex_destroy(&j->lock);
	j->locked = 0;
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

/* The hash of a record's keys: the same for equal keys on either side. */
static uint64_t keys_hash(const struct join *j, const struct side *sd,
			  const sl_record *rec)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t k;

	for (k = 0; k < j->nkeys; k++) {
		const sl_str *f = key_of(sd, k, rec);

		h = (h ^ sl_hash64(f->ptr, f->len)) * 0xff51afd7ed558ccdull;
	}
	return h ^ h >> 29;
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
	j->l.input = sl_iter_input(j->l.in);
	j->r.names = sl_iter_header(j->r.in, &j->r.nnames);
	j->r.input = sl_iter_input(j->r.in);
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

/* ---- sort and sorted: the merge ------------------------------------ */

/* Sorted: the keys of the side's record against the last one's, then
 * kept for the next; 0, or -1 with the error recorded when the input is
 * out of key order. */
static int check_order(sl_iter *it, struct join *j, struct side *sd)
{
	const sl_record *rec = sd->rec;
	size_t k, need = 0, at = 0;
	int d = 0;

	for (k = 0; sd->has_prev && k < j->nkeys && !d; k++)
		d = key_cmp(&sd->prev[k], key_of(sd, k, rec));
	if (d > 0) {
		if (rec->number)
			sl_error(it->ctx, SL_EDATA, "keys out of order in '%s'"
				 " at record %llu, line %llu, byte %llu: join"
				 " --sorted needs both inputs sorted on the"
				 " keys, byte-wise", sd->input ? sd->input : "",
				 (unsigned long long)rec->number,
				 (unsigned long long)rec->line,
				 (unsigned long long)rec->offset);
		else
			sl_error(it->ctx, SL_EDATA, "keys out of order in '%s':"
				 " join --sorted needs both inputs sorted on"
				 " the keys, byte-wise",
				 sd->input ? sd->input : "");
		return -1;
	}
	if (!sd->prev && !(sd->prev = sl_mem_alloc(it->ctx, j->nkeys *
						    sizeof(*sd->prev),
						    "join.sorted")))
		return -1;
	for (k = 0; k < j->nkeys; k++)
		need += key_of(sd, k, rec)->len;
	if (need > sd->pcap) {
		size_t cap = need > 2 * sd->pcap ? need : 2 * sd->pcap;
		char *p = sl_mem_realloc(it->ctx, sd->pbuf, cap, "join.sorted");

		if (!p)
			return -1;
		sd->pbuf = p;
		sd->pcap = cap;
	}
	for (k = 0; k < j->nkeys; k++) {
		const sl_str *f = key_of(sd, k, rec);

		if (f->len)
			memcpy(sd->pbuf + at, f->ptr, f->len);
		sd->prev[k].ptr = sd->pbuf + at;
		sd->prev[k].len = f->len;
		at += f->len;
	}
	sd->has_prev = 1;
	return 0;
}

/* Move a side on to its next record in key order (none at the end). */
static void advance(sl_iter *it, struct join *j, struct side *sd)
{
	if (j->o.method == SL_JOIN_SORT) {
		sd->rec = sd->s ? sl_sorter_next_record(sd->s) : NULL;
		return;
	}
	sd->rec = sl_iter_next(sd->in);
	if (sd->rec && check_order(it, j, sd) < 0)
		sd->rec = NULL;
}

static int decode_ent(sl_iter *it, struct join *j, const struct jent *e);

/* Sort one side on its keys: the records of the hash table first, when
 * from_table (then pending, the one that did not fit), then its
 * pipeline's (or, sorted, take its first record); 0 or -1. */
static int sort_side(sl_iter *it, struct join *j, struct side *sd,
		     int from_table, const sl_record *pending)
{
	const sl_record *rec;
	size_t i;

	if (j->o.method == SL_JOIN_SORT) {
		j->o.sort.no_provenance |= it->quiet;
		sd->s = sl_sorter_new(it->arena, sd->keys, j->nkeys,
				      &j->o.sort);
		if (!sd->s)
			return -1;
		sl_sorter_leave_room(sd->s);    /* both sides merge at once */
		for (i = 0; from_table && i < j->t.n; i++)
			if (decode_ent(it, j, &j->t.e[i]) < 0 ||
			    sl_sorter_add_record(sd->s, &j->brec) != SL_OK)
				return -1;
		if (from_table)
			table_clear(&j->t);
		if (pending && sl_sorter_add_record(sd->s, pending) != SL_OK)
			return -1;
		while ((rec = sl_iter_next(sd->in)) != NULL)
			if (sl_sorter_add_record(sd->s, rec) != SL_OK)
				return -1;
		if (sl_failed(it->ctx))
			return -1;
	}
	advance(it, j, sd);     /* sort: ends the input, its memory free */
	return sl_failed(it->ctx) ? -1 : 0;
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
		advance(it, j, r);
	}
	if (sl_failed(it->ctx))
		return -1;
	if (sl_hold(it->ctx, &j->cur, l->rec, "join.group") < 0)
		return -1;
	j->gi = 0;
	j->in_group = 1;
	return 0;
}

static const sl_record *merge_next(sl_iter *it)
{
	struct join *j = it->state;
	struct side *l = &j->l, *r = &j->r;
	int d;

	if (!j->filled) {
		if (sort_side(it, j, l, 0, NULL) < 0 ||
		    sort_side(it, j, r, 0, NULL) < 0)
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
			advance(it, j, l);
			j->gi = 0;
			j->in_group = l->rec && keys_cmp(j, l, l->rec, l,
							 &j->cur.rec) == 0;
			continue;
		}
		if (j->pend_l || j->pend_r) {
			if (j->pend_l)
				advance(it, j, l);
			else
				advance(it, j, r);
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
			advance(it, j, l);
		} else if (d > 0) {
			if (j->o.kind == SL_JOIN_OUTER) {
				j->pend_r = 1;
				return emit(j, NULL, r->rec);
			}
			advance(it, j, r);
		} else if (hold_group(it, j) < 0) {
			return NULL;
		}
	}
}

/* ---- hash: the table ------------------------------------------------- */

static void slot_put(jtable *t, uint64_t h, size_t i)
{
	size_t mask = t->nslot - 1, at;

	for (at = h & mask; t->slot[at]; at = (at + 1) & mask)
		;
	t->slot[at] = (h >> 32 << 32) | (i + 1);
}

/* Room for one more entry, and a key more when newkey: 0, or -1 full. */
static int table_room(sl_ctx *ctx, jtable *t, int newkey)
{
	uint64_t *slot;
	size_t n, i;
	jent *e;

	if (t->n == t->cap) {
		n = t->cap ? t->cap * 2 : 64;
		if (n > UINT32_MAX - 1)
			return -1;
		e = sl_store_take(ctx, &t->st, t->e, t->cap * sizeof(*e),
				  n * sizeof(*e));
		if (!e)
			return -1;
		t->e = e;
		t->cap = n;
	}
	if (!newkey || t->nkeys + 1 <= t->nslot / 2)
		return 0;
	n = t->nslot ? t->nslot * 2 : 128;
	slot = sl_store_take(ctx, &t->st, NULL, 0, n * sizeof(*slot));
	if (!slot)
		return -1;
	memset(slot, 0, n * sizeof(*slot));
	sl_store_give(&t->st, t->slot, t->nslot * sizeof(*slot));
	t->slot = slot;
	t->nslot = n;
	for (i = 0; i < t->n; i++)
		if (t->e[i].flags & JE_FIRST)
			slot_put(t, t->e[i].hash, i);
	return 0;
}

/* Decode an entry into j->brec; 0 or -1. */
static int decode_ent(sl_iter *it, struct join *j, const jent *e)
{
	const unsigned char *p = e->enc;
	uint64_t input;
	int rc;

	while (*p & 0x80)        /* the body's length */
		p++;
	p++;
	rc = sl_rec_decode(it->ctx, p, e->size - (size_t)(p - e->enc),
			   &j->brec, &input, &j->views, &j->vcap, "join.table");
	if (rc > 0)
		sl_error(it->ctx, SL_EDATA, "join: a record of the table"
			 " does not decode");
	j->brec.input = j->brec.number ? j->b->input : NULL;
	return rc ? -1 : 0;
}

/* The first entry of the keys of rec, of side sd, hash h, in *at: 1,
 * 0 when the table has none, -1 on failure. */
static int table_find(sl_iter *it, struct join *j, const struct side *sd,
		      const sl_record *rec, uint64_t h, size_t *at)
{
	jtable *t = &j->t;
	size_t mask = t->nslot - 1, i;
	uint64_t s, hi = h >> 32 << 32;

	if (!t->nslot)
		return 0;
	for (i = h & mask; (s = t->slot[i]) != 0; i = (i + 1) & mask) {
		const jent *e;

		if ((s & ~(uint64_t)UINT32_MAX) != hi)
			continue;
		e = &t->e[(s & UINT32_MAX) - 1];
		if (e->hash != h)
			continue;
		if (decode_ent(it, j, e) < 0)
			return -1;
		if (keys_cmp(j, j->b, &j->brec, sd, rec) == 0) {
			*at = (size_t)(s & UINT32_MAX) - 1;
			return 1;
		}
	}
	return 0;
}

/* Add a record of the built side: 0, 1 when the table is full, -1 on
 * failure. */
static int table_add(sl_iter *it, struct join *j, const sl_record *rec,
		     uint64_t h)
{
	jtable *t = &j->t;
	sl_record bare;
	size_t body, size, at = 0;
	unsigned char *mem;
	jent *e;
	int found;

	if (it->quiet) {         /* nothing downstream names a record */
		bare = *rec;
		bare.number = bare.line = bare.offset = 0;
		rec = &bare;
	}
	body = sl_rec_body_size(rec, 0);
	size = sl_rec_size(body);
	if (size > UINT32_MAX)
		return 1;
	found = table_find(it, j, j->b, rec, h, &at);
	if (found < 0)
		return -1;
	if (table_room(it->ctx, t, !found) < 0 ||
	    !(mem = sl_store_bytes(it->ctx, &t->st, size, 0)))
		return 1;
	sl_rec_encode(mem, body, rec, 0);
	e = &t->e[t->n];
	e->hash = h;
	e->enc = mem;
	e->size = (uint32_t)size;
	e->next = 0;
	t->bytes += size;
	if (found) {
		jent *f = &t->e[at];

		t->e[f->link].next = (uint32_t)t->n + 1;
		f->link = (uint32_t)t->n;
		e->link = (uint32_t)at;
		e->flags = 0;
	} else {
		e->link = (uint32_t)t->n;
		e->flags = JE_FIRST;
		slot_put(t, h, t->n);
		t->nkeys++;
	}
	t->n++;
	return 0;
}

/* ---- hash: partitions ------------------------------------------------- */

static size_t free_budget(const sl_ctx *ctx)
{
	size_t cap = sl_mem_ceiling(ctx), used = sl_mem_in_use(ctx);

	return used < cap ? cap - used : 0;
}

/* A partition of np, for a hash at a level: each level mixes the hash
 * its own way, and none uses the bits the table's slots do. */
static size_t part_of(uint64_t h, int level, size_t np)
{
	uint64_t x = h + (uint64_t)(level + 1) * 0x9e3779b97f4a7c15ull;

	x = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ x >> 27) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (size_t)(((x >> 32) * np) >> 32);
}

/* The next record of a side: from a partition's file, or from its
 * pipeline (src NULL). */
static const sl_record *next_of(struct join *j, const struct side *sd,
				sl_spill *src)
{
	const sl_record *rec;
	uint64_t input;

	if (!src)
		return sl_iter_next(sd->in);
	rec = sl_spill_get_record(src, &input);
	if (!rec)
		return NULL;
	j->pone = *rec;
	j->pone.input = rec->number ? sd->input : NULL;
	return &j->pone;
}

static int side_index(const struct join *j, const struct side *sd)
{
	return sd == &j->r;
}

/* A spill file counted in pstats, under the lock; NULL on failure. */
static sl_spill *new_file(sl_iter *it, struct join *j)
{
	sl_spill *sp = sl_spill_new(it->arena, j->o.sort.tmpdir,
				    j->o.sort.codec, j->o.sort.level,
				    &j->pstats);

	if (sp)
		sl_spill_bind(sp, it->ctx, &j->lock);
	return sp;
}

/* Open a file a partition for side s of kids; 0 or -1. */
static int parts_open(sl_iter *it, struct join *j, jpart *kids, size_t np,
		      int s)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (!(kids[i].sp[s] = new_file(it, j)))
			return -1;
	return 0;
}

/*
 * Writing partitions on a thread.  The caller encodes each record into
 * its partition's buffer (a chunk) and hands a full one to the worker,
 * which compresses it into the partition's file, the files bound to the
 * worker's context meanwhile; the caller goes on with a free buffer,
 * waiting only when none is.  One worker takes the buffers in the order
 * given, so a file's records stay in order.
 */
#define PW_NONE ((size_t)-1)

typedef struct pbuf {
	unsigned char *p;
	size_t len, cap;
	size_t part;
} pbuf;

typedef struct pwriter {
	sl_ctx *ctx, *work;
	struct join *j;
	jpart *kids;
	int s;                   /* the side written */
	size_t np;
	pbuf *buf;
	size_t nbuf;
	size_t *fill;            /* of each partition: its buffer, PW_NONE */
	size_t *ring;            /* nbuf: full buffers, oldest first */
	size_t head, queued;
	size_t *idle;            /* the free buffers */
	size_t nidle;
	pthread_mutex_t lock;
	pthread_cond_t wake;     /* a buffer is queued, or stop */
	pthread_cond_t done;     /* a buffer is free again */
	pthread_t thread;
	int stop, failed, started;
} pwriter;

static void *pw_main(void *arg)
{
	pwriter *w = arg;
	int failed = 0;
	size_t b;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && !w->queued)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->queued)
			break;
		b = w->ring[w->head];
		w->head = (w->head + 1) % w->nbuf;
		w->queued--;
		pthread_mutex_unlock(&w->lock);
		if (!failed)
			failed = sl_spill_put_encoded(
				w->kids[w->buf[b].part].sp[w->s], w->buf[b].p,
				w->buf[b].len) != SL_OK;
		pthread_mutex_lock(&w->lock);
		w->buf[b].len = 0;
		w->idle[w->nidle++] = b;
		w->failed |= failed;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Stop the worker when it has written every buffer queued, and take
 * the files back; the worker's error becomes the caller's. */
static void pw_stop(pwriter *w)
{
	size_t i;

	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stop = 1;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		w->started = 0;
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->lock);
	}
	for (i = 0; i < w->np; i++)
		if (w->kids[i].sp[w->s])
			sl_spill_bind(w->kids[i].sp[w->s], w->ctx,
				      &w->j->lock);
	if (w->work) {
		sl_ctx_take_error(w->ctx, w->work);
		sl_ctx_free(w->work);
		w->work = NULL;
	}
	for (i = 0; w->buf && i < w->nbuf; i++)
		sl_mem_free(w->buf[i].p);
	sl_mem_free(w->buf);
	sl_mem_free(w->fill);
	sl_mem_free(w->ring);
	sl_mem_free(w->idle);
	w->buf = NULL;
	w->fill = w->ring = w->idle = NULL;
}

/* Start writing side s of kids on a thread: 0, or -1 (no error
 * recorded) when there is no thread, or no memory for the buffers. */
static int pw_start(pwriter *w, sl_iter *it, struct join *j, jpart *kids,
		    size_t np, int s)
{
	size_t chunk = sl_ctx_chunk_size(it->ctx), i;

	memset(w, 0, sizeof(*w));
	w->ctx = it->ctx;
	w->j = j;
	w->kids = kids;
	w->s = s;
	w->np = np;
	w->nbuf = np + np / 2 + 2;
	if (sl_ctx_threads(it->ctx) < 2 ||
	    w->nbuf * chunk > free_budget(it->ctx) / 2)
		return -1;
	w->buf = sl_mem_try_alloc(it->ctx, w->nbuf * sizeof(*w->buf),
				  "join.write");
	if (w->buf)
		memset(w->buf, 0, w->nbuf * sizeof(*w->buf));
	w->fill = sl_mem_try_alloc(it->ctx, np * sizeof(*w->fill),
				   "join.write");
	w->ring = sl_mem_try_alloc(it->ctx, w->nbuf * sizeof(*w->ring),
				   "join.write");
	w->idle = sl_mem_try_alloc(it->ctx, w->nbuf * sizeof(*w->idle),
				   "join.write");
	if (!w->buf || !w->fill || !w->ring || !w->idle)
		goto none;
	for (i = 0; i < w->nbuf; i++) {
		if (!(w->buf[i].p = sl_mem_try_alloc(it->ctx, chunk,
						     "join.write")))
			goto none;
		w->buf[i].cap = chunk;
		w->idle[w->nidle++] = i;
	}
	for (i = 0; i < np; i++)
		w->fill[i] = PW_NONE;
	if (!(w->work = sl_ctx_worker(it->ctx)))
		goto none;
	for (i = 0; i < np; i++)
		sl_spill_bind(kids[i].sp[s], w->work, &j->lock);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	if (sl_thread_start(&w->thread, pw_main, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->lock);
		goto none;
	}
	w->started = 1;
	return 0;
none:
	pw_stop(w);
	return -1;
}

/* Queue buffer b for the worker. */
static void pw_queue(pwriter *w, size_t b)
{
	pthread_mutex_lock(&w->lock);
	w->ring[(w->head + w->queued++) % w->nbuf] = b;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* A record of size bytes (body body) for partition part; 0, or -1 when
 * the worker failed (its error is taken at the stop) or on failure. */
static int pw_put(pwriter *w, size_t part, const sl_record *rec,
		  size_t body, size_t size)
{
	size_t b = w->fill[part];
	int failed;

	if (b != PW_NONE && w->buf[b].cap - w->buf[b].len < size) {
		pw_queue(w, b);
		b = w->fill[part] = PW_NONE;
	}
	if (b == PW_NONE) {
		pthread_mutex_lock(&w->lock);
		while (!w->nidle && !w->failed)
			pthread_cond_wait(&w->done, &w->lock);
		failed = w->failed;
		if (!failed)
			b = w->idle[--w->nidle];
		pthread_mutex_unlock(&w->lock);
		if (failed)
			return -1;
		w->buf[b].part = part;
		w->fill[part] = b;
	}
	if (size > w->buf[b].cap) {      /* a record longer than a chunk */
		unsigned char *p = sl_mem_realloc(w->ctx, w->buf[b].p, size,
						  "join.write");

		if (!p)
			return -1;
		w->buf[b].p = p;
		w->buf[b].cap = size;
	}
	sl_rec_encode(w->buf[b].p + w->buf[b].len, body, rec, 0);
	w->buf[b].len += size;
	return 0;
}

/* Queue what every partition has left, and stop when it is written:
 * 0, or -1 with the error recorded. */
static int pw_finish(pwriter *w)
{
	size_t i;

	for (i = 0; w->started && i < w->np; i++)
		if (w->fill[i] != PW_NONE) {
			pw_queue(w, w->fill[i]);
			w->fill[i] = PW_NONE;
		}
	pw_stop(w);
	return sl_failed(w->ctx) ? -1 : 0;
}

/* Write a record of side s to its partition, through w when it is
 * started; 0 or -1. */
static int part_put(const struct join *j, jpart *kids, size_t np,
		    int level, int s, const sl_record *rec, pwriter *w)
{
	const struct side *sd = s ? &j->r : &j->l;
	size_t part = part_of(keys_hash(j, sd, rec), level, np);
	size_t body = sl_rec_body_size(rec, 0), size = sl_rec_size(body);
	jpart *k = &kids[part];

	k->n[s]++;
	k->bytes[s] += size;
	if (w->started)
		return pw_put(w, part, rec, body, size);
	return sl_spill_put_record(k->sp[s], rec, 0) == SL_OK ? 0 : -1;
}

/* Write the records of src (NULL: the side's pipeline) to the side's
 * partitions; 0 or -1. */
static int part_all(sl_iter *it, struct join *j, jpart *kids, size_t np,
		    int level, int s, sl_spill *src, pwriter *w)
{
	const struct side *sd = s ? &j->r : &j->l;
	const sl_record *rec;

	while ((rec = next_of(j, sd, src)) != NULL)
		if (part_put(j, kids, np, level, s, rec, w) < 0)
			return -1;
	return sl_failed(it->ctx) ? -1 : 0;
}

/* Rewind side s's files of kids; 0 or -1. */
static int parts_rewind(jpart *kids, size_t np, int s)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (sl_spill_rewind(kids[i].sp[s]) != SL_OK)
			return -1;
	return 0;
}

/* The table's limit: the free budget but for a spill file's writer and
 * reader and a little more, or less when the options say so. */
static size_t table_limit(const sl_iter *it, const struct join *j)
{
	size_t chunk = sl_ctx_chunk_size(it->ctx), free = free_budget(it->ctx);
	size_t reserve = 4 * chunk + sl_spill_writer_mem(j->o.sort.codec,
							 j->o.sort.level) +
		sl_spill_reader_mem(j->o.sort.codec) + ((size_t)1 << 20);
	size_t limit = free > 2 * reserve ? free - reserve : free / 2;

	if (j->o.sort.mem_limit && j->o.sort.mem_limit < limit)
		limit = j->o.sort.mem_limit;
	return limit;
}

/* The table's records, then pending (the one that did not fit), then
 * the rest of rest (NULL: none; closed) in a spill file of their own,
 * rewound, and the table emptied; NULL on failure.  The partitions'
 * writers then have the whole budget. */
static sl_spill *dump_table(sl_iter *it, struct join *j,
			    const sl_record *pending, sl_spill *rest)
{
	jtable *t = &j->t;
	sl_spill *sp;
	size_t i;

	if (sl_spill_check(it->ctx, j->o.sort.codec, j->o.sort.level) != SL_OK)
		return NULL;
	if (!(sp = new_file(it, j)))
		return NULL;
	for (i = 0; i < t->n; i++)
		if (sl_spill_put_encoded(sp, t->e[i].enc, t->e[i].size) !=
		    SL_OK)
			return NULL;
	table_clear(t);
	if (sl_spill_put_record(sp, pending, 0) != SL_OK)
		return NULL;
	if (rest) {
		const sl_record *rec;

		while ((rec = next_of(j, j->b, rest)) != NULL)
			if (sl_spill_put_record(sp, rec, 0) != SL_OK)
				return NULL;
		if (sl_failed(it->ctx))
			return NULL;
		sl_spill_close(rest);
	}
	return sl_spill_rewind(sp) == SL_OK ? sp : NULL;
}

/*
 * Split into partitions at level the built side's records, those of
 * first, then the rest of bsrc, then all the probe side's, of psrc
 * (either NULL: the side's pipeline, read to its end).  The sources are
 * closed; the pairs go on the stack, the first partition on top.  need:
 * about how many bytes a table of the whole built side takes, 0 unknown.
 * 0 or -1.
 */
static int split(sl_iter *it, struct join *j, int level, sl_spill *first,
		 sl_spill *bsrc, sl_spill *psrc, uint64_t need)
{
	jpart kids[MAX_PARTS];
	int bs = side_index(j, j->b), ps = !bs, rc;
	size_t per, np, most, i;
	pwriter w;

	/* a file a partition: its writer takes two chunks and the
	 * compressor's state; half the budget is left, for the readers
	 * of the sources and the buffers of a writing thread.  Twice as
	 * many as the built side needs tables, when that is known, and at
	 * least eight: fewer leave a few keys together too often. */
	per = 2 * sl_ctx_chunk_size(it->ctx) +
		sl_spill_writer_mem(j->o.sort.codec, j->o.sort.level);
	most = free_budget(it->ctx);
	most = most > 2 * per ? (most - 2 * per) / 2 / per : 0;
	most = most < 2 ? 2 : most > MAX_PARTS ? MAX_PARTS : most;
	np = most;
	if (need && j->t.st.limit && need / j->t.st.limit < MAX_PARTS / 2)
		np = 2 * (size_t)(need / j->t.st.limit + 1);
	np = np < 8 ? 8 : np;
	np = np > most ? most : np;
	memset(kids, 0, sizeof(kids));
	for (i = 0; i < np; i++)
		kids[i].level = level;
	if (parts_open(it, j, kids, np, bs) < 0)
		return -1;
	pw_start(&w, it, j, kids, np, bs);
	rc = part_all(it, j, kids, np, level, bs, first, &w);
	if (!rc) {
		sl_spill_close(first);
		rc = part_all(it, j, kids, np, level, bs, bsrc, &w);
	}
	if (pw_finish(&w) < 0 || rc < 0 || parts_rewind(kids, np, bs) < 0)
		return -1;
	if (bsrc)
		sl_spill_close(bsrc);
	if (parts_open(it, j, kids, np, ps) < 0)
		return -1;
	pw_start(&w, it, j, kids, np, ps);
	rc = part_all(it, j, kids, np, level, ps, psrc, &w);
	if (pw_finish(&w) < 0 || rc < 0 || parts_rewind(kids, np, ps) < 0)
		return -1;
	if (psrc)
		sl_spill_close(psrc);
	if (j->nstack + np > j->scap) {
		size_t cap = 2 * j->scap + np;
		jpart *st = sl_mem_realloc(it->ctx, j->stack,
					   cap * sizeof(*st), "join.parts");

		if (!st)
			return -1;
		j->stack = st;
		j->scap = cap;
	}
	for (i = np; i-- > 0;) {
		jpart *k = &kids[i];

		if (!k->n[0] && !k->n[1]) {
			close_part(k);
			continue;
		}
		k->build = -1;
		j->stack[j->nstack++] = *k;
	}
	return 0;
}

/* How many bytes a table of records of raw bytes (their own) would
 * take, by what the full table takes for its records' bytes. */
static uint64_t table_need(const struct join *j, uint64_t raw)
{
	const jtable *t = &j->t;

	if (!t->bytes || raw > UINT64_MAX / 64)
		return raw;
	return raw / t->bytes * t->st.held +
		raw % t->bytes * t->st.held / t->bytes;
}

/* ---- hash: the join ------------------------------------------------- */

/* The size of a file input, compressed ones taken at four times theirs;
 * 0 when it is not a regular file. */
static uint64_t input_size(const char *name)
{
	static const char *const packed[] = { ".gz", ".zst", ".bz2", ".xz" };
	size_t n, i;
	struct stat st;

	if (!name || !strcmp(name, "-") || stat(name, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	n = strlen(name);
	for (i = 0; i < sizeof(packed) / sizeof(packed[0]); i++)
		if (n > strlen(packed[i]) &&
		    !strcmp(name + n - strlen(packed[i]), packed[i]))
			return (uint64_t)st.st_size * 4;
	return (uint64_t)st.st_size;
}

/* Build the left side: asked for, or the smaller of two files. */
static int build_left(const struct join *j)
{
	uint64_t ls, rs;

	if (j->o.build != SL_JOIN_BUILD_AUTO)
		return j->o.build == SL_JOIN_BUILD_LEFT;
	ls = input_size(j->l.input);
	rs = input_size(j->r.input);
	return ls && rs && ls < rs;
}

static void set_sides(struct join *j, int left)
{
	j->b = left ? &j->l : &j->r;
	j->p = left ? &j->r : &j->l;
}

/* Is there room for partitions: two files being written with their
 * sources read, and a thread's buffers? */
static int grace_fits(const sl_iter *it, const struct join *j)
{
	size_t chunk = sl_ctx_chunk_size(it->ctx);
	size_t per = 2 * chunk + sl_spill_writer_mem(j->o.sort.codec,
						     j->o.sort.level);
	size_t reader = 2 * chunk + sl_spill_reader_mem(j->o.sort.codec);

	return free_budget(it->ctx) >= 6 * per + 2 * reader;
}

/* Too little memory for partitions: join by sorting both sides, the
 * built side's records in the table first, then pending.  0 or -1. */
static int sort_instead(sl_iter *it, struct join *j, const sl_record *pending)
{
	j->o.method = SL_JOIN_SORT;
	if (sort_side(it, j, j->b, 1, pending) < 0 ||
	    sort_side(it, j, j->p, 0, NULL) < 0)
		return -1;
	j->filled = 1;
	return 0;
}

/* Fill the table with the built side; when it does not fit, split both
 * sides.  0 or -1. */
static int hash_fill(sl_iter *it, struct join *j)
{
	const sl_record *rec;
	sl_spill *first;
	uint64_t need;
	int rc, small;

	set_sides(j, build_left(j));
	j->t.st.limit = table_limit(it, j);
	/* too small a budget for partitions: a table of a quarter, the rest
	 * left for sorting both sides if it does not fit */
	small = !grace_fits(it, j);
	if (small && j->t.st.limit > free_budget(it->ctx) / 4)
		j->t.st.limit = free_budget(it->ctx) / 4;
	while ((rec = sl_iter_next(j->b->in)) != NULL) {
		if ((rc = table_add(it, j, rec, keys_hash(j, j->b, rec))) < 0)
			return -1;
		if (rc > 0) {
			if (small)
				return sort_instead(it, j, rec);
			need = table_need(j, input_size(j->b->input));
			if (!(first = dump_table(it, j, rec, NULL)) ||
			    split(it, j, 0, first, NULL, NULL, need) < 0)
				return -1;
			j->phase = H_NEXT;
			return 0;
		}
	}
	if (sl_failed(it->ctx))
		return -1;
	j->psrc = NULL;
	j->phase = H_PROBE;
	return 0;
}

/*
 * A pair's table is full at pending, of side bs.  When the table holds
 * one key, and pending has it too, that key alone is too many records
 * for the table: the pair is to be built from the other side instead,
 * this side's records going to a file of their own (j->moved): 1.  When
 * the other side was being built for that reason already and it is full
 * of the same key, the key fits on neither side: SL_ENOMEM.  0: split
 * the pair instead.  -1 on failure.
 */
static int overflow(sl_iter *it, struct join *j, jpart *jp, int bs,
		    const sl_record *pending)
{
	const struct side *other = bs ? &j->l : &j->r;
	size_t at;
	int one;

	one = j->t.nkeys == 1 && table_find(it, j, j->b, pending,
					      keys_hash(j, j->b, pending),
					      &at) == 1;
	if (sl_failed(it->ctx))
		return -1;
	if (one && jp->build >= 0 &&
	    keys_cmp(j, j->b, pending, other, &j->big.rec) == 0) {
		const sl_str *k = key_of(j->b, 0, pending);

		sl_error(it->ctx, SL_ENOMEM, "the records of one key do not"
			 " fit under the memory ceiling on either side (key"
			 " '%.*s')", k->len > 60 ? 60 : (int)k->len, k->ptr);
		return -1;
	}
	if (!one || jp->build >= 0) {
		if (jp->level < MAX_LEVEL)
			return 0;
		sl_error(it->ctx, SL_ENOMEM, "join: partitions still too big"
			 " for the memory ceiling after %d splits",
			 MAX_LEVEL);
		return -1;
	}
	if (sl_hold(it->ctx, &j->big, pending, "join.parts") < 0 ||
	    !(j->moved = dump_table(it, j, pending, jp->sp[bs])))
		return -1;
	jp->build = !bs;
	return 1;
}

/* Join the next pair of partitions: its smaller file into the table,
 * the other to probe it.  1, 0 when none is left, -1 on failure. */
static int next_pair(sl_iter *it, struct join *j)
{
	jpart *jp = &j->cur_part;
	const sl_record *rec;
	sl_spill *first;
	uint64_t need;
	int bs, rc;

	while (j->nstack) {
		*jp = j->stack[--j->nstack];
		bs = jp->build >= 0 ? jp->build :
			jp->bytes[0] < jp->bytes[1] ? 0 : 1;
		set_sides(j, !bs);
		/* inflated on another thread while this one joins, when the
		 * budget has room for it after a table's worth */
		if (!j->ahead &&
		    8 * sl_spill_ahead_mem(it->ctx) < free_budget(it->ctx))
			j->ahead = sl_spill_ahead_start(it->arena, jp->sp, 2);
		j->t.st.limit = table_limit(it, j);
		while ((rec = next_of(j, j->b, jp->sp[bs])) != NULL) {
			rc = table_add(it, j, rec, keys_hash(j, j->b, rec));
			if (rc < 0)
				return -1;
			if (rc == 0)
				continue;
			rc = overflow(it, j, jp, bs, rec);
			if (rc < 0)
				return -1;
			if (rc > 0) {    /* the other side is built now */
				/* its other file may be read ahead: a
				 * stop would lose the chunk it holds */
				jp->sp[bs] = j->moved;
				j->stack[j->nstack++] = *jp;
				jp->sp[0] = jp->sp[1] = NULL;
				break;
			}
			need = table_need(j, jp->bytes[bs]);
			if (!(first = dump_table(it, j, rec, NULL)) ||
			    split(it, j, jp->level + 1, first, jp->sp[bs],
				  jp->sp[!bs], need) < 0)
				return -1;
			jp->sp[0] = jp->sp[1] = NULL;
			sl_spill_ahead_stop(j->ahead);   /* both read */
			j->ahead = NULL;
			break;
		}
		if (sl_failed(it->ctx))
			return -1;
		if (!jp->sp[bs])
			continue;        /* split again */
		sl_spill_close(jp->sp[bs]);
		jp->sp[bs] = NULL;
		j->psrc = jp->sp[!bs];
		return 1;
	}
	return 0;
}

/* Does the join hand out side sd's records that have no match? */
static int keeps(const struct join *j, const struct side *sd)
{
	return sd == &j->l ? j->o.kind != SL_JOIN_INNER :
		j->o.kind == SL_JOIN_OUTER;
}

/* A record of side sd alone, the other's fields empty (null). */
static const sl_record *emit_one(struct join *j, const struct side *sd,
				 const sl_record *rec)
{
	return sd == &j->l ? emit(j, rec, NULL) : emit(j, NULL, rec);
}

static const sl_record *hash_next(sl_iter *it)
{
	struct join *j = it->state;
	const sl_record *rec;
	jtable *t = &j->t;
	size_t at = 0;
	int rc;

	for (;;) {
		if (sl_failed(it->ctx))
			return NULL;
		switch (j->phase) {
		case H_FILL:
			if (hash_fill(it, j) < 0)
				return NULL;
			if (j->o.method == SL_JOIN_SORT)
				return merge_next(it);
			continue;
		case H_PROBE:
			if (j->at) {     /* the probe record with the next */
				const jent *e = &t->e[j->at - 1];

				j->at = e->next;
				if (decode_ent(it, j, e) < 0)
					return NULL;
				return j->b == &j->l ?
					emit(j, &j->brec, j->prec) :
					emit(j, j->prec, &j->brec);
			}
			rec = next_of(j, j->p, j->psrc);
			if (!rec) {
				j->phase = H_REST;
				j->scan = 0;
				continue;
			}
			rc = table_find(it, j, j->p, rec,
					keys_hash(j, j->p, rec), &at);
			if (rc < 0)
				return NULL;
			if (rc) {
				t->e[at].flags |= JE_MATCHED;
				j->at = (uint32_t)at + 1;
				j->prec = rec;
				continue;
			}
			if (keeps(j, j->p))
				return emit_one(j, j->p, rec);
			continue;
		case H_REST:
			/* the built records no probe record matched */
			while (keeps(j, j->b) && j->scan < t->n) {
				const jent *e = &t->e[j->scan++];
				const jent *f = e->flags & JE_FIRST ? e :
					&t->e[e->link];

				if (f->flags & JE_MATCHED)
					continue;
				if (decode_ent(it, j, e) < 0)
					return NULL;
				return emit_one(j, j->b, &j->brec);
			}
			close_part(&j->cur_part);
			sl_spill_ahead_stop(j->ahead);   /* both read */
			j->ahead = NULL;
			j->psrc = NULL;
			table_clear(t);
			j->phase = H_NEXT;
			continue;
		case H_NEXT:
			rc = next_pair(it, j);
			if (rc < 0)
				return NULL;
			j->phase = rc ? H_PROBE : H_DONE;
			continue;
		default:
			return NULL;
		}
	}
}

static const sl_record *join_next(sl_iter *it)
{
	struct join *j = it->state;

	return j->o.method == SL_JOIN_HASH ? hash_next(it) : merge_next(it);
}

static const sl_spill_stats *join_spill(sl_iter *it)
{
	struct join *j = it->state;

	memset(&j->stats, 0, sizeof(j->stats));
	if (j->o.method == SL_JOIN_SORTED)
		return NULL;
	if (j->o.method == SL_JOIN_HASH) {
		/* a writer of partitions may be counting */
		pthread_mutex_lock(&j->lock);
		j->stats = j->pstats;
		pthread_mutex_unlock(&j->lock);
		return &j->stats;
	}
	if (!j->l.s)
		return NULL;
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
	if (j->o.method != SL_JOIN_HASH && j->o.method != SL_JOIN_SORT &&
	    j->o.method != SL_JOIN_SORTED) {
		sl_error(it->ctx, SL_EINVAL, "unknown join method %d",
			 (int)j->o.method);
		return NULL;
	}
	if (j->o.build != SL_JOIN_BUILD_AUTO &&
	    j->o.build != SL_JOIN_BUILD_LEFT &&
	    j->o.build != SL_JOIN_BUILD_RIGHT) {
		sl_error(it->ctx, SL_EINVAL, "unknown join build side %d",
			 (int)j->o.build);
		return NULL;
	}
	if (!j->o.sort.tmpdir) {
		j->o.sort.tmpdir = getenv("TMPDIR");
		if (!j->o.sort.tmpdir || !*j->o.sort.tmpdir)
			j->o.sort.tmpdir = "/tmp";
	}
	if (!j->o.sort.level)
		j->o.sort.level = 1;
	if (sl_iter_keep(it, &j->o.sort.tmpdir) < 0)
		return NULL;
	j->pstats.limit = j->o.sort.tmp_limit;
	j->t.st.tag = j->t.st.btag = "join.table";
	j->l.in = left;
	j->r.in = right;
	if (pthread_mutex_init(&j->lock, NULL) != 0) {
		sl_error(it->ctx, SL_ENOMEM, "cannot make a lock");
		return NULL;
	}
	j->locked = 1;
	if (sl_arena_on_release(it->arena, join_unlock, j) != SL_OK ||
	    split_keys(it, j, keys) < 0 ||
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
