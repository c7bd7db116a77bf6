/*
 * fuzz_lines.c - the line reader over plain or gzip bytes, alone or as
 * the "lines" format of a reader.
 *
 * Input: byte 0 is fz_ctx()'s, plus bit 6 to gzip the data first and
 * bit 7 to read through sl_reader_open() with SL_FORMAT_LINES (which
 * also drops a byte-order mark); byte 1 the charge to fail; byte 2: bits
 * 0-3 how many lines to read before counting the rest, bit 4 to count,
 * bits 5-7 the gzip level; byte 3 where to cut the data into two gzip
 * members (a fraction of 256; 0 for one).  The rest is the data.
 *
 * Oracle: a plain splitter over the bytes zlib makes of the file.  Every
 * line handed out is the next one, with its number and offset; a last
 * line without an ending only when the input ended well; all lines when
 * there was no error, all complete lines before SL_EDATA; counting gives
 * the number left.
 */
#include "fuzz.h"

/* The reference: lines of s[0..n) from *pos. */
typedef struct lin_ref {
	const unsigned char *s;
	size_t n, pos;
} lin_ref;

/* The next line: 1 and its view, offset and whether '\n' ended it. */
static int lin_next(lin_ref *r, const unsigned char **p, size_t *len,
		    uint64_t *off, int *ended)
{
	const unsigned char *s = r->s + r->pos, *nl;
	size_t left = r->n - r->pos;

	if (!left)
		return 0;
	nl = memchr(s, '\n', left);
	*p = s;
	*off = r->pos;
	if (nl) {
		*len = (size_t)(nl - s);
		if (*len && s[*len - 1] == '\r')
			(*len)--;
		r->pos += (size_t)(nl - s) + 1;
		*ended = 1;
	} else {
		*len = left;       /* a lone '\r' at the end is data */
		r->pos = r->n;
		*ended = 0;
	}
	return 1;
}

/* Lines left: all of them, and those a '\n' ends. */
static void lin_left(const lin_ref *r, uint64_t *all, uint64_t *ended)
{
	size_t i;

	*all = *ended = 0;
	for (i = r->pos; i < r->n; i++)
		*ended += r->s[i] == '\n';
	*all = *ended + (r->pos < r->n && r->s[r->n - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in), fail = fz_byte(&in), mode = fz_byte(&in);
	unsigned cutb = fz_byte(&in);
	int lowfd = fz_lowest_fd(), via_reader = (opt & 0x80) != 0;
	int counting = (mode & 0x10) != 0, whole, ended = 0, fd, did = 0;
	unsigned before_count = mode & 15;
	fz_buf file = { 0 }, stream = { 0 };
	sl_ctx *ctx = fz_ctx(opt, fail);
	sl_arena *a = sl_arena_new(ctx, "fuzz");
	sl_lines *lr = NULL;
	sl_reader *rd = NULL;
	lin_ref ref;
	char path[64];
	uint64_t k = 0, off, all, complete, counted = 0;
	const unsigned char *p;
	size_t len;
	sl_status code;

	if (opt & 0x40)
		fz_gzip(in.p, in.n, in.n * cutb / 256, 1 + (int)(mode >> 5),
			&file);
	else
		fz_put(&file, in.p, in.n);
	fd = fz_memfd(file.p, file.len);
	fz_fd_path(path, sizeof(path), fd);
	whole = fz_stream(file.p, file.len, &stream);
	FZ_CHECK(whole >= 0);
	ref.s = stream.p;
	ref.n = stream.len;
	ref.pos = 0;
	if (via_reader && ref.n >= 3 && memcmp(ref.s, "\xef\xbb\xbf", 3) == 0)
		ref.pos = 3;
	/* offsets count from after the mark */
	ref.s += ref.pos;
	ref.n -= ref.pos;
	ref.pos = 0;

	if (a && via_reader) {
		sl_read_options ro = { .format = SL_FORMAT_LINES };
		size_t nh;
		const sl_str *h;

		rd = sl_reader_open(a, path, &ro);
		h = rd ? sl_reader_header(rd, &nh) : NULL;
		FZ_CHECK(!rd || (h && nh == 1 && h[0].len == 4 &&
				 memcmp(h[0].ptr, "line", 4) == 0));
	} else if (a) {
		lr = sl_lines_open(a, path);
	}
	while (lr || rd) {
		const sl_str *l;

		if (counting && k == before_count) {
			counted = rd ? sl_reader_count(rd) : sl_lines_count(lr);
			did = 1;
			break;
		}
		if (rd) {
			const sl_record *rec = sl_reader_next(rd);

			if (!rec)
				break;
			FZ_CHECK(rec->nfields == 1);
			l = &rec->fields[0];
			FZ_CHECK(lin_next(&ref, &p, &len, &off, &ended));
			FZ_CHECK(rec->number == k + 1 && rec->line == k + 1);
			FZ_CHECK(rec->offset == off);
		} else {
			l = sl_lines_next(lr);
			if (!l)
				break;
			FZ_CHECK(lin_next(&ref, &p, &len, &off, &ended));
			FZ_CHECK(sl_lines_number(lr) == k + 1);
			FZ_CHECK(sl_lines_offset(lr) == off);
		}
		FZ_CHECK(l->len == len);
		FZ_CHECK(len == 0 || memcmp(l->ptr, p, len) == 0);
		FZ_CHECK(ended || whole == 1);
		k++;
	}
	code = sl_errcode(ctx);
	FZ_CHECK(lr || rd || code == SL_ENOMEM);
	lin_left(&ref, &all, &complete);
	if (code == SL_OK) {
		FZ_CHECK(whole == 1);
		FZ_CHECK(counted == (did ? all : 0));
		FZ_CHECK(did || all == 0);
		if (lr)
			FZ_CHECK(sl_lines_number(lr) == k + counted);
	} else if (code != SL_ENOMEM) {
		FZ_CHECK(code == SL_EDATA && whole == 0);
		FZ_CHECK(counted == (did ? complete : 0));
		FZ_CHECK(did || complete == 0);
	}
	fz_ctx_done(ctx);
	close(fd);
	fz_buf_free(&file);
	fz_buf_free(&stream);
	FZ_CHECK(fz_lowest_fd() == lowfd);
	return 0;
}
