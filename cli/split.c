/*
 * split.c - part I of N of a file, cut at record boundaries, header first.
 *
 * The body is the file after its header (CSV and TSV have one unless
 * --no-header; JSON Lines and lines have none).  Nominal cut j of N lies
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
 * passes them.  The scan is the library's sl_csv_scan_next(), which
 * follows the CSV reader's own grammar (a '"' opens a quoted field only
 * where a field starts; "" is a quote inside), jumping from quote to
 * quote with memchr(), so it runs at memory speed.
 *
 * Memory: one read buffer of the chunk size, charged as "split.read",
 * plus whatever the output sink needs (-z).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"usage: sluice split --parts N --part I [OPTIONS] FILE\n"
	"\n"
	"Write part I (1 to N) of N parts of FILE: the header, then a range\n"
	"of the file's bytes that starts and ends at record boundaries, so\n"
	"that N workers can each read a share of one file without copying\n"
	"it:\n"
	"\n"
	"  parallel 'sluice split --parts 4 --part {} f.csv | sluice count'\\\n"
	"     ::: 1 2 3 4\n"
	"\n"
	"Bytes are copied, not parsed.  The parts' bodies, in order, are the\n"
	"file's body exactly: every record is in one part, and a part may be\n"
	"only the header.  A CSV newline inside quotes is not a boundary, so\n"
	"a CSV file is read from its start to the end of the part.  FILE must\n"
	"be a regular, uncompressed file.\n"
	"\n"
	"      --parts N          how many parts in all (1 to 4294967295)\n"
	"      --part I           which part to write, from 1\n";

enum { OPT_PARTS = 512, OPT_PART };

static const struct option longopts[] = {
	{ "parts", required_argument, NULL, OPT_PARTS },
	{ "part", required_argument, NULL, OPT_PART },
	{ NULL, 0, NULL, 0 },
};

struct scan {
	sl_ctx *ctx;
	const char *path;
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

/* Read n bytes at pos into dst.  Returns 0 or -1 (error set). */
static int read_at(struct scan *s, unsigned char *dst, uint64_t pos,
		   size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(s->fd, dst + got, n - got, (off_t)(pos + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sl_error_errno(s->ctx, errno, "cannot read '%s' at"
				       " byte %llu", s->path,
				       (unsigned long long)(pos + got));
			return -1;
		}
		if (r == 0) {
			sl_error(s->ctx, SL_EIO, "'%s' ends at byte %llu, not"
				 " %llu: it changed while being split", s->path,
				 (unsigned long long)(pos + got),
				 (unsigned long long)s->size);
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/*
 * The first record boundary at or after cut, given that s->pos is one:
 * just after the first '\n' outside quotes at or after byte cut - 1, or
 * the end of the file.  The bytes passed are written to s->out when set;
 * s->pos ends at the boundary.  Returns 0 or -1 (error set).
 */
static int advance(struct scan *s, uint64_t cut, uint64_t *boundary)
{
	uint64_t want;
	size_t n, i, from, k, end;

	if (cut <= s->pos) {
		*boundary = s->pos;
		return 0;
	}
	want = cut - 1;
	while (s->pos < s->size) {
		if (!s->csv && !s->out && s->pos < want)
			s->pos = want;    /* nothing before it matters */
		n = s->size - s->pos < s->cap ? (size_t)(s->size - s->pos)
					      : s->cap;
		if (read_at(s, s->buf, s->pos, n) < 0)
			return -1;
		from = 0;
		if (want > s->pos)
			from = want - s->pos < n ? (size_t)(want - s->pos) : n;
		if (s->csv) {
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
static int copy_range(struct scan *s, uint64_t from, uint64_t to)
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
static int body_start(struct scan *s, int header, uint64_t *start)
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

static int refuse_foreign(struct cli *c, const char *path);

/* Open FILE: a regular file that is not gzip.  Returns 0 or -1. */
static int open_file(struct cli *c, struct scan *s)
{
	unsigned char magic[3] = { 0 };
	struct stat st;

	s->fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		sl_error_errno(c->ctx, errno, "cannot open '%s'", s->path);
		return -1;
	}
	if (sl_arena_on_release(c->arena, close_fd, &s->fd) != SL_OK) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	if (fstat(s->fd, &st) < 0) {
		sl_error_errno(c->ctx, errno, "cannot stat '%s'", s->path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sl_error(c->ctx, SL_EDATA, "cannot split '%s': not a regular"
			 " file", s->path);
		return -1;
	}
	s->size = (uint64_t)st.st_size;
	s->cap = sl_ctx_chunk_size(c->ctx);
	s->buf = sl_mem_alloc(c->ctx, s->cap, "split.read");
	if (!s->buf)
		return -1;
	if (sl_arena_on_release(c->arena, sl_mem_free, s->buf) != SL_OK) {
		sl_mem_free(s->buf);
		s->buf = NULL;
		return -1;
	}
	if (read_at(s, magic, 0, s->size < 3 ? (size_t)s->size : 3) < 0)
		return -1;
	if (magic[0] == 0x1f && magic[1] == 0x8b) {
		sl_error(c->ctx, SL_EDATA, "cannot split '%s': it is"
			 " compressed; decompress it first or split the stream",
			 s->path);
		return -1;
	}
	if (magic[0] == 0xef && magic[1] == 0xbb && magic[2] == 0xbf)
		s->skip_to = 3;
	return refuse_foreign(c, s->path);
}

/* A format the library refuses (bzip2, xz, zstd ...): its source says
 * so on the first chunk, naming the tool that undoes it. */
static int refuse_foreign(struct cli *c, const char *path)
{
	sl_arena *a = sl_arena_new(c->ctx, "split.probe");
	sl_source *src = a ? sl_source_open(a, path) : NULL;
	size_t n;

	if (src)
		sl_source_next(src, &n);
	sl_arena_free(a);
	return sl_failed(c->ctx) ? -1 : 0;
}

/* The input format: -i, else the file name, else the reader's sniffing. */
static sl_format input_format(struct cli *c, const char *path)
{
	sl_format f = c->ropt.format;
	sl_read_options ro = c->ropt;
	sl_arena *a;
	sl_reader *r;

	if (f == SL_FORMAT_AUTO)
		f = sl_format_from_name(path);
	if (f != SL_FORMAT_AUTO)
		return f;
	ro.rejects = NULL;
	a = sl_arena_new(c->ctx, "split.sniff");
	r = a ? sl_reader_open(a, path, &ro) : NULL;
	if (r)
		f = sl_reader_format(r);
	sl_arena_free(a);
	return f;
}

int cmd_split(int argc, char **argv, struct cli *c)
{
	uint64_t parts = 0, part = 0, head, start, end;
	const char *parts_arg = NULL, *part_arg = NULL;
	struct scan *s;
	sl_format f;
	int ch, status, header;

	c->usage = usage;
	while ((ch = cli_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case OPT_PARTS:
			parts_arg = optarg;
			break;
		case OPT_PART:
			part_arg = optarg;
			break;
		default:
			return cli_stop(c, ch);
		}
	}
	if (!parts_arg)
		return cli_usage_error(c, "missing --parts N");
	if (!part_arg)
		return cli_usage_error(c, "missing --part I");
	if (cli_parse_count(parts_arg, &parts) < 0 || parts < 1 ||
	    parts > UINT32_MAX)
		return cli_usage_error(c, "invalid --parts '%s' (1 to %lu)",
				       parts_arg, (unsigned long)UINT32_MAX);
	if (cli_parse_count(part_arg, &part) < 0 || part < 1 || part > parts)
		return cli_usage_error(c, "invalid --part '%s' (1 to %llu)",
				       part_arg, (unsigned long long)parts);
	if (optind == argc || strcmp(argv[optind], "-") == 0)
		return cli_usage_error(c, "split needs a regular file: it"
				       " seeks, so it cannot read standard"
				       " input");
	if (argc - optind > 1)
		return cli_usage_error(c, "split takes one FILE, not %d",
				       argc - optind);
	if ((status = cli_start(c)) != 0)
		return status;
	/* in the run arena: the cleanup that closes s->fd runs after we
	 * return */
	if (!(s = sl_arena_alloc(c->arena, sizeof(*s))))
		return cli_fail(c);
	memset(s, 0, sizeof(*s));
	s->ctx = c->ctx;
	s->path = argv[optind];
	s->fd = -1;
	if (open_file(c, s) < 0)
		return cli_fail(c);
	f = input_format(c, s->path);
	if (sl_failed(c->ctx))
		return cli_fail(c);
	switch (f) {
	case SL_FORMAT_CSV:
	case SL_FORMAT_TSV:
		header = !c->ropt.no_header;
		break;
	case SL_FORMAT_JSONL:
	case SL_FORMAT_LINES:
		header = 0;
		break;
	default:
		return cli_usage_error(c, "cannot split %s input",
				       sl_format_name(f) ? sl_format_name(f)
							 : "this");
	}
	if (c->out_format != SL_FORMAT_AUTO && c->out_format != f)
		return cli_usage_error(c, "split copies bytes: it cannot write"
				       " %s input as %s", sl_format_name(f),
				       sl_format_name(c->out_format));
	s->csv = f == SL_FORMAT_CSV;
	s->delim = c->ropt.delimiter ? c->ropt.delimiter : ',';
	sl_csv_scan_init(&s->quotes, s->delim);
	if (body_start(s, header, &head) < 0)
		return cli_fail(c);
	s->pos = head;
	sl_csv_scan_init(&s->quotes, s->delim);
	if (advance(s, head + share(s->size - head, part - 1, parts),
		    &start) < 0)
		return cli_fail(c);
	if (!(s->out = cli_open_output(c)))
		return cli_fail(c);
	if (copy_range(s, 0, head) < 0 ||
	    advance(s, head + share(s->size - head, part, parts), &end) < 0)
		return cli_fail(c);
	return cli_close_output(c, s->out);
}
