/*
 * cmd.h: the commands (dump, restore, verify, list) as library calls under the thin CLI, and
 * the run-time services they share: interruption (SIGINT/SIGTERM cancel server work, stop
 * child processes and unwind cleanly) and progress reporting.
 */
#ifndef RCR_CMD_H
#define RCR_CMD_H

#include "rcr/archive.h"
#include "rcr/manifest.h"
#include "rcr/pg.h"

#include <stdint.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sys/types.h>

enum { RCR_PROGRESS_AUTO = 0, RCR_PROGRESS_ALWAYS = 1, RCR_PROGRESS_NEVER = 2 };

typedef struct rcr_common_opts {
	int verbose;
	int quiet;
	int progress;           /* RCR_PROGRESS_* */
} rcr_common_opts;

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
} rcr_dump_opts;

#define RCR_DUMP_DEFAULT_LEVEL 1
#define RCR_DUMP_DEFAULT_JOBS 4
#define RCR_DUMP_DEFAULT_ROW_GROUP_BYTES (4u << 20)
#define RCR_DUMP_DEFAULT_ROW_GROUP_ROWS 65536u

int rcr_dump_run(const rcr_dump_opts *o);

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
} rcr_restore_opts;

int rcr_restore_run(const rcr_restore_opts *o);

typedef struct rcr_verify_opts {
	rcr_common_opts common;
	const char *archive;
	int json;
	int jobs;
} rcr_verify_opts;

int rcr_verify_run(const rcr_verify_opts *o);

typedef struct rcr_convert_opts {
	rcr_common_opts common;
	const char *archive;
	const char *out_dir;
	int archive_minor;      /* pg_dump archive version 1.<minor>: 14, 15 or 16 */
	int algorithm;          /* data files: RCR_CONVERT_NONE (.dat), _GZIP (.dat.gz) or _ZSTD (.dat.zst) */
	int level;              /* gzip 1-9 or -1 (zlib's default, 6); zstd 1-22; 0 with NONE */
	uint64_t split_bytes;   /* tables bigger than this become several TABLE DATA entries; 0 = never */
	int jobs;               /* data files written in parallel */
} rcr_convert_opts;

/* pg_dump 16's pg_compress_algorithm values, which a 1.15+ toc.dat header stores as its
 * compression byte. lz4 (2) is not written. */
enum { RCR_CONVERT_NONE = 0, RCR_CONVERT_GZIP = 1, RCR_CONVERT_ZSTD = 3 };

/* Parses a -Z/--compress argument in pg_dump 16's syntax into o->algorithm and o->level:
 * "LEVEL" (0 = none, 1-9 = gzip, as pg_dump 15), "none", "gzip[:LEVEL]", "zstd[:LEVEL]",
 * where LEVEL may also be written "level=N". Bad input: RCR_E_USAGE with a message. */
int rcr_convert_parse_compress(rcr_convert_opts *o, const char *spec);
int rcr_convert_run(const rcr_convert_opts *o);

typedef struct rcr_list_opts {
	const char *archive;
	int json;
} rcr_list_opts;

int rcr_list_run(const rcr_list_opts *o);

/* --- interruption ----------------------------------------------------------------------- */
/* Blocks SIGINT/SIGTERM/SIGHUP in every thread and starts a thread that, on the first such
 * signal, sets the interrupted flag, sends a cancel request on every registered connection and
 * terminates the running child process. Call once, before starting threads. */
void rcr_interrupt_install(void);
int rcr_interrupted(void);
/* From now on the first signal only marks the process interrupted (rcr_interrupted): nothing
 * is cancelled or killed; a second signal still ends it at once. For work past its point of no
 * return, where finishing leaves a truer state than stopping (restore -a -1 after its COMMIT). */
void rcr_interrupt_hold(void);
/* Registers conn for cancellation; returns a slot for rcr_interrupt_forget (or -1). */
int rcr_interrupt_watch(PGconn *conn);
void rcr_interrupt_forget(int slot);
/* Cancels the work of every watched connection and the child, without marking the process
 * interrupted: how the first failing worker stops its siblings. */
void rcr_interrupt_cancel_watched(void);
/* Where rcr_pg_run_tool publishes the running child's pid. */
volatile pid_t *rcr_interrupt_child_slot(void);

/* --- progress ----------------------------------------------------------------------------- */
/*
 * Progress of a command's data phase, per table and in total: rows, bytes of column data (the
 * archive's Raw_Bytes, so the figures of dump, restore, verify and convert all add up to what
 * `rcr list` shows), rate and ETA. Two renderings, chosen once at rcr_progress_begin:
 *  - live: a display on stderr redrawn 4 times a second, one line per table in progress and a
 *    total line (a terminal with --progress=auto, or any stderr with --progress=always);
 *  - log: plain lines, one per finished table and a summary (--progress=auto when stderr is
 *    not a terminal: log files and pipes get no escape sequences).
 * --progress=never (and -q) draws nothing. Both renderings end with the same summary line.
 *
 * Call order, from the command's leader thread: rcr_progress_init, rcr_progress_expect for each
 * unit of work (a table, or one piece or run of row groups of a table), rcr_progress_begin,
 * then workers call rcr_progress_add and rcr_progress_part_done from any thread, then
 * rcr_progress_end, which must follow every rcr_progress_init (it frees).
 * Progress is cosmetic: out of memory disables the per-table part, never fails the command.
 */
typedef struct rcr_progress_table {
	const char *schema, *name;      /* borrowed from the manifest */
	uint64_t bytes_total;           /* expected, 0 when unknown */
	uint32_t parts_total;
	atomic_uint parts_done;
	atomic_uint_fast64_t rows;
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t start_us;  /* rcr_now() of the first rcr_progress_add, 0 before */
} rcr_progress_table;

typedef struct rcr_progress {
	const char *verb;
	int live, log;
	uint32_t ntables;
	rcr_progress_table *tables;     /* ntables entries, or NULL */
	int tables_total;               /* tables with expected work */
	uint64_t bytes_total;           /* 0 when unknown */
	atomic_int tables_done;
	atomic_uint_fast64_t rows;
	atomic_uint_fast64_t bytes;
	atomic_int stop;
	double start;
	pthread_t thread;
	int running;
	int lines;                      /* lines of the live display now on screen */
} rcr_progress;

/* mode: RCR_PROGRESS_*; the caller passes RCR_PROGRESS_NEVER for -q or --json. */
void rcr_progress_init(rcr_progress *p, const char *verb, const rcr_manifest *m, int mode);
/* One unit of work of table `table` (manifest index), of about `bytes` bytes of column data. */
void rcr_progress_expect(rcr_progress *p, uint32_t table, uint64_t bytes);
void rcr_progress_begin(rcr_progress *p);
void rcr_progress_add(rcr_progress *p, uint32_t table, uint64_t rows, uint64_t bytes);
/* A unit of work of `table` finished; the table is done when all its units are. */
void rcr_progress_part_done(rcr_progress *p, uint32_t table);
/* Stops the display, prints the summary line (unless never) and frees. */
void rcr_progress_end(rcr_progress *p);
double rcr_now(void);
/* "12.3 MB" style, into buf. */
const char *rcr_fmt_bytes(char *buf, size_t cap, uint64_t n);

#endif
