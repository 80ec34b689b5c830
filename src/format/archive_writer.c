/* archive_writer.c: see archive_writer.h. */
#include "rcr/archive_writer.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rcr_table_writer {
	rcr_table *t;
	uint32_t table;
	char *file;
	uint32_t file_index;    /* UINT32_MAX until the file is listed */
	rcr_table_writer_opts o;
	const rcr_data_sink_vtbl *sink;
	void *ctx;
	rcr_codec_id *codecs;   /* each column's preferred codec */
	uint8_t *use_raw;       /* 1 while the last trial found raw smaller for this column */
	uint32_t added;         /* row groups added by this writer */
	rcr_frame_encoder *enc;
	rcr_buf out;            /* one row group's frames */
	rcr_buf trial;          /* the other codec's frame of a trial */
	uint64_t offset;        /* bytes appended to the file so far */
};

/* What one row group added to its table. */
typedef struct rg_totals {
	uint64_t raw, stored;
	rcr_codec_trials tried;
} rg_totals;

static void table_lock(const rcr_table_writer *w)
{
	if (w->sink->lock)
		w->sink->lock(w->ctx);
}

static void table_unlock(const rcr_table_writer *w)
{
	if (w->sink->unlock)
		w->sink->unlock(w->ctx);
}

int rcr_table_writer_new(rcr_table_writer **out, rcr_table *t, uint32_t table, const char *file,
			 const rcr_table_writer_opts *o, const rcr_data_sink_vtbl *sink, void *sink_ctx)
{
	*out = NULL;
	rcr_table_writer *w = calloc(1, sizeof *w);
	if (!w)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	*w = (rcr_table_writer){.t = t, .table = table, .file_index = UINT32_MAX, .o = *o, .sink = sink,
				.ctx = sink_ctx, .out = RCR_BUF_INIT, .trial = RCR_BUF_INIT};
	w->file = strdup(file);
	w->codecs = calloc(t->ncols + 1, sizeof *w->codecs);
	w->use_raw = calloc(t->ncols + 1, 1);
	int rc = w->file && w->codecs && w->use_raw ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
		/* A text table's values are text output whatever the column's type: a vector column
		 * holds "[1,2,3]", which the vector codec must not read as floats. */
		w->codecs[c] = o->force_codec >= 0         ? (rcr_codec_id)o->force_codec
			       : (t->flags & RCR_TABLE_TEXT) ? RCR_CODEC_RAW
							   : rcr_codec_for_type(t->cols[c].type_name);
	if (rc == 0)
		rc = rcr_frame_encoder_new(&w->enc, o->level);
	if (rc < 0) {
		rcr_table_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void rcr_table_writer_free(rcr_table_writer *w)
{
	if (!w)
		return;
	rcr_frame_encoder_free(w->enc);
	rcr_buf_free(&w->out);
	rcr_buf_free(&w->trial);
	free(w->codecs);
	free(w->use_raw);
	free(w->file);
	free(w);
}

uint32_t rcr_table_writer_file(const rcr_table_writer *w)
{
	return w->file_index;
}

/* Creates the data file, then lists it in the table: a file is listed only once it exists
 * and is this run's (create refuses an existing one), so a failed run's cleanup, which
 * removes the listed files, never removes anything else. */
static int open_file(rcr_table_writer *w)
{
	if (w->sink->create)
		RCR_FORWARD(w->sink->create(w->ctx));
	rcr_table *t = w->t;
	int rc = 0;
	table_lock(w);
	char **files = realloc(t->files, (t->nfiles + 1) * sizeof *files);
	if (files) {
		t->files = files;
		files[t->nfiles] = strdup(w->file);
	}
	if (!files || !files[t->nfiles])
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	else
		w->file_index = t->nfiles++;
	table_unlock(w);
	if (rc < 0 && w->sink->discard)
		w->sink->discard(w->ctx);
	return rc;
}

/* Reserves the table's next row group for this file; its frame references are filled after,
 * outside the lock: a row group's frames array stays put when the row group array grows. */
static int reserve_row_group(rcr_table_writer *w, uint32_t rows, uint32_t *rgi, rcr_frame_ref **frames)
{
	rcr_row_group *rg;
	table_lock(w);
	int rc = rcr_table_add_row_group(&rg, w->t);
	if (rc == 0) {
		rg->file = w->file_index;
		rg->row_count = rows;
		*rgi = w->t->nrgs - 1;
		*frames = rg->frames;
	}
	table_unlock(w);
	return rc;
}

/* Encodes column c of row group rgi into w->out and fills its frame header h. The codec is
 * chosen by what compresses best, never at the cost of exactness (every codec is lossless):
 * on a trial row group a column with a type codec is encoded both ways and the smaller frame
 * kept; in between the last winner is used. */
static int encode_column(rcr_table_writer *w, rcr_frame_header *h, uint32_t rgi, uint32_t c, const rcr_buf *col,
			 uint32_t rows, rg_totals *tot)
{
	size_t at = w->out.len;
	rcr_codec_id want = w->use_raw[c] ? RCR_CODEC_RAW : w->codecs[c];
	RCR_FORWARD(rcr_frame_encode(w->enc, &w->out, h, w->table, rgi, c, want, col->data, col->len, rows));
	if (w->codecs[c] == RCR_CODEC_RAW || w->o.trial_every == 0 || w->added % w->o.trial_every != 0)
		return 0;
	rcr_codec_id other = want == RCR_CODEC_RAW ? w->codecs[c] : RCR_CODEC_RAW;
	rcr_frame_header h2;
	rcr_buf_reset(&w->trial);
	RCR_FORWARD(rcr_frame_encode(w->enc, &w->trial, &h2, w->table, rgi, c, other, col->data, col->len, rows));
	tot->tried.row_groups = 1;
	tot->tried.plain_bytes +=
		RCR_FRAME_HEADER_SIZE + (uint64_t)(other == RCR_CODEC_RAW ? h2.stored_size : h->stored_size);
	if (h2.stored_size < h->stored_size) {
		rcr_buf_truncate(&w->out, at);
		RCR_FORWARD(rcr_buf_append(&w->out, w->trial.data, w->trial.len));
		*h = h2;
	}
	w->use_raw[c] = h->codec == RCR_CODEC_RAW;
	tot->tried.codec_bytes += RCR_FRAME_HEADER_SIZE + (uint64_t)h->stored_size;
	return 0;
}

int rcr_table_writer_add(rcr_table_writer *w, const rcr_buf *cols, uint32_t rows)
{
	rcr_table *t = w->t;
	if (w->file_index == UINT32_MAX)
		RCR_FORWARD(open_file(w));
	uint32_t rgi = 0;
	rcr_frame_ref *frames = NULL;
	RCR_FORWARD(reserve_row_group(w, rows, &rgi, &frames));
	rcr_buf_reset(&w->out);
	rg_totals tot = {0};
	for (uint32_t c = 0; c < t->ncols; c++) {
		size_t at = w->out.len;
		rcr_frame_header h;
		RCR_FORWARD(encode_column(w, &h, rgi, c, &cols[c], rows, &tot));
		rcr_frame_ref_set(&frames[c], &h, w->offset + at);
		tot.raw += h.raw_size;
		tot.stored += RCR_FRAME_HEADER_SIZE + (uint64_t)h.stored_size;
	}
	RCR_FORWARD(w->sink->append(w->ctx, w->out.data, w->out.len));
	w->offset += w->out.len;
	w->added++;
	table_lock(w);
	t->row_count += rows;
	t->raw_bytes += tot.raw;
	t->stored_bytes += tot.stored;
	t->trials.row_groups += tot.tried.row_groups;
	t->trials.codec_bytes += tot.tried.codec_bytes;
	t->trials.plain_bytes += tot.tried.plain_bytes;
	table_unlock(w);
	return 0;
}

int rcr_archive_set_meta(rcr_manifest *m, const rcr_archive_meta *meta)
{
	char level[16], jobs[16];
	snprintf(level, sizeof level, "zstd:%d", meta->level);
	snprintf(jobs, sizeof jobs, "%d", meta->jobs);
	const char *kv[][2] = {
		{"created_at", meta->created_at},
		{"rcr_version", meta->rcr_version},
		{"server_version", meta->server_version},
		{"dbname", meta->dbname},
		{"encoding", meta->encoding},
		{"snapshot", meta->snapshot},
		{"compression", level},
		{"jobs", jobs},
		{"content", meta->content},
		{"no_owner", meta->no_owner ? "1" : "0"},
		{"no_privileges", meta->no_privileges ? "1" : "0"},
		{"no_comments", meta->no_comments ? "1" : "0"},
		{"lc_monetary", meta->lc_monetary},
		{"bytea_output", meta->bytea_output},
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (kv[i][1])
			RCR_FORWARD(rcr_manifest_set_meta(m, kv[i][0], kv[i][1]));
	return 0;
}

int rcr_archive_add_schema_file(rcr_manifest *m, const char *name, uint64_t size, uint64_t hash)
{
	rcr_schema_file *sf = realloc(m->schema_files, (m->nschema_files + 1) * sizeof *sf);
	if (!sf)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	m->schema_files = sf;
	char *n = strdup(name);
	if (!n)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	sf[m->nschema_files++] = (rcr_schema_file){n, size, hash};
	return 0;
}
