/*
 * shuffle.c - the records in a random order, seeded, under the memory
 * ceiling (sl_shuffle()).  Without --seed the seed comes from
 * getrandom(2), as sample's does.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice shuffle [--seed S] [OPTIONS] [FILE...]\n"
	"\n"
	"Write the records of the inputs taken together in a uniformly random\n"
	"order.  Each record draws a random number and the records are sorted\n"
	"by it: held in memory up to the ceiling, then spilled to compressed\n"
	"runs and merged, so any number of records shuffles in the one\n"
	"ceiling.  The same seed with the same input gives the same order;\n"
	"without --seed the seed is random.\n"
	"\n"
	"      --seed S           seed the random numbers (an integer)\n";

enum { OPT_SEED = 512 };

static const struct option longopts[] = {
	{ "seed", required_argument, NULL, OPT_SEED },
	{ NULL, 0, NULL, 0 },
};

int cmd_shuffle(int argc, char **argv, struct cli *c)
{
	sl_sort_options so = { 0 };
	uint64_t seed = 0;
	int ch, status, seeded = 0;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case OPT_SEED:
			if ((status = cli_parse_seed(c, optarg, &seed)) != 0)
				return status;
			seeded = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!seeded)
		seed = cli_random_seed();
	if ((status = cli_start(c)) != 0)
		return status;
	cli_sort_spill(c, &so);
	return cli_run(c, sl_shuffle(cli_read(c, argc, argv), seed, &so));
}
