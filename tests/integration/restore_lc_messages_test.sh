#!/usr/bin/env bash
# restore_lc_messages: restore's decisions on pg_restore's failures hold on a server whose
# lc_messages is not English, run by a user whose locale is not English either (LC_ALL, which
# overrides LC_MESSAGES). The target speaks German (de_DE.UTF-8, built here with localedef into
# a private LOCPATH from Debian's locales package); PostgreSQL's translations must really come
# out, or the test proves nothing. rcr runs pg_restore with LC_MESSAGES=C and its session with
# lc_messages=C, so that:
#  - a schema beyond the lock table still falls back to statement by statement (the server's
#    "out of shared memory", "Shared Memory aufgebraucht" in German);
#  - a clashing object still gets the one-transaction hint (German: "existiert bereits");
#  - the messages of pg_restore that the user sees are still shown, in English.
. "$(dirname "$0")/lib.sh"
german_locale
start_cluster

NTABLES=400
createdb src
for i in $(seq 1 $NTABLES); do echo "CREATE TABLE t$i (id int, note text);"; done | psql_q -d src
psql_q -d src -c "CREATE TYPE mood AS ENUM ('sad', 'ok')" -c "CREATE TABLE feelings (m mood)" \
	-c "INSERT INTO t1 VALUES (1), (2)" -c "INSERT INTO feelings VALUES ('ok')"
"$RCR" dump -q -d src -f "$T/a" || fail "dump"

# The German target with a small lock table (one transaction holds about 400 locks).
LOCPATH="$LOC" start_extra_cluster de $'lc_messages = \'de_DE.UTF-8\'\nmax_locks_per_transaction = 10\nmax_connections = 10'
de() { in_cluster de "$@"; }
# As a German user: LC_ALL overrides LC_MESSAGES, LANGUAGE would too. With LOCPATH set, glibc
# keeps the parsed path list for the life of the process, which LeakSanitizer (ASan builds)
# would report as rcr's leak.
printf 'leak:__argz_add_sep\n' >"$T/lsan.supp"
de_user() { de env LOCPATH="$LOC" LC_ALL=de_DE.UTF-8 LANGUAGE=de LSAN_OPTIONS="suppressions=$T/lsan.supp" "$@"; }

# The translations are there: the server's message and pg_restore's own are German.
de psql -X -c "SELECT 1/0" 2>"$T/div.err" >/dev/null && fail "1/0 succeeded"
grep -q "Division durch Null" "$T/div.err" || { cat "$T/div.err" >&2; fail "the server's messages are not German"; }
de createdb probe
if de_user pg_restore --section=pre-data --single-transaction -d probe "$T/a/schema" 2>"$T/probe.err"; then
	fail "pg_restore -1 created $NTABLES tables in one transaction: the test needs a smaller lock table"
fi
grep -q "pg_restore: Fehler: .*Shared Memory aufgebraucht" "$T/probe.err" ||
	{ cat "$T/probe.err" >&2; fail "pg_restore -1 did not fail in German for want of locks"; }
pass "the target speaks German, and pg_restore -1 runs out of locks there"

de createdb dst
de_user "$RCR" restore -d dst "$T/a" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "restore"; }
grep -q 'more locks than one transaction can hold (max_locks_per_transaction); restoring it statement by statement' "$T/err" ||
	{ cat "$T/err" >&2; fail "no fallback to statement by statement on the German server"; }
[ "$(de psql_q -d dst -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = $((NTABLES + 1)) ] ||
	fail "not every table was created"
[ "$(de psql_q -d dst -c "SELECT count(*) FROM t1")" = 2 ] || fail "t1 rows"
pass "a schema beyond the lock table falls back to statement by statement"

de createdb clash
de psql_q -d clash -c "CREATE TYPE mood AS ENUM ('other')"
expect_exit 4 de_user "$RCR" restore -d clash "$T/a"
grep -q 'rcr restore: error: .*pg_restore failed: .*type "mood" already exists' "$T/err" ||
	{ cat "$T/err" >&2; fail "the clash is not reported in pg_restore's English words"; }
grep -q 'HINT: the schema is restored in one transaction, so nothing was created' "$T/err" ||
	{ cat "$T/err" >&2; fail "no one-transaction hint on the German server"; }
[ "$(de psql_q -d clash -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] ||
	fail "the failed restore left tables behind"
pass "a clashing type is reported in English, with the one-transaction hint"

# A role that may not set lc_messages (not a superuser) restores as before: its pg_restore
# sessions do not ask for it (which would refuse the connection), and speak German.
psql_q -c "CREATE ROLE plain LOGIN" && createdb -O plain own
psql_q -U plain -d own -c "CREATE TYPE hue AS ENUM ('red')" -c "CREATE TABLE mine (id int)" -c "INSERT INTO mine VALUES (7)"
"$RCR" dump -q -U plain -d own -f "$T/own" || fail "dump as plain"
de psql_q -c "CREATE ROLE plain LOGIN" && de createdb -O plain own && de createdb -O plain own2
de_user "$RCR" restore -U plain -d own "$T/own" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "restore as plain"; }
[ "$(de psql_q -d own -c "SELECT id FROM mine")" = 7 ] || fail "plain's restore: rows"
de psql_q -U plain -d own2 -c "CREATE TYPE hue AS ENUM ('blue')"
expect_exit 4 de_user "$RCR" restore -U plain -d own2 "$T/own"
grep -q 'Typ .hue. existiert bereits' "$T/err" || { cat "$T/err" >&2; fail "plain's failing restore did not show the server's German words"; }
pass "a role that may not set lc_messages restores as before, in the server's language"
