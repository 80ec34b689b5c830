#!/usr/bin/env bash
# rcr-test: matrix
# Column types defined outside what a filtered dump selects (issue 13): with -t, pg_dump writes
# no type at all; with -n/-N, none of an unselected schema. rcr convert needs the definition of
# a composite, a user range and, inside those or arrays, of an enum or domain: rcr dump stores
# such tables as text values, so convert never meets a type the archive's schema lacks. Tables
# of schema "app" use the types of schema "types" (sql/outside_types.sql): a composite (with an
# enum field), a range, its multirange, arrays of the composite, the enum and a domain, and
# app.holder, a composite of app whose field is types.floatr (only its field is outside with
# -n app); a column's own enum and domain need no definition and stay binary. Each dump is converted and restored by pg_restore, and restored by rcr restore,
# into databases where the user created the types first; the data must be identical.
. "$(dirname "$0")/lib.sh"
start_cluster
types_sql="$RCR_SRC/tests/integration/sql/outside_types.sql"
createdb src
psql_q -d src -f "$types_sql" >/dev/null
psql_q -d src >/dev/null <<'SQL'
CREATE SCHEMA app;
CREATE TYPE app.holder AS (r types.floatr, note text);
CREATE TABLE app.t (id int PRIMARY KEY, p types.pair, pa types.pair[]);
INSERT INTO app.t SELECT i,
  CASE WHEN i % 7 = 0 THEN NULL ELSE ROW(i, E'q" c, t\t n\n b\\ ' || i, (ARRAY['sad','ok','happy'])[i % 3 + 1])::types.pair END,
  ARRAY[ROW(i, NULL, 'ok')::types.pair, NULL, ROW(NULL, '', NULL)::types.pair]
FROM generate_series(1, 300) i;
CREATE TABLE app.r (id int PRIMARY KEY, r types.floatr);
INSERT INTO app.r SELECT i, CASE i % 4 WHEN 0 THEN 'empty' WHEN 1 THEN '(,1.5]' WHEN 2 THEN NULL
  ELSE pg_catalog.numrange(i, i + 1)::text END::types.floatr FROM generate_series(1, 100) i;
CREATE TABLE app.m (id int PRIMARY KEY, mr types.floatmr);
INSERT INTO app.m SELECT i, CASE WHEN i % 5 = 0 THEN '{}' ELSE '{[1,2.5), (3,infinity]}' END::types.floatmr
FROM generate_series(1, 100) i;
CREATE TABLE app.e (id int PRIMARY KEY, moods types.mood[]);
INSERT INTO app.e SELECT i, '{happy,sad,NULL}' FROM generate_series(1, 100) i;
CREATE TABLE app.d (id int PRIMARY KEY, ds types.posint[]);
INSERT INTO app.d SELECT i, ARRAY[i + 1, 2]::types.posint[] FROM generate_series(1, 100) i;
CREATE TABLE app.h (id int PRIMARY KEY, h app.holder);
INSERT INTO app.h SELECT i, ROW(CASE WHEN i % 2 = 0 THEN '[1,2]' END, 'n' || i)::app.holder
FROM generate_series(1, 50) i;
CREATE TABLE app.flat (id int PRIMARY KEY, m types.mood, d types.posint);
INSERT INTO app.flat SELECT i, 'ok', i FROM generate_series(1, 100) i;
CREATE TABLE app.plain (id int PRIMARY KEY, v text);
INSERT INTO app.plain SELECT i, 'v' || i FROM generate_series(1, 100) i;
SQL

# The line rcr list prints for table app.NAME ends in "; text values" when it is stored as text.
stored_as() { # archive table
	local line
	line=$("$RCR" list "$1" | grep "^app\.$2 ") || fail "$1: no table app.$2 in rcr list"
	case $line in *'; text values') echo text ;; *) echo binary ;; esac
}
expect_storage() { # archive want(table=kind ...)
	local a=$1 tk got
	shift
	for tk in "$@"; do
		got=$(stored_as "$a" "${tk%=*}")
		[ "$got" = "${tk#*=}" ] || fail "$(basename "$a"): app.${tk%=*} is stored $got, expected ${tk#*=}"
	done
}

# Converts and restores archive a with pg_restore, and restores it with rcr restore, into new
# databases made by prep (SQL: what the user creates first), and compares their data with src's.
restore_both() { # name prep-sql
	local n=$1
	"$RCR" verify -q "$T/$n" >/dev/null
	"$RCR" convert -q "$T/$n" -o "$T/$n.pgd"
	createdb "${n}_pg"
	createdb "${n}_rcr"
	for db in "${n}_pg" "${n}_rcr"; do
		psql_q -d "$db" -f "$types_sql" >/dev/null
		[ -z "$2" ] || psql_q -d "$db" -c "$2" >/dev/null
	done
	pg_restore -j 2 -d "${n}_pg" "$T/$n.pgd"
	"$RCR" restore -q -j 2 -d "${n}_rcr" "$T/$n"
	data_text src -n app >"$T/want.data"
	for db in "${n}_pg" "${n}_rcr"; do
		data_text "$db" -n app >"$T/got.data"
		if ! cmp -s "$T/want.data" "$T/got.data"; then
			diff "$T/want.data" "$T/got.data" | head -10 >&2
			fail "$n: the data of $db differs from the source"
		fi
	done
	[ "$(psql_q -d "${n}_rcr" -c 'SELECT count(*) FROM app.t')" = 300 ] || fail "$n: app.t's rows"
}

# What each dump stores as text: a composite, a range, a multirange (its range), an enum or a
# domain inside an array, the range inside app.holder; a column's own enum and domain (app.flat)
# need no definition.
outside=(t=text r=text m=text e=text d=text h=text flat=binary plain=binary)

# -t: pg_dump dumps the tables alone, no schema nor type; the user creates schema app and holder.
"$RCR" dump -q -d src -f "$T/by_t" -t 'app.*'
expect_storage "$T/by_t" "${outside[@]}"
restore_both by_t "CREATE SCHEMA app; CREATE TYPE app.holder AS (r types.floatr, note text)"
pass "-t: the tables with outside types are stored as text; convert + pg_restore and rcr restore give the data back"

# -n app: app.holder is in the archive, its field's range is not.
"$RCR" dump -q -d src -f "$T/by_n" -n app
expect_storage "$T/by_n" "${outside[@]}"
restore_both by_n ""
pass "-n app: the same, app.holder's field included"

# -N types: the same types are left out the other way.
"$RCR" dump -q -d src -f "$T/by_exclude" -N types
expect_storage "$T/by_exclude" "${outside[@]}"
pass "-N types: the same tables are stored as text"

# Where the types' schema is selected, they are in the archive: the tables stay binary and
# convert finds every definition there.
"$RCR" dump -q -d src -f "$T/both" -n app -n types
expect_storage "$T/both" t=binary r=binary m=binary e=binary d=binary h=binary flat=binary plain=binary
"$RCR" convert -q "$T/both" -o "$T/both.pgd"
createdb both_pg
pg_restore -d both_pg "$T/both.pgd"
data_text src -n app >"$T/want.data"
data_text both_pg -n app >"$T/got.data"
cmp -s "$T/want.data" "$T/got.data" || fail "-n app -n types: convert + pg_restore differs from the source"
pass "-n app -n types: the tables stay binary; convert + pg_restore gives the data back"
