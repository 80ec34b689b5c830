/*
 * convert_compress.h: the data-file compressors of `rcr convert` (convert_compress.c).
 * Internal to src/convert.
 *
 * Shaped like pg_dump's compress_io: one const table of functions per algorithm (none, gzip,
 * zstd), found by the algorithm number, so the writer of table data (convert_data.c) never
 * asks which algorithm it writes. The table also carries what the command line and toc.dat
 * need to know of an algorithm: its -Z name, its level range and default, and the suffix of
 * its data files, by which pg_restore picks the decompressor (doc/pg-archive.md, "Data
 * files"). Adding an algorithm is one more table and one more row in the registry.
 */
#ifndef RCR_CONVERT_COMPRESS_H
#define RCR_CONVERT_COMPRESS_H

#include "rcr/cmd.h"

#include <stddef.h>

typedef struct rcr_convert_out rcr_convert_out;

typedef struct rcr_convert_compressor {
	int algorithm;          /* RCR_CONVERT_*: also pg_dump 16's algorithm byte in toc.dat */
	const char *name;       /* its -Z method name */
	const char *suffix;     /* appended to NNNN.dat */
	int level_default;      /* the level when -Z names no level */
	int level_min;
	int (*level_max)(void); /* NULL: the algorithm takes no level */
	/*
	 * Called by rcr_convert_out_open once f->fd is open: sets up f->state for `level` (which
	 * rcr_convert_compress_check accepted). On failure frees what it made and leaves
	 * f->state NULL; the caller closes the file.
	 */
	int (*start)(rcr_convert_out *f, int level);
	/* Compresses and writes n > 0 bytes. */
	int (*write)(rcr_convert_out *f, const void *p, size_t n);
	/* Called once when every byte was written without error: ends the stream. */
	int (*finish)(rcr_convert_out *f);
	/* Called once on every opened file, after finish or after a failure: frees f->state. */
	void (*release)(rcr_convert_out *f);
} rcr_convert_compressor;

/* One data file being written. */
struct rcr_convert_out {
	const rcr_convert_compressor *c;
	void *state;            /* the compressor's */
	int fd;
	const char *path;       /* borrowed: outlives the file */
};

/* The compressor of an algorithm, or NULL for an unknown one. */
const rcr_convert_compressor *rcr_convert_compressor_find(int algorithm);
/* RCR_E_USAGE unless o's algorithm is known and its level is in range (or the default). */
int rcr_convert_compress_check(const rcr_convert_opts *o);
/* The data file of TABLE DATA entry id, "<id>.dat" and the suffix of o's algorithm. */
void rcr_convert_data_file_name(char name[64], const rcr_convert_opts *o, int id);

/* Creates path (which must not exist) to write with o's compression. */
int rcr_convert_out_open(rcr_convert_out *f, const rcr_convert_opts *o, const char *path);
int rcr_convert_out_write(rcr_convert_out *f, const void *p, size_t n);
/* Ends the stream when rc is 0, frees and closes; returns rc or the first error of closing. */
int rcr_convert_out_close(rcr_convert_out *f, int rc);

#endif
