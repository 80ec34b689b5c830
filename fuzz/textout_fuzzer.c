/*
 * textout_fuzzer.c: binary-to-text conversion of every supported type on arbitrary bytes.
 *
 * Input: byte 0 picks the type name from a fixed list (modulo its size), byte 1 the dump's
 * session (RCR_TEXTOUT_* flags: money allowed, bytea escape, xml declarations); the rest is the
 * binary value, handed over as an exact-size heap copy so that ASan sees any read past it.
 *
 * Properties: failures are RCR_E_FORMAT, or RCR_E_USAGE for composites whose columns have no
 * converter and for money outside the C locale; a success writes text without NUL bytes, and
 * COPY escaping of it leaves no tab, newline or carriage return for the COPY reader to split on.
 *
 * Differential: the value's first 8 and first 4 bytes, read as a float8 and a float4, print
 * the same with the fast Ryu formatter as with the slow independent reference the unit tests
 * use (tests/unit/pgarchive/float_reference.h).
 */
#include "fuzz_helpers.h"

#include "rcr/textout.h"
#include "../tests/unit/pgarchive/float_reference.h"

#include <string.h>

static const char *const type_names[] = {
	"bool", "int2", "int4", "int8", "oid", "float4", "float8", "numeric", "text", "jsonb",
	"char", "bytea", "uuid", "date", "time", "timetz", "timestamp", "timestamptz", "interval",
	"inet", "cidr", "macaddr", "macaddr8", "bit", "varbit", "vector", "halfvec", "sparsevec",
	"record", "int4range", "numrange", "tstzrange", "daterange", "_int4", "_float8", "_numeric",
	"_text", "_timestamptz", "_interval", "_record", "_int4range", "_bytea", "_inet",
	/* issue 13 */
	"point", "lseg", "path", "box", "polygon", "line", "circle", "money", "tsvector", "tsquery",
	"tid", "xid", "xid8", "pg_lsn", "pg_snapshot", "int2vector", "oidvector", "jsonpath", "xml",
	"int4multirange", "datemultirange", "range:text", "multirange:range:int8", "_box", "_tsquery",
	"_nummultirange", "range:_int4",
};
#define TYPE_COUNT (sizeof type_names / sizeof type_names[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_producer fp = {data, size};
	const char *type = type_names[fuzz_u8(&fp) % TYPE_COUNT];
	const rcr_textout_catalog session = {.flags = fuzz_u8(&fp) & 7u};
	uint8_t *val = fuzz_dup(fp.p, fp.left);
	rcr_buf out = RCR_BUF_INIT, esc = RCR_BUF_INIT;
	int rc = rcr_textout_value_in(&out, &session, type, -1, val, fp.left);
	if (rc < 0) {
		FUZZ_ASSERT(rc == RCR_E_FORMAT ||
			    (rc == RCR_E_USAGE && (strstr(type, "record") != NULL || strcmp(type, "money") == 0)));
	} else {
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(out.len == 0 || memchr(out.data, 0, out.len) == NULL);
		FUZZ_ASSERT(rcr_textout_copy_escape(&esc, out.data, out.len) == 0);
		for (size_t i = 0; i < esc.len; i++)
			FUZZ_ASSERT(esc.data[i] != '\t' && esc.data[i] != '\n' && esc.data[i] != '\r');
	}
	if (fp.left >= 8) {
		double d;
		float f;
		memcpy(&d, fp.p, 8);
		memcpy(&f, fp.p, 4);
		char got[RCR_TEXTOUT_FLOAT_BUF], want[REF_FLOAT_BUF];
		rcr_textout_float8(got, d);
		ref_float8(want, d);
		FUZZ_ASSERT(strcmp(got, want) == 0);
		rcr_textout_float4(got, f);
		ref_float4(want, f);
		FUZZ_ASSERT(strcmp(got, want) == 0);
	}
	rcr_buf_free(&esc);
	rcr_buf_free(&out);
	free(val);
	return 0;
}
