/*
 * cli.c - global options, errors, output and the memory report, shared by
 * every verb.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"

enum {
	OPT_CHUNK_SIZE = 256,
	OPT_LEVEL,
	OPT_MEM_REPORT,
};

static const char global_shortopts[] = "+hm:i:O:o:z";

static const struct option global_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "max-memory", required_argument, NULL, 'm' },
	{ "chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
	{ "in-format", required_argument, NULL, 'i' },
	{ "out-format", required_argument, NULL, 'O' },
	{ "output", required_argument, NULL, 'o' },
	{ "gzip", no_argument, NULL, 'z' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "mem-report", optional_argument, NULL, OPT_MEM_REPORT },
};

static const char global_help[] =
	"Global options:\n"
	"  -m, --max-memory SIZE  memory ceiling, K/M/G suffixes (default 256M,\n"
	"                         or $SLUICE_MAX_MEMORY)\n"
	"      --chunk-size SIZE  read and write chunk size (default 64K)\n"
	"  -i, --in-format F      input format: lines\n"
	"  -O, --out-format F     output format: lines\n"
	"  -o, --output FILE      write to FILE atomically (.gz implies -z)\n"
	"  -z, --gzip             gzip the output\n"
	"      --level N          gzip level 1-9 (default 6)\n"
	"      --mem-report[=json]\n"
	"                         print peak memory and its split by tag on\n"
	"                         stderr at exit\n"
	"  -h, --help             show this help\n"
	"\n"
	"FILE - or no FILE reads standard input; gzip input is detected and\n"
	"inflated whatever its name.  Exit status: 0 success, 1 bad input,\n"
	"2 usage error, 3 resource error (memory ceiling, disk, i/o).\n";

#define MAX_VERB_OPTS 32

static int is_global(int ch)
{
	switch (ch) {
	case 'm': case 'i': case 'O': case 'o': case 'z':
	case OPT_CHUNK_SIZE: case OPT_LEVEL: case OPT_MEM_REPORT:
		return 1;
	}
	return 0;
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

static int parse_format(struct cli *c, const char *opt, const char *name)
{
	if (strcmp(name, "lines") == 0)
		return 0;
	if (strcmp(name, "csv") == 0 || strcmp(name, "tsv") == 0 ||
	    strcmp(name, "jsonl") == 0)
		cli_usage_error(c, "%s '%s' is not supported yet; this version"
				" reads and writes lines", opt, name);
	else
		cli_usage_error(c, "unknown %s '%s' (one of csv, tsv, jsonl,"
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
		return parse_format(c, "--in-format", arg);
	case 'O':
		return parse_format(c, "--out-format", arg);
	case 'o':
		c->output = arg;
		return 0;
	case 'z':
		c->gzip = 1;
		return 0;
	case OPT_LEVEL:
		if (cli_parse_count(arg, &n) < 0 || n < 1 || n > 9) {
			cli_usage_error(c, "invalid --level '%s' (1 to 9)", arg);
			return -1;
		}
		c->level = (int)n;
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

int cli_start(struct cli *c)
{
	const char *env = getenv("SLUICE_MAX_MEMORY");

	if (!c->opt.max_memory && env && *env) {
		if (cli_parse_size(env, &c->opt.max_memory) < 0 ||
		    c->opt.max_memory == 0)
			return cli_usage_error(c, "invalid SLUICE_MAX_MEMORY '%s'",
					       env);
	}
	c->ctx = sl_ctx_new(&c->opt);
	if (!c->ctx) {
		fprintf(stderr, "sluice %s: cannot allocate a context\n",
			c->verb);
		return EXIT_RESOURCE;
	}
	c->arena = sl_arena_new(c->ctx, "run");
	if (!c->arena)
		return cli_fail(c);
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
	case SL_EINVAL:
		fprintf(stderr, "sluice %s: %s\n", c->verb, sl_errmsg(c->ctx));
		return EXIT_USAGE;
	default:
		fprintf(stderr, "sluice %s: %s\n", c->verb, sl_errmsg(c->ctx));
		return EXIT_RESOURCE;
	}
}

sl_sink *cli_open_output(struct cli *c)
{
	sl_sink_options so = { .gzip = c->gzip ? 1 : -1, .level = c->level };

	c->out = sl_sink_open(c->arena, c->output, &so);
	return c->out;
}

int cli_close_output(struct cli *c, sl_sink *out)
{
	if (sl_sink_close(out) != SL_OK)
		return cli_fail(c);
	return 0;
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
			"\"in_use\":%zu,\"peak_rss\":%zu,\"tags\":[", c->verb,
			sl_mem_ceiling(c->ctx), sl_mem_peak(c->ctx),
			sl_mem_in_use(c->ctx), peak_rss());
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
	fprintf(stderr, "  peak by tag:\n");
	for (i = 0; i < n; i++)
		fprintf(stderr, "    %-20s %10s\n", tags[i].tag,
			sl_format_size(a, sizeof(a), tags[i].peak));
}
