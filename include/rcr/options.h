/*
 * options.h: the commands (dump, restore, verify, list, convert) as library calls under the
 * thin CLI: one options struct and one rcr_<cmd>_run per command.
 *
 * Defaults live here, with the commands, not in the CLI: start from the command's
 * RCR_<CMD>_OPTS_INIT (as libgit2's *_OPTIONS_INIT), then set what the user asked for. A field
 * the initializer does not name is zero, and zero means "off" or "automatic" as its comment says.
 *
 * Internal header, like everything in include/rcr/: it exposes libpq types (rcr_conn_opts comes
 * from pg.h) and promises no stable API (include/rcr/README.md).
 */
#ifndef RCR_OPTIONS_H
#define RCR_OPTIONS_H

#include "rcr/pg.h"

#include <stddef.h>
#include <stdint.h>

/* What every command that shows progress accepts. */
typedef struct rcr_common_opts {
	int verbose;
	int quiet;
	int progress;           /* RCR_PROGRESS_* (progress.h); 0 is auto */
} rcr_common_opts;

/* --- dump --------------------------------------------------------------------------------- */
typedef struct rcr_dump_opts {
	rcr_conn_opts conn;
	rcr_common_opts common;
	const char *dir;
	int jobs;
	int level;              /* zstd level, 0 = stored uncompressed */
	rcr_table_filter filter;
	rcr_strlist extensions;         /* pg_dump -e patterns: schema only, passed to pg_dump */
	int data_only, schema_only, no_owner, no_privileges, no_comments;
	size_t row_group_bytes; /* a row group closes when its field streams reach this size */
	uint32_t row_group_rows;
	uint64_t piece_bytes;   /* split tables into ctid ranges of about this size; 0 = automatic */
	const char *lock_wait_timeout;
	int force;              /* replace an earlier rcr dump's incomplete leftovers in dir */
	int load_via_partition_root;  /* every partition's rows load through its root, not only
				       * those pg_dump would send there (rcr_catalog_load_roots) */
	const char *base;       /* --base: an earlier archive of the same database whose unchanged
				 * rows the new one shares (dump_base.c); NULL: a full dump */
} rcr_dump_opts;

#define RCR_DUMP_DEFAULT_LEVEL 1
#define RCR_DUMP_DEFAULT_JOBS 4
#define RCR_DUMP_DEFAULT_ROW_GROUP_BYTES (4u << 20)
#define RCR_DUMP_DEFAULT_ROW_GROUP_ROWS 65536u

#define RCR_DUMP_OPTS_INIT                                                                          \
	{                                                                                           \
		.jobs = RCR_DUMP_DEFAULT_JOBS, .level = RCR_DUMP_DEFAULT_LEVEL,                     \
		.row_group_bytes = RCR_DUMP_DEFAULT_ROW_GROUP_BYTES,                                \
		.row_group_rows = RCR_DUMP_DEFAULT_ROW_GROUP_ROWS,                                  \
	}

int rcr_dump_run(const rcr_dump_opts *o);

/* --- restore ------------------------------------------------------------------------------ */
typedef struct rcr_restore_opts {
	rcr_conn_opts conn;
	rcr_common_opts common;
	const char *archive;
	int jobs;
	int data_only, clean, if_exists, no_owner, no_privileges, disable_triggers;
	int single_transaction; /* -a -1: every table's data in one transaction, on one connection */
	int truncate;           /* with it: TRUNCATE ONLY the selected tables first, in that transaction */
	rcr_strlist schemas, tables;   /* exact names, as pg_restore -n/-t */
	uint64_t piece_bytes;   /* load a table in runs of row groups of about this size; 0 = automatic */
	const char *maintenance_work_mem;  /* for index builds; NULL = derived from the server */
	int no_extensions;      /* do not create the extensions the archive records (extlist.h) */
	int usable_first;       /* vector indexes CONCURRENTLY after the rest (src/restore/usable.c) */
} rcr_restore_opts;

#define RCR_RESTORE_DEFAULT_JOBS 4

#define RCR_RESTORE_OPTS_INIT {.jobs = RCR_RESTORE_DEFAULT_JOBS}

int rcr_restore_run(const rcr_restore_opts *o);

/* --- verify ------------------------------------------------------------------------------- */
typedef struct rcr_verify_opts {
	rcr_common_opts common;
	const char *archive;
	int json;
	int jobs;
} rcr_verify_opts;

/* Fewer than dump's: verify is bound by decompression and checksums on this machine's cores,
 * with no server doing half the work. */
#define RCR_VERIFY_DEFAULT_JOBS 2

#define RCR_VERIFY_OPTS_INIT {.jobs = RCR_VERIFY_DEFAULT_JOBS}

int rcr_verify_run(const rcr_verify_opts *o);

/* --- convert ------------------------------------------------------------------------------ */
/* pg_dump 16's pg_compress_algorithm values, which a 1.15+ toc.dat header stores as its
 * compression byte. lz4 (2) is not written. */
enum { RCR_CONVERT_NONE = 0, RCR_CONVERT_GZIP = 1, RCR_CONVERT_ZSTD = 3 };

typedef struct rcr_convert_opts {
	rcr_common_opts common;
	const char *archive;
	const char *out_dir;
	int archive_minor;      /* pg_dump archive version 1.<minor>: 14, 15 or 16; 0: the lowest the archive needs */
	int algorithm;          /* data files: RCR_CONVERT_NONE (.dat), _GZIP (.dat.gz) or _ZSTD (.dat.zst) */
	int level;              /* gzip 1-9 or -1 (zlib's default, 6); zstd 1-22; 0 with NONE */
	uint64_t split_bytes;   /* tables bigger than this become several TABLE DATA entries; 0 = never */
	int jobs;               /* data files written in parallel */
} rcr_convert_opts;

/* The lowest archive version that holds what is converted, so the most pg_restore versions
 * read it: 1.14 (pg_restore 12 and later) unless zstd data (1.15) or a 1.16 schema's large
 * objects (1.16) need more (convert.c, choose_version). */
#define RCR_CONVERT_DEFAULT_ARCHIVE_MINOR 0
#define RCR_CONVERT_DEFAULT_ALGORITHM RCR_CONVERT_GZIP
#define RCR_CONVERT_DEFAULT_LEVEL 6
#define RCR_CONVERT_DEFAULT_SPLIT_BYTES ((uint64_t)1 << 30)
#define RCR_CONVERT_DEFAULT_JOBS 4

#define RCR_CONVERT_OPTS_INIT                                                                       \
	{                                                                                           \
		.archive_minor = RCR_CONVERT_DEFAULT_ARCHIVE_MINOR,                                 \
		.algorithm = RCR_CONVERT_DEFAULT_ALGORITHM, .level = RCR_CONVERT_DEFAULT_LEVEL,     \
		.split_bytes = RCR_CONVERT_DEFAULT_SPLIT_BYTES, .jobs = RCR_CONVERT_DEFAULT_JOBS,   \
	}

/* Parses a -Z/--compress argument in pg_dump 16's syntax into o->algorithm and o->level:
 * "LEVEL" (0 = none, 1-9 = gzip, as pg_dump 15), "none", "gzip[:LEVEL]", "zstd[:LEVEL]",
 * where LEVEL may also be written "level=N". Bad input: RCR_E_USAGE with a message. */
int rcr_convert_parse_compress(rcr_convert_opts *o, const char *spec);
int rcr_convert_run(const rcr_convert_opts *o);

/* --- list --------------------------------------------------------------------------------- */
typedef struct rcr_list_opts {
	const char *archive;
	int json;
} rcr_list_opts;

#define RCR_LIST_OPTS_INIT {.json = 0}

int rcr_list_run(const rcr_list_opts *o);

#endif
