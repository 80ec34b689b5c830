/*
 * dump_int.h: what the files of `rcr dump` share. Internal to src/dump.
 *
 *   dump.c         the driver, rcr_dump_run: its steps in order, and the leader's session
 *   dump_plan.c    the tables to store and the jobs they make
 *   dump_copy.c    the workers: per job, COPY TO STDOUT (binary) → row groups → the archive
 *                  writer (archive_writer.h) on an encoder thread
 *   dump_locks.c   the locks and the DDL guard: LOCK TABLE, tables changed since the snapshot,
 *                  and every failure to lock explained by SQLSTATE
 *   dump_schema.c  the pg_dump child that writes schema/, run on its own thread
 *   dump_dir.c     claiming and cleaning up the output directory (dump_dir.h)
 *   dump_base.c    --base: the archive an incremental dump shares rows and files with
 */
#ifndef RCR_DUMP_INT_H
#define RCR_DUMP_INT_H

#include "rcr/argv.h"
#include "rcr/cmd.h"
#include "rcr/err.h"
#include "rcr/extlist.h"
#include "rcr/manifest.h"
#include "rcr/pg.h"
#include "rcr/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* A unit of work: one table, or one ctid page range of a big table. Pieces of one table run
 * on different connections at once, all on the same snapshot. */
typedef struct dump_job {
	uint32_t table;
	uint32_t piece;
	uint32_t npieces;
	uint64_t page_lo;       /* first heap page (inclusive) */
	uint64_t page_hi;       /* end page (exclusive); ignored for the last piece, which is open */
	uint64_t weight;        /* estimated bytes, for largest-first ordering */
} dump_job;

/*
 * The base of an incremental dump (dump_base.c); NULL in dump_ctx without --base. The workers
 * ask it about each row and each row group they are about to write (dump_copy.c):
 * - dump_base_take: a row of table `ti` (its index in the new manifest) whose row hash is
 *   `hash`: 1 if an unused equal row of the base was consumed (the row is then NOT written: the
 *   base's row group that holds it is shared), 0 if not. Thread-safe: the pieces of a split
 *   table ask at once, from their connection threads.
 * - dump_base_take_group: a new row group that keeps no row hashes, about to be written, whose
 *   content hash is `content_hash`: 1 if the base holds an equal row group of the table and it
 *   was taken (the row group is then not written), 0 if not. Called from encoder threads.
 */
typedef struct dump_base dump_base;
int dump_base_take(dump_base *b, uint32_t ti, const uint8_t hash[RCR_ROW_HASH_SIZE]);
int dump_base_take_group(dump_base *b, uint32_t ti, const uint8_t content_hash[RCR_CONTENT_HASH_SIZE]);

/* pg_dump, run from its own thread so that it overlaps the data (dump_schema.c). */
typedef struct dump_schema_child {
	char *tool;             /* pg_dump's path */
	char *conninfo;
	char *password;
	rcr_argv args;
	pthread_t thread;
	int started;
	int rc;
	atomic_int done;
	rcr_error_snapshot err;
	char appname[64];       /* pg_dump's application_name, to find its backend */
	/* `tool --version`, run on its own thread while the leader reads the catalog
	 * (rcr_dump_find_pg_dump, rcr_dump_pg_dump_checked): its result and message. */
	pthread_t check_thread;
	int check_started;
	int check_rc;
	rcr_error_snapshot check_err;
	int server_major;
	char server_version[64];
} dump_schema_child;

typedef struct dump_ctx {
	const rcr_dump_opts *o;
	rcr_manifest *m;
	rcr_catalog *cat;
	rcr_extlist exts;       /* the extensions the tables need, for the manifest */
	PGconn *conn;           /* the leader's: holds the snapshot and every table's lock */
	int watch_slot;         /* the leader's interrupt watch, -1 without */
	char snapshot[128];
	int server_major;
	/* Metadata of row identity: 32 random hex digits, whose first 8 are in every data file's
	 * name; "<system_identifier>/<database oid>", read in the leader's session. */
	char archive_id[33];
	char database_id[64];
	dump_base *base;
	/* The server's lock table, read before locking, to explain running out of it. */
	long max_locks, max_conns, max_prepared;
	dump_job *jobs;
	uint32_t njobs;
	pthread_mutex_t *table_mu;  /* guards a table's files, row groups and totals */
	rcr_pool *pool;         /* the workers; also holds pg_dump's failure: the first one wins */
	pthread_mutex_t mu;     /* the workers' batch scheduler (claim_batch): */
	uint32_t next;          /* the next job to claim */
	rcr_progress prog;
	dump_schema_child tool;
} dump_ctx;

/* Small tables a worker copies in one batch: one round trip and one transaction on the snapshot
 * (see send_batch). A transaction keeps every lock it took until it ends, so not every table in
 * one; but not one per table either: COMMIT, BEGIN and SET TRANSACTION SNAPSHOT (which reads the
 * snapshot's file) cost the server as much as a small table's LOCK and COPY (3,000 tables of 5
 * rows: 0.32-0.38 s of server time with a new transaction per table, 0.17-0.26 s without). A
 * big table, or a piece of a split one (whose query's planning locks every index), is a batch of
 * its own. */
#define DUMP_WORKER_TXN_JOBS 8

/* Lock slots a worker holds at most: DUMP_WORKER_TXN_JOBS tables with their TOAST table and
 * its index, or one piece with its indexes. */
#define DUMP_WORKER_LOCKS (3 * DUMP_WORKER_TXN_JOBS)

/* The HINT when DDL that queued after the leader's locks stands in the way of a worker's or
 * pg_dump's own lock. */
#define DUMP_HINT_DDL_AFTER_LOCK \
	"another session asked for an exclusive lock (ALTER TABLE, DROP TABLE, TRUNCATE, ...)" \
	" after the dump locked its tables; run the dump again when it is done"

/* dump.c */
/* The session settings and the REPEATABLE READ transaction every connection of a dump runs
 * in; with `snapshot`, on that exported snapshot. */
int rcr_dump_begin_snapshot_txn(PGconn *conn, const char *snapshot);

/* dump_plan.c */
/* Loads the catalog (unless schema-only), lists the tables in the manifest, plans the jobs and
 * makes the pool that will run them. */
int rcr_dump_plan(dump_ctx *d);

/* dump_copy.c */
/* The pool of workers over d->jobs (at most -j, one at least), made before they start so that
 * pg_dump's thread can record its failure there. */
int rcr_dump_pool_new(dump_ctx *d);
/* Runs the workers over d->jobs and waits for them; returns the first failure (the pool's). */
int rcr_dump_copy_tables(dump_ctx *d);

/* A data file of the new archive being written, as an archive writer's sink's context
 * (rcr_data_sink_vtbl): create (exclusively, by the name the writer gives), append, discard,
 * close (not fsynced: one syncfs at the end makes every file durable). */
typedef struct dump_file {
	const char *dir;        /* the archive's directory */
	int fd;                 /* -1 when none is open */
	char path[4096];
} dump_file;
int rcr_dump_file_create(void *f, const char *file);
int rcr_dump_file_append(void *f, const void *p, size_t n);
void rcr_dump_file_discard(void *f);
int rcr_dump_file_close(dump_file *f);

/* dump_locks.c */
/* LOCK TABLE ... IN ACCESS SHARE MODE on every stored table (waiting up to
 * --lock-wait-timeout), then fails if one was rewritten or dropped after the snapshot. */
int rcr_dump_lock_tables(dump_ctx *d);
/* After the leader failed reading the catalog or locking (rc): names the table behind a lock
 * timeout or a table dropped while waiting, by SQLSTATE. Other failures pass unchanged. */
int rcr_dump_explain_lock_failure(dump_ctx *d, int rc);
/* A worker's LOCK + COPY that did not start copying (result r): the message, by SQLSTATE. */
int rcr_dump_explain_worker_failure(const dump_ctx *d, PGconn *conn, const PGresult *r);
/* pg_dump failed (rc): adds the lock table's numbers when the dump needs more than it holds. */
int rcr_dump_explain_tool_failure(const dump_ctx *d, int rc);

/* dump_base.c: rcr dump --base, the driver's steps (the workers' dump_base_take and
 * dump_base_take_group are above, with dump_base) */
/* Before the COPY (after the plan): opens d->o->base as d->base, checks that it is a dump of
 * database_id (else says so once and shares nothing), matches the tables, verifies every frame
 * that may be shared and indexes the row hashes. A damaged base fails here, naming the base and
 * the frame, before anything is written. */
int dump_base_open(dump_ctx *d, const char *database_id);
/* After the COPY: per base data file rows were taken from, links (or copies) it and adds its
 * row groups with their skip lists, or writes its rows anew (compaction). */
int dump_base_finish(dump_ctx *d);
/* The base_* metadata keys (spec "Metadata keys"). */
int dump_base_set_meta(const dump_ctx *d);
/* The summary's lines about the base (what was shared, the tables that were not matched). */
void dump_base_report(const dump_ctx *d);
void dump_base_free(dump_base *b);

/* dump_schema.c */
/* Finds the pg_dump for this server and starts the check of its version (`pg_dump --version`,
 * tens of milliseconds of fork, exec and start-up) beside the leader's catalog reading;
 * rcr_dump_pg_dump_checked waits for it, before anything is locked. */
int rcr_dump_find_pg_dump(dump_ctx *d);
int rcr_dump_pg_dump_checked(dump_ctx *d);
/* Starts pg_dump on the snapshot, writing everything but the stored tables' data to schema/. */
int rcr_dump_schema_start(dump_ctx *d);
/* Waits for pg_dump, watching for the lock deadlock it can fall into (check_tool_deadlock). */
void rcr_dump_schema_wait(dump_ctx *d);
/* Lists schema/'s files in the manifest with their sizes and hashes. */
int rcr_dump_collect_schema_files(dump_ctx *d);
void rcr_dump_schema_free(dump_schema_child *c);

#endif
