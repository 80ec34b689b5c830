/*
 * vindex.c: pgvector indexes built at full speed (issue 14, item 2).
 *
 * pg_restore builds every index of post-data with the session's maintenance_work_mem, and an
 * HNSW graph that does not fit is built many times slower (vindex.h). Restore takes the vector
 * indexes of the selected tables out of the ordinary post-data run and builds them after it,
 * through pg_restore (the statement stays pg_dump's, never one rcr runs itself), with the
 * maintenance_work_mem that keeps the graph in memory,
 * computed from the archive's rows and bytes per value and capped (--maintenance-work-mem, by
 * default a quarter of the server's effective_cache_size, at most 2GB, at least the server's
 * own setting). When -j allows several builds at once and all of their graphs fit in the cap
 * together, they run side by side, one pg_restore -j k over them, each on its own core: two
 * independent builds use two cores better than one build with a parallel worker, which shares
 * one graph under locks and writes the index out in the leader alone. Otherwise they run one
 * at a time, largest first, each with parallel maintenance workers for the cores -j gave. A
 * parallel build allocates its graph in dynamic shared memory, which a container may lack: a
 * build that fails with workers is retried once without them, in the backend's own memory.
 * Each build is reported: time, memory given, whether the graph was expected to fit.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The manifest table of schema.name, or NULL. */
static const rcr_table *find_table(const rcr_manifest *m, const char *schema, const char *name)
{
	for (uint32_t i = 0; i < m->ntables; i++)
		if (strcmp(m->tables[i].schema, schema) == 0 && strcmp(m->tables[i].name, name) == 0)
			return &m->tables[i];
	return NULL;
}

/* Bytes per value of column `col` of t as the server stores it: the archive's field bytes per
 * row, less the 4-byte length word, plus the 8-byte varlena header. 0 without such a column. */
static uint64_t value_bytes(const rcr_table *t, const char *col)
{
	for (uint32_t c = 0; c < t->ncols; c++) {
		if (strcmp(t->cols[c].name, col) != 0)
			continue;
		uint64_t raw = 0;
		for (uint32_t g = 0; g < t->nrgs; g++)
			raw += t->rgs[g].frames[c].raw_size;
		uint64_t per = t->row_count ? raw / t->row_count : 0;
		return per > 4 ? per - 4 + 8 : 8;
	}
	return 0;
}

static int cmp_need(const void *a, const void *b)
{
	const restore_vindex *x = a, *y = b;
	return x->need < y->need ? 1 : x->need > y->need ? -1 : 0;
}

int restore_vindex_plan(restore_ctx *r)
{
	/* pg_restore -t restores tables and their data, never their indexes: none to build. */
	if (r->o->tables.n)
		return 0;
	rcr_vindex_list found;
	int rc = rcr_vindex_find(&found, r->toc);
	for (int i = 0; rc == 0 && i < found.n; i++) {
		rcr_vindex *v = &found.items[i];
		const rcr_table *t = find_table(r->m, v->schema, v->table);
		if (!t || !restore_selected(r->o, t) || !restore_schema_selected(r->o, v->schema))
			continue;
		uint64_t vb = value_bytes(t, v->column);
		if (!vb)
			continue;
		restore_vindex *items = realloc(r->vidx, (r->nvidx + 1) * sizeof *items);
		if (!items) {
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
			break;
		}
		r->vidx = items;
		restore_vindex *x = &r->vidx[r->nvidx++];
		memset(x, 0, sizeof *x);
		x->v = *v;
		v->column = v->opc_schema = v->opc_name = NULL;  /* moved */
		x->rows = t->row_count;
		x->need = rcr_vindex_build_bytes(&x->v, t->row_count, vb);
	}
	rcr_vindex_list_free(&found);
	if (r->nvidx > 1)
		qsort(r->vidx, r->nvidx, sizeof *r->vidx, cmp_need);
	return rc;
}

int restore_vindex_excluded(long id, const void *ctx)
{
	const restore_ctx *r = ctx;
	for (size_t i = 0; i < r->nvidx; i++)
		if (r->vidx[i].v.dump_id == id)
			return 1;
	return 0;
}

/* The server's figures the sizing starts from, in kB: its maintenance_work_mem, the cap, and
 * how many parallel maintenance workers a build may take. */
static int server_limits(PGconn *conn, const rcr_restore_opts *o, long long *cur_kb, long long *cap_kb, int *workers);

int restore_vindex_limits(restore_ctx *r, long long *cur_kb, long long *cap_kb, int *workers)
{
	return server_limits(r->conn, r->o, cur_kb, cap_kb, workers);
}

long long restore_vindex_kb(const restore_vindex *x, long long cur_kb, long long cap_kb)
{
	long long kb = (long long)((x->need + 1023) / 1024);
	if (kb > cap_kb)
		kb = cap_kb;
	return kb < cur_kb ? cur_kb : kb;
}

static int server_limits(PGconn *conn, const rcr_restore_opts *o, long long *cur_kb, long long *cap_kb, int *workers)
{
	const char *param = o->maintenance_work_mem ? o->maintenance_work_mem : "";
	const char *params[1] = {param};
	PGresult *res = PQexecParams(conn,
		"SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem')) / 1024,"
		" CASE WHEN $1 OPERATOR(pg_catalog.=) '' THEN LEAST(2097152,"
		"  pg_catalog.pg_size_bytes(pg_catalog.current_setting('effective_cache_size')) / 4096)"
		"  ELSE pg_catalog.pg_size_bytes($1) / 1024 END,"
		" pg_catalog.current_setting('max_parallel_workers')::int",
		1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = rcr_error_set(RCR_E_QUERY, "reading the server's memory settings: %s", rcr_pg_error_line(conn));
		PQclear(res);
		return rc;
	}
	*cur_kb = atoll(PQgetvalue(res, 0, 0));
	*cap_kb = atoll(PQgetvalue(res, 0, 1));
	if (*cap_kb < *cur_kb && !o->maintenance_work_mem)
		*cap_kb = *cur_kb;
	int mpw = atoi(PQgetvalue(res, 0, 2));
	PQclear(res);
	/* One build at a time: the leader and its workers may use the cores -j gave the restore. */
	*workers = o->jobs - 1 < mpw ? o->jobs - 1 : mpw;
	if (*workers < 0)
		*workers = 0;
	return 0;
}

/* One pg_restore -j jobs over the -L list's entries that `drop` keeps, its sessions given the
 * memory and workers: one index at a time, or every build side by side. */
static int run_builds(restore_ctx *r, int (*drop)(long id, const void *ctx), const void *ctx, int jobs, long long kb,
		      int workers)
{
	char options[256], *conninfo = NULL, *password = NULL, *list = NULL;
	snprintf(options, sizeof options, "-c maintenance_work_mem=%lldkB -c max_parallel_maintenance_workers=%d", kb,
		 workers);
	int rc = rcr_pg_child_conninfo_opts(&conninfo, &password, r->conn, options);
	if (rc == 0)
		rc = restore_write_list(&list, r, drop, ctx);
	if (rc == 0)
		rc = restore_run_post_data_list(r, conninfo, list, jobs);
	restore_close_list(list);
	free(conninfo);
	free(password);
	return rc;
}

/* One index through pg_restore. */
static int build_one(restore_ctx *r, const restore_vindex *x, long long kb, int workers)
{
	int only = x->v.dump_id;
	return run_builds(r, restore_vindex_not_this, &only, 1, kb, workers);
}

int restore_vindex_not_this(long id, const void *ctx)
{
	return id != *(const int *)ctx;
}

void restore_vindex_report(const restore_ctx *r, const restore_vindex *x, long long kb, int workers, double secs)
{
	if (r->o->common.quiet)
		return;
	char need[32], given[32];
	rcr_fmt_bytes(need, sizeof need, x->need);
	rcr_fmt_bytes(given, sizeof given, (uint64_t)kb * 1024);
	fprintf(stderr, "rcr: vector index %s (%s on %s, %llu rows): %.2f s, maintenance_work_mem %s, parallel"
			" workers %d; its build needs about %s: %s\n",
		rcr_name_qualify(x->v.schema, x->v.name).s, x->v.method == RCR_VINDEX_HNSW ? "hnsw" : "ivfflat",
		rcr_name_qualify(x->v.schema, x->v.table).s, (unsigned long long)x->rows, secs, given, workers, need,
		(uint64_t)kb * 1024 >= x->need ? "fits in memory"
					       : "does not fit (capped by --maintenance-work-mem or a quarter of"
						 " effective_cache_size): built partly on disk, slower");
}

/* Drops from the -L list everything but the vector indexes built after post-data. */
static int not_built_here(long id, const void *ctx)
{
	const restore_ctx *r = ctx;
	for (size_t i = 0; i < r->nvidx; i++)
		if (r->vidx[i].v.dump_id == id)
			return r->vidx[i].concurrent;
	return 1;
}

/* How many builds may run side by side: up to -j of them, when the largest graph's memory
 * times their number stays within the cap (each session gets the largest one's: a setting
 * per pg_restore, not per index). 1: one at a time. */
static int side_by_side(const restore_ctx *r, size_t todo, long long cur_kb, long long cap_kb, long long *kb)
{
	*kb = cur_kb;
	for (size_t i = 0; i < r->nvidx; i++)
		if (!r->vidx[i].concurrent && restore_vindex_kb(&r->vidx[i], cur_kb, cap_kb) > *kb)
			*kb = restore_vindex_kb(&r->vidx[i], cur_kb, cap_kb);
	long long k = r->o->jobs < (int)todo ? r->o->jobs : (long long)todo;
	if (k < 2 || *kb * k > cap_kb)
		return 1;
	return (int)k;
}

/* The builds side by side, each reported with the batch's time (they started together). As
 * one at a time, a run that failed with parallel workers runs again without them. */
static int build_together(restore_ctx *r, int k, long long kb)
{
	int workers = r->o->jobs / k - 1;
	double t0 = rcr_now();
	int rc = run_builds(r, not_built_here, r, k, kb, workers);
	if (rc < 0 && workers > 0 && !rcr_interrupted()) {
		if (!r->o->common.quiet)
			fprintf(stderr, "rcr: vector indexes failed with %d parallel workers (%s); building them again"
					" without them\n",
				workers, rcr_error_message());
		workers = 0;
		t0 = rcr_now();
		rc = run_builds(r, not_built_here, r, k, kb, workers);
	}
	if (rc < 0)
		return rcr_error_wrap(rc, "building %d vector indexes side by side", k);
	for (size_t i = 0; i < r->nvidx; i++)
		if (!r->vidx[i].concurrent)
			restore_vindex_report(r, &r->vidx[i], kb, workers, rcr_now() - t0);
	return 0;
}

int restore_vindex_build_all(restore_ctx *r)
{
	size_t todo = 0;
	for (size_t i = 0; i < r->nvidx; i++)
		todo += !r->vidx[i].concurrent;
	if (todo == 0)
		return 0;
	long long cur_kb = 0, cap_kb = 0, batch_kb = 0;
	int workers = 0;
	RCR_FORWARD(server_limits(r->conn, r->o, &cur_kb, &cap_kb, &workers));
	int k = side_by_side(r, todo, cur_kb, cap_kb, &batch_kb);
	if (k > 1)
		return build_together(r, k, batch_kb);
	for (size_t i = 0; i < r->nvidx && !rcr_interrupted(); i++) {
		restore_vindex *x = &r->vidx[i];
		if (x->concurrent)
			continue;  /* usable.c builds it, after the database is usable */
		long long kb = restore_vindex_kb(x, cur_kb, cap_kb);
		double t0 = rcr_now();
		int rc = build_one(r, x, kb, workers);
		if (rc < 0 && workers > 0 && !rcr_interrupted()) {
			if (!r->o->common.quiet)
				fprintf(stderr, "rcr: vector index %s failed with %d parallel workers (%s); building it"
						" again without them\n",
					rcr_name_qualify(x->v.schema, x->v.name).s, workers, rcr_error_message());
			rc = build_one(r, x, kb, 0);
			workers = 0;
		}
		if (rc < 0)
			return rcr_error_wrap(rc, "building vector index %s", rcr_name_qualify(x->v.schema, x->v.name).s);
		restore_vindex_report(r, x, kb, workers, rcr_now() - t0);
	}
	return 0;
}

void restore_vindex_end(restore_ctx *r)
{
	for (size_t i = 0; i < r->nvidx; i++) {
		free(r->vidx[i].v.column);
		free(r->vidx[i].v.opc_schema);
		free(r->vidx[i].v.opc_name);
	}
	free(r->vidx);
	r->vidx = NULL;
	r->nvidx = 0;
}
