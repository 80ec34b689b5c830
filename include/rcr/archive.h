/*
 * archive.h: reading an archive directory: its manifest, its schema files and its frames,
 * with every cross-check between them. Shared by restore, verify and list, so all three judge
 * an archive by the same rules.
 */
#ifndef RCR_ARCHIVE_H
#define RCR_ARCHIVE_H

#include "rcr/buf.h"
#include "rcr/frame.h"
#include "rcr/manifest.h"

#include <stdint.h>
#include <stddef.h>

/* The file that marks a directory as being written (claimed, rcr_fs_outdir_claim) by a dump or
 * a conversion. It goes when the output is complete, so a dump directory holding it and no
 * manifest is a failed or killed dump's leftovers, which dump --force may replace. */
#define RCR_DUMP_MARKER ".rcr-dump-in-progress"
#define RCR_CONVERT_MARKER ".rcr-convert-in-progress"

/* Reads and decodes dir/manifest.rcr. A missing manifest is RCR_E_NOT_ARCHIVE with a hint
 * (an interrupted dump leaves none). *out owned by the caller. */
int rcr_archive_open(rcr_manifest **out, const char *dir);

/* The first checks of rcr_archive_open, with its messages: dir exists and is a directory.
 * For commands that check their other arguments against the archive before opening it. */
int rcr_archive_check_path(const char *dir);

/* Checks schema file i: present, regular, size and XXH3-64 as recorded. */
int rcr_archive_check_schema_file(const rcr_manifest *m, const char *dir, uint32_t i);

/* The cheap half of rcr_archive_load_frame: reads frame col of row group rgi of table ti and
 * checks its header against the manifest and its stored bytes against their XXH3-64, without
 * decompressing. Errors name the frame. */
int rcr_archive_check_frame_stored(rcr_buf *scratch, int fd, uint64_t file_size, const char *path,
				   const rcr_manifest *m, uint32_t ti, uint32_t rgi, uint32_t col);

/* Reads the frame `ref` (row group rg, column col of table ti) from fd (file_size bytes, path
 * for messages) into scratch, decodes it with dec and cross-checks the frame header against
 * the manifest: table, row group, column, row count, codec, sizes and hashes. On success,
 * fields and len (borrowed from dec) hold the field stream. Errors name the frame. */
int rcr_archive_load_frame(rcr_frame_decoder *dec, rcr_buf *scratch, int fd, uint64_t file_size,
			   const char *path, const rcr_manifest *m, uint32_t ti, uint32_t rg, uint32_t col,
			   const uint8_t **fields, size_t *len);
/* The same, decoding with rcr_frame_decode_into: the field stream goes to out, or stays in
 * scratch (a raw frame stored uncompressed), so *fields is valid while both are unchanged.
 * With a scratch and an out per column, every column of a row group stays readable at once
 * without a copy (verify's row hashes need them all). */
int rcr_archive_load_frame_into(rcr_frame_decoder *dec, rcr_buf *scratch, rcr_buf *out, int fd,
				uint64_t file_size, const char *path, const rcr_manifest *m, uint32_t ti,
				uint32_t rg, uint32_t col, const uint8_t **fields, size_t *len);

/* Row identity (Required_Features bit 1, manifest.h). Without it, frame headers carry the row
 * group's own indexes; with it, the origin_table and origin_rg the manifest records, which for
 * a row group shared from a base are the base's. Both functions above compare accordingly. */

/* Checks row group rgi's skip list: only with row identity, fewer entries than rows, strictly
 * ascending row indexes below row_count. Restore and convert check it before they drop rows,
 * verify reports it. Errors name the table and row group. */
int rcr_archive_check_skip(const rcr_manifest *m, uint32_t ti, uint32_t rgi);

/* Reads the row-hash frame of row group rgi of table ti (has_row_hashes) into scratch and
 * checks it: header against the manifest (origin, Column = the table's column count, codec
 * raw, compression none, Row_Count, 32 bytes per row), stored and content checksums. On
 * success *hashes (borrowed from scratch) holds RCR_ROW_HASH_SIZE bytes per row, in row
 * order. Errors name the frame. */
int rcr_archive_load_row_hashes(rcr_buf *scratch, int fd, uint64_t file_size, const char *path,
				const rcr_manifest *m, uint32_t ti, uint32_t rgi, const uint8_t **hashes);

#endif
