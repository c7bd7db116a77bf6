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
		return cli_expr_error(c, text, sl_iter_errcol(it));
	return cli_run(c, it);
}
