#!/usr/bin/env bash
# rcr restore never loads wrong data or half a table without saying so:
#  1. -a into columns of another type (same-width binary COPY would load garbage) or a table
#     that lacks a column or does not exist: refused before any row is sent, naming table,
#     column and both types; column order and extra target columns are fine (COPY names them);
#  2. a table split into runs of row groups (--piece-size) is never left partly loaded: a CHECK
#     failure (fresh and -a), a forged frame failing Raw_Hash, SIGTERM mid-load; the final line
#     names the incomplete tables, and those that may hold part of their rows when the server
#     is gone and cannot empty them;
#  3. -a without --disable-triggers loads parents before the tables that reference them; a
#     cycle of foreign keys is refused before anything is loaded;
#  4. -t/-n that match nothing fail (exit 1) before the database is touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
start_cluster
createdb src
# gate(id): true, except for id 29000 in a database whose rcr_test.gate setting says 'fail'
# (false: the CHECK fails half-way through big's rows) or 'block' (waits until cancelled).
psql_q -d src <<'SQL'
CREATE EXTENSION rcr_testvec;
CREATE FUNCTION public.gate(id int) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
	IF id <> 29000 THEN RETURN true; END IF;
	CASE pg_catalog.current_setting('rcr_test.gate', true)
	WHEN 'fail' THEN RETURN false;
	WHEN 'block' THEN LOOP PERFORM pg_catalog.pg_sleep(0.01); END LOOP;
	ELSE RETURN true;
	END CASE;
END $$;
CREATE TABLE big (id int CHECK (public.gate(id)), note text);
CREATE TABLE other (id int, note text);
INSERT INTO big SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 30000) g;
INSERT INTO other SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 30000) g;
SQL
"$RCR" dump -q -d src -f "$T/split" -Z 0 --row-group-size 100000
SPLIT=(-j 2 --piece-size 200000)

count() { psql_q -d "$1" -c "SELECT count(*) FROM $2"; }
assert_named() { # file regex label
	grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$3: final line does not say '$2'"; }
}
# other had no error: it holds all its rows or none, never part.
assert_whole() { # db table rows label
	local n
	n=$(count "$1" "$2")
	[ "$n" = 0 ] || [ "$n" = "$3" ] || fail "$4: $2 holds $n of $3 rows"
}

# --- 2. half-loaded tables ---------------------------------------------------------------
createdb fresh_fail
psql_q -d fresh_fail -c "ALTER DATABASE fresh_fail SET rcr_test.gate = 'fail'"
expect_exit 4 "$RCR" restore -d fresh_fail "${SPLIT[@]}" "$T/split"
assert_named "$T/err" "big_id_check" "fresh CHECK failure"
assert_named "$T/err" "tables not restored: .*'public.big'.*(they hold no rows)" "fresh CHECK failure"
[ "$(count fresh_fail big)" = 0 ] || fail "fresh CHECK failure: big holds $(count fresh_fail big) rows"
assert_whole fresh_fail other 30000 "fresh CHECK failure"
pass "CHECK failure in a table loaded in runs: exit 4, it holds no rows, the other table all or none"

createdb data_fail
pg_dump -s src | psql_q -d data_fail >/dev/null
psql_q -d data_fail -c "ALTER DATABASE data_fail SET rcr_test.gate = 'fail'" -c "INSERT INTO big VALUES (-1, 'old')"
expect_exit 4 "$RCR" restore -d data_fail -a "${SPLIT[@]}" "$T/split"
assert_named "$T/err" "tables not loaded (they keep the rows they had): .*'public.big'" "-a CHECK failure"
[ "$(psql_q -d data_fail -c "SELECT string_agg(id::text, ',') FROM big")" = -1 ] ||
	fail "-a CHECK failure: big holds $(count data_fail big) rows, not its one old row"
assert_whole data_fail other 30000 "-a CHECK failure"
pass "-a CHECK failure: the table keeps exactly its old rows, the other one all or none"

cp -a "$T/split" "$T/forged"
"$RCR_SWEEP" forge-last "$T/split" "$T/forged" big
createdb forged
expect_exit 2 "$RCR" restore -d forged "${SPLIT[@]}" "$T/forged"
assert_named "$T/err" "public.big" "forged frame"
assert_named "$T/err" "tables not restored: .*'public.big'" "forged frame"
[ "$(count forged big)" = 0 ] || fail "forged frame: big holds $(count forged big) rows"
assert_whole forged other 30000 "forged frame"
pass "forged last frame (checksums recomputed, Raw_Hash fails): exit 2, big holds no rows"

# Starts a restore into database $1 (stderr to $2) whose worker meets gate() in big's run with
# id 29000 and waits there; returns, with the restore's pid in $pid, once the other worker has
# committed everything else (some of big's runs among it).
blocked_restore() { # db stderr-file
	createdb "$1"
	psql_q -d "$1" -c "ALTER DATABASE $1 SET rcr_test.gate = 'block'"
	"$RCR" restore -q -d "$1" "${SPLIT[@]}" "$T/split" 2>"$2" &
	pid=$!
	local i n
	for ((i = 0; ; i++)); do
		[ $i -lt 3000 ] || fail "$1: the restore never reached gate()"
		kill -0 $pid 2>/dev/null || { cat "$2" >&2; fail "$1: the restore ended before the fault"; }
		n=$(psql_q -d postgres -c "SELECT count(*) FILTER (WHERE wait_event = 'PgSleep') || ' ' || count(*)
			FROM pg_stat_activity WHERE application_name = 'rcr restore'")
		[ "$n" = "1 2" ] && break # the blocked worker and the leader: the other worker is done
		sleep 0.02
	done
	[ "$(count "$1" big)" -gt 0 ] || fail "$1: no run of big committed before the fault; the test proves nothing"
}

# SIGTERM while one worker's COPY waits in gate() and the other has committed the rest.
blocked_restore term "$T/err_term"
kill -TERM $pid
wait_rc $pid
assert_clean_failure "$T/err_term" 5 "SIGTERM"
assert_named "$T/err_term" "interrupted.*tables not restored: .*'public.big'" "SIGTERM"
[ "$(count term big)" = 0 ] || fail "SIGTERM: big holds $(count term big) rows"
assert_whole term other 30000 "SIGTERM"
assert_no_sessions "SIGTERM"
pass "SIGTERM mid-load: exit 5, the partly loaded table emptied and named"

# The server stops at the same point: nothing can empty big, so the final line says it may
# hold part of its rows, and it does (rerun with --clean --if-exists, as the docs say).
blocked_restore gone "$T/err_gone"
server_stop fast
wait_rc $pid
server_start
assert_clean_failure "$T/err_gone" 4 "server stopped"
assert_named "$T/err_gone" "tables not restored: 'public.big'; of these, 'public.big' may hold part of their rows (emptying them failed: " "server stopped"
n=$(count gone big)
[ "$n" -gt 0 ] && [ "$n" -lt 30000 ] || fail "server stopped: big holds $n rows, the test expected the committed runs"
psql_q -d gone -c "ALTER DATABASE gone RESET rcr_test.gate"
"$RCR" restore -q -d gone --clean --if-exists -j 2 "$T/split"
[ "$(count gone big)" = 30000 ] || fail "rerun with --clean --if-exists: big holds $(count gone big) rows"
pass "server stopped mid-load: exit 4, the line names the table that may hold part of its rows; --clean --if-exists recovers"

# --- 1. column types ------------------------------------------------------------------------
psql_q -d src <<'SQL'
CREATE TABLE m (id int, r real, ts timestamptz, tx text, i4 int4, v vector(3));
INSERT INTO m SELECT g, g + 0.99, now(), 't' || g, g, '[1,2,3]' FROM generate_series(1, 100) g;
CREATE TABLE fine (k int);
INSERT INTO fine SELECT generate_series(1, 10);
SQL
"$RCR" dump -q -d src -t m -t fine -f "$T/types"
k=0
refused() { # columns-of-m regex label
	k=$((k + 1))
	createdb "ty$k"
	psql_q -d "ty$k" -c "CREATE EXTENSION rcr_testvec" -c "CREATE TABLE fine (k int)" -c "CREATE TABLE m ($1)"
	expect_exit 4 "$RCR" restore -d "ty$k" -a "$T/types"
	assert_named "$T/err" "$2" "$3"
	[ "$(count "ty$k" m)" = 0 ] && [ "$(count "ty$k" fine)" = 0 ] || fail "$3: rows were loaded"
	pass "$3: refused, nothing loaded"
}
refused "id int, r int, ts timestamptz, tx text, i4 int4, v vector(3)" \
	"column 'r' of table 'public.m' is 'real' in the archive but 'integer' in the target" "real into int"
refused "id int, r real, ts bigint, tx text, i4 int4, v vector(3)" \
	"column 'ts' of table 'public.m' is 'timestamp with time zone' in the archive but 'bigint'" "timestamptz into bigint"
refused "id int, r real, ts timestamptz, tx bytea, i4 int4, v vector(3)" \
	"column 'tx' of table 'public.m' is 'text' in the archive but 'bytea'" "text into bytea"
refused "id int, r real, ts timestamptz, tx text, i4 bigint, v vector(3)" \
	"column 'i4' of table 'public.m' is 'integer' in the archive but 'bigint'" "int4 into bigint"
refused "id int, r real, ts timestamptz, tx text, i4 int4, v vector(4)" \
	"column 'v' of table 'public.m' is 'vector(3)' in the archive but 'vector(4)'" "vector(3) into vector(4)"
refused "id int, r real, ts timestamptz, gone int, i4 int4, v vector(3)" \
	"table 'public.m' in the target database has no column 'tx'" "missing column"
refused "id int, r real, ts timestamptz, tx text GENERATED ALWAYS AS ('x') STORED, i4 int4, v vector(3)" \
	"column 'tx' of table 'public.m' is a generated column in the target" "generated column"
createdb ty_missing
psql_q -d ty_missing -c "CREATE TABLE fine (k int)"
expect_exit 4 "$RCR" restore -d ty_missing -a "$T/types"
assert_named "$T/err" "table 'public.m' does not exist in the target database; nothing was loaded" "missing table"
[ "$(count ty_missing fine)" = 0 ] || fail "missing table: rows were loaded"
pass "missing table: refused, nothing loaded"

# Other column order, an extra column with a default and a dropped column: COPY names the
# columns, so the rows land where they belong.
createdb ty_order
psql_q -d ty_order -c "CREATE EXTENSION rcr_testvec" -c "CREATE TABLE fine (k int)" \
	-c "CREATE TABLE m (v vector(3), gone int, extra text DEFAULT 'd', i4 int4, tx text, ts timestamptz, r real, id int)" \
	-c "ALTER TABLE m DROP COLUMN gone"
"$RCR" restore -q -d ty_order -a "$T/types"
[ "$(psql_q -d ty_order -c "SELECT count(*) FROM m WHERE i4 = id AND tx = 't' || id AND abs(r - (id + 0.99)) < 0.001 AND extra = 'd' AND v::text = '[1,2,3]'")" = 100 ] ||
	fail "other column order: rows not where they belong"
pass "other column order, an extra and a dropped column: loaded, every value in its column"

# --- 3. foreign-key order ---------------------------------------------------------------------
psql_q -d src <<'SQL'
CREATE TABLE fk_parent (id int PRIMARY KEY);
CREATE TABLE fk_child (id int PRIMARY KEY, parent_id int REFERENCES fk_parent, pad text);
CREATE TABLE fk_grandchild (id int REFERENCES fk_child, pad text);
CREATE TABLE fk_self (id int PRIMARY KEY, boss int REFERENCES fk_self);
INSERT INTO fk_parent SELECT generate_series(1, 100);
INSERT INTO fk_child SELECT g, 1 + g % 100, repeat('c', 200) FROM generate_series(1, 5000) g;
INSERT INTO fk_grandchild SELECT 1 + g % 5000, repeat('g', 300) FROM generate_series(1, 8000) g;
INSERT INTO fk_self SELECT g, NULL FROM generate_series(1, 10) g;
UPDATE fk_self SET boss = 11 - id;
SQL
"$RCR" dump -q -d src -t 'fk_*' -f "$T/fk"
createdb fk
pg_dump -s -d src -t 'fk_*' | psql_q -d fk >/dev/null
"$RCR" restore -q -d fk -a -j 2 "$T/fk"
for t in fk_parent fk_child fk_grandchild fk_self; do
	[ "$(count fk $t)" = "$(count src $t)" ] || fail "foreign-key order: $t holds $(count fk $t) rows"
done
pass "-a without --disable-triggers: parents load first (largest table references the others), self-reference loads"

psql_q -d src -c "CREATE TABLE cyc_a (id int PRIMARY KEY, b int)" -c "CREATE TABLE cyc_b (id int PRIMARY KEY, a int REFERENCES cyc_a)" \
	-c "ALTER TABLE cyc_a ADD FOREIGN KEY (b) REFERENCES cyc_b" -c "INSERT INTO cyc_a VALUES (1, NULL)" \
	-c "INSERT INTO cyc_b VALUES (1, 1)" -c "UPDATE cyc_a SET b = 1"
"$RCR" dump -q -d src -t 'cyc_*' -f "$T/cyc"
createdb cyc
pg_dump -s -d src -t 'cyc_*' | psql_q -d cyc >/dev/null
expect_exit 4 "$RCR" restore -d cyc -a "$T/cyc"
assert_named "$T/err" "are in a cycle of foreign keys" "cycle"
grep -q "HINT: .*--disable-triggers" "$T/err" || fail "cycle: no --disable-triggers hint"
[ "$(count cyc cyc_a)" = 0 ] || fail "cycle: rows were loaded"
"$RCR" restore -q -d cyc -a --disable-triggers "$T/cyc"
[ "$(count cyc cyc_b)" = 1 ] || fail "cycle with --disable-triggers: not loaded"
pass "a cycle of foreign keys: refused with a hint, loads with --disable-triggers"

# --- 4. names that match nothing -------------------------------------------------------------
createdb names
expect_exit 1 "$RCR" restore -d names -t nomatch "$T/split"
assert_named "$T/err" "table 'nomatch' (-t) matches nothing in the archive" "-t nomatch"
expect_exit 1 "$RCR" restore -d names -t big -t nomatch "$T/split"
assert_named "$T/err" "table 'nomatch' (-t)" "-t big -t nomatch"
expect_exit 1 "$RCR" restore -d names -n nomatch "$T/split"
assert_named "$T/err" "schema 'nomatch' (-n) matches nothing in the archive" "-n nomatch"
expect_exit 1 "$RCR" restore -d names -n other_schema -t big "$T/split"
[ "$(psql_q -d names -c "SELECT count(*) FROM pg_class WHERE relname = 'big'")" = 0 ] || fail "-t nomatch: the database was changed"
"$RCR" restore -q -d names -n public -t other "$T/split"
[ "$(count names other)" = 30000 ] || fail "-n public -t other: not restored"
pass "-t/-n matching nothing: exit 1 naming it, the database untouched; exact names still restore"
