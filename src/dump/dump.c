/*
 * dump.c: `rcr dump`.
 *
 * One leader connection opens a REPEATABLE READ transaction, exports its snapshot, chooses the
 * tables, and locks them ACCESS SHARE as pg_dump does. pg_dump captures everything that is not
 * table data on that same snapshot (`--snapshot`, `--exclude-table-data` for every table rcr
 * stores) into <archive>/schema. Worker threads, each on its own connection that imports the
 * snapshot, take tables largest first and stream `COPY (SELECT ...) TO STDOUT (FORMAT binary)`
 * through the binary COPY parser into row groups; each full row group is handed to the job's
 * encoder thread, which turns it into one frame per column appended to the table's data file
 * while the connection's thread fills the next. Memory per worker is two row groups plus their
 * frames, whatever the table size. The manifest is written last and atomically: until it
 * exists the directory is not an archive, and any failure removes what was written.
 */
#include "dump_dir.h"
#include "dump_int.h"

#include "rcr/archive_writer.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void rcr_dump_record_failure(dump_ctx *d, int rc)
{
	pthread_mutex_lock(&d->mu);
	int first = !d->failed;
	if (first) {
		d->failed = rc;
		rcr_error_save(&d->first_err);
	}
	pthread_mutex_unlock(&d->mu);
	/* Stop the siblings: their COPYs get a cancel and end with an error we then ignore. */
	if (first)
		rcr_interrupt_cancel_watched();
}

int rcr_dump_has_failed(dump_ctx *d)
{
	pthread_mutex_lock(&d->mu);
	int f = d->failed;
	pthread_mutex_unlock(&d->mu);
	return f;
}

/* --- one table ---------------------------------------------------------------------------- */

typedef struct table_writer {
	dump_ctx *d;
	const dump_job *job;
	uint32_t index;
	rcr_table *t;
	char rel[64];
	rcr_buf *cols;          /* the row group being filled by the connection's thread */
	uint32_t rows;
	size_t bytes;
	/* The encoder thread's side: the row group handed off, and the hand-off state. The COPY
	 * reader fills one row group while the encoder compresses the previous one, so zstd and
	 * the transforms never stall the connection (the server keeps streaming meanwhile). */
	rcr_buf *ecols;
	uint32_t erows;
	pthread_t enc_thread;
	int enc_started;
	pthread_mutex_t qmu;
	pthread_cond_t qcv;
	int pending;            /* ecols holds a row group not yet written */
	int stop;
	int erc;                /* the encoder's first failure; its message in eerr */
	rcr_error_snapshot eerr;
	/* Used by the encoder thread only: the archive writer and the data file it appends to. */
	rcr_table_writer *tw;
	int fd;
	char path[4096];
} table_writer;

/* The archive writer's sink: the job's data file, created on its first row group; the table's
 * lock guards what the pieces of a split table share. */
static int file_create(void *ctx)
{
	table_writer *w = ctx;
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (w->fd < 0)
		return rcr_error_set(RCR_E_IO, "could not create '%s': %s", w->path, strerror(errno));
	return 0;
}

static int file_append(void *ctx, const void *p, size_t n)
{
	table_writer *w = ctx;
	return rcr_fs_write_all(w->fd, p, n, w->path);
}

static void file_discard(void *ctx)
{
	table_writer *w = ctx;
	unlink(w->path);
}

static void table_lock(void *ctx)
{
	table_writer *w = ctx;
	pthread_mutex_lock(&w->d->table_mu[w->index]);
}

static void table_unlock(void *ctx)
{
	table_writer *w = ctx;
	pthread_mutex_unlock(&w->d->table_mu[w->index]);
}

static const rcr_data_sink_vtbl file_sink = {file_create, file_append, file_discard, table_lock, table_unlock};

/* Encodes and appends the handed-off row group (ecols/erows). Runs on the encoder thread only. */
static int encode_row_group(table_writer *w)
{
	int rc = rcr_table_writer_add(w->tw, w->ecols, w->erows);
	for (uint32_t c = 0; c < w->t->ncols; c++)
		rcr_buf_reset(&w->ecols[c]);
	return rc;
}

static void *encoder_main(void *arg)
{
	table_writer *w = arg;
	pthread_mutex_lock(&w->qmu);
	for (;;) {
		while (!w->pending && !w->stop)
			pthread_cond_wait(&w->qcv, &w->qmu);
		if (!w->pending)
			break;
		int skip = w->erc != 0;
		pthread_mutex_unlock(&w->qmu);
		int rc = skip ? 0 : encode_row_group(w);
		rcr_error_snapshot snap;
		if (rc < 0)
			rcr_error_save(&snap);
		pthread_mutex_lock(&w->qmu);
		if (rc < 0 && w->erc == 0) {
			w->erc = rc;
			w->eerr = snap;
		}
		w->pending = 0;
		pthread_cond_broadcast(&w->qcv);
	}
	pthread_mutex_unlock(&w->qmu);
	return NULL;
}

/* Hands the filled row group to the encoder once it has finished the previous one (so at most
 * two row groups per job are in memory) and starts filling the other buffer set. */
static int handoff(table_writer *w)
{
	if (w->rows == 0)
		return 0;
	pthread_mutex_lock(&w->qmu);
	while (w->pending && w->erc == 0)
		pthread_cond_wait(&w->qcv, &w->qmu);
	int rc = w->erc;
	if (rc == 0) {
		rcr_buf *tmp = w->cols;
		w->cols = w->ecols;
		w->ecols = tmp;
		w->erows = w->rows;
		w->pending = 1;
		pthread_cond_broadcast(&w->qcv);
	}
	pthread_mutex_unlock(&w->qmu);
	if (rc < 0) {
		rcr_error_restore(&w->eerr);
		return rc;
	}
	w->rows = 0;
	w->bytes = 0;
	return 0;
}

/* Waits for the encoder to write what it was handed, stops it, and returns the first failure:
 * the reader's rc if it failed, else the encoder's. */
static int encoder_stop(table_writer *w, int rc)
{
	if (!w->enc_started)
		return rc;
	pthread_mutex_lock(&w->qmu);
	w->stop = 1;
	pthread_cond_broadcast(&w->qcv);
	pthread_mutex_unlock(&w->qmu);
	pthread_join(w->enc_thread, NULL);
	w->enc_started = 0;
	if (rc == 0 && w->erc < 0) {
		rcr_error_restore(&w->eerr);
		rc = w->erc;
	}
	return rc;
}

static int on_tuple(void *ctx, const uint8_t *const *fields, uint16_t nfields)
{
	table_writer *w = ctx;
	size_t n = (size_t)(fields[nfields] - fields[0]);
	for (uint16_t c = 0; c < nfields; c++)
		RCR_FORWARD(rcr_buf_append(&w->cols[c], fields[c], (size_t)(fields[c + 1] - fields[c])));
	w->rows++;
	w->bytes += n;
	rcr_progress_add(&w->d->prog, w->index, 1, n);
	if (w->bytes >= w->d->o->row_group_bytes || w->rows >= w->d->o->row_group_rows)
		return handoff(w);
	return 0;
}

/* ", "-separated quoted column names. */
static int append_column_list(rcr_buf *sql, PGconn *conn, const rcr_table *t)
{
	int rc = 0;
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++) {
		char *q;
		rc = rcr_pg_quote_ident(&q, conn, t->cols[c].name);
		if (rc == 0) {
			if (c)
				rc = rcr_buf_append(sql, ", ", 2);
			rc |= rcr_buf_append(sql, q, strlen(q));
			free(q);
		}
	}
	return rc;
}

/*
 * The COPY of one job, NUL-terminated. A whole table is `COPY t (cols) TO`, as pg_dump does: the
 * server runs it without parsing, planning and starting a query (half of a small table's server
 * time, with the LOCK). It reads only the table's own rows (COPY TO never includes inheritance
 * children) and the explicit column list leaves out generated columns and any column added since
 * the snapshot; with row_security off a table whose policies apply fails either way (42501). A
 * ctid range needs a query, `COPY (SELECT cols FROM ONLY t WHERE ctid ...)`, and so does a table
 * with no stored column, since `COPY t ()` is not valid SQL and `COPY t` would add generated ones.
 */
static int append_copy(rcr_buf *sql, PGconn *conn, const rcr_table *t, const dump_job *j, const char *qn)
{
	int rc;
	if (j->npieces == 1 && t->ncols > 0) {
		rc = rcr_buf_append(sql, "COPY ", 5);
		rc |= rcr_buf_append(sql, qn, strlen(qn));
		rc |= rcr_buf_append(sql, " (", 2);
		if (rc == 0)
			rc = append_column_list(sql, conn, t);
		if (rc == 0)
			rc = rcr_buf_append(sql, ")", 1);
	} else {
		char tail[160];
		rc = rcr_buf_append(sql, "COPY (SELECT ", 13);
		if (rc == 0)
			rc = append_column_list(sql, conn, t);
		rc |= rcr_buf_append(sql, " FROM ONLY ", 11);
		rc |= rcr_buf_append(sql, qn, strlen(qn));
		/* A page range of the heap (a TID range scan from PostgreSQL 14 on). The first piece
		 * has no lower bound and the last no upper bound, so rows on pages added after the
		 * split was planned are still read. */
		if (j->npieces > 1 && j->piece == 0)
			snprintf(tail, sizeof tail, " WHERE ctid < '(%llu,0)'::pg_catalog.tid)", (unsigned long long)j->page_hi);
		else if (j->npieces > 1 && j->piece + 1 == j->npieces)
			snprintf(tail, sizeof tail, " WHERE ctid >= '(%llu,0)'::pg_catalog.tid)", (unsigned long long)j->page_lo);
		else if (j->npieces > 1)
			snprintf(tail, sizeof tail,
				 " WHERE ctid >= '(%llu,0)'::pg_catalog.tid AND ctid < '(%llu,0)'::pg_catalog.tid)",
				 (unsigned long long)j->page_lo, (unsigned long long)j->page_hi);
		else
			snprintf(tail, sizeof tail, ")");
		rc |= rcr_buf_append(sql, tail, strlen(tail));
	}
	if (rc == 0)
		rc = rcr_buf_append(sql, " TO STDOUT (FORMAT binary)", strlen(" TO STDOUT (FORMAT binary)"));
	return rc;
}

/* Stops a COPY OUT whose rows the worker will not read: asks the server to stop sending and
 * discards the rest, or the connection would stay in COPY OUT forever. */
static void discard_copy(PGconn *conn)
{
	PGcancel *cancel = PQgetCancel(conn);
	if (cancel) {
		char err[256];
		PQcancel(cancel, err, sizeof err);
		PQfreeCancel(cancel);
	}
	char *buf;
	while (PQgetCopyData(conn, &buf, 0) > 0)
		PQfreemem(buf);
}

/*
 * Reads one job's COPY from the batch query the worker sent (send_batch): the results before
 * it (a new transaction, the LOCK), its rows, and its own final result, leaving the connection
 * at the next job's results. end_batch reads what a failure leaves.
 */
static int copy_table(table_writer *w, PGconn *conn)
{
	rcr_table *t = w->t;
	int rc = 0;
	PGresult *r;
	while ((r = PQgetResult(conn)) && PQresultStatus(r) == PGRES_COMMAND_OK)
		PQclear(r);
	if (PQresultStatus(r) != PGRES_COPY_OUT) {
		rc = r ? rcr_dump_explain_worker_failure(w->d, conn, r) : rcr_error_set(RCR_E_COPY, "COPY did not start");
		PQclear(r);
		return rc;
	}
	PQclear(r);

	rcr_copy_parser *p;
	RCR_FORWARD(rcr_copy_parser_new(&p, (uint16_t)t->ncols, on_tuple, w));
	for (;;) {
		char *buf = NULL;
		int n = PQgetCopyData(conn, &buf, 0);
		if (n > 0) {
			rc = rcr_copy_parser_feed(p, (const uint8_t *)buf, (size_t)n);
			PQfreemem(buf);
			if (rc < 0)
				break;
			continue;
		}
		if (n == -2)
			rc = rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
		break;
	}
	/* We stopped reading mid-COPY (full disk, bad data). */
	if (rc < 0 && PQstatus(conn) == CONNECTION_OK)
		discard_copy(conn);
	/* The COPY's own result, whatever happened. The server's verdict is read before the stream
	 * is judged: a COPY the server aborted (a type without binary output, a cancel) also ends
	 * without a trailer, and its message is the cause the user needs. */
	char reported[32] = "";
	r = PQgetResult(conn);
	if (rc == 0 && (!r || PQresultStatus(r) == PGRES_COPY_OUT))
		rc = rcr_error_set(RCR_E_COPY, "COPY did not end"); /* cannot happen after the loops above */
	else if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
	else if (rc == 0)
		snprintf(reported, sizeof reported, "%s", PQcmdTuples(r));
	PQclear(r);
	if (rc == 0)
		rc = rcr_copy_parser_finish(p);
	uint64_t tuples = rcr_copy_parser_tuples(p);
	rcr_copy_parser_free(p);
	if (rc == 0 && strtoull(reported, NULL, 10) != tuples)
		rc = rcr_error_set(RCR_E_ROWCOUNT, "server reported %s rows, received %llu", reported,
				   (unsigned long long)tuples);
	if (rc == 0)
		rc = handoff(w);
	return rc;
}

/* The job's row group buffers and archive writer, and the encoder thread that runs it. */
static int table_writer_begin(table_writer *w)
{
	const dump_job *job = w->job;
	rcr_table *t = w->t;
	if (job->npieces > 1)
		snprintf(w->rel, sizeof w->rel, "data/%u.%u.rcd", t->oid, job->piece);
	else
		snprintf(w->rel, sizeof w->rel, "data/%u.rcd", t->oid);
	snprintf(w->path, sizeof w->path, "%s/%s", w->d->o->dir, w->rel);
	pthread_mutex_init(&w->qmu, NULL);
	pthread_cond_init(&w->qcv, NULL);
	w->cols = calloc(t->ncols + 1, sizeof *w->cols);
	w->ecols = calloc(t->ncols + 1, sizeof *w->ecols);
	if (!w->cols || !w->ecols)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	rcr_table_writer_opts wo = RCR_TABLE_WRITER_OPTS_INIT;
	wo.level = w->d->o->level;
	RCR_FORWARD(rcr_table_writer_new(&w->tw, t, w->index, w->rel, &wo, &file_sink, w));
	w->enc_started = pthread_create(&w->enc_thread, NULL, encoder_main, w) == 0;
	if (!w->enc_started)
		return rcr_error_set(RCR_E_INTERNAL, "could not start an encoder thread");
	return 0;
}

/* Stops the encoder (encoder_stop), closes the file and frees what begin made; returns the
 * first failure, rc if there was one. */
static int table_writer_end(table_writer *w, int rc)
{
	rc = encoder_stop(w, rc);
	pthread_cond_destroy(&w->qcv);
	pthread_mutex_destroy(&w->qmu);
	/* Not fsynced here: one syncfs at the end makes every file durable (rcr_fs_syncfs). */
	if (w->fd >= 0) {
		if (close(w->fd) != 0 && rc == 0)
			rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", w->path, strerror(errno));
	}
	for (uint32_t c = 0; c < w->t->ncols; c++) {
		if (w->cols)
			rcr_buf_free(&w->cols[c]);
		if (w->ecols)
			rcr_buf_free(&w->ecols[c]);
	}
	free(w->cols);
	free(w->ecols);
	rcr_table_writer_free(w->tw);
	return rc;
}

static int dump_one(dump_ctx *d, PGconn *conn, const dump_job *job)
{
	uint32_t index = job->table;
	rcr_table *t = &d->m->tables[index];
	table_writer w = {.d = d, .job = job, .index = index, .t = t, .fd = -1};
	int rc = table_writer_begin(&w);
	if (d->o->common.verbose) {
		if (job->npieces > 1)
			fprintf(stderr, "rcr: dumping table '%s' piece %u of %u\n", rcr_name_qualify(t->schema, t->name).s,
				job->piece + 1, job->npieces);
		else
			fprintf(stderr, "rcr: dumping table '%s'\n", rcr_name_qualify(t->schema, t->name).s);
	}
	if (rc == 0)
		rc = copy_table(&w, conn);
	rc = table_writer_end(&w, rc);
	if (rc < 0) {
		if (rcr_interrupted())
			return rcr_error_set(RCR_E_INTERRUPTED, "interrupted while dumping table '%s'",
					     rcr_name_qualify(t->schema, t->name).s);
		return rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(t->schema, t->name).s);
	}
	rcr_progress_part_done(&d->prog, index);
	return 0;
}

/*
 * Session setup shared by the leader and the workers, as pg_dump's setup_connection does it:
 * - client_encoding = the database's encoding: text types' binary send converts to the client
 *   encoding, so anything else (PGCLIENTENCODING, a SQL_ASCII default) could alter or reject
 *   values; the manifest records the encoding and restore loads in it;
 * - row_security off: a role that does not bypass RLS gets an error, never a filtered table;
 * - an empty search_path: nothing user-defined can capture a name in our queries.
 */
int rcr_dump_begin_snapshot_txn(PGconn *conn, const char *snapshot)
{
	const char *enc = PQparameterStatus(conn, "server_encoding");
	if (enc && PQsetClientEncoding(conn, enc) != 0)
		return rcr_error_set(RCR_E_QUERY, "could not set client_encoding to '%s': %s", enc, rcr_pg_error_line(conn));
	RCR_FORWARD(rcr_pg_exec(conn, "SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0;"
				      " SET lock_timeout = 0; SET row_security = off;"
				      " SELECT pg_catalog.set_config('search_path', '', false)"));
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

/*
 * Sends one query for a batch of jobs: each job's LOCK and COPY, after a new transaction on the
 * snapshot unless the worker's first. libpq then returns the results one after the other, one
 * COPY OUT per job (copy_table). The worker locks only what it copies, as pg_dump -j's workers
 * do (the leader holds every table), in the same round trip as the COPY: a failed LOCK ends the
 * query string before its COPY runs. NOWAIT: an ALTER/DROP TABLE that arrived since the
 * leader's lock waits for the leader; a worker that queued behind it would wait for the leader
 * too, which waits for the worker, a deadlock the server cannot see (the leader is idle, not
 * waiting on a lock). Once held, later DDL waits for us. A transaction keeps every lock it
 * took until it ends, and the leader holds them all for the length of the dump anyway: a
 * batch is one transaction, so a worker holds only the locks of its current batch, whatever
 * the number of tables.
 */
static int send_batch(dump_ctx *d, PGconn *conn, const uint32_t *batch, uint32_t n, int new_txn)
{
	rcr_buf sql = RCR_BUF_INIT;
	int rc = 0;
	if (new_txn) {
		char txn[256];
		/* The snapshot name holds only hex digits and dashes (checked when it was exported). */
		snprintf(txn, sizeof txn,
			 "COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT '%s'; ",
			 d->snapshot);
		rc = rcr_buf_append(&sql, txn, strlen(txn));
	}
	for (uint32_t k = 0; k < n && rc == 0; k++) {
		const dump_job *j = &d->jobs[batch[k]];
		const rcr_table *t = &d->m->tables[j->table];
		char *qn = NULL;
		rc = rcr_pg_qualified_name(&qn, conn, t->schema, t->name);
		if (rc < 0)
			break;
		rc = rcr_buf_append(&sql, "LOCK TABLE ONLY ", 16);
		rc |= rcr_buf_append(&sql, qn, strlen(qn));
		rc |= rcr_buf_append(&sql, " IN ACCESS SHARE MODE NOWAIT; ", strlen(" IN ACCESS SHARE MODE NOWAIT; "));
		if (rc == 0)
			rc = append_copy(&sql, conn, t, j, qn);
		if (rc == 0)
			rc = rcr_buf_append(&sql, "; ", 2);
		free(qn);
	}
	if (rc == 0)
		rc = rcr_buf_append_u8(&sql, 0);
	if (rc == 0 && !PQsendQuery(conn, (const char *)sql.data))
		rc = rcr_error_set(RCR_E_QUERY, "could not send the COPY: %s", rcr_pg_error_line(conn));
	rcr_buf_free(&sql);
	return rc;
}

/* Reads the batch's remaining results, so the connection is usable (or cleanly dead): none
 * when every job went well, the rest of the batch's after a failure. */
static int end_batch(PGconn *conn, int rc)
{
	PGresult *r;
	while ((r = PQgetResult(conn))) {
		ExecStatusType st = PQresultStatus(r);
		PQclear(r);
		if (st == PGRES_COPY_OUT)
			discard_copy(conn);
		if (rc == 0)
			rc = rcr_error_set(RCR_E_INTERNAL, "the server sent more results than the batch's COPYs");
	}
	return rc;
}

/* Small tables whose jobs go into one batch (one round trip, one transaction), up to
 * DUMP_WORKER_TXN_JOBS of them: a table of a few rows costs the server less than the round trip
 * and the new transaction. */
#define BATCH_TABLE_BYTES ((uint64_t)1 << 20)

static int batchable(const dump_job *j)
{
	return j->npieces == 1 && j->weight <= BATCH_TABLE_BYTES;
}

/* Claims the next jobs: one, or up to DUMP_WORKER_TXN_JOBS small ones (the jobs are sorted largest
 * first, so small ones follow each other). Returns how many, 0 when there is nothing left. */
static uint32_t claim_batch(dump_ctx *d, uint32_t *batch)
{
	uint32_t n = 0;
	pthread_mutex_lock(&d->mu);
	if (!d->failed && !rcr_interrupted() && d->next < d->njobs) {
		batch[n++] = d->next++;
		while (n < DUMP_WORKER_TXN_JOBS && d->next < d->njobs && batchable(&d->jobs[batch[0]]) &&
		       batchable(&d->jobs[d->next]))
			batch[n++] = d->next++;
	}
	pthread_mutex_unlock(&d->mu);
	return n;
}

static void *worker_main(void *arg)
{
	dump_ctx *d = arg;
	PGconn *conn = NULL;
	int rc = rcr_pg_connect(&conn, &d->o->conn, "rcr dump");
	if (rc == 0)
		rc = rcr_dump_begin_snapshot_txn(conn, d->snapshot);
	int slot = conn ? rcr_interrupt_watch(conn) : -1;
	uint32_t batch[DUMP_WORKER_TXN_JOBS], n;
	/* The first batch runs in the transaction begin_snapshot_txn started. */
	for (int first = 1; rc == 0 && (n = claim_batch(d, batch)) > 0; first = 0) {
		rc = send_batch(d, conn, batch, n, !first);
		for (uint32_t k = 0; k < n && rc == 0; k++) {
			if (k > 0 && (rcr_dump_has_failed(d) || rcr_interrupted()))
				rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			else
				rc = dump_one(d, conn, &d->jobs[batch[k]]);
		}
		rc = end_batch(conn, rc);
	}
	if (rc < 0)
		rcr_dump_record_failure(d, rc);
	rcr_interrupt_forget(slot);
	PQfinish(conn);
	return NULL;
}

/* Runs the workers over the jobs, largest first, and waits for them all. */
int rcr_dump_copy_tables(dump_ctx *d)
{
	const rcr_dump_opts *o = d->o;
	if (d->m->ntables == 0)
		return 0;
	rcr_progress_init(&d->prog, "dump", d->m, o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
	for (uint32_t i = 0; i < d->njobs; i++)
		rcr_progress_expect(&d->prog, d->jobs[i].table, d->jobs[i].weight);
	rcr_progress_begin(&d->prog);
	int nworkers = o->jobs < (int)d->njobs ? o->jobs : (int)d->njobs;
	pthread_t *workers = calloc((size_t)nworkers, sizeof *workers);
	int rc = workers ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < nworkers && rc == 0; i++)
		if (pthread_create(&workers[i], NULL, worker_main, d) != 0) {
			nworkers = i;
			rc = rcr_error_set(RCR_E_INTERNAL, "could not start a worker thread");
			rcr_dump_record_failure(d, rc);
		}
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	rcr_progress_end(&d->prog);
	free(workers);
	return rc;
}

/* --- manifest ---------------------------------------------------------------------------- */

static int str_dup_into(char **dst, const char *s)
{
	*dst = strdup(s);
	return *dst ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}

static int plan_tables(dump_ctx *d)
{
	rcr_manifest *m = d->m;
	int n = d->cat ? d->cat->ntables : 0;
	m->tables = calloc((size_t)n + 1, sizeof *m->tables);
	if (!m->tables)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const rcr_cat_table *ct = &d->cat->tables[i];
		rcr_table *t = &m->tables[i];
		m->ntables = (uint32_t)i + 1;
		t->oid = ct->oid;
		t->relkind = (uint8_t)ct->relkind;
		RCR_FORWARD(str_dup_into(&t->schema, ct->schema));
		RCR_FORWARD(str_dup_into(&t->name, ct->name));
		t->cols = calloc(ct->ncols + 1, sizeof *t->cols);
		if (!t->cols)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		t->ncols = ct->ncols;
		for (uint32_t c = 0; c < ct->ncols; c++) {
			RCR_FORWARD(str_dup_into(&t->cols[c].name, ct->cols[c].name));
			RCR_FORWARD(str_dup_into(&t->cols[c].type_schema, ct->cols[c].type_schema));
			RCR_FORWARD(str_dup_into(&t->cols[c].type_name, ct->cols[c].type_name));
			t->cols[c].type_oid = ct->cols[c].type_oid;
			t->cols[c].typmod = ct->cols[c].typmod;
			t->cols[c].type_kind = (uint8_t)ct->cols[c].type_kind;
			t->cols[c].elem_kind = (uint8_t)ct->cols[c].elem_kind;
		}
	}
	return 0;
}

static int cmp_job_weight(const void *a, const void *b)
{
	const dump_job *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->piece < y->piece ? -1 : x->piece > y->piece;
}

/* Pieces for one table: about bytes / piece, at most one per heap page and 256 in all. */
static uint32_t pieces_for(const rcr_cat_table *ct, uint64_t piece, int can_split)
{
	uint64_t k = can_split ? (ct->bytes + piece - 1) / piece : 1;
	if (k > ct->heap_pages)
		k = ct->heap_pages;
	if (k > 256)
		k = 256;
	return k < 1 ? 1 : (uint32_t)k;
}

/*
 * One job per table, except that a big table is split into heap page ranges so that the
 * users' one or two huge tables keep every connection busy. The piece size aims at a few
 * pieces per job slot (load balance) without making pieces tiny. Before PostgreSQL 14 a ctid
 * range is a filtered full scan, so tables are not split there.
 */
static int plan_jobs(dump_ctx *d)
{
	const rcr_dump_opts *o = d->o;
	uint32_t n = d->m->ntables;
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++)
		total += d->cat->tables[i].bytes;
	uint64_t piece = o->piece_bytes;
	if (piece == 0) {
		piece = total / ((uint64_t)o->jobs * 4);
		if (piece < ((uint64_t)32 << 20))
			piece = (uint64_t)32 << 20;
	}
	int can_split = o->jobs > 1 && d->server_major >= 14;
	uint32_t cap = 0;
	for (uint32_t i = 0; i < n; i++)
		cap += pieces_for(&d->cat->tables[i], piece, can_split);
	d->jobs = calloc(cap + 1, sizeof *d->jobs);
	d->table_mu = calloc(n + 1, sizeof *d->table_mu);
	if (!d->jobs || !d->table_mu)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		const rcr_cat_table *ct = &d->cat->tables[i];
		pthread_mutex_init(&d->table_mu[i], NULL);
		uint32_t k = pieces_for(ct, piece, can_split);
		for (uint32_t p = 0; p < k; p++) {
			dump_job *j = &d->jobs[d->njobs++];
			j->table = i;
			j->piece = p;
			j->npieces = k;
			j->page_lo = ct->heap_pages * p / k;
			j->page_hi = ct->heap_pages * (p + 1) / k;
			j->weight = ct->bytes / k;
		}
	}
	qsort(d->jobs, d->njobs, sizeof *d->jobs, cmp_job_weight);
	return 0;
}

static int set_meta(dump_ctx *d)
{
	const rcr_dump_opts *o = d->o;
	/* Every table's codec trials were recorded (rcr list shows what the codecs saved). */
	d->m->optional_features |= RCR_FEATURE_CODEC_TRIALS;
	char now[64];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	const char *sv = PQparameterStatus(d->conn, "server_version");
	const char *enc = PQparameterStatus(d->conn, "server_encoding");
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
	};
	return rcr_archive_set_meta(d->m, &meta);
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
	return export_snapshot(d);
}

/* The tables to store, from the catalog, and the jobs they make. */
static int plan(dump_ctx *d)
{
	if (!d->o->schema_only)
		RCR_FORWARD(rcr_catalog_load(&d->cat, d->conn, &d->o->filter));
	RCR_FORWARD(plan_tables(d));
	return plan_jobs(d);
}

/* The first failure of a worker or of pg_dump, or an interrupt. */
static int first_failure(dump_ctx *d)
{
	if (d->failed) {
		rcr_error_restore(&d->first_err);
		return d->failed;
	}
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
}

static void dump_ctx_free(dump_ctx *d)
{
	rcr_dump_schema_free(&d->tool);
	rcr_interrupt_forget(d->watch_slot);
	PQfinish(d->conn);
	rcr_catalog_free(d->cat);
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
		rc = open_leader(&d);
	if (rc == 0)
		rc = plan(&d);
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
	if (rc == 0)
		rc = rcr_dump_collect_schema_files(&d);
	if (rc == 0)
		rc = rcr_pg_exec(d.conn, "COMMIT");
	if (rc == 0)
		rc = set_meta(&d);
	if (rc == 0)
		rc = write_manifest(&d, &od);
	if (rc < 0)
		rc = abandon(&d, &od, rc);
	else
		report(&d, rcr_now() - t0);
	dump_ctx_free(&d);
	return rc;
}
