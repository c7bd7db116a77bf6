/*
 * cat.c - concatenate inputs, converting between formats.
 *
 * When no conversion is asked for (the output format is the inputs' and
 * no record option is set) the bytes are copied as they are, which is
 * exact and fast; gzip is still inflated and deflated.  Otherwise records
 * are read and written: CSV inputs give one header, formats convert.
 */
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice cat [OPTIONS] [FILE...]\n"
	"\n"
	"Write the inputs one after another, converting between formats:\n"
	"  sluice cat -O jsonl big.csv.gz > big.jsonl\n"
	"gzip input is inflated; -z, or an -o name ending in .gz, deflates the\n"
	"output.  When the output format is the input's and no record option\n"
	"is given, bytes are copied unchanged; several CSV or TSV inputs give\n"
	"one header.\n";

/* Can the inputs be copied byte for byte? */
static int bytes_will_do(struct cli *c, int argc, char **argv)
{
	sl_format out = cli_output_format(c);
	int i, n = argc - optind;

	if (c->ropt.on_error == SL_SKIP || c->ropt.no_header ||
	    c->wopt.strings)
		return 0;
	for (i = optind; i < argc || (n == 0 && i == optind); i++) {
		sl_format f = c->ropt.format;

		if (!f && i < argc && strcmp(argv[i], "-") != 0)
			f = sl_format_from_name(argv[i]);
		if (out != SL_FORMAT_AUTO && f != out)
			return 0;
		/* several inputs with headers need the records */
		if (n > 1 && f != SL_FORMAT_LINES && f != SL_FORMAT_JSONL)
			return 0;
	}
	return 1;
}

static int copy_bytes(struct cli *c, int argc, char **argv)
{
	sl_sink *out = cli_open_output(c);
	int i = optind;

	if (!out)
		return cli_fail(c);
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

int cmd_cat(int argc, char **argv, struct cli *c)
{
	struct cli_input in;
	const sl_record *rec;
	sl_writer *w;
	int ch, status;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", NULL)) != -1)
		return cli_stop(c, ch);
	if ((status = cli_start(c)) != 0)
		return status;
	if (bytes_will_do(c, argc, argv))
		return copy_bytes(c, argc, argv);
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	w = cli_open_writer(c, &in, in.names, in.nnames);
	if (!w)
		return cli_fail(c);
	while ((rec = cli_input_next(&in)) != NULL)
		if (sl_writer_write(w, rec->fields, rec->nfields) != SL_OK)
			break;
	cli_input_end(&in);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
