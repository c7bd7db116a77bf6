/*
 * join.c - join two inputs on keys by external sort-merge.
 *
 * Both inputs are sorted on their key fields, in -k order, under the
 * memory ceiling (spilling as needed), then merged: the merge compares
 * the keys one after another in that order, as the sorter did, and
 * records match when every key is equal.  For keys both sides have, the
 * right side's records with those keys are held in memory and every left
 * record with them is written with each: duplicate keys give the cross
 * product.  Keys with more right-side records than fit under the ceiling
 * are an error that says so.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice join -k KEY... [--left | --outer] [OPTIONS] LEFT RIGHT\n"
	"\n"
	"Write a record for each pair of a LEFT and a RIGHT record equal on\n"
	"every KEY (compared byte-wise; an empty value equals an empty one):\n"
	"the keys in -k order, named as in LEFT, then LEFT's other fields,\n"
	"then RIGHT's other fields (renamed right.NAME where a name is\n"
	"taken).  A record of one side only (--left, --outer) has the key\n"
	"values of that side.  Both inputs may be of any size: they are\n"
	"sorted under the memory ceiling.  Output is in key order.\n"
	"\n"
	"  -k, --key KEY          a field to join on: a name (the same in\n"
	"                         both) or position (from 1), or LNAME=RNAME\n"
	"                         when RIGHT names it differently\n"
	"                         (-k id=user_id); repeat or use commas for\n"
	"                         several keys, each field in one key at most\n"
	"      --left             also LEFT records with no match (RIGHT's\n"
	"                         fields empty)\n"
	"      --outer            also unmatched records of both sides\n"
	"      --tmpdir DIR       where spill files go\n";

enum { OPT_LEFT = 512, OPT_OUTER, OPT_TMPDIR };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "left", no_argument, NULL, OPT_LEFT },
	{ "outer", no_argument, NULL, OPT_OUTER },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ NULL, 0, NULL, 0 },
};

struct side {
	struct cli_input in;
	sl_sort_key *keys;   /* the key fields, in -k order */
	size_t nkeys;
	unsigned char *is_key;   /* of each field of the header */
	sl_sorter *s;
	const sl_str *f;     /* the current sorted record */
	const unsigned char *k;  /* its kinds, NULL for text */
	size_t n;
};

static const sl_str empty = { "", 0 };

static const sl_str *key_of(const struct side *sd, size_t k, const sl_str *f,
			   size_t n)
{
	return sd->keys[k].field < n ? &f[sd->keys[k].field] : &empty;
}

static int key_cmp(const sl_str *a, const sl_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->ptr, b->ptr, n) : 0;

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* The keys of a record af of side a against those of bf of side b. */
static int keys_cmp(const struct side *a, const sl_str *af, size_t an,
		    const struct side *b, const sl_str *bf, size_t bn)
{
	size_t k;
	int d = 0;

	for (k = 0; k < a->nkeys && !d; k++)
		d = key_cmp(key_of(a, k, af, an), key_of(b, k, bf, bn));
	return d;
}

static void advance(struct side *sd)
{
	const sl_record *rec = sd->s ? sl_sorter_next_record(sd->s) : NULL;

	sd->f = rec ? rec->fields : NULL;
	sd->k = rec ? rec->kinds : NULL;
	sd->n = rec ? rec->nfields : 0;
}

/* Sort one input on its keys specs[0..nkeys); 0 or an exit status. */
static int load(struct cli *c, struct side *sd, char **path,
		const char **specs, size_t nkeys, const sl_sort_options *so)
{
	const sl_record *rec;
	size_t k, j;
	int status;

	if ((status = cli_input_open_one(c, &sd->in, path)) != 0)
		return status;
	if (!sd->in.names) {
		cli_input_end(&sd->in);
		return 0;            /* empty: no records to join */
	}
	sd->keys = sl_arena_alloc(c->arena, nkeys * sizeof(*sd->keys));
	sd->is_key = sl_arena_alloc(c->arena, sd->in.nnames + 1);
	if (!sd->keys || !sd->is_key)
		return cli_fail(c);
	memset(sd->is_key, 0, sd->in.nnames + 1);
	for (k = 0; k < nkeys; k++) {
		if ((status = cli_parse_key(c, specs[k], sd->in.names,
					    sd->in.nnames, &sd->keys[k],
					    0)) != 0)
			return status;
		for (j = 0; j < k; j++)
			if (sd->keys[j].field == sd->keys[k].field)
				return cli_usage_error(c, "keys '%s' and '%s'"
						       " are one field of"
						       " '%s'", specs[j],
						       specs[k], *path);
		sd->is_key[sd->keys[k].field] = 1;
	}
	sd->nkeys = nkeys;
	sd->s = sl_sorter_new(c->arena, sd->keys, nkeys, so);
	if (!sd->s)
		return cli_fail(c);
	while ((rec = cli_input_next(&sd->in)) != NULL)
		if (sl_sorter_add_record(sd->s, rec) != SL_OK)
			break;
	cli_input_end(&sd->in);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	/* end the input now, so the other side gets the memory */
	advance(sd);
	return sl_failed(c->ctx) ? cli_fail(c) : 0;
}

/* The kind of field i of a record f[0..n) with kinds fk: a missing
 * record's fields are null. */
static unsigned char kind_of(const sl_str *f, const unsigned char *fk,
			     size_t n, size_t i)
{
	if (!f)
		return SL_KIND_NULL;
	return fk && i < n ? fk[i] : SL_KIND_TEXT;
}

/* keys, left's others, right's others; either side may be absent.  The
 * kinds go along when either record has them (JSON Lines input). */
static sl_status emit(sl_writer *w, sl_str *out, unsigned char *outk,
		      const struct side *l, const sl_str *lf,
		      const unsigned char *lk, size_t ln,
		      const struct side *r, const sl_str *rf,
		      const unsigned char *rk, size_t rn)
{
	sl_record rec = { .fields = out };
	size_t k = 0, i;

	for (i = 0; i < l->nkeys; i++) {
		out[k] = lf ? *key_of(l, i, lf, ln) : *key_of(r, i, rf, rn);
		outk[k++] = lf ? kind_of(lf, lk, ln, l->keys[i].field) :
			kind_of(rf, rk, rn, r->keys[i].field);
	}
	for (i = 0; i < l->in.nnames; i++)
		if (!l->is_key[i]) {
			outk[k] = kind_of(lf, lk, ln, i);
			out[k++] = lf && i < ln ? lf[i] : empty;
		}
	for (i = 0; i < r->in.nnames; i++)
		if (!r->is_key[i]) {
			outk[k] = kind_of(rf, rk, rn, i);
			out[k++] = rf && i < rn ? rf[i] : empty;
		}
	rec.nfields = k;
	rec.kinds = (lf && lk) || (rf && rk) ? outk : NULL;
	return sl_writer_write_record(w, &rec);
}

/* The output names: the keys (left's names), left's others, right's
 * others renamed right.NAME when the name is already taken. */
static sl_str *out_names(struct cli *c, struct side *l, struct side *r,
			 size_t *n)
{
	size_t total = l->in.nnames + (r->in.nnames - r->nkeys), k = 0, i, j;
	sl_str *v = sl_arena_alloc(c->arena, total * sizeof(*v));

	if (!v)
		return NULL;
	for (i = 0; i < l->nkeys; i++)
		v[k++] = l->in.names[l->keys[i].field];
	for (i = 0; i < l->in.nnames; i++)
		if (!l->is_key[i])
			v[k++] = l->in.names[i];
	for (i = 0; i < r->in.nnames; i++) {
		const sl_str *nm = &r->in.names[i];
		int taken = 0;

		if (r->is_key[i])
			continue;
		for (j = 0; j < k; j++)
			taken |= key_cmp(&v[j], nm) == 0;
		if (taken) {
			char *p = sl_arena_alloc(c->arena, nm->len + 6);

			if (!p)
				return NULL;
			memcpy(p, "right.", 6);
			memcpy(p + 6, nm->ptr, nm->len);
			v[k].ptr = p;
			v[k].len = nm->len + 6;
			k++;
		} else {
			v[k++] = *nm;
		}
	}
	*n = k;
	return v;
}

/*
 * Each key of the list, NAME or LNAME=RNAME, as the left side's name
 * (*lspec)[i] and the right side's (*rspec)[i], in the run arena.
 * Returns 0 or an exit status.
 */
static int key_specs(struct cli *c, struct cli_list *keys,
		     const char ***lspec, const char ***rspec)
{
	size_t i;
	int status;

	if ((status = cli_list_split(c, keys)) != 0)
		return status;
	*lspec = sl_arena_alloc(c->arena, keys->n * sizeof(**lspec));
	*rspec = sl_arena_alloc(c->arena, keys->n * sizeof(**rspec));
	if (!*lspec || !*rspec)
		return cli_fail(c);
	for (i = 0; i < keys->n; i++) {
		const char *k = keys->item[i], *eq = strchr(k, '=');

		(*lspec)[i] = (*rspec)[i] = k;
		if (!eq)
			continue;
		if (eq == k || !eq[1])
			return cli_usage_error(c, "key '%s' is not NAME or"
					       " LNAME=RNAME", k);
		(*lspec)[i] = sl_arena_strndup(c->arena, k,
					       (size_t)(eq - k));
		(*rspec)[i] = eq + 1;
		if (!(*lspec)[i])
			return cli_fail(c);
	}
	return 0;
}

int cmd_join(int argc, char **argv, struct cli *c)
{
	sl_sort_options so = { 0 };
	struct cli_list keys = { 0 };
	const char **lspec, **rspec;
	int ch, status, left = 0, outer = 0;
	struct cli_saved *group = NULL, cur = { 0 };
	size_t gcap = 0, gn, nnames, i;
	struct side l, r;
	sl_str *names, *out;
	unsigned char *outk;
	sl_writer *w;

	c->usage = usage;
	c->passes_records = 1;
	while ((ch = cli_getopt(c, argc, argv, "k:", longopts)) != -1) {
		switch (ch) {
		case 'k':
			if ((status = cli_list_add(c, &keys, "-k",
						   optarg)) != 0)
				return status;
			break;
		case OPT_LEFT:
			left = 1;
			break;
		case OPT_OUTER:
			outer = left = 1;
			break;
		case OPT_TMPDIR:
			so.tmpdir = optarg;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!keys.narg)
		return cli_usage_error(c, "give the key with -k");
	if (argc - optind != 2)
		return cli_usage_error(c, "give two inputs, LEFT and RIGHT");
	if ((status = cli_start(c)) != 0)
		return status;
	if ((status = key_specs(c, &keys, &lspec, &rspec)) != 0)
		return status;
	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	if ((status = load(c, &l, &argv[optind], lspec, keys.n, &so)) != 0 ||
	    (status = load(c, &r, &argv[optind + 1], rspec, keys.n,
			   &so)) != 0)
		return status;
	if (!l.in.names || !r.in.names) {
		if (!cli_open_output(c))
			return cli_fail(c);
		return cli_close_output(c, c->out);
	}
	names = out_names(c, &l, &r, &nnames);
	out = names ? sl_arena_alloc(c->arena, nnames * sizeof(*out)) : NULL;
	outk = out ? sl_arena_alloc(c->arena, nnames ? nnames : 1) : NULL;
	w = outk ? cli_open_writer(c, &l.in, names, nnames) : NULL;
	while (w && (l.f || r.f) && !sl_failed(c->ctx)) {
		int d = !l.f ? 1 : !r.f ? -1 :
			keys_cmp(&l, l.f, l.n, &r, r.f, r.n);

		if (d < 0) {
			if (left && emit(w, out, outk, &l, l.f, l.k, l.n, &r,
					 NULL, NULL, 0))
				break;
			advance(&l);
			continue;
		}
		if (d > 0) {
			if (outer && emit(w, out, outk, &l, NULL, NULL, 0, &r,
					  r.f, r.k, r.n))
				break;
			advance(&r);
			continue;
		}
		/* the right side's records with this key, held in memory */
		for (gn = 0; r.f && keys_cmp(&r, r.f, r.n, &l, l.f, l.n) == 0;
		     gn++) {
			sl_record rec = { .nfields = r.n, .fields = r.f,
					  .kinds = r.k };

			if (cli_saved_grow(c, &group, &gcap, gn, (uint64_t)-1,
					   "join.group") < 0 ||
			    cli_save(c, &group[gn], &rec, "join.group") < 0)
				break;
			advance(&r);
		}
		if (sl_failed(c->ctx))
			break;
		/* every left record with the key, with each of them */
		{
			sl_record rec = { .nfields = l.n, .fields = l.f,
					  .kinds = l.k };

			if (cli_save(c, &cur, &rec, "join.group") < 0)
				break;
		}
		while (l.f && keys_cmp(&l, l.f, l.n, &l, cur.f, cur.n) == 0) {
			for (i = 0; i < gn; i++)
				if (emit(w, out, outk, &l, l.f, l.k, l.n, &r,
					 group[i].f, group[i].k, group[i].n))
					break;
			if (i < gn)
				break;
			advance(&l);
		}
	}
	cli_saved_free(group, gcap);
	sl_mem_free(cur.mem);
	if (sl_failed(c->ctx)) {
		if (sl_errcode(c->ctx) == SL_ENOMEM)
			fprintf(stderr, "sluice join: the right input's records"
				" for one key must fit under the memory"
				" ceiling\n");
		return cli_fail(c);
	}
	return cli_close_output(c, c->out);
}
