/*
 * writer.h - what the writer (writer.c) and the format modules that write
 * rows (csv.c, tsv.c, lines_format.c, jsonl.c) share: the writer itself
 * and its row buffer.
 *
 * A module's write_row() builds one record in the row buffer with the
 * put functions below and returns 0, or -1 with the error recorded (the
 * writer then drops the half-built row); its write_header(), when it has
 * one, builds what goes before the first record (sl_writer_header_row()
 * for a header that is a row of names).  The writer hands each built row
 * to the sink whole.
 */
#ifndef SLUICE_WRITER_H
#define SLUICE_WRITER_H

#include <string.h>

#include "sluice_int.h"

struct sl_writer {
	sl_ctx *ctx;
	sl_arena *arena;       /* where the header's copies go */
	sl_sink *sink;
	int marks;             /* the sink is block gzip: mark each record
				* (sl_sink_mark()) */
	sl_format fmt;
	const struct sl_format_def *def;  /* its row of the format table */
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

/* Make room for n more bytes (the slow path of sl_writer_room). */
int sl_writer_grow(sl_writer *w, size_t n);

static inline int sl_writer_room(sl_writer *w, size_t n)
{
	return n <= w->cap - w->len ? 0 : sl_writer_grow(w, n);
}

static inline int sl_writer_put(sl_writer *w, const void *p, size_t n)
{
	if (sl_writer_room(w, n) < 0)
		return -1;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static inline int sl_writer_put1(sl_writer *w, char c)
{
	if (sl_writer_room(w, 1) < 0)
		return -1;
	w->buf[w->len++] = c;
	return 0;
}

static inline int sl_writer_put2(sl_writer *w, char c1, char c2)
{
	if (sl_writer_room(w, 2) < 0)
		return -1;
	w->buf[w->len++] = c1;
	w->buf[w->len++] = c2;
	return 0;
}

/* Drop a half-built row and report the error already recorded. */
static inline sl_status sl_writer_drop_row(sl_writer *w)
{
	w->len = 0;
	return sl_errcode(w->ctx) ? sl_errcode(w->ctx) : SL_ENOMEM;
}

/* Where the record being written is, for messages ("in 'IN' at record
 * N, line L, byte B", or "in record N of 'OUT'"), into buf. */
#define SL_WHERE_MAX 4200         /* a path and the numbers */
const char *sl_writer_where(const sl_writer *w, char *buf, size_t size);

/* A record of no fields, which csv and tsv cannot hold: the error; -1. */
int sl_writer_no_fields(sl_writer *w);

/* csv and tsv's write_header: the names as a row, unless no_header
 * (declared in sluice_int.h, with the format table). */

#endif /* SLUICE_WRITER_H */
