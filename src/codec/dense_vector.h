/*
 * dense_vector.h: shared body of the `vector` and `halfvec` codecs (private to src/codec).
 *
 * pgvector's binary form of a dense vector is int16 dim, int16 unused (0), then dim elements of
 * `width` bytes, big-endian. A chunk fits when it has at least one non-NULL value and every
 * non-NULL value has the same dim, unused 0 and length exactly 4 + dim * width. (Apps often
 * leave embeddings NULL until a model has run, so NULLs must not cost the whole chunk its
 * codec.) The content is then
 *   u32le Dim, u32le Null_Count, a NULL bitmap of ceil(count/8) bytes only when Null_Count > 0
 *   (bit i, least significant first, set for a NULL value i), then `width` planes of
 *   (count - Null_Count) * dim bytes each: plane k holds byte k (in wire order) of every
 *   element of the non-NULL values, values in row order, elements in dimension order.
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
