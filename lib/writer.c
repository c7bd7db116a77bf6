/*
 * writer.c - format records onto a sink as csv, tsv, jsonl or lines; and
 * the format names shared with the readers.
 *
 * Call order: sl_writer_new(), sl_writer_header() at most once (required
 * for jsonl, whose keys it sets), then sl_writer_write() per record.  The
 * writer has no close of its own: each record is handed to the sink whole
 * before sl_writer_write() returns, so closing the sink finishes the file.
 *
 * Each record is built in the row buffer and given to the sink with one
 * sl_sink_write().  That makes a record all or nothing: a field that
 * cannot be written (invalid UTF-8 for jsonl, a row past the ceiling)
 * leaves no half row in the output, which matters because a program may
 * still flush what preceded an error (see sl_sink_flush).  It also makes
 * separators single byte stores instead of calls into the sink.  The
 * buffer, charged as "writer.row", starts at ROW_START bytes and doubles
 * up to the largest record written; in the steady state writing
 * allocates nothing.
 *
 * Fields are scanned eight bytes at a time (the has-zero-byte trick on a
 * 64-bit word tells whether any byte of the word needs attention), then
 * byte by byte with 256-entry tables that say what each byte needs (csv:
 * delimiter, quote, CR, LF; tsv: the escaped four; json: controls, quote,
 * backslash and bytes >= 0x80); runs of other bytes are copied with one
 * memcpy.  A csv field, which rarely needs quotes, is copied while it is
 * scanned and only started again quoted when a special byte turns up.  It
 * is quoted only then, or when it is the only field of its row and empty:
 * an empty line would be skipped by readers, "" is a row with one empty
 * field.  (A row of no fields has no such way out and is an empty line.)
 *
 * For jsonl the header's keys are escaped once, stored as `{"k1":` and
 * `,"k2":`, so a record is key, value, key, value ... with no work on the
 * keys.  Values go by their kind (sl_kind); text is a number (RFC 8259
 * grammar, text kept as is), true or false, or a string.  JSON text must be UTF-8, so bytes >=
 * 0x80 are checked to form shortest-form scalar values (no overlongs, no
 * surrogates, nothing past U+10FFFF, no cut sequences) and copied as is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice_int.h"

#define ROW_START ((size_t)4096)
#define ROW_TAG "writer.row"

struct sl_writer {
	sl_ctx *ctx;
	sl_arena *arena;       /* where the header's copies go */
	sl_sink *sink;
	sl_format fmt;
	char delim;
	int no_header;
	int strings;
	int quote_all;
	const char *input;     /* names the header's input in messages */
	int have_header;
	int in_header;         /* building the header: for messages */
	uint64_t records;      /* records written, header not counted */
	const sl_record *rec;  /* the one being written, if given: for
				* messages */
	size_t nnames;
	sl_str *names;         /* copies of the header's names */
	sl_str *keys;          /* jsonl: `{"name":` then `,"name":` */
	char *buf;             /* the row being built */
	size_t cap, len;
	uint64_t delim_pat;    /* the delimiter in every byte */
	unsigned char csv_special[256];  /* bytes that force csv quoting */
};

/* ---- formats --------------------------------------------------------- */

/* Format names and extensions: format.c. */

/* ---- JSON numbers ---------------------------------------------------- */

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

int sl_is_json_number(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (i < n && p[i] == '-')
		i++;
	if (i == n)
		return 0;
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		while (i < n && is_digit(p[i]))
			i++;
	} else {
		return 0;
	}
	if (i < n && p[i] == '.') {
		if (++i == n || !is_digit(p[i]))
			return 0;
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i == n || !is_digit(p[i]))
			return 0;
		while (i < n && is_digit(p[i]))
			i++;
	}
	return i == n;
}

/* ---- the row buffer -------------------------------------------------- */

static void writer_release(void *arg)
{
	sl_writer *w = arg;

	sl_mem_free(w->buf);
	w->buf = NULL;
	w->cap = w->len = 0;
}

/* Make room for n more bytes: double, or grow to just what is needed when
 * doubling is refused, so a record close to the ceiling still fits. */
static __attribute__((noinline)) int grow(sl_writer *w, size_t n)
{
	size_t need = w->len + n;
	size_t cap = w->cap > SIZE_MAX / 2 ? SIZE_MAX : w->cap * 2;
	char *b;

	if (need < n)
		cap = need = SIZE_MAX;   /* overflow: refused below */
	if (cap < need)
		cap = need;
	b = sl_mem_try_realloc(w->ctx, w->buf, cap, ROW_TAG);
	if (!b && cap > need)
		b = sl_mem_try_realloc(w->ctx, w->buf, cap = need, ROW_TAG);
	if (!b) {
		char ceil[32], size[32], what[48];

		if (w->in_header)
			snprintf(what, sizeof(what), "the header");
		else
			snprintf(what, sizeof(what), "record %llu",
				 (unsigned long long)w->records + 1);
		sl_error(w->ctx, SL_ENOMEM,
			 "%s of '%s' is too big to write within the memory"
			 " ceiling of %s (%s built so far; raise --max-memory)",
			 what, sl_sink_name(w->sink),
			 sl_format_size(ceil, sizeof(ceil),
					sl_mem_ceiling(w->ctx)),
			 sl_format_size(size, sizeof(size), w->len));
		return -1;
	}
	w->buf = b;
	w->cap = cap;
	return 0;
}

static inline int room(sl_writer *w, size_t n)
{
	return n <= w->cap - w->len ? 0 : grow(w, n);
}

static inline int put(sl_writer *w, const void *p, size_t n)
{
	if (room(w, n) < 0)
		return -1;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static inline int put1(sl_writer *w, char c)
{
	if (room(w, 1) < 0)
		return -1;
	w->buf[w->len++] = c;
	return 0;
}

static inline int put2(sl_writer *w, char c1, char c2)
{
	if (room(w, 2) < 0)
		return -1;
	w->buf[w->len++] = c1;
	w->buf[w->len++] = c2;
	return 0;
}

/* Hand the row to the sink.  The buffer is emptied either way: after a
 * failure the context refuses further work. */
static sl_status flush_row(sl_writer *w)
{
	sl_status st = sl_sink_write(w->sink, w->buf, w->len);

	w->len = 0;
	return st;
}

/*
 * Where the record being written is, for messages: where it was read
 * when it came with its provenance (sl_writer_write_record() of a
 * record from a reader, through any stages), else its place in the
 * output.
 */
static const char *where(const sl_writer *w, char *buf, size_t size)
{
	const sl_record *rec = w->rec;

	if (rec && rec->input && rec->number)
		snprintf(buf, size, "in '%s' at record %llu, line %llu, byte"
			 " %llu", rec->input, (unsigned long long)rec->number,
			 (unsigned long long)rec->line,
			 (unsigned long long)rec->offset);
	else
		snprintf(buf, size, "in record %llu of '%s'",
			 (unsigned long long)w->records + 1,
			 sl_sink_name(w->sink));
	return buf;
}

#define WHERE_MAX 4200         /* a path and the numbers */

/* Drop a half-built row and report the error already recorded. */
static sl_status drop_row(sl_writer *w)
{
	w->len = 0;
	return sl_errcode(w->ctx) ? sl_errcode(w->ctx) : SL_ENOMEM;
}

/* A record of no fields (from the JSON object {}) would be an empty
 * line, which CSV and TSV readers skip (or read as one empty field): it
 * cannot be written without changing it. */
static int no_fields(sl_writer *w)
{
	char at[WHERE_MAX];

	sl_error(w->ctx, SL_EDATA, "a record with no fields, which %s cannot"
		 " hold (an empty line reads back as no record), %s; write it"
		 " as jsonl", sl_format_name(w->fmt),
		 where(w, at, sizeof(at)));
	return -1;
}

/* ---- csv ------------------------------------------------------------- */


/* Quote p[0..n) (n > 0), doubling its quotes, then add end. */
static int csv_quoted(sl_writer *w, const unsigned char *p, size_t n,
		      char end)
{
	const unsigned char *q;

	if (put1(w, '"') < 0)
		return -1;
	while ((q = memchr(p, '"', n)) != NULL) {
		size_t k = (size_t)(q - p) + 1;

		if (put(w, p, k) < 0 || put1(w, '"') < 0)
			return -1;
		p += k;
		n -= k;
	}
	if (put(w, p, n) < 0 || put2(w, '"', end) < 0)
		return -1;
	return 0;
}

/*
 * Append a field and the byte that follows it (delimiter or newline).
 * Most fields need no quotes, so copy while scanning, eight bytes at a
 * time, and only when a special byte turns up start again quoted: one
 * pass over the field instead of a scan and then a copy.
 */
static int csv_field(sl_writer *w, const sl_str *f, int alone, char end)
{
	const unsigned char *p = (const unsigned char *)f->ptr;
	size_t n = f->len, i = 0;
	char *o;

	if (n == 0)   /* p may be NULL */
		return alone || w->quote_all ?
			put(w, (char[]){ '"', '"', end }, 3) : put1(w, end);
	if (w->quote_all)
		return csv_quoted(w, p, n, end);
	if (room(w, n + 1) < 0)
		return -1;
	o = w->buf + w->len;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, p + i, 8);
		if (sl_has_byte(x, w->delim_pat) | sl_has_byte(x, SL_ONES * '"') |
		    sl_has_byte(x, SL_ONES * '\r') | sl_has_byte(x, SL_ONES * '\n'))
			break;   /* the byte loop finds which */
		memcpy(o + i, &x, 8);
	}
	for (; i < n; i++) {
		if (w->csv_special[p[i]])
			return csv_quoted(w, p, n, end);
		o[i] = (char)p[i];
	}
	o[n] = end;
	w->len += n + 1;
	return 0;
}

static int csv_row(sl_writer *w, const sl_str *fields, size_t n)
{
	size_t i;

	if (n == 0)
		return no_fields(w);
	for (i = 0; i < n; i++)
		if (csv_field(w, &fields[i], n == 1,
			      i + 1 < n ? w->delim : '\n') < 0)
			return -1;
	return 0;
}

/* ---- tsv ------------------------------------------------------------- */

/* The escape letter for each byte tsv escapes, 0 for the rest. */
static const char tsv_escape[256] = {
	['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', ['\\'] = '\\',
};

/* The first byte at or after i that tsv escapes, or n. */
static size_t tsv_scan(const unsigned char *p, size_t i, size_t n)
{
	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, p + i, 8);
		if (sl_has_byte(x, SL_ONES * '\t') | sl_has_byte(x, SL_ONES * '\n') |
		    sl_has_byte(x, SL_ONES * '\r') | sl_has_byte(x, SL_ONES * '\\'))
			break;
	}
	while (i < n && !tsv_escape[p[i]])
		i++;
	return i;
}

static int tsv_field(sl_writer *w, const sl_str *f)
{
	const unsigned char *p = (const unsigned char *)f->ptr;
	size_t n = f->len, i = 0, run = 0;

	if (n == 0)   /* p may be NULL */
		return 0;
	for (;;) {
		i = tsv_scan(p, i, n);
		if (put(w, p + run, i - run) < 0)
			return -1;
		if (i == n)
			return 0;
		if (put2(w, '\\', tsv_escape[p[i]]) < 0)
			return -1;
		run = ++i;
	}
}

static int tsv_row(sl_writer *w, const sl_str *fields, size_t n)
{
	size_t i;

	if (n == 0)
		return no_fields(w);
	for (i = 0; i < n; i++) {
		if (i > 0 && put1(w, '\t') < 0)
			return -1;
		if (tsv_field(w, &fields[i]) < 0)
			return -1;
	}
	return put1(w, '\n');
}

/* ---- lines ----------------------------------------------------------- */

/*
 * Fields joined by tabs, then LF.  A line has no escapes: a LF inside, or
 * a CR at its end (which would read back as part of a CRLF), cannot be
 * written without changing the record, so it is an error.
 */
static int lines_row(sl_writer *w, const sl_str *fields, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const sl_str *f = &fields[i];

		if ((f->len && memchr(f->ptr, '\n', f->len)) ||
		    (i + 1 == n && f->len && f->ptr[f->len - 1] == '\r')) {
			char at[WHERE_MAX];

			sl_error(w->ctx, SL_EDATA, "a field %s, which lines"
				 " output cannot hold, %s (write csv, tsv or"
				 " jsonl)", memchr(f->ptr, '\n', f->len) ?
				 "with a line feed in it" :
				 "that ends in a carriage return",
				 where(w, at, sizeof(at)));
			return -1;
		}
		if ((i > 0 && put1(w, '\t') < 0) ||
		    (f->len > 0 && put(w, f->ptr, f->len) < 0))
			return -1;
	}
	return put1(w, '\n');
}

/* ---- jsonl ----------------------------------------------------------- */

/* What each byte needs, and the scan for the next that needs anything:
 * sl_json_class and sl_json_scan() (text.c), as UTF-8's checks. */

/*
 * Append p[0..n) as a JSON string.  Returns 0, -1 when the row buffer
 * cannot grow (error recorded), or -2 with the offset of the first byte
 * that is not UTF-8 in *bad (nothing recorded: the caller names it).
 */
static int json_string(sl_writer *w, const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	unsigned char c;
	char e[6];

	if (n == 0)   /* p may be NULL */
		return put2(w, '"', '"');
	if (put1(w, '"') < 0)
		return -1;
	for (;;) {
		i = sl_json_scan(p, i, n);
		if (i == n)
			break;
		c = sl_json_class[p[i]];
		if (c == SL_JSON_U8) {
			size_t k = sl_utf8_len(p + i, n - i);

			if (k == 0) {
				*bad = i;
				return -2;
			}
			i += k;   /* copied with the run */
			continue;
		}
		if (put(w, p + run, i - run) < 0 ||
		    put(w, e, sl_json_escape(p[i], e)) < 0)
			return -1;
		run = ++i;
	}
	if (put(w, p + run, n - run) < 0 || put1(w, '"') < 0)
		return -1;
	return 0;
}

/* true and false go bare; null does not, since a JSON null reads back
 * as empty: the text "null" would not survive a round trip. */
static int is_json_word(const char *p, size_t n)
{
	switch (n) {
	case 4:
		return memcmp(p, "true", 4) == 0;
	case 5:
		return memcmp(p, "false", 5) == 0;
	default:
		return 0;
	}
}

/* A field the output cannot carry, in the header or a record (named as
 * where() does). */
static sl_status not_utf8(sl_writer *w, const sl_str *name, size_t bad,
			  int in_header)
{
	int len = (int)(name->len > 200 ? 200 : name->len);
	char at[WHERE_MAX];

	if (in_header)
		return sl_error(w->ctx, SL_EDATA,
				"field name '%.*s' is not valid UTF-8 (JSON"
				" needs UTF-8) in the header of '%s' at byte"
				" %zu of the name", len, name->ptr,
				w->input ? w->input : sl_sink_name(w->sink),
				bad + 1);
	return sl_error(w->ctx, SL_EDATA, "field '%.*s' is not valid UTF-8"
			" (byte %zu of it), which JSON output needs %s", len,
			name->ptr, bad + 1, where(w, at, sizeof(at)));
}

/* A JSON value for a field of the given kind. */
static int json_value(sl_writer *w, const sl_str *f, unsigned char kind,
		      size_t *bad)
{
	switch (kind) {
	case SL_KIND_TEXT:
		if (!w->strings && (sl_is_json_number(f->ptr, f->len) ||
				    is_json_word(f->ptr, f->len)))
			return put(w, f->ptr, f->len);
		break;
	case SL_KIND_NUMBER:
	case SL_KIND_BOOL:
		if (!w->strings)
			return put(w, f->ptr, f->len);
		break;
	case SL_KIND_NULL:
		return put(w, "null", 4);
	case SL_KIND_NESTED:
		return put(w, f->ptr, f->len);
	default:
		break;
	}
	return json_string(w, f->ptr, f->len, bad);
}

static sl_status jsonl_row(sl_writer *w, const sl_str *fields,
			   const unsigned char *kinds, size_t n)
{
	size_t i, bad;
	int r, first = 1;

	if (n == 0)
		return put(w, "{}\n", 3) < 0 ? drop_row(w) : SL_OK;
	if (!kinds) {
		/* text, the case of every CSV input: the keys carry their
		 * '{' or ',' */
		for (i = 0; i < n; i++) {
			const sl_str *f = &fields[i];

			if (put(w, w->keys[i].ptr, w->keys[i].len) < 0)
				return drop_row(w);
			if (!w->strings && (sl_is_json_number(f->ptr, f->len) ||
					    is_json_word(f->ptr, f->len))) {
				if (put(w, f->ptr, f->len) < 0)
					return drop_row(w);
				continue;
			}
			if ((r = json_string(w, f->ptr, f->len, &bad)) == -1)
				return drop_row(w);
			if (r == -2) {
				w->len = 0;
				return not_utf8(w, &w->names[i], bad, 0);
			}
		}
		return put2(w, '}', '\n') < 0 ? drop_row(w) : SL_OK;
	}
	for (i = 0; i < n; i++) {
		if (kinds[i] == SL_KIND_ABSENT)
			continue;     /* the key was not there: leave it out */
		r = put1(w, first ? '{' : ',');
		if (r == 0)
			r = put(w, w->keys[i].ptr + 1, w->keys[i].len - 1);
		first = 0;
		if (r < 0 ||
		    (r = json_value(w, &fields[i], kinds[i], &bad)) == -1)
			return drop_row(w);
		if (r == -2) {
			w->len = 0;
			return not_utf8(w, &w->names[i], bad, 0);
		}
	}
	if (first)
		return put(w, "{}\n", 3) < 0 ? drop_row(w) : SL_OK;
	return put2(w, '}', '\n') < 0 ? drop_row(w) : SL_OK;
}

static int same_name(const sl_str *a, const sl_str *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* By bytes, then by position: repeats are found in a fixed order. */
static int name_cmp(const void *x, const void *y)
{
	const sl_str *a = *(const sl_str *const *)x;
	const sl_str *b = *(const sl_str *const *)y;
	int c = memcmp(a->ptr, b->ptr, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Keys of one JSON object must differ (sluice's reader and most others
 * refuse or drop repeats), so a header with a name twice, such as the
 * empty names of a line of bare commas, cannot be written as jsonl.
 * Sorting pointers finds repeats in n log n, for headers of any width. */
static sl_status unique_names(sl_writer *w)
{
	const sl_str **v;
	size_t i, j, k;
	int len;

	if (w->nnames < 2)
		return SL_OK;
	v = sl_mem_alloc(w->ctx, w->nnames * sizeof(*v), "writer.names");
	if (!v)
		return sl_errcode(w->ctx);
	for (i = 0; i < w->nnames; i++)
		v[i] = &w->names[i];
	qsort(v, w->nnames, sizeof(*v), name_cmp);
	for (i = 1; i < w->nnames && !same_name(v[i - 1], v[i]); i++)
		;
	if (i == w->nnames) {
		sl_mem_free(v);
		return SL_OK;
	}
	j = (size_t)(v[i - 1] - w->names);
	k = (size_t)(v[i] - w->names);
	len = (int)(v[i]->len > 200 ? 200 : v[i]->len);
	sl_error(w->ctx, SL_EDATA, "field name '%.*s' is in the header of '%s'"
		 " twice, as fields %zu and %zu (JSON Lines keys must"
		 " differ)", len, v[i]->ptr,
		 w->input ? w->input : sl_sink_name(w->sink), j + 1, k + 1);
	sl_mem_free(v);
	return SL_EDATA;
}

/* Escape every key once into the row buffer, then copy the lot to the
 * arena: records then write keys without looking at them. */
static sl_status jsonl_keys(sl_writer *w)
{
	sl_arena *a = w->arena;
	size_t i, bad, at;
	char *block;
	int r;

	if (w->nnames == 0)
		return SL_OK;
	if (unique_names(w) != SL_OK)
		return sl_errcode(w->ctx);
	w->keys = sl_arena_alloc(a, w->nnames * sizeof(*w->keys));
	if (!w->keys)
		return drop_row(w);
	for (i = 0; i < w->nnames; i++) {
		at = w->len;
		if (put1(w, i == 0 ? '{' : ',') < 0)
			return drop_row(w);
		r = json_string(w, w->names[i].ptr, w->names[i].len, &bad);
		if (r == -1)
			return drop_row(w);
		if (r == -2) {
			w->len = 0;
			return not_utf8(w, &w->names[i], bad, 1);
		}
		if (put1(w, ':') < 0)
			return drop_row(w);
		w->keys[i].len = w->len - at;
	}
	block = sl_arena_alloc(a, w->len);
	if (!block)
		return drop_row(w);
	memcpy(block, w->buf, w->len);
	for (at = 0, i = 0; i < w->nnames; at += w->keys[i].len, i++)
		w->keys[i].ptr = block + at;
	w->len = 0;
	return SL_OK;
}

/* ---- the writer ------------------------------------------------------ */

sl_writer *sl_writer_new(sl_arena *a, sl_sink *sink, sl_format fmt,
			 const sl_write_options *opt)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	char delim = opt && opt->delimiter ? opt->delimiter : ',';
	sl_writer *w;

	if (sl_failed(ctx))
		return NULL;
	if (!sl_format_name(fmt)) {
		sl_error(ctx, SL_EINVAL, "cannot write format %d: name csv,"
			 " tsv, jsonl or lines", (int)fmt);
		return NULL;
	}
	if (!sink) {
		sl_error(ctx, SL_EINVAL, "a %s writer needs a sink",
			 sl_format_name(fmt));
		return NULL;
	}
	if (fmt == SL_FORMAT_CSV &&
	    (delim == '"' || delim == '\r' || delim == '\n')) {
		sl_error(ctx, SL_EINVAL, "csv delimiter cannot be a quote or a"
			 " line ending");
		return NULL;
	}
	w = sl_arena_alloc(a, sizeof(*w));
	if (!w)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->arena = a;
	w->sink = sink;
	w->fmt = fmt;
	w->delim = delim;
	w->no_header = opt && opt->no_header;
	w->strings = opt && opt->strings;
	w->quote_all = opt && opt->quote_all;
	if (opt && opt->input)
		w->input = sl_arena_strndup(a, opt->input, strlen(opt->input));
	w->delim_pat = SL_ONES * (unsigned char)delim;
	w->csv_special[(unsigned char)delim] = 1;
	w->csv_special['"'] = 1;
	w->csv_special['\r'] = 1;
	w->csv_special['\n'] = 1;
	if (sl_arena_on_release(a, writer_release, w) != SL_OK)
		return NULL;
	w->buf = sl_mem_alloc(ctx, ROW_START, ROW_TAG);
	if (!w->buf)
		return NULL;
	w->cap = ROW_START;
	return w;
}

/* Copy the names into the writer's arena: the caller's may be views into
 * a reader's buffers, valid only until its next call. */
static sl_status copy_names(sl_writer *w, const sl_str *names, size_t n)
{
	size_t total = 1, i;
	char *p;

	if (n == 0)
		return SL_OK;
	for (i = 0; i < n; i++) {
		if (names[i].len > SIZE_MAX - total)
			break;
		total += names[i].len;
	}
	if (i < n || n > SIZE_MAX / sizeof(*w->names))
		return sl_error(w->ctx, SL_ENOMEM, "the header of '%s' is too"
				" big to copy", sl_sink_name(w->sink));
	w->names = sl_arena_alloc(w->arena, n * sizeof(*w->names));
	p = w->names ? sl_arena_alloc(w->arena, total) : NULL;
	if (!p)
		return drop_row(w);
	for (i = 0; i < n; i++) {
		if (names[i].len > 0)
			memcpy(p, names[i].ptr, names[i].len);
		w->names[i].ptr = p;
		w->names[i].len = names[i].len;
		p += names[i].len;
	}
	w->nnames = n;
	return SL_OK;
}

/* Build what the header puts in the row buffer, or prepare the keys. */
static sl_status header_row(sl_writer *w)
{
	int r = 0;

	switch (w->fmt) {
	case SL_FORMAT_CSV:
		/* no names, no header line (an empty line is no row) */
		if (!w->no_header && w->nnames)
			r = csv_row(w, w->names, w->nnames);
		break;
	case SL_FORMAT_TSV:
		if (!w->no_header && w->nnames)
			r = tsv_row(w, w->names, w->nnames);
		break;
	case SL_FORMAT_JSONL:
		return jsonl_keys(w);
	default:
		break;   /* lines have no header */
	}
	return r < 0 ? drop_row(w) : SL_OK;
}

sl_status sl_writer_header(sl_writer *w, const sl_str *names, size_t n)
{
	sl_status st;

	if (sl_failed(w->ctx))
		return sl_errcode(w->ctx);
	if (w->have_header)
		return sl_error(w->ctx, SL_EINVAL, "the header of '%s' is set"
				" twice", sl_sink_name(w->sink));
	if (w->records > 0)
		return sl_error(w->ctx, SL_EINVAL, "the header of '%s' must"
				" come before its first record",
				sl_sink_name(w->sink));
	if ((st = copy_names(w, names, n)) != SL_OK)
		return st;
	w->in_header = 1;
	st = header_row(w);
	w->in_header = 0;
	if (st != SL_OK)
		return st;
	w->have_header = 1;
	return w->len > 0 ? flush_row(w) : SL_OK;
}

static sl_status write_row(sl_writer *w, const sl_str *fields,
			   const unsigned char *kinds, size_t n)
{
	sl_status st;
	int r;

	if (sl_failed(w->ctx))
		return sl_errcode(w->ctx);
	switch (w->fmt) {
	case SL_FORMAT_CSV:
		r = csv_row(w, fields, n);
		break;
	case SL_FORMAT_TSV:
		r = tsv_row(w, fields, n);
		break;
	case SL_FORMAT_LINES:
		r = lines_row(w, fields, n);
		break;
	default:
		if (!w->have_header)
			return sl_error(w->ctx, SL_EINVAL, "jsonl output '%s'"
					" needs a header before record %llu",
					sl_sink_name(w->sink),
					(unsigned long long)w->records + 1);
		if (n != w->nnames) {
			char at[WHERE_MAX];

			return sl_error(w->ctx, SL_EINVAL, "a record of %zu"
					" fields where the header has %zu %s",
					n, w->nnames, where(w, at, sizeof(at)));
		}
		if ((st = jsonl_row(w, fields, kinds, n)) != SL_OK)
			return st;
		r = 0;
		break;
	}
	if (r < 0)
		return drop_row(w);
	if ((st = flush_row(w)) == SL_OK)
		w->records++;
	return st;
}

sl_status sl_writer_write(sl_writer *w, const sl_str *fields, size_t n)
{
	return write_row(w, fields, NULL, n);
}

sl_status sl_writer_write_record(sl_writer *w, const sl_record *rec)
{
	sl_status st;

	w->rec = rec;
	st = write_row(w, rec->fields, rec->kinds, rec->nfields);
	w->rec = NULL;
	return st;
}
