/*
 * dump_schema.c: the pg_dump child of `rcr dump`. pg_dump captures everything that is not
 * table data (`--exclude-table-data` for every table rcr stores) into <archive>/schema, on the
 * leader's exported snapshot (`--snapshot`), from a thread of its own so that it overlaps the
 * workers' COPYs. While it runs, the leader watches for the one lock wait pg_dump can never
 * leave (check_tool_deadlock). When it is done, its files are listed in the manifest with
 * their sizes and hashes.
 */
#include "dump_int.h"

#include "rcr/archive_writer.h"
#include "rcr/err.h"
#include "rcr/fsutil.h"
#include "rcr/pool.h"
#include "rcr/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void *tool_main(void *arg)
{
	dump_ctx *d = arg;
	dump_schema_child *c = &d->tool;
	c->rc = rcr_dump_explain_tool_failure(d, rcr_pg_run_tool(c->args.v, c->password, rcr_interrupt_child_slot()));
	if (c->rc < 0) {
		rcr_error_save(&c->err);
		rcr_pool_fail(d->pool, c->rc);
	}
	atomic_store(&c->done, 1);
	return NULL;
}

/*
 * Is pg_dump stuck in a lock wait it can never leave? pg_dump takes its own ACCESS SHARE locks
 * shortly after it starts. If an ALTER/DROP TABLE asked for the table in between, it waits for
 * our leader's lock, pg_dump's request queues behind it, and our leader waits for pg_dump: a
 * cycle through a client the server's deadlock detector cannot see. Found from a separate
 * connection (pg_stat_activity is frozen for the length of the leader's transaction): pg_dump's
 * backend (its application_name, on our snapshot's xmin) waits for a lock whose blocker is
 * itself blocked by the leader. Sets the error naming the table and returns it, or 0.
 */
static int check_tool_deadlock(dump_ctx *d, PGconn *watch, int leader_pid)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", leader_pid);
	const char *params[2] = {pid, d->tool.appname};
	PGresult *r = PQexecParams(watch,
		"SELECT n.nspname, c.relname FROM pg_catalog.pg_stat_activity p"
		" JOIN pg_catalog.pg_locks l ON l.pid OPERATOR(pg_catalog.=) p.pid AND NOT l.granted"
		" JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation"
		" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
		" WHERE p.application_name OPERATOR(pg_catalog.=) $2"
		" AND p.backend_xmin OPERATOR(pg_catalog.=) (SELECT backend_xmin FROM pg_catalog.pg_stat_activity"
		"   WHERE pid OPERATOR(pg_catalog.=) $1::int)"
		" AND EXISTS (SELECT 1 FROM unnest(pg_catalog.pg_blocking_pids(p.pid)) AS b"
		"   WHERE $1::int OPERATOR(pg_catalog.=) ANY (pg_catalog.pg_blocking_pids(b))) LIMIT 1",
		2, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		rc = rcr_error_set_hint(RCR_E_QUERY, DUMP_HINT_DDL_AFTER_LOCK,
					"pg_dump cannot lock table '%s': it waits behind another session that waits for this dump",
					rcr_name_qualify(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)).s);
	PQclear(r);
	return rc;
}

/* pg_dump's session gets a name of its own ("rcr dump: pg_dump") unless the user chose one,
 * so that check_tool_deadlock can find it. */
static int name_tool_session(dump_schema_child *c, PGconn *conn)
{
	const char *user_name = NULL;
	PQconninfoOption *opts = PQconninfo(conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "application_name") == 0 && o->val && o->val[0])
			user_name = o->val;
	snprintf(c->appname, sizeof c->appname, "%s", user_name ? user_name : "rcr dump: pg_dump");
	PQconninfoFree(opts);
	if (user_name)
		return 0;
	size_t n = strlen(c->conninfo) + 64;
	char *s = malloc(n);
	if (!s)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	snprintf(s, n, "%s application_name='rcr dump: pg_dump'", c->conninfo);
	free(c->conninfo);
	c->conninfo = s;
	return 0;
}

/* pg_dump for this server, checked before anything is locked or written: an older pg_dump
 * would only fail later with "aborting because of server version mismatch". The check runs
 * pg_dump --version, which takes a few tens of milliseconds (a third of the leader's time
 * before the COPY of bench.sh's dataset), so it runs on its own thread. */
static void *check_thread_main(void *arg)
{
	dump_schema_child *c = arg;
	c->check_rc = rcr_pg_check_tool_version(c->tool, c->server_version, c->server_major);
	if (c->check_rc < 0)
		rcr_error_save(&c->check_err);
	return NULL;
}

int rcr_dump_find_pg_dump(dump_ctx *d)
{
	dump_schema_child *c = &d->tool;
	RCR_FORWARD(rcr_pg_find_tool(&c->tool, "pg_dump", d->server_major));
	const char *sv = PQparameterStatus(d->conn, "server_version");
	snprintf(c->server_version, sizeof c->server_version, "%s", sv ? sv : "?");
	c->server_major = d->server_major;
	if (pthread_create(&c->check_thread, NULL, check_thread_main, c) == 0)
		c->check_started = 1;
	else
		check_thread_main(c); /* no thread: the check at once */
	return 0;
}

int rcr_dump_pg_dump_checked(dump_ctx *d)
{
	dump_schema_child *c = &d->tool;
	if (c->check_started)
		pthread_join(c->check_thread, NULL);
	c->check_started = 0;
	if (c->check_rc < 0)
		rcr_error_restore(&c->check_err);
	return c->check_rc;
}

/* Waits for the pg_dump thread, checking about once a second for the deadlock above. */
void rcr_dump_schema_wait(dump_ctx *d)
{
	if (!d->tool.started)
		return;
	int leader_pid = PQbackendPID(d->conn);
	PGconn *watch = NULL;
	int tries = 0;
	for (int tick = 1; !atomic_load(&d->tool.done) && !rcr_pool_cancelled(d->pool); tick++) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (tick % 20 != 0)
			continue;
		if (!watch && tries++ < 3 && rcr_pg_connect(&watch, &d->o->conn, "rcr dump") < 0)
			watch = NULL; /* only a safeguard: without it, wait as before */
		if (watch && check_tool_deadlock(d, watch, leader_pid) < 0)
			rcr_pool_fail(d->pool, RCR_E_QUERY);
	}
	pthread_join(d->tool.thread, NULL);
	d->tool.started = 0;
	PQfinish(watch);
}

/* --- argv for pg_dump -------------------------------------------------------------------- */

/* Appends bytes double-quoted, inner quotes doubled: inside quotes pg_dump's pattern rules
 * take every character literally (regex characters included, which pg_dump escapes). The
 * pattern builders below append freely; add_pattern checks the buffer once (rcr_buf_check). */
static void append_quoted(rcr_buf *b, const char *s)
{
	RCR_BUF_LIT(b, "\"");
	for (const char *c = s; *c; c++) {
		if (*c == '"')
			RCR_BUF_LIT(b, "\"");
		rcr_buf_append(b, c, 1);
	}
	RCR_BUF_LIT(b, "\"");
}

/* Bytes that mean themselves outside double quotes in a pg_dump pattern (no case folding, no
 * regex or pattern meaning). Every server encoding keeps bytes below 0x80 ASCII, so a name is
 * never split inside a multibyte character at one of these. */
static int pattern_plain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int cmp_name_ptr(const void *a, const void *b)
{
	const rcr_table *x = *(const rcr_table *const *)a, *y = *(const rcr_table *const *)b;
	int c = strcmp(x->schema, y->schema);
	return c ? c : strcmp(x->name, y->name);
}

/*
 * Appends a regular expression matching exactly the names t[lo..hi) (sorted, distinct) from
 * byte `depth` on, as a trie: common prefixes written once, "(|...)" where they part. The
 * server compiles and runs a trie in a fraction of the time of a flat "a|b|c" list (1,000
 * names: 0.03 s against 0.4 s over a catalog of 20,000 relations). A name's rest from its
 * first byte that is not plain ASCII is one quoted, literal alternative.
 */
static void append_trie(rcr_buf *b, const rcr_table *const *t, uint32_t lo, uint32_t hi, size_t depth)
{
	for (;;) {
		char c = t[lo]->name[depth];
		if (hi - lo == 1) {
			if (c != 0)
				append_quoted(b, t[lo]->name + depth);
			return;
		}
		/* one shared plain byte: no branch yet */
		if (!pattern_plain(c) || t[hi - 1]->name[depth] != c)
			break;
		rcr_buf_append(b, &c, 1);
		depth++;
	}
	RCR_BUF_LIT(b, "(");
	for (uint32_t i = lo; i < hi;) {
		char c = t[i]->name[depth];
		uint32_t j = i + 1;
		if (pattern_plain(c))
			while (j < hi && t[j]->name[depth] == c)
				j++;
		if (i > lo)
			RCR_BUF_LIT(b, "|");
		if (c == 0)
			; /* the name ends here: the empty alternative */
		else if (pattern_plain(c)) {
			rcr_buf_append(b, &c, 1);
			append_trie(b, t, i, j, depth + 1);
		} else
			append_quoted(b, t[i]->name + depth);
		i = j;
	}
	RCR_BUF_LIT(b, ")");
}

/* Names per --exclude-table-data pattern: at most 500 x (63 bytes, doubled by quoting) stays
 * under Linux's 128 KiB per argument, and the server compiles a regular expression of a few
 * hundred names quickly. */
#define EXCLUDE_PATTERN_NAMES 500

/* Appends one --exclude-table-data pattern for the names by[lo..hi) of one schema. */
static int add_pattern(rcr_argv *a, rcr_buf *pat, const rcr_table *const *by, uint32_t lo, uint32_t hi)
{
	rcr_buf_reset(pat);
	RCR_BUF_LIT(pat, "--exclude-table-data=");
	append_quoted(pat, by[lo]->schema);
	RCR_BUF_LIT(pat, ".(");
	append_trie(pat, by, lo, hi, 0);
	RCR_BUF_LIT(pat, ")");
	RCR_FORWARD(rcr_buf_check(pat));
	return rcr_argv_add(a, rcr_buf_cstr(pat));
}

/*
 * Patterns for the names by[lo..hi) of one schema, cut along the trie: up to
 * EXCLUDE_PATTERN_NAMES names that share their longest possible prefix go into one pattern,
 * and a branch with more names is cut further. pg_dump's server tries each pattern on every
 * table name of the schema, and a name that leaves the pattern at its first bytes costs little,
 * one that matches the first bytes much more: t1000-t1399 ("t1(0|1|2|3)...") took 3-30 ms over
 * 10,000 names, t1800-t2299 ("t(1(8|9)|2(0|1))...") 80-155 ms, and 20-odd patterns of 500 names
 * cut anywhere 0.5-0.8 s in all.
 */
static int add_patterns(rcr_argv *a, rcr_buf *pat, const rcr_table *const *by, uint32_t lo, uint32_t hi)
{
	if (hi - lo <= EXCLUDE_PATTERN_NAMES)
		return add_pattern(a, pat, by, lo, hi);
	/* The names are sorted and distinct: all share what the first and last share, and at least
	 * two branches part after it. */
	size_t depth = 0;
	while (by[lo]->name[depth] && by[lo]->name[depth] == by[hi - 1]->name[depth])
		depth++;
	uint32_t start = lo;  /* the branches gathered for the next pattern: [start, i) */
	for (uint32_t i = lo; i < hi;) {
		uint32_t j = i + 1;
		while (j < hi && by[j]->name[depth] == by[i]->name[depth])
			j++;
		int rc = 0;
		if (j - i > EXCLUDE_PATTERN_NAMES || j - start > EXCLUDE_PATTERN_NAMES) {
			if (start < i)
				rc = add_pattern(a, pat, by, start, i);
			start = i;
		}
		if (rc == 0 && j - i > EXCLUDE_PATTERN_NAMES) {
			rc = add_patterns(a, pat, by, i, j);
			start = j;
		}
		RCR_FORWARD(rc);
		i = j;
	}
	return start < hi ? add_pattern(a, pat, by, start, hi) : 0;
}

/*
 * pg_dump keeps every table's definition but none of the data rcr stores itself. One
 * --exclude-table-data per table costs pg_dump one catalog query per pattern (10,000 queries
 * for 10,000 tables); instead the names of one schema go into patterns of the form
 * "schema".(trie): outside double quotes a pattern is a regular expression (the alternation),
 * inside them every character is literal, so each pattern matches exactly the listed tables
 * and nothing else (not a sequence's data, which pg_dump must keep).
 */
static int add_exclude_table_data(rcr_argv *a, const rcr_manifest *m)
{
	if (m->ntables == 0)
		return 0;
	const rcr_table **by = malloc(m->ntables * sizeof *by);
	if (!by)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntables; i++)
		by[i] = &m->tables[i];
	qsort(by, m->ntables, sizeof *by, cmp_name_ptr);
	rcr_buf pat = RCR_BUF_INIT;
	int rc = 0;
	for (uint32_t i = 0; i < m->ntables && rc == 0;) {
		uint32_t end = i + 1;
		while (end < m->ntables && strcmp(by[end]->schema, by[i]->schema) == 0)
			end++;
		rc = add_patterns(a, &pat, by, i, end);
		i = end;
	}
	rcr_buf_free(&pat);
	free(by);
	return rc;
}

static int build_pg_dump_argv(rcr_argv *a, const dump_ctx *d, const char *tool, const char *conninfo)
{
	const rcr_dump_opts *o = d->o;
	char path[4096];
	snprintf(path, sizeof path, "%s/schema", o->dir);
	rcr_argv_add(a, tool);
	rcr_argv_add(a, "--format=directory");
	rcr_argv_addf(a, "--file=%s", path);
	rcr_argv_addf(a, "--snapshot=%s", d->snapshot);
	rcr_argv_addf(a, "--dbname=%s", conninfo);
	/* rcr_fs_syncfs makes pg_dump's files durable with the data files, once. */
	rcr_argv_add(a, "--no-sync");
	if (o->schema_only)
		rcr_argv_add(a, "--schema-only");
	if (o->data_only)
		rcr_argv_add(a, "--data-only");
	if (o->no_owner)
		rcr_argv_add(a, "--no-owner");
	if (o->no_privileges)
		rcr_argv_add(a, "--no-privileges");
	if (o->no_comments)
		rcr_argv_add(a, "--no-comments");
	/* For the data pg_dump writes itself (tables rcr does not store): the same rule as ours. */
	if (o->load_via_partition_root)
		rcr_argv_add(a, "--load-via-partition-root");
	if (o->lock_wait_timeout)
		rcr_argv_addf(a, "--lock-wait-timeout=%s", o->lock_wait_timeout);
	if (o->conn.role)
		rcr_argv_addf(a, "--role=%s", o->conn.role);
	rcr_argv_add_each(a, "--schema=", o->filter.schemas.items, o->filter.schemas.n);
	rcr_argv_add_each(a, "--exclude-schema=", o->filter.exclude_schemas.items, o->filter.exclude_schemas.n);
	rcr_argv_add_each(a, "--table=", o->filter.tables.items, o->filter.tables.n);
	rcr_argv_add_each(a, "--exclude-table=", o->filter.exclude_tables.items, o->filter.exclude_tables.n);
	/* The user's own: rcr stores none of these tables, and pg_dump must leave out the rest of
	 * their data too (a materialized view's refresh, a sequence's value). */
	rcr_argv_add_each(a, "--exclude-table-data=", o->filter.exclude_table_data.items,
			  o->filter.exclude_table_data.n);
	rcr_argv_add_each(a, "--extension=", o->extensions.items, o->extensions.n);
	RCR_FORWARD(add_exclude_table_data(a, d->m));
	if (o->common.verbose > 1)
		rcr_argv_add(a, "--verbose");
	return rcr_argv_status(a);
}

int rcr_dump_collect_schema_files(dump_ctx *d)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/schema", d->o->dir);
	rcr_manifest *m = d->m;
	free(m->schema_dir);
	m->schema_dir = strdup("schema");
	if (!m->schema_dir)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	DIR *dh = opendir(dir);
	if (!dh)
		return rcr_error_set(RCR_E_IO, "could not open '%s': %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dh)) && rc == 0) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096 + 256];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			rc = rcr_error_set(RCR_E_IO, "unexpected entry '%s' in pg_dump's output", path);
			break;
		}
		uint64_t size, hash;
		rc = rcr_fs_hash_file(&size, &hash, path);
		if (rc == 0)
			rc = rcr_archive_add_schema_file(m, e->d_name, size, hash);
	}
	closedir(dh);
	return rc;
}

int rcr_dump_schema_start(dump_ctx *d)
{
	dump_schema_child *c = &d->tool;
	RCR_FORWARD(rcr_pg_child_conninfo(&c->conninfo, &c->password, d->conn));
	RCR_FORWARD(name_tool_session(c, d->conn));
	RCR_FORWARD(build_pg_dump_argv(&c->args, d, c->tool, c->conninfo));
	if (pthread_create(&c->thread, NULL, tool_main, d) != 0)
		return rcr_error_set(RCR_E_INTERNAL, "could not start a thread");
	c->started = 1;
	return 0;
}

void rcr_dump_schema_free(dump_schema_child *c)
{
	if (c->check_started)
		pthread_join(c->check_thread, NULL);
	rcr_argv_free(&c->args);
	free(c->tool);
	free(c->conninfo);
	free(c->password);
}
