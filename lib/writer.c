/*
 * writer.c - records onto a sink in any format of the table (format.c),
 * through the format's write_header and write_row (writer.h).
 *
 * Call order: sl_writer_new(), sl_writer_header() at most once (required
 * for jsonl and json, whose keys it sets), then sl_writer_write() per
 * record.  The writer has no close of its own: each record is handed to
 * the sink whole before sl_writer_write() returns, and what a format puts
 * after the last record (json's ']') is written by sl_sink_close(), which
 * calls back into the writer (sl_sink_on_close()); so closing the sink
 * finishes the file.
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
 * The modules scan fields eight bytes at a time (the has-zero-byte trick
 * on a 64-bit word tells whether any byte of the word needs attention),
 * then byte by byte with 256-entry tables that say what each byte needs
 * (csv: delimiter, quote, CR, LF; tsv: the escaped four; json: controls,
 * quote, backslash and bytes >= 0x80); runs of other bytes are copied
 * with one memcpy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "writer.h"

#define ROW_START ((size_t)4096)
#define ROW_TAG "writer.row"

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
__attribute__((noinline)) int sl_writer_grow(sl_writer *w, size_t n)
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
const char *sl_writer_where(const sl_writer *w, char *buf, size_t size)
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

/* The sink is closing: the format's end of the file (sl_sink_on_close). */
static sl_status write_end(void *arg)
{
	sl_writer *w = arg;

	if (sl_failed(w->ctx))
		return sl_errcode(w->ctx);
	if (w->def->write_end(w) < 0)
		return sl_writer_drop_row(w);
	return flush_row(w);
}

/* A record of no fields (from the JSON object {}) would be an empty
 * line, which CSV and TSV readers skip (or read as one empty field): it
 * cannot be written without changing it. */
int sl_writer_no_fields(sl_writer *w)
{
	char at[SL_WHERE_MAX];

	sl_error(w->ctx, SL_EDATA, "a record with no fields, which %s cannot"
		 " hold (an empty line reads back as no record), %s; write it"
		 " as jsonl", sl_format_name(w->fmt),
		 sl_writer_where(w, at, sizeof(at)));
	return -1;
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
			 " tsv, jsonl, json or lines", (int)fmt);
		return NULL;
	}
	if (!sink) {
		sl_error(ctx, SL_EINVAL, "a %s writer needs a sink",
			 sl_format_name(fmt));
		return NULL;
	}
	if (fmt == SL_FORMAT_JSON && sl_sink_blocks(sink)) {
		sl_error(ctx, SL_EINVAL, "cannot write one JSON array in gzip"
			 " blocks to '%s': an array cannot be cut into parts;"
			 " write JSON Lines (jsonl)", sl_sink_name(sink));
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
	w->marks = sl_sink_blocks(sink);
	w->fmt = fmt;
	w->def = sl_format_def_of(fmt);
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
	if (w->def->write_end)
		sl_sink_on_close(sink, write_end, w);
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
		return sl_writer_drop_row(w);
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

int sl_writer_header_row(sl_writer *w)
{
	/* no names, no header line (an empty line is no row) */
	if (w->no_header || !w->nnames)
		return 0;
	return w->def->write_row(w, w->names, NULL, w->nnames);
}

/* Build what the header puts in the row buffer (the format's
 * write_header: for jsonl, the keys are prepared instead). */
static sl_status header_row(sl_writer *w)
{
	if (!w->def->write_header)
		return SL_OK;        /* lines have no header */
	return w->def->write_header(w) < 0 ? sl_writer_drop_row(w) : SL_OK;
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
	if (w->len > 0 && (st = flush_row(w)) != SL_OK)
		return st;
	/* the body starts here, records or none (blocks.c) */
	return w->marks ? sl_sink_mark(w->sink) : SL_OK;
}

static sl_status write_row(sl_writer *w, const sl_str *fields,
			   const unsigned char *kinds, size_t n)
{
	sl_status st;

	if (sl_failed(w->ctx))
		return sl_errcode(w->ctx);
	if (w->def->write_row(w, fields, kinds, n) < 0)
		return sl_writer_drop_row(w);
	if (w->marks && (st = sl_sink_mark(w->sink)) != SL_OK) {
		w->len = 0;
		return st;
	}
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
