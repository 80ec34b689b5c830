/*
 * restore_internal.h: what the files of `rcr restore` share (not an interface outside
 * src/restore).
 *
 * One restore_ctx per run. The leader (restore.c, the driver) fills it step by step: the
 * archive and its embedded schema (select.c checks -n/-t against them), the plan of jobs
 * (plan.c), the target checks (target.c), the pg_restore runs of the schema sections
 * (schema.c), the data phase run by the workers (load.c, each job's rows streamed by feed.c)
 * and, when that fails, the account of what it left behind (report.c). Workers touch only the
 * fields marked "under mu" and their own jobs.
 */
#ifndef RCR_RESTORE_INTERNAL_H
#define RCR_RESTORE_INTERNAL_H

#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/err.h"
#include "rcr/extlist.h"
#include "rcr/pgtoc.h"
#include "rcr/vindex.h"

#include <pthread.h>

/* A unit of work: a contiguous run of one table's row groups, loaded and committed in one
 * transaction. Only a table this restore created is split into several jobs (see plan.c). */
typedef struct restore_job {
	uint32_t table;
	uint32_t rg_lo, rg_hi;  /* row groups [rg_lo, rg_hi) */
	uint64_t rows;
	uint64_t weight;
	int last;               /* the table's last job, for progress */
	int whole;              /* the job loads the whole table */
	int taken;              /* a worker has started it */
} restore_job;

/* What became of a job's COPY. */
enum { JOB_NOT_COMMITTED = 0, JOB_COMMITTED = 1, JOB_COMMIT_UNKNOWN = 2 };

/* Per manifest table, under restore_ctx.mu. */
typedef struct table_state {
	uint32_t pieces;        /* its jobs */
	uint32_t done;          /* jobs committed (with -1: loaded into the open transaction) */
	int unknown;            /* a COMMIT of one of its jobs went out and its outcome is unknown */
	uint32_t parent_lo, parent_hi;  /* its referenced tables: restore_ctx.parents[lo, hi) */
} table_state;

typedef struct restore_ctx {
	const rcr_restore_opts *o;
	rcr_manifest *m;
	rcr_toc *toc;           /* the embedded schema's, read once: the -t/-n check, the -L list, --clean */
	int have_schema;        /* the archive embeds a schema (pg_dump directory archive) */
	int schema_phases;      /* pre-data and post-data run (not -a, not a data-only archive) */
	restore_job *jobs;      /* largest first */
	uint32_t njobs;
	uint32_t ntables;       /* selected tables with rows */
	int fresh_tables;       /* pre-data just created the tables: empty, no foreign keys yet */
	table_state *ts;        /* m->ntables entries */
	uint32_t *parents;      /* manifest indexes of referenced tables, grouped by referencing table */
	/* The leader's connection and what its pg_restore runs need. */
	PGconn *conn;
	char *conninfo, *password, *tool;
	char *list_file;        /* pg_restore's -L list (schema.c) */
	rcr_buf list_text;      /* its text, for the lists derived from it */
	struct restore_vindex *vidx;  /* the selected tables' vector indexes, largest build first */
	size_t nvidx;
	double t0;              /* rcr_now() at the start, for "usable after" */
	rcr_extlist exts;       /* the extensions the archive's tables need (extensions.c) */
	uint8_t *ext_missing;   /* per extension: missing in the target, its schema too */
	uint8_t *ext_created;   /* per extension: what this restore created */
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* a job ended, or the pool was cancelled */
	uint32_t next;          /* under mu: no job before this one is left to take */
	uint32_t running;       /* under mu: jobs in progress */
	struct rcr_pool *pool;  /* the data phase's workers, while they run (load.c) */
	int single_committed;   /* -1: the one transaction's COMMIT succeeded; -1 when its outcome is unknown */
	rcr_progress prog;
} restore_ctx;

/* extensions.c: the extensions the archive needs; checked before anything changes, created
 * before pre-data, dropped again when pre-data fails. */
int restore_extensions_check(restore_ctx *r);
int restore_extensions_create(restore_ctx *r);
void restore_extensions_undo(restore_ctx *r);
void restore_extensions_end(restore_ctx *r);

/* A vector index to build after post-data, sized from the archive (vindex.c). */
typedef struct restore_vindex {
	rcr_vindex v;           /* column owned */
	uint64_t rows;
	uint64_t need;          /* bytes of maintenance_work_mem its build needs to stay in memory */
	int concurrent;         /* --usable-first: built CONCURRENTLY after the restore is usable */
} restore_vindex;

/* vindex.c: the vector indexes out of post-data and built each with its own memory. */
int restore_vindex_plan(restore_ctx *r);
int restore_vindex_excluded(long id, const void *r);
int restore_vindex_not_this(long id, const void *dump_id);
int restore_vindex_build_all(restore_ctx *r);
void restore_vindex_end(restore_ctx *r);
int restore_vindex_limits(restore_ctx *r, long long *cur_kb, long long *cap_kb, int *workers);
long long restore_vindex_kb(const restore_vindex *x, long long cur_kb, long long cap_kb);
void restore_vindex_report(const restore_ctx *r, const restore_vindex *x, long long kb, int workers, double secs);

/* usable.c: --usable-first: the simple vector indexes (and what depends on them) out of
 * post-data, the database reported usable, then those indexes built CONCURRENTLY. */
void restore_usable_mark(restore_ctx *r);
int restore_usable_deferred(long id, const void *r);
int restore_usable_excluded(long id, const void *r);
int restore_usable_build(restore_ctx *r);

/* schema.c: lists derived from the -L list, with the entries drop() picks commented out, in
 * files without a name (/dev/fd/N; restore_close_list closes one), and post-data runs on one. */
int restore_write_list(char **path, const restore_ctx *r, int (*drop)(long id, const void *ctx), const void *ctx);
void restore_close_list(char *path);
int restore_run_post_data_list(const restore_ctx *r, const char *conninfo, const char *list, int jobs);

/* select.c: what -n and -t select (exact names, as pg_restore's). */
int restore_schema_selected(const rcr_restore_opts *o, const char *schema);
int restore_selected(const rcr_restore_opts *o, const rcr_table *t);
int restore_check_names(const rcr_restore_opts *o, const rcr_manifest *m, const rcr_toc *toc);

/* plan.c: the jobs, the pre-check of split tables, the foreign-key order of -a. */
/* Whether t's rows load through its partition root (RCR_TABLE_VIA_ROOT), and the table they
 * load into: that root, or t itself. Borrowed from t. */
int restore_via_root(const rcr_table *t);
void restore_load_target(const rcr_table *t, const char **schema, const char **name);
int restore_plan_jobs(restore_ctx *r);
int restore_precheck_split_tables(restore_ctx *r);
int restore_plan_order(restore_ctx *r, PGconn *conn);

/* target.c: the target database's checks, before anything is changed or loaded. */
int restore_query_selected_tables(PGresult **out, PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m,
				  const char *sql);
/* Builds a text[] literal for a query parameter: restore_array_add per element (double-quoted,
 * backslash before " and \\), then restore_query_arrays runs sql with two such arrays as $1
 * and $2 (frees them; what names the query in a failure message). */
void restore_array_add(rcr_buf *b, const char *s);
int restore_query_arrays(PGresult **out, PGconn *conn, const char *sql, rcr_buf *a, rcr_buf *b, const char *what);
int restore_check_target_empty(PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m);
int restore_check_target_columns(PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m);

/* schema.c: the embedded schema through pg_restore. */
int restore_read_schema_toc(restore_ctx *r);
int restore_prepare_schema(restore_ctx *r);
int restore_pre_data(restore_ctx *r);
int restore_data_and_post_data(restore_ctx *r, int committed);
void restore_schema_end(restore_ctx *r);

/* feed.c: a table's data files, and a job's rows streamed into an open COPY. */
typedef struct table_files {
	uint32_t n;
	int *fds;
	uint64_t *sizes;        /* the bound of every read */
	char (*paths)[4096];    /* for messages */
} table_files;
int restore_table_files_open(table_files *tf, const char *archive, const rcr_table *t);
void restore_table_files_close(table_files *tf);
int restore_stream_job(restore_ctx *r, PGconn *conn, const restore_job *job);

/* load.c: the data phase. */
int restore_connect_session(PGconn **out, const restore_ctx *r);
int restore_truncate_tables(const restore_ctx *r, PGconn *conn, int (*pick)(const restore_ctx *, uint32_t));
int restore_load_data(restore_ctx *r);

/* report.c: the final line of a failed data phase. */
int restore_report_incomplete(restore_ctx *r, int rc);

#endif
