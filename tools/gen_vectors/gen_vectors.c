/*
 * gen_vectors.c: writes the golden test vectors of the rcr archive format
 * (format-spec/vectors/), in the spirit of zstd's decodecorpus and xxHash's vector generator.
 *
 *   gen_vectors DIR            rewrites DIR/valid, DIR/invalid, DIR/permissive and DIR/README.md
 *   gen_vectors --check DIR    regenerates in memory and compares with DIR; exit 1 on a difference
 *
 * Every vector is a complete archive directory (manifest.rcr and data/<oid>.rcd files, in a few
 * a schema/ directory). Valid ones are written as `rcr dump` writes an archive: field streams
 * are assembled here by hand, one per column and row group, and go through dump's own writer,
 * the format library's archive writer (rcr_table_writer_add, archive_writer.h), and
 * rcr_manifest_encode(). Next to each valid or permissive archive,
 * expected.txt records what a reader must decode from it; its field streams and binary COPY
 * streams are rendered from this program's own inputs, never from the decoder under test
 * (tests/unit/format/vectors_test.c renders the same text from the decoder and compares).
 * Invalid vectors are valid ones with exactly one defect, each with a file `expect` naming the
 * error code (rcr_err_name) that reading it must produce. Permissive vectors are formally odd
 * archives that readers accept; format-spec/permissive.md lists them.
 *
 * The output is deterministic: fixed metadata, no timestamps, no randomness. All frames are
 * stored uncompressed (level 0) except in valid/zstd_int8_text and invalid/frame_zstd_corrupt,
 * whose stored bytes come from libzstd's compressor and may differ under another libzstd
 * release (decoding them never does). --check reports such a difference like any other.
 *
 * Links only rcr_core. Exits non-zero on any failure; the encoders' choices (codec per frame,
 * compression) are asserted, so a generator run also proves that the writer still behaves as
 * the spec describes.
 */
#include "rcr/archive_writer.h"
#include "rcr/buf.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/fsutil.h"
#include "rcr/manifest.h"
#include "rcr/textout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- failure ------------------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen_vectors: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void must(int rc, const char *what)
{
	if (rc < 0)
		die("%s: %s (%s)", what, rcr_error_message(), rcr_err_name(rc));
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die("out of memory");
	return d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die("out of memory");
	return p;
}

static void put(rcr_buf *b, const void *p, size_t n) { must(rcr_buf_append(b, p, n), "append"); }

static void putf(rcr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(rcr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	put(b, s, (size_t)n);
	free(s);
}

/* --- field streams (binary COPY field encoding: int32 BE length, -1 for NULL, then bytes) --- */

static void put_u16be(rcr_buf *b, uint16_t v)
{
	uint8_t t[2];
	rcr_store_u16be(t, v);
	put(b, t, 2);
}

static void put_u32be(rcr_buf *b, uint32_t v)
{
	uint8_t t[4];
	rcr_store_u32be(t, v);
	put(b, t, 4);
}

static void f_null(rcr_buf *b) { put_u32be(b, 0xFFFFFFFFu); }

static void f_int4(rcr_buf *b, int32_t v)
{
	put_u32be(b, 4);
	put_u32be(b, (uint32_t)v);
}

static void f_int8(rcr_buf *b, int64_t v)
{
	put_u32be(b, 8);
	put_u32be(b, (uint32_t)((uint64_t)v >> 32));
	put_u32be(b, (uint32_t)v);
}

static void f_text(rcr_buf *b, const char *s)
{
	put_u32be(b, (uint32_t)strlen(s));
	put(b, s, strlen(s));
}

static void f_bytea(rcr_buf *b, const uint8_t *p, uint32_t n)
{
	put_u32be(b, n);
	put(b, p, n);
}

/* pgvector `vector` binary form: int16 dim, int16 unused (0), dim float4, all big-endian. */
static void f_vector(rcr_buf *b, uint16_t dim, const float *v)
{
	put_u32be(b, 4 + 4u * dim);
	put_u16be(b, dim);
	put_u16be(b, 0);
	for (uint16_t i = 0; i < dim; i++) {
		uint32_t bits;
		memcpy(&bits, &v[i], 4);
		put_u32be(b, bits);
	}
}

/* pgvector `halfvec` binary form: int16 dim, int16 unused (0), dim IEEE binary16, big-endian. */
static void f_halfvec(rcr_buf *b, uint16_t dim, const uint16_t *bits)
{
	put_u32be(b, 4 + 2u * dim);
	put_u16be(b, dim);
	put_u16be(b, 0);
	for (uint16_t i = 0; i < dim; i++)
		put_u16be(b, bits[i]);
}

/* pgvector sparsevec: be32 dim, be32 nnz, be32 unused, nnz be32 indices, nnz binary32 values. */
static void f_sparsevec(rcr_buf *b, uint32_t dim, uint32_t nnz, const uint32_t *idx, const uint32_t *val_bits)
{
	put_u32be(b, 12 + 8 * nnz);
	put_u32be(b, dim);
	put_u32be(b, nnz);
	put_u32be(b, 0);
	for (uint32_t k = 0; k < nnz; k++)
		put_u32be(b, idx[k]);
	for (uint32_t k = 0; k < nnz; k++)
		put_u32be(b, val_bits[k]);
}

/* --- output files --------------------------------------------------------------------------- */

typedef struct out_file {
	char path[256];
	rcr_buf data;
} out_file;

static out_file *outs;
static size_t nouts, outs_cap;

static void emit(const char *path, const void *p, size_t n)
{
	if (nouts == outs_cap) {
		outs_cap = outs_cap ? outs_cap * 2 : 256;
		outs = realloc(outs, outs_cap * sizeof *outs);
		if (!outs)
			die("out of memory");
	}
	out_file *o = &outs[nouts++];
	memset(o, 0, sizeof *o);
	if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path)
		die("path too long: %s", path);
	put(&o->data, p, n);
}

static void emitf(const void *p, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emitf(const void *p, size_t n, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	emit(path, p, n);
}

/* --- index of vectors (README.md) ---------------------------------------------------------- */

typedef struct vec_info {
	const char *kind; /* valid, invalid, permissive */
	const char *name;
	const char *expect;
	const char *what;
} vec_info;

static vec_info infos[128];
static int ninfos;

static void note(const char *kind, const char *name, const char *expect, const char *what)
{
	if (ninfos == (int)(sizeof infos / sizeof infos[0]))
		die("too many vectors");
	infos[ninfos++] = (vec_info){kind, name, expect, what};
}

/* --- archive builder ---------------------------------------------------------------------- */

#define MAX_TABLES 4
#define MAX_FILES 8
#define MAX_FRAMES 32

typedef struct colspec {
	const char *name, *type_schema, *type_name;
	uint32_t type_oid;
	int32_t typmod;
} colspec;

typedef struct exp_frame {
	uint32_t t, g, c;
	rcr_buf fields; /* the field stream given to the encoder: ground truth */
} exp_frame;

/* A data file: file `findex` of table `table`, written at `path` in the archive (which is also
 * what the manifest says unless a vector edits t->files afterwards) by the archive writer w. */
typedef struct dfile {
	uint32_t table, findex;
	char path[64];
	rcr_buf bytes;
	int omit;
	rcr_table_writer *w;
} dfile;

typedef struct arch {
	rcr_manifest *m;
	int level;
	dfile files[MAX_FILES];
	int nfiles;
	exp_frame exp[MAX_FRAMES];
	int nexp;
	struct {
		char name[64];
		rcr_buf bytes;
	} schema[4];
	int nschema;
	struct {
		char path[64];
		rcr_buf bytes;
	} extra[4];
	int nextra;
	int force_codec; /* >= 0: preferred codec for every frame instead of the column type's */
	uint32_t trial_every; /* the writer's codec trials: 0 (none) unless a vector shows them */
	/* Row identity (Required_Features bit 1): set by the vectors that show it, as rcr dump does
	 * for every archive since specification 1.7.0; row groups keep row hashes from this many
	 * field bytes a row (0: never). */
	int row_identity;
	uint32_t row_hash_min;
} arch;

/* The metadata keys rcr dump writes, with fixed values so that output is reproducible. */
static void arch_std_meta(rcr_manifest *m, int level)
{
	rcr_archive_meta meta = {
		.created_at = "2026-11-27T00:00:00Z",
		.rcr_version = "0.1.0",
		.server_version = "17.2",
		.dbname = "vectors",
		.snapshot = "00000003-00000002-1",
		.level = level,
		.jobs = 1,
		.content = "full",
	};
	must(rcr_archive_set_meta(m, &meta), "metadata");
}

static void arch_init(arch *a, int level)
{
	memset(a, 0, sizeof *a);
	a->level = level;
	a->force_codec = -1;
	must(rcr_manifest_new(&a->m), "manifest");
	arch_std_meta(a->m, level);
}

static void arch_free(arch *a)
{
	rcr_manifest_free(a->m);
	for (int i = 0; i < a->nfiles; i++) {
		rcr_buf_free(&a->files[i].bytes);
		rcr_table_writer_free(a->files[i].w);
	}
	for (int i = 0; i < a->nexp; i++)
		rcr_buf_free(&a->exp[i].fields);
	for (int i = 0; i < a->nschema; i++)
		rcr_buf_free(&a->schema[i].bytes);
	for (int i = 0; i < a->nextra; i++)
		rcr_buf_free(&a->extra[i].bytes);
}

static uint32_t arch_table(arch *a, uint32_t oid, const char *schema, const char *name, uint32_t ncols,
			   const colspec *cols)
{
	rcr_manifest *m = a->m;
	if (m->ntables == MAX_TABLES)
		die("too many tables");
	rcr_table *ts = realloc(m->tables, (m->ntables + 1) * sizeof *ts);
	if (!ts)
		die("out of memory");
	m->tables = ts;
	rcr_table *t = &ts[m->ntables];
	memset(t, 0, sizeof *t);
	t->oid = oid;
	t->schema = xstrdup(schema);
	t->name = xstrdup(name);
	t->relkind = 'r';
	t->cols = xcalloc(ncols, sizeof *t->cols);
	t->ncols = ncols;
	for (uint32_t c = 0; c < ncols; c++) {
		t->cols[c].name = xstrdup(cols[c].name);
		t->cols[c].type_schema = xstrdup(cols[c].type_schema);
		t->cols[c].type_name = xstrdup(cols[c].type_name);
		t->cols[c].type_oid = cols[c].type_oid;
		t->cols[c].typmod = cols[c].typmod;
		/* Every type the vectors use is a base type; arrays of base types where the name says so. */
		t->cols[c].type_kind = 'b';
		t->cols[c].elem_kind = cols[c].type_name[0] == '_' ? 'b' : 0;
	}
	return m->ntables++;
}

static char codec_letter(unsigned id)
{
	switch (id) {
	case RCR_CODEC_RAW: return 'r';
	case RCR_CODEC_VECTOR: return 'v';
	case RCR_CODEC_HALFVEC: return 'h';
	case RCR_CODEC_SPARSEVEC: return 's';
	default: return '?';
	}
}

static dfile *arch_dfile(arch *a, uint32_t ti, uint32_t findex)
{
	for (int i = 0; i < a->nfiles; i++)
		if (a->files[i].table == ti && a->files[i].findex == findex)
			return &a->files[i];
	die("table %u has no file %u", ti, findex);
}

/* The archive writer's sink: a data file in memory. */
static int mem_append(void *ctx, const void *p, size_t n)
{
	put(&((dfile *)ctx)->bytes, p, n);
	return 0;
}

static const rcr_data_sink_vtbl mem_sink = {.append = mem_append};

/* The data file at `path` of table ti, with its writer; the writer lists it in the table's
 * files when it adds its first row group. */
static dfile *arch_file_for(arch *a, uint32_t ti, const char *path)
{
	for (int i = 0; i < a->nfiles; i++)
		if (a->files[i].table == ti && strcmp(a->files[i].path, path) == 0)
			return &a->files[i];
	if (a->nfiles == MAX_FILES)
		die("too many data files");
	dfile *f = &a->files[a->nfiles++];
	memset(f, 0, sizeof *f);
	f->table = ti;
	f->findex = UINT32_MAX;
	snprintf(f->path, sizeof f->path, "%s", path);
	rcr_table_writer_opts wo = {.level = a->level,
				    .trial_every = a->trial_every,
				    .force_codec = a->force_codec,
				    .row_hash_min_row_bytes = a->row_hash_min};
	must(rcr_table_writer_new(&f->w, &a->m->tables[ti], ti, path, &wo, &mem_sink, f), "writer");
	return f;
}

/* Adds one row group of `count` rows to table ti, one field stream per column, with the
 * archive writer, as the dumper does: frames appended to data file `path` (NULL:
 * data/<oid>.rcd) in column order. `codecs` holds the codec letter (r, v, h, s) the writer
 * must choose for each column. */
static void arch_row_group_in(arch *a, uint32_t ti, const char *path, const rcr_buf *cols, uint32_t count,
			      const char *codecs)
{
	char def[64];
	snprintf(def, sizeof def, "data/%u.rcd", a->m->tables[ti].oid);
	dfile *df = arch_file_for(a, ti, path ? path : def);
	rcr_table *t = &a->m->tables[ti];
	if (strlen(codecs) != t->ncols)
		die("table %u: codec list '%s' does not match %u columns", ti, codecs, t->ncols);
	must(rcr_table_writer_add(df->w, cols, count), "row group");
	df->findex = rcr_table_writer_file(df->w);
	uint32_t g = t->nrgs - 1;
	for (uint32_t c = 0; c < t->ncols; c++) {
		const rcr_frame_ref *f = &t->rgs[g].frames[c];
		if (codec_letter(f->codec) != codecs[c])
			die("table %u row group %u column %u: writer chose codec %u, expected '%c'", ti, g, c, f->codec,
			    codecs[c]);
		if (a->level == 0 && f->compression != RCR_COMPRESSION_NONE)
			die("level 0 frame is compressed");
		if (a->nexp == MAX_FRAMES)
			die("too many frames");
		exp_frame *e = &a->exp[a->nexp++];
		e->t = ti;
		e->g = g;
		e->c = c;
		e->fields = (rcr_buf)RCR_BUF_INIT;
		put(&e->fields, cols[c].data, cols[c].len);
	}
}

static void arch_row_group(arch *a, uint32_t ti, const rcr_buf *cols, uint32_t count, const char *codecs)
{
	arch_row_group_in(a, ti, NULL, cols, count, codecs);
}

static void cols_free(rcr_buf *cols, int n)
{
	for (int i = 0; i < n; i++)
		rcr_buf_free(&cols[i]);
}

static void arch_schema_file(arch *a, const char *name, const char *content)
{
	if (a->nschema == 4)
		die("too many schema files");
	snprintf(a->schema[a->nschema].name, sizeof a->schema[0].name, "%s", name);
	a->schema[a->nschema].bytes = (rcr_buf)RCR_BUF_INIT;
	put(&a->schema[a->nschema].bytes, content, strlen(content));
	a->nschema++;
	rcr_manifest *m = a->m;
	must(rcr_archive_add_schema_file(m, name, strlen(content), rcr_hash64(content, strlen(content))), "schema file");
	free(m->schema_dir);
	m->schema_dir = xstrdup("schema");
}

static void arch_extra_file(arch *a, const char *path, const char *content)
{
	if (a->nextra == 4)
		die("too many extra files");
	snprintf(a->extra[a->nextra].path, sizeof a->extra[0].path, "%s", path);
	a->extra[a->nextra].bytes = (rcr_buf)RCR_BUF_INIT;
	put(&a->extra[a->nextra].bytes, content, strlen(content));
	a->nextra++;
}

static const exp_frame *arch_exp(const arch *a, uint32_t t, uint32_t g, uint32_t c)
{
	for (int i = 0; i < a->nexp; i++)
		if (a->exp[i].t == t && a->exp[i].g == g && a->exp[i].c == c)
			return &a->exp[i];
	die("no expected field stream for frame %u.%u.%u", t, g, c);
}

/* --- expected.txt ------------------------------------------------------------------------------
 * Keep in step with render() in tests/unit/format/vectors_test.c: the two must print the same
 * text, one from what was encoded, the other from what was decoded. */

static void put_hex_lines(rcr_buf *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i += 32) {
		put(o, "  ", 2);
		for (size_t j = i; j < n && j < i + 32; j++) {
			char two[2] = {hx[p[j] >> 4], hx[p[j] & 15]};
			put(o, two, 2);
		}
		put(o, "\n", 1);
	}
}

/* 1 if row r of rg is one of its skipped rows (row identity): not loaded. */
static int row_skipped(const rcr_row_group *rg, uint32_t r)
{
	for (uint32_t i = 0; i < rg->nskip; i++)
		if (rg->skip[i] == r)
			return 1;
	return 0;
}

/* The binary COPY stream restore sends for table ti, assembled here independently of
 * rcr_copy_write_tuples: the 19-byte header, then per row a BE int16 field count and that
 * row's field of each column, then the BE int16 -1 trailer. */
static void copy_stream(rcr_buf *o, const arch *a, uint32_t ti)
{
	static const uint8_t hdr[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};
	const rcr_table *t = &a->m->tables[ti];
	put(o, hdr, sizeof hdr);
	for (uint32_t g = 0; g < t->nrgs; g++) {
		size_t pos[1600] = {0};
		for (uint32_t r = 0; r < t->rgs[g].row_count; r++) {
			int skipped = row_skipped(&t->rgs[g], r);
			if (!skipped)
				put_u16be(o, (uint16_t)t->ncols);
			for (uint32_t c = 0; c < t->ncols; c++) {
				const rcr_buf *f = &arch_exp(a, ti, g, c)->fields;
				int32_t len = (int32_t)rcr_load_u32be(f->data + pos[c]);
				size_t n = 4 + (len > 0 ? (size_t)len : 0);
				if (!skipped)
					put(o, f->data + pos[c], n);
				pos[c] += n;
			}
		}
	}
	put_u16be(o, 0xFFFF);
}

/* The text COPY stream restore sends for a text table (RCR_TABLE_TEXT): each value escaped as
 * COPY text wants, NULL as \N, tab between fields, newline after each row. */
static void copy_text_stream(rcr_buf *o, const arch *a, uint32_t ti)
{
	const rcr_table *t = &a->m->tables[ti];
	for (uint32_t g = 0; g < t->nrgs; g++) {
		size_t pos[1600] = {0};
		for (uint32_t r = 0; r < t->rgs[g].row_count; r++) {
			if (row_skipped(&t->rgs[g], r)) {
				for (uint32_t c = 0; c < t->ncols; c++) {
					const rcr_buf *f = &arch_exp(a, ti, g, c)->fields;
					int32_t len = (int32_t)rcr_load_u32be(f->data + pos[c]);
					pos[c] += 4 + (len > 0 ? (size_t)len : 0);
				}
				continue;
			}
			for (uint32_t c = 0; c < t->ncols; c++) {
				const rcr_buf *f = &arch_exp(a, ti, g, c)->fields;
				int32_t len = (int32_t)rcr_load_u32be(f->data + pos[c]);
				if (c)
					put(o, "\t", 1);
				if (len < 0)
					put(o, "\\N", 2);
				else
					must(rcr_textout_copy_escape(o, f->data + pos[c] + 4, (size_t)len), "escape");
				pos[c] += 4 + (len > 0 ? (size_t)len : 0);
			}
			put(o, "\n", 1);
		}
	}
}

/* The row-identity lines of row group g (keep in step with vectors_test.c): its content hash,
 * origin and skipped rows, then its row-hash frame and the row hashes, read back from the data
 * file the writer filled. */
static void render_row_identity(rcr_buf *o, const arch *a, uint32_t ti, uint32_t g)
{
	const rcr_row_group *rg = &a->m->tables[ti].rgs[g];
	putf(o, "row_identity %u.%u origin=%u.%u row_hashes=%d skip=", ti, g, rg->origin_table, rg->origin_rg,
	     rg->has_row_hashes);
	for (uint32_t i = 0; i < rg->nskip; i++)
		putf(o, "%s%u", i ? "," : "", rg->skip[i]);
	putf(o, "%s\ncontent_sha256 %u.%u\n", rg->nskip ? "" : "-", ti, g);
	put_hex_lines(o, rg->content_hash, RCR_CONTENT_HASH_SIZE);
	if (!rg->has_row_hashes)
		return;
	const rcr_frame_ref *f = &rg->row_hashes;
	putf(o, "row_hash_frame %u.%u offset=%llu stored_size=%u stored_xxh3=0x%016llx raw_xxh3=0x%016llx\n", ti, g,
	     (unsigned long long)f->offset, f->stored_size, (unsigned long long)f->stored_hash,
	     (unsigned long long)f->raw_hash);
	const dfile *df = NULL;
	for (int i = 0; i < a->nfiles; i++)
		if (a->files[i].table == ti && strcmp(a->files[i].path, a->m->tables[ti].files[rg->file]) == 0)
			df = &a->files[i];
	if (!df || f->offset + RCR_FRAME_HEADER_SIZE + f->stored_size > df->bytes.len)
		die("table %u row group %u: row-hash frame not in its file", ti, g);
	putf(o, "row_hashes %u.%u bytes=%u\n", ti, g, f->stored_size);
	put_hex_lines(o, df->bytes.data + f->offset + RCR_FRAME_HEADER_SIZE, f->stored_size);
}

static void render_expected(rcr_buf *o, const arch *a, const char *kind, const char *name, const char *what)
{
	const rcr_manifest *m = a->m;
	putf(o, "# %s/%s: %s\n", kind, name, what);
	putf(o, "# Generated by tools/gen_vectors. What a reader decodes from this archive; field\n"
		"# streams and COPY streams are hex, 32 bytes a line.\n");
	putf(o, "format read_version=%u write_version=%u required_features=0x%08x optional_features=0x%08x\n",
	     m->read_version, m->write_version, m->required_features, m->optional_features);
	/* codec_trials entries are shown parsed, on the table's line below. */
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (!rcr_manifest_is_trial_key(m->meta[i].key))
			putf(o, "meta %s=%s\n", m->meta[i].key, m->meta[i].value);
	putf(o, "schema_dir=%s\n", m->schema_dir);
	for (uint32_t i = 0; i < m->nschema_files; i++)
		putf(o, "schema_file %s size=%llu xxh3=0x%016llx\n", m->schema_files[i].name,
		     (unsigned long long)m->schema_files[i].size, (unsigned long long)m->schema_files[i].hash);
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		putf(o, "table %u oid=%u name=%s.%s relkind=%c columns=%u rows=%llu raw_bytes=%llu stored_bytes=%llu files=%u row_groups=%u\n",
		     ti, t->oid, t->schema, t->name, t->relkind, t->ncols, (unsigned long long)t->row_count,
		     (unsigned long long)t->raw_bytes, (unsigned long long)t->stored_bytes, t->nfiles, t->nrgs);
		if (t->flags)
			putf(o, "table_flags %u flags=0x%02x\n", ti, t->flags);
		if (t->flags & RCR_TABLE_VIA_ROOT)
			putf(o, "load_via_root %u root=%s.%s\n", ti, t->root_schema, t->root_name);
		if (t->trials.row_groups)
			putf(o, "codec_trials %u row_groups=%u codec_bytes=%llu plain_bytes=%llu\n", ti, t->trials.row_groups,
			     (unsigned long long)t->trials.codec_bytes, (unsigned long long)t->trials.plain_bytes);
		for (uint32_t c = 0; c < t->ncols; c++)
			putf(o, "column %u.%u name=%s type=%s.%s type_oid=%u typmod=%d kind=%u elem_kind=%u\n", ti, c,
			     t->cols[c].name, t->cols[c].type_schema, t->cols[c].type_name, t->cols[c].type_oid,
			     t->cols[c].typmod, t->cols[c].type_kind, t->cols[c].elem_kind);
		for (uint32_t f = 0; f < t->nfiles; f++)
			putf(o, "file %u.%u %s\n", ti, f, t->files[f]);
		for (uint32_t g = 0; g < t->nrgs; g++) {
			const rcr_row_group *rg = &t->rgs[g];
			putf(o, "row_group %u.%u file=%u rows=%u\n", ti, g, rg->file, rg->row_count);
			if (m->required_features & RCR_FEATURE_ROW_IDENTITY)
				render_row_identity(o, a, ti, g);
			for (uint32_t c = 0; c < t->ncols; c++) {
				const rcr_frame_ref *f = &rg->frames[c];
				putf(o, "frame %u.%u.%u offset=%llu codec=%s compression=%s stored_size=%u content_size=%u raw_size=%llu stored_xxh3=0x%016llx raw_xxh3=0x%016llx\n",
				     ti, g, c, (unsigned long long)f->offset, rcr_codec_get(f->codec)->name,
				     rcr_compression_name(f->compression), f->stored_size, f->content_size,
				     (unsigned long long)f->raw_size, (unsigned long long)f->stored_hash,
				     (unsigned long long)f->raw_hash);
				const rcr_buf *fs = &arch_exp(a, ti, g, c)->fields;
				putf(o, "fields %u.%u.%u bytes=%zu\n", ti, g, c, fs->len);
				put_hex_lines(o, fs->data, fs->len);
			}
		}
		if (t->row_count > 0) {
			rcr_buf cs = RCR_BUF_INIT;
			const char *stream = t->flags & RCR_TABLE_TEXT ? "copy_text" : "copy";
			if (t->flags & RCR_TABLE_TEXT)
				copy_text_stream(&cs, a, ti);
			else
				copy_stream(&cs, a, ti);
			putf(o, "%s %u bytes=%zu\n", stream, ti, cs.len);
			put_hex_lines(o, cs.data, cs.len);
			rcr_buf_free(&cs);
		}
	}
}

/* --- emitting an archive ---------------------------------------------------------------------- */

static void arch_manifest(const arch *a, rcr_buf *mb)
{
	/* The encoder raises the table-flags bit itself; the model shows it too, as readers see it. */
	for (uint32_t i = 0; i < a->m->ntables; i++)
		if (a->m->tables[i].flags)
			a->m->required_features |= RCR_FEATURE_TABLE_FLAGS;
	if (a->row_identity)
		a->m->required_features |= RCR_FEATURE_ROW_IDENTITY;
	rcr_buf_reset(mb);
	must(rcr_manifest_encode(mb, a->m), "manifest encode");
}

static void fix_manifest_checksum(rcr_buf *mb)
{
	rcr_store_u64le(mb->data + mb->len - 8, rcr_hash64(mb->data, mb->len - 8));
}

/* Emits the archive's files under dir; mb is the manifest to write (NULL: none). */
static void arch_emit_files(const arch *a, const char *dir, const rcr_buf *mb)
{
	if (mb)
		emitf(mb->data, mb->len, "%s/%s", dir, RCR_MANIFEST_NAME);
	for (int i = 0; i < a->nfiles; i++)
		if (!a->files[i].omit)
			emitf(a->files[i].bytes.data, a->files[i].bytes.len, "%s/%s", dir, a->files[i].path);
	for (int i = 0; i < a->nschema; i++)
		emitf(a->schema[i].bytes.data, a->schema[i].bytes.len, "%s/schema/%s", dir, a->schema[i].name);
	for (int i = 0; i < a->nextra; i++)
		emitf(a->extra[i].bytes.data, a->extra[i].bytes.len, "%s/%s", dir, a->extra[i].path);
}

/* A valid or permissive vector: the archive plus expected.txt. Frees the builder. */
static void finish_readable(arch *a, const char *kind, const char *name, const char *what)
{
	char dir[128];
	snprintf(dir, sizeof dir, "%s/%s", kind, name);
	rcr_buf mb = RCR_BUF_INIT, ex = RCR_BUF_INIT;
	arch_manifest(a, &mb);
	arch_emit_files(a, dir, &mb);
	render_expected(&ex, a, kind, name, what);
	emitf(ex.data, ex.len, "%s/expected.txt", dir);
	note(kind, name, "", what);
	rcr_buf_free(&mb);
	rcr_buf_free(&ex);
	arch_free(a);
}

/* An invalid vector: the archive (with manifest mb, or none) plus `expect`. Frees the builder. */
static void finish_invalid(arch *a, const rcr_buf *mb, const char *name, const char *expect, const char *what)
{
	char dir[128];
	snprintf(dir, sizeof dir, "invalid/%s", name);
	arch_emit_files(a, dir, mb);
	char line[64];
	int n = snprintf(line, sizeof line, "%s\n", expect);
	emitf(line, (size_t)n, "%s/expect", dir);
	note("invalid", name, expect, what);
	arch_free(a);
}

/* Invalid vector whose defect is in the model: re-encode the manifest, then finish. */
static void finish_invalid_model(arch *a, const char *name, const char *expect, const char *what)
{
	rcr_buf mb = RCR_BUF_INIT;
	arch_manifest(a, &mb);
	finish_invalid(a, &mb, name, expect, what);
	rcr_buf_free(&mb);
}

/* --- frame surgery for invalid vectors ------------------------------------------------------ */

static uint8_t *frame_at(arch *a, uint32_t ti, uint32_t g, uint32_t c)
{
	const rcr_row_group *rg = &a->m->tables[ti].rgs[g];
	return arch_dfile(a, ti, rg->file)->bytes.data + rg->frames[c].offset;
}

static void fix_header_check(uint8_t *h) { rcr_store_u32le(h + 60, (uint32_t)rcr_hash64(h, 60)); }

/* After editing a frame's stored bytes: recompute Stored_Hash in its header and in the
 * manifest, and the header check, so that only the defect under test remains. */
static void reseal(arch *a, uint32_t ti, uint32_t g, uint32_t c)
{
	uint8_t *h = frame_at(a, ti, g, c);
	rcr_frame_ref *f = &a->m->tables[ti].rgs[g].frames[c];
	f->stored_hash = rcr_hash64(h + RCR_FRAME_HEADER_SIZE, f->stored_size);
	rcr_store_u64le(h + 40, f->stored_hash);
	fix_header_check(h);
}

/* --- the vectors --------------------------------------------------------------------------------- */

static const colspec COL_ID4 = {"id", "pg_catalog", "int4", 23, -1};
static const colspec COL_ID8 = {"id", "pg_catalog", "int8", 20, -1};
static const colspec COL_NAME = {"name", "pg_catalog", "text", 25, -1};
static const colspec COL_NOTE = {"note", "pg_catalog", "text", 25, -1};
/* pgvector's type OIDs depend on the installation; readers treat them as information only. */
#define VECTOR_OID 16388u
#define HALFVEC_OID 16394u
#define SPARSEVEC_OID 16400u

/* people(id int4, name text): 3 rows, one row group. The base of most invalid vectors. */
static void build_people(arch *a)
{
	const colspec cols[] = {COL_ID4, COL_NAME};
	uint32_t ti = arch_table(a, 16384, "public", "people", 2, cols);
	rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	f_int4(&c[0], 1), f_text(&c[1], "alice");
	f_int4(&c[0], 2), f_null(&c[1]);
	f_int4(&c[0], 3), f_text(&c[1], "carol");
	arch_row_group(a, ti, c, 3, "rr");
	cols_free(c, 2);
}

/* worked(embedding vector(2)): [1,2] and [3,4], the spec's worked example. */
static void build_vector_worked(arch *a)
{
	const colspec cols[] = {{"embedding", "public", "vector", VECTOR_OID, 2}};
	uint32_t ti = arch_table(a, 16386, "public", "worked", 1, cols);
	rcr_buf c[1] = {RCR_BUF_INIT};
	f_vector(&c[0], 2, (const float[]){1, 2});
	f_vector(&c[0], 2, (const float[]){3, 4});
	arch_row_group(a, ti, c, 2, "v");
	cols_free(c, 1);
}

/* grants(id int4, acl aclitem[], embedding vector(3), note text) stored as text (a column type
 * without binary I/O): every value is the type's text output; the note needs escapes. */
static void build_text_table(arch *a)
{
	const colspec cols[] = {COL_ID4, {"acl", "pg_catalog", "_aclitem", 1034, -1},
				{"embedding", "public", "vector", VECTOR_OID, 3}, COL_NOTE};
	uint32_t ti = arch_table(a, 16420, "public", "grants", 4, cols);
	a->m->tables[ti].flags = RCR_TABLE_TEXT;
	rcr_buf c[4] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
	f_text(&c[0], "1"), f_text(&c[1], "{=r/postgres,alice=arw/postgres}"), f_text(&c[2], "[1,2.5,-3]"),
		f_text(&c[3], "tab\there");
	f_text(&c[0], "2"), f_null(&c[1]), f_null(&c[2]), f_text(&c[3], "line1\nline2\\end\r");
	f_null(&c[0]), f_text(&c[1], "{}"), f_text(&c[2], "[0,0,0]"), f_text(&c[3], "");
	arch_row_group(a, ti, c, 3, "rrrr");
	cols_free(c, 4);
}

/* hp_1(c text, v int4), a hash partition that loads through its root public.hp, beside people. */
static void build_via_root(arch *a)
{
	const colspec cols[] = {{"c", "pg_catalog", "text", 25, -1}, {"v", "pg_catalog", "int4", 23, -1}};
	uint32_t ti = arch_table(a, 16430, "public", "hp_1", 2, cols);
	rcr_table *t = &a->m->tables[ti];
	t->flags = RCR_TABLE_VIA_ROOT;
	t->root_schema = xstrdup("public");
	t->root_name = xstrdup("hp");
	rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	f_text(&c[0], "c1"), f_int4(&c[1], 10);
	f_text(&c[0], "c5"), f_int4(&c[1], 50);
	arch_row_group(a, ti, c, 2, "rr");
	cols_free(c, 2);
	build_people(a);
}

/* A table with its codec trials recorded, as rcr dump writes every table: the writer encodes
 * the first row group (a trial row group) of the vector column with the raw codec as well;
 * codec_bytes is the kept frame, plain_bytes the raw one. */
static void build_codec_trials(arch *a)
{
	const colspec cols[] = {COL_ID4, {"embedding", "public", "vector", VECTOR_OID, 2}};
	uint32_t ti = arch_table(a, 16390, "public", "measured", 2, cols);
	a->trial_every = RCR_CODEC_TRIAL_EVERY;
	rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	for (int i = 0; i < 4; i++)
		f_int4(&c[0], i), f_vector(&c[1], 2, (const float[]){(float)i, 0.5f * (float)i});
	arch_row_group(a, ti, c, 4, "rv");
	cols_free(c, 2);
	f_int4(&c[0], 4), f_vector(&c[1], 2, (const float[]){1, 2});
	arch_row_group(a, ti, c, 1, "rv");
	cols_free(c, 2);
	a->trial_every = 0;
	const rcr_table *t = &a->m->tables[ti];
	const rcr_frame_ref *kept = &t->rgs[0].frames[1];
	if (t->trials.row_groups != 1 || kept->codec != RCR_CODEC_VECTOR ||
	    t->trials.codec_bytes != RCR_FRAME_HEADER_SIZE + (uint64_t)kept->stored_size ||
	    t->trials.codec_bytes >= t->trials.plain_bytes)
		die("codec_trials: one trial, in which the vector codec beats raw, expected");
	a->m->optional_features |= RCR_FEATURE_CODEC_TRIALS;
}

static void build_halfvec_worked(arch *a)
{
	const colspec cols[] = {{"embedding", "public", "halfvec", HALFVEC_OID, 2}};
	uint32_t ti = arch_table(a, 16387, "public", "worked_half", 1, cols);
	rcr_buf c[1] = {RCR_BUF_INIT};
	/* IEEE binary16: 1.0 = 0x3c00, 2.0 = 0x4000, 3.0 = 0x4200, 4.0 = 0x4400 */
	f_halfvec(&c[0], 2, (const uint16_t[]){0x3c00, 0x4000});
	f_halfvec(&c[0], 2, (const uint16_t[]){0x4200, 0x4400});
	arch_row_group(a, ti, c, 2, "h");
	cols_free(c, 1);
}

/* The spec's sparsevec example {1:1.5,3:2}/5, then a NULL and {2:-1}/1000000. */
static void build_sparsevec_worked(arch *a)
{
	const colspec cols[] = {{"features", "public", "sparsevec", SPARSEVEC_OID, -1}};
	uint32_t ti = arch_table(a, 16395, "public", "worked_sparse", 1, cols);
	rcr_buf c[1] = {RCR_BUF_INIT};
	f_sparsevec(&c[0], 5, 2, (const uint32_t[]){0, 2}, (const uint32_t[]){0x3fc00000, 0x40000000});
	arch_row_group(a, ti, c, 1, "s");
	cols_free(c, 1);
	f_sparsevec(&c[0], 5, 2, (const uint32_t[]){0, 2}, (const uint32_t[]){0x3fc00000, 0x40000000});
	f_null(&c[0]);
	f_sparsevec(&c[0], 1000000, 1, (const uint32_t[]){1}, (const uint32_t[]){0xbf800000});
	arch_row_group(a, ti, c, 3, "s");
	cols_free(c, 1);
}

/* log(id int8): 32 rows, zstd level 3; the frame is compressed. */
static void build_zstd_ids(arch *a)
{
	const colspec cols[] = {COL_ID8};
	uint32_t ti = arch_table(a, 16392, "public", "log", 1, cols);
	rcr_buf c[1] = {RCR_BUF_INIT};
	for (int i = 0; i < 32; i++)
		f_int8(&c[0], i);
	arch_row_group(a, ti, c, 32, "r");
	cols_free(c, 1);
	if (a->m->tables[ti].rgs[0].frames[0].compression != RCR_COMPRESSION_ZSTD)
		die("zstd base: frame was not compressed");
}


/* A text of n bytes of prose-like letters, deterministic. */
static void f_long_text(rcr_buf *b, uint32_t n, char seed)
{
	char *t = xcalloc(n + 1, 1);
	for (uint32_t i = 0; i < n; i++)
		t[i] = i % 7 == 6 ? ' ' : (char)('a' + ((uint32_t)(unsigned char)seed + i * 5) % 26);
	f_text(b, t);
	free(t);
}

/* Row identity as rcr dump writes it (specification 1.7.0): docs(id int8, body text) with
 * rows of over 1 KiB keeps a row-hash frame; tags(id int4, name text), small rows, only a
 * content hash over its field streams. */
static void build_row_identity(arch *a)
{
	a->row_identity = 1;
	a->row_hash_min = 1024;
	const colspec dcols[] = {COL_ID8, {"body", "pg_catalog", "text", 25, -1}};
	uint32_t ti = arch_table(a, 16500, "public", "docs", 2, dcols);
	rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	f_int8(&c[0], 1), f_long_text(&c[1], 1100, 'a');
	f_int8(&c[0], 2), f_null(&c[1]);
	f_int8(&c[0], 3), f_long_text(&c[1], 2000, 'q');
	arch_row_group_in(a, ti, "data/16500-0badcafe.0.0.rcd", c, 3, "rr");
	cols_free(c, 2);
	const colspec tcols[] = {COL_ID4, COL_NAME};
	ti = arch_table(a, 16501, "public", "tags", 2, tcols);
	f_int4(&c[0], 7), f_text(&c[1], "news");
	f_int4(&c[0], 8), f_text(&c[1], "sport");
	arch_row_group_in(a, ti, "data/16501-0badcafe.0.0.rcd", c, 2, "rr");
	cols_free(c, 2);
}

/* Adds to a, as row group g of table ti, base row group bg of table bti of archive b (its
 * frames, their expected field streams, its row identity), in data file `file` of a's table
 * (already holding b's file's bytes), with the given skipped rows; the table's totals follow,
 * as an incremental dump records a row group it shares with its base. */
static void arch_share_row_group(arch *a, uint32_t ti, uint32_t file, const arch *b, uint32_t bti, uint32_t bg,
				 const uint32_t *skip, uint32_t nskip)
{
	rcr_table *t = &a->m->tables[ti];
	const rcr_row_group *src = &b->m->tables[bti].rgs[bg];
	rcr_row_group *rg;
	must(rcr_table_add_row_group(&rg, t), "row group");
	uint32_t g = t->nrgs - 1;
	rg->file = file;
	rg->row_count = src->row_count;
	memcpy(rg->content_hash, src->content_hash, RCR_CONTENT_HASH_SIZE);
	rg->origin_table = src->origin_table;
	rg->origin_rg = src->origin_rg;
	rg->has_row_hashes = src->has_row_hashes;
	rg->row_hashes = src->row_hashes;
	rg->skip = xcalloc(nskip, sizeof *rg->skip);
	memcpy(rg->skip, skip, nskip * sizeof *skip);
	rg->nskip = nskip;
	t->row_count += rg->row_count - nskip;
	if (rg->has_row_hashes) {
		t->raw_bytes += rg->row_hashes.raw_size;
		t->stored_bytes += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->row_hashes.stored_size;
	}
	for (uint32_t c = 0; c < t->ncols; c++) {
		rg->frames[c] = src->frames[c];
		t->raw_bytes += rg->frames[c].raw_size;
		t->stored_bytes += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[c].stored_size;
		if (a->nexp == MAX_FRAMES)
			die("too many frames");
		exp_frame *e = &a->exp[a->nexp++];
		*e = (exp_frame){.t = ti, .g = g, .c = c, .fields = RCR_BUF_INIT};
		const rcr_buf *f = &arch_exp(b, bti, bg, c)->fields;
		put(&e->fields, f->data, f->len);
	}
}

/* An incremental dump's archive: public.docs shares row group 2 of its base (where the table
 * was index 1), with its second row skipped (deleted since), in the base's data file, linked
 * whole: row groups 0 and 1 of that file are dead bytes the manifest does not reference. A new
 * row group in a file of its own holds the row inserted since. */
static void build_shared_skip(arch *a, int twice)
{
	arch b;
	arch_init(&b, 0);
	b.row_identity = 1;
	b.row_hash_min = 1;
	const colspec cols[] = {COL_ID8, COL_NOTE};
	arch_table(&b, 16390, "public", "old_table", 2, cols);
	uint32_t bti = arch_table(&b, 16500, "public", "docs", 2, cols);
	const char *bfile = "data/16500-1234abcd.0.0.rcd";
	rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	for (int g = 0; g < 3; g++) {
		for (int r = 0; r < 3; r++)
			f_int8(&c[0], g * 10 + r), f_text(&c[1], r == 1 ? "gone since" : "kept");
		arch_row_group_in(&b, bti, bfile, c, 3, "rr");
		cols_free(c, 2);
	}

	a->row_identity = 1;
	a->row_hash_min = 1;
	uint32_t ti = arch_table(a, 16500, "public", "docs", 2, cols);
	rcr_table *t = &a->m->tables[ti];
	if (a->nfiles == MAX_FILES)
		die("too many data files");
	dfile *df = &a->files[a->nfiles++];
	memset(df, 0, sizeof *df);
	df->table = ti;
	df->findex = 0;
	snprintf(df->path, sizeof df->path, "%s", bfile);
	for (int i = 0; i < b.nfiles; i++)
		if (strcmp(b.files[i].path, bfile) == 0)
			put(&df->bytes, b.files[i].bytes.data, b.files[i].bytes.len);
	t->files = xcalloc(1, sizeof *t->files);
	t->files[0] = xstrdup(bfile);
	t->nfiles = 1;
	arch_share_row_group(a, ti, 0, &b, bti, 2, (const uint32_t[]){1}, 1);
	if (twice) /* a second reference to the same frames */
		arch_share_row_group(a, ti, 0, &b, bti, 2, (const uint32_t[]){1}, 1);
	f_int8(&c[0], 99), f_text(&c[1], "inserted since");
	arch_row_group_in(a, ti, "data/16500-5678ef01.0.0.rcd", c, 1, "rr");
	cols_free(c, 2);
	arch_free(&b);
}

static void gen_valid(void)
{
	arch a;

	arch_init(&a, 0);
	{
		const colspec cols[] = {COL_ID4, COL_NAME, COL_NOTE};
		uint32_t ti = arch_table(&a, 16384, "public", "people", 3, cols);
		rcr_buf c[3] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
		f_int4(&c[0], 1), f_text(&c[1], "alice"), f_null(&c[2]);
		f_int4(&c[0], 2), f_null(&c[1]), f_text(&c[2], "second row");
		f_null(&c[0]), f_text(&c[1], ""), f_null(&c[2]);
		f_int4(&c[0], -2147483647 - 1), f_text(&c[1], "d\xc3\xa9j\xc3\xa0 vu"), f_text(&c[2], "x");
		arch_row_group(&a, ti, c, 4, "rrr");
		cols_free(c, 3);
	}
	finish_readable(&a, "valid", "raw_int4_text_nulls",
			"int4 and two text columns with NULLs, an empty string and UTF-8; codec raw");

	arch_init(&a, 0);
	{
		const colspec cols[] = {COL_ID8, {"embedding", "public", "vector", VECTOR_OID, 3}};
		uint32_t ti = arch_table(&a, 16385, "public", "items", 2, cols);
		rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		f_int8(&c[0], 1), f_vector(&c[1], 3, (const float[]){0.5f, -1.0f, 2.0f});
		f_int8(&c[0], 2), f_vector(&c[1], 3, (const float[]){1.5f, 0.25f, -0.125f});
		arch_row_group(&a, ti, c, 2, "rv");
		cols_free(c, 2);
		f_int8(&c[0], 3), f_vector(&c[1], 3, (const float[]){3.0f, 4.0f, 0.0078125f});
		arch_row_group(&a, ti, c, 1, "rv");
		cols_free(c, 2);
	}
	finish_readable(&a, "valid", "vector_dim3",
			"int8 and vector(3) in two row groups (2 rows, 1 row); the vector column gets codec vector");

	arch_init(&a, 0);
	build_vector_worked(&a);
	finish_readable(&a, "valid", "vector_worked_example",
			"the spec's worked example: vector(2) values [1,2] and [3,4], codec vector");

	arch_init(&a, 0);
	build_halfvec_worked(&a);
	finish_readable(&a, "valid", "halfvec_worked_example",
			"the spec's worked example: halfvec(2) values [1,2] and [3,4], codec halfvec");

	arch_init(&a, 0);
	build_sparsevec_worked(&a);
	finish_readable(&a, "valid", "sparsevec_worked_example",
			"the spec's worked example {1:1.5,3:2}/5, then a row group with a NULL and another dimension; "
			"codec sparsevec");

	arch_init(&a, 0);
	{
		const colspec cols[] = {{"embedding", "public", "vector", VECTOR_OID, -1}};
		uint32_t ti = arch_table(&a, 16388, "public", "mixed", 1, cols);
		rcr_buf c[1] = {RCR_BUF_INIT};
		f_vector(&c[0], 2, (const float[]){1, 2});
		f_vector(&c[0], 3, (const float[]){3, 4, 5});
		arch_row_group(&a, ti, c, 2, "r");
		cols_free(c, 1);
		f_null(&c[0]);
		f_null(&c[0]);
		arch_row_group(&a, ti, c, 2, "r");
		cols_free(c, 1);
		f_vector(&c[0], 2, (const float[]){5, 6});
		f_null(&c[0]);
		f_vector(&c[0], 2, (const float[]){7, 8});
		arch_row_group(&a, ti, c, 3, "v");
		cols_free(c, 1);
	}
	finish_readable(&a, "valid", "vector_fallback_raw",
			"a vector column (no typmod) in three row groups: mixed dimensions and all-NULL values fall "
			"back to raw; the third, with a NULL between two values of one dimension, fits codec vector "
			"(Null_Count 1, bitmap 02)");

	arch_init(&a, 0);
	{
		const colspec cols[] = {COL_ID4, {"embedding", "public", "vector", VECTOR_OID, 3}};
		arch_table(&a, 16389, "public", "empty", 2, cols);
	}
	finish_readable(&a, "valid", "empty_table",
			"a table with two columns and no rows: zero row groups, no data file (and so no data/ directory)");

	arch_init(&a, 0);
	{
		uint32_t ti = arch_table(&a, 16390, "public", "nocols", 0, NULL);
		arch_row_group(&a, ti, NULL, 2, "");
	}
	finish_readable(&a, "valid", "zero_columns",
			"a table with zero columns and 2 rows, as the dumper writes it: one row group without frames "
			"and an empty data file");

	arch_init(&a, 3);
	{
		const colspec cols[] = {COL_ID8, {"msg", "pg_catalog", "text", 25, -1}};
		uint32_t ti = arch_table(&a, 16391, "public", "events", 2, cols);
		rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		static const char *const msgs[] = {"started", "checkpoint", "checkpoint", "stopped"};
		for (int i = 0; i < 48; i++)
			f_int8(&c[0], 1000 + i), f_text(&c[1], msgs[i % 4]);
		arch_row_group(&a, ti, c, 48, "rr");
		cols_free(c, 2);
		for (uint32_t col = 0; col < 2; col++)
			if (a.m->tables[ti].rgs[0].frames[col].compression != RCR_COMPRESSION_ZSTD)
				die("zstd_int8_text: column %u was not compressed", col);
	}
	finish_readable(&a, "valid", "zstd_int8_text",
			"int8 and text, 48 rows, zstd level 3: both frames stored compressed (bytes depend on libzstd)");

	arch_init(&a, 0);
	build_people(&a);
	arch_schema_file(&a, "toc.dat", "placeholder for pg_dump's toc.dat: rcr readers check only its size and XXH3-64\n");
	arch_schema_file(&a, "3001.dat.gz", "placeholder for a pg_dump data file\n");
	finish_readable(&a, "valid", "schema_files",
			"schema_dir 'schema' with two schema files (placeholders, not a real pg_dump archive) and a table");

	arch_init(&a, 0);
	{
		const colspec c0[] = {COL_ID4};
		const colspec c1[] = {COL_ID4, {"embedding", "public", "halfvec", HALFVEC_OID, 3}};
		uint32_t t0 = arch_table(&a, 16393, "app", "a", 1, c0);
		uint32_t t1 = arch_table(&a, 16394, "app", "b", 2, c1);
		rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		f_int4(&c[0], 10), f_int4(&c[0], 20);
		arch_row_group(&a, t0, c, 2, "r");
		cols_free(c, 2);
		f_int4(&c[0], 7), f_halfvec(&c[1], 3, (const uint16_t[]){0x3800, 0xbc00, 0x7bff});
		arch_row_group(&a, t1, c, 1, "rh");
		cols_free(c, 2);
	}
	finish_readable(&a, "valid", "two_tables",
			"two tables in schema 'app'; frames of the second carry Table = 1; a halfvec(3) column");

	arch_init(&a, 0);
	{
		/* As rcr dump writes a table split into two ctid ranges dumped at once: each piece has
		 * its own file, listed when the piece flushes its first row group, and row groups are
		 * numbered in the order the pieces flushed them. */
		const colspec cols[] = {COL_ID4, {"embedding", "public", "vector", VECTOR_OID, 2}};
		uint32_t ti = arch_table(&a, 16395, "public", "split", 2, cols);
		rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		f_int4(&c[0], 3), f_vector(&c[1], 2, (const float[]){3, 3});
		f_int4(&c[0], 4), f_vector(&c[1], 2, (const float[]){4, 4});
		arch_row_group_in(&a, ti, "data/16395.1.rcd", c, 2, "rv");
		cols_free(c, 2);
		f_int4(&c[0], 1), f_vector(&c[1], 2, (const float[]){1, 1});
		f_int4(&c[0], 2), f_vector(&c[1], 2, (const float[]){2, 2});
		arch_row_group_in(&a, ti, "data/16395.0.rcd", c, 2, "rv");
		cols_free(c, 2);
		f_int4(&c[0], 5), f_vector(&c[1], 2, (const float[]){5, 5});
		arch_row_group_in(&a, ti, "data/16395.1.rcd", c, 1, "rv");
		cols_free(c, 2);
	}
	finish_readable(&a, "valid", "split_table",
			"a table dumped in two pieces: files data/16395.1.rcd (listed first) and data/16395.0.rcd, "
			"row groups 0 and 2 in the first, 1 in the second");

	arch_init(&a, 0);
	build_people(&a);
	a.m->write_version = 2;
	a.m->optional_features = 0x00000001;
	finish_readable(&a, "valid", "newer_writer",
			"Write_Version 2, Read_Version 1, an optional feature bit: a newer writer's archive that "
			"version 1 readers must read");

	arch_init(&a, 0);
	build_text_table(&a);
	finish_readable(&a, "valid", "text_table",
			"required feature 0 (table flags), Table_Flags bit 0 (text): the field streams hold text "
			"output, the vector column included (codec raw); restore loads it with text COPY");

	arch_init(&a, 0);
	build_via_root(&a);
	finish_readable(&a, "valid", "via_root",
			"required feature 0 (table flags), Table_Flags bit 1 (load via partition root): leaf "
			"public.hp_1 loads through public.hp, whose name follows the flags; a second table without "
			"flags");

	arch_init(&a, 0);
	build_codec_trials(&a);
	finish_readable(&a, "valid", "codec_trials",
			"optional feature 0 (codec trials): row group 0 of the vector column was measured with the "
			"raw codec too; the metadata entry codec_trials:0 holds 1 row group, the vector frame's 64 + "
			"Stored_Size and the raw frame's");

	arch_init(&a, 0);
	build_row_identity(&a);
	finish_readable(&a, "valid", "row_identity",
			"required feature 1 (row identity): public.docs, rows of over 1 KiB, keeps a row-hash frame "
			"(Column 2, 3 x 32 bytes) and its content hash is SHA-256 of the row hashes; public.tags, small "
			"rows, has no row-hash frame and its content hash covers its field streams; origins are the "
			"row groups' own");

	arch_init(&a, 0);
	build_shared_skip(&a, 0);
	finish_readable(&a, "valid", "shared_skip",
			"required feature 1: an incremental dump's public.docs shares its base's row group 2 (origin "
			"1.2, as its frames say) with row 1 skipped, in the base's data file whose row groups 0 and 1 "
			"nothing references; a new row group (origin 0.1) in a file of its own; COPY leaves the "
			"skipped row out");
}

static void gen_permissive(void)
{
	arch a;

	arch_init(&a, 0);
	build_codec_trials(&a);
	a.m->tables[0].trials = (rcr_codec_trials){0, 0, 0};
	{
		/* Entries a reader ignores: unknown table, not a number, more row groups than the table
		 * has, a fourth number, and a second entry for table 0 after a valid one. */
		const char *kv[][2] = {
			{"codec_trials:7", "1 100 200"}, {"codec_trials:x", "1 100 200"},
			{"codec_trials:0", "3 100 200"}, {"codec_trials:0", "1 100 200 5"},
			{"codec_trials:0", "1 -5 200"},
		};
		for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
			rcr_kv *e = realloc(a.m->meta, (a.m->nmeta + 1) * sizeof *e);
			if (!e)
				die("out of memory");
			a.m->meta = e;
			e[a.m->nmeta].key = xstrdup(kv[i][0]);
			e[a.m->nmeta].value = xstrdup(kv[i][1]);
			a.m->nmeta++;
		}
	}
	finish_readable(&a, "permissive", "codec_trials_malformed",
			"codec_trials entries for an unknown table, with a non-numeric key, with more row groups "
			"than the table has, with a fourth or a negative number: ignored, the table shows no trial");

	arch_init(&a, 0);
	build_people(&a);
	a.m->optional_features = 0x80000000u;
	finish_readable(&a, "permissive", "unknown_optional_feature",
			"Optional_Features has an unknown bit (31): ignored");

	arch_init(&a, 0);
	build_people(&a);
	for (uint32_t i = 0; i < a.m->nmeta; i++) {
		free(a.m->meta[i].key);
		free(a.m->meta[i].value);
	}
	a.m->nmeta = 0;
	must(rcr_manifest_set_meta(a.m, "x-future-key", "any value"), "metadata");
	finish_readable(&a, "permissive", "unknown_metadata_only",
			"no standard metadata key at all, one unknown key: accepted, no key is required");

	arch_init(&a, 0);
	build_people(&a);
	{
		rcr_kv *kv = realloc(a.m->meta, (a.m->nmeta + 1) * sizeof *kv);
		if (!kv)
			die("out of memory");
		a.m->meta = kv;
		kv[a.m->nmeta].key = xstrdup("compression");
		kv[a.m->nmeta].value = xstrdup("zstd:9");
		a.m->nmeta++;
	}
	finish_readable(&a, "permissive", "duplicate_metadata_key",
			"the key 'compression' twice: accepted; lookups return the first");

	arch_init(&a, 0);
	{
		const colspec cols[] = {COL_ID4, COL_NAME};
		uint32_t ti = arch_table(&a, 16384, "public", "people", 2, cols);
		rcr_buf c[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		f_int4(&c[0], 1), f_text(&c[1], "alice");
		arch_row_group(&a, ti, c, 1, "rr");
		cols_free(c, 2);
		f_int4(&c[0], 2), f_text(&c[1], "bob");
		arch_row_group(&a, ti, c, 1, "rr");
		cols_free(c, 2);
		/* Rewrite the file with the four frames in reverse order and move the references. */
		rcr_table *t = &a.m->tables[ti];
		rcr_buf re = RCR_BUF_INIT;
		for (int g = 1; g >= 0; g--)
			for (int col = 1; col >= 0; col--) {
				rcr_frame_ref *f = &t->rgs[g].frames[col];
				size_t at = re.len;
				put(&re, arch_dfile(&a, ti, 0)->bytes.data + f->offset,
				    RCR_FRAME_HEADER_SIZE + (size_t)f->stored_size);
				f->offset = at;
			}
		rcr_buf_free(&arch_dfile(&a, ti, 0)->bytes);
		arch_dfile(&a, ti, 0)->bytes = re;
	}
	finish_readable(&a, "permissive", "frames_reordered",
			"two row groups whose four frames lie in the data file in reverse order");

	arch_init(&a, 0);
	build_people(&a);
	arch_extra_file(&a, "data/stray.rcd", "not referenced by the manifest\n");
	arch_extra_file(&a, "notes.txt", "an unknown file at the top of the archive\n");
	finish_readable(&a, "permissive", "extra_files",
			"files the manifest does not reference (data/stray.rcd, notes.txt): ignored");

	arch_init(&a, 0);
	build_people(&a);
	snprintf(arch_dfile(&a, 0, 0)->path, sizeof a.files[0].path, "tables/people.bin");
	free(a.m->tables[0].files[0]);
	a.m->tables[0].files[0] = xstrdup("tables/people.bin");
	finish_readable(&a, "permissive", "file_outside_data",
			"the table's data file is tables/people.bin: any path that passes the path rule is accepted");

	arch_init(&a, 0);
	build_people(&a);
	a.m->read_version = 0;
	finish_invalid_model(&a, "manifest_read_version_0", "format",
			     "Read_Version 0: no such version was ever written");

	arch_init(&a, 0);
	{
		const colspec cols[] = {COL_ID4};
		uint32_t ti = arch_table(&a, 16384, "public", "t", 1, cols);
		rcr_buf c[1] = {RCR_BUF_INIT};
		arch_row_group(&a, ti, c, 0, "r");
		f_int4(&c[0], 5);
		arch_row_group(&a, ti, c, 1, "r");
		cols_free(c, 1);
	}
	finish_readable(&a, "permissive", "zero_row_group",
			"a row group of 0 rows (an empty raw frame) before a row group of 1 row; writers never "
			"write empty row groups");

	arch_init(&a, 0);
	{
		const colspec cols[] = {{"blob", "pg_catalog", "bytea", 17, -1}};
		uint32_t ti = arch_table(&a, 16384, "public", "blobs", 1, cols);
		rcr_buf c[1] = {RCR_BUF_INIT};
		/* Two 12-byte bytea values that happen to look like pgvector vector(2) values. */
		static const uint8_t v1[12] = {0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0};
		static const uint8_t v2[12] = {0, 2, 0, 0, 0x40, 0x40, 0, 0, 0x40, 0x80, 0, 0};
		f_bytea(&c[0], v1, 12);
		f_bytea(&c[0], v2, 12);
		a.force_codec = RCR_CODEC_VECTOR;
		arch_row_group(&a, ti, c, 2, "v");
		cols_free(c, 1);
	}
	finish_readable(&a, "permissive", "codec_type_mismatch",
			"a bytea column stored with codec vector: readers do not tie codecs to column types");
}

/* Row identity's defects (specification 1.7.0). */
static void gen_invalid_row_identity(void)
{
	arch a;
	arch_init(&a, 0);
	build_row_identity(&a);
	{
		const rcr_row_group *rg = &a.m->tables[0].rgs[0];
		arch_dfile(&a, 0, rg->file)->bytes.data[rg->row_hashes.offset + RCR_FRAME_HEADER_SIZE + 5] ^= 0x10;
	}
	finish_invalid_model(&a, "row_hashes_flipped", "checksum",
			     "one bit flipped in a row hash of public.docs (its row-hash frame's stored bytes)");

	arch_init(&a, 0);
	build_row_identity(&a);
	{
		/* Every checksum recomputed: only the SHA-256 of the row's fields tells. */
		rcr_row_group *rg = &a.m->tables[0].rgs[0];
		uint8_t *h = arch_dfile(&a, 0, rg->file)->bytes.data + rg->row_hashes.offset;
		h[RCR_FRAME_HEADER_SIZE + RCR_ROW_HASH_SIZE + 3] ^= 0x01;
		rg->row_hashes.stored_hash = rg->row_hashes.raw_hash =
			rcr_hash64(h + RCR_FRAME_HEADER_SIZE, rg->row_hashes.stored_size);
		rcr_store_u64le(h + 40, rg->row_hashes.stored_hash);
		rcr_store_u64le(h + 48, rg->row_hashes.raw_hash);
		fix_header_check(h);
	}
	finish_invalid_model(&a, "row_hash_wrong", "checksum",
			     "the row hash of row 1 of public.docs is not the SHA-256 of its fields; both XXH3 "
			     "checksums of the row-hash frame match the wrong bytes");

	arch_init(&a, 0);
	build_row_identity(&a);
	a.m->tables[1].rgs[0].content_hash[31] ^= 0x80;
	finish_invalid_model(&a, "content_hash_wrong", "checksum",
			     "public.tags' content hash is not the SHA-256 of its field streams (checksum valid)");

	arch_init(&a, 0);
	build_row_identity(&a);
	a.m->tables[0].rgs[0].origin_rg = 5;
	finish_invalid_model(&a, "frame_origin_wrong", "format",
			     "the manifest says row group 0.0's frames carry row group 5, its frames say 0");

	arch_init(&a, 0);
	build_shared_skip(&a, 0);
	a.m->tables[0].rgs[0].skip[0] = 3;
	finish_invalid_model(&a, "manifest_skip_beyond", "format",
			     "Skip_Rows names row 3 of a row group of 3 rows (checksum valid)");

	arch_init(&a, 0);
	build_shared_skip(&a, 1);
	finish_invalid_model(&a, "frames_overlap", "format",
			     "two row groups reference the same frames of a shared data file: with row identity a "
			     "file may hold frames nobody references, never one frame twice");
}

static void gen_invalid(void)
{
	arch a;
	rcr_buf mb = RCR_BUF_INIT;
	gen_invalid_row_identity();

	/* --- the manifest --- */
	arch_init(&a, 0);
	build_people(&a);
	finish_invalid(&a, NULL, "manifest_missing", "not-archive",
		       "data/ present, manifest.rcr absent: what an interrupted dump leaves");

	arch_init(&a, 0);
	build_people(&a);
	arch_manifest(&a, &mb);
	mb.data[1] ^= 0x20;
	finish_invalid(&a, &mb, "manifest_bad_magic", "format", "Magic_Number 'rcr' instead of 'RCR'");

	arch_init(&a, 0);
	build_people(&a);
	arch_manifest(&a, &mb);
	mb.len -= 1;
	finish_invalid(&a, &mb, "manifest_truncated", "format", "the manifest's last byte is missing");

	arch_init(&a, 0);
	build_people(&a);
	arch_manifest(&a, &mb);
	mb.data[RCR_MANIFEST_HEADER_SIZE + 8] ^= 0x01;
	finish_invalid(&a, &mb, "manifest_byte_flipped", "checksum",
		       "one bit flipped in the manifest body (inside the first metadata key)");

	arch_init(&a, 0);
	build_people(&a);
	a.m->read_version = 2;
	a.m->write_version = 2;
	finish_invalid_model(&a, "manifest_read_version_2", "version",
			     "Read_Version 2, checksum valid: a reader of version 1 must refuse");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].flags = RCR_TABLE_TEXT;
	arch_manifest(&a, &mb);
	rcr_store_u32le(mb.data + 12, 0);
	fix_manifest_checksum(&mb);
	finish_invalid(&a, &mb, "manifest_table_flags_unrequired", "format",
		       "Table_Flags bit 0 set on a table while Required_Features lacks bit 0 (the flag byte is "
		       "then reserved); checksum valid");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].flags = 0x04;
	finish_invalid_model(&a, "manifest_table_flags_unknown", "format",
			     "Table_Flags bit 2 (unknown) with Required_Features bit 0 set; checksum valid");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].flags = RCR_TABLE_VIA_ROOT;
	a.m->tables[0].root_schema = xstrdup("public");
	a.m->tables[0].root_name = xstrdup("");
	finish_invalid_model(&a, "manifest_empty_root", "format",
			     "Table_Flags bit 1 (load via partition root) with an empty root table name");

	arch_init(&a, 0);
	build_people(&a);
	a.m->required_features = 0x00000004;
	finish_invalid_model(&a, "manifest_required_feature", "version",
			     "Required_Features bit 2 (unknown), checksum valid: must be refused");

	arch_init(&a, 0);
	build_people(&a);
	arch_manifest(&a, &mb);
	mb.data[20] = 1;
	fix_manifest_checksum(&mb);
	finish_invalid(&a, &mb, "manifest_reserved_nonzero", "format",
		       "the reserved header bytes 20..23 are not zero, checksum valid");

	arch_init(&a, 0);
	build_people(&a);
	arch_manifest(&a, &mb);
	{
		/* 4 bytes after the last table, body size and checksum adjusted */
		rcr_buf re = RCR_BUF_INIT;
		static const uint8_t junk[4] = {0, 0, 0, 0};
		put(&re, mb.data, mb.len - 8);
		put(&re, junk, 4);
		put(&re, mb.data, 8);
		rcr_store_u64le(re.data + 24, re.len - 8 - RCR_MANIFEST_HEADER_SIZE);
		fix_manifest_checksum(&re);
		rcr_buf_free(&mb);
		mb = re;
	}
	finish_invalid(&a, &mb, "manifest_trailing_body_bytes", "format",
		       "4 bytes after the last table inside the body; Body_Size and checksum valid");

	arch_init(&a, 0);
	build_people(&a);
	for (uint32_t i = 0; i < a.m->nmeta; i++) {
		free(a.m->meta[i].key);
		free(a.m->meta[i].value);
	}
	a.m->nmeta = 0;
	arch_manifest(&a, &mb);
	/* Body: Meta_Count (4), Schema_Dir "" (4), Schema_File_Count (4), then Table_Count. */
	rcr_store_u32le(mb.data + RCR_MANIFEST_HEADER_SIZE + 12, 0xFFFFFFFFu);
	fix_manifest_checksum(&mb);
	finish_invalid(&a, &mb, "manifest_count_overflow", "format",
		       "Table_Count 0xffffffff, far more than the body can hold; checksum valid");

	arch_init(&a, 0);
	build_people(&a);
	arch_manifest(&a, &mb);
	{
		uint8_t *p = memmem(mb.data, mb.len, "people", 6);
		if (!p)
			die("table name not found in the manifest");
		p[2] = 0;
		fix_manifest_checksum(&mb);
	}
	finish_invalid(&a, &mb, "manifest_nul_in_name", "format",
		       "the table name contains a NUL byte ('pe\\0ple'); checksum valid");

	arch_init(&a, 0);
	build_people(&a);
	must(rcr_manifest_set_meta(a.m, "encoding", "UTF8'; CREATE TABLE pwned(); --"), "metadata");
	finish_invalid_model(&a, "manifest_forged_encoding", "format",
			     "the 'encoding' metadata value is SQL, not a PostgreSQL encoding name (restore would have run it)");

	arch_init(&a, 0);
	build_people(&a);
	free(a.m->tables[0].cols[1].name);
	a.m->tables[0].cols[1].name = xstrdup("");
	finish_invalid_model(&a, "manifest_empty_name", "format", "column 1's name is empty (PostgreSQL has no empty identifiers)");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].row_count += 1;
	finish_invalid_model(&a, "manifest_totals_disagree", "format",
			     "the table's Row_Count is one more than its row groups hold");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].rgs[0].frames[1].codec = 9;
	finish_invalid_model(&a, "manifest_unknown_codec", "version",
			     "a frame reference names codec 9 (unknown)");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].rgs[0].file = 1;
	finish_invalid_model(&a, "manifest_file_index", "format",
			     "the row group's File_Index is 1 but the table lists one file");

	arch_init(&a, 0);
	build_people(&a);
	free(a.m->tables[0].files[0]);
	a.m->tables[0].files[0] = xstrdup("data/../../16384.rcd");
	finish_invalid_model(&a, "path_dotdot", "format", "a data file path with '..' components");

	arch_init(&a, 0);
	build_people(&a);
	free(a.m->tables[0].files[0]);
	a.m->tables[0].files[0] = xstrdup("/tmp/16384.rcd");
	finish_invalid_model(&a, "path_absolute", "format", "an absolute data file path");

	/* --- schema files --- */
	arch_init(&a, 0);
	build_people(&a);
	arch_schema_file(&a, "toc.dat", "placeholder for pg_dump's toc.dat\n");
	arch_manifest(&a, &mb);
	a.schema[0].bytes.data[0] ^= 0x01;
	finish_invalid(&a, &mb, "schema_file_flipped", "checksum", "schema/toc.dat has one bit flipped");

	arch_init(&a, 0);
	build_people(&a);
	arch_schema_file(&a, "toc.dat", "placeholder for pg_dump's toc.dat\n");
	arch_manifest(&a, &mb);
	a.nschema = 0;
	rcr_buf_free(&a.schema[0].bytes);
	finish_invalid(&a, &mb, "schema_file_missing", "missing",
		       "the manifest lists schema/toc.dat, the file is absent");

	arch_init(&a, 0);
	build_people(&a);
	arch_schema_file(&a, "2001.dat.gz", "placeholder for a pg_dump data file\n");
	finish_invalid_model(&a, "schema_without_toc", "missing",
			     "schema_dir 'schema' whose file list has no toc.dat");

	/* --- data files --- */
	arch_init(&a, 0);
	build_people(&a);
	arch_dfile(&a, 0, 0)->omit = 1;
	finish_invalid_model(&a, "data_missing", "missing", "data/16384.rcd is absent");

	arch_init(&a, 0);
	build_people(&a);
	arch_dfile(&a, 0, 0)->bytes.len -= 10;
	finish_invalid_model(&a, "data_truncated", "missing",
			     "data/16384.rcd lacks its last 10 bytes: the second frame runs past the end");

	arch_init(&a, 0);
	build_people(&a);
	put(&arch_dfile(&a, 0, 0)->bytes, "RCRF", 4);
	finish_invalid_model(&a, "data_trailing_bytes", "format",
			     "4 bytes after the last frame of data/16384.rcd");

	/* --- frames --- */
	arch_init(&a, 0);
	build_people(&a);
	frame_at(&a, 0, 0, 1)[RCR_FRAME_HEADER_SIZE + 5] ^= 0x01;
	finish_invalid_model(&a, "frame_stored_byte_flipped", "checksum",
			     "one bit flipped in the stored bytes of column 1's frame");

	arch_init(&a, 0);
	build_people(&a);
	frame_at(&a, 0, 0, 0)[20] ^= 0x01;
	finish_invalid_model(&a, "frame_header_byte_flipped", "checksum",
			     "one bit flipped in a frame header's Row_Count; Header_Check not updated");

	arch_init(&a, 0);
	build_people(&a);
	frame_at(&a, 0, 0, 0)[3] = 'X';
	finish_invalid_model(&a, "frame_bad_magic", "format", "a frame whose magic is 'RCRX'");

	arch_init(&a, 0);
	build_people(&a);
	frame_at(&a, 0, 0, 0)[6] = 1;
	fix_header_check(frame_at(&a, 0, 0, 0));
	finish_invalid_model(&a, "frame_reserved_nonzero", "format",
			     "a frame header's reserved Flags byte is 1; Header_Check valid");

	arch_init(&a, 0);
	build_people(&a);
	frame_at(&a, 0, 0, 0)[4] = 7;
	fix_header_check(frame_at(&a, 0, 0, 0));
	finish_invalid_model(&a, "frame_unknown_codec", "version",
			     "a frame header names codec 7 (the manifest says raw); Header_Check valid");

	arch_init(&a, 0);
	build_people(&a);
	rcr_store_u32le(frame_at(&a, 0, 0, 1) + 12, 1);
	fix_header_check(frame_at(&a, 0, 0, 1));
	finish_invalid_model(&a, "frame_wrong_position", "format",
			     "a valid frame whose header says row group 1 where the manifest places row group 0");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].rgs[0].frames[0].raw_hash ^= 1;
	finish_invalid_model(&a, "frame_manifest_disagree", "checksum",
			     "the manifest's Raw_Hash of a frame differs from the frame header's (the frame is intact)");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].rgs[0].frames[0].stored_size -= 1;
	a.m->tables[0].stored_bytes -= 1;
	finish_invalid_model(&a, "frame_stored_size_disagree", "format",
			     "the manifest's Stored_Size of a frame is one less than the frame header's");

	arch_init(&a, 0);
	build_people(&a);
	a.m->tables[0].rgs[0].row_count = 4;
	a.m->tables[0].row_count = 4;
	finish_invalid_model(&a, "frame_row_count", "row-count",
			     "the manifest's row group holds 4 rows, its frames hold 3");

	arch_init(&a, 0);
	build_people(&a);
	{
		rcr_frame_ref *f = &a.m->tables[0].rgs[0].frames[1];
		uint64_t big = (uint64_t)3 << 30;
		a.m->tables[0].raw_bytes += big - f->raw_size;
		f->raw_size = big;
		rcr_store_u64le(frame_at(&a, 0, 0, 1) + 24, big);
		fix_header_check(frame_at(&a, 0, 0, 1));
	}
	finish_invalid_model(&a, "frame_raw_too_large", "limit",
			     "a frame declares Raw_Size 3 GiB (header and manifest agree), above the 2 GiB reader limit");

	arch_init(&a, 0);
	build_people(&a);
	for (uint32_t c = 0; c < 2; c++) {
		rcr_frame_ref *f = &a.m->tables[0].rgs[0].frames[c];
		uint64_t big = (uint64_t)3 << 29;
		a.m->tables[0].raw_bytes += big - f->raw_size;
		f->raw_size = big;
		rcr_store_u64le(frame_at(&a, 0, 0, c) + 24, big);
		fix_header_check(frame_at(&a, 0, 0, c));
	}
	finish_invalid_model(&a, "manifest_row_group_raw", "limit",
			     "two frames of one row group declare Raw_Size 1.5 GiB each (headers and manifest agree): each is "
			     "under the 2 GiB frame limit, together they are above the 2 GiB row group limit");

	arch_init(&a, 0);
	build_people(&a);
	{
		uint8_t *h = frame_at(&a, 0, 0, 0);
		rcr_frame_ref *f = &a.m->tables[0].rgs[0].frames[0];
		f->raw_hash ^= 0x100;
		rcr_store_u64le(h + 48, f->raw_hash);
		fix_header_check(h);
	}
	finish_invalid_model(&a, "frame_raw_hash", "checksum",
			     "a frame decodes cleanly but its field stream does not match Raw_Hash (header and manifest agree)");

	arch_init(&a, 0);
	build_people(&a);
	rcr_store_u32be(frame_at(&a, 0, 0, 0) + RCR_FRAME_HEADER_SIZE, 0x7FFFFFFFu);
	reseal(&a, 0, 0, 0);
	finish_invalid_model(&a, "frame_raw_fields_invalid", "format",
			     "a raw frame whose first field length is 0x7fffffff; hashes valid");

	arch_init(&a, 0);
	build_vector_worked(&a);
	{
		/* drop the last 4 content bytes: one element fewer than Row_Count x Dim */
		uint8_t *h = frame_at(&a, 0, 0, 0);
		rcr_frame_ref *f = &a.m->tables[0].rgs[0].frames[0];
		f->stored_size -= 4;
		f->content_size -= 4;
		a.m->tables[0].stored_bytes -= 4;
		arch_dfile(&a, 0, 0)->bytes.len -= 4;
		rcr_store_u32le(h + 32, f->content_size);
		rcr_store_u32le(h + 36, f->stored_size);
		reseal(&a, 0, 0, 0);
	}
	finish_invalid_model(&a, "frame_vector_content_short", "format",
			     "a vector frame whose content holds 3 elements for 2 values of dim 2; hashes valid");

	arch_init(&a, 3);
	build_zstd_ids(&a);
	frame_at(&a, 0, 0, 0)[RCR_FRAME_HEADER_SIZE] ^= 0x01;
	reseal(&a, 0, 0, 0);
	finish_invalid_model(&a, "frame_zstd_corrupt", "compression",
			     "a zstd frame whose magic number is damaged; Stored_Hash recomputed so only zstd can notice");

	rcr_buf_free(&mb);
}

/* --- README.md ------------------------------------------------------------------------------ */

static void gen_readme(void)
{
	rcr_buf o = RCR_BUF_INIT;
	putf(&o, "# rcr format test vectors\n\n"
		 "Generated by `tools/gen_vectors` (do not edit by hand; run `gen_vectors format-spec/vectors`).\n"
		 "Each directory is a complete archive directory as described in `../rcr-format.md`.\n\n"
		 "- `valid/<name>/`: archives every conforming reader must read. `expected.txt` records what\n"
		 "  it must decode: the manifest's fields, every frame's field stream and each table's binary\n"
		 "  COPY stream as restore sends it.\n"
		 "- `invalid/<name>/`: archives with exactly one defect. `expect` holds the error code name\n"
		 "  (`rcr_err_name()`) that reading the archive must produce. \"Reading\" means what `rcr verify`\n"
		 "  does: open the manifest, check every schema file, load and decode every frame, and check\n"
		 "  that each data file holds nothing but its frames.\n"
		 "- `permissive/<name>/`: formally odd archives that readers accept (see `../permissive.md`),\n"
		 "  with `expected.txt` like valid ones.\n\n"
		 "`expected.txt` is not part of the archive; readers ignore files the manifest does not name.\n"
		 "`tests/unit/format/vectors_test.c` checks every vector. File modes are not part of the\n"
		 "vectors (git does not keep 0600/0700); readers do not check them.\n\n"
		 "All frames are stored uncompressed except in `valid/zstd_int8_text` and\n"
		 "`invalid/frame_zstd_corrupt`, whose stored bytes come from libzstd's compressor and may\n"
		 "differ when regenerated with another libzstd release.\n\n");
	static const char *const kinds[] = {"valid", "permissive", "invalid"};
	for (int k = 0; k < 3; k++) {
		putf(&o, "## %s\n\n", kinds[k]);
		if (strcmp(kinds[k], "invalid") == 0)
			putf(&o, "| vector | expect | defect |\n| --- | --- | --- |\n");
		else
			putf(&o, "| vector | content |\n| --- | --- |\n");
		for (int i = 0; i < ninfos; i++) {
			if (strcmp(infos[i].kind, kinds[k]) != 0)
				continue;
			if (strcmp(kinds[k], "invalid") == 0)
				putf(&o, "| `%s` | `%s` | %s |\n", infos[i].name, infos[i].expect, infos[i].what);
			else
				putf(&o, "| `%s` | %s |\n", infos[i].name, infos[i].what);
		}
		putf(&o, "\n");
	}
	emit("README.md", o.data, o.len - 1); /* drop the final blank line */
	rcr_buf_free(&o);
}

/* --- writing and checking ------------------------------------------------------------------- */

static void mkdirs_for(const char *root, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			die("could not create '%s': %s", path, strerror(errno));
		*s = '/';
	}
}

static void write_all(const char *root)
{
	for (size_t i = 0; i < nouts; i++) {
		mkdirs_for(root, outs[i].path);
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", root, outs[i].path);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			die("could not create '%s': %s", path, strerror(errno));
		must(rcr_fs_write_all(fd, outs[i].data.data, outs[i].data.len, path), "write");
		if (close(fd) != 0)
			die("could not close '%s': %s", path, strerror(errno));
	}
}

static int known_path(const char *rel)
{
	for (size_t i = 0; i < nouts; i++)
		if (strcmp(outs[i].path, rel) == 0)
			return 1;
	return 0;
}

/* Reports files under root/rel that this program does not generate. */
static int check_extra(const char *root, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int bad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[4096], full[8192];
		snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			bad |= check_extra(root, sub);
		else if (!known_path(sub)) {
			fprintf(stderr, "gen_vectors: '%s' is not generated any more\n", sub);
			bad = 1;
		}
	}
	closedir(d);
	return bad;
}

static int check_stale(const char *root)
{
	return check_extra(root, "valid") | check_extra(root, "invalid") | check_extra(root, "permissive");
}

static int check_all(const char *root)
{
	int bad = 0;
	rcr_buf b = RCR_BUF_INIT;
	for (size_t i = 0; i < nouts; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", root, outs[i].path);
		int rc = rcr_fs_read_file(&b, path, (uint64_t)1 << 24);
		if (rc < 0) {
			fprintf(stderr, "gen_vectors: %s\n", rcr_error_message());
			bad = 1;
		} else if (b.len != outs[i].data.len || (b.len && memcmp(b.data, outs[i].data.data, b.len) != 0)) {
			fprintf(stderr, "gen_vectors: '%s' differs from what the generator writes\n", outs[i].path);
			bad = 1;
		}
	}
	rcr_buf_free(&b);
	return bad | check_stale(root);
}

int main(int argc, char **argv)
{
	int check = argc == 3 && strcmp(argv[1], "--check") == 0;
	if (!(argc == 2 && argv[1][0] != '-') && !check) {
		fprintf(stderr, "usage: gen_vectors [--check] VECTORS_DIR\n");
		return 2;
	}
	const char *root = argv[argc - 1];
	gen_valid();
	gen_permissive();
	gen_invalid();
	gen_readme();
	int rc = 0;
	if (check) {
		rc = check_all(root);
		if (!rc)
			printf("gen_vectors: %zu files in '%s' match\n", nouts, root);
	} else {
		write_all(root);
		printf("gen_vectors: wrote %zu files (%d vectors) to '%s'\n", nouts, ninfos, root);
		/* Files of vectors that are gone are named, not deleted: the generator removes nothing
		 * it did not write in this run (a mistyped VECTORS_DIR must not lose anything). */
		rc = check_stale(root);
		if (rc)
			fprintf(stderr, "gen_vectors: remove the files above (git rm) if they are old vectors\n");
	}
	for (size_t i = 0; i < nouts; i++)
		rcr_buf_free(&outs[i].data);
	free(outs);
	return rc;
}
