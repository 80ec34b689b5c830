# shellcheck shell=bash
# fault_lib.sh: helpers for the fault-injection tests (sourced after lib.sh and start_cluster).
#
# Faults are injected at a known point without races: the test waits until rcr is inside a
# COPY (seen in pg_stat_activity, or data files appearing for convert), freezes rcr with
# SIGSTOP, injects the fault (server stop, backend termination, signal), then lets rcr run on
# with SIGCONT. A signal sent to a stopped process stays pending and is delivered on SIGCONT,
# so "interrupted mid-COPY" is what is tested every time, whatever the machine's speed.

FAULTS_INJECTED=0
FAULTS_SURVIVED=0

fault_injected() { FAULTS_INJECTED=$((FAULTS_INJECTED + 1)); }
fault_survived() { # label
	FAULTS_SURVIVED=$((FAULTS_SURVIVED + 1))
	pass "$1"
}
fault_report() { # test name
	echo "$1: faults injected: $FAULTS_INJECTED, survived: $FAULTS_SURVIVED"
	[ "$FAULTS_INJECTED" = "$FAULTS_SURVIVED" ] || fail "$1: $((FAULTS_INJECTED - FAULTS_SURVIVED)) faults not survived"
}

# pg_ctl on the harness cluster, as the server's OS user.
pg_ctl_cluster() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$RCR_TEST_PGBIN/pg_ctl" -D "$RCR_TEST_PGDATA" "$@")
	else
		(cd / && "$RCR_TEST_PGBIN/pg_ctl" -D "$RCR_TEST_PGDATA" "$@")
	fi
}
server_stop() { pg_ctl_cluster -m "$1" -w -t 60 stop >/dev/null; }
server_start() { pg_ctl_cluster -l "$RCR_TEST_PGLOG" -w -t 60 start >/dev/null; }

# Creates pace(int) in database $1: true, after sleeping 5 ms for every $2-th id, so that a COPY
# into a table with CHECK (pace(id)) lasts long enough for freeze_at_copy to see it.
create_pace() { # db every
	psql_q -d "$1" -c "CREATE FUNCTION pace(int) RETURNS bool LANGUAGE sql AS 'SELECT CASE WHEN \$1 % $2 = 0 THEN pg_sleep(0.005) IS NOT NULL ELSE true END'"
}

# A pg_stat_activity condition: the session is running a COPY. A dump's worker sends its LOCK
# TABLE (and, after its first table, the new transaction) in the same query string as the COPY.
COPY_QUERY="query ~ '(^|; )COPY '"

# Waits until application $1 runs a COPY in the server, then freezes process $2 (SIGSTOP).
# Fails the test if the process ends first or nothing shows within 30 s.
freeze_at_copy() { # application_name pid
	local i n
	for ((i = 0; i < 1500; i++)); do
		kill -0 "$2" 2>/dev/null || fail "process $2 ended before its COPY was seen"
		n=$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active' AND $COPY_QUERY")
		if [ "$n" != 0 ]; then
			kill -STOP "$2"
			return 0
		fi
		sleep 0.02
	done
	fail "no COPY of '$1' seen in 30 s"
}

# Waits for process $1 and sets RC to its exit status (never trips set -e).
wait_rc() {
	set +e
	wait "$1"
	RC=$?
	set -e
}

# Asserts that the last command failed with exit status $2 and wrote exactly one rcr error line
# (an optional HINT line may follow) and nothing else: not the multi-line reports of the
# pg_dump/pg_restore it runs, nor server notices.
assert_clean_failure() { # stderr-file wanted-status label
	[ "$RC" != 0 ] || fail "$3: exited 0"
	[ "$RC" = "$2" ] || { cat "$1" >&2; fail "$3: exit $RC, expected $2"; }
	local n other
	n=$(grep -c -E '^rcr( [a-z]+)?: error: ' "$1" || true)
	[ "$n" = 1 ] || { cat "$1" >&2; fail "$3: expected one error line, got $n"; }
	other=$(grep -v -E '^(rcr( [a-z]+)?: error: |HINT: )' "$1" || true)
	[ -z "$other" ] || { cat "$1" >&2; fail "$3: unexpected output: $other"; }
}

# Asserts that no client backend other than the caller's own is left, after a short grace
# period for backends still shutting down (a cancelled query, a closed socket).
assert_no_sessions() { # label
	local i n=
	for ((i = 0; i < 50; i++)); do
		n=$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
		[ "$n" = 0 ] && return 0
		sleep 0.1
	done
	psql_q -d postgres -c "SELECT pid, application_name, state, left(query, 60) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" >&2
	fail "$1: $n server sessions left behind"
}
