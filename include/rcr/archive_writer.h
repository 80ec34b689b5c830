/*
 * archive_writer.h: writing an archive's table data. Row groups of one table become one frame
 * per column (rcr_frame_encode), appended to a data file, and the manifest records them: the
 * file in the table's file list, the row group with its frame references, the table's row,
 * raw and stored totals and its codec trials (format-spec/rcr-format.md, "Data files").
 *
 * This is the format's reference writer: rcr dump writes archives with it and
 * tools/gen_vectors writes the spec's test vectors with it, so the vectors show what dump
 * writes. It is core code: no threads, no libpq and no I/O of its own. The caller's sink
 * stores the bytes (a file for dump, memory for gen_vectors) and, when several writers
 * append to one table at once (the pieces of a split table, each on its own thread),
 * serializes their changes to the shared rcr_table.
 */
#ifndef RCR_ARCHIVE_WRITER_H
#define RCR_ARCHIVE_WRITER_H

#include "rcr/buf.h"
#include "rcr/manifest.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Where a table writer's bytes go. Every callback gets the `ctx` given to
 * rcr_table_writer_new and is called on the thread that called rcr_table_writer_add.
 * - create (optional): called once, before the first row group's bytes and before the file
 *   is listed in the table; creates the data file, which must not exist yet.
 * - append: stores the next bytes of the data file (one row group's frames, possibly none).
 * - discard (optional): the file was created but could not be listed in the table: remove
 *   it, since a failed run's cleanup removes only the files the manifest lists.
 * - lock, unlock (both or neither): held around every change to the shared rcr_table (its
 *   file list, its row groups, its totals); NULL when no other writer appends to the table at
 *   the same time. Encoding and append run outside them.
 */
typedef struct rcr_data_sink_vtbl {
	int (*create)(void *ctx);
	int (*append)(void *ctx, const void *p, size_t n);
	void (*discard)(void *ctx);
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
} rcr_data_sink_vtbl;

/* The row groups between two codec trials of a column (see trial_every). */
#define RCR_CODEC_TRIAL_EVERY 16

typedef struct rcr_table_writer_opts {
	int level;              /* zstd level, 0..22; 0 stores every frame uncompressed */
	/* Every trial_every-th row group of this writer (the first included), each column whose
	 * type has a codec is encoded with that codec and with raw and the smaller frame is kept,
	 * measured into the table's codec trials; in between, the last winner is used. 0: no
	 * trials, every frame tries the preferred codec only (rcr_frame_encode falls back to raw
	 * where it does not fit). */
	uint32_t trial_every;
	int force_codec;        /* >= 0: the preferred codec of every column; -1: the type's codec */
} rcr_table_writer_opts;

#define RCR_TABLE_WRITER_OPTS_INIT {3, RCR_CODEC_TRIAL_EVERY, -1}

typedef struct rcr_table_writer rcr_table_writer;

/*
 * A writer of table t (index `table` in its manifest, which frame headers carry) into the
 * data file `file` (archive-relative, listed in t->files when the first row group is added).
 * t stays the caller's and must outlive the writer; sink and sink_ctx are borrowed. Nothing
 * is created or recorded until the first rcr_table_writer_add. *out owned by the caller.
 */
int rcr_table_writer_new(rcr_table_writer **out, rcr_table *t, uint32_t table, const char *file,
			 const rcr_table_writer_opts *o, const rcr_data_sink_vtbl *sink, void *sink_ctx);

/*
 * Appends one row group of `rows` rows: cols[c] holds column c's field stream (binary COPY
 * field encoding, rows fields) for each of t->ncols columns (cols may be NULL without
 * columns). Reserves the table's next row group, encodes one frame per column, hands the
 * frames to the sink, then adds to the table's totals. cols are only read.
 * @return 0, or negative with the message set (the table may then hold a row group whose
 * frames were not all stored: the archive is not to be finished).
 */
int rcr_table_writer_add(rcr_table_writer *w, const rcr_buf *cols, uint32_t rows);

/* The file's index in t->files, or UINT32_MAX before the first row group. */
uint32_t rcr_table_writer_file(const rcr_table_writer *w);

/* Accepts NULL. Does not touch the sink. */
void rcr_table_writer_free(rcr_table_writer *w);

/* The metadata an archive writer records (spec "Metadata keys"). */
typedef struct rcr_archive_meta {
	const char *created_at;         /* ISO 8601, UTC */
	const char *rcr_version;
	const char *server_version;
	const char *dbname;
	const char *encoding;           /* the database's; NULL: the key is not written */
	const char *snapshot;
	int level;                      /* "compression" is "zstd:<level>" */
	int jobs;
	const char *content;            /* "full", "schema-only" or "data-only" */
	int no_owner, no_privileges, no_comments;
	const char *lc_monetary;        /* the dumping session's; NULL: not written */
	const char *bytea_output;       /* likewise: "hex" or "escape" */
} rcr_archive_meta;

/* Sets meta's keys in m (rcr_manifest_set_meta: copied; new keys appended in the order rcr
 * dump writes them). */
int rcr_archive_set_meta(rcr_manifest *m, const rcr_archive_meta *meta);

/* Lists a schema file in m: its name relative to m->schema_dir, its size and XXH3-64. */
int rcr_archive_add_schema_file(rcr_manifest *m, const char *name, uint64_t size, uint64_t hash);

#endif
