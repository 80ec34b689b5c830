#!/usr/bin/env bash
# rcr convert -Z: pg_dump 16's compression syntax. zstd data files (NNNN.dat.zst, one zstd
# frame each, as pg_dump 16 writes) need archive version 1.15+; --archive-version 1.14 with zstd
# is refused before anything is written. Only pg_restore 15 exists here, so what pg_restore 16+ would do is
# checked piece by piece: our toc reader reads back algorithm zstd (3) in the header, every
# .dat.zst decompresses with the zstd CLI to exactly the bytes the gzip conversion of the same
# archive decompresses to (and gzip conversions restore correctly: convert_test), and pg_restore
# 15 refuses the 1.15 archive by its version, as it refuses pg_dump 16's.
. "$(dirname "$0")/lib.sh"
: "${RCR_PGTOC_TEST:?RCR_PGTOC_TEST must point at the pgtoc_test binary}"
command -v zstd >/dev/null || fail "the zstd CLI is missing (tools/deps.sh installs it)"
start_cluster
load_type_matrix src
"$RCR" dump -q -d src -f "$T/arch" -j 2 --row-group-size 16384

# 1.14 + zstd: one-line error and a HINT naming the version, nothing created. (Without
# --archive-version, zstd makes the default 1.15: convert_types_test.sh.)
expect_exit 1 "$RCR" convert "$T/arch" -o "$T/no14" --archive-version 1.14 -Z zstd
grep -q "^rcr convert: error: zstd data files need archive version 1.15 or later, not 1.14$" "$T/err" ||
	fail "1.14 + zstd message: $(cat "$T/err")"
grep -q "^HINT: .*--archive-version 1.15 (pg_restore 16 or later)" "$T/err" || fail "1.14 + zstd hint: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" = 2 ] || fail "1.14 + zstd: expected an error line and a HINT: $(cat "$T/err")"
[ ! -e "$T/no14" ] || fail "a refused 1.14 + zstd conversion created $T/no14"
mkdir "$T/empty14"
expect_exit 1 "$RCR" convert "$T/arch" -o "$T/empty14" --archive-version 1.14 -Z zstd:3
[ -z "$(ls -A "$T/empty14")" ] || fail "a refused conversion wrote into an existing empty directory"
pass "1.14 + zstd refused before anything is written, with a HINT naming 1.15 and pg_restore 16+"

# Bad -Z arguments: one line each, exit 1.
for bad in lz4 zstd:0 zstd:23 gzip:10 none:1 10 -1 zstd:level=x brotli; do
	expect_exit 1 "$RCR" convert "$T/arch" -o "$T/bad" --archive-version 1.15 -Z "$bad"
	grep -q "^rcr convert: error: " "$T/err" || fail "-Z $bad: $(cat "$T/err")"
	[ ! -e "$T/bad" ] || fail "-Z $bad created $T/bad"
done
pass "invalid -Z methods and levels refused"

# header VERSION DIR: version and compression field as our toc reader reads them.
header() { "$RCR_PGTOC_TEST" --describe "$1/toc.dat" | sed -n '1,2p' | tr '\n' ' '; }
# data_ids DIR: dump ids of the TABLE DATA entries, checking the toc names NNNN.dat.
data_ids() {
	"$RCR_PGTOC_TEST" --describe "$1/toc.dat" | awk '$1 == "file" && $3 == "TABLE" && $4 == "DATA" {
		if ($5 != $2 ".dat") { print "bad name " $5 > "/dev/stderr"; exit 1 } print $2 }'
}

"$RCR" convert -q "$T/arch" -o "$T/zst" --archive-version 1.15 -Z zstd
"$RCR" convert -q "$T/arch" -o "$T/gz" --archive-version 1.15 -Z gzip:9
"$RCR" convert -q "$T/arch" -o "$T/zst16" --archive-version 1.16 -Z zstd:level=19 -j 1
"$RCR" convert -q "$T/arch" -o "$T/none" --archive-version 1.15 -Z none
"$RCR" convert -q "$T/arch" -o "$T/gz14" -Z gzip
"$RCR" convert -q "$T/arch" -o "$T/plain14" -Z 0
[ "$(header "$T/zst")" = "version 1.15.0 compression 3 " ] || fail "1.15 zstd header: $(header "$T/zst")"
[ "$(header "$T/zst16")" = "version 1.16.0 compression 3 " ] || fail "1.16 zstd header: $(header "$T/zst16")"
[ "$(header "$T/gz")" = "version 1.15.0 compression 1 " ] || fail "1.15 gzip header: $(header "$T/gz")"
[ "$(header "$T/none")" = "version 1.15.0 compression 0 " ] || fail "1.15 none header: $(header "$T/none")"
[ "$(header "$T/gz14")" = "version 1.14.0 compression -1 " ] || fail "1.14 gzip header: $(header "$T/gz14")"
[ "$(header "$T/plain14")" = "version 1.14.0 compression 0 " ] || fail "1.14 -Z 0 header: $(header "$T/plain14")"
# The algorithm byte sits right after the 11 fixed header bytes, where pg_dump 16 puts it.
[ "$(od -An -tx1 -j 5 -N 7 "$T/zst/toc.dat" | tr -d ' \n')" = "010f0004080303" ] || fail "1.15 header bytes"
pass "toc.dat headers: zstd 3, gzip 1, none 0 in 1.15/1.16; gzip level -1, 0 in 1.14"

ids=$(data_ids "$T/zst")
[ "$(data_ids "$T/gz")" = "$ids" ] && [ "$(data_ids "$T/zst16")" = "$ids" ] || fail "conversions differ in data entries"
n=0
for id in $ids; do
	z="$T/zst/$id.dat.zst"
	[ -f "$z" ] || fail "no $z"
	[ ! -e "$T/zst/$id.dat" ] && [ ! -e "$T/zst/$id.dat.gz" ] || fail "stray uncompressed file for $id"
	# one frame per file, as pg_dump 16 writes (ZSTD_e_end once, at the end)
	frames=$(zstd -lv "$z" 2>/dev/null | awk -F: '/^# Zstandard Frames/ { gsub(/ /, "", $2); print $2 }')
	[ "$frames" = 1 ] || fail "$z holds $frames zstd frames, expected 1"
	zstd -q -dc "$z" >"$T/a.txt" || fail "zstd cannot decompress $z"
	gzip -dc "$T/gz/$id.dat.gz" >"$T/b.txt"
	zstd -q -dc "$T/zst16/$id.dat.zst" >"$T/c.txt"
	cmp -s "$T/a.txt" "$T/b.txt" || fail "$id.dat.zst and $id.dat.gz decompress to different bytes"
	cmp -s "$T/a.txt" "$T/c.txt" || fail "$id.dat.zst at levels 3 and 19 differ"
	cmp -s "$T/a.txt" "$T/none/$id.dat" || fail "$id.dat.zst differs from the plain $id.dat"
	[ "$(tail -c 5 "$T/a.txt" | od -An -tx1 | tr -d ' \n')" = "5c2e0a0a0a" ] || fail "$id.dat.zst lacks the \\. end"
	n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n data files compared"
rows=$(cat "$T"/zst/*.dat.zst | zstd -q -dc | grep -cv '^\\\.$\|^$')
[ "$rows" -ge 8000 ] || fail "the .dat.zst files hold only $rows rows"
pass "$n .dat.zst files ($rows rows): one zstd frame each, identical text to the gzip and plain conversions"

# pg_restore 15 refuses 1.15 by its version, as it refuses pg_dump 16's archives: the gate is real.
expect_exit 1 pg_restore -l "$T/zst"
grep -q "unsupported version (1.15) in file header" "$T/err" || fail "pg_restore 15 on 1.15: $(cat "$T/err")"
pass "pg_restore 15 refuses the 1.15 zstd archive: unsupported version (1.15)"
