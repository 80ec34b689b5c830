#!/usr/bin/env bash
# verify's work unit is a row group, not a table or a file (a table's files are shared out among
# the workers, biggest file first, so unequal tables leave no core idle): whatever -j, verify
# counts the same frames, rows and bytes; a data file that cannot be opened is one problem, not
# one per row group of it; a damaged frame in a table's later file names that file, its table
# and its row group, and the other row groups of the file are still checked.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE TABLE big (id int PRIMARY KEY, v text);
INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 12000) g;
CREATE TABLE small (id int, v text);
INSERT INTO small SELECT g, md5(g::text) FROM generate_series(1, 100) g;
CREATE TABLE empty (id int);
SQL
A="$T/a"
"$RCR" dump -q -d src -f "$A" --row-group-size 64kB
# The data files of table big, in segment order (16 row groups each).
oid=$(psql_q -d src -c "SELECT 'big'::regclass::oid")
mapfile -t files < <(cd "$A/data" && ls "$oid"-*.rcd | sort -t. -k2,2n -k3,3n)
[ "${#files[@]}" -ge 3 ] || fail "table big has ${#files[@]} data files, the test wants 3 or more"

# The same totals whatever -j.
sums() { "$RCR" verify --json -j "$1" "$A" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["ok"], r["frames"], r["rows"], r["raw_bytes"], r["stored_bytes"], len(r["problems"]))'; }
want=$(sums 1)
case "$want" in "True "*" 12100 "*" 0") ;; *) fail "verify -j1 of a fresh archive: $want" ;; esac
for j in 2 3 7; do
	got=$(sums "$j")
	[ "$got" = "$want" ] || fail "verify -j$j counts '$got', -j1 '$want'"
done
pass "verify -j1, -j2, -j3 and -j7 count the same frames, rows and bytes"

# A missing data file: one problem, naming it, whatever -j.
cp -a "$A" "$T/b"
rm "$T/b/data/${files[1]}"
for j in 1 3; do
	"$RCR" verify --json -j "$j" "$T/b" >"$T/out" && fail "verify -j$j passed an archive without '${files[1]}'"
	python3 - "$T/out" "${files[1]}" <<'PY' || fail "verify -j$j of a missing file: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["problem_kinds"] == ["missing"], r["problem_kinds"]
assert sys.argv[2] in r["problems"][0] and "'public.big'" in r["problems"][0]
PY
done
pass "a missing data file is one problem naming it and its table"

# A frame flipped in the middle of the third file: one problem, naming the file, the table and
# a row group of that file; every row of the other row groups is still counted.
cp -a "$A" "$T/c"
f="$T/c/data/${files[2]}"
size=$(stat -c %s "$f")
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)[0]
    f.seek(int(sys.argv[2]))
    f.write(bytes([b ^ 0xff]))' "$f" $((size / 2))
cmp -s "$f" "$A/data/${files[2]}" && fail "the byte at $((size / 2)) of '${files[2]}' did not change"
"$RCR" verify --json -j 3 "$T/c" >"$T/out" && fail "verify passed a flipped byte in '${files[2]}'"
python3 - "$T/out" "${files[2]}" <<'PY' || fail "verify of a flipped byte: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["problems"]) == 1, r["problems"]
p = r["problems"][0]
assert sys.argv[2] in p and "'public.big'" in p and "row group" in p, p
assert 12100 - 1000 < r["rows"] < 12100, r["rows"]
PY
pass "a damaged frame in a later file is one problem naming its file, table and row group"
