/*
 * merge.c - combine partial states into the final result.
 *
 * Each input is a stream of partial states (stats, freq or count run with
 * --partial): a header line saying what was computed, then one JSON line
 * per group.  The inputs must agree on the header; their states are
 * combined by the library's aggregator, which spills as it does for the
 * original verb, and its results are handed out by the library's stage
 * of that verb's records (sl_agg_results()).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice merge [--partial] [-n TOP] [OPTIONS] [FILE...]\n"
	"\n"
	"Combine the partial states written by `stats --partial`, `freq\n"
	"--partial` or `count --partial` (any number of files, or standard\n"
	"input, where several streams may follow one another) and write what\n"
	"one run over all the data would have written.  The output format is\n"
	"-O, else the -o name's, else CSV.  Empty inputs are skipped; inputs\n"
	"of different verbs, keys, fields or aggregates are an error.\n"
	"\n"
	"  -n, --top N            freq: only the N most frequent (default: as\n"
	"                         the partial run was asked)\n"
	"      --partial          write the combined state instead, for a\n"
	"                         further merge\n"
	"      --tmpdir DIR       where spill files go\n"
	"\n"
	"Example, four cores over one file:\n"
	"  parallel -j4 sluice split --parts 4 --part {} big.csv '|' \\\n"
	"      sluice stats -g country --partial ::: 1 2 3 4 | sluice merge\n";

enum { OPT_PARTIAL = 512, OPT_TMPDIR };

static const struct option longopts[] = {
	{ "top", required_argument, NULL, 'n' },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ NULL, 0, NULL, 0 },
};

static int names_equal(const sl_str *a, size_t na, const sl_str *b,
		       size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].len != b[i].len ||
		    memcmp(a[i].ptr, b[i].ptr, a[i].len) != 0)
			return 0;
	return 1;
}

static int same_spec(const sl_agg_spec *a, const sl_agg_spec *b)
{
	return strcmp(a->verb, b->verb) == 0 &&
		names_equal(a->keys, a->nkeys, b->keys, b->nkeys) &&
		names_equal(a->fields, a->nfields, b->fields, b->nfields) &&
		a->nops == b->nops &&
		(!a->nops || memcmp(a->ops, b->ops,
				    a->nops * sizeof(*a->ops)) == 0);
}

/* Header lines start so; group lines start {"key":, which sorts after,
 * so sorting the lines of many streams keeps a header first. */
static int is_header(const sl_str *line)
{
	static const char tag[] = "{\"format\":\"sluice-partial\"";

	return line->len >= sizeof(tag) - 1 &&
		memcmp(line->ptr, tag, sizeof(tag) - 1) == 0;
}

int cmd_merge(int argc, char **argv, struct cli *c)
{
	sl_agg_options ao = { 0 };
	int ch, status, i, partial = 0, have_top = 0;
	sl_agg_spec spec = { 0 }, sp;
	uint64_t top = 0;
	sl_agg *g = NULL;
	char text[32];

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "n:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &top)) != 0)
				return status;
			have_top = 1;
			break;
		case OPT_PARTIAL:
			partial = 1;
			break;
		case OPT_TMPDIR:
			ao.tmpdir = optarg;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	i = optind;
	do {
		const char *path = i < argc ? argv[i] : "-";
		sl_arena *a = sl_arena_new(c->ctx, "input");
		sl_lines *lr = a ? sl_lines_open(a, path) : NULL;
		const sl_str *line;
		int first = 1;

		while (lr && (line = sl_lines_next(lr)) != NULL) {
			if (!line->len)
				continue;
			if (first || is_header(line)) {
				/* a stream's header; streams may follow
				 * one another on one input */
				first = 0;
				if (sl_agg_read_header(c->arena, line->ptr,
						       line->len, &sp) != SL_OK)
					break;
				if (!g) {
					spec = sp;
					g = sl_agg_new(c->arena, sp.nkeys,
						       sp.nfields, sp.ops,
						       sp.nops, &ao);
					if (!g)
						break;
				} else if (!same_spec(&spec, &sp)) {
					sl_error(c->ctx, SL_EDATA, "'%s' holds"
						 " partial states of another"
						 " kind (%s) than the first"
						 " input (%s)", path, sp.verb,
						 spec.verb);
					break;
				}
				continue;
			}
			if (sl_agg_add_partial(g, line->ptr, line->len) !=
			    SL_OK)
				break;
		}
		sl_arena_free(a);
		if (sl_failed(c->ctx))
			return cli_fail(c);
	} while (++i < argc);
	if (!g) {		/* nothing at all: nothing to write */
		if (!cli_open_output(c))
			return cli_fail(c);
		return cli_close_output(c, c->out);
	}
	if (have_top)
		spec.top = top;
	if (partial)
		return cli_write_partial(c, g, &spec);
	if (strcmp(spec.verb, "count") == 0) {
		sl_sink *out = cli_open_output(c);
		int n;

		if (!out || !sl_agg_next(g))
			return cli_fail(c);
		n = snprintf(text, sizeof(text), "%llu\n",
			     (unsigned long long)sl_agg_rows(g));
		if (sl_sink_write(out, text, (size_t)n) != SL_OK)
			return cli_fail(c);
		return cli_close_output(c, out);
	}
	return cli_run(c, sl_agg_results(c->arena, g, &spec, &ao));
}
