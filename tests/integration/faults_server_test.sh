#!/usr/bin/env bash
# The server goes away under rcr: stopped (pg_ctl stop -m fast and -m immediate) in the middle
# of a dump and of a restore, and a restore worker's backend terminated (pg_terminate_backend)
# mid-COPY. Each ends in one error line and a non-zero exit; a dump leaves nothing that passes
# for an archive; a restore leaves a database that a plain rerun refuses and a rerun with
# --clean --if-exists restores exactly. Faults are injected with rcr frozen mid-COPY (see
# fault_lib.sh), so every case hits a COPY in flight; docs' CHECK (pace(id)) sleeps a little
# every 500 rows so that a restore's COPY lasts long enough to be seen, and dumps use -Z 19 to
# make the client the slow side.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
start_cluster
createdb src
create_pace src 500
psql_q -d src -c "CREATE EXTENSION rcr_testvec" \
	-c "CREATE TABLE docs (id int PRIMARY KEY CHECK (pace(id)), body text, emb vector(32))" \
	-c "INSERT INTO docs SELECT g, repeat(md5(g::text), 4), ('[' || array_to_string(array_fill((g % 97)::float4 / 7, ARRAY[32]), ',') || ']')::vector FROM generate_series(1, 40000) g" \
	-c "CREATE TABLE tags (doc int REFERENCES docs, tag text)" \
	-c "INSERT INTO tags SELECT g, 't' || (g % 13) FROM generate_series(1, 40000) g" \
	-c "CREATE INDEX ON tags (tag)"

# A good archive for the restore cases; small row groups make the COPYs many messages long.
"$RCR" dump -q -d src -f "$T/good" -j 2 --row-group-size 16384
"$RCR" verify -q "$T/good" >/dev/null

# --- dump: the server stops mid-COPY ----------------------------------------------------------
for mode in fast immediate; do
	out="$T/dump_$mode"
	"$RCR" dump -q -d src -f "$out" -j 2 -Z 19 --row-group-size 16384 2>"$T/err_$mode" &
	pid=$!
	freeze_at_copy "rcr dump" $pid
	server_stop $mode
	fault_injected
	kill -CONT $pid
	wait_rc $pid
	assert_clean_failure "$T/err_$mode" 4 "dump, server stopped ($mode)"
	[ ! -e "$out" ] || fail "dump, server stopped ($mode): left $(ls -A "$out")"
	server_start
	expect_exit 2 "$RCR" verify "$out"
	fault_survived "dump, server stopped -m $mode: exit $RC, no archive left; $(head -1 "$T/err_$mode" | cut -c1-160)"
done

# --- restore: each fault, then a plain rerun is refused and --clean --if-exists restores -------
restore_fault() { # label, fault command (run while rcr is frozen mid-COPY), wanted exit status
	local label=$1 fault=$2 want=$3 db="r_$1"
	createdb "$db"
	"$RCR" restore -q -d "$db" -j 2 "$T/good" 2>"$T/err_$label" &
	local pid=$!
	freeze_at_copy "rcr restore" $pid
	eval "$fault"
	fault_injected
	kill -CONT $pid
	wait_rc $pid
	psql_q -d postgres -c "SELECT 1" >/dev/null 2>&1 || server_start
	assert_clean_failure "$T/err_$label" "$want" "restore, $label"
	local first
	first=$(head -1 "$T/err_$label" | cut -c1-160)
	# Whatever the interrupted restore committed, it is not a complete restore: the rerun
	# without --clean is refused before anything is changed... unless nothing survived: the
	# schema is created in one transaction, and with the harness's synchronous_commit = off an
	# immediate stop can lose its commit (seen in about 1 run in 5), leaving an empty database
	# that a plain rerun may fill.
	if [ "$(psql_q -d "$db" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]; then
		"$RCR" restore -q -d "$db" "$T/good" || fail "restore, $label: plain rerun into the emptied database failed"
	else
		expect_exit 4 "$RCR" restore -q -d "$db" "$T/good"
		grep -q "already exists" "$T/err" || { cat "$T/err" >&2; fail "restore, $label: plain rerun not refused"; }
	fi
	# ...and --clean --if-exists replaces it with exactly the source.
	"$RCR" restore -q -d "$db" -j 2 --clean --if-exists "$T/good" ||
		fail "restore, $label: rerun with --clean --if-exists failed"
	assert_same_db src "$db" "restore, $label, rerun"
	assert_no_sessions "restore, $label"
	fault_survived "restore, $label: exit $RC; $first; rerun with --clean matches the source"
}
restore_fault stop_fast "server_stop fast" 4
restore_fault stop_immediate "server_stop immediate" 4
restore_fault terminate "psql_q -d postgres -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rcr restore' AND query LIKE 'COPY%'\" >/dev/null" 4

fault_report faults_server
