/*
 * testutil.h - helpers shared by the CMocka unit tests.
 *
 * Tests run from the tests/ folder (the Makefile cds there), so fixtures
 * are "../testdata/NAME".  Scratch files go to a fresh folder made by
 * tu_tmpdir() under $TMPDIR or /tmp and removed by tu_rmdir().
 */
#ifndef SLUICE_TESTUTIL_H
#define SLUICE_TESTUTIL_H

#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice_int.h"

/* The threads of tu_ctx()'s contexts: 2, so that the threaded paths run
 * whatever the machine's cores; a test sets 1 for the single-threaded
 * ones (and puts it back). */
static unsigned tu_threads = 2;

/* Run only the tests whose names match $TU_TEST_FILTER (cmocka's pattern,
 * * and ? wild), when it is set: make check-tsan runs the threaded ones. */
static inline void tu_filter_from_env(void)
{
	const char *f = getenv("TU_TEST_FILTER");

	if (f && *f)
		cmocka_set_test_filter(f);
}

/* A context with the given ceiling, chunk size (0 for defaults) and
 * threads. */
static inline sl_ctx *tu_ctx_j(size_t max_memory, size_t chunk_size,
			       unsigned threads)
{
	sl_options o = { .max_memory = max_memory, .chunk_size = chunk_size,
			 .threads = threads };
	sl_ctx *ctx = sl_ctx_new(&o);

	assert_non_null(ctx);
	return ctx;
}

/* A context with the given ceiling and chunk size (0 for defaults). */
static inline sl_ctx *tu_ctx(size_t max_memory, size_t chunk_size)
{
	return tu_ctx_j(max_memory, chunk_size, tu_threads);
}

/* Free a context after checking that every charged byte came back. */
static inline void tu_ctx_free(sl_ctx *ctx)
{
	sl_arenas_free_all(ctx);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	sl_ctx_free(ctx);
}

/* A new empty folder; the returned string is malloc'ed. */
static inline char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = malloc(4096);

	assert_non_null(path);
	snprintf(path, 4096, "%s/sluice-test-XXXXXX",
		 base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(path));
	return path;
}

/* Number of entries in a folder, "." and ".." not counted. */
static inline int tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Remove a folder made by tu_tmpdir() and the plain files in it. */
static inline void tu_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096 + 256];

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
	free(dir);
}

/*
 * The scratch folder of a group of tests: tu_dir_setup() and
 * tu_dir_teardown() are cmocka's group setup and teardown for it (a
 * group that writes fixtures calls tu_dir_setup() from its own).
 */
static char *tu_dir __attribute__((unused));

static inline int tu_dir_setup(void **state)
{
	(void)state;
	tu_dir = tu_tmpdir();
	return 0;
}

static inline int tu_dir_teardown(void **state)
{
	(void)state;
	tu_rmdir(tu_dir);        /* frees it */
	return 0;
}

/* Write n bytes to path (p may be NULL when n is 0). */
static inline void tu_write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (n > 0)    /* p may be NULL for an empty file */
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Read a whole file into a malloc'ed buffer; its size goes to *n. */
static inline unsigned char *tu_read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0, r;

	assert_non_null(f);
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + len, 1, cap - len, f);
		len += r;
	} while (r > 0);
	fclose(f);
	*n = len;
	return buf;
}

/* Read a whole source into a malloc'ed buffer; its size goes to *n.
 * Returns NULL (and frees) when the source failed. */
static inline unsigned char *tu_drain(sl_source *src, size_t *n)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len = 0, k;

	while ((p = sl_source_next(src, &k)) != NULL) {
		assert_true(k > 0);
		buf = realloc(buf, len + k);
		assert_non_null(buf);
		memcpy(buf + len, p, k);
		len += k;
	}
	*n = len;
	return buf;
}

#endif /* SLUICE_TESTUTIL_H */
