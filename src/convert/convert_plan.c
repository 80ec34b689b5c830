/*
 * convert_plan.c: the TABLE DATA entries `rcr convert` adds to the schema's toc.dat, the
 * large object list it may rename, and the toc.dat it writes (convert_plan.h).
 *
 * The entries are built as pg_dump 15-18 builds them (doc/pg-archive.md, "TABLE DATA
 * entries"): tableoid "0", the table's oid, section DATA, an explicit column list in the COPY
 * statement, the TABLE entry as the first and only dependency, filename "<dumpId>.dat" even
 * when the file is compressed.
 */
#include "convert_plan.h"

#include "rcr/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Double-quotes an identifier when PostgreSQL would need it (always is also correct). Like
 * every append here it leaves a failure in the buffer (buf.h), checked once by the builder. */
static void append_ident(rcr_buf *b, const char *id)
{
	rcr_buf_append_u8(b, '"');
	for (const char *p = id; *p; p++) {
		if (*p == '"')
			rcr_buf_append_u8(b, '"');
		rcr_buf_append_u8(b, (uint8_t)*p);
	}
	rcr_buf_append_u8(b, '"');
}

static char *dupf(const char *fmt, long long v)
{
	char buf[64];
	snprintf(buf, sizeof buf, fmt, v);
	return strdup(buf);
}

/* The TABLE entry of table t, or NULL. */
static const rcr_toc_entry *find_table_entry(const rcr_toc *toc, const rcr_table *t)
{
	for (int i = 0; i < toc->nentries; i++) {
		const rcr_toc_entry *x = &toc->entries[i];
		if (x->desc && x->tag && x->namespace_ && strcmp(x->desc, "TABLE") == 0 && strcmp(x->tag, t->name) == 0 &&
		    strcmp(x->namespace_, t->schema) == 0)
			return x;
	}
	return NULL;
}

/* "schema.name" of the table t's rows load into: its partition root when the dump said so
 * (RCR_TABLE_VIA_ROOT), else t itself. */
static void append_load_target(rcr_buf *b, const rcr_table *t)
{
	int via_root = (t->flags & RCR_TABLE_VIA_ROOT) != 0;
	append_ident(b, via_root ? t->root_schema : t->schema);
	rcr_buf_append_u8(b, '.');
	append_ident(b, via_root ? t->root_name : t->name);
}

/* "COPY target (col, ...) FROM stdin;\n" into cs: t's own columns, by name, into the table its
 * rows load into. */
static void copy_statement(rcr_buf *cs, const rcr_table *t)
{
	RCR_BUF_LIT(cs, "COPY ");
	append_load_target(cs, t);
	if (t->ncols) {
		RCR_BUF_LIT(cs, " (");
		for (uint32_t c = 0; c < t->ncols; c++) {
			if (c)
				RCR_BUF_LIT(cs, ", ");
			append_ident(cs, t->cols[c].name);
		}
		rcr_buf_append_u8(cs, ')');
	}
	RCR_BUF_LIT(cs, " FROM stdin;\n");
}

/*
 * The defn "-- load via partition root <target>" that pg_dump gives the TABLE DATA entry of a
 * partition it loads through its root (doc/pg-archive.md, "Partitions that load through their
 * root"). pg_restore recognises it and then does not run "TRUNCATE ONLY <table>" before the
 * COPY of a table it created in the same run, which would delete rows that other entries
 * routed into that partition. A table split into several entries carries it too, naming
 * itself: there one entry's TRUNCATE would silently delete rows another worker already
 * committed (doc/pg-archive.md, "Several entries for one table"). NULL for the other entries,
 * as pg_dump writes them.
 */
static char *load_defn(const rcr_table *t)
{
	rcr_buf d = RCR_BUF_INIT;
	RCR_BUF_LIT(&d, "-- load via partition root ");
	append_load_target(&d, t);
	const char *s = rcr_buf_cstr(&d);
	char *defn = s ? strdup(s) : NULL;
	rcr_buf_free(&d);
	/* The comment is one line in the script pg_restore -f writes: a line break in a name (from
	 * the archive) would end it and make the rest of the name SQL. pg_restore reads only the
	 * comment's first 27 bytes; pg_dump's sanitize_line makes the same replacement. */
	for (char *p = defn; p && *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return defn;
}

/* Builds a TABLE DATA entry for table t with dump id `id`; split marks one of several. */
static int table_data_entry(rcr_toc_entry *e, const rcr_toc *toc, const rcr_table *t, int id, int split)
{
	int marked = split || (t->flags & RCR_TABLE_VIA_ROOT);
	memset(e, 0, sizeof *e);
	const rcr_toc_entry *table = find_table_entry(toc, t);
	rcr_buf cs = RCR_BUF_INIT;
	copy_statement(&cs, t);
	const char *copy = rcr_buf_cstr(&cs);
	e->dump_id = id;
	e->had_dumper = 1;
	if (marked)
		e->defn = load_defn(t);
	e->tableoid = strdup("0");
	e->oid = dupf("%lld", t->oid);
	e->tag = strdup(t->name);
	e->desc = strdup("TABLE DATA");
	e->section = RCR_TOC_SECTION_DATA;
	e->copy_stmt = copy ? strdup(copy) : NULL;
	e->namespace_ = strdup(t->schema);
	e->owner = strdup(table && table->owner ? table->owner : "");
	e->with_oids = strdup("false");
	e->filename = dupf("%lld.dat", id);
	if (table) {
		e->deps = calloc(1, sizeof *e->deps);
		if (e->deps && (e->deps[0] = dupf("%lld", table->dump_id)))
			e->ndeps = 1;
	}
	rcr_buf_free(&cs);
	if ((marked && !e->defn) || !e->tableoid || !e->oid || !e->tag || !e->desc || !e->copy_stmt || !e->namespace_ ||
	    !e->owner || !e->with_oids || !e->filename || (table && e->ndeps != 1))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	return 0;
}

int rcr_convert_plan_data(rcr_convert_plan *plan, const rcr_toc *toc, const rcr_manifest *m, const rcr_convert_opts *o)
{
	int max_id = 0;
	for (int i = 0; i < toc->nentries; i++)
		if (toc->entries[i].dump_id > max_id)
			max_id = toc->entries[i].dump_id;
	uint32_t cap = 0;
	for (uint32_t ti = 0; ti < m->ntables; ti++)
		cap += m->tables[ti].nrgs ? m->tables[ti].nrgs : 1;
	plan->entries = calloc(cap + 1, sizeof *plan->entries);
	plan->jobs = calloc(cap + 1, sizeof *plan->jobs);
	if (!plan->entries || !plan->jobs)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		int split = o->split_bytes && t->raw_bytes > o->split_bytes && t->nrgs > 1;
		uint32_t g = 0;
		do {
			/* the next run of row groups: at least one, then up to about split_bytes */
			uint32_t lo = g;
			uint64_t raw = 0;
			if (!split)
				g = t->nrgs;
			while (g < t->nrgs && (g == lo || raw < o->split_bytes)) {
				for (uint32_t c = 0; c < t->ncols; c++)
					raw += t->rgs[g].frames[c].raw_size;
				g++;
			}
			if (!split)
				raw = t->raw_bytes;
			int id = max_id + 1 + (int)plan->n;
			plan->jobs[plan->n] = (rcr_convert_job){ti, lo, g, id, raw, 0};
			RCR_FORWARD(table_data_entry(&plan->entries[plan->n++], toc, t, id, split));
		} while (g < t->nrgs);
	}
	return 0;
}

/*
 * Large objects across archive versions (doc/pg-archive.md, "Large objects"). A 1.14/1.15
 * reader always opens "blobs.toc"; a 1.16 reader opens the file its BLOBS entry names, which
 * pg_dump 17 writes as "blobs_<dumpId>.toc", one per BLOBS entry, and skips the entry silently
 * when the name is empty. The list's lines and the blob files are the same in every version,
 * so converting a 1.14/1.15 schema to 1.16 only renames its one list and records the new
 * name. Its one BLOB entry per large object stays: pg_restore 17+ restores those in any
 * archive version (only BLOB METADATA, pg_dump 17's grouped form, needs 1.16). The reverse
 * cannot be done by renaming: a 1.16 schema's BLOB METADATA means nothing to pg_restore 15 or 16.
 */
int rcr_convert_plan_large_objects(rcr_convert_plan *plan, rcr_toc *toc, const rcr_manifest *m, int target_minor)
{
	plan->lo_src = plan->lo_dst = NULL;
	int nblobs = 0;
	rcr_toc_entry *blobs = NULL;
	for (int i = 0; i < toc->nentries; i++) {
		const char *d = toc->entries[i].desc;
		int lo = d && (strcmp(d, "BLOBS") == 0 || strcmp(d, "BLOB METADATA") == 0);
		if (lo && toc->vmin >= 16 && target_minor < 16)
			return rcr_error_set_hint(RCR_E_USAGE, "use --archive-version 1.16",
						  "archive version 1.%d cannot hold the large objects of this 1.%d schema "
						  "archive (entry %d is %s)",
						  target_minor, toc->vmin, toc->entries[i].dump_id, d);
		if (lo && strcmp(d, "BLOBS") == 0) {
			nblobs++;
			blobs = &toc->entries[i];
		}
	}
	if (nblobs == 0 || toc->vmin >= 16 || target_minor < 16)
		return 0; /* the same layout on both sides: files and names stay */
	if (nblobs > 1)
		return rcr_error_set(RCR_E_FORMAT, "schema toc.dat of version 1.%d has %d BLOBS entries; that version has one",
				     toc->vmin, nblobs);
	int found = 0;
	for (uint32_t i = 0; i < m->nschema_files; i++)
		if (strcmp(m->schema_files[i].name, "blobs.toc") == 0)
			found = 1;
	if (!found)
		return rcr_error_set(RCR_E_FORMAT, "schema has a BLOBS entry (%d) but no 'blobs.toc' large object list",
				     blobs->dump_id);
	char *name = dupf("blobs_%lld.toc", blobs->dump_id);
	if (!name)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	free(blobs->filename);
	blobs->filename = name;
	plan->lo_src = "blobs.toc";
	plan->lo_dst = name;
	return 0;
}

/* Inserts the plan's entries after pre-data and the schema's own data entries, before
 * post-data, where pg_dump puts data. The toc owns them afterwards. */
static int insert_entries(rcr_toc *toc, rcr_convert_plan *plan)
{
	int first_post = toc->nentries;
	for (int i = 0; i < toc->nentries; i++)
		if (toc->entries[i].section == RCR_TOC_SECTION_POST) {
			first_post = i;
			break;
		}
	rcr_toc_entry *all = calloc((size_t)toc->nentries + plan->n + 1, sizeof *all);
	if (!all)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	memcpy(all, toc->entries, (size_t)first_post * sizeof *all);
	memcpy(all + first_post, plan->entries, plan->n * sizeof *all);
	memcpy(all + first_post + plan->n, toc->entries + first_post, (size_t)(toc->nentries - first_post) * sizeof *all);
	free(toc->entries);
	free(plan->entries);
	plan->entries = NULL;
	toc->entries = all;
	toc->nentries += (int)plan->n;
	return 0;
}

int rcr_convert_plan_finish_toc(rcr_buf *out, rcr_convert_plan *plan, rcr_toc *toc, const rcr_convert_opts *o)
{
	RCR_FORWARD(insert_entries(toc, plan));
	int old_minor = toc->vmin;
	toc->vmin = o->archive_minor;
	/* 1.14 records a gzip level (0 none, -1 default); 1.15+ the algorithm, which pg_restore 16+
	 * prints in -l and uses to size parallel jobs by file. */
	toc->compression = o->archive_minor >= 15 ? o->algorithm : o->algorithm == RCR_CONVERT_GZIP ? o->level : 0;
	/* A 1.16 source already carries pg_dump's own relkinds; otherwise they come from each
	 * entry's desc and CREATE TABLE (pgtoc.h), TABLE DATA getting 0. Not from the manifest: it
	 * lists only the tables rcr stored (never a partitioned parent), and its Relkind is
	 * information only (format-spec/permissive.md). */
	for (int i = 0; i < toc->nentries && old_minor < 16; i++)
		toc->entries[i].relkind = rcr_toc_entry_relkind(&toc->entries[i]);
	rcr_buf_reset(out);
	return rcr_toc_encode(out, toc);
}

void rcr_convert_plan_free(rcr_convert_plan *plan)
{
	for (uint32_t i = 0; plan->entries && i < plan->n; i++)
		rcr_toc_entry_clear(&plan->entries[i]);
	free(plan->entries);
	free(plan->jobs);
	*plan = (rcr_convert_plan)RCR_CONVERT_PLAN_INIT;
}
