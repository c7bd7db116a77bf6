/*
 * iter_uniq.c - distinct records: a hash table of groups, and the
 * external sorter when they do not fit.
 *
 * uniq counts the groups in a hash table first: the first record of
 * each key, copied, with the number of records that had it.  When the
 * keys all fit (a quarter of the ceiling), the table gives the groups,
 * sorted by key or in their first order.  When they do not, the table is
 * emptied into the sorter, each group as its first record with its count
 * (a weight) as a last field, and filled again: the sorter then gets
 * each key once per table, not once per record.  It sorts them by the
 * keys (stable, so the first of each group is its first occurrence:
 * the tables went in in input order), and reads them back once: a record
 * whose keys differ from the held first of the group ends that group,
 * which gives its first record, with the sum of the weights under count.
 * With keep_first a sequence number rides along as a last field, and the
 * groups' records go to a second sorter on that number, which gives them
 * back in input order without it.
 *
 * On threads: when the input is a read stage of one plain file worth it
 * (sl_parts_run()), each thread counts a part of the body in a table of
 * its own, an even share of the limit, and gives up when it fills; the
 * parts' tables are then folded into the stage's in the parts' order,
 * each group's first record renumbered as the file's (sl_part_fix()).
 * A part's groups are in the order of their first records, so the
 * stage's table is as one thread would have filled it, and the output is
 * the same.  When any part gives up, the stage reads its input as above.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iter.h"

/* A group of the table: its first record, copied, and its size. */
typedef struct ugroup {
	uint64_t hash;
	uint64_t count;
	uint64_t seq;            /* the first record's place in the input */
	sl_record rec;
} ugroup;

typedef struct utable {
	sl_store st;             /* the array, the slots and the records */
	ugroup *g;
	size_t n, cap;
	uint64_t *slot;          /* a power of two of them, 0 free, else
				  * the hash's high half and index + 1 into
				  * g: most misses never look at g */
	size_t nslot;
} utable;

struct uniq {
	const char *keys;
	sl_uniq_options o;
	sl_sort_key *k, seqkey;
	size_t nk;
	size_t nin;              /* the input's fields */
	size_t nout;             /* fields handed out: the header's, count */
	utable t;
	int filled;              /* the input is all read */
	size_t *order;           /* the table's groups in output order */
	size_t at;               /* the next of order */
	sl_sorter *s, *back;     /* by key; keep_first: by sequence number */
	sl_str *out;             /* nout + 1: a record being made */
	unsigned char *kinds;
	sl_held first;           /* the first record of the group */
	uint64_t group;          /* its records so far; 0: none held */
	const sl_record *pending; /* the sorter's record that ended it */
	int done;                /* the sorter by key is at its end */
	char num[32], wnum[32];
	sl_record one;           /* what next() hands out, with the
				  * provenance of the group's first */
	sl_spill_stats stats;
};

/* ---- the table ---------------------------------------------------------- */

static void table_clear(utable *t)
{
	sl_store_clear(&t->st);
	sl_store_give(&t->st, t->g, t->cap * sizeof(*t->g));
	sl_store_give(&t->st, t->slot, t->nslot * sizeof(*t->slot));
	t->g = NULL;
	t->slot = NULL;
	t->n = t->cap = t->nslot = 0;
}

static void uniq_release(void *arg)
{
	struct uniq *u = arg;

	sl_held_free(&u->first);
	table_clear(&u->t);
	sl_mem_free(u->order);
	u->order = NULL;
}

/* A key field of rec: empty past its end. */
static sl_str key_field(const sl_record *rec, size_t f)
{
	sl_str none = { "", 0 };

	return f < rec->nfields ? rec->fields[f] : none;
}

static uint64_t key_hash(const struct uniq *u, const sl_record *rec)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (u->nk == 1) {
		sl_str f = key_field(rec, u->k[0].field);

		return sl_hash64(f.ptr, f.len);
	}
	for (i = 0; i < u->nk; i++) {
		sl_str f = key_field(rec, u->k[i].field);

		h = (h ^ sl_hash64(f.ptr, f.len)) * 0xff51afd7ed558ccdull;
	}
	return h ^ h >> 29;
}

static int same_keys(const struct uniq *u, const sl_record *a,
		     const sl_record *b)
{
	size_t i;

	for (i = 0; i < u->nk; i++) {
		sl_str x = key_field(a, u->k[i].field);
		sl_str y = key_field(b, u->k[i].field);

		if (x.len != y.len || memcmp(x.ptr, y.ptr, x.len) != 0)
			return 0;
	}
	return 1;
}

/* The group of t for rec's keys, or NULL. */
static ugroup *table_find(const struct uniq *u, utable *t,
			  const sl_record *rec, uint64_t h)
{
	size_t mask = t->nslot - 1, i;
	uint64_t at, hi = h >> 32 << 32;
	ugroup *g;

	if (!t->nslot)
		return NULL;
	for (i = h & mask; (at = t->slot[i]) != 0; i = (i + 1) & mask) {
		if ((at & ~(uint64_t)UINT32_MAX) != hi)
			continue;
		g = &t->g[(at & UINT32_MAX) - 1];
		if (g->hash == h && same_keys(u, &g->rec, rec))
			return g;
	}
	return NULL;
}

/* Room for one more group: the array and the slots.  0, or -1 full. */
static int table_room(sl_ctx *ctx, utable *t)
{
	size_t n, i, mask;
	uint64_t *slot;
	ugroup *g;

	if (t->n == t->cap) {
		n = t->cap ? t->cap * 2 : 256;
		if (n > UINT32_MAX - 1)
			return -1;
		g = sl_store_take(ctx, &t->st, t->g, t->cap * sizeof(*g),
				  n * sizeof(*g));
		if (!g)
			return -1;
		t->g = g;
		t->cap = n;
	}
	if (t->n + 1 <= t->nslot / 2)
		return 0;
	n = t->nslot ? t->nslot * 2 : 512;
	slot = sl_store_take(ctx, &t->st, NULL, 0, n * sizeof(*slot));
	if (!slot)
		return -1;
	memset(slot, 0, n * sizeof(*slot));
	mask = n - 1;
	for (i = 0; i < t->n; i++) {
		size_t j = t->g[i].hash & mask;

		while (slot[j])
			j = (j + 1) & mask;
		slot[j] = (t->g[i].hash >> 32 << 32) | (i + 1);
	}
	sl_store_give(&t->st, t->slot, t->nslot * sizeof(*slot));
	t->slot = slot;
	t->nslot = n;
	return 0;
}

/* A new group of t, rec its first record, of count records.  0, or -1
 * when the table is full. */
static int table_add(utable *t, sl_ctx *ctx, const sl_record *rec,
		     uint64_t h, uint64_t count, uint64_t seq)
{
	void *mem;
	ugroup *g;
	size_t j;

	if (table_room(ctx, t) < 0 ||
	    !(mem = sl_store_bytes(ctx, &t->st, sl_record_size(rec), 1)))
		return -1;
	g = &t->g[t->n];
	g->hash = h;
	g->count = count;
	g->seq = seq;
	sl_record_copy(&g->rec, rec, mem);
	for (j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1))
		;
	t->slot[j] = (h >> 32 << 32) | ++t->n;
	return 0;
}

/* f: the text of v in buf. */
static void put_count(sl_str *f, char *buf, size_t size, uint64_t v)
{
	f->ptr = buf;
	f->len = (size_t)snprintf(buf, size, "%llu", (unsigned long long)v);
}

static int uniq_start(sl_iter *it)
{
	struct uniq *u = it->state;
	sl_str *names;

	u->k = sl_keys_parse(it->arena, u->keys, it->names, it->nnames, 0,
			     &u->nk);
	if (!u->k)
		return -1;
	u->nin = it->nnames;
	u->nout = it->nnames + (u->o.count != 0);
	u->t.st.limit = sl_mem_ceiling(it->ctx) / 4;
	u->t.st.tag = "uniq.table";
	u->t.st.btag = "uniq.records";
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

/* Add a group to the sorter by key: its first record, padded to the
 * input's fields, then with count its size (a weight: the sorter sums
 * them), then with keep_first the first record's sequence number.  0 or
 * -1. */
static int uniq_add(sl_iter *it, const sl_record *rec, uint64_t weight,
		    uint64_t seq)
{
	struct uniq *u = it->state;
	size_t n = rec->nfields;
	sl_record one;

	if (!u->o.keep_first && !u->o.count)
		return sl_sorter_add_record(u->s, rec) == SL_OK ? 0 : -1;
	if (n > u->nin) {             /* readers refuse these */
		sl_error(it->ctx, SL_EDATA, "a record of '%s' has %zu fields,"
			 " more than its header's %zu", rec->input ?
			 rec->input : "the input", n, u->nin);
		return -1;
	}
	memcpy(u->out, rec->fields, n * sizeof(*u->out));
	if (rec->kinds)
		memcpy(u->kinds, rec->kinds, n);
	for (; n < u->nin; n++) {
		u->out[n].ptr = "";
		u->out[n].len = 0;
		u->kinds[n] = SL_KIND_TEXT;
	}
	if (u->o.count) {
		put_count(&u->out[n], u->wnum, sizeof(u->wnum), weight);
		u->kinds[n++] = SL_KIND_TEXT;
	}
	if (u->o.keep_first) {
		put_count(&u->out[n], u->num, sizeof(u->num), seq);
		u->kinds[n++] = SL_KIND_TEXT;
	}
	one = *rec;
	one.nfields = n;
	one.fields = u->out;
	one.kinds = rec->kinds ? u->kinds : NULL;
	return sl_sorter_add_record(u->s, &one) == SL_OK ? 0 : -1;
}

/* The weight of a group's record from the sorter: its count field. */
static uint64_t uniq_weight(const struct uniq *u, const sl_record *rec)
{
	char num[32];
	size_t n;

	if (!u->o.count || rec->nfields <= u->nin)
		return 1;
	n = rec->fields[u->nin].len < sizeof(num) ?
		rec->fields[u->nin].len : sizeof(num) - 1;
	memcpy(num, rec->fields[u->nin].ptr, n);
	num[n] = '\0';
	return strtoull(num, NULL, 10);
}

/* The record a group gives: f's first fields (the header's), its size
 * under count, and with seq its sequence number last (f's last field). */
static const sl_record *uniq_group_record(sl_iter *it, const sl_record *f,
					  uint64_t size, int seq)
{
	struct uniq *u = it->state;
	size_t nin = u->nin;
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
		put_count(&u->out[k], u->num, sizeof(u->num), size);
		u->kinds[k++] = SL_KIND_TEXT;
	}
	if (seq) {
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
			u->group = uniq_weight(u, u->pending);
			u->pending = NULL;
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
			f = uniq_group_record(it, &u->first.rec, u->group,
					      u->o.keep_first);
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
			u->group += uniq_weight(u, got);
			continue;
		}
		u->pending = got;
		f = uniq_group_record(it, &u->first.rec, u->group,
				      u->o.keep_first);
		u->group = 0;
		return f;
	}
}

/* The table's groups to the sorter by key (made at the first time), and
 * the table emptied.  0 or -1. */
static int uniq_flush(sl_iter *it)
{
	struct uniq *u = it->state;
	size_t i;

	if (!u->s) {
		u->o.sort.no_provenance |= it->quiet;
		u->s = sl_sorter_new(it->arena, u->k, u->nk, &u->o.sort);
		if (!u->s)
			return -1;
	}
	for (i = 0; i < u->t.n; i++)
		if (uniq_add(it, &u->t.g[i].rec, u->t.g[i].count,
			     u->t.g[i].seq) < 0)
			return -1;
	table_clear(&u->t);
	return 0;
}

struct by_key {
	sl_ctx *ctx;
	const struct uniq *u;
};

static int group_cmp(const void *a, const void *b, void *arg)
{
	const struct by_key *bk = arg;
	const ugroup *x = &bk->u->t.g[*(const size_t *)a];
	const ugroup *y = &bk->u->t.g[*(const size_t *)b];

	return sl_sort_compare(bk->ctx, bk->u->k, bk->u->nk, x->rec.fields,
			       x->rec.nfields, y->rec.fields, y->rec.nfields);
}

/* All the groups are in the table: their output order.  0 or -1. */
static int table_order(sl_iter *it)
{
	struct uniq *u = it->state;
	struct by_key bk = { it->ctx, u };
	size_t i;

	u->order = sl_mem_alloc(it->ctx, (u->t.n ? u->t.n : 1) *
				sizeof(*u->order), "uniq.order");
	if (!u->order)
		return -1;
	for (i = 0; i < u->t.n; i++)
		u->order[i] = i;
	if (!u->o.keep_first)
		qsort_r(u->order, u->t.n, sizeof(*u->order), group_cmp, &bk);
	return sl_failed(it->ctx) ? -1 : 0;
}

/* count records of rec's keys (h their hash), the first of them rec,
 * the seq-th record of the input: into the table, and into the sorter
 * when it is full.  0 or -1. */
static int uniq_fold(sl_iter *it, const sl_record *rec, uint64_t h,
		     uint64_t count, uint64_t seq)
{
	struct uniq *u = it->state;
	ugroup *g;

	if ((g = table_find(u, &u->t, rec, h)) != NULL) {
		g->count += count;
		return 0;
	}
	if (table_add(&u->t, it->ctx, rec, h, count, seq) == 0)
		return 0;
	/* full: the groups go to the sorter, and the record to the emptied
	 * table, or straight to the sorter if it is too big for it */
	if (sl_failed(it->ctx) || uniq_flush(it) < 0)
		return -1;
	if (table_add(&u->t, it->ctx, rec, h, count, seq) == 0)
		return 0;
	return uniq_add(it, rec, count, seq);
}

/* ---- on threads ------------------------------------------------------------ */

/* A part's table.  Each thread counts its part's groups in a table of its
 * own (an even share of the stage's table limit) and gives up when it
 * fills: the stage then reads the input on one thread. */
struct upart {
	const struct uniq *u;
	utable t;
};

static int part_count(sl_part *p)
{
	struct upart *up = p->arg;
	const sl_record *rec;
	uint64_t seq, h;
	ugroup *g;

	for (seq = 0; (rec = sl_reader_next(p->r)) != NULL; seq++) {
		if ((seq & 4095) == 4095 && sl_part_stopped(p))
			return -1;
		h = key_hash(up->u, rec);
		if ((g = table_find(up->u, &up->t, rec, h)) != NULL)
			g->count++;
		else if (table_add(&up->t, p->ctx, rec, h, 1, seq) < 0)
			return -1;
	}
	return 0;
}

/*
 * Count the groups of in's parts on threads, when in is a read stage of
 * a plain file worth it, and fold the parts' tables into the stage's in
 * the parts' order: each part's groups are in the order of their first
 * records, so the table's are too, as if read on one thread.  0 when
 * done, 1 when not (in is then untouched), -1 on failure.
 */
static int uniq_parts(sl_iter *it)
{
	struct uniq *u = it->state;
	sl_reader *r = sl_read_stage_reader(it->in);
	unsigned n = sl_ctx_threads(it->ctx), i;
	struct upart *up;
	void **args;
	sl_parts *ps;
	size_t j;
	int rc = 0;

	if (n < 2 || !r)
		return 1;
	up = sl_mem_try_alloc(it->ctx, n * sizeof(*up), "uniq.parts");
	args = sl_mem_try_alloc(it->ctx, n * sizeof(*args), "uniq.parts");
	if (!up || !args) {
		sl_mem_free(up);
		sl_mem_free(args);
		return 1;
	}
	memset(up, 0, n * sizeof(*up));
	for (i = 0; i < n; i++) {
		up[i].u = u;
		up[i].t.st.limit = u->t.st.limit / n;
		up[i].t.st.tag = "uniq.table";
		up[i].t.st.btag = "uniq.records";
		args[i] = &up[i];
	}
	ps = sl_parts_run(r, n, part_count, args);
	for (i = 0; ps && i < sl_parts_count(ps); i++) {
		const sl_part *p = sl_parts_part(ps, i);

		for (j = 0; rc == 0 && j < up[i].t.n; j++) {
			const ugroup *g = &up[i].t.g[j];
			sl_record rec = g->rec;

			sl_part_fix(p, &rec);
			rc = uniq_fold(it, &rec, g->hash, g->count,
				       p->number0 + g->seq);
		}
		table_clear(&up[i].t);
	}
	for (i = 0; i < n; i++)
		table_clear(&up[i].t);
	sl_parts_free(ps);
	sl_mem_free(up);
	sl_mem_free(args);
	return !ps ? 1 : rc;
}

/* Read the input into the table, and into the sorters when it is full.
 * 0 or -1. */
static int uniq_fill(sl_iter *it)
{
	struct uniq *u = it->state;
	const sl_record *rec;
	uint64_t seq;
	int rc;

	u->filled = 1;
	rc = uniq_parts(it);
	for (seq = 0; rc == 1 && (rec = sl_iter_next(it->in)) != NULL; seq++)
		if (uniq_fold(it, rec, key_hash(u, rec), 1, seq) < 0)
			return -1;
	if (rc < 0 || sl_failed(it->ctx))
		return -1;
	if (!u->s)
		return table_order(it);
	if (uniq_flush(it) < 0)
		return -1;
	if (!u->o.keep_first)
		return 0;
	/* every group to the second sorter, then back in input order */
	u->back = sl_sorter_new(it->arena, &u->seqkey, 1, &u->o.sort);
	if (!u->back)
		return -1;
	sl_sorter_leave_room(u->s);    /* back fills as s merges */
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
	const ugroup *g;

	if (!u->filled && uniq_fill(it) < 0)
		return NULL;
	if (!u->s) {                   /* every group in the table */
		if (!u->order || u->at == u->t.n)
			return NULL;
		g = &u->t.g[u->order[u->at++]];
		rec = uniq_group_record(it, &g->rec, g->count, 0);
		if (it->quiet) {       /* as through the sorter */
			u->one.number = u->one.line = u->one.offset = 0;
			u->one.input = NULL;
		}
		return rec;
	}
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
