/*
 * codec.h: column codecs.
 *
 * A column chunk is the values of one column in one row group, held as a *field stream*: the
 * binary COPY field encoding of each value in row order, i.e. a big-endian int32 length (-1 for
 * NULL) followed by that many bytes. The field stream is what restore sends back to the server,
 * so it is the ground truth: every codec must reproduce it bit for bit.
 *
 * A codec turns a field stream into a smaller or more compressible *content* (before zstd) and
 * back. Codecs are plug-ins: a const vtable per codec and a registry indexed by codec id.
 * Adding one means a new file, a registry row and a spec section; tests loop over the registry.
 * A codec that cannot represent a chunk exactly (mixed dimensions, NULLs, a value with an
 * unexpected layout) returns RCR_E_UNFIT and the writer falls back to `raw`, which fits all.
 */
#ifndef RCR_CODEC_H
#define RCR_CODEC_H

#include "rcr/buf.h"

#include <stdint.h>
#include <stddef.h>

typedef enum rcr_codec_id {
	RCR_CODEC_RAW = 0,
	RCR_CODEC_VECTOR = 1,
	RCR_CODEC_HALFVEC = 2,
	RCR_CODEC_SPARSEVEC = 3,
	RCR_CODEC_FLOAT_ARRAY = 4,
	RCR_CODEC_COUNT
} rcr_codec_id;

typedef struct rcr_codec_vtbl {
	const char *name;
	rcr_codec_id id;
	/* Upper bound of the content size for a field stream of `fields_len` bytes and `count`
	 * values. Called by the writer to size dst before encode. */
	size_t (*bound)(size_t fields_len, uint32_t count);
	/* Called by the writer for a chunk whose column type matches the codec (or any chunk for
	 * raw). Must write the content into dst[0..dst_cap) and set *out_len, or return
	 * RCR_E_UNFIT without side effects when the chunk cannot be represented exactly. The field
	 * stream is trusted (it came from our own COPY parser). */
	int (*encode)(size_t *out_len, uint8_t *dst, size_t dst_cap,
		      const uint8_t *fields, size_t fields_len, uint32_t count);
	/* Called by readers with untrusted content. Must write exactly the original field stream
	 * into dst[0..dst_cap) and set *out_len, or return RCR_E_FORMAT with a message. Must never
	 * read or write out of bounds whatever the input. dst_cap is the frame's declared raw size,
	 * already bounded by the reader. */
	int (*decode)(size_t *out_len, uint8_t *dst, size_t dst_cap,
		      const uint8_t *src, size_t src_len, uint32_t count);
	/* Optional, for a codec whose content is the field stream itself (raw): called by readers
	 * instead of decode, with untrusted content of src_len bytes and the frame's declared raw
	 * size. Must check it as decode would, in place, so that the reader can use the content as
	 * the field stream without decode's copy. @return 0 or RCR_E_FORMAT with a message. */
	int (*check)(const uint8_t *src, size_t src_len, size_t raw_size, uint32_t count);
} rcr_codec_vtbl;

/* The codec for an id, or NULL if unknown. Borrowed, static. */
const rcr_codec_vtbl *rcr_codec_get(unsigned id);
/* The codec to try first for a column of the given type name (unqualified, e.g. "vector"):
 * rcr recognizes pgvector types by name, whichever extension defines them. */
rcr_codec_id rcr_codec_for_type(const char *type_name);

/* Validates a field stream: exactly `count` fields, lengths -1 or in [0, remaining].
 * @return 0 or RCR_E_FORMAT. */
int rcr_fields_check(const uint8_t *fields, size_t len, uint32_t count);

/* Steps over the field at *pos of a field stream, for encoders checking whether a chunk fits.
 * @return 1 with *val and *len set for a value of at least min_len bytes, 0 for a NULL, -1
 * when the stream ends inside the field or the value is shorter than min_len. */
static inline int rcr_field_next(const uint8_t *fields, size_t fields_len, size_t *pos, size_t min_len,
				 const uint8_t **val, size_t *len)
{
	if (fields_len - *pos < 4)
		return -1;
	int32_t n = (int32_t)rcr_load_u32be(fields + *pos);
	*pos += 4;
	if (n == -1)
		return 0;
	if (n < 0 || (size_t)n < min_len || (size_t)n > fields_len - *pos)
		return -1;
	*val = fields + *pos;
	*len = (size_t)n;
	*pos += (size_t)n;
	return 1;
}

/* The NULL bitmap the vector-like codecs share: ceil(count/8) bytes, bit i (least significant
 * first) set for a NULL value i, present only when nulls > 0. Checks untrusted content: bits
 * past the last value must be clear and exactly `nulls` bits set. @return 0 or RCR_E_FORMAT
 * naming the codec. */
int rcr_nullmap_check(const uint8_t *bits, uint32_t count, uint32_t nulls, const char *codec);
static inline size_t rcr_nullmap_size(uint32_t count, uint32_t nulls)
{
	return nulls ? ((size_t)count + 7) / 8 : 0;
}

extern const rcr_codec_vtbl rcr_codec_raw;
extern const rcr_codec_vtbl rcr_codec_vector;
extern const rcr_codec_vtbl rcr_codec_halfvec;
extern const rcr_codec_vtbl rcr_codec_sparsevec;
extern const rcr_codec_vtbl rcr_codec_float_array;

#endif
