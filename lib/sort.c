/*
 * sort.c - external merge sort of records under the memory ceiling.
 *
 * Call order: sl_sorter_new(), sl_sorter_add() for every record, then
 * sl_sorter_next() until NULL.
 *
 * Records are copied into blocks (1/16 of the ceiling, 64 KiB to 1 MiB)
 * charged as "sort.run", each encoded as a run holds it (sl_rec_encode():
 * its fields, kinds and provenance, with the index of its input's name,
 * which the sorter copies once), after the views of its key fields (into
 * the encoding) and the values of its numeric keys, and listed in an
 * array of items, which keep the first key's value or first 16 bytes.
 * A record costs its bytes, a byte or two a field, 16 bytes a key and 40
 * for its item (views of every field cost 16 bytes each: with them, runs
 * held a third fewer records of `sluice gen`), and a run is written by
 * copying the encodings in key order.  The provenance goes through the
 * runs too, so a record comes out naming where it was read (unless
 * no_provenance: it costs the runs 8 to 10 bytes a record, most of them
 * incompressible).  Before a record is added, the sorter checks that the
 * budget still has room for it plus a reserve (what a spill writer
 * needs); when it has not, the items are sorted (qsort, with the input
 * sequence number breaking ties, so the sort is stable; items already in
 * order are left as they are), written to a spill file as one run, and
 * the blocks are reused.  With threads, the items are cut in as many
 * slices as the writers' reserves allow (one a thread), each sorted and
 * written as a run of its own at the same time: sorting and deflating
 * are most of a spilling sort's time.  Input that fits is sorted in
 * memory and never written; its records are decoded as they are handed
 * out.
 *
 * At the end the last run is spilled too and the runs are merged with a
 * tree of losers (one comparison a level for each record, where a binary
 * heap makes two).  A run reader costs about two chunks and an inflate state,
 * so the fan-in is what the free budget holds of those; while there are
 * more runs than that, groups of consecutive runs are merged into one
 * each (a pass), as many runs as the final merge could not read, none of
 * them written by an earlier pass while unwritten ones remain.  Each run
 * holds an open file, so a sorter keeps at most a quarter of the files
 * the process may open (max_runs()): at that many, half of them are
 * merged as above before more are written.  A run
 * takes its group's place, which keeps the runs in input order, and ties
 * go to the earlier run: the merge stays stable.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sluice_int.h"

/* Run storage comes in blocks of 1/16 of the ceiling, 64 KiB to 1 MiB. */
#define BLOCK_MIN ((size_t)64 << 10)
#define BLOCK_MAX ((size_t)1 << 20)

/*
 * A record in a block: the views of its key fields (one a key, in key
 * order), a double per numeric key (NAN: not a number), then the record
 * encoded as a run holds it (sl_rec_encode(): its length, then its
 * kinds, provenance and fields), which the key views point into.  A run
 * is written by copying the encodings in key order.
 */
typedef struct item {
	const unsigned char *rec;       /* the encoding, after the key
					 * views and numbers: item_kv() */
	size_t body;            /* its bytes after the length */
	uint64_t seq;
	union {
		double k0;      /* the first key, numeric: its value */
		uint64_t p0;    /* text: its first 16 bytes, big-endian, */
	} u;
	uint64_t p1;            /* 0 past its end */
} item;

typedef struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
} block;

typedef struct run {
	sl_spill *sp;
} run;

typedef struct head {           /* a run's current record in the merge */
	size_t run;
	const sl_record *rec;   /* the run's, until it is read on */
	uint64_t input;
	double *num;
} head;

struct sl_sorter {
	sl_ctx *ctx;
	sl_arena *arena;
	sl_sort_key *keys;
	size_t nkeys, nnum;
	char *tmpdir;
	int codec, level;
	unsigned writers;       /* runs written at once, on as many threads */
	size_t max_runs;        /* runs kept at once: each holds a file */
	pthread_mutex_t lock;   /* guards stats while they are */
	size_t reserve;         /* kept free for the spill writers */
	size_t held, limit;     /* bytes of blocks and items; the most */
	size_t block;           /* size of a run storage block */
	block *blocks, *cur;
	item *items;
	size_t nitems, icap;
	size_t run_bytes;       /* the items' records' bytes in the blocks */
	uint64_t seq;
	run *runs;
	size_t nruns, rcap;
	int finished;
	size_t pos;             /* in-memory output */
	head *heap;             /* a merge's heads, one a run */
	size_t nheap;
	size_t *tree;           /* its tree of losers: see play() */
	size_t win;             /* the head that comes first */
	sl_spill_ahead *ahead;  /* its runs read ahead on a thread, or NULL */
	int leave_room;         /* another sorter fills while this merges */
	double *nums;           /* numeric key values of the heads */
	int prov;               /* records keep their provenance */
	sl_str *views;          /* a record's fields as encoded: add() */
	size_t vcap;            /* bytes of views */
	sl_str *oviews;         /* the output's, in memory */
	size_t ocap;            /* views of oviews (sl_rec_decode()) */
	const char **inputs;    /* the records' input names, copied */
	size_t ninputs, incap;
	sl_record out;          /* what sl_sorter_next_record() hands out */
	sl_spill_stats stats;
};

/* An item's key views, and its numeric key values after them, lie
 * right before its record. */
static const sl_str *item_kv(const sl_sorter *s, const item *it)
{
	return (const sl_str *)(it->rec - s->nnum * sizeof(double) -
				s->nkeys * sizeof(sl_str));
}

static const double *item_num(const sl_sorter *s, const item *it)
{
	return (const double *)(it->rec - s->nnum * sizeof(double));
}

/* The index + 1 of an input's name among the sorter's copies (made at
 * its first record: the name may go before the sorter does); 0 for none
 * or on failure. */
static uint64_t intern(sl_sorter *s, const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = s->ninputs; i-- > 0;)    /* the last is the likely one */
		if (strcmp(s->inputs[i], name) == 0)
			return i + 1;
	if (s->ninputs == s->incap) {
		size_t cap = s->incap ? 2 * s->incap : 4;
		const char **n = sl_arena_alloc(s->arena, cap * sizeof(*n));

		if (!n)
			return 0;
		if (s->ninputs)
			memcpy(n, s->inputs, s->ninputs * sizeof(*n));
		s->inputs = n;
		s->incap = cap;
	}
	s->inputs[s->ninputs] = sl_arena_strndup(s->arena, name, strlen(name));
	return s->inputs[s->ninputs] ? ++s->ninputs : 0;
}

/* ---- keys ----------------------------------------------------------------- */

static int text_order(const sl_str *a, const sl_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->ptr, b->ptr, n) : 0;

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static const sl_str empty = { "", 0 };

static const sl_str *field(const sl_str *f, size_t n, size_t i)
{
	return i < n ? &f[i] : &empty;
}

/* The numeric keys' values of a record into num[]. */
static void key_numbers(const sl_sorter *s, const sl_str *f, size_t n,
			double *num)
{
	size_t k, j = 0;

	for (k = 0; k < s->nkeys; k++) {
		const sl_str *v;

		if (!s->keys[k].numeric)
			continue;
		v = field(f, n, s->keys[k].field);
		if (!sl_parse_decimal(s->ctx, v->ptr, v->len, &num[j]))
			num[j] = NAN;
		j++;
	}
}

/* a and b by key (x and y their values, when it is numeric). */
static int key_order(const sl_sort_key *key, const sl_str *a, double x,
		     const sl_str *b, double y)
{
	int c;

	if (key->numeric) {
		int xn = !isnan(x), yn = !isnan(y);

		if (xn && yn)           /* by value, exactly */
			c = sl_num_order(x, a->ptr, a->len, y, b->ptr, b->len);
		else if (xn != yn)
			c = xn ? 1 : -1;     /* non-numbers first */
		else
			c = text_order(a, b);
	} else {
		c = text_order(a, b);
	}
	return key->reverse ? -c : c;
}

/* Two records' fields by the keys. */
static int compare(const sl_sorter *s, const sl_str *af, size_t an,
		   const double *anum, const sl_str *bf, size_t bn,
		   const double *bnum)
{
	size_t k, j = 0;
	int c;

	for (k = 0; k < s->nkeys; k++) {
		const sl_sort_key *key = &s->keys[k];
		int num = key->numeric != 0;

		c = key_order(key, field(af, an, key->field),
			      num ? anum[j] : 0,
			      field(bf, bn, key->field), num ? bnum[j] : 0);
		if (c)
			return c;
		j += num;
	}
	return 0;
}

/* Two items by the keys, from their key views. */
static int compare_items(const sl_sorter *s, const item *a, const item *b)
{
	const double *anum = item_num(s, a), *bnum = item_num(s, b);
	const sl_str *akv = item_kv(s, a), *bkv = item_kv(s, b);
	size_t k, j = 0;
	int c;

	for (k = 0; k < s->nkeys; k++) {
		int num = s->keys[k].numeric != 0;

		c = key_order(&s->keys[k], &akv[k], num ? anum[j] : 0,
			      &bkv[k], num ? bnum[j] : 0);
		if (c)
			return c;
		j += num;
	}
	return 0;
}

/* Bytes at..at+8 of a text as a big-endian number, 0 past its end: the
 * same order as memcmp when they differ. */
static uint64_t prefix8(const sl_str *v, size_t at)
{
	uint64_t p = 0;
	size_t i;

	for (i = at; i < at + 8; i++)
		p = p << 8 | (i < v->len ? (unsigned char)v->ptr[i] : 0);
	return p;
}

static int item_order(const void *x, const void *y, void *arg)
{
	const item *a = x, *b = y;
	const sl_sorter *s = arg;
	int c = 0;

	/* the first key from the items themselves: no pointer to follow */
	if (s->nkeys) {
		if (s->keys[0].numeric) {
			if (!isnan(a->u.k0) && !isnan(b->u.k0))
				c = (a->u.k0 > b->u.k0) - (a->u.k0 < b->u.k0);
		} else if (a->u.p0 != b->u.p0) {
			c = a->u.p0 < b->u.p0 ? -1 : 1;
		} else if (a->p1 != b->p1) {   /* texts of a few words often
						  * share their first 8 */
			c = a->p1 < b->p1 ? -1 : 1;
		}
		if (c)
			return s->keys[0].reverse ? -c : c;
	}
	c = compare_items(s, a, b);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- memory ------------------------------------------------------------------ */

/* Give back the run storage blocks. */
static void free_blocks(sl_sorter *s)
{
	block *b, *next;

	for (b = s->blocks; b; b = next) {
		next = b->next;
		s->held -= sizeof(block) + b->size;
		sl_mem_free(b);
	}
	s->blocks = s->cur = NULL;
}

static void sorter_release(void *arg)
{
	sl_sorter *s = arg;

	free_blocks(s);
	sl_mem_free(s->items);
	sl_mem_free(s->heap);
	sl_mem_free(s->nums);
	sl_mem_free(s->tree);
	sl_mem_free(s->views);
	sl_mem_free(s->oviews);
	s->views = s->oviews = NULL;
	s->vcap = s->ocap = 0;
	s->items = NULL;
	s->heap = NULL;
	s->nums = NULL;
	s->tree = NULL;
	if (s->writers > 1)
		pthread_mutex_destroy(&s->lock);
	s->writers = 1;
}

/*
 * What the next spill takes besides the records: its spill writers (the
 * reserve), and in the sorter's arena their spill objects and, when it
 * is full, a run list twice as long; an arena block of 16 KiB covers the
 * first.  Leaving this out let a sort near its ceiling fail to spill.
 */
static size_t spill_need(const sl_sorter *s)
{
	size_t list = s->nruns + s->writers > s->rcap ?
		2 * (s->rcap ? s->rcap : 8) * sizeof(run) : 0;

	return s->reserve + (16 << 10) + list;
}

/* Does the budget have room for more plus what a spill needs? */
static int room(const sl_sorter *s, size_t more)
{
	size_t used = sl_mem_in_use(s->ctx), cap = sl_mem_ceiling(s->ctx);

	if (s->limit && (more > s->limit || s->held > s->limit - more))
		return 0;
	return used <= cap && more <= cap - used &&
		spill_need(s) <= cap - used - more;
}

/* size bytes, aligned, from the blocks; NULL when the budget is full. */
static void *take(sl_sorter *s, size_t size)
{
	size_t need = (size + sizeof(max_align_t) - 1) &
		~(sizeof(max_align_t) - 1);
	block *b = s->cur;

	while (b && b->size - b->used < need)
		b = b->next;       /* blocks kept from an earlier run */
	if (!b) {
		size_t bsize = need > s->block ? need : s->block;
		size_t least = need > BLOCK_MIN / 4 ? need : BLOCK_MIN / 4;

		/* a smaller block when a whole one does not fit: the items
		 * may have taken part of a small limit */
		while (!room(s, sizeof(block) + bsize)) {
			if (bsize == least)
				return NULL;
			bsize = bsize / 2 > least ? bsize / 2 : least;
		}
		b = sl_mem_try_alloc(s->ctx, sizeof(block) + bsize,
				     "sort.run");
		if (!b)
			return NULL;
		b->size = bsize;
		b->used = 0;
		s->held += sizeof(block) + bsize;
		b->next = s->blocks;
		s->blocks = b;
	}
	s->cur = b;
	b->used += need;
	return (char *)b->data + b->used - need;
}

/* ---- runs ---------------------------------------------------------------------- */

static run *new_run(sl_sorter *s)
{
	run *r;

	if (s->nruns == s->rcap) {
		size_t cap = s->rcap ? s->rcap * 2 : 16;
		run *n = sl_arena_alloc(s->arena, cap * sizeof(*n));

		if (!n)
			return NULL;
		if (s->nruns)
			memcpy(n, s->runs, s->nruns * sizeof(*n));
		s->runs = n;
		s->rcap = cap;
	}
	r = &s->runs[s->nruns];
	r->sp = sl_spill_new(s->arena, s->tmpdir, s->codec, s->level,
			       &s->stats);
	if (!r->sp)
		return NULL;
	s->nruns++;
	return r;
}

/* Sort n items (stable: ties go by sequence number).  Items already in
 * order, as a sorted input gives them, cost one comparison each: the
 * check ends at the first pair out of order, at once for most inputs. */
static void sort_items(const sl_sorter *s, item *items, size_t n)
{
	size_t i;

	for (i = 1; i < n && item_order(&items[i - 1], &items[i],
					(void *)s) < 0; i++)
		;
	if (i < n)
		qsort_r(items, n, sizeof(item), item_order, (void *)s);
}

/* Sort n items in memory and write them to sp as one run, unless the
 * sort has been told to stop (another slice failed). */
static sl_status write_run(const sl_sorter *s, sl_ctx *ctx, sl_spill *sp,
			   item *items, size_t n, atomic_int *stop)
{
	size_t i;

	sort_items(s, items, n);
	for (i = 0; i < n; i++) {
		if (sl_spill_put_encoded(sp, items[i].rec,
					 sl_rec_size(items[i].body)) != SL_OK)
			break;
		if (stop && i % 4096 == 4095 && atomic_load(stop))
			return SL_OK;
	}
	if (!sl_failed(ctx))
		sl_spill_rewind(sp);
	if (sl_failed(ctx) && stop)
		atomic_store(stop, 1);
	return sl_errcode(ctx);
}

/* One of the runs a spill writes at once: a slice of the items. */
struct slice {
	const sl_sorter *s;
	sl_ctx *ctx;            /* a worker's; the sorter's for the first */
	sl_spill *sp;
	item *items;
	size_t n;
	atomic_int *stop;
	pthread_t thread;
	int started;
};

static void *slice_main(void *arg)
{
	struct slice *sl = arg;

	write_run(sl->s, sl->ctx, sl->sp, sl->items, sl->n, sl->stop);
	return NULL;
}

/*
 * Write the items as w runs at once: the items in input order are cut
 * in w slices, each sorted and written as a run of its own, the first on
 * this thread and the others on workers, each with its own context; the
 * stats are shared under the sorter's lock.  The runs lie in input order,
 * so the merge, which gives ties to the earlier run, stays stable.  The
 * first error in slice order is the one reported (every slice stops at
 * its next 4096th record once one has failed).
 */
static sl_status write_slices(sl_sorter *s, unsigned w)
{
	struct slice sl[SL_MAX_THREADS];
	atomic_int stop = 0;
	size_t at = 0;
	unsigned i;

	memset(sl, 0, w * sizeof(*sl));
	for (i = 0; i < w; i++) {
		run *r = new_run(s);

		if (!r)
			break;
		sl[i].s = s;
		sl[i].sp = r->sp;
		sl[i].items = s->items + at;
		sl[i].n = s->nitems / w + (i < s->nitems % w);
		sl[i].stop = &stop;
		at += sl[i].n;
		sl[i].ctx = i ? sl_ctx_worker(s->ctx) : s->ctx;
		if (!sl[i].ctx) {
			sl_error(s->ctx, SL_ENOMEM, "cannot start a thread to"
				 " write a run");
			break;
		}
		sl_spill_bind(r->sp, sl[i].ctx, &s->lock);
	}
	if (i == w) {
		for (i = 1; i < w; i++)
			sl[i].started = sl_thread_start(&sl[i].thread,
							slice_main,
							&sl[i]) == 0;
		write_run(s, s->ctx, sl[0].sp, sl[0].items, sl[0].n, &stop);
		for (i = 1; i < w; i++) {
			if (sl[i].started)
				pthread_join(sl[i].thread, NULL);
			else     /* no thread: written here, in turn */
				slice_main(&sl[i]);
		}
	}
	for (i = 0; i < w; i++) {
		if (sl[i].sp)
			sl_spill_bind(sl[i].sp, s->ctx, &s->lock);
		if (i && sl[i].ctx) {
			sl_ctx_take_error(s->ctx, sl[i].ctx);
			sl_ctx_free(sl[i].ctx);
		}
	}
	return sl_errcode(s->ctx);
}

/* A spill writes runs of at least this many items each on threads. */
#define SLICE_MIN 4096

static sl_status merge_rounds(sl_sorter *s, size_t target);

/* Sort the items in memory, write them as runs, reuse the blocks. */
static sl_status spill_items(sl_sorter *s)
{
	unsigned w = s->writers;
	block *b;

	sl_progress_phase(s->ctx, "spilling run %zu", s->nruns + 1);
	while (w > 1 && s->nitems / w < SLICE_MIN)
		w--;
	if (w > 1) {
		if (write_slices(s, w) != SL_OK)
			return sl_errcode(s->ctx);
	} else {
		run *r = new_run(s);

		if (!r || write_run(s, s->ctx, r->sp, s->items, s->nitems,
				    NULL) != SL_OK)
			return sl_errcode(s->ctx);
	}
	s->nitems = 0;
	s->run_bytes = 0;
	/* every run holds an open file: at max_runs, half of them are
	 * merged, in the blocks' memory (taken again as records come) */
	if (s->nruns >= s->max_runs) {
		free_blocks(s);
		if (merge_rounds(s, s->max_runs / 2) != SL_OK)
			return sl_errcode(s->ctx);
	}
	/* the runs' list and the spill objects in the arena grow with every
	 * run, while the blocks stay: give blocks back until the next spill
	 * fits beside them again */
	while (s->blocks && sl_mem_in_use(s->ctx) + spill_need(s) >
	       sl_mem_ceiling(s->ctx)) {
		b = s->blocks;
		s->blocks = b->next;
		s->held -= sizeof(block) + b->size;
		sl_mem_free(b);
	}
	for (b = s->blocks; b; b = b->next)
		b->used = 0;
	s->cur = s->blocks;
	sl_progress_phase(s->ctx, "reading, %zu run%s spilled", s->nruns,
			  s->nruns == 1 ? "" : "s");
	return SL_OK;
}

/* ---- adding ------------------------------------------------------------------ */

/*
 * How many runs a sorter keeps at once: a quarter of the open files the
 * process may have (the inputs, outputs, other sorters and a join's
 * partitions need theirs), from 16 to 4096.
 */
static size_t max_runs(void)
{
	struct rlimit rl;
	rlim_t n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_cur == RLIM_INFINITY ? 16384 : rl.rlim_cur;
	n /= 4;
	return n < 16 ? 16 : n > 4096 ? 4096 : (size_t)n;
}

sl_sorter *sl_sorter_new(sl_arena *a, const sl_sort_key *keys, size_t nkeys,
			 const sl_sort_options *opt)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	const char *dir = opt && opt->tmpdir ? opt->tmpdir : getenv("TMPDIR");
	sl_sorter *s;
	size_t k, per;

	if (!dir || !*dir)
		dir = "/tmp";
	s = sl_arena_alloc(a, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->arena = a;
	s->keys = sl_arena_alloc(a, (nkeys ? nkeys : 1) * sizeof(*keys));
	s->tmpdir = sl_arena_strndup(a, dir, strlen(dir));
	if (!s->keys || !s->tmpdir ||
	    sl_arena_on_release(a, sorter_release, s) != SL_OK ||
	    sl_spill_check(ctx, opt ? opt->codec : SL_SPILL_GZIP,
			   opt ? opt->level : 1) != SL_OK)
		return NULL;
	if (nkeys)
		memcpy(s->keys, keys, nkeys * sizeof(*keys));
	s->nkeys = nkeys;
	for (k = 0; k < nkeys; k++)
		s->nnum += keys[k].numeric != 0;
	s->codec = opt ? opt->codec : SL_SPILL_GZIP;
	s->level = opt && opt->level ? opt->level : 1;
	s->stats.limit = opt ? opt->tmp_limit : 0;
	s->limit = opt ? opt->mem_limit : 0;
	s->prov = !(opt && opt->no_provenance);
	/* a spill writer: two chunk buffers, deflate's state (256 KiB at
	 * memLevel 8), an arena block and the run list; as many as the
	 * threads when the reserves take no more than an eighth of the
	 * ceiling */
	per = 2 * sl_ctx_chunk_size(ctx) +
		sl_spill_writer_mem(s->codec, s->level);
	s->writers = sl_ctx_threads(ctx);
	while (s->writers > 1 && s->writers * per > sl_mem_ceiling(ctx) / 8)
		s->writers--;
	if (s->writers > 1 && pthread_mutex_init(&s->lock, NULL) != 0)
		s->writers = 1;
	s->reserve = s->writers * per;
	s->max_runs = max_runs();
	s->block = sl_mem_ceiling(ctx) / 16;
	if (s->block < BLOCK_MIN)
		s->block = BLOCK_MIN;
	if (s->block > BLOCK_MAX)
		s->block = BLOCK_MAX;
	return s;
}

/* Room for n views of a record's fields in s->views.  0 or -1. */
static int views_room(sl_sorter *s, size_t n)
{
	sl_str *v;

	if (n * sizeof(*v) <= s->vcap)
		return 0;
	v = sl_mem_realloc(s->ctx, s->views, n * 2 * sizeof(*v),
			   "sort.record");
	if (!v)
		return -1;
	s->views = v;
	s->vcap = n * 2 * sizeof(*v);
	return 0;
}

/*
 * Room for more items.  The items and the records' bytes share the
 * budget: as many more items as the free budget (and the blocks' unused
 * room) holds of an item and a record of this run's average size, so
 * that neither fills while the other has room (doubling left up to half
 * the budget unused), in one step (each step left the old array behind
 * in the heap: 78 MiB of RSS for a join under -m 64M); else half as
 * many, a quarter ... down to a 64th of the items there are.  Nothing
 * when none fits.
 */
static void grow_items(sl_sorter *s)
{
	size_t used = sl_mem_in_use(s->ctx), cap = sl_mem_ceiling(s->ctx);
	size_t need = spill_need(s), avail = 0, more = 1024, per, least;
	const block *b;
	item *n;

	if (s->icap) {
		if (used + need < cap)
			avail = cap - used - need;
		if (s->limit)
			avail = s->limit > s->held && s->limit - s->held < avail ?
				s->limit - s->held : avail;
		for (b = s->cur; b; b = b->next)
			avail += b->size - b->used;
		per = sizeof(item) + s->run_bytes / (s->nitems ? s->nitems : 1);
		more = avail / per;
	}
	least = s->icap / 64 > 16 ? s->icap / 64 : 16;
	for (; more >= least; more /= 2) {
		if (!room(s, more * sizeof(item)))
			continue;
		n = sl_mem_try_realloc(s->ctx, s->items,
				       (s->icap + more) * sizeof(item),
				       "sort.items");
		if (!n)
			continue;
		s->held += more * sizeof(item);
		s->items = n;
		s->icap += more;
		return;
	}
}

static sl_status add(sl_sorter *s, const sl_record *rec)
{
	sl_record r = *rec;
	uint64_t input = 0;
	size_t body, bytes, k;
	sl_str *kv;
	double *num;
	item *it;
	char *p;
	int tries;

	if (sl_failed(s->ctx))
		return sl_errcode(s->ctx);
	if (s->prov)
		input = intern(s, rec->input);
	else
		r.number = r.line = r.offset = 0;
	body = sl_rec_body_size(&r, input);
	bytes = s->nkeys * sizeof(sl_str) + s->nnum * sizeof(double) +
		sl_rec_size(body);
	if (views_room(s, r.nfields) < 0)
		return sl_errcode(s->ctx);
	for (tries = 0; tries < 2; tries++) {
		if (s->nitems == s->icap)
			grow_items(s);
		p = s->nitems < s->icap ? take(s, bytes) : NULL;
		if (p)
			break;
		if (tries || s->nitems == 0) {
			char ceil[32];

			return sl_error(s->ctx, SL_ENOMEM, "a record of %zu"
					" bytes does not fit under the memory"
					" ceiling of %s while sorting (raise"
					" --max-memory)", bytes,
					sl_format_size(ceil, sizeof(ceil),
						       sl_mem_ceiling(s->ctx)));
		}
		if (spill_items(s) != SL_OK)
			return sl_errcode(s->ctx);
	}
	it = &s->items[s->nitems];
	kv = (sl_str *)p;
	num = (double *)(kv + s->nkeys);
	it->rec = (unsigned char *)(num + s->nnum);
	it->body = body;
	sl_rec_encode_views((unsigned char *)(num + s->nnum), body, &r, input,
			    s->views);
	for (k = 0; k < s->nkeys; k++)
		kv[k] = *field(s->views, r.nfields, s->keys[k].field);
	key_numbers(s, s->views, r.nfields, num);
	if (s->nkeys && s->keys[0].numeric) {
		it->u.k0 = num[0];
	} else if (s->nkeys) {
		it->u.p0 = prefix8(&kv[0], 0);
		it->p1 = prefix8(&kv[0], 8);
	}
	it->seq = s->seq++;
	s->nitems++;
	s->run_bytes += bytes;
	return SL_OK;
}

sl_status sl_sorter_add(sl_sorter *s, const sl_str *f, size_t n)
{
	sl_record rec = { .nfields = n, .fields = f };

	return add(s, &rec);
}

sl_status sl_sorter_add_record(sl_sorter *s, const sl_record *rec)
{
	return add(s, rec);
}

/* ---- merging ------------------------------------------------------------------ */

/* Does a come before b?  A run at its end comes after every other;
 * equal records go to the earlier run, so the merge stays stable. */
static int head_less(const sl_sorter *s, const head *a, const head *b)
{
	int c;

	if (!a->rec || !b->rec)
		return a->rec && !b->rec;
	c = compare(s, a->rec->fields, a->rec->nfields, a->num,
		    b->rec->fields, b->rec->nfields, b->num);
	return c < 0 || (c == 0 && a->run < b->run);
}

/* The first of the runs under node of the tree of losers, each node
 * keeping the loser of its match (nodes 1 to k - 1; leaf i is node
 * k + i). */
static size_t play(sl_sorter *s, size_t node)
{
	size_t a, b;

	if (node >= s->nheap)
		return node - s->nheap;
	a = play(s, 2 * node);
	b = play(s, 2 * node + 1);
	if (head_less(s, &s->heap[b], &s->heap[a])) {
		s->tree[node] = a;
		return b;
	}
	s->tree[node] = b;
	return a;
}

/* The winner's run has moved on: play it against the losers on its way
 * up, one comparison a level. */
static void replay(sl_sorter *s)
{
	size_t w = s->win, node, l;

	for (node = (w + s->nheap) / 2; node >= 1; node /= 2) {
		l = s->tree[node];
		if (head_less(s, &s->heap[l], &s->heap[w])) {
			s->tree[node] = w;
			w = l;
		}
	}
	s->win = w;
}

/* Read the next record of head h's run; 0 when the run is done. */
static int advance(sl_sorter *s, head *h, run *runs)
{
	h->rec = sl_spill_get_record(runs[h->run].sp, &h->input);
	if (!h->rec) {
		/* a run read to its end gives its reader's memory back at
		 * once: a second sorter may be filling up beside this one
		 * (uniq --keep first) */
		if (!sl_failed(s->ctx))
			sl_spill_close(runs[h->run].sp);
		return 0;
	}
	key_numbers(s, h->rec->fields, h->rec->nfields, h->num);
	return 1;
}

/* Set up a tree of losers over runs[0..k), each run's first record in
 * its head (none: the run is empty); 0 or -1. */
static int heap_start(sl_sorter *s, run *runs, size_t k)
{
	size_t i;

	sl_mem_free(s->heap);
	sl_mem_free(s->nums);
	sl_mem_free(s->tree);
	s->heap = sl_mem_alloc(s->ctx, (k ? k : 1) * sizeof(head),
			       "sort.merge");
	s->nums = sl_mem_alloc(s->ctx, (k * s->nnum + 1) * sizeof(double),
			       "sort.merge");
	s->tree = sl_mem_alloc(s->ctx, (k ? k : 1) * sizeof(size_t),
			       "sort.merge");
	if (!s->heap || !s->nums || !s->tree)
		return -1;
	s->nheap = k;
	for (i = 0; i < k; i++) {
		head *h = &s->heap[i];

		h->run = i;
		h->num = s->nums + i * s->nnum;
		h->rec = NULL;
		if (!advance(s, h, runs) && sl_failed(s->ctx))
			return -1;
	}
	s->win = k ? play(s, 1) : 0;
	return 0;
}

/* The first head; NULL when every run is done. */
static const head *heap_top(const sl_sorter *s)
{
	return s->nheap && s->heap[s->win].rec ? &s->heap[s->win] : NULL;
}

/* Move the first head's run on and play it up the tree. */
static void heap_next(sl_sorter *s, run *runs)
{
	advance(s, &s->heap[s->win], runs);
	replay(s);
}

/* How many runs the free budget can read at once. */
static size_t fan_in(const sl_sorter *s)
{
	size_t per = 2 * sl_ctx_chunk_size(s->ctx) +
		sl_spill_reader_mem(s->codec);
	size_t used = sl_mem_in_use(s->ctx), cap = sl_mem_ceiling(s->ctx);
	size_t need = spill_need(s);
	size_t free_ = cap > used + need ? cap - used - need : 0;
	size_t k = free_ / per;

	return k < 2 ? 2 : k > 1000 ? 1000 : k;
}

/* Merge runs [at, at + k) into one run that takes their place. */
static sl_status merge_group(sl_sorter *s, size_t at, size_t k)
{
	run merged, *group = s->runs + at;
	const head *h;
	size_t i;

	merged.sp = sl_spill_new(s->arena, s->tmpdir, s->codec, s->level,
			       &s->stats);
	if (!merged.sp || heap_start(s, group, k) < 0)
		return sl_errcode(s->ctx);
	while ((h = heap_top(s)) != NULL) {
		if (sl_spill_put_record(merged.sp, h->rec, h->input) != SL_OK)
			return sl_errcode(s->ctx);
		heap_next(s, group);
	}
	if (sl_failed(s->ctx) || sl_spill_rewind(merged.sp) != SL_OK)
		return sl_errcode(s->ctx);
	for (i = 0; i < k; i++)
		sl_spill_close(group[i].sp);
	group[0] = merged;
	memmove(group + 1, group + k, (s->nruns - at - k) * sizeof(run));
	s->nruns -= k - 1;
	return SL_OK;
}

/*
 * Read the final merge's runs ahead on a thread, when their buffers fit
 * in what the runs' readers leave free, with room to spare for the
 * heads: all of it for a sorter alone, a quarter when another sorter or
 * the caller needs the rest (sl_sorter_leave_room(), a mem_limit).
 * Else, or without the memory, they are read here.
 */
static void start_ahead(sl_sorter *s)
{
	size_t per = 2 * sl_ctx_chunk_size(s->ctx) +
		sl_spill_reader_mem(s->codec);
	size_t used = sl_mem_in_use(s->ctx) + s->nruns * per + (64 << 10);
	size_t cap = sl_mem_ceiling(s->ctx);
	size_t share = s->leave_room || s->limit ? 4 : 1;
	sl_spill **sp;
	size_t i;

	if (used > cap || s->nruns * sl_spill_ahead_mem(s->ctx) >
	    (cap - used) / share)
		return;
	sp = sl_mem_try_alloc(s->ctx, s->nruns * sizeof(*sp), "sort.merge");
	if (!sp)
		return;
	for (i = 0; i < s->nruns; i++)
		sp[i] = s->runs[i].sp;
	s->ahead = sl_spill_ahead_start(s->arena, sp, s->nruns);
	sl_mem_free(sp);
}

/*
 * Merge runs until at most target remain, and no more than the fan-in
 * (the final merge reads them all at once).  Only as many runs are merged
 * as must be, in rounds: a round walks the runs once, merging groups of
 * consecutive runs (at most k, the last one only as many as still must
 * go) that no merge of the round has written, so a record is written
 * again once a round, and a round is only needed past k * k runs.
 */
static sl_status merge_rounds(sl_sorter *s, size_t target)
{
	size_t k, at;

	if (target < 2)
		target = 2;
	for (at = 0;; at++) {
		size_t m, goal;

		k = fan_in(s);
		goal = k < target ? k : target;
		if (s->nruns <= goal)
			return SL_OK;
		m = s->nruns - goal + 1 < k ? s->nruns - goal + 1 : k;
		if (at + 1 >= s->nruns)
			at = 0;         /* a round more */
		if (m > s->nruns - at)
			m = s->nruns - at;
		sl_progress_phase(s->ctx, "merging pass %llu: %zu of %zu runs",
				  (unsigned long long)s->stats.passes + 1, m,
				  s->nruns);
		if (merge_group(s, at, m) != SL_OK)
			return sl_errcode(s->ctx);
		s->stats.passes++;
	}
}

static sl_status finish(sl_sorter *s)
{
	s->finished = 1;
	if (s->nruns == 0) {
		/* the items may have grown past the records: give the rest
		 * back, for another sorter (join sorts both sides) */
		if (s->nitems && s->nitems < s->icap) {
			item *n = sl_mem_try_realloc(s->ctx, s->items,
						     s->nitems * sizeof(item),
						     "sort.items");

			if (n) {
				s->held -= (s->icap - s->nitems) *
					sizeof(item);
				s->items = n;
				s->icap = s->nitems;
			}
		}
		sort_items(s, s->items, s->nitems);
		return SL_OK;
	}
	if (s->nitems && spill_items(s) != SL_OK)
		return sl_errcode(s->ctx);
	/* the merge needs the memory the runs were built in */
	free_blocks(s);
	sl_mem_free(s->items);
	s->items = NULL;
	s->icap = s->nitems = 0;
	if (merge_rounds(s, SIZE_MAX) != SL_OK)
		return sl_errcode(s->ctx);
	s->stats.passes++;
	sl_progress_phase(s->ctx, "merging %zu runs", s->nruns);
	if (sl_ctx_threads(s->ctx) > 1)
		start_ahead(s);
	return heap_start(s, s->runs, s->nruns) < 0 ? sl_errcode(s->ctx) :
		SL_OK;
}

const sl_record *sl_sorter_next_record(sl_sorter *s)
{
	sl_record *out = &s->out;
	uint64_t input;
	const head *h;

	memset(out, 0, sizeof(*out));
	if (sl_failed(s->ctx))
		return NULL;
	if (!s->finished) {
		if (finish(s) != SL_OK)
			return NULL;
	} else if (s->nruns) {
		heap_next(s, s->runs);
	}
	if (s->nruns == 0) {
		const item *it;

		if (s->pos == s->nitems)
			return NULL;
		it = &s->items[s->pos++];
		if (sl_rec_decode(s->ctx, it->rec + sl_rec_size(it->body) -
				  it->body, it->body, out, &input, &s->oviews,
				  &s->ocap, "sort.record") != 0) {
			if (!sl_failed(s->ctx))   /* its own encoding */
				sl_error(s->ctx, SL_EIO, "a sorted record"
					 " was damaged in memory");
			return NULL;
		}
	} else {
		if (!(h = heap_top(s))) {
			sl_spill_ahead_stop(s->ahead);   /* every run is done */
			s->ahead = NULL;
			return NULL;
		}
		*out = *h->rec;
		input = h->input;
	}
	/* an index past the names is a damaged run's (the runs are checked
	 * for shape, not sense): the record just names no input */
	out->input = input && input <= s->ninputs ? s->inputs[input - 1] :
		NULL;
	return out;
}

const sl_str *sl_sorter_next(sl_sorter *s, size_t *n)
{
	const sl_record *rec = sl_sorter_next_record(s);

	*n = rec ? rec->nfields : 0;
	return rec ? rec->fields : NULL;
}

void sl_sorter_leave_room(sl_sorter *s)
{
	s->leave_room = 1;
}

const sl_spill_stats *sl_sorter_stats(const sl_sorter *s)
{
	return &s->stats;
}

int sl_sort_compare(sl_ctx *ctx, const sl_sort_key *keys, size_t nkeys,
		    const sl_str *a, size_t na, const sl_str *b, size_t nb)
{
	sl_sorter s;
	double an[64], bn[64];
	size_t k, j = 0;

	/* a sorter with just the keys, and room for 64 numeric values:
	 * keys after the 64th numeric one are left out */
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.keys = (sl_sort_key *)keys;
	for (k = 0; k < nkeys && (j < 64 || !keys[k].numeric); k++)
		j += keys[k].numeric != 0;
	s.nkeys = k;
	s.nnum = j;
	key_numbers(&s, a, na, an);
	key_numbers(&s, b, nb, bn);
	return compare(&s, a, na, an, b, nb, bn);
}
