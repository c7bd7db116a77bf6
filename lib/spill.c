/*
 * spill.c - runs of records in compressed temporary files.
 *
 * Call order: sl_spill_new(), sl_spill_put() for each record, then
 * sl_spill_rewind() and sl_spill_get() until NULL, and sl_spill_close()
 * (or the arena's release) to give back the file and the buffers;
 * sl_spill_open_fd() makes a rewound run of any descriptor, so that
 * tests and the fuzz harness can hand the reader bytes of their own.  Only
 * the small spill object stays in the arena, so a sort may make many runs
 * in one arena.  A run is written through a sink (sink.c's spill mode:
 * a deflate state and two buffers, given back at the rewind); a rewound
 * run holds only its descriptor until it is first read.
 *
 * The file is made with mkstemp in the spill folder and unlinked at once,
 * while its descriptor stays open: it has no name from then on, so no
 * exit path, not even SIGKILL, can leave it behind, and the kernel frees
 * its blocks when the descriptor closes.  (For the instant between
 * mkstemp and unlink the name is on the process-wide list that the CLI's
 * signal handler removes.)
 *
 * A record is written as varint(body length), then the body: varint(4n,
 * plus 1 when the fields have kinds, plus 2 when it has provenance), the
 * provenance if so (varints of the record number, the line's difference
 * from it, zigzag-coded, the byte offset and the input's index), the n
 * kind bytes if it has them, and n times varint(length) and the bytes.
 * Records are encoded in place in the sink's buffer, which compresses
 * them a chunk at a time: gzip by default (level 1: igzip's, or zlib's
 * with Z_RLE in a build without ISA-L), or zstd; reading goes back
 * through the chunked source, which knows either by its magic.  A record
 * lying wholly inside a chunk is decoded in place; one that straddles
 * chunks is gathered in a buffer first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY    /* ZSTD_estimateDStreamSize */
#include <zstd.h>

#include "sluice_int.h"

/*
 * gzip: zlib's deflate (256 KiB) or igzip's level 1-3 with its small
 * level buffer (166 KiB to 233 KiB), with room to spare; igzip's inflate
 * state (85 KiB) or zlib's inflate (39 KiB).  zstd: what libzstd says
 * its compressor at the level and its decompressor take with the spill
 * files' 64 KiB window, and 16 KiB more.
 */
size_t sl_spill_writer_mem(int codec, int level)
{
	if (codec == SL_SPILL_ZSTD)
		return sl_zstd_cmem(level ? level : 1, SL_SPILL_ZSTD_WLOG) +
			(16 << 10);
	return (size_t)320 << 10;
}

sl_status sl_spill_check(sl_ctx *ctx, int codec, int level)
{
	size_t need = sl_spill_writer_mem(codec, level);
	char ceil[32];

	if (codec != SL_SPILL_ZSTD || need <= sl_mem_ceiling(ctx) / 2)
		return SL_OK;
	return sl_error(ctx, SL_ENOMEM, "spill files at zstd level %d need %llu"
			" MiB to compress, more than half the memory ceiling"
			" of %s (raise --max-memory or lower --spill-level)",
			level ? level : 1,
			(unsigned long long)(need >> 20) + 1,
			sl_format_size(ceil, sizeof(ceil), sl_mem_ceiling(ctx)));
}

size_t sl_spill_reader_mem(int codec)
{
	if (codec == SL_SPILL_ZSTD)
		return ZSTD_estimateDStreamSize((size_t)1 <<
						SL_SPILL_ZSTD_WLOG) +
			(16 << 10);
#ifdef SL_HAVE_ISAL
	return (size_t)144 << 10;
#else
	return (size_t)96 << 10;
#endif
}

struct sl_spill {
	sl_ctx *ctx;
	sl_arena *arena;
	sl_spill_stats *stats;
	pthread_mutex_t *lock;  /* guards *stats, or NULL: sl_spill_bind() */
	const char *dir;
	int fd;                 /* while writing; the source owns it after */
	sl_sink *out;           /* while writing */
	uint64_t packed;        /* bytes of this file on disk */
	int rewound;
	sl_arena *rarena;       /* the reader's, while reading */
	sl_source *src;         /* reading */
	const unsigned char *chunk;
	size_t clen, cpos;
	unsigned char *rec;     /* a record that straddled chunks */
	size_t rcap;
	sl_str *views;
	size_t vcap;
	sl_record one;          /* what sl_spill_get_record() hands out */
	sl_spill_ahead *ahead;  /* reading ahead, or NULL */
	unsigned char *cur;     /* ahead: the chunk being read */
	unsigned char *next;    /* ahead: the chunk decoded after it */
	size_t next_len;
	int next_state;         /* AHEAD_* */
};

/* The reader's arena is going (freed here or by sl_ctx_free): forget it. */
static void forget_reader(void *arg)
{
	sl_spill *sp = arg;

	/* a worker reading ahead may be in this source: stop it first (the
	 * arenas of a context go newest first, so the one that holds the
	 * reading ahead and the runs is still there) */
	if (sp->ahead)
		sl_spill_ahead_stop(sp->ahead);
	sp->rarena = NULL;
	sp->src = NULL;
}

void sl_spill_close(sl_spill *sp)
{
	/* a run read ahead is closed at its end (or the reading ahead has
	 * stopped): the worker no longer touches it */
	sl_mem_free(sp->cur);
	sl_mem_free(sp->next);
	sp->cur = sp->next = NULL;
	sp->ahead = NULL;
	if (sp->rarena)
		sl_arena_free(sp->rarena);   /* closes the source */
	if (sp->out) {
		sp->packed = sl_sink_written(sp->out);
		sl_sink_abandon(sp->out);
		sp->out = NULL;
	}
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	if (sp->stats) {
		sl_lock(sp->lock);
		sp->stats->on_disk -= sp->packed;
		sl_unlock(sp->lock);
	}
	sp->packed = 0;
	sl_mem_free(sp->rec);
	sl_mem_free(sp->views);
	sp->rec = NULL;
	sp->views = NULL;
}

static void spill_release(void *arg)
{
	sl_spill_close(arg);
}

int sl_spill_tmpfile(sl_ctx *ctx, const char *dir)
{
	size_t n = strlen(dir) + sizeof("/sluice-spill-XXXXXX");
	sl_tmpnode node;
	char *path;
	int fd;

	path = sl_mem_alloc(ctx, n, "spill.name");
	if (!path)
		return -1;
	snprintf(path, n, "%s/sluice-spill-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		sl_error_errno(ctx, errno, "cannot create a spill file in '%s'"
			       " (use --tmpdir)", dir);
		sl_mem_free(path);
		return -1;
	}
	sl_tmpfile_register(&node, path);
	unlink(path);
	sl_tmpfile_unregister(&node);
	sl_mem_free(path);
	return fd;
}

sl_spill *sl_spill_new(sl_arena *a, const char *dir, int codec, int level,
		       sl_spill_stats *stats)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	sl_spill *sp;

	sp = sl_arena_alloc(a, sizeof(*sp));
	if (!sp)
		return NULL;
	memset(sp, 0, sizeof(*sp));
	sp->ctx = ctx;
	sp->arena = a;
	sp->stats = stats;
	sp->dir = dir;
	sp->fd = -1;
	if (sl_arena_on_release(a, spill_release, sp) != SL_OK)
		return NULL;
	sp->fd = sl_spill_tmpfile(ctx, dir);
	if (sp->fd < 0)
		return NULL;
	sp->out = sl_sink_open_spill(a, sp->fd, dir, codec, level, stats);
	if (!sp->out)
		return NULL;
	if (stats)
		stats->runs++;
	return sp;
}

sl_spill *sl_spill_open_fd(sl_arena *a, int fd, const char *dir)
{
	sl_spill *sp = sl_arena_alloc(a, sizeof(*sp));

	if (sp) {
		memset(sp, 0, sizeof(*sp));
		sp->ctx = sl_arena_ctx(a);
		sp->arena = a;
		sp->dir = dir;
		sp->fd = -1;
	}
	if (!sp || sl_arena_on_release(a, spill_release, sp) != SL_OK) {
		close(fd);
		return NULL;
	}
	sp->fd = fd;
	sp->rewound = 1;        /* the reader opens on the first get */
	return sp;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

sl_status sl_spill_put(sl_spill *sp, const sl_str *f, size_t n)
{
	sl_record rec = { .nfields = n, .fields = f };

	return sl_spill_put_record(sp, &rec, 0);
}

/* A signed difference as an unsigned number, small when it is small. */
static uint64_t zigzag(uint64_t a, uint64_t b)
{
	return a >= b ? (a - b) << 1 : ((b - a) << 1) - 1;
}

static uint64_t unzigzag(uint64_t base, uint64_t z)
{
	return z & 1 ? base - ((z + 1) >> 1) : base + (z >> 1);
}

size_t sl_rec_body_size(const sl_record *rec, uint64_t input)
{
	const sl_str *f = rec->fields;
	size_t n = rec->nfields, body, i;
	int prov = (rec->number | rec->line | rec->offset | input) != 0;
	uint64_t head = (uint64_t)n << 2 | (uint64_t)prov << 1 |
		(rec->kinds != NULL);

	body = varint_len(head) + (rec->kinds ? n : 0);
	if (prov)
		body += varint_len(rec->number) +
			varint_len(zigzag(rec->line, rec->number)) +
			varint_len(rec->offset) + varint_len(input);
	for (i = 0; i < n; i++)
		body += varint_len(f[i].len) + f[i].len;
	return body;
}

size_t sl_rec_size(size_t body)
{
	return varint_len(body) + body;
}

unsigned char *sl_rec_encode(unsigned char *p, size_t body,
			     const sl_record *rec, uint64_t input)
{
	return sl_rec_encode_views(p, body, rec, input, NULL);
}

unsigned char *sl_rec_encode_views(unsigned char *p, size_t body,
				   const sl_record *rec, uint64_t input,
				   sl_str *views)
{
	const sl_str *f = rec->fields;
	size_t n = rec->nfields, i;
	int prov = (rec->number | rec->line | rec->offset | input) != 0;
	uint64_t head = (uint64_t)n << 2 | (uint64_t)prov << 1 |
		(rec->kinds != NULL);

	p = put_varint(p, body);
	p = put_varint(p, head);
	if (prov) {
		p = put_varint(p, rec->number);
		p = put_varint(p, zigzag(rec->line, rec->number));
		p = put_varint(p, rec->offset);
		p = put_varint(p, input);
	}
	if (rec->kinds && n) {
		memcpy(p, rec->kinds, n);
		p += n;
	}
	for (i = 0; i < n; i++) {
		p = put_varint(p, f[i].len);
		if (f[i].len)
			memcpy(p, f[i].ptr, f[i].len);
		if (views) {
			views[i].ptr = (const char *)p;
			views[i].len = f[i].len;
		}
		p += f[i].len;
	}
	return p;
}

sl_status sl_spill_put_record(sl_spill *sp, const sl_record *rec,
			      uint64_t input)
{
	size_t body = sl_rec_body_size(rec, input);
	size_t need = sl_rec_size(body);
	unsigned char *start = sl_sink_reserve(sp->out, need);

	if (!start)
		return sl_errcode(sp->ctx);
	sl_rec_encode(start, body, rec, input);
	sl_sink_commit(sp->out, need);
	return SL_OK;
}

sl_status sl_spill_put_encoded(sl_spill *sp, const unsigned char *p,
				size_t n)
{
	unsigned char *start = sl_sink_reserve(sp->out, n);

	if (!start)
		return sl_errcode(sp->ctx);
	memcpy(start, p, n);
	sl_sink_commit(sp->out, n);
	return SL_OK;
}

sl_status sl_spill_rewind(sl_spill *sp)
{
	if (sl_sink_finish(sp->out) != SL_OK)
		return sl_errcode(sp->ctx);
	sp->packed = sl_sink_written(sp->out);
	sp->out = NULL;
	if (lseek(sp->fd, 0, SEEK_SET) < 0)
		return sl_error_errno(sp->ctx, errno, "cannot reread a spill"
				      " file in '%s'", sp->dir);
	sp->rewound = 1;        /* the reader opens on the first get */
	return SL_OK;
}

void sl_spill_bind(sl_spill *sp, sl_ctx *ctx, pthread_mutex_t *lock)
{
	sp->ctx = ctx;
	sp->lock = lock;
	if (sp->out)
		sl_sink_bind(sp->out, ctx, lock);
}

/* Open a rewound run's reader: 0, or -1 with the error recorded.  The
 * reader lives in an arena of its own, given back when the run is
 * closed: a sort may read thousands of runs. */
static int open_reader(sl_spill *sp)
{
	int fd = sp->fd;

	sp->rarena = sl_arena_new(sp->ctx, "spill.read");
	if (!sp->rarena)
		return -1;
	sp->fd = -1;    /* the source owns it now */
	sp->src = sl_source_open_fd(sp->rarena, fd, "spill file");
	/* after the source: released first, it stops a worker reading
	 * ahead before the source goes */
	if (!sp->src ||
	    sl_arena_on_release(sp->rarena, forget_reader, sp) != SL_OK) {
		sl_arena_free(sp->rarena);
		sp->rarena = NULL;
		sp->src = NULL;
		return -1;
	}
	return 0;
}

static const unsigned char *ahead_take(sl_spill *sp, size_t *len);

/* The run's next chunk: from its reader, or from the one reading ahead. */
static const unsigned char *next_chunk(sl_spill *sp, size_t *len)
{
	if (sp->ahead)
		return ahead_take(sp, len);
	return sl_source_next(sp->src, len);
}

/* The next byte of the stream, or -1 at its end. */
static int next_byte(sl_spill *sp)
{
	if (sp->cpos == sp->clen) {
		sp->chunk = next_chunk(sp, &sp->clen);
		sp->cpos = 0;
		if (!sp->chunk)
			return -1;
	}
	return sp->chunk[sp->cpos++];
}

static int get_varint(const unsigned char **p, const unsigned char *end,
		      uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static const sl_str no_fields[1];

static const sl_record *corrupt(sl_spill *sp)
{
	sl_error(sp->ctx, SL_EDATA, "a spill file in '%s' is damaged", sp->dir);
	return NULL;
}

const sl_str *sl_spill_get(sl_spill *sp, size_t *n)
{
	uint64_t input;
	const sl_record *rec = sl_spill_get_record(sp, &input);

	*n = rec ? rec->nfields : 0;
	return rec ? rec->fields : NULL;
}

const sl_record *sl_spill_get_record(sl_spill *sp, uint64_t *input)
{
	const unsigned char *p;
	uint64_t body = 0;
	sl_record *rec = &sp->one;
	int c, shift = 0;

	memset(rec, 0, sizeof(*rec));
	*input = 0;
	if (!sp->rewound || sl_failed(sp->ctx))
		return NULL;
	if (!sp->src && open_reader(sp) < 0)
		return NULL;
	/* the body length, which may straddle chunks */
	for (;;) {
		c = next_byte(sp);
		if (c < 0) {
			if (shift)
				return corrupt(sp);
			return NULL;    /* the end of the run */
		}
		body |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return corrupt(sp);
	}
	/* a record is held in memory before it is spilled, so no body past
	 * the ceiling was written here: the length itself is damaged */
	if (body > sl_mem_ceiling(sp->ctx))
		return corrupt(sp);
	if (sp->clen - sp->cpos >= body) {
		p = sp->chunk + sp->cpos;     /* in place */
		sp->cpos += body;
	} else {
		size_t have = 0;

		if (body > sp->rcap) {
			unsigned char *r = sl_mem_realloc(sp->ctx, sp->rec,
							  body, "spill.record");

			if (!r)
				return NULL;
			sp->rec = r;
			sp->rcap = body;
		}
		while (have < body) {
			size_t take;

			if (sp->cpos == sp->clen) {
				sp->chunk = next_chunk(sp, &sp->clen);
				sp->cpos = 0;
				if (!sp->chunk)
					return corrupt(sp);
			}
			take = sp->clen - sp->cpos;
			if (take > body - have)
				take = body - have;
			memcpy(sp->rec + have, sp->chunk + sp->cpos, take);
			have += take;
			sp->cpos += take;
		}
		p = sp->rec;
	}
	switch (sl_rec_decode(sp->ctx, p, (size_t)body, rec, input,
			      &sp->views, &sp->vcap, "spill.record")) {
	case 0:
		return rec;
	case 1:
		return corrupt(sp);
	default:
		return NULL;
	}
}

int sl_rec_decode(sl_ctx *ctx, const unsigned char *p, size_t body,
		  sl_record *rec, uint64_t *input, sl_str **views,
		  size_t *vcap, const char *tag)
{
	const unsigned char *end = p + body;
	uint64_t k, len, head, dline;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	*input = 0;
	if (get_varint(&p, end, &head) < 0 || (k = head >> 2) > body)
		return 1;
	if (head & 2) {
		if (get_varint(&p, end, &rec->number) < 0 ||
		    get_varint(&p, end, &dline) < 0 ||
		    get_varint(&p, end, &rec->offset) < 0 ||
		    get_varint(&p, end, input) < 0)
			return 1;
		rec->line = unzigzag(rec->number, dline);
	}
	if (head & 1) {
		if (k > (uint64_t)(end - p))
			return 1;
		rec->kinds = p;
		p += k;
	}
	if (k > *vcap) {
		sl_str *v = sl_mem_realloc(ctx, *views, (size_t)k * sizeof(*v),
					   tag);

		if (!v)
			return -1;
		*views = v;
		*vcap = (size_t)k;
	}
	for (i = 0; i < k; i++) {
		if (get_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
			return 1;
		(*views)[i].ptr = (const char *)p;
		(*views)[i].len = (size_t)len;
		p += len;
	}
	rec->nfields = (size_t)k;
	/* a record of no fields is a record too, not the end of the run */
	rec->fields = k ? *views : no_fields;
	return 0;
}

/* ---- reading ahead -------------------------------------------------------- */

/*
 * A merge reads many runs a little at a time, and inflating them is a
 * third of its time.  Reading ahead, one worker thread decodes the next
 * chunk of every run while the caller merges: each run has two buffers of
 * a chunk, the one the caller reads and the next, which the worker fills
 * from the run's source (bound to the worker's context, so that its
 * errors and charges are the worker's).  When the caller is done with a
 * chunk it swaps the buffers, waiting for the worker only if the next is
 * not decoded yet, and asks for the next again.  A worker's error reaches
 * the caller when it takes the chunk that failed, after every chunk
 * before it.
 */
enum { AHEAD_WANTED, AHEAD_READY, AHEAD_END, AHEAD_FAILED };

struct sl_spill_ahead {
	sl_ctx *ctx;            /* the caller's */
	sl_ctx *work;           /* the worker's */
	sl_spill **runs;        /* the runs read ahead */
	size_t n;
	sl_spill **want;        /* a ring of n runs whose next is wanted */
	size_t head, count;
	pthread_mutex_t lock;
	pthread_cond_t wake;    /* work is wanted, or stop */
	pthread_cond_t done;    /* a next is decoded */
	pthread_t thread;
	int stop;
	size_t chunk;
};

/* With the lock held: ask for sp's next chunk. */
static void want(sl_spill_ahead *ra, sl_spill *sp)
{
	sp->next_state = AHEAD_WANTED;
	ra->want[(ra->head + ra->count++) % ra->n] = sp;
	pthread_cond_signal(&ra->wake);
}

static void *ahead_main(void *arg)
{
	sl_spill_ahead *ra = arg;
	const unsigned char *p;
	sl_spill *sp;
	size_t len;

	pthread_mutex_lock(&ra->lock);
	for (;;) {
		while (!ra->stop && ra->count == 0)
			pthread_cond_wait(&ra->wake, &ra->lock);
		if (ra->stop)
			break;
		sp = ra->want[ra->head];
		ra->head = (ra->head + 1) % ra->n;
		ra->count--;
		pthread_mutex_unlock(&ra->lock);
		p = sl_failed(ra->work) ? NULL : sl_source_next(sp->src, &len);
		if (p && len > ra->chunk) {
			sl_error(ra->work, SL_EIO, "a spill file in '%s' gave"
				 " more than a chunk", sp->dir);
			p = NULL;
		}
		if (p)
			memcpy(sp->next, p, len);
		pthread_mutex_lock(&ra->lock);
		sp->next_len = p ? len : 0;
		sp->next_state = p ? AHEAD_READY : sl_failed(ra->work) ?
			AHEAD_FAILED : AHEAD_END;
		pthread_cond_broadcast(&ra->done);
	}
	pthread_mutex_unlock(&ra->lock);
	return NULL;
}

static const unsigned char *ahead_take(sl_spill *sp, size_t *len)
{
	sl_spill_ahead *ra = sp->ahead;
	unsigned char *t;
	int state;

	*len = 0;
	pthread_mutex_lock(&ra->lock);
	while (sp->next_state == AHEAD_WANTED)
		pthread_cond_wait(&ra->done, &ra->lock);
	state = sp->next_state;
	if (state == AHEAD_READY) {
		t = sp->cur;
		sp->cur = sp->next;
		sp->next = t;
		*len = sp->next_len;
		want(ra, sp);
	}
	pthread_mutex_unlock(&ra->lock);
	if (state == AHEAD_FAILED)
		sl_ctx_take_error(sp->ctx, ra->work);
	return state == AHEAD_READY ? sp->cur : NULL;
}

/* Give back the buffers, the worker's context and the lists; the
 * thread has ended or never started. */
static void ahead_free(sl_spill_ahead *ra)
{
	size_t i;

	for (i = 0; ra->runs && i < ra->n; i++) {
		sl_mem_free(ra->runs[i]->cur);
		sl_mem_free(ra->runs[i]->next);
		ra->runs[i]->cur = ra->runs[i]->next = NULL;
	}
	pthread_mutex_destroy(&ra->lock);
	pthread_cond_destroy(&ra->wake);
	pthread_cond_destroy(&ra->done);
	sl_ctx_free(ra->work);
	sl_mem_free(ra->want);
	sl_mem_free(ra->runs);
	ra->work = NULL;
	ra->want = NULL;
	ra->runs = NULL;
}

void sl_spill_ahead_stop(sl_spill_ahead *ra)
{
	size_t i;

	if (!ra || !ra->runs)
		return;
	pthread_mutex_lock(&ra->lock);
	ra->stop = 1;
	pthread_cond_signal(&ra->wake);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	for (i = 0; i < ra->n; i++) {
		sl_spill *sp = ra->runs[i];

		if (sp->ahead && sp->src)
			sl_source_bind(sp->src, sp->ctx);
		sp->ahead = NULL;
		/* a chunk half read goes with its buffer: the run can only
		 * be closed now */
		sp->chunk = NULL;
		sp->clen = sp->cpos = 0;
	}
	ahead_free(ra);
}

static void ahead_release(void *arg)
{
	sl_spill_ahead_stop(arg);
}

size_t sl_spill_ahead_mem(const sl_ctx *ctx)
{
	return 2 * sl_ctx_chunk_size(ctx) + 2 * sizeof(sl_spill *);
}

sl_spill_ahead *sl_spill_ahead_start(sl_arena *a, sl_spill **runs, size_t n)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	sl_spill_ahead *ra;
	size_t i;
	int ok;

	if (n == 0 || sl_failed(ctx))
		return NULL;
	ra = sl_arena_alloc(a, sizeof(*ra));
	if (!ra)
		return NULL;
	memset(ra, 0, sizeof(*ra));
	ra->ctx = ctx;
	ra->n = n;
	ra->chunk = sl_ctx_chunk_size(ctx);
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->wake, NULL);
	pthread_cond_init(&ra->done, NULL);
	/* the memory is tried for, not demanded: without it the runs are
	 * read on the caller's thread, as with one thread */
	ra->runs = sl_mem_try_alloc(ctx, n * sizeof(*ra->runs), "spill.ahead");
	ra->want = sl_mem_try_alloc(ctx, n * sizeof(*ra->want), "spill.ahead");
	ra->work = sl_ctx_worker(ctx);
	ok = ra->runs && ra->want && ra->work;
	/* a run read ahead already is another's to free: none may be */
	for (i = 0; ok && i < n; i++)
		ok = !runs[i]->ahead && !runs[i]->cur;
	if (ok) {
		memcpy(ra->runs, runs, n * sizeof(*runs));
	} else {
		sl_mem_free(ra->runs);
		ra->runs = NULL;
	}
	for (i = 0; ok && i < n; i++) {
		sl_spill *sp = runs[i];

		ok = sp->rewound && !sp->out &&
			(sp->src || open_reader(sp) == 0);
		sp->cur = ok ? sl_mem_try_alloc(ctx, ra->chunk, "spill.ahead") :
			NULL;
		sp->next = sp->cur ? sl_mem_try_alloc(ctx, ra->chunk,
						      "spill.ahead") : NULL;
		ok = ok && sp->next;
	}
	/* released before the runs it reads, which were registered first;
	 * with ra->runs gone, the release does nothing */
	if (!ok || sl_arena_on_release(a, ahead_release, ra) != SL_OK ||
	    sl_thread_start(&ra->thread, ahead_main, ra) != 0) {
		ahead_free(ra);
		return NULL;
	}
	pthread_mutex_lock(&ra->lock);
	for (i = 0; i < n; i++) {
		sl_spill *sp = runs[i];

		/* what is left of the chunk being read stays the caller's */
		if (sp->cpos < sp->clen)
			memcpy(sp->cur, sp->chunk + sp->cpos, sp->clen - sp->cpos);
		sp->chunk = sp->cur;
		sp->clen -= sp->cpos;
		sp->cpos = 0;
		sl_source_bind(sp->src, ra->work);
		sp->ahead = ra;
		want(ra, sp);
	}
	pthread_mutex_unlock(&ra->lock);
	return ra;
}
