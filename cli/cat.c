/*
 * cat.c - concatenate inputs, converting between formats.
 *
 * Records are always read and written, even when the formats match: a
 * copy of the bytes would pass on what every other verb refuses (a
 * ragged row, a bad quote, a file that is not in the format asked for)
 * and would join an unterminated last line to the next file's first.
 * Several CSV or TSV inputs give one header.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice cat [OPTIONS] [FILE...]\n"
	"\n"
	"Write the inputs one after another, converting between formats:\n"
	"  sluice cat -O jsonl big.csv.gz > big.jsonl\n"
	"gzip input is inflated; -z, or an -o name ending in .gz, deflates the\n"
	"output.  Records are read and checked as by every verb, so a bad\n"
	"record is an error (or skipped, with --on-error skip) even when the\n"
	"formats match; values come out unchanged, while CSV quoting and line\n"
	"endings are written anew (quotes only where needed, LF).  Several\n"
	"CSV or TSV inputs give one header.\n";

int cmd_cat(int argc, char **argv, struct cli *c)
{
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "", NULL)) != -1)
		return cli_stop(c, ch);
	if ((status = cli_start(c)) != 0)
		return status;
	return cli_run(c, cli_read(c, argc, argv));
}
