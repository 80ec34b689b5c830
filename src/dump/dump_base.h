/*
 * dump_base.h: the pure parts of `rcr dump --base` (dump_base.c), apart so that unit tests
 * reach them without a server. Internal to src/dump.
 *
 * The row index: a multiset of 32-byte SHA-256 hashes, each standing for one row (or one whole
 * row group) of the base, which an incoming equal row takes at most once. Open addressing
 * over the hashes' first 8 bytes (SHA-256 is uniform, so no other mixing is needed), and equal
 * hashes chained: a table with a million equal rows still takes each in O(1). Built once,
 * before the COPY, then only taken from; not thread-safe (dump_base.c locks per table).
 */
#ifndef RCR_DUMP_BASE_H
#define RCR_DUMP_BASE_H

#include "rcr/buf.h"

#include <stddef.h>
#include <stdint.h>

#define DUMP_BASE_HASH_SIZE 32

typedef struct dump_base_index dump_base_index;

/* An index for up to cap entries. *out owned by the caller (dump_base_index_free). */
int dump_base_index_new(dump_base_index **out, uint32_t cap);
void dump_base_index_free(dump_base_index *x);
/* Adds (rg, row) under hash; at most cap entries, all before the first take. */
int dump_base_index_add(dump_base_index *x, const uint8_t hash[DUMP_BASE_HASH_SIZE], uint32_t rg, uint32_t row);
/* 1 and the (rg, row) of an entry with this hash not taken before, now taken; 0 if none. */
int dump_base_index_take(dump_base_index *x, const uint8_t hash[DUMP_BASE_HASH_SIZE], uint32_t *rg, uint32_t *row);

/* Whether a base data file whose shared frames (the rows taken, by their share of each row
 * group's frames) make live_bytes of its file_bytes is linked whole into the new archive (1),
 * or its live rows are written anew (0, compaction). Half: a chain of incremental archives
 * then never holds more dead bytes than live ones. */
int dump_base_should_link(uint64_t live_bytes, uint64_t file_bytes);

/* A row group's share of its frames' bytes that its taken rows make: bytes * taken / rows,
 * without overflow. */
uint64_t dump_base_live_share(uint64_t bytes, uint32_t taken, uint32_t rows);

/*
 * Copies the fields of the rows whose bit is set in `keep` (rows bits, LSB first) from one
 * column's field stream (rows fields: be32 length or -1 for NULL, then the bytes) to the end
 * of out. The stream comes from a base's frame, which the codec's decode validated
 * (rcr_fields_check); the checks here keep a stream that is not so (a bug) from being read
 * past its end: RCR_E_FORMAT.
 * @return 0 or negative with the message set.
 */
int dump_base_copy_fields(rcr_buf *out, const uint8_t *fields, size_t len, uint32_t rows,
			  const uint8_t *keep);

#endif
