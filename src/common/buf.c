/* buf.c: growable buffers and the bounds-checked reader (see buf.h). */
#include "rcr/buf.h"
#include "rcr/err.h"

#include <stdlib.h>

int rcr_buf_reserve(rcr_buf *b, size_t extra)
{
	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		return rcr_error_set(RCR_E_NOMEM, "buffer size overflow");
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return rcr_error_set(RCR_E_NOMEM, "out of memory allocating %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int rcr_buf_append(rcr_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	RCR_FORWARD(rcr_buf_reserve(b, n));
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int rcr_buf_append_u8(rcr_buf *b, uint8_t v) { return rcr_buf_append(b, &v, 1); }

int rcr_buf_append_u16le(rcr_buf *b, uint16_t v)
{
	uint8_t t[2];
	rcr_store_u16le(t, v);
	return rcr_buf_append(b, t, 2);
}

int rcr_buf_append_u32le(rcr_buf *b, uint32_t v)
{
	uint8_t t[4];
	rcr_store_u32le(t, v);
	return rcr_buf_append(b, t, 4);
}

int rcr_buf_append_u64le(rcr_buf *b, uint64_t v)
{
	uint8_t t[8];
	rcr_store_u64le(t, v);
	return rcr_buf_append(b, t, 8);
}

int rcr_buf_append_str(rcr_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	RCR_FORWARD(rcr_buf_append_u32le(b, (uint32_t)n));
	return rcr_buf_append(b, s, n);
}

void rcr_buf_reset(rcr_buf *b) { b->len = 0; }

void rcr_buf_free(rcr_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const uint8_t *rcr_reader_take(rcr_reader *r, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

uint8_t rcr_reader_u8(rcr_reader *r)
{
	const uint8_t *p = rcr_reader_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t rcr_reader_u16le(rcr_reader *r)
{
	const uint8_t *p = rcr_reader_take(r, 2);
	return p ? rcr_load_u16le(p) : 0;
}

uint32_t rcr_reader_u32le(rcr_reader *r)
{
	const uint8_t *p = rcr_reader_take(r, 4);
	return p ? rcr_load_u32le(p) : 0;
}

uint64_t rcr_reader_u64le(rcr_reader *r)
{
	const uint8_t *p = rcr_reader_take(r, 8);
	return p ? rcr_load_u64le(p) : 0;
}

int rcr_reader_str(char **out, rcr_reader *r, size_t max_len)
{
	*out = NULL;
	uint32_t n = rcr_reader_u32le(r);
	if (r->bad || n > max_len || n > r->left) {
		r->bad = 1;
		return rcr_error_set(RCR_E_FORMAT, "string length %u exceeds the bytes left", n);
	}
	const uint8_t *p = rcr_reader_take(r, n);
	if (n && memchr(p, 0, n)) {
		r->bad = 1;
		return rcr_error_set(RCR_E_FORMAT, "string contains a NUL byte");
	}
	char *s = malloc((size_t)n + 1);
	if (!s)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	*out = s;
	return 0;
}
