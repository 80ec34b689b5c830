/*
 * dense_vector.h: shared body of the `vector` and `halfvec` codecs (private to src/codec).
 *
 * pgvector's binary form of a dense vector is int16 dim, int16 unused (0), then dim elements of
 * `width` bytes, big-endian. A chunk fits when every value is non-NULL, every value has the same
 * dim, unused is 0 and the length is exactly 4 + dim * width. The content is then
 *   u32le Dim, followed by `width` planes of count*dim bytes each: plane k holds byte k (in
 *   wire order) of every element, values in row order, elements in dimension order.
 * This is byte-stream-split: sign/exponent bytes land together and compress; float16-origin
 * values stored as float32 have their 13 low mantissa bits zero, so plane 3 is all zero and
 * plane 2 nearly constant, and zstd all but removes them.
 */
#ifndef RCR_DENSE_VECTOR_H
#define RCR_DENSE_VECTOR_H

#include <stddef.h>
#include <stdint.h>

size_t rcr_dense_bound(size_t fields_len, uint32_t count);
int rcr_dense_encode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *fields,
		     size_t fields_len, uint32_t count, unsigned width, const char *codec);
int rcr_dense_decode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *src,
		     size_t src_len, uint32_t count, unsigned width, const char *codec);

#endif
