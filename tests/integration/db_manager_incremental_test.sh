#!/usr/bin/env bash
# tools/db-manager.sh's incremental backups and retention against a real server (issue 15,
# item 3): a second backup takes the first as its base and shares its unchanged rows through
# hard links; list shows own and shared bytes and the base; retention deletes the first and the
# second still verifies and restores identical (tables compared ordered by key); a damaged base
# is never taken (its verification note is voided by the change, or rcr dump refuses it when
# the change hid from the note); retention never deletes a directory db-manager did not write,
# nor the newest backup that verifies, nor anything while a backup runs.
. "$(dirname "$0")/lib.sh"
start_cluster
. "$(dirname "$0")/db_manager_lib.sh"

createdb remote_db
psql_q -d remote_db -c "$SCHEMA_SQL"
add_rows remote_db 1 1500
psql_q -d remote_db -c "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('0000_init', 1700000000000)"
createdb local_db
psql_q -d local_db -c "CREATE EXTENSION $VEC_EXT"

BK="$T/backups"
cat >"$T/app.env" <<EOF
DATABASE_URL_REMOTE=host=$PGHOST port=$PGPORT dbname=remote_db user=$PGUSER application_name=dbm
DATABASE_URL_LOCAL=host=$PGHOST port=$PGPORT dbname=local_db user=$PGUSER
DATABASE_NAME=app
BACKUP_DIR=$BK
EOF
dbm() { "$DBM" --env-file "$T/app.env" "$@"; }

# Every table of schemas public and drizzle, each ordered by its key, as one checksum per table:
# an incremental archive restores the same rows in another physical order.
db_sum() { # db
	local t
	for t in public.records public.feed_entries drizzle.__drizzle_migrations; do
		printf '%s %s\n' "$t" "$(psql_q -d "$1" -c "COPY (SELECT * FROM $t ORDER BY id) TO STDOUT" | sha256sum | cut -d' ' -f1)"
	done
}
created() { sed -n 's/^Backup created at: //p' "$1"; }
# A new backup name needs a new second.
next_second() { local s; s=$(date +%s); while [ "$(date +%s)" = "$s" ]; do sleep 0.05; done; }
meta() { # archive key
	"$RCR" list --json "$1" | grep -o "\"$2\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4
}
flip_byte() { # file offset: inverts one byte in place
	local b
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf '%b' "\\x$(printf %02x $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
biggest_data() { (cd "$1" && ls -S data/*.rcd | head -n 1); }

help=$("$RCR" dump --help 2>&1 || true)
HAS_BASE=false
[[ $help == *--base* ]] && HAS_BASE=true

# --- the first backup: full, ours, verified ----------------------------------------------------
dbm -j 2 backup remote >"$T/b1.out" 2>&1 || { cat "$T/b1.out" >&2; fail "first backup"; }
B1=$(created "$T/b1.out")
[ -n "$B1" ] || fail "first backup: $(cat "$T/b1.out")"
grep -q '^Creating backup from remote database' "$T/b1.out" || fail "first backup is not a full one: $(cat "$T/b1.out")"
[ "$(cat "$B1/.db-manager-backup")" = "$(printf 'source=remote\nkind=full\nbase=\ncreated=%s' "${B1##*/app-}")" ] ||
	fail "first backup's record: $(cat "$B1/.db-manager-backup")"
dbm list >"$T/l1.out"
grep -q "^${B1##*/} .* full  remote .* verified " "$T/l1.out" || fail "list of the first backup: $(cat "$T/l1.out")"
pass "first backup: full, recorded as db-manager's (source remote, kind full), verified"

if $HAS_BASE; then
	# --- the second backup: incremental on the first ----------------------------------------
	psql_q -d remote_db -c "UPDATE public.records SET title = 'changed ' || id WHERE id % 100 = 0" \
		-c "DELETE FROM public.feed_entries WHERE id % 150 = 0" \
		-c "INSERT INTO drizzle.__drizzle_migrations (hash) VALUES ('0001_more')"
	add_rows remote_db 1501 1530
	psql_q -d remote_db -c "VACUUM"
	next_second
	dbm -j 2 backup remote >"$T/b2.out" 2>&1 || { cat "$T/b2.out" >&2; fail "second backup"; }
	B2=$(created "$T/b2.out")
	grep -q "^Creating incremental backup from remote database on ${B1##*/} " "$T/b2.out" ||
		fail "the second backup did not take the first as its base: $(cat "$T/b2.out")"
	grep -q "^base=${B1##*/}$" "$B2/.db-manager-backup" || fail "second backup's record: $(cat "$B2/.db-manager-backup")"
	[ "$(meta "$B2" base_archive_id)" = "$(meta "$B1" archive_id)" ] || fail "the second archive does not name the first as its base"
	# Shared: data files of the second that are the first's inodes.
	shared=$(comm -12 <(find "$B1/data" -type f -printf '%i\n' | sort) <(find "$B2/data" -type f -printf '%i\n' | sort) | wc -l)
	[ "$shared" -ge 1 ] || fail "the second backup shares no data file with the first"
	read -r own2 shared2 < <(find "$B2" -type f -printf '%n %s\n' | awk '{ if ($1 > 1) s += $2; else o += $2 } END { print o + 0, s + 0 }')
	[ "$shared2" -gt "$own2" ] || fail "the second backup holds more bytes of its own ($own2) than shared ($shared2)"
	dbm list >"$T/l2.out"
	line=$(grep "^${B2##*/} " "$T/l2.out") || fail "list lacks the second backup: $(cat "$T/l2.out")"
	read -r _ kind src own sh base _ <<<"$line"
	[ "$kind $src $base" = "full remote ${B1##*/}" ] || fail "list line of the second backup: $line"
	[ "$own" = "$(numfmt --to=iec "$own2")" ] && [ "$sh" = "$(numfmt --to=iec "$shared2")" ] ||
		fail "list: own/shared '$own'/'$sh', expected $own2/$shared2 bytes: $line"
	pass "second backup: incremental on the first ($shared data files shared; own $own, shared $sh, base shown by list)"

	# --- retention deletes the first; the second still verifies and restores identical -------
	dbm prune --keep 1 >"$T/p1.out" 2>&1 || { cat "$T/p1.out" >&2; fail "prune --keep 1"; }
	grep -q "^Deleted ${B1##*/}$" "$T/p1.out" || fail "prune --keep 1 did not delete the first backup: $(cat "$T/p1.out")"
	[ ! -e "$B1" ] || fail "the first backup is still there"
	"$RCR" verify -q "$B2" >/dev/null || fail "the second backup does not verify once its base is deleted"
	dbm list >"$T/l3.out"
	grep -q "^${B2##*/} .*${B1##*/} (deleted)" "$T/l3.out" || fail "list does not show the deleted base: $(cat "$T/l3.out")"
	dbm -j 2 restore >"$T/r2.out" 2>&1 || { cat "$T/r2.out" >&2; fail "restore of the second backup"; }
	grep -q "^Restoring $B2 into" "$T/r2.out" || fail "restore did not take the second backup: $(cat "$T/r2.out")"
	db_sum remote_db >"$T/remote.sum"
	db_sum local_db >"$T/local.sum"
	diff "$T/remote.sum" "$T/local.sum" >&2 || fail "the second backup, its base deleted, restores other rows than the source's"
	pass "retention deleted the first backup; the second verifies and restores identical to the source (ordered by key)"

	# --- a damaged base is not taken ---------------------------------------------------------
	# Written through the file system: the note no longer matches, the verify runs again and
	# fails, and the backup is a full one.
	f=$(biggest_data "$B2")
	flip_byte "$B2/$f" $(($(stat -c %s "$B2/$f") / 2))
	next_second
	dbm backup remote >"$T/b3.out" 2>&1 || { cat "$T/b3.out" >&2; fail "backup past a damaged base"; }
	B3=$(created "$T/b3.out")
	grep -q "^Not taking ${B2##*/} as a base: rcr verify found" "$T/b3.out" || fail "a damaged base was not re-verified: $(cat "$T/b3.out")"
	grep -q '^Creating backup from remote database' "$T/b3.out" || fail "no full backup past the damaged base: $(cat "$T/b3.out")"
	grep -q '^base=$' "$B3/.db-manager-backup" || fail "backup past a damaged base has a base: $(cat "$B3/.db-manager-backup")"
	# Hidden from the note (the mtime put back, as a disk's bit rot would leave it): rcr dump
	# checks what it shares and refuses the base; its note goes, and no older one verifies.
	f=$(biggest_data "$B3")
	cp -p "$B3/$f" "$T/stamp"
	flip_byte "$B3/$f" $(($(stat -c %s "$B3/$f") / 2))
	touch -r "$T/stamp" "$B3/$f"
	next_second
	dbm backup remote >"$T/b4.out" 2>&1 || { cat "$T/b4.out" >&2; fail "backup on a base with hidden damage"; }
	B4=$(created "$T/b4.out")
	grep -q "^Creating incremental backup from remote database on ${B3##*/} " "$T/b4.out" || fail "the verified note was not used: $(cat "$T/b4.out")"
	grep -q "^rcr dump refused ${B3##*/} as a base; trying an older one" "$T/b4.out" || fail "a refused base: $(cat "$T/b4.out")"
	[ ! -e "$B3/.db-manager-verified" ] || fail "the refused base keeps its verification note"
	grep -q '^base=$' "$B4/.db-manager-backup" || fail "backup past a refused base has a base: $(cat "$B4/.db-manager-backup")"
	"$RCR" verify -q "$B4" >/dev/null || fail "the backup written past a refused base does not verify"
	pass "a damaged base is not taken: re-verified when its files changed, refused by rcr dump when the change hid from the note"
	# The damaged ones go by hand (they are no base of anything).
	rm -rf "$B2" "$B3"
	B1=$B4
else
	skip "incremental backups (this rcr has no dump --base)"
fi

# --- retention: what it keeps and what it never touches ----------------------------------------
# Older backups, dated by name: copies of the first (ours), a damaged one, a directory with a
# backup's name that db-manager did not write, and a symbolic link with a backup's name.
for d in 01 02 03 04; do cp -a "$B1" "$BK/app-2020-01-$d-00-00-00"; done
f=$(biggest_data "$B1")
flip_byte "$BK/app-2020-01-04-00-00-00/$f" 100
mkdir "$BK/app-2020-01-05-00-00-00"
echo mine >"$BK/app-2020-01-05-00-00-00/notes"
mkdir "$T/elsewhere"
cp -a "$B1" "$T/elsewhere/target"
ln -s "$T/elsewhere/target" "$BK/app-2020-01-06-00-00-00"
# A deletion cut short (the rename done, the removal not) is listed, then finished by prune.
mkdir -p "$BK/.app-2019-12-31-00-00-00.deleting/data"
echo x >"$BK/.app-2019-12-31-00-00-00.deleting/data/1.rcd"
dbm list >"$T/l4.out"
grep -q "^.app-2019-12-31-00-00-00.deleting .*a deletion that was cut short" "$T/l4.out" || fail "list: $(cat "$T/l4.out")"
# The newest backup that verifies is kept even beyond --keep: make the newest one damaged.
f=$(biggest_data "$B1")
flip_byte "$B1/$f" 100
dbm prune --keep 1 --keep-days 30 >"$T/p2.out" 2>&1 || { cat "$T/p2.out" >&2; fail "prune --keep 1 --keep-days 30"; }
[ -e "$B1" ] || fail "prune deleted the newest backup (kept by --keep 1)"
[ -e "$BK/app-2020-01-03-00-00-00" ] || fail "prune deleted the newest backup that verifies: $(cat "$T/p2.out")"
grep -q "^Not counting ${B1##*/} as verified: rcr verify found" "$T/p2.out" || fail "prune: $(cat "$T/p2.out")"
for d in 01 02 04; do
	[ ! -e "$BK/app-2020-01-$d-00-00-00" ] || fail "prune kept app-2020-01-$d-00-00-00: $(cat "$T/p2.out")"
	grep -q "^Deleted app-2020-01-$d-00-00-00$" "$T/p2.out" || fail "prune did not say it deleted app-2020-01-$d: $(cat "$T/p2.out")"
done
[ "$(cat "$BK/app-2020-01-05-00-00-00/notes")" = mine ] || fail "prune touched a directory db-manager did not write"
[ -L "$BK/app-2020-01-06-00-00-00" ] && [ -f "$T/elsewhere/target/manifest.rcr" ] || fail "prune touched a symbolic link or its target"
[ "$(grep -c '^Deleted' "$T/p2.out")" = 3 ] || fail "prune deleted more than three: $(cat "$T/p2.out")"
compgen -G "$BK/.app-*.deleting" >/dev/null && fail "prune left a directory being deleted: $(ls -A "$BK")"
grep -q "^Removed .app-2019-12-31-00-00-00.deleting (a deletion that was cut short)$" "$T/p2.out" || fail "prune: $(cat "$T/p2.out")"
pass "retention: keeps --keep newest, the newest that verifies, never a directory it did not write nor a link; finishes a cut-short deletion"

# --keep-days alone: the 2020 backup is older than 30 days, but the newest that verifies.
dbm prune --keep-days 30 >"$T/p3.out" 2>&1 || { cat "$T/p3.out" >&2; fail "prune --keep-days 30"; }
[ -e "$BK/app-2020-01-03-00-00-00" ] || fail "--keep-days deleted the only backup that verifies"
rm -rf "$B1"
dbm prune --keep-days 30 >"$T/p4.out" 2>&1 || { cat "$T/p4.out" >&2; fail "prune --keep-days 30 (2)"; }
[ -e "$BK/app-2020-01-03-00-00-00" ] || fail "--keep-days deleted the newest backup that verifies"

# --- nothing is deleted while a backup runs ----------------------------------------------------
next_second
dbm backup remote >"$T/b5.out" 2>&1 || { cat "$T/b5.out" >&2; fail "backup before the lock test"; }
B5=$(created "$T/b5.out")
lock_records
next_second
dbm backup remote --keep 1 >"$T/b6.out" 2>&1 &
writer=$!
wait_dbm_blocked
compgen -G "$BK/.app-*.partial" >/dev/null || fail "no backup running for the lock test: $(ls -A "$BK")"
expect_exit 1 dbm prune --keep 1
grep -q "another db-manager run is using" "$T/err" || fail "prune during a backup: $(cat "$T/err")"
[ -e "$B5" ] && [ -e "$BK/app-2020-01-03-00-00-00" ] || fail "prune deleted a backup while another was written"
psql_q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'remote_db' AND application_name = 'psql'" >/dev/null
wait "$LOCKER" || true
wait "$writer" || { cat "$T/b6.out" >&2; fail "the backup of the lock test"; }
grep -q "^Deleted ${B5##*/}$" "$T/b6.out" || fail "backup --keep 1 did not delete the older backup: $(cat "$T/b6.out")"
pass "prune refuses while a backup runs (exit 1, nothing deleted); the backup's own --keep then deletes"

# --- options ---------------------------------------------------------------------------------
expect_exit 1 dbm prune
grep -q "prune needs --keep N or --keep-days D" "$T/err" || fail "prune without a policy: $(cat "$T/err")"
expect_exit 1 dbm --keep 0 prune
expect_exit 1 dbm --keep-days x prune
next_second
dbm --full backup remote >"$T/b7.out" 2>&1 || { cat "$T/b7.out" >&2; fail "backup --full"; }
grep -q '^Creating backup from remote database' "$T/b7.out" || fail "--full wrote an incremental backup: $(cat "$T/b7.out")"
grep -q '^base=$' "$(created "$T/b7.out")/.db-manager-backup" || fail "--full backup has a base"
pass "--full writes a full backup; bad retention options are refused"
