#!/usr/bin/env bash
# Snapshot consistency: writers insert into two tables and bump a ledger in one transaction
# while `rcr dump -j 4` runs; the restored database must satisfy the invariants the writers
# keep across tables, i.e. every table was read on the same snapshot.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE SEQUENCE ids;
CREATE TABLE a (id bigint PRIMARY KEY, payload text);
CREATE TABLE b (id bigint PRIMARY KEY);
CREATE TABLE c (id bigint, note text);
CREATE TABLE ledger (total bigint NOT NULL, idsum numeric NOT NULL);
INSERT INTO ledger VALUES (0, 0);
WITH n AS (SELECT nextval('ids') AS id FROM generate_series(1, 60000))
INSERT INTO a SELECT id, repeat(md5(id::text), 10) FROM n;
INSERT INTO b SELECT id FROM a;
INSERT INTO c SELECT id, 'n' FROM a;
UPDATE ledger SET total = (SELECT count(*) FROM a), idsum = (SELECT sum(id) FROM a);
SQL
cat >"$T/writer.sql" <<'SQL'
BEGIN;
INSERT INTO a VALUES (nextval('ids'), repeat('w', 300));
INSERT INTO b VALUES (currval('ids'));
INSERT INTO c VALUES (currval('ids'), 'w');
UPDATE ledger SET total = total + 1, idsum = idsum + currval('ids');
DELETE FROM c WHERE id = currval('ids') - 30000;
INSERT INTO c VALUES (currval('ids') - 30000, 'moved');
COMMIT;
SQL
pgbench -n -c 2 -T 6 -f "$T/writer.sql" src >"$T/pgbench.log" 2>&1 &
bench=$!
sleep 1
before=$(psql_q -d src -c "SELECT total FROM ledger")
"$RCR" dump -q -d src -f "$T/arch" -j 4 --row-group-size 100000 --piece-size 1000000
after=$(psql_q -d src -c "SELECT total FROM ledger")
wait $bench || { cat "$T/pgbench.log" >&2; fail "pgbench failed"; }
[ "$after" -gt "$before" ] || fail "no writes happened during the dump ($before -> $after)"

createdb dst
"$RCR" restore -q -d dst -j 4 "$T/arch"
check=$(psql_q -d dst -c "SELECT (SELECT count(*) FROM a) = l.total AND (SELECT count(*) FROM b) = l.total
	AND (SELECT count(*) FROM c) = l.total AND (SELECT sum(id) FROM a) = l.idsum
	AND NOT EXISTS (SELECT id FROM a EXCEPT SELECT id FROM b) FROM ledger l")
[ "$check" = t ] || fail "restored data breaks the writers' invariants: not one snapshot"
total=$(psql_q -d dst -c "SELECT total FROM ledger")
[ "$total" -gt "$before" ] && [ "$total" -le "$after" ] || fail "snapshot total $total outside [$before, $after]"
pass "consistent snapshot under concurrent writes (ledger $before..$after, archive at $total)"
