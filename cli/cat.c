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
	"Compressed input is decompressed; -z or --zstd, or an -o name ending\n"
	"in .gz or .zst, compresses the output.  Records are read and checked\n"
	"as by every verb, so a bad record is an error (or skipped, with\n"
	"--on-error skip) even when the formats match; values come out\n"
	"unchanged, while CSV quoting and line endings are written anew\n"
	"(quotes only where needed, LF).  Several CSV or TSV inputs give one\n"
	"header.\n";

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
