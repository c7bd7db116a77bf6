/*
 * count.c - the records of an input, counted on threads when it can be
 * cut.
 *
 * A plain CSV, TSV or lines file of some size, read with threads, is cut
 * into as many parts as threads, the header carried into each.  A CSV
 * file is cut as TSV is, at the first newline after each nominal cut
 * (sl_split_open_guessing): split's exact cuts follow the quotes from the
 * file's start, and on two threads that scan was a fifth of the time
 * (1 GB: 0.76 s with it, 0.61 s without).
 * Each thread counts its part with a reader of its own, in a worker
 * context (the one budget, its own error), over a source of the header's
 * bytes and the part's.  A cut that fell inside a quoted field leaves
 * the part before it ending inside quotes, an error; so when every part
 * is read without one, every cut was a record boundary and the parts'
 * counts add up to the file's.
 *
 * Only the single-threaded count names a bad record rightly: a part does
 * not know the record and line it starts at.  So when any part fails, for
 * whatever reason, the parts' work is dropped and the file is counted
 * again from its start on the caller's thread, which reports the first
 * error as it always has.  A run with a rejects file counts on one
 * thread, since its rejects must come in order.  JSON Lines is cut as
 * lines are: the first object of a part names its fields, and an object
 * counts whatever its keys (sl_reader_count()), so a part counts as the
 * file would; one JSON array is never cut.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice_int.h"

/* Below this, a thread costs more than it saves. */
#define COUNT_SPLIT_MIN ((uint64_t)4 << 20)

struct count_part {
	sl_ctx *ctx;               /* the thread's */
	const char *path;
	const sl_read_options *opt;
	sl_format format;
	uint64_t parts, part;
	uint64_t records, skipped;
	pthread_t thread;
	int started;
};

static void *count_part_main(void *arg)
{
	struct count_part *p = arg;
	sl_split_options so = { .format = p->format };
	sl_read_options ro = *p->opt;
	sl_arena *a = sl_arena_new(p->ctx, "count.part");
	uint64_t head, from, to;
	sl_source *src;
	sl_split *sp;
	sl_reader *r;

	so.delimiter = ro.delimiter;
	so.no_header = ro.no_header;
	sp = a ? sl_split_open_guessing(a, p->path, p->parts, p->part, &so) :
		NULL;
	if (sp && sl_split_range(sp, &head, &from, &to) == SL_OK) {
		src = sl_source_open_range(a, p->path, head, from, to);
		ro.format = sl_split_format(sp);
		r = sl_reader_open_source(a, src, &ro);
		if (r) {
			p->records = sl_reader_count(r);
			p->skipped = sl_reader_skipped(r);
		}
	}
	sl_arena_free(a);
	return NULL;
}

/* The format the reader would find by content.  AUTO when it cannot
 * tell. */
static sl_format first_byte_format(const char *path)
{
	int c = sl_split_first_byte(path);

	if (c < 0)
		return SL_FORMAT_AUTO;    /* compressed, empty: not split */
	return sl_format_from_first((unsigned char)c);
}

/* Can path be counted in parts?  Only a plain regular file, big enough,
 * of a format whose parts stand alone. */
static int splittable(const char *path, const sl_read_options *o)
{
	sl_format f = o->format;
	struct stat st;

	if (!path || strcmp(path, "-") == 0 || o->rejects)
		return 0;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < COUNT_SPLIT_MIN)
		return 0;
	if (f == SL_FORMAT_AUTO)
		f = sl_format_from_name(path);
	/* JSON: lines can be cut, one array cannot */
	if (f == SL_FORMAT_AUTO || sl_format_is_json(f))
		f = first_byte_format(path);
	return f == SL_FORMAT_CSV || f == SL_FORMAT_TSV ||
		f == SL_FORMAT_LINES || f == SL_FORMAT_JSONL;
}

/*
 * Count path in n parts on n threads.  0 with the sums, or -1 when any
 * part failed (its error dropped: the caller counts again) or a thread
 * could not start.
 */
static int count_parts(sl_ctx *ctx, const char *path,
		       const sl_read_options *o, unsigned n,
		       uint64_t *records, uint64_t *skipped)
{
	struct count_part *p = sl_mem_alloc(ctx, n * sizeof(*p), "count.parts");
	unsigned i;
	int ok = 1;

	if (!p)
		return -1;
	memset(p, 0, n * sizeof(*p));
	for (i = 0; i < n; i++) {
		p[i].ctx = sl_ctx_worker(ctx);
		p[i].path = path;
		p[i].opt = o;
		p[i].format = o->format;
		p[i].parts = n;
		p[i].part = i + 1;
		p[i].started = p[i].ctx &&
			sl_thread_start(&p[i].thread, count_part_main,
					&p[i]) == 0;
	}
	*records = *skipped = 0;
	for (i = 0; i < n; i++) {
		if (p[i].started)
			pthread_join(p[i].thread, NULL);
		ok &= p[i].started && !sl_failed(p[i].ctx);
		*records += p[i].records;
		*skipped += p[i].skipped;
		sl_ctx_free(p[i].ctx);
	}
	sl_mem_free(p);
	return ok ? 0 : -1;
}

sl_status sl_count_input(sl_arena *a, const char *path,
			 const sl_read_options *opt, uint64_t *records,
			 uint64_t *skipped)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	sl_read_options none = { .format = SL_FORMAT_AUTO };
	unsigned n = sl_ctx_threads(ctx);
	sl_reader *r;

	*records = *skipped = 0;
	if (!opt)
		opt = &none;
	if (sl_failed(ctx))
		return sl_errcode(ctx);
	if (n > 1 && splittable(path, opt) &&
	    count_parts(ctx, path, opt, n, records, skipped) == 0)
		return SL_OK;
	if (sl_failed(ctx))
		return sl_errcode(ctx);
	r = sl_reader_open(a, path, opt);
	if (r) {
		*records = sl_reader_count(r);
		*skipped = sl_reader_skipped(r);
	}
	return sl_errcode(ctx);
}
