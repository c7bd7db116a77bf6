/*
 * jsonl.c - the JSON Lines format: one object per line, read by a strict
 * RFC 8259 parser of its own, and written (the end of the file).
 *
 * Each non-blank line is checked and taken apart in one pass.  The parser
 * refuses what the RFC refuses (a raw control byte anywhere, invalid
 * UTF-8, a bad escape or number, a lone surrogate escape, which UTF-8
 * cannot carry, anything after the object) and keys repeated in one
 * object, at any depth: a repeat would make one of the values vanish.
 * Numbers are checked against the grammar and never converted, so any
 * size or precision is valid and keeps its text (1e400, 1.50, -0).
 * Nesting is followed with a stack of at most MAX_DEPTH levels.
 *
 * Each top-level value becomes a field with its kind (sl_kind): a string
 * without escapes is a view into the line, one with escapes is decoded
 * into a buffer; numbers, true and false keep their text; null is empty;
 * a nested array or object becomes compact JSON text (the whitespace
 * outside its strings dropped).
 *
 * The first object's keys name the fields (or the names given in the
 * options).  Keys are looked up where they were in the previous object
 * first, so objects that keep the same order cost one comparison a key;
 * a key the header lacks makes the row bad, a missing one an absent
 * field (SL_KIND_ABSENT, empty).  A repeated top-level key is found with
 * a stamp per header field; the keys of the first object and of nested
 * objects are compared when the object closes.
 *
 * jansson is not used here: partial states (agg.c) are read with it, and
 * sl_json_parse_cost() and sl_json_fits() bound what it takes.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

/* Deeper nesting is refused: the limit of most JSON parsers. */
#define MAX_DEPTH 2048

typedef struct key {
	const char *p;         /* the key's text between its quotes */
	size_t n;
	int esc;               /* it has escapes */
} key;

typedef struct jsonl_state {
	sl_str *views;         /* one per header name */
	size_t vcap;           /* bytes, as are the other caps */
	unsigned char *kinds;  /* one per header name */
	size_t kcap_kinds;
	uint64_t *seen;        /* the row stamp that last set each field */
	size_t seen_bytes;
	uint64_t stamp;
	sl_str *keys;          /* the first object's keys */
	size_t kcap;
	char *vbuf;            /* decoded values, then decoded keys */
	size_t vlen, vcap_bytes;
	size_t *slot;          /* header index of each key, by position */
	size_t slot_bytes;
	size_t nslots;         /* positions seen so far */
	int named;             /* the header is known */
	size_t *index;         /* wide headers: name hash -> index + 1 */
	size_t mask;           /* the index's slots - 1 */
	key *kstack;           /* keys of the objects being parsed */
	size_t kstack_bytes;
	size_t nk;
	size_t *frames;        /* per open container: its first key in
				* kstack, or (size_t)-1 for an array */
	size_t frames_bytes;
	unsigned char *pend;   /* per header name: 1 a string to decode,
				* 2 a nested value to compact, 0 neither */
	size_t pend_bytes;
	char *kbuf;            /* decoded keys */
	size_t kbuf_bytes, klen;
	char *dbuf;            /* keys decoded to be compared */
	size_t dbuf_bytes;
	sl_str *dviews;
	size_t dviews_bytes;
	sl_jarr *jarr;         /* one array's elements, instead of lines */
	sl_str *cnames;        /* collecting: the header, grown as keys come
				* (the reader's names point here) */
	size_t cnames_bytes;
} jsonl_state;

/* Headers wider than this get a hash index of their names. */
#define INDEX_MIN 32

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void set_hooks(void)
{
	json_set_alloc_funcs(sl_hook_malloc, sl_hook_free);
}

/*
 * An upper bound of what json_loadb() takes to parse p[0..n): jansson
 * spends at most 140 bytes of budget per value, key or container
 * (measured: an array of empty objects, the worst shape, takes 137 per
 * '{' and ','), and copies strings about three times (the token buffer
 * grows by doubling, then the value).  The callers parse only when the
 * budget has this much room, because jansson cannot take a refusal in
 * the middle of a string (see sl_hook_enter_lenient()).  jansson stops
 * at its depth limit (2048), so what lies deeper is never parsed.
 */
size_t sl_json_parse_cost(const char *p, size_t n)
{
	size_t tokens = 1, i, depth = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			tokens++;
			if (++depth > 2048)
				break;
		} else if (c == ']' || c == '}') {
			depth -= depth > 0;
		} else if (c == ',' || c == ':') {
			tokens++;
		}
	}
	return 160 * tokens + 4 * n + (64 << 10);
}

/*
 * Room in the budget to parse p[0..n)?  Every token takes a byte, so
 * when the bound for n + 1 tokens fits, the line need not be scanned:
 * the usual case, short lines under a roomy ceiling.
 */
int sl_json_fits(sl_ctx *ctx, const char *p, size_t n)
{
	size_t used = sl_mem_in_use(ctx), cap = sl_mem_ceiling(ctx);
	size_t room = used <= cap ? cap - used : 0;

	if (n < room / 164 && 164 * n + 160 + (64 << 10) <= room)
		return 1;
	return sl_json_parse_cost(p, n) <= room;
}

void sl_json_init(void)
{
	pthread_once(&hooks_once, set_hooks);
}

static void jsonl_release(void *arg)
{
	jsonl_state *js = arg;

	sl_mem_free(js->views);
	sl_mem_free(js->kinds);
	sl_mem_free(js->seen);
	sl_mem_free(js->keys);
	sl_mem_free(js->vbuf);
	sl_mem_free(js->slot);
	sl_mem_free(js->index);
	sl_mem_free(js->kstack);
	sl_mem_free(js->frames);
	sl_mem_free(js->dbuf);
	sl_mem_free(js->dviews);
	sl_mem_free(js->pend);
	sl_mem_free(js->kbuf);
	sl_mem_free(js->cnames);
	memset(js, 0, sizeof(*js));
}

/* Grow *buf to need bytes: to twice its size, or to need when that is
 * more (a long line asks for just what it needs). */
static int reserve(sl_reader *r, void **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? 2 * *cap : 256;
	void *p;

	if (need <= *cap)
		return 0;
	if (n < need)
		n = need;
	p = sl_mem_realloc(r->ctx, *buf, n, "jsonl.fields");
	if (!p)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

/* ---- scanning validated JSON ----------------------------------------- */

/* p at a '"': the byte after the closing quote; *esc if any '\\'. */
static const char *end_string(const char *p, const char *e, int *esc)
{
	*esc = 0;
	for (p++; p < e; p++) {
		if (*p == '\\') {
			*esc = 1;
			p++;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return e;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
	}
	return v;
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the inside of a JSON string (p..e without quotes) into out,
 * which has room for e - p bytes (decoding never grows the text). */
static size_t decode_string(char *out, const char *p, const char *e)
{
	size_t k = 0;

	while (p < e) {
		unsigned cp;

		if (*p != '\\') {
			out[k++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'b': out[k++] = '\b'; p++; continue;
		case 'f': out[k++] = '\f'; p++; continue;
		case 'n': out[k++] = '\n'; p++; continue;
		case 'r': out[k++] = '\r'; p++; continue;
		case 't': out[k++] = '\t'; p++; continue;
		case 'u': break;
		default: out[k++] = *p++; continue;   /* " \ / */
		}
		cp = hex4(p + 1);
		p += 5;
		if (cp >= 0xd800 && cp <= 0xdbff && e - p >= 6 && p[0] == '\\' &&
		    p[1] == 'u') {
			unsigned lo = hex4(p + 2);

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
					(lo - 0xdc00);
				p += 6;
			}
		}
		k += put_utf8(out + k, cp);
	}
	return k;
}

/* Copy JSON text without the whitespace outside strings. */
static size_t compact(char *out, const char *p, const char *e)
{
	size_t k = 0;
	int esc;

	while (p < e) {
		if (*p == '"') {
			const char *q = end_string(p, e, &esc);

			memcpy(out + k, p, (size_t)(q - p));
			k += (size_t)(q - p);
			p = q;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' ||
			   *p == '\n') {
			p++;
		} else {
			out[k++] = *p++;
		}
	}
	return k;
}

/* ---- checking JSON ------------------------------------------------------ */

typedef struct jp {
	sl_reader *r;
	jsonl_state *js;
	const unsigned char *s, *p, *e;   /* the line, where we are, its end */
	const unsigned char *at;          /* where it went wrong */
	char why[160];
	int oom;
} jp;

/* Bytes that need no look inside a string: 0x20..0xff but '"', '\\'
 * and the bytes >= 0x80 (which start UTF-8 sequences). */
static unsigned char plain[256];
static pthread_once_t plain_once = PTHREAD_ONCE_INIT;

static void set_plain(void)
{
	int c;

	for (c = 0x20; c < 0x80; c++)
		plain[c] = c != '"' && c != '\\';
}

static __attribute__((format(printf, 3, 4)))
int fail(jp *j, const unsigned char *at, const char *fmt, ...)
{
	va_list ap;

	j->at = at;
	va_start(ap, fmt);
	vsnprintf(j->why, sizeof(j->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* What a byte is, for messages: 'x', or byte 0x01. */
static const char *show(char *buf, size_t n, unsigned char c)
{
	if (c > 0x20 && c < 0x7f && c != '\'')
		snprintf(buf, n, "'%c'", c);
	else
		snprintf(buf, n, "byte 0x%02x", c);
	return buf;
}

static int unexpected(jp *j, const char *wanted)
{
	char b[16];

	if (j->p == j->e)
		return fail(j, j->p, "the line ends where %s should be",
			    wanted);
	return fail(j, j->p, "%s where %s should be",
		    show(b, sizeof(b), *j->p), wanted);
}

static void jws(jp *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' ||
			       *j->p == '\r'))
		j->p++;
}

static int hexval(const unsigned char *p, const unsigned char *e,
		  unsigned *v)
{
	int i;

	*v = 0;
	if (e - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return 0;
}

/* j->p at '"': check the string; j->p ends after its closing quote.
 * *esc: it has escapes. */
static int jstring(jp *j, int *esc)
{
	const unsigned char *p = j->p + 1, *e = j->e;
	unsigned cp, lo;
	size_t k;

	*esc = 0;
	for (;;) {
		while (p < e && plain[*p])
			p++;
		if (p == e)
			return fail(j, j->p, "a string is not closed");
		if (*p == '"') {
			j->p = p + 1;
			return 0;
		}
		if (*p == '\\') {
			*esc = 1;
			if (p + 1 == e)
				return fail(j, j->p, "a string is not closed");
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				break;
			default:
				return fail(j, p, "invalid escape '\\%c'",
					    p[1] >= 0x20 && p[1] < 0x7f ?
					    p[1] : '?');
			}
			if (hexval(p + 2, e, &cp) < 0)
				return fail(j, p, "invalid \\u escape");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(j, p, "lone surrogate \\u%04x (UTF-8"
					    " cannot hold it)", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (e - p < 12 || p[6] != '\\' ||
				    p[7] != 'u' ||
				    hexval(p + 8, e, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(j, p, "lone surrogate \\u%04x"
						    " (UTF-8 cannot hold it)",
						    cp);
				p += 6;
			}
			p += 6;
			continue;
		}
		if (*p < 0x20)
			return fail(j, p, "control byte 0x%02x in a string"
				    " (write it as \\u%04x)", *p, *p);
		k = sl_utf8_len(p, (size_t)(e - p));
		if (k == 0)
			return fail(j, p, "invalid UTF-8 (byte 0x%02x)", *p);
		p += k;
	}
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* j->p at '-' or a digit: the RFC 8259 number grammar. */
static int jnumber(jp *j)
{
	const unsigned char *p = j->p, *e = j->e;

	if (*p == '-')
		p++;
	if (p < e && *p == '0') {
		p++;
	} else if (p < e && *p >= '1' && *p <= '9') {
		while (p < e && is_digit(*p))
			p++;
	} else {
		return fail(j, j->p, "invalid number");
	}
	if (p < e && *p == '.') {
		if (++p == e || !is_digit(*p))
			return fail(j, j->p, "invalid number (no digit after"
				    " the point)");
		while (p < e && is_digit(*p))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || !is_digit(*p))
			return fail(j, j->p, "invalid number (no digit in the"
				    " exponent)");
		while (p < e && is_digit(*p))
			p++;
	}
	if (p < e && (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E'))
		return fail(j, j->p, "invalid number (a leading zero, or"
			    " misplaced '%c')", *p);
	j->p = p;
	return 0;
}

static int jword(jp *j, const char *w, size_t n)
{
	if ((size_t)(j->e - j->p) < n || memcmp(j->p, w, n) != 0)
		return unexpected(j, "a value");
	j->p += n;
	return 0;
}

/* A value that is not an array or object; its kind into *kind. */
static int jscalar(jp *j, unsigned char *kind)
{
	int esc;

	if (j->p == j->e)
		return unexpected(j, "a value");
	switch (*j->p) {
	case '"':
		*kind = SL_KIND_STRING;
		return jstring(j, &esc);
	case 't':
		*kind = SL_KIND_BOOL;
		return jword(j, "true", 4);
	case 'f':
		*kind = SL_KIND_BOOL;
		return jword(j, "false", 5);
	case 'n':
		*kind = SL_KIND_NULL;
		return jword(j, "null", 4);
	default:
		*kind = SL_KIND_NUMBER;
		if (*j->p == '-' || is_digit(*j->p))
			return jnumber(j);
		return unexpected(j, "a value");
	}
}

static int grow_to(jp *j, void **buf, size_t *bytes, size_t need)
{
	if (need <= *bytes)
		return 0;
	if (reserve(j->r, buf, bytes, need) < 0) {
		j->oom = 1;
		return -1;
	}
	return 0;
}

/* Remember a key of the innermost object, to compare when it closes. */
static int push_key(jp *j, const unsigned char *ks, const unsigned char *ke,
		    int esc)
{
	jsonl_state *js = j->js;

	if (grow_to(j, (void **)&js->kstack, &js->kstack_bytes,
		    (js->nk + 1) * sizeof(key)) < 0)
		return -1;
	js->kstack[js->nk].p = (const char *)ks + 1;
	js->kstack[js->nk].n = (size_t)(ke - ks) - 2;
	js->kstack[js->nk].esc = esc;
	js->nk++;
	return 0;
}

typedef struct dkey {
	const char *p;
	size_t n;
	size_t i;          /* in kstack */
} dkey;

static int dkey_cmp(const void *x, const void *y)
{
	const dkey *a = x, *b = y;
	int c;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	c = a->n ? memcmp(a->p, b->p, a->n) : 0;
	if (c)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* The keys kstack[from..nk) of one object must differ (decoded: "a" and
 * "\u0061" are one key).  Pops them. */
static int unique_keys(jp *j, size_t from)
{
	jsonl_state *js = j->js;
	size_t n = js->nk - from, i, k, total = 0, at = 0, dup = 0;
	dkey *d;

	if (n < 2) {
		js->nk = from;
		return 0;
	}
	for (i = from; i < js->nk; i++)
		total += js->kstack[i].esc ? js->kstack[i].n : 0;
	if (grow_to(j, (void **)&js->dviews, &js->dviews_bytes,
		    n * sizeof(dkey)) < 0 ||
	    grow_to(j, (void **)&js->dbuf, &js->dbuf_bytes, total + 1) < 0)
		return -1;
	d = (dkey *)js->dviews;
	for (i = 0; i < n; i++) {
		const key *kk = &js->kstack[from + i];

		d[i].i = from + i;
		if (!kk->esc) {
			d[i].p = kk->p;
			d[i].n = kk->n;
			continue;
		}
		d[i].p = js->dbuf + at;
		d[i].n = decode_string(js->dbuf + at, kk->p, kk->p + kk->n);
		at += d[i].n;
	}
	if (n <= 8) {
		for (i = 1; i < n && !dup; i++)
			for (k = 0; k < i && !dup; k++)
				if (d[i].n == d[k].n &&
				    memcmp(d[i].p, d[k].p, d[i].n) == 0)
					dup = d[i].i + 1;
	} else {
		qsort(d, n, sizeof(*d), dkey_cmp);
		for (i = 1; i < n && !dup; i++)
			if (d[i].n == d[i - 1].n &&
			    memcmp(d[i].p, d[i - 1].p, d[i].n) == 0)
				dup = d[i].i + 1;
	}
	js->nk = from;
	if (dup) {
		const key *kk = &js->kstack[dup - 1];

		return fail(j, (const unsigned char *)kk->p - 1,
			    "key \"%.*s\" is repeated in one object",
			    kk->n > 100 ? 100 : (int)kk->n, kk->p);
	}
	return 0;
}

/*
 * j->p at '{' or '[': check the whole value, nested to any depth up to
 * MAX_DEPTH, with a stack of open containers; j->p ends after it.
 */
static int jnested(jp *j, int depth)
{
	enum { VALUE, KEY_OR_END, KEY, VALUE_OR_END, AFTER };
	jsonl_state *js = j->js;
	size_t base = 0, *fr;
	int want = VALUE, esc;
	unsigned char kind;

	for (;;) {
		if (want == AFTER && depth == 0)
			return 0;
		jws(j);
		if (want != VALUE && want != AFTER && j->p == j->e)
			return unexpected(j, want == KEY ? "a key" :
					  "a value or the end");
		switch (want) {
		case VALUE:
			if (j->p < j->e && (*j->p == '{' || *j->p == '[')) {
				if (depth >= MAX_DEPTH)
					return fail(j, j->p, "maximum nesting"
						    " depth of %d reached",
						    MAX_DEPTH);
				if (grow_to(j, (void **)&js->frames,
					    &js->frames_bytes,
					    (size_t)(depth + 1) *
					    sizeof(size_t)) < 0)
					return -1;
				fr = js->frames;
				fr[depth++] = *j->p == '{' ? js->nk :
					(size_t)-1;
				want = *j->p == '{' ? KEY_OR_END :
					VALUE_OR_END;
				j->p++;
				continue;
			}
			if (jscalar(j, &kind) < 0)
				return -1;
			want = AFTER;
			continue;
		case KEY_OR_END:
			if (*j->p == '}') {
				j->p++;
				depth--;
				want = AFTER;
				continue;
			}
			/* fall through */
		case KEY: {
			const unsigned char *ks = j->p;

			if (*j->p != '"')
				return unexpected(j, "a key (a string)");
			if (jstring(j, &esc) < 0 ||
			    push_key(j, ks, j->p, esc) < 0)
				return -1;
			jws(j);
			if (j->p == j->e || *j->p != ':')
				return unexpected(j, "':' after a key");
			j->p++;
			want = VALUE;
			continue;
		}
		case VALUE_OR_END:
			if (*j->p == ']') {
				j->p++;
				depth--;
				want = AFTER;
				continue;
			}
			want = VALUE;
			continue;
		case AFTER:
			base = js->frames[depth - 1];
			if (j->p < j->e && *j->p == ',') {
				j->p++;
				want = base == (size_t)-1 ? VALUE : KEY;
				continue;
			}
			if (base == (size_t)-1) {
				if (j->p == j->e || *j->p != ']')
					return unexpected(j, "',' or ']'");
			} else {
				if (j->p == j->e || *j->p != '}')
					return unexpected(j, "',' or '}'");
				if (unique_keys(j, base) < 0)
					return -1;
			}
			j->p++;
			depth--;
			continue;
		}
	}
}

/* ---- rows ------------------------------------------------------------- */

static size_t hash_name(const char *k, size_t n)
{
	return (size_t)sl_hash64(k, n);
}

/*
 * Objects that reorder their keys miss the guess below for every key; in
 * a wide header, a linear search for each would make one object of n keys
 * cost n * n.  So a wide header gets a hash table of its names, built
 * once: linear probing, the first of equal names found first.
 */
static int build_index(sl_ctx *ctx, jsonl_state *js, const sl_str *names,
		       size_t n, size_t *dup)
{
	size_t cap = 2 * INDEX_MIN, i, h;

	*dup = 0;
	while (cap < 2 * n)
		cap *= 2;
	js->index = sl_mem_alloc(ctx, cap * sizeof(*js->index),
				 "jsonl.fields");
	if (!js->index)
		return -1;
	memset(js->index, 0, cap * sizeof(*js->index));
	js->mask = cap - 1;
	for (i = 0; i < n; i++) {
		const sl_str *nm = &names[i];

		h = hash_name(nm->ptr, nm->len) & js->mask;
		while (js->index[h]) {
			const sl_str *o = &names[js->index[h] - 1];

			if (!*dup && o->len == nm->len &&
			    memcmp(o->ptr, nm->ptr, nm->len) == 0)
				*dup = i + 1;
			h = (h + 1) & js->mask;
		}
		js->index[h] = i + 1;
	}
	return 0;
}

/* The first header name that repeats an earlier one, + 1; 0 if none.
 * Wide headers find it while indexing their names. */
static int repeated_name(sl_ctx *ctx, jsonl_state *js, const sl_str *names,
			 size_t n, size_t *dup)
{
	size_t i, k;

	*dup = 0;
	if (n > INDEX_MIN)
		return build_index(ctx, js, names, n, dup);
	for (i = 1; i < n && !*dup; i++)
		for (k = 0; k < i && !*dup; k++)
			if (names[i].len == names[k].len &&
			    memcmp(names[i].ptr, names[k].ptr,
				   names[i].len) == 0)
				*dup = i + 1;
	return 0;
}

/* The header index for a key at position pos; (size_t)-1 if none. */
static size_t find_key(sl_reader *r, jsonl_state *js, size_t pos,
		       const char *k, size_t klen)
{
	size_t i, guess = pos < js->nslots ? js->slot[pos] : pos;

	if (guess < r->nnames && r->names[guess].len == klen &&
	    memcmp(r->names[guess].ptr, k, klen) == 0)
		return guess;
	if (js->index) {
		for (i = hash_name(k, klen) & js->mask; js->index[i];
		     i = (i + 1) & js->mask) {
			const sl_str *nm = &r->names[js->index[i] - 1];

			if (nm->len == klen && memcmp(nm->ptr, k, klen) == 0)
				return js->index[i] - 1;
		}
		return (size_t)-1;
	}
	for (i = 0; i < r->nnames; i++)
		if (r->names[i].len == klen &&
		    memcmp(r->names[i].ptr, k, klen) == 0)
			return i;
	return (size_t)-1;
}

/*
 * Collecting (r->collect): add a key the header lacks to it, as the
 * field r->nnames; its index, or (size_t)-1 with the error recorded.
 * The names move to a buffer of the module's that grows by doubling;
 * each name is copied into the reader's arena, so memory grows with the
 * number of distinct keys only.  A wide header's hash index takes the
 * new name, and is built again, twice as big, when it is half full.
 */
static size_t add_name(sl_reader *r, jsonl_state *js, const char *k,
		       size_t klen)
{
	size_t n = r->nnames, h, dup;
	int first = r->names != js->cnames;   /* still the reader's own */
	char *copy;

	if (reserve(r, (void **)&js->cnames, &js->cnames_bytes,
		    (n + 1) * sizeof(sl_str)) < 0)
		return (size_t)-1;
	if (first && n)
		memcpy(js->cnames, r->names, n * sizeof(sl_str));
	copy = sl_arena_alloc(r->arena, klen ? klen : 1);
	if (!copy)
		return (size_t)-1;
	memcpy(copy, k, klen);
	js->cnames[n].ptr = copy;
	js->cnames[n].len = klen;
	r->names = js->cnames;
	r->nnames = n + 1;
	if (reserve(r, (void **)&js->views, &js->vcap,
		    (n + 1) * sizeof(sl_str)) < 0 ||
	    reserve(r, (void **)&js->kinds, &js->kcap_kinds, n + 1) < 0 ||
	    reserve(r, (void **)&js->pend, &js->pend_bytes, n + 1) < 0)
		return (size_t)-1;
	if (js->seen_bytes < (n + 1) * sizeof(uint64_t)) {
		size_t old = js->seen_bytes;

		if (reserve(r, (void **)&js->seen, &js->seen_bytes,
			    (n + 1) * sizeof(uint64_t)) < 0)
			return (size_t)-1;
		memset((char *)js->seen + old, 0, js->seen_bytes - old);
	}
	js->views[n].ptr = "";
	js->views[n].len = 0;
	js->kinds[n] = SL_KIND_ABSENT;
	if (js->index && 2 * (n + 1) <= js->mask + 1) {
		for (h = hash_name(k, klen) & js->mask; js->index[h];
		     h = (h + 1) & js->mask)
			;
		js->index[h] = n + 1;
	} else if (js->index || n + 1 > INDEX_MIN) {
		sl_mem_free(js->index);
		js->index = NULL;
		if (build_index(r->ctx, js, r->names, n + 1, &dup) < 0)
			return (size_t)-1;
	}
	return n;
}

/* The row is bad: say why and where (the column, from 1). */
static int bad_json(sl_reader *r, const jp *j)
{
	jsonl_state *js = j->js;
	uint64_t line, col;

	if (js->jarr) {          /* an element may have many lines */
		sl_jarr_locate(js->jarr, (size_t)(j->at - j->s), &line, &col);
		snprintf(r->row.bad, sizeof(r->row.bad),
			 "invalid JSON: %s (line %llu, column %llu)", j->why,
			 (unsigned long long)line, (unsigned long long)col);
		return ROW_BAD;
	}
	snprintf(r->row.bad, sizeof(r->row.bad),
		 "invalid JSON: %s (column %zu)",
		 j->why, (size_t)(j->at - j->s) + 1);
	return ROW_BAD;
}

/*
 * Check one line and take its object apart into js->views and js->kinds,
 * one per header name.  When naming, the keys of this first object
 * become the header.  The scan leaves strings with escapes and nested
 * values as spans of the line, marked in js->pend; once the line is
 * known good they are decoded into vbuf, sized to just what they need
 * (decoding never grows text), so no view moves and a long value with
 * nothing to decode costs nothing but the line.
 */
static int parse_row(sl_reader *r, jsonl_state *js, const char *line,
		     size_t len, int naming)
{
	jp j;
	size_t pos = 0, nkeys = 0, idx, klen, need = 0, i, dup, need_k;
	const unsigned char *ks, *vs;
	const char *key;
	unsigned char kind, pend;
	int esc, vesc;

	memset(&j, 0, sizeof(j));
	j.r = r;
	j.js = js;
	j.s = j.p = (const unsigned char *)line;
	j.e = j.s + len;
	js->nk = 0;
	js->stamp++;
	/* decoded keys: all of the first object's, kept until they name
	 * the fields (their views are set once kbuf stops moving); later
	 * ones one at a time */
	js->klen = 0;
	jws(&j);
	if (j.p == j.e || *j.p != '{') {
		char b[16];

		snprintf(r->row.bad, sizeof(r->row.bad),
			 "not a JSON object (it starts"
			 " with %s)", show(b, sizeof(b), *j.p));
		return ROW_BAD;
	}
	j.p++;
	jws(&j);
	if (j.p < j.e && *j.p == '}') {
		j.p++;
		goto closed;
	}
	for (;; pos++) {
		sl_str *v;

		jws(&j);
		ks = j.p;
		if (j.p == j.e || *j.p != '"') {
			unexpected(&j, "a key (a string)");
			goto bad;
		}
		if (jstring(&j, &esc) < 0)
			goto bad;
		key = (const char *)ks + 1;
		klen = (size_t)(j.p - ks) - 2;
		if (esc) {
			size_t at = naming ? js->klen : 0;

			if (reserve(r, (void **)&js->kbuf, &js->kbuf_bytes,
				    at + klen + 1) < 0)
				return ROW_ERR;
			klen = decode_string(js->kbuf + at, key, key + klen);
			key = js->kbuf + at;
			if (naming)
				js->klen += klen;
		}
		jws(&j);
		if (j.p == j.e || *j.p != ':') {
			unexpected(&j, "':' after a key");
			goto bad;
		}
		j.p++;
		jws(&j);
		vs = j.p;
		vesc = 0;
		if (j.p < j.e && (*j.p == '{' || *j.p == '[')) {
			kind = SL_KIND_NESTED;
			if (jnested(&j, 0) < 0)
				goto bad;
		} else if (j.p < j.e && *j.p == '"') {
			kind = SL_KIND_STRING;
			if (jstring(&j, &vesc) < 0)
				goto bad;
		} else if (jscalar(&j, &kind) < 0) {
			goto bad;
		}
		nkeys++;
		if (naming) {
			idx = pos;
			if (reserve(r, (void **)&js->keys, &js->kcap,
				    (pos + 1) * sizeof(sl_str)) < 0 ||
			    reserve(r, (void **)&js->views, &js->vcap,
				    (pos + 1) * sizeof(sl_str)) < 0 ||
			    reserve(r, (void **)&js->kinds, &js->kcap_kinds,
				    pos + 1) < 0 ||
			    reserve(r, (void **)&js->pend, &js->pend_bytes,
				    pos + 1) < 0)
				return ROW_ERR;
			js->keys[pos].ptr = esc ? NULL : key;  /* see below */
			js->keys[pos].len = klen;
		} else {
			idx = find_key(r, js, pos, key, klen);
			if (idx == (size_t)-1 && r->collect) {
				idx = add_name(r, js, key, klen);
				if (idx == (size_t)-1)
					return ROW_ERR;
			} else if (idx == (size_t)-1) {
				snprintf(r->row.bad, sizeof(r->row.bad),
					 "key '%.*s' is not in the header (the"
					 " first object's keys; --keys union"
					 " takes every object's)",
					 klen > 200 ? 200 : (int)klen, key);
				return ROW_BAD;
			}
			if (js->seen[idx] == js->stamp) {
				fail(&j, ks, "key \"%.*s\" is repeated in one"
				     " object", klen > 100 ? 100 : (int)klen,
				     key);
				goto bad;
			}
			js->seen[idx] = js->stamp;
			if (reserve(r, (void **)&js->slot, &js->slot_bytes,
				    (pos + 1) * sizeof(size_t)) < 0)
				return ROW_ERR;
			js->slot[pos] = idx;
			if (pos >= js->nslots)
				js->nslots = pos + 1;
		}
		js->kinds[idx] = kind;
		v = &js->views[idx];
		pend = 0;
		if (kind == SL_KIND_STRING) {
			v->ptr = (const char *)vs + 1;
			v->len = (size_t)(j.p - vs) - 2;
			pend = vesc;
		} else if (kind == SL_KIND_NULL) {
			v->ptr = "";
			v->len = 0;
		} else {
			v->ptr = (const char *)vs;  /* number, word, nested */
			v->len = (size_t)(j.p - vs);
			pend = kind == SL_KIND_NESTED ? 2 : 0;
		}
		js->pend[idx] = pend;
		need += pend ? v->len : 0;
		jws(&j);
		if (j.p < j.e && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.e && *j.p == '}') {
			j.p++;
			break;
		}
		unexpected(&j, "',' or '}'");
		goto bad;
	}
closed:
	jws(&j);
	if (j.p != j.e) {
		char b[16];

		fail(&j, j.p, "%s after the object", show(b, sizeof(b), *j.p));
		goto bad;
	}
	if (naming) {
		/* the decoded keys lie in kbuf in their order */
		for (i = 0, need_k = 0; i < nkeys; i++)
			if (!js->keys[i].ptr) {
				js->keys[i].ptr = js->kbuf + need_k;
				need_k += js->keys[i].len;
			}
		if (repeated_name(r->ctx, js, js->keys, nkeys, &dup) < 0)
			return ROW_ERR;
		if (dup) {
			klen = js->keys[dup - 1].len;
			snprintf(r->row.bad, sizeof(r->row.bad),
				 "invalid JSON: key"
				 " \"%.*s\" is repeated in one object",
				 klen > 100 ? 100 : (int)klen,
				 js->keys[dup - 1].ptr);
			return ROW_BAD;
		}
		/* the reader copies them before the next row */
		r->row.names = js->keys;
		r->row.nnames = nkeys;
	}
	/* the values to decode, now that the line is good */
	if (need && reserve(r, (void **)&js->vbuf, &js->vcap_bytes, need) < 0)
		return ROW_ERR;
	js->vlen = 0;
	for (i = 0; need && i < (naming ? nkeys : r->nnames); i++) {
		sl_str *v = &js->views[i];
		char *out = js->vbuf + js->vlen;

		if (js->kinds[i] == SL_KIND_ABSENT || !js->pend[i])
			continue;
		if (js->pend[i] == 1)
			v->len = decode_string(out, v->ptr, v->ptr + v->len);
		else
			v->len = compact(out, v->ptr, v->ptr + v->len);
		v->ptr = out;
		js->vlen += v->len;
	}
	return ROW_OK;
bad:
	return j.oom ? ROW_ERR : bad_json(r, &j);
}

static int jsonl_next_row(sl_reader *r)
{
	jsonl_state *js = r->state;
	const sl_str *l;
	const char *p, *e;
	int naming, rc;
	size_t i, n;

	do {
		l = js->jarr ? sl_jarr_next(js->jarr) : sl_lines_next(r->lines);
		if (!l)
			return sl_failed(r->ctx) ? ROW_ERR : ROW_END;
		for (p = l->ptr, e = p + l->len;
		     p < e && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
			;
	} while (p == e);
	if (js->jarr) {
		r->row.line = sl_jarr_line(js->jarr);
		r->row.offset = sl_jarr_offset(js->jarr);
	} else {
		r->row.line = sl_lines_number(r->lines);
		r->row.offset = sl_lines_offset(r->lines);
	}
	r->row.raw = l->ptr;
	r->row.raw_len = l->len;
	r->row.f = NULL;
	r->row.k = NULL;
	r->row.n = 0;
	r->row.names = NULL;
	if (js->keys) {          /* the first object's, which the reader has */
		sl_mem_free(js->keys);
		js->keys = NULL;
		js->kcap = 0;
	}
	naming = !js->named;
	if (!naming) {
		n = r->nnames ? r->nnames : 1;
		if (!js->index && r->nnames > INDEX_MIN &&
		    build_index(r->ctx, js, r->names, r->nnames, &i) < 0)
			return ROW_ERR;
		if (reserve(r, (void **)&js->views, &js->vcap,
			    n * sizeof(sl_str)) < 0 ||
		    reserve(r, (void **)&js->kinds, &js->kcap_kinds, n) < 0 ||
		    reserve(r, (void **)&js->pend, &js->pend_bytes, n) < 0)
			return ROW_ERR;
		if (js->seen_bytes < n * sizeof(uint64_t)) {
			size_t old = js->seen_bytes;

			if (reserve(r, (void **)&js->seen, &js->seen_bytes,
				    n * sizeof(uint64_t)) < 0)
				return ROW_ERR;
			memset((char *)js->seen + old, 0,
			       js->seen_bytes - old);
		}
		for (i = 0; i < r->nnames; i++) {
			js->views[i].ptr = "";
			js->views[i].len = 0;
			js->kinds[i] = SL_KIND_ABSENT;
		}
	}
	rc = parse_row(r, js, l->ptr, l->len, naming);
	if (rc != ROW_OK)
		return rc;
	js->named = 1;
	r->row.n = naming ? r->row.nnames : r->nnames;
	r->row.f = js->views;
	r->row.k = js->kinds;
	return ROW_OK;
}

/* Is the stream one JSON array: its first byte that is not blank space
 * (in its first chunk) a '['?  The chunk is read again after. */
static int starts_array(sl_reader *r)
{
	const unsigned char *p;
	size_t n, i = 0;

	p = sl_source_next(r->src, &n);
	if (!p)
		return 0;
	sl_source_unget(r->src);
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	return i < n && p[i] == '[';
}

int sl_jsonl_open(sl_reader *r)
{
	jsonl_state *js = sl_arena_alloc(r->arena, sizeof(*js));

	if (!js)
		return -1;
	memset(js, 0, sizeof(*js));
	pthread_once(&plain_once, set_plain);
	if (sl_arena_on_release(r->arena, jsonl_release, js) != SL_OK)
		return -1;
	if (starts_array(r)) {
		js->jarr = sl_jarr_new(r->arena, r->src, r->name,
				       1 + r->lead_lines, r->lead_bytes);
		if (!js->jarr)
			return -1;
	} else {
		r->lines = sl_lines_new(r->arena, r->src);
		if (!r->lines)
			return -1;
	}
	r->fmt = js->jarr ? SL_FORMAT_JSON : SL_FORMAT_JSONL;
	r->state = js;
	r->next_row = jsonl_next_row;
	js->named = r->opt.names != NULL;   /* the reader takes them */
	return 0;
}

/* ---- writing: JSON numbers --------------------------------------------- */

int sl_is_json_number(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (i < n && p[i] == '-')
		i++;
	if (i == n)
		return 0;
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		while (i < n && is_digit(p[i]))
			i++;
	} else {
		return 0;
	}
	if (i < n && p[i] == '.') {
		if (++i == n || !is_digit(p[i]))
			return 0;
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i == n || !is_digit(p[i]))
			return 0;
		while (i < n && is_digit(p[i]))
			i++;
	}
	return i == n;
}

/* ---- writing ---------------------------------------------------------- */

/*
 * The header's keys are escaped once, stored as `{"k1":` and `,"k2":`, so
 * a record is key, value, key, value ... with no work on the keys.  Values
 * go by their kind (sl_kind); text is a number (RFC 8259 grammar, text
 * kept as is), true or false, or a string.  JSON text must be UTF-8, so
 * bytes >= 0x80 are checked to form shortest-form scalar values (no
 * overlongs, no surrogates, nothing past U+10FFFF, no cut sequences) and
 * copied as is.
 */

/* What each byte needs, and the scan for the next that needs anything:
 * sl_json_class and sl_json_scan() (text.c), as UTF-8's checks. */

/*
 * Append p[0..n) as a JSON string.  Returns 0, -1 when the row buffer
 * cannot grow (error recorded), or -2 with the offset of the first byte
 * that is not UTF-8 in *bad (nothing recorded: the caller names it).
 */
static int put_string(sl_writer *w, const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	unsigned char c;
	char e[6];

	if (n == 0)   /* p may be NULL */
		return sl_writer_put2(w, '"', '"');
	if (sl_writer_put1(w, '"') < 0)
		return -1;
	for (;;) {
		i = sl_json_scan(p, i, n);
		if (i == n)
			break;
		c = sl_json_class[p[i]];
		if (c == SL_JSON_U8) {
			size_t k = sl_utf8_len(p + i, n - i);

			if (k == 0) {
				*bad = i;
				return -2;
			}
			i += k;   /* copied with the run */
			continue;
		}
		if (sl_writer_put(w, p + run, i - run) < 0 ||
		    sl_writer_put(w, e, sl_json_escape(p[i], e)) < 0)
			return -1;
		run = ++i;
	}
	if (sl_writer_put(w, p + run, n - run) < 0 || sl_writer_put1(w, '"') < 0)
		return -1;
	return 0;
}

/* true and false go bare; null does not, since a JSON null reads back
 * as empty: the text "null" would not survive a round trip. */
static int is_json_word(const char *p, size_t n)
{
	switch (n) {
	case 4:
		return memcmp(p, "true", 4) == 0;
	case 5:
		return memcmp(p, "false", 5) == 0;
	default:
		return 0;
	}
}

/* A field the output cannot carry, in the header or a record (named as
 * sl_writer_where() does). */
static sl_status not_utf8(sl_writer *w, const sl_str *name, size_t bad,
			  int in_header)
{
	int len = (int)(name->len > 200 ? 200 : name->len);
	char at[SL_WHERE_MAX];

	if (in_header)
		return sl_error(w->ctx, SL_EDATA,
				"field name '%.*s' is not valid UTF-8 (JSON"
				" needs UTF-8) in the header of '%s' at byte"
				" %zu of the name", len, name->ptr,
				w->input ? w->input : sl_sink_name(w->sink),
				bad + 1);
	return sl_error(w->ctx, SL_EDATA, "field '%.*s' is not valid UTF-8"
			" (byte %zu of it), which JSON output needs %s", len,
			name->ptr, bad + 1, sl_writer_where(w, at, sizeof(at)));
}

/* A JSON value for a field of the given kind. */
static int json_value(sl_writer *w, const sl_str *f, unsigned char kind,
		      size_t *bad)
{
	switch (kind) {
	case SL_KIND_TEXT:
		if (!w->strings && (sl_is_json_number(f->ptr, f->len) ||
				    is_json_word(f->ptr, f->len)))
			return sl_writer_put(w, f->ptr, f->len);
		break;
	case SL_KIND_NUMBER:
	case SL_KIND_BOOL:
		if (!w->strings)
			return sl_writer_put(w, f->ptr, f->len);
		break;
	case SL_KIND_NULL:
		return sl_writer_put(w, "null", 4);
	case SL_KIND_NESTED:
		return sl_writer_put(w, f->ptr, f->len);
	default:
		break;
	}
	return put_string(w, f->ptr, f->len, bad);
}

static sl_status jsonl_row(sl_writer *w, const sl_str *fields,
			   const unsigned char *kinds, size_t n)
{
	size_t i, bad;
	int r, first = 1;

	if (n == 0)
		return sl_writer_put(w, "{}\n", 3) < 0 ? sl_writer_drop_row(w) : SL_OK;
	if (!kinds) {
		/* text, the case of every CSV input: the keys carry their
		 * '{' or ',' */
		for (i = 0; i < n; i++) {
			const sl_str *f = &fields[i];

			if (sl_writer_put(w, w->keys[i].ptr, w->keys[i].len) < 0)
				return sl_writer_drop_row(w);
			if (!w->strings && (sl_is_json_number(f->ptr, f->len) ||
					    is_json_word(f->ptr, f->len))) {
				if (sl_writer_put(w, f->ptr, f->len) < 0)
					return sl_writer_drop_row(w);
				continue;
			}
			if ((r = put_string(w, f->ptr, f->len, &bad)) == -1)
				return sl_writer_drop_row(w);
			if (r == -2) {
				w->len = 0;
				return not_utf8(w, &w->names[i], bad, 0);
			}
		}
		return sl_writer_put2(w, '}', '\n') < 0 ? sl_writer_drop_row(w) : SL_OK;
	}
	for (i = 0; i < n; i++) {
		if (kinds[i] == SL_KIND_ABSENT)
			continue;     /* the key was not there: leave it out */
		r = sl_writer_put1(w, first ? '{' : ',');
		if (r == 0)
			r = sl_writer_put(w, w->keys[i].ptr + 1, w->keys[i].len - 1);
		first = 0;
		if (r < 0 ||
		    (r = json_value(w, &fields[i], kinds[i], &bad)) == -1)
			return sl_writer_drop_row(w);
		if (r == -2) {
			w->len = 0;
			return not_utf8(w, &w->names[i], bad, 0);
		}
	}
	if (first)
		return sl_writer_put(w, "{}\n", 3) < 0 ? sl_writer_drop_row(w) : SL_OK;
	return sl_writer_put2(w, '}', '\n') < 0 ? sl_writer_drop_row(w) : SL_OK;
}

static int same_name(const sl_str *a, const sl_str *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* By bytes, then by position: repeats are found in a fixed order. */
static int name_cmp(const void *x, const void *y)
{
	const sl_str *a = *(const sl_str *const *)x;
	const sl_str *b = *(const sl_str *const *)y;
	int c = memcmp(a->ptr, b->ptr, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Keys of one JSON object must differ (sluice's reader and most others
 * refuse or drop repeats), so a header with a name twice, such as the
 * empty names of a line of bare commas, cannot be written as jsonl.
 * Sorting pointers finds repeats in n log n, for headers of any width. */
static sl_status unique_names(sl_writer *w)
{
	const sl_str **v;
	size_t i, j, k;
	int len;

	if (w->nnames < 2)
		return SL_OK;
	v = sl_mem_alloc(w->ctx, w->nnames * sizeof(*v), "writer.names");
	if (!v)
		return sl_errcode(w->ctx);
	for (i = 0; i < w->nnames; i++)
		v[i] = &w->names[i];
	qsort(v, w->nnames, sizeof(*v), name_cmp);
	for (i = 1; i < w->nnames && !same_name(v[i - 1], v[i]); i++)
		;
	if (i == w->nnames) {
		sl_mem_free(v);
		return SL_OK;
	}
	j = (size_t)(v[i - 1] - w->names);
	k = (size_t)(v[i] - w->names);
	len = (int)(v[i]->len > 200 ? 200 : v[i]->len);
	sl_error(w->ctx, SL_EDATA, "field name '%.*s' is in the header of '%s'"
		 " twice, as fields %zu and %zu (JSON Lines keys must"
		 " differ)", len, v[i]->ptr,
		 w->input ? w->input : sl_sink_name(w->sink), j + 1, k + 1);
	sl_mem_free(v);
	return SL_EDATA;
}

/* Escape every key once into the row buffer, then copy the lot to the
 * arena: records then write keys without looking at them. */
static sl_status jsonl_keys(sl_writer *w)
{
	sl_arena *a = w->arena;
	size_t i, bad, at;
	char *block;
	int r;

	if (w->nnames == 0)
		return SL_OK;
	if (unique_names(w) != SL_OK)
		return sl_errcode(w->ctx);
	w->keys = sl_arena_alloc(a, w->nnames * sizeof(*w->keys));
	if (!w->keys)
		return sl_writer_drop_row(w);
	for (i = 0; i < w->nnames; i++) {
		at = w->len;
		if (sl_writer_put1(w, i == 0 ? '{' : ',') < 0)
			return sl_writer_drop_row(w);
		r = put_string(w, w->names[i].ptr, w->names[i].len, &bad);
		if (r == -1)
			return sl_writer_drop_row(w);
		if (r == -2) {
			w->len = 0;
			return not_utf8(w, &w->names[i], bad, 1);
		}
		if (sl_writer_put1(w, ':') < 0)
			return sl_writer_drop_row(w);
		w->keys[i].len = w->len - at;
	}
	block = sl_arena_alloc(a, w->len);
	if (!block)
		return sl_writer_drop_row(w);
	memcpy(block, w->buf, w->len);
	for (at = 0, i = 0; i < w->nnames; at += w->keys[i].len, i++)
		w->keys[i].ptr = block + at;
	w->len = 0;
	return SL_OK;
}

int sl_jsonl_write_header(sl_writer *w)
{
	return jsonl_keys(w) == SL_OK ? 0 : -1;
}

int sl_jsonl_write_row(sl_writer *w, const sl_str *fields,
		       const unsigned char *kinds, size_t n)
{
	char at[SL_WHERE_MAX];

	if (!w->have_header) {
		sl_error(w->ctx, SL_EINVAL, "jsonl output '%s' needs a header"
			 " before record %llu", sl_sink_name(w->sink),
			 (unsigned long long)w->records + 1);
		return -1;
	}
	if (n != w->nnames) {
		sl_error(w->ctx, SL_EINVAL, "a record of %zu fields where the"
			 " header has %zu %s", n, w->nnames,
			 sl_writer_where(w, at, sizeof(at)));
		return -1;
	}
	return jsonl_row(w, fields, kinds, n) == SL_OK ? 0 : -1;
}

/*
 * JSON: one array, an object a line.  A row is the separator that goes
 * before it ("[" and a newline for the first, "," and a newline after)
 * and the object without its newline; the end, written when the sink
 * closes, is a newline and "]", or "[]" when there was no record.
 */
int sl_json_write_row(sl_writer *w, const sl_str *fields,
		      const unsigned char *kinds, size_t n)
{
	if (sl_writer_put2(w, w->records ? ',' : '[', '\n') < 0 ||
	    sl_jsonl_write_row(w, fields, kinds, n) < 0)
		return -1;
	w->len--;                /* the line's newline */
	return 0;
}

int sl_json_write_end(sl_writer *w)
{
	return w->records ? sl_writer_put(w, "\n]\n", 3) :
		sl_writer_put(w, "[]\n", 3);
}
