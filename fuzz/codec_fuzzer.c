/*
 * codec_fuzzer.c: every codec's decoder on arbitrary content.
 *
 * Input: byte 0 picks the codec from the registry (modulo its size, so a new codec is fuzzed
 * without touching this file); bytes 1..4 the value count (u32le, bounded); bytes 5..8 the
 * declared field-stream size, i.e. the destination capacity (u32le, bounded); the rest is the
 * content. The destination is an exact-size heap buffer, so any overwrite is an ASan report.
 *
 * Properties: failures are RCR_E_FORMAT only; a success writes at most the declared size, and
 * what it writes is a valid field stream of exactly `count` values which the same codec
 * encodes back to the identical content (decoding is injective: one content, one stream).
 */
#include "fuzz_helpers.h"

#include "rcr/codec.h"

#include <string.h>

#define MAX_COUNT (1u << 20)
#define MAX_DST (1u << 18)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_producer fp = {data, size};
	const rcr_codec_vtbl *codec = rcr_codec_get(fuzz_u8(&fp) % RCR_CODEC_COUNT);
	uint32_t count = fuzz_u32(&fp) % (MAX_COUNT + 1);
	size_t dst_cap = fuzz_u32(&fp) % (MAX_DST + 1);
	const uint8_t *src = fp.p;
	size_t src_len = fp.left;

	uint8_t *dst = malloc(dst_cap ? dst_cap : 1);
	FUZZ_ASSERT(dst != NULL);
	size_t out_len = (size_t)-1;
	int rc = codec->decode(&out_len, dst, dst_cap, src, src_len, count);
	if (rc < 0) {
		FUZZ_ASSERT(rc == RCR_E_FORMAT);
		free(dst);
		return 0;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(out_len <= dst_cap);
	FUZZ_ASSERT(rcr_fields_check(dst, out_len, count) == 0);

	size_t cap = codec->bound(out_len, count);
	uint8_t *re = malloc(cap ? cap : 1);
	FUZZ_ASSERT(re != NULL);
	size_t re_len = 0;
	rc = codec->encode(&re_len, re, cap, dst, out_len, count);
	/* The dense codecs do not represent empty chunks; everything they decode they encode. */
	if (!(rc == RCR_E_UNFIT && count == 0 && codec->id != RCR_CODEC_RAW)) {
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(re_len == src_len && memcmp(re, src, src_len) == 0);
	}
	free(re);
	free(dst);
	return 0;
}
