/*
 * pgzip.c - one gzip member, compressed a block at a time on threads; or
 * zstd frames, one a block.
 *
 * The input is cut into blocks of PGZ_BLOCK bytes.  Each block is
 * deflated on its own by a worker thread, primed with the 32 KiB of input
 * before it as a dictionary (so the ratio stays within a fraction of a
 * single stream's), and ends in a sync flush: byte-aligned, so the blocks'
 * outputs laid end to end are one deflate stream.  The last block ends
 * the stream instead.  The caller's thread writes the gzip header, the
 * blocks in their order as they are done, and the trailer, whose CRC-32
 * is the blocks' CRCs combined.  gzip, zcat, pigz and sluice read the
 * result as any single-member file.
 *
 * With members set (sl_pgzip_members()), each block is a gzip member of
 * its own instead, deflated with no dictionary, and the worker wraps it
 * in a header and a trailer: blocks of a size the caller chooses, each
 * inflatable alone, the "block gzip" that split can cut (see
 * sl_blocks_header() in sluice_int.h for the header's extra field).  The
 * caller marks where records start (sl_pgzip_mark()); a member carries
 * the first such place in it.  The stream ends with an empty member that
 * says so, so that a file cut short at a member's end is known to be.
 * With no workers (one thread, or a small budget) the caller deflates
 * each member itself as it fills.
 *
 * zstd output is cut into blocks of PZS_BLOCK bytes instead, each
 * compressed by a worker into a frame of its own (with its checksum):
 * zstd, and sluice, read frames that follow one another as one stream.
 * The blocks are larger than gzip's because a frame starts with no
 * history; each worker's compressor lives in a workspace allocated up
 * front (a static context), so it too never allocates.
 *
 * Levels 1-3 deflate with igzip where the build has ISA-L, the others with
 * zlib, as the single-threaded sink does.  Every buffer and every worker's
 * state is allocated and charged to the budget here, on the caller's
 * thread, before a thread starts: a worker only compresses, it never
 * allocates and never touches the context.  There are twice as many jobs
 * as workers, so the caller fills one while the workers compress the
 * others; how many workers there are is bounded by the caller (the threads
 * of the run for an output, fewer for a spill file) and by the share of
 * the free budget it gives.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY    /* static contexts, their sizes */
#include <zstd.h>
#ifdef SL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "sluice_int.h"

#define PGZ_BLOCK ((size_t)128 << 10)
#define PGZ_DICT  ((size_t)32 << 10)
/* room for a block that does not compress: stored blocks' headers, the
 * flush marker, and the end of the stream */
#define PGZ_OUT   (PGZ_BLOCK + PGZ_BLOCK / 16 + 4096)
#define PZS_BLOCK ((size_t)1 << 20)

enum { JOB_FREE, JOB_QUEUED, JOB_BUSY, JOB_DONE };

struct pgz_job {
	unsigned char *in, *dict, *out;
	size_t len, dict_len, out_len;
	uint32_t crc;
	uint32_t first;        /* members: where the first record starts */
	int last;              /* ends the stream */
	int failed;
	int state;
};

struct pgz_worker {
	sl_pgzip *z;
	pthread_t thread;
	int started;
	z_stream zs;           /* zlib's levels */
	int zinit;
	ZSTD_CCtx *zc;         /* zstd's, in zwork */
	void *zwork;
#ifdef SL_HAVE_ISAL
	struct isal_zstream *isal;     /* levels 1-3 */
#endif
};

struct sl_pgzip {
	sl_ctx *ctx;
	const char *name;      /* for messages */
	int level;
	int zstd;              /* zstd frames, not a gzip member */
	int members;           /* a gzip member a block (block gzip) */
	int inline_;           /* no workers: the caller deflates */
	size_t block, outcap;  /* a job's input and output room */
	unsigned nworkers, njobs;
	struct pgz_worker *w;
	struct pgz_job *jobs;
	pthread_mutex_t lock;
	pthread_cond_t work;   /* a job is queued, or stop */
	pthread_cond_t done;   /* a job is done */
	uint64_t filled;       /* jobs queued so far; the next is filling */
	uint64_t taken;        /* jobs taken by a worker */
	uint64_t written;      /* jobs written out */
	int open;              /* the job after the queued ones is filling */
	int stop;
	sl_pgzip_out out;
	void *arg;
	int header;            /* the gzip header is out */
	uint32_t crc;
	uint64_t total;        /* input bytes, for ISIZE */
	unsigned char tail[PGZ_DICT];  /* the last input, the next dictionary */
	size_t tail_len;
	sl_zalloc za;
};

/* ---- compressing a block (on a worker) --------------------------------- */

static int deflate_zlib(struct pgz_worker *w, struct pgz_job *j,
			unsigned char *out, size_t cap)
{
	z_stream *zs = &w->zs;
	int ret;

	if (deflateReset(zs) != Z_OK)
		return -1;
	if (j->dict_len && deflateSetDictionary(zs, j->dict,
						(uInt)j->dict_len) != Z_OK)
		return -1;
	zs->next_in = j->in;
	zs->avail_in = (uInt)j->len;
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	ret = deflate(zs, j->last ? Z_FINISH : Z_SYNC_FLUSH);
	if (j->last ? ret != Z_STREAM_END :
	    ret != Z_OK || zs->avail_in || !zs->avail_out)
		return -1;
	j->out_len = cap - zs->avail_out;
	return 0;
}

#ifdef SL_HAVE_ISAL
static int deflate_isal(struct pgz_worker *w, struct pgz_job *j,
			unsigned char *out, size_t cap)
{
	struct isal_zstream *zs = w->isal;

	isal_deflate_reset(zs);
	zs->gzip_flag = IGZIP_DEFLATE;
	if (j->dict_len && isal_deflate_set_dict(zs, j->dict,
						 (uint32_t)j->dict_len) != COMP_OK)
		return -1;
	zs->next_in = j->in;
	zs->avail_in = (uint32_t)j->len;
	zs->next_out = out;
	zs->avail_out = (uint32_t)cap;
	zs->flush = SYNC_FLUSH;
	zs->end_of_stream = j->last;
	do {
		if (isal_deflate(zs) != COMP_OK || !zs->avail_out)
			return -1;
	} while (j->last ? zs->internal_state.state != ZSTATE_END :
		 zs->avail_in > 0);
	j->out_len = cap - zs->avail_out;
	return 0;
}
#endif

/* The gzip header's XFL byte for a level, as gzip sets it. */
static unsigned char xfl(int level)
{
	return level == 9 ? 2 : level == 1 ? 4 : 0;
}

/* A member around the deflated bytes at j->out + SL_BLOCKS_HEAD: its
 * header, then the trailer after them. */
static void wrap_member(sl_pgzip *z, struct pgz_job *j)
{
	size_t size = SL_BLOCKS_HEAD + j->out_len + 8;

	sl_blocks_header(j->out, xfl(z->level), (uint32_t)size,
			 (uint32_t)j->len, j->first, 0);
	sl_put_le32(j->out + SL_BLOCKS_HEAD + j->out_len, j->crc);
	sl_put_le32(j->out + SL_BLOCKS_HEAD + j->out_len + 4, (uint32_t)j->len);
	j->out_len = size;
}

static void compress_job(struct pgz_worker *w, struct pgz_job *j)
{
	sl_pgzip *z = w->z;
	size_t off = z->members ? SL_BLOCKS_HEAD : 0;
	size_t cap = z->outcap - (z->members ? SL_BLOCKS_HEAD + 8 : 0);
	int rc;

	if (w->zc) {
		size_t r = ZSTD_compress2(w->zc, j->out, w->z->outcap, j->in,
					  j->len);

		j->failed = ZSTD_isError(r);
		j->out_len = j->failed ? 0 : r;
		return;
	}
#ifdef SL_HAVE_ISAL
	if (w->isal)
		rc = deflate_isal(w, j, j->out + off, cap);
	else
#endif
		rc = deflate_zlib(w, j, j->out + off, cap);
	j->failed = rc < 0;
	j->crc = (uint32_t)crc32(0, j->in, (uInt)j->len);
	if (!j->failed && z->members)
		wrap_member(z, j);
}

static void *worker_main(void *arg)
{
	struct pgz_worker *w = arg;
	sl_pgzip *z = w->z;
	struct pgz_job *j;

	pthread_mutex_lock(&z->lock);
	for (;;) {
		while (!z->stop && z->taken == z->filled)
			pthread_cond_wait(&z->work, &z->lock);
		if (z->stop)
			break;
		j = &z->jobs[z->taken++ % z->njobs];
		j->state = JOB_BUSY;
		pthread_mutex_unlock(&z->lock);
		compress_job(w, j);
		pthread_mutex_lock(&z->lock);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&z->done);
	}
	pthread_mutex_unlock(&z->lock);
	return NULL;
}

/* ---- the caller's side ------------------------------------------------- */

static sl_status put(sl_pgzip *z, const unsigned char *p, size_t n)
{
	return z->out(z->arg, p, n);
}

/* The gzip header as gzip -n writes it: no name, no time, Unix. */
static sl_status put_header(sl_pgzip *z)
{
	unsigned char h[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	h[8] = xfl(z->level);
	z->header = 1;
	return put(z, h, sizeof(h));
}

/* Write the job at the front, the oldest not written, waiting for it
 * when wait is set; SL_OK and nothing written when it is not done. */
static sl_status write_front(sl_pgzip *z, int wait)
{
	struct pgz_job *j = &z->jobs[z->written % z->njobs];
	sl_status st;
	int done;

	if (!z->header && !z->zstd && !z->members &&
	    (st = put_header(z)) != SL_OK)
		return st;
	pthread_mutex_lock(&z->lock);
	while (wait && j->state != JOB_DONE)
		pthread_cond_wait(&z->done, &z->lock);
	done = j->state == JOB_DONE;
	pthread_mutex_unlock(&z->lock);
	if (!done)
		return SL_OK;
	if (j->failed)
		return sl_error(z->ctx, SL_EIO, "cannot %s '%s'", z->zstd ?
				"compress" : "deflate", z->name);
	if ((st = put(z, j->out, j->out_len)) != SL_OK)
		return st;
	if (!z->zstd && !z->members)
		z->crc = (uint32_t)crc32_combine(z->crc, j->crc,
						 (z_off_t)j->len);
	j->state = JOB_FREE;
	z->written++;
	return SL_OK;
}

/* Write every job that is done, in order, or with wait every queued one. */
static sl_status write_out(sl_pgzip *z, int wait)
{
	uint64_t before;
	sl_status st;

	while (z->written < z->filled) {
		before = z->written;
		if ((st = write_front(z, wait)) != SL_OK)
			return st;
		if (z->written == before)
			break;
	}
	return SL_OK;
}

/* The job being filled; its slot is written out first if need be. */
static struct pgz_job *filling(sl_pgzip *z)
{
	struct pgz_job *j = &z->jobs[z->filled % z->njobs];

	if (z->open)
		return j;
	while (z->filled - z->written >= z->njobs)
		if (write_front(z, 1) != SL_OK)
			return NULL;
	j->len = 0;
	j->last = z->members;  /* each member ends its own stream */
	j->first = SL_BLOCKS_NONE;
	z->open = 1;
	return j;
}

/* Hand the job being filled to the workers, with the input before it as
 * its dictionary. */
static void queue(sl_pgzip *z, struct pgz_job *j)
{
	size_t keep;

	if (z->zstd || z->members)
		goto ready;
	memcpy(j->dict, z->tail, z->tail_len);
	j->dict_len = z->tail_len;
	if (j->len >= PGZ_DICT) {
		memcpy(z->tail, j->in + j->len - PGZ_DICT, PGZ_DICT);
		z->tail_len = PGZ_DICT;
	} else {
		keep = PGZ_DICT - j->len < z->tail_len ?
			PGZ_DICT - j->len : z->tail_len;
		memmove(z->tail, z->tail + z->tail_len - keep, keep);
		memcpy(z->tail + keep, j->in, j->len);
		z->tail_len = keep + j->len;
	}
ready:
	z->total += j->len;
	z->open = 0;
	if (z->inline_) {
		compress_job(&z->w[0], j);
		j->state = JOB_DONE;
		z->filled++;
		z->taken++;
		return;
	}
	pthread_mutex_lock(&z->lock);
	j->state = JOB_QUEUED;
	z->filled++;
	pthread_cond_signal(&z->work);
	pthread_mutex_unlock(&z->lock);
}

sl_status sl_pgzip_write(sl_pgzip *z, const unsigned char *p, size_t n)
{
	struct pgz_job *j;
	size_t k;
	sl_status st;

	while (n > 0) {
		if (!(j = filling(z)))
			return sl_errcode(z->ctx);
		k = z->block - j->len < n ? z->block - j->len : n;
		memcpy(j->in + j->len, p, k);
		j->len += k;
		p += k;
		n -= k;
		if (j->len == z->block) {
			queue(z, j);
			if ((st = write_out(z, 0)) != SL_OK)
				return st;
		}
	}
	return SL_OK;
}

sl_status sl_pgzip_flush(sl_pgzip *z)
{
	struct pgz_job *j = &z->jobs[z->filled % z->njobs];

	if (z->open && j->len > 0)
		queue(z, j);
	return write_out(z, 1);
}

sl_status sl_pgzip_mark(sl_pgzip *z)
{
	struct pgz_job *j = filling(z);

	if (!j)
		return sl_errcode(z->ctx);
	if (j->first == SL_BLOCKS_NONE)
		j->first = (uint32_t)j->len;
	return SL_OK;
}

/* Block gzip's end: the last block, then the empty member that ends the
 * stream, holding a record start made after the last byte, if any. */
static sl_status finish_members(sl_pgzip *z)
{
	unsigned char e[SL_BLOCKS_HEAD + 10] = { 0 };
	uint32_t first = SL_BLOCKS_NONE;
	struct pgz_job *j = &z->jobs[z->filled % z->njobs];
	sl_status st;

	if (z->open && j->len > 0) {
		queue(z, j);
	} else if (z->open) {
		first = j->first;
		z->open = 0;
	}
	if ((st = write_out(z, 1)) != SL_OK)
		return st;
	/* an empty deflate stream: one fixed block, final, its end code */
	e[SL_BLOCKS_HEAD] = 3;
	sl_blocks_header(e, xfl(z->level), sizeof(e), 0, first,
			 SL_BLOCKS_EOF);
	return put(z, e, sizeof(e));
}

sl_status sl_pgzip_finish(sl_pgzip *z)
{
	unsigned char t[8];
	struct pgz_job *j;
	sl_status st;

	if (z->members)
		return finish_members(z);
	if (!(j = filling(z)))
		return sl_errcode(z->ctx);
	j->last = 1;
	if (z->zstd && j->len == 0 && z->total > 0)
		z->open = 0;   /* no empty frame after the others */
	else
		queue(z, j);
	if ((st = write_out(z, 1)) != SL_OK)
		return st;
	if (z->zstd)
		return SL_OK;
	sl_put_le32(t, z->crc);
	sl_put_le32(t + 4, (uint32_t)z->total);
	return put(z, t, sizeof(t));
}

/* ---- making and ending ------------------------------------------------- */

/* A job's and a worker's share of the budget, to size the pool. */
#define PGZ_JOB_MEM (PGZ_BLOCK + PGZ_DICT + PGZ_OUT)
#define PGZ_ZLIB_MEM ((size_t)272 << 10)

/* A block gzip job: the block, and room for its member when the block
 * does not compress (stored blocks' headers, the member's own). */
static size_t member_out(size_t block)
{
	return block + block / 16 + 4096 + SL_BLOCKS_HEAD + 8;
}

static size_t member_job_mem(size_t block)
{
	return block + member_out(block);
}

/* zstd's: a block and its bound; a static context for a block at level. */
static size_t zstd_job_mem(void)
{
	return PZS_BLOCK + ZSTD_compressBound(PZS_BLOCK);
}

static size_t zstd_work_mem(int level)
{
	return ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(level,
								  PZS_BLOCK,
								  0));
}

static int zstd_init(sl_pgzip *z, struct pgz_worker *w)
{
	size_t size = zstd_work_mem(z->level);

	w->zwork = sl_mem_alloc(z->ctx, size, "zstd.compress");
	if (!w->zwork)
		return -1;
	w->zc = ZSTD_initStaticCCtx(w->zwork, size);
	if (!w->zc ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->zc,
			ZSTD_c_compressionLevel, z->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag,
						1))) {
		sl_error(z->ctx, SL_ENOMEM, "cannot start compressing '%s'",
			 z->name);
		return -1;
	}
	return 0;
}

static int worker_init(sl_pgzip *z, struct pgz_worker *w)
{
	w->z = z;
	if (z->zstd)
		return zstd_init(z, w);
#ifdef SL_HAVE_ISAL
	if (z->level <= 3) {
		/* the small level buffers, as the sink's (sink.c) */
		uint32_t size = z->level == 1 ? ISAL_DEF_LVL1_SMALL :
			z->level == 2 ? ISAL_DEF_LVL2_SMALL :
			ISAL_DEF_LVL3_SMALL;

		w->isal = sl_mem_alloc(z->ctx, sizeof(*w->isal) + size,
				       "gzip.deflate");
		if (!w->isal)
			return -1;
		isal_deflate_init(w->isal);
		w->isal->level = (uint32_t)z->level;
		w->isal->level_buf = (uint8_t *)(w->isal + 1);
		w->isal->level_buf_size = size;
		return 0;
	}
#endif
	w->zs.zalloc = sl_zalloc_fn;
	w->zs.zfree = sl_zfree_fn;
	w->zs.opaque = &z->za;
	if (deflateInit2(&w->zs, z->level, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		if (!sl_failed(z->ctx))
			sl_error(z->ctx, SL_ENOMEM, "cannot start deflating"
				 " '%s'", z->name);
		return -1;
	}
	w->zinit = 1;
	return 0;
}

static void worker_end(struct pgz_worker *w)
{
	sl_mem_free(w->zwork);    /* the static context is in it */
	w->zwork = NULL;
	w->zc = NULL;
	if (w->zinit)
		deflateEnd(&w->zs);
	w->zinit = 0;
#ifdef SL_HAVE_ISAL
	sl_mem_free(w->isal);
	w->isal = NULL;
#endif
}

size_t sl_pgzip_mem(int zstd, int level, unsigned workers)
{
	if (zstd)
		return workers * (2 * zstd_job_mem() + zstd_work_mem(level)) +
			(16 << 10);
	return workers * (2 * PGZ_JOB_MEM + PGZ_ZLIB_MEM) + (16 << 10);
}

/* How many workers: at most max, as far as the share of the free budget
 * holds two jobs and a compressor for each. */
static unsigned pool_size(sl_ctx *ctx, int zstd, int level, unsigned max,
			  unsigned share)
{
	size_t free_ = sl_mem_ceiling(ctx) - sl_mem_in_use(ctx);
	unsigned n;

	for (n = max; n > 1; n--)
		if (sl_pgzip_mem(zstd, level, n) <= free_ / share)
			break;
	return n;
}

/*
 * A pool of n workers (0: the caller deflates, one job) for blocks of
 * block bytes, members or one stream; NULL on failure (error recorded).
 */
static sl_pgzip *pgzip_make(sl_ctx *ctx, const char *name, int zstd,
			    int level, size_t block, int members, unsigned n,
			    sl_pgzip_out out, void *arg)
{
	size_t job_mem = zstd ? zstd_job_mem() : members ?
		member_job_mem(block) : PGZ_JOB_MEM;
	unsigned i;
	sl_pgzip *z;
	int rc;

	z = sl_mem_alloc(ctx, sizeof(*z), "gzip.threads");
	if (!z)
		return NULL;
	memset(z, 0, sizeof(*z));
	z->ctx = ctx;
	z->name = name;
	z->level = level;
	z->zstd = zstd;
	z->members = members;
	z->inline_ = n == 0;
	z->block = zstd ? PZS_BLOCK : block;
	z->outcap = zstd ? ZSTD_compressBound(PZS_BLOCK) : members ?
		member_out(block) : PGZ_OUT;
	z->out = out;
	z->arg = arg;
	z->za.ctx = ctx;
	z->za.tag = "gzip.deflate";
	z->crc = 0;
	pthread_mutex_init(&z->lock, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	z->nworkers = n ? n : 1;     /* inline: one compressor, no thread */
	z->njobs = n ? 2 * n : 1;
	z->w = sl_mem_alloc(ctx, z->nworkers * sizeof(*z->w), "gzip.threads");
	if (!z->w)
		goto fail;
	memset(z->w, 0, z->nworkers * sizeof(*z->w));
	z->jobs = sl_mem_alloc(ctx, z->njobs * sizeof(*z->jobs),
			       "gzip.threads");
	if (!z->jobs)
		goto fail;
	memset(z->jobs, 0, z->njobs * sizeof(*z->jobs));
	for (i = 0; i < z->njobs; i++) {
		struct pgz_job *j = &z->jobs[i];

		j->in = sl_mem_alloc(ctx, job_mem, zstd ? "zstd.blocks" :
				     "gzip.blocks");
		if (!j->in)
			goto fail;
		j->dict = j->in + z->block;
		j->out = zstd || members ? j->dict : j->dict + PGZ_DICT;
	}
	for (i = 0; i < z->nworkers; i++)
		if (worker_init(z, &z->w[i]) < 0)
			goto fail;
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		rc = sl_thread_start(&z->w[i].thread, worker_main, &z->w[i]);
		z->w[i].started = rc == 0;
	}
	if (rc == 0)
		return z;
	sl_error_errno(ctx, rc, "cannot start a thread to compress '%s'",
		       name);
fail:
	sl_pgzip_free(z);
	return NULL;
}

sl_pgzip *sl_pgzip_new(sl_ctx *ctx, const char *name, int zstd, int level,
		       unsigned max, unsigned share, sl_pgzip_out out,
		       void *arg)
{
	unsigned n = pool_size(ctx, zstd, level, max, share);

	if (n < 2 || sl_failed(ctx))
		return NULL;
	return pgzip_make(ctx, name, zstd, level, PGZ_BLOCK, 0, n, out, arg);
}

size_t sl_pgzip_members_mem(size_t block, unsigned workers)
{
	unsigned jobs = workers ? 2 * workers : 1;

	return jobs * member_job_mem(block) +
		(workers ? workers : 1) * PGZ_ZLIB_MEM + (16 << 10);
}

sl_pgzip *sl_pgzip_members(sl_ctx *ctx, const char *name, int level,
			   size_t block, unsigned max, sl_pgzip_out out,
			   void *arg)
{
	size_t free_ = sl_mem_ceiling(ctx) - sl_mem_in_use(ctx);
	char blk[32], need[32], ceil[32];
	unsigned n;

	if (sl_failed(ctx))
		return NULL;
	/* workers while a quarter of the free budget holds them; else the
	 * caller alone, in half of it */
	for (n = max > 1 ? max : 0; n > 0; n--)
		if (sl_pgzip_members_mem(block, n) <= free_ / 4)
			break;
	if (n == 0 && sl_pgzip_members_mem(block, 0) > free_ / 2) {
		sl_error(ctx, SL_ENOMEM, "cannot write '%s' in blocks of %s"
			 " under the memory ceiling of %s: a block and its"
			 " deflate take %s, more than half of what is free"
			 " (smaller --blocks, or raise --max-memory)", name,
			 sl_format_size(blk, sizeof(blk), block),
			 sl_format_size(ceil, sizeof(ceil),
					sl_mem_ceiling(ctx)),
			 sl_format_size(need, sizeof(need),
					sl_pgzip_members_mem(block, 0)));
		return NULL;
	}
	return pgzip_make(ctx, name, 0, level, block, 1, n, out, arg);
}

void sl_pgzip_free(sl_pgzip *z)
{
	unsigned i;

	if (!z)
		return;
	pthread_mutex_lock(&z->lock);
	z->stop = 1;
	pthread_cond_broadcast(&z->work);
	pthread_mutex_unlock(&z->lock);
	for (i = 0; z->w && i < z->nworkers; i++) {
		if (z->w[i].started)
			pthread_join(z->w[i].thread, NULL);
		worker_end(&z->w[i]);
	}
	for (i = 0; z->jobs && i < z->njobs; i++)
		sl_mem_free(z->jobs[i].in);
	sl_mem_free(z->jobs);
	sl_mem_free(z->w);
	pthread_mutex_destroy(&z->lock);
	pthread_cond_destroy(&z->work);
	pthread_cond_destroy(&z->done);
	sl_mem_free(z);
}
