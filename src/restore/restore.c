/*
 * restore.c: `rcr restore`.
 *
 * Phases, as pg_restore runs them: the schema's pre-data section (pg_restore from the embedded
 * pg_dump archive), then the table data rcr stored, in parallel (frames decoded, checked and
 * reassembled into binary COPY for `COPY ... FROM STDIN (FORMAT binary)`), then the rest of the
 * data section through pg_restore (sequence values, large objects), then post-data (indexes,
 * constraints, triggers) with pg_restore -j. Before any row is sent, the target's columns are
 * checked against the archive's (check_target_columns). Every frame is verified before any row
 * of its row group is sent; each COPY runs in its own transaction and must report exactly the
 * manifest's row count, or the transaction is rolled back and the restore fails naming the
 * table. No failure leaves a table holding part of its rows: see plan_jobs and
 * report_incomplete.
 */
#include "rcr/archive.h"
#include "rcr/argv.h"
#include "rcr/cmd.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pgtoc.h"
#include "rcr/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A unit of work: a contiguous run of one table's row groups, loaded and committed in one
 * transaction. Only a table this restore created is split into several jobs (see plan_jobs). */
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
	restore_job *jobs;      /* largest first */
	uint32_t njobs;
	uint32_t ntables;       /* selected tables with rows */
	int fresh_tables;       /* pre-data just created the tables: empty, no foreign keys yet */
	table_state *ts;        /* m->ntables entries */
	uint32_t *parents;      /* manifest indexes of referenced tables, grouped by referencing table */
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* a job ended, or the restore failed */
	uint32_t next;          /* no job before this one is left to take */
	uint32_t running;       /* jobs in progress */
	int failed;
	int single_committed;   /* -1: the one transaction's COMMIT succeeded; -1 when its outcome is unknown */
	rcr_error_snapshot first_err;
	rcr_progress prog;
} restore_ctx;

static void record_failure(restore_ctx *r, int rc)
{
	pthread_mutex_lock(&r->mu);
	int first = !r->failed;
	if (first) {
		r->failed = rc;
		rcr_error_save(&r->first_err);
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	/* Fail fast, as pg_restore --exit-on-error: stop the other tables' COPYs. */
	if (first)
		rcr_interrupt_cancel_watched();
}

static int send_buf(PGconn *conn, rcr_buf *b)
{
	if (b->len == 0)
		return 0;
	if (PQputCopyData(conn, (const char *)b->data, (int)b->len) != 1)
		return rcr_error_set(RCR_E_COPY, "sending COPY data failed: %s", rcr_pg_error_line(conn));
	rcr_buf_reset(b);
	return 0;
}

/*
 * A job's row groups flow through two buffers: a decoder thread reads, checks and reassembles
 * one row group into binary COPY bytes while the connection's thread sends the other. Sending
 * blocks until the socket takes the bytes, so decoding in the same thread would leave the server
 * idle for every row group's decode; here the server always has the next group ready.
 */
typedef struct feed {
	restore_ctx *r;
	const restore_job *job;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rcr_buf slot[2];
	uint64_t rows[2], raw[2];
	int full[2];            /* slot holds bytes ready to send */
	int stop;               /* the sender gave up: the decoder stops */
	int done;               /* the decoder published its last slot, or failed */
	int prc;                /* the decoder's failure; its message in perr */
	rcr_error_snapshot perr;
} feed;

/* Waits until slot i is free (or the sender stopped); returns it, or NULL to stop. */
static rcr_buf *feed_acquire(feed *f, int i)
{
	pthread_mutex_lock(&f->mu);
	while (f->full[i] && !f->stop)
		pthread_cond_wait(&f->cv, &f->mu);
	rcr_buf *b = f->stop ? NULL : &f->slot[i];
	pthread_mutex_unlock(&f->mu);
	return b;
}

static void feed_publish(feed *f, int i, uint64_t rows, uint64_t raw)
{
	pthread_mutex_lock(&f->mu);
	f->full[i] = 1;
	f->rows[i] = rows;
	f->raw[i] = raw;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* A table's data files open for reading, with their sizes (the bound of every read) and paths
 * (for messages). Shared by the decoder and the pre-check of split tables. */
typedef struct table_files {
	uint32_t n;
	int *fds;
	uint64_t *sizes;
	char (*paths)[4096];
} table_files;

static void table_files_close(table_files *tf)
{
	for (uint32_t i = 0; i < tf->n && tf->fds; i++)
		if (tf->fds[i] >= 0)
			close(tf->fds[i]);
	free(tf->fds);
	free(tf->sizes);
	free(tf->paths);
	*tf = (table_files){0};
}

static int table_files_open(table_files *tf, const char *archive, const rcr_table *t)
{
	*tf = (table_files){.n = t->nfiles,
			    .fds = calloc(t->nfiles + 1, sizeof *tf->fds),
			    .sizes = calloc(t->nfiles + 1, sizeof *tf->sizes),
			    .paths = calloc(t->nfiles + 1, sizeof *tf->paths)};
	if (!tf->fds || !tf->sizes || !tf->paths) {
		table_files_close(tf);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < tf->n; i++)
		tf->fds[i] = -1;
	int rc = 0;
	for (uint32_t i = 0; i < tf->n && rc == 0; i++) {
		tf->fds[i] = rcr_fs_open_in(archive, t->files[i], tf->paths[i], sizeof tf->paths[i]);
		struct stat st;
		if (tf->fds[i] < 0)
			rc = tf->fds[i];
		else if (fstat(tf->fds[i], &st) != 0)
			rc = rcr_error_set(RCR_E_IO, "could not stat '%s': %s", tf->paths[i], strerror(errno));
		else
			tf->sizes[i] = (uint64_t)st.st_size;
	}
	if (rc < 0)
		table_files_close(tf);
	return rc;
}

/* The decoder: every frame is verified before any row of its row group is published. */
static int feed_produce(feed *f)
{
	restore_ctx *r = f->r;
	const restore_job *job = f->job;
	uint32_t ti = job->table;
	const rcr_table *t = &r->m->tables[ti];
	table_files tf = {0};
	const uint8_t **cursors = calloc(t->ncols + 1, sizeof *cursors);
	const uint8_t **ends = calloc(t->ncols + 1, sizeof *ends);
	rcr_frame_decoder **decs = calloc(t->ncols + 1, sizeof *decs);
	rcr_buf scratch = RCR_BUF_INIT;
	int rc = (cursors && ends && decs) ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = table_files_open(&tf, r->o->archive, t);
	/* One decoder per column: the field streams of a whole row group stay alive together
	 * while its tuples are interleaved. */
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
		rc = rcr_frame_decoder_new(&decs[c], RCR_MAX_FRAME_RAW);
	int i = 0, header = 1;
	for (uint32_t g = job->rg_lo; g <= job->rg_hi && rc == 0; g++) {
		if (rcr_interrupted()) {
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			break;
		}
		rcr_buf *out = feed_acquire(f, i);
		if (!out)
			break;
		if (header)
			rc = rcr_copy_write_header(out);
		header = 0;
		if (g == job->rg_hi) {
			/* After the last row group: the trailer, in a slot of its own. */
			if (rc == 0)
				rc = rcr_copy_write_trailer(out);
			if (rc == 0)
				feed_publish(f, i, 0, 0);
			break;
		}
		const rcr_row_group *rg = &t->rgs[g];
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++) {
			size_t len;
			rc = rcr_archive_load_frame(decs[c], &scratch, tf.fds[rg->file], tf.sizes[rg->file],
						    tf.paths[rg->file], r->m, ti, g, c, &cursors[c], &len);
			if (rc == 0)
				ends[c] = cursors[c] + len;
		}
		if (rc == 0)
			rc = rcr_copy_write_tuples(out, cursors, (const uint8_t *const *)ends, (uint16_t)t->ncols,
						   rg->row_count);
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
			if (cursors[c] != ends[c])
				rc = rcr_error_set(RCR_E_FORMAT, "table '%s' row group %u column '%s' has values beyond its %u rows",
						   rcr_name_qualify(t->schema, t->name).s, g, rcr_name_quote(t->cols[c].name).s,
						   rg->row_count);
		if (rc == 0) {
			uint64_t raw = 0;  /* progress counts column data, as the other commands do */
			for (uint32_t c = 0; c < t->ncols; c++)
				raw += rg->frames[c].raw_size;
			feed_publish(f, i, rg->row_count, raw);
			i ^= 1;
		}
	}
	table_files_close(&tf);
	for (uint32_t c = 0; c < t->ncols && decs; c++)
		rcr_frame_decoder_free(decs[c]);
	free(decs);
	free(cursors);
	free(ends);
	rcr_buf_free(&scratch);
	return rc;
}

static void *feed_main(void *arg)
{
	feed *f = arg;
	int rc = feed_produce(f);
	rcr_error_snapshot snap;
	if (rc < 0)
		rcr_error_save(&snap);
	pthread_mutex_lock(&f->mu);
	if (rc < 0) {
		f->prc = rc;
		f->perr = snap;
	}
	f->done = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Streams a job's row groups into an open COPY FROM STDIN. */
static int stream_table(restore_ctx *r, PGconn *conn, const restore_job *job)
{
	feed f = {.r = r, .job = job, .slot = {RCR_BUF_INIT, RCR_BUF_INIT}};
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cv, NULL);
	pthread_t th;
	int started = pthread_create(&th, NULL, feed_main, &f) == 0;
	int rc = started ? 0 : rcr_error_set(RCR_E_INTERNAL, "could not start a decoder thread");
	/* Slots are filled and sent in the same alternating order, so when the decoder is done
	 * and the next slot is empty, everything has been sent. */
	for (int i = 0; rc == 0; i ^= 1) {
		pthread_mutex_lock(&f.mu);
		while (!f.full[i] && !f.done)
			pthread_cond_wait(&f.cv, &f.mu);
		int ready = f.full[i];
		uint64_t rows = f.rows[i], raw = f.raw[i];
		pthread_mutex_unlock(&f.mu);
		if (!ready)
			break;
		rc = send_buf(conn, &f.slot[i]);
		if (rc == 0)
			rcr_progress_add(&r->prog, job->table, rows, raw);
		pthread_mutex_lock(&f.mu);
		f.full[i] = 0;
		if (rc < 0)
			f.stop = 1;
		pthread_cond_broadcast(&f.cv);
		pthread_mutex_unlock(&f.mu);
	}
	if (started)
		pthread_join(th, NULL);
	if (rc == 0 && f.prc < 0) {
		rcr_error_restore(&f.perr);
		rc = f.prc;
	}
	rcr_buf_free(&f.slot[0]);
	rcr_buf_free(&f.slot[1]);
	pthread_cond_destroy(&f.cv);
	pthread_mutex_destroy(&f.mu);
	return rc;
}

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

/* Loads one job; *commit says whether its rows were committed (with -1: loaded into the open
 * transaction), whatever the result. */
static int restore_one(restore_ctx *r, PGconn *conn, const restore_job *job, int *commit)
{
	*commit = JOB_NOT_COMMITTED;
	const rcr_table *t = &r->m->tables[job->table];
	char *qn = NULL;
	rcr_buf sql = RCR_BUF_INIT;
	int rc = rcr_pg_qualified_name(&qn, conn, t->schema, t->name);
	if (rc == 0 && r->o->common.verbose)
		fprintf(stderr, "rcr: restoring table '%s' row groups %u-%u (%llu rows)\n",
			rcr_name_qualify(t->schema, t->name).s,
			job->rg_lo, job->rg_hi - 1, (unsigned long long)job->rows);
	/* With --single-transaction the worker holds one transaction around every table. */
	int own_tx = !r->o->single_transaction;
	if (rc == 0 && own_tx)
		rc = rcr_pg_exec(conn, "BEGIN");
	if (rc == 0 && r->o->disable_triggers) {
		char s[8300];
		snprintf(s, sizeof s, "ALTER TABLE %s DISABLE TRIGGER ALL", qn);
		rc = rcr_pg_exec(conn, s);
	}
	/* A table this restore just created, loaded by one job: truncating it in the loading
	 * transaction lets COPY FREEZE write the rows already frozen, sparing the first VACUUM a
	 * full rewrite of hint bits. Foreign keys come in post-data, so none block the TRUNCATE. */
	int freeze = r->fresh_tables && job->whole && worth_freezing(t);
	if (rc == 0 && freeze) {
		char s[8300];
		snprintf(s, sizeof s, "TRUNCATE ONLY %s", qn);
		rc = rcr_pg_exec(conn, s);
	}
	if (rc == 0) {
		rc = rcr_buf_append(&sql, "COPY ", 5);
		rc |= rcr_buf_append(&sql, qn, strlen(qn));
		/* A table with no columns takes no column list ("()" is a syntax error). */
		if (t->ncols)
			rc |= rcr_buf_append(&sql, " (", 2);
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++) {
			char *q;
			rc = rcr_pg_quote_ident(&q, conn, t->cols[c].name);
			if (rc == 0) {
				if (c)
					rc |= rcr_buf_append(&sql, ", ", 2);
				rc |= rcr_buf_append(&sql, q, strlen(q));
				free(q);
			}
		}
		if (t->ncols)
			rc |= rcr_buf_append(&sql, ")", 1);
		if (freeze)
			rc |= rcr_buf_append(&sql, " FROM STDIN (FORMAT binary, FREEZE)", 36);
		else
			rc |= rcr_buf_append(&sql, " FROM STDIN (FORMAT binary)", 28);
	}
	if (rc == 0) {
		PGresult *res = PQexec(conn, (const char *)sql.data);
		if (PQresultStatus(res) != PGRES_COPY_IN)
			rc = rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
		PQclear(res);
		if (rc == 0) {
			int src = stream_table(r, conn, job);
			rcr_error_snapshot keep;
			rcr_error_save(&keep);
			/* On a bad frame, abort the COPY: the server rolls back every row already sent. */
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
			rc = src;
		}
	}
	if (rc == 0 && r->o->disable_triggers) {
		char s[8300];
		snprintf(s, sizeof s, "ALTER TABLE %s ENABLE TRIGGER ALL", qn);
		rc = rcr_pg_exec(conn, s);
	}
	/* An interrupt that came during the COPY is honoured before the rows are committed, so
	 * it leaves this table as it was; one that comes while COMMIT runs is read from COMMIT's
	 * result. */
	if (rc == 0 && own_tx && rcr_interrupted())
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	else if (rc == 0 && own_tx)
		rc = run_commit(conn, commit);
	else if (rc == 0)
		*commit = JOB_COMMITTED;
	if (rc < 0 && PQtransactionStatus(conn) != PQTRANS_IDLE) {
		rcr_error_snapshot keep;
		rcr_error_save(&keep);
		PGresult *res = PQexec(conn, "ROLLBACK");
		PQclear(res);
		rcr_error_restore(&keep);
	}
	free(qn);
	rcr_buf_free(&sql);
	if (rc < 0) {
		if (rcr_interrupted())
			return rcr_error_set(RCR_E_INTERRUPTED, "interrupted while restoring table '%s'",
					     rcr_name_qualify(t->schema, t->name).s);
		return rcr_error_wrap(rc, "restoring table '%s'", rcr_name_qualify(t->schema, t->name).s);
	}
	rcr_progress_part_done(&r->prog, job->table);
	return 0;
}

/* --truncate: empties every selected table of the archive, in one statement (so foreign keys
 * among them do not get in the way; one from a table outside the selection fails it, and
 * with it the transaction) and ONLY, so inheritance children outside the archive keep their
 * rows. Tables the archive holds without rows are emptied too: the target then matches it. */
static int selected(const rcr_restore_opts *o, const rcr_table *t);

/* One TRUNCATE ONLY of the manifest tables pick() chooses (none: no statement). */
static int truncate_tables(const restore_ctx *r, PGconn *conn, int (*pick)(const restore_ctx *, uint32_t))
{
	rcr_buf sql = RCR_BUF_INIT;
	int rc = rcr_buf_append(&sql, "TRUNCATE ONLY ", 14), n = 0;
	for (uint32_t i = 0; i < r->m->ntables && rc == 0; i++) {
		const rcr_table *t = &r->m->tables[i];
		if (!pick(r, i))
			continue;
		char *qn = NULL;
		rc = rcr_pg_qualified_name(&qn, conn, t->schema, t->name);
		if (rc == 0 && n++)
			rc = rcr_buf_append(&sql, ", ", 2);
		if (rc == 0)
			rc = rcr_buf_append(&sql, qn, strlen(qn));
		free(qn);
	}
	if (rc == 0)
		rc = rcr_buf_append(&sql, "", 1);
	if (rc == 0 && n)
		rc = rcr_pg_exec(conn, (const char *)sql.data);
	rcr_buf_free(&sql);
	return rc;
}

static int pick_selected(const restore_ctx *r, uint32_t i) { return selected(r->o, &r->m->tables[i]); }

static int truncate_selected(restore_ctx *r, PGconn *conn)
{
	int rc = truncate_tables(r, conn, pick_selected);
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
	while (!r->failed && !rcr_interrupted()) {
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
		/* Nothing left, or nothing running that could unblock the rest (plan_order rules
		 * out cycles, so this is only the end). */
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
	pthread_mutex_lock(&r->mu);
	int ok = !r->failed;
	pthread_mutex_unlock(&r->mu);
	if (ok && rcr_interrupted()) {
		rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
		record_failure(r, RCR_E_INTERRUPTED);
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
		record_failure(r, rcr_error_wrap(crc, "committing the restore's transaction"));
}

/* A loading session (the workers', and the one that empties partly loaded tables). *out is
 * set even on failure, for PQfinish. */
static int connect_session(PGconn **out, const restore_ctx *r)
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

static void *worker_main(void *arg)
{
	restore_ctx *r = arg;
	PGconn *conn = NULL;
	int rc = connect_session(&conn, r);
	int slot = conn ? rcr_interrupt_watch(conn) : -1;
	int single = r->o->single_transaction;
	if (rc == 0 && single)
		rc = rcr_pg_exec(conn, "BEGIN");
	if (rc == 0 && single && r->o->truncate)
		rc = truncate_selected(r, conn);
	if (rc < 0)
		record_failure(r, rc);
	uint32_t i;
	while (rc == 0 && next_job(r, &i)) {
		int commit;
		int trc = restore_one(r, conn, &r->jobs[i], &commit);
		job_ended(r, &r->jobs[i], commit);
		if (trc < 0) {
			record_failure(r, trc);
			break;
		}
	}
	if (single && conn && rc == 0)
		finish_single(r, conn);
	rcr_interrupt_forget(slot);
	PQfinish(conn);
	return NULL;
}

/* A table with rows to load whose jobs did not all commit. */
static int incomplete(const table_state *t) { return t->done < t->pieces; }
/* ...and which may hold some of its rows: a job committed, or its COMMIT's outcome is unknown. */
static int partial(const table_state *t) { return incomplete(t) && (t->done > 0 || t->unknown); }
static int not_loaded(const table_state *t) { return incomplete(t) && !t->unknown; }

/* Appends "'s.t', 's.u' (and N more)" for the tables pred selects; returns how many. */
static uint32_t append_tables(rcr_buf *b, const restore_ctx *r, int (*pred)(const table_state *))
{
	enum { SHOWN = 10 };
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->m->ntables; i++) {
		if (!pred(&r->ts[i]))
			continue;
		if (n < SHOWN) {
			char item[2 * RCR_MAX_NAME + 8];
			int len = snprintf(item, sizeof item, "%s'%s'", n ? ", " : "",
					   rcr_name_qualify(r->m->tables[i].schema, r->m->tables[i].name).s);
			rcr_buf_append(b, item, len < (int)sizeof item ? (size_t)len : sizeof item - 1);
		}
		n++;
	}
	if (n > SHOWN) {
		char more[48];
		int len = snprintf(more, sizeof more, " and %u more", n - SHOWN);
		rcr_buf_append(b, more, (size_t)len);
	}
	return n;
}

/*
 * After a failed or interrupted data phase of tables this restore created: empties every table
 * that holds part of its rows (some of its runs committed before the failure), over a session
 * of its own (the workers' are gone or cancelled; this one is not watched, so the interrupt
 * that caused the failure does not cancel the cleanup). No foreign keys exist yet (post-data
 * has not run), so one TRUNCATE ONLY of those tables cannot be refused by one.
 */
static int pick_partial(const restore_ctx *r, uint32_t i) { return partial(&r->ts[i]); }

static int empty_partial_tables(const restore_ctx *r)
{
	PGconn *conn = NULL;
	int rc = connect_session(&conn, r);
	if (rc == 0)
		rc = truncate_tables(r, conn, pick_partial);
	PQfinish(conn);
	return rc;
}

/*
 * The final line of a failed data phase: the first error, then what it left behind, so that no
 * table keeps part of its rows unsaid.
 *  - -1: nothing was committed (or, the connection lost during COMMIT, nobody knows);
 *  - tables this restore created: the complete ones keep their rows, the others are empty
 *    (the runs that had committed are removed here), or are named as possibly partial when
 *    that fails (the server is gone);
 *  - -a: a table is one transaction, so an incomplete one keeps the rows it had.
 */
static int report_incomplete(restore_ctx *r, int rc)
{
	char msg[sizeof r->first_err.message], hint[sizeof r->first_err.hint];
	snprintf(msg, sizeof msg, "%s", rcr_error_message());
	snprintf(hint, sizeof hint, "%s", rcr_error_hint());
	rcr_buf tail = RCR_BUF_INIT;
	uint32_t n = 0;
	if (r->o->single_transaction) {
		const char *s = r->single_committed < 0
			? "; the connection was lost during COMMIT: whether the tables hold the archive's rows is unknown"
			: "; nothing was committed: every table keeps the rows it had";
		rcr_buf_append(&tail, s, strlen(s));
	} else if (r->fresh_tables) {
		int any_partial = 0;
		for (uint32_t i = 0; i < r->m->ntables && !any_partial; i++)
			any_partial = partial(&r->ts[i]);
		int erc = any_partial ? empty_partial_tables(r) : 0;
		char ebuf[600] = "";
		if (erc < 0)
			snprintf(ebuf, sizeof ebuf, "%s", rcr_error_message());
		rcr_buf_append(&tail, "; tables not restored: ", 23);
		n = append_tables(&tail, r, incomplete);
		if (erc == 0)
			rcr_buf_append(&tail, " (they hold no rows)", 20);
		else {
			rcr_buf_append(&tail, "; of these, ", 12);
			append_tables(&tail, r, partial);
			char e[700];
			int len = snprintf(e, sizeof e, " may hold part of their rows (emptying them failed: %s)", ebuf);
			rcr_buf_append(&tail, e, len < (int)sizeof e ? (size_t)len : sizeof e - 1);
		}
	} else {
		rcr_buf_append(&tail, "; tables not loaded (they keep the rows they had): ", 51);
		n = append_tables(&tail, r, not_loaded);
		uint32_t unknown = 0;
		for (uint32_t i = 0; i < r->m->ntables; i++)
			unknown += r->ts[i].unknown != 0;
		if (unknown) {
			n += unknown;
			rcr_buf_append(&tail, "; the connection was lost during the COMMIT of ", 47);
			append_tables(&tail, r, partial);
			rcr_buf_append(&tail, ", which may hold the archive's rows", 35);
		}
	}
	if (!r->o->single_transaction && n == 0)
		tail.len = 0;
	rcr_buf_append(&tail, "", 1);
	const char *t = tail.data ? (const char *)tail.data : "";
	if (hint[0])
		rc = rcr_error_set_hint(rc, hint, "%s%s", msg, t);
	else
		rc = rcr_error_set(rc, "%s%s", msg, t);
	rcr_buf_free(&tail);
	return rc;
}

/* -n and -t take exact names, as pg_restore's do (not pg_dump's patterns). */
static int in_list(const rcr_strlist *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (s && strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

static int schema_selected(const rcr_restore_opts *o, const char *schema)
{
	return o->schemas.n == 0 || in_list(&o->schemas, schema);
}

static int selected(const rcr_restore_opts *o, const rcr_table *t)
{
	return schema_selected(o, t->schema) && (o->tables.n == 0 || in_list(&o->tables, t->name));
}

static int cmp_job_weight(const void *a, const void *b)
{
	const restore_job *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->rg_lo < y->rg_lo ? -1 : x->rg_lo > y->rg_lo;
}

/*
 * Orders the work largest first. A table this restore creates (r->fresh_tables) is split into
 * runs of row groups of about `piece` raw bytes (a few per connection, so the big tables keep
 * every connection busy), each committed on its own: should the restore fail, the runs that
 * committed are removed again (empty_partial_tables), the table being this restore's own. A
 * table that existed before (-a) is loaded in one job, one transaction, so that a failure
 * rolls back its rows and leaves it as it was; the parallelism is then across tables.
 */
static int plan_jobs(restore_ctx *r)
{
	const rcr_manifest *m = r->m;
	uint64_t total = 0;
	for (uint32_t i = 0; i < m->ntables; i++)
		if (selected(r->o, &m->tables[i]))
			total += m->tables[i].raw_bytes;
	uint64_t piece = r->o->piece_bytes;
	if (piece == 0) {
		piece = total / ((uint64_t)r->o->jobs * 4);
		if (piece < ((uint64_t)32 << 20))
			piece = (uint64_t)32 << 20;
	}
	if (!r->fresh_tables)
		piece = UINT64_MAX;
	uint32_t cap = 0;
	for (uint32_t i = 0; i < m->ntables; i++)
		cap += m->tables[i].nrgs;
	r->jobs = calloc(cap + 1, sizeof *r->jobs);
	r->ts = calloc(m->ntables + 1, sizeof *r->ts);
	if (!r->jobs || !r->ts)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		if (!selected(r->o, t) || t->row_count == 0)
			continue;
		r->ntables++;
		uint32_t g = 0;
		while (g < t->nrgs) {
			restore_job *j = &r->jobs[r->njobs++];
			j->table = i;
			j->rg_lo = g;
			uint64_t raw = 0;
			while (g < t->nrgs && (raw == 0 || raw < piece)) {
				for (uint32_t c = 0; c < t->ncols; c++)
					raw += t->rgs[g].frames[c].raw_size;
				if (t->ncols == 0)
					raw = 1;
				j->rows += t->rgs[g].row_count;
				g++;
			}
			j->rg_hi = g;
			j->weight = raw;
			j->last = g == t->nrgs;
			j->whole = j->rg_lo == 0 && j->last;
			r->ts[i].pieces++;
		}
	}
	qsort(r->jobs, r->njobs, sizeof *r->jobs, cmp_job_weight);
	return 0;
}

/*
 * A table loaded by one job is all or nothing: its COPY runs in one transaction that any bad
 * frame rolls back. A table split over several jobs is not: a job that finished first has
 * committed by the time a later one meets a damaged frame, and those rows are then removed
 * again (report_incomplete). To spare that load and removal in the common case of damage,
 * before the database is touched every frame of a split table has its header checked against
 * the manifest and its stored bytes against their checksum (hashing only, no decompression: a
 * fraction of the load time); a forged frame whose decoded bytes fail Raw_Hash is found only
 * while loading.
 */
static int precheck_split_tables(restore_ctx *r)
{
	const rcr_manifest *m = r->m;
	uint8_t *split = calloc(m->ntables + 1, 1);
	if (!split)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < r->njobs; i++)
		if (!r->jobs[i].whole)
			split[r->jobs[i].table] = 1;
	rcr_buf scratch = RCR_BUF_INIT;
	int rc = 0;
	for (uint32_t ti = 0; ti < m->ntables && rc == 0; ti++) {
		if (!split[ti])
			continue;
		const rcr_table *t = &m->tables[ti];
		table_files tf;
		rc = table_files_open(&tf, r->o->archive, t);
		if (rc < 0) {
			rc = rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(t->schema, t->name).s);
			break;
		}
		for (uint32_t g = 0; g < t->nrgs && rc == 0; g++) {
			const rcr_row_group *rg = &t->rgs[g];
			if (rcr_interrupted())
				rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
				rc = rcr_archive_check_frame_stored(&scratch, tf.fds[rg->file], tf.sizes[rg->file],
								    tf.paths[rg->file], m, ti, g, c);
		}
		table_files_close(&tf);
	}
	rcr_buf_free(&scratch);
	free(split);
	return rc;
}

/* Appends s to an array literal as a double-quoted element (backslash before " and \). */
static int append_array_elem(rcr_buf *b, const char *s)
{
	int rc = rcr_buf_append(b, b->len > 1 ? ",\"" : "\"", b->len > 1 ? 2 : 1);
	for (const char *c = s; *c && rc == 0; c++) {
		if (*c == '"' || *c == '\\')
			rc = rcr_buf_append(b, "\\", 1);
		if (rc == 0)
			rc = rcr_buf_append(b, c, 1);
	}
	return rc == 0 ? rcr_buf_append(b, "\"", 1) : rc;
}

/* The embedded schema's toc.dat, decoded; *out owned by the caller (rcr_toc_free). */
static int read_schema_toc(rcr_toc **out, const rcr_manifest *m, const char *archive)
{
	*out = NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/toc.dat", archive, m->schema_dir);
	rcr_buf b = RCR_BUF_INIT;
	int rc = rcr_fs_read_file(&b, path, (uint64_t)1 << 30);
	if (rc == 0)
		rc = rcr_toc_decode(out, b.data, b.len);
	rcr_buf_free(&b);
	return rc;
}

/* The dump IDs of the embedded schema's SCHEMA entries whose schema the target already has,
 * ascending. Only those names are asked for, as a parameter: the session speaks the archive's
 * encoding, in which another schema's name may have no equivalent. The entries are picked by
 * dump ID, never by their text in pg_restore's list, whose fields are unquoted names that may
 * hold spaces or look like another entry's. */
static int existing_schema_ids(PGresult **out, PGconn *conn, const rcr_toc *toc)
{
	rcr_buf names = RCR_BUF_INIT, ids = RCR_BUF_INIT;
	int rc = rcr_buf_append(&names, "{", 1);
	if (rc == 0)
		rc = rcr_buf_append(&ids, "{", 1);
	for (int i = 0; rc == 0 && i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || strcmp(e->desc, "SCHEMA") != 0 || !e->tag)
			continue;
		char id[16];
		snprintf(id, sizeof id, "%d", e->dump_id);
		rc = append_array_elem(&names, e->tag);
		if (rc == 0)
			rc = append_array_elem(&ids, id);
	}
	if (rc == 0)
		rc = rcr_buf_append(&names, "}", 2);
	if (rc == 0)
		rc = rcr_buf_append(&ids, "}", 2);
	if (rc < 0) {
		rcr_buf_free(&names);
		rcr_buf_free(&ids);
		return rc;
	}
	const char *params[2] = {(const char *)names.data, (const char *)ids.data};
	PGresult *res = PQexecParams(conn,
		"SELECT u.id FROM unnest($1::text[], $2::int[]) AS u(name, id)"
		" WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = u.name) ORDER BY u.id",
		2, NULL, params, NULL, NULL, 0);
	rcr_buf_free(&names);
	rcr_buf_free(&ids);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = rcr_error_set(RCR_E_QUERY, "listing the target's schemas: %s", rcr_pg_error_line(conn));
		PQclear(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* Whether a line of pg_restore's list ("N; tableoid oid DESC namespace tag owner") is the
 * entry of one of the dump IDs in ids (one column, ascending). Comment lines start with ';'. */
static int list_line_in(const char *line, size_t len, const PGresult *ids)
{
	char num[16];
	size_t n = 0;
	while (n < len && n < sizeof num - 1 && line[n] >= '0' && line[n] <= '9') {
		num[n] = line[n];
		n++;
	}
	if (n == 0 || n >= len || line[n] != ';')
		return 0;
	num[n] = 0;
	long id = strtol(num, NULL, 10);
	for (int i = 0; i < PQntuples(ids); i++)
		if (strtol(PQgetvalue(ids, i, 0), NULL, 10) == id)
			return 1;
	return 0;
}

/*
 * pg_restore's -L list for the embedded schema: every entry, except that a SCHEMA entry for a
 * schema the target database already has is commented out. `pg_dump -n public` records
 * "CREATE SCHEMA public", which every fresh database already has; replaying it would fail
 * the restore (and --clean would try to drop a schema the target's extensions live in).
 * *path (caller owns, caller unlinks) names the list file.
 */
static int make_restore_list(char **path, PGconn *conn, const rcr_manifest *m, const rcr_toc *toc,
			     const char *archive, const char *tool, const char *password)
{
	*path = NULL;
	char schema[4096];
	snprintf(schema, sizeof schema, "%s/%s", archive, m->schema_dir);
	char *argv[] = {(char *)tool, "--list", schema, NULL};
	rcr_buf list = RCR_BUF_INIT;
	int rc = rcr_pg_run_tool_capture(argv, password, NULL, rcr_interrupt_child_slot(), &list);
	if (rc < 0) {
		rcr_buf_free(&list);
		return rcr_error_wrap(rc, "listing the schema archive");
	}
	PGresult *ns = NULL;
	rc = existing_schema_ids(&ns, conn, toc);
	/* TMPDIR as every Unix tool honours it. The file has no name, so a killed rcr cannot leave
	 * it behind; pg_restore reads it as /dev/fd/N, its fd inherited across the exec. */
	const char *tmpdir = getenv("TMPDIR");
	char tmpl[64] = "";
	int fd = rc == 0 ? rcr_fs_open_unnamed(tmpdir && tmpdir[0] ? tmpdir : "/tmp") : -1;
	if (fd < 0 && rc == 0)
		rc = fd;
	if (fd >= 0)
		snprintf(tmpl, sizeof tmpl, "/dev/fd/%d", fd);
	int wfd = fd >= 0 ? dup(fd) : -1;
	FILE *f = wfd >= 0 ? fdopen(wfd, "w") : NULL;
	if (rc == 0 && !f)
		rc = rcr_error_set(RCR_E_IO, "could not open a temporary file: %s", strerror(errno));
	if (!f && wfd >= 0)
		close(wfd);
	char *p = (char *)list.data, *end = p + list.len;
	while (rc == 0 && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int skip = list_line_in(p, len, ns);
		if (skip)
			fputc(';', f);
		fwrite(p, 1, len, f);
		fputc('\n', f);
		p += len + 1;
	}
	if (f && fclose(f) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not write '%s': %s", tmpl, strerror(errno));
	PQclear(ns);
	rcr_buf_free(&list);
	if (rc == 0)
		*path = strdup(tmpl);
	if (rc == 0 && !*path)
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc < 0 && fd >= 0)
		close(fd);
	return rc;
}

/* Closes the list that make_restore_list left open as /dev/fd/N, and frees its path. */
static void drop_restore_list(char *path)
{
	int fd;
	if (path && sscanf(path, "/dev/fd/%d", &fd) == 1)
		close(fd);
	free(path);
}


/* A relation pg_restore -t selects (tables, views, materialized views, sequences, foreign
 * tables: what pg_restore 17 matches), named `name` in a schema -n selects. */
static int toc_has_relation(const rcr_toc *toc, const rcr_restore_opts *o, const char *name)
{
	static const char *const kinds[] = {"TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE"};
	for (int i = 0; toc && i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || !e->tag || strcmp(e->tag, name) != 0 || !schema_selected(o, e->namespace_))
			continue;
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			if (strcmp(e->desc, kinds[k]) == 0)
				return 1;
	}
	return 0;
}

static int toc_has_schema(const rcr_toc *toc, const char *schema)
{
	for (int i = 0; toc && i < toc->nentries; i++)
		if (toc->entries[i].namespace_ && strcmp(toc->entries[i].namespace_, schema) == 0)
			return 1;
	return 0;
}

/*
 * Every -n and -t must name something in the archive, as with pg_restore --strict-names
 * (always on: a misspelt name would otherwise restore nothing and exit 0). A schema matches
 * when one of its tables or any schema entry is in it; a table, when the manifest has a
 * table of that name in a selected schema, or the schema archive a relation pg_restore -t
 * would pick. Runs before the database is touched.
 */
static int check_names_match(const rcr_restore_opts *o, const rcr_manifest *m, const rcr_toc *toc)
{
	int rc = 0;
	for (int i = 0; i < o->schemas.n && rc == 0; i++) {
		int found = toc_has_schema(toc, o->schemas.items[i]);
		for (uint32_t k = 0; k < m->ntables && !found; k++)
			found = strcmp(m->tables[k].schema, o->schemas.items[i]) == 0;
		if (!found)
			rc = rcr_error_set_hint(RCR_E_USAGE, "-n takes an exact schema name, as pg_restore's; `rcr list` shows the archive's tables",
						"schema '%s' (-n) matches nothing in the archive; nothing was restored",
						o->schemas.items[i]);
	}
	for (int i = 0; i < o->tables.n && rc == 0; i++) {
		int found = toc_has_relation(toc, o, o->tables.items[i]);
		for (uint32_t k = 0; k < m->ntables && !found; k++)
			found = strcmp(m->tables[k].name, o->tables.items[i]) == 0 && schema_selected(o, m->tables[k].schema);
		if (!found)
			rc = rcr_error_set_hint(RCR_E_USAGE, "-t takes an exact table name, as pg_restore's; `rcr list` shows the archive's tables",
						"table '%s' (-t) matches nothing in the archive%s; nothing was restored",
						o->tables.items[i], o->schemas.n ? " in the schemas -n selects" : "");
	}
	return rc;
}

/*
 * Runs sql with the selected tables' schema names as $1 and table names as $2 (text arrays in
 * manifest order, so WITH ORDINALITY numbers them from 1 in the order selected() walks the
 * manifest): one query whatever the number of tables, names never spliced into SQL.
 * *out is NULL when no table is selected.
 */
static int query_selected_tables(PGresult **out, PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m,
				 const char *sql)
{
	*out = NULL;
	rcr_buf schemas = RCR_BUF_INIT, names = RCR_BUF_INIT;
	int rc = rcr_buf_append(&schemas, "{", 1);
	rc |= rcr_buf_append(&names, "{", 1);
	uint32_t n = 0;
	for (uint32_t i = 0; i < m->ntables && rc == 0; i++) {
		if (!selected(o, &m->tables[i]))
			continue;
		rc = append_array_elem(&schemas, m->tables[i].schema);
		rc |= append_array_elem(&names, m->tables[i].name);
		n++;
	}
	rc |= rcr_buf_append(&schemas, "}", 2);
	rc |= rcr_buf_append(&names, "}", 2);
	if (rc < 0 || n == 0) {
		rcr_buf_free(&schemas);
		rcr_buf_free(&names);
		return rc < 0 ? rcr_error_set(RCR_E_NOMEM, "out of memory") : 0;
	}
	const char *params[2] = {(const char *)schemas.data, (const char *)names.data};
	PGresult *res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
	rcr_buf_free(&schemas);
	rcr_buf_free(&names);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = rcr_error_set(RCR_E_QUERY, "checking the target database: %s", rcr_pg_error_line(conn));
		PQclear(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* A type as the server spells it (format_type: "real", "vector(768)"), from its schema, name
 * and typmod; "schema.name" when the target has no such type. *out owned by the caller. */
static char *archive_type_text(PGconn *conn, const rcr_column *c)
{
	char typmod[16];
	snprintf(typmod, sizeof typmod, "%d", (int)c->typmod);
	const char *params[3] = {c->type_schema, c->type_name, typmod};
	PGresult *res = PQexecParams(conn,
		"SELECT pg_catalog.format_type(t.oid, $3::int) FROM pg_catalog.pg_type t"
		" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace"
		" WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND t.typname OPERATOR(pg_catalog.=) $2",
		3, NULL, params, NULL, NULL, 0);
	char buf[2 * RCR_MAX_NAME + 32];
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		snprintf(buf, sizeof buf, "%s", PQgetvalue(res, 0, 0));
	else if (c->typmod >= 0)
		snprintf(buf, sizeof buf, "%s (typmod %d)", rcr_name_qualify(c->type_schema, c->type_name).s,
			 (int)c->typmod);
	else
		snprintf(buf, sizeof buf, "%s", rcr_name_qualify(c->type_schema, c->type_name).s);
	PQclear(res);
	return strdup(buf);
}

/* The target's stored columns of every selected table, by the selected tables' order (1-based
 * u.o; a table the target lacks gives one row with "missing" true), each with its type resolved
 * through domains to the base type as the dump records it (binary COPY sends the base type's
 * bytes), atttypmod, the type as the server prints it, and whether it is generated. */
static const char target_columns_sql[] =
	"WITH RECURSIVE base(oid, root) AS ("
	"  SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.typtype OPERATOR(pg_catalog.<>) 'd'"
	"  UNION ALL SELECT d.oid, b.root FROM pg_catalog.pg_type d JOIN base b ON d.typbasetype OPERATOR(pg_catalog.=) b.oid"
	"   WHERE d.typtype OPERATOR(pg_catalog.=) 'd')"
	" SELECT u.o, c.oid IS NULL, a.attname, tn.nspname, bt.typname, a.atttypmod,"
	"  pg_catalog.format_type(a.atttypid, a.atttypmod), a.attgenerated OPERATOR(pg_catalog.<>) ''"
	" FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, o)"
	" LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace)"
	"  ON ns.nspname OPERATOR(pg_catalog.=) u.s AND c.relname OPERATOR(pg_catalog.=) u.n"
	" LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid"
	"  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
	" LEFT JOIN base ON base.oid OPERATOR(pg_catalog.=) a.atttypid"
	" LEFT JOIN pg_catalog.pg_type bt ON bt.oid OPERATOR(pg_catalog.=) base.root"
	" LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) bt.typnamespace"
	" ORDER BY u.o, a.attnum";

/* Checks one archive column against the target's rows [lo, hi) of its table. */
static int check_column(PGconn *conn, PGresult *res, int lo, int hi, const rcr_table *t, const rcr_column *c)
{
	int j = lo;
	while (j < hi && strcmp(PQgetvalue(res, j, 2), c->name) != 0)
		j++;
	if (j == hi)
		return rcr_error_set(RCR_E_TARGET, "table '%s' in the target database has no column '%s', which the archive holds;"
				     " nothing was loaded", rcr_name_qualify(t->schema, t->name).s, c->name);
	if (strcmp(PQgetvalue(res, j, 7), "t") == 0)
		return rcr_error_set(RCR_E_TARGET, "column '%s' of table '%s' is a generated column in the target database"
				     " and cannot be loaded; nothing was loaded", c->name, rcr_name_qualify(t->schema, t->name).s);
	if (strcmp(PQgetvalue(res, j, 3), c->type_schema) == 0 && strcmp(PQgetvalue(res, j, 4), c->type_name) == 0 &&
	    strtol(PQgetvalue(res, j, 5), NULL, 10) == c->typmod)
		return 0;
	char *archive_type = archive_type_text(conn, c);
	int rc = rcr_error_set(RCR_E_TARGET, "column '%s' of table '%s' is '%s' in the archive but '%s' in the target"
			       " database; nothing was loaded", c->name, rcr_name_qualify(t->schema, t->name).s,
			       archive_type ? archive_type : c->type_name, PQgetvalue(res, j, 6));
	free(archive_type);
	return rc;
}

/*
 * Binary COPY checks only that each value's length fits its type, so bytes of another type of
 * the same width load as garbage (a real into an int, a timestamptz into a bigint, text into
 * bytea). Before any row is sent, every archive column must exist in the target table, not be
 * generated there, and have the same base type and typmod. Column order may differ and the
 * target may have more columns: COPY names the columns it loads, and the others get their
 * defaults, as with pg_restore. One query for all the tables.
 */
static int check_target_columns(PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m)
{
	PGresult *res = NULL;
	int rc = query_selected_tables(&res, conn, o, m, target_columns_sql);
	int nrows = res ? PQntuples(res) : 0, j = 0;
	long ord = 0;
	for (uint32_t i = 0; i < m->ntables && rc == 0 && res; i++) {
		const rcr_table *t = &m->tables[i];
		if (!selected(o, t))
			continue;
		ord++;
		int lo = j;
		while (j < nrows && strtol(PQgetvalue(res, j, 0), NULL, 10) == ord)
			j++;
		if (lo == j || strcmp(PQgetvalue(res, lo, 1), "t") == 0) {
			rc = rcr_error_set_hint(RCR_E_TARGET, "restore without -a/--data-only to create the tables, or select"
							      " the tables to load with -t/-n",
						"table '%s' does not exist in the target database; nothing was loaded",
						rcr_name_qualify(t->schema, t->name).s);
			break;
		}
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
			rc = check_column(conn, res, lo, j, t, &t->cols[c]);
	}
	PQclear(res);
	return rc;
}

/* The foreign keys among the selected tables in the target, as (referencing, referenced)
 * pairs of selected-table ordinals (query_selected_tables' u.o), self-references left out. */
static const char foreign_keys_sql[] =
	"WITH sel AS (SELECT u.o, c.oid FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, o)"
	"  JOIN pg_catalog.pg_namespace ns ON ns.nspname OPERATOR(pg_catalog.=) u.s"
	"  JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) ns.oid AND c.relname OPERATOR(pg_catalog.=) u.n)"
	" SELECT DISTINCT ch.o, pa.o FROM pg_catalog.pg_constraint k"
	" JOIN sel ch ON ch.oid OPERATOR(pg_catalog.=) k.conrelid JOIN sel pa ON pa.oid OPERATOR(pg_catalog.=) k.confrelid"
	" WHERE k.contype OPERATOR(pg_catalog.=) 'f' AND ch.o OPERATOR(pg_catalog.<>) pa.o ORDER BY 1, 2";

/* Depth-first walk up the referenced tables; finds a cycle among tables that have rows to
 * load (a table without rows is complete from the start and blocks nobody). */
static int find_cycle(const restore_ctx *r, uint8_t *state, uint32_t t, uint32_t *a, uint32_t *b)
{
	state[t] = 1;
	for (uint32_t k = r->ts[t].parent_lo; k < r->ts[t].parent_hi; k++) {
		uint32_t p = r->parents[k];
		if (r->ts[p].pieces == 0 || state[p] == 2)
			continue;
		if (state[p] == 1 || find_cycle(r, state, p, a, b)) {
			if (state[p] == 1) {
				*a = t;
				*b = p;
			}
			return 1;
		}
	}
	state[t] = 2;
	return 0;
}

/*
 * -a without --disable-triggers: the target's foreign keys are checked as rows arrive, so a
 * table may load only after the tables it references have committed (next_job). A table that
 * references itself loads in one COPY, whose foreign key checks run at its end: no ordering
 * needed. Tables that reference each other in a cycle cannot be ordered: refused before
 * anything is loaded (--disable-triggers loads them, as with pg_restore).
 */
static int plan_order(restore_ctx *r, PGconn *conn)
{
	const rcr_manifest *m = r->m;
	PGresult *res = NULL;
	int rc = query_selected_tables(&res, conn, r->o, m, foreign_keys_sql);
	int n = res ? PQntuples(res) : 0;
	uint32_t *sel = calloc(m->ntables + 1, sizeof *sel), nsel = 0;
	r->parents = calloc((size_t)n + 1, sizeof *r->parents);
	uint8_t *state = calloc(m->ntables + 1, 1);
	if (rc == 0 && (!sel || !r->parents || !state))
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntables && rc == 0; i++)
		if (selected(r->o, &m->tables[i]))
			sel[nsel++] = i;
	for (int j = 0; j < n && rc == 0; j++) {
		unsigned long ch = strtoul(PQgetvalue(res, j, 0), NULL, 10), pa = strtoul(PQgetvalue(res, j, 1), NULL, 10);
		if (ch < 1 || ch > nsel || pa < 1 || pa > nsel)
			continue;
		table_state *t = &r->ts[sel[ch - 1]];
		if (t->parent_hi == 0)
			t->parent_lo = t->parent_hi = (uint32_t)j;
		r->parents[t->parent_hi++] = sel[pa - 1];
	}
	uint32_t a = 0, b = 0;
	int cycle = 0;
	for (uint32_t i = 0; i < m->ntables && rc == 0 && !cycle; i++)
		if (r->ts[i].pieces && !state[i])
			cycle = find_cycle(r, state, i, &a, &b);
	if (cycle)
		rc = rcr_error_set_hint(RCR_E_TARGET, "load them with --disable-triggers, which leaves foreign keys unchecked while loading",
					"tables '%s' and '%s' are in a cycle of foreign keys, so neither can be loaded"
					" before the other; nothing was loaded",
					rcr_name_qualify(m->tables[a].schema, m->tables[a].name).s,
					rcr_name_qualify(m->tables[b].schema, m->tables[b].name).s);
	PQclear(res);
	free(sel);
	free(state);
	return rc;
}

/*
 * Refuses a target that already has a table the restore would create: pre-data would fail on
 * its CREATE TABLE half-way through the schema, and loading next to existing rows would mix
 * two databases. Runs before anything is changed, so a refusal leaves the target as it was.
 * One query for all the tables (names passed as array parameters, never spliced into SQL),
 * then one probe of the first clash for rows, to say which case the user is in.
 */
static int check_target_empty(PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m)
{
	PGresult *res = NULL;
	int rc = query_selected_tables(&res, conn, o, m,
		"SELECT u.s, u.n, pg_catalog.quote_ident(u.s) || '.' || pg_catalog.quote_ident(u.n)"
		" FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, o)"
		" WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns"
		" ON ns.oid = c.relnamespace WHERE ns.nspname = u.s AND c.relname = u.n) ORDER BY u.o");
	if (rc < 0 || !res)
		return rc;
	int clashes = PQntuples(res);
	if (clashes == 0) {
		PQclear(res);
		return 0;
	}
	/* Rows or not: a table we cannot read (permissions, a relation that is not a table) is
	 * reported as existing, which is refusal enough. */
	char sql[8400];
	snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s)", PQgetvalue(res, 0, 2));
	PGresult *rows = PQexec(conn, sql);
	int has_rows = PQresultStatus(rows) == PGRES_TUPLES_OK && PQntuples(rows) == 1 &&
		       strcmp(PQgetvalue(rows, 0, 0), "t") == 0;
	PQclear(rows);
	char more[64] = "";
	if (clashes > 1)
		snprintf(more, sizeof more, " (and %d more of the archive's tables)", clashes - 1);
	rc = rcr_error_set_hint(RCR_E_TARGET,
				"use --clean (with --if-exists) to drop and recreate the archive's objects, or"
				" --data-only to append rows to the existing tables",
				"table '%s' already exists in the target database%s%s; nothing was restored",
				rcr_name_qualify(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)).s, has_rows ? " and has rows" : "",
				more);
	PQclear(res);
	return rc;
}

/*
 * Drops one FK CONSTRAINT entry's foreign key. The statement pg_dump recorded in toc.dat is
 * not run: toc.dat is archive content, and a forged drop statement could be any SQL. pg_dump's
 * tag for a constraint is "table constraint" (ambiguous when a name holds a space), so the
 * entry's namespace and tag are matched, as parameters, against the target's foreign keys, and
 * the statement is built from the target's own names, quoted: ALTER TABLE [IF EXISTS] [ONLY]
 * schema.table DROP CONSTRAINT [IF EXISTS] name, ONLY except on a partitioned table (as
 * pg_dump writes it). Without --if-exists a foreign key the target lacks is an error, as the
 * recorded statement would have been.
 */
static int drop_foreign_key(PGconn *conn, const rcr_toc_entry *e, int if_exists)
{
	const char *params[2] = {e->namespace_, e->tag};
	PGresult *res = PQexecParams(conn,
		"SELECT n.nspname, c.relname, c.relkind, k.conname FROM pg_catalog.pg_constraint k"
		" JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		" WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname::text || ' ' || k.conname::text = $2",
		2, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = rcr_error_set(RCR_E_QUERY, "query failed: %s", rcr_pg_error_line(conn));
	else if (PQntuples(res) == 0 && !if_exists)
		rc = rcr_error_set(RCR_E_QUERY, "the target database has no such foreign key in schema %s",
				   rcr_name_quote(e->namespace_).s);
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		char *qn = NULL, *qc = NULL;
		rc = rcr_pg_qualified_name(&qn, conn, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		if (rc == 0)
			rc = rcr_pg_quote_ident(&qc, conn, PQgetvalue(res, i, 3));
		if (rc == 0) {
			size_t len = strlen(qn) + strlen(qc) + 80;
			char *sql = malloc(len);
			if (!sql)
				rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
			else {
				snprintf(sql, len, "ALTER TABLE %s%s%s DROP CONSTRAINT %s%s", if_exists ? "IF EXISTS " : "",
					 PQgetvalue(res, i, 2)[0] == 'p' ? "" : "ONLY ", qn, if_exists ? "IF EXISTS " : "", qc);
				rc = rcr_pg_exec(conn, sql);
				free(sql);
			}
		}
		free(qn);
		free(qc);
	}
	PQclear(res);
	return rc;
}

/*
 * pg_restore --clean drops an archive's objects in reverse dump order, so foreign keys
 * (post-data) go before the tables they point at. rcr replays the pre-data section on its own
 * (table data is loaded before post-data), and there --clean drops the tables but not the
 * foreign keys: DROP TABLE then fails ("other objects depend on it") over any database where
 * one table of the archive references another. So with --clean, the archive's FK CONSTRAINT
 * entries are dropped first, newest first (drop_foreign_key). Selection follows pg_restore:
 * -n keeps entries of those schemas; -t cleans only the named tables, never constraints.
 */
static int drop_foreign_keys(PGconn *conn, const rcr_toc *toc, const rcr_restore_opts *o)
{
	if (o->tables.n)
		return 0;
	/* As in pg_restore's session: no "does not exist, skipping" notice per IF EXISTS. */
	int rc = rcr_pg_exec(conn, "SET client_min_messages = warning");
	for (int i = toc ? toc->nentries - 1 : -1; rc == 0 && i >= 0; i--) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || strcmp(e->desc, "FK CONSTRAINT") != 0 || !e->tag || !e->namespace_)
			continue;
		if (!schema_selected(o, e->namespace_))
			continue;
		rc = drop_foreign_key(conn, e, o->if_exists);
		if (rc < 0)
			rc = rcr_error_wrap(rc, "dropping foreign key '%s' for --clean", rcr_text_escape(e->tag).s);
	}
	if (rc == 0)
		rc = rcr_pg_exec(conn, "RESET client_min_messages");
	return rc;
}

/* pg_restore's command line for one section of the embedded schema archive. Every -n and -t
 * is passed on, however many: one dropped would widen pg_restore's selection. */
static int pg_restore_argv(rcr_argv *a, const rcr_restore_opts *o, const rcr_manifest *m, const char *tool,
			   const char *conninfo, const char *section, int jobs, int single_tx, const char *list_file)
{
	const char *no_owner = rcr_manifest_get_meta(m, "no_owner");
	rcr_argv_add(a, tool);
	rcr_argv_add(a, section);
	rcr_argv_addf(a, "--dbname=%s", conninfo);
	rcr_argv_add(a, "--exit-on-error");
	if (list_file)
		rcr_argv_addf(a, "--use-list=%s", list_file);
	if (jobs > 1)
		rcr_argv_addf(a, "--jobs=%d", jobs);
	if (o->no_owner || (no_owner && strcmp(no_owner, "1") == 0))
		rcr_argv_add(a, "--no-owner");
	if (o->no_privileges)
		rcr_argv_add(a, "--no-privileges");
	if (single_tx)
		rcr_argv_add(a, "--single-transaction");
	if (o->clean && strcmp(section, "--section=pre-data") == 0) {
		rcr_argv_add(a, "--clean");
		if (o->if_exists)
			rcr_argv_add(a, "--if-exists");
	}
	if (o->disable_triggers && strcmp(section, "--section=data") == 0)
		rcr_argv_add(a, "--disable-triggers");
	rcr_argv_add_each(a, "--schema=", o->schemas.items, o->schemas.n);
	rcr_argv_add_each(a, "--table=", o->tables.items, o->tables.n);
	if (o->common.verbose > 1)
		rcr_argv_add(a, "--verbose");
	rcr_argv_addf(a, "%s/%s", o->archive, m->schema_dir);
	return rcr_argv_status(a);
}

/* Runs pg_restore on the embedded schema archive for one section. */
static int run_pg_restore(const rcr_restore_opts *o, const rcr_manifest *m, const char *tool, const char *conninfo,
			  const char *password, const char *section, int jobs, int single_tx, const char *list_file,
			  const char *pgoptions)
{
	rcr_argv argv = RCR_ARGV_INIT;
	int rc = pg_restore_argv(&argv, o, m, tool, conninfo, section, jobs, single_tx, list_file);
	if (rc == 0 && o->common.verbose)
		fprintf(stderr, "rcr: pg_restore %s\n", section);
	const char *env[2] = {pgoptions, NULL};
	if (rc == 0)
		rc = rcr_pg_run_tool_capture(argv.v, password, env, rcr_interrupt_child_slot(), NULL);
	rcr_argv_free(&argv);
	if (rc < 0)
		return rcr_error_wrap(rc, "restoring the schema (%s)", section + 2);
	return 0;
}

/*
 * Session settings for the post-data phase (indexes, constraints), given to pg_restore through
 * PGOPTIONS since it has no flag for them. Vector indexes build far faster when their graph fits
 * in maintenance_work_mem (pgvector's advice), but pg_restore -j N builds N indexes at once,
 * each with its own budget: the default gives each build min(shared_buffers, 2 GB) / N, never
 * less than the server's own setting, so the total stays within what the server was already
 * sized to hold in shared memory. Parallel workers per build share max_parallel_workers.
 */
static int index_build_options(char *out, size_t cap, PGconn *conn, const rcr_restore_opts *o)
{
	PGresult *res;
	RCR_FORWARD(rcr_pg_query(&res, conn,
		"SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem')) / 1024,"
		" pg_catalog.pg_size_bytes(pg_catalog.current_setting('shared_buffers')) / 1024,"
		" pg_catalog.current_setting('max_parallel_workers')::int,"
		" pg_catalog.current_setting('max_parallel_maintenance_workers')::int"));
	long long cur_kb = atoll(PQgetvalue(res, 0, 0)), sb_kb = atoll(PQgetvalue(res, 0, 1));
	int mpw = atoi(PQgetvalue(res, 0, 2)), mpmw = atoi(PQgetvalue(res, 0, 3));
	PQclear(res);
	long long cap_kb = sb_kb < 2LL * 1024 * 1024 ? sb_kb : 2LL * 1024 * 1024;
	long long kb = cap_kb / o->jobs;
	if (kb < cur_kb)
		kb = cur_kb;
	int workers = mpw / o->jobs;
	if (workers < mpmw)
		workers = mpmw;
	if (o->maintenance_work_mem)
		snprintf(out, cap, "PGOPTIONS=-c maintenance_work_mem=%s -c max_parallel_maintenance_workers=%d",
			 o->maintenance_work_mem, workers);
	else
		snprintf(out, cap, "PGOPTIONS=-c maintenance_work_mem=%lldkB -c max_parallel_maintenance_workers=%d", kb,
			 workers);
	if (o->common.verbose)
		fprintf(stderr, "rcr: index builds with %s\n", out + 10);
	return 0;
}

/* A memory setting as PostgreSQL reads one: a number, then optionally a unit of letters. It goes
 * into PGOPTIONS, where a space would start another setting. */
static int size_setting_ok(const char *v)
{
	size_t digits = strspn(v, "0123456789.");
	size_t unit = strspn(v + digits, "kKmMgGtTbB");
	return digits > 0 && digits < 19 && unit <= 2 && v[digits + unit] == 0;
}

int rcr_restore_run(const rcr_restore_opts *o)
{
	if (!o->archive)
		return rcr_error_set(RCR_E_USAGE, "no archive given");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	if (o->clean && o->data_only)
		return rcr_error_set(RCR_E_USAGE, "options -c/--clean and -a/--data-only cannot be used together");
	if (o->if_exists && !o->clean)
		return rcr_error_set(RCR_E_USAGE, "option --if-exists requires option -c/--clean");
	if (o->maintenance_work_mem && !size_setting_ok(o->maintenance_work_mem))
		return rcr_error_set_hint(RCR_E_USAGE, "give a number with an optional unit, as in 1GB or 512MB",
					  "invalid --maintenance-work-mem value '%s'", rcr_text_escape(o->maintenance_work_mem).s);
	double t0 = rcr_now();
	restore_ctx r = {.o = o, .mu = PTHREAD_MUTEX_INITIALIZER};
	PGconn *conn = NULL;
	char *conninfo = NULL, *password = NULL, *tool = NULL, *list_file = NULL;
	pthread_t *workers = NULL;
	rcr_toc *toc = NULL;    /* the embedded schema's, read once: the -t/-n check, the -L list, --clean */
	pthread_cond_init(&r.cv, NULL);
	int rc = rcr_archive_open(&r.m, o->archive);
	/* Refuse a damaged schema before touching the database. */
	for (uint32_t i = 0; rc == 0 && i < r.m->nschema_files; i++)
		rc = rcr_archive_check_schema_file(r.m, o->archive, i);
	if (rc == 0 && r.m->schema_dir[0])
		rc = read_schema_toc(&toc, r.m, o->archive);
	if (rc == 0)
		rc = check_names_match(o, r.m, toc);
	int have_schema = rc == 0 && r.m->schema_dir[0] != 0;
	const char *content = rc == 0 ? rcr_manifest_get_meta(r.m, "content") : NULL;
	int archive_data_only = content && strcmp(content, "data-only") == 0;
	int schema_phases = have_schema && !o->data_only && !archive_data_only;
	/* pre-data, when it runs, creates every table the data phase loads (check_target_empty
	 * refuses a target that has one, --clean drops it first). */
	r.fresh_tables = schema_phases;
	if (rc == 0)
		rc = plan_jobs(&r);
	if (rc == 0)
		rc = precheck_split_tables(&r);
	if (rc == 0)
		rc = rcr_pg_connect(&conn, &o->conn, "rcr restore");
	/* Names from the archive are in its encoding: the target check, the -L list's schema
	 * names and the --clean drops send them on this connection. */
	if (rc == 0)
		rc = rcr_pg_set_client_encoding(conn, rcr_manifest_get_meta(r.m, "encoding"));
	if (rc == 0)
		rc = rcr_pg_child_conninfo(&conninfo, &password, conn);
	if (rc == 0)
		rc = rcr_pg_find_tool(&tool, "pg_restore", PQserverVersion(conn) / 10000);
	if (rc == 0 && schema_phases && !o->clean)
		rc = check_target_empty(conn, o, r.m);
	if (rc == 0 && have_schema)
		rc = make_restore_list(&list_file, conn, r.m, toc, o->archive, tool, password);
	if (rc == 0 && schema_phases && o->clean)
		rc = drop_foreign_keys(conn, toc, o);
	/* pre-data in one transaction: the table check above cannot see every object the schema
	 * creates (a type or function of the same name), and a clash half-way would otherwise leave
	 * whatever came before it (the extensions, the first types) in the target. But that
	 * transaction holds a lock on every relation it creates until it commits, and a schema with
	 * more than the server's lock table holds (max_locks_per_transaction) cannot be created so;
	 * the failed transaction left nothing behind, so then pre-data runs again statement by
	 * statement, as pg_restore does by default. */
	if (rc == 0 && schema_phases) {
		rc = run_pg_restore(o, r.m, tool, conninfo, password, "--section=pre-data", 1, 1, list_file, NULL);
		if (rc < 0 && !rcr_interrupted() && strstr(rcr_error_message(), "out of shared memory")) {
			if (!o->common.quiet)
				fprintf(stderr, "rcr: the schema needs more locks than one transaction can hold"
						" (max_locks_per_transaction); restoring it statement by statement\n");
			rc = run_pg_restore(o, r.m, tool, conninfo, password, "--section=pre-data", 1, 0, list_file, NULL);
		} else if (rc < 0 && !o->clean && strstr(rcr_error_message(), "already exists") && !rcr_error_hint()[0]) {
			/* An object outside the table check (a type, a function, a schema) is in the way;
			 * the one transaction rolled back. */
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", rcr_error_message());
			rc = rcr_error_set_hint(rc, "the schema is restored in one transaction, so nothing was created: restore"
						    " into an empty database, or replace the archive's objects with --clean",
						"%s", msg);
		}
	}
	/* Before any row is sent: the target's columns must take the archive's bytes, and
	 * existing tables load after the tables they reference. */
	if (rc == 0)
		rc = check_target_columns(conn, o, r.m);
	if (rc == 0 && !r.fresh_tables && !o->disable_triggers)
		rc = plan_order(&r, conn);
	if (rc == 0 && (r.njobs || o->truncate)) {
		rcr_progress_init(&r.prog, "restore", r.m, o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
		for (uint32_t i = 0; i < r.njobs; i++)
			rcr_progress_expect(&r.prog, r.jobs[i].table, r.jobs[i].weight);
		rcr_progress_begin(&r.prog);
		/* --truncate needs its one worker even when no selected table has rows. */
		int nworkers = o->jobs < (int)r.njobs ? o->jobs : r.njobs ? (int)r.njobs : 1;
		workers = calloc((size_t)nworkers, sizeof *workers);
		if (!workers)
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
		int started = 0;
		for (int i = 0; i < nworkers && rc == 0; i++, started++)
			if (pthread_create(&workers[i], NULL, worker_main, &r) != 0)
				rc = rcr_error_set(RCR_E_INTERNAL, "could not start a worker thread");
		for (int i = 0; i < started; i++)
			pthread_join(workers[i], NULL);
		rcr_progress_end(&r.prog);
		/* An interrupt after -1's COMMIT succeeded can no longer undo anything: the restore
		 * goes on to its end (what remains is the sequence values and large objects, which
		 * belong with the committed rows) and succeeds; a second signal still ends rcr at
		 * once. Any other failure or interrupt names the tables it left incomplete. */
		if (rc == 0 && (r.failed || (rcr_interrupted() && r.single_committed != 1))) {
			rc = r.failed ? r.failed : RCR_E_INTERRUPTED;
			if (r.failed)
				rcr_error_restore(&r.first_err);
			if (rcr_interrupted())
				rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; the restore is incomplete");
			rc = report_incomplete(&r, rc);
		}
	}
	int committed = r.single_committed == 1;
	/* Past -1's COMMIT, an interrupt must not stop the pg_restore that sets the sequence values
	 * of the committed rows (a signal before this line found no child to stop). */
	if (committed)
		rcr_interrupt_hold();
	if (rc == 0 && have_schema && (!rcr_interrupted() || committed))
		rc = run_pg_restore(o, r.m, tool, conninfo, password, "--section=data", 1, 0, list_file, NULL);
	char pgoptions[512] = "";
	if (rc == 0 && schema_phases && !rcr_interrupted())
		rc = index_build_options(pgoptions, sizeof pgoptions, conn, o);
	if (rc == 0 && schema_phases && !rcr_interrupted())
		rc = run_pg_restore(o, r.m, tool, conninfo, password, "--section=post-data", o->jobs, 0, list_file,
				    pgoptions);
	if (rc == 0 && rcr_interrupted() && !committed)
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; the restore is incomplete");
	if (rc < 0 && rcr_interrupted() && rc != RCR_E_INTERRUPTED && !committed)
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; the restore is incomplete");
	if (rc < 0 && committed)
		rc = rcr_error_wrap(rc, "the tables' rows were committed, then");
	if (rc == 0 && committed && rcr_interrupted() && !o->common.quiet)
		fprintf(stderr, "rcr restore: interrupted after the data was committed; the restore was completed\n");
	if (rc == 0 && !o->common.quiet) {
		uint64_t rows = 0;
		for (uint32_t i = 0; i < r.njobs; i++)
			rows += r.jobs[i].rows;
		fprintf(stderr, "rcr: restored %u tables, %llu rows, in %.2f s\n", r.ntables, (unsigned long long)rows,
			rcr_now() - t0);
	}
	drop_restore_list(list_file);
	rcr_toc_free(toc);
	free(workers);
	free(r.jobs);
	free(r.ts);
	free(r.parents);
	pthread_cond_destroy(&r.cv);
	free(tool);
	free(conninfo);
	free(password);
	PQfinish(conn);
	rcr_manifest_free(r.m);
	return rc;
}
