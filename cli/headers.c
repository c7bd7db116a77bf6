/*
 * headers.c - the fields' names and positions, and with --types what
 * their values look like.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice headers [--types] [-n N] [OPTIONS] [FILE...]\n"
	"\n"
	"Write each field's position (from 1) and name, one record a field.\n"
	"Only the header is read, unless --types.\n"
	"\n"
	"  -t, --types            also read the first N records, and give each\n"
	"                         field's type, the narrowest of int, decimal,\n"
	"                         bool, date (YYYY-MM-DD), datetime (ISO 8601)\n"
	"                         and text that all its non-empty values fit\n"
	"                         (empty when none is), and the share of its\n"
	"                         values that are empty\n"
	"  -n, --records N        records --types reads (default 1000)\n";

static const struct option longopts[] = {
	{ "types", no_argument, NULL, 't' },
	{ "records", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

int cmd_headers(int argc, char **argv, struct cli *c)
{
	uint64_t n = 1000;
	int ch, status, types = 0, n_given = 0;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "tn:", longopts)) != -1) {
		switch (ch) {
		case 't':
			types = 1;
			break;
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &n)) != 0)
				return status;
			n_given = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (n_given && !types)
		return cli_usage_error(c, "-n goes with --types");
	if ((status = cli_start(c)) != 0)
		return status;
	return cli_run(c, sl_headers(cli_read(c, argc, argv), types, n));
}
