/* codec.c: the codec registry and field-stream validation (see codec.h). */
#include "rcr/codec.h"
#include "rcr/buf.h"
#include "rcr/err.h"

#include <string.h>

static const rcr_codec_vtbl *const registry[RCR_CODEC_COUNT] = {
	[RCR_CODEC_RAW] = &rcr_codec_raw,
	[RCR_CODEC_VECTOR] = &rcr_codec_vector,
	[RCR_CODEC_HALFVEC] = &rcr_codec_halfvec,
	[RCR_CODEC_SPARSEVEC] = &rcr_codec_sparsevec,
	[RCR_CODEC_FLOAT_ARRAY] = &rcr_codec_float_array,
};

const rcr_codec_vtbl *rcr_codec_get(unsigned id)
{
	return id < RCR_CODEC_COUNT ? registry[id] : NULL;
}

rcr_codec_id rcr_codec_for_type(const char *type_name)
{
	if (strcmp(type_name, "vector") == 0)
		return RCR_CODEC_VECTOR;
	if (strcmp(type_name, "halfvec") == 0)
		return RCR_CODEC_HALFVEC;
	if (strcmp(type_name, "sparsevec") == 0)
		return RCR_CODEC_SPARSEVEC;
	/* pg_type names array types with a leading underscore. */
	if (strcmp(type_name, "_float4") == 0 || strcmp(type_name, "_float8") == 0)
		return RCR_CODEC_FLOAT_ARRAY;
	return RCR_CODEC_RAW;
}

int rcr_nullmap_check(const uint8_t *bits, uint32_t count, uint32_t nulls, const char *codec)
{
	size_t n = rcr_nullmap_size(count, nulls);
	if (n == 0)
		return 0;
	uint32_t seen = 0;
	for (size_t b = 0; b < n; b++)
		seen += (uint32_t)__builtin_popcount(bits[b]);
	if (count % 8 && (bits[n - 1] >> (count % 8)))
		return rcr_error_set(RCR_E_FORMAT, "%s NULL bitmap has bits set past the last value", codec);
	if (seen != nulls)
		return rcr_error_set(RCR_E_FORMAT, "%s NULL bitmap marks %u values, the header says %u", codec, seen, nulls);
	return 0;
}

int rcr_fields_check(const uint8_t *fields, size_t len, uint32_t count)
{
	size_t pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (len - pos < 4)
			return rcr_error_set(RCR_E_FORMAT, "field stream ends inside value %u of %u", i, count);
		int32_t flen = (int32_t)rcr_load_u32be(fields + pos);
		pos += 4;
		if (flen == -1)
			continue;
		if (flen < 0 || (size_t)flen > len - pos)
			return rcr_error_set(RCR_E_FORMAT, "field %u has invalid length %d", i, flen);
		pos += (size_t)flen;
	}
	if (pos != len)
		return rcr_error_set(RCR_E_FORMAT, "field stream has %zu trailing bytes after %u values",
				     len - pos, count);
	return 0;
}
