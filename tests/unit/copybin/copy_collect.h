/* copy_collect.h: a tuple callback for the binary COPY parser tests. It checks the pointer
 * contract of rcr_copy_tuple_fn (field i spans fields[i]..fields[i+1], the length word first)
 * and appends each field, length word included, to a per-column field stream, so a parsed
 * stream can be compared with the columns it was built from. */
#ifndef RCR_TEST_COPY_COLLECT_H
#define RCR_TEST_COPY_COLLECT_H

#include "../fixtures.h"

#include "rcr/err.h"

#define COLLECT_MAX_COLS 16

typedef struct collect {
	rcr_buf cols[COLLECT_MAX_COLS];
	uint64_t tuples;
	int contract_broken;     /* a fields[] array that violated the callback contract */
	uint64_t stop_after;     /* return RCR_E_INTERRUPTED from this tuple on (0: never) */
} collect;

static inline int collect_tuple(void *ctx, const uint8_t *const *fields, uint16_t nfields)
{
	collect *c = ctx;
	if (c->stop_after && c->tuples + 1 >= c->stop_after)
		return RCR_E_INTERRUPTED;
	for (uint16_t i = 0; i < nfields; i++) {
		int32_t len = (int32_t)rcr_load_u32be(fields[i]);
		size_t span = (size_t)(fields[i + 1] - fields[i]);
		if (len < -1 || span != 4 + (size_t)(len > 0 ? len : 0))
			c->contract_broken = 1;
		if (i < COLLECT_MAX_COLS)
			fx_put(&c->cols[i], fields[i], span);
	}
	c->tuples++;
	return 0;
}

static inline void collect_free(collect *c)
{
	for (int i = 0; i < COLLECT_MAX_COLS; i++)
		rcr_buf_free(&c->cols[i]);
	memset(c, 0, sizeof *c);
}

#endif
