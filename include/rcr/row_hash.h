/*
 * row_hash.h: the strong hashes of row identity (Required_Features bit 1, format-spec "Row
 * group"). An incremental dump shares a row with its base only when the two rows' SHA-256 are
 * equal, and a whole row group only when the content hashes are: identity is proven by a
 * collision-resistant hash, never guessed from sizes, counts or a 64-bit checksum (XXH3 stays
 * the format's integrity check, where an accidental collision is all it must catch).
 *
 * - A row hash is SHA-256 of the row's field encodings in column order, each exactly as in the
 *   field stream (be32 length, or -1 for NULL, then the bytes): the bytes of one binary COPY
 *   tuple after its field count. A text table's fields hold text; the rule is the same.
 * - A row group's content hash is SHA-256 of its row-hash frame's raw bytes (the row hashes
 *   concatenated) when it keeps one, otherwise SHA-256 over, for each column in order,
 *   u64le(field stream length) then the field stream.
 *
 * SHA-256 comes from OpenSSL's libcrypto, which uses the CPU's SHA extensions where there are
 * any. A hasher holds one digest context, reused for every hash: making one per row would cost
 * more than hashing a small row. Hashing field streams copies nothing but a row's small fields
 * (gathered into one digest update); big fields go to the digest where they lie. Core code: no threads; one hasher per thread.
 */
#ifndef RCR_ROW_HASH_H
#define RCR_ROW_HASH_H

#include "rcr/buf.h"
#include "rcr/manifest.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rcr_row_hasher rcr_row_hasher;

/* One column's field stream, borrowed: a reader's decoded frame needs no copy to be hashed. */
typedef struct rcr_field_stream {
	const uint8_t *data;
	size_t len;
} rcr_field_stream;

/* *out owned by the caller, released with rcr_row_hasher_free (accepts NULL). */
int rcr_row_hasher_new(rcr_row_hasher **out);
void rcr_row_hasher_free(rcr_row_hasher *h);

/* The row hash of one row given as its contiguous field encodings (n bytes at row). */
int rcr_row_hash(rcr_row_hasher *h, uint8_t out[RCR_ROW_HASH_SIZE], const uint8_t *row, size_t n);

/*
 * The row hashes of a row group given as field streams: cols[c] for each of ncols columns,
 * `rows` fields each. Writes rows * RCR_ROW_HASH_SIZE bytes to out.
 * @return 0, or RCR_E_FORMAT when a stream does not hold exactly `rows` well-formed fields.
 */
int rcr_row_hashes(rcr_row_hasher *h, uint8_t *out, const rcr_buf *cols, uint32_t ncols, uint32_t rows);
/* The same from borrowed streams. */
int rcr_row_hashes_of(rcr_row_hasher *h, uint8_t *out, const rcr_field_stream *cols, uint32_t ncols,
		      uint32_t rows);

/* The content hash of a row group that keeps its row hashes (`rows` of them at hashes). */
int rcr_content_hash_rows(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const uint8_t *hashes, uint32_t rows);

/* The content hash of a row group without row hashes, from its ncols field streams. */
int rcr_content_hash_streams(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const rcr_buf *cols,
			     uint32_t ncols);
/* The same from borrowed streams. */
int rcr_content_hash_of(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const rcr_field_stream *cols,
			uint32_t ncols);

#endif
