/*
 * stage.c - a pipeline stage of one's own between a reader and a writer.
 *
 *     stage FILE FIELD > out.jsonl
 *
 * Copies every record of FILE (CSV, TSV or JSON Lines, gzip'ed or not) to
 * standard output as JSON Lines with one more field, FIELD_words: the
 * number of space-separated words in FIELD.  The stage pulls records from
 * the reader the way the library's own stages do: next() returns the next
 * record or NULL at the end or on failure, and what it returns is valid
 * until the next call.  Memory: a 4 MiB ceiling, whatever the input size.
 */
#include <stdio.h>
#include <string.h>
#include <sluice.h>

struct words_stage {
	sl_reader *in;
	size_t field;           /* the field whose words are counted */
	sl_str *out;            /* the record handed out: input + 1 field */
	size_t cap;
	char num[24];
	sl_ctx *ctx;
};

static size_t count_words(const sl_str *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->len; i++)
		if (v->ptr[i] != ' ' && (i == 0 || v->ptr[i - 1] == ' '))
			n++;
	return n;
}

/* The next record with its word count, n fields in *n; NULL at the end. */
static const sl_str *stage_next(struct words_stage *st, size_t *n)
{
	const sl_record *rec = sl_reader_next(st->in);
	static const sl_str empty = { "", 0 };

	if (!rec)
		return NULL;
	if (rec->nfields + 1 > st->cap) {
		sl_str *o = sl_mem_realloc(st->ctx, st->out,
					   (rec->nfields + 1) * sizeof(*o),
					   "stage.record");

		if (!o)
			return NULL;
		st->out = o;
		st->cap = rec->nfields + 1;
	}
	memcpy(st->out, rec->fields, rec->nfields * sizeof(sl_str));
	st->out[rec->nfields].ptr = st->num;
	st->out[rec->nfields].len = (size_t)snprintf(st->num, sizeof(st->num),
		"%zu", count_words(st->field < rec->nfields ?
				   &rec->fields[st->field] : &empty));
	*n = rec->nfields + 1;
	return st->out;
}

int main(int argc, char **argv)
{
	sl_ctx *ctx = sl_ctx_new(&(sl_options){ .max_memory = 4u << 20 });
	sl_arena *a = sl_arena_new(ctx, "main");
	struct words_stage st = { .ctx = ctx };
	const sl_str *names, *rec;
	sl_str *outnames = NULL;
	sl_writer *w = NULL;
	char newname[256];
	size_t nn = 0, n;
	sl_sink *sink;

	if (argc != 3) {
		fprintf(stderr, "usage: stage FILE FIELD\n");
		sl_ctx_free(ctx);
		return 2;
	}
	st.in = sl_reader_open(a, argv[1], NULL);
	names = st.in ? sl_reader_header(st.in, &nn) : NULL;
	if (names) {
		st.field = sl_reader_field_index(st.in, argv[2],
						 strlen(argv[2]));
		if (st.field == (size_t)-1)
			sl_error(ctx, SL_EINVAL, "no field '%s' in '%s'",
				 argv[2], argv[1]);
		outnames = sl_arena_alloc(a, (nn + 1) * sizeof(*outnames));
	}
	sink = sl_sink_open(a, "-", NULL);
	if (outnames && sink && !sl_failed(ctx)) {
		memcpy(outnames, names, nn * sizeof(*outnames));
		outnames[nn].ptr = newname;
		outnames[nn].len = (size_t)snprintf(newname, sizeof(newname),
						    "%s_words", argv[2]);
		w = sl_writer_new(a, sink, SL_FORMAT_JSONL, NULL);
		if (w)
			sl_writer_header(w, outnames, nn + 1);
	}
	while (w && !sl_failed(ctx) && (rec = stage_next(&st, &n)) != NULL)
		if (sl_writer_write(w, rec, n) != SL_OK)
			break;
	if (sink && !sl_failed(ctx))
		sl_sink_close(sink);
	sl_mem_free(st.out);
	if (sl_failed(ctx)) {
		fprintf(stderr, "stage: %s\n", sl_errmsg(ctx));
		sl_ctx_free(ctx);
		return 1;
	}
	sl_ctx_free(ctx);
	return 0;
}
