/*
 * join.c - join two inputs on keys: the options of sl_join_with()
 * (lib/iter_join.c).  A key with more records than fit under the
 * ceiling is an error that says so.
 */
#include <stdio.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice join -k KEY... [--left | --outer] [OPTIONS] LEFT RIGHT\n"
	"\n"
	"Write a record for each pair of a LEFT and a RIGHT record equal on\n"
	"every KEY (compared byte-wise; an empty value equals an empty one):\n"
	"the keys in -k order, named as in LEFT, then LEFT's other fields,\n"
	"then RIGHT's other fields (renamed right.NAME where a name is\n"
	"taken).  A record of one side only (--left, --outer) has the key\n"
	"values of that side.  Both inputs may be of any size.\n"
	"\n"
	"The smaller input (RIGHT when either is not a file) is held in a\n"
	"table and the other read through it, so records come in the order\n"
	"of the larger input, each with its matches in their order; the\n"
	"unmatched records of the smaller one come last.  When the smaller\n"
	"does not fit under the memory ceiling, both are split by key into\n"
	"spill files and joined a pair at a time: records then come a\n"
	"partition at a time.  Under a ceiling too small for that (about\n"
	"4M), both are sorted instead, as --key-order does.\n"
	"\n"
	"  -k, --key KEY          a field to join on: a name (the same in\n"
	"                         both) or position (from 1), or LNAME=RNAME\n"
	"                         when RIGHT names it differently\n"
	"                         (-k id=user_id); repeat or use commas for\n"
	"                         several keys, each field in one key at most\n"
	"      --left             also LEFT records with no match (RIGHT's\n"
	"                         fields empty)\n"
	"      --outer            also unmatched records of both sides\n"
	"      --key-order        sort both inputs on the keys (spilling\n"
	"                         under the ceiling): output in key order\n"
	"      --sorted           both inputs are sorted on the keys already\n"
	"                         (byte-wise, as LC_ALL=C sort does): merge\n"
	"                         them as they come, in key order; a record\n"
	"                         out of order is an error\n";

enum { OPT_LEFT = 512, OPT_OUTER, OPT_KEY_ORDER, OPT_SORTED };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "left", no_argument, NULL, OPT_LEFT },
	{ "outer", no_argument, NULL, OPT_OUTER },
	{ "key-order", no_argument, NULL, OPT_KEY_ORDER },
	{ "sorted", no_argument, NULL, OPT_SORTED },
	{ NULL, 0, NULL, 0 },
};

int cmd_join(int argc, char **argv, struct cli *c)
{
	sl_join_options jo = { .kind = SL_JOIN_INNER };
	struct cli_list keys = { 0 };
	sl_join_method m;
	const char *k;
	sl_iter *it;
	int ch, status;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "k:", longopts)) != -1) {
		switch (ch) {
		case 'k':
			if ((status = cli_list_add(c, &keys, "-k",
						   optarg)) != 0)
				return status;
			break;
		case OPT_LEFT:
			if (jo.kind != SL_JOIN_OUTER)
				jo.kind = SL_JOIN_LEFT;
			break;
		case OPT_OUTER:
			jo.kind = SL_JOIN_OUTER;
			break;
		case OPT_KEY_ORDER:
		case OPT_SORTED:
			m = ch == OPT_SORTED ? SL_JOIN_SORTED : SL_JOIN_SORT;
			if (jo.method != SL_JOIN_HASH && jo.method != m)
				return cli_usage_error(c, "give one of"
						       " --key-order and"
						       " --sorted");
			jo.method = m;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!keys.narg)
		return cli_usage_error(c, "give the key with -k");
	if (argc - optind != 2)
		return cli_usage_error(c, "give two inputs, LEFT and RIGHT");
	if ((status = cli_start(c)) != 0)
		return status;
	cli_sort_spill(c, &jo.sort);
	if ((status = cli_list_join(c, &keys, &k)) != 0)
		return status;
	it = sl_join_with(cli_read_path(c, argv[optind]),
			  cli_read_path(c, argv[optind + 1]), k, &jo);
	status = cli_run(c, it);
	if (status && sl_errcode(c->ctx) == SL_ENOMEM &&
	    jo.method != SL_JOIN_HASH)
		fprintf(stderr, "sluice join: the right input's records for"
			" one key must fit under the memory ceiling\n");
	return status;
}
