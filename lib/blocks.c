/*
 * blocks.c - block gzip: the header each member carries (written by
 * pgzip.c), and the walk over a file's members that finds part I of N
 * of it (for split.c).
 *
 * A block gzip file is a series of gzip members (RFC 1952), each the
 * deflate of one block of the uncompressed stream, every block the same
 * size but the last, then an empty member that ends the stream.  Any gzip
 * reader reads the whole as one stream.  Each member's header sets FEXTRA
 * and holds one subfield, SI1 'S', SI2 'L', of 16 bytes, little-endian:
 *
 *    0  version, 1
 *    1  flags: SL_BLOCKS_EOF on the empty member that ends the stream
 *    2  two bytes, 0
 *    4  the member's size in bytes, header to trailer
 *    8  its uncompressed size
 *   12  where the first record that starts in the member starts, counted
 *       from the member's first uncompressed byte; 0xffffffff if none
 *
 * So a header is 32 bytes: gzip's 10, XLEN, and the subfield's 4 + 16.
 * The sizes chain the members without inflating any; the record starts
 * let a reader begin and end at a record boundary near any member.  The
 * writer marks a record start before each record and after the header,
 * so the first mark in the stream is where the header ends (0 with no
 * header), and a file with data but no mark was not written by records.
 *
 * Part I of N is decided on members: of the M data members, the part
 * begins at the first record start in member floor(M (I-1) / N) or after,
 * and ends where part I+1 begins (the last part at the end of the
 * stream): the parts' bodies, in order, are the stream after its header,
 * each record in one part.  Finding that reads each member's header twice
 * (once to count them), never its data; writing the part inflates the
 * members that hold the header, then those that hold the part, only.
 */
#include <errno.h>
#include <string.h>

#include "sluice_int.h"

#define XLEN 20       /* the subfield: SI1 SI2 LEN and its 16 bytes */
#define SUB_LEN 16
#define VERSION 1

void sl_blocks_header(unsigned char *h, unsigned char xfl, uint32_t size,
		      uint32_t usize, uint32_t first, unsigned flags)
{
	/* ID1 ID2 CM FLG(FEXTRA) MTIME(0) XFL OS(Unix) */
	static const unsigned char lead[10] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0,
						0, 3 };

	memcpy(h, lead, sizeof(lead));
	h[8] = xfl;
	h[10] = XLEN;
	h[11] = 0;
	h[12] = 'S';
	h[13] = 'L';
	h[14] = SUB_LEN;
	h[15] = 0;
	h[16] = VERSION;
	h[17] = (unsigned char)flags;
	h[18] = h[19] = 0;
	sl_put_le32(h + 20, size);
	sl_put_le32(h + 24, usize);
	sl_put_le32(h + 28, first);
}

int sl_blocks_parse(const unsigned char *h, size_t n, sl_blocks_member *m)
{
	if (n < SL_BLOCKS_HEAD || h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 ||
	    h[3] != 4 || h[10] != XLEN || h[11] != 0 || h[12] != 'S' ||
	    h[13] != 'L' || h[14] != SUB_LEN || h[15] != 0 ||
	    h[16] != VERSION)
		return 0;
	m->flags = h[17];
	m->size = sl_get_le32(h + 20);
	m->usize = sl_get_le32(h + 24);
	m->first = sl_get_le32(h + 28);
	/* a size that cannot hold the header, a deflate stream and the
	 * trailer, or a record start past the member's bytes, is no block
	 * header (the end member's start is at its one place, 0) */
	if (m->size < SL_BLOCKS_HEAD + 2 + 8 ||
	    (m->first != SL_BLOCKS_NONE && m->first > m->usize))
		return 0;
	return 1;
}

/* ---- finding a part ---------------------------------------------------- */

struct walk {
	sl_ctx *ctx;
	const char *path;
	int fd;
	uint64_t size;
	uint64_t off;          /* the member's offset in the file */
	uint64_t u;            /* its first uncompressed byte's offset */
	uint64_t k;            /* data members before it */
	sl_blocks_member m;
	int ended;             /* the last member was an end */
};

/* The member header at w->off, fewer bytes at the end of the file:
 * how many, or -1 (error recorded). */
static int read_head(struct walk *w, unsigned char *h)
{
	ssize_t got = sl_pread_all(w->fd, h, SL_BLOCKS_HEAD, w->off);

	if (got < 0)
		sl_error_errno(w->ctx, errno, "cannot read '%s' at byte %llu",
			       w->path, (unsigned long long)w->off);
	return (int)got;
}

static int cut_short(struct walk *w)
{
	sl_error(w->ctx, SL_EDATA, "cannot split '%s': its blocks end at byte"
		 " %llu of %llu without the empty block that ends them (the"
		 " file was cut short, or has bytes after them)", w->path,
		 (unsigned long long)w->off, (unsigned long long)w->size);
	return -1;
}

/*
 * The next member: 1 with w->m set, 0 at the end of the file, -1 on an
 * error (recorded).  Call with w->off at the member, then step().
 */
static int next(struct walk *w)
{
	unsigned char h[SL_BLOCKS_HEAD];
	int n;

	if (w->off == w->size)
		return w->ended ? 0 : cut_short(w);
	if ((n = read_head(w, h)) < 0)
		return -1;
	if (!sl_blocks_parse(h, (size_t)n, &w->m)) {
		if (w->off == 0)
			sl_error(w->ctx, SL_EDATA, "cannot split '%s': it is"
				 " compressed as one gzip stream, which only"
				 " inflates from its start; write it once in"
				 " blocks that split can cut (sluice cat -z"
				 " --blocks -o NEW.gz '%s') and split that",
				 w->path, w->path);
		else if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
			sl_error(w->ctx, SL_EDATA, "cannot split '%s': the gzip"
				 " member at byte %llu is not one of sluice's"
				 " blocks", w->path,
				 (unsigned long long)w->off);
		else
			return cut_short(w);
		return -1;
	}
	if (w->m.size > w->size - w->off)
		return cut_short(w);
	return 1;
}

static void step(struct walk *w)
{
	w->ended = (w->m.flags & SL_BLOCKS_EOF) != 0;
	w->off += w->m.size;
	w->u += w->m.usize;
	if (!w->ended)
		w->k++;
}

/* Where a record start found in the current member puts the part's
 * reading: from the member's bytes (or the next member's, when the start
 * is at the member's end). */
static void begin_at(const struct walk *w, uint64_t *zfrom, uint64_t *skip)
{
	if (w->m.first < w->m.usize) {
		*zfrom = w->off;
		*skip = w->m.first;
	} else {
		*zfrom = w->off + w->m.size;
		*skip = 0;
	}
}

/* ... and where its end does: the bytes before the start are in this
 * member, unless the start is its first byte. */
static uint64_t end_at(const struct walk *w)
{
	return w->m.first > 0 ? w->off + w->m.size : w->off;
}

int sl_blocks_plan_part(sl_ctx *ctx, int fd, const char *path,
			uint64_t size, uint64_t parts, uint64_t part,
			sl_blocks_plan *p)
{
	struct walk w = { .ctx = ctx, .path = path, .fd = fd, .size = size };
	uint64_t m0, m1, total;
	int have_head = 0, have_from = 0, have_to = 0, r;

	/* count the data members, checking the chain */
	while ((r = next(&w)) > 0)
		step(&w);
	if (r < 0)
		return -1;
	p->members = w.k;
	total = w.u;
	m0 = w.k / parts * (part - 1) + w.k % parts * (part - 1) / parts;
	m1 = w.k / parts * part + w.k % parts * part / parts;
	/* the header ends at the first record start; the part begins at the
	 * first in member m0 or after, and ends at the first in member m1
	 * or after (at the end when m1 is the last) */
	p->head = p->from = p->to = total;
	p->head_zto = p->zfrom = p->zto = size;
	p->skip = 0;
	memset(&w.m, 0, sizeof(w.m));
	w.off = w.u = w.k = 0;
	w.ended = 0;
	while ((have_from == 0 || (have_to == 0 && m1 < p->members)) &&
	       (r = next(&w)) > 0) {
		if (w.m.first != SL_BLOCKS_NONE) {
			uint64_t at = w.u + w.m.first;

			if (!have_head) {
				p->head = at;
				p->head_zto = end_at(&w);
				have_head = 1;
			}
			if (!have_from && w.k >= m0) {
				p->from = at;
				begin_at(&w, &p->zfrom, &p->skip);
				have_from = 1;
			}
			if (!have_to && m1 < p->members && w.k >= m1) {
				p->to = at;
				p->zto = end_at(&w);
				have_to = 1;
			}
		}
		step(&w);
	}
	if (r < 0)
		return -1;
	if (!have_head && total > 0) {
		sl_error(ctx, SL_EDATA, "cannot split '%s': its blocks mark no"
			 " record starts (it was written as text, not"
			 " records)", path);
		return -1;
	}
	return 0;
}

sl_status sl_blocks_copy(sl_arena *parent, const char *path, uint64_t zfrom,
			 uint64_t zto, uint64_t skip, uint64_t n, sl_sink *out)
{
	sl_ctx *ctx = sl_arena_ctx(parent);
	sl_arena *a;
	sl_source *src;
	const unsigned char *p;
	size_t got;

	if (n == 0)
		return SL_OK;
	if (!(a = sl_arena_new(ctx, "split.blocks")))
		return sl_errcode(ctx);
	src = sl_source_open_range(a, path, 0, zfrom, zto);
	while (src && n > 0 && (p = sl_source_next(src, &got)) != NULL) {
		if (skip >= got) {
			skip -= got;
			continue;
		}
		p += skip;
		got -= (size_t)skip;
		skip = 0;
		if (got > n)
			got = (size_t)n;
		if (sl_sink_write(out, p, got) != SL_OK)
			break;
		n -= got;
	}
	if (src && n > 0 && !sl_failed(ctx))
		sl_error(ctx, SL_EDATA, "'%s' inflates to fewer bytes than its"
			 " blocks say (at byte %llu): it is corrupt", path,
			 (unsigned long long)zfrom);
	sl_arena_free(a);
	return sl_errcode(ctx);
}
