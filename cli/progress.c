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
 *
 * It must stay one line: a line longer than the terminal wraps, and each
 * \r then redraws only the last row, adding a row a redraw.  So each
 * draw asks the terminal its width (TIOCGWINSZ; $COLUMNS when stderr is
 * no terminal, else no limit) and leaves out parts, the least useful
 * first, until the line fits in one column less than that: memory, the
 * elapsed time, the rate, the records, the phase, the ETA; then it cuts
 * what is left.  Asking at every draw (four times a second at most)
 * follows a resized window as SIGWINCH would, without a signal handler
 * that could interrupt the reading threads' system calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* The columns a line may take: the terminal's width less one (a line
 * that fills the last column may wrap), or $COLUMNS's; 0: no limit. */
static int line_room(void)
{
	struct winsize ws;
	const char *env;
	long v;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		return ws.ws_col - 1;
	env = getenv("COLUMNS");
	v = env ? strtol(env, NULL, 10) : 0;
	return v > 1 && v < 100000 ? (int)v - 1 : 0;
}

enum { P_RECS, P_RATE, P_TIME, P_ETA, P_MEM, P_PHASE, NPARTS };

/* Join head and the parts left into line, leaving out parts in the
 * order below until it fits in room (0: any length); its length. */
static int fit(char *line, size_t size, const char *head,
	       char parts[NPARTS][96], int room)
{
	static const int drop[NPARTS] = {
		P_MEM, P_TIME, P_RATE, P_RECS, P_PHASE, P_ETA
	};
	int keep[NPARTS], i, n, len[NPARTS], total;

	total = (int)strlen(head);
	for (i = 0; i < NPARTS; i++) {
		len[i] = (int)strlen(parts[i]);
		keep[i] = len[i] > 0;
		total += len[i];
	}
	for (i = 0; room > 0 && total > room && i < NPARTS; i++)
		if (keep[drop[i]]) {
			keep[drop[i]] = 0;
			total -= len[drop[i]];
		}
	n = snprintf(line, size, "%s", head);
	for (i = 0; i < NPARTS; i++)
		if (keep[i] && n < (int)size - 1)
			n += snprintf(line + n, size - (size_t)n, "%s",
				      parts[i]);
	if (n > (int)size - 1)
		n = (int)size - 1;
	if (room > 0 && n > room)
		n = room;               /* the head alone is too long */
	line[n] = '\0';
	return n;
}

static void draw(const sl_progress *p, long long ns)
{
	char line[512], head[128], got[32], all[32], recs[32], el[48];
	char used[32], cap[32], parts[NPARTS][96];
	double secs = (double)ns / 1e9, rate = secs > 0 ? p->bytes / secs : 0;
	int n, room = line_room(), pad;

	sl_format_size(got, sizeof(got), p->bytes);
	count_text(recs, sizeof(recs), p->records);
	clock_text(el, sizeof(el), ns / 1000000000LL);
	sl_format_size(used, sizeof(used), sl_mem_in_use(pr.c->ctx));
	sl_format_size(cap, sizeof(cap), sl_mem_ceiling(pr.c->ctx));
	memset(parts, 0, sizeof(parts));
	if (pr.total) {
		sl_format_size(all, sizeof(all), pr.total);
		if (rate > 0 && p->bytes < pr.total) {
			char t[48];

			clock_text(t, sizeof(t), (long long)((double)(pr.total -
							 p->bytes) / rate));
			snprintf(parts[P_ETA], sizeof(parts[P_ETA]),
				 "  ETA %s", t);
		}
		snprintf(head, sizeof(head), "sluice %s: %s of %s (%.0f%%)",
			 pr.c->verb, got, all, p->bytes >= pr.total ? 100.0 :
			 100.0 * (double)p->bytes / (double)pr.total);
	} else {
		snprintf(head, sizeof(head), "sluice %s: %s", pr.c->verb, got);
	}
	snprintf(parts[P_RECS], sizeof(parts[P_RECS]), "  %s records", recs);
	snprintf(parts[P_RATE], sizeof(parts[P_RATE]), "  %.1f MB/s",
		 rate / 1e6);
	snprintf(parts[P_TIME], sizeof(parts[P_TIME]), "  %s", el);
	snprintf(parts[P_MEM], sizeof(parts[P_MEM]), "  mem %s of %s", used,
		 cap);
	if (p->phase[0])
		snprintf(parts[P_PHASE], sizeof(parts[P_PHASE]), "  %.80s",
			 p->phase);
	n = fit(line, sizeof(line), head, parts, room);
	/* \r, the line, blanks over what is left of a longer last one (no
	 * further than the room: the window may have narrowed) */
	pad = pr.width > n ? pr.width - n : 0;
	if (room > 0 && n + pad > room)
		pad = room - n;
	fprintf(stderr, "\r%s%*s", line, pad, "");
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
		int room = line_room();

		fprintf(stderr, "\r%*s\r", room > 0 && pr.width > room ? room :
			pr.width, "");
	}
	pr.c = NULL;
}
