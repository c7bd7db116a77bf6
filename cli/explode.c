/*
 * explode.c - a record for each piece of a field split at a separator;
 * implode.c, the reverse, shares its options and this code.
 */
#include "cli.h"

static const char explode_usage[] =
	"usage: sluice explode -f FIELD [-s SEP] [OPTIONS] [FILE...]\n"
	"\n"
	"Write a record for each piece of FIELD split at SEP, the other fields\n"
	"repeated: a;b;c makes three records.  A value without SEP is one\n"
	"piece, an empty value one empty piece.  implode joins them back.\n"
	"\n"
	"  -f, --field FIELD      the field to split (a name or a position)\n"
	"  -s, --sep SEP          the separator, one or more bytes (default ;)\n";

static const struct option split_opts[] = {
	{ "field", required_argument, NULL, 'f' },
	{ "sep", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

int cli_explode_or_implode(int argc, char **argv, struct cli *c,
			   int implode)
{
	const char *field = NULL, *sep = ";";
	int ch, status;

	if (!implode)
		c->usage = explode_usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "f:s:", split_opts)) != -1) {
		switch (ch) {
		case 'f':
			if (field)
				return cli_usage_error(c, "one -f FIELD");
			field = optarg;
			break;
		case 's':
			sep = optarg;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!field || !*field)
		return cli_usage_error(c, "give -f FIELD");
	if (!implode && !*sep)
		return cli_usage_error(c, "an empty --sep splits nothing");
	if ((status = cli_start(c)) != 0)
		return status;
	return cli_run(c, implode ?
		       sl_implode(cli_read(c, argc, argv), field, sep) :
		       sl_explode(cli_read(c, argc, argv), field, sep));
}

int cmd_explode(int argc, char **argv, struct cli *c)
{
	return cli_explode_or_implode(argc, argv, c, 0);
}
