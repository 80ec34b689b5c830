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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The name textout knows a column's values by: enums print their label (their binary form is
 * the label) and composites print as records, whatever their own type name is. */
static void textout_name(char *out, size_t cap, const rcr_column *c)
{
	if (c->type_kind == 'e')
		snprintf(out, cap, "enum");
	else if (c->type_kind == 'c')
		snprintf(out, cap, "record");
	else if (c->type_name[0] == '_' && c->elem_kind == 'e')
		snprintf(out, cap, "_enum");
	else if (c->type_name[0] == '_' && c->elem_kind == 'c')
		snprintf(out, cap, "_record");
	else
		snprintf(out, cap, "%s", c->type_name);
}

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

typedef struct out_file {
	rcr_textout_gz *gz; /* libdeflate members, ~3x faster than gzwrite at the same level */
	int fd;
	const char *path;
} out_file;

static int out_write(out_file *f, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (f->gz)
		return rcr_textout_gz_write(f->gz, p, n);
	return rcr_fs_write_all(f->fd, p, n, f->path);
}

/* Writes one table's rows as text COPY into path. */
static int write_table_data(const rcr_convert_opts *o, const rcr_manifest *m, uint32_t ti, uint32_t rg_lo,
			    uint32_t rg_hi, const char *path, uint64_t *rows_out, rcr_progress *prog)
{
	const rcr_table *t = &m->tables[ti];
	char names[1600][64];
	uint32_t ncols = t->ncols;
	for (uint32_t c = 0; c < ncols; c++)
		textout_name(names[c], sizeof names[c], &t->cols[c]);
	int rc = 0;
	out_file f = {NULL, -1, path};
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return rcr_error_set(RCR_E_IO, "could not create '%s': %s", path, strerror(errno));
	f.fd = fd;
	if (o->level != 0) {
		rc = rcr_textout_gz_new(&f.gz, fd, o->level < 0 ? 6 : o->level, path);
		if (rc < 0) {
			close(fd);
			return rc;
		}
	}

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
				rc = rcr_textout_value(&val, names[c], t->cols[c].typmod, cur[c], (size_t)flen);
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
			atomic_fetch_add(&prog->rows, rg->row_count);
			for (uint32_t c = 0; c < ncols; c++)
				atomic_fetch_add(&prog->bytes, rg->frames[c].raw_size);
		}
	}
	/* pg_dump ends every data file so; psql needs the \. when it replays a pg_restore script. */
	if (rc == 0)
		rc = out_write(&f, "\\.\n\n\n", 5);
	if (f.gz && rc == 0)
		rc = rcr_textout_gz_flush(f.gz);
	rcr_textout_gz_free(f.gz);
	if (close(fd) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", path, strerror(errno));
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
	return rc < 0 ? rcr_error_wrap(rc, "table '%s.%s'", t->schema, t->name) : 0;
}

typedef struct convert_job {
	uint32_t table, rg_lo, rg_hi;
	int id;
	uint64_t weight;
} convert_job;

typedef struct convert_ctx {
	const rcr_convert_opts *o;
	const rcr_manifest *m;
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
		char path[8192];
		snprintf(path, sizeof path, "%s/%d.dat%s", cx->o->out_dir, j->id, cx->o->level ? ".gz" : "");
		if (cx->o->common.verbose)
			fprintf(stderr, "rcr: converting table '%s.%s' row groups %u-%u\n", t->schema, t->name, j->rg_lo,
				j->rg_hi ? j->rg_hi - 1 : 0);
		uint64_t rows = 0;
		int rc = write_table_data(cx->o, cx->m, j->table, j->rg_lo, j->rg_hi, path, &rows, &cx->prog);
		if (rc < 0) {
			pthread_mutex_lock(&cx->mu);
			if (!cx->failed) {
				cx->failed = rc;
				rcr_error_save(&cx->err);
			}
			pthread_mutex_unlock(&cx->mu);
		} else
			atomic_fetch_add(&cx->prog.tables_done, 1);
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

static int copy_file(const char *from, const char *to)
{
	rcr_buf b = RCR_BUF_INIT;
	int rc = rcr_fs_read_file(&b, from, (uint64_t)1 << 40);
	int fd = rc == 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
	if (rc == 0 && fd < 0)
		rc = rcr_error_set(RCR_E_IO, "could not create '%s': %s", to, strerror(errno));
	if (rc == 0)
		rc = rcr_fs_write_all(fd, b.data, b.len, to);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", to, strerror(errno));
	rcr_buf_free(&b);
	return rc;
}

int rcr_convert_run(const rcr_convert_opts *o)
{
	if (!o->archive || !o->out_dir)
		return rcr_error_set_hint(RCR_E_USAGE, "rcr convert ARCHIVE -o DIR", "an archive and -o DIR are required");
	if (o->archive_minor < 14 || o->archive_minor > 16)
		return rcr_error_set(RCR_E_USAGE, "--archive-version must be 1.14, 1.15 or 1.16");
	if (o->level < -1 || o->level > 9)
		return rcr_error_set(RCR_E_USAGE, "-Z/--compress must be between 0 and 9 (gzip)");
	double t0 = rcr_now();
	rcr_manifest *m = NULL;
	rcr_toc *toc = NULL;
	rcr_buf b = RCR_BUF_INIT;
	int created = 0, rc = rcr_archive_open(&m, o->archive);
	if (rc == 0 && !m->schema_dir[0])
		rc = rcr_error_set(RCR_E_USAGE, "archive '%s' holds no schema; pg_restore needs one", o->archive);
	for (uint32_t i = 0; rc == 0 && i < m->nschema_files; i++)
		rc = rcr_archive_check_schema_file(m, o->archive, i);
	/* Every type must be printable before anything is written. */
	for (uint32_t ti = 0; rc == 0 && ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		for (uint32_t c = 0; c < t->ncols; c++) {
			char name[64];
			textout_name(name, sizeof name, &t->cols[c]);
			if (!rcr_textout_supported(name)) {
				rc = rcr_error_set_hint(RCR_E_USAGE, "restore this archive with rcr restore instead",
							"cannot convert column '%s' of table '%s.%s': no text output for type '%s.%s'",
							t->cols[c].name, t->schema, t->name, t->cols[c].type_schema,
							t->cols[c].type_name);
				break;
			}
		}
	}
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
	if (rc == 0)
		rc = rcr_fs_prepare_empty_dir(o->out_dir, &created);
	/* The schema archive's own files (large objects, data of tables rcr did not store). */
	for (uint32_t i = 0; rc == 0 && i < m->nschema_files; i++) {
		if (strcmp(m->schema_files[i].name, "toc.dat") == 0)
			continue;
		char from[8192], to[8192];
		snprintf(from, sizeof from, "%s/%s/%s", o->archive, m->schema_dir, m->schema_files[i].name);
		snprintf(to, sizeof to, "%s/%s", o->out_dir, m->schema_files[i].name);
		rc = copy_file(from, to);
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
	uint64_t total_raw = 0;
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
			jobs[nadded] = (convert_job){ti, lo, g, id, raw};
			total_raw += raw;
			nadded++;
		} while (rc == 0 && g < t->nrgs);
	}
	/* Data files in parallel, largest first; each job is one file. */
	convert_ctx cx = {.o = o, .m = m, .jobs = jobs, .njobs = nadded, .mu = PTHREAD_MUTEX_INITIALIZER};
	if (rc == 0 && nadded) {
		qsort(jobs, nadded, sizeof *jobs, cmp_convert_job);
		rcr_progress_begin(&cx.prog, "convert", (int)nadded, total_raw,
				   o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
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
			/* 1.14 records a gzip level; 1.15+ an algorithm (0 none, 1 gzip). */
			toc->compression = o->archive_minor >= 15 ? (o->level ? 1 : 0) : (o->level ? o->level : 0);
			for (int i = 0; i < toc->nentries && old_minor < 16; i++)
				toc->entries[i].relkind = toc->entries[i].desc && !strcmp(toc->entries[i].desc, "TABLE") ? 'r' : 0;
			rcr_buf_reset(&b);
			rc = rcr_toc_encode(&b, toc);
		}
	}
	if (rc == 0)
		rc = rcr_fs_write_atomic(o->out_dir, "toc.dat", b.data, b.len);
	if (added) {
		for (uint32_t i = 0; i < nadded; i++)
			rcr_toc_entry_clear(&added[i]);
		free(added);
	}
	if (rc < 0 && o->out_dir) {
		rcr_error_snapshot keep;
		rcr_error_save(&keep);
		/* Only what we created: a directory that was empty before is emptied again. */
		if (created)
			rcr_fs_remove_tree(o->out_dir);
		else if (access(o->out_dir, F_OK) == 0) {
			DIR *d = opendir(o->out_dir);
			struct dirent *e;
			while (d && (e = readdir(d))) {
				if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
					continue;
				char p2[8192];
				snprintf(p2, sizeof p2, "%s/%s", o->out_dir, e->d_name);
				rcr_fs_remove_tree(p2);
			}
			if (d)
				closedir(d);
		}
		rcr_error_restore(&keep);
	} else if (rc == 0 && !o->common.quiet)
		fprintf(stderr, "rcr: converted %u tables, %llu rows, to pg_dump archive version 1.%d in %.2f s\n",
			m->ntables, (unsigned long long)total_rows, o->archive_minor, rcr_now() - t0);
	rcr_toc_free(toc);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
	return rc;
}
