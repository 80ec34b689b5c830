# shellcheck shell=bash
# lock_lib.sh: holding a lock in a second session while a dump runs (sourced after lib.sh).
# The holding session works in database src.

# A second session kept open on a fifo: hold_begin runs SQL in an open transaction and
# returns once its lock is granted; hold_end commits (or rolls back) and closes it.
hold_begin() { # sql (must take a lock on relation $2), relation
	rm -f "$T/hold.fifo"
	mkfifo "$T/hold.fifo"
	psql -X -q -v ON_ERROR_STOP=1 -d src <"$T/hold.fifo" >"$T/hold.out" 2>&1 &
	HOLD_PID=$!
	exec 3>"$T/hold.fifo"
	echo "BEGIN; $1" >&3
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(psql_q -d src -c "SELECT count(*) FROM pg_locks WHERE relation = '$2'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && return 0
		sleep 0.02
	done
	fail "the holding session did not get its lock: $(cat "$T/hold.out")"
}
hold_end() { # COMMIT or ROLLBACK
	echo "$1;" >&3
	exec 3>&-
	wait "$HOLD_PID" || fail "holding session failed: $(cat "$T/hold.out")"
}
# Waits until the dump's leader is waiting for a lock.
wait_dump_blocked() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rcr dump' AND wait_event_type = 'Lock'")" != 0 ] && return 0
		sleep 0.02
	done
	fail "the dump never waited for the lock"
}
