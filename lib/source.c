/*
 * source.c - bytes in, a chunk at a time, gzip, bzip2, xz and zstd
 * decompressed on the fly.
 *
 * Call order: sl_source_open(), sl_source_next() until NULL, optionally
 * sl_source_close(); the arena's cleanup closes whatever is left.
 *
 * The first call reads until it has two bytes (or the end) and looks for
 * the gzip magic 1f 8b, so the format never depends on the file's name.
 * bzip2, xz and zstd are known the same way (libbz2, liblzma, libzstd;
 * their state and an output buffer of one chunk charged to the budget).
 * xz's dictionary is limited to what the budget has left; a zstd frame's
 * window is checked against it before the frame is decoded, and capped
 * in the decoder too.  bzip2 streams and zstd frames that follow one
 * another are read in turn (zstd's skippable frames are skipped), xz's
 * streams by liblzma itself.  It also refuses, with SL_EDATA and a hint,
 * the compressed formats that sluice cannot read (lz4, zip): read as
 * text they would give a count of nonsense.
 * Each is known by its whole signature, up to ten bytes, so that no text
 * file is ever refused; the first call reads
 * on only while the bytes so far could still start one of them, so a
 * slow pipe is not kept waiting for bytes its first line does not have.
 * Plain input is handed out straight from the read buffer, at most one
 * chunk per call.  Gzip input is inflated into an output buffer of one
 * chunk, by igzip (ISA-L's isal_inflate, CRC-32 and length checked) where
 * the build has it, else by zlib (inflateInit2 with 15+16, gzip wrapper
 * only); both say what is wrong in zlib's words.  At the end of a member
 * the inflater is reset and, if more bytes follow, they must start another
 * member, as gzip(1) writes them with `cat a.gz b.gz`.
 *
 * When inflate fails after producing some bytes in the current call, those
 * bytes are handed out first and the error is raised on the next call, so
 * everything before the damage reaches the caller intact.  The zstd
 * decoder keeps nothing of a call that fails, neither the input it took
 * nor the output it made, so it is given one header or block a call (the
 * bytes it says it wants next), and no new block while it still has
 * output to hand out: a damaged block then costs only its own bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <bzlib.h>
#include <lzma.h>
#include <unistd.h>
#ifdef SL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif
/*
 * ZSTD_createDCtx_advanced(), which takes the allocator that charges the
 * budget, ZSTD_getFrameHeader() and ZSTD_estimateDStreamSize() are in
 * zstd's experimental API: stable only within the library version sluice
 * is built against (1.5.x here; the shared library exports them), so a
 * newer libzstd needs a rebuild and a look at these calls.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "sluice_int.h"

#if ZSTD_VERSION_NUMBER < 10400
#error "sluice needs libzstd 1.4 or later"
#endif

struct sl_source {
	sl_ctx *ctx;
	const char *name;
	int fd;                /* -1 once closed */
	int own_fd;
	int input;             /* an input of the run: counted in progress */
	int closed;
	int eof;               /* read(2) returned 0 */
	int sniffed;
	int gzip;
	int member_end;        /* inflate finished a member (or, for gzip,
				* the first one starts next) */
	size_t chunk;
	unsigned char *raw;    /* bytes as read from the file */
	size_t raw_cap, raw_len, raw_pos;
	unsigned char *out;    /* inflated bytes (gzip only) */
	uint64_t raw_off;      /* file bytes read so far */
	int bom;               /* still looking for a byte-order mark */
	unsigned char bom_buf[3];
	size_t bom_len;
	struct {               /* chunks to hand out before reading on */
		const unsigned char *p;
		size_t n;
	} queue[2];
	int queued;
	const unsigned char *last_p;   /* what the last call returned */
	size_t last_n;
	sl_status pending;     /* error to raise on the next call */
	int read_errno;        /* why read_more() failed */
	char pending_msg[SL_ERRMSG_MAX];
	unsigned char tail[8]; /* the last bytes consumed before raw[0] */
#ifdef SL_HAVE_ISAL
	struct inflate_state *isal;
	struct isal_gzip_header gzh;   /* the member's header, as read */
	int gzh_done;
#else
	int zinit;
	z_stream z;
	sl_zalloc za;
#endif
	int codec;             /* 0, or CODEC_BZIP2, CODEC_XZ, CODEC_ZSTD */
	int cinit;             /* its state is live */
	bz_stream bz;
	lzma_stream xz;
	lzma_allocator xa;
	ZSTD_DCtx *zd;
	int zframe;            /* at the start of a zstd frame */
	int zflush;            /* the decoder may hold output still */
	size_t zhint;          /* input it wants for its next step */
	uint64_t zneed;        /* the memory the current frame needs */
	struct pump *pump;     /* decompressing on a thread of its own */
	/* sl_source_open_range(): the file's bytes [seg_at[i], +seg_len[i])
	 * for i = 0, 1, read with pread(2); seg_done of the current one */
	int ranged, seg;
	uint64_t seg_at[2], seg_len[2], seg_done;
	/* sl_source_tee(): told every decoded chunk once */
	sl_status (*tee)(void *arg, const unsigned char *p, size_t n);
	void *tee_arg;
};

enum { CODEC_BZIP2 = 1, CODEC_XZ, CODEC_ZSTD };

static void source_release(void *arg)
{
	sl_source_close(arg);
}

/* A source named name with its buffers, not yet reading anything. */
static sl_source *source_new(sl_arena *a, const char *name)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	sl_source *src;

	if (sl_failed(ctx))
		return NULL;
	src = sl_arena_alloc(a, sizeof(*src));
	if (!src)
		return NULL;
	memset(src, 0, sizeof(*src));
	src->ctx = ctx;
	src->fd = -1;
	src->closed = 1;
	src->name = sl_arena_strndup(a, name, strlen(name));
	if (!src->name)
		return NULL;
	src->chunk = sl_ctx_chunk_size(ctx);
	src->raw_cap = src->chunk < 64 ? 64 : src->chunk;
	if (sl_arena_on_release(a, source_release, src) != SL_OK)
		return NULL;
	src->raw = sl_mem_alloc(ctx, src->raw_cap, "source.buffer");
	if (!src->raw)
		return NULL;
	src->closed = 0;
	return src;
}

sl_source *sl_source_open(sl_arena *a, const char *path)
{
	int stdin_ = !path || strcmp(path, "-") == 0;
	sl_source *src = source_new(a, stdin_ ? "<stdin>" : path);

	if (!src)
		return NULL;
	if (stdin_) {
		src->fd = STDIN_FILENO;
		src->input = 1;
		return src;
	}
	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0) {
		sl_error_errno(src->ctx, errno, "cannot open '%s'", path);
		return NULL;
	}
	src->own_fd = 1;
	src->input = 1;
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(src->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	return src;
}

/*
 * The next bytes of a ranged source: what is left of the current
 * segment, then of the next.  Like read(2): 0 at the end, -1 with errno.
 */
static ssize_t range_read(sl_source *src, size_t room)
{
	uint64_t left;
	ssize_t n;

	while (src->seg < 2 && src->seg_done == src->seg_len[src->seg]) {
		src->seg++;
		src->seg_done = 0;
	}
	if (src->seg == 2)
		return 0;
	left = src->seg_len[src->seg] - src->seg_done;
	if (room > left)
		room = (size_t)left;
	n = pread(src->fd, src->raw + src->raw_len, room,
		  (off_t)(src->seg_at[src->seg] + src->seg_done));
	if (n == 0) {
		errno = EIO;           /* the file was cut short under us */
		return -1;
	}
	if (n > 0)
		src->seg_done += (uint64_t)n;
	return n;
}

sl_source *sl_source_open_range(sl_arena *a, const char *path,
				uint64_t head, uint64_t from, uint64_t to)
{
	sl_source *src = source_new(a, path);

	if (!src)
		return NULL;
	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0) {
		sl_error_errno(src->ctx, errno, "cannot open '%s'", path);
		return NULL;
	}
	src->own_fd = 1;
	src->input = 1;         /* counted in its context's progress */
	src->ranged = 1;
	src->seg_len[0] = head;
	src->seg_at[1] = from;
	src->seg_len[1] = to - from;
	/* with no head, offsets in messages (a gzip member's damage) are
	 * the file's */
	if (!head)
		src->raw_off = from;
	return src;
}

void sl_source_range_reset(sl_source *src, uint64_t from, uint64_t to)
{
	src->sniffed = 1;          /* plain: the middle of a file has no magic */
	src->eof = 0;
	src->pending = SL_OK;
	src->raw_len = src->raw_pos = 0;
	src->raw_off = from;
	src->queued = 0;
	src->last_p = NULL;
	src->last_n = 0;
	src->bom = from == 0;
	src->bom_len = 0;
	src->seg = 0;
	src->seg_done = 0;
	src->seg_len[0] = 0;
	src->seg_at[1] = from;
	src->seg_len[1] = to - from;
}

sl_source *sl_source_open_fd(sl_arena *a, int fd, const char *name)
{
	sl_source *src = source_new(a, name);

	if (!src) {
		close(fd);
		return NULL;
	}
	src->fd = fd;
	src->own_fd = 1;
	return src;
}

static void pump_stop(sl_source *src);
static void gzip_end(sl_source *src);

void sl_source_close(sl_source *src)
{
	if (!src || src->closed)
		return;
	pump_stop(src);
	src->closed = 1;
	if (src->own_fd && src->fd >= 0)
		close(src->fd);
	src->fd = -1;
	gzip_end(src);
	if (src->cinit && src->codec == CODEC_BZIP2)
		BZ2_bzDecompressEnd(&src->bz);
	else if (src->cinit && src->codec == CODEC_XZ)
		lzma_end(&src->xz);
	else if (src->cinit)
		ZSTD_freeDCtx(src->zd);
	src->zd = NULL;
	src->cinit = 0;
	sl_mem_free(src->raw);
	sl_mem_free(src->out);
	src->raw = src->out = NULL;
}

const char *sl_source_name(const sl_source *src)
{
	return src->name;
}

int sl_source_is_gzip(const sl_source *src)
{
	return src->gzip;
}


/* Compressed bytes the decoder has taken (on a pump's thread, there). */
static uint64_t decoder_offset(const sl_source *src)
{
	return src->raw_off - (src->raw_len - src->raw_pos);
}

static uint64_t pump_offset(const sl_source *src);

uint64_t sl_source_offset(const sl_source *src)
{
	return src->pump ? pump_offset(src) : decoder_offset(src);
}

static ssize_t range_read(sl_source *src, size_t room);
static int pump_wait(sl_source *src);
static int input_ready(const sl_source *src);

/*
 * Would reading on keep bytes already decoded waiting?  On a pump's
 * thread a decoder hands out what it has rather than wait for a pipe, so
 * that what the writer has sent so far reaches the reader.
 */
static int would_wait(const sl_source *src, size_t produced)
{
	return produced && src->pump && !input_ready(src);
}

/*
 * One read(2) after the buffered bytes.  On a pump's thread the read
 * waits in poll(2) for the file or for the owner's word to stop
 * (pump_stop()): a pipe that never writes again cannot keep a finished
 * run waiting.
 */
static ssize_t pump_read(sl_source *src, size_t room)
{
	if (src->ranged)
		return range_read(src, room);
	if (src->pump && pump_wait(src) < 0)
		return -1;
	return read(src->fd, src->raw + src->raw_len, room);
}

/*
 * Keep the last bytes consumed before they are moved over: a gzip trailer
 * that igzip took in bits over several reads is still known whole.
 */
static void keep_tail(sl_source *src)
{
	size_t n = src->raw_pos < sizeof(src->tail) ? src->raw_pos :
		sizeof(src->tail);

	memmove(src->tail, src->tail + n, sizeof(src->tail) - n);
	memcpy(src->tail + sizeof(src->tail) - n, src->raw + src->raw_pos - n,
	       n);
}

/*
 * Move the unconsumed bytes to the front and read once after them.
 * Returns the number of bytes read, 0 at the end, -1 on error.
 */
static ssize_t read_more(sl_source *src)
{
	size_t room;
	ssize_t n;

	if (src->raw_pos > 0) {
		keep_tail(src);
		memmove(src->raw, src->raw + src->raw_pos,
			src->raw_len - src->raw_pos);
		src->raw_len -= src->raw_pos;
		src->raw_pos = 0;
	}
	room = src->raw_cap - src->raw_len;
	if (room > src->chunk)
		room = src->chunk;
	do
		n = pump_read(src, room);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		src->read_errno = errno;
		return -1;
	}
	if (n == 0)
		src->eof = 1;
	src->raw_len += (size_t)n;
	src->raw_off += (uint64_t)n;
	if (src->input)
		src->ctx->progress.bytes += (uint64_t)n;
	sl_progress_tick(src->ctx);
	return n;
}

static void read_failed(sl_source *src)
{
	sl_error_errno(src->ctx, src->read_errno, "cannot read '%s'",
		       src->name);
}

/*
 * Formats refused at the start of a stream.  A signature is a string of
 * len bytes of input, each a byte of its own or "[xy", any byte from x to
 * y ('[' itself is in no signature).
 */
static const struct foreign {
	const char *sig;
	size_t len;         /* bytes of input the signature takes */
	const char *what;   /* "is X" */
	const char *tool;   /* what undoes it, reading a file or stdin */
	int codec;          /* read by sluice after all: its codec */
} foreign[] = {
	/* "BZh", the block size '1'..'9', then the first block's magic
	 * (the digits of pi) or, for an empty stream, the end's (of sqrt
	 * pi): "BZh9" alone could well start a line of text */
	{ "BZh[19\x31\x41\x59\x26\x53\x59", 10, "bzip2-compressed",
	  "bzip2 -dc", CODEC_BZIP2 },
	{ "BZh[19\x17\x72\x45\x38\x50\x90", 10, "bzip2-compressed",
	  "bzip2 -dc", CODEC_BZIP2 },
	{ "\xfd\x37\x7a\x58\x5a\x00", 6, "xz-compressed", "xz -dc",
	  CODEC_XZ },
	{ "\x28\xb5\x2f\xfd", 4, "zstd-compressed", "zstd -dc",
	  CODEC_ZSTD },
	/* a skippable frame, 0x184D2A50 to 0x184D2A5F little-endian */
	{ "[\x50\x5f\x2a\x4d\x18", 4, "zstd-compressed", "zstd -dc",
	  CODEC_ZSTD },
	/* an lz4 frame, its flags byte saying version 01; the legacy
	 * format of lz4 -l */
	{ "\x04\x22\x4d\x18[\x40\x7f", 5, "lz4-compressed", "lz4 -dc", 0 },
	{ "\x02\x21\x4c\x18", 4, "lz4-compressed", "lz4 -dc", 0 },
	{ "PK\x03\x04", 4, "a zip archive", NULL, 0 },
};

/*
 * Does p[0..n) start with sig?  1 yes, 0 no, -1 not yet known: the n
 * bytes agree with it but it is longer.
 */
static int sig_match(const char *sig, size_t len, const unsigned char *p,
		     size_t n)
{
	size_t i;

	for (i = 0; i < len; i++, sig++) {
		if (i == n)
			return -1;
		if (*sig == '[') {
			if (p[i] < (unsigned char)sig[1] ||
			    p[i] > (unsigned char)sig[2])
				return 0;
			sig += 2;
		} else if (p[i] != (unsigned char)*sig) {
			return 0;
		}
	}
	return 1;
}

/* The foreign format p[0..n) starts with, or -1; *more is set when n
 * bytes are too few to know. */
static int foreign_format(const unsigned char *p, size_t n, int *more)
{
	size_t i;
	int m;

	*more = 0;
	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		m = sig_match(foreign[i].sig, foreign[i].len, p, n);
		if (m > 0)
			return (int)i;
		if (m < 0)
			*more = 1;
	}
	return -1;
}

int sl_source_magic(const unsigned char *p, size_t n)
{
	int more, f = foreign_format(p, n, &more);

	return (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
		(f >= 0 && foreign[f].codec);
}

static void refuse_foreign(sl_source *src, const struct foreign *f)
{
	int stdin_ = strcmp(src->name, "<stdin>") == 0 && !src->own_fd;
	char file[SL_ERRMSG_MAX / 2] = "";

	if (!stdin_)
		snprintf(file, sizeof(file), " '%s'", src->name);
	if (f->tool)
		sl_error(src->ctx, SL_EDATA, "'%s' is %s, which sluice cannot"
			 " read yet (decompress it first: %s%s | sluice ...)",
			 src->name, f->what, f->tool, file);
	else
		sl_error(src->ctx, SL_EDATA, "'%s' is %s, which sluice cannot"
			 " read (extract the file first: %s%s | sluice ...)",
			 src->name, f->what, stdin_ ? "funzip" : "unzip -p",
			 file);
}

static int codec_start(sl_source *src, int codec);
static int gzip_init(sl_source *src);

static int sniff(sl_source *src)
{
	int f, more = 1;

	src->sniffed = 1;
	while ((src->raw_len < 2 || more) && !src->eof) {
		if (read_more(src) < 0) {
			read_failed(src);
			return -1;
		}
		foreign_format(src->raw, src->raw_len, &more);
	}
	f = foreign_format(src->raw, src->raw_len, &more);
	if (f >= 0 && foreign[f].codec)
		return codec_start(src, foreign[f].codec);
	if (f >= 0) {
		refuse_foreign(src, &foreign[f]);
		return -1;
	}
	if (src->raw_len < 2 || src->raw[0] != 0x1f || src->raw[1] != 0x8b)
		return 0;
	src->gzip = 1;
	src->member_end = 1;
	src->out = sl_mem_alloc(src->ctx, src->chunk, "gzip.buffer");
	if (!src->out)
		return -1;
	return gzip_init(src);
}

static const unsigned char *next_plain(sl_source *src, size_t *size)
{
	const unsigned char *p;
	size_t n;

	if (src->raw_pos == src->raw_len) {
		ssize_t got;

		src->raw_pos = src->raw_len = 0;
		got = read_more(src);
		if (got < 0)
			read_failed(src);
		if (got <= 0)
			return NULL;
	}
	n = src->raw_len - src->raw_pos;
	if (n > src->chunk)
		n = src->chunk;
	p = src->raw + src->raw_pos;
	src->raw_pos += n;
	*size = n;
	return p;
}

/*
 * Record an error, or keep it for the next call when this call has good
 * bytes to hand out first.
 */
static void decode_fail(sl_source *src, size_t produced, sl_status code,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void decode_fail(sl_source *src, size_t produced, sl_status code,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (produced) {
		vsnprintf(src->pending_msg, sizeof(src->pending_msg), fmt, ap);
		src->pending = code;
	} else {
		sl_verror(src->ctx, code, fmt, ap);
	}
	va_end(ap);
}

/* A read failed in the middle of inflating: defer it like a data error. */
static void decode_read_failed(sl_source *src, size_t produced)
{
	if (!produced) {
		read_failed(src);
		return;
	}
	decode_fail(src, produced, sl_status_from_errno(src->read_errno),
		    "cannot read '%s': %s", src->name,
		    strerror(src->read_errno));
}

/*
 * zlib was refused memory: its window, allocated once inflate has output
 * to keep, so usually after bytes of this call.  The budget has recorded
 * why in the context, which had no error before this call (next_raw()
 * checks); with bytes to hand out, the error is taken back from the
 * context and kept for the next call, like the errors above.
 */
static void decode_mem_failed(sl_source *src, size_t produced)
{
	sl_ctx *ctx = src->ctx;

	if (!sl_failed(ctx))
		sl_error(ctx, SL_ENOMEM, "out of memory decompressing '%s'",
			 src->name);
	if (!produced)
		return;
	src->pending = ctx->err;
	snprintf(src->pending_msg, sizeof(src->pending_msg), "%s",
		 ctx->errmsg);
	ctx->err = SL_OK;
	ctx->errmsg[0] = '\0';
}

/* ---- gzip ----------------------------------------------------------------- */

/*
 * One inflater of two, chosen by the build: igzip (ISA-L) with
 * SL_HAVE_ISAL, zlib without.  gzip_init() makes its state, charged to
 * "gzip.inflate"; gzip_member() starts a member at raw_pos, whose first
 * GZIP_LEAD bytes are buffered unless the file ends first; gzip_step()
 * inflates what is buffered into out: 1 when it went on, 0 at the end of a
 * member, -1 with the error recorded or kept; gzip_end() frees the state.
 * With no input left the inflater may still owe output (the rest of a
 * match); only when it makes no progress at the end of the file is the
 * stream truncated.
 */
#ifdef SL_HAVE_ISAL

/* igzip reads a member's header without looking at the method or the
 * reserved flag bits, which zlib refuses: they are checked here first */
#define GZIP_LEAD 4

static int gzip_init(sl_source *src)
{
	src->isal = sl_mem_alloc(src->ctx, sizeof(*src->isal), "gzip.inflate");
	if (!src->isal)
		return -1;
	memset(src->isal, 0, sizeof(*src->isal));
	isal_inflate_init(src->isal);
	src->isal->crc_flag = ISAL_GZIP;    /* header, CRC-32 and ISIZE */
	return 0;
}

static void gzip_end(sl_source *src)
{
	sl_mem_free(src->isal);
	src->isal = NULL;
}

static void gzip_corrupt(sl_source *src, size_t produced, uint64_t at,
			 const char *why)
{
	decode_fail(src, produced, SL_EDATA, "corrupt gzip stream in '%s' at"
		    " compressed byte %llu: %s", src->name,
		    (unsigned long long)at, why);
}

static int gzip_member(sl_source *src, size_t produced)
{
	const unsigned char *p = src->raw + src->raw_pos;
	size_t n = src->raw_len - src->raw_pos;
	uint64_t at = decoder_offset(src) + (n < 4 ? n : 4);

	isal_inflate_reset(src->isal);
	isal_gzip_header_init(&src->gzh);
	src->gzh_done = 0;
	if (n > 2 && p[2] != 8) {
		gzip_corrupt(src, produced, at, "unknown compression method");
		return -1;
	}
	if (n > 3 && (p[3] & 0xe0)) {
		gzip_corrupt(src, produced, at, "unknown header flags set");
		return -1;
	}
	return 0;
}

/*
 * What igzip found wrong, said as zlib says it.  A bad trailer is told
 * apart from its bytes, the eight before raw_pos: igzip compares both
 * halves at once.  Bytes igzip holds in its bit buffer are not read yet.
 */
static void gzip_failed(sl_source *src, size_t produced, int ret)
{
	const struct inflate_state *st = src->isal;
	uint64_t at = decoder_offset(src);
	size_t held = st->read_in_length > 0 ? (size_t)st->read_in_length / 8 :
		0;
	unsigned char t[8];
	size_t n;

	if (ret == ISAL_INCORRECT_CHECKSUM &&
	    st->block_state == ISAL_BLOCK_FINISH) {
		n = src->raw_pos < 8 ? src->raw_pos : 8;
		memcpy(t, src->tail + n, 8 - n);
		memcpy(t + 8 - n, src->raw + src->raw_pos - n, n);
		if (sl_get_le32(t) != st->crc)
			gzip_corrupt(src, produced, at - 4,
				     "incorrect data check");
		else
			gzip_corrupt(src, produced, at,
				     "incorrect length check");
		return;
	}
	at = at > held ? at - held : 0;
	gzip_corrupt(src, produced, at,
		     ret == ISAL_INVALID_BLOCK ? "invalid block" :
		     ret == ISAL_INVALID_SYMBOL ? "invalid code" :
		     ret == ISAL_INVALID_LOOKBACK ?
		     "invalid distance too far back" :
		     ret == ISAL_INCORRECT_CHECKSUM ? "header crc mismatch" :
		     ret == ISAL_INVALID_WRAPPER ? "incorrect header check" :
		     ret == ISAL_UNSUPPORTED_METHOD ?
		     "unknown compression method" : "inflate failed");
}

static int gzip_step(sl_source *src, size_t *produced)
{
	struct inflate_state *st = src->isal;
	size_t in = src->raw_len - src->raw_pos, before = *produced;
	int ret;

	st->next_in = src->raw + src->raw_pos;
	st->avail_in = (uint32_t)in;
	st->next_out = src->out + *produced;
	st->avail_out = (uint32_t)(src->chunk - *produced);
	/* the header is read apart: isal_inflate() would read it with a
	 * header record of its own each call, and lose the header CRC of
	 * a header that comes in pieces */
	ret = src->gzh_done ? ISAL_DECOMP_OK :
		isal_read_gzip_header(st, &src->gzh);
	src->gzh_done = ret == ISAL_DECOMP_OK;
	if (src->gzh_done)
		ret = isal_inflate(st);
	src->raw_pos = src->raw_len - st->avail_in;
	*produced = src->chunk - st->avail_out;
	if (ret < 0) {
		gzip_failed(src, *produced, ret);
		return -1;
	}
	if (st->block_state == ISAL_BLOCK_FINISH)
		return 0;
	/* igzip takes all the input it is given, into its own buffers
	 * when it cannot use it yet: no progress means none was left */
	if (*produced > before || src->raw_pos > src->raw_len - in)
		return 1;
	decode_fail(src, *produced, SL_EDATA, "truncated gzip stream in '%s'"
		    " at compressed byte %llu", src->name,
		    (unsigned long long)src->raw_off);
	return -1;
}

#else /* zlib */

/* two bytes tell the next member from stray bytes */
#define GZIP_LEAD 2

static int gzip_init(sl_source *src)
{
	src->za.ctx = src->ctx;
	src->za.tag = "gzip.inflate";
	src->z.zalloc = sl_zalloc_fn;
	src->z.zfree = sl_zfree_fn;
	src->z.opaque = &src->za;
	if (inflateInit2(&src->z, 15 + 16) != Z_OK) {
		sl_error(src->ctx, sl_failed(src->ctx) ? SL_ENOMEM : SL_EIO,
			 "cannot start inflating '%s'", src->name);
		return -1;
	}
	src->zinit = 1;
	return 0;
}

static void gzip_end(sl_source *src)
{
	if (src->zinit)
		inflateEnd(&src->z);
	src->zinit = 0;
}

static int gzip_member(sl_source *src, size_t produced)
{
	(void)produced;
	inflateReset(&src->z);
	return 0;
}

static int gzip_step(sl_source *src, size_t *produced)
{
	size_t before = *produced;
	int ret;

	src->z.next_in = src->raw + src->raw_pos;
	src->z.avail_in = (uInt)(src->raw_len - src->raw_pos);
	src->z.next_out = src->out + *produced;
	src->z.avail_out = (uInt)(src->chunk - *produced);
	ret = inflate(&src->z, Z_NO_FLUSH);
	src->raw_pos = src->raw_len - src->z.avail_in;
	*produced = src->chunk - src->z.avail_out;
	if (ret == Z_STREAM_END)
		return 0;
	if (ret == Z_MEM_ERROR) {
		decode_mem_failed(src, *produced);
		return -1;
	}
	if (ret == Z_BUF_ERROR && *produced == before &&
	    src->raw_pos == src->raw_len && src->eof) {
		decode_fail(src, *produced, SL_EDATA, "truncated gzip stream"
			    " in '%s' at compressed byte %llu", src->name,
			    (unsigned long long)src->raw_off);
		return -1;
	}
	if (ret != Z_OK && ret != Z_BUF_ERROR) {
		decode_fail(src, *produced, SL_EDATA, "corrupt gzip stream in"
			    " '%s' at compressed byte %llu: %s", src->name,
			    (unsigned long long)decoder_offset(src),
			    src->z.msg ? src->z.msg : "inflate failed");
		return -1;
	}
	return 1;
}

#endif

/* ---- bzip2, xz and zstd --------------------------------------------------- */

/* Their allocators, charged to the budget ("bzip2.state", "xz.state",
 * "zstd.state"). */
static void *bz_alloc(void *opaque, int n, int m)
{
	sl_source *src = opaque;

	if (n < 0 || m < 0 || (m && (size_t)n > SIZE_MAX / (size_t)m))
		return NULL;
	return sl_mem_alloc(src->ctx, (size_t)n * (size_t)m,
				"bzip2.state");
}

static void *xz_alloc(void *opaque, size_t n, size_t m)
{
	sl_source *src = opaque;

	if (m && n > SIZE_MAX / m)
		return NULL;
	return sl_mem_alloc(src->ctx, n * m, "xz.state");
}

static void *zstd_alloc(void *opaque, size_t n)
{
	sl_source *src = opaque;

	return sl_mem_alloc(src->ctx, n, "zstd.state");
}

static void codec_free(void *opaque, void *p)
{
	(void)opaque;
	sl_mem_free(p);
}

static const char *codec_name(const sl_source *src)
{
	return src->codec == CODEC_BZIP2 ? "bzip2" :
		src->codec == CODEC_XZ ? "xz" : "zstd";
}

/*
 * The window log the zstd decoder is capped at: the smallest power of two
 * not below the ceiling, within libzstd's bounds.  zstd_frame_start()
 * checks each frame against what the budget has left, more closely; the
 * cap keeps the decoder itself from ever taking a window past the
 * ceiling.
 */
static int zstd_window_log(size_t ceiling)
{
	ZSTD_bounds b = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
	int log = b.lowerBound;

	while (log < b.upperBound && ((size_t)1 << log) < ceiling)
		log++;
	return log;
}

/* A zstd decoder whose memory is charged to the budget: 1, or 0. */
static int zstd_init(sl_source *src)
{
	ZSTD_customMem mem = { zstd_alloc, codec_free, src };

	src->zd = ZSTD_createDCtx_advanced(mem);
	if (!src->zd)
		return 0;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(src->zd, ZSTD_d_windowLogMax,
			zstd_window_log(sl_mem_ceiling(src->ctx))))) {
		ZSTD_freeDCtx(src->zd);
		src->zd = NULL;
		return 0;
	}
	src->zframe = 1;
	return 1;
}

/* Start (or, for the next bzip2 stream, start again) a decoder. */
static int codec_init(sl_source *src)
{
	char ceil[32];

	if (src->codec == CODEC_BZIP2) {
		memset(&src->bz, 0, sizeof(src->bz));
		src->bz.bzalloc = bz_alloc;
		src->bz.bzfree = codec_free;
		src->bz.opaque = src;
		src->cinit = BZ2_bzDecompressInit(&src->bz, 0, 0) == BZ_OK;
	} else if (src->codec == CODEC_XZ) {
		lzma_stream init = LZMA_STREAM_INIT;

		src->xz = init;
		src->xa.alloc = xz_alloc;
		src->xa.free = codec_free;
		src->xa.opaque = src;
		src->xz.allocator = &src->xa;
		/* the memory a stream's dictionary may take: what the
		 * budget has left, so that a hostile header is refused
		 * with a message instead of failing an allocation */
		src->cinit = lzma_stream_decoder(&src->xz,
			sl_mem_ceiling(src->ctx) - sl_mem_in_use(src->ctx),
			LZMA_CONCATENATED) == LZMA_OK;
	} else {
		src->cinit = zstd_init(src);
	}
	if (!src->cinit)
		sl_error(src->ctx, SL_ENOMEM, "cannot start decompressing '%s'"
			 " within the memory ceiling of %s", src->name,
			 sl_format_size(ceil, sizeof(ceil),
					sl_mem_ceiling(src->ctx)));
	return src->cinit ? 0 : -1;
}

static int codec_start(sl_source *src, int codec)
{
	src->codec = codec;
	src->out = sl_mem_alloc(src->ctx, src->chunk, codec == CODEC_BZIP2 ?
				"bzip2.buffer" : codec == CODEC_XZ ?
				"xz.buffer" : "zstd.buffer");
	return src->out ? codec_init(src) : -1;
}

/* The memory a zstd frame needs is more than the budget leaves. */
static void zstd_too_large(sl_source *src, size_t produced)
{
	char ceil[32];

	decode_fail(src, produced, SL_ENOMEM, "'%s' needs %llu MiB to"
		    " decompress (its zstd window), more than the memory"
		    " ceiling of %s leaves (raise --max-memory)", src->name,
		    (unsigned long long)(src->zneed >> 20) + 1,
		    sl_format_size(ceil, sizeof(ceil),
				   sl_mem_ceiling(src->ctx)));
}

/*
 * At the start of a zstd frame: read its header and check the memory the
 * frame needs (the decoder, its window and block buffers) against what
 * the budget leaves, counting what the decoder holds already, which it
 * gives back before it takes the new size.  The decoder is then given
 * the header alone, so that it never sees a whole frame at once (its
 * single-pass shortcut would keep nothing of a damaged one).  A damaged
 * or cut header is left to the decoder to name.  1 to go on, -1 with the
 * error recorded or kept.
 */
static int zstd_frame_start(sl_source *src, size_t produced)
{
	ZSTD_frameHeader fh;
	size_t r, left;

	for (;;) {
		r = ZSTD_getFrameHeader(&fh, src->raw + src->raw_pos,
					src->raw_len - src->raw_pos);
		if (r == 0 || ZSTD_isError(r) || src->eof)
			break;
		if (read_more(src) < 0) {
			decode_read_failed(src, produced);
			return -1;
		}
	}
	src->zframe = 0;
	src->zneed = 0;
	src->zhint = r == 0 ? fh.headerSize : SIZE_MAX;
	if (r != 0 || fh.frameType == ZSTD_skippableFrame)
		return 1;
	left = sl_mem_ceiling(src->ctx) - sl_mem_in_use(src->ctx) +
		ZSTD_sizeof_DCtx(src->zd);
	/* a one-segment frame's window is its size, which may be anything */
	src->zneed = fh.windowSize > left ? fh.windowSize :
		ZSTD_estimateDStreamSize((size_t)fh.windowSize);
	if (src->zneed <= left)
		return 1;
	zstd_too_large(src, produced);
	return -1;
}

/* The zstd decoder refused a call: nothing of it counts. */
static void zstd_failed(sl_source *src, size_t produced, size_t ret)
{
	ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);

	if (code == ZSTD_error_memory_allocation) {
		decode_mem_failed(src, produced);
		return;
	}
	if (code == ZSTD_error_frameParameter_windowTooLarge && src->zneed) {
		zstd_too_large(src, produced);
		return;
	}
	decode_fail(src, produced, SL_EDATA, "corrupt zstd stream in '%s' at"
		    " compressed byte %llu: %s", src->name,
		    (unsigned long long)decoder_offset(src),
		    ZSTD_getErrorString(code));
}

/*
 * One call of the zstd decoder, given at most the input it asked for:
 * 1 when it went on, 0 at the end of a frame, -1 with the error recorded
 * or kept.
 */
static int zstd_step(sl_source *src, size_t *produced)
{
	ZSTD_outBuffer out = { src->out, src->chunk, *produced };
	ZSTD_inBuffer in;
	size_t left, ret;

	if (src->zframe && zstd_frame_start(src, *produced) < 0)
		return -1;
	left = src->raw_len - src->raw_pos;
	in.src = src->raw + src->raw_pos;
	/* a full output buffer may have left bytes of the last block in
	 * the decoder: they go out before it takes on another block */
	in.size = src->zflush ? 0 : left < src->zhint ? left : src->zhint;
	in.pos = 0;
	ret = ZSTD_decompressStream(src->zd, &out, &in);
	if (ZSTD_isError(ret)) {
		zstd_failed(src, *produced, ret);
		return -1;
	}
	src->raw_pos += in.pos;
	src->zflush = out.pos == out.size;
	if (ret == 0) {
		*produced = out.pos;
		src->zframe = 1;
		return 0;
	}
	src->zhint = ret;
	/* the hint for a block takes in the block header after it, whose
	 * damage would then cost the block's bytes too: one step a call
	 * (a block header is 3 bytes, RFC 8878 3.1.1.2) */
	if (ZSTD_nextInputType(src->zd) == ZSTDnit_block && ret > 3)
		src->zhint = ret - 3;
	if (out.pos > *produced || in.pos > 0 ||
	    src->raw_pos < src->raw_len || !src->eof) {
		*produced = out.pos;
		return 1;
	}
	decode_fail(src, *produced, SL_EDATA, "truncated zstd stream in '%s'"
		    " at compressed byte %llu", src->name,
		    (unsigned long long)src->raw_off);
	return -1;
}

/*
 * One call of the decoder on what is buffered: 1 when it went on, 0 at the
 * end of a bzip2 stream, an xz input or a zstd frame, -1 with the error
 * recorded or kept.
 */
static int codec_step(sl_source *src, size_t *produced)
{
	size_t in = src->raw_len - src->raw_pos, before = *produced;
	uint64_t at;
	char ceil[32];
	int ret;

	if (src->codec == CODEC_ZSTD)
		return zstd_step(src, produced);
	if (src->codec == CODEC_BZIP2) {
		src->bz.next_in = (char *)src->raw + src->raw_pos;
		src->bz.avail_in = (unsigned)in;
		src->bz.next_out = (char *)src->out + *produced;
		src->bz.avail_out = (unsigned)(src->chunk - *produced);
		ret = BZ2_bzDecompress(&src->bz);
		src->raw_pos = src->raw_len - src->bz.avail_in;
		*produced = src->chunk - src->bz.avail_out;
		if (ret == BZ_STREAM_END)
			return 0;
		if (ret == BZ_MEM_ERROR) {
			decode_mem_failed(src, *produced);
			return -1;
		}
		if (ret == BZ_OK && (*produced > before ||
				     src->raw_pos > src->raw_len - in ||
				     !src->eof))
			return 1;
		ret = ret == BZ_OK ? -2 : -1;     /* -2: cut short */
	} else {
		src->xz.next_in = src->raw + src->raw_pos;
		src->xz.avail_in = in;
		src->xz.next_out = src->out + *produced;
		src->xz.avail_out = src->chunk - *produced;
		ret = lzma_code(&src->xz, src->eof ? LZMA_FINISH : LZMA_RUN);
		src->raw_pos = src->raw_len - src->xz.avail_in;
		*produced = src->chunk - src->xz.avail_out;
		if (ret == LZMA_STREAM_END) {
			src->member_end = 1;       /* every stream read */
			return 0;
		}
		if (ret == LZMA_OK)
			return 1;
		if (ret == LZMA_MEM_ERROR) {
			decode_mem_failed(src, *produced);
			return -1;
		}
		if (ret == LZMA_MEMLIMIT_ERROR) {
			decode_fail(src, *produced, SL_ENOMEM, "'%s' needs %llu"
				    " MiB to decompress (its xz dictionary),"
				    " more than the memory ceiling of %s leaves"
				    " (raise --max-memory)", src->name,
				    (unsigned long long)
				    (lzma_memusage(&src->xz) >> 20) + 1,
				    sl_format_size(ceil, sizeof(ceil),
						   sl_mem_ceiling(src->ctx)));
			return -1;
		}
		ret = ret == LZMA_BUF_ERROR ? -2 : -1;
	}
	at = ret == -2 ? src->raw_off : decoder_offset(src);
	decode_fail(src, *produced, SL_EDATA, "%s %s stream in '%s' at"
		    " compressed byte %llu", ret == -2 ? "truncated" : "corrupt",
		    codec_name(src), src->name, (unsigned long long)at);
	return -1;
}

/* Does p start a zstd frame or a skippable frame? */
static int zstd_magic(const unsigned char *p)
{
	uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		(uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) ==
		ZSTD_MAGIC_SKIPPABLE_START;
}

/*
 * A bzip2 stream or a zstd frame ended: another may follow (pbzip2, cat,
 * zstd's own frames), or the end of the input, which sets member_end.
 * 0 to go on, -1 with the error recorded or kept.
 */
static int next_stream(sl_source *src, size_t produced)
{
	int zstd = src->codec == CODEC_ZSTD;
	size_t need = zstd ? 4 : 3;
	const unsigned char *p;

	if (!zstd) {
		BZ2_bzDecompressEnd(&src->bz);
		src->cinit = 0;
	}
	while (src->raw_len - src->raw_pos < need && !src->eof) {
		if (read_more(src) < 0) {
			decode_read_failed(src, produced);
			return -1;
		}
	}
	if (src->raw_pos == src->raw_len) {
		src->member_end = 1;
		return 0;
	}
	p = src->raw + src->raw_pos;
	if (src->raw_len - src->raw_pos < need ||
	    (zstd ? !zstd_magic(p) : memcmp(p, "BZh", 3) != 0)) {
		decode_fail(src, produced, SL_EDATA, "unexpected bytes after"
			    " %s %s in '%s' at compressed byte %llu",
			    codec_name(src), zstd ? "frame" : "stream",
			    src->name, (unsigned long long)
			    decoder_offset(src));
		return -1;
	}
	return zstd ? 0 : codec_init(src);
}

/*
 * Read more input for a decoder holding produced bytes of this call: 1
 * when it can go on; 0 when it must hand out what it has, because the
 * read failed (the error recorded, or kept for the next call) or, on a
 * pump's thread, because the input would keep those bytes waiting.
 */
static int refill(sl_source *src, size_t produced)
{
	if (would_wait(src, produced))
		return 0;
	if (read_more(src) < 0) {
		decode_read_failed(src, produced);
		return 0;
	}
	return 1;
}

/* Decompressed bytes of a bzip2, xz or zstd input, a chunk at most. */
static const unsigned char *next_codec(sl_source *src, size_t *size)
{
	size_t produced = 0;
	int r;

	while (produced < src->chunk && !src->member_end) {
		if (src->raw_pos == src->raw_len && !src->eof) {
			if (!refill(src, produced))
				break;
			continue;
		}
		r = codec_step(src, &produced);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		if (src->codec == CODEC_XZ)
			break;
		if (next_stream(src, produced) < 0)
			break;
	}
	if (!produced)
		return NULL;
	*size = produced;
	return src->out;
}

static const unsigned char *next_gzip(sl_source *src, size_t *size)
{
	size_t produced = 0;
	int r;

	while (produced < src->chunk) {
		if (src->member_end) {
			/* another member, the end, or stray bytes */
			if (src->raw_len - src->raw_pos < GZIP_LEAD &&
			    !src->eof) {
				if (!refill(src, produced))
					break;
				continue;
			}
			if (src->raw_len == src->raw_pos)
				break;
			if (src->raw_len - src->raw_pos < 2 ||
			    src->raw[src->raw_pos] != 0x1f ||
			    src->raw[src->raw_pos + 1] != 0x8b) {
				decode_fail(src, produced, SL_EDATA,
					    "unexpected bytes after gzip member"
					    " in '%s' at compressed byte %llu",
					    src->name, (unsigned long long)
					    decoder_offset(src));
				break;
			}
			if (gzip_member(src, produced) < 0)
				break;
			src->member_end = 0;
		}
		if (src->raw_pos == src->raw_len && !src->eof) {
			if (!refill(src, produced))
				break;
			continue;
		}
		r = gzip_step(src, &produced);
		if (r < 0)
			break;
		if (r == 0)
			src->member_end = 1;
	}
	if (!produced)
		return NULL;
	*size = produced;
	return src->out;
}

static void queue_front(sl_source *src, const unsigned char *p, size_t n)
{
	if (src->queued)
		src->queue[1] = src->queue[0];
	src->queue[0].p = p;
	src->queue[0].n = n;
	src->queued++;
}

void sl_source_unget(sl_source *src)
{
	if (src->last_p && src->queued < 2)
		queue_front(src, src->last_p, src->last_n);
}

void sl_source_strip_bom(sl_source *src)
{
	src->bom = 1;
}

/* The decoded bytes that come next, or NULL at the end or on an error. */
static const unsigned char *next_decoded(sl_source *src, size_t *size)
{
	if (src->pending) {
		sl_error(src->ctx, src->pending, "%s", src->pending_msg);
		return NULL;
	}
	if (src->codec)
		return next_codec(src, size);
	return src->gzip ? next_gzip(src, size) : next_plain(src, size);
}

static int pump_start(sl_source *src);
static const unsigned char *pump_next(sl_source *src, size_t *size);

void sl_source_tee(sl_source *src,
		   sl_status (*fn)(void *arg, const unsigned char *p, size_t n),
		   void *arg)
{
	src->tee = fn;
	src->tee_arg = arg;
}

static const unsigned char *next_fresh(sl_source *src, size_t *size);

/* The next decoded chunk, told to the tee: below the queue of chunks
 * handed out again and the byte-order mark, so each byte is told once
 * and as decoded. */
static const unsigned char *next_raw(sl_source *src, size_t *size)
{
	const unsigned char *p = next_fresh(src, size);

	if (p && src->tee && *size && src->tee(src->tee_arg, p, *size) != SL_OK)
		return NULL;
	return p;
}

static const unsigned char *next_fresh(sl_source *src, size_t *size)
{
	*size = 0;
	if (src->pump)
		return pump_next(src, size);
	if (sl_failed(src->ctx))
		return NULL;
	if (src->closed) {
		sl_error(src->ctx, SL_EINVAL, "read from closed source '%s'",
			 src->name);
		return NULL;
	}
	if (!src->sniffed) {
		if (sniff(src) < 0)
			return NULL;
		if ((src->gzip || src->codec) && src->input &&
		    sl_ctx_threads(src->ctx) > 1) {
			if (pump_start(src) < 0)
				return NULL;
			return pump_next(src, size);
		}
	}
	return next_decoded(src, size);
}

static sl_ctx *owner_ctx(const sl_source *src);

/*
 * The first bytes of the stream may be a byte-order mark split over
 * several chunks.  Matched bytes are kept in bom_buf; on a mismatch the
 * ones that came from earlier chunks are handed out first and the current
 * chunk is replayed after them.
 */
static const unsigned char *skip_bom(sl_source *src, size_t *size)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
	const unsigned char *p;
	size_t n, i, from_before;

	for (;;) {
		p = next_raw(src, &n);
		if (!p) {
			src->bom = 0;
			if (!src->bom_len || sl_failed(owner_ctx(src)))
				return NULL;
			*size = src->bom_len;     /* a partial mark at the end */
			return src->bom_buf;
		}
		from_before = src->bom_len;
		for (i = 0; i < n && src->bom_len < 3 &&
			    p[i] == bom[src->bom_len]; i++)
			src->bom_buf[src->bom_len++] = p[i];
		if (src->bom_len == 3) {
			src->bom = 0;
			if (i == n)
				return sl_source_next(src, size);
			*size = n - i;
			return p + i;
		}
		if (i == n)
			continue;        /* all of it may still be the mark */
		src->bom = 0;
		if (from_before == 0) {
			*size = n;       /* the matched bytes are in p */
			return p;
		}
		queue_front(src, p + i, n - i);
		*size = src->bom_len;
		return src->bom_buf;
	}
}

const unsigned char *sl_source_next(sl_source *src, size_t *size)
{
	const unsigned char *p;

	if (src->queued) {
		p = src->queue[0].p;
		*size = src->queue[0].n;
		src->queue[0] = src->queue[1];
		src->queued--;
	} else {
		p = src->bom ? skip_bom(src, size) : next_raw(src, size);
	}
	src->last_p = p;
	src->last_n = p ? *size : 0;
	return p;
}

/* ---- decompression on a thread of its own ------------------------------ */

/*
 * With more than one thread, a compressed input of the run is decoded on
 * a thread of its own while the caller parses: inflating and parsing then
 * take the longer of their times instead of the sum.  The thread runs the
 * same decoder as above, with the source's context swapped for a worker
 * context (sl_ctx_worker(): the same budget, its own error), into a ring
 * of PUMP_SLOTS buffers of whole chunks, 64 KiB or more (under a ceiling
 * below 4 MiB, a 64th of it), charged to "source.pump", so that a small chunk size does not cost a handover a
 * chunk.  The caller holds one slot, handed out a chunk at a time (the
 * last of which sl_source_unget may hand out again), and gives it back
 * when it takes the next.  The
 * thread's error reaches the caller's context after every slot before it,
 * as the single-threaded decoder hands out the bytes before the damage.
 * Spill files and other internal sources are never pumped: a merge reads
 * many at once.
 */
#define PUMP_SLOTS 4
#define PUMP_SLOT_MIN ((size_t)64 << 10)

struct pump {
	sl_ctx *owner;             /* the caller's context */
	sl_ctx *work;              /* the thread's */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *slot[PUMP_SLOTS];
	size_t len[PUMP_SLOTS];
	uint64_t read_to[PUMP_SLOTS];  /* file bytes read when it filled */
	uint64_t at[PUMP_SLOTS];   /* and taken by the decoder */
	uint64_t offset;           /* at[] of the slot the caller holds */
	uint64_t end_read, end_at; /* read_to and at when the thread ended */
	int wake[2];               /* written to by pump_stop() */
	unsigned head, filled;     /* the oldest filled slot; how many */
	size_t cap;                /* a slot's bytes: chunks, 64 KiB or more */
	size_t pos;                /* handed out of the held slot */
	int held;                  /* the caller holds slot[head] */
	int done;                  /* the thread has ended */
	int stop;                  /* the caller asks it to end */
	uint64_t counted;          /* file bytes told to the progress */
};

/* The context the decoder charges and records its errors in, zlib's
 * allocator's too. */
static void decoder_ctx(sl_source *src, sl_ctx *ctx)
{
	src->ctx = ctx;
#ifndef SL_HAVE_ISAL
	src->za.ctx = ctx;
#endif
}

void sl_source_bind(sl_source *src, sl_ctx *ctx)
{
	decoder_ctx(src, ctx);
}

static sl_ctx *owner_ctx(const sl_source *src)
{
	return src->pump ? src->pump->owner : src->ctx;
}

/* Wait until the file has bytes (or its end), or the owner says stop:
 * then -1 with errno ECANCELED. */
static int pump_wait(sl_source *src)
{
	struct pollfd p[2] = {
		{ .fd = src->fd, .events = POLLIN },
		{ .fd = src->pump->wake[0], .events = POLLIN },
	};

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return -1;
	if (p[1].revents) {
		errno = ECANCELED;
		return -1;
	}
	return 0;
}

/* Can the decoder go on without waiting for the file? */
static int input_ready(const sl_source *src)
{
	struct pollfd p = { .fd = src->fd, .events = POLLIN };

	if (src->raw_pos < src->raw_len || src->eof)
		return 1;
	return poll(&p, 1, 0) > 0;
}

static void *pump_main(void *arg)
{
	sl_source *src = arg;
	struct pump *pp = src->pump;
	const unsigned char *p = NULL;
	unsigned k;
	size_t n, len;
	int stop;

	for (;;) {
		pthread_mutex_lock(&pp->lock);
		while (pp->filled == PUMP_SLOTS && !pp->stop)
			pthread_cond_wait(&pp->cond, &pp->lock);
		k = (pp->head + pp->filled) % PUMP_SLOTS;
		stop = pp->stop;
		pthread_mutex_unlock(&pp->lock);
		if (stop)
			break;
		/* a slot's worth of decoder calls, a chunk each at most, so
		 * that a small chunk size does not cost a handover a chunk;
		 * but what is decoded goes out as soon as the input would
		 * keep it waiting */
		for (len = 0; len + src->chunk <= pp->cap; len += n) {
			if (len && !input_ready(src))
				break;
			src->out = pp->slot[k] + len;
			if (!(p = next_decoded(src, &n)))
				break;
		}
		pthread_mutex_lock(&pp->lock);
		if (len) {
			pp->len[k] = len;
			pp->read_to[k] = src->raw_off;
			pp->at[k] = decoder_offset(src);
			pp->filled++;
		}
		if (!p) {
			pp->done = 1;
			pp->end_read = src->raw_off;
			pp->end_at = decoder_offset(src);
		}
		pthread_cond_broadcast(&pp->cond);
		pthread_mutex_unlock(&pp->lock);
		if (!p)
			break;
	}
	return NULL;
}

static void close_wake(struct pump *pp)
{
	if (pp->wake[0] >= 0)
		close(pp->wake[0]);
	if (pp->wake[1] >= 0)
		close(pp->wake[1]);
	pp->wake[0] = pp->wake[1] = -1;
}

/*
 * Hand the decoder to a thread.  Its buffer (src->out) is let go: the
 * slots take its place.  0, or -1 with the error recorded.
 */
static int pump_start(sl_source *src)
{
	sl_ctx *ctx = src->ctx;
	struct pump *pp;
	size_t want;
	unsigned i;
	int rc;

	pp = sl_mem_alloc(ctx, sizeof(*pp), "source.pump");
	if (!pp)
		return -1;
	memset(pp, 0, sizeof(*pp));
	pp->wake[0] = pp->wake[1] = -1;
	/* 64 KiB, or a 64th of a small ceiling, in whole chunks */
	want = sl_mem_ceiling(ctx) / 64 < PUMP_SLOT_MIN ?
		sl_mem_ceiling(ctx) / 64 : PUMP_SLOT_MIN;
	pp->cap = src->chunk >= want ? src->chunk : want / src->chunk *
		src->chunk;
	for (i = 0; i < PUMP_SLOTS; i++)
		if (!(pp->slot[i] = sl_mem_alloc(ctx, pp->cap, "source.pump")))
			goto fail;
	pp->work = sl_ctx_worker(ctx);
	if (!pp->work) {
		sl_error(ctx, SL_ENOMEM, "cannot start a thread for '%s'",
			 src->name);
		goto fail;
	}
	if (pipe2(pp->wake, O_CLOEXEC) < 0) {
		sl_error_errno(ctx, errno, "cannot start a thread for '%s'",
			       src->name);
		pp->wake[0] = pp->wake[1] = -1;
		goto fail;
	}
	pp->owner = ctx;
	pp->counted = src->raw_off;
	pthread_mutex_init(&pp->lock, NULL);
	pthread_cond_init(&pp->cond, NULL);
	sl_mem_free(src->out);
	src->out = NULL;
	decoder_ctx(src, pp->work);
	src->pump = pp;
	rc = sl_thread_start(&pp->thread, pump_main, src);
	if (rc == 0)
		return 0;
	src->pump = NULL;
	decoder_ctx(src, ctx);
	pthread_mutex_destroy(&pp->lock);
	pthread_cond_destroy(&pp->cond);
	sl_error_errno(ctx, rc, "cannot start a thread for '%s'", src->name);
	/* the decoder goes on without a buffer: the run has failed */
fail:
	close_wake(pp);
	sl_ctx_free(pp->work);
	for (i = 0; i < PUMP_SLOTS; i++)
		sl_mem_free(pp->slot[i]);
	sl_mem_free(pp);
	return -1;
}

static const unsigned char *pump_next(sl_source *src, size_t *size)
{
	struct pump *pp = src->pump;
	const unsigned char *p = NULL;
	uint64_t read_to = 0;
	size_t n;

	if (sl_failed(pp->owner))
		return NULL;
	if (pp->held && pp->pos < pp->len[pp->head]) {
		/* the held slot, a chunk at a time: no handover */
		n = pp->len[pp->head] - pp->pos;
		*size = n < src->chunk ? n : src->chunk;
		pp->pos += *size;
		return pp->slot[pp->head] + pp->pos - *size;
	}
	pthread_mutex_lock(&pp->lock);
	if (pp->held) {
		pp->held = 0;
		pp->head = (pp->head + 1) % PUMP_SLOTS;
		pp->filled--;
		pthread_cond_broadcast(&pp->cond);
	}
	while (!pp->filled && !pp->done)
		pthread_cond_wait(&pp->cond, &pp->lock);
	if (pp->filled) {
		p = pp->slot[pp->head];
		n = pp->len[pp->head];
		*size = n < src->chunk ? n : src->chunk;
		pp->pos = *size;
		read_to = pp->read_to[pp->head];
		pp->offset = pp->at[pp->head];
		pp->held = 1;
	} else {
		read_to = pp->end_read;
		pp->offset = pp->end_at;
	}
	pthread_mutex_unlock(&pp->lock);
	if (src->input && read_to > pp->counted) {
		pp->owner->progress.bytes += read_to - pp->counted;
		pp->counted = read_to;
		sl_progress_tick(pp->owner);
	}
	if (!p)
		sl_ctx_take_error(pp->owner, pp->work);
	return p;
}

/* Compressed bytes taken so far, as the caller sees them. */
static uint64_t pump_offset(const sl_source *src)
{
	return src->pump->offset;
}

/* End the thread, if any, and give the source back its own context. */
static void pump_stop(sl_source *src)
{
	struct pump *pp = src->pump;
	unsigned i;

	if (!pp)
		return;
	pthread_mutex_lock(&pp->lock);
	pp->stop = 1;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
	while (write(pp->wake[1], "", 1) < 0 && errno == EINTR)
		;
	pthread_join(pp->thread, NULL);
	close_wake(pp);
	src->pump = NULL;
	decoder_ctx(src, pp->owner);
	src->out = NULL;
	pthread_mutex_destroy(&pp->lock);
	pthread_cond_destroy(&pp->cond);
	sl_ctx_free(pp->work);
	for (i = 0; i < PUMP_SLOTS; i++)
		sl_mem_free(pp->slot[i]);
	sl_mem_free(pp);
}
