/*
 * csv.c - CSV rows through libcsv.
 *
 * libcsv pushes: csv_parse() calls on_field() for each field and on_row()
 * at the end of each row, however many there are in the bytes given.  The
 * reader pulls one row at a time, so the rows that complete are queued; a
 * row is handed out from the queue and the queue is emptied, keeping the
 * fields of a row still in progress, before more bytes are fed.
 *
 * A line with no '"' and no bare '\r' that lies wholly in the chunk and
 * starts a row is trivially RFC 4180: its fields are the bytes between
 * delimiters.  Such a line is split here into views of the chunk, with no
 * copy and no call into libcsv; libcsv keeps everything else, every line
 * with a quote in it above all, and is at a row boundary whenever a line
 * is split here.  Bytes go to libcsv a line at a time (a piece also ends
 * after a bare '\r', where libcsv ends a row too), so each row's line
 * and offset are known: a row starts on the first non-blank piece fed
 * after the previous row ended.
 *
 * libcsv copies every field into its entry buffer and hands out a pointer
 * that is reused for the next field, so field bytes are copied into fbuf;
 * fbuf, the field spans and the row queue grow to the largest row in
 * flight and are then reused: nothing is allocated per row in the steady
 * state.  When the reader only counts, fields are counted, not copied.
 *
 * libcsv's own buffer is charged as "csv.parser" through its realloc and
 * free hooks.  It is told that no character is a space (libcsv would trim
 * spaces and tabs around unquoted fields; RFC 4180 keeps them) and to call
 * an unterminated quote at the end an error (CSV_STRICT_FINI).
 */
#include <csv.h>
#include <string.h>

#include "sluice_int.h"

/* libcsv's parser state for "inside a field" (libcsv.c, stable since 3.0) */
#define LIBCSV_FIELD_BEGUN 2

typedef struct span {
	size_t off, len;
} span;

typedef struct rowdesc {
	size_t first, n;       /* fields [first, first + n) of spans */
	uint64_t line, offset;
	size_t raw_off;        /* into raw, when keeping it */
	size_t raw_end;
} rowdesc;

typedef struct csv_state {
	sl_reader *r;
	struct csv_parser p;
	int parser_live;
	int finished;
	const unsigned char *chunk;
	size_t len, pos;
	char *fbuf;            /* field bytes */
	size_t flen, fcap;
	span *spans;
	size_t nspans, spcap;
	rowdesc *q;            /* complete rows */
	size_t qhead, qn, qcap;
	size_t row_first;      /* first span of the row in progress */
	size_t row_nf;         /* fields of the row in progress when counting */
	int count_only;
	sl_str *views;
	size_t vcap;
	uint64_t line;         /* line of the next byte fed, from 1 */
	uint64_t off;          /* stream offset of the next byte fed */
	int at_line_start;
	int after_cr;          /* the last piece fed ended with '\r' */
	int need_start;        /* the next non-blank line starts a row */
	uint64_t start_line, start_off;
	int keep_raw;          /* rejects want each row's bytes */
	char *raw;
	size_t raw_len, raw_cap;
	uint64_t raw_base;     /* stream offset of raw[0] */
	int oom;               /* a buffer could not grow */
	sl_str *lviews;        /* views of a line split here */
	size_t lvcap;
} csv_state;

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void csv_release(void *arg)
{
	csv_state *cs = arg;

	if (cs->parser_live)
		csv_free(&cs->p);
	cs->parser_live = 0;
	sl_mem_free(cs->fbuf);
	sl_mem_free(cs->spans);
	sl_mem_free(cs->q);
	sl_mem_free(cs->views);
	sl_mem_free(cs->lviews);
	sl_mem_free(cs->raw);
	cs->fbuf = cs->raw = NULL;
	cs->spans = NULL;
	cs->q = NULL;
	cs->views = NULL;
	cs->lviews = NULL;
}

/* Grow *buf to hold need elements of size each. */
static int grow(csv_state *cs, void **buf, size_t *cap, size_t need,
		size_t each, const char *tag)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	/* made even for no bytes: empty fields point into it, not at NULL */
	if (need <= *cap && *buf)
		return 0;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / each)
		n = need;
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

static void on_field(void *s, size_t n, void *data)
{
	csv_state *cs = data;
	size_t k;

	if (cs->count_only) {
		cs->row_nf++;
		return;
	}
	/* a field the caller will not look at is kept empty; the header
	 * row is read before any such promise is made */
	k = cs->nspans - cs->row_first;
	if (k < cs->r->nwant && !cs->r->want[k] && cs->r->header_state == 1)
		n = 0;
	/* the buffers have room but for the first rows and the largest */
	if (__builtin_expect(n > cs->fcap - cs->flen ||
			     cs->nspans == cs->spcap, 0) &&
	    (cs->oom ||
	     grow(cs, (void **)&cs->fbuf, &cs->fcap, cs->flen + n, 1,
		  "csv.fields") < 0 ||
	     grow(cs, (void **)&cs->spans, &cs->spcap, cs->nspans + 1,
		  sizeof(span), "csv.fields") < 0))
		return;
	if (n)
		memcpy(cs->fbuf + cs->flen, s, n);
	cs->spans[cs->nspans].off = cs->flen;
	cs->spans[cs->nspans].len = n;
	cs->nspans++;
	cs->flen += n;
}

static void on_row(int c, void *data)
{
	csv_state *cs = data;
	rowdesc *d;

	(void)c;
	if (cs->oom || grow(cs, (void **)&cs->q, &cs->qcap, cs->qn + 1,
			    sizeof(rowdesc), "csv.rows") < 0)
		return;
	d = &cs->q[cs->qn++];
	d->first = cs->row_first;
	d->n = cs->count_only ? cs->row_nf : cs->nspans - cs->row_first;
	d->line = cs->start_line;
	d->offset = cs->start_off;
	d->raw_off = (size_t)(cs->start_off - cs->raw_base);
	d->raw_end = cs->raw_len;
	cs->row_first = cs->nspans;
	cs->row_nf = 0;
	cs->need_start = 1;
}

static int parse_failed(csv_state *cs);

/* Hand out the row at the head of the queue. */
static int pop_row(csv_state *cs)
{
	sl_reader *r = cs->r;
	rowdesc *d = &cs->q[cs->qhead++];
	size_t i;

	r->row.n = d->n;
	r->row.line = d->line;
	r->row.offset = d->offset;
	r->row.f = NULL;
	r->row.raw = cs->keep_raw ? cs->raw + d->raw_off : NULL;
	r->row.raw_len = cs->keep_raw ? d->raw_end - d->raw_off : 0;
	/* the row's bytes without its line ending */
	if (r->row.raw_len && r->row.raw[r->row.raw_len - 1] == '\n')
		r->row.raw_len--;
	if (r->row.raw_len && r->row.raw[r->row.raw_len - 1] == '\r')
		r->row.raw_len--;
	if (cs->count_only)
		return ROW_OK;
	if (grow(cs, (void **)&cs->views, &cs->vcap, d->n ? d->n : 1,
		 sizeof(sl_str), "csv.fields") < 0)
		return parse_failed(cs);   /* grow() records no error */
	for (i = 0; i < d->n; i++) {
		cs->views[i].ptr = cs->fbuf + cs->spans[d->first + i].off;
		cs->views[i].len = cs->spans[d->first + i].len;
	}
	r->row.f = cs->views;
	return ROW_OK;
}

/* The queue is empty: keep only the row in progress, at the front. */
static void compact(csv_state *cs)
{
	size_t i, base, keep;

	cs->qhead = cs->qn = 0;
	if (cs->row_first < cs->nspans) {
		base = cs->spans[cs->row_first].off;
		memmove(cs->fbuf, cs->fbuf + base, cs->flen - base);
		cs->flen -= base;
		for (i = cs->row_first; i < cs->nspans; i++) {
			cs->spans[i - cs->row_first] = cs->spans[i];
			cs->spans[i - cs->row_first].off -= base;
		}
		cs->nspans -= cs->row_first;
	} else {
		cs->flen = cs->nspans = 0;
	}
	cs->row_first = 0;
	if (cs->keep_raw) {
		/* keep the bytes of the row in progress */
		keep = cs->need_start ? cs->raw_len :
			(size_t)(cs->start_off - cs->raw_base);
		if (keep < cs->raw_len)
			memmove(cs->raw, cs->raw + keep, cs->raw_len - keep);
		cs->raw_len -= keep;
		cs->raw_base += keep;
	}
}

static int parse_failed(csv_state *cs)
{
	sl_reader *r = cs->r;

	if (cs->oom || csv_error(&cs->p) == CSV_ENOMEM ||
	    csv_error(&cs->p) == CSV_ETOOBIG) {
		char ceil[32];

		sl_error(r->ctx, SL_ENOMEM,
			 "record starting at line %llu of '%s' is larger than"
			 " the memory ceiling of %s allows (raise"
			 " --max-memory)", (unsigned long long)cs->start_line,
			 r->name, sl_format_size(ceil, sizeof(ceil),
						 sl_mem_ceiling(r->ctx)));
		return ROW_ERR;
	}
	sl_error(r->ctx, SL_EDATA, "cannot parse '%s' at line %llu: %s",
		 r->name, (unsigned long long)cs->line,
		 csv_strerror(csv_error(&cs->p)));
	return ROW_ERR;
}

/*
 * Feed the bytes up to and including the next '\n' (or the chunk's end),
 * or a bare '\r' before it: libcsv ends a row there too, and the row
 * after it must start a piece to know its line and offset.
 */
static int feed_piece(csv_state *cs)
{
	const unsigned char *s = cs->chunk + cs->pos;
	size_t n = cs->len - cs->pos;
	const unsigned char *nl = memchr(s, '\n', n), *cr;
	size_t done;
	int ends_line, between_rows = cs->need_start;

	if (nl)
		n = (size_t)(nl - s) + 1;
	cr = memchr(s, '\r', n);
	if (cr && (size_t)(cr - s) + 1 < n && cr[1] != '\n') {
		n = (size_t)(cr - s) + 1;
		nl = NULL;
	}
	ends_line = nl != NULL;
	if ((cs->at_line_start || cs->after_cr) && cs->need_start) {
		int blank = (n == 1 && ends_line) ||
			(n == 2 && ends_line && s[0] == '\r') ||
			(n == 1 && s[0] == '\r');

		if (!blank) {
			cs->start_line = cs->line;
			cs->start_off = cs->off;
			cs->need_start = 0;
		}
	}
	if (cs->keep_raw) {
		/* between rows raw holds nothing of use (and lines split
		 * or skipped as blank here never pass through it) */
		if (between_rows) {
			cs->raw_len = 0;
			cs->raw_base = cs->off;
		}
		if (grow(cs, (void **)&cs->raw, &cs->raw_cap, cs->raw_len + n,
			 1, "csv.raw") < 0)
			return parse_failed(cs);
		memcpy(cs->raw + cs->raw_len, s, n);
		cs->raw_len += n;
	}
	/* libcsv grows its field buffer by blk_size at a time: a step as
	 * big as the buffer makes the growth geometric (libcsv halves the
	 * step itself when the ceiling refuses it) */
	if (cs->p.entry_size > cs->p.blk_size)
		csv_set_blk_size(&cs->p, cs->p.entry_size);
	sl_hook_enter(cs->r->ctx, "csv.parser");
	done = csv_parse(&cs->p, s, n, on_field, on_row, cs);
	sl_hook_leave();
	if (done != n || cs->oom)
		return parse_failed(cs);
	cs->pos += n;
	cs->off += n;
	if (ends_line) {
		cs->line++;
		cs->at_line_start = 1;
	} else if (!(n == 1 && s[0] == '\r' && cs->at_line_start)) {
		cs->at_line_start = 0;
	}
	cs->after_cr = s[n - 1] == '\r';
	return ROW_OK;
}

/*
 * If the next line is wholly in the chunk, starts a row and has no '"'
 * and no bare '\r', split it into r->row and return ROW_OK; else return
 * ROW_END and let libcsv have it.  A blank line is skipped as libcsv
 * would.
 */
static int split_line(csv_state *cs)
{
	sl_reader *r = cs->r;
	const unsigned char *s, *nl, *e, *p, *d;
	size_t n = 0, len;
	char delim = r->opt.delimiter;

	for (;;) {
		if (!cs->need_start || !cs->at_line_start || cs->pos == cs->len)
			return ROW_END;
		s = cs->chunk + cs->pos;
		nl = memchr(s, '\n', cs->len - cs->pos);
		if (!nl)
			return ROW_END;
		e = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
		len = (size_t)(e - s);
		if (memchr(s, '"', len) || memchr(s, '\r', len))
			return ROW_END;
		if (len > 0)
			break;
		cs->pos += (size_t)(nl - s) + 1;   /* a blank line */
		cs->off += (uint64_t)(nl - s) + 1;
		cs->line++;
	}
	r->row.line = cs->line;
	r->row.offset = cs->off;
	r->row.raw = (const char *)s;
	r->row.raw_len = len;
	r->row.f = NULL;
	if (cs->count_only) {
		for (n = 1, p = s; (d = memchr(p, delim, (size_t)(e - p)));
		     n++)
			p = d + 1;
	} else {
		for (p = s;; p = d + 1) {
			d = memchr(p, delim, (size_t)(e - p));
			if (n == cs->lvcap &&
			    grow(cs, (void **)&cs->lviews, &cs->lvcap, n + 1,
				 sizeof(sl_str), "csv.fields") < 0)
				return parse_failed(cs);
			cs->lviews[n].ptr = (const char *)p;
			cs->lviews[n].len = (size_t)((d ? d : e) - p);
			n++;
			if (!d)
				break;
		}
		r->row.f = cs->lviews;
	}
	r->row.n = n;
	cs->pos += (size_t)(nl - s) + 1;
	cs->off += (uint64_t)(nl - s) + 1;
	cs->line++;
	return ROW_OK;
}

static int finish(csv_state *cs)
{
	sl_reader *r = cs->r;
	int rc, open_quote;

	cs->finished = 1;
	/* libcsv reports an open quote at the end only in its strict mode,
	 * which also refuses stray quotes that RFC 4180 readers tolerate, so
	 * look at its state instead: a quoted field still being read */
	open_quote = cs->p.quoted && cs->p.pstate == LIBCSV_FIELD_BEGUN;
	sl_hook_enter(r->ctx, "csv.parser");
	rc = csv_fini(&cs->p, on_field, on_row, cs);
	sl_hook_leave();
	if (cs->oom)
		return parse_failed(cs);
	if (rc == CSV_EPARSE || open_quote) {
		sl_error(r->ctx, SL_EDATA,
			 "unterminated quoted field in '%s' in the record"
			 " starting at line %llu, byte %llu", r->name,
			 (unsigned long long)cs->start_line,
			 (unsigned long long)cs->start_off);
		return ROW_ERR;
	}
	return ROW_OK;
}

static int csv_next_row(sl_reader *r)
{
	csv_state *cs = r->state;
	int rc;

	cs->count_only = r->counting && r->header_state == 1;
	if (cs->qhead < cs->qn)
		return pop_row(cs);
	compact(cs);
	for (;;) {
		if (cs->pos == cs->len) {
			if (cs->finished)
				return ROW_END;
			cs->pos = 0;
			cs->chunk = sl_source_next(r->src, &cs->len);
			if (!cs->chunk) {
				cs->len = 0;
				if (sl_failed(r->ctx))
					return ROW_ERR;
				if (finish(cs) != ROW_OK)
					return ROW_ERR;
				return cs->qn ? pop_row(cs) : ROW_END;
			}
		}
		rc = split_line(cs);
		if (rc != ROW_END)
			return rc;
		if (cs->pos == cs->len)
			continue;   /* blank lines to the chunk's end: no piece */
		if (feed_piece(cs) != ROW_OK)
			return ROW_ERR;
		if (cs->qn)
			return pop_row(cs);
	}
}

int sl_csv_open(sl_reader *r)
{
	csv_state *cs = sl_arena_alloc(r->arena, sizeof(*cs));

	if (!cs)
		return -1;
	memset(cs, 0, sizeof(*cs));
	cs->r = r;
	cs->line = 1 + r->lead_lines;
	cs->off = r->lead_bytes;
	cs->at_line_start = 1;
	cs->need_start = 1;
	cs->keep_raw = r->opt.on_error == SL_SKIP && r->opt.rejects;
	if (sl_arena_on_release(r->arena, csv_release, cs) != SL_OK)
		return -1;
	if (csv_init(&cs->p, CSV_STRICT_FINI) != 0) {
		sl_error(r->ctx, SL_ENOMEM, "cannot start the csv parser");
		return -1;
	}
	cs->parser_live = 1;
	csv_set_space_func(&cs->p, no_space);
	csv_set_delim(&cs->p, (unsigned char)r->opt.delimiter);
	csv_set_realloc_func(&cs->p, sl_hook_realloc);
	csv_set_free_func(&cs->p, sl_hook_free);
	csv_set_blk_size(&cs->p, 4096);
	r->state = cs;
	r->next_row = csv_next_row;
	return 0;
}
