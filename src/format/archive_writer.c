/* archive_writer.c: see archive_writer.h. */
#include "rcr/archive_writer.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/row_hash.h"

#include <xxhash.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rcr_table_writer {
	rcr_table *t;
	uint32_t table;
	char *file;             /* the file's name, or with segments their stem */
	char *cur;              /* the current file's name */
	uint32_t file_index;    /* the current file's in t->files; UINT32_MAX until one is listed */
	uint32_t segment;       /* the current file's segment number */
	uint32_t in_file;       /* row groups in the current file */
	rcr_table_writer_opts o;
	const rcr_data_sink_vtbl *sink;
	void *ctx;
	rcr_codec_id *codecs;   /* each column's preferred codec */
	uint8_t *use_raw;       /* 1 while the last trial found raw smaller for this column */
	uint32_t added;         /* row groups added by this writer */
	rcr_frame_encoder *enc;
	rcr_frame_encoder *raw_enc; /* level 0: row-hash frames are stored as they are */
	rcr_row_hasher *hasher;
	rcr_buf hashes;         /* one row group's row hashes, when computed here */
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

/* Points w at table t and the file (or stem) `file`: everything of a writer that belongs to one
 * table, as new makes it; the buffers and the encoders stay. */
static int bind_table(rcr_table_writer *w, rcr_table *t, uint32_t table, const char *file)
{
	free(w->file);
	free(w->cur);
	free(w->codecs);
	free(w->use_raw);
	w->t = t;
	w->table = table;
	w->cur = NULL;
	w->file_index = UINT32_MAX;
	w->segment = 0;
	w->in_file = 0;
	w->added = 0;
	w->offset = 0;
	w->file = strdup(file);
	w->codecs = calloc(t->ncols + 1, sizeof *w->codecs);
	w->use_raw = calloc(t->ncols + 1, 1);
	if (!w->file || !w->codecs || !w->use_raw)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t c = 0; c < t->ncols; c++)
		/* A text table's values are text output whatever the column's type: a vector column
		 * holds "[1,2,3]", which the vector codec must not read as floats. */
		w->codecs[c] = w->o.force_codec >= 0       ? (rcr_codec_id)w->o.force_codec
			       : (t->flags & RCR_TABLE_TEXT) ? RCR_CODEC_RAW
							   : rcr_codec_for_type(t->cols[c].type_name);
	return 0;
}

int rcr_table_writer_new(rcr_table_writer **out, rcr_table *t, uint32_t table, const char *file,
			 const rcr_table_writer_opts *o, const rcr_data_sink_vtbl *sink, void *sink_ctx)
{
	*out = NULL;
	rcr_table_writer *w = calloc(1, sizeof *w);
	if (!w)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	*w = (rcr_table_writer){.o = *o, .sink = sink, .ctx = sink_ctx, .hashes = RCR_BUF_INIT, .out = RCR_BUF_INIT,
				.trial = RCR_BUF_INIT};
	int rc = bind_table(w, t, table, file);
	if (rc == 0)
		rc = rcr_frame_encoder_new(&w->enc, o->level);
	if (rc == 0)
		rc = rcr_frame_encoder_new(&w->raw_enc, 0);
	if (rc == 0)
		rc = rcr_row_hasher_new(&w->hasher);
	if (rc < 0) {
		rcr_table_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int rcr_table_writer_reset(rcr_table_writer *w, rcr_table *t, uint32_t table, const char *file)
{
	return bind_table(w, t, table, file);
}

void rcr_table_writer_free(rcr_table_writer *w)
{
	if (!w)
		return;
	rcr_frame_encoder_free(w->enc);
	rcr_frame_encoder_free(w->raw_enc);
	rcr_row_hasher_free(w->hasher);
	rcr_buf_free(&w->hashes);
	rcr_buf_free(&w->out);
	rcr_buf_free(&w->trial);
	free(w->codecs);
	free(w->use_raw);
	free(w->file);
	free(w->cur);
	free(w);
}

uint32_t rcr_table_writer_file(const rcr_table_writer *w)
{
	return w->file_index;
}

/* The next file's name: the one given, or the stem's next segment. */
static int next_name(rcr_table_writer *w)
{
	free(w->cur);
	w->cur = NULL;
	if (w->o.segment_rgs == 0) {
		w->cur = strdup(w->file);
	} else {
		size_t n = strlen(w->file) + 16;
		w->cur = malloc(n);
		if (w->cur)
			snprintf(w->cur, n, "%s.%u.rcd", w->file, w->segment++);
	}
	return w->cur ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}

/* Creates the next data file, then lists it in the table: a file is listed only once it
 * exists and is this run's (create refuses an existing one), so a failed run's cleanup,
 * which removes the listed files, never removes anything else. */
static int open_file(rcr_table_writer *w)
{
	RCR_FORWARD(next_name(w));
	if (w->sink->create)
		RCR_FORWARD(w->sink->create(w->ctx, w->cur));
	w->offset = 0;
	w->in_file = 0;
	rcr_table *t = w->t;
	int rc = 0;
	table_lock(w);
	char **files = realloc(t->files, (t->nfiles + 1) * sizeof *files);
	if (files) {
		t->files = files;
		files[t->nfiles] = strdup(w->cur);
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

/* What identifies a row group's content (row_hash.h), worked out before it is reserved. */
typedef struct rg_identity {
	const uint8_t *hashes;  /* the row hashes, when kept; NULL otherwise */
	uint8_t content[RCR_CONTENT_HASH_SIZE];
} rg_identity;

/* Reserves the table's next row group for this file, its own indexes as its frames' origin;
 * its frame references are filled after, outside the lock: a row group's frames array stays
 * put when the row group array grows (the row group itself does not: its row-hash frame's
 * reference is set under the lock, with the totals). */
static int reserve_row_group(rcr_table_writer *w, uint32_t rows, const rg_identity *id, uint32_t *rgi,
			     rcr_frame_ref **frames)
{
	rcr_row_group *rg;
	table_lock(w);
	int rc = rcr_table_add_row_group(&rg, w->t);
	if (rc == 0) {
		rg->file = w->file_index;
		rg->row_count = rows;
		*rgi = w->t->nrgs - 1;
		*frames = rg->frames;
		memcpy(rg->content_hash, id->content, sizeof rg->content_hash);
		rg->origin_table = w->table;
		rg->origin_rg = *rgi;
		rg->has_row_hashes = id->hashes != NULL;
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

int rcr_table_writer_keeps_row_hashes(const rcr_table_writer_opts *o, uint64_t bytes, uint32_t rows)
{
	return rows > 0 && o->row_hash_min_row_bytes > 0 && bytes >= (uint64_t)o->row_hash_min_row_bytes * rows;
}

/* The row group's content hash, and its row hashes if it keeps them: when its rows average at
 * least row_hash_min_row_bytes of field bytes (given ones, or computed into w->hashes). */
static int identify(rcr_table_writer *w, rg_identity *id, const rcr_buf *cols, uint32_t rows, const uint8_t *hashes)
{
	uint32_t ncols = w->t->ncols;
	uint64_t bytes = 0;
	for (uint32_t c = 0; c < ncols; c++)
		bytes += cols[c].len;
	id->hashes = NULL;
	if (!rcr_table_writer_keeps_row_hashes(&w->o, bytes, rows))
		return rcr_content_hash_streams(w->hasher, id->content, cols, ncols);
	if (!hashes) {
		rcr_buf_reset(&w->hashes);
		RCR_FORWARD(rcr_buf_reserve(&w->hashes, (size_t)rows * RCR_ROW_HASH_SIZE));
		RCR_FORWARD(rcr_row_hashes(w->hasher, w->hashes.data, cols, ncols, rows));
		hashes = w->hashes.data;
	}
	id->hashes = hashes;
	return rcr_content_hash_rows(w->hasher, id->content, hashes, rows);
}

int rcr_table_writer_add(rcr_table_writer *w, const rcr_buf *cols, uint32_t rows)
{
	int rc = rcr_table_writer_add_rows(w, cols, rows, NULL);
	return rc < 0 ? rc : 0;
}

int rcr_table_writer_add_rows(rcr_table_writer *w, const rcr_buf *cols, uint32_t rows, const uint8_t *hashes)
{
	rcr_table *t = w->t;
	rg_identity id;
	RCR_FORWARD(identify(w, &id, cols, rows, hashes));
	if (!id.hashes && w->sink->take_group) {
		int taken = w->sink->take_group(w->ctx, id.content);
		if (taken != 0)
			return taken;
	}
	if (w->file_index == UINT32_MAX || (w->o.segment_rgs && w->in_file == w->o.segment_rgs))
		RCR_FORWARD(open_file(w));
	uint32_t rgi = 0;
	rcr_frame_ref *frames = NULL;
	RCR_FORWARD(reserve_row_group(w, rows, &id, &rgi, &frames));
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
	/* The row-hash frame: column ncols, raw, uncompressed (hashes do not compress, and a
	 * reader finds them without decompressing anything). */
	rcr_frame_ref hashes_ref = {0};
	if (id.hashes) {
		size_t at = w->out.len;
		rcr_frame_header h;
		RCR_FORWARD(rcr_frame_encode(w->raw_enc, &w->out, &h, w->table, rgi, t->ncols, RCR_CODEC_RAW, id.hashes,
					     (size_t)rows * RCR_ROW_HASH_SIZE, rows));
		rcr_frame_ref_set(&hashes_ref, &h, w->offset + at);
		tot.raw += h.raw_size;
		tot.stored += RCR_FRAME_HEADER_SIZE + (uint64_t)h.stored_size;
	}
	RCR_FORWARD(w->sink->append(w->ctx, w->out.data, w->out.len));
	w->offset += w->out.len;
	w->added++;
	w->in_file++;
	table_lock(w);
	if (id.hashes)
		t->rgs[rgi].row_hashes = hashes_ref;
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
		{"archive_id", meta->archive_id},
		{"database_id", meta->database_id},
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

void rcr_rg_cutter_init(rcr_rg_cutter *c, uint64_t target, uint32_t max_rows)
{
	uint64_t ceiling = 2 * target < ((uint64_t)1 << 30) ? 2 * target : (uint64_t)1 << 30;
	uint64_t floor = target / 4;
	uint64_t span = target - floor > 0 ? target - floor : 1;
	uint32_t rows_span = max_rows / 8 > 0 ? max_rows / 8 : 1;
	*c = (rcr_rg_cutter){.floor = floor, .ceiling = ceiling, .max_rows = max_rows, .floor_rows = max_rows / 4,
			     .per_byte = UINT64_MAX / span, .least = UINT64_MAX / rows_span};
}

int rcr_rg_cutter_row(rcr_rg_cutter *c, const uint8_t *row, size_t n)
{
	c->bytes += n;
	c->rows++;
	int cut = c->bytes >= c->ceiling || c->rows >= c->max_rows;
	if (!cut && (c->bytes >= c->floor || c->rows >= c->floor_rows)) {
		/* n / span of the hash space, saturating: a row of span bytes or more always cuts. */
		uint64_t t = n >= UINT64_MAX / (c->per_byte ? c->per_byte : 1) ? UINT64_MAX : (uint64_t)n * c->per_byte;
		if (t < c->least)
			t = c->least;
		cut = XXH3_64bits(row, n) < t;
	}
	if (cut) {
		c->bytes = 0;
		c->rows = 0;
	}
	return cut;
}
