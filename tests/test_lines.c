/*
 * test_lines.c - the line reader: every chunk boundary, CRLF, a last line
 * without an ending, lines longer than the ceiling allows, and counting.
 *
 * The expected lines come from a plain reference splitter written here, not
 * from the reader under test.
 */
#include <zlib.h>

#include "testutil.h"

#define MAX_LINES 256

struct ref {
	size_t n;
	const char *ptr[MAX_LINES];
	size_t len[MAX_LINES];
};

/* Split on "\n", dropping a "\r" just before it; a tail is a line. */
static void ref_split(const char *s, size_t n, struct ref *r)
{
	size_t i, start = 0;

	r->n = 0;
	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		r->ptr[r->n] = s + start;
		r->len[r->n] = i - start - (i > start && s[i - 1] == '\r');
		r->n++;
		start = i + 1;
	}
	if (start < n) {
		r->ptr[r->n] = s + start;
		r->len[r->n] = n - start;
		r->n++;
	}
}

static char *write_tmp(const char *dir, const char *name, const void *p,
		       size_t n)
{
	char *path = malloc(4096);

	assert_non_null(path);
	snprintf(path, 4096, "%s/%s", dir, name);
	tu_write_file(path, p, n);
	return path;
}

/* Read path as lines at the chunk size and compare with the reference. */
static void check_lines(const char *path, const char *data, size_t n,
			size_t chunk)
{
	sl_ctx *ctx = tu_ctx(0, chunk);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_lines *lr = sl_lines_open(a, path);
	const sl_str *line;
	struct ref r;
	size_t i = 0;

	assert_non_null(lr);
	ref_split(data, n, &r);
	while ((line = sl_lines_next(lr)) != NULL) {
		assert_true(i < r.n);
		if (line->len != r.len[i] ||
		    memcmp(line->ptr, r.ptr[i], r.len[i]) != 0)
			fail_msg("chunk %zu, line %zu: got '%.*s', want '%.*s'",
				 chunk, i + 1, (int)line->len, line->ptr,
				 (int)r.len[i], r.ptr[i]);
		i++;
		assert_int_equal(sl_lines_number(lr), i);
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(i, r.n);
	/* once at the end, it stays there */
	assert_null(sl_lines_next(lr));
	tu_ctx_free(ctx);
}

static const char sample[] =
	"alpha\n"
	"\n"
	"bravo charlie\r\n"
	"\r\n"
	"delta\rnot an ending\n"
	"a somewhat longer line that straddles many small chunks\n"
	"x\n"
	"last line without an ending";

static void test_lines_every_chunk_size(void **state)
{
	char *dir = tu_tmpdir();
	char *path = write_tmp(dir, "in.txt", sample, sizeof(sample) - 1);
	size_t chunk;

	(void)state;
	/* every chunk size up to the input's length puts a boundary at every
	 * offset, once with chunk size 1 and in all phases overall */
	for (chunk = 1; chunk <= sizeof(sample); chunk++)
		check_lines(path, sample, sizeof(sample) - 1, chunk);
	check_lines(path, sample, sizeof(sample) - 1, 65536);
	free(path);
	tu_rmdir(dir);
}

static void test_lines_every_cut_of_the_input(void **state)
{
	char *dir = tu_tmpdir();
	size_t cut;

	(void)state;
	/* every prefix of the input: endings cut anywhere, incl. "\r|\n" */
	for (cut = 0; cut <= sizeof(sample) - 1; cut++) {
		char *path = write_tmp(dir, "cut.txt", sample, cut);

		check_lines(path, sample, cut, 1);
		check_lines(path, sample, cut, 3);
		check_lines(path, sample, cut, 7);
		free(path);
	}
	tu_rmdir(dir);
}

static void test_lines_crlf_split_across_chunks(void **state)
{
	static const char data[] = "ab\r\ncd\r\n";
	char *dir = tu_tmpdir();
	char *path = write_tmp(dir, "crlf.txt", data, sizeof(data) - 1);
	sl_ctx *ctx = tu_ctx(0, 3);   /* "ab\r" | "\ncd" | "\r\n" */
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_lines *lr = sl_lines_open(a, path);
	const sl_str *l;

	(void)state;
	l = sl_lines_next(lr);
	assert_int_equal(l->len, 2);
	assert_memory_equal(l->ptr, "ab", 2);
	l = sl_lines_next(lr);
	assert_int_equal(l->len, 2);
	assert_memory_equal(l->ptr, "cd", 2);
	assert_null(sl_lines_next(lr));
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
	free(path);
	tu_rmdir(dir);
}

static void test_lines_empty_input(void **state)
{
	char *dir = tu_tmpdir();
	char *path = write_tmp(dir, "empty.txt", "", 0);
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");

	(void)state;
	assert_null(sl_lines_next(sl_lines_open(a, path)));
	assert_false(sl_failed(ctx));
	assert_int_equal(sl_lines_count(sl_lines_open(a, path)), 0);
	tu_ctx_free(ctx);
	free(path);
	tu_rmdir(dir);
}

static void test_lines_too_long_for_ceiling(void **state)
{
	char *dir = tu_tmpdir();
	size_t n = 1 << 20, i;
	char *data = malloc(n);
	char *path;
	sl_ctx *ctx;
	sl_arena *a;
	sl_lines *lr;
	const sl_str *l;

	(void)state;
	/* line 1 short, line 2 one MiB long; the ceiling is 256 KiB */
	for (i = 0; i < n; i++)
		data[i] = 'a' + i % 26;
	memcpy(data, "short\n", 6);
	path = write_tmp(dir, "long.txt", data, n);
	ctx = tu_ctx(256 << 10, 4096);
	a = sl_arena_new(ctx, "t");
	lr = sl_lines_open(a, path);
	l = sl_lines_next(lr);
	assert_non_null(l);
	assert_int_equal(l->len, 5);
	assert_null(sl_lines_next(lr));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "line 2 of '"));
	assert_non_null(strstr(sl_errmsg(ctx), "long.txt"));
	assert_non_null(strstr(sl_errmsg(ctx), "256.0 KiB"));
	assert_true(sl_mem_peak(ctx) <= 256 << 10);
	tu_ctx_free(ctx);

	/* counting keeps no line, so the same file counts fine */
	ctx = tu_ctx(256 << 10, 4096);
	a = sl_arena_new(ctx, "t");
	assert_int_equal(sl_lines_count(sl_lines_open(a, path)), 2);
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
	free(data);
	free(path);
	tu_rmdir(dir);
}

static void test_lines_long_line_within_ceiling(void **state)
{
	char *dir = tu_tmpdir();
	size_t n = 200000, i;
	char *data = malloc(n + 1);
	char *path;
	sl_ctx *ctx;
	const sl_str *l;
	sl_lines *lr;

	(void)state;
	for (i = 0; i < n; i++)
		data[i] = '0' + i % 10;
	data[n] = '\n';
	path = write_tmp(dir, "long.txt", data, n + 1);
	ctx = tu_ctx(1 << 20, 1000);
	lr = sl_lines_open(sl_arena_new(ctx, "t"), path);
	l = sl_lines_next(lr);
	assert_non_null(l);
	assert_int_equal(l->len, n);
	assert_memory_equal(l->ptr, data, n);
	assert_null(sl_lines_next(lr));
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
	free(data);
	free(path);
	tu_rmdir(dir);
}

static void test_lines_count_matches_reference(void **state)
{
	char *dir = tu_tmpdir();
	size_t cut, chunk;
	struct ref r;

	(void)state;
	for (cut = 0; cut <= sizeof(sample) - 1; cut += 5) {
		char *path = write_tmp(dir, "c.txt", sample, cut);

		ref_split(sample, cut, &r);
		for (chunk = 1; chunk <= 9; chunk += 4) {
			sl_ctx *ctx = tu_ctx(0, chunk);
			sl_lines *lr = sl_lines_open(sl_arena_new(ctx, "t"),
						     path);

			assert_int_equal(sl_lines_count(lr), r.n);
			assert_int_equal(sl_lines_number(lr), r.n);
			tu_ctx_free(ctx);
		}
		free(path);
	}
	tu_rmdir(dir);
}

static void test_lines_count_after_next(void **state)
{
	char *dir = tu_tmpdir();
	char *path = write_tmp(dir, "in.txt", sample, sizeof(sample) - 1);
	struct ref r;
	size_t chunk;

	(void)state;
	ref_split(sample, sizeof(sample) - 1, &r);
	for (chunk = 1; chunk < 20; chunk++) {
		sl_ctx *ctx = tu_ctx(0, chunk);
		sl_lines *lr = sl_lines_open(sl_arena_new(ctx, "t"), path);

		assert_non_null(sl_lines_next(lr));
		assert_non_null(sl_lines_next(lr));
		assert_non_null(sl_lines_next(lr));
		assert_int_equal(sl_lines_count(lr), r.n - 3);
		assert_int_equal(sl_lines_number(lr), r.n);
		tu_ctx_free(ctx);
	}
	free(path);
	tu_rmdir(dir);
}

static void test_lines_from_gzip(void **state)
{
	char *dir = tu_tmpdir();
	char path[4200];
	gzFile gz;
	size_t chunk;

	(void)state;
	snprintf(path, sizeof(path), "%s/in.txt.gz", dir);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, sample, sizeof(sample) - 1),
			 sizeof(sample) - 1);
	assert_int_equal(gzclose(gz), Z_OK);
	for (chunk = 1; chunk <= 64; chunk *= 4)
		check_lines(path, sample, sizeof(sample) - 1, chunk);
	tu_rmdir(dir);
}

static void test_lines_missing_file(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);

	(void)state;
	assert_null(sl_lines_open(sl_arena_new(ctx, "t"), "/no/such/file"));
	assert_int_equal(sl_errcode(ctx), SL_EIO);
	assert_non_null(strstr(sl_errmsg(ctx), "/no/such/file"));
	tu_ctx_free(ctx);
}

static void test_lines_fault_at_every_allocation(void **state)
{
	char *dir = tu_tmpdir();
	char *path = write_tmp(dir, "in.txt", sample, sizeof(sample) - 1);
	struct ref r;
	int failures = 0;

	(void)state;
	ref_split(sample, sizeof(sample) - 1, &r);
	for (unsigned long n = 1;; n++) {
		sl_ctx *ctx = tu_ctx(0, 4);
		sl_arena *a;
		sl_lines *lr;
		size_t got = 0;

		sl_mem_fail_at(ctx, n);
		a = sl_arena_new(ctx, "t");
		lr = a ? sl_lines_open(a, path) : NULL;
		while (lr && sl_lines_next(lr))
			got++;
		if (sl_failed(ctx)) {
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
			failures++;
			tu_ctx_free(ctx);
			continue;
		}
		assert_int_equal(got, r.n);
		tu_ctx_free(ctx);
		break;
	}
	assert_true(failures >= 3);
	free(path);
	tu_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_every_chunk_size),
		cmocka_unit_test(test_lines_every_cut_of_the_input),
		cmocka_unit_test(test_lines_crlf_split_across_chunks),
		cmocka_unit_test(test_lines_empty_input),
		cmocka_unit_test(test_lines_too_long_for_ceiling),
		cmocka_unit_test(test_lines_long_line_within_ceiling),
		cmocka_unit_test(test_lines_count_matches_reference),
		cmocka_unit_test(test_lines_count_after_next),
		cmocka_unit_test(test_lines_from_gzip),
		cmocka_unit_test(test_lines_missing_file),
		cmocka_unit_test(test_lines_fault_at_every_allocation),
	};

	return cmocka_run_group_tests_name("lines", tests, NULL, NULL);
}
