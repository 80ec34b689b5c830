/* codec_raw.c: the identity codec. The content is the field stream itself: lengths, NULLs and
 * bytes exactly as binary COPY carried them. It fits every chunk, so it is the fallback.
 * Readers check its content in place (raw_check) and use it without decode's copy. */
#include "rcr/codec.h"
#include "rcr/err.h"

#include <string.h>

static size_t raw_bound(size_t fields_len, uint32_t count)
{
	(void)count;
	return fields_len;
}

static int raw_encode(size_t *out_len, uint8_t *dst, size_t dst_cap,
		      const uint8_t *fields, size_t fields_len, uint32_t count)
{
	(void)count;
	if (fields_len > dst_cap)
		return rcr_error_set(RCR_E_INTERNAL, "raw encode: destination too small");
	if (fields_len)
		memcpy(dst, fields, fields_len);
	*out_len = fields_len;
	return 0;
}

static int raw_check(const uint8_t *src, size_t src_len, size_t raw_size, uint32_t count)
{
	if (src_len > raw_size)
		return rcr_error_set(RCR_E_FORMAT, "raw content of %zu bytes exceeds declared size %zu",
				     src_len, raw_size);
	return rcr_fields_check(src, src_len, count);
}

static int raw_decode(size_t *out_len, uint8_t *dst, size_t dst_cap,
		      const uint8_t *src, size_t src_len, uint32_t count)
{
	RCR_FORWARD(raw_check(src, src_len, dst_cap, count));
	if (src_len)
		memcpy(dst, src, src_len);
	*out_len = src_len;
	return 0;
}

const rcr_codec_vtbl rcr_codec_raw = {
	.name = "raw",
	.id = RCR_CODEC_RAW,
	.bound = raw_bound,
	.encode = raw_encode,
	.decode = raw_decode,
	.check = raw_check,
};
