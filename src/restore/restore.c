/*
 * restore.c: `rcr restore`, the driver.
 *
 * Phases, as pg_restore runs them: the schema's pre-data section (pg_restore from the embedded
 * pg_dump archive, schema.c), then the table data rcr stored, in parallel (load.c: frames
 * decoded, checked and reassembled into binary COPY by feed.c), then the rest of the data
 * section through pg_restore (sequence values, large objects), then post-data (indexes,
 * constraints, triggers) with pg_restore -j. Before anything is changed the archive and the
 * options are checked (select.c) and the target refused if it already has the tables
 * (target.c); before any row is sent, the target's columns are checked against the archive's.
 * Every frame is verified before any row of its row group is sent; each COPY runs in its own
 * transaction and must report exactly the manifest's row count, or the transaction is rolled
 * back and the restore fails naming the table. No failure leaves a table holding part of its
 * rows: see plan.c and report.c.
 */
#include "restore_internal.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A memory setting as PostgreSQL reads one: a number, then optionally a unit of letters. It goes
 * into PGOPTIONS, where a space would start another setting. */
static int size_setting_ok(const char *v)
{
	size_t digits = strspn(v, "0123456789.");
	size_t unit = strspn(v + digits, "kKmMgGtTbB");
	return digits > 0 && digits < 19 && unit <= 2 && v[digits + unit] == 0;
}

static int check_options(const rcr_restore_opts *o)
{
	if (!o->archive)
		return rcr_error_set(RCR_E_USAGE, "no archive given");
	if (o->jobs < 1 || o->jobs > 64)
		return rcr_error_set(RCR_E_USAGE, "-j/--jobs must be between 1 and 64");
	if (o->clean && o->data_only)
		return rcr_error_set(RCR_E_USAGE, "options -c/--clean and -a/--data-only cannot be used together");
	if (o->if_exists && !o->clean)
		return rcr_error_set(RCR_E_USAGE, "option --if-exists requires option -c/--clean");
	if (o->maintenance_work_mem && !size_setting_ok(o->maintenance_work_mem))
		return rcr_error_set_hint(RCR_E_USAGE, "give a number with an optional unit, as in 1GB or 512MB",
					  "invalid --maintenance-work-mem value '%s'", rcr_text_escape(o->maintenance_work_mem).s);
	return 0;
}

/* The archive, its embedded schema's toc.dat, each refused when damaged before the database is
 * touched; -n/-t checked against them; which phases run. */
static int open_archive(restore_ctx *r)
{
	int rc = rcr_archive_open(&r->m, r->o->archive);
	for (uint32_t i = 0; rc == 0 && i < r->m->nschema_files; i++)
		rc = rcr_archive_check_schema_file(r->m, r->o->archive, i);
	if (rc == 0)
		rc = restore_read_schema_toc(r);
	if (rc == 0)
		rc = restore_check_names(r->o, r->m, r->toc);
	if (rc < 0)
		return rc;
	const char *content = rcr_manifest_get_meta(r->m, "content");
	r->have_schema = r->m->schema_dir[0] != 0;
	r->schema_phases = r->have_schema && !r->o->data_only && !(content && strcmp(content, "data-only") == 0);
	/* pre-data, when it runs, creates every table the data phase loads (the target check
	 * refuses a target that has one, --clean drops it first). */
	r->fresh_tables = r->schema_phases;
	return 0;
}

/* The leader's connection, speaking the archive's encoding (names from the archive go out on it:
 * the target check, the -L list's schema names, the --clean drops), and what pg_restore needs. */
static int connect_leader(restore_ctx *r)
{
	int rc = rcr_pg_connect(&r->conn, &r->o->conn, "rcr restore");
	if (rc == 0)
		rc = rcr_pg_set_client_encoding(r->conn, rcr_manifest_get_meta(r->m, "encoding"));
	if (rc == 0)
		rc = rcr_pg_child_conninfo(&r->conninfo, &r->password, r->conn);
	if (rc == 0)
		rc = rcr_pg_find_tool(&r->tool, "pg_restore", PQserverVersion(r->conn) / 10000);
	return rc;
}

/* Before any row is sent: the target's columns must take the archive's bytes, and existing
 * tables load after the tables they reference. */
static int check_before_load(restore_ctx *r)
{
	int rc = restore_check_target_columns(r->conn, r->o, r->m);
	if (rc == 0 && !r->fresh_tables && !r->o->disable_triggers)
		rc = restore_plan_order(r, r->conn);
	return rc;
}

/* After the data phase. Past -1's COMMIT (committed), an interrupt must not stop the pg_restore
 * that sets the sequence values of the committed rows (a signal before the hold found no child
 * to stop), and a later failure says the rows were committed; otherwise an interrupt makes the
 * restore incomplete, whatever else failed. */
static int after_load(restore_ctx *r, int rc)
{
	int committed = r->single_committed == 1;
	if (committed)
		rcr_interrupt_hold();
	if (rc == 0)
		rc = restore_data_and_post_data(r, committed);
	if (rc == 0 && rcr_interrupted() && !committed)
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; the restore is incomplete");
	if (rc < 0 && rcr_interrupted() && rc != RCR_E_INTERRUPTED && !committed)
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted; the restore is incomplete");
	if (rc < 0 && committed)
		rc = rcr_error_wrap(rc, "the tables' rows were committed, then");
	if (rc == 0 && committed && rcr_interrupted() && !r->o->common.quiet)
		fprintf(stderr, "rcr restore: interrupted after the data was committed; the restore was completed\n");
	return rc;
}

static void print_summary(const restore_ctx *r, double t0)
{
	uint64_t rows = 0;
	for (uint32_t i = 0; i < r->njobs; i++)
		rows += r->jobs[i].rows;
	fprintf(stderr, "rcr: restored %u tables, %llu rows, in %.2f s\n", r->ntables, (unsigned long long)rows,
		rcr_now() - t0);
}

static void ctx_end(restore_ctx *r)
{
	restore_schema_end(r);
	restore_extensions_end(r);
	restore_vindex_end(r);
	rcr_toc_free(r->toc);
	free(r->jobs);
	free(r->ts);
	free(r->parents);
	pthread_cond_destroy(&r->cv);
	free(r->tool);
	free(r->conninfo);
	free(r->password);
	PQfinish(r->conn);
	rcr_manifest_free(r->m);
}

int rcr_restore_run(const rcr_restore_opts *o)
{
	RCR_FORWARD(check_options(o));
	double t0 = rcr_now();
	restore_ctx r = {.o = o, .mu = PTHREAD_MUTEX_INITIALIZER, .t0 = t0};
	pthread_cond_init(&r.cv, NULL);
	int rc = open_archive(&r);
	if (rc == 0)
		rc = restore_plan_jobs(&r);
	if (rc == 0)
		rc = restore_precheck_split_tables(&r);
	if (rc == 0)
		rc = connect_leader(&r);
	if (rc == 0 && r.schema_phases && !o->clean)
		rc = restore_check_target_empty(r.conn, o, r.m);
	if (rc == 0)
		rc = restore_extensions_check(&r);
	if (rc == 0)
		rc = restore_extensions_create(&r);
	if (rc == 0)
		rc = restore_prepare_schema(&r);
	if (rc == 0 && r.schema_phases)
		rc = restore_pre_data(&r);
	if (rc < 0)
		restore_extensions_undo(&r);
	if (rc == 0)
		rc = check_before_load(&r);
	if (rc == 0)
		rc = restore_load_data(&r);
	rc = after_load(&r, rc);
	if (rc == 0 && !o->common.quiet)
		print_summary(&r, t0);
	ctx_end(&r);
	return rc;
}
