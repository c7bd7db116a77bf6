/*
 * table.c - the records as an aligned table for a terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice table [-n N] [-w WIDTH] [--color[=WHEN]] [OPTIONS] [FILE...]\n"
	"       sluice look ...\n"
	"\n"
	"Show the records as an aligned table: the header, a rule, then a\n"
	"line a record (for less -S).  The first N records set each column's\n"
	"width, at most WIDTH; longer values are cut with an ellipsis, and\n"
	"columns of numbers only are aligned right.  Memory holds those N\n"
	"records, whatever the input's size.\n"
	"\n"
	"  -n, --records N        records that set the widths (default 100)\n"
	"  -w, --width WIDTH      the widest a column gets (default 40)\n"
	"      --color[=WHEN]     the header in bold: auto (default: when the\n"
	"                         output is a terminal and NO_COLOR is not\n"
	"                         set), always or never\n";

enum { OPT_COLOR = 512 };

static const struct option longopts[] = {
	{ "records", required_argument, NULL, 'n' },
	{ "width", required_argument, NULL, 'w' },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ NULL, 0, NULL, 0 },
};

int cmd_table(int argc, char **argv, struct cli *c)
{
	sl_table_options o = { 0 };
	const char *color = "auto";
	uint64_t v;
	sl_iter *it;
	sl_sink *out;
	int ch, status;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "n:w:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &o.sample)) != 0)
				return status;
			if (o.sample == 0)
				return cli_usage_error(c, "-n must be 1 or more");
			break;
		case 'w':
			if (cli_parse_count(optarg, &v) < 0 || v < 2 ||
			    v > 100000)
				return cli_usage_error(c, "invalid --width '%s'"
						       " (2 to 100000)", optarg);
			o.max_width = (size_t)v;
			break;
		case OPT_COLOR:
			color = optarg ? optarg : "always";
			if (strcmp(color, "auto") != 0 &&
			    strcmp(color, "always") != 0 &&
			    strcmp(color, "never") != 0)
				return cli_usage_error(c, "invalid --color '%s'"
						       " (auto, always or"
						       " never)", color);
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	o.color = strcmp(color, "always") == 0 ||
		(strcmp(color, "auto") == 0 && !c->output &&
		 isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	if ((status = cli_start(c)) != 0)
		return status;
	it = cli_read(c, argc, argv);
	out = it ? cli_open_output(c) : NULL;
	if (!out || sl_table(it, out, &o) != SL_OK)
		return cli_fail(c);
	c->skipped += sl_iter_skipped(it);
	return cli_close_output(c, out);
}
