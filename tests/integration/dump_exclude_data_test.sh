#!/usr/bin/env bash
# rcr-test: matrix
# rcr dump --exclude-table-data=PATTERN, as pg_dump's: the matching tables' definitions stay,
# their rows are stored nowhere (not among the archive's tables, no TABLE DATA in pg_dump's
# part), and so are a matching sequence's value and materialized view's refresh. Patterns with
# quoted names (a mixed-case name with a space, a dot inside quotes), wildcards, a schema
# part, an unqualified one that matches on the search path only, repeated. The restore equals
# what pg_dump -Fd with the same patterns and pg_restore give.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src >/dev/null <<'SQL'
CREATE SCHEMA s2;
CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2);
CREATE TABLE "Skip Me" (id int); INSERT INTO "Skip Me" VALUES (3);
CREATE TABLE "skip me" (id int); INSERT INTO "skip me" VALUES (4);
CREATE TABLE "a.b" (id int); INSERT INTO "a.b" VALUES (5);
CREATE TABLE ab (id int); INSERT INTO ab VALUES (6);
CREATE TABLE logs_1 (id int); INSERT INTO logs_1 VALUES (7);
CREATE TABLE logs_2 (id int); INSERT INTO logs_2 VALUES (8);
CREATE TABLE s2.logs_3 (id int); INSERT INTO s2.logs_3 VALUES (9);
CREATE TABLE s2.t (id int); INSERT INTO s2.t VALUES (10);
CREATE SEQUENCE s2.seq START 42; SELECT nextval('s2.seq');
CREATE MATERIALIZED VIEW s2.mv AS SELECT id FROM s2.t;
CREATE TABLE s2.kept (id int); INSERT INTO s2.kept VALUES (11);
SQL
pats=(--exclude-table-data='"Skip Me"' --exclude-table-data='"a.b"' --exclude-table-data='logs_*'
	--exclude-table-data='s2.[st]*' --exclude-table-data='s2.mv')
"$RCR" dump -q -d src -f "$T/a" "${pats[@]}"
"$RCR" list --json "$T/a" >"$T/list.json"
for t in '"name":"keep"' '"name":"skip me"' '"name":"ab"' '"schema":"s2","name":"kept"'; do
	grep -qF "$t" "$T/list.json" || fail "$t is not among the stored tables"
done
for t in '"name":"Skip Me"' '"name":"a.b"' '"name":"logs_1"' '"name":"logs_2"' '"name":"t"' '"name":"seq"'; do
	! grep -qF "$t" "$T/list.json" || fail "$t is stored, though its data was excluded"
done
pg_restore -l "$T/a/schema" >"$T/toc.list"
# Without the patterns it would hold s2.seq's SEQUENCE SET and s2.mv's MATERIALIZED VIEW DATA.
if grep -E ' (TABLE DATA|SEQUENCE SET|MATERIALIZED VIEW DATA) ' "$T/toc.list" >&2; then
	fail "pg_dump's part holds excluded data"
fi
pass "excluded tables are not stored; pg_dump's part leaves out their data, the sequence's and the view's"

# The same as pg_dump's own --exclude-table-data, through pg_restore.
pg_dump -Fd -f "$T/ref" "${pats[@]}" src
createdb ref
pg_restore -d ref "$T/ref"
createdb dst
"$RCR" restore -q -d dst "$T/a"
assert_same_db ref dst "--exclude-table-data"
[ "$(psql_q -d dst -c 'SELECT count(*) FROM "Skip Me"')" = 0 ] || fail '"Skip Me" holds rows'
[ "$(psql_q -d dst -c 'SELECT count(*) FROM "skip me"')" = 1 ] || fail '"skip me" lost its row'
[ "$(psql_q -d dst -c 'SELECT count(*) FROM s2.logs_3')" = 1 ] || fail "s2.logs_3 lost its row (logs_* is unqualified)"
pass "the restore equals pg_dump --exclude-table-data's: definitions kept, rows left out"
