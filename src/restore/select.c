/*
 * select.c: what restore's -n and -t select. They take exact names, as pg_restore's do (not
 * pg_dump's patterns), and every one must name something in the archive, as with pg_restore
 * --strict-names.
 */
#include "restore_internal.h"

#include "rcr/err.h"

#include <string.h>

static int in_list(const rcr_strlist *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (s && strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

int restore_schema_selected(const rcr_restore_opts *o, const char *schema)
{
	return o->schemas.n == 0 || in_list(&o->schemas, schema);
}

int restore_selected(const rcr_restore_opts *o, const rcr_table *t)
{
	return restore_schema_selected(o, t->schema) && (o->tables.n == 0 || in_list(&o->tables, t->name));
}

/* A relation pg_restore -t selects (tables, views, materialized views, sequences, foreign
 * tables: what pg_restore 17 matches), named `name` in a schema -n selects. */
static int toc_has_relation(const rcr_toc *toc, const rcr_restore_opts *o, const char *name)
{
	static const char *const kinds[] = {"TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE"};
	for (int i = 0; toc && i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || !e->tag || strcmp(e->tag, name) != 0 || !restore_schema_selected(o, e->namespace_))
			continue;
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			if (strcmp(e->desc, kinds[k]) == 0)
				return 1;
	}
	return 0;
}

static int toc_has_schema(const rcr_toc *toc, const char *schema)
{
	for (int i = 0; toc && i < toc->nentries; i++)
		if (toc->entries[i].namespace_ && strcmp(toc->entries[i].namespace_, schema) == 0)
			return 1;
	return 0;
}

/*
 * Every -n and -t must name something in the archive (always on: a misspelt name would
 * otherwise restore nothing and exit 0). A schema matches when one of its tables or any schema
 * entry is in it; a table, when the manifest has a table of that name in a selected schema, or
 * the schema archive a relation pg_restore -t would pick. Runs before the database is touched.
 */
int restore_check_names(const rcr_restore_opts *o, const rcr_manifest *m, const rcr_toc *toc)
{
	int rc = 0;
	for (int i = 0; i < o->schemas.n && rc == 0; i++) {
		int found = toc_has_schema(toc, o->schemas.items[i]);
		for (uint32_t k = 0; k < m->ntables && !found; k++)
			found = strcmp(m->tables[k].schema, o->schemas.items[i]) == 0;
		if (!found)
			rc = rcr_error_set_hint(RCR_E_USAGE, "-n takes an exact schema name, as pg_restore's; `rcr list` shows the archive's tables",
						"schema '%s' (-n) matches nothing in the archive; nothing was restored",
						o->schemas.items[i]);
	}
	for (int i = 0; i < o->tables.n && rc == 0; i++) {
		int found = toc_has_relation(toc, o, o->tables.items[i]);
		for (uint32_t k = 0; k < m->ntables && !found; k++)
			found = strcmp(m->tables[k].name, o->tables.items[i]) == 0 &&
				restore_schema_selected(o, m->tables[k].schema);
		if (!found)
			rc = rcr_error_set_hint(RCR_E_USAGE, "-t takes an exact table name, as pg_restore's; `rcr list` shows the archive's tables",
						"table '%s' (-t) matches nothing in the archive%s; nothing was restored",
						o->tables.items[i], o->schemas.n ? " in the schemas -n selects" : "");
	}
	return rc;
}
