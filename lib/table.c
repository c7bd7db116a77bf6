/*
 * table.c - records as an aligned table for a terminal (sluice table).
 *
 * The first `sample` records are held (copied into one buffer charged as
 * "table.sample"; when the budget has no room for more, fewer are held)
 * and set each column's width: its widest value or name, at most
 * max_width.  They are written, then every later record with the same
 * widths, so memory does not grow with the input.  A column whose
 * sampled values are all numbers is aligned right.
 *
 * Widths are in terminal columns: a character is one column, an East
 * Asian wide or full-width one (CJK, Hangul, most emoji: the ranges in
 * wide()) two, a combining mark none.  What a terminal would act on is
 * shown instead: LF, CR and tab as \n, \r and \t, other control bytes
 * and bytes that are not UTF-8 as '?'.  A value wider than its column is
 * cut with an ellipsis.  Columns are two spaces apart, a row ends with
 * its last value (no blanks after it), and each row is one line: `less
 * -S` scrolls it sideways.
 */
#include <stdio.h>
#include <string.h>

#include "sluice_int.h"

#define SAMPLE_DEFAULT 100
#define WIDTH_DEFAULT 40

struct held {
	char *p;                 /* values, back to back */
	size_t len, cap;
	size_t *lens;            /* nrec * n lengths */
	size_t lcap, nrec;
};

static int wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) ||
		(cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
		(cp >= 0xac00 && cp <= 0xd7a3) ||
		(cp >= 0xf900 && cp <= 0xfaff) ||
		(cp >= 0xfe30 && cp <= 0xfe4f) ||
		(cp >= 0xff00 && cp <= 0xff60) ||
		(cp >= 0xffe0 && cp <= 0xffe6) ||
		(cp >= 0x1f300 && cp <= 0x1f64f) ||
		(cp >= 0x1f900 && cp <= 0x1f9ff) ||
		(cp >= 0x20000 && cp <= 0x3fffd);
}

static int combining(unsigned cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) ||
		(cp >= 0x200b && cp <= 0x200f);
}

/* The next character of p[0..n): its bytes in *len, its code point, or
 * -1 for a byte that does not start valid UTF-8. */
static long next_char(const unsigned char *p, size_t n, size_t *len)
{
	unsigned cp;
	size_t k;

	*len = 1;
	if (p[0] < 0x80)
		return p[0];
	if ((k = sl_utf8_len(p, n)) == 0)
		return -1;
	*len = k;
	cp = k == 2 ? p[0] & 0x1f : k == 3 ? p[0] & 0x0f : p[0] & 0x07;
	while (--k > 0)
		cp = cp << 6 | (*++p & 0x3f);
	return cp;
}

/* How a character shows: into out (at most 4 bytes), its columns. */
static int shown(const unsigned char *p, size_t n, size_t *len, char *out,
		 size_t *olen)
{
	long cp = next_char(p, n, len);

	if (cp == '\n' || cp == '\r' || cp == '\t') {
		out[0] = '\\';
		out[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
		*olen = 2;
		return 2;
	}
	if (cp < 0 || cp < 0x20 || cp == 0x7f) {
		out[0] = '?';
		*olen = 1;
		return 1;
	}
	memcpy(out, p, *len);
	*olen = *len;
	return combining((unsigned)cp) ? 0 : wide((unsigned)cp) ? 2 : 1;
}

/* The columns a value takes. */
static size_t columns(const sl_str *v)
{
	const unsigned char *p = (const unsigned char *)v->ptr;
	size_t at = 0, w = 0, len, olen;
	char out[4];

	while (at < v->len) {
		w += (size_t)shown(p + at, v->len - at, &len, out, &olen);
		at += len;
	}
	return w;
}

struct tab {
	sl_ctx *ctx;
	sl_sink *out;
	size_t n;
	size_t *width;
	unsigned char *right;
	char *row;
	size_t rlen, rcap;
	size_t end;              /* the row up to its last value's end */
	int color;
};

static int row_put(struct tab *t, const void *p, size_t n)
{
	if (t->rlen + n > t->rcap) {
		size_t cap = t->rcap ? t->rcap : 256;
		char *b;

		while (cap < t->rlen + n)
			cap *= 2;
		b = sl_mem_realloc(t->ctx, t->row, cap, "table.row");
		if (!b)
			return -1;
		t->row = b;
		t->rcap = cap;
	}
	memcpy(t->row + t->rlen, p, n);
	t->rlen += n;
	return 0;
}

static int spaces(struct tab *t, size_t n)
{
	static const char sp[32] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) ? n : sizeof(sp);

		if (row_put(t, sp, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* One cell: v in column i, cut or padded to its width. */
static int cell(struct tab *t, size_t i, const sl_str *v)
{
	const unsigned char *p = (const unsigned char *)v->ptr;
	size_t w = t->width[i], used = 0, at = 0, len, olen;
	size_t full = columns(v), room = full > w ? w - 1 : w;
	int last = i + 1 == t->n, c;
	char out[4];

	if (i > 0 && row_put(t, "  ", 2) < 0)
		return -1;
	if (t->right[i] && full < w && spaces(t, w - full) < 0)
		return -1;
	while (at < v->len) {
		c = shown(p + at, v->len - at, &len, out, &olen);
		if (used + (size_t)c > room)
			break;
		if (row_put(t, out, olen) < 0)
			return -1;
		used += (size_t)c;
		at += len;
	}
	if (full > w) {
		if (row_put(t, "\xe2\x80\xa6", 3) < 0)    /* U+2026 */
			return -1;
		used++;
	}
	if (used)
		t->end = t->rlen;
	if (!last && !t->right[i] && used < w)
		return spaces(t, w - used);
	return 0;
}

static sl_status put_row(struct tab *t, const sl_str *f, size_t nf,
			 int header)
{
	static const sl_str empty = { "", 0 };
	size_t i;

	t->rlen = 0;
	if (header && t->color && row_put(t, "\x1b[1m", 4) < 0)
		return sl_errcode(t->ctx);
	t->end = t->rlen;
	for (i = 0; i < t->n; i++)
		if (cell(t, i, i < nf ? &f[i] : &empty) < 0)
			return sl_errcode(t->ctx);
	t->rlen = t->end;        /* no blanks after the last value */
	if (header && t->color && row_put(t, "\x1b[0m", 4) < 0)
		return sl_errcode(t->ctx);
	if (row_put(t, "\n", 1) < 0)
		return sl_errcode(t->ctx);
	return sl_sink_write(t->out, t->row, t->rlen);
}

/* The rule under the header: dashes as wide as each column. */
static sl_status put_rule(struct tab *t)
{
	size_t i, k;

	t->rlen = 0;
	for (i = 0; i < t->n; i++) {
		if (i > 0 && row_put(t, "  ", 2) < 0)
			return sl_errcode(t->ctx);
		for (k = 0; k < t->width[i]; k++)
			if (row_put(t, "-", 1) < 0)
				return sl_errcode(t->ctx);
	}
	if (row_put(t, "\n", 1) < 0)
		return sl_errcode(t->ctx);
	return sl_sink_write(t->out, t->row, t->rlen);
}

/* Hold a copy of rec: 1, or 0 when the budget has no room for it. */
static int hold(sl_ctx *ctx, struct held *h, const sl_record *rec, size_t n)
{
	size_t i, need = 0;
	char *p;
	size_t *l;

	for (i = 0; i < n && i < rec->nfields; i++)
		need += rec->fields[i].len;
	if (h->len + need > h->cap) {
		size_t cap = h->cap ? h->cap : 4096;

		while (cap < h->len + need)
			cap *= 2;
		p = sl_mem_try_realloc(ctx, h->p, cap, "table.sample");
		if (!p)
			return 0;
		h->p = p;
		h->cap = cap;
	}
	if ((h->nrec + 1) * n > h->lcap) {
		size_t cap = h->lcap ? 2 * h->lcap : 64 * (n ? n : 1);

		while (cap < (h->nrec + 1) * n)
			cap *= 2;
		l = sl_mem_try_realloc(ctx, h->lens, cap * sizeof(*l),
				       "table.sample");
		if (!l)
			return 0;
		h->lens = l;
		h->lcap = cap;
	}
	for (i = 0; i < n; i++) {
		size_t len = i < rec->nfields ? rec->fields[i].len : 0;

		if (len)
			memcpy(h->p + h->len, rec->fields[i].ptr, len);
		h->len += len;
		h->lens[h->nrec * n + i] = len;
	}
	h->nrec++;
	return 1;
}

sl_status sl_table(sl_iter *in, sl_sink *out, const sl_table_options *o)
{
	uint64_t sample = o && o->sample ? o->sample : SAMPLE_DEFAULT;
	size_t maxw = o && o->max_width ? o->max_width : WIDTH_DEFAULT;
	struct held h = { 0 };
	struct tab t = { 0 };
	const sl_record *rec = NULL;
	const sl_str *names;
	unsigned char *filled = NULL;
	sl_str *views = NULL;
	sl_status st = SL_OK;
	size_t i, r, at, w;
	sl_ctx *ctx;

	if (!in || !out)
		return SL_EINVAL;
	ctx = sl_iter_ctx(in);
	names = sl_iter_header(in, &t.n);
	if (!names)
		return sl_errcode(ctx);
	t.ctx = ctx;
	t.out = out;
	t.color = o && o->color;
	t.width = sl_mem_alloc(ctx, (t.n ? t.n : 1) * sizeof(*t.width),
			       "table.columns");
	t.right = t.width ? sl_mem_alloc(ctx, t.n ? t.n : 1,
					 "table.columns") : NULL;
	filled = t.right ? sl_mem_alloc(ctx, t.n ? t.n : 1,
					"table.columns") : NULL;
	views = filled ? sl_mem_alloc(ctx, (t.n ? t.n : 1) * sizeof(*views),
				      "table.columns") : NULL;
	if (!views) {
		st = sl_errcode(ctx);
		goto out;
	}
	for (i = 0; i < t.n; i++) {
		t.width[i] = columns(&names[i]);
		t.right[i] = 1;
		filled[i] = 0;
	}
	/* the sample: widths, and which columns hold numbers only */
	while (h.nrec < sample && (rec = sl_iter_next(in)) != NULL) {
		if (!hold(ctx, &h, rec, t.n))
			break;           /* no room: the sample ends here */
		for (i = 0; i < t.n && i < rec->nfields; i++) {
			const sl_str *v = &rec->fields[i];

			w = columns(v);
			if (w > t.width[i])
				t.width[i] = w;
			if (v->len) {
				filled[i] = 1;
				if (t.right[i] && !sl_is_decimal(v->ptr, v->len))
					t.right[i] = 0;
			}
		}
		rec = NULL;
	}
	if (sl_failed(ctx)) {
		st = sl_errcode(ctx);
		goto out;
	}
	for (i = 0; i < t.n; i++) {
		if (t.width[i] > maxw)
			t.width[i] = maxw;
		if (t.width[i] == 0)
			t.width[i] = 1;
		t.right[i] &= filled[i];
	}
	/* the header is never aligned right: put it through as text */
	{
		unsigned char *keep = filled;

		memcpy(keep, t.right, t.n);
		memset(t.right, 0, t.n);
		st = put_row(&t, names, t.n, 1);
		memcpy(t.right, keep, t.n);
	}
	if (st == SL_OK)
		st = put_rule(&t);
	for (r = 0, at = 0; st == SL_OK && r < h.nrec; r++) {
		for (i = 0; i < t.n; i++) {
			views[i].ptr = h.p + at;
			views[i].len = h.lens[r * t.n + i];
			at += views[i].len;
		}
		st = put_row(&t, views, t.n, 0);
	}
	sl_mem_free(h.p);
	sl_mem_free(h.lens);
	h.p = NULL;
	h.lens = NULL;
	/* a record the sample had no room for, then the rest */
	if (st == SL_OK && rec)
		st = put_row(&t, rec->fields, rec->nfields, 0);
	while (st == SL_OK && (rec = sl_iter_next(in)) != NULL)
		st = put_row(&t, rec->fields, rec->nfields, 0);
	if (st == SL_OK && sl_failed(ctx))
		st = sl_errcode(ctx);
out:
	sl_mem_free(h.p);
	sl_mem_free(h.lens);
	sl_mem_free(t.width);
	sl_mem_free(t.right);
	sl_mem_free(filled);
	sl_mem_free(views);
	sl_mem_free(t.row);
	return st;
}
