/*
 * rename.c - rename fields, keeping the rest; reorder.c puts fields first
 * or last.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice rename OLD:NEW[,OLD:NEW...] [OPTIONS] [FILE...]\n"
	"       sluice rename -r REGEX:REPL [-g] [OPTIONS] [FILE...]\n"
	"\n"
	"Rename fields, keeping every field, their order and the records.\n"
	"OLD is a name or a 1-based position; a field is renamed at most once.\n"
	"\n"
	"  -r, --regex REGEX:REPL  rename every field whose name the POSIX\n"
	"                          extended REGEX matches: its first match is\n"
	"                          replaced by REPL, in which \\0 is the match,\n"
	"                          \\1-\\9 its groups and \\\\ a backslash; the\n"
	"                          last ':' ends REGEX\n"
	"  -g, --global            with -r: replace every match, not the first\n";

static const struct option longopts[] = {
	{ "regex", required_argument, NULL, 'r' },
	{ "global", no_argument, NULL, 'g' },
	{ NULL, 0, NULL, 0 },
};

int cmd_rename(int argc, char **argv, struct cli *c)
{
	const char *regex = NULL, *pairs = NULL, *colon;
	int ch, status, global = 0;
	char *re;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "r:g", longopts)) != -1) {
		switch (ch) {
		case 'r':
			regex = optarg;
			break;
		case 'g':
			global = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (regex) {
		colon = strrchr(regex, ':');
		if (!colon || colon == regex)
			return cli_usage_error(c, "-r takes REGEX:REPL, not"
					       " '%s'", regex);
	} else if (optind < argc) {
		pairs = argv[optind++];
		if (!*pairs)
			return cli_usage_error(c, "empty list of OLD:NEW pairs");
	} else {
		return cli_usage_error(c, "give OLD:NEW pairs, or -r"
				       " REGEX:REPL");
	}
	if (global && !regex)
		return cli_usage_error(c, "-g goes with -r");
	if ((status = cli_start(c)) != 0)
		return status;
	if (pairs)
		return cli_run(c, sl_rename(cli_read(c, argc, argv), pairs));
	re = strndup(regex, (size_t)(colon - regex));
	if (!re)
		return cli_usage_error(c, "out of memory");
	status = cli_run(c, sl_rename_regex(cli_read(c, argc, argv), re,
					    colon + 1, global));
	free(re);
	return status;
}
