/*
 * usable.c: usable first, indexes after (issue 14, item 3; --usable-first).
 *
 * A restore's data is loaded long before its vector indexes are built: an HNSW build can be
 * most of a restore. In this mode post-data runs without the vector indexes that rcr can build
 * itself (the simple form of vindex.h) and without what depends on them: the primary keys,
 * unique and foreign-key constraints, the other indexes and triggers are in place when restore
 * reports the database usable, with the time. Then each of those vector indexes is built with
 * CREATE INDEX CONCURRENTLY, so the application can read and write while it builds, largest
 * first, sized as vindex.c sizes it, its progress read from pg_stat_progress_create_index.
 * The statement is rcr's own, made of the parsed names quoted for this connection, never the
 * archive's text. A concurrent build that fails leaves an invalid index behind: restore drops
 * it (DROP INDEX CONCURRENTLY), goes on with the others and fails at the end naming it. What
 * depended on the indexes (a comment on one) follows through pg_restore.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deferred: a simple vector index (built concurrently), or an entry that depends on one. */
int restore_usable_deferred(long id, const void *ctx)
{
	const restore_ctx *r = ctx;
	int any = 0;
	for (size_t i = 0; i < r->nvidx; i++) {
		if (r->vidx[i].concurrent && r->vidx[i].v.dump_id == id)
			return 1;
		any |= r->vidx[i].concurrent;
	}
	/* Without --usable-first nothing is deferred: no walk over the toc for every list line. */
	for (int i = 0; any && r->toc && i < r->toc->nentries; i++) {
		const rcr_toc_entry *e = &r->toc->entries[i];
		if (e->dump_id != id)
			continue;
		for (int d = 0; d < e->ndeps; d++)
			for (size_t k = 0; k < r->nvidx; k++)
				if (r->vidx[k].concurrent && atoi(e->deps[d]) == r->vidx[k].v.dump_id)
					return 1;
	}
	return 0;
}

/* Out of the usable phase: every vector index (the others are built right after it, sized),
 * and what depends on the concurrent ones. */
int restore_usable_excluded(long id, const void *ctx)
{
	return restore_vindex_excluded(id, ctx) || restore_usable_deferred(id, ctx);
}

/* The entries that depend on the concurrent builds, for their own pg_restore run. */
static int not_dependent(long id, const void *ctx)
{
	const restore_ctx *r = ctx;
	if (!restore_usable_deferred(id, ctx))
		return 1;
	for (size_t i = 0; i < r->nvidx; i++)
		if (r->vidx[i].v.dump_id == id)
			return 1;  /* the index itself: built by rcr */
	return 0;
}

void restore_usable_mark(restore_ctx *r)
{
	for (size_t i = 0; i < r->nvidx; i++)
		r->vidx[i].concurrent = r->o->usable_first && r->vidx[i].v.simple;
}

static char *quote_for(const char *ident, void *conn)
{
	char *q = NULL;
	return rcr_pg_quote_ident(&q, conn, ident) == 0 ? q : NULL;
}

/* One line of pg_stat_progress_create_index for the build on backend pid, if it changed. */
static void show_progress(restore_ctx *r, const restore_vindex *x, int pid, char *last, size_t cap)
{
	char p[16];
	snprintf(p, sizeof p, "%d", pid);
	const char *params[1] = {p};
	PGresult *res = PQexecParams(r->conn,
		"SELECT phase, tuples_done, tuples_total, blocks_done, blocks_total"
		" FROM pg_catalog.pg_stat_progress_create_index WHERE pid OPERATOR(pg_catalog.=) $1::int",
		1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		char line[1200];
		long long td = atoll(PQgetvalue(res, 0, 1)), tt = atoll(PQgetvalue(res, 0, 2));
		long long bd = atoll(PQgetvalue(res, 0, 3)), bt = atoll(PQgetvalue(res, 0, 4));
		long long pct = tt > 0 ? td * 100 / tt : bt > 0 ? bd * 100 / bt : -1;
		snprintf(line, sizeof line, "%s", rcr_text_escape(PQgetvalue(res, 0, 0)).s);
		if (pct >= 0)
			snprintf(line + strlen(line), sizeof line - strlen(line), ", %lld%%", pct);
		if (strcmp(line, last) != 0 && !r->o->common.quiet)
			fprintf(stderr, "rcr: index %s: %s\n", rcr_name_qualify(x->v.schema, x->v.name).s, line);
		snprintf(last, cap, "%s", line);
	}
	PQclear(res);
}

/* Waits for the build's result on c, showing progress every 2 s; an interrupt cancels it. */
static int wait_build(restore_ctx *r, PGconn *c, const restore_vindex *x)
{
	char last[1200] = "";
	int pid = PQbackendPID(c);
	while (PQisBusy(c)) {
		struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
		int n = poll(&pfd, 1, 2000);
		if (n > 0 && !PQconsumeInput(c))
			break;
		if (n == 0)
			show_progress(r, x, pid, last, sizeof last);
	}
	int rc = 0;
	PGresult *res;
	while ((res = PQgetResult(c)) != NULL) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = rcr_error_set(RCR_E_QUERY, "%s", rcr_pg_error_line(c));
			rcr_error_set_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
		}
		PQclear(res);
	}
	return rc;
}

/* After a failed concurrent build: its invalid index dropped, never a valid one (an index of
 * that name that was there before is not ours). */
static void drop_invalid(PGconn *c, const restore_vindex *x)
{
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	const char *params[2] = {x->v.schema, x->v.name};
	PGresult *res = PQexecParams(c,
		"SELECT pg_catalog.format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', n.nspname, i.relname)"
		" FROM pg_catalog.pg_class i JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) i.relnamespace"
		" JOIN pg_catalog.pg_index x ON x.indexrelid OPERATOR(pg_catalog.=) i.oid"
		" WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND i.relname OPERATOR(pg_catalog.=) $2 AND NOT x.indisvalid",
		2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		(void)rcr_pg_exec(c, PQgetvalue(res, 0, 0));
	PQclear(res);
	rcr_error_restore(&keep);
}

/* One concurrent build on a connection of its own, with its memory and workers. */
static int build_concurrently(restore_ctx *r, const restore_vindex *x, long long kb, int workers)
{
	PGconn *c = NULL;
	int rc = rcr_pg_connect(&c, &r->o->conn, "rcr restore index");
	if (rc == 0)
		rc = rcr_pg_set_client_encoding(c, rcr_manifest_get_meta(r->m, "encoding"));
	rcr_buf sql = RCR_BUF_INIT;
	if (rc == 0) {
		rcr_buf_appendf(&sql, "SET maintenance_work_mem = '%lldkB'", kb);
		rc = rcr_buf_check(&sql) == 0 ? rcr_pg_exec(c, rcr_buf_cstr(&sql)) : rcr_buf_check(&sql);
		rcr_buf_reset(&sql);
	}
	if (rc == 0) {
		rcr_buf_appendf(&sql, "SET max_parallel_maintenance_workers = %d", workers);
		rc = rcr_buf_check(&sql) == 0 ? rcr_pg_exec(c, rcr_buf_cstr(&sql)) : rcr_buf_check(&sql);
		rcr_buf_reset(&sql);
	}
	if (rc == 0)
		rc = rcr_vindex_concurrent_sql(&sql, &x->v, quote_for, c);
	int slot = c ? rcr_interrupt_watch(c) : -1;
	if (rc == 0 && !PQsendQuery(c, rcr_buf_cstr(&sql)))
		rc = rcr_error_set(RCR_E_QUERY, "%s", rcr_pg_error_line(c));
	if (rc == 0)
		rc = wait_build(r, c, x);
	rcr_interrupt_forget(slot);
	if (rc < 0 && c && PQstatus(c) == CONNECTION_OK)
		drop_invalid(c, x);
	rcr_buf_free(&sql);
	PQfinish(c);
	return rc;
}

int restore_usable_build(restore_ctx *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nvidx; i++)
		n += r->vidx[i].concurrent ? 1u : 0u;
	if (!r->o->common.quiet)
		fprintf(stderr, "rcr: usable after %.2f s: data, primary keys, unique and foreign-key constraints and"
				" the other indexes are in place; building %zu vector index%s concurrently\n",
			rcr_now() - r->t0, n, n == 1 ? "" : "es");
	if (n == 0)
		return 0;
	long long cur_kb = 0, cap_kb = 0;
	int workers = 0;
	RCR_FORWARD(restore_vindex_limits(r, &cur_kb, &cap_kb, &workers));
	int first_rc = 0;
	char failed[4096] = "";
	for (size_t i = 0; i < r->nvidx && !rcr_interrupted(); i++) {
		const restore_vindex *x = &r->vidx[i];
		if (!x->concurrent)
			continue;
		long long kb = restore_vindex_kb(x, cur_kb, cap_kb);
		double t0 = rcr_now();
		int rc = build_concurrently(r, x, kb, workers);
		if (rc == 0) {
			restore_vindex_report(r, x, kb, workers, rcr_now() - t0);
			continue;
		}
		if (!r->o->common.quiet)
			fprintf(stderr, "rcr: concurrent build of index %s failed: %s; no invalid index of it is left\n",
				rcr_name_qualify(x->v.schema, x->v.name).s, rcr_error_message());
		if (first_rc == 0)
			first_rc = rc;
		size_t used = strlen(failed);
		snprintf(failed + used, sizeof failed - used, "%s%s", used ? ", " : "",
			 rcr_name_qualify(x->v.schema, x->v.name).s);
	}
	if (first_rc < 0)
		return rcr_error_set(first_rc, "the database is usable, but these vector indexes could not be built: %s",
				     failed);
	/* What depends on them (a comment on one), through pg_restore. */
	char *list = NULL;
	int rc = rcr_interrupted() ? 0 : restore_write_list(&list, r, not_dependent, r);
	if (rc == 0 && list)
		rc = restore_run_post_data_list(r, r->conninfo, list, 1);
	restore_close_list(list);
	return rc;
}
