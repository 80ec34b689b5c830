/*
 * extensions.c: the extensions the archive's tables need (extlist.h), made present in the
 * target before the schema is restored.
 *
 * pg_dump leaves extensions out of a dump made with -n or -t, so "CREATE TABLE ... embedding
 * public.vector(768)" fails in a new database. rcr dump records what the tables need; restore
 * checks the target first, before it changes anything: an extension the server cannot provide
 * (not in pg_available_extensions) stops the restore with its name, what needs it and what to
 * install. Then it creates the missing ones (CREATE EXTENSION IF NOT EXISTS ... WITH SCHEMA,
 * names quoted: they come from the archive), and drops them again if pre-data fails, so a
 * failed restore leaves no extension it created. Extensions the target already had are never
 * touched: the -L list also keeps pg_restore --clean from dropping them (schema.c).
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ext_missing / ext_created bits */
#define EXT_MISSING 1
#define EXT_SCHEMA_MISSING 2

/* Row i: the target's state of extension i (from 1, list order): installed version or NULL,
 * whether the server can install it, whether its schema exists. */
static int query_target(PGresult **out, restore_ctx *r)
{
	rcr_buf names = RCR_BUF_INIT, schemas = RCR_BUF_INIT;
	for (size_t i = 0; i < r->exts.n; i++) {
		restore_array_add(&names, r->exts.items[i].name);
		restore_array_add(&schemas, r->exts.items[i].schema);
	}
	return restore_query_arrays(out, r->conn,
		"SELECT e.extversion,"
		" EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions a WHERE a.name OPERATOR(pg_catalog.=) u.name),"
		" EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) u.schema)"
		" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[]) WITH ORDINALITY AS u(name, schema, i)"
		" LEFT JOIN pg_catalog.pg_extension e ON e.extname OPERATOR(pg_catalog.=) u.name"
		" ORDER BY u.i",
		&names, &schemas, "checking the target's extensions");
}

static int refuse_unavailable(const rcr_extension *e)
{
	char hint[2600];
	snprintf(hint, sizeof hint,
		 "install extension %s (version %s) on the database server, e.g. the distribution's package"
		 " for it (pgvector: postgresql-<major>-pgvector), or create it yourself and rerun",
		 rcr_text_escape(e->name).s, rcr_text_escape(e->version).s);
	return rcr_error_set_hint(RCR_E_TARGET, hint,
				  "the archive needs extension '%s'%s%s, which the server does not have (it is not in"
				  " pg_available_extensions); nothing was restored",
				  rcr_text_escape(e->name).s, e->use[0] ? " for " : "", rcr_text_escape(e->use).s);
}

int restore_extensions_check(restore_ctx *r)
{
	if (!r->schema_phases || r->o->no_extensions)
		return 0;
	RCR_FORWARD(rcr_extlist_from_meta(&r->exts, r->m));
	if (r->exts.n == 0)
		return 0;
	if (!(r->ext_missing = calloc(r->exts.n, 1)) || !(r->ext_created = calloc(r->exts.n, 1)))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	PGresult *res;
	RCR_FORWARD(query_target(&res, r));
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(res) && (size_t)i < r->exts.n; i++) {
		const rcr_extension *e = &r->exts.items[i];
		if (!PQgetisnull(res, i, 0))
			continue;  /* installed: the target's own, left as it is whatever its version */
		if (strcmp(PQgetvalue(res, i, 1), "t") != 0)
			rc = refuse_unavailable(e);
		r->ext_missing[i] = EXT_MISSING | (strcmp(PQgetvalue(res, i, 2), "t") != 0 ? EXT_SCHEMA_MISSING : 0);
	}
	PQclear(res);
	return rc;
}

/* [CREATE SCHEMA "schema";] CREATE EXTENSION IF NOT EXISTS "name" WITH SCHEMA "schema" CASCADE,
 * from quoted names, in one implicit transaction. An extension that requires another gets it
 * through CASCADE, in the same schema. The schema is created only when the target lacks it (the
 * -L list, made afterwards, then skips the archive's CREATE SCHEMA for it). */
static int create_one(PGconn *conn, const rcr_extension *e, int schema_missing)
{
	char *name = NULL, *schema = NULL;
	int rc = rcr_pg_quote_ident(&name, conn, e->name);
	if (rc == 0)
		rc = rcr_pg_quote_ident(&schema, conn, e->schema);
	rcr_buf sql = RCR_BUF_INIT;
	if (rc == 0) {
		if (schema_missing)
			rcr_buf_appendf(&sql, "CREATE SCHEMA %s; ", schema);
		rcr_buf_appendf(&sql, "CREATE EXTENSION IF NOT EXISTS %s WITH SCHEMA %s CASCADE", name, schema);
		rc = rcr_buf_check(&sql);
	}
	if (rc == 0)
		rc = rcr_pg_exec(conn, rcr_buf_cstr(&sql));
	if (rc < 0)
		rc = rcr_error_wrap(rc, "creating extension '%s' in schema '%s'", rcr_text_escape(e->name).s,
				    rcr_text_escape(e->schema).s);
	rcr_buf_free(&sql);
	free(name);
	free(schema);
	return rc;
}

int restore_extensions_create(restore_ctx *r)
{
	for (size_t i = 0; i < r->exts.n; i++) {
		if (!r->ext_missing || !r->ext_missing[i])
			continue;
		RCR_FORWARD(create_one(r->conn, &r->exts.items[i], r->ext_missing[i] & EXT_SCHEMA_MISSING));
		r->ext_created[i] = r->ext_missing[i];
		if (r->o->common.verbose)
			fprintf(stderr, "rcr: created extension %s in schema %s, for %s\n",
				rcr_text_escape(r->exts.items[i].name).s, rcr_text_escape(r->exts.items[i].schema).s,
				r->exts.items[i].use[0] ? rcr_text_escape(r->exts.items[i].use).s : "the archive's tables");
	}
	return 0;
}

/* DROP <what> IF EXISTS "ident" (no CASCADE), keeping the thread's error: the failure that
 * brought us here is the one to report. */
static void drop_quietly(PGconn *conn, const char *what, const char *ident)
{
	rcr_error_snapshot keep;
	rcr_error_save(&keep);
	char *q = NULL;
	if (rcr_pg_quote_ident(&q, conn, ident) == 0) {
		rcr_buf sql = RCR_BUF_INIT;
		rcr_buf_appendf(&sql, "DROP %s IF EXISTS %s", what, q);
		if (rcr_buf_check(&sql) == 0)
			(void)rcr_pg_exec(conn, rcr_buf_cstr(&sql));
		rcr_buf_free(&sql);
	}
	free(q);
	rcr_error_restore(&keep);
}

/* After pre-data failed (it ran in one transaction, so nothing uses them): what this restore
 * created is dropped again, without CASCADE, so that nothing else can go with it. */
void restore_extensions_undo(restore_ctx *r)
{
	for (size_t i = r->exts.n; i-- > 0;) {
		uint8_t made = r->ext_created ? r->ext_created[i] : 0;
		if (made & EXT_MISSING)
			drop_quietly(r->conn, "EXTENSION", r->exts.items[i].name);
		if (made & EXT_SCHEMA_MISSING)
			drop_quietly(r->conn, "SCHEMA", r->exts.items[i].schema);
		if (r->ext_created)
			r->ext_created[i] = 0;
	}
}

void restore_extensions_end(restore_ctx *r)
{
	rcr_extlist_free(&r->exts);
	free(r->ext_missing);
	free(r->ext_created);
	r->ext_missing = r->ext_created = NULL;
}
