/*
 * target.c: the checks of the target database that run before anything is changed (a data
 * phase into tables the restore would create must find none of them) or loaded (every archive
 * column must take its bytes). Names reach the server only as array parameters, one query for
 * all the tables.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void restore_array_add(rcr_buf *b, const char *s)
{
	if (b->len == 0)
		RCR_BUF_LIT(b, "{\"");
	else
		RCR_BUF_LIT(b, ",\"");
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			RCR_BUF_LIT(b, "\\");
		rcr_buf_append(b, c, 1);
	}
	RCR_BUF_LIT(b, "\"");
}

/* The literal's text: "{" for no element, else its elements and the closing "}". */
static const char *array_text(rcr_buf *b)
{
	if (b->len == 0)
		RCR_BUF_LIT(b, "{");
	RCR_BUF_LIT(b, "}");
	return rcr_buf_cstr(b);
}

int restore_query_arrays(PGresult **out, PGconn *conn, const char *sql, rcr_buf *a, rcr_buf *b, const char *what)
{
	*out = NULL;
	const char *params[2] = {array_text(a), array_text(b)};
	int rc = rcr_buf_check(a);
	if (rc == 0)
		rc = rcr_buf_check(b);
	PGresult *res = rc == 0 ? PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0) : NULL;
	rcr_buf_free(a);
	rcr_buf_free(b);
	if (rc == 0 && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = rcr_error_set(RCR_E_QUERY, "%s: %s", what, rcr_pg_error_line(conn));
	if (rc < 0)
		PQclear(res);
	else
		*out = res;
	return rc;
}

/* Runs sql with the selected tables' schema and table names (targets: the names of the tables
 * their rows load into) as $1 and $2; see restore_query_selected_tables. */
static int query_selected(PGresult **out, PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m,
			  const char *sql, int targets)
{
	*out = NULL;
	rcr_buf schemas = RCR_BUF_INIT, names = RCR_BUF_INIT;
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		if (!restore_selected(o, t))
			continue;
		const char *schema = t->schema, *name = t->name;
		if (targets)
			restore_load_target(t, &schema, &name);
		restore_array_add(&schemas, schema);
		restore_array_add(&names, name);
	}
	if (schemas.len == 0 && !rcr_buf_broken(&schemas)) {
		rcr_buf_free(&names);
		return 0;
	}
	return restore_query_arrays(out, conn, sql, &schemas, &names, "checking the target database");
}

/*
 * Runs sql with the selected tables' schema names as $1 and table names as $2 (text arrays in
 * manifest order, so WITH ORDINALITY numbers them from 1 in the order restore_selected() walks
 * the manifest): one query whatever the number of tables, names never spliced into SQL.
 * *out is NULL when no table is selected.
 */
int restore_query_selected_tables(PGresult **out, PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m,
				  const char *sql)
{
	return query_selected(out, conn, o, m, sql, 0);
}

/* A type as the server spells it (format_type: "real", "vector(768)"), from its schema, name
 * and typmod; "schema.name" when the target has no such type. *out owned by the caller. */
static char *archive_type_text(PGconn *conn, const rcr_column *c)
{
	char typmod[16];
	snprintf(typmod, sizeof typmod, "%d", (int)c->typmod);
	const char *params[3] = {c->type_schema, c->type_name, typmod};
	PGresult *res = PQexecParams(conn,
		"SELECT pg_catalog.format_type(t.oid, $3::int) FROM pg_catalog.pg_type t"
		" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace"
		" WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND t.typname OPERATOR(pg_catalog.=) $2",
		3, NULL, params, NULL, NULL, 0);
	char buf[2 * RCR_MAX_NAME + 32];
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		snprintf(buf, sizeof buf, "%s", PQgetvalue(res, 0, 0));
	else if (c->typmod >= 0)
		snprintf(buf, sizeof buf, "%s (typmod %d)", rcr_name_qualify(c->type_schema, c->type_name).s,
			 (int)c->typmod);
	else
		snprintf(buf, sizeof buf, "%s", rcr_name_qualify(c->type_schema, c->type_name).s);
	PQclear(res);
	return strdup(buf);
}

/* The target's stored columns of every selected table, by the selected tables' order (1-based
 * u.o; a table the target lacks gives one row with "missing" true), each with its type resolved
 * through domains to the base type as the dump records it (binary COPY sends the base type's
 * bytes), atttypmod, the type as the server prints it, and whether it is generated. */
static const char target_columns_sql[] =
	"WITH RECURSIVE base(oid, root) AS ("
	"  SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.typtype OPERATOR(pg_catalog.<>) 'd'"
	"  UNION ALL SELECT d.oid, b.root FROM pg_catalog.pg_type d JOIN base b ON d.typbasetype OPERATOR(pg_catalog.=) b.oid"
	"   WHERE d.typtype OPERATOR(pg_catalog.=) 'd')"
	" SELECT u.o, c.oid IS NULL, a.attname, tn.nspname, bt.typname, a.atttypmod,"
	"  pg_catalog.format_type(a.atttypid, a.atttypmod), a.attgenerated OPERATOR(pg_catalog.<>) ''"
	" FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, o)"
	" LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace)"
	"  ON ns.nspname OPERATOR(pg_catalog.=) u.s AND c.relname OPERATOR(pg_catalog.=) u.n"
	" LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid"
	"  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
	" LEFT JOIN base ON base.oid OPERATOR(pg_catalog.=) a.atttypid"
	" LEFT JOIN pg_catalog.pg_type bt ON bt.oid OPERATOR(pg_catalog.=) base.root"
	" LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) bt.typnamespace"
	" ORDER BY u.o, a.attnum";

/* How the messages below name the table that t's rows load into: "'s.t'", or for a partition
 * that loads through its root "'s.root' (the partition root that 's.t' loads through)". */
static rcr_shown target_shown(const rcr_table *t)
{
	const char *schema, *name;
	restore_load_target(t, &schema, &name);
	rcr_shown into = rcr_name_qualify(schema, name), out;
	if (restore_via_root(t))
		snprintf(out.s, sizeof out.s, "'%.480s' (the partition root that '%.480s' loads through)", into.s,
			 rcr_name_qualify(t->schema, t->name).s);
	else
		snprintf(out.s, sizeof out.s, "'%.1020s'", into.s);
	return out;
}

/* Checks one archive column against the target's rows [lo, hi) of its table, `shown`. */
static int check_column(PGconn *conn, PGresult *res, int lo, int hi, const char *shown, const rcr_column *c)
{
	int j = lo;
	while (j < hi && strcmp(PQgetvalue(res, j, 2), c->name) != 0)
		j++;
	if (j == hi)
		return rcr_error_set(RCR_E_TARGET, "table %s in the target database has no column '%s', which the archive holds;"
				     " nothing was loaded", shown, c->name);
	if (strcmp(PQgetvalue(res, j, 7), "t") == 0)
		return rcr_error_set(RCR_E_TARGET, "column '%s' of table %s is a generated column in the target database"
				     " and cannot be loaded; nothing was loaded", c->name, shown);
	if (strcmp(PQgetvalue(res, j, 3), c->type_schema) == 0 && strcmp(PQgetvalue(res, j, 4), c->type_name) == 0 &&
	    strtol(PQgetvalue(res, j, 5), NULL, 10) == c->typmod)
		return 0;
	char *archive_type = archive_type_text(conn, c);
	int rc = rcr_error_set(RCR_E_TARGET, "column '%s' of table %s is '%s' in the archive but '%s' in the target"
			       " database; nothing was loaded", c->name, shown,
			       archive_type ? archive_type : c->type_name, PQgetvalue(res, j, 6));
	free(archive_type);
	return rc;
}

/*
 * Binary COPY checks only that each value's length fits its type, so bytes of another type of
 * the same width load as garbage (a real into an int, a timestamptz into a bigint, text into
 * bytea). Before any row is sent, every archive column must exist in the table the rows load
 * into (the table itself, or its partition root), not be generated there, and have the same
 * base type and typmod. Column order may differ and the target may have more columns: COPY
 * names the columns it loads, and the others get their defaults, as with pg_restore.
 */
int restore_check_target_columns(PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m)
{
	PGresult *res = NULL;
	int rc = query_selected(&res, conn, o, m, target_columns_sql, 1);
	int nrows = res ? PQntuples(res) : 0, j = 0;
	long ord = 0;
	for (uint32_t i = 0; i < m->ntables && rc == 0 && res; i++) {
		const rcr_table *t = &m->tables[i];
		if (!restore_selected(o, t))
			continue;
		ord++;
		int lo = j;
		while (j < nrows && strtol(PQgetvalue(res, j, 0), NULL, 10) == ord)
			j++;
		rcr_shown shown = target_shown(t);
		if (lo == j || strcmp(PQgetvalue(res, lo, 1), "t") == 0) {
			rc = rcr_error_set_hint(RCR_E_TARGET, "restore without -a/--data-only to create the tables, or select"
							      " the tables to load with -t/-n",
						"table %s does not exist in the target database; nothing was loaded", shown.s);
			break;
		}
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
			rc = check_column(conn, res, lo, j, shown.s, &t->cols[c]);
	}
	PQclear(res);
	return rc;
}

/*
 * Refuses a target that already has a table the restore would create: pre-data would fail on
 * its CREATE TABLE half-way through the schema, and loading next to existing rows would mix
 * two databases. Runs before anything is changed, so a refusal leaves the target as it was.
 * One query for all the tables, then one probe of the first clash for rows, to say which case
 * the user is in.
 */
int restore_check_target_empty(PGconn *conn, const rcr_restore_opts *o, const rcr_manifest *m)
{
	PGresult *res = NULL;
	int rc = restore_query_selected_tables(&res, conn, o, m,
		"SELECT u.s, u.n, pg_catalog.quote_ident(u.s) || '.' || pg_catalog.quote_ident(u.n)"
		" FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, o)"
		" WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns"
		" ON ns.oid = c.relnamespace WHERE ns.nspname = u.s AND c.relname = u.n) ORDER BY u.o");
	if (rc < 0 || !res)
		return rc;
	int clashes = PQntuples(res);
	if (clashes == 0) {
		PQclear(res);
		return 0;
	}
	/* Rows or not: a table we cannot read (permissions, a relation that is not a table) is
	 * reported as existing, which is refusal enough. */
	char sql[8400];
	snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s)", PQgetvalue(res, 0, 2));
	PGresult *rows = PQexec(conn, sql);
	int has_rows = PQresultStatus(rows) == PGRES_TUPLES_OK && PQntuples(rows) == 1 &&
		       strcmp(PQgetvalue(rows, 0, 0), "t") == 0;
	PQclear(rows);
	char more[64] = "";
	if (clashes > 1)
		snprintf(more, sizeof more, " (and %d more of the archive's tables)", clashes - 1);
	rc = rcr_error_set_hint(RCR_E_TARGET,
				"use --clean (with --if-exists) to drop and recreate the archive's objects, or"
				" --data-only to append rows to the existing tables",
				"table '%s' already exists in the target database%s%s; nothing was restored",
				rcr_name_qualify(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)).s, has_rows ? " and has rows" : "",
				more);
	PQclear(res);
	return rc;
}
