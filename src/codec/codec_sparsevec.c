/*
 * codec_sparsevec.c: pgvector `sparsevec` columns.
 *
 * Binary form (sparsevec_send): int32 dim, int32 nnz, int32 unused (0), nnz int32 indices
 * (0-based), nnz float4 values, all big-endian. A chunk fits when it has a non-NULL value and
 * every non-NULL value has unused 0 and length exactly 12 + 8 * nnz. The content separates the
 * streams so each compresses on its own terms:
 *   u32le Null_Count, NULL bitmap (ceil(count/8) bytes, only when Null_Count > 0),
 *   Dim[M] u32le, Nnz[M] u32le                      (M = non-NULL values; usually constant)
 *   Index_Deltas: 4 byte planes over all indices     (each value's first index as is, then the
 *                                                     difference to the previous, mod 2^32)
 *   Values: 4 byte planes over all values             (byte-stream-split, as the vector codec)
 * Indices of real sparse vectors ascend, so the deltas are small and their high planes zero.
 */
#include "rcr/buf.h"
#include "rcr/codec.h"
#include "rcr/err.h"

#include <string.h>

static size_t sparse_bound(size_t fields_len, uint32_t count)
{
	return fields_len + 8 + ((size_t)count + 7) / 8;
}

/* Writes byte k of big-endian word w to plane k at position i of n. */
static void put_planes(uint8_t *planes, size_t n, size_t i, const uint8_t *be4)
{
	for (unsigned k = 0; k < 4; k++)
		planes[k * n + i] = be4[k];
}

static int sparse_encode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *fields,
			 size_t fields_len, uint32_t count)
{
	uint32_t nulls = 0;
	size_t pos = 0, total = 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p;
		size_t len;
		int got = rcr_field_next(fields, fields_len, &pos, 12, &p, &len);
		if (got < 0)
			return RCR_E_UNFIT;
		if (got == 0) {
			nulls++;
			continue;
		}
		uint32_t nnz = rcr_load_u32be(p + 4);
		if (rcr_load_u32be(p + 8) != 0 || nnz > (len - 12) / 8 || len != 12 + 8 * (size_t)nnz)
			return RCR_E_UNFIT;
		total += nnz;
	}
	if (nulls == count || pos != fields_len)
		return RCR_E_UNFIT;
	uint32_t m = count - nulls;
	size_t bitmap = rcr_nullmap_size(count, nulls);
	size_t need = 4 + bitmap + 8 * (size_t)m + 8 * total;
	if (need > dst_cap)
		return rcr_error_set(RCR_E_INTERNAL, "sparsevec encode: destination too small");
	rcr_store_u32le(dst, nulls);
	memset(dst + 4, 0, bitmap);
	uint8_t *dims = dst + 4 + bitmap, *nnzs = dims + 4 * (size_t)m;
	uint8_t *idx = nnzs + 4 * (size_t)m, *vals = idx + 4 * total;
	size_t v = 0, e = 0;
	pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		int32_t len = (int32_t)rcr_load_u32be(fields + pos);
		pos += 4;
		if (len == -1) {
			dst[4 + i / 8] |= (uint8_t)(1u << (i % 8));
			continue;
		}
		const uint8_t *p = fields + pos;
		uint32_t nnz = rcr_load_u32be(p + 4);
		rcr_store_u32le(dims + 4 * v, rcr_load_u32be(p));
		rcr_store_u32le(nnzs + 4 * v, nnz);
		uint32_t prev = 0;
		for (uint32_t k = 0; k < nnz; k++) {
			uint32_t ix = rcr_load_u32be(p + 12 + 4 * (size_t)k);
			uint8_t be[4];
			rcr_store_u32be(be, ix - prev);
			prev = ix;
			put_planes(idx, total, e + k, be);
			put_planes(vals, total, e + k, p + 12 + 4 * (size_t)nnz + 4 * (size_t)k);
		}
		e += nnz;
		v++;
		pos += (size_t)len;
	}
	*out_len = need;
	return 0;
}

static int sparse_decode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *src,
			 size_t src_len, uint32_t count)
{
	if (src_len < 4)
		return rcr_error_set(RCR_E_FORMAT, "sparsevec content shorter than its 4-byte header");
	uint32_t nulls = rcr_load_u32le(src);
	if (nulls > count || (count > 0 && nulls == count))
		return rcr_error_set(RCR_E_FORMAT, "sparsevec declares %u NULLs among %u values", nulls, count);
	uint32_t m = count - nulls;
	size_t bitmap = rcr_nullmap_size(count, nulls);
	if (src_len - 4 < bitmap || (src_len - 4 - bitmap) / 8 < m)
		return rcr_error_set(RCR_E_FORMAT, "sparsevec content too short for %u values", m);
	const uint8_t *bits = src + 4;
	RCR_FORWARD(rcr_nullmap_check(bits, count, nulls, "sparsevec"));
	const uint8_t *dims = bits + bitmap, *nnzs = dims + 4 * (size_t)m;
	size_t total = 0;
	for (uint32_t v = 0; v < m; v++) {
		total += rcr_load_u32le(nnzs + 4 * (size_t)v);
		if (total > src_len)
			return rcr_error_set(RCR_E_FORMAT, "sparsevec non-zero counts exceed the content");
	}
	if (src_len != 4 + bitmap + 8 * (size_t)m + 8 * total)
		return rcr_error_set(RCR_E_FORMAT, "sparsevec content is %zu bytes, expected %zu", src_len,
				     4 + bitmap + 8 * (size_t)m + 8 * total);
	size_t need = 4 * (size_t)nulls + 16 * (size_t)m + 8 * total;
	if (need > dst_cap)
		return rcr_error_set(RCR_E_FORMAT, "sparsevec decodes to %zu bytes, more than the declared %zu", need, dst_cap);
	const uint8_t *idx = nnzs + 4 * (size_t)m, *vals = idx + 4 * total;
	uint8_t *o = dst;
	size_t v = 0, e = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (nulls && (bits[i / 8] >> (i % 8)) & 1) {
			rcr_store_u32be(o, 0xFFFFFFFFu);
			o += 4;
			continue;
		}
		uint32_t nnz = rcr_load_u32le(nnzs + 4 * v);
		rcr_store_u32be(o, 12 + 8 * nnz);
		rcr_store_u32be(o + 4, rcr_load_u32le(dims + 4 * v));
		rcr_store_u32be(o + 8, nnz);
		rcr_store_u32be(o + 12, 0);
		uint8_t *ix = o + 16, *vv = ix + 4 * (size_t)nnz;
		uint32_t prev = 0;
		for (uint32_t k = 0; k < nnz; k++) {
			uint8_t be[4];
			for (unsigned b = 0; b < 4; b++)
				be[b] = idx[b * total + e + k];
			prev += rcr_load_u32be(be);
			rcr_store_u32be(ix + 4 * (size_t)k, prev);
			for (unsigned b = 0; b < 4; b++)
				vv[4 * (size_t)k + b] = vals[b * total + e + k];
		}
		o += 16 + 8 * (size_t)nnz;
		e += nnz;
		v++;
	}
	*out_len = (size_t)(o - dst);
	return 0;
}

const rcr_codec_vtbl rcr_codec_sparsevec = {
	.name = "sparsevec",
	.id = RCR_CODEC_SPARSEVEC,
	.bound = sparse_bound,
	.encode = sparse_encode,
	.decode = sparse_decode,
};
