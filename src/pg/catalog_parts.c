/*
 * catalog_parts.c: which of the catalog's tables load through their partition root (pg.h,
 * rcr_catalog_load_roots).
 *
 * The rule is pg_dump's (getPartitioningInfo, forcePartitionRootLoad, getRootTableInfo and
 * dumpTableData in its pg_dump.c, the same in pg_dump 15 to 18 and in every minor release of
 * them since May 2023; doc/pg-archive.md, "Partitions that load through their root"):
 *
 *  - a partitioned table is unsafe when the hash operator class for enums (pg_catalog's enum_ops
 *    of the hash access method) is one of its partition key's operator classes, whatever its
 *    strategy. An enum value hashes by the OID of its label, which a restore assigns anew, so
 *    after a restore a row may belong to another hash partition than the one it came from;
 *  - a partition loads through the topmost root of its partition tree when any of its
 *    ancestors, at any level, is unsafe, or, with --load-via-partition-root, always. The root,
 *    not the unsafe ancestor: pg_dump names the root. The server then routes every row.
 *
 * Like pg_dump, this looks at every partitioned table of the database, selected or not, locked
 * or not: the root of a selected partition may lie outside the selection. The query reads only
 * catalogs, on the dump's snapshot, and calls no function that could take a lock.
 */
#include "rcr/pg.h"
#include "rcr/err.h"

#include <stdlib.h>
#include <string.h>

/*
 * Every partition (at any level) with its root's schema and name, walked down from each root
 * through pg_inherits, carrying "an ancestor is unsafe" along (a partition's own flag counts
 * for its descendants only: a leaf is never partitioned itself). One pass per level of the
 * deepest tree, each a join of that level with pg_inherits: linear in the number of
 * partitions. Ordered by the partition's oid, for the merge in assign_roots.
 */
#define ROOTS_SQL                                                                                           \
	"WITH RECURSIVE enum_hash AS ("                                                                     \
	"  SELECT c.oid FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_am a ON a.oid OPERATOR(pg_catalog.=) c.opcmethod" \
	"  WHERE c.opcname OPERATOR(pg_catalog.=) 'enum_ops' AND a.amname OPERATOR(pg_catalog.=) 'hash'"    \
	"  AND c.opcnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace),"               \
	" unsafe AS (SELECT p.partrelid FROM pg_catalog.pg_partitioned_table p"                             \
	"  WHERE (SELECT oid FROM enum_hash) OPERATOR(pg_catalog.=) ANY (p.partclass)),"                    \
	" tree(relid, root, unsafe) AS ("                                                                   \
	"  SELECT c.oid, c.oid, c.oid IN (SELECT partrelid FROM unsafe) FROM pg_catalog.pg_class c"         \
	"  WHERE c.relkind OPERATOR(pg_catalog.=) 'p' AND NOT c.relispartition"                             \
	"  UNION ALL SELECT i.inhrelid, t.root, t.unsafe OR i.inhrelid IN (SELECT partrelid FROM unsafe)"    \
	"  FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent OPERATOR(pg_catalog.=) t.relid)"        \
	" SELECT t.relid, n.nspname, r.relname FROM tree t"                                                 \
	" JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) t.root"                                \
	" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace"                    \
	" WHERE t.relid OPERATOR(pg_catalog.<>) t.root"

/* Only the partitions that must load through their root (nearly always none)... */
static const char roots_unsafe_sql[] = ROOTS_SQL " AND t.unsafe ORDER BY 1";
/* ...or, with --load-via-partition-root, every partition. */
static const char roots_all_sql[] = ROOTS_SQL " ORDER BY 1";

static uint32_t row_oid(const PGresult *r, int row)
{
	return (uint32_t)strtoul(PQgetvalue(r, row, 0), NULL, 10);
}

static int cmp_table_oid(const void *a, const void *b)
{
	const rcr_cat_table *x = *(const rcr_cat_table *const *)a, *y = *(const rcr_cat_table *const *)b;
	return x->oid < y->oid ? -1 : x->oid > y->oid;
}

static int set_root(rcr_cat_table *t, const PGresult *r, int row)
{
	t->root_schema = strdup(PQgetvalue(r, row, 1));
	t->root_name = strdup(PQgetvalue(r, row, 2));
	if (!t->root_schema || !t->root_name)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	return 0;
}

/* Gives the catalog's tables their roots in one merge walk: the tables sorted by oid beside
 * the rows, which come sorted by oid too (a lookup per row was O(tables x partitions)). */
static int assign_roots(rcr_catalog *cat, const PGresult *r)
{
	int n = cat->ntables, nr = PQntuples(r);
	rcr_cat_table **by = malloc(((size_t)n + 1) * sizeof *by);
	if (!by)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < n; i++)
		by[i] = &cat->tables[i];
	qsort(by, (size_t)n, sizeof *by, cmp_table_oid);
	int rc = 0;
	for (int k = 0, j = 0; k < n && j < nr && rc == 0; k++) {
		while (j < nr && row_oid(r, j) < by[k]->oid)
			j++;  /* a partition the dump does not store */
		if (j < nr && row_oid(r, j) == by[k]->oid)
			rc = set_root(by[k], r, j);
	}
	free(by);
	return rc;
}

int rcr_catalog_load_roots(rcr_catalog *cat, PGconn *conn, int all_partitions)
{
	/* Partitioning came with PostgreSQL 10 (hash partitioning with 11). */
	if (cat->ntables == 0 || PQserverVersion(conn) < 100000)
		return 0;
	PGresult *r = NULL;
	int rc = rcr_pg_query(&r, conn, all_partitions ? roots_all_sql : roots_unsafe_sql);
	if (rc == 0)
		rc = assign_roots(cat, r);
	PQclear(r);
	return rc < 0 ? rcr_error_wrap(rc, "finding the partitions that load through their root") : 0;
}
