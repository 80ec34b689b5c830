/*
 * pg.h: rcr's PostgreSQL layer on libpq. Connections are made the way pg_dump makes them
 * (a conninfo string or URI in dbname, -h/-p/-U, PG* environment variables, ~/.pgpass), every
 * failure becomes one line naming what failed, and pg_dump / pg_restore are run as child
 * processes without passwords on their command lines.
 */
#ifndef RCR_PG_H
#define RCR_PG_H

#include "rcr/buf.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct rcr_conn_opts {
	const char *dbname;     /* database name, conninfo string or URI */
	const char *host;
	const char *port;
	const char *user;
	const char *role;       /* SET ROLE after connecting (pg_dump's --role), or NULL */
} rcr_conn_opts;

#define RCR_CONN_OPTS_INIT {NULL, NULL, NULL, NULL, NULL}

/* Connects; on failure sets a one-line message (with a HINT for authentication failures).
 * *out is owned by the caller (PQfinish). */
int rcr_pg_connect(PGconn **out, const rcr_conn_opts *opts, const char *application_name);
/* Sets client_encoding to an encoding recorded in an archive (nothing for NULL or ""); refuses
 * with RCR_E_FORMAT a name that is not one of PostgreSQL's (rcr_text_encoding_known). */
int rcr_pg_set_client_encoding(PGconn *conn, const char *encoding);
/* Runs a statement expecting COMMAND_OK or TUPLES_OK; the result is discarded. */
int rcr_pg_exec(PGconn *conn, const char *sql);
/* Runs a query expecting TUPLES_OK; *out owned by the caller (PQclear). */
int rcr_pg_query(PGresult **out, PGconn *conn, const char *sql);
/* First line of the connection's error message (borrowed static buffer per thread). */
const char *rcr_pg_error_line(PGconn *conn);
/* Quotes an identifier ("schema"."name" parts separately); *out owned by the caller (free). */
int rcr_pg_quote_ident(char **out, PGconn *conn, const char *ident);
/* "schema"."name", quoted; *out owned by the caller. */
int rcr_pg_qualified_name(char **out, PGconn *conn, const char *schema, const char *name);

/* A conninfo string describing the connection conn was made with, minus the password, for
 * child processes; *password gets the password (or NULL) to pass through the environment.
 * Both owned by the caller. The child's session also gets lc_messages=C when its login role
 * may set it (a superuser; from PostgreSQL 15 a role granted SET on it), so that the server's
 * messages reach the child, and rcr_pg_run_tool's reading of its report, in English. */
int rcr_pg_child_conninfo(char **conninfo, char **password, PGconn *conn);
/* The same, with options ("-c name=value ...", or NULL) appended to the session's server
 * options: pg_restore has no flag for most settings, and the connection's own options (from
 * PGOPTIONS, say) would hide a PGOPTIONS given to the child. */
int rcr_pg_child_conninfo_opts(char **conninfo, char **password, PGconn *conn, const char *options);

/* Finds a PostgreSQL client program (pg_dump, pg_restore) suited to a server of major
 * version server_major: $RCR_PG_BINDIR, then /usr/lib/postgresql/<major>/bin, then the newest
 * /usr/lib/postgresql/<N>/bin with N >= major, then PATH. *out owned by the caller. */
int rcr_pg_find_tool(char **out, const char *tool, int server_major);

/* Runs `path --version` and fails with RCR_E_TOOL, naming both versions, when the program is
 * older than the server's major version (server_version is the server's version string, for
 * the message): pg_dump refuses a newer server, and saying so up front names the cause. A
 * version it cannot read passes (the program then judges for itself). */
int rcr_pg_check_tool_version(const char *path, const char *server_version, int server_major);

/* Runs argv (argv[0] is the program path) with PGPASSWORD=password in its environment when
 * password is non-NULL, waits for it, and fails with RCR_E_TOOL naming the program and its exit
 * status. The child's pid is published through *pid_slot while it runs (so a signal handler
 * can kill it); pid_slot may be NULL. Its standard error passes through until it reports an
 * error; that report is held back and its first line becomes rcr's message ("pg_dump failed:
 * ..."), RCR_E_NOSPACE when it ran out of disk space. */
int rcr_pg_run_tool(char *const argv[], const char *password, volatile pid_t *pid_slot);
/* The same, adding env ("NAME=value" strings, NULL-terminated; may be NULL) to the child's
 * environment and appending its standard output to *out (when out is non-NULL). */
int rcr_pg_run_tool_capture(char *const argv[], const char *password, const char *const *env,
			    volatile pid_t *pid_slot, rcr_buf *out);

/* pg_dump-style name patterns (psql's \d rules): '*' and '?' wildcards, double quotes for
 * literal text, case folded outside quotes, "schema.name" splits at an unquoted dot.
 * Produces anchored POSIX regexes for the server's ~ operator. *schema_re is NULL when the
 * pattern has no schema part. With schema_only, the whole pattern is a schema name.
 * Both owned by the caller. @return 0 or RCR_E_USAGE for patterns with too many dots. */
int rcr_pattern_to_regex(char **schema_re, char **name_re, const char *pattern, int schema_only);

/* A string list for filters. */
typedef struct rcr_strlist {
	const char **items;
	int n;
} rcr_strlist;
int rcr_strlist_add(rcr_strlist *l, const char *s);
void rcr_strlist_free(rcr_strlist *l);

/* Tables selected for a dump, with their stored columns, in descending size order. */
typedef struct rcr_cat_column {
	char *name;
	char *type_schema;
	char *type_name;        /* of the base type for domains, so codecs see "vector" */
	uint32_t type_oid;
	int32_t typmod;
	char type_kind;         /* typtype of the base type */
	char elem_kind;         /* typtype of an array's element type, 0 otherwise */
} rcr_cat_column;

typedef struct rcr_cat_table {
	uint32_t oid;
	char *schema;
	char *name;
	char relkind;
	uint64_t bytes;         /* heap + toast, for ordering and splitting */
	uint64_t heap_pages;    /* current heap size in blocks, for ctid-range pieces */
	/* 1: stored as text values (RCR_TABLE_TEXT), because a column's type, followed through
	 * domains, arrays, composites, ranges and multiranges, reaches a type without binary
	 * send/receive or one rcr convert cannot print offline (rcr_textout_printable: user base
	 * types, reg* types, money under an lc_monetary other than C's), or a composite, user
	 * range, or nested enum or domain whose definition the dump's schema leaves out (-t, a
	 * schema -n/-N does not select, extension members, row types of tables). */
	int text;
	uint32_t ncols;
	rcr_cat_column *cols;
	char *root_schema;      /* the partition root its rows load through (rcr_catalog_load_roots), */
	char *root_name;        /* or both NULL: they load into the table itself */
} rcr_cat_table;

typedef struct rcr_catalog {
	int ntables;
	rcr_cat_table *tables;
} rcr_catalog;

typedef struct rcr_table_filter {
	rcr_strlist schemas, exclude_schemas, tables, exclude_tables;
	rcr_strlist exclude_table_data; /* pg_dump's --exclude-table-data: not stored, still in the schema */
} rcr_table_filter;

/* Lists the ordinary tables (and leaf partitions) whose data a pg_dump with the same filters
 * would dump: not system schemas, not extension members, not temporary, not matched by
 * --exclude-table-data; and which of them are stored as text. *out owned by the caller
 * (rcr_catalog_free). */
int rcr_catalog_load(rcr_catalog **out, PGconn *conn, const rcr_table_filter *filter);
void rcr_catalog_free(rcr_catalog *c);

/* The extensions the catalog's tables depend on (column types, operator classes of their
 * indexes, functions of their defaults), with version, schema and what uses each, whatever
 * the filters: pg_dump leaves extensions out of a dump with -n or -t. Into *out, which the
 * caller owns (rcr_extlist_free), also on failure. */
struct rcr_extlist;
int rcr_catalog_extensions(struct rcr_extlist *out, PGconn *conn, const rcr_catalog *cat);

/* Sets root_schema and root_name of the catalog's partitions whose rows must load through the
 * topmost root of their partition tree, as pg_dump decides (src/pg/catalog_parts.c): those
 * with an ancestor hash-partitioned on an enum column, or with all_partitions (pg_dump's
 * --load-via-partition-root) every partition. One query, linear in the number of partitions. */
int rcr_catalog_load_roots(rcr_catalog *cat, PGconn *conn, int all_partitions);

#endif
