/*
 * verify.c: `rcr verify`. Proves an archive intact or lists every problem in it: the manifest
 * (its checksum and structure), every schema file (present, size, XXH3-64), every data file
 * (present, no bytes beyond its frames), every frame (header check, stored checksum,
 * decompression, codec decode, content checksum, agreement with the manifest) and every row
 * count. It does not stop at the first problem: a damaged archive gets a full account, each
 * line naming the file, table and frame.
 */
#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/json.h"
#include "rcr/pool.h"
#include "rcr/row_hash.h"
#include "rcr/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where one referenced frame lies in its data file. */
typedef struct extent {
	uint64_t offset, size;
} extent;

/* A data file of a table (file NO_FILE for a table without files), shared by the jobs of its
 * row groups: the first to run opens it, each adds where its frames lie, the last checks the
 * file's layout and closes it. */
typedef struct verify_file {
	uint32_t table, file;
	uint64_t raw;           /* the column data its frames decode to, for ordering */
	uint32_t njobs;
	/* Guarded by the context's files_mu: */
	int state;              /* FILE_UNOPENED, FILE_OPEN or FILE_FAILED */
	int fd;
	uint64_t size;
	char *path;
	extent *ext;            /* cap slots, next of them filled */
	uint32_t cap, next, left;
} verify_file;

enum { FILE_UNOPENED, FILE_OPEN, FILE_FAILED };

/* A pool job: one row group of a data file (NO_RG for a file without row groups or a table
 * without files). The unit is a row group, not a table or a file: the workers stay busy to the
 * end however unequal the tables and files are. Jobs come file by file, biggest file first, so
 * a worker's files are open one or two at a time and the last jobs are small. */
typedef struct verify_job {
	uint32_t file;          /* index in the context's files */
	uint32_t rg;
} verify_job;

#define NO_FILE UINT32_MAX
#define NO_RG UINT32_MAX

typedef struct verify_ctx {
	const rcr_verify_opts *o;
	const rcr_manifest *m;
	verify_file *files;
	verify_job *jobs;
	uint32_t nfiles, njobs;
	pthread_mutex_t files_mu; /* guards the files' state */
	pthread_mutex_t mu;     /* guards the problems and the totals */
	char **problems;
	int *problem_codes;     /* rcr_err code of each problem, for --json's problem_kinds */
	int nproblems;
	int first_code;
	uint64_t frames, rows, raw, stored;
	rcr_progress prog;
} verify_ctx;

static void problem(verify_ctx *v, int code)
{
	pthread_mutex_lock(&v->mu);
	char **p = realloc(v->problems, (size_t)(v->nproblems + 1) * sizeof *p);
	if (p)
		v->problems = p;
	int *pc = realloc(v->problem_codes, (size_t)(v->nproblems + 1) * sizeof *pc);
	if (pc)
		v->problem_codes = pc;
	if (p && pc) {
		p[v->nproblems] = strdup(rcr_error_message());
		pc[v->nproblems] = code;
		if (p[v->nproblems])
			v->nproblems++;
	}
	if (!v->first_code)
		v->first_code = code;
	pthread_mutex_unlock(&v->mu);
}

/* One pool worker's tools: its frame decoder and scratch, its SHA-256 hasher, and for each
 * column of the row group being checked a frame buffer and a decoded one: row identity needs
 * every column's field stream at once, and each stays where it was decoded (in out, or in
 * frame for a raw frame stored uncompressed), never copied. */
typedef struct verify_worker {
	rcr_frame_decoder *dec;
	rcr_buf scratch;        /* the row-hash frame */
	rcr_row_hasher *hasher;
	rcr_buf *frame, *out;
	rcr_field_stream *cols; /* each column's field stream, in frame or out */
	extent *ext;            /* where the row group's frames lie */
	uint32_t ncols_cap;
	rcr_buf hashes;         /* the row hashes recomputed from the fields */
} verify_worker;

/* What verify found in one row group's frames, added to the totals once it is done. */
typedef struct table_sums {
	uint64_t frames, rows, raw, stored;
} table_sums;

static int cmp_extent(const void *a, const void *b)
{
	const extent *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* One file of table ti (fd, size bytes) whose row group frames were checked; ext holds the
 * n frames the manifest references in it. Without row identity the frames are the whole file,
 * back to back. With it, a file may be shared by hard link with an older archive and hold
 * frames of rows this archive no longer has: the frames referenced must then lie inside it
 * (checked as each was read) and must not overlap. */
static void verify_file_layout(verify_ctx *v, const char *path, uint64_t size, extent *ext, uint32_t n)
{
	uint64_t covered = 0;
	for (uint32_t i = 0; i < n; i++)
		covered += ext[i].size;
	if (!(v->m->required_features & RCR_FEATURE_ROW_IDENTITY)) {
		if (covered != size) {
			rcr_error_set(RCR_E_FORMAT, "data file '%s' is %llu bytes, its frames account for %llu", path,
				      (unsigned long long)size, (unsigned long long)covered);
			problem(v, RCR_E_FORMAT);
		}
		return;
	}
	qsort(ext, n, sizeof *ext, cmp_extent);
	for (uint32_t i = 1; i < n; i++)
		if (ext[i].offset < ext[i - 1].offset + ext[i - 1].size) {
			rcr_error_set(RCR_E_FORMAT, "data file '%s': the frames at offsets %llu and %llu overlap", path,
				      (unsigned long long)ext[i - 1].offset, (unsigned long long)ext[i].offset);
			problem(v, RCR_E_FORMAT);
		}
}

/* Row group g's row-hash frame (row identity, has_row_hashes): header, both checksums. */
static int verify_row_hashes(verify_ctx *v, uint32_t ti, uint32_t g, int fd, uint64_t size, const char *path,
			     rcr_buf *scratch, table_sums *sum, const uint8_t **hashes)
{
	const rcr_frame_ref *ref = &v->m->tables[ti].rgs[g].row_hashes;
	int rc = rcr_archive_load_row_hashes(scratch, fd, size, path, v->m, ti, g, hashes);
	if (rc < 0) {
		problem(v, rc);
		return rc;
	}
	sum->frames++;
	sum->raw += ref->raw_size;  /* the table's Raw_Bytes count row-hash frames too */
	sum->stored += RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size;
	rcr_progress_add(&v->prog, ti, 0, ref->raw_size);
	return 0;
}

/* Row identity proven from the data: each row's SHA-256 recomputed from its decoded fields
 * equals the one in the row-hash frame (hashes, or NULL without one), and the content hash
 * equals the SHA-256 of the row hashes, or of the field streams. A frame can pass its XXH3
 * checks and still hold a wrong row hash only if a writer or a forger put it there; an
 * incremental dump would then share rows on its word, so verify checks it. */
static int check_row_identity(verify_worker *w, const rcr_table *t, const rcr_row_group *rg, const uint8_t *hashes)
{
	uint8_t content[RCR_CONTENT_HASH_SIZE];
	if (hashes) {
		rcr_buf_reset(&w->hashes);
		RCR_FORWARD(rcr_buf_reserve(&w->hashes, (size_t)rg->row_count * RCR_ROW_HASH_SIZE));
		RCR_FORWARD(rcr_row_hashes_of(w->hasher, w->hashes.data, w->cols, t->ncols, rg->row_count));
		for (uint32_t r = 0; r < rg->row_count; r++)
			if (memcmp(w->hashes.data + (size_t)r * RCR_ROW_HASH_SIZE, hashes + (size_t)r * RCR_ROW_HASH_SIZE,
				   RCR_ROW_HASH_SIZE) != 0)
				return rcr_error_set(RCR_E_CHECKSUM, "the row hash of row %u does not match its fields", r);
		RCR_FORWARD(rcr_content_hash_rows(w->hasher, content, hashes, rg->row_count));
	} else
		RCR_FORWARD(rcr_content_hash_of(w->hasher, content, w->cols, t->ncols));
	if (memcmp(content, rg->content_hash, RCR_CONTENT_HASH_SIZE) != 0)
		return rcr_error_set(RCR_E_CHECKSUM, "the content hash does not match the %s",
				     hashes ? "row hashes" : "field streams");
	return 0;
}

/* Every frame of row group g of table ti (in the open file fd), its skip list and its row
 * hashes; records where its frames lie in ext (*n of them so far). */
static void verify_row_group(verify_ctx *v, uint32_t ti, uint32_t g, int fd, uint64_t size, const char *path,
			     verify_worker *w, table_sums *sum, extent *ext, uint32_t *n)
{
	const rcr_table *t = &v->m->tables[ti];
	const rcr_row_group *rg = &t->rgs[g];
	int identity = (v->m->required_features & RCR_FEATURE_ROW_IDENTITY) != 0;
	const uint8_t *fields = NULL;
	size_t len = 0;
	int rg_ok = 1, rc = rcr_archive_check_skip(v->m, ti, g);
	if (rc < 0) {
		problem(v, rc);
		rg_ok = 0;
	}
	for (uint32_t c = 0; c < t->ncols; c++) {
		ext[(*n)++] = (extent){rg->frames[c].offset, RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[c].stored_size};
		rc = rcr_archive_load_frame_into(w->dec, &w->frame[c], &w->out[c], fd, size, path, v->m, ti, g, c,
						 &fields, &len);
		w->cols[c] = (rcr_field_stream){fields, len};
		if (rc < 0) {
			problem(v, rc);
			rg_ok = 0;
			continue;
		}
		sum->frames++;
		sum->raw += len;
		sum->stored += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[c].stored_size;
		rcr_progress_add(&v->prog, ti, 0, len);
	}
	const uint8_t *hashes = NULL;
	if (rg->has_row_hashes) {
		ext[(*n)++] = (extent){rg->row_hashes.offset, RCR_FRAME_HEADER_SIZE + (uint64_t)rg->row_hashes.stored_size};
		if (verify_row_hashes(v, ti, g, fd, size, path, &w->scratch, sum, &hashes) < 0)
			rg_ok = 0;
	}
	if (rg_ok && identity && (rc = check_row_identity(w, t, rg, hashes)) < 0) {
		rcr_error_wrap(rc, "table '%s' row group %u (file '%s')", rcr_name_qualify(t->schema, t->name).s, g, path);
		problem(v, rc);
		rg_ok = 0;
	}
	if (rg_ok) {
		sum->rows += rcr_row_group_live(rg);
		rcr_progress_add(&v->prog, ti, rcr_row_group_live(rg), 0);
	}
}

/* Opens vf for the first of its jobs (the others find it open, or failed and reported once).
 * @return 0 when vf is open. */
static int file_open(verify_ctx *v, verify_file *vf)
{
	const rcr_table *t = &v->m->tables[vf->table];
	char path[4096];
	int rc = 0;
	pthread_mutex_lock(&v->files_mu);
	if (vf->state == FILE_UNOPENED) {
		vf->state = FILE_FAILED;
		int fd = rc = rcr_fs_open_in(v->o->archive, t->files[vf->file], path, sizeof path);
		if (fd >= 0) {
			struct stat st;
			vf->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
			vf->ext = malloc((size_t)vf->cap * sizeof *vf->ext + 1);
			vf->path = strdup(path);
			vf->fd = fd;
			rc = vf->ext && vf->path ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
			if (rc == 0)
				vf->state = FILE_OPEN;
			else
				close(fd);
		} else
			rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(t->schema, t->name).s);
	}
	int open = vf->state == FILE_OPEN;
	pthread_mutex_unlock(&v->files_mu);
	if (rc < 0)
		problem(v, rc);
	return open ? 0 : -1;
}

/* One of vf's jobs is done, having read the n frames at ext; the last one checks the file's
 * layout and closes it. */
static void file_job_done(verify_ctx *v, verify_file *vf, const extent *ext, uint32_t n)
{
	pthread_mutex_lock(&v->files_mu);
	if (vf->state == FILE_OPEN && n) {
		memcpy(vf->ext + vf->next, ext, n * sizeof *ext);
		vf->next += n;
	}
	int last = --vf->left == 0, open = vf->state == FILE_OPEN;
	pthread_mutex_unlock(&v->files_mu);
	if (!last || !open)
		return;
	verify_file_layout(v, vf->path, vf->size, vf->ext, vf->next);
	close(vf->fd);
	free(vf->ext);
	free(vf->path);
	vf->ext = NULL;
	vf->path = NULL;
}

/* Room in w for the frames, field streams and frame places of a row group of ncols columns
 * (one more place, for the row-hash frame, and never nothing, even without columns). */
static int worker_cols(verify_worker *w, uint32_t ncols)
{
	if (w->ext && ncols <= w->ncols_cap)
		return 0;
	size_t k = (size_t)ncols + 1;
	rcr_buf *f = realloc(w->frame, k * sizeof *f);
	if (f)
		w->frame = f;
	rcr_buf *o = realloc(w->out, k * sizeof *o);
	if (o)
		w->out = o;
	rcr_field_stream *c = realloc(w->cols, k * sizeof *c);
	if (c)
		w->cols = c;
	extent *e = realloc(w->ext, k * sizeof *e);
	if (e)
		w->ext = e;
	if (!f || !o || !c || !e)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = w->ncols_cap; i < ncols; i++)
		w->frame[i] = w->out[i] = (rcr_buf)RCR_BUF_INIT;
	w->ncols_cap = ncols;
	return 0;
}

/* Job j: one row group of a data file, its sums added to the totals. */
static void verify_job_run(verify_ctx *v, uint32_t j, verify_worker *w)
{
	const verify_job *job = &v->jobs[j];
	verify_file *vf = &v->files[job->file];
	table_sums sum = {0};
	uint32_t n = 0;
	int rc = worker_cols(w, v->m->tables[vf->table].ncols);
	if (rc < 0)
		problem(v, rc);
	else if (vf->file != NO_FILE && file_open(v, vf) == 0 && job->rg != NO_RG)
		verify_row_group(v, vf->table, job->rg, vf->fd, vf->size, vf->path, w, &sum, w->ext, &n);
	if (vf->file != NO_FILE)
		file_job_done(v, vf, w->ext, n);
	rcr_progress_part_done(&v->prog, vf->table);
	pthread_mutex_lock(&v->mu);
	v->frames += sum.frames;
	v->rows += sum.rows;
	v->raw += sum.raw;
	v->stored += sum.stored;
	pthread_mutex_unlock(&v->mu);
}

/* One pool worker: jobs in order, each with this worker's decoder and buffers. A
 * problem never stops verify, so the worker always returns 0 and problems go to the report. */
static int verify_work(rcr_pool *pool, void *arg, int worker)
{
	verify_ctx *v = arg;
	verify_worker w = {.scratch = RCR_BUF_INIT, .hashes = RCR_BUF_INIT};
	int rc = rcr_frame_decoder_new(&w.dec, RCR_MAX_FRAME_RAW);
	if (rc == 0)
		rc = rcr_row_hasher_new(&w.hasher);
	uint32_t i;
	while (rc == 0 && rcr_pool_next(pool, &i))
		verify_job_run(v, i, &w);
	if (rc < 0)
		problem(v, rc);
	rcr_frame_decoder_free(w.dec);
	rcr_row_hasher_free(w.hasher);
	rcr_buf_free(&w.scratch);
	rcr_buf_free(&w.hashes);
	for (uint32_t c = 0; c < w.ncols_cap; c++) {
		rcr_buf_free(&w.frame[c]);
		rcr_buf_free(&w.out[c]);
	}
	free(w.frame);
	free(w.out);
	free(w.cols);
	free(w.ext);
	return 0;
}

/* Prints a problem on one line whatever it quotes: table and column names may hold newlines
 * and other control bytes (legal in PostgreSQL, and in a hostile manifest), which would
 * otherwise split a problem or forge one. They are shown as \n, \r, \t or \xHH. */
static void print_one_line(const char *msg)
{
	rcr_text_fputs(msg, stdout);
	putchar('\n');
}

static void report(const verify_ctx *v, const char *archive, int manifest_ok)
{
	const rcr_manifest *m = v->m;
	if (v->o->json) {
		printf("{\"archive\":");
		rcr_json_str(stdout, archive);
		printf(",\"ok\":%s,\"manifest_ok\":%s", v->nproblems ? "false" : "true", manifest_ok ? "true" : "false");
		if (manifest_ok)
			printf(",\"tables\":%u,\"schema_files\":%u,\"frames\":%llu,\"rows\":%llu,\"raw_bytes\":%llu,\"stored_bytes\":%llu",
			       m->ntables, m->nschema_files, (unsigned long long)v->frames, (unsigned long long)v->rows,
			       (unsigned long long)v->raw, (unsigned long long)v->stored);
		printf(",\"problems\":[");
		for (int i = 0; i < v->nproblems; i++) {
			if (i)
				putchar(',');
			rcr_json_str(stdout, v->problems[i]);
		}
		/* The kind of each problem (rcr's error code name, as in the exit status table), so
		 * monitoring can tell damage ("checksum", "missing") from trouble reading ("io"). */
		printf("],\"problem_kinds\":[");
		for (int i = 0; i < v->nproblems; i++)
			printf("%s\"%s\"", i ? "," : "", rcr_err_name(v->problem_codes[i]));
		printf("]}\n");
		return;
	}
	for (int i = 0; i < v->nproblems; i++) {
		fputs("problem: ", stdout);
		print_one_line(v->problems[i]);
	}
	if (v->nproblems)
		printf("archive '%s' FAILED verification: %d problem%s\n", rcr_text_escape(archive).s, v->nproblems, v->nproblems == 1 ? "" : "s");
	else {
		char b1[32];
		printf("archive '%s' OK: %u tables, %u schema files, %llu frames, %llu rows, %s of column data verified\n",
		       rcr_text_escape(archive).s, m->ntables, m->nschema_files, (unsigned long long)v->frames, (unsigned long long)v->rows,
		       rcr_fmt_bytes(b1, sizeof b1, v->raw));
	}
}

/* The schema files: each listed one intact, and toc.dat among them when there is a schema. */
static void verify_schema_files(verify_ctx *v, const char *archive)
{
	const rcr_manifest *m = v->m;
	for (uint32_t i = 0; i < m->nschema_files; i++) {
		int rc = rcr_archive_check_schema_file(m, archive, i);
		if (rc < 0)
			problem(v, rc);
	}
	if (!m->schema_dir[0])
		return;
	for (uint32_t i = 0; i < m->nschema_files; i++)
		if (strcmp(m->schema_files[i].name, "toc.dat") == 0)
			return;
	rcr_error_set(RCR_E_MISSING, "the manifest lists no schema file 'toc.dat'");
	problem(v, RCR_E_MISSING);
}

static int cmp_file(const void *a, const void *b)
{
	const verify_file *x = a, *y = b;
	if (x->raw != y->raw)
		return x->raw > y->raw ? -1 : 1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->file < y->file ? -1 : x->file > y->file;
}

/* The raw bytes of row group g's frames (the manifest's sizes, as progress expects them). */
static uint64_t rg_raw(const rcr_table *t, uint32_t g)
{
	const rcr_row_group *rg = &t->rgs[g];
	uint64_t raw = rg->has_row_hashes ? rg->row_hashes.raw_size : 0;
	for (uint32_t c = 0; c < t->ncols; c++)
		raw += rg->frames[c].raw_size;
	return raw;
}

/* Every table's files (one without a file for a table that has none), biggest first, each
 * with its row groups' frame count and raw bytes. */
static int make_files(verify_ctx *v)
{
	const rcr_manifest *m = v->m;
	size_t n = 0;
	for (uint32_t i = 0; i < m->ntables; i++)
		n += m->tables[i].nfiles ? m->tables[i].nfiles : 1;
	if (n > UINT32_MAX / 2 || !(v->files = calloc(n, sizeof *v->files)))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		verify_file *first = v->files + v->nfiles;
		for (uint32_t f = 0; f < t->nfiles; f++)
			v->files[v->nfiles++] = (verify_file){.table = i, .file = f, .fd = -1};
		if (!t->nfiles)
			v->files[v->nfiles++] = (verify_file){.table = i, .file = NO_FILE, .fd = -1};
		for (uint32_t g = 0; g < t->nrgs && t->nfiles; g++) {
			verify_file *vf = &first[t->rgs[g].file];
			vf->raw += rg_raw(t, g);
			vf->njobs++;
			vf->cap += t->ncols + 1;
		}
	}
	qsort(v->files, v->nfiles, sizeof *v->files, cmp_file);
	return 0;
}

/* The jobs, file by file: each row group of the file, or one job for a file without any. */
static int make_jobs(verify_ctx *v)
{
	RCR_FORWARD(make_files(v));
	size_t n = 0;
	for (uint32_t k = 0; k < v->nfiles; k++) {
		verify_file *vf = &v->files[k];
		vf->left = vf->njobs ? vf->njobs : 1;
		n += vf->left;
	}
	if (n > UINT32_MAX || !(v->jobs = calloc(n, sizeof *v->jobs)))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t k = 0; k < v->nfiles; k++) {
		const verify_file *vf = &v->files[k];
		const rcr_table *t = &v->m->tables[vf->table];
		for (uint32_t g = 0; g < t->nrgs && vf->file != NO_FILE; g++)
			if (t->rgs[g].file == vf->file)
				v->jobs[v->njobs++] = (verify_job){k, g};
		if (!vf->njobs)
			v->jobs[v->njobs++] = (verify_job){k, NO_RG};
	}
	return 0;
}

/* Every table's data files and frames, over o->jobs workers. */
static void verify_tables(verify_ctx *v)
{
	const rcr_verify_opts *o = v->o;
	const rcr_manifest *m = v->m;
	int rc = make_jobs(v);
	if (rc < 0) {
		problem(v, rc);
		return;
	}
	rcr_progress_init(&v->prog, "verify", m, o->json || o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
	for (uint32_t j = 0; j < v->njobs; j++) {
		const verify_file *vf = &v->files[v->jobs[j].file];
		uint32_t g = v->jobs[j].rg;
		rcr_progress_expect(&v->prog, vf->table, g == NO_RG ? 0 : rg_raw(&v->m->tables[vf->table], g));
	}
	rcr_progress_begin(&v->prog);
	rcr_pool_opts po = {.workers = o->jobs, .njobs = v->njobs, .work = verify_work, .ctx = v};
	rcr_pool *pool = NULL;
	rc = rcr_pool_new(&pool, &po);
	if (rc == 0)
		rc = rcr_pool_run(pool);
	rcr_pool_free(pool);
	rcr_progress_end(&v->prog);
	if (rc < 0)
		problem(v, rc);  /* a worker thread that did not start: not everything was checked */
	if (rcr_interrupted()) {
		rcr_error_set(RCR_E_INTERRUPTED, "interrupted before every frame was checked");
		problem(v, RCR_E_INTERRUPTED);
	}
}

/* The command's result: 0, or the first problem's code with a one-line summary. */
static int verify_result(const verify_ctx *v, const char *archive, const char *hint)
{
	if (!v->nproblems)
		return 0;
	int rc = v->first_code ? v->first_code : RCR_E_FORMAT;
	const char *s = v->nproblems == 1 ? "" : "s";
	if (hint[0])
		return rcr_error_set_hint(rc, hint, "archive '%s' failed verification (%d problem%s)", archive,
					  v->nproblems, s);
	return rcr_error_set(rc, "archive '%s' failed verification (%d problem%s)", archive, v->nproblems, s);
}

int rcr_verify_run(const rcr_verify_opts *o)
{
	if (!o->archive)
		return rcr_error_set(RCR_E_USAGE, "no archive given");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	verify_ctx v = {.o = o, .mu = PTHREAD_MUTEX_INITIALIZER, .files_mu = PTHREAD_MUTEX_INITIALIZER};
	rcr_manifest *m = NULL;
	int rc = rcr_archive_open(&m, o->archive);
	char hint[256] = "";  /* an unreadable archive's hint (wrong path, a file) reaches the user */
	if (rc < 0) {
		snprintf(hint, sizeof hint, "%s", rcr_error_hint());
		problem(&v, rc);
		report(&v, o->archive, 0);
	} else {
		v.m = m;
		verify_schema_files(&v, o->archive);
		verify_tables(&v);
		report(&v, o->archive, 1);
	}
	rc = verify_result(&v, o->archive, hint);
	for (int i = 0; i < v.nproblems; i++)
		free(v.problems[i]);
	free(v.problems);
	free(v.problem_codes);
	free(v.jobs);
	free(v.files);
	rcr_manifest_free(m);
	return rc;
}
