/* textout_internal.h: what the textout_*.c files share (see include/rcr/textout.h). */
#ifndef RCR_TEXTOUT_INTERNAL_H
#define RCR_TEXTOUT_INTERNAL_H

#include "rcr/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Each converter appends the text of one non-NULL binary value of exactly `n` bytes. */
int rcr_tx_date(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_time(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_timetz(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_timestamp(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_timestamptz(rcr_buf *out, const uint8_t *v, size_t n);
int rcr_tx_interval(rcr_buf *out, const uint8_t *v, size_t n);

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

static inline int rcr_tx_puts(rcr_buf *out, const char *s)
{
	return rcr_buf_append(out, s, strlen(s));
}

#endif
