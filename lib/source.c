/*
 * source.c - bytes in, a chunk at a time, gzip, bzip2 and xz decompressed
 * on the fly.
 *
 * Call order: sl_source_open(), sl_source_next() until NULL, optionally
 * sl_source_close(); the arena's cleanup closes whatever is left.
 *
 * The first call reads until it has two bytes (or the end) and looks for
 * the gzip magic 1f 8b, so the format never depends on the file's name.
 * bzip2 and xz are known the same way (libbz2, liblzma; their state and an
 * output buffer of one chunk charged to the budget, xz's dictionary
 * limited to what the budget has left); bzip2 streams that follow one
 * another are read in turn, xz's by liblzma itself.  It also refuses,
 * with SL_EDATA and a hint, the compressed formats that sluice cannot read
 * (zstd, lz4, zip): read as text they would give a count of nonsense.
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
 * everything before the damage reaches the caller intact.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "sluice_int.h"

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
	int codec;             /* 0, or CODEC_BZIP2 or CODEC_XZ */
	int cinit;             /* its state is live */
	bz_stream bz;
	lzma_stream xz;
	lzma_allocator xa;
};

enum { CODEC_BZIP2 = 1, CODEC_XZ };

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

static void gzip_end(sl_source *src);

void sl_source_close(sl_source *src)
{
	if (!src || src->closed)
		return;
	src->closed = 1;
	if (src->own_fd && src->fd >= 0)
		close(src->fd);
	src->fd = -1;
	gzip_end(src);
	if (src->cinit && src->codec == CODEC_BZIP2)
		BZ2_bzDecompressEnd(&src->bz);
	else if (src->cinit)
		lzma_end(&src->xz);
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


uint64_t sl_source_offset(const sl_source *src)
{
	return src->raw_off - (src->raw_len - src->raw_pos);
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
		n = read(src->fd, src->raw + src->raw_len, room);
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
	{ "\x28\xb5\x2f\xfd", 4, "zstd-compressed", "zstd -dc", 0 },
	/* a skippable frame, 0x184D2A50 to 0x184D2A5F little-endian */
	{ "[\x50\x5f\x2a\x4d\x18", 4, "zstd-compressed", "zstd -dc", 0 },
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
	uint64_t at = sl_source_offset(src) + (n < 4 ? n : 4);

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

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/*
 * What igzip found wrong, said as zlib says it.  A bad trailer is told
 * apart from its bytes, the eight before raw_pos: igzip compares both
 * halves at once.  Bytes igzip holds in its bit buffer are not read yet.
 */
static void gzip_failed(sl_source *src, size_t produced, int ret)
{
	const struct inflate_state *st = src->isal;
	uint64_t at = sl_source_offset(src);
	size_t held = st->read_in_length > 0 ? (size_t)st->read_in_length / 8 :
		0;
	unsigned char t[8];
	size_t n;

	if (ret == ISAL_INCORRECT_CHECKSUM &&
	    st->block_state == ISAL_BLOCK_FINISH) {
		n = src->raw_pos < 8 ? src->raw_pos : 8;
		memcpy(t, src->tail + n, 8 - n);
		memcpy(t + 8 - n, src->raw + src->raw_pos - n, n);
		if (le32(t) != st->crc)
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
			    (unsigned long long)sl_source_offset(src),
			    src->z.msg ? src->z.msg : "inflate failed");
		return -1;
	}
	return 1;
}

#endif

/* ---- bzip2 and xz --------------------------------------------------------- */

/* Their allocators, charged to the budget ("bzip2.state", "xz.state"). */
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

static void codec_free(void *opaque, void *p)
{
	(void)opaque;
	sl_mem_free(p);
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
	} else {
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
				"bzip2.buffer" : "xz.buffer");
	return src->out ? codec_init(src) : -1;
}

static const char *codec_name(const sl_source *src)
{
	return src->codec == CODEC_BZIP2 ? "bzip2" : "xz";
}

/*
 * One call of the decoder on what is buffered: 1 when it went on, 0 at the
 * end of a (bzip2) stream, -1 with the error recorded or kept.
 */
static int codec_step(sl_source *src, size_t *produced)
{
	size_t in = src->raw_len - src->raw_pos, before = *produced;
	uint64_t at;
	char ceil[32];
	int ret;

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
	at = ret == -2 ? src->raw_off : sl_source_offset(src);
	decode_fail(src, *produced, SL_EDATA, "%s %s stream in '%s' at"
		    " compressed byte %llu", ret == -2 ? "truncated" : "corrupt",
		    codec_name(src), src->name, (unsigned long long)at);
	return -1;
}

/* Decompressed bytes of a bzip2 or xz input, a chunk at most. */
static const unsigned char *next_codec(sl_source *src, size_t *size)
{
	size_t produced = 0;
	int r;

	while (produced < src->chunk && !src->member_end) {
		if (src->raw_pos == src->raw_len && !src->eof) {
			if (read_more(src) < 0) {
				decode_read_failed(src, produced);
				break;
			}
			continue;
		}
		r = codec_step(src, &produced);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		if (src->codec == CODEC_XZ)
			break;
		/* a bzip2 stream ended: another may follow (pbzip2, cat) */
		BZ2_bzDecompressEnd(&src->bz);
		src->cinit = 0;
		while (src->raw_len - src->raw_pos < 3 && !src->eof &&
		       read_more(src) > 0)
			;
		if (src->raw_pos == src->raw_len && src->eof) {
			src->member_end = 1;
			break;
		}
		if (src->raw_len - src->raw_pos < 3 ||
		    memcmp(src->raw + src->raw_pos, "BZh", 3) != 0) {
			decode_fail(src, produced, SL_EDATA, "unexpected bytes"
				    " after bzip2 stream in '%s' at compressed"
				    " byte %llu", src->name, (unsigned long long)
				    sl_source_offset(src));
			break;
		}
		if (codec_init(src) < 0)
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
				if (read_more(src) < 0) {
					decode_read_failed(src, produced);
					break;
				}
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
					    sl_source_offset(src));
				break;
			}
			if (gzip_member(src, produced) < 0)
				break;
			src->member_end = 0;
		}
		if (src->raw_pos == src->raw_len && !src->eof) {
			if (read_more(src) < 0) {
				decode_read_failed(src, produced);
				break;
			}
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

static const unsigned char *next_raw(sl_source *src, size_t *size)
{
	*size = 0;
	if (sl_failed(src->ctx))
		return NULL;
	if (src->closed) {
		sl_error(src->ctx, SL_EINVAL, "read from closed source '%s'",
			 src->name);
		return NULL;
	}
	if (src->pending) {
		sl_error(src->ctx, src->pending, "%s", src->pending_msg);
		return NULL;
	}
	if (!src->sniffed && sniff(src) < 0)
		return NULL;
	if (src->codec)
		return next_codec(src, size);
	return src->gzip ? next_gzip(src, size) : next_plain(src, size);
}

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
			if (!src->bom_len || sl_failed(src->ctx))
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
