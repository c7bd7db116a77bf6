/*
 * reader.c - records from a file: the format, the header, the checks.
 *
 * Call order: sl_reader_open(), sl_reader_header() (optional), then
 * sl_reader_next() until NULL, or sl_reader_count().
 *
 * The format modules (csv.c, tsv.c, jsonl.c, lines_format.c) only turn
 * bytes into rows through r->next_row.  This file chooses the
 * module (by -i, by the file name, else by the first byte), turns the
 * first row into the header, checks that every row has as many fields as
 * the header, and applies the on-error policy: a bad row stops the run
 * with a message naming the file, record, line and byte, or is skipped,
 * counted and written to the rejects sink as one JSON object.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sluice_int.h"

static void reader_release(void *arg);

/* ---- opening ------------------------------------------------------------- */

/*
 * The format from the file's name, else from its first byte that is not
 * blank: "{" means JSON Lines, "[" one JSON array (which the JSON Lines
 * module reads too: jsonl.c), anything else CSV.  Leading blank lines
 * mean nothing in any of them, so whole chunks of them are dropped (and
 * counted, for the lines and offsets of what follows); spaces and tabs
 * are data in CSV, so they are only looked past within the chunk that is
 * handed back.  A name that says csv, or -i, keeps "[" as data.
 */
static sl_format sniff(sl_reader *r, const char *path)
{
	sl_source *src = r->src;
	sl_format named = SL_FORMAT_AUTO;
	int file = path && strcmp(path, "-") != 0;
	const unsigned char *p;
	size_t n, i;

	if (file) {
		named = sl_format_from_name(path);
		if (named != SL_FORMAT_AUTO)
			return named;
	}
	for (;;) {
		p = sl_source_next(src, &n);
		if (!p)
			return named != SL_FORMAT_AUTO ? named : SL_FORMAT_CSV;
		/* blank lines: LF, or CR LF (a bare CR is data).  A CR
		 * that ends the chunk is taken for the start of a CR LF:
		 * only the first bytes of a data line that starts with a
		 * CR, behind blank lines that fill whole chunks, would
		 * read otherwise */
		for (i = 0; i < n; i++) {
			if (p[i] == '\n')
				continue;
			if (p[i] != '\r' ||
			    (i + 1 < n && p[i + 1] != '\n'))
				break;
			i += i + 1 < n;
		}
		if (i < n)
			break;
		r->lead_bytes += n;
		for (i = 0; i < n; i++)
			r->lead_lines += p[i] == '\n';
	}
	sl_source_unget(src);
	for (; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'); i++)
		;
	if (i < n && p[i] == '[')
		return SL_FORMAT_JSON;     /* one array, whatever the name */
	if (named != SL_FORMAT_AUTO)
		return named;
	return i < n ? sl_format_from_first(p[i]) : SL_FORMAT_CSV;
}

/* A reader of src (path's, for the name and format), or of path. */
static sl_reader *reader_open(sl_arena *a, sl_source *src, const char *path,
			      const sl_read_options *opt)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	const sl_format_def *def;
	sl_reader *r;
	int rc;

	if (sl_failed(ctx))
		return NULL;
	r = sl_arena_alloc(a, sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->arena = a;
	if (opt)
		r->opt = *opt;
	if (!r->opt.delimiter)
		r->opt.delimiter = ',';
	if (sl_arena_on_release(a, reader_release, r) != SL_OK)
		return NULL;
	r->src = src ? src : sl_source_open(a, path);
	if (!r->src)
		return NULL;
	r->name = sl_source_name(r->src);
	sl_source_strip_bom(r->src);
	r->fmt = r->opt.format;
	if (r->fmt == SL_FORMAT_AUTO)
		r->fmt = sniff(r, path);
	if (sl_failed(ctx))
		return NULL;
	def = sl_format_def_of(r->fmt);
	if (!def) {
		sl_error(ctx, SL_EINVAL, "unknown input format %d", (int)r->fmt);
		return NULL;
	}
	rc = def->open(r);
	if (rc < 0)
		return NULL;
	if (r->lines)
		sl_lines_skipped(r->lines, r->lead_lines, r->lead_bytes);
	/* a file of a format cut at newlines, whose bad rows stop the run
	 * (skipped rows would be counted and written in the parts' order) */
	r->par_try = !src && path && strcmp(path, "-") != 0 &&
		sl_ctx_threads(ctx) > 1 && r->opt.on_error != SL_SKIP &&
		!r->opt.rejects && (r->fmt == SL_FORMAT_CSV ||
				    r->fmt == SL_FORMAT_TSV ||
				    r->fmt == SL_FORMAT_LINES);
	return r;
}

sl_reader *sl_reader_open(sl_arena *a, const char *path,
			  const sl_read_options *opt)
{
	return reader_open(a, NULL, path, opt);
}

sl_reader *sl_reader_open_source(sl_arena *a, sl_source *src,
				 const sl_read_options *opt)
{
	return src ? reader_open(a, src, sl_source_name(src), opt) : NULL;
}

sl_reader *sl_reader_open_parts(sl_arena *a, sl_source *src,
				const sl_reader *main)
{
	sl_read_options o = main->opt;
	sl_reader *r;

	o.format = main->fmt;
	r = sl_reader_open_source(a, src, &o);
	if (!r || sl_reader_set_names(r, main->names, main->nnames) != SL_OK ||
	    (main->want && sl_reader_want(r, main->want, main->nwant)))
		return NULL;
	r->header_state = 1;
	r->name = main->name;
	return r;
}

void sl_reader_restart(sl_reader *r, uint64_t offset)
{
	r->done = 0;
	r->pending = 0;
	r->nrows = 0;
	if (r->lines)
		sl_lines_restart(r->lines, offset);
	else
		sl_csv_restart(r, offset);
}

uint64_t sl_reader_line_at(const sl_reader *r)
{
	return r->lines ? sl_lines_number(r->lines) + 1 : sl_csv_line_at(r);
}

sl_format sl_reader_format(const sl_reader *r)
{
	return r->fmt;
}

const char *sl_reader_name(const sl_reader *r)
{
	return r->name;
}

uint64_t sl_reader_skipped(const sl_reader *r)
{
	return r->skipped;
}

sl_status sl_reader_set_names(sl_reader *r, const sl_str *names, size_t n)
{
	sl_str *v = sl_arena_alloc(r->arena, (n ? n : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return sl_errcode(r->ctx);
	for (i = 0; i < n; i++) {
		v[i].ptr = sl_arena_strndup(r->arena, names[i].ptr,
					    names[i].len);
		if (!v[i].ptr)
			return sl_errcode(r->ctx);
		v[i].len = names[i].len;
	}
	r->names = v;
	r->nnames = n;
	return SL_OK;
}

/* ---- bad rows -------------------------------------------------------------- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static sl_status put(sl_sink *s, const char *p, size_t n)
{
	return sl_sink_write(s, p, n);
}

/* p[0..n) as a JSON string, escaped as the writer does (text.c); JSON
 * is UTF-8, so a stray byte (of a message that cut a character) becomes
 * U+FFFD. */
static sl_status put_json_string(sl_sink *s, const unsigned char *p,
				 size_t n)
{
	size_t i = 0, run = 0, k;
	char esc[6];

	if (put(s, "\"", 1))
		return SL_EIO;
	while ((i = sl_json_scan(p, i, n)) < n) {
		if (sl_json_class[p[i]] == SL_JSON_U8 &&
		    (k = sl_utf8_len(p + i, n - i)) > 0) {
			i += k;         /* copied with the run */
			continue;
		}
		if (put(s, (const char *)p + run, i - run) ||
		    (p[i] >= 0x80 ? put(s, "\\ufffd", 6) :
		     put(s, esc, sl_json_escape(p[i], esc))))
			return SL_EIO;
		run = ++i;
	}
	if (put(s, (const char *)p + run, n - run) || put(s, "\"", 1))
		return SL_EIO;
	return SL_OK;
}

static sl_status put_base64(sl_sink *s, const unsigned char *p, size_t n)
{
	char q[4];
	size_t i;

	if (put(s, "\"", 1))
		return SL_EIO;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		if (put(s, q, 4))
			return SL_EIO;
	}
	return put(s, "\"", 1);
}

/* {"file":..,"record":..,"line":..,"offset":..,"reason":..,"raw":..} */
static sl_status write_reject(sl_reader *r)
{
	sl_sink *s = r->opt.rejects;
	const unsigned char *raw = (const unsigned char *)r->row.raw;
	size_t rawn = raw ? r->row.raw_len : 0;
	char num[128];

	if (put(s, "{\"file\":", 8) ||
	    put_json_string(s, (const unsigned char *)r->name,
			    strlen(r->name)))
		return sl_errcode(r->ctx);
	snprintf(num, sizeof(num),
		 ",\"record\":%llu,\"line\":%llu,\"offset\":%llu,\"reason\":",
		 (unsigned long long)r->nrows, (unsigned long long)r->row.line,
		 (unsigned long long)r->row.offset);
	if (put(s, num, strlen(num)) ||
	    put_json_string(s, (const unsigned char *)r->row.bad,
			    strlen(r->row.bad)))
		return sl_errcode(r->ctx);
	if (sl_utf8_end(raw, rawn) == rawn) {
		if (put(s, ",\"raw\":", 7) || put_json_string(s, raw, rawn))
			return sl_errcode(r->ctx);
	} else if (put(s, ",\"raw_base64\":", 14) ||
		   put_base64(s, raw, rawn)) {
		return sl_errcode(r->ctx);
	}
	return put(s, "}\n", 2) ? sl_errcode(r->ctx) : SL_OK;
}

/* A bad row: fail, or skip it.  Returns 0 to go on, -1 to stop.  The
 * message names the byte where the row went wrong when the module knows
 * it (text after a closing quote), else where the row starts. */
static int reject(sl_reader *r)
{
	if (r->opt.on_error != SL_SKIP || r->row.fatal) {
		int at = r->row.err_line != 0;

		sl_error(r->ctx, SL_EDATA,
			 "%s in '%s' at record %llu, line %llu, byte %llu",
			 r->row.bad, r->name, (unsigned long long)r->nrows,
			 (unsigned long long)(at ? r->row.err_line :
					      r->row.line),
			 (unsigned long long)(at ? r->row.err_offset :
					      r->row.offset));
		return -1;
	}
	r->skipped++;
	if (r->opt.rejects && write_reject(r) != SL_OK)
		return -1;
	return 0;
}

/* Room for n views in r->pad. */
static int pad_room(sl_reader *r, size_t n)
{
	sl_str *v;

	if (n <= r->npad)
		return 0;
	v = sl_mem_realloc(r->ctx, r->pad, n * sizeof(*v), "reader.pad");
	if (!v)
		return -1;
	r->pad = v;
	r->npad = n;
	return 0;
}

static void reader_release(void *arg)
{
	sl_reader *r = arg;

	sl_par_free(r->par);
	r->par = NULL;
	sl_mem_free(r->pad);
	r->pad = NULL;
	r->npad = 0;
}

/*
 * A row whose field count is not the header's: ROW_BAD, or under SL_PAD
 * a short row padded with empty fields and a long one cut when what it
 * has past the header is empty (trailing delimiters), which loses
 * nothing.  A long row with more than that stays bad: the header is
 * given before the row is seen, so its fields would have no name.
 */
static int ragged(sl_reader *r)
{
	size_t i;

	if (r->opt.on_error == SL_PAD && r->row.n > r->nnames && r->row.f) {
		for (i = r->nnames; i < r->row.n && r->row.f[i].len == 0; i++)
			;
		if (i == r->row.n) {
			r->row.n = r->nnames;
			return ROW_OK;
		}
		snprintf(r->row.bad, sizeof(r->row.bad),
			 "%zu fields where the header"
			 " has %zu, and field %zu is not empty", r->row.n,
			 r->nnames, i + 1);
		return ROW_BAD;
	}
	if (r->opt.on_error == SL_PAD && r->row.n < r->nnames) {
		if (!r->row.f) {   /* counting */
			r->row.n = r->nnames;
			return ROW_OK;
		}
		if (pad_room(r, r->nnames) < 0)
			return ROW_ERR;
		if (r->row.n)
			memcpy(r->pad, r->row.f, r->row.n * sizeof(*r->pad));
		for (i = r->row.n; i < r->nnames; i++) {
			r->pad[i].ptr = "";
			r->pad[i].len = 0;
		}
		r->row.f = r->pad;
		r->row.n = r->nnames;
		return ROW_OK;
	}
	snprintf(r->row.bad, sizeof(r->row.bad),
		 "%zu field%s where the header has %zu",
		 r->row.n, r->row.n == 1 ? "" : "s", r->nnames);
	r->row.err_line = 0;
	return ROW_BAD;
}

/* JSON output needs UTF-8: a field that is not makes the row bad.  A
 * row whose bytes are UTF-8 as a whole (they are in one piece for most
 * rows) needs no look at its fields one by one. */
static int utf8_row(sl_reader *r)
{
	size_t i, at;

	if (r->row.raw && sl_utf8_end((const unsigned char *)r->row.raw,
				   r->row.raw_len) == r->row.raw_len)
		return ROW_OK;
	for (i = 0; i < r->row.n; i++) {
		const sl_str *f = &r->row.f[i];

		if (i < r->nwant && !r->want[i])
			continue;
		at = sl_utf8_end((const unsigned char *)f->ptr, f->len);
		if (at == f->len)
			continue;
		snprintf(r->row.bad, sizeof(r->row.bad),
			 "field '%.*s' is not valid"
			 " UTF-8 (byte %zu of it), which JSON output needs",
			 r->names[i].len > 100 ? 100 : (int)r->names[i].len,
			 r->names[i].ptr, at + 1);
		r->row.err_line = 0;
		return ROW_BAD;
	}
	return ROW_OK;
}

/* The next good data row into r->row: ROW_OK, ROW_END or ROW_ERR. */
static int good_row(sl_reader *r)
{
	for (;;) {
		int rc = r->next_row(r);

		if (rc == ROW_END || rc == ROW_ERR)
			return rc;
		r->nrows++;
		r->ctx->progress.records++;
		if (rc == ROW_OK && r->row.n != r->nnames)
			rc = ragged(r);
		if (rc == ROW_OK && r->opt.utf8 && r->row.f &&
		    !sl_format_is_json(r->fmt))
			rc = utf8_row(r);
		if (rc == ROW_OK)
			return ROW_OK;
		if (rc == ROW_ERR)
			return ROW_ERR;
		if (reject(r) < 0)
			return ROW_ERR;
	}
}

/* ---- the header ------------------------------------------------------------ */

/* A header name that JSON output cannot carry; -1 after saying which. */
static int bad_name(sl_reader *r)
{
	size_t i, at;

	for (i = 0; i < r->nnames; i++) {
		at = sl_utf8_end((const unsigned char *)r->names[i].ptr,
			      r->names[i].len);
		if (at == r->names[i].len)
			continue;
		r->header_state = 2;
		sl_error(r->ctx, SL_EDATA, "field name %zu of the header of"
			 " '%s' is not valid UTF-8 (byte %zu of it), which JSON"
			 " output needs", i + 1, r->name, at + 1);
		return -1;
	}
	return 0;
}

static int read_header(sl_reader *r)
{
	int rc;

	if (r->header_state)
		return r->header_state == 1 ? 0 : -1;
	if (sl_format_is_json(r->fmt) && r->opt.names) {
		if (sl_reader_set_names(r, r->opt.names, r->opt.nnames))
			return -1;
		r->header_state = 1;
		return 0;
	}
	rc = r->next_row(r);
	if (rc == ROW_ERR)
		return -1;
	if (rc == ROW_END) {
		r->header_state = 2;
		r->done = 1;
		return -1;
	}
	if (sl_format_is_json(r->fmt)) {
		/* the module named the fields after the first object's keys */
		r->nrows++;
		if (rc == ROW_OK && sl_reader_set_names(r, r->row.names,
							r->row.nnames) != SL_OK)
			return -1;
		if (rc == ROW_BAD) {
			r->header_state = 2;
			reject(r);
			sl_error(r->ctx, SL_EDATA,
				 "%s in '%s' at record 1, line %llu: the first"
				 " object gives the field names", r->row.bad,
				 r->name, (unsigned long long)r->row.line);
			return -1;
		}
		r->pending = 1;
	} else if (rc == ROW_BAD) {
		/* the first row names the fields (or gives their number):
		 * it cannot be skipped */
		int at = r->row.err_line != 0;

		r->header_state = 2;
		sl_error(r->ctx, SL_EDATA, "%s in '%s' at record 1, line %llu,"
			 " byte %llu: the first row %s", r->row.bad, r->name,
			 (unsigned long long)(at ? r->row.err_line :
					      r->row.line),
			 (unsigned long long)(at ? r->row.err_offset :
					      r->row.offset),
			 r->opt.no_header ? "gives the number of fields" :
			 "gives the field names");
		return -1;
	} else if (r->opt.no_header) {
		sl_str *v = sl_arena_alloc(r->arena, r->row.n * sizeof(*v));
		char num[24];
		size_t i;

		if (!v)
			return -1;
		for (i = 0; i < r->row.n; i++) {
			int k = snprintf(num, sizeof(num), "%zu", i + 1);

			v[i].ptr = sl_arena_strndup(r->arena, num, (size_t)k);
			if (!v[i].ptr)
				return -1;
			v[i].len = (size_t)k;
		}
		r->names = v;
		r->nnames = r->row.n;
		r->nrows++;
		r->pending = 1;
	} else {
		if (sl_reader_set_names(r, r->row.f, r->row.n) != SL_OK)
			return -1;
		if (r->opt.utf8 && bad_name(r) < 0)
			return -1;
	}
	r->header_state = 1;
	return 0;
}

const sl_str *sl_reader_header(sl_reader *r, size_t *n)
{
	*n = 0;
	if (read_header(r) < 0)
		return NULL;
	*n = r->nnames;
	return r->names;
}

size_t sl_reader_field_index(sl_reader *r, const char *name, size_t len)
{
	size_t i, n;
	const sl_str *h = sl_reader_header(r, &n);

	for (i = 0; h && i < n; i++)
		if (h[i].len == len && memcmp(h[i].ptr, name, len) == 0)
			return i;
	return (size_t)-1;
}

/* ---- records ------------------------------------------------------------- */

sl_status sl_reader_want(sl_reader *r, const unsigned char *want, size_t n)
{
	unsigned char *w = sl_arena_alloc(r->arena, n ? n : 1);

	if (!w)
		return sl_errcode(r->ctx);
	memcpy(w, want, n);
	r->want = w;
	r->nwant = n;
	return SL_OK;
}

/*
 * Pass over the next n data rows, checked as sl_reader_next() checks
 * them but not split into fields where that is not needed: the records
 * the threads handed out before they gave up.  0, or -1 (error set).
 */
static int skip_rows(sl_reader *r, uint64_t n)
{
	int rc = ROW_OK;

	r->counting = r->opt.on_error != SL_PAD;
	if (n && r->pending) {
		r->pending = 0;
		n--;
	}
	while (n && (rc = good_row(r)) == ROW_OK)
		n--;
	r->counting = 0;
	if (n && rc == ROW_END)
		sl_error(r->ctx, SL_EIO, "'%s' changed while being read: it"
			 " has fewer records than before", r->name);
	return n ? -1 : 0;
}

/* The next record from the threads; NULL at the end (r->done), or when
 * they gave up and r is to read on alone. */
static const sl_record *par_next(sl_reader *r)
{
	const sl_record *rec = sl_par_next(r->par);
	uint64_t n;

	if (rec)
		return rec;
	n = sl_par_delivered(r->par);
	r->done = !sl_par_gave_up(r->par);
	r->par_gave_up = !r->done;
	sl_par_stats(r->par, &r->par_segments, &r->par_redos);
	sl_par_free(r->par);
	r->par = NULL;
	if (!r->done && skip_rows(r, n) < 0)
		r->done = 1;
	return NULL;
}

const sl_record *sl_reader_next(sl_reader *r)
{
	const sl_record *rec;

	if (r->done || sl_failed(r->ctx))
		return NULL;
	if (read_header(r) < 0)
		return NULL;
	if (r->par_try) {
		r->par_try = 0;
		r->par = sl_par_start(r);
	}
	if (r->par && ((rec = par_next(r)) || r->done))
		return rec;
	if (r->done)
		return NULL;
	if (r->pending) {
		r->pending = 0;
	} else {
		int rc = good_row(r);

		if (rc != ROW_OK) {
			r->done = 1;
			return NULL;
		}
	}
	r->rec.nfields = r->row.n;
	r->rec.fields = r->row.f;
	r->rec.kinds = r->row.k;
	r->rec.input = r->name;
	r->rec.number = r->nrows;
	r->rec.line = r->row.line;
	r->rec.offset = r->row.offset;
	return &r->rec;
}

uint64_t sl_reader_count(sl_reader *r)
{
	uint64_t n = 0;

	if (r->done || sl_failed(r->ctx))
		return 0;
	r->par_try = 0;      /* counting is quick enough on one thread */
	while (r->par && par_next(r))    /* what threads parsed already */
		n++;
	if (r->done || sl_failed(r->ctx))
		return n;
	if (r->fmt == SL_FORMAT_LINES && !r->pending) {
		r->done = 1;
		return n + sl_lines_count(r->lines);
	}
	if (read_header(r) < 0)
		return 0;
	/* padding needs to see a long row's fields */
	r->counting = r->opt.on_error != SL_PAD;
	/* any object is a record, whatever its keys: a key the header lacks
	 * is added to it, not an error */
	r->collect = sl_format_is_json(r->fmt);
	if (r->pending) {
		r->pending = 0;
		n++;
	}
	while (good_row(r) == ROW_OK)
		n++;
	r->done = 1;
	return n;
}
