#!/usr/bin/env bash
# restore_list: the pg_restore -L list rcr writes comments out the CREATE SCHEMA of a schema the
# target already has, and only that entry. It used to match " SCHEMA - name " anywhere in a
# line of pg_restore's list, whose fields are unquoted names: a schema "s x" next to an existing
# "s" lost its CREATE SCHEMA, and a table named like a schema entry lost its CREATE TABLE.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster

createdb src
psql_q -d src <<'SQL'
CREATE SCHEMA s;
CREATE SCHEMA "s x";
CREATE TABLE s.t (id int);
CREATE TABLE "s x".t (id int);
CREATE TABLE s."x SCHEMA - s y" (id int);
INSERT INTO s.t VALUES (1), (2);
INSERT INTO "s x".t VALUES (3);
INSERT INTO s."x SCHEMA - s y" VALUES (4), (5), (6);
SQL
"$RCR" dump -q -d src -f "$T/a" || fail "dump"

# The target already has schema s (as migrations would make it), and nothing else.
createdb dst
psql_q -d dst -c 'CREATE SCHEMA s'
"$RCR" restore -q -d dst "$T/a" 2>"$T/err" || { cat "$T/err" >&2; fail "restore into a target that has schema s"; }
[ "$(psql_q -d dst -c 'SELECT count(*) FROM "s x".t')" = 1 ] || fail "schema 's x' was not created"
[ "$(psql_q -d dst -c 'SELECT count(*) FROM s."x SCHEMA - s y"')" = 3 ] || fail "table 'x SCHEMA - s y' was not created"
[ "$(psql_q -d dst -c 'SELECT count(*) FROM s.t')" = 2 ] || fail "s.t rows"
pass "only the existing schema's CREATE SCHEMA is skipped"

# Into an empty database every schema is created.
createdb dst2
"$RCR" restore -q -d dst2 "$T/a" || fail "restore into an empty database"
assert_same_db src dst2 "empty target"
pass "empty target gets every schema"
