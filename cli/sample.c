/*
 * sample.c - N records chosen uniformly at random, in one pass.
 *
 * Reservoir sampling (Vitter's algorithm R): the first N records fill the
 * reservoir; record k > N replaces a random slot with probability N/k.
 * The random numbers come from xoshiro256** seeded through splitmix64, so
 * the same seed and input always give the same sample.  The sample is
 * written in input order.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

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

static int by_seq(const void *a, const void *b)
{
	const struct cli_saved *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int cmd_sample(int argc, char **argv, struct cli *c)
{
	uint64_t want = 10, seen = 0, seed = 0, i, k;
	struct cli_saved *res = NULL;
	int ch, status, seeded = 0;
	size_t cap = 0, used = 0;
	struct cli_input in;
	const sl_record *rec;
	sl_writer *w;
	sl_rng r;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "n:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &want)) != 0)
				return status;
			break;
		case OPT_SEED:
			if (cli_parse_count(optarg, &seed) < 0)
				return cli_usage_error(c, "invalid seed '%s'"
						       " (a non-negative"
						       " integer)", optarg);
			seeded = 1;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!seeded && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	sl_rng_seed(&r, seed);
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	while (want && (rec = cli_input_next(&in)) != NULL) {
		seen++;
		if (used < want) {
			if (cli_saved_grow(c, &res, &cap, used, want,
					   "sample.reservoir") < 0)
				break;
			if (cli_save(c, &res[used], rec,
				     "sample.reservoir") < 0)
				break;
			res[used++].seq = seen;
			continue;
		}
		k = sl_rng_below(&r, seen);
		if (k >= want)
			continue;
		if (cli_save(c, &res[k], rec, "sample.reservoir") < 0)
			break;
		res[k].seq = seen;   /* input order across files */
	}
	cli_input_end(&in);
	w = sl_failed(c->ctx) ? NULL :
		cli_open_writer(c, &in, in.names, in.nnames);
	if (w && used)   /* no records: no reservoir, res is NULL */
		qsort(res, used, sizeof(*res), by_seq);
	for (i = 0; w && i < used; i++)
		if (cli_saved_write(w, &res[i]) != SL_OK)
			break;
	cli_saved_free(res, cap);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
