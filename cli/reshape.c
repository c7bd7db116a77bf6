/*
 * reshape.c - fill, explode and implode: values filled down, split into
 * records, and joined back.
 */
#include "cli.h"

static const char fill_usage[] =
	"usage: sluice fill -f LIST [OPTIONS] [FILE...]\n"
	"       sluice fill --all [OPTIONS] [FILE...]\n"
	"\n"
	"Fill each empty value of the fields in LIST with the last non-empty\n"
	"value above it (empty: \"\" in CSV and TSV, and \"\", null or a key left\n"
	"out in JSON; the filled value keeps its JSON type).  Values before\n"
	"the first non-empty one stay empty.\n"
	"\n"
	"  -f, --fields LIST      the fields to fill; repeat or use commas\n"
	"  -a, --all              every field\n";

static const struct option fill_opts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "all", no_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 },
};

int cmd_fill(int argc, char **argv, struct cli *c)
{
	struct cli_list list = { 0 };
	const char *fields = "";
	int ch, status, all = 0;

	c->usage = fill_usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "f:a", fill_opts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &list, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'a':
			all = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!list.narg == !all)
		return cli_usage_error(c, "give one of -f LIST or --all");
	if ((status = cli_start(c)) != 0)
		return status;
	if (list.narg && (status = cli_list_join(c, &list, &fields)) != 0)
		return status;
	return cli_run(c, sl_fill(cli_read(c, argc, argv), fields));
}

static const char explode_usage[] =
	"usage: sluice explode -f FIELD [-s SEP] [OPTIONS] [FILE...]\n"
	"\n"
	"Write a record for each piece of FIELD split at SEP, the other fields\n"
	"repeated: a;b;c makes three records.  A value without SEP is one\n"
	"piece, an empty value one empty piece.  implode joins them back.\n"
	"\n"
	"  -f, --field FIELD      the field to split (a name or a position)\n"
	"  -s, --sep SEP          the separator, one or more bytes (default ;)\n";

static const char implode_usage[] =
	"usage: sluice implode -f FIELD [-s SEP] [OPTIONS] [FILE...]\n"
	"\n"
	"Make one record of adjacent records equal in every field but FIELD,\n"
	"its values joined by SEP: the reverse of explode.  Records to join\n"
	"must be adjacent (sort first if they are not); a group is held in\n"
	"memory, and one past the ceiling is an error.\n"
	"\n"
	"  -f, --field FIELD      the field to join (a name or a position)\n"
	"  -s, --sep SEP          the separator, bytes or empty (default ;)\n";

static const struct option split_opts[] = {
	{ "field", required_argument, NULL, 'f' },
	{ "sep", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

static int explode_or_implode(int argc, char **argv, struct cli *c,
			      int implode)
{
	const char *field = NULL, *sep = ";";
	int ch, status;

	c->usage = implode ? implode_usage : explode_usage;
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
	return explode_or_implode(argc, argv, c, 0);
}

int cmd_implode(int argc, char **argv, struct cli *c)
{
	return explode_or_implode(argc, argv, c, 1);
}
