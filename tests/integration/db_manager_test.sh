#!/usr/bin/env bash
# tools/db-manager.sh, the users' backup script, against a real server: two databases of the
# harness cluster stand in for the remote and the local database, reached over TCP with
# scram passwords (one URI with a percent-encoded password, one key=value string with a quoted
# one). Covers: backup remote + restore (data compared), data-only backup + restore, the
# newest-archive choice past an incomplete, a truncated and a corrupt newer archive, a legacy
# pg_dump -Fc .dump, an interrupted and a failed backup (nothing that looks complete is left), a
# backup whose name another run took meanwhile, env files, bad arguments, and that the passwords
# never reach a command line or the output.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
. "$(dirname "$0")/db_manager_lib.sh"

if command -v shellcheck >/dev/null 2>&1; then
	shellcheck "$RCR_SRC/tools/db-manager.sh" || fail "shellcheck complains about db-manager.sh"
	pass "shellcheck clean"
fi

# Own roles rather than the harness's rcr_pw: the password check below looks at every process
# on the machine, and 'secret-pw' may legitimately sit on another test's command line. Each
# password carries a unique alphanumeric token, so any spelling of it (raw, percent-encoded,
# quoted) contains the token.
TOKEN="Tk${RANDOM}x$$"
PW_REMOTE="r@m:o/te %&'\"\\ é?x=1#${TOKEN}"
PW_LOCAL="l@c:al %&'\"\\ é${TOKEN}?"
sql_lit() { printf "'%s'" "${1//\'/\'\'}"; }
psql_q -d postgres <<SQL
CREATE ROLE dbm_remote LOGIN SUPERUSER PASSWORD $(sql_lit "$PW_REMOTE");
CREATE ROLE dbm_local LOGIN SUPERUSER PASSWORD $(sql_lit "$PW_LOCAL");
SQL

pct_encode() { # string -> percent-encoded (every byte but [A-Za-z0-9])
	local LC_ALL=C s=$1 i c out=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [[ $c == [A-Za-z0-9] ]]; then out+=$c; else out+=$(printf '%%%02X' "'$c"); fi
	done
	printf '%s' "$out"
}
kv_quote() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\\\'}"; }

createdb remote_db
psql_q -d remote_db -c "$SCHEMA_SQL"
add_rows remote_db 1 1000
psql_q -d remote_db -c "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('0000_init', 1700000000000), ('0001_feeds', 1710000000000)"

# The local database as the app's migrations left it: the extension, the tables (records with
# a column the remote does not have yet), stale rows, and a table of its own in another schema.
createdb local_db
psql_q -d local_db -c "$SCHEMA_SQL" \
	-c "ALTER TABLE public.records ADD COLUMN stale int" \
	-c "INSERT INTO public.records (id, title) VALUES (999999, 'stale local row')" \
	-c "CREATE SCHEMA scratch" -c "CREATE TABLE scratch.notes (n text)" \
	-c "INSERT INTO scratch.notes VALUES ('keep me')"

# pg_dump of schemas public and drizzle: data (COPY blocks sorted, sequence values included)
# and schema, as text to compare.
pub_data() {
	pg_dump --data-only -n public -n drizzle "$1" | awk '
		/^\\(un)?restrict / { next }
		/^--/ || /^SET / || /^SELECT pg_catalog.set_config/ || /^$/ { next }
		/^COPY / { print; inblock = 1; next }
		inblock && /^\\\.$/ { close("sort"); inblock = 0; print; next }
		inblock { print | "sort"; next }
		{ print }'
}
pub_schema() {
	pg_dump -s -O -x --no-comments -n public -n drizzle "$1" | grep -v -E '^(\\(un)?restrict |--)'
}
assert_local_is_remote() { # label
	pub_data remote_db >"$T/r.data"
	pub_data local_db >"$T/l.data"
	[ "$(grep -c . "$T/r.data")" -gt 2000 ] || fail "$1: too little data compared"
	cmp -s "$T/r.data" "$T/l.data" || { diff "$T/r.data" "$T/l.data" | head -5 | cut -c1-200 >&2; fail "$1: local data differs from remote"; }
	pub_schema remote_db >"$T/r.schema"
	pub_schema local_db >"$T/l.schema"
	cmp -s "$T/r.schema" "$T/l.schema" || { diff "$T/r.schema" "$T/l.schema" | head -10 >&2; fail "$1: local schema differs from remote"; }
}

archive_rows() { # archive -> total rows of its tables
	"$RCR" list --json "$1" | grep -o '"rows":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s }'
}

BK="$T/backups"
cat >"$T/app.env" <<EOF
# as the app keeps them
DATABASE_URL_REMOTE=postgresql://dbm_remote:$(pct_encode "$PW_REMOTE")@$RCR_TEST_TCP_HOST:$PGPORT/remote_db?sslmode=disable&application_name=dbm
DATABASE_URL_LOCAL=host=$RCR_TEST_TCP_HOST port=$PGPORT dbname=local_db user=dbm_local password=$(kv_quote "$PW_LOCAL")
DATABASE_NAME="app"
export BACKUP_DIR='$BK'
EOF
chmod 600 "$T/app.env"
# The script must use TCP and its own passwords: no socket, no password from the environment.
dbm() { env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD "$DBM" --env-file "$T/app.env" "$@"; }

# Watches every process's command line while the script runs. Only bash pattern matching
# touches the token: a grep with it as an argument would itself put it on a command line.
sampler() {
	local n=0 hits=0 snap seen="" parent=$$
	# Also stops when the test dies (a failure exits without stopping it).
	while [ ! -e "$T/sampler.stop" ] && kill -0 "$parent" 2>/dev/null; do
		snap=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' || true)
		n=$((n + 1))
		[[ $snap == *"$TOKEN"* ]] && hits=$((hits + 1))
		for tool in "rcr dump" "rcr restore" "pg_dump" "pg_restore"; do
			[[ $snap == *"$tool "* && $seen != *"[$tool]"* ]] && seen+="[$tool]"
		done
	done
	echo "$n $hits $seen" >"$T/sampler.out"
}
start_sampler() { rm -f "$T/sampler.stop" "$T/sampler.out"; sampler </dev/null >/dev/null 2>&1 & SAMPLER=$!; }
stop_sampler() { # sets samples, hits, seen
	touch "$T/sampler.stop"
	wait "$SAMPLER"
	read -r samples hits seen <"$T/sampler.out"
}
assert_no_token() { # file label
	local content
	content=$(<"$1")
	[[ $content != *"$TOKEN"* ]] || fail "$2: a password appears in the script's output"
}

# --- backup remote, restore into local --------------------------------------------------------
# rcr runs pg_dump and pg_restore through RCR_PG_BINDIR here: wrappers that note each run (and
# its arguments, which must not hold the password) before exec'ing the real tool, so that the
# check below does not hang on the sampler catching a short-lived child under load.
mkdir -p "$T/pgbin"
for tool in pg_dump pg_restore; do
	cat >"$T/pgbin/$tool" <<EOW
#!/bin/sh
printf '%s\n' "$tool \$*" >>"$T/tools.log"
exec "$RCR_TEST_PGBIN/$tool" "\$@"
EOW
	chmod 755 "$T/pgbin/$tool"
done
pg_bindir=${RCR_PG_BINDIR-}
export RCR_PG_BINDIR=$T/pgbin
start_sampler
dbm -j 2 backup remote >"$T/b1.out" 2>&1 || { cat "$T/b1.out" >&2; fail "backup remote"; }
dbm -j 2 restore >"$T/r1.out" 2>&1 || { cat "$T/r1.out" >&2; fail "restore"; }
stop_sampler
assert_no_token "$T/b1.out" "backup"
assert_no_token "$T/r1.out" "restore"
[ "$hits" = 0 ] || fail "a password appeared on a command line in $hits of $samples samples"
if [ -n "$pg_bindir" ]; then RCR_PG_BINDIR=$pg_bindir; else unset RCR_PG_BINDIR; fi
tools_log=$(<"$T/tools.log")
[[ $tools_log != *"$TOKEN"* ]] || fail "a password appeared in pg_dump's or pg_restore's arguments"
for tool in pg_dump pg_restore; do
	grep -q "^$tool " "$T/tools.log" || fail "rcr never ran $tool"
done
for tool in "rcr dump" "rcr restore"; do
	[[ $seen == *"[$tool]"* ]] || fail "the sampler never saw $tool run ($samples samples: $seen), so it proves nothing"
done
pass "no password on any command line ($samples samples of /proc/*/cmdline saw $seen) or in the output"

F1=$(sed -n 's/^Backup created at: //p' "$T/b1.out")
[[ ${F1##*/} =~ ^app-[0-9]{4}(-[0-9]{2}){5}$ ]] || fail "backup name '${F1##*/}'"
"$RCR" verify -q "$F1" >/dev/null || fail "backup $F1 is not a valid rcr archive"
"$RCR" list --json "$F1" >"$T/f1.json"
grep -q '"content":"full","no_owner":"1","no_privileges":"1","no_comments":"1"' "$T/f1.json" || fail "full backup flags: $(head -c 400 "$T/f1.json")"
grep -q '"compression":"zstd:6"' "$T/f1.json" || fail "default compression is not zstd 6"
grep -q '"name":"__drizzle_migrations"' "$T/f1.json" || fail "full backup lacks drizzle.__drizzle_migrations"
grep -q "Creating backup from remote database (2 jobs, compression level 6)" "$T/b1.out" || fail "backup message: $(cat "$T/b1.out")"
grep -q "Restoring $F1 into the local database" "$T/r1.out" || fail "restore did not name $F1: $(cat "$T/r1.out")"
assert_local_is_remote "full restore"
[ "$(psql_q -d local_db -c "SELECT n FROM scratch.notes")" = "keep me" ] || fail "restore touched an object the backup does not hold"
[ "$(psql_q -d local_db -c "SELECT count(*) FROM public.records WHERE id = 999999")" = 0 ] || fail "stale local row survived the full restore"
pass "backup remote + restore: local equals remote ($(grep -c . "$T/r.data") data lines), other objects kept"

# --- data-only ----------------------------------------------------------------------------------
psql_q -d remote_db -c "DELETE FROM public.feed_entries WHERE record_id <= 50" \
	-c "DELETE FROM public.records WHERE id <= 50" -c "UPDATE public.records SET title = 'changed' WHERE id % 7 = 0"
add_rows remote_db 1001 1100
psql_q -d local_db -c "INSERT INTO drizzle.__drizzle_migrations (hash) VALUES ('local only')"
drizzle_before=$(psql_q -d local_db -c "SELECT string_agg(hash, ',' ORDER BY id) FROM drizzle.__drizzle_migrations")
start_sampler
dbm --data-only backup remote -Z 0 >"$T/b2.out" 2>&1 || { cat "$T/b2.out" >&2; fail "data-only backup"; }
dbm restore --data-only >"$T/r2.out" 2>&1 || { cat "$T/r2.out" >&2; fail "data-only restore"; }
stop_sampler
[ "$hits" = 0 ] || fail "data-only: a password appeared on a command line in $hits of $samples samples"
assert_no_token "$T/b2.out" "data-only backup"
assert_no_token "$T/r2.out" "data-only restore"
D1=$(sed -n 's/^Backup created at: //p' "$T/b2.out")
[[ ${D1##*/} =~ ^app-data-[0-9]{4}(-[0-9]{2}){5}$ ]] || fail "data-only backup name '${D1##*/}'"
"$RCR" list --json "$D1" >"$T/d1.json"
grep -q '"content":"data-only"' "$T/d1.json" || fail "data-only backup content"
grep -q '"compression":"zstd:0"' "$T/d1.json" || fail "-Z 0 did not store uncompressed"
grep -q drizzle "$T/d1.json" && fail "data-only backup holds schema drizzle"
grep -q "Restoring $D1" "$T/r2.out" || fail "data-only restore did not use $D1: $(cat "$T/r2.out")"
diff <(pub_data remote_db | sed -n '/^COPY public\./,/^\\\.$/p; /setval(.public\./p') \
	<(pub_data local_db | sed -n '/^COPY public\./,/^\\\.$/p; /setval(.public\./p') >/dev/null ||
	fail "data-only restore: public data differs from remote"
[ "$(psql_q -d local_db -c "SELECT count(*) FROM public.records")" = 1050 ] || fail "data-only restore: record count"
[ "$(psql_q -d local_db -c "SELECT string_agg(hash, ',' ORDER BY id) FROM drizzle.__drizzle_migrations")" = "$drizzle_before" ] ||
	fail "data-only restore touched drizzle"
pass "data-only backup (-Z 0) + restore: public data equals remote, drizzle untouched"

# A data-only restore that fails part-way (a CHECK the backup's feed_entries rows break; records,
# the bigger table, is emptied and loaded before it) leaves every table as it was: one
# transaction empties and loads them all.
psql_q -d local_db -c "DELETE FROM public.feed_entries WHERE record_id > 1000" -c "DELETE FROM public.records WHERE id > 1000"
before=$(pub_data local_db | md5sum)
nrec=$(psql_q -d local_db -c "SELECT count(*) FROM public.records")
psql_q -d local_db -c "ALTER TABLE public.feed_entries ADD CONSTRAINT fe_none CHECK (id < 0) NOT VALID"
if dbm restore --data-only >"$T/r3.out" 2>&1; then fail "data-only restore succeeded despite the CHECK"; fi
grep -q "rcr restore: error: restoring table 'public.feed_entries'.*fe_none" "$T/r3.out" ||
	fail "the failed data-only restore does not name the table: $(cat "$T/r3.out")"
[ "$(pub_data local_db | md5sum)" = "$before" ] || fail "a failed data-only restore changed the public data"
[ "$nrec" = 950 ] && [ "$(psql_q -d local_db -c "SELECT count(*) FROM public.records")" = "$nrec" ] ||
	fail "records lost by a failed data-only restore"
psql_q -d local_db -c "ALTER TABLE public.feed_entries DROP CONSTRAINT fe_none"
dbm restore --data-only >"$T/r4.out" 2>&1 || { cat "$T/r4.out" >&2; fail "data-only restore after the failed one"; }
[ "$(psql_q -d local_db -c "SELECT count(*) FROM public.records")" = 1050 ] || fail "data-only restore after a failure: record count"
pass "a data-only restore that fails part-way leaves every table with its old rows; the next one succeeds"

# --- newest complete archive --------------------------------------------------------------------
sleep 1 # names have one-second resolution
psql_q -d remote_db -c "DELETE FROM public.feed_entries WHERE record_id > 1080" -c "DELETE FROM public.records WHERE id > 1080"
dbm -j 2 backup remote >"$T/b3.out" 2>&1 || { cat "$T/b3.out" >&2; fail "second backup"; }
F2=$(sed -n 's/^Backup created at: //p' "$T/b3.out")
[ "$F1" != "$F2" ] || fail "two backups got one name"
bigfile=$(cd "$F2" && ls -S data/*.rcd | head -1)
size=$(stat -c %s "$F2/$bigfile")
# Newer than F2 by name: an interrupted copy (no manifest yet), a partial copy (a data file
# cut short) and a corrupt one (one flipped byte inside a data frame), and a data-only backup,
# which a full restore must not consider at all.
cp -a "$F2" "$BK/app-2099-01-01-00-00-01"
rm "$BK/app-2099-01-01-00-00-01/manifest.rcr"
touch "$BK/app-2099-01-01-00-00-01/.rcr-dump-in-progress"
cp -a "$F2" "$BK/app-2099-01-01-00-00-02"
truncate -s $((size / 2)) "$BK/app-2099-01-01-00-00-02/$bigfile"
cp -a "$F2" "$BK/app-2099-01-01-00-00-03"
byte=$(od -An -tu1 -j $((size / 2)) -N 1 "$F2/$bigfile" | tr -d ' ')
printf '%b' "\\x$(printf %02x $((byte ^ 0xff)))" | dd of="$BK/app-2099-01-01-00-00-03/$bigfile" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$F2/$bigfile" "$BK/app-2099-01-01-00-00-03/$bigfile" && fail "byte flip changed nothing"
cp -a "$D1" "$BK/app-data-2099-12-31-00-00-00"
psql_q -d local_db -c "TRUNCATE public.records, public.feed_entries"
dbm restore >"$T/r3.out" 2>&1 || { cat "$T/r3.out" >&2; fail "restore past damaged archives"; }
grep -q "^Skipping app-2099-01-01-00-00-03: rcr verify found [0-9]* problem(s): .*checksum" "$T/r3.out" || fail "corrupt archive not skipped with a reason: $(cat "$T/r3.out")"
grep -q "^Skipping app-2099-01-01-00-00-02: rcr verify found [0-9]* problem(s): .*$bigfile" "$T/r3.out" || fail "truncated archive not skipped with a reason: $(cat "$T/r3.out")"
grep -q "^Skipping app-2099-01-01-00-00-01: rcr verify found 1 problem(s): .*not a complete rcr archive" "$T/r3.out" || fail "incomplete archive not skipped with a reason: $(cat "$T/r3.out")"
grep -q "app-data-2099" "$T/r3.out" && fail "a full restore looked at a data-only backup"
grep -q "^Restoring $F2 into" "$T/r3.out" || fail "restore did not choose $F2: $(cat "$T/r3.out")"
[ "$(grep -c '^Skipping' "$T/r3.out")" = 3 ] || fail "restore skipped more than the three bad archives"
assert_local_is_remote "restore past damaged archives"
pass "restore skips incomplete, truncated and corrupt newer archives (each with its reason) and takes $(basename "$F2")"

# A data-only restore takes the newest data-only backup (the copy dated 2099).
dbm --data-only restore >"$T/r4.out" 2>&1 || { cat "$T/r4.out" >&2; fail "data-only restore of the newest"; }
grep -q "^Restoring $BK/app-data-2099-12-31-00-00-00 into" "$T/r4.out" || fail "data-only restore choice: $(cat "$T/r4.out")"
[ "$(psql_q -d local_db -c "SELECT count(*) FROM public.records")" = 1050 ] || fail "data-only restore of the 2099 copy"
pass "--data-only restore picks the newest data-only backup"

# list and verify report the damaged ones; a named damaged archive is refused.
dbm list >"$T/list.out" 2>&1 || fail "list: $(cat "$T/list.out")"
grep -q "^app-2099-01-01-00-00-01 .*INCOMPLETE" "$T/list.out" || fail "list does not flag the incomplete archive: $(cat "$T/list.out")"
[ "$(sed -n 2p "$T/list.out" | cut -d' ' -f1)" = app-data-2099-12-31-00-00-00 ] || fail "list is not newest first"
expect_exit 2 dbm verify
[ "$(grep -c '^FAILED' "$T/out")" = 3 ] || fail "verify did not fail the three damaged archives: $(cat "$T/out")"
[ "$(grep -c '^OK' "$T/out")" = 4 ] || fail "verify: $(cat "$T/out")"
[ "$(wc -l <"$T/err")" = 1 ] || fail "verify: more than one error line"
expect_exit 2 dbm restore app-2099-01-01-00-00-03
grep -q "^db-manager.sh: error: cannot restore .*app-2099-01-01-00-00-03.*checksum" "$T/err" || fail "named corrupt archive: $(cat "$T/err")"
pass "list flags the incomplete archive, verify fails the damaged ones, a named corrupt one is refused"

# A named archive: the older full backup F1 (with its 1,000 records).
dbm restore "$(basename "$F1")" >"$T/r5.out" 2>&1 || { cat "$T/r5.out" >&2; fail "named restore"; }
[ "$(psql_q -d local_db -c "SELECT count(*) FROM public.records")" = 1000 ] || fail "named restore of F1"
pass "restore NAME restores that archive"

# --- legacy pg_dump -Fc backup --------------------------------------------------------------------
mkdir -p "$T/legacy"
pg_dump -Fc -O -x --no-comments -n public -n drizzle -f "$T/legacy/app-2025-01-15-10-00-00.dump" remote_db
psql_q -d local_db -c "TRUNCATE public.records, public.feed_entries"
BACKUP_DIR="$T/legacy" dbm restore >"$T/r6.out" 2>&1 || { cat "$T/r6.out" >&2; fail "legacy restore"; }
grep -q "legacy pg_dump archive (.dump): restoring it through pg_restore" "$T/r6.out" || fail "legacy restore message: $(cat "$T/r6.out")"
assert_local_is_remote "legacy .dump restore"
pass "legacy .dump restores through pg_restore, with a message"

# A legacy data-only .dump: restored in one transaction too (pg_restore's script after the
# TRUNCATE, through psql -1): the data equals remote's; a failing one changes nothing.
pg_dump -Fc -a -n public -f "$T/legacy/app-data-2025-01-15-10-00-01.dump" remote_db
psql_q -d local_db -c "DELETE FROM public.feed_entries WHERE record_id > 1000" -c "DELETE FROM public.records WHERE id > 1000"
before=$(pub_data local_db | md5sum)
psql_q -d local_db -c "ALTER TABLE public.feed_entries ADD CONSTRAINT fe_none CHECK (id < 0) NOT VALID"
if BACKUP_DIR="$T/legacy" dbm --data-only restore >"$T/r7.out" 2>&1; then fail "legacy data-only restore succeeded despite the CHECK"; fi
grep -q 'fe_none' "$T/r7.out" || fail "legacy data-only failure not reported: $(cat "$T/r7.out")"
[ "$(pub_data local_db | md5sum)" = "$before" ] || fail "a failed legacy data-only restore changed the public data"
psql_q -d local_db -c "ALTER TABLE public.feed_entries DROP CONSTRAINT fe_none"
BACKUP_DIR="$T/legacy" dbm --data-only restore >"$T/r8.out" 2>&1 || { cat "$T/r8.out" >&2; fail "legacy data-only restore"; }
grep -q "app-data-2025-01-15-10-00-01.dump is a legacy pg_dump archive" "$T/r8.out" || fail "legacy data-only: $(cat "$T/r8.out")"
assert_local_is_remote "legacy data-only .dump restore"
pass "legacy data-only .dump: one transaction (a failing one changes nothing), then local equals remote"

# Table names with a space: pg_restore -l lists "TABLE DATA public sp ace owner", which read
# as fields named public.sp twice, so "sp ace" kept its old rows next to the dump's. The names
# now come quoted from the COPY statements of pg_restore's script.
for db in remote_db local_db; do
	psql_q -d "$db" -c 'CREATE TABLE public.sp (id int)' -c 'CREATE TABLE public."sp ace" (id int)'
done
psql_q -d remote_db -c 'INSERT INTO public.sp VALUES (1)' -c 'INSERT INTO public."sp ace" VALUES (2)'
pg_dump -Fc -a -n public -f "$T/legacy/app-data-2025-01-15-10-00-02.dump" remote_db
psql_q -d local_db -c 'INSERT INTO public.sp VALUES (10)' -c 'INSERT INTO public."sp ace" VALUES (20)'
BACKUP_DIR="$T/legacy" dbm --data-only restore >"$T/r9.out" 2>&1 || { cat "$T/r9.out" >&2; fail "legacy data-only restore, names with a space"; }
[ "$(psql_q -d local_db -c 'SELECT (SELECT string_agg(id::text, $$,$$) FROM public.sp) || $$/$$ || (SELECT string_agg(id::text, $$,$$) FROM public."sp ace")')" = "1/2" ] ||
	fail "legacy data-only restore with a table named 'sp ace' next to 'sp': $(psql_q -d local_db -c 'TABLE public."sp ace"')"
assert_local_is_remote "legacy data-only .dump, names with a space"
for db in remote_db local_db; do psql_q -d "$db" -c 'DROP TABLE public.sp, public."sp ace"'; done
rm "$T/legacy/app-data-2025-01-15-10-00-02.dump"
pass "legacy data-only .dump: a table named 'sp ace' next to 'sp' is emptied and loaded, not appended to"

# --- a backup that fails or is interrupted leaves nothing that looks complete -------------------
before=$(ls -A "$BK")
# Interrupted: a session holds a lock, so rcr dump waits; then the script gets SIGTERM.
lock_records
# (Not through dbm(): the signal must reach the script, not a subshell around it.)
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD "$DBM" --env-file "$T/app.env" backup remote >"$T/b4.out" 2>&1 &
dbm_pid=$!
wait_dbm_blocked
compgen -G "$BK/.app-*.partial" >/dev/null || fail "no partial directory while the backup runs: $(ls -A "$BK")"
t_kill=$SECONDS
kill -TERM "$dbm_pid"
set +e
wait "$dbm_pid"
rc=$?
set -e
# The lock is still held: rcr must cancel its waiting query rather than wait for the lock.
[ $((SECONDS - t_kill)) -le 10 ] || fail "interrupted backup took $((SECONDS - t_kill)) s to stop"
psql_q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'remote_db' AND application_name = 'psql'" >/dev/null
wait "$LOCKER" || true
[ "$rc" -ne 0 ] || fail "interrupted backup exited 0"
[ "$(ls -A "$BK")" = "$before" ] || fail "interrupted backup left: $(diff <(echo "$before") <(ls -A "$BK"))"
for _ in $(seq 1 50); do
	left=$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbm'")
	[ "$left" = 0 ] && break
	sleep 0.1
done
[ "$left" = 0 ] || fail "interrupted backup left $left server sessions"
pass "interrupted backup: exit $rc, nothing left in BACKUP_DIR, no session left"
# Failed: a wrong password (carrying the token) is one clear error, and is not printed.
sed "s/^DATABASE_URL_REMOTE=postgresql:\/\/dbm_remote:[^@]*@/DATABASE_URL_REMOTE=postgresql:\/\/dbm_remote:wrong${TOKEN}@/" "$T/app.env" >"$T/bad.env"
set +e
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD "$DBM" --env-file "$T/bad.env" backup remote >"$T/b5.out" 2>&1
rc=$?
set -e
[ "$rc" = 4 ] || fail "backup with a wrong password: exit $rc: $(cat "$T/b5.out")"
grep -q "password authentication failed" "$T/b5.out" || fail "wrong password not reported: $(cat "$T/b5.out")"
assert_no_token "$T/b5.out" "failed backup"
[ "$(ls -A "$BK")" = "$before" ] || fail "failed backup left: $(ls -A "$BK")"
pass "failed backup: exit 4, the password not shown, nothing left in BACKUP_DIR"

# Two backups started in the same second get the same name: the one that finishes second says
# so in one line, exit 1, and leaves the other's archive alone and nothing of its own. A wrapper
# takes the name while the dump runs, as the other run would.
cat >"$T/bin/rcr-racer" <<'EOF'
#!/usr/bin/env bash
for a in "$@"; do
	case $a in
	--file=*)
		p=${a#--file=} n=$(basename "${a#--file=}")
		n=${n#.}
		mkdir "$(dirname "$p")/${n%.*.partial}"
		echo other >"$(dirname "$p")/${n%.*.partial}/theirs"
		;;
	esac
done
exec "$REAL_RCR" "$@"
EOF
chmod +x "$T/bin/rcr-racer"
set +e
REAL_RCR=$RCR RCR_RACER="$T/bin/rcr-racer"
export REAL_RCR
RCR=$RCR_RACER dbm backup remote >"$T/b7.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "a backup whose name was taken meanwhile: exit $rc: $(cat "$T/b7.out")"
grep -q "^db-manager.sh: error: '.*' was created by another backup while this one ran" "$T/b7.out" ||
	fail "a backup whose name was taken meanwhile: $(cat "$T/b7.out")"
! grep -q "^mv:" "$T/b7.out" || fail "a backup whose name was taken meanwhile: mv's own message: $(cat "$T/b7.out")"
taken=$(comm -13 <(echo "$before") <(ls -A "$BK"))
[ "$(ls -A "$BK/$taken")" = theirs ] || fail "a backup whose name was taken meanwhile left: $(ls -A "$BK")"
rm -rf "${BK:?}/$taken"
pass "a backup whose name another run took meanwhile: one clear error, the other's archive kept, nothing left"

# backup local, with the password as a URI query parameter (libpq's other URI spelling).
{
	grep -v '^DATABASE_URL_LOCAL=' "$T/app.env"
	echo "DATABASE_URL_LOCAL=postgresql://dbm_local@$RCR_TEST_TCP_HOST:$PGPORT/local_db?password=$(pct_encode "$PW_LOCAL")&connect_timeout=10"
} >"$T/q.env"
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD "$DBM" --env-file "$T/q.env" --data-only backup local >"$T/b6.out" 2>&1 ||
	{ cat "$T/b6.out" >&2; fail "backup local with ?password="; }
assert_no_token "$T/b6.out" "backup local"
grep -q "^Creating backup from local database" "$T/b6.out" || fail "backup local: $(cat "$T/b6.out")"
L1=$(sed -n 's/^Backup created at: //p' "$T/b6.out")
[ "$(archive_rows "$L1")" = "$(psql_q -d local_db -c "SELECT (SELECT count(*) FROM public.records) + (SELECT count(*) FROM public.feed_entries)")" ] ||
	fail "backup local did not hold the local rows"
rm -rf "$L1"
pass "backup local, password as a ?password= query parameter"

# --- settings: env file next to the script, environment wins over the file -------------------
printf 'DATABASE_NAME=app\nBACKUP_DIR=%s\n' "$T/legacy" >"$T/bin/.env"
env -u BACKUP_DIR -u DATABASE_NAME "$DBM" list >"$T/l2.out"
grep -q "^app-2025-01-15-10-00-00.dump .*legacy" "$T/l2.out" || fail ".env next to the script not read: $(cat "$T/l2.out")"
BACKUP_DIR="$BK" "$DBM" list >"$T/l3.out"
grep -q "^app-2099-01-01-00-00-03" "$T/l3.out" || fail "the environment did not win over .env: $(cat "$T/l3.out")"
rm "$T/bin/.env"
pass "settings from .env next to the script; the environment wins"

# --- bad arguments: one line on stderr, non-zero exit ------------------------------------------
one_line_error() { # label cmd...
	local label=$1
	shift
	set +e
	env -u DATABASE_URL_LOCAL -u DATABASE_URL_REMOTE -u DATABASE_NAME -u BACKUP_DIR "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "$label: exit 0"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$label: not one line on stderr: $(cat "$T/err")"
	grep -q "^db-manager.sh: error: " "$T/err" || fail "$label: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$label: wrote to stdout: $(cat "$T/out")"
	echo "    $label: $(cat "$T/err")"
}
one_line_error "unknown command" "$DBM" --env-file "$T/app.env" frobnicate
one_line_error "no command" "$DBM" --env-file "$T/app.env"
one_line_error "-j 0" "$DBM" --env-file "$T/app.env" -j 0 backup remote
one_line_error "-j abc" "$DBM" --env-file "$T/app.env" --jobs abc backup remote
one_line_error "-j without value" "$DBM" --env-file "$T/app.env" backup remote -j
one_line_error "-Z 23" "$DBM" --env-file "$T/app.env" -Z 23 backup remote
one_line_error "unknown option" "$DBM" --env-file "$T/app.env" --fast backup remote
one_line_error "backup elsewhere" "$DBM" --env-file "$T/app.env" backup staging
one_line_error "missing env" "$DBM" backup remote
grep -q "DATABASE_NAME is not set" "$T/err" || fail "missing env not named"
printf 'DATABASE_NAME=app\nBACKUP_DIR=%s\n' "$BK" >"$T/partial.env"
one_line_error "missing URL" "$DBM" --env-file "$T/partial.env" backup remote
grep -q "DATABASE_URL_REMOTE is not set" "$T/err" || fail "missing URL not named"
one_line_error "missing env file" "$DBM" --env-file "$T/nope.env" list
one_line_error "unknown archive" "$DBM" --env-file "$T/app.env" restore app-1999-01-01-00-00-00
"$DBM" --help >"$T/help.out"
grep -q -- "-j, --jobs N         Number of parallel jobs (default: 4)" "$T/help.out" || fail "--help lacks -j"
grep -q -- "-Z, --compress N     Compression level 0-22 (zstd; default: 6, 0=none)" "$T/help.out" || fail "--help lacks -Z"
pass "bad arguments: one error line, non-zero exit; --help"
