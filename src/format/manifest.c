/* manifest.c: manifest model, encoder and untrusted-input decoder (see manifest.h and the
 * spec's "Manifest" section). */
#include "rcr/manifest.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/extlist.h"
#include "rcr/frame.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_REF_SIZE 44

int rcr_manifest_new(rcr_manifest **out)
{
	*out = NULL;
	rcr_manifest *m = calloc(1, sizeof *m);
	if (!m || !(m->schema_dir = strdup(""))) {
		free(m);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	m->read_version = RCR_FMT_READ_VERSION;
	m->write_version = RCR_FMT_WRITE_VERSION;
	*out = m;
	return 0;
}

static void table_free(rcr_table *t)
{
	free(t->schema);
	free(t->name);
	free(t->root_schema);
	free(t->root_name);
	for (uint32_t i = 0; i < t->ncols && t->cols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type_schema);
		free(t->cols[i].type_name);
	}
	free(t->cols);
	for (uint32_t i = 0; i < t->nfiles && t->files; i++)
		free(t->files[i]);
	free(t->files);
	for (uint32_t i = 0; i < t->nrgs && t->rgs; i++) {
		free(t->rgs[i].frames);
		free(t->rgs[i].skip);
	}
	free(t->rgs);
}

void rcr_manifest_free(rcr_manifest *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nmeta && m->meta; i++) {
		free(m->meta[i].key);
		free(m->meta[i].value);
	}
	free(m->meta);
	free(m->schema_dir);
	for (uint32_t i = 0; i < m->nschema_files && m->schema_files; i++)
		free(m->schema_files[i].name);
	free(m->schema_files);
	for (uint32_t i = 0; i < m->ntables && m->tables; i++)
		table_free(&m->tables[i]);
	free(m->tables);
	free(m);
}

int rcr_manifest_set_meta(rcr_manifest *m, const char *key, const char *value)
{
	for (uint32_t i = 0; i < m->nmeta; i++) {
		if (strcmp(m->meta[i].key, key) == 0) {
			char *v = strdup(value);
			if (!v)
				return rcr_error_set(RCR_E_NOMEM, "out of memory");
			free(m->meta[i].value);
			m->meta[i].value = v;
			return 0;
		}
	}
	rcr_kv *kv = realloc(m->meta, (m->nmeta + 1) * sizeof *kv);
	if (!kv)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	m->meta = kv;
	kv[m->nmeta].key = strdup(key);
	kv[m->nmeta].value = strdup(value);
	if (!kv[m->nmeta].key || !kv[m->nmeta].value) {
		free(kv[m->nmeta].key);
		free(kv[m->nmeta].value);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	m->nmeta++;
	return 0;
}

const char *rcr_manifest_get_meta(const rcr_manifest *m, const char *key)
{
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (strcmp(m->meta[i].key, key) == 0)
			return m->meta[i].value;
	return NULL;
}

int rcr_table_add_row_group(rcr_row_group **out, rcr_table *t)
{
	if (t->nrgs == t->rgs_cap) {
		uint32_t cap = t->rgs_cap ? t->rgs_cap * 2 : 16;
		rcr_row_group *r = realloc(t->rgs, cap * sizeof *r);
		if (!r)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		t->rgs = r;
		t->rgs_cap = cap;
	}
	rcr_row_group *rg = &t->rgs[t->nrgs];
	memset(rg, 0, sizeof *rg);
	if (t->ncols) {
		rg->frames = calloc(t->ncols, sizeof *rg->frames);
		if (!rg->frames)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	t->nrgs++;
	*out = rg;
	return 0;
}

void rcr_frame_ref_set(rcr_frame_ref *f, const rcr_frame_header *h, uint64_t offset)
{
	f->offset = offset;
	f->stored_size = h->stored_size;
	f->content_size = h->content_size;
	f->raw_size = h->raw_size;
	f->stored_hash = h->stored_hash;
	f->raw_hash = h->raw_hash;
	f->codec = h->codec;
	f->compression = h->compression;
}

/* The metadata entries, then the tables' trials as entries unless the metadata already holds
 * them: a decoded manifest keeps its entries verbatim, so that it re-encodes to the same bytes.
 * Appends only; the caller checks the buffer once. */
static void encode_meta(rcr_buf *out, const rcr_manifest *m)
{
	uint32_t ntrials = 0;
	if (!rcr_manifest_has_trial_entries(m))
		for (uint32_t i = 0; i < m->ntables; i++)
			ntrials += m->tables[i].trials.row_groups > 0;
	rcr_buf_append_u32le(out, m->nmeta + ntrials);
	for (uint32_t i = 0; i < m->nmeta; i++) {
		rcr_buf_append_str(out, m->meta[i].key);
		rcr_buf_append_str(out, m->meta[i].value);
	}
	for (uint32_t i = 0; i < m->ntables && ntrials; i++) {
		const rcr_codec_trials *tr = &m->tables[i].trials;
		if (!tr->row_groups)
			continue;
		char key[32], value[80];
		snprintf(key, sizeof key, RCR_CODEC_TRIALS_KEY "%u", i);
		snprintf(value, sizeof value, "%u %llu %llu", tr->row_groups, (unsigned long long)tr->codec_bytes,
			 (unsigned long long)tr->plain_bytes);
		rcr_buf_append_str(out, key);
		rcr_buf_append_str(out, value);
	}
}

static void encode_schema_files(rcr_buf *out, const rcr_manifest *m)
{
	rcr_buf_append_str(out, m->schema_dir);
	rcr_buf_append_u32le(out, m->nschema_files);
	for (uint32_t i = 0; i < m->nschema_files; i++) {
		rcr_buf_append_str(out, m->schema_files[i].name);
		rcr_buf_append_u64le(out, m->schema_files[i].size);
		rcr_buf_append_u64le(out, m->schema_files[i].hash);
	}
}

static void encode_frame_ref(rcr_buf *out, const rcr_frame_ref *f)
{
	rcr_buf_append_u64le(out, f->offset);
	rcr_buf_append_u32le(out, f->stored_size);
	rcr_buf_append_u32le(out, f->content_size);
	rcr_buf_append_u64le(out, f->raw_size);
	rcr_buf_append_u64le(out, f->stored_hash);
	rcr_buf_append_u64le(out, f->raw_hash);
	rcr_buf_append_u8(out, f->codec);
	rcr_buf_append_u8(out, f->compression);
	rcr_buf_append_u16le(out, 0);
}

/* The fields of Required_Features bit 1, after the column frames (spec "Row group"). */
static void encode_row_identity(rcr_buf *out, const rcr_row_group *rg)
{
	rcr_buf_append(out, rg->content_hash, RCR_CONTENT_HASH_SIZE);
	rcr_buf_append_u32le(out, rg->origin_table);
	rcr_buf_append_u32le(out, rg->origin_rg);
	rcr_buf_append_u8(out, rg->has_row_hashes ? RCR_RG_ROW_HASHES : 0);
	if (rg->has_row_hashes)
		encode_frame_ref(out, &rg->row_hashes);
	rcr_buf_append_u32le(out, rg->nskip);
	for (uint32_t i = 0; i < rg->nskip; i++)
		rcr_buf_append_u32le(out, rg->skip[i]);
}

static void encode_row_group(rcr_buf *out, const rcr_row_group *rg, uint32_t ncols, uint32_t required)
{
	rcr_buf_append_u32le(out, rg->file);
	rcr_buf_append_u32le(out, rg->row_count);
	for (uint32_t c = 0; c < ncols; c++)
		encode_frame_ref(out, &rg->frames[c]);
	if (required & RCR_FEATURE_ROW_IDENTITY)
		encode_row_identity(out, rg);
}

static void encode_table(rcr_buf *out, const rcr_table *t, uint32_t required)
{
	rcr_buf_append_u32le(out, t->oid);
	rcr_buf_append_str(out, t->schema);
	rcr_buf_append_str(out, t->name);
	rcr_buf_append_u8(out, t->relkind);
	rcr_buf_append_u8(out, t->flags);
	if (t->flags & RCR_TABLE_VIA_ROOT) {
		rcr_buf_append_str(out, t->root_schema ? t->root_schema : "");
		rcr_buf_append_str(out, t->root_name ? t->root_name : "");
	}
	rcr_buf_append_u32le(out, t->ncols);
	for (uint32_t c = 0; c < t->ncols; c++) {
		rcr_buf_append_str(out, t->cols[c].name);
		rcr_buf_append_str(out, t->cols[c].type_schema);
		rcr_buf_append_str(out, t->cols[c].type_name);
		rcr_buf_append_u32le(out, t->cols[c].type_oid);
		rcr_buf_append_u32le(out, (uint32_t)t->cols[c].typmod);
		rcr_buf_append_u8(out, t->cols[c].type_kind);
		rcr_buf_append_u8(out, t->cols[c].elem_kind);
	}
	rcr_buf_append_u64le(out, t->row_count);
	rcr_buf_append_u64le(out, t->raw_bytes);
	rcr_buf_append_u64le(out, t->stored_bytes);
	rcr_buf_append_u32le(out, t->nfiles);
	for (uint32_t f = 0; f < t->nfiles; f++)
		rcr_buf_append_str(out, t->files[f]);
	rcr_buf_append_u32le(out, t->nrgs);
	for (uint32_t g = 0; g < t->nrgs; g++)
		encode_row_group(out, &t->rgs[g], t->ncols, required);
}

/* 1 if a row group of t has row-identity content that an older reader would lose: skipped
 * rows (which it would load) or a row-hash frame. Origins are the writer's to set together
 * with the bit: without it they are not encoded. */
static int has_row_identity(const rcr_table *t)
{
	for (uint32_t g = 0; g < t->nrgs; g++)
		if (t->rgs[g].nskip || t->rgs[g].has_row_hashes)
			return 1;
	return 0;
}

/* The caller's required bits, plus the table-flags bit when any table has a flag and the
 * row-identity bit when any row group needs it: an archive with either must never reach a
 * reader that would load its data the old way (text as binary, skipped rows as rows). */
static uint32_t required_features(const rcr_manifest *m)
{
	uint32_t req = m->required_features;
	for (uint32_t i = 0; i < m->ntables; i++) {
		if (m->tables[i].flags)
			req |= RCR_FEATURE_TABLE_FLAGS;
		if (!(req & RCR_FEATURE_ROW_IDENTITY) && has_row_identity(&m->tables[i]))
			req |= RCR_FEATURE_ROW_IDENTITY;
	}
	return req;
}

int rcr_manifest_encode(rcr_buf *out, const rcr_manifest *m)
{
	size_t start = out->len;
	uint8_t hdr[RCR_MANIFEST_HEADER_SIZE] = {0};
	rcr_buf_append(out, hdr, sizeof hdr);
	encode_meta(out, m);
	encode_schema_files(out, m);
	uint32_t required = required_features(m);
	rcr_buf_append_u32le(out, m->ntables);
	for (uint32_t i = 0; i < m->ntables; i++)
		encode_table(out, &m->tables[i], required);
	if (rcr_buf_broken(out))
		return rcr_error_wrap(rcr_buf_check(out), "encoding the manifest");

	uint8_t *h = out->data + start;
	memcpy(h, RCR_MANIFEST_MAGIC, 8);
	rcr_store_u16le(h + 8, m->read_version);
	rcr_store_u16le(h + 10, m->write_version);
	rcr_store_u32le(h + 12, required);
	rcr_store_u32le(h + 16, m->optional_features);
	rcr_store_u64le(h + 24, out->len - start - RCR_MANIFEST_HEADER_SIZE);
	return rcr_buf_append_u64le(out, rcr_hash64(out->data + start, out->len - start));
}

/* Rejects a count whose elements, at their minimum encoded size, could not fit in the bytes
 * left: this is what keeps a hostile count from turning into a huge allocation. */
static int check_count(rcr_reader *r, uint32_t n, size_t min_size, const char *what)
{
	if (r->bad || (uint64_t)n * min_size > r->left)
		return rcr_error_set(RCR_E_FORMAT, "manifest declares %u %s, more than its bytes can hold", n, what);
	return 0;
}

/* A schema, table, column or type name: PostgreSQL has no empty identifiers. Any other byte
 * but NUL can be part of a quoted identifier, control characters included, so names are
 * shown escaped (text.h) and reach SQL only quoted or as parameters. `what` and the
 * positions name the field in the message (column is 1-based, 0 for a table's own name). */
static int read_name(char **out, rcr_reader *r, const char *what, uint32_t table, uint32_t column)
{
	RCR_FORWARD(rcr_reader_str(out, r, RCR_MAX_NAME));
	if ((*out)[0])
		return 0;
	if (column)
		return rcr_error_set(RCR_E_FORMAT, "the %s %u of table %u is empty", what, column - 1, table);
	return rcr_error_set(RCR_E_FORMAT, "the %s %u is empty", what, table);
}

static int decode_columns(rcr_table *t, rcr_reader *r, uint32_t index)
{
	uint32_t ncols = rcr_reader_u32le(r);
	RCR_FORWARD(check_count(r, ncols, 22, "columns"));
	if (ncols > 1600)
		return rcr_error_set(RCR_E_LIMIT, "table '%s' declares %u columns (PostgreSQL allows 1600)",
				     rcr_name_qualify(t->schema, t->name).s, ncols);
	t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols);
	if (!t->cols)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	t->ncols = ncols;
	for (uint32_t c = 0; c < ncols; c++) {
		RCR_FORWARD(read_name(&t->cols[c].name, r, "name of column", index, c + 1));
		RCR_FORWARD(read_name(&t->cols[c].type_schema, r, "type schema of column", index, c + 1));
		RCR_FORWARD(read_name(&t->cols[c].type_name, r, "type name of column", index, c + 1));
		t->cols[c].type_oid = rcr_reader_u32le(r);
		t->cols[c].typmod = (int32_t)rcr_reader_u32le(r);
		t->cols[c].type_kind = rcr_reader_u8(r);
		t->cols[c].elem_kind = rcr_reader_u8(r);
	}
	return 0;
}

static int decode_files(rcr_table *t, rcr_reader *r)
{
	uint32_t nfiles = rcr_reader_u32le(r);
	RCR_FORWARD(check_count(r, nfiles, 4, "files"));
	t->files = calloc(nfiles ? nfiles : 1, sizeof *t->files);
	if (!t->files)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	t->nfiles = nfiles;
	for (uint32_t f = 0; f < nfiles; f++) {
		RCR_FORWARD(rcr_reader_str(&t->files[f], r, RCR_MAX_NAME));
		RCR_FORWARD(rcr_archive_path_check(t->files[f]));
	}
	return 0;
}

/* Frame c of row group g; *rg_raw is the row group's raw bytes so far, checked against the
 * limit. A truncated manifest is reported once, by the caller. */
static int decode_frame_ref(rcr_frame_ref *f, rcr_reader *r, const rcr_table *t, uint32_t g, uint32_t c,
			    uint64_t *rg_raw)
{
	f->offset = rcr_reader_u64le(r);
	f->stored_size = rcr_reader_u32le(r);
	f->content_size = rcr_reader_u32le(r);
	f->raw_size = rcr_reader_u64le(r);
	f->stored_hash = rcr_reader_u64le(r);
	f->raw_hash = rcr_reader_u64le(r);
	f->codec = rcr_reader_u8(r);
	f->compression = rcr_reader_u8(r);
	if (rcr_reader_u16le(r) != 0 && !r->bad)
		return rcr_error_set(RCR_E_FORMAT, "frame %u/%u has reserved bits set", g, c);
	if (!r->bad && (!rcr_codec_get(f->codec) || f->compression >= RCR_COMPRESSION_COUNT))
		return rcr_error_set(RCR_E_VERSION, "row group %u column %u uses unknown codec %u or compression %u",
				     g, c, f->codec, f->compression);
	if (!r->bad && (f->raw_size > RCR_MAX_ROW_GROUP_RAW || *rg_raw > RCR_MAX_ROW_GROUP_RAW - f->raw_size))
		return rcr_error_set(RCR_E_LIMIT, "table '%s' row group %u declares more than %llu raw bytes (at column %u)",
				     rcr_name_qualify(t->schema, t->name).s, g, (unsigned long long)RCR_MAX_ROW_GROUP_RAW, c);
	*rg_raw += f->raw_size;
	return 0;
}

/* The running totals the table's own must match. */
typedef struct table_sums {
	uint64_t rows, raw, stored;
} table_sums;

/* The row-hash frame: SHA-256 of each row, stored as is, so everything about it follows from
 * the row count. */
static int check_row_hash_ref(const rcr_frame_ref *f, const rcr_table *t, uint32_t g, uint32_t rows)
{
	if (f->codec != RCR_CODEC_RAW || f->compression != RCR_COMPRESSION_NONE ||
	    f->raw_size != (uint64_t)rows * RCR_ROW_HASH_SIZE || f->content_size != f->raw_size ||
	    f->stored_size != f->raw_size)
		return rcr_error_set(RCR_E_FORMAT,
				     "table '%s' row group %u has a row-hash frame that is not %u raw bytes of 32 per row",
				     rcr_name_qualify(t->schema, t->name).s, g, rows);
	return 0;
}

/* Skipped rows: ascending, inside the frames, and never all of them (a writer leaves out a row
 * group that has no row left). */
static int decode_skips(rcr_row_group *rg, rcr_reader *r, const rcr_table *t, uint32_t g)
{
	uint32_t n = rcr_reader_u32le(r);
	if (r->bad || n == 0)
		return 0;
	if (n >= rg->row_count)
		return rcr_error_set(RCR_E_FORMAT, "table '%s' row group %u skips %u of its %u rows",
				     rcr_name_qualify(t->schema, t->name).s, g, n, rg->row_count);
	RCR_FORWARD(check_count(r, n, 4, "skipped rows"));
	rg->skip = malloc((size_t)n * sizeof *rg->skip);
	if (!rg->skip)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	rg->nskip = n;
	for (uint32_t i = 0; i < n; i++) {
		rg->skip[i] = rcr_reader_u32le(r);
		if (!r->bad && (rg->skip[i] >= rg->row_count || (i && rg->skip[i] <= rg->skip[i - 1])))
			return rcr_error_set(RCR_E_FORMAT,
					     "table '%s' row group %u: skipped row %u is out of order or beyond its %u rows",
					     rcr_name_qualify(t->schema, t->name).s, g, rg->skip[i], rg->row_count);
	}
	return 0;
}

/* The fields of Required_Features bit 1 (spec "Row group"). The row-hash frame counts in the
 * table's totals like a column's. */
static int decode_row_identity(rcr_row_group *rg, rcr_reader *r, const rcr_table *t, uint32_t g, table_sums *sum)
{
	const uint8_t *h = rcr_reader_take(r, RCR_CONTENT_HASH_SIZE);
	if (h)
		memcpy(rg->content_hash, h, RCR_CONTENT_HASH_SIZE);
	rg->origin_table = rcr_reader_u32le(r);
	rg->origin_rg = rcr_reader_u32le(r);
	uint8_t flags = rcr_reader_u8(r);
	if (!r->bad && (flags & ~RCR_RG_FLAGS_KNOWN))
		return rcr_error_set(RCR_E_FORMAT, "table '%s' row group %u has unknown flag bits 0x%02x set",
				     rcr_name_qualify(t->schema, t->name).s, g, (unsigned)(flags & ~RCR_RG_FLAGS_KNOWN));
	rg->has_row_hashes = (flags & RCR_RG_ROW_HASHES) != 0;
	if (rg->has_row_hashes) {
		uint64_t raw = 0;
		RCR_FORWARD(decode_frame_ref(&rg->row_hashes, r, t, g, t->ncols, &raw));
		if (!r->bad)
			RCR_FORWARD(check_row_hash_ref(&rg->row_hashes, t, g, rg->row_count));
		sum->raw += rg->row_hashes.raw_size;
		sum->stored += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->row_hashes.stored_size;
	}
	RCR_FORWARD(decode_skips(rg, r, t, g));
	sum->rows -= rg->nskip;
	return 0;
}

static int decode_row_group(rcr_table *t, rcr_reader *r, uint32_t g, table_sums *sum, uint32_t required)
{
	rcr_row_group *rg = &t->rgs[g];
	t->nrgs = g + 1;
	rg->file = rcr_reader_u32le(r);
	rg->row_count = rcr_reader_u32le(r);
	if (!r->bad && rg->file >= t->nfiles)
		return rcr_error_set(RCR_E_FORMAT, "row group %u refers to file %u of %u", g, rg->file, t->nfiles);
	if (!r->bad && rg->row_count > RCR_MAX_ROW_GROUP_ROWS)
		return rcr_error_set(RCR_E_LIMIT, "table '%s' row group %u declares %u rows, above the limit of %u",
				     rcr_name_qualify(t->schema, t->name).s, g, rg->row_count, RCR_MAX_ROW_GROUP_ROWS);
	sum->rows += rg->row_count;
	if (t->ncols) {
		rg->frames = calloc(t->ncols, sizeof *rg->frames);
		if (!rg->frames)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	uint64_t rg_raw = 0;
	for (uint32_t c = 0; c < t->ncols; c++) {
		const rcr_frame_ref *f = &rg->frames[c];
		RCR_FORWARD(decode_frame_ref(&rg->frames[c], r, t, g, c, &rg_raw));
		sum->raw += f->raw_size;
		sum->stored += RCR_FRAME_HEADER_SIZE + (uint64_t)f->stored_size;
	}
	if (required & RCR_FEATURE_ROW_IDENTITY)
		return decode_row_identity(rg, r, t, g, sum);
	return 0;
}

/* Table_Flags and, with RCR_TABLE_VIA_ROOT, the root's names. Flags need Required_Features
 * bit 0: without it the byte is reserved, as in archives written before the flags existed. */
static int decode_table_flags(rcr_table *t, rcr_reader *r, uint32_t index, uint32_t required)
{
	t->flags = rcr_reader_u8(r);
	if (r->bad || t->flags == 0)
		return 0;
	if (!(required & RCR_FEATURE_TABLE_FLAGS))
		return rcr_error_set(RCR_E_FORMAT, "table %u has reserved flag bits set", index);
	if (t->flags & ~RCR_TABLE_FLAGS_KNOWN)
		return rcr_error_set(RCR_E_FORMAT, "table %u has unknown flag bits 0x%02x set", index,
				     (unsigned)(t->flags & ~RCR_TABLE_FLAGS_KNOWN));
	if (!(t->flags & RCR_TABLE_VIA_ROOT))
		return 0;
	RCR_FORWARD(read_name(&t->root_schema, r, "schema name of the partition root of table", index, 0));
	return read_name(&t->root_name, r, "name of the partition root of table", index, 0);
}

static int decode_table(rcr_table *t, rcr_reader *r, uint32_t index, uint32_t required)
{
	t->oid = rcr_reader_u32le(r);
	RCR_FORWARD(read_name(&t->schema, r, "schema name of table", index, 0));
	RCR_FORWARD(read_name(&t->name, r, "name of table", index, 0));
	t->relkind = rcr_reader_u8(r);
	RCR_FORWARD(decode_table_flags(t, r, index, required));
	RCR_FORWARD(decode_columns(t, r, index));
	t->row_count = rcr_reader_u64le(r);
	t->raw_bytes = rcr_reader_u64le(r);
	t->stored_bytes = rcr_reader_u64le(r);
	RCR_FORWARD(decode_files(t, r));
	uint32_t nrgs = rcr_reader_u32le(r);
	size_t rg_min = 8 + (size_t)t->ncols * FRAME_REF_SIZE;
	if (required & RCR_FEATURE_ROW_IDENTITY)
		rg_min += RCR_CONTENT_HASH_SIZE + 13;
	RCR_FORWARD(check_count(r, nrgs, rg_min, "row groups"));
	t->rgs = calloc(nrgs ? nrgs : 1, sizeof *t->rgs);
	if (!t->rgs)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	t->rgs_cap = nrgs;
	table_sums sum = {0, 0, 0};
	for (uint32_t g = 0; g < nrgs; g++)
		RCR_FORWARD(decode_row_group(t, r, g, &sum, required));
	if (r->bad)
		return rcr_error_set(RCR_E_FORMAT, "manifest truncated inside table %u", index);
	if (sum.rows != t->row_count || sum.raw != t->raw_bytes || sum.stored != t->stored_bytes)
		return rcr_error_set(RCR_E_FORMAT, "table '%s' totals disagree with its row groups",
				     rcr_name_qualify(t->schema, t->name).s);
	return 0;
}

static int decode_body(rcr_manifest *m, rcr_reader *r)
{
	uint32_t nmeta = rcr_reader_u32le(r);
	RCR_FORWARD(check_count(r, nmeta, 8, "metadata entries"));
	m->meta = calloc(nmeta ? nmeta : 1, sizeof *m->meta);
	if (!m->meta)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < nmeta; i++) {
		m->nmeta = i + 1;
		RCR_FORWARD(rcr_reader_str(&m->meta[i].key, r, RCR_MAX_NAME));
		RCR_FORWARD(rcr_reader_str(&m->meta[i].value, r, 1 << 20));
	}
	free(m->schema_dir);
	m->schema_dir = NULL;
	RCR_FORWARD(rcr_reader_str(&m->schema_dir, r, RCR_MAX_NAME));
	if (m->schema_dir[0])
		RCR_FORWARD(rcr_archive_path_check(m->schema_dir));
	uint32_t nsf = rcr_reader_u32le(r);
	RCR_FORWARD(check_count(r, nsf, 20, "schema files"));
	m->schema_files = calloc(nsf ? nsf : 1, sizeof *m->schema_files);
	if (!m->schema_files)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < nsf; i++) {
		m->nschema_files = i + 1;
		RCR_FORWARD(rcr_reader_str(&m->schema_files[i].name, r, RCR_MAX_NAME));
		RCR_FORWARD(rcr_archive_path_check(m->schema_files[i].name));
		m->schema_files[i].size = rcr_reader_u64le(r);
		m->schema_files[i].hash = rcr_reader_u64le(r);
	}
	uint32_t ntables = rcr_reader_u32le(r);
	RCR_FORWARD(check_count(r, ntables, 49, "tables"));
	m->tables = calloc(ntables ? ntables : 1, sizeof *m->tables);
	if (!m->tables)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < ntables; i++) {
		m->ntables = i + 1;
		RCR_FORWARD(decode_table(&m->tables[i], r, i, m->required_features));
	}
	if (r->bad)
		return rcr_error_set(RCR_E_FORMAT, "manifest body truncated");
	if (r->left)
		return rcr_error_set(RCR_E_FORMAT, "manifest body has %zu unexpected trailing bytes", r->left);
	return 0;
}

static int one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

/*
 * The values of the metadata keys rcr defines (spec "Metadata keys"). Keys that restore acts
 * on must hold exactly one of their values: `encoding` becomes a SET client_encoding, which
 * libpq builds without quoting, so a forged value would be SQL run by the restoring user.
 * The shown-only keys rcr writes from fixed formats hold no control character; `dbname` (a
 * database name may hold any byte but NUL) and unknown keys are free text, shown escaped.
 * Every entry with a key is checked, not only the first one lookups return.
 */
static int check_meta(const rcr_kv *kv)
{
	static const char *const contents[] = {"full", "schema-only", "data-only", NULL};
	static const char *const flags[] = {"0", "1", NULL};
	static const char *const bytea[] = {"hex", "escape", NULL};
	static const char *const printable[] = {"created_at",		"rcr_version",		"server_version",
						"snapshot",		"compression",		"jobs",
						"lc_monetary",		"archive_id",		"database_id",
						"base_archive_id",	"base_shared_row_groups", "base_shared_bytes",
						"base_linked_files",	"base_copied_bytes",	"base_new_bytes",
						NULL};
	const char *k = kv->key, *v = kv->value, *expected = NULL;
	if (strcmp(k, "encoding") == 0 && v[0] && !rcr_text_encoding_known(v))
		expected = "a PostgreSQL encoding name such as UTF8 or LATIN1";
	else if (strcmp(k, "content") == 0 && !one_of(v, contents))
		expected = "full, schema-only or data-only";
	else if ((strcmp(k, "no_owner") == 0 || strcmp(k, "no_privileges") == 0 || strcmp(k, "no_comments") == 0) &&
		 !one_of(v, flags))
		expected = "0 or 1";
	else if (strcmp(k, "bytea_output") == 0 && !one_of(v, bytea))
		expected = "hex or escape";
	else if (one_of(k, printable) && rcr_text_has_control(v))
		expected = "text without control characters";
	else
		expected = rcr_extlist_check_entry(k, v);
	if (!expected)
		return 0;
	return rcr_error_set(RCR_E_FORMAT, "metadata entry '%s' holds '%s', expected %s", rcr_text_escape(k).s,
			     rcr_text_escape(v).s, expected);
}

/* Parses a decimal number that is all of [s, end): digits only, no sign, no overflow. */
static int parse_u64(uint64_t *out, const char *s, const char *end)
{
	uint64_t v = 0;
	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "codec_trials:<index>" = "<row groups> <codec bytes> <plain bytes>". The statistics are shown
 * only, so a malformed entry, an unknown table or more row groups than the table has is ignored
 * (permissive.md), never an error; the first entry for a table wins, as for other keys. */
static void parse_trials(rcr_manifest *m, const rcr_kv *kv)
{
	const char *k = kv->key + strlen(RCR_CODEC_TRIALS_KEY), *v = kv->value;
	uint64_t idx, n[3];
	if (parse_u64(&idx, k, k + strlen(k)) < 0 || idx >= m->ntables)
		return;
	for (int i = 0; i < 3; i++) {
		const char *sp = strchr(v, ' ');
		const char *end = i < 2 ? sp : v + strlen(v);
		if (!end || parse_u64(&n[i], v, end) < 0)
			return;
		v = end + (i < 2);
	}
	rcr_table *t = &m->tables[idx];
	if (t->trials.row_groups || n[0] == 0 || n[0] > t->nrgs)
		return;
	t->trials = (rcr_codec_trials){(uint32_t)n[0], n[1], n[2]};
}

int rcr_manifest_is_trial_key(const char *key)
{
	return strncmp(key, RCR_CODEC_TRIALS_KEY, strlen(RCR_CODEC_TRIALS_KEY)) == 0;
}

int rcr_manifest_has_trial_entries(const rcr_manifest *m)
{
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (rcr_manifest_is_trial_key(m->meta[i].key))
			return 1;
	return 0;
}

/* Attaches the codec_trials entries to their tables. The entries stay in the metadata too. */
static void take_trials(rcr_manifest *m)
{
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (rcr_manifest_is_trial_key(m->meta[i].key))
			parse_trials(m, &m->meta[i]);
}

int rcr_manifest_decode(rcr_manifest **out, const uint8_t *p, size_t len)
{
	*out = NULL;
	if (len < RCR_MANIFEST_HEADER_SIZE + 8)
		return rcr_error_set(RCR_E_FORMAT, "manifest truncated (%zu bytes)", len);
	if (memcmp(p, RCR_MANIFEST_MAGIC, 8) != 0)
		return rcr_error_set(RCR_E_FORMAT, "bad manifest magic");
	uint64_t body = rcr_load_u64le(p + 24);
	if (body != len - RCR_MANIFEST_HEADER_SIZE - 8)
		return rcr_error_set(RCR_E_FORMAT, "manifest declares a %llu-byte body but holds %zu",
				     (unsigned long long)body, len - RCR_MANIFEST_HEADER_SIZE - 8);
	if (rcr_load_u64le(p + len - 8) != rcr_hash64(p, len - 8))
		return rcr_error_set(RCR_E_CHECKSUM, "manifest checksum mismatch");
	uint16_t read_version = rcr_load_u16le(p + 8);
	uint32_t required = rcr_load_u32le(p + 12);
	if (read_version == 0)
		return rcr_error_set(RCR_E_FORMAT, "manifest declares read version 0, which never existed");
	if (read_version > RCR_FMT_NEWEST_READ)
		return rcr_error_set_hint(RCR_E_VERSION, "upgrade rcr to read this archive",
					  "archive needs format reader version %u, this rcr reads up to %u",
					  read_version, RCR_FMT_NEWEST_READ);
	if (required & ~RCR_FEATURES_REQUIRED_KNOWN)
		return rcr_error_set_hint(RCR_E_VERSION, "upgrade rcr to read this archive",
					  "archive uses unknown required features 0x%08x", required & ~RCR_FEATURES_REQUIRED_KNOWN);
	if (rcr_load_u32le(p + 20) != 0)
		return rcr_error_set(RCR_E_FORMAT, "manifest header has reserved bits set");

	rcr_manifest *m = NULL;
	RCR_FORWARD(rcr_manifest_new(&m));
	m->read_version = read_version;
	m->write_version = rcr_load_u16le(p + 10);
	m->required_features = required;
	m->optional_features = rcr_load_u32le(p + 16);
	rcr_reader r;
	rcr_reader_init(&r, p + RCR_MANIFEST_HEADER_SIZE, (size_t)body);
	int rc = decode_body(m, &r);
	for (uint32_t i = 0; rc == 0 && i < m->nmeta; i++)
		rc = check_meta(&m->meta[i]);
	if (rc < 0) {
		rcr_manifest_free(m);
		return rc;
	}
	take_trials(m);
	*out = m;
	return 0;
}
