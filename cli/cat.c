/*
 * cat.c - concatenate inputs: decompress, recompress.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice cat [OPTIONS] [FILE...]\n"
	"\n"
	"Write the inputs one after another.  gzip input is inflated; -z, or\n"
	"an -o name ending in .gz, deflates the output.\n";

int cmd_cat(int argc, char **argv, struct cli *c)
{
	sl_sink *out;
	int ch, i, status;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", NULL)) != -1)
		return cli_stop(c, ch);
	if ((status = cli_start(c)) != 0)
		return status;
	if (!(out = cli_open_output(c)))
		return cli_fail(c);
	i = optind;
	do {
		const char *path = i < argc ? argv[i] : "-";
		sl_arena *a = sl_arena_new(c->ctx, "input");
		sl_source *src = a ? sl_source_open(a, path) : NULL;
		const unsigned char *p;
		size_t n;

		while (src && (p = sl_source_next(src, &n)) != NULL)
			if (sl_sink_write(out, p, n) != SL_OK)
				break;
		sl_arena_free(a);
		if (sl_failed(c->ctx))
			return cli_fail(c);
	} while (++i < argc);
	return cli_close_output(c, out);
}
