#!/usr/bin/env bash
# Restore into a database that already has the archive's tables: refused with one line naming
# the table and a HINT (--clean, or --data-only to append), with nothing created or loaded,
# unless --clean (replace) or --data-only (append) is given.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE EXTENSION rcr_testvec;
CREATE TABLE items (id int, label text, emb vector(8));
CREATE TABLE notes (id int PRIMARY KEY, body text);
CREATE TABLE "We ird" (k int);
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE TABLE moods (m mood);
INSERT INTO moods VALUES ('calm'), ('busy');
INSERT INTO items SELECT g, 'l' || g, '[1,2,3,4,5,6,7,8]' FROM generate_series(1, 500) g;
INSERT INTO notes SELECT g, 'n' || g FROM generate_series(1, 50) g;
INSERT INTO "We ird" VALUES (1);
SQL
"$RCR" dump -q -d src -f "$T/a"

# Objects and rows in a database, to prove a refusal changed nothing.
fingerprint() { # db
	psql_q -d "$1" -c "SELECT count(*) FROM pg_class" -c "SELECT count(*) FROM pg_type" -c "SELECT count(*) FROM pg_proc"
	data_text "$1"
	schema_text "$1"
}
refused() { # db label extra-restore-args...
	local db=$1 label=$2
	shift 2
	fingerprint "$db" >"$T/before"
	expect_exit 4 "$RCR" restore -d "$db" "$@" "$T/a"
	[ "$(grep -c 'rcr restore: error: ' "$T/err")" = 1 ] || { cat "$T/err" >&2; fail "$label: not one error line"; }
	[ "$(wc -l <"$T/err")" = 2 ] || { cat "$T/err" >&2; fail "$label: expected an error and a HINT line"; }
	grep -q '^HINT: .*--clean.*--data-only' "$T/err" || { cat "$T/err" >&2; fail "$label: no HINT naming --clean and --data-only"; }
	fingerprint "$db" >"$T/after"
	cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" | head >&2; fail "$label: the refused restore changed the database"; }
}

# 1. Over a complete earlier restore: refused, naming the first table and saying it has rows.
createdb r1
"$RCR" restore -q -d r1 "$T/a"
assert_same_db src r1 "first restore"
refused r1 "over a full restore"
grep -q "table 'public\.[a-zA-Z \"]*' already exists in the target database and has rows (and 3 more" "$T/err" ||
	fail "over a full restore: $(head -1 "$T/err")"
pass "over a full restore: $(head -1 "$T/err")"

# 2. One table the user made and filled by hand, nothing else: refused, and none of the
#    archive's other tables is created.
createdb r2
psql_q -d r2 -c "CREATE EXTENSION rcr_testvec" -c "CREATE TABLE notes (id int PRIMARY KEY, body text)" \
	-c "INSERT INTO notes VALUES (1, 'mine')"
refused r2 "one hand-made table"
grep -q "table 'public.notes' already exists in the target database and has rows; nothing was restored" "$T/err" ||
	fail "one hand-made table: $(head -1 "$T/err")"
[ "$(psql_q -d r2 -c "SELECT count(*) FROM pg_class WHERE relname IN ('items', 'We ird', 'moods')")" = 0 ] ||
	fail "one hand-made table: other tables were created"
pass "one hand-made table: refused, nothing created"

# 3. An existing empty table (the schema a migration tool made) is refused as well: pre-data
#    would fail on its CREATE TABLE half-way. The message does not claim rows.
psql_q -d r2 -c "TRUNCATE notes"
refused r2 "empty existing table"
grep -q "table 'public.notes' already exists in the target database; nothing" "$T/err" ||
	fail "empty existing table: $(head -1 "$T/err")"
# ...and -t restores a table that does not clash.
"$RCR" restore -q -d r2 -t items "$T/a"
[ "$(psql_q -d r2 -c "SELECT count(*) FROM items")" = 500 ] || fail "-t items next to an existing table"
pass "empty existing table refused; -t of a table that does not clash works"

# 4. --clean --if-exists (and --clean alone) replace: the result equals the source, rows not doubled.
psql_q -d r1 -c "INSERT INTO notes VALUES (1000, 'stray')" -c "DELETE FROM items WHERE id < 100"
"$RCR" restore -q -d r1 --clean --if-exists "$T/a"
assert_same_db src r1 "--clean --if-exists"
"$RCR" restore -q -d r1 --clean "$T/a"
assert_same_db src r1 "--clean"
pass "--clean --if-exists and --clean replace an existing restore exactly"

# 5. --data-only appends into the existing tables: every row twice.
"$RCR" restore -q -d r1 --data-only -t items -t 'We ird' "$T/a"
[ "$(psql_q -d r1 -c "SELECT count(*) FROM items")" = 1000 ] || fail "--data-only did not append"
[ "$(psql_q -d r1 -c "SELECT count(*) FROM (SELECT id, label, emb::text FROM items GROUP BY 1, 2, 3 HAVING count(*) = 2) x")" = 500 ] ||
	fail "--data-only: rows not each appended once"
pass "--data-only appends to tables that have rows"

# A hostile-looking name in the refusal is printed, never executed (the name is a parameter).
createdb r3
psql_q -d r3 -c 'CREATE TABLE "We ird" (k int)'
refused r3 "quoted name"
grep -qF "table 'public.\"We ird\"' already exists" "$T/err" || fail "quoted name: $(head -1 "$T/err")"
pass "refusal names a table with a space"

# 6. No clashing table, but another object the schema creates (a type of the same name): the
#    table check cannot see it, and pre-data fails on it. pre-data runs in one transaction, so
#    the failure leaves the target exactly as it was (before, the objects created ahead of the
#    clash, the extension among them, stayed), and the error is one line naming the object.
createdb r4
psql_q -d r4 -c "CREATE TYPE mood AS ENUM ('other')"
fingerprint r4 >"$T/before"
expect_exit 4 "$RCR" restore -d r4 "$T/a"
[ "$(grep -c 'rcr restore: error: ' "$T/err")" = 1 ] || { cat "$T/err" >&2; fail "clashing type: not one error line"; }
grep -q 'rcr restore: error: .*type "mood" already exists' "$T/err" || { cat "$T/err" >&2; fail "clashing type: the error does not name the type"; }
grep -q '^HINT: .*nothing was created.*--clean' "$T/err" || { cat "$T/err" >&2; fail "clashing type: no HINT"; }
fingerprint r4 >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" | head >&2; fail "clashing type: the failed pre-data changed the database"; }
[ "$(psql_q -d r4 -c "SELECT count(*) FROM pg_extension WHERE extname = 'rcr_testvec'")" = 0 ] ||
	fail "clashing type: the extension was created"
pass "a clashing type: one error line naming it, the target unchanged"
