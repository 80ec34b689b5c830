/*
 * typeres.h: the text-output name (textout.h) of each column's type, resolved through the
 * archive's schema toc.dat.
 *
 * The manifest records a column's base type by schema and name, with its typtype and, for
 * arrays, the element's typtype. That is enough for built-in types, pgvector's and enums, but
 * not for composites: their binary values carry each field's type OID, and the OIDs of user
 * types (enums, domains, composites, pgvector's types and the arrays of all of these) mean
 * nothing outside the dumped database. The definitions are in the schema pg_dump wrote: a
 * composite's TYPE entry lists its fields with their types as format_type prints them
 * (`public.vector(3)`, `integer[]`, `"Nest Ing"."half Dom"`), a DOMAIN entry its base type,
 * an enum's TYPE entry says `AS ENUM`. Extension members such as pgvector's types have no
 * entry and are known by name. Resolution is by position, so it needs no OID but the
 * composite's own (its TYPE entry's oid), which textout uses to find it ("record:OID").
 *
 * A user range type's entry gives its subtype ("range:SUB", textout.h), and names its
 * multirange (multirange_type_name), which has no entry of its own ("multirange:RANGE").
 *
 * Everything a column needs is resolved up front, so a type that cannot be printed (a
 * user-defined base type, a reg* type, money from a dump outside the C locale, a domain or
 * range outside the dumped schemas) is found before anything is written, with the path to it
 * named: "field 'price' of type 'public.priced': type 'money' is printed only for dumps whose
 * lc_monetary was C or POSIX, this one's was 'de_DE.UTF-8'". One exception: a column's composite type that the schema
 * does not hold (a dump with -t leaves types out) is printed as an anonymous "record", as
 * before this module existed: built-in fields convert, others fail on the first value.
 */
#ifndef RCR_TYPERES_H
#define RCR_TYPERES_H

#include "rcr/manifest.h"
#include "rcr/pgtoc.h"
#include "rcr/textout.h"

typedef struct rcr_typeres rcr_typeres;

/* A resolver over `toc` (borrowed: it must outlive the resolver). *out owned by the caller. */
int rcr_typeres_new(rcr_typeres **out, const rcr_toc *toc);
void rcr_typeres_free(rcr_typeres *r);

/* The textout name for column c's values into *name (owned by r, valid until it is freed),
 * resolving every composite it contains into r's catalog. A type that cannot be printed:
 * RCR_E_USAGE with a message saying which (nested) type; the caller names the column. */
int rcr_typeres_column(rcr_typeres *r, const rcr_column *c, const char **name);

/* Takes the dump's session from m's metadata (bytea_output, lc_monetary, encoding:
 * format-spec "Metadata keys") into the catalog's flags, and lc_monetary into the columns'
 * checks (money). Without it, or for keys the archive does not hold: bytea hex, money refused,
 * UTF8. RCR_E_FORMAT for a bytea_output
 * other than hex or escape. m is borrowed: it must outlive r. */
int rcr_typeres_session(rcr_typeres *r, const rcr_manifest *m);

/* The composites resolved so far, for rcr_textout_value_in. Borrowed; grows (and may move)
 * with each rcr_typeres_column call, so take it after the last one. */
const rcr_textout_catalog *rcr_typeres_catalog(const rcr_typeres *r);

#endif
