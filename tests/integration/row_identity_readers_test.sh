#!/usr/bin/env bash
# The readers and row identity (issue 15 item 4; format 1.7.0, Required_Features bit 1): rows a
# row group skips (gone since the base it was shared from) are not restored, converted or
# counted; frame headers are compared with the origin the manifest records; verify accepts a
# data file with frames the manifest does not reference (a file shared by hard link) but not
# referenced frames that overlap; verify recomputes row and content hashes; list shows the
# skipped and shared rows and the base. The skip lists and origins are set by forge_manifest on
# an ordinary dump, as an incremental dump would record them.
. "$(dirname "$0")/lib.sh"
: "${RCR_FORGE:?RCR_FORGE must point at forge_manifest}"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, repeat(md5(g::text), 1 + g % 4) FROM generate_series(1, 4000) g;
-- aclitem has no binary I/O: rcr stores this table as text values
CREATE TABLE tx (id int, a aclitem);
INSERT INTO tx SELECT g, ('=r/' || current_user)::aclitem FROM generate_series(1, 50) g;
SQL
"$RCR" dump -q -d src -f "$T/a" --row-group-size 64kB
# table_index ARCHIVE NAME: the table's index in the archive's manifest
table_index() {
	"$RCR" list --json "$1" | python3 -c '
import json, sys
print([i for i, t in enumerate(json.load(sys.stdin)["tables"]) if t["name"] == sys.argv[1]][0])' "$2"
}
i_t=$(table_index "$T/a" t)
i_tx=$(table_index "$T/a" tx)
nrgs=$("$RCR" list --json "$T/a" | python3 -c "import json, sys; print(json.load(sys.stdin)['tables'][$i_t]['row_groups'])")
[ "$nrgs" -ge 3 ] || fail "t has $nrgs row groups, the test wants 3 or more"
cp -a "$T/a" "$T/clean"

# Row group 0 of t skips its rows 0 and 2 (ids 1 and 3 in a fresh table's heap order), the
# text table tx skips its row 5 (id 6).
"$RCR_FORGE" "$T/a" "skip:$i_t:0" "0,2"
"$RCR_FORGE" "$T/a" "skip:$i_tx:0" "5"
want="SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM"
want_t=$(psql_q -d src -c "$want t r WHERE id NOT IN (1, 3)")
want_tx=$(psql_q -d src -c "$want tx r WHERE id <> 6")
total=$(psql_q -d src -c "SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM tx)")

"$RCR" verify --json "$T/a" >"$T/v.json" || fail "verify refuses skipped rows: $(cat "$T/v.json")"
python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert d['rows'] == $total - 3, d" "$T/v.json" ||
	fail "verify does not count live rows"
"$RCR" list "$T/a" >"$T/list.txt"
grep -q "^public\.t .*; 2 rows skipped\$" "$T/list.txt" || fail "list does not show t's skipped rows: $(cat "$T/list.txt")"
pass "verify counts $total - 3 rows, list shows the skipped ones"

createdb dst
"$RCR" restore -q -d dst -j 2 "$T/a"
[ "$(psql_q -d dst -c "$want t r")" = "$want_t" ] || fail "restore: t is not the source without ids 1 and 3"
[ "$(psql_q -d dst -c "$want tx r")" = "$want_tx" ] || fail "restore: tx is not the source without id 6"
pass "restore leaves out the skipped rows, binary and text tables"

"$RCR" convert -q "$T/a" -o "$T/pgd"
createdb conv
pg_restore -d conv "$T/pgd"
[ "$(psql_q -d conv -c "$want t r")" = "$want_t" ] || fail "convert: t is not the source without ids 1 and 3"
[ "$(psql_q -d conv -c "$want tx r")" = "$want_tx" ] || fail "convert: tx is not the source without id 6"
pass "convert leaves out the skipped rows, binary and text tables"

# Frames are judged by the origin the manifest records: row group 1 said to come from row
# group 0 is refused by verify and restore.
cp -a "$T/clean" "$T/o"
"$RCR_FORGE" "$T/o" "origin:$i_t:1" "$i_t,0"
expect_exit 2 "$RCR" verify "$T/o"
grep -q "frame belongs to table $i_t row group 1 column 0" "$T/out" || fail "verify: $(cat "$T/out")"
createdb dst_o
expect_exit 2 "$RCR" restore -q -d dst_o "$T/o"
pass "a frame whose origin disagrees with the manifest is refused"

# A data file shared by hard link may hold frames the manifest no longer references: with row
# identity verify accepts them (the "frames account for" rule of older archives is the corruption
# test's). Referenced frames that overlap are damage.
cp -a "$T/clean" "$T/j"
oid=$(psql_q -d src -c "SELECT 't'::regclass::oid")
f=$(find "$T/j/data" \( -name "$oid.rcd" -o -name "${oid}[.-]*.rcd" \) | head -1)
head -c 1000 /dev/urandom >>"$f"
"$RCR" verify -q "$T/j" >"$T/out" || fail "verify refuses unreferenced bytes with row identity: $(cat "$T/out")"
"$RCR_FORGE" "$T/j" "same_rg:$i_t:1" 0
expect_exit 2 "$RCR" verify "$T/j"
grep -q "overlap" "$T/out" || fail "verify does not see overlapping frames: $(cat "$T/out")"
pass "with row identity: unreferenced frames accepted, overlapping ones refused"

# list: a row group whose frames an earlier archive wrote is shared; the base_* metadata of an
# incremental dump read as one paragraph, names escaped, counts that are not numbers shown as ?.
"$RCR_FORGE" "$T/a" "origin:$i_tx:0" "7,3"
for kv in base_archive_id=0123456789abcdef0123456789abcdef base_shared_row_groups=7 \
	base_shared_bytes=3000000 base_linked_files=2 base_copied_bytes=0 base_new_bytes=x; do
	"$RCR_FORGE" "$T/a" "meta:${kv%%=*}" "${kv#*=}"
done
"$RCR_FORGE" "$T/a" meta:base_path $'/backups/day\n1'
"$RCR" list "$T/a" >"$T/list.txt"
grep -q "^  base  *incremental from archive 0123456789abcdef0123456789abcdef (given as '/backups/day\\\\n1')\$" "$T/list.txt" &&
	grep -q "^  *7 row groups shared with it (3.0 MB), 2 files linked, 0 B copied, ? new\$" "$T/list.txt" &&
	grep -q "^public\.tx .*; 1 of 1 row groups shared (.*); 1 row skipped\$" "$T/list.txt" &&
	! grep -q "^  base_" "$T/list.txt" || fail "list: $(cat "$T/list.txt")"
"$RCR" list --json "$T/a" >"$T/list.json"
python3 - "$RCR_SRC/doc/json/rcr-list.schema.json" "$T/list.json" "$i_t" "$i_tx" <<'PY' || fail "list --json: $(cat "$T/list.json")"
import json, sys, jsonschema
schema, doc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(schema).validate(doc)
t, tx = doc["tables"][int(sys.argv[3])], doc["tables"][int(sys.argv[4])]
assert doc["row_identity"] is True, doc["row_identity"]
assert doc["base"] == {"archive_id": "0123456789abcdef0123456789abcdef", "path": "/backups/day\n1",
                       "shared_row_groups": 7, "shared_bytes": 3000000, "linked_files": 2,
                       "copied_bytes": 0, "new_bytes": None}, doc["base"]
assert (t["shared_row_groups"], t["skipped_rows"]) == (0, 2), t
assert (tx["shared_row_groups"], tx["skipped_rows"]) == (1, 1) and tx["shared_stored_bytes"] > 0, tx
PY
pass "list shows shared row groups, skipped rows and the base, text and JSON (schema-valid)"

# Row and content hashes (the archive's own, as rcr dump writes them with row identity): verify
# recomputes every row's SHA-256 from its decoded fields and every row group's content hash,
# so a row hash or content hash that lies is found even with every checksum put right.
"$RCR" list --json "$T/clean" >"$T/clean.json"
grep -q '"row_identity":true' "$T/clean.json" || fail "rcr dump wrote no row identity"
# (list into a file first: grep -q stops reading at its match, and a list still writing would
# then die of SIGPIPE and fail the pipeline)
"$RCR" list "$T/clean" >"$T/list_clean.txt"
"$RCR" list "$RCR_SRC/format-spec/vectors/valid/two_tables" >"$T/list_old.txt"
grep -q "^archive: .* (rcr format 1, table flags, row identity)\$" "$T/list_clean.txt" ||
	fail "list's first line does not name row identity: $(head -n 1 "$T/list_clean.txt")"
grep -q "^archive: .* (rcr format 1)\$" "$T/list_old.txt" ||
	fail "list names a feature an older archive does not have: $(head -n 1 "$T/list_old.txt")"
psql_q -d src -c "CREATE TABLE big (id int, v text);
	INSERT INTO big SELECT g, repeat(md5(g::text), 40) FROM generate_series(1, 300) g"
"$RCR" dump -q -d src -f "$T/h" --row-group-size 64kB
"$RCR" verify -q "$T/h" >/dev/null
i_big=$(table_index "$T/h" big)
cp -a "$T/h" "$T/h2"
"$RCR_FORGE" "$T/h" "row_hash:$i_big:0" x
expect_exit 2 "$RCR" verify "$T/h"
grep -q "table 'public.big' row group 0 (file '.*'): the row hash of row 0 does not match its fields" "$T/out" ||
	fail "verify misses a forged row hash: $(cat "$T/out")"
"$RCR_FORGE" "$T/h2" "content_hash:$(table_index "$T/h2" t):0" x
expect_exit 2 "$RCR" verify "$T/h2"
grep -q "table 'public.t' row group 0 (file '.*'): the content hash does not match" "$T/out" ||
	fail "verify misses a forged content hash: $(cat "$T/out")"
pass "verify recomputes row hashes and content hashes"
