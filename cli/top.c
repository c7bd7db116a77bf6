/*
 * top.c - the N greatest records by keys, with a heap of N (sl_top()), or
 * of each group, through the sorter (sl_top_groups()).
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice top -n N -k KEY... [-g GROUP...] [OPTIONS] [FILE...]\n"
	"\n"
	"Write the N records greatest by the keys, greatest first, holding\n"
	"only N records in memory.  Ties go to the earlier record.  With -g,\n"
	"the N greatest of each group of records equal on the group keys,\n"
	"the groups in the order of their keys: the records are sorted under\n"
	"the ceiling (and spilled to disk as needed) so that any number of\n"
	"groups fits.\n"
	"\n"
	"  -n, --lines N          how many records (default 10), of each\n"
	"                         group with -g\n"
	"  -k, --key KEY          a field name or position (from 1), with\n"
	"                         :FLAGS: n numeric, r reverse (the least);\n"
	"                         repeat or use commas for several\n"
	"  -g, --group GROUP      a field name or position the groups are\n"
	"                         made by (compared byte-wise); repeat or use\n"
	"                         commas for several\n";

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ "key", required_argument, NULL, 'k' },
	{ "group", required_argument, NULL, 'g' },
	{ NULL, 0, NULL, 0 },
};

int cmd_top(int argc, char **argv, struct cli *c)
{
	struct cli_list specs = { 0 }, gspecs = { 0 };
	sl_sort_options so = { 0 };
	uint64_t want = 10;
	const char *keys, *groups;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "n:k:g:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &want)) != 0)
				return status;
			break;
		case 'k':
			if ((status = cli_list_add(c, &specs, "-k",
						   optarg)) != 0)
				return status;
			break;
		case 'g':
			if ((status = cli_list_add(c, &gspecs, "-g",
						   optarg)) != 0)
				return status;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!specs.narg)
		return cli_usage_error(c, "give the keys with -k");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_list_join(c, &specs, &keys)) != 0)
		return status;
	if (!gspecs.narg)
		return cli_run(c, sl_top(cli_read(c, argc, argv), want, keys));
	if ((status = cli_list_join(c, &gspecs, &groups)) != 0)
		return status;
	cli_sort_spill(c, &so);
	return cli_run(c, sl_top_groups(cli_read(c, argc, argv), want, keys,
					groups, &so));
}
