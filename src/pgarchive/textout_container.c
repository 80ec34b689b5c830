/*
 * textout_container.c: arrays, composites (records) and ranges, binary to text (see
 * include/rcr/textout.h; the scalars are in textout.c).
 *
 * Each element is printed by rcr_tx_convert into a scratch buffer, one level deeper, and then
 * quoted as the container's output function quotes it: array_out backslash-escapes, record_out
 * and range_out double the quote characters. The element's type comes from the container's
 * type name (arrays, ranges) or the composite's definition (records); the OIDs inside the
 * value are only checked against it.
 */
#include "textout_internal.h"

#include "rcr/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARRAY_MAXDIM 6 /* PostgreSQL's MAXDIM */

/* Converts one element into scratch so that the container can decide about quoting. */
static int element_text(rcr_buf *tmp, const char *type_name, const uint8_t *v, size_t n, int depth)
{
	tmp->len = 0;
	return rcr_tx_convert(tmp, type_name, v, n, depth + 1);
}

/* array_out's quoting: empty, "NULL" in any case, or any of {}"\, the type's delimiter or white
 * space. */
static int put_array_elem(rcr_buf *out, const rcr_buf *e, char delim)
{
	int quote = e->len == 0 || (e->len == 4 && strncasecmp((const char *)e->data, "NULL", 4) == 0);
	for (size_t i = 0; i < e->len && !quote; i++) {
		uint8_t c = e->data[i];
		quote = c == '{' || c == '}' || c == '"' || c == (uint8_t)delim || c == '\\' || c == ' ' || c == '\t' ||
			c == '\n' || c == '\r' || c == '\v' || c == '\f';
	}
	if (!quote)
		return rcr_buf_append(out, e->data, e->len);
	PUTC('"');
	for (size_t i = 0; i < e->len; i++) {
		if (e->data[i] == '"' || e->data[i] == '\\')
			PUTC('\\');
		PUTC(e->data[i]);
	}
	PUTC('"');
	return 0;
}

/* record_out's and range_out's quoting: empty, white space or any of the given specials;
 * inside quotes '"' and '\' are doubled. */
static int put_quoted_doubling(rcr_buf *out, const rcr_buf *e, const char *specials)
{
	int quote = e->len == 0;
	for (size_t i = 0; i < e->len && !quote; i++) {
		uint8_t c = e->data[i];
		quote = strchr(specials, c) != NULL || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
			c == '\v' || c == '\f';
	}
	if (!quote)
		return rcr_buf_append(out, e->data, e->len);
	PUTC('"');
	for (size_t i = 0; i < e->len; i++) {
		if (e->data[i] == '"' || e->data[i] == '\\')
			PUTC(e->data[i]);
		PUTC(e->data[i]);
	}
	PUTC('"');
	return 0;
}

/* An array value's header: array_send writes int32 ndim, int32 has-nulls flag, oid element
 * type, then ndim (int32 length, int32 lower bound); the elements follow from `pos`. */
typedef struct array_head {
	int ndim;
	uint32_t flags;
	int32_t dims[ARRAY_MAXDIM], lbs[ARRAY_MAXDIM];
	uint64_t nitems;
	int bounds;     /* some lower bound is not 1: the text starts with the dimensions */
	size_t pos;
	char delim;     /* pg_type.typdelim of the element type: ';' for box, else ',' */
} array_head;

static int array_head_read(array_head *h, const uint8_t *v, size_t n, const char *elem)
{
	if (n < 12)
		return rcr_error_set(RCR_E_FORMAT, "array value of %zu bytes", n);
	int32_t ndim = (int32_t)rcr_load_u32be(v);
	uint32_t eoid = rcr_load_u32be(v + 8);
	h->flags = rcr_load_u32be(v + 4);
	if (ndim < 0 || ndim > ARRAY_MAXDIM)
		return rcr_error_set(RCR_E_FORMAT, "array value with %" PRId32 " dimensions", ndim);
	if (h->flags > 1)
		return rcr_error_set(RCR_E_FORMAT, "array value with invalid flags %" PRIu32, h->flags);
	const char *known = rcr_textout_type_for_oid(eoid);
	if (known && strcmp(known, elem) != 0)
		return rcr_error_set(RCR_E_FORMAT, "array of '%s' holds elements of type oid %" PRIu32 " ('%s')", elem,
				     eoid, known);
	if (n < 12 + 8 * (size_t)ndim)
		return rcr_error_set(RCR_E_FORMAT, "array value of %zu bytes for %" PRId32 " dimensions", n, ndim);
	h->ndim = ndim;
	h->delim = strcmp(elem, "box") == 0 ? ';' : ',';
	h->nitems = ndim ? 1 : 0;
	h->bounds = 0;
	h->pos = 12 + 8 * (size_t)ndim;
	for (int i = 0; i < ndim; i++) {
		h->dims[i] = (int32_t)rcr_load_u32be(v + 12 + 8 * i);
		h->lbs[i] = (int32_t)rcr_load_u32be(v + 16 + 8 * i);
		/* array_recv: non-negative lengths, and upper bounds that do not overflow */
		if (h->dims[i] < 0 || (int64_t)h->lbs[i] + h->dims[i] - 1 > INT32_MAX)
			return rcr_error_set(RCR_E_FORMAT, "array value with invalid dimension %d", i + 1);
		h->nitems *= (uint64_t)h->dims[i];
		/* every element takes at least its 4-byte length */
		if (h->nitems > n / 4)
			return rcr_error_set(RCR_E_FORMAT, "array value too short for its dimensions");
		h->bounds |= h->lbs[i] != 1;
	}
	return 0;
}

/* "[lb:ub]" per dimension and "=", as array_out writes when a lower bound is not 1. */
static int put_array_bounds(rcr_buf *out, const array_head *h)
{
	for (int i = 0; i < h->ndim; i++) {
		char tmp[32];
		int k = snprintf(tmp, sizeof tmp, "[%" PRId32 ":%" PRId64 "]", h->lbs[i], (int64_t)h->lbs[i] + h->dims[i] - 1);
		PUT(tmp, (size_t)k);
	}
	PUTC('=');
	return 0;
}

/* Prints element `item` at h->pos and moves past it; e is scratch. */
static int put_array_item(rcr_buf *out, rcr_buf *e, array_head *h, const uint8_t *v, size_t n, uint64_t item,
			  const char *elem, int depth)
{
	if (n - h->pos < 4)
		return rcr_error_set(RCR_E_FORMAT, "array value ends inside element %" PRIu64, item);
	int32_t len = (int32_t)rcr_load_u32be(v + h->pos);
	h->pos += 4;
	if (len == -1) {
		if (!h->flags)
			return rcr_error_set(RCR_E_FORMAT, "array value has a NULL but no null flag");
		return rcr_tx_puts(out, "NULL");
	}
	if (len < 0 || (size_t)len > n - h->pos)
		return rcr_error_set(RCR_E_FORMAT, "array element %" PRIu64 " of %" PRId32 " bytes overruns the value", item,
				     len);
	int rc = element_text(e, elem, v + h->pos, (size_t)len, depth);
	if (rc == 0)
		rc = put_array_elem(out, e, h->delim);
	h->pos += (size_t)len;
	return rc;
}

/* After an element, advances the odometer idx: closes the dimensions it finished and, unless
 * that was the last element, reopens them after a comma. */
static int put_array_step(rcr_buf *out, int32_t *idx, const array_head *h)
{
	int d = h->ndim - 1;
	while (d >= 0 && ++idx[d] == h->dims[d]) {
		idx[d] = 0;
		d--;
	}
	int closed = h->ndim - 1 - d;
	for (int i = 0; i < closed; i++)
		PUTC('}');
	if (d < 0)
		return 0;
	PUTC(h->delim);
	for (int i = 0; i < closed; i++)
		PUTC('{');
	return 0;
}

int rcr_tx_array(rcr_buf *out, const uint8_t *v, size_t n, const char *elem, int depth)
{
	array_head h = {0};
	RCR_FORWARD(array_head_read(&h, v, n, elem));
	if (h.nitems == 0) {
		if (n != h.pos)
			return rcr_error_set(RCR_E_FORMAT, "empty array value has %zu trailing bytes", n - h.pos);
		return rcr_tx_puts(out, "{}");
	}
	if (h.bounds)
		RCR_FORWARD(put_array_bounds(out, &h));
	for (int i = 0; i < h.ndim; i++)
		PUTC('{');
	rcr_buf e = RCR_BUF_INIT;
	int32_t idx[ARRAY_MAXDIM] = {0};
	int rc = 0;
	for (uint64_t item = 0; item < h.nitems && rc == 0; item++) {
		rc = put_array_item(out, &e, &h, v, n, item, elem, depth);
		if (rc == 0)
			rc = put_array_step(out, idx, &h);
	}
	rcr_buf_free(&e);
	if (rc == 0 && h.pos != n)
		rc = rcr_error_set(RCR_E_FORMAT, "array value has %zu trailing bytes", n - h.pos);
	return rc;
}

/*
 * The composite types of the current rcr_textout_value_in call. Thread-local rather than a
 * parameter so that the converters' shared signature (and every converter) stays as it is;
 * set and restored by rcr_textout_value_in only.
 */
static _Thread_local const rcr_textout_catalog *cur_catalog;

const rcr_textout_catalog *rcr_tx_catalog_swap(const rcr_textout_catalog *catalog)
{
	const rcr_textout_catalog *old = cur_catalog;
	cur_catalog = catalog;
	return old;
}

unsigned rcr_tx_flags(void)
{
	return cur_catalog ? cur_catalog->flags : 0;
}

/* record_send: int32 column count, then per column oid, int32 length (-1 for NULL), bytes.
 * `comp` (or NULL for an anonymous record) names each column's type by position: the OIDs in
 * the value are only checked against it, as user types' OIDs mean nothing outside the
 * database they came from. */
static int record_fields(rcr_buf *out, const uint8_t *v, size_t n, const rcr_textout_composite *comp, int depth)
{
	if (n < 4)
		return rcr_error_set(RCR_E_FORMAT, "record value of %zu bytes", n);
	int32_t ncols = (int32_t)rcr_load_u32be(v);
	if (ncols < 0 || (size_t)ncols > (n - 4) / 8)
		return rcr_error_set(RCR_E_FORMAT, "record value of %zu bytes for %" PRId32 " columns", n, ncols);
	if (comp && (uint32_t)ncols != comp->nfields)
		return rcr_error_set(RCR_E_FORMAT, "record value has %" PRId32 " columns, its type %" PRIu32 " has %" PRIu32,
				     ncols, comp->oid, comp->nfields);
	size_t pos = 4;
	rcr_buf e = RCR_BUF_INIT;
	int rc = rcr_buf_append_u8(out, '(');
	for (int32_t i = 0; i < ncols && rc == 0; i++) {
		if (i)
			rc = rcr_buf_append_u8(out, ',');
		if (rc == 0 && n - pos < 8)
			rc = rcr_error_set(RCR_E_FORMAT, "record value ends inside column %" PRId32, i + 1);
		if (rc)
			break;
		uint32_t oid = rcr_load_u32be(v + pos);
		int32_t len = (int32_t)rcr_load_u32be(v + pos + 4);
		pos += 8;
		if (len == -1)
			continue; /* NULL: nothing between the commas */
		if (len < 0 || (size_t)len > n - pos) {
			rc = rcr_error_set(RCR_E_FORMAT, "record column %" PRId32 " of %" PRId32 " bytes overruns the value",
					   i + 1, len);
			break;
		}
		const char *known = rcr_textout_type_for_oid(oid), *name = comp ? comp->fields[i] : known;
		if (comp && known && strcmp(known, name) != 0) {
			rc = rcr_error_set(RCR_E_FORMAT, "record column %" PRId32 " holds type oid %" PRIu32 " ('%s'), not '%s'",
					   i + 1, oid, known, name);
			break;
		}
		if (!name) {
			rc = rcr_error_set_hint(RCR_E_USAGE, "only built-in types are converted inside composite values",
						"cannot convert composite column %" PRId32 " of type oid %" PRIu32 " to text",
						i + 1, oid);
			break;
		}
		rc = element_text(&e, name, v + pos, (size_t)len, depth);
		if (rc == 0)
			rc = put_quoted_doubling(out, &e, "\"\\(),");
		pos += (size_t)len;
	}
	rcr_buf_free(&e);
	if (rc == 0)
		rc = rcr_buf_append_u8(out, ')');
	if (rc == 0 && pos != n)
		rc = rcr_error_set(RCR_E_FORMAT, "record value has %zu trailing bytes", n - pos);
	return rc;
}

int rcr_tx_record(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	(void)t;
	return record_fields(out, v, n, NULL, depth);
}

/* "record:OID": a composite of the current catalog. */
int rcr_tx_typed_record(rcr_buf *out, const char *type_name, const uint8_t *v, size_t n, int depth)
{
	char *end;
	unsigned long oid = strtoul(type_name + 7, &end, 10);
	for (size_t i = 0; cur_catalog && i < cur_catalog->n && !*end; i++)
		if (cur_catalog->types[i].oid == oid)
			return record_fields(out, v, n, &cur_catalog->types[i], depth);
	return rcr_error_set(RCR_E_USAGE, "cannot convert values of type '%s' to text: no such composite", type_name);
}

#define RANGE_EMPTY 0x01
#define RANGE_LB_INC 0x02
#define RANGE_UB_INC 0x04
#define RANGE_LB_INF 0x08
#define RANGE_UB_INF 0x10

/* range_send: flags byte, then the lower and the upper bound (each unless empty or
 * infinite) as int32 length and the subtype's binary value. */
int rcr_tx_range(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	if (n < 1)
		return rcr_error_set(RCR_E_FORMAT, "empty %s value", t->name);
	unsigned flags = v[0];
	if (flags & ~0x1Fu)
		return rcr_error_set(RCR_E_FORMAT, "%s value with invalid flags 0x%02x", t->name, flags);
	if (flags & RANGE_EMPTY) {
		if (n != 1)
			return rcr_error_set(RCR_E_FORMAT, "empty %s value with bounds", t->name);
		return rcr_tx_puts(out, "empty");
	}
	size_t pos = 1;
	rcr_buf e = RCR_BUF_INIT;
	int rc = rcr_buf_append_u8(out, flags & RANGE_LB_INC ? '[' : '(');
	for (int b = 0; b < 2 && rc == 0; b++) {
		if (b)
			rc = rcr_buf_append_u8(out, ',');
		if (rc || (flags & (b ? RANGE_UB_INF : RANGE_LB_INF)))
			continue;
		if (n - pos < 4) {
			rc = rcr_error_set(RCR_E_FORMAT, "%s value ends inside a bound", t->name);
			break;
		}
		int32_t len = (int32_t)rcr_load_u32be(v + pos);
		pos += 4;
		if (len < 0 || (size_t)len > n - pos) {
			rc = rcr_error_set(RCR_E_FORMAT, "%s bound of %" PRId32 " bytes overruns the value", t->name, len);
			break;
		}
		rc = element_text(&e, t->sub, v + pos, (size_t)len, depth);
		if (rc == 0)
			rc = put_quoted_doubling(out, &e, "\"\\()[],");
		pos += (size_t)len;
	}
	rcr_buf_free(&e);
	if (rc == 0)
		rc = rcr_buf_append_u8(out, flags & RANGE_UB_INC ? ']' : ')');
	if (rc == 0 && pos != n)
		rc = rcr_error_set(RCR_E_FORMAT, "%s value has %zu trailing bytes", t->name, n - pos);
	return rc;
}

/* multirange_send: int32 range count, then per range int32 length and the range's range_send
 * bytes; multirange_out prints "{range,range}" with each range as range_out prints it,
 * unquoted. t->sub is the range type's name. */
int rcr_tx_multirange(rcr_buf *out, const uint8_t *v, size_t n, const rcr_tx_type *t, int depth)
{
	if (n < 4)
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes", t->name, n);
	uint32_t count = rcr_load_u32be(v);
	if (count > (n - 4) / 5) /* each range takes its length and at least its flags byte */
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes for %" PRIu32 " ranges", t->name, n, count);
	size_t pos = 4;
	PUTC('{');
	for (uint32_t i = 0; i < count; i++) {
		if (n - pos < 4)
			return rcr_error_set(RCR_E_FORMAT, "%s value ends inside range %" PRIu32, t->name, i + 1);
		int32_t len = (int32_t)rcr_load_u32be(v + pos);
		pos += 4;
		if (len < 0 || (size_t)len > n - pos)
			return rcr_error_set(RCR_E_FORMAT, "%s range of %" PRId32 " bytes overruns the value", t->name, len);
		if (i)
			PUTC(',');
		RCR_FORWARD(rcr_tx_convert(out, t->sub, v + pos, (size_t)len, depth + 1));
		pos += (size_t)len;
	}
	PUTC('}');
	if (pos != n)
		return rcr_error_set(RCR_E_FORMAT, "%s value has %zu trailing bytes", t->name, n - pos);
	return 0;
}
