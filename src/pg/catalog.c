/* catalog.c: which tables a dump stores, and their columns (see pg.h). */
#include "rcr/pg.h"
#include "rcr/buf.h"
#include "rcr/err.h"

#include <stdlib.h>
#include <string.h>

static int append_sql(rcr_buf *b, const char *s) { return rcr_buf_append(b, s, strlen(s)); }

static int append_literal(rcr_buf *b, PGconn *conn, const char *s)
{
	char *lit = PQescapeLiteral(conn, s, strlen(s));
	if (!lit)
		return rcr_error_set(RCR_E_QUERY, "could not quote a literal: %s", rcr_pg_error_line(conn));
	int rc = append_sql(b, lit);
	PQfreemem(lit);
	return rc;
}

/* Appends "(cond OR cond ...)" matching any of the patterns, as pg_dump's
 * expand_*_name_patterns would: unqualified table patterns match visible tables only. */
static int append_pattern_match(rcr_buf *b, PGconn *conn, const rcr_strlist *pats, int schema_only)
{
	RCR_FORWARD(append_sql(b, "("));
	for (int i = 0; i < pats->n; i++) {
		char *sre, *nre;
		RCR_FORWARD(rcr_pattern_to_regex(&sre, &nre, pats->items[i], schema_only));
		int rc = append_sql(b, i ? " OR (" : "(");
		if (schema_only) {
			rc |= append_sql(b, "n.nspname OPERATOR(pg_catalog.~) ");
			rc |= append_literal(b, conn, sre);
			rc |= append_sql(b, " COLLATE pg_catalog.default");
		} else {
			if (sre) {
				rc |= append_sql(b, "n.nspname OPERATOR(pg_catalog.~) ");
				rc |= append_literal(b, conn, sre);
				rc |= append_sql(b, " COLLATE pg_catalog.default AND ");
			} else
				rc |= append_sql(b, "pg_catalog.pg_table_is_visible(c.oid) AND ");
			rc |= append_sql(b, "c.relname OPERATOR(pg_catalog.~) ");
			rc |= append_literal(b, conn, nre);
			rc |= append_sql(b, " COLLATE pg_catalog.default");
		}
		rc |= append_sql(b, ")");
		free(sre);
		free(nre);
		if (rc)
			return rc < 0 ? rc : rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	return append_sql(b, ")");
}

/* The first index in sorted v[0..n) whose value is >= key (n if none). */
static int lower_bound(const uint32_t *v, int n, uint32_t key)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static char *dup_value(PGresult *r, int row, int col)
{
	return strdup(PQgetvalue(r, row, col));
}

int rcr_catalog_load(rcr_catalog **out, PGconn *conn, const rcr_table_filter *f)
{
	*out = NULL;
	rcr_buf q = RCR_BUF_INIT;
	int rc = append_sql(&q,
		"SELECT c.oid, n.nspname, c.relname, c.relkind,"
		" (pg_catalog.pg_relation_size(c.oid) + GREATEST(COALESCE(tc.relpages, 0), 0)::bigint * pg_catalog.current_setting('block_size')::int)::bigint,"
		" (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int)::bigint"
		" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
		/* The TOAST table's size as VACUUM last counted it: measuring it would lock it and its
		 * index, two more lock slots per table for the length of the dump. It only weighs the
		 * table for scheduling and progress. */
		" LEFT JOIN pg_catalog.pg_class tc ON tc.oid OPERATOR(pg_catalog.=) c.reltoastrelid"
		" WHERE c.relkind OPERATOR(pg_catalog.=) 'r' AND c.relpersistence OPERATOR(pg_catalog.<>) 't'"
		" AND n.nspname OPERATOR(pg_catalog.!~) '^pg_' AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'"
		" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
		"   AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e')");
	/* pg_dump: -t selects tables and makes -n/-N irrelevant; -T always excludes. */
	if (rc == 0 && f->tables.n) {
		rc = append_sql(&q, " AND ");
		if (rc == 0)
			rc = append_pattern_match(&q, conn, &f->tables, 0);
	} else if (rc == 0) {
		if (f->schemas.n) {
			rc = append_sql(&q, " AND ");
			if (rc == 0)
				rc = append_pattern_match(&q, conn, &f->schemas, 1);
		}
		if (rc == 0 && f->exclude_schemas.n) {
			rc = append_sql(&q, " AND NOT ");
			if (rc == 0)
				rc = append_pattern_match(&q, conn, &f->exclude_schemas, 1);
		}
	}
	if (rc == 0 && f->exclude_tables.n) {
		rc = append_sql(&q, " AND NOT ");
		if (rc == 0)
			rc = append_pattern_match(&q, conn, &f->exclude_tables, 0);
	}
	if (rc == 0)
		rc = append_sql(&q, " ORDER BY 5 DESC, 2, 3");
	if (rc == 0)
		rc = rcr_buf_append_u8(&q, 0);
	if (rc < 0) {
		rcr_buf_free(&q);
		return rc;
	}
	/* Unqualified table patterns match tables visible on the user's own search_path, which the
	 * session has emptied for safety: pg_dump resets it around this one query, and so do we. */
	PGresult *tr = NULL;
	rc = rcr_pg_exec(conn, "RESET search_path");
	if (rc == 0)
		rc = rcr_pg_query(&tr, conn, (const char *)q.data);
	if (rc == 0)
		rc = rcr_pg_exec(conn, "SELECT pg_catalog.set_config('search_path', '', false)");
	rcr_buf_free(&q);
	if (rc < 0)
		PQclear(tr);
	if (rc < 0)
		return rcr_error_wrap(rc, "listing tables");

	rcr_catalog *cat = calloc(1, sizeof *cat);
	int n = PQntuples(tr);
	if (!cat || !(cat->tables = calloc((size_t)n + 1, sizeof *cat->tables))) {
		free(cat);
		PQclear(tr);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	cat->ntables = n;
	for (int i = 0; i < n; i++) {
		rcr_cat_table *t = &cat->tables[i];
		t->oid = (uint32_t)strtoul(PQgetvalue(tr, i, 0), NULL, 10);
		t->schema = dup_value(tr, i, 1);
		t->name = dup_value(tr, i, 2);
		t->relkind = PQgetvalue(tr, i, 3)[0];
		t->bytes = strtoull(PQgetvalue(tr, i, 4), NULL, 10);
		t->heap_pages = strtoull(PQgetvalue(tr, i, 5), NULL, 10);
		if (!t->schema || !t->name)
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	PQclear(tr);

	/* Stored columns: not dropped, not generated (the server recomputes those on load). Domains
	 * report their base type's schema and name (type_oid stays the declared type's) so that a domain over vector still gets the vector codec;
	 * the value bytes are the base type's either way. */
	PGresult *cr = NULL;
	if (rc == 0 && n > 0)
		rc = rcr_pg_query(&cr, conn,
			"WITH RECURSIVE base(oid, root) AS ("
			"  SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.typtype OPERATOR(pg_catalog.<>) 'd'"
			"  UNION ALL SELECT d.oid, b.root FROM pg_catalog.pg_type d JOIN base b ON d.typbasetype OPERATOR(pg_catalog.=) b.oid"
			"   WHERE d.typtype OPERATOR(pg_catalog.=) 'd')"
			" SELECT a.attrelid, a.attname, tn.nspname, bt.typname, a.atttypid, a.atttypmod, bt.typtype,"
			"  (SELECT et.typtype FROM pg_catalog.pg_type et WHERE et.oid OPERATOR(pg_catalog.=) bt.typelem"
			"   AND bt.typlen OPERATOR(pg_catalog.=) -1)"
			" FROM pg_catalog.pg_attribute a"
			" JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid"
			" JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid"
			" JOIN base ON base.oid OPERATOR(pg_catalog.=) t.oid"
			" JOIN pg_catalog.pg_type bt ON bt.oid OPERATOR(pg_catalog.=) base.root"
			" JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) bt.typnamespace"
			" WHERE c.relkind OPERATOR(pg_catalog.=) 'r' AND a.attnum OPERATOR(pg_catalog.>) 0"
			" AND NOT a.attisdropped AND a.attgenerated OPERATOR(pg_catalog.=) ''"
			" ORDER BY a.attrelid, a.attnum");
	/* The rows come ordered by attrelid: each table's columns are found by binary search, so
	 * tens of thousands of tables cost no more than reading the rows once. */
	uint32_t *relids = NULL;
	int nc = cr ? PQntuples(cr) : 0;
	if (rc == 0 && cr && !(relids = malloc(((size_t)nc + 1) * sizeof *relids)))
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int j = 0; j < nc && rc == 0; j++)
		relids[j] = (uint32_t)strtoul(PQgetvalue(cr, j, 0), NULL, 10);
	if (rc == 0 && cr) {
		for (int i = 0; i < n && rc == 0; i++) {
			rcr_cat_table *t = &cat->tables[i];
			int first = lower_bound(relids, nc, t->oid), count = 0;
			while (first + count < nc && relids[first + count] == t->oid)
				count++;
			t->cols = calloc((size_t)count + 1, sizeof *t->cols);
			if (!t->cols) {
				rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
				break;
			}
			t->ncols = (uint32_t)count;
			for (int k = 0; k < count; k++) {
				int j = first + k;
				rcr_cat_column *col = &t->cols[k];
				col->name = dup_value(cr, j, 1);
				col->type_schema = dup_value(cr, j, 2);
				col->type_name = dup_value(cr, j, 3);
				col->type_oid = (uint32_t)strtoul(PQgetvalue(cr, j, 4), NULL, 10);
				col->typmod = (int32_t)strtol(PQgetvalue(cr, j, 5), NULL, 10);
				col->type_kind = PQgetvalue(cr, j, 6)[0];
				col->elem_kind = PQgetvalue(cr, j, 7)[0];
				if (!col->name || !col->type_schema || !col->type_name)
					rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
			}
		}
	}
	PQclear(cr);
	free(relids);
	if (rc < 0) {
		rcr_catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

void rcr_catalog_free(rcr_catalog *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->ntables; i++) {
		rcr_cat_table *t = &c->tables[i];
		free(t->schema);
		free(t->name);
		for (uint32_t k = 0; k < t->ncols && t->cols; k++) {
			free(t->cols[k].name);
			free(t->cols[k].type_schema);
			free(t->cols[k].type_name);
		}
		free(t->cols);
	}
	free(c->tables);
	free(c);
}
