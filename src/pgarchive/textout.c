/*
 * textout.c: binary COPY values to PostgreSQL text output (see include/rcr/textout.h).
 *
 * One table row per type name: its converter, its built-in OID and, for ranges, the subtype.
 * Scalars, floats, numeric, network, bit strings and pgvector's types are here; dates and
 * times in textout_datetime.c; containers (arrays, composites, ranges) in textout_container.c,
 * which recurse through rcr_tx_convert, bounded by MAX_DEPTH so that crafted nesting cannot
 * exhaust the stack.
 *
 * The output rules are PostgreSQL's (src/backend/utils/adt/: boolout, int*out, float8out
 * via float_to_shortest_decimal, numeric get_str_from_var, byteaout hex, uuid_out,
 * inet_out/pg_inet_net_ntop, macaddr_out, bit_out, array_out, record_out, range_out) and
 * pgvector's (vector_out, halfvec_out, sparsevec_out); the validity checks are those of the
 * matching receive functions. Written from the documented behaviour, not copied.
 */
#include "rcr/textout.h"

#include "rcr/err.h"
#include "textout_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 16

static int bad_len(const rcr_tx_type *t, size_t n, size_t want)
{
	return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes, expected %zu", t->name, n, want);
}

/* ---- scalars ---------------------------------------------------------------------------- */

static int out_bool(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n != 1)
		return bad_len(t, n, 1);
	/* boolrecv takes any non-zero byte as true. */
	return rcr_buf_append_u8(out, v[0] ? 't' : 'f');
}

static int out_int(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	size_t want = t->oid == 21 ? 2 : t->oid == 20 ? 8 : 4;
	if (n != want)
		return bad_len(t, n, want);
	char tmp[24];
	int k;
	if (t->oid == 21)
		k = snprintf(tmp, sizeof tmp, "%d", (int)(int16_t)rcr_load_u16be(v));
	else if (t->oid == 23)
		k = snprintf(tmp, sizeof tmp, "%" PRId32, (int32_t)rcr_load_u32be(v));
	else if (t->oid == 20)
		k = snprintf(tmp, sizeof tmp, "%" PRId64, rcr_tx_load_i64be(v));
	else /* oid, unsigned */
		k = snprintf(tmp, sizeof tmp, "%" PRIu32, rcr_load_u32be(v));
	return rcr_buf_append(out, tmp, (size_t)k);
}

/* text, varchar, bpchar, name, json, enum labels: the binary form is the text itself. A NUL
 * byte cannot occur in PostgreSQL text, so it marks damaged input. */
static int out_text(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n && memchr(v, 0, n))
		return rcr_error_set(RCR_E_FORMAT, "%s value contains a NUL byte", t->name);
	return rcr_buf_append(out, v, n);
}

static int out_jsonb(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	if (n < 1 || v[0] != 1)
		return rcr_error_set(RCR_E_FORMAT, "jsonb value without version byte 1");
	return out_text(out, v + 1, n - 1, t, depth);
}

/* "char": one byte; charout prints NUL as the empty string and bytes >= 0x80 as \ooo. */
static int out_char(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n > 1)
		return bad_len(t, n, 1);
	if (n == 0 || v[0] == 0)
		return 0;
	if (v[0] >= 0x80) {
		char tmp[8];
		int k = snprintf(tmp, sizeof tmp, "\\%03o", v[0]);
		return rcr_buf_append(out, tmp, (size_t)k);
	}
	return rcr_buf_append_u8(out, v[0]);
}

static const char hexdig[] = "0123456789abcdef";

/* bytea_output hex, or escape when the dump's session had it (RCR_TEXTOUT_BYTEA_ESCAPE). */
static int out_bytea(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)t;
	(void)depth;
	if (rcr_tx_flags() & RCR_TEXTOUT_BYTEA_ESCAPE)
		return rcr_tx_bytea_escape(out, v, n);
	if (n > (SIZE_MAX - 2) / 2)
		return rcr_error_set(RCR_E_LIMIT, "bytea value too large");
	RCR_FORWARD(rcr_buf_reserve(out, 2 + 2 * n));
	uint8_t *p = out->data + out->len;
	*p++ = '\\';
	*p++ = 'x';
	for (size_t i = 0; i < n; i++) {
		*p++ = (uint8_t)hexdig[v[i] >> 4];
		*p++ = (uint8_t)hexdig[v[i] & 15];
	}
	out->len += 2 + 2 * n;
	return 0;
}

static int out_uuid(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n != 16)
		return bad_len(t, n, 16);
	char tmp[37];
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			tmp[k++] = '-';
		tmp[k++] = hexdig[v[i] >> 4];
		tmp[k++] = hexdig[v[i] & 15];
	}
	return rcr_buf_append(out, tmp, k);
}

static int out_macaddr(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	size_t want = t->oid == 774 ? 8 : 6;
	if (n != want)
		return bad_len(t, n, want);
	for (size_t i = 0; i < n; i++) {
		if (i)
			PUTC(':');
		PUTC(hexdig[v[i] >> 4]);
		PUTC(hexdig[v[i] & 15]);
	}
	return 0;
}

/* bit and varbit: int32 bit count, then the bits most significant first. */
static int out_bit(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n < 4)
		return bad_len(t, n, 4);
	int32_t bits = (int32_t)rcr_load_u32be(v);
	if (bits < 0 || (size_t)(((int64_t)bits + 7) / 8) != n - 4)
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes for %" PRId32 " bits", t->name, n, bits);
	RCR_FORWARD(rcr_buf_reserve(out, (size_t)bits));
	for (int32_t i = 0; i < bits; i++)
		out->data[out->len++] = (v[4 + i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
	return 0;
}

/* ---- network ---------------------------------------------------------------------------- */

static int put_ipv6(rcr_buf *out, const uint8_t *a)
{
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* The longest run of zero words, at least two long, becomes "::" (first one on a tie). */
	int best = -1, best_len = 0;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	if (best_len < 2)
		best = -1;
	char tmp[64];
	size_t k = 0;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				tmp[k++] = ':';
			continue;
		}
		if (i)
			tmp[k++] = ':';
		/* IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses. */
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			k += (size_t)snprintf(tmp + k, sizeof tmp - k, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
			break;
		}
		k += (size_t)snprintf(tmp + k, sizeof tmp - k, "%x", w[i]);
	}
	if (best >= 0 && best + best_len == 8)
		tmp[k++] = ':';
	return rcr_buf_append(out, tmp, k);
}

/* inet and cidr: family (2 = IPv4, 3 = IPv6), mask bits, is_cidr flag (ignored, as
 * network_recv does), address length, address. */
static int out_inet(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n < 4)
		return bad_len(t, n, 8);
	unsigned family = v[0], bits = v[1], nb = v[3];
	unsigned size = family == 2 ? 4 : family == 3 ? 16 : 0;
	if (!size)
		return rcr_error_set(RCR_E_FORMAT, "%s value with address family %u", t->name, family);
	if (bits > size * 8 || nb != size || n != 4 + size)
		return rcr_error_set(RCR_E_FORMAT, "invalid %s value (%u bits, %u address bytes in %zu)", t->name,
				     bits, nb, n);
	const uint8_t *a = v + 4;
	int cidr = t->oid == 650;
	if (cidr) {
		for (unsigned i = bits; i < size * 8; i++)
			if (a[i / 8] >> (7 - i % 8) & 1)
				return rcr_error_set(RCR_E_FORMAT, "cidr value has bits set to right of mask");
	}
	if (family == 2) {
		char tmp[24];
		int k = snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		PUT(tmp, (size_t)k);
	} else {
		RCR_FORWARD(put_ipv6(out, a));
	}
	/* pg_inet_net_ntop adds the mask when it is not the full width; cidr_out always does. */
	if (cidr || bits != size * 8) {
		char tmp[8];
		int k = snprintf(tmp, sizeof tmp, "/%u", bits);
		PUT(tmp, (size_t)k);
	}
	return 0;
}

/* ---- floats: the shortest round-trip text itself is in textout_float.c ------------------ */

static float load_f4(const uint8_t *p)
{
	uint32_t u = rcr_load_u32be(p);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

/* Formats straight into the buffer: vectors print hundreds of these per value. */
static int put_f4(rcr_buf *out, float f)
{
	RCR_FORWARD(rcr_buf_reserve(out, RCR_TEXTOUT_FLOAT_BUF));
	out->len += rcr_textout_float4((char *)out->data + out->len, f);
	return 0;
}

static int out_float(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (t->oid == 700) {
		if (n != 4)
			return bad_len(t, n, 4);
		return put_f4(out, load_f4(v));
	}
	if (n != 8)
		return bad_len(t, n, 8);
	return rcr_tx_put_f8(out, rcr_tx_load_f8(v));
}

/* ---- numeric ---------------------------------------------------------------------------- */

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000
#define NUMERIC_DSCALE_MASK 0x3FFF

/* int16 ndigits, int16 weight (of the first base-10000 digit), uint16 sign, int16 dscale
 * (decimal digits after the point), then the digits. get_str_from_var prints the value with
 * exactly dscale fraction digits. */
static int out_numeric(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)t;
	(void)depth;
	if (n < 8)
		return rcr_error_set(RCR_E_FORMAT, "numeric value of %zu bytes", n);
	int ndigits = (int16_t)rcr_load_u16be(v);
	int weight = (int16_t)rcr_load_u16be(v + 2);
	unsigned sign = rcr_load_u16be(v + 4);
	int dscale = (int16_t)rcr_load_u16be(v + 6);
	if (ndigits < 0 || n != 8 + 2 * (size_t)ndigits)
		return rcr_error_set(RCR_E_FORMAT, "numeric value of %zu bytes for %d digits", n, ndigits);
	if (sign == NUMERIC_NAN)
		return rcr_tx_puts(out, "NaN");
	if (sign == NUMERIC_PINF)
		return rcr_tx_puts(out, "Infinity");
	if (sign == NUMERIC_NINF)
		return rcr_tx_puts(out, "-Infinity");
	if (sign != NUMERIC_POS && sign != NUMERIC_NEG)
		return rcr_error_set(RCR_E_FORMAT, "numeric value with invalid sign 0x%04x", sign);
	if (dscale < 0 || (dscale & NUMERIC_DSCALE_MASK) != dscale)
		return rcr_error_set(RCR_E_FORMAT, "numeric value with invalid scale %d", dscale);
	const uint8_t *dp = v + 8;
	for (int i = 0; i < ndigits; i++)
		if (rcr_load_u16be(dp + 2 * i) > 9999)
			return rcr_error_set(RCR_E_FORMAT, "numeric value with invalid digit");
	/* Normalise as numeric_recv's make_result does: no leading or trailing zero digits,
	 * and zero is never negative. */
	while (ndigits > 0 && rcr_load_u16be(dp) == 0) {
		dp += 2;
		ndigits--;
		weight--;
	}
	while (ndigits > 0 && rcr_load_u16be(dp + 2 * (ndigits - 1)) == 0)
		ndigits--;
	if (ndigits == 0)
		weight = 0;
#define DIG(i) ((i) >= 0 && (i) < ndigits ? (int)rcr_load_u16be(dp + 2 * (i)) : 0)
	if (sign == NUMERIC_NEG && ndigits > 0)
		PUTC('-');
	int d;
	if (weight < 0) {
		d = weight + 1;
		PUTC('0');
	} else {
		char tmp[8];
		for (d = 0; d <= weight; d++) {
			int k = snprintf(tmp, sizeof tmp, d ? "%04d" : "%d", DIG(d));
			PUT(tmp, (size_t)k);
		}
	}
	if (dscale > 0) {
		PUTC('.');
		RCR_FORWARD(rcr_buf_reserve(out, (size_t)dscale + 4));
		size_t end = out->len + (size_t)dscale;
		for (int i = 0; i < dscale; d++, i += 4) {
			int dig = DIG(d);
			out->data[out->len++] = (uint8_t)('0' + dig / 1000);
			out->data[out->len++] = (uint8_t)('0' + dig / 100 % 10);
			out->data[out->len++] = (uint8_t)('0' + dig / 10 % 10);
			out->data[out->len++] = (uint8_t)('0' + dig % 10);
		}
		out->len = end;
	}
#undef DIG
	return 0;
}

/* ---- pgvector --------------------------------------------------------------------------- */

#define VECTOR_MAX_DIM 16000
#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

static float half_to_float(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	float f;
	if (e == 0)
		f = ldexpf((float)m, -24);
	else if (e == 31)
		f = m ? NAN : INFINITY;
	else
		f = ldexpf((float)(m | 1024), e - 25);
	return h & 0x8000 ? -f : f;
}

/* vector: int16 dim, int16 unused (0), dim float4; halfvec the same with 16-bit halves. */
static int out_vector(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	int half = strcmp(t->name, "halfvec") == 0;
	size_t w = half ? 2 : 4;
	if (n < 4)
		return bad_len(t, n, 4);
	int dim = (int16_t)rcr_load_u16be(v);
	if (dim < 1 || dim > VECTOR_MAX_DIM || rcr_load_u16be(v + 2) != 0 || n != 4 + w * (size_t)dim)
		return rcr_error_set(RCR_E_FORMAT, "invalid %s value (%d dimensions in %zu bytes)", t->name, dim, n);
	/* One reservation for the whole vector instead of one per element: an element prints in
	 * at most RCR_TEXTOUT_FLOAT4_MAX bytes plus its comma, and the formatter writes a NUL. */
	RCR_FORWARD(rcr_buf_reserve(out, 2 + (size_t)dim * (RCR_TEXTOUT_FLOAT4_MAX + 1) + 1));
	char *dst = (char *)out->data + out->len;
	*dst++ = '[';
	for (int i = 0; i < dim; i++) {
		const uint8_t *p = v + 4 + w * (size_t)i;
		float f = half ? half_to_float(rcr_load_u16be(p)) : load_f4(p);
		if (!isfinite(f))
			return rcr_error_set(RCR_E_FORMAT, "%s value with NaN or infinite element", t->name);
		if (i)
			*dst++ = ',';
		dst += rcr_textout_float4(dst, f);
	}
	*dst++ = ']';
	out->len = (size_t)((uint8_t *)dst - out->data);
	return 0;
}

/* sparsevec: int32 dim, int32 nnz, int32 unused, nnz 0-based indices, nnz float4 values;
 * printed as {i:v,...}/dim with 1-based indices. */
static int out_sparsevec(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)depth;
	if (n < 12)
		return bad_len(t, n, 12);
	int32_t dim = (int32_t)rcr_load_u32be(v), nnz = (int32_t)rcr_load_u32be(v + 4);
	if (dim < 1 || dim > SPARSEVEC_MAX_DIM || nnz < 0 || nnz > SPARSEVEC_MAX_NNZ || nnz > dim ||
	    rcr_load_u32be(v + 8) != 0 || n != 12 + 8 * (size_t)nnz)
		return rcr_error_set(RCR_E_FORMAT, "invalid sparsevec value (dim %" PRId32 ", nnz %" PRId32 " in %zu bytes)",
				     dim, nnz, n);
	const uint8_t *idx = v + 12, *val = v + 12 + 4 * (size_t)nnz;
	PUTC('{');
	int64_t prev = -1;
	for (int32_t i = 0; i < nnz; i++) {
		int32_t ix = (int32_t)rcr_load_u32be(idx + 4 * (size_t)i);
		float f = load_f4(val + 4 * (size_t)i);
		if (ix <= prev || ix >= dim)
			return rcr_error_set(RCR_E_FORMAT, "sparsevec indices out of order or range");
		if (!isfinite(f) || f == 0)
			return rcr_error_set(RCR_E_FORMAT, "sparsevec value with zero, NaN or infinite element");
		prev = ix;
		char tmp[16];
		int k = snprintf(tmp, sizeof tmp, "%s%" PRId32 ":", i ? "," : "", ix + 1);
		PUT(tmp, (size_t)k);
		RCR_FORWARD(put_f4(out, f));
	}
	char tmp[16];
	int k = snprintf(tmp, sizeof tmp, "}/%" PRId32, dim);
	PUT(tmp, (size_t)k);
	return 0;
}

/* ---- registry --------------------------------------------------------------------------- */

/* Array types are not listed: "_x" is an array of x, and array_oids maps their OIDs. The
 * typtype column is the pg_type.typtype the row stands for (rcr_textout_printable): 'b' a base
 * type of pg_catalog, or of any schema for pgvector's (OID 0), 'r' and 'm' the ranges and
 * multiranges of pg_catalog; 'p' names that are no type of their own ("enum" stands for every
 * enum, "record" for composites). */
#define BASE(name, oid, fn) {name, oid, fn, NULL, 'b', NULL}
#define SCALAR(name, oid, fn) {name, oid, NULL, NULL, 'b', fn}
#define RANGE(name, oid, sub) {name, oid, rcr_tx_range, sub, 'r', NULL}
#define MULTIRANGE(name, oid, range) {name, oid, rcr_tx_multirange, range, 'm', NULL}
static const rcr_tx_type types[] = {
	BASE("bool", 16, out_bool),
	BASE("int2", 21, out_int),
	BASE("int4", 23, out_int),
	BASE("int8", 20, out_int),
	BASE("oid", 26, out_int),
	BASE("float4", 700, out_float),
	BASE("float8", 701, out_float),
	BASE("numeric", 1700, out_numeric),
	BASE("text", 25, out_text),
	BASE("varchar", 1043, out_text),
	BASE("bpchar", 1042, out_text),
	BASE("name", 19, out_text),
	BASE("json", 114, out_text),
	BASE("refcursor", 1790, out_text),
	{"enum", 0, out_text, NULL, 'p', NULL},
	BASE("jsonb", 3802, out_jsonb),
	SCALAR("jsonpath", 4072, rcr_tx_jsonpath),
	SCALAR("xml", 142, rcr_tx_xml),
	BASE("char", 18, out_char),
	BASE("bytea", 17, out_bytea),
	BASE("uuid", 2950, out_uuid),
	SCALAR("date", 1082, rcr_tx_date),
	SCALAR("time", 1083, rcr_tx_time),
	SCALAR("timetz", 1266, rcr_tx_timetz),
	SCALAR("timestamp", 1114, rcr_tx_timestamp),
	SCALAR("timestamptz", 1184, rcr_tx_timestamptz),
	SCALAR("interval", 1186, rcr_tx_interval),
	BASE("inet", 869, out_inet),
	BASE("cidr", 650, out_inet),
	BASE("macaddr", 829, out_macaddr),
	BASE("macaddr8", 774, out_macaddr),
	BASE("bit", 1560, out_bit),
	BASE("varbit", 1562, out_bit),
	SCALAR("money", 790, rcr_tx_money),
	SCALAR("point", 600, rcr_tx_point),
	SCALAR("lseg", 601, rcr_tx_lseg),
	SCALAR("path", 602, rcr_tx_path),
	SCALAR("box", 603, rcr_tx_box),
	SCALAR("polygon", 604, rcr_tx_polygon),
	SCALAR("line", 628, rcr_tx_line),
	SCALAR("circle", 718, rcr_tx_circle),
	SCALAR("tsvector", 3614, rcr_tx_tsvector),
	SCALAR("tsquery", 3615, rcr_tx_tsquery),
	SCALAR("tid", 27, rcr_tx_tid),
	SCALAR("xid", 28, rcr_tx_xid),
	SCALAR("cid", 29, rcr_tx_xid),
	SCALAR("xid8", 5069, rcr_tx_xid8),
	SCALAR("pg_lsn", 3220, rcr_tx_pg_lsn),
	SCALAR("pg_snapshot", 5038, rcr_tx_snapshot),
	SCALAR("txid_snapshot", 2970, rcr_tx_snapshot),
	SCALAR("int2vector", 22, rcr_tx_int2vector),
	SCALAR("oidvector", 30, rcr_tx_oidvector),
	BASE("vector", 0, out_vector),
	BASE("halfvec", 0, out_vector),
	BASE("sparsevec", 0, out_sparsevec),
	{"record", 2249, rcr_tx_record, NULL, 'p', NULL},
	RANGE("int4range", 3904, "int4"),
	RANGE("int8range", 3926, "int8"),
	RANGE("numrange", 3906, "numeric"),
	RANGE("tsrange", 3908, "timestamp"),
	RANGE("tstzrange", 3910, "timestamptz"),
	RANGE("daterange", 3912, "date"),
	MULTIRANGE("int4multirange", 4451, "int4range"),
	MULTIRANGE("int8multirange", 4536, "int8range"),
	MULTIRANGE("nummultirange", 4532, "numrange"),
	MULTIRANGE("tsmultirange", 4533, "tsrange"),
	MULTIRANGE("tstzmultirange", 4534, "tstzrange"),
	MULTIRANGE("datemultirange", 4535, "daterange"),
};
#undef BASE
#undef SCALAR
#undef RANGE
#undef MULTIRANGE

static const struct {
	uint32_t oid;
	const char *name;
} array_oids[] = {
	{1000, "_bool"}, {1005, "_int2"}, {1007, "_int4"}, {1016, "_int8"}, {1028, "_oid"},
	{1021, "_float4"}, {1022, "_float8"}, {1231, "_numeric"}, {1009, "_text"}, {1015, "_varchar"},
	{1014, "_bpchar"}, {1003, "_name"}, {199, "_json"}, {3807, "_jsonb"}, {1002, "_char"},
	{1001, "_bytea"}, {2951, "_uuid"}, {1182, "_date"}, {1183, "_time"}, {1270, "_timetz"},
	{1115, "_timestamp"}, {1185, "_timestamptz"}, {1187, "_interval"}, {1041, "_inet"},
	{651, "_cidr"}, {1040, "_macaddr"}, {775, "_macaddr8"}, {1561, "_bit"}, {1563, "_varbit"},
	{2287, "_record"}, {3905, "_int4range"}, {3927, "_int8range"}, {3907, "_numrange"},
	{3909, "_tsrange"}, {3911, "_tstzrange"}, {3913, "_daterange"}, {2201, "_refcursor"}, {4073, "_jsonpath"},
	{143, "_xml"}, {791, "_money"}, {1017, "_point"}, {1018, "_lseg"}, {1019, "_path"}, {1020, "_box"},
	{1027, "_polygon"}, {629, "_line"}, {719, "_circle"}, {3643, "_tsvector"}, {3645, "_tsquery"},
	{1010, "_tid"}, {1011, "_xid"}, {1012, "_cid"}, {271, "_xid8"}, {3221, "_pg_lsn"}, {5039, "_pg_snapshot"},
	{2949, "_txid_snapshot"}, {1006, "_int2vector"}, {1013, "_oidvector"}, {6150, "_int4multirange"},
	{6157, "_int8multirange"}, {6151, "_nummultirange"}, {6152, "_tsmultirange"}, {6153, "_tstzmultirange"},
	{6155, "_datemultirange"},
};

/* By name; "record:OID" finds "record". */
static const rcr_tx_type *find_type(const char *name)
{
	if (strncmp(name, "record:", 7) == 0)
		name = "record";
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

const char *rcr_textout_type_for_oid(uint32_t oid)
{
	if (oid == 0)
		return NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].oid == oid)
			return types[i].name;
	for (size_t i = 0; i < sizeof array_oids / sizeof array_oids[0]; i++)
		if (array_oids[i].oid == oid)
			return array_oids[i].name;
	return NULL;
}

/* A typed name, "range:SUB" or "multirange:RANGE" (typeres.h: user ranges and multiranges),
 * as a registry row of its own. 0 if the name is not one. */
static int typed_row(rcr_tx_type *t, const char *name)
{
	if (strncmp(name, "range:", 6) == 0)
		*t = (rcr_tx_type){name, 0, rcr_tx_range, name + 6, 'r', NULL};
	else if (strncmp(name, "multirange:", 11) == 0)
		*t = (rcr_tx_type){name, 0, rcr_tx_multirange, name + 11, 'm', NULL};
	else
		return 0;
	return 1;
}

int rcr_textout_supported(const char *type_name)
{
	for (int depth = 0; depth <= MAX_DEPTH; depth++) {
		if (type_name[0] == '_')
			type_name++;
		rcr_tx_type typed;
		if (!typed_row(&typed, type_name))
			return find_type(type_name) != NULL;
		if (typed.typtype == 'm' && strncmp(typed.sub, "range:", 6) != 0) {
			const rcr_tx_type *r = find_type(typed.sub);
			return r && r->typtype == 'r';
		}
		type_name = typed.sub;
	}
	return 0;
}

/* lc_monetary values in which cash_out prints what rcr_tx_money prints. */
static int money_locale(const char *lc_monetary)
{
	return lc_monetary && (strcmp(lc_monetary, "C") == 0 || strcmp(lc_monetary, "POSIX") == 0);
}

int rcr_textout_printable(const char *schema, const char *name, char typtype, const char *lc_monetary)
{
	int catalog = strcmp(schema, "pg_catalog") == 0;
	if (typtype == 'e' || typtype == 'c' || typtype == 'd' || (!catalog && (typtype == 'r' || typtype == 'm')))
		return 1; /* what they hold is the caller's to check */
	if (typtype != 'b' && typtype != 'r' && typtype != 'm' && typtype != 0)
		return 0;
	int array = catalog && typtype == 'b' && name[0] == '_' && name[1] != '_';
	name += array; /* an array of pg_catalog, passed as it is: its element may be a range */
	const rcr_tx_type *t = find_type(name);
	if (!t || strncmp(name, "record:", 7) == 0 || t->typtype == 'p' || (typtype && !array && t->typtype != typtype))
		return 0;
	if (t->scalar == rcr_tx_money && !money_locale(lc_monetary))
		return 0;
	return t->oid ? catalog : !catalog; /* built-in, or pgvector's in the schema it was created in */
}

int rcr_tx_convert(rcr_buf *out, const char *type_name, const uint8_t *v, size_t n, int depth)
{
	if (depth > MAX_DEPTH)
		return rcr_error_set(RCR_E_FORMAT, "value nested more than %d levels deep", MAX_DEPTH);
	rcr_tx_type typed;
	if (type_name[0] == '_') {
		if (!find_type(type_name + 1) && !typed_row(&typed, type_name + 1))
			return rcr_error_set(RCR_E_USAGE, "cannot convert values of type '%s' to text", type_name);
		return rcr_tx_array(out, v, n, type_name + 1, depth);
	}
	if (strncmp(type_name, "record:", 7) == 0)
		return rcr_tx_typed_record(out, type_name, v, n, depth);
	if (typed_row(&typed, type_name))
		return typed.fn(out, v, n, &typed, depth);
	const rcr_tx_type *t = find_type(type_name);
	if (!t)
		return rcr_error_set(RCR_E_USAGE, "cannot convert values of type '%s' to text", type_name);
	return t->fn ? t->fn(out, v, n, t, depth) : t->scalar(out, v, n);
}

int rcr_textout_value(rcr_buf *out, const char *type_name, int32_t typmod, const uint8_t *val, size_t len)
{
	return rcr_textout_value_in(out, NULL, type_name, typmod, val, len);
}

int rcr_textout_value_in(rcr_buf *out, const rcr_textout_catalog *catalog, const char *type_name, int32_t typmod,
			 const uint8_t *val, size_t len)
{
	static const uint8_t none[1];
	(void)typmod;
	if (len == 0)
		val = none; /* an empty value may come as NULL */
	const rcr_textout_catalog *saved = rcr_tx_catalog_swap(catalog);
	int rc = rcr_tx_convert(out, type_name, val, len, 0);
	rcr_tx_catalog_swap(saved);
	return rc;
}

/* The byte after the backslash for each byte COPY text escapes, else 0. */
static const uint8_t copy_esc[256] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\v'] = 'v', ['\\'] = '\\',
};

/* Length of the prefix of s that needs no escape. Eight bytes at a time: a word passes when
 * none of its bytes is below 14 (covers \b..\r, 8..13) or equal to '\\' (the classic
 * "has a zero byte" test on x - 0x0e.. and on x ^ 0x5c..); a word that fails is looked at byte
 * by byte, so bytes 0..7, which need no escape, only cost speed. */
static size_t skip_plain(const uint8_t *s, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		uint64_t below14 = (x - ones * 14) & ~x & highs;
		uint64_t y = x ^ (ones * '\\');
		uint64_t backslash = (y - ones) & ~y & highs;
		if (below14 | backslash)
			break;
	}
	while (i < n && !copy_esc[s[i]])
		i++;
	return i;
}

int rcr_textout_copy_escape(rcr_buf *out, const uint8_t *s, size_t n)
{
	if (n == 0)
		return 0; /* s may be NULL then, e.g. an empty rcr_buf's data */
	/* Most values (numbers, vectors, plain text) need no escape: find the first byte that
	 * does and copy everything before it in one go. */
	size_t i = skip_plain(s, n);
	if (i == n)
		return rcr_buf_append(out, s, n);
	/* Room for the worst case, every remaining byte escaped, so the loop needs no checks. */
	if (n - i > (SIZE_MAX - n) / 2)
		return rcr_error_set(RCR_E_LIMIT, "value too large to escape");
	RCR_FORWARD(rcr_buf_reserve(out, n + (n - i)));
	uint8_t *d = out->data + out->len;
	memcpy(d, s, i);
	d += i;
	for (; i < n; i++) {
		uint8_t e = copy_esc[s[i]];
		if (e) {
			*d++ = '\\';
			*d++ = e;
		} else {
			*d++ = s[i];
		}
	}
	out->len = (size_t)(d - out->data);
	return 0;
}
