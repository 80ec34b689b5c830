/*
 * convert_data.c: the data files of `rcr convert`, one per job, written in parallel
 * (convert_data.h).
 *
 * A file holds its rows as text COPY in the server's own output form (textout.h): one line per
 * row, tab-separated fields, \N for NULL, COPY's backslash escapes, and pg_dump's closing `\.`
 * line (doc/pg-archive.md, "Data files"). Rows are printed a row group at a time: every
 * column's frame of the group is decoded, then the rows are read across the columns' decoded
 * binary COPY fields. A text table's fields already hold text output: they are only escaped.
 */
#include "convert_data.h"
#include "convert_compress.h"

#include "rcr/archive.h"
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pool.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lines go to the compressor in pieces of about this size. */
#define LINE_FLUSH ((size_t)1 << 20)

/* One job's table being written: its archive files and a decoder per column on one side, the
 * data file on the other. */
typedef struct table_writer {
	const rcr_convert_data *d;
	const rcr_table *t;
	uint32_t ti;
	const char *const *names;  /* per column, the textout type name */
	int *fds;                  /* the table's archive files */
	uint64_t *sizes;
	char (*paths)[4096];
	rcr_frame_decoder **decs;  /* per column */
	const uint8_t **cur, **end; /* per column: the decoded fields of the current row group */
	rcr_buf scratch, line, val;
	rcr_convert_out out;
	rcr_progress *prog;
	uint64_t rows;
} table_writer;

/* Opens the table's archive files and a frame decoder per column. */
static int writer_open_input(table_writer *w)
{
	const rcr_table *t = w->t;
	w->fds = calloc(t->nfiles + 1, sizeof *w->fds);
	w->sizes = calloc(t->nfiles + 1, sizeof *w->sizes);
	w->paths = calloc(t->nfiles + 1, sizeof *w->paths);
	w->cur = calloc(t->ncols + 1, sizeof *w->cur);
	w->end = calloc(t->ncols + 1, sizeof *w->end);
	w->decs = calloc(t->ncols + 1, sizeof *w->decs);
	if (!w->fds || !w->sizes || !w->paths || !w->cur || !w->end || !w->decs)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < t->nfiles; i++)
		w->fds[i] = -1;
	for (uint32_t i = 0; i < t->nfiles; i++) {
		w->fds[i] = rcr_fs_open_in(w->d->o->archive, t->files[i], w->paths[i], sizeof w->paths[i]);
		if (w->fds[i] < 0)
			return w->fds[i];
		struct stat st;
		if (fstat(w->fds[i], &st) == 0)
			w->sizes[i] = (uint64_t)st.st_size;
	}
	for (uint32_t c = 0; c < t->ncols; c++)
		RCR_FORWARD(rcr_frame_decoder_new(&w->decs[c], RCR_MAX_FRAME_RAW));
	return 0;
}

static void writer_free_input(table_writer *w)
{
	for (uint32_t i = 0; i < w->t->nfiles && w->fds; i++)
		if (w->fds[i] >= 0)
			close(w->fds[i]);
	for (uint32_t c = 0; c < w->t->ncols && w->decs; c++)
		rcr_frame_decoder_free(w->decs[c]);
	free(w->fds);
	free(w->sizes);
	free(w->paths);
	free(w->cur);
	free(w->end);
	free(w->decs);
	rcr_buf_free(&w->scratch);
	rcr_buf_free(&w->line);
	rcr_buf_free(&w->val);
}

/* Decodes every column's frame of row group g into cur/end. */
static int load_row_group(table_writer *w, uint32_t g)
{
	const rcr_row_group *rg = &w->t->rgs[g];
	for (uint32_t c = 0; c < w->t->ncols; c++) {
		size_t len;
		RCR_FORWARD(rcr_archive_load_frame(w->decs[c], &w->scratch, w->fds[rg->file], w->sizes[rg->file],
						   w->paths[rg->file], w->d->m, w->ti, g, c, &w->cur[c], &len));
		w->end[c] = w->cur[c] + len;
	}
	return 0;
}

/* Appends column c's next field of row group g to the line, as COPY text. */
static int print_field(table_writer *w, uint32_t g, uint32_t c)
{
	const rcr_column *col = &w->t->cols[c];
	if (w->end[c] - w->cur[c] < 4)
		return rcr_error_set(RCR_E_FORMAT, "column '%s' runs out of values", col->name);
	int32_t flen = (int32_t)rcr_load_u32be(w->cur[c]);
	w->cur[c] += 4;
	if (flen == -1)
		return RCR_BUF_LIT(&w->line, "\\N");
	if (flen < 0 || w->end[c] - w->cur[c] < flen)
		return rcr_error_set(RCR_E_FORMAT, "column '%s' value overruns its frame", col->name);
	rcr_buf_reset(&w->val);
	int rc = rcr_textout_value_in(&w->val, w->d->cat, w->names[c], col->typmod, w->cur[c], (size_t)flen);
	if (rc < 0)
		rc = rcr_error_wrap(rc, "column '%s' (type %s) row group %u", col->name, col->type_name, g);
	else
		rc = rcr_textout_copy_escape(&w->line, w->val.data, w->val.len);
	w->cur[c] += flen;
	return rc;
}

/* Appends the next row's line. A text table's values are already the server's text output
 * (RCR_TABLE_TEXT): they are copied through, escaped, as restore sends them; no type is
 * printed. */
static int print_row(table_writer *w, uint32_t g)
{
	if (w->t->flags & RCR_TABLE_TEXT)
		return rcr_copy_write_text_rows(&w->line, w->cur, w->end, (uint16_t)w->t->ncols, 1);
	for (uint32_t c = 0; c < w->t->ncols; c++) {
		if (c)
			rcr_buf_append_u8(&w->line, '\t');
		RCR_FORWARD(print_field(w, g, c));
	}
	return rcr_buf_append_u8(&w->line, '\n');
}

/* Writes the lines printed so far to the data file. */
static int flush_lines(table_writer *w)
{
	RCR_FORWARD(rcr_buf_check(&w->line));
	RCR_FORWARD(rcr_convert_out_write(&w->out, w->line.data, w->line.len));
	rcr_buf_reset(&w->line);
	return 0;
}

/* Prints the rows of row group g and writes them to the data file. */
static int write_row_group(table_writer *w, uint32_t g)
{
	const rcr_row_group *rg = &w->t->rgs[g];
	if (rcr_interrupted())
		return rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	RCR_FORWARD(rcr_archive_check_skip(w->d->m, w->ti, g));
	RCR_FORWARD(load_row_group(w, g));
	/* The rows the row group skips (gone since the base it was shared from) are read past. */
	for (uint32_t r = 0, k = 0; r < rg->row_count; r++) {
		if (k < rg->nskip && rg->skip[k] == r) {
			k++;
			RCR_FORWARD(rcr_copy_skip_row(w->cur, w->end, (uint16_t)w->t->ncols, r));
			continue;
		}
		RCR_FORWARD(print_row(w, g));
		w->rows++;
		if (w->line.len >= LINE_FLUSH)
			RCR_FORWARD(flush_lines(w));
	}
	RCR_FORWARD(flush_lines(w));
	uint64_t raw = 0;
	for (uint32_t c = 0; c < w->t->ncols; c++)
		raw += rg->frames[c].raw_size;
	rcr_progress_add(w->prog, w->ti, rcr_row_group_live(rg), raw);
	return 0;
}

/* Writes job j's rows as text COPY into path; sets j->created once the file exists. */
static int write_job(const rcr_convert_data *d, rcr_convert_job *j, const char *path, rcr_progress *prog)
{
	table_writer w = {.d = d, .t = &d->m->tables[j->table], .ti = j->table, .names = d->names[j->table],
			  .scratch = RCR_BUF_INIT, .line = RCR_BUF_INIT, .val = RCR_BUF_INIT, .prog = prog};
	int rc = rcr_convert_out_open(&w.out, d->o, path);
	if (rc < 0)
		return rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(w.t->schema, w.t->name).s);
	j->created = 1;
	rc = writer_open_input(&w);
	for (uint32_t g = j->rg_lo; g < j->rg_hi && rc == 0; g++)
		rc = write_row_group(&w, g);
	/* pg_dump ends every data file so; psql needs the \. when it replays a pg_restore script. */
	static const char end_of_data[] = "\\.\n\n\n";
	if (rc == 0)
		rc = rcr_convert_out_write(&w.out, end_of_data, sizeof end_of_data - 1);
	rc = rcr_convert_out_close(&w.out, rc);
	writer_free_input(&w);
	uint64_t want = 0;
	for (uint32_t g = j->rg_lo; g < j->rg_hi; g++)
		want += rcr_row_group_live(&w.t->rgs[g]);
	if (rc == 0 && w.rows != want)
		rc = rcr_error_set(RCR_E_ROWCOUNT, "wrote %llu rows, the archive holds %llu", (unsigned long long)w.rows,
				   (unsigned long long)want);
	return rc < 0 ? rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(w.t->schema, w.t->name).s) : 0;
}

/* --- the workers -------------------------------------------------------------------------- */

typedef struct data_run {
	const rcr_convert_data *d;
	rcr_convert_job *jobs;
	rcr_progress prog;
} data_run;

static int run_job(data_run *dr, rcr_convert_job *j)
{
	const rcr_convert_opts *o = dr->d->o;
	char name[64], path[8192];
	rcr_convert_data_file_name(name, o, j->id);
	snprintf(path, sizeof path, "%s/%s", o->out_dir, name);
	if (o->common.verbose) {
		const rcr_table *t = &dr->d->m->tables[j->table];
		fprintf(stderr, "rcr: converting table '%s' row groups %u-%u\n", rcr_name_qualify(t->schema, t->name).s,
			j->rg_lo, j->rg_hi ? j->rg_hi - 1 : 0);
	}
	RCR_FORWARD(write_job(dr->d, j, path, &dr->prog));
	rcr_progress_part_done(&dr->prog, j->table);
	return 0;
}

/* A pool worker: jobs until none is left or one failed (the pool keeps the first failure). */
static int data_worker(rcr_pool *pool, void *ctx, int worker)
{
	data_run *dr = ctx;
	uint32_t i;
	while (rcr_pool_next(pool, &i))
		RCR_FORWARD(run_job(dr, &dr->jobs[i]));
	return 0;
}

static int cmp_job(const void *a, const void *b)
{
	const rcr_convert_job *x = a, *y = b;
	return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : x->id - y->id;
}

int rcr_convert_data_run(const rcr_convert_data *d, rcr_convert_job *jobs, uint32_t njobs, uint64_t *rows_out)
{
	*rows_out = 0;
	if (njobs == 0)
		return 0;
	const rcr_convert_opts *o = d->o;
	data_run dr = {.d = d, .jobs = jobs};
	qsort(jobs, njobs, sizeof *jobs, cmp_job);
	rcr_progress_init(&dr.prog, "convert", d->m, o->common.quiet ? RCR_PROGRESS_NEVER : o->common.progress);
	for (uint32_t i = 0; i < njobs; i++)
		rcr_progress_expect(&dr.prog, jobs[i].table, jobs[i].weight);
	rcr_progress_begin(&dr.prog);
	rcr_pool_opts po = {.workers = (uint32_t)o->jobs < njobs ? o->jobs : (int)njobs,
			    .njobs = njobs,
			    .work = data_worker,
			    .ctx = &dr};
	rcr_pool *pool = NULL;
	int rc = rcr_pool_new(&pool, &po);
	if (rc == 0)
		rc = rcr_pool_run(pool);
	rcr_pool_free(pool);
	rcr_progress_end(&dr.prog);
	*rows_out = atomic_load(&dr.prog.rows);
	return rc;
}
