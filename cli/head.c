/*
 * head.c - the first N records; stops reading once it has them.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice head [-n N] [OPTIONS] [FILE...]\n"
	"\n"
	"Print the first N records of the inputs taken together (default 10)\n"
	"and stop reading.\n"
	"\n"
	"  -n, --lines N          how many records to print\n";

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

int cmd_head(int argc, char **argv, struct cli *c)
{
	uint64_t want = 10, done = 0;
	struct cli_input in;
	const sl_record *rec;
	sl_writer *w;
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
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	w = cli_open_writer(c, &in, in.names, in.nnames);
	if (!w)
		return cli_fail(c);
	while (done < want && (rec = cli_input_next(&in)) != NULL) {
		if (sl_writer_write_record(w, rec) != SL_OK)
			break;
		done++;
	}
	cli_input_end(&in);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
