/*
 * reader_par.c - the records of a plain file parsed on threads and handed
 * out in the file's order.
 *
 * The body of the file (after its header) is cut into segments of about
 * SEG_SIZE bytes, at the first '\n' after each nominal cut
 * (sl_split_cut()).  Worker i of n parses segments i, i + n, i + 2n ...
 * with a reader of its own (sl_reader_open_parts(): the caller's format,
 * options, header and wanted fields) and packs each record that starts
 * in the segment into a batch of its ring; it reads on past the segment's
 * end (at most SOFT_END bytes) for the offset and line of the record that
 * starts next.  The caller takes the batches of segment 0 from worker 0,
 * of segment 1 from worker 1, and so on: records come out in the file's
 * order, numbered by the caller, who counts them, and their lines carried
 * from one segment to the next.
 *
 * A CSV cut may fall inside a quoted field (and does: a field with a
 * newline in it is data like any other).  Segment 0 starts where the body
 * does; each segment says where the record after it starts, as read from
 * a right start.  A segment whose first record is not that one was parsed
 * from a wrong start: its batches are dropped and the caller reads it
 * itself, from that record to the next cut, with a reader kept for this
 * (the redo reader).  A segment that fails (a bad row, a record longer
 * than SOFT_END across the cut, memory) is read the same way from its
 * last record handed out.  Only if the redo reader fails too does the
 * caller give up (sl_par_next() returns NULL with sl_par_gave_up()): its
 * own reader then passes over the records handed out and reads on, so a
 * bad row is reported as it always is.
 *
 * Cost: a record handed from a worker to the caller is copied once and
 * crosses from one core's cache to another's; on the 2-core machine of
 * bench/ that took about as much CPU as parsing it (filter on 1 GB: 1.74
 * s of CPU on one thread, 2.7 to 3.0 s with one worker beside the
 * caller).  So threads parse only when at least two workers can run
 * beside the caller (-j 3 and up); at -j 2, two workers sharing the
 * second core with the caller gained 0.95x to 1.14x, verb by verb.
 *
 * Memory: every buffer is allocated here, before the threads start, and
 * the whole takes at most a quarter of the free budget (else fewer
 * workers, else none): a verb that fills the budget afterwards (sort)
 * leaves the workers nothing to allocate.  A worker's reader may still
 * grow for a long record; a batch grows for a record bigger than itself
 * and shrinks back when it is taken again.  A refusal makes a segment
 * fail, not the run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice_int.h"

#define PAR_MIN ((uint64_t)4 << 20)     /* smaller files: no threads */
/* Fewer workers do not pay: handing a record from one core to another
 * costs about what parsing it does (see the note at the top). */
#define PAR_MIN_WORKERS 2
#define BATCH_SIZE ((size_t)256 << 10)
#define RING 4                          /* batches per worker */
#define SEG_SIZE ((uint64_t)256 << 10)
#define SOFT_END ((uint64_t)256 << 10)  /* read past a segment's end */

/* A record in a batch: this, nfields views of its fields, their bytes,
 * padding to 8.  A batch grows only while it is empty, so the views
 * point into it for as long as it is filled and read. */
typedef struct packed {
	uint64_t line;          /* in its segment, from 1 */
	uint64_t offset;        /* as the caller's reader counts them */
	size_t nfields;
	size_t size;            /* of the whole */
} packed;

typedef struct batch {
	unsigned char *buf;
	size_t cap, used, nrec;
	uint64_t seg_to;        /* the segment's end; 0: not found */
	int seg_end;            /* the last batch of its segment ... */
	int failed;             /* ... or its segment failed after these */
	int next_eof;           /* with seg_end: no record starts after */
	uint64_t next_off;      /* else the one that does: offset, */
	uint64_t next_line;     /* line in the segment */
} batch;

typedef struct worker {
	struct sl_par *par;
	unsigned id;
	sl_ctx *ctx;            /* the thread's */
	sl_arena *arena;
	sl_split *split;        /* finds the cuts */
	sl_source *src;
	sl_reader *r;
	batch ring[RING];
	uint64_t made, taken;   /* batches filled, and given back */
	int ended;              /* the thread is done making */
	pthread_t thread;
	int started;
} worker;

struct sl_par {
	sl_ctx *ctx;            /* the caller's */
	sl_reader *main;
	unsigned n;
	worker *w;
	worker redo_w;          /* the redo reader, on the caller's thread */
	uint64_t head, size, nseg, bom;
	pthread_mutex_t lock;
	pthread_cond_t made, taken;
	int stop;
	/* the caller's side */
	uint64_t seg;           /* the segment being handed out */
	int fresh;              /* none of its batches taken yet */
	batch *cur;
	size_t at, left;        /* in cur: next byte, records to go */
	int terminal;           /* the last batch taken ended its segment */
	uint64_t seg_to;
	uint64_t delta;         /* line in the file - line in the segment */
	int delta_known;
	/* a boundary where records go on: its file offset and line; at the
	 * last record handed out (redo skips it) or the next one */
	uint64_t e_off, e_line;
	int e_handed, e_eof;    /* e_eof: no record is left */
	int redo;               /* reading seg with the redo reader */
	int redo_skip;
	uint64_t redo_line;     /* line of its first byte */
	uint64_t counted;       /* bytes told to the progress meter */
	uint64_t delivered;
	uint64_t redos;         /* segments read with the redo reader */
	int gave_up;
	sl_record rec;
};

/* A record's offset in the file: the reader counts from after a
 * byte-order mark. */
static uint64_t file_off(const sl_par *p, uint64_t offset)
{
	return offset + p->bom;
}

/* Point w's reader at the file's bytes [from, to), from line 1. */
static void aim(worker *w, uint64_t from, uint64_t to)
{
	sl_source_range_reset(w->src, from, to);
	sl_reader_restart(w->r, from ? from - w->par->bom : 0);
}

/* ---- the workers ------------------------------------------------------- */

/* The next free batch of w's ring, emptied; NULL when told to stop. */
static batch *take_batch(worker *w, uint64_t seg_to)
{
	sl_par *p = w->par;
	batch *b = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && w->made - w->taken == RING)
		pthread_cond_wait(&p->taken, &p->lock);
	if (!p->stop)
		b = &w->ring[w->made % RING];
	pthread_mutex_unlock(&p->lock);
	if (!b)
		return NULL;
	if (b->cap > BATCH_SIZE) {   /* grown for a long record */
		void *q = sl_mem_try_realloc(w->ctx, b->buf, BATCH_SIZE,
					     "read.batch");

		if (q) {
			b->buf = q;
			b->cap = BATCH_SIZE;
		}
	}
	b->used = b->nrec = 0;
	b->seg_to = seg_to;
	b->seg_end = b->failed = b->next_eof = 0;
	return b;
}

static void put_batch(worker *w)
{
	sl_par *p = w->par;

	pthread_mutex_lock(&p->lock);
	w->made++;
	pthread_cond_broadcast(&p->made);
	pthread_mutex_unlock(&p->lock);
}

/*
 * The views of a record usually lie in order in one span of the reader's
 * buffer, a delimiter (and maybe quotes) between them: then the span is
 * copied whole and the views moved onto the copy.  Its length, else 0;
 * *bytes: the fields' bytes.
 */
static size_t field_span(const sl_record *rec, size_t *bytes)
{
	const sl_str *f = rec->fields;
	size_t i, n = rec->nfields, sum = 0;
	const char *lo, *hi;

	if (!n)
		return *bytes = 0;
	lo = f[0].ptr;
	hi = f[0].ptr + f[0].len;
	sum = f[0].len;
	for (i = 1; i < n; i++) {
		/* an empty view may point anywhere: it must still be in the
		 * span, or the copy would not cover its (empty) bytes */
		if (f[i].ptr < hi || f[i].ptr > hi + 3)
			break;
		hi = f[i].ptr + f[i].len;
		sum += f[i].len;
	}
	if (i == n)
		return *bytes = (size_t)(hi - lo);
	for (sum = 0, i = 0; i < n; i++)
		sum += f[i].len;
	*bytes = sum;
	return 0;
}

/* Copy rec's fields to d and point v at the copies: the span whole when
 * field_span() found one. */
static void copy_fields(const sl_record *rec, sl_str *v, char *d,
			size_t span)
{
	const sl_str *f = rec->fields;
	size_t i, n = 0;

	if (span) {
		ptrdiff_t move = d - f[0].ptr;

		memcpy(d, f[0].ptr, span);
		for (i = 0; i < rec->nfields; i++) {
			v[i].ptr = f[i].ptr + move;
			v[i].len = f[i].len;
		}
		return;
	}
	for (i = 0; i < rec->nfields; i++) {
		v[i].len = f[i].len;
		v[i].ptr = d + n;
		if (v[i].len)
			memcpy(d + n, f[i].ptr, v[i].len);
		n += v[i].len;
	}
}

/* rec into *b, or into the next batch when *b is full; *last: where it
 * went.  0, or -1 to give up (or stop). */
static int pack(worker *w, batch **b, const sl_record *rec, size_t *last)
{
	size_t bytes, span = field_span(rec, &bytes), size;
	packed *pk;

	if (rec->nfields > (SIZE_MAX / 2) / sizeof(sl_str) ||
	    bytes > SIZE_MAX / 4)
		return -1;
	size = (sizeof(packed) + rec->nfields * sizeof(sl_str) + bytes + 7) &
		~(size_t)7;
	if ((*b)->cap - (*b)->used < size && (*b)->nrec) {
		uint64_t to = (*b)->seg_to;

		put_batch(w);
		if (!(*b = take_batch(w, to)))
			return -1;
	}
	if ((*b)->cap < size) {      /* an empty batch: nothing points in */
		void *q = sl_mem_try_realloc(w->ctx, (*b)->buf, size,
					     "read.batch");

		if (!q)
			return -1;
		(*b)->buf = q;
		(*b)->cap = size;
	}
	*last = (*b)->used;
	pk = (packed *)((*b)->buf + (*b)->used);
	pk->line = rec->line;
	pk->offset = rec->offset;
	pk->nfields = rec->nfields;
	pk->size = size;
	copy_fields(rec, (sl_str *)(pk + 1),
		    (char *)((sl_str *)(pk + 1) + rec->nfields), span);
	(*b)->used += size;
	(*b)->nrec++;
	return 0;
}

/* Where cut j of the body lies: a record boundary unless it is inside
 * quotes.  0, or -1. */
static int cut(worker *w, uint64_t j, uint64_t *at)
{
	sl_par *p = w->par;

	if (j == 0) {
		*at = p->head;
		return 0;
	}
	if (j >= p->nseg) {
		*at = p->size;
		return 0;
	}
	return sl_split_cut(w->split, p->head + j * SEG_SIZE, at) == SL_OK ?
		0 : -1;
}

/*
 * Segment j into w's ring, its last batch marked as the end or as
 * failed.  The record read last is kept only when the one after it was
 * read too (or the file's end): the range ends SOFT_END past the
 * segment, and a record it cuts would be read short.  0, or -1 when told
 * to stop.
 */
static int read_segment(worker *w, uint64_t j)
{
	sl_par *p = w->par;
	const sl_record *rec = NULL;
	uint64_t from = 0, to = 0, end;
	size_t last = 0;
	batch *b;
	int ok = cut(w, j, &from) == 0 && cut(w, j + 1, &to) == 0;

	if (!(b = take_batch(w, ok ? to : 0)))
		return -1;
	end = p->size - to > SOFT_END ? to + SOFT_END : p->size;
	if (ok)
		aim(w, from, end);
	while (ok && (rec = sl_reader_next(w->r)) != NULL &&
	       file_off(p, rec->offset) < to) {
		if (pack(w, &b, rec, &last) == 0)
			continue;
		if (!b)
			return -1;       /* told to stop */
		ok = 0;
	}
	if (ok && (rec || (!sl_failed(w->ctx) && end == p->size))) {
		b->seg_end = 1;
		b->next_eof = !rec;
		if (rec) {
			b->next_off = rec->offset;
			b->next_line = rec->line;
		}
	} else {
		b->failed = 1;
		if (b->nrec) {           /* maybe cut short: dropped */
			b->nrec--;
			b->used = last;
		}
	}
	put_batch(w);
	return 0;
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	sl_par *p = w->par;
	uint64_t j;

	for (j = w->id; j < p->nseg; j += p->n) {
		if (read_segment(w, j) < 0)
			break;
		sl_ctx_forget_error(w->ctx);  /* the caller redoes it */
	}
	pthread_mutex_lock(&p->lock);
	w->ended = 1;
	pthread_cond_broadcast(&p->made);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ---- starting and stopping ----------------------------------------------- */

uint64_t sl_plain_size(const char *path, uint64_t *bom)
{
	unsigned char buf[16];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		(uint64_t)st.st_size >= PAR_MIN ?
		pread(fd, buf, sizeof(buf), 0) : -1;
	close(fd);
	if (n < (ssize_t)sizeof(buf) || sl_source_magic(buf, (size_t)n))
		return 0;
	*bom = memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	return (uint64_t)st.st_size;
}

/* What a worker takes: its ring, and about its reader's buffers (a
 * chunk for the source, one for the split, the fields). */
static size_t worker_mem(const sl_ctx *ctx)
{
	return RING * BATCH_SIZE + 3 * sl_ctx_chunk_size(ctx) + (64 << 10);
}

/* A worker's arena and reader, in a context of its own, and its ring
 * unless it is the redo reader.  0, or -1. */
static int worker_new(sl_par *p, worker *w, unsigned id, int ring)
{
	sl_split_options so = { .format = p->main->fmt };
	unsigned k;

	w->par = p;
	w->id = id;
	if (!(w->ctx = sl_ctx_worker(p->ctx)) ||
	    !(w->arena = sl_arena_new(w->ctx, "read.part")))
		return -1;
	so.delimiter = p->main->opt.delimiter;
	so.no_header = p->main->opt.no_header;
	w->split = sl_split_open_guessing(w->arena, p->main->name, 1, 1, &so);
	w->src = w->split ? sl_source_open_range(w->arena, p->main->name, 0,
						 0, 0) : NULL;
	w->r = w->src ? sl_reader_open_parts(w->arena, w->src, p->main) :
		NULL;
	if (!w->r)
		return -1;
	for (k = 0; ring && k < RING; k++) {
		w->ring[k].buf = sl_mem_try_alloc(w->ctx, BATCH_SIZE,
						  "read.batch");
		if (!w->ring[k].buf)
			return -1;
		w->ring[k].cap = BATCH_SIZE;
	}
	return 0;
}

static void worker_free(worker *w)
{
	unsigned k;

	for (k = 0; k < RING; k++)
		sl_mem_free(w->ring[k].buf);
	sl_arena_free(w->arena);
	sl_ctx_free(w->ctx);
}

sl_par *sl_par_start(sl_reader *r)
{
	sl_ctx *ctx = r->ctx;
	size_t room, cap = sl_mem_ceiling(ctx), used = sl_mem_in_use(ctx);
	size_t each = worker_mem(ctx);
	uint64_t size, bom = 0, from, to, head;
	unsigned n = sl_ctx_threads(ctx) - 1, i;   /* the caller consumes */
	sl_par *p;

	if (n < PAR_MIN_WORKERS || !(size = sl_plain_size(r->name, &bom)))
		return NULL;
	room = used < cap ? (cap - used) / 4 : 0;
	room = room > each ? room - each : 0;     /* the redo reader */
	if (room / each < n)
		n = (unsigned)(room / each);
	if (n < PAR_MIN_WORKERS ||
	    !(p = sl_mem_try_alloc(ctx, sizeof(*p), "read.par")))
		return NULL;
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->main = r;
	p->bom = bom;
	p->size = size;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->made, NULL);
	pthread_cond_init(&p->taken, NULL);
	p->w = sl_mem_try_alloc(ctx, n * sizeof(*p->w), "read.par");
	if (!p->w) {
		sl_par_free(p);
		return NULL;
	}
	memset(p->w, 0, n * sizeof(*p->w));
	p->n = n;
	for (i = 0; i < n; i++)
		if (worker_new(p, &p->w[i], i, 1) < 0)
			break;
	/* where the body starts, as the cuts see it */
	if (i < n || worker_new(p, &p->redo_w, n, 0) < 0 ||
	    sl_split_range(p->w[0].split, &head, &from, &to) != SL_OK ||
	    from != head || head > size) {
		sl_par_free(p);
		return NULL;
	}
	p->head = head;
	p->nseg = (size - head + SEG_SIZE - 1) / SEG_SIZE;
	p->fresh = 1;
	/* the body starts at a boundary; with no header, on line 1 */
	p->e_off = head;
	p->e_line = head ? sl_reader_line_at(r) : 1;
	p->counted = sl_source_offset(r->src);  /* read for the header */
	for (i = 0; i < n; i++)
		p->w[i].started = sl_thread_start(&p->w[i].thread, worker_main,
						  &p->w[i]) == 0;
	return p;
}

void sl_par_free(sl_par *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->taken);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n; i++) {
		if (p->w[i].started)
			pthread_join(p->w[i].thread, NULL);
		worker_free(&p->w[i]);
	}
	worker_free(&p->redo_w);
	pthread_cond_destroy(&p->taken);
	pthread_cond_destroy(&p->made);
	pthread_mutex_destroy(&p->lock);
	sl_mem_free(p->w);
	sl_mem_free(p);
}

/* ---- handing out --------------------------------------------------------- */

/* The next batch of the current segment; NULL when its worker ended
 * without one (a thread that did not start). */
static batch *wait_batch(sl_par *p)
{
	worker *w = &p->w[p->seg % p->n];
	batch *b = NULL;

	pthread_mutex_lock(&p->lock);
	while (w->started && w->made == w->taken && !w->ended)
		pthread_cond_wait(&p->made, &p->lock);
	if (w->made > w->taken)
		b = &w->ring[w->taken % RING];
	pthread_mutex_unlock(&p->lock);
	return b;
}

/* Give the current batch back to its worker. */
static void give_back(sl_par *p)
{
	worker *w = &p->w[p->seg % p->n];

	p->terminal = p->cur->seg_end || p->cur->failed;
	p->cur = NULL;
	p->left = 0;
	pthread_mutex_lock(&p->lock);
	w->taken++;
	pthread_cond_broadcast(&p->taken);
	pthread_mutex_unlock(&p->lock);
}

/* On to the next segment, the bytes before it counted as read. */
static void next_segment(sl_par *p)
{
	if (p->seg_to > p->counted) {
		p->ctx->progress.bytes += p->seg_to - p->counted;
		p->counted = p->seg_to;
	}
	sl_progress_tick(p->ctx);
	p->seg++;
	p->fresh = 1;
	p->delta_known = 0;
}

/* Did the current segment's worker start where records start?  Segment
 * 0 did; another did if its first record is the one the segment before
 * it saw next, or if it has none and neither has the file before its
 * end. */
static int started_right(sl_par *p, const batch *b)
{
	if (p->seg == 0) {
		p->delta = p->e_line - 1;
		p->delta_known = 1;
		return 1;
	}
	if (b->nrec) {
		const packed *pk = (const packed *)b->buf;

		if (p->e_eof || file_off(p, pk->offset) != p->e_off)
			return 0;
		p->delta = p->e_line - pk->line;
		p->delta_known = 1;
		return 1;
	}
	return !b->failed && (p->e_eof || p->e_off >= b->seg_to);
}

/* Read the current segment with the redo reader, from the boundary kept:
 * its batches are dropped.  0, or -1 when that cannot be. */
static int start_redo(sl_par *p)
{
	while (!p->terminal) {
		if (!(p->cur = wait_batch(p)))
			return -1;
		give_back(p);
	}
	if (!p->seg_to)
		return -1;               /* the cut was not found */
	if (p->e_eof) {
		next_segment(p);         /* nothing of it is a record */
		return 0;
	}
	aim(&p->redo_w, p->e_off, p->size);
	p->redos++;
	p->redo = 1;
	p->redo_skip = p->e_handed;
	p->redo_line = p->e_line;
	return 0;
}

/* Hand out rec, found at line in the file: the caller's view of it. */
static const sl_record *hand_out(sl_par *p, const sl_record *rec,
				 uint64_t line)
{
	p->rec = *rec;
	p->rec.number = ++p->delivered;
	p->rec.line = line;
	p->rec.input = p->main->name;
	p->e_off = file_off(p, rec->offset);
	p->e_line = line;
	p->e_handed = 1;
	p->ctx->progress.records++;
	return &p->rec;
}

/* The next record of the segment being redone; NULL at its end (the
 * redo done) or when the redo reader failed (given up). */
static const sl_record *redo_next(sl_par *p)
{
	const sl_record *rec;
	uint64_t line;

	for (;;) {
		rec = sl_reader_next(p->redo_w.r);
		if (!rec) {
			if (sl_failed(p->redo_w.ctx)) {
				p->gave_up = 1;
				return NULL;
			}
			p->e_eof = 1;
			break;
		}
		line = p->redo_line + rec->line - 1;
		if (p->redo_skip) {
			p->redo_skip = 0;
			continue;
		}
		if (file_off(p, rec->offset) < p->seg_to)
			return hand_out(p, rec, line);
		p->e_off = file_off(p, rec->offset);
		p->e_line = line;
		break;
	}
	p->e_handed = 0;
	p->redo = 0;
	next_segment(p);
	return NULL;
}

static const sl_record *unpack(sl_par *p)
{
	const packed *pk = (const packed *)(p->cur->buf + p->at);
	sl_record rec;

	p->at += pk->size;
	p->left--;
	memset(&rec, 0, sizeof(rec));
	rec.nfields = pk->nfields;
	rec.fields = (const sl_str *)(pk + 1);
	rec.offset = pk->offset;
	return hand_out(p, &rec, pk->line + p->delta);
}

/* The current batch done: given back, and what its end says acted on.
 * 0, or -1 to give up. */
static int end_batch(sl_par *p)
{
	batch *b = p->cur;
	int failed = b->failed, seg_end = b->seg_end, eof = b->next_eof;
	uint64_t off = b->next_off, line = b->next_line;

	p->seg_to = b->seg_to;
	give_back(p);
	if (failed)
		return start_redo(p);
	if (!seg_end)
		return 0;
	/* a segment with no record may have been read from a wrong start:
	 * what it saw after it is not known to be right, e stays */
	if (p->delta_known && eof) {
		p->e_eof = 1;
	} else if (p->delta_known) {
		p->e_off = file_off(p, off);
		p->e_line = line + p->delta;
	}
	p->e_handed = 0;
	next_segment(p);
	return 0;
}

const sl_record *sl_par_next(sl_par *p)
{
	const sl_record *rec;

	while (!p->gave_up) {
		if (p->redo) {
			if ((rec = redo_next(p)) != NULL)
				return rec;
			continue;
		}
		if (p->left)
			return unpack(p);
		if (p->cur) {
			if (end_batch(p) < 0)
				p->gave_up = 1;
			continue;
		}
		if (p->seg >= p->nseg)
			return NULL;
		if (!(p->cur = wait_batch(p))) {
			p->gave_up = 1;
			break;
		}
		p->at = 0;
		p->seg_to = p->cur->seg_to;
		if (p->fresh) {
			p->fresh = 0;
			if (!started_right(p, p->cur)) {
				give_back(p);
				if (start_redo(p) < 0)
					p->gave_up = 1;
				continue;
			}
		}
		p->left = p->cur->nrec;
	}
	return NULL;
}

int sl_par_gave_up(const sl_par *p)
{
	return p->gave_up;
}

uint64_t sl_par_delivered(const sl_par *p)
{
	return p->delivered;
}

void sl_par_stats(const sl_par *p, uint64_t *segments, uint64_t *redos)
{
	*segments = p->nseg;
	*redos = p->redos;
}
