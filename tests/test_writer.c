/*
 * test_writer.c - the record writer: csv quoting, tsv escapes, jsonl
 * values and strings, format names, errors and allocation failures.
 *
 * Every test writes through a real sink into a file and compares the
 * file's exact bytes.  Beyond hand-written tables, python3's csv and json
 * modules read the output back as independent oracles: what they parse
 * must be exactly the fields that went in.
 */
#include "testutil.h"

/* An sl_str for a string literal (embedded NULs kept). */
#define S(lit) ((sl_str){ (lit), sizeof(lit) - 1 })
/* Write one record given as S() fields. */
#define ROW(w, ...) \
	sl_writer_write((w), (const sl_str[]){ __VA_ARGS__ }, \
			sizeof((const sl_str[]){ __VA_ARGS__ }) / \
			sizeof(sl_str))
#define HEADER(w, ...) \
	sl_writer_header((w), (const sl_str[]){ __VA_ARGS__ }, \
			 sizeof((const sl_str[]){ __VA_ARGS__ }) / \
			 sizeof(sl_str))

/* A writer onto a file in a fresh folder. */
struct out {
	char *dir;
	char path[4200];
	sl_ctx *ctx;
	sl_arena *a;
	sl_sink *sink;
	sl_writer *w;
};

static void out_open(struct out *o, sl_format f, const sl_write_options *opt)
{
	o->dir = tu_tmpdir();
	snprintf(o->path, sizeof(o->path), "%s/out", o->dir);
	o->ctx = tu_ctx(0, 0);
	o->a = sl_arena_new(o->ctx, "t");
	assert_non_null(o->a);
	o->sink = sl_sink_open(o->a, o->path, NULL);
	assert_non_null(o->sink);
	o->w = sl_writer_new(o->a, o->sink, f, opt);
	assert_non_null(o->w);
}

/* Close the sink and return the file's bytes (malloc'ed, NUL added). */
static char *out_close(struct out *o, size_t *n)
{
	unsigned char *got, *z;

	assert_int_equal(sl_sink_close(o->sink), SL_OK);
	got = tu_read_file(o->path, n);
	z = realloc(got, *n + 1);
	assert_non_null(z);
	z[*n] = '\0';
	return (char *)z;
}

static void out_free(struct out *o)
{
	tu_ctx_free(o->ctx);
	tu_rmdir(o->dir);
}

/* Close, compare the file with want byte for byte, free everything. */
static void out_expect(struct out *o, const char *want, size_t wn)
{
	size_t n;
	char *got;

	assert_false(sl_failed(o->ctx));
	got = out_close(o, &n);
	if (n != wn || memcmp(got, want, n) != 0)
		fail_msg("got [%.*s] (%zu bytes), want [%.*s] (%zu bytes)",
			 (int)n, got, n, (int)wn, want, wn);
	free(got);
	out_free(o);
}
#define EXPECT(o, lit) out_expect((o), (lit), sizeof(lit) - 1)

/* Run a python3 program on the output file; its stdout, malloc'ed. */
static char *python(const char *prog, const char *path, size_t *n)
{
	char cmd[8192];
	char *buf = NULL;
	size_t cap = 0, len = 0, r;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "python3 -c '%s' '%s'", prog, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + len, 1, cap - len, p);
		len += r;
	} while (r > 0);
	assert_int_equal(pclose(p), 0);
	*n = len;
	return buf;
}

/* ---- csv ------------------------------------------------------------- */

static void test_writer_csv_plain(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(HEADER(o.w, S("id"), S("name")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("ann")), SL_OK);
	assert_int_equal(ROW(o.w, S("2"), S("bob")), SL_OK);
	EXPECT(&o, "id,name\n1,ann\n2,bob\n");
}

static void test_writer_csv_quotes_delimiter(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("a,b"), S("c"), S(",")), SL_OK);
	EXPECT(&o, "\"a,b\",c,\",\"\n");
}

static void test_writer_csv_doubles_quotes(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("say \"hi\""), S("\""), S("x\"\"")),
			 SL_OK);
	EXPECT(&o, "\"say \"\"hi\"\"\",\"\"\"\",\"x\"\"\"\"\"\n");
}

static void test_writer_csv_quotes_newline(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("two\nlines"), S("\n")), SL_OK);
	EXPECT(&o, "\"two\nlines\",\"\n\"\n");
}

static void test_writer_csv_quotes_cr(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("a\rb"), S("c")), SL_OK);
	EXPECT(&o, "\"a\rb\",c\n");
}

static void test_writer_csv_keeps_spaces_unquoted(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S(" lead"), S("trail "), S(" "),
			     S("\ttab"), S("caf\xc3\xa9")), SL_OK);
	EXPECT(&o, " lead,trail , ,\ttab,caf\xc3\xa9\n");
}

static void test_writer_csv_empty_fields_unquoted(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("a"), S(""), S("b")), SL_OK);
	assert_int_equal(ROW(o.w, S(""), S("")), SL_OK);
	assert_int_equal(ROW(o.w, S(""), S(""), S("")), SL_OK);
	EXPECT(&o, "a,,b\n,\n,,\n");
}

static void test_writer_csv_lone_empty_field_quoted(void **state)
{
	struct out o;
	const sl_str null_empty = { NULL, 0 };

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	/* a blank line would be skipped by readers: "" keeps the row */
	assert_int_equal(HEADER(o.w, S("only")), SL_OK);
	assert_int_equal(ROW(o.w, S("")), SL_OK);
	assert_int_equal(ROW(o.w, S("x")), SL_OK);
	assert_int_equal(sl_writer_write(o.w, &null_empty, 1), SL_OK);
	EXPECT(&o, "only\n\"\"\nx\n\"\"\n");
}

static void test_writer_csv_custom_delimiter(void **state)
{
	sl_write_options opt = { .delimiter = ';' };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, &opt);
	assert_int_equal(HEADER(o.w, S("a,b"), S("c;d")), SL_OK);
	assert_int_equal(ROW(o.w, S("1,5"), S(";"), S("x\"y")), SL_OK);
	EXPECT(&o, "a,b;\"c;d\"\n1,5;\";\";\"x\"\"y\"\n");
}

static void test_writer_csv_no_header(void **state)
{
	sl_write_options opt = { .no_header = 1 };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, &opt);
	assert_int_equal(HEADER(o.w, S("id"), S("name")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("ann")), SL_OK);
	EXPECT(&o, "1,ann\n");
}

static void test_writer_csv_without_header_call(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("1"), S("ann")), SL_OK);
	assert_int_equal(ROW(o.w, S("2")), SL_OK);
	EXPECT(&o, "1,ann\n2\n");
}

/* The random test's rows, kept to compare with what python reads. */
#define RT_ROWS 200
#define RT_MAXF 6

struct rt_row {
	size_t n;
	char *f[RT_MAXF];
	size_t len[RT_MAXF];
};

static uint64_t rt_seed = 12345;

static unsigned rt_rand(void)
{
	rt_seed = rt_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rt_seed >> 33);
}

/* A field of 0..8 pieces from an alphabet of awkward bytes and UTF-8. */
static char *rt_field(size_t *len, const char *const *alpha, size_t na)
{
	size_t pieces = rt_rand() % 9, i;
	char *f = malloc(8 * 4 + 1);

	assert_non_null(f);
	*len = 0;
	for (i = 0; i < pieces; i++) {
		const char *a = alpha[rt_rand() % na];

		memcpy(f + *len, a, strlen(a));
		*len += strlen(a);
	}
	return f;
}

/* Rows in the form the python programs print: "N\n" then "LEN:bytes" per
 * field, so no quoting question arises in the comparison itself. */
static char *rt_encode(struct rt_row *rows, size_t nrows, size_t *n)
{
	size_t cap = 1 << 16, len = 0, i, j;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (i = 0; i < nrows; i++) {
		len += (size_t)snprintf(buf + len, cap - len, "%zu\n",
					rows[i].n);
		for (j = 0; j < rows[i].n; j++) {
			len += (size_t)snprintf(buf + len, cap - len, "%zu:",
						rows[i].len[j]);
			memcpy(buf + len, rows[i].f[j], rows[i].len[j]);
			len += rows[i].len[j];
		}
		assert_true(len + 1024 < cap);
	}
	*n = len;
	return buf;
}

static void test_writer_csv_python_reads_random_rows(void **state)
{
	static const char *const alpha[] = {
		"a", "b", ",", "\"", "\r", "\n", " ", "\xc3\xa9",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\"\"", "x",
	};
	static const char prog[] =
		"import csv,sys\n"
		"o=sys.stdout.buffer\n"
		"for r in csv.reader(open(sys.argv[1],newline=\"\","
		"encoding=\"utf-8\")):\n"
		"  o.write(b\"%d\\n\"%len(r))\n"
		"  for f in r:\n"
		"    b=f.encode(); o.write(b\"%d:\"%len(b)+b)\n";
	struct rt_row rows[RT_ROWS];
	struct out o;
	char *got, *want;
	size_t gn, wn, i, j;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	for (i = 0; i < RT_ROWS; i++) {
		sl_str f[RT_MAXF];

		rows[i].n = 1 + rt_rand() % RT_MAXF;
		for (j = 0; j < rows[i].n; j++) {
			rows[i].f[j] = rt_field(&rows[i].len[j], alpha,
						sizeof(alpha) / sizeof(*alpha));
			f[j].ptr = rows[i].f[j];
			f[j].len = rows[i].len[j];
		}
		assert_int_equal(sl_writer_write(o.w, f, rows[i].n), SL_OK);
	}
	free(out_close(&o, &gn));
	got = python(prog, o.path, &gn);
	want = rt_encode(rows, RT_ROWS, &wn);
	if (gn != wn || memcmp(got, want, gn) != 0)
		fail_msg("python read [%.*s], want [%.*s]", (int)gn, got,
			 (int)wn, want);
	free(got);
	free(want);
	for (i = 0; i < RT_ROWS; i++)
		for (j = 0; j < rows[i].n; j++)
			free(rows[i].f[j]);
	out_free(&o);
}

/* ---- tsv ------------------------------------------------------------- */

static void test_writer_tsv_escapes(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_TSV, NULL);
	assert_int_equal(HEADER(o.w, S("a\tb"), S("c")), SL_OK);
	assert_int_equal(ROW(o.w, S("x\ty"), S("l1\nl2"), S("cr\r"),
			     S("back\\slash"), S("\"q\", ok")), SL_OK);
	assert_int_equal(ROW(o.w, S(""), S("")), SL_OK);
	EXPECT(&o, "a\\tb\tc\n"
		   "x\\ty\tl1\\nl2\tcr\\r\tback\\\\slash\t\"q\", ok\n"
		   "\t\n");
}

/* Undo the tsv escapes of one line: the reference reader of the test. */
static size_t tsv_unescape(const char *s, size_t n, char *out, size_t *cut,
			   size_t maxf)
{
	size_t i, k = 0, nf = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\t') {
			assert_true(nf + 1 < maxf);
			cut[nf++] = k;
			continue;
		}
		if (s[i] != '\\') {
			out[k++] = s[i];
			continue;
		}
		assert_true(i + 1 < n);
		switch (s[++i]) {
		case 't': out[k++] = '\t'; break;
		case 'n': out[k++] = '\n'; break;
		case 'r': out[k++] = '\r'; break;
		case '\\': out[k++] = '\\'; break;
		default: fail_msg("bad escape '\\%c'", s[i]);
		}
	}
	cut[nf++] = k;
	return nf;
}

static void test_writer_tsv_round_trip(void **state)
{
	/* every pair of the escaped bytes and a plain one, incl. "\\t" as
	 * two plain bytes, which must not read back as a tab */
	static const char set[] = { '\t', '\n', '\r', '\\', 't', 'n' };
	struct out o;
	char f[2], out[64];
	size_t cut[16], i, j, n, nf;
	sl_str fields[2];
	char *got, *line;

	(void)state;
	out_open(&o, SL_FORMAT_TSV, NULL);
	for (i = 0; i < sizeof(set); i++)
		for (j = 0; j < sizeof(set); j++) {
			f[0] = set[i];
			f[1] = set[j];
			fields[0].ptr = f;
			fields[0].len = 2;
			fields[1].ptr = f + 1;
			fields[1].len = 1;
			assert_int_equal(sl_writer_write(o.w, fields, 2),
					 SL_OK);
		}
	got = out_close(&o, &n);
	line = got;
	for (i = 0; i < sizeof(set); i++)
		for (j = 0; j < sizeof(set); j++) {
			char *nl = memchr(line, '\n', n - (size_t)(line - got));

			assert_non_null(nl);
			nf = tsv_unescape(line, (size_t)(nl - line), out, cut,
					  16);
			assert_int_equal(nf, 2);
			assert_int_equal(cut[0], 2);
			assert_int_equal(cut[1], 3);
			assert_int_equal(out[0], set[i]);
			assert_int_equal(out[1], set[j]);
			assert_int_equal(out[2], set[j]);
			line = nl + 1;
		}
	assert_int_equal((size_t)(line - got), n);
	free(got);
	out_free(&o);
}

/* ---- lines ----------------------------------------------------------- */

static void test_writer_lines_joins_with_tab(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_LINES, NULL);
	assert_int_equal(HEADER(o.w, S("line")), SL_OK);
	assert_int_equal(ROW(o.w, S("just a line")), SL_OK);
	assert_int_equal(ROW(o.w, S("a"), S("b\\c"), S("")), SL_OK);
	assert_int_equal(ROW(o.w, S("")), SL_OK);
	EXPECT(&o, "just a line\na\tb\\c\t\n\n");
}

/* ---- jsonl ----------------------------------------------------------- */

static void test_writer_jsonl_numbers_raw(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("c"), S("d"), S("e"),
				S("f")), SL_OK);
	assert_int_equal(ROW(o.w, S("1.50"), S("-0"), S("1e5"), S("0"),
			     S("1234567890123456789012345678901234567890"),
			     S("-2.5E-3")), SL_OK);
	EXPECT(&o, "{\"a\":1.50,\"b\":-0,\"c\":1e5,\"d\":0,"
		   "\"e\":1234567890123456789012345678901234567890,"
		   "\"f\":-2.5E-3}\n");
}

static void test_writer_jsonl_non_numbers_as_strings(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("c"), S("d"), S("e"),
				S("f"), S("g")), SL_OK);
	assert_int_equal(ROW(o.w, S("007"), S("1."), S("NaN"), S("+1"),
			     S(""), S(" 1"), S("0x10")), SL_OK);
	EXPECT(&o, "{\"a\":\"007\",\"b\":\"1.\",\"c\":\"NaN\",\"d\":\"+1\","
		   "\"e\":\"\",\"f\":\" 1\",\"g\":\"0x10\"}\n");
}

static void test_writer_jsonl_words_raw(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("t"), S("f"), S("n"), S("T"), S("nu")),
			 SL_OK);
	assert_int_equal(ROW(o.w, S("true"), S("false"), S("null"),
			     S("True"), S("nul")), SL_OK);
	/* the text null is a string: a JSON null reads back as empty */
	EXPECT(&o, "{\"t\":true,\"f\":false,\"n\":\"null\",\"T\":\"True\","
		   "\"nu\":\"nul\"}\n");
}

static void test_writer_jsonl_strings_option(void **state)
{
	sl_write_options opt = { .strings = 1 };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, &opt);
	assert_int_equal(HEADER(o.w, S("n"), S("b"), S("z")), SL_OK);
	assert_int_equal(ROW(o.w, S("12"), S("true"), S("null")), SL_OK);
	EXPECT(&o, "{\"n\":\"12\",\"b\":\"true\",\"z\":\"null\"}\n");
}

static void test_writer_jsonl_escapes(void **state)
{
	struct out o;
	char all[34];
	sl_str f;
	int c;

	(void)state;
	/* every control byte, then the quote and the backslash; 0x7f is
	 * not a control for JSON */
	for (c = 0; c < 32; c++)
		all[c] = (char)c;
	all[32] = '"';
	all[33] = '\\';
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("k\"\\\n")), SL_OK);
	f.ptr = all;
	f.len = sizeof(all);
	assert_int_equal(sl_writer_write(o.w, &f, 1), SL_OK);
	assert_int_equal(ROW(o.w, S("del\x7f")), SL_OK);
	EXPECT(&o, "{\"k\\\"\\\\\\n\":\""
		   "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
		   "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
		   "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
		   "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
		   "\\\"\\\\\"}\n"
		   "{\"k\\\"\\\\\\n\":\"del\x7f\"}\n");
}

static void test_writer_jsonl_unicode_passes_through(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("caf\xc3\xa9")), SL_OK);
	/* 2, 3 and 4 byte forms, the edges of each range, U+10FFFF */
	assert_int_equal(ROW(o.w, S("\xc2\x80\xdf\xbf\xe0\xa0\x80\xe2\x82\xac"
				    "\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
				    "\xf0\x90\x80\x80\xf0\x9f\x98\x80"
				    "\xf4\x8f\xbf\xbf")), SL_OK);
	EXPECT(&o, "{\"caf\xc3\xa9\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80"
		   "\xe2\x82\xac\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
		   "\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"}\n");
}

static void test_writer_jsonl_rejects_invalid_utf8(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *at;
	} bad[] = {
		{ "ab\xff", 3, "(byte 3 of it)" },
		{ "\xc0\x80", 2, "(byte 1 of it)" },         /* overlong NUL */
		{ "x\xe0\x80\xaf", 4, "(byte 2 of it)" },    /* overlong '/' */
		{ "\xed\xa0\x80", 3, "(byte 1 of it)" },     /* surrogate */
		{ "ok \xe2\x82", 5, "(byte 4 of it)" },      /* truncated */
		{ "\xf4\x90\x80\x80", 4, "(byte 1 of it)" }, /* > U+10FFFF */
		{ "\x80", 1, "(byte 1 of it)" },             /* lone cont. */
		{ "\xe2\x28\xa1", 3, "(byte 1 of it)" },     /* bad cont. */
		{ "\xf0\x8f\xbf\xbf", 4, "(byte 1 of it)" }, /* overlong */
		{ "0123456789\xf0\x9f\x98", 13, "(byte 11 of it)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct out o;
		sl_str f[2] = { S("1"), { bad[i].text, bad[i].len } };

		out_open(&o, SL_FORMAT_JSONL, NULL);
		assert_int_equal(HEADER(o.w, S("id"), S("name")), SL_OK);
		assert_int_equal(ROW(o.w, S("1"), S("fine")), SL_OK);
		assert_int_equal(sl_writer_write(o.w, f, 2), SL_EDATA);
		assert_int_equal(sl_errcode(o.ctx), SL_EDATA);
		assert_non_null(strstr(sl_errmsg(o.ctx),
				       "field 'name' is not valid UTF-8 (byte"));
		assert_non_null(strstr(sl_errmsg(o.ctx), "), which JSON output"
				       " needs in record 2 of '"));
		if (!strstr(sl_errmsg(o.ctx), bad[i].at))
			fail_msg("case %zu: '%s' lacks '%s'", i,
				 sl_errmsg(o.ctx), bad[i].at);
		/* the context refuses further work */
		assert_int_equal(ROW(o.w, S("2"), S("x")), SL_EDATA);
		out_free(&o);
	}
}

/* The one file in dir, read whole. */
static unsigned char *read_only_file(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096 + 256];
	unsigned char *got = NULL;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_null(got);
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		got = tu_read_file(p, n);
	}
	closedir(d);
	assert_non_null(got);
	return got;
}

static void test_writer_jsonl_bad_row_leaves_no_partial_output(void **state)
{
	static const char want[] = "{\"a\":1,\"b\":\"ok\"}\n";
	struct out o;
	unsigned char *got;
	size_t n;

	(void)state;
	/* a program may flush what preceded an error (sl_sink_flush): the
	 * unfinished output, still under its temporary name, must hold the
	 * good record and no part of the bad one */
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("ok")), SL_OK);
	assert_int_equal(ROW(o.w, S("2"), S("bad \xff")), SL_EDATA);
	assert_int_equal(sl_sink_flush(o.sink), SL_OK);
	got = read_only_file(o.dir, &n);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(got, want, n);
	free(got);
	out_free(&o);
}

static void test_writer_jsonl_rejects_invalid_utf8_name(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("ok"), S("b\xc3")), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(o.ctx), "field name 'b"));
	assert_non_null(strstr(sl_errmsg(o.ctx), "at byte 2 of the name"));
	out_free(&o);
}

static void test_writer_jsonl_empty_header(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(sl_writer_header(o.w, NULL, 0), SL_OK);
	assert_int_equal(sl_writer_write(o.w, NULL, 0), SL_OK);
	EXPECT(&o, "{}\n");
}

/* Each kind comes out as a JSON Lines input gave it: "12345" stays a
 * string, null stays null, a nested value stays JSON, a left-out key
 * stays left out. */
static void test_writer_jsonl_kinds(void **state)
{
	static const sl_str f[] = { S("12345"), S("1.50"), S("true"), S(""),
				    S("[1,{\"x\":\"y z\"}]"), S(""), S("7"),
				    S("null") };
	static const unsigned char k[] = { SL_KIND_STRING, SL_KIND_NUMBER,
					   SL_KIND_BOOL, SL_KIND_NULL,
					   SL_KIND_NESTED, SL_KIND_ABSENT,
					   SL_KIND_TEXT, SL_KIND_STRING };
	sl_record rec = { .nfields = 8, .fields = f, .kinds = k };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("c"), S("d"), S("e"),
				S("f"), S("g"), S("h")), SL_OK);
	assert_int_equal(sl_writer_write_record(o.w, &rec), SL_OK);
	EXPECT(&o, "{\"a\":\"12345\",\"b\":1.50,\"c\":true,\"d\":null,"
		   "\"e\":[1,{\"x\":\"y z\"}],\"g\":7,\"h\":\"null\"}\n");
}

/* Left-out keys at the start, and all of them. */
static void test_writer_jsonl_absent_keys(void **state)
{
	static const sl_str f[] = { S(""), S("2"), S("") };
	static const unsigned char k1[] = { SL_KIND_ABSENT, SL_KIND_NUMBER,
					    SL_KIND_ABSENT };
	static const unsigned char k2[] = { SL_KIND_ABSENT, SL_KIND_ABSENT,
					    SL_KIND_ABSENT };
	sl_record rec = { .nfields = 3, .fields = f, .kinds = k1 };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("c")), SL_OK);
	assert_int_equal(sl_writer_write_record(o.w, &rec), SL_OK);
	rec.kinds = k2;
	assert_int_equal(sl_writer_write_record(o.w, &rec), SL_OK);
	EXPECT(&o, "{\"b\":2}\n{}\n");
}

/* --strings: text, numbers and booleans as strings; null stays null. */
static void test_writer_jsonl_kinds_strings_option(void **state)
{
	static const sl_str f[] = { S("1"), S("false"), S(""), S("x") };
	static const unsigned char k[] = { SL_KIND_NUMBER, SL_KIND_BOOL,
					   SL_KIND_NULL, SL_KIND_TEXT };
	sl_write_options opt = { .strings = 1 };
	sl_record rec = { .nfields = 4, .fields = f, .kinds = k };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, &opt);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("c"), S("d")), SL_OK);
	assert_int_equal(sl_writer_write_record(o.w, &rec), SL_OK);
	EXPECT(&o, "{\"a\":\"1\",\"b\":\"false\",\"c\":null,\"d\":\"x\"}\n");
}

/* To CSV a kind is just its text: null and left-out keys empty. */
static void test_writer_csv_kinds_are_text(void **state)
{
	static const sl_str f[] = { S("a b"), S("1.50"), S(""), S("[1,2]"),
				    S("") };
	static const unsigned char k[] = { SL_KIND_STRING, SL_KIND_NUMBER,
					   SL_KIND_NULL, SL_KIND_NESTED,
					   SL_KIND_ABSENT };
	sl_record rec = { .nfields = 5, .fields = f, .kinds = k };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("c"), S("d"), S("e")),
			 SL_OK);
	assert_int_equal(sl_writer_write_record(o.w, &rec), SL_OK);
	EXPECT(&o, "a,b,c,d,e\na b,1.50,,\"[1,2]\",\n");
}

/* A record of no fields would be a blank line: refused, named. */
static void test_writer_csv_no_fields_refused(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(sl_writer_header(o.w, NULL, 0), SL_OK);
	assert_int_equal(sl_writer_write(o.w, NULL, 0), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(o.ctx), "in record 1 of '"));
	assert_non_null(strstr(sl_errmsg(o.ctx), "a record with no fields,"
			       " which csv cannot hold"));
	out_free(&o);
}

static void test_writer_csv_quote_all(void **state)
{
	sl_write_options opt = { .quote_all = 1, .delimiter = ';' };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, &opt);
	assert_int_equal(HEADER(o.w, S("a"), S("b")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("")), SL_OK);
	assert_int_equal(ROW(o.w, S("x\"y"), S("a;b")), SL_OK);
	EXPECT(&o, "\"a\";\"b\"\n\"1\";\"\"\n\"x\"\"y\";\"a;b\"\n");
}

/* A message about a record names its input when the record has one. */
static void test_writer_jsonl_invalid_utf8_names_input(void **state)
{
	static const sl_str f[] = { S("ok"), S("x\xffy") };
	sl_record rec = { .nfields = 2, .fields = f, .number = 7, .line = 9,
			  .offset = 321, .input = "in.csv" };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b")), SL_OK);
	assert_int_equal(sl_writer_write_record(o.w, &rec), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(o.ctx), "field 'b' is not valid"
			       " UTF-8 (byte 2 of it), which JSON output needs"
			       " in 'in.csv' at record 7, line 9, byte 321"));
	out_free(&o);
}

/* Repeated names are named with the header's input when it is given. */
static void test_writer_jsonl_repeated_name_names_input(void **state)
{
	sl_write_options opt = { .input = "people.csv" };
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, &opt);
	assert_int_equal(HEADER(o.w, S("a"), S("b"), S("a")), SL_EDATA);
	assert_non_null(strstr(sl_errmsg(o.ctx), "field name 'a' is in the"
			       " header of 'people.csv' twice"));
	out_free(&o);
}

/* Values of the python test: the kind python must see and the text. */
static const struct {
	char kind;   /* n number, l literal word, s string */
	const char *text;
	size_t len;
} py_values[] = {
	{ 'n', "0", 1 }, { 'n', "-0", 2 }, { 'n', "1.50", 4 },
	{ 'n', "1E+05", 5 }, { 'n', "-12.5e-7", 8 },
	{ 'n', "98765432109876543210987654321098765432109876543210", 50 },
	{ 'l', "true", 4 }, { 'l', "false", 5 }, { 's', "null", 4 },
	{ 's', "007", 3 }, { 's', "1.", 2 }, { 's', ".5", 2 },
	{ 's', "+1", 2 }, { 's', "1e", 2 }, { 's', "", 0 },
	{ 's', "NaN", 3 }, { 's', "Infinity", 8 }, { 's', "0x10", 4 },
	{ 's', "TRUE", 4 }, { 's', " 1", 2 },
	{ 's', "a\"b\\c/d", 7 }, { 's', "\x01\x1f\x7f\b\f\n\r\t", 8 },
	{ 's', "\0nul", 4 }, { 's', "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14 },
	{ 's', "[1,2]", 5 }, { 's', "{\"a\":1}", 7 },
};

static void test_writer_jsonl_python_reads_values(void **state)
{
	static const char prog[] =
		"import json,sys\n"
		"o=sys.stdout.buffer\n"
		"n=lambda s:(\"n\",s)\n"
		"for l in open(sys.argv[1],\"rb\"):\n"
		"  d=json.loads(l.decode(\"utf-8\"),parse_float=n,"
		"parse_int=n)\n"
		"  for k,v in d.items():\n"
		"    if isinstance(v,tuple): t=\"n\";v=v[1]\n"
		"    elif v is True or v is False or v is None:\n"
		"      t=\"l\";v=json.dumps(v)\n"
		"    else: t=\"s\"\n"
		"    k=k.encode();v=v.encode()\n"
		"    o.write(b\"%d:%s%s%d:%s\\n\"%(len(k),k,t.encode(),"
		"len(v),v))\n";
	size_t nv = sizeof(py_values) / sizeof(*py_values);
	sl_str names[sizeof(py_values) / sizeof(*py_values)];
	sl_str fields[sizeof(py_values) / sizeof(*py_values)];
	char keybuf[sizeof(py_values) / sizeof(*py_values)][16];
	char *want = malloc(1 << 16), *got;
	size_t wn = 0, gn, i;
	struct out o;

	(void)state;
	assert_non_null(want);
	for (i = 0; i < nv; i++) {
		/* keys that need escaping too */
		names[i].len = (size_t)snprintf(keybuf[i], sizeof(keybuf[i]),
						"k%zu\"\t\xc3\xa9", i);
		names[i].ptr = keybuf[i];
		fields[i].ptr = py_values[i].text;
		fields[i].len = py_values[i].len;
	}
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(sl_writer_header(o.w, names, nv), SL_OK);
	assert_int_equal(sl_writer_write(o.w, fields, nv), SL_OK);
	assert_int_equal(sl_writer_write(o.w, fields, nv), SL_OK);
	free(out_close(&o, &gn));
	for (int rep = 0; rep < 2; rep++)
		for (i = 0; i < nv; i++) {
			wn += (size_t)sprintf(want + wn, "%zu:", names[i].len);
			memcpy(want + wn, names[i].ptr, names[i].len);
			wn += names[i].len;
			wn += (size_t)sprintf(want + wn, "%c%zu:",
					      py_values[i].kind,
					      py_values[i].len);
			memcpy(want + wn, py_values[i].text, py_values[i].len);
			wn += py_values[i].len;
			want[wn++] = '\n';
		}
	got = python(prog, o.path, &gn);
	if (gn != wn || memcmp(got, want, gn) != 0)
		fail_msg("python read [%.*s], want [%.*s]", (int)gn, got,
			 (int)wn, want);
	free(got);
	free(want);
	out_free(&o);
}

/* ---- every byte at every offset -------------------------------------- */

/* The reference encoders: one byte at a time, as plainly as possible. */
static size_t ref_csv(const char *f, size_t n, char *out)
{
	size_t i, k = 0;
	int quote = 0;

	for (i = 0; i < n; i++)
		quote |= f[i] == ',' || f[i] == '"' || f[i] == '\r' ||
			 f[i] == '\n';
	if (quote)
		out[k++] = '"';
	for (i = 0; i < n; i++) {
		if (f[i] == '"')
			out[k++] = '"';
		out[k++] = f[i];
	}
	if (quote)
		out[k++] = '"';
	return k;
}

static size_t ref_tsv(const char *f, size_t n, char *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const char *e = f[i] == '\t' ? "\\t" : f[i] == '\n' ? "\\n" :
			f[i] == '\r' ? "\\r" : f[i] == '\\' ? "\\\\" : NULL;

		if (e) {
			memcpy(out + k, e, 2);
			k += 2;
		} else {
			out[k++] = f[i];
		}
	}
	return k;
}

static size_t ref_json(const char *f, size_t n, char *out)
{
	size_t i, k = 0;

	out[k++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];

		switch (c) {
		case '"': k += (size_t)sprintf(out + k, "\\\""); break;
		case '\\': k += (size_t)sprintf(out + k, "\\\\"); break;
		case '\b': k += (size_t)sprintf(out + k, "\\b"); break;
		case '\f': k += (size_t)sprintf(out + k, "\\f"); break;
		case '\n': k += (size_t)sprintf(out + k, "\\n"); break;
		case '\r': k += (size_t)sprintf(out + k, "\\r"); break;
		case '\t': k += (size_t)sprintf(out + k, "\\t"); break;
		default:
			if (c < 0x20)
				k += (size_t)sprintf(out + k, "\\u%04x", c);
			else
				out[k++] = (char)c;
		}
	}
	out[k++] = '"';
	return k;
}

/*
 * Every byte value at every offset of a 19-byte field of 'a's (so in the
 * eight-byte blocks of the fast scans and in their tails), then a second
 * field; the file must equal what the reference encoder makes.  jsonl
 * takes bytes below 0x80, which alone are valid UTF-8.
 */
static void check_every_byte(sl_format fmt, size_t (*ref)(const char *,
							 size_t, char *))
{
	enum { LEN = 19 };
	unsigned top = fmt == SL_FORMAT_JSONL ? 0x80 : 0x100;
	size_t cap = (size_t)top * LEN * (6 * LEN + 16) + 64, wn = 0, gn;
	char *want = malloc(cap), *got;
	char f[LEN];
	unsigned b;
	size_t k;
	struct out o;

	assert_non_null(want);
	out_open(&o, fmt, NULL);
	if (fmt == SL_FORMAT_JSONL) {
		assert_int_equal(HEADER(o.w, S("f"), S("g")), SL_OK);
	}
	for (b = 0; b < top; b++)
		for (k = 0; k < LEN; k++) {
			sl_str fields[2] = { { f, LEN }, S("z") };

			memset(f, 'a', LEN);
			f[k] = (char)b;
			assert_int_equal(sl_writer_write(o.w, fields, 2),
					 SL_OK);
			if (fmt == SL_FORMAT_JSONL)
				wn += (size_t)sprintf(want + wn, "{\"f\":");
			wn += ref(f, LEN, want + wn);
			wn += (size_t)sprintf(want + wn, fmt == SL_FORMAT_JSONL ?
					      ",\"g\":\"z\"}\n" : fmt ==
					      SL_FORMAT_CSV ? ",z\n" : "\tz\n");
		}
	got = out_close(&o, &gn);
	if (gn != wn || memcmp(got, want, gn) != 0) {
		for (k = 0; k < gn && k < wn && got[k] == want[k]; k++)
			;
		fail_msg("%s output differs at byte %zu: got [%.40s], want"
			 " [%.40s]", sl_format_name(fmt), k, got + k,
			 want + k);
	}
	free(got);
	free(want);
	out_free(&o);
}

static void test_writer_csv_every_byte_at_every_offset(void **state)
{
	(void)state;
	check_every_byte(SL_FORMAT_CSV, ref_csv);
}

static void test_writer_tsv_every_byte_at_every_offset(void **state)
{
	(void)state;
	check_every_byte(SL_FORMAT_TSV, ref_tsv);
}

static void test_writer_jsonl_every_byte_at_every_offset(void **state)
{
	(void)state;
	check_every_byte(SL_FORMAT_JSONL, ref_json);
}

/*
 * python3's strict UTF-8 decoder judges every two-byte start from 0x80
 * and a few continuations of it; the writer must accept exactly what it
 * accepts.  Each case is padded with ASCII on both sides, longer than a
 * fast-scan block.
 */
static void test_writer_jsonl_utf8_agrees_with_python(void **state)
{
	static const char *const tails[] = {
		"", "\x80", "\x80\x80", "A", ("\x80" "A"), "\xbf\xbf",
	};
	static const char prog[] =
		"import sys\n"
		"t=[b\"\",b\"\\x80\",b\"\\x80\\x80\",b\"A\",b\"\\x80A\","
		"b\"\\xbf\\xbf\"]\n"
		"o=[]\n"
		"for b0 in range(128,256):\n"
		" for b1 in range(256):\n"
		"  for s in t:\n"
		"   try: (bytes([b0,b1])+s).decode(\"utf-8\"); o.append(\"1\")\n"
		"   except UnicodeDecodeError: o.append(\"0\")\n"
		"sys.stdout.write(\"\".join(o))\n";
	size_t nt = sizeof(tails) / sizeof(*tails), gn, at = 0, agree = 0;
	char *verdict;
	unsigned b0, b1;

	(void)state;
	verdict = python(prog, "", &gn);
	assert_int_equal(gn, 128 * 256 * nt);
	for (b0 = 0x80; b0 < 0x100; b0++)
		for (b1 = 0; b1 < 0x100; b1++)
			for (size_t t = 0; t < nt; t++, at++) {
				char f[64];
				size_t tl = strlen(tails[t]), n;
				sl_ctx *ctx = tu_ctx(0, 0);
				sl_arena *a = sl_arena_new(ctx, "t");
				/* standard output, never flushed: one row
				 * stays in the sink's buffer */
				sl_sink *s = sl_sink_open(a, NULL, NULL);
				sl_writer *w = sl_writer_new(a, s,
							     SL_FORMAT_JSONL,
							     NULL);
				sl_str v;
				int ok;

				n = (size_t)sprintf(f, "0123456789");
				f[n++] = (char)b0;
				f[n++] = (char)b1;
				memcpy(f + n, tails[t], tl);
				n += tl;
				n += (size_t)sprintf(f + n, "0123456789");
				v.ptr = f;
				v.len = n;
				assert_int_equal(HEADER(w, S("v")), SL_OK);
				ok = sl_writer_write(w, &v, 1) == SL_OK;
				if (ok != (verdict[at] == '1'))
					fail_msg("%02x %02x + tail %zu: writer"
						 " says %d, python %c", b0, b1,
						 t, ok, verdict[at]);
				agree += ok;
				tu_ctx_free(ctx);
			}
	/* both kinds occurred */
	assert_true(agree > 1000 && agree < at - 1000);
	free(verdict);
}

/* ---- numbers and names ----------------------------------------------- */

static void test_writer_is_json_number(void **state)
{
	static const struct {
		const char *s;
		int yes;
	} cases[] = {
		{ "0", 1 }, { "-0", 1 }, { "7", 1 }, { "-7", 1 },
		{ "1.50", 1 }, { "0.0", 1 }, { "1e5", 1 }, { "1E+05", 1 },
		{ "1e-5", 1 }, { "-0.5e10", 1 }, { "10", 1 },
		{ "1234567890123456789012345678901234567890", 1 },
		{ "", 0 }, { "-", 0 }, { "007", 0 }, { "01", 0 }, { "-01", 0 },
		{ "1.", 0 }, { ".5", 0 }, { "+1", 0 }, { "1e", 0 },
		{ "1e+", 0 }, { "1.e5", 0 }, { " 1", 0 }, { "1 ", 0 },
		{ "NaN", 0 }, { "Infinity", 0 }, { "-Infinity", 0 },
		{ "0x10", 0 }, { "1,5", 0 }, { "--1", 0 }, { "1e5.5", 0 },
		{ "1.2.3", 0 }, { "e5", 0 }, { "-e5", 0 }, { "1_000", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (sl_is_json_number(cases[i].s, strlen(cases[i].s)) !=
		    cases[i].yes)
			fail_msg("'%s': want %d", cases[i].s, cases[i].yes);
	/* the length bounds the text: "12" is a number within "123" */
	assert_true(sl_is_json_number("123", 2));
	assert_false(sl_is_json_number("1.5", 2));
	assert_false(sl_is_json_number(NULL, 0));
}

static void test_writer_format_names(void **state)
{
	static const struct {
		const char *path;
		sl_format f;
	} paths[] = {
		{ "x.csv", SL_FORMAT_CSV }, { "x.csv.gz", SL_FORMAT_CSV },
		{ "X.JSONL", SL_FORMAT_JSONL }, { "a.ndjson", SL_FORMAT_JSONL },
		{ "d/a.ndjson.gz", SL_FORMAT_JSONL },
		{ "log.txt", SL_FORMAT_LINES }, { "app.Log", SL_FORMAT_LINES },
		{ "t.tsv", SL_FORMAT_TSV }, { "t.TSV.GZ", SL_FORMAT_TSV },
		{ "noext", SL_FORMAT_AUTO }, { "a.gz", SL_FORMAT_AUTO },
		{ "a.csv.gz.gz", SL_FORMAT_AUTO }, { "a.csvx", SL_FORMAT_AUTO },
		{ "dir.csv/file", SL_FORMAT_AUTO }, { "-", SL_FORMAT_AUTO },
		{ ".csv", SL_FORMAT_AUTO }, { "", SL_FORMAT_AUTO },
		{ "a.", SL_FORMAT_AUTO }, { ".gz", SL_FORMAT_AUTO },
		{ "x.json", SL_FORMAT_JSON }, { "x.JSON.gz", SL_FORMAT_JSON },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		if (sl_format_from_name(paths[i].path) != paths[i].f)
			fail_msg("'%s': got %d, want %d", paths[i].path,
				 (int)sl_format_from_name(paths[i].path),
				 (int)paths[i].f);
	assert_int_equal(sl_format_from_name(NULL), SL_FORMAT_AUTO);

	assert_int_equal(sl_format_parse("csv"), SL_FORMAT_CSV);
	assert_int_equal(sl_format_parse("tsv"), SL_FORMAT_TSV);
	assert_int_equal(sl_format_parse("jsonl"), SL_FORMAT_JSONL);
	assert_int_equal(sl_format_parse("ndjson"), SL_FORMAT_JSONL);
	assert_int_equal(sl_format_parse("lines"), SL_FORMAT_LINES);
	assert_int_equal(sl_format_parse("json"), SL_FORMAT_JSON);
	assert_int_equal(sl_format_parse("JSON"), SL_FORMAT_JSON);
	assert_int_equal(sl_format_parse(""), SL_FORMAT_AUTO);
	assert_int_equal(sl_format_parse("auto"), SL_FORMAT_AUTO);
	assert_int_equal(sl_format_parse(NULL), SL_FORMAT_AUTO);

	assert_string_equal(sl_format_name(SL_FORMAT_CSV), "csv");
	assert_string_equal(sl_format_name(SL_FORMAT_TSV), "tsv");
	assert_string_equal(sl_format_name(SL_FORMAT_JSONL), "jsonl");
	assert_string_equal(sl_format_name(SL_FORMAT_LINES), "lines");
	assert_null(sl_format_name(SL_FORMAT_AUTO));
	assert_null(sl_format_name((sl_format)99));
	/* name and parse are inverses */
	for (i = SL_FORMAT_CSV; i <= SL_FORMAT_LINES; i++)
		assert_int_equal(sl_format_parse(sl_format_name((sl_format)i)),
				 i);
}

/* ---- errors ---------------------------------------------------------- */

static void test_writer_header_twice(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(HEADER(o.w, S("a")), SL_OK);
	assert_int_equal(HEADER(o.w, S("a")), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(o.ctx), "header"));
	assert_non_null(strstr(sl_errmsg(o.ctx), "twice"));
	out_free(&o);
}

static void test_writer_header_after_records(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_TSV, NULL);
	assert_int_equal(ROW(o.w, S("1")), SL_OK);
	assert_int_equal(HEADER(o.w, S("a")), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(o.ctx), "before its first record"));
	out_free(&o);
}

static void test_writer_jsonl_field_count_mismatch(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("2")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("2"), S("3")), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(o.ctx),
			       "record 2 of '"));
	assert_non_null(strstr(sl_errmsg(o.ctx),
			       "a record of 3 fields where the header has 2"));
	out_free(&o);
}

static void test_writer_jsonl_without_header(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSONL, NULL);
	assert_int_equal(ROW(o.w, S("1")), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(o.ctx), "needs a header"));
	out_free(&o);
}

/* json: one array, an object a line, ended when the sink closes; "[]"
 * with no record, and no end at all once a record has failed. */
static void test_writer_json_array(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_JSON, NULL);
	assert_int_equal(HEADER(o.w, S("a"), S("b")), SL_OK);
	assert_int_equal(ROW(o.w, S("1"), S("x")), SL_OK);
	assert_int_equal(ROW(o.w, S("2.50"), S("")), SL_OK);
	assert_int_equal(ROW(o.w, S("true"), S("q\"")), SL_OK);
	EXPECT(&o, "[\n{\"a\":1,\"b\":\"x\"},\n{\"a\":2.50,\"b\":\"\"},\n"
	       "{\"a\":true,\"b\":\"q\\\"\"}\n]\n");

	out_open(&o, SL_FORMAT_JSON, NULL);
	assert_int_equal(HEADER(o.w, S("a")), SL_OK);
	EXPECT(&o, "[]\n");

	out_open(&o, SL_FORMAT_JSON, NULL);   /* no header either */
	EXPECT(&o, "[]\n");

	out_open(&o, SL_FORMAT_JSON, NULL);
	assert_int_equal(HEADER(o.w, S("a")), SL_OK);
	assert_int_equal(ROW(o.w, S("1")), SL_OK);
	assert_int_equal(ROW(o.w, S("\xff")), SL_EDATA);
	assert_int_not_equal(sl_sink_close(o.sink), SL_OK);
	assert_int_not_equal(access(o.path, F_OK), 0);  /* none renamed */
	out_free(&o);
	assert_string_equal(sl_format_name(SL_FORMAT_JSON), "json");
}

static void test_writer_rejects_auto_format(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_sink *s = sl_sink_open(a, NULL, NULL);

	(void)state;
	assert_null(sl_writer_new(a, s, SL_FORMAT_AUTO, NULL));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	tu_ctx_free(ctx);

	ctx = tu_ctx(0, 0);
	a = sl_arena_new(ctx, "t");
	s = sl_sink_open(a, NULL, NULL);
	assert_null(sl_writer_new(a, s, (sl_format)42, NULL));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	tu_ctx_free(ctx);
}

static void test_writer_rejects_quote_delimiter(void **state)
{
	sl_write_options opt = { .delimiter = '"' };
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_sink *s = sl_sink_open(a, NULL, NULL);

	(void)state;
	assert_null(sl_writer_new(a, s, SL_FORMAT_CSV, &opt));
	assert_int_equal(sl_errcode(ctx), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(ctx), "delimiter"));
	tu_ctx_free(ctx);
}

static void test_writer_new_after_failure(void **state)
{
	sl_ctx *ctx = tu_ctx(0, 0);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_sink *s = sl_sink_open(a, NULL, NULL);

	(void)state;
	sl_error(ctx, SL_EDATA, "earlier");
	assert_null(sl_writer_new(a, s, SL_FORMAT_CSV, NULL));
	assert_string_equal(sl_errmsg(ctx), "earlier");
	tu_ctx_free(ctx);
}

static void test_writer_sink_failure_propagates(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, SL_FORMAT_CSV, NULL);
	assert_int_equal(ROW(o.w, S("a")), SL_OK);
	assert_int_equal(sl_sink_close(o.sink), SL_OK);
	/* the sink is closed: its refusal comes back unchanged */
	assert_int_equal(ROW(o.w, S("b")), SL_EINVAL);
	assert_non_null(strstr(sl_errmsg(o.ctx), "closed sink"));
	out_free(&o);
}

/* ---- memory ---------------------------------------------------------- */

static void test_writer_long_rows_grow_the_buffer(void **state)
{
	size_t n = 300000, i, gn;
	char *big = malloc(n), *got;
	struct out o;
	sl_str f[2];

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = i % 1000 == 999 ? '"' : 'a' + i % 26;
	f[0].ptr = big;
	f[0].len = n;
	f[1] = S("z");
	out_open(&o, SL_FORMAT_CSV, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(sl_writer_write(o.w, f, 2), SL_OK);
	got = out_close(&o, &gn);
	/* quoted, 300 quotes doubled, ",z\n" */
	assert_int_equal(gn, 3 * (n + 300 + 2 + 3));
	assert_int_equal(got[0], '"');
	assert_memory_equal(got + n + 300 + 1, "\",z\n", 4);
	free(got);
	free(big);
	out_free(&o);
}

static void test_writer_row_past_the_ceiling(void **state)
{
	size_t n = 1 << 20, i;
	char *big = malloc(n);
	char dir_path[4200];
	char *dir = tu_tmpdir();
	sl_ctx *ctx = tu_ctx(512 << 10, 4096);
	sl_arena *a = sl_arena_new(ctx, "t");
	sl_sink *s;
	sl_writer *w;
	sl_str f;

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = 'x';
	snprintf(dir_path, sizeof(dir_path), "%s/out.csv", dir);
	s = sl_sink_open(a, dir_path, NULL);
	w = sl_writer_new(a, s, SL_FORMAT_CSV, NULL);
	assert_non_null(w);
	f.ptr = big;
	f.len = n;
	assert_int_equal(ROW(w, S("small")), SL_OK);
	assert_int_equal(sl_writer_write(w, &f, 1), SL_ENOMEM);
	assert_non_null(strstr(sl_errmsg(ctx), "record 2 of '"));
	assert_non_null(strstr(sl_errmsg(ctx), "too big"));
	assert_true(sl_mem_peak(ctx) <= 512 << 10);
	tu_ctx_free(ctx);
	/* the unfinished output went with the arena */
	assert_int_equal(tu_count_entries(dir), 0);
	free(big);
	tu_rmdir(dir);
}

/* What the fault test writes when nothing fails. */
static char *fault_want(sl_format f, const char *big, size_t big_n,
			size_t *n)
{
	char *w = malloc(big_n + 200);
	size_t k;

	assert_non_null(w);
	if (f == SL_FORMAT_CSV) {
		k = (size_t)sprintf(w, "id,text\n1,one\n2,");
		memcpy(w + k, big, big_n);
		k += big_n;
		k += (size_t)sprintf(w + k, "\n3,three\n");
	} else {
		k = (size_t)sprintf(w, "{\"id\":1,\"text\":\"one\"}\n"
				    "{\"id\":2,\"text\":\"");
		memcpy(w + k, big, big_n);
		k += big_n;
		k += (size_t)sprintf(w + k, "\"}\n{\"id\":3,"
				     "\"text\":\"three\"}\n");
	}
	*n = k;
	return w;
}

static void test_writer_fault_at_every_allocation(void **state)
{
	static const sl_format fmts[] = { SL_FORMAT_CSV, SL_FORMAT_JSONL };
	char *dir = tu_tmpdir();
	char path[4200];
	size_t big_n = 10000, k, gn, wn;
	char *big = malloc(big_n), *want;
	unsigned char *got;

	(void)state;
	memset(big, 'q', big_n);
	snprintf(path, sizeof(path), "%s/out", dir);
	for (k = 0; k < 2; k++) {
		int failures = 0;

		for (unsigned long n = 1;; n++) {
			sl_ctx *ctx = tu_ctx(0, 256);
			sl_arena *a;
			sl_sink *s = NULL;
			sl_writer *w = NULL;
			sl_str big_f[2] = { S("2"), { big, big_n } };

			sl_mem_fail_at(ctx, n);
			a = sl_arena_new(ctx, "t");
			if (a)
				s = sl_sink_open(a, path, NULL);
			if (s)
				w = sl_writer_new(a, s, fmts[k], NULL);
			if (w && HEADER(w, S("id"), S("text")) == SL_OK &&
			    ROW(w, S("1"), S("one")) == SL_OK &&
			    sl_writer_write(w, big_f, 2) == SL_OK &&
			    ROW(w, S("3"), S("three")) == SL_OK)
				sl_sink_close(s);
			if (sl_failed(ctx)) {
				assert_int_equal(sl_errcode(ctx), SL_ENOMEM);
				failures++;
				tu_ctx_free(ctx);
				assert_int_equal(tu_count_entries(dir), 0);
				continue;
			}
			tu_ctx_free(ctx);
			break;
		}
		/* the arena, the sink, the writer, the row buffer's growth */
		assert_true(failures >= 2);
		got = tu_read_file(path, &gn);
		want = fault_want(fmts[k], big, big_n, &wn);
		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, wn);
		free(got);
		free(want);
		unlink(path);
	}
	free(big);
	tu_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_csv_plain),
		cmocka_unit_test(test_writer_csv_quotes_delimiter),
		cmocka_unit_test(test_writer_csv_doubles_quotes),
		cmocka_unit_test(test_writer_csv_quotes_newline),
		cmocka_unit_test(test_writer_csv_quotes_cr),
		cmocka_unit_test(test_writer_csv_keeps_spaces_unquoted),
		cmocka_unit_test(test_writer_csv_empty_fields_unquoted),
		cmocka_unit_test(test_writer_csv_lone_empty_field_quoted),
		cmocka_unit_test(test_writer_csv_custom_delimiter),
		cmocka_unit_test(test_writer_csv_no_header),
		cmocka_unit_test(test_writer_csv_without_header_call),
		cmocka_unit_test(test_writer_csv_python_reads_random_rows),
		cmocka_unit_test(test_writer_tsv_escapes),
		cmocka_unit_test(test_writer_tsv_round_trip),
		cmocka_unit_test(test_writer_lines_joins_with_tab),
		cmocka_unit_test(test_writer_jsonl_numbers_raw),
		cmocka_unit_test(test_writer_jsonl_non_numbers_as_strings),
		cmocka_unit_test(test_writer_jsonl_words_raw),
		cmocka_unit_test(test_writer_jsonl_strings_option),
		cmocka_unit_test(test_writer_jsonl_escapes),
		cmocka_unit_test(test_writer_jsonl_unicode_passes_through),
		cmocka_unit_test(test_writer_jsonl_rejects_invalid_utf8),
		cmocka_unit_test(
			test_writer_jsonl_bad_row_leaves_no_partial_output),
		cmocka_unit_test(test_writer_jsonl_rejects_invalid_utf8_name),
		cmocka_unit_test(test_writer_jsonl_empty_header),
		cmocka_unit_test(test_writer_jsonl_kinds),
		cmocka_unit_test(test_writer_jsonl_absent_keys),
		cmocka_unit_test(test_writer_jsonl_kinds_strings_option),
		cmocka_unit_test(test_writer_csv_kinds_are_text),
		cmocka_unit_test(test_writer_csv_no_fields_refused),
		cmocka_unit_test(test_writer_csv_quote_all),
		cmocka_unit_test(test_writer_jsonl_invalid_utf8_names_input),
		cmocka_unit_test(test_writer_jsonl_repeated_name_names_input),
		cmocka_unit_test(test_writer_jsonl_python_reads_values),
		cmocka_unit_test(test_writer_csv_every_byte_at_every_offset),
		cmocka_unit_test(test_writer_tsv_every_byte_at_every_offset),
		cmocka_unit_test(test_writer_jsonl_every_byte_at_every_offset),
		cmocka_unit_test(test_writer_jsonl_utf8_agrees_with_python),
		cmocka_unit_test(test_writer_is_json_number),
		cmocka_unit_test(test_writer_format_names),
		cmocka_unit_test(test_writer_header_twice),
		cmocka_unit_test(test_writer_header_after_records),
		cmocka_unit_test(test_writer_jsonl_field_count_mismatch),
		cmocka_unit_test(test_writer_jsonl_without_header),
		cmocka_unit_test(test_writer_json_array),
		cmocka_unit_test(test_writer_rejects_auto_format),
		cmocka_unit_test(test_writer_rejects_quote_delimiter),
		cmocka_unit_test(test_writer_new_after_failure),
		cmocka_unit_test(test_writer_sink_failure_propagates),
		cmocka_unit_test(test_writer_long_rows_grow_the_buffer),
		cmocka_unit_test(test_writer_row_past_the_ceiling),
		cmocka_unit_test(test_writer_fault_at_every_allocation),
	};

	return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
