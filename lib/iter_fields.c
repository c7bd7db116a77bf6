/*
 * iter_fields.c - the stages that choose, order and name fields: select,
 * rename and reorder.  They are one stage in four modes, since each is a
 * list of source positions and a header worked out once at the start;
 * rename's positions are all of them, in order, and its records go on
 * unchanged.
 *
 * start() resolves the list against the upstream header once, in two
 * passes: each item ("name", "3", "2-5", "7-", each but a range with an
 * optional ":NEW") is checked and turned into a run of positions, then
 * the runs are laid out in one array of source positions and one of
 * output names.  With exclude, the items are the fields to drop and the
 * kept ones are the rest, left to right.  The reader upstream is told
 * that only the kept fields will be looked at, so it need not unquote
 * or convert the others.  next() hands out each record with its fields
 * picked, its kinds with them and its provenance unchanged.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "iter.h"

/* One item of the list: positions lo..hi (0-based, inclusive), and the
 * new name of a single field, NULL to keep its own. */
struct item {
	size_t lo, hi;
	const char *name;
	size_t len;
};

enum { PICK, EXCLUDE, RENAME, RENAME_RE, FRONT, BACK };

struct sel {
	const char *list;
	int mode;
	regex_t re;               /* RENAME_RE: list is the replacement */
	int re_live, global;
	size_t *idx;              /* source position of each output field */
	size_t n;
	sl_str *out;              /* the record handed out */
	unsigned char *kinds;
	sl_record rec;
};

static int all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

/* A position; any number past 2^40 stays past it (out of range). */
static size_t number(const char *p, size_t n)
{
	size_t v = 0, i;

	for (i = 0; i < n && v < ((size_t)1 << 40); i++)
		v = v * 10 + (size_t)(p[i] - '0');
	return v;
}

/* "no field 'x' in the header; it has: a, b", the list cut to fit. */
static int unknown_field(sl_ctx *ctx, const char *p, size_t n,
			 const sl_str *h, size_t nh)
{
	char list[SL_ERRMSG_MAX];
	size_t at = 0, i;
	int w;

	list[0] = '\0';
	for (i = 0; i < nh && at + 4 < sizeof(list); i++) {
		w = snprintf(list + at, sizeof(list) - at, "%s %.*s",
			     i ? "," : "", (int)h[i].len, h[i].ptr);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	sl_error(ctx, SL_EINVAL, "no field '%.*s' in the header; it has:%s",
		 (int)n, p, list);
	return -1;
}

/*
 * Resolve the item p[0..len) against the header h[0..nh) into *it.
 * renames: whether ":NEW" is allowed.  0, or -1 with SL_EINVAL.
 */
static int parse_item(sl_ctx *ctx, const char *p, size_t len,
		      const sl_str *h, size_t nh, int renames,
		      struct item *it)
{
	const char *colon = memchr(p, ':', len);
	size_t klen = colon ? (size_t)(colon - p) : len;
	const char *dash = memchr(p, '-', klen);
	size_t rlen = colon ? len - klen - 1 : 0, i;

	memset(it, 0, sizeof(*it));
	if (klen == 0) {
		sl_error(ctx, SL_EINVAL, "no field before the ':' in '%.*s'",
			 (int)len, p);
		return -1;
	}
	if (colon && (!renames || rlen == 0)) {
		sl_error(ctx, SL_EINVAL, renames ? "empty new name in '%.*s'" :
			 "-x takes no renames: '%.*s'", (int)len, p);
		return -1;
	}
	if (dash && all_digits(p, (size_t)(dash - p)) &&
	    (dash + 1 == p + klen ||
	     all_digits(dash + 1, (size_t)(p + klen - dash - 1)))) {
		size_t lo = number(p, (size_t)(dash - p));
		size_t hi = dash + 1 == p + klen ? nh :
			number(dash + 1, (size_t)(p + klen - dash - 1));

		if (colon) {
			sl_error(ctx, SL_EINVAL, "a range cannot be renamed:"
				 " '%.*s'", (int)len, p);
			return -1;
		}
		if (lo < 1 || hi < lo || hi > nh) {
			sl_error(ctx, SL_EINVAL, "range '%.*s' is not within"
				 " 1-%zu", (int)klen, p, nh);
			return -1;
		}
		it->lo = lo - 1;
		it->hi = hi - 1;
		return 0;
	}
	for (i = 0; i < nh; i++)
		if (h[i].len == klen && memcmp(h[i].ptr, p, klen) == 0)
			break;
	if (i == nh && all_digits(p, klen)) {
		i = number(p, klen);
		if (i < 1 || i > nh) {
			sl_error(ctx, SL_EINVAL, "field %.*s is not within"
				 " 1-%zu", (int)klen, p, nh);
			return -1;
		}
		i--;
	}
	if (i == nh)
		return unknown_field(ctx, p, klen, h, nh);
	it->lo = it->hi = i;
	if (colon) {
		it->name = colon + 1;
		it->len = rlen;
	}
	return 0;
}

/* The items of the list, their number in *n; NULL on failure. */
static struct item *parse_list(sl_iter *it, const char *list, int renames,
			       size_t *n)
{
	size_t cnt = 1, k = 0, len;
	struct item *items;
	const char *p;

	if (!*list) {   /* keep every field (one range), or drop none */
		*n = !renames || !it->nnames ? 0 : 1;
		items = sl_arena_alloc(it->arena, sizeof(*items));
		if (items) {
			memset(items, 0, sizeof(*items));
			items->hi = it->nnames - 1;
		}
		return items;
	}
	for (p = list; *p; p++)
		cnt += *p == ',';
	items = sl_arena_alloc(it->arena, cnt * sizeof(*items));
	if (!items)
		return NULL;
	for (p = list;; p += len + 1) {
		len = strcspn(p, ",");
		if (!len) {
			sl_error(it->ctx, SL_EINVAL, "empty item in the list"
				 " '%s'", list);
			return NULL;
		}
		if (parse_item(it->ctx, p, len, it->names, it->nnames,
			       renames, &items[k++]) < 0)
			return NULL;
		if (!p[len])
			break;
	}
	*n = k;
	return items;
}

/* Make room for n output fields. */
static int sel_alloc(sl_iter *it, struct sel *s, size_t n)
{
	s->idx = sl_arena_alloc(it->arena, (n ? n : 1) * sizeof(*s->idx));
	s->out = sl_arena_alloc(it->arena, (n ? n : 1) * sizeof(*s->out));
	s->kinds = sl_arena_alloc(it->arena, n ? n : 1);
	return s->idx && s->out && s->kinds ? 0 : -1;
}

static int pick_start(sl_iter *it)
{
	struct sel *s = it->state;
	const sl_str *h = it->names;
	size_t nh = it->nnames, ni, i, k, total = 0;
	unsigned char *mark;
	struct item *items;
	sl_str *names;
	int exclude = s->mode == EXCLUDE;

	items = parse_list(it, s->list, !exclude, &ni);
	mark = sl_arena_alloc(it->arena, nh ? nh : 1);
	if (!items || !mark)
		return -1;
	memset(mark, 0, nh);
	if (exclude) {
		for (k = 0; k < ni; k++)
			for (i = items[k].lo; i <= items[k].hi; i++)
				mark[i] = 1;
		for (i = 0; i < nh; i++)
			total += !mark[i];
	} else {
		for (k = 0; k < ni; k++)
			total += items[k].hi - items[k].lo + 1;
	}
	names = sl_arena_alloc(it->arena, (total ? total : 1) *
			       sizeof(*names));
	if (!names || sel_alloc(it, s, total) < 0)
		return -1;
	if (exclude) {
		for (i = 0; i < nh; i++)
			if (!mark[i])
				s->idx[s->n++] = i;
	} else {
		for (k = 0; k < ni; k++)
			for (i = items[k].lo; i <= items[k].hi; i++)
				s->idx[s->n++] = i;
	}
	for (i = 0; i < s->n; i++)
		names[i] = h[s->idx[i]];
	/* renames: walk the items again beside the output */
	if (!exclude)
		for (k = 0, i = 0; k < ni; i += items[k].hi - items[k].lo + 1,
		     k++)
			if (items[k].name) {
				names[i].ptr = items[k].name;
				names[i].len = items[k].len;
			}
	/* the reader needs only the kept fields: mark them */
	memset(mark, 0, nh);
	for (i = 0; i < s->n; i++)
		mark[s->idx[i]] = 1;
	sl_iter_want(it->in, mark, nh);
	it->names = names;
	it->nnames = s->n;
	return 0;
}

/* Every field, in order, for rename: 0, or -1. */
static int all_fields(sl_iter *it, struct sel *s, sl_str **names)
{
	size_t i;

	*names = sl_arena_alloc(it->arena, (it->nnames ? it->nnames : 1) *
				sizeof(**names));
	if (!*names || sel_alloc(it, s, it->nnames) < 0)
		return -1;
	for (i = 0; i < it->nnames; i++) {
		s->idx[i] = i;
		(*names)[i] = it->names[i];
	}
	s->n = it->nnames;
	return 0;
}

/* rename OLD:NEW,...: each OLD one field, named once. */
static int rename_start(sl_iter *it)
{
	struct sel *s = it->state;
	struct item *items;
	unsigned char *done;
	sl_str *names;
	size_t ni, k;

	items = parse_list(it, s->list, 1, &ni);
	done = sl_arena_alloc(it->arena, it->nnames ? it->nnames : 1);
	if (!items || !done || all_fields(it, s, &names) < 0)
		return -1;
	memset(done, 0, it->nnames);
	for (k = 0; k < ni; k++) {
		const sl_str *old = &it->names[items[k].lo];

		if (!items[k].name || items[k].lo != items[k].hi) {
			sl_error(it->ctx, SL_EINVAL, "rename takes OLD:NEW"
				 " pairs, not '%s'", s->list);
			return -1;
		}
		if (done[items[k].lo]++) {
			sl_error(it->ctx, SL_EINVAL, "field '%.*s' is renamed"
				 " twice", (int)old->len, old->ptr);
			return -1;
		}
		names[items[k].lo].ptr = items[k].name;
		names[items[k].lo].len = items[k].len;
	}
	it->names = names;
	return 0;
}

static int count_bytes(void *arg, const char *p, size_t n)
{
	(void)p;
	*(size_t *)arg += n;
	return 0;
}

static int copy_bytes(void *arg, const char *p, size_t n)
{
	char **out = arg;

	memcpy(*out, p, n);
	*out += n;
	return 0;
}

/* One name with the regex's first match (every match with global)
 * replaced (sl_re_replace(): measured, then written), into the arena:
 * 0, or -1. */
static int rename_one(sl_iter *it, struct sel *s, sl_str *name)
{
	size_t rn = strlen(s->list), n = 0;
	char *cname, *out, *at;

	cname = sl_arena_strndup(it->arena, name->ptr, name->len);
	if (!cname)
		return -1;
	if (regexec(&s->re, cname, 0, NULL, 0) != 0)
		return 0;               /* no match: the name stays */
	sl_re_replace(&s->re, cname, name->len, s->list, rn, s->global,
		      count_bytes, &n);
	out = at = sl_arena_alloc(it->arena, n ? n : 1);
	if (!out)
		return -1;
	sl_re_replace(&s->re, cname, name->len, s->list, rn, s->global,
		      copy_bytes, &at);
	name->ptr = out;
	name->len = n;
	return 0;
}

/* rename -r REGEX:REPL: every name the regex matches. */
static int rename_re_start(sl_iter *it)
{
	struct sel *s = it->state;
	sl_str *names;
	size_t i;

	if (all_fields(it, s, &names) < 0)
		return -1;
	for (i = 0; i < it->nnames; i++)
		if (rename_one(it, s, &names[i]) < 0)
			return -1;
	it->names = names;
	return 0;
}

/* reorder: the fields of the list first (BACK: last), in its order, the
 * others in theirs. */
static int reorder_start(sl_iter *it)
{
	struct sel *s = it->state;
	size_t nh = it->nnames, ni, i, k, n = 0;
	unsigned char *mark;
	struct item *items;
	sl_str *names;

	items = parse_list(it, s->list, 0, &ni);
	mark = sl_arena_alloc(it->arena, nh ? nh : 1);
	names = sl_arena_alloc(it->arena, (nh ? nh : 1) * sizeof(*names));
	if (!items || !mark || !names || sel_alloc(it, s, nh) < 0)
		return -1;
	memset(mark, 0, nh);
	for (k = 0; k < ni; k++)
		for (i = items[k].lo; i <= items[k].hi; i++)
			if (mark[i]++) {
				sl_error(it->ctx, SL_EINVAL, "field '%.*s' is"
					 " in the list twice",
					 (int)it->names[i].len,
					 it->names[i].ptr);
				return -1;
			}
	if (s->mode == BACK)
		for (i = 0; i < nh; i++)
			if (!mark[i])
				s->idx[n++] = i;
	for (k = 0; k < ni; k++)
		for (i = items[k].lo; i <= items[k].hi; i++)
			s->idx[n++] = i;
	if (s->mode == FRONT)
		for (i = 0; i < nh; i++)
			if (!mark[i])
				s->idx[n++] = i;
	s->n = n;
	for (i = 0; i < n; i++)
		names[i] = it->names[s->idx[i]];
	it->names = names;
	return 0;
}

static int sel_start(sl_iter *it)
{
	struct sel *s = it->state;

	switch (s->mode) {
	case RENAME:
		return rename_start(it);
	case RENAME_RE:
		return rename_re_start(it);
	case FRONT:
	case BACK:
		return reorder_start(it);
	default:
		return pick_start(it);
	}
}

static const sl_record *sel_next(sl_iter *it)
{
	static const sl_str empty = { "", 0 };
	struct sel *s = it->state;
	const sl_record *rec = sl_iter_next(it->in);
	size_t i, j;

	if (!rec)
		return NULL;
	s->rec = *rec;
	s->rec.nfields = s->n;
	s->rec.fields = s->out;
	s->rec.kinds = rec->kinds ? s->kinds : NULL;
	for (i = 0; i < s->n; i++) {
		j = s->idx[i];
		s->out[i] = j < rec->nfields ? rec->fields[j] : empty;
		if (rec->kinds)
			s->kinds[i] = j < rec->nfields ? rec->kinds[j] :
				SL_KIND_TEXT;
	}
	return &s->rec;
}

/* rename's records are upstream's, unchanged. */
static const sl_record *pass_next(sl_iter *it)
{
	return sl_iter_next(it->in);
}

static sl_iter *sel_new(sl_iter *in, const char *list, int mode)
{
	sl_iter *it = sl_iter_new(in, sizeof(struct sel));
	struct sel *s;

	if (!it)
		return NULL;
	s = it->state;
	s->list = sl_iter_strdup(it, list ? list : "");
	s->mode = mode;
	if (!s->list)
		return NULL;
	it->start = sel_start;
	it->next = mode == RENAME || mode == RENAME_RE ? pass_next : sel_next;
	it->transparent = 1;
	return it;
}

sl_iter *sl_select(sl_iter *in, const char *fields, int exclude)
{
	return sel_new(in, fields, exclude ? EXCLUDE : PICK);
}

sl_iter *sl_rename(sl_iter *in, const char *pairs)
{
	if (in && (!pairs || !*pairs)) {
		sl_error(in->ctx, SL_EINVAL, "rename needs OLD:NEW pairs");
		return NULL;
	}
	return sel_new(in, pairs, RENAME);
}

static void release_re(void *arg)
{
	struct sel *s = arg;

	if (s->re_live)
		regfree(&s->re);
	s->re_live = 0;
}

sl_iter *sl_rename_regex(sl_iter *in, const char *regex, const char *repl,
			 int global)
{
	sl_iter *it = sel_new(in, repl, RENAME_RE);
	struct sel *s;
	char msg[256];
	int rc;

	if (!it)
		return NULL;
	s = it->state;
	s->global = global != 0;
	if (sl_arena_on_release(it->arena, release_re, s) != SL_OK)
		return NULL;
	rc = regcomp(&s->re, regex ? regex : "", REG_EXTENDED);
	if (rc != 0) {
		regerror(rc, &s->re, msg, sizeof(msg));
		regfree(&s->re);
		sl_error(it->ctx, SL_EINVAL, "bad regular expression '%s':"
			 " %s", regex ? regex : "", msg);
		return NULL;
	}
	s->re_live = 1;
	return it;
}

sl_iter *sl_reorder(sl_iter *in, const char *fields, int at_end)
{
	if (in && (!fields || !*fields)) {
		sl_error(in->ctx, SL_EINVAL, "reorder needs a list of fields");
		return NULL;
	}
	return sel_new(in, fields, at_end ? BACK : FRONT);
}
