/*
 * stats.c - summary statistics of fields, overall or per group, and the
 * partial states that sluice merge combines.
 *
 * The work is the library's stats stage (lib/iter_agg.c); this file
 * reads the options.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice stats [-g KEYS] [-f FIELDS] [-a AGGS] [--exact]\n"
	"                    [--partial] [OPTIONS] [FILE...]\n"
	"\n"
	"Without -g: one record per field (every field, or those of -f) with\n"
	"its count, empty count, type (int, float, string), min, max, sum,\n"
	"mean, standard deviation, distinct count and quantiles p50, p90 and\n"
	"p99.  With -g: one record per distinct value of the key fields, in\n"
	"byte order of the keys, with a field FIELD_AGG for each field and\n"
	"aggregate (by default count, sum, mean, min and max of every other\n"
	"field).  Any number of groups works under the memory ceiling: they\n"
	"spill to compressed temporary files and are combined at the end.\n"
	"\n"
	"  -g, --group KEYS       the key fields (names or positions from 1);\n"
	"                         repeat or use commas\n"
	"  -f, --fields FIELDS    the fields to summarise; repeat or use\n"
	"                         commas\n"
	"  -a, --aggs AGGS        from: count empty type min max sum mean\n"
	"                         stddev distinct p50 p90 p99 first last;\n"
	"                         repeat or use commas\n"
	"      --exact            distinct and quantiles exact, by sorting\n"
	"                         under the ceiling (spilling as needed)\n"
	"      --partial          write the state as JSON Lines for sluice\n"
	"                         merge instead of results\n"
	"\n"
	"Numbers are decimal ([+-]digits[.digits][e[+-]digits]); sum, mean,\n"
	"stddev (the sample standard deviation) and the quantiles take only\n"
	"them.  sum is exact while every sum so far, written with as many\n"
	"decimals as the number with the most (trailing zeros aside), has at\n"
	"most 76 digits, decimals included (a billion numbers of 38 digits\n"
	"before the point and 28 after, say); beyond that it is a double.\n"
	"mean is the double nearest the exact sum over the count.  min and\n"
	"max are input values, printed as they came (007, 1.50, 1e5):\n"
	"numbers by exact value (equal ones in byte order) before other\n"
	"strings, which compare byte-wise; empty values are left out.  A\n"
	"quantile is the number of nearest rank: p90 of n numbers is the\n"
	"ceil(0.9n)-th smallest, printed as it came too while exact (a\n"
	"sketch's is a double).  distinct counts distinct values, the empty\n"
	"one included.  first and last are the values of a group's first and\n"
	"last records.\n"
	"\n"
	"Exactness: everything is exact except, without -g and --exact,\n"
	"distinct past 65536 distinct values of a field, which then comes\n"
	"from a HyperLogLog sketch (within 2.5% of the true count, 3 standard\n"
	"errors), and quantiles past 65536 numbers, which then come from a\n"
	"KLL sketch (the value's rank is within 1.65% of n of the asked rank\n"
	"with probability 99%); the same happens sooner when the exact values\n"
	"of all fields pass a quarter of the ceiling.  With -g, distinct and\n"
	"quantiles are always exact and have no partial state.\n"
	"\n"
	"Partial states merge exactly: count, empty, type, min, max, sum and\n"
	"mean of the parts combined equal those of one run over the whole;\n"
	"stddev agrees to rounding; first and last follow the order of the\n"
	"files given to merge.\n";

enum { OPT_EXACT = 512, OPT_PARTIAL };

static const struct option longopts[] = {
	{ "group", required_argument, NULL, 'g' },
	{ "fields", required_argument, NULL, 'f' },
	{ "aggs", required_argument, NULL, 'a' },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ NULL, 0, NULL, 0 },
};

int cmd_stats(int argc, char **argv, struct cli *c)
{
	struct cli_list glist = { 0 }, flist = { 0 }, alist = { 0 };
	const char *groups, *fields, *aggs;
	sl_agg_options ao = { 0 };
	int ch, status, partial = 0;
	sl_iter *it;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "g:f:a:", longopts)) != -1) {
		switch (ch) {
		case 'g':
			if ((status = cli_list_add(c, &glist, "-g",
						   optarg)) != 0)
				return status;
			break;
		case 'f':
			if ((status = cli_list_add(c, &flist, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'a':
			if ((status = cli_list_add(c, &alist, "-a",
						   optarg)) != 0)
				return status;
			break;
		case OPT_EXACT:
			ao.exact = 1;
			break;
		case OPT_PARTIAL:
			partial = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	cli_agg_spill(c, &ao);
	if ((status = cli_list_join(c, &glist, &groups)) != 0 ||
	    (status = cli_list_join(c, &flist, &fields)) != 0 ||
	    (status = cli_list_join(c, &alist, &aggs)) != 0)
		return status;
	it = sl_stats_opts(cli_read(c, argc, argv), groups, fields, aggs, &ao);
	return partial ? cli_run_partial(c, it) : cli_run(c, it);
}
