/*
 * copybin.h: PostgreSQL binary COPY, both directions.
 *
 * The parser is a push parser: feed it whatever chunks arrive (libpq hands over one CopyData
 * message at a time, but nothing here relies on that) and it calls back once per complete
 * tuple. It validates the signature, flags (OIDs and unknown critical bits refused, as the
 * server does), header extension, field counts and lengths, and the trailer. Memory is one
 * partial tuple plus one chunk: bounded whatever the table size.
 *
 * The assembler is the inverse used by restore: it interleaves per-column field streams (see
 * codec.h) back into tuples. Its text twin writes the rows of a text table (RCR_TABLE_TEXT,
 * manifest.h: field streams of text output) as text COPY, the form restore's `COPY ... FROM
 * STDIN` reads and pg_dump's data files hold, so restore and convert write them alike.
 */
#ifndef RCR_COPYBIN_H
#define RCR_COPYBIN_H

#include "rcr/buf.h"

#include <stdint.h>
#include <stddef.h>

#define RCR_COPY_SIGNATURE "PGCOPY\n\377\r\n\0"
#define RCR_COPY_HEADER_SIZE 19

/* Called once per tuple. fields[i] points at field i's int32 length word; fields[nfields] is
 * the end of the last field, so field i spans fields[i]..fields[i+1]. Borrowed for the call.
 * Returning negative stops the parse with that code. */
typedef int (*rcr_copy_tuple_fn)(void *ctx, const uint8_t *const *fields, uint16_t nfields);

typedef struct rcr_copy_parser rcr_copy_parser;
int rcr_copy_parser_new(rcr_copy_parser **out, uint16_t nfields, rcr_copy_tuple_fn fn, void *ctx);
void rcr_copy_parser_free(rcr_copy_parser *p);
/* @return 0 or negative (RCR_E_FORMAT with the byte offset in the stream, or the callback's). */
int rcr_copy_parser_feed(rcr_copy_parser *p, const uint8_t *data, size_t len);
/* Checks that the stream ended exactly after the trailer. */
int rcr_copy_parser_finish(rcr_copy_parser *p);
uint64_t rcr_copy_parser_tuples(const rcr_copy_parser *p);

/* Appends the 19-byte header (no flags, no extension). */
int rcr_copy_write_header(rcr_buf *out);
int rcr_copy_write_trailer(rcr_buf *out);
/* Appends `rows` tuples built from ncols field streams; cursors[i] advances through column i.
 * Streams must already be validated (rcr_fields_check or a codec's decode). ends[i] bounds
 * column i: a stream that runs short is an error, never an overread. */
int rcr_copy_write_tuples(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends,
			  uint16_t ncols, uint32_t rows);
/* Appends `rows` rows of text COPY from ncols field streams holding text output (cursors and
 * ends as above): per row, each value escaped as COPY text wants (rcr_textout_copy_escape:
 * backslash, BS, FF, LF, CR, HT, VT), \N for NULL, a tab between fields, a newline after the
 * last. No header or trailer: text COPY has none (pg_dump's data files end with their own
 * `\.` line). */
int rcr_copy_write_text_rows(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends,
			     uint16_t ncols, uint32_t rows);

/* The same two for a row group with skipped rows (manifest.h, row identity: rows of the frames
 * that are not in the table): rows 0..rows-1 are read, those listed in skip (nskip entries,
 * strictly ascending, below rows) are left out; rows - nskip rows are appended. A list that is
 * not so is RCR_E_FORMAT (with part of the rows appended: check it before, with
 * rcr_archive_check_skip, to fail before any output). skip may be NULL when nskip is 0. */
int rcr_copy_write_tuples_skip(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols,
			       uint32_t rows, const uint32_t *skip, uint32_t nskip);
int rcr_copy_write_text_rows_skip(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols,
				  uint32_t rows, const uint32_t *skip, uint32_t nskip);
/* Moves the cursors past row r (its index, for messages) without writing it. */
int rcr_copy_skip_row(const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols, uint32_t r);

#endif
