/*
 * split.c - part I of N of a file, cut at record boundaries, header first.
 *
 * The body is the file after its header (CSV and TSV have one unless
 * no_header; JSON Lines and lines have none).  Nominal cut j of N lies
 * at body start + floor(body size * j / N); each cut moves forward to the
 * next record boundary, just after a '\n' that is not inside a quoted CSV
 * field.  Part I is the header's bytes, then the bytes between cuts I-1
 * and I, copied as they are: the parts' bodies, concatenated in order,
 * are the body of the file, every record lies in exactly one part and a
 * part may be empty.
 *
 * TSV, JSON Lines and lines have no quoting, so a boundary is found by
 * reading near the cut.  Whether a CSV newline is inside quotes depends
 * on everything before it, so the file is scanned from the body start to
 * the end of the part, and the part's bytes are written as the scan
 * passes them.  The scan is sl_csv_scan_next(), which follows the CSV
 * reader's own grammar (a '"' opens a quoted field only where a field
 * starts; "" is a quote inside), jumping from quote to quote with
 * memchr(), so it runs at memory speed.
 *
 * Call order: sl_split_open() checks the file and its format and scans
 * to the part's first byte; sl_split_write() copies the header and the
 * part.  The output is the caller's sink because split copies bytes: no
 * record is parsed or formatted, so there is no stage or writer to feed.
 * Splitting the work in two lets the caller open its output only once
 * the file is known to be splittable, so a refused file leaves no output.
 *
 * Memory: one read buffer of the chunk size, charged as "split.read" and
 * freed with the arena, which also closes the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice_int.h"

struct sl_split {
	sl_ctx *ctx;
	sl_arena *arena;
	const char *path;       /* a copy, in the arena */
	sl_format format;
	int fd;
	uint64_t size;
	unsigned char *buf;
	size_t cap;
	int csv;                /* follow quotes */
	char delim;
	uint64_t pos;           /* bytes before pos are done */
	uint64_t skip_to;       /* a byte-order mark: no effect on the state */
	sl_csv_scan quotes;     /* where the CSV grammar is at pos */
	sl_sink *out;           /* bytes done go here when set */
	uint64_t head;          /* the header is bytes [0, head) */
	uint64_t start;         /* the part's first byte, a boundary */
	sl_csv_scan at_start;   /* the CSV grammar at start */
	uint64_t cut;           /* the nominal cut that ends the part */
	int guess;              /* csv: cuts past the header at the first
				 * '\n' after them, quotes not followed
				 * (sl_split_open_guessing()) */
	int blocks;             /* block gzip: the part is plan's */
	sl_blocks_plan plan;
};

static void close_fd(void *arg)
{
	int *fd = arg;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* floor(a * j / n) for j <= n < 2^32, without overflow. */
static uint64_t share(uint64_t a, uint64_t j, uint64_t n)
{
	return a / n * j + a % n * j / n;
}

ssize_t sl_pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (unsigned char *)buf + got, n - got,
			  (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Read n bytes at pos into dst.  Returns 0 or -1 (error set). */
static int read_at(sl_split *s, unsigned char *dst, uint64_t pos, size_t n)
{
	ssize_t got = sl_pread_all(s->fd, dst, n, pos);

	if (got < 0) {
		sl_error_errno(s->ctx, errno, "cannot read '%s' at byte %llu",
			       s->path, (unsigned long long)pos);
		return -1;
	}
	if ((size_t)got < n) {
		sl_error(s->ctx, SL_EIO, "'%s' ends at byte %llu, not %llu: it"
			 " changed while being split", s->path,
			 (unsigned long long)(pos + (uint64_t)got),
			 (unsigned long long)s->size);
		return -1;
	}
	return 0;
}

/*
 * The first record boundary at or after cut, given that s->pos is one:
 * just after the first '\n' outside quotes at or after byte cut - 1, or
 * the end of the file.  The bytes passed are written to s->out when set;
 * s->pos ends at the boundary.  Returns 0 or -1 (error set).
 */
static int advance(sl_split *s, uint64_t cut, uint64_t *boundary)
{
	int csv = s->csv && !s->guess;
	uint64_t want;
	size_t n, i, from, k, end;

	if (cut <= s->pos) {
		*boundary = s->pos;
		return 0;
	}
	want = cut - 1;
	while (s->pos < s->size) {
		if (!csv && !s->out && s->pos < want)
			s->pos = want;    /* nothing before it matters */
		n = s->size - s->pos < s->cap ? (size_t)(s->size - s->pos)
					      : s->cap;
		if (read_at(s, s->buf, s->pos, n) < 0)
			return -1;
		from = 0;
		if (want > s->pos)
			from = want - s->pos < n ? (size_t)(want - s->pos) : n;
		if (csv) {
			i = s->pos < s->skip_to ? (size_t)(s->skip_to - s->pos)
						: 0;
			if (i > n)
				i = n;
			k = i + sl_csv_scan_next(&s->quotes, s->buf + i,
						 n - i, from > i ? from - i : 0);
		} else {
			const unsigned char *nl = memchr(s->buf + from, '\n',
							 n - from);

			k = nl ? (size_t)(nl - s->buf) : n;
		}
		end = k < n ? k + 1 : n;
		if (s->out && sl_sink_write(s->out, s->buf, end) != SL_OK)
			return -1;
		s->pos += end;
		if (k < n) {
			*boundary = s->pos;
			return 0;
		}
	}
	*boundary = s->size;
	return 0;
}

/* Write bytes [from, to) of the file to s->out. */
static int copy_range(sl_split *s, uint64_t from, uint64_t to)
{
	size_t n;

	while (from < to) {
		n = to - from < s->cap ? (size_t)(to - from) : s->cap;
		if (read_at(s, s->buf, from, n) < 0 ||
		    sl_sink_write(s->out, s->buf, n) != SL_OK)
			return -1;
		from += n;
	}
	return 0;
}

/*
 * Where the body starts: after the first record (the header) of a CSV or
 * TSV file, 0 for the rest.  CSV, like its reader, skips blank lines and
 * a byte-order mark before the header; TSV's header is the first line.
 */
static int body_start(sl_split *s, int header, uint64_t *start)
{
	uint64_t at = s->skip_to;
	size_t n, i;

	*start = 0;
	if (!header)
		return 0;
	if (s->csv) {
		for (;;) {     /* past blank lines: LF, or CR LF */
			if (at >= s->size) {
				*start = s->size;
				return 0;
			}
			n = s->size - at < s->cap ? (size_t)(s->size - at)
						  : s->cap;
			if (read_at(s, s->buf, at, n) < 0)
				return -1;
			for (i = 0; i < n; i++) {
				unsigned char next = 0;

				if (s->buf[i] == '\n')
					continue;
				if (s->buf[i] != '\r')
					break;
				/* a CR is blank only before a LF */
				if (i + 1 < n)
					next = s->buf[i + 1];
				else if (at + n < s->size &&
					 read_at(s, &next, at + n, 1) < 0)
					return -1;
				if (next != '\n')
					break;
				i++;
			}
			at += i;
			if (i > n) {     /* the LF was the next block's */
				i = n;
				continue;
			}
			if (i < n)
				break;
		}
		s->skip_to = 0;
	}
	s->pos = at;
	return advance(s, at + 1, start);
}

/* A format the library refuses (zstd ...): its source says so on the
 * first chunk, naming the tool that undoes it. */
static int refuse_foreign(sl_split *s)
{
	sl_arena *a = sl_arena_new(s->ctx, "split.probe");
	sl_source *src = a ? sl_source_open(a, s->path) : NULL;
	size_t n;

	if (src)
		sl_source_next(src, &n);
	sl_arena_free(a);
	return sl_failed(s->ctx) ? -1 : 0;
}

/* Open the file: a regular file, not compressed, or block gzip (which
 * sets s->blocks).  Returns 0 or -1 (error set). */
static int open_file(sl_split *s, sl_arena *a)
{
	unsigned char magic[SL_MAGIC_MAX] = { 0 };
	size_t m;
	struct stat st;

	s->fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		sl_error_errno(s->ctx, errno, "cannot open '%s'", s->path);
		return -1;
	}
	if (sl_arena_on_release(a, close_fd, &s->fd) != SL_OK) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	if (fstat(s->fd, &st) < 0) {
		sl_error_errno(s->ctx, errno, "cannot stat '%s'", s->path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sl_error(s->ctx, SL_EDATA, "cannot split '%s': not a regular"
			 " file", s->path);
		return -1;
	}
	s->size = (uint64_t)st.st_size;
	s->cap = sl_ctx_chunk_size(s->ctx);
	s->buf = sl_mem_alloc(s->ctx, s->cap, "split.read");
	if (!s->buf)
		return -1;
	if (sl_arena_on_release(a, sl_mem_free, s->buf) != SL_OK) {
		sl_mem_free(s->buf);
		s->buf = NULL;
		return -1;
	}
	m = s->size < sizeof(magic) ? (size_t)s->size : sizeof(magic);
	if (read_at(s, magic, 0, m) < 0)
		return -1;
	/* a compressed file cannot be cut at byte offsets, but block gzip
	 * can be cut between its members */
	if (m >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		s->blocks = 1;
		return 0;
	}
	if (sl_source_magic(magic, m)) {
		sl_error(s->ctx, SL_EDATA, "cannot split '%s': it is"
			 " compressed; decompress it first or split the stream",
			 s->path);
		return -1;
	}
	if (magic[0] == 0xef && magic[1] == 0xbb && magic[2] == 0xbf)
		s->skip_to = 3;
	return refuse_foreign(s);
}

/* The input format: the option, else the file name, else the reader's
 * sniffing. */
static sl_format input_format(sl_split *s, const sl_split_options *o)
{
	sl_read_options ro = { .format = SL_FORMAT_AUTO };
	sl_format f = o->format;
	sl_arena *a;
	sl_reader *r;

	if (f == SL_FORMAT_AUTO)
		f = sl_format_from_name(s->path);
	if (f != SL_FORMAT_AUTO)
		return f;
	ro.delimiter = o->delimiter;
	ro.no_header = o->no_header;
	a = sl_arena_new(s->ctx, "split.sniff");
	r = a ? sl_reader_open(a, s->path, &ro) : NULL;
	if (r)
		f = sl_reader_format(r);
	sl_arena_free(a);
	return f;
}

int sl_split_first_byte(const char *path)
{
	unsigned char buf[4096];
	ssize_t n;
	size_t i = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || sl_source_magic(buf, (size_t)n))
		return -1;
	if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t' ||
				 buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i < (size_t)n ? buf[i] : -1;
}

/* Settle the format and whether a header is carried; -1 (SL_EINVAL) for
 * a format split cannot cut or an output format it cannot write. */
static int settle_format(sl_split *s, const sl_split_options *o,
			 int *header)
{
	sl_format f = input_format(s, o);

	if (sl_failed(s->ctx))
		return -1;
	switch (f) {
	case SL_FORMAT_CSV:
	case SL_FORMAT_TSV:
		*header = !o->no_header;
		break;
	case SL_FORMAT_JSON:
	case SL_FORMAT_JSONL:
		/* one JSON array: its elements are not lines */
		if (sl_split_first_byte(s->path) == '[') {
			sl_error(s->ctx, SL_EINVAL, "cannot split one JSON array"
				 " ('%s'): its elements are not lines; make"
				 " JSON Lines of it first (sluice cat -O jsonl)",
				 s->path);
			return -1;
		}
		f = SL_FORMAT_JSONL;     /* a .json file of lines */
		/* fall through */
	case SL_FORMAT_LINES:
		*header = 0;
		break;
	default:
		sl_error(s->ctx, SL_EINVAL, "cannot split %s input",
			 sl_format_name(f) ? sl_format_name(f) : "this");
		return -1;
	}
	if (o->out_format != SL_FORMAT_AUTO && o->out_format != f) {
		sl_error(s->ctx, SL_EINVAL, "split copies bytes: it cannot"
			 " write %s input as %s", sl_format_name(f),
			 sl_format_name(o->out_format));
		return -1;
	}
	s->format = f;
	s->csv = f == SL_FORMAT_CSV;
	s->delim = o->delimiter ? o->delimiter : ',';
	return 0;
}

/* A new split of path in a, its file open; NULL on failure. */
static sl_split *split_new(sl_arena *a, const char *path, uint64_t parts,
			   uint64_t part)
{
	sl_ctx *ctx = sl_arena_ctx(a);
	size_t len = strlen(path);
	sl_split *s;
	char *copy;

	if (strcmp(path, "-") == 0) {
		sl_error(ctx, SL_EINVAL, "split needs a regular file: it"
			 " seeks, so it cannot read standard input");
		return NULL;
	}
	if (parts < 1 || parts > UINT32_MAX || part < 1 || part > parts) {
		sl_error(ctx, SL_EINVAL, "invalid part %llu of %llu (1 to"
			 " %lu parts)", (unsigned long long)part,
			 (unsigned long long)parts, (unsigned long)UINT32_MAX);
		return NULL;
	}
	s = sl_arena_alloc(a, sizeof(*s));
	copy = s ? sl_arena_alloc(a, len + 1) : NULL;
	if (!copy)
		return NULL;
	memset(s, 0, sizeof(*s));
	memcpy(copy, path, len + 1);
	s->ctx = ctx;
	s->arena = a;
	s->path = copy;
	s->fd = -1;
	return s;
}

static sl_split *split_open(sl_arena *a, const char *path, uint64_t parts,
			    uint64_t part, const sl_split_options *o,
			    int guess)
{
	sl_split_options none = { .format = SL_FORMAT_AUTO };
	uint64_t body;
	sl_split *s;
	int header;

	if (!a || sl_failed(sl_arena_ctx(a)))
		return NULL;
	if (!path)
		path = "-";
	if (!o)
		o = &none;
	s = split_new(a, path, parts, part);
	if (!s || open_file(s, a) < 0 || settle_format(s, o, &header) < 0)
		return NULL;
	if (s->blocks) {
		if (guess) {    /* count's parts read plain files only */
			sl_error(s->ctx, SL_EINVAL, "'%s' is compressed", path);
			return NULL;
		}
		if (sl_blocks_plan_part(s->ctx, s->fd, s->path, s->size, parts,
					part, &s->plan) < 0)
			return NULL;
		return s;
	}
	sl_csv_scan_init(&s->quotes, s->delim);
	if (body_start(s, header, &s->head) < 0)
		return NULL;
	s->guess = guess;
	s->pos = s->head;
	sl_csv_scan_init(&s->quotes, s->delim);
	body = s->size - s->head;
	if (advance(s, s->head + share(body, part - 1, parts), &s->start) < 0)
		return NULL;
	s->at_start = s->quotes;
	s->cut = s->head + share(body, part, parts);
	return s;
}

sl_split *sl_split_open(sl_arena *a, const char *path, uint64_t parts,
			uint64_t part, const sl_split_options *o)
{
	return split_open(a, path, parts, part, o, 0);
}

sl_split *sl_split_open_guessing(sl_arena *a, const char *path,
				 uint64_t parts, uint64_t part,
				 const sl_split_options *o)
{
	return split_open(a, path, parts, part, o, 1);
}

sl_format sl_split_format(const sl_split *s)
{
	return s ? s->format : SL_FORMAT_AUTO;
}

sl_status sl_split_write(sl_split *s, sl_sink *out)
{
	uint64_t end;

	if (!s || !out)
		return SL_EINVAL;
	if (sl_failed(s->ctx))
		return sl_errcode(s->ctx);
	if (s->blocks) {
		const sl_blocks_plan *p = &s->plan;

		/* the first part follows its header: inflated once */
		if (p->from == p->head)
			sl_blocks_copy(s->arena, s->path, 0, p->zto, 0, p->to,
				       out);
		else if (sl_blocks_copy(s->arena, s->path, 0, p->head_zto, 0,
					p->head, out) == SL_OK)
			sl_blocks_copy(s->arena, s->path, p->zfrom, p->zto,
				       p->skip, p->to - p->from, out);
		return sl_errcode(s->ctx);
	}
	/* from the part's start every time, so that it can be written
	 * twice */
	s->pos = s->start;
	s->quotes = s->at_start;
	s->out = out;
	if (copy_range(s, 0, s->head) == 0)
		advance(s, s->cut, &end);
	s->out = NULL;
	return sl_errcode(s->ctx);
}

sl_status sl_split_range(sl_split *s, uint64_t *head, uint64_t *from,
			 uint64_t *to)
{
	if (s->blocks)
		return SL_EINVAL;    /* its offsets are not the file's */
	s->pos = s->start;
	s->quotes = s->at_start;
	s->out = NULL;
	if (advance(s, s->cut, to) < 0)
		return sl_errcode(s->ctx);
	*head = s->head;
	*from = s->start;
	return SL_OK;
}

sl_status sl_split_cut(sl_split *s, uint64_t cut, uint64_t *boundary)
{
	if ((s->csv && !s->guess) || s->blocks)
		return SL_EINVAL;  /* would scan from the body's start */
	s->pos = s->head;
	s->out = NULL;
	if (advance(s, cut, boundary) < 0)
		return sl_errcode(s->ctx);
	return SL_OK;
}
