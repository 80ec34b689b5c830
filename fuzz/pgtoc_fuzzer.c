/*
 * pgtoc_fuzzer.c: rcr_toc_decode (pg_dump's directory-format toc.dat) on arbitrary bytes.
 *
 * Properties: the decoder never crashes, leaks or over-allocates; it fails only with an
 * input-error code and leaves *out NULL. On success the toc re-encodes to at most the input's
 * size (the writer is the canonical form: intSize 4, revision 0, a NULL filename as "", strings
 * cut at a NUL as pg_restore's C strings are), and that encoding decodes again and re-encodes
 * to the same bytes. The same holds for the toc rewritten in each layout the writer knows,
 * 1.14, 1.15 and 1.16, so a fuzzed 1.14 input also exercises the 1.15 and 1.16 paths.
 *
 * Seeds (corpora/pgtoc): toc.dat files of pg_dump 15 (full, -s, --exclude-table-data), the
 * full one rewritten as 1.15 and 1.16, with intSize 8, and a toc with no entries.
 */
#include "fuzz_helpers.h"

#include "rcr/pgtoc.h"

#include <string.h>

/* toc must encode, its encoding must decode, and that must encode to the same bytes.
 * Returns the first encoding (caller frees). */
static rcr_buf encode_stable(const rcr_toc *toc)
{
	rcr_buf once = RCR_BUF_INIT, twice = RCR_BUF_INIT;
	FUZZ_ASSERT(rcr_toc_encode(&once, toc) == 0);
	rcr_toc *again = (rcr_toc *)(uintptr_t)1;
	uint8_t *copy = fuzz_dup(once.data, once.len);
	FUZZ_ASSERT(rcr_toc_decode(&again, copy, once.len) == 0 && again != NULL);
	free(copy);
	FUZZ_ASSERT(again->vmin == toc->vmin && again->nentries == toc->nentries);
	FUZZ_ASSERT(rcr_toc_encode(&twice, again) == 0);
	FUZZ_ASSERT(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
	rcr_toc_free(again);
	rcr_buf_free(&twice);
	return once;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = fuzz_dup(data, size);
	rcr_toc *toc = (rcr_toc *)(uintptr_t)1;
	int rc = rcr_toc_decode(&toc, in, size);
	free(in);
	if (rc < 0) {
		FUZZ_ASSERT(rc == RCR_E_FORMAT || rc == RCR_E_VERSION);
		FUZZ_ASSERT(toc == NULL);
		return 0;
	}
	FUZZ_ASSERT(rc == 0 && toc != NULL);
	FUZZ_ASSERT(toc->vmaj == 1 && toc->vmin >= 14 && toc->vmin <= 16);
	FUZZ_ASSERT(toc->nentries >= 0 && (toc->nentries == 0 || toc->entries != NULL));

	rcr_buf own = encode_stable(toc);
	FUZZ_ASSERT(own.len <= size);
	rcr_buf_free(&own);

	/* the other layouts: what each cannot carry is dropped first (relkind before 1.16; the
	 * 1.15 compression field is one byte) */
	const int vmin = toc->vmin, compression = toc->compression;
	for (int v = 14; v <= 16; v++) {
		if (v == vmin)
			continue;
		toc->vmin = v;
		toc->compression = v >= 15 ? (uint8_t)compression : compression;
		if (v < 16)
			for (int i = 0; i < toc->nentries; i++)
				toc->entries[i].relkind = 0;
		rcr_buf b = encode_stable(toc);
		rcr_buf_free(&b);
	}
	rcr_toc_free(toc);
	return 0;
}
