/* frame.c: frame header, encoder and decoder (see frame.h and the spec's "Frame" section). */
#include "rcr/frame.h"
#include "rcr/err.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

uint64_t rcr_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

const char *rcr_compression_name(unsigned id)
{
	switch (id) {
	case RCR_COMPRESSION_NONE: return "none";
	case RCR_COMPRESSION_ZSTD: return "zstd";
	default: return "unknown";
	}
}

void rcr_frame_header_write(uint8_t *o, const rcr_frame_header *h)
{
	memset(o, 0, RCR_FRAME_HEADER_SIZE);
	memcpy(o, RCR_FRAME_MAGIC, 4);
	o[4] = h->codec;
	o[5] = h->compression;
	/* 6..7 Flags: reserved, zero */
	rcr_store_u32le(o + 8, h->table);
	rcr_store_u32le(o + 12, h->row_group);
	rcr_store_u32le(o + 16, h->column);
	rcr_store_u32le(o + 20, h->row_count);
	rcr_store_u64le(o + 24, h->raw_size);
	rcr_store_u32le(o + 32, h->content_size);
	rcr_store_u32le(o + 36, h->stored_size);
	rcr_store_u64le(o + 40, h->stored_hash);
	rcr_store_u64le(o + 48, h->raw_hash);
	/* 56..59 reserved, zero */
	rcr_store_u32le(o + 60, (uint32_t)rcr_hash64(o, 60));
}

int rcr_frame_header_read(rcr_frame_header *h, const uint8_t *p, size_t len)
{
	if (len < RCR_FRAME_HEADER_SIZE)
		return rcr_error_set(RCR_E_FORMAT, "frame header truncated (%zu of %d bytes)", len,
				     RCR_FRAME_HEADER_SIZE);
	if (memcmp(p, RCR_FRAME_MAGIC, 4) != 0)
		return rcr_error_set(RCR_E_FORMAT, "bad frame magic");
	if (rcr_load_u32le(p + 60) != (uint32_t)rcr_hash64(p, 60))
		return rcr_error_set(RCR_E_CHECKSUM, "frame header checksum mismatch");
	if (rcr_load_u16le(p + 6) != 0 || rcr_load_u32le(p + 56) != 0)
		return rcr_error_set(RCR_E_FORMAT, "frame header has reserved bits set");
	h->codec = p[4];
	h->compression = p[5];
	if (!rcr_codec_get(h->codec))
		return rcr_error_set(RCR_E_VERSION, "frame uses unknown codec id %u", h->codec);
	if (h->compression >= RCR_COMPRESSION_COUNT)
		return rcr_error_set(RCR_E_VERSION, "frame uses unknown compression id %u", h->compression);
	h->table = rcr_load_u32le(p + 8);
	h->row_group = rcr_load_u32le(p + 12);
	h->column = rcr_load_u32le(p + 16);
	h->row_count = rcr_load_u32le(p + 20);
	h->raw_size = rcr_load_u64le(p + 24);
	h->content_size = rcr_load_u32le(p + 32);
	h->stored_size = rcr_load_u32le(p + 36);
	h->stored_hash = rcr_load_u64le(p + 40);
	h->raw_hash = rcr_load_u64le(p + 48);
	if (h->compression == RCR_COMPRESSION_NONE && h->content_size != h->stored_size)
		return rcr_error_set(RCR_E_FORMAT, "uncompressed frame has content size %u != stored size %u",
				     h->content_size, h->stored_size);
	return 0;
}

struct rcr_frame_encoder {
	int level;
	ZSTD_CCtx *cctx;
	rcr_buf content;
};

int rcr_frame_encoder_new(rcr_frame_encoder **out, int level)
{
	*out = NULL;
	rcr_frame_encoder *e = calloc(1, sizeof *e);
	if (!e)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	e->level = level;
	if (level > 0) {
		e->cctx = ZSTD_createCCtx();
		if (!e->cctx) {
			free(e);
			return rcr_error_set(RCR_E_NOMEM, "out of memory creating a zstd context");
		}
		ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_compressionLevel, level);
	}
	*out = e;
	return 0;
}

void rcr_frame_encoder_free(rcr_frame_encoder *e)
{
	if (!e)
		return;
	ZSTD_freeCCtx(e->cctx);
	rcr_buf_free(&e->content);
	free(e);
}

int rcr_frame_encode(rcr_frame_encoder *e, rcr_buf *out, rcr_frame_header *h_out,
		     uint32_t table, uint32_t row_group, uint32_t column, rcr_codec_id preferred,
		     const uint8_t *fields, size_t fields_len, uint32_t count)
{
	if (fields_len > RCR_MAX_FRAME_RAW)
		return rcr_error_set(RCR_E_LIMIT, "column chunk of %zu bytes exceeds the 2 GiB frame limit",
				     fields_len);
	const rcr_codec_vtbl *codec = rcr_codec_get(preferred);
	size_t content_len = 0;
	int rc = RCR_E_UNFIT;
	if (codec && preferred != RCR_CODEC_RAW) {
		rcr_buf_reset(&e->content);
		RCR_FORWARD(rcr_buf_reserve(&e->content, codec->bound(fields_len, count)));
		rc = codec->encode(&content_len, e->content.data, e->content.cap, fields, fields_len, count);
		if (rc < 0 && rc != RCR_E_UNFIT)
			return rc;
	}
	const uint8_t *content = e->content.data;
	if (rc == RCR_E_UNFIT) {
		/* raw's content is the field stream itself: no copy needed. */
		codec = &rcr_codec_raw;
		content = fields;
		content_len = fields_len;
	}

	rcr_frame_header h = {
		.codec = (uint8_t)codec->id,
		.compression = RCR_COMPRESSION_NONE,
		.table = table,
		.row_group = row_group,
		.column = column,
		.row_count = count,
		.raw_size = fields_len,
		.content_size = (uint32_t)content_len,
		.raw_hash = rcr_hash64(fields, fields_len),
	};
	size_t start = out->len;
	RCR_FORWARD(rcr_buf_reserve(out, RCR_FRAME_HEADER_SIZE + ZSTD_compressBound(content_len)));
	uint8_t *stored = out->data + start + RCR_FRAME_HEADER_SIZE;
	size_t stored_len = content_len;
	if (e->cctx && content_len > 0) {
		size_t z = ZSTD_compress2(e->cctx, stored, ZSTD_compressBound(content_len), content, content_len);
		if (ZSTD_isError(z))
			return rcr_error_set(RCR_E_COMPRESS, "zstd compression failed: %s", ZSTD_getErrorName(z));
		if (z < content_len) {
			h.compression = RCR_COMPRESSION_ZSTD;
			stored_len = z;
		}
	}
	if (h.compression == RCR_COMPRESSION_NONE && content_len)
		memcpy(stored, content, content_len);
	h.stored_size = (uint32_t)stored_len;
	h.stored_hash = rcr_hash64(stored, stored_len);
	rcr_frame_header_write(out->data + start, &h);
	out->len = start + RCR_FRAME_HEADER_SIZE + stored_len;
	if (h_out)
		*h_out = h;
	return 0;
}

struct rcr_frame_decoder {
	uint64_t max_raw;
	ZSTD_DCtx *dctx;
	rcr_buf content;
	rcr_buf fields;
};

int rcr_frame_decoder_new(rcr_frame_decoder **out, uint64_t max_raw)
{
	*out = NULL;
	rcr_frame_decoder *d = calloc(1, sizeof *d);
	if (!d)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	d->max_raw = max_raw;
	d->dctx = ZSTD_createDCtx();
	if (!d->dctx) {
		free(d);
		return rcr_error_set(RCR_E_NOMEM, "out of memory creating a zstd context");
	}
	*out = d;
	return 0;
}

void rcr_frame_decoder_free(rcr_frame_decoder *d)
{
	if (!d)
		return;
	ZSTD_freeDCtx(d->dctx);
	rcr_buf_free(&d->content);
	rcr_buf_free(&d->fields);
	free(d);
}

/* The header's checks that need no decoding: stored size, declared sizes within the bounds
 * below, stored hash. */
static int check_stored(const rcr_frame_decoder *d, const rcr_frame_header *h, size_t frame_len,
			const uint8_t *stored)
{
	if (frame_len - RCR_FRAME_HEADER_SIZE != h->stored_size)
		return rcr_error_set(RCR_E_FORMAT, "frame declares %u stored bytes but %zu are present",
				     h->stored_size, frame_len - RCR_FRAME_HEADER_SIZE);
	if (h->raw_size > d->max_raw)
		return rcr_error_set(RCR_E_LIMIT, "frame declares %llu raw bytes, above the limit of %llu",
				     (unsigned long long)h->raw_size, (unsigned long long)d->max_raw);
	/* Content is never larger than its field stream plus a small codec header (every codec's
	 * bound), so this also bounds the decompression buffer before anything is allocated. */
	if ((uint64_t)h->content_size > h->raw_size + 64)
		return rcr_error_set(RCR_E_FORMAT, "frame content size %u is implausible for raw size %llu",
				     h->content_size, (unsigned long long)h->raw_size);
	/* Two more bounds that tie the buffers below to the bytes present, so that a forged
	 * header (hashes recomputed) cannot make the reader allocate far beyond what the frame
	 * could hold. Neither refuses anything a writer can produce:
	 *  - a zstd block is at most 128 KiB and takes at least 4 bytes (an RLE block), so no
	 *    zstd input yields more than 32768 bytes per stored byte;
	 *  - no codec's field stream exceeds twice its content plus 24 bytes per value (the worst
	 *    case is float_array: 4 length bytes per element of at least 4 bytes, and a 24-byte
	 *    array header per value; raw is 1:1, the dense and sparse codecs at most 8 per value). */
	if (h->compression == RCR_COMPRESSION_ZSTD && (uint64_t)h->content_size > (uint64_t)h->stored_size * 32768)
		return rcr_error_set(RCR_E_FORMAT, "frame content size %u is more than %u zstd-compressed bytes can hold",
				     h->content_size, h->stored_size);
	if (h->raw_size > 2 * (uint64_t)h->content_size + 24 * (uint64_t)h->row_count)
		return rcr_error_set(RCR_E_FORMAT, "frame raw size %llu is more than %u rows and %u content bytes can decode to",
				     (unsigned long long)h->raw_size, h->row_count, h->content_size);
	if (rcr_hash64(stored, h->stored_size) != h->stored_hash)
		return rcr_error_set(RCR_E_CHECKSUM, "frame checksum mismatch");
	return 0;
}

/* Decompresses the stored bytes into dst (reset, then content_size bytes). */
static int decompress(rcr_frame_decoder *d, const rcr_frame_header *h, const uint8_t *stored, rcr_buf *dst)
{
	rcr_buf_reset(dst);
	RCR_FORWARD(rcr_buf_reserve(dst, (size_t)h->content_size + 1));
	size_t z = ZSTD_decompressDCtx(d->dctx, dst->data, h->content_size, stored, h->stored_size);
	if (ZSTD_isError(z))
		return rcr_error_set(RCR_E_COMPRESS, "zstd decompression failed: %s", ZSTD_getErrorName(z));
	if (z != h->content_size)
		return rcr_error_set(RCR_E_FORMAT, "frame decompressed to %zu bytes, declared %u", z, h->content_size);
	dst->len = z;
	return 0;
}

static int check_decoded_size(size_t got, const rcr_frame_header *h)
{
	if (got != h->raw_size)
		return rcr_error_set(RCR_E_FORMAT, "frame decoded to %zu bytes, declared %llu", got,
				     (unsigned long long)h->raw_size);
	return 0;
}

/* A codec whose content is the field stream (codec->check): the content is decompressed
 * straight into out, or, stored uncompressed, lent from the frame (lend) or copied into out;
 * then checked in place. No decode pass, no second copy. */
static int content_as_fields(rcr_frame_decoder *d, const rcr_codec_vtbl *codec, const rcr_frame_header *h,
			     const uint8_t *stored, rcr_buf *out, int lend, const uint8_t **fields)
{
	const uint8_t *content = stored;
	if (h->compression == RCR_COMPRESSION_ZSTD) {
		RCR_FORWARD(decompress(d, h, stored, out));
		content = out->data;
	} else if (!lend) {
		rcr_buf_reset(out);
		RCR_FORWARD(rcr_buf_reserve(out, (size_t)h->content_size + 1));
		memcpy(out->data, stored, h->content_size);
		out->len = h->content_size;
		content = out->data;
	}
	RCR_FORWARD(codec->check(content, h->content_size, (size_t)h->raw_size, h->row_count));
	RCR_FORWARD(check_decoded_size(h->content_size, h));
	*fields = content;
	return 0;
}

/* Any other codec: content decompressed into d's buffer when compressed, decoded into out. */
static int decode_content(rcr_frame_decoder *d, const rcr_codec_vtbl *codec, const rcr_frame_header *h,
			  const uint8_t *stored, rcr_buf *out, const uint8_t **fields)
{
	const uint8_t *content = stored;
	if (h->compression == RCR_COMPRESSION_ZSTD) {
		RCR_FORWARD(decompress(d, h, stored, &d->content));
		content = d->content.data;
	}
	rcr_buf_reset(out);
	RCR_FORWARD(rcr_buf_reserve(out, (size_t)h->raw_size + 1));
	size_t got = 0;
	RCR_FORWARD(codec->decode(&got, out->data, (size_t)h->raw_size, content, h->content_size, h->row_count));
	RCR_FORWARD(check_decoded_size(got, h));
	out->len = got;
	*fields = out->data;
	return 0;
}

static int decode_frame(rcr_frame_decoder *d, rcr_frame_header *h_out, const uint8_t *frame, size_t frame_len,
			rcr_buf *out, int lend, const uint8_t **fields, size_t *fields_len)
{
	rcr_frame_header h;
	RCR_FORWARD(rcr_frame_header_read(&h, frame, frame_len));
	const uint8_t *stored = frame + RCR_FRAME_HEADER_SIZE;
	RCR_FORWARD(check_stored(d, &h, frame_len, stored));
	const rcr_codec_vtbl *codec = rcr_codec_get(h.codec);
	const uint8_t *got;
	if (codec->check)
		RCR_FORWARD(content_as_fields(d, codec, &h, stored, out, lend, &got));
	else
		RCR_FORWARD(decode_content(d, codec, &h, stored, out, &got));
	if (rcr_hash64(got, (size_t)h.raw_size) != h.raw_hash)
		return rcr_error_set(RCR_E_CHECKSUM, "frame content checksum mismatch after decoding");
	*fields = got;
	*fields_len = (size_t)h.raw_size;
	if (h_out)
		*h_out = h;
	return 0;
}

int rcr_frame_decode(rcr_frame_decoder *d, rcr_frame_header *h_out, const uint8_t *frame,
		     size_t frame_len, const uint8_t **fields, size_t *fields_len)
{
	return decode_frame(d, h_out, frame, frame_len, &d->fields, 0, fields, fields_len);
}

int rcr_frame_decode_into(rcr_frame_decoder *d, rcr_frame_header *h_out, const uint8_t *frame,
			  size_t frame_len, rcr_buf *out, const uint8_t **fields, size_t *fields_len)
{
	return decode_frame(d, h_out, frame, frame_len, out, 1, fields, fields_len);
}
