/* codec_halfvec.c: pgvector `halfvec` columns, byte-stream-split (2-byte elements); the layout
 * and the fit rules are in dense_vector.h and format-spec/rcr-format.md. */
#include "dense_vector.h"

#include "rcr/codec.h"

static int halfvec_encode(size_t *out_len, uint8_t *dst, size_t dst_cap,
			  const uint8_t *fields, size_t fields_len, uint32_t count)
{
	return rcr_dense_encode(out_len, dst, dst_cap, fields, fields_len, count, 2, "halfvec");
}

static int halfvec_decode(size_t *out_len, uint8_t *dst, size_t dst_cap,
			  const uint8_t *src, size_t src_len, uint32_t count)
{
	return rcr_dense_decode(out_len, dst, dst_cap, src, src_len, count, 2, "halfvec");
}

const rcr_codec_vtbl rcr_codec_halfvec = {
	.name = "halfvec",
	.id = RCR_CODEC_HALFVEC,
	.bound = rcr_dense_bound,
	.encode = halfvec_encode,
	.decode = halfvec_decode,
};
