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
#include "rcr/cmd.h"
#include "rcr/codec.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/fsutil.h"
#include "rcr/manifest.h"
#include "rcr/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

typedef struct dump_ctx {
	const rcr_dump_opts *o;
	rcr_manifest *m;
	rcr_catalog *cat;
	char snapshot[128];
	int server_major;
	/* The server's lock table, read before locking, to explain running out of it. */
	long max_locks, max_conns, max_prepared;
	dump_job *jobs;
	uint32_t njobs;
	pthread_mutex_t *table_mu;  /* guards a table's files, row groups and totals */
	pthread_mutex_t mu;
	uint32_t next;
	int failed;
	rcr_error_snapshot first_err;
	rcr_progress prog;
	/* pg_dump, run from its own thread so it overlaps the data */
	char **tool_argv;
	char *password;
	int tool_rc;
	atomic_int tool_done;
	rcr_error_snapshot tool_err;
	char tool_appname[64];  /* pg_dump's application_name, to find its backend */
} dump_ctx;

/* Small tables a worker copies in one batch: one round trip and one transaction on the snapshot
 * (see send_batch). A transaction keeps every lock it took until it ends, so not every table in
 * one; but not one per table either: COMMIT, BEGIN and SET TRANSACTION SNAPSHOT (which reads the
 * snapshot's file) cost the server as much as a small table's LOCK and COPY (3,000 tables of 5
 * rows: 0.32-0.38 s of server time with a new transaction per table, 0.17-0.26 s without). A
 * big table, or a piece of a split one (whose query's planning locks every index), is a batch of
 * its own. */
#define WORKER_TXN_JOBS 8

/* Lock slots a worker holds at most: WORKER_TXN_JOBS tables with their TOAST table and its
 * index, or one piece with its indexes. */
#define WORKER_LOCKS (3 * WORKER_TXN_JOBS)

static int explain_worker_failure(const dump_ctx *d, PGconn *conn, const PGresult *r);
static int has_failed(dump_ctx *d);
static int explain_tool_failure(const dump_ctx *d, int rc);

static void record_failure(dump_ctx *d, int rc)
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

/* --- one table ---------------------------------------------------------------------------- */

typedef struct table_writer {
	dump_ctx *d;
	const dump_job *job;
	uint32_t index;
	rcr_table *t;
	pthread_mutex_t *mu;
	uint32_t file;
	char rel[64];
	rcr_codec_id *codecs;   /* the type's codec, tried first */
	uint8_t *use_raw;       /* 1 while the last trial found raw smaller for this column */
	uint32_t flushed;       /* row groups written by this writer */
	rcr_buf trial;
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
	rcr_frame_encoder *enc;
	rcr_buf out;
	int fd;
	char path[4096];
	uint64_t offset;
} table_writer;

#define TRIAL_EVERY 16

/* Encodes and appends the handed-off row group (ecols/erows). Runs on the encoder thread only,
 * which alone touches the file, the frame encoder and the trial state. */
static int encode_row_group(table_writer *w)
{
	rcr_table *t = w->t;
	int rc = 0;
	if (w->fd < 0) {
		w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (w->fd < 0)
			return rcr_error_set(RCR_E_IO, "could not create '%s': %s", w->path, strerror(errno));
		pthread_mutex_lock(w->mu);
		char **files = realloc(t->files, (t->nfiles + 1) * sizeof *files);
		if (files) {
			t->files = files;
			files[t->nfiles] = strdup(w->rel);
		}
		if (!files || !files[t->nfiles]) {
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
			unlink(w->path); /* unrecorded, a failure's cleanup would not know it */
		}
		else
			w->file = t->nfiles++;
		pthread_mutex_unlock(w->mu);
		RCR_FORWARD(rc);
	}
	/* Reserve the row group's index under the table lock; encode outside it. The frames
	 * array stays put when the row group array grows, so it is safe to fill later. */
	rcr_row_group *rg;
	pthread_mutex_lock(w->mu);
	rc = rcr_table_add_row_group(&rg, t);
	uint32_t rgi = t->nrgs - 1;
	rcr_frame_ref *frames = rc == 0 ? rg->frames : NULL;
	if (rc == 0) {
		rg->file = w->file;
		rg->row_count = w->erows;
	}
	pthread_mutex_unlock(w->mu);
	RCR_FORWARD(rc);
	rcr_buf_reset(&w->out);
	uint64_t raw = 0, stored = 0;
	rcr_codec_trials tried = {0};  /* what this row group's trials measured, for rcr list */
	for (uint32_t c = 0; c < t->ncols; c++) {
		size_t at = w->out.len;
		rcr_frame_header h;
		/* The codec is chosen by what compresses best, never at the cost of exactness (every
		 * codec is lossless): every TRIAL_EVERY row groups a column with a type codec is encoded
		 * both ways and the smaller kept; in between the last winner is used. */
		rcr_codec_id want = w->use_raw[c] ? RCR_CODEC_RAW : w->codecs[c];
		RCR_FORWARD(rcr_frame_encode(w->enc, &w->out, &h, w->index, rgi, c, want,
					     w->ecols[c].data, w->ecols[c].len, w->erows));
		if (w->codecs[c] != RCR_CODEC_RAW && w->flushed % TRIAL_EVERY == 0) {
			rcr_codec_id other = want == RCR_CODEC_RAW ? w->codecs[c] : RCR_CODEC_RAW;
			rcr_frame_header h2;
			rcr_buf_reset(&w->trial);
			RCR_FORWARD(rcr_frame_encode(w->enc, &w->trial, &h2, w->index, rgi, c, other,
						     w->ecols[c].data, w->ecols[c].len, w->erows));
			tried.row_groups = 1;
			tried.plain_bytes += RCR_FRAME_HEADER_SIZE +
					     (uint64_t)(other == RCR_CODEC_RAW ? h2.stored_size : h.stored_size);
			if (h2.stored_size < h.stored_size) {
				w->out.len = at;
				RCR_FORWARD(rcr_buf_append(&w->out, w->trial.data, w->trial.len));
				h = h2;
			}
			w->use_raw[c] = h.codec == RCR_CODEC_RAW;
			tried.codec_bytes += RCR_FRAME_HEADER_SIZE + (uint64_t)h.stored_size;
		}
		rcr_frame_ref_set(&frames[c], &h, w->offset + at);
		raw += h.raw_size;
		stored += RCR_FRAME_HEADER_SIZE + (uint64_t)h.stored_size;
		rcr_buf_reset(&w->ecols[c]);
	}
	RCR_FORWARD(rcr_fs_write_all(w->fd, w->out.data, w->out.len, w->path));
	w->offset += w->out.len;
	w->flushed++;
	pthread_mutex_lock(w->mu);
	t->row_count += w->erows;
	t->raw_bytes += raw;
	t->stored_bytes += stored;
	t->trials.row_groups += tried.row_groups;
	t->trials.codec_bytes += tried.codec_bytes;
	t->trials.plain_bytes += tried.plain_bytes;
	pthread_mutex_unlock(w->mu);
	return 0;
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
		rc = r ? explain_worker_failure(w->d, conn, r) : rcr_error_set(RCR_E_COPY, "COPY did not start");
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

static int dump_one(dump_ctx *d, PGconn *conn, const dump_job *job)
{
	uint32_t index = job->table;
	rcr_table *t = &d->m->tables[index];
	table_writer w = {.d = d, .job = job, .index = index, .t = t, .mu = &d->table_mu[index], .fd = -1,
			  .out = RCR_BUF_INIT, .trial = RCR_BUF_INIT};
	if (job->npieces > 1)
		snprintf(w.rel, sizeof w.rel, "data/%u.%u.rcd", t->oid, job->piece);
	else
		snprintf(w.rel, sizeof w.rel, "data/%u.rcd", t->oid);
	snprintf(w.path, sizeof w.path, "%s/%s", d->o->dir, w.rel);
	w.codecs = calloc(t->ncols + 1, sizeof *w.codecs);
	w.cols = calloc(t->ncols + 1, sizeof *w.cols);
	w.ecols = calloc(t->ncols + 1, sizeof *w.ecols);
	w.use_raw = calloc(t->ncols + 1, 1);
	int rc = (w.codecs && w.cols && w.ecols && w.use_raw) ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
		w.codecs[c] = rcr_codec_for_type(t->cols[c].type_name);
	if (rc == 0)
		rc = rcr_frame_encoder_new(&w.enc, d->o->level);
	pthread_mutex_init(&w.qmu, NULL);
	pthread_cond_init(&w.qcv, NULL);
	if (rc == 0) {
		w.enc_started = pthread_create(&w.enc_thread, NULL, encoder_main, &w) == 0;
		if (!w.enc_started)
			rc = rcr_error_set(RCR_E_INTERNAL, "could not start an encoder thread");
	}
	if (d->o->common.verbose) {
		if (job->npieces > 1)
			fprintf(stderr, "rcr: dumping table '%s' piece %u of %u\n", rcr_name_qualify(t->schema, t->name).s,
				job->piece + 1, job->npieces);
		else
			fprintf(stderr, "rcr: dumping table '%s'\n", rcr_name_qualify(t->schema, t->name).s);
	}
	if (rc == 0)
		rc = copy_table(&w, conn);
	rc = encoder_stop(&w, rc);
	pthread_cond_destroy(&w.qcv);
	pthread_mutex_destroy(&w.qmu);
	/* Not fsynced here: one syncfs at the end makes every file durable (rcr_fs_syncfs). */
	if (w.fd >= 0) {
		if (close(w.fd) != 0 && rc == 0)
			rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", w.path, strerror(errno));
	}
	for (uint32_t c = 0; c < t->ncols; c++) {
		if (w.cols)
			rcr_buf_free(&w.cols[c]);
		if (w.ecols)
			rcr_buf_free(&w.ecols[c]);
	}
	free(w.cols);
	free(w.ecols);
	free(w.codecs);
	free(w.use_raw);
	rcr_buf_free(&w.trial);
	rcr_buf_free(&w.out);
	rcr_frame_encoder_free(w.enc);
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
static int begin_snapshot_txn(PGconn *conn, const char *snapshot)
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
 * WORKER_TXN_JOBS of them: a table of a few rows costs the server less than the round trip
 * and the new transaction. */
#define BATCH_TABLE_BYTES ((uint64_t)1 << 20)

static int batchable(const dump_job *j)
{
	return j->npieces == 1 && j->weight <= BATCH_TABLE_BYTES;
}

/* Claims the next jobs: one, or up to WORKER_TXN_JOBS small ones (the jobs are sorted largest
 * first, so small ones follow each other). Returns how many, 0 when there is nothing left. */
static uint32_t claim_batch(dump_ctx *d, uint32_t *batch)
{
	uint32_t n = 0;
	pthread_mutex_lock(&d->mu);
	if (!d->failed && !rcr_interrupted() && d->next < d->njobs) {
		batch[n++] = d->next++;
		while (n < WORKER_TXN_JOBS && d->next < d->njobs && batchable(&d->jobs[batch[0]]) &&
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
		rc = begin_snapshot_txn(conn, d->snapshot);
	int slot = conn ? rcr_interrupt_watch(conn) : -1;
	uint32_t batch[WORKER_TXN_JOBS], n;
	/* The first batch runs in the transaction begin_snapshot_txn started. */
	for (int first = 1; rc == 0 && (n = claim_batch(d, batch)) > 0; first = 0) {
		rc = send_batch(d, conn, batch, n, !first);
		for (uint32_t k = 0; k < n && rc == 0; k++) {
			if (k > 0 && (has_failed(d) || rcr_interrupted()))
				rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			else
				rc = dump_one(d, conn, &d->jobs[batch[k]]);
		}
		rc = end_batch(conn, rc);
	}
	if (rc < 0)
		record_failure(d, rc);
	rcr_interrupt_forget(slot);
	PQfinish(conn);
	return NULL;
}

static void *tool_main(void *arg)
{
	dump_ctx *d = arg;
	d->tool_rc = explain_tool_failure(d, rcr_pg_run_tool(d->tool_argv, d->password, rcr_interrupt_child_slot()));
	if (d->tool_rc < 0) {
		rcr_error_save(&d->tool_err);
		record_failure(d, d->tool_rc);
	}
	atomic_store(&d->tool_done, 1);
	return NULL;
}

/*
 * Is pg_dump stuck in a lock wait it can never leave? pg_dump takes its own ACCESS SHARE locks
 * shortly after it starts. If an ALTER/DROP TABLE asked for the table in between, it waits for
 * our leader's lock, pg_dump's request queues behind it, and our leader waits for pg_dump: a
 * cycle through a client the server's deadlock detector cannot see. Found from a separate
 * connection (pg_stat_activity is frozen for the length of the leader's transaction): pg_dump's
 * backend (its application_name, on our snapshot's xmin) waits for a lock whose blocker is
 * itself blocked by the leader. Sets the error naming the table and returns it, or 0.
 */
static int check_tool_deadlock(dump_ctx *d, PGconn *watch, int leader_pid)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", leader_pid);
	const char *params[2] = {pid, d->tool_appname};
	PGresult *r = PQexecParams(watch,
		"SELECT n.nspname, c.relname FROM pg_catalog.pg_stat_activity p"
		" JOIN pg_catalog.pg_locks l ON l.pid OPERATOR(pg_catalog.=) p.pid AND NOT l.granted"
		" JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation"
		" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
		" WHERE p.application_name OPERATOR(pg_catalog.=) $2"
		" AND p.backend_xmin OPERATOR(pg_catalog.=) (SELECT backend_xmin FROM pg_catalog.pg_stat_activity"
		"   WHERE pid OPERATOR(pg_catalog.=) $1::int)"
		" AND EXISTS (SELECT 1 FROM unnest(pg_catalog.pg_blocking_pids(p.pid)) AS b"
		"   WHERE $1::int OPERATOR(pg_catalog.=) ANY (pg_catalog.pg_blocking_pids(b))) LIMIT 1",
		2, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		rc = rcr_error_set_hint(RCR_E_QUERY,
					"another session asked for an exclusive lock (ALTER TABLE, DROP TABLE, TRUNCATE, ...)"
					" after the dump locked its tables; run the dump again when it is done",
					"pg_dump cannot lock table '%s': it waits behind another session that waits for this dump",
					rcr_name_qualify(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)).s);
	PQclear(r);
	return rc;
}

/* pg_dump's session gets a name of its own ("rcr dump: pg_dump") unless the user chose one,
 * so that check_tool_deadlock can find it. */
static int name_tool_session(dump_ctx *d, char **conninfo, PGconn *conn)
{
	const char *user_name = NULL;
	PQconninfoOption *opts = PQconninfo(conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "application_name") == 0 && o->val && o->val[0])
			user_name = o->val;
	snprintf(d->tool_appname, sizeof d->tool_appname, "%s", user_name ? user_name : "rcr dump: pg_dump");
	PQconninfoFree(opts);
	if (user_name)
		return 0;
	size_t n = strlen(*conninfo) + 64;
	char *s = malloc(n);
	if (!s)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	snprintf(s, n, "%s application_name='rcr dump: pg_dump'", *conninfo);
	free(*conninfo);
	*conninfo = s;
	return 0;
}

/* pg_dump for this server, checked before anything is locked or written: an older pg_dump
 * would only fail later with "aborting because of server version mismatch". */
static int find_pg_dump(char **tool, dump_ctx *d, PGconn *conn)
{
	RCR_FORWARD(rcr_pg_find_tool(tool, "pg_dump", d->server_major));
	const char *sv = PQparameterStatus(conn, "server_version");
	return rcr_pg_check_tool_version(*tool, sv ? sv : "?", d->server_major);
}

static int has_failed(dump_ctx *d)
{
	pthread_mutex_lock(&d->mu);
	int f = d->failed;
	pthread_mutex_unlock(&d->mu);
	return f;
}

/* Waits for the pg_dump thread, checking about once a second for the deadlock above. */
static void wait_for_tool(dump_ctx *d, pthread_t th, int leader_pid)
{
	PGconn *watch = NULL;
	int tries = 0;
	for (int tick = 1; !atomic_load(&d->tool_done) && !has_failed(d); tick++) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (tick % 20 != 0)
			continue;
		if (!watch && tries++ < 3 && rcr_pg_connect(&watch, &d->o->conn, "rcr dump") < 0)
			watch = NULL; /* only a safeguard: without it, wait as before */
		if (watch && check_tool_deadlock(d, watch, leader_pid) < 0)
			record_failure(d, RCR_E_QUERY);
	}
	pthread_join(th, NULL);
	PQfinish(watch);
}

/* --- argv for pg_dump -------------------------------------------------------------------- */

typedef struct argv_b {
	char **v;
	int n, cap;
} argv_b;

static int argv_add(argv_b *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof *v);
		if (!v)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	a->v[++a->n] = NULL;
	return 0;
}

static int argv_addf(argv_b *a, const char *prefix, const char *value)
{
	size_t n = strlen(prefix) + strlen(value) + 1;
	char *s = malloc(n);
	if (!s)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	snprintf(s, n, "%s%s", prefix, value);
	int rc = argv_add(a, s);
	free(s);
	return rc;
}

static void argv_free(argv_b *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* Appends bytes double-quoted, inner quotes doubled: inside quotes pg_dump's pattern rules
 * take every character literally (regex characters included, which pg_dump escapes). */
static int append_quoted(rcr_buf *b, const char *s)
{
	RCR_FORWARD(rcr_buf_append(b, "\"", 1));
	for (const char *c = s; *c; c++) {
		if (*c == '"')
			RCR_FORWARD(rcr_buf_append(b, "\"", 1));
		RCR_FORWARD(rcr_buf_append(b, c, 1));
	}
	return rcr_buf_append(b, "\"", 1);
}

/* Bytes that mean themselves outside double quotes in a pg_dump pattern (no case folding, no
 * regex or pattern meaning). Every server encoding keeps bytes below 0x80 ASCII, so a name is
 * never split inside a multibyte character at one of these. */
static int pattern_plain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int cmp_name_ptr(const void *a, const void *b)
{
	const rcr_table *x = *(const rcr_table *const *)a, *y = *(const rcr_table *const *)b;
	int c = strcmp(x->schema, y->schema);
	return c ? c : strcmp(x->name, y->name);
}

/*
 * Appends a regular expression matching exactly the names t[lo..hi) (sorted, distinct) from
 * byte `depth` on, as a trie: common prefixes written once, "(|...)" where they part. The
 * server compiles and runs a trie in a fraction of the time of a flat "a|b|c" list (1,000
 * names: 0.03 s against 0.4 s over a catalog of 20,000 relations). A name's rest from its
 * first byte that is not plain ASCII is one quoted, literal alternative.
 */
static int append_trie(rcr_buf *b, const rcr_table *const *t, uint32_t lo, uint32_t hi, size_t depth)
{
	for (;;) {
		char c = t[lo]->name[depth];
		if (hi - lo == 1)
			return c == 0 ? 0 : append_quoted(b, t[lo]->name + depth);
		/* one shared plain byte: no branch yet */
		if (!pattern_plain(c) || t[hi - 1]->name[depth] != c)
			break;
		RCR_FORWARD(rcr_buf_append(b, &c, 1));
		depth++;
	}
	RCR_FORWARD(rcr_buf_append(b, "(", 1));
	for (uint32_t i = lo; i < hi;) {
		char c = t[i]->name[depth];
		uint32_t j = i + 1;
		if (pattern_plain(c))
			while (j < hi && t[j]->name[depth] == c)
				j++;
		if (i > lo)
			RCR_FORWARD(rcr_buf_append(b, "|", 1));
		if (c == 0)
			; /* the name ends here: the empty alternative */
		else if (pattern_plain(c)) {
			RCR_FORWARD(rcr_buf_append(b, &c, 1));
			RCR_FORWARD(append_trie(b, t, i, j, depth + 1));
		} else
			RCR_FORWARD(append_quoted(b, t[i]->name + depth));
		i = j;
	}
	return rcr_buf_append(b, ")", 1);
}

/* Names per --exclude-table-data pattern: at most 500 x (63 bytes, doubled by quoting) stays
 * under Linux's 128 KiB per argument, and the server compiles a regular expression of a few
 * hundred names quickly. */
#define EXCLUDE_PATTERN_NAMES 500

/* Appends one --exclude-table-data pattern for the names by[lo..hi) of one schema. */
static int add_pattern(argv_b *a, rcr_buf *pat, const rcr_table *const *by, uint32_t lo, uint32_t hi)
{
	rcr_buf_reset(pat);
	int rc = rcr_buf_append(pat, "--exclude-table-data=", 21);
	if (rc == 0)
		rc = append_quoted(pat, by[lo]->schema);
	if (rc == 0)
		rc = rcr_buf_append(pat, ".(", 2);
	if (rc == 0)
		rc = append_trie(pat, by, lo, hi, 0);
	if (rc == 0)
		rc = rcr_buf_append(pat, ")", 2);
	if (rc == 0)
		rc = argv_add(a, (const char *)pat->data);
	return rc;
}

/*
 * Patterns for the names by[lo..hi) of one schema, cut along the trie: up to
 * EXCLUDE_PATTERN_NAMES names that share their longest possible prefix go into one pattern,
 * and a branch with more names is cut further. pg_dump's server tries each pattern on every
 * table name of the schema, and a name that leaves the pattern at its first bytes costs little,
 * one that matches the first bytes much more: t1000-t1399 ("t1(0|1|2|3)...") took 3-30 ms over
 * 10,000 names, t1800-t2299 ("t(1(8|9)|2(0|1))...") 80-155 ms, and 20-odd patterns of 500 names
 * cut anywhere 0.5-0.8 s in all.
 */
static int add_patterns(argv_b *a, rcr_buf *pat, const rcr_table *const *by, uint32_t lo, uint32_t hi)
{
	if (hi - lo <= EXCLUDE_PATTERN_NAMES)
		return add_pattern(a, pat, by, lo, hi);
	/* The names are sorted and distinct: all share what the first and last share, and at least
	 * two branches part after it. */
	size_t depth = 0;
	while (by[lo]->name[depth] && by[lo]->name[depth] == by[hi - 1]->name[depth])
		depth++;
	uint32_t start = lo;  /* the branches gathered for the next pattern: [start, i) */
	for (uint32_t i = lo; i < hi;) {
		uint32_t j = i + 1;
		while (j < hi && by[j]->name[depth] == by[i]->name[depth])
			j++;
		int rc = 0;
		if (j - i > EXCLUDE_PATTERN_NAMES || j - start > EXCLUDE_PATTERN_NAMES) {
			if (start < i)
				rc = add_pattern(a, pat, by, start, i);
			start = i;
		}
		if (rc == 0 && j - i > EXCLUDE_PATTERN_NAMES) {
			rc = add_patterns(a, pat, by, i, j);
			start = j;
		}
		RCR_FORWARD(rc);
		i = j;
	}
	return start < hi ? add_pattern(a, pat, by, start, hi) : 0;
}

/*
 * pg_dump keeps every table's definition but none of the data rcr stores itself. One
 * --exclude-table-data per table costs pg_dump one catalog query per pattern (10,000 queries
 * for 10,000 tables); instead the names of one schema go into patterns of the form
 * "schema".(trie): outside double quotes a pattern is a regular expression (the alternation),
 * inside them every character is literal, so each pattern matches exactly the listed tables
 * and nothing else (not a sequence's data, which pg_dump must keep).
 */
static int add_exclude_table_data(argv_b *a, const rcr_manifest *m)
{
	if (m->ntables == 0)
		return 0;
	const rcr_table **by = malloc(m->ntables * sizeof *by);
	if (!by)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntables; i++)
		by[i] = &m->tables[i];
	qsort(by, m->ntables, sizeof *by, cmp_name_ptr);
	rcr_buf pat = RCR_BUF_INIT;
	int rc = 0;
	for (uint32_t i = 0; i < m->ntables && rc == 0;) {
		uint32_t end = i + 1;
		while (end < m->ntables && strcmp(by[end]->schema, by[i]->schema) == 0)
			end++;
		rc = add_patterns(a, &pat, by, i, end);
		i = end;
	}
	rcr_buf_free(&pat);
	free(by);
	return rc;
}

static int build_pg_dump_argv(argv_b *a, dump_ctx *d, const char *tool, const char *conninfo)
{
	const rcr_dump_opts *o = d->o;
	char path[4096];
	snprintf(path, sizeof path, "%s/schema", o->dir);
	RCR_FORWARD(argv_add(a, tool));
	RCR_FORWARD(argv_add(a, "--format=directory"));
	RCR_FORWARD(argv_addf(a, "--file=", path));
	RCR_FORWARD(argv_addf(a, "--snapshot=", d->snapshot));
	RCR_FORWARD(argv_addf(a, "--dbname=", conninfo));
	/* rcr_fs_syncfs makes pg_dump's files durable with the data files, once. */
	RCR_FORWARD(argv_add(a, "--no-sync"));
	if (o->schema_only)
		RCR_FORWARD(argv_add(a, "--schema-only"));
	if (o->data_only)
		RCR_FORWARD(argv_add(a, "--data-only"));
	if (o->no_owner)
		RCR_FORWARD(argv_add(a, "--no-owner"));
	if (o->no_privileges)
		RCR_FORWARD(argv_add(a, "--no-privileges"));
	if (o->no_comments)
		RCR_FORWARD(argv_add(a, "--no-comments"));
	if (o->lock_wait_timeout)
		RCR_FORWARD(argv_addf(a, "--lock-wait-timeout=", o->lock_wait_timeout));
	if (o->conn.role)
		RCR_FORWARD(argv_addf(a, "--role=", o->conn.role));
	for (int i = 0; i < o->filter.schemas.n; i++)
		RCR_FORWARD(argv_addf(a, "--schema=", o->filter.schemas.items[i]));
	for (int i = 0; i < o->filter.exclude_schemas.n; i++)
		RCR_FORWARD(argv_addf(a, "--exclude-schema=", o->filter.exclude_schemas.items[i]));
	for (int i = 0; i < o->filter.tables.n; i++)
		RCR_FORWARD(argv_addf(a, "--table=", o->filter.tables.items[i]));
	for (int i = 0; i < o->filter.exclude_tables.n; i++)
		RCR_FORWARD(argv_addf(a, "--exclude-table=", o->filter.exclude_tables.items[i]));
	for (int i = 0; i < o->extensions.n; i++)
		RCR_FORWARD(argv_addf(a, "--extension=", o->extensions.items[i]));
	RCR_FORWARD(add_exclude_table_data(a, d->m));
	if (o->common.verbose > 1)
		RCR_FORWARD(argv_add(a, "--verbose"));
	return 0;
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

static int collect_schema_files(dump_ctx *d)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/schema", d->o->dir);
	rcr_manifest *m = d->m;
	free(m->schema_dir);
	m->schema_dir = strdup("schema");
	if (!m->schema_dir)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	DIR *dh = opendir(dir);
	if (!dh)
		return rcr_error_set(RCR_E_IO, "could not open '%s': %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dh)) && rc == 0) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096 + 256];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			rc = rcr_error_set(RCR_E_IO, "unexpected entry '%s' in pg_dump's output", path);
			break;
		}
		rcr_schema_file *sf = realloc(m->schema_files, (m->nschema_files + 1) * sizeof *sf);
		if (!sf) {
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
			break;
		}
		m->schema_files = sf;
		sf = &sf[m->nschema_files];
		memset(sf, 0, sizeof *sf);
		m->nschema_files++;
		rc = str_dup_into(&sf->name, e->d_name);
		if (rc == 0)
			rc = rcr_fs_hash_file(&sf->size, &sf->hash, path);
	}
	closedir(dh);
	return rc;
}

static int set_meta(dump_ctx *d, PGconn *conn)
{
	const rcr_dump_opts *o = d->o;
	rcr_manifest *m = d->m;
	/* Every table's codec trials were recorded (rcr list shows what the codecs saved). */
	m->optional_features |= RCR_FEATURE_CODEC_TRIALS;
	char buf[256];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int rc = rcr_manifest_set_meta(m, "created_at", buf);
	rc |= rcr_manifest_set_meta(m, "rcr_version", RCR_VERSION_STRING);
	const char *sv = PQparameterStatus(conn, "server_version");
	rc |= rcr_manifest_set_meta(m, "server_version", sv ? sv : "");
	rc |= rcr_manifest_set_meta(m, "dbname", PQdb(conn));
	const char *enc = PQparameterStatus(conn, "server_encoding");
	rc |= rcr_manifest_set_meta(m, "encoding", enc ? enc : "");
	rc |= rcr_manifest_set_meta(m, "snapshot", d->snapshot);
	snprintf(buf, sizeof buf, "zstd:%d", o->level);
	rc |= rcr_manifest_set_meta(m, "compression", buf);
	snprintf(buf, sizeof buf, "%d", o->jobs);
	rc |= rcr_manifest_set_meta(m, "jobs", buf);
	rc |= rcr_manifest_set_meta(m, "content", o->schema_only ? "schema-only" : o->data_only ? "data-only" : "full");
	rc |= rcr_manifest_set_meta(m, "no_owner", o->no_owner ? "1" : "0");
	rc |= rcr_manifest_set_meta(m, "no_privileges", o->no_privileges ? "1" : "0");
	rc |= rcr_manifest_set_meta(m, "no_comments", o->no_comments ? "1" : "0");
	return rc ? rcr_error_set(RCR_E_NOMEM, "out of memory") : 0;
}

/* --- locks ------------------------------------------------------------------------------- */

static int read_lock_settings(dump_ctx *d, PGconn *conn)
{
	PGresult *r;
	RCR_FORWARD(rcr_pg_query(&r, conn,
				 "SELECT pg_catalog.current_setting('max_locks_per_transaction'),"
				 " pg_catalog.current_setting('max_connections'),"
				 " pg_catalog.current_setting('max_prepared_transactions')"));
	d->max_locks = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	d->max_conns = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	d->max_prepared = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	return 0;
}

/* Lock slots the dump holds at once: the leader's and pg_dump's (one per table each, for the
 * length of the dump) and each worker's current transaction. */
static long locks_needed(const dump_ctx *d)
{
	return 2L * d->m->ntables + (long)d->o->jobs * WORKER_LOCKS;
}

/* The lock table's size in slots: max_locks_per_transaction x (max_connections +
 * max_prepared_transactions), shared by every session; only a restart changes it. */
static long lock_slots(const dump_ctx *d)
{
	return d->max_locks * (d->max_conns + d->max_prepared);
}

/* "max_locks_per_transaction = 10 gives room for about 100 (...); the dump holds about 264 at
 * once (...)", and the value to set in hint. */
static void describe_locks(const dump_ctx *d, char *what, size_t what_cap, char *hint, size_t hint_cap)
{
	long need = locks_needed(d);
	long per = d->max_conns + d->max_prepared > 0 ? d->max_conns + d->max_prepared : 1;
	snprintf(what, what_cap,
		 "the dump of %u tables holds about %ld locks at once (one per table for itself and for pg_dump) and"
		 " max_locks_per_transaction = %ld gives room for about %ld (x (max_connections %ld +"
		 " max_prepared_transactions %ld))",
		 d->m->ntables, need, d->max_locks, lock_slots(d), d->max_conns, d->max_prepared);
	snprintf(hint, hint_cap, "set max_locks_per_transaction to at least %ld in postgresql.conf and restart the server",
		 (need + per - 1) / per);
}

/* The server's shared lock table is full (SQLSTATE 53200 on a LOCK): name the setting, its
 * value and what this dump needs. */
static int out_of_locks(const dump_ctx *d, int code, const char *who)
{
	char what[512], hint[160];
	describe_locks(d, what, sizeof what, hint, sizeof hint);
	return rcr_error_set_hint(code, hint, "%s: the server's lock table is full: %s", who, what);
}

/* pg_dump failed and the dump needs more lock slots than the server's lock table is sized
 * for: pg_dump's message does not carry its SQLSTATE, so the numbers decide whether to add
 * what to change (pg_dump's own HINT is not passed on). */
static int explain_tool_failure(const dump_ctx *d, int rc)
{
	if (rc >= 0 || rcr_interrupted() || locks_needed(d) <= lock_slots(d) || rcr_error_hint()[0])
		return rc;
	char msg[1024], what[512], set[160], hint[256];
	snprintf(msg, sizeof msg, "%s", rcr_error_message());
	describe_locks(d, what, sizeof what, set, sizeof set);
	snprintf(hint, sizeof hint, "if the server ran out of shared memory, %s", set);
	return rcr_error_set_hint(rc, hint, "%s (%s)", msg, what);
}

static int is_sqlstate(const PGresult *r, const char *state)
{
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return s && strcmp(s, state) == 0;
}

/* The leader's LOCK TABLE of every table it dumps. */
static int lock_all(dump_ctx *d, PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		/* 53200 (out_of_memory): a LOCK that finds the shared lock table full. */
		if (is_sqlstate(r, "53200"))
			rc = out_of_locks(d, RCR_E_QUERY, "could not lock the tables");
		else
			rc = rcr_error_set(RCR_E_QUERY, "query failed: %s", rcr_pg_error_line(conn));
	}
	PQclear(r);
	return rc;
}

/* A worker's LOCK + COPY did not start copying: say why, by SQLSTATE. */
static int explain_worker_failure(const dump_ctx *d, PGconn *conn, const PGresult *r)
{
	if (is_sqlstate(r, "55P03")) /* lock_not_available, from NOWAIT */
		return rcr_error_set_hint(RCR_E_QUERY,
					  "another session asked for an exclusive lock (ALTER TABLE, DROP TABLE, TRUNCATE, ...)"
					  " after the dump locked its tables; run the dump again when it is done",
					  "a worker could not lock the table: %s", rcr_pg_error_line(conn));
	if (is_sqlstate(r, "53200"))
		return out_of_locks(d, RCR_E_QUERY, "a worker could not lock the table");
	return rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
}

/* --- concurrent DDL ---------------------------------------------------------------------- */

/* "{oid,oid,...}" of the stored tables, for an oid[] parameter; NULL when there are none. */
static char *oid_array(const dump_ctx *d)
{
	if (d->m->ntables == 0)
		return NULL;
	size_t cap = (size_t)d->m->ntables * 11 + 3, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[len++] = '{';
	for (uint32_t i = 0; i < d->m->ntables; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%u", i ? "," : "", d->m->tables[i].oid);
	snprintf(s + len, cap - len, "}");
	return s;
}

static const rcr_table *table_by_oid(const dump_ctx *d, const char *oid)
{
	uint32_t o = (uint32_t)strtoul(oid, NULL, 10);
	for (uint32_t i = 0; i < d->m->ntables; i++)
		if (d->m->tables[i].oid == o)
			return &d->m->tables[i];
	return NULL;
}

/*
 * Called with the locks held: did a transaction that committed between the snapshot and the
 * lock rewrite or drop a table? ALTER TABLE forms that rewrite, TRUNCATE, CLUSTER and VACUUM
 * FULL give the table a new file whose rows the snapshot cannot see (TRUNCATE and rewrites are
 * not MVCC-safe), so its COPY would silently return no rows. pg_class as the snapshot saw it
 * is compared with the current catalog (pg_relation_filenode reads the catalog caches, which
 * taking the lock brought up to date); any difference fails the dump, naming the table.
 */
static int check_unchanged(const dump_ctx *d, PGconn *conn)
{
	char *oids = oid_array(d);
	if (!oids)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	const char *params[1] = {oids};
	PGresult *r = PQexecParams(conn,
		"SELECT c.oid, pg_catalog.pg_relation_filenode(c.oid) IS NULL FROM pg_catalog.pg_class c"
		" WHERE c.oid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])"
		" AND c.relfilenode IS DISTINCT FROM pg_catalog.pg_relation_filenode(c.oid) LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	free(oids);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = rcr_error_set(RCR_E_QUERY, "checking the tables for concurrent changes: %s", rcr_pg_error_line(conn));
	else if (PQntuples(r) == 1) {
		const rcr_table *t = table_by_oid(d, PQgetvalue(r, 0, 0));
		int dropped = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		rc = rcr_error_set_hint(RCR_E_QUERY, "run the dump again",
					dropped ? "table '%s' was dropped by another session after the dump's snapshot was taken"
						: "table '%s' was rewritten by another session after the dump's snapshot was taken"
						  " (ALTER TABLE, TRUNCATE, CLUSTER or VACUUM FULL): the snapshot cannot see its rows",
					t ? rcr_name_qualify(t->schema, t->name).s : "?");
	}
	PQclear(r);
	return rc;
}

/*
 * The leader failed while reading the catalog or locking. A lock timeout (--lock-wait-timeout)
 * or a table dropped while we waited for its lock comes back from the server without a usable
 * name, so look the culprit up and say which table it was. Other errors pass unchanged.
 */
static int explain_lock_failure(const dump_ctx *d, PGconn *conn, int rc)
{
	const char *msg = rcr_error_message();
	int timeout = strstr(msg, "lock timeout") != NULL;
	int gone = strstr(msg, "does not exist") != NULL && d->m->ntables;
	if ((!timeout && !gone) || PQstatus(conn) != CONNECTION_OK)
		return rc;
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	PGresult *r = PQexec(conn, "ROLLBACK");
	PQclear(r);
	char *oids = oid_array(d);
	const char *params[1] = {oids};
	if (gone)
		r = PQexecParams(conn,
			"SELECT o, NULL, NULL FROM unnest($1::pg_catalog.oid[]) AS o WHERE NOT EXISTS"
			" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) o) LIMIT 1",
			1, NULL, params, NULL, NULL, 0);
	else
		/* Only ACCESS EXCLUSIVE conflicts with our ACCESS SHARE, held or queued ahead of us. */
		r = PQexecParams(conn,
			"SELECT n.nspname, c.relname, l.granted FROM pg_catalog.pg_locks l"
			" JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation"
			" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
			" WHERE l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'"
			" AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() AND c.relkind IN ('r', 'p')"
			" AND l.database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database"
			"   WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
			" AND ($1::pg_catalog.oid[] IS NULL OR l.relation OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[]))"
			" ORDER BY l.granted DESC, 1, 2 LIMIT 1",
			1, NULL, params, NULL, NULL, 0);
	free(oids);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		const rcr_table *t = gone ? table_by_oid(d, PQgetvalue(r, 0, 0)) : NULL;
		if (gone)
			rc = rcr_error_set_hint(RCR_E_QUERY, "run the dump again",
						"table '%s' was dropped by another session while the dump waited for its lock",
						t ? rcr_name_qualify(t->schema, t->name).s : "?");
		else
			rc = rcr_error_set_hint(RCR_E_QUERY,
						"retry when that session's transaction has ended, or wait longer with --lock-wait-timeout",
						"could not lock table '%s' within --lock-wait-timeout=%s: another session %s an"
						" ACCESS EXCLUSIVE lock on it",
						rcr_name_qualify(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)).s,
							d->o->lock_wait_timeout ? d->o->lock_wait_timeout : "",
						strcmp(PQgetvalue(r, 0, 2), "t") == 0 ? "holds" : "is waiting for");
	} else
		rcr_error_restore(&keep);
	PQclear(r);
	return rc;
}

int rcr_dump_run(const rcr_dump_opts *o)
{
	if (o->data_only && o->schema_only)
		return rcr_error_set(RCR_E_USAGE, "options -s/--schema-only and -a/--data-only cannot be used together");
	if (!o->dir)
		return rcr_error_set_hint(RCR_E_USAGE, "give the archive directory with -f DIR", "no output directory");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	if (o->level < 0 || o->level > 22)
		return rcr_error_set(RCR_E_USAGE, "-Z/--compress must be between 0 and 22");

	double t0 = rcr_now();
	dump_ctx d = {.o = o, .mu = PTHREAD_MUTEX_INITIALIZER};
	rcr_fs_outdir od;
	int rc = rcr_dump_dir_claim(&od, o);
	if (rc < 0)
		return rc;
	PGconn *conn = NULL;
	char *conninfo = NULL, *tool = NULL;
	argv_b args = {0};
	pthread_t *workers = NULL;
	int nworkers = 0, tool_started = 0;
	pthread_t tool_thread;

	rc = rcr_manifest_new(&d.m);
	if (rc == 0)
		rc = rcr_pg_connect(&conn, &o->conn, "rcr dump");
	/* The catalog query and LOCK TABLE can wait behind another session's lock for as long as
	 * it is held: an interrupt must cancel them too, not only the workers' COPYs. */
	int main_slot = conn ? rcr_interrupt_watch(conn) : -1;
	if (rc == 0) {
		d.server_major = PQserverVersion(conn) / 10000;
		rc = find_pg_dump(&tool, &d, conn);
	}
	if (rc == 0)
		rc = begin_snapshot_txn(conn, NULL);
	if (rc == 0 && o->lock_wait_timeout) {
		char *lit = PQescapeLiteral(conn, o->lock_wait_timeout, strlen(o->lock_wait_timeout));
		char sql[256];
		snprintf(sql, sizeof sql, "SET lock_timeout = %s", lit ? lit : "0");
		PQfreemem(lit);
		rc = rcr_pg_exec(conn, sql);
	}
	if (rc == 0) {
		PGresult *r;
		rc = rcr_pg_query(&r, conn, "SELECT pg_catalog.pg_export_snapshot()");
		if (rc == 0) {
			/* The name is spliced into each worker's per-job SET TRANSACTION SNAPSHOT (copy_table,
			 * in the COPY's round trip): only the hex digits and dashes the server makes may pass. */
			const char *v = PQgetvalue(r, 0, 0);
			if (v[0] == 0 || strspn(v, "0123456789ABCDEFabcdef-") != strlen(v) || strlen(v) >= sizeof d.snapshot)
				rc = rcr_error_set(RCR_E_QUERY, "the server exported a snapshot named '%s', not a snapshot name",
						   rcr_text_escape(v).s);
			else
				snprintf(d.snapshot, sizeof d.snapshot, "%s", v);
			PQclear(r);
		}
	}
	if (rc == 0 && !o->schema_only)
		rc = rcr_catalog_load(&d.cat, conn, &o->filter);
	if (rc == 0)
		rc = plan_tables(&d);
	if (rc == 0)
		rc = plan_jobs(&d);
	if (rc == 0 && d.m->ntables) {
		/* Lock what we dump, as pg_dump does, so DDL cannot change a table under the snapshot
		 * between now and its COPY. */
		rcr_buf sql = RCR_BUF_INIT;
		rc = rcr_buf_append(&sql, "LOCK TABLE ", 11);
		for (uint32_t i = 0; i < d.m->ntables && rc == 0; i++) {
			char *qn;
			rc = rcr_pg_qualified_name(&qn, conn, d.m->tables[i].schema, d.m->tables[i].name);
			if (rc == 0) {
				if (i)
					rc = rcr_buf_append(&sql, ", ", 2);
				rc |= rcr_buf_append(&sql, "ONLY ", 5);
				rc |= rcr_buf_append(&sql, qn, strlen(qn));
				free(qn);
			}
		}
		/* The leader waits (up to --lock-wait-timeout); the workers later must not. */
		if (rc == 0)
			rc = rcr_buf_append(&sql, " IN ACCESS SHARE MODE", 22);
		if (rc == 0)
			rc = read_lock_settings(&d, conn);
		if (rc == 0)
			rc = lock_all(&d, conn, (const char *)sql.data);
		if (rc == 0)
			rc = check_unchanged(&d, conn);
		rcr_buf_free(&sql);
	}
	if (rc < 0 && conn)
		rc = explain_lock_failure(&d, conn, rc);
	if (rc == 0)
		rc = rcr_dump_dir_make(&od);
	if (rc == 0)
		rc = rcr_pg_child_conninfo(&conninfo, &d.password, conn);
	if (rc == 0)
		rc = name_tool_session(&d, &conninfo, conn);
	if (rc == 0)
		rc = build_pg_dump_argv(&args, &d, tool, conninfo);
	if (rc == 0) {
		d.tool_argv = args.v;
		if (pthread_create(&tool_thread, NULL, tool_main, &d) != 0)
			rc = rcr_error_set(RCR_E_INTERNAL, "could not start a thread");
		else
			tool_started = 1;
	}
	if (rc == 0 && d.m->ntables) {
		rcr_progress_init(&d.prog, "dump", d.m, o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
		for (uint32_t i = 0; i < d.njobs; i++)
			rcr_progress_expect(&d.prog, d.jobs[i].table, d.jobs[i].weight);
		rcr_progress_begin(&d.prog);
		nworkers = o->jobs < (int)d.njobs ? o->jobs : (int)d.njobs;
		workers = calloc((size_t)nworkers, sizeof *workers);
		if (!workers)
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
		for (int i = 0; i < nworkers && rc == 0; i++)
			if (pthread_create(&workers[i], NULL, worker_main, &d) != 0) {
				nworkers = i;
				rc = rcr_error_set(RCR_E_INTERNAL, "could not start a worker thread");
				record_failure(&d, rc);
			}
		for (int i = 0; i < nworkers; i++)
			pthread_join(workers[i], NULL);
		rcr_progress_end(&d.prog);
	}
	if (tool_started)
		wait_for_tool(&d, tool_thread, PQbackendPID(conn));
	if (rc == 0 && d.failed) {
		rc = d.failed;
		rcr_error_restore(&d.first_err);
	}
	if (rc == 0 && rcr_interrupted())
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	if (rc == 0)
		rc = collect_schema_files(&d);
	if (rc == 0)
		rc = rcr_pg_exec(conn, "COMMIT");
	if (rc == 0)
		rc = set_meta(&d, conn);
	if (rc == 0) {
		char p[4096];
		snprintf(p, sizeof p, "%s/data", o->dir);
		rc = rcr_fs_syncfs(p);
	}
	if (rc == 0) {
		rcr_buf mb = RCR_BUF_INIT;
		rc = rcr_manifest_encode(&mb, d.m);
		if (rc == 0)
			rc = rcr_fs_write_atomic(o->dir, RCR_MANIFEST_NAME, mb.data, mb.len);
		rcr_buf_free(&mb);
	}
	if (rc == 0)
		rc = rcr_fs_outdir_end(&od);
	if (rc < 0) {
		if (rcr_interrupted() && rc != RCR_E_INTERRUPTED)
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; no archive was written");
		/* Keep the message of the failure, not of the cleanup. */
		rcr_error_snapshot keep;
		rcr_error_save(&keep);
		rcr_dump_dir_abandon(&od, d.m);
		rcr_error_restore(&keep);
	} else if (!o->common.quiet) {
		uint64_t rows = 0, raw = 0, stored = 0;
		for (uint32_t i = 0; i < d.m->ntables; i++) {
			rows += d.m->tables[i].row_count;
			raw += d.m->tables[i].raw_bytes;
			stored += d.m->tables[i].stored_bytes;
		}
		char b1[32], b2[32];
		fprintf(stderr, "rcr: dumped %u tables, %llu rows, %s of column data stored in %s, in %.2f s\n",
			d.m->ntables, (unsigned long long)rows, rcr_fmt_bytes(b1, sizeof b1, raw),
			rcr_fmt_bytes(b2, sizeof b2, stored), rcr_now() - t0);
	}
	free(workers);
	argv_free(&args);
	free(tool);
	free(conninfo);
	free(d.password);
	rcr_interrupt_forget(main_slot);
	PQfinish(conn);
	rcr_catalog_free(d.cat);
	rcr_manifest_free(d.m);
	free(d.jobs);
	free(d.table_mu);
	return rc;
}
