/*
 * iter_gen.c - a reproducible synthetic table as the first stage of a
 * pipeline (sluice gen), made at constant memory.
 *
 * Each record is built in one small buffer (about 96 bytes a column) as
 * sl_str views; nothing of the table is kept.  The numbers come from one
 * sl_rng stream (xoshiro256** seeded through splitmix64, as for sample),
 * drawn in a fixed order, so a seed and a set of options always give the
 * same records, and rows N are a prefix of rows M > N.  Every value is
 * made from integers only (no printf, no floating point), so the text does
 * not depend on the machine or its C library.
 *
 * With a sink to watch, the stage stops after the first record that brings
 * the sink's bytes, header included, to the size or more: it looks at
 * sl_sink_bytes() before making each record, so the bytes are those of
 * whatever format the records are written in, exactly as they are written.
 */
#include <string.h>

#include "iter.h"

static const char default_columns[] =
	"id:id,int:int,float:float,date:date,cat:cat,text:text";

/* ---- columns ------------------------------------------------------------ */

enum col_type { T_ID, T_INT, T_FLOAT, T_DATE, T_CAT, T_TEXT, T_COUNT };

static const char *const type_names[T_COUNT] = {
	"id", "int", "float", "date", "cat", "text"
};

#define FIELD_MAX 96    /* room for any generated field, with slack */
#define TEXT_MAX  60    /* longest text */

struct column {
	sl_str name;
	enum col_type type;
};

/* ---- random numbers ----------------------------------------------------- */

/* Small uniform pieces of one 64-bit draw: bits [at, at+16) scaled into
 * [0, n); at is at most 48. */
static inline unsigned piece(uint64_t x, int at, unsigned n)
{
	return (unsigned)((((x >> at) & 0xffff) * n) >> 16);
}

/* ---- formatting --------------------------------------------------------- */

static const uint64_t p10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* Write v as exactly n digits (zero-padded) ending just before end. */
static inline void put_digits(char *end, uint64_t v, int n)
{
	while (n >= 2) {
		unsigned d = (unsigned)(v % 100);

		v /= 100;
		end -= 2;
		memcpy(end, digits2 + 2 * d, 2);
		n -= 2;
	}
	if (n)
		*--end = (char)('0' + v % 10);
}

static int ndigits(uint64_t v)
{
	int n = 1;

	while (n < 20 && v >= p10[n])
		n++;
	return n;
}

/* Words for text: lower case, at most 7 letters (copied 8 bytes at a
 * time), none a JSON word such as true or null.  64 of them: 6 bits a
 * word. */
static const char words[64][8] = {
	"the", "of", "and", "to", "in", "is", "it", "that",
	"was", "for", "on", "are", "with", "as", "his", "they",
	"be", "at", "one", "have", "this", "from", "by", "hot",
	"word", "but", "what", "some", "we", "can", "out", "other",
	"were", "all", "there", "when", "up", "use", "your", "how",
	"said", "an", "each", "she", "which", "do", "their", "time",
	"river", "stone", "quiet", "lamp", "orange", "market", "paper",
	"window", "garden", "silver", "harbor", "engine", "cloud", "ledger",
	"sluice", "stream",
};

struct gen {
	sl_rng r;
	sl_record rec;          /* the record handed out */
	uint64_t rows;          /* records to make, without a sink */
	const sl_sink *sink;    /* else: stop once its bytes reach size */
	uint64_t size;
	uint64_t id;            /* the last id written */
	uint64_t id_next_pow;   /* the id at which id_len grows */
	int id_len;
	uint64_t card;
	int cat_width;
	unsigned char word_len[64];
	struct column *cols;
	size_t ncols;
	sl_str *fields;
	char *buf;              /* FIELD_MAX bytes a column */
};

/* Text from the words, now and then with a comma, quotes or a newline. */
static size_t gen_text(struct gen *g, char *o)
{
	uint64_t r = sl_rng_next(&g->r), w;
	unsigned nw, i, first, comma_at = 99, quote_at = 99, nl_at = 99;
	char *p = o;

	if ((r & 0xff) < 13)               /* 13/256: about 5% empty */
		return 0;
	w = sl_rng_next(&g->r);
	nw = 1 + piece(r, 8, 10);          /* 1..10 words */
	/* the specials go in the first three words, which always fit: the
	 * bits of r are 0-7 empty, 8-23 words, 24-33 comma, 34-43 quote,
	 * 44-53 newline, 54-58 and 59-63 where */
	first = nw < 3 ? nw : 3;
	if (((r >> 24) & 0x3ff) < 31)      /* 31/1024: about 3% */
		comma_at = (unsigned)((((r >> 54) & 31) * first) >> 5);
	if (((r >> 34) & 0x3ff) < 31)
		quote_at = (unsigned)((((r >> 59) & 31) * first) >> 5);
	if (((r >> 44) & 0x3ff) < 10) {    /* 10/1024: about 1% */
		nl_at = 1;
		if (nw < 2)
			nw = 2;
	}
	for (i = 0; i < nw; i++) {
		unsigned k = (unsigned)(w & 63);
		size_t len = g->word_len[k];

		w >>= 6;
		if (i > 0) {
			if ((size_t)(p - o) + 1 + len > TEXT_MAX)
				break;
			*p++ = i == nl_at ? '\n' : ' ';
		}
		if (i == quote_at)
			*p++ = '"';
		memcpy(p, words[k], 8);
		p += len;
		if (i == quote_at)
			*p++ = '"';
		if (i == comma_at)
			*p++ = ',';
	}
	return (size_t)(p - o);
}

/* An integer of 1 to 12 digits, each length as likely, about 10%
 * negative; never -0. */
static size_t gen_int(struct gen *g, char *o)
{
	uint64_t r = sl_rng_next(&g->r), v;
	int n = 1 + (int)piece(r, 10, 12), neg = (r & 0x3ff) < 102;
	uint64_t lo = n == 1 ? 0 : p10[n - 1];

	v = lo + sl_rng_scale(sl_rng_next(&g->r), p10[n] - lo);
	neg = neg && v != 0;
	o[0] = '-';
	put_digits(o + neg + n, v, n);
	return (size_t)(neg + n);
}

/*
 * A decimal: 0 to 6 integer digits ("0" for none) and 1 to 4 decimals, the
 * last not 0, so the text is never zero and never ends in 0; or, about 5%
 * of the time, D.DDDe+X or D.DDDe-X with 1 to 3 decimals and an exponent
 * of 1 to 30.  About 10% negative.
 */
static size_t gen_float(struct gen *g, char *o)
{
	uint64_t r = sl_rng_next(&g->r), x = sl_rng_next(&g->r);
	int neg = (r & 0x3ff) < 102, n, fd;
	uint64_t ip, frac;
	char *p = o;

	if (neg)
		*p++ = '-';
	if (((r >> 10) & 0x3ff) < 51) {    /* 51/1024: about 5% */
		int e = 1 + (int)piece(r, 20, 30);

		fd = 1 + (int)piece(r, 36, 3);
		*p++ = (char)('1' + piece(x, 16, 9));
		*p++ = '.';
		frac = sl_rng_scale(x, p10[fd - 1]) * 10 + 1 + piece(x, 0, 9);
		put_digits(p + fd, frac, fd);
		p += fd;
		*p++ = 'e';
		*p++ = (r >> 63) ? '-' : '+';
		n = e < 10 ? 1 : 2;
		put_digits(p + n, (uint64_t)e, n);
		return (size_t)(p + n - o);
	}
	n = (int)piece(r, 20, 7);          /* integer digits, 0..6 */
	fd = 1 + (int)piece(r, 36, 4);
	ip = n == 0 ? 0 : p10[n - 1] + sl_rng_scale(x, p10[n] - p10[n - 1]);
	if (n == 0)
		n = 1;
	put_digits(p + n, ip, n);
	p += n;
	*p++ = '.';
	x = sl_rng_next(&g->r);
	frac = sl_rng_scale(x, p10[fd - 1]) * 10 + 1 + piece(x, 0, 9);
	put_digits(p + fd, frac, fd);
	return (size_t)(p + fd - o);
}

/* Days from 2000-01-01 to 2029-12-28, both included. */
#define DATE_DAYS 10955u

/* A day drawn uniformly, as YYYY-MM-DD (Hinnant's civil_from_days). */
static size_t gen_date(struct gen *g, char *o)
{
	/* days since 0000-03-01: 2000-01-01 is day 730425 */
	uint64_t z = 730425 + sl_rng_scale(sl_rng_next(&g->r), DATE_DAYS);
	uint64_t era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1;
	uint64_t m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400 + (m <= 2);

	put_digits(o + 4, y, 4);
	o[4] = '-';
	put_digits(o + 7, m, 2);
	o[7] = '-';
	put_digits(o + 10, d, 2);
	return 10;
}

static size_t gen_cat(struct gen *g, char *o)
{
	uint64_t v = sl_rng_scale(sl_rng_next(&g->r), g->card);

	memcpy(o, "cat", 3);
	put_digits(o + 3 + g->cat_width, v, g->cat_width);
	return 3 + (size_t)g->cat_width;
}

static size_t gen_id(struct gen *g, char *o)
{
	if (++g->id == g->id_next_pow) {
		g->id_len++;
		g->id_next_pow = g->id_len < 20 ? p10[g->id_len] : 0;
	}
	put_digits(o + g->id_len, g->id, g->id_len);
	return (size_t)g->id_len;
}

/* Make the next row in g->fields. */
static void gen_row(struct gen *g)
{
	size_t i, n;
	char *o = g->buf;

	for (i = 0; i < g->ncols; i++, o += FIELD_MAX) {
		switch (g->cols[i].type) {
		case T_ID:
			n = gen_id(g, o);
			break;
		case T_INT:
			n = gen_int(g, o);
			break;
		case T_FLOAT:
			n = gen_float(g, o);
			break;
		case T_DATE:
			n = gen_date(g, o);
			break;
		case T_CAT:
			n = gen_cat(g, o);
			break;
		default:
			n = gen_text(g, o);
			break;
		}
		g->fields[i].len = n;
	}
}

/* ---- the stage ---------------------------------------------------------- */

/*
 * Read spec, NAME:TYPE[,NAME:TYPE...]: the last ':' of a part ends its
 * name.  With cols NULL only check it and count.  Returns the number of
 * columns, or -1 with SL_EINVAL in the context.
 */
static long parse_columns(sl_ctx *ctx, const char *spec,
			  struct column *cols)
{
	const char *p = spec, *end, *colon;
	long n = 0, j;
	int t;

	for (;;) {
		sl_str name;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		for (colon = end; colon > p && colon[-1] != ':'; colon--)
			;
		if (end == p) {
			sl_error(ctx, SL_EINVAL, "empty column in '%s'", spec);
			return -1;
		}
		if (colon == p) {
			sl_error(ctx, SL_EINVAL, "column '%.*s' is not"
				 " NAME:TYPE", (int)(end - p), p);
			return -1;
		}
		name.ptr = p;
		name.len = (size_t)(colon - 1 - p);
		if (name.len == 0) {
			sl_error(ctx, SL_EINVAL, "column '%.*s' has no name",
				 (int)(end - p), p);
			return -1;
		}
		for (t = 0; t < T_COUNT; t++)
			if (strlen(type_names[t]) == (size_t)(end - colon) &&
			    memcmp(type_names[t], colon,
				   (size_t)(end - colon)) == 0)
				break;
		if (t == T_COUNT) {
			sl_error(ctx, SL_EINVAL, "unknown type '%.*s' in column"
				 " '%.*s' (one of id, int, float, date, cat,"
				 " text)", (int)(end - colon), colon,
				 (int)(end - p), p);
			return -1;
		}
		if (cols) {
			for (j = 0; j < n; j++)
				if (cols[j].name.len == name.len &&
				    memcmp(cols[j].name.ptr, name.ptr,
					   name.len) == 0) {
					sl_error(ctx, SL_EINVAL, "column name"
						 " '%.*s' appears twice",
						 (int)name.len, name.ptr);
					return -1;
				}
			cols[n].name = name;
			cols[n].type = (enum col_type)t;
		}
		n++;
		if (!*end)
			return n;
		p = end + 1;
	}
}

static const sl_record *gen_next(sl_iter *it)
{
	struct gen *g = it->state;

	if (g->sink ? sl_sink_bytes(g->sink) >= g->size :
	    g->rec.number >= g->rows)
		return NULL;
	gen_row(g);
	g->rec.number++;
	return &g->rec;
}

/* The columns of spec, checked, with their names as the stage's header. */
static int gen_columns(sl_iter *it, struct gen *g, const char *spec)
{
	sl_str *names;
	long n;
	size_t i;

	if (!spec || !*spec)
		spec = default_columns;
	else if (!(spec = sl_iter_strdup(it, spec)))
		return -1;
	/* the names point into spec, which lives in the arena */
	if ((n = parse_columns(it->ctx, spec, NULL)) < 0)
		return -1;
	g->ncols = (size_t)n;
	g->cols = sl_arena_alloc(it->arena, g->ncols * sizeof(*g->cols));
	g->fields = sl_arena_alloc(it->arena, g->ncols * sizeof(*g->fields));
	names = sl_arena_alloc(it->arena, g->ncols * sizeof(*names));
	g->buf = sl_arena_alloc(it->arena, g->ncols * FIELD_MAX);
	if (!g->cols || !g->fields || !names || !g->buf)
		return -1;
	if (parse_columns(it->ctx, spec, g->cols) < 0)
		return -1;
	for (i = 0; i < g->ncols; i++) {
		names[i] = g->cols[i].name;
		g->fields[i].ptr = g->buf + i * FIELD_MAX;
		g->fields[i].len = 0;
	}
	it->names = names;
	it->nnames = g->ncols;
	return 0;
}

sl_iter *sl_gen(sl_arena *a, const sl_gen_options *o)
{
	sl_iter *it = sl_iter_new_source(a, sizeof(struct gen));
	struct gen *g;
	size_t i;

	if (!it)
		return NULL;
	g = it->state;
	if (gen_columns(it, g, o ? o->columns : NULL) < 0)
		return NULL;
	for (i = 0; i < 64; i++)
		g->word_len[i] = (unsigned char)strnlen(words[i], 8);
	sl_rng_seed(&g->r, o ? o->seed : 0);
	g->id_len = 1;
	g->id_next_pow = 10;
	g->card = o && o->cardinality ? o->cardinality : 100;
	g->cat_width = ndigits(g->card - 1);
	if (g->cat_width < 4)
		g->cat_width = 4;
	g->rows = o ? o->rows : 0;
	g->sink = o ? o->sink : NULL;
	g->size = o ? o->size : 0;
	g->rec.nfields = g->ncols;
	g->rec.fields = g->fields;
	it->format = SL_FORMAT_CSV;
	it->next = gen_next;
	return it;
}
