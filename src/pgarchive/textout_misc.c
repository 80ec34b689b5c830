/*
 * textout_misc.c: the system and remaining scalar types, binary to text (see
 * include/rcr/textout.h): tid, xid, xid8, cid, pg_lsn, pg_snapshot and txid_snapshot,
 * int2vector and oidvector, money, jsonpath, xml, and bytea's escape output.
 *
 * The output rules are those of tidout, xidout, xid8out, cidout, pg_lsn_out,
 * pg_snapshot_out, int2vectorout, oidvectorout, cash_out (in the C locale), jsonpath_out,
 * xml_out and byteaout; the checks are those of the matching receive functions.
 */
#include "textout_internal.h"

#include "rcr/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FUNC_MAX_ARGS 100 /* int2vector and oidvector hold at most this many */
#define PG_SNAPSHOT_MAX_NXIP 134217724 /* xid8funcs.c: what fits in 1 GB */

static int want_len(const char *type, size_t n, size_t want)
{
	if (n == want)
		return 0;
	return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes, expected %zu", type, n, want);
}

/* pre, then x in decimal. */
static int put_u64(rcr_buf *out, const char *pre, uint64_t x)
{
	char tmp[48];
	int k = snprintf(tmp, sizeof tmp, "%s%" PRIu64, pre, x);
	return rcr_buf_append(out, tmp, (size_t)k);
}

/* tid: uint32 block, uint16 offset: "(block,offset)". */
int rcr_tx_tid(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(want_len("tid", n, 6));
	RCR_FORWARD(put_u64(out, "(", rcr_load_u32be(v)));
	RCR_FORWARD(put_u64(out, ",", rcr_load_u16be(v + 4)));
	PUTC(')');
	return 0;
}

/* xid and cid: uint32; xid8: uint64. */
int rcr_tx_xid(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(want_len("xid", n, 4));
	return put_u64(out, "", rcr_load_u32be(v));
}

int rcr_tx_xid8(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(want_len("xid8", n, 8));
	return put_u64(out, "", (uint64_t)rcr_tx_load_i64be(v));
}

/* pg_lsn: uint64, as two hexadecimal halves, "%X/%X". */
int rcr_tx_pg_lsn(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(want_len("pg_lsn", n, 8));
	uint64_t lsn = (uint64_t)rcr_tx_load_i64be(v);
	char tmp[32];
	int k = snprintf(tmp, sizeof tmp, "%" PRIX64 "/%" PRIX64, lsn >> 32, lsn & 0xffffffffu);
	return rcr_buf_append(out, tmp, (size_t)k);
}

/* pg_snapshot and txid_snapshot: int32 nxip, uint64 xmin, uint64 xmax, nxip uint64 xips:
 * "xmin:xmax:xip,...". pg_snapshot_recv wants valid (non-zero) xmin <= xmax and the xips in
 * order between them, and drops repeated ones, which are therefore not printed. */
int rcr_tx_snapshot(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n < 20)
		return rcr_error_set(RCR_E_FORMAT, "pg_snapshot value of %zu bytes", n);
	int32_t nxip = (int32_t)rcr_load_u32be(v);
	uint64_t xmin = (uint64_t)rcr_tx_load_i64be(v + 4), xmax = (uint64_t)rcr_tx_load_i64be(v + 12);
	if (nxip < 0 || nxip > PG_SNAPSHOT_MAX_NXIP || (n - 20) / 8 != (size_t)nxip || (n - 20) % 8)
		return rcr_error_set(RCR_E_FORMAT, "pg_snapshot value of %zu bytes for %d transactions", n, (int)nxip);
	if (xmin == 0 || xmax == 0 || xmax < xmin)
		return rcr_error_set(RCR_E_FORMAT, "pg_snapshot value with xmin %" PRIu64 " and xmax %" PRIu64, xmin, xmax);
	RCR_FORWARD(put_u64(out, "", xmin));
	RCR_FORWARD(put_u64(out, ":", xmax));
	PUTC(':');
	uint64_t last = 0;
	for (int32_t i = 0; i < nxip; i++) {
		uint64_t x = (uint64_t)rcr_tx_load_i64be(v + 20 + 8 * (size_t)i);
		if (x < last || x < xmin || x > xmax)
			return rcr_error_set(RCR_E_FORMAT, "pg_snapshot value with transaction %" PRIu64 " out of order", x);
		if (i && x == last)
			continue;
		RCR_FORWARD(put_u64(out, last ? "," : "", x));
		last = x;
	}
	return 0;
}

/* int2vector and oidvector: array_send of a one-dimensional, zero-based array of int2 or oid
 * without NULLs (int2vectorrecv's checks), printed with one space between the numbers. */
static int out_vector_of(rcr_buf *out, const uint8_t *v, size_t n, const char *type, uint32_t elem, size_t w)
{
	if (n < 12)
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes", type, n);
	int32_t ndim = (int32_t)rcr_load_u32be(v);
	uint32_t flags = rcr_load_u32be(v + 4), eoid = rcr_load_u32be(v + 8);
	if (ndim == 0 && n == 12 && flags == 0 && eoid == elem)
		return 0;
	if (ndim != 1 || flags != 0 || eoid != elem || n < 20 || rcr_load_u32be(v + 16) != 0)
		return rcr_error_set(RCR_E_FORMAT, "invalid %s value", type);
	int32_t count = (int32_t)rcr_load_u32be(v + 12);
	if (count < 0 || count > FUNC_MAX_ARGS || n != 20 + (size_t)count * (4 + w))
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes for %d elements", type, n, (int)count);
	for (int32_t i = 0; i < count; i++) {
		const uint8_t *p = v + 20 + (size_t)i * (4 + w);
		if (rcr_load_u32be(p) != w)
			return rcr_error_set(RCR_E_FORMAT, "%s element of the wrong size", type);
		char tmp[24];
		int k = w == 2 ? snprintf(tmp, sizeof tmp, "%s%d", i ? " " : "", (int)(int16_t)rcr_load_u16be(p + 4))
			       : snprintf(tmp, sizeof tmp, "%s%" PRIu32, i ? " " : "", rcr_load_u32be(p + 4));
		PUT(tmp, (size_t)k);
	}
	return 0;
}

int rcr_tx_int2vector(rcr_buf *out, const uint8_t *v, size_t n)
{
	return out_vector_of(out, v, n, "int2vector", 21, 2);
}

int rcr_tx_oidvector(rcr_buf *out, const uint8_t *v, size_t n)
{
	return out_vector_of(out, v, n, "oidvector", 26, 4);
}

/* money: int64 in cents, as cash_out prints it where lc_monetary is C or POSIX: no grouping or
 * symbols of its own, so its defaults apply: "$", "," every three digits, "." and two
 * fraction digits, "-" in front of negative amounts. Other locales print other symbols and
 * digits and read the same text as another amount, so this is only right for archives whose
 * dump saw the C locale (RCR_TEXTOUT_MONEY_C); others are refused. */
int rcr_tx_money(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(want_len("money", n, 8));
	if (!(rcr_tx_flags() & RCR_TEXTOUT_MONEY_C))
		return rcr_error_set_hint(RCR_E_USAGE, "dump the database again with this version of rcr dump",
					  "money values are printed only for archives whose dump recorded lc_monetary C or POSIX");
	int64_t value = rcr_tx_load_i64be(v);
	uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
	char buf[64], *p = buf + sizeof buf;
	int pos = 2; /* digits right of the one just left of the decimal point */
	do {
		if (pos == 0)
			*--p = '.';
		else if (pos < 0 && pos % 3 == 0)
			*--p = ',';
		*--p = (char)('0' + u % 10);
		u /= 10;
		pos--;
	} while (u || pos >= 0);
	if (value < 0)
		PUTC('-');
	PUTC('$');
	return rcr_buf_append(out, p, (size_t)(buf + sizeof buf - p));
}

/* jsonpath: version byte 1, then the text jsonpath_out prints. */
int rcr_tx_jsonpath(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n < 1 || v[0] != 1)
		return rcr_error_set(RCR_E_FORMAT, "jsonpath value without version byte 1");
	if (memchr(v + 1, 0, n - 1))
		return rcr_error_set(RCR_E_FORMAT, "jsonpath value contains a NUL byte");
	return rcr_buf_append(out, v + 1, n - 1);
}

/* bytea_output escape (byteaout): backslash doubled, bytes outside 0x20..0x7e as \ooo. */
int rcr_tx_bytea_escape(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n == 0)
		return 0; /* out->data may still be NULL */
	if (n > SIZE_MAX / 4)
		return rcr_error_set(RCR_E_LIMIT, "bytea value too large");
	RCR_FORWARD(rcr_buf_reserve(out, 4 * n));
	uint8_t *p = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		if (c == '\\') {
			*p++ = '\\';
			*p++ = '\\';
		} else if (c < 0x20 || c > 0x7e) {
			*p++ = '\\';
			*p++ = (uint8_t)('0' + (c >> 6));
			*p++ = (uint8_t)('0' + (c >> 3 & 7));
			*p++ = (uint8_t)('0' + (c & 7));
		} else {
			*p++ = c;
		}
	}
	out->len = (size_t)(p - out->data);
	return 0;
}

/* Length of `lit` at s[p] if it is there, else 0. */
static size_t lit_at(const uint8_t *s, size_t n, size_t p, const char *lit)
{
	size_t k = strlen(lit);
	return n - p >= k && memcmp(s + p, lit, k) == 0 ? k : 0;
}

/* The declaration print_xml_decl writes, at the start of s: `<?xml version="V"`, then
 * ` encoding="E"` and ` standalone="yes"` or `"no"` when there, then `?>`. Sets the spans of
 * V and of the standalone attribute (empty when absent) and returns the declaration's length,
 * or 0 when s does not start with one of this form. */
static size_t xml_decl(const uint8_t *s, size_t n, const uint8_t **ver, size_t *ver_len, const uint8_t **sa,
		       size_t *sa_len)
{
	size_t p = lit_at(s, n, 0, "<?xml version=\""), k;
	const uint8_t *q = p ? memchr(s + p, '"', n - p) : NULL;
	if (!q)
		return 0;
	*ver = s + p;
	*ver_len = (size_t)(q - *ver);
	p = (size_t)(q - s) + 1;
	if ((k = lit_at(s, n, p, " encoding=\""))) {
		q = memchr(s + p + k, '"', n - p - k);
		if (!q)
			return 0;
		p = (size_t)(q - s) + 1;
	}
	*sa = s + p;
	*sa_len = lit_at(s, n, p, " standalone=\"yes\"");
	if (!*sa_len)
		*sa_len = lit_at(s, n, p, " standalone=\"no\"");
	p += *sa_len;
	return lit_at(s, n, p, "?>") ? p + 2 : 0;
}

/* xml: xml_send sends what xml_out_internal prints for the client's encoding, xml_out what it
 * prints for none. In UTF8 and SQL_ASCII the two are the same text. In other encodings the
 * declaration names the encoding, so there is always one: its version and standalone are the
 * stored ones, and xml_out prints a declaration only when the version is not 1.0 or standalone
 * is given; when it prints none, it drops one newline after it. */
int rcr_tx_xml(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (memchr(v, 0, n))
		return rcr_error_set(RCR_E_FORMAT, "xml value contains a NUL byte");
	const uint8_t *ver, *sa;
	size_t ver_len, sa_len, k;
	if (!(rcr_tx_flags() & RCR_TEXTOUT_XML_DECL) || !(k = xml_decl(v, n, &ver, &ver_len, &sa, &sa_len)))
		return rcr_buf_append(out, v, n);
	if ((ver_len == 3 && memcmp(ver, "1.0", 3) == 0) && sa_len == 0) {
		if (k < n && v[k] == '\n')
			k++;
	} else {
		PUT("<?xml version=\"", 15);
		PUT(ver, ver_len);
		PUTC('"');
		PUT(sa, sa_len);
		PUT("?>", 2);
	}
	return rcr_buf_append(out, v + k, n - k);
}
