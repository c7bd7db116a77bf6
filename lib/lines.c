/*
 * lines.c - split a source into lines.
 *
 * Call order: sl_lines_open() (or sl_lines_new() on a source), then
 * sl_lines_next() until NULL, or sl_lines_count() for the number left.
 *
 * A line that lies wholly inside a chunk is handed out as a view into the
 * chunk: no copy.  A line that straddles chunks is gathered in the carry
 * buffer, charged as "line.carry" and grown by doubling; when the ceiling
 * refuses to grow it further, the error names the line.  The carry is
 * emptied at the start of the next call, so each view stays valid until
 * then.  Endings are "\n" and "\r\n"; a lone "\r" is data.
 */
#include <string.h>

#include "sluice_int.h"

struct sl_lines {
	sl_ctx *ctx;
	sl_source *src;
	const unsigned char *chunk;
	size_t len, pos;
	char *carry;
	size_t carry_len, carry_cap;
	int carry_out;         /* the carry was handed out last time */
	int done;
	uint64_t lineno;
	uint64_t chunk_off;    /* stream offset of chunk[0] */
	uint64_t carry_off;    /* stream offset of the carry's first byte */
	uint64_t line_off;     /* stream offset of the line last returned */
	sl_str cur;
};

static void lines_release(void *arg)
{
	sl_lines *lr = arg;

	sl_mem_free(lr->carry);
	lr->carry = NULL;
}

sl_lines *sl_lines_new(sl_arena *a, sl_source *src)
{
	sl_lines *lr;

	if (!src)
		return NULL;
	lr = sl_arena_alloc(a, sizeof(*lr));
	if (!lr)
		return NULL;
	memset(lr, 0, sizeof(*lr));
	lr->ctx = sl_arena_ctx(a);
	lr->src = src;
	if (sl_arena_on_release(a, lines_release, lr) != SL_OK)
		return NULL;
	return lr;
}

sl_lines *sl_lines_open(sl_arena *a, const char *path)
{
	return sl_lines_new(a, sl_source_open(a, path));
}

uint64_t sl_lines_number(const sl_lines *lr)
{
	return lr->lineno;
}

uint64_t sl_lines_offset(const sl_lines *lr)
{
	return lr->line_off;
}

void sl_lines_skipped(sl_lines *lr, uint64_t lines, uint64_t bytes)
{
	lr->lineno += lines;
	lr->chunk_off += bytes;
}

void sl_lines_restart(sl_lines *lr, uint64_t offset)
{
	lr->chunk = NULL;
	lr->len = lr->pos = 0;
	lr->carry_len = 0;
	lr->carry_out = 0;
	lr->done = 0;
	lr->lineno = 0;
	lr->chunk_off = offset;
	lr->carry_off = lr->line_off = 0;
}

static int carry_append(sl_lines *lr, const unsigned char *p, size_t n)
{
	size_t need = lr->carry_len + n;
	char *c;

	if (lr->carry_len == 0)
		lr->carry_off = lr->chunk_off + (uint64_t)(p - lr->chunk);
	if (need > lr->carry_cap) {
		size_t cap = lr->carry_cap ? lr->carry_cap * 2 : 256;

		if (cap < need)
			cap = need;
		c = sl_mem_try_realloc(lr->ctx, lr->carry, cap, "line.carry");
		if (!c) {
			cap = need;
			c = sl_mem_try_realloc(lr->ctx, lr->carry, cap,
					       "line.carry");
		}
		if (!c) {
			char held[32], ceil[32];

			sl_error(lr->ctx, SL_ENOMEM,
				 "line %llu of '%s' is longer than the memory"
				 " ceiling of %s allows (%s read so far; raise"
				 " --max-memory)",
				 (unsigned long long)lr->lineno + 1,
				 sl_source_name(lr->src),
				 sl_format_size(ceil, sizeof(ceil),
					     sl_mem_ceiling(lr->ctx)),
				 sl_format_size(held, sizeof(held), need));
			return -1;
		}
		lr->carry = c;
		lr->carry_cap = cap;
	}
	memcpy(lr->carry + lr->carry_len, p, n);
	lr->carry_len = need;
	return 0;
}

static const sl_str *emit(sl_lines *lr, const char *p, size_t n, int crlf)
{
	if (crlf && n > 0 && p[n - 1] == '\r')
		n--;
	lr->cur.ptr = p;
	lr->cur.len = n;
	lr->lineno++;
	return &lr->cur;
}

const sl_str *sl_lines_next(sl_lines *lr)
{
	if (lr->carry_out) {
		lr->carry_len = 0;
		lr->carry_out = 0;
	}
	while (!lr->done) {
		if (lr->pos < lr->len) {
			const unsigned char *s = lr->chunk + lr->pos;
			size_t n = lr->len - lr->pos;
			const unsigned char *nl = memchr(s, '\n', n);

			if (nl) {
				size_t k = (size_t)(nl - s);

				lr->pos += k + 1;
				if (lr->carry_len == 0) {
					lr->line_off = lr->chunk_off + (uint64_t)
						(s - lr->chunk);
					return emit(lr, (const char *)s, k, 1);
				}
				if (carry_append(lr, s, k) < 0)
					return NULL;
				lr->carry_out = 1;
				lr->line_off = lr->carry_off;
				return emit(lr, lr->carry, lr->carry_len, 1);
			}
			lr->pos = lr->len;
			if (carry_append(lr, s, n) < 0)
				return NULL;
		}
		lr->pos = 0;
		lr->chunk_off += lr->len;
		lr->chunk = sl_source_next(lr->src, &lr->len);
		if (!lr->chunk) {
			lr->len = 0;
			lr->done = 1;
			if (sl_failed(lr->ctx) || lr->carry_len == 0)
				return NULL;
			lr->carry_out = 1;   /* a last line with no ending */
			lr->line_off = lr->carry_off;
			return emit(lr, lr->carry, lr->carry_len, 0);
		}
	}
	return NULL;
}

/* Newlines in p[0..n): fixed-width blocks so the compiler vectorizes. */
static uint64_t count_newlines(const unsigned char *p, size_t n)
{
	uint64_t total = 0;
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		unsigned c = 0;

		for (size_t j = 0; j < 64; j++)
			c += p[i + j] == '\n';
		total += c;
	}
	for (; i < n; i++)
		total += p[i] == '\n';
	return total;
}

uint64_t sl_lines_count(sl_lines *lr)
{
	uint64_t count = 0;
	int open_line;   /* bytes seen since the last newline */

	if (lr->carry_out) {
		lr->carry_len = 0;
		lr->carry_out = 0;
	}
	open_line = lr->carry_len > 0;
	lr->carry_len = 0;
	while (!lr->done) {
		if (lr->pos < lr->len) {
			count += count_newlines(lr->chunk + lr->pos,
						lr->len - lr->pos);
			open_line = lr->chunk[lr->len - 1] != '\n';
		}
		lr->pos = 0;
		lr->chunk = sl_source_next(lr->src, &lr->len);
		if (!lr->chunk) {
			lr->len = 0;
			lr->done = 1;
		}
	}
	if (open_line && !sl_failed(lr->ctx))
		count++;
	lr->lineno += count;
	return count;
}
