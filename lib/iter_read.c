/*
 * iter_read.c - the first stage of a pipeline: inputs read in turn as one
 * stream of records.
 *
 * Each input gets an arena of its own, a child of the pipeline's, freed
 * when the next one opens.  The first input with a header gives it (copied
 * into the pipeline's arena); a later CSV or TSV input must have the same
 * header, and a later JSON Lines input is read with those names.  Every
 * record handed out names its input by a copy of the name that lives as
 * long as the pipeline, so that records held by later stages (tail, sort)
 * still name it.
 *
 * With keys SL_KEYS_UNION, the stage starts with a first pass over every
 * input (union_pass()): each is read by a reader that adds every key it
 * meets to the header (r->collect), so the header becomes the union of
 * the keys, in the order first seen, and every input is then read with
 * those names.  A file is simply read twice.  Standard input cannot be:
 * its bytes, as decoded, are copied while the first pass reads them
 * (sl_source_tee()) into a temporary file, compressed like a spill file,
 * and the second pass reads that file under standard input's name.  The
 * copy holds the same bytes, so every line and byte offset is the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iter.h"

struct rd {
	const char **paths;      /* in the pipeline's arena */
	size_t npaths, next;     /* next: the next path to open */
	sl_read_options ro;
	sl_arena *arena;         /* the open input's */
	sl_reader *r;
	const char *name;        /* the open input's, in the pipeline arena */
	const unsigned char *want;
	size_t nwant;
	uint64_t skipped;        /* by the inputs closed */
	int stdin_fd;            /* --keys union: standard input's copy, or
				  * -1 (closed on release if not read) */
	sl_sink *copy;           /* the copy being written */
};

static int is_stdin(const char *path)
{
	return strcmp(path, "-") == 0;
}

static int same_names(const sl_str *a, size_t na, const sl_str *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].len != b[i].len || memcmp(a[i].ptr, b[i].ptr,
						   a[i].len) != 0)
			return 0;
	return 1;
}

static void input_end(sl_iter *it)
{
	struct rd *d = it->state;

	if (!d->r)
		return;
	d->skipped += sl_reader_skipped(d->r);
	it->skipped = d->skipped;
	sl_arena_free(d->arena);
	d->arena = NULL;
	d->r = NULL;
}

/* Open the next input: 1 when one is open, 0 when none is left, -1. */
static int open_next(sl_iter *it)
{
	struct rd *d = it->state;
	sl_read_options ro = d->ro;
	const sl_str *h;
	size_t n, i;

	input_end(it);
	if (d->next >= d->npaths)
		return 0;
	d->arena = sl_arena_child(it->arena, "input");
	if (!d->arena)
		return -1;
	if (it->names && sl_format_is_json(it->format)) {
		ro.names = it->names;
		ro.nnames = it->nnames;
	}
	ro.keys = SL_KEYS_FIRST;
	if (d->stdin_fd >= 0 && is_stdin(d->paths[d->next])) {
		sl_source *src = sl_source_open_fd(d->arena, d->stdin_fd,
						   "<stdin>");

		d->stdin_fd = -1;    /* the source's */
		ro.format = it->format;
		d->next++;
		d->r = src ? sl_reader_open_source(d->arena, src, &ro) : NULL;
	} else {
		d->r = sl_reader_open(d->arena, d->paths[d->next++], &ro);
	}
	if (!d->r)
		return -1;
	d->name = sl_iter_strdup(it, sl_reader_name(d->r));
	if (!d->name)
		return -1;
	/* the reader's records name the input by this copy, which lives as
	 * long as the pipeline: held records may outlive the reader */
	d->r->name = d->name;
	h = sl_reader_header(d->r, &n);
	if (sl_failed(it->ctx))
		return -1;
	if (!h)
		return 1;        /* empty: nothing to compare */
	if (!it->names) {
		sl_str *v = sl_arena_alloc(it->arena, (n ? n : 1) * sizeof(*v));

		if (!v)
			return -1;
		for (i = 0; i < n; i++) {
			v[i].ptr = sl_arena_strndup(it->arena, h[i].ptr,
						    h[i].len);
			if (!v[i].ptr)
				return -1;
			v[i].len = h[i].len;
		}
		it->names = v;
		it->nnames = n;
		it->format = sl_reader_format(d->r);
		it->input = d->name;
	} else if (!same_names(it->names, it->nnames, h, n)) {
		sl_error(it->ctx, SL_EDATA, "the header of '%s' differs from"
			 " the first input's (%zu fields, %zu before)",
			 d->name, n, it->nnames);
		return -1;
	}
	if (!it->input)
		it->input = d->name;   /* the first pass named the fields */
	if (d->want && sl_reader_want(d->r, d->want, d->nwant) != SL_OK)
		return -1;
	return 1;
}

static sl_status copy_chunk(void *arg, const unsigned char *p, size_t n)
{
	struct rd *d = arg;

	return sl_sink_write(d->copy, p, n);
}

static void rd_release(void *arg)
{
	struct rd *d = arg;

	if (d->stdin_fd >= 0)
		close(d->stdin_fd);
	d->stdin_fd = -1;
}

/* A reader of path for the first pass, in a; standard input's bytes
 * are copied as they are read.  NULL on failure. */
static sl_reader *collector(sl_iter *it, sl_arena *a, const char *path,
			    const sl_read_options *ro)
{
	struct rd *d = it->state;
	sl_source *src;
	int fd;

	if (!is_stdin(path) || d->stdin_fd >= 0)
		return sl_reader_open(a, path, ro);
	fd = sl_spill_tmpfile(it->ctx, d->ro.tmpdir);
	if (fd < 0)
		return NULL;
	d->stdin_fd = fd;
	d->copy = sl_sink_open_spill(a, fd, d->ro.tmpdir, SL_SPILL_GZIP, 1,
				     NULL);
	src = d->copy ? sl_source_open(a, "-") : NULL;
	if (!src)
		return NULL;
	sl_source_tee(src, copy_chunk, d);
	return sl_reader_open_source(a, src, ro);
}

/* Keep the header r has grown as the pipeline's: 0, or -1. */
static int keep_names(sl_iter *it, sl_reader *r)
{
	const sl_str *h = r->names;
	size_t n = r->nnames, i;
	sl_str *v;

	if (n <= it->nnames)
		return 0;               /* no key the inputs before lacked */
	v = sl_arena_alloc(it->arena, n * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < n; i++) {
		if (i < it->nnames) {
			v[i] = it->names[i];
			continue;
		}
		v[i].ptr = sl_arena_strndup(it->arena, h[i].ptr, h[i].len);
		if (!v[i].ptr)
			return -1;
		v[i].len = h[i].len;
	}
	it->names = v;
	it->nnames = n;
	return 0;
}

/* The first pass of --keys union: the union of every input's keys into
 * it->names.  0, or -1. */
static int union_pass(sl_iter *it)
{
	struct rd *d = it->state;
	sl_read_options ro = d->ro;
	sl_progress was = it->ctx->progress;
	size_t i;

	ro.keys = SL_KEYS_FIRST;
	ro.rejects = NULL;        /* the second pass rejects, once */
	sl_progress_phase(it->ctx, "finding the keys");
	for (i = 0; i < d->npaths; i++) {
		sl_arena *a = sl_arena_child(it->arena, "keys");
		sl_reader *r;
		int empty;

		if (!a)
			return -1;
		if (it->names) {
			ro.names = it->names;
			ro.nnames = it->nnames;
		}
		r = collector(it, a, d->paths[i], &ro);
		if (r) {
			r->collect = 1;
			empty = !sl_reader_header(r, &(size_t){ 0 });
			if (!empty && !sl_format_is_json(sl_reader_format(r)))
				sl_error(it->ctx, SL_EINVAL, "--keys union is"
					 " for JSON input; '%s' is %s",
					 sl_reader_name(r),
					 sl_format_name(sl_reader_format(r)));
			while (!empty && !sl_failed(it->ctx) &&
			       sl_reader_next(r))
				;
			if (!empty && !sl_failed(it->ctx)) {
				if (!it->names)
					it->format = sl_reader_format(r);
				keep_names(it, r);
			}
			if (d->copy && !sl_failed(it->ctx))
				sl_sink_finish(d->copy);
			d->copy = NULL;
		}
		sl_arena_free(a);
		if (sl_failed(it->ctx))
			return -1;
	}
	if (d->stdin_fd >= 0 && lseek(d->stdin_fd, 0, SEEK_SET) < 0) {
		sl_error_errno(it->ctx, errno, "cannot read back the copy of"
			       " standard input in '%s'", d->ro.tmpdir);
		return -1;
	}
	/* the second pass counts the records, and the files' bytes, again
	 * (standard input's copy is no input: its bytes stay counted) */
	it->ctx->progress.records = was.records;
	if (d->stdin_fd < 0)
		it->ctx->progress.bytes = was.bytes;
	sl_progress_phase(it->ctx, "%s", "");
	return 0;
}

static int rd_start(sl_iter *it)
{
	struct rd *d = it->state;
	int rc;

	it->format = d->ro.format ? d->ro.format : SL_FORMAT_CSV;
	if (d->ro.keys == SL_KEYS_UNION && union_pass(it) < 0)
		return -1;
	/* the first input with a header gives it */
	while ((rc = open_next(it)) == 1 && !it->names)
		;
	return rc < 0 ? -1 : 0;
}

static const sl_record *rd_next(sl_iter *it)
{
	struct rd *d = it->state;
	const sl_record *rec;

	while (d->r) {
		rec = sl_reader_next(d->r);
		if (rec) {
			if (d->ro.on_error == SL_SKIP)
				it->skipped = d->skipped +
					sl_reader_skipped(d->r);
			return rec;
		}
		if (sl_failed(it->ctx) || open_next(it) <= 0)
			break;
	}
	input_end(it);
	return NULL;
}

static void rd_want(sl_iter *it, const unsigned char *want, size_t n)
{
	struct rd *d = it->state;

	d->want = want;
	d->nwant = n;
	if (d->r)
		sl_reader_want(d->r, want, n);
}

sl_reader *sl_read_stage_reader(sl_iter *it)
{
	struct rd *d;

	if (!it || it->next != rd_next)
		return NULL;
	d = it->state;
	return d->npaths == 1 ? d->r : NULL;
}

sl_iter *sl_read_files(sl_arena *a, const char *const *paths, size_t n,
		       const sl_read_options *o)
{
	sl_iter *it = sl_iter_new_source(a, sizeof(struct rd));
	struct rd *d;
	size_t i;

	if (!it)
		return NULL;
	d = it->state;
	d->stdin_fd = -1;
	if (o)
		d->ro = *o;
	if (d->ro.keys == SL_KEYS_UNION) {
		if (!d->ro.tmpdir || !*d->ro.tmpdir)
			d->ro.tmpdir = getenv("TMPDIR");
		if (!d->ro.tmpdir || !*d->ro.tmpdir)
			d->ro.tmpdir = "/tmp";
		if (sl_iter_keep(it, &d->ro.tmpdir) < 0 ||
		    sl_arena_on_release(a, rd_release, d) != SL_OK)
			return NULL;
	}
	d->npaths = n ? n : 1;
	d->paths = sl_arena_alloc(a, d->npaths * sizeof(*d->paths));
	if (!d->paths)
		return NULL;
	d->paths[0] = "-";
	for (i = 0; i < n; i++)
		if (!(d->paths[i] = sl_iter_strdup(it, paths[i] ? paths[i] :
						   "-")))
			return NULL;
	it->start = rd_start;
	it->next = rd_next;
	it->want = rd_want;
	return it;
}

sl_iter *sl_read(sl_arena *a, const char *path, const sl_read_options *o)
{
	return sl_read_files(a, &path, 1, o);
}
