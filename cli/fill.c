/*
 * fill.c - fill empty values down from the last non-empty one.
 */
#include "cli.h"

static const char fill_usage[] =
	"usage: sluice fill -f LIST [OPTIONS] [FILE...]\n"
	"       sluice fill --all [OPTIONS] [FILE...]\n"
	"\n"
	"Fill each empty value of the fields in LIST with the last non-empty\n"
	"value above it (empty: \"\" in CSV and TSV, and \"\", null or a key left\n"
	"out in JSON; the filled value keeps its JSON type).  Values before\n"
	"the first non-empty one stay empty.\n"
	"\n"
	"  -f, --fields LIST      the fields to fill; repeat or use commas\n"
	"  -a, --all              every field\n";

static const struct option fill_opts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "all", no_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 },
};

int cmd_fill(int argc, char **argv, struct cli *c)
{
	struct cli_list list = { 0 };
	const char *fields = "";
	int ch, status, all = 0;

	c->usage = fill_usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "f:a", fill_opts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &list, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'a':
			all = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!list.narg == !all)
		return cli_usage_error(c, "give one of -f LIST or --all");
	if ((status = cli_start(c)) != 0)
		return status;
	if (list.narg && (status = cli_list_join(c, &list, &fields)) != 0)
		return status;
	return cli_run(c, sl_fill(cli_read(c, argc, argv), fields));
}
