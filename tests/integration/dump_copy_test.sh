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
pieces=$(find "$T/arch/data" -name "$big_oid.*.rcd" | wc -l)
[ "$pieces" -ge 2 ] || fail "big was not split into pieces ($pieces data files)"
createdb dst
"$RCR" restore -q -d dst -j 2 "$T/arch"
assert_same_db src dst "round trip"
got=$(psql_q -d dst -c "SELECT (SELECT count(*) FROM ONLY parent), (SELECT count(*) FROM child),
	(SELECT count(*) FROM nocols), (SELECT count(*) FROM big), (SELECT sum(b) FROM gen)")
[ "$got" = "100|250|3|20000|2550" ] || fail "restored counts (parent only, child, nocols, big, sum of gen.b) are $got"
pass "whole tables and $pieces pieces: inheritance parent without its children's rows, generated and dropped columns, no columns"

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
