/*
 * iter_pass.c - stages that pass records through as they come: head and
 * filter.
 */
#include "iter.h"

/* ---- head ----------------------------------------------------------------- */

struct head {
	uint64_t want, done;
};

static const sl_record *head_next(sl_iter *it)
{
	struct head *h = it->state;
	const sl_record *rec;

	if (h->done >= h->want)
		return NULL;
	rec = sl_iter_next(it->in);
	if (rec)
		h->done++;
	return rec;
}

sl_iter *sl_head(sl_iter *in, uint64_t n)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct head));

	if (!it)
		return NULL;
	((struct head *)it->state)->want = n;
	it->next = head_next;
	it->transparent = 1;
	return it;
}

/* ---- filter --------------------------------------------------------------- */

struct filter {
	const char *text;
	int invert;
	sl_expr *e;
};

static int filter_start(sl_iter *it)
{
	struct filter *f = it->state;

	f->e = sl_expr_compile(it->arena, f->text, it->names, it->nnames,
			       &it->errcol);
	return f->e ? 0 : -1;
}

static const sl_record *filter_next(sl_iter *it)
{
	struct filter *f = it->state;
	const sl_record *rec;

	while ((rec = sl_iter_next(it->in)) != NULL) {
		if (sl_expr_eval(f->e, rec->fields, rec->nfields) != f->invert)
			return it->ctx->err != SL_OK ? NULL : rec;
		if (sl_failed(it->ctx))
			return NULL;
	}
	return NULL;
}

sl_iter *sl_filter(sl_iter *in, const char *expr, int invert)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct filter));
	struct filter *f;

	if (!it)
		return NULL;
	f = it->state;
	f->text = sl_iter_strdup(it, expr);
	f->invert = invert != 0;
	if (!f->text)
		return NULL;
	it->start = filter_start;
	it->next = filter_next;
	return it;
}

/* ---- put ------------------------------------------------------------------ */

struct put {
	const char *text;
	sl_prog *p;
	sl_str *out;
	unsigned char *kinds;
	sl_record rec;
};

static int put_start(sl_iter *it)
{
	struct put *s = it->state;
	size_t n;

	s->p = sl_prog_compile(it->arena, s->text, it->names, it->nnames,
			      &it->errcol);
	if (!s->p)
		return -1;
	it->names = sl_prog_names(s->p, &n);
	it->nnames = n;
	s->out = sl_arena_alloc(it->arena, (n ? n : 1) * sizeof(*s->out));
	s->kinds = sl_arena_alloc(it->arena, n ? n : 1);
	return s->out && s->kinds ? 0 : -1;
}

static const sl_record *put_next(sl_iter *it)
{
	struct put *s = it->state;
	const sl_record *rec = sl_iter_next(it->in);

	if (!rec)
		return NULL;
	s->rec = *rec;
	sl_prog_run(s->p, rec->fields, rec->kinds, rec->nfields, s->out,
		   rec->kinds ? s->kinds : NULL);
	s->rec.fields = s->out;
	s->rec.nfields = it->nnames;
	s->rec.kinds = rec->kinds ? s->kinds : NULL;
	return sl_failed(it->ctx) ? NULL : &s->rec;
}

sl_iter *sl_put(sl_iter *in, const char *program)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct put));
	struct put *s;

	if (!it)
		return NULL;
	s = it->state;
	s->text = sl_iter_strdup(it, program ? program : "");
	if (!s->text)
		return NULL;
	it->start = put_start;
	it->next = put_next;
	it->transparent = 1;
	return it;
}
