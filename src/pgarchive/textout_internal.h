/* textout_internal.h: what the textout_*.c files share (see include/rcr/textout.h). */
#ifndef RCR_TEXTOUT_INTERNAL_H
#define RCR_TEXTOUT_INTERNAL_H

#include "rcr/buf.h"
#include "rcr/err.h"
#include "rcr/textout.h"

#include <stddef.h>
#include <stdint.h>

/* A type textout prints: its name, its built-in OID (0 for an extension's type) and converter,
 * for a range its subtype's name, and the pg_type.typtype it stands for ('p' for the names that
 * stand for no one pg_type row: "enum", "record"). One row of textout.c's registry. */
typedef struct rcr_tx_type rcr_tx_type;
typedef int (*rcr_tx_out_fn)(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth);
/* A converter that needs nothing but the value (most scalars). */
typedef int (*rcr_tx_scalar_fn)(rcr_buf *out, const uint8_t *v, size_t n);
struct rcr_tx_type {
	const char *name;
	uint32_t oid;
	rcr_tx_out_fn fn;        /* NULL: scalar is the converter */
	const char *sub;
	char typtype;
	rcr_tx_scalar_fn scalar;
};

/* Appends the text of a value of the named type (textout.c's dispatch), depth levels inside
 * containers; the containers call it for their elements. */
int rcr_tx_convert(rcr_buf *out, const char *type_name, const uint8_t *v, size_t n, int depth);

/* The containers (textout_container.c). elem is the array's element type name. */
int rcr_tx_array(rcr_buf *out, const uint8_t *v, size_t n, const char *elem, int depth);
int rcr_tx_record(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth);
/* "record:OID": a composite of the catalog set by rcr_tx_catalog_swap. */
int rcr_tx_typed_record(rcr_buf *out, const char *type_name, const uint8_t *v, size_t n, int depth);
int rcr_tx_range(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth);
/* Sets this thread's composite catalog for "record:OID" names and returns the previous one
 * (rcr_textout_value_in sets and restores it around one value). */
const rcr_textout_catalog *rcr_tx_catalog_swap(const rcr_textout_catalog *catalog);

/* The catalog's session: its RCR_TEXTOUT_* flags, 0 without a catalog. */
unsigned rcr_tx_flags(void);
/* A multirange (textout_container.c); t->sub names its range type. */
int rcr_tx_multirange(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth);

/* Appends, returning from the calling converter on failure; `out` is its output buffer. */
#define PUTS(s) RCR_FORWARD(rcr_tx_puts(out, (s)))
#define PUTC(c) RCR_FORWARD(rcr_buf_append_u8(out, (uint8_t)(c)))
#define PUT(p, k) RCR_FORWARD(rcr_buf_append(out, (p), (k)))

/* Each converter appends the text of one non-NULL binary value of exactly `n` bytes. */
int rcr_tx_date(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_time(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_timetz(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_timestamp(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_timestamptz(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_interval(rcr_buf *out, const uint8_t *v, size_t n);

/* textout_geo.c */
int rcr_tx_point(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_lseg(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_box(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_path(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_polygon(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_line(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_circle(rcr_buf *out, const uint8_t *v, size_t n);
/* textout_tsearch.c */
int rcr_tx_tsvector(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_tsquery(rcr_buf *out, const uint8_t *v, size_t n);
/* textout_misc.c */
int rcr_tx_tid(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_xid(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_xid8(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_pg_lsn(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_snapshot(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_int2vector(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_oidvector(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_money(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_jsonpath(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_bytea_escape(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_xml(rcr_buf *out, const uint8_t *v, size_t n);

/* Ryu's fixed-point powers of five (textout_float.c, where their definitions are); shared only
 * so that the unit test can recompute and compare every entry. */
extern const uint64_t rcr_tx_d_pow5_inv[292][2];
extern const uint64_t rcr_tx_d_pow5[326][2];
extern const uint64_t rcr_tx_f_pow5_inv[31];
extern const uint64_t rcr_tx_f_pow5[48];

static inline int64_t rcr_tx_load_i64be(const uint8_t *p)
{
	return (int64_t)(((uint64_t)rcr_load_u32be(p) << 32) | rcr_load_u32be(p + 4));
}

/* A big-endian float8 (float8send, and the geometric types' coordinates). */
static inline double rcr_tx_load_f8(const uint8_t *p)
{
	uint64_t u = (uint64_t)rcr_tx_load_i64be(p);
	double d;
	memcpy(&d, &u, 8);
	return d;
}

/* Appends float8out's text of d (shortest round trip). */
static inline int rcr_tx_put_f8(rcr_buf *out, double d)
{
	RCR_FORWARD(rcr_buf_reserve(out, RCR_TEXTOUT_FLOAT_BUF));
	out->len += rcr_textout_float8((char *)out->data + out->len, d);
	return 0;
}

static inline int rcr_tx_puts(rcr_buf *out, const char *s)
{
	return rcr_buf_append(out, s, strlen(s));
}

#endif
