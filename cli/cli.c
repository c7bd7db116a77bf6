/*
 * cli.c - global options, errors, output and the memory report, shared by
 * every verb.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum {
	OPT_CHUNK_SIZE = 256,
	OPT_LEVEL,
	OPT_ZSTD,
	OPT_MEM_REPORT,
	OPT_NO_HEADER,
	OPT_ON_ERROR,
	OPT_REJECTS,
	OPT_STRINGS,
	OPT_PROGRESS,
	OPT_OUT_DELIMITER,
	OPT_QUOTE_ALL,
	OPT_TMPDIR,
	OPT_TMP_LIMIT,
	OPT_SPILL_CODEC,
	OPT_SPILL_LEVEL,
	OPT_KEYS,
	OPT_BLOCKS,
	OPT_LAST_GLOBAL = OPT_BLOCKS
};

static const char global_shortopts[] = "+hm:i:O:o:zd:qj:";

static const struct option global_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "max-memory", required_argument, NULL, 'm' },
	{ "threads", required_argument, NULL, 'j' },
	{ "chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
	{ "in-format", required_argument, NULL, 'i' },
	{ "out-format", required_argument, NULL, 'O' },
	{ "output", required_argument, NULL, 'o' },
	{ "gzip", no_argument, NULL, 'z' },
	{ "zstd", no_argument, NULL, OPT_ZSTD },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "mem-report", optional_argument, NULL, OPT_MEM_REPORT },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "on-error", required_argument, NULL, OPT_ON_ERROR },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "strings", no_argument, NULL, OPT_STRINGS },
	{ "out-delimiter", required_argument, NULL, OPT_OUT_DELIMITER },
	{ "quote-all", no_argument, NULL, OPT_QUOTE_ALL },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "tmp-limit", required_argument, NULL, OPT_TMP_LIMIT },
	{ "spill-codec", required_argument, NULL, OPT_SPILL_CODEC },
	{ "spill-level", required_argument, NULL, OPT_SPILL_LEVEL },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "blocks", optional_argument, NULL, OPT_BLOCKS },
};

static const char global_help[] =
	"Global options:\n"
	"  -m, --max-memory SIZE  memory ceiling, K/M/G suffixes (default 256M,\n"
	"                         or $SLUICE_MAX_MEMORY)\n"
	"  -j, --threads N        threads to use (default: $SLUICE_THREADS, else\n"
	"                         the online cores, at most 8); -j 1 runs on\n"
	"                         one thread; every thread shares the one\n"
	"                         memory ceiling\n"
	"      --chunk-size SIZE  read and write chunk size (default 64K)\n"
	"  -i, --in-format F      csv, tsv, jsonl, json (one array, or JSON\n"
	"                         Lines) or lines (default: by the file name,\n"
	"                         then by the first byte: { jsonl, [ json)\n"
	"  -O, --out-format F     the same list (default: by the -o name, else\n"
	"                         the input's format)\n"
	"  -d, --delimiter C      CSV field delimiter (default ,), of the input\n"
	"                         and of CSV output unless --out-delimiter\n"
	"      --out-delimiter C  CSV output's delimiter (default: -d's)\n"
	"      --quote-all        CSV output: quote every field\n"
	"      --no-header        CSV/TSV: the first row is data; fields are\n"
	"                         named 1..N and no header is written\n"
	"      --on-error MODE    fail (default); skip: skip bad records and\n"
	"                         count them; pad: as fail, but pad a record\n"
	"                         short of fields with empty ones, and drop a\n"
	"                         long record's extra fields when all empty\n"
	"      --rejects FILE     with skip: write each bad record to FILE as\n"
	"                         a JSON line (file, record, line, offset,\n"
	"                         reason, raw bytes)\n"
	"      --keys WHICH       JSON input: whose keys name the fields: first\n"
	"                         (default; the first object's, and a key it\n"
	"                         lacks is a bad record) or union (every\n"
	"                         object's, in the order first seen: the\n"
	"                         input is read twice, standard input copied\n"
	"                         compressed to --tmpdir first)\n"
	"      --strings          JSON output: every value as a string\n"
	"  -o, --output FILE      write to FILE atomically (.gz implies -z,\n"
	"                         .zst --zstd)\n"
	"  -z, --gzip             gzip the output\n"
	"      --zstd             zstd the output (not with -z)\n"
	"      --level N          compression level: gzip 1-9 (default 3),\n"
	"                         zstd 1-19 (default 3)\n"
	"      --blocks[=SIZE]    gzip as independent members of SIZE bytes\n"
	"                         of output each (default 1M, 4K to 64M),\n"
	"                         marking where records start, so that\n"
	"                         split can cut the file without inflating\n"
	"                         it from its start; any gzip reader reads\n"
	"                         it whole (verbs that write records)\n"
	"      --mem-report[=json]\n"
	"                         print peak memory and its split by tag on\n"
	"                         stderr at exit\n"
	"      --progress[=always]\n"
	"                         a progress line on stderr when it is a\n"
	"                         terminal (always: whatever it is): bytes of\n"
	"                         the total, records, rate, ETA, memory, phase\n"
	"  -q, --quiet            no notes on stderr (errors still)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Spill files (sort, uniq, join, stats, freq, reverse, shuffle and\n"
	"top -g write them when their data passes the ceiling):\n"
	"      --tmpdir DIR       where they go (default $TMPDIR, else /tmp);\n"
	"                         each is unlinked as it is made\n"
	"      --tmp-limit SIZE   most disk they may use at once\n"
	"      --spill-codec C    gzip (default) or zstd\n"
	"      --spill-level N    gzip 1-9 or zstd 1-19 (default 1)\n"
	"\n"
	"FILE - or no FILE reads standard input; gzip, bzip2, xz and zstd\n"
	"input is detected and decompressed whatever its name.  Exit status:\n"
	"0 success, 1 bad input, 2 usage error, 3 resource error (memory\n"
	"ceiling, disk, i/o).\n"
	"\n"
	"An option that takes a list (-f, -k, -g, -a, ...) takes its items\n"
	"comma-separated, repeated, or both: -f a,b -f c is -f a,b,c.  An\n"
	"empty item is a usage error; a field whose name has a comma is given\n"
	"by position.\n";

#define MAX_VERB_OPTS 32

static int is_global(int ch)
{
	switch (ch) {
	case 'm': case 'i': case 'O': case 'o': case 'z': case 'd': case 'q':
	case 'j':
		return 1;
	}
	return ch >= OPT_CHUNK_SIZE && ch <= OPT_LAST_GLOBAL;
}

int cli_usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluice %s: ", c->verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sluice %s --help'.\n", c->verb);
	return EXIT_USAGE;
}

int cli_stop(struct cli *c, int ch)
{
	if (ch == CLI_HELP) {
		fputs(c->usage, stdout);
		fputc('\n', stdout);
		fputs(global_help, stdout);
		return fflush(stdout) == 0 ? 0 : EXIT_RESOURCE;
	}
	(void)c;
	return EXIT_USAGE;
}

static int parse_format(struct cli *c, const char *opt, const char *name,
			sl_format *out)
{
	*out = sl_format_parse(name);
	if (*out != SL_FORMAT_AUTO)
		return 0;
	cli_usage_error(c, "unknown %s '%s' (one of csv, tsv, jsonl, json,"
			" lines)", opt, name);
	return -1;
}

/* Handle one global option; returns 0 or -1 after printing why. */
static int global_option(struct cli *c, int ch, const char *arg)
{
	uint64_t n;

	switch (ch) {
	case 'm':
		if (cli_parse_size(arg, &c->opt.max_memory) < 0 ||
		    c->opt.max_memory == 0) {
			cli_usage_error(c, "invalid --max-memory '%s'", arg);
			return -1;
		}
		return 0;
	case 'j':
		if (cli_parse_count(arg, &n) < 0 || n < 1 ||
		    n > SL_MAX_THREADS) {
			cli_usage_error(c, "invalid --threads '%s' (1 to %d)",
					arg, SL_MAX_THREADS);
			return -1;
		}
		c->opt.threads = (unsigned)n;
		return 0;
	case OPT_CHUNK_SIZE:
		if (cli_parse_size(arg, &c->opt.chunk_size) < 0 ||
		    c->opt.chunk_size == 0 ||
		    c->opt.chunk_size > ((size_t)1 << 30)) {
			cli_usage_error(c, "invalid --chunk-size '%s' (1 to 1G)",
					arg);
			return -1;
		}
		return 0;
	case 'i':
		return parse_format(c, "--in-format", arg, &c->ropt.format);
	case 'O':
		return parse_format(c, "--out-format", arg, &c->out_format);
	case 'd':
	case OPT_OUT_DELIMITER:
		if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0)
			arg = "\t";
		if (strlen(arg) != 1 || *arg == '"' || *arg == '\n' ||
		    *arg == '\r') {
			cli_usage_error(c, "invalid %s '%s' (one character, not"
					" a quote or newline)", ch == 'd' ?
					"--delimiter" : "--out-delimiter", arg);
			return -1;
		}
		if (ch == 'd')
			c->ropt.delimiter = *arg;
		else
			c->out_delimiter = *arg;
		return 0;
	case OPT_QUOTE_ALL:
		c->wopt.quote_all = 1;
		return 0;
	case OPT_NO_HEADER:
		c->ropt.no_header = c->wopt.no_header = 1;
		return 0;
	case OPT_ON_ERROR:
		if (strcmp(arg, "fail") == 0) {
			c->ropt.on_error = SL_FAIL;
		} else if (strcmp(arg, "skip") == 0) {
			c->ropt.on_error = SL_SKIP;
		} else if (strcmp(arg, "pad") == 0) {
			c->ropt.on_error = SL_PAD;
		} else {
			cli_usage_error(c, "invalid --on-error '%s' (fail, skip"
					" or pad)", arg);
			return -1;
		}
		return 0;
	case OPT_REJECTS:
		c->rejects = arg;
		return 0;
	case OPT_STRINGS:
		c->wopt.strings = 1;
		return 0;
	case 'q':
		c->quiet = 1;
		return 0;
	case 'o':
		c->output = arg;
		return 0;
	case 'z':
		c->gzip = 1;
		return 0;
	case OPT_ZSTD:
		c->zstd = 1;
		return 0;
	case OPT_BLOCKS:
		c->blocks = (size_t)1 << 20;
		if (arg && (cli_parse_size(arg, &c->blocks) < 0 ||
			    c->blocks < ((size_t)4 << 10) ||
			    c->blocks > ((size_t)64 << 20))) {
			cli_usage_error(c, "invalid --blocks '%s' (4K to 64M)",
					arg);
			return -1;
		}
		return 0;
	case OPT_LEVEL:
		if (cli_parse_count(arg, &n) < 0 || n < 1 || n > 19) {
			cli_usage_error(c, "invalid --level '%s' (1 to 19)", arg);
			return -1;
		}
		c->level = (int)n;
		return 0;
	case OPT_PROGRESS:
		if (!arg || strcmp(arg, "auto") == 0) {
			c->progress = PROGRESS_AUTO;
		} else if (strcmp(arg, "always") == 0) {
			c->progress = PROGRESS_ALWAYS;
		} else if (strcmp(arg, "never") == 0) {
			c->progress = PROGRESS_NONE;
		} else {
			cli_usage_error(c, "invalid --progress '%s' (auto, always"
					" or never)", arg);
			return -1;
		}
		return 0;
	case OPT_TMPDIR:
		c->tmpdir = c->ropt.tmpdir = arg;
		return 0;
	case OPT_KEYS:
		if (strcmp(arg, "first") == 0) {
			c->ropt.keys = SL_KEYS_FIRST;
		} else if (strcmp(arg, "union") == 0) {
			c->ropt.keys = SL_KEYS_UNION;
		} else {
			cli_usage_error(c, "invalid --keys '%s' (first or union)",
					arg);
			return -1;
		}
		return 0;
	case OPT_TMP_LIMIT:
		if (cli_parse_size(arg, &c->tmp_limit) < 0 || c->tmp_limit == 0) {
			cli_usage_error(c, "invalid --tmp-limit '%s'", arg);
			return -1;
		}
		return 0;
	case OPT_SPILL_CODEC:
		if (strcmp(arg, "gzip") == 0) {
			c->spill_codec = SL_SPILL_GZIP;
		} else if (strcmp(arg, "zstd") == 0) {
			c->spill_codec = SL_SPILL_ZSTD;
		} else {
			cli_usage_error(c, "invalid --spill-codec '%s' (gzip or"
					" zstd)", arg);
			return -1;
		}
		return 0;
	case OPT_SPILL_LEVEL:
		if (cli_parse_count(arg, &n) < 0 || n < 1 || n > 19) {
			cli_usage_error(c, "invalid --spill-level '%s' (1 to 19)",
					arg);
			return -1;
		}
		c->spill_level = (int)n;
		return 0;
	case OPT_MEM_REPORT:
		if (!arg || strcmp(arg, "text") == 0) {
			c->mem_report = REPORT_TEXT;
		} else if (strcmp(arg, "json") == 0) {
			c->mem_report = REPORT_JSON;
		} else {
			cli_usage_error(c, "invalid --mem-report '%s' (text or"
					" json)", arg);
			return -1;
		}
		return 0;
	}
	return -1;
}

int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	static struct option all[MAX_VERB_OPTS +
				 sizeof(global_longopts) /
				 sizeof(global_longopts[0]) + 1];
	static char all_short[128];
	static const struct option *built_for;
	size_t n = 0, i;
	int ch, idx;

	if (built_for != longopts || !all[0].name) {
		for (i = 0; longopts && longopts[i].name; i++)
			if (n < MAX_VERB_OPTS)
				all[n++] = longopts[i];
		for (i = 0; i < sizeof(global_longopts) /
			     sizeof(global_longopts[0]); i++)
			all[n++] = global_longopts[i];
		memset(&all[n], 0, sizeof(all[n]));
		/* ':' first: report a missing argument as ':' */
		snprintf(all_short, sizeof(all_short), ":%s%s",
			 global_shortopts + 1, shortopts ? shortopts : "");
		built_for = longopts;
		opterr = 0;
	}
	c->argc = argc;          /* for cli_progress_start() */
	c->argv = argv;
	for (;;) {
		idx = -1;
		ch = getopt_long(argc, argv, all_short, all, &idx);
		if (ch == -1)
			return -1;
		if (ch == 'h')
			return CLI_HELP;
		if (ch == '?') {
			if (optopt)
				cli_usage_error(c, "unknown option '-%c'",
						optopt);
			else
				cli_usage_error(c, "unknown option '%s'",
						argv[optind - 1]);
			return CLI_BAD;
		}
		if (ch == ':') {
			cli_usage_error(c, "option '%s' needs a value",
					argv[optind - 1]);
			return CLI_BAD;
		}
		if (!is_global(ch))
			return ch;
		if (global_option(c, ch, optarg) < 0)
			return CLI_BAD;
	}
}

/* Does the -o name end in suffix (and have more before it)? */
static int output_ends(const struct cli *c, const char *suffix)
{
	size_t n = c->output ? strlen(c->output) : 0, k = strlen(suffix);

	return n > k && strcmp(c->output + n - k, suffix) == 0;
}

/* Is the output zstd: --zstd, or an -o name ending in .zst without -z? */
static int zstd_output(const struct cli *c)
{
	return c->zstd || (!c->gzip && output_ends(c, ".zst"));
}

int cli_start(struct cli *c)
{
	const char *env = getenv("SLUICE_MAX_MEMORY");

	if (c->gzip && c->zstd)
		return cli_usage_error(c, "-z and --zstd cannot go together");
	if (c->blocks && (zstd_output(c) || (!c->gzip && !output_ends(c, ".gz"))))
		return cli_usage_error(c, "--blocks writes gzip: it needs -z or"
				       " an -o name ending in .gz");
	if (c->level > 9 && !zstd_output(c))
		return cli_usage_error(c, "--level %d is for zstd (gzip takes 1"
				       " to 9)", c->level);
	if (c->spill_level > 9 && c->spill_codec != SL_SPILL_ZSTD)
		return cli_usage_error(c, "--spill-level %d is for zstd (gzip"
				       " takes 1 to 9)", c->spill_level);

	if (!c->opt.max_memory && env && *env) {
		if (cli_parse_size(env, &c->opt.max_memory) < 0 ||
		    c->opt.max_memory == 0)
			return cli_usage_error(c, "invalid SLUICE_MAX_MEMORY '%s'",
					       env);
	}
	env = getenv("SLUICE_THREADS");
	if (!c->opt.threads && env && *env) {
		uint64_t n;

		if (cli_parse_count(env, &n) < 0 || n < 1 ||
		    n > SL_MAX_THREADS)
			return cli_usage_error(c, "invalid SLUICE_THREADS '%s' (1"
					       " to %d)", env, SL_MAX_THREADS);
		c->opt.threads = (unsigned)n;
	}
	c->wopt.delimiter = c->out_delimiter ? c->out_delimiter :
		c->ropt.delimiter;
	c->ctx = sl_ctx_new(&c->opt);
	if (!c->ctx) {
		fprintf(stderr, "sluice %s: cannot allocate a context\n",
			c->verb);
		return EXIT_RESOURCE;
	}
	/* tests only (tests/cli/t_faults.sh): SLUICE_FAULT=alloc:N makes the
	 * N-th charge to the budget fail as if past the ceiling */
	env = getenv("SLUICE_FAULT");
	if (env && strncmp(env, "alloc:", 6) == 0)
		sl_mem_fail_at(c->ctx, strtoul(env + 6, NULL, 10));
	c->arena = sl_arena_new(c->ctx, "run");
	if (!c->arena)
		return cli_fail(c);
	cli_progress_start(c, c->argc, c->argv);
	if (c->rejects) {
		if (c->ropt.on_error != SL_SKIP)
			return cli_usage_error(c, "--rejects needs --on-error"
					       " skip");
		c->rejects_sink = sl_sink_open(c->arena, c->rejects, NULL);
		if (!c->rejects_sink)
			return cli_fail(c);
		c->ropt.rejects = c->rejects_sink;
	}
	return 0;
}

int cli_fail(struct cli *c)
{
	sl_status st = sl_errcode(c->ctx);

	if (c->out && !c->output && st != SL_EPIPE)
		sl_sink_flush(c->out);
	switch (st) {
	case SL_OK:
	case SL_EPIPE:
		return 0;
	case SL_EDATA:
		fprintf(stderr, "sluice %s: %s\n", c->verb, sl_errmsg(c->ctx));
		return EXIT_DATA;
	case SL_EINVAL:     /* a key, field or option the input refutes */
		fprintf(stderr, "sluice %s: %s\nTry 'sluice %s --help'.\n",
			c->verb, sl_errmsg(c->ctx), c->verb);
		return EXIT_USAGE;
	default:
		fprintf(stderr, "sluice %s: %s\n", c->verb, sl_errmsg(c->ctx));
		return EXIT_RESOURCE;
	}
}

void cli_sort_spill(const struct cli *c, sl_sort_options *o)
{
	o->tmpdir = c->tmpdir;
	o->tmp_limit = c->tmp_limit;
	o->codec = c->spill_codec;
	o->level = c->spill_level;
}

void cli_agg_spill(const struct cli *c, sl_agg_options *o)
{
	o->tmpdir = c->tmpdir;
	o->tmp_limit = c->tmp_limit;
	o->codec = c->spill_codec;
	o->level = c->spill_level;
}

sl_sink *cli_open_output(struct cli *c)
{
	sl_sink_options so = { .gzip = c->gzip ? 1 : -1, .zstd = c->zstd,
			       .level = c->level, .blocks = c->blocks };

	/* blocks mark where records start, which only a writer knows */
	if (c->blocks && !c->writes_records) {
		sl_error(c->ctx, SL_EINVAL, "--blocks is for verbs that write"
			 " records: sluice %s%s writes text", c->verb,
			 c->partial ? " --partial" : "");
		return NULL;
	}
	c->out = sl_sink_open(c->arena, c->output, &so);
	return c->out;
}

int cli_close_output(struct cli *c, sl_sink *out)
{
	/* the output is renamed into place last, so that a failure to
	 * finish --rejects leaves -o FILE as it was */
	if (c->rejects_sink && sl_sink_close(c->rejects_sink) != SL_OK)
		return cli_fail(c);
	if (sl_sink_close(out) != SL_OK)
		return cli_fail(c);
	if (c->skipped && !c->quiet)
		fprintf(stderr, "sluice %s: skipped %llu bad record%s%s%s\n",
			c->verb, (unsigned long long)c->skipped,
			c->skipped == 1 ? "" : "s",
			c->rejects ? "; see " : "",
			c->rejects ? c->rejects : "");
	return 0;
}


sl_format cli_output_format(struct cli *c)
{
	sl_format f = c->out_format;

	/* an -o name says csv, tsv, jsonl or json; ".txt" alone asks for
	 * nothing */
	if (f == SL_FORMAT_AUTO && c->output) {
		f = sl_format_from_name(c->output);
		if (f == SL_FORMAT_LINES)
			f = SL_FORMAT_AUTO;
	}
	return f;
}

int cli_parse_lines(struct cli *c, const char *arg, uint64_t *n)
{
	if (cli_parse_count(arg, n) < 0)
		return cli_usage_error(c, "invalid record count '%s'", arg);
	return 0;
}

int cli_parse_seed(struct cli *c, const char *arg, uint64_t *seed)
{
	if (cli_parse_count(arg, seed) < 0)
		return cli_usage_error(c, "invalid seed '%s' (a non-negative"
				       " integer)", arg);
	return 0;
}

uint64_t cli_random_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	return seed;
}

static sl_format out_format(struct cli *c, sl_format in_format);

/* The inputs paths[0..n) as a pipeline's first stage; NULL on failure. */
static sl_iter *read_paths(struct cli *c, const char *const *paths, size_t n)
{
	/* JSON Lines output needs UTF-8: a record that is not is a bad
	 * record of its input, named there, and --on-error skip skips it */
	sl_format f = cli_output_format(c);

	c->ropt.utf8 = c->passes_records &&
		(f == SL_FORMAT_JSONL || f == SL_FORMAT_JSON);
	/* NULL on failure, with the error in the context: cli_run() and
	 * cli_run_partial() report it, once */
	return sl_read_files(c->arena, paths, n, &c->ropt);
}

sl_iter *cli_read(struct cli *c, int argc, char **argv)
{
	return read_paths(c, (const char *const *)argv + optind,
			  optind < argc ? (size_t)(argc - optind) : 0);
}

sl_iter *cli_read_path(struct cli *c, const char *path)
{
	return read_paths(c, &path, 1);
}

int cli_run(struct cli *c, sl_iter *it)
{
	const sl_str *names;
	sl_writer *w;
	size_t n;

	c->writes_records = 1;
	names = sl_iter_header(it, &n);
	if (names) {
		const sl_record *first;

		/* the writer takes its memory before the first record is
		 * asked for (a sort sizes itself by what is left), but the
		 * header goes out with the first record, or at the end: a
		 * run that fails before either writes nothing */
		w = cli_open_writer_as(c, sl_iter_format(it),
				       sl_iter_input(it), NULL, 0);
		if (w && n && cli_writes_rows(c, sl_iter_format(it)))
			sl_iter_quiet(it);
		first = w ? sl_iter_next(it) : NULL;
		if (w && !sl_failed(c->ctx) &&
		    sl_writer_header(w, names, n) == SL_OK &&
		    (!first || sl_writer_write_record(w, first) == SL_OK))
			sl_write_to(it, w);
	} else if (!sl_failed(c->ctx)) {
		/* an empty input: nothing to write, but for the empty array
		 * a json writer ends its file with */
		if (out_format(c, sl_iter_format(it)) == SL_FORMAT_JSON)
			cli_open_writer_as(c, SL_FORMAT_JSON, NULL, NULL, 0);
		else
			cli_open_output(c);
	}
	c->skipped += sl_iter_skipped(it);
	if (sl_iter_spill_stats(it, &c->spill))
		c->spill_report = 1;
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, c->out);
}

/* The format the output takes for input of in_format. */
static sl_format out_format(struct cli *c, sl_format in_format)
{
	sl_format f = c->out_format;

	if (f == SL_FORMAT_AUTO)
		f = cli_output_format(c);
	return f == SL_FORMAT_AUTO ? in_format : f;
}

int cli_expr_error(struct cli *c, const char *text, size_t col)
{
	fprintf(stderr, "sluice %s: %s\n", c->verb, sl_errmsg(c->ctx));
	if (col && !strchr(text, '\n'))
		fprintf(stderr, "  %s\n  %*s^\n", text, (int)(col - 1), "");
	return EXIT_USAGE;
}

int cli_writes_rows(struct cli *c, sl_format in_format)
{
	sl_format f = out_format(c, in_format);

	return f == SL_FORMAT_CSV || f == SL_FORMAT_TSV;
}

sl_writer *cli_open_writer_as(struct cli *c, sl_format in_format,
			      const char *input, const sl_str *names,
			      size_t n)
{
	sl_format f = out_format(c, in_format);
	sl_write_options wo = c->wopt;
	sl_writer *w;
	sl_sink *s;

	s = cli_open_output(c);
	if (!s)
		return NULL;
	wo.input = input;
	w = sl_writer_new(c->arena, s, f, &wo);
	if (!w)
		return NULL;
	if (names && sl_writer_header(w, names, n) != SL_OK)
		return NULL;
	return w;
}

int cli_parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

int cli_parse_count(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static size_t peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (size_t)ru.ru_maxrss * 1024;   /* Linux: kilobytes */
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void cli_mem_report(struct cli *c)
{
	sl_tag_stat tags[64];
	size_t i, n = sl_mem_tags(c->ctx, tags, 64);
	char a[32], b[32];

	if (n > 64)
		n = 64;
	if (c->mem_report == REPORT_JSON) {
		fprintf(stderr, "{\"verb\":\"%s\",\"ceiling\":%zu,\"peak\":%zu,"
			"\"in_use\":%zu,\"peak_rss\":%zu,", c->verb,
			sl_mem_ceiling(c->ctx), sl_mem_peak(c->ctx),
			sl_mem_in_use(c->ctx), peak_rss());
		if (c->spill_report)
			fprintf(stderr, "\"spill_runs\":%llu,\"merge_passes\":"
				"%llu,\"spill_raw\":%llu,\"spill_packed\":%llu,",
				(unsigned long long)c->spill.runs,
				(unsigned long long)c->spill.passes,
				(unsigned long long)c->spill.raw,
				(unsigned long long)c->spill.packed);
		fputs("\"tags\":[", stderr);
		for (i = 0; i < n; i++) {
			fputs(i ? ",{\"tag\":" : "{\"tag\":", stderr);
			json_string(stderr, tags[i].tag);
			fprintf(stderr, ",\"peak\":%zu}", tags[i].peak);
		}
		fprintf(stderr, "]}\n");
		return;
	}
	fprintf(stderr, "sluice %s: memory report\n", c->verb);
	fprintf(stderr, "  peak        %10s of a %s ceiling\n",
		sl_format_size(a, sizeof(a), sl_mem_peak(c->ctx)),
		sl_format_size(b, sizeof(b), sl_mem_ceiling(c->ctx)));
	fprintf(stderr, "  peak rss    %10s (whole process)\n",
		sl_format_size(a, sizeof(a), peak_rss()));
	if (c->spill_report)
		fprintf(stderr, "  spilled     %llu run%s, %llu merge pass%s,"
			" %s of records as %s on disk\n",
			(unsigned long long)c->spill.runs,
			c->spill.runs == 1 ? "" : "s",
			(unsigned long long)c->spill.passes,
			c->spill.passes == 1 ? "" : "es",
			sl_format_size(a, sizeof(a), (size_t)c->spill.raw),
			sl_format_size(b, sizeof(b), (size_t)c->spill.packed));
	fprintf(stderr, "  peak by tag:\n");
	for (i = 0; i < n; i++)
		fprintf(stderr, "    %-20s %10s\n", tags[i].tag,
			sl_format_size(a, sizeof(a), tags[i].peak));
}

int cli_list_add(struct cli *c, struct cli_list *l, const char *opt,
		 const char *arg)
{
	const char *p;
	size_t len;

	for (p = arg;; p += len + 1) {
		len = strcspn(p, ",");
		if (!len)
			return cli_usage_error(c, "empty item in %s '%s'", opt,
					       arg);
		if (!p[len])
			break;
	}
	if (l->narg == CLI_LIST_MAX)
		return cli_usage_error(c, "%s given more than %d times (use"
				       " commas)", opt, CLI_LIST_MAX);
	l->arg[l->narg++] = arg;
	return 0;
}

int cli_list_join(struct cli *c, struct cli_list *l, const char **out)
{
	size_t len = 0, i;
	char *p;

	for (i = 0; i < l->narg; i++)
		len += strlen(l->arg[i]) + 1;
	p = sl_arena_alloc(c->arena, len + 1);
	if (!p)
		return cli_fail(c);
	*out = p;
	for (i = 0; i < l->narg; i++) {
		len = strlen(l->arg[i]);
		if (i)
			*p++ = ',';
		memcpy(p, l->arg[i], len);
		p += len;
	}
	*p = '\0';
	return 0;
}

int cli_write_partial(struct cli *c, sl_agg *g, const sl_agg_spec *sp)
{
	sl_sink *out;

	c->partial = 1;
	out = cli_open_output(c);
	if (!out || sl_agg_write_header(c->ctx, out, sp) != SL_OK ||
	    sl_agg_write_partial(g, out) != SL_OK)
		return cli_fail(c);
	return cli_close_output(c, out);
}

int cli_run_partial(struct cli *c, sl_iter *it)
{
	sl_sink *out;

	c->partial = 1;
	out = it ? cli_open_output(c) : NULL;
	if (out)
		sl_write_partial(it, out);
	c->skipped += sl_iter_skipped(it);
	if (sl_iter_spill_stats(it, &c->spill))
		c->spill_report = 1;
	if (sl_failed(c->ctx))
		return cli_fail(c);
	return cli_close_output(c, out);
}
