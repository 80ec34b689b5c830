/*
 * dump_plan.c: what `rcr dump` stores and in which jobs. The tables come from the catalog
 * (rcr_catalog_load, with the user's filters, and the partition roots some of them load
 * through, rcr_catalog_load_roots) into the manifest; each becomes one job, or a big one
 * several ctid page ranges, ordered largest first so that the last jobs are small.
 */
#include "dump_int.h"
#include "rcr/extlist.h"

#include "rcr/err.h"

#include <stdlib.h>
#include <string.h>

static int str_dup_into(char **dst, const char *s)
{
	*dst = strdup(s);
	return *dst ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}

static int plan_tables(dump_ctx *d)
{
	rcr_manifest *m = d->m;
	int n = d->cat ? d->cat->ntables : 0;
	m->tables = calloc((size_t)n + 1, sizeof *m->tables);
	if (!m->tables)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const rcr_cat_table *ct = &d->cat->tables[i];
		rcr_table *t = &m->tables[i];
		m->ntables = (uint32_t)i + 1;
		t->oid = ct->oid;
		t->relkind = (uint8_t)ct->relkind;
		t->flags = ct->text ? RCR_TABLE_TEXT : 0;
		RCR_FORWARD(str_dup_into(&t->schema, ct->schema));
		RCR_FORWARD(str_dup_into(&t->name, ct->name));
		t->cols = calloc(ct->ncols + 1, sizeof *t->cols);
		if (!t->cols)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		t->ncols = ct->ncols;
		for (uint32_t c = 0; c < ct->ncols; c++) {
			RCR_FORWARD(str_dup_into(&t->cols[c].name, ct->cols[c].name));
			RCR_FORWARD(str_dup_into(&t->cols[c].type_schema, ct->cols[c].type_schema));
			RCR_FORWARD(str_dup_into(&t->cols[c].type_name, ct->cols[c].type_name));
			t->cols[c].type_oid = ct->cols[c].type_oid;
			t->cols[c].typmod = ct->cols[c].typmod;
			t->cols[c].type_kind = (uint8_t)ct->cols[c].type_kind;
			t->cols[c].elem_kind = (uint8_t)ct->cols[c].elem_kind;
		}
		if (ct->root_name) {
			t->flags |= RCR_TABLE_VIA_ROOT;
			RCR_FORWARD(str_dup_into(&t->root_schema, ct->root_schema));
			RCR_FORWARD(str_dup_into(&t->root_name, ct->root_name));
		}
	}
	return 0;
}

static int cmp_job_weight(const void *a, const void *b)
{
	const dump_job *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->piece < y->piece ? -1 : x->piece > y->piece;
}

/* The last piece of a split table is cut in this many: see plan_jobs. */
#define TAIL_PIECES 4

/* Pieces for one table: about bytes / piece, at most one per heap page and 256 in all. */
static uint32_t pieces_for(const rcr_cat_table *ct, uint64_t piece, int can_split)
{
	uint64_t k = can_split ? (ct->bytes + piece - 1) / piece : 1;
	if (k > ct->heap_pages)
		k = ct->heap_pages;
	if (k > 256)
		k = 256;
	return k < 1 ? 1 : (uint32_t)k;
}

/* The jobs of table i split in k pieces of about equal size, the last of them cut in
 * TAIL_PIECES when it has pages enough: appended to d->jobs. */
static void add_pieces(dump_ctx *d, uint32_t i, uint32_t k)
{
	const rcr_cat_table *ct = &d->cat->tables[i];
	uint64_t pages = ct->heap_pages;
	uint32_t tail = k > 1 && pages / k >= TAIL_PIECES ? TAIL_PIECES : 1;
	uint32_t n = k - 1 + tail;
	for (uint32_t p = 0; p < n; p++) {
		dump_job *j = &d->jobs[d->njobs++];
		j->table = i;
		j->piece = p;
		j->npieces = n;
		/* piece p < k - 1 covers 1/k of the pages, each of the tail 1/(k * tail) */
		uint64_t lo = p < k - 1 ? p * tail : (k - 1) * tail + (p - (k - 1));
		j->page_lo = pages * lo / ((uint64_t)k * tail);
		j->page_hi = pages * (lo + (p < k - 1 ? tail : 1)) / ((uint64_t)k * tail);
		j->weight = ct->bytes / k / (p < k - 1 ? 1 : tail);
	}
}

/*
 * One job per table, except that a big table is split into heap page ranges so that the
 * users' one or two huge tables keep every connection busy. The piece size aims at a few
 * pieces per job slot (load balance) without making pieces tiny. The last piece of a split
 * table is cut in TAIL_PIECES smaller ones, which the largest-first order runs last: the
 * connections then finish within a small piece of each other instead of one piece, during
 * which the others' cores sat idle (a -j2 dump of bench.sh's scale 1 makes 9 pieces of about
 * 55 MB; one took 0.2 to 0.4 s alone at the end). Before PostgreSQL 14 a ctid range is a
 * filtered full scan, so tables are not split there.
 */
static int plan_jobs(dump_ctx *d)
{
	const rcr_dump_opts *o = d->o;
	uint32_t n = d->m->ntables;
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++)
		total += d->cat->tables[i].bytes;
	uint64_t piece = o->piece_bytes;
	if (piece == 0) {
		piece = total / ((uint64_t)o->jobs * 4);
		if (piece < ((uint64_t)32 << 20))
			piece = (uint64_t)32 << 20;
	}
	int can_split = o->jobs > 1 && d->server_major >= 14;
	uint32_t cap = 0;
	for (uint32_t i = 0; i < n; i++)
		cap += pieces_for(&d->cat->tables[i], piece, can_split) + TAIL_PIECES;
	d->jobs = calloc(cap + 1, sizeof *d->jobs);
	d->table_mu = calloc(n + 1, sizeof *d->table_mu);
	if (!d->jobs || !d->table_mu)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		pthread_mutex_init(&d->table_mu[i], NULL);
		add_pieces(d, i, pieces_for(&d->cat->tables[i], piece, can_split));
	}
	qsort(d->jobs, d->njobs, sizeof *d->jobs, cmp_job_weight);
	return 0;
}

/* The extensions the selected tables need, recorded whatever the filters (extlist.h). A
 * schema-only dump stores no table data but its tables need them all the same. */
static int find_extensions(dump_ctx *d)
{
	if (d->cat)
		return rcr_catalog_extensions(&d->exts, d->conn, d->cat);
	rcr_catalog *cat = NULL;
	int rc = rcr_catalog_load(&cat, d->conn, &d->o->filter);
	if (rc == 0)
		rc = rcr_catalog_extensions(&d->exts, d->conn, cat);
	rcr_catalog_free(cat);
	return rc;
}

int rcr_dump_plan(dump_ctx *d)
{
	if (!d->o->schema_only) {
		RCR_FORWARD(rcr_catalog_load(&d->cat, d->conn, &d->o->filter));
		RCR_FORWARD(rcr_catalog_load_roots(d->cat, d->conn, d->o->load_via_partition_root));
	}
	RCR_FORWARD(find_extensions(d));
	RCR_FORWARD(plan_tables(d));
	RCR_FORWARD(plan_jobs(d));
	/* Made now: pg_dump's thread, which starts first, records its failure in the pool. */
	return rcr_dump_pool_new(d);
}
