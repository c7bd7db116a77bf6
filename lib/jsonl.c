/*
 * jsonl.c - JSON Lines rows: one object per line, through jansson.
 *
 * Each non-blank line is parsed by jansson, which decides whether it is
 * valid JSON and gives the message when it is not (its allocations are
 * charged as "jsonl.parse" through json_set_alloc_funcs).  jansson turns
 * numbers into machine types, so the fields themselves are then taken
 * from the line's text by a small scanner that trusts the now validated
 * syntax: a number, true, false or null keeps its exact text; a string
 * without escapes is a view into the line, one with escapes is decoded
 * into a buffer; a nested array or object becomes compact JSON text.
 *
 * The first object's keys name the fields (or the names given in the
 * options).  Keys are looked up where they were in the previous object
 * first, so objects that keep the same order cost one comparison a key;
 * a key the header lacks makes the row bad, a missing one an empty field.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sketch.h"         /* sl_hash64() */
#include "sluice_int.h"

typedef struct jsonl_state {
	sl_str *views;         /* one per header name */
	size_t vcap;           /* bytes, as are the other caps */
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
	sl_mem_free(js->keys);
	sl_mem_free(js->vbuf);
	sl_mem_free(js->slot);
	sl_mem_free(js->index);
	js->index = NULL;
	js->views = NULL;
	js->keys = NULL;
	js->vbuf = NULL;
	js->slot = NULL;
}

static int reserve(sl_reader *r, void **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = sl_mem_realloc(r->ctx, *buf, n, "jsonl.fields");
	if (!p)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

/* ---- scanning validated JSON ----------------------------------------- */

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

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

/* p at any value: the byte after it. */
static const char *end_value(const char *p, const char *e)
{
	int depth = 0, esc;

	if (*p == '"')
		return end_string(p, e, &esc);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' &&
		       *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		return p;
	}
	while (p < e) {
		if (*p == '"') {
			p = end_string(p, e, &esc);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
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
static int build_index(sl_reader *r, jsonl_state *js)
{
	size_t cap = 2 * INDEX_MIN, i, h;

	while (cap < 2 * r->nnames)
		cap *= 2;
	js->index = sl_mem_alloc(r->ctx, cap * sizeof(*js->index),
				 "jsonl.fields");
	if (!js->index)
		return -1;
	memset(js->index, 0, cap * sizeof(*js->index));
	js->mask = cap - 1;
	for (i = 0; i < r->nnames; i++) {
		h = hash_name(r->names[i].ptr, r->names[i].len) & js->mask;
		while (js->index[h])
			h = (h + 1) & js->mask;
		js->index[h] = i + 1;
	}
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
 * Parse one validated object line into js->views, one per header name.
 * When naming, the keys of this first object become the header.  vbuf
 * holds decoded values in its first half and decoded keys in its second,
 * each half as long as the line (decoding never grows text), reserved
 * before the scan so that no view moves during it.
 */
static int scan_object(sl_reader *r, jsonl_state *js, const char *p,
		       const char *e, int naming)
{
	size_t len = (size_t)(e - p), pos = 0, klen_total = 0;
	char *kbuf;
	int esc;

	if (reserve(r, (void **)&js->vbuf, &js->vcap_bytes, 2 * len + 2) < 0)
		return ROW_ERR;
	kbuf = js->vbuf + len + 1;
	js->vlen = 0;
	p = skip_ws(p, e) + 1;   /* '{' */
	for (;; pos++) {
		const char *ks, *ke, *vs, *ve, *key;
		size_t idx, klen;
		sl_str *v;

		p = skip_ws(p, e);
		if (p < e && *p == ',')
			p = skip_ws(p + 1, e);
		if (p >= e || *p == '}')
			break;
		ks = p;
		ke = end_string(p, e, &esc);
		key = ks + 1;
		klen = (size_t)(ke - ks) - 2;
		if (esc) {
			key = kbuf + klen_total;
			klen = decode_string(kbuf + klen_total, ks + 1, ke - 1);
			klen_total += klen;
		}
		vs = skip_ws(skip_ws(ke, e) + 1, e);   /* past ':' */
		ve = end_value(vs, e);
		p = ve;
		if (naming) {
			idx = pos;
			if (reserve(r, (void **)&js->keys, &js->kcap,
				    (pos + 1) * sizeof(sl_str)) < 0 ||
			    reserve(r, (void **)&js->views, &js->vcap,
				    (pos + 1) * sizeof(sl_str)) < 0)
				return ROW_ERR;
			js->keys[pos].ptr = key;
			js->keys[pos].len = klen;
		} else {
			idx = find_key(r, js, pos, key, klen);
			if (idx == (size_t)-1) {
				snprintf(r->bad, sizeof(r->bad),
					 "key '%.*s' is not in the header (the"
					 " first object's keys)",
					 klen > 200 ? 200 : (int)klen, key);
				return ROW_BAD;
			}
			if (reserve(r, (void **)&js->slot, &js->slot_bytes,
				    (pos + 1) * sizeof(size_t)) < 0)
				return ROW_ERR;
			js->slot[pos] = idx;
			if (pos >= js->nslots)
				js->nslots = pos + 1;
		}
		v = &js->views[idx];
		if (*vs == '"') {
			int vesc;

			end_string(vs, ve, &vesc);
			if (!vesc) {
				v->ptr = vs + 1;
				v->len = (size_t)(ve - vs) - 2;
				continue;
			}
			v->ptr = js->vbuf + js->vlen;
			v->len = decode_string(js->vbuf + js->vlen, vs + 1,
					       ve - 1);
		} else if (*vs == '{' || *vs == '[') {
			v->ptr = js->vbuf + js->vlen;
			v->len = compact(js->vbuf + js->vlen, vs, ve);
		} else {
			v->ptr = vs;     /* number, true, false, null */
			v->len = (size_t)(ve - vs);
			continue;
		}
		js->vlen += v->len;
	}
	if (naming && sl_reader_set_names(r, js->keys, pos) != SL_OK)
		return ROW_ERR;
	return ROW_OK;
}

static int jsonl_next_row(sl_reader *r)
{
	jsonl_state *js = r->state;
	const sl_str *l;
	json_error_t jerr;
	json_t *obj;
	int naming, rc;
	size_t i;

	do {
		l = sl_lines_next(r->lines);
		if (!l)
			return sl_failed(r->ctx) ? ROW_ERR : ROW_END;
	} while (skip_ws(l->ptr, l->ptr + l->len) == l->ptr + l->len);
	r->row.line = sl_lines_number(r->lines);
	r->row.offset = sl_lines_offset(r->lines);
	r->row.raw = l->ptr;
	r->row.raw_len = l->len;
	r->row.f = NULL;
	r->row.n = 0;

	if (!sl_json_fits(r->ctx, l->ptr, l->len)) {
		char ceil[32], need[32];

		sl_error(r->ctx, SL_ENOMEM,
			 "line %llu of '%s' needs about %s to parse, more"
			 " than the ceiling of %s leaves (raise --max-memory)",
			 (unsigned long long)r->row.line, r->name,
			 sl_format_size(need, sizeof(need),
					sl_json_parse_cost(l->ptr, l->len)),
			 sl_format_size(ceil, sizeof(ceil),
					sl_mem_ceiling(r->ctx)));
		return ROW_ERR;
	}
	sl_hook_enter_lenient(r->ctx, "jsonl.parse");
	obj = json_loadb(l->ptr, l->len, JSON_REJECT_DUPLICATES |
			 JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &jerr);
	json_decref(obj);
	rc = sl_hook_refused();
	sl_hook_leave();
	if (rc) {
		char ceil[32];

		sl_error(r->ctx, SL_ENOMEM,
			 "line %llu of '%s' needs more memory to parse than"
			 " the ceiling of %s allows (raise --max-memory)",
			 (unsigned long long)r->row.line, r->name,
			 sl_format_size(ceil, sizeof(ceil),
					sl_mem_ceiling(r->ctx)));
		return ROW_ERR;
	}
	if (!obj) {
		snprintf(r->bad, sizeof(r->bad), "invalid JSON: %s (column %d)",
			 jerr.text, jerr.column);
		return ROW_BAD;
	}
	if (*skip_ws(l->ptr, l->ptr + l->len) != '{') {
		snprintf(r->bad, sizeof(r->bad), "not a JSON object");
		return ROW_BAD;
	}
	naming = !js->named;
	if (!naming && !js->index && r->nnames > INDEX_MIN &&
	    build_index(r, js) < 0)
		return ROW_ERR;
	if (!naming) {
		if (reserve(r, (void **)&js->views, &js->vcap,
			    (r->nnames ? r->nnames : 1) * sizeof(sl_str)) < 0)
			return ROW_ERR;
		for (i = 0; i < r->nnames; i++) {
			js->views[i].ptr = "";
			js->views[i].len = 0;
		}
	}
	rc = scan_object(r, js, l->ptr, l->ptr + l->len, naming);
	if (rc != ROW_OK)
		return rc;
	if (naming) {
		js->named = 1;
		r->header_state = 1;
	}
	r->row.n = r->nnames;
	r->row.f = js->views;
	return ROW_OK;
}

int sl_jsonl_open(sl_reader *r)
{
	jsonl_state *js = sl_arena_alloc(r->arena, sizeof(*js));

	if (!js)
		return -1;
	memset(js, 0, sizeof(*js));
	sl_json_init();
	if (sl_arena_on_release(r->arena, jsonl_release, js) != SL_OK)
		return -1;
	r->lines = sl_lines_new(r->arena, r->src);
	if (!r->lines)
		return -1;
	r->state = js;
	r->next_row = jsonl_next_row;
	if (r->opt.names) {
		if (sl_reader_set_names(r, r->opt.names, r->opt.nnames))
			return -1;
		js->named = 1;
		r->header_state = 1;
	}
	return 0;
}
