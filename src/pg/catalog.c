/* catalog.c: which tables a dump stores, their columns, and which are stored as text (see
 * pg.h). */
#include "rcr/pg.h"
#include "rcr/buf.h"
#include "rcr/err.h"
#include "rcr/textout.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Appends a quoted literal. @return 0, or RCR_E_QUERY when libpq cannot quote s (an invalid
 * multibyte sequence); a failure to grow b is left in b, for the builder's one check. */
static int append_literal(rcr_buf *b, PGconn *conn, const char *s)
{
	char *lit = PQescapeLiteral(conn, s, strlen(s));
	if (!lit)
		return rcr_error_set(RCR_E_QUERY, "could not quote a literal: %s", rcr_pg_error_line(conn));
	rcr_buf_append_cstr(b, lit);
	PQfreemem(lit);
	return 0;
}

/* The condition of one pattern, from its schema and name regexes (schema_re NULL: none). */
static int append_one_pattern(rcr_buf *b, PGconn *conn, const char *schema_re, const char *name_re)
{
	if (schema_re) {
		RCR_BUF_LIT(b, "n.nspname OPERATOR(pg_catalog.~) ");
		RCR_FORWARD(append_literal(b, conn, schema_re));
		RCR_BUF_LIT(b, " COLLATE pg_catalog.default");
		if (!name_re)
			return 0;
		RCR_BUF_LIT(b, " AND ");
	} else
		RCR_BUF_LIT(b, "pg_catalog.pg_table_is_visible(c.oid) AND ");
	RCR_BUF_LIT(b, "c.relname OPERATOR(pg_catalog.~) ");
	RCR_FORWARD(append_literal(b, conn, name_re));
	RCR_BUF_LIT(b, " COLLATE pg_catalog.default");
	return 0;
}

/* Appends "(cond OR cond ...)" matching any of the patterns, as pg_dump's
 * expand_*_name_patterns would: unqualified table patterns match visible tables only. */
static int append_pattern_match(rcr_buf *b, PGconn *conn, const rcr_strlist *pats, int schema_only)
{
	RCR_BUF_LIT(b, "(");
	for (int i = 0; i < pats->n; i++) {
		char *sre, *nre;
		RCR_FORWARD(rcr_pattern_to_regex(&sre, &nre, pats->items[i], schema_only));
		/* A schema pattern always has a schema regex; a table pattern always a name regex. */
		assert(schema_only ? sre != NULL : nre != NULL);
		if (i)
			RCR_BUF_LIT(b, " OR ");
		RCR_BUF_LIT(b, "(");
		int rc = append_one_pattern(b, conn, sre, schema_only ? NULL : nre);
		RCR_BUF_LIT(b, ")");
		free(sre);
		free(nre);
		RCR_FORWARD(rc);
	}
	RCR_BUF_LIT(b, ")");
	return 0;
}

/* "(true [AND -n's patterns] [AND NOT -N's])": schema n is one -n/-N select. */
static int append_schema_selected(rcr_buf *q, PGconn *conn, const rcr_table_filter *f)
{
	RCR_BUF_LIT(q, "(true");
	if (f->schemas.n) {
		RCR_BUF_LIT(q, " AND ");
		RCR_FORWARD(append_pattern_match(q, conn, &f->schemas, 1));
	}
	if (f->exclude_schemas.n) {
		RCR_BUF_LIT(q, " AND NOT ");
		RCR_FORWARD(append_pattern_match(q, conn, &f->exclude_schemas, 1));
	}
	RCR_BUF_LIT(q, ")");
	return 0;
}

/* The filter's conditions. pg_dump: -t selects tables and makes -n/-N irrelevant; -T and
 * --exclude-table-data always exclude. */
static int append_filter(rcr_buf *q, PGconn *conn, const rcr_table_filter *f)
{
	if (f->tables.n) {
		RCR_BUF_LIT(q, " AND ");
		RCR_FORWARD(append_pattern_match(q, conn, &f->tables, 0));
	} else {
		RCR_BUF_LIT(q, " AND ");
		RCR_FORWARD(append_schema_selected(q, conn, f));
	}
	if (f->exclude_tables.n) {
		RCR_BUF_LIT(q, " AND NOT ");
		RCR_FORWARD(append_pattern_match(q, conn, &f->exclude_tables, 0));
	}
	/* --exclude-table-data: the table stays in the schema (pg_dump gets the patterns too), but
	 * its rows are not stored. */
	if (f->exclude_table_data.n) {
		RCR_BUF_LIT(q, " AND NOT ");
		RCR_FORWARD(append_pattern_match(q, conn, &f->exclude_table_data, 0));
	}
	return 0;
}

/* The selected tables, largest first. Unqualified table patterns match tables visible on the
 * user's own search_path, which the session has emptied for safety: pg_dump resets it around
 * this one query, and so do we. */
static int query_tables(PGresult **out, PGconn *conn, const rcr_table_filter *f)
{
	*out = NULL;
	rcr_buf q = RCR_BUF_INIT;
	RCR_BUF_LIT(&q,
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
	int rc = append_filter(&q, conn, f);
	RCR_BUF_LIT(&q, " ORDER BY 5 DESC, 2, 3");
	const char *sql = rcr_buf_cstr(&q);
	if (rc == 0 && !sql)
		rc = rcr_buf_check(&q);
	if (rc < 0) {
		rcr_buf_free(&q);
		return rc;
	}
	rc = rcr_pg_exec(conn, "RESET search_path");
	if (rc == 0)
		rc = rcr_pg_query(out, conn, sql);
	if (rc == 0)
		rc = rcr_pg_exec(conn, "SELECT pg_catalog.set_config('search_path', '', false)");
	rcr_buf_free(&q);
	if (rc < 0) {
		PQclear(*out);
		*out = NULL;
		return rcr_error_wrap(rc, "listing tables");
	}
	return 0;
}

static char *dup_value(PGresult *r, int row, int col)
{
	return strdup(PQgetvalue(r, row, col));
}

static int fill_tables(rcr_catalog *cat, PGresult *tr)
{
	int n = PQntuples(tr);
	if (!(cat->tables = calloc((size_t)n + 1, sizeof *cat->tables)))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
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
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	return 0;
}

/* Stored columns: not dropped, not generated (the server recomputes those on load). Domains
 * report their base type's schema and name (type_oid stays the declared type's) so that a
 * domain over vector still gets the vector codec; the value bytes are the base type's either
 * way. Ordered by table oid, then column number. */
static const char columns_sql[] =
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
	" ORDER BY a.attrelid, a.attnum";

/* Table t's columns: rows [first, first + count) of cr. */
static int fill_columns(rcr_cat_table *t, PGresult *cr, int first, int count)
{
	t->cols = calloc((size_t)count + 1, sizeof *t->cols);
	if (!t->cols)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
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
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	return 0;
}

typedef struct oid_index {
	uint32_t oid;
	int table;
} oid_index;

static uint32_t row_relid(PGresult *cr, int row)
{
	return (uint32_t)strtoul(PQgetvalue(cr, row, 0), NULL, 10);
}

static int cmp_oid_index(const void *a, const void *b)
{
	const oid_index *x = a, *y = b;
	return x->oid < y->oid ? -1 : x->oid > y->oid;
}

/* Hands each table its columns in one merge walk: the tables sorted by oid beside the column
 * rows, which come sorted by table oid, so tens of thousands of tables cost a sort and one
 * pass over the rows (a scan per table was O(tables x columns)). */
static int assign_columns(rcr_catalog *cat, PGresult *cr)
{
	int n = cat->ntables, nc = PQntuples(cr);
	oid_index *order = malloc(((size_t)n + 1) * sizeof *order);
	if (!order)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < n; i++)
		order[i] = (oid_index){cat->tables[i].oid, i};
	qsort(order, (size_t)n, sizeof *order, cmp_oid_index);
	int rc = 0;
	for (int k = 0, j = 0; k < n && rc == 0; k++) {
		uint32_t oid = order[k].oid;
		assert(k == 0 || order[k - 1].oid < oid);  /* pg_class oids are unique */
		while (j < nc && row_relid(cr, j) < oid)
			j++;  /* a table no filter selected */
		int first = j;
		while (j < nc && row_relid(cr, j) == oid)
			j++;
		rc = fill_columns(&cat->tables[order[k].table], cr, first, j - first);
	}
	free(order);
	return rc;
}

/*
 * Which tables are stored as text (pg.h, rcr_cat_table.text): the types their columns reach,
 * followed through domains (typbasetype), true arrays (typelem of a varlena type that is its
 * element's typarray; not point's or name's fixed-length elements, nor int2vector's), the live
 * attributes of composites, the subtype of ranges and the range of multiranges. Computed once
 * per distinct column type, not per column, so it stays small with 10,000 tables. Each row is
 * a column type (root) and a type it reaches that decides: `forced` when that type has no
 * binary send or receive (aclitem, a user base type declared without them); `outside` when
 * convert would need its definition and the archive's schema will not hold it (below); else a
 * base type, range or multirange, which convert may or may not print offline
 * (rcr_textout_printable, also given the session's lc_monetary, on which money's text depends).
 * `deep` says the type was reached through more than domains: the column's own domain and enum
 * need no definition (convert prints what they hold), those inside an array, a composite or a
 * range do.
 */
#define TRUE_ARRAY(t) \
	"(" t ".typlen OPERATOR(pg_catalog.=) -1 AND " t ".typelem OPERATOR(pg_catalog.<>) 0" \
	" AND EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.oid OPERATOR(pg_catalog.=) " t ".typelem" \
	"   AND e.typarray OPERATOR(pg_catalog.=) " t ".oid))"
/* used(root) first: the distinct column types (append_column_types). */
static const char text_types_head[] =
	" reach(root, oid, deep) AS ("
	"  SELECT root, root, false FROM used"
	"  UNION SELECT r.root, s.oid, r.deep OR s.deep FROM reach r"
	"  JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) r.oid"
	"  CROSS JOIN LATERAL ("
	"   SELECT t.typbasetype, false WHERE t.typtype OPERATOR(pg_catalog.=) 'd'"
	"   UNION ALL SELECT t.typelem, true WHERE " TRUE_ARRAY("t")
	"   UNION ALL SELECT a.atttypid, true FROM pg_catalog.pg_attribute a WHERE t.typtype OPERATOR(pg_catalog.=) 'c'"
	"    AND a.attrelid OPERATOR(pg_catalog.=) t.typrelid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
	"   UNION ALL SELECT g.rngsubtype, true FROM pg_catalog.pg_range g WHERE g.rngtypid OPERATOR(pg_catalog.=) t.oid";
/* Multiranges came with PostgreSQL 14 (and pg_range.rngmultitypid with them). */
static const char text_types_multirange[] =
	"   UNION ALL SELECT g.rngtypid, true FROM pg_catalog.pg_range g WHERE g.rngmultitypid OPERATOR(pg_catalog.=) t.oid";
/* Also forced: int2vector (22) and oidvector (30), whose binary receive refuses what their send
 * writes for an empty vector (int2vectorrecv wants one dimension, the send gives none), so a
 * binary COPY of one cannot be loaded back; pg_dump's text form can. */
#define TEXT_FORCED \
	"(t.typsend::pg_catalog.oid OPERATOR(pg_catalog.=) 0 OR t.typreceive::pg_catalog.oid OPERATOR(pg_catalog.=) 0" \
	" OR t.oid OPERATOR(pg_catalog.=) ANY ('{22,30}'::pg_catalog.oid[]))"
static const char text_types_select[] =
	"  ) s(oid, deep))"
	" SELECT root, nspname, typname, typtype, forced, lc_monetary, outside FROM ("
	" SELECT r.root, n.nspname, t.typname, t.typtype, " TEXT_FORCED " AS forced,"
	"  t.typtype OPERATOR(pg_catalog.=) ANY ('{b,r,m}'::pg_catalog.\"char\"[]) AND NOT " TRUE_ARRAY("t") " AS printed,"
	"  pg_catalog.current_setting('lc_monetary') AS lc_monetary,"
	/* convert reads a composite's fields, a user range's subtype, an enum's or a domain's
	 * inside those from their TYPE or DOMAIN entry (a multirange from its range's) */
	"  (t.typtype OPERATOR(pg_catalog.=) 'c'"
	"   OR (t.typtype OPERATOR(pg_catalog.=) 'r' AND n.nspname OPERATOR(pg_catalog.<>) 'pg_catalog')"
	"   OR (r.deep AND t.typtype OPERATOR(pg_catalog.=) ANY ('{d,e}'::pg_catalog.\"char\"[]))) AND ";
static const char text_types_tail[] =
	" AS outside"
	" FROM reach r JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) r.oid"
	" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace) x"
	" WHERE forced OR printed OR outside"
	" ORDER BY 1";
/* Types pg_dump never writes a TYPE entry for, whatever the filters: extension members
 * (CREATE EXTENSION makes them; a composite's relation is the member), a table's, view's or
 * sequence's row type (its CREATE TABLE is no TYPE), and the system schemas' types. */
static const char type_never_dumped[] =
	"(EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.deptype OPERATOR(pg_catalog.=) 'e'"
	"   AND ((d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) t.oid)"
	"    OR (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) t.typrelid)))"
	" OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) t.typrelid"
	"   AND c.relkind OPERATOR(pg_catalog.<>) 'c')"
	" OR n.nspname OPERATOR(pg_catalog.~) '^pg_' OR n.nspname OPERATOR(pg_catalog.=) 'information_schema'";

/* The condition that type t (schema n) has no definition in a schema pg_dump writes with the
 * filter: with -t none has (pg_dump dumps the tables alone); with -n only the selected
 * schemas' types, -N leaves its schemas' out. */
static int append_type_not_dumped(rcr_buf *q, PGconn *conn, const rcr_table_filter *f)
{
	if (f->tables.n) {
		RCR_BUF_LIT(q, "true");
		return 0;
	}
	rcr_buf_append_cstr(q, type_never_dumped);
	RCR_BUF_LIT(q, " OR NOT ");
	RCR_FORWARD(append_schema_selected(q, conn, f));
	RCR_BUF_LIT(q, ")");
	return 0;
}

/* A column type and whether the tables that have it are stored as text. */
typedef struct text_root {
	uint32_t oid;
	int text;
} text_root;

static int cmp_text_root(const void *a, const void *b)
{
	const text_root *x = a, *y = b;
	return x->oid < y->oid ? -1 : x->oid > y->oid;
}

/* Each column type the query returned and whether its tables are stored as text, from the
 * query's rows (ordered by root): *out sorted by oid, *n of them. */
static int text_roots(text_root **out, int *n, PGresult *r)
{
	int rows = PQntuples(r), k = 0;
	text_root *roots = malloc(((size_t)rows + 1) * sizeof *roots);
	if (!roots)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < rows; i++) {
		uint32_t oid = (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
		int text = PQgetvalue(r, i, 4)[0] == 't' || PQgetvalue(r, i, 6)[0] == 't' ||
			   !rcr_textout_printable(PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)[0],
						  PQgetvalue(r, i, 5));
		if (k > 0 && roots[k - 1].oid == oid)
			roots[k - 1].text |= text;
		else
			roots[k++] = (text_root){oid, text};
	}
	*out = roots;
	*n = k;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* "WITH RECURSIVE used(root) AS (...)," over the distinct types of the selected tables'
 * columns, given as an oid[] literal of numbers formatted here: the catalog already has
 * them, so the query reads no pg_attribute row of its own (over 10,000 tables that scan was
 * 100-200 ms, the walk from a few types is under 1 ms). */
static int append_column_types(rcr_buf *q, const rcr_catalog *cat)
{
	size_t n = 0, k = 0;
	for (int i = 0; i < cat->ntables; i++)
		n += cat->tables[i].ncols;
	uint32_t *oids = malloc((n + 1) * sizeof *oids);
	if (!oids)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < cat->ntables; i++)
		for (uint32_t c = 0; c < cat->tables[i].ncols; c++)
			oids[k++] = cat->tables[i].cols[c].type_oid;
	qsort(oids, n, sizeof *oids, cmp_u32);
	RCR_BUF_LIT(q, "WITH RECURSIVE used(root) AS (SELECT pg_catalog.unnest('{");
	for (size_t i = 0; i < n; i++)
		if (i == 0 || oids[i] != oids[i - 1])
			rcr_buf_appendf(q, "%s%u", i ? "," : "", oids[i]);
	RCR_BUF_LIT(q, "}'::pg_catalog.oid[])),");
	free(oids);
	return 0;
}

/* Marks the tables stored as text: a column whose type is a text root. */
static int mark_text_tables(rcr_catalog *cat, PGconn *conn, const rcr_table_filter *f)
{
	rcr_buf q = RCR_BUF_INIT;
	int rc = append_column_types(&q, cat);
	rcr_buf_append_cstr(&q, text_types_head);
	if (PQserverVersion(conn) >= 140000)
		rcr_buf_append_cstr(&q, text_types_multirange);
	rcr_buf_append_cstr(&q, text_types_select);
	if (rc == 0)
		rc = append_type_not_dumped(&q, conn, f);
	rcr_buf_append_cstr(&q, text_types_tail);
	const char *sql = rcr_buf_cstr(&q);
	PGresult *r = NULL;
	if (rc == 0)
		rc = sql ? rcr_pg_query(&r, conn, sql) : rcr_buf_check(&q);
	rcr_buf_free(&q);
	text_root *roots = NULL;
	int n = 0;
	if (rc == 0)
		rc = text_roots(&roots, &n, r);
	PQclear(r);
	for (int i = 0; i < cat->ntables && rc == 0; i++) {
		rcr_cat_table *t = &cat->tables[i];
		for (uint32_t c = 0; c < t->ncols && !t->text; c++) {
			text_root key = {t->cols[c].type_oid, 0};
			const text_root *hit = bsearch(&key, roots, (size_t)n, sizeof *roots, cmp_text_root);
			t->text = hit && hit->text;
		}
	}
	free(roots);
	return rc < 0 ? rcr_error_wrap(rc, "finding the column types without binary I/O") : 0;
}

int rcr_catalog_load(rcr_catalog **out, PGconn *conn, const rcr_table_filter *f)
{
	*out = NULL;
	PGresult *tr = NULL, *cr = NULL;
	int rc = query_tables(&tr, conn, f);
	if (rc < 0)
		return rc;
	rcr_catalog *cat = calloc(1, sizeof *cat);
	rc = cat ? fill_tables(cat, tr) : rcr_error_set(RCR_E_NOMEM, "out of memory");
	PQclear(tr);
	if (rc == 0 && cat->ntables > 0)
		rc = rcr_pg_query(&cr, conn, columns_sql);
	if (rc == 0 && cr)
		rc = assign_columns(cat, cr);
	PQclear(cr);
	if (rc == 0 && cat->ntables > 0)
		rc = mark_text_tables(cat, conn, f);
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
		free(t->root_schema);
		free(t->root_name);
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
