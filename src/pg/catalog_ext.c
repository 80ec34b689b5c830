/* catalog_ext.c: the extensions that the dumped tables depend on (see extlist.h, pg.h). */
#include "rcr/pg.h"
#include "rcr/buf.h"
#include "rcr/err.h"
#include "rcr/extlist.h"


/*
 * Everything the tables depend on, followed through pg_depend: the tables' own dependents
 * first (indexes, column defaults, constraints, TOAST: deptype 'a' or 'i' on the table), then
 * forward along normal, auto and internal dependencies from all of these (column types, a
 * domain's base type, a composite's attribute types, an index's operator classes, the
 * functions a default calls). The extensions owning any of those objects (deptype 'e') are the
 * ones the tables need. Built-in objects have no pg_depend rows, so the walk stays within the
 * database's own objects. `use` names the first column, in schema and table order, whose type
 * (or its element or base type) belongs to the extension, else one object that does.
 */
static const char ext_sql_head[] = "WITH RECURSIVE tabs(oid) AS (SELECT pg_catalog.unnest('{";
static const char ext_sql_tail[] =
	"}'::pg_catalog.oid[])),"
	" objs(classid, objid) AS ("
	"  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, t.oid FROM tabs t"
	"  UNION SELECT d.classid, d.objid FROM pg_catalog.pg_depend d JOIN tabs t"
	"   ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
	"   AND d.refobjid OPERATOR(pg_catalog.=) t.oid"
	"   WHERE d.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'::pg_catalog.\"char\"[])"
	"  UNION SELECT d.refclassid, d.refobjid FROM pg_catalog.pg_depend d JOIN objs o"
	"   ON d.classid OPERATOR(pg_catalog.=) o.classid AND d.objid OPERATOR(pg_catalog.=) o.objid"
	"   WHERE d.deptype OPERATOR(pg_catalog.=) ANY ('{n,a,i}'::pg_catalog.\"char\"[])),"
	" exts AS (SELECT DISTINCT x.refobjid AS oid FROM objs o JOIN pg_catalog.pg_depend x"
	"   ON x.classid OPERATOR(pg_catalog.=) o.classid AND x.objid OPERATOR(pg_catalog.=) o.objid"
	"   WHERE x.deptype OPERATOR(pg_catalog.=) 'e'"
	"   AND x.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass)"
	" SELECT e.extname, e.extversion, n.nspname, COALESCE("
	"  (SELECT pg_catalog.format('table %s column %s (type %s)', c.oid::pg_catalog.regclass,"
	"     pg_catalog.quote_ident(a.attname), pg_catalog.format_type(a.atttypid, a.atttypmod))"
	"   FROM tabs t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.oid"
	"   JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid"
	"    AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
	"   JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid"
	"   JOIN pg_catalog.pg_depend x ON x.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass"
	"    AND x.objid OPERATOR(pg_catalog.=) ANY (ARRAY[ty.oid, ty.typelem, ty.typbasetype])"
	"    AND x.deptype OPERATOR(pg_catalog.=) 'e' AND x.refobjid OPERATOR(pg_catalog.=) e.oid"
	"   ORDER BY c.relnamespace, c.relname, a.attnum LIMIT 1),"
	"  (SELECT pg_catalog.pg_describe_object(o.classid, o.objid, 0) FROM objs o"
	"   JOIN pg_catalog.pg_depend x ON x.classid OPERATOR(pg_catalog.=) o.classid"
	"    AND x.objid OPERATOR(pg_catalog.=) o.objid AND x.deptype OPERATOR(pg_catalog.=) 'e'"
	"    AND x.refobjid OPERATOR(pg_catalog.=) e.oid"
	"   ORDER BY 1 LIMIT 1), '')"
	" FROM exts JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) exts.oid"
	" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace"
	" ORDER BY e.extname";

int rcr_catalog_extensions(rcr_extlist *out, PGconn *conn, const rcr_catalog *cat)
{
	*out = (rcr_extlist)RCR_EXTLIST_INIT;
	if (!cat || cat->ntables == 0)
		return 0;
	rcr_buf q = RCR_BUF_INIT;
	rcr_buf_append_cstr(&q, ext_sql_head);
	/* OIDs are numbers the server gave us: nothing in them needs quoting. */
	for (int i = 0; i < cat->ntables; i++)
		rcr_buf_appendf(&q, "%s%u", i ? "," : "", cat->tables[i].oid);
	rcr_buf_append_cstr(&q, ext_sql_tail);
	const char *sql = rcr_buf_cstr(&q);
	PGresult *res = NULL;
	int rc = sql ? rcr_pg_query(&res, conn, sql) : rcr_buf_check(&q);
	rcr_buf_free(&q);
	for (int i = 0; rc == 0 && i < PQntuples(res); i++)
		rc = rcr_extlist_add(out, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
				     PQgetvalue(res, i, 3));
	PQclear(res);
	return rc < 0 ? rcr_error_wrap(rc, "listing the extensions the tables need") : 0;
}
