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
 */
#include <string.h>

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
};

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
	d->r = sl_reader_open(d->arena, d->paths[d->next++], &ro);
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
	if (d->want && sl_reader_want(d->r, d->want, d->nwant) != SL_OK)
		return -1;
	return 1;
}

static int rd_start(sl_iter *it)
{
	struct rd *d = it->state;
	int rc;

	it->format = d->ro.format ? d->ro.format : SL_FORMAT_CSV;
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
	if (o)
		d->ro = *o;
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
