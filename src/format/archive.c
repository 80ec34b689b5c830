/* archive.c: see archive.h. */
#include "rcr/archive.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rcr_archive_check_path(const char *dir)
{
	/* The commonest mistakes get their own message: a wrong path, and a pg_dump file (or any
	 * file) given where an archive directory belongs. */
	struct stat st;
	if (stat(dir, &st) != 0 && errno == ENOENT)
		return rcr_error_set_hint(RCR_E_NOT_ARCHIVE, "check the path: an archive is the directory that rcr dump -f wrote",
					  "archive '%s' does not exist", dir);
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return rcr_error_set_hint(RCR_E_NOT_ARCHIVE,
					  "an rcr archive is a directory; a pg_dump archive file is restored with pg_restore",
					  "'%s' is a file, not an rcr archive directory", dir);
	return 0;
}

/* No manifest: a dump's leftovers if its marker is there (a failed or killed dump), otherwise
 * some other directory, which is not told to run a dump again. */
static int no_manifest(const char *dir)
{
	char marker[4096];
	snprintf(marker, sizeof marker, "%s/%s", dir, RCR_DUMP_MARKER);
	struct stat st;
	if (lstat(marker, &st) == 0)
		return rcr_error_set_hint(RCR_E_NOT_ARCHIVE,
					  "a dump that did not finish leaves no manifest: run rcr dump again (with --force to"
					  " replace what it left in this directory)",
					  "'%s' is not a complete rcr archive: '%s' is missing", dir, RCR_MANIFEST_NAME);
	return rcr_error_set_hint(RCR_E_NOT_ARCHIVE, "an rcr archive is the directory that rcr dump -f wrote",
				  "'%s' is not an rcr archive: '%s' is missing", dir, RCR_MANIFEST_NAME);
}

int rcr_archive_open(rcr_manifest **out, const char *dir)
{
	*out = NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, RCR_MANIFEST_NAME);
	rcr_buf b = RCR_BUF_INIT;
	RCR_FORWARD(rcr_archive_check_path(dir));
	int rc = rcr_fs_read_file(&b, path, RCR_MANIFEST_MAX_SIZE);
	if (rc == RCR_E_MISSING)
		rc = no_manifest(dir);
	if (rc == 0) {
		rc = rcr_manifest_decode(out, b.data, b.len);
		if (rc < 0)
			rc = rcr_error_wrap(rc, "manifest '%s'", path);
	}
	rcr_buf_free(&b);
	return rc;
}

int rcr_archive_check_schema_file(const rcr_manifest *m, const char *dir, uint32_t i)
{
	const rcr_schema_file *sf = &m->schema_files[i];
	char rel[8192], path[12288];
	/* An empty Schema_Dir puts the files at the top of the archive (permissive.md). */
	snprintf(rel, sizeof rel, "%s%s%s", m->schema_dir, m->schema_dir[0] ? "/" : "", sf->name);
	int fd = rcr_fs_open_in(dir, rel, path, sizeof path);
	if (fd < 0)
		return fd;
	uint64_t size, hash;
	int rc = rcr_fs_hash_fd(&size, &hash, fd, path);
	close(fd);
	if (rc < 0)
		return rc;
	if (size != sf->size)
		return rcr_error_set(RCR_E_CHECKSUM, "schema file '%s' is %llu bytes, the manifest says %llu", path,
				     (unsigned long long)size, (unsigned long long)sf->size);
	if (hash != sf->hash)
		return rcr_error_set(RCR_E_CHECKSUM, "schema file '%s' checksum mismatch", path);
	return 0;
}

/* The Table and Row_Group the frames of row group rgi of table ti carry. With row identity the
 * manifest records them (a row group shared from a base keeps the indexes the base's writer
 * stamped); without it they are the row group's own. */
static void frame_owner(uint32_t *table, uint32_t *rg_index, const rcr_manifest *m, uint32_t ti, uint32_t rgi)
{
	const rcr_row_group *rg = &m->tables[ti].rgs[rgi];
	int origin = (m->required_features & RCR_FEATURE_ROW_IDENTITY) != 0;
	*table = origin ? rg->origin_table : ti;
	*rg_index = origin ? rg->origin_rg : rgi;
}

/* A frame header read from the file must be the one the manifest describes at that place. */
static int header_matches(const rcr_frame_header *h, const rcr_manifest *m, const rcr_frame_ref *ref, uint32_t ti,
			  uint32_t rgi, uint32_t col)
{
	const rcr_row_group *rg = &m->tables[ti].rgs[rgi];
	uint32_t table, rg_index;
	frame_owner(&table, &rg_index, m, ti, rgi);
	if (h->table != table || h->row_group != rg_index || h->column != col)
		return rcr_error_set(RCR_E_FORMAT, "frame belongs to table %u row group %u column %u", h->table,
				     h->row_group, h->column);
	if (h->row_count != rg->row_count)
		return rcr_error_set(RCR_E_ROWCOUNT, "frame holds %u rows, the row group %u", h->row_count, rg->row_count);
	if (h->codec != ref->codec || h->compression != ref->compression || h->stored_size != ref->stored_size ||
	    h->content_size != ref->content_size || h->raw_size != ref->raw_size || h->stored_hash != ref->stored_hash ||
	    h->raw_hash != ref->raw_hash)
		return rcr_error_set(RCR_E_CHECKSUM, "frame header disagrees with the manifest");
	return 0;
}

/* Reads the frame ref describes (header and stored bytes) into scratch, after checking that
 * the file holds it; the manifest's sizes are bounded, and so is what this reserves. */
static int read_frame(rcr_buf *scratch, int fd, uint64_t file_size, const char *path, const rcr_frame_ref *ref)
{
	uint64_t need = RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size;
	if (ref->offset > file_size || need > file_size - ref->offset)
		return rcr_error_set(RCR_E_MISSING, "frame extends past the end of the file (%llu bytes)",
				     (unsigned long long)file_size);
	rcr_buf_reset(scratch);
	RCR_FORWARD(rcr_buf_reserve(scratch, (size_t)need));
	RCR_FORWARD(rcr_fs_pread_all(fd, scratch->data, (size_t)need, ref->offset, path));
	scratch->len = (size_t)need;
	return 0;
}

static int frame_error(int rc, const rcr_table *t, uint32_t rgi, uint32_t col, const char *path,
		       const rcr_frame_ref *ref)
{
	return rcr_error_wrap(rc, "table '%s' row group %u column '%s' (frame at '%s' offset %llu)",
			      rcr_name_qualify(t->schema, t->name).s, rgi, rcr_name_quote(t->cols[col].name).s, path,
			      (unsigned long long)ref->offset);
}

int rcr_archive_check_frame_stored(rcr_buf *scratch, int fd, uint64_t file_size, const char *path,
				   const rcr_manifest *m, uint32_t ti, uint32_t rgi, uint32_t col)
{
	const rcr_table *t = &m->tables[ti];
	const rcr_frame_ref *ref = &t->rgs[rgi].frames[col];
	rcr_frame_header h;
	int rc = read_frame(scratch, fd, file_size, path, ref);
	if (rc == 0)
		rc = rcr_frame_header_read(&h, scratch->data, scratch->len);
	if (rc == 0)
		rc = header_matches(&h, m, ref, ti, rgi, col);
	if (rc == 0 && rcr_hash64(scratch->data + RCR_FRAME_HEADER_SIZE, ref->stored_size) != ref->stored_hash)
		rc = rcr_error_set(RCR_E_CHECKSUM, "stored bytes do not match their checksum");
	return rc == 0 ? 0 : frame_error(rc, t, rgi, col, path, ref);
}

/* rcr_archive_load_frame, decoding into out, or into dec's own buffer when out is NULL. */
static int load_frame(rcr_frame_decoder *dec, rcr_buf *scratch, rcr_buf *out, int fd, uint64_t file_size,
		      const char *path, const rcr_manifest *m, uint32_t ti, uint32_t rgi, uint32_t col,
		      const uint8_t **fields, size_t *len)
{
	const rcr_table *t = &m->tables[ti];
	const rcr_frame_ref *ref = &t->rgs[rgi].frames[col];
	rcr_frame_header h;
	int rc = read_frame(scratch, fd, file_size, path, ref);
	if (rc == 0 && out)
		rc = rcr_frame_decode_into(dec, &h, scratch->data, scratch->len, out, fields, len);
	else if (rc == 0)
		rc = rcr_frame_decode(dec, &h, scratch->data, scratch->len, fields, len);
	if (rc == 0)
		rc = header_matches(&h, m, ref, ti, rgi, col);
	return rc == 0 ? 0 : frame_error(rc, t, rgi, col, path, ref);
}

int rcr_archive_load_frame(rcr_frame_decoder *dec, rcr_buf *scratch, int fd, uint64_t file_size,
			   const char *path, const rcr_manifest *m, uint32_t ti, uint32_t rgi, uint32_t col,
			   const uint8_t **fields, size_t *len)
{
	return load_frame(dec, scratch, NULL, fd, file_size, path, m, ti, rgi, col, fields, len);
}

int rcr_archive_load_frame_into(rcr_frame_decoder *dec, rcr_buf *scratch, rcr_buf *out, int fd,
				uint64_t file_size, const char *path, const rcr_manifest *m, uint32_t ti,
				uint32_t rgi, uint32_t col, const uint8_t **fields, size_t *len)
{
	return load_frame(dec, scratch, out, fd, file_size, path, m, ti, rgi, col, fields, len);
}

int rcr_archive_check_skip(const rcr_manifest *m, uint32_t ti, uint32_t rgi)
{
	const rcr_table *t = &m->tables[ti];
	const rcr_row_group *rg = &t->rgs[rgi];
	int rc = 0;
	if (rg->nskip && !(m->required_features & RCR_FEATURE_ROW_IDENTITY))
		rc = rcr_error_set(RCR_E_FORMAT, "skips %u rows in an archive without row identity", rg->nskip);
	else if (rg->nskip && rg->nskip >= rg->row_count)
		rc = rcr_error_set(RCR_E_FORMAT, "skips %u of its %u rows", rg->nskip, rg->row_count);
	for (uint32_t k = 0; k < rg->nskip && rc == 0; k++)
		if (rg->skip[k] >= rg->row_count || (k && rg->skip[k] <= rg->skip[k - 1]))
			rc = rcr_error_set(RCR_E_FORMAT, "skipped row %u (entry %u) is not ascending below %u rows",
					   rg->skip[k], k, rg->row_count);
	return rc == 0 ? 0 : rcr_error_wrap(rc, "table '%s' row group %u", rcr_name_qualify(t->schema, t->name).s, rgi);
}

/* The row-hash frame's header: raw bytes stored as they are (codec raw, no compression), one
 * column past the row group's last, a hash per row, and every field as the manifest records. */
static int row_hashes_header_ok(const rcr_frame_header *h, const rcr_manifest *m, uint32_t ti, uint32_t rgi)
{
	const rcr_row_group *rg = &m->tables[ti].rgs[rgi];
	const rcr_frame_ref *ref = &rg->row_hashes;
	RCR_FORWARD(header_matches(h, m, ref, ti, rgi, m->tables[ti].ncols));
	if (h->codec != RCR_CODEC_RAW || h->compression != RCR_COMPRESSION_NONE)
		return rcr_error_set(RCR_E_FORMAT, "row-hash frame has codec %u and compression %u, not raw and none",
				     h->codec, h->compression);
	if (h->raw_size != (uint64_t)RCR_ROW_HASH_SIZE * rg->row_count || h->stored_size != h->raw_size ||
	    h->content_size != h->stored_size)
		return rcr_error_set(RCR_E_FORMAT, "row-hash frame holds %llu bytes, %u rows need %llu",
				     (unsigned long long)h->raw_size, rg->row_count,
				     (unsigned long long)RCR_ROW_HASH_SIZE * rg->row_count);
	return 0;
}

int rcr_archive_load_row_hashes(rcr_buf *scratch, int fd, uint64_t file_size, const char *path,
				const rcr_manifest *m, uint32_t ti, uint32_t rgi, const uint8_t **hashes)
{
	const rcr_table *t = &m->tables[ti];
	const rcr_row_group *rg = &t->rgs[rgi];
	const rcr_frame_ref *ref = &rg->row_hashes;
	*hashes = NULL;
	int rc = 0;
	if (!rg->has_row_hashes || !(m->required_features & RCR_FEATURE_ROW_IDENTITY))
		rc = rcr_error_set(RCR_E_FORMAT, "has no row-hash frame");
	else
		rc = read_frame(scratch, fd, file_size, path, ref);
	rcr_frame_header h;
	if (rc == 0)
		rc = rcr_frame_header_read(&h, scratch->data, scratch->len);
	if (rc == 0)
		rc = row_hashes_header_ok(&h, m, ti, rgi);
	/* Stored and raw bytes are the same bytes here, and both checksums are checked. */
	const uint8_t *p = rc == 0 ? scratch->data + RCR_FRAME_HEADER_SIZE : NULL;
	if (rc == 0 && rcr_hash64(p, ref->stored_size) != ref->stored_hash)
		rc = rcr_error_set(RCR_E_CHECKSUM, "stored bytes do not match their checksum");
	if (rc == 0 && rcr_hash64(p, ref->stored_size) != ref->raw_hash)
		rc = rcr_error_set(RCR_E_CHECKSUM, "row hashes do not match their content checksum");
	if (rc < 0)
		return rcr_error_wrap(rc, "table '%s' row group %u row hashes (frame at '%s' offset %llu)",
				      rcr_name_qualify(t->schema, t->name).s, rgi, path, (unsigned long long)ref->offset);
	*hashes = p;
	return 0;
}
