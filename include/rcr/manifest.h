/*
 * manifest.h: the archive's table of contents.
 *
 * The manifest is the only thing that makes a directory an archive: it is written last,
 * atomically (temporary file, fsync, rename), so an interrupted dump leaves no manifest and can
 * never pass for complete. It records every table, column, row group and frame (location,
 * sizes, checksums, codec), every schema file with its checksum, and key/value metadata. It
 * carries its own XXH3-64. Byte layout: format-spec/rcr-format.md, "Manifest".
 *
 * Ownership: a manifest owns all strings and arrays in it; rcr_manifest_free releases them.
 */
#ifndef RCR_MANIFEST_H
#define RCR_MANIFEST_H

#include "rcr/buf.h"
#include "rcr/frame.h"

#include <stdint.h>
#include <stddef.h>

#define RCR_MANIFEST_NAME "manifest.rcr"
#define RCR_MANIFEST_MAGIC "\x89RCR\r\n\x1a\n"
#define RCR_MANIFEST_HEADER_SIZE 32

/* Format versions. A writer stamps Write_Version = the version it writes and Read_Version = the
 * oldest reader version able to read the archive; a reader refuses Read_Version > what it reads.
 *   1: first format (frames, row groups, codecs raw, vector, halfvec, sparsevec and
 *      float_array (rcr_codec_id in codec.h), schema via pg_dump -Fd). */
#define RCR_FMT_V_1 1
#define RCR_FMT_WRITE_VERSION RCR_FMT_V_1   /* stamped as Write_Version */
#define RCR_FMT_READ_VERSION RCR_FMT_V_1    /* stamped as Read_Version: oldest reader that can read ours */
#define RCR_FMT_NEWEST_READ RCR_FMT_V_1     /* the newest Read_Version this reader accepts */
/* Feature flags. A reader rejects unknown required bits and ignores unknown optional ones.
 * Required ones (spec "Format versions and feature flags"):
 *   bit 0, table flags (spec 1.5.0): tables may have Table_Flags bits set (RCR_TABLE_*), which
 *   change how their data is loaded. The encoder sets it whenever a table has a flag, so a
 *   reader that predates the flags refuses such an archive ("version") instead of misreading
 *   it, and an archive without flags stays readable by every reader.
 * Optional ones:
 *   bit 0, codec trials (spec 1.1.0): the writer records, per table, what its codec trials
 *   measured, in metadata entries "codec_trials:<table index>". With the bit set, a table without
 *   an entry had no trial (no column with a type codec, or no rows); without it, nothing was
 *   recorded. */
#define RCR_FEATURE_TABLE_FLAGS (1u << 0)
/* bit 1, row identity (spec 1.7.0): every row group carries a content hash (SHA-256), the
 * origin of its frames, an optional row-hash frame and a list of skipped rows; a data file may
 * hold frames the manifest does not reference (it is shared, by hard link, with the base
 * archive an incremental dump started from). rcr dump sets it on every archive it writes. */
#define RCR_FEATURE_ROW_IDENTITY (1u << 1)
#define RCR_FEATURES_REQUIRED_KNOWN (RCR_FEATURE_TABLE_FLAGS | RCR_FEATURE_ROW_IDENTITY)
#define RCR_FEATURE_CODEC_TRIALS (1u << 0)
#define RCR_CODEC_TRIALS_KEY "codec_trials:"

/* Reader limits: every count and size in a manifest is checked against these and against the
 * bytes actually present before anything is allocated. */
#define RCR_MANIFEST_MAX_SIZE ((uint64_t)1 << 30)
#define RCR_MAX_NAME 4096
/* Rows in one row group. The writer closes row groups at 65536 rows; the limit leaves room
 * for other writers and bounds what restore builds per row group where no frame ties the row
 * count to bytes present (a table without columns sends 2 bytes per row). */
#define RCR_MAX_ROW_GROUP_ROWS ((uint32_t)1 << 24)
/* Raw bytes of one row group, every column together. Restore and convert hold a whole row group
 * decoded at once (one buffer per column), so this, not the per-frame limit, is what bounds
 * their memory for a forged archive. No written row group reaches it: the writer closes a row
 * group once it holds --row-group-size bytes (at most 2^30), and the row that crossed the line
 * is under 2^30 too (a binary COPY row is one server buffer, below 1 GB). */
#define RCR_MAX_ROW_GROUP_RAW ((uint64_t)1 << 31)

typedef struct rcr_frame_ref {
	uint64_t offset;        /* of the frame header in the row group's file */
	uint32_t stored_size;   /* bytes after the frame header */
	uint32_t content_size;
	uint64_t raw_size;
	uint64_t stored_hash;
	uint64_t raw_hash;
	uint8_t codec;
	uint8_t compression;
} rcr_frame_ref;

typedef struct rcr_column {
	char *name;
	char *type_schema;
	char *type_name;
	uint32_t type_oid;
	int32_t typmod;
	uint8_t type_kind;      /* pg_type.typtype of the base type: 'b', 'e' (enum), 'c', 'r', ... */
	uint8_t elem_kind;      /* for arrays, the element type's typtype; 0 otherwise */
} rcr_column;

/* Row identity (Required_Features bit 1, spec 1.7.0): the sizes of the two SHA-256 hashes. */
#define RCR_ROW_HASH_SIZE 32
#define RCR_CONTENT_HASH_SIZE 32
/* Row_Group_Flags (spec "Row group"): bit 0, the row group has a row-hash frame. */
#define RCR_RG_ROW_HASHES 0x01u
#define RCR_RG_FLAGS_KNOWN RCR_RG_ROW_HASHES

typedef struct rcr_row_group {
	uint32_t file;          /* index into the table's files */
	uint32_t row_count;     /* rows in the frames, skipped ones included */
	rcr_frame_ref *frames;  /* one per column, in column order */
	/* Row identity (Required_Features bit 1); all zero in archives without it. */
	uint8_t content_hash[RCR_CONTENT_HASH_SIZE]; /* SHA-256 of the row hashes, or of the field
				   streams when the row group keeps no row hashes (spec "Row group") */
	uint32_t origin_table;  /* the Table and Row_Group its frame headers carry: its own indexes, */
	uint32_t origin_rg;     /* or those of the archive that wrote the frames (shared from a base) */
	uint8_t has_row_hashes; /* 1: row_hashes is the row-hash frame (SHA-256 of each row, in order) */
	rcr_frame_ref row_hashes;
	uint32_t nskip;         /* rows of the frames that are not in the table (gone since the base): */
	uint32_t *skip;         /* ascending row indexes below row_count; owned by the manifest */
} rcr_row_group;

/* Rows of rg that belong to the table: its frames' rows less the skipped ones. */
static inline uint32_t rcr_row_group_live(const rcr_row_group *rg)
{
	return rg->row_count - rg->nskip;
}

/* What the writer's codec trials measured in one table (spec "Metadata keys", codec_trials):
 * in `row_groups` row groups, the columns that have a type codec were also encoded with the
 * raw codec; their frames (64 + Stored_Size each) took `codec_bytes` as stored and would have
 * taken `plain_bytes` with the raw codec at the same compression. All 0: no trial recorded. */
typedef struct rcr_codec_trials {
	uint32_t row_groups;
	uint64_t codec_bytes;
	uint64_t plain_bytes;
} rcr_codec_trials;

/* Table_Flags (spec "Table"). Any set bit needs Required_Features bit 0. */
/* The field streams hold each value's text output (the type's output function, in the
 * archive's encoding, unescaped) instead of its binary send form: the dump read the table
 * with text casts because a column's type has no binary I/O or no offline printer. Loaded
 * with text COPY; convert copies the values through. */
#define RCR_TABLE_TEXT 0x01u
/* The rows load through the partitioned table root_schema.root_name, as pg_dump's "load via
 * partition root": a leaf whose partition bounds do not survive a restore (hash on an enum)
 * or a dump with --load-via-partition-root. */
#define RCR_TABLE_VIA_ROOT 0x02u
#define RCR_TABLE_FLAGS_KNOWN (RCR_TABLE_TEXT | RCR_TABLE_VIA_ROOT)

typedef struct rcr_table {
	uint32_t oid;
	char *schema;
	char *name;
	uint8_t relkind;
	uint8_t flags;          /* RCR_TABLE_* */
	char *root_schema;      /* RCR_TABLE_VIA_ROOT: the root's schema and name; NULL otherwise */
	char *root_name;
	uint32_t ncols;
	rcr_column *cols;
	uint64_t row_count;
	uint64_t raw_bytes;
	uint64_t stored_bytes;
	uint32_t nfiles;
	char **files;           /* archive-relative paths */
	uint32_t nrgs;
	uint32_t rgs_cap;
	rcr_row_group *rgs;
	rcr_codec_trials trials;   /* stored as metadata, not in the table's bytes */
} rcr_table;

typedef struct rcr_kv {
	char *key;
	char *value;
} rcr_kv;

typedef struct rcr_schema_file {
	char *name;             /* relative to the schema directory */
	uint64_t size;
	uint64_t hash;
} rcr_schema_file;

typedef struct rcr_manifest {
	uint16_t read_version;
	uint16_t write_version;
	uint32_t required_features;
	uint32_t optional_features;
	uint32_t nmeta;
	rcr_kv *meta;
	char *schema_dir;       /* "" when the archive has no schema (never NULL) */
	uint32_t nschema_files;
	rcr_schema_file *schema_files;
	uint32_t ntables;
	rcr_table *tables;
} rcr_manifest;

int rcr_manifest_new(rcr_manifest **out);
void rcr_manifest_free(rcr_manifest *m);

/* Adds metadata; copies key and value. */
int rcr_manifest_set_meta(rcr_manifest *m, const char *key, const char *value);
/* Borrowed value, or NULL. */
const char *rcr_manifest_get_meta(const rcr_manifest *m, const char *key);
/* Appends a row group with ncols frames (zeroed) to t; *out borrowed until the next append. */
int rcr_table_add_row_group(rcr_row_group **out, rcr_table *t);

/* Fills a frame reference from the header of the frame written at `offset` of its file. */
void rcr_frame_ref_set(rcr_frame_ref *ref, const rcr_frame_header *h, uint64_t offset);

/* Serializes into out (appends). Tables' non-zero `trials` become metadata entries
 * "codec_trials:<index>" after m->meta, unless m->meta already holds such entries: decoding
 * keeps them in m->meta, verbatim, and also parses them into the tables, so a decoded manifest
 * re-encodes to the same bytes. Displays skip them with rcr_manifest_is_trial_key. */
int rcr_manifest_encode(rcr_buf *out, const rcr_manifest *m);
/* 1 if key is a codec_trials entry's ("codec_trials:..."). */
int rcr_manifest_is_trial_key(const char *key);
int rcr_manifest_has_trial_entries(const rcr_manifest *m);
/* Parses untrusted bytes. Checks magic, versions, features, size, checksum, every count against
 * the bytes left, every path (no "..", not absolute), frame indexes and file indexes.
 * @return 0 and *out (caller owns), or negative with a message. */
int rcr_manifest_decode(rcr_manifest **out, const uint8_t *p, size_t len);

/* Checks an archive-relative path from a manifest: non-empty, relative, components of
 * [A-Za-z0-9._-] only, no "." or ".." components. @return 0 or RCR_E_FORMAT. */
int rcr_archive_path_check(const char *path);

#endif
