/*
 * reorder.c - put named fields first (or last), the rest kept in order.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice reorder -f LIST [-e] [OPTIONS] [FILE...]\n"
	"\n"
	"Put the fields in LIST first, in its order, and the others after\n"
	"them in theirs.  LIST is comma-separated names, 1-based positions\n"
	"and ranges (2-5, 7- to the last), each field at most once.\n"
	"\n"
	"  -f, --fields LIST      the fields to move; repeat or use commas\n"
	"  -e, --end              put them last instead\n";

static const struct option longopts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "end", no_argument, NULL, 'e' },
	{ NULL, 0, NULL, 0 },
};

int cmd_reorder(int argc, char **argv, struct cli *c)
{
	struct cli_list list = { 0 };
	const char *fields;
	int ch, status, end = 0;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "f:e", longopts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &list, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'e':
			end = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!list.narg)
		return cli_usage_error(c, "give -f LIST");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_list_join(c, &list, &fields)) != 0)
		return status;
	return cli_run(c, sl_reorder(cli_read(c, argc, argv), fields, end));
}
