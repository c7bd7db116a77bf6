/*
 * filter.c - keep the records for which an expression is true.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice filter [-v] EXPR [OPTIONS] [FILE...]\n"
	"\n"
	"Write the records for which EXPR is true (with -v, false), e.g.\n"
	"  sluice filter 'amount > 100 && country =~ \"^(NO|SE)$\"' sales.csv\n"
	"\n"
	"Fields: a bare name, $name, ${name with spaces} or $3 (from 1).\n"
	"Literals: numbers, \"strings\" or 'strings' (\\\" \\' \\\\ \\n \\t \\r),\n"
	"true, false.  Operators, loosest first: || && then == != < <= > >=\n"
	"=~ !~ (not chained) then + - then * / % then unary ! and -.\n"
	"Comparisons are numeric when both sides are decimal numbers, byte-wise\n"
	"otherwise.  Fields and number literals compare by exact value, of any\n"
	"length (1.0 == 1; 1234567890123456789 > 1234567890123456788);\n"
	"+ - * of decimals of up to 18 digits are exact (0.1 + 0.2 is 0.3),\n"
	"the rest is in doubles, and a computed number compares as one.\n"
	"Arithmetic on a non-number gives NaN, which compares false (but for\n"
	"!=).  =~ and !~ take a POSIX extended regular expression as a\n"
	"string literal.  A value is true when it is true, a number other than\n"
	"0, or a non-empty string.  On JSON Lines a missing key is empty.\n"
	"Functions: len(x) (bytes), lower(x), upper(x) (ASCII), is_empty(x),\n"
	"contains(x, s), starts_with(x, s), and put's (sluice put --help):\n"
	"c ? a : b, a . b and more functions.  An EXPR that starts with '-'\n"
	"goes after --: sluice filter -- '-x > 1' FILE.\n"
	"\n"
	"  -v, --invert           keep the records for which EXPR is false\n";

static const struct option longopts[] = {
	{ "invert", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* The message, then the expression with a caret under the column. */
static int syntax_error(struct cli *c, const char *text, size_t col)
{
	fprintf(stderr, "sluice %s: %s\n", c->verb, sl_errmsg(c->ctx));
	if (col && !strchr(text, '\n'))
		fprintf(stderr, "  %s\n  %*s^\n", text, (int)(col - 1), "");
	return EXIT_USAGE;
}

int cmd_filter(int argc, char **argv, struct cli *c)
{
	int ch, status, invert = 0;
	const char *text;
	sl_iter *it;
	size_t n;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "v", longopts)) != -1) {
		switch (ch) {
		case 'v':
			invert = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (optind >= argc)
		return cli_usage_error(c, "missing the expression");
	text = argv[optind++];
	if ((status = cli_start(c)) != 0)
		return status;
	it = sl_filter(cli_read(c, argc, argv), text, invert);
	if (!sl_iter_header(it, &n) && sl_errcode(c->ctx) == SL_EINVAL &&
	    it)
		return syntax_error(c, text, sl_iter_errcol(it));
	return cli_run(c, it);
}

static const char put_usage[] =
	"usage: sluice put 'NAME = EXPR; ...' [OPTIONS] [FILE...]\n"
	"\n"
	"Set fields from expressions, in order: a NAME the header has gets the\n"
	"value, a new one is added at the end of the header; a later EXPR sees\n"
	"what an earlier one set.  E.g.\n"
	"  sluice put 'total = price * qty; name = upper(name);\n"
	"              size = total > 100 ? \"big\" : \"small\"' sales.csv\n"
	"\n"
	"EXPR is filter's language (sluice filter --help), with more:\n"
	"  c ? a : b         a when c is true, else b (loosest of all)\n"
	"  a . b             the texts joined (with +, -; spaces around it, as\n"
	"                    a.b is one field name)\n"
	"  concat(a, ...)    the texts joined; strlen(s) in characters\n"
	"  substr(s, i[, n]) n characters (all) from the i-th, from 1\n"
	"  replace(s, RE, r) every match of the regular expression RE (a\n"
	"                    string literal) replaced by r (\\\\1 a group)\n"
	"  split(s, sep, i)  the i-th piece of s cut at sep, from 1\n"
	"  fmtnum(x, FMT)    x by one printf conversion: %.2f, %08d, %x, %e\n"
	"  to_number(s) round(x[, digits]) abs(x) min(x, ...) max(x, ...)\n"
	"  year(d) month(d) day(d) date_diff(a, b) (days from b to a), of\n"
	"                    YYYY-MM-DD dates (a time after them is allowed)\n"
	"A number a field or literal gave keeps its exact text; + - * of\n"
	"decimals of up to 18 digits give the exact decimal (1.50 * 2 is 3);\n"
	"other computed numbers, the shortest decimal that reads back as the\n"
	"same double; no number (NaN) is empty, and null in JSON.  JSON types\n"
	"follow the values: strings, numbers, true and false.\n";

int cmd_put(int argc, char **argv, struct cli *c)
{
	int ch, status;
	const char *text;
	sl_iter *it;
	size_t n;

	c->usage = put_usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "", longopts + 1)) != -1)
		return cli_stop(c, ch);
	if (optind >= argc)
		return cli_usage_error(c, "missing the assignments");
	text = argv[optind++];
	if ((status = cli_start(c)) != 0)
		return status;
	it = sl_put(cli_read(c, argc, argv), text);
	if (!sl_iter_header(it, &n) && sl_errcode(c->ctx) == SL_EINVAL &&
	    it)
		return syntax_error(c, text, sl_iter_errcol(it));
	return cli_run(c, it);
}
