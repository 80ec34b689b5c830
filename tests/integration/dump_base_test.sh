#!/usr/bin/env bash
# rcr-test: matrix
# rcr dump --base ARCHIVE (issue 15 item 1): an incremental dump shares the base's unchanged
# rows (hard links of its data files, skip lists for the rows gone) and stands alone.
#  - unchanged database: everything shared, the new archive's own bytes tiny, its files links;
#  - a day of inserts, updates and deletes (a duplicated row among them): the restore holds
#    exactly the source's rows (compared sorted), verify passes, most rows shared;
#  - the bases deleted afterwards: verify, restore and convert (+ pg_restore) of the newest pass;
#  - a table whose columns changed: nothing shared for it, named in the summary;
#  - a corrupt base: refused (exit 2, one line naming the base's file and frame), nothing
#    written; a base from another database: nothing shared, said so;
#  - base files under half live: their rows written anew (compaction); a failure after links
#    were made removes them and leaves the base whole;
#  - a base on another file system (/dev/shm, a tmpfs): its files copied, not linked.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src

# wide: rows of about 1.3 kB (row hashes kept, shared row by row); small: 40-byte rows (row
# groups shared whole, by content hash); dup: equal rows; gone: columns change after the base.
psql_q -d src >/dev/null <<'SQL'
CREATE TABLE wide (id int PRIMARY KEY, note text, v float4[]);
INSERT INTO wide SELECT i, (SELECT string_agg(md5(i::text || j::text), '') FROM generate_series(1, 36) j),
	ARRAY[i, i / 2.0, i / 3.0]::float4[] FROM generate_series(1, 6000) i;
CREATE TABLE small (id int PRIMARY KEY, v text);
INSERT INTO small SELECT i, md5(i::text) FROM generate_series(1, 40000) i;
CREATE TABLE dup (v text);
INSERT INTO dup SELECT repeat('equal row ', 150) FROM generate_series(1, 2);
INSERT INTO dup SELECT repeat('other ' || i, 200) FROM generate_series(1, 30) i;
CREATE TABLE gone (id int, v text);
INSERT INTO gone SELECT i, repeat('g', 2000) FROM generate_series(1, 50) i;
SQL

meta() { # archive key: a metadata value as rcr list --json gives it (base_* keys in "base")
	"$RCR" list --json "$1" | python3 -c '
import json, sys
d, k = json.load(sys.stdin), sys.argv[1]
v = (d["base"] or {}).get(k[5:]) if k.startswith("base_") else d["meta"].get(k)
print("" if v is None else v)' "$2"
}
data_bytes() { # archive: the stored bytes of its data files
	du -sb --apparent-size "$1/data" | cut -f1
}
restore_same() { # archive label
	local db=r$RANDOM$RANDOM
	createdb "$db"
	"$RCR" restore -q -d "$db" "$1"
	assert_same_db src "$db" "$2"
	dropdb "$db"
}

dump=(--row-group-size 64kB)
"$RCR" dump -q -d src "${dump[@]}" -f "$T/a"
full=$(data_bytes "$T/a")

# --- unchanged ---------------------------------------------------------------------------
"$RCR" dump -d src "${dump[@]}" --base "$T/a" -f "$T/b" 2>"$T/b.err"
cat "$T/b.err"
[ "$(meta "$T/b" base_archive_id)" = "$(meta "$T/a" archive_id)" ] || fail "base_archive_id is not the base's archive_id"
[ "$(meta "$T/b" base_path)" = "$T/a" ] || fail "base_path is not the path given"
new=$(meta "$T/b" base_new_bytes)
[ -n "$new" ] && [ $((new * 100)) -le "$full" ] || fail "unchanged database: $new new bytes of $full (more than 1%)"
[ "$(meta "$T/b" base_shared_row_groups)" -gt 0 ] || fail "unchanged database: nothing shared"
own=$(find "$T/b/data" -type f -links 1 | wc -l)
linked=$(find "$T/b/data" -type f -links +1 | wc -l)
[ "$linked" -gt 0 ] && [ "$linked" = "$(meta "$T/b" base_linked_files)" ] || fail "base_linked_files is not the $linked linked files"
[ "$own" -le 1 ] || fail "unchanged database: $own data files of its own"
grep -q "rows shared" "$T/b.err" || fail "the summary does not say what was shared"
"$RCR" verify -q "$T/b"
restore_same "$T/b" "unchanged, incremental"
pass "unchanged database: $linked files linked, $new new bytes of $full; verify and restore pass"

# --- a day: inserts, updates, deletes, one more copy of a duplicated row, a changed table ---
psql_q -d src >/dev/null <<'SQL'
INSERT INTO wide SELECT i, (SELECT string_agg(md5(i::text || j::text || 'new'), '') FROM generate_series(1, 36) j),
	ARRAY[i]::float4[] FROM generate_series(6001, 6120) i;
UPDATE wide SET note = upper(note) WHERE id % 97 = 0;
DELETE FROM wide WHERE id % 89 = 0;
INSERT INTO small SELECT i, md5(i::text) FROM generate_series(40001, 40800) i;
UPDATE small SET v = 'changed' WHERE id BETWEEN 100 AND 140;
DELETE FROM small WHERE id BETWEEN 30000 AND 30100;
INSERT INTO dup VALUES (repeat('equal row ', 150));
ALTER TABLE gone ADD COLUMN extra int;
VACUUM;
SQL
"$RCR" dump -d src "${dump[@]}" --base "$T/b" -f "$T/c" 2>"$T/c.err"
cat "$T/c.err"
grep -q "nothing shared for 1 tables.*'public.gone'" "$T/c.err" || fail "the summary does not name the changed table"
"$RCR" verify -q "$T/c"
restore_same "$T/c" "a day later, incremental"
[ "$(psql_q -d src -c "SELECT count(*) FROM dup WHERE v = repeat('equal row ', 150)")" = 3 ] || fail "test setup: 3 equal rows"
new=$(meta "$T/c" base_new_bytes)
[ $((new * 4)) -le "$full" ] || fail "a day later: $new new bytes of $full (more than a quarter)"
pass "a day later: restore equals the source, verify passes, $new new bytes of $full"
# The base's two equal rows are both taken by two of the three: 30 + 2 rows shared, one new.
"$RCR" dump -d src "${dump[@]}" -t dup --base "$T/b" -f "$T/cd" 2>"$T/cd.err"
grep -q "base '$T/b': 32 rows shared in 1 row groups" "$T/cd.err" || { cat "$T/cd.err" >&2; fail "equal rows: not both of the base's shared"; }
rm -rf "$T/cd"

# One of the equal rows gone: the base's two are shared, one of them skipped.
psql_q -d src -c "DELETE FROM dup WHERE ctid = (SELECT min(ctid) FROM dup WHERE v = repeat('equal row ', 150))" >/dev/null
psql_q -d src -c "DELETE FROM dup WHERE ctid = (SELECT min(ctid) FROM dup WHERE v = repeat('equal row ', 150))" >/dev/null
"$RCR" dump -q -d src "${dump[@]}" --base "$T/c" -f "$T/d"
restore_same "$T/d" "one of three equal rows left"
pass "duplicated rows: three, then one, restored as many times as the source holds them"

# --- the bases deleted ----------------------------------------------------------------------
rm -rf "$T/a" "$T/b" "$T/c"
"$RCR" verify -q "$T/d"
restore_same "$T/d" "bases deleted"
"$RCR" convert -q "$T/d" -o "$T/d.pgdump"
createdb conv
pg_restore -d conv "$T/d.pgdump"
assert_same_db src conv "bases deleted, converted"
dropdb conv
rm -rf "$T/d.pgdump"
pass "every base deleted: verify, restore and convert of the newest still pass"

# --- compaction, and a failure after links were made ------------------------------------------
# Two thirds of the rows from id 3000 on go: the base files that hold them are under half live,
# so their rows are written anew; the files before are linked. Under a file size limit the
# compaction fails after the links were made: the dump removes them, and nothing else.
psql_q -d src -c "DELETE FROM wide WHERE id > 3000 AND id % 3 <> 0" >/dev/null
links_before=$(find "$T/d/data" -type f -links +1 | wc -l)
set +e
(trap '' XFSZ; ulimit -f 200; exec "$RCR" dump -q -d src "${dump[@]}" --base "$T/d" -f "$T/k") 2>"$T/k.err"
st=$?
set -e
cat "$T/k.err"
[ "$st" = 3 ] || fail "a dump that could not write its compaction exited $st, not 3"
grep -q "File too large" "$T/k.err" || fail "the failure is not the file size limit's"
[ ! -e "$T/k" ] || fail "a failed incremental dump left '$T/k'"
[ "$(find "$T/d/data" -type f -links +1 | wc -l)" = "$links_before" ] || fail "the failed dump left links to the base's files"
"$RCR" verify -q "$T/d"
"$RCR" dump -d src "${dump[@]}" --base "$T/d" -f "$T/k" 2>"$T/k.err"
cat "$T/k.err"
grep -q "rows rewritten from mostly dead base files" "$T/k.err" || fail "nothing compacted"
[ "$(meta "$T/k" base_linked_files)" -gt 0 ] || fail "nothing linked beside the compaction"
"$RCR" verify -q "$T/k"
rm -rf "$T/d"
restore_same "$T/k" "compacted"
mv "$T/k" "$T/d"
pass "mostly dead base files compacted, the rest linked; a failure after linking removes the links only"

# --- a corrupt base -----------------------------------------------------------------------
"$RCR" dump -q -d src "${dump[@]}" -f "$T/e"
f=$(find "$T/e/data" -name '*.rcd' -size +100k | sort | head -1)
[ -n "$f" ] || fail "test setup: no data file over 100 kB"
printf '\377' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
expect_exit 2 "$RCR" dump -q -d src "${dump[@]}" --base "$T/e" -f "$T/f"
cat "$T/err" >&2
[ "$(wc -l <"$T/err")" = 1 ] || fail "a corrupt base is reported in more than one line"
grep -q "base archive '$T/e'.*frame at '$f' offset" "$T/err" || fail "the refusal names neither the base nor the frame"
[ ! -e "$T/f" ] || fail "a dump refused for its corrupt base left '$T/f'"
rm -f "$T/e/manifest.rcr"
expect_exit 2 "$RCR" dump -q -d src --base "$T/e" -f "$T/f"
grep -q "base archive '$T/e'" "$T/err" || fail "a base without a manifest is not named"
[ ! -e "$T/f" ] || fail "a dump refused for a base without manifest left '$T/f'"
pass "a corrupt base is refused in one line naming its file and frame, and nothing is written"

# The new archive inside its base, or the base itself: refused, the base untouched.
expect_exit 1 "$RCR" dump -q -d src --base "$T/d" -f "$T/d/inner"
grep -q "is inside the archive '$T/d'" "$T/err" || fail "an output inside the base is not refused as such"
expect_exit 1 "$RCR" dump -q -d src --base "$T/d" -f "$T/d"
[ ! -e "$T/d/inner" ] || fail "a refused dump made a directory inside its base"

# --- a base from another database ----------------------------------------------------------
createdb other
pg_dump src | psql_q -d other >/dev/null
"$RCR" dump -d other "${dump[@]}" --base "$T/d" -f "$T/g" 2>"$T/g.err"
grep -q "nothing is shared with base archive '$T/d': it is a dump of another database" "$T/g.err" ||
	fail "a base of another database is not said so"
[ "$(meta "$T/g" base_shared_row_groups)" = 0 ] || fail "rows shared with another database's dump"
[ "$(find "$T/g/data" -type f -links +1 | wc -l)" = 0 ] || fail "files linked from another database's dump"
"$RCR" verify -q "$T/g"
pass "a base of another database: nothing shared, said so"

# --- a base on another file system -------------------------------------------------------
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
	SHM=$(mktemp -d /dev/shm/rcr-itest.XXXXXX)
	trap 'rm -rf "$SHM"; itest_cleanup' EXIT
	"$RCR" dump -q -d src "${dump[@]}" --base "$T/d" -f "$SHM/h"
	[ "$(meta "$SHM/h" base_linked_files)" = 0 ] || fail "files linked across file systems"
	copied=$(meta "$SHM/h" base_copied_bytes)
	[ "$copied" -gt 0 ] || fail "nothing copied from a base on another file system"
	[ "$(find "$SHM/h/data" -type f -links +1 | wc -l)" = 0 ] || fail "a copied file is a link"
	rm -rf "$T/d"
	"$RCR" verify -q "$SHM/h"
	restore_same "$SHM/h" "base on another file system"
	pass "a base on another file system: $copied bytes copied, verify and restore pass without it"
else
	skip "base on another file system (/dev/shm is missing or on the same file system)"
fi
