/*
 * put.c - set or add fields from expressions.
 */
#include "cli.h"

static const struct option longopts[] = {
	{ NULL, 0, NULL, 0 },
};

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
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1)
		return cli_stop(c, ch);
	if (optind >= argc)
		return cli_usage_error(c, "missing the assignments");
	text = argv[optind++];
	if ((status = cli_start(c)) != 0)
		return status;
	it = sl_put(cli_read(c, argc, argv), text);
	if (!sl_iter_header(it, &n) && sl_errcode(c->ctx) == SL_EINVAL &&
	    it)
		return cli_expr_error(c, text, sl_iter_errcol(it));
	return cli_run(c, it);
}
