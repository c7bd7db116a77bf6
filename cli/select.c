/*
 * select.c - choose, reorder, rename or drop fields.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice select -f LIST [OPTIONS] [FILE...]\n"
	"       sluice select -x LIST [OPTIONS] [FILE...]\n"
	"\n"
	"Write the fields in LIST, in its order: comma-separated names,\n"
	"1-based positions and ranges of positions (2-5, 7- to the last),\n"
	"each name or position optionally renamed with :NEWNAME\n"
	"(amount:total).  A field may be chosen more than once.\n"
	"\n"
	"  -f, --fields LIST      the fields to keep; repeat or use commas\n"
	"  -x, --exclude LIST     the fields to drop instead (no renames);\n"
	"                         repeat or use commas\n";

static const struct option longopts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "exclude", required_argument, NULL, 'x' },
	{ NULL, 0, NULL, 0 },
};

int cmd_select(int argc, char **argv, struct cli *c)
{
	struct cli_list list = { 0 }, exclude = { 0 };
	const char *fields;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "f:x:", longopts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &list, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'x':
			if ((status = cli_list_add(c, &exclude, "-x",
						   optarg)) != 0)
				return status;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!list.narg == !exclude.narg)
		return cli_usage_error(c, "give one of -f LIST or -x LIST");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_list_join(c, list.narg ? &list : &exclude,
				    &fields)) != 0)
		return status;
	return cli_run(c, sl_select(cli_read(c, argc, argv), fields,
				    exclude.narg != 0));
}
