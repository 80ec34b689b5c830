/*
 * textout.h: PostgreSQL binary field values to their text output, and COPY text escaping.
 *
 * rcr archives keep table data as binary COPY field values (the bytes of each type's send
 * function); `rcr convert` writes pg_dump's directory format, whose data files are text COPY.
 * This module is the pure part of that conversion: given the type and one non-NULL binary
 * value it appends exactly what the server's output function prints under pg_dump's session
 * settings (DateStyle ISO, IntervalStyle postgres, extra_float_digits 1 or more, i.e. shortest
 * round-trip floats, in numbers and in the geometric types' coordinates), and timestamptz in
 * UTC with an explicit "+00" (pg_dump prints it in its session's TimeZone; either text reads
 * back as the same instant).
 *
 * Settings pg_dump leaves to its session change some types' text; the dump records them in the
 * archive's metadata and a catalog (rcr_textout_value_in) carries them here as RCR_TEXTOUT_*
 * flags: bytea_output (hex by default, escape with RCR_TEXTOUT_BYTEA_ESCAPE) and lc_monetary.
 * money is printed only as cash_out prints it in the C locale, so only with
 * RCR_TEXTOUT_MONEY_C, which means that the dump's session had lc_monetary C or POSIX; rcr
 * dump stores tables with money columns as text otherwise (rcr_textout_printable). What is
 * printed is the same for PostgreSQL 15, 16, 17 and 18: their output functions agree on every
 * value the tests compare (textout_test's server cases, tests/integration/convert_types_test.sh).
 *
 * Types are named as pg_type.typname of the column's base type:
 *   - domains: pass the domain's base type;
 *   - enums: the binary form is the label, pass "text" (or "enum");
 *   - composites: pass "record"; the binary form carries each column's type OID, and columns
 *     of built-in types are converted (see rcr_textout_type_for_oid), others are refused.
 *     Or pass "record:OID" with a catalog (rcr_textout_value_in) that names the type of each
 *     field of composite OID by position, in these same names, so fields of user types
 *     (enums, domains, pgvector's types, other composites, arrays of them) convert too;
 *   - arrays: pg_type names them with a leading underscore ("_int4", "_record"); elements are
 *     converted by the name after the underscore, so arrays of domains and enums work when the
 *     caller passes the base name. An element OID in the array header that is a known built-in
 *     different from that name is refused as inconsistent;
 *   - ranges and multiranges of pg_catalog by their names ("int4range", "datemultirange");
 *     users' ranges as "range:SUB", SUB the subtype's name in these same names ("range:text",
 *     "range:record:OID"), and their multiranges as "multirange:RANGE" ("multirange:range:text").
 *
 * Every function reads only the `len` bytes given and returns 0 or a negative rcr_err code
 * with a message: RCR_E_FORMAT for bytes the type's receive function would reject
 * (truncated, trailing bytes, out-of-range), RCR_E_USAGE for a type this module cannot
 * convert, RCR_E_NOMEM. On failure `out` may hold a partial value: callers drop the row or
 * the whole conversion, they never write it.
 */
#ifndef RCR_TEXTOUT_H
#define RCR_TEXTOUT_H

#include "rcr/buf.h"

#include <stddef.h>
#include <stdint.h>

/* 1 if rcr_textout_value converts values of this type name, else 0. For "_x" arrays this
 * is whether "x" is supported. Composite columns are checked per value (their OIDs are only
 * in the data). */
int rcr_textout_supported(const char *type_name);

/* 1 if rcr convert prints values of the type schema.name, whose pg_type.typtype is `typtype`,
 * from their binary form, else 0. This is what rcr dump asks of every type a column reaches:
 * a table with a column that reaches a type answered 0 is stored as text (RCR_TABLE_TEXT), so
 * that convert never refuses an archive dump wrote. Answered from the printers' own table.
 *
 * The caller walks the containers and asks about each type on the way:
 *   - 'b' base types: the built-in types of pg_catalog that have a printer, and pgvector's
 *     vector, halfvec and sparsevec in the schema the extension is in; 0 for every other base
 *     type (user-defined and other extensions' types, and built-ins whose text needs the
 *     database, such as the reg* types, which print OIDs as names). An array may be asked
 *     about as its element, or by its pg_catalog name ("_int4"); arrays of other schemas
 *     ("_mood") are asked about as their element;
 *   - 'e' enums, 'c' composites and 'd' domains: 1, their labels print as text; the caller
 *     checks the fields of composites and the base types of domains;
 *   - 'r' ranges and 'm' multiranges: 1; the caller checks the subtype (pg_range.rngsubtype),
 *     for a multirange that of its range (pg_range.rngmultitypid);
 *   - anything else ('p' pseudo-types): 0;
 *   - typtype 0: whatever the name is in pg_catalog (for names read from format_type text).
 * `lc_monetary` is the dumping session's lc_monetary setting (SHOW lc_monetary), or NULL when
 * unknown: money's text depends on it, and convert prints it only as the C locale does, so
 * money is printable only when it is "C" or "POSIX". */
int rcr_textout_printable(const char *schema, const char *name, char typtype, const char *lc_monetary);

/* Appends the text output of one non-NULL binary value of type `type_name` to `out`, not yet
 * COPY-escaped. `typmod` is pg_attribute.atttypmod (-1 if none); output does not depend on
 * it for the supported types, it is accepted for the interface's sake. */
int rcr_textout_value(rcr_buf *out, const char *type_name, int32_t typmod, const uint8_t *val,
		      size_t len);

/* A composite type for rcr_textout_value_in: its pg_type OID (as the archive recorded it) and
 * the names, as above, of its fields' types in attribute order, without dropped ones. */
typedef struct rcr_textout_composite {
	uint32_t oid;
	uint32_t nfields;
	const char *const *fields;
} rcr_textout_composite;

/* What the values of one archive need besides their bytes: its composites, and its dump's
 * session (typeres.c fills both from the archive). */
typedef struct rcr_textout_catalog {
	size_t n;
	const rcr_textout_composite *types;
	unsigned flags;         /* RCR_TEXTOUT_* */
} rcr_textout_catalog;

#define RCR_TEXTOUT_MONEY_C 0x01u      /* lc_monetary was C or POSIX: money is printed (cash_out's C locale text) */
#define RCR_TEXTOUT_BYTEA_ESCAPE 0x02u /* bytea_output was escape */
/* The archive's encoding is neither UTF8 nor SQL_ASCII: xml_send then writes a declaration
 * naming the encoding in front of every xml value, which xml_out does not print. */
#define RCR_TEXTOUT_XML_DECL 0x04u

/* rcr_textout_value, where names "record:OID" (also as array elements and inside other
 * composites) are looked up in `catalog` (borrowed for the call; NULL = none). A value whose
 * column count differs from the catalog's, or whose column OID is a built-in type other than
 * the catalog says, is RCR_E_FORMAT. */
int rcr_textout_value_in(rcr_buf *out, const rcr_textout_catalog *catalog, const char *type_name, int32_t typmod,
			 const uint8_t *val, size_t len);

/* Appends `s` escaped as COPY text format does with the default tab delimiter
 * (copyto.c CopyAttributeOutText): backslash doubled; BS, FF, LF, CR, HT, VT written as
 * \b \f \n \r \t \v; other bytes as they are. Assumes an ASCII-safe encoding (UTF-8, the
 * LATIN family), where no multibyte character contains a byte below 0x80. The NULL marker
 * \N is the caller's to write. */
int rcr_textout_copy_escape(rcr_buf *out, const uint8_t *s, size_t n);

/* The type name this module uses for a built-in type OID (16 -> "bool"), or NULL if it has
 * none. Used for composite columns and array element checks. */
const char *rcr_textout_type_for_oid(uint32_t oid);

/* Shortest round-trip text of a float8 / float4 exactly as PostgreSQL 12+ prints it
 * (float8out / float4out with extra_float_digits > 0; pgvector's element output): "0.1",
 * "1e+100", "-0", "NaN", "-Infinity". `dst` needs RCR_TEXTOUT_FLOAT_BUF bytes; returns the
 * length written (NUL-terminated). */
#define RCR_TEXTOUT_FLOAT_BUF 32
/* The longest texts, excluding the NUL: "-1.23456789e-38", "-0.000123456789" (float4) and
 * "-1.2345678901234567e-308" (float8); textout_float_test checks every output against them. */
#define RCR_TEXTOUT_FLOAT4_MAX 15
#define RCR_TEXTOUT_FLOAT8_MAX 24
size_t rcr_textout_float8(char *dst, double v);
size_t rcr_textout_float4(char *dst, float v);

/* Gzip writer for pg_dump data files (NNNN.dat.gz), used instead of zlib's gzwrite because it
 * is about three times faster at the same level (textout_gzip.c says why and how). The file is
 * a concatenation of gzip members of RCR_TEXTOUT_GZ_MEMBER input bytes each, which gzread, and
 * so pg_restore, gzip -d and zcat, read as one stream.
 *
 * rcr_textout_gz_new: *out writes to fd (borrowed: the caller closes it after
 *   rcr_textout_gz_free) at gzip `level` 1..9; `path` (borrowed, must outlive the writer)
 *   names the file in messages.
 * rcr_textout_gz_write: appends n bytes; full members are compressed and written at once.
 * rcr_textout_gz_flush: compresses and writes what is pending; call once at the end, before
 *   free. Without it the tail of the text is lost.
 * All return 0 or a negative rcr_err code (RCR_E_NOMEM, RCR_E_IO, RCR_E_NOSPACE) with a
 * message naming `path`. */
#define RCR_TEXTOUT_GZ_MEMBER ((size_t)1 << 20)
typedef struct rcr_textout_gz rcr_textout_gz;
int rcr_textout_gz_new(rcr_textout_gz **out, int fd, int level, const char *path);
int rcr_textout_gz_write(rcr_textout_gz *g, const void *p, size_t n);
int rcr_textout_gz_flush(rcr_textout_gz *g);
void rcr_textout_gz_free(rcr_textout_gz *g);

#endif
