/*
 * reverse.c - the records last to first, under the memory ceiling
 * (sl_reverse()).
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice reverse [OPTIONS] [FILE...]\n"
	"\n"
	"Write the records of the inputs taken together, last first.  They\n"
	"are held in memory up to the ceiling, then spilled to compressed runs\n"
	"and merged, as sort does: any number of records, in the one ceiling.\n";

static const struct option longopts[] = {
	{ NULL, 0, NULL, 0 },
};

int cmd_reverse(int argc, char **argv, struct cli *c)
{
	sl_sort_options so = { 0 };
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1)
		return cli_stop(c, ch);
	if ((status = cli_start(c)) != 0)
		return status;
	cli_sort_spill(c, &so);
	return cli_run(c, sl_reverse(cli_read(c, argc, argv), &so));
}
