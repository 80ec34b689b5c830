/*
 * dump_locks.c: the locks of `rcr dump` and the guard against concurrent DDL.
 *
 * The leader locks every table it stores ACCESS SHARE, as pg_dump does, so that DDL cannot
 * change a table between the snapshot and its COPY; with the locks held it checks that no
 * table was rewritten or dropped after the snapshot was taken (check_unchanged). Every
 * failure to lock is explained by its SQLSTATE, never by the server's message, whose language
 * follows lc_messages: a lock timeout or a table dropped while the leader waited names the
 * table (rcr_dump_explain_lock_failure), a worker's NOWAIT lock that failed says which DDL is
 * in the way, and a full lock table (53200) names max_locks_per_transaction with the value
 * this dump needs.
 */
#include "dump_int.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SQLSTATEs the dump decides on. */
#define SQLSTATE_OUT_OF_MEMORY "53200"          /* a LOCK that finds the shared lock table full */
#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"     /* NOWAIT, or lock_timeout expired */
#define SQLSTATE_UNDEFINED_TABLE "42P01"        /* LOCK of a table dropped while we waited */
#define SQLSTATE_INVALID_SCHEMA_NAME "3F000"    /* ... with its schema */

static int read_lock_settings(dump_ctx *d)
{
	PGresult *r;
	RCR_FORWARD(rcr_pg_query(&r, d->conn,
				 "SELECT pg_catalog.current_setting('max_locks_per_transaction'),"
				 " pg_catalog.current_setting('max_connections'),"
				 " pg_catalog.current_setting('max_prepared_transactions')"));
	d->max_locks = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	d->max_conns = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	d->max_prepared = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	return 0;
}

/* Lock slots the dump holds at once: the leader's and pg_dump's (one per table each, for the
 * length of the dump) and each worker's current transaction. */
static long locks_needed(const dump_ctx *d)
{
	return 2L * d->m->ntables + (long)d->o->jobs * DUMP_WORKER_LOCKS;
}

/* The lock table's size in slots: max_locks_per_transaction x (max_connections +
 * max_prepared_transactions), shared by every session; only a restart changes it. */
static long lock_slots(const dump_ctx *d)
{
	return d->max_locks * (d->max_conns + d->max_prepared);
}

/* "max_locks_per_transaction = 10 gives room for about 100 (...); the dump holds about 264 at
 * once (...)", and the value to set in hint. */
static void describe_locks(const dump_ctx *d, char *what, size_t what_cap, char *hint, size_t hint_cap)
{
	long need = locks_needed(d);
	long per = d->max_conns + d->max_prepared > 0 ? d->max_conns + d->max_prepared : 1;
	snprintf(what, what_cap,
		 "the dump of %u tables holds about %ld locks at once (one per table for itself and for pg_dump) and"
		 " max_locks_per_transaction = %ld gives room for about %ld (x (max_connections %ld +"
		 " max_prepared_transactions %ld))",
		 d->m->ntables, need, d->max_locks, lock_slots(d), d->max_conns, d->max_prepared);
	snprintf(hint, hint_cap, "set max_locks_per_transaction to at least %ld in postgresql.conf and restart the server",
		 (need + per - 1) / per);
}

/* The server's shared lock table is full (SQLSTATE 53200 on a LOCK): name the setting, its
 * value and what this dump needs. */
static int out_of_locks(const dump_ctx *d, int code, const char *who)
{
	char what[512], hint[160];
	describe_locks(d, what, sizeof what, hint, sizeof hint);
	return rcr_error_set_hint(code, hint, "%s: the server's lock table is full: %s", who, what);
}

/* pg_dump failed and the dump needs more lock slots than the server's lock table is sized
 * for: pg_dump's message does not carry its SQLSTATE, so the numbers decide whether to add
 * what to change (pg_dump's own HINT is not passed on). */
int rcr_dump_explain_tool_failure(const dump_ctx *d, int rc)
{
	if (rc >= 0 || rcr_interrupted() || locks_needed(d) <= lock_slots(d) || rcr_error_hint()[0])
		return rc;
	char msg[1024], what[512], set[160], hint[256];
	snprintf(msg, sizeof msg, "%s", rcr_error_message());
	describe_locks(d, what, sizeof what, set, sizeof set);
	snprintf(hint, sizeof hint, "if the server ran out of shared memory, %s", set);
	return rcr_error_set_hint(rc, hint, "%s (%s)", msg, what);
}

static int is_sqlstate(const PGresult *r, const char *state)
{
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return s && strcmp(s, state) == 0;
}

/* The leader's LOCK TABLE of every table it dumps. A failure keeps its SQLSTATE for
 * rcr_dump_explain_lock_failure. */
static int lock_all(dump_ctx *d, const char *sql)
{
	PGresult *r = PQexec(d->conn, sql);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		if (is_sqlstate(r, SQLSTATE_OUT_OF_MEMORY))
			rc = out_of_locks(d, RCR_E_QUERY, "could not lock the tables");
		else
			rc = rcr_error_set(RCR_E_QUERY, "query failed: %s", rcr_pg_error_line(d->conn));
		rcr_error_set_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE));
	}
	PQclear(r);
	return rc;
}

/* A worker's LOCK + COPY did not start copying: say why, by SQLSTATE. */
int rcr_dump_explain_worker_failure(const dump_ctx *d, PGconn *conn, const PGresult *r)
{
	if (is_sqlstate(r, SQLSTATE_LOCK_NOT_AVAILABLE)) /* from NOWAIT */
		return rcr_error_set_hint(RCR_E_QUERY, DUMP_HINT_DDL_AFTER_LOCK, "a worker could not lock the table: %s",
					  rcr_pg_error_line(conn));
	if (is_sqlstate(r, SQLSTATE_OUT_OF_MEMORY))
		return out_of_locks(d, RCR_E_QUERY, "a worker could not lock the table");
	return rcr_error_set(RCR_E_COPY, "COPY failed: %s", rcr_pg_error_line(conn));
}

/* --- concurrent DDL ---------------------------------------------------------------------- */

/* "{oid,oid,...}" of the stored tables, for an oid[] parameter; NULL when there are none. */
static char *oid_array(const dump_ctx *d)
{
	if (d->m->ntables == 0)
		return NULL;
	size_t cap = (size_t)d->m->ntables * 11 + 3, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[len++] = '{';
	for (uint32_t i = 0; i < d->m->ntables; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%u", i ? "," : "", d->m->tables[i].oid);
	snprintf(s + len, cap - len, "}");
	return s;
}

static const rcr_table *table_by_oid(const dump_ctx *d, const char *oid)
{
	uint32_t o = (uint32_t)strtoul(oid, NULL, 10);
	for (uint32_t i = 0; i < d->m->ntables; i++)
		if (d->m->tables[i].oid == o)
			return &d->m->tables[i];
	return NULL;
}

/*
 * Called with the locks held: did a transaction that committed between the snapshot and the
 * lock rewrite or drop a table? ALTER TABLE forms that rewrite, TRUNCATE, CLUSTER and VACUUM
 * FULL give the table a new file whose rows the snapshot cannot see (TRUNCATE and rewrites are
 * not MVCC-safe), so its COPY would silently return no rows. pg_class as the snapshot saw it
 * is compared with the current catalog (pg_relation_filenode reads the catalog caches, which
 * taking the lock brought up to date); any difference fails the dump, naming the table.
 */
static int check_unchanged(const dump_ctx *d)
{
	char *oids = oid_array(d);
	if (!oids)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	const char *params[1] = {oids};
	PGresult *r = PQexecParams(d->conn,
		"SELECT c.oid, pg_catalog.pg_relation_filenode(c.oid) IS NULL FROM pg_catalog.pg_class c"
		" WHERE c.oid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])"
		" AND c.relfilenode IS DISTINCT FROM pg_catalog.pg_relation_filenode(c.oid) LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	free(oids);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = rcr_error_set(RCR_E_QUERY, "checking the tables for concurrent changes: %s", rcr_pg_error_line(d->conn));
	else if (PQntuples(r) == 1) {
		const rcr_table *t = table_by_oid(d, PQgetvalue(r, 0, 0));
		int dropped = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		rc = rcr_error_set_hint(RCR_E_QUERY, "run the dump again",
					dropped ? "table '%s' was dropped by another session after the dump's snapshot was taken"
						: "table '%s' was rewritten by another session after the dump's snapshot was taken"
						  " (ALTER TABLE, TRUNCATE, CLUSTER or VACUUM FULL): the snapshot cannot see its rows",
					t ? rcr_name_qualify(t->schema, t->name).s : "?");
	}
	PQclear(r);
	return rc;
}


/* The table dropped while the leader waited for its lock (its LOCK then finds no such name),
 * named in the error set; 0 if none is missing now. */
static int name_dropped_table(const dump_ctx *d, const char *oids)
{
	const char *params[1] = {oids};
	PGresult *r = PQexecParams(d->conn,
		"SELECT o FROM unnest($1::pg_catalog.oid[]) AS o WHERE NOT EXISTS"
		" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) o) LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		const rcr_table *t = table_by_oid(d, PQgetvalue(r, 0, 0));
		rc = rcr_error_set_hint(RCR_E_QUERY, "run the dump again",
					"table '%s' was dropped by another session while the dump waited for its lock",
					t ? rcr_name_qualify(t->schema, t->name).s : "?");
	}
	PQclear(r);
	return rc;
}

/* The table whose lock the leader waited for in vain (--lock-wait-timeout), named in the
 * error set with the session that holds or waits for a conflicting lock; 0 if none is found.
 * Only ACCESS EXCLUSIVE conflicts with our ACCESS SHARE, held or queued ahead of us. */
static int name_locked_table(const dump_ctx *d, const char *oids)
{
	const char *params[1] = {oids};
	PGresult *r = PQexecParams(d->conn,
		"SELECT n.nspname, c.relname, l.granted FROM pg_catalog.pg_locks l"
		" JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation"
		" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
		" WHERE l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'"
		" AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() AND c.relkind IN ('r', 'p')"
		" AND l.database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database"
		"   WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
		" AND ($1::pg_catalog.oid[] IS NULL OR l.relation OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[]))"
		" ORDER BY l.granted DESC, 1, 2 LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		rc = rcr_error_set_hint(RCR_E_QUERY,
					"retry when that session's transaction has ended, or wait longer with --lock-wait-timeout",
					"could not lock table '%s' within --lock-wait-timeout=%s: another session %s an"
					" ACCESS EXCLUSIVE lock on it",
					rcr_name_qualify(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)).s,
					d->o->lock_wait_timeout ? d->o->lock_wait_timeout : "",
					strcmp(PQgetvalue(r, 0, 2), "t") == 0 ? "holds" : "is waiting for");
	PQclear(r);
	return rc;
}

/*
 * The leader failed while reading the catalog or locking. A lock timeout (--lock-wait-timeout)
 * or a table dropped while we waited for its lock comes back from the server without a usable
 * name, so look the culprit up and say which table it was. Which of the two it was is decided
 * by the failure's SQLSTATE. Other errors pass unchanged.
 */
int rcr_dump_explain_lock_failure(dump_ctx *d, int rc)
{
	const char *state = rcr_error_sqlstate();
	int timeout = strcmp(state, SQLSTATE_LOCK_NOT_AVAILABLE) == 0;
	int gone = (strcmp(state, SQLSTATE_UNDEFINED_TABLE) == 0 || strcmp(state, SQLSTATE_INVALID_SCHEMA_NAME) == 0) &&
		   d->m->ntables;
	if ((!timeout && !gone) || !d->conn || PQstatus(d->conn) != CONNECTION_OK)
		return rc;
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	PQclear(PQexec(d->conn, "ROLLBACK"));
	char *oids = oid_array(d);
	int named = gone ? name_dropped_table(d, oids) : name_locked_table(d, oids);
	free(oids);
	if (named < 0)
		return named;
	rcr_error_restore(&keep);
	return rc;
}

/* "LOCK TABLE ONLY a, ONLY b, ... IN ACCESS SHARE MODE". */
static int lock_statement(rcr_buf *sql, const dump_ctx *d)
{
	RCR_BUF_LIT(sql, "LOCK TABLE ");
	for (uint32_t i = 0; i < d->m->ntables; i++) {
		char *qn;
		RCR_FORWARD(rcr_pg_qualified_name(&qn, d->conn, d->m->tables[i].schema, d->m->tables[i].name));
		if (i)
			RCR_BUF_LIT(sql, ", ");
		RCR_BUF_LIT(sql, "ONLY ");
		rcr_buf_append_cstr(sql, qn);
		free(qn);
	}
	/* The leader waits (up to --lock-wait-timeout); the workers later must not. */
	RCR_BUF_LIT(sql, " IN ACCESS SHARE MODE");
	return rcr_buf_check(sql);
}

int rcr_dump_lock_tables(dump_ctx *d)
{
	if (d->m->ntables == 0)
		return 0;
	rcr_buf sql = RCR_BUF_INIT;
	int rc = lock_statement(&sql, d);
	if (rc == 0)
		rc = read_lock_settings(d);
	if (rc == 0)
		rc = lock_all(d, rcr_buf_cstr(&sql));
	if (rc == 0)
		rc = check_unchanged(d);
	rcr_buf_free(&sql);
	return rc;
}
