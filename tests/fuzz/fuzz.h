/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each harness is one file, fuzz_<what>.c, that defines
 * LLVMFuzzerTestOneInput().  The first bytes of an input are options
 * (chunk size, memory ceiling, fault injection, reader options: see
 * fz_ctx() and the top of each harness); the rest is the data.  Data
 * reaches the library through a memfd, so nothing is written to disk.
 *
 * After each input a harness frees every arena and aborts unless the
 * budget is back at zero bytes, its peak stayed under the ceiling and no
 * descriptor is left open: a leak is a finding like a crash.  Oracles
 * compare what the library hands out with a plain reference: zlib over
 * the whole input, a line splitter, a decoder of the spill format, or
 * the same reader with one big chunk and no ceiling.
 *
 * The harnesses also build without libFuzzer: tests/test_fuzz_regress.c
 * includes them all into one program and replays testdata/fuzz/ under
 * make check.  So the helpers here are static inline, and the statics of
 * each harness carry a prefix of their own.
 */
#ifndef SLUICE_FUZZ_H
#define SLUICE_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "sluice_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Most bytes a harness gathers from one input; past it, it stops
 * comparing (a 4 KiB input inflates to about 4 MiB at most). */
#define FZ_MAX_OUT ((size_t)64 << 20)

static inline void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
	abort();
}

#define FZ_CHECK(c) ((c) ? (void)0 : fz_fail(__FILE__, __LINE__, #c))

/* The input, consumed from the front. */
typedef struct fz_in {
	const uint8_t *p;
	size_t n;
} fz_in;

/* The next option byte, 0 once the input is used up. */
static inline unsigned fz_byte(fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* A chunk size from 3 bits: tiny chunks cut every token and every gzip
 * header, the big ones take a whole input at once. */
static inline size_t fz_chunk(unsigned bits)
{
	switch (bits & 7) {
	case 0: return 1;
	case 1: return 2;
	case 2: return 3;
	case 3: return 7;
	case 4: return 64;
	case 5: return 1000;
	case 6: return 4096;
	default: return 65536;
	}
}

/* A memory ceiling from 2 bits: small, so that the budget runs out. */
static inline size_t fz_ceiling(unsigned bits)
{
	switch (bits & 3) {
	case 0: return (size_t)1 << 20;
	case 1: return (size_t)2 << 20;
	case 2: return (size_t)4 << 20;
	default: return (size_t)64 << 10;
	}
}

/*
 * A context from an option byte: bits 0-2 the chunk size, bits 3-4 the
 * ceiling, bit 5 makes charge number fail + 1 fail as if the ceiling
 * were reached.  Bits 6 and 7 are the harness's.
 */
static inline sl_ctx *fz_ctx(unsigned opt, unsigned fail)
{
	sl_options o = { .max_memory = fz_ceiling(opt >> 3),
			 .chunk_size = fz_chunk(opt) };
	sl_ctx *ctx = sl_ctx_new(&o);

	FZ_CHECK(ctx != NULL);
	if (opt & 0x20)
		sl_mem_fail_at(ctx, fail + 1);
	return ctx;
}

/*
 * Free everything and check that the budget got every byte back, and
 * that the peak stayed under the ceiling, unless the run failed for want
 * of memory: jansson's parser is let past it rather than refused (see
 * sl_hook_enter_lenient() in mem.c), and the run then fails.
 */
static inline void fz_ctx_done(sl_ctx *ctx)
{
	sl_arenas_free_all(ctx);
	FZ_CHECK(sl_mem_in_use(ctx) == 0);
	FZ_CHECK(sl_mem_peak(ctx) <= sl_mem_ceiling(ctx) ||
		 sl_errcode(ctx) == SL_ENOMEM);
	sl_ctx_free(ctx);
}

/* The lowest free descriptor: the same after an input as before it,
 * or the library left one open. */
static inline int fz_lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	FZ_CHECK(fd >= 0);
	close(fd);
	return fd;
}

static inline void fz_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		FZ_CHECK(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

/* A memfd holding p[0..n), at offset 0. */
static inline int fz_memfd(const void *p, size_t n)
{
	int fd = memfd_create("sluice-fuzz", MFD_CLOEXEC);

	FZ_CHECK(fd >= 0);
	fz_write_all(fd, p, n);
	FZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* The path that opens fd afresh, at offset 0: "/proc/self/fd/N". */
static inline void fz_fd_path(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* A growing byte buffer (plain malloc: the harness's, not the budget's). */
typedef struct fz_buf {
	unsigned char *p;
	size_t len, cap;
} fz_buf;

/* Append n bytes; the buffer exists after the first call, even for 0. */
static inline void fz_put(fz_buf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len || !b->p) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->len < n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		FZ_CHECK(b->p != NULL);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void fz_buf_free(fz_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Everything in fd from its first byte. */
static inline void fz_slurp(int fd, fz_buf *out)
{
	unsigned char tmp[4096];
	ssize_t r;
	off_t at = 0;

	while ((r = pread(fd, tmp, sizeof(tmp), at)) > 0) {
		fz_put(out, tmp, (size_t)r);
		at += r;
	}
	FZ_CHECK(r == 0);
}

/* FNV-1a, to compare sequences of records without keeping them. */
static inline uint64_t fz_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	if (!h)
		h = 14695981039346656037ull;
	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static inline uint64_t fz_hash_u64(uint64_t h, uint64_t v)
{
	return fz_hash(h, &v, sizeof(v));
}

/* A growing list of hashes, one per record. */
typedef struct fz_list {
	uint64_t *v;
	size_t n, cap;
} fz_list;

static inline void fz_list_add(fz_list *l, uint64_t h)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		FZ_CHECK(l->v != NULL);
	}
	l->v[l->n++] = h;
}

static inline void fz_list_free(fz_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static inline int fz_is_gzip(const unsigned char *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/*
 * What a source should make of gzip bytes: the members inflated one after
 * another, each further member starting right after the previous one
 * (any other byte after a member is damage).  Returns 1 when all of it is
 * good, 0 when it is damaged or cut short (out then holds what came
 * before), -1 when the output would pass max.
 */
static inline int fz_gunzip(const unsigned char *p, size_t n, fz_buf *out,
			    size_t max)
{
	unsigned char tmp[16384];
	z_stream z;
	int ret, rc = 0;

	memset(&z, 0, sizeof(z));
	FZ_CHECK(inflateInit2(&z, 15 + 16) == Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	for (;;) {
		z.next_out = tmp;
		z.avail_out = sizeof(tmp);
		ret = inflate(&z, Z_NO_FLUSH);
		fz_put(out, tmp, sizeof(tmp) - z.avail_out);
		if (out->len > max) {
			rc = -1;
			break;
		}
		if (ret == Z_STREAM_END) {
			if (z.avail_in == 0) {
				rc = 1;
				break;
			}
			if (!fz_is_gzip(z.next_in, z.avail_in))
				break;
			FZ_CHECK(inflateReset(&z) == Z_OK);
			continue;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_BUF_ERROR && z.avail_out == 0)
			continue;
		break;             /* cut short, or corrupt */
	}
	inflateEnd(&z);
	return rc;
}

/* Does p[0..n) start with bzip2's whole signature (with its first
 * block's or its end's magic)? */
static inline int fz_is_bzip2(const unsigned char *p, size_t n)
{
	static const unsigned char
		bz_block[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 },
		bz_end[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

	return n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' &&
		p[3] <= '9' && (memcmp(p + 4, bz_block, 6) == 0 ||
				memcmp(p + 4, bz_end, 6) == 0);
}

static inline int fz_is_xz(const unsigned char *p, size_t n)
{
	return n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0;
}

/*
 * What a source makes of bzip2 bytes: each stream decompressed in one
 * call on all that is left, the next starting right after it ("BZh"; any
 * other byte is damage).  Returns as fz_gunzip().
 */
static inline int fz_bunzip2(const unsigned char *p, size_t n, fz_buf *out,
			     size_t max)
{
	char tmp[16384];
	bz_stream bz;
	int ret, rc = 0;

	for (;;) {
		memset(&bz, 0, sizeof(bz));
		FZ_CHECK(BZ2_bzDecompressInit(&bz, 0, 0) == BZ_OK);
		bz.next_in = (char *)p;
		bz.avail_in = (unsigned)n;
		do {
			bz.next_out = tmp;
			bz.avail_out = sizeof(tmp);
			ret = BZ2_bzDecompress(&bz);
			fz_put(out, tmp, sizeof(tmp) - bz.avail_out);
		} while (ret == BZ_OK && out->len <= max &&
			 (bz.avail_out == 0 || bz.avail_in > 0));
		p += n - bz.avail_in;
		n = bz.avail_in;
		BZ2_bzDecompressEnd(&bz);
		if (out->len > max)
			return -1;
		if (ret != BZ_STREAM_END)
			return rc;         /* cut short, or corrupt */
		if (n == 0)
			return 1;
		if (n < 3 || memcmp(p, "BZh", 3) != 0)
			return rc;
	}
}

/* The same for xz: liblzma reads the streams one after another. */
static inline int fz_unxz(const unsigned char *p, size_t n, fz_buf *out,
			  size_t max)
{
	unsigned char tmp[16384];
	lzma_stream xz = LZMA_STREAM_INIT;
	lzma_ret ret;

	FZ_CHECK(lzma_stream_decoder(&xz, UINT64_MAX, LZMA_CONCATENATED) ==
		 LZMA_OK);
	xz.next_in = p;
	xz.avail_in = n;
	do {
		xz.next_out = tmp;
		xz.avail_out = sizeof(tmp);
		ret = lzma_code(&xz, LZMA_FINISH);
		fz_put(out, tmp, sizeof(tmp) - xz.avail_out);
	} while (ret == LZMA_OK && out->len <= max);
	lzma_end(&xz);
	if (out->len > max)
		return -1;
	return ret == LZMA_STREAM_END;
}

/* Does p[0..n) start with a zstd frame or a skippable frame? */
static inline int fz_is_zstd(const unsigned char *p, size_t n)
{
	static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	return n >= 4 && (memcmp(p, zstd, 4) == 0 ||
			  ((p[0] & 0xf0) == 0x50 && p[1] == 0x2a &&
			   p[2] == 0x4d && p[3] == 0x18));
}

/*
 * What a source makes of zstd bytes: the frames one after another,
 * skippable ones skipped, any other bytes after a frame damage.  The
 * decoder keeps nothing of a call that fails, so it is given a byte a
 * call, and none while its output buffer came back full: then every byte
 * of every block before the damage comes out, which is what a source
 * promises.  Windows past 128 MiB are not compared (-1); else returns
 * as fz_gunzip().
 */
static inline int fz_unzstd(const unsigned char *p, size_t n, fz_buf *out,
			    size_t max)
{
	unsigned char tmp[16384];
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = { p, 0, 0 };
	size_t ret = 1;
	int full = 0;

	FZ_CHECK(d != NULL);
	FZ_CHECK(!ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax,
						      27)));
	while (out->len <= max) {
		ZSTD_outBuffer ob = { tmp, sizeof(tmp), 0 };

		in.size = full || in.pos == n ? in.pos : in.pos + 1;
		ret = ZSTD_decompressStream(d, &ob, &in);
		if (ZSTD_isError(ret))
			break;
		fz_put(out, tmp, ob.pos);
		full = ob.pos == ob.size;
		if (!full && in.pos == n)
			break;
	}
	ZSTD_freeDCtx(d);
	if (out->len > max || (ZSTD_isError(ret) && ZSTD_getErrorCode(ret) ==
			       ZSTD_error_frameParameter_windowTooLarge))
		return -1;
	return ret == 0;        /* else corrupt, or cut inside a frame */
}

/*
 * Does p[0..n) start with the whole signature of a compressed format a
 * source refuses (lib/source.c): an lz4 frame (version 01) or legacy
 * stream, zip?
 */
static inline int fz_is_foreign(const unsigned char *p, size_t n)
{
	static const unsigned char
		lz4[4] = { 0x04, 0x22, 0x4d, 0x18 },
		lz4_legacy[4] = { 0x02, 0x21, 0x4c, 0x18 },
		zip[4] = { 'P', 'K', 3, 4 };

	if (n >= 5 && memcmp(p, lz4, 4) == 0 && (p[4] >> 6) == 1)
		return 1;
	return n >= 4 && (memcmp(p, lz4_legacy, 4) == 0 ||
			  memcmp(p, zip, 4) == 0);
}

/* The bytes a source reads from a file: decompressed when it starts with
 * the gzip, bzip2, xz or zstd magic, none (damage) when with a format it
 * refuses.  Returns as fz_gunzip(). */
static inline int fz_stream(const unsigned char *p, size_t n, fz_buf *out)
{
	if (fz_is_foreign(p, n))
		return 0;
	if (fz_is_gzip(p, n))
		return fz_gunzip(p, n, out, FZ_MAX_OUT);
	if (fz_is_bzip2(p, n))
		return fz_bunzip2(p, n, out, FZ_MAX_OUT);
	if (fz_is_xz(p, n))
		return fz_unxz(p, n, out, FZ_MAX_OUT);
	if (fz_is_zstd(p, n))
		return fz_unzstd(p, n, out, FZ_MAX_OUT);
	fz_put(out, p, n);
	return 1;
}

/* p[0..n) as gzip at level 1..9: one member, or two when 0 < cut < n. */
static inline void fz_gzip(const unsigned char *p, size_t n, size_t cut,
			   int level, fz_buf *out)
{
	unsigned char tmp[16384];
	size_t from = 0, to;
	z_stream z;
	int ret;

	do {
		to = cut > from && cut < n ? cut : n;
		memset(&z, 0, sizeof(z));
		FZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY) == Z_OK);
		z.next_in = (unsigned char *)p + from;
		z.avail_in = (uInt)(to - from);
		do {
			z.next_out = tmp;
			z.avail_out = sizeof(tmp);
			ret = deflate(&z, Z_FINISH);
			FZ_CHECK(ret != Z_STREAM_ERROR);
			fz_put(out, tmp, sizeof(tmp) - z.avail_out);
		} while (ret != Z_STREAM_END);
		deflateEnd(&z);
		from = to;
	} while (from < n);
}

#endif /* SLUICE_FUZZ_H */
