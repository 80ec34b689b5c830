/* dense_vector.c: byte-stream-split of fixed-dimension pgvector values (see dense_vector.h). */
#include "dense_vector.h"

#include "rcr/buf.h"
#include "rcr/codec.h"
#include "rcr/err.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>

/* 16 elements of 4 bytes (64 bytes at e) into 16 bytes of each plane: a 4 x 4 byte transpose
 * of each 16-byte block by three rounds of byte interleaving, then one of 8-byte halves. SSE2
 * is part of every x86-64 CPU; the scalar loop took 5% of a dump's CPU (bench.sh's 768-dim
 * vectors), this takes less than half of that. */
static void split16_4(uint8_t *p0, uint8_t *p1, uint8_t *p2, uint8_t *p3, const uint8_t *e)
{
	__m128i a = _mm_loadu_si128((const __m128i *)e), b = _mm_loadu_si128((const __m128i *)(e + 16));
	__m128i c = _mm_loadu_si128((const __m128i *)(e + 32)), d = _mm_loadu_si128((const __m128i *)(e + 48));
	/* a0 b0 a1 b1 ..., then a0 a8 b0 b8 ..., then a0 a4 a8 a12 b0 b4 b8 b12 a1 a5 ... */
	__m128i t0 = _mm_unpacklo_epi8(a, b), t1 = _mm_unpackhi_epi8(a, b);
	__m128i t2 = _mm_unpacklo_epi8(c, d), t3 = _mm_unpackhi_epi8(c, d);
	__m128i u0 = _mm_unpacklo_epi8(t0, t1), u1 = _mm_unpackhi_epi8(t0, t1);
	__m128i u2 = _mm_unpacklo_epi8(t2, t3), u3 = _mm_unpackhi_epi8(t2, t3);
	__m128i v0 = _mm_unpacklo_epi8(u0, u1), v1 = _mm_unpackhi_epi8(u0, u1);
	__m128i w0 = _mm_unpacklo_epi8(u2, u3), w1 = _mm_unpackhi_epi8(u2, u3);
	_mm_storeu_si128((__m128i *)p0, _mm_unpacklo_epi64(v0, w0));
	_mm_storeu_si128((__m128i *)p1, _mm_unpackhi_epi64(v0, w0));
	_mm_storeu_si128((__m128i *)p2, _mm_unpacklo_epi64(v1, w1));
	_mm_storeu_si128((__m128i *)p3, _mm_unpackhi_epi64(v1, w1));
}
#endif

/* One value's elements into the planes and back. One pass over the value with one sequential
 * stream per plane; the common widths get their own loops so the compiler keeps the plane
 * pointers in registers (this transpose is the hottest loop of a dump). */
static void split_value(uint8_t *planes, size_t n, size_t base, const uint8_t *e, uint32_t dim, unsigned width)
{
	if (width == 4) {
		uint8_t *p0 = planes + base, *p1 = p0 + n, *p2 = p1 + n, *p3 = p2 + n;
		uint32_t j = 0;
#ifdef __SSE2__
		for (; j + 16 <= dim; j += 16, e += 64)
			split16_4(p0 + j, p1 + j, p2 + j, p3 + j, e);
#endif
		for (; j < dim; j++, e += 4) {
			p0[j] = e[0];
			p1[j] = e[1];
			p2[j] = e[2];
			p3[j] = e[3];
		}
	} else if (width == 2) {
		uint8_t *p0 = planes + base, *p1 = p0 + n;
		for (uint32_t j = 0; j < dim; j++, e += 2) {
			p0[j] = e[0];
			p1[j] = e[1];
		}
	} else {
		for (unsigned k = 0; k < width; k++)
			for (uint32_t j = 0; j < dim; j++)
				planes[k * n + base + j] = e[(size_t)j * width + k];
	}
}

static void join_value(uint8_t *e, const uint8_t *planes, size_t n, size_t base, uint32_t dim, unsigned width)
{
	if (width == 4) {
		const uint8_t *p0 = planes + base, *p1 = p0 + n, *p2 = p1 + n, *p3 = p2 + n;
		for (uint32_t j = 0; j < dim; j++, e += 4) {
			e[0] = p0[j];
			e[1] = p1[j];
			e[2] = p2[j];
			e[3] = p3[j];
		}
	} else if (width == 2) {
		const uint8_t *p0 = planes + base, *p1 = p0 + n;
		for (uint32_t j = 0; j < dim; j++, e += 2) {
			e[0] = p0[j];
			e[1] = p1[j];
		}
	} else {
		for (unsigned k = 0; k < width; k++)
			for (uint32_t j = 0; j < dim; j++)
				e[(size_t)j * width + k] = planes[k * n + base + j];
	}
}

size_t rcr_dense_bound(size_t fields_len, uint32_t count)
{
	/* 8 header bytes + bitmap + planes; planes <= fields_len - 8 per non-NULL value and a
	 * NULL costs 4 bytes in the field stream but at most one bitmap byte here. */
	return fields_len + 8 + ((size_t)count + 7) / 8;
}

int rcr_dense_encode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *fields,
		     size_t fields_len, uint32_t count, unsigned width, const char *codec)
{
	/* Pass 1: check every value before writing anything, so UNFIT has no side effects. */
	uint32_t dim = 0, nulls = 0;
	int have_dim = 0;
	size_t pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p;
		size_t len;
		int got = rcr_field_next(fields, fields_len, &pos, 4, &p, &len);
		if (got < 0)
			return RCR_E_UNFIT;
		if (got == 0) {
			nulls++;
			continue;
		}
		uint32_t d = rcr_load_u16be(p);
		if (!have_dim) {
			dim = d;
			have_dim = 1;
		}
		if (d != dim || rcr_load_u16be(p + 2) != 0 || len != 4 + (size_t)dim * width)
			return RCR_E_UNFIT;
	}
	if (!have_dim || pos != fields_len)
		return RCR_E_UNFIT;
	size_t n = (size_t)(count - nulls) * dim; /* elements */
	size_t bitmap = rcr_nullmap_size(count, nulls);
	if (8 + bitmap + n * width > dst_cap)
		return rcr_error_set(RCR_E_INTERNAL, "%s encode: destination too small", codec);
	rcr_store_u32le(dst, dim);
	rcr_store_u32le(dst + 4, nulls);
	memset(dst + 8, 0, bitmap);
	uint8_t *planes = dst + 8 + bitmap;
	size_t vlen = 4 + (size_t)dim * width, base = 0;
	pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		if ((int32_t)rcr_load_u32be(fields + pos) == -1) {
			dst[8 + i / 8] |= (uint8_t)(1u << (i % 8));
			pos += 4;
			continue;
		}
		split_value(planes, n, base, fields + pos + 8, dim, width);
		base += dim;
		pos += 4 + vlen;
	}
	*out_len = 8 + bitmap + n * width;
	return 0;
}

int rcr_dense_decode(size_t *out_len, uint8_t *dst, size_t dst_cap, const uint8_t *src,
		     size_t src_len, uint32_t count, unsigned width, const char *codec)
{
	if (src_len < 8)
		return rcr_error_set(RCR_E_FORMAT, "%s content shorter than its 8-byte header", codec);
	uint32_t dim = rcr_load_u32le(src), nulls = rcr_load_u32le(src + 4);
	if (dim > 0xFFFF)
		return rcr_error_set(RCR_E_FORMAT, "%s dimension %u exceeds 65535", codec, dim);
	/* All-NULL chunks are stored raw (there is no dimension to take), so content that says so
	 * is not something a writer produces: refusing it keeps one content per field stream. */
	if (nulls > count || (count > 0 && nulls == count))
		return rcr_error_set(RCR_E_FORMAT, "%s declares %u NULLs among %u values", codec, nulls, count);
	size_t bitmap = rcr_nullmap_size(count, nulls);
	size_t n = (size_t)(count - nulls) * dim;
	if (src_len - 8 < bitmap || (src_len - 8 - bitmap) % width != 0 || (src_len - 8 - bitmap) / width != n)
		return rcr_error_set(RCR_E_FORMAT, "%s content is %zu bytes, expected %zu for %u values (%u NULL) of dim %u",
				     codec, src_len, 8 + bitmap + n * width, count, nulls, dim);
	const uint8_t *bits = src + 8;
	RCR_FORWARD(rcr_nullmap_check(bits, count, nulls, codec));
	size_t vlen = 4 + (size_t)dim * width;
	size_t need = (size_t)(count - nulls) * (vlen + 4) + (size_t)nulls * 4;
	if (need > dst_cap)
		return rcr_error_set(RCR_E_FORMAT, "%s decodes to %zu bytes, more than the declared %zu", codec, need, dst_cap);
	const uint8_t *planes = bits + bitmap;
	uint8_t *o = dst;
	size_t base = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (nulls && (bits[i / 8] >> (i % 8)) & 1) {
			rcr_store_u32be(o, 0xFFFFFFFFu);
			o += 4;
			continue;
		}
		rcr_store_u32be(o, (uint32_t)vlen);
		rcr_store_u16be(o + 4, (uint16_t)dim);
		rcr_store_u16be(o + 6, 0);
		join_value(o + 8, planes, n, base, dim, width);
		base += dim;
		o += vlen + 4;
	}
	*out_len = (size_t)(o - dst);
	return 0;
}
