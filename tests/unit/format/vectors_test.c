/* vectors_test.c: replays the format's golden test vectors (format-spec/vectors/, written by
 * tools/gen_vectors) against the readers in src/format and src/codec.
 *
 *   vectors_test VECTORS_DIR
 *
 * Every archive is read the way `rcr verify` reads one: rcr_archive_open(), every schema file
 * with rcr_archive_check_schema_file() (and toc.dat required when there is a schema
 * directory), every frame with rcr_archive_load_frame() in file and row-group order, and each
 * data file must hold nothing but its frames. A verify run reports every problem; this reader
 * stops at the first, which is the same thing for vectors that have exactly one defect.
 *
 *   valid/ and permissive/: reading must succeed, and the text rendered from what was decoded
 *     (manifest fields, every field stream, each table's binary COPY stream assembled with
 *     rcr_copy_write_tuples() as restore does) must equal expected.txt, which the generator
 *     rendered from its own inputs. Valid vectors are also re-encoded: the decoded manifest
 *     through rcr_manifest_encode() and every uncompressed frame through rcr_frame_encode()
 *     must give back the stored bytes exactly, so a change of the writer shows up here too.
 *   invalid/: reading must fail with the error code named in `expect` (rcr_err_name()).
 *
 * Ends with the line "N passed, N failed"; exits 1 if any vector failed or none was found.
 */
#include "rcr/archive.h"
#include "rcr/buf.h"
#include "rcr/codec.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/fsutil.h"
#include "rcr/manifest.h"
#include "rcr/row_hash.h"
#include "rcr/textout.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

static void fail(const char *vec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *vec, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s: ", vec);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* --- reading an archive as rcr verify does --------------------------------------------------- */

typedef struct decoded {
	rcr_manifest *m;
	rcr_buf **fields; /* fields[table][row_group * ncols + column]: copies of the field streams */
	rcr_buf **hashes; /* hashes[table][row_group]: the row-hash frame's bytes (row identity) */
} decoded;

static void decoded_free(decoded *d)
{
	if (d->fields)
		for (uint32_t t = 0; t < d->m->ntables; t++) {
			const rcr_table *tb = &d->m->tables[t];
			for (uint32_t i = 0; d->fields[t] && i < tb->nrgs * tb->ncols; i++)
				rcr_buf_free(&d->fields[t][i]);
			free(d->fields[t]);
			for (uint32_t i = 0; d->hashes && d->hashes[t] && i < tb->nrgs; i++)
				rcr_buf_free(&d->hashes[t][i]);
			if (d->hashes)
				free(d->hashes[t]);
		}
	free(d->fields);
	free(d->hashes);
	rcr_manifest_free(d->m);
	memset(d, 0, sizeof *d);
}

/* A frame's bytes in its data file. */
typedef struct span {
	uint64_t offset, len;
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* No two referenced frames of a data file share a byte (each was read inside the file). */
static int check_spans(span *s, size_t n, const char *path)
{
	qsort(s, n, sizeof *s, span_cmp);
	for (size_t i = 1; i < n; i++)
		if (s[i].offset < s[i - 1].offset + s[i - 1].len)
			return rcr_error_set(RCR_E_FORMAT, "data file '%s': frames at offsets %llu and %llu overlap", path,
					     (unsigned long long)s[i - 1].offset, (unsigned long long)s[i].offset);
	return 0;
}

/* Row identity from the data, as rcr verify checks it: the row hashes are the SHA-256 of each
 * row's fields, the content hash that of the row hashes or of the field streams. */
static int check_identity(const decoded *d, uint32_t ti, uint32_t g)
{
	const rcr_table *t = &d->m->tables[ti];
	const rcr_row_group *rg = &t->rgs[g];
	const rcr_buf *h = &d->hashes[ti][g];
	rcr_row_hasher *hs;
	RCR_FORWARD(rcr_row_hasher_new(&hs));
	uint8_t content[RCR_CONTENT_HASH_SIZE];
	uint8_t *mine = malloc((size_t)rg->row_count * RCR_ROW_HASH_SIZE + 1);
	int rc = mine ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc == 0 && rg->has_row_hashes) {
		rc = rcr_row_hashes(hs, mine, &d->fields[ti][(size_t)g * t->ncols], t->ncols, rg->row_count);
		if (rc == 0 && memcmp(mine, h->data, h->len) != 0)
			rc = rcr_error_set(RCR_E_CHECKSUM, "row group %u.%u: a row hash does not match its row", ti, g);
		if (rc == 0)
			rc = rcr_content_hash_rows(hs, content, h->data, rg->row_count);
	} else if (rc == 0)
		rc = rcr_content_hash_streams(hs, content, &d->fields[ti][(size_t)g * t->ncols], t->ncols);
	if (rc == 0 && memcmp(content, rg->content_hash, sizeof content) != 0)
		rc = rcr_error_set(RCR_E_CHECKSUM, "row group %u.%u: the content hash does not match", ti, g);
	free(mine);
	rcr_row_hasher_free(hs);
	return rc;
}

static int read_table(decoded *d, const char *dir, uint32_t ti, rcr_frame_decoder *dec, rcr_buf *scratch)
{
	const rcr_manifest *m = d->m;
	const rcr_table *t = &m->tables[ti];
	d->fields[ti] = calloc((size_t)t->nrgs * t->ncols + 1, sizeof **d->fields);
	d->hashes[ti] = calloc((size_t)t->nrgs + 1, sizeof **d->hashes);
	if (!d->fields[ti] || !d->hashes[ti])
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	int shared = (m->required_features & RCR_FEATURE_ROW_IDENTITY) != 0;
	for (uint32_t f = 0; f < t->nfiles; f++) {
		char path[4096];
		int fd = rcr_fs_open_in(dir, t->files[f], path, sizeof path);
		if (fd < 0)
			return fd;
		struct stat st;
		if (fstat(fd, &st) != 0) {
			close(fd);
			return rcr_error_set(RCR_E_IO, "could not stat '%s'", path);
		}
		uint64_t size = (uint64_t)st.st_size, covered = 0;
		span *spans = calloc((size_t)t->nrgs * (t->ncols + 1) + 1, sizeof *spans);
		size_t nspans = 0;
		int rc = spans ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
		for (uint32_t g = 0; g < t->nrgs && rc == 0; g++) {
			if (t->rgs[g].file != f)
				continue;
			rc = rcr_archive_check_skip(m, ti, g);
			if (rc == 0 && t->rgs[g].has_row_hashes) {
				const uint8_t *h;
				const rcr_frame_ref *ref = &t->rgs[g].row_hashes;
				rc = rcr_archive_load_row_hashes(scratch, fd, size, path, m, ti, g, &h);
				if (rc == 0)
					rc = rcr_buf_append(&d->hashes[ti][g], h, ref->stored_size);
				spans[nspans++] = (span){ref->offset, RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size};
				covered += RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size;
			}
			for (uint32_t c = 0; c < t->ncols && rc == 0; c++) {
				const uint8_t *fields;
				size_t len;
				rc = rcr_archive_load_frame(dec, scratch, fd, size, path, m, ti, g, c, &fields, &len);
				if (rc == 0)
					rc = rcr_buf_append(&d->fields[ti][(size_t)g * t->ncols + c], fields, len);
				if (rc < 0)
					break;
				const rcr_frame_ref *ref = &t->rgs[g].frames[c];
				spans[nspans++] = (span){ref->offset, RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size};
				covered += RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size;
			}
			if (rc == 0 && shared)
				rc = check_identity(d, ti, g);
		}
		close(fd);
		/* Row identity lets a shared file hold frames nobody references, never two references
		 * to one byte; otherwise the frames are the whole file (spec "Agreement"). */
		if (rc == 0 && shared)
			rc = check_spans(spans, nspans, path);
		else if (rc == 0 && covered != size)
			rc = rcr_error_set(RCR_E_FORMAT, "data file '%s' is %llu bytes, its frames account for %llu", path,
					   (unsigned long long)size, (unsigned long long)covered);
		free(spans);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_archive(decoded *d, const char *dir)
{
	memset(d, 0, sizeof *d);
	RCR_FORWARD(rcr_archive_open(&d->m, dir));
	const rcr_manifest *m = d->m;
	for (uint32_t i = 0; i < m->nschema_files; i++)
		RCR_FORWARD(rcr_archive_check_schema_file(m, dir, i));
	if (m->schema_dir[0]) {
		int has_toc = 0;
		for (uint32_t i = 0; i < m->nschema_files; i++)
			has_toc |= strcmp(m->schema_files[i].name, "toc.dat") == 0;
		if (!has_toc)
			return rcr_error_set(RCR_E_MISSING, "the manifest lists no schema file 'toc.dat'");
	}
	d->fields = calloc((size_t)m->ntables + 1, sizeof *d->fields);
	d->hashes = calloc((size_t)m->ntables + 1, sizeof *d->hashes);
	if (!d->fields || !d->hashes)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	rcr_frame_decoder *dec;
	RCR_FORWARD(rcr_frame_decoder_new(&dec, RCR_MAX_FRAME_RAW));
	rcr_buf scratch = RCR_BUF_INIT;
	int rc = 0;
	for (uint32_t ti = 0; ti < m->ntables && rc == 0; ti++)
		rc = read_table(d, dir, ti, dec, &scratch);
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&scratch);
	return rc;
}

/* --- rendering (keep in step with render_expected() in tools/gen_vectors/gen_vectors.c) ------ */

static int putf(rcr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int putf(rcr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	int rc = rcr_buf_append(b, s, (size_t)n);
	free(s);
	return rc;
}

static int put_hex_lines(rcr_buf *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i += 32) {
		RCR_FORWARD(rcr_buf_append(o, "  ", 2));
		for (size_t j = i; j < n && j < i + 32; j++) {
			char two[2] = {hx[p[j] >> 4], hx[p[j] & 15]};
			RCR_FORWARD(rcr_buf_append(o, two, 2));
		}
		RCR_FORWARD(rcr_buf_append(o, "\n", 1));
	}
	return 0;
}

/* The binary COPY stream restore would send for table ti, assembled as stream_table() does. */
static int copy_stream(rcr_buf *o, const decoded *d, uint32_t ti)
{
	const rcr_table *t = &d->m->tables[ti];
	const uint8_t **cursors = calloc((size_t)t->ncols + 1, sizeof *cursors);
	const uint8_t **ends = calloc((size_t)t->ncols + 1, sizeof *ends);
	int rc = cursors && ends ? rcr_copy_write_header(o) : rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t g = 0; g < t->nrgs && rc == 0; g++) {
		for (uint32_t c = 0; c < t->ncols; c++) {
			const rcr_buf *f = &d->fields[ti][(size_t)g * t->ncols + c];
			cursors[c] = f->data;
			ends[c] = f->len ? f->data + f->len : f->data;   /* NULL + 0 is UB (clang UBSan) */
		}
		rc = rcr_copy_write_tuples_skip(o, cursors, (const uint8_t *const *)ends, (uint16_t)t->ncols,
						t->rgs[g].row_count, t->rgs[g].skip, t->rgs[g].nskip);
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
			if (cursors[c] != ends[c])
				rc = rcr_error_set(RCR_E_FORMAT, "row group %u column %u has values beyond its rows", g, c);
	}
	if (rc == 0)
		rc = rcr_copy_write_trailer(o);
	free(cursors);
	free(ends);
	return rc;
}

/* The text COPY stream restore sends for a text table (RCR_TABLE_TEXT), from the decoded field
 * streams: values COPY-escaped, NULL as \N, tab-separated, a newline after each row. */
static int copy_text_stream(rcr_buf *o, const decoded *d, uint32_t ti)
{
	const rcr_table *t = &d->m->tables[ti];
	for (uint32_t g = 0; g < t->nrgs; g++) {
		for (uint32_t c = 0; c < t->ncols; c++)
			RCR_FORWARD(rcr_fields_check(d->fields[ti][(size_t)g * t->ncols + c].data,
						     d->fields[ti][(size_t)g * t->ncols + c].len, t->rgs[g].row_count));
		size_t pos[1600] = {0};
		uint32_t k = 0;
		for (uint32_t r = 0; r < t->rgs[g].row_count; r++) {
			int skipped = k < t->rgs[g].nskip && t->rgs[g].skip[k] == r;
			k += (uint32_t)skipped;
			for (uint32_t c = 0; c < t->ncols && skipped; c++) {
				const rcr_buf *f = &d->fields[ti][(size_t)g * t->ncols + c];
				int32_t len = (int32_t)rcr_load_u32be(f->data + pos[c]);
				pos[c] += 4 + (len > 0 ? (size_t)len : 0);
			}
			if (skipped)
				continue;
			for (uint32_t c = 0; c < t->ncols; c++) {
				const rcr_buf *f = &d->fields[ti][(size_t)g * t->ncols + c];
				int32_t len = (int32_t)rcr_load_u32be(f->data + pos[c]);
				if (c)
					RCR_FORWARD(rcr_buf_append(o, "\t", 1));
				if (len < 0)
					RCR_FORWARD(rcr_buf_append(o, "\\N", 2));
				else
					RCR_FORWARD(rcr_textout_copy_escape(o, f->data + pos[c] + 4, (size_t)len));
				pos[c] += 4 + (len > 0 ? (size_t)len : 0);
			}
			RCR_FORWARD(rcr_buf_append(o, "\n", 1));
		}
	}
	return 0;
}

/* Keep in step with render_row_identity() in tools/gen_vectors/gen_vectors.c. */
static int render_row_identity(rcr_buf *o, const decoded *d, uint32_t ti, uint32_t g)
{
	const rcr_row_group *rg = &d->m->tables[ti].rgs[g];
	int rc = putf(o, "row_identity %u.%u origin=%u.%u row_hashes=%d skip=", ti, g, rg->origin_table, rg->origin_rg,
		      rg->has_row_hashes);
	for (uint32_t i = 0; i < rg->nskip; i++)
		rc |= putf(o, "%s%u", i ? "," : "", rg->skip[i]);
	rc |= putf(o, "%s\ncontent_sha256 %u.%u\n", rg->nskip ? "" : "-", ti, g);
	rc |= put_hex_lines(o, rg->content_hash, RCR_CONTENT_HASH_SIZE);
	if (!rg->has_row_hashes)
		return rc;
	const rcr_frame_ref *f = &rg->row_hashes;
	rc |= putf(o, "row_hash_frame %u.%u offset=%llu stored_size=%u stored_xxh3=0x%016llx raw_xxh3=0x%016llx\n", ti, g,
		   (unsigned long long)f->offset, f->stored_size, (unsigned long long)f->stored_hash,
		   (unsigned long long)f->raw_hash);
	const rcr_buf *h = &d->hashes[ti][g];
	rc |= putf(o, "row_hashes %u.%u bytes=%zu\n", ti, g, h->len);
	return rc | put_hex_lines(o, h->data, h->len);
}

static int render(rcr_buf *o, const decoded *d)
{
	const rcr_manifest *m = d->m;
	int rc = putf(o, "format read_version=%u write_version=%u required_features=0x%08x optional_features=0x%08x\n",
		      m->read_version, m->write_version, m->required_features, m->optional_features);
	/* codec_trials entries are shown parsed, on the table's line below. */
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (!rcr_manifest_is_trial_key(m->meta[i].key))
			rc |= putf(o, "meta %s=%s\n", m->meta[i].key, m->meta[i].value);
	rc |= putf(o, "schema_dir=%s\n", m->schema_dir);
	for (uint32_t i = 0; i < m->nschema_files; i++)
		rc |= putf(o, "schema_file %s size=%llu xxh3=0x%016llx\n", m->schema_files[i].name,
			   (unsigned long long)m->schema_files[i].size, (unsigned long long)m->schema_files[i].hash);
	for (uint32_t ti = 0; ti < m->ntables && rc == 0; ti++) {
		const rcr_table *t = &m->tables[ti];
		rc |= putf(o, "table %u oid=%u name=%s.%s relkind=%c columns=%u rows=%llu raw_bytes=%llu stored_bytes=%llu files=%u row_groups=%u\n",
			   ti, t->oid, t->schema, t->name, t->relkind, t->ncols, (unsigned long long)t->row_count,
			   (unsigned long long)t->raw_bytes, (unsigned long long)t->stored_bytes, t->nfiles, t->nrgs);
		if (t->flags)
			rc |= putf(o, "table_flags %u flags=0x%02x\n", ti, t->flags);
		if (t->flags & RCR_TABLE_VIA_ROOT)
			rc |= putf(o, "load_via_root %u root=%s.%s\n", ti, t->root_schema, t->root_name);
		if (t->trials.row_groups)
			rc |= putf(o, "codec_trials %u row_groups=%u codec_bytes=%llu plain_bytes=%llu\n", ti,
				   t->trials.row_groups, (unsigned long long)t->trials.codec_bytes,
				   (unsigned long long)t->trials.plain_bytes);
		for (uint32_t c = 0; c < t->ncols; c++)
			rc |= putf(o, "column %u.%u name=%s type=%s.%s type_oid=%u typmod=%d kind=%u elem_kind=%u\n", ti, c,
				   t->cols[c].name, t->cols[c].type_schema, t->cols[c].type_name, t->cols[c].type_oid,
				   t->cols[c].typmod, t->cols[c].type_kind, t->cols[c].elem_kind);
		for (uint32_t f = 0; f < t->nfiles; f++)
			rc |= putf(o, "file %u.%u %s\n", ti, f, t->files[f]);
		for (uint32_t g = 0; g < t->nrgs; g++) {
			const rcr_row_group *rg = &t->rgs[g];
			rc |= putf(o, "row_group %u.%u file=%u rows=%u\n", ti, g, rg->file, rg->row_count);
			if (m->required_features & RCR_FEATURE_ROW_IDENTITY)
				rc |= render_row_identity(o, d, ti, g);
			for (uint32_t c = 0; c < t->ncols; c++) {
				const rcr_frame_ref *f = &rg->frames[c];
				rc |= putf(o, "frame %u.%u.%u offset=%llu codec=%s compression=%s stored_size=%u content_size=%u raw_size=%llu stored_xxh3=0x%016llx raw_xxh3=0x%016llx\n",
					   ti, g, c, (unsigned long long)f->offset, rcr_codec_get(f->codec)->name,
					   rcr_compression_name(f->compression), f->stored_size, f->content_size,
					   (unsigned long long)f->raw_size, (unsigned long long)f->stored_hash,
					   (unsigned long long)f->raw_hash);
				const rcr_buf *fs = &d->fields[ti][(size_t)g * t->ncols + c];
				rc |= putf(o, "fields %u.%u.%u bytes=%zu\n", ti, g, c, fs->len);
				rc |= put_hex_lines(o, fs->data, fs->len);
			}
		}
		if (rc == 0 && t->row_count > 0) {
			rcr_buf cs = RCR_BUF_INIT;
			int text = (t->flags & RCR_TABLE_TEXT) != 0;
			rc = text ? copy_text_stream(&cs, d, ti) : copy_stream(&cs, d, ti);
			if (rc == 0) {
				rc = putf(o, "%s %u bytes=%zu\n", text ? "copy_text" : "copy", ti, cs.len);
				rc |= put_hex_lines(o, cs.data, cs.len);
			}
			rcr_buf_free(&cs);
		}
	}
	return rc < 0 ? rc : 0;
}

/* --- checks ----------------------------------------------------------------------------------- */

static int read_whole(rcr_buf *b, const char *dir, const char *name)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return rcr_error_set(RCR_E_USAGE, "path too long: '%s/%s'", dir, name);
	return rcr_fs_read_file(b, path, (uint64_t)1 << 24);
}

/* expected.txt without its '#' comment lines. */
static int load_expected(rcr_buf *out, const char *dir)
{
	rcr_buf raw = RCR_BUF_INIT;
	int rc = read_whole(&raw, dir, "expected.txt");
	size_t i = 0;
	while (rc == 0 && i < raw.len) {
		const uint8_t *nl = memchr(raw.data + i, '\n', raw.len - i);
		size_t end = nl ? (size_t)(nl - raw.data) + 1 : raw.len;
		if (raw.data[i] != '#')
			rc = rcr_buf_append(out, raw.data + i, end - i);
		i = end;
	}
	rcr_buf_free(&raw);
	return rc;
}

static void report_first_difference(const char *vec, const rcr_buf *want, const rcr_buf *got)
{
	size_t line = 1, i = 0, start = 0;
	while (i < want->len && i < got->len && want->data[i] == got->data[i]) {
		if (want->data[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	int wl = 0, gl = 0;
	while (start + (size_t)wl < want->len && want->data[start + (size_t)wl] != '\n')
		wl++;
	while (start + (size_t)gl < got->len && got->data[start + (size_t)gl] != '\n')
		gl++;
	fail(vec, "decoded archive differs from expected.txt at rendered line %zu\n  expected: %.*s\n  decoded:  %.*s",
	     line, wl, want->data ? (const char *)want->data + start : "", gl,
	     got->data ? (const char *)got->data + start : "");
}

/* Valid archives must be bytes the writer produces today: the decoded manifest re-encodes to
 * manifest.rcr, and each uncompressed frame re-encodes, with the codec the writer prefers for
 * its column type, to the bytes in its data file. */
static int check_reencode(const char *vec, const char *dir, const decoded *d)
{
	const rcr_manifest *m = d->m;
	rcr_buf file = RCR_BUF_INIT, enc = RCR_BUF_INIT;
	rcr_frame_encoder *e = NULL;
	int ok = 1;
	if (read_whole(&file, dir, RCR_MANIFEST_NAME) < 0 || rcr_manifest_encode(&enc, m) < 0) {
		fail(vec, "re-encoding the manifest: %s", rcr_error_message());
		ok = 0;
	} else if (enc.len != file.len || memcmp(enc.data, file.data, enc.len) != 0) {
		fail(vec, "the decoded manifest re-encodes to different bytes (%zu vs %zu)", enc.len, file.len);
		ok = 0;
	}
	if (rcr_frame_encoder_new(&e, 0) < 0) {
		fail(vec, "encoder: %s", rcr_error_message());
		ok = 0;
	}
	for (uint32_t ti = 0; ti < m->ntables && ok; ti++) {
		const rcr_table *t = &m->tables[ti];
		for (uint32_t g = 0; g < t->nrgs && ok; g++) {
			const rcr_row_group *rg = &t->rgs[g];
			if (read_whole(&file, dir, t->files[rg->file]) < 0) {
				fail(vec, "%s", rcr_error_message());
				ok = 0;
				break;
			}
			for (uint32_t c = 0; c < t->ncols && ok; c++) {
				const rcr_frame_ref *f = &rg->frames[c];
				if (f->compression != RCR_COMPRESSION_NONE)
					continue; /* zstd's output depends on the libzstd release */
				const rcr_buf *fs = &d->fields[ti][(size_t)g * t->ncols + c];
				rcr_buf_reset(&enc);
				/* A frame is encoded for the position its header names: its origin, with row
				 * identity (a shared row group's frames are its base's bytes). */
				int origin = (m->required_features & RCR_FEATURE_ROW_IDENTITY) != 0;
				if (rcr_frame_encode(e, &enc, NULL, origin ? rg->origin_table : ti, origin ? rg->origin_rg : g, c,
						     rcr_codec_for_type(t->cols[c].type_name), fs->data, fs->len,
						     rg->row_count) < 0) {
					fail(vec, "re-encoding frame %u.%u.%u: %s", ti, g, c, rcr_error_message());
					ok = 0;
				} else if (enc.len != RCR_FRAME_HEADER_SIZE + (size_t)f->stored_size ||
					   memcmp(enc.data, file.data + f->offset, enc.len) != 0) {
					fail(vec, "frame %u.%u.%u re-encodes to different bytes", ti, g, c);
					ok = 0;
				}
			}
		}
	}
	rcr_frame_encoder_free(e);
	rcr_buf_free(&file);
	rcr_buf_free(&enc);
	return ok;
}

static void test_vectors__readable(const char *vec, const char *dir, int reencode)
{
	decoded d;
	rcr_buf want = RCR_BUF_INIT, got = RCR_BUF_INIT;
	int ok = 1;
	int rc = read_archive(&d, dir);
	if (rc < 0) {
		fail(vec, "reading failed (%s): %s", rcr_err_name(rc), rcr_error_message());
		ok = 0;
	}
	if (ok && (rc = render(&got, &d)) < 0) {
		fail(vec, "rendering failed (%s): %s", rcr_err_name(rc), rcr_error_message());
		ok = 0;
	}
	if (ok && load_expected(&want, dir) < 0) {
		fail(vec, "%s", rcr_error_message());
		ok = 0;
	}
	if (ok && (want.len != got.len || memcmp(want.data, got.data, want.len) != 0)) {
		report_first_difference(vec, &want, &got);
		ok = 0;
	}
	if (ok && reencode)
		ok = check_reencode(vec, dir, &d);
	decoded_free(&d);
	rcr_buf_free(&want);
	rcr_buf_free(&got);
	if (ok) {
		printf("ok %s\n", vec);
		passed++;
	} else {
		failed++;
	}
}

static void test_vectors__invalid(const char *vec, const char *dir)
{
	rcr_buf expect = RCR_BUF_INIT;
	if (read_whole(&expect, dir, "expect") < 0) {
		fail(vec, "%s", rcr_error_message());
		failed++;
		rcr_buf_free(&expect);
		return;
	}
	while (expect.len && (expect.data[expect.len - 1] == '\n' || expect.data[expect.len - 1] == ' '))
		expect.len--;
	char want[64];
	snprintf(want, sizeof want, "%.*s", (int)expect.len, (const char *)expect.data);
	rcr_buf_free(&expect);

	decoded d;
	rcr_error_clear();
	int rc = read_archive(&d, dir);
	decoded_free(&d);
	if (rc == 0) {
		fail(vec, "read without error, expected '%s'", want);
		failed++;
	} else if (strcmp(rcr_err_name(rc), want) != 0) {
		fail(vec, "failed with '%s', expected '%s': %s", rcr_err_name(rc), want, rcr_error_message());
		failed++;
	} else if (!rcr_error_message()[0]) {
		fail(vec, "failed with '%s' but without a message", want);
		failed++;
	} else {
		printf("ok %s: %s: %s\n", vec, want, rcr_error_message());
		passed++;
	}
}

static int name_filter(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Runs every vector under root/kind; returns how many there were. */
static int run_kind(const char *root, const char *kind)
{
	char base[4096];
	snprintf(base, sizeof base, "%s/%s", root, kind);
	struct dirent **names;
	int n = scandir(base, &names, name_filter, alphasort);
	if (n < 0) {
		fprintf(stderr, "vectors_test: cannot list '%s'\n", base);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char dir[8192], vec[512];
		snprintf(dir, sizeof dir, "%s/%s", base, names[i]->d_name);
		snprintf(vec, sizeof vec, "%s/%s", kind, names[i]->d_name);
		if (strcmp(kind, "invalid") == 0)
			test_vectors__invalid(vec, dir);
		else
			test_vectors__readable(vec, dir, strcmp(kind, "valid") == 0);
		free(names[i]);
	}
	free(names);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vectors_test VECTORS_DIR\n");
		return 2;
	}
	int nvalid = run_kind(argv[1], "valid");
	int npermissive = run_kind(argv[1], "permissive");
	int ninvalid = run_kind(argv[1], "invalid");
	if (nvalid == 0 || ninvalid == 0) {
		fprintf(stderr, "vectors_test: no vectors found under '%s'\n", argv[1]);
		failed++;
	}
	printf("vectors: %d valid, %d permissive, %d invalid\n", nvalid, npermissive, ninvalid);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
