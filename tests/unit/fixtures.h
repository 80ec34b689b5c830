/*
 * fixtures.h: test data builders shared by the unit tests and the fuzz corpus generator
 * (fuzz/gen_corpora.c), so that the seeds the fuzzers start from are the inputs the unit tests
 * prove valid.
 *
 * Everything is built from a fixed-seed PRNG (splitmix64), so a failing case reproduces
 * exactly. Builders abort the process on out-of-memory: test data is small, and an allocation
 * failure here is an environment problem, not a finding.
 */
#ifndef RCR_TEST_FIXTURES_H
#define RCR_TEST_FIXTURES_H

#include "rcr/buf.h"
#include "rcr/copybin.h"
#include "rcr/manifest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: tiny, fast, and every seed gives a full-period stream. */
typedef struct test_rng {
	uint64_t s;
} test_rng;

static inline uint64_t test_rng_next(test_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* In [0, n), n > 0; the modulo bias is irrelevant for test data. */
static inline uint32_t test_rng_below(test_rng *r, uint32_t n) { return (uint32_t)(test_rng_next(r) % n); }

static inline void test_rng_fill(test_rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)test_rng_next(r);
}

static inline void fx_oom(void)
{
	fprintf(stderr, "fixtures: out of memory\n");
	exit(2);
}

/* A heap copy of exactly n bytes, so that AddressSanitizer reports any read past the end of
 * input handed to a decoder (a stack or oversized buffer would hide it). Never NULL. */
static inline uint8_t *test_dup(const void *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (!c)
		fx_oom();
	if (n)
		memcpy(c, p, n);
	return c;
}

static inline void fx_put(rcr_buf *b, const void *p, size_t n)
{
	if (rcr_buf_append(b, p, n) < 0)
		fx_oom();
}

static inline void fx_put_u16be(rcr_buf *b, uint16_t v)
{
	uint8_t t[2];
	rcr_store_u16be(t, v);
	fx_put(b, t, 2);
}

static inline void fx_put_u32be(rcr_buf *b, uint32_t v)
{
	uint8_t t[4];
	rcr_store_u32be(t, v);
	fx_put(b, t, 4);
}

/* One field of a field stream (codec.h): int32 BE length, then the bytes; len -1 is NULL. */
static inline void fx_field(rcr_buf *b, const void *p, int32_t len)
{
	fx_put_u32be(b, (uint32_t)len);
	if (len > 0)
		fx_put(b, p, (size_t)len);
}

/* One pgvector dense value (vector: width 4, halfvec: width 2): int16 dim, int16 unused 0, then
 * dim elements given in wire order (big-endian) in `elems`. */
static inline void fx_dense_value(rcr_buf *b, uint16_t dim, unsigned width, const uint8_t *elems)
{
	fx_put_u32be(b, 4 + (uint32_t)dim * width);
	fx_put_u16be(b, dim);
	fx_put_u16be(b, 0);
	fx_put(b, elems, (size_t)dim * width);
}

/* Bit patterns a codec must carry untouched: NaNs with payloads (quiet and signalling, both
 * signs), -0.0, +/-Inf, the smallest and largest denormals, +/-FLT_MAX, 1.0. */
static const uint32_t fx_float_specials[] = {
	0x7FC00001u, 0x7F800001u, 0xFFFFFFFFu, 0xFFC12345u, 0x80000000u, 0x00000000u, 0x7F800000u,
	0xFF800000u, 0x00000001u, 0x807FFFFFu, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x3F800000u,
};
/* The same for IEEE half floats (halfvec). */
static const uint16_t fx_half_specials[] = {
	0x7E01u, 0x7C01u, 0xFFFFu, 0x8000u, 0x0000u, 0x7C00u, 0xFC00u, 0x0001u, 0x83FFu, 0x7BFFu,
	0xFBFFu, 0x3C00u,
};

/* Appends count dense values of dimension dim: mostly ordinary values (floats in [-1, 1) or
 * halves of similar range, as embeddings are), with the special patterns mixed in. */
static inline void fx_dense_random(rcr_buf *b, test_rng *r, uint32_t count, uint16_t dim, unsigned width)
{
	uint8_t *e = malloc((size_t)dim * width + 1);
	if (!e)
		fx_oom();
	for (uint32_t i = 0; i < count; i++) {
		for (uint32_t j = 0; j < dim; j++) {
			uint64_t x = test_rng_next(r);
			if (width == 4) {
				uint32_t bits = (x & 0xF) == 0 ?
					fx_float_specials[(x >> 4) % (sizeof fx_float_specials / sizeof fx_float_specials[0])] :
					(uint32_t)(0x3C000000u + ((x >> 8) & 0x03FFFFFFu)) | ((x & 0x10) ? 0x80000000u : 0);
				rcr_store_u32be(e + (size_t)j * 4, bits);
			} else {
				uint16_t bits = (x & 0xF) == 0 ?
					fx_half_specials[(x >> 4) % (sizeof fx_half_specials / sizeof fx_half_specials[0])] :
					(uint16_t)((0x2000u + ((x >> 8) & 0x1BFFu)) | ((x & 0x10) ? 0x8000u : 0));
				rcr_store_u16be(e + (size_t)j * 2, bits);
			}
		}
		fx_dense_value(b, dim, width, e);
	}
	free(e);
}

/* Appends count arbitrary fields: roughly 1 in 8 NULL, 1 in 8 empty, the rest 1..maxlen random
 * bytes. Fits only the raw codec (the dense codecs see NULLs or odd lengths). */
static inline void fx_fields_random(rcr_buf *b, test_rng *r, uint32_t count, uint32_t maxlen)
{
	uint8_t *tmp = malloc(maxlen + 1);
	if (!tmp)
		fx_oom();
	for (uint32_t i = 0; i < count; i++) {
		uint32_t kind = test_rng_below(r, 8);
		if (kind == 0) {
			fx_field(b, NULL, -1);
		} else if (kind == 1) {
			fx_field(b, NULL, 0);
		} else {
			uint32_t n = 1 + test_rng_below(r, maxlen);
			test_rng_fill(r, tmp, n);
			fx_field(b, tmp, (int32_t)n);
		}
	}
	free(tmp);
}

static inline char *fx_strdup(const char *s)
{
	char *c = strdup(s);
	if (!c)
		fx_oom();
	return c;
}

static inline void *fx_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		fx_oom();
	return p;
}

/* A manifest exercising every structure: three metadata entries, a schema directory with two
 * files, a table with zero columns (rows but no frames) and a table with three columns, two
 * data files and four row groups whose frames all differ. Totals are consistent, so it decodes.
 * Owned by the caller (rcr_manifest_free). */
static inline rcr_manifest *fx_sample_manifest(void)
{
	rcr_manifest *m;
	if (rcr_manifest_new(&m) < 0)
		fx_oom();
	if (rcr_manifest_set_meta(m, "rcr_version", "0.1.0") < 0 ||
	    rcr_manifest_set_meta(m, "server_version", "16.4") < 0 ||
	    rcr_manifest_set_meta(m, "snapshot", "00000003-0000001B-1") < 0)
		fx_oom();
	free(m->schema_dir);
	m->schema_dir = fx_strdup("schema");
	m->nschema_files = 2;
	m->schema_files = fx_calloc(2, sizeof *m->schema_files);
	m->schema_files[0] = (rcr_schema_file){fx_strdup("toc.dat"), 2048, 0x0123456789ABCDEFull};
	m->schema_files[1] = (rcr_schema_file){fx_strdup("3456.dat.zst"), 77, 0xFEDCBA9876543210ull};

	m->ntables = 2;
	m->tables = fx_calloc(2, sizeof *m->tables);
	rcr_row_group *rg;

	rcr_table *t = &m->tables[0];
	t->oid = 16384;
	t->schema = fx_strdup("public");
	t->name = fx_strdup("no_columns");
	t->relkind = 'r';
	t->nfiles = 1;
	t->files = fx_calloc(1, sizeof *t->files);
	t->files[0] = fx_strdup("data/t0/part-0.rcrd");
	for (uint32_t g = 0; g < 2; g++) {
		if (rcr_table_add_row_group(&rg, t) < 0)
			fx_oom();
		rg->row_count = 5 + g * 2;
		t->row_count += rg->row_count;
	}

	t = &m->tables[1];
	t->oid = 16390;
	t->schema = fx_strdup("app");
	t->name = fx_strdup("items");
	t->relkind = 'p';
	t->ncols = 3;
	t->cols = fx_calloc(3, sizeof *t->cols);
	t->cols[0] = (rcr_column){fx_strdup("id"), fx_strdup("pg_catalog"), fx_strdup("int8"), 20, -1, 'b', 0};
	t->cols[1] = (rcr_column){fx_strdup("embedding"), fx_strdup("public"), fx_strdup("vector"), 91234, 768, 'b', 0};
	t->cols[2] = (rcr_column){fx_strdup("note"), fx_strdup("pg_catalog"), fx_strdup("text"), 25, -1, 'e', 'b'};
	t->nfiles = 2;
	t->files = fx_calloc(2, sizeof *t->files);
	t->files[0] = fx_strdup("data/t1/part-0.rcrd");
	t->files[1] = fx_strdup("data/t1/part-1.rcrd");
	for (uint32_t g = 0; g < 4; g++) {
		if (rcr_table_add_row_group(&rg, t) < 0)
			fx_oom();
		rg->file = g / 2;
		rg->row_count = 1000 + g;
		uint64_t off = 0;
		for (uint32_t c = 0; c < 3; c++) {
			rcr_frame_ref *f = &rg->frames[c];
			f->offset = off;
			f->stored_size = 100 * (g + 1) + c;
			f->content_size = 200 * (g + 1) + c;
			f->raw_size = 300 * (g + 1) + c;
			f->stored_hash = 0x1111111111111111ull * (g + 1) + c;
			f->raw_hash = 0x0101010101010101ull * (c + 1) + g;
			f->codec = (uint8_t)(c == 1 ? 1 : 0);   /* vector for the embedding column */
			f->compression = (uint8_t)(c != 2);
			off += 64 + f->stored_size;
			t->raw_bytes += f->raw_size;
			t->stored_bytes += 64 + (uint64_t)f->stored_size;
		}
		t->row_count += rg->row_count;
	}
	return m;
}

/* The tuples of the sample COPY stream, as one field stream per column (3 columns, 4 rows):
 * int4 values, a text column with an empty value and a NULL, and a bytea column of NULLs and
 * bytes that look like a trailer and a field count (0xFFFF) to trip a careless parser. */
#define FX_COPY_NCOLS 3
#define FX_COPY_ROWS 4
static inline void fx_copy_columns(rcr_buf cols[FX_COPY_NCOLS])
{
	static const uint8_t i1[] = {0, 0, 0, 1}, i2[] = {0, 0, 0, 2}, i3[] = {0xFF, 0xFF, 0xFF, 0xFF},
			     i4[] = {0x7F, 0xFF, 0xFF, 0xFF};
	fx_field(&cols[0], i1, 4);
	fx_field(&cols[0], i2, 4);
	fx_field(&cols[0], i3, 4);
	fx_field(&cols[0], i4, 4);
	fx_field(&cols[1], "hello", 5);
	fx_field(&cols[1], "", 0);
	fx_field(&cols[1], NULL, -1);
	fx_field(&cols[1], "\xc3\xa9t\xc3\xa9", 6);
	static const uint8_t ff[] = {0xFF, 0xFF}, sig[] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};
	fx_field(&cols[2], NULL, -1);
	fx_field(&cols[2], ff, 2);
	fx_field(&cols[2], sig, 11);
	fx_field(&cols[2], NULL, -1);
}

/* The sample stream itself, assembled by hand (not with the writer under test): header with
 * an 8-byte extension area, FX_COPY_ROWS tuples of fx_copy_columns, trailer. */
static inline void fx_copy_stream(rcr_buf *out, int with_extension)
{
	rcr_buf cols[FX_COPY_NCOLS] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
	fx_copy_columns(cols);
	fx_put(out, RCR_COPY_SIGNATURE, 11);
	fx_put_u32be(out, 0);
	if (with_extension) {
		fx_put_u32be(out, 8);
		fx_put(out, "extdata!", 8);
	} else {
		fx_put_u32be(out, 0);
	}
	size_t pos[FX_COPY_NCOLS] = {0};
	for (int r = 0; r < FX_COPY_ROWS; r++) {
		fx_put_u16be(out, FX_COPY_NCOLS);
		for (int c = 0; c < FX_COPY_NCOLS; c++) {
			int32_t len = (int32_t)rcr_load_u32be(cols[c].data + pos[c]);
			size_t n = 4 + (len > 0 ? (size_t)len : 0);
			fx_put(out, cols[c].data + pos[c], n);
			pos[c] += n;
		}
	}
	fx_put_u16be(out, 0xFFFF);
	for (int c = 0; c < FX_COPY_NCOLS; c++)
		rcr_buf_free(&cols[c]);
}

#endif
