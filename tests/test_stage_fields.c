/*
 * test_stage_fields.c - the select, rename, reorder, headers, fill,
 * explode, implode, stats and freq stages: their output
 * against what the test works out itself, select's provenance, list
 * errors, partial states that merge back to the same records, the
 * budget back to zero, and memory faults at every charge.
 */
#include "testutil.h"

static char path[4096 + 64];

#define NROWS 300

/* Row i (0-based) of the fixture: id, name, note, amount. */
static void row_of(int i, char *id, char *name, char *note, char *amount)
{
	sprintf(id, "%d", i + 1);
	sprintf(name, "n%d", i % 7);
	sprintf(note, "t%c", 'a' + i % 3);
	sprintf(amount, "%d", (i * 37) % 101 - 50);
}

static int setup(void **state)
{
	char id[16], name[16], note[16], amount[16], line[80];
	FILE *f;
	int i;

	tu_dir_setup(state);
	snprintf(path, sizeof(path), "%s/in.csv", tu_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("id,name,note,amount\n", f);
	for (i = 0; i < NROWS; i++) {
		row_of(i, id, name, note, amount);
		snprintf(line, sizeof(line), "%s,%s,%s,%s\n", id, name, note,
			 amount);
		fputs(line, f);
	}
	assert_int_equal(fclose(f), 0);
	return 0;
}

/* A growing text buffer. */
struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_row(struct text *t, const sl_str *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			put(t, ",", 1);
		put(t, f[i].ptr, f[i].len);
	}
	put(t, "\n", 1);
}

/*
 * The header and records of it as comma-separated lines, in *t.
 * Returns 0, or -1 when the pipeline failed.  check_prov: records keep
 * the input's provenance (record i is data record i + 1, on line i + 2).
 */
static int drain(sl_iter *it, struct text *t, int check_prov)
{
	const sl_str *names;
	const sl_record *rec;
	uint64_t i = 0;
	size_t n;

	t->len = 0;
	put(t, "", 0);
	names = sl_iter_header(it, &n);
	if (!names)
		return it && !sl_failed(sl_iter_ctx(it)) ? 0 : -1;
	put_row(t, names, n);
	while ((rec = sl_iter_next(it)) != NULL) {
		if (check_prov) {
			assert_non_null(rec->input);
			assert_non_null(strstr(rec->input, "in.csv"));
			assert_int_equal(rec->number, i + 1);
			assert_int_equal(rec->line, i + 2);
		}
		put_row(t, rec->fields, rec->nfields);
		i++;
	}
	return sl_failed(sl_iter_ctx(it)) ? -1 : 0;
}

/* ---- select ----------------------------------------------------------- */

/* Select's output, worked out: cols are 0-based positions, names the
 * output header. */
static void select_want(struct text *t, const char *header,
			const int *cols, int ncols)
{
	char f[4][16], line[128];
	int i, k;

	t->len = 0;
	put(t, "", 0);
	puts_(t, header);
	puts_(t, "\n");
	for (i = 0; i < NROWS; i++) {
		row_of(i, f[0], f[1], f[2], f[3]);
		line[0] = '\0';
		for (k = 0; k < ncols; k++) {
			if (k)
				strcat(line, ",");
			strcat(line, f[cols[k]]);
		}
		strcat(line, "\n");
		puts_(t, line);
	}
}

/* Rename, by pairs (mode 0) or regex (1: first match, 2: every one),
 * reorder (3: front, 4: back) and select (5, 6: exclude): the header and
 * the fields as cols say. */
static void check_stage(int mode, const char *arg, const char *repl,
			const char *header, const int *cols, int ncols)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	struct text got = { 0 }, want = { 0 };
	sl_iter *in = sl_read(a, path, NULL), *it;

	it = mode == 0 ? sl_rename(in, arg) :
		mode <= 2 ? sl_rename_regex(in, arg, repl, mode == 2) :
		mode <= 4 ? sl_reorder(in, arg, mode == 4) :
		sl_select(in, arg, mode == 6);
	assert_int_equal(drain(it, &got, 1), 0);
	select_want(&want, header, cols, ncols);
	assert_string_equal(got.p, want.p);
	sl_arena_free(a);
	assert_int_equal(sl_mem_in_use(ctx), 0);
	tu_ctx_free(ctx);
	free(got.p);
	free(want.p);
}

static void test_rename_and_reorder(void **state)
{
	static const int same[] = { 0, 1, 2, 3 };
	static const int c1[] = { 3, 0, 1, 2 };
	static const int c2[] = { 1, 2, 0, 3 };
	static const int c3[] = { 1, 3, 0, 2 };
	sl_ctx *ctx;
	sl_arena *a;

	(void)state;
	check_stage(0, "name:who,4:sum", NULL, "id,who,note,sum", same, 4);
	check_stage(1, "^n(o?)", "N\\1\\0", "id,Nname,Nonote,amount", same, 4);
	check_stage(2, "[aeiou]", "", "d,nm,nt,mnt", same, 4);
	check_stage(1, "[aeiou]", "\\\\", "\\d,n\\me,n\\te,\\mount", same, 4);
	check_stage(2, "x*", "-", "-i-d-,-n-a-m-e-,-n-o-t-e-,-a-m-o-u-n-t-",
		    same, 4);
	check_stage(3, "amount", NULL, "amount,id,name,note", c1, 4);
	check_stage(4, "1,note", NULL, "name,amount,id,note", c3, 4);
	check_stage(3, "2-3", NULL, "name,note,id,amount", c2, 4);

	/* errors, each SL_EINVAL with what is wrong */
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "p");
	assert_null(sl_iter_next(sl_rename(sl_read(a, path, NULL), "id:x,1:y")));
	assert_non_null(strstr(sl_errmsg(ctx), "field 'id' is renamed twice"));
	tu_ctx_free(ctx);
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "p");
	assert_null(sl_rename_regex(sl_read(a, path, NULL), "(", "x", 0));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	tu_ctx_free(ctx);
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "p");
	assert_null(sl_iter_next(sl_reorder(sl_read(a, path, NULL),
					    "note,3", 0)));
	assert_non_null(strstr(sl_errmsg(ctx), "'note' is in the list twice"));
	tu_ctx_free(ctx);
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "p");
	assert_null(sl_reorder(sl_read(a, path, NULL), "", 0));
	assert_null(sl_rename(sl_read(a, path, NULL), ""));
	tu_ctx_free(ctx);
}

static void check_select(const char *list, int exclude, const char *header,
			 const int *cols, int ncols)
{
	check_stage(exclude ? 6 : 5, list, NULL, header, cols, ncols);
}

static void test_select_names_positions_renames(void **state)
{
	static const int c1[] = { 2, 0, 3 };
	static const int c2[] = { 3, 3, 1 };

	(void)state;
	check_select("note,1,amount:total", 0, "note,id,total", c1, 3);
	check_select("4,amount:x,name", 0, "amount,x,name", c2, 3);
}

static void test_select_ranges(void **state)
{
	static const int c1[] = { 1, 2, 0, 1, 2, 3 };
	static const int c2[] = { 3, 0 };

	(void)state;
	check_select("2-3,1-", 0, "name,note,id,name,note,amount", c1, 6);
	check_select("4-4,1-1", 0, "amount,id", c2, 2);
}

static void test_select_exclude(void **state)
{
	static const int c1[] = { 0, 2 };
	static const int c2[] = { 0, 3 };
	static const int c3[] = { 0, 1, 2, 3 };

	(void)state;
	check_select("name,4", 1, "id,note", c1, 2);
	check_select("2-3,name", 1, "id,amount", c2, 2);
	check_select("", 1, "id,name,note,amount", c3, 4);
	check_select("", 0, "id,name,note,amount", c3, 4);
}

static void test_select_errors(void **state)
{
	static const struct {
		const char *list;
		int exclude;
		const char *msg;
	} bad[] = {
		{ "nope", 0, "no field 'nope' in the header; it has: id,"
		  " name, note, amount" },
		{ "9", 0, "field 9 is not within 1-4" },
		{ "0", 0, "field 0 is not within 1-4" },
		{ "3-9", 0, "range '3-9' is not within 1-4" },
		{ "3-2", 0, "range '3-2' is not within 1-4" },
		{ "0-2", 1, "range '0-2' is not within 1-4" },
		{ "2-3:x", 0, "a range cannot be renamed: '2-3:x'" },
		{ ":x", 0, "no field before the ':' in ':x'" },
		{ "id:", 0, "empty new name in 'id:'" },
		{ "id:x", 1, "-x takes no renames: 'id:x'" },
		{ "id,,note", 0, "empty item in the list 'id,,note'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "pipeline");
		sl_iter *it = sl_select(sl_read(a, path, NULL), bad[i].list,
					bad[i].exclude);
		size_t n;

		assert_non_null(it);
		assert_null(sl_iter_header(it, &n));
		assert_null(sl_iter_next(it));
		assert_int_equal(sl_errcode(ctx), SL_EINVAL);
		assert_string_equal(sl_errmsg(ctx), bad[i].msg);
		sl_arena_free(a);
		tu_ctx_free(ctx);
	}
}

/* ---- stats -------------------------------------------------------------- */

static void test_stats_without_groups(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	struct text got = { 0 }, want = { 0 };
	char f[4][16], line[256], first[2][16], last[2][16];
	long sum[2] = { 0, 0 }, min[2], max[2], v;
	int i, k;

	(void)state;
	for (i = 0; i < NROWS; i++) {
		row_of(i, f[0], f[1], f[2], f[3]);
		for (k = 0; k < 2; k++) {
			v = atol(f[k ? 3 : 0]);
			sum[k] += v;
			if (!i || v < min[k])
				min[k] = v;
			if (!i || v > max[k])
				max[k] = v;
			if (!i)
				strcpy(first[k], f[k ? 3 : 0]);
			strcpy(last[k], f[k ? 3 : 0]);
		}
	}
	put(&want, "", 0);
	puts_(&want, "field,count,sum,min,max,first,last,type\n");
	for (k = 0; k < 2; k++) {
		snprintf(line, sizeof(line), "%s,%d,%ld,%ld,%ld,%s,%s,int\n",
			 k ? "amount" : "id", NROWS, sum[k], min[k], max[k],
			 first[k], last[k]);
		puts_(&want, line);
	}
	assert_int_equal(drain(sl_stats(sl_read(a, path, NULL), NULL,
					 "id,amount",
					 "count,sum,min,max,first,last,type"),
			       &got, 0), 0);
	assert_string_equal(got.p, want.p);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	free(got.p);
	free(want.p);
}

static void test_stats_grouped(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	struct text got = { 0 }, want = { 0 };
	char f[4][16], line[256];
	long cnt[3][7] = { { 0 } }, sum[3][7] = { { 0 } }, max[3][7], v;
	int i, g, h;

	(void)state;
	for (i = 0; i < NROWS; i++) {
		row_of(i, f[0], f[1], f[2], f[3]);
		g = f[2][1] - 'a';
		h = f[1][1] - '0';
		v = atol(f[3]);
		if (!cnt[g][h] || v > max[g][h])
			max[g][h] = v;
		cnt[g][h]++;
		sum[g][h] += v;
	}
	put(&want, "", 0);
	puts_(&want, "note,name,amount_count,amount_sum,amount_max\n");
	for (g = 0; g < 3; g++)
		for (h = 0; h < 7; h++) {
			if (!cnt[g][h])
				continue;
			snprintf(line, sizeof(line), "t%c,n%d,%ld,%ld,%ld\n",
				 'a' + g, h, cnt[g][h], sum[g][h], max[g][h]);
			puts_(&want, line);
		}
	assert_int_equal(drain(sl_stats(sl_read(a, path, NULL), "note,2",
					 "4", "count,sum,max"), &got, 0), 0);
	assert_string_equal(got.p, want.p);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	free(got.p);
	free(want.p);
}

/* Decimal text of a 128-bit integer. */
static void i128_text(__int128 v, char *out)
{
	char d[64];
	int n = 0, neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v :
		(unsigned __int128)v;

	do {
		d[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (neg)
		*out++ = '-';
	while (n)
		*out++ = d[--n];
	*out = '\0';
}

/* Sums of integers of 30 digits are exact, with and without groups. */
static void test_stats_exact_big_integers(void **state)
{
	char p[4096 + 64], v[64], line[160];
	__int128 base = 1, x, total = 0, part[2] = { 0, 0 };
	struct text got = { 0 }, want = { 0 };
	sl_ctx *ctx;
	sl_arena *a;
	FILE *f;
	int i;

	(void)state;
	for (i = 0; i < 29; i++)
		base *= 10;
	snprintf(p, sizeof(p), "%s/big.csv", tu_dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("k,v\n", f);
	for (i = 0; i < 1000; i++) {
		x = base * (1 + i % 9) + (__int128)i * 1234567891011LL;
		if (i % 4 == 0)
			x = -x;
		i128_text(x, v);
		fprintf(f, "%c,%s\n", i % 2 ? 'b' : 'a', v);
		total += x;
		part[i % 2] += x;
	}
	assert_int_equal(fclose(f), 0);

	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "pipeline");
	put(&want, "", 0);
	i128_text(total, v);
	snprintf(line, sizeof(line), "field,sum,count\nv,%s,1000\n", v);
	puts_(&want, line);
	assert_int_equal(drain(sl_stats(sl_read(a, p, NULL), "", "v",
					 "sum,count"), &got, 0), 0);
	assert_string_equal(got.p, want.p);
	sl_arena_free(a);

	a = sl_arena_new(ctx, "pipeline");
	want.len = 0;
	puts_(&want, "k,v_sum\n");
	for (i = 0; i < 2; i++) {
		i128_text(part[i], v);
		snprintf(line, sizeof(line), "%c,%s\n", 'a' + i, v);
		puts_(&want, line);
	}
	assert_int_equal(drain(sl_stats(sl_read(a, p, NULL), "k", NULL,
					 "sum"), &got, 0), 0);
	assert_string_equal(got.p, want.p);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	free(got.p);
	free(want.p);
}

static void test_stats_bad_lists(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	sl_iter *it;
	size_t n;

	(void)state;
	/* an unknown aggregate: at once */
	assert_null(sl_stats(sl_read(a, path, NULL), NULL, NULL, "sum,nope"));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "unknown aggregate 'nope'"));
	sl_arena_free(a);
	tu_ctx_free(ctx);

	/* an unknown key: when the header is read */
	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "pipeline");
	it = sl_stats(sl_read(a, path, NULL), "nope", NULL, NULL);
	assert_non_null(it);
	assert_null(sl_iter_header(it, &n));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "no field 'nope'"));
	sl_arena_free(a);
	tu_ctx_free(ctx);
}

/* ---- freq -------------------------------------------------------------- */

struct kc {
	char key[32];
	long n;
};

static int by_count(const void *x, const void *y)
{
	const struct kc *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* freq of name,note (first n, 0: all), worked out. */
static void freq_want(struct text *t, uint64_t top)
{
	struct kc kc[21];
	char f[4][16], key[32], line[1024];
	int i, k, nk = 0;

	for (i = 0; i < NROWS; i++) {
		row_of(i, f[0], f[1], f[2], f[3]);
		snprintf(key, sizeof(key), "%s,%s", f[1], f[2]);
		for (k = 0; k < nk && strcmp(kc[k].key, key); k++)
			;
		if (k == nk) {
			strcpy(kc[nk].key, key);
			kc[nk++].n = 0;
		}
		kc[k].n++;
	}
	qsort(kc, (size_t)nk, sizeof(kc[0]), by_count);
	t->len = 0;
	put(t, "", 0);
	puts_(t, "name,note,count\n");
	for (k = 0; k < nk && (!top || (uint64_t)k < top); k++) {
		snprintf(line, sizeof(line), "%s,%ld\n", kc[k].key, kc[k].n);
		puts_(t, line);
	}
}

static void test_freq_top(void **state)
{
	static const uint64_t tops[] = { 0, 1, 3, 100 };
	struct text got = { 0 }, want = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_arena *a = sl_arena_new(ctx, "pipeline");

		assert_int_equal(drain(sl_freq(sl_read(a, path, NULL),
					       "name,3", tops[i]), &got, 0),
				 0);
		freq_want(&want, tops[i]);
		assert_string_equal(got.p, want.p);
		sl_arena_free(a);
		tu_ctx_free(ctx);
	}
	free(got.p);
	free(want.p);
}

/* Many distinct values at a small ceiling: the groups and the ranking
 * spill, and the counts stay exact. */
static void test_freq_spills(void **state)
{
	char p[4096 + 64];
	sl_ctx *ctx = tu_ctx(1 << 20, 4096);
	sl_arena *a;
	sl_spill_stats ss;
	const sl_record *rec;
	sl_iter *it;
	uint64_t k = 0;
	FILE *f;
	int i;

	(void)state;
	snprintf(p, sizeof(p), "%s/many.csv", tu_dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("v\n", f);
	/* value i (< 40000) occurs once, and "hot" 5 times */
	for (i = 0; i < 40000; i++)
		fprintf(f, "value-%08d\n%s", i, i % 8000 == 0 ? "hot\n" : "");
	assert_int_equal(fclose(f), 0);
	a = sl_arena_new(ctx, "pipeline");
	it = sl_freq(sl_read(a, p, NULL), "v", 0);
	while ((rec = sl_iter_next(it)) != NULL) {
		char want[32];

		assert_int_equal(rec->nfields, 2);
		if (k == 0) {
			assert_memory_equal(rec->fields[0].ptr, "hot", 3);
			assert_memory_equal(rec->fields[1].ptr, "5", 1);
		} else {
			snprintf(want, sizeof(want), "value-%08llu",
				 (unsigned long long)k - 1);
			assert_int_equal(rec->fields[0].len, strlen(want));
			assert_memory_equal(rec->fields[0].ptr, want,
					    strlen(want));
			assert_memory_equal(rec->fields[1].ptr, "1", 1);
		}
		k++;
	}
	assert_false(sl_failed(ctx));
	assert_int_equal(k, 40001);
	assert_true(sl_iter_spill_stats(it, &ss) > 0);
	assert_true(ss.runs > 0);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	unlink(p);
}

/* ---- partial states ------------------------------------------------------ */

/* Partial states of a stage, merged into an aggregator, give its
 * records through sl_agg_results(). */
static void check_partial_round_trip(int freq)
{
	char p[4096 + 64];
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	struct text direct = { 0 }, merged = { 0 };
	sl_agg_spec sp;
	const sl_str *line;
	sl_agg *g = NULL;
	sl_lines *lr;
	sl_sink *out;
	sl_iter *it;

	it = freq ? sl_freq(sl_read(a, path, NULL), "note", 2) :
		sl_stats(sl_read(a, path, NULL), "note", "amount,name",
			 "count,min,max,sum,mean,first,last");
	assert_int_equal(drain(it, &direct, 0), 0);
	sl_arena_free(a);

	snprintf(p, sizeof(p), "%s/part.jsonl", tu_dir);
	a = sl_arena_new(ctx, "pipeline");
	it = freq ? sl_freq(sl_read(a, path, NULL), "note", 2) :
		sl_stats(sl_read(a, path, NULL), "note", "amount,name",
			 "count,min,max,sum,mean,first,last");
	out = sl_sink_open(a, p, NULL);
	assert_non_null(out);
	assert_int_equal(sl_write_partial(it, out), SL_OK);
	assert_int_equal(sl_sink_close(out), SL_OK);
	sl_arena_free(a);

	a = sl_arena_new(ctx, "pipeline");
	lr = sl_lines_open(a, p);
	assert_non_null(lr);
	while ((line = sl_lines_next(lr)) != NULL) {
		if (!g) {
			assert_int_equal(sl_agg_read_header(a, line->ptr,
							    line->len, &sp),
					 SL_OK);
			g = sl_agg_new(a, sp.nkeys, sp.nfields, sp.ops,
				       sp.nops, NULL);
			assert_non_null(g);
			continue;
		}
		assert_int_equal(sl_agg_add_partial(g, line->ptr, line->len),
				 SL_OK);
	}
	assert_non_null(g);
	assert_int_equal(drain(sl_agg_results(a, g, &sp, NULL), &merged, 0),
			 0);
	assert_string_equal(merged.p, direct.p);
	sl_arena_free(a);
	tu_ctx_free(ctx);
	unlink(p);
	free(direct.p);
	free(merged.p);
}

static void test_partial_states_merge_back(void **state)
{
	(void)state;
	check_partial_round_trip(0);
	check_partial_round_trip(1);
}

static void test_partial_refused(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	sl_sink *out = sl_sink_open(a, "/dev/null", NULL);

	(void)state;
	assert_non_null(out);
	/* quantiles with keys have no partial state */
	assert_int_equal(sl_write_partial(sl_stats(sl_read(a, path, NULL),
						   "note", "amount", "p50"),
					  out), SL_EINVAL);
	sl_arena_free(a);
	tu_ctx_free(ctx);

	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "pipeline");
	out = sl_sink_open(a, "/dev/null", NULL);
	assert_non_null(out);
	/* not a stats or freq stage */
	assert_int_equal(sl_write_partial(sl_head(sl_read(a, path, NULL), 1),
					  out), SL_EINVAL);
	sl_arena_free(a);
	tu_ctx_free(ctx);
}

/* An empty input: no header, no records, no error. */
static void test_empty_input(void **state)
{
	char p[4096 + 64];
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "pipeline");
	size_t n;

	(void)state;
	snprintf(p, sizeof(p), "%s/empty.csv", tu_dir);
	tu_write_file(p, "", 0);
	assert_null(sl_iter_header(sl_stats(sl_read(a, p, NULL), "x", NULL,
					    NULL), &n));
	assert_null(sl_iter_next(sl_freq(sl_read(a, p, NULL), "x", 0)));
	assert_null(sl_iter_next(sl_select(sl_read(a, p, NULL), "x", 0)));
	assert_false(sl_failed(ctx));
	sl_arena_free(a);
	tu_ctx_free(ctx);
	unlink(p);
}

/* ---- memory faults ---------------------------------------------------- */

static sl_iter *make(int which, sl_arena *a)
{
	sl_iter *in = sl_read(a, path, NULL);

	switch (which) {
	case 0:
		return sl_select(in, "note,2-3,amount:x", 0);
	case 1:
		return sl_stats(in, "note", "amount,id", NULL);
	case 2:
		return sl_stats(in, NULL, "amount,name", "count,empty,type,"
				"min,max,sum,mean,stddev,first,last");
	case 3:
		/* distinct and quantiles turn to sketches when memory is
		 * short: a failed charge may change them */
		return sl_stats(in, NULL, "amount,name", NULL);
	case 4:
		return sl_freq(in, "name,note", 5);
	case 5:
		in = sl_rename(in, "name:who,4:sum");
		in = sl_reorder(in, "sum,note", 1);
		in = sl_fill(in, "who");
		in = sl_explode(in, "note", "a");
		return sl_implode(in, "note", "a");
	default:
		return sl_headers(sl_rename_regex(in, "^(.)", "\\1\\1", 0), 1,
				  100);
	}
}

/* Texts a and b have the same lines in their first ncols columns. */
static void same_columns(const char *a, const char *b, int ncols)
{
	struct text x = { 0 }, y = { 0 };
	const char *t[2] = { a, b };
	struct text *o[2] = { &x, &y };
	int k, col;

	for (k = 0; k < 2; k++) {
		put(o[k], "", 0);
		for (col = 0; *t[k]; t[k]++) {
			if (*t[k] == '\n')
				col = 0;
			else if (*t[k] == ',')
				col++;
			if (col < ncols || *t[k] == '\n')
				put(o[k], t[k], 1);
		}
	}
	assert_string_equal(x.p, y.p);
	free(x.p);
	free(y.p);
}

/*
 * Run pipeline which once counting the charges, then make each charge
 * (every one, or a spread when there are many) fail: the run gives the
 * same output or fails with SL_ENOMEM, and leaks nothing.
 */
static void sweep(int which)
{
	struct text good = { 0 }, got = { 0 };
	unsigned long charges, n, step;
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a;
	int rc;

	sl_mem_fail_at(ctx, 0);
	a = sl_arena_new(ctx, "pipeline");
	assert_int_equal(drain(make(which, a), &good, 0), 0);
	sl_arena_free(a);
	charges = sl_mem_charges(ctx);
	tu_ctx_free(ctx);
	assert_true(charges > 0);
	step = charges > 400 ? charges / 400 : 1;
	for (n = 1; n <= charges + 1; n += step) {
		ctx = tu_ctx(0, 0);
		sl_mem_fail_at(ctx, n);
		a = sl_arena_new(ctx, "pipeline");
		rc = a ? drain(make(which, a), &got, 0) : -1;
		if (rc == 0 && !sl_failed(ctx) && which != 3)
			assert_string_equal(got.p, good.p);
		else if (rc == 0 && !sl_failed(ctx))
			same_columns(got.p, good.p, 9);
		else
			assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
		sl_arena_free(a);
		tu_ctx_free(ctx);
	}
	free(good.p);
	free(got.p);
}

static void test_memory_faults(void **state)
{
	int which;

	(void)state;
	for (which = 0; which < 7; which++)
		sweep(which);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_names_positions_renames),
		cmocka_unit_test(test_select_ranges),
		cmocka_unit_test(test_select_exclude),
		cmocka_unit_test(test_select_errors),
		cmocka_unit_test(test_rename_and_reorder),
		cmocka_unit_test(test_stats_without_groups),
		cmocka_unit_test(test_stats_grouped),
		cmocka_unit_test(test_stats_exact_big_integers),
		cmocka_unit_test(test_stats_bad_lists),
		cmocka_unit_test(test_freq_top),
		cmocka_unit_test(test_freq_spills),
		cmocka_unit_test(test_partial_states_merge_back),
		cmocka_unit_test(test_partial_refused),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_memory_faults),
	};

	return cmocka_run_group_tests(tests, setup, tu_dir_teardown);
}
