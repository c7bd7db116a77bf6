/*
 * select.c - choose, reorder, rename or drop fields.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice select -f LIST [OPTIONS] [FILE...]\n"
	"       sluice select -x LIST [OPTIONS] [FILE...]\n"
	"\n"
	"Write the fields in LIST, in its order: comma-separated names,\n"
	"1-based positions and ranges of positions (2-5, 7- to the last),\n"
	"each name or position optionally renamed with :NEWNAME\n"
	"(amount:total).  A field may be chosen more than once.\n"
	"\n"
	"  -f, --fields LIST      the fields to keep; repeat or use commas\n"
	"  -x, --exclude LIST     the fields to drop instead (no renames);\n"
	"                         repeat or use commas\n";

static const struct option longopts[] = {
	{ "fields", required_argument, NULL, 'f' },
	{ "exclude", required_argument, NULL, 'x' },
	{ NULL, 0, NULL, 0 },
};

struct pick {
	size_t *idx;      /* source field of each output field */
	sl_str *names;    /* output names */
	size_t n;
};

static int all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

static size_t number(const char *p, size_t n)
{
	size_t v = 0, i;

	for (i = 0; i < n && v < ((size_t)1 << 40); i++)
		v = v * 10 + (size_t)(p[i] - '0');
	return v;
}

static int add(struct cli *c, struct pick *pk, size_t idx, const char *name,
	       size_t len)
{
	size_t *ni = sl_arena_alloc(c->arena, (pk->n + 1) * sizeof(*ni));
	sl_str *nn = sl_arena_alloc(c->arena, (pk->n + 1) * sizeof(*nn));

	if (!ni || !nn)
		return -1;
	if (pk->n) {
		memcpy(ni, pk->idx, pk->n * sizeof(*ni));
		memcpy(nn, pk->names, pk->n * sizeof(*nn));
	}
	ni[pk->n] = idx;
	nn[pk->n].ptr = name;
	nn[pk->n].len = len;
	pk->idx = ni;
	pk->names = nn;
	pk->n++;
	return 0;
}

static int unknown_field(struct cli *c, const char *p, size_t n,
			 const sl_str *h, size_t nh)
{
	size_t i;

	fprintf(stderr, "sluice select: no field '%.*s' in the header; it has:",
		(int)n, p);
	for (i = 0; i < nh; i++)
		fprintf(stderr, "%s %.*s", i ? "," : "", (int)h[i].len,
			h[i].ptr);
	fprintf(stderr, "\n");
	(void)c;
	return EXIT_USAGE;
}

/*
 * Resolve LIST against the header h[0..nh) into pk.  Returns 0 or an exit
 * status after saying what is wrong.
 */
static int resolve(struct cli *c, struct cli_list *list, const sl_str *h,
		   size_t nh, struct pick *pk, int renames)
{
	size_t k;
	int status;

	memset(pk, 0, sizeof(*pk));
	if ((status = cli_list_split(c, list)) != 0)
		return status;
	for (k = 0; k < list->n; k++) {
		const char *p = list->item[k];
		size_t len = strlen(p), i;
		const char *colon = memchr(p, ':', len);
		size_t klen = colon ? (size_t)(colon - p) : len;
		const char *dash = memchr(p, '-', klen);
		const char *rename = colon ? colon + 1 : NULL;
		size_t rlen = colon ? len - klen - 1 : 0;

		if (klen == 0)
			return cli_usage_error(c, "no field before the ':' in"
					       " '%s'", p);
		if (colon && (!renames || rlen == 0))
			return cli_usage_error(c, renames ? "empty new name in"
					       " '%.*s'" : "-x takes no"
					       " renames: '%.*s'", (int)len, p);
		if (dash && all_digits(p, (size_t)(dash - p)) &&
		    (dash + 1 == p + klen ||
		     all_digits(dash + 1, (size_t)(p + klen - dash - 1)))) {
			size_t lo = number(p, (size_t)(dash - p));
			size_t hi = dash + 1 == p + klen ? nh :
				number(dash + 1, (size_t)(p + klen - dash - 1));

			if (colon)
				return cli_usage_error(c, "a range cannot be"
						       " renamed: '%.*s'",
						       (int)len, p);
			if (lo < 1 || hi < lo || hi > nh)
				return cli_usage_error(c, "range '%.*s' is not"
						       " within 1-%zu",
						       (int)klen, p, nh);
			for (i = lo; i <= hi; i++)
				if (add(c, pk, i - 1, h[i - 1].ptr,
					h[i - 1].len) < 0)
					return cli_fail(c);
		} else {
			size_t idx = (size_t)-1;

			for (i = 0; i < nh; i++)
				if (h[i].len == klen &&
				    memcmp(h[i].ptr, p, klen) == 0) {
					idx = i;
					break;
				}
			if (idx == (size_t)-1 && all_digits(p, klen)) {
				idx = number(p, klen);
				if (idx < 1 || idx > nh)
					return cli_usage_error(c, "field %.*s"
							       " is not within"
							       " 1-%zu",
							       (int)klen, p,
							       nh);
				idx--;
			}
			if (idx == (size_t)-1)
				return unknown_field(c, p, klen, h, nh);
			if (add(c, pk, idx, rename ? rename : h[idx].ptr,
				rename ? rlen : h[idx].len) < 0)
				return cli_fail(c);
		}
	}
	return 0;
}

/* Turn a pick of fields to drop into the pick of those to keep. */
static int invert(struct cli *c, struct pick *drop, const sl_str *h,
		  size_t nh, struct pick *keep)
{
	char *gone = sl_arena_alloc(c->arena, nh ? nh : 1);
	size_t i;

	if (!gone)
		return cli_fail(c);
	memset(gone, 0, nh);
	for (i = 0; i < drop->n; i++)
		gone[drop->idx[i]] = 1;
	memset(keep, 0, sizeof(*keep));
	for (i = 0; i < nh; i++)
		if (!gone[i] && add(c, keep, i, h[i].ptr, h[i].len) < 0)
			return cli_fail(c);
	return 0;
}

int cmd_select(int argc, char **argv, struct cli *c)
{
	struct cli_list list = { 0 }, exclude = { 0 };
	struct pick pk, drop;
	struct cli_input in;
	const sl_record *rec;
	unsigned char *want, *kinds;
	sl_record one;
	sl_writer *w;
	sl_str *out;
	size_t i;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "f:x:", longopts)) != -1) {
		switch (ch) {
		case 'f':
			if ((status = cli_list_add(c, &list, "-f",
						   optarg)) != 0)
				return status;
			break;
		case 'x':
			if ((status = cli_list_add(c, &exclude, "-x",
						   optarg)) != 0)
				return status;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!list.narg == !exclude.narg)
		return cli_usage_error(c, "give one of -f LIST or -x LIST");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = cli_input_open(c, &in, argc, argv)) != 0)
		return status;
	if (!in.names)		/* an empty input */
		return cli_empty_output(c, &in);
	if (list.narg)
		status = resolve(c, &list, in.names, in.nnames, &pk, 1);
	else if (!(status = resolve(c, &exclude, in.names, in.nnames, &drop,
				    0)))
		status = invert(c, &drop, in.names, in.nnames, &pk);
	if (status)
		return status;
	out = sl_arena_alloc(c->arena, (pk.n ? pk.n : 1) * sizeof(*out));
	want = sl_arena_alloc(c->arena, in.nnames ? in.nnames : 1);
	kinds = sl_arena_alloc(c->arena, pk.n ? pk.n : 1);
	if (!out || !want || !kinds)
		return cli_fail(c);
	memset(want, 0, in.nnames);
	for (i = 0; i < pk.n; i++)
		want[pk.idx[i]] = 1;
	cli_input_want(&in, want, in.nnames);
	w = cli_open_writer(c, &in, pk.names, pk.n);
	if (!w)
		return cli_fail(c);
	while ((rec = cli_input_next(&in)) != NULL) {
		one = *rec;
		one.nfields = pk.n;
		one.fields = out;
		one.kinds = rec->kinds ? kinds : NULL;
		for (i = 0; i < pk.n; i++)
			out[i] = rec->fields[pk.idx[i]];
		for (i = 0; rec->kinds && i < pk.n; i++)
			kinds[i] = rec->kinds[pk.idx[i]];
		if (sl_writer_write_record(w, &one) != SL_OK)
			break;
	}
	cli_input_end(&in);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}
