/*
 * uniq.c - distinct records (or keys), exact and bounded by a hash table
 * and the sorter: the options of sl_uniq() (lib/iter_sort.c).
 */
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice uniq [-k KEY]... [-c] [--keep first] [OPTIONS] [FILE...]\n"
	"\n"
	"Write one record for each distinct key (each distinct record without\n"
	"-k): the first that has it.  Keys are counted in a hash table while\n"
	"they fit in a quarter of the memory ceiling; past that the table's\n"
	"groups are sorted under the ceiling and spilled to disk, so any\n"
	"number of keys gives the exact answer.  Output is in key order, or\n"
	"in input order with --keep first.\n"
	"\n"
	"  -k, --key KEY          a field name or position (from 1); repeat\n"
	"                         or use commas for several; keys compare\n"
	"                         byte-wise\n"
	"  -c, --count            add a last field, count, with the number of\n"
	"                         records that had the key\n"
	"      --keep first       keep the order of first occurrence\n";

enum { OPT_KEEP = 512 };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "count", no_argument, NULL, 'c' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ NULL, 0, NULL, 0 },
};

int cmd_uniq(int argc, char **argv, struct cli *c)
{
	sl_uniq_options uo = { 0 };
	struct cli_list specs = { 0 };
	const char *keys;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "k:c", longopts)) != -1) {
		switch (ch) {
		case 'k':
			if ((status = cli_list_add(c, &specs, "-k",
						   optarg)) != 0)
				return status;
			break;
		case 'c':
			uo.count = 1;
			break;
		case OPT_KEEP:
			if (strcmp(optarg, "first") != 0)
				return cli_usage_error(c, "--keep takes 'first'");
			uo.keep_first = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	cli_sort_spill(c, &uo.sort);
	if ((status = cli_list_join(c, &specs, &keys)) != 0)
		return status;
	return cli_run(c, sl_uniq(cli_read(c, argc, argv), keys, &uo));
}
