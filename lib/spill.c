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
};

/* The reader's arena is going (freed here or by sl_ctx_free): forget it. */
static void forget_reader(void *arg)
{
	sl_spill *sp = arg;

	sp->rarena = NULL;
	sp->src = NULL;
}

void sl_spill_close(sl_spill *sp)
{
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
	if (sp->stats && sp->lock)
		pthread_mutex_lock(sp->lock);
	if (sp->stats)
		sp->stats->on_disk -= sp->packed;
	if (sp->stats && sp->lock)
		pthread_mutex_unlock(sp->lock);
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

sl_spill *sl_spill_new(sl_arena *a, const char *dir, int codec, int level,
		       sl_spill_stats *stats)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	sl_tmpnode node;
	sl_spill *sp;
	size_t n;
	char *path;

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
	n = strlen(dir) + sizeof("/sluice-spill-XXXXXX");
	path = sl_arena_alloc(a, n);
	if (!path)
		return NULL;
	snprintf(path, n, "%s/sluice-spill-XXXXXX", dir);
	sp->fd = mkostemp(path, O_CLOEXEC);
	if (sp->fd < 0) {
		sl_error_errno(ctx, errno, "cannot create a spill file in '%s'"
			       " (use --tmpdir)", dir);
		return NULL;
	}
	sl_tmpfile_register(&node, path);
	unlink(path);
	sl_tmpfile_unregister(&node);
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

sl_status sl_spill_put_record(sl_spill *sp, const sl_record *rec,
			      uint64_t input)
{
	const sl_str *f = rec->fields;
	size_t n = rec->nfields, body, need, i;
	int prov = (rec->number | rec->line | rec->offset | input) != 0;
	uint64_t head = (uint64_t)n << 2 | (uint64_t)prov << 1 |
		(rec->kinds != NULL);
	uint64_t dline = zigzag(rec->line, rec->number);
	unsigned char *p, *start;

	body = varint_len(head) + (rec->kinds ? n : 0);
	if (prov)
		body += varint_len(rec->number) + varint_len(dline) +
			varint_len(rec->offset) + varint_len(input);
	for (i = 0; i < n; i++)
		body += varint_len(f[i].len) + f[i].len;
	need = varint_len(body) + body;
	start = sl_sink_reserve(sp->out, need);
	if (!start)
		return sl_errcode(sp->ctx);
	p = put_varint(start, body);
	p = put_varint(p, head);
	if (prov) {
		p = put_varint(p, rec->number);
		p = put_varint(p, dline);
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
		p += f[i].len;
	}
	sl_sink_commit(sp->out, need);
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

/* The next byte of the stream, or -1 at its end. */
static int next_byte(sl_spill *sp)
{
	if (sp->cpos == sp->clen) {
		sp->chunk = sl_source_next(sp->src, &sp->clen);
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
	const unsigned char *p, *end;
	uint64_t body = 0, k, len, head, dline;
	sl_record *rec = &sp->one;
	int c, shift = 0;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	*input = 0;
	if (!sp->rewound || sl_failed(sp->ctx))
		return NULL;
	if (!sp->src) {
		int fd = sp->fd;

		/* the reader lives in an arena of its own, given back when
		 * the run is closed: a sort may read thousands of runs */
		sp->rarena = sl_arena_new(sp->ctx, "spill.read");
		if (!sp->rarena)
			return NULL;
		if (sl_arena_on_release(sp->rarena, forget_reader,
					sp) != SL_OK) {
			sl_arena_free(sp->rarena);
			sp->rarena = NULL;
			return NULL;
		}
		sp->fd = -1;    /* the source owns it now */
		sp->src = sl_source_open_fd(sp->rarena, fd, "spill file");
		if (!sp->src)
			return NULL;
	}
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
				sp->chunk = sl_source_next(sp->src, &sp->clen);
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
	end = p + body;
	if (get_varint(&p, end, &head) < 0 || (k = head >> 2) > body)
		return corrupt(sp);
	if (head & 2) {
		if (get_varint(&p, end, &rec->number) < 0 ||
		    get_varint(&p, end, &dline) < 0 ||
		    get_varint(&p, end, &rec->offset) < 0 ||
		    get_varint(&p, end, input) < 0)
			return corrupt(sp);
		rec->line = unzigzag(rec->number, dline);
	}
	if (head & 1) {
		if (k > (uint64_t)(end - p))
			return corrupt(sp);
		rec->kinds = p;
		p += k;
	}
	if (k > sp->vcap) {
		sl_str *v = sl_mem_realloc(sp->ctx, sp->views,
					   (size_t)k * sizeof(*v),
					   "spill.record");

		if (!v)
			return NULL;
		sp->views = v;
		sp->vcap = (size_t)k;
	}
	for (i = 0; i < k; i++) {
		if (get_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
			return corrupt(sp);
		sp->views[i].ptr = (const char *)p;
		sp->views[i].len = (size_t)len;
		p += len;
	}
	rec->nfields = (size_t)k;
	/* a record of no fields is a record too, not the end of the run */
	rec->fields = k ? sp->views : no_fields;
	return rec;
}
