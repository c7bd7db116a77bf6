/*
 * tsv.c - tab-separated rows, read and written: no quoting, escapes
 * instead.
 *
 * Each line is a row (a blank line is a row of one empty field) and each
 * tab ends a field.  Inside a field \t, \n, \r and \\ stand for a tab, a
 * newline, a carriage return and a backslash, the convention of tsv-utils
 * and Miller; any other backslash is kept as it is.  Fields without a
 * backslash are views into the line; the others are decoded into a buffer
 * as long as the line, so that no view moves while the row is built.
 */
#include <string.h>

#include "writer.h"

typedef struct tsv_state {
	sl_str *views;
	size_t vcap;
	char *ubuf;
	size_t ucap;
} tsv_state;

static void tsv_release(void *arg)
{
	tsv_state *ts = arg;

	sl_mem_free(ts->views);
	sl_mem_free(ts->ubuf);
	ts->views = NULL;
	ts->ubuf = NULL;
}

static int reserve(sl_reader *r, void **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = sl_mem_realloc(r->ctx, *buf, n, "tsv.fields");
	if (!p)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

static size_t unescape(char *out, const char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '\\' || i + 1 == n) {
			out[k++] = p[i];
			continue;
		}
		switch (p[i + 1]) {
		case 't': out[k++] = '\t'; i++; break;
		case 'n': out[k++] = '\n'; i++; break;
		case 'r': out[k++] = '\r'; i++; break;
		case '\\': out[k++] = '\\'; i++; break;
		default: out[k++] = '\\'; break;
		}
	}
	return k;
}

static int tsv_next_row(sl_reader *r)
{
	tsv_state *ts = r->state;
	const sl_str *l = sl_lines_next(r->lines);
	const char *p, *end, *tab;
	size_t n = 0, used = 0;

	if (!l)
		return sl_failed(r->ctx) ? ROW_ERR : ROW_END;
	r->row.line = sl_lines_number(r->lines);
	r->row.offset = sl_lines_offset(r->lines);
	r->row.raw = l->ptr;
	r->row.raw_len = l->len;
	r->row.f = NULL;
	p = l->ptr;
	end = l->ptr + l->len;
	if (r->counting && r->header_state == 1) {
		for (n = 1; (tab = memchr(p, '\t', (size_t)(end - p))); n++)
			p = tab + 1;
		r->row.n = n;
		return ROW_OK;
	}
	if (memchr(p, '\\', l->len) &&
	    reserve(r, (void **)&ts->ubuf, &ts->ucap, l->len + 1) < 0)
		return ROW_ERR;
	for (;;) {
		size_t len;

		tab = memchr(p, '\t', (size_t)(end - p));
		len = (size_t)((tab ? tab : end) - p);
		if (reserve(r, (void **)&ts->views, &ts->vcap,
			    (n + 1) * sizeof(sl_str)) < 0)
			return ROW_ERR;
		if (memchr(p, '\\', len)) {
			ts->views[n].ptr = ts->ubuf + used;
			ts->views[n].len = unescape(ts->ubuf + used, p, len);
			used += ts->views[n].len;
		} else {
			ts->views[n].ptr = p;
			ts->views[n].len = len;
		}
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	r->row.n = n;
	r->row.f = ts->views;
	return ROW_OK;
}

int sl_tsv_open(sl_reader *r)
{
	tsv_state *ts = sl_arena_alloc(r->arena, sizeof(*ts));

	if (!ts)
		return -1;
	memset(ts, 0, sizeof(*ts));
	if (sl_arena_on_release(r->arena, tsv_release, ts) != SL_OK)
		return -1;
	r->lines = sl_lines_new(r->arena, r->src);
	if (!r->lines)
		return -1;
	r->state = ts;
	r->next_row = tsv_next_row;
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

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
		if (sl_writer_put(w, p + run, i - run) < 0)
			return -1;
		if (i == n)
			return 0;
		if (sl_writer_put2(w, '\\', tsv_escape[p[i]]) < 0)
			return -1;
		run = ++i;
	}
}

int sl_tsv_write_row(sl_writer *w, const sl_str *fields,
		     const unsigned char *kinds, size_t n)
{
	size_t i;

	(void)kinds;

	if (n == 0)
		return sl_writer_no_fields(w);
	for (i = 0; i < n; i++) {
		if (i > 0 && sl_writer_put1(w, '\t') < 0)
			return -1;
		if (tsv_field(w, &fields[i]) < 0)
			return -1;
	}
	return sl_writer_put1(w, '\n');
}
