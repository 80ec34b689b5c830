#!/usr/bin/env bash
# restore -a --single-transaction [--truncate]: every table's data in one transaction, so a
# data-only restore over existing rows either replaces them all or changes nothing (what
# tools/db-manager.sh's data-only restore relies on). Covers: the replacement (foreign keys
# among the tables, triggers disabled), a failure in the last table loaded (the tables loaded
# before it keep their old rows), a TRUNCATE refused by a foreign key from outside the selection,
# -1 without --truncate (appends, all or nothing), an interrupt mid-COPY, and the usage rules
# (-1 needs -a, one job; --truncate needs -1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE EXTENSION rcr_testvec;
CREATE TABLE parent (id int PRIMARY KEY, emb vector(4));
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), note text);
CREATE TABLE small (k int);
CREATE TABLE gone (k int);
INSERT INTO parent SELECT g, '[1,2,3,4]' FROM generate_series(1, 3000) g;
INSERT INTO child SELECT g, 1 + g % 3000, repeat('n', 50) FROM generate_series(1, 2000) g;
INSERT INTO small VALUES (1), (2), (3);
SQL
"$RCR" dump -q -d src -f "$T/a"

# The target: the same schema with other rows (the "old" data a restore replaces).
createdb dst
"$RCR" restore -q -d dst "$T/a"
set_old() {
	psql_q -d dst -c "TRUNCATE parent, child, small" \
		-c "INSERT INTO parent VALUES (-1, '[0,0,0,1]'), (-2, '[0,0,1,0]')" \
		-c "INSERT INTO child VALUES (-1, -1, 'old')" -c "INSERT INTO small VALUES (-9)"
	data_text dst >"$T/old.data"
}
unchanged() { # label
	data_text dst >"$T/now.data"
	cmp -s "$T/old.data" "$T/now.data" || { diff "$T/old.data" "$T/now.data" | head >&2; fail "$1: the target changed"; }
}

# 1. --truncate replaces every table's rows; foreign keys among them do not get in the way.
set_old
"$RCR" restore -q -d dst -a -1 --truncate --disable-triggers "$T/a"
assert_same_db src dst "-a -1 --truncate"
pass "-a -1 --truncate --disable-triggers: the target holds exactly the archive's rows"

# ...also when no selected table has rows: the archive's empty table empties the target's.
psql_q -d dst -c "INSERT INTO gone VALUES (1), (2)"
"$RCR" restore -q -d dst -a -1 --truncate -t gone "$T/a"
[ "$(psql_q -d dst -c "SELECT count(*) FROM gone")" = 0 ] || fail "-t of an empty table with --truncate left rows"
pass "--truncate of a table the archive holds empty: emptied"

# 2. The last table loaded fails (a CHECK the archive's rows break; one connection loads the
#    biggest first, so parent and child were loaded before it): nothing changes.
set_old
psql_q -d dst -c "ALTER TABLE small ADD CONSTRAINT small_neg CHECK (k < 0)"
expect_exit 4 "$RCR" restore -d dst -a -1 --truncate --disable-triggers "$T/a"
grep -q "rcr restore: error: restoring table 'public.small'.*small_neg" "$T/err" || { cat "$T/err" >&2; fail "failure not named"; }
unchanged "failed last table"
psql_q -d dst -c "ALTER TABLE small DROP CONSTRAINT small_neg"
pass "a failure in the last table loaded: exit 4 naming it, every table keeps its old rows"

# 3. A foreign key from a table outside the selection refuses the TRUNCATE: nothing changes.
expect_exit 4 "$RCR" restore -d dst -a -1 --truncate -t parent "$T/a"
grep -q 'emptying the tables for --truncate: .*cannot truncate a table referenced in a foreign key constraint' "$T/err" ||
	{ cat "$T/err" >&2; fail "FK refusal not reported"; }
unchanged "TRUNCATE refused"
pass "--truncate of a table another one references: refused, nothing changed"

# 4. -1 without --truncate appends, all or nothing too.
psql_q -d dst -c "ALTER TABLE child DROP CONSTRAINT child_pkey" -c "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey"
psql_q -d dst -c "ALTER TABLE parent DROP CONSTRAINT parent_pkey"
data_text dst >"$T/old.data"
psql_q -d dst -c "ALTER TABLE small ADD CONSTRAINT small_neg CHECK (k < 0)"
expect_exit 4 "$RCR" restore -d dst -a -1 "$T/a"
unchanged "failed append"
psql_q -d dst -c "ALTER TABLE small DROP CONSTRAINT small_neg"
"$RCR" restore -q -d dst -a -1 "$T/a"
[ "$(psql_q -d dst -c "SELECT count(*) FROM parent")" = 3002 ] || fail "-1 append: parent rows"
[ "$(psql_q -d dst -c "SELECT count(*) FROM small")" = 4 ] || fail "-1 append: small rows"
pass "-a -1 appends: nothing on failure, every row on success"

# 6. Interrupted mid-COPY (SIGINT while rcr is frozen inside a COPY, after the TRUNCATE): exit 5,
#    one error line, every table keeps its old rows, no session left. A CHECK that sleeps a
#    little every 100 rows makes parent's COPY last long enough to be seen.
create_pace dst 100
psql_q -d dst -c "ALTER TABLE parent ADD CONSTRAINT paced CHECK (pace(id))"
set_old
"$RCR" restore -q -d dst -a -1 --truncate --disable-triggers "$T/a" 2>"$T/err_int" &
pid=$!
freeze_at_copy "rcr restore" $pid
kill -INT $pid
kill -CONT $pid
wait_rc $pid
assert_clean_failure "$T/err_int" 5 "interrupted -1 --truncate restore"
unchanged "interrupted"
assert_no_sessions "interrupted"
psql_q -d dst -c "ALTER TABLE parent DROP CONSTRAINT paced"
pass "interrupted mid-COPY: exit 5, one error line, every table keeps its old rows"

# 5. Usage.
expect_exit 1 "$RCR" restore -d dst -1 "$T/a"
grep -q 'single-transaction needs --data-only' "$T/err" || fail "-1 without -a: $(head -1 "$T/err")"
expect_exit 1 "$RCR" restore -d dst -a -1 -j 2 "$T/a"
grep -q 'cannot specify both --single-transaction and multiple jobs' "$T/err" || fail "-1 -j 2: $(head -1 "$T/err")"
expect_exit 1 "$RCR" restore -d dst -a --truncate "$T/a"
grep -q 'truncate needs --data-only and --single-transaction' "$T/err" || fail "--truncate alone: $(head -1 "$T/err")"
pass "usage: -1 needs -a and one job, --truncate needs -1"
