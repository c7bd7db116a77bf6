/*
 * tail.c - the last N records, kept in a ring in the budget (sl_tail()).
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice tail [-n N] [OPTIONS] [FILE...]\n"
	"\n"
	"Print the last N records of the inputs taken together (default 10).\n"
	"The last N records are held in memory, under the ceiling: when they\n"
	"do not fit, the run stops with an error that says so.\n"
	"\n"
	"  -n, --lines N          how many records to print\n";

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

int cmd_tail(int argc, char **argv, struct cli *c)
{
	uint64_t want = 10;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "n:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &want)) != 0)
				return status;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	return cli_run(c, sl_tail(cli_read(c, argc, argv), want));
}
