/* buf.c: growable buffers and the bounds-checked reader (see buf.h). */
#include "rcr/buf.h"
#include "rcr/err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Marks b broken with code and returns it. The bytes appended so far stay, NUL-terminated
 * (reserve keeps a byte free for this), so a caller that reads data as a string after an
 * unchecked failure reads what was appended before it, not past it. */
static int broken(rcr_buf *b, int code)
{
	b->err = code;
	if (b->data && b->len < b->cap)
		b->data[b->len] = 0;
	return code;
}

int rcr_buf_reserve(rcr_buf *b, size_t extra)
{
	if (b->err)
		return b->err;
	/* One byte beyond what is asked stays free (see broken); nothing is allocated for 0. */
	if (extra < b->cap - b->len || (extra == 0 && b->cap == 0))
		return 0;
	if (extra >= SIZE_MAX / 2 - b->len)
		return broken(b, rcr_error_set(RCR_E_NOMEM, "buffer size overflow"));
	size_t need = b->len + extra + 1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return broken(b, rcr_error_set(RCR_E_NOMEM, "out of memory allocating %zu bytes", cap));
	b->data = p;
	b->cap = cap;
	return 0;
}

int rcr_buf_append(rcr_buf *b, const void *p, size_t n)
{
	RCR_FORWARD(rcr_buf_reserve(b, n));
	if (n == 0)
		return 0;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int rcr_buf_append_cstr(rcr_buf *b, const char *s) { return rcr_buf_append(b, s, strlen(s)); }

int rcr_buf_appendf(rcr_buf *b, const char *fmt, ...)
{
	va_list ap;
	/* Twice at most: into the room there is, then into exactly the room it needs. */
	for (int pass = 0; pass < 2; pass++) {
		RCR_FORWARD(rcr_buf_reserve(b, pass ? 0 : 64));
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf((char *)b->data + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return broken(b, rcr_error_set(RCR_E_INTERNAL, "could not format '%s'", fmt));
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		RCR_FORWARD(rcr_buf_reserve(b, (size_t)n + 1));
	}
	return broken(b, rcr_error_set(RCR_E_INTERNAL, "could not format '%s'", fmt));
}

int rcr_buf_check(const rcr_buf *b)
{
	if (!b->err)
		return 0;
	if (b->err != RCR_E_NOMEM)
		return rcr_error_set(b->err, "could not format text into a buffer");
	return rcr_error_set(b->err, "out of memory: a buffer could not grow beyond %zu bytes", b->cap);
}

const char *rcr_buf_cstr(rcr_buf *b)
{
	if (rcr_buf_reserve(b, 1) < 0)
		return NULL;
	b->data[b->len] = 0;
	return (const char *)b->data;
}

void rcr_buf_truncate(rcr_buf *b, size_t len)
{
	assert(len <= b->len);
	b->len = len;
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

void rcr_buf_reset(rcr_buf *b)
{
	b->len = 0;
	b->err = 0;
}

void rcr_buf_free(rcr_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
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
