/*
 * sluice.h - the public interface of libsluice.
 *
 * libsluice processes files far larger than memory at a constant, enforced
 * memory footprint.  Bytes are read in fixed-size chunks, gzip, bzip2, xz
 * and zstd are decompressed on the fly (gzip and zstd compressed on the
 * way out), and every byte the library allocates is charged to one memory
 * budget whose ceiling is never exceeded.
 *
 * This header is the whole API and its manual: what is not declared here is
 * not API.
 *
 * Call sequence
 * -------------
 *
 *     sl_ctx *ctx = sl_ctx_new(&(sl_options){ .max_memory = 64u << 20 });
 *     sl_arena *a = sl_arena_new(ctx, "my.job");
 *     sl_lines *in = sl_lines_open(a, "big.log.gz");
 *     const sl_str *line;
 *     while ((line = sl_lines_next(in)) != NULL)
 *             use(line->ptr, line->len);
 *     if (sl_failed(ctx))
 *             fprintf(stderr, "%s\n", sl_errmsg(ctx));
 *     sl_ctx_free(ctx);       // frees every arena, closes every file
 *
 * Invariants
 * ----------
 * - The library never prints and never exits.  A failing call returns NULL
 *   or a status other than SL_OK and records a message in the context; the
 *   first error wins and after it the context refuses further work.
 * - A NULL from a "next" function means end of data or failure:
 *   sl_failed() tells which.
 * - Memory belongs to arenas.  Objects the library hands out are released
 *   with the arena they were made in, never one by one.  Files, zlib
 *   streams and temporary files are closed or removed by cleanups that the
 *   arena runs when it is reset or freed.
 * - Views (sl_str) point into buffers owned by the reader that returned
 *   them and stay valid until the next call on that reader.
 * - A context and everything made from it belong to one thread at a time.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_VERSION "0.1.0"

/* ------------------------------------------------------------------------
 * Status codes
 *
 * SL_OK is zero; every failure has its own code.  The command-line tool maps
 * them to exit statuses: SL_EDATA 1; SL_EINVAL 2; SL_ENOMEM, SL_EIO and
 * SL_ENOSPC 3.  SL_EPIPE (the reader of our output went away) ends a run
 * quietly with status 0.
 */
typedef enum sl_status {
	SL_OK = 0,
	SL_EINVAL,  /* bad argument or option */
	SL_EDATA,   /* malformed input: corrupt gzip, over-long record ... */
	SL_ENOMEM,  /* the memory ceiling, or the system, refused memory */
	SL_EIO,     /* a read, write, open or rename failed */
	SL_ENOSPC,  /* no space left on a device */
	SL_EPIPE    /* the output's reader closed the pipe */
} sl_status;

/* A view of bytes owned by someone else: not NUL-terminated. */
typedef struct sl_str {
	const char *ptr;
	size_t len;
} sl_str;

typedef struct sl_ctx sl_ctx;
typedef struct sl_arena sl_arena;
typedef struct sl_source sl_source;
typedef struct sl_sink sl_sink;
typedef struct sl_lines sl_lines;
typedef struct sl_reader sl_reader;
typedef struct sl_writer sl_writer;

/* ------------------------------------------------------------------------
 * Context
 *
 * One per run.  It holds the memory budget, the error state and the list of
 * arenas made from it.  sl_ctx_free() runs every arena's cleanups (closing
 * files, removing unfinished temporary files) and releases all memory.
 */

#define SL_DEFAULT_MAX_MEMORY ((size_t)256 << 20)
#define SL_DEFAULT_CHUNK_SIZE ((size_t)64 << 10)
#define SL_MAX_CHUNK_SIZE     ((size_t)1 << 30)

typedef struct sl_options {
	size_t max_memory;  /* ceiling in bytes; 0 means SL_DEFAULT_MAX_MEMORY */
	size_t chunk_size;  /* read/write chunk; 0 means SL_DEFAULT_CHUNK_SIZE;
			       more than SL_MAX_CHUNK_SIZE is cut to it */
	unsigned threads;   /* threads a run may use: 1 runs everything on
			       the caller's thread; 0 means the online
			       cores, at most SL_MAX_THREADS (and more is
			       cut to it).  Every thread charges the one
			       budget: the ceiling holds for any number */
} sl_options;

#define SL_MAX_THREADS 64

/*
 * Make a context.  opt may be NULL for the defaults.
 * Returns NULL only when the system cannot provide the context itself
 * (a few hundred bytes, the one allocation not charged to the budget).
 */
sl_ctx *sl_ctx_new(const sl_options *opt);

/* Run every arena's cleanups, free all memory and the context.  NULL is a
 * no-op. */
void sl_ctx_free(sl_ctx *ctx);

/* The chunk size the context's sources and sinks use. */
size_t sl_ctx_chunk_size(const sl_ctx *ctx);

/* The threads a run of the context may use (1 or more). */
unsigned sl_ctx_threads(const sl_ctx *ctx);

/* Where a run is, for a progress display. */
typedef struct sl_progress {
	uint64_t bytes;       /* read from the inputs so far (for gzip, the
			       * compressed bytes); spill files not counted */
	uint64_t records;     /* records the readers handed out or counted */
	const char *phase;    /* what a sort or group-by is doing ("spilling
			       * run 3", "merging pass 2"), else "" */
} sl_progress;

/*
 * Have fn(arg, p) called after every chunk the context's sources read
 * (inputs and spill files), and when a phase starts; NULL stops it.  It
 * runs on the reading thread in the middle of the work, so it must be
 * quick (look at a clock, draw now and then) and must not change the
 * context (reading it, as sl_mem_in_use() does, is fine).  p is valid
 * as long as the context.
 */
void sl_ctx_on_progress(sl_ctx *ctx,
			void (*fn)(void *arg, const sl_progress *p),
			void *arg);

/* The progress so far (valid as long as the context). */
const sl_progress *sl_ctx_progress(const sl_ctx *ctx);

/* ------------------------------------------------------------------------
 * Errors
 *
 * The first error recorded in a context wins; later calls to sl_error()
 * keep the first message.  Messages are lower case with no final period:
 * what failed, the subject in quotes, then file, line and byte offset.
 */

/* The first error's code, or SL_OK. */
sl_status sl_errcode(const sl_ctx *ctx);

/* The first error's message, or "" when there is none.  Owned by ctx,
 * valid until sl_ctx_free(). */
const char *sl_errmsg(const sl_ctx *ctx);

/* Non-zero when an error has been recorded. */
int sl_failed(const sl_ctx *ctx);

/*
 * Record an error (printf-style message) unless one is already recorded.
 * For code written on top of the library, such as custom stages.
 * Returns code, so that `return sl_error(ctx, SL_EDATA, ...)` reads well.
 */
sl_status sl_error(sl_ctx *ctx, sl_status code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* A short constant name for a status: "data error", "resource error" ... */
/* Record an error from errno, as sl_error() does: ENOSPC, EPIPE and
 * ENOMEM get their own codes, everything else is SL_EIO.  The message
 * gets ": " and strerror(errnum). */
sl_status sl_error_errno(sl_ctx *ctx, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *sl_strstatus(sl_status code);

/* ------------------------------------------------------------------------
 * Memory budget
 *
 * Every allocation the library makes is charged to the context's budget
 * under a tag, a short name such as "gzip.inflate" or "line.carry" (at most
 * SL_TAG_MAX - 1 bytes; longer names are cut).  A request that would take
 * the bytes in use past the ceiling fails with SL_ENOMEM and a message
 * naming the ceiling, the tag and the size asked; nothing aborts.
 *
 * sl_mem_alloc() and friends are for code built on the library that wants
 * its memory counted too; most users only need arenas.
 */

#define SL_TAG_MAX 32

/*
 * Allocate size bytes charged to tag.  Returns NULL and records SL_ENOMEM
 * past the ceiling or when the system refuses.  The block is released with
 * sl_mem_free().  A zero size allocates a minimal block.
 */
void *sl_mem_alloc(sl_ctx *ctx, size_t size, const char *tag);

/*
 * Resize a block from sl_mem_alloc() (p may be NULL).  On failure returns
 * NULL, records SL_ENOMEM and leaves p allocated and unchanged.
 */
void *sl_mem_realloc(sl_ctx *ctx, void *p, size_t size, const char *tag);

/* Release a block from sl_mem_alloc() or sl_mem_realloc().  NULL is a
 * no-op. */
void sl_mem_free(void *p);

size_t sl_mem_ceiling(const sl_ctx *ctx);  /* the ceiling in bytes */
size_t sl_mem_in_use(const sl_ctx *ctx);   /* bytes charged right now */
size_t sl_mem_peak(const sl_ctx *ctx);     /* most bytes ever charged */

/*
 * For tests of error paths: make the n-th charge to the budget from now
 * fail as if past the ceiling (0 turns it off), and count the charges
 * made since; a sweep runs a job once to count its charges, then once
 * failing each.
 */
void sl_mem_fail_at(sl_ctx *ctx, unsigned long n);
unsigned long sl_mem_charges(const sl_ctx *ctx);

/*
 * Write bytes in human units ("512 B", "12.0 MiB") into buf (32 bytes are
 * always enough) and return buf.
 */
const char *sl_format_size(char *buf, size_t bufsize, size_t bytes);

typedef struct sl_tag_stat {
	char tag[SL_TAG_MAX];
	size_t in_use;  /* bytes charged to the tag now */
	size_t peak;    /* most bytes the tag held at once */
} sl_tag_stat;

/*
 * Copy the per-tag tally into out (room for max entries), largest peak
 * first.  Returns the number of tags the budget knows, which may be more
 * than max.
 */
size_t sl_mem_tags(const sl_ctx *ctx, sl_tag_stat *out, size_t max);

/* ------------------------------------------------------------------------
 * Arenas
 *
 * An arena hands out memory from blocks charged to the budget under the
 * arena's tag.  sl_arena_reset() runs the cleanups and makes the memory
 * reusable (a scratch arena per chunk or batch); sl_arena_free() runs them
 * and gives the blocks back (the end of a pipeline or of one input).
 * Cleanups run last registered, first run.
 */

/* Make an arena; NULL on failure (see sl_errmsg). */
sl_arena *sl_arena_new(sl_ctx *ctx, const char *tag);

/* The context an arena draws from. */
sl_ctx *sl_arena_ctx(const sl_arena *a);

/* A new arena that is freed (or reset) with parent, before parent's
 * cleanups run, unless it is freed before; NULL on failure. */
sl_arena *sl_arena_child(sl_arena *parent, const char *tag);

/*
 * size bytes aligned for any type, valid until the arena is reset or
 * freed.  NULL with SL_ENOMEM past the ceiling.
 */
void *sl_arena_alloc(sl_arena *a, size_t size);

/* A NUL-terminated copy of the first len bytes of s in the arena. */
char *sl_arena_strndup(sl_arena *a, const char *s, size_t len);

/*
 * Register fn(arg) to run when the arena is reset or freed.  Returns SL_OK
 * or SL_ENOMEM; on failure fn is not registered (the caller still owns what
 * arg refers to).
 */
sl_status sl_arena_on_release(sl_arena *a, void (*fn)(void *), void *arg);

/* Run the cleanups and forget everything allocated, keeping one block. */
void sl_arena_reset(sl_arena *a);

/* Run the cleanups and release every block.  NULL is a no-op. */
void sl_arena_free(sl_arena *a);

/* ------------------------------------------------------------------------
 * Sources: bytes in, a chunk at a time
 *
 * A source reads a file or standard input in chunks of the context's chunk
 * size.  A gzip, bzip2, xz or zstd stream is recognised by its magic
 * bytes, whatever the file is called, and decompressed on the fly, its
 * state charged to the budget; concatenated members, streams or frames
 * read as one, and zstd's skippable frames are skipped.  An xz dictionary
 * or a zstd window larger than the budget has left is SL_ENOMEM, named
 * with the memory it needs.  A truncated or corrupt stream is an SL_EDATA
 * error naming the file and the compressed byte offset; the bytes
 * returned before it are exactly what the stream held up to that point
 * (for zstd, every whole block before the damage).
 *
 *     sl_source *src = sl_source_open(a, "x.gz");
 *     const unsigned char *p; size_t n;
 *     while ((p = sl_source_next(src, &n)) != NULL)
 *             consume(p, n);
 *     if (sl_failed(ctx)) ...
 */

/*
 * Open path for reading; NULL or "-" means standard input (not closed).
 * The source's memory and its file descriptor belong to arena a.
 * Returns NULL with SL_EIO when the file cannot be opened.
 */
sl_source *sl_source_open(sl_arena *a, const char *path);

/*
 * The next chunk of (decompressed) bytes; its size goes to *size.  The
 * bytes stay valid until the next call on the source.  NULL at the end of
 * the input or on failure.
 */
const unsigned char *sl_source_next(sl_source *src, size_t *size);

/* The name used in messages: the path, or "<stdin>". */
const char *sl_source_name(const sl_source *src);

/* Non-zero when the input is gzip (known after the first sl_source_next). */
int sl_source_is_gzip(const sl_source *src);

/* Bytes read from the file so far (compressed bytes for gzip input). */
uint64_t sl_source_offset(const sl_source *src);

/* Close the file now rather than when the arena goes.  Memory stays with
 * the arena.  Calling sl_source_next() afterwards is an error. */
void sl_source_close(sl_source *src);

/* ------------------------------------------------------------------------
 * Sinks: bytes out
 *
 * A sink writes to standard output or to a named file.  A named file is
 * written to a temporary file in the same folder and renamed into place by
 * sl_sink_close(); if the sink's arena goes before that (an error, a
 * signal handled by the caller through sl_tmpfiles_remove()), the temporary
 * file is removed and an existing file of that name is left untouched.
 * With gzip or zstd set, bytes are compressed on the fly, the compressor's
 * memory charged to the budget.  Every write is checked: a closed pipe
 * gives SL_EPIPE, a full disk SL_ENOSPC, any other failure SL_EIO.
 */

typedef struct sl_sink_options {
	int gzip;   /* 1 deflate, 0 plain, -1 decide by a ".gz" file name */
	int zstd;   /* 1 zstd instead of gzip; 0 zstd only when gzip is -1
		     * and the file name ends in ".zst" */
	int level;  /* gzip 1..9 (1-3 igzip's in a build with ISA-L, else
		     * zlib's; 0 means 3), zstd 1..19 (0 means 3) */
	size_t blocks;  /* gzip only: 0 one stream; else "block gzip",
			 * independent members of this many uncompressed
			 * bytes each (4 KiB to 64 MiB), which
			 * sl_split_open() can cut without inflating what
			 * comes before; see sl_sink_mark() */
} sl_sink_options;

/*
 * Open path for writing; NULL or "-" is standard output.  opt may be NULL
 * (plain, or gzip or zstd by name).  Returns NULL with SL_EIO when the
 * temporary file cannot be made; SL_EINVAL for a bad level, for both
 * gzip and zstd, for a name that says the other one (".gz" with zstd,
 * ".zst" with gzip) or one sluice does not write (".xz", ".bz2");
 * SL_ENOMEM when the zstd level needs more memory than the budget leaves.
 */
sl_sink *sl_sink_open(sl_arena *a, const char *path,
		      const sl_sink_options *opt);

/* Write size bytes.  Returns SL_OK or the failure (also in the context). */
sl_status sl_sink_write(sl_sink *s, const void *p, size_t size);

/*
 * A record starts at the next byte written.  For block gzip each member
 * keeps the first such place in it, which is where a part that split
 * cuts may begin; elsewhere it does nothing.  A writer (sl_writer_new())
 * marks each record and the end of its header itself; bytes written with
 * no mark at all cannot be split.  SL_OK or the failure.
 */
sl_status sl_sink_mark(sl_sink *s);

/*
 * Push buffered bytes to the file (and a gzip sync point, or the end of a
 * zstd block, when compressing: the file decodes up to here).
 * Unlike the other calls it works after an error elsewhere in the context,
 * so that a program can deliver the output that preceded a failure (as
 * `sluice cat` does on standard output with a truncated gzip input).
 */
sl_status sl_sink_flush(sl_sink *s);

/*
 * Finish: flush, end the gzip stream or zstd frame, close the file and
 * rename it into place.  On failure the temporary file is removed.
 * Returns SL_OK or the failure.  After it, the sink accepts no writes.
 */
sl_status sl_sink_close(sl_sink *s);

/* Bytes given to sl_sink_write() so far (before any compression). */
uint64_t sl_sink_bytes(const sl_sink *s);

/* The name used in messages: the path, or "<stdout>". */
const char *sl_sink_name(const sl_sink *s);

/*
 * Remove every temporary file the library has open in this process
 * (unfinished sinks, later spill files).  Async-signal-safe: meant for a
 * SIGINT/SIGTERM handler that then re-raises the signal.
 */
void sl_tmpfiles_remove(void);

/* ------------------------------------------------------------------------
 * Lines
 *
 * A line reader splits a source into lines ended by "\n" or "\r\n"; a last
 * line without an ending is still a line.  A line that straddles chunks is
 * carried over in a buffer charged as "line.carry"; a line longer than the
 * ceiling allows is an SL_ENOMEM error naming the line number.
 */

/* Open path (see sl_source_open) as lines; NULL on failure. */
sl_lines *sl_lines_open(sl_arena *a, const char *path);

/* Read lines from an open source. */
sl_lines *sl_lines_new(sl_arena *a, sl_source *src);

/*
 * The next line without its ending, valid until the next call.  NULL at
 * the end or on failure.
 */
const sl_str *sl_lines_next(sl_lines *lr);

/* The 1-based number of the line last returned (0 before the first). */
uint64_t sl_lines_number(const sl_lines *lr);

/*
 * Count the remaining lines without handing them out; lines may be of any
 * length since none is kept.  Returns the count; check sl_failed().
 */
uint64_t sl_lines_count(sl_lines *lr);

/* ------------------------------------------------------------------------
 * Records
 *
 * A reader turns a file into records: rows of field views (sl_str) plus
 * the header, the names of the fields.  Formats:
 *
 *   csv    RFC 4180 (lib/csv.c has the grammar): a record ends at LF or
 *          CRLF outside quotes; a bare CR is data; a field that starts
 *          with '"' is quoted ("" inside is a quote) and may hold the
 *          delimiter, CR and LF; its closing quote must be followed by
 *          the delimiter, a record end or the end of the input, and any
 *          other byte there is an error located at that byte; a '"'
 *          elsewhere is data; spaces are data; blank lines are skipped; a
 *          UTF-8 byte-order mark is dropped.  The first row is the header
 *          unless no_header is set, when fields are named "1".."N".
 *   tsv    tab-separated, no quoting; \t \n \r \\ escapes in fields;
 *          a line ends at LF or CRLF, and a bare CR is data.
 *   jsonl  one JSON object per line (RFC 8259, strictly: a raw control
 *          byte, invalid UTF-8, a lone surrogate or a repeated key is an
 *          error).  The header is the first object's keys, or the names
 *          given (sl_json_keys() finds every object's); later objects
 *          may leave keys out (SL_KIND_ABSENT fields) but a key the header
 *          lacks is an error.  Each field has its kind (see sl_kind):
 *          numbers keep their original text, whatever their size; strings
 *          are unescaped; true and false read as those words, null as
 *          empty; arrays and objects as compact JSON.
 *   lines  one field named "line" per line (LF or CRLF; a bare CR is
 *          data), no header.
 *   json   one JSON array of objects, each read as a jsonl line is (the
 *          reader takes JSON Lines too).
 *
 * Every record has as many fields as the header.  A row that does not
 * (or an invalid JSON line) is an SL_EDATA error naming the file, record
 * number, line and byte, unless on_error is SL_SKIP: then it is skipped
 * and counted, and, with a rejects sink, written there as one JSON
 * object; or SL_PAD: then a short row is padded with empty fields, and a
 * long one whose extra fields are all empty loses them.
 *
 *     sl_reader *r = sl_reader_open(a, "big.csv.gz", NULL);
 *     const sl_record *rec;
 *     size_t amount = sl_reader_field_index(r, "amount", 6);
 *     while ((rec = sl_reader_next(r)) != NULL)
 *             use(rec->fields[amount]);
 *
 * Records and their views stay valid until the next call on the reader.
 * In the steady state reading allocates nothing per record or field.
 */

typedef enum sl_format {
	SL_FORMAT_AUTO = 0,  /* by file name, else by the first bytes */
	SL_FORMAT_CSV,
	SL_FORMAT_TSV,
	SL_FORMAT_JSONL,     /* JSON Lines, or one JSON array of objects */
	SL_FORMAT_LINES,
	SL_FORMAT_JSON       /* one JSON array of objects; read as jsonl is
			      * (so JSON Lines too), written as an array */
} sl_format;

typedef enum sl_on_error {
	SL_FAIL = 0,  /* a bad record stops the run */
	SL_SKIP,      /* a bad record is skipped, counted and rejected */
	SL_PAD        /* as SL_FAIL, but a record with fewer fields than the
		       * header is padded with empty ones, and one with more
		       * loses them when they are all empty */
} sl_on_error;

/* Whose keys name the fields of JSON input (sl_read_options.keys). */
typedef enum sl_keys {
	SL_KEYS_FIRST = 0,  /* the first object's; a key it lacks is a bad
			     * record */
	SL_KEYS_UNION       /* every object's, in the order first seen */
} sl_keys;

typedef struct sl_read_options {
	sl_format format;
	char delimiter;        /* csv only; 0 means ',' */
	int no_header;         /* csv, tsv: the first row is data */
	sl_on_error on_error;
	sl_sink *rejects;      /* with SL_SKIP: where rejected rows go */
	int utf8;              /* a record whose fields (those wanted, see
				* sl_reader_want) are not valid UTF-8 is bad,
				* and so is such a header: for JSON output */
	/* jsonl: map keys onto these names instead of the first object's
	 * (so that several files share one header); NULL for none */
	const sl_str *names;
	size_t nnames;
	/* jsonl, json: SL_KEYS_UNION names the fields after the keys of
	 * every object of every input, in the order first seen (objects
	 * then lack some: SL_KIND_ABSENT, which JSON output leaves out).
	 * It takes a first pass over the inputs, so only sl_read() and
	 * sl_read_files() honor it (a reader reads with the first
	 * object's keys, or names): a file is read twice, and standard
	 * input is copied as it is read, compressed, into a file in
	 * tmpdir, and read back from there.  Memory holds the keys.  Other
	 * formats are SL_EINVAL. */
	sl_keys keys;
	const char *tmpdir;    /* NULL: $TMPDIR, else /tmp */
} sl_read_options;

/*
 * What a field is.  CSV, TSV and lines give text, whose type nobody
 * stated; JSON Lines states it, and a JSON Lines writer gives it back:
 * JSON in, the same types and texts out, through every verb.
 */
typedef enum sl_kind {
	SL_KIND_TEXT = 0,  /* untyped text: to JSON as a number when it is a
			    * valid JSON number, true/false when it is that
			    * word, else a string */
	SL_KIND_STRING,    /* a JSON string (decoded) */
	SL_KIND_NUMBER,    /* a JSON number, its text as written */
	SL_KIND_BOOL,      /* true or false, as that word */
	SL_KIND_NULL,      /* null; the text is empty */
	SL_KIND_NESTED,    /* an array or object, as compact JSON text */
	SL_KIND_ABSENT     /* the object had no such key; the text is empty
			    * and a JSON writer leaves the key out */
} sl_kind;

typedef struct sl_record {
	size_t nfields;
	const sl_str *fields;
	const unsigned char *kinds;  /* an sl_kind per field; NULL when all
				      * are SL_KIND_TEXT */
	uint64_t number;   /* 1-based data record number within the input */
	uint64_t line;     /* line on which the record starts */
	uint64_t offset;   /* byte offset (uncompressed) where it starts */
	const char *input; /* the input's name for messages; NULL: unknown */
} sl_record;

/* "csv", "tsv", "jsonl", "lines", "json"; NULL for a bad name or 0 and
 * AUTO. */
const char *sl_format_name(sl_format f);

/* The format a name like "csv" stands for ("ndjson" is jsonl; case is
 * ignored); SL_FORMAT_AUTO if none. */
sl_format sl_format_parse(const char *name);

/*
 * The format a file name suggests: .csv .tsv .jsonl .ndjson .json .txt
 * .log, after taking off a .gz, .bz2, .xz or .zst, ignoring case;
 * SL_FORMAT_AUTO when it suggests none.
 */
sl_format sl_format_from_name(const char *path);

/*
 * Open path (NULL or "-" for standard input) as records.  opt may be NULL.
 * With SL_FORMAT_AUTO the format comes from the name, else from the first
 * bytes: "{" means jsonl, "[" json, anything else csv.  A jsonl or json
 * reader whose stream starts with "[" (blank space aside) reads one JSON
 * array of objects, an element at a time, and says it reads json
 * (sl_reader_format()); else JSON Lines, and it says jsonl.  Memory holds
 * the largest element, not the array; an error in the array's structure
 * (a comma missing, an element that is not an object) is SL_EDATA, while
 * a bad element is a bad row.  Returns NULL on failure.
 *
 * With three threads or more (sl_options), a plain CSV, TSV or lines file
 * of 4 MiB or more whose bad rows stop the read (SL_FAIL, SL_PAD) is
 * parsed on worker threads from the first sl_reader_next(): the records,
 * their numbers, lines and offsets, and any error are the same as on one
 * thread, in the same order.  Call sl_reader_want() before it.
 */
sl_reader *sl_reader_open(sl_arena *a, const char *path,
			  const sl_read_options *opt);

/* The format chosen (never SL_FORMAT_AUTO once open). */
sl_format sl_reader_format(const sl_reader *r);

/*
 * The header: field names, valid as long as the reader's arena.  Reads the
 * first record if that is needed to know them.  NULL with *n = 0 for an
 * empty input or on failure (see sl_failed()).
 */
const sl_str *sl_reader_header(sl_reader *r, size_t *n);

/* The index of a field by name, or (size_t)-1. */
size_t sl_reader_field_index(sl_reader *r, const char *name, size_t len);

/*
 * Promise to look only at the fields i with want[i] non-zero (fields past
 * n are wanted).  The reader may then hand out the others empty, which
 * spares copying them (CSV does; other formats ignore it).  want is copied.
 */
sl_status sl_reader_want(sl_reader *r, const unsigned char *want, size_t n);

/* The next record, NULL at the end or on failure. */
const sl_record *sl_reader_next(sl_reader *r);

/*
 * Count the remaining records, checking them as sl_reader_next() would
 * but without handing out fields; a JSON object counts whatever its keys
 * (the header grows to take them).  Check sl_failed() after.
 */
uint64_t sl_reader_count(sl_reader *r);

/* Rows skipped under SL_SKIP so far. */
uint64_t sl_reader_skipped(const sl_reader *r);

/* The name used in messages. */
const char *sl_reader_name(const sl_reader *r);

/* ------------------------------------------------------------------------
 * CSV record boundaries
 *
 * The CSV reader's grammar, followed only as far as finding where records
 * end: for cutting a file into parts without parsing it (sluice split).
 * A record ends at a LF outside quotes; a '"' opens a quoted field only
 * at the start of a field (the first byte, or after the delimiter or a
 * LF), "" inside quotes is a quote, and whatever follows a closing quote
 * other than the delimiter or a record end (an error to the reader) is
 * read as unquoted text.  The state carries over from one call to the
 * next, so a file can be fed in pieces from its first byte (after any
 * byte-order mark).
 *
 *     sl_csv_scan s;
 *     sl_csv_scan_init(&s, ',');
 *     k = sl_csv_scan_next(&s, buf, n, 0);   // k < n: a record ends at
 *                                            // buf[k], a LF; feed on
 *                                            // from buf + k + 1
 */

typedef struct sl_csv_scan {
	char delimiter;
	int state;              /* private */
	unsigned char prev;     /* private: the byte before the next one */
} sl_csv_scan;

/* Start at the first byte of a file; delimiter 0 means ','. */
void sl_csv_scan_init(sl_csv_scan *s, char delimiter);

/*
 * Follow p[0..n) and return the offset of the first LF at or after from
 * that ends a record, or n when there is none: the state is then at the
 * byte after that LF (or after p[n - 1]), and the next call starts
 * there.  LFs before from move the state but are not returned.
 */
size_t sl_csv_scan_next(sl_csv_scan *s, const void *p, size_t n,
			size_t from);

/* ------------------------------------------------------------------------
 * Writers
 *
 * A writer formats records onto a sink: csv quotes only the fields that
 * need it (a delimiter, a quote, \r or \n inside, or a lone empty field;
 * every field with quote_all) and ends rows with \n; tsv escapes \t \n
 * \r \\; jsonl writes each field by its kind (sl_kind): a JSON Lines
 * input's strings, numbers, true/false, null and nested values come out
 * as they went in, a left-out key stays left out, and text (from CSV,
 * TSV or lines) is written as a number when it is a valid JSON number,
 * as true or false when it is that word, and as a string otherwise (the
 * text null too: a JSON null reads back as empty);
 * with the strings option, text, numbers and true/false are all written
 * as strings.  lines joins the fields with tabs, unescaped; a field with a
 * LF, or a last field ending in CR, cannot be a line: SL_EDATA.
 *
 * Each record is built whole in a buffer charged as "writer.row" and then
 * handed to the sink, so a failing record leaves no half row behind; a
 * record whose encoded form does not fit under the ceiling is SL_ENOMEM.
 * A CSV or TSV record of no fields (the JSON object {}) cannot be written:
 * it would be an empty line, which readers skip; that is SL_EDATA.
 *
 *     sl_writer *w = sl_writer_new(a, sink, SL_FORMAT_JSONL, NULL);
 *     sl_writer_header(w, names, n);
 *     while ((rec = sl_reader_next(r)) != NULL)
 *             if (sl_writer_write_record(w, rec)) break;
 */

typedef struct sl_write_options {
	char delimiter;  /* csv only; 0 means ',' */
	int no_header;   /* csv, tsv: do not write the header row */
	int strings;     /* jsonl: text, numbers and booleans as strings */
	int quote_all;   /* csv: quote every field, the header's too */
	const char *input;  /* the name of the input the header came from,
			     * for messages about it (copied); NULL: the
			     * output's name is used */
} sl_write_options;

/* A writer onto sink in format fmt (not AUTO); NULL on failure.  A json
 * writer ends the array when the sink is closed (sl_sink_close()), so the
 * writer's arena must last until then. */
sl_writer *sl_writer_new(sl_arena *a, sl_sink *sink, sl_format fmt,
			 const sl_write_options *opt);

/*
 * Set the field names: csv and tsv write them as the first row (unless
 * no_header); jsonl uses them as keys and needs them.  Copied.  Calling it
 * twice, or after sl_writer_write(), is SL_EINVAL.
 */
sl_status sl_writer_header(sl_writer *w, const sl_str *names, size_t n);

/*
 * Write one record of n fields of text (n must match the header for
 * jsonl).  jsonl needs valid UTF-8: other bytes are an SL_EDATA error.
 */
sl_status sl_writer_write(sl_writer *w, const sl_str *fields, size_t n);

/* Write a record with its kinds (see sl_kind); a message about it names
 * its input, record and line when it has them. */
sl_status sl_writer_write_record(sl_writer *w, const sl_record *rec);

/* Non-zero when the text is a valid JSON number (RFC 8259 grammar). */
int sl_is_json_number(const char *p, size_t n);

/* ------------------------------------------------------------------------
 * Filter expressions
 *
 * A small language over the fields of a record, compiled once into a tree
 * in an arena; evaluating a record allocates nothing once the scratch
 * buffers of lower(), upper() and =~ have grown to the largest value seen.
 *
 *     sl_expr *e = sl_expr_compile(a, "amount > 100 && country =~ \"^N\"",
 *                                  names, nnames, &col);
 *     while ((rec = sl_reader_next(r)) != NULL)
 *             if (sl_expr_eval(e, rec->fields, rec->nfields)) keep(rec);
 *
 * Fields: a bare name (amount), $name, ${name with spaces}, $3 (from 1).
 * Literals: numbers (12, -1.5, 2e3), "strings" or 'strings' with \" \'
 * \\ \n \t \r escapes, true, false.  Operators, loosest first:
 *   ||   &&   == != < <= > >= =~ !~ (no chaining)   + -   * / %
 *   unary ! and -
 * Values are strings, numbers or booleans.  A field is a string; it is
 * also a number when its whole text is a decimal number ([+-]digits, an
 * optional fraction, an optional exponent; no spaces, no inf or nan).
 * Comparisons are numeric when both sides are numbers, byte-wise on the
 * text otherwise.  Numbers that are fields or literals (-12 included)
 * compare by their exact value, whatever their number of digits: 1.0 == 1
 * and 1e3 == 1000 hold, 1234567890123456789 == 1234567890123456788 does
 * not, though the two are one double.  Arithmetic takes numbers
 * (anything else is NaN, which compares false except with !=).  + - and *
 * of decimals of at most 18 digits are exact when the result has at most
 * 18 (0.1 + 0.2 is 0.3, 45.692 * 2 is 91.384); the rest is IEEE 754
 * double arithmetic (x/0 is infinite, % is fmod), and a comparison with
 * a computed number compares both sides as doubles.  =~ and !~ match a
 * POSIX extended regular expression, a string literal compiled once.  The
 * text of an exact result is its decimal, trailing zeros of the fraction
 * dropped; of another number, the integer when it is one (below 2^53),
 * else the shortest decimal that reads back as the same double; of a
 * boolean, true or false.  A value is true when it is a true boolean, a
 * number other than 0 and NaN, or a non-empty string.
 * Functions: len(x) (bytes), lower(x), upper(x) (ASCII), is_empty(x),
 * contains(x, s), starts_with(x, s).
 */

typedef struct sl_expr sl_expr;

/*
 * Compile text against the field names[0..n).  Returns NULL with SL_EINVAL
 * for a syntax error or a field the names lack (the message says which
 * and lists the names); *errcol (if not NULL) gets the 1-based column of
 * the expression where it went wrong, 0 when there is none.  The tree,
 * compiled regular expressions and scratch buffers belong to arena a.
 */
sl_expr *sl_expr_compile(sl_arena *a, const char *text, const sl_str *names,
			 size_t n, size_t *errcol);

/* 1 when the record's fields make the expression true, else 0.  A field
 * index past n reads as an empty string. */
int sl_expr_eval(sl_expr *e, const sl_str *fields, size_t n);

/* ------------------------------------------------------------------------
 * External sort
 *
 * A sorter takes records in any number, holds as many as the memory
 * ceiling allows, sorts them and writes them as a compressed run to a
 * spill file when it is full, then merges the runs k-way (in several
 * passes when there are more runs than the ceiling has room for readers
 * of).  The sort is stable.  Records that fit in memory never touch the
 * disk.  Spill files are unlinked as soon as they are made, so no exit
 * path leaves one behind.
 *
 *     sl_sorter *s = sl_sorter_new(a, keys, nkeys, &(sl_sort_options){0});
 *     while ((rec = sl_reader_next(r)) != NULL)
 *             if (sl_sorter_add(s, rec->fields, rec->nfields)) break;
 *     while ((f = sl_sorter_next(s, &n)) != NULL)
 *             sl_writer_write(w, f, n);
 *
 * Keys compare byte-wise (as LC_ALL=C) unless numeric: a numeric key
 * orders decimal numbers by their exact value, whatever their number of
 * digits (1234567890123456788 before 1234567890123456789, though one
 * double; 1.50, 1.5 and 15e-1 tie), after the fields that are not
 * numbers, which come first in byte order.  reverse turns a key's order
 * round; records equal on every key keep their input order.
 */

typedef struct sl_sorter sl_sorter;

typedef struct sl_sort_key {
	size_t field;     /* index into the record */
	int numeric;
	int reverse;
} sl_sort_key;

/* How spill files are compressed: gzip (igzip's deflate where the build
 * has ISA-L, else zlib's) or zstd (a 64 KiB window).  Either is read back
 * by its magic, so the files describe themselves. */
typedef enum sl_spill_codec {
	SL_SPILL_GZIP = 0,
	SL_SPILL_ZSTD
} sl_spill_codec;

typedef struct sl_sort_options {
	const char *tmpdir;   /* NULL: $TMPDIR, else /tmp */
	int codec;            /* sl_spill_codec of spill files */
	int level;            /* their level: gzip 1-9, zstd 1-19; 0 means 1 */
	uint64_t tmp_limit;   /* bytes spill files may use at once; 0: any */
	size_t mem_limit;     /* bytes of records held in memory at once (the
			       * rest of the budget is left to the caller);
			       * 0: as much as the ceiling allows */
	int no_provenance;    /* records come out without where they were
			       * read (0, NULL): spilled runs are smaller */
} sl_sort_options;

typedef struct sl_spill_stats {
	uint64_t runs;        /* spill files written */
	uint64_t passes;      /* merge passes, the final one included */
	uint64_t raw;         /* bytes of records spilled */
	uint64_t packed;      /* bytes written to disk after compression */
	uint64_t on_disk;     /* bytes of live spill files now */
	uint64_t limit;       /* the tmp_limit */
} sl_spill_stats;

/* A sorter on keys (copied); NULL on failure. */
sl_sorter *sl_sorter_new(sl_arena *a, const sl_sort_key *keys, size_t nkeys,
			 const sl_sort_options *opt);

/* Add a record (copied).  Returns SL_OK or the failure: SL_ENOMEM when
 * one record does not fit, SL_ENOSPC or SL_EIO while spilling. */
sl_status sl_sorter_add(sl_sorter *s, const sl_str *fields, size_t n);

/* Add a record with its kinds and provenance (number, line, offset and
 * input name, all copied). */
sl_status sl_sorter_add_record(sl_sorter *s, const sl_record *rec);

/* The next record in order (the first call ends the input), valid until
 * the next call; NULL at the end or on failure. */
const sl_str *sl_sorter_next(sl_sorter *s, size_t *n);

/* The same as a record with its kinds and the provenance it was added
 * with (0 and NULL for a record added by sl_sorter_add()). */
const sl_record *sl_sorter_next_record(sl_sorter *s);

/* Spill counters so far. */
const sl_spill_stats *sl_sorter_stats(const sl_sorter *s);

/*
 * Compare two records by keys as the sorter does: <0, 0 or >0.  Fields
 * past a record's end are empty.  Numeric keys are parsed on each call
 * (keys after the 64th numeric one are left out; a number over 127
 * bytes is parsed in memory charged to ctx).
 */
int sl_sort_compare(sl_ctx *ctx, const sl_sort_key *keys, size_t nkeys,
		    const sl_str *a, size_t na, const sl_str *b, size_t nb);

/* ------------------------------------------------------------------------
 * Aggregation
 *
 * An aggregator groups records by key fields and sums up value fields per
 * group.  Groups live in a hash table; when it outgrows half the ceiling,
 * its groups go, as partial states, to a sorter that spills them to
 * compressed runs, and the table starts again empty.  At the end the runs
 * are merged and the states of equal keys combined, so any number of
 * groups works under the ceiling.  Groups come out in byte order of their
 * keys.
 *
 *     sl_agg_op ops[] = { SL_AGG_COUNT, SL_AGG_SUM };
 *     sl_agg *g = sl_agg_new(a, 1, 1, ops, 2, NULL);
 *     while ((rec = sl_reader_next(r)) != NULL)
 *             sl_agg_add(g, &rec->fields[0], &rec->fields[3]);
 *     while ((key = sl_agg_next(g)) != NULL)
 *             printf("%.*s %s\n", (int)key[0].len, key[0].ptr,
 *                    sl_agg_result(g, 0, SL_AGG_SUM).ptr);
 *
 * Values: empty, or an integer ([+-]digits), or a decimal number (the
 * filter language's: digits, a point, an exponent), or another string.
 * sum, mean and stddev take the numbers.  sum is exact, a 256-bit
 * decimal, while every number and every sum so far, written without an
 * exponent and with as many decimals as the number with the most
 * (trailing zeros aside), has at most 76 digits, decimals included: a
 * billion numbers of 38 digits before the point and 28 after, say.
 * Beyond that it is a double (Neumaier's compensated sum).  mean is the
 * double nearest the exact sum over the count (while the sum is exact);
 * stddev is the sample standard deviation (Welford's method).  min and
 * max are values of the input, written as they came (007, 1.50, 1e5, an
 * id of 40 digits): numbers, in order of exact value and equal ones in
 * byte order, come before other strings, which compare byte-wise; empty
 * values are left out.  Quantiles p50, p90 and p99 are the number of
 * nearest rank ceil(q * n) in that order, written as it came too while
 * exact (a sketch's quantile is a double).  distinct counts distinct
 * values (the empty one included).  first and last are the values of the
 * group's first and last records.  Numbers worked out as doubles are
 * written in their shortest round-trip form, integers without a point.
 *
 * Exactness: every aggregate is exact except, without keys and without
 * the exact option, distinct past 65536 distinct values (then a
 * HyperLogLog: within 2.5% with 99.7% probability) and quantiles past
 * 65536 numbers (then a KLL sketch: rank within 1.65% of n with 99%
 * probability), or sooner when the exact values of all the fields pass
 * a quarter of the ceiling.  With keys, or with the exact option, distinct and
 * quantiles come from sorting (group, value) pairs under the ceiling
 * instead of from a table.
 *
 * Partial states: sl_agg_write_partial() writes every group's state as
 * one line of JSON; sl_agg_add_partial() combines such a line into
 * another aggregator of the same spec.  Combining the states of parts
 * gives what one run over the whole gives (stddev up to rounding, first
 * and last in the order the parts are added).  Distinct and quantiles
 * with keys, or with the exact option, have no partial state.
 */

typedef enum sl_agg_op {
	SL_AGG_COUNT,      /* values, empty ones included */
	SL_AGG_EMPTY,      /* empty values */
	SL_AGG_TYPE,       /* int, float, string, or empty when all are */
	SL_AGG_MIN,
	SL_AGG_MAX,
	SL_AGG_SUM,
	SL_AGG_MEAN,
	SL_AGG_STDDEV,
	SL_AGG_DISTINCT,
	SL_AGG_P50,
	SL_AGG_P90,
	SL_AGG_P99,
	SL_AGG_FIRST,
	SL_AGG_LAST,
	SL_AGG_NOPS
} sl_agg_op;

/* The name of an op ("count", "p50" ...), and back: -1 for none. */
const char *sl_agg_op_name(sl_agg_op op);
int sl_agg_op_parse(const char *name, size_t len);

typedef struct sl_agg_options {
	const char *tmpdir;   /* spill files; NULL: $TMPDIR, else /tmp */
	int codec;            /* sl_spill_codec of spill files */
	int level;            /* their level: gzip 1-9, zstd 1-19; 0 means 1 */
	uint64_t tmp_limit;   /* bytes spill files may use at once; 0: any */
	int exact;            /* distinct and quantiles exact, by sorting */
} sl_agg_options;

typedef struct sl_agg sl_agg;

/* An aggregator of records split into nkeys key fields and nfields value
 * fields, computing ops[0..nops) (copied) of each value field; NULL on
 * failure. */
sl_agg *sl_agg_new(sl_arena *a, size_t nkeys, size_t nfields,
		   const sl_agg_op *ops, size_t nops,
		   const sl_agg_options *opt);

/* Add one record: its nkeys keys and nfields values (copied as needed). */
sl_status sl_agg_add(sl_agg *g, const sl_str *keys, const sl_str *values);

/* Combine one line written by sl_agg_write_partial() (no newline).
 * SL_EDATA for a line that is not such a state. */
sl_status sl_agg_add_partial(sl_agg *g, const char *line, size_t len);

/* The next group (the first call ends the input): its keys, valid until
 * the next call; NULL at the end or on failure.  Without keys there is
 * one group, even for no records. */
const sl_str *sl_agg_next(sl_agg *g);

/* The current group's number of records. */
uint64_t sl_agg_rows(const sl_agg *g);

/* The text of op over value field f in the current group, NUL-terminated,
 * valid until the next call; empty when there is no such value (the mean
 * of no numbers).  An op not given to sl_agg_new() is empty too. */
sl_str sl_agg_result(sl_agg *g, size_t f, sl_agg_op op);

/* Write every group's partial state (this ends the input like
 * sl_agg_next(); call one or the other). */
sl_status sl_agg_write_partial(sl_agg *g, sl_sink *out);

/* Spill counters so far. */
const sl_spill_stats *sl_agg_stats(const sl_agg *g);

/* What a stream of partial states is: its first line. */
typedef struct sl_agg_spec {
	const char *verb;            /* the verb that wrote it */
	const sl_str *keys;          /* key names */
	size_t nkeys;
	const sl_str *fields;        /* value field names */
	size_t nfields;
	const sl_agg_op *ops;
	size_t nops;
	uint64_t top;                /* freq -n; 0 for all */
} sl_agg_spec;

/* Write the first line of a partial stream. */
sl_status sl_agg_write_header(sl_ctx *ctx, sl_sink *out,
			      const sl_agg_spec *spec);

/* Read a first line into *spec (its strings in arena a).  SL_EDATA when
 * it is not one. */
sl_status sl_agg_read_header(sl_arena *a, const char *line, size_t len,
			     sl_agg_spec *spec);

/* ------------------------------------------------------------------------
 * Random numbers
 *
 * A seeded stream of pseudo-random numbers (xoshiro256** seeded through
 * splitmix64): the same seed gives the same numbers on every machine and
 * in every version, which is what makes `sluice gen` tables and
 * sl_sample() picks reproducible.  Not for secrets.
 *
 *     sl_rng r;
 *     sl_rng_seed(&r, 42);
 *     uint64_t die = 1 + sl_rng_below(&r, 6);
 *
 * The state is the caller's (no allocation, no context); one stream must
 * not be used by two threads at once.
 */

typedef struct sl_rng {
	uint64_t s[4];
} sl_rng;

/* Start the stream of seed in *r. */
void sl_rng_seed(sl_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t sl_rng_next(sl_rng *r);

/* Uniform in [0, n), n > 0, without bias; draws one number from r, now
 * and then more. */
uint64_t sl_rng_below(sl_rng *r, uint64_t n);

/* x (64 random bits) scaled into [0, n): the high half of x * n.  Biased
 * by at most n / 2^64, fine for synthetic data; one draw, always. */
uint64_t sl_rng_scale(uint64_t x, uint64_t n);

/* ------------------------------------------------------------------------
 * Parts of a file
 *
 * Part I of N of a file, for N workers that each read a share of one file
 * without copying it: the header, then a range of the file's bytes that
 * starts and ends at record boundaries (sluice split).  Cut j of N lies at
 * floor(body size * j / N) bytes into the body (the file after its
 * header) and moves forward to just after the next '\n' that ends a
 * record; in CSV a '\n' inside quotes does not (see "CSV record
 * boundaries"), so a CSV file is read from its start to the end of the
 * part.  The parts' bodies, in order, are the file's body exactly: every
 * record is in one part, and a part may be only the header.  Bytes are
 * copied as they are, never parsed, so the output is a sink.
 *
 *     sl_split *sp = sl_split_open(a, "big.csv", 4, i, NULL);
 *     sl_sink *out = sp ? sl_sink_open(a, "part.csv", NULL) : NULL;
 *     if (!out || sl_split_write(sp, out) != SL_OK ||
 *         sl_sink_close(out) != SL_OK)
 *             fprintf(stderr, "%s\n", sl_errmsg(ctx));
 *
 * The file must be a regular file (split seeks) and not compressed, or
 * block gzip (sl_sink_options.blocks), which is cut between members
 * instead: of its M data members, part I starts at the first record that
 * starts in member floor(M (I-1) / N) or after, and only the members
 * that hold the header and the part are inflated.
 * Memory: one read buffer of the chunk size, "split.read" (and for block
 * gzip an inflate state while a part is written).
 */

typedef struct sl_split sl_split;

typedef struct sl_split_options {
	sl_format format;      /* AUTO: by the file name, else by the first
				* bytes as the reader does */
	char delimiter;        /* csv only; 0 means ',' */
	int no_header;         /* csv, tsv: the first row is data, not a
				* header to carry into every part */
	sl_format out_format;  /* AUTO, or the format the caller means the
				* part to be in: bytes are copied, so any
				* other than the input's is refused */
} sl_split_options;

/*
 * Open part `part` (1 to parts, parts at most 2^32 - 1) of the file at
 * path in arena a, and find where the part starts (in CSV, by reading the
 * file up to there).  o may be NULL.  Returns NULL on failure: SL_EINVAL
 * for standard input ("-"), a part out of range, a format that cannot be
 * split or another out_format; SL_EDATA for a file that is not regular,
 * is compressed other than as block gzip, or is block gzip cut short or
 * with no record start marked; SL_ENOMEM; the status sl_error_errno() gives when it
 * cannot be opened or read.  The file stays open until a is freed.
 */
sl_split *sl_split_open(sl_arena *a, const char *path, uint64_t parts,
			uint64_t part, const sl_split_options *o);

/*
 * Count the records of the input at path (NULL or "-": standard input)
 * read with opt (NULL for the defaults): *records, and *skipped, the bad
 * records skipped under SL_SKIP.  With threads, a plain CSV, TSV or lines
 * file of 4 MiB or more is counted in parts, one a thread (see "Parts of
 * a file"), under the same ceiling; any error is reported as a count on
 * one thread reports it.  Returns SL_OK or the error (also in the
 * context); the counts are 0 on error.
 */
sl_status sl_count_input(sl_arena *a, const char *path,
			 const sl_read_options *opt, uint64_t *records,
			 uint64_t *skipped);

/* The format of the file being split (SL_FORMAT_AUTO for NULL). */
sl_format sl_split_format(const sl_split *s);

/*
 * Write the part to out: the header's bytes, then the part's.  May be
 * called again for another sink.  Returns SL_OK or the failure (also in
 * the context): a read error, or the sink's.  out is not closed.
 */
sl_status sl_split_write(sl_split *s, sl_sink *out);

/* ------------------------------------------------------------------------
 * Pipelines of stages
 *
 * A stage hands out records one at a time, pulling them from the stage
 * before it: a reader, then any number of stages, then sl_write().
 *
 *     sl_iter *it = sl_read(a, "sales.csv.gz", NULL);
 *     it = sl_filter(it, "amount > 100", 0);
 *     it = sl_sort(it, "country,amount:nr", NULL);
 *     it = sl_head(it, 10);
 *     if (!it || sl_write(it, "-", NULL) != SL_OK)
 *             fprintf(stderr, "%s\n", sl_errmsg(ctx));
 *
 * A constructor given a NULL upstream returns NULL (and so does one that
 * runs out of memory), so a chain is built first and checked once.  Every
 * stage lives in the arena of the first (sl_read's); freeing that arena
 * frees the pipeline, spill files and all.  Every stage charges the one
 * budget.  Nothing is read until the first sl_iter_header() or
 * sl_iter_next(): that is when key and field lists are resolved against
 * the header, so a bad name is reported then, as SL_EINVAL.
 *
 * Key, field and aggregate lists are the strings the command line takes:
 * comma-separated names or 1-based positions ("country,3"); a sort key
 * may end in ":n" (numeric), ":r" (reverse) or ":nr".  An empty list (or
 * NULL) means every field, left to right, where a verb allows it.
 *
 * A record a stage hands out keeps the provenance its reader gave it
 * (input, number, line, offset), so that an error in a late stage still
 * names the input line; records a stage makes of its own (uniq -c's,
 * stats') have none.  A record is valid until the next call on the stage.
 */

typedef struct sl_iter sl_iter;

/* The next record; NULL at the end or on failure (see sl_failed()). */
const sl_record *sl_iter_next(sl_iter *it);

/* The names of the fields the stage hands out, their number in *n; NULL
 * when the input was empty (no header at all) or on failure. */
const sl_str *sl_iter_header(sl_iter *it, size_t *n);

/* The format of the first input (for a writer's default), once the
 * header is read. */
sl_format sl_iter_format(sl_iter *it);

/* The name of the input the header came from, for messages; NULL
 * before the header is read. */
const char *sl_iter_input(sl_iter *it);

/* The context of the pipeline. */
sl_ctx *sl_iter_ctx(const sl_iter *it);

/* Bad records the readers of the pipeline skipped (SL_SKIP). */
uint64_t sl_iter_skipped(const sl_iter *it);

/* The spill counters of every stage of the pipeline that spills, added
 * up.  Returns how many stages may spill (0: none, and *out is zero). */
int sl_iter_spill_stats(const sl_iter *it, sl_spill_stats *out);

/* Read one input (NULL or "-": standard input); see sl_reader_open(). */
sl_iter *sl_read(sl_arena *a, const char *path, const sl_read_options *o);

/*
 * Read inputs paths[0..n) as one stream of records, one after the other
 * (n == 0: standard input).  The first input that has a header gives it;
 * a later CSV or TSV input must have the same header (SL_EDATA), and a
 * later JSON Lines input is read with its names.
 */
sl_iter *sl_read_files(sl_arena *a, const char *const *paths, size_t n,
		       const sl_read_options *o);

typedef struct sl_gen_options {
	const char *columns;    /* "NAME:TYPE,..."; NULL or "": the default,
				 * id:id,int:int,float:float,date:date,
				 * cat:cat,text:text */
	uint64_t rows;          /* records to make, when sink is NULL */
	const sl_sink *sink;    /* else: stop once its bytes reach size */
	uint64_t size;
	uint64_t seed;
	uint64_t cardinality;   /* distinct cat values; 0: 100 */
} sl_gen_options;

/*
 * A reproducible synthetic table (sluice gen) as the first stage of a
 * pipeline, in arena a: the header is the column names, the format CSV
 * (for a writer's default), and each record is made from one sl_rng
 * stream of the seed, so the same options give the same records on any
 * machine and rows N are a prefix of rows M > N.  Column types: id (1, 2,
 * 3, ...), int (1 to 12 digits, about 10% negative), float (decimals,
 * about 5% in exponent form), date (YYYY-MM-DD from 2000-01-01 to
 * 2029-12-28), cat (cat0000, ... of cardinality values) and text (0 to 60
 * bytes of words, now and then with a comma, quotes or a newline).  A
 * name may appear once; a bad column list is SL_EINVAL here (NULL).
 * Without a sink it makes rows records.  With one, it makes records until
 * sl_sink_bytes(sink) is size or more before the next one, so it stops
 * after the first record that brings the output there, when the header
 * is written to that sink first and each record before the next is asked
 * for (as sl_writer_header() then sl_write_to() do).  o: NULL for no
 * records of the default columns, seed 0.  Records have a number but no
 * input or line.
 */
sl_iter *sl_gen(sl_arena *a, const sl_gen_options *o);

/*
 * The fields in the list, in its order: names, positions and ranges of
 * positions ("2-5", "7-" to the last), each optionally renamed with
 * ":NEW" ("amount:total").  exclude: every field but those in the list
 * (no renames).
 */
sl_iter *sl_select(sl_iter *in, const char *fields, int exclude);

/* Fields renamed: "OLD:NEW,..." (OLD a name or a 1-based position), each
 * field at most once; the others, the order and the records unchanged. */
sl_iter *sl_rename(sl_iter *in, const char *pairs);

/* Fields renamed by a POSIX extended regular expression: in each name it
 * matches, its first match (every match with global) is replaced by repl,
 * where \0 is the match, \1-\9 its groups and \\ a backslash. */
sl_iter *sl_rename_regex(sl_iter *in, const char *regex, const char *repl,
			 int global);

/* The fields in the list (as sl_select()'s, without renames) first, in
 * its order, then the others in theirs; at_end: the others first. */
sl_iter *sl_reorder(sl_iter *in, const char *fields, int at_end);

/*
 * The header as records: "position" (from 1) and "name" of each field.
 * With types, two more, from the first sample records (the rest is not
 * read): "type", the narrowest of int, decimal, bool, date (YYYY-MM-DD),
 * datetime (ISO 8601) and text that every non-empty value fits, or empty
 * when none is; and "empty", the share of values that are empty (null or
 * left out in JSON), to three decimals.  A JSON string is never a number
 * nor a bool, an array or object is text.
 */
sl_iter *sl_headers(sl_iter *in, int types, uint64_t sample);

/* Each empty value of the fields in the list (as sl_keys_parse()'s; empty
 * for every field) replaced by the last non-empty value above it, with
 * its kind; empty is "" in CSV, and "", null or left out in JSON.
 * Memory: a copy of each field's last value. */
sl_iter *sl_fill(sl_iter *in, const char *fields);

/* A record for each piece of field (a name or a position) split at sep
 * (not empty), the other fields as they were; a value without sep is one
 * piece, an empty one an empty piece.  Pieces of a JSON string are
 * strings, of other values text. */
sl_iter *sl_explode(sl_iter *in, const char *field, const char *sep);

/* Adjacent records equal in every field but field made one, its values
 * joined by sep (which may be empty): the reverse of sl_explode().  A
 * group is held whole; one past the ceiling is SL_ENOMEM. */
sl_iter *sl_implode(sl_iter *in, const char *field, const char *sep);

/* The records for which expr (see sl_expr_compile()) is true; with
 * invert, false.  A syntax error is SL_EINVAL at the first read, and
 * sl_iter_errcol() gives its column. */
sl_iter *sl_filter(sl_iter *in, const char *expr, int invert);

/*
 * Fields set from expressions: program is assignments "NAME = EXPR"
 * separated by ';', run in order on each record.  A NAME the header has
 * gets the value; a new one is added at the end of the header.  EXPR is
 * sl_expr_compile()'s language with c ? a : b, a . b (texts joined) and
 * the functions concat, strlen, substr, replace, split, fmtnum,
 * to_number, round, abs, min, max, year, month, day and date_diff (see
 * sluice put --help).  A number that a field or literal gave keeps its
 * text; a computed one is the shortest decimal that reads back as its
 * double; NaN is empty (JSON null).  With kinds (JSON input), each value
 * set is a string, number or bool by what it is.  A syntax error is
 * SL_EINVAL at the first read; sl_iter_errcol() gives its column.
 */
sl_iter *sl_put(sl_iter *in, const char *program);

/* The column of the expression where sl_filter()'s expression went
 * wrong (1-based), 0 when there is none. */
size_t sl_iter_errcol(const sl_iter *it);

/* The first n records; stops pulling once it has them. */
sl_iter *sl_head(sl_iter *in, uint64_t n);

/*
 * The last n records, held in a ring under the budget (tag "tail.ring")
 * and handed out in input order once the upstream has ended; n == 0
 * reads no record.  When they do not fit, SL_ENOMEM with a message that
 * says so before the ceiling's own.
 */
sl_iter *sl_tail(sl_iter *in, uint64_t n);

/*
 * A uniform sample of n records (a reservoir, tag "sample.reservoir"), in
 * input order.  The picks depend only on the seed and the number of
 * records (sl_rng_below() once for each record past the n-th), so the
 * same seed gives the same sample of the same input.
 */
sl_iter *sl_sample(sl_iter *in, uint64_t n, uint64_t seed);

/* The records sorted by the keys (stable), spilling to compressed
 * temporary files when they do not fit (o: NULL for the defaults). */
sl_iter *sl_sort(sl_iter *in, const char *keys, const sl_sort_options *o);

typedef struct sl_uniq_options {
	int count;              /* add a last field, count */
	int keep_first;         /* in order of first occurrence, not of key */
	sl_sort_options sort;   /* for the spill files */
} sl_uniq_options;

/*
 * One record for each distinct key (keys compare byte-wise, an empty
 * list is every field): the first of its group, in key order, or with
 * keep_first in the order of first occurrence.  With count the header
 * gains a last field, "count", the size of the group.  The groups are
 * counted in a hash table that may take a quarter of the ceiling; when
 * they do not fit, the table is emptied into the external sorter (each
 * group once, with its count so far) as often as it fills, spilling
 * under the ceiling, so any number of keys gives the exact answer.  A
 * group's record has the fields, kinds and provenance of its first record
 * (through the sorter, unless sort.no_provenance).  With threads, when
 * in is sl_read() of one plain CSV, TSV or lines file of 4 MiB or more,
 * its parts are counted on threads (a table each, an even share of the
 * quarter) and folded in order: the same records and provenance; keys too
 * many for the parts' tables make it read on one thread.  o: NULL for the
 * defaults.
 */
sl_iter *sl_uniq(sl_iter *in, const char *keys, const sl_uniq_options *o);

/*
 * The records in reverse order, or shuffled: a uniform random order drawn
 * from seed (the same seed and input give the same order).  Both go
 * through the external sorter, spilling under the ceiling like sl_sort(),
 * with the provenance of each record unless o->no_provenance.  o: NULL
 * for the defaults.
 */
sl_iter *sl_reverse(sl_iter *in, const sl_sort_options *o);
sl_iter *sl_shuffle(sl_iter *in, uint64_t seed, const sl_sort_options *o);

typedef enum sl_join_kind {
	SL_JOIN_INNER,          /* pairs of records equal on the keys */
	SL_JOIN_LEFT,           /* and the left's records with no match */
	SL_JOIN_OUTER           /* and the unmatched of both sides */
} sl_join_kind;

typedef enum sl_join_method {
	SL_JOIN_HASH,           /* one side in a table, the other streamed;
				 * grace partitions when it does not fit */
	SL_JOIN_SORT,           /* both sides sorted: output in key order */
	SL_JOIN_SORTED          /* both inputs in key order already, byte-
				 * wise: merged as they come */
} sl_join_method;

typedef enum sl_join_build {
	SL_JOIN_BUILD_AUTO,     /* the smaller of two files, else the right */
	SL_JOIN_BUILD_LEFT,
	SL_JOIN_BUILD_RIGHT
} sl_join_build;

typedef struct sl_join_options {
	sl_join_kind kind;
	sl_sort_options sort;   /* spill files; sort.mem_limit caps the hash
				 * table and the sorters */
	sl_join_method method;
	sl_join_build build;    /* hash: the side in the table */
} sl_join_options;

/*
 * A record for each pair of a left and a right record equal on every key
 * (byte-wise; an empty value equals an empty one); with SL_JOIN_LEFT
 * also each left record with no match, with SL_JOIN_OUTER also each
 * right record with none.  keys: "NAME" or a position (from 1) on both
 * sides, or "LNAME=RNAME" when the right side names it differently,
 * comma-separated for several ("id=user_id,day"); a field may be in one
 * key only.  The header: the keys under the left's names, the left's
 * other fields, then the right's other fields (renamed "right.NAME" when
 * the name is taken).  A record of one side only has the key values of
 * that side and empty fields for the other; when that record has kinds
 * (JSON Lines), those fields are null.  A record keeps where its left
 * record was read (its right one's when it has none).
 *
 * The order, by o->method:
 * - SL_JOIN_HASH (the default): one side is held in a table under the
 *   ceiling, the smaller file when both are files (a compressed one
 *   counted at four times its size), else the right (o->build chooses).
 *   Records come in the other side's order, each with its matches in
 *   theirs; the table side's unmatched records come last, in order.
 *   When the table side does not fit, both sides are split by key hash
 *   into spill files and joined a pair at a time: records then come a
 *   partition at a time.  The records of one key must fit on one side
 *   of their pair (SL_ENOMEM otherwise).
 * - SL_JOIN_SORT: both sides are sorted by the external sorter, the
 *   left first; records come in key order, for one key each left record
 *   with the right ones in their order.  The right side's records of one
 *   key are held in memory ("join.group"), so they must fit.
 * - SL_JOIN_SORTED: the same order, the inputs read as they come; each
 *   must be sorted on its keys, byte-wise (LC_ALL=C sort), else SL_EDATA
 *   names the first record out of order.
 *
 * When either input is empty (no header at all) the other is read
 * through, for its errors, and the join has no header and no records.
 * right is a pipeline of its own, made in left's arena (freed with it);
 * NULL when either is NULL.  A key list that is empty or not of that
 * form is SL_EINVAL here, a key a header lacks at the first read.
 */
sl_iter *sl_join(sl_iter *left, sl_iter *right, const char *keys,
		 sl_join_kind kind);

/* The same with options (spill files); o: NULL for the defaults. */
sl_iter *sl_join_with(sl_iter *left, sl_iter *right, const char *keys,
		      const sl_join_options *o);

/* The n records greatest by the keys (as sl_sort() takes them; ":r"
 * asks for the least), greatest first, ties going to the earlier record:
 * a heap of n under the budget (tag "top.heap").  At most 64 keys
 * (SL_EINVAL). */
sl_iter *sl_top(sl_iter *in, uint64_t n, const char *keys);

/* The n records greatest by the keys in each group of records equal on
 * groups (keys compared as sl_uniq() does), greatest first, ties going to
 * the earlier record; the groups in the order of their keys.  Through the
 * external sorter, spilling under the ceiling, so any number of groups
 * fits.  o: NULL for the defaults. */
sl_iter *sl_top_groups(sl_iter *in, uint64_t n, const char *keys,
		       const char *groups, const sl_sort_options *o);

/*
 * Summary statistics of fields (sluice stats): groups, fields and aggs
 * are lists.  With groups (key fields), one record per distinct key, in
 * byte order of the keys: the keys, then FIELD_AGG for each field and
 * aggregate.  Without, one record per field: "field", then one column
 * per aggregate.  fields empty or NULL: every field but the keys; aggs
 * empty or NULL: count,sum,mean,min,max with groups, else count, empty,
 * type, min, max, sum, mean, stddev, distinct, p50, p90, p99.  An
 * unknown aggregate is SL_EINVAL at once (NULL).  Results are texts of
 * the aggregator (see "Aggregation"); the records have no provenance.
 * The stage reads its whole input when its header is asked for, before
 * the stages after it take their memory.
 */
sl_iter *sl_stats(sl_iter *in, const char *groups, const char *fields,
		  const char *aggs);

/* sl_stats() with options for the aggregator (tmpdir, spill level and
 * limit, exact); o NULL for the defaults. */
sl_iter *sl_stats_opts(sl_iter *in, const char *groups, const char *fields,
		       const char *aggs, const sl_agg_options *o);

/*
 * How often each value of the fields (each combination, for several;
 * every field when the list is empty) occurs (sluice freq): records of
 * the fields and a last one, "count", most frequent first, ties in byte
 * order of the values; only the first n when n > 0.  Exact for any
 * number of distinct values: they spill under the ceiling.  Like
 * sl_stats(), it reads its whole input when its header is asked for.
 */
sl_iter *sl_freq(sl_iter *in, const char *fields, uint64_t n);

/* sl_freq() with options for the aggregator and the ranking sorter
 * (tmpdir, spill level and limit); o NULL for the defaults. */
sl_iter *sl_freq_opts(sl_iter *in, const char *fields, uint64_t n,
		      const sl_agg_options *o);

/*
 * Instead of the records of a stats or freq stage it, write its partial
 * states to out: the header line (sl_agg_write_header()) and every
 * group's state (sl_agg_write_partial()), for sl_agg_add_partial() to
 * combine later.  Reads all of the stage's input; writes nothing for an
 * input with no header.  SL_EINVAL when it is not such a stage, when it
 * has been read already, or when it computes distinct or quantiles with
 * keys or exactly (those have no partial state); else the first error
 * of the pipeline, or SL_OK.
 */
sl_status sl_write_partial(sl_iter *it, sl_sink *out);

/*
 * The records of aggregator g, fed by the caller (with partial states,
 * say), as the verb of spec ("stats" or "freq", else SL_EDATA) hands
 * them out, with spec's names and top; a first stage, in arena a.  spec
 * is copied, but its strings and g must live as long as the pipeline.
 * Its format is CSV, for a writer's default.
 */
sl_iter *sl_agg_results(sl_arena *a, sl_agg *g, const sl_agg_spec *spec,
			const sl_agg_options *o);

/* A stage of one's own.  next() gets the stage's state and its upstream
 * and returns the next record or NULL (at the end, or after recording an
 * error with sl_error()); header(), when set, gives the names of the
 * fields it hands out, else they are upstream's; free(), when set, is
 * called when the pipeline's arena is freed. */
typedef struct sl_stage_ops {
	const sl_record *(*next)(void *state, sl_iter *in);
	const sl_str *(*header)(void *state, sl_iter *in, size_t *n);
	void (*free)(void *state);
} sl_stage_ops;

sl_iter *sl_stage(sl_iter *in, const sl_stage_ops *ops, void *state);

/* Write every record of in to w, whose header the caller has set (with
 * sl_iter_header()'s names, or its own). */
sl_status sl_write_to(sl_iter *in, sl_writer *w);

/*
 * Say that nothing downstream of it will name a record in a message (a
 * csv or tsv writer with a header, which refuses no record for its
 * values): it and the stages above it, up to the first that may name one
 * (sl_filter, sl_stats, sl_freq or a stage of one's own), sort, uniq and
 * join without keeping the records' provenance, which makes their spilled
 * runs smaller.  Call it before the first record is asked for; sl_write()
 * does.
 */
void sl_iter_quiet(sl_iter *it);

/*
 * Write the pipeline to path ("-" or NULL: standard output; ".gz" is
 * compressed), in the format the name asks for, else the first input's;
 * a new file appears whole or not at all.  o: NULL for the defaults.
 * An input with no header at all writes nothing (to a .json name, the
 * empty array []).
 */
sl_status sl_write(sl_iter *in, const char *path, const sl_write_options *o);

/* sl_table()'s options; zero for the defaults. */
typedef struct sl_table_options {
	uint64_t sample;   /* records whose values set the widths (100) */
	size_t max_width;  /* the widest column, in terminal columns (40) */
	int color;         /* the header in bold (an ANSI escape) */
} sl_table_options;

/*
 * The records as an aligned table for a terminal, onto out (not closed):
 * the header, a rule of dashes, then a line a record, columns two spaces
 * apart.  The first sample records are held and set the widths: each
 * column as wide as its widest value or name, at most max_width; when
 * the budget has no room to hold more, fewer are.  Every later record
 * takes the same widths, so memory does not grow with the input.  A
 * value wider than its column is cut with an ellipsis; a column of
 * numbers only is aligned right.  Widths count terminal columns (East
 * Asian wide characters two, combining marks none); LF, CR and tab show
 * as \n, \r and \t, other control bytes and bytes that are not UTF-8
 * as '?'.
 */
sl_status sl_table(sl_iter *in, sl_sink *out, const sl_table_options *o);

/*
 * Keys "NAME[:FLAGS],POS,..." against names[0..n) (flags: with n and r,
 * else a ':' is part of the name), in arena a; their number in *nkeys.
 * An empty or NULL list is every field.  NULL with SL_EINVAL for a name
 * the header lacks or a position past it.
 */
sl_sort_key *sl_keys_parse(sl_arena *a, const char *list,
			   const sl_str *names, size_t n, int flags,
			   size_t *nkeys);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_H */
