/*
 * convert.c: `rcr convert`: an rcr archive to a standard pg_dump directory archive.
 *
 * The archive's embedded schema is already a pg_dump directory archive without the data of the
 * tables rcr stored. Convert copies its files, adds one TABLE DATA entry per stored table to
 * its toc.dat (each depending on its TABLE entry, as pg_restore requires), and writes each
 * table's rows as text COPY, decoded frame by frame and printed with PostgreSQL's own output
 * rules (textout.h), ending with the `\.` line so that `pg_restore -f` scripts replay in psql.
 * Every column type is checked before anything is written: a type rcr cannot print stops the
 * conversion with the schema, table, column and type named.
 */
#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pgtoc.h"
#include "rcr/textout.h"
#include "rcr/typeres.h"
#include "rcr/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* Double-quotes an identifier when PostgreSQL would need it (always is also correct). */
static int append_ident(rcr_buf *b, const char *id)
{
	RCR_FORWARD(rcr_buf_append_u8(b, '"'));
	for (const char *p = id; *p; p++) {
		if (*p == '"')
			RCR_FORWARD(rcr_buf_append_u8(b, '"'));
		RCR_FORWARD(rcr_buf_append_u8(b, (uint8_t)*p));
	}
	return rcr_buf_append_u8(b, '"');
}

/*
 * One data file being written: plain, gzip (libdeflate members, see textout_gzip.c) or zstd.
 * zstd goes through the streaming API into a fixed ZSTD_CStreamOutSize() buffer, so memory
 * does not grow with the table, and ends with ZSTD_e_end: one zstd frame per file, as pg_dump
 * 16 writes (compress_zstd.c), which pg_restore 16+ picks by the .zst suffix.
 */
typedef struct out_file {
	rcr_textout_gz *gz; /* libdeflate members, ~3x faster than gzwrite at the same level */
	ZSTD_CCtx *zc;
	uint8_t *zbuf;
	size_t zcap;
	int fd;
	const char *path;
} out_file;

static int zstd_push(out_file *f, const void *p, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = {p, n, 0};
	for (;;) {
		ZSTD_outBuffer ob = {f->zbuf, f->zcap, 0};
		size_t left = ZSTD_compressStream2(f->zc, &ob, &in, mode);
		if (ZSTD_isError(left))
			return rcr_error_set(RCR_E_INTERNAL, "could not compress '%s': %s", f->path, ZSTD_getErrorName(left));
		RCR_FORWARD(rcr_fs_write_all(f->fd, f->zbuf, ob.pos, f->path));
		/* e_continue is done once the input is consumed; e_end once nothing is left to flush */
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int out_write(out_file *f, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (f->zc)
		return zstd_push(f, p, n, ZSTD_e_continue);
	if (f->gz)
		return rcr_textout_gz_write(f->gz, p, n);
	return rcr_fs_write_all(f->fd, p, n, f->path);
}

/* Opens path (which must not exist) for o's compression. */
static int out_open(out_file *f, const rcr_convert_opts *o, const char *path)
{
	*f = (out_file){.fd = -1, .path = path};
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return rcr_error_set(RCR_E_IO, "could not create '%s': %s", path, strerror(errno));
	f->fd = fd;
	if (o->algorithm == RCR_CONVERT_GZIP) {
		int rc = rcr_textout_gz_new(&f->gz, fd, o->level < 0 ? 6 : o->level, path);
		if (rc < 0) {
			close(fd);
			f->fd = -1;
			return rc;
		}
	} else if (o->algorithm == RCR_CONVERT_ZSTD) {
		f->zcap = ZSTD_CStreamOutSize();
		f->zc = ZSTD_createCCtx();
		f->zbuf = malloc(f->zcap);
		if (!f->zc || !f->zbuf || ZSTD_isError(ZSTD_CCtx_setParameter(f->zc, ZSTD_c_compressionLevel, o->level))) {
			ZSTD_freeCCtx(f->zc);
			free(f->zbuf);
			close(fd);
			*f = (out_file){.fd = -1, .path = path};
			return rcr_error_set(RCR_E_NOMEM, "could not start zstd for '%s'", path);
		}
	}
	return 0;
}

/* Finishes the stream (when rc is 0) and closes; returns rc or the first error of closing. */
static int out_close(out_file *f, int rc)
{
	if (f->zc) {
		if (rc == 0)
			rc = zstd_push(f, NULL, 0, ZSTD_e_end);
		ZSTD_freeCCtx(f->zc);
		free(f->zbuf);
		f->zc = NULL;
		f->zbuf = NULL;
	}
	if (f->gz) {
		if (rc == 0)
			rc = rcr_textout_gz_flush(f->gz);
		rcr_textout_gz_free(f->gz);
		f->gz = NULL;
	}
	if (f->fd >= 0 && close(f->fd) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", f->path, strerror(errno));
	f->fd = -1;
	return rc;
}

/* Writes one table's rows as text COPY into path; names are its columns' textout names,
 * resolved in cat (typeres.h). */
static int write_table_data(const rcr_convert_opts *o, const rcr_manifest *m, uint32_t ti, uint32_t rg_lo,
			    uint32_t rg_hi, const char *const *names, const rcr_textout_catalog *cat, const char *path,
			    int *created, uint64_t *rows_out, rcr_progress *prog)
{
	const rcr_table *t = &m->tables[ti];
	uint32_t ncols = t->ncols;
	out_file f;
	int rc = out_open(&f, o, path);
	if (rc < 0)
		return rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(t->schema, t->name).s);
	*created = 1;

	int *fds = calloc(t->nfiles + 1, sizeof *fds);
	uint64_t *sizes = calloc(t->nfiles + 1, sizeof *sizes);
	char (*paths)[4096] = calloc(t->nfiles + 1, sizeof *paths);
	const uint8_t **cur = calloc(ncols + 1, sizeof *cur), **end = calloc(ncols + 1, sizeof *end);
	rcr_frame_decoder **decs = calloc(ncols + 1, sizeof *decs);
	rcr_buf scratch = RCR_BUF_INIT, line = RCR_BUF_INIT, val = RCR_BUF_INIT;
	if (!fds || !sizes || !paths || !cur || !end || !decs)
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < t->nfiles && fds; i++)
		fds[i] = -1;
	for (uint32_t i = 0; i < t->nfiles && rc == 0; i++) {
		fds[i] = rcr_fs_open_in(o->archive, t->files[i], paths[i], sizeof paths[i]);
		if (fds[i] < 0) {
			rc = fds[i];
			break;
		}
		struct stat st;
		if (fstat(fds[i], &st) == 0)
			sizes[i] = (uint64_t)st.st_size;
	}
	for (uint32_t c = 0; c < ncols && rc == 0; c++)
		rc = rcr_frame_decoder_new(&decs[c], RCR_MAX_FRAME_RAW);
	uint64_t rows = 0;
	uint64_t want = 0;
	for (uint32_t g = rg_lo; g < rg_hi; g++)
		want += t->rgs[g].row_count;
	for (uint32_t g = rg_lo; g < rg_hi && rc == 0; g++) {
		const rcr_row_group *rg = &t->rgs[g];
		if (rcr_interrupted()) {
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
			break;
		}
		for (uint32_t c = 0; c < ncols && rc == 0; c++) {
			size_t len;
			rc = rcr_archive_load_frame(decs[c], &scratch, fds[rg->file], sizes[rg->file], paths[rg->file], m, ti,
						    g, c, &cur[c], &len);
			if (rc == 0)
				end[c] = cur[c] + len;
		}
		rcr_buf_reset(&line);
		for (uint32_t r = 0; r < rg->row_count && rc == 0; r++) {
			for (uint32_t c = 0; c < ncols && rc == 0; c++) {
				if (c)
					rc = rcr_buf_append_u8(&line, '\t');
				if (end[c] - cur[c] < 4) {
					rc = rcr_error_set(RCR_E_FORMAT, "column '%s' runs out of values", t->cols[c].name);
					break;
				}
				int32_t flen = (int32_t)rcr_load_u32be(cur[c]);
				cur[c] += 4;
				if (flen == -1) {
					rc = rcr_buf_append(&line, "\\N", 2);
					continue;
				}
				if (flen < 0 || end[c] - cur[c] < flen) {
					rc = rcr_error_set(RCR_E_FORMAT, "column '%s' value overruns its frame", t->cols[c].name);
					break;
				}
				rcr_buf_reset(&val);
				rc = rcr_textout_value_in(&val, cat, names[c], t->cols[c].typmod, cur[c], (size_t)flen);
				if (rc < 0)
					rc = rcr_error_wrap(rc, "column '%s' (type %s) row group %u", t->cols[c].name,
							    t->cols[c].type_name, g);
				else
					rc = rcr_textout_copy_escape(&line, val.data, val.len);
				cur[c] += flen;
			}
			if (rc == 0)
				rc = rcr_buf_append_u8(&line, '\n');
			if (rc == 0 && line.len >= (1u << 20)) {
				rc = out_write(&f, line.data, line.len);
				rcr_buf_reset(&line);
			}
			rows++;
		}
		if (rc == 0)
			rc = out_write(&f, line.data, line.len);
		if (rc == 0) {
			uint64_t raw = 0;
			for (uint32_t c = 0; c < ncols; c++)
				raw += rg->frames[c].raw_size;
			rcr_progress_add(prog, ti, rg->row_count, raw);
		}
	}
	/* pg_dump ends every data file so; psql needs the \. when it replays a pg_restore script. */
	if (rc == 0)
		rc = out_write(&f, "\\.\n\n\n", 5);
	rc = out_close(&f, rc);
	for (uint32_t i = 0; i < t->nfiles && fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (uint32_t c = 0; c < ncols && decs; c++)
		rcr_frame_decoder_free(decs[c]);
	free(fds);
	free(sizes);
	free(paths);
	free(cur);
	free(end);
	free(decs);
	rcr_buf_free(&scratch);
	rcr_buf_free(&line);
	rcr_buf_free(&val);
	*rows_out = rows;
	if (rc == 0 && rows != want)
		rc = rcr_error_set(RCR_E_ROWCOUNT, "wrote %llu rows, the archive holds %llu", (unsigned long long)rows,
				   (unsigned long long)want);
	return rc < 0 ? rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(t->schema, t->name).s) : 0;
}

typedef struct convert_job {
	uint32_t table, rg_lo, rg_hi;
	int id;
	uint64_t weight;
	int created; /* its file exists, made by this run: set by the one worker that runs the job */
} convert_job;

typedef struct convert_ctx {
	const rcr_convert_opts *o;
	const rcr_manifest *m;
	const char *const *const *names; /* per table, per column: textout names */
	const rcr_textout_catalog *cat;
	convert_job *jobs;
	uint32_t njobs, next;
	pthread_mutex_t mu;
	int failed;
	rcr_error_snapshot err;
	rcr_progress prog;
} convert_ctx;

static int cmp_convert_job(const void *a, const void *b)
{
	const convert_job *x = a, *y = b;
	return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : x->id - y->id;
}

/* The data file of TABLE DATA entry id: pg_restore 16+ picks the codec by its suffix; 15 knows
 * only .gz. */
static void data_file_name(char name[64], const rcr_convert_opts *o, int id)
{
	snprintf(name, 64, "%d.dat%s", id,
		 o->algorithm == RCR_CONVERT_GZIP   ? ".gz"
		 : o->algorithm == RCR_CONVERT_ZSTD ? ".zst"
						    : "");
}

static void *convert_worker(void *arg)
{
	convert_ctx *cx = arg;
	for (;;) {
		pthread_mutex_lock(&cx->mu);
		uint32_t i = cx->failed || rcr_interrupted() ? cx->njobs : cx->next++;
		pthread_mutex_unlock(&cx->mu);
		if (i >= cx->njobs)
			break;
		const convert_job *j = &cx->jobs[i];
		const rcr_table *t = &cx->m->tables[j->table];
		char name[64], path[8192];
		data_file_name(name, cx->o, j->id);
		snprintf(path, sizeof path, "%s/%s", cx->o->out_dir, name);
		if (cx->o->common.verbose)
			fprintf(stderr, "rcr: converting table '%s' row groups %u-%u\n", rcr_name_qualify(t->schema, t->name).s, j->rg_lo,
				j->rg_hi ? j->rg_hi - 1 : 0);
		uint64_t rows = 0;
		int rc = write_table_data(cx->o, cx->m, j->table, j->rg_lo, j->rg_hi, cx->names[j->table], cx->cat, path,
					  &cx->jobs[i].created, &rows, &cx->prog);
		if (rc < 0) {
			pthread_mutex_lock(&cx->mu);
			if (!cx->failed) {
				cx->failed = rc;
				rcr_error_save(&cx->err);
			}
			pthread_mutex_unlock(&cx->mu);
		} else
			rcr_progress_part_done(&cx->prog, j->table);
	}
	return NULL;
}

static char *dupf(const char *fmt, long long v)
{
	char buf[64];
	snprintf(buf, sizeof buf, fmt, v);
	return strdup(buf);
}

/* Builds a TABLE DATA entry for table t with dump id `id`; split marks one of several. */
static int table_data_entry(rcr_toc_entry *e, const rcr_toc *toc, const rcr_table *t, int id, int split)
{
	memset(e, 0, sizeof *e);
	const rcr_toc_entry *table = NULL;
	for (int i = 0; i < toc->nentries; i++) {
		const rcr_toc_entry *x = &toc->entries[i];
		if (x->desc && x->tag && x->namespace_ && strcmp(x->desc, "TABLE") == 0 && strcmp(x->tag, t->name) == 0 &&
		    strcmp(x->namespace_, t->schema) == 0) {
			table = x;
			break;
		}
	}
	rcr_buf cs = RCR_BUF_INIT;
	int rc = rcr_buf_append(&cs, "COPY ", 5);
	rc |= append_ident(&cs, t->schema);
	rc |= rcr_buf_append_u8(&cs, '.');
	rc |= append_ident(&cs, t->name);
	if (t->ncols) {
		rc |= rcr_buf_append(&cs, " (", 2);
		for (uint32_t c = 0; c < t->ncols; c++) {
			if (c)
				rc |= rcr_buf_append(&cs, ", ", 2);
			rc |= append_ident(&cs, t->cols[c].name);
		}
		rc |= rcr_buf_append_u8(&cs, ')');
	}
	rc |= rcr_buf_append(&cs, " FROM stdin;\n", 14);
	e->dump_id = id;
	e->had_dumper = 1;
	/*
	 * Several TABLE DATA entries for one table load in parallel under pg_restore -j, but only
	 * in this form: pg_restore runs "TRUNCATE ONLY t" before the COPY of a table it created in
	 * the same run, and with several entries one TRUNCATE silently deletes rows another worker
	 * already committed (../shared/reference/pg-formats.md 1.9). pg_dump's
	 * --load-via-partition-root marker in defn makes pg_restore skip that TRUNCATE.
	 */
	if (split) {
		rcr_buf d = RCR_BUF_INIT;
		rc |= rcr_buf_append(&d, "-- load via partition root ", 27);
		rc |= append_ident(&d, t->schema);
		rc |= rcr_buf_append_u8(&d, '.');
		rc |= append_ident(&d, t->name);
		rc |= rcr_buf_append_u8(&d, 0);
		e->defn = rc == 0 ? strdup((const char *)d.data) : NULL;
		rcr_buf_free(&d);
		if (!e->defn)
			rc = -1;
	}
	e->tableoid = strdup("0");
	e->oid = dupf("%lld", t->oid);
	e->tag = strdup(t->name);
	e->desc = strdup("TABLE DATA");
	e->section = RCR_TOC_SECTION_DATA;
	e->copy_stmt = rc == 0 ? strdup((const char *)cs.data) : NULL;
	e->namespace_ = strdup(t->schema);
	e->owner = strdup(table && table->owner ? table->owner : "");
	e->with_oids = strdup("false");
	e->filename = dupf("%lld.dat", id);
	if (table) {
		e->deps = calloc(1, sizeof *e->deps);
		if (e->deps && (e->deps[0] = dupf("%lld", table->dump_id)))
			e->ndeps = 1;
	}
	rcr_buf_free(&cs);
	if (rc || !e->tableoid || !e->oid || !e->tag || !e->desc || !e->copy_stmt || !e->namespace_ || !e->owner ||
	    !e->with_oids || !e->filename || (table && e->ndeps != 1))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	return 0;
}

/* Copies from to od's entry rel, which it records as this run's. */
static int copy_file(const char *from, rcr_fs_outdir *od, const char *rel)
{
	char to[8192];
	snprintf(to, sizeof to, "%s/%s", od->path, rel);
	rcr_buf b = RCR_BUF_INIT;
	int rc = rcr_fs_read_file(&b, from, (uint64_t)1 << 40);
	int fd = rc == 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
	if (rc == 0 && fd < 0)
		rc = rcr_error_set(RCR_E_IO, "could not create '%s': %s", to, strerror(errno));
	if (fd >= 0)
		rc = rcr_fs_outdir_add(od, rel, NULL);
	if (rc == 0)
		rc = rcr_fs_write_all(fd, b.data, b.len, to);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", to, strerror(errno));
	rcr_buf_free(&b);
	return rc;
}

/* Parses "N" or "level=N" into *out; 0 on success. */
static int parse_level(const char *s, int *out)
{
	if (strncmp(s, "level=", 6) == 0)
		s += 6;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < INT32_MIN || v > INT32_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

int rcr_convert_parse_compress(rcr_convert_opts *o, const char *spec)
{
	static const char hint[] = "-Z takes gzip[:1-9], zstd[:1-22], none, or a bare gzip level 0-9";
	const char *colon = strchr(spec, ':');
	size_t mlen = colon ? (size_t)(colon - spec) : strlen(spec);
	int level;
	if (!colon && parse_level(spec, &level) == 0 && strncmp(spec, "level=", 6) != 0) {
		/* pg_dump 15's form: a bare level, gzip, 0 meaning none */
		if (level < 0 || level > 9)
			return rcr_error_set_hint(RCR_E_USAGE, hint, "compression level %d is out of range for gzip (0-9)", level);
		o->algorithm = level ? RCR_CONVERT_GZIP : RCR_CONVERT_NONE;
		o->level = level;
		return 0;
	}
	if (mlen == 4 && strncmp(spec, "none", 4) == 0) {
		if (colon)
			return rcr_error_set_hint(RCR_E_USAGE, hint, "compression method 'none' takes no level");
		o->algorithm = RCR_CONVERT_NONE;
		o->level = 0;
		return 0;
	}
	int lo, hi;
	if (mlen == 4 && strncmp(spec, "gzip", 4) == 0) {
		o->algorithm = RCR_CONVERT_GZIP;
		level = -1; /* zlib's Z_DEFAULT_COMPRESSION, 6, as pg_dump 16 writes it */
		lo = 1;
		hi = 9;
	} else if (mlen == 4 && strncmp(spec, "zstd", 4) == 0) {
		o->algorithm = RCR_CONVERT_ZSTD;
		level = ZSTD_CLEVEL_DEFAULT;
		lo = 1;
		hi = ZSTD_maxCLevel();
	} else
		return rcr_error_set_hint(RCR_E_USAGE, hint, "unsupported compression method '%.*s'", (int)mlen, spec);
	if (colon && (parse_level(colon + 1, &level) < 0 || level < lo || level > hi))
		return rcr_error_set_hint(RCR_E_USAGE, hint, "invalid compression level '%s' for %.*s (%d-%d)", colon + 1,
					  (int)mlen, spec, lo, hi);
	o->level = level;
	return 0;
}

/*
 * Large objects across archive versions (pg_backup_directory.c _LoadLOs, _ArchiveEntry, _EndLO;
 * ../shared/reference/pg-formats.md 1.6). A 1.14/1.15 reader always opens "blobs.toc"; a 1.16
 * reader opens the file its BLOBS entry names, which pg_dump 17 writes as "blobs_<dumpId>.toc",
 * one per BLOBS entry, and skips the entry silently when the name is empty. The LO TOC's lines
 * ("<oid> blob_<oid>.dat") and the blob files are the same in every version, so converting a
 * 1.14/1.15 schema to 1.16 only renames its one LO TOC and records the new name. Its one BLOB
 * entry per large object stays: pg_restore 17+ restores those in any archive version (only
 * BLOB METADATA, pg_dump 17's grouped form, needs 1.16). The reverse cannot be done by
 * renaming: a 1.16 schema's BLOB METADATA means nothing to pg_restore 15 or 16.
 *
 * On success *lo_src is the schema file to copy under the name *lo_dst (a string owned by
 * toc, whose BLOBS entry now names it), or both are NULL when nothing is renamed.
 */
static int plan_large_objects(rcr_toc *toc, const rcr_manifest *m, int target_minor, const char **lo_src,
			      const char **lo_dst)
{
	*lo_src = *lo_dst = NULL;
	int nblobs = 0;
	rcr_toc_entry *blobs = NULL;
	for (int i = 0; i < toc->nentries; i++) {
		const char *d = toc->entries[i].desc;
		int lo = d && (strcmp(d, "BLOBS") == 0 || strcmp(d, "BLOB METADATA") == 0);
		if (lo && toc->vmin >= 16 && target_minor < 16)
			return rcr_error_set_hint(RCR_E_USAGE, "use --archive-version 1.16",
						  "archive version 1.%d cannot hold the large objects of this 1.%d schema "
						  "archive (entry %d is %s)",
						  target_minor, toc->vmin, toc->entries[i].dump_id, d);
		if (lo && strcmp(d, "BLOBS") == 0) {
			nblobs++;
			blobs = &toc->entries[i];
		}
	}
	if (nblobs == 0 || toc->vmin >= 16 || target_minor < 16)
		return 0; /* the same layout on both sides: files and names stay */
	if (nblobs > 1)
		return rcr_error_set(RCR_E_FORMAT, "schema toc.dat of version 1.%d has %d BLOBS entries; that version has one",
				     toc->vmin, nblobs);
	int found = 0;
	for (uint32_t i = 0; i < m->nschema_files; i++)
		if (strcmp(m->schema_files[i].name, "blobs.toc") == 0)
			found = 1;
	if (!found)
		return rcr_error_set(RCR_E_FORMAT, "schema has a BLOBS entry (%d) but no 'blobs.toc' large object list",
				     blobs->dump_id);
	char *name = dupf("blobs_%lld.toc", blobs->dump_id);
	if (!name)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	free(blobs->filename);
	blobs->filename = name;
	*lo_src = "blobs.toc";
	*lo_dst = name;
	return 0;
}

/* rc from checking the output dir: the marker in a real directory (a link stays refused as a
 * link) says whose the files are, and its lock whether that convert still runs; one that could
 * not clean up (SIGKILL) leaves them to the user, as convert has no --force. */
static int explain_taken(int rc, const char *dir)
{
	char d[4096], p[4608];
	struct stat st;
	if (rc != RCR_E_EXISTS || rcr_fs_strip_slashes(d, sizeof d, dir) != 0 || lstat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		return rc;
	snprintf(p, sizeof p, "%s/%s", d, RCR_CONVERT_MARKER);
	int fd = open(p, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return rc;
	int held = rcr_fs_marker_held(fd);
	close(fd);
	if (held)
		return rcr_error_set_hint(rc, "wait for it to finish, or choose another directory with -o",
					  "directory '%s' is being written by another rcr convert", d);
	return rcr_error_set_hint(rc, "remove that directory if you do not need it, or choose another one with -o",
				  "directory '%s' holds what an rcr convert left when it was stopped before it could clean up"
				  " (its marker '" RCR_CONVERT_MARKER "')", d);
}

int rcr_convert_run(const rcr_convert_opts *o)
{
	if (!o->archive || !o->out_dir)
		return rcr_error_set_hint(RCR_E_USAGE, "rcr convert ARCHIVE -o DIR", "an archive and -o DIR are required");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	if (o->archive_minor < 14 || o->archive_minor > 16)
		return rcr_error_set(RCR_E_USAGE, "--archive-version must be 1.14, 1.15 or 1.16");
	if (o->algorithm == RCR_CONVERT_GZIP ? o->level < -1 || o->level == 0 || o->level > 9
	    : o->algorithm == RCR_CONVERT_ZSTD ? o->level < 1 || o->level > ZSTD_maxCLevel()
	    : o->algorithm != RCR_CONVERT_NONE)
		return rcr_error_set(RCR_E_USAGE, "invalid -Z/--compress method or level (%d, %d)", o->algorithm, o->level);
	/* A 1.14 header records only a gzip level (pg_dump 15 knew no other codec), and pg_restore
	 * 15 reads only .dat and .dat.gz: zstd data needs the 1.15 algorithm byte. */
	if (o->algorithm == RCR_CONVERT_ZSTD && o->archive_minor < 15)
		return rcr_error_set_hint(RCR_E_USAGE,
					  "use --archive-version 1.15 (pg_restore 16 or later) or 1.16 (pg_restore 17 "
					  "or later), or -Z gzip for pg_restore 12-15",
					  "zstd data files need archive version 1.15 or later, not 1.%d", o->archive_minor);
	/* Everything that can refuse the conversion runs before the output directory is claimed:
	 * a failure before then has nothing to clean up, and one after removes only what this run
	 * created (od). An archive path that names nothing is said first (a typo there would
	 * otherwise read as a wrong -o), then the output, so that a wrong -o is named as such. */
	RCR_FORWARD(rcr_archive_check_path(o->archive));
	RCR_FORWARD(rcr_fs_check_apart(o->archive, o->out_dir, "-o"));
	RCR_FORWARD(explain_taken(rcr_fs_outdir_check(o->out_dir, "-o"), o->out_dir));
	double t0 = rcr_now();
	rcr_manifest *m = NULL;
	rcr_toc *toc = NULL;
	rcr_buf b = RCR_BUF_INIT;
	rcr_fs_outdir od = RCR_FS_OUTDIR_INIT;
	int claimed = 0, rc = rcr_archive_open(&m, o->archive);
	if (rc == 0 && !m->schema_dir[0])
		rc = rcr_error_set(RCR_E_USAGE, "archive '%s' holds no schema; pg_restore needs one", o->archive);
	for (uint32_t i = 0; rc == 0 && i < m->nschema_files; i++)
		rc = rcr_archive_check_schema_file(m, o->archive, i);
	char path[8192];
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/%s/toc.dat", o->archive, m->schema_dir);
		rc = rcr_fs_read_file(&b, path, (uint64_t)1 << 30);
	}
	if (rc == 0) {
		rc = rcr_toc_decode(&toc, b.data, b.len);
		if (rc < 0)
			rc = rcr_error_wrap(rc, "'%s'", path);
	}
	/* Every column's type must be printable before anything is written; composites are
	 * resolved through the schema's type definitions (typeres.h). */
	rcr_typeres *tr = NULL;
	const char ***names = rc == 0 ? calloc(m->ntables + 1, sizeof *names) : NULL;
	if (rc == 0 && !names)
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = rcr_typeres_new(&tr, toc);
	for (uint32_t ti = 0; rc == 0 && ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		if (!(names[ti] = calloc(t->ncols + 1, sizeof *names[ti])))
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
		for (uint32_t c = 0; rc == 0 && c < t->ncols; c++) {
			rc = rcr_typeres_column(tr, &t->cols[c], &names[ti][c]);
			if (rc == RCR_E_USAGE) {
				char msg[1024];
				snprintf(msg, sizeof msg, "%s", rcr_error_message());
				rc = rcr_error_set_hint(rc, "restore this archive with rcr restore instead",
							"cannot convert column '%s' of table '%s': %s",
							rcr_name_quote(t->cols[c].name).s, rcr_name_qualify(t->schema, t->name).s, msg);
			} else if (rc < 0)
				rc = rcr_error_wrap(rc, "column '%s' of table '%s'", rcr_name_quote(t->cols[c].name).s,
						    rcr_name_qualify(t->schema, t->name).s);
		}
	}
	const char *lo_src = NULL, *lo_dst = NULL;
	if (rc == 0)
		rc = plan_large_objects(toc, m, o->archive_minor, &lo_src, &lo_dst);
	if (rc == 0)
		claimed = (rc = rcr_fs_outdir_claim(&od, o->out_dir, RCR_CONVERT_MARKER, "-o")) == 0;
	/* The schema archive's own files (large objects, data of tables rcr did not store). */
	for (uint32_t i = 0; rc == 0 && i < m->nschema_files; i++) {
		const char *name = m->schema_files[i].name;
		if (strcmp(name, "toc.dat") == 0)
			continue;
		char from[8192];
		snprintf(from, sizeof from, "%s/%s/%s", o->archive, m->schema_dir, name);
		rc = copy_file(from, &od, lo_src && strcmp(name, lo_src) == 0 ? lo_dst : name);
	}
	int max_id = 0, first_post = toc ? toc->nentries : 0;
	for (int i = 0; toc && i < toc->nentries; i++) {
		if (toc->entries[i].dump_id > max_id)
			max_id = toc->entries[i].dump_id;
		if (toc->entries[i].section == RCR_TOC_SECTION_POST && i < first_post)
			first_post = i;
	}
	/* One TABLE DATA entry per table, or per run of row groups of about split_bytes. */
	uint32_t nadded = 0, cap_added = 0;
	for (uint32_t ti = 0; rc == 0 && ti < m->ntables; ti++)
		cap_added += m->tables[ti].nrgs ? m->tables[ti].nrgs : 1;
	rcr_toc_entry *added = rc == 0 ? calloc(cap_added + 1, sizeof *added) : NULL;
	if (rc == 0 && !added)
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	convert_job *jobs = rc == 0 ? calloc(cap_added + 1, sizeof *jobs) : NULL;
	if (rc == 0 && !jobs)
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t ti = 0; rc == 0 && ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		int split = o->split_bytes && t->raw_bytes > o->split_bytes && t->nrgs > 1;
		uint32_t g = 0;
		do {
			uint32_t lo = g;
			uint64_t raw = 0;
			if (!split)
				g = t->nrgs;
			while (g < t->nrgs && (g == lo || raw < o->split_bytes)) {
				for (uint32_t c = 0; c < t->ncols; c++)
					raw += t->rgs[g].frames[c].raw_size;
				g++;
			}
			if (!split)
				raw = t->raw_bytes;
			int id = max_id + 1 + (int)nadded;
			rc = table_data_entry(&added[nadded], toc, t, id, split);
			jobs[nadded] = (convert_job){ti, lo, g, id, raw, 0};
			nadded++;
		} while (rc == 0 && g < t->nrgs);
	}
	/* Data files in parallel, largest first; each job is one file. */
	convert_ctx cx = {.o = o,
			  .m = m,
			  .names = (const char *const *const *)names,
			  .cat = tr ? rcr_typeres_catalog(tr) : NULL,
			  .jobs = jobs,
			  .njobs = nadded,
			  .mu = PTHREAD_MUTEX_INITIALIZER};
	if (rc == 0 && nadded) {
		qsort(jobs, nadded, sizeof *jobs, cmp_convert_job);
		rcr_progress_init(&cx.prog, "convert", m, o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
		for (uint32_t i = 0; i < nadded; i++)
			rcr_progress_expect(&cx.prog, jobs[i].table, jobs[i].weight);
		rcr_progress_begin(&cx.prog);
		int nworkers = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
		if ((uint32_t)nworkers > nadded)
			nworkers = (int)nadded;
		pthread_t th[64];
		int started = 0;
		for (int i = 0; i < nworkers; i++, started++)
			if (pthread_create(&th[i], NULL, convert_worker, &cx) != 0)
				break;
		if (started == 0)
			convert_worker(&cx);
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		rcr_progress_end(&cx.prog);
		if (cx.failed) {
			rc = cx.failed;
			rcr_error_restore(&cx.err);
		}
	}
	uint64_t total_rows = atomic_load(&cx.prog.rows);
	for (uint32_t i = 0; jobs && i < nadded; i++)
		if (jobs[i].created) {
			char name[64];
			data_file_name(name, o, jobs[i].id);
			int arc = rcr_fs_outdir_add(&od, name, NULL);
			if (rc == 0)
				rc = arc;
		}
	free(jobs);
	if (rc == 0) {
		/* The new entries go where pg_dump puts data: after pre-data and the schema's own data
		 * entries, before post-data. */
		rcr_toc_entry *all = calloc((size_t)toc->nentries + nadded + 1, sizeof *all);
		if (!all)
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
		else {
			memcpy(all, toc->entries, (size_t)first_post * sizeof *all);
			memcpy(all + first_post, added, nadded * sizeof *all);
			memcpy(all + first_post + nadded, toc->entries + first_post,
			       (size_t)(toc->nentries - first_post) * sizeof *all);
			free(toc->entries);
			free(added);
			added = NULL;
			toc->entries = all;
			toc->nentries += (int)nadded;
			int old_minor = toc->vmin;
			toc->vmin = o->archive_minor;
			/* 1.14 records a gzip level (0 none, -1 default); 1.15+ the algorithm, which
			 * pg_restore 16+ prints in -l and uses to size parallel jobs by file. */
			toc->compression = o->archive_minor >= 15 ? o->algorithm
					   : o->algorithm == RCR_CONVERT_GZIP ? o->level : 0;
			/* A 1.16 source already carries pg_dump's own relkinds; otherwise they come from
			 * each entry's desc and CREATE TABLE (pgtoc.h), TABLE DATA getting 0. Not from the
			 * manifest: it lists only the tables rcr stored (never a partitioned parent), and
			 * its Relkind is information only (format-spec/permissive.md). */
			for (int i = 0; i < toc->nentries && old_minor < 16; i++)
				toc->entries[i].relkind = rcr_toc_entry_relkind(&toc->entries[i]);
			rcr_buf_reset(&b);
			rc = rcr_toc_encode(&b, toc);
		}
	}
	if (rc == 0 && (rc = rcr_fs_write_atomic(o->out_dir, "toc.dat", b.data, b.len)) < 0)
		(void)rcr_fs_outdir_add(&od, "toc.dat", NULL); /* renamed into place before a failed fsync */
	if (rc == 0)
		rc = rcr_fs_outdir_end(&od);
	if (added) {
		for (uint32_t i = 0; i < nadded; i++)
			rcr_toc_entry_clear(&added[i]);
		free(added);
	}
	if (rc < 0 && claimed) {
		rcr_error_snapshot keep;
		rcr_error_save(&keep);
		rcr_fs_outdir_abandon(&od);
		rcr_error_restore(&keep);
	} else if (rc == 0 && !o->common.quiet)
		fprintf(stderr, "rcr: converted %u tables, %llu rows, to pg_dump archive version 1.%d in %.2f s\n",
			m->ntables, (unsigned long long)total_rows, o->archive_minor, rcr_now() - t0);
	for (uint32_t ti = 0; names && ti < m->ntables; ti++)
		free(names[ti]);
	free(names);
	rcr_typeres_free(tr);
	rcr_toc_free(toc);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
	return rc;
}
