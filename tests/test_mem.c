/*
 * test_mem.c - the memory budget, its per-tag tally, and arenas; and a
 * spill run's record length past the ceiling, which is damage, not a want
 * of memory.
 */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>

static void test_mem_charges_and_releases(void **state)
{
	sl_ctx *ctx = tu_ctx(1 << 20, 0);
	void *a, *b;

	(void)state;
	a = sl_mem_alloc(ctx, 1000, "t.a");
	b = sl_mem_alloc(ctx, 3000, "t.b");
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 1, 1000);
	memset(b, 2, 3000);
	assert_true(sl_mem_in_use(ctx) >= 4000);
	assert_true(sl_mem_in_use(ctx) < 4000 + 256);
	sl_mem_free(a);
	assert_true(sl_mem_in_use(ctx) >= 3000);
	assert_true(sl_mem_in_use(ctx) < 3000 + 128);
	assert_true(sl_mem_peak(ctx) >= 4000);
	sl_mem_free(b);
	sl_mem_free(NULL);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	assert_false(sl_failed(ctx));
	tu_ctx_free(ctx);
}

static void test_mem_ceiling_refuses_with_message(void **state)
{
	sl_ctx *ctx = tu_ctx(64 << 10, 0);
	void *a, *b;

	(void)state;
	a = sl_mem_alloc(ctx, 60 << 10, "t.big");
	assert_non_null(a);
	b = sl_mem_alloc(ctx, 8 << 10, "t.more");
	assert_null(b);
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling of 64.0 KiB"));
	assert_non_null(strstr(sl_errmsg(ctx), "'t.more'"));
	assert_non_null(strstr(sl_errmsg(ctx), "8.0 KiB"));
	/* the refused request charged nothing */
	assert_true(sl_mem_in_use(ctx) < (60 << 10) + 128);
	sl_mem_free(a);
	tu_ctx_free(ctx);
}

static void test_mem_first_error_wins(void **state)
{
	sl_ctx *ctx = tu_ctx(1024, 0);
	char first[SL_ERRMSG_MAX];

	(void)state;
	assert_null(sl_mem_alloc(ctx, 4096, "t.first"));
	snprintf(first, sizeof(first), "%s", sl_errmsg(ctx));
	assert_int_equal(sl_error(ctx, SL_EDATA, "later %d", 2), SL_EDATA);
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_string_equal(sl_errmsg(ctx), first);
	/* a failed context refuses further work */
	assert_null(sl_mem_alloc(ctx, 1, "t.after"));
	tu_ctx_free(ctx);
}

static void test_mem_realloc_keeps_block_on_failure(void **state)
{
	sl_ctx *ctx = tu_ctx(16 << 10, 0);
	char *p, *q;

	(void)state;
	p = sl_mem_alloc(ctx, 100, "t.grow");
	assert_non_null(p);
	memcpy(p, "keep me", 8);
	q = sl_mem_realloc(ctx, p, 4000, "t.grow");
	assert_non_null(q);
	assert_string_equal(q, "keep me");
	p = sl_mem_realloc(ctx, q, 64 << 10, "t.grow");
	assert_null(p);
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_string_equal(q, "keep me");
	/* shrinking needs no room and keeps the tally exact */
	sl_mem_free(q);
	tu_ctx_free(ctx);
}

static void test_mem_tags_sorted_by_peak(void **state)
{
	sl_ctx *ctx = tu_ctx(1 << 20, 0);
	sl_tag_stat t[8];
	void *s, *m, *l;
	size_t n;

	(void)state;
	s = sl_mem_alloc(ctx, 100, "small");
	l = sl_mem_alloc(ctx, 30000, "large");
	m = sl_mem_alloc(ctx, 5000, "medium");
	sl_mem_free(l);
	l = sl_mem_alloc(ctx, 10, "large");
	n = sl_mem_tags(ctx, t, 8);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].tag, "large");
	assert_string_equal(t[1].tag, "medium");
	assert_string_equal(t[2].tag, "small");
	assert_true(t[0].peak >= 30000);
	assert_true(t[0].in_use < 200);
	/* a short out array gets the largest */
	n = sl_mem_tags(ctx, t, 1);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].tag, "large");
	sl_mem_free(s);
	sl_mem_free(m);
	sl_mem_free(l);
	n = sl_mem_tags(ctx, t, 8);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(t[i].in_use, 0);
	tu_ctx_free(ctx);
}

static void test_mem_fail_at_injects_one_fault(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	void *a, *b;

	(void)state;
	sl_mem_fail_at(ctx, 2);
	a = sl_mem_alloc(ctx, 10, "t");
	assert_non_null(a);
	b = sl_mem_alloc(ctx, 10, "t");
	assert_null(b);
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	sl_mem_free(a);
	tu_ctx_free(ctx);
}

static void test_mem_overflowing_size_refused(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);

	(void)state;
	assert_null(sl_mem_alloc(ctx, SIZE_MAX - 8, "t.huge"));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	tu_ctx_free(ctx);
}

static void test_arena_alloc_aligned_and_charged(void **state)
{
	sl_ctx *ctx = tu_ctx(1 << 20, 0);
	sl_arena *a = sl_arena_new(ctx, "t.arena");
	sl_tag_stat t[4];
	size_t i;

	(void)state;
	assert_non_null(a);
	assert_ptr_equal(sl_arena_ctx(a), ctx);
	for (i = 1; i < 200; i++) {
		char *p = sl_arena_alloc(a, i);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		memset(p, (int)i, i);
	}
	assert_int_equal(sl_mem_tags(ctx, t, 4), 1);
	assert_string_equal(t[0].tag, "t.arena");
	assert_true(t[0].in_use >= 199 * 200 / 2);
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);
}

static void test_arena_strndup(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	char *s;

	(void)state;
	s = sl_arena_strndup(a, "hello, world", 5);
	assert_string_equal(s, "hello");
	tu_ctx_free(ctx);
}

static void test_arena_large_alloc_gets_own_block(void **state)
{
	sl_ctx *ctx = tu_ctx(1 << 20, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	char *small1, *big, *small2;

	(void)state;
	small1 = sl_arena_alloc(a, 16);
	big = sl_arena_alloc(a, 100000);
	small2 = sl_arena_alloc(a, 16);
	assert_non_null(big);
	memset(big, 0xab, 100000);
	/* the small ones still share the first block */
	assert_int_equal(small2 - small1, 16);
	assert_true(sl_mem_in_use(ctx) >= 100000);
	tu_ctx_free(ctx);
}

static void test_arena_reset_keeps_one_block(void **state)
{
	sl_ctx *ctx = tu_ctx(1 << 20, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	size_t one_block, i;
	void *first;

	(void)state;
	first = sl_arena_alloc(a, 8);
	one_block = sl_mem_in_use(ctx);
	for (i = 0; i < 100; i++)
		assert_non_null(sl_arena_alloc(a, 1000));
	assert_non_null(sl_arena_alloc(a, 200000));
	assert_true(sl_mem_in_use(ctx) > one_block + 100000);
	sl_arena_reset(a);
	assert_int_equal(sl_mem_in_use(ctx), one_block);
	/* the kept block is reused from its start */
	assert_non_null(sl_arena_alloc(a, 8));
	assert_int_equal(sl_mem_in_use(ctx), one_block);
	(void)first;
	tu_ctx_free(ctx);
}

static int order[8];
static int norder;

static void record_cleanup(void *arg)
{
	order[norder++] = *(int *)arg;
}

static void test_arena_cleanups_run_lifo(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	static int ids[3] = { 1, 2, 3 };

	(void)state;
	norder = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(sl_arena_on_release(a, record_cleanup,
						     &ids[i]), SL_OK);
	sl_arena_reset(a);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	/* reset forgot them: freeing runs only newly registered ones */
	assert_int_equal(sl_arena_on_release(a, record_cleanup, &ids[0]),
			 SL_OK);
	sl_arena_free(a);
	assert_int_equal(norder, 4);
	assert_int_equal(order[3], 1);
	tu_ctx_free(ctx);
}

static void test_arena_ctx_free_releases_everything(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	static int id = 7;

	(void)state;
	norder = 0;
	for (int i = 0; i < 5; i++) {
		sl_arena *a = sl_arena_new(ctx, "t");

		assert_non_null(sl_arena_alloc(a, 50000));
		assert_int_equal(sl_arena_on_release(a, record_cleanup, &id),
				 SL_OK);
	}
	assert_true(sl_mem_in_use(ctx) > 5 * 50000);
	tu_ctx_free(ctx);   /* asserts nothing is left in use */
	assert_int_equal(norder, 5);
}

static void test_arena_past_ceiling(void **state)
{
	sl_ctx *ctx = tu_ctx(64 << 10, 0);
	sl_arena *a = sl_arena_new(ctx, "t.scratch");

	(void)state;
	assert_non_null(a);
	assert_null(sl_arena_alloc(a, 100 << 10));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "'t.scratch'"));
	tu_ctx_free(ctx);
}

/* Sizes that wrap around when rounded up to the alignment (the first
 * two) or when the block's header is added (the next two, with 16-byte
 * alignment and a 32-byte header): refused with a message, never a NULL
 * without one, and never a block smaller than asked for. */
static void test_arena_size_overflow_refused(void **state)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 20, SIZE_MAX - 40,
		SIZE_MAX - 64,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "t.huge");

		assert_non_null(a);
		assert_null(sl_arena_alloc(a, sizes[i]));
		assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling"));
		assert_non_null(strstr(sl_errmsg(ctx), "'t.huge'"));
		tu_ctx_free(ctx);
	}
}

/*
 * A spill run whose first record claims a body longer than the ceiling
 * (spill.c): no record that long was ever held in memory to be spilled,
 * so the run is damaged (SL_EDATA), not short of memory (SL_ENOMEM and
 * "raise --max-memory").  A body within the ceiling that the file does
 * not hold is damage too.
 */
static void spill_claims(uint64_t body, size_t ceiling, sl_status want)
{
	sl_ctx *ctx = tu_ctx(ceiling, 4096);
	sl_arena *a = sl_arena_new(ctx, "t.spill");
	unsigned char buf[64];
	char *dir = tu_tmpdir();
	char path[4200];
	size_t n = 0, k;
	sl_spill *sp;
	int fd;

	do {        /* varint(body), then a few bytes of what follows */
		buf[n++] = (unsigned char)(body >= 0x80 ? (body & 0x7f) | 0x80
					   : body);
		body >>= 7;
	} while (body);
	memcpy(buf + n, "\002\001a\001b", 5);
	n += 5;
	snprintf(path, sizeof(path), "%s/run", dir);
	tu_write_file(path, buf, n);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	sp = sl_spill_open_fd(a, fd, dir);
	assert_non_null(sp);
	assert_null(sl_spill_get(sp, &k));
	assert_int_equal(sl_errcode(ctx), want);
	if (want == SL_EDATA) {
		assert_non_null(strstr(sl_errmsg(ctx), "is damaged"));
		assert_non_null(strstr(sl_errmsg(ctx), dir));
	}
	tu_ctx_free(ctx);
	tu_rmdir(dir);
}

static void test_spill_length_past_ceiling_is_damage(void **state)
{
	(void)state;
	spill_claims((1 << 20) + 1, 1 << 20, SL_EDATA);
	spill_claims((uint64_t)1 << 40, 1 << 20, SL_EDATA);
	spill_claims(UINT64_MAX, 256 << 20, SL_EDATA);
	spill_claims(100000, 1 << 20, SL_EDATA);   /* fits, but not there */
}

static void test_arena_fault_at_every_allocation(void **state)
{
	unsigned long n;
	int failures = 0;

	(void)state;
	for (n = 1;; n++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a;
		int ok = 0;

		sl_mem_fail_at(ctx, n);
		a = sl_arena_new(ctx, "t");
		if (a && sl_arena_alloc(a, 100) && sl_arena_alloc(a, 20000) &&
		    sl_arena_on_release(a, record_cleanup, &n) == SL_OK)
			ok = 1;
		if (!ok) {
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
			failures++;
		}
		norder = 0;
		tu_ctx_free(ctx);
		if (ok)
			break;
	}
	assert_int_equal(failures, 3);
}

/* ---- threads -------------------------------------------------------- */

#define MT_THREADS 8
#define MT_ROUNDS 20000

struct mt_arg {
	sl_ctx *ctx;             /* the thread's worker context */
	unsigned seed;
	unsigned long refused;
};

/* Take and give back blocks of 1 to 64 KiB, four held at a time. */
static void *mt_churn(void *p)
{
	struct mt_arg *m = p;
	void *held[4] = { NULL };
	unsigned i, k;

	for (i = 0; i < MT_ROUNDS; i++) {
		m->seed = m->seed * 1103515245u + 12345u;
		k = (m->seed >> 16) & 3;
		sl_mem_free(held[k]);
		held[k] = sl_mem_try_alloc(m->ctx, 1 + ((m->seed >> 8) &
						       0xffff), "mt.block");
		if (!held[k])
			m->refused++;
	}
	for (k = 0; k < 4; k++)
		sl_mem_free(held[k]);
	return NULL;
}

/*
 * Eight threads charging one budget through worker contexts: the peak
 * never passes the ceiling, every byte comes back, the ceiling is really
 * reached (refusals happen), and a worker's error stays its own until
 * taken over.
 */
static void test_mem_threads_share_one_ceiling(void **state)
{
	sl_ctx *ctx = tu_ctx(512 << 10, 0);
	struct mt_arg m[MT_THREADS];
	pthread_t t[MT_THREADS];
	unsigned long refused = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < MT_THREADS; i++) {
		m[i].ctx = sl_ctx_worker(ctx);
		assert_non_null(m[i].ctx);
		m[i].seed = i + 1;
		m[i].refused = 0;
		assert_int_equal(pthread_create(&t[i], NULL, mt_churn, &m[i]),
				 0);
	}
	for (i = 0; i < MT_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		refused += m[i].refused;
	}
	assert_true(refused > 0);
	assert_true(sl_mem_peak(ctx) <= 512 << 10);
	assert_true(sl_mem_peak(ctx) > 256 << 10);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	/* an error in a worker is the worker's, until taken over */
	assert_null(sl_mem_alloc(m[0].ctx, 1 << 20, "mt.big"));
	assert_int_equal(sl_errcode(m[0].ctx), SL_ENOMEM);
	assert_false(sl_failed(ctx));
	assert_int_equal(sl_ctx_take_error(ctx, m[0].ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "'mt.big'"));
	for (i = 0; i < MT_THREADS; i++)
		sl_ctx_free(m[i].ctx);
	tu_ctx_free(ctx);
}

static void test_format_size(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(sl_format_size(b, sizeof(b), 512), "512 B");
	assert_string_equal(sl_format_size(b, sizeof(b), 1536), "1.5 KiB");
	assert_string_equal(sl_format_size(b, sizeof(b), 8u << 20), "8.0 MiB");
	assert_string_equal(sl_format_size(b, sizeof(b), (size_t)3 << 30),
			    "3.0 GiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_charges_and_releases),
		cmocka_unit_test(test_mem_ceiling_refuses_with_message),
		cmocka_unit_test(test_mem_first_error_wins),
		cmocka_unit_test(test_mem_realloc_keeps_block_on_failure),
		cmocka_unit_test(test_mem_tags_sorted_by_peak),
		cmocka_unit_test(test_mem_fail_at_injects_one_fault),
		cmocka_unit_test(test_mem_overflowing_size_refused),
		cmocka_unit_test(test_arena_alloc_aligned_and_charged),
		cmocka_unit_test(test_arena_strndup),
		cmocka_unit_test(test_arena_large_alloc_gets_own_block),
		cmocka_unit_test(test_arena_reset_keeps_one_block),
		cmocka_unit_test(test_arena_cleanups_run_lifo),
		cmocka_unit_test(test_arena_ctx_free_releases_everything),
		cmocka_unit_test(test_arena_past_ceiling),
		cmocka_unit_test(test_arena_size_overflow_refused),
		cmocka_unit_test(test_arena_fault_at_every_allocation),
		cmocka_unit_test(test_spill_length_past_ceiling_is_damage),
		cmocka_unit_test(test_mem_threads_share_one_ceiling),
		cmocka_unit_test(test_format_size),
	};

	tu_filter_from_env();
	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
