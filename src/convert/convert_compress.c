/*
 * convert_compress.c: the data-file compressors of `rcr convert` and the -Z syntax that picks
 * one (convert_compress.h says why they are tables).
 *
 * gzip goes through textout_gzip.c's libdeflate members, about three times faster than zlib's
 * gzwrite at the same level. zstd goes through the streaming API into a fixed
 * ZSTD_CStreamOutSize() buffer, so memory does not grow with the table, and ends with
 * ZSTD_e_end: one zstd frame per file, as pg_dump 16 writes it.
 */
#include "convert_compress.h"

#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/textout.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* --- none -------------------------------------------------------------------------------- */

static int plain_start(rcr_convert_out *f, int level)
{
	return 0;
}

static int plain_write(rcr_convert_out *f, const void *p, size_t n)
{
	return rcr_fs_write_all(f->fd, p, n, f->path);
}

static int plain_finish(rcr_convert_out *f)
{
	return 0;
}

static void plain_release(rcr_convert_out *f)
{
}

static const rcr_convert_compressor compress_none = {
	.algorithm = RCR_CONVERT_NONE,
	.name = "none",
	.suffix = "",
	.start = plain_start,
	.write = plain_write,
	.finish = plain_finish,
	.release = plain_release,
};

/* --- gzip -------------------------------------------------------------------------------- */

static int gzip_level_max(void)
{
	return 9;
}

static int gzip_start(rcr_convert_out *f, int level)
{
	rcr_textout_gz *gz = NULL;
	/* -1 is zlib's Z_DEFAULT_COMPRESSION, which is 6 */
	RCR_FORWARD(rcr_textout_gz_new(&gz, f->fd, level < 0 ? 6 : level, f->path));
	f->state = gz;
	return 0;
}

static int gzip_write(rcr_convert_out *f, const void *p, size_t n)
{
	return rcr_textout_gz_write(f->state, p, n);
}

static int gzip_finish(rcr_convert_out *f)
{
	return rcr_textout_gz_flush(f->state);
}

static void gzip_release(rcr_convert_out *f)
{
	rcr_textout_gz_free(f->state);
	f->state = NULL;
}

static const rcr_convert_compressor compress_gzip = {
	.algorithm = RCR_CONVERT_GZIP,
	.name = "gzip",
	.suffix = ".gz",
	.level_default = -1, /* zlib's Z_DEFAULT_COMPRESSION, 6, recorded as -1 as pg_dump 16 does */
	.level_min = 1,
	.level_max = gzip_level_max,
	.start = gzip_start,
	.write = gzip_write,
	.finish = gzip_finish,
	.release = gzip_release,
};

/* --- zstd -------------------------------------------------------------------------------- */

typedef struct zstd_state {
	ZSTD_CCtx *zc;
	uint8_t *buf;
	size_t cap;
} zstd_state;

static void zstd_release(rcr_convert_out *f)
{
	zstd_state *z = f->state;
	if (z) {
		ZSTD_freeCCtx(z->zc);
		free(z->buf);
		free(z);
	}
	f->state = NULL;
}

static int zstd_start(rcr_convert_out *f, int level)
{
	zstd_state *z = calloc(1, sizeof *z);
	f->state = z;
	if (z) {
		z->cap = ZSTD_CStreamOutSize();
		z->zc = ZSTD_createCCtx();
		z->buf = malloc(z->cap);
	}
	if (!z || !z->zc || !z->buf || ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, level))) {
		zstd_release(f);
		return rcr_error_set(RCR_E_NOMEM, "could not start zstd for '%s'", f->path);
	}
	return 0;
}

static int zstd_push(rcr_convert_out *f, const void *p, size_t n, ZSTD_EndDirective mode)
{
	zstd_state *z = f->state;
	ZSTD_inBuffer in = {p, n, 0};
	for (;;) {
		ZSTD_outBuffer ob = {z->buf, z->cap, 0};
		size_t left = ZSTD_compressStream2(z->zc, &ob, &in, mode);
		if (ZSTD_isError(left))
			return rcr_error_set(RCR_E_INTERNAL, "could not compress '%s': %s", f->path, ZSTD_getErrorName(left));
		RCR_FORWARD(rcr_fs_write_all(f->fd, z->buf, ob.pos, f->path));
		/* e_continue is done once the input is consumed; e_end once nothing is left to flush */
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int zstd_write(rcr_convert_out *f, const void *p, size_t n)
{
	return zstd_push(f, p, n, ZSTD_e_continue);
}

static int zstd_finish(rcr_convert_out *f)
{
	return zstd_push(f, NULL, 0, ZSTD_e_end);
}

static const rcr_convert_compressor compress_zstd = {
	.algorithm = RCR_CONVERT_ZSTD,
	.name = "zstd",
	.suffix = ".zst",
	.level_default = ZSTD_CLEVEL_DEFAULT,
	.level_min = 1,
	.level_max = ZSTD_maxCLevel,
	.start = zstd_start,
	.write = zstd_write,
	.finish = zstd_finish,
	.release = zstd_release,
};

/* --- the registry, and what uses it ------------------------------------------------------ */

static const rcr_convert_compressor *const compressors[] = {&compress_none, &compress_gzip, &compress_zstd};

const rcr_convert_compressor *rcr_convert_compressor_find(int algorithm)
{
	for (size_t i = 0; i < sizeof compressors / sizeof compressors[0]; i++)
		if (compressors[i]->algorithm == algorithm)
			return compressors[i];
	return NULL;
}

/* The compressor whose -Z name is the n bytes at name, or NULL. */
static const rcr_convert_compressor *find_by_name(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof compressors / sizeof compressors[0]; i++)
		if (strlen(compressors[i]->name) == n && strncmp(name, compressors[i]->name, n) == 0)
			return compressors[i];
	return NULL;
}

int rcr_convert_compress_check(const rcr_convert_opts *o)
{
	const rcr_convert_compressor *c = rcr_convert_compressor_find(o->algorithm);
	if (!c || (c->level_max && o->level != c->level_default &&
		   (o->level < c->level_min || o->level > c->level_max())))
		return rcr_error_set(RCR_E_USAGE, "invalid -Z/--compress method or level (%d, %d)", o->algorithm, o->level);
	return 0;
}

void rcr_convert_data_file_name(char name[64], const rcr_convert_opts *o, int id)
{
	const rcr_convert_compressor *c = rcr_convert_compressor_find(o->algorithm);
	snprintf(name, 64, "%d.dat%s", id, c ? c->suffix : "");
}

/* Parses "N" or "level=N" into *out; 0 on success. */
static int parse_level(const char *s, int *out)
{
	if (strncmp(s, "level=", 6) == 0)
		s += 6;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < INT32_MIN || v > INT32_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

int rcr_convert_parse_compress(rcr_convert_opts *o, const char *spec)
{
	static const char hint[] = "-Z takes gzip[:1-9], zstd[:1-22], none, or a bare gzip level 0-9";
	const char *colon = strchr(spec, ':');
	size_t mlen = colon ? (size_t)(colon - spec) : strlen(spec);
	int level;
	if (!colon && parse_level(spec, &level) == 0 && strncmp(spec, "level=", 6) != 0) {
		/* pg_dump 15's form: a bare level, gzip, 0 meaning none */
		if (level < 0 || level > 9)
			return rcr_error_set_hint(RCR_E_USAGE, hint, "compression level %d is out of range for gzip (0-9)", level);
		o->algorithm = level ? RCR_CONVERT_GZIP : RCR_CONVERT_NONE;
		o->level = level;
		return 0;
	}
	const rcr_convert_compressor *c = find_by_name(spec, mlen);
	if (!c)
		return rcr_error_set_hint(RCR_E_USAGE, hint, "unsupported compression method '%.*s'", (int)mlen, spec);
	if (!c->level_max && colon)
		return rcr_error_set_hint(RCR_E_USAGE, hint, "compression method '%s' takes no level", c->name);
	o->algorithm = c->algorithm;
	level = c->level_default;
	if (colon && (parse_level(colon + 1, &level) < 0 || level < c->level_min || level > c->level_max()))
		return rcr_error_set_hint(RCR_E_USAGE, hint, "invalid compression level '%s' for %.*s (%d-%d)", colon + 1,
					  (int)mlen, spec, c->level_min, c->level_max());
	o->level = level;
	return 0;
}

/* --- one data file ------------------------------------------------------------------------ */

int rcr_convert_out_open(rcr_convert_out *f, const rcr_convert_opts *o, const char *path)
{
	*f = (rcr_convert_out){.c = rcr_convert_compressor_find(o->algorithm), .fd = -1, .path = path};
	assert(f->c); /* rcr_convert_compress_check ran first */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return rcr_error_set(RCR_E_IO, "could not create '%s': %s", path, strerror(errno));
	f->fd = fd;
	int rc = f->c->start(f, o->level);
	if (rc < 0) {
		close(fd);
		f->fd = -1;
	}
	return rc;
}

int rcr_convert_out_write(rcr_convert_out *f, const void *p, size_t n)
{
	return n == 0 ? 0 : f->c->write(f, p, n);
}

int rcr_convert_out_close(rcr_convert_out *f, int rc)
{
	if (f->fd < 0)
		return rc;
	if (rc == 0)
		rc = f->c->finish(f);
	f->c->release(f);
	if (close(f->fd) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", f->path, strerror(errno));
	f->fd = -1;
	return rc;
}
