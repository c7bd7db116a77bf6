/*
 * reader_body.h - the record-reader harness, shared by fuzz_csv.c,
 * fuzz_tsv.c and fuzz_jsonl.c, which each fix the format.
 *
 * Input: byte 0 is fz_ctx()'s, plus bit 6 no_header and bit 7 on_error
 * skip; byte 1 the charge to fail; byte 2: bit 0 a rejects sink (with
 * skip), bit 1 count with sl_reader_count() after bits 4-7 records,
 * bit 2 sl_reader_want() with the mask in byte 3 bits 3-7, bit 3 format
 * AUTO (csv) or fixed field names (jsonl); byte 3 bits 0-2 the csv
 * delimiter.  The rest is the file, plain or gzip.
 *
 * Oracle: the same file read again with the same options but a 64 KiB
 * chunk, no ceiling to speak of and no fault.  The header and the
 * records (fields, number, line, offset) of the small-chunk run must be a
 * prefix of the big one's; the same when neither ran out of memory, with
 * the same error and message, the same rows skipped and the same rejects
 * (but see rdr_auto_unstable()).
 * Every record has as many fields as the header; every line of rejects
 * is a JSON object.
 */
#ifndef SLUICE_FUZZ_READER_BODY_H
#define SLUICE_FUZZ_READER_BODY_H

#include <jansson.h>

#include "fuzz.h"

#define RDR_NWANT 5

typedef struct rdr_run {
	/* what to do */
	unsigned ctxopt, fail;
	int reference;           /* big chunk, default ceiling, no fault */
	int no_pos;              /* leave lines, offsets, messages out */
	sl_read_options ro;
	int rejects;
	int count_after;         /* -1 never */
	const unsigned char *want;
	/* what happened */
	int got_header;
	uint64_t header;
	size_t nheader;
	fz_list recs;
	uint64_t counted;
	uint64_t skipped;
	sl_status code;
	char msg[SL_ERRMSG_MAX];
	fz_buf rejected;
} rdr_run;

static int rdr_wanted(const rdr_run *run, size_t i)
{
	return !run->want || i >= RDR_NWANT || run->want[i];
}

/* Each line of the rejects is one JSON object. */
static void rdr_check_rejects(const fz_buf *b)
{
	size_t at = 0;

	while (at < b->len) {
		const unsigned char *nl = memchr(b->p + at, '\n', b->len - at);
		json_error_t err;
		json_t *j;

		FZ_CHECK(nl != NULL);
		j = json_loadb((const char *)b->p + at,
			       (size_t)(nl - (b->p + at)), JSON_ALLOW_NUL,
			       &err);
		FZ_CHECK(j != NULL && json_is_object(j));
		json_decref(j);
		at = (size_t)(nl - b->p) + 1;
	}
}

/*
 * With AUTO, what sniff() in reader.c sees depends on the chunk size in
 * two known ways, left out of the comparison.  It drops whole chunks of
 * leading blank lines, so a '\r' in them that is no line ending (the end
 * of a dropped chunk) is missing from the line and offset of what
 * follows: 1, compare no positions.  It looks past spaces and tabs only
 * within the first chunk that is not blank, so "  {" read in chunks of
 * two is CSV: 2, compare nothing.
 */
static int rdr_auto_unstable(const uint8_t *p, size_t n)
{
	fz_buf s = { 0 };
	size_t i, k;
	int how = 0;

	fz_stream(p, n, &s);
	k = s.len >= 3 && memcmp(s.p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (i = k; i < s.len && (s.p[i] == '\r' || s.p[i] == '\n' ||
				  s.p[i] == ' ' || s.p[i] == '\t'); i++) {
		if (s.p[i] == ' ' || s.p[i] == '\t')
			how = 2;
		else if (s.p[i] == '\r' && how == 0 &&
			 (i + 1 == s.len || s.p[i + 1] != '\n'))
			how = 1;
	}
	fz_buf_free(&s);
	return how;
}

static void rdr_read(rdr_run *run, const char *path)
{
	sl_options big = { .chunk_size = 65536 };
	sl_ctx *ctx = run->reference ? sl_ctx_new(&big) :
		fz_ctx(run->ctxopt, run->fail);
	sl_arena *a = sl_arena_new(ctx, "fuzz");
	sl_read_options ro = run->ro;
	sl_sink *rejects = NULL;
	sl_reader *r = NULL;
	const sl_record *rec;
	const sl_str *h;
	int rfd = -1;
	size_t nh = 0, i;
	uint64_t last = 0;

	FZ_CHECK(ctx != NULL);
	if (a && run->rejects) {
		char rpath[64];

		rfd = fz_memfd("", 0);
		fz_fd_path(rpath, sizeof(rpath), rfd);
		rejects = sl_sink_open(a, rpath, NULL);
		ro.rejects = rejects;
	}
	if (a && (!run->rejects || rejects))
		r = sl_reader_open(a, path, &ro);
	if (r) {
		h = sl_reader_header(r, &nh);
		if (h) {
			run->got_header = 1;
			run->nheader = nh;
			run->header = fz_hash_u64(0, nh);
			for (i = 0; i < nh; i++) {
				run->header = fz_hash_u64(run->header, h[i].len);
				run->header = fz_hash(run->header, h[i].ptr,
						      h[i].len);
			}
		}
		/* no header and no error: an empty input, nothing follows */
		if (!h && !sl_failed(ctx))
			FZ_CHECK(sl_reader_next(r) == NULL && !sl_failed(ctx));
		if (h && run->want && sl_reader_want(r, run->want,
						     RDR_NWANT) != SL_OK)
			r = NULL;
	}
	while (r) {
		uint64_t x;

		if (run->count_after >= 0 &&
		    run->recs.n == (size_t)run->count_after) {
			run->counted = sl_reader_count(r);
			break;
		}
		rec = sl_reader_next(r);
		if (!rec)
			break;
		FZ_CHECK(rec->nfields == nh);
		FZ_CHECK(rec->number > last);
		last = rec->number;
		x = fz_hash_u64(0, rec->nfields);
		x = fz_hash_u64(x, rec->number);
		if (!run->no_pos) {
			x = fz_hash_u64(x, rec->line);
			x = fz_hash_u64(x, rec->offset);
		}
		for (i = 0; i < rec->nfields; i++) {
			if (!rdr_wanted(run, i))
				continue;
			x = fz_hash_u64(x, rec->fields[i].len);
			x = fz_hash(x, rec->fields[i].ptr, rec->fields[i].len);
		}
		fz_list_add(&run->recs, x);
	}
	if (r)
		run->skipped = sl_reader_skipped(r);
	run->code = sl_errcode(ctx);
	snprintf(run->msg, sizeof(run->msg), "%s", sl_errmsg(ctx));
	if (rejects && sl_sink_flush(rejects) == SL_OK) {
		fz_slurp(rfd, &run->rejected);
		if (run->code == SL_OK)
			rdr_check_rejects(&run->rejected);
	}
	fz_ctx_done(ctx);
	if (rfd >= 0)
		close(rfd);
}

static void rdr_compare(const rdr_run *t, const rdr_run *ref)
{
	size_t i;

	if (ref->code == SL_ENOMEM)
		return;
	if (t->got_header && ref->got_header) {
		FZ_CHECK(t->nheader == ref->nheader);
		FZ_CHECK(t->header == ref->header);
	}
	FZ_CHECK(t->recs.n <= ref->recs.n);
	for (i = 0; i < t->recs.n; i++)
		FZ_CHECK(t->recs.v[i] == ref->recs.v[i]);
	if (t->code == SL_ENOMEM)
		return;
	FZ_CHECK(t->code == ref->code);
	FZ_CHECK(t->no_pos || strcmp(t->msg, ref->msg) == 0);
	FZ_CHECK(t->recs.n + t->counted == ref->recs.n);
	FZ_CHECK(t->got_header == ref->got_header);
	FZ_CHECK(t->skipped == ref->skipped);
	if (t->code == SL_OK && t->rejects)
		FZ_CHECK(t->rejected.len == ref->rejected.len &&
			 (!t->rejected.len ||
			  memcmp(t->rejected.p, ref->rejected.p,
				 t->rejected.len) == 0));
}

static int rdr_one(sl_format fmt, const uint8_t *data, size_t size)
{
	static const char delims[8] = { ',', ';', '\t', '|', ' ', ':', 'x',
					 '\xff' };
	static const sl_str names[3] = { { "a", 1 }, { "b", 1 }, { "c", 1 } };
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in), fail = fz_byte(&in), mode = fz_byte(&in);
	unsigned extra = fz_byte(&in);
	unsigned char want[RDR_NWANT];
	int lowfd = fz_lowest_fd(), fd = fz_memfd(in.p, in.n), unstable = 0;
	rdr_run t, ref;
	char path[64];
	size_t i;

	memset(&t, 0, sizeof(t));
	t.ctxopt = opt;
	t.fail = fail;
	t.ro.format = fmt;
	t.ro.no_header = (opt & 0x40) != 0;
	t.ro.on_error = opt & 0x80 ? SL_SKIP : SL_FAIL;
	t.rejects = (opt & 0x80) && (mode & 1);
	t.count_after = mode & 2 ? (int)(mode >> 4) : -1;
	for (i = 0; i < RDR_NWANT; i++)
		want[i] = (unsigned char)(extra >> (3 + i) & 1);
	t.want = mode & 4 ? want : NULL;
	if (fmt == SL_FORMAT_CSV) {
		t.ro.delimiter = delims[extra & 7];
		if (mode & 8)
			t.ro.format = SL_FORMAT_AUTO;
	}
	if (fmt == SL_FORMAT_JSONL && (mode & 8)) {
		t.ro.names = names;
		t.ro.nnames = 3;
	}
	if (t.ro.format == SL_FORMAT_AUTO)
		unstable = rdr_auto_unstable(in.p, in.n);
	t.no_pos = unstable != 0;
	ref = t;
	ref.reference = 1;
	ref.count_after = -1;
	fz_fd_path(path, sizeof(path), fd);
	rdr_read(&t, path);
	rdr_read(&ref, path);
	if (unstable < 2)
		rdr_compare(&t, &ref);
	fz_list_free(&t.recs);
	fz_list_free(&ref.recs);
	fz_buf_free(&t.rejected);
	fz_buf_free(&ref.rejected);
	close(fd);
	FZ_CHECK(fz_lowest_fd() == lowfd);
	return 0;
}

#endif /* SLUICE_FUZZ_READER_BODY_H */
