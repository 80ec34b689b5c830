/* codec_vector.c: pgvector `vector` columns, byte-stream-split (4-byte elements); the layout
 * and the fit rules are in dense_vector.h and format-spec/rcr-format.md. */
#include "dense_vector.h"

#include "rcr/codec.h"

static int vector_encode(size_t *out_len, uint8_t *dst, size_t dst_cap,
			  const uint8_t *fields, size_t fields_len, uint32_t count)
{
	return rcr_dense_encode(out_len, dst, dst_cap, fields, fields_len, count, 4, "vector");
}

static int vector_decode(size_t *out_len, uint8_t *dst, size_t dst_cap,
			  const uint8_t *src, size_t src_len, uint32_t count)
{
	return rcr_dense_decode(out_len, dst, dst_cap, src, src_len, count, 4, "vector");
}

const rcr_codec_vtbl rcr_codec_vector = {
	.name = "vector",
	.id = RCR_CODEC_VECTOR,
	.bound = rcr_dense_bound,
	.encode = vector_encode,
	.decode = vector_decode,
};
