/*
 * convert.c: `rcr convert`: an rcr archive to a standard pg_dump directory archive.
 *
 * The archive's embedded schema is already a pg_dump directory archive without the data of the
 * tables rcr stored. Convert copies its files, adds one TABLE DATA entry per stored table to
 * its toc.dat (each depending on its TABLE entry, as pg_restore requires; convert_plan.c), and
 * writes each table's rows as text COPY, decoded frame by frame and printed with PostgreSQL's
 * own output rules (convert_data.c), ending with the `\.` line so that `pg_restore -f` scripts
 * replay in psql. doc/pg-archive.md describes the archive it writes.
 *
 * Everything that can refuse the conversion runs before the output directory is claimed (every
 * column type is checked: a type rcr cannot print stops the conversion with the schema, table,
 * column and type named): a failure before then has nothing to clean up, and one after removes
 * only what this run created.
 */
#include "convert_compress.h"
#include "convert_data.h"
#include "convert_plan.h"

#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pgtoc.h"
#include "rcr/text.h"
#include "rcr/typeres.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything one conversion holds; conversion_free frees it. */
typedef struct conversion {
	const rcr_convert_opts *o; /* &opts */
	rcr_convert_opts opts;     /* the caller's, with the archive version chosen (choose_version) */
	double t0;
	rcr_manifest *m;
	rcr_toc *toc;
	rcr_buf toc_bytes;      /* the schema's toc.dat, then the one written */
	rcr_typeres *tr;
	const char ***names;    /* per table, per column: the textout type name */
	rcr_convert_plan plan;
	rcr_fs_outdir od;
	int claimed;
	uint64_t rows;
} conversion;

static int check_options(const rcr_convert_opts *o)
{
	if (!o->archive || !o->out_dir)
		return rcr_error_set_hint(RCR_E_USAGE, "rcr convert ARCHIVE -o DIR", "an archive and -o DIR are required");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	if (o->archive_minor && (o->archive_minor < 14 || o->archive_minor > 16))
		return rcr_error_set(RCR_E_USAGE, "--archive-version must be 1.14, 1.15 or 1.16");
	RCR_FORWARD(rcr_convert_compress_check(o));
	/* A 1.14 header records only a gzip level (pg_dump 15 knew no other codec), and pg_restore
	 * 15 reads only .dat and .dat.gz: zstd data needs the 1.15 algorithm byte. */
	if (o->algorithm == RCR_CONVERT_ZSTD && o->archive_minor && o->archive_minor < 15)
		return rcr_error_set_hint(RCR_E_USAGE,
					  "use --archive-version 1.15 (pg_restore 16 or later) or 1.16 (pg_restore 17 "
					  "or later), or -Z gzip for pg_restore 12-15",
					  "zstd data files need archive version 1.15 or later, not 1.%d", o->archive_minor);
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

/* An archive path that names nothing is said first (a typo there would otherwise read as a
 * wrong -o), then the output, so that a wrong -o is named as such. */
static int check_paths(const rcr_convert_opts *o)
{
	RCR_FORWARD(rcr_archive_check_path(o->archive));
	RCR_FORWARD(rcr_fs_check_apart(o->archive, o->out_dir, "-o"));
	return explain_taken(rcr_fs_outdir_check(o->out_dir, "-o"), o->out_dir);
}

/* Opens the archive, checks its schema files and decodes the schema's toc.dat. */
static int read_schema(conversion *cv)
{
	const rcr_convert_opts *o = cv->o;
	RCR_FORWARD(rcr_archive_open(&cv->m, o->archive));
	if (!cv->m->schema_dir[0])
		return rcr_error_set(RCR_E_USAGE, "archive '%s' holds no schema; pg_restore needs one", o->archive);
	for (uint32_t i = 0; i < cv->m->nschema_files; i++)
		RCR_FORWARD(rcr_archive_check_schema_file(cv->m, o->archive, i));
	char path[8192];
	snprintf(path, sizeof path, "%s/%s/toc.dat", o->archive, cv->m->schema_dir);
	RCR_FORWARD(rcr_fs_read_file(&cv->toc_bytes, path, (uint64_t)1 << 30));
	int rc = rcr_toc_decode(&cv->toc, cv->toc_bytes.data, cv->toc_bytes.len);
	return rc < 0 ? rcr_error_wrap(rc, "'%s'", path) : 0;
}

/* Without --archive-version, the lowest version that holds what this conversion writes, so that
 * the most pg_restore versions read it (README, "rcr convert"): 1.14 (pg_restore 12 and later),
 * 1.15 for zstd data files (16 and later), 1.16 for the large objects of a 1.16 schema, which
 * pg_dump 17 groups in BLOB METADATA entries that no older version knows (17 and later). */
static void choose_version(conversion *cv)
{
	if (cv->opts.archive_minor)
		return;
	int minor = cv->opts.algorithm == RCR_CONVERT_ZSTD ? 15 : 14;
	for (int i = 0; i < cv->toc->nentries && cv->toc->vmin >= 16; i++) {
		const char *d = cv->toc->entries[i].desc;
		if (d && (strcmp(d, "BLOBS") == 0 || strcmp(d, "BLOB METADATA") == 0))
			minor = 16;
	}
	cv->opts.archive_minor = minor;
	if (cv->opts.common.verbose)
		fprintf(stderr, "rcr: writing archive version 1.%d, the lowest that holds this archive\n", minor);
}

/* Column c of table t as a textout type name, or a refusal naming both. */
static int column_type(rcr_typeres *tr, const rcr_table *t, uint32_t c, const char **out)
{
	int rc = rcr_typeres_column(tr, &t->cols[c], out);
	if (rc == RCR_E_USAGE) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", rcr_error_message());
		return rcr_error_set_hint(rc, "restore this archive with rcr restore instead",
					  "cannot convert column '%s' of table '%s': %s", rcr_name_quote(t->cols[c].name).s,
					  rcr_name_qualify(t->schema, t->name).s, msg);
	}
	if (rc < 0)
		return rcr_error_wrap(rc, "column '%s' of table '%s'", rcr_name_quote(t->cols[c].name).s,
				      rcr_name_qualify(t->schema, t->name).s);
	return 0;
}

/* Every column's type must be printable before anything is written; composites are resolved
 * through the schema's type definitions (typeres.h). A text table's values are copied through
 * (convert_data.c): its types are never printed, so never checked. */
static int check_types(conversion *cv)
{
	const rcr_manifest *m = cv->m;
	if (!(cv->names = calloc(m->ntables + 1, sizeof *cv->names)))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	RCR_FORWARD(rcr_typeres_new(&cv->tr, cv->toc));
	RCR_FORWARD(rcr_typeres_session(cv->tr, m));
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		if (!(cv->names[ti] = calloc(t->ncols + 1, sizeof *cv->names[ti])))
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		for (uint32_t c = 0; c < t->ncols && !(t->flags & RCR_TABLE_TEXT); c++)
			RCR_FORWARD(column_type(cv->tr, t, c, &cv->names[ti][c]));
	}
	return 0;
}

static int claim_output(conversion *cv)
{
	RCR_FORWARD(rcr_fs_outdir_claim(&cv->od, cv->o->out_dir, RCR_CONVERT_MARKER, "-o"));
	cv->claimed = 1;
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

/* The schema archive's own files but toc.dat: large objects, data of tables rcr did not store. */
static int copy_schema_files(conversion *cv)
{
	const rcr_manifest *m = cv->m;
	const rcr_convert_plan *plan = &cv->plan;
	for (uint32_t i = 0; i < m->nschema_files; i++) {
		const char *name = m->schema_files[i].name;
		if (strcmp(name, "toc.dat") == 0)
			continue;
		char from[8192];
		snprintf(from, sizeof from, "%s/%s/%s", cv->o->archive, m->schema_dir, name);
		RCR_FORWARD(copy_file(from, &cv->od, plan->lo_src && strcmp(name, plan->lo_src) == 0 ? plan->lo_dst : name));
	}
	return 0;
}

static int write_data(conversion *cv)
{
	const rcr_convert_data d = {.o = cv->o,
				    .m = cv->m,
				    .names = (const char *const *const *)cv->names,
				    .cat = rcr_typeres_catalog(cv->tr)};
	return rcr_convert_data_run(&d, cv->plan.jobs, cv->plan.n, &cv->rows);
}

/* Records the data files the jobs created as this run's, whether they all succeeded (rc) or not. */
static int record_data_files(conversion *cv, int rc)
{
	for (uint32_t i = 0; cv->plan.jobs && i < cv->plan.n; i++)
		if (cv->plan.jobs[i].created) {
			char name[64];
			rcr_convert_data_file_name(name, cv->o, cv->plan.jobs[i].id);
			int arc = rcr_fs_outdir_add(&cv->od, name, NULL);
			if (rc == 0)
				rc = arc;
		}
	return rc;
}

static int write_toc(conversion *cv)
{
	RCR_FORWARD(rcr_convert_plan_finish_toc(&cv->toc_bytes, &cv->plan, cv->toc, cv->o));
	int rc = rcr_fs_write_atomic(cv->o->out_dir, "toc.dat", cv->toc_bytes.data, cv->toc_bytes.len);
	if (rc < 0)
		(void)rcr_fs_outdir_add(&cv->od, "toc.dat", NULL); /* renamed into place before a failed fsync */
	return rc;
}

/* After a failure, removes what this run created, keeping the failure's message. */
static int finish(conversion *cv, int rc)
{
	if (rc < 0 && cv->claimed) {
		rcr_error_snapshot keep;
		rcr_error_save(&keep);
		rcr_fs_outdir_abandon(&cv->od);
		rcr_error_restore(&keep);
	} else if (rc == 0 && !cv->o->common.quiet)
		fprintf(stderr, "rcr: converted %u tables, %llu rows, to pg_dump archive version 1.%d in %.2f s\n",
			cv->m->ntables, (unsigned long long)cv->rows, cv->o->archive_minor, rcr_now() - cv->t0);
	return rc;
}

static void conversion_free(conversion *cv)
{
	rcr_convert_plan_free(&cv->plan);
	for (uint32_t ti = 0; cv->names && ti < cv->m->ntables; ti++)
		free(cv->names[ti]);
	free(cv->names);
	rcr_typeres_free(cv->tr);
	rcr_toc_free(cv->toc);
	rcr_manifest_free(cv->m);
	rcr_buf_free(&cv->toc_bytes);
}

int rcr_convert_run(const rcr_convert_opts *o)
{
	RCR_FORWARD(check_options(o));
	RCR_FORWARD(check_paths(o));
	conversion cv = {.opts = *o, .t0 = rcr_now(), .toc_bytes = RCR_BUF_INIT, .plan = RCR_CONVERT_PLAN_INIT,
			 .od = RCR_FS_OUTDIR_INIT};
	cv.o = &cv.opts;
	o = cv.o;
	int rc = read_schema(&cv);
	if (rc == 0)
		choose_version(&cv);
	if (rc == 0)
		rc = check_types(&cv);
	if (rc == 0)
		rc = rcr_convert_plan_large_objects(&cv.plan, cv.toc, cv.m, o->archive_minor);
	if (rc == 0)
		rc = rcr_convert_plan_data(&cv.plan, cv.toc, cv.m, o);
	if (rc == 0)
		rc = claim_output(&cv);
	if (rc == 0)
		rc = copy_schema_files(&cv);
	if (rc == 0)
		rc = write_data(&cv);
	rc = record_data_files(&cv, rc);
	if (rc == 0)
		rc = write_toc(&cv);
	if (rc == 0)
		rc = rcr_fs_outdir_end(&cv.od);
	rc = finish(&cv, rc);
	conversion_free(&cv);
	return rc;
}
