/*
 * fuzz_expr.c - the filter language: sl_expr_compile() on any text, then
 * sl_expr_eval() on a few records.
 *
 * Input: byte 0 is fz_ctx()'s (the chunk size is unused); byte 1 the
 * charge to fail; then the expression up to the first NUL byte; after
 * it, records, one a line, fields split by tabs (at most 32 records of
 * at most 12 fields).  The field names are fixed: a b c amount country
 * "x y" n.1 _.
 *
 * Oracle: a failed compile has recorded an error, SL_EINVAL or
 * SL_ENOMEM, with a column inside the text; evaluating gives 0 or 1, and
 * the same again on the same record (the scratch buffers are reused).
 */
#include "fuzz.h"

#define EXP_MAX_RECORDS 32
#define EXP_MAX_FIELDS 12

static const sl_str exp_names[8] = {
	{ "a", 1 }, { "b", 1 }, { "c", 1 }, { "amount", 6 },
	{ "country", 7 }, { "x y", 3 }, { "n.1", 3 }, { "_", 1 },
};

/* Evaluate the record in p[0..n) (tabs between fields). */
static void exp_eval(sl_ctx *ctx, sl_expr *e, const uint8_t *p, size_t n)
{
	sl_str f[EXP_MAX_FIELDS];
	size_t nf = 0;
	int r1, r2;

	for (;;) {
		const uint8_t *tab = memchr(p, '\t', n);
		size_t len = tab ? (size_t)(tab - p) : n;

		f[nf].ptr = (const char *)p;
		f[nf].len = len;
		nf++;
		if (!tab || nf == EXP_MAX_FIELDS)
			break;
		p += len + 1;
		n -= len + 1;
	}
	r1 = sl_expr_eval(e, f, nf);
	r2 = sl_expr_eval(e, f, nf);
	FZ_CHECK(r1 == 0 || r1 == 1);
	FZ_CHECK(r1 == r2 || sl_failed(ctx));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in), fail = fz_byte(&in);
	const uint8_t *nul = memchr(in.p, '\0', in.n), *p, *end;
	size_t tlen = nul ? (size_t)(nul - in.p) : in.n, col = 0, nrec;
	char *text = malloc(tlen + 1);
	sl_ctx *ctx = fz_ctx(opt, fail);
	sl_arena *a = sl_arena_new(ctx, "fuzz");
	sl_expr *e = NULL;

	FZ_CHECK(text != NULL);
	memcpy(text, in.p, tlen);
	text[tlen] = '\0';
	if (a)
		e = sl_expr_compile(a, text, exp_names, 8, &col);
	if (!e) {
		FZ_CHECK(sl_errcode(ctx) == SL_EINVAL ||
			 sl_errcode(ctx) == SL_ENOMEM);
		FZ_CHECK(col <= tlen + 1);
	} else {
		FZ_CHECK(col == 0);
		FZ_CHECK(sl_expr_eval(e, NULL, 0) <= 1);
		p = nul ? nul + 1 : in.p + in.n;
		end = in.p + in.n;
		for (nrec = 0; p < end && nrec < EXP_MAX_RECORDS; nrec++) {
			const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

			exp_eval(ctx, e, p, len);
			p += len + (nl != NULL);
		}
	}
	fz_ctx_done(ctx);
	free(text);
	return 0;
}
