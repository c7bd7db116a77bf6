/*
 * test_sort.c - spill files and the external sort: records that straddle
 * chunks, no file left in the spill folder, stability across runs and
 * passes, numeric keys, memory faults and the tmp limit.
 */
#include <fcntl.h>
#include <math.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testutil.h"

/* The codec of the spill files sort_and_check() makes. */
static int test_codec = SL_SPILL_GZIP;

static void test_spill_round_trip_every_chunk_size(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 65536 };
	char big[70000];
	size_t c, i, n;

	(void)state;
	memset(big, 'z', sizeof(big));
	for (c = 0; c < 2 * sizeof(chunks) / sizeof(chunks[0]); c++) {
		size_t chunk = chunks[c % (sizeof(chunks) / sizeof(chunks[0]))];
		int codec = c < sizeof(chunks) / sizeof(chunks[0]) ?
			SL_SPILL_GZIP : SL_SPILL_ZSTD;
		sl_ctx *ctx = tu_ctx(0, chunk);
		sl_arena *a = sl_arena_new(ctx, "t");
		sl_spill_stats st = { 0 };
		sl_spill *sp = sl_spill_new(a, tu_dir, codec, 1, &st);
		const sl_str *f;

		assert_non_null(sp);
		assert_int_equal(tu_count_entries(tu_dir), 0);   /* unlinked */
		for (i = 0; i < 300; i++) {
			char num[16];
			sl_str rec[3] = { { num, (size_t)snprintf(num, 16,
							"%zu", i) },
					  { "", 0 }, { big, i * 211 } };

			assert_int_equal(sl_spill_put(sp, rec, i % 4 ? 3 : 1),
					 SL_OK);
		}
		assert_int_equal(sl_spill_rewind(sp), SL_OK);
		for (i = 0; (f = sl_spill_get(sp, &n)) != NULL; i++) {
			char num[16];

			assert_int_equal(n, i % 4 ? 3 : 1);
			assert_int_equal(f[0].len, (size_t)snprintf(num, 16,
								    "%zu", i));
			assert_memory_equal(f[0].ptr, num, f[0].len);
			if (n == 3) {
				assert_int_equal(f[1].len, 0);
				assert_int_equal(f[2].len, i * 211);
				assert_memory_equal(f[2].ptr, big, f[2].len);
			}
		}
		assert_false(sl_failed(ctx));
		assert_int_equal(i, 300);
		assert_int_equal(st.runs, 1);
		assert_true(st.packed > 0 && st.packed < st.raw);
		tu_ctx_free(ctx);
		assert_int_equal(tu_count_entries(tu_dir), 0);
	}
}

/* Sort n records "key,seq" at a ceiling; check order and stability. */
static uint64_t spilled_raw;    /* sl_spill_stats.raw of the last sort */

/* The keys sort_and_check_j() makes: 0, few distinct values in no order;
 * 1, in order, three of each; 2, in order but for the last, the least. */
static int key_mode;

static long key_of(size_t i, size_t n)
{
	if (key_mode == 1)
		return (long)(i / 3);
	if (key_mode == 2)
		return i + 1 == n ? -1 : (long)(i / 3);
	return (long)((i * 7919) % 97) - 48;
}

static void sort_and_check_j(size_t ceiling, size_t n, int numeric,
			     int reverse, unsigned threads, uint64_t *runs,
			     uint64_t *passes)
{
	sl_ctx *ctx = tu_ctx_j(ceiling, 4096, threads);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_sort_key key = { .field = 0, .numeric = numeric, .reverse = reverse };
	sl_sort_options o = { .tmpdir = tu_dir, .codec = test_codec };
	sl_sorter *s = sl_sorter_new(a, &key, 1, &o);
	char pad[200];
	const sl_str *f;
	double prev = 0;
	char prevk[32] = "";
	long prevseq = -1;
	size_t i, got;

	memset(pad, 'p', sizeof(pad));
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		char k[32], q[32];
		/* few distinct keys: many ties to keep in order */
		sl_str rec[3] = {
			{ k, (size_t)snprintf(k, 32, "%ld", key_of(i, n)) },
			{ q, (size_t)snprintf(q, 32, "%zu", i) },
			{ pad, sizeof(pad) },
		};

		assert_int_equal(sl_sorter_add(s, rec, 3), SL_OK);
	}
	for (got = 0; (f = sl_sorter_next(s, &i)) != NULL; got++) {
		char k[32];
		double v;
		long seq;
		int c;

		assert_int_equal(i, 3);
		snprintf(k, sizeof(k), "%.*s", (int)f[0].len, f[0].ptr);
		v = atof(k);
		seq = atol(f[1].ptr);
		if (got) {
			c = numeric ? (v > prev) - (v < prev) :
				strcmp(k, prevk);
			if (reverse)
				c = -c;
			assert_true(c >= 0);
			if (c == 0)
				assert_true(seq > prevseq);   /* stable */
		}
		prev = v;
		snprintf(prevk, sizeof(prevk), "%s", k);
		prevseq = seq;
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(got, n);
	*runs = sl_sorter_stats(s)->runs;
	*passes = sl_sorter_stats(s)->passes;
	spilled_raw = sl_sorter_stats(s)->raw;
	assert_true(sl_mem_peak(ctx) <= ceiling);
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(tu_dir), 0);
}

static void sort_and_check(size_t ceiling, size_t n, int numeric,
			   int reverse, uint64_t *runs, uint64_t *passes)
{
	sort_and_check_j(ceiling, n, numeric, reverse, tu_threads, runs,
			 passes);
}

static void test_sort_in_memory_no_spill(void **state)
{
	uint64_t runs, passes;

	(void)state;
	sort_and_check(64 << 20, 5000, 1, 0, &runs, &passes);
	assert_int_equal(runs, 0);
	assert_int_equal(passes, 0);
}

static void test_sort_spilled_stable(void **state)
{
	uint64_t runs, passes;

	(void)state;
	sort_and_check(2 << 20, 40000, 1, 0, &runs, &passes);
	assert_true(runs > 1);
	sort_and_check(2 << 20, 40000, 0, 1, &runs, &passes);
	assert_true(runs > 1);
}

static void test_sort_multipass_at_tiny_ceiling(void **state)
{
	uint64_t runs, passes, once;

	(void)state;
	/* 4 MiB: the runs are merged once, so each record is written once */
	sort_and_check(4 << 20, 60000, 1, 1, &runs, &passes);
	assert_int_equal(passes, 1);
	once = spilled_raw;
	/* 1.2 MiB: the fan-in is a handful of runs (about 30 of them), so
	 * several passes; a pass merges runs no pass has written while there
	 * are such, so a record is written again about once a round, not once
	 * a pass (3.5 times in all here; 7.4 when each pass merged the
	 * first runs, its own output among them) */
	sort_and_check(1200 << 10, 60000, 1, 1, &runs, &passes);
	assert_true(passes >= 3);
	assert_true(spilled_raw < 4 * once);
}

/*
 * A run holds as many records as the budget has room for, whatever their
 * size: records of about 210 bytes in 3 fields, on one thread, under 4
 * MiB: 12.6 MB of them in at most 6 runs (5 here; 8 when every field had
 * a view and the items array grew only by doubling).
 */
static void test_sort_runs_fill_the_budget(void **state)
{
	uint64_t runs, passes;

	(void)state;
	sort_and_check_j(4 << 20, 60000, 0, 0, 1, &runs, &passes);
	assert_true(runs >= 4 && runs <= 6);
}

/*
 * Every run holds an open file.  Under a soft limit of 48 open files a
 * sorter keeps at most 12 runs (a quarter), merging half of them when it
 * has that many: a sort of some 60 runs still succeeds, in order, where
 * keeping them all failed to make its spill files.
 */
static void test_sort_runs_bounded_by_open_files(void **state)
{
	struct rlimit old, low;
	uint64_t runs, passes;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 48;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	sort_and_check_j(1200 << 10, 150000, 1, 0, 1, &runs, &passes);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(runs > 48);       /* spill files written, merges too */
	assert_true(passes >= 3);
}

/* Input already in order is found so and not sorted again; input in
 * order but for its last record is sorted: in memory and spilled, by
 * number and by text (where "-1" sorts first too). */
static void test_sort_presorted(void **state)
{
	uint64_t runs, passes;
	int mode, numeric;

	(void)state;
	for (mode = 1; mode <= 2; mode++) {
		key_mode = mode;
		for (numeric = 0; numeric <= 1; numeric++) {
			sort_and_check(64 << 20, 5000, numeric, 0, &runs,
				       &passes);
			assert_int_equal(runs, 0);
			sort_and_check(2 << 20, 40000, numeric, 0, &runs,
				       &passes);
			assert_true(runs > 1);
		}
	}
	key_mode = 0;
}

/* Record i's provenance: none for every fifth, else a number, a line
 * that may lie before it (the zigzag code's other half) and offsets past
 * 32 bits, from one of three inputs. */
static sl_record prov_of(size_t i)
{
	static const char *const names[] = { "a.csv", "b.jsonl", "<stdin>" };
	sl_record r = { 0 };

	if (i % 5 == 0)
		return r;
	r.number = i + 1;
	r.line = i % 3 ? 2 * i + 3 : i / 2 + 1;
	r.offset = (uint64_t)i * 1000003u + (i % 7 ? 0 : (uint64_t)1 << 40);
	r.input = names[i % 3];
	return r;
}

/* Sort records "key,seq" with provenance at a ceiling: each comes out
 * with its own, in memory, spilled and merged in passes alike. */
static void sort_keeps_provenance(size_t ceiling, size_t n, int spill)
{
	sl_ctx *ctx = tu_ctx(ceiling, 4096);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_sort_key key = { .field = 0 };
	sl_sort_options o = { .tmpdir = tu_dir };
	sl_sorter *s = sl_sorter_new(a, &key, 1, &o);
	const sl_record *got;
	char pad[120], name[16];
	size_t i, count = 0;

	memset(pad, 'p', sizeof(pad));
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		char k[32], q[32];
		sl_str f[3] = {
			{ k, (size_t)snprintf(k, 32, "%zu", (i * 7919) % 101) },
			{ q, (size_t)snprintf(q, 32, "%zu", i) },
			{ pad, sizeof(pad) },
		};
		sl_record rec = prov_of(i);

		/* the name is the caller's only while it is added */
		if (rec.input)
			rec.input = strcpy(name, rec.input);
		rec.fields = f;
		rec.nfields = 3;
		assert_int_equal(sl_sorter_add_record(s, &rec), SL_OK);
		memset(name, 'x', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
	}
	while ((got = sl_sorter_next_record(s)) != NULL) {
		sl_record want = prov_of((size_t)atol(got->fields[1].ptr));

		assert_int_equal(got->number, want.number);
		assert_int_equal(got->line, want.line);
		assert_int_equal(got->offset, want.offset);
		if (want.input)
			assert_string_equal(got->input, want.input);
		else
			assert_null(got->input);
		count++;
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(count, n);
	if (spill)
		assert_true(sl_sorter_stats(s)->runs > 1);
	else
		assert_int_equal(sl_sorter_stats(s)->runs, 0);
	tu_ctx_free(ctx);
}

static void test_sort_keeps_provenance(void **state)
{
	(void)state;
	sort_keeps_provenance(64 << 20, 3000, 0);
	sort_keeps_provenance(2 << 20, 40000, 1);
	sort_keeps_provenance(1200 << 10, 40000, 1);    /* in passes */
}

/* Add up to n records of random letters (records that repeat compress to
 * next to nothing, and how near depends on the deflater) until one is
 * refused; its status, or SL_OK. */
static sl_status add_random(sl_sorter *s, size_t n)
{
	char pad[300];
	uint32_t x = 1;
	sl_status st = SL_OK;
	size_t i, j;

	for (i = 0; i < n && st == SL_OK; i++) {
		sl_str rec[1] = { { pad, (i * 31) % 300 } };

		for (j = 0; j < rec[0].len; j++) {
			x = x * 1103515245u + 12345u;
			pad[j] = (char)('a' + (x >> 16) % 26);
		}
		st = sl_sorter_add(s, rec, 1);
	}
	return st;
}

static void test_sort_tmp_limit(void **state)
{
	sl_ctx *ctx = tu_ctx(2 << 20, 4096);
	sl_sort_key key = { 0 };
	sl_sort_options o = { .tmpdir = tu_dir, .tmp_limit = 50000 };
	sl_sorter *s = sl_sorter_new(sl_arena_new(ctx, "t"), &key, 1, &o);
	sl_status st;

	(void)state;
	st = add_random(s, 30000);
	assert_int_equal(st, SL_ENOSPC);
	assert_non_null(strstr(sl_errmsg(ctx), "would pass --tmp-limit"));
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(tu_dir), 0);
}

static void test_sort_record_too_big(void **state)
{
	sl_ctx *ctx = tu_ctx(1 << 20, 4096);
	sl_sort_key key = { 0 };
	sl_sorter *s = sl_sorter_new(sl_arena_new(ctx, "t"), &key, 1,
				     &(sl_sort_options){ .tmpdir = tu_dir });
	static char huge[2 << 20];
	sl_str rec[1] = { { huge, sizeof(huge) } };

	(void)state;
	assert_int_equal(sl_sorter_add(s, rec, 1), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "does not fit under the memory"
			       " ceiling of 1.0 MiB"));
	tu_ctx_free(ctx);
}

/* Runs in zstd: the same order, in memory and in passes. */
static void test_sort_spills_zstd(void **state)
{
	uint64_t runs, passes;

	(void)state;
	test_codec = SL_SPILL_ZSTD;
	sort_and_check(3 << 20, 40000, 1, 0, &runs, &passes);
	assert_true(runs > 1);
	sort_and_check(3 << 20, 40000, 0, 1, &runs, &passes);
	assert_true(runs > 1);
	sort_and_check_j(12 << 20, 60000, 1, 0, 2, &runs, &passes);
	assert_true(runs > 1);
	test_codec = SL_SPILL_GZIP;
}

/* Run r's record i: its number, and a field whose length varies up to
 * 9000 bytes, so that records straddle 4 KiB chunks. */
static size_t ahead_record(size_t r, size_t i, char *num, char *big)
{
	size_t len = (i * 7919 + r * 131) % 9000;

	snprintf(num, 32, "%zu.%zu", r, i);
	memset(big, 'a' + (int)((r + i) % 26), len);
	return len;
}

/*
 * Five runs (one empty) read ahead on a thread, a record of each in
 * turn, after one record of the first was read without: every record
 * back whole and in order, the buffers charged, nothing left.  A run
 * that is not a gzip stream fails, read ahead, with its error on the
 * caller's context.
 */
static void test_spill_read_ahead_on_thread(void **state)
{
	static const size_t counts[] = { 700, 0, 1, 2000, 333 };
	enum { R = 5 };
	sl_ctx *ctx = tu_ctx_j(0, 4096, 2);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_spill *sp[R + 1];
	sl_spill_ahead *ra;
	size_t r, i, n, next[R] = { 0 }, left = 0;
	static char big[9000];
	char num[32], path[4200];
	const sl_str *f;
	sl_tag_stat tags[SL_MAX_TAGS];
	size_t ntags, t;
	int found = 0, fd;

	(void)state;
	for (r = 0; r < R; r++) {
		sp[r] = sl_spill_new(a, tu_dir, SL_SPILL_GZIP, 1, NULL);
		assert_non_null(sp[r]);
		for (i = 0; i < counts[r]; i++) {
			sl_str rec[2] = { { num, 0 }, { big, 0 } };

			rec[1].len = ahead_record(r, i, num, big);
			rec[0].len = strlen(num);
			assert_int_equal(sl_spill_put(sp[r], rec, 2), SL_OK);
		}
		assert_int_equal(sl_spill_rewind(sp[r]), SL_OK);
		left += counts[r];
	}
	/* the first record of run 0, before: its chunk is handed over */
	assert_non_null(f = sl_spill_get(sp[0], &n));
	next[0] = 1;
	left--;
	ra = sl_spill_ahead_start(a, sp, R);
	assert_non_null(ra);
	ntags = sl_mem_tags(ctx, tags, SL_MAX_TAGS);
	for (t = 0; t < ntags; t++)
		found |= strcmp(tags[t].tag, "spill.ahead") == 0 &&
			tags[t].in_use >= 2 * R * 4096;
	assert_true(found);
	while (left > 0) {
		for (r = 0; r < R; r++) {
			if (next[r] > counts[r])
				continue;
			f = sl_spill_get(sp[r], &n);
			if (next[r] == counts[r]) {
				assert_null(f);      /* the end, once */
				assert_false(sl_failed(ctx));
				next[r]++;
				continue;
			}
			assert_non_null(f);
			assert_int_equal(n, 2);
			i = ahead_record(r, next[r], num, big);
			assert_int_equal(f[0].len, strlen(num));
			assert_memory_equal(f[0].ptr, num, f[0].len);
			assert_int_equal(f[1].len, i);
			if (i)
				assert_memory_equal(f[1].ptr, big, i);
			next[r]++;
			left--;
		}
	}
	sl_spill_ahead_stop(ra);
	assert_false(sl_failed(ctx));
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);

	/* a damaged run: a gzip header, then bytes that inflate refuses */
	a = sl_arena_new(ctx, "t");
	snprintf(path, sizeof(path), "%s/bad", tu_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
			       "\xff\xff\xff\xff\xff\xff", 16), 16);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	unlink(path);
	sp[0] = sl_spill_open_fd(a, fd, tu_dir);
	assert_non_null(sp[0]);
	assert_non_null(sl_spill_ahead_start(a, sp, 1));
	assert_null(sl_spill_get(sp[0], &n));
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "spill file"));
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(tu_dir), 0);
}

/*
 * With threads, a spill writes its items as several runs at once, one a
 * thread: more runs than on one thread, and the same stable order.
 */
static void test_sort_runs_written_on_threads(void **state)
{
	uint64_t runs1, runs, passes;
	unsigned j;

	(void)state;
	sort_and_check_j(8 << 20, 60000, 1, 0, 1, &runs1, &passes);
	assert_true(runs1 > 1);
	for (j = 2; j <= 4; j++) {
		sort_and_check_j(8 << 20, 60000, 1, 0, j, &runs, &passes);
		assert_true(runs > runs1);
		sort_and_check_j(8 << 20, 60000, 0, 1, j, &runs, &passes);
		assert_true(runs > runs1);
	}
}

/*
 * Runs written on threads at once share --tmp-limit: each write is
 * counted before it is made, so together they never pass it; the first
 * that would fails the sort, and no file is left.
 */
static void test_sort_tmp_limit_on_threads(void **state)
{
	sl_ctx *ctx = tu_ctx_j(8 << 20, 4096, 2);
	sl_sort_key key = { 0 };
	/* runs of 2 MiB of records at most, so that several are written
	 * before the limit */
	sl_sort_options o = { .tmpdir = tu_dir, .tmp_limit = 3000000,
			      .mem_limit = 2 << 20 };
	sl_sorter *s = sl_sorter_new(sl_arena_new(ctx, "t"), &key, 1, &o);
	sl_status st;

	(void)state;
	st = add_random(s, 200000);
	assert_int_equal(st, SL_ENOSPC);
	assert_non_null(strstr(sl_errmsg(ctx), "would pass --tmp-limit 2.9"
			       " MiB"));
	assert_true(sl_sorter_stats(s)->runs > 2);
	assert_true(sl_sorter_stats(s)->on_disk <= 3000000);
	tu_ctx_free(ctx);
	assert_int_equal(tu_count_entries(tu_dir), 0);
}

/*
 * Allocation N fails, for N from 1 to most, sorting nrec records on the
 * given threads under ceiling: a fault in memory the sorter only tries
 * for is absorbed (by spilling sooner, or by reading on one thread), so
 * a run either sorts every record or fails with SL_ENOMEM, leaking
 * nothing and leaving no file either way.
 */
static void fault_sweep(size_t ceiling, unsigned threads, size_t nrec,
			unsigned long most)
{
	int failures = 0, successes = 0;

	for (unsigned long n = 1; n <= most; n++) {
		sl_ctx *ctx = tu_ctx_j(ceiling, 4096, threads);
		sl_sort_key key = { .numeric = 1 };
		sl_sort_options o = { .tmpdir = tu_dir };
		sl_arena *a;
		sl_sorter *s;
		size_t i, k, got = 0;

		sl_mem_fail_at(ctx, n);
		a = sl_arena_new(ctx, "t");
		s = a ? sl_sorter_new(a, &key, 1, &o) : NULL;
		for (i = 0; s && i < nrec; i++) {
			char num[32];
			sl_str rec[2] = { { num, (size_t)snprintf(num, 32, "%zu",
							   (i * 13) % 1000) },
					  { "........................................", 40 } };

			if (sl_sorter_add(s, rec, 2) != SL_OK)
				break;
		}
		while (s && !sl_failed(ctx) && sl_sorter_next(s, &k))
			got++;
		if (sl_failed(ctx)) {
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
			failures++;
		} else {
			assert_int_equal(got, nrec);
			successes++;
		}
		tu_ctx_free(ctx);
		assert_int_equal(tu_count_entries(tu_dir), 0);
	}
	if (failures < 5 || successes < 5)
		fail_msg("%d failures, %d successes", failures, successes);
}

/* Runs written on threads, and the merge read ahead, under faults. */
static void test_sort_fault_with_threads(void **state)
{
	(void)state;
	fault_sweep(6 << 20, 2, 60000, 90);
}

static void test_sort_fault_at_every_allocation(void **state)
{
	(void)state;
	fault_sweep(1536 << 10, tu_threads, 20000, 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spill_round_trip_every_chunk_size),
		cmocka_unit_test(test_sort_in_memory_no_spill),
		cmocka_unit_test(test_sort_spilled_stable),
		cmocka_unit_test(test_sort_multipass_at_tiny_ceiling),
		cmocka_unit_test(test_sort_presorted),
		cmocka_unit_test(test_sort_runs_fill_the_budget),
		cmocka_unit_test(test_sort_runs_bounded_by_open_files),
		cmocka_unit_test(test_sort_keeps_provenance),
		cmocka_unit_test(test_sort_tmp_limit),
		cmocka_unit_test(test_sort_record_too_big),
		cmocka_unit_test(test_sort_fault_at_every_allocation),
		cmocka_unit_test(test_sort_spills_zstd),
		cmocka_unit_test(test_spill_read_ahead_on_thread),
		cmocka_unit_test(test_sort_runs_written_on_threads),
		cmocka_unit_test(test_sort_tmp_limit_on_threads),
		cmocka_unit_test(test_sort_fault_with_threads),
	};

	tu_filter_from_env();
	return cmocka_run_group_tests_name("sort", tests, tu_dir_setup,
					   tu_dir_teardown);
}
