#!/usr/bin/env bash
# A SIGKILLed rcr takes its children with it and leaves no temporary file (issue 11, 10e):
# - restore, killed while its pg_restore builds a slow index (post-data): every process rcr
#   started (pg_restore and its -j workers) is gone within seconds, no server session of theirs
#   is left, and TMPDIR holds nothing (the pg_restore list file has no name);
# - dump, killed while its pg_dump runs (a stand-in that sleeps, via RCR_PG_BINDIR): the child
#   is gone too.
# SIGKILL cannot be caught, so only the children's parent-death signal can end them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
start_cluster
createdb src
# In the restore's target (dst) the index build takes 40 s at 10 ms a row: far longer than the
# test ever waits. In the source it is fast.
psql_q -d src -c "CREATE TABLE t (id int, note text)" \
	-c "INSERT INTO t SELECT g, 'n' || g FROM generate_series(1, 4000) g" \
	-c "CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT \$1 + (current_database() = ''dst'' AND pg_sleep(0.01) IS NULL)::int'" \
	-c "CREATE INDEX t_slow ON t ((slow_key(id)))" \
	-c "CREATE INDEX t_note ON t (note)"
"$RCR" dump -q -d src -f "$T/a"
mkdir "$T/tmp"
export TMPDIR="$T/tmp"

# Every descendant of process $1 (children first found, then theirs).
descendants() {
	local p c
	for c in $(pgrep -P "$1" || true); do
		echo "$c"
		descendants "$c"
	done
}

# Waits up to 10 s for every pid in $2... to end; fails naming the survivors.
expect_gone() { # label pid...
	local label=$1 i p alive
	shift
	for ((i = 0; i < 500; i++)); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -z "$alive" ] && return 0
		sleep 0.02
	done
	ps -o pid,ppid,args -p "${alive# }" >&2 || true
	fail "$label: children still running 10 s after rcr was killed:$alive"
}

createdb dst
"$RCR" restore -q -j 2 -d dst "$T/a" 2>"$T/err" &
pid=$!
for ((i = 0; i < 1500; i++)); do
	kill -0 $pid 2>/dev/null || { cat "$T/err" >&2; fail "restore ended before its index build was seen"; }
	n=$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'CREATE INDEX t_slow%'")
	[ "$n" != 0 ] && break
	sleep 0.02
done
[ "$n" != 0 ] || fail "no CREATE INDEX seen in 30 s"
kids=$(descendants $pid)
[ -n "$kids" ] || fail "restore: no pg_restore running under rcr"
kill -KILL $pid
wait_rc $pid
# shellcheck disable=SC2086
expect_gone "restore" $kids
assert_no_sessions "restore"
[ -z "$(ls -A "$TMPDIR")" ] || fail "restore: left temporary files: $(ls -A "$TMPDIR")"
pass "restore SIGKILLed mid post-data: its $(wc -w <<<"$kids") child processes ended, no session, no temporary file"

mkdir "$T/bin"
cat >"$T/bin/pg_dump" <<SH
#!/bin/sh
if [ "\$1" = --version ]; then exec "$(command -v pg_dump)" --version; fi
exec sleep 300
SH
chmod 755 "$T/bin/pg_dump"
RCR_PG_BINDIR="$T/bin" "$RCR" dump -q -d src -f "$T/b" 2>"$T/err" &
pid=$!
for ((i = 0; i < 1500; i++)); do
	kids=$(pgrep -P $pid -x sleep || true)
	[ -n "$kids" ] && break
	kill -0 $pid 2>/dev/null || { cat "$T/err" >&2; fail "dump ended before its pg_dump started"; }
	sleep 0.02
done
[ -n "$kids" ] || fail "dump: no pg_dump seen in 30 s"
kill -KILL $pid
wait_rc $pid
# shellcheck disable=SC2086
expect_gone "dump" $kids
assert_no_sessions "dump"
pass "dump SIGKILLed while pg_dump ran: pg_dump ended"
