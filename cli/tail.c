/*
 * tail.c - the last N records, kept in a ring in the budget.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice tail [-n N] [OPTIONS] [FILE...]\n"
	"\n"
	"Print the last N records of the inputs taken together (default 10).\n"
	"The last N records are held in memory, under the ceiling: when they\n"
	"do not fit, the run stops with an error that says so.\n"
	"\n"
	"  -n, --lines N          how many records to print\n";

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

static int explain(struct cli *c, uint64_t want)
{
	if (sl_errcode(c->ctx) == SL_ENOMEM) {
		char ceil[32];

		fprintf(stderr, "sluice tail: the last %llu records do not fit"
			" in the memory ceiling of %s (raise --max-memory or"
			" ask for fewer)\n", (unsigned long long)want,
			sl_format_size(ceil, sizeof(ceil),
				       sl_mem_ceiling(c->ctx)));
	}
	return cli_fail(c);
}

int cmd_tail(int argc, char **argv, struct cli *c)
{
	uint64_t want = 10, seen = 0, i;
	struct cli_saved *ring = NULL;
	size_t cap = 0, used = 0;
	struct cli_input in;
	const sl_record *rec;
	sl_writer *w;
	int ch, status, ring_full = 0;

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
	while (want && (rec = cli_input_next(&in)) != NULL) {
		size_t slot;

		/* the ring grows as records come, up to N slots */
		if (used < want && cli_saved_grow(c, &ring, &cap, used, want,
						  "tail.ring") < 0) {
			ring_full = 1;
			break;
		}
		slot = (size_t)(seen % want);
		if (cli_save(c, &ring[slot], rec, "tail.ring") < 0) {
			ring_full = 1;
			break;
		}
		if (used < want)
			used++;
		seen++;
	}
	cli_input_end(&in);
	if (sl_failed(c->ctx)) {
		cli_saved_free(ring, cap);
		/* the first record too long to read is the reader's to
		 * explain; once records are held, they take the room */
		return ring_full || used ? explain(c, want) : cli_fail(c);
	}
	w = cli_open_writer(c, &in, in.names, in.nnames);
	for (i = 0; w && i < used; i++) {
		struct cli_saved *s = &ring[(seen - used + i) % want];

		if (cli_saved_write(w, s) != SL_OK)
			break;
	}
	cli_saved_free(ring, cap);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
