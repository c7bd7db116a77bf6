/*
 * stats.c - summary statistics of fields, overall or per group, and the
 * partial states that sluice merge combines.
 *
 * The work is the library's aggregator (lib/agg.c); this file picks the
 * fields, builds the output table and writes it (also for sluice merge,
 * through stats_write()).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice stats [-g KEYS] [-f FIELDS] [-a AGGS] [--exact]\n"
	"                    [--partial] [OPTIONS] [FILE...]\n"
	"\n"
	"Without -g: one record per field (every field, or those of -f) with\n"
	"its count, empty count, type (int, float, string), min, max, sum,\n"
	"mean, standard deviation, distinct count and quantiles p50, p90 and\n"
	"p99.  With -g: one record per distinct value of the key fields, in\n"
	"byte order of the keys, with a field FIELD_AGG for each field and\n"
	"aggregate (by default count, sum, mean, min and max of every other\n"
	"field).  Any number of groups works under the memory ceiling: they\n"
	"spill to compressed temporary files and are combined at the end.\n"
	"\n"
	"  -g, --group KEYS       the key fields (names or positions from 1);\n"
	"                         repeat or use commas\n"
	"  -f, --fields FIELDS    the fields to summarise; repeat or use\n"
	"                         commas\n"
	"  -a, --aggs AGGS        from: count empty type min max sum mean\n"
	"                         stddev distinct p50 p90 p99 first last;\n"
	"                         repeat or use commas\n"
	"      --exact            distinct and quantiles exact, by sorting\n"
	"                         under the ceiling (spilling as needed)\n"
	"      --partial          write the state as JSON Lines for sluice\n"
	"                         merge instead of results\n"
	"      --tmpdir DIR       where spill files go\n"
	"\n"
	"Numbers are decimal ([+-]digits[.digits][e[+-]digits]); sum, mean,\n"
	"stddev (the sample standard deviation) and the quantiles take only\n"
	"them.  sum is exact while every sum so far, written with as many\n"
	"decimals as the number with the most (trailing zeros aside), has at\n"
	"most 76 digits, decimals included (a billion numbers of 38 digits\n"
	"before the point and 28 after, say); beyond that it is a double.\n"
	"mean is the double nearest the exact sum over the count.  min and\n"
	"max are input values, printed as they came (007, 1.50, 1e5):\n"
	"numbers by exact value (equal ones in byte order) before other\n"
	"strings, which compare byte-wise; empty values are left out.  A\n"
	"quantile is the number of nearest rank: p90 of n numbers is the\n"
	"ceil(0.9n)-th smallest, printed as it came too while exact (a\n"
	"sketch's is a double).  distinct counts distinct values, the empty\n"
	"one included.  first and last are the values of a group's first and\n"
	"last records.\n"
	"\n"
	"Exactness: everything is exact except, without -g and --exact,\n"
	"distinct past 65536 distinct values of a field, which then comes\n"
	"from a HyperLogLog sketch (within 2.5% of the true count, 3 standard\n"
	"errors), and quantiles past 65536 numbers, which then come from a\n"
	"KLL sketch (the value's rank is within 1.65% of n of the asked rank\n"
	"with probability 99%); the same happens sooner when the exact values\n"
	"of all fields pass a quarter of the ceiling.  With -g, distinct and\n"
	"quantiles are always exact and have no partial state.\n"
	"\n"
	"Partial states merge exactly: count, empty, type, min, max, sum and\n"
	"mean of the parts combined equal those of one run over the whole;\n"
	"stddev agrees to rounding; first and last follow the order of the\n"
	"files given to merge.\n";

enum { OPT_EXACT = 512, OPT_PARTIAL, OPT_TMPDIR };

static const struct option longopts[] = {
	{ "group", required_argument, NULL, 'g' },
	{ "fields", required_argument, NULL, 'f' },
	{ "aggs", required_argument, NULL, 'a' },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ NULL, 0, NULL, 0 },
};

static const sl_agg_op plain_ops[] = {
	SL_AGG_COUNT, SL_AGG_EMPTY, SL_AGG_TYPE, SL_AGG_MIN, SL_AGG_MAX,
	SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_STDDEV, SL_AGG_DISTINCT, SL_AGG_P50,
	SL_AGG_P90, SL_AGG_P99
};

static const sl_agg_op group_ops[] = {
	SL_AGG_COUNT, SL_AGG_SUM, SL_AGG_MEAN, SL_AGG_MIN, SL_AGG_MAX
};

/* Does any op need values sorted (no partial state with keys)? */
static int sorted_ops(const sl_agg_op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ops[i] == SL_AGG_DISTINCT || ops[i] == SL_AGG_P50 ||
		    ops[i] == SL_AGG_P90 || ops[i] == SL_AGG_P99)
			return 1;
	return 0;
}

/* "name_op" in the arena. */
static int column_name(struct cli *c, sl_str *out, const sl_str *field,
		       sl_agg_op op)
{
	const char *o = sl_agg_op_name(op);
	size_t n = field->len + 1 + strlen(o);
	char *p = sl_arena_alloc(c->arena, n + 1);

	if (!p)
		return -1;
	memcpy(p, field->ptr, field->len);
	p[field->len] = '_';
	memcpy(p + field->len + 1, o, strlen(o) + 1);
	out->ptr = p;
	out->len = n;
	return 0;
}

int stats_write(struct cli *c, sl_agg *g, const sl_agg_spec *sp,
		struct cli_input *in)
{
	size_t ncol, i, f, ff, k;
	sl_str *names, *row;
	const sl_str *key;
	sl_arena *tmp;
	sl_writer *w;

	if (sp->nkeys)
		ncol = sp->nkeys + sp->nfields * sp->nops;
	else
		ncol = 1 + sp->nops;
	names = sl_arena_alloc(c->arena, (ncol ? ncol : 1) * sizeof(*names));
	row = sl_arena_alloc(c->arena, (ncol ? ncol : 1) * sizeof(*row));
	if (!names || !row)
		return cli_fail(c);
	if (sp->nkeys) {
		memcpy(names, sp->keys, sp->nkeys * sizeof(*names));
		for (f = 0, i = sp->nkeys; f < sp->nfields; f++)
			for (k = 0; k < sp->nops; k++)
				if (column_name(c, &names[i++], &sp->fields[f],
						sp->ops[k]) < 0)
					return cli_fail(c);
	} else {
		names[0].ptr = "field";
		names[0].len = 5;
		for (k = 0; k < sp->nops; k++) {
			names[1 + k].ptr = sl_agg_op_name(sp->ops[k]);
			names[1 + k].len = strlen(names[1 + k].ptr);
		}
	}
	w = cli_open_writer(c, in, names, ncol);
	tmp = sl_arena_new(c->ctx, "stats.row");
	if (!w || !tmp)
		return cli_fail(c);
	/* a result is valid until the next call: copy each into tmp */
	while ((key = sl_agg_next(g)) != NULL) {
		for (f = 0; f < (sp->nkeys ? 1 : sp->nfields); f++) {
			if (sp->nkeys) {
				memcpy(row, key, sp->nkeys * sizeof(*row));
				i = sp->nkeys;
			} else {
				row[0] = sp->fields[f];
				i = 1;
			}
			for (ff = sp->nkeys ? 0 : f;
			     ff < (sp->nkeys ? sp->nfields : f + 1); ff++)
				for (k = 0; k < sp->nops; k++, i++) {
					sl_str r = sl_agg_result(g, ff,
								 sp->ops[k]);
					char *p = sl_arena_strndup(tmp, r.ptr,
								   r.len);

					if (!p)
						return cli_fail(c);
					row[i].ptr = p;
					row[i].len = r.len;
				}
			if (sl_writer_write(w, row, ncol) != SL_OK)
				return cli_fail(c);
			sl_arena_reset(tmp);
		}
	}
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}

int cli_write_partial(struct cli *c, sl_agg *g, const sl_agg_spec *sp)
{
	sl_sink *out = cli_open_output(c);

	if (!out || sl_agg_write_header(c->ctx, out, sp) != SL_OK ||
	    sl_agg_write_partial(g, out) != SL_OK)
		return cli_fail(c);
	return cli_close_output(c, out);
}

int cmd_stats(int argc, char **argv, struct cli *c)
{
	struct cli_list glist = { 0 }, flist = { 0 }, alist = { 0 };
	sl_agg_options ao = { 0 };
	int ch, status, partial = 0;
	size_t *gi = NULL, *fi = NULL, ng = 0, nf = 0, i, j;
	sl_agg_spec sp = { 0 };
	sl_agg_op *ops = NULL;
	struct cli_input in;
	const sl_record *rec;
	sl_str *keys, *vals, *knames, *fnames;
	unsigned char *want;
	sl_agg *g;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "g:f:a:", longopts)) != -1) {
		switch (ch) {
		case 'g':
			if ((status = cli_list_add(c, &glist, "-g",
						   optarg)) != 0)
				return status;
			break;
		case 'f':
			if ((status = cli_list_add(c, &flist, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'a':
			if ((status = cli_list_add(c, &alist, "-a",
						   optarg)) != 0)
				return status;
			break;
		case OPT_EXACT:
			ao.exact = 1;
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
	if (alist.narg) {
		if ((status = cli_parse_ops(c, &alist, &ops, &sp.nops)) != 0)
			return status;
	} else if (glist.narg) {
		ops = (sl_agg_op *)group_ops;
		sp.nops = sizeof(group_ops) / sizeof(group_ops[0]);
	} else {
		ops = (sl_agg_op *)plain_ops;
		sp.nops = sizeof(plain_ops) / sizeof(plain_ops[0]);
	}
	if (partial && (glist.narg || ao.exact) && sorted_ops(ops, sp.nops))
		return cli_usage_error(c, "--partial cannot carry distinct or"
				       " quantiles with -g or --exact; leave"
				       " them out with -a");
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	if (!in.names)		/* an empty input */
		return cli_empty_output(c, &in);
	if (glist.narg && (status = cli_parse_fields(c, &glist, in.names,
						     in.nnames, &gi,
						     &ng)) != 0)
		return status;
	if (flist.narg) {
		if ((status = cli_parse_fields(c, &flist, in.names, in.nnames,
					       &fi, &nf)) != 0)
			return status;
	} else {
		fi = sl_arena_alloc(c->arena, (in.nnames + 1) * sizeof(*fi));
		if (!fi)
			return cli_fail(c);
		for (i = 0; i < in.nnames; i++) {
			for (j = 0; j < ng && gi[j] != i; j++)
				;
			if (j == ng)
				fi[nf++] = i;
		}
	}
	keys = sl_arena_alloc(c->arena, (ng + 1) * sizeof(*keys));
	vals = sl_arena_alloc(c->arena, (nf + 1) * sizeof(*vals));
	knames = sl_arena_alloc(c->arena, (ng + 1) * sizeof(*knames));
	fnames = sl_arena_alloc(c->arena, (nf + 1) * sizeof(*fnames));
	want = sl_arena_alloc(c->arena, in.nnames + 1);
	if (!keys || !vals || !knames || !fnames || !want)
		return cli_fail(c);
	memset(want, 0, in.nnames + 1);
	for (i = 0; i < ng; i++) {
		knames[i] = in.names[gi[i]];
		want[gi[i]] = 1;
	}
	for (i = 0; i < nf; i++) {
		fnames[i] = in.names[fi[i]];
		want[fi[i]] = 1;
	}
	cli_input_want(&in, want, in.nnames);
	sp.verb = "stats";
	sp.keys = knames;
	sp.nkeys = ng;
	sp.fields = fnames;
	sp.nfields = nf;
	sp.ops = ops;
	g = sl_agg_new(c->arena, ng, nf, ops, sp.nops, &ao);
	if (!g)
		return cli_fail(c);
	while ((rec = cli_input_next(&in)) != NULL) {
		cli_pick_fields(rec, gi, ng, keys);
		cli_pick_fields(rec, fi, nf, vals);
		if (sl_agg_add(g, keys, vals) != SL_OK)
			break;
	}
	cli_input_end(&in);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	if (partial)
		return cli_write_partial(c, g, &sp);
	return stats_write(c, g, &sp, &in);
}
