/*
 * gen.c - sluice gen: a reproducible synthetic table, streamed at constant
 * memory by the library's sl_gen() stage.
 *
 * --size stops after the first record that brings the output, header
 * included, to SIZE bytes or more, as sl_sink_bytes() counts them: so the
 * stage watches the output sink, and the header is written before the
 * first record is made (not with it, as cli_run() does).
 */
#include "cli.h"

static const char usage[] =
	"usage: sluice gen (--rows N | --size SIZE) [--seed S] [--columns SPEC]\n"
	"                  [--cardinality K] [-O csv|tsv|jsonl|lines] [OPTIONS]\n"
	"\n"
	"Write a synthetic table: a header of column names, then rows.  The\n"
	"same seed and options give the same bytes on any machine; the table\n"
	"is streamed, never held, so any size runs in a few KB of state.\n"
	"\n"
	"  --rows N          stop after N records\n"
	"  --size SIZE       stop after the first record that brings the\n"
	"                    output (uncompressed bytes, header included) to\n"
	"                    SIZE or more; K/M/G suffixes\n"
	"                    (one of --rows and --size is required)\n"
	"  --seed S          seed of the pseudo-random numbers, a non-negative\n"
	"                    integer (default 1)\n"
	"  --columns SPEC    NAME:TYPE columns; repeat or use commas, default\n"
	"                    id:id,int:int,float:float,date:date,cat:cat,text:text\n"
	"                    (a type may repeat, a name may not)\n"
	"  --cardinality K   how many distinct cat values (default 100)\n"
	"\n"
	"Types:\n"
	"  id     1, 2, 3, ...\n"
	"  int    integers of 1 to 12 digits, each length as likely; about\n"
	"         10% negative\n"
	"  float  decimals like 123.4567 or -0.5, about 10% negative; about 5%\n"
	"         in exponent form like 1.25e-3 or 6.02e+23\n"
	"  date   YYYY-MM-DD, a day from 2000-01-01 to 2029-12-28\n"
	"  cat    one of K values cat0000, cat0001, ... (zero-padded to the\n"
	"         width of K-1, at least 4 digits), each as likely\n"
	"  text   0 to 60 bytes of words: about 5% empty, 3% with a comma,\n"
	"         3% with double quotes, 1% with a newline\n"
	"\n"
	"The output format is -O, else the one the -o FILE name suggests, else\n"
	"csv; the writer quotes and escapes each field as the format needs (csv\n"
	"doubles quotes, tsv writes \\n).  -o FILE writes FILE atomically, -z\n"
	"gzips and --zstd compresses with zstd (--size still counts the bytes\n"
	"before compression).\n";

enum {
	OPT_ROWS = 512,
	OPT_SIZE,
	OPT_SEED,
	OPT_COLUMNS,
	OPT_CARDINALITY
};

static const struct option longopts[] = {
	{ "rows", required_argument, NULL, OPT_ROWS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "cardinality", required_argument, NULL, OPT_CARDINALITY },
	{ NULL, 0, NULL, 0 },
};

int cmd_gen(int argc, char **argv, struct cli *c)
{
	sl_gen_options o = { .seed = 1, .cardinality = 100 };
	struct cli_list columns = { 0 };
	int have_rows = 0, have_size = 0, ch, status;
	const sl_str *names;
	size_t size = 0, n;
	sl_format fmt;
	sl_writer *w;
	sl_sink *out;
	sl_iter *it;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case OPT_ROWS:
			if (cli_parse_count(optarg, &o.rows) < 0)
				return cli_usage_error(c, "invalid --rows '%s'"
						       " (a record count)",
						       optarg);
			have_rows = 1;
			break;
		case OPT_SIZE:
			if (cli_parse_size(optarg, &size) < 0)
				return cli_usage_error(c, "invalid --size '%s'"
						       " (bytes, K/M/G"
						       " suffixes)", optarg);
			have_size = 1;
			break;
		case OPT_SEED:
			if (cli_parse_count(optarg, &o.seed) < 0)
				return cli_usage_error(c, "invalid seed '%s'"
						       " (a non-negative"
						       " integer)", optarg);
			break;
		case OPT_COLUMNS:
			if ((status = cli_list_add(c, &columns, "--columns",
						   optarg)) != 0)
				return status;
			break;
		case OPT_CARDINALITY:
			if (cli_parse_count(optarg, &o.cardinality) < 0 ||
			    o.cardinality == 0)
				return cli_usage_error(c, "invalid"
						       " --cardinality '%s'"
						       " (1 or more)", optarg);
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s' (gen"
				       " reads no input)", argv[optind]);
	if (have_rows == have_size)
		return cli_usage_error(c, have_rows ?
				       "give --rows or --size, not both" :
				       "give --rows N or --size SIZE");
	if ((status = cli_start(c)) != 0 ||
	    (status = cli_list_join(c, &columns, &o.columns)) != 0)
		return status;
	/* a first stage checks the columns and names them before the
	 * output is opened, so a bad list leaves no file */
	if (!(it = sl_gen(c->arena, &o)) || !(names = sl_iter_header(it, &n)))
		return cli_fail(c);
	fmt = cli_output_format(c);
	if (fmt == SL_FORMAT_AUTO)
		fmt = SL_FORMAT_CSV;
	c->writes_records = 1;
	if (!(out = cli_open_output(c)))
		return cli_fail(c);
	if (have_size) {
		/* the stage that makes the records watches the sink */
		o.sink = out;
		o.size = size;
		if (!(it = sl_gen(c->arena, &o)))
			return cli_fail(c);
	}
	w = sl_writer_new(c->arena, out, fmt, &c->wopt);
	if (!w || sl_writer_header(w, names, n) != SL_OK ||
	    sl_write_to(it, w) != SL_OK)
		return cli_fail(c);
	return cli_close_output(c, out);
}
