#!/usr/bin/env bash
# restore_many_names: every -t and -n reaches pg_restore, however many. pg_restore's command line
# used to be a fixed array that kept the first 60 of each (and none when an allocation failed),
# so pg_restore's selection was not the user's: here 100 -t options must create exactly those 100
# tables' schema, and 70 -n options exactly those 70 schemas.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster

createdb src
psql_q -d src <<'SQL'
DO $$ BEGIN
  FOR i IN 1..130 LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY)', i);
    EXECUTE format('INSERT INTO t%s VALUES (%s)', i, i);
  END LOOP;
  FOR i IN 1..80 LOOP
    EXECUTE format('CREATE SCHEMA s%s', i);
    EXECUTE format('CREATE TABLE s%s.u (id int)', i);
    EXECUTE format('INSERT INTO s%s.u VALUES (%s)', i, i);
  END LOOP;
END $$;
SQL
"$RCR" dump -q -j 2 -d src -f "$T/a" || fail "dump"

args=()
for i in $(seq 1 100); do args+=(-t "t$i"); done
createdb dst_t
"$RCR" restore -q -d dst_t "${args[@]}" "$T/a" 2>"$T/err" || { cat "$T/err" >&2; fail "restore with 100 -t"; }
got=$(psql_q -d dst_t -c "SELECT count(*), coalesce(sum(substr(tablename, 2)::int), 0) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
[ "$got" = "100|5050" ] || fail "100 -t: the target has (tables|sum of numbers) $got, expected t1..t100 only (100|5050)"
[ "$(psql_q -d dst_t -c 'SELECT sum(id) FROM (SELECT id FROM t1 UNION ALL SELECT id FROM t61 UNION ALL SELECT id FROM t100) x')" = 162 ] ||
	fail "100 -t: rows of t1, t61, t100"
pass "100 -t options create exactly those 100 tables, with their rows"

args=()
for i in $(seq 1 70); do args+=(-n "s$i"); done
# pg_restore -n restores a schema's objects, not the schema itself: the target has them all.
createdb dst_n
psql_q -d dst_n -c "DO \$\$ BEGIN FOR i IN 1..80 LOOP EXECUTE format('CREATE SCHEMA s%s', i); END LOOP; END \$\$"
"$RCR" restore -q -d dst_n "${args[@]}" "$T/a" 2>"$T/err" || { cat "$T/err" >&2; fail "restore with 70 -n"; }
got=$(psql_q -d dst_n -c "SELECT count(*), coalesce(sum(substr(schemaname, 2)::int), 0) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
[ "$got" = "70|2485" ] || fail "70 -n: the target has (tables|sum of schema numbers) $got, expected s1..s70 only (70|2485)"
[ "$(psql_q -d dst_n -c 'SELECT id FROM s70.u')" = 70 ] || fail "70 -n: rows of s70.u"
pass "70 -n options create exactly those 70 schemas' tables, with their rows"
