/*
 * test_source.c - sources: chunked reads of plain files and of standard
 * input, gzip recognised by its magic bytes and inflated on the fly,
 * concatenated members, truncated, corrupt and trailing-garbage streams
 * (every cut offset and every flipped byte), errors for missing and
 * unreadable files, the memory ceiling, allocation faults at every charge,
 * closing, first-error-wins and the budget tags zlib is charged to.
 *
 * Fixtures (testdata/src-*):
 *   src-text.txt        plain text, CRLF lines, no final newline
 *   src-text.gz         gzip -9n of src-text.txt
 *   src-gzip-named.txt  the same gzip bytes under a .txt name
 *   src-binary.bin      "8b 1f" (the magic reversed), then all byte values
 *   src-empty.txt       zero bytes
 *   src-one-byte.bin    the single byte 1f, half a gzip magic
 *   src-empty.gz        gzip -9n of nothing
 *   src-multi.gz        four members: empty, 1500 bytes, empty, 34 bytes
 *   src-multi.txt       what src-multi.gz inflates to
 *   src-trailing.gz     gzip -9n of "hello\n", then "junk\n"
 *
 * Damaged streams are made at run time from src-text.gz in a tu_tmpdir()
 * folder.  Every context is freed with tu_ctx_free(), which checks that
 * every charged byte came back.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <zstd.h>
#include <zlib.h>

#define FIX(name) "../testdata/" name

/* gzip(1) headers here carry no name: 10 bytes; every member ends with
 * CRC-32 and ISIZE, 4 bytes each. */
#define GZ_HEADER  10
#define GZ_TRAILER 8

static const size_t chunk_sizes[] = { 1, 2, 3, 7, 64, 65536 };

#define NCHUNKS (sizeof(chunk_sizes) / sizeof(chunk_sizes[0]))

/* zlib asks for its window once inflate has output to keep, so a refusal
 * comes after bytes; igzip's whole state is charged at the gzip magic */
#ifdef SL_HAVE_ISAL
#define LATE_INFLATE_CHARGE 0
#else
#define LATE_INFLATE_CHARGE 1
#endif

/* What one run of a source gave: at most cap bytes kept, all counted. */
typedef struct run {
	unsigned char *buf;
	size_t cap;
	size_t len;     /* bytes handed out, kept or not */
} run;

static void run_init(run *r, size_t cap)
{
	r->buf = malloc(cap ? cap : 1);
	assert_non_null(r->buf);
	r->cap = cap;
	r->len = 0;
}

/*
 * Read src to its end (NULL), checking that no chunk is empty or larger
 * than chunk and that the offset never goes back.
 */
static void run_drain(run *r, sl_source *src, size_t chunk)
{
	const unsigned char *p;
	uint64_t off = sl_source_offset(src);
	size_t n;

	while ((p = sl_source_next(src, &n)) != NULL) {
		assert_true(n > 0);
		assert_true(n <= chunk);
		assert_true(sl_source_offset(src) >= off);
		off = sl_source_offset(src);
		if (r->len < r->cap)
			memcpy(r->buf + r->len, p,
			       n < r->cap - r->len ? n : r->cap - r->len);
		r->len += n;
	}
	assert_int_equal(n, 0);
}

static void run_free(run *r)
{
	free(r->buf);
}

static unsigned char *fixture(const char *path, size_t *n)
{
	return tu_read_file(path, n);
}

/* The N of "compressed byte N" in msg. */
static uint64_t msg_offset(const char *msg)
{
	const char *p = strstr(msg, "compressed byte ");
	char *end;
	unsigned long long v;

	assert_non_null(p);
	p += strlen("compressed byte ");
	errno = 0;
	v = strtoull(p, &end, 10);
	assert_int_equal(errno, 0);
	assert_true(end > p);
	return v;
}

/*
 * Open path with the given chunk size, read it all and check it against
 * want: same bytes, gzip or not, final offset at the file's size.
 */
static void check_read(const char *path, size_t chunk,
		       const unsigned char *want, size_t wantlen, int gzip)
{
	sl_ctx *ctx = tu_ctx(0, chunk);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	struct stat st;
	sl_source *src;
	size_t n;
	run r;

	assert_int_equal(stat(path, &st), 0);
	assert_non_null(a);
	src = sl_source_open(a, path);
	assert_non_null(src);
	assert_string_equal(sl_source_name(src), path);
	assert_int_equal(sl_source_offset(src), 0);
	run_init(&r, wantlen);
	run_drain(&r, src, chunk);
	assert_false(sl_failed(ctx));
	assert_int_equal(sl_errcode(ctx), SL_OK);
	assert_int_equal(r.len, wantlen);
	assert_memory_equal(r.buf, want, wantlen);
	assert_int_equal(sl_source_is_gzip(src), gzip);
	assert_int_equal(sl_source_offset(src), (uint64_t)st.st_size);
	/* the end is sticky */
	assert_null(sl_source_next(src, &n));
	assert_false(sl_failed(ctx));
	run_free(&r);
	tu_ctx_free(ctx);
}

/*
 * Read a damaged file that must fail with code and a message holding
 * what, the file's name and, for SL_EDATA, a compressed byte offset
 * within the file.  The bytes handed out go to r (r->cap at least the
 * original's size); returns the offset from the message (0 for other
 * codes).  read_damaged() is the gzip case with SL_EDATA.
 */
static uint64_t read_damaged_as(const char *path, size_t chunk,
				const char *what, run *r, int gzip,
				sl_status code)
{
	sl_ctx *ctx = tu_ctx(0, chunk);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	struct stat st;
	sl_source *src;
	uint64_t off;

	assert_int_equal(stat(path, &st), 0);
	assert_non_null(a);
	src = sl_source_open(a, path);
	assert_non_null(src);
	r->len = 0;
	run_drain(r, src, chunk);
	assert_int_equal(sl_errcode(ctx), code);
	assert_int_equal(sl_source_is_gzip(src), gzip);
	if (what)
		assert_non_null(strstr(sl_errmsg(ctx), what));
	assert_non_null(strstr(sl_errmsg(ctx), path));
	off = code == SL_EDATA ? msg_offset(sl_errmsg(ctx)) : 0;
	assert_true(off <= (uint64_t)st.st_size);
	tu_ctx_free(ctx);
	return off;
}

static uint64_t read_damaged(const char *path, size_t chunk, const char *what,
			     run *r)
{
	return read_damaged_as(path, chunk, what, r, 1, SL_EDATA);
}

/* ---- plain input ---------------------------------------------------- */

static void test_source_plain_text_every_chunk_size(void **state)
{
	unsigned char *want;
	size_t n, i;

	(void)state;
	want = fixture(FIX("src-text.txt"), &n);
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-text.txt"), chunk_sizes[i], want, n, 0);
	free(want);
}

static void test_source_plain_binary_every_chunk_size(void **state)
{
	unsigned char *want;
	size_t n, i;

	(void)state;
	want = fixture(FIX("src-binary.bin"), &n);
	assert_int_equal(n, 514);
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-binary.bin"), chunk_sizes[i], want, n, 0);
	free(want);
}

static void test_source_plain_offset_counts_bytes_out(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 7);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	uint64_t total = 0;
	size_t n;

	(void)state;
	src = sl_source_open(a, FIX("src-text.txt"));
	assert_non_null(src);
	while (sl_source_next(src, &n) != NULL) {
		total += n;
		assert_int_equal(sl_source_offset(src), total);
	}
	assert_int_equal(total, 3494);
	tu_ctx_free(ctx);
}

static void test_source_empty_file_ends_at_once(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	size_t n = 99;

	(void)state;
	src = sl_source_open(a, FIX("src-empty.txt"));
	assert_non_null(src);
	assert_null(sl_source_next(src, &n));
	assert_int_equal(n, 0);
	assert_false(sl_failed(ctx));
	assert_int_equal(sl_source_is_gzip(src), 0);
	assert_int_equal(sl_source_offset(src), 0);
	assert_null(sl_source_next(src, &n));
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
}

static void test_source_one_byte_file_is_plain(void **state)
{
	static const unsigned char half_magic[] = { 0x1f };
	size_t i;

	(void)state;
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-one-byte.bin"), chunk_sizes[i],
			   half_magic, 1, 0);
}

static void test_source_magic_needs_both_bytes(void **state)
{
	/* 1f then something other than 8b: plain, passed through */
	static const unsigned char data[] = { 0x1f, 0x8c, 0x08, 0x00, 'x' };
	char *dir = tu_tmpdir();
	char path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/almost.gz", dir);
	tu_write_file(path, data, sizeof(data));
	check_read(path, 1, data, sizeof(data), 0);
	check_read(path, 65536, data, sizeof(data), 0);
	tu_rmdir(dir);
}

/* ---- gzip input ----------------------------------------------------- */

static void test_source_gzip_every_chunk_size(void **state)
{
	unsigned char *want;
	size_t n, i;

	(void)state;
	want = fixture(FIX("src-text.txt"), &n);
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-text.gz"), chunk_sizes[i], want, n, 1);
	free(want);
}

static void test_source_gzip_found_by_magic_not_name(void **state)
{
	unsigned char *want;
	size_t n, i;

	(void)state;
	want = fixture(FIX("src-text.txt"), &n);
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-gzip-named.txt"), chunk_sizes[i],
			   want, n, 1);
	free(want);
}

static void test_source_gzip_chunks_full_but_last(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 64);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	size_t n, total = 0, last = 0;

	(void)state;
	src = sl_source_open(a, FIX("src-text.gz"));
	assert_non_null(src);
	while (sl_source_next(src, &n) != NULL) {
		/* only the chunk before this one may have been short */
		assert_int_equal(last, total == 0 ? 0 : 64);
		last = n;
		total += n;
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(total, 3494);
	assert_int_equal(last, 3494 % 64);
	tu_ctx_free(ctx);
}

static void test_source_gzip_empty_member_ends_cleanly(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-empty.gz"), chunk_sizes[i], NULL, 0, 1);
}

static void test_source_gzip_members_concatenate(void **state)
{
	unsigned char *want;
	size_t n, i;

	(void)state;
	want = fixture(FIX("src-multi.txt"), &n);
	assert_int_equal(n, 1534);
	for (i = 0; i < NCHUNKS; i++)
		check_read(FIX("src-multi.gz"), chunk_sizes[i], want, n, 1);
	free(want);
}

static void test_source_gzip_member_twice_reads_twice(void **state)
{
	unsigned char *gz, *txt, *two, *want;
	size_t gzlen, n, i;
	char *dir = tu_tmpdir();
	char path[4200];

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	two = malloc(2 * gzlen);
	want = malloc(2 * n);
	assert_non_null(two);
	assert_non_null(want);
	memcpy(two, gz, gzlen);
	memcpy(two + gzlen, gz, gzlen);
	memcpy(want, txt, n);
	memcpy(want + n, txt, n);
	snprintf(path, sizeof(path), "%s/twice.gz", dir);
	tu_write_file(path, two, 2 * gzlen);
	for (i = 0; i < NCHUNKS; i++)
		check_read(path, chunk_sizes[i], want, 2 * n, 1);
	free(gz);
	free(txt);
	free(two);
	free(want);
	tu_rmdir(dir);
}

/* ---- damaged gzip --------------------------------------------------- */

static void test_source_gzip_truncated_at_every_offset(void **state)
{
	unsigned char *gz, *txt;
	size_t gzlen, n, cut, i;
	char *dir = tu_tmpdir();
	char path[4200];
	int header = 0, data = 0, trailer = 0;
	size_t first_len = 0;
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	run_init(&r, n);
	snprintf(path, sizeof(path), "%s/cut.gz", dir);
	/* below 2 bytes there is no magic: see the plain tests */
	for (cut = 2; cut < gzlen; cut++) {
		tu_write_file(path, gz, cut);
		header += cut < GZ_HEADER;
		trailer += cut >= gzlen - GZ_TRAILER;
		data += cut >= GZ_HEADER && cut < gzlen - GZ_TRAILER;
		for (i = 0; i < NCHUNKS; i++) {
			assert_int_equal(read_damaged(path, chunk_sizes[i],
						      "truncated gzip stream",
						      &r), cut);
			/* what came out is a prefix of the text */
			assert_true(r.len <= n);
			assert_memory_equal(r.buf, txt, r.len);
			/* the whole deflate stream was there */
			if (cut >= gzlen - GZ_TRAILER)
				assert_int_equal(r.len, n);
			/* every byte the cut stream holds comes out,
			 * whatever the chunk size */
			if (i == 0)
				first_len = r.len;
			else
				assert_int_equal(r.len, first_len);
		}
	}
	assert_int_equal(header, GZ_HEADER - 2);
	assert_int_equal(trailer, GZ_TRAILER);
	assert_true(data > 100);
	run_free(&r);
	free(gz);
	free(txt);
	tu_rmdir(dir);
}

/* A deferred error keeps its whole message, offset included. */
static void test_source_gzip_deferred_message_whole(void **state)
{
	unsigned char *gz;
	size_t gzlen;
	char *dir = tu_tmpdir();
	char path[4200];
	int len;
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	len = snprintf(path, sizeof(path), "%s/", dir);
	memset(path + len, 'n', 200);
	strcpy(path + len + 200, ".gz");
	tu_write_file(path, gz, 600);
	run_init(&r, 4096);
	assert_int_equal(read_damaged(path, 65536, "truncated gzip stream", &r),
			 600);
	assert_true(r.len > 0);
	run_free(&r);
	free(gz);
	tu_rmdir(dir);
}

static void test_source_gzip_truncated_second_member(void **state)
{
	unsigned char *gz, *txt, *two;
	size_t gzlen, n, cut;
	char *dir = tu_tmpdir();
	char path[4200];
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	two = malloc(2 * gzlen);
	assert_non_null(two);
	memcpy(two, gz, gzlen);
	memcpy(two + gzlen, gz, gzlen);
	run_init(&r, 2 * n);
	snprintf(path, sizeof(path), "%s/cut2.gz", dir);
	for (cut = gzlen + 2; cut < 2 * gzlen; cut += 17) {
		tu_write_file(path, two, cut);
		assert_int_equal(read_damaged(path, 64,
					      "truncated gzip stream", &r),
				 cut);
		/* the first member came out whole */
		assert_true(r.len >= n);
		assert_true(r.len <= 2 * n);
		assert_memory_equal(r.buf, txt, n);
		assert_memory_equal(r.buf + n, txt, r.len - n);
	}
	run_free(&r);
	free(gz);
	free(txt);
	free(two);
	tu_rmdir(dir);
}

static void test_source_gzip_error_after_bytes_deferred(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 65536);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	unsigned char *gz, *txt;
	const unsigned char *p;
	size_t gzlen, n, k;
	char *dir = tu_tmpdir();
	char path[4200];
	sl_source *src;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	snprintf(path, sizeof(path), "%s/trailer-cut.gz", dir);
	tu_write_file(path, gz, gzlen - 3);
	src = sl_source_open(a, path);
	assert_non_null(src);
	/* the whole text fits one chunk and comes out before the error */
	p = sl_source_next(src, &k);
	assert_non_null(p);
	assert_int_equal(k, n);
	assert_memory_equal(p, txt, n);
	assert_false(sl_failed(ctx));
	assert_null(sl_source_next(src, &k));
	assert_int_equal(k, 0);
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "truncated gzip stream"));
	assert_int_equal(msg_offset(sl_errmsg(ctx)), gzlen - 3);
	free(gz);
	free(txt);
	tu_rmdir(dir);
	tu_ctx_free(ctx);
}

static void test_source_gzip_corrupt_trailer(void **state)
{
	static const size_t chunks[] = { 1, 64, 65536 };
	unsigned char *gz, *txt;
	size_t gzlen, n, at, i;
	char *dir = tu_tmpdir();
	char path[4200];
	uint64_t off;
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	run_init(&r, n);
	snprintf(path, sizeof(path), "%s/bad-trailer.gz", dir);
	for (at = gzlen - GZ_TRAILER; at < gzlen; at++) {
		gz[at] ^= 0xff;
		tu_write_file(path, gz, gzlen);
		gz[at] ^= 0xff;
		for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
			off = read_damaged(path, chunks[i],
					   "corrupt gzip stream", &r);
			/* the check fails once the trailer is read */
			assert_true(off > gzlen - GZ_TRAILER);
			assert_true(off <= gzlen);
			/* every data byte was good and came out */
			assert_int_equal(r.len, n);
			assert_memory_equal(r.buf, txt, n);
		}
	}
	run_free(&r);
	free(gz);
	free(txt);
	tu_rmdir(dir);
}

static void test_source_gzip_corrupt_header(void **state)
{
	unsigned char *gz;
	size_t gzlen;
	char *dir = tu_tmpdir();
	char path[4200];
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	run_init(&r, 16);
	snprintf(path, sizeof(path), "%s/bad-method.gz", dir);
	gz[2] = 7;  /* compression method: only 8, deflate, exists */
	tu_write_file(path, gz, gzlen);
	assert_true(read_damaged(path, 64, "corrupt gzip stream", &r) <= 4);
	assert_int_equal(r.len, 0);
	gz[2] = 8;
	gz[3] |= 0xe0;  /* reserved flag bits */
	tu_write_file(path, gz, gzlen);
	assert_true(read_damaged(path, 64, "corrupt gzip stream", &r) <= 4);
	assert_int_equal(r.len, 0);
	run_free(&r);
	free(gz);
	tu_rmdir(dir);
}

/*
 * A bad block type in the second member: the first member's bytes come
 * out whole, then the error names a byte inside the second member.
 */
static void test_source_gzip_corrupt_block_keeps_prefix(void **state)
{
	unsigned char *gz, *txt, *two;
	size_t gzlen, n, i;
	char *dir = tu_tmpdir();
	char path[4200];
	uint64_t off;
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	two = malloc(2 * gzlen);
	assert_non_null(two);
	memcpy(two, gz, gzlen);
	memcpy(two + gzlen, gz, gzlen);
	/* BTYPE (bits 1-2 of the first deflate byte) 11 is reserved */
	two[gzlen + GZ_HEADER] |= 0x06;
	snprintf(path, sizeof(path), "%s/bad-block.gz", dir);
	tu_write_file(path, two, 2 * gzlen);
	run_init(&r, 2 * n);
	for (i = 0; i < NCHUNKS; i++) {
		off = read_damaged(path, chunk_sizes[i],
				   "corrupt gzip stream", &r);
		assert_true(off > gzlen + GZ_HEADER);
		assert_true(off <= gzlen + GZ_HEADER + 1);
		assert_int_equal(r.len, n);
		assert_memory_equal(r.buf, txt, n);
	}
	run_free(&r);
	free(gz);
	free(txt);
	free(two);
	tu_rmdir(dir);
}

/*
 * Every flipped byte of deflate data or trailer is caught.  No prefix
 * check here: a damaged literal is handed out before the CRC finds it.
 */
static void test_source_gzip_every_flipped_byte_detected(void **state)
{
	unsigned char *gz;
	size_t gzlen, at;
	char *dir = tu_tmpdir();
	char path[4200];
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	run_init(&r, 0);
	snprintf(path, sizeof(path), "%s/flip.gz", dir);
	for (at = GZ_HEADER; at < gzlen; at++) {
		gz[at] ^= 0x5a;
		tu_write_file(path, gz, gzlen);
		gz[at] ^= 0x5a;
		/* corrupt, or truncated when the damage asks for more */
		read_damaged(path, 4096, " gzip stream in '", &r);
	}
	run_free(&r);
	free(gz);
	tu_rmdir(dir);
}

/*
 * The trailer's two checks are told apart, in zlib's words, wherever the
 * reads end: a bad CRC-32 at its end, a bad ISIZE at the member's end.
 */
static void test_source_gzip_crc_and_length_told_apart(void **state)
{
	unsigned char *gz, *txt;
	size_t gzlen, n, i, k;
	char *dir = tu_tmpdir();
	char path[4200];
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	run_init(&r, n);
	snprintf(path, sizeof(path), "%s/check.gz", dir);
	for (k = 0; k < GZ_TRAILER; k++) {
		int crc = k < 4;

		gz[gzlen - GZ_TRAILER + k] ^= 0x10;
		tu_write_file(path, gz, gzlen);
		gz[gzlen - GZ_TRAILER + k] ^= 0x10;
		for (i = 0; i < NCHUNKS; i++) {
			assert_int_equal(read_damaged(path, chunk_sizes[i],
				crc ? "incorrect data check" :
				"incorrect length check", &r),
				crc ? gzlen - 4 : gzlen);
			assert_int_equal(r.len, n);
		}
	}
	run_free(&r);
	free(gz);
	free(txt);
	tu_rmdir(dir);
}

/* The message of a damaged file, read at a chunk size. */
static void damaged_message(const char *path, size_t chunk, char *msg,
			    size_t cap)
{
	sl_ctx *ctx = tu_ctx(0, chunk);
	sl_source *src = sl_source_open(sl_arena_new(ctx, "t.source"), path);
	size_t n;

	assert_non_null(src);
	while (sl_source_next(src, &n) != NULL)
		;
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	snprintf(msg, cap, "%s", sl_errmsg(ctx));
	tu_ctx_free(ctx);
}

static void test_source_gzip_trailer_messages(void **state)
{
	unsigned char *gz;
	size_t gzlen, i;
	char *dir = tu_tmpdir();
	char path[4200], msg[SL_ERRMSG_MAX], want[SL_ERRMSG_MAX + 4300];

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	snprintf(path, sizeof(path), "%s/check.gz", dir);
	for (i = 0; i < NCHUNKS; i++) {
		gz[gzlen - 5] ^= 1;           /* the CRC's last byte */
		tu_write_file(path, gz, gzlen);
		gz[gzlen - 5] ^= 1;
		damaged_message(path, chunk_sizes[i], msg, sizeof(msg));
		snprintf(want, sizeof(want), "corrupt gzip stream in '%s' at"
			 " compressed byte %zu: incorrect data check", path,
			 gzlen - 4);
		assert_string_equal(msg, want);
		gz[gzlen - 4] ^= 1;           /* ISIZE's first byte */
		tu_write_file(path, gz, gzlen);
		gz[gzlen - 4] ^= 1;
		damaged_message(path, chunk_sizes[i], msg, sizeof(msg));
		snprintf(want, sizeof(want), "corrupt gzip stream in '%s' at"
			 " compressed byte %zu: incorrect length check", path,
			 gzlen);
		assert_string_equal(msg, want);
	}
	free(gz);
	tu_rmdir(dir);
}

/*
 * A header with every optional field and a header CRC is read at every
 * chunk size, however it is cut between reads; a wrong header CRC is a
 * located error.
 */
static void test_source_gzip_header_crc_in_pieces(void **state)
{
	static const unsigned char head[] = {
		0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3,   /* FEXTRA..FHCRC */
		4, 0, 'a', 'b', 'c', 'd',               /* XLEN 4, extra */
		'n', 'a', 'm', 'e', 0, 'n', 'o', 't', 'e', 0
	};
	unsigned char *gz, *txt, *f;
	size_t gzlen, n, fn, i;
	char *dir = tu_tmpdir();
	char path[4200], msg[SL_ERRMSG_MAX];
	uLong crc = crc32(0, head, sizeof(head));

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	fn = sizeof(head) + 2 + gzlen - GZ_HEADER;
	f = malloc(fn);
	assert_non_null(f);
	memcpy(f, head, sizeof(head));
	f[sizeof(head)] = (unsigned char)(crc & 0xff);
	f[sizeof(head) + 1] = (unsigned char)(crc >> 8 & 0xff);
	memcpy(f + sizeof(head) + 2, gz + GZ_HEADER, gzlen - GZ_HEADER);
	snprintf(path, sizeof(path), "%s/named.gz", dir);
	tu_write_file(path, f, fn);
	for (i = 0; i < NCHUNKS; i++)
		check_read(path, chunk_sizes[i], txt, n, 1);
	f[sizeof(head)] ^= 1;
	tu_write_file(path, f, fn);
	for (i = 0; i < NCHUNKS; i++) {
		damaged_message(path, chunk_sizes[i], msg, sizeof(msg));
		assert_non_null(strstr(msg, "corrupt gzip stream in '"));
		assert_non_null(strstr(msg, "header crc mismatch"));
		assert_true(msg_offset(msg) <= sizeof(head) + 2);
	}
	free(f);
	free(gz);
	free(txt);
	tu_rmdir(dir);
}

static void test_source_gzip_trailing_garbage(void **state)
{
	static const unsigned char hello[] = "hello\n";
	const char *what = "unexpected bytes after gzip member";
	size_t i;
	run r;

	(void)state;
	run_init(&r, 64);
	for (i = 0; i < NCHUNKS; i++) {
		/* 26 bytes of member, then "junk\n" */
		assert_int_equal(read_damaged(FIX("src-trailing.gz"),
					      chunk_sizes[i], what, &r), 26);
		assert_int_equal(r.len, 6);
		assert_memory_equal(r.buf, hello, 6);
	}
	run_free(&r);
}

static void test_source_gzip_single_trailing_byte(void **state)
{
	unsigned char *gz, *txt;
	size_t gzlen, n;
	char *dir = tu_tmpdir();
	char path[4200];
	run r;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	txt = fixture(FIX("src-text.txt"), &n);
	gz = realloc(gz, gzlen + 1);
	assert_non_null(gz);
	gz[gzlen] = 0;
	snprintf(path, sizeof(path), "%s/zero-pad.gz", dir);
	tu_write_file(path, gz, gzlen + 1);
	run_init(&r, n);
	assert_int_equal(read_damaged(path, 1,
				      "unexpected bytes after gzip member",
				      &r), gzlen);
	assert_int_equal(r.len, n);
	assert_memory_equal(r.buf, txt, n);
	assert_int_equal(read_damaged(path, 65536,
				      "unexpected bytes after gzip member",
				      &r), gzlen);
	assert_int_equal(r.len, n);
	run_free(&r);
	free(gz);
	free(txt);
	tu_rmdir(dir);
}

/* ---- opening and reading errors ------------------------------------- */

static void test_source_missing_file_is_eio(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t.source");

	(void)state;
	assert_null(sl_source_open(a, FIX("src-no-such-file.txt")));
	assert_int_equal(sl_errcode(ctx), SL_EIO);
	assert_non_null(strstr(sl_errmsg(ctx),
			       "'" FIX("src-no-such-file.txt") "'"));
	assert_non_null(strstr(sl_errmsg(ctx), strerror(ENOENT)));
	tu_ctx_free(ctx);
}

static void test_source_unreadable_is_eio(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	char *dir = tu_tmpdir();
	sl_source *src;
	size_t n;

	(void)state;
	/* a folder opens read-only but read(2) fails with EISDIR */
	src = sl_source_open(a, dir);
	assert_non_null(src);
	assert_null(sl_source_next(src, &n));
	assert_int_equal(sl_errcode(ctx), SL_EIO);
	assert_non_null(strstr(sl_errmsg(ctx), dir));
	assert_non_null(strstr(sl_errmsg(ctx), strerror(EISDIR)));
	tu_rmdir(dir);
	tu_ctx_free(ctx);
}

/* ---- standard input ------------------------------------------------- */

/* Put path on fd 0; returns the saved descriptor for stdin_restore(). */
static int stdin_from(const char *path)
{
	int saved = dup(STDIN_FILENO);
	int fd = open(path, O_RDONLY);

	assert_true(saved >= 0);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	return saved;
}

static void stdin_restore(int saved)
{
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

static void read_stdin(const char *path, const char *arg, const char *fix,
		       int gzip)
{
	sl_ctx *ctx = tu_ctx(0, 100);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	unsigned char *want;
	sl_source *src;
	size_t n;
	int saved;
	run r;

	want = fixture(fix, &n);
	saved = stdin_from(path);
	src = sl_source_open(a, arg);
	assert_non_null(src);
	assert_string_equal(sl_source_name(src), "<stdin>");
	run_init(&r, n);
	run_drain(&r, src, 100);
	assert_false(sl_failed(ctx));
	assert_int_equal(r.len, n);
	assert_memory_equal(r.buf, want, n);
	assert_int_equal(sl_source_is_gzip(src), gzip);
	/* standard input is not the source's to close */
	sl_source_close(src);
	assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);
	stdin_restore(saved);
	run_free(&r);
	free(want);
	tu_ctx_free(ctx);
}

static void test_source_dash_reads_stdin(void **state)
{
	(void)state;
	read_stdin(FIX("src-text.txt"), "-", FIX("src-text.txt"), 0);
}

static void test_source_null_path_reads_stdin_gzip(void **state)
{
	(void)state;
	read_stdin(FIX("src-multi.gz"), NULL, FIX("src-multi.txt"), 1);
}

/* ---- memory --------------------------------------------------------- */

static void test_source_ceiling_too_small(void **state)
{
	sl_ctx *ctx = tu_ctx(1024, 65536);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	size_t n;

	(void)state;
	assert_non_null(a);
	src = sl_source_open(a, FIX("src-text.txt"));
	if (src)
		assert_null(sl_source_next(src, &n));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
	tu_ctx_free(ctx);
}

static void test_source_ceiling_refuses_read_buffer(void **state)
{
	/* room for the arena's block, not for a 64 KiB read buffer */
	sl_ctx *ctx = tu_ctx(48 << 10, 64 << 10);
	sl_arena *a = sl_arena_new(ctx, "t.source");

	(void)state;
	assert_null(sl_source_open(a, FIX("src-text.txt")));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
	assert_non_null(strstr(sl_errmsg(ctx), "'source.buffer'"));
	tu_ctx_free(ctx);
}

static void test_source_ceiling_refuses_inflate_buffer(void **state)
{
	/* the read buffer fits, the inflate output buffer does not */
	sl_ctx *ctx = tu_ctx(56 << 10, 20 << 10);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	size_t n;

	(void)state;
	src = sl_source_open(a, FIX("src-text.gz"));
	assert_non_null(src);
	assert_null(sl_source_next(src, &n));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
	assert_non_null(strstr(sl_errmsg(ctx), "'gzip.buffer'"));
	tu_ctx_free(ctx);
}

static void test_source_ceiling_refuses_inflate_state(void **state)
{
	/* both buffers fit; the inflater's state does not.  zlib asks for
	 * its 32 KiB window once inflate has output to keep: that output
	 * comes out first, then the error; igzip's state is asked for
	 * whole before anything is inflated */
	sl_ctx *ctx = tu_ctx(40 << 10, 1024);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	const unsigned char *p;
	unsigned char *txt;
	sl_source *src;
	size_t n, len;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &len);
	src = sl_source_open(a, FIX("src-text.gz"));
	assert_non_null(src);
	p = sl_source_next(src, &n);
	if (LATE_INFLATE_CHARGE) {
		assert_non_null(p);
		assert_int_equal(n, 1024);
		assert_memory_equal(p, txt, n);
		assert_false(sl_failed(ctx));
		p = sl_source_next(src, &n);
	}
	assert_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
	assert_non_null(strstr(sl_errmsg(ctx), "'gzip.inflate'"));
	/* the error stays */
	assert_null(sl_source_next(src, &n));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	free(txt);
	tu_ctx_free(ctx);
}

/*
 * Make charge n fail for n = 1, 2, ...: what comes out before SL_ENOMEM
 * is always a prefix of the text, and a refusal of zlib's window, which
 * zlib asks for once inflate has written its first output (when that
 * output does not end the stream), hands that output out first; igzip
 * asks for nothing once inflating has begun.
 */
static void test_source_gzip_refused_memory_keeps_bytes(void **state)
{
	unsigned char *want;
	unsigned long fail;
	size_t n;
	int late = 0;

	(void)state;
	want = fixture(FIX("src-text.txt"), &n);
	for (fail = 1; fail < 100; fail++) {
		sl_ctx *ctx = tu_ctx(0, 1024);
		sl_arena *a;
		sl_source *src = NULL;
		run r;

		run_init(&r, n);
		sl_mem_fail_at(ctx, fail);
		a = sl_arena_new(ctx, "t.source");
		if (a)
			src = sl_source_open(a, FIX("src-text.gz"));
		if (src)
			run_drain(&r, src, 1024);
		assert_true(r.len <= n);
		assert_memory_equal(r.buf, want, r.len);
		if (!sl_failed(ctx)) {
			assert_int_equal(r.len, n);
			run_free(&r);
			tu_ctx_free(ctx);
			break;
		}
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		if (r.len > 0) {
			assert_non_null(strstr(sl_errmsg(ctx),
					       "'gzip.inflate'"));
			late++;
		}
		run_free(&r);
		tu_ctx_free(ctx);
	}
	assert_true(fail < 100);
	assert_int_equal(late, LATE_INFLATE_CHARGE);
	free(want);
}

/*
 * Make charge n fail for n = 1, 2, ... until a whole open-and-drain runs
 * through.  Returns the number of failed runs; *zlib_hit tells whether
 * one of them was an allocation of the decoder, whose tag (quoted) the
 * message names.  fault_every_charge() is the gzip case.
 */
static int fault_every_charge_tag(const char *path, const char *fix,
				  size_t chunk, const char *tag, int *zlib_hit)
{
	unsigned char *want;
	unsigned long fail;
	size_t n;
	int failures = 0;

	want = fixture(fix, &n);
	*zlib_hit = 0;
	for (fail = 1; fail < 100; fail++) {
		sl_ctx *ctx = tu_ctx(0, chunk);
		sl_arena *a;
		sl_source *src = NULL;
		run r;

		run_init(&r, n);
		sl_mem_fail_at(ctx, fail);
		a = sl_arena_new(ctx, "t.source");
		if (a)
			src = sl_source_open(a, path);
		if (src)
			run_drain(&r, src, chunk);
		if (!sl_failed(ctx)) {
			assert_non_null(src);
			assert_int_equal(r.len, n);
			assert_memory_equal(r.buf, want, n);
			run_free(&r);
			tu_ctx_free(ctx);
			break;
		}
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
		if (strstr(sl_errmsg(ctx), tag))
			*zlib_hit = 1;
		failures++;
		run_free(&r);
		tu_ctx_free(ctx);
	}
	assert_true(fail < 100);
	free(want);
	return failures;
}

static int fault_every_charge(const char *path, const char *fix,
			      size_t chunk, int *zlib_hit)
{
	return fault_every_charge_tag(path, fix, chunk, "'gzip.inflate'",
				      zlib_hit);
}

static void test_source_gzip_fault_at_every_allocation(void **state)
{
	int zlib_hit;

	(void)state;
	/* arena block, read buffer, inflate buffer, zlib state, window */
	assert_true(fault_every_charge(FIX("src-multi.gz"),
				       FIX("src-multi.txt"), 64,
				       &zlib_hit) >= 3);
	assert_true(zlib_hit);
	assert_true(fault_every_charge(FIX("src-text.gz"),
				       FIX("src-text.txt"), 1,
				       &zlib_hit) >= 3);
	assert_true(zlib_hit);
}

static void test_source_plain_fault_at_every_allocation(void **state)
{
	int zlib_hit;

	(void)state;
	/* arena, arena block, read buffer */
	assert_true(fault_every_charge(FIX("src-text.txt"),
				       FIX("src-text.txt"), 64,
				       &zlib_hit) >= 3);
	assert_false(zlib_hit);
}

static const sl_tag_stat *find_tag(const sl_tag_stat *t, size_t n,
				   const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].tag, name) == 0)
			return &t[i];
	return NULL;
}

static void test_source_gzip_memory_charged_to_tags(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 4096);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_tag_stat tags[SL_MAX_TAGS];
	const sl_tag_stat *t;
	sl_source *src;
	size_t ntags;
	run r;

	(void)state;
	src = sl_source_open(a, FIX("src-text.gz"));
	assert_non_null(src);
	run_init(&r, 0);
	run_drain(&r, src, 4096);
	assert_false(sl_failed(ctx));
	assert_int_equal(r.len, 3494);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	assert_true(ntags <= SL_MAX_TAGS);
	t = find_tag(tags, ntags, "gzip.inflate");
	assert_non_null(t);
	/* zlib's state, still live: the source is not closed */
	assert_true(t->peak > 0);
	assert_true(t->in_use > 0);
	t = find_tag(tags, ntags, "gzip.buffer");
	assert_non_null(t);
	assert_true(t->peak >= 4096);
	t = find_tag(tags, ntags, "source.buffer");
	assert_non_null(t);
	assert_true(t->peak >= 4096);
	run_free(&r);
	tu_ctx_free(ctx);
}

static void test_source_plain_charges_no_zlib(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 4096);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_tag_stat tags[SL_MAX_TAGS];
	sl_source *src;
	size_t ntags;
	run r;

	(void)state;
	src = sl_source_open(a, FIX("src-binary.bin"));
	assert_non_null(src);
	run_init(&r, 0);
	run_drain(&r, src, 4096);
	assert_false(sl_failed(ctx));
	assert_int_equal(r.len, 514);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	assert_null(find_tag(tags, ntags, "gzip.inflate"));
	assert_null(find_tag(tags, ntags, "gzip.buffer"));
	assert_non_null(find_tag(tags, ntags, "source.buffer"));
	run_free(&r);
	tu_ctx_free(ctx);
}

/* ---- closing and the error state ------------------------------------ */

static void test_source_next_after_close_is_einval(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 16);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	size_t n;

	(void)state;
	src = sl_source_open(a, FIX("src-text.gz"));
	assert_non_null(src);
	assert_non_null(sl_source_next(src, &n));
	sl_source_close(src);
	assert_false(sl_failed(ctx));
	assert_null(sl_source_next(src, &n));
	assert_int_equal(n, 0);
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "closed source"));
	assert_non_null(strstr(sl_errmsg(ctx), FIX("src-text.gz")));
	tu_ctx_free(ctx);
}

static void test_source_close_twice_then_arena(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 16);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_source *src;
	size_t n;

	(void)state;
	src = sl_source_open(a, FIX("src-text.gz"));
	assert_non_null(src);
	assert_non_null(sl_source_next(src, &n));
	/* again by hand, then by the arena: nothing freed twice */
	sl_source_close(src);
	sl_source_close(src);
	assert_false(sl_failed(ctx));
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);
}

static void test_source_first_error_wins(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 64);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	unsigned char *gz;
	char first[SL_ERRMSG_MAX];
	char *dir = tu_tmpdir();
	char path[4200];
	sl_source *src;
	size_t gzlen, n;
	int i;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	snprintf(path, sizeof(path), "%s/short.gz", dir);
	tu_write_file(path, gz, gzlen / 2);
	src = sl_source_open(a, path);
	assert_non_null(src);
	while (sl_source_next(src, &n) != NULL)
		;
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	snprintf(first, sizeof(first), "%s", sl_errmsg(ctx));
	for (i = 0; i < 3; i++) {
		assert_null(sl_source_next(src, &n));
		assert_int_equal(n, 0);
	}
	/* a closed source does not overwrite it either */
	sl_source_close(src);
	assert_null(sl_source_next(src, &n));
	/* and the context opens nothing more */
	assert_null(sl_source_open(a, FIX("src-text.txt")));
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_string_equal(sl_errmsg(ctx), first);
	free(gz);
	tu_rmdir(dir);
	tu_ctx_free(ctx);
}

/* ---- zstd ------------------------------------------------------------- */

/* A zstd stream made here, and where each block of its frame ends. */
typedef struct zs {
	unsigned char *p;
	size_t len, cap;
	size_t ends[64];   /* offset after each piece's block */
	size_t nends;
} zs;

static void zs_put(zs *z, const void *p, size_t n)
{
	if (z->len + n > z->cap) {
		z->cap = (z->len + n) * 2;
		z->p = realloc(z->p, z->cap);
		assert_non_null(z->p);
	}
	memcpy(z->p + z->len, p, n);
	z->len += n;
}

/* Compress in[0..n) with the given end directive until it is all taken
 * (and, for a flush or an end, all written out). */
static void zs_compress(zs *z, ZSTD_CCtx *cc, const unsigned char *in,
			size_t n, ZSTD_EndDirective mode)
{
	unsigned char tmp[4096];
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer ob = { tmp, sizeof(tmp), 0 };

		left = ZSTD_compressStream2(cc, &ob, &ib, mode);
		assert_false(ZSTD_isError(left));
		zs_put(z, tmp, ob.pos);
	} while (ib.pos < ib.size || (mode != ZSTD_e_continue && left));
}

/*
 * Append one frame of in[0..n) to z, with a checksum and no content size
 * in its header: a block for every piece bytes (a flush after each; 0
 * for one flush of all), then an empty last block.  window_log 0 leaves
 * zstd's default.  The offset after each piece's block goes to z->ends.
 */
static void zs_frame(zs *z, const unsigned char *in, size_t n, size_t piece,
		     int window_log)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t off, k;

	assert_non_null(cc);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc,
					ZSTD_c_checksumFlag, 1)));
	if (window_log)
		assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc,
					ZSTD_c_windowLog, window_log)));
	for (off = 0; off < n; off += k) {
		k = piece && n - off > piece ? piece : n - off;
		zs_compress(z, cc, in + off, k, ZSTD_e_flush);
		if (z->nends < sizeof(z->ends) / sizeof(z->ends[0]))
			z->ends[z->nends++] = z->len;
	}
	zs_compress(z, cc, NULL, 0, ZSTD_e_end);
	ZSTD_freeCCtx(cc);
}

/* A skippable frame (magic 0x184D2A50 + variant) of n bytes of x. */
static void zs_skippable(zs *z, unsigned variant, size_t n)
{
	unsigned char h[8] = { 0x50 + variant, 0x2a, 0x4d, 0x18,
			       n & 0xff, (n >> 8) & 0xff, 0, 0 };
	size_t i;

	zs_put(z, h, sizeof(h));
	for (i = 0; i < n; i++)
		zs_put(z, "x", 1);
}

/* The file path in dir holding z. */
static void zs_write(const zs *z, const char *dir, const char *name,
		     char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	tu_write_file(path, z->p, z->len);
}

static void test_source_zstd_every_chunk_size(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n, i;
	zs z = { 0 };

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, n, 0, 0);
	zs_write(&z, dir, "text.csv.gz", path, sizeof(path));
	for (i = 0; i < NCHUNKS; i++)
		check_read(path, chunk_sizes[i], txt, n, 0);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/* Blocks larger than a chunk, frames with and without a content size. */
static void test_source_zstd_large_blocks(void **state)
{
	static const size_t chunks[] = { 1, 1000, 65536 };
	size_t n = 300000, i, len;
	unsigned char *txt = malloc(n), *one;
	char *dir = tu_tmpdir();
	char path[4200];
	uint32_t x = 12345;
	zs z = { 0 };

	(void)state;
	assert_non_null(txt);
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		txt[i] = (x >> 16) % 11 == 0 ? '\n' : 'a' + (x >> 16) % 23;
	}
	zs_frame(&z, txt, n, 0, 0);
	len = ZSTD_compressBound(n);
	one = malloc(len);
	assert_non_null(one);
	len = ZSTD_compress(one, len, txt, n, 19);
	assert_false(ZSTD_isError(len));
	zs_put(&z, one, len);
	zs_write(&z, dir, "big.zst", path, sizeof(path));
	txt = realloc(txt, 2 * n);
	assert_non_null(txt);
	memcpy(txt + n, txt, n);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		check_read(path, chunks[i], txt, 2 * n, 0);
	free(one);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/* Frames one after another, skippable ones first, between and last, an
 * empty frame among them: the frames' bytes in turn. */
static void test_source_zstd_frames_and_skippable(void **state)
{
	unsigned char *txt, *want;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n, i;
	zs z = { 0 };

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_skippable(&z, 3, 4);
	zs_frame(&z, txt, 1000, 100, 0);
	zs_frame(&z, txt, 0, 0, 0);
	zs_skippable(&z, 15, 0);
	zs_skippable(&z, 0, 300);
	zs_frame(&z, txt + 1000, n - 1000, 0, 0);
	zs_skippable(&z, 1, 2);
	zs_write(&z, dir, "frames.zst", path, sizeof(path));
	want = malloc(n);
	assert_non_null(want);
	memcpy(want, txt, n);
	for (i = 0; i < NCHUNKS; i++)
		check_read(path, chunk_sizes[i], want, n, 0);
	/* a skippable frame alone is an empty input */
	z.len = 0;
	zs_skippable(&z, 7, 10);
	zs_write(&z, dir, "skip-only.zst", path, sizeof(path));
	check_read(path, 64, want, 0, 0);
	free(want);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/* Bytes a cut or damaged frame of src-text.txt in 100-byte blocks must
 * give: every block that ends at or before off. */
static size_t zs_whole_blocks(const zs *z, size_t off)
{
	size_t k = 0;

	while (k < z->nends && z->ends[k] <= off)
		k++;
	return k * 100;
}

/*
 * A frame cut at every offset past its magic is "truncated" at that
 * offset, and hands out exactly the blocks that are whole, whatever the
 * chunk size: each offset read in chunks of 64 KiB and of one other size
 * in turn (every size at every offset took 20 s under the sanitizers).
 */
static void test_source_zstd_truncated_at_every_offset(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n, cut, i;
	zs z = { 0 };
	run r;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, 3000, 100, 0);
	assert_int_equal(z.nends, 30);
	run_init(&r, n);
	snprintf(path, sizeof(path), "%s/cut.zst", dir);
	for (cut = 4; cut < z.len; cut++) {
		tu_write_file(path, z.p, cut);
		for (i = cut % (NCHUNKS - 1); i < NCHUNKS;
		     i = i < NCHUNKS - 1 ? NCHUNKS - 1 : NCHUNKS) {
			assert_int_equal(read_damaged_as(path, chunk_sizes[i],
					 "truncated zstd stream in '", &r, 0,
					 SL_EDATA), cut);
			assert_int_equal(r.len, zs_whole_blocks(&z, cut));
			assert_memory_equal(r.buf, txt, r.len);
		}
	}
	run_free(&r);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/*
 * A block header of a reserved type, in a second frame: corrupt at that
 * header's offset, every byte before it handed out first.
 */
static void test_source_zstd_corrupt_block_located(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n, i, first, at;
	uint64_t off;
	zs z = { 0 };
	run r;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, 500, 0, 0);
	first = z.len;
	z.nends = 0;
	zs_frame(&z, txt + 500, 1000, 100, 0);
	/* Block_Type, bits 1-2 of a block header: 3 is reserved */
	at = z.ends[4];
	z.p[at] |= 0x06;
	zs_write(&z, dir, "bad.zst", path, sizeof(path));
	run_init(&r, n);
	for (i = 0; i < NCHUNKS; i++) {
		/* within the header: the decoder takes the bytes of one
		 * that comes in pieces as they come */
		off = read_damaged_as(path, chunk_sizes[i],
				      "corrupt zstd stream in '", &r, 0,
				      SL_EDATA);
		assert_true(off >= at && off < at + 3);
		assert_int_equal(r.len, 500 + 500);
		assert_memory_equal(r.buf, txt, r.len);
	}
	assert_true(at > first);
	run_free(&r);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/* Every flipped byte after the frame header is caught (the checksum
 * takes what the blocks' own checks let through). */
static void test_source_zstd_every_flipped_byte_detected(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n, at;
	zs z = { 0 };
	run r;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, n, 500, 0);
	run_init(&r, 0);
	snprintf(path, sizeof(path), "%s/flip.zst", dir);
	/* magic, frame header descriptor, window descriptor */
	for (at = 6; at < z.len; at++) {
		z.p[at] ^= 0x5a;
		tu_write_file(path, z.p, z.len);
		z.p[at] ^= 0x5a;
		read_damaged_as(path, 4096, " zstd ", &r, 0, SL_EDATA);
	}
	run_free(&r);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

static void test_source_zstd_trailing_garbage(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n, i, end;
	zs z = { 0 };
	run r;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, n, 0, 0);
	end = z.len;
	zs_put(&z, "\n", 1);
	zs_write(&z, dir, "junk.zst", path, sizeof(path));
	run_init(&r, n);
	for (i = 0; i < NCHUNKS; i++) {
		assert_int_equal(read_damaged_as(path, chunk_sizes[i],
				 "unexpected bytes after zstd frame", &r, 0,
				 SL_EDATA), end);
		assert_int_equal(r.len, n);
		assert_memory_equal(r.buf, txt, n);
	}
	run_free(&r);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/* A frame header asking for a window of 2^log bytes, then a last raw
 * block of "hello\n". */
static void zs_crafted(zs *z, int log)
{
	unsigned char h[6] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00,
			       (unsigned char)((log - 10) << 3) };
	unsigned char b[3] = { 1 | 6 << 3, 0, 0 };    /* last, raw, 6 */

	zs_put(z, h, sizeof(h));
	zs_put(z, b, sizeof(b));
	zs_put(z, "hello\n", 6);
}

/*
 * A window larger than the budget leaves is refused by name with
 * SL_ENOMEM before anything is allocated for it, after the frames before
 * it are handed out; a small window in the same header form is read.
 */
static void test_source_zstd_window_past_ceiling(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200], want[4400];
	sl_tag_stat tags[SL_MAX_TAGS];
	size_t n, i, ntags;
	zs z = { 0 };
	run r;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	run_init(&r, n);
	zs_crafted(&z, 30);
	zs_write(&z, dir, "huge.zst", path, sizeof(path));
	snprintf(want, sizeof(want), "'%s' needs 1025 MiB to decompress (its"
		 " zstd window), more than the memory ceiling of 256.0 MiB"
		 " leaves (raise --max-memory)", path);
	{
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "t.source");
		sl_source *src = sl_source_open(a, path);

		assert_non_null(src);
		run_drain(&r, src, 65536);
		assert_int_equal(r.len, 0);
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		assert_string_equal(sl_errmsg(ctx), want);
		ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
		/* the decoder, not its window */
		assert_true(find_tag(tags, ntags, "zstd.state")->peak <
			    (1 << 20));
		tu_ctx_free(ctx);
	}
	/* 1 MiB fits 16 MiB */
	z.len = 0;
	zs_crafted(&z, 20);
	zs_write(&z, dir, "small.zst", path, sizeof(path));
	{
		sl_ctx *ctx = tu_ctx(16 << 20, 0);
		sl_arena *a = sl_arena_new(ctx, "t.source");
		sl_source *src = sl_source_open(a, path);

		assert_non_null(src);
		r.len = 0;
		run_drain(&r, src, 65536);
		assert_false(sl_failed(ctx));
		assert_int_equal(r.len, 6);
		assert_memory_equal(r.buf, "hello\n", 6);
		tu_ctx_free(ctx);
	}
	/* a frame that fits, then one with a 128 MiB window, under 16 MiB */
	z.len = 0;
	zs_frame(&z, txt, n, 0, 0);
	zs_frame(&z, txt, n, 0, 27);
	zs_write(&z, dir, "second.zst", path, sizeof(path));
	for (i = 0; i < NCHUNKS; i++) {
		sl_ctx *ctx = tu_ctx(16 << 20, chunk_sizes[i]);
		sl_arena *a = sl_arena_new(ctx, "t.source");
		sl_source *src = sl_source_open(a, path);

		assert_non_null(src);
		r.len = 0;
		run_drain(&r, src, chunk_sizes[i]);
		assert_int_equal(r.len, n);
		assert_memory_equal(r.buf, txt, n);
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		assert_non_null(strstr(sl_errmsg(ctx), "needs 129 MiB to"
				       " decompress (its zstd window), more than"
				       " the memory ceiling of 16.0 MiB leaves"));
		tu_ctx_free(ctx);
	}
	run_free(&r);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

static void test_source_zstd_memory_charged_to_tags(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 4096);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	sl_tag_stat tags[SL_MAX_TAGS];
	const sl_tag_stat *t;
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	sl_source *src;
	size_t n, ntags;
	zs z = { 0 };
	run r;

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, n, 0, 20);
	zs_write(&z, dir, "t.zst", path, sizeof(path));
	src = sl_source_open(a, path);
	assert_non_null(src);
	run_init(&r, 0);
	run_drain(&r, src, 4096);
	assert_false(sl_failed(ctx));
	assert_int_equal(r.len, n);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	t = find_tag(tags, ntags, "zstd.state");
	assert_non_null(t);
	/* the decoder and its 1 MiB window, still live */
	assert_true(t->peak >= (1 << 20));
	assert_true(t->in_use > 0);
	t = find_tag(tags, ntags, "zstd.buffer");
	assert_non_null(t);
	assert_true(t->peak >= 4096);
	assert_null(find_tag(tags, ntags, "gzip.inflate"));
	sl_source_close(src);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	assert_int_equal(find_tag(tags, ntags, "zstd.state")->in_use, 0);
	run_free(&r);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
	tu_ctx_free(ctx);
}

static void test_source_zstd_fault_at_every_allocation(void **state)
{
	unsigned char *txt;
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n;
	int hit;
	zs z = { 0 };

	(void)state;
	txt = fixture(FIX("src-text.txt"), &n);
	zs_frame(&z, txt, n, 1000, 0);
	zs_write(&z, dir, "t.zst", path, sizeof(path));
	/* arena block, read buffer, output buffer, decoder, its buffers */
	assert_true(fault_every_charge_tag(path, FIX("src-text.txt"), 64,
					   "'zstd.state'", &hit) >= 4);
	assert_true(hit);
	assert_true(fault_every_charge_tag(path, FIX("src-text.txt"), 1,
					   "'zstd.state'", &hit) >= 4);
	assert_true(hit);
	free(z.p);
	free(txt);
	tu_rmdir(dir);
}

/* ---- decoding on a thread of its own ---------------------------------- */

/* On one thread and on several, the same bytes and the same errors. */
static void test_source_threads_read_the_same(void **state)
{
	static const unsigned threads[] = { 1, 2, 8 };
	unsigned char *want, *gz;
	size_t n, gzlen, i, k;
	char *dir = tu_tmpdir();
	char path[4200];
	uint64_t off[3];
	run r;

	(void)state;
	want = fixture(FIX("src-text.txt"), &n);
	gz = fixture(FIX("src-text.gz"), &gzlen);
	snprintf(path, sizeof(path), "%s/cut.gz", dir);
	tu_write_file(path, gz, gzlen - 100);
	run_init(&r, n);
	for (k = 0; k < 3; k++) {
		tu_threads = threads[k];
		for (i = 0; i < NCHUNKS; i++)
			check_read(FIX("src-text.gz"), chunk_sizes[i], want, n,
				   1);
		off[k] = read_damaged(path, 64, "truncated gzip stream", &r);
		assert_memory_equal(r.buf, want, r.len);
	}
	tu_threads = 2;
	assert_int_equal(off[1], off[0]);
	assert_int_equal(off[2], off[0]);
	run_free(&r);
	free(want);
	free(gz);
	tu_rmdir(dir);
}

/*
 * A reader that stops early (head) closes its source while the thread
 * waits on a pipe whose writer says nothing more: the close must not
 * wait for the writer.
 */
static void test_source_thread_ends_on_silent_pipe(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 64);
	sl_arena *a = sl_arena_new(ctx, "t.source");
	unsigned char *gz;
	const unsigned char *p;
	sl_source *src;
	size_t gzlen, n;
	int fd[2], saved;

	(void)state;
	gz = fixture(FIX("src-text.gz"), &gzlen);
	assert_int_equal(pipe(fd), 0);
	/* all but the trailer: every byte of text can come out, and then
	 * the decoder waits */
	assert_int_equal(write(fd[1], gz, gzlen - GZ_TRAILER),
			 (ssize_t)(gzlen - GZ_TRAILER));
	/* standard input is an input of the run, so it is decoded on a
	 * thread; sl_source_open_fd() makes an internal source */
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd[0], STDIN_FILENO), STDIN_FILENO);
	close(fd[0]);
	src = sl_source_open(a, "-");
	assert_non_null(src);
	p = sl_source_next(src, &n);
	assert_non_null(p);
	assert_true(n > 0);
	sl_source_close(src);           /* returns: the test goes on */
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	close(fd[1]);
	free(gz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_threads_read_the_same),
		cmocka_unit_test(test_source_thread_ends_on_silent_pipe),
		cmocka_unit_test(test_source_plain_text_every_chunk_size),
		cmocka_unit_test(test_source_plain_binary_every_chunk_size),
		cmocka_unit_test(test_source_plain_offset_counts_bytes_out),
		cmocka_unit_test(test_source_empty_file_ends_at_once),
		cmocka_unit_test(test_source_one_byte_file_is_plain),
		cmocka_unit_test(test_source_magic_needs_both_bytes),
		cmocka_unit_test(test_source_gzip_every_chunk_size),
		cmocka_unit_test(test_source_gzip_found_by_magic_not_name),
		cmocka_unit_test(test_source_gzip_chunks_full_but_last),
		cmocka_unit_test(test_source_gzip_empty_member_ends_cleanly),
		cmocka_unit_test(test_source_gzip_members_concatenate),
		cmocka_unit_test(test_source_gzip_member_twice_reads_twice),
		cmocka_unit_test(test_source_gzip_truncated_at_every_offset),
		cmocka_unit_test(test_source_gzip_deferred_message_whole),
		cmocka_unit_test(test_source_gzip_truncated_second_member),
		cmocka_unit_test(test_source_gzip_error_after_bytes_deferred),
		cmocka_unit_test(test_source_gzip_corrupt_trailer),
		cmocka_unit_test(test_source_gzip_corrupt_header),
		cmocka_unit_test(test_source_gzip_corrupt_block_keeps_prefix),
		cmocka_unit_test(test_source_gzip_every_flipped_byte_detected),
		cmocka_unit_test(test_source_gzip_crc_and_length_told_apart),
		cmocka_unit_test(test_source_gzip_trailer_messages),
		cmocka_unit_test(test_source_gzip_header_crc_in_pieces),
		cmocka_unit_test(test_source_gzip_trailing_garbage),
		cmocka_unit_test(test_source_gzip_single_trailing_byte),
		cmocka_unit_test(test_source_missing_file_is_eio),
		cmocka_unit_test(test_source_unreadable_is_eio),
		cmocka_unit_test(test_source_dash_reads_stdin),
		cmocka_unit_test(test_source_null_path_reads_stdin_gzip),
		cmocka_unit_test(test_source_ceiling_too_small),
		cmocka_unit_test(test_source_ceiling_refuses_read_buffer),
		cmocka_unit_test(test_source_ceiling_refuses_inflate_buffer),
		cmocka_unit_test(test_source_ceiling_refuses_inflate_state),
		cmocka_unit_test(test_source_gzip_refused_memory_keeps_bytes),
		cmocka_unit_test(test_source_gzip_fault_at_every_allocation),
		cmocka_unit_test(test_source_plain_fault_at_every_allocation),
		cmocka_unit_test(test_source_gzip_memory_charged_to_tags),
		cmocka_unit_test(test_source_plain_charges_no_zlib),
		cmocka_unit_test(test_source_next_after_close_is_einval),
		cmocka_unit_test(test_source_close_twice_then_arena),
		cmocka_unit_test(test_source_first_error_wins),
		cmocka_unit_test(test_source_zstd_every_chunk_size),
		cmocka_unit_test(test_source_zstd_large_blocks),
		cmocka_unit_test(test_source_zstd_frames_and_skippable),
		cmocka_unit_test(test_source_zstd_truncated_at_every_offset),
		cmocka_unit_test(test_source_zstd_corrupt_block_located),
		cmocka_unit_test(test_source_zstd_every_flipped_byte_detected),
		cmocka_unit_test(test_source_zstd_trailing_garbage),
		cmocka_unit_test(test_source_zstd_window_past_ceiling),
		cmocka_unit_test(test_source_zstd_memory_charged_to_tags),
		cmocka_unit_test(test_source_zstd_fault_at_every_allocation),
	};

	tu_filter_from_env();
	return cmocka_run_group_tests_name("source", tests, NULL, NULL);
}
