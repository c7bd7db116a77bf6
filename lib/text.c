/*
 * text.c - bytes as text: UTF-8 sequences and runs, what JSON strings
 * escape (for the writer and the rejects file alike), the hash of a
 * string that the aggregates, the sketches and the JSON Lines reader's
 * name index share, and ISO dates (put's functions, headers' types).
 */
#include <stdint.h>
#include <string.h>

#include "sluice_int.h"

/* ---- UTF-8 ------------------------------------------------------------- */

/*
 * The length of the UTF-8 sequence at p (n > 0 bytes left, p[0] >= 0x80),
 * or 0 when it is not a well-formed one (Unicode table 3-7: the second
 * byte's range depends on the first, which excludes overlongs, surrogates
 * and values past U+10FFFF).
 */
size_t sl_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;  /* a stray continuation, C0, C1 or F5..FF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Where p[0..n) stops being UTF-8, or n.  ASCII, the usual case, is
 * passed 32 bytes and then 8 at a time. */
size_t sl_utf8_end(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		for (; i + 32 <= n; i += 32) {
			uint64_t x[4];

			memcpy(x, p + i, 32);
			if ((x[0] | x[1] | x[2] | x[3]) &
			    0x8080808080808080ULL)
				break;
		}
		for (; i + 8 <= n; i += 8) {
			uint64_t x;

			memcpy(&x, p + i, 8);
			if (x & 0x8080808080808080ULL)
				break;
		}
		while (i < n && p[i] < 0x80)
			i++;
		if (i == n)
			break;
		if ((k = sl_utf8_len(p + i, n - i)) == 0)
			return i;
		i += k;
	}
	return n;
}

/* ---- JSON strings ------------------------------------------------------ */

/*
 * What a byte needs inside a JSON string: 0 nothing, 'u' a \u00XX escape,
 * a letter its short escape (\" and \\ too), 8 a UTF-8 check.
 */
const unsigned char sl_json_class[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	['"'] = '"', ['\\'] = '\\',
	[0x80] = SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
	SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8, SL_JSON_U8,
};

/* The first byte at or after i that sl_json_class marks, or n.  Eight bytes
 * at a time: a high bit, a byte below 0x20 (exact for bounds up to 0x80),
 * a quote or a backslash stops the fast loop. */
size_t sl_json_scan(const unsigned char *p, size_t i, size_t n)
{
	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, p + i, 8);
		if ((x & SL_HIGHS) | ((x - SL_ONES * 0x20) & ~x & SL_HIGHS) |
		    sl_has_byte(x, SL_ONES * '"') | sl_has_byte(x, SL_ONES * '\\'))
			break;
	}
	while (i < n && !sl_json_class[p[i]])
		i++;
	return i;
}

size_t sl_json_escape(unsigned char c, char out[6])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char e = sl_json_class[c];

	out[0] = '\\';
	if (e != 'u') {
		out[1] = (char)e;
		return 2;
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

/* ---- hashing ----------------------------------------------------------- */

#define H_K1 0x87c37b91114253d5ULL
#define H_K2 0x4cf5ad432745937fULL
#define H_GOLD 0x9e3779b97f4a7c15ULL

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* splitmix64's finaliser (Stafford's Mix13). */
uint64_t sl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static inline uint64_t load64le(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
	w *= H_K1;
	w = rotl64(w, 31);
	w *= H_K2;
	h ^= w;
	h = rotl64(h, 27);
	return h * 5 + 0x52dce729;
}

uint64_t sl_hash64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = H_GOLD ^ ((uint64_t)n * H_K2);
	unsigned char tail[8] = { 0 };

	for (; n >= 8; n -= 8, b += 8)
		h = hash_step(h, load64le(b));
	if (n) {
		memcpy(tail, b, n);
		h = hash_step(h, load64le(tail));
	}
	return sl_mix64(h);
}

/* ---- ISO dates ------------------------------------------------------ */

int sl_iso_date(const char *p, int ymd[3])
{
	static const unsigned char mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int y, m, d, i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? p[i] != '-' : p[i] < '0' || p[i] > '9')
			return 0;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
		(p[3] - '0');
	m = (p[5] - '0') * 10 + (p[6] - '0');
	d = (p[8] - '0') * 10 + (p[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return 0;
	if (ymd) {
		ymd[0] = y;
		ymd[1] = m;
		ymd[2] = d;
	}
	return 1;
}
