#!/usr/bin/env bash
# rcr-test: matrix
# Partitions whose rows must load through their partition root (issue 13, item 2). An enum
# value hashes by the OID of its label, which a restore assigns anew, so the leaves of a table
# hash-partitioned on an enum (at any level) load with "COPY root (columns)", as pg_dump 15-18
# decides; `rcr dump --load-via-partition-root` sends every partition there. Checked: which
# tables the manifest marks, and that rcr restore (-j, -a, -n, -t, --clean, -1 --truncate,
# --disable-triggers) and convert + pg_restore -j give back every tree's rows, and every other
# leaf's rows in that leaf, with the TABLE DATA entries pg_dump itself writes (COPY target and
# "-- load via partition root" marker). Multi-level trees, a default partition, a leaf attached with its own column
# order and a dropped column, a root whose name needs quoting, a leaf in another schema.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE TYPE public.color AS ENUM ('c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8');
CREATE SCHEMA other;
-- The issue's case: hash on an enum, four partitions, 80 rows.
CREATE TABLE public.hp (c public.color, v int) PARTITION BY HASH (c);
CREATE TABLE public.hp0 PARTITION OF public.hp FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE public.hp1 PARTITION OF public.hp FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE public.hp2 PARTITION OF public.hp FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE public.hp3 PARTITION OF public.hp FOR VALUES WITH (MODULUS 4, REMAINDER 3);
-- For the -a tests' targets (schema_with_trigger): a row trigger on the root, cloned onto
-- every partition, that logs each row. Not in the source: pg_restore -j may create a trigger
-- on a partitioned table while its partitions' data still loads (the trigger depends on the
-- root, which has no data entry), and it would then log some rows.
CREATE TABLE public.hp_log (v int);
CREATE FUNCTION public.hp_log_row() RETURNS trigger LANGUAGE plpgsql
	AS $$BEGIN INSERT INTO public.hp_log VALUES (NEW.v); RETURN NEW; END$$;
INSERT INTO public.hp SELECT ('c' || (1 + g % 8))::public.color, g FROM generate_series(1, 80) g;
-- Hash on the enum, then range: the leaves two levels down load through the root too.
CREATE TABLE public.eh (c public.color, v int) PARTITION BY HASH (c);
CREATE TABLE public.eh0 PARTITION OF public.eh FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.eh1 PARTITION OF public.eh FOR VALUES WITH (MODULUS 2, REMAINDER 1) PARTITION BY RANGE (v);
CREATE TABLE public.eh1_lo PARTITION OF public.eh1 FOR VALUES FROM (MINVALUE) TO (50);
CREATE TABLE public.eh1_hi PARTITION OF public.eh1 FOR VALUES FROM (50) TO (MAXVALUE);
INSERT INTO public.eh SELECT ('c' || (1 + g % 8))::public.color, g FROM generate_series(1, 100) g;
-- Range, then hash on the enum one level down, leaves in another schema: those load through
-- the topmost root (whose name needs quoting), the range's other leaf loads directly.
CREATE TABLE public."RH root" (d date, c public.color, v int) PARTITION BY RANGE (d);
CREATE TABLE public.rh_2024 PARTITION OF public."RH root"
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY HASH (c);
CREATE TABLE other.rh_2024_0 PARTITION OF public.rh_2024 FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE other.rh_2024_1 PARTITION OF public.rh_2024 FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE other.rh_2024_2 PARTITION OF public.rh_2024 FOR VALUES WITH (MODULUS 3, REMAINDER 2);
CREATE TABLE public.rh_2025 PARTITION OF public."RH root" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO public."RH root" SELECT date '2024-01-01' + g, ('c' || (1 + g % 8))::public.color, g
	FROM generate_series(0, 699) g;
-- Range of list of hash on int, a default partition, and a leaf made apart, with its columns
-- in another order and a dropped column, then attached.
CREATE TABLE public.ml (k int, region text, id int, note text) PARTITION BY RANGE (k);
CREATE TABLE public.ml_a PARTITION OF public.ml FOR VALUES FROM (0) TO (100) PARTITION BY LIST (region);
CREATE TABLE public.ml_a_eu PARTITION OF public.ml_a FOR VALUES IN ('eu') PARTITION BY HASH (id);
CREATE TABLE public.ml_a_eu_0 PARTITION OF public.ml_a_eu FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.ml_a_eu_1 (note text, gone int, id int, region text, k int);
ALTER TABLE public.ml_a_eu_1 DROP COLUMN gone;
ALTER TABLE public.ml_a_eu ATTACH PARTITION public.ml_a_eu_1 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE public.ml_a_rest PARTITION OF public.ml_a DEFAULT;
CREATE TABLE public.ml_b PARTITION OF public.ml FOR VALUES FROM (100) TO (200);
INSERT INTO public.ml SELECT g % 200, (ARRAY['eu', 'us', 'eu', 'apac'])[1 + g % 4], g, 'n' || g
	FROM generate_series(1, 400) g;
-- Hash on int, list with a default: they load directly.
CREATE TABLE public.hi (id int, t text) PARTITION BY HASH (id);
CREATE TABLE public.hi0 PARTITION OF public.hi FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE public.hi1 PARTITION OF public.hi FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE public.hi2 PARTITION OF public.hi FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO public.hi SELECT g, md5(g::text) FROM generate_series(1, 300) g;
CREATE TABLE other.li (code text, n int) PARTITION BY LIST (code);
CREATE TABLE other.li_ab PARTITION OF other.li FOR VALUES IN ('a', 'b');
CREATE TABLE other.li_rest PARTITION OF other.li DEFAULT;
INSERT INTO other.li SELECT (ARRAY['a', 'b', 'c', 'd'])[1 + g % 4], g FROM generate_series(1, 100) g;
CREATE TABLE public.plain (id int, t text);
INSERT INTO public.plain SELECT g, 'p' || g FROM generate_series(1, 50) g;
SQL

# The partitions below an enum hash: after a restore the server may place their rows in another
# partition of the same tree, so only their trees are compared as wholes.
BELOW_ENUM_HASH=" hp0 hp1 hp2 hp3 eh0 eh1 eh1_lo eh1_hi other.rh_2024_0 other.rh_2024_1 other.rh_2024_2 "

# canon DB: each table's rows, sorted, as text in its own column order (a partitioned table's:
# its whole tree's), but not those of BELOW_ENUM_HASH; then the tables' definitions.
canon() {
	local t
	psql_q -d "$1" -c "SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'other') AND c.relkind IN ('r', 'p') ORDER BY c.oid::regclass::text" |
		while read -r t; do
			case "$BELOW_ENUM_HASH" in *" $t "*) continue ;; esac
			echo "== $t"
			psql_q -d "$1" -c "SELECT x::text FROM $t x ORDER BY 1"
		done
	schema_text "$1"
}
canon src >"$T/src.canon"
[ "$(grep -c '^== ' "$T/src.canon")" = 21 ] || fail "the source has $(grep -c '^== ' "$T/src.canon") tables to compare, not 21"

assert_same() { # db label
	canon "$1" >"$T/$1.canon"
	if ! cmp -s "$T/src.canon" "$T/$1.canon"; then
		diff "$T/src.canon" "$T/$1.canon" | head -20 >&2 || true
		fail "$2: the restored database differs from the source"
	fi
	local n
	n=$(psql_q -d "$1" -c "SELECT (SELECT count(*) FROM public.hp) || ' ' || (SELECT count(*) FROM public.eh)
		|| ' ' || (SELECT count(*) FROM public.\"RH root\")")
	[ "$n" = "80 100 700" ] || fail "$2: hp, eh and \"RH root\" hold $n rows, not 80 100 700"
}

# schema_with_trigger DB: creates DB with the source's schema, and the logging trigger on hp.
schema_with_trigger() {
	createdb "$1"
	pg_dump -s src | psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null
	psql_q -d "$1" -c "CREATE TRIGGER hp_log AFTER INSERT ON public.hp FOR EACH ROW EXECUTE FUNCTION public.hp_log_row()"
}

# via_roots ARCHIVE: "schema.table root" per table of the manifest (root "-" for none), sorted.
via_roots() {
	"$RCR" list --json "$1" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tables"]:
    r = t["load_via_root"]
    print(t["schema"] + "." + t["name"], r["schema"] + "." + r["name"] if r else "-")' | sort
}

# copy_lines DIR: the COPY statements and load markers pg_restore writes for a pg_dump directory
# archive, quotes removed (pg_dump quotes a name only when needed, rcr convert always), sorted.
copy_lines() {
	pg_restore -f - "$1" | grep -E '^(COPY |-- load via partition root )' | tr -d '"' | sort
}

# check_convert NAME DB [PG_DUMP_OPTION]: the COPY statements and load markers of rcr convert's
# output for archive $T/NAME are those of pg_dump (with the option) of the source, and
# pg_restore -j 3 of that output into a new database DB gives the source back.
check_convert() {
	pg_dump -Fd ${3:+"$3"} -f "$T/$1.pgd" src
	copy_lines "$T/$1.pgd" >"$T/$1.pgd.copy"
	"$RCR" convert -q "$T/$1" -o "$T/$1.conv"
	copy_lines "$T/$1.conv" >"$T/$1.conv.copy"
	cmp -s "$T/$1.pgd.copy" "$T/$1.conv.copy" ||
		{ diff "$T/$1.pgd.copy" "$T/$1.conv.copy" >&2 || true; fail "$1: convert's TABLE DATA entries differ from pg_dump ${3:-}'s"; }
	createdb "$2"
	pg_restore -j 3 -d "$2" "$T/$1.conv"
	assert_same "$2" "$1: convert + pg_restore -j 3"
}

# --- The default rule: only the leaves below an enum hash load through their root.
"$RCR" dump -q -d src -f "$T/a" -j 2
via_roots "$T/a" >"$T/a.roots"
cat >"$T/a.expect" <<'EOF'
other.li_ab -
other.li_rest -
other.rh_2024_0 public.RH root
other.rh_2024_1 public.RH root
other.rh_2024_2 public.RH root
public.eh0 public.eh
public.eh1_hi public.eh
public.eh1_lo public.eh
public.hi0 -
public.hi1 -
public.hi2 -
public.hp0 public.hp
public.hp1 public.hp
public.hp2 public.hp
public.hp3 public.hp
public.hp_log -
public.ml_a_eu_0 -
public.ml_a_eu_1 -
public.ml_a_rest -
public.ml_b -
public.plain -
public.rh_2025 -
EOF
cmp -s "$T/a.expect" "$T/a.roots" || { diff "$T/a.expect" "$T/a.roots" >&2 || true; fail "the manifest marks other tables than pg_dump's rule"; }
pass "dump: the leaves below a hash on an enum (any level) load through their topmost root, the rest directly"

createdb r1
"$RCR" restore -q -d r1 -j 4 "$T/a"
assert_same r1 "restore -j 4"
pass "restore -j 4: every tree and every other leaf as in the source"

check_convert a r2
grep -qx -- '-- load via partition root public.hp' "$T/a.pgd.copy" || fail "pg_dump $PG_MAJOR wrote no load marker for hp"
pass "convert writes pg_dump's COPY targets and markers; pg_restore $PG_MAJOR -j 3 restores every row"

# -a into the schema alone, of one schema only (-n other: the rh leaves, through public's root).
schema_with_trigger r3
"$RCR" restore -q -a --disable-triggers -n other -d r3 "$T/a"
got=$(psql_q -d r3 -c "SELECT (SELECT count(*) FROM public.\"RH root\") || ' ' || (SELECT count(*) FROM public.rh_2025)
	|| ' ' || (SELECT count(*) FROM other.li) || ' ' || (SELECT count(*) FROM public.hp)")
want=$(psql_q -d src -c "SELECT count(*) FROM public.rh_2024")
[ "$got" = "$want 0 100 0" ] || fail "-a -n other loaded \"RH root\" rh_2025 li hp = $got, not $want 0 100 0"
"$RCR" restore -q -a --disable-triggers -n public -d r3 "$T/a"
psql_q -d r3 -c "DROP TRIGGER hp_log ON public.hp"
assert_same r3 "-a -n other, then -a -n public (hp_log empty: the trigger never fired)"
pass "-a -n: a leaf in schema other loads through its root in public; with -n public the rest"

# -a --disable-triggers -j 4 of hp's leaves alone: each job disables the root's triggers too, so
# no row fires the logging trigger in whichever partition the root sends it to, and the jobs
# loading through one root wait for each other instead of deadlocking on their partitions.
schema_with_trigger r7
"$RCR" restore -q -a --disable-triggers -j 4 -t hp0 -t hp1 -t hp2 -t hp3 -d r7 "$T/a"
got=$(psql_q -d r7 -c "SELECT (SELECT count(*) FROM public.hp) || ' ' || (SELECT count(*) FROM public.hp_log)")
[ "$got" = "80 0" ] || fail "-a --disable-triggers -j 4: hp and hp_log hold $got rows, not 80 0"
pass "-a --disable-triggers -j 4 through one root: no trigger fired, no deadlock"

# Over a restored database: --clean, and -a -1 --truncate (the leaves are emptied, then loaded
# through the root: no row twice) as tools/db-manager.sh runs it.
"$RCR" restore -q -d r1 --clean --if-exists -j 2 "$T/a"
assert_same r1 "restore --clean over the restored database"
"$RCR" restore -q -d r1 -a -1 --truncate --disable-triggers "$T/a"
assert_same r1 "restore -a -1 --truncate"
pass "--clean --if-exists and -a -1 --truncate --disable-triggers over the restored database: no row lost or doubled"

# -a into a database where the root is missing: refused before any row is sent, naming it.
createdb r4
psql_q -d r4 -c "CREATE TYPE public.color AS ENUM ('c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8');
	CREATE TABLE public.hp0 (c public.color, v int); CREATE TABLE public.plain (id int, t text)"
expect_exit 4 "$RCR" restore -q -a -t hp0 -t plain -d r4 "$T/a"
grep -q "table 'public.hp' (the partition root that 'public.hp0' loads through) does not exist in the target database; nothing was loaded" "$T/err" ||
	fail "missing root: $(cat "$T/err")"
[ "$(psql_q -d r4 -c 'SELECT count(*) FROM public.plain')" = 0 ] || fail "missing root: rows were loaded"
pass "-a with the partition root missing in the target: refused, naming the root, nothing loaded"

# --- --load-via-partition-root: every partition loads through its topmost root.
"$RCR" dump -q -d src -f "$T/b" -j 2 --load-via-partition-root
via_roots "$T/b" >"$T/b.roots"
sed -e 's/^\(other\.li_[a-z]*\) -$/\1 other.li/' -e 's/^\(public\.hi[0-9]\) -$/\1 public.hi/' \
	-e 's/^\(public\.ml_[a-z0-9_]*\) -$/\1 public.ml/' -e 's/^public\.rh_2025 -$/public.rh_2025 public.RH root/' \
	"$T/a.expect" >"$T/b.expect"
cmp -s "$T/b.expect" "$T/b.roots" || { diff "$T/b.expect" "$T/b.roots" >&2 || true; fail "--load-via-partition-root: not every partition marked"; }
pass "dump --load-via-partition-root: every partition loads through its topmost root, the plain table directly"

createdb r5
"$RCR" restore -q -d r5 -j 3 "$T/b"
assert_same r5 "--load-via-partition-root, restore -j 3"
check_convert b r6 --load-via-partition-root
pass "--load-via-partition-root: restore -j 3 and convert + pg_restore -j 3 give the source back; entries as pg_dump's"
