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
