/*
 * test_reader.c - records from CSV, TSV, JSON Lines and lines: the same
 * records at every chunk size, headers, quoting, escapes, number texts,
 * bad rows (fail, skip, rejects), and memory faults.
 *
 * Records are flattened to text for comparison: each field as
 * "[LEN:BYTES]", each record ended by "\n", after the header line "H".
 */
#include "testutil.h"

static const size_t chunks[] = { 1, 2, 3, 7, 64, 65536 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

struct buf {
	char *p;
	size_t n, cap;
};

static void add(struct buf *b, const char *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* [len:text] per field, with a letter for its kind when it has one:
 * s string, n number, b bool, 0 null, j nested, - absent. */
static void add_fields(struct buf *b, const sl_str *f,
		       const unsigned char *kinds, size_t n)
{
	static const char letter[] = "tsnb0j-";
	char num[32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (kinds)
			snprintf(num, sizeof(num), "[%c%zu:",
				 kinds[i] < 7 ? letter[kinds[i]] : '?',
				 f[i].len);
		else
			snprintf(num, sizeof(num), "[%zu:", f[i].len);
		add(b, num, strlen(num));
		add(b, f[i].ptr, f[i].len);
		add(b, "]", 1);
	}
	add(b, "\n", 1);
}

static char *put_file(const char *name, const char *data, size_t n)
{
	static char path[4200];

	snprintf(path, sizeof(path), "%s/%s", tu_dir, name);
	tu_write_file(path, data, n);
	return path;
}

/* Flatten a file read at a chunk size; NULL if it failed (ctx kept). */
static char *flatten(const char *path, size_t chunk,
		     const sl_read_options *o, sl_ctx **ctxp)
{
	sl_ctx *ctx = tu_ctx(0, chunk);
	sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"), path, o);
	struct buf b = { 0 };
	const sl_record *rec;
	const sl_str *h;
	size_t n;

	add(&b, "", 0);
	if (r) {
		h = sl_reader_header(r, &n);
		add(&b, "H", 1);
		if (h)
			add_fields(&b, h, NULL, n);
		else
			add(&b, "\n", 1);
		while ((rec = sl_reader_next(r)) != NULL) {
			assert_int_equal(rec->nfields, n);
			add_fields(&b, rec->fields, rec->kinds, rec->nfields);
		}
	}
	if (ctxp) {
		*ctxp = ctx;
	} else {
		if (sl_failed(ctx))
			fail_msg("chunk %zu: %s", chunk, sl_errmsg(ctx));
		tu_ctx_free(ctx);
	}
	return b.p;
}

/* Every chunk size gives want. */
static void expect(const char *name, const char *data, const char *want,
		   const sl_read_options *o)
{
	char *path = put_file(name, data, strlen(data));
	size_t i;

	for (i = 0; i < NCHUNKS; i++) {
		char *got = flatten(path, chunks[i], o, NULL);

		if (strcmp(got, want) != 0)
			fail_msg("%s at chunk %zu:\ngot:\n%s\nwant:\n%s", name,
				 chunks[i], got, want);
		free(got);
	}
}

static void test_reader_csv_rfc4180(void **state)
{
	(void)state;
	expect("a.csv",
	       "name,note,n\r\n"
	       "alice,\"hello, world\",1\r\n"
	       "\"bo\"\"b\",\"two\nlines\",\r\n"
	       "  carol  ,,3\r\n"
	       "\n"
	       "dave,\"\",4",
	       "H[4:name][4:note][1:n]\n"
	       "[5:alice][12:hello, world][1:1]\n"
	       "[4:bo\"b][9:two\nlines][0:]\n"
	       "[9:  carol  ][0:][1:3]\n"
	       "[4:dave][0:][1:4]\n", NULL);
}

static void test_reader_csv_bom_stripped(void **state)
{
	(void)state;
	expect("bom.csv", "\xef\xbb\xbf" "a,b\n1,2\n",
	       "H[1:a][1:b]\n[1:1][1:2]\n", NULL);
	/* a file that only starts like a mark keeps its bytes */
	expect("notbom.csv", "\xef\xbb" "x,b\n1,2\n",
	       "H[3:\xef\xbbx][1:b]\n[1:1][1:2]\n", NULL);
}

static void test_reader_csv_delimiter_and_no_header(void **state)
{
	sl_read_options o = { .delimiter = ';', .no_header = 1 };

	(void)state;
	expect("semi.csv", "a;b,c\n\"x;y\";2\n",
	       "H[1:1][1:2]\n[1:a][3:b,c]\n[3:x;y][1:2]\n", &o);
}

static void test_reader_csv_empty_and_header_only(void **state)
{
	(void)state;
	expect("empty.csv", "", "H\n", NULL);
	expect("hdr.csv", "a,b\n", "H[1:a][1:b]\n", NULL);
}

static void test_reader_csv_long_field_across_chunks(void **state)
{
	char *data = malloc(300000), *want = malloc(300100);
	size_t i;

	(void)state;
	strcpy(data, "k,v\n1,\"");
	for (i = 0; i < 200000; i++)
		data[7 + i] = (char)('a' + i % 26);
	strcpy(data + 7 + 200000, "\"\n");
	strcpy(want, "H[1:k][1:v]\n[1:1][200000:");
	memcpy(want + strlen(want), data + 7, 200000);
	strcpy(want + strlen("H[1:k][1:v]\n[1:1][200000:") + 200000, "]\n");
	expect("long.csv", data, want, NULL);
	free(data);
	free(want);
}

static void test_reader_csv_wrong_field_count_fails(void **state)
{
	char *path = put_file("bad.csv", "a,b\n1,2\n3\n4,5\n", 14);
	sl_ctx *ctx;
	char *got;

	(void)state;
	got = flatten(path, 64, NULL, &ctx);
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx),
			       "1 field where the header has 2 in '"));
	assert_non_null(strstr(sl_errmsg(ctx), "bad.csv' at record 2, line 3,"
			       " byte 8"));
	/* the good record before it came out */
	assert_string_equal(got, "H[1:a][1:b]\n[1:1][1:2]\n");
	free(got);
	tu_ctx_free(ctx);
}

static void test_reader_csv_skip_and_rejects(void **state)
{
	char *path = put_file("skip.csv", "a,b\n1,2\n3\n4,5,6\r\n7,8\n", 21);
	char rej[4300];
	sl_read_options o = { .on_error = SL_SKIP };
	sl_ctx *ctx = tu_ctx(0, 3);
	sl_arena *a = sl_arena_new(ctx, "t");
	const sl_record *rec;
	unsigned char *out;
	sl_reader *r;
	size_t n;
	int recs = 0;

	(void)state;
	snprintf(rej, sizeof(rej), "%s/rejects.jsonl", tu_dir);
	o.rejects = sl_sink_open(a, rej, NULL);
	r = sl_reader_open(a, path, &o);
	while ((rec = sl_reader_next(r)) != NULL)
		recs++;
	assert_false(sl_failed(ctx));
	assert_int_equal(recs, 2);
	assert_int_equal(sl_reader_skipped(r), 2);
	assert_int_equal(sl_sink_close(o.rejects), SL_OK);
	out = tu_read_file(rej, &n);
	out = realloc(out, n + 1);
	out[n] = '\0';
	assert_non_null(strstr((char *)out, "\"record\":2,\"line\":3,"
			       "\"offset\":8,\"reason\":\"1 field where the"
			       " header has 2\",\"raw\":\"3\""));
	assert_non_null(strstr((char *)out, "\"record\":3,\"line\":4,"
			       "\"offset\":10,\"reason\":\"3 fields where the"
			       " header has 2\",\"raw\":\"4,5,6\""));
	free(out);
	tu_ctx_free(ctx);
}

static void test_reader_csv_unterminated_quote(void **state)
{
	char *path = put_file("open.csv", "a,b\n1,\"never\nclosed\n", 21);
	sl_ctx *ctx;
	char *got;

	(void)state;
	got = flatten(path, 7, NULL, &ctx);
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "unterminated quoted field"));
	assert_non_null(strstr(sl_errmsg(ctx), "open.csv' at record 1, line"
			       " 2, byte 4"));
	free(got);
	tu_ctx_free(ctx);
}

/* Text after a closing quote is an error at that byte; the rows around
 * it are not merged into it (they were, when the quote stayed open). */
static void test_reader_csv_text_after_quote_fails(void **state)
{
	static const char data[] = "a,b\n1,\"x\" \n2,\"y\"\n3,z\n";
	char *path = put_file("junk.csv", data, sizeof(data) - 1);
	size_t i;

	(void)state;
	for (i = 0; i < NCHUNKS; i++) {
		sl_ctx *ctx;
		char *got = flatten(path, chunks[i], NULL, &ctx);

		assert_int_equal(sl_errcode(ctx), SL_EDATA);
		assert_non_null(strstr(sl_errmsg(ctx), "byte 0x20 (a space)"
				       " after the closing quote of field 2"));
		assert_non_null(strstr(sl_errmsg(ctx), "junk.csv' at record 1,"
				       " line 2, byte 9"));
		assert_string_equal(got, "H[1:a][1:b]\n");
		free(got);
		tu_ctx_free(ctx);
	}
}

/* With skip, that record alone goes; reading goes on at the next. */
static void test_reader_csv_text_after_quote_skipped(void **state)
{
	static const char data[] =
		"a,b\n1,\"x\" \n2,\"y\"\n3,\"p\"q,\"r\nr\"\n4,\"z\"\r\n";
	sl_read_options o = { .on_error = SL_SKIP };
	char *path = put_file("junk2.csv", data, sizeof(data) - 1);
	size_t i;

	(void)state;
	for (i = 0; i < NCHUNKS; i++) {
		sl_ctx *ctx;
		char *got = flatten(path, chunks[i], &o, &ctx);

		assert_false(sl_failed(ctx));
		assert_string_equal(got, "H[1:a][1:b]\n[1:2][1:y]\n"
				    "[1:4][1:z]\n");
		free(got);
		tu_ctx_free(ctx);
	}
}

/* A bare CR is data, quoted or not; CRLF ends a record; a CR after a
 * closing quote is text after it, unless a LF follows. */
static void test_reader_csv_bare_cr_is_data(void **state)
{
	sl_ctx *ctx;
	char *got;

	(void)state;
	expect("cr.csv", "a,b\r\nx\ry,2\r\n\"p\rq\",\r\r\n\r\n3,\"4\"",
	       "H[1:a][1:b]\n[3:x\ry][1:2]\n[3:p\rq][1:\r]\n[1:3][1:4]\n",
	       NULL);
	expect("cr2.csv", "a\r", "H[2:a\r]\n", NULL);
	/* leading CRs are data, not blank lines, at any chunk size */
	expect("cr4.csv", "\r\r\rx,y\n\r\n1,2\n",
	       "H[4:\r\r\rx][1:y]\n[1:1][1:2]\n", NULL);
	got = flatten(put_file("cr3.csv", "a\n\"x\"\ry\n", 9), 3, NULL, &ctx);
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "carriage return"));
	assert_non_null(strstr(sl_errmsg(ctx), "line 2, byte 5"));
	free(got);
	tu_ctx_free(ctx);
}

/* A quote that does not start a field is data; "" in quotes is one. */
static void test_reader_csv_stray_quotes_are_data(void **state)
{
	(void)state;
	expect("q.csv", "a,b\n5\" wide,\"say \"\"hi\"\"\"\nx\"\",\"\"\n",
	       "H[1:a][1:b]\n[7:5\" wide][8:say \"hi\"]\n[3:x\"\"][0:]\n",
	       NULL);
}

/* SL_PAD: short rows padded, a long row's empty extra fields dropped,
 * a long row with more an error. */
static void test_reader_csv_pad(void **state)
{
	sl_read_options o = { .on_error = SL_PAD };
	sl_ctx *ctx;
	char *got;

	(void)state;
	expect("pad.csv", "a,b,c\n1\n2,3,,\n4,5,6\n",
	       "H[1:a][1:b][1:c]\n[1:1][0:][0:]\n[1:2][1:3][0:]\n"
	       "[1:4][1:5][1:6]\n", &o);
	got = flatten(put_file("pad2.csv", "a,b\n1,2,3\n", 10), 64, &o,
		      &ctx);
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "3 fields where the header has"
			       " 2, and field 3 is not empty"));
	free(got);
	tu_ctx_free(ctx);
}

/* The utf8 option: a field that is not UTF-8 makes its record bad,
 * unless it is a field the caller will not look at. */
static void test_reader_utf8_option(void **state)
{
	static const char data[] = "a,b\n1,x\xffy\n2,ok\n";
	sl_read_options o = { .utf8 = 1 };
	char *path = put_file("u.csv", data, sizeof(data) - 1);
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"), path, &o);
	static const unsigned char want_a[] = { 1, 0 };
	size_t n = 0;

	(void)state;
	assert_null(sl_reader_next(r));
	assert_int_equal(sl_errcode(ctx), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(ctx), "field 'b' is not valid UTF-8"
			       " (byte 2 of it)"));
	assert_non_null(strstr(sl_errmsg(ctx), "at record 1, line 2"));
	tu_ctx_free(ctx);
	ctx = tu_ctx(0, 0);
	r = sl_reader_open(sl_arena_new(ctx, "t"), path, &o);
	sl_reader_header(r, &n);
	assert_int_equal(sl_reader_want(r, want_a, 2), SL_OK);
	while (sl_reader_next(r))
		n++;
	assert_false(sl_failed(ctx));
	assert_int_equal(n, 4);   /* 2 names, 2 records */
	tu_ctx_free(ctx);
}

/* The three readings of the grammar agree: the rows the reader finds
 * (by its fast path or its state machine, whichever the chunk size
 * makes it take), bad ones included, start exactly where
 * sl_csv_scan_next() puts record boundaries that are not blank lines. */
static void test_reader_csv_scan_agrees(void **state)
{
	static const char alpha[] = "a,\"\n\r \"";
	static const size_t sizes[] = { 1, 2, 5, 4096 };
	char data[48], *path;
	uint64_t x = 88172645463325252ULL;
	size_t len, i, k, nb, nr, si;
	uint64_t bound[64], starts[64];
	int t;

	(void)state;
	for (t = 0; t < 6000; t++) {
		sl_csv_scan sc;
		size_t at = 0, got;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = 1 + (size_t)(x % (sizeof(data) - 1));
		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			data[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		/* boundaries: record starts that are not blank lines */
		sl_csv_scan_init(&sc, ',');
		nb = 0;
		for (;;) {
			int blank = (at < len && data[at] == '\n') ||
				(at + 1 < len && data[at] == '\r' &&
				 data[at + 1] == '\n');

			if (at < len && !blank)
				bound[nb++] = at;
			if (at >= len)
				break;
			got = sl_csv_scan_next(&sc, data + at, len - at, 0);
			at += got + 1;
		}
		path = put_file("scan.csv", data, len);
		for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			sl_ctx *ctx = tu_ctx(0, sizes[si]);
			sl_read_options o = { .no_header = 1 };
			sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"),
						      path, &o);
			int rc;

			assert_non_null(r);
			nr = 0;
			/* an open quote at the end swallows the rest: a bad
			 * row, and the scanner finds no boundary in it */
			while ((rc = r->next_row(r)) == ROW_OK ||
			       rc == ROW_BAD)
				starts[nr++] = r->row.offset;
			if (rc == ROW_ERR)
				fail_msg("input %d: %s", t, sl_errmsg(ctx));
			if (nr != nb)
				fail_msg("input %d (chunk %zu): %zu rows, %zu"
					 " boundaries", t, sizes[si], nr, nb);
			for (k = 0; k < nr; k++)
				if (starts[k] != bound[k])
					fail_msg("input %d (chunk %zu): row %zu"
						 " at %llu, boundary at %llu",
						 t, sizes[si], k,
						 (unsigned long long)starts[k],
						 (unsigned long long)bound[k]);
			tu_ctx_free(ctx);
		}
	}
}

static void test_reader_csv_record_over_ceiling(void **state)
{
	size_t n = 600000, i;
	char *data = malloc(n + 16);
	sl_ctx *ctx = tu_ctx(256 << 10, 4096);
	sl_reader *r;
	char *path;

	(void)state;
	memcpy(data, "a\n\"", 3);
	for (i = 3; i < n; i++)
		data[i] = 'x';
	path = put_file("huge.csv", data, n);
	r = sl_reader_open(sl_arena_new(ctx, "t"), path, NULL);
	assert_null(sl_reader_next(r));
	assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "line 2 of '"));
	assert_non_null(strstr(sl_errmsg(ctx), "memory ceiling of 256.0 KiB"));
	assert_true(sl_mem_peak(ctx) <= 256 << 10);
	tu_ctx_free(ctx);
	free(data);
}

static void test_reader_count_matches_next(void **state)
{
	static const char *const inputs[] = {
		"a,b\n1,2\n\"x\ny\",3\n4,5",
		"a\tb\n1\t2\n3\t4\n",
		"{\"a\":1}\n\n{\"a\":2}\n",
		"one\ntwo\r\nthree",
	};
	static const char *const names[] = { "c.csv", "c.tsv", "c.jsonl",
					     "c.txt" };
	static const uint64_t want[] = { 3, 2, 2, 3 };
	size_t i, j;

	(void)state;
	for (i = 0; i < 4; i++) {
		char *path = put_file(names[i], inputs[i], strlen(inputs[i]));

		for (j = 0; j < NCHUNKS; j++) {
			sl_ctx *ctx = tu_ctx(0, chunks[j]);
			sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"),
						      path, NULL);

			assert_int_equal(sl_reader_count(r), want[i]);
			assert_false(sl_failed(ctx));
			tu_ctx_free(ctx);
		}
	}
}

static void test_reader_tsv_escapes(void **state)
{
	(void)state;
	expect("e.tsv", "a\tb\r\nx\\ty\tback\\\\slash\nnew\\nline\t\\q\n",
	       "H[1:a][1:b]\n[3:x\ty][10:back\\slash]\n[8:new\nline][2:\\q]\n",
	       NULL);
}

static void test_reader_tsv_blank_line_is_one_field(void **state)
{
	(void)state;
	expect("one.tsv", "only\nx\n\ny\n",
	       "H[4:only]\n[1:x]\n[0:]\n[1:y]\n", NULL);
}

static void test_reader_jsonl_values_keep_text(void **state)
{
	(void)state;
	expect("v.jsonl",
	       "{\"n\": 1.50, \"s\": \"a\\\"b\\u00e9\\ud83d\\ude00\", \"t\": true,"
	       " \"z\": null, \"o\": {\"k\": [1, 2.0, \"x y\"]}, \"big\":"
	       " 123456789012345678901234567890}\n"
	       "  \n"
	       "{\"big\": -0, \"n\": 1e5, \"s\": \"\", \"t\": false, \"z\": 7,"
	       " \"o\": []}\n"
	       "{\"o\": {}}\n",
	       "H[1:n][1:s][1:t][1:z][1:o][3:big]\n"
	       "[n4:1.50][s9:a\"b\xc3""\xa9""\xf0""\x9f""\x98""\x80""][b4:true][00:][j19:{\"k\":[1,2.0,\"x y\"]}][n30:123456789012345678901234567890]\n"
	       "[n3:1e5][s0:][b5:false][n1:7][j2:[]][n2:-0]\n"
	       "[-0:][-0:][-0:][-0:][j2:{}][-0:]\n"
	       "", NULL);
}

static void test_reader_jsonl_bad_lines(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\"a\":1}\n{\"a\":\n", "invalid JSON: " },
		{ "{\"a\":1}\n[1,2]\n", "not a JSON object" },
		{ "{\"a\":1}\n{\"b\":2}\n", "key 'b' is not in the header" },
		{ "{\"a\":1}\n{\"a\":1,\"a\":2}\n", "key \"a\" is repeated" },
		{ "{\"a\":1}\n{\"a\":007}\n", "invalid JSON: " },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = put_file("bad.jsonl", cases[i].text,
				      strlen(cases[i].text));
		sl_ctx *ctx;
		char *got = flatten(path, 5, NULL, &ctx);

		assert_int_equal(sl_errcode(ctx), SL_EDATA);
		if (!strstr(sl_errmsg(ctx), cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i,
				 sl_errmsg(ctx), cases[i].msg);
		assert_non_null(strstr(sl_errmsg(ctx), "at record 2, line 2"));
		assert_string_equal(got, "H[1:a]\n[n1:1]\n");
		free(got);
		tu_ctx_free(ctx);
	}
}

static void test_reader_jsonl_names_given(void **state)
{
	static const sl_str names[] = { { "b", 1 }, { "a", 1 } };
	sl_read_options o = { .names = names, .nnames = 2 };

	(void)state;
	expect("given.jsonl", "{\"a\":1,\"b\":2}\n{\"a\":3}\n",
	       "H[1:b][1:a]\n[n1:2][n1:1]\n[-0:][n1:3]\n", &o);
}

static void test_reader_lines(void **state)
{
	(void)state;
	expect("l.txt", "a,b\r\n\"q\n\nlast",
	       "H[4:line]\n[3:a,b]\n[2:\"q]\n[0:]\n[4:last]\n", NULL);
}

static void test_reader_sniffs_format(void **state)
{
	sl_read_options o = { 0 };
	static const char *const data[] = { "\r\n\n{\"a\":1}\n", "a,b\n1,2\n" };
	static const sl_format want[] = { SL_FORMAT_JSONL, SL_FORMAT_CSV };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		char *path = put_file("noext", data[i], strlen(data[i]));
		sl_ctx *ctx = tu_ctx(0, 1);
		sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"), path,
					      &o);

		assert_non_null(r);
		assert_int_equal(sl_reader_format(r), want[i]);
		assert_non_null(sl_reader_next(r));
		tu_ctx_free(ctx);
	}
	/* -i wins over the name */
	o.format = SL_FORMAT_LINES;
	{
		char *path = put_file("x.csv", "a,b\n", 4);
		sl_ctx *ctx = tu_ctx(0, 0);
		sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"), path,
					      &o);

		assert_int_equal(sl_reader_format(r), SL_FORMAT_LINES);
		tu_ctx_free(ctx);
	}
}

static void test_reader_field_index(void **state)
{
	char *path = put_file("idx.csv", "x,amount,y\n1,2,3\n", 17);
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"), path, NULL);

	(void)state;
	assert_int_equal(sl_reader_field_index(r, "amount", 6), 1);
	assert_int_equal(sl_reader_field_index(r, "nope", 4), (size_t)-1);
	assert_memory_equal(sl_reader_next(r)->fields[1].ptr, "2", 1);
	tu_ctx_free(ctx);
}

/* Allocation N fails, for every N until the read succeeds. */
static void test_reader_fault_at_every_allocation(void **state)
{
	static const char *const names[] = { "f.csv", "f.tsv", "f.jsonl" };
	static const char *const data[] = {
		"a,b\n1,\"x\ny\"\n3,4\n",
		"a\tb\n1\tx\\ny\n3\t4\n",
		"{\"a\":1,\"b\":\"x\\ny\"}\n{\"a\":3,\"b\":4}\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		char *path = put_file(names[i], data[i], strlen(data[i]));
		int failures = 0;

		for (unsigned long n = 1;; n++) {
			sl_ctx *ctx = tu_ctx(0, 4);
			sl_arena *a;
			sl_reader *r;
			int recs = 0;

			sl_mem_fail_at(ctx, n);
			a = sl_arena_new(ctx, "t");
			r = a ? sl_reader_open(a, path, NULL) : NULL;
			while (r && sl_reader_next(r))
				recs++;
			if (sl_failed(ctx)) {
				if (sl_errcode(ctx) != SL_ENOMEM)
					fail_msg("%s, fault %lu: %s", names[i],
						 n, sl_errmsg(ctx));
				failures++;
				tu_ctx_free(ctx);
				continue;
			}
			assert_int_equal(recs, 2);
			tu_ctx_free(ctx);
			break;
		}
		if (failures < 3)
			fail_msg("%s: only %d failure points", names[i],
				 failures);
	}
}

/* ---- parsing on threads ------------------------------------------------- */

static uint64_t rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/*
 * A file over the size that threads parse (4 MiB), made to be cut badly:
 * kind 'c' is CSV with quoted fields with newlines in them, lines that
 * look like records inside quotes, "" escapes, blank lines, CR LF
 * endings, a quoted field of 320 KB across the cuts and a byte-order
 * mark; 'p' the same with short rows (for SL_PAD); 't' TSV with escapes;
 * 'l' lines.  bad: 0, or a bad row two thirds in ('r' too few fields,
 * 'j' text after a closing quote) or at the end ('q' an open quote).
 * The path is malloc'ed.
 */
static char *threads_file(const char *name, int kind, int bad)
{
	static const char *const cells[] = {
		"x", "\"two\nlines\"", "\"q \"\"x\"\",\n\"", "", "plain text",
		"\"7,a\nb,c\nd\"", "12.5", "\"\"", "\"a\r\nb\"",
	};
	static const char *const tsv[] = {
		"x", "two\\nlines", "tab\\there", "", "back\\\\slash", "12.5",
	};
	struct buf b = { 0 };
	char line[128];
	unsigned i, k;
	char *path;

	rnd_state = 88172645463325252ull;
	if (kind == 'c' || kind == 'p')
		add(&b, "\xef\xbb\xbf" "a,b,c,d\n", 11);
	else if (kind == 't')
		add(&b, "a\tb\tc\n", 6);
	for (i = 0; b.n < ((size_t)9 << 19); i++) {
		if (kind == 'l') {
			snprintf(line, sizeof(line), "%u line \"%u\",x%s\n",
				 i, rnd(1000), rnd(9) ? "" : "\r");
			add(&b, line, strlen(line));
			if (!rnd(50))
				add(&b, "\n", 1);
			continue;
		}
		if (kind == 't') {
			snprintf(line, sizeof(line), "%u\t%s\t%s\n", i,
				 tsv[rnd(6)], tsv[rnd(6)]);
			add(&b, line, strlen(line));
			continue;
		}
		if (i == 20000) {
			add(&b, "big,\"", 5);
			for (k = 0; k < 40000; k++)
				add(&b, "a,b,c,d\n", 8);
			add(&b, "\",c,d\n", 6);
			continue;
		}
		if (i == 100000 && bad == 'r')
			add(&b, "too,few\n", 8);
		if (i == 100000 && bad == 'j')
			add(&b, "1,\"x\"y,2,3\n", 11);
		snprintf(line, sizeof(line), "%u,", i);
		add(&b, line, strlen(line));
		k = rnd(9);
		add(&b, cells[k], strlen(cells[k]));
		if (kind == 'p' && !rnd(20)) {
			add(&b, "\n", 1);   /* two fields of four */
			continue;
		}
		k = rnd(9);
		add(&b, ",", 1);
		add(&b, cells[k], strlen(cells[k]));
		snprintf(line, sizeof(line), ",%u%s", i * 7,
			 rnd(5) ? "\n" : "\r\n");
		add(&b, line, strlen(line));
		if (!rnd(40))
			add(&b, "\n", 1);
	}
	if (bad == 'q')
		add(&b, "1,\"open,2,3\n", 12);
	path = strdup(put_file(name, b.p, b.n));
	assert_non_null(path);
	free(b.p);
	return path;
}

struct par_run {
	char *text;     /* each record's number, line, offset and fields;
			 * the error last, if any */
	int used;       /* the records came from threads */
	int gave_up;    /* and then from the caller's reader */
	uint64_t segments, redos;
	int enomem;     /* it failed for memory */
};

static struct par_run read_all(const char *path, unsigned threads,
			       size_t max_memory, unsigned long fail_at,
			       const sl_read_options *o)
{
	sl_ctx *ctx = tu_ctx_j(max_memory, 0, threads);
	struct par_run run = { 0 };
	struct buf b = { 0 };
	const sl_record *rec;
	sl_reader *r = NULL;
	sl_arena *a;
	char num[96];

	if (fail_at)
		sl_mem_fail_at(ctx, fail_at);
	add(&b, "", 0);
	a = sl_arena_new(ctx, "t");
	r = a ? sl_reader_open(a, path, o) : NULL;
	while (r && (rec = sl_reader_next(r)) != NULL) {
		if (rec->number == 1)
			run.used = r->par != NULL;
		snprintf(num, sizeof(num), "%llu %llu %llu ",
			 (unsigned long long)rec->number,
			 (unsigned long long)rec->line,
			 (unsigned long long)rec->offset);
		add(&b, num, strlen(num));
		add_fields(&b, rec->fields, rec->kinds, rec->nfields);
	}
	if (sl_failed(ctx)) {
		add(&b, "error: ", 7);
		add(&b, sl_errmsg(ctx), strlen(sl_errmsg(ctx)));
		run.enomem = sl_errcode(ctx) == SL_ENOMEM;
	}
	if (r) {
		run.gave_up = r->par_gave_up;
		run.segments = r->par_segments;
		run.redos = r->par_redos;
	}
	run.text = b.p;
	tu_ctx_free(ctx);
	return run;
}

/* The texts are equal, else the first line that differs is shown. */
static void same_text(const char *what, const char *got, const char *want)
{
	size_t i = 0, line = 0;

	if (strcmp(got, want) == 0)
		return;
	while (got[i] == want[i])
		if (got[i++] == '\n')
			line = i;
	fail_msg("%s: differs at byte %zu:\ngot:  %.200s\nwant: %.200s", what,
		 i, got + line, want + line);
}

/* Counting after records came from threads counts the rest. */
static void count_after_threads(const char *path, const sl_read_options *o)
{
	sl_ctx *ctx = tu_ctx_j(0, 0, 1);
	sl_reader *r = sl_reader_open(sl_arena_new(ctx, "t"), path, o);
	uint64_t want = sl_reader_count(r), got = 0;

	tu_ctx_free(ctx);
	ctx = tu_ctx_j(0, 0, 4);
	r = sl_reader_open(sl_arena_new(ctx, "t"), path, o);
	while (got < 30000 && sl_reader_next(r))
		got++;
	assert_non_null(r->par);
	got += sl_reader_count(r);
	assert_false(sl_failed(ctx));
	assert_int_equal(got, want);
	tu_ctx_free(ctx);
}

/* Parsed on four threads, every file gives the records one thread
 * gives, with the same numbers, lines and offsets: the cuts that fall in
 * quotes are read again on the caller's thread (redos). */
static void test_reader_threads_same_records(void **state)
{
	static const struct {
		const char *name;
		int kind, no_header;
		sl_on_error on_error;
		int redos;
	} cases[] = {
		{ "c.csv", 'c', 0, SL_FAIL, 1 },
		{ "c.csv", 'c', 1, SL_FAIL, 1 },
		{ "p.csv", 'p', 0, SL_PAD, 1 },
		{ "t.tsv", 't', 0, SL_FAIL, 0 },
		{ "l.txt", 'l', 0, SL_FAIL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_read_options o = { .no_header = cases[i].no_header,
				      .on_error = cases[i].on_error };
		char *path = threads_file(cases[i].name, cases[i].kind, 0);
		struct par_run one = read_all(path, 1, 0, 0, &o);
		struct par_run four = read_all(path, 4, 0, 0, &o);

		if (!four.used || four.gave_up || one.used)
			fail_msg("%s: threads used %d, gave up %d", path,
				 four.used, four.gave_up);
		assert_true(four.segments > 10);
		if (cases[i].redos && !four.redos)
			fail_msg("%s: no cut fell in quotes", path);
		assert_null(strstr(one.text, "error: "));
		same_text(path, four.text, one.text);
		count_after_threads(path, &o);
		free(one.text);
		free(four.text);
		free(path);
	}
}

/* A bad row gives, on four threads, the records before it and the
 * message one thread gives: the threads give up, and the caller's reader
 * reads on past what they handed out. */
static void test_reader_threads_same_error(void **state)
{
	static const int bad[] = { 'r', 'j', 'q' };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		char *path = threads_file("bad.csv", 'c', bad[i]);
		struct par_run one = read_all(path, 1, 0, 0, NULL);
		struct par_run four = read_all(path, 4, 0, 0, NULL);

		assert_non_null(strstr(one.text, "error: "));
		if (!four.used || !four.gave_up)
			fail_msg("%s (%c): threads used %d, gave up %d", path,
				 bad[i], four.used, four.gave_up);
		same_text(path, four.text, one.text);
		free(one.text);
		free(four.text);
		free(path);
	}
}

/*
 * Under a small ceiling the threads do not start (they would take more
 * than a quarter of it); and a memory fault at a charge of a threaded
 * read either fails the read for memory or leaves its records as they
 * are: a fault in the threads' own work only sends it back to one
 * thread.  A clean read makes about 55 charges, the threads' from the
 * sixth: the first twelve are tried, then every third.
 */
static void test_reader_parse_faults_and_ceiling(void **state)
{
	char *path = threads_file("m.csv", 'c', 0);
	struct par_run one = read_all(path, 1, 0, 0, NULL);
	struct par_run run = read_all(path, 4, (size_t)3 << 20, 0, NULL);
	int failed = 0, alone = 0;
	unsigned long n;

	(void)state;
	assert_false(run.used);
	same_text("-m 3M", run.text, one.text);
	free(run.text);
	for (n = 1; n <= 60; n += n < 12 ? 1 : 3) {
		run = read_all(path, 4, 0, n, NULL);
		if (run.enomem)
			failed++;
		else
			same_text("a fault", run.text, one.text);
		alone += !run.enomem && (!run.used || run.gave_up);
		free(run.text);
	}
	if (!failed || !alone)
		fail_msg("faults: %d failed the read, %d were absorbed", failed,
			 alone);
	free(one.text);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_csv_rfc4180),
		cmocka_unit_test(test_reader_csv_bom_stripped),
		cmocka_unit_test(test_reader_csv_delimiter_and_no_header),
		cmocka_unit_test(test_reader_csv_empty_and_header_only),
		cmocka_unit_test(test_reader_csv_long_field_across_chunks),
		cmocka_unit_test(test_reader_csv_wrong_field_count_fails),
		cmocka_unit_test(test_reader_csv_skip_and_rejects),
		cmocka_unit_test(test_reader_csv_unterminated_quote),
		cmocka_unit_test(test_reader_csv_text_after_quote_fails),
		cmocka_unit_test(test_reader_csv_text_after_quote_skipped),
		cmocka_unit_test(test_reader_csv_bare_cr_is_data),
		cmocka_unit_test(test_reader_csv_stray_quotes_are_data),
		cmocka_unit_test(test_reader_csv_pad),
		cmocka_unit_test(test_reader_utf8_option),
		cmocka_unit_test(test_reader_csv_scan_agrees),
		cmocka_unit_test(test_reader_csv_record_over_ceiling),
		cmocka_unit_test(test_reader_count_matches_next),
		cmocka_unit_test(test_reader_tsv_escapes),
		cmocka_unit_test(test_reader_tsv_blank_line_is_one_field),
		cmocka_unit_test(test_reader_jsonl_values_keep_text),
		cmocka_unit_test(test_reader_jsonl_bad_lines),
		cmocka_unit_test(test_reader_jsonl_names_given),
		cmocka_unit_test(test_reader_lines),
		cmocka_unit_test(test_reader_sniffs_format),
		cmocka_unit_test(test_reader_field_index),
		cmocka_unit_test(test_reader_fault_at_every_allocation),
		cmocka_unit_test(test_reader_threads_same_records),
		cmocka_unit_test(test_reader_threads_same_error),
		cmocka_unit_test(test_reader_parse_faults_and_ceiling),
	};

	tu_filter_from_env();
	return cmocka_run_group_tests_name("reader", tests, tu_dir_setup,
					   tu_dir_teardown);
}
