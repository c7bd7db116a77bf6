/*
 * agg_state.c - the aggregator's partial states: a group's accumulators
 * as a line of JSON, written by --partial and added back by merge, and
 * the first line that says what a stream of them is.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

/* ---- partial states --------------------------------------------------------------- */

/*
 * A stream of partial states is JSON Lines: a first line
 *
 *     {"format":"sluice-partial","version":2,"verb":"stats","keys":["k"],
 *      "fields":["x"],"ops":["count","sum","min","max"],"top":0}
 *
 * then one line per group:
 *
 *     {"key":["a"],"rows":2,"fields":[{"n":2,"empty":0,"int":2,
 *      "float":0,"mean":3,"m2":8,"fsum":[6,0],"sum":"6","min":"1",
 *      "max":"5.0","first":"1","last":"5.0"}]}
 *
 * "sum" is missing once the exact sum was given up; numbers that JSON
 * cannot hold are the strings "inf", "-inf" and "nan".  "min" and "max"
 * are the input's texts of the least and greatest values (version 1 had
 * doubles there).  Without keys a
 * field may also have "distinct": {"values": [...]} or {"hll": "..."}
 * and "q": {"values": [...]} (the numbers' texts) or {"kll": "..."}.
 *
 * The header's first key sorts before "key", so a byte-wise sort of the
 * lines of many streams (Hadoop's shuffle) still puts a header first.
 */

#define PARTIAL_VERSION 2

static json_t *jnum(double v)
{
	if (isfinite(v))
		return json_real(v);
	return json_string(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static int jget_num(const json_t *j, double *v)
{
	if (json_is_number(j)) {
		*v = json_number_value(j);
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);

		if (strcmp(s, "nan") == 0 || strcmp(s, "inf") == 0 ||
		    strcmp(s, "-inf") == 0) {
			*v = strtod(s, NULL);
			return 0;
		}
	}
	return -1;
}

static int jget_count(const json_t *j, uint64_t *v)
{
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

/* Put v under key in o; -1 when v is NULL (no memory, bad UTF-8). */
static int jset(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *jstr(const char *p, size_t n)
{
	return json_stringn(p, n);
}

static json_t *acc_json(sl_agg *g, acc *a)
{
	uint64_t k = a->nint + a->nfloat;
	json_t *o = json_object(), *fs, *sub, *arr;
	char text[SL_SUM_TEXT_MAX + 1];
	size_t i;
	int bad = 0;

	if (!o)
		return NULL;
	bad |= jset(o, "n", json_integer((json_int_t)a->n));
	bad |= jset(o, "empty", json_integer((json_int_t)a->empty));
	bad |= jset(o, "int", json_integer((json_int_t)a->nint));
	bad |= jset(o, "float", json_integer((json_int_t)a->nfloat));
	if (k) {
		bad |= jset(o, "mean", jnum(a->mean));
		bad |= jset(o, "m2", jnum(a->m2));
		fs = json_array();
		if (fs) {
			bad |= json_array_append_new(fs, jnum(a->fsum));
			bad |= json_array_append_new(fs, jnum(a->fcomp));
		}
		bad |= jset(o, "fsum", fs);
	}
	if ((g->need & NEED_SUM) && !a->inexact) {
		size_t n = sl_exact_text(&a->isum, a->scale, text);

		bad |= jset(o, "sum", jstr(text, n));
	}
	if (a->lo.p)
		bad |= jset(o, "min", jstr(a->lo.p, a->lo.len));
	if (a->hi.p)
		bad |= jset(o, "max", jstr(a->hi.p, a->hi.len));
	if (a->first.p)
		bad |= jset(o, "first", jstr(a->first.p, a->first.len));
	if (a->last.p)
		bad |= jset(o, "last", jstr(a->last.p, a->last.len));
	if (a->sk && (g->need & NEED(SL_AGG_DISTINCT))) {
		sub = json_object();
		if (sub && a->sk->hll) {
			char *t = sl_mem_alloc(g->ctx, sl_hll_text_len(),
					       "agg.json");

			if (t) {
				sl_hll_to_text(a->sk->hll, t);
				bad |= jset(sub, "hll",
					    jstr(t, sl_hll_text_len()));
				sl_mem_free(t);
			} else {
				bad = 1;
			}
		} else if (sub) {
			arr = json_array();
			for (i = 0; arr && i < a->sk->setcap; i++)
				if (a->sk->set[i].p)
					bad |= json_array_append_new(arr,
						jstr(a->sk->set[i].p,
						     a->sk->set[i].len));
			bad |= jset(sub, "values", arr);
		}
		bad |= jset(o, "distinct", sub);
	}
	if (a->sk && (g->need & NEED_Q)) {
		sub = json_object();
		if (sub && a->sk->kll) {
			char *t = sl_kll_to_text(a->sk->kll);

			if (t) {
				bad |= jset(sub, "kll", jstr(t, strlen(t)));
				sl_mem_free(t);
			} else {
				bad = 1;
			}
		} else if (sub) {
			arr = json_array();
			for (i = 0; arr && i < a->sk->nvals; i++)
				bad |= json_array_append_new(arr, jstr(
					a->sk->texts + a->sk->vals[i].off,
					a->sk->vals[i].len));
			bad |= jset(sub, "values", arr);
		}
		bad |= jset(o, "q", sub);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *group_json(sl_agg *g, group *gr)
{
	json_t *o = json_object(), *keys = json_array(), *fields = json_array();
	size_t i;
	int bad = !o || !keys || !fields;

	for (i = 0; !bad && i < g->nkeys; i++)
		bad |= json_array_append_new(keys, jstr(gr->keys[i].ptr,
							 gr->keys[i].len));
	for (i = 0; !bad && i < g->nfields; i++)
		bad |= json_array_append_new(fields, acc_json(g,
							     &gr->accs[i]));
	if (!bad) {
		bad |= json_object_set(o, "key", keys);
		bad |= jset(o, "rows", json_integer((json_int_t)gr->rows));
		bad |= json_object_set(o, "fields", fields);
	}
	json_decref(keys);
	json_decref(fields);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int to_sink(const char *buf, size_t size, void *data)
{
	return sl_sink_write(data, buf, size) == SL_OK ? 0 : -1;
}

/* Write o and a newline to out, under the hooks; o is released. */
static sl_status write_json(sl_ctx *ctx, sl_sink *out, json_t *o,
			    const char *what)
{
	int rc;

	if (!o) {
		int refused = sl_hook_refused();

		sl_hook_leave();
		if (refused)
			return sl_error(ctx, SL_ENOMEM, "no memory for %s"
					" under the ceiling", what);
		return sl_error(ctx, SL_EDATA, "cannot write %s: a value is"
				" not valid UTF-8", what);
	}
	rc = json_dump_callback(o, to_sink, out, JSON_COMPACT);
	json_decref(o);
	sl_hook_leave();
	if (sl_failed(ctx))
		return sl_errcode(ctx);
	if (rc != 0)
		return sl_error(ctx, SL_ENOMEM, "no memory to write %s", what);
	return sl_sink_write(out, "\n", 1);
}

sl_status sl_agg_write_partial(sl_agg *g, sl_sink *out)
{
	if (g->mode == SORT_MODE)
		return sl_error(g->ctx, SL_EINVAL, "distinct and quantiles"
				" with keys or exact have no partial state");
	sl_json_init();
	while (sl_agg_next(g) != NULL) {
		sl_hook_enter(g->ctx, "agg.json");
		if (write_json(g->ctx, out, group_json(g, g->cur),
			       "a partial state") != SL_OK)
			return sl_errcode(g->ctx);
	}
	return sl_errcode(g->ctx);
}

/* "123.45" (as exact_text writes) into an exact sum; -1 if it is not. */
static int exact_parse(const char *p, size_t n, sl_wide *sum, int *scale)
{
	size_t i = n && p[0] == '-', d = 0, point = 0;

	for (; i < n; i++) {
		if (p[i] == '.' && !point && d)
			point = i;
		else if ((unsigned)(p[i] - '0') > 9)
			return -1;
		else
			d++;
	}
	if (!d || (point && point == n - 1))
		return -1;
	return sl_exact_decimal(p, n, sum, scale) ? 0 : -1;
}

static int jget_sbuf(const json_t *o, const char *key, sbuf *s)
{
	const json_t *j = json_object_get(o, key);

	memset(s, 0, sizeof(*s));
	if (!j)
		return 0;
	if (!json_is_string(j))
		return -1;
	s->p = (char *)json_string_value(j);
	s->len = (uint32_t)json_string_length(j);
	return 0;
}

/*
 * The text of min or max into *s: there when the op is asked for and
 * there are values, and a decimal, whose double goes to *d, when it is
 * a number.  0 or -1.
 */
static int jget_extreme(sl_agg *g, const json_t *o, const char *key,
			sbuf *s, int want, int number, double *d)
{
	if (jget_sbuf(o, key, s) < 0 || !s->p != !want)
		return -1;
	if (s->p && number && !sl_parse_decimal(g->ctx, s->p, s->len, d))
		return -1;
	return 0;
}

/* A field's state from JSON; its strings are views into o. */
static int acc_from_json(sl_agg *g, const json_t *o, acc *a)
{
	const json_t *fs, *sum;
	uint64_t k, values;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(o) ||
	    jget_count(json_object_get(o, "n"), &a->n) < 0 ||
	    jget_count(json_object_get(o, "empty"), &a->empty) < 0 ||
	    jget_count(json_object_get(o, "int"), &a->nint) < 0 ||
	    jget_count(json_object_get(o, "float"), &a->nfloat) < 0)
		return -1;
	k = a->nint + a->nfloat;
	if (a->empty > a->n || k > a->n - a->empty)
		return -1;
	if (k) {
		fs = json_object_get(o, "fsum");
		if (jget_num(json_object_get(o, "mean"), &a->mean) < 0 ||
		    jget_num(json_object_get(o, "m2"), &a->m2) < 0 ||
		    !json_is_array(fs) || json_array_size(fs) != 2 ||
		    jget_num(json_array_get(fs, 0), &a->fsum) < 0 ||
		    jget_num(json_array_get(fs, 1), &a->fcomp) < 0)
			return -1;
	}
	sum = json_object_get(o, "sum");
	if (!sum)
		a->inexact = 1;
	else if (!json_is_string(sum) ||
		 exact_parse(json_string_value(sum), json_string_length(sum),
			     &a->isum, &a->scale) < 0)
		return -1;
	values = a->n - a->empty;
	if (jget_extreme(g, o, "min", &a->lo, (g->need & NEED(SL_AGG_MIN)) &&
			 values, k > 0, &a->min) < 0 ||
	    jget_extreme(g, o, "max", &a->hi, (g->need & NEED(SL_AGG_MAX)) &&
			 values, values == k, &a->max) < 0 ||
	    jget_sbuf(o, "first", &a->first) < 0 ||
	    jget_sbuf(o, "last", &a->last) < 0)
		return -1;
	return 0;
}

/* The sketch parts of a field's state, into sk. */
static sl_status sketch_from_json(sl_agg *g, sketch *sk, const json_t *o)
{
	const json_t *d = json_object_get(o, "distinct");
	const json_t *q = json_object_get(o, "q"), *v, *t;
	size_t i;
	double x;

	if (g->need & NEED(SL_AGG_DISTINCT)) {
		if (!json_is_object(d))
			return sl_error(g->ctx, SL_EDATA, "no distinct state");
		if ((t = json_object_get(d, "hll")) != NULL) {
			if (!json_is_string(t))
				return sl_error(g->ctx, SL_EDATA, "bad hll");
			if (!sk->hll && agg_sketch_to_hll(g, sk) != SL_OK)
				return SL_ENOMEM;
			if (sl_hll_from_text(sk->hll, json_string_value(t),
					     json_string_length(t)) != SL_OK)
				return sl_errcode(g->ctx);
		} else if (json_is_array(v = json_object_get(d, "values"))) {
			json_array_foreach(v, i, t) {
				if (!json_is_string(t))
					return sl_error(g->ctx, SL_EDATA,
							"bad distinct value");
				if (agg_sketch_distinct(g, sk, json_string_value(t),
						    json_string_length(t)) !=
				    SL_OK)
					return SL_ENOMEM;
			}
		} else {
			return sl_error(g->ctx, SL_EDATA, "bad distinct state");
		}
	}
	if (g->need & NEED_Q) {
		if (!json_is_object(q))
			return sl_error(g->ctx, SL_EDATA, "no quantile state");
		if ((t = json_object_get(q, "kll")) != NULL) {
			if (!json_is_string(t))
				return sl_error(g->ctx, SL_EDATA, "bad kll");
			if (!sk->kll && agg_sketch_to_kll(g, sk) != SL_OK)
				return SL_ENOMEM;
			if (sl_kll_from_text(sk->kll, json_string_value(t),
					     json_string_length(t)) != SL_OK)
				return sl_errcode(g->ctx);
		} else if (json_is_array(v = json_object_get(q, "values"))) {
			json_array_foreach(v, i, t) {
				if (!json_is_string(t) ||
				    !sl_parse_decimal(g->ctx,
						      json_string_value(t),
						      json_string_length(t), &x))
					return sl_error(g->ctx, SL_EDATA,
							"bad quantile value");
				if (agg_sketch_number(g, sk, x, json_string_value(t),
						  json_string_length(t)) !=
				    SL_OK)
					return SL_ENOMEM;
			}
		} else {
			return sl_error(g->ctx, SL_EDATA, "bad quantile state");
		}
	}
	return SL_OK;
}

static sl_status add_state(sl_agg *g, const json_t *root)
{
	const json_t *keys = json_object_get(root, "key");
	const json_t *fields = json_object_get(root, "fields");
	uint64_t rows;
	group *gr;
	size_t i;

	if (!json_is_array(keys) || json_array_size(keys) != g->nkeys ||
	    !json_is_array(fields) || json_array_size(fields) != g->nfields ||
	    jget_count(json_object_get(root, "rows"), &rows) < 0)
		return sl_error(g->ctx, SL_EDATA, "not a partial state of"
				" %zu keys and %zu fields", g->nkeys,
				g->nfields);
	for (i = 0; i < g->nkeys; i++) {
		const json_t *k = json_array_get(keys, i);

		if (!json_is_string(k))
			return sl_error(g->ctx, SL_EDATA, "a key is not a"
					" string");
		g->pkeys[i].ptr = json_string_value(k);
		g->pkeys[i].len = json_string_length(k);
	}
	/* all checked before any is combined: a bad line changes nothing */
	for (i = 0; i < g->nfields; i++)
		if (acc_from_json(g, json_array_get(fields, i),
				  &g->paccs[i]) < 0)
			return sl_error(g->ctx, SL_EDATA, "bad state of field"
					" %zu", i + 1);
	gr = agg_find_group(g, g->pkeys, 0);   /* may flush, which uses rec */
	if (!gr)
		return sl_errcode(g->ctx);
	gr->rows += rows;
	for (i = 0; i < g->nfields; i++) {
		const json_t *o = json_array_get(fields, i);

		if (agg_acc_merge(g, &gr->accs[i], &g->paccs[i],
			      g->groups) != SL_OK)
			return sl_error(g->ctx, SL_ENOMEM, "no memory for a"
					" group's strings");
		if (gr->accs[i].sk &&
		    sketch_from_json(g, gr->accs[i].sk, o) != SL_OK)
			return sl_errcode(g->ctx);
	}
	return SL_OK;
}

sl_status sl_agg_add_partial(sl_agg *g, const char *line, size_t len)
{
	json_error_t err;
	json_t *root;
	sl_status st;

	if (sl_failed(g->ctx))
		return sl_errcode(g->ctx);
	if (g->finished)
		return sl_error(g->ctx, SL_EINVAL, "sl_agg_add_partial after"
				" the end");
	if (g->mode == SORT_MODE)
		return sl_error(g->ctx, SL_EINVAL, "distinct and quantiles"
				" with keys or exact have no partial state");
	sl_json_init();
	if (!sl_json_fits(g->ctx, line, len))
		return sl_error(g->ctx, SL_ENOMEM, "a partial state of %zu"
				" bytes needs more memory to parse than the"
				" ceiling leaves (raise --max-memory)", len);
	sl_hook_enter_lenient(g->ctx, "agg.json");
	root = json_loadb(line, len, JSON_ALLOW_NUL, &err);
	if (!root || sl_hook_refused()) {
		int refused = sl_hook_refused();

		json_decref(root);
		sl_hook_leave();
		if (refused)
			return sl_error(g->ctx, SL_ENOMEM, "no memory to read"
					" a partial state of %zu bytes", len);
		return sl_error(g->ctx, SL_EDATA, "bad partial state: %s",
				err.text);
	}
	sl_hook_leave();
	st = add_state(g, root);
	sl_hook_enter(g->ctx, "agg.json");
	json_decref(root);
	sl_hook_leave();
	return st;
}

static json_t *names_json(const sl_str *names, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, jstr(names[i].ptr,
						  names[i].len)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

sl_status sl_agg_write_header(sl_ctx *ctx, sl_sink *out,
			      const sl_agg_spec *spec)
{
	json_t *o, *ops;
	size_t i;
	int bad;

	sl_json_init();
	sl_hook_enter(ctx, "agg.json");
	o = json_object();
	ops = json_array();
	bad = !o || !ops;
	for (i = 0; !bad && i < spec->nops; i++)
		bad |= json_array_append_new(ops, json_string(
					sl_agg_op_name(spec->ops[i])));
	if (!bad) {
		bad |= jset(o, "format", json_string("sluice-partial"));
		bad |= jset(o, "version", json_integer(PARTIAL_VERSION));
		bad |= jset(o, "verb", json_string(spec->verb));
		bad |= jset(o, "keys", names_json(spec->keys, spec->nkeys));
		bad |= jset(o, "fields", names_json(spec->fields,
						    spec->nfields));
		bad |= json_object_set(o, "ops", ops);
		bad |= jset(o, "top", json_integer((json_int_t)spec->top));
	}
	json_decref(ops);
	if (bad) {
		json_decref(o);
		o = NULL;
	}
	return write_json(ctx, out, o, "a partial header");
}

/* names from a JSON array of strings into the arena; -1 if it is not. */
static int names_from_json(sl_arena *a, const json_t *arr, const sl_str **out,
			   size_t *n)
{
	sl_str *v;
	size_t i;

	if (!json_is_array(arr))
		return -1;
	*n = json_array_size(arr);
	v = sl_arena_alloc(a, (*n ? *n : 1) * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < *n; i++) {
		const json_t *s = json_array_get(arr, i);

		if (!json_is_string(s))
			return -1;
		v[i].len = json_string_length(s);
		v[i].ptr = sl_arena_strndup(a, json_string_value(s), v[i].len);
		if (!v[i].ptr)
			return -1;
	}
	*out = v;
	return 0;
}

sl_status sl_agg_read_header(sl_arena *a, const char *line, size_t len,
			     sl_agg_spec *spec)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	const json_t *ops, *verb, *top;
	sl_agg_op *opv = NULL;
	json_error_t err;
	json_t *root;
	size_t i, n = 0;
	int bad;

	memset(spec, 0, sizeof(*spec));
	sl_json_init();
	if (!sl_json_fits(ctx, line, len))
		return sl_error(ctx, SL_ENOMEM, "no memory to read the header"
				" of a partial state of %zu bytes", len);
	sl_hook_enter_lenient(ctx, "agg.json");
	root = json_loadb(line, len, 0, &err);
	if (sl_hook_refused()) {
		json_decref(root);
		sl_hook_leave();
		return sl_error(ctx, SL_ENOMEM, "no memory to read the header"
				" of a partial state of %zu bytes", len);
	}
	sl_hook_leave();
	if (!root)
		return sl_error(ctx, SL_EDATA, "not a stream of partial"
				" states: %s", err.text);
	verb = json_object_get(root, "verb");
	ops = json_object_get(root, "ops");
	top = json_object_get(root, "top");
	bad = !json_is_string(json_object_get(root, "format")) ||
		strcmp(json_string_value(json_object_get(root, "format")),
		       "sluice-partial") != 0 ||
		!json_is_string(verb) || !json_is_array(ops) ||
		(top && !json_is_integer(top));
	if (!bad && json_integer_value(json_object_get(root, "version")) !=
	    PARTIAL_VERSION) {
		sl_hook_enter(ctx, "agg.json");
		json_decref(root);
		sl_hook_leave();
		return sl_error(ctx, SL_EDATA, "partial states of another"
				" version of sluice");
	}
	if (!bad) {
		n = json_array_size(ops);
		opv = sl_arena_alloc(a, (n ? n : 1) * sizeof(*opv));
		bad = !opv;
		for (i = 0; !bad && i < n; i++) {
			const json_t *o = json_array_get(ops, i);
			int op = json_is_string(o) ?
				sl_agg_op_parse(json_string_value(o),
						json_string_length(o)) : -1;

			bad = op < 0;
			if (!bad)
				opv[i] = (sl_agg_op)op;
		}
	}
	if (!bad) {
		spec->verb = sl_arena_strndup(a, json_string_value(verb),
					      json_string_length(verb));
		spec->ops = opv;
		spec->nops = n;
		spec->top = top ? (uint64_t)json_integer_value(top) : 0;
		bad = !spec->verb ||
			names_from_json(a, json_object_get(root, "keys"),
					&spec->keys, &spec->nkeys) < 0 ||
			names_from_json(a, json_object_get(root, "fields"),
					&spec->fields, &spec->nfields) < 0;
	}
	sl_hook_enter(ctx, "agg.json");
	json_decref(root);
	sl_hook_leave();
	if (bad && !sl_failed(ctx))
		return sl_error(ctx, SL_EDATA, "not a stream of partial"
				" states (its first line is no header)");
	return sl_errcode(ctx);
}
