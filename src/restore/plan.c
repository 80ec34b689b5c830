/*
 * plan.c: the data phase's work. The jobs (runs of row groups, largest first), the pre-check
 * of the frames of split tables, and with -a the order the target's foreign keys impose.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdlib.h>
#include <string.h>

static int cmp_job_weight(const void *a, const void *b)
{
	const restore_job *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->rg_lo < y->rg_lo ? -1 : x->rg_lo > y->rg_lo;
}

/* The raw bytes a job aims at: a few per connection, so the big tables keep every connection
 * busy; a table that existed before the restore is never split (UINT64_MAX). */
static uint64_t piece_bytes(const restore_ctx *r)
{
	if (!r->fresh_tables)
		return UINT64_MAX;
	uint64_t piece = r->o->piece_bytes;
	if (piece)
		return piece;
	uint64_t total = 0;
	for (uint32_t i = 0; i < r->m->ntables; i++)
		if (restore_selected(r->o, &r->m->tables[i]))
			total += r->m->tables[i].raw_bytes;
	piece = total / ((uint64_t)r->o->jobs * 4);
	return piece < ((uint64_t)32 << 20) ? (uint64_t)32 << 20 : piece;
}

int restore_via_root(const rcr_table *t)
{
	return (t->flags & RCR_TABLE_VIA_ROOT) != 0;
}

void restore_load_target(const rcr_table *t, const char **schema, const char **name)
{
	*schema = restore_via_root(t) ? t->root_schema : t->schema;
	*name = restore_via_root(t) ? t->root_name : t->name;
}

/* Appends table i's jobs: runs of row groups of about `piece` raw bytes. A table that loads
 * through its partition root is one job: should a run of it commit and the restore then fail,
 * its rows could not be removed again (report.c), as the root routes them to any of its
 * partitions, among other tables' rows. */
static void plan_table(restore_ctx *r, uint32_t i, uint64_t piece)
{
	const rcr_table *t = &r->m->tables[i];
	if (restore_via_root(t))
		piece = UINT64_MAX;
	uint32_t g = 0;
	while (g < t->nrgs) {
		restore_job *j = &r->jobs[r->njobs++];
		j->table = i;
		j->rg_lo = g;
		uint64_t raw = 0;
		while (g < t->nrgs && (raw == 0 || raw < piece)) {
			for (uint32_t c = 0; c < t->ncols; c++)
				raw += t->rgs[g].frames[c].raw_size;
			if (t->ncols == 0)
				raw = 1;
			j->rows += rcr_row_group_live(&t->rgs[g]);
			g++;
		}
		j->rg_hi = g;
		j->weight = raw;
		j->last = g == t->nrgs;
		j->whole = j->rg_lo == 0 && j->last;
		r->ts[i].pieces++;
	}
}

/*
 * Orders the work largest first. A table this restore creates (r->fresh_tables) is split into
 * runs of row groups, each committed on its own: should the restore fail, the runs that
 * committed are removed again (report.c), the table being this restore's own. A table that
 * existed before (-a) is loaded in one job, one transaction, so that a failure rolls back its
 * rows and leaves it as it was; the parallelism is then across tables.
 */
int restore_plan_jobs(restore_ctx *r)
{
	const rcr_manifest *m = r->m;
	uint64_t piece = piece_bytes(r);
	uint32_t cap = 0;
	for (uint32_t i = 0; i < m->ntables; i++)
		cap += m->tables[i].nrgs;
	r->jobs = calloc(cap + 1, sizeof *r->jobs);
	r->ts = calloc(m->ntables + 1, sizeof *r->ts);
	if (!r->jobs || !r->ts)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntables; i++) {
		if (!restore_selected(r->o, &m->tables[i]) || m->tables[i].row_count == 0)
			continue;
		r->ntables++;
		plan_table(r, i, piece);
	}
	qsort(r->jobs, r->njobs, sizeof *r->jobs, cmp_job_weight);
	return 0;
}

/* Checks every frame of table ti: header against the manifest, stored bytes against their
 * checksum. */
static int precheck_table(const restore_ctx *r, uint32_t ti, rcr_buf *scratch)
{
	const rcr_table *t = &r->m->tables[ti];
	table_files tf;
	int rc = restore_table_files_open(&tf, r->o->archive, t);
	if (rc < 0)
		return rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(t->schema, t->name).s);
	for (uint32_t g = 0; g < t->nrgs && rc == 0; g++) {
		const rcr_row_group *rg = &t->rgs[g];
		if (rcr_interrupted())
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
		if (rc == 0)
			rc = rcr_archive_check_skip(r->m, ti, g);
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
			rc = rcr_archive_check_frame_stored(scratch, tf.fds[rg->file], tf.sizes[rg->file], tf.paths[rg->file],
							    r->m, ti, g, c);
	}
	restore_table_files_close(&tf);
	return rc;
}

/*
 * A table loaded by one job is all or nothing: its COPY runs in one transaction that any bad
 * frame rolls back. A table split over several jobs is not: a job that finished first has
 * committed by the time a later one meets a damaged frame, and those rows are then removed
 * again (report.c). To spare that load and removal in the common case of damage, before the
 * database is touched every frame of a split table has its header checked against the
 * manifest and its stored bytes against their checksum (hashing only, no decompression: a
 * fraction of the load time); a forged frame whose decoded bytes fail Raw_Hash is found only
 * while loading.
 */
int restore_precheck_split_tables(restore_ctx *r)
{
	uint8_t *split = calloc(r->m->ntables + 1, 1);
	if (!split)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < r->njobs; i++)
		if (!r->jobs[i].whole)
			split[r->jobs[i].table] = 1;
	rcr_buf scratch = RCR_BUF_INIT;
	int rc = 0;
	for (uint32_t ti = 0; ti < r->m->ntables && rc == 0; ti++)
		if (split[ti])
			rc = precheck_table(r, ti, &scratch);
	rcr_buf_free(&scratch);
	free(split);
	return rc;
}

/* The foreign keys among the selected tables in the target, as (referencing, referenced)
 * pairs of selected-table ordinals (restore_query_selected_tables' u.o), self-references left
 * out. */
static const char foreign_keys_sql[] =
	"WITH sel AS (SELECT u.o, c.oid FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, o)"
	"  JOIN pg_catalog.pg_namespace ns ON ns.nspname OPERATOR(pg_catalog.=) u.s"
	"  JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) ns.oid AND c.relname OPERATOR(pg_catalog.=) u.n)"
	" SELECT DISTINCT ch.o, pa.o FROM pg_catalog.pg_constraint k"
	" JOIN sel ch ON ch.oid OPERATOR(pg_catalog.=) k.conrelid JOIN sel pa ON pa.oid OPERATOR(pg_catalog.=) k.confrelid"
	" WHERE k.contype OPERATOR(pg_catalog.=) 'f' AND ch.o OPERATOR(pg_catalog.<>) pa.o ORDER BY 1, 2";

/* Depth-first walk up the referenced tables; finds a cycle among tables that have rows to
 * load (a table without rows is complete from the start and blocks nobody). */
static int find_cycle(const restore_ctx *r, uint8_t *state, uint32_t t, uint32_t *a, uint32_t *b)
{
	state[t] = 1;
	for (uint32_t k = r->ts[t].parent_lo; k < r->ts[t].parent_hi; k++) {
		uint32_t p = r->parents[k];
		if (r->ts[p].pieces == 0 || state[p] == 2)
			continue;
		if (state[p] == 1 || find_cycle(r, state, p, a, b)) {
			if (state[p] == 1) {
				*a = t;
				*b = p;
			}
			return 1;
		}
	}
	state[t] = 2;
	return 0;
}

/* Records the pairs of foreign_keys_sql as each table's parents (r->parents, r->ts). */
static int record_parents(restore_ctx *r, const PGresult *res)
{
	const rcr_manifest *m = r->m;
	int n = PQntuples(res);
	uint32_t *sel = calloc(m->ntables + 1, sizeof *sel), nsel = 0;
	r->parents = calloc((size_t)n + 1, sizeof *r->parents);
	if (!sel || !r->parents) {
		free(sel);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < m->ntables; i++)
		if (restore_selected(r->o, &m->tables[i]))
			sel[nsel++] = i;
	for (int j = 0; j < n; j++) {
		unsigned long ch = strtoul(PQgetvalue(res, j, 0), NULL, 10), pa = strtoul(PQgetvalue(res, j, 1), NULL, 10);
		if (ch < 1 || ch > nsel || pa < 1 || pa > nsel)
			continue;
		table_state *t = &r->ts[sel[ch - 1]];
		if (t->parent_hi == 0)
			t->parent_lo = t->parent_hi = (uint32_t)j;
		r->parents[t->parent_hi++] = sel[pa - 1];
	}
	free(sel);
	return 0;
}

/* Refuses tables that reference each other in a cycle, naming two of them. */
static int refuse_cycles(const restore_ctx *r)
{
	const rcr_manifest *m = r->m;
	uint8_t *state = calloc(m->ntables + 1, 1);
	if (!state)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	uint32_t a = 0, b = 0;
	int cycle = 0;
	for (uint32_t i = 0; i < m->ntables && !cycle; i++)
		if (r->ts[i].pieces && !state[i])
			cycle = find_cycle(r, state, i, &a, &b);
	free(state);
	if (!cycle)
		return 0;
	return rcr_error_set_hint(RCR_E_TARGET, "load them with --disable-triggers, which leaves foreign keys unchecked while loading",
				  "tables '%s' and '%s' are in a cycle of foreign keys, so neither can be loaded"
				  " before the other; nothing was loaded",
				  rcr_name_qualify(m->tables[a].schema, m->tables[a].name).s,
				  rcr_name_qualify(m->tables[b].schema, m->tables[b].name).s);
}

/*
 * -a without --disable-triggers: the target's foreign keys are checked as rows arrive, so a
 * table may load only after the tables it references have committed (load.c's next_job). A
 * table that references itself loads in one COPY, whose foreign key checks run at its end: no
 * ordering needed. Tables that reference each other in a cycle cannot be ordered: refused
 * before anything is loaded (--disable-triggers loads them, as with pg_restore).
 */
int restore_plan_order(restore_ctx *r, PGconn *conn)
{
	PGresult *res = NULL;
	int rc = restore_query_selected_tables(&res, conn, r->o, r->m, foreign_keys_sql);
	if (rc == 0 && res)
		rc = record_parents(r, res);
	PQclear(res);
	return rc == 0 ? refuse_cycles(r) : rc;
}
