/* conn.c: connections, statements and quoting on libpq (see pg.h). */
#include "rcr/pg.h"
#include "rcr/err.h"
#include "rcr/text.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The server's last words to this thread's connection. A server shutting down sends
 * "terminating connection due to ... shutdown" as a WARNING just before it closes the socket,
 * and a FATAL that reaches an idle connection is handed to the notice processor too; libpq
 * would print either on its own line ahead of rcr's error. It is kept here instead and named
 * in that error, which is otherwise only "server closed the connection unexpectedly". */
static _Thread_local char tl_notice[256];

static void notice_processor(void *arg, const char *message)
{
	(void)arg;
	/* An idle connection's FATAL (pg_terminate_backend, fast shutdown) also arrives here. */
	const char *why = NULL;
	if (strncmp(message, "WARNING:  terminating connection", 32) == 0)
		why = message + 10;
	else if (strncmp(message, "FATAL:  ", 8) == 0 || strncmp(message, "PANIC:  ", 8) == 0)
		why = message + 8;
	if (!why) {
		/* A notice can quote names from the database or the archive: each of its lines
		 * escaped. */
		char line[1024];
		for (const char *p = message; *p;) {
			size_t n = strcspn(p, "\n");
			snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
			rcr_text_fputs(line, stderr);
			fputc('\n', stderr);
			p += n + (p[n] == '\n');
		}
		return;
	}
	snprintf(tl_notice, sizeof tl_notice, "%s", why);
	tl_notice[strcspn(tl_notice, "\n")] = 0;
}

const char *rcr_pg_error_line(PGconn *conn)
{
	static _Thread_local char line[512];
	const char *m = conn ? PQerrorMessage(conn) : "no connection";
	/* libpq messages can span lines ("connection to server ... failed: FATAL: ..."); the last
	 * non-empty line is the specific one, but the first names the server. Keep both, joined. */
	size_t j = 0;
	for (size_t i = 0; m[i] && j + 1 < sizeof line; i++) {
		char c = m[i];
		if (c == '\n') {
			if (m[i + 1] == 0)
				break;
			c = ' ';
		}
		if (c == '\t')
			c = ' ';
		if (c == ' ' && j > 0 && line[j - 1] == ' ')
			continue;
		line[j++] = c;
	}
	line[j] = 0;
	/* libpq's boilerplate guess after a lost connection adds nothing to "server closed the
	 * connection unexpectedly"; keep the line short. */
	char *guess = strstr(line, " This probably means the server terminated abnormally");
	if (guess)
		*guess = 0;
	if (conn && PQstatus(conn) == CONNECTION_BAD && tl_notice[0] && strstr(line, "server closed the connection"))
		snprintf(line, sizeof line, "server closed the connection: %s", tl_notice);
	return line;
}

/*
 * PQconnectdbParams, except that our notice processor is in place from the start: a server
 * that shuts down while the connection is still starting up sends its WARNING then, and
 * libpq's default processor would print it. connect_timeout (at least 2 s, as in libpq) bounds
 * each wait; a host list is still walked by PQconnectPoll itself.
 */
static PGconn *connect_quietly(const char *const *keys, const char *const *vals, int *timed_out)
{
	*timed_out = 0;
	PGconn *conn = PQconnectStartParams(keys, vals, 1);
	if (!conn)
		return NULL;
	tl_notice[0] = 0;
	PQsetNoticeProcessor(conn, notice_processor, NULL);
	if (PQstatus(conn) == CONNECTION_BAD)
		return conn;
	int timeout_ms = -1;
	PQconninfoOption *opts = PQconninfo(conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && atoi(o->val) > 0)
			timeout_ms = (atoi(o->val) < 2 ? 2 : atoi(o->val)) * 1000;
	PQconninfoFree(opts);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		struct pollfd p = {.fd = PQsocket(conn), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
		int n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			*timed_out = 1;
			return conn;
		}
		st = PQconnectPoll(conn);
	}
	return conn;
}

int rcr_pg_connect(PGconn **out, const rcr_conn_opts *o, const char *application_name)
{
	*out = NULL;
	const char *keys[8], *vals[8];
	int n = 0;
	/* dbname first: with expand_dbname it may be a full conninfo or URI, and the explicit
	 * -h/-p/-U that follow override what it says, as in pg_dump. */
	if (o->dbname && o->dbname[0]) {
		keys[n] = "dbname";
		vals[n++] = o->dbname;
	}
	if (o->host) {
		keys[n] = "host";
		vals[n++] = o->host;
	}
	if (o->port) {
		keys[n] = "port";
		vals[n++] = o->port;
	}
	if (o->user) {
		keys[n] = "user";
		vals[n++] = o->user;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = application_name;
	keys[n] = NULL;
	vals[n] = NULL;
	int timed_out;
	PGconn *conn = connect_quietly(keys, vals, &timed_out);
	if (!conn)
		return rcr_error_set(RCR_E_NOMEM, "out of memory connecting to the database");
	if (timed_out) {
		PQfinish(conn);
		return rcr_error_set_hint(RCR_E_CONNECT, "check -d/--dbname, -h, -p and connect_timeout",
					  "could not connect to the database: timeout expired");
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		const char *line = rcr_pg_error_line(conn);
		int auth = strstr(line, "password") != NULL;
		int nodb = strstr(line, "database \"") && strstr(line, "does not exist");
		int rc = rcr_error_set_hint(RCR_E_CONNECT,
					    auth ? "check the password (PGPASSWORD, ~/.pgpass or the connection string)"
					    : nodb ? "check the name (psql -l lists the databases); rcr restore loads into an "
						     "existing database: create it first with createdb"
						   : "check -d/--dbname, -h, -p, -U and the PG* environment variables",
					    "could not connect to the database: %s", line);
		PQfinish(conn);
		return rc;
	}
	if (o->role) {
		char *q;
		int rc = rcr_pg_quote_ident(&q, conn, o->role);
		if (rc == 0) {
			char sql[600];
			snprintf(sql, sizeof sql, "SET ROLE %s", q);
			free(q);
			rc = rcr_pg_exec(conn, sql);
		}
		if (rc < 0) {
			PQfinish(conn);
			return rc;
		}
	}
	*out = conn;
	return 0;
}

int rcr_pg_set_client_encoding(PGconn *conn, const char *encoding)
{
	if (!encoding || !encoding[0])
		return 0;
	/* PQsetClientEncoding splices the name into "set client_encoding to '%s'" unquoted: only
	 * a name from PostgreSQL's own list may reach it (the manifest decoder checks this too). */
	if (!rcr_text_encoding_known(encoding))
		return rcr_error_set(RCR_E_FORMAT, "'%s' is not a PostgreSQL encoding name", rcr_text_escape(encoding).s);
	if (PQsetClientEncoding(conn, encoding) != 0)
		return rcr_error_set(RCR_E_QUERY, "could not set client_encoding to '%s': %s", encoding,
				     rcr_pg_error_line(conn));
	return 0;
}

int rcr_pg_exec(PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = rcr_error_set(RCR_E_QUERY, "query failed: %s",
				       r ? rcr_pg_error_line(conn) : "no result");
		rcr_error_set_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE));
		PQclear(r);
		return rc;
	}
	PQclear(r);
	return 0;
}

int rcr_pg_query(PGresult **out, PGconn *conn, const char *sql)
{
	*out = NULL;
	PGresult *r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rc = rcr_error_set(RCR_E_QUERY, "query failed: %s", rcr_pg_error_line(conn));
		rcr_error_set_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE));
		PQclear(r);
		return rc;
	}
	*out = r;
	return 0;
}

int rcr_pg_quote_ident(char **out, PGconn *conn, const char *ident)
{
	char *q = PQescapeIdentifier(conn, ident, strlen(ident));
	if (!q)
		return rcr_error_set(RCR_E_QUERY, "could not quote identifier: %s", rcr_pg_error_line(conn));
	*out = strdup(q);
	PQfreemem(q);
	return *out ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}

int rcr_pg_qualified_name(char **out, PGconn *conn, const char *schema, const char *name)
{
	char *s, *n;
	RCR_FORWARD(rcr_pg_quote_ident(&s, conn, schema));
	int rc = rcr_pg_quote_ident(&n, conn, name);
	if (rc < 0) {
		free(s);
		return rc;
	}
	size_t len = strlen(s) + strlen(n) + 2;
	*out = malloc(len);
	if (*out)
		snprintf(*out, len, "%s.%s", s, n);
	free(s);
	free(n);
	return *out ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}

/* Appends key='value' with conninfo quoting (backslash and single quote escaped). */
static void append_kv(rcr_buf *b, const char *k, const char *v)
{
	rcr_buf_appendf(b, "%s%s='", b->len ? " " : "", k);
	for (const char *s = v; *s; s++) {
		if (*s == '\'' || *s == '\\')
			RCR_BUF_LIT(b, "\\");
		rcr_buf_append(b, s, 1);
	}
	RCR_BUF_LIT(b, "'");
}

/*
 * Whether a child's session may run with lc_messages=C: the setting is reserved to superusers
 * and, from PostgreSQL 15, to roles granted SET on it. Asked for the login role (session_user),
 * the one the child connects as. A failed query answers no: the child then speaks the server's
 * language, as it did before rcr asked.
 */
static int may_set_lc_messages(PGconn *conn)
{
	PGresult *r = PQexec(conn, PQserverVersion(conn) >= 150000
		? "SELECT pg_catalog.has_parameter_privilege(session_user, 'lc_messages', 'SET')"
		: "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) session_user");
	int yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return yes;
}

/* The child's server options: the connection's own, then lc_messages=C when allowed, then
 * extra (later settings win). Empty when there are none. */
static void child_options(rcr_buf *b, PGconn *conn, const char *own, const char *extra)
{
	const char *parts[3] = {own, may_set_lc_messages(conn) ? "-c lc_messages=C" : NULL, extra};
	for (int i = 0; i < 3; i++)
		if (parts[i] && parts[i][0])
			rcr_buf_appendf(b, "%s%s", b->len ? " " : "", parts[i]);
}

int rcr_pg_child_conninfo_opts(char **conninfo, char **password, PGconn *conn, const char *options)
{
	*conninfo = NULL;
	*password = NULL;
	PQconninfoOption *opts = PQconninfo(conn);
	if (!opts)
		return rcr_error_set(RCR_E_NOMEM, "out of memory reading connection options");
	rcr_buf buf = RCR_BUF_INIT, srv = RCR_BUF_INIT;
	const char *own = NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !o->val[0])
			continue;
		if (strcmp(o->keyword, "password") == 0)
			*password = strdup(o->val);
		else if (strcmp(o->keyword, "options") == 0)
			own = o->val;
		else
			/* The child reads the same server; everything else (sslmode, sslrootcert,
			 * target session attributes, ...) passes through untouched. */
			append_kv(&buf, o->keyword, o->val);
	}
	child_options(&srv, conn, own, options);
	const char *server_options = rcr_buf_cstr(&srv);
	if (server_options && server_options[0])
		append_kv(&buf, "options", server_options);
	int rc = rcr_buf_check(&srv);
	if (rc == 0 && !rcr_buf_cstr(&buf))
		rc = rcr_buf_check(&buf);
	if (rc == 0 && buf.len == 0)
		rc = rcr_error_set(RCR_E_INTERNAL, "empty connection options");
	PQconninfoFree(opts);
	rcr_buf_free(&srv);
	if (rc < 0) {
		rcr_buf_free(&buf);
		free(*password);
		*password = NULL;
		return rc;
	}
	*conninfo = (char *)buf.data;
	return 0;
}

int rcr_pg_child_conninfo(char **conninfo, char **password, PGconn *conn)
{
	return rcr_pg_child_conninfo_opts(conninfo, password, conn, NULL);
}
