/*
 * iter.c - pipelines of stages: the calls every stage shares, stages of
 * one's own, writing a pipeline out, key lists, and held records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iter.h"

static sl_iter *iter_alloc(sl_arena *a, size_t size)
{
	sl_iter *it = sl_arena_alloc(a, sizeof(*it));

	if (!it)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->arena = a;
	it->ctx = sl_arena_ctx(a);
	if (size) {
		it->state = sl_arena_alloc(a, size);
		if (!it->state)
			return NULL;
		memset(it->state, 0, size);
	}
	return it;
}

sl_iter *sl_iter_new(sl_iter *in, size_t size)
{
	sl_iter *it;

	if (!in)
		return NULL;
	it = iter_alloc(in->arena, size);
	if (it)
		it->in = in;
	return it;
}

sl_iter *sl_iter_new_source(sl_arena *a, size_t size)
{
	return a ? iter_alloc(a, size) : NULL;
}

char *sl_iter_strdup(sl_iter *it, const char *s)
{
	if (!s)
		s = "";
	return sl_arena_strndup(it->arena, s, strlen(s));
}

int sl_iter_keep(sl_iter *it, const char **s)
{
	if (*s && !(*s = sl_iter_strdup(it, *s)))
		return -1;
	return 0;
}

/* Read the upstream header, then start the stage; 0 or -1. */
static int iter_start(sl_iter *it)
{
	if (it->started)
		return it->start_rc;
	it->started = 1;
	it->start_rc = -1;
	if (it->in) {
		size_t n;

		it->names = sl_iter_header(it->in, &n);
		it->nnames = it->names ? n : 0;
		it->format = it->in->format;
		it->input = it->in->input;
		if (it->in2)
			sl_iter_header(it->in2, &n);
		if (sl_failed(it->ctx))
			return -1;
		if (!it->names && !it->in2) {
			it->ended = 1;       /* an empty input */
			return it->start_rc = 0;
		}
	}
	if (it->start && it->start(it) < 0)
		return -1;
	if (sl_failed(it->ctx))
		return -1;
	return it->start_rc = 0;
}

const sl_str *sl_iter_header(sl_iter *it, size_t *n)
{
	*n = 0;
	if (!it || iter_start(it) < 0)
		return NULL;
	*n = it->nnames;
	return it->names;
}

const sl_record *sl_iter_next(sl_iter *it)
{
	const sl_record *rec;

	/* once started, a record costs this test and the stage's call */
	if (!it || (!it->started && iter_start(it) < 0) || it->start_rc < 0 ||
	    it->ended || it->ctx->err != SL_OK)
		return NULL;
	rec = it->next(it);
	if (!rec)
		it->ended = 1;
	return rec;
}

sl_format sl_iter_format(sl_iter *it)
{
	return it->format;
}

const char *sl_iter_input(sl_iter *it)
{
	return it->input;
}

sl_ctx *sl_iter_ctx(const sl_iter *it)
{
	return it->ctx;
}

size_t sl_iter_errcol(const sl_iter *it)
{
	return it ? it->errcol : 0;
}

uint64_t sl_iter_skipped(const sl_iter *it)
{
	if (!it)
		return 0;
	return it->skipped + sl_iter_skipped(it->in) +
		sl_iter_skipped(it->in2);
}

static int add_spill(const sl_iter *it, sl_spill_stats *out)
{
	const sl_spill_stats *s;

	if (!it)
		return 0;
	if (it->spill && (s = it->spill((sl_iter *)it)) != NULL) {
		out->runs += s->runs;
		out->passes += s->passes;
		out->raw += s->raw;
		out->packed += s->packed;
		out->on_disk += s->on_disk;
		if (s->limit > out->limit)
			out->limit = s->limit;
	}
	return (it->spill != NULL) + add_spill(it->in, out) +
		add_spill(it->in2, out);
}

int sl_iter_spill_stats(const sl_iter *it, sl_spill_stats *out)
{
	memset(out, 0, sizeof(*out));
	return add_spill(it, out);
}

void sl_iter_want(sl_iter *it, const unsigned char *want, size_t n)
{
	if (it && it->want)
		it->want(it, want, n);
}

/* ---- a stage of one's own ------------------------------------------ */

struct own {
	const sl_stage_ops *ops;
	void *state;
};

static void own_release(void *arg)
{
	struct own *o = arg;

	o->ops->free(o->state);
}

static int own_start(sl_iter *it)
{
	struct own *o = it->state;
	const sl_str *names;
	size_t n = 0;

	if (!o->ops->header)
		return 0;
	names = o->ops->header(o->state, it->in, &n);
	if (!names)
		return sl_failed(it->ctx) ? -1 : 0;
	it->names = names;
	it->nnames = n;
	return 0;
}

static const sl_record *own_next(sl_iter *it)
{
	struct own *o = it->state;

	return o->ops->next(o->state, it->in);
}

sl_iter *sl_stage(sl_iter *in, const sl_stage_ops *ops, void *state)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct own));
	struct own *o;

	if (!it)
		return NULL;
	if (!ops || !ops->next) {
		sl_error(it->ctx, SL_EINVAL, "a stage needs a next function");
		return NULL;
	}
	o = it->state;
	o->ops = ops;
	o->state = state;
	if (ops->free && sl_arena_on_release(it->arena, own_release, o) !=
	    SL_OK)
		return NULL;
	it->start = own_start;
	it->next = own_next;
	return it;
}

/* ---- writing --------------------------------------------------------- */

void sl_iter_quiet(sl_iter *it)
{
	for (; it && it->transparent; it = it->in) {
		it->quiet = 1;
		sl_iter_quiet(it->in2);
	}
}

sl_status sl_write_to(sl_iter *in, sl_writer *w)
{
	const sl_record *rec;
	sl_ctx *ctx;

	if (!in)
		return SL_EINVAL;
	ctx = in->ctx;
	while ((rec = sl_iter_next(in)) != NULL)
		if (sl_writer_write_record(w, rec) != SL_OK)
			break;
	return sl_errcode(ctx);
}

sl_status sl_write(sl_iter *in, const char *path, const sl_write_options *o)
{
	sl_write_options wo = { 0 };
	const sl_str *names;
	sl_writer *w;
	sl_format f;
	sl_sink *s;
	size_t n;

	if (!in)
		return SL_EINVAL;
	if (o)
		wo = *o;
	names = sl_iter_header(in, &n);
	if (sl_failed(in->ctx))
		return sl_errcode(in->ctx);
	if (path && strcmp(path, "-") == 0)
		path = NULL;
	s = sl_sink_open(in->arena, path, NULL);
	if (!s)
		return sl_errcode(in->ctx);
	if (names) {
		f = path ? sl_format_from_name(path) : SL_FORMAT_AUTO;
		if (f == SL_FORMAT_AUTO || f == SL_FORMAT_LINES)
			f = in->format ? in->format : SL_FORMAT_CSV;
		if (!wo.input)
			wo.input = in->input;
		w = sl_writer_new(in->arena, s, f, &wo);
		/* csv and tsv refuse a record only when it has no fields,
		 * which a header of names rules out */
		if (n && (f == SL_FORMAT_CSV || f == SL_FORMAT_TSV))
			sl_iter_quiet(in);
		if (!w || sl_writer_header(w, names, n) != SL_OK ||
		    sl_write_to(in, w) != SL_OK)
			return sl_errcode(in->ctx);
	} else if (path && sl_format_from_name(path) == SL_FORMAT_JSON &&
		   !sl_writer_new(in->arena, s, SL_FORMAT_JSON, &wo)) {
		return sl_errcode(in->ctx);    /* no input: "[]", an array */
	}
	return sl_sink_close(s);
}

/* ---- key lists --------------------------------------------------------- */

/* Resolve one key p[0..len) against names[0..n). */
static int parse_key(sl_ctx *ctx, const char *p, size_t len,
		     const sl_str *names, size_t n, int flags,
		     sl_sort_key *key)
{
	const char *colon = memrchr(p, ':', len);
	size_t i, fl;

	memset(key, 0, sizeof(*key));
	if (flags && colon && (fl = len - (size_t)(colon - p) - 1) > 0) {
		for (i = 0; i < fl && (colon[1 + i] == 'n' ||
				       colon[1 + i] == 'r'); i++)
			;
		if (i == fl) {
			for (i = 0; i < fl; i++) {
				if (colon[1 + i] == 'n')
					key->numeric = 1;
				else
					key->reverse = 1;
			}
			len = (size_t)(colon - p);
		}
	}
	for (i = 0; i < n; i++) {
		if (names[i].len == len && memcmp(names[i].ptr, p, len) == 0) {
			key->field = i;
			return 0;
		}
	}
	for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (len && i == len) {
		unsigned long v = strtoul(p, NULL, 10);

		if (v >= 1 && v <= n) {
			key->field = v - 1;
			return 0;
		}
		sl_error(ctx, SL_EINVAL, "key %.*s is not within 1-%zu",
			 (int)len, p, n);
		return -1;
	}
	{
		char list[SL_ERRMSG_MAX];
		size_t at = 0;

		list[0] = '\0';
		for (i = 0; i < n && at + 4 < sizeof(list); i++) {
			int w = snprintf(list + at, sizeof(list) - at, "%s %.*s",
					 i ? "," : "", (int)names[i].len,
					 names[i].ptr);

			if (w < 0)
				break;
			at += (size_t)w;
		}
		sl_error(ctx, SL_EINVAL, "no field '%.*s' in the header; it"
			 " has:%s", (int)len, p, list);
	}
	return -1;
}

sl_sort_key *sl_keys_parse(sl_arena *a, const char *list,
			   const sl_str *names, size_t n, int flags,
			   size_t *nkeys)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	size_t k = 0, cnt = 1, len, i;
	sl_sort_key *keys;
	const char *p;

	*nkeys = 0;
	if (!list || !*list) {
		keys = sl_arena_alloc(a, (n ? n : 1) * sizeof(*keys));
		if (!keys)
			return NULL;
		for (i = 0; i < n; i++) {
			memset(&keys[i], 0, sizeof(keys[i]));
			keys[i].field = i;
		}
		*nkeys = n;
		return keys;
	}
	for (p = list; *p; p++)
		cnt += *p == ',';
	keys = sl_arena_alloc(a, cnt * sizeof(*keys));
	if (!keys)
		return NULL;
	for (p = list;; p += len + 1) {
		len = strcspn(p, ",");
		if (!len) {
			sl_error(ctx, SL_EINVAL, "empty item in the list '%s'",
				 list);
			return NULL;
		}
		if (parse_key(ctx, p, len, names, n, flags, &keys[k++]) < 0)
			return NULL;
		if (!p[len])
			break;
	}
	*nkeys = k;
	return keys;
}

/* ---- held records ------------------------------------------------------ */

size_t sl_record_size(const sl_record *rec)
{
	size_t need = rec->nfields * sizeof(sl_str), i;

	for (i = 0; i < rec->nfields; i++)
		need += rec->fields[i].len;
	if (rec->kinds)
		need += rec->nfields;
	return need ? need : 1;
}

void sl_record_copy(sl_record *dst, const sl_record *rec, void *mem)
{
	sl_str *f = mem;
	char *p = (char *)(f + rec->nfields);
	size_t i;

	*dst = *rec;
	dst->fields = f;
	dst->kinds = NULL;
	if (rec->kinds) {
		memcpy(p, rec->kinds, rec->nfields);
		dst->kinds = (unsigned char *)p;
		p += rec->nfields;
	}
	for (i = 0; i < rec->nfields; i++) {
		if (rec->fields[i].len)
			memcpy(p, rec->fields[i].ptr, rec->fields[i].len);
		f[i].ptr = p;
		f[i].len = rec->fields[i].len;
		p += rec->fields[i].len;
	}
}

int sl_hold(sl_ctx *ctx, sl_held *h, const sl_record *rec, const char *tag)
{
	size_t need = sl_record_size(rec);
	char *p;

	if (need > h->cap || !h->mem) {
		p = sl_mem_realloc(ctx, h->mem, need, tag);
		if (!p)
			return -1;
		h->mem = p;
		h->cap = need;
	}
	sl_record_copy(&h->rec, rec, h->mem);
	return 0;
}

void sl_held_free(sl_held *h)
{
	sl_mem_free(h->mem);
	h->mem = NULL;
	h->cap = 0;
}

int sl_held_grow(sl_ctx *ctx, sl_held **arr, size_t *cap, size_t used,
		 uint64_t most, const char *tag)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	sl_held *n;

	if (used < *cap)
		return 0;
	if (ncap > most)
		ncap = (size_t)most;
	if (ncap <= *cap)
		ncap = *cap + 1;
	n = sl_mem_realloc(ctx, *arr, ncap * sizeof(*n), tag);
	if (!n)
		return -1;
	memset(n + *cap, 0, (ncap - *cap) * sizeof(*n));
	*arr = n;
	*cap = ncap;
	return 0;
}

void sl_held_free_all(sl_held *arr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sl_mem_free(arr[i].mem);
	sl_mem_free(arr);
}

void sl_spill_stats_add(sl_spill_stats *to, const sl_sorter *s)
{
	const sl_spill_stats *a;

	if (!s)
		return;
	a = sl_sorter_stats(s);
	to->runs += a->runs;
	to->passes += a->passes;
	to->raw += a->raw;
	to->packed += a->packed;
	to->on_disk += a->on_disk;
	to->limit = a->limit;
}

/* ---- a table's memory ------------------------------------------------ */

struct sl_store_block {
	struct sl_store_block *next;
	size_t size, used;
	max_align_t data[];
};

#define STORE_BLOCK ((size_t)256 << 10)

void *sl_store_take(sl_ctx *ctx, sl_store *st, void *p, size_t old,
		    size_t size)
{
	void *q;

	if (size - old > st->limit || st->held + (size - old) > st->limit)
		return NULL;
	q = p ? sl_mem_try_realloc(ctx, p, size, st->tag) :
		sl_mem_try_alloc(ctx, size, st->tag);
	if (q)
		st->held += size - old;
	return q;
}

void sl_store_give(sl_store *st, void *p, size_t size)
{
	if (!p)
		return;
	sl_mem_free(p);
	st->held -= size;
}

void *sl_store_bytes(sl_ctx *ctx, sl_store *st, size_t size, int align)
{
	sl_store_block *b = st->blocks;
	size_t bsize;

	if (align)
		size = (size + sizeof(max_align_t) - 1) &
			~(sizeof(max_align_t) - 1);
	if (!b || b->size - b->used < size) {
		bsize = STORE_BLOCK < st->limit / 4 ? STORE_BLOCK :
			st->limit / 4;
		bsize = bsize < size ? size : bsize;
		if (bsize > SIZE_MAX - sizeof(*b))
			return NULL;
		if (st->held + sizeof(*b) + bsize > st->limit ||
		    sizeof(*b) + bsize > st->limit)
			return NULL;
		b = sl_mem_try_alloc(ctx, sizeof(*b) + bsize, st->btag);
		if (!b)
			return NULL;
		st->held += sizeof(*b) + bsize;
		b->size = bsize;
		b->used = 0;
		b->next = st->blocks;
		st->blocks = b;
	}
	b->used += size;
	return (char *)b->data + b->used - size;
}

void sl_store_clear(sl_store *st)
{
	sl_store_block *b;

	while ((b = st->blocks) != NULL) {
		st->blocks = b->next;
		st->held -= sizeof(*b) + b->size;
		sl_mem_free(b);
	}
}
