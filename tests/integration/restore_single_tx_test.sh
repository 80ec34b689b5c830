#!/usr/bin/env bash
# restore -a --single-transaction [--truncate]: every table's data in one transaction, so a
# data-only restore over existing rows either replaces them all or changes nothing (what
# tools/db-manager.sh's data-only restore relies on). Covers: the replacement (foreign keys
# among the tables, triggers disabled), a failure in the last table loaded (the tables loaded
# before it keep their old rows), a TRUNCATE refused by a foreign key from outside the selection,
# -1 without --truncate (appends, all or nothing), an interrupt mid-COPY, an interrupt during
# COMMIT (exit 5 only when nothing was committed), and the usage rules
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
#    one error line, every table keeps its old rows, no session left. A CHECK that waits at row
#    1500 until cancelled holds parent's COPY in the server, so the interrupt always meets it
#    (with a COPY that merely lasted a while, a loaded machine could finish it, and commit,
#    before the signal was handled: a committed restore, which case 8 covers).
psql_q -d dst -c "CREATE FUNCTION hold(int) RETURNS bool LANGUAGE plpgsql AS
	'BEGIN IF \$1 = 1500 THEN LOOP PERFORM pg_catalog.pg_sleep(0.01); END LOOP; END IF; RETURN true; END'"
psql_q -d dst -c "ALTER TABLE parent ADD CONSTRAINT held CHECK (public.hold(id)) NOT VALID"
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
psql_q -d dst -c "ALTER TABLE parent DROP CONSTRAINT held"
pass "interrupted mid-COPY: exit 5, one error line, every table keeps its old rows"

# 7-8. An interrupt while COMMIT runs. A deferred constraint trigger on small waits at COMMIT
#    until commit_gate has a row, so the test knows COMMIT is in the server.
psql_q -d dst -c "CREATE TABLE commit_gate (k int)" -c "CREATE FUNCTION wait_commit() RETURNS trigger LANGUAGE plpgsql AS
	'BEGIN WHILE NOT EXISTS (SELECT 1 FROM public.commit_gate) LOOP PERFORM pg_catalog.pg_sleep(0.01); END LOOP; RETURN NULL; END'"
gated_restore() { # stderr-file: starts the restore of small, returns when its COMMIT waits
	set_old
	psql_q -d dst -c "TRUNCATE commit_gate" -c "CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON small
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.wait_commit()"
	"$RCR" restore --progress=never -d dst -a -1 --truncate -t small "$T/a" 2>"$1" &
	pid=$!
	local i
	for ((i = 0; ; i++)); do
		[ $i -lt 1500 ] || fail "no COMMIT of 'rcr restore' seen in 30 s"
		kill -0 $pid 2>/dev/null || { cat "$1" >&2; fail "the restore ended before its COMMIT"; }
		[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rcr restore'
			AND state = 'active' AND query = 'COMMIT'")" = 1 ] && break
		sleep 0.02
	done
}
# 7. The interrupt's cancel meets the waiting COMMIT, which therefore fails: exit 5, nothing
#    committed.
gated_restore "$T/err_commit"
kill -INT $pid
wait_rc $pid
assert_clean_failure "$T/err_commit" 5 "interrupted during COMMIT"
grep -q "nothing was committed" "$T/err_commit" || { cat "$T/err_commit" >&2; fail "interrupted during COMMIT: not said"; }
psql_q -d dst -c "DROP TRIGGER at_commit ON small"
unchanged "interrupted during COMMIT"
pass "interrupted while COMMIT runs: COMMIT fails, exit 5, every table keeps its old rows"
# 8. COMMIT completes while rcr is frozen, then the interrupt comes: the rows are committed, so
#    rcr must not report an interrupted restore with exit 5: it completes the restore, exit 0.
gated_restore "$T/err_late"
kill -STOP $pid
psql_q -d dst -c "INSERT INTO commit_gate VALUES (1)"
for ((i = 0; ; i++)); do
	[ $i -lt 1500 ] || fail "COMMIT did not complete in 30 s"
	[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rcr restore' AND query = 'COMMIT' AND state = 'active'")" = 0 ] && break
	sleep 0.02
done
kill -INT $pid
kill -CONT $pid
wait_rc $pid
[ "$RC" = 0 ] || { cat "$T/err_late" >&2; fail "interrupted after COMMIT: exit $RC, but the rows were committed"; }
# (Whether rcr also says "interrupted after the data was committed" depends on whether its
# signal thread handled the signal before the restore ended, which nothing orders.)
! grep -q "error" "$T/err_late" || { cat "$T/err_late" >&2; fail "interrupted after COMMIT: an error was reported"; }
[ "$(psql_q -d dst -c "SELECT string_agg(k::text, ',' ORDER BY k) FROM small")" = 1,2,3 ] || fail "interrupted after COMMIT: small does not hold the archive's rows"
psql_q -d dst -c "DROP TRIGGER at_commit ON small"
pass "interrupted after COMMIT succeeded: the restore completes, exit 0"

# 5. Usage.
expect_exit 1 "$RCR" restore -d dst -1 "$T/a"
grep -q 'single-transaction needs --data-only' "$T/err" || fail "-1 without -a: $(head -1 "$T/err")"
expect_exit 1 "$RCR" restore -d dst -a -1 -j 2 "$T/a"
grep -q 'cannot specify both --single-transaction and multiple jobs' "$T/err" || fail "-1 -j 2: $(head -1 "$T/err")"
expect_exit 1 "$RCR" restore -d dst -a --truncate "$T/a"
grep -q 'truncate needs --data-only and --single-transaction' "$T/err" || fail "--truncate alone: $(head -1 "$T/err")"
pass "usage: -1 needs -a and one job, --truncate needs -1"
