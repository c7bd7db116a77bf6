/*
 * test_sink.c - unit tests for lib/sink.c and the temporary-file list of
 * lib/tmpfile.c.
 *
 * What is covered: a named output is written to one hidden temporary file
 * and appears under its name only when sl_sink_close() succeeds; an
 * abandoned sink (arena reset or freed, context freed, a failed write or
 * rename, sl_tmpfiles_remove()) leaves no temporary file and an existing
 * target untouched; a replaced file keeps its mode; writes to standard
 * output report a full disk and a closed pipe; gzip output is checked
 * against zlib itself (a one-shot deflate at the same level where zlib
 * deflates, and inflate everywhere, igzip's levels 1-3 included),
 * including the sync points sl_sink_flush() promises at levels 1, 2, 3
 * and 6; the output does not depend on the chunk size; every allocation
 * failure reports SL_ENOMEM and leaks nothing; the deflater's memory is
 * charged to "gzip.deflate".
 *
 * Standard output is redirected with dup2() in a few tests.  Those tests
 * flush stdio first, restore the descriptor before asserting anything and
 * never let CMocka print while it is redirected.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zlib.h>
/* ZSTD_getFrameHeader(), to check the frames written */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#ifdef SL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "testutil.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

/*
 * Is level deflated by zlib in this build, so that zlib's own one-shot
 * output is the oracle byte for byte?  igzip's output (levels 1-3 with
 * ISA-L) is checked by inflating it with zlib.
 */
static int zlib_level(int level)
{
#ifdef SL_HAVE_ISAL
	return level > 3;
#else
	(void)level;
	return 1;
#endif
}

/* ---- helpers --------------------------------------------------------- */

/* n deterministic bytes: text-like, compressible, not trivially so. */
static unsigned char *make_data(size_t n)
{
	static const char alphabet[] = "abcdefgh \n0123,;";
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = 2463534242u;
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)alphabet[x % (sizeof(alphabet) - 1)];
	}
	return p;
}

/* "dir/name", malloc'ed. */
static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/*
 * The path of the sink's temporary file for NAME in dir (malloc'ed):
 * asserts that exactly one entry is named ".NAME.sluice-*".
 */
static char *find_tmp(const char *dir, const char *name)
{
	char prefix[256];
	DIR *d = opendir(dir);
	struct dirent *e;
	char *found = NULL;
	int n = 0;

	assert_non_null(d);
	snprintf(prefix, sizeof(prefix), ".%s.sluice-", name);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			n++;
			free(found);
			found = path_in(dir, e->d_name);
		}
	}
	closedir(d);
	assert_int_equal(n, 1);
	return found;
}

/* Write sizes cycled through by write_pattern(): tiny, odd, a whole
 * buffer and more, and an empty write. */
static const size_t write_sizes[] = { 1, 7, 100, 3, 4096, 0, 65, 1000, 2,
				      70000 };

/* Write n bytes in pieces of every size in write_sizes. */
static void write_pattern(sl_sink *s, const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (n > 0) {
		k = write_sizes[i++ % ARRAY_SIZE(write_sizes)];
		if (k > n)
			k = n;
		assert_int_equal(sl_sink_write(s, p, k), SL_OK);
		p += k;
		n -= k;
	}
}

/* Inflate a complete gzip stream with zlib; the size goes to *n. */
static unsigned char *gunzip(const unsigned char *z, size_t zn, size_t *n)
{
	unsigned char *out = NULL;
	size_t cap = 0;
	z_stream st;
	int ret;

	memset(&st, 0, sizeof(st));
	assert_int_equal(inflateInit2(&st, 15 + 16), Z_OK);
	st.next_in = (unsigned char *)z;
	st.avail_in = (uInt)zn;
	do {
		if (st.total_out == cap) {
			cap = cap ? 2 * cap : 4096;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		st.next_out = out + st.total_out;
		st.avail_out = (uInt)(cap - st.total_out);
		ret = inflate(&st, Z_NO_FLUSH);
		/* Z_BUF_ERROR here means a truncated stream */
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
	} while (ret != Z_STREAM_END);
	assert_int_equal(st.avail_in, 0);  /* nothing after the member */
	*n = st.total_out;
	inflateEnd(&st);
	return out;
}

/*
 * Inflate an unfinished gzip stream that should end at a sync point: all
 * of it must be consumed and yield exactly want bytes, equal to data.
 */
static void assert_gunzips_so_far(const unsigned char *z, size_t zn,
				  const unsigned char *data, size_t want)
{
	size_t cap = want + 1024;  /* room to notice extra bytes */
	unsigned char *out = malloc(cap);
	z_stream st;
	int ret;

	assert_non_null(out);
	memset(&st, 0, sizeof(st));
	assert_int_equal(inflateInit2(&st, 15 + 16), Z_OK);
	st.next_in = (unsigned char *)z;
	st.avail_in = (uInt)zn;
	st.next_out = out;
	st.avail_out = (uInt)cap;
	ret = inflate(&st, Z_SYNC_FLUSH);
	assert_int_equal(ret, Z_OK);  /* not Z_STREAM_END: still open */
	assert_int_equal(st.avail_in, 0);
	assert_int_equal(st.total_out, want);
	assert_memory_equal(out, data, want);
	inflateEnd(&st);
	free(out);
}

/* zlib's own one-shot gzip of data at a level: the oracle. */
static unsigned char *gzip_oracle(const unsigned char *p, size_t n,
				  int level, size_t *zn)
{
	unsigned char *out;
	size_t cap;
	z_stream st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(deflateInit2(&st, level, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	cap = deflateBound(&st, (uLong)n);
	out = malloc(cap);
	assert_non_null(out);
	st.next_in = (unsigned char *)p;
	st.avail_in = (uInt)n;
	st.next_out = out;
	st.avail_out = (uInt)cap;
	assert_int_equal(deflate(&st, Z_FINISH), Z_STREAM_END);
	*zn = st.total_out;
	deflateEnd(&st);
	return out;
}

/* Assert that the file at path holds exactly n bytes equal to p. */
static void assert_file_is(const char *path, const void *p, size_t n)
{
	size_t got;
	unsigned char *buf = tu_read_file(path, &got);

	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(buf, p, n);
	free(buf);
}

/* Assert that the gzip file at path inflates to exactly the n bytes p. */
static void assert_file_gunzips_to(const char *path, const void *p, size_t n)
{
	size_t zn, got;
	unsigned char *z = tu_read_file(path, &zn);
	unsigned char *buf;

	assert_true(zn >= 18);
	assert_int_equal(z[0], 0x1f);
	assert_int_equal(z[1], 0x8b);
	buf = gunzip(z, zn, &got);
	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(buf, p, n);
	free(buf);
	free(z);
}

/* Open path, write data with write_pattern() and close: SL_OK expected. */
static void write_file(sl_ctx *ctx, const char *path,
		       const sl_sink_options *opt, const unsigned char *data,
		       size_t n)
{
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s;

	assert_non_null(a);
	s = sl_sink_open(a, path, opt);
	assert_non_null(s);
	write_pattern(s, data, n);
	assert_int_equal(sl_sink_close(s), SL_OK);
	sl_arena_free(a);
}

/* Point STDOUT_FILENO at fd; returns a copy of the old descriptor. */
static int redirect_stdout(int fd)
{
	int saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	close(fd);
	return saved;
}

static void restore_stdout(int saved)
{
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

/* ---- naming and atomic rename ---------------------------------------- */

static void test_sink_name(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "named.txt");
	sl_sink *s1 = sl_sink_open(a, NULL, NULL);
	sl_sink *s2 = sl_sink_open(a, "-", NULL);
	sl_sink *s3 = sl_sink_open(a, out, NULL);

	(void)state;
	assert_non_null(s1);
	assert_non_null(s2);
	assert_non_null(s3);
	assert_string_equal(sl_sink_name(s1), "<stdout>");
	assert_string_equal(sl_sink_name(s2), "<stdout>");
	assert_string_equal(sl_sink_name(s3), out);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_rename_is_atomic(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "out.txt");
	unsigned char *data = make_data(50000);
	char *tmp;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	write_pattern(s, data, 50000);
	/* bytes have reached the disk, but not under the target's name */
	assert_false(exists(out));
	assert_int_equal(tu_count_entries(dir), 1);
	tmp = find_tmp(dir, "out.txt");
	assert_true(file_size(tmp) > 0);

	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_false(exists(tmp));
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, data, 50000);
	assert_false(sl_failed(ctx));
	free(tmp);
	free(out);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_relative_path(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "plain");
	sl_status wst = SL_OK, cst = SL_OK;
	int in_cwd = -1, early = -1;
	char cwd[4096];
	sl_sink *s;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	s = sl_sink_open(a, "plain", NULL);
	if (s) {
		wst = sl_sink_write(s, "abc\n", 4);
		in_cwd = tu_count_entries(".");
		early = exists("plain");
		cst = sl_sink_close(s);
	}
	assert_int_equal(chdir(cwd), 0);

	assert_non_null(s);
	assert_int_equal(wst, SL_OK);
	assert_int_equal(cst, SL_OK);
	assert_int_equal(in_cwd, 1);  /* the temporary file, beside it */
	assert_int_equal(early, 0);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, "abc\n", 4);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_empty_output(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	char *dir = tu_tmpdir();
	char *plain = path_in(dir, "empty.txt");
	char *gz = path_in(dir, "empty.gz");

	(void)state;
	write_file(ctx, plain, NULL, (const unsigned char *)"", 0);
	write_file(ctx, gz, NULL, (const unsigned char *)"", 0);
	assert_int_equal(file_size(plain), 0);
	assert_file_gunzips_to(gz, "", 0);
	assert_int_equal(tu_count_entries(dir), 2);
	free(plain);
	free(gz);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* ---- existing targets and abandoned sinks ---------------------------- */

static void test_sink_arena_free_keeps_existing(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "keep.txt");
	unsigned char *data = make_data(10000);
	sl_sink *s;

	(void)state;
	tu_write_file(out, "old content\n", 12);
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	write_pattern(s, data, 10000);
	assert_int_equal(tu_count_entries(dir), 2);
	assert_file_is(out, "old content\n", 12);

	sl_arena_free(a);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, "old content\n", 12);
	assert_false(sl_failed(ctx));
	free(out);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_ctx_free_keeps_existing(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "keep.gz");
	unsigned char *data = make_data(10000);
	sl_sink *s;

	(void)state;
	tu_write_file(out, "old content\n", 12);
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	write_pattern(s, data, 10000);
	assert_int_equal(sl_sink_flush(s), SL_OK);
	assert_int_equal(tu_count_entries(dir), 2);

	/* tu_ctx_free() frees every arena, as sl_ctx_free() does */
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, "old content\n", 12);
	free(out);
	free(data);
	tu_rmdir(dir);
}

static void test_sink_arena_reset_removes_tmp(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 4096);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "new.txt");
	unsigned char *data = make_data(100000);
	char *tmp;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	write_pattern(s, data, 100000);
	tmp = find_tmp(dir, "new.txt");
	assert_true(file_size(tmp) >= 100000 - 4096);

	sl_arena_reset(a);
	assert_int_equal(tu_count_entries(dir), 0);
	assert_false(exists(out));
	free(tmp);
	free(out);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_close_replaces_existing_keeps_mode(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "mode.txt");
	unsigned char *data = make_data(5000);
	struct stat st;
	char *tmp;
	sl_sink *s;

	(void)state;
	tu_write_file(out, "old content\n", 12);
	assert_int_equal(chmod(out, 0640), 0);
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	write_pattern(s, data, 5000);
	tmp = find_tmp(dir, "mode.txt");
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, data, 5000);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(tmp);
	free(out);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_new_file_mode_follows_umask(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "umask.txt");
	mode_t old = umask(027);
	sl_status st1, st2;
	struct stat st;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	st1 = s ? sl_sink_write(s, "x", 1) : SL_EINVAL;
	st2 = s ? sl_sink_close(s) : SL_EINVAL;
	umask(old);
	assert_int_equal(st1, SL_OK);
	assert_int_equal(st2, SL_OK);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* ---- failures -------------------------------------------------------- */

static void test_sink_missing_folder_fails(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "nope/out.txt");

	(void)state;
	assert_null(sl_sink_open(a, out, NULL));
	assert_int_equal(sl_errcode(ctx), SL_EIO);
	assert_non_null(strstr(sl_errmsg(ctx), out));
	assert_non_null(strstr(sl_errmsg(ctx), "No such file"));
	assert_int_equal(tu_count_entries(dir), 0);
	sl_arena_free(a);
	assert_int_equal(tu_count_entries(dir), 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_folder_path_fails(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "");  /* "DIR/" */

	(void)state;
	assert_null(sl_sink_open(a, out, NULL));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), out));
	assert_int_equal(tu_count_entries(dir), 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_open_refused_after_error(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "out.txt");

	(void)state;
	sl_error(ctx, SL_EDATA, "an earlier failure");
	assert_null(sl_sink_open(a, out, NULL));
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_string_equal(sl_errmsg(ctx), "an earlier failure");
	assert_int_equal(tu_count_entries(dir), 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* A file-size limit makes write(2) fail with EFBIG, even for root. */
static void test_sink_write_failure_removes_tmp(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "big.txt");
	unsigned char *data = make_data(1000);
	struct rlimit old, lim;
	void (*oldsig)(int);
	sl_status wst = SL_OK, cst;
	sl_sink *s;
	int i;

	(void)state;
	tu_write_file(out, "old content\n", 12);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	s = sl_sink_open(a, out, NULL);
	for (i = 0; s && i < 20 && wst == SL_OK; i++)
		wst = sl_sink_write(s, data, 1000);
	cst = s ? sl_sink_close(s) : SL_OK;
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);

	assert_non_null(s);
	assert_int_equal(wst, SL_EIO);
	assert_int_equal(cst, SL_EIO);
	assert_int_equal(sl_errcode(ctx), SL_EIO);
	assert_non_null(strstr(sl_errmsg(ctx), out));
	assert_non_null(strstr(sl_errmsg(ctx), "File too large"));
	/* removed at the failure, not only when the arena goes */
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, "old content\n", 12);
	sl_arena_free(a);
	assert_int_equal(tu_count_entries(dir), 1);
	free(out);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* rename(2) of a file over a folder fails whoever runs the test. */
static void test_sink_rename_failure_removes_tmp(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "taken");
	struct stat st;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	assert_int_equal(sl_sink_write(s, "data\n", 5), SL_OK);
	/* the name becomes a folder while the sink is open */
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(tu_count_entries(dir), 2);
	assert_int_equal(sl_sink_close(s), SL_EIO);
	assert_non_null(strstr(sl_errmsg(ctx), "cannot rename"));
	assert_int_equal(tu_count_entries(dir), 1);
	assert_int_equal(stat(out, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rmdir(out), 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* A folder is refused at once, before anything is written. */
static void test_sink_folder_target_refused(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();

	(void)state;
	assert_null(sl_sink_open(a, dir, NULL));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "is a folder"));
	assert_int_equal(tu_count_entries(dir), 0);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_stdout_full_disk(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	unsigned char *data = make_data(3000);
	sl_status wst = SL_OK, cst = SL_OK;
	int fd = open("/dev/full", O_WRONLY);
	int saved;
	sl_sink *s;

	(void)state;
	assert_true(fd >= 0);
	saved = redirect_stdout(fd);
	s = sl_sink_open(a, "-", NULL);
	if (s) {
		wst = sl_sink_write(s, data, 3000);
		cst = sl_sink_close(s);
	}
	restore_stdout(saved);

	assert_non_null(s);
	assert_int_equal(wst, SL_ENOSPC);
	assert_int_equal(cst, SL_ENOSPC);
	assert_int_equal(sl_errcode(ctx), SL_ENOSPC);
	assert_non_null(strstr(sl_errmsg(ctx), "<stdout>"));
	assert_non_null(strstr(sl_errmsg(ctx), "No space left"));
	free(data);
	tu_ctx_free(ctx);
}

static void test_sink_stdout_full_disk_at_close(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_status wst = SL_OK, cst = SL_OK;
	int fd = open("/dev/full", O_WRONLY);
	int saved;
	sl_sink *s;

	(void)state;
	assert_true(fd >= 0);
	saved = redirect_stdout(fd);
	s = sl_sink_open(a, NULL, NULL);
	if (s) {
		wst = sl_sink_write(s, "short\n", 6);  /* only buffered */
		cst = sl_sink_close(s);
	}
	restore_stdout(saved);

	assert_non_null(s);
	assert_int_equal(wst, SL_OK);
	assert_int_equal(cst, SL_ENOSPC);
	assert_non_null(strstr(sl_errmsg(ctx), "No space left"));
	tu_ctx_free(ctx);
}

static void test_sink_stdout_closed_pipe(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	unsigned char *data = make_data(3000);
	sl_status wst = SL_OK, cst = SL_OK;
	void (*oldsig)(int);
	int fds[2], saved;
	sl_sink *s;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	oldsig = signal(SIGPIPE, SIG_IGN);
	saved = redirect_stdout(fds[1]);
	s = sl_sink_open(a, NULL, NULL);
	if (s) {
		wst = sl_sink_write(s, data, 3000);
		cst = sl_sink_close(s);
	}
	restore_stdout(saved);
	signal(SIGPIPE, oldsig);

	assert_non_null(s);
	assert_int_equal(wst, SL_EPIPE);
	assert_int_equal(cst, SL_EPIPE);
	assert_int_equal(sl_errcode(ctx), SL_EPIPE);
	assert_non_null(strstr(sl_errmsg(ctx), "<stdout>"));
	free(data);
	tu_ctx_free(ctx);
}

/* The bytes go to standard output and the descriptor outlives the sink. */
static void test_sink_stdout_stays_open(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 4);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_status wst = SL_OK, cst = SL_OK;
	int fds[2], saved, fdflags;
	ssize_t after = -1, got;
	char buf[64];
	sl_sink *s;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	saved = redirect_stdout(fds[1]);
	s = sl_sink_open(a, "-", &(sl_sink_options){ .gzip = -1 });
	if (s) {
		wst = sl_sink_write(s, "hello, ", 7);
		if (wst == SL_OK)
			wst = sl_sink_write(s, "world", 5);
		cst = sl_sink_close(s);
	}
	sl_arena_free(a);
	fdflags = fcntl(STDOUT_FILENO, F_GETFD);
	if (fdflags >= 0)
		after = write(STDOUT_FILENO, "!", 1);
	restore_stdout(saved);

	assert_non_null(s);
	assert_int_equal(wst, SL_OK);
	assert_int_equal(cst, SL_OK);
	assert_true(fdflags >= 0);
	assert_int_equal(after, 1);
	got = read(fds[0], buf, sizeof(buf));
	close(fds[0]);
	assert_int_equal(got, 13);
	assert_memory_equal(buf, "hello, world!", 13);
	tu_ctx_free(ctx);
}

/* ---- gzip ------------------------------------------------------------ */

static void test_sink_gzip_small_writes(void **state)
{
	static const int levels[] = { 1, 9 };
	const size_t n = 300000;
	unsigned char *data = make_data(n);
	unsigned char *z[2];
	char *dir = tu_tmpdir();
	size_t i, zn[2];

	(void)state;
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		sl_ctx *ctx = tu_ctx_j(0, 0, 1);      /* zlib's one stream */
		sl_arena *a = sl_arena_new(ctx, "test");
		char *out = path_in(dir, "small.gz");
		unsigned char *want;
		size_t wn, off, k;
		sl_sink *s;

		s = sl_sink_open(a, out, &(sl_sink_options){
			.gzip = 1, .level = levels[i] });
		assert_non_null(s);
		for (off = 0; off < n; off += k) {
			k = n - off < 13 ? n - off : 13;
			assert_int_equal(sl_sink_write(s, data + off, k),
					 SL_OK);
		}
		assert_int_equal(sl_sink_close(s), SL_OK);
		assert_file_gunzips_to(out, data, n);
		z[i] = tu_read_file(out, &zn[i]);
		if (zlib_level(levels[i])) {
			want = gzip_oracle(data, n, levels[i], &wn);
			assert_int_equal(zn[i], wn);
			assert_memory_equal(z[i], want, wn);
			free(want);
		}
		free(out);
		tu_ctx_free(ctx);
	}
	/* the level reached the deflater: the two outputs differ */
	assert_true(zn[0] != zn[1] || memcmp(z[0], z[1], zn[0]) != 0);
	free(z[0]);
	free(z[1]);
	free(data);
	tu_rmdir(dir);
}

static void test_sink_gzip_large_write(void **state)
{
	static const int levels[] = { 1, 9 };
	const size_t chunk = 4096, n = 200000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		sl_ctx *ctx = tu_ctx_j(0, chunk, 1);  /* zlib's one stream */
		sl_arena *a = sl_arena_new(ctx, "test");
		char *out = path_in(dir, "large.gz");
		unsigned char *got, *want;
		size_t gn, wn;
		sl_sink *s;

		s = sl_sink_open(a, out, &(sl_sink_options){
			.gzip = 1, .level = levels[i] });
		assert_non_null(s);
		/* a few buffered bytes, then one write of many chunks */
		assert_int_equal(sl_sink_write(s, data, 10), SL_OK);
		assert_int_equal(sl_sink_write(s, data + 10, n - 10), SL_OK);
		assert_int_equal(sl_sink_close(s), SL_OK);
		assert_file_gunzips_to(out, data, n);
		got = tu_read_file(out, &gn);
		if (zlib_level(levels[i])) {
			want = gzip_oracle(data, n, levels[i], &wn);
			assert_int_equal(gn, wn);
			assert_memory_equal(got, want, wn);
			free(want);
		}
		free(got);
		free(out);
		tu_ctx_free(ctx);
	}
	free(data);
	tu_rmdir(dir);
}

/* Level 0 is level 3: the same bytes as --level 3, other than level 6's. */
static void test_sink_gzip_level_zero_means_three(void **state)
{
	static const int levels[] = { 0, 3, 6 };
	sl_ctx *ctx = tu_ctx(0, 0);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "three.gz");
	unsigned char *data = make_data(100000);
	unsigned char *got[3];
	size_t gn[3], i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		write_file(ctx, out, &(sl_sink_options){ .gzip = 1,
			   .level = levels[i] }, data, 100000);
		assert_file_gunzips_to(out, data, 100000);
		got[i] = tu_read_file(out, &gn[i]);
	}
	assert_int_equal(gn[0], gn[1]);
	assert_memory_equal(got[0], got[1], gn[0]);
	assert_true(gn[0] != gn[2] || memcmp(got[0], got[2], gn[0]) != 0);
	for (i = 0; i < ARRAY_SIZE(levels); i++)
		free(got[i]);
	free(data);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_gzip_by_name(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	char *dir = tu_tmpdir();
	char *gz = path_in(dir, "by-name.gz");
	char *txt = path_in(dir, "by-name.txt");
	char *forced = path_in(dir, "forced-plain.gz");
	unsigned char *data = make_data(20000);
	const sl_sink_options by_name = { .gzip = -1 };

	(void)state;
	write_file(ctx, gz, &by_name, data, 20000);
	write_file(ctx, txt, &by_name, data, 20000);
	write_file(ctx, forced, &(sl_sink_options){ .gzip = 0 }, data, 20000);
	assert_file_gunzips_to(gz, data, 20000);
	assert_true(file_size(gz) < 20000);
	assert_file_is(txt, data, 20000);
	assert_file_is(forced, data, 20000);
	free(data);
	free(gz);
	free(txt);
	free(forced);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_gzip_by_name_without_options(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	char *dir = tu_tmpdir();
	char *gz = path_in(dir, "null-opt.gz");
	char *txt = path_in(dir, "null-opt.txt");
	unsigned char *data = make_data(20000);

	(void)state;
	write_file(ctx, gz, NULL, data, 20000);
	write_file(ctx, txt, NULL, data, 20000);
	assert_file_gunzips_to(gz, data, 20000);
	assert_file_is(txt, data, 20000);
	free(data);
	free(gz);
	free(txt);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* ---- flush ----------------------------------------------------------- */

static void test_sink_flush_plain(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "flush.txt");
	unsigned char *data = make_data(100);
	char *tmp;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	assert_int_equal(sl_sink_write(s, data, 100), SL_OK);
	tmp = find_tmp(dir, "flush.txt");
	assert_int_equal(file_size(tmp), 0);  /* still in the buffer */
	assert_int_equal(sl_sink_flush(s), SL_OK);
	assert_file_is(tmp, data, 100);
	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_file_is(out, data, 100);
	free(tmp);
	free(out);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* What a decoder of the test's says of a file: so far (an open stream
 * that decodes to data[0..want)), or whole. */
typedef void so_far_fn(const unsigned char *z, size_t zn,
		       const unsigned char *data, size_t want);
typedef void whole_fn(const char *path, const void *p, size_t n);

/*
 * Write 150000 bytes of data to dir/name with o at the given chunk size,
 * flushing at marks: after each flush the temporary file decodes to
 * everything written so far; a flush with nothing new keeps the stream
 * whole; closed, the file decodes whole.
 */
static void check_flushes(const char *dir, const char *name,
			  const sl_sink_options *o, size_t chunk,
			  const unsigned char *data, so_far_fn *so_far,
			  whole_fn *whole)
{
	static const size_t marks[] = { 1000, 1001, 71000, 150000 };
	sl_ctx *ctx = tu_ctx(0, chunk);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *out = path_in(dir, name);
	size_t done = 0, j, zn;
	unsigned char *z;
	char *tmp;
	sl_sink *s;

	s = sl_sink_open(a, out, o);
	assert_non_null(s);
	tmp = find_tmp(dir, name);
	for (j = 0; j < ARRAY_SIZE(marks); j++) {
		write_pattern(s, data + done, marks[j] - done);
		done = marks[j];
		assert_int_equal(sl_sink_flush(s), SL_OK);
		z = tu_read_file(tmp, &zn);
		so_far(z, zn, data, done);
		free(z);
	}
	assert_int_equal(sl_sink_flush(s), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_false(exists(tmp));
	whole(out, data, done);
	free(tmp);
	free(out);
	tu_ctx_free(ctx);
}

/*
 * After each flush the temporary file inflates to everything written so
 * far, at igzip's levels (1-3 with ISA-L) and zlib's, on one thread and
 * by blocks on two.  Chunk sizes 1 to 5 once made the flush loop for ever
 * (zlib wants more than six bytes of output room to finish a sync flush).
 */
static void test_sink_flush_gzip_sync_point(void **state)
{
	static const size_t chunks[] = { 1, 5, 16, 64 << 10 };
	static const int levels[] = { 1, 2, 3, 6 };
	unsigned char *data = make_data(150000);
	char *dir = tu_tmpdir();
	size_t i, l;

	(void)state;
	for (tu_threads = 1; tu_threads <= 2; tu_threads++)
		for (l = 0; l < ARRAY_SIZE(levels); l++)
			for (i = 0; i < ARRAY_SIZE(chunks); i++)
				check_flushes(dir, "sync.gz",
					      &(sl_sink_options){ .gzip = 1,
						.level = levels[l] },
					      chunks[i], data,
					      assert_gunzips_so_far,
					      assert_file_gunzips_to);
	tu_threads = 2;
	free(data);
	tu_rmdir(dir);
}

/* Levels 1, 2 and 3 each reach the deflater: three different outputs,
 * each inflating to the input. */
static void test_sink_gzip_fast_levels_differ(void **state)
{
	const size_t n = 400000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	unsigned char *z[3];
	size_t zn[3], i;

	(void)state;
	for (i = 0; i < 3; i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		char *out = path_in(dir, "fast.gz");

		write_file(ctx, out, &(sl_sink_options){
			.gzip = 1, .level = (int)i + 1 }, data, n);
		assert_file_gunzips_to(out, data, n);
		z[i] = tu_read_file(out, &zn[i]);
		assert_true(zn[i] < n);
		free(out);
		tu_ctx_free(ctx);
	}
	for (i = 0; i < 3; i++)
		assert_true(zn[i] != zn[(i + 1) % 3] ||
			    memcmp(z[i], z[(i + 1) % 3], zn[i]) != 0);
	for (i = 0; i < 3; i++)
		free(z[i]);
	free(data);
	tu_rmdir(dir);
}

/* ---- misuse ---------------------------------------------------------- */

static void test_sink_write_after_close(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "closed.txt");
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	assert_int_equal(sl_sink_write(s, "done\n", 5), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_int_equal(sl_sink_write(s, "more\n", 5), SL_EINVAL);
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "closed"));
	assert_non_null(strstr(sl_errmsg(ctx), out));
	sl_arena_free(a);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(out, "done\n", 5);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_bad_level(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "level.gz");

	(void)state;
	assert_null(sl_sink_open(a, out, &(sl_sink_options){
		.gzip = 1, .level = 10 }));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "10"));
	assert_int_equal(tu_count_entries(dir), 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* ---- chunk size ------------------------------------------------------ */

/*
 * The same bytes come out at any chunk size: plain and from zlib, byte for
 * byte; from igzip, whose blocks end where its calls do, the same once
 * inflated.
 */
static void check_chunk_size_invariance(const sl_sink_options *opt)
{
	static const size_t chunks[] = { 1, 2, 3, 64 << 10 };
	const size_t n = 30000;
	unsigned char *data = make_data(n);
	unsigned char *first = NULL;
	char *dir = tu_tmpdir();
	size_t i, firstn = 0;
	int exact = !opt->gzip || zlib_level(opt->level ? opt->level : 6);

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		sl_ctx *ctx = tu_ctx(0, chunks[i]);
		char *out = path_in(dir, "chunked");
		unsigned char *got;
		size_t gn;

		assert_int_equal(sl_ctx_chunk_size(ctx), chunks[i]);
		write_file(ctx, out, opt, data, n);
		got = tu_read_file(out, &gn);
		if (!first) {
			first = got;
			firstn = gn;
		} else if (!exact) {
			free(got);
		} else {
			assert_int_equal(gn, firstn);
			assert_memory_equal(got, first, gn);
			free(got);
		}
		if (opt->gzip)
			assert_file_gunzips_to(out, data, n);
		else
			assert_file_is(out, data, n);
		free(out);
		tu_ctx_free(ctx);
	}
	free(first);
	free(data);
	tu_rmdir(dir);
}

static void test_sink_chunk_size_invariance_plain(void **state)
{
	(void)state;
	check_chunk_size_invariance(&(sl_sink_options){ .gzip = 0 });
}

static void test_sink_chunk_size_invariance_gzip(void **state)
{
	(void)state;
	check_chunk_size_invariance(&(sl_sink_options){ .gzip = 1 });
	check_chunk_size_invariance(&(sl_sink_options){ .gzip = 1,
							 .level = 1 });
}

static void test_sink_write_refused_after_error(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s = sl_sink_open(a, NULL, NULL);

	(void)state;
	assert_non_null(s);
	sl_error(ctx, SL_EDATA, "elsewhere");
	/* even a write that would fit the buffer is refused */
	assert_int_equal(sl_sink_write(s, "abc", 3), SL_EDATA);
	tu_ctx_free(ctx);
}

static void test_sink_empty_write_with_null(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s = sl_sink_open(a, NULL, NULL);

	(void)state;
	assert_int_equal(sl_sink_write(s, NULL, 0), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	tu_ctx_free(ctx);
}

static void test_sink_close_twice_names_the_misuse(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s = sl_sink_open(a, NULL, NULL);

	(void)state;
	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "use of closed sink"));
	tu_ctx_free(ctx);
}

/* ---- sl_tmpfiles_remove() -------------------------------------------- */

static void test_sink_tmpfiles_remove_open_sinks(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 1024);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *plain = path_in(dir, "a.txt");
	char *gz = path_in(dir, "b.gz");
	unsigned char *data = make_data(5000);
	sl_sink *s1, *s2;

	(void)state;
	tu_write_file(plain, "old content\n", 12);
	s1 = sl_sink_open(a, plain, NULL);
	s2 = sl_sink_open(a, gz, NULL);
	assert_non_null(s1);
	assert_non_null(s2);
	write_pattern(s1, data, 5000);
	write_pattern(s2, data, 5000);
	assert_int_equal(tu_count_entries(dir), 3);

	/* what a SIGINT handler would do */
	sl_tmpfiles_remove();
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(plain, "old content\n", 12);

	sl_arena_free(a);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(plain, "old content\n", 12);
	free(plain);
	free(gz);
	free(data);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_tmpfiles_remove_spares_closed(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *done = path_in(dir, "done.txt");
	char *open_ = path_in(dir, "open.txt");
	sl_sink *s1, *s2;

	(void)state;
	s1 = sl_sink_open(a, done, NULL);
	s2 = sl_sink_open(a, open_, NULL);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_int_equal(sl_sink_write(s1, "kept\n", 5), SL_OK);
	assert_int_equal(sl_sink_close(s1), SL_OK);
	assert_int_equal(sl_sink_write(s2, "lost\n", 5), SL_OK);
	assert_int_equal(tu_count_entries(dir), 2);

	sl_tmpfiles_remove();
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_is(done, "kept\n", 5);
	/* the abandoned sink cannot be finished any more */
	assert_int_equal(sl_sink_close(s2), SL_EIO);
	assert_false(exists(open_));
	assert_int_equal(tu_count_entries(dir), 1);
	free(done);
	free(open_);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* ---- memory ---------------------------------------------------------- */

/* One gzip job in a fresh arena; returns its status.  The arena is freed
 * whatever happens, as a caller would after a failure. */
static sl_status gzip_job(sl_ctx *ctx, const char *out, int level,
			  const unsigned char *data, size_t n)
{
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s;
	size_t off, k;

	if (!a)
		return sl_errcode(ctx);
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1,
						     .level = level });
	for (off = 0; s && off < n; off += k) {
		k = n - off < 1000 ? n - off : 1000;
		if (sl_sink_write(s, data + off, k) != SL_OK)
			break;
	}
	if (s && !sl_failed(ctx))
		sl_sink_close(s);
	sl_arena_free(a);
	return sl_errcode(ctx);
}

/* Allocation N fails for N = 1, 2, ... until a gzip job at level runs
 * through: SL_ENOMEM each time, nothing left behind. */
static void check_alloc_failures(int level)
{
	const size_t n = 20000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "faults.gz");
	unsigned long fail_at;
	int failures = 0;

	for (fail_at = 1; ; fail_at++) {
		sl_ctx *ctx = tu_ctx(0, 4096);
		sl_status st;

		assert_true(fail_at < 1000);
		sl_mem_fail_at(ctx, fail_at);
		st = gzip_job(ctx, out, level, data, n);
		if (st == SL_OK) {
			tu_ctx_free(ctx);
			break;
		}
		assert_int_equal(st, SL_ENOMEM);
		assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
		assert_int_equal(tu_count_entries(dir), 0);
		tu_ctx_free(ctx);  /* asserts nothing is left in use */
		failures++;
	}
	assert_true(failures >= 3);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_gunzips_to(out, data, n);
	free(out);
	free(data);
	tu_rmdir(dir);
}

static void test_sink_alloc_failures(void **state)
{
	(void)state;
	check_alloc_failures(6);
	check_alloc_failures(1);
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

static void test_sink_gzip_memory_charged(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "charged.gz");
	sl_tag_stat tags[SL_MAX_TAGS];
	const sl_tag_stat *t;
	size_t ntags;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1 });
	assert_non_null(s);
	assert_int_equal(sl_sink_write(s, "some bytes\n", 11), SL_OK);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	t = find_tag(tags, ntags, "gzip.deflate");
	assert_non_null(t);
	/* zlib.h: deflate takes (1 << (windowBits + 2)) + (1 << (memLevel +
	 * 9)) bytes, 256 KiB for 15 and 8 */
	assert_true(t->peak >= (size_t)256 << 10);
	assert_true(t->in_use > 0);
	assert_true(sl_mem_in_use(ctx) >= t->in_use);

	assert_int_equal(sl_sink_close(s), SL_OK);
	sl_arena_free(a);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	t = find_tag(tags, ntags, "gzip.deflate");
	assert_non_null(t);
	assert_int_equal(t->in_use, 0);
	assert_true(t->peak >= (size_t)256 << 10);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* ---- zstd ------------------------------------------------------------- */

/*
 * Decode z[0..zn) with libzstd, all of it, into a new buffer whose size
 * goes to *n.  Returns what ZSTD_decompressStream() said last: 0 when the
 * frame ended, more when it is still open.
 */
static size_t unzstd(const unsigned char *z, size_t zn, unsigned char **p,
		     size_t *n)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = { z, zn, 0 };
	unsigned char *out = NULL;
	size_t cap = 0, ret;

	assert_non_null(d);
	*n = 0;
	do {
		if (cap - *n < 65536) {
			cap = cap * 2 + 65536;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		{
			ZSTD_outBuffer ob = { out, cap, *n };

			ret = ZSTD_decompressStream(d, &ob, &in);
			assert_false(ZSTD_isError(ret));
			*n = ob.pos;
		}
	} while (in.pos < in.size || *n == cap);
	ZSTD_freeDCtx(d);
	*p = out;
	return ret;
}

/* path holds one whole zstd frame, with a checksum, of p[0..n). */
static void assert_file_unzstds_to(const char *path, const void *p, size_t n)
{
	size_t zn, got;
	unsigned char *z = tu_read_file(path, &zn), *buf;
	ZSTD_frameHeader fh;

	assert_true(zn >= 4);
	assert_int_equal(ZSTD_getFrameHeader(&fh, z, zn), 0);
	assert_int_equal(fh.checksumFlag, 1);
	assert_int_equal(ZSTD_findFrameCompressedSize(z, zn), zn);
	assert_int_equal(unzstd(z, zn, &buf, &got), 0);
	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(buf, p, n);
	free(buf);
	free(z);
}

/* Written at any chunk size, the file is one frame that zstd decodes to
 * the bytes written; zstd=1 works on any name. */
static void test_sink_zstd_round_trip(void **state)
{
	static const size_t chunks[] = { 1, 5, 4096, 64 << 10 };
	const size_t n = 300000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "out.csv");
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		sl_ctx *ctx = tu_ctx(0, chunks[i]);

		write_file(ctx, out, &(sl_sink_options){ .zstd = 1 }, data,
			   n);
		assert_file_unzstds_to(out, data, n);
		tu_ctx_free(ctx);
	}
	{
		sl_ctx *ctx = tu_ctx(0, 0);

		write_file(ctx, out, &(sl_sink_options){ .zstd = 1 }, data, 0);
		assert_file_unzstds_to(out, data, 0);
		write_file(ctx, out, &(sl_sink_options){ .zstd = 1,
							 .level = 19 }, data, n);
		assert_file_unzstds_to(out, data, n);
		tu_ctx_free(ctx);
	}
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* zstd's so_far_fn: every byte so far in it; on one thread the frame is
 * still open, on threads frames end at a flush. */
static void assert_unzstds_so_far(const unsigned char *z, size_t zn,
				  const unsigned char *data, size_t want)
{
	unsigned char *buf;
	size_t got, ret = unzstd(z, zn, &buf, &got);

	assert_true(tu_threads > 1 ? ret == 0 : ret > 0);
	assert_int_equal(got, want);
	assert_memory_equal(buf, data, want);
	free(buf);
}

static size_t assert_file_zstd_frames_to(const char *path, const void *p,
					 size_t n);

/* whole_fn of any number of zstd frames */
static void assert_file_unzstds_frames(const char *path, const void *p,
				       size_t n)
{
	assert_true(assert_file_zstd_frames_to(path, p, n) >= 1);
}

/* After every sl_sink_flush() the file so far decodes to every byte
 * written so far, on one thread its frame still open; closing ends it.
 * On threads (frames of blocks), each flush ends a frame. */
static void test_sink_zstd_flush_decodes_so_far(void **state)
{
	static const size_t chunks[] = { 1, 5, 16, 64 << 10 };
	unsigned char *data = make_data(150000);
	char *dir = tu_tmpdir();
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(chunks); i++)
		for (tu_threads = 1; tu_threads <= 2; tu_threads++)
			check_flushes(dir, "sync.zst", NULL, chunks[i], data,
				      assert_unzstds_so_far, tu_threads > 1 ?
				      assert_file_unzstds_frames :
				      assert_file_unzstds_to);
	tu_threads = 2;
	free(data);
	tu_rmdir(dir);
}

/* ".zst" chooses zstd when gzip is -1 or there are no options; gzip 0
 * is plain whatever the name. */
static void test_sink_zstd_by_name(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "x.csv.zst");

	(void)state;
	write_file(ctx, out, NULL, (const unsigned char *)"a,b\n", 4);
	assert_file_unzstds_to(out, "a,b\n", 4);
	write_file(ctx, out, &(sl_sink_options){ .gzip = -1, .level = 1 },
		   (const unsigned char *)"c\n", 2);
	assert_file_unzstds_to(out, "c\n", 2);
	write_file(ctx, out, &(sl_sink_options){ .gzip = 0 },
		   (const unsigned char *)"d\n", 2);
	assert_file_is(out, "d\n", 2);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* Open name with opt: refused with code, the message holding what, no
 * file made. */
static void check_open_refused(const char *name, const sl_sink_options *opt,
			       size_t max_memory, sl_status code,
			       const char *what)
{
	sl_ctx *ctx = tu_ctx(max_memory, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, name);

	assert_null(sl_sink_open(a, out, opt));
	assert_int_equal(sl_errcode(ctx), code);
	assert_non_null(strstr(sl_errmsg(ctx), what));
	assert_int_equal(tu_count_entries(dir), 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_sink_zstd_levels(void **state)
{
	(void)state;
	check_open_refused("x.zst", &(sl_sink_options){ .zstd = 1,
		.level = 20 }, 0, SL_EINVAL,
		"zstd compression level 20 is not in 1..19");
	check_open_refused("x", &(sl_sink_options){ .zstd = 1, .level = -1 },
		0, SL_EINVAL, "zstd compression level -1 is not in 1..19");
	check_open_refused("x.gz", &(sl_sink_options){ .gzip = -1,
		.level = 12 }, 0, SL_EINVAL,
		"gzip compression level 12 is not in 1..9");
	/* level 19's tables, even with a 64 KiB window, are past 1 MiB:
	 * refused before a byte (under 16 MiB it takes a smaller window) */
	check_open_refused("x.zst", &(sl_sink_options){ .zstd = 1,
		.level = 19 }, 1 << 20, SL_ENOMEM,
		"to compress at zstd level 19, more than the memory ceiling of"
		" 1.0 MiB leaves (raise --max-memory or lower --level)");
}

/* A name that says one compression while the other is asked for, or one
 * sluice does not write, is refused. */
static void test_sink_zstd_name_conflicts(void **state)
{
	(void)state;
	check_open_refused("x.gz", &(sl_sink_options){ .zstd = 1 }, 0,
			   SL_EINVAL, "cannot write zstd to '");
	check_open_refused("x.zst", &(sl_sink_options){ .gzip = 1 }, 0,
			   SL_EINVAL, "its name says zstd");
	check_open_refused("x", &(sl_sink_options){ .gzip = 1, .zstd = 1 },
			   0, SL_EINVAL, "as both gzip and zstd");
	check_open_refused("x.csv.xz", NULL, 0, SL_EINVAL,
			   "sluice compresses output as gzip or zstd only");
	check_open_refused("x.bz2", &(sl_sink_options){ .zstd = 1 }, 0,
			   SL_EINVAL, "name it .gz or .zst");
}

/* One thread's compressor (see test_sink_zstd_threads_frames for the
 * blocks'). */
static void test_sink_zstd_memory_charged(void **state)
{
	sl_ctx *ctx = tu_ctx_j(0, 0, 1);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_tag_stat tags[SL_MAX_TAGS];
	const sl_tag_stat *t;
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "m.zst");
	sl_sink *s;
	size_t ntags;

	(void)state;
	s = sl_sink_open(a, out, NULL);
	assert_non_null(s);
	assert_int_equal(sl_sink_write(s, "some bytes\n", 11), SL_OK);
	assert_int_equal(sl_sink_flush(s), SL_OK);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	/* level 3: a 2 MiB window and its tables */
	t = find_tag(tags, ntags, "zstd.compress");
	assert_non_null(t);
	assert_true(t->peak >= (2 << 20));
	assert_true(t->in_use > 0);
	t = find_tag(tags, ntags, "zstd.buffer");
	assert_non_null(t);
	assert_true(t->peak >= 64 << 10);
	assert_null(find_tag(tags, ntags, "gzip.deflate"));
	assert_int_equal(sl_sink_close(s), SL_OK);
	sl_arena_free(a);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	assert_int_equal(find_tag(tags, ntags, "zstd.compress")->in_use, 0);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

/* Level 1's deflater is charged to "gzip.deflate" too: igzip's stream
 * and level buffer with ISA-L, zlib's state without. */
static void test_sink_gzip_level_one_charged(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "test");
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "one.gz");
	sl_tag_stat tags[SL_MAX_TAGS];
	const sl_tag_stat *t;
#ifdef SL_HAVE_ISAL
	const size_t want = sizeof(struct isal_zstream) + ISAL_DEF_LVL1_SMALL;
#else
	const size_t want = (size_t)256 << 10;
#endif
	size_t ntags;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1, .level = 1 });
	assert_non_null(s);
	assert_int_equal(sl_sink_write(s, "some bytes\n", 11), SL_OK);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	t = find_tag(tags, ntags, "gzip.deflate");
	assert_non_null(t);
	assert_true(t->in_use >= want);
	assert_int_equal(sl_sink_close(s), SL_OK);
	sl_arena_free(a);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	t = find_tag(tags, ntags, "gzip.deflate");
	assert_int_equal(t->in_use, 0);
	assert_file_gunzips_to(out, "some bytes\n", 11);
	free(out);
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static sl_status zstd_job(sl_ctx *ctx, const char *out,
			  const unsigned char *data, size_t n)
{
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s;
	size_t off, k;

	if (!a)
		return sl_errcode(ctx);
	s = sl_sink_open(a, out, &(sl_sink_options){ .zstd = 1 });
	for (off = 0; s && off < n; off += k) {
		k = n - off < 1000 ? n - off : 1000;
		if (sl_sink_write(s, data + off, k) != SL_OK)
			break;
	}
	if (s && !sl_failed(ctx))
		sl_sink_close(s);
	sl_arena_free(a);
	return sl_errcode(ctx);
}

/* Charge N fails for N = 1, 2, ...: SL_ENOMEM, no file, nothing kept,
 * until the file is written whole. */
static void test_sink_zstd_alloc_failures(void **state)
{
	const size_t n = 20000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "faults.zst");
	unsigned long fail_at;
	int failures = 0, hit = 0;

	(void)state;
	for (fail_at = 1; ; fail_at++) {
		sl_ctx *ctx = tu_ctx(0, 4096);
		sl_status st;

		assert_true(fail_at < 1000);
		sl_mem_fail_at(ctx, fail_at);
		st = zstd_job(ctx, out, data, n);
		if (st == SL_OK) {
			tu_ctx_free(ctx);
			break;
		}
		assert_int_equal(st, SL_ENOMEM);
		assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
		hit |= strstr(sl_errmsg(ctx), "'zstd.compress'") != NULL;
		assert_int_equal(tu_count_entries(dir), 0);
		tu_ctx_free(ctx);
		failures++;
	}
	assert_true(failures >= 4);
	assert_true(hit);
	assert_int_equal(tu_count_entries(dir), 1);
	assert_file_unzstds_to(out, data, n);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* ---- gzip deflated on threads ----------------------------------------- */

/* Random bytes (that do not compress) and text (that does), in runs. */
static unsigned char *make_mixed(size_t n)
{
	unsigned char *p = make_data(n);
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		if ((i >> 15) % 3 == 1)
			p[i] = (unsigned char)(x >> 16);
	}
	return p;
}

/*
 * Over many blocks, with -j 2 and -j 8, at an igzip and at zlib levels:
 * one gzip member that zlib inflates to the input (CRC and length
 * checked), the same bytes for any number of threads, and the block
 * compressor's memory charged under its tags.
 */
static void test_sink_gzip_threads_one_member(void **state)
{
	static const int levels[] = { 1, 6, 9 };
	static const unsigned threads[] = { 2, 8 };
	const size_t n = 1500000;
	unsigned char *data = make_mixed(n), *first = NULL, *z;
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "par.gz");
	sl_tag_stat tags[SL_MAX_TAGS];
	size_t l, t, zn, fn = 0;

	(void)state;
	for (l = 0; l < ARRAY_SIZE(levels); l++) {
		for (t = 0; t < ARRAY_SIZE(threads); t++) {
			sl_ctx *ctx = tu_ctx_j(0, 1000, threads[t]);
			sl_arena *a = sl_arena_new(ctx, "test");
			sl_sink *s = sl_sink_open(a, out, &(sl_sink_options){
				.gzip = 1, .level = levels[l] });
			size_t ntags;

			assert_non_null(s);
			write_pattern(s, data, n);
			ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
			assert_non_null(find_tag(tags, ntags, "gzip.threads"));
			assert_non_null(find_tag(tags, ntags, "gzip.blocks"));
			assert_int_equal(sl_sink_close(s), SL_OK);
			sl_arena_free(a);
			tu_ctx_free(ctx);
			assert_file_gunzips_to(out, data, n);
			z = tu_read_file(out, &zn);
			if (t == 0) {
				free(first);
				first = z;
				fn = zn;
				continue;
			}
			assert_int_equal(zn, fn);
			assert_memory_equal(z, first, zn);
			free(z);
		}
	}
	free(first);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* Empty output, and output of less than one block, on threads. */
static void test_sink_gzip_threads_short(void **state)
{
	static const size_t sizes[] = { 0, 1, 4000 };
	unsigned char *data = make_data(4000);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "short.gz");
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		sl_ctx *ctx = tu_ctx_j(0, 0, 2);

		write_file(ctx, out, &(sl_sink_options){ .gzip = 1 }, data,
			   sizes[i]);
		tu_ctx_free(ctx);
		assert_file_gunzips_to(out, data, sizes[i]);
	}
	free(out);
	free(data);
	tu_rmdir(dir);
}

/*
 * Too little free budget for two workers' jobs: the sink deflates on the
 * caller's thread instead, and the output is the same stream one thread
 * writes.
 */
static void test_sink_gzip_threads_small_budget(void **state)
{
	const size_t n = 300000;
	unsigned char *data = make_data(n), *z1, *z2;
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "small.gz");
	sl_tag_stat tags[SL_MAX_TAGS];
	sl_ctx *ctx = tu_ctx_j(2 << 20, 0, 8);
	sl_arena *a = sl_arena_new(ctx, "test");
	size_t n1, n2, ntags;
	sl_sink *s;

	(void)state;
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1 });
	assert_non_null(s);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	assert_null(find_tag(tags, ntags, "gzip.threads"));
	write_pattern(s, data, n);
	assert_int_equal(sl_sink_close(s), SL_OK);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	z1 = tu_read_file(out, &n1);
	ctx = tu_ctx_j(0, 0, 1);
	write_file(ctx, out, &(sl_sink_options){ .gzip = 1 }, data, n);
	tu_ctx_free(ctx);
	z2 = tu_read_file(out, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(z1, z2, n1);
	free(z1);
	free(z2);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/*
 * Write the n bytes at data to out (in dir) with options o on two threads,
 * the first byte marked, with charge N refused for N = 1, 2, ...: each
 * run ends in SL_ENOMEM with no file, every byte back and every thread
 * ended, until the file is written whole.  Returns how many runs failed.
 */
static int sweep_alloc_failures(const char *dir, const char *out,
				const sl_sink_options *o,
				const unsigned char *data, size_t n)
{
	unsigned long fail_at;
	int failures = 0;

	for (fail_at = 1; ; fail_at++) {
		sl_ctx *ctx = tu_ctx_j(0, 4096, 2);
		sl_arena *a = sl_arena_new(ctx, "test");
		sl_sink *s;

		assert_true(fail_at < 1000);
		sl_mem_fail_at(ctx, fail_at);
		s = a ? sl_sink_open(a, out, o) : NULL;
		if (s) {
			sl_sink_mark(s);
			sl_sink_write(s, data, n);
			sl_sink_close(s);
		}
		sl_arena_free(a);
		if (!sl_failed(ctx)) {
			tu_ctx_free(ctx);
			return failures;
		}
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		assert_int_equal(tu_count_entries(dir), 0);
		tu_ctx_free(ctx);
		failures++;
	}
}

static void test_sink_gzip_threads_alloc_failures(void **state)
{
	const size_t n = 400000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "faults.gz");

	(void)state;
	assert_true(sweep_alloc_failures(dir, out, &(sl_sink_options){
		.gzip = 1, .level = 6 }, data, n) >= 8);
	assert_file_gunzips_to(out, data, n);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* ---- block gzip -------------------------------------------------------- */

/* Inflate one member's raw deflate stream into out, n bytes expected.
 * (A whole block gzip file is several members, which gunzip() above,
 * one member, does not read: the command-line tests read it with gzip,
 * pigz and Python.) */
static void inflate_member(const unsigned char *z, size_t zn,
			   unsigned char *out, size_t n)
{
	z_stream st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(inflateInit2(&st, -15), Z_OK);
	st.next_in = (unsigned char *)z;
	st.avail_in = (uInt)zn;
	st.next_out = out;
	st.avail_out = (uInt)n;
	assert_int_equal(inflate(&st, Z_FINISH), Z_STREAM_END);
	assert_int_equal(st.avail_in, 0);     /* the deflate ends there */
	assert_int_equal(st.total_out, n);
	inflateEnd(&st);
}

/*
 * The file at path is block gzip of the n bytes at p, in members of block
 * bytes, with records marked at marks[0..nmarks): each member parses,
 * inflates alone to its size and CRC, carries the first mark inside it,
 * and the last is the empty end.  Returns the data members.
 */
static size_t assert_blocks(const char *path, const unsigned char *p,
			    size_t n, size_t block, const size_t *marks,
			    size_t nmarks)
{
	size_t zn, at = 0, u = 0, k = 0, members = 0;
	unsigned char *z = tu_read_file(path, &zn), *buf = malloc(block + 1);
	sl_blocks_member m;

	assert_non_null(buf);
	for (;;) {
		size_t dn;

		assert_true(sl_blocks_parse(z + at, zn - at, &m));
		assert_true(m.size <= zn - at);
		dn = m.size - SL_BLOCKS_HEAD - 8;
		if (m.flags & SL_BLOCKS_EOF) {
			assert_int_equal(m.usize, 0);
			assert_int_equal(at + m.size, zn);
			break;
		}
		assert_true(m.usize > 0 && m.usize <= block);
		/* all but the last are whole blocks */
		assert_true(u + m.usize == n || m.usize == block);
		inflate_member(z + at + SL_BLOCKS_HEAD, dn, buf, m.usize);
		assert_memory_equal(buf, p + u, m.usize);
		assert_int_equal(m.first == SL_BLOCKS_NONE ? 0 : 1,
				 k < nmarks && marks[k] < u + m.usize);
		if (m.first != SL_BLOCKS_NONE)
			assert_int_equal(u + m.first, marks[k]);
		while (k < nmarks && marks[k] < u + m.usize)
			k++;
		assert_int_equal(z[at + m.size - 8] |
				 (uint32_t)z[at + m.size - 7] << 8 |
				 (uint32_t)z[at + m.size - 6] << 16 |
				 (uint32_t)z[at + m.size - 5] << 24,
				 (uint32_t)crc32(0, p + u, (uInt)m.usize));
		u += m.usize;
		at += m.size;
		members++;
	}
	assert_int_equal(u, n);
	/* a mark after the last byte is the end member's */
	assert_int_equal(m.first == SL_BLOCKS_NONE ? 0 : 1, k < nmarks);
	free(buf);
	free(z);
	return members;
}

/* Records of 1 to 9000 bytes (some longer than a block) written with a
 * mark each; the marks' offsets go to marks. */
static size_t write_records(sl_sink *s, const unsigned char *p, size_t n,
			    size_t *marks)
{
	size_t at = 0, len, nm = 0;
	uint32_t r = 7;

	while (at < n) {
		r = r * 1103515245u + 12345u;
		len = r % 7 == 0 ? 1 + r % 9000 : 1 + r % 300;
		if (len > n - at)
			len = n - at;
		marks[nm++] = at;
		assert_int_equal(sl_sink_mark(s), SL_OK);
		assert_int_equal(sl_sink_write(s, p + at, len), SL_OK);
		at += len;
	}
	return nm;
}

/* On one thread (the caller deflates), two and eight: the same bytes, a
 * member a block that inflates alone, every member's first record. */
static void test_sink_blocks_on_threads(void **state)
{
	static const unsigned threads[] = { 1, 2, 8 };
	const size_t n = 300000, block = 8192;
	unsigned char *data = make_mixed(n), *first = NULL, *z;
	size_t *marks = malloc(n * sizeof(*marks)), nm = 0, zn, fn = 0, t;
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "b.gz");

	(void)state;
	assert_non_null(marks);
	for (t = 0; t < ARRAY_SIZE(threads); t++) {
		sl_ctx *ctx = tu_ctx_j(0, 1000, threads[t]);
		sl_arena *a = sl_arena_new(ctx, "test");
		sl_sink *s = sl_sink_open(a, out, &(sl_sink_options){
			.gzip = 1, .blocks = block });

		assert_non_null(s);
		assert_true(sl_sink_blocks(s));
		nm = write_records(s, data, n, marks);
		assert_int_equal(sl_sink_close(s), SL_OK);
		sl_arena_free(a);
		tu_ctx_free(ctx);
		assert_int_equal(assert_blocks(out, data, n, block, marks, nm),
				 (n + block - 1) / block);
		z = tu_read_file(out, &zn);
		if (t == 0) {
			first = z;
			fn = zn;
			continue;
		}
		assert_int_equal(zn, fn);
		assert_memory_equal(z, first, zn);
		free(z);
	}
	free(first);
	free(marks);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* A mark as the last thing written (a header and no records) is kept by
 * the end member; no output at all is one end member; a flush ends a
 * member short; marks on a sink that is not block gzip change nothing. */
static void test_sink_blocks_edges(void **state)
{
	static const size_t end_mark[] = { 4096 };
	unsigned char *data = make_data(5000);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "e.gz");
	sl_ctx *ctx = tu_ctx_j(0, 0, 1);
	sl_arena *a = sl_arena_new(ctx, "test");
	sl_sink *s;
	size_t zn;
	unsigned char *z;
	sl_blocks_member m;

	(void)state;
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1,
						     .blocks = 4096 });
	assert_int_equal(sl_sink_write(s, data, 4096), SL_OK);
	assert_int_equal(sl_sink_mark(s), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_blocks(out, data, 4096, 4096, end_mark, 1);
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1,
						     .blocks = 4096 });
	assert_int_equal(sl_sink_close(s), SL_OK);
	assert_int_equal(assert_blocks(out, data, 0, 4096, NULL, 0), 0);
	assert_file_gunzips_to(out, "", 0);
	/* a flush: 100 bytes, then a member of its own for the rest */
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1,
						     .blocks = 4096 });
	assert_int_equal(sl_sink_mark(s), SL_OK);
	assert_int_equal(sl_sink_write(s, data, 100), SL_OK);
	assert_int_equal(sl_sink_flush(s), SL_OK);
	assert_int_equal(sl_sink_mark(s), SL_OK);
	assert_int_equal(sl_sink_write(s, data + 100, 4900), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	z = tu_read_file(out, &zn);
	assert_true(sl_blocks_parse(z, zn, &m));
	assert_int_equal(m.usize, 100);
	assert_int_equal(m.first, 0);
	assert_true(sl_blocks_parse(z + m.size, zn - m.size, &m));
	assert_int_equal(m.usize, 4096);
	assert_int_equal(m.first, 0);
	free(z);
	/* plain and ordinary gzip: sl_sink_mark() does nothing */
	s = sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1 });
	assert_false(sl_sink_blocks(s));
	assert_int_equal(sl_sink_mark(s), SL_OK);
	assert_int_equal(sl_sink_write(s, data, 5000), SL_OK);
	assert_int_equal(sl_sink_close(s), SL_OK);
	z = tu_read_file(out, &zn);
	assert_false(sl_blocks_parse(z, zn, &m));
	free(z);
	assert_file_gunzips_to(out, data, 5000);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* Refused: blocks of plain or zstd output, sizes out of range, blocks
 * that do not fit the budget (SL_ENOMEM, naming the way out). */
static void test_sink_blocks_refused(void **state)
{
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "r.gz");
	sl_ctx *ctx;
	sl_arena *a;

	(void)state;
	ctx = tu_ctx_j(0, 0, 2);
	a = sl_arena_new(ctx, "test");
	assert_null(sl_sink_open(a, "-", &(sl_sink_options){ .gzip = 0,
							     .blocks = 4096 }));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "they are gzip members"));
	tu_ctx_free(ctx);
	ctx = tu_ctx_j(0, 0, 2);
	a = sl_arena_new(ctx, "test");
	assert_null(sl_sink_open(a, out, &(sl_sink_options){ .gzip = 1,
							     .blocks = 4095 }));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	tu_ctx_free(ctx);
	ctx = tu_ctx_j(4 << 20, 0, 2);
	a = sl_arena_new(ctx, "test");
	assert_null(sl_sink_open(a, out, &(sl_sink_options){
		.gzip = 1, .blocks = 8 << 20 }));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "smaller --blocks"));
	assert_int_equal(tu_count_entries(dir), 0);
	tu_ctx_free(ctx);
	free(out);
	tu_rmdir(dir);
}

/* Block gzip through sweep_alloc_failures(). */
static void test_sink_blocks_alloc_failures(void **state)
{
	static const size_t mark[] = { 0 };
	const size_t n = 100000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "faults.gz");

	(void)state;
	assert_true(sweep_alloc_failures(dir, out, &(sl_sink_options){
		.gzip = 1, .blocks = 16384 }, data, n) >= 6);
	assert_blocks(out, data, n, 16384, mark, 1);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* ---- zstd compressed on threads ---------------------------------------- */

/* The file is zstd frames, each with a checksum, that decode to the n
 * bytes at p; returns how many frames. */
static size_t assert_file_zstd_frames_to(const char *path, const void *p,
					 size_t n)
{
	size_t zn, got, at, len, frames = 0;
	unsigned char *z = tu_read_file(path, &zn), *buf;
	ZSTD_frameHeader fh;

	for (at = 0; at < zn; at += len, frames++) {
		assert_int_equal(ZSTD_getFrameHeader(&fh, z + at, zn - at), 0);
		assert_int_equal(fh.checksumFlag, 1);
		len = ZSTD_findFrameCompressedSize(z + at, zn - at);
		assert_false(ZSTD_isError(len));
	}
	assert_int_equal(at, zn);
	assert_int_equal(unzstd(z, zn, &buf, &got), 0);
	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(buf, p, n);
	free(buf);
	free(z);
	return frames;
}

/*
 * Over several blocks, with -j 2 and -j 8, at three levels: a frame a
 * block of 1 MiB, that zstd decodes to the input, the same bytes for any
 * number of threads, and the compressor's memory charged under its tags.
 */
static void test_sink_zstd_threads_frames(void **state)
{
	static const int levels[] = { 1, 3, 9 };
	static const unsigned threads[] = { 2, 8 };
	const size_t n = 3500000;
	unsigned char *data = make_mixed(n), *first = NULL, *z;
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "par.zst");
	sl_tag_stat tags[SL_MAX_TAGS];
	size_t l, t, zn, fn = 0;

	(void)state;
	for (l = 0; l < ARRAY_SIZE(levels); l++) {
		for (t = 0; t < ARRAY_SIZE(threads); t++) {
			sl_ctx *ctx = tu_ctx_j(0, 1000, threads[t]);
			sl_arena *a = sl_arena_new(ctx, "test");
			sl_sink *s = sl_sink_open(a, out, &(sl_sink_options){
				.zstd = 1, .level = levels[l] });
			size_t ntags;

			assert_non_null(s);
			write_pattern(s, data, n);
			ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
			assert_non_null(find_tag(tags, ntags, "zstd.blocks"));
			assert_non_null(find_tag(tags, ntags, "zstd.compress"));
			assert_int_equal(sl_sink_close(s), SL_OK);
			sl_arena_free(a);
			tu_ctx_free(ctx);
			assert_int_equal(assert_file_zstd_frames_to(out, data, n),
					 (n + (1 << 20) - 1) >> 20);
			z = tu_read_file(out, &zn);
			if (t == 0) {
				free(first);
				first = z;
				fn = zn;
				continue;
			}
			assert_int_equal(zn, fn);
			assert_memory_equal(z, first, zn);
			free(z);
		}
	}
	free(first);
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* Empty output, less than a block, and a block and one byte, on threads:
 * one frame for the empty output, none empty after the others. */
static void test_sink_zstd_threads_short(void **state)
{
	static const size_t sizes[] = { 0, 1, 4000, (1 << 20) + 1 };
	static const size_t frames[] = { 1, 1, 1, 2 };
	unsigned char *data = make_data((1 << 20) + 1);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "short.zst");
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		sl_ctx *ctx = tu_ctx_j(0, 0, 2);

		write_file(ctx, out, &(sl_sink_options){ .zstd = 1 }, data,
			   sizes[i]);
		tu_ctx_free(ctx);
		assert_int_equal(assert_file_zstd_frames_to(out, data,
							    sizes[i]),
				 frames[i]);
	}
	free(out);
	free(data);
	tu_rmdir(dir);
}

/* Charge N refused for N = 1, 2, ... on threads: SL_ENOMEM, no file,
 * every byte back, every thread ended, until the file is written whole. */
static void test_sink_zstd_threads_alloc_failures(void **state)
{
	const size_t n = 2500000;
	unsigned char *data = make_data(n);
	char *dir = tu_tmpdir();
	char *out = path_in(dir, "faults.zst");
	unsigned long fail_at;
	int failures = 0;

	(void)state;
	for (fail_at = 1; ; fail_at++) {
		sl_ctx *ctx = tu_ctx_j(0, 4096, 2);
		sl_arena *a = sl_arena_new(ctx, "test");
		sl_sink *s;

		assert_true(fail_at < 1000);
		sl_mem_fail_at(ctx, fail_at);
		s = a ? sl_sink_open(a, out, &(sl_sink_options){
			.zstd = 1 }) : NULL;
		if (s) {
			sl_sink_write(s, data, n);
			sl_sink_close(s);
		}
		sl_arena_free(a);
		if (!sl_failed(ctx)) {
			tu_ctx_free(ctx);
			break;
		}
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		assert_int_equal(tu_count_entries(dir), 0);
		tu_ctx_free(ctx);
		failures++;
	}
	assert_true(failures >= 8);
	assert_int_equal(assert_file_zstd_frames_to(out, data, n), 3);
	free(out);
	free(data);
	tu_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_zstd_threads_frames),
		cmocka_unit_test(test_sink_zstd_threads_short),
		cmocka_unit_test(test_sink_zstd_threads_alloc_failures),
		cmocka_unit_test(test_sink_gzip_threads_one_member),
		cmocka_unit_test(test_sink_gzip_threads_short),
		cmocka_unit_test(test_sink_gzip_threads_small_budget),
		cmocka_unit_test(test_sink_gzip_threads_alloc_failures),
		cmocka_unit_test(test_sink_blocks_on_threads),
		cmocka_unit_test(test_sink_blocks_edges),
		cmocka_unit_test(test_sink_blocks_refused),
		cmocka_unit_test(test_sink_blocks_alloc_failures),
		cmocka_unit_test(test_sink_name),
		cmocka_unit_test(test_sink_rename_is_atomic),
		cmocka_unit_test(test_sink_relative_path),
		cmocka_unit_test(test_sink_empty_output),
		cmocka_unit_test(test_sink_arena_free_keeps_existing),
		cmocka_unit_test(test_sink_ctx_free_keeps_existing),
		cmocka_unit_test(test_sink_arena_reset_removes_tmp),
		cmocka_unit_test(test_sink_close_replaces_existing_keeps_mode),
		cmocka_unit_test(test_sink_new_file_mode_follows_umask),
		cmocka_unit_test(test_sink_missing_folder_fails),
		cmocka_unit_test(test_sink_folder_path_fails),
		cmocka_unit_test(test_sink_open_refused_after_error),
		cmocka_unit_test(test_sink_write_failure_removes_tmp),
		cmocka_unit_test(test_sink_rename_failure_removes_tmp),
		cmocka_unit_test(test_sink_folder_target_refused),
		cmocka_unit_test(test_sink_stdout_full_disk),
		cmocka_unit_test(test_sink_stdout_full_disk_at_close),
		cmocka_unit_test(test_sink_stdout_closed_pipe),
		cmocka_unit_test(test_sink_stdout_stays_open),
		cmocka_unit_test(test_sink_gzip_small_writes),
		cmocka_unit_test(test_sink_gzip_large_write),
		cmocka_unit_test(test_sink_gzip_level_zero_means_three),
		cmocka_unit_test(test_sink_gzip_by_name),
		cmocka_unit_test(test_sink_gzip_by_name_without_options),
		cmocka_unit_test(test_sink_flush_plain),
		cmocka_unit_test(test_sink_flush_gzip_sync_point),
		cmocka_unit_test(test_sink_gzip_fast_levels_differ),
		cmocka_unit_test(test_sink_write_after_close),
		cmocka_unit_test(test_sink_bad_level),
		cmocka_unit_test(test_sink_chunk_size_invariance_plain),
		cmocka_unit_test(test_sink_chunk_size_invariance_gzip),
		cmocka_unit_test(test_sink_write_refused_after_error),
		cmocka_unit_test(test_sink_empty_write_with_null),
		cmocka_unit_test(test_sink_close_twice_names_the_misuse),
		cmocka_unit_test(test_sink_tmpfiles_remove_open_sinks),
		cmocka_unit_test(test_sink_tmpfiles_remove_spares_closed),
		cmocka_unit_test(test_sink_alloc_failures),
		cmocka_unit_test(test_sink_gzip_memory_charged),
		cmocka_unit_test(test_sink_zstd_round_trip),
		cmocka_unit_test(test_sink_zstd_flush_decodes_so_far),
		cmocka_unit_test(test_sink_zstd_by_name),
		cmocka_unit_test(test_sink_zstd_levels),
		cmocka_unit_test(test_sink_zstd_name_conflicts),
		cmocka_unit_test(test_sink_zstd_memory_charged),
		cmocka_unit_test(test_sink_zstd_alloc_failures),
		cmocka_unit_test(test_sink_gzip_level_one_charged),
	};

	tu_filter_from_env();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
