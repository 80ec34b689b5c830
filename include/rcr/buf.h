/*
 * buf.h: growable byte buffers, a bounds-checked reader over untrusted bytes, and the
 * fixed-width integer helpers every layer uses.
 *
 * The archive is little-endian (format-spec/rcr-format.md, Conventions); PostgreSQL's binary
 * COPY is big-endian. Both helpers live here so that no module open-codes a shift.
 */
#ifndef RCR_BUF_H
#define RCR_BUF_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

/*
 * A growable byte buffer with a sticky failure, as PostgreSQL's PQExpBuffer and libgit2's
 * git_str: the first append that cannot get memory marks the buffer broken, and every later
 * append is a no-op that returns the same code. A builder appends freely and checks once, at
 * the end, with rcr_buf_check, instead of OR-ing return codes (which mixes codes: -51 | -2 is
 * -1). The functions still return 0 or the failure, for callers that check each call.
 * rcr_buf_reset and rcr_buf_free clear the failure.
 */
typedef struct rcr_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;                /* 0, or the first failure's code: later appends do nothing */
} rcr_buf;

#define RCR_BUF_INIT {NULL, 0, 0, 0}

/* Ensures room for `extra` more bytes. @return 0 or RCR_E_NOMEM (and the buffer is broken). */
int rcr_buf_reserve(rcr_buf *b, size_t extra);
int rcr_buf_append(rcr_buf *b, const void *p, size_t n);
/* The bytes of a NUL-terminated string, without the NUL. */
int rcr_buf_append_cstr(rcr_buf *b, const char *s);
/* printf into the buffer (no NUL counted in len). */
int rcr_buf_appendf(rcr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rcr_buf_append_u8(rcr_buf *b, uint8_t v);
int rcr_buf_append_u16le(rcr_buf *b, uint16_t v);
int rcr_buf_append_u32le(rcr_buf *b, uint32_t v);
int rcr_buf_append_u64le(rcr_buf *b, uint64_t v);
/* u32 length then the bytes, no terminator. */
int rcr_buf_append_str(rcr_buf *b, const char *s);

/* Appends a string literal, its length counted by the compiler: RCR_BUF_LIT(&sql, "BEGIN").
 * The "" on both sides makes anything but a literal a compile error. */
#define RCR_BUF_LIT(b, lit) rcr_buf_append((b), "" lit "", sizeof("" lit "") - 1)

/* Nonzero once an append failed. */
static inline int rcr_buf_broken(const rcr_buf *b) { return b->err != 0; }
/* The one check at the end of a builder: 0, or the first failure's code with the message set
 * again here (the thread may have set others since). */
int rcr_buf_check(const rcr_buf *b);
/* The contents as a C string: a NUL is kept after the last byte (not counted in len). NULL if
 * the buffer is broken (then rcr_buf_check says why). */
const char *rcr_buf_cstr(rcr_buf *b);
/* Drops the bytes from len on (len <= b->len). */
void rcr_buf_truncate(rcr_buf *b, size_t len);
void rcr_buf_reset(rcr_buf *b);
void rcr_buf_free(rcr_buf *b);

/* A cursor over untrusted bytes. Every read checks the remaining length first; the first
 * failure sets `bad` and later reads return zeros, so parsers check once at the end of a
 * structure instead of after every field. */
typedef struct rcr_reader {
	const uint8_t *p;
	size_t left;
	int bad;
} rcr_reader;

static inline void rcr_reader_init(rcr_reader *r, const void *p, size_t n)
{
	r->p = (const uint8_t *)p;
	r->left = n;
	r->bad = 0;
}
const uint8_t *rcr_reader_take(rcr_reader *r, size_t n);
uint8_t rcr_reader_u8(rcr_reader *r);
uint16_t rcr_reader_u16le(rcr_reader *r);
uint32_t rcr_reader_u32le(rcr_reader *r);
uint64_t rcr_reader_u64le(rcr_reader *r);
/* Reads a u32-length string into a new NUL-terminated heap copy (*out owned by the caller).
 * Rejects embedded NULs and lengths beyond max_len or the bytes left. @return 0 or negative. */
int rcr_reader_str(char **out, rcr_reader *r, size_t max_len);

static inline uint16_t rcr_load_u16le(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t rcr_load_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t rcr_load_u64le(const uint8_t *p)
{
	return (uint64_t)rcr_load_u32le(p) | ((uint64_t)rcr_load_u32le(p + 4) << 32);
}
static inline void rcr_store_u16le(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void rcr_store_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void rcr_store_u64le(uint8_t *p, uint64_t v)
{
	rcr_store_u32le(p, (uint32_t)v);
	rcr_store_u32le(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t rcr_load_u16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t rcr_load_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline void rcr_store_u16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void rcr_store_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif
