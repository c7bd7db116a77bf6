/*
 * split.c - sluice split: part I of N of a file, cut at record
 * boundaries, header first (the algorithm is lib/split.c).
 */
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice split --parts N --part I [OPTIONS] FILE\n"
	"\n"
	"Write part I (1 to N) of N parts of FILE: the header, then a range\n"
	"of the file's bytes that starts and ends at record boundaries, so\n"
	"that N workers can each read a share of one file without copying\n"
	"it:\n"
	"\n"
	"  parallel 'sluice split --parts 4 --part {} f.csv | sluice count'\\\n"
	"     ::: 1 2 3 4\n"
	"\n"
	"Bytes are copied, not parsed.  The parts' bodies, in order, are the\n"
	"file's body exactly: every record is in one part, and a part may be\n"
	"only the header.  A CSV newline inside quotes is not a boundary, so\n"
	"a CSV file is read from its start to the end of the part.  FILE must\n"
	"be a regular file, not compressed, or block gzip: a file any sluice\n"
	"verb that writes records wrote with -z --blocks, whose members say\n"
	"where records start.  A part of block gzip is cut on members, from\n"
	"the first record that starts in its first member, and only its\n"
	"members are inflated (ordinary gzip must be inflated from its start,\n"
	"so it is refused).\n"
	"\n"
	"      --parts N          how many parts in all (1 to 4294967295)\n"
	"      --part I           which part to write, from 1\n";

enum { OPT_PARTS = 512, OPT_PART };

static const struct option longopts[] = {
	{ "parts", required_argument, NULL, OPT_PARTS },
	{ "part", required_argument, NULL, OPT_PART },
	{ NULL, 0, NULL, 0 },
};

int cmd_split(int argc, char **argv, struct cli *c)
{
	uint64_t parts = 0, part = 0;
	const char *parts_arg = NULL, *part_arg = NULL;
	sl_split_options so;
	sl_split *sp;
	sl_sink *out;
	int ch, status;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case OPT_PARTS:
			parts_arg = optarg;
			break;
		case OPT_PART:
			part_arg = optarg;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!parts_arg)
		return cli_usage_error(c, "missing --parts N");
	if (!part_arg)
		return cli_usage_error(c, "missing --part I");
	if (cli_parse_count(parts_arg, &parts) < 0 || parts < 1 ||
	    parts > UINT32_MAX)
		return cli_usage_error(c, "invalid --parts '%s' (1 to %lu)",
				       parts_arg, (unsigned long)UINT32_MAX);
	if (cli_parse_count(part_arg, &part) < 0 || part < 1 || part > parts)
		return cli_usage_error(c, "invalid --part '%s' (1 to %llu)",
				       part_arg, (unsigned long long)parts);
	if (optind == argc || strcmp(argv[optind], "-") == 0)
		return cli_usage_error(c, "split needs a regular file: it"
				       " seeks, so it cannot read standard"
				       " input");
	if (argc - optind > 1)
		return cli_usage_error(c, "split takes one FILE, not %d",
				       argc - optind);
	if ((status = cli_start(c)) != 0)
		return status;
	so = (sl_split_options){
		.format = c->ropt.format,
		.delimiter = c->ropt.delimiter,
		.no_header = c->ropt.no_header,
		.out_format = c->out_format,
	};
	/* the output is opened once the part's start is found: a file that
	 * cannot be split leaves none */
	sp = sl_split_open(c->arena, argv[optind], parts, part, &so);
	if (!sp || !(out = cli_open_output(c)) ||
	    sl_split_write(sp, out) != SL_OK)
		return cli_fail(c);
	return cli_close_output(c, out);
}
