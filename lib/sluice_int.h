/*
 * sluice_int.h - private declarations shared by the files of lib/ and the unit tests.
 * Never installed.
 */
#ifndef SLUICE_INT_H
#define SLUICE_INT_H

#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "sluice.h"

#define SL_MAX_TAGS 64
#define SL_ERRMSG_MAX 1024

typedef struct sl_tag {
	char name[SL_TAG_MAX];
	size_t in_use;
	size_t peak;
} sl_tag;

typedef struct sl_budget {
	size_t ceiling;
	size_t in_use;
	size_t peak;
	size_t ntags;
	sl_tag tags[SL_MAX_TAGS];
	/* Fault injection for tests: when non-zero, the fail_at-th charge
	 * from now on fails as if the ceiling were reached. */
	unsigned long fail_at;
	unsigned long charges;
	/* every field above is read and changed under lock: the budget is
	 * shared by the threads of a run */
	pthread_mutex_t lock;
} sl_budget;

struct sl_ctx {
	sl_budget *budget;     /* &own, or the parent's for a worker */
	sl_budget own;
	sl_progress progress;
	char phase[64];
	void (*progress_fn)(void *arg, const sl_progress *p);
	void *progress_arg;
	size_t chunk_size;
	unsigned threads;
	sl_status err;
	char errmsg[SL_ERRMSG_MAX];
	sl_arena *arenas;  /* every live arena, newest first */
};

/* ctx.c: tell the progress callback, if any */
static inline void sl_progress_tick(sl_ctx *ctx)
{
	if (ctx->progress_fn)
		ctx->progress_fn(ctx->progress_arg, &ctx->progress);
}
/* Name the phase a long job is in (printf-style; "" for none). */
void sl_progress_phase(sl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record from's error in ctx (unless ctx has one): a worker's error,
 * taken over by the thread that owns ctx.  Returns ctx's error code. */
sl_status sl_ctx_take_error(sl_ctx *ctx, const sl_ctx *from);
/* Clear ctx's error: a worker's that was dealt with, so that it can go
 * on with other work. */
void sl_ctx_forget_error(sl_ctx *ctx);
/* Start fn(arg) on a thread of its own with every signal blocked:
 * signals are the main thread's to take (the command's handler removes
 * temporary files and exits).  0, or pthread_create()'s error number. */
int sl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
/* Lock and unlock m, or nothing when m is NULL (not shared). */
static inline void sl_lock(pthread_mutex_t *m)
{
	if (m)
		pthread_mutex_lock(m);
}

static inline void sl_unlock(pthread_mutex_t *m)
{
	if (m)
		pthread_mutex_unlock(m);
}

/* mem.c */
/*
 * A context for a thread of a run: it charges parent's budget (one
 * ceiling for every thread) but has its own error, arenas and progress,
 * so that the thread records an error without touching the parent's.
 * The thread that owns the parent takes a worker's error over with
 * sl_ctx_take_error().  Freed with sl_ctx_free(), before the parent.
 * NULL when the system refuses the few hundred bytes (not charged, like
 * the context itself).
 */
sl_ctx *sl_ctx_worker(sl_ctx *parent);
/* Like sl_mem_alloc/realloc but record no error: for callers that name
 * the failure better themselves (a line too long, a record too big). */
void *sl_mem_try_alloc(sl_ctx *ctx, size_t size, const char *tag);
void *sl_mem_try_realloc(sl_ctx *ctx, void *p, size_t size, const char *tag);
void sl_arenas_free_all(sl_ctx *ctx);
/* Allocation hooks for jansson, charged to the context and tag
 * set by sl_hook_enter() on this thread until sl_hook_leave(). */
void sl_hook_enter(sl_ctx *ctx, const char *tag);
/* The same for a call into json_loadb(): a refusal is counted, but the
 * memory is given all the same (see mem.c). */
void sl_hook_enter_lenient(sl_ctx *ctx, const char *tag);
void sl_hook_leave(void);
void *sl_hook_malloc(size_t size);
void sl_hook_free(void *p);

/* source.c */
/* A source reading fd, which it owns from now on (closed on release, or
 * at once on failure); name is for messages. */
sl_source *sl_source_open_fd(sl_arena *a, int fd, const char *name);
/* Read src on another thread from now on: its errors go to ctx, and its
 * charges with ctx's budget.  Not for an input decoded on a thread of its
 * own already (the pump). */
void sl_source_bind(sl_source *src, sl_ctx *ctx);
/* A source of the bytes [0, head) of the file at path, then [from, to):
 * a part of a file (sl_split_range()) with its header.  Read with
 * pread(2); a file shorter than the range is a read error.  Decompressed
 * when the range starts with a compression's magic (block gzip's members:
 * blocks.c), with no head its compressed offsets the file's. */
sl_source *sl_source_open_range(sl_arena *a, const char *path,
				uint64_t head, uint64_t from, uint64_t to);
/* Make a ranged source read the file's bytes [from, to) alone, from
 * the start, as plain bytes (a byte-order mark is skipped at byte 0):
 * the same source and buffer for part after part. */
void sl_source_range_reset(sl_source *src, uint64_t from, uint64_t to);
/* Call fn(arg, p, n) with every chunk of decoded bytes the source reads
 * from now on, once each, whatever sl_source_unget() hands out again (a
 * byte-order mark included): a copy of the stream.  A failure of fn
 * (recorded in the context) fails the read. */
void sl_source_tee(sl_source *src,
		   sl_status (*fn)(void *arg, const unsigned char *p, size_t n),
		   void *arg);
/* Hand out the last chunk again on the next sl_source_next(). */
void sl_source_unget(sl_source *src);
/* Does p[0..n) start with the magic of a compression the source reads
 * (gzip, bzip2, xz, zstd)?  SL_MAGIC_MAX bytes are always enough to tell. */
#define SL_MAGIC_MAX 10
int sl_source_magic(const unsigned char *p, size_t n);
/* Drop a UTF-8 byte-order mark at the start of the (inflated) stream. */
void sl_source_strip_bom(sl_source *src);

/*
 * reader.c and the format modules (csv.c, tsv.c, jsonl.c).  A module's
 * open() sets up its own state (r->state, r->next_row, r->lines); after
 * that it reads the reader's settings (ctx, arena, src, opt, want,
 * counting, header_state, and the header in names once the reader has
 * it) and writes only r->row and its own state: the reader alone sets
 * its header, counts rows and decides what a bad row means.
 */

/* A row as a format module hands it to the reader. */
typedef struct sl_row {
	size_t n;
	const sl_str *f;      /* NULL when the reader is only counting */
	const unsigned char *k;  /* the fields' kinds; NULL: all text */
	uint64_t line;
	uint64_t offset;
	const char *raw;      /* the row's bytes, for rejects (may be NULL) */
	size_t raw_len;
	uint64_t err_line;    /* where a ROW_BAD row went wrong, when that */
	uint64_t err_offset;  /* is not its start; err_line 0: its start */
	int fatal;            /* ROW_BAD that no on_error mode can skip */
	char bad[512];        /* why the module called it ROW_BAD */
	const sl_str *names;  /* jsonl's first object: the header its keys
			       * give, valid until the next row; else NULL */
	size_t nnames;
} sl_row;

enum { ROW_END = 0, ROW_OK = 1, ROW_BAD = 2, ROW_ERR = -1 };

struct sl_reader {
	sl_ctx *ctx;
	sl_arena *arena;
	sl_source *src;
	sl_lines *lines;          /* tsv, jsonl, lines */
	const char *name;
	sl_format fmt;
	sl_read_options opt;
	sl_str *names;            /* the header, in the reader's arena */
	size_t nnames;
	int header_state;         /* 0 unknown, 1 known, 2 empty input */
	int pending;              /* row holds a data row not yet handed out */
	int counting;             /* rows after the header need no fields */
	int done;
	sl_row row;
	sl_record rec;
	uint64_t nrows;           /* data rows seen, bad ones included */
	uint64_t skipped;
	unsigned char *want;      /* sl_reader_want(), NULL for all */
	size_t nwant;
	void *state;              /* the format module's */
	int (*next_row)(sl_reader *r);
	sl_str *pad;              /* SL_PAD: a short row and its padding */
	size_t npad;
	uint64_t lead_lines;      /* blank lines sniffing the format dropped */
	uint64_t lead_bytes;      /* and their bytes */
	int par_try;              /* may parse on threads (reader_par.c) */
	struct sl_par *par;       /* parsing on threads, when it does */
	unsigned parts;           /* sl_parts_run() read the body in parts */
	uint64_t par_segments;    /* sl_par_stats() of the last par, kept */
	uint64_t par_redos;       /* when it is freed */
	int par_gave_up;
	int collect;              /* jsonl: a key the header lacks is added
				   * to it (the first pass of --keys union) */
};

/* Set the header from n views (copied into the reader's arena). */
sl_status sl_reader_set_names(sl_reader *r, const sl_str *names, size_t n);

/* format.c: one row per format */
enum { SL_FORMAT_EXTS = 4 };
typedef struct sl_format_def {
	sl_format format;
	const char *name;                /* for -i, -O and messages */
	const char *alias;               /* another name -i takes, or NULL */
	const char *ext[SL_FORMAT_EXTS]; /* extensions that choose it */
	char first;                      /* the first byte (blank lines and
					  * spaces aside) that chooses it in
					  * a stream, 0: none (csv is chosen
					  * when no format's matches) */
	int (*open)(sl_reader *r);       /* set r->next_row: 0, or -1 */
	/* writing (writer.h): what goes before the first record, NULL for
	 * nothing; one record into the row buffer.  0, or -1 */
	int (*write_header)(sl_writer *w);
	int (*write_row)(sl_writer *w, const sl_str *f,
			 const unsigned char *kinds, size_t n);
	/* what goes after the last record (and is all of an empty
	 * output), written when the sink closes; NULL for nothing */
	int (*write_end)(sl_writer *w);
} sl_format_def;
extern const sl_format_def sl_formats[];
/* The length of a file name without the compression's suffix (.gz, .xz,
 * .bz2, .zst), which says nothing of the format. */
size_t sl_format_name_len(const char *name);
/* The row of f; NULL for SL_FORMAT_AUTO or an unknown value. */
const sl_format_def *sl_format_def_of(sl_format f);
/* The format a stream whose first byte (blank lines and spaces aside) is
 * c is read as: the one whose first byte it is, else csv. */
sl_format sl_format_from_first(unsigned char c);

int sl_csv_open(sl_reader *r);
/* csv.c: sl_lines_restart() for the csv reader; the line its next
 * byte is on. */
void sl_csv_restart(sl_reader *r, uint64_t offset);
uint64_t sl_csv_line_at(const sl_reader *r);
int sl_tsv_open(sl_reader *r);
/* expr.c: s (n bytes and a NUL) with the first match of re (every match
 * with global) replaced by repl[0..rn), where \0-\9 are the match and its
 * groups and \\ a backslash, told to emit piece by piece (rename -r, put's
 * replace()).  0, or -1 when emit fails. */
int sl_re_replace(const regex_t *re, const char *s, size_t n,
		  const char *repl, size_t rn, int global,
		  int (*emit)(void *arg, const char *p, size_t len), void *arg);
/* expr.c: the text of a finite double, as expressions print it */
void sl_expr_number_text(char *buf, size_t size, double d);
/* expr.c: put's program of assignments "NAME = EXPR; ..." over the fields
 * names[0..n) (sl_put()); NULL with SL_EINVAL, *errcol the column.  The
 * header it makes: the input's, then each new NAME in order. */
typedef struct sl_prog sl_prog;
sl_prog *sl_prog_compile(sl_arena *a, const char *text, const sl_str *names,
		       size_t n, size_t *errcol);
const sl_str *sl_prog_names(const sl_prog *p, size_t *n);
/* Run it on a record: out (and kout, when not NULL) get the output
 * header's fields, valid until the next run or the input's next record. */
void sl_prog_run(sl_prog *p, const sl_str *in, const unsigned char *kin,
		size_t nin, sl_str *out, unsigned char *kout);
int sl_jsonl_open(sl_reader *r);
/* Is f read by jsonl.c: JSON Lines, or JSON (one array, or lines)? */
/* gzip's and block gzip's 32-bit little-endian fields. */
static inline void sl_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t sl_get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* split.c: read n bytes of fd at off, again after EINTR and short reads:
 * the bytes read, fewer than n only at the end of the file, or -1 with
 * errno. */
ssize_t sl_pread_all(int fd, void *buf, size_t n, uint64_t off);

static inline int sl_format_is_json(sl_format f)
{
	return f == SL_FORMAT_JSONL || f == SL_FORMAT_JSON;
}
int sl_lines_row_open(sl_reader *r);
int sl_writer_header_row(sl_writer *w);
int sl_csv_write_row(sl_writer *w, const sl_str *f, const unsigned char *k,
		     size_t n);
int sl_tsv_write_row(sl_writer *w, const sl_str *f, const unsigned char *k,
		     size_t n);
int sl_jsonl_write_header(sl_writer *w);
int sl_json_write_row(sl_writer *w, const sl_str *f,
		      const unsigned char *kinds, size_t n);
int sl_json_write_end(sl_writer *w);
int sl_jsonl_write_row(sl_writer *w, const sl_str *f,
		       const unsigned char *k, size_t n);
int sl_lines_write_row(sl_writer *w, const sl_str *f,
		       const unsigned char *k, size_t n);

/* jsonl.c: point jansson's allocator at the hooks (once per process). */
void sl_json_init(void);
/* An upper bound of the budget json_loadb() takes for p[0..n), and
 * whether the budget has room for that much more. */
size_t sl_json_parse_cost(const char *p, size_t n);
int sl_json_fits(sl_ctx *ctx, const char *p, size_t n);

/* Non-zero when an allocation hook refused memory since the last
 * sl_hook_enter() on this thread. */
int sl_hook_refused(void);

/* Read the source again from its start (sl_source_range_reset()), as
 * if lr were new, its first byte at stream offset offset. */
void sl_lines_restart(sl_lines *lr, uint64_t offset);
/* Offset in the stream of the line last returned by sl_lines_next(). */
uint64_t sl_lines_offset(const sl_lines *lr);
/* Number lines and offsets on from lines and bytes read before lr. */
void sl_lines_skipped(sl_lines *lr, uint64_t lines, uint64_t bytes);

/* Eight bytes at a time: non-zero when a byte of the word x is the byte
 * repeated in pat (SL_ONES * byte); the classic has-zero-byte test,
 * exact as a yes or no. */
#define SL_ONES  0x0101010101010101ULL
#define SL_HIGHS 0x8080808080808080ULL
static inline uint64_t sl_has_byte(uint64_t x, uint64_t pat)
{
	uint64_t v = x ^ pat;

	return (v - SL_ONES) & ~v & SL_HIGHS;
}

/* text.c: the length of the well-formed UTF-8 sequence at p (n > 0
 * bytes left, p[0] >= 0x80), or 0 when there is none (no overlongs,
 * surrogates or values past U+10FFFF). */
size_t sl_utf8_len(const unsigned char *p, size_t n);
/* text.c: where p[0..n) stops being UTF-8, or n. */
size_t sl_utf8_end(const unsigned char *p, size_t n);
/* text.c: what a byte needs inside a JSON string: 0 nothing, 'u' a
 * \u00XX escape, a letter its short escape (also '"' and '\\'),
 * SL_JSON_U8 a UTF-8 check (bytes >= 0x80). */
#define SL_JSON_U8 8
extern const unsigned char sl_json_class[256];
/* text.c: the first byte of p[i..n) that sl_json_class marks, or n. */
size_t sl_json_scan(const unsigned char *p, size_t i, size_t n);
/* text.c: the escape of byte c (marked, below 0x80) into out; its length,
 * 2 or 6. */
size_t sl_json_escape(unsigned char c, char out[6]);
/* text.c: a 64-bit hash of p[0..n), the same on every machine and run,
 * and the finaliser it ends with (a good mix of one word). */
uint64_t sl_hash64(const void *p, size_t n);
uint64_t sl_mix64(uint64_t x);

/* num.c: is p[0..n) a decimal number, [+-]digits[.digits][e[+-]digits]
 * with digits on at least one side of the point? */
int sl_is_decimal(const char *p, size_t n);
/* text.c: are the 10 bytes at p a date YYYY-MM-DD that exists (the
 * proleptic Gregorian calendar)?  Its year, month and day into ymd when
 * not NULL. */
int sl_iso_date(const char *p, int ymd[3]);
/* num.c: the same, and which (in *d)?  1 or 0. */
int sl_parse_decimal(sl_ctx *ctx, const char *p, size_t n, double *d);

/* num.c: exact sums.  A sum counts units of 10^-scale in a 256-bit two's
 * complement integer (least significant word first) whose magnitude
 * stays below 10^SL_SUM_DIGITS. */
#define SL_SUM_DIGITS 76
#define SL_SUM_TEXT_MAX (SL_SUM_DIGITS + 3)   /* "-0." and the digits */
typedef struct sl_wide {
	uint64_t w[4];
} sl_wide;
/* What a value is to the aggregates (sl_num_classify()). */
enum { SL_NUM_EMPTY, SL_NUM_INT, SL_NUM_FLOAT, SL_NUM_STRING };
int sl_wide_neg(const sl_wide *x);
int sl_wide_zero(const sl_wide *x);
void sl_wide_negate(sl_wide *x);
int sl_wide_mag_shift(sl_wide *m, int k);
int sl_wide_add(sl_wide *s, const sl_wide *m);
int sl_exact_decimal(const char *p, size_t n, sl_wide *m, int *scale);
int sl_exact_add(sl_wide *sum, int *scale, sl_wide *m, int sc);
size_t sl_exact_text(const sl_wide *sum, int scale, char *out);
double sl_exact_mean(const sl_wide *sum, int scale, uint64_t k);
void sl_neumaier_add(double *sum, double *comp, double x);
size_t sl_number_text(double v, char *out, size_t cap);
int sl_num_classify(sl_ctx *ctx, const char *p, size_t n, double *d);
int sl_bytes_order(const char *a, size_t na, const char *b, size_t nb);

/* num.c: the order of two texts sl_parse_decimal() accepts, by their
 * exact value: <0, 0 or >0.  -0 equals 0, 1.50 equals 1.5, 1e3 equals
 * 1000; digits and exponents may be of any length. */
int sl_num_cmp(const char *a, size_t an, const char *b, size_t bn);

/*
 * The same order given the numbers' doubles x and y too (as
 * sl_parse_decimal() made them): doubles that differ order the values
 * alike, as rounding to the nearest double keeps order, so only equal
 * doubles (or a NaN, from a copy the budget refused) need the texts, and
 * only when they are not the same bytes.
 */
static inline int sl_num_order(double x, const char *a, size_t an, double y,
			       const char *b, size_t bn)
{
	if (x < y)
		return -1;
	if (x > y)
		return 1;
	if (an == bn && memcmp(a, b, an) == 0)    /* ties are mostly this */
		return 0;
	return sl_num_cmp(a, an, b, bn);
}

/*
 * sink.c, for spill files: a sink that compresses with codec (an
 * sl_spill_codec) at level into fd, which stays the caller's: gzip (1-3
 * igzip's where the build has ISA-L, else zlib's with Z_RLE) or zstd
 * (SL_SPILL_ZSTD_WLOG).  Its writes are counted
 * in stats (packed, on_disk; raw at the end) and refused past its limit,
 * with messages that name the spill folder dir.  sl_sink_reserve() gives
 * room for n bytes in the buffer (NULL on failure), to be encoded in
 * place and counted by sl_sink_commit(); sl_sink_finish() ends the
 * stream and gives back the buffers and the deflate state at once;
 * sl_sink_abandon() gives them back without finishing.
 */
sl_sink *sl_sink_open_spill(sl_arena *a, int fd, const char *dir,
			    int codec, int level, sl_spill_stats *stats);
/* What libzstd says a compressor at level with a window of 2^wlog bytes
 * (0: the level's own) takes. */
size_t sl_zstd_cmem(int level, int wlog);
/* A spill file's sink written by another thread from now on: its
 * errors go to ctx, and its counters are shared with sinks on other
 * threads, each change made under lock (NULL: not shared). */
void sl_sink_bind(sl_sink *s, sl_ctx *ctx, pthread_mutex_t *lock);
/* Call fn(arg) first when the sink is closed while it is still good:
 * a writer's end of the file (the ']' of a JSON array).  Once. */
void sl_sink_on_close(sl_sink *s, sl_status (*fn)(void *), void *arg);
unsigned char *sl_sink_reserve(sl_sink *s, size_t n);
void sl_sink_commit(sl_sink *s, size_t n);
sl_status sl_sink_finish(sl_sink *s);
uint64_t sl_sink_written(const sl_sink *s);
void sl_sink_abandon(sl_sink *s);

/*
 * What a spill writer's compressor and a spill reader's decompressor
 * take from the budget with some room to spare, beside their chunk-sized
 * buffers (spill.c).
 */
size_t sl_spill_writer_mem(int codec, int level);
/* The window of zstd spill files, as a log: 64 KiB, for the reader's
 * sake (a merge reads hundreds of runs at once). */
#define SL_SPILL_ZSTD_WLOG 16
size_t sl_spill_reader_mem(int codec);
/* SL_OK, or SL_ENOMEM recorded when a zstd spill writer at level would
 * take more than half the ceiling (its tables grow with the level; gzip's
 * writer is the same at every level, and small). */
sl_status sl_spill_check(sl_ctx *ctx, int codec, int level);

/*
 * blocks.c: block gzip, members of a fixed uncompressed size, each with a
 * header of SL_BLOCKS_HEAD bytes whose extra field says its size, its
 * uncompressed size and where its first record starts (SL_BLOCKS_NONE:
 * none does); the last is empty and flagged SL_BLOCKS_EOF.
 * sl_blocks_header() writes such a header; sl_blocks_parse() reads one:
 * 1 and *m set for a block header, 0 for any other gzip header or bytes.
 */
#define SL_BLOCKS_HEAD 32
#define SL_BLOCKS_NONE 0xffffffffu
#define SL_BLOCKS_EOF 1u
#define SL_BLOCKS_MIN ((size_t)4 << 10)
#define SL_BLOCKS_MAX ((size_t)64 << 20)
typedef struct sl_blocks_member {
	uint32_t size, usize, first;
	unsigned flags;
} sl_blocks_member;
void sl_blocks_header(unsigned char *h, unsigned char xfl, uint32_t size,
		      uint32_t usize, uint32_t first, unsigned flags);
int sl_blocks_parse(const unsigned char *h, size_t n, sl_blocks_member *m);
/* Is the sink writing block gzip? */
int sl_sink_blocks(const sl_sink *s);
/* Part `part` of `parts` of the block gzip file open at fd, of size
 * bytes: the header is the stream's bytes [0, head), inflated from the
 * file's [0, head_zto); the part is the stream's [from, to), the bytes
 * from skip on of those inflated from the file's [zfrom, zto).  0, or -1
 * with SL_EDATA (not block gzip, cut short, no record marked) or a read
 * error recorded. */
typedef struct sl_blocks_plan {
	uint64_t head, head_zto;
	uint64_t from, to, zfrom, zto, skip;
	uint64_t members;      /* data members in the file */
} sl_blocks_plan;
int sl_blocks_plan_part(sl_ctx *ctx, int fd, const char *path,
			uint64_t size, uint64_t parts, uint64_t part,
			sl_blocks_plan *p);
/* Write n bytes, from skip on, of what the file's bytes [zfrom, zto)
 * inflate to.  SL_OK or the failure (recorded). */
sl_status sl_blocks_copy(sl_arena *a, const char *path, uint64_t zfrom,
			 uint64_t zto, uint64_t skip, uint64_t n, sl_sink *out);

/*
 * pgzip.c: one gzip member deflated by blocks on worker threads (pigz's
 * way), or with zstd set zstd frames, one a block, written in order
 * through out() on the caller's thread.  sl_pgzip_new() starts at most
 * max workers, as many as 1/share of the free budget holds
 * (sl_pgzip_mem() each), and returns NULL with no error recorded when
 * that is fewer than two: the caller then compresses on its own.  write,
 * flush (everything so far out and decodable) and finish (the trailer)
 * return out()'s status or the error recorded; sl_pgzip_free() stops the
 * workers, whatever state it is in.
 */
typedef struct sl_pgzip sl_pgzip;
typedef sl_status (*sl_pgzip_out)(void *arg, const unsigned char *p,
				  size_t n);
sl_pgzip *sl_pgzip_new(sl_ctx *ctx, const char *name, int zstd, int level,
		       unsigned max, unsigned share, sl_pgzip_out out,
		       void *arg);
size_t sl_pgzip_mem(int zstd, int level, unsigned workers);
sl_status sl_pgzip_write(sl_pgzip *z, const unsigned char *p, size_t n);
/* Block gzip (blocks.c): members of block bytes each, deflated by at most
 * max workers (while a quarter of the free budget holds them), else by
 * the caller (in half of it), else NULL with SL_ENOMEM.  The caller
 * marks where each record starts, before its first byte. */
sl_pgzip *sl_pgzip_members(sl_ctx *ctx, const char *name, int level,
			   size_t block, unsigned max, sl_pgzip_out out,
			   void *arg);
size_t sl_pgzip_members_mem(size_t block, unsigned workers);
sl_status sl_pgzip_mark(sl_pgzip *z);
sl_status sl_pgzip_flush(sl_pgzip *z);
sl_status sl_pgzip_finish(sl_pgzip *z);
void sl_pgzip_free(sl_pgzip *z);

/*
 * split.c: sl_split_open(), but a CSV body is cut as TSV is, at the first
 * '\n' after each nominal cut, without reading the file from its start
 * for quotes.  A cut may then fall inside a quoted field; when it does,
 * the part before it ends inside quotes, which its reader refuses
 * (unterminated quoted field).  So parts that are all read without an
 * error were cut at record boundaries: count's parts use this and count
 * again on one thread when any part fails.
 */
sl_split *sl_split_open_guessing(sl_arena *a, const char *path,
				 uint64_t parts, uint64_t part,
				 const sl_split_options *o);
/* split.c: the first byte of a plain file that is not blank space (after
 * a byte-order mark), in its first 4 KiB; -1 for none, an unreadable or
 * a compressed file. */
int sl_split_first_byte(const char *path);
/* split.c: the part's header, [0, *head), and body, [*from, *to): the
 * bytes sl_split_write() would copy.  SL_OK or the read error. */
sl_status sl_split_range(sl_split *s, uint64_t *head, uint64_t *from,
			 uint64_t *to);

/* split.c: the boundary a guessing split (or one of a format without
 * quotes) puts a cut at: just after the first '\n' at or after byte
 * cut - 1 of the body, or the end of the file.  SL_OK or the read error;
 * SL_EINVAL for a split that follows quotes. */
sl_status sl_split_cut(sl_split *s, uint64_t cut, uint64_t *boundary);

/* reader.c: sl_reader_open() on a source already open (in a). */
sl_reader *sl_reader_open_source(sl_arena *a, sl_source *src,
				 const sl_read_options *opt);
/* reader.c: a reader of parts of the file main reads, one part after
 * another: main's format, options, header and wanted fields; the header
 * is not read again.  Before each part, sl_source_range_reset() on src,
 * then sl_reader_restart() with the offset of the part's first byte as
 * main counts offsets. */
sl_reader *sl_reader_open_parts(sl_arena *a, sl_source *src,
				const sl_reader *main);
void sl_reader_restart(sl_reader *r, uint64_t offset);
/* reader.c: the line r's next byte is on (csv, tsv and lines). */
uint64_t sl_reader_line_at(const sl_reader *r);

/*
 * reader_par.c: the records of a plain file parsed on worker threads and
 * handed out in order.  sl_par_start() is called by the reader once the
 * header is read: NULL, with no error, when the file or the budget is not
 * for it.  sl_par_next() hands out records as sl_reader_next() would,
 * valid until the next call, then NULL: at the end, or when the workers
 * gave up (any error: a cut inside quotes, memory, a read), after
 * sl_par_delivered() records; the reader then reads on alone, after
 * passing over those, and reports any error itself.
 */
typedef struct sl_par sl_par;
sl_par *sl_par_start(sl_reader *r);
const sl_record *sl_par_next(sl_par *p);
int sl_par_gave_up(const sl_par *p);
uint64_t sl_par_delivered(const sl_par *p);
void sl_par_free(sl_par *p);
/* For tests and the curious: the segments, and how many the caller read
 * again itself (a cut in quotes, a segment that failed). */
void sl_par_stats(const sl_par *p, uint64_t *segments, uint64_t *redos);

/* json_array.c: the elements of one JSON array of objects in src, each
 * as one line of JSON Lines (newlines outside strings made spaces), in a
 * buffer valid until the next call; NULL at the end or on an error in
 * the array's structure (recorded).  line and offset: where src starts;
 * sl_jarr_line() and sl_jarr_offset(): where the element given starts. */
typedef struct sl_jarr sl_jarr;
sl_jarr *sl_jarr_new(sl_arena *a, sl_source *src, const char *name,
		     uint64_t line, uint64_t offset);
const sl_str *sl_jarr_next(sl_jarr *ja);
uint64_t sl_jarr_line(const sl_jarr *ja);
uint64_t sl_jarr_offset(const sl_jarr *ja);
/* The line and column (from 1, in bytes) in the file of byte at of the
 * element last given: an error's place in an element of many lines. */
void sl_jarr_locate(const sl_jarr *ja, size_t at, uint64_t *line,
		    uint64_t *col);

/* reader_par.c: the size of path when it is a plain regular file worth
 * reading on threads (not compressed, 4 MiB or more), else 0; *bom: the
 * length of its byte-order mark. */
uint64_t sl_plain_size(const char *path, uint64_t *bom);

/*
 * parts.c: the body of the plain file a reader reads, cut in parts, each
 * read by fn(part) on a thread of its own, for work whose results add up.
 * sl_parts_run() is called once the reader has read its header and no
 * record: NULL when the work was not done (the file or the budget is not
 * for it, or any part failed: its error dropped), the reader untouched;
 * else the parts, fn having read each to its end, and the reader at its
 * end.  fn returns 0, or -1 to give up (every part then stops); it should
 * look at sl_part_stopped() now and then.  The parts hold their readers'
 * memory until sl_parts_free().
 */
typedef struct sl_parts sl_parts;
typedef struct sl_part {
	/* for fn */
	sl_ctx *ctx;            /* the part's thread's: the one budget */
	sl_reader *r;           /* its records: numbers and lines from 1 */
	void *arg;              /* args[index] of sl_parts_run() */
	unsigned index;
	/* once sl_parts_run() has returned */
	uint64_t nrec;          /* the part's records */
	uint64_t number0;       /* records before the part */
	uint64_t line0;         /* lines before its first */
	uint64_t from, to;      /* its bytes in the file */
	/* parts.c's */
	sl_parts *ps;
	sl_arena *arena;
	int (*fn)(struct sl_part *);
	pthread_t thread;
	int ok;
	uint64_t nlines;
	_Atomic uint64_t bytes, records;   /* progress */
} sl_part;

/* args: one for each of n parts (fewer may run: sl_parts_count()). */
sl_parts *sl_parts_run(sl_reader *main, unsigned n, int (*fn)(sl_part *),
		       void *const *args);
unsigned sl_parts_count(const sl_parts *ps);
const sl_part *sl_parts_part(const sl_parts *ps, unsigned i);
/* Another part failed: fn should give up. */
int sl_part_stopped(const sl_part *p);
/* A record of part p numbered as the file's. */
void sl_part_fix(const sl_part *p, sl_record *rec);
void sl_parts_free(sl_parts *ps);

/* spill.c: a run of records in an unlinked, compressed temporary file */
typedef struct sl_spill sl_spill;
/* A temporary file in dir, made and unlinked at once (see spill.c): its
 * descriptor, or -1 with the error recorded. */
int sl_spill_tmpfile(sl_ctx *ctx, const char *dir);
sl_spill *sl_spill_new(sl_arena *a, const char *dir, int codec, int level,
		       sl_spill_stats *stats);
sl_status sl_spill_put(sl_spill *sp, const sl_str *f, size_t n);
/* A record with its kinds and provenance (number, line, offset; its
 * input is the caller's index of the name, 0 for none: a run keeps no
 * names). */
sl_status sl_spill_put_record(sl_spill *sp, const sl_record *rec,
			      uint64_t input);
/*
 * The encoding of a record in a run, for those that keep records in
 * memory in the same compact form (join's table): the body's size, the
 * size with its length in front, and the record written at p (that
 * many bytes) with the end returned.  sl_rec_decode() reads a body of
 * body bytes back into rec, its fields' views in *views (grown, charged
 * to tag): 0, 1 when the bytes are not a record, -1 on failure (the
 * error recorded).
 */
size_t sl_rec_body_size(const sl_record *rec, uint64_t input);
size_t sl_rec_size(size_t body);
unsigned char *sl_rec_encode(unsigned char *p, size_t body,
			     const sl_record *rec, uint64_t input);
/* sl_rec_encode(), with views[i] set to where field i's bytes went. */
unsigned char *sl_rec_encode_views(unsigned char *p, size_t body,
				   const sl_record *rec, uint64_t input,
				   sl_str *views);
int sl_rec_decode(sl_ctx *ctx, const unsigned char *p, size_t body,
		  sl_record *rec, uint64_t *input, sl_str **views,
		  size_t *vcap, const char *tag);
/* A record already encoded by sl_rec_encode(), n bytes at p. */
sl_status sl_spill_put_encoded(sl_spill *sp, const unsigned char *p,
			       size_t n);
/* Finish writing and start reading from the first record. */
sl_status sl_spill_rewind(sl_spill *sp);
/*
 * Read n rewound runs ahead, their next chunk decoded on a thread of its
 * own while the caller reads (a merge): each takes sl_spill_ahead_mem()
 * more of the budget.  NULL, with no error recorded, when the memory or
 * the thread is not there: the runs are then read as before.  Stopped by
 * sl_spill_ahead_stop() once every run has been read to its end or
 * closed, or by the arena's release.
 */
typedef struct sl_spill_ahead sl_spill_ahead;
sl_spill_ahead *sl_spill_ahead_start(sl_arena *a, sl_spill **runs, size_t n);
void sl_spill_ahead_stop(sl_spill_ahead *ra);
size_t sl_spill_ahead_mem(const sl_ctx *ctx);
/* sort.c: the sorter's merge must leave most of the free budget to
 * another sorter that fills while it merges, or to the caller: it reads
 * its runs ahead only within a quarter of it. */
void sl_sorter_leave_room(sl_sorter *s);
/* Write (and rewind) the run on another thread: see sl_sink_bind().  A
 * run is bound back to its arena's context before it is read. */
void sl_spill_bind(sl_spill *sp, sl_ctx *ctx, pthread_mutex_t *lock);
/* The next record, valid until the next call; NULL at the end. */
const sl_str *sl_spill_get(sl_spill *sp, size_t *n);
/* The same as a record, its input's index in *input and its input name
 * NULL; valid until the next call. */
const sl_record *sl_spill_get_record(sl_spill *sp, uint64_t *input);
/* Close the file and free the buffers now (the arena keeps the rest). */
void sl_spill_close(sl_spill *sp);
/* A run to read from fd (owned from now on; closed at once on failure)
 * as if written here: for tests and fuzzing of the reader.  dir names
 * the run in messages and must outlive it. */
sl_spill *sl_spill_open_fd(sl_arena *a, int fd, const char *dir);

/* ctx.c */
sl_status sl_verror(sl_ctx *ctx, sl_status code, const char *fmt, va_list ap);
sl_status sl_status_from_errno(int errnum);
/* When the error recorded is code, put what it means to the caller
 * before its message, as "MEANING: MESSAGE" (tail: "the last N records do
 * not fit"); otherwise do nothing.  The error itself stays the first. */
void sl_error_explain(sl_ctx *ctx, sl_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* tmpfile.c: the process-wide list of temporary files to remove on a
 * signal.  The node is owned by the caller and lives until unregistered. */
typedef struct sl_tmpnode {
	struct sl_tmpnode *volatile next;
	const char *path;
} sl_tmpnode;
void sl_tmpfile_register(sl_tmpnode *node, const char *path);
void sl_tmpfile_unregister(sl_tmpnode *node);

/* zlib's allocator hooks charged to a budget tag. */
typedef struct sl_zalloc {
	sl_ctx *ctx;
	const char *tag;
} sl_zalloc;
void *sl_zalloc_fn(void *opaque, unsigned items, unsigned size);
void sl_zfree_fn(void *opaque, void *p);

#endif /* SLUICE_INT_H */
