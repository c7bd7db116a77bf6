/*
 * json_array.c - the elements of one JSON array, one at a time: the json
 * format's reader hands each to the JSON Lines parser as if it were a
 * line (jsonl.c).
 *
 * Call order: sl_jarr_new() on a source, then sl_jarr_next() until NULL.
 *
 * The stream is one array ('[' first, blank space aside) of objects
 * separated by commas, then nothing but blank space.  An element is
 * copied into a buffer, charged as "json.element" and grown by doubling
 * up to the largest one, with the newlines outside its strings made
 * spaces (a line of JSON Lines has none; one inside a string stays, and
 * the parser refuses it as the raw control byte it is).  The scan follows
 * strings (a '"' ends one unless escaped) and counts brackets outside
 * them, so an element's end is found without parsing it; the parser then
 * checks it whole.  So memory is bounded by the largest element, not by
 * the array.
 *
 * What lies between the elements is checked here: a missing or doubled
 * comma, an element that is not an object, a second value after the
 * array, or an array that never closes is an error that names its line
 * and byte, and ends the reading (a bad element is the parser's: a row
 * that --on-error skip can pass over).
 */
#include <stdio.h>
#include <string.h>

#include "sluice_int.h"

enum { OPEN, FIRST, ELEMENT, AFTER, NEXT, CLOSED };

struct sl_jarr {
	sl_ctx *ctx;
	sl_source *src;
	const char *name;
	const unsigned char *chunk;
	size_t len, pos;
	int state, done;
	uint64_t line, offset;   /* where chunk[pos] is */
	uint64_t lstart;         /* the offset its line starts at */
	uint64_t eline, eoff;    /* where the element last given starts */
	uint64_t ecol;           /* and its column, from 0 */
	size_t *nl;              /* where the element's newlines are in it */
	size_t nnl, nlcap;
	uint64_t n;              /* elements given */
	char *buf;               /* the element */
	size_t blen, bcap;
	int depth, in_str, esc;
	sl_str cur;
};

static void jarr_release(void *arg)
{
	sl_jarr *ja = arg;

	sl_mem_free(ja->buf);
	sl_mem_free(ja->nl);
	ja->buf = NULL;
	ja->nl = NULL;
}

sl_jarr *sl_jarr_new(sl_arena *a, sl_source *src, const char *name,
		     uint64_t line, uint64_t offset)
{
	sl_jarr *ja;

	if (!src)
		return NULL;
	ja = sl_arena_alloc(a, sizeof(*ja));
	if (!ja)
		return NULL;
	memset(ja, 0, sizeof(*ja));
	ja->ctx = sl_arena_ctx(a);
	ja->src = src;
	ja->name = name;
	ja->line = line;
	ja->offset = ja->lstart = offset;   /* blank lines before */
	if (sl_arena_on_release(a, jarr_release, ja) != SL_OK)
		return NULL;
	return ja;
}

uint64_t sl_jarr_line(const sl_jarr *ja)
{
	return ja->eline;
}

uint64_t sl_jarr_offset(const sl_jarr *ja)
{
	return ja->eoff;
}

void sl_jarr_locate(const sl_jarr *ja, size_t at, uint64_t *line,
		    uint64_t *col)
{
	size_t lo = 0, hi = ja->nnl, mid;

	/* the newlines before at: a binary search of their places */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ja->nl[mid] < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	*line = ja->eline + lo;
	*col = lo ? (uint64_t)(at - ja->nl[lo - 1]) : ja->ecol + at + 1;
}

/* A newline at byte at of the element: 0, or -1. */
static int note_newline(sl_jarr *ja, size_t at)
{
	if (ja->nnl == ja->nlcap) {
		size_t cap = ja->nlcap ? 2 * ja->nlcap : 64;
		size_t *v = sl_mem_realloc(ja->ctx, ja->nl, cap * sizeof(*v),
					   "json.element");

		if (!v)
			return -1;
		ja->nl = v;
		ja->nlcap = cap;
	}
	ja->nl[ja->nnl++] = at;
	return 0;
}

/* The error that ends the reading, at the current byte. */
static const sl_str *refuse(sl_jarr *ja, const char *what)
{
	char at[16];
	unsigned char c;

	if (ja->pos < ja->len) {
		c = ja->chunk[ja->pos];
		if (c > 0x20 && c < 0x7f && c != '\'')
			snprintf(at, sizeof(at), "'%c'", c);
		else
			snprintf(at, sizeof(at), "byte 0x%02x", c);
	} else {
		snprintf(at, sizeof(at), "the end");
	}
	ja->done = 1;
	sl_error(ja->ctx, SL_EDATA, "invalid JSON array: %s where %s should"
		 " be, in '%s' at line %llu, byte %llu", at, what, ja->name,
		 (unsigned long long)ja->line, (unsigned long long)ja->offset);
	return NULL;
}

static int put(sl_jarr *ja, const unsigned char *p, size_t n)
{
	if (ja->blen + n > ja->bcap) {
		size_t cap = ja->bcap ? 2 * ja->bcap : 4096;
		char *b;

		while (cap < ja->blen + n)
			cap *= 2;
		b = sl_mem_realloc(ja->ctx, ja->buf, cap, "json.element");
		if (!b)
			return -1;
		ja->buf = b;
		ja->bcap = cap;
	}
	memcpy(ja->buf + ja->blen, p, n);
	ja->blen += n;
	return 0;
}

/* Scan the element from chunk[pos]: 1 when it ended (pos past it), 0 at
 * the chunk's end, -1 on failure. */
static int scan_element(sl_jarr *ja)
{
	const unsigned char *s = ja->chunk, *p = s + ja->pos, *e = s + ja->len;
	const unsigned char *from = p;

	for (; p < e; p++) {
		unsigned char c = *p;

		if (c == '\n') {
			ja->line++;
			ja->lstart = ja->offset + (uint64_t)(p - (s + ja->pos)) + 1;
			ja->esc = 0;
			if (note_newline(ja, ja->blen + (size_t)(p - from)) < 0)
				return -1;
			if (!ja->in_str) {      /* blank space, as ' ' */
				if (put(ja, from, (size_t)(p - from)) < 0 ||
				    put(ja, (const unsigned char *)" ", 1) < 0)
					return -1;
				from = p + 1;
			}
			continue;
		}
		if (ja->in_str) {
			if (ja->esc)
				ja->esc = 0;
			else if (c == '\\')
				ja->esc = 1;
			else if (c == '"')
				ja->in_str = 0;
			continue;
		}
		if (c == '"') {
			ja->in_str = 1;
		} else if (c == '{' || c == '[') {
			ja->depth++;
		} else if ((c == '}' || c == ']') && --ja->depth == 0) {
			p++;
			break;
		}
	}
	if (put(ja, from, (size_t)(p - from)) < 0)
		return -1;
	ja->offset += (uint64_t)(p - (s + ja->pos));
	ja->pos = (size_t)(p - s);
	return ja->depth == 0;
}

static int blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const sl_str *sl_jarr_next(sl_jarr *ja)
{
	int rc;

	while (!ja->done) {
		if (ja->pos == ja->len) {
			ja->chunk = sl_source_next(ja->src, &ja->len);
			ja->pos = 0;
			if (!ja->chunk) {
				ja->len = 0;
				if (sl_failed(ja->ctx))
					return NULL;
				if (ja->state == CLOSED || ja->state == OPEN) {
					ja->done = 1;   /* OPEN: empty */
					return NULL;
				}
				return refuse(ja, ja->state == ELEMENT ?
					      "the rest of an element" :
					      "',' or ']'");
			}
			continue;
		}
		if (ja->state == ELEMENT) {
			rc = scan_element(ja);
			if (rc < 0)
				return NULL;
			if (rc == 0)
				continue;
			ja->state = AFTER;
			ja->n++;
			ja->cur.ptr = ja->buf;
			ja->cur.len = ja->blen;
			return &ja->cur;
		}
		if (blank(ja->chunk[ja->pos])) {
			if (ja->chunk[ja->pos] == '\n') {
				ja->line++;
				ja->lstart = ja->offset + 1;
			}
			ja->pos++;
			ja->offset++;
			continue;
		}
		switch (ja->state) {
		case OPEN:
			if (ja->chunk[ja->pos] != '[')
				return refuse(ja, "'['");
			ja->state = FIRST;
			break;
		case FIRST:
		case NEXT:
			if (ja->state == FIRST && ja->chunk[ja->pos] == ']') {
				ja->state = CLOSED;
				break;
			}
			if (ja->chunk[ja->pos] != '{')
				return refuse(ja, ja->state == FIRST ?
					      "an object or ']'" :
					      "an object");
			ja->state = ELEMENT;
			ja->eline = ja->line;
			ja->eoff = ja->offset;
			ja->ecol = ja->offset - ja->lstart;
			ja->blen = 0;
			ja->nnl = 0;
			ja->depth = ja->in_str = ja->esc = 0;
			continue;       /* the '{' is the element's */
		case AFTER:
			if (ja->chunk[ja->pos] == ',')
				ja->state = NEXT;
			else if (ja->chunk[ja->pos] == ']')
				ja->state = CLOSED;
			else
				return refuse(ja, "',' or ']'");
			break;
		default:        /* CLOSED */
			return refuse(ja, "the end");
		}
		ja->pos++;
		ja->offset++;
	}
	return NULL;
}
