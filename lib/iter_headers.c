/*
 * iter_headers.c - the header as records: each field's position and name
 * (sluice headers), and with types, what its values look like in the
 * first records.
 *
 * start() reads at most `sample` records of its input and stops there,
 * so memory is a few words a field whatever the input's size.  Each
 * non-empty value is matched against the shapes below, as a set of bits;
 * a field's set is the intersection over its values, and its type the
 * narrowest shape left: int, then decimal, bool, date, datetime, else
 * text ("empty" when every value was).  An int is also a decimal and a
 * date also a datetime, so a field of both gets the wider one.  JSON
 * values keep their kinds: a number is int or decimal by its text, true
 * and false are bool, null and a key left out are empty, a string can be
 * a date or a datetime but never a number, and an array or object is
 * text.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "iter.h"

enum {
	T_INT = 1, T_DEC = 2, T_BOOL = 4, T_DATE = 8, T_DATETIME = 16,
	T_ALL = 31
};

struct hd {
	uint64_t sample;         /* records to look at (types) */
	int types;
	const sl_str *names;     /* the input's header */
	size_t n, next;          /* its fields; the next to hand out */
	unsigned char *mask;     /* per field: the shapes all values fit */
	uint64_t *empty, *filled;
	uint64_t seen;           /* records looked at */
	sl_str out[4];
	char pos[24], share[32];
	sl_record rec;
};

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* p[0..n) all digits, n > 0 */
static int digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!digit(p[i]))
			return 0;
	return n > 0;
}

static unsigned num2(const char *p)
{
	return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

/* An integer: an optional sign, then digits. */
static int is_int(const char *p, size_t n)
{
	if (n && (*p == '-' || *p == '+')) {
		p++;
		n--;
	}
	return digits(p, n);
}

/* YYYY-MM-DD, a day that exists. */
static int is_date(const char *p, size_t n)
{
	return n == 10 && sl_iso_date(p, NULL);
}

/* HH:MM, 00:00 to 23:59 */
static int is_hhmm(const char *p)
{
	return digits(p, 2) && p[2] == ':' && digits(p + 3, 2) &&
		num2(p) < 24 && num2(p + 3) < 60;
}

/* A date, 'T' or a space, HH:MM[:SS[.fraction]], then an optional Z or
 * offset (+HH:MM or +HHMM). */
static int is_datetime(const char *p, size_t n)
{
	size_t i = 16;

	if (n < 16 || !is_date(p, 10) || (p[10] != 'T' && p[10] != ' ') ||
	    !is_hhmm(p + 11))
		return 0;
	if (i + 3 <= n && p[i] == ':' && digits(p + i + 1, 2) &&
	    num2(p + i + 1) < 61) {
		i += 3;
		if (i < n && p[i] == '.' && i + 1 < n && digit(p[i + 1]))
			for (i++; i < n && digit(p[i]); i++)
				;
	}
	if (i < n && p[i] == 'Z')
		i++;
	else if (i < n && (p[i] == '+' || p[i] == '-')) {
		if (i + 6 <= n && is_hhmm(p + i + 1))
			i += 6;
		else if (i + 5 <= n && digits(p + i + 1, 4) &&
			 num2(p + i + 1) < 24 && num2(p + i + 3) < 60)
			i += 5;
		else
			return 0;
	}
	return i == n;
}

static int is_bool(const char *p, size_t n)
{
	return (n == 4 && strncasecmp(p, "true", 4) == 0) ||
		(n == 5 && strncasecmp(p, "false", 5) == 0);
}

/* The shapes a non-empty value of kind k fits. */
static unsigned shapes(const sl_str *v, unsigned char k)
{
	unsigned m = 0;

	if (k == SL_KIND_BOOL)
		return T_BOOL;
	if (k == SL_KIND_NESTED)
		return 0;
	if (k != SL_KIND_STRING) {       /* text, or a JSON number */
		if (is_int(v->ptr, v->len))
			m |= T_INT | T_DEC;
		else if (sl_is_decimal(v->ptr, v->len))
			m |= T_DEC;
		if (k == SL_KIND_NUMBER)
			return m;
		if (is_bool(v->ptr, v->len))
			m |= T_BOOL;
	}
	if (is_date(v->ptr, v->len))
		m |= T_DATE | T_DATETIME;
	else if (is_datetime(v->ptr, v->len))
		m |= T_DATETIME;
	return m;
}

static const char *type_name(const struct hd *h, size_t i)
{
	unsigned m = h->mask[i];

	if (!h->filled[i])
		return "empty";
	if (m & T_INT)
		return "int";
	if (m & T_DEC)
		return "decimal";
	if (m & T_BOOL)
		return "bool";
	if (m & T_DATE)
		return "date";
	if (m & T_DATETIME)
		return "datetime";
	return "text";
}

static int hd_start(sl_iter *it)
{
	static const sl_str cols[4] = {
		{ "position", 8 }, { "name", 4 }, { "type", 4 }, { "empty", 5 }
	};
	struct hd *h = it->state;
	const sl_record *rec;
	size_t i, n = it->nnames;

	h->names = it->names;
	h->n = it->names ? n : 0;
	if (h->types) {
		h->mask = sl_arena_alloc(it->arena, n ? n : 1);
		h->empty = sl_arena_alloc(it->arena, (n ? n : 1) * 8);
		h->filled = sl_arena_alloc(it->arena, (n ? n : 1) * 8);
		if (!h->mask || !h->empty || !h->filled)
			return -1;
		memset(h->mask, T_ALL, n);
		memset(h->empty, 0, n * 8);
		memset(h->filled, 0, n * 8);
		while (h->seen < h->sample && (rec = sl_iter_next(it->in))) {
			h->seen++;
			for (i = 0; i < n; i++) {
				const sl_str *v = i < rec->nfields ?
					&rec->fields[i] : NULL;
				unsigned char k = rec->kinds && v ?
					rec->kinds[i] : SL_KIND_TEXT;

				if (!v || v->len == 0 || k == SL_KIND_NULL ||
				    k == SL_KIND_ABSENT) {
					h->empty[i]++;
					continue;
				}
				h->filled[i]++;
				h->mask[i] &= (unsigned char)shapes(v, k);
			}
		}
		if (sl_failed(it->ctx))
			return -1;
	}
	it->names = cols;
	it->nnames = h->types ? 4 : 2;
	it->format = it->format ? it->format : SL_FORMAT_CSV;
	h->rec.fields = h->out;
	h->rec.nfields = it->nnames;
	return 0;
}

/* The empty share: up to three decimals, the zeros after them dropped. */
static size_t share(char *buf, size_t size, uint64_t part, uint64_t all)
{
	int n;

	if (!all)
		return 0;
	n = snprintf(buf, size, "%.3f", (double)part / (double)all);
	while (n > 1 && buf[n - 1] == '0')
		n--;
	if (n > 1 && buf[n - 1] == '.')
		n--;
	return (size_t)n;
}

static const sl_record *hd_next(sl_iter *it)
{
	struct hd *h = it->state;
	size_t i = h->next;
	const char *t;

	if (i >= h->n)
		return NULL;
	h->next++;
	h->out[0].ptr = h->pos;
	h->out[0].len = (size_t)snprintf(h->pos, sizeof(h->pos), "%zu",
					 i + 1);
	h->out[1] = h->names[i];
	if (h->types) {
		t = type_name(h, i);
		h->out[2].ptr = t;
		h->out[2].len = strlen(t);
		h->out[3].ptr = h->share;
		h->out[3].len = share(h->share, sizeof(h->share),
				      h->empty[i], h->seen);
	}
	return &h->rec;
}

sl_iter *sl_headers(sl_iter *in, int types, uint64_t sample)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct hd));
	struct hd *h;

	if (!it)
		return NULL;
	h = it->state;
	h->types = types != 0;
	h->sample = sample;
	it->start = hd_start;
	it->next = hd_next;
	return it;
}
