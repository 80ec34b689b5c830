/* codec_test.c: tests src/codec (the registry, rcr_fields_check, raw, vector, halfvec).
 *
 * The shared suite (test_codec__registry_*) loops over the registry, so a new codec is covered
 * by adding its registry row. The codec-specific cases pin down what the shared suite cannot
 * know: which chunks the dense codecs must accept, which they must refuse, and the exact
 * byte-stream-split layout the format spec documents. */
#include "../fixtures.h"
#include "../test.h"

#include "rcr/codec.h"
#include "rcr/frame.h"

#include <float.h>

/* A field stream with its value count and, for dense data, the element width it was built
 * with (0 for arbitrary fields). */
typedef struct chunk {
	const char *what;
	rcr_buf fields;
	uint32_t count;
	unsigned width;
} chunk;

#define MAX_CHUNKS 32

static size_t build_chunks(chunk *c)
{
	static const struct {
		uint16_t dim;
		uint32_t count;
	} shapes[] = {{1, 1}, {1, 5000}, {3, 1}, {3, 257}, {768, 1}, {768, 40}, {16000, 1}, {16000, 3}};
	test_rng r = {42};
	size_t n = 0;
	for (unsigned width = 2; width <= 4; width += 2) {
		for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
			c[n] = (chunk){width == 4 ? "vector" : "halfvec", RCR_BUF_INIT, shapes[s].count, width};
			fx_dense_random(&c[n].fields, &r, shapes[s].count, shapes[s].dim, width);
			n++;
		}
	}
	c[n] = (chunk){"one NULL", RCR_BUF_INIT, 1, 0};
	fx_field(&c[n++].fields, NULL, -1);
	c[n] = (chunk){"one empty value", RCR_BUF_INIT, 1, 0};
	fx_field(&c[n++].fields, NULL, 0);
	c[n] = (chunk){"no values", RCR_BUF_INIT, 0, 0};
	n++;
	c[n] = (chunk){"random fields", RCR_BUF_INIT, 300, 0};
	fx_fields_random(&c[n++].fields, &r, 300, 40);
	c[n] = (chunk){"random fields, single", RCR_BUF_INIT, 1, 0};
	fx_fields_random(&c[n++].fields, &r, 1, 3);
	if (n > MAX_CHUNKS)
		abort();
	return n;
}

static void free_chunks(chunk *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rcr_buf_free(&c[i].fields);
}

/* Encodes a chunk with one codec into an exactly-sized heap buffer (bound bytes). */
static int encode_exact(uint8_t **content, size_t *content_len, const rcr_codec_vtbl *codec,
			const uint8_t *fields, size_t fields_len, uint32_t count)
{
	size_t cap = codec->bound(fields_len, count);
	*content = malloc(cap ? cap : 1);
	if (!*content)
		fx_oom();
	memset(*content, 0xA5, cap);
	*content_len = 0;
	int rc = codec->encode(content_len, *content, cap, fields, fields_len, count);
	/* An unfit chunk leaves the destination as it found it. */
	if (rc == RCR_E_UNFIT) {
		for (size_t i = 0; i < cap; i++) {
			if ((*content)[i] != 0xA5) {
				rc = RCR_E_INTERNAL;
				break;
			}
		}
	}
	return rc;
}

/* Decodes into an exactly dst_cap-sized heap buffer from an exactly-sized copy of src, so any
 * overrun on either side is an ASan report. *out (owned) holds the result on success. */
static int decode_exact(uint8_t **out, size_t *out_len, const rcr_codec_vtbl *codec, size_t dst_cap,
			const uint8_t *src, size_t src_len, uint32_t count)
{
	uint8_t *s = test_dup(src, src_len);
	*out = malloc(dst_cap ? dst_cap : 1);
	if (!*out)
		fx_oom();
	*out_len = 0;
	int rc = codec->decode(out_len, *out, dst_cap, s, src_len, count);
	free(s);
	return rc;
}

static int codec_fits(const rcr_codec_vtbl *codec, const chunk *c)
{
	switch (codec->id) {
	case RCR_CODEC_RAW: return 1;
	case RCR_CODEC_VECTOR: return c->width == 4;
	case RCR_CODEC_HALFVEC: return c->width == 2;
	default: return -1;   /* a new codec: the shared suite still checks its round trip */
	}
}

static void test_codec__registry_is_consistent(void)
{
	for (unsigned id = 0; id < RCR_CODEC_COUNT; id++) {
		const rcr_codec_vtbl *codec = rcr_codec_get(id);
		REQUIRE(codec != NULL);
		CHECK_EQ_U64(codec->id, id);
		CHECK(codec->name && codec->name[0]);
		CHECK(codec->bound && codec->encode && codec->decode);
		for (unsigned j = 0; j < id; j++)
			CHECK(strcmp(rcr_codec_get(j)->name, codec->name) != 0);
	}
	CHECK(rcr_codec_get(RCR_CODEC_COUNT) == NULL);
	CHECK(rcr_codec_get(255) == NULL);
	CHECK(rcr_codec_get(0xFFFFFFFFu) == NULL);
	CHECK_EQ_U64(rcr_codec_for_type("vector"), RCR_CODEC_VECTOR);
	CHECK_EQ_U64(rcr_codec_for_type("halfvec"), RCR_CODEC_HALFVEC);
	CHECK_EQ_U64(rcr_codec_for_type("sparsevec"), RCR_CODEC_SPARSEVEC);
	CHECK_EQ_U64(rcr_codec_for_type("float4"), RCR_CODEC_RAW);
	CHECK_EQ_U64(rcr_codec_for_type(""), RCR_CODEC_RAW);
}

/* Every codec: a chunk it accepts decodes back to the identical field stream, the content
 * fits the bound, a destination one byte short is refused, and a different value count never
 * reproduces the stream. Chunks a codec must not represent return UNFIT untouched. */
static void test_codec__registry_roundtrip(void)
{
	chunk chunks[MAX_CHUNKS];
	size_t n = build_chunks(chunks);
	for (unsigned id = 0; id < RCR_CODEC_COUNT; id++) {
		const rcr_codec_vtbl *codec = rcr_codec_get(id);
		for (size_t i = 0; i < n; i++) {
			const chunk *c = &chunks[i];
			uint8_t *content;
			size_t content_len;
			int rc = encode_exact(&content, &content_len, codec, c->fields.data, c->fields.len, c->count);
			int fits = codec_fits(codec, c);
			if (fits == 1 && rc != 0)
				fprintf(stderr, "codec %s, chunk '%s' (%u values)\n", codec->name, c->what, c->count);
			if (fits == 1)
				CHECK_RC(rc, 0);
			else if (fits == 0)
				CHECK_RC(rc, RCR_E_UNFIT);
			if (rc != 0) {
				CHECK(rc == RCR_E_UNFIT);
				free(content);
				continue;
			}
			CHECK(content_len <= codec->bound(c->fields.len, c->count));

			uint8_t *out;
			size_t out_len;
			CHECK_RC(decode_exact(&out, &out_len, codec, c->fields.len, content, content_len, c->count), 0);
			CHECK_MEM(out, out_len, c->fields.data, c->fields.len);
			free(out);

			if (c->fields.len > 0) {
				CHECK_RC(decode_exact(&out, &out_len, codec, c->fields.len - 1, content, content_len,
						      c->count), RCR_E_FORMAT);
				free(out);
			}
			uint32_t other[] = {c->count + 1, c->count - 1, c->count * 2};
			for (size_t k = 0; k < sizeof other / sizeof other[0]; k++) {
				if (other[k] == c->count)
					continue;
				int drc = decode_exact(&out, &out_len, codec, c->fields.len + 64, content, content_len,
						       other[k]);
				CHECK(drc == RCR_E_FORMAT ||
				      (drc == 0 && (out_len != c->fields.len || memcmp(out, c->fields.data, out_len) != 0)));
				free(out);
			}
			free(content);
		}
	}
	free_chunks(chunks, n);
}

/* Every codec: every truncation of a valid content is refused with RCR_E_FORMAT, without
 * reading past the truncated input (exact-size heap copies; ASan). Large contents are sampled. */
static void test_codec__registry_truncated_content(void)
{
	chunk chunks[MAX_CHUNKS];
	size_t n = build_chunks(chunks);
	for (unsigned id = 0; id < RCR_CODEC_COUNT; id++) {
		const rcr_codec_vtbl *codec = rcr_codec_get(id);
		for (size_t i = 0; i < n; i++) {
			const chunk *c = &chunks[i];
			uint8_t *content, *out;
			size_t content_len, out_len;
			if (encode_exact(&content, &content_len, codec, c->fields.data, c->fields.len, c->count) != 0) {
				free(content);
				continue;
			}
			size_t step = content_len > 4096 ? content_len / 997 + 1 : 1;
			for (size_t cut = 0; cut < content_len; cut += step) {
				CHECK_RC(decode_exact(&out, &out_len, codec, c->fields.len, content, cut, c->count),
					 RCR_E_FORMAT);
				free(out);
			}
			free(content);
		}
	}
	free_chunks(chunks, n);
}

/* The worked example of the format spec, "Vector codecs": two vectors of dimension 2,
 * [1,2] and [3,4], float32 big-endian on the wire:
 *   field stream: 0000000c 0002 0000 3f800000 40000000   0000000c 0002 0000 40400000 40800000
 *   content:      02000000 (Dim, u32le)
 *                 3f404040 (plane 0: byte 0 of 1.0, 2.0, 3.0, 4.0)
 *                 80004080 (plane 1)
 *                 00000000 (plane 2)
 *                 00000000 (plane 3) */
static void test_codec__vector_worked_example(void)
{
	static const uint8_t fields[] = {
		0x00, 0x00, 0x00, 0x0c, 0x00, 0x02, 0x00, 0x00, 0x3f, 0x80, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x0c, 0x00, 0x02, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x40, 0x80, 0x00, 0x00,
	};
	static const uint8_t expect[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x40, 0x40, 0x40, 0x80, 0x00, 0x40, 0x80,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	/* The wire values really are 1, 2, 3, 4. */
	float want[4] = {1, 2, 3, 4};
	for (int i = 0; i < 4; i++) {
		uint32_t bits;
		memcpy(&bits, &want[i], 4);
		CHECK_EQ_U64(rcr_load_u32be(fields + 8 + (i / 2) * 16 + (i % 2) * 4), bits);
	}
	uint8_t *content, *out;
	size_t content_len, out_len;
	REQUIRE_OK(encode_exact(&content, &content_len, &rcr_codec_vector, fields, sizeof fields, 2));
	CHECK_MEM(content, content_len, expect, sizeof expect);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_vector, sizeof fields, expect, sizeof expect, 2), 0);
	CHECK_MEM(out, out_len, fields, sizeof fields);
	free(out);
	free(content);
}

/* halfvec [1,2],[3,4] (0x3c00 0x4000 0x4200 0x4400): content = 02000000 00000000, plane 0 3c404244,
 * plane 1 00000000. */
static void test_codec__halfvec_worked_example(void)
{
	static const uint8_t fields[] = {
		0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x3c, 0x00, 0x40, 0x00,
		0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x42, 0x00, 0x44, 0x00,
	};
	static const uint8_t expect[] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					 0x3c, 0x40, 0x42, 0x44, 0x00, 0x00, 0x00, 0x00};
	uint8_t *content, *out;
	size_t content_len, out_len;
	REQUIRE_OK(encode_exact(&content, &content_len, &rcr_codec_halfvec, fields, sizeof fields, 2));
	CHECK_MEM(content, content_len, expect, sizeof expect);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_halfvec, sizeof fields, expect, sizeof expect, 2), 0);
	CHECK_MEM(out, out_len, fields, sizeof fields);
	free(out);
	free(content);
}

/* Plane k must hold byte k of every element, values in row order: checked on random data
 * against a direct computation, not just by round trip. Dimensions below, at and past a
 * multiple of 16 (the encoder splits 16 elements at a time where it can, the rest one by
 * one). */
static void test_codec__dense_plane_layout(void)
{
	test_rng r = {7};
	static const uint16_t dims[] = {9, 16, 37};
	for (unsigned t = 0; t < 2 * sizeof dims / sizeof dims[0]; t++) {
		unsigned width = t % 2 ? 4 : 2;
		rcr_buf b = RCR_BUF_INIT;
		const uint32_t count = 5;
		const uint16_t dim = dims[t / 2];
		fx_dense_random(&b, &r, count, dim, width);
		const rcr_codec_vtbl *codec = width == 4 ? &rcr_codec_vector : &rcr_codec_halfvec;
		uint8_t *content;
		size_t content_len;
		REQUIRE_OK(encode_exact(&content, &content_len, codec, b.data, b.len, count));
		size_t n = (size_t)count * dim;
		CHECK_EQ_U64(content_len, 8 + n * width);
		CHECK_EQ_U64(rcr_load_u32le(content), dim);
		CHECK_EQ_U64(rcr_load_u32le(content + 4), 0);
		for (uint32_t i = 0; i < count; i++)
			for (uint32_t j = 0; j < dim; j++)
				for (unsigned k = 0; k < width; k++)
					CHECK_EQ_U64(content[8 + k * n + i * dim + j],
						     b.data[i * (8 + dim * width) + 8 + j * width + k]);
		free(content);
		rcr_buf_free(&b);
	}
}

/* Every special float (NaN payloads, -0.0, infinities, denormals, FLT_MAX) survives bit for
 * bit, alone in a dim-1 vector and together in one vector, in both dense codecs. */
static void test_codec__dense_special_values(void)
{
	float fl[] = {-0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN, -FLT_TRUE_MIN};
	uint32_t bits[64];
	size_t nb = 0;
	for (size_t i = 0; i < sizeof fx_float_specials / sizeof fx_float_specials[0]; i++)
		bits[nb++] = fx_float_specials[i];
	for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
		memcpy(&bits[nb++], &fl[i], 4);

	for (unsigned width = 2; width <= 4; width += 2) {
		const rcr_codec_vtbl *codec = width == 4 ? &rcr_codec_vector : &rcr_codec_halfvec;
		size_t ns = width == 4 ? nb : sizeof fx_half_specials / sizeof fx_half_specials[0];
		uint8_t elems[256];
		for (size_t i = 0; i < ns; i++) {
			if (width == 4)
				rcr_store_u32be(elems + i * 4, bits[i]);
			else
				rcr_store_u16be(elems + i * 2, fx_half_specials[i]);
		}
		rcr_buf b = RCR_BUF_INIT;
		for (size_t i = 0; i < ns; i++)
			fx_dense_value(&b, 1, width, elems + i * width);
		uint8_t *content, *out;
		size_t content_len, out_len;
		REQUIRE_OK(encode_exact(&content, &content_len, codec, b.data, b.len, (uint32_t)ns));
		CHECK_RC(decode_exact(&out, &out_len, codec, b.len, content, content_len, (uint32_t)ns), 0);
		CHECK_MEM(out, out_len, b.data, b.len);
		free(out);
		free(content);

		rcr_buf_reset(&b);
		fx_dense_value(&b, (uint16_t)ns, width, elems);
		fx_dense_value(&b, (uint16_t)ns, width, elems);
		REQUIRE_OK(encode_exact(&content, &content_len, codec, b.data, b.len, 2));
		CHECK_RC(decode_exact(&out, &out_len, codec, b.len, content, content_len, 2), 0);
		CHECK_MEM(out, out_len, b.data, b.len);
		free(out);
		free(content);
		rcr_buf_free(&b);
	}
}

/* Chunks the dense codecs must refuse, each otherwise a valid vector chunk of dim 3. */
static void test_codec__dense_unfit(void)
{
	/* dim-3 elements, padded so that the "extra byte" variants can read past them */
	static const uint8_t e[32] = {0x3f, 0x80, 0, 0, 0x40, 0, 0, 0, 0x40, 0x40, 0, 0};
	for (unsigned width = 2; width <= 4; width += 2) {
		const rcr_codec_vtbl *codec = width == 4 ? &rcr_codec_vector : &rcr_codec_halfvec;
		rcr_buf b = RCR_BUF_INIT;
		uint8_t *content;
		size_t content_len;
		const uint32_t vlen = 4 + 3 * width;

		/* Control: the unmodified chunk fits, so each refusal below is due to its one change. */
		fx_dense_value(&b, 3, width, e);
		fx_dense_value(&b, 3, width, e);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), 0);
		free(content);

		/* mixed dimensions */
		rcr_buf_reset(&b);
		fx_dense_value(&b, 3, width, e);
		fx_dense_value(&b, 2, width, e);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);
		rcr_buf_reset(&b);
		fx_dense_value(&b, 2, width, e);
		fx_dense_value(&b, 2, width, e);
		fx_dense_value(&b, 3, width, e);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 3), RCR_E_UNFIT);
		free(content);

		/* NULLs alone (no value to take the dimension from) do not fit */
		rcr_buf_reset(&b);
		fx_field(&b, NULL, -1);
		fx_field(&b, NULL, -1);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);
		/* a NULL where a same-sized value would have made the total length right */
		rcr_buf_reset(&b);
		fx_dense_value(&b, 3, width, e);
		fx_field(&b, NULL, -1);
		fx_put(&b, e, vlen);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);

		/* non-zero unused word in the second value */
		rcr_buf_reset(&b);
		fx_dense_value(&b, 3, width, e);
		fx_dense_value(&b, 3, width, e);
		b.data[vlen + 4 + 7] = 1;
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);
		b.data[vlen + 4 + 7] = 0;
		b.data[vlen + 4 + 6] = 0x80;
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);

		/* a length that disagrees with the dimension: one extra byte in every value */
		rcr_buf_reset(&b);
		for (int v = 0; v < 2; v++) {
			fx_put_u32be(&b, vlen + 1);
			fx_put_u16be(&b, 3);
			fx_put_u16be(&b, 0);
			fx_put(&b, e, 3 * width + 1);
		}
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);
		/* an empty value and a value too short for its header */
		rcr_buf_reset(&b);
		fx_field(&b, NULL, 0);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 1), RCR_E_UNFIT);
		free(content);
		rcr_buf_reset(&b);
		fx_field(&b, e, 2);
		fx_field(&b, e, 2);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 2), RCR_E_UNFIT);
		free(content);

		/* count 0, and a count that disagrees with the stream */
		rcr_buf_reset(&b);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, 0, 0), RCR_E_UNFIT);
		free(content);
		fx_dense_value(&b, 3, width, e);
		fx_dense_value(&b, 3, width, e);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 0), RCR_E_UNFIT);
		free(content);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 1), RCR_E_UNFIT);
		free(content);
		CHECK_RC(encode_exact(&content, &content_len, codec, b.data, b.len, 3), RCR_E_UNFIT);
		free(content);
		rcr_buf_free(&b);
	}
}

/* rcr_frame_encode with a dense preference on an unfit chunk falls back to raw and the frame
 * still decodes to the identical stream; on a fitting chunk (NULLs included) it keeps the dense
 * codec. */
static void test_codec__unfit_falls_back_to_raw(void)
{
	static const uint8_t e[16] = {0x3f, 0x80, 0, 0, 0x40, 0, 0, 0};
	static const char *const what[] = {
		"fits", "mixed dims", "a NULL (fits)", "unused != 0", "wrong length", "count 0",
	};
	rcr_frame_encoder *enc;
	rcr_frame_decoder *dec;
	REQUIRE_OK(rcr_frame_encoder_new(&enc, 3));
	REQUIRE_OK(rcr_frame_decoder_new(&dec, 1 << 20));
	for (unsigned width = 2; width <= 4; width += 2) {
		rcr_codec_id pref = width == 4 ? RCR_CODEC_VECTOR : RCR_CODEC_HALFVEC;
		for (int variant = 0; variant < 6; variant++) {
			rcr_buf fields = RCR_BUF_INIT, frame = RCR_BUF_INIT;
			uint32_t count = 3;
			if (variant == 5) {
				count = 0;
			} else {
				fx_dense_value(&fields, 2, width, e);
				if (variant == 0) {
					fx_dense_value(&fields, 2, width, e);
				} else if (variant == 1) {
					fx_dense_value(&fields, 1, width, e);
				} else if (variant == 2) {
					fx_field(&fields, NULL, -1);
				} else if (variant == 3) {
					fx_field(&fields, "\0\2\0\1abcdefgh", 4 + 2 * (int32_t)width);
				} else {
					fx_put_u32be(&fields, 4 + 2 * width + 1);
					fx_put_u16be(&fields, 2);
					fx_put_u16be(&fields, 0);
					fx_put(&fields, e, 2 * width + 1);
				}
				fx_dense_value(&fields, 2, width, e);
			}
			rcr_frame_header h;
			REQUIRE_OK(rcr_frame_encode(enc, &frame, &h, 1, 2, 3, pref, fields.data, fields.len, count));
			if (h.codec != (variant == 0 || variant == 2 ? pref : RCR_CODEC_RAW))
				fprintf(stderr, "width %u, %s: codec %u\n", width, what[variant], h.codec);
			CHECK_EQ_U64(h.codec, variant == 0 || variant == 2 ? pref : RCR_CODEC_RAW);
			CHECK_EQ_U64(h.row_count, count);
			const uint8_t *got;
			size_t got_len;
			rcr_frame_header dh;
			CHECK_RC(rcr_frame_decode(dec, &dh, frame.data, frame.len, &got, &got_len), 0);
			CHECK_MEM(got, got_len, fields.data, fields.len);
			CHECK_EQ_U64(dh.codec, h.codec);
			rcr_buf_free(&fields);
			rcr_buf_free(&frame);
		}
	}
	rcr_frame_encoder_free(enc);
	rcr_frame_decoder_free(dec);
}

/* Malformed dense content: each is refused with RCR_E_FORMAT, never decoded. */
static void test_codec__dense_decode_rejects(void)
{
	for (unsigned width = 2; width <= 4; width += 2) {
		const rcr_codec_vtbl *codec = width == 4 ? &rcr_codec_vector : &rcr_codec_halfvec;
		uint8_t *out;
		size_t out_len;
		rcr_buf c = RCR_BUF_INIT;
		uint8_t zero[32] = {0};

		/* shorter than the Dim + Null_Count header */
		for (size_t n = 0; n < 8; n++) {
			CHECK_RC(decode_exact(&out, &out_len, codec, 1024, zero, n, 1), RCR_E_FORMAT);
			free(out);
		}
		/* Dim above 65535, with exactly the bytes it would need for one value */
		rcr_buf_append_u32le(&c, 0x10000);
		rcr_buf_append_u32le(&c, 0);
		uint8_t *planes = calloc(0x10000, width);
		REQUIRE(planes != NULL);
		fx_put(&c, planes, (size_t)0x10000 * width);
		free(planes);
		CHECK_RC(decode_exact(&out, &out_len, codec, (size_t)0x10000 * width + 64, c.data, c.len, 1),
			 RCR_E_FORMAT);
		free(out);
		rcr_store_u32le(c.data, 0xFFFFFFFFu);
		CHECK_RC(decode_exact(&out, &out_len, codec, 1 << 20, c.data, 8, 0), RCR_E_FORMAT);
		free(out);

		/* sizes that do not match (count - nulls) * dim * width */
		rcr_buf_reset(&c);
		rcr_buf_append_u32le(&c, 3);
		rcr_buf_append_u32le(&c, 0);
		fx_put(&c, zero, 3 * width * 2);                  /* exactly 2 values of dim 3 */
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len, 2), 0);
		free(out);
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len - 1, 2), RCR_E_FORMAT);
		free(out);
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len - width, 2), RCR_E_FORMAT);
		free(out);
		fx_put(&c, zero, 1);
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len, 2), RCR_E_FORMAT);
		free(out);
		c.len--;
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len, 3), RCR_E_FORMAT);
		free(out);
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len, 0xFFFFFFFFu), RCR_E_FORMAT);
		free(out);
		/* more NULLs than values, all values NULL, and a bitmap that disagrees with Null_Count */
		rcr_store_u32le(c.data + 4, 3);
		CHECK_RC(decode_exact(&out, &out_len, codec, 1024, c.data, c.len, 2), RCR_E_FORMAT);
		free(out);
		{
			static const uint8_t all_null[] = {3, 0, 0, 0, 2, 0, 0, 0, 0x03};
			CHECK_RC(decode_exact(&out, &out_len, codec, 1024, all_null, sizeof all_null, 2), RCR_E_FORMAT);
			free(out);
		}
		{
			rcr_buf nb = RCR_BUF_INIT;
			rcr_buf_append_u32le(&nb, 3);
			rcr_buf_append_u32le(&nb, 1);
			rcr_buf_append_u8(&nb, 0x03);             /* marks two NULLs, header says one */
			fx_put(&nb, zero, 3 * width);
			CHECK_RC(decode_exact(&out, &out_len, codec, 1024, nb.data, nb.len, 2), RCR_E_FORMAT);
			free(out);
			nb.data[8] = 0x04;                        /* a bit past the last of 2 values */
			CHECK_RC(decode_exact(&out, &out_len, codec, 1024, nb.data, nb.len, 2), RCR_E_FORMAT);
			free(out);
			nb.data[8] = 0x02;                        /* value 1 NULL: valid */
			CHECK_RC(decode_exact(&out, &out_len, codec, 1024, nb.data, nb.len, 2), 0);
			CHECK_EQ_U64(out_len, (8 + 3 * width) + 4);
			CHECK_EQ_U64(rcr_load_u32be(out + 8 + 3 * width), 0xFFFFFFFFu);
			free(out);
			rcr_buf_free(&nb);
		}
		rcr_store_u32le(c.data + 4, 0);
		/* a destination smaller than the declared values */
		CHECK_RC(decode_exact(&out, &out_len, codec, 2 * (8 + 3 * width) - 1, c.data, c.len, 2), RCR_E_FORMAT);
		free(out);
		CHECK_RC(decode_exact(&out, &out_len, codec, 0, c.data, c.len, 2), RCR_E_FORMAT);
		free(out);
		rcr_buf_free(&c);
	}
}

static void test_codec__raw_decode_rejects(void)
{
	rcr_buf f = RCR_BUF_INIT;
	uint8_t *out;
	size_t out_len;
	fx_field(&f, "abc", 3);
	fx_field(&f, NULL, -1);
	fx_field(&f, NULL, 0);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len, f.data, f.len, 3), 0);
	CHECK_MEM(out, out_len, f.data, f.len);
	free(out);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len - 1, f.data, f.len, 3), RCR_E_FORMAT);
	free(out);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len, f.data, f.len, 2), RCR_E_FORMAT);
	free(out);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len + 8, f.data, f.len, 4), RCR_E_FORMAT);
	free(out);
	/* a length of -2 and a length running past the end */
	rcr_store_u32be(f.data, 0xFFFFFFFEu);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len, f.data, f.len, 3), RCR_E_FORMAT);
	free(out);
	rcr_store_u32be(f.data, 0x7FFFFFFFu);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len, f.data, f.len, 3), RCR_E_FORMAT);
	free(out);
	rcr_store_u32be(f.data, 4);   /* swallows the NULL's length word: fields end misaligned */
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_raw, f.len, f.data, f.len, 3), RCR_E_FORMAT);
	free(out);
	rcr_buf_free(&f);
}

static void test_codec__fields_check(void)
{
	rcr_buf f = RCR_BUF_INIT;
	CHECK_RC(rcr_fields_check(NULL, 0, 0), 0);
	CHECK_RC(rcr_fields_check(NULL, 0, 1), RCR_E_FORMAT);
	fx_field(&f, NULL, -1);
	fx_field(&f, "", 0);
	fx_field(&f, "xy", 2);
	uint8_t *d = test_dup(f.data, f.len);
	CHECK_RC(rcr_fields_check(d, f.len, 3), 0);
	CHECK_RC(rcr_fields_check(d, f.len, 2), RCR_E_FORMAT);    /* trailing bytes */
	CHECK_RC(rcr_fields_check(d, f.len, 4), RCR_E_FORMAT);    /* one value missing */
	for (size_t cut = 0; cut < f.len; cut++) {
		uint8_t *t = test_dup(f.data, cut);
		CHECK_RC(rcr_fields_check(t, cut, 3), RCR_E_FORMAT);
		free(t);
	}
	rcr_store_u32be(d + 8, 0x80000000u);                       /* INT32_MIN */
	CHECK_RC(rcr_fields_check(d, f.len, 3), RCR_E_FORMAT);
	rcr_store_u32be(d + 8, 3);                                 /* past the end */
	CHECK_RC(rcr_fields_check(d, f.len, 3), RCR_E_FORMAT);
	free(d);
	rcr_buf_free(&f);
}

/* One sparsevec value in pgvector's binary form: dim, nnz, unused 0, indices, values. */
static void sparse_value(rcr_buf *b, uint32_t dim, uint32_t nnz, const uint32_t *idx, const uint32_t *val_bits)
{
	fx_put_u32be(b, 12 + 8 * nnz);
	fx_put_u32be(b, dim);
	fx_put_u32be(b, nnz);
	fx_put_u32be(b, 0);
	for (uint32_t k = 0; k < nnz; k++)
		fx_put_u32be(b, idx[k]);
	for (uint32_t k = 0; k < nnz; k++)
		fx_put_u32be(b, val_bits[k]);
}

/* {1:1.5,3:2}/5 (pgvector text, 1-based) = dim 5, indices 0 and 2, values 1.5 and 2.0:
 * content = Null_Count 00000000, Dim 05000000, Nnz 02000000, index-delta planes (deltas 0, 2)
 * 0000 0000 0000 0002, value planes (3fc00000, 40000000) 3f40 c000 0000 0000. */
static void test_codec__sparsevec_worked_example(void)
{
	rcr_buf f = RCR_BUF_INIT;
	sparse_value(&f, 5, 2, (const uint32_t[]){0, 2}, (const uint32_t[]){0x3fc00000, 0x40000000});
	static const uint8_t expect[] = {
		0, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x3f, 0x40, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t *content, *out;
	size_t content_len, out_len;
	REQUIRE_OK(encode_exact(&content, &content_len, &rcr_codec_sparsevec, f.data, f.len, 1));
	CHECK_MEM(content, content_len, expect, sizeof expect);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_sparsevec, f.len, expect, sizeof expect, 1), 0);
	CHECK_MEM(out, out_len, f.data, f.len);
	free(out);
	free(content);
	rcr_buf_free(&f);
}

/* Random chunks (NULLs, nnz 0..60, dims up to 1e9, ascending and unordered indices, any float
 * bits) round-trip; truncated content is refused; unfit chunks are reported as such. */
static void test_codec__sparsevec_roundtrip(void)
{
	test_rng r = {99};
	for (int round = 0; round < 200; round++) {
		rcr_buf f = RCR_BUF_INIT;
		uint32_t count = 1 + test_rng_below(&r, 40), nonnull = 0;
		for (uint32_t i = 0; i < count; i++) {
			if (test_rng_below(&r, 5) == 0) {
				fx_field(&f, NULL, -1);
				continue;
			}
			nonnull++;
			uint32_t nnz = test_rng_below(&r, 61), idx[60], val[60];
			uint32_t dim = 1 + test_rng_below(&r, 1000000000u), at = 0;
			for (uint32_t k = 0; k < nnz; k++) {
				at += 1 + test_rng_below(&r, 1000);
				idx[k] = round % 7 == 0 ? (uint32_t)test_rng_next(&r) : at;
				val[k] = (uint32_t)test_rng_next(&r);
			}
			sparse_value(&f, dim, nnz, idx, val);
		}
		uint8_t *content, *out;
		size_t content_len, out_len;
		int rc = encode_exact(&content, &content_len, &rcr_codec_sparsevec, f.data, f.len, count);
		if (nonnull == 0) {
			CHECK_RC(rc, RCR_E_UNFIT);
		} else {
			CHECK_RC(rc, 0);
			CHECK(content_len <= rcr_codec_sparsevec.bound(f.len, count));
			CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_sparsevec, f.len, content, content_len, count), 0);
			CHECK_MEM(out, out_len, f.data, f.len);
			free(out);
			for (size_t cut = 0; cut < content_len; cut += 1 + content_len / 16) {
				CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_sparsevec, f.len, content, cut, count),
					 RCR_E_FORMAT);
				free(out);
			}
		}
		free(content);
		rcr_buf_free(&f);
	}
	/* unfit: unused != 0, a length that disagrees with nnz, a value too short for its header */
	rcr_buf f = RCR_BUF_INIT;
	uint8_t *content;
	size_t content_len;
	sparse_value(&f, 5, 1, (const uint32_t[]){1}, (const uint32_t[]){0x3f800000});
	f.data[15] = 1;
	CHECK_RC(encode_exact(&content, &content_len, &rcr_codec_sparsevec, f.data, f.len, 1), RCR_E_UNFIT);
	free(content);
	f.data[15] = 0;
	f.data[11] = 2;
	CHECK_RC(encode_exact(&content, &content_len, &rcr_codec_sparsevec, f.data, f.len, 1), RCR_E_UNFIT);
	free(content);
	rcr_buf_reset(&f);
	fx_field(&f, "\0\0\0\5\0\0\0\0", 8);
	CHECK_RC(encode_exact(&content, &content_len, &rcr_codec_sparsevec, f.data, f.len, 1), RCR_E_UNFIT);
	free(content);
	rcr_buf_free(&f);
}

/* One 1-D float array in array_send's form: ndim 1, no NULL elements, element type, length,
 * lower bound, then each element as be32 width + bytes. */
static void float_array_value(rcr_buf *b, uint32_t elem, uint32_t lbound, uint32_t len, const uint8_t *bytes,
			      unsigned width)
{
	fx_put_u32be(b, 20 + len * (4 + width));
	fx_put_u32be(b, 1);
	fx_put_u32be(b, 0);
	fx_put_u32be(b, elem);
	fx_put_u32be(b, len);
	fx_put_u32be(b, lbound);
	for (uint32_t k = 0; k < len; k++) {
		fx_put_u32be(b, width);
		fx_put(b, bytes + (size_t)k * width, width);
	}
}

/* real[] {1,2} and {3,4}: content = Null_Count 0, Elem_Type 700, Length 2, Lower_Bound 1, then
 * the planes 3f404040 80004080 00000000 00000000 (as the vector example). */
static void test_codec__float_array_worked_example(void)
{
	static const uint8_t e1[] = {0x3f, 0x80, 0, 0, 0x40, 0, 0, 0}, e2[] = {0x40, 0x40, 0, 0, 0x40, 0x80, 0, 0};
	static const uint8_t expect[] = {
		0, 0, 0, 0, 0xbc, 0x02, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0,
		0x3f, 0x40, 0x40, 0x40, 0x80, 0x00, 0x40, 0x80, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	rcr_buf f = RCR_BUF_INIT;
	float_array_value(&f, 700, 1, 2, e1, 4);
	float_array_value(&f, 700, 1, 2, e2, 4);
	uint8_t *content, *out;
	size_t content_len, out_len;
	REQUIRE_OK(encode_exact(&content, &content_len, &rcr_codec_float_array, f.data, f.len, 2));
	CHECK_MEM(content, content_len, expect, sizeof expect);
	CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_float_array, f.len, expect, sizeof expect, 2), 0);
	CHECK_MEM(out, out_len, f.data, f.len);
	free(out);
	free(content);
	rcr_buf_free(&f);
}

/* Random float4[]/float8[] chunks with NULL values round-trip; truncations are refused; unfit
 * shapes (two lengths, a NULL element, 2-D, another element type) are reported as such. */
static void test_codec__float_array_roundtrip(void)
{
	test_rng r = {5};
	uint8_t bytes[8 * 100];
	for (int round = 0; round < 100; round++) {
		unsigned width = round % 2 ? 8 : 4;
		uint32_t elem = width == 8 ? 701 : 700, len = test_rng_below(&r, 100), count = 1 + test_rng_below(&r, 30);
		rcr_buf f = RCR_BUF_INIT;
		uint32_t nonnull = 0;
		for (uint32_t i = 0; i < count; i++) {
			if (test_rng_below(&r, 4) == 0) {
				fx_field(&f, NULL, -1);
				continue;
			}
			nonnull++;
			test_rng_fill(&r, bytes, (size_t)len * width);
			float_array_value(&f, elem, 1, len, bytes, width);
		}
		uint8_t *content, *out;
		size_t content_len, out_len;
		int rc = encode_exact(&content, &content_len, &rcr_codec_float_array, f.data, f.len, count);
		if (!nonnull) {
			CHECK_RC(rc, RCR_E_UNFIT);
		} else {
			CHECK_RC(rc, 0);
			CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_float_array, f.len, content, content_len, count), 0);
			CHECK_MEM(out, out_len, f.data, f.len);
			free(out);
			for (size_t cut = 0; cut < content_len; cut += 1 + content_len / 8) {
				CHECK_RC(decode_exact(&out, &out_len, &rcr_codec_float_array, f.len, content, cut, count),
					 RCR_E_FORMAT);
				free(out);
			}
		}
		free(content);
		rcr_buf_free(&f);
	}
	memset(bytes, 0x11, sizeof bytes);
	for (int variant = 0; variant < 4; variant++) {
		rcr_buf f = RCR_BUF_INIT;
		uint8_t *content;
		size_t content_len;
		float_array_value(&f, 700, 1, 3, bytes, 4);
		if (variant == 0)
			float_array_value(&f, 700, 1, 4, bytes, 4);        /* another length */
		else if (variant == 1)
			float_array_value(&f, 23, 1, 3, bytes, 4);         /* int4[] */
		else if (variant == 2)
			float_array_value(&f, 700, 0, 3, bytes, 4);        /* another lower bound */
		else {
			float_array_value(&f, 700, 1, 3, bytes, 4);
			rcr_store_u32be(f.data + 48 + 8, 1);               /* second value: has_nulls set */
		}
		CHECK_RC(encode_exact(&content, &content_len, &rcr_codec_float_array, f.data, f.len, 2), RCR_E_UNFIT);
		free(content);
		rcr_buf_free(&f);
	}
}

static const test_case cases[] = {
	TEST(test_codec__float_array_worked_example),
	TEST(test_codec__float_array_roundtrip),
	TEST(test_codec__sparsevec_worked_example),
	TEST(test_codec__sparsevec_roundtrip),
	TEST(test_codec__registry_is_consistent),
	TEST(test_codec__registry_roundtrip),
	TEST(test_codec__registry_truncated_content),
	TEST(test_codec__vector_worked_example),
	TEST(test_codec__halfvec_worked_example),
	TEST(test_codec__dense_plane_layout),
	TEST(test_codec__dense_special_values),
	TEST(test_codec__dense_unfit),
	TEST(test_codec__unfit_falls_back_to_raw),
	TEST(test_codec__dense_decode_rejects),
	TEST(test_codec__raw_decode_rejects),
	TEST(test_codec__fields_check),
};

TEST_MAIN(cases)
