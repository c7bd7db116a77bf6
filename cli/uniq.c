/*
 * uniq.c - distinct records (or keys), exact and bounded by the sorter.
 *
 * The records are sorted by the keys (stable, so the first of each group
 * is its first occurrence) and each group gives its first record, with
 * its size under -c.  With --keep first a sequence number rides along as
 * a last field and a second sort on it restores the input order.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice uniq [-k KEY]... [-c] [--keep first] [OPTIONS] [FILE...]\n"
	"\n"
	"Write one record for each distinct key (each distinct record without\n"
	"-k): the first that has it.  Exact for any number of records: they\n"
	"are sorted under the memory ceiling and spilled to disk as needed.\n"
	"Output is in key order, or in input order with --keep first.\n"
	"\n"
	"  -k, --key KEY          a field name or position (from 1); repeat\n"
	"                         or use commas for several; keys compare\n"
	"                         byte-wise\n"
	"  -c, --count            add a last field, count, with the number of\n"
	"                         records that had the key\n"
	"      --keep first       keep the order of first occurrence\n"
	"      --tmpdir DIR       where spill files go\n";

enum { OPT_KEEP = 512, OPT_TMPDIR };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "count", no_argument, NULL, 'c' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ NULL, 0, NULL, 0 },
};

int cmd_uniq(int argc, char **argv, struct cli *c)
{
	sl_sort_options so = { 0 };
	struct cli_list specs = { 0 };
	sl_sort_key *keys, seqkey;
	size_t nkeys, n, nout;
	int ch, status, count = 0, keep_first = 0;
	struct cli_saved first = { 0 };
	sl_sorter *s, *back = NULL;
	struct cli_input in;
	const sl_record *rec;
	uint64_t seq = 0, group = 0;
	sl_str *out, *names;
	unsigned char *kinds;
	const sl_record *got;
	sl_record one;
	sl_writer *w;
	char num[32];

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "k:c", longopts)) != -1) {
		switch (ch) {
		case 'k':
			if ((status = cli_list_add(c, &specs, "-k",
						   optarg)) != 0)
				return status;
			break;
		case 'c':
			count = 1;
			break;
		case OPT_KEEP:
			if (strcmp(optarg, "first") != 0)
				return cli_usage_error(c, "--keep takes 'first'");
			keep_first = 1;
			break;
		case OPT_TMPDIR:
			so.tmpdir = optarg;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	if (!in.names)		/* an empty input */
		return cli_empty_output(c, &in);
	keys = cli_parse_keys(c, &specs, &in, 0, &nkeys, &status);
	if (!keys)
		return status;
	nout = in.nnames + (size_t)count;
	out = sl_arena_alloc(c->arena, (nout + 1) * sizeof(*out));
	kinds = sl_arena_alloc(c->arena, nout + 1);
	names = sl_arena_alloc(c->arena, nout * sizeof(*names));
	s = sl_sorter_new(c->arena, keys, nkeys, &so);
	if (!out || !kinds || !names || !s)
		return cli_fail(c);
	memset(kinds, SL_KIND_TEXT, nout + 1);
	memcpy(names, in.names, in.nnames * sizeof(*names));
	if (count) {
		names[in.nnames].ptr = "count";
		names[in.nnames].len = 5;
	}
	if (keep_first) {
		memset(&seqkey, 0, sizeof(seqkey));
		seqkey.field = nout;     /* the sequence number, last */
		seqkey.numeric = 1;
		back = sl_sorter_new(c->arena, &seqkey, 1, &so);
		if (!back)
			return cli_fail(c);
	}
	while ((rec = cli_input_next(&in)) != NULL) {
		sl_str *v = out;

		if (rec->nfields > in.nnames)
			break;   /* readers check this; keep out[] in bounds */
		memcpy(v, rec->fields, rec->nfields * sizeof(*v));
		if (rec->kinds)
			memcpy(kinds, rec->kinds, rec->nfields);
		n = rec->nfields;
		if (keep_first) {
			for (; n < nout; n++) {
				v[n].ptr = "", v[n].len = 0;
				kinds[n] = SL_KIND_TEXT;
			}
			v[n].ptr = num;
			v[n].len = (size_t)snprintf(num, sizeof(num), "%llu",
						    (unsigned long long)seq++);
			kinds[n] = SL_KIND_TEXT;
			n++;
		}
		one = (sl_record){ .nfields = n, .fields = v,
				   .kinds = rec->kinds ? kinds : NULL };
		if (sl_sorter_add_record(s, &one) != SL_OK)
			break;
	}
	cli_input_end(&in);
	w = sl_failed(c->ctx) ? NULL : cli_open_writer(c, &in, names, nout);
	/* one pass over the groups; the next record ends the group before */
	while (w) {
		got = sl_sorter_next_record(s);
		if (got && group &&
		    sl_sort_compare(c->ctx, keys, nkeys, got->fields,
				    got->nfields, first.f, first.n) == 0) {
			group++;
			continue;
		}
		if (group) {
			sl_str *v = out;
			size_t k = first.n < in.nnames ? first.n : in.nnames;

			memcpy(v, first.f, k * sizeof(*v));
			if (first.k)
				memcpy(kinds, first.k, k);
			for (; k < in.nnames; k++) {
				v[k].ptr = "", v[k].len = 0;
				kinds[k] = SL_KIND_TEXT;
			}
			if (count) {
				v[k].ptr = num;
				v[k].len = (size_t)snprintf(num, sizeof(num),
							    "%llu",
							    (unsigned long long)
							    group);
				kinds[k] = SL_KIND_TEXT;
				k++;
			}
			if (keep_first) {
				kinds[k] = SL_KIND_TEXT;
				v[k++] = first.f[first.n - 1];   /* seq */
			}
			one = (sl_record){ .nfields = k, .fields = v,
					   .kinds = first.k ? kinds : NULL };
			if (keep_first) {
				if (sl_sorter_add_record(back, &one) != SL_OK)
					break;
			} else if (sl_writer_write_record(w, &one) != SL_OK) {
				break;
			}
		}
		if (!got)
			break;
		if (cli_save(c, &first, got, "uniq.group") < 0)
			break;
		group = 1;
	}
	while (w && keep_first && !sl_failed(c->ctx) &&
	       (got = sl_sorter_next_record(back)) != NULL) {
		one = *got;
		one.nfields--;   /* drop seq */
		if (sl_writer_write_record(w, &one) != SL_OK)
			break;
	}
	sl_mem_free(first.mem);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
