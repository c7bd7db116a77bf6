/*
 * parts.c - the body of a plain file read in parts, each on a thread of
 * its own, for work whose results add up: each part makes a partial
 * result, which the caller folds into the whole in the parts' order.
 *
 * The caller's reader has read the header (and nothing after it).  The
 * body is cut in n parts at the first '\n' after each nominal cut
 * (sl_split_cut(), as count's parts are cut), and part i is read by a
 * reader like the caller's (sl_reader_open_parts(): format, options,
 * header) over the file's bytes [cut i, cut i + 1) in a worker context
 * (the one budget, an error of its own), on a thread.  A cut inside a
 * quoted CSV field leaves the part before it ending inside quotes, which
 * its reader refuses: so when every part is read to its end without an
 * error, every cut was a record boundary and the parts' records are the
 * file's.  Any failure (that, a bad row, memory, the work's own refusal)
 * tells the other parts to stop, and sl_parts_run() says the work was not
 * done: the caller then reads the file itself, from its body's start,
 * and reports a bad row as it always does.
 *
 * A part's reader numbers records and lines from 1 and gives the file's
 * offsets; sl_part_fix() turns a record's number and line into the
 * file's, once every part is read.
 *
 * Progress: a worker's reader tells its own context, whose callback
 * passes the bytes and records on through atomics; while the parts run,
 * the caller's thread wakes every PROGRESS_MS to add them up into its
 * context and tick it.
 *
 * Memory: a part's reader takes about three chunks (its source, the
 * split's buffer and the fields); the parts take at most a quarter of the
 * free budget, else fewer parts, else none.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "sluice_int.h"

#define PROGRESS_MS 200

struct sl_parts {
	sl_ctx *ctx;             /* the caller's */
	sl_reader *main;
	sl_part *p;
	unsigned n;
	uint64_t head, size, bom;
	atomic_int stop;         /* a part failed: the others give up */
	sl_progress base;        /* the caller's before the parts */
	pthread_mutex_t lock;
	pthread_cond_t ended;
	unsigned nended;
};

/* What a part's reader takes (see the note at the top). */
static size_t part_mem(const sl_ctx *ctx)
{
	return 3 * sl_ctx_chunk_size(ctx) + (64 << 10);
}

static void part_progress(void *arg, const sl_progress *pr)
{
	sl_part *p = arg;

	atomic_store_explicit(&p->bytes, pr->bytes, memory_order_relaxed);
	atomic_store_explicit(&p->records, pr->records, memory_order_relaxed);
}

static void *part_main(void *arg)
{
	sl_part *p = arg;
	sl_parts *ps = p->ps;

	p->ok = !atomic_load(&ps->stop) && p->fn(p) == 0 &&
		!sl_failed(p->ctx) && p->r->done;
	if (p->ok) {
		p->nrec = p->r->nrows;
		p->nlines = sl_reader_line_at(p->r) - 1;
	} else {
		atomic_store(&ps->stop, 1);
	}
	pthread_mutex_lock(&ps->lock);
	ps->nended++;
	pthread_cond_signal(&ps->ended);
	pthread_mutex_unlock(&ps->lock);
	return NULL;
}

/* Part i's context, arena and reader, aimed at its bytes.  0, or -1. */
static int part_open(sl_parts *ps, unsigned i)
{
	sl_part *p = &ps->p[i];
	sl_split_options so = { .format = ps->main->fmt };
	uint64_t from, to;
	sl_split *sp;
	sl_source *src;

	p->ps = ps;
	p->index = i;
	if (!(p->ctx = sl_ctx_worker(ps->ctx)) ||
	    !(p->arena = sl_arena_new(p->ctx, "read.part")))
		return -1;
	so.delimiter = ps->main->opt.delimiter;
	so.no_header = ps->main->opt.no_header;
	sp = sl_split_open_guessing(p->arena, ps->main->name, 1, 1, &so);
	if (!sp)
		return -1;
	if (i == 0) {
		uint64_t head, body;

		/* where the body starts, as the cuts see it */
		if (sl_split_range(sp, &head, &body, &to) != SL_OK ||
		    body != head || head > ps->size)
			return -1;
		ps->head = head;
	}
	from = ps->head + (ps->size - ps->head) * i / ps->n;
	to = ps->head + (ps->size - ps->head) * (i + 1) / ps->n;
	if ((i > 0 && sl_split_cut(sp, from, &from) != SL_OK) ||
	    (i + 1 < ps->n && sl_split_cut(sp, to, &to) != SL_OK))
		return -1;
	if (to < from)
		to = from;       /* a record longer than the part before */
	p->from = from;
	p->to = to;
	src = sl_source_open_range(p->arena, ps->main->name, 0, 0, 0);
	if (!src || !(p->r = sl_reader_open_parts(p->arena, src, ps->main)))
		return -1;
	sl_source_range_reset(src, from, to);
	sl_reader_restart(p->r, from ? from - ps->bom : 0);
	sl_ctx_on_progress(p->ctx, part_progress, p);
	return 0;
}

/* Wait for the parts, telling the caller's progress meter meanwhile. */
static void wait_parts(sl_parts *ps)
{
	sl_ctx *ctx = ps->ctx;
	sl_progress base = ps->base = ctx->progress;
	struct timespec t;
	unsigned i;

	pthread_mutex_lock(&ps->lock);
	while (ps->nended < ps->n) {
		if (!ctx->progress_fn) {
			pthread_cond_wait(&ps->ended, &ps->lock);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += PROGRESS_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&ps->ended, &ps->lock, &t) !=
		    ETIMEDOUT)
			continue;
		ctx->progress.bytes = base.bytes;
		ctx->progress.records = base.records;
		for (i = 0; i < ps->n; i++) {
			ctx->progress.bytes += atomic_load_explicit(
				&ps->p[i].bytes, memory_order_relaxed);
			ctx->progress.records += atomic_load_explicit(
				&ps->p[i].records, memory_order_relaxed);
		}
		sl_progress_tick(ctx);
	}
	pthread_mutex_unlock(&ps->lock);
	for (i = 0; i < ps->n; i++)
		pthread_join(ps->p[i].thread, NULL);
	ctx->progress.bytes = base.bytes + ps->size - ps->head;
	ctx->progress.records = base.records;
	for (i = 0; i < ps->n; i++)
		ctx->progress.records += ps->p[i].nrec;
}

sl_parts *sl_parts_run(sl_reader *main, unsigned n, int (*fn)(sl_part *),
		       void *const *args)
{
	sl_ctx *ctx = main->ctx;
	size_t room, cap = sl_mem_ceiling(ctx), used = sl_mem_in_use(ctx);
	uint64_t size, bom, nrec = 0, nlines = 0, line0;
	unsigned i, started;
	sl_parts *ps;
	int ok;

	if (!main->par_try || n < 2 || !(size = sl_plain_size(main->name,
							       &bom)))
		return NULL;
	room = used < cap ? (cap - used) / 4 : 0;
	if (room / part_mem(ctx) < n)
		n = (unsigned)(room / part_mem(ctx));
	if (n < 2 || !(ps = sl_mem_try_alloc(ctx, sizeof(*ps), "read.parts")))
		return NULL;
	memset(ps, 0, sizeof(*ps));
	ps->p = sl_mem_try_alloc(ctx, n * sizeof(*ps->p), "read.parts");
	if (!ps->p) {
		sl_mem_free(ps);
		return NULL;
	}
	memset(ps->p, 0, n * sizeof(*ps->p));
	ps->ctx = ctx;
	ps->main = main;
	ps->n = n;
	ps->size = size;
	ps->bom = bom;
	atomic_init(&ps->stop, 0);
	pthread_mutex_init(&ps->lock, NULL);
	pthread_cond_init(&ps->ended, NULL);
	for (i = 0; i < n; i++) {
		ps->p[i].fn = fn;
		ps->p[i].arg = args[i];
		atomic_init(&ps->p[i].bytes, 0);
		atomic_init(&ps->p[i].records, 0);
	}
	for (i = 0; i < n; i++)
		if (part_open(ps, i) < 0)
			break;
	ok = i == n;
	for (started = 0; ok && started < n; started++)
		if (sl_thread_start(&ps->p[started].thread, part_main,
				    &ps->p[started]) != 0)
			break;
	if (started < n) {     /* none started, or stop those that did */
		atomic_store(&ps->stop, 1);
		ps->n = started;
		ok = 0;
	}
	wait_parts(ps);
	ps->n = n;
	for (i = 0; ok && i < n; i++)
		ok = ps->p[i].ok;
	if (!ok) {
		ctx->progress = ps->base;
		sl_parts_free(ps);
		return NULL;
	}
	/* part i's line 1 is the file's line0 + lines of the parts before */
	line0 = ps->head ? sl_reader_line_at(main) : 1;
	for (i = 0; i < n; i++) {
		ps->p[i].number0 = nrec;
		ps->p[i].line0 = line0 - 1 + nlines;
		nrec += ps->p[i].nrec;
		nlines += ps->p[i].nlines;
	}
	main->par_try = 0;
	main->parts = n;
	main->done = 1;
	main->nrows = nrec;
	return ps;
}

void sl_part_fix(const sl_part *p, sl_record *rec)
{
	if (rec->number)
		rec->number += p->number0;
	if (rec->line)
		rec->line += p->line0;
}

int sl_part_stopped(const sl_part *p)
{
	return atomic_load_explicit(&p->ps->stop, memory_order_relaxed);
}

unsigned sl_parts_count(const sl_parts *ps)
{
	return ps->n;
}

const sl_part *sl_parts_part(const sl_parts *ps, unsigned i)
{
	return &ps->p[i];
}

void sl_parts_free(sl_parts *ps)
{
	unsigned i;

	if (!ps)
		return;
	for (i = 0; i < ps->n; i++) {
		sl_arena_free(ps->p[i].arena);
		sl_ctx_free(ps->p[i].ctx);
	}
	pthread_cond_destroy(&ps->ended);
	pthread_mutex_destroy(&ps->lock);
	sl_mem_free(ps->p);
	sl_mem_free(ps);
}
