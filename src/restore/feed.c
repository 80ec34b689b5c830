/*
 * feed.c: a job's rows, from the archive's frames into an open COPY FROM STDIN: binary COPY,
 * or text COPY for a table whose values are text output (RCR_TABLE_TEXT).
 *
 * A job's row groups flow through two buffers (the command layer's hand-off, rcr_handoff): a
 * decoder thread reads, checks and reassembles one row group into binary COPY bytes while the
 * connection's thread sends the other. Sending
 * blocks until the socket takes the bytes, so decoding in the same thread would leave the server
 * idle for every row group's decode; here the server always has the next group ready. Every
 * frame is verified before any row of its row group is sent.
 */
#include "restore_internal.h"

#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pool.h"
#include "rcr/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void restore_table_files_close(table_files *tf)
{
	for (uint32_t i = 0; i < tf->n && tf->fds; i++)
		if (tf->fds[i] >= 0)
			close(tf->fds[i]);
	free(tf->fds);
	free(tf->sizes);
	free(tf->paths);
	*tf = (table_files){0};
}

int restore_table_files_open(table_files *tf, const char *archive, const rcr_table *t)
{
	*tf = (table_files){.n = t->nfiles,
			    .fds = calloc(t->nfiles + 1, sizeof *tf->fds),
			    .sizes = calloc(t->nfiles + 1, sizeof *tf->sizes),
			    .paths = calloc(t->nfiles + 1, sizeof *tf->paths)};
	if (!tf->fds || !tf->sizes || !tf->paths) {
		restore_table_files_close(tf);
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
		restore_table_files_close(tf);
	return rc;
}

/* One of the hand-off's two slots: a row group's (or the trailer's) COPY bytes. */
typedef struct feed_slot {
	rcr_buf buf;
	uint64_t rows, raw;     /* for progress */
} feed_slot;

typedef struct feed {
	restore_ctx *r;
	const restore_job *job;
} feed;

/* The decoder's state for one job: the table's files, one frame decoder per column (the field
 * streams of a whole row group stay alive together while its tuples are interleaved), and
 * each column's cursor into its decoded frame. */
typedef struct decoder {
	const rcr_table *t;
	uint32_t ti;
	table_files tf;
	const uint8_t **cursors, **ends;
	rcr_frame_decoder **decs;
	rcr_buf scratch;
} decoder;

static void decoder_end(decoder *d)
{
	restore_table_files_close(&d->tf);
	for (uint32_t c = 0; c < d->t->ncols && d->decs; c++)
		rcr_frame_decoder_free(d->decs[c]);
	free(d->decs);
	free(d->cursors);
	free(d->ends);
	rcr_buf_free(&d->scratch);
}

static int decoder_begin(decoder *d, const restore_ctx *r, uint32_t ti)
{
	const rcr_table *t = &r->m->tables[ti];
	*d = (decoder){.t = t,
		       .ti = ti,
		       .cursors = calloc(t->ncols + 1, sizeof *d->cursors),
		       .ends = calloc(t->ncols + 1, sizeof *d->ends),
		       .decs = calloc(t->ncols + 1, sizeof *d->decs),
		       .scratch = RCR_BUF_INIT};
	int rc = (d->cursors && d->ends && d->decs) ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = restore_table_files_open(&d->tf, r->o->archive, t);
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
		rc = rcr_frame_decoder_new(&d->decs[c], RCR_MAX_FRAME_RAW);
	return rc;
}

/* Appends row group g's tuples to out, every frame of it verified first. */
static int decode_row_group(decoder *d, const rcr_manifest *m, uint32_t g, rcr_buf *out)
{
	const rcr_table *t = d->t;
	const rcr_row_group *rg = &t->rgs[g];
	int rc = rcr_archive_check_skip(m, d->ti, g);
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++) {
		size_t len;
		rc = rcr_archive_load_frame(d->decs[c], &d->scratch, d->tf.fds[rg->file], d->tf.sizes[rg->file],
					    d->tf.paths[rg->file], m, d->ti, g, c, &d->cursors[c], &len);
		if (rc == 0)
			d->ends[c] = d->cursors[c] + len;
	}
	/* A text table's values are text output, loaded with text COPY (load.c). The rows the
	 * row group skips (gone since the base it was shared from) are left out. */
	if (rc == 0 && (t->flags & RCR_TABLE_TEXT))
		rc = rcr_copy_write_text_rows_skip(out, d->cursors, (const uint8_t *const *)d->ends, (uint16_t)t->ncols,
						   rg->row_count, rg->skip, rg->nskip);
	else if (rc == 0)
		rc = rcr_copy_write_tuples_skip(out, d->cursors, (const uint8_t *const *)d->ends, (uint16_t)t->ncols,
						rg->row_count, rg->skip, rg->nskip);
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
		if (d->cursors[c] != d->ends[c])
			rc = rcr_error_set(RCR_E_FORMAT, "table '%s' row group %u column '%s' has values beyond its %u rows",
					   rcr_name_qualify(t->schema, t->name).s, g, rcr_name_quote(t->cols[c].name).s,
					   rg->row_count);
	return rc;
}

/* Progress counts column data, as the other commands do. */
static uint64_t row_group_raw(const rcr_table *t, uint32_t g)
{
	uint64_t raw = 0;
	for (uint32_t c = 0; c < t->ncols; c++)
		raw += t->rgs[g].frames[c].raw_size;
	return raw;
}

/* The decoder (the hand-off's producer thread): the COPY header with the first row group, one
 * row group per slot, then the trailer in a slot of its own (a text table's stream has neither:
 * its last slot stays empty). A put that returns anything but
 * a slot means the sender stopped: it has its own failure to report, so this one is over. */
static int feed_produce(rcr_handoff *h, void *arg)
{
	const feed *f = arg;
	const restore_job *job = f->job;
	decoder d;
	int rc = decoder_begin(&d, f->r, job->table);
	for (uint32_t g = job->rg_lo; g <= job->rg_hi && rc == 0; g++) {
		if (rcr_interrupted()) {
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			break;
		}
		void *p;
		if (rcr_handoff_put(h, &p) != 1)
			break;
		feed_slot *s = p;
		int binary = !(d.t->flags & RCR_TABLE_TEXT); /* text COPY has no header or trailer */
		if (g == job->rg_lo && binary)
			rc = rcr_copy_write_header(&s->buf);
		int last = g == job->rg_hi;
		if (rc == 0 && !last)
			rc = decode_row_group(&d, f->r->m, g, &s->buf);
		else if (rc == 0 && binary)
			rc = rcr_copy_write_trailer(&s->buf);
		s->rows = last ? 0 : rcr_row_group_live(&d.t->rgs[g]);
		s->raw = last ? 0 : row_group_raw(d.t, g);
		if (rc == 0)
			rcr_handoff_publish(h);
	}
	decoder_end(&d);
	return rc;
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

/* The sender (this thread, the hand-off's consumer): every published slot in order, until the
 * decoder is done (0) or failed (its code, message restored here). */
static int feed_consume(rcr_handoff *h, const feed *f, PGconn *conn)
{
	void *p;
	int rc;
	while ((rc = rcr_handoff_take(h, &p)) == 1) {
		feed_slot *s = p;
		rc = send_buf(conn, &s->buf);
		if (rc < 0)
			return rc;
		rcr_progress_add(&f->r->prog, f->job->table, s->rows, s->raw);
		rcr_handoff_release(h);
	}
	return rc;
}

int restore_stream_job(restore_ctx *r, PGconn *conn, const restore_job *job)
{
	feed f = {.r = r, .job = job};
	feed_slot slots[2] = {{.buf = RCR_BUF_INIT}, {.buf = RCR_BUF_INIT}};
	rcr_handoff *h = NULL;
	int rc = rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_PRODUCER, feed_produce, &f);
	if (rc == 0)
		rc = rcr_handoff_end(h, feed_consume(h, &f, conn));
	rcr_buf_free(&slots[0].buf);
	rcr_buf_free(&slots[1].buf);
	return rc;
}
