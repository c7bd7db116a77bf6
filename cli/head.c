/*
 * head.c - the first N records; stops reading once it has them.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice head [-n N] [OPTIONS] [FILE...]\n"
	"\n"
	"Print the first N records of the inputs taken together (default 10)\n"
	"and stop reading.  Lines are written with a \\n ending.\n"
	"\n"
	"  -n, --lines N          how many records to print\n";

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

int cmd_head(int argc, char **argv, struct cli *c)
{
	uint64_t want = 10, done = 0;
	sl_sink *out;
	int ch, i, status;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "n:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if (cli_parse_count(optarg, &want) < 0)
				return cli_usage_error(c, "invalid line count"
						       " '%s'", optarg);
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	if (!(out = cli_open_output(c)))
		return cli_fail(c);
	for (i = optind; done < want && (i < argc || i == optind); i++) {
		sl_arena *a = sl_arena_new(c->ctx, "input");
		sl_lines *lr = a ? sl_lines_open(a, i < argc ? argv[i] : "-")
			: NULL;
		const sl_str *line;

		while (lr && done < want && (line = sl_lines_next(lr))) {
			if (sl_sink_write(out, line->ptr, line->len) != SL_OK ||
			    sl_sink_write(out, "\n", 1) != SL_OK)
				break;
			done++;
		}
		sl_arena_free(a);
		if (sl_failed(c->ctx))
			return cli_fail(c);
	}
	return cli_close_output(c, out);
}
