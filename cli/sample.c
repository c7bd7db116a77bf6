/*
 * sample.c - N records chosen uniformly at random, in one pass: the
 * reservoir of sl_sample().  Without --seed the seed comes from
 * getrandom(), else from the time and the process id.
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice sample -n N [--seed S] [OPTIONS] [FILE...]\n"
	"\n"
	"Print N records chosen uniformly at random from the inputs, in their\n"
	"input order, reading them once and holding N in memory.  The same\n"
	"seed with the same input gives the same sample; without --seed the\n"
	"seed is random.\n"
	"\n"
	"  -n, --lines N          how many records to keep (default 10)\n"
	"      --seed S           seed the random numbers (an integer)\n";

enum { OPT_SEED = 512 };

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ NULL, 0, NULL, 0 },
};

int cmd_sample(int argc, char **argv, struct cli *c)
{
	uint64_t want = 10, seed = 0;
	int ch, status, seeded = 0;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "n:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &want)) != 0)
				return status;
			break;
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
	return cli_run(c, sl_sample(cli_read(c, argc, argv), want, seed));
}
