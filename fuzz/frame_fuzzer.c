/*
 * frame_fuzzer.c: rcr_frame_decode on arbitrary bytes, with the 64 MiB max_raw a reader uses.
 *
 * Properties: no crash, no overread, no allocation beyond max_raw; failures are input-error
 * codes; on success the field stream is exactly as declared (raw size, raw hash, row count:
 * rcr_fields_check passes) and a second decode gives the same bytes.
 *
 * Each input is also tried resealed (stored size, stored hash and header check recomputed) so
 * that mutations reach decompression and the codec decoders instead of dying at a checksum.
 */
#include "fuzz_helpers.h"

#include "rcr/codec.h"
#include "rcr/frame.h"

#include <string.h>

#define MAX_RAW ((uint64_t)64 << 20)

static rcr_frame_decoder *dec;

static void check(const uint8_t *data, size_t size)
{
	rcr_frame_header h;
	const uint8_t *fields;
	size_t fields_len;
	int rc = rcr_frame_decode(dec, &h, data, size, &fields, &fields_len);
	if (rc < 0) {
		FUZZ_ASSERT(fuzz_is_input_error(rc) && rc != RCR_E_COPY);
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(fields_len == h.raw_size && h.raw_size <= MAX_RAW);
	FUZZ_ASSERT(size == RCR_FRAME_HEADER_SIZE + (size_t)h.stored_size);
	FUZZ_ASSERT(rcr_hash64(fields, fields_len) == h.raw_hash);
	FUZZ_ASSERT(rcr_fields_check(fields, fields_len, h.row_count) == 0);
	uint64_t first = h.raw_hash;
	FUZZ_ASSERT(rcr_frame_decode(dec, &h, data, size, &fields, &fields_len) == 0);
	FUZZ_ASSERT(rcr_hash64(fields, fields_len) == first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dec)
		FUZZ_ASSERT(rcr_frame_decoder_new(&dec, MAX_RAW) == 0);
	check(data, size);
	if (size >= RCR_FRAME_HEADER_SIZE && size - RCR_FRAME_HEADER_SIZE <= UINT32_MAX) {
		uint8_t *c = fuzz_dup(data, size);
		uint32_t stored = (uint32_t)(size - RCR_FRAME_HEADER_SIZE);
		rcr_store_u32le(c + 36, stored);
		rcr_store_u64le(c + 40, rcr_hash64(c + RCR_FRAME_HEADER_SIZE, stored));
		rcr_store_u32le(c + 60, (uint32_t)rcr_hash64(c, 60));
		check(c, size);
		free(c);
	}
	return 0;
}
