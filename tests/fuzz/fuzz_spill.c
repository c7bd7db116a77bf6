/*
 * fuzz_spill.c - the reader of sluice's own spill runs (lib/spill.c) on
 * any bytes, handed to it through sl_spill_open_fd() as if it had
 * written them.
 *
 * Input: byte 0 is fz_ctx()'s, plus bits 6-7 how the data becomes the
 * file: 0 as it is (a file that starts with the gzip magic is inflated
 * all the same), 1 deflated as one gzip member like a real run, 2 in two
 * members cut at byte 2's fraction of 256, 3 deflated and then cut short
 * by 1 + (byte 2 & 63) bytes; byte 1 the charge to fail, and bit 0 of it
 * closes the run before its arena goes; byte 2 as said.  The rest is the
 * data.
 *
 * Oracle: a plain decoder of the format (varint body length; in the
 * body varint 4n + 2 has-provenance + has-kinds, four varints of
 * provenance if it has it, the n kinds if it has them, and n times
 * varint length and bytes) over what zlib makes
 * of the file.  The records read are a prefix of its records; all of
 * them and a clean end when the file and the data are good; all of them
 * and SL_EDATA when either is damaged.  Any bytes: an error or records,
 * never a crash.
 */
#include "fuzz.h"

/* A varint as spill.c reads one inside a body: 0, or -1 when it runs
 * past end or past 64 bits. */
static int spl_varint(const unsigned char **p, const unsigned char *end,
		      uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

/* The records of s[0..n) into recs; 1 for a clean end, 0 for damage. */
static int spl_decode(const unsigned char *s, size_t n, fz_list *recs)
{
	const unsigned char *p = s, *end = s + n, *b, *bend;
	uint64_t body, k, len, i, x, head, pv[4];
	int shift;

	while (p < end) {
		body = 0;
		shift = 0;
		for (;;) {
			unsigned c;

			if (p == end)
				return 0;
			c = *p++;
			body |= (uint64_t)(c & 0x7f) << shift;
			if (!(c & 0x80))
				break;
			shift += 7;
			if (shift > 63)
				return 0;
		}
		if (body > (uint64_t)(end - p))
			return 0;
		b = p;
		bend = p + body;
		if (spl_varint(&b, bend, &head) < 0 || (k = head >> 2) > body)
			return 0;
		x = fz_hash_u64(0, k);
		memset(pv, 0, sizeof(pv));
		for (i = 0; i < 4 && (head & 2); i++)
			if (spl_varint(&b, bend, &pv[i]) < 0)
				return 0;
		/* the line is its difference from the number, zigzag-coded */
		pv[1] = pv[1] & 1 ? pv[0] - ((pv[1] + 1) >> 1) :
			pv[0] + (pv[1] >> 1);
		for (i = 0; i < 4 && (pv[0] | pv[1] | pv[2] | pv[3]); i++)
			x = fz_hash_u64(x, pv[i]);      /* all 0: none */
		if (head & 1) {
			if (k > (uint64_t)(bend - b))
				return 0;
			x = fz_hash(x, b, (size_t)k);
			b += k;
		}
		for (i = 0; i < k; i++) {
			if (spl_varint(&b, bend, &len) < 0 ||
			    len > (uint64_t)(bend - b))
				return 0;
			x = fz_hash_u64(x, len);
			x = fz_hash(x, b, (size_t)len);
			b += len;
		}
		fz_list_add(recs, x);
		p = bend;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in), fail = fz_byte(&in), how = fz_byte(&in);
	int lowfd = fz_lowest_fd(), whole, clean;
	fz_buf file = { 0 }, stream = { 0 };
	fz_list want = { 0 };
	sl_ctx *ctx = fz_ctx(opt, fail);
	sl_arena *a = sl_arena_new(ctx, "fuzz");
	sl_spill *sp = NULL;
	const sl_record *rec;
	uint64_t input;
	size_t got = 0, i, cut;
	sl_status code;

	switch (opt >> 6) {
	case 0:
		fz_put(&file, in.p, in.n);
		break;
	case 1:
		fz_gzip(in.p, in.n, 0, 1, &file);
		break;
	case 2:
		fz_gzip(in.p, in.n, in.n * how / 256, 1, &file);
		break;
	default:
		fz_gzip(in.p, in.n, 0, 1, &file);
		cut = 1 + (how & 63);
		file.len = cut < file.len ? file.len - cut : 0;
		break;
	}
	whole = fz_stream(file.p, file.len, &stream);
	FZ_CHECK(whole >= 0);
	clean = spl_decode(stream.p, stream.len, &want);

	if (a)
		sp = sl_spill_open_fd(a, fz_memfd(file.p, file.len),
				      "fuzz-spill");
	while (sp && (rec = sl_spill_get_record(sp, &input)) != NULL) {
		uint64_t x = fz_hash_u64(0, rec->nfields);

		if (rec->number | rec->line | rec->offset | input) {
			x = fz_hash_u64(x, rec->number);
			x = fz_hash_u64(x, rec->line);
			x = fz_hash_u64(x, rec->offset);
			x = fz_hash_u64(x, input);
		}
		if (rec->kinds)
			x = fz_hash(x, rec->kinds, rec->nfields);
		for (i = 0; i < rec->nfields; i++) {
			x = fz_hash_u64(x, rec->fields[i].len);
			x = fz_hash(x, rec->fields[i].ptr,
				    rec->fields[i].len);
		}
		FZ_CHECK(got < want.n && want.v[got] == x);
		got++;
	}
	code = sl_errcode(ctx);
	FZ_CHECK(sp || code == SL_ENOMEM);
	if (code == SL_OK)
		FZ_CHECK(whole == 1 && clean && got == want.n);
	else if (code != SL_ENOMEM)
		FZ_CHECK(code == SL_EDATA && (whole == 0 || !clean) &&
			 got == want.n);
	if (sp && (fail & 1))
		sl_spill_close(sp);
	fz_ctx_done(ctx);
	fz_list_free(&want);
	fz_buf_free(&file);
	fz_buf_free(&stream);
	FZ_CHECK(fz_lowest_fd() == lowfd);
	return 0;
}
