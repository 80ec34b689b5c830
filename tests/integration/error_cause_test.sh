#!/usr/bin/env bash
# Errors that name their cause (issue 11, defect 9):
# - a value the server cannot send (an enum value whose label was deleted from pg_enum, after
#   20,000 good rows): the dump shows the server's message, not the missing trailer of the COPY
#   stream the server aborted (a type without binary output, aclitem, no longer fails: such a
#   table is stored as text, text_tables_test.sh);
# - a pg_dump older than the server: rcr says so before running it, naming both versions, with
#   a HINT (install the matching client or set RCR_PG_BINDIR). The old pg_dump is a wrapper that
#   reports an older version and would otherwise run the real one, so only rcr's own check can
#   refuse it.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src -c "CREATE TYPE color AS ENUM ('red', 'gone')" -c "CREATE TABLE perms (id int, c color)" \
	-c "INSERT INTO perms SELECT i, 'red' FROM generate_series(1, 20000) i" -c "INSERT INTO perms VALUES (0, 'gone')" \
	-c "DELETE FROM pg_enum WHERE enumlabel = 'gone'"

expect_exit 4 "$RCR" dump -q -d src -f "$T/a"
grep -q 'invalid internal value for enum' "$T/err" ||
	{ cat "$T/err" >&2; fail "a value the server cannot send: the server's message is not shown"; }
grep -q 'without its trailer' "$T/err" && { cat "$T/err" >&2; fail "the stream's symptom is reported"; }
grep -q "perms" "$T/err" || { cat "$T/err" >&2; fail "the table is not named"; }
[ ! -e "$T/a/manifest.json" ] || fail "an archive was written"
pass "a value the server cannot send, mid-COPY: the server's message, naming the table"

psql_q -d src -c "DROP TABLE perms" -c "CREATE TABLE t (id int)" -c "INSERT INTO t VALUES (1)"
real=$(command -v pg_dump)
server=$(psql_q -d src -c "SHOW server_version" | awk '{print $1}')
major=${server%%.*}
old=$((major - 1))
mkdir "$T/bin"
cat >"$T/bin/pg_dump" <<SH
#!/bin/sh
if [ "\$1" = --version ]; then echo "pg_dump (PostgreSQL) $old.9 (wrapper)"; exit 0; fi
echo ran >"$T/pg_dump.ran"
exec "$real" "\$@"
SH
chmod 755 "$T/bin/pg_dump"
RCR_PG_BINDIR="$T/bin" expect_exit 4 "$RCR" dump -q -d src -f "$T/b"
grep -q "'$T/bin/pg_dump' is version $old.9, older than the server (PostgreSQL $server" "$T/err" ||
	{ cat "$T/err" >&2; fail "old pg_dump: both versions are not named"; }
grep -q "^HINT: .*PostgreSQL $major client.*RCR_PG_BINDIR" "$T/err" ||
	{ cat "$T/err" >&2; fail "old pg_dump: no HINT"; }
[ ! -e "$T/pg_dump.ran" ] || fail "old pg_dump: it was run anyway"
[ ! -e "$T/b/manifest.json" ] || fail "old pg_dump: an archive was written"
# The same wrapper reporting the server's own version is accepted (the check compares majors).
sed -i "s/$old\.9 (wrapper)/$major.0 (wrapper)/" "$T/bin/pg_dump"
RCR_PG_BINDIR="$T/bin" "$RCR" dump -q -d src -f "$T/c" 2>"$T/err" || { cat "$T/err" >&2; fail "same-major pg_dump refused"; }
[ -e "$T/pg_dump.ran" ] || fail "same-major pg_dump: the wrapper did not run"
pass "pg_dump $old.9 against server $server: refused up front with both versions and a HINT"
