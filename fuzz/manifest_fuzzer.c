/*
 * manifest_fuzzer.c: rcr_manifest_decode on arbitrary bytes.
 *
 * Properties: the decoder never crashes, leaks or over-allocates; it fails only with an
 * input-error code and leaves *out NULL; and on success the manifest re-encodes to exactly the
 * input (the encoding is canonical: reserved fields must be zero and strings cannot hold NUL),
 * which decodes again and re-encodes to the same bytes.
 *
 * Random bytes rarely carry a valid XXH3-64, so each input is also tried "resealed": with the
 * body length and the trailing checksum recomputed, which takes the fuzzer straight to the
 * structure parser behind them.
 */
#include "fuzz_helpers.h"

#include "rcr/frame.h"
#include "rcr/manifest.h"

#include <string.h>

static void check(const uint8_t *data, size_t size)
{
	rcr_manifest *m = (rcr_manifest *)(uintptr_t)1;
	int rc = rcr_manifest_decode(&m, data, size);
	if (rc < 0) {
		FUZZ_ASSERT(fuzz_is_input_error(rc) && rc != RCR_E_COPY);
		FUZZ_ASSERT(m == NULL);
		return;
	}
	FUZZ_ASSERT(rc == 0 && m != NULL);
	rcr_buf once = RCR_BUF_INIT, twice = RCR_BUF_INIT;
	FUZZ_ASSERT(rcr_manifest_encode(&once, m) == 0);
	FUZZ_ASSERT(once.len == size && memcmp(once.data, data, size) == 0);
	rcr_manifest *again;
	FUZZ_ASSERT(rcr_manifest_decode(&again, once.data, once.len) == 0);
	FUZZ_ASSERT(rcr_manifest_encode(&twice, again) == 0);
	FUZZ_ASSERT(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
	rcr_manifest_free(again);
	rcr_manifest_free(m);
	rcr_buf_free(&once);
	rcr_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size);
	if (size >= RCR_MANIFEST_HEADER_SIZE + 8) {
		uint8_t *c = fuzz_dup(data, size);
		rcr_store_u64le(c + 24, size - RCR_MANIFEST_HEADER_SIZE - 8);
		rcr_store_u64le(c + size - 8, rcr_hash64(c, size - 8));
		check(c, size);
		free(c);
	}
	return 0;
}
