#!/usr/bin/env bash
# pg_dump, run by rcr dump for the schema, must leave out the data of exactly the tables rcr
# stores: rcr passes their names as --exclude-table-data patterns of up to 500 names each, cut
# along the names' common prefixes. With 1,703 tables in one schema (several patterns, cut at
# different depths), names that need quoting, and a sequence and a materialized view whose
# names fall between stored tables' names: pg_dump's part of the archive holds no TABLE DATA
# entry, but the sequence's value and the view's refresh; the restore gives the same database.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src >/dev/null <<'SQL'
DO $$ BEGIN FOR i IN 1..1700 LOOP
	EXECUTE format('CREATE TABLE t%s (id int)', i);
	EXECUTE format('INSERT INTO t%s VALUES (%s)', i, i);
END LOOP; END $$;
CREATE TABLE "t12 Mixed" (id int);
INSERT INTO "t12 Mixed" VALUES (1);
CREATE TABLE "t12""q(|)*" (id int);
INSERT INTO "t12""q(|)*" VALUES (2);
CREATE TABLE "t12é" (id int);
INSERT INTO "t12é" VALUES (3);
CREATE SEQUENCE t1000s START 42;
SELECT nextval('t1000s');
CREATE MATERIALIZED VIEW t12m AS SELECT id FROM t12;
SQL
# pg_dump through a wrapper that keeps its arguments, to count the patterns.
mkdir "$T/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/args"\nexec "%s/pg_dump" "$@"\n' "$T" "$RCR_TEST_PGBIN" >"$T/bin/pg_dump"
chmod +x "$T/bin/pg_dump"
RCR_PG_BINDIR=$T/bin "$RCR" dump -q -j 2 -d src -f "$T/a"
patterns=$(grep -c '^--exclude-table-data=' "$T/args" || true)
[ "$patterns" -ge 4 ] || fail "$patterns --exclude-table-data patterns for 1,703 names, at most 500 each"
pg_restore -l "$T/a/schema" >"$T/toc.list"
data=$(grep -c ' TABLE DATA ' "$T/toc.list" || true)
[ "$data" = 0 ] || { grep ' TABLE DATA ' "$T/toc.list" | head >&2; fail "pg_dump's part holds $data TABLE DATA entries"; }
grep -q ' SEQUENCE SET public t1000s ' "$T/toc.list" || fail "the sequence's value was left out"
grep -q ' MATERIALIZED VIEW DATA public t12m ' "$T/toc.list" || fail "the materialized view's refresh was left out"
createdb dst
"$RCR" restore -q -j 2 -d dst "$T/a"
assert_same_db src dst "1,703 tables"
[ "$(psql_q -d dst -c "SELECT nextval('t1000s')")" = 43 ] || fail "the sequence's value"
pass "$patterns patterns: no table's data in pg_dump's part, the sequence's value and the view's refresh kept; restore is the same"
