/*
 * copy_parser_fuzzer.c: the streaming binary COPY parser on arbitrary streams.
 *
 * Input: byte 0 is the parser's field count; byte 1 picks how the rest is cut into feeds (0:
 * byte by byte; otherwise chunk sizes drawn from a small PRNG seeded with it, from 1 up to a
 * maximum that grows with its high bits); the rest is the stream.
 *
 * The stream is parsed twice, in one piece and chopped, and both runs must agree on
 * everything observable: the verdict of every feed and of finish, the tuple count and a
 * digest of every tuple's bytes. Each tuple must also honour the callback contract (field i
 * spans fields[i]..fields[i+1]: its length word and that many bytes, or a NULL). Each feed gets
 * an exact-size heap copy, so the parser cannot keep pointers into bytes it was not given.
 */
#include "fuzz_helpers.h"

#include "rcr/copybin.h"
#include "rcr/frame.h"

#include <string.h>

typedef struct outcome {
	int feed_rc;
	int finish_rc;
	uint64_t tuples;
	uint64_t digest;
} outcome;

static int on_tuple(void *ctx, const uint8_t *const *fields, uint16_t nfields)
{
	outcome *o = ctx;
	for (uint16_t i = 0; i < nfields; i++) {
		int32_t len = (int32_t)rcr_load_u32be(fields[i]);
		FUZZ_ASSERT(len >= -1);
		FUZZ_ASSERT(fields[i + 1] - fields[i] == 4 + (len > 0 ? len : 0));
		o->digest = o->digest * 0x100000001B3ull ^ rcr_hash64(fields[i], (size_t)(fields[i + 1] - fields[i]));
	}
	o->digest = o->digest * 0x100000001B3ull ^ nfields;
	o->tuples++;
	return 0;
}

static outcome run(uint16_t nfields, uint8_t pattern, int chopped, const uint8_t *s, size_t n)
{
	outcome o = {0, 0, 0, 0xCBF29CE484222325ull};
	rcr_copy_parser *p;
	FUZZ_ASSERT(rcr_copy_parser_new(&p, nfields, on_tuple, &o) == 0);
	uint32_t rng = pattern * 2654435761u + 1;
	size_t max_chunk = pattern ? ((size_t)1 << (pattern >> 5)) + 1 : 1;
	size_t pos = 0;
	while (pos < n) {
		size_t len = n - pos;
		if (chopped) {
			rng = rng * 1103515245u + 12345u;
			size_t want = pattern ? 1 + (rng >> 8) % max_chunk : 1;
			if (want < len)
				len = want;
		}
		uint8_t *chunk = fuzz_dup(s + pos, len);
		int rc = rcr_copy_parser_feed(p, chunk, len);
		free(chunk);
		pos += len;
		if (rc < 0) {
			FUZZ_ASSERT(fuzz_is_input_error(rc));
			o.feed_rc = rc;
			break;
		}
		FUZZ_ASSERT(rc == 0);
	}
	if (o.feed_rc == 0)
		o.finish_rc = rcr_copy_parser_finish(p);
	FUZZ_ASSERT(rcr_copy_parser_tuples(p) == o.tuples);
	rcr_copy_parser_free(p);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_producer fp = {data, size};
	uint16_t nfields = fuzz_u8(&fp);
	uint8_t pattern = fuzz_u8(&fp);
	outcome whole = run(nfields, pattern, 0, fp.p, fp.left);
	outcome chopped = run(nfields, pattern, 1, fp.p, fp.left);
	FUZZ_ASSERT(whole.feed_rc == chopped.feed_rc);
	FUZZ_ASSERT(whole.finish_rc == chopped.finish_rc);
	FUZZ_ASSERT(whole.tuples == chopped.tuples);
	FUZZ_ASSERT(whole.digest == chopped.digest);
	return 0;
}
