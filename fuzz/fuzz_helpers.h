/*
 * fuzz_helpers.h: what every harness shares.
 *
 * FUZZ_ASSERT aborts on a broken property, which libFuzzer reports as a crash with the input
 * saved, and which the standalone replay driver turns into a failing ctest. (assert() would
 * vanish under NDEBUG, and RelWithDebInfo defines it.)
 *
 * The data producer splits an input into parameters, taken from the front, and a payload, the
 * rest, in the style of zstd's fuzz_data_producer: a harness reads its few parameter bytes and
 * hands the remainder to the parser. Reads past the end yield zeros, so every input is usable.
 */
#ifndef RCR_FUZZ_HELPERS_H
#define RCR_FUZZ_HELPERS_H

#include "rcr/buf.h"
#include "rcr/err.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: fuzz assertion failed: %s (last error: %s)\n", __FILE__, __LINE__, \
				#cond, rcr_error_message()); \
			abort(); \
		} \
	} while (0)

/* The codes a decoder of untrusted bytes may return. Anything else (NOMEM on bounded input,
 * INTERNAL, a positive value) is a finding. */
static inline int fuzz_is_input_error(int rc)
{
	return rc == RCR_E_FORMAT || rc == RCR_E_CHECKSUM || rc == RCR_E_VERSION || rc == RCR_E_LIMIT ||
	       rc == RCR_E_COMPRESS || rc == RCR_E_COPY;
}

typedef struct fuzz_producer {
	const uint8_t *p;
	size_t left;
} fuzz_producer;

static inline uint8_t fuzz_u8(fuzz_producer *fp)
{
	if (!fp->left)
		return 0;
	fp->left--;
	return *fp->p++;
}

static inline uint32_t fuzz_u32(fuzz_producer *fp)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)fuzz_u8(fp) << (8 * i);
	return v;
}

/* A heap copy of exactly n bytes (never NULL), so that ASan sees any read past the end:
 * libFuzzer's own buffer is exact too, but the replay driver's and a patched copy must be. */
static inline uint8_t *fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	FUZZ_ASSERT(c != NULL);
	for (size_t i = 0; i < n; i++)
		c[i] = p[i];
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
