/*
 * csv.c - the CSV format of sluice: its grammar, which gives rows to the
 * reader and record boundaries to tools that cut files
 * (sl_csv_scan_next), and its writer (the end of the file).
 *
 * The grammar, RFC 4180 with what real files need:
 *  - a record ends at LF or CRLF outside quotes, or at the end of the
 *    input; a bare CR (one not followed by LF) is data, quoted or not;
 *  - the delimiter separates fields; a field that starts with '"' is
 *    quoted: it runs to the next '"' that is not doubled ("" inside is
 *    one quote), and that closing quote must be followed by the
 *    delimiter, a record end or the end of the input.  Anything else
 *    there (a space, a letter, a bare CR) is an error located at that
 *    byte; the rest of the field is then read as unquoted text, so the
 *    bad record ends at the next LF outside quotes and a reader that
 *    skips bad records goes on from there;
 *  - a '"' anywhere else is data: 5" wide is one field;
 *  - a quoted field still open at the end of the input is an error;
 *  - a blank line (LF or CRLF alone) is not a record; "" is a record of
 *    one empty field.  A UTF-8 byte-order mark is dropped by the source.
 *
 * Three pieces of code follow it, all here:
 *  - split_line(), the fast path: a line that lies wholly in the chunk,
 *    starts a record and has no '"' is split at the delimiters into views
 *    of the chunk, with no copy (for such a line the grammar is just
 *    that);
 *  - slow_row(), the state machine for everything else: quoted fields,
 *    records that straddle chunks, the last line without an ending.  It
 *    copies field bytes into fbuf, a memchr() at a time inside quotes;
 *  - sl_csv_scan_next(), which only follows quotes to find record ends,
 *    jumping from quote to quote with memchr(): a '"' opens a quoted field
 *    exactly when the byte before it is the delimiter or LF (or it is the
 *    first byte), which is what "a field starts with '"'" means.
 * tests/test_reader.c checks on random inputs that the three agree on
 * where every record starts and ends, bad records included.
 *
 * Nothing is allocated per row in the steady state: fbuf, the field spans
 * and the views grow to the largest row and are reused.  When the reader
 * only counts, fields are counted, not copied; fields the caller said it
 * will not look at (sl_reader_want) are kept empty.
 */
#include <stdio.h>
#include <string.h>

#include "writer.h"

/* Where the grammar is: at a field's start, in an unquoted field, after
 * a CR there at a chunk's end, in quotes, after a '"' in quotes, and
 * after a closing quote and a CR at a chunk's end. */
enum { S_START, S_UNQ, S_CR, S_Q, S_QQ, S_QCR };

/* slow_row() found only a blank line */
#define ROW_BLANK 3

typedef struct span {
	size_t off, len;
} span;

typedef struct csv_state {
	sl_reader *r;
	unsigned char delim;
	const unsigned char *chunk;
	size_t len, pos;
	uint64_t base;         /* stream offset of chunk[0] */
	uint64_t line;         /* line of chunk[pos], from 1 */
	int eof;
	int count_only;
	char *fbuf;            /* field bytes of a row from slow_row() */
	size_t flen, fcap;
	span *spans;
	size_t nspans, spcap;
	size_t fstart;         /* fbuf offset of the field in progress */
	size_t fbytes;         /* its bytes, copied or not */
	int skip_field;        /* the field in progress is not wanted */
	sl_str *views;
	size_t vcap;
	int keep_raw;          /* rejects want each row's bytes */
	char *raw;             /* a row's bytes when it straddles chunks */
	size_t raw_len, raw_cap;
	int oom;
	uint64_t start_line;   /* of the row slow_row() is reading */
	uint64_t start_off;
	int junk;              /* the row has text after a closing quote */
} csv_state;

static void csv_release(void *arg)
{
	csv_state *cs = arg;

	sl_mem_free(cs->fbuf);
	sl_mem_free(cs->spans);
	sl_mem_free(cs->views);
	sl_mem_free(cs->raw);
	cs->fbuf = cs->raw = NULL;
	cs->spans = NULL;
	cs->views = NULL;
}

/* Grow *buf to hold need elements of size each.  Records no error: the
 * caller says that the record is too big. */
static int grow(csv_state *cs, void **buf, size_t *cap, size_t need,
		size_t each, const char *tag)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	/* made even for no bytes: empty fields point into it, not at NULL */
	if (need <= *cap && *buf)
		return 0;
	while (n < need && n <= SIZE_MAX / 2)
		n *= 2;
	if (n < need || n > SIZE_MAX / each)
		n = need;
	if (need > SIZE_MAX / each) {
		cs->oom = 1;
		return -1;
	}
	p = sl_mem_try_realloc(cs->r->ctx, *buf, n * each, tag);
	/* near the ceiling, ask for half the step, and half again: growing
	 * by just what is needed would copy the buffer for every field */
	while (!p && n > need) {
		n = need + (n - need) / 2;
		p = sl_mem_try_realloc(cs->r->ctx, *buf, n * each, tag);
	}
	if (!p) {
		cs->oom = 1;
		return -1;
	}
	*buf = p;
	*cap = n;
	return 0;
}

static int too_big(csv_state *cs)
{
	sl_reader *r = cs->r;
	char ceil[32];

	sl_error(r->ctx, SL_ENOMEM, "record starting at line %llu of '%s' is"
		 " larger than the memory ceiling of %s allows (raise"
		 " --max-memory)", (unsigned long long)cs->start_line, r->name,
		 sl_format_size(ceil, sizeof(ceil), sl_mem_ceiling(r->ctx)));
	return ROW_ERR;
}

/* The next chunk; 0 at the end of the input or on failure. */
static int fetch(csv_state *cs)
{
	if (cs->eof)
		return 0;
	cs->base += cs->len;
	cs->pos = 0;
	cs->chunk = sl_source_next(cs->r->src, &cs->len);
	if (!cs->chunk) {
		cs->len = 0;
		cs->eof = 1;
		return 0;
	}
	return 1;
}

/* ---- the fast path ------------------------------------------------------ */

/*
 * If the next line is wholly in the chunk and has no '"', split it into
 * r->row and return ROW_OK; else return ROW_END and let slow_row() have
 * it.  Blank lines are skipped.
 */
static int split_line(csv_state *cs)
{
	sl_reader *r = cs->r;
	const unsigned char *s, *nl, *e, *p, *d;
	size_t n = 0, len;

	for (;;) {
		if (cs->pos == cs->len)
			return ROW_END;
		s = cs->chunk + cs->pos;
		nl = memchr(s, '\n', cs->len - cs->pos);
		if (!nl)
			return ROW_END;
		e = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
		len = (size_t)(e - s);
		if (memchr(s, '"', len))
			return ROW_END;
		if (len > 0)
			break;
		cs->pos += (size_t)(nl - s) + 1;   /* a blank line */
		cs->line++;
	}
	r->row.line = cs->line;
	r->row.offset = cs->base + cs->pos;
	r->row.raw = (const char *)s;
	r->row.raw_len = len;
	r->row.f = NULL;
	r->row.err_line = 0;
	r->row.fatal = 0;
	if (cs->count_only) {
		for (n = 1, p = s; (d = memchr(p, cs->delim, (size_t)(e - p)));
		     n++)
			p = d + 1;
	} else {
		for (p = s;; p = d + 1) {
			d = memchr(p, cs->delim, (size_t)(e - p));
			if (n == cs->vcap &&
			    grow(cs, (void **)&cs->views, &cs->vcap, n + 1,
				 sizeof(sl_str), "csv.fields") < 0) {
				cs->start_line = cs->line;
				return too_big(cs);
			}
			cs->views[n].ptr = (const char *)p;
			cs->views[n].len = (size_t)((d ? d : e) - p);
			n++;
			if (!d)
				break;
		}
		r->row.f = cs->views;
	}
	r->row.n = n;
	cs->pos += (size_t)(nl - s) + 1;
	cs->line++;
	return ROW_OK;
}

/* ---- the state machine ------------------------------------------------- */


/* The first byte at or after i that ends an unquoted run (the
 * delimiter, LF, CR), or n; eight bytes at a time. */
static size_t unquoted_run(const csv_state *cs, const unsigned char *p,
			   size_t i, size_t n)
{
	unsigned char d = cs->delim;
	uint64_t dp = SL_ONES * d;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, p + i, 8);
		if (sl_has_byte(x, dp) | sl_has_byte(x, SL_ONES * '\n') |
		    sl_has_byte(x, SL_ONES * '\r'))
			break;
	}
	while (i < n && p[i] != d && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

/* Add bytes to the field in progress. */
static int add(csv_state *cs, const void *p, size_t n)
{
	cs->fbytes += n;
	if (cs->count_only || cs->skip_field || n == 0)
		return 0;
	if (n > cs->fcap - cs->flen &&
	    grow(cs, (void **)&cs->fbuf, &cs->fcap, cs->flen + n, 1,
		 "csv.fields") < 0)
		return -1;
	memcpy(cs->fbuf + cs->flen, p, n);
	cs->flen += n;
	return 0;
}

/* Whether field k (from 0) will be looked at; the header row is read
 * before any such promise is made. */
static int wanted(const csv_state *cs, size_t k)
{
	const sl_reader *r = cs->r;

	return !(k < r->nwant && !r->want[k] && r->header_state == 1);
}

static void begin_field(csv_state *cs)
{
	cs->fstart = cs->flen;
	cs->fbytes = 0;
	cs->skip_field = !cs->count_only && !wanted(cs, cs->nspans);
}

static int end_field(csv_state *cs)
{
	if (!cs->count_only) {
		if (cs->nspans == cs->spcap &&
		    grow(cs, (void **)&cs->spans, &cs->spcap, cs->nspans + 1,
			 sizeof(span), "csv.fields") < 0)
			return -1;
		cs->spans[cs->nspans].off = cs->fstart;
		cs->spans[cs->nspans].len = cs->flen - cs->fstart;
	}
	cs->nspans++;
	begin_field(cs);
	return 0;
}

/* Text after a closing quote: the first one makes the row bad, named by
 * its byte and line. */
static void junk(csv_state *cs, unsigned char c, uint64_t off, uint64_t line)
{
	sl_reader *r = cs->r;

	if (cs->junk)
		return;
	cs->junk = 1;
	r->row.err_line = line;
	r->row.err_offset = off;
	if (c >= 0x21 && c < 0x7f && c != '\'')
		snprintf(r->row.bad, sizeof(r->row.bad),
			 "'%c' after the closing quote"
			 " of field %zu", c, cs->nspans + 1);
	else
		snprintf(r->row.bad, sizeof(r->row.bad),
			 "byte 0x%02x%s after the"
			 " closing quote of field %zu", c,
			 c == ' ' ? " (a space)" : c == '\t' ? " (a tab)" :
			 c == '\r' ? " (a carriage return)" : "",
			 cs->nspans + 1);
}

/* Keep p[from..to) of the chunk as bytes of the row, for rejects. */
static int keep_raw(csv_state *cs, size_t from, size_t to)
{
	size_t n = to - from;

	if (!cs->keep_raw || n == 0)
		return 0;
	if (n > cs->raw_cap - cs->raw_len &&
	    grow(cs, (void **)&cs->raw, &cs->raw_cap, cs->raw_len + n, 1,
		 "csv.raw") < 0)
		return -1;
	memcpy(cs->raw + cs->raw_len, cs->chunk + from, n);
	cs->raw_len += n;
	return 0;
}

/* Lines of p[0..n), for the line numbers of what follows a quoted
 * newline. */
static uint64_t count_lf(const unsigned char *p, size_t n)
{
	const unsigned char *q, *e = p + n;
	uint64_t k = 0;

	while ((q = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p = q + 1;
	}
	return k;
}

/*
 * Hand out the row slow_row() read: its fields as views of fbuf, and its
 * bytes for rejects, without the line ending (tail, tlen: the bytes of
 * the last chunk, NULL when the input ended; start: where the row began
 * in the chunk when it did not straddle chunks).
 */
static int fill_row(csv_state *cs, int spanned, const unsigned char *tail,
		    size_t tlen, size_t start, int by_lf)
{
	sl_reader *r = cs->r;
	size_t i;

	r->row.n = cs->nspans;
	r->row.line = cs->start_line;
	r->row.offset = cs->start_off;
	r->row.f = NULL;
	if (spanned) {
		if (tail && keep_raw(cs, cs->pos - tlen, cs->pos) < 0)
			return too_big(cs);
		r->row.raw = cs->keep_raw ? cs->raw : NULL;
		r->row.raw_len = cs->keep_raw ? cs->raw_len : 0;
	} else {
		r->row.raw = (const char *)cs->chunk + start;
		r->row.raw_len = cs->pos - start;
	}
	if (by_lf && r->row.raw_len && r->row.raw[r->row.raw_len - 1] == '\n')
		r->row.raw_len--;
	if (by_lf && r->row.raw_len && r->row.raw[r->row.raw_len - 1] == '\r')
		r->row.raw_len--;
	if (!cs->count_only) {
		if (cs->nspans > cs->vcap &&
		    grow(cs, (void **)&cs->views, &cs->vcap, cs->nspans,
			 sizeof(sl_str), "csv.fields") < 0)
			return too_big(cs);
		for (i = 0; i < cs->nspans; i++) {
			cs->views[i].ptr = cs->fbuf + cs->spans[i].off;
			cs->views[i].len = cs->spans[i].len;
		}
		r->row.f = cs->views;
	}
	return cs->junk ? ROW_BAD : ROW_OK;
}

/*
 * Read one record from chunk[pos] on, which is not at the chunk's end,
 * into r->row: ROW_OK, ROW_BAD (text after a closing quote), ROW_BLANK
 * (a blank line, read and dropped) or ROW_ERR.
 */
static int slow_row(csv_state *cs)
{
	sl_reader *r = cs->r;
	const unsigned char *p = cs->chunk;
	size_t i = cs->pos, seg = i, n = cs->len, start = i, k, last;
	uint64_t cr_off = 0, cr_line = 0;
	int st = S_START, quoted = 0, spanned = 0, by_lf = 0, at_eof = 0;
	unsigned char c, d = cs->delim;

	cs->flen = cs->nspans = 0;
	cs->raw_len = 0;
	cs->junk = 0;
	cs->start_line = cs->line;
	cs->start_off = cs->base + i;
	r->row.err_line = 0;
	r->row.fatal = 0;
	begin_field(cs);
	for (;;) {
		if (i == n) {
			cs->pos = i;
			if (keep_raw(cs, seg, i) < 0)
				return too_big(cs);
			if (!fetch(cs)) {
				if (sl_failed(r->ctx))
					return ROW_ERR;
				spanned = 1;    /* the bytes are in raw */
				break;
			}
			p = cs->chunk;
			i = seg = 0;
			n = cs->len;
			spanned = 1;
			continue;
		}
		switch (st) {
		case S_START:
			if (p[i] == '"') {
				i++;
				st = S_Q;
				quoted = 1;
				continue;
			}
			st = S_UNQ;
			/* fall through */
		case S_UNQ:
			k = unquoted_run(cs, p, i, n);
			if (add(cs, p + i, k - i) < 0)
				return too_big(cs);
			i = k;
			if (i == n)
				continue;
			c = p[i];
			if (c == d) {
				i++;
				st = S_START;
				if (end_field(cs) < 0)
					return too_big(cs);
				continue;
			}
			if (c == '\n') {
				i++;
				goto record_end;
			}
			/* a CR: the end of the record with a LF after it,
			 * else data */
			if (i + 1 == n) {
				i++;
				st = S_CR;
			} else if (p[i + 1] == '\n') {
				i += 2;
				goto record_end;
			} else {
				if (add(cs, "\r", 1) < 0)
					return too_big(cs);
				i++;
			}
			continue;
		case S_CR:
			if (p[i] == '\n') {
				i++;
				goto record_end;
			}
			if (add(cs, "\r", 1) < 0)
				return too_big(cs);
			st = S_UNQ;
			continue;
		case S_Q: {
			const unsigned char *q = memchr(p + i, '"', n - i);

			k = q ? (size_t)(q - p) : n;
			cs->line += count_lf(p + i, k - i);
			if (add(cs, p + i, k - i) < 0)
				return too_big(cs);
			i = q ? k + 1 : k;
			if (q)
				st = S_QQ;
			continue;
		}
		case S_QQ:
			c = p[i];
			if (c == '"') {
				if (add(cs, "\"", 1) < 0)
					return too_big(cs);
				i++;
				st = S_Q;
				continue;
			}
			if (c == d || c == '\n') {
				st = S_UNQ;   /* ends the field or the record */
				continue;
			}
			if (c == '\r') {
				if (i + 1 == n) {
					cr_off = cs->base + i;
					cr_line = cs->line;
					i++;
					st = S_QCR;
					continue;
				}
				if (p[i + 1] == '\n') {
					i += 2;
					goto record_end;
				}
			}
			junk(cs, c, cs->base + i, cs->line);
			st = S_UNQ;   /* c is data of the rest of the field */
			continue;
		case S_QCR:
			if (p[i] == '\n') {
				i++;
				goto record_end;
			}
			junk(cs, '\r', cr_off, cr_line);
			if (add(cs, "\r", 1) < 0)
				return too_big(cs);
			st = S_UNQ;
			continue;
		}
	}
	/* the end of the input: the last segment is kept already */
	at_eof = 1;
	switch (st) {
	case S_Q:
		/* a bad row that cannot be skipped: it runs to the end */
		snprintf(r->row.bad, sizeof(r->row.bad),
			 "unterminated quoted field"
			 " (the input ends inside quotes)");
		r->row.n = 0;
		r->row.f = NULL;
		r->row.raw = NULL;
		r->row.raw_len = 0;
		r->row.line = cs->start_line;
		r->row.offset = cs->start_off;
		r->row.fatal = 1;
		cs->pos = 0;
		return ROW_BAD;
	case S_QCR:
		junk(cs, '\r', cr_off, cr_line);
		/* fall through */
	case S_CR:
		if (add(cs, "\r", 1) < 0)
			return too_big(cs);
		break;
	default:
		break;
	}
	goto fields_end;
record_end:
	by_lf = 1;
	cs->line++;
fields_end:
	last = cs->fbytes;
	if (end_field(cs) < 0)
		return too_big(cs);
	cs->pos = at_eof ? 0 : i;    /* at the end, no chunk is left */
	if (by_lf && !quoted && cs->nspans == 1 && last == 0)
		return ROW_BLANK;
	return fill_row(cs, spanned, at_eof ? NULL : p + seg, i - seg,
			start, by_lf);
}

static int csv_next_row(sl_reader *r)
{
	csv_state *cs = r->state;
	int rc;

	cs->count_only = r->counting && r->header_state == 1;
	for (;;) {
		if (cs->pos == cs->len && !fetch(cs))
			return sl_failed(r->ctx) ? ROW_ERR : ROW_END;
		rc = split_line(cs);
		if (rc != ROW_END)
			return rc;
		if (cs->pos == cs->len)
			continue;   /* blank lines to the chunk's end */
		rc = slow_row(cs);
		if (rc != ROW_BLANK)
			return rc;
	}
}

int sl_csv_open(sl_reader *r)
{
	csv_state *cs = sl_arena_alloc(r->arena, sizeof(*cs));

	if (!cs)
		return -1;
	memset(cs, 0, sizeof(*cs));
	cs->r = r;
	cs->delim = (unsigned char)r->opt.delimiter;
	cs->line = 1 + r->lead_lines;
	cs->base = r->lead_bytes;
	cs->keep_raw = r->opt.on_error == SL_SKIP && r->opt.rejects;
	if (sl_arena_on_release(r->arena, csv_release, cs) != SL_OK)
		return -1;
	if (grow(cs, (void **)&cs->fbuf, &cs->fcap, 256, 1, "csv.fields") < 0) {
		sl_error(r->ctx, SL_ENOMEM, "no memory for the csv reader of"
			 " '%s'", r->name);
		return -1;
	}
	r->state = cs;
	r->next_row = csv_next_row;
	return 0;
}

void sl_csv_restart(sl_reader *r, uint64_t offset)
{
	csv_state *cs = r->state;

	cs->chunk = NULL;
	cs->len = cs->pos = 0;
	cs->base = offset;
	cs->line = 1;
	cs->eof = 0;
	cs->flen = cs->nspans = 0;
	cs->fstart = cs->fbytes = 0;
	cs->skip_field = 0;
	cs->raw_len = 0;
	cs->oom = 0;
	cs->junk = 0;
}

uint64_t sl_csv_line_at(const sl_reader *r)
{
	const csv_state *cs = r->state;

	return cs->line;
}

/* ---- record boundaries -------------------------------------------------- */

void sl_csv_scan_init(sl_csv_scan *s, char delimiter)
{
	memset(s, 0, sizeof(*s));
	s->delimiter = delimiter ? delimiter : ',';
	s->state = S_START;
	s->prev = '\n';
}

size_t sl_csv_scan_next(sl_csv_scan *s, const void *buf, size_t n,
			size_t from)
{
	const unsigned char *p = buf, *q, *nl;
	unsigned char d = (unsigned char)s->delimiter, before;
	size_t i = 0, k, at;

	while (i < n) {
		if (s->state == S_Q) {
			q = memchr(p + i, '"', n - i);
			if (!q) {
				i = n;
				break;
			}
			i = (size_t)(q - p) + 1;
			s->state = S_QQ;
			continue;
		}
		if (s->state == S_QQ) {
			/* "" is a quote inside; anything else closes the
			 * field (text after it is an error to the reader,
			 * which reads on as if unquoted) */
			if (p[i] == '"') {
				i++;
				s->state = S_Q;
			} else {
				s->state = S_UNQ;
			}
			continue;
		}
		/* outside quotes: the next '"' or LF, whichever is first */
		q = memchr(p + i, '"', n - i);
		k = q ? (size_t)(q - p) : n;
		at = from > i ? from : i;
		nl = at < k ? memchr(p + at, '\n', k - at) : NULL;
		if (nl) {
			s->state = S_START;
			s->prev = '\n';
			return (size_t)(nl - p);
		}
		if (!q) {
			i = n;
			break;
		}
		before = k > 0 ? p[k - 1] : s->prev;
		if (before == d || before == '\n')
			s->state = S_Q;
		i = k + 1;
	}
	if (n > 0)
		s->prev = p[n - 1];
	return n;
}

/* ---- writing ---------------------------------------------------------- */

/*
 * A csv field, which rarely needs quotes, is copied while it is scanned
 * and only started again quoted when a special byte turns up.  It is
 * quoted only then, or when it is the only field of its row and empty:
 * an empty line would be skipped by readers, "" is a row with one empty
 * field.  A row of no fields has no such way out: it is refused.
 */


/* Quote p[0..n) (n > 0), doubling its quotes, then add end. */
static int csv_quoted(sl_writer *w, const unsigned char *p, size_t n,
		      char end)
{
	const unsigned char *q;

	if (sl_writer_put1(w, '"') < 0)
		return -1;
	while ((q = memchr(p, '"', n)) != NULL) {
		size_t k = (size_t)(q - p) + 1;

		if (sl_writer_put(w, p, k) < 0 || sl_writer_put1(w, '"') < 0)
			return -1;
		p += k;
		n -= k;
	}
	if (sl_writer_put(w, p, n) < 0 || sl_writer_put2(w, '"', end) < 0)
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
			sl_writer_put(w, (char[]){ '"', '"', end }, 3) : sl_writer_put1(w, end);
	if (w->quote_all)
		return csv_quoted(w, p, n, end);
	if (sl_writer_room(w, n + 1) < 0)
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

int sl_csv_write_row(sl_writer *w, const sl_str *fields,
		     const unsigned char *kinds, size_t n)
{
	size_t i;

	(void)kinds;            /* csv has text only */
	if (n == 0)
		return sl_writer_no_fields(w);
	for (i = 0; i < n; i++)
		if (csv_field(w, &fields[i], n == 1,
			      i + 1 < n ? w->delim : '\n') < 0)
			return -1;
	return 0;
}
