/*
 * gen_corpora.c: writes the seed corpora of fuzz/corpora/<name>/ from the unit-test fixtures
 * (tests/unit/fixtures.h), so that the fuzzers start from inputs the unit tests prove valid and
 * the seeds can be regenerated when a format changes:
 *
 *     cmake --build <build> --target gen_corpora && <build>/fuzz/gen_corpora fuzz/corpora
 *
 * Seeds are small (a fuzzer mutates small inputs faster) and deterministic (fixed PRNG seeds).
 * Files named crash-* or regress-* in a corpus are kept crashers and are never overwritten.
 */
#include "../tests/unit/fixtures.h"

#include "rcr/codec.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/manifest.h"

#include <errno.h>
#include <sys/stat.h>

static const char *root;
static int failed;

static void put(const char *corpus, const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root, corpus);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		perror(path);
		failed = 1;
		return;
	}
	snprintf(path, sizeof path, "%s/%s/%s", root, corpus, name);
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		failed = 1;
	}
}

static void put_buf(const char *corpus, const char *name, const rcr_buf *b)
{
	put(corpus, name, b->data, b->len);
}

static void manifests(void)
{
	rcr_buf b = RCR_BUF_INIT;
	rcr_manifest *m = fx_sample_manifest();
	rcr_manifest_encode(&b, m);
	put_buf("manifest", "sample", &b);

	rcr_buf_reset(&b);
	m->required_features = 1;
	rcr_manifest_encode(&b, m);
	put_buf("manifest", "unknown-required-feature", &b);
	m->required_features = 0;
	m->optional_features = 0x10;
	m->write_version = RCR_FMT_WRITE_VERSION + 1;
	rcr_buf_reset(&b);
	rcr_manifest_encode(&b, m);
	put_buf("manifest", "newer-writer-optional-feature", &b);
	rcr_manifest_free(m);

	/* Row identity (spec 1.7.0): content hashes, origins, a row-hash frame, skipped rows. */
	m = fx_sample_manifest();
	m->required_features = RCR_FEATURE_ROW_IDENTITY;
	{
		rcr_table *t = &m->tables[1];
		rcr_row_group *rg = &t->rgs[1];
		for (uint32_t g = 0; g < t->nrgs; g++) {
			t->rgs[g].origin_table = 1;
			t->rgs[g].origin_rg = g;
		}
		rg->origin_table = 4;
		rg->has_row_hashes = 1;
		rg->row_hashes = (rcr_frame_ref){.offset = 9000, .raw_size = (uint64_t)rg->row_count * RCR_ROW_HASH_SIZE};
		rg->row_hashes.stored_size = rg->row_hashes.content_size = (uint32_t)rg->row_hashes.raw_size;
		t->raw_bytes += rg->row_hashes.raw_size;
		t->stored_bytes += 64 + (uint64_t)rg->row_hashes.stored_size;
		rg->skip = calloc(2, sizeof *rg->skip);
		if (rg->skip) {
			rg->skip[0] = 3;
			rg->skip[1] = 7;
			rg->nskip = 2;
			t->row_count -= 2;
		}
	}
	rcr_buf_reset(&b);
	rcr_manifest_encode(&b, m);
	put_buf("manifest", "row-identity", &b);
	rcr_manifest_free(m);

	rcr_manifest_new(&m);
	rcr_buf_reset(&b);
	rcr_manifest_encode(&b, m);
	put_buf("manifest", "empty", &b);
	rcr_manifest_free(m);

	/* one table, one column, one row group: the smallest manifest with a frame reference */
	m = fx_sample_manifest();
	rcr_table *t = &m->tables[1];
	for (uint32_t g = 1; g < t->nrgs; g++)
		free(t->rgs[g].frames);
	t->nrgs = 1;
	for (uint32_t c = 1; c < t->ncols; c++) {
		free(t->cols[c].name);
		free(t->cols[c].type_schema);
		free(t->cols[c].type_name);
	}
	t->ncols = 1;
	t->row_count = t->rgs[0].row_count;
	t->raw_bytes = t->rgs[0].frames[0].raw_size;
	t->stored_bytes = RCR_FRAME_HEADER_SIZE + (uint64_t)t->rgs[0].frames[0].stored_size;
	rcr_buf_reset(&b);
	rcr_manifest_encode(&b, m);
	put_buf("manifest", "one-frame", &b);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}

static void frames(void)
{
	test_rng r = {11};
	rcr_frame_encoder *e0, *e1, *e3;
	rcr_frame_encoder_new(&e0, 0);
	rcr_frame_encoder_new(&e1, 1);
	rcr_frame_encoder_new(&e3, 3);
	static const struct {
		const char *name;
		int kind;          /* 0 vector, 1 halfvec, 2 random fields, 3 noise, 4 empty */
		uint32_t count;
		uint16_t dim;
		int level;
		rcr_codec_id pref;
	} seeds[] = {
		{"vector-zstd", 0, 16, 8, 3, RCR_CODEC_VECTOR},
		{"vector-stored", 0, 4, 3, 0, RCR_CODEC_VECTOR},
		{"halfvec-zstd", 1, 8, 16, 1, RCR_CODEC_HALFVEC},
		{"raw-fields-zstd", 2, 40, 0, 1, RCR_CODEC_RAW},
		{"raw-fields-stored", 2, 6, 0, 0, RCR_CODEC_RAW},
		{"raw-incompressible", 3, 1, 0, 3, RCR_CODEC_RAW},
		{"vector-fallback-raw", 2, 5, 0, 1, RCR_CODEC_VECTOR},
		{"empty", 4, 0, 0, 1, RCR_CODEC_RAW},
	};
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		rcr_buf fields = RCR_BUF_INIT, frame = RCR_BUF_INIT;
		if ((seeds[i].kind == 0 || seeds[i].kind == 1) && seeds[i].level > 0) {
			/* one random value repeated: compresses, so the seed carries a zstd frame */
			fx_dense_random(&fields, &r, 1, seeds[i].dim, seeds[i].kind == 0 ? 4 : 2);
			size_t one = fields.len;
			if (rcr_buf_reserve(&fields, one * seeds[i].count) < 0)   /* appends below alias */
				fx_oom();
			for (uint32_t v = 1; v < seeds[i].count; v++)
				fx_put(&fields, fields.data, one);
		} else if (seeds[i].kind == 0 || seeds[i].kind == 1) {
			fx_dense_random(&fields, &r, seeds[i].count, seeds[i].dim, seeds[i].kind == 0 ? 4 : 2);
		} else if (seeds[i].kind == 2) {
			fx_fields_random(&fields, &r, seeds[i].count, 12);
		} else if (seeds[i].kind == 3) {
			uint8_t noise[300];
			test_rng_fill(&r, noise, sizeof noise);
			fx_field(&fields, noise, sizeof noise);
		}
		rcr_frame_encoder *e = seeds[i].level == 0 ? e0 : seeds[i].level == 1 ? e1 : e3;
		if (rcr_frame_encode(e, &frame, NULL, 1, 2, 3, seeds[i].pref, fields.data, fields.len,
				     seeds[i].count) < 0) {
			fprintf(stderr, "frame seed %s: %s\n", seeds[i].name, rcr_error_message());
			failed = 1;
		}
		put_buf("frame", seeds[i].name, &frame);
		rcr_buf_free(&fields);
		rcr_buf_free(&frame);
	}
	rcr_frame_encoder_free(e0);
	rcr_frame_encoder_free(e1);
	rcr_frame_encoder_free(e3);
}

/* codec_fuzzer input: codec id, count (u32le), declared size (u32le), content. */
static void codec_seed(const char *name, rcr_codec_id id, const rcr_buf *fields, uint32_t count)
{
	const rcr_codec_vtbl *codec = rcr_codec_get(id);
	rcr_buf in = RCR_BUF_INIT;
	fx_put(&in, (uint8_t[]){(uint8_t)id}, 1);
	rcr_buf_append_u32le(&in, count);
	rcr_buf_append_u32le(&in, (uint32_t)fields->len);
	size_t cap = codec->bound(fields->len, count);
	if (rcr_buf_reserve(&in, cap + 1) < 0)
		fx_oom();
	size_t len = 0;
	if (codec->encode(&len, in.data + in.len, cap, fields->data, fields->len, count) < 0) {
		fprintf(stderr, "codec seed %s: does not fit\n", name);
		failed = 1;
	}
	in.len += len;
	put_buf("codec", name, &in);
	rcr_buf_free(&in);
}

static void codecs(void)
{
	test_rng r = {12};
	rcr_buf f = RCR_BUF_INIT;
	fx_fields_random(&f, &r, 20, 10);
	codec_seed("raw-fields", RCR_CODEC_RAW, &f, 20);
	rcr_buf_reset(&f);
	codec_seed("raw-empty", RCR_CODEC_RAW, &f, 0);
	fx_field(&f, NULL, -1);
	codec_seed("raw-null", RCR_CODEC_RAW, &f, 1);
	static const float ex[4] = {1, 2, 3, 4};
	uint8_t e[16];
	for (int i = 0; i < 4; i++) {
		uint32_t bits;
		memcpy(&bits, &ex[i], 4);
		rcr_store_u32be(e + 4 * i, bits);
	}
	rcr_buf_reset(&f);
	fx_dense_value(&f, 2, 4, e);
	fx_dense_value(&f, 2, 4, e + 8);
	codec_seed("vector-worked-example", RCR_CODEC_VECTOR, &f, 2);
	rcr_buf_reset(&f);
	fx_dense_random(&f, &r, 10, 3, 4);
	codec_seed("vector-dim3", RCR_CODEC_VECTOR, &f, 10);
	rcr_buf_reset(&f);
	fx_dense_random(&f, &r, 2, 40, 4);
	codec_seed("vector-dim40", RCR_CODEC_VECTOR, &f, 2);
	static const uint8_t h[8] = {0x3c, 0x00, 0x40, 0x00, 0x42, 0x00, 0x44, 0x00};
	rcr_buf_reset(&f);
	fx_dense_value(&f, 2, 2, h);
	fx_dense_value(&f, 2, 2, h + 4);
	codec_seed("halfvec-worked-example", RCR_CODEC_HALFVEC, &f, 2);
	rcr_buf_reset(&f);
	fx_dense_random(&f, &r, 4, 16, 2);
	codec_seed("halfvec-dim16", RCR_CODEC_HALFVEC, &f, 4);
	rcr_buf_free(&f);
}

/* copy_parser_fuzzer input: nfields, chunking pattern, stream. */
static void copy_seed(const char *name, uint8_t nfields, uint8_t pattern, const rcr_buf *stream)
{
	rcr_buf in = RCR_BUF_INIT;
	fx_put(&in, (uint8_t[]){nfields, pattern}, 2);
	fx_put(&in, stream->data, stream->len);
	put_buf("copy_parser", name, &in);
	rcr_buf_free(&in);
}

static void copy_streams(void)
{
	rcr_buf s = RCR_BUF_INIT;
	fx_copy_stream(&s, 0);
	copy_seed("sample-whole", FX_COPY_NCOLS, 0xFF, &s);
	copy_seed("sample-bytewise", FX_COPY_NCOLS, 0, &s);
	copy_seed("sample-chunks", FX_COPY_NCOLS, 37, &s);
	rcr_buf_reset(&s);
	fx_copy_stream(&s, 1);
	copy_seed("sample-extension", FX_COPY_NCOLS, 90, &s);

	/* zero columns, five tuples */
	rcr_buf_reset(&s);
	rcr_copy_write_header(&s);
	for (int i = 0; i < 5; i++)
		fx_put_u16be(&s, 0);
	rcr_copy_write_trailer(&s);
	copy_seed("zero-columns", 0, 5, &s);

	/* a random table written by the writer */
	test_rng r = {13};
	rcr_buf cols[4] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
	const uint8_t *cur[4], *end[4];
	for (int c = 0; c < 4; c++) {
		fx_fields_random(&cols[c], &r, 12, 9);
		cur[c] = cols[c].data;
		end[c] = cols[c].data + cols[c].len;
	}
	rcr_buf_reset(&s);
	rcr_copy_write_header(&s);
	rcr_copy_write_tuples(&s, cur, end, 4, 12);
	rcr_copy_write_trailer(&s);
	copy_seed("random-4-columns", 4, 130, &s);
	for (int c = 0; c < 4; c++)
		rcr_buf_free(&cols[c]);

	/* long values, fed byte by byte and in small chunks: tuples span many feeds */
	rcr_buf longcols[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	uint8_t text[300];
	test_rng_fill(&r, text, sizeof text);
	fx_field(&longcols[0], text, 100);
	fx_field(&longcols[0], NULL, -1);
	fx_field(&longcols[0], text, 1);
	fx_field(&longcols[1], text, 300);
	fx_field(&longcols[1], text, 0);
	fx_field(&longcols[1], text + 7, 64);
	for (int c = 0; c < 2; c++) {
		cur[c] = longcols[c].data;
		end[c] = longcols[c].data + longcols[c].len;
	}
	rcr_buf_reset(&s);
	rcr_copy_write_header(&s);
	rcr_copy_write_tuples(&s, cur, end, 2, 3);
	rcr_copy_write_trailer(&s);
	copy_seed("long-values-bytewise", 2, 0, &s);
	copy_seed("long-values-chunks", 2, 70, &s);
	rcr_buf_free(&longcols[0]);
	rcr_buf_free(&longcols[1]);

	/* header with the OIDs flag: refused, but a mutation away from valid flags */
	rcr_buf_reset(&s);
	fx_copy_stream(&s, 0);
	s.data[13] = 1;
	copy_seed("oids-flag", FX_COPY_NCOLS, 3, &s);
	rcr_buf_free(&s);
}

static void field_streams(void)
{
	test_rng r = {14};
	rcr_buf f = RCR_BUF_INIT;
	static const struct {
		const char *name;
		uint32_t count;
		uint16_t dim;
		unsigned width;
	} dense[] = {
		{"vector-dim1", 6, 1, 4}, {"vector-dim3", 5, 3, 4}, {"vector-dim16", 4, 16, 4},
		{"halfvec-dim4", 6, 4, 2}, {"halfvec-dim32", 3, 32, 2},
	};
	for (size_t i = 0; i < sizeof dense / sizeof dense[0]; i++) {
		rcr_buf_reset(&f);
		fx_dense_random(&f, &r, dense[i].count, dense[i].dim, dense[i].width);
		put_buf("frame_roundtrip", dense[i].name, &f);
	}
	rcr_buf_reset(&f);
	fx_fields_random(&f, &r, 30, 16);
	put_buf("frame_roundtrip", "random-fields", &f);
	rcr_buf_reset(&f);
	fx_field(&f, NULL, -1);
	put_buf("frame_roundtrip", "one-null", &f);
	put("frame_roundtrip", "empty", "", 0);
	rcr_buf_free(&f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <fuzz/corpora directory>\n", argv[0]);
		return 1;
	}
	root = argv[1];
	if (mkdir(root, 0777) != 0 && errno != EEXIST) {
		perror(root);
		return 1;
	}
	manifests();
	frames();
	codecs();
	copy_streams();
	field_streams();
	return failed;
}
