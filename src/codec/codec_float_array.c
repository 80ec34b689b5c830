/*
 * codec_float_array.c: one-dimensional real[] / double precision[] columns of one length,
 * the other common way apps store embeddings.
 *
 * Binary form (array_send): be32 ndim, be32 has_nulls, be32 element type oid, then per
 * dimension be32 length and be32 lower bound, then each element as be32 length + bytes (-1 for
 * a NULL element). A chunk fits when it has a non-NULL value and every non-NULL value has
 * ndim 1, has_nulls 0, element type float4 (700, 4-byte elements) or float8 (701, 8-byte) the
 * same for all, the same length L and lower bound, and every element exactly that size. Then
 * the per-element length words carry nothing and are dropped, and the element bytes are
 * byte-stream split:
 *   u32le Null_Count, NULL bitmap (ceil(count/8) bytes, only when Null_Count > 0),
 *   u32le Elem_Type, u32le Length, u32le Lower_Bound, then W planes of M * L bytes.
 */
#include "rcr/buf.h"
#include "rcr/codec.h"
#include "rcr/err.h"

#include <string.h>

#define FLOAT4_OID 700u
#define FLOAT8_OID 701u

static size_t farr_bound(size_t fields_len, uint32_t count)
{
	return fields_len + 16 + ((size_t)count + 7) / 8;
}

static int farr_encode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *fields,
		       size_t fields_len, uint32_t count)
{
	uint32_t nulls = 0, elem = 0, len = 0, lbound = 0, width = 0;
	int have = 0;
	size_t pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p;
		size_t flen;
		int got = rcr_field_next(fields, fields_len, &pos, 20, &p, &flen);
		if (got < 0)
			return RCR_E_UNFIT;
		if (got == 0) {
			nulls++;
			continue;
		}
		uint32_t e = rcr_load_u32be(p + 8), l = rcr_load_u32be(p + 12), lb = rcr_load_u32be(p + 16);
		if (!have) {
			elem = e;
			len = l;
			lbound = lb;
			width = e == FLOAT4_OID ? 4 : e == FLOAT8_OID ? 8 : 0;
			have = 1;
		}
		if (rcr_load_u32be(p) != 1 || rcr_load_u32be(p + 4) != 0 || e != elem || l != len || lb != lbound ||
		    width == 0 || flen != 20 + (size_t)len * (4 + width))
			return RCR_E_UNFIT;
		for (uint32_t k = 0; k < len; k++)
			if (rcr_load_u32be(p + 20 + (size_t)k * (4 + width)) != width)
				return RCR_E_UNFIT;
	}
	if (!have || pos != fields_len)
		return RCR_E_UNFIT;
	size_t m = count - nulls, n = m * len;
	size_t bitmap = rcr_nullmap_size(count, nulls);
	if (16 + bitmap + n * width > dst_cap)
		return rcr_error_set(RCR_E_INTERNAL, "float_array encode: destination too small");
	rcr_store_u32le(dst, nulls);
	memset(dst + 4, 0, bitmap);
	uint8_t *h = dst + 4 + bitmap;
	rcr_store_u32le(h, elem);
	rcr_store_u32le(h + 4, len);
	rcr_store_u32le(h + 8, lbound);
	uint8_t *planes = h + 12;
	size_t base = 0;
	pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		int32_t flen = (int32_t)rcr_load_u32be(fields + pos);
		pos += 4;
		if (flen == -1) {
			dst[4 + i / 8] |= (uint8_t)(1u << (i % 8));
			continue;
		}
		const uint8_t *e = fields + pos + 20;
		for (uint32_t k = 0; k < len; k++)
			for (unsigned b = 0; b < width; b++)
				planes[b * n + base + k] = e[(size_t)k * (4 + width) + 4 + b];
		base += len;
		pos += (size_t)flen;
	}
	*out_len = 16 + bitmap + n * width;
	return 0;
}

static int farr_decode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *src, size_t src_len,
		       uint32_t count)
{
	if (src_len < 4)
		return rcr_error_set(RCR_E_FORMAT, "float_array content shorter than its header");
	uint32_t nulls = rcr_load_u32le(src);
	if (nulls > count || (count > 0 && nulls == count))
		return rcr_error_set(RCR_E_FORMAT, "float_array declares %u NULLs among %u values", nulls, count);
	size_t bitmap = rcr_nullmap_size(count, nulls);
	if (src_len - 4 < bitmap + 12)
		return rcr_error_set(RCR_E_FORMAT, "float_array content shorter than its header");
	const uint8_t *bits = src + 4;
	RCR_FORWARD(rcr_nullmap_check(bits, count, nulls, "float_array"));
	const uint8_t *h = bits + bitmap;
	uint32_t elem = rcr_load_u32le(h), len = rcr_load_u32le(h + 4), lbound = rcr_load_u32le(h + 8);
	unsigned width = elem == FLOAT4_OID ? 4 : elem == FLOAT8_OID ? 8 : 0;
	if (!width)
		return rcr_error_set(RCR_E_FORMAT, "float_array element type %u is neither float4 nor float8", elem);
	size_t m = count - nulls;
	size_t body = src_len - 16 - bitmap;
	if (len == 0 ? body != 0 : (body % ((size_t)len * width) != 0 || body / ((size_t)len * width) != m))
		return rcr_error_set(RCR_E_FORMAT, "float_array content is %zu bytes, not %zu values of %u elements",
				     src_len, m, len);
	size_t n = m * len;
	size_t vlen = 20 + (size_t)len * (4 + width);
	size_t need = 4 * (size_t)nulls + m * (4 + vlen);
	if (need > dst_cap)
		return rcr_error_set(RCR_E_FORMAT, "float_array decodes to %zu bytes, more than the declared %zu", need,
				     dst_cap);
	const uint8_t *planes = h + 12;
	uint8_t *o = dst;
	size_t base = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (nulls && (bits[i / 8] >> (i % 8)) & 1) {
			rcr_store_u32be(o, 0xFFFFFFFFu);
			o += 4;
			continue;
		}
		rcr_store_u32be(o, (uint32_t)vlen);
		rcr_store_u32be(o + 4, 1);
		rcr_store_u32be(o + 8, 0);
		rcr_store_u32be(o + 12, elem);
		rcr_store_u32be(o + 16, len);
		rcr_store_u32be(o + 20, lbound);
		uint8_t *e = o + 24;
		for (uint32_t k = 0; k < len; k++) {
			rcr_store_u32be(e, width);
			for (unsigned b = 0; b < width; b++)
				e[4 + b] = planes[b * n + base + k];
			e += 4 + width;
		}
		base += len;
		o += 4 + vlen;
	}
	*out_len = (size_t)(o - dst);
	return 0;
}

const rcr_codec_vtbl rcr_codec_float_array = {
	.name = "float_array",
	.id = RCR_CODEC_FLOAT_ARRAY,
	.bound = farr_bound,
	.encode = farr_encode,
	.decode = farr_decode,
};
