/*
 * freq.c - exact value counts, most frequent first.
 *
 * The work is the library's freq stage (lib/iter_agg.c): values are
 * counted by the aggregator (one group per distinct value, spilled and
 * combined when they outgrow the ceiling), then ranked by a sorter
 * ordered by count, descending, and value, so the whole job stays under
 * the ceiling.  This file reads the options.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice freq -f FIELD[,FIELD...] [-n TOP] [--partial]\n"
	"                   [OPTIONS] [FILE...]\n"
	"\n"
	"Count how often each value of FIELD occurs (each combination, for\n"
	"several fields) and write the values with their counts, most\n"
	"frequent first, ties in byte order of the values.  Exact for any\n"
	"number of distinct values: they spill to compressed temporary files\n"
	"under the memory ceiling.\n"
	"\n"
	"  -f, --fields FIELDS    the field or fields to count (names or\n"
	"                         positions from 1); repeat or use commas\n"
	"  -n, --top N            only the N most frequent (0: all)\n"
	"      --partial          write the counts as JSON Lines for sluice\n"
	"                         merge instead of results\n";

enum { OPT_PARTIAL = 512 };

static const struct option longopts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "top", required_argument, NULL, 'n' },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ NULL, 0, NULL, 0 },
};

int cmd_freq(int argc, char **argv, struct cli *c)
{
	struct cli_list flist = { 0 };
	sl_agg_options ao = { 0 };
	int ch, status, partial = 0;
	const char *fields;
	uint64_t top = 0;
	sl_iter *it;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "f:n:", longopts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &flist, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &top)) != 0)
				return status;
			break;
		case OPT_PARTIAL:
			partial = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!flist.narg)
		return cli_usage_error(c, "give the field to count with -f");
	if ((status = cli_start(c)) != 0)
		return status;
	cli_agg_spill(c, &ao);
	if ((status = cli_list_join(c, &flist, &fields)) != 0)
		return status;
	it = sl_freq_opts(cli_read(c, argc, argv), fields, top, &ao);
	return partial ? cli_run_partial(c, it) : cli_run(c, it);
}
