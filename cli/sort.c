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
	"                         numbers (those byte-wise)\n";

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ NULL, 0, NULL, 0 },
};

int cmd_sort(int argc, char **argv, struct cli *c)
{
	sl_sort_options so = { 0 };
	struct cli_list specs = { 0 };
	const char *keys;
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
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	cli_sort_spill(c, &so);
	if ((status = cli_list_join(c, &specs, &keys)) != 0)
		return status;
	return cli_run(c, sl_sort(cli_read(c, argc, argv), keys, &so));
}
