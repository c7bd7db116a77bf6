/*
 * main.c - the sluice command: the verb table and what every run shares.
 *
 * `sluice VERB [OPTIONS] [FILE...]`.  main() finds the verb in the table,
 * hands it the rest of the command line, then prints the memory report
 * and frees the context.  SIGINT, SIGTERM and SIGHUP remove the library's
 * temporary files before the signal is re-raised; SIGPIPE is ignored so
 * that a closed output pipe comes back as EPIPE from write(2) and ends the
 * run quietly.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli *c);
	const char *summary;
} commands[] = {
	{ "cat", cmd_cat, "concatenate and convert between formats" },
	{ "count", cmd_count, "count records" },
	{ "head", cmd_head, "print the first N records, then stop reading" },
	{ "tail", cmd_tail, "print the last N records" },
	{ "select", cmd_select, "choose, reorder, rename or drop fields" },
	{ "rename", cmd_rename, "rename fields, by name or regex; keep the rest" },
	{ "reorder", cmd_reorder, "put fields first or last, keep the rest" },
	{ "headers", cmd_headers, "field names and positions, and --types" },
	{ "fill", cmd_fill, "fill empty values down from the last non-empty" },
	{ "explode", cmd_explode, "a record for each piece of a split field" },
	{ "implode", cmd_implode, "join adjacent records' pieces of a field" },
	{ "table", cmd_table, "an aligned view for a terminal (also: look)" },
	{ "filter", cmd_filter, "keep the records an expression holds for" },
	{ "put", cmd_put, "set or add fields from expressions" },
	{ "sort", cmd_sort, "sort by keys under the ceiling, spilling to disk" },
	{ "uniq", cmd_uniq, "distinct records or keys, counted, any number" },
	{ "top", cmd_top, "the N greatest records by keys" },
	{ "reverse", cmd_reverse, "the records last first, any number" },
	{ "shuffle", cmd_shuffle, "the records in a random order, seeded" },
	{ "join", cmd_join, "join two inputs on keys: inner, left, outer" },
	{ "stats", cmd_stats, "summary statistics, overall or grouped" },
	{ "freq", cmd_freq, "exact value counts, most frequent first" },
	{ "merge", cmd_merge, "combine partial states of stats, freq, count" },
	{ "sample", cmd_sample, "N records chosen at random, seeded" },
	{ "split", cmd_split, "part I of N of a file, in whole records" },
	{ "gen", cmd_gen, "generate a reproducible synthetic table" },
};

static const char main_usage[] =
	"usage: sluice VERB [OPTIONS] [FILE...]\n"
	"       sluice VERB --help\n"
	"       sluice --version\n"
	"\n"
	"Process files far larger than memory under a fixed memory ceiling.\n"
	"\n"
	"Verbs:\n";

static void print_usage(FILE *f)
{
	size_t i;

	fputs(main_usage, f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nRun 'sluice VERB --help' for a verb's options.\n", f);
}

/*
 * Tests only (tests/cli/t_faults.sh): SLUICE_FAULT=count prints how many
 * charges the budget took, the range of N for SLUICE_FAULT=alloc:N (which
 * cli_start() arms).
 */
static void fault_report(const struct cli *c)
{
	const char *env = getenv("SLUICE_FAULT");

	if (env && strcmp(env, "count") == 0)
		fprintf(stderr, "sluice %s: fault: %lu charges\n", c->verb,
			sl_mem_charges(c->ctx));
}

static void on_signal(int sig)
{
	sl_tmpfiles_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Let the process have as many open files as it may (up to 65536): each
 * spill run a sort keeps holds one, and a sorter keeps at most a quarter
 * of the limit before it merges some (lib/sort.c). */
static void raise_open_files(void)
{
	struct rlimit rl;
	rlim_t want = 65536;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	if (want > rl.rlim_cur) {
		rl.rlim_cur = want;
		setrlimit(RLIMIT_NOFILE, &rl);  /* else keep the soft one */
	}
}

static void setup_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct cli c;
	size_t i;
	int status;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sluice %s\n", SLUICE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "look") == 0)
		argv[1] = "table";       /* its other name */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "sluice: '%s' is not a verb; see 'sluice --help'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	setup_signals();
	raise_open_files();
	memset(&c, 0, sizeof(c));
	c.verb = commands[i].name;
	c.gzip = 0;
	status = commands[i].fn(argc - 1, argv + 1, &c);
	if (c.ctx) {
		cli_progress_end(&c);
		fault_report(&c);
		if (c.mem_report)
			cli_mem_report(&c);
		sl_ctx_free(c.ctx);
	}
	if (fflush(stdout) != 0 && status == 0) {
		fprintf(stderr, "sluice %s: cannot write standard output\n",
			c.verb);
		status = EXIT_RESOURCE;
	}
	return status;
}
