/*
 * textout_gzip.c: the gzip writer for convert's NNNN.dat.gz data files (see
 * include/rcr/textout.h).
 *
 * Why not zlib's gzwrite, as pg_dump uses: once floats were formatted with Ryu, deflate was 91%
 * of convert's CPU time on vector data. libdeflate compresses a whole buffer at once and, at
 * the same level 6, took 0.71 s instead of zlib's 2.01 s on 54 MB of converted vector(768)
 * text, and wrote 7% fewer bytes (17.8 MB against 19.1 MB). It has no streaming interface, so
 * the text is cut into members of RCR_TEXTOUT_GZ_MEMBER bytes, each a complete gzip stream;
 * the file is their concatenation, which RFC 1952 (section 2.2) defines as a valid gzip file
 * and which zlib's gzread, and therefore every pg_restore, reads as one stream (as do gzip -d
 * and zcat). A mebibyte per member costs nothing measurable in ratio: deflate's window is
 * 32 KiB anyway.
 */
#include "rcr/textout.h"

#include "rcr/err.h"
#include "rcr/fsutil.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

struct rcr_textout_gz {
	struct libdeflate_compressor *c;
	int fd;
	const char *path; /* borrowed, for messages */
	uint8_t *in;      /* RCR_TEXTOUT_GZ_MEMBER bytes of pending text */
	size_t in_len;
	uint8_t *out; /* room for one compressed member */
	size_t out_cap;
	int members; /* members written so far */
};

int rcr_textout_gz_new(rcr_textout_gz **out, int fd, int level, const char *path)
{
	*out = NULL;
	if (level < 1 || level > 9)
		return rcr_error_set(RCR_E_USAGE, "gzip level %d for '%s' is not between 1 and 9", level, path);
	rcr_textout_gz *g = calloc(1, sizeof *g);
	if (!g)
		return rcr_error_set(RCR_E_NOMEM, "out of memory starting gzip for '%s'", path);
	g->fd = fd;
	g->path = path;
	g->c = libdeflate_alloc_compressor(level);
	g->in = malloc(RCR_TEXTOUT_GZ_MEMBER);
	if (g->c)
		g->out_cap = libdeflate_gzip_compress_bound(g->c, RCR_TEXTOUT_GZ_MEMBER);
	g->out = g->c ? malloc(g->out_cap) : NULL;
	if (!g->c || !g->in || !g->out) {
		rcr_textout_gz_free(g);
		return rcr_error_set(RCR_E_NOMEM, "out of memory starting gzip for '%s'", path);
	}
	*out = g;
	return 0;
}

/* Compresses n bytes at p (at most one member's worth) as one member and writes it. */
static int put_member(rcr_textout_gz *g, const uint8_t *p, size_t n)
{
	size_t k = libdeflate_gzip_compress(g->c, p, n, g->out, g->out_cap);
	/* cannot happen: the buffer has the library's own bound for this size */
	if (k == 0)
		return rcr_error_set(RCR_E_COMPRESS, "gzip compression of '%s' overflowed its bound", g->path);
	g->members++;
	return rcr_fs_write_all(g->fd, g->out, k, g->path);
}

int rcr_textout_gz_write(rcr_textout_gz *g, const void *p, size_t n)
{
	const uint8_t *b = p;
	/* Whole members straight from the caller's buffer: no copy for convert's 1 MiB writes. */
	if (g->in_len == 0) {
		while (n >= RCR_TEXTOUT_GZ_MEMBER) {
			RCR_FORWARD(put_member(g, b, RCR_TEXTOUT_GZ_MEMBER));
			b += RCR_TEXTOUT_GZ_MEMBER;
			n -= RCR_TEXTOUT_GZ_MEMBER;
		}
	}
	while (n) {
		size_t k = RCR_TEXTOUT_GZ_MEMBER - g->in_len;
		if (k > n)
			k = n;
		memcpy(g->in + g->in_len, b, k);
		g->in_len += k;
		b += k;
		n -= k;
		if (g->in_len == RCR_TEXTOUT_GZ_MEMBER) {
			RCR_FORWARD(put_member(g, g->in, g->in_len));
			g->in_len = 0;
		}
	}
	return 0;
}

int rcr_textout_gz_flush(rcr_textout_gz *g)
{
	/* An empty file still needs one (empty) member to be gzip. */
	if (g->in_len == 0 && g->members > 0)
		return 0;
	int rc = put_member(g, g->in, g->in_len);
	g->in_len = 0;
	return rc;
}

void rcr_textout_gz_free(rcr_textout_gz *g)
{
	if (!g)
		return;
	if (g->c)
		libdeflate_free_compressor(g->c);
	free(g->in);
	free(g->out);
	free(g);
}
