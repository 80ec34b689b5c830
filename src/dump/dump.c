/*
 * dump.c: `rcr dump`, the driver. rcr_dump_run is the list of steps:
 *  1. claim the output directory (dump_dir.c);
 *  2. the leader's session: a REPEATABLE READ transaction whose snapshot is exported, and the
 *     pg_dump for this server (dump_schema.c);
 *  3. plan: the tables to store, from the catalog, and the jobs they make (dump_plan.c);
 *     with --base, open and verify the base and index its rows (dump_base.c);
 *  4. lock every stored table ACCESS SHARE as pg_dump does, and check that none changed since
 *     the snapshot (dump_locks.c);
 *  5. start pg_dump on the snapshot, for everything that is not table data (dump_schema.c),
 *     and meanwhile copy the tables with the workers (dump_copy.c);
 *     then, with --base, link, copy or compact what was taken from the base (dump_base.c);
 *  6. list pg_dump's files, commit, set the metadata, make the data durable and write the
 *     manifest last and atomically: until it exists the directory is not an archive, and any
 *     failure removes what was written.
 */
#include "dump_dir.h"
#include "dump_int.h"

#include "rcr/archive_writer.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pool.h"
#include "rcr/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* --- the leader's session ---------------------------------------------------------------- */

/*
 * Session setup shared by the leader and the workers, as pg_dump's setup_connection does it:
 * - client_encoding = the database's encoding: text types' binary send converts to the client
 *   encoding, so anything else (PGCLIENTENCODING, a SQL_ASCII default) could alter or reject
 *   values; the manifest records the encoding and restore loads in it;
 * - row_security off: a role that does not bypass RLS gets an error, never a filtered table;
 * - an empty search_path: nothing user-defined can capture a name in our queries;
 * - pg_dump's output settings, DateStyle ISO, IntervalStyle postgres and extra_float_digits 3:
 *   a text table's values (RCR_TABLE_TEXT) are the types' text output, which must be what
 *   pg_dump would write; and synchronize_seqscans off, so a table is read from its first
 *   page, in pg_dump's row order;
 * - no timeout of any kind (transaction_timeout from PostgreSQL 17 on).
 */
int rcr_dump_begin_snapshot_txn(PGconn *conn, const char *snapshot)
{
	const char *enc = PQparameterStatus(conn, "server_encoding");
	if (enc && PQsetClientEncoding(conn, enc) != 0)
		return rcr_error_set(RCR_E_QUERY, "could not set client_encoding to '%s': %s", enc, rcr_pg_error_line(conn));
	RCR_FORWARD(rcr_pg_exec(conn, "SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0;"
				      " SET lock_timeout = 0; SET row_security = off;"
				      " SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3;"
				      " SET synchronize_seqscans = off;"
				      " SELECT pg_catalog.set_config('search_path', '', false)"));
	if (PQserverVersion(conn) >= 170000)
		RCR_FORWARD(rcr_pg_exec(conn, "SET transaction_timeout = 0"));
	/* The catalog queries over tens of thousands of tables are estimated expensive enough to
	 * be JIT-compiled, which then takes most of their time (0.8 of 1.1 s for 10,000 tables). */
	if (PQserverVersion(conn) >= 110000)
		RCR_FORWARD(rcr_pg_exec(conn, "SET jit = off"));
	/* Separately: in one multi-statement query the SELECT would already have started the
	 * implicit transaction that BEGIN's isolation level must precede. */
	RCR_FORWARD(rcr_pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
	if (!snapshot)
		return 0;
	/* The name comes from pg_export_snapshot(); quoted all the same, as every literal is. */
	char *lit = PQescapeLiteral(conn, snapshot, strlen(snapshot));
	if (!lit)
		return rcr_error_set(RCR_E_QUERY, "could not quote the snapshot name: %s", rcr_pg_error_line(conn));
	char sql[256];
	snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT %s", lit);
	PQfreemem(lit);
	return rcr_pg_exec(conn, sql);
}

static int set_meta(dump_ctx *d)
{
	const rcr_dump_opts *o = d->o;
	/* Every table's codec trials were recorded (rcr list shows what the codecs saved). */
	d->m->optional_features |= RCR_FEATURE_CODEC_TRIALS;
	/* Every row group has its content hash and origin (archive_writer.h), which a later
	 * incremental dump needs from this archive as its base. */
	d->m->required_features |= RCR_FEATURE_ROW_IDENTITY;
	char now[64];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	const char *sv = PQparameterStatus(d->conn, "server_version");
	const char *enc = PQparameterStatus(d->conn, "server_encoding");
	/* Settings pg_dump leaves to the session that change what a value prints as: convert
	 * reproduces them (textout.h). */
	PGresult *set;
	RCR_FORWARD(rcr_pg_query(&set, d->conn,
				 "SELECT pg_catalog.current_setting('lc_monetary'), pg_catalog.current_setting('bytea_output')"));
	rcr_archive_meta meta = {
		.created_at = now,
		.rcr_version = RCR_VERSION_STRING,
		.server_version = sv ? sv : "",
		.dbname = PQdb(d->conn),
		.encoding = enc ? enc : "",
		.snapshot = d->snapshot,
		.level = o->level,
		.jobs = o->jobs,
		.content = o->schema_only ? "schema-only" : o->data_only ? "data-only" : "full",
		.no_owner = o->no_owner,
		.no_privileges = o->no_privileges,
		.no_comments = o->no_comments,
		.lc_monetary = PQgetvalue(set, 0, 0),
		.bytea_output = PQgetvalue(set, 0, 1),
		.archive_id = d->archive_id,
		.database_id = d->database_id,
	};
	int rc = rcr_archive_set_meta(d->m, &meta);
	PQclear(set);
	RCR_FORWARD(rc);
	return rcr_extlist_to_meta(d->m, &d->exts);
}

/* --- the driver -------------------------------------------------------------------------- */

static int check_opts(const rcr_dump_opts *o)
{
	if (o->data_only && o->schema_only)
		return rcr_error_set(RCR_E_USAGE, "options -s/--schema-only and -a/--data-only cannot be used together");
	if (!o->dir)
		return rcr_error_set_hint(RCR_E_USAGE, "give the archive directory with -f DIR", "no output directory");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	if (o->level < 0 || o->level > 22)
		return rcr_error_set(RCR_E_USAGE, "-Z/--compress must be between 0 and 22");
	/* The base is only read: the new archive may not be made inside it (nor be it). */
	if (o->base)
		RCR_FORWARD(rcr_fs_check_apart(o->base, o->dir, "-f"));
	return 0;
}

static int set_lock_timeout(dump_ctx *d)
{
	if (!d->o->lock_wait_timeout)
		return 0;
	char *lit = PQescapeLiteral(d->conn, d->o->lock_wait_timeout, strlen(d->o->lock_wait_timeout));
	char sql[256];
	snprintf(sql, sizeof sql, "SET lock_timeout = %s", lit ? lit : "0");
	PQfreemem(lit);
	return rcr_pg_exec(d->conn, sql);
}

static int export_snapshot(dump_ctx *d)
{
	PGresult *r;
	RCR_FORWARD(rcr_pg_query(&r, d->conn, "SELECT pg_catalog.pg_export_snapshot()"));
	/* The name is spliced into each worker's per-job SET TRANSACTION SNAPSHOT (copy_table, in
	 * the COPY's round trip): only the hex digits and dashes the server makes may pass. */
	const char *v = PQgetvalue(r, 0, 0);
	int rc = 0;
	if (v[0] == 0 || strspn(v, "0123456789ABCDEFabcdef-") != strlen(v) || strlen(v) >= sizeof d->snapshot)
		rc = rcr_error_set(RCR_E_QUERY, "the server exported a snapshot named '%s', not a snapshot name",
				   rcr_text_escape(v).s);
	else
		snprintf(d->snapshot, sizeof d->snapshot, "%s", v);
	PQclear(r);
	return rc;
}

/* The archive's id: 128 random bits as 32 hex digits, from the kernel's generator. */
static int make_archive_id(dump_ctx *d)
{
	uint8_t r[16];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rcr_error_set(RCR_E_IO, "could not read random bytes for the archive id: %s", strerror(errno));
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(d->archive_id + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/*
 * database_id, "<system_identifier>/<database oid>": which database of which cluster this is,
 * so that an incremental dump can tell a base of another database. pg_control_system() is not
 * executable by every role (an administrator may revoke it); its privilege is checked first,
 * since a refused call would abort the snapshot's transaction. Without it the system
 * identifier is written as 0, which no cluster has (initdb derives it from the time and its
 * process id): two such archives of one database oid then look alike, which costs nothing
 * worse than looking for shared rows, each of which is still proven by its SHA-256.
 */
static int read_database_id(dump_ctx *d)
{
	PGresult *r;
	RCR_FORWARD(rcr_pg_query(&r, d->conn,
				 "SELECT pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE'),"
				 " d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=)"
				 " pg_catalog.current_database()"));
	int can = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	unsigned long long oid = PQntuples(r) == 1 ? strtoull(PQgetvalue(r, 0, 1), NULL, 10) : 0;
	PQclear(r);
	unsigned long long sysid = 0;
	if (can) {
		RCR_FORWARD(rcr_pg_query(&r, d->conn, "SELECT system_identifier FROM pg_catalog.pg_control_system()"));
		sysid = PQntuples(r) == 1 ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
		PQclear(r);
	}
	snprintf(d->database_id, sizeof d->database_id, "%llu/%llu", sysid, oid);
	return 0;
}

/* The leader's session: pg_dump for its server, the transaction whose snapshot the workers
 * and pg_dump share, exported. */
static int open_leader(dump_ctx *d)
{
	RCR_FORWARD(rcr_pg_connect(&d->conn, &d->o->conn, "rcr dump"));
	/* The catalog query and LOCK TABLE can wait behind another session's lock for as long as
	 * it is held: an interrupt must cancel them too, not only the workers' COPYs. */
	d->watch_slot = rcr_interrupt_watch(d->conn);
	d->server_major = PQserverVersion(d->conn) / 10000;
	RCR_FORWARD(rcr_dump_find_pg_dump(d));
	RCR_FORWARD(rcr_dump_begin_snapshot_txn(d->conn, NULL));
	RCR_FORWARD(set_lock_timeout(d));
	RCR_FORWARD(export_snapshot(d));
	return read_database_id(d);
}

/* The first failure of a worker or of pg_dump, or an interrupt. */
static int first_failure(dump_ctx *d)
{
	RCR_FORWARD(rcr_pool_result(d->pool));
	if (rcr_interrupted())
		return rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	return 0;
}

/* Makes the data durable, then writes the manifest, which makes the directory an archive. */
static int write_manifest(dump_ctx *d, rcr_fs_outdir *od)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/data", d->o->dir);
	RCR_FORWARD(rcr_fs_syncfs(p));
	rcr_buf mb = RCR_BUF_INIT;
	int rc = rcr_manifest_encode(&mb, d->m);
	if (rc == 0)
		rc = rcr_fs_write_atomic(d->o->dir, RCR_MANIFEST_NAME, mb.data, mb.len);
	rcr_buf_free(&mb);
	if (rc == 0)
		rc = rcr_fs_outdir_end(od);
	return rc;
}

/* After a failure: removes what this run wrote, keeping the failure's message. */
static int abandon(dump_ctx *d, rcr_fs_outdir *od, int rc)
{
	if (rcr_interrupted() && rc != RCR_E_INTERRUPTED)
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; no archive was written");
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	rcr_dump_dir_abandon(od, d->m);
	rcr_error_restore(&keep);
	return rc;
}

static void report(const dump_ctx *d, double seconds)
{
	if (d->o->common.quiet)
		return;
	uint64_t rows = 0, raw = 0, stored = 0;
	for (uint32_t i = 0; i < d->m->ntables; i++) {
		rows += d->m->tables[i].row_count;
		raw += d->m->tables[i].raw_bytes;
		stored += d->m->tables[i].stored_bytes;
	}
	char b1[32], b2[32];
	fprintf(stderr, "rcr: dumped %u tables, %llu rows, %s of column data stored in %s, in %.2f s\n",
		d->m->ntables, (unsigned long long)rows, rcr_fmt_bytes(b1, sizeof b1, raw),
		rcr_fmt_bytes(b2, sizeof b2, stored), seconds);
	dump_base_report(d);
}

static void dump_ctx_free(dump_ctx *d)
{
	rcr_dump_schema_free(&d->tool);
	dump_base_free(d->base);
	rcr_pool_free(d->pool);
	rcr_interrupt_forget(d->watch_slot);
	PQfinish(d->conn);
	rcr_catalog_free(d->cat);
	rcr_extlist_free(&d->exts);
	rcr_manifest_free(d->m);
	free(d->jobs);
	free(d->table_mu);
}

int rcr_dump_run(const rcr_dump_opts *o)
{
	RCR_FORWARD(check_opts(o));
	double t0 = rcr_now();
	dump_ctx d = {.o = o, .mu = PTHREAD_MUTEX_INITIALIZER, .watch_slot = -1};
	rcr_fs_outdir od;
	RCR_FORWARD(rcr_dump_dir_claim(&od, o));
	int rc = rcr_manifest_new(&d.m);
	if (rc == 0)
		rc = make_archive_id(&d);
	if (rc == 0)
		rc = open_leader(&d);
	if (rc == 0)
		rc = rcr_dump_plan(&d);
	if (rc == 0 && o->base)
		rc = dump_base_open(&d, d.database_id);
	if (rc == 0)
		rc = rcr_dump_pg_dump_checked(&d);
	if (rc == 0)
		rc = rcr_dump_lock_tables(&d);
	if (rc < 0)
		rc = rcr_dump_explain_lock_failure(&d, rc);
	if (rc == 0)
		rc = rcr_dump_dir_make(&od);
	if (rc == 0)
		rc = rcr_dump_schema_start(&d);
	if (rc == 0)
		rc = rcr_dump_copy_tables(&d);
	rcr_dump_schema_wait(&d);
	if (rc == 0)
		rc = first_failure(&d);
	if (rc == 0 && d.base)
		rc = dump_base_finish(&d);
	if (rc == 0)
		rc = rcr_dump_collect_schema_files(&d);
	if (rc == 0)
		rc = rcr_pg_exec(d.conn, "COMMIT");
	if (rc == 0)
		rc = set_meta(&d);
	if (rc == 0 && d.base)
		rc = dump_base_set_meta(&d);
	if (rc == 0)
		rc = write_manifest(&d, &od);
	if (rc < 0)
		rc = abandon(&d, &od, rc);
	else
		report(&d, rcr_now() - t0);
	dump_ctx_free(&d);
	return rc;
}
