#!/usr/bin/env bash
# An archive rcr dumped from PostgreSQL 15 restores into a newer server, as users upgrading do:
# the source is Debian's 15 (its own pg_dump, rcr_testvec for the vector types), the target
# the version under test (its own pg_restore, the real pgvector).
# - The type matrix and the nested types with the app's schemas (public, drizzle, the others;
#   pg_dump -n leaves the extension out, so the target's own pgvector takes the columns): binary
#   COPY of every type and of rcr_testvec's vector/halfvec/sparsevec loads into the newer server
#   and its pgvector, and the data and schema are those of the source.
# - A whole database (no extension) with partitions, inheritance, sequences and large objects.
# Each compared with what pg_restore of that version makes of 15's pg_dump -Fd (byte-identical
# pg_dump), and its rows with the source's.
# rcr-test: upgrade
. "$(dirname "$0")/lib.sh"
start_cluster
[ "$PG_MAJOR" -gt 15 ] || fail "the upgrade test runs on a version newer than 15, not $PG_MAJOR"
PGBIN=$PG15_BIN start_extra_cluster old ""
old() { in_cluster old "$@"; }
# rcr itself, on the old server as a user of 15 would run it: its pg_dump from Debian's 15.
old_rcr() { in_cluster old env -u RCR_PG_BINDIR "$RCR" "$@"; }
[ "$(old psql_q -c "SHOW server_version_num" | cut -c1-2)" = 15 ] || fail "the old cluster is not PostgreSQL 15"

# same_as_pg_restore DB LABEL [pg_dump options]: DB, restored by rcr on this version, is what
# pg_restore of this version makes of 15's pg_dump -Fd of the same source (with the same
# options): this version's pg_dump of the two is byte-identical (but for \restrict's random
# keys). And the rows are those of the source, as this version's pg_dump prints them from each
# server (the schema is not compared across servers: each prints view definitions its own way).
same_as_pg_restore() {
	local db=$1 label=$2
	shift 2
	in_cluster old env PATH="$PG15_BIN:$PATH" pg_dump -Fd -j 2 -f "$T/ref_$db.pgd" "$@" "$db"
	createdb "ref_$db"
	# pg_dump -n public creates the schema public, which every new database has: left out, as
	# rcr restore does, so that pg_restore succeeds.
	pg_restore -l "$T/ref_$db.pgd" | grep -v -E '^[0-9]+; [0-9]+ [0-9]+ SCHEMA - public ' >"$T/ref_$db.list"
	if [ "$db" = app ]; then create_vector_ext "ref_$db"; fi
	pg_restore -j 2 -L "$T/ref_$db.list" -d "ref_$db" "$T/ref_$db.pgd"
	pg_dump "ref_$db" | grep -v -E '^\\(un)?restrict ' >"$T/ref.sql"
	pg_dump "$db" | grep -v -E '^\\(un)?restrict ' >"$T/new.sql"
	grep -q '^COPY ' "$T/new.sql" || fail "$label: no data compared"
	if ! cmp -s "$T/ref.sql" "$T/new.sql"; then
		diff "$T/ref.sql" "$T/new.sql" | head -20 >&2
		fail "$label: differs from pg_dump 15 -Fd + pg_restore $PG_MAJOR"
	fi
	old data_text "$db" "$@" >"$T/old.data"
	data_text "$db" "$@" >"$T/new.data"
	if ! cmp -s "$T/old.data" "$T/new.data"; then
		diff "$T/old.data" "$T/new.data" | head -20 >&2
		fail "$label: the data differs from the source's"
	fi
}

# 1. The app's schemas, pgvector's types included.
old createdb app
old psql_q -d app -v vec_ext=rcr_testvec -f "$RCR_SRC/tests/integration/sql/type_matrix.sql" >/dev/null
old psql_q -d app -f "$RCR_SRC/tests/integration/sql/type_nesting.sql" >/dev/null
schemas=(-n public -n drizzle -n '"Mixed Case Schema"' -n '"Nest Ing"')
old_rcr dump -q -d app -f "$T/app" -j 2 "${schemas[@]}"
createdb app
create_vector_ext app
# The archive records rcr_testvec, which the newer server does not have: its pgvector is there.
"$RCR" restore -q -d app -j 2 --no-extensions "$T/app"
same_as_pg_restore app "15 -> $PG_MAJOR, app schemas" "${schemas[@]}"
pass "type matrix dumped on 15 (rcr_testvec) restores into $PG_MAJOR ($VEC_EXT): as pg_dump 15 + pg_restore $PG_MAJOR, rows as on 15"

# 2. A whole database.
old createdb whole
old psql_q -d whole <<'SQL'
CREATE TYPE color AS ENUM ('red', 'green', 'blue');
CREATE TABLE meas (id int NOT NULL, ts date NOT NULL, c color, v float8) PARTITION BY RANGE (ts);
CREATE TABLE meas_2024 PARTITION OF meas FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST ((id % 2));
CREATE TABLE meas_2024_even PARTITION OF meas_2024 FOR VALUES IN (0);
CREATE TABLE meas_2024_odd PARTITION OF meas_2024 FOR VALUES IN (1);
CREATE TABLE meas_rest (v float8, c color, ts date NOT NULL, id int NOT NULL);
ALTER TABLE meas ATTACH PARTITION meas_rest DEFAULT;
INSERT INTO meas SELECT g, date '2024-01-01' + (g % 900), (enum_range(NULL::color))[1 + g % 3], g / 7.0 FROM generate_series(1, 3000) g;
CREATE TABLE hashed (k int PRIMARY KEY, note text) PARTITION BY HASH (k);
CREATE TABLE hashed_0 PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE hashed_1 PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE hashed_2 PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO hashed SELECT g, md5(g::text) FROM generate_series(1, 500) g;
CREATE TABLE animal (id serial PRIMARY KEY, name text);
CREATE TABLE dog (good bool) INHERITS (animal);
INSERT INTO animal (name) VALUES ('generic');
INSERT INTO dog (name, good) VALUES ('rex', true), ('fido', NULL);
CREATE TABLE docs (id int PRIMARY KEY, body oid);
INSERT INTO docs VALUES (1, lo_from_bytea(0, 'hello')), (2, lo_from_bytea(0, '')),
	(3, lo_from_bytea(0, (SELECT string_agg(sha256(g::text::bytea), '') FROM generate_series(1, 3000) g)));
CREATE SEQUENCE counter START 7;
SELECT setval('counter', 99);
CREATE MATERIALIZED VIEW meas_count AS SELECT c, count(*) FROM meas GROUP BY c;
SQL
old_rcr dump -q -d whole -f "$T/whole" -j 2
createdb whole
"$RCR" restore -q -d whole -j 2 "$T/whole"
same_as_pg_restore whole "15 -> $PG_MAJOR, whole database"
[ "$(psql_q -d whole -c "SELECT count(*) FROM pg_largeobject_metadata")" = 3 ] || fail "large objects not restored"
pass "a whole database dumped on 15 (partitions, inheritance, large objects) restores into $PG_MAJOR: as pg_dump 15 + pg_restore $PG_MAJOR, rows as on 15"
