/*
 * sort.c - sort records of any number under the memory ceiling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice sort [-k KEY]... [OPTIONS] [FILE...]\n"
	"\n"
	"Write the records in order of the keys (of all fields, left to\n"
	"right, without -k).  Records are sorted in memory up to the ceiling,\n"
	"then spilled to compressed runs and merged; input that fits is never\n"
	"written to disk.  The sort is stable.\n"
	"\n"
	"  -k, --key KEY          a field name or position (from 1), with\n"
	"                         :FLAGS after it: n numeric, r reverse;\n"
	"                         repeat or use commas for several, e.g.\n"
	"                         -k country -k amount:nr or\n"
	"                         -k country,amount:nr.  Without n the\n"
	"                         order is byte-wise (as LC_ALL=C); with n,\n"
	"                         decimal numbers by exact value (of any\n"
	"                         length), after the fields that are not\n"
	"                         numbers (those byte-wise)\n"
	"      --tmpdir DIR       where spill files go (default $TMPDIR or\n"
	"                         /tmp); they are unlinked as they are made\n"
	"      --spill-level N    gzip level of spill files, 1-9 (default 1)\n"
	"      --tmp-limit SIZE   most disk the spill files may use at once\n";

enum { OPT_TMPDIR = 512, OPT_SPILL_LEVEL, OPT_TMP_LIMIT };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "spill-level", required_argument, NULL, OPT_SPILL_LEVEL },
	{ "tmp-limit", required_argument, NULL, OPT_TMP_LIMIT },
	{ NULL, 0, NULL, 0 },
};

int cmd_sort(int argc, char **argv, struct cli *c)
{
	sl_sort_options so = { 0 };
	struct cli_list specs = { 0 };
	const char *keys;
	uint64_t v;
	size_t n;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "k:", longopts)) != -1) {
		switch (ch) {
		case 'k':
			if ((status = cli_list_add(c, &specs, "-k",
						   optarg)) != 0)
				return status;
			break;
		case OPT_TMPDIR:
			so.tmpdir = optarg;
			break;
		case OPT_SPILL_LEVEL:
			if (cli_parse_count(optarg, &v) < 0 || v < 1 || v > 9)
				return cli_usage_error(c, "invalid --spill-level"
						       " '%s' (1 to 9)", optarg);
			so.level = (int)v;
			break;
		case OPT_TMP_LIMIT:
			if (cli_parse_size(optarg, &n) < 0 || n == 0)
				return cli_usage_error(c, "invalid --tmp-limit"
						       " '%s'", optarg);
			so.tmp_limit = n;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_list_join(c, &specs, &keys)) != 0)
		return status;
	return cli_run(c, sl_sort(cli_read(c, argc, argv), keys, &so));
}
