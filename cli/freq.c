/*
 * freq.c - exact value counts, most frequent first.
 *
 * The values are counted by the library's aggregator (one group per
 * distinct value, spilled and combined when they outgrow the ceiling);
 * the counted values then go through a sorter ordered by count,
 * descending, and value, so the whole job stays under the ceiling.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice freq -f FIELD[,FIELD...] [-n TOP] [--partial]\n"
	"                   [OPTIONS] [FILE...]\n"
	"\n"
	"Count how often each value of FIELD occurs (each combination, for\n"
	"several fields) and write the values with their counts, most\n"
	"frequent first, ties in byte order of the values.  Exact for any\n"
	"number of distinct values: they spill to compressed temporary files\n"
	"under the memory ceiling.\n"
	"\n"
	"  -f, --fields FIELDS    the field or fields to count (names or\n"
	"                         positions from 1); repeat or use commas\n"
	"  -n, --top N            only the N most frequent (0: all)\n"
	"      --partial          write the counts as JSON Lines for sluice\n"
	"                         merge instead of results\n"
	"      --tmpdir DIR       where spill files go\n";

enum { OPT_PARTIAL = 512, OPT_TMPDIR };

static const struct option longopts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "top", required_argument, NULL, 'n' },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ NULL, 0, NULL, 0 },
};

int freq_write(struct cli *c, sl_agg *g, const sl_agg_spec *sp,
	       struct cli_input *in, const char *tmpdir)
{
	size_t nk = sp->nkeys, i, n;
	sl_sort_options so = { 0 };
	sl_sort_key *keys;
	sl_str *names, *row;
	const sl_str *key, *f;
	uint64_t written = 0;
	sl_sorter *s;
	sl_writer *w;
	char num[32];

	names = sl_arena_alloc(c->arena, (nk + 1) * sizeof(*names));
	row = sl_arena_alloc(c->arena, (nk + 1) * sizeof(*row));
	keys = sl_arena_alloc(c->arena, (nk + 1) * sizeof(*keys));
	if (!names || !row || !keys)
		return cli_fail(c);
	memcpy(names, sp->keys, nk * sizeof(*names));
	names[nk].ptr = "count";
	names[nk].len = 5;
	memset(keys, 0, (nk + 1) * sizeof(*keys));
	keys[0].field = nk;     /* count, greatest first */
	keys[0].numeric = 1;
	keys[0].reverse = 1;
	for (i = 0; i < nk; i++)
		keys[1 + i].field = i;
	so.tmpdir = tmpdir;
	so.mem_limit = sl_mem_ceiling(c->ctx) / 4;
	s = sl_sorter_new(c->arena, keys, nk + 1, &so);
	if (!s)
		return cli_fail(c);
	while ((key = sl_agg_next(g)) != NULL) {
		memcpy(row, key, nk * sizeof(*row));
		row[nk].ptr = num;
		row[nk].len = (size_t)snprintf(num, sizeof(num), "%llu",
					       (unsigned long long)
					       sl_agg_rows(g));
		if (sl_sorter_add(s, row, nk + 1) != SL_OK)
			return cli_fail(c);
	}
	if (sl_failed(c->ctx))
		return cli_fail(c);
	w = cli_open_writer(c, in, names, nk + 1);
	if (!w)
		return cli_fail(c);
	while ((!sp->top || written < sp->top) &&
	       (f = sl_sorter_next(s, &n)) != NULL) {
		if (sl_writer_write(w, f, n) != SL_OK)
			return cli_fail(c);
		written++;
	}
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}

int cmd_freq(int argc, char **argv, struct cli *c)
{
	struct cli_list flist = { 0 };
	sl_agg_options ao = { 0 };
	int ch, status, partial = 0;
	sl_agg_spec sp = { 0 };
	struct cli_input in;
	const sl_record *rec;
	size_t *fi, nf, i;
	sl_str *keys, *knames;
	unsigned char *want;
	sl_agg *g;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "f:n:", longopts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &flist, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &sp.top)) != 0)
				return status;
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
	if (!flist.narg)
		return cli_usage_error(c, "give the field to count with -f");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	if (!in.names)		/* an empty input */
		return cli_empty_output(c, &in);
	if ((status = cli_parse_fields(c, &flist, in.names, in.nnames, &fi,
				       &nf)) != 0)
		return status;
	keys = sl_arena_alloc(c->arena, nf * sizeof(*keys));
	knames = sl_arena_alloc(c->arena, nf * sizeof(*knames));
	want = sl_arena_alloc(c->arena, in.nnames + 1);
	if (!keys || !knames || !want)
		return cli_fail(c);
	memset(want, 0, in.nnames + 1);
	for (i = 0; i < nf; i++) {
		knames[i] = in.names[fi[i]];
		want[fi[i]] = 1;
	}
	cli_input_want(&in, want, in.nnames);
	sp.verb = "freq";
	sp.keys = knames;
	sp.nkeys = nf;
	g = sl_agg_new(c->arena, nf, 0, NULL, 0, &ao);
	if (!g)
		return cli_fail(c);
	while ((rec = cli_input_next(&in)) != NULL) {
		cli_pick_fields(rec, fi, nf, keys);
		if (sl_agg_add(g, keys, NULL) != SL_OK)
			break;
	}
	cli_input_end(&in);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	if (partial)
		return cli_write_partial(c, g, &sp);
	return freq_write(c, g, &sp, &in, ao.tmpdir);
}
