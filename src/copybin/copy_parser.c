/* copy_parser.c: streaming binary COPY parser (see copybin.h; layout in PostgreSQL's
 * copyfromparse.c and format-spec/rcr-format.md, appendix "Binary COPY"). */
#include "rcr/copybin.h"
#include "rcr/err.h"

#include <stdlib.h>
#include <string.h>

enum { ST_HEADER, ST_TUPLES, ST_DONE };

struct rcr_copy_parser {
	uint16_t nfields;
	rcr_copy_tuple_fn fn;
	void *ctx;
	int state;
	rcr_buf pending;
	uint64_t consumed;   /* stream offset of pending.data[0] */
	uint64_t tuples;
	const uint8_t **fields;
};

int rcr_copy_parser_new(rcr_copy_parser **out, uint16_t nfields, rcr_copy_tuple_fn fn, void *ctx)
{
	*out = NULL;
	rcr_copy_parser *p = calloc(1, sizeof *p);
	if (!p || !(p->fields = calloc((size_t)nfields + 1, sizeof *p->fields))) {
		free(p);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	p->nfields = nfields;
	p->fn = fn;
	p->ctx = ctx;
	*out = p;
	return 0;
}

void rcr_copy_parser_free(rcr_copy_parser *p)
{
	if (!p)
		return;
	rcr_buf_free(&p->pending);
	free(p->fields);
	free(p);
}

uint64_t rcr_copy_parser_tuples(const rcr_copy_parser *p) { return p->tuples; }

/* Parses as much as possible of b[0..n); returns bytes consumed or negative. */
static long long parse(rcr_copy_parser *p, const uint8_t *b, size_t n)
{
	size_t pos = 0;
	if (p->state == ST_HEADER) {
		if (n < RCR_COPY_HEADER_SIZE)
			return 0;
		if (memcmp(b, RCR_COPY_SIGNATURE, 11) != 0)
			return rcr_error_set(RCR_E_COPY, "binary COPY signature not recognized");
		uint32_t flags = rcr_load_u32be(b + 11);
		if (flags & (1u << 16))
			return rcr_error_set(RCR_E_COPY, "binary COPY header has the OIDs flag");
		if (flags & 0xFFFE0000u)
			return rcr_error_set(RCR_E_COPY, "binary COPY header has unrecognized critical flags");
		uint32_t ext = rcr_load_u32be(b + 15);
		if (ext > 0x7FFFFFFFu)
			return rcr_error_set(RCR_E_COPY, "binary COPY header extension length is negative");
		if (n - RCR_COPY_HEADER_SIZE < ext)
			return 0;
		pos = RCR_COPY_HEADER_SIZE + ext;
		p->state = ST_TUPLES;
	}
	while (p->state == ST_TUPLES && n - pos >= 2) {
		int16_t count = (int16_t)rcr_load_u16be(b + pos);
		if (count == -1) {
			pos += 2;
			p->state = ST_DONE;
			break;
		}
		if (count != (int16_t)p->nfields)
			return rcr_error_set(RCR_E_COPY, "tuple %llu has %d fields, expected %u at stream offset %llu",
					     (unsigned long long)p->tuples, count, p->nfields,
					     (unsigned long long)(p->consumed + pos));
		size_t q = pos + 2;
		int complete = 1;
		for (uint16_t i = 0; i < p->nfields; i++) {
			if (n - q < 4) {
				complete = 0;
				break;
			}
			p->fields[i] = b + q;
			int32_t flen = (int32_t)rcr_load_u32be(b + q);
			q += 4;
			if (flen == -1)
				continue;
			if (flen < 0)
				return rcr_error_set(RCR_E_COPY, "tuple %llu field %u has invalid length %d",
						     (unsigned long long)p->tuples, i, flen);
			if (n - q < (size_t)flen) {
				complete = 0;
				break;
			}
			q += (size_t)flen;
		}
		if (!complete)
			break;
		p->fields[p->nfields] = b + q;
		int rc = p->fn(p->ctx, p->fields, p->nfields);
		if (rc < 0)
			return rc;
		p->tuples++;
		pos = q;
	}
	if (p->state == ST_DONE && pos < n)
		return rcr_error_set(RCR_E_COPY, "binary COPY stream has %zu bytes after its trailer", n - pos);
	return (long long)pos;
}

int rcr_copy_parser_feed(rcr_copy_parser *p, const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	if (p->state == ST_DONE)
		return rcr_error_set(RCR_E_COPY, "binary COPY stream has %zu bytes after its trailer", len);
	if (p->pending.len == 0) {
		/* Fast path: parse straight from the caller's chunk, keep only the tail. */
		long long used = parse(p, data, len);
		if (used < 0)
			return (int)used;
		p->consumed += (uint64_t)used;
		return rcr_buf_append(&p->pending, data + used, len - (size_t)used);
	}
	RCR_FORWARD(rcr_buf_append(&p->pending, data, len));
	long long used = parse(p, p->pending.data, p->pending.len);
	if (used < 0)
		return (int)used;
	memmove(p->pending.data, p->pending.data + used, p->pending.len - (size_t)used);
	p->pending.len -= (size_t)used;
	p->consumed += (uint64_t)used;
	return 0;
}

int rcr_copy_parser_finish(rcr_copy_parser *p)
{
	if (p->state != ST_DONE)
		return rcr_error_set(RCR_E_COPY, "binary COPY stream ended without its trailer after %llu tuples",
				     (unsigned long long)p->tuples);
	return 0;
}
