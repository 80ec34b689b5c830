#!/usr/bin/env bash
# Corruption sweep: an archive of the type matrix plus a vector table (many row groups, tables
# split into pieces, zstd and the vector codecs) is damaged in about a thousand ways, one at a
# time: bytes flipped and truncations in every kind of file (manifest.rcr, data files, toc.dat
# and the other schema files), files missing, empty, replaced by directories, FIFOs and
# symbolic links, forged manifests with paths out of the archive and hostile frame sizes,
# and forged frames with every checksum recomputed (tests/integration/corrupt_sweep.c has the list and
# the rules). `rcr verify` must catch each case (exit 2 or 3, a problem line naming the file,
# and the table and frame for frame damage) or the case must be harmless (a forged manifest
# that is merely another well-formed archive, a forged frame that still decodes to its Raw_Hash),
# and never crash, hang or over-allocate (ASan/UBSan build, a timeout per case, ASan's
# allocation cap). Then a sample of the cases, at least one per file kind and damage form, goes
# through `rcr restore` into a fresh database: it must fail, with an error line, and load no
# row of the damaged table (no table at all when the manifest or the schema is damaged).
. "$(dirname "$0")/lib.sh"
: "${RCR_SWEEP:?RCR_SWEEP must point at the corrupt_sweep helper}"
start_cluster
load_type_matrix src
psql_q -d src -c "CREATE TABLE public.vecs (id int, emb vector(32))" \
	-c "INSERT INTO vecs SELECT g, ('[' || array_to_string(array(SELECT round(sin(g * 32 + d)::numeric, 4)
	      FROM generate_series(1, 32) d), ',') || ']')::vector FROM generate_series(1, 3000) g"

A="$T/arch"
"$RCR" dump -q -d src -f "$A" -j 3 --row-group-size 16384 --piece-size 65536
"$RCR" verify -q "$A" >/dev/null || fail "fresh archive rejected"
# The pieces of split tables: data/OID-ID8.PIECE.SEGMENT.rcd, a table of more than one piece.
npieces=$(find "$A/data" -mindepth 1 -maxdepth 1 -printf '%f\n' | sed -nE 's/^([0-9]+)-[0-9a-f]{8}\.([0-9]+)\.[0-9]+\.rcd$/\1 \2/p' | sort -u |
	awk '{n[$1]++} END {for (o in n) if (n[o] > 1) s += n[o]; print s + 0}')
[ "$npieces" -ge 4 ] || fail "expected tables split into pieces, got $npieces piece files"

# The sweep, in two shards on two copies (each shard repairs its copy after every case).
start=$(date +%s)
for s in 0 1; do
	cp -a "$A" "$T/work$s"
	"$RCR_SWEEP" sweep "$A" "$T/work$s" "$RCR" "$s/2" >"$T/sweep$s.out" 2>&1 &
	pids[s]=$!
done
rc=0
wait "${pids[0]}" || rc=1
wait "${pids[1]}" || rc=1
if [ $rc -ne 0 ]; then
	grep -h -A 12 '^FAIL' "$T/sweep0.out" "$T/sweep1.out" | head -80 >&2
	tail -n 3 "$T/sweep0.out" "$T/sweep1.out" >&2
	fail "corruption sweep found cases that were neither caught nor harmless"
fi
awk '/^sweep /{k=$2; t[k]+=$4; c[k]+=$6; h[k]+=$8; f[k]+=$10; if (!(k in o)) {o[k]=n++; ks[n-1]=k}}
	END {for (i = 0; i < n; i++) {k = ks[i]; printf "  %-9s tried %4d caught %4d harmless %4d failed %d\n", k, t[k], c[k], h[k], f[k]}}' \
	"$T/sweep0.out" "$T/sweep1.out"
total=$(awk '/^sweep total/{t+=$4} END{print t}' "$T/sweep0.out" "$T/sweep1.out")
[ "$total" -ge 800 ] || fail "the sweep tried only $total cases"
pass "corruption sweep: $total cases, all caught or harmless, in $(($(date +%s) - start)) s"

# Restore samples: one case per file kind and damage form.
"$RCR_SWEEP" list "$A" >"$T/cases"
pick() { # description regex: the first case whose description matches
	local id
	id=$(awk -F'\t' -v re="$1" '$5 ~ re {print $1; exit}' "$T/cases")
	[ -n "$id" ] || fail "no sweep case matches '$1'"
	echo "$id"
}
samples=(
	"manifest header byte 8 flipped"
	"manifest body flipped"
	"manifest truncated inside its body"
	"forged: hostile path variant 0"
	"forged: hostile path variant 7"
	"toc.dat byte 5 flipped"
	"blob.*truncated"
	"first frame header byte 20 flipped$"
	"first frame header byte 36 flipped, Header_Check recomputed"
	"[0-9][.][0-9]+[.]rcd flipped at"
	"float_array/none frame stored byte 2 flipped, checksums recomputed"
	"truncated before its last frame"
	"rcd is missing"
	"rcd is a FIFO"
	"^data/ is a symbolic link"
)
n=0
for re in "${samples[@]}"; do
	id=$(pick "$re")
	c="$T/r$n"
	db="r$n"
	n=$((n + 1))
	cp -a "$A" "$c"
	IFS=$'\t' read -r tschema tname what < <("$RCR_SWEEP" apply "$A" "$c" "$id")
	createdb "$db"
	set +e
	ASAN_OPTIONS=max_allocation_size_mb=256:allocator_may_return_null=0 \
		timeout 120 "$RCR" restore -q -d "$db" "$c" 2>"$T/rerr"
	rc=$?
	set -e
	[ $rc -ne 124 ] || fail "restore ($what): timed out"
	[ $rc -ne 0 ] || fail "restore ($what): a damaged archive restored with exit 0"
	! grep -q -E "Sanitizer|runtime error" "$T/rerr" || { cat "$T/rerr" >&2; fail "restore ($what): sanitizer report"; }
	[ $rc = 2 ] || [ $rc = 3 ] || { cat "$T/rerr" >&2; fail "restore ($what): exit $rc, want 2 (damaged) or 3 (I/O)"; }
	grep -q "error:" "$T/rerr" || fail "restore ($what): no error line: $(cat "$T/rerr")"
	if [ "$tname" != - ]; then
		rows=$(psql_q -d "$db" -v s="$tschema" -v t="$tname" <<-'EOF'
			SELECT CASE WHEN to_regclass(format('%I.%I', :'s', :'t')) IS NULL THEN 0
			       ELSE (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', :'s', :'t'),
			             false, true, '')))[1]::text::int END
		EOF
		)
		[ "$rows" = 0 ] || fail "restore ($what): $rows rows of the damaged table '$tschema.$tname' were loaded"
	else
		# Manifest or schema damage is refused before the database is touched; a damaged
		# data directory fails every table. Either way no table may hold a row.
		rows=$(psql_q -d "$db" <<-'EOF'
			SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I',
			       n.nspname, c.relname), false, true, '')))[1]::text::int), 0)
			  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		EOF
		)
		[ "$rows" = 0 ] || fail "restore ($what): $rows rows were loaded from a damaged archive"
	fi
	pass "restore refused ($what): exit $rc, '$(grep -m1 error: "$T/rerr" | cut -c1-110)'"
	dropdb "$db"
	rm -rf "$c"
done
pass "restore refused all $n sampled damaged archives"

# Names may hold newlines (legal in PostgreSQL): each problem still takes exactly one line.
createdb nl
psql_q -d nl -c 'CREATE TABLE public."line
break" (id int, v text)' -c 'INSERT INTO public."line
break" SELECT g, md5(g::text) FROM generate_series(1, 100) g'
"$RCR" dump -q -d nl -f "$T/nl"
f=$(cd "$T/nl" && ls data/*.rcd | head -1)
printf '\x01' | dd of="$T/nl/$f" bs=1 seek=100 conv=notrunc status=none
expect_exit 2 "$RCR" verify "$T/nl"
bad=$(grep -v -c -E "^(problem: |archive ')" "$T/out" || true)
[ "$bad" = 0 ] || { cat "$T/out" >&2; fail "a name with a newline split verify's problem lines"; }
grep -qF 'public.U&"line\000abreak"' "$T/out" || { cat "$T/out" >&2; fail 'the newline in the table name is not shown escaped'; }
pass "a table name with a newline stays on its problem line: $(head -1 "$T/out" | cut -c1-80)"
