/*
 * dump_copy.c: the workers of `rcr dump`. Each runs on its own connection, which imports the
 * leader's snapshot, and claims jobs largest first: a big table or a piece of a split one
 * alone, small tables in batches sent as one query (send_batch). A job streams its
 * `COPY ... TO STDOUT (FORMAT binary)` (of its values' text output, for a text table:
 * append_text_value) through the binary COPY parser into row groups, closed where the content
 * says (rcr_rg_cutter); each full row group is handed to the job's encoder thread, which
 * writes it with the archive writer (one frame per column, and the row-hash frame, appended to
 * the job's data files, segments of RCR_SEGMENT_ROW_GROUPS row groups) while the connection's
 * thread fills the next. Memory per worker is two row groups plus their frames, whatever the
 * table size. Row hashes (row identity) are taken on the connection thread from the contiguous
 * COPY row, for the row groups that will keep them; with a base (--base) every row is hashed
 * there and asked about (dump_base_take): a row the base already holds is not written.
 */
#include "dump_int.h"

#include "rcr/archive_writer.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pool.h"
#include "rcr/row_hash.h"
#include "rcr/text.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One row group being filled or encoded: a field stream per column, its row count and field
 * bytes and, when `hashed`, every row's hash (computed on the connection thread from the
 * contiguous COPY row, so the encoder need not gather the row from the field streams). */
typedef struct row_group_buf {
	rcr_buf *cols;
	uint32_t ncols;         /* buffers in cols */
	uint32_t rows;
	uint64_t bytes;
	int hashed;
	rcr_buf hashes;
} row_group_buf;

/*
 * A worker's writer, set up for each job it runs (table_writer_begin). The connection's thread
 * fills one row group while the encoder thread compresses and writes the previous one
 * (rcr_handoff over two row_group_bufs), so zstd and the transforms never stall the connection
 * (the server keeps streaming meanwhile) and a job holds at most two row groups in memory,
 * whatever the table's size. The row groups' buffers (up to a row group's worth, see
 * row_groups_for) and the archive writer's are kept from one job to the next: made anew per
 * piece, they faulted in fresh pages every time (75,000 page faults in a -j2 dump of
 * bench.sh's scale 1, 30,000 now).
 */
typedef struct table_writer {
	dump_ctx *d;
	const dump_job *job;
	uint32_t index;
	rcr_table *t;
	char rel[64];           /* the stem of the job's data files' names */
	row_group_buf bufs[2];
	row_group_buf *fill;    /* the connection thread's, from rcr_handoff_put */
	rcr_rg_cutter cut;      /* where fill closes */
	rcr_row_hasher *hasher; /* the connection thread's */
	/* Whether the connection thread hashes the rows of fill: with a base always; otherwise
	 * when the writer will keep its row hashes, as far as the row group before it tells (the
	 * job's first one: its first row); -1 before the job's first row. */
	int hash_rows;
	rcr_table_writer_opts wo; /* the archive writer's, whose row-hash rule hash_rows follows */
	rcr_handoff *h;
	/* The encoder thread's only: the archive writer and the data file it appends to. */
	rcr_table_writer *tw;
	dump_file file;
} table_writer;

/* The data files of the new archive (dump_int.h): created when the archive writer starts one,
 * by name, exclusively; appended to; closed (not fsynced: one syncfs at the end makes every
 * file durable, rcr_fs_syncfs). Compaction (dump_base.c) writes through them too. */
int rcr_dump_file_close(dump_file *f)
{
	int fd = f->fd;
	f->fd = -1;
	if (fd >= 0 && close(fd) != 0)
		return rcr_error_set(RCR_E_IO, "could not close '%s': %s", f->path, strerror(errno));
	return 0;
}

int rcr_dump_file_create(void *ctx, const char *file)
{
	dump_file *f = ctx;
	RCR_FORWARD(rcr_dump_file_close(f));
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, file);
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return rcr_error_set(RCR_E_IO, "could not create '%s': %s", f->path, strerror(errno));
	return 0;
}

int rcr_dump_file_append(void *ctx, const void *p, size_t n)
{
	dump_file *f = ctx;
	return rcr_fs_write_all(f->fd, p, n, f->path);
}

void rcr_dump_file_discard(void *ctx)
{
	dump_file *f = ctx;
	unlink(f->path);
}

/* The archive writer's sink: the job's data files, each created on its first row group; the
 * table's lock guards what the pieces of a split table share. */
static int file_create(void *ctx, const char *file)
{
	table_writer *w = ctx;
	return rcr_dump_file_create(&w->file, file);
}

static int file_append(void *ctx, const void *p, size_t n)
{
	table_writer *w = ctx;
	return rcr_dump_file_append(&w->file, p, n);
}

static void file_discard(void *ctx)
{
	table_writer *w = ctx;
	rcr_dump_file_discard(&w->file);
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

/* A row group that keeps no row hashes, equal to one of the base's, is not written. */
static int take_group(void *ctx, const uint8_t content_hash[RCR_CONTENT_HASH_SIZE])
{
	table_writer *w = ctx;
	return w->d->base ? dump_base_take_group(w->d->base, w->index, content_hash) : 0;
}

static const rcr_data_sink_vtbl file_sink = {file_create, file_append, file_discard, table_lock, table_unlock,
					     take_group};

static void row_group_clear(row_group_buf *g, uint32_t ncols)
{
	for (uint32_t c = 0; c < ncols; c++)
		rcr_buf_reset(&g->cols[c]);
	rcr_buf_reset(&g->hashes);
	g->rows = 0;
	g->bytes = 0;
	g->hashed = 0;
}

/* The encoder thread: every row group handed to it, in order, through the archive writer. */
static int encoder_main(rcr_handoff *h, void *ctx)
{
	table_writer *w = ctx;
	void *slot;
	int rc;
	while ((rc = rcr_handoff_take(h, &slot)) == 1) {
		row_group_buf *g = slot;
		rc = rcr_table_writer_add_rows(w->tw, g->cols, g->rows, g->hashed ? g->hashes.data : NULL);
		row_group_clear(g, w->t->ncols);
		if (rc < 0)
			return rc;
		rcr_handoff_release(h);
	}
	return rc;
}

/* The next row group to fill, once the encoder is done with it. A failure of the encoder
 * comes back here, with its message. */
static int next_fill(table_writer *w)
{
	void *slot;
	int rc = rcr_handoff_put(w->h, &slot);
	if (rc < 0)
		return rc;
	/* The encoder stops before the COPY ends only when it fails, which put returns. */
	assert(rc == 1);
	w->fill = slot;
	return 0;
}

/* Hashes the row when fill's rows are hashed (w->hash_rows); with a base, asks it: 1 if the
 * base holds the row (it is then not written), 0 if not. The hash goes with the row group. */
static int hash_row(table_writer *w, const uint8_t *row, size_t n)
{
	if (w->hash_rows < 0)
		w->hash_rows = w->d->base || rcr_table_writer_keeps_row_hashes(&w->wo, n, 1);
	if (!w->hash_rows)
		return 0;
	uint8_t hash[RCR_ROW_HASH_SIZE];
	RCR_FORWARD(rcr_row_hash(w->hasher, hash, row, n));
	if (w->d->base) {
		int taken = dump_base_take(w->d->base, w->index, hash);
		if (taken != 0)
			return taken;
	}
	w->fill->hashed = 1;
	return rcr_buf_append(&w->fill->hashes, hash, sizeof hash);
}

/* Hands the full row group to the encoder and takes the other one; whether its rows are
 * hashed follows this one's size. */
static int close_fill(table_writer *w)
{
	const row_group_buf *g = w->fill;
	if (!w->d->base)
		w->hash_rows = rcr_table_writer_keeps_row_hashes(&w->wo, g->bytes, g->rows);
	rcr_handoff_publish(w->h);
	return next_fill(w);
}

/* A row's fields are contiguous: its encodings, as the row hash and the cutter take them. */
static int on_tuple(void *ctx, const uint8_t *const *fields, uint16_t nfields)
{
	table_writer *w = ctx;
	const uint8_t *row = fields[0];
	size_t n = (size_t)(fields[nfields] - fields[0]);
	rcr_progress_add(&w->d->prog, w->index, 1, n);
	int taken = hash_row(w, row, n);
	if (taken != 0)
		return taken < 0 ? taken : 0;
	row_group_buf *g = w->fill;
	for (uint16_t c = 0; c < nfields; c++)
		RCR_FORWARD(rcr_buf_append(&g->cols[c], fields[c], (size_t)(fields[c + 1] - fields[c])));
	g->rows++;
	g->bytes += n;
	if (!rcr_rg_cutter_row(&w->cut, row, n))
		return 0;
	return close_fill(w);
}

/*
 * A text table's column as its type's text output (RCR_TABLE_TEXT), which binary COPY then
 * sends as text: the field holds exactly what text COPY would print before escaping, in the
 * session's (the database's) encoding. format's %s calls the type's output function, as COPY
 * does; a cast to text may be another function (bool's gives 'true' where COPY prints 't',
 * inet's keeps a /32 that COPY leaves out, char(n)'s drops trailing blanks), and calling the
 * output function by name would need EXECUTE on it, which COPY does not. num_nulls, not IS
 * NULL, tells a NULL from a composite whose fields are all NULL ("(,)").
 */
static void append_text_value(rcr_buf *sql, const char *q)
{
	RCR_BUF_LIT(sql, "CASE WHEN pg_catalog.num_nulls(");
	rcr_buf_append_cstr(sql, q);
	RCR_BUF_LIT(sql, ") OPERATOR(pg_catalog.=) 0 THEN pg_catalog.format('%s', ");
	rcr_buf_append_cstr(sql, q);
	RCR_BUF_LIT(sql, ") END");
}

/* ", "-separated quoted column names, or with as_text their text output. */
static int append_column_list(rcr_buf *sql, PGconn *conn, const rcr_table *t, int as_text)
{
	for (uint32_t c = 0; c < t->ncols; c++) {
		char *q;
		RCR_FORWARD(rcr_pg_quote_ident(&q, conn, t->cols[c].name));
		if (c)
			RCR_BUF_LIT(sql, ", ");
		if (as_text)
			append_text_value(sql, q);
		else
			rcr_buf_append_cstr(sql, q);
		free(q);
	}
	return 0;
}

/* The page range of a piece (a TID range scan from PostgreSQL 14 on). The first piece has no
 * lower bound and the last no upper bound, so rows on pages added after the split was planned
 * are still read. */
static void append_ctid_range(rcr_buf *sql, const dump_job *j)
{
	unsigned long long lo = j->page_lo, hi = j->page_hi;
	if (j->piece == 0)
		rcr_buf_appendf(sql, " WHERE ctid < '(%llu,0)'::pg_catalog.tid", hi);
	else if (j->piece + 1 == j->npieces)
		rcr_buf_appendf(sql, " WHERE ctid >= '(%llu,0)'::pg_catalog.tid", lo);
	else
		rcr_buf_appendf(sql, " WHERE ctid >= '(%llu,0)'::pg_catalog.tid AND ctid < '(%llu,0)'::pg_catalog.tid",
				lo, hi);
}

/*
 * The COPY of one job. A whole table is `COPY t (cols) TO`, as pg_dump does: the server runs it
 * without parsing, planning and starting a query (half of a small table's server time, with
 * the LOCK). It reads only the table's own rows (COPY TO never includes inheritance children)
 * and the explicit column list leaves out generated columns and any column added since the
 * snapshot; with row_security off a table whose policies apply fails either way (42501). A
 * ctid range needs a query, `COPY (SELECT cols FROM ONLY t WHERE ctid ...)`, and so does a
 * table with no stored column, since `COPY t ()` is not valid SQL and `COPY t` would add
 * generated ones, and a text table, whose values are selected as text (append_text_value).
 */
static int append_copy(rcr_buf *sql, PGconn *conn, const rcr_table *t, const dump_job *j, const char *qn)
{
	int as_text = (t->flags & RCR_TABLE_TEXT) != 0;
	if (j->npieces == 1 && t->ncols > 0 && !as_text) {
		RCR_BUF_LIT(sql, "COPY ");
		rcr_buf_append_cstr(sql, qn);
		RCR_BUF_LIT(sql, " (");
		RCR_FORWARD(append_column_list(sql, conn, t, 0));
	} else {
		RCR_BUF_LIT(sql, "COPY (SELECT ");
		RCR_FORWARD(append_column_list(sql, conn, t, as_text));
		RCR_BUF_LIT(sql, " FROM ONLY ");
		rcr_buf_append_cstr(sql, qn);
		if (j->npieces > 1)
			append_ctid_range(sql, j);
	}
	RCR_BUF_LIT(sql, ") TO STDOUT (FORMAT binary)");
	return rcr_buf_check(sql);
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
	/* The last row group, unless the COPY ended on a full one. */
	if (rc == 0 && w->fill->rows > 0)
		rcr_handoff_publish(w->h);
	return rc;
}

/* Frees the row groups' buffers. */
static void row_groups_free(table_writer *w)
{
	for (int i = 0; i < 2; i++) {
		row_group_buf *g = &w->bufs[i];
		for (uint32_t c = 0; c < g->ncols; c++)
			rcr_buf_free(&g->cols[c]);
		free(g->cols);
		rcr_buf_free(&g->hashes);
		*g = (row_group_buf){.hashes = RCR_BUF_INIT};
	}
}

/* The row groups' column buffers for the job's table, from those of the job before: kept
 * (emptied) up to the memory one row group may take, 4 x --row-group-size (its ceiling is
 * twice that, and a buffer doubles), so that what the worker holds stays two row groups'
 * worth whatever the tables before; the others freed. */
static int row_groups_for(table_writer *w)
{
	uint32_t n = w->t->ncols;
	uint64_t budget = 4 * w->d->o->row_group_bytes;
	for (int i = 0; i < 2; i++) {
		row_group_buf *g = &w->bufs[i];
		uint64_t kept = 0;
		for (uint32_t c = 0; c < g->ncols; c++) {
			if (c < n && kept + g->cols[c].cap <= budget)
				kept += g->cols[c].cap;
			else
				rcr_buf_free(&g->cols[c]);
		}
		if (n > g->ncols || !g->cols) {
			rcr_buf *cols = realloc(g->cols, (n + 1) * sizeof *cols);
			if (!cols)
				return rcr_error_set(RCR_E_NOMEM, "out of memory");
			for (uint32_t c = g->ncols; c <= n; c++)
				cols[c] = (rcr_buf)RCR_BUF_INIT;
			g->cols = cols;
			g->ncols = n;
		}
		row_group_clear(g, n);
	}
	return 0;
}

/* Sets the worker's writer up for job (its row group buffers and archive writer, made on the
 * worker's first job, reset on the next ones) and starts the encoder thread that runs it. */
static int table_writer_begin(table_writer *w, const dump_job *job)
{
	w->job = job;
	w->index = job->table;
	w->t = &w->d->m->tables[job->table];
	w->hash_rows = -1;
	rcr_table *t = w->t;
	/* data/<oid>-<archive id's first 8 hex>.<piece>.<segment>.rcd: files a later dump links
	 * from this archive never collide with its own (dump_dir.c's is_data_name). */
	snprintf(w->rel, sizeof w->rel, "data/%u-%.8s.%u", t->oid, w->d->archive_id, job->piece);
	RCR_FORWARD(row_groups_for(w));
	rcr_rg_cutter_init(&w->cut, w->d->o->row_group_bytes, w->d->o->row_group_rows);
	if (!w->hasher)
		RCR_FORWARD(rcr_row_hasher_new(&w->hasher));
	if (w->tw) {
		RCR_FORWARD(rcr_table_writer_reset(w->tw, t, w->index, w->rel));
	} else {
		w->wo = (rcr_table_writer_opts)RCR_TABLE_WRITER_OPTS_INIT;
		w->wo.level = w->d->o->level;
		RCR_FORWARD(rcr_table_writer_new(&w->tw, t, w->index, w->rel, &w->wo, &file_sink, w));
	}
	RCR_FORWARD(rcr_handoff_begin(&w->h, &w->bufs[0], &w->bufs[1], RCR_HANDOFF_CONSUMER, encoder_main, w));
	return next_fill(w);
}

/* Waits for the encoder to write what it was handed and stops it, closes the file; returns
 * the first failure: rc if there was one, else the encoder's. */
static int table_writer_end(table_writer *w, int rc)
{
	if (w->h)
		rc = rcr_handoff_end(w->h, rc);
	w->h = NULL;
	int crc = rcr_dump_file_close(&w->file);
	return rc == 0 ? crc : rc;
}

/* What the worker's writer holds after its last job. */
static void table_writer_free(table_writer *w)
{
	row_groups_free(w);
	rcr_row_hasher_free(w->hasher);
	rcr_table_writer_free(w->tw);
}

static int dump_one(table_writer *w, PGconn *conn, const dump_job *job)
{
	dump_ctx *d = w->d;
	uint32_t index = job->table;
	rcr_table *t = &d->m->tables[index];
	int rc = table_writer_begin(w, job);
	if (d->o->common.verbose) {
		if (job->npieces > 1)
			fprintf(stderr, "rcr: dumping table '%s' piece %u of %u\n", rcr_name_qualify(t->schema, t->name).s,
				job->piece + 1, job->npieces);
		else
			fprintf(stderr, "rcr: dumping table '%s'\n", rcr_name_qualify(t->schema, t->name).s);
	}
	if (rc == 0)
		rc = copy_table(w, conn);
	rc = table_writer_end(w, rc);
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
	/* The snapshot name holds only hex digits and dashes (checked when it was exported). */
	if (new_txn)
		rcr_buf_appendf(&sql, "COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT '%s'; ",
				d->snapshot);
	int rc = 0;
	for (uint32_t k = 0; k < n && rc == 0; k++) {
		const dump_job *j = &d->jobs[batch[k]];
		const rcr_table *t = &d->m->tables[j->table];
		char *qn = NULL;
		rc = rcr_pg_qualified_name(&qn, conn, t->schema, t->name);
		if (rc < 0)
			break;
		RCR_BUF_LIT(&sql, "LOCK TABLE ONLY ");
		rcr_buf_append_cstr(&sql, qn);
		RCR_BUF_LIT(&sql, " IN ACCESS SHARE MODE NOWAIT; ");
		rc = append_copy(&sql, conn, t, j, qn);
		RCR_BUF_LIT(&sql, "; ");
		free(qn);
	}
	if (rc == 0)
		rc = rcr_buf_check(&sql);
	if (rc == 0 && !PQsendQuery(conn, rcr_buf_cstr(&sql)))
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
	if (!rcr_pool_cancelled(d->pool) && !rcr_interrupted() && d->next < d->njobs) {
		batch[n++] = d->next++;
		while (n < DUMP_WORKER_TXN_JOBS && d->next < d->njobs && batchable(&d->jobs[batch[0]]) &&
		       batchable(&d->jobs[d->next]))
			batch[n++] = d->next++;
	}
	pthread_mutex_unlock(&d->mu);
	return n;
}

/* A worker: its own connection on the snapshot, then batches of jobs until none is left or
 * the dump failed. */
static int worker_main(rcr_pool *pool, void *ctx, int worker)
{
	dump_ctx *d = ctx;
	PGconn *conn = NULL;
	int rc = rcr_pg_connect(&conn, &d->o->conn, "rcr dump");
	if (rc == 0)
		rc = rcr_dump_begin_snapshot_txn(conn, d->snapshot);
	int slot = conn ? rcr_interrupt_watch(conn) : -1;
	uint32_t batch[DUMP_WORKER_TXN_JOBS], n;
	table_writer w = {.d = d, .file = {.dir = d->o->dir, .fd = -1}};
	/* The first batch runs in the transaction begin_snapshot_txn started. */
	for (int first = 1; rc == 0 && (n = claim_batch(d, batch)) > 0; first = 0) {
		rc = send_batch(d, conn, batch, n, !first);
		for (uint32_t k = 0; k < n && rc == 0; k++) {
			if (k > 0 && (rcr_pool_cancelled(pool) || rcr_interrupted()))
				rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			else
				rc = dump_one(&w, conn, &d->jobs[batch[k]]);
		}
		rc = end_batch(conn, rc);
	}
	/* Recorded before the clean-up, so the siblings' COPYs are cancelled at once. */
	if (rc < 0)
		rcr_pool_fail(pool, rc);
	table_writer_free(&w);
	rcr_interrupt_forget(slot);
	PQfinish(conn);
	return rc;
}

/* The pool's cancel: every watched connection's query (the workers' COPYs, the leader's lock
 * wait) gets a cancel request and ends with an error that is then ignored. */
static void cancel_copies(void *ctx)
{
	rcr_interrupt_cancel_watched();
}

int rcr_dump_pool_new(dump_ctx *d)
{
	int nworkers = d->o->jobs < (int)d->njobs ? d->o->jobs : (int)d->njobs;
	/* No njobs: the workers claim batches of jobs themselves (claim_batch). */
	rcr_pool_opts po = {.workers = nworkers > 0 ? nworkers : 1, .work = worker_main, .cancel = cancel_copies,
			    .ctx = d};
	return rcr_pool_new(&d->pool, &po);
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
	int rc = rcr_pool_run(d->pool);
	rcr_progress_end(&d->prog);
	return rc;
}
