/*
 * archive_writer.h: writing an archive's table data. Row groups of one table become one frame
 * per column (rcr_frame_encode), appended to a data file, and the manifest records them: the
 * file in the table's file list, the row group with its frame references, the table's row,
 * raw and stored totals and its codec trials (format-spec/rcr-format.md, "Data files").
 *
 * Row identity (Required_Features bit 1): every row group gets its content hash and its own
 * indexes as origin (row_hash.h); one whose rows average at least row_hash_min_row_bytes of
 * field bytes also keeps its row hashes, as a row-hash frame after its column frames, so that
 * an incremental dump can share its rows one by one. A table's data goes to segments of at
 * most segment_rgs row groups each (a new file after that), so that a later dump can share
 * an unchanged segment whole, by hard link; rcr_rg_cutter places the row-group boundaries by
 * content, so an unchanged stretch of rows forms the same row groups again.
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
 * - create (optional): called before the first row group's bytes of each data file (each
 *   segment), before the file is listed in the table; creates `file` (archive-relative), which
 *   must not exist yet, and makes it the file append writes to (the previous one is done).
 * - append: stores the next bytes of the current data file (one row group's frames).
 * - discard (optional): the current file was created but could not be listed in the table:
 *   remove it, since a failed run's cleanup removes only the files the manifest lists.
 * - lock, unlock (both or neither): held around every change to the shared rcr_table (its
 *   file list, its row groups, its totals); NULL when no other writer appends to the table at
 *   the same time. Encoding and append run outside them.
 * - take_group (optional): asked, before anything of it is written, about each row group that
 *   keeps no row hashes, with its content hash: 1 if the row group is not to be written (an
 *   incremental dump found an equal one in its base and records that one instead), 0 if it
 *   is, or negative with the message set.
 */
typedef struct rcr_data_sink_vtbl {
	int (*create)(void *ctx, const char *file);
	int (*append)(void *ctx, const void *p, size_t n);
	void (*discard)(void *ctx);
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	int (*take_group)(void *ctx, const uint8_t content_hash[RCR_CONTENT_HASH_SIZE]);
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
	/* A row group keeps its row-hash frame when its rows average at least this many field
	 * bytes (below that, 32 bytes a row and a frame header cost more than sharing single rows
	 * saves: such row groups are shared whole, by content hash); 0: no row group keeps one. */
	uint32_t row_hash_min_row_bytes;
	/* Row groups per data file: the file given to rcr_table_writer_new is then a stem, and
	 * the files are "<stem>.<segment>.rcd", segment 0, 1, ...; 0: one file, named as given. */
	uint32_t segment_rgs;
} rcr_table_writer_opts;

#define RCR_ROW_HASH_MIN_ROW_BYTES 1024
#define RCR_SEGMENT_ROW_GROUPS 16
#define RCR_TABLE_WRITER_OPTS_INIT {3, RCR_CODEC_TRIAL_EVERY, -1, RCR_ROW_HASH_MIN_ROW_BYTES, RCR_SEGMENT_ROW_GROUPS}

/* Whether a row group of `rows` rows and `bytes` field bytes keeps its row hashes under o
 * (row_hash_min_row_bytes): the writer's rule, which a caller that hashes rows itself follows
 * to know which row groups want them. */
int rcr_table_writer_keeps_row_hashes(const rcr_table_writer_opts *o, uint64_t bytes, uint32_t rows);

typedef struct rcr_table_writer rcr_table_writer;

/*
 * A writer of table t (index `table` in its manifest, which frame headers carry) into the
 * data file `file` (archive-relative, listed in t->files when the first row group is added;
 * with o->segment_rgs, the stem of its segments' names).
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

/* As rcr_table_writer_add, with the rows' hashes (rows * RCR_ROW_HASH_SIZE bytes, as
 * rcr_row_hash computes them) when the caller has them already, or NULL: they are then
 * computed here if the row group keeps them. Returns 1 instead of 0 when the sink's
 * take_group took the row group (nothing was written or recorded). */
int rcr_table_writer_add_rows(rcr_table_writer *w, const rcr_buf *cols, uint32_t rows, const uint8_t *hashes);

/*
 * Makes w a writer of table t (index `table`) into `file`, as rcr_table_writer_new would with
 * w's options and sink, but keeping w's buffers and compression contexts: a caller that
 * writes one table (or piece) after the other allocates them, and the kernel faults their
 * pages in, once instead of per table (rcr dump's workers). What w wrote before stays recorded
 * in its table; the next row group starts w's first file of t. t as for rcr_table_writer_new.
 */
int rcr_table_writer_reset(rcr_table_writer *w, rcr_table *t, uint32_t table, const char *file);

/* The current file's index in t->files, or UINT32_MAX before the first row group. */
uint32_t rcr_table_writer_file(const rcr_table_writer *w);

/* Accepts NULL. Does not touch the sink. */
void rcr_table_writer_free(rcr_table_writer *w);

/*
 * Content-defined row-group boundaries. A row group closes after a row whose XXH3-64 falls
 * below a threshold that grows with the row's size: the chance is the row's field bytes over
 * (target - floor), or 1 / (max_rows / 8) for small rows, whichever is larger. Where a
 * boundary falls then depends only on the rows around it, not on how many came before, so an
 * inserted or deleted row moves the boundaries near it and no others: an unchanged stretch of
 * a table forms the same row groups in the next dump (format-spec "Row-group boundaries").
 * The threshold, unlike one mask for the whole table, needs no estimate of the row size (which
 * would differ from dump to dump and move every boundary). A row group never closes before
 * floor = target / 4 bytes or max_rows / 4 rows, whichever comes first (tiny rows reach the
 * row floor first, and their boundaries must still be chosen by content, not by max_rows), and
 * always closes at ceiling = 2 * target bytes (at most 2^30, so that with its last row it
 * stays below RCR_MAX_ROW_GROUP_RAW) or max_rows rows.
 */
typedef struct rcr_rg_cutter {
	uint64_t floor, ceiling;
	uint32_t max_rows, floor_rows;
	uint64_t per_byte; /* threshold per field byte of the row */
	uint64_t least;    /* threshold of any row */
	uint64_t bytes;    /* in the current row group */
	uint32_t rows;
} rcr_rg_cutter;

/* target: the expected row group size in field bytes (--row-group-size, > 0); max_rows > 0. */
void rcr_rg_cutter_init(rcr_rg_cutter *c, uint64_t target, uint32_t max_rows);
/* Counts one row of n field bytes (its encodings, as rcr_row_hash takes them): 1 if the row
 * group closes after it (the cutter then starts the next one), 0 if not. */
int rcr_rg_cutter_row(rcr_rg_cutter *c, const uint8_t *row, size_t n);

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
	const char *archive_id;         /* 32 random hex digits; NULL: not written */
	const char *database_id;        /* "<system_identifier>/<database oid>"; NULL: not written */
} rcr_archive_meta;

/* Sets meta's keys in m (rcr_manifest_set_meta: copied; new keys appended in the order rcr
 * dump writes them). */
int rcr_archive_set_meta(rcr_manifest *m, const rcr_archive_meta *meta);

/* Lists a schema file in m: its name relative to m->schema_dir, its size and XXH3-64. */
int rcr_archive_add_schema_file(rcr_manifest *m, const char *name, uint64_t size, uint64_t hash);

#endif
