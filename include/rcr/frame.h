/*
 * frame.h: the unit of storage. One frame holds one column chunk (one column of one row group),
 * encoded by a codec and then compressed by zstd, with XXH3-64 checksums of both the stored bytes
 * and the field stream it decodes to. Frames are self-describing and independently decodable:
 * a reader needs only the frame's bytes (and, to cross-check, the manifest's record of it).
 * Byte layout: format-spec/rcr-format.md, "Frame".
 */
#ifndef RCR_FRAME_H
#define RCR_FRAME_H

#include "rcr/buf.h"
#include "rcr/codec.h"

#include <stdint.h>
#include <stddef.h>

#define RCR_FRAME_HEADER_SIZE 64
/* The largest field stream a frame may hold: writers refuse bigger chunks and readers refuse
 * to allocate for frames that declare more, so every archive written is readable. */
#define RCR_MAX_FRAME_RAW ((uint64_t)2 << 30)
#define RCR_FRAME_MAGIC "RCRF"

typedef enum rcr_compression_id {
	RCR_COMPRESSION_NONE = 0,
	RCR_COMPRESSION_ZSTD = 1,
	RCR_COMPRESSION_COUNT
} rcr_compression_id;

typedef struct rcr_frame_header {
	uint8_t codec;          /* rcr_codec_id */
	uint8_t compression;    /* rcr_compression_id */
	uint32_t table;         /* index of the table in the manifest */
	uint32_t row_group;     /* index of the row group within the table */
	uint32_t column;        /* column index within the table's stored columns */
	uint32_t row_count;
	uint64_t raw_size;      /* field stream bytes */
	uint32_t content_size;  /* codec content bytes (zstd's decompressed size) */
	uint32_t stored_size;   /* bytes after the header */
	uint64_t stored_hash;   /* XXH3-64 of the stored bytes */
	uint64_t raw_hash;      /* XXH3-64 of the field stream */
} rcr_frame_header;

/* Serializes h into out (RCR_FRAME_HEADER_SIZE bytes), including the header check. */
void rcr_frame_header_write(uint8_t *out, const rcr_frame_header *h);
/* Parses and validates a header from untrusted bytes: magic, header check, reserved bits,
 * known codec and compression ids. @return 0, RCR_E_FORMAT or RCR_E_CHECKSUM. */
int rcr_frame_header_read(rcr_frame_header *out, const uint8_t *p, size_t len);

/* The XXH3-64 used everywhere in the format (seed 0). */
uint64_t rcr_hash64(const void *p, size_t n);

typedef struct rcr_frame_encoder rcr_frame_encoder;
/* level 0 stores content uncompressed; 1..22 are zstd levels. */
int rcr_frame_encoder_new(rcr_frame_encoder **out, int level);
void rcr_frame_encoder_free(rcr_frame_encoder *e);
/* Encodes one column chunk and appends header + stored bytes to `out`. Tries `preferred` first
 * and falls back to raw when it does not fit; stores uncompressed when zstd does not shrink the
 * content. *h_out receives the header written. */
int rcr_frame_encode(rcr_frame_encoder *e, rcr_buf *out, rcr_frame_header *h_out,
		     uint32_t table, uint32_t row_group, uint32_t column, rcr_codec_id preferred,
		     const uint8_t *fields, size_t fields_len, uint32_t count);

typedef struct rcr_frame_decoder rcr_frame_decoder;
/* max_raw bounds the field stream size a frame may declare: nothing larger is allocated. */
int rcr_frame_decoder_new(rcr_frame_decoder **out, uint64_t max_raw);
void rcr_frame_decoder_free(rcr_frame_decoder *d);
/* Decodes a whole frame (header + stored bytes) from untrusted bytes, checking everything:
 * header check, stored size, stored hash, decompression, codec decode, raw size and raw hash.
 * On success *fields (borrowed; valid until the next call on d) holds the field stream.
 * @return 0 or negative with a message that names what failed (callers add file/table). */
int rcr_frame_decode(rcr_frame_decoder *d, rcr_frame_header *h_out, const uint8_t *frame,
		     size_t frame_len, const uint8_t **fields, size_t *fields_len);
/* The same checks, but the field stream goes to the caller's buffer out (reset first), so
 * that one decoder (one zstd context) serves every column of a row group, and a raw frame
 * stored uncompressed is lent, not copied: *fields then points into frame itself. *fields is
 * valid while out and frame are unchanged. */
int rcr_frame_decode_into(rcr_frame_decoder *d, rcr_frame_header *h_out, const uint8_t *frame,
			  size_t frame_len, rcr_buf *out, const uint8_t **fields, size_t *fields_len);

const char *rcr_compression_name(unsigned id);

#endif
