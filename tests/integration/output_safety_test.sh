#!/usr/bin/env bash
# rcr never destroys a user's files (issue 11, defects 1, 2, 9c, 10d, 10f, 10g): a convert or
# dump that fails removes only what it created. Every refusal is checked against a snapshot of
# the directories involved (names, types, sizes, sha256), so "touched nothing" means byte for
# byte. Covered: convert -o an existing non-empty parent of the archive, a mistyped archive, a
# column type convert cannot print, -o equal to / inside the archive, -o a symbolic link (also
# with a trailing slash); two dumps to one -f made to overlap deterministically (the first waits
# for a table lock held from psql while the second starts): the second exits 1 having touched
# nothing, the first's archive verifies; dump -f a link; a manifest that is a link; a rerun into a
# killed dump's leftovers refused without --force and accepted with it, and --force refusing a
# complete archive, unknown files, a dump still running and leftovers behind a link (also
# written with a trailing slash); links planted in a shared -f while the dump runs are not
# written through; -j 0 refused by verify and convert.
. "$(dirname "$0")/lib.sh"
start_cluster

createdb src
psql_q -d src -c "CREATE TABLE t (id int PRIMARY KEY, body text)" \
	-c "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 2000) g"
createdb cash
psql_q -d cash -c "CREATE TABLE c (id int, price money)" -c "INSERT INTO c VALUES (1, 19.99)"

# Names, types, sizes and contents of everything under a directory (a link is recorded, not
# followed).
snap() { # dir
	(cd "$1" && find . -printf '%p %y %s %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
assert_same() { # dir saved-snapshot label
	snap "$1" >"$T/now.snap"
	cmp -s "$2" "$T/now.snap" || { diff "$2" "$T/now.snap" | head >&2 || true; fail "$3: '$1' changed"; }
}
# A user's directory of files that must survive: text, binary, a subdirectory.
head -c 5000 /dev/urandom >"$T/photo.bin"
user_files() { # dir
	mkdir -p "$1/sub"
	echo "my notes" >"$1/notes.txt"
	cp "$T/photo.bin" "$1/sub/photo.bin"
}
err_has() { # text label
	grep -qF -- "$1" "$T/err" || { cat "$T/err" >&2; fail "$2: stderr lacks '$1'"; }
}

# Each case gets fresh copies, so that a case that fails (on code without these fixes, where
# they deleted files) does not change what the next one sees.
P="$T/pristine"
"$RCR" dump -q -d src -f "$P"
B="$T/backups"
mkdir "$B"
cp -a "$P" "$B/app"
user_files "$B"
snap "$B" >"$T/b.snap"

# --- convert ---------------------------------------------------------------------------------
expect_exit 1 "$RCR" convert "$B/app" -o "$B"
err_has "contains the archive" "convert -o parent"
assert_same "$B" "$T/b.snap" "convert -o the archive's parent"
"$RCR" verify -q >/dev/null "$B/app" || fail "archive damaged by convert -o parent"
B="$T/backups2"
mkdir "$B"
cp -a "$P" "$B/app"
pass "convert -o the archive's non-empty parent: refused, nothing touched"

# A mistyped archive, with -o a non-empty directory: the hint names -o, not -f (10g).
U="$T/user"
user_files "$U"
snap "$U" >"$T/u.snap"
expect_exit 2 "$RCR" convert "$B/ap" -o "$U"
err_has "archive '$B/ap' does not exist" "convert of a mistyped archive into a non-empty -o"
assert_same "$U" "$T/u.snap" "convert of a mistyped archive"
# The typo of the issue: the archive's own parent as -o; the missing archive is what is said.
expect_exit 2 "$RCR" convert "$B/ap" -o "$B"
err_has "archive '$B/ap' does not exist" "convert of a mistyped archive into its parent"
rm -rf "$U" && user_files "$U"
expect_exit 2 "$RCR" convert "$B/ap" -o "$T/typo-out"
err_has "does not exist" "convert of a mistyped archive"
[ ! -e "$T/typo-out" ] || fail "convert of a mistyped archive created -o"
expect_exit 1 "$RCR" convert "$B/app" -o "$U"
err_has "HINT: choose a new or empty directory with -o" "convert into a non-empty -o"
grep -q -- "-f" "$T/err" && fail "convert's messages name -f: $(cat "$T/err")"
assert_same "$U" "$T/u.snap" "convert into a non-empty -o"
rm -rf "$U" && user_files "$U"
pass "convert of a mistyped archive or into a non-empty -o: refused, files byte-identical, HINT names -o"

"$RCR" dump -q -d cash -f "$T/cash"
# money prints only where the dump saw lc_monetary C: an archive that records another locale
"$RCR_FORGE" "$T/cash" meta:lc_monetary de_DE.UTF-8
expect_exit 1 "$RCR" convert "$T/cash" -o "$U"
assert_same "$U" "$T/u.snap" "convert of a money column into a non-empty -o"
rm -rf "$U" && user_files "$U"
mkdir "$T/empty"
expect_exit 1 "$RCR" convert "$T/cash" -o "$T/empty"
err_has "cannot convert column 'price'" "money column"
[ -d "$T/empty" ] && [ -z "$(ls -A "$T/empty")" ] || fail "money column: the empty -o did not stay as it was"
expect_exit 1 "$RCR" convert "$T/cash" -o "$T/new"
[ ! -e "$T/new" ] || fail "money column: -o was created"
pass "convert of an unconvertible column: refused before anything is created"

cp -a "$P" "$T/app2"
snap "$T/app2" >"$T/a2.snap"
expect_exit 1 "$RCR" convert "$T/app2" -o "$T/app2"
err_has "is the archive" "convert -o the archive"
cp -a "$P" "$T/app2-b"
expect_exit 1 "$RCR" convert "$T/app2-b" -o "$T/app2-b/"
assert_same "$T/app2-b" "$T/a2.snap" "convert -o the archive/"
cp -a "$P" "$T/app2-c"
expect_exit 1 "$RCR" convert "$T/app2-c" -o "$T/app2-c/pgdump"
err_has "is inside the archive" "convert -o inside the archive"
assert_same "$T/app2-c" "$T/a2.snap" "convert -o inside the archive"
cp -a "$P" "$T/app2-d"
ln -s app2-d "$T/app2-link"
expect_exit 1 "$RCR" convert "$T/app2-d" -o "$T/app2-link"
assert_same "$T/app2-d" "$T/a2.snap" "convert -o a link to the archive"
assert_same "$T/app2" "$T/a2.snap" "convert -o the archive"
"$RCR" verify -q >/dev/null "$T/app2" || fail "archive damaged by convert -o itself"
pass "convert -o the archive itself, inside it, or a link to it: refused, archive intact"

rm -rf "$U" && user_files "$U"
ln -s user "$T/out-link"
expect_exit 1 "$RCR" convert "$B/app" -o "$T/out-link"
err_has "is a symbolic link" "convert -o a link"
mkdir "$T/empty-target"
ln -s empty-target "$T/empty-link"
expect_exit 1 "$RCR" convert "$B/app" -o "$T/empty-link/"
err_has "is a symbolic link" "convert -o a link/"
[ -z "$(ls -A "$T/empty-target")" ] || fail "convert wrote through a link"
assert_same "$U" "$T/u.snap" "convert -o a link to the user's directory"
[ -L "$T/out-link" ] || fail "the link is gone"
pass "convert -o a symbolic link (to a full or an empty directory, with or without /): refused"

# A failure after the output was claimed (a damaged data file) removes what convert wrote,
# and only that: an -o that existed empty stays, empty.
cp -a "$P" "$T/bad"
f=$(ls "$T/bad"/data/*.rcd | head -1)
printf 'XXXXXXXX' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
mkdir "$T/conv-out"
expect_exit 2 "$RCR" convert -q "$T/bad" -o "$T/conv-out"
[ -d "$T/conv-out" ] && [ -z "$(ls -A "$T/conv-out")" ] || fail "failed convert left $(ls -A "$T/conv-out")"
expect_exit 2 "$RCR" convert -q "$T/bad" -o "$T/conv-new"
[ ! -e "$T/conv-new" ] || fail "failed convert left the directory it made"
"$RCR" convert -q "$P" -o "$T/conv-out"
[ -f "$T/conv-out/toc.dat" ] && [ ! -e "$T/conv-out/.rcr-convert-in-progress" ] || fail "convert output incomplete"
# What a killed convert leaves (its marker) is named as such.
mkdir "$T/conv-killed"
: >"$T/conv-killed/.rcr-convert-in-progress"
expect_exit 1 "$RCR" convert -q "$P" -o "$T/conv-killed"
err_has "holds what an rcr convert left" "a killed convert's output"
# A link to that directory is refused as a link, not explained as leftovers; a convert that
# still runs (its marker locked, as a running convert keeps it) is named as running.
ln -s "$T/conv-killed" "$T/conv-killed-link"
for o in "$T/conv-killed-link" "$T/conv-killed-link/"; do
	expect_exit 1 "$RCR" convert -q "$P" -o "$o"
	err_has "is a symbolic link" "convert -o '$o', a link to a killed convert's output"
done
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
print(flush=True)
time.sleep(600)' "$T/conv-killed/.rcr-convert-in-progress" >"$T/locker.out" &
locker=$!
for _ in $(seq 1 600); do [ -s "$T/locker.out" ] && break; sleep 0.1; done
[ -s "$T/locker.out" ] || fail "the marker was not locked"
expect_exit 1 "$RCR" convert -q "$P" -o "$T/conv-killed"
err_has "is being written by another rcr convert" "a running convert's output"
kill "$locker"
wait "$locker" || true
pass "a convert failing after it started removes exactly what it wrote; a killed one's output is named as such, a running one's as running, a link as a link"

# --- verify / convert -j ----------------------------------------------------------------------
expect_exit 1 "$RCR" verify -j 0 "$B/app"
err_has "-j/--jobs must be between 1 and 64" "verify -j 0"
expect_exit 1 "$RCR" verify --json -j 65 "$B/app"
err_has "-j/--jobs must be between 1 and 64" "verify --json -j 65"
expect_exit 1 "$RCR" convert -j 0 "$B/app" -o "$T/j0"
err_has "-j/--jobs must be between 1 and 64" "convert -j 0"
[ ! -e "$T/j0" ] || fail "convert -j 0 created its output"
pass "verify and convert refuse -j outside 1-64 as dump and restore do"

# --- links --------------------------------------------------------------------------------------
mkdir "$T/dtarget"
ln -s dtarget "$T/dlink"
expect_exit 1 "$RCR" dump -q -d src -f "$T/dlink"
err_has "'$T/dlink' is a symbolic link" "dump -f a link"
[ -z "$(ls -A "$T/dtarget")" ] || fail "dump wrote through a link"
cp -a "$P" "$T/mlink"
mv "$T/mlink/manifest.rcr" "$T/mlink/real.rcr"
ln -s real.rcr "$T/mlink/manifest.rcr"
expect_exit 2 "$RCR" verify "$T/mlink"
grep -qF "manifest.rcr' is a symbolic link; archives never contain links" "$T/out" "$T/err" ||
	fail "manifest link: $(cat "$T/out" "$T/err")"
grep -q "Too many levels" "$T/err" "$T/out" && fail "manifest link: $(cat "$T/err")"
pass "dump -f a link and a manifest that is a link: refused as links"

# --- concurrent dumps -----------------------------------------------------------------------------
# A session holds ACCESS EXCLUSIVE on t, so the first dump, having claimed its -f, waits for its
# table lock; the second starts only then, certain to come second.
hold_lock() {
	PGAPPNAME=holder psql -X -q -d src -c "BEGIN" -c "LOCK TABLE t IN ACCESS EXCLUSIVE MODE" \
		-c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
	holder=$!
	wait_for "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE a.application_name = 'holder' AND l.mode = 'AccessExclusiveLock' AND l.granted"
}
release_lock() {
	psql_q -d src -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
	wait "$holder" || true
}
wait_for() { # query that returns a non-zero count once the state is reached
	for _ in $(seq 1 600); do
		[ "$(psql_q -d src -c "$1")" != 0 ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for: $1"
}
waiting_dumps() {
	echo "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 't'::regclass"
}

D="$T/same"
hold_lock
"$RCR" dump -q -d src -f "$D" 2>"$T/first.err" &
first=$!
wait_for "$(waiting_dumps)"
[ -f "$D/.rcr-dump-in-progress" ] || fail "the waiting dump holds no marker"
snap "$D" >"$T/d.snap"
# The second: it must exit by itself, with the lock still held (the old code waited behind it).
set +e
timeout 60 "$RCR" dump -q -d src -f "$D" 2>"$T/second.err"
second_rc=$?
timeout 60 "$RCR" dump -q --force -d src -f "$D" 2>"$T/third.err"
third_rc=$?
set -e
assert_same "$D" "$T/d.snap" "the second dump"
release_lock
wait "$first" || { cat "$T/first.err" >&2; fail "the first dump failed"; }
[ "$second_rc" = 1 ] || { cat "$T/second.err" >&2; fail "the second dump exited $second_rc, not 1"; }
[ "$(wc -l <"$T/second.err")" -le 2 ] && grep -qF "directory '$D' is being written by another rcr dump" "$T/second.err" ||
	fail "the second dump's message: $(cat "$T/second.err")"
[ "$third_rc" = 1 ] && grep -qF "being written by another rcr dump" "$T/third.err" ||
	fail "--force during a running dump: exit $third_rc: $(cat "$T/third.err")"
"$RCR" verify -q >/dev/null "$D" || fail "the first dump's archive does not verify"
[ ! -e "$D/.rcr-dump-in-progress" ] || fail "the complete archive kept its marker"
pass "two dumps to one -f: the second (and a --force one) exit 1 touching nothing, the first's archive verifies"

# An existing empty -f that others can write to: what they plant in it while the dump waits
# (a link as schema/, where pg_dump would write the whole schema; a link as the manifest's
# temporary name, which the write would truncate) is refused, never written through.
for plant in schema manifest.rcr.tmp; do
	S="$T/shared-$plant"
	mkdir -m 0777 "$S" "$T/spy-$plant"
	echo "precious" >"$T/spy-$plant/victim"
	hold_lock
	"$RCR" dump -q -d src -f "$S" 2>"$T/err" &
	planted=$!
	wait_for "$(waiting_dumps)"
	if [ "$plant" = schema ]; then
		ln -s "$T/spy-$plant/empty" "$S/schema"
		mkdir "$T/spy-$plant/empty"
	else
		ln -s "$T/spy-$plant/victim" "$S/$plant"
	fi
	release_lock
	set +e
	wait "$planted"
	rc=$?
	set -e
	[ "$rc" = 3 ] || { cat "$T/err" >&2; fail "a link planted as $plant: exit $rc, expected 3"; }
	err_has "$S/$plant" "a link planted as $plant"
	[ "$(cat "$T/spy-$plant/victim")" = precious ] || fail "the dump wrote through a link planted as $plant"
	[ -z "$(ls -A "$T/spy-$plant/empty" 2>/dev/null)" ] || fail "pg_dump wrote through a link planted as $plant"
	[ "$(ls -A "$S")" = "$plant" ] || fail "a link planted as $plant: the dump left $(ls -A "$S")"
done
pass "links planted in a shared empty -f while the dump waits (schema/, the manifest's temporary): refused, nothing written through them"

# --- leftovers and --force --------------------------------------------------------------------------
# A dump killed while it waits: its claimed directory, marker and all, stays behind. Files of the
# kinds a dump writes are added, as a kill later on would leave them.
L="$T/left"
hold_lock
"$RCR" dump -q -d src -f "$L" 2>/dev/null &
killed=$!
wait_for "$(waiting_dumps)"
kill -KILL "$killed"
wait "$killed" || true
release_lock
[ -f "$L/.rcr-dump-in-progress" ] || fail "a killed dump left no marker"
mkdir "$L/data" "$L/schema"
echo x >"$L/data/16384.rcd"
echo x >"$L/data/16385.2.rcd"
echo x >"$L/data/16386-0badcafe.0.3.rcd"
echo x >"$L/schema/toc.dat"
echo x >"$L/schema/3456.dat.gz"
echo x >"$L/manifest.rcr.tmp"
snap "$L" >"$T/l.snap"
expect_exit 1 "$RCR" dump -q -d src -f "$L"
err_has "holds the leftovers of an rcr dump that did not finish" "rerun without --force"
err_has "--force" "rerun without --force: HINT"
assert_same "$L" "$T/l.snap" "rerun without --force"

# Unknown files among the leftovers: --force removes nothing at all.
for extra in notes.txt data/readme schema/mine.sql; do
	echo mine >"$L/$extra"
	snap "$L" >"$T/l2.snap"
	expect_exit 1 "$RCR" dump -q --force -d src -f "$L"
	err_has "removed nothing" "--force with $extra"
	assert_same "$L" "$T/l2.snap" "--force with $extra"
	rm "$L/$extra"
done
"$RCR" dump -d src --force -f "$L" 2>"$T/err"
err_has "removed the incomplete dump left in" "--force"
"$RCR" verify -q >/dev/null "$L" || fail "the forced rerun's archive does not verify"
pass "a killed dump's leftovers: refused without --force, replaced with it; an unknown file stops --force"

# --force through a symbolic link to leftovers (with a trailing slash, which makes lstat follow
# it): the link is refused before anything is removed, and named as a link.
K="$T/left2"
mkdir -p "$K/data" "$K/schema"
: >"$K/.rcr-dump-in-progress"
echo x >"$K/data/16384.rcd"
echo x >"$K/schema/toc.dat"
ln -s "$K" "$T/left2link"
snap "$K" >"$T/k.snap"
for f in "$T/left2link" "$T/left2link/" "$T/left2link//"; do
	expect_exit 1 "$RCR" dump -q --force -d src -f "$f"
	err_has "is a symbolic link" "--force -f '$f'"
	assert_same "$K" "$T/k.snap" "--force -f '$f'"
done
pass "--force through a link to a dump's leftovers (also written with a trailing slash): refused, nothing removed"

# --force never touches a complete archive, nor a directory without a dump's marker.
B="$T/backups3"
mkdir "$B"
cp -a "$P" "$B/app"
user_files "$B"
snap "$B" >"$T/b.snap"
snap "$B/app" >"$T/app.snap"
expect_exit 1 "$RCR" dump -q --force -d src -f "$B/app"
err_has "holds a complete rcr archive" "--force on an archive"
assert_same "$B/app" "$T/app.snap" "--force on a complete archive"
expect_exit 1 "$RCR" dump -q --force -d src -f "$B"
assert_same "$B" "$T/b.snap" "--force on a user's directory"
expect_exit 1 "$RCR" dump -q -d src -f "$B/app"
err_has "already holds an rcr archive" "dump onto an archive"
pass "--force refuses a complete archive and a directory that is not a dump's"

# A dump that fails (no such database) removes what it created: the marker, and the directory
# if it made it; an existing empty -f stays, empty.
mkdir "$T/fail-empty"
expect_exit 4 "$RCR" dump -q -d no_such_db -f "$T/fail-empty"
[ -d "$T/fail-empty" ] && [ -z "$(ls -A "$T/fail-empty")" ] || fail "failed dump left $(ls -A "$T/fail-empty")"
expect_exit 4 "$RCR" dump -q -d no_such_db -f "$T/fail-new"
[ ! -e "$T/fail-new" ] || fail "failed dump left the directory it made"
pass "a failed dump removes exactly what it created"
