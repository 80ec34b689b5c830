#!/usr/bin/env bash
# dump_lc_messages: dump's decisions on the server's errors hold on a server whose lc_messages
# is not English (German, de_DE.UTF-8, built here with localedef into a private LOCPATH from
# Debian's locales package). The dump tells its leader's failures apart by SQLSTATE, never by
# the message, so it still names the table behind
#  - a lock timeout (--lock-wait-timeout; 55P03, "Zeitüberschreitung beim Warten auf Sperre");
#  - a table dropped while it waited for the table's lock (42P01, "existiert nicht").
# The server's translations must really come out, or the test proves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
. "$(dirname "$0")/lock_lib.sh"
german_locale
LOCPATH="$LOC" RCR_TEST_PG_CONF="lc_messages = 'de_DE.UTF-8'" start_cluster
createdb src
psql_q -d src -c "CREATE TABLE a (id int)" -c "INSERT INTO a SELECT generate_series(1, 100)"
psql -X -d src -c "SELECT 1/0" 2>"$T/div.err" >/dev/null && fail "1/0 succeeded"
grep -q "Division durch Null" "$T/div.err" || { cat "$T/div.err" >&2; fail "the server's messages are not German"; }

# 1. A held ACCESS EXCLUSIVE lock and --lock-wait-timeout=1s.
hold_begin "LOCK TABLE a IN ACCESS EXCLUSIVE MODE;" a
set +e
"$RCR" dump -q -d src -f "$T/lw" --lock-wait-timeout=1s 2>"$T/lw.err"
RC=$?
set -e
hold_end ROLLBACK
assert_clean_failure "$T/lw.err" 4 "lock wait timeout"
grep -q "could not lock table 'public.a' within --lock-wait-timeout=1s: another session holds an ACCESS EXCLUSIVE lock" "$T/lw.err" ||
	fail "lock wait timeout on a German server: $(cat "$T/lw.err")"
[ ! -e "$T/lw" ] || fail "lock wait timeout: left an output directory"
pass "a lock timeout names the table on a German server"

# 2. The table is dropped while the dump waits for its lock.
hold_begin "DROP TABLE a;" a
"$RCR" dump -q -d src -f "$T/gone" 2>"$T/gone.err" &
pid=$!
wait_dump_blocked
hold_end COMMIT
wait_rc $pid
assert_clean_failure "$T/gone.err" 4 "dropped while waiting"
grep -q "table 'public.a' was dropped by another session while the dump waited for its lock" "$T/gone.err" ||
	fail "dropped while waiting, on a German server: $(cat "$T/gone.err")"
[ ! -e "$T/gone" ] || fail "dropped while waiting: left an output directory"
pass "a table dropped while the dump waited is named on a German server"
