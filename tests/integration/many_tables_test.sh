#!/usr/bin/env bash
# Lock slots with many tables (issue 11, defect 8). The server's shared lock table holds about
# max_locks_per_transaction x (max_connections + max_prepared_transactions) locks, shared by all
# sessions. rcr dump -j N locks like pg_dump -j: the leader holds every table's lock, pg_dump
# (the schema) holds its own, and a worker only the table it copies, so a dump needs about two
# slots per table whatever N; it used to need N + 2 (every worker locked every table). On a
# cluster with max_locks_per_transaction = 10 and max_connections = 10:
# - 220 tables, -j 2: the dump succeeds and restores (it failed before: ~880 slots);
# - 700 tables: more than the leader alone can lock: the dump fails with exit 4 naming
#   max_locks_per_transaction, its value, and the value to set.
. "$(dirname "$0")/lib.sh"
RCR_TEST_PG_CONF=$'max_locks_per_transaction = 10\nmax_connections = 10' start_cluster
[ "$(psql_q -c "SHOW max_locks_per_transaction")" = 10 ] || fail "the cluster did not take its settings"

# Creates tables t<from>..t<to> with one row each, 100 per transaction (one transaction cannot
# hold more locks than the table has room for).
make_tables() { # db from to
	local lo
	for ((lo = $2; lo <= $3; lo += 100)); do
		local hi=$((lo + 99 < $3 ? lo + 99 : $3))
		psql_q -d "$1" -c "DO \$\$ BEGIN FOR i IN $lo..$hi LOOP
			EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, note text)', i);
			EXECUTE format('INSERT INTO t%s VALUES (%s, %L)', i, i, 'n' || i);
		END LOOP; END \$\$"
	done
}

createdb src
make_tables src 1 220
"$RCR" dump -q -j 2 -d src -f "$T/a" 2>"$T/err" || { cat "$T/err" >&2; fail "dump of 220 tables with -j 2 failed"; }
"$RCR" verify -q "$T/a" >/dev/null || fail "the archive does not verify"
createdb dst
"$RCR" restore -q -d dst "$T/a" 2>"$T/err" || { cat "$T/err" >&2; fail "restore of 220 tables failed"; }
[ "$(psql_q -d dst -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 220 ] || fail "not every table restored"
[ "$(psql_q -d dst -c "SELECT note FROM t220")" = n220 ] || fail "t220's row"
[ "$(psql_q -d dst -c "SELECT sum(id) FROM t1") $(psql_q -d dst -c "SELECT count(*) FROM t117")" = "1 1" ] || fail "rows"
pass "220 tables dumped with -j 2 on a lock table of ~100 slots per max_locks_per_transaction unit, and restored"

make_tables src 221 700
expect_exit 4 "$RCR" dump -q -j 2 -d src -f "$T/b"
grep -q "^rcr dump: error: could not lock the tables: the server's lock table is full: the dump of 700 tables holds about [0-9]* locks at once .*max_locks_per_transaction = 10 " "$T/err" ||
	{ cat "$T/err" >&2; fail "out of locks: the message does not name the setting, its value and the tables"; }
grep -q "^HINT: set max_locks_per_transaction to at least [0-9]* in postgresql.conf and restart the server$" "$T/err" ||
	{ cat "$T/err" >&2; fail "out of locks: no HINT with the value to set"; }
need=$(sed -n 's/^HINT: set max_locks_per_transaction to at least \([0-9]*\) .*/\1/p' "$T/err")
[ "$need" -ge 140 ] || fail "out of locks: asks for $need, less than two slots per table over 10 connections"
[ ! -e "$T/b" ] || fail "out of locks: left an output directory"
pass "700 tables: $(head -1 "$T/err" | cut -c1-120)..."
