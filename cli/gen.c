/*
 * gen.c - a reproducible synthetic table, streamed at constant memory.
 *
 * Each row is built in one small buffer (about 96 bytes a column) as
 * sl_str views and handed to the library writer, which quotes and escapes
 * it for the output format; nothing of the table is kept.  The numbers
 * come from one sl_rng stream (xoshiro256** seeded through splitmix64, as
 * for sample), drawn in a fixed order, so a seed and a set of options always
 * give the same bytes, and --rows N is a prefix of --rows M > N.  Every
 * value is made from integers only (no printf, no floating point), so the
 * text does not depend on the machine or its C library.
 *
 * --size stops after the first record that brings the output, header
 * included, to SIZE bytes or more, as sl_sink_bytes() counts them.
 */
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice gen (--rows N | --size SIZE) [--seed S] [--columns SPEC]\n"
	"                  [--cardinality K] [-O csv|tsv|jsonl|lines] [OPTIONS]\n"
	"\n"
	"Write a synthetic table: a header of column names, then rows.  The\n"
	"same seed and options give the same bytes on any machine; the table\n"
	"is streamed, never held, so any size runs in a few KB of state.\n"
	"\n"
	"  --rows N          stop after N records\n"
	"  --size SIZE       stop after the first record that brings the\n"
	"                    output (uncompressed bytes, header included) to\n"
	"                    SIZE or more; K/M/G suffixes\n"
	"                    (one of --rows and --size is required)\n"
	"  --seed S          seed of the pseudo-random numbers, a non-negative\n"
	"                    integer (default 1)\n"
	"  --columns SPEC    NAME:TYPE columns; repeat or use commas, default\n"
	"                    id:id,int:int,float:float,date:date,cat:cat,text:text\n"
	"                    (a type may repeat, a name may not)\n"
	"  --cardinality K   how many distinct cat values (default 100)\n"
	"\n"
	"Types:\n"
	"  id     1, 2, 3, ...\n"
	"  int    integers of 1 to 12 digits, each length as likely; about\n"
	"         10% negative\n"
	"  float  decimals like 123.4567 or -0.5, about 10% negative; about 5%\n"
	"         in exponent form like 1.25e-3 or 6.02e+23\n"
	"  date   YYYY-MM-DD, a day from 2000-01-01 to 2029-12-28\n"
	"  cat    one of K values cat0000, cat0001, ... (zero-padded to the\n"
	"         width of K-1, at least 4 digits), each as likely\n"
	"  text   0 to 60 bytes of words: about 5% empty, 3% with a comma,\n"
	"         3% with double quotes, 1% with a newline\n"
	"\n"
	"The output format is -O, else the one the -o FILE name suggests, else\n"
	"csv; the writer quotes and escapes each field as the format needs (csv\n"
	"doubles quotes, tsv writes \\n).  -o FILE writes FILE atomically, -z\n"
	"gzips (--size still counts the bytes before compression).\n";

enum {
	OPT_ROWS = 512,
	OPT_SIZE,
	OPT_SEED,
	OPT_COLUMNS,
	OPT_CARDINALITY
};

static const struct option longopts[] = {
	{ "rows", required_argument, NULL, OPT_ROWS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "cardinality", required_argument, NULL, OPT_CARDINALITY },
	{ NULL, 0, NULL, 0 },
};

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
	/* the cost of a row in output bytes */
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

/* ---- the verb ----------------------------------------------------------- */

/*
 * Read SPEC, NAME:TYPE[,NAME:TYPE...], after the n columns cols[0..n) of
 * the --columns before it: the last ':' of a part ends its name.  With
 * cols NULL only check it.  Returns the number of columns so far, or -1
 * after printing what is wrong.
 */
static int parse_columns(struct cli *c, const char *spec,
			 struct column *cols, int n)
{
	const char *p = spec, *end, *colon;
	int t, j;

	for (;;) {
		sl_str name;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		for (colon = end; colon > p && colon[-1] != ':'; colon--)
			;
		if (end == p) {
			cli_usage_error(c, "empty column in --columns '%s'",
					spec);
			return -1;
		}
		if (colon == p) {
			cli_usage_error(c, "column '%.*s' is not NAME:TYPE",
					(int)(end - p), p);
			return -1;
		}
		name.ptr = p;
		name.len = (size_t)(colon - 1 - p);
		if (name.len == 0) {
			cli_usage_error(c, "column '%.*s' has no name",
					(int)(end - p), p);
			return -1;
		}
		for (t = 0; t < T_COUNT; t++)
			if (strlen(type_names[t]) == (size_t)(end - colon) &&
			    memcmp(type_names[t], colon,
				   (size_t)(end - colon)) == 0)
				break;
		if (t == T_COUNT) {
			cli_usage_error(c, "unknown type '%.*s' in column"
					" '%.*s' (one of id, int, float, date,"
					" cat, text)", (int)(end - colon),
					colon, (int)(end - p), p);
			return -1;
		}
		if (cols) {
			for (j = 0; j < n; j++)
				if (cols[j].name.len == name.len &&
				    memcmp(cols[j].name.ptr, name.ptr,
					   name.len) == 0) {
					cli_usage_error(c, "column name '%.*s'"
							" appears twice",
							(int)name.len,
							name.ptr);
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

int cmd_gen(int argc, char **argv, struct cli *c)
{
	uint64_t rows = 0, seed = 1, card = 100, done;
	struct cli_list columns = { 0 };
	int have_rows = 0, have_size = 0, ch, status, n;
	size_t size = 0, i;
	sl_str *names;
	sl_format fmt;
	sl_writer *w;
	sl_sink *out;
	struct gen g;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case OPT_ROWS:
			if (cli_parse_count(optarg, &rows) < 0)
				return cli_usage_error(c, "invalid --rows '%s'"
						       " (a record count)",
						       optarg);
			have_rows = 1;
			break;
		case OPT_SIZE:
			if (cli_parse_size(optarg, &size) < 0)
				return cli_usage_error(c, "invalid --size '%s'"
						       " (bytes, K/M/G"
						       " suffixes)", optarg);
			have_size = 1;
			break;
		case OPT_SEED:
			if (cli_parse_count(optarg, &seed) < 0)
				return cli_usage_error(c, "invalid seed '%s'"
						       " (a non-negative"
						       " integer)", optarg);
			break;
		case OPT_COLUMNS:
			if ((status = cli_list_add(c, &columns, "--columns",
						   optarg)) != 0)
				return status;
			break;
		case OPT_CARDINALITY:
			if (cli_parse_count(optarg, &card) < 0 || card == 0)
				return cli_usage_error(c, "invalid"
						       " --cardinality '%s'"
						       " (1 or more)", optarg);
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s' (gen"
				       " reads no input)", argv[optind]);
	if (have_rows == have_size)
		return cli_usage_error(c, have_rows ?
				       "give --rows or --size, not both" :
				       "give --rows N or --size SIZE");
	if (!columns.narg)
		columns.arg[columns.narg++] = default_columns;
	for (i = 0, n = 0; i < columns.narg; i++)
		if ((n = parse_columns(c, columns.arg[i], NULL, n)) < 0)
			return EXIT_USAGE;
	if ((status = cli_start(c)) != 0)
		return status;

	memset(&g, 0, sizeof(g));
	g.ncols = (size_t)n;
	g.cols = sl_arena_alloc(c->arena, g.ncols * sizeof(*g.cols));
	g.fields = sl_arena_alloc(c->arena, g.ncols * sizeof(*g.fields));
	names = sl_arena_alloc(c->arena, g.ncols * sizeof(*names));
	g.buf = sl_arena_alloc(c->arena, g.ncols * FIELD_MAX);
	if (!g.cols || !g.fields || !names || !g.buf)
		return cli_fail(c);
	for (i = 0, n = 0; i < columns.narg; i++)
		if ((n = parse_columns(c, columns.arg[i], g.cols, n)) < 0)
			return EXIT_USAGE;
	for (i = 0; i < g.ncols; i++) {
		names[i] = g.cols[i].name;
		g.fields[i].ptr = g.buf + i * FIELD_MAX;
	}
	for (i = 0; i < 64; i++)
		g.word_len[i] = (unsigned char)strnlen(words[i], 8);
	sl_rng_seed(&g.r, seed);
	g.id_len = 1;
	g.id_next_pow = 10;
	g.card = card;
	g.cat_width = ndigits(card - 1);
	if (g.cat_width < 4)
		g.cat_width = 4;
	fmt = cli_output_format(c);
	if (fmt == SL_FORMAT_AUTO)
		fmt = SL_FORMAT_CSV;
	if (!(out = cli_open_output(c)))
		return cli_fail(c);
	w = sl_writer_new(c->arena, out, fmt, &c->wopt);
	if (!w || sl_writer_header(w, names, g.ncols) != SL_OK)
		return cli_fail(c);
	if (have_rows) {
		for (done = 0; done < rows; done++) {
			gen_row(&g);
			if (sl_writer_write(w, g.fields, g.ncols) != SL_OK)
				return cli_fail(c);
		}
	} else {
		while (sl_sink_bytes(out) < size) {
			gen_row(&g);
			if (sl_writer_write(w, g.fields, g.ncols) != SL_OK)
				return cli_fail(c);
		}
	}
	return cli_close_output(c, out);
}
