#!/usr/bin/env bash
# How rcr dump reads a table: a whole table with `COPY t (cols) TO`, a ctid piece of a split
# table with `COPY (SELECT cols FROM ONLY t WHERE ctid ...)`. Each form must give the table's
# own rows and stored columns only: an inheritance parent without its children's rows, no
# generated or dropped column, a table with no stored column, the pieces of a split table; and a
# table whose row-level security policies apply to the dumping role must fail the dump, never
# be dumped filtered.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE TABLE parent (id int, v text);
CREATE TABLE child (extra int) INHERITS (parent);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 100) g;
INSERT INTO child SELECT g, 'c' || g, g FROM generate_series(1, 250) g;
CREATE TABLE gen (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c text);
INSERT INTO gen (a, c) SELECT g, 'x' || g FROM generate_series(1, 50) g;
CREATE TABLE dropped (a int, b text, c int);
ALTER TABLE dropped DROP COLUMN b;
INSERT INTO dropped SELECT g, -g FROM generate_series(1, 40) g;
CREATE TABLE nocols ();
INSERT INTO nocols SELECT FROM generate_series(1, 3);
CREATE TABLE big (id int, pad text);
INSERT INTO big SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 20000) g;
CREATE TABLE secret (id int, who text);
INSERT INTO secret VALUES (1, 'reader'), (2, 'other');
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON secret USING (who = current_user);
CREATE ROLE reader LOGIN;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
VACUUM (FREEZE, ANALYZE);
SQL

# The superuser bypasses row-level security: every table, big split into pieces (-j 2).
"$RCR" dump -q -d src -f "$T/arch" -j 2 --piece-size 1000000
big_oid=$(psql_q -d src -c "SELECT 'public.big'::regclass::oid")
# data/OID-ID8.PIECE.SEGMENT.rcd: the distinct pieces
pieces=$(find "$T/arch/data" -name "$big_oid-*.rcd" -printf '%f\n' | sed -E 's/\.[0-9]+\.rcd$//' | sort -u | wc -l)
[ "$pieces" -ge 2 ] || fail "big was not split into pieces ($pieces data files)"
createdb dst
"$RCR" restore -q -d dst -j 2 "$T/arch"
assert_same_db src dst "round trip"
got=$(psql_q -d dst -c "SELECT (SELECT count(*) FROM ONLY parent), (SELECT count(*) FROM child),
	(SELECT count(*) FROM nocols), (SELECT count(*) FROM big), (SELECT sum(b) FROM gen)")
[ "$got" = "100|250|3|20000|2550" ] || fail "restored counts (parent only, child, nocols, big, sum of gen.b) are $got"
pass "whole tables and $pieces pieces: inheritance parent without its children's rows, generated and dropped columns, no columns"

# A table split in 2 pieces has its second cut in 4 (the smallest jobs run last, so the
# connections finish together): 5 pieces, each its own data files, the rows each once.
size=$(psql_q -d src -c "SELECT pg_relation_size('big')")
"$RCR" dump -v -d src -t big -f "$T/tail" -j 2 --piece-size $((size / 2 + 1)) 2>"$T/tail.err"
n=$(grep -c "dumping table 'public.big' piece [1-5] of 5\$" "$T/tail.err" || true)
[ "$n" = 5 ] || { cat "$T/tail.err" >&2; fail "big in 2 pieces was not dumped as 5 (2 - 1 + 4 in the tail)"; }
files=$(find "$T/tail/data" -name "$big_oid-*.rcd" -printf '%f\n' | sed -E 's/\.[0-9]+\.rcd$//' | sort -u | wc -l)
[ "$files" = 5 ] || fail "the 5 pieces of big wrote the files of $files pieces"
createdb dst_tail
psql_q -d dst_tail -c "CREATE TABLE big (id int, pad text)"
"$RCR" restore -q -a -d dst_tail "$T/tail"
got=$(psql_q -d dst_tail -c "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM big")
[ "$got" = "20000|20000|1|20000" ] || fail "the 5 pieces restored rows (count, distinct, min, max) $got"
pass "2 pieces of big dumped as 5, the last cut in 4, every row once"

# A role that row-level security filters: the dump fails naming the policy's table, and leaves
# no archive behind.
set +e
"$RCR" dump -q -d src -U reader -t secret -f "$T/filtered" 2>"$T/rls.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a dump that row-level security would filter succeeded"
grep -q 'row-level security' "$T/rls.err" || { cat "$T/rls.err" >&2; fail "the error does not name row-level security"; }
grep -q 'secret' "$T/rls.err" || { cat "$T/rls.err" >&2; fail "the error does not name the table"; }
[ ! -e "$T/filtered/manifest.rcr" ] || fail "an archive was written for a filtered table"
pass "a table filtered by row-level security fails the dump (exit $rc)"

# Row identity's metadata (issue 15): a random archive id, whose first 8 hex digits name every
# data file, and the database's id, "<pg_control_system().system_identifier>/<database oid>";
# a role that may not run pg_control_system() records the system identifier as 0.
meta() { "$RCR" list "$1" | awk -v k="$2" '$1 == k {print $2}'; }
want=$(psql_q -d src -c "SELECT (SELECT system_identifier FROM pg_catalog.pg_control_system()) || '/' || oid
	FROM pg_database WHERE datname = 'src'")
[ "$(meta "$T/arch" database_id)" = "$want" ] || fail "database_id is '$(meta "$T/arch" database_id)', not '$want'"
id=$(meta "$T/arch" archive_id)
[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "archive_id '$id' is not 32 hex digits"
others=$(find "$T/arch/data" -name '*.rcd' ! -name "*-${id:0:8}.*.*.rcd" | wc -l)
[ "$others" = 0 ] || fail "$others data files do not carry the archive id in their name"
psql_q -d src -c "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_control_system() FROM PUBLIC"
"$RCR" dump -q -d src -U reader -t gen -f "$T/noctl"
psql_q -d src -c "GRANT EXECUTE ON FUNCTION pg_catalog.pg_control_system() TO PUBLIC"
[ "$(meta "$T/noctl" database_id)" = "0/${want#*/}" ] || fail "without pg_control_system: database_id '$(meta "$T/noctl" database_id)'"
[ "$(meta "$T/noctl" archive_id)" != "$id" ] || fail "two dumps have the same archive_id"
# Required_Features (u32 at offset 12 of the manifest) has bit 1, row identity, on every archive.
req=$(od -An -tu4 -j12 -N4 "$T/arch/manifest.rcr" | tr -d ' ')
(((req & 2) != 0)) || fail "Required_Features is $req, without bit 1 (row identity)"
pass "archive_id $id names the data files; database_id $want (0/${want#*/} for a role without pg_control_system)"

# Row hashes: the connection thread hashes each row of a row group it predicts will keep them
# (the row group before it did; a job's first: its first row is big), the encoder the rows of
# one it did not predict. A table whose row size changes (a small first row, big rows, a stretch
# of small ones, big ones again) in row groups of 16 kB gets both kinds, mispredicted both
# ways; verify recomputes every row hash and content hash from the data.
psql_q -d src <<'SQL'
CREATE TABLE mixed (id int, pad text);
INSERT INTO mixed SELECT g, CASE WHEN g = 1 OR g BETWEEN 400 AND 1400 THEN 's' || g
	ELSE repeat(md5(g::text), 48) END FROM generate_series(1, 3000) g;
SQL
for j in 1 2; do
	"$RCR" dump -q -d src -t mixed -f "$T/mixed$j" -j $j --piece-size 1000000 --row-group-size 16kB
	"$RCR" verify "$T/mixed$j" >"$T/mixed$j.out" || { cat "$T/mixed$j.out" >&2; fail "verify of the mixed rows (-j $j)"; }
	# verify counts every frame, a row group's row-hash frame too: 2 columns, so the row groups
	# with row hashes are the frames less twice the row groups
	frames=$(sed -nE 's/.* ([0-9]+) frames.*/\1/p' "$T/mixed$j.out")
	rgs=$("$RCR" list --json "$T/mixed$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"][0]["row_groups"])')
	hashed=$((frames - 2 * rgs))
	((hashed > 0 && hashed < rgs)) || fail "-j $j: $hashed of $rgs row groups keep row hashes, not some of them"
	dropdb --if-exists dst_mixed
	createdb dst_mixed
	psql_q -d dst_mixed -c "CREATE TABLE mixed (id int, pad text)"
	"$RCR" restore -q -a -d dst_mixed "$T/mixed$j"
	got=$(psql_q -d dst_mixed -c "SELECT count(*), md5(string_agg(id || pad, ',' ORDER BY id)) FROM mixed")
	want=$(psql_q -d src -c "SELECT count(*), md5(string_agg(id || pad, ',' ORDER BY id)) FROM mixed")
	[ "$got" = "$want" ] || fail "-j $j: the mixed rows restored as $got, not $want"
	pass "-j $j: $hashed of $rgs row groups of mixed row sizes keep row hashes; verify proves them, restore gives the rows"
done
