/*
 * schema.c: the embedded schema (a pg_dump directory archive), restored through pg_restore in
 * its three sections around rcr's own data phase: pre-data (in one transaction, see
 * restore_pre_data), then, after the tables' rows, the rest of the data section (sequence
 * values, large objects) and post-data (indexes, constraints, triggers) with pg_restore -j.
 * Every run reads the -L list made here, and --clean first drops the archive's foreign keys.
 */
#include "restore_internal.h"

#include "rcr/argv.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The embedded schema's toc.dat, decoded into r->toc (NULL without a schema). */
int restore_read_schema_toc(restore_ctx *r)
{
	if (!r->m->schema_dir[0])
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/toc.dat", r->o->archive, r->m->schema_dir);
	rcr_buf b = RCR_BUF_INIT;
	int rc = rcr_fs_read_file(&b, path, (uint64_t)1 << 30);
	if (rc == 0)
		rc = rcr_toc_decode(&r->toc, b.data, b.len);
	rcr_buf_free(&b);
	return rc;
}

/* The dump IDs of the embedded schema's SCHEMA and EXTENSION entries whose schema or extension
 * the target already has, ascending. Only those names are asked for, as a parameter (marked 's'
 * or 'e' in front): the session speaks the archive's encoding, in which another name may have
 * no equivalent. The entries are picked by dump ID, never by their text in pg_restore's list,
 * whose fields are unquoted names that may hold spaces or look like another entry's. */
static int existing_object_ids(PGresult **out, PGconn *conn, const rcr_toc *toc)
{
	rcr_buf names = RCR_BUF_INIT, ids = RCR_BUF_INIT;
	for (int i = 0; i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		int schema = e->desc && strcmp(e->desc, "SCHEMA") == 0;
		if (!e->tag || !(schema || (e->desc && strcmp(e->desc, "EXTENSION") == 0)))
			continue;
		char id[16];
		snprintf(id, sizeof id, "%d", e->dump_id);
		rcr_buf marked = RCR_BUF_INIT;
		rcr_buf_append_cstr(&marked, schema ? "s" : "e");
		rcr_buf_append_cstr(&marked, e->tag);
		const char *m = rcr_buf_cstr(&marked);
		restore_array_add(&names, m ? m : "");
		rcr_buf_free(&marked);
		restore_array_add(&ids, id);
	}
	return restore_query_arrays(out, conn,
		"SELECT u.id FROM unnest($1::text[], $2::int[]) AS u(name, id)"
		" WHERE CASE pg_catalog.left(u.name, 1)"
		"  WHEN 's' THEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = pg_catalog.substr(u.name, 2))"
		"  ELSE EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = pg_catalog.substr(u.name, 2)) END"
		" ORDER BY u.id",
		&names, &ids, "listing the target's schemas and extensions");
}

/* The dump ID of a line of pg_restore's list ("N; tableoid oid DESC namespace tag owner"), or
 * -1 for a comment line (';') or anything else. */
static long list_line_id(const char *line, size_t len)
{
	char num[16];
	size_t n = 0;
	while (n < len && n < sizeof num - 1 && line[n] >= '0' && line[n] <= '9') {
		num[n] = line[n];
		n++;
	}
	if (n == 0 || n >= len || line[n] != ';')
		return -1;
	num[n] = 0;
	return strtol(num, NULL, 10);
}

/* Whether id is one of the dump IDs in ids (a PGresult of one column). */
static int id_in_result(long id, const void *ids)
{
	for (int i = 0; i < PQntuples(ids); i++)
		if (strtol(PQgetvalue(ids, i, 0), NULL, 10) == id)
			return 1;
	return 0;
}

/* pg_restore --list of the embedded schema archive into *list. */
static int list_schema_archive(rcr_buf *list, const restore_ctx *r)
{
	char schema[4096];
	snprintf(schema, sizeof schema, "%s/%s", r->o->archive, r->m->schema_dir);
	char *argv[] = {r->tool, "--list", schema, NULL};
	int rc = rcr_pg_run_tool_capture(argv, r->password, NULL, rcr_interrupt_child_slot(), list);
	return rc < 0 ? rcr_error_wrap(rc, "listing the schema archive") : 0;
}

/* Appends list to out, line by line, commenting out the entries whose dump ID drop() picks. */
static int filter_list(rcr_buf *out, const rcr_buf *list, int (*drop)(long id, const void *ctx), const void *ctx)
{
	const char *p = (const char *)list->data, *end = p + list->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		long id = list_line_id(p, len);
		if (id >= 0 && drop(id, ctx))
			RCR_BUF_LIT(out, ";");
		rcr_buf_append(out, p, len);
		RCR_BUF_LIT(out, "\n");
		p += len + 1;
	}
	return rcr_buf_check(out);
}

/* text into a new file without a name, *path "/dev/fd/N" (restore_close_list closes it). */
static int write_unnamed(char **path, const rcr_buf *text)
{
	*path = NULL;
	/* TMPDIR as every Unix tool honours it. */
	const char *tmpdir = getenv("TMPDIR");
	int fd = rcr_fs_open_unnamed(tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	if (fd < 0)
		return fd;
	int rc = 0;
	for (size_t off = 0; rc == 0 && off < text->len;) {
		ssize_t n = pwrite(fd, text->data + off, text->len - off, (off_t)off);
		if (n < 0 && errno != EINTR)
			rc = rcr_error_set(RCR_E_IO, "could not write a temporary file: %s", strerror(errno));
		off += n > 0 ? (size_t)n : 0;
	}
	char p[64];
	snprintf(p, sizeof p, "/dev/fd/%d", fd);
	if (rc == 0 && !(*path = strdup(p)))
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc < 0)
		close(fd);
	return rc;
}

int restore_write_list(char **path, const restore_ctx *r, int (*drop)(long id, const void *ctx), const void *ctx)
{
	rcr_buf text = RCR_BUF_INIT;
	int rc = filter_list(&text, &r->list_text, drop, ctx);
	if (rc == 0)
		rc = write_unnamed(path, &text);
	rcr_buf_free(&text);
	return rc;
}

void restore_close_list(char *path)
{
	int fd;
	if (path && sscanf(path, "/dev/fd/%d", &fd) == 1)
		close(fd);
	free(path);
}

/*
 * pg_restore's -L list for the embedded schema (r->list_file, its text in r->list_text): every
 * entry, except that a SCHEMA entry for a schema the target database already has is commented
 * out, and so is an EXTENSION entry for an extension it already has. `pg_dump -n public`
 * records "CREATE SCHEMA public", which every fresh database already has; replaying it would
 * fail the restore (and --clean would try to drop a schema the target's extensions live in).
 * An extension the target had before (or that restore just created, extensions.c) is left
 * alone: --clean must never drop it, with whatever else uses it. The file has no name, so a
 * killed rcr cannot leave it behind; pg_restore reads it as /dev/fd/N, its fd inherited across
 * the exec (restore_schema_end closes it).
 */
static int make_restore_list(restore_ctx *r)
{
	rcr_buf list = RCR_BUF_INIT;
	PGresult *ns = NULL;
	int rc = list_schema_archive(&list, r);
	if (rc == 0)
		rc = existing_object_ids(&ns, r->conn, r->toc);
	if (rc == 0)
		rc = filter_list(&r->list_text, &list, id_in_result, ns);
	if (rc == 0)
		rc = write_unnamed(&r->list_file, &r->list_text);
	PQclear(ns);
	rcr_buf_free(&list);
	return rc;
}

/* Closes the list that make_restore_list left open as /dev/fd/N, and frees its path. */
void restore_schema_end(restore_ctx *r)
{
	restore_close_list(r->list_file);
	r->list_file = NULL;
	rcr_buf_free(&r->list_text);
}

/* ALTER TABLE [IF EXISTS] [ONLY] schema.table DROP CONSTRAINT [IF EXISTS] name, from the
 * target's own names (row i of drop_foreign_key's query), quoted. */
static int drop_constraint(PGconn *conn, const PGresult *res, int i, int if_exists)
{
	char *qn = NULL, *qc = NULL;
	rcr_buf sql = RCR_BUF_INIT;
	int rc = rcr_pg_qualified_name(&qn, conn, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	if (rc == 0)
		rc = rcr_pg_quote_ident(&qc, conn, PQgetvalue(res, i, 3));
	if (rc == 0) {
		rcr_buf_appendf(&sql, "ALTER TABLE %s%s%s DROP CONSTRAINT %s%s", if_exists ? "IF EXISTS " : "",
				PQgetvalue(res, i, 2)[0] == 'p' ? "" : "ONLY ", qn, if_exists ? "IF EXISTS " : "", qc);
		rc = rcr_buf_check(&sql);
	}
	if (rc == 0)
		rc = rcr_pg_exec(conn, rcr_buf_cstr(&sql));
	rcr_buf_free(&sql);
	free(qn);
	free(qc);
	return rc;
}

/*
 * Drops one FK CONSTRAINT entry's foreign key. The statement pg_dump recorded in toc.dat is
 * not run: toc.dat is archive content, and a forged drop statement could be any SQL. pg_dump's
 * tag for a constraint is "table constraint" (ambiguous when a name holds a space), so the
 * entry's namespace and tag are matched, as parameters, against the target's foreign keys, and
 * the statement is built from the target's own names, ONLY except on a partitioned table (as
 * pg_dump writes it). Without --if-exists a foreign key the target lacks is an error, as the
 * recorded statement would have been.
 */
static int drop_foreign_key(PGconn *conn, const rcr_toc_entry *e, int if_exists)
{
	const char *params[2] = {e->namespace_, e->tag};
	PGresult *res = PQexecParams(conn,
		"SELECT n.nspname, c.relname, c.relkind, k.conname FROM pg_catalog.pg_constraint k"
		" JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		" WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname::text || ' ' || k.conname::text = $2",
		2, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = rcr_error_set(RCR_E_QUERY, "query failed: %s", rcr_pg_error_line(conn));
	else if (PQntuples(res) == 0 && !if_exists)
		rc = rcr_error_set(RCR_E_QUERY, "the target database has no such foreign key in schema %s",
				   rcr_name_quote(e->namespace_).s);
	for (int i = 0; rc == 0 && i < PQntuples(res); i++)
		rc = drop_constraint(conn, res, i, if_exists);
	PQclear(res);
	return rc;
}

/*
 * pg_restore --clean drops an archive's objects in reverse dump order, so foreign keys
 * (post-data) go before the tables they point at. rcr replays the pre-data section on its own
 * (table data is loaded before post-data), and there --clean drops the tables but not the
 * foreign keys: DROP TABLE then fails ("other objects depend on it") over any database where
 * one table of the archive references another. So with --clean, the archive's FK CONSTRAINT
 * entries are dropped first, newest first (drop_foreign_key). Selection follows pg_restore:
 * -n keeps entries of those schemas; -t cleans only the named tables, never constraints.
 */
static int drop_foreign_keys(PGconn *conn, const rcr_toc *toc, const rcr_restore_opts *o)
{
	if (o->tables.n)
		return 0;
	/* As in pg_restore's session: no "does not exist, skipping" notice per IF EXISTS. */
	int rc = rcr_pg_exec(conn, "SET client_min_messages = warning");
	for (int i = toc ? toc->nentries - 1 : -1; rc == 0 && i >= 0; i--) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || strcmp(e->desc, "FK CONSTRAINT") != 0 || !e->tag || !e->namespace_)
			continue;
		if (!restore_schema_selected(o, e->namespace_))
			continue;
		rc = drop_foreign_key(conn, e, o->if_exists);
		if (rc < 0)
			rc = rcr_error_wrap(rc, "dropping foreign key '%s' for --clean", rcr_text_escape(e->tag).s);
	}
	if (rc == 0)
		rc = rcr_pg_exec(conn, "RESET client_min_messages");
	return rc;
}

/* Before pre-data: the -L list, and with --clean the archive's foreign keys dropped. */
int restore_prepare_schema(restore_ctx *r)
{
	int rc = r->have_schema ? make_restore_list(r) : 0;
	if (rc == 0 && r->schema_phases && r->o->clean)
		rc = drop_foreign_keys(r->conn, r->toc, r->o);
	return rc;
}

/* pg_restore's command line for one section of the embedded schema archive. Every -n and -t
 * is passed on, however many: one dropped would widen pg_restore's selection. */
static int pg_restore_argv(rcr_argv *a, const restore_ctx *r, const char *conninfo, const char *list,
			   const char *section, int jobs, int single_tx)
{
	const rcr_restore_opts *o = r->o;
	const char *no_owner = rcr_manifest_get_meta(r->m, "no_owner");
	rcr_argv_add(a, r->tool);
	rcr_argv_add(a, section);
	rcr_argv_addf(a, "--dbname=%s", conninfo);
	rcr_argv_add(a, "--exit-on-error");
	if (list)
		rcr_argv_addf(a, "--use-list=%s", list);
	if (jobs > 1)
		rcr_argv_addf(a, "--jobs=%d", jobs);
	if (o->no_owner || (no_owner && strcmp(no_owner, "1") == 0))
		rcr_argv_add(a, "--no-owner");
	if (o->no_privileges)
		rcr_argv_add(a, "--no-privileges");
	if (single_tx)
		rcr_argv_add(a, "--single-transaction");
	if (o->clean && strcmp(section, "--section=pre-data") == 0) {
		rcr_argv_add(a, "--clean");
		if (o->if_exists)
			rcr_argv_add(a, "--if-exists");
	}
	if (o->disable_triggers && strcmp(section, "--section=data") == 0)
		rcr_argv_add(a, "--disable-triggers");
	rcr_argv_add_each(a, "--schema=", o->schemas.items, o->schemas.n);
	rcr_argv_add_each(a, "--table=", o->tables.items, o->tables.n);
	if (o->common.verbose > 1)
		rcr_argv_add(a, "--verbose");
	rcr_argv_addf(a, "%s/%s", o->archive, r->m->schema_dir);
	return rcr_argv_status(a);
}

/* Runs pg_restore on the embedded schema archive for one section, connecting with conninfo. */
static int run_pg_restore_list(const restore_ctx *r, const char *conninfo, const char *list, const char *section,
			       int jobs, int single_tx)
{
	rcr_argv argv = RCR_ARGV_INIT;
	int rc = pg_restore_argv(&argv, r, conninfo, list, section, jobs, single_tx);
	if (rc == 0 && r->o->common.verbose)
		fprintf(stderr, "rcr: pg_restore %s\n", section);
	if (rc == 0)
		rc = rcr_pg_run_tool_capture(argv.v, r->password, NULL, rcr_interrupt_child_slot(), NULL);
	rcr_argv_free(&argv);
	if (rc < 0)
		return rcr_error_wrap(rc, "restoring the schema (%s)", section + 2);
	return 0;
}

/* Runs pg_restore for one section with the restore's -L list. */
static int run_pg_restore(const restore_ctx *r, const char *conninfo, const char *section, int jobs, int single_tx)
{
	return run_pg_restore_list(r, conninfo, r->list_file, section, jobs, single_tx);
}

int restore_run_post_data_list(const restore_ctx *r, const char *conninfo, const char *list, int jobs)
{
	return run_pg_restore_list(r, conninfo, list, "--section=post-data", jobs, 0);
}

/*
 * pre-data in one transaction: the target check cannot see every object the schema creates (a
 * type or function of the same name), and a clash half-way would otherwise leave whatever came
 * before it (the extensions, the first types) in the target. But that transaction holds a lock
 * on every relation it creates until it commits, and a schema with more than the server's lock
 * table holds (max_locks_per_transaction) cannot be created so; the failed transaction left
 * nothing behind, so then pre-data runs again statement by statement, as pg_restore does by
 * default.
 */
static int is_duplicate_object(const char *sqlstate)
{
	static const char *const codes[] = {"42710", "42P06", "42P07", "42723"};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(sqlstate, codes[i]) == 0)
			return 1;
	return 0;
}

int restore_pre_data(restore_ctx *r)
{
	const rcr_restore_opts *o = r->o;
	int rc = run_pg_restore(r, r->conninfo, "--section=pre-data", 1, 1);
	/* 53200 out_of_memory: the shared lock table is full. */
	if (rc < 0 && !rcr_interrupted() && strcmp(rcr_error_sqlstate(), "53200") == 0) {
		if (!o->common.quiet)
			fprintf(stderr, "rcr: the schema needs more locks than one transaction can hold"
					" (max_locks_per_transaction); restoring it statement by statement\n");
		rc = run_pg_restore(r, r->conninfo, "--section=pre-data", 1, 0);
	} else if (rc < 0 && !o->clean && is_duplicate_object(rcr_error_sqlstate()) && !rcr_error_hint()[0]) {
		/* An object outside the table check (a type, a function, a schema) is in the way;
		 * the one transaction rolled back. */
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", rcr_error_message());
		rc = rcr_error_set_hint(rc, "the schema is restored in one transaction, so nothing was created: restore"
					    " into an empty database, or replace the archive's objects with --clean",
					"%s", msg);
	}
	return rc;
}

/*
 * Session settings for the post-data phase (indexes, constraints), given to pg_restore's
 * sessions as server options since it has no flag for them. Vector indexes build far faster
 * when their graph fits in maintenance_work_mem (pgvector's advice), but pg_restore -j N builds
 * N indexes at once, each with its own budget: the default gives each build min(shared_buffers,
 * 2 GB) / N, never less than the server's own setting, so the total stays within what the
 * server was already sized to hold in shared memory. Parallel workers per build share
 * max_parallel_workers.
 */
static int index_build_options(char *out, size_t cap, PGconn *conn, const rcr_restore_opts *o)
{
	PGresult *res;
	RCR_FORWARD(rcr_pg_query(&res, conn,
		"SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem')) / 1024,"
		" pg_catalog.pg_size_bytes(pg_catalog.current_setting('shared_buffers')) / 1024,"
		" pg_catalog.current_setting('max_parallel_workers')::int,"
		" pg_catalog.current_setting('max_parallel_maintenance_workers')::int"));
	long long cur_kb = atoll(PQgetvalue(res, 0, 0)), sb_kb = atoll(PQgetvalue(res, 0, 1));
	int mpw = atoi(PQgetvalue(res, 0, 2)), mpmw = atoi(PQgetvalue(res, 0, 3));
	PQclear(res);
	long long cap_kb = sb_kb < 2LL * 1024 * 1024 ? sb_kb : 2LL * 1024 * 1024;
	long long kb = cap_kb / o->jobs;
	if (kb < cur_kb)
		kb = cur_kb;
	int workers = mpw / o->jobs;
	if (workers < mpmw)
		workers = mpmw;
	if (o->maintenance_work_mem)
		snprintf(out, cap, "-c maintenance_work_mem=%s -c max_parallel_maintenance_workers=%d",
			 o->maintenance_work_mem, workers);
	else
		snprintf(out, cap, "-c maintenance_work_mem=%lldkB -c max_parallel_maintenance_workers=%d", kb, workers);
	if (o->common.verbose)
		fprintf(stderr, "rcr: index builds with %s\n", out);
	return 0;
}

/* post-data, its sessions with index_build_options; the vector indexes (vindex.c) out of that
 * run and built after it, each with the memory it needs. */
static int restore_post_data(restore_ctx *r)
{
	char options[512];
	char *conninfo = NULL, *password = NULL, *list = NULL;
	int rc = index_build_options(options, sizeof options, r->conn, r->o);
	if (rc == 0)
		rc = restore_vindex_plan(r);
	restore_usable_mark(r);
	if (rc == 0 && r->nvidx)
		rc = restore_write_list(&list, r, restore_usable_excluded, r);
	if (rc == 0)
		rc = rcr_pg_child_conninfo_opts(&conninfo, &password, r->conn, options);
	if (rc == 0 && !rcr_interrupted())
		rc = restore_run_post_data_list(r, conninfo, list ? list : r->list_file, r->o->jobs);
	if (rc == 0 && !rcr_interrupted())
		rc = restore_vindex_build_all(r);
	if (rc == 0 && !rcr_interrupted() && r->o->usable_first)
		rc = restore_usable_build(r);
	restore_close_list(list);
	free(conninfo);
	free(password);
	return rc;
}

/*
 * After the tables' rows: the rest of the data section (sequence values, large objects) and
 * post-data. An interrupt stops both, except after -1's COMMIT succeeded (committed): the
 * sequence values belong with the committed rows, so the data section still runs.
 */
int restore_data_and_post_data(restore_ctx *r, int committed)
{
	int rc = 0;
	if (r->have_schema && (!rcr_interrupted() || committed))
		rc = run_pg_restore(r, r->conninfo, "--section=data", 1, 0);
	if (rc == 0 && r->schema_phases && !rcr_interrupted())
		rc = restore_post_data(r);
	return rc;
}
