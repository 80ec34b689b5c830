/*
 * load.c: the data phase. Workers, each on its own connection, take jobs largest first (with
 * -a, a table only after the tables it references: next_job) and load each in its own
 * transaction through COPY FROM STDIN (FORMAT binary, or text for a table of text values),
 * which must report exactly the manifest's row count. With -1 every worker's loads share one
 * transaction per worker, all committed at the end only when every table loaded. The first
 * failure stops the others.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/pool.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TRUNCATE + COPY FREEZE pays for big tables (no later rewrite of every page); for a small
 * one its cost is the TRUNCATE's new files for the table and its TOAST table and index, which
 * over thousands of small tables costs more than the whole load. */
#define FREEZE_MIN_BYTES ((uint64_t)1 << 20)

static int worth_freezing(const rcr_table *t)
{
	return t->raw_bytes >= FREEZE_MIN_BYTES;
}

/*
 * Sends COMMIT and finds out what became of it: committed; not committed (an error result: the
 * server aborted the transaction, as when an interrupt's cancel meets a deferred trigger
 * running at commit; or the transaction had already failed and COMMIT answered ROLLBACK); or
 * unknown (the connection broke before the answer came).
 */
static int run_commit(PGconn *conn, int *state)
{
	PGresult *res = PQexec(conn, "COMMIT");
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	int rc = 0;
	if (ok && strcmp(PQcmdStatus(res), "COMMIT") == 0)
		*state = JOB_COMMITTED;
	else {
		*state = PQstatus(conn) == CONNECTION_BAD ? JOB_COMMIT_UNKNOWN : JOB_NOT_COMMITTED;
		rc = rcr_error_set(RCR_E_QUERY, "COMMIT failed: %s", ok ? "the transaction had been rolled back" : rcr_pg_error_line(conn));
	}
	PQclear(res);
	return rc;
}

/* Runs "<verb> <qn><tail>". */
static int exec_on_table(PGconn *conn, const char *verb, const char *qn, const char *tail)
{
	char s[8300];
	snprintf(s, sizeof s, "%s %s%s", verb, qn, tail);
	return rcr_pg_exec(conn, s);
}

/* COPY qn (columns) FROM STDIN (FORMAT binary|text[, FREEZE]) into *sql. */
static int copy_statement(rcr_buf *sql, PGconn *conn, const rcr_table *t, const char *qn, int freeze)
{
	RCR_BUF_LIT(sql, "COPY ");
	rcr_buf_append_cstr(sql, qn);
	/* A table with no columns takes no column list ("()" is a syntax error). */
	for (uint32_t c = 0; c < t->ncols; c++) {
		char *q;
		RCR_FORWARD(rcr_pg_quote_ident(&q, conn, t->cols[c].name));
		if (c)
			RCR_BUF_LIT(sql, ", ");
		else
			RCR_BUF_LIT(sql, " (");
		rcr_buf_append_cstr(sql, q);
		free(q);
	}
	if (t->ncols)
		RCR_BUF_LIT(sql, ")");
	/* A text table's rows come as text COPY (feed.c), the format's default. */
	if (t->flags & RCR_TABLE_TEXT)
		RCR_BUF_LIT(sql, " FROM STDIN (FORMAT text");
	else
		RCR_BUF_LIT(sql, " FROM STDIN (FORMAT binary");
	if (freeze)
		RCR_BUF_LIT(sql, ", FREEZE");
	RCR_BUF_LIT(sql, ")");
	return rcr_buf_check(sql);
}

/* Ends the COPY (aborting it after a failed stream: the server rolls back every row already
 * sent) and checks its result: exactly the job's rows. */
static int end_copy(PGconn *conn, const restore_job *job, int src)
{
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	if (PQputCopyEnd(conn, src < 0 ? "rcr: archive frame failed verification" : NULL) != 1 && src == 0)
		src = rcr_error_set(RCR_E_COPY, "ending COPY failed: %s", rcr_pg_error_line(conn));
	else if (src < 0)
		rcr_error_restore(&keep);
	PGresult *cr;
	while ((cr = PQgetResult(conn))) {
		if (src == 0 && PQresultStatus(cr) != PGRES_COMMAND_OK)
			src = rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
		else if (src == 0 && strtoull(PQcmdTuples(cr), NULL, 10) != job->rows)
			src = rcr_error_set(RCR_E_ROWCOUNT, "server loaded %s rows, the archive holds %llu",
					    PQcmdTuples(cr), (unsigned long long)job->rows);
		PQclear(cr);
	}
	return src;
}

/* COPY of one job's rows into table qn. */
static int copy_job(restore_ctx *r, PGconn *conn, const restore_job *job, const char *qn, int freeze)
{
	rcr_buf sql = RCR_BUF_INIT;
	int rc = copy_statement(&sql, conn, &r->m->tables[job->table], qn, freeze);
	if (rc == 0) {
		PGresult *res = PQexec(conn, rcr_buf_cstr(&sql));
		if (PQresultStatus(res) != PGRES_COPY_IN)
			rc = rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
		PQclear(res);
		if (rc == 0)
			rc = end_copy(conn, job, restore_stream_job(r, conn, job));
	}
	rcr_buf_free(&sql);
	return rc;
}

/*
 * --disable-triggers: "ALTER TABLE qn <verb> TRIGGER ALL" (verb DISABLE or ENABLE) in the job's
 * transaction. Rows that go through a partition root (into != qn) land in other partitions
 * too: the root's triggers are switched as well, which PostgreSQL applies to their clones on
 * every partition, and first, so that the jobs loading through one root queue on the root's
 * lock before any of them locks a partition another one routes rows into (each holding its
 * own partition and waiting for the other's would deadlock).
 */
static int switch_triggers(PGconn *conn, const char *qn, const char *into, const char *verb)
{
	char tail[32];
	snprintf(tail, sizeof tail, " %s TRIGGER ALL", verb);
	if (strcmp(into, qn) != 0)
		RCR_FORWARD(exec_on_table(conn, "ALTER TABLE", into, tail));
	return exec_on_table(conn, "ALTER TABLE", qn, tail);
}

/* Loads one job of table qn, whose rows go into `into` (qn itself, or its partition root), in
 * the open transaction (its own, or -1's). */
static int load_job(restore_ctx *r, PGconn *conn, const restore_job *job, const char *qn, const char *into)
{
	const rcr_table *t = &r->m->tables[job->table];
	int rc = 0;
	if (r->o->disable_triggers)
		rc = switch_triggers(conn, qn, into, "DISABLE");
	/* A table this restore just created, loaded by one job: truncating it in the loading
	 * transaction lets COPY FREEZE write the rows already frozen, sparing the first VACUUM a
	 * full rewrite of hint bits. Foreign keys come in post-data, so none block the TRUNCATE.
	 * Not through a partition root: COPY FREEZE refuses a partitioned table, and the TRUNCATE
	 * would delete the rows that other tables' jobs routed into this partition. */
	int freeze = r->fresh_tables && job->whole && worth_freezing(t) && !restore_via_root(t);
	if (rc == 0 && freeze)
		rc = exec_on_table(conn, "TRUNCATE ONLY", qn, "");
	if (rc == 0)
		rc = copy_job(r, conn, job, into, freeze);
	if (rc == 0 && r->o->disable_triggers)
		rc = switch_triggers(conn, qn, into, "ENABLE");
	return rc;
}

/* Ends a job's own transaction. An interrupt that came during the COPY is honoured before the
 * rows are committed, so it leaves this table as it was; one that comes while COMMIT runs is
 * read from COMMIT's result. */
static int commit_job(PGconn *conn, int *commit)
{
	if (rcr_interrupted())
		return rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	return run_commit(conn, commit);
}

static void rollback_keeping_error(PGconn *conn)
{
	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	PGresult *res = PQexec(conn, "ROLLBACK");
	PQclear(res);
	rcr_error_restore(&keep);
}

/* The quoted names of table t (*qn) and of the table its rows go into (*into: its partition
 * root, or t itself), both owned by the caller; with -v, says which job starts. */
static int job_names(char **qn, char **into, PGconn *conn, const restore_ctx *r, const restore_job *job)
{
	const rcr_table *t = &r->m->tables[job->table];
	const char *into_schema, *into_name;
	restore_load_target(t, &into_schema, &into_name);
	RCR_FORWARD(rcr_pg_qualified_name(qn, conn, t->schema, t->name));
	RCR_FORWARD(rcr_pg_qualified_name(into, conn, into_schema, into_name));
	if (!r->o->common.verbose)
		return 0;
	char via[RCR_SHOWN_SIZE + 40] = "";
	if (restore_via_root(t))
		snprintf(via, sizeof via, " through its partition root '%s'", rcr_name_qualify(into_schema, into_name).s);
	fprintf(stderr, "rcr: restoring table '%s' row groups %u-%u (%llu rows)%s\n", rcr_name_qualify(t->schema, t->name).s,
		job->rg_lo, job->rg_hi - 1, (unsigned long long)job->rows, via);
	return 0;
}

/* Loads one job; *commit says whether its rows were committed (with -1: loaded into the open
 * transaction), whatever the result. */
static int restore_one(restore_ctx *r, PGconn *conn, const restore_job *job, int *commit)
{
	*commit = JOB_NOT_COMMITTED;
	const rcr_table *t = &r->m->tables[job->table];
	char *qn = NULL, *into = NULL;
	int rc = job_names(&qn, &into, conn, r, job);
	/* With --single-transaction the worker holds one transaction around every table. */
	int own_tx = !r->o->single_transaction;
	if (rc == 0 && own_tx)
		rc = rcr_pg_exec(conn, "BEGIN");
	if (rc == 0)
		rc = load_job(r, conn, job, qn, into);
	if (rc == 0 && own_tx)
		rc = commit_job(conn, commit);
	else if (rc == 0)
		*commit = JOB_COMMITTED;
	if (rc < 0)
		rollback_keeping_error(conn);
	free(qn);
	free(into);
	if (rc < 0) {
		if (rcr_interrupted())
			return rcr_error_set(RCR_E_INTERRUPTED, "interrupted while restoring table '%s'",
					     rcr_name_qualify(t->schema, t->name).s);
		return rcr_error_wrap(rc, "restoring table '%s'", rcr_name_qualify(t->schema, t->name).s);
	}
	rcr_progress_part_done(&r->prog, job->table);
	return 0;
}

/* One TRUNCATE ONLY of the manifest tables pick() chooses (none: no statement). */
int restore_truncate_tables(const restore_ctx *r, PGconn *conn, int (*pick)(const restore_ctx *, uint32_t))
{
	rcr_buf sql = RCR_BUF_INIT;
	RCR_BUF_LIT(&sql, "TRUNCATE ONLY ");
	int rc = 0, n = 0;
	for (uint32_t i = 0; i < r->m->ntables && rc == 0; i++) {
		const rcr_table *t = &r->m->tables[i];
		char *qn = NULL;
		if (!pick(r, i) || (rc = rcr_pg_qualified_name(&qn, conn, t->schema, t->name)) < 0)
			continue;
		if (n++)
			RCR_BUF_LIT(&sql, ", ");
		rcr_buf_append_cstr(&sql, qn);
		free(qn);
	}
	if (rc == 0)
		rc = rcr_buf_check(&sql);
	if (rc == 0 && n)
		rc = rcr_pg_exec(conn, rcr_buf_cstr(&sql));
	rcr_buf_free(&sql);
	return rc;
}

static int pick_selected(const restore_ctx *r, uint32_t i) { return restore_selected(r->o, &r->m->tables[i]); }

/* --truncate: empties every selected table of the archive, in one statement (so foreign keys
 * among them do not get in the way; one from a table outside the selection fails it, and
 * with it the transaction) and ONLY, so inheritance children outside the archive keep their
 * rows. Tables the archive holds without rows are emptied too: the target then matches it. */
static int truncate_selected(restore_ctx *r, PGconn *conn)
{
	int rc = restore_truncate_tables(r, conn, pick_selected);
	return rc < 0 ? rcr_error_wrap(rc, "emptying the tables for --truncate") : 0;
}

/* Whether every table that t references (foreign keys in the target, among the selected
 * tables) has all its jobs done. Called under r->mu. */
static int parents_done(const restore_ctx *r, uint32_t t)
{
	for (uint32_t k = r->ts[t].parent_lo; k < r->ts[t].parent_hi; k++) {
		const table_state *p = &r->ts[r->parents[k]];
		if (p->done < p->pieces)
			return 0;
	}
	return 1;
}

/*
 * Hands out the next job: the biggest not yet taken whose referenced tables are complete (a
 * table's rows may need its parents' rows, so with foreign keys the parents load first, as
 * pg_restore orders by dependencies; unrelated tables still load in parallel). Waits while
 * only blocked jobs remain and others run; returns 0 when there is nothing more to do or the
 * restore failed.
 */
static int next_job(restore_ctx *r, uint32_t *out)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	while (!rcr_pool_cancelled(r->pool) && !rcr_interrupted()) {
		while (r->next < r->njobs && r->jobs[r->next].taken)
			r->next++;
		uint32_t k = r->next;
		while (k < r->njobs && (r->jobs[k].taken || !parents_done(r, r->jobs[k].table)))
			k++;
		if (k < r->njobs) {
			r->jobs[k].taken = 1;
			r->running++;
			*out = k;
			found = 1;
			break;
		}
		/* Nothing left, or nothing running that could unblock the rest (plan.c rules out
		 * cycles, so this is only the end). */
		if (r->next >= r->njobs || r->running == 0)
			break;
		pthread_cond_wait(&r->cv, &r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

static void job_ended(restore_ctx *r, const restore_job *job, int commit)
{
	pthread_mutex_lock(&r->mu);
	r->running--;
	if (commit == JOB_COMMITTED)
		r->ts[job->table].done++;
	else if (commit == JOB_COMMIT_UNKNOWN)
		r->ts[job->table].unknown = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/*
 * -1: commits the one transaction only when every table loaded and no interrupt came. The
 * interrupt is checked immediately before COMMIT; one that comes later sends its cancel while
 * COMMIT runs or after, and COMMIT's own result says whether the rows were committed
 * (r->single_committed), which is what the restore then reports. Otherwise rolls back
 * (restore_one already did after its own failure).
 */
static void finish_single(restore_ctx *r, PGconn *conn)
{
	int ok = !rcr_pool_cancelled(r->pool);
	if (ok && rcr_interrupted()) {
		rcr_pool_fail(r->pool, rcr_error_set(RCR_E_INTERRUPTED, "interrupted"));
		ok = 0;
	}
	if (!ok) {
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, "ROLLBACK"));
		return;
	}
	int state, crc = run_commit(conn, &state);
	r->single_committed = state == JOB_COMMITTED ? 1 : state == JOB_COMMIT_UNKNOWN ? -1 : 0;
	if (crc < 0)
		rcr_pool_fail(r->pool, rcr_error_wrap(crc, "committing the restore's transaction"));
}

/* A loading session (the workers', and the one that empties partly loaded tables). *out is
 * set even on failure, for PQfinish. */
int restore_connect_session(PGconn **out, const restore_ctx *r)
{
	int rc = rcr_pg_connect(out, &r->o->conn, "rcr restore");
	PGconn *conn = *out;
	/* Each table commits on its own; a crash before the final report leaves the restore
	 * incomplete either way, so durability per commit buys nothing here. */
	/* Load text in the encoding it was dumped in (the server converts to its own), with
	 * pg_restore's session settings: no timeouts, no row security, an empty search_path. */
	if (rc == 0)
		rc = rcr_pg_set_client_encoding(conn, rcr_manifest_get_meta(r->m, "encoding"));
	if (rc == 0)
		rc = rcr_pg_exec(conn, "SET synchronous_commit = off; SET statement_timeout = 0; SET lock_timeout = 0;"
				       " SET idle_in_transaction_session_timeout = 0; SET row_security = off;"
				       " SELECT pg_catalog.set_config('search_path', '', false)");
	return rc;
}

/* One worker: a session of its own (with -1 its one transaction, emptying the selected tables
 * first for --truncate), then jobs until none is left. A failed job is the pool's failure at
 * once, so the others stop; the worker still ends -1's transaction. */
static int worker_main(rcr_pool *pool, void *arg, int worker)
{
	restore_ctx *r = arg;
	PGconn *conn = NULL;
	int rc = restore_connect_session(&conn, r);
	int slot = conn ? rcr_interrupt_watch(conn) : -1;
	int single = r->o->single_transaction;
	if (rc == 0 && single)
		rc = rcr_pg_exec(conn, "BEGIN");
	if (rc == 0 && single && r->o->truncate)
		rc = truncate_selected(r, conn);
	uint32_t i;
	int trc = 0;
	while (rc == 0 && trc == 0 && next_job(r, &i)) {
		int commit;
		trc = restore_one(r, conn, &r->jobs[i], &commit);
		job_ended(r, &r->jobs[i], commit);
		if (trc < 0)
			rcr_pool_fail(pool, trc);
	}
	if (single && conn && rc == 0)
		finish_single(r, conn);
	rcr_interrupt_forget(slot);
	PQfinish(conn);
	return rc < 0 ? rc : trc;
}

/* The pool's first failure stops the others: a cancel on every watched connection (their COPYs
 * end), and next_job's waiters woken (the pool is already marked cancelled). */
static void cancel_workers(void *arg)
{
	restore_ctx *r = arg;
	rcr_interrupt_cancel_watched();
	pthread_mutex_lock(&r->mu);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Runs the workers on the pool; the first failure, its message restored here, or 0. */
static int run_workers(restore_ctx *r)
{
	/* --truncate needs its one worker even when no selected table has rows. */
	int nworkers = r->o->jobs < (int)r->njobs ? r->o->jobs : r->njobs ? (int)r->njobs : 1;
	rcr_pool_opts po = {.workers = nworkers, .njobs = 0, .work = worker_main, .cancel = cancel_workers, .ctx = r};
	int rc = rcr_pool_new(&r->pool, &po);
	if (rc == 0)
		rc = rcr_pool_run(r->pool);
	rcr_pool_free(r->pool);
	r->pool = NULL;
	return rc;
}

/*
 * The data phase, with progress. An interrupt after -1's COMMIT succeeded can no longer undo
 * anything: the restore goes on to its end (what remains is the sequence values and large
 * objects, which belong with the committed rows) and succeeds; a second signal still ends rcr
 * at once. Any other failure or interrupt names the tables it left incomplete.
 */
int restore_load_data(restore_ctx *r)
{
	const rcr_restore_opts *o = r->o;
	if (r->njobs == 0 && !o->truncate)
		return 0;
	rcr_progress_init(&r->prog, "restore", r->m, o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
	for (uint32_t i = 0; i < r->njobs; i++)
		rcr_progress_expect(&r->prog, r->jobs[i].table, r->jobs[i].weight);
	rcr_progress_begin(&r->prog);
	int rc = run_workers(r);
	rcr_progress_end(&r->prog);
	if (rc < 0 || (rcr_interrupted() && r->single_committed != 1)) {
		if (rcr_interrupted())
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; the restore is incomplete");
		rc = restore_report_incomplete(r, rc);
	}
	return rc;
}
