#!/usr/bin/env bash
# dump -> verify -> list -> restore -> compare, for the whole type matrix, at several job counts,
# compression levels and row-group sizes (small row groups force many frames per table).
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
load_type_matrix src

run_case() { # label, dump options...
	local label=$1
	shift
	local a="$T/arch-$label" db="dst_$label"
	"$RCR" dump -d src -f "$a" -q "$@"
	[ -f "$a/manifest.rcr" ] || fail "$label: no manifest written"
	"$RCR" verify -q "$a" >"$T/verify.out" || { cat "$T/verify.out" >&2; fail "$label: verify rejected a fresh archive"; }
	grep -q "OK" "$T/verify.out" || fail "$label: verify did not say OK"
	"$RCR" list "$a" >"$T/list.out"
	grep -q 'public.all_types' "$T/list.out" || fail "$label: list does not show all_types"
	createdb "$db"
	"$RCR" restore -q -d "$db" -j 3 --piece-size 100000 "$a"
	assert_same_db src "$db" "$label"
	pass "$label"
}

run_case default
run_case j1_z0 -j 1 -Z 0
run_case j4_small_groups -j 4 -Z 1 --row-group-size 4096
run_case j3_pieces -j 3 --row-group-size 16384 --piece-size 65536
run_case z19 -j 2 -Z 19

# The vector codecs are actually used for uniform-dimension vector/halfvec chunks, and the
# mixed-dimension table fell back to raw without losing anything (compared above).
"$RCR" list --json "$T/arch-default" >"$T/list.json"
grep -q '"vector":' "$T/list.json" || fail "vector codec never chosen"
grep -q '"halfvec":' "$T/list.json" || fail "halfvec codec never chosen"
grep -q '"float_array":' "$T/list.json" || fail "float_array codec never chosen"
pass "vector codecs chosen"

# Archive files are private: directories 0700, files 0600.
bad=$(find "$T/arch-default" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) | head -3)
[ -z "$bad" ] || fail "archive entries with loose permissions: $bad"
pass "archive permissions"

# Big tables are split into ctid ranges: several data files for one table, all rows back once.
# data/OID-ID8.PIECE.SEGMENT.rcd: the pieces of tables that have more than one.
n=$(find "$T/arch-j3_pieces/data" -mindepth 1 -maxdepth 1 -printf '%f\n' | sed -nE 's/^([0-9]+)-[0-9a-f]{8}\.([0-9]+)\.[0-9]+\.rcd$/\1 \2/p' | sort -u |
	awk '{n[$1]++} END {for (o in n) if (n[o] > 1) s += n[o]; print s + 0}')
[ "$n" -ge 2 ] || fail "no table was split into pieces ($n piece files)"
pass "tables split into $n ctid-range pieces"
