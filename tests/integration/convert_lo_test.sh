#!/usr/bin/env bash
# rcr convert with large objects and a partitioned table. pg_dump puts the large objects into
# the schema archive rcr embeds (BLOB entries, one BLOBS entry, blobs.toc, blob_<oid>.dat.gz).
# - 1.14: pg_restore 15 -j 2 restores everything: the data, the partition tree, every large
#   object byte for byte, with gzip and with -Z 0 data files.
# - 1.15: the 1.14 large-object layout (pg_restore 16 opens "blobs.toc" whatever the entry says).
# - 1.16: pg_restore 17+ opens the file the BLOBS entry names; pg_dump 17 names it
#   blobs_<dumpId>.toc. Only pg_restore 15 exists here, so the files are checked against those
#   rules (pg_backup_directory.c _LoadLOs/_EndLO): the entry names blobs_<its id>.toc, that
#   file exists and holds exactly the schema's "<oid> blob_<oid>.dat" lines, every blob file it
#   names exists and equals the 1.14 conversion's, no stray blobs.toc; and the relkind of every
#   entry read back from toc.dat is pg_dump 17's: 112 ('p') for the partitioned tables, 114 for
#   ordinary tables and partitions, 118 for the view, 0 for everything else.
. "$(dirname "$0")/lib.sh"
: "${RCR_PGTOC_TEST:?RCR_PGTOC_TEST must point at the pgtoc_test binary}"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE TABLE public.docs (id int PRIMARY KEY, name text, body oid);
INSERT INTO public.docs VALUES
	(1, 'small', lo_from_bytea(0, 'hello large object')),
	(2, 'empty', lo_from_bytea(0, '')),
	(3, 'big', lo_from_bytea(0, (SELECT string_agg(sha256(g::text::bytea), '') FROM generate_series(1, 40000) g))),
	(4, 'no lo', NULL);
CREATE TABLE public.meas (id int NOT NULL, ts date NOT NULL, v float8) PARTITION BY RANGE (ts);
CREATE TABLE public.meas_2024 PARTITION OF public.meas
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST ((id % 2));
CREATE TABLE public.meas_2024_even PARTITION OF public.meas_2024 FOR VALUES IN (0);
CREATE TABLE public.meas_2024_odd PARTITION OF public.meas_2024 FOR VALUES IN (1);
CREATE TABLE public.meas_2025 PARTITION OF public.meas FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO public.meas SELECT g, date '2024-01-01' + (g % 700), g * 0.25 FROM generate_series(1, 5000) g;
CREATE VIEW public.meas_view AS SELECT id, v FROM public.meas;
SQL
"$RCR" dump -q -d src -f "$T/arch" -j 2
[ -f "$T/arch/schema/blobs.toc" ] || fail "rcr dump wrote no blobs.toc into the schema archive"
[ "$(wc -l <"$T/arch/schema/blobs.toc")" = 3 ] || fail "blobs.toc lists $(wc -l <"$T/arch/schema/blobs.toc") large objects, not 3"

lo_sums() { psql_q -d "$1" -c "SELECT d.id, m.oid, md5(lo_get(m.oid)), length(lo_get(m.oid))
	FROM pg_largeobject_metadata m LEFT JOIN public.docs d ON d.body = m.oid ORDER BY m.oid"; }
lo_sums src >"$T/lo.src"
[ "$(wc -l <"$T/lo.src")" = 3 ] || fail "source has $(wc -l <"$T/lo.src") large objects"

# 1.14, gzip and plain: pg_restore 15 -j 2 gives the original back, large objects included.
for z in 1 0; do
	"$RCR" convert -q "$T/arch" -o "$T/c14z$z" -Z "$z"
	createdb "n14z$z"
	pg_restore -j 2 -d "n14z$z" "$T/c14z$z"
	assert_same_db src "n14z$z" "convert 1.14 -Z $z + pg_restore -j 2"
	lo_sums "n14z$z" >"$T/lo.n14z$z"
	cmp -s "$T/lo.src" "$T/lo.n14z$z" || fail "1.14 -Z $z: large objects differ: $(diff "$T/lo.src" "$T/lo.n14z$z")"
	got=$(psql_q -d "n14z$z" -c "SELECT count(*), sum(id), (SELECT relkind FROM pg_class WHERE oid = 'public.meas'::regclass),
		(SELECT count(*) FROM public.meas_2024_odd) FROM public.meas")
	[ "$got" = "5000|12502500|p|$(psql_q -d src -c 'SELECT count(*) FROM public.meas_2024_odd')" ] ||
		fail "1.14 -Z $z: partitioned table restored as $got"
done
pass "1.14 (gzip and -Z 0): pg_restore 15 -j 2 restores the data, the partition tree and 3 large objects byte for byte"

# describe DIR: our reader's view of DIR/toc.dat.
describe() { "$RCR_PGTOC_TEST" --describe "$1/toc.dat"; }
blobs_id() { describe "$1" | awk '$1 == "relkind" && $5 == "BLOBS" { print $2 }'; }

# 1.15: the same large-object files as 1.14, header 1.15.
"$RCR" convert -q "$T/arch" -o "$T/c15" --archive-version 1.15
describe "$T/c15" | head -1 | grep -qx "version 1.15.0" || fail "1.15: $(describe "$T/c15" | head -1)"
describe "$T/c15" | grep -qx "file $(blobs_id "$T/c15") BLOBS blobs.toc" || fail "1.15: BLOBS entry does not name blobs.toc"
cmp -s "$T/arch/schema/blobs.toc" "$T/c15/blobs.toc" || fail "1.15: blobs.toc differs from the schema's"
[ -z "$(find "$T/c15" -mindepth 1 -maxdepth 1 -name 'blobs_*')" ] || fail "1.15 has a blobs_N.toc, which only 1.16 readers open"
pass "1.15 keeps the 1.14 large-object layout (blobs.toc, as pg_restore 16 opens it)"

# 1.16: blobs_<dumpId>.toc named by the BLOBS entry, blob files as in 1.14, relkinds.
"$RCR" convert -q "$T/arch" -o "$T/c16" --archive-version 1.16
describe "$T/c16" >"$T/d16"
head -1 "$T/d16" | grep -qx "version 1.16.0" || fail "1.16: $(head -1 "$T/d16")"
id=$(blobs_id "$T/c16")
[ -n "$id" ] && [ "$(awk '$1 == "relkind" && $5 == "BLOBS"' "$T/d16" | wc -l)" = 1 ] || fail "1.16: not exactly one BLOBS entry"
grep -qx "file $id BLOBS blobs_$id.toc" "$T/d16" || fail "1.16: BLOBS entry $id does not name blobs_$id.toc: $(grep BLOBS "$T/d16")"
[ ! -e "$T/c16/blobs.toc" ] || fail "1.16 still has a blobs.toc"
cmp -s "$T/arch/schema/blobs.toc" "$T/c16/blobs_$id.toc" || fail "1.16: blobs_$id.toc differs from the schema's blobs.toc"
n=0
while read -r oid file rest; do
	[[ "$oid" =~ ^[0-9]+$ && "$file" = "blob_$oid.dat" && -z "$rest" ]] || fail "1.16: bad LO TOC line '$oid $file $rest'"
	[ -f "$T/c16/$file.gz" ] || fail "1.16: $file(.gz) named by blobs_$id.toc is missing"
	cmp -s "$T/c14z1/$file.gz" "$T/c16/$file.gz" || fail "1.16: $file.gz differs from the 1.14 conversion's"
	n=$((n + 1))
done <"$T/c16/blobs_$id.toc"
[ "$n" = 3 ] || fail "1.16: blobs_$id.toc lists $n large objects"
[ "$(find "$T/c16" -mindepth 1 -maxdepth 1 -name 'blob_*' | wc -l)" = 3 ] || fail "1.16: expected 3 blob files"
pass "1.16: BLOBS entry $id names blobs_$id.toc, which lists the 3 large objects; blob files equal 1.14's"

# relkind, as stored in the 1.16 toc.dat, for every entry.
rk() { awk -v t="$1" -v d="$2" '$1 == "relkind" && $4 == t { s = $5; for (i = 6; i <= NF; i++) s = s " " $i; if (s == d) print $3 }' "$T/d16"; }
for want in "public.meas|TABLE|112" "public.meas_2024|TABLE|112" "public.meas_2024_even|TABLE|114" \
	"public.meas_2024_odd|TABLE|114" "public.meas_2025|TABLE|114" "public.docs|TABLE|114" \
	"public.meas_view|VIEW|118" "public.docs|TABLE DATA|0" "public.meas_2025|TABLE DATA|0" \
	"public.meas_2024|TABLE ATTACH|0" "-.BLOBS|BLOBS|0"; do
	IFS='|' read -r tag desc kind <<<"$want"
	got=$(rk "$tag" "$desc")
	[ "$got" = "$kind" ] || fail "1.16: $desc $tag has relkind '$got', want $kind"
done
bad=$(awk '$1 == "relkind" && $3 != 0 && $5 != "TABLE" && $5 != "VIEW"' "$T/d16")
[ -z "$bad" ] || fail "1.16: non-zero relkind on other entries: $bad"
# A 1.14 conversion stores no relkind at all (the field does not exist there).
[ -z "$(describe "$T/c14z1" | awk '$1 == "relkind" && $3 != 0')" ] || fail "1.14 toc reads back with a relkind"
pass "1.16 relkinds: 112 for the 2 partitioned tables, 114 for 4 ordinary tables, 118 for the view, 0 elsewhere"
