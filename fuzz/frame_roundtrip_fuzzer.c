/*
 * frame_roundtrip_fuzzer.c: the writer side. The input is taken as a column chunk (a field
 * stream, codec.h); inputs that are not one are skipped.
 *
 * For every codec in the registry as the preference, at zstd levels 0 and 1: the frame encodes
 * deterministically, uses the preferred codec or falls back to raw, and decodes to the identical
 * stream with every header field as written. The stream also goes through the binary COPY
 * writer as a one-column table and must parse back to itself, and through the text COPY writer
 * (a text table's), whose lines must read back to it as COPY FROM reads them.
 */
#include "fuzz_helpers.h"

#include "rcr/codec.h"
#include "rcr/copybin.h"
#include "rcr/frame.h"

#include <string.h>

static rcr_frame_encoder *enc[2];
static rcr_frame_decoder *dec;

/* Counts the values of a well-formed field stream; -1 if it is not one. */
static long long count_fields(const uint8_t *p, size_t n)
{
	size_t pos = 0;
	long long count = 0;
	while (pos < n) {
		if (n - pos < 4 || count == UINT32_MAX)
			return -1;
		int32_t len = (int32_t)rcr_load_u32be(p + pos);
		pos += 4;
		if (len < -1 || (len > 0 && (size_t)len > n - pos))
			return -1;
		if (len > 0)
			pos += (size_t)len;
		count++;
	}
	return count;
}

typedef struct echo {
	rcr_buf out;
	uint64_t tuples;
} echo;

static int on_tuple(void *ctx, const uint8_t *const *fields, uint16_t nfields)
{
	echo *e = ctx;
	FUZZ_ASSERT(nfields == 1);
	FUZZ_ASSERT(rcr_buf_append(&e->out, fields[0], (size_t)(fields[1] - fields[0])) == 0);
	e->tuples++;
	return 0;
}

/* A byte after a backslash in text COPY, as COPY FROM reads it; only the escapes the writer
 * makes are expected. */
static uint8_t unescape(uint8_t c)
{
	static const char from[] = "bfnrtv\\", to[] = "\b\f\n\r\t\v\\";
	const char *hit = memchr(from, c, sizeof from - 1);
	FUZZ_ASSERT(hit != NULL);
	return (uint8_t)to[hit - from];
}

/* The text writer's rows of the one-column stream: a line per value, \N for NULL, no raw tab,
 * newline or carriage return inside a value, and every escape undone gives the value back. */
static void check_text_rows(const uint8_t *data, size_t size, uint32_t count)
{
	rcr_buf text = RCR_BUF_INIT;
	const uint8_t *cur = data, *end = data + size;
	FUZZ_ASSERT(rcr_copy_write_text_rows(&text, &cur, &end, 1, count) == 0);
	FUZZ_ASSERT(cur == end);
	if (count == 0) {
		FUZZ_ASSERT(text.len == 0); /* and text.data may be NULL: no pointer arithmetic on it */
		rcr_buf_free(&text);
		return;
	}
	const uint8_t *f = data, *t = text.data, *tend = text.data + text.len;
	for (uint32_t r = 0; r < count; r++) {
		int32_t len = (int32_t)rcr_load_u32be(f);
		f += 4;
		if (len < 0) {
			FUZZ_ASSERT(tend - t >= 3 && memcmp(t, "\\N\n", 3) == 0);
			t += 3;
			continue;
		}
		for (int32_t i = 0; i < len; i++) {
			FUZZ_ASSERT(t < tend && *t != '\n' && *t != '\t' && *t != '\r');
			uint8_t got = *t++;
			if (got == '\\') {
				FUZZ_ASSERT(t < tend);
				got = unescape(*t++);
			}
			FUZZ_ASSERT(got == f[i]);
		}
		FUZZ_ASSERT(t < tend && *t++ == '\n');
		f += len;
	}
	FUZZ_ASSERT(t == tend);
	rcr_buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dec) {
		FUZZ_ASSERT(rcr_frame_encoder_new(&enc[0], 0) == 0);
		FUZZ_ASSERT(rcr_frame_encoder_new(&enc[1], 1) == 0);
		FUZZ_ASSERT(rcr_frame_decoder_new(&dec, (uint64_t)64 << 20) == 0);
	}
	long long n = count_fields(data, size);
	if (n < 0)
		return 0;
	uint32_t count = (uint32_t)n;
	FUZZ_ASSERT(rcr_fields_check(data, size, count) == 0);

	rcr_buf frame = RCR_BUF_INIT, again = RCR_BUF_INIT;
	for (unsigned pref = 0; pref < RCR_CODEC_COUNT; pref++) {
		for (int level = 0; level < 2; level++) {
			rcr_frame_header h, d;
			rcr_buf_reset(&frame);
			rcr_buf_reset(&again);
			FUZZ_ASSERT(rcr_frame_encode(enc[level], &frame, &h, 3, 4, 5, (rcr_codec_id)pref, data, size,
						     count) == 0);
			FUZZ_ASSERT(h.codec == pref || h.codec == RCR_CODEC_RAW);
			FUZZ_ASSERT(level == 1 || h.compression == RCR_COMPRESSION_NONE);
			FUZZ_ASSERT(rcr_frame_encode(enc[level], &again, NULL, 3, 4, 5, (rcr_codec_id)pref, data, size,
						     count) == 0);
			FUZZ_ASSERT(again.len == frame.len && memcmp(again.data, frame.data, frame.len) == 0);

			const uint8_t *fields;
			size_t fields_len;
			uint8_t *copy = fuzz_dup(frame.data, frame.len);
			int rc = rcr_frame_decode(dec, &d, copy, frame.len, &fields, &fields_len);
			FUZZ_ASSERT(rc == 0);
			FUZZ_ASSERT(fields_len == size && (size == 0 || memcmp(fields, data, size) == 0));
			FUZZ_ASSERT(d.codec == h.codec && d.compression == h.compression && d.table == 3 &&
				    d.row_group == 4 && d.column == 5 && d.row_count == count &&
				    d.raw_size == size && d.content_size == h.content_size &&
				    d.stored_size == h.stored_size && d.stored_hash == h.stored_hash &&
				    d.raw_hash == h.raw_hash);
			free(copy);
		}
	}
	rcr_buf_free(&frame);
	rcr_buf_free(&again);

	/* As a one-column table through the COPY writer and back through the parser. */
	rcr_buf stream = RCR_BUF_INIT;
	const uint8_t *cur = data, *end = data + size;
	FUZZ_ASSERT(rcr_copy_write_header(&stream) == 0);
	FUZZ_ASSERT(rcr_copy_write_tuples(&stream, &cur, &end, 1, count) == 0);
	FUZZ_ASSERT(cur == end);
	FUZZ_ASSERT(rcr_copy_write_trailer(&stream) == 0);
	echo e = {RCR_BUF_INIT, 0};
	rcr_copy_parser *p;
	FUZZ_ASSERT(rcr_copy_parser_new(&p, 1, on_tuple, &e) == 0);
	FUZZ_ASSERT(rcr_copy_parser_feed(p, stream.data, stream.len) == 0);
	FUZZ_ASSERT(rcr_copy_parser_finish(p) == 0);
	FUZZ_ASSERT(e.tuples == count);
	FUZZ_ASSERT(e.out.len == size && (size == 0 || memcmp(e.out.data, data, size) == 0));
	rcr_copy_parser_free(p);
	rcr_buf_free(&e.out);
	rcr_buf_free(&stream);
	check_text_rows(data, size, count);
	return 0;
}
