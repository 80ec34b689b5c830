/* frame_test.c: tests src/format/frame.c (frame header, encoder, decoder).
 *
 * The decoder is fed untrusted bytes, so beyond round trips these tests mutate real frames
 * (every bit flip, every truncation) and forge frames whose checksums are valid but whose
 * fields lie, so that each check behind the checksums is exercised on its own. */
#include "../fixtures.h"
#include "../test.h"

#include "rcr/codec.h"
#include "rcr/frame.h"

/* Recomputes the stored hash and the header check of a frame after a test edited it, so that
 * the decoder gets past the checksums to the check under test. */
static void reseal(uint8_t *frame, size_t len)
{
	rcr_store_u64le(frame + 40, rcr_hash64(frame + RCR_FRAME_HEADER_SIZE, len - RCR_FRAME_HEADER_SIZE));
	rcr_store_u32le(frame + 60, (uint32_t)rcr_hash64(frame, 60));
}

static int same_header(const rcr_frame_header *a, const rcr_frame_header *b)
{
	return a->codec == b->codec && a->compression == b->compression && a->table == b->table &&
	       a->row_group == b->row_group && a->column == b->column && a->row_count == b->row_count &&
	       a->raw_size == b->raw_size && a->content_size == b->content_size && a->stored_size == b->stored_size &&
	       a->stored_hash == b->stored_hash && a->raw_hash == b->raw_hash;
}

/* Decodes from an exact-size heap copy (ASan sees any overread), both ways: with the
 * decoder's own buffer and into a caller's buffer (which lends a raw frame's stored bytes).
 * Both must agree on the result, the header and the field stream. */
static int decode_copy(rcr_frame_decoder *d, rcr_frame_header *h, const uint8_t *frame, size_t len,
		       rcr_buf *out)
{
	uint8_t *c = test_dup(frame, len);
	const uint8_t *fields = NULL, *fields2 = NULL;
	size_t fields_len = 0, fields2_len = 0;
	rcr_buf into = RCR_BUF_INIT;
	rcr_frame_header h1, h2;
	int rc = rcr_frame_decode(d, &h1, c, len, &fields, &fields_len);
	int rc2 = rcr_frame_decode_into(d, &h2, c, len, &into, &fields2, &fields2_len);
	CHECK_RC(rc2, rc);
	if (rc == 0 && rc2 == 0) {
		CHECK_MEM(fields2, fields2_len, fields, fields_len);
		CHECK(same_header(&h2, &h1));
		if (h)
			*h = h1;
	}
	if (rc == 0 && out) {
		rcr_buf_reset(out);
		fx_put(out, fields, fields_len);
	}
	rcr_buf_free(&into);
	free(c);
	return rc;
}

static int known_error(int rc)
{
	return rc == RCR_E_FORMAT || rc == RCR_E_CHECKSUM || rc == RCR_E_VERSION || rc == RCR_E_LIMIT ||
	       rc == RCR_E_COMPRESS;
}

/* A small vector chunk (3 values of dim 4) that zstd compresses. */
static void small_vector_chunk(rcr_buf *b)
{
	static const uint8_t e[16] = {0x3f, 0x80, 0, 0, 0x3f, 0x80, 0, 0, 0x3f, 0x80, 0, 0, 0x3f, 0x80, 0, 0};
	for (int i = 0; i < 3; i++)
		fx_dense_value(b, 4, 4, e);
}

/* Every level, every preferred codec, several chunks: frames appended back to back decode one
 * by one to the identical field stream, with every header field as written. */
static void test_frame__roundtrip_levels(void)
{
	static const int levels[] = {0, 1, 3, 19};
	test_rng r = {1};
	rcr_buf chunks[5] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
	uint32_t counts[5] = {200, 20, 3, 500, 0};
	fx_dense_random(&chunks[0], &r, counts[0], 16, 4);
	fx_dense_random(&chunks[1], &r, counts[1], 768, 2);
	fx_dense_random(&chunks[2], &r, counts[2], 1, 4);
	fx_fields_random(&chunks[3], &r, counts[3], 20);
	/* chunks[4]: zero values */

	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 24));
	for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
		rcr_frame_encoder *enc;
		REQUIRE_OK(rcr_frame_encoder_new(&enc, levels[l]));
		rcr_buf file = RCR_BUF_INIT;
		rcr_frame_header written[5 * RCR_CODEC_COUNT];
		size_t offsets[5 * RCR_CODEC_COUNT + 1];
		size_t nf = 0;
		for (unsigned codec = 0; codec < RCR_CODEC_COUNT; codec++) {
			for (uint32_t c = 0; c < 5; c++) {
				offsets[nf] = file.len;
				REQUIRE_OK(rcr_frame_encode(enc, &file, &written[nf], 7, (uint32_t)l, c, (rcr_codec_id)codec,
							    chunks[c].data, chunks[c].len, counts[c]));
				nf++;
			}
		}
		offsets[nf] = file.len;
		rcr_buf got = RCR_BUF_INIT;
		for (size_t f = 0; f < nf; f++) {
			const rcr_frame_header *w = &written[f];
			size_t c = f % 5;
			unsigned pref = (unsigned)(f / 5);
			rcr_frame_header h = {0};
			CHECK_RC(decode_copy(dec, &h, file.data + offsets[f], offsets[f + 1] - offsets[f], &got), 0);
			CHECK_MEM(got.data, got.len, chunks[c].data, chunks[c].len);
			CHECK_EQ_U64(offsets[f + 1] - offsets[f], RCR_FRAME_HEADER_SIZE + (size_t)w->stored_size);
			CHECK_EQ_U64(h.codec, w->codec);
			CHECK_EQ_U64(h.compression, w->compression);
			CHECK_EQ_U64(h.table, 7);
			CHECK_EQ_U64(h.row_group, l);
			CHECK_EQ_U64(h.column, c);
			CHECK_EQ_U64(h.row_count, counts[c]);
			CHECK_EQ_U64(h.raw_size, chunks[c].len);
			CHECK_EQ_U64(h.raw_hash, rcr_hash64(chunks[c].data, chunks[c].len));
			CHECK_EQ_U64(h.stored_size, w->stored_size);
			CHECK_EQ_U64(h.stored_hash, rcr_hash64(file.data + offsets[f] + RCR_FRAME_HEADER_SIZE, h.stored_size));
			CHECK_EQ_U64(h.content_size, w->content_size);
			/* The codec actually used: the preferred one where it fits, raw otherwise. */
			int fits = pref == RCR_CODEC_RAW || (pref == RCR_CODEC_VECTOR && (c == 0 || c == 2)) ||
				   (pref == RCR_CODEC_HALFVEC && c == 1);
			CHECK_EQ_U64(h.codec, fits ? pref : RCR_CODEC_RAW);
			if (levels[l] == 0 || counts[c] == 0)
				CHECK_EQ_U64(h.compression, RCR_COMPRESSION_NONE);
			if (h.compression == RCR_COMPRESSION_NONE)
				CHECK_EQ_U64(h.content_size, h.stored_size);
			else
				CHECK(h.stored_size < h.content_size);
			/* Vector data built from a narrow value range always compresses. */
			if (levels[l] > 0 && c < 2)
				CHECK_EQ_U64(h.compression, RCR_COMPRESSION_ZSTD);
		}
		rcr_buf_free(&got);
		rcr_buf_free(&file);
		rcr_frame_encoder_free(enc);
	}
	rcr_frame_decoder_free(dec);
	for (int c = 0; c < 5; c++)
		rcr_buf_free(&chunks[c]);
}

/* Content zstd cannot shrink is stored as is, with compression "none". */
static void test_frame__incompressible_stored_as_none(void)
{
	test_rng r = {99};
	uint8_t noise[4000];
	test_rng_fill(&r, noise, sizeof noise);
	rcr_buf fields = RCR_BUF_INIT, frame = RCR_BUF_INIT, got = RCR_BUF_INIT;
	fx_field(&fields, noise, sizeof noise);
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	static const int levels[] = {1, 3, 19};
	for (size_t l = 0; l < 3; l++) {
		rcr_frame_encoder *enc;
		REQUIRE_OK(rcr_frame_encoder_new(&enc, levels[l]));
		rcr_buf_reset(&frame);
		rcr_frame_header h;
		REQUIRE_OK(rcr_frame_encode(enc, &frame, &h, 0, 0, 0, RCR_CODEC_RAW, fields.data, fields.len, 1));
		CHECK_EQ_U64(h.compression, RCR_COMPRESSION_NONE);
		CHECK_EQ_U64(h.stored_size, fields.len);
		CHECK_EQ_U64(h.content_size, fields.len);
		CHECK_EQ_U64(frame.len, RCR_FRAME_HEADER_SIZE + fields.len);
		CHECK_MEM(frame.data + RCR_FRAME_HEADER_SIZE, frame.len - RCR_FRAME_HEADER_SIZE, fields.data, fields.len);
		CHECK_EQ_U64(frame.data[5], RCR_COMPRESSION_NONE);
		CHECK_RC(decode_copy(dec, NULL, frame.data, frame.len, &got), 0);
		CHECK_MEM(got.data, got.len, fields.data, fields.len);
		rcr_frame_encoder_free(enc);
	}
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&fields);
	rcr_buf_free(&frame);
	rcr_buf_free(&got);
}

static void encode_small_frames(rcr_buf *zstd_frame, rcr_buf *plain_frame)
{
	rcr_buf fields = RCR_BUF_INIT;
	small_vector_chunk(&fields);
	rcr_frame_encoder *enc;
	if (rcr_frame_encoder_new(&enc, 3) < 0)
		fx_oom();
	rcr_frame_header h;
	if (rcr_frame_encode(enc, zstd_frame, &h, 1, 2, 3, RCR_CODEC_VECTOR, fields.data, fields.len, 3) < 0)
		abort();
	rcr_frame_encoder_free(enc);
	if (rcr_frame_encoder_new(&enc, 0) < 0)
		fx_oom();
	if (rcr_frame_encode(enc, plain_frame, &h, 1, 2, 3, RCR_CODEC_RAW, fields.data, fields.len, 3) < 0)
		abort();
	rcr_frame_encoder_free(enc);
	rcr_buf_free(&fields);
}

/* Every single-bit flip anywhere in a small frame, compressed or not, is refused. */
static void test_frame__every_bit_flip_rejected(void)
{
	rcr_buf frames[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	encode_small_frames(&frames[0], &frames[1]);
	CHECK_EQ_U64(frames[0].data[5], RCR_COMPRESSION_ZSTD);
	CHECK_EQ_U64(frames[1].data[5], RCR_COMPRESSION_NONE);
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	for (int f = 0; f < 2; f++) {
		uint8_t *p = frames[f].data;
		size_t len = frames[f].len;
		CHECK_RC(decode_copy(dec, NULL, p, len, NULL), 0);
		for (size_t bit = 0; bit < len * 8; bit++) {
			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			int rc = decode_copy(dec, NULL, p, len, NULL);
			if (!known_error(rc))
				fprintf(stderr, "frame %d, bit %zu: rc %d\n", f, bit, rc);
			CHECK(known_error(rc));
			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		CHECK_RC(decode_copy(dec, NULL, p, len, NULL), 0);
	}
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&frames[0]);
	rcr_buf_free(&frames[1]);
}

/* Every truncation, and any extra trailing byte, is refused. */
static void test_frame__every_truncation_rejected(void)
{
	rcr_buf frames[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
	encode_small_frames(&frames[0], &frames[1]);
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	for (int f = 0; f < 2; f++) {
		for (size_t cut = 0; cut < frames[f].len; cut++) {
			int rc = decode_copy(dec, NULL, frames[f].data, cut, NULL);
			CHECK(known_error(rc));
			CHECK(rc == RCR_E_FORMAT);
		}
		fx_put(&frames[f], "", 1);
		CHECK_RC(decode_copy(dec, NULL, frames[f].data, frames[f].len, NULL), RCR_E_FORMAT);
	}
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&frames[0]);
	rcr_buf_free(&frames[1]);
}

/* The header's byte layout (format spec, "Frame header") and its read-back. */
static void test_frame__header_layout(void)
{
	rcr_frame_header h = {
		.codec = RCR_CODEC_HALFVEC, .compression = RCR_COMPRESSION_ZSTD,
		.table = 0x01020304u, .row_group = 0xFFFFFFFFu, .column = 1599, .row_count = 0x80000000u,
		.raw_size = 0x0102030405060708ull, .content_size = 0xA0B0C0D0u, .stored_size = 0x11223344u,
		.stored_hash = 0x8877665544332211ull, .raw_hash = 0xFFFFFFFFFFFFFFFFull,
	};
	uint8_t p[RCR_FRAME_HEADER_SIZE];
	memset(p, 0xEE, sizeof p);
	rcr_frame_header_write(p, &h);
	CHECK(memcmp(p, "RCRF", 4) == 0);
	CHECK_EQ_U64(p[4], RCR_CODEC_HALFVEC);
	CHECK_EQ_U64(p[5], RCR_COMPRESSION_ZSTD);
	CHECK_EQ_U64(rcr_load_u16le(p + 6), 0);
	CHECK_EQ_U64(rcr_load_u32le(p + 8), h.table);
	CHECK_EQ_U64(rcr_load_u32le(p + 12), h.row_group);
	CHECK_EQ_U64(rcr_load_u32le(p + 16), h.column);
	CHECK_EQ_U64(rcr_load_u32le(p + 20), h.row_count);
	CHECK_EQ_U64(rcr_load_u64le(p + 24), h.raw_size);
	CHECK_EQ_U64(rcr_load_u32le(p + 32), h.content_size);
	CHECK_EQ_U64(rcr_load_u32le(p + 36), h.stored_size);
	CHECK_EQ_U64(rcr_load_u64le(p + 40), h.stored_hash);
	CHECK_EQ_U64(rcr_load_u64le(p + 48), h.raw_hash);
	CHECK_EQ_U64(rcr_load_u32le(p + 56), 0);
	CHECK_EQ_U64(rcr_load_u32le(p + 60), (uint32_t)rcr_hash64(p, 60));

	rcr_frame_header r;
	memset(&r, 0, sizeof r);
	CHECK_RC(rcr_frame_header_read(&r, p, sizeof p), 0);
	CHECK_EQ_U64(r.codec, h.codec);
	CHECK_EQ_U64(r.compression, h.compression);
	CHECK_EQ_U64(r.table, h.table);
	CHECK_EQ_U64(r.row_group, h.row_group);
	CHECK_EQ_U64(r.column, h.column);
	CHECK_EQ_U64(r.row_count, h.row_count);
	CHECK_EQ_U64(r.raw_size, h.raw_size);
	CHECK_EQ_U64(r.content_size, h.content_size);
	CHECK_EQ_U64(r.stored_size, h.stored_size);
	CHECK_EQ_U64(r.stored_hash, h.stored_hash);
	CHECK_EQ_U64(r.raw_hash, h.raw_hash);
	/* The reader looks only at the first 64 bytes. */
	uint8_t longer[RCR_FRAME_HEADER_SIZE + 3];
	memcpy(longer, p, sizeof p);
	CHECK_RC(rcr_frame_header_read(&r, longer, sizeof longer), 0);

	CHECK_STR(rcr_compression_name(RCR_COMPRESSION_NONE), "none");
	CHECK_STR(rcr_compression_name(RCR_COMPRESSION_ZSTD), "zstd");
	CHECK_STR(rcr_compression_name(RCR_COMPRESSION_COUNT), "unknown");
}

/* Header fields a reader must refuse even when the header check matches. */
static void test_frame__header_rejects(void)
{
	rcr_frame_header h = {.codec = RCR_CODEC_RAW, .compression = RCR_COMPRESSION_NONE,
			      .content_size = 10, .stored_size = 10};
	uint8_t p[RCR_FRAME_HEADER_SIZE], q[RCR_FRAME_HEADER_SIZE];
	rcr_frame_header r;
	rcr_frame_header_write(p, &h);
	CHECK_RC(rcr_frame_header_read(&r, p, sizeof p), 0);
	for (size_t n = 0; n < RCR_FRAME_HEADER_SIZE; n++) {
		uint8_t *t = test_dup(p, n);
		CHECK_RC(rcr_frame_header_read(&r, t, n), RCR_E_FORMAT);
		free(t);
	}
#define RESEAL_AND_EXPECT(want) \
	do { \
		rcr_store_u32le(q + 60, (uint32_t)rcr_hash64(q, 60)); \
		CHECK_RC(rcr_frame_header_read(&r, q, sizeof q), want); \
	} while (0)
	memcpy(q, p, sizeof q);
	q[0] = 'X';
	RESEAL_AND_EXPECT(RCR_E_FORMAT);
	memcpy(q, p, sizeof q);
	q[60] ^= 1;
	CHECK_RC(rcr_frame_header_read(&r, q, sizeof q), RCR_E_CHECKSUM);
	for (int byte = 6; byte < 8; byte++) {
		memcpy(q, p, sizeof q);
		q[byte] = 0x80;
		RESEAL_AND_EXPECT(RCR_E_FORMAT);
	}
	for (int byte = 56; byte < 60; byte++) {
		memcpy(q, p, sizeof q);
		q[byte] = 1;
		RESEAL_AND_EXPECT(RCR_E_FORMAT);
	}
	memcpy(q, p, sizeof q);
	q[4] = RCR_CODEC_COUNT;
	RESEAL_AND_EXPECT(RCR_E_VERSION);
	q[4] = 0xFF;
	RESEAL_AND_EXPECT(RCR_E_VERSION);
	memcpy(q, p, sizeof q);
	q[5] = RCR_COMPRESSION_COUNT;
	RESEAL_AND_EXPECT(RCR_E_VERSION);
	/* uncompressed, but content and stored sizes differ */
	memcpy(q, p, sizeof q);
	rcr_store_u32le(q + 32, 11);
	RESEAL_AND_EXPECT(RCR_E_FORMAT);
	/* the same sizes are fine when compressed */
	q[5] = RCR_COMPRESSION_ZSTD;
	RESEAL_AND_EXPECT(0);
#undef RESEAL_AND_EXPECT
}

/* max_raw bounds what a frame may declare: the limit itself is accepted, one byte less is not. */
static void test_frame__max_raw_limit(void)
{
	rcr_buf frame = RCR_BUF_INIT, fields = RCR_BUF_INIT;
	small_vector_chunk(&fields);
	rcr_frame_encoder *enc;
	REQUIRE_OK(rcr_frame_encoder_new(&enc, 1));
	REQUIRE_OK(rcr_frame_encode(enc, &frame, NULL, 0, 0, 0, RCR_CODEC_VECTOR, fields.data, fields.len, 3));
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, fields.len));
	CHECK_RC(decode_copy(dec, NULL, frame.data, frame.len, NULL), 0);
	rcr_frame_decoder_free(dec);
	REQUIRE_OK(rcr_frame_decoder_new(&dec, fields.len - 1));
	CHECK_RC(decode_copy(dec, NULL, frame.data, frame.len, NULL), RCR_E_LIMIT);
	rcr_frame_decoder_free(dec);
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 0));
	CHECK_RC(decode_copy(dec, NULL, frame.data, frame.len, NULL), RCR_E_LIMIT);
	rcr_frame_decoder_free(dec);

	/* A frame declaring a huge raw size is refused before anything is allocated for it. */
	rcr_store_u64le(frame.data + 24, (uint64_t)1 << 62);
	reseal(frame.data, frame.len);
	REQUIRE_OK(rcr_frame_decoder_new(&dec, (uint64_t)1 << 30));
	CHECK_RC(decode_copy(dec, NULL, frame.data, frame.len, NULL), RCR_E_LIMIT);
	rcr_frame_decoder_free(dec);

	/* The encoder refuses a chunk beyond the frame limit (RCR_MAX_FRAME_RAW, what readers
	 * accept) before reading it. */
	rcr_buf out = RCR_BUF_INIT;
	CHECK_RC(rcr_frame_encode(enc, &out, NULL, 0, 0, 0, RCR_CODEC_RAW, fields.data,
				  (size_t)RCR_MAX_FRAME_RAW + 1, 1), RCR_E_LIMIT);
	CHECK_RC(rcr_frame_encode(enc, &out, NULL, 0, 0, 0, RCR_CODEC_VECTOR, fields.data, SIZE_MAX, 1),
		 RCR_E_LIMIT);
	CHECK_EQ_U64(out.len, 0);
	rcr_frame_encoder_free(enc);
	rcr_buf_free(&frame);
	rcr_buf_free(&fields);
}

/* Declared sizes are tied to the bytes present before any buffer is sized by them: the raw
 * size by what the content can decode to (2 x content + 24 per row, every codec's worst case),
 * the content size of a zstd frame by what its stored bytes can decompress to (32768 per
 * byte). Regression for forged headers that declared a 2 GiB field stream for a few bytes. */
static void test_frame__declared_sizes_bounded_by_bytes_present(void)
{
	rcr_buf zf = RCR_BUF_INIT, pf = RCR_BUF_INIT;
	encode_small_frames(&zf, &pf);
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, RCR_MAX_FRAME_RAW));
	rcr_frame_header h;
	REQUIRE_OK(rcr_frame_header_read(&h, pf.data, pf.len));
	uint64_t bound = 2 * (uint64_t)h.content_size + 24 * (uint64_t)h.row_count;
	uint8_t *q = test_dup(pf.data, pf.len);
	rcr_store_u64le(q + 24, bound + 1);
	reseal(q, pf.len);
	CHECK_RC(decode_copy(dec, NULL, q, pf.len, NULL), RCR_E_FORMAT);
	CHECK(strstr(rcr_error_message(), "can decode to") != NULL);
	/* At the bound the size check passes and the codec's own check refuses the lie. */
	rcr_store_u64le(q + 24, bound);
	reseal(q, pf.len);
	CHECK_RC(decode_copy(dec, NULL, q, pf.len, NULL), RCR_E_FORMAT);
	CHECK(strstr(rcr_error_message(), "can decode to") == NULL);
	/* A 2 GiB field stream declared for one row of a few bytes. */
	rcr_store_u64le(q + 24, RCR_MAX_FRAME_RAW);
	rcr_store_u32le(q + 20, 1);
	reseal(q, pf.len);
	CHECK_RC(decode_copy(dec, NULL, q, pf.len, NULL), RCR_E_FORMAT);
	free(q);

	REQUIRE_OK(rcr_frame_header_read(&h, zf.data, zf.len));
	REQUIRE(h.compression == RCR_COMPRESSION_ZSTD);
	q = test_dup(zf.data, zf.len);
	uint64_t zmax = (uint64_t)h.stored_size * 32768;
	REQUIRE(zmax < UINT32_MAX);
	rcr_store_u32le(q + 32, (uint32_t)zmax + 1);
	rcr_store_u64le(q + 24, zmax + 1);  /* so that content <= raw + 64 holds */
	reseal(q, zf.len);
	CHECK_RC(decode_copy(dec, NULL, q, zf.len, NULL), RCR_E_FORMAT);
	CHECK(strstr(rcr_error_message(), "zstd-compressed bytes can hold") != NULL);
	free(q);
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&zf);
	rcr_buf_free(&pf);
}

/* Frames whose checksums are all valid but whose fields lie: each check after the checksums
 * must catch its own lie. */
static void test_frame__resealed_lies_rejected(void)
{
	rcr_buf zf = RCR_BUF_INIT, pf = RCR_BUF_INIT, fields = RCR_BUF_INIT;
	encode_small_frames(&zf, &pf);
	small_vector_chunk(&fields);
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	uint8_t *q;
	rcr_frame_header h;
	REQUIRE_OK(rcr_frame_header_read(&h, zf.data, zf.len));

#define WITH_COPY(src) (q = test_dup((src).data, (src).len))
#define EXPECT(src, want) \
	do { \
		reseal(q, (src).len); \
		CHECK_RC(decode_copy(dec, NULL, q, (src).len, NULL), want); \
		free(q); \
	} while (0)

	WITH_COPY(zf);                                     /* resealing alone changes nothing */
	EXPECT(zf, 0);
	WITH_COPY(zf);                                     /* content size far beyond raw size */
	rcr_store_u32le(q + 32, (uint32_t)h.raw_size + 65);
	EXPECT(zf, RCR_E_FORMAT);
	/* ...refused by the plausibility check itself, before a buffer of that size is allocated
	 * (decompression would refuse it too, but only after the allocation). */
	WITH_COPY(zf);
	rcr_store_u32le(q + 32, 0xFFFFFFF0u);
	EXPECT(zf, RCR_E_FORMAT);
	CHECK(strstr(rcr_error_message(), "implausible") != NULL);
	WITH_COPY(zf);                                     /* zstd yields fewer bytes than declared */
	rcr_store_u32le(q + 32, h.content_size + 1);
	EXPECT(zf, RCR_E_FORMAT);
	WITH_COPY(zf);                                     /* ...or more */
	rcr_store_u32le(q + 32, h.content_size - 1);
	reseal(q, zf.len);
	CHECK(known_error(decode_copy(dec, NULL, q, zf.len, NULL)));
	free(q);
	WITH_COPY(zf);                                     /* raw size disagrees with the codec */
	rcr_store_u64le(q + 24, h.raw_size + 1);
	EXPECT(zf, RCR_E_FORMAT);
	WITH_COPY(zf);
	rcr_store_u64le(q + 24, h.raw_size - 1);
	EXPECT(zf, RCR_E_FORMAT);
	WITH_COPY(zf);                                     /* row count disagrees with the content */
	rcr_store_u32le(q + 20, 2);
	EXPECT(zf, RCR_E_FORMAT);
	WITH_COPY(zf);                                     /* raw hash wrong */
	q[48] ^= 1;
	EXPECT(zf, RCR_E_CHECKSUM);
	WITH_COPY(zf);                                     /* claims no compression */
	q[5] = RCR_COMPRESSION_NONE;
	rcr_store_u32le(q + 32, h.stored_size);
	EXPECT(zf, RCR_E_FORMAT);
	WITH_COPY(zf);                                     /* corrupt zstd data */
	q[RCR_FRAME_HEADER_SIZE] ^= 0xFF;
	EXPECT(zf, RCR_E_COMPRESS);
	WITH_COPY(pf);                                     /* uncompressed content, wrong codec */
	q[4] = RCR_CODEC_VECTOR;
	EXPECT(pf, RCR_E_FORMAT);
	WITH_COPY(zf);                                     /* compressed content, wrong codec */
	q[4] = RCR_CODEC_HALFVEC;
	EXPECT(zf, RCR_E_FORMAT);
	WITH_COPY(pf);                                     /* stored bytes edited, raw hash now wrong */
	q[RCR_FRAME_HEADER_SIZE + 20] ^= 4;
	EXPECT(pf, RCR_E_CHECKSUM);
	/* A raw frame stored uncompressed is lent by rcr_frame_decode_into, never copied: its
	 * field stream is still checked, whichever way it is decoded. */
	WITH_COPY(pf);                                     /* fewer rows than its fields */
	rcr_store_u32le(q + 20, 2);
	EXPECT(pf, RCR_E_FORMAT);
	WITH_COPY(pf);                                     /* a field longer than the stream */
	rcr_store_u32le(q + RCR_FRAME_HEADER_SIZE, 0x0000ff7f);
	rcr_store_u64le(q + 48, rcr_hash64(q + RCR_FRAME_HEADER_SIZE, pf.len - RCR_FRAME_HEADER_SIZE));
	EXPECT(pf, RCR_E_FORMAT);
#undef WITH_COPY
#undef EXPECT
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&zf);
	rcr_buf_free(&pf);
	rcr_buf_free(&fields);
}

/* A decoder is reusable: after a failure, and across frames of different sizes. */
static void test_frame__decoder_reuse(void)
{
	test_rng r = {5};
	rcr_buf big = RCR_BUF_INIT, small = RCR_BUF_INIT, fb = RCR_BUF_INIT, fs = RCR_BUF_INIT;
	fx_dense_random(&big, &r, 50, 300, 4);
	fx_fields_random(&small, &r, 4, 5);
	rcr_frame_encoder *enc;
	REQUIRE_OK(rcr_frame_encoder_new(&enc, 1));
	REQUIRE_OK(rcr_frame_encode(enc, &fb, NULL, 0, 0, 0, RCR_CODEC_VECTOR, big.data, big.len, 50));
	REQUIRE_OK(rcr_frame_encode(enc, &fs, NULL, 0, 0, 1, RCR_CODEC_VECTOR, small.data, small.len, 4));
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	rcr_buf got = RCR_BUF_INIT;
	for (int round = 0; round < 2; round++) {
		CHECK_RC(decode_copy(dec, NULL, fs.data, fs.len, &got), 0);
		CHECK_MEM(got.data, got.len, small.data, small.len);
		CHECK_RC(decode_copy(dec, NULL, fb.data, fb.len - 1, &got), RCR_E_FORMAT);
		CHECK_RC(decode_copy(dec, NULL, fb.data, fb.len, &got), 0);
		CHECK_MEM(got.data, got.len, big.data, big.len);
	}
	/* The encoder is deterministic: the same chunk gives the same bytes. */
	rcr_buf again = RCR_BUF_INIT;
	REQUIRE_OK(rcr_frame_encode(enc, &again, NULL, 0, 0, 0, RCR_CODEC_VECTOR, big.data, big.len, 50));
	CHECK_MEM(again.data, again.len, fb.data, fb.len);
	rcr_frame_encoder_free(enc);
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&big);
	rcr_buf_free(&small);
	rcr_buf_free(&fb);
	rcr_buf_free(&fs);
	rcr_buf_free(&got);
	rcr_buf_free(&again);
}

/* Where each decode leaves the field stream: rcr_frame_decode always in the decoder's own
 * buffer; rcr_frame_decode_into in the caller's buffer, except a raw frame stored uncompressed,
 * whose stored bytes are the field stream and are lent, not copied. */
static void test_frame__decode_into_lends_raw(void)
{
	test_rng r = {5};
	rcr_buf fields = RCR_BUF_INIT, vec = RCR_BUF_INIT, frame = RCR_BUF_INIT, out = RCR_BUF_INIT;
	fx_fields_random(&fields, &r, 50, 40);
	fx_dense_random(&vec, &r, 20, 16, 4);
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	static const struct {
		int level;
		rcr_codec_id codec;
		int lent;
	} cases[] = {{0, RCR_CODEC_RAW, 1}, {3, RCR_CODEC_RAW, 0}, {0, RCR_CODEC_VECTOR, 0}, {3, RCR_CODEC_VECTOR, 0}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const rcr_buf *in = cases[k].codec == RCR_CODEC_RAW ? &fields : &vec;
		uint32_t count = cases[k].codec == RCR_CODEC_RAW ? 50 : 20;
		rcr_frame_encoder *enc;
		REQUIRE_OK(rcr_frame_encoder_new(&enc, cases[k].level));
		rcr_buf_reset(&frame);
		rcr_frame_header h;
		REQUIRE_OK(rcr_frame_encode(enc, &frame, &h, 0, 0, 0, cases[k].codec, in->data, in->len, count));
		CHECK_EQ_U64(h.codec, cases[k].codec);
		CHECK_EQ_U64(h.compression, cases[k].level ? RCR_COMPRESSION_ZSTD : RCR_COMPRESSION_NONE);
		const uint8_t *got;
		size_t len;
		REQUIRE_OK(rcr_frame_decode_into(dec, NULL, frame.data, frame.len, &out, &got, &len));
		CHECK_MEM(got, len, in->data, in->len);
		CHECK(got == (cases[k].lent ? frame.data + RCR_FRAME_HEADER_SIZE : out.data));
		REQUIRE_OK(rcr_frame_decode(dec, NULL, frame.data, frame.len, &got, &len));
		CHECK_MEM(got, len, in->data, in->len);
		CHECK(got != frame.data + RCR_FRAME_HEADER_SIZE && got != out.data);
		rcr_frame_encoder_free(enc);
	}
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&fields);
	rcr_buf_free(&vec);
	rcr_buf_free(&frame);
	rcr_buf_free(&out);
}

static const test_case cases[] = {
	TEST(test_frame__roundtrip_levels),
	TEST(test_frame__incompressible_stored_as_none),
	TEST(test_frame__every_bit_flip_rejected),
	TEST(test_frame__every_truncation_rejected),
	TEST(test_frame__header_layout),
	TEST(test_frame__header_rejects),
	TEST(test_frame__max_raw_limit),
	TEST(test_frame__declared_sizes_bounded_by_bytes_present),
	TEST(test_frame__resealed_lies_rejected),
	TEST(test_frame__decoder_reuse),
	TEST(test_frame__decode_into_lends_raw),
};

TEST_MAIN(cases)
