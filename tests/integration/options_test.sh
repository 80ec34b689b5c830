#!/usr/bin/env bash
# pg_dump's selection switches and pg_restore's modes, with their meanings: -n/-N/-t/-T patterns,
# -a data-only into an existing schema (the users' Drizzle-managed databases), -s schema-only,
# -O/-x/--no-comments, -n/-t on restore, --clean --if-exists over an existing database, and
# the CLI's usage errors and exit statuses.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE EXTENSION rcr_testvec;
CREATE SCHEMA drizzle;
CREATE SCHEMA other;
CREATE TABLE public.records (id int PRIMARY KEY, title text, embedding vector(4));
CREATE TABLE public.feed_entries (id bigserial PRIMARY KEY, feed text, embedding vector(4));
CREATE TABLE public."Records2" (id int);
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text);
CREATE TABLE other.junk (id int);
INSERT INTO public.records SELECT g, 't' || g, '[1,2,3,4]' FROM generate_series(1, 300) g;
INSERT INTO public.feed_entries (feed, embedding) SELECT 'f', '[0.5,0.25,0,-1]' FROM generate_series(1, 200);
INSERT INTO public."Records2" VALUES (1);
INSERT INTO drizzle.__drizzle_migrations (hash) VALUES ('m1'), ('m2');
INSERT INTO other.junk VALUES (1);
COMMENT ON TABLE public.records IS 'has a comment';
CREATE ROLE app_reader;
GRANT SELECT ON public.records TO app_reader;
SQL

tables_in() { # archive -> "schema.name" lines, sorted
	"$RCR" list --json "$1" | grep -o '"schema":"[^"]*","name":"[^"]*"' | sed 's/"schema":"\([^"]*\)","name":"\([^"]*\)"/\1.\2/' | sort | tr '\n' ' '
}

# The users' backup: schemas public and drizzle, no owner, privileges or comments.
"$RCR" dump -q -d src -f "$T/full" -n public -n drizzle -O -x --no-comments
got=$(tables_in "$T/full")
[ "$got" = "drizzle.__drizzle_migrations public.Records2 public.feed_entries public.records " ] || fail "-n public -n drizzle selected: $got"
# As with pg_dump, -n leaves out extensions: the target has them (the users' migrations create
# them), and its existing "public" schema must not make the restore fail.
createdb r_full
psql_q -d r_full -c "CREATE EXTENSION rcr_testvec"
"$RCR" restore -q -d r_full "$T/full"
[ "$(psql_q -d r_full -c "SELECT count(*) FROM public.records")" = 300 ] || fail "records not restored"
[ "$(psql_q -d r_full -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'other'")" = 0 ] || fail "-n leaked schema other"
[ -z "$(psql_q -d r_full -c "SELECT obj_description('public.records'::regclass)")" ] || fail "--no-comments kept a comment"
psql_q -d r_full -c "SELECT relacl FROM pg_class WHERE relname = 'records'" | grep -q app_reader && fail "-x kept a grant"
nextval=$(psql_q -d r_full -c "SELECT nextval('public.feed_entries_id_seq')")
[ "$nextval" = 201 ] || fail "sequence value not restored (nextval $nextval)"
pass "-n public -n drizzle -O -x --no-comments"

# -e names the extensions -n leaves out of pg_dump's schema. Without it the archive still
# records them and restore creates them (tests/integration/extensions_test.sh); with
# --no-extensions that archive stops at the first vector column with nothing created, and the
# one made with -e restores into an empty database all the same.
"$RCR" dump -q -d src -f "$T/full_ext" -n public -n drizzle -e rcr_testvec
createdb r_empty
expect_exit 4 "$RCR" restore -q -d r_empty --no-extensions "$T/full"
grep -q 'type "public.vector" does not exist\|type "vector" does not exist' "$T/err" || fail "restore of -n without the extension: $(head -1 "$T/err")"
[ "$(psql_q -d r_empty -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 0 ] ||
	fail "the failed restore created objects"
"$RCR" restore -q -d r_empty --no-extensions "$T/full_ext"
[ "$(psql_q -d r_empty -c "SELECT count(*) FROM public.records")" = 300 ] || fail "-e: records not restored"
[ "$(psql_q -d r_empty -c "SELECT extname FROM pg_extension WHERE extname = 'rcr_testvec'")" = rcr_testvec ] ||
	fail "-e: extension not created"
[ "$(psql_q -d r_empty -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'other'")" = 0 ] || fail "-e leaked schema other"
# ...and into a database that has it already (CREATE EXTENSION IF NOT EXISTS).
createdb r_has
psql_q -d r_has -c "CREATE EXTENSION rcr_testvec"
"$RCR" restore -q -d r_has "$T/full_ext"
[ "$(psql_q -d r_has -c "SELECT count(*) FROM public.feed_entries")" = 200 ] || fail "-e into a database with the extension"
pass "-e/--extension with -n: restores into an empty database and into one that has the extension"

# Patterns as pg_dump reads them: unquoted names fold to lower case, quotes keep case, * wildcards.
"$RCR" dump -q -d src -f "$T/t1" -t 'records' -t '"Records2"'
[ "$(tables_in "$T/t1")" = "public.Records2 public.records " ] || fail "-t records -t \"Records2\": $(tables_in "$T/t1")"
"$RCR" dump -q -d src -f "$T/t2" -t 'public.*' -T 'feed_*'
[ "$(tables_in "$T/t2")" = "public.Records2 public.records " ] || fail "-t public.* -T feed_*: $(tables_in "$T/t2")"
"$RCR" dump -q -d src -f "$T/t3" -N other -N public
[ "$(tables_in "$T/t3")" = "drizzle.__drizzle_migrations " ] || fail "-N other -N public: $(tables_in "$T/t3")"
# A pattern libpq cannot quote (bytes not valid in the client encoding) fails as the database
# layer's refusal, exit 4 with libpq's reason, not as a usage error: the catalog query builder
# once OR-ed this failure (-51) with the buffer's (-2) into -1, exit 1.
expect_exit 4 "$RCR" dump -q -d src -f "$T/t4" -t $'\xff'
grep -q 'could not quote a literal' "$T/err" || fail "unquotable -t pattern: $(cat "$T/err")"
pass "-t/-T/-N patterns"

# Schema-only: the schema and no rows; restore creates empty tables with their indexes.
"$RCR" dump -q -d src -f "$T/s" -s
[ -z "$(tables_in "$T/s")" ] || fail "-s stored table data"
createdb r_s
"$RCR" restore -q -d r_s "$T/s"
[ "$(psql_q -d r_s -c "SELECT count(*) FROM public.records")" = 0 ] || fail "-s restore has rows"
[ "$(psql_q -d r_s -c "SELECT count(*) FROM pg_indexes WHERE tablename = 'records'")" = 1 ] || fail "-s restore lacks the pkey"
pass "-s schema-only"

# Data-only into an existing schema (as Drizzle migrations create it), with --disable-triggers.
"$RCR" dump -q -d src -f "$T/a" -a -n public
createdb r_a
pg_dump -s src | psql_q -d r_a >/dev/null
psql_q -d r_a -c "CREATE FUNCTION no_ins() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''trigger fired''; END'" \
	-c "CREATE TRIGGER t BEFORE INSERT ON public.records FOR EACH ROW EXECUTE FUNCTION no_ins()"
expect_exit 4 "$RCR" restore -q -d r_a "$T/a" -a
grep -q "trigger fired" "$T/err" || fail "data-only restore without --disable-triggers: $(cat "$T/err")"
[ "$(psql_q -d r_a -c "SELECT count(*) FROM public.records")" = 0 ] || fail "failed data-only restore left rows"
psql_q -d r_a -c "TRUNCATE public.records, public.feed_entries, public.\"Records2\""
"$RCR" restore -q -d r_a -a --disable-triggers "$T/a"
[ "$(psql_q -d r_a -c "SELECT count(*) FROM public.records")" = 300 ] || fail "data-only restore incomplete"
[ "$(psql_q -d r_a -c "SELECT nextval('public.feed_entries_id_seq')")" = 201 ] || fail "data-only restore lost the sequence value"
pass "-a data-only with --disable-triggers"

# restore -t: only that table's data; --clean --if-exists: rerun over an existing database.
createdb r_t
psql_q -d r_t -c "CREATE EXTENSION rcr_testvec"
"$RCR" restore -q -d r_t -t records "$T/full"
[ "$(psql_q -d r_t -c "SELECT count(*) FROM public.records")" = 300 ] || fail "restore -t records"
[ "$(psql_q -d r_t -c "SELECT count(*) FROM pg_tables WHERE tablename = 'feed_entries'")" = 0 ] || fail "restore -t restored another table"
"$RCR" restore -q -d r_full --clean --if-exists "$T/full"
[ "$(psql_q -d r_full -c "SELECT count(*) FROM public.records")" = 300 ] || fail "--clean rerun doubled or lost rows"
pass "restore -t and --clean --if-exists"

# Encodings: a LATIN1 database dumped by a client whose environment asks for SQL_ASCII, restored
# into a UTF8 database: the text arrives as the same characters (rcr dumps in the database's
# encoding and records it; restore loads in it and the server converts).
createdb -E LATIN1 -T template0 --locale=C lat
PGCLIENTENCODING=UTF8 psql_q -d lat -c "CREATE TABLE t (s text)" -c "INSERT INTO t VALUES ('café ñ ÿ')"
PGCLIENTENCODING=SQL_ASCII "$RCR" dump -q -d lat -f "$T/lat"
grep -q LATIN1 <("$RCR" list "$T/lat") || fail "list does not show the archive's encoding"
createdb -E UTF8 -T template0 --locale=C u8
PGCLIENTENCODING=SQL_ASCII "$RCR" restore -q -d u8 "$T/lat"
got=$(PGCLIENTENCODING=UTF8 psql_q -d u8 -c "SELECT s || ' ' || octet_length(s) FROM t")
[ "$got" = "café ñ ÿ 11" ] || fail "LATIN1 -> UTF8 text came back as '$got'"
pass "encodings: LATIN1 archive restored into UTF8"

# CLI: usage errors exit 1 with a hint; help and version work.
expect_exit 1 "$RCR" dump -d src
grep -q "HINT:" "$T/err" || fail "dump without -f gives no hint"
expect_exit 1 "$RCR" dump -d src -f "$T/x" -a -s
expect_exit 1 "$RCR" dump --no-such-option
expect_exit 1 "$RCR" frobnicate
expect_exit 1 "$RCR" restore "$T/full"
expect_exit 1 "$RCR" dump -d src -f "$T/x" -j 0
# (Output captured first: grep -q exits early, and under pipefail the writer's SIGPIPE would fail.)
"$RCR" --version >"$T/v.out"
grep -q '^rcr ' "$T/v.out" || fail "--version"
"$RCR" help dump >"$T/h.out"
grep -q -- '--exclude-table' "$T/h.out" || fail "help dump"
expect_exit 4 "$RCR" dump -d no_such_db -f "$T/nodb"
grep -q 'no_such_db' "$T/err" || fail "unknown database not named: $(cat "$T/err")"
pass "CLI usage errors and exit statuses"
