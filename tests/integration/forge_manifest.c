/*
 * forge_manifest: replaces one string field of an archive's manifest and re-encodes it with a
 * valid checksum, as someone who forges an archive would (untrusted_test.sh).
 *
 *   forge_manifest ARCHIVE FIELD VALUE
 *
 * FIELD is meta:KEY (the value of the first entry with KEY, or of a new one), meta_key:KEY (the
 * key of that entry), schema_dir, schema_file:I,
 * table:T:schema, table:T:name, column:T:C:name, column:T:C:type_schema, column:T:C:type_name
 * or file:T:F. VALUE is taken byte for byte. toc_drop:DESC sets the drop statement of every
 * entry of that desc in the embedded schema's toc.dat, and the manifest's size and hash of it.
 *
 * Row identity (Required_Features bit 1; each sets the bit): skip:T:G with VALUE "R,R,..." (or
 * "") sets row group G's skipped rows and the table's row count to match; origin:T:G with
 * VALUE "TABLE,RG" sets the Table and Row_Group its frames are expected to carry; same_rg:T:G
 * with VALUE H makes row group G a second reference to row group H's frames (rows, frames,
 * origin), as a forged archive could; content_hash:T:G (VALUE ignored) flips a bit of row
 * group G's content hash; row_hash:T:G (VALUE ignored) flips a bit of the first row hash in
 * its row-hash frame and puts the frame's checksums right (header and manifest), so that only
 * recomputing the row's SHA-256 tells.
 */
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/manifest.h"
#include "rcr/pgtoc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "forge_manifest: %s%s%s\n", what, rcr_error_message()[0] ? ": " : "", rcr_error_message());
	exit(2);
}

/* The field's slot in m, or NULL when FIELD names nothing. */
static char **slot(rcr_manifest *m, const char *field)
{
	unsigned t, c;
	char part[32];
	if (strncmp(field, "meta_key:", 9) == 0) {
		for (uint32_t i = 0; i < m->nmeta; i++)
			if (strcmp(m->meta[i].key, field + 9) == 0)
				return &m->meta[i].key;
		return NULL;
	}
	if (strcmp(field, "schema_dir") == 0)
		return &m->schema_dir;
	if (sscanf(field, "schema_file:%u", &t) == 1)
		return t < m->nschema_files ? &m->schema_files[t].name : NULL;
	if (sscanf(field, "table:%u:%31s", &t, part) == 2 && t < m->ntables)
		return strcmp(part, "schema") == 0 ? &m->tables[t].schema
		       : strcmp(part, "name") == 0 ? &m->tables[t].name : NULL;
	if (sscanf(field, "column:%u:%u:%31s", &t, &c, part) == 3 && t < m->ntables && c < m->tables[t].ncols) {
		rcr_column *col = &m->tables[t].cols[c];
		return strcmp(part, "name") == 0 ? &col->name
		       : strcmp(part, "type_schema") == 0 ? &col->type_schema
		       : strcmp(part, "type_name") == 0 ? &col->type_name : NULL;
	}
	if (sscanf(field, "file:%u:%u", &t, &c) == 2 && t < m->ntables)
		return c < m->tables[t].nfiles ? &m->tables[t].files[c] : NULL;
	return NULL;
}

/* Rewrites the drop statement of every toc.dat entry whose desc is `desc`. */
static void forge_toc(rcr_manifest *m, const char *archive, const char *desc, const char *value)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/toc.dat", archive, m->schema_dir);
	rcr_buf b = RCR_BUF_INIT;
	rcr_toc *toc = NULL;
	if (rcr_fs_read_file(&b, path, (uint64_t)1 << 30) < 0 || rcr_toc_decode(&toc, b.data, b.len) < 0)
		die(path);
	int n = 0;
	for (int i = 0; i < toc->nentries; i++)
		if (toc->entries[i].desc && strcmp(toc->entries[i].desc, desc) == 0) {
			free(toc->entries[i].drop_stmt);
			toc->entries[i].drop_stmt = strdup(value);
			n++;
		}
	if (!n) {
		fprintf(stderr, "forge_manifest: no '%s' entry in toc.dat\n", desc);
		exit(2);
	}
	b.len = 0;
	if (rcr_toc_encode(&b, toc) < 0)
		die("encoding toc.dat");
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || close(fd) != 0)
		die("writing toc.dat");
	for (uint32_t i = 0; i < m->nschema_files; i++)
		if (strcmp(m->schema_files[i].name, "toc.dat") == 0 &&
		    rcr_fs_hash_file(&m->schema_files[i].size, &m->schema_files[i].hash, path) < 0)
			die(path);
	rcr_toc_free(toc);
	rcr_buf_free(&b);
}

static rcr_row_group *row_group(rcr_manifest *m, const char *field, const char *prefix, rcr_table **t)
{
	unsigned ti, g;
	char fmt[64];
	snprintf(fmt, sizeof fmt, "%s:%%u:%%u", prefix);
	if (sscanf(field, fmt, &ti, &g) != 2 || ti >= m->ntables || g >= m->tables[ti].nrgs) {
		fprintf(stderr, "forge_manifest: no row group '%s' in this archive\n", field);
		exit(2);
	}
	*t = &m->tables[ti];
	return &(*t)->rgs[g];
}

static void forge_row_hash(const char *archive, const rcr_table *t, rcr_row_group *rg)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", archive, t->files[rg->file]);
	rcr_frame_ref *ref = &rg->row_hashes;
	uint8_t hdr[RCR_FRAME_HEADER_SIZE];
	uint8_t *p = malloc((size_t)ref->stored_size + 1);
	rcr_frame_header h;
	int fd = open(path, O_RDWR);
	if (!rg->has_row_hashes || !p || fd < 0 || pread(fd, hdr, sizeof hdr, (off_t)ref->offset) != sizeof hdr ||
	    pread(fd, p, ref->stored_size, (off_t)ref->offset + RCR_FRAME_HEADER_SIZE) != (ssize_t)ref->stored_size ||
	    rcr_frame_header_read(&h, hdr, sizeof hdr) < 0)
		die("row_hash: no row-hash frame to forge");
	p[0] ^= 1;
	h.stored_hash = h.raw_hash = ref->stored_hash = ref->raw_hash = rcr_hash64(p, ref->stored_size);
	rcr_frame_header_write(hdr, &h);
	if (pwrite(fd, hdr, sizeof hdr, (off_t)ref->offset) != sizeof hdr ||
	    pwrite(fd, p, ref->stored_size, (off_t)ref->offset + RCR_FRAME_HEADER_SIZE) != (ssize_t)ref->stored_size ||
	    close(fd) != 0)
		die(path);
	free(p);
}

/* The row-identity fields (see the top). 1 if field was one of them. */
static int forge_row_identity(rcr_manifest *m, const char *archive, const char *field, const char *value)
{
	rcr_table *t;
	rcr_row_group *rg;
	if (strncmp(field, "skip:", 5) && strncmp(field, "origin:", 7) && strncmp(field, "same_rg:", 8) &&
	    strncmp(field, "content_hash:", 13) && strncmp(field, "row_hash:", 9))
		return 0;
	/* An archive from before row identity: its frames carry their row groups' own indexes. */
	if (!(m->required_features & RCR_FEATURE_ROW_IDENTITY))
		for (uint32_t ti = 0; ti < m->ntables; ti++)
			for (uint32_t g = 0; g < m->tables[ti].nrgs; g++) {
				m->tables[ti].rgs[g].origin_table = ti;
				m->tables[ti].rgs[g].origin_rg = g;
			}
	m->required_features |= RCR_FEATURE_ROW_IDENTITY;
	if (strncmp(field, "skip:", 5) == 0) {
		rg = row_group(m, field, "skip", &t);
		t->row_count += rg->nskip;
		free(rg->skip);
		rg->skip = calloc(strlen(value) + 1, sizeof *rg->skip);
		rg->nskip = 0;
		for (const char *p = value; *p; p += *p == ',') {
			char *end;
			rg->skip[rg->nskip++] = (uint32_t)strtoul(p, &end, 10);
			p = end;
		}
		t->row_count -= rg->nskip;
	} else if (strncmp(field, "origin:", 7) == 0) {
		rg = row_group(m, field, "origin", &t);
		if (sscanf(value, "%u,%u", &rg->origin_table, &rg->origin_rg) != 2) {
			fprintf(stderr, "forge_manifest: origin wants TABLE,RG\n");
			exit(2);
		}
	} else if (strncmp(field, "content_hash:", 13) == 0) {
		row_group(m, field, "content_hash", &t)->content_hash[0] ^= 1;
	} else if (strncmp(field, "row_hash:", 9) == 0) {
		rg = row_group(m, field, "row_hash", &t);
		forge_row_hash(archive, t, rg);
	} else if (strncmp(field, "same_rg:", 8) == 0) {
		rg = row_group(m, field, "same_rg", &t);
		uint32_t h = (uint32_t)strtoul(value, NULL, 10);
		if (h >= t->nrgs || t->rgs[h].file != rg->file || t->rgs[h].nskip || rg->nskip || t->rgs[h].has_row_hashes ||
		    rg->has_row_hashes) {
			fprintf(stderr, "forge_manifest: same_rg wants a row group of the same file, no skips or row hashes\n");
			exit(2);
		}
		const rcr_row_group *src = &t->rgs[h];
		for (uint32_t c = 0; c < t->ncols; c++) {
			t->raw_bytes += src->frames[c].raw_size - rg->frames[c].raw_size;
			t->stored_bytes += (uint64_t)src->frames[c].stored_size - rg->frames[c].stored_size;
		}
		t->row_count += (uint64_t)src->row_count - rg->row_count;
		rg->row_count = src->row_count;
		memcpy(rg->frames, src->frames, t->ncols * sizeof *rg->frames);
		rg->has_row_hashes = src->has_row_hashes;
		rg->row_hashes = src->row_hashes;
		rg->origin_table = src->origin_table;
		rg->origin_rg = src->origin_rg;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: forge_manifest ARCHIVE FIELD VALUE\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", argv[1], RCR_MANIFEST_NAME);
	rcr_buf b = RCR_BUF_INIT;
	rcr_manifest *m = NULL;
	if (rcr_fs_read_file(&b, path, (uint64_t)1 << 30) < 0 || rcr_manifest_decode(&m, b.data, b.len) < 0)
		die(path);
	const char *field = argv[2], *value = argv[3];
	if (strncmp(field, "toc_drop:", 9) == 0)
		forge_toc(m, argv[1], field + 9, value);
	else if (forge_row_identity(m, argv[1], field, value))
		;
	else if (strncmp(field, "meta:", 5) == 0) {
		int found = 0;
		for (uint32_t i = 0; i < m->nmeta && !found; i++)
			if (strcmp(m->meta[i].key, field + 5) == 0) {
				free(m->meta[i].value);
				m->meta[i].value = strdup(value);
				found = 1;
			}
		if (!found && rcr_manifest_set_meta(m, field + 5, value) < 0)
			die("metadata");
	} else {
		char **s = slot(m, field);
		if (!s) {
			fprintf(stderr, "forge_manifest: no field '%s' in this archive\n", field);
			return 2;
		}
		free(*s);
		*s = strdup(value);
	}
	b.len = 0;
	if (rcr_manifest_encode(&b, m) < 0)
		die("encoding");
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || close(fd) != 0)
		die("writing the manifest");
	rcr_manifest_free(m);
	rcr_buf_free(&b);
	return 0;
}
