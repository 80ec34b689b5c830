#!/usr/bin/env bash
# Damage and failure: a flipped byte, a truncated file and a missing file are each caught by
# verify (naming the file) and refused by restore (no rows of the damaged table land); a dump
# whose connections are terminated mid-way exits non-zero and leaves no manifest; a missing
# manifest is "not an archive"; a wrong password is one clear line.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src -c "CREATE EXTENSION rcr_testvec" \
	-c "CREATE TABLE big (id int, body text, emb vector(64))" \
	-c "INSERT INTO big SELECT g, repeat(md5(g::text), 8), ('[' || array_to_string(array_fill(g::float4 / 7, ARRAY[64]), ',') || ']')::vector FROM generate_series(1, 20000) g" \
	-c "CREATE TABLE small (id int PRIMARY KEY, v text)" \
	-c "INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 100) g"

A="$T/good"
"$RCR" dump -q -d src -f "$A" --row-group-size 65536
"$RCR" verify -q "$A" >/dev/null || fail "fresh archive rejected"
bigfile=$(cd "$A" && ls -S data/*.rcd | head -1)

damage_case() { # label, mutation command (run inside the copy)
	local label=$1
	shift
	local c="$T/$label"
	cp -a "$A" "$c"
	(cd "$c" && eval "$*")
	expect_exit 2 "$RCR" verify "$c"
	grep -q "problem:" "$T/out" || fail "$label: verify printed no problem line"
	grep -Eq "$bigfile|manifest|schema" "$T/out" || { cat "$T/out" >&2; fail "$label: verify did not name the file"; }
	local db="r_$label"
	createdb "$db"
	set +e
	"$RCR" restore -q -d "$db" "$c" 2>"$T/rerr"
	local rc=$?
	set -e
	[ $rc -ne 0 ] || fail "$label: restore of a damaged archive reported success"
	grep -q "error:" "$T/rerr" || fail "$label: restore gave no error line"
	local n
	n=$(psql_q -d "$db" -c "SELECT count(*) FROM big" 2>/dev/null || echo 0)
	[ "$n" = 0 ] || fail "$label: restore loaded $n rows of the damaged table"
	pass "$label caught by verify and refused by restore"
}

size=$(stat -c %s "$A/$bigfile")
damage_case flip_data "printf '\\xff' | dd of=$bigfile bs=1 seek=$((size / 2)) conv=notrunc status=none"
damage_case flip_data_header "printf '\\x7f' | dd of=$bigfile bs=1 seek=9 conv=notrunc status=none"
damage_case truncate_data "truncate -s $((size - 100)) $bigfile"
damage_case missing_data "rm $bigfile"
damage_case flip_manifest "printf '\\x5a' | dd of=manifest.rcr bs=1 seek=40 conv=notrunc status=none"
damage_case truncate_schema "truncate -s 100 schema/toc.dat"

# A directory without a manifest is not an archive (what an interrupted dump leaves).
c="$T/nomanifest"
cp -a "$A" "$c"
rm "$c/manifest.rcr"
touch "$c/.rcr-dump-in-progress"
expect_exit 2 "$RCR" verify "$c"
grep -q "not a complete rcr archive" "$T/out" || fail "verify without manifest: $(cat "$T/out")"
expect_exit 2 "$RCR" list "$c"
grep -q "HINT:" "$T/err" || fail "list without manifest gives no hint"
pass "missing manifest is not an archive"

# Terminate the dump's backends mid-COPY: non-zero exit, no manifest, nothing left behind.
psql_q -d src -c "INSERT INTO big SELECT * FROM big; INSERT INTO big SELECT * FROM big; INSERT INTO big SELECT * FROM big"
(
	for _ in $(seq 1 200); do
		n=$(psql_q -d postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'rcr dump' AND query ~ '(^|; )COPY '")
		[ "$n" != 0 ] && exit 0
		sleep 0.05
	done
) &
killer=$!
set +e
"$RCR" dump -q -d src -f "$T/killed" -Z 19 -j 1 2>"$T/kerr"
rc=$?
set -e
wait $killer || true
[ $rc -ne 0 ] || fail "dump with terminated backend exited 0"
grep -q "error:" "$T/kerr" || fail "dump with terminated backend: no error line"
[ ! -e "$T/killed/manifest.rcr" ] || fail "terminated dump left a manifest"
[ ! -e "$T/killed" ] || [ -z "$(ls -A "$T/killed")" ] || fail "terminated dump left files: $(ls -A "$T/killed")"
pass "terminated dump: exit $rc, $(head -1 "$T/kerr" | cut -c1-100)"

# SIGTERM mid-dump: same guarantees.
"$RCR" dump -q -d src -f "$T/sigterm" -Z 19 -j 2 2>"$T/serr" &
pid=$!
for _ in $(seq 1 100); do
	[ -d "$T/sigterm/data" ] && break
	sleep 0.05
done
sleep 0.2
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -ne 0 ] || fail "dump after SIGTERM exited 0"
[ ! -e "$T/sigterm" ] || fail "SIGTERM left $T/sigterm behind"
grep -q "interrupted" "$T/serr" || fail "SIGTERM: message does not say interrupted: $(cat "$T/serr")"
left=$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'rcr%' OR application_name = 'pg_dump'")
[ "$left" = 0 ] || { sleep 1; left=$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'rcr%'"); }
[ "$left" = 0 ] || fail "SIGTERM left $left server sessions"
pass "SIGTERM: exit $rc, nothing left behind"

# Wrong password over TCP: one clear line and a hint, exit 4.
expect_exit 4 env PGPASSWORD=wrong "$RCR" dump -d "host=$RCR_TEST_TCP_HOST port=$PGPORT user=$RCR_TEST_PW_USER dbname=src" -f "$T/pw"
grep -q "password authentication failed" "$T/err" || fail "wrong password: $(cat "$T/err")"
grep -q "^HINT:" "$T/err" || fail "wrong password: no hint"
[ ! -e "$T/pw" ] || [ -z "$(ls -A "$T/pw")" ] || fail "wrong password left files"
# ...and the right one works, without the password on pg_dump's command line.
PGPASSWORD=$RCR_TEST_PW_PASSWORD "$RCR" dump -q -d "postgresql://$RCR_TEST_PW_USER@$RCR_TEST_TCP_HOST:$PGPORT/src" -f "$T/pw2" -t small
[ -f "$T/pw2/manifest.rcr" ] || fail "password dump produced no archive"
pass "wrong password rejected clearly; right password works"

# Refuses a non-empty output directory.
mkdir "$T/full" && touch "$T/full/x"
expect_exit 1 "$RCR" dump -d src -f "$T/full"
grep -q "not empty" "$T/err" || fail "non-empty -f: $(cat "$T/err")"
pass "non-empty output directory refused"

# A full output file system: a clear "no space" error (exit 3), and no archive left behind.
mkdir -p "$T/tiny"
if mount -t tmpfs -o size=1m tmpfs "$T/tiny" 2>/dev/null; then
	set +e
	"$RCR" dump -q -d src -f "$T/tiny/arch" -Z 0 2>"$T/ferr"
	rc=$?
	set -e
	ls -A "$T/tiny" >"$T/tiny.ls"
	umount "$T/tiny"
	[ $rc = 3 ] || { cat "$T/ferr" >&2; fail "full disk: exit $rc, expected 3"; }
	grep -q "No space left on device" "$T/ferr" || fail "full disk: $(cat "$T/ferr")"
	[ ! -s "$T/tiny.ls" ] || fail "full disk left $(cat "$T/tiny.ls")"
	pass "full disk: exit 3, '$(head -1 "$T/ferr" | cut -c1-90)'"
else
	echo "skip - full disk: cannot mount a tmpfs here (needs root)"
fi
