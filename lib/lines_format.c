/*
 * lines_format.c - the lines format: each line is a record of one field,
 * "line", with no header of its own; written, the fields of a record are
 * joined by tabs.  The lines themselves come from lines.c.
 */
#include "writer.h"

/* ---- reading ---------------------------------------------------------- */

static int lines_next_row(sl_reader *r)
{
	const sl_str *l = sl_lines_next(r->lines);

	if (!l)
		return sl_failed(r->ctx) ? ROW_ERR : ROW_END;
	r->row.n = 1;
	r->row.f = l;
	r->row.line = sl_lines_number(r->lines);
	r->row.offset = sl_lines_offset(r->lines);
	r->row.raw = l->ptr;
	r->row.raw_len = l->len;
	return ROW_OK;
}

int sl_lines_row_open(sl_reader *r)
{
	static const sl_str line = { "line", 4 };

	r->lines = sl_lines_new(r->arena, r->src);
	if (!r->lines || sl_reader_set_names(r, &line, 1) != SL_OK)
		return -1;
	r->header_state = 1;
	r->next_row = lines_next_row;
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

/*
 * Fields joined by tabs, then LF.  A line has no escapes: a LF inside, or
 * a CR at its end (which would read back as part of a CRLF), cannot be
 * written without changing the record, so it is an error.
 */
int sl_lines_write_row(sl_writer *w, const sl_str *fields,
		       const unsigned char *kinds, size_t n)
{
	size_t i;

	(void)kinds;

	for (i = 0; i < n; i++) {
		const sl_str *f = &fields[i];

		if ((f->len && memchr(f->ptr, '\n', f->len)) ||
		    (i + 1 == n && f->len && f->ptr[f->len - 1] == '\r')) {
			char at[SL_WHERE_MAX];

			sl_error(w->ctx, SL_EDATA, "a field %s, which lines"
				 " output cannot hold, %s (write csv, tsv or"
				 " jsonl)", memchr(f->ptr, '\n', f->len) ?
				 "with a line feed in it" :
				 "that ends in a carriage return",
				 sl_writer_where(w, at, sizeof(at)));
			return -1;
		}
		if ((i > 0 && sl_writer_put1(w, '\t') < 0) ||
		    (f->len > 0 && sl_writer_put(w, f->ptr, f->len) < 0))
			return -1;
	}
	return sl_writer_put1(w, '\n');
}
