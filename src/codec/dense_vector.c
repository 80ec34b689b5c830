/* dense_vector.c: byte-stream-split of fixed-dimension pgvector values (see dense_vector.h). */
#include "dense_vector.h"

#include "rcr/buf.h"
#include "rcr/err.h"

size_t rcr_dense_bound(size_t fields_len, uint32_t count)
{
	(void)count;
	/* content = 4 + count*dim*width <= fields_len (each value loses 8 header bytes). */
	return fields_len + 4;
}

int rcr_dense_encode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *fields,
		     size_t fields_len, uint32_t count, unsigned width, const char *codec)
{
	if (count == 0 || fields_len < 8)
		return RCR_E_UNFIT;
	int32_t len0 = (int32_t)rcr_load_u32be(fields);
	if (len0 < 4)
		return RCR_E_UNFIT;
	uint32_t dim = rcr_load_u16be(fields + 4);
	size_t vlen = 4 + (size_t)dim * width;
	if ((size_t)len0 != vlen || (size_t)count * (vlen + 4) != fields_len)
		return RCR_E_UNFIT;
	size_t n = (size_t)count * dim; /* elements */
	if (4 + n * width > dst_cap)
		return rcr_error_set(RCR_E_INTERNAL, "%s encode: destination too small", codec);
	/* Check every value before writing anything, so UNFIT has no side effects to undo. */
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *v = fields + (size_t)i * (vlen + 4);
		if (rcr_load_u32be(v) != vlen || rcr_load_u16be(v + 4) != dim || rcr_load_u16be(v + 6) != 0)
			return RCR_E_UNFIT;
	}
	rcr_store_u32le(dst, dim);
	uint8_t *planes = dst + 4;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = fields + (size_t)i * (vlen + 4) + 8;
		size_t base = (size_t)i * dim;
		for (uint32_t j = 0; j < dim; j++)
			for (unsigned k = 0; k < width; k++)
				planes[k * n + base + j] = e[(size_t)j * width + k];
	}
	*out_len = 4 + n * width;
	return 0;
}

int rcr_dense_decode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *src,
		     size_t src_len, uint32_t count, unsigned width, const char *codec)
{
	if (src_len < 4)
		return rcr_error_set(RCR_E_FORMAT, "%s content shorter than its 4-byte header", codec);
	uint32_t dim = rcr_load_u32le(src);
	if (dim > 0xFFFF)
		return rcr_error_set(RCR_E_FORMAT, "%s dimension %u exceeds 65535", codec, dim);
	size_t n = (size_t)count * dim;
	if ((src_len - 4) / width != n || (src_len - 4) % width != 0)
		return rcr_error_set(RCR_E_FORMAT, "%s content is %zu bytes, expected %zu for %u values of dim %u",
				     codec, src_len, 4 + n * width, count, dim);
	size_t vlen = 4 + (size_t)dim * width;
	if ((size_t)count * (vlen + 4) > dst_cap)
		return rcr_error_set(RCR_E_FORMAT, "%s decodes to %zu bytes, more than the declared %zu",
				     codec, (size_t)count * (vlen + 4), dst_cap);
	const uint8_t *planes = src + 4;
	uint8_t *o = dst;
	for (uint32_t i = 0; i < count; i++) {
		rcr_store_u32be(o, (uint32_t)vlen);
		rcr_store_u16be(o + 4, (uint16_t)dim);
		rcr_store_u16be(o + 6, 0);
		uint8_t *e = o + 8;
		size_t base = (size_t)i * dim;
		for (uint32_t j = 0; j < dim; j++)
			for (unsigned k = 0; k < width; k++)
				e[(size_t)j * width + k] = planes[k * n + base + j];
		o += vlen + 4;
	}
	*out_len = (size_t)(o - dst);
	return 0;
}
