#!/usr/bin/env bash
# restore runs the schema's pre-data section in one transaction (so a clash leaves nothing
# behind; restore_refusal_test.sh covers that). One transaction holds a lock on every relation
# it creates until it commits, so a schema with more relations than the server's lock table
# holds cannot be created that way: restore then runs pre-data again statement by statement,
# says so, and the result is complete. The target is a second cluster with a small lock table
# (max_locks_per_transaction = 10, max_connections = 10).
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
NTABLES=600
createdb src
psql_q -d src <<SQL
DO \$\$ BEGIN
  FOR i IN 1..$NTABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, note text)', i);
  END LOOP;
END \$\$;
INSERT INTO t1 SELECT g, 'n' || g FROM generate_series(1, 100) g;
INSERT INTO t$NTABLES VALUES (1, 'last');
SQL
"$RCR" dump -q -j 2 -d src -f "$T/a"
pass "dumped $NTABLES tables"

# The second cluster: its own env, used for the restores below only.
start_extra_cluster small $'max_locks_per_transaction = 10\nmax_connections = 10'
small() { in_cluster small "$@"; }
[ "$(small psql_q -c "SHOW max_locks_per_transaction")" = 10 ] || fail "the small cluster did not take its settings"

# The lock table really is too small for one transaction: pg_restore -1 of the schema fails.
small createdb probe
if small pg_restore --section=pre-data --single-transaction -d probe "$T/a/schema" 2>"$T/probe.err"; then
	fail "pg_restore -1 created $NTABLES tables in one transaction: the test needs a smaller lock table"
fi
grep -q 'out of shared memory' "$T/probe.err" || { cat "$T/probe.err" >&2; fail "pg_restore -1 failed for another reason"; }
pass "pg_restore --single-transaction runs out of locks on the small cluster"

small createdb dst
small "$RCR" restore -j 2 -d dst "$T/a" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "restore failed"; }
grep -q 'more locks than one transaction can hold (max_locks_per_transaction); restoring it statement by statement' "$T/err" ||
	{ cat "$T/err" >&2; fail "no word of the statement-by-statement rerun"; }
[ "$(small psql_q -d dst -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = "$NTABLES" ] ||
	fail "not every table was created"
[ "$(small psql_q -d dst -c "SELECT count(*) FROM t1")" = 100 ] || fail "t1 rows"
[ "$(small psql_q -d dst -c "SELECT note FROM t$NTABLES")" = last ] || fail "t$NTABLES rows"
[ "$(small psql_q -d dst -c "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace")" = "$NTABLES" ] ||
	fail "primary keys (post-data) missing"
pass "restore fell back to statement by statement and restored all $NTABLES tables, rows and keys"
