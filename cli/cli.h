/*
 * cli.h - what cli/main.c shares with the verbs.
 *
 * A verb is `int cmd_VERB(int argc, char **argv, struct cli *c)`: it reads
 * its options with cli_getopt() (which also takes the global ones), calls
 * cli_start() to make the context, does its work and returns the exit
 * status.  main() prints --mem-report and frees the context afterwards, so
 * a verb may return from anywhere.
 */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "sluice.h"

enum { EXIT_DATA = 1, EXIT_USAGE = 2, EXIT_RESOURCE = 3 };

enum { REPORT_NONE, REPORT_TEXT, REPORT_JSON };

enum { PROGRESS_NONE, PROGRESS_AUTO, PROGRESS_ALWAYS };

/* What cli_getopt() returns for --help and for a bad option. */
enum { CLI_HELP = -2, CLI_BAD = '?' };

struct cli {
	const char *verb;
	const char *usage;       /* the verb's usage text */
	sl_options opt;
	sl_read_options ropt;    /* -i, -d, --no-header, --on-error */
	sl_write_options wopt;   /* -d, --no-header, --strings */
	sl_format out_format;    /* -O, else AUTO */
	const char *output;      /* -o, NULL for standard output */
	const char *rejects;     /* --rejects FILE */
	int gzip;                /* -z: 1; else -1 (by the -o name) */
	int zstd;                /* --zstd: 1; else 0 (by the -o name) */
	int level;               /* --level, 0 for the default */
	size_t blocks;           /* --blocks: block gzip of this size, or 0 */
	int writes_records;      /* the output is a writer's (--blocks) */
	int partial;             /* --partial: states, not records */
	int mem_report;
	int progress;            /* --progress: PROGRESS_* */
	int quiet;
	char out_delimiter;      /* --out-delimiter, 0: -d's */
	int passes_records;      /* the verb writes its input's records: with
				  * JSON output they must be UTF-8 */
	int argc;                /* the verb's arguments, from cli_getopt() */
	char **argv;
	sl_ctx *ctx;
	sl_arena *arena;         /* lives as long as the run */
	sl_sink *out;            /* from cli_open_output() */
	sl_sink *rejects_sink;
	uint64_t skipped;        /* bad records skipped, all inputs */
	const char *tmpdir;      /* --tmpdir, NULL: $TMPDIR, else /tmp */
	size_t tmp_limit;        /* --tmp-limit, 0: none */
	int spill_codec;         /* --spill-codec: an sl_spill_codec */
	int spill_level;         /* --spill-level, 0: the codec's 1 */
	int spill_report;        /* spill is a sort's, for --mem-report */
	sl_spill_stats spill;
};

/*
 * getopt_long over the verb's options and the global ones together.  The
 * global ones are handled here.  Returns the verb's option character, -1
 * after the last option, CLI_HELP after printing the help, or CLI_BAD after
 * printing what was wrong; the verb returns cli_stop() for the last two.
 */
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* The exit status for CLI_HELP (0) or CLI_BAD (2). */
int cli_stop(struct cli *c, int ch);

/* Print "sluice VERB: MESSAGE" and a pointer to --help; returns 2. */
int cli_usage_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Make the context and the run arena.  Returns 0 or an exit status. */
int cli_start(struct cli *c);

/*
 * Print the context's error as "sluice VERB: MESSAGE" and return the exit
 * status for it (0 for a closed output pipe, which is not an error).  What
 * was written to standard output before the error is flushed first; a
 * named output file is abandoned, leaving any old file in place.
 */
int cli_fail(struct cli *c);

/* Open the output named by -o/-z/--level, NULL on failure. */
sl_sink *cli_open_output(struct cli *c);

/* The spill options (--tmpdir, --tmp-limit, --spill-codec,
 * --spill-level) into a sorter's or an aggregator's options. */
void cli_sort_spill(const struct cli *c, sl_sort_options *o);
void cli_agg_spill(const struct cli *c, sl_agg_options *o);

/* Close the output (and --rejects); returns 0 or an exit status.  Reports
 * skipped records on stderr. */
int cli_close_output(struct cli *c, sl_sink *out);

/* The output format -O or the -o name asks for, else SL_FORMAT_AUTO. */
sl_format cli_output_format(struct cli *c);

/* -n N of head, tail, sample, top: 0 or the usage error's status. */
int cli_parse_lines(struct cli *c, const char *arg, uint64_t *n);
/* --seed S of sample and shuffle: 0 or the usage error's status; and the
 * seed when none is given: getrandom(2)'s, else the time's and the
 * process id's. */
int cli_parse_seed(struct cli *c, const char *arg, uint64_t *seed);
uint64_t cli_random_seed(void);

/*
 * Open the output as a writer of records named names[0..n), writing the
 * header (names NULL: none yet, the caller sets it): the format is -O,
 * else the one the -o name suggests, else in_format.  input names the
 * input the header came from, for messages.  NULL on failure.
 */
sl_writer *cli_open_writer_as(struct cli *c, sl_format in_format,
			      const char *input, const sl_str *names,
			      size_t n);

/* Whether that output is csv or tsv, whose writer refuses no record of a
 * header with names: then no record needs to name where it was read. */
int cli_writes_rows(struct cli *c, sl_format in_format);

/* The inputs argv[optind..argc) (standard input when there are none) as
 * the first stage of a pipeline, in the run arena; NULL on failure. */
sl_iter *cli_read(struct cli *c, int argc, char **argv);

/* The one input path ("-": standard input) as the first stage of a
 * pipeline of its own, in the run arena; NULL on failure. */
sl_iter *cli_read_path(struct cli *c, const char *path);

/*
 * Write the pipeline to the output (-o, -O, -z), closing it; an input
 * with no header writes nothing.  Counts skipped records and spills for
 * the report.  Returns the exit status.
 */
int cli_run(struct cli *c, sl_iter *it);

/*
 * A list option, such as select's -f: its values are gathered as
 * cli_getopt() returns them, then joined by commas for the library's
 * list parsers (cli_list_join()), so that -f a,b -f c is
 * -f a,b,c.  Gathering keeps pointers into argv and allocates nothing, so
 * it comes before cli_start(); an empty item (-f a,,b, -f '') is a usage
 * error there.  A field whose name has a comma is given by position.
 */
enum { CLI_LIST_MAX = 256 };

struct cli_list {
	const char *arg[CLI_LIST_MAX];   /* the values, pointers into argv */
	size_t narg;
};

/* Add the value arg of option opt ("-f") to l.  Returns 0 or the usage
 * error's status. */
int cli_list_add(struct cli *c, struct cli_list *l, const char *opt,
		 const char *arg);

/* After cli_start(): the values of l joined by commas, as the library's
 * list parsers take them ("" when there are none), in the run arena.
 * Returns 0 or an exit status. */
int cli_list_join(struct cli *c, struct cli_list *l, const char **out);

/* "64K", "256M", "1G", "512": bytes.  Returns 0 or -1. */
int cli_parse_size(const char *s, size_t *out);

/* A non-negative decimal count.  Returns 0 or -1. */
int cli_parse_count(const char *s, uint64_t *out);

/* Write the spec's header line and every partial state of g to the
 * output; returns the exit status. */
int cli_write_partial(struct cli *c, sl_agg *g, const sl_agg_spec *sp);

/* As cli_run(), but write the partial states of the stats or freq stage
 * it (sl_write_partial()) instead of its records. */
int cli_run_partial(struct cli *c, sl_iter *it);

/* Start the --progress line (cli_start() calls it), and end it. */
void cli_progress_start(struct cli *c, int argc, char **argv);
void cli_progress_end(struct cli *c);

/* Print the memory report to stderr. */
void cli_mem_report(struct cli *c);

int cmd_cat(int argc, char **argv, struct cli *c);
int cmd_count(int argc, char **argv, struct cli *c);
int cmd_head(int argc, char **argv, struct cli *c);
int cmd_tail(int argc, char **argv, struct cli *c);
int cmd_reverse(int argc, char **argv, struct cli *c);
int cmd_shuffle(int argc, char **argv, struct cli *c);
int cmd_select(int argc, char **argv, struct cli *c);
int cmd_rename(int argc, char **argv, struct cli *c);
int cmd_reorder(int argc, char **argv, struct cli *c);
int cmd_headers(int argc, char **argv, struct cli *c);
int cmd_fill(int argc, char **argv, struct cli *c);
int cmd_explode(int argc, char **argv, struct cli *c);
int cmd_implode(int argc, char **argv, struct cli *c);
int cmd_table(int argc, char **argv, struct cli *c);
int cmd_put(int argc, char **argv, struct cli *c);
/* filter's and put's syntax error: the message, then the expression with
 * a caret under column col (when it is one line); EXIT_USAGE. */
int cli_expr_error(struct cli *c, const char *text, size_t col);
/* explode.c: explode, or implode when implode is set */
int cli_explode_or_implode(int argc, char **argv, struct cli *c,
			   int implode);
int cmd_sample(int argc, char **argv, struct cli *c);
int cmd_gen(int argc, char **argv, struct cli *c);
int cmd_filter(int argc, char **argv, struct cli *c);
int cmd_sort(int argc, char **argv, struct cli *c);
int cmd_uniq(int argc, char **argv, struct cli *c);
int cmd_top(int argc, char **argv, struct cli *c);
int cmd_join(int argc, char **argv, struct cli *c);
int cmd_split(int argc, char **argv, struct cli *c);
int cmd_stats(int argc, char **argv, struct cli *c);
int cmd_freq(int argc, char **argv, struct cli *c);
int cmd_merge(int argc, char **argv, struct cli *c);

#endif /* SLUICE_CLI_H */
