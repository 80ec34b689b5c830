/*
 * report.c: the final line of a failed data phase: the first error, then what it left behind,
 * so that no table keeps part of its rows unsaid.
 *  - -1: nothing was committed (or, the connection lost during COMMIT, nobody knows);
 *  - tables this restore created: the complete ones keep their rows, the others are empty
 *    (the runs that had committed are removed here), or are named as possibly partial when
 *    that fails (the server is gone);
 *  - -a: a table is one transaction, so an incomplete one keeps the rows it had.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <string.h>

/* A table with rows to load whose jobs did not all commit. */
static int incomplete(const table_state *t) { return t->done < t->pieces; }
/* ...and which may hold some of its rows: a job committed, or its COMMIT's outcome is unknown. */
static int partial(const table_state *t) { return incomplete(t) && (t->done > 0 || t->unknown); }

/* The same as picks of manifest table i, for append_tables and restore_truncate_tables. */
static int pick_incomplete(const restore_ctx *r, uint32_t i) { return incomplete(&r->ts[i]); }
static int pick_partial(const restore_ctx *r, uint32_t i) { return partial(&r->ts[i]); }
static int pick_not_loaded(const restore_ctx *r, uint32_t i) { return incomplete(&r->ts[i]) && !r->ts[i].unknown; }
/* A partial table can be emptied unless its rows went through its partition root (only one job,
 * whose COMMIT's outcome is unknown, plan.c): the root routed them among its partitions, where
 * they are no longer told apart from other tables' rows. */
static int pick_emptied(const restore_ctx *r, uint32_t i) { return pick_partial(r, i) && !restore_via_root(&r->m->tables[i]); }
static int pick_kept(const restore_ctx *r, uint32_t i) { return pick_partial(r, i) && restore_via_root(&r->m->tables[i]); }

/* Appends "'s.t', 's.u' and N more" for the tables pick selects; returns how many. */
static uint32_t append_tables(rcr_buf *b, const restore_ctx *r, int (*pick)(const restore_ctx *, uint32_t))
{
	enum { SHOWN = 10 };
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->m->ntables; i++) {
		if (!pick(r, i))
			continue;
		if (n < SHOWN)
			rcr_buf_appendf(b, "%s'%s'", n ? ", " : "",
					rcr_name_qualify(r->m->tables[i].schema, r->m->tables[i].name).s);
		n++;
	}
	if (n > SHOWN)
		rcr_buf_appendf(b, " and %u more", n - SHOWN);
	return n;
}

/*
 * After a failed or interrupted data phase of tables this restore created: empties every table
 * that holds part of its rows (some of its runs committed before the failure), over a session
 * of its own (the workers' are gone or cancelled; this one is not watched, so the interrupt
 * that caused the failure does not cancel the cleanup). No foreign keys exist yet (post-data
 * has not run), so one TRUNCATE ONLY of those tables cannot be refused by one.
 */
static int empty_partial_tables(const restore_ctx *r)
{
	PGconn *conn = NULL;
	int rc = restore_connect_session(&conn, r);
	if (rc == 0)
		rc = restore_truncate_tables(r, conn, pick_emptied);
	PQfinish(conn);
	return rc;
}

/* Tables this restore created: the incomplete ones are emptied, or named as possibly partial. */
static uint32_t tail_fresh_tables(rcr_buf *tail, const restore_ctx *r)
{
	int any_emptied = 0, any_kept = 0;
	for (uint32_t i = 0; i < r->m->ntables; i++) {
		any_emptied |= pick_emptied(r, i);
		any_kept |= pick_kept(r, i);
	}
	int erc = any_emptied ? empty_partial_tables(r) : 0;
	char ebuf[600] = "";
	if (erc < 0)
		snprintf(ebuf, sizeof ebuf, "%s", rcr_error_message());
	RCR_BUF_LIT(tail, "; tables not restored: ");
	uint32_t n = append_tables(tail, r, pick_incomplete);
	if (erc == 0 && !any_kept) {
		RCR_BUF_LIT(tail, " (they hold no rows)");
		return n;
	}
	RCR_BUF_LIT(tail, "; of these, ");
	if (erc < 0) {
		append_tables(tail, r, pick_emptied);
		rcr_buf_appendf(tail, " may hold part of their rows (emptying them failed: %s)", ebuf);
	}
	if (erc < 0 && any_kept)
		RCR_BUF_LIT(tail, ", and ");
	if (any_kept) {
		append_tables(tail, r, pick_kept);
		RCR_BUF_LIT(tail, " may have their rows in their partition roots (the connection was lost during their COMMIT)");
	}
	return n;
}

/* -a: tables that existed before keep the rows they had, unless a COMMIT's outcome is unknown. */
static uint32_t tail_existing_tables(rcr_buf *tail, const restore_ctx *r)
{
	RCR_BUF_LIT(tail, "; tables not loaded (they keep the rows they had): ");
	uint32_t n = append_tables(tail, r, pick_not_loaded);
	uint32_t unknown = 0;
	for (uint32_t i = 0; i < r->m->ntables; i++)
		unknown += r->ts[i].unknown != 0;
	if (unknown) {
		n += unknown;
		RCR_BUF_LIT(tail, "; the connection was lost during the COMMIT of ");
		append_tables(tail, r, pick_partial);
		RCR_BUF_LIT(tail, ", which may hold the archive's rows");
	}
	return n;
}

int restore_report_incomplete(restore_ctx *r, int rc)
{
	rcr_error_snapshot first;
	rcr_error_save(&first);
	rcr_buf tail = RCR_BUF_INIT;
	uint32_t n = 0;
	if (r->o->single_transaction && r->single_committed < 0)
		RCR_BUF_LIT(&tail, "; the connection was lost during COMMIT: whether the tables hold the archive's rows is unknown");
	else if (r->o->single_transaction)
		RCR_BUF_LIT(&tail, "; nothing was committed: every table keeps the rows it had");
	else if (r->fresh_tables)
		n = tail_fresh_tables(&tail, r);
	else
		n = tail_existing_tables(&tail, r);
	if (!r->o->single_transaction && n == 0)
		rcr_buf_reset(&tail);
	const char *t = rcr_buf_cstr(&tail);
	if (!t)
		t = "";
	if (first.hint[0])
		rc = rcr_error_set_hint(rc, first.hint, "%s%s", first.message, t);
	else
		rc = rcr_error_set(rc, "%s%s", first.message, t);
	rcr_buf_free(&tail);
	return rc;
}
