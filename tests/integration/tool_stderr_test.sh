#!/usr/bin/env bash
# tool_stderr: what pg_restore prints on its own (warnings that quote the archive's statements
# and names) reaches the terminal with control characters escaped, as everything rcr prints.
# A forged drop statement in the embedded toc.dat that pg_restore --clean --if-exists cannot
# rewrite makes it warn, quoting the statement: the ESC and BEL in it used to pass through raw.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
: "${RCR_FORGE:?RCR_FORGE must point at the forge_manifest tool}"
start_cluster

createdb src
psql_q -d src -c 'CREATE TABLE t (id int)' -c 'INSERT INTO t VALUES (1), (2)'
"$RCR" dump -q -d src -f "$T/a" || fail "dump"
cp -a "$T/a" "$T/f"
"$RCR_FORGE" "$T/f" "toc_drop:TABLE" $'SELECT 1; -- \e[2J\a' || fail "forge"

createdb dst
"$RCR" restore -q -d dst "$T/a" || fail "first restore"
# pg_restore runs the statement as it stands (its rule), so table t is not dropped and the
# one-transaction pre-data fails on CREATE TABLE: exit 4, nothing changed.
rc=0
"$RCR" restore -d dst --clean --if-exists "$T/f" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 4 ] || { cat "$T/out" >&2; fail "restore --clean --if-exists: exit $rc, expected 4"; }
grep -q 'could not find where to insert IF EXISTS' "$T/out" || { cat "$T/out" >&2; fail "pg_restore's warning is missing"; }
n=$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$T/out" | wc -c)
[ "$n" = 0 ] || { od -c "$T/out" | head -20 >&2; fail "$n raw control bytes in the output"; }
grep -qF -- '-- \x1b[2J\x07' "$T/out" || { cat "$T/out" >&2; fail "the statement is not shown escaped"; }
[ "$(psql_q -d dst -c 'SELECT count(*) FROM t')" = 2 ] || fail "rows after the failed --clean"
pass "pg_restore's warning quoting a forged statement is shown escaped"
