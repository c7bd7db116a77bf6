/*
 * fuzz_source.c - the chunked source over any bytes: plain, gzip, bzip2,
 * xz or zstd, several members, streams or frames, cut short, corrupt, or
 * with bytes after the last one.
 *
 * Input: byte 0 is fz_ctx()'s, plus bit 6 to drop a byte-order mark and
 * bit 7 to close the source after its first chunk; byte 1 the charge to
 * fail; byte 2 (bits 0-2) hands every n-th chunk out again through
 * sl_source_unget() (0: never).  The rest is the file.
 *
 * Oracle: the bytes handed out are a prefix of what zlib (libbz2,
 * liblzma, libzstd) makes of the whole file (the file itself when it is
 * not compressed, nothing when it is in a compressed format that sources
 * refuse), less a leading mark when
 * asked; all of it when the source ends without error; all that comes
 * before the damage when it reports SL_EDATA.  Chunks are never
 * empty nor longer than the chunk size, and an ungot chunk comes back
 * the same.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in), fail = fz_byte(&in);
	unsigned every = fz_byte(&in) & 7;
	int lowfd = fz_lowest_fd(), bom = (opt & 0x40) != 0;
	int close_early = (opt & 0x80) && !every && !bom;
	size_t chunk = fz_chunk(opt), n, m, i, skip = 0;
	fz_buf got = { 0 }, want = { 0 };
	const unsigned char *p, *q;
	sl_ctx *ctx = fz_ctx(opt, fail);
	sl_arena *a = sl_arena_new(ctx, "fuzz");
	sl_source *src = NULL;
	int fd = fz_memfd(in.p, in.n), gz = fz_is_gzip(in.p, in.n), whole;
	sl_status code;

	if (a)
		src = sl_source_open_fd(a, fd, "fuzz input");
	else
		close(fd);
	if (src && bom)
		sl_source_strip_bom(src);
	for (i = 1; src && (p = sl_source_next(src, &n)) != NULL; i++) {
		FZ_CHECK(n > 0 && n <= (chunk > 3 ? chunk : 3));
		fz_put(&got, p, n);
		FZ_CHECK(sl_source_offset(src) <= in.n);
		if (every && i % every == 0) {
			sl_source_unget(src);
			q = sl_source_next(src, &m);
			FZ_CHECK(q == p && m == n);
		}
		if (close_early) {
			sl_source_close(src);
			FZ_CHECK(sl_source_next(src, &m) == NULL);
			FZ_CHECK(sl_errcode(ctx) == SL_EINVAL);
			break;
		}
		if (got.len > FZ_MAX_OUT)
			break;
	}
	code = sl_errcode(ctx);
	FZ_CHECK(src || code == SL_ENOMEM);

	whole = fz_stream(in.p, in.n, &want);
	if (bom && want.len >= 3 && memcmp(want.p, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	if (whole >= 0 && !close_early && got.len <= FZ_MAX_OUT) {
		const unsigned char *exp = want.p + skip;
		size_t explen = want.len - skip;

		FZ_CHECK(got.len <= explen);
		FZ_CHECK(got.len == 0 || memcmp(got.p, exp, got.len) == 0);
		if (code == SL_OK) {
			FZ_CHECK(whole == 1 && got.len == explen);
			FZ_CHECK(sl_source_offset(src) == in.n);
			FZ_CHECK(sl_source_is_gzip(src) == gz);
		} else if (code != SL_ENOMEM) {
			/* only damaged gzip and refused formats fail; a
			 * partial mark before the damage may be held back */
			FZ_CHECK(code == SL_EDATA && whole == 0 &&
				 (gz || fz_is_foreign(in.p, in.n) ||
				  fz_is_bzip2(in.p, in.n) ||
				  fz_is_xz(in.p, in.n) ||
				  fz_is_zstd(in.p, in.n)));
			FZ_CHECK(got.len == explen || (bom && explen < 3));
		}
	}
	fz_buf_free(&got);
	fz_buf_free(&want);
	fz_ctx_done(ctx);
	FZ_CHECK(fz_lowest_fd() == lowfd);
	return 0;
}
