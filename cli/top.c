/*
 * top.c - the N greatest records by keys, with a heap of N.
 *
 * A min-heap holds the best N seen so far with the worst at its root; a
 * record better than the root replaces it.  Better means greater by the
 * keys (r flags turn a key round, so -k x:r asks for the least), ties
 * going to the earlier record.  The result is written best first.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice top -n N -k KEY... [OPTIONS] [FILE...]\n"
	"\n"
	"Write the N records greatest by the keys, greatest first, holding\n"
	"only N records in memory.  Ties go to the earlier record.\n"
	"\n"
	"  -n, --lines N          how many records (default 10)\n"
	"  -k, --key KEY          a field name or position (from 1), with\n"
	"                         :FLAGS: n numeric, r reverse (the least);\n"
	"                         repeat or use commas for several\n";

static const struct option longopts[] = {
	{ "lines", required_argument, NULL, 'n' },
	{ "key", required_argument, NULL, 'k' },
	{ NULL, 0, NULL, 0 },
};

struct top {
	sl_ctx *ctx;
	const sl_sort_key *keys;
	size_t nkeys;
	struct cli_saved *heap;
	size_t n;
};

/* Is a better than b: greater by the keys, or equal and earlier? */
static int better(const struct top *t, const sl_str *af, size_t an,
		  uint64_t aseq, const struct cli_saved *b)
{
	int c = sl_sort_compare(t->ctx, t->keys, t->nkeys, af, an, b->f, b->n);

	return c > 0 || (c == 0 && aseq < b->seq);
}

static void sift_down(struct top *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct cli_saved x;

		/* the root is the worst: m becomes the worse child */
		if (l < t->n && better(t, t->heap[m].f, t->heap[m].n,
				       t->heap[m].seq, &t->heap[l]))
			m = l;
		if (r < t->n && better(t, t->heap[m].f, t->heap[m].n,
				       t->heap[m].seq, &t->heap[r]))
			m = r;
		if (m == i)
			return;
		x = t->heap[i];
		t->heap[i] = t->heap[m];
		t->heap[m] = x;
		i = m;
	}
}

static void sift_up(struct top *t, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct cli_saved x;

		if (!better(t, t->heap[p].f, t->heap[p].n, t->heap[p].seq,
			    &t->heap[i]))
			return;
		x = t->heap[i];
		t->heap[i] = t->heap[p];
		t->heap[p] = x;
		i = p;
	}
}

static struct top *sorting;

static int best_first(const void *x, const void *y)
{
	const struct cli_saved *a = x, *b = y;

	if (better(sorting, a->f, a->n, a->seq, b))
		return -1;
	return better(sorting, b->f, b->n, b->seq, a) ? 1 : 0;
}

int cmd_top(int argc, char **argv, struct cli *c)
{
	struct cli_list specs = { 0 };
	sl_sort_key *keys;
	size_t nkeys, i, cap = 0;
	uint64_t want = 10, seq = 0;
	struct cli_input in;
	const sl_record *rec;
	struct top t;
	sl_writer *w;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "n:k:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			if ((status = cli_parse_lines(c, optarg, &want)) != 0)
				return status;
			break;
		case 'k':
			if ((status = cli_list_add(c, &specs, "-k",
						   optarg)) != 0)
				return status;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!specs.narg)
		return cli_usage_error(c, "give the keys with -k");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	if (!in.names)		/* an empty input */
		return cli_empty_output(c, &in);
	keys = cli_parse_keys(c, &specs, &in, 1, &nkeys, &status);
	if (!keys)
		return status;
	if (nkeys > 64)		/* what sl_sort_compare() compares */
		return cli_usage_error(c, "at most 64 keys");
	memset(&t, 0, sizeof(t));
	t.ctx = c->ctx;
	t.keys = keys;
	t.nkeys = nkeys;
	while (want && (rec = cli_input_next(&in)) != NULL) {
		seq++;
		if (t.n < want) {
			if (cli_saved_grow(c, &t.heap, &cap, t.n, want,
					   "top.heap") < 0 ||
			    cli_save(c, &t.heap[t.n], rec, "top.heap") < 0)
				break;
			t.heap[t.n].seq = seq;
			sift_up(&t, t.n++);
			continue;
		}
		if (!better(&t, rec->fields, rec->nfields, seq, &t.heap[0]))
			continue;
		if (cli_save(c, &t.heap[0], rec, "top.heap") < 0)
			break;
		t.heap[0].seq = seq;
		sift_down(&t, 0);
	}
	cli_input_end(&in);
	sorting = &t;
	if (t.n)   /* no records: no heap, t.heap is NULL */
		qsort(t.heap, t.n, sizeof(*t.heap), best_first);
	w = sl_failed(c->ctx) ? NULL :
		cli_open_writer(c, &in, in.names, in.nnames);
	for (i = 0; w && i < t.n; i++)
		if (cli_saved_write(w, &t.heap[i]) != SL_OK)
			break;
	cli_saved_free(t.heap, cap);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
