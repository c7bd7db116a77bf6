/*
 * progress.c - the --progress line on stderr.
 *
 * The library calls progress() after every chunk it reads and when a
 * sort or group-by changes phase.  All it does then is read the clock
 * (clock_gettime, which does not enter the kernel on Linux) and, at most
 * four times a second, redraw one line: bytes read of the inputs' total,
 * records, rate, elapsed time and ETA, memory in use against the
 * ceiling, and the phase.  Nothing is done per record.
 *
 * The line is drawn only when stderr is a terminal, or always with
 * --progress=always; at the end it is erased (terminal) or finished
 * with a newline (always).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define REDRAW_NS 250000000LL   /* four times a second */

static struct {
	struct cli *c;
	struct timespec start;
	long long last;         /* ns since start of the last draw */
	uint64_t total;         /* bytes of the input files; 0 unknown */
	int drawn;
	int width;              /* of the last line, to blank its rest */
} pr;

static long long since_start(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - pr.start.tv_sec) * 1000000000LL +
		(now.tv_nsec - pr.start.tv_nsec);
}

/* "1:05" or "1:02:03" */
static void clock_text(char *buf, size_t n, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 3600)
		snprintf(buf, n, "%lld:%02lld:%02lld", secs / 3600,
			 secs / 60 % 60, secs % 60);
	else
		snprintf(buf, n, "%lld:%02lld", secs / 60, secs % 60);
}

/* "6.1M" */
static void count_text(char *buf, size_t n, uint64_t v)
{
	if (v >= 1000000)
		snprintf(buf, n, "%.2fM", (double)v / 1e6);
	else if (v >= 10000)
		snprintf(buf, n, "%.1fK", (double)v / 1e3);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

static void draw(const sl_progress *p, long long ns)
{
	char line[320], got[32], all[32], recs[32], el[48], eta[64] = "";
	char used[32], cap[32];
	double secs = (double)ns / 1e9, rate = secs > 0 ? p->bytes / secs : 0;
	int n;

	sl_format_size(got, sizeof(got), p->bytes);
	count_text(recs, sizeof(recs), p->records);
	clock_text(el, sizeof(el), ns / 1000000000LL);
	sl_format_size(used, sizeof(used), sl_mem_in_use(pr.c->ctx));
	sl_format_size(cap, sizeof(cap), sl_mem_ceiling(pr.c->ctx));
	if (pr.total) {
		sl_format_size(all, sizeof(all), pr.total);
		if (rate > 0 && p->bytes < pr.total) {
			char t[48];

			clock_text(t, sizeof(t), (long long)((double)(pr.total -
							 p->bytes) / rate));
			snprintf(eta, sizeof(eta), "  ETA %s", t);
		}
		n = snprintf(line, sizeof(line), "sluice %s: %s of %s (%.0f%%)",
			     pr.c->verb, got, all, p->bytes >= pr.total ? 100.0 :
			     100.0 * (double)p->bytes / (double)pr.total);
	} else {
		n = snprintf(line, sizeof(line), "sluice %s: %s", pr.c->verb,
			     got);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n,
		      "  %s records  %.1f MB/s  %s%s  mem %s of %s%s%s",
		      recs, rate / 1e6, el, eta, used, cap,
		      p->phase[0] ? "  " : "", p->phase);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	/* \r, the line, blanks over what is left of a longer last one */
	fprintf(stderr, "\r%s%*s", line, pr.width > n ? pr.width - n : 0, "");
	fflush(stderr);
	pr.width = n;
	pr.drawn = 1;
}

static void progress(void *arg, const sl_progress *p)
{
	long long ns = since_start();

	(void)arg;
	if (ns - pr.last < REDRAW_NS)
		return;
	pr.last = ns;
	draw(p, ns);
}

void cli_progress_start(struct cli *c, int argc, char **argv)
{
	struct stat st;
	int i;

	if (c->progress == PROGRESS_NONE ||
	    (c->progress == PROGRESS_AUTO && !isatty(STDERR_FILENO)))
		return;
	memset(&pr, 0, sizeof(pr));
	pr.c = c;
	clock_gettime(CLOCK_MONOTONIC, &pr.start);
	/* the total is known when every input is a regular file */
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0 ? fstat(STDIN_FILENO, &st) != 0 :
		    stat(argv[i], &st) != 0)
			break;
		if (!S_ISREG(st.st_mode))
			break;
		pr.total += (uint64_t)st.st_size;
	}
	if (i < argc || (optind >= argc && (fstat(STDIN_FILENO, &st) != 0 ||
					    !S_ISREG(st.st_mode) ||
					    !(pr.total = (uint64_t)st.st_size))))
		pr.total = 0;
	sl_ctx_on_progress(c->ctx, progress, NULL);
}

void cli_progress_end(struct cli *c)
{
	if (!pr.c || pr.c != c)
		return;
	sl_ctx_on_progress(c->ctx, NULL, NULL);
	if (c->progress == PROGRESS_ALWAYS) {
		/* the final state, so that a run shorter than a redraw still
		 * says what it did */
		draw(sl_ctx_progress(c->ctx), since_start());
		fputc('\n', stderr);
	} else if (pr.drawn) {
		fprintf(stderr, "\r%*s\r", pr.width, "");
	}
	pr.c = NULL;
}
