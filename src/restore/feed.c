/*
 * feed.c: a job's rows, from the archive's frames into an open COPY FROM STDIN.
 *
 * A job's row groups flow through two buffers: a decoder thread reads, checks and reassembles
 * one row group into binary COPY bytes while the connection's thread sends the other. Sending
 * blocks until the socket takes the bytes, so decoding in the same thread would leave the server
 * idle for every row group's decode; here the server always has the next group ready. Every
 * frame is verified before any row of its row group is sent.
 */
#include "restore_internal.h"

#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
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
	int rc = 0;
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++) {
		size_t len;
		rc = rcr_archive_load_frame(d->decs[c], &d->scratch, d->tf.fds[rg->file], d->tf.sizes[rg->file],
					    d->tf.paths[rg->file], m, d->ti, g, c, &d->cursors[c], &len);
		if (rc == 0)
			d->ends[c] = d->cursors[c] + len;
	}
	if (rc == 0)
		rc = rcr_copy_write_tuples(out, d->cursors, (const uint8_t *const *)d->ends, (uint16_t)t->ncols,
					   rg->row_count);
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

/* The decoder: the COPY header with the first row group, one row group per slot, then the
 * trailer in a slot of its own. */
static int feed_produce(feed *f)
{
	const restore_job *job = f->job;
	decoder d;
	int rc = decoder_begin(&d, f->r, job->table);
	int i = 0;
	for (uint32_t g = job->rg_lo; g <= job->rg_hi && rc == 0; g++) {
		if (rcr_interrupted()) {
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			break;
		}
		rcr_buf *out = feed_acquire(f, i);
		if (!out)
			break;
		if (g == job->rg_lo)
			rc = rcr_copy_write_header(out);
		if (g == job->rg_hi) {
			if (rc == 0)
				rc = rcr_copy_write_trailer(out);
			if (rc == 0)
				feed_publish(f, i, 0, 0);
			break;
		}
		if (rc == 0)
			rc = decode_row_group(&d, f->r->m, g, out);
		if (rc == 0) {
			feed_publish(f, i, d.t->rgs[g].row_count, row_group_raw(d.t, g));
			i ^= 1;
		}
	}
	decoder_end(&d);
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

static int send_buf(PGconn *conn, rcr_buf *b)
{
	if (b->len == 0)
		return 0;
	if (PQputCopyData(conn, (const char *)b->data, (int)b->len) != 1)
		return rcr_error_set(RCR_E_COPY, "sending COPY data failed: %s", rcr_pg_error_line(conn));
	rcr_buf_reset(b);
	return 0;
}

/* The sender: slots are filled and sent in the same alternating order, so when the decoder is
 * done and the next slot is empty, everything has been sent. */
static int feed_consume(feed *f, PGconn *conn)
{
	int rc = 0;
	for (int i = 0; rc == 0; i ^= 1) {
		pthread_mutex_lock(&f->mu);
		while (!f->full[i] && !f->done)
			pthread_cond_wait(&f->cv, &f->mu);
		int ready = f->full[i];
		uint64_t rows = f->rows[i], raw = f->raw[i];
		pthread_mutex_unlock(&f->mu);
		if (!ready)
			break;
		rc = send_buf(conn, &f->slot[i]);
		if (rc == 0)
			rcr_progress_add(&f->r->prog, f->job->table, rows, raw);
		pthread_mutex_lock(&f->mu);
		f->full[i] = 0;
		if (rc < 0)
			f->stop = 1;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
	return rc;
}

int restore_stream_job(restore_ctx *r, PGconn *conn, const restore_job *job)
{
	feed f = {.r = r, .job = job, .slot = {RCR_BUF_INIT, RCR_BUF_INIT}};
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cv, NULL);
	pthread_t th;
	int started = pthread_create(&th, NULL, feed_main, &f) == 0;
	int rc = started ? feed_consume(&f, conn) : rcr_error_set(RCR_E_INTERNAL, "could not start a decoder thread");
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
