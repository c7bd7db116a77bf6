/*
 * implode.c - adjacent records equal but for one field made one, its
 * values joined (explode.c has the options, shared).
 */
#include "cli.h"

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

int cmd_implode(int argc, char **argv, struct cli *c)
{
	c->usage = implode_usage;
	return cli_explode_or_implode(argc, argv, c, 1);
}
