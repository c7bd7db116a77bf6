/*
 * count.c - count records.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice count [OPTIONS] [FILE...]\n"
	"\n"
	"Print the number of records in all the inputs together.  A CSV or\n"
	"TSV header is not a record (unless --no-header); a newline inside a\n"
	"quoted CSV field does not make one; in lines, a last line without a\n"
	"newline counts.\n"
	"\n"
	"      --partial          write the count as a partial state (JSON\n"
	"                         Lines) for sluice merge\n";

enum { OPT_PARTIAL = 512 };

static const struct option longopts[] = {
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ NULL, 0, NULL, 0 },
};

/* The count as a partial state, through the aggregator. */
static int write_partial(struct cli *c, uint64_t total)
{
	sl_agg_spec sp = { .verb = "count" };
	sl_agg *g = sl_agg_new(c->arena, 0, 0, NULL, 0, NULL);
	char line[64];
	int n;

	n = snprintf(line, sizeof(line), "{\"key\":[],\"rows\":%" PRIu64
		     ",\"fields\":[]}", total);
	if (!g || sl_agg_add_partial(g, line, (size_t)n) != SL_OK)
		return cli_fail(c);
	return cli_write_partial(c, g, &sp);
}

int cmd_count(int argc, char **argv, struct cli *c)
{
	uint64_t total = 0;
	char text[32];
	sl_sink *out;
	int ch, i, n, status, partial = 0;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1) {
		if (ch != OPT_PARTIAL)
			return cli_stop(c, ch);
		partial = 1;
	}
	if ((status = cli_start(c)) != 0)
		return status;
	i = optind;
	do {
		sl_arena *a = sl_arena_new(c->ctx, "input");
		uint64_t records, skipped;

		if (a && sl_count_input(a, i < argc ? argv[i] : "-", &c->ropt,
					&records, &skipped) == SL_OK) {
			total += records;
			c->skipped += skipped;
		}
		sl_arena_free(a);
		if (sl_failed(c->ctx))
			return cli_fail(c);
	} while (++i < argc);
	if (partial)
		return write_partial(c, total);
	if (!(out = cli_open_output(c)))
		return cli_fail(c);
	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", total);
	if (sl_sink_write(out, text, (size_t)n) != SL_OK)
		return cli_fail(c);
	return cli_close_output(c, out);
}
