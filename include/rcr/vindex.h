/*
 * vindex.h: pgvector indexes (hnsw, ivfflat) in an archive's schema, and the memory their
 * build needs.
 *
 * An HNSW build is fast while its graph fits in maintenance_work_mem and many times slower once
 * it does not ("hnsw graph no longer fits into maintenance_work_mem after N tuples": pgvector
 * then inserts the remaining rows into the on-disk graph one by one). PostgreSQL's default of
 * 64MB holds about 17,000 rows of vector(768). Restore sizes each build from the archive's own
 * figures (rows, bytes per value) instead (src/restore/vindex.c).
 *
 * What pgvector 0.8 keeps in memory per row during an in-memory HNSW build (src/hnswbuild.c,
 * src/hnswutils.c; all allocated in one generation memory context, so without power-of-two
 * rounding): the element (about 140 bytes with its chunk header), the value as a varlena (an
 * 8-byte header, then 4 bytes per dimension for vector, 2 for halfvec), the neighbour list of
 * layer 0 (2m candidates of 16 bytes plus an 8-byte header) and, for the 1 in m-1 rows that
 * reach a higher layer on average, m more candidates per layer, plus the per-row array of
 * layer pointers. With m = 16 and vector(768) that is about 3.8 KB a row: 64MB / 3.8 KB is
 * the 17,000 rows pgvector reports. ivfflat keeps its k-means sample (50 rows per list, at least
 * 10,000) in memory and sorts every row's value by list, in memory when the sort fits.
 *
 * Parsing works on pg_dump's own text of the index (toc.dat's INDEX entry), an untrusted
 * archive's: it only reads names and numbers out of it, never runs it; whatever it cannot
 * read leaves the index to the ordinary post-data run.
 */
#ifndef RCR_VINDEX_H
#define RCR_VINDEX_H

#include "rcr/pgtoc.h"

#include <stdint.h>

typedef enum rcr_vindex_method { RCR_VINDEX_HNSW = 1, RCR_VINDEX_IVFFLAT = 2 } rcr_vindex_method;

typedef struct rcr_vindex {
	int dump_id;            /* the INDEX entry's */
	const char *schema;     /* borrowed from the toc: the index's (and its table's) schema */
	const char *name;       /* the index */
	const char *table;      /* its table, from the TABLE entry it depends on */
	char *column;           /* the indexed column, unquoted; owned */
	rcr_vindex_method method;
	int m;                  /* hnsw: neighbours per layer (default 16) */
	int lists;              /* ivfflat: lists (default 100) */
	/* Set when pg_dump's text is exactly "CREATE INDEX name ON [ONLY] schema.table USING
	 * method (column [opschema.opclass]) [WITH (key='n', ...)];" with only m, ef_construction
	 * and lists as options: restore may then build it itself, CONCURRENTLY, from these parts
	 * alone, quoted (rcr_vindex_concurrent_sql), and run nothing of the archive's text. */
	int simple;
	char *opc_schema, *opc_name;   /* owned; NULL without an operator class */
	int ef_construction;    /* 0 when not given */
	unsigned options;       /* RCR_VINDEX_OPT_* given in WITH */
} rcr_vindex;

#define RCR_VINDEX_OPT_M 1u
#define RCR_VINDEX_OPT_EF 2u
#define RCR_VINDEX_OPT_LISTS 4u

typedef struct rcr_vindex_list {
	int n;
	rcr_vindex *items;
} rcr_vindex_list;

/* The hnsw and ivfflat indexes of the toc's INDEX entries whose text rcr can read (a plain
 * column, not an expression; one column). *out is the caller's (rcr_vindex_list_free), also on
 * failure; it borrows strings from toc. */
int rcr_vindex_find(rcr_vindex_list *out, const rcr_toc *toc);
void rcr_vindex_list_free(rcr_vindex_list *l);

/* The CREATE INDEX CONCURRENTLY statement of a simple index (v->simple), built from its parts
 * with quote(ident) -> newly allocated quoted identifier (NULL on failure), into out. */
struct rcr_buf;
int rcr_vindex_concurrent_sql(struct rcr_buf *out, const rcr_vindex *v, char *(*quote)(const char *ident, void *ctx),
			      void *ctx);

/* Bytes of maintenance_work_mem with which the build of v over `rows` rows whose values take
 * `value_bytes` each as the server stores them (varlena header included) stays in memory. */
uint64_t rcr_vindex_build_bytes(const rcr_vindex *v, uint64_t rows, uint64_t value_bytes);

#endif
