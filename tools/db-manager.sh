#!/usr/bin/env bash
# db-manager.sh: back up the local or remote app database with rcr and restore into the local
# one. The users' db-manager.sh (backup-performance-plan.md) moved from pg_dump --format=directory
# to rcr archives; names, defaults and options follow that plan.
#
# Design notes:
#  * A backup is written to a hidden ".NAME.XXXXXX.partial" directory of its own (mktemp) and
#    renamed to NAME only after rcr dump succeeded, so an archive with a backup name is never a
#    half-written one. A backup that fails or is interrupted removes its partial directory, and
#    never another run's.
#  * restore never trusts a name alone: it takes the newest archive of the right kind that
#    rcr verify accepts (before anything in the local database is touched), and says which
#    newer ones it skipped and why.
#  * Passwords: the password is split out of DATABASE_URL_* (URI or key=value form) and handed
#    to rcr, pg_restore and psql in PGPASSWORD, which lives in their environment (readable
#    only by the same user), never on a command line. The URL they get has no password. rcr
#    passes it on the same way to the pg_dump/pg_restore it runs (src/pg/pgtools.c).
#  * Settings are read from the environment and from an env file; as with dotenv and docker
#    compose, a variable already set in the environment wins over the file. The file is
#    parsed, not sourced, so a '$' or '&' in a URL stays literal and nothing in it runs.
#  * rcr runs as a background child the script waits for, so a SIGTERM/SIGINT to the script
#    is forwarded to rcr (which cancels its queries and removes what it wrote) and the
#    partial directory is removed before the script exits.
#  * Incremental backups: a backup takes as its base (rcr dump --base) the newest backup of the
#    same source (local or remote) and kind (full or data-only) that rcr verify accepts; the new
#    archive shares the base's unchanged rows through hard links and stands alone (deleting the
#    base, or any older backup, breaks nothing). --full writes one without a base.
#  * Which backups are ours: db-manager writes .db-manager-backup (source, kind, base) into every
#    backup it makes. Only such directories are ever taken as a base or deleted by retention; a
#    directory that merely has a backup's name is listed, never touched.
#  * Verification is cached in .db-manager-verified, written after rcr verify accepted the
#    archive: a hash of manifest.rcr (which holds the hash of every frame) and of the listing
#    of every file with its size, inode and mtime, taken before and after the verify (a file
#    that changed meanwhile leaves no note). Anything written through the file system (a
#    rewrite, a truncation, a copy, a replaced or missing file) changes that listing, and the
#    archive is verified again before it is trusted; hard links made or removed by later
#    backups and retention do not. What the note cannot see (bits rotting on the disk) rcr
#    dump --base sees: it checks the hash of every frame it shares and refuses a damaged base
#    (exit 2); the note is then removed and the next older backup tried. restore and verify
#    never use the note: they always run rcr verify.
#  * Retention (--keep N, --keep-days D, after a backup or with prune) deletes a backup only
#    under an exclusive lock of BACKUP_DIR/.db-manager.lock, which every backup, restore and
#    verify holds shared while it runs: a backup being written, or one being read as a base or
#    restored, is never deleted (retention waits for nothing: it is skipped, with a message,
#    and runs again after the next backup). It never deletes the newest backup of a kind that
#    verifies, and renames a backup to a hidden name before removing it, so a half-deleted
#    directory never carries a backup's name.
set -euo pipefail

PROG=db-manager.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PARALLEL_JOBS=4
COMPRESS_LEVEL=6
DATA_ONLY=false
USABLE_FIRST=true
FULL=false
KEEP_N=
KEEP_DAYS=
ENV_FILE=
ENV_FILE_GIVEN=false
RCR=${RCR:-rcr}
INFO_FILE=.db-manager-backup
MARK_FILE=.db-manager-verified

# State for cleanup on exit or signal.
CHILD_PID=
PARTIAL_DIR=
LIST_FILE=

usage() {
	cat <<'EOF'
Usage: db-manager.sh [OPTIONS] COMMAND [ARGS]

Back up the local or remote database with rcr, and restore backups into the local database.

Commands:
  backup local|remote  Back up the local or remote database into BACKUP_DIR
  restore [ARCHIVE]    Restore the newest complete backup (or ARCHIVE: a name in BACKUP_DIR
                       or a path) into the local database
  list                 List the backups in BACKUP_DIR, newest first, with the bytes each one
                       holds alone and shares with others, and its base
  verify [ARCHIVE]     Check every backup in BACKUP_DIR (or ARCHIVE) with rcr verify
  prune                Apply --keep / --keep-days to every source and kind of backup

Options:
  -j, --jobs N         Number of parallel jobs (default: 4)
  -Z, --compress N     Compression level 0-22 (zstd; default: 6, 0=none)
  --data-only          Back up only the data of schema public / restore a data-only backup
  --full, --no-base    backup: write a full backup (default: incremental, on the newest
                       backup of the same source and kind that rcr verify accepts)
  --keep N             backup, prune: keep the N newest backups of the source and kind
  --keep-days D        backup, prune: keep the backups of the last D days (with --keep:
                       a backup either keeps is kept); the newest one that verifies is
                       always kept, and only backups db-manager wrote are deleted
  --no-usable-first    restore: build the vector indexes before the database is usable, as
                       pg_restore does (default: usable first, then CREATE INDEX CONCURRENTLY,
                       so the app can use the local database while HNSW indexes build)
  --env-file FILE      Read settings from FILE (default: .env next to this script, if any)
  -h, --help           Show this help

Settings (from the environment or the env file; the environment wins):
  DATABASE_URL_LOCAL   Local database (postgresql:// URI or key=value connection string)
  DATABASE_URL_REMOTE  Remote database
  DATABASE_NAME        Prefix of backup names: NAME-YYYY-MM-DD-HH-MM-SS (full, schemas public
                       and drizzle) and NAME-data-YYYY-MM-DD-HH-MM-SS (--data-only, public)
  BACKUP_DIR           Directory holding the backups

restore replaces the objects a full backup holds (rcr restore --clean --if-exists; other
objects stay), or for --data-only empties the backup's tables and loads them with triggers
disabled, in one transaction (a failure leaves the old rows). Old single-file NAME-....dump
backups (pg_dump -Fc) restore through pg_restore.

An incremental backup stands alone: it stores the rows that did not change as hard links to
its base's files, so deleting the base (or any older backup) never breaks it.
EOF
}

die() { # message [exit status]
	echo "$PROG: error: $1" >&2
	exit "${2:-1}"
}

say() { echo "$*"; }

# ---------------------------------------------------------------------------------------------
# Settings

# Reads KEY=VALUE lines of the four settings from an env file, for keys not already set.
# Accepts "export KEY=VALUE", single or double quotes around the value, comments and blanks.
load_env_file() { # file
	local file=$1 line key val lineno=0
	[ -r "$file" ] || die "cannot read env file '$file'"
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
		if [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$ ]]; then
			key=${BASH_REMATCH[2]}
			val=${BASH_REMATCH[3]}
		else
			die "env file '$file' line $lineno: expected KEY=VALUE"
		fi
		case $key in
		DATABASE_URL_LOCAL | DATABASE_URL_REMOTE | DATABASE_NAME | BACKUP_DIR) ;;
		*) continue ;;
		esac
		if [[ $val =~ ^\"(.*)\"[[:space:]]*$ ]] || [[ $val =~ ^\'(.*)\'[[:space:]]*$ ]]; then
			val=${BASH_REMATCH[1]}
		else
			val=${val%%[[:space:]]#*} # unquoted: a " #" starts a comment
			val=${val%"${val##*[![:space:]]}"}
		fi
		if [ -z "${!key+set}" ]; then
			printf -v "$key" '%s' "$val"
		fi
	done <"$file"
}

require() { # variable name
	if [ -z "${!1:-}" ]; then
		local where="the environment"
		[ -n "$ENV_FILE" ] && where="the environment or $ENV_FILE"
		die "$1 is not set (in $where)"
	fi
}

check_name_settings() {
	require DATABASE_NAME
	require BACKUP_DIR
	case $DATABASE_NAME in
	*/* | .*) die "DATABASE_NAME '$DATABASE_NAME' must not contain '/' or start with '.'" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# Passwords: CONN gets the connection string without its password, CONN_PASSWORD the password.
# The parsing follows libpq's (conninfo_uri_parse, conninfo_parse) so the string that is left
# means the same thing to libpq.

CONN=
CONN_PASSWORD=
CONN_HAS_PASSWORD=false

pct_decode() { # string -> REPLY
	local s=$1 hex c
	REPLY=
	while [[ $s == *%* ]]; do
		REPLY+=${s%%\%*}
		s=${s#*%}
		hex=${s:0:2}
		# Do not echo the string: it is a password.
		[[ $hex =~ ^[0-9A-Fa-f]{2}$ && $hex != 00 ]] || die "invalid percent-encoding in the password of $URL_LABEL"
		printf -v c '%b' "\\x$hex"
		REPLY+=$c
		s=${s:2}
	done
	REPLY+=$s
}

split_uri() { # url
	local url=$1 prefix rest head after userinfo query params p newq=
	[[ $url =~ ^postgres(ql)?:// ]]
	prefix=${BASH_REMATCH[0]}
	rest=${url#"$prefix"}
	# libpq: user credentials end at the first '@' before any '/'.
	head=${rest%%[@/]*}
	if [ "${rest:${#head}:1}" = @ ]; then
		userinfo=$head
		after=${rest:$((${#head} + 1))}
		if [[ $userinfo == *:* ]]; then
			pct_decode "${userinfo#*:}"
			CONN_PASSWORD=$REPLY
			CONN_HAS_PASSWORD=true
			userinfo=${userinfo%%:*}
		fi
		rest=$userinfo@$after
	fi
	# A password=... query parameter (later values win in libpq, so it overrides the above).
	if [[ $rest == *\?* ]]; then
		query=${rest#*\?}
		rest=${rest%%\?*}
		IFS='&' read -r -a params <<<"$query"
		for p in "${params[@]}"; do
			if [[ $p == password=* ]]; then
				pct_decode "${p#password=}"
				CONN_PASSWORD=$REPLY
				CONN_HAS_PASSWORD=true
			elif [ -n "$p" ]; then
				newq+=${newq:+&}$p
			fi
		done
		[ -n "$newq" ] && rest+="?$newq"
	fi
	CONN=$prefix$rest
}

split_kv() { # conninfo
	local s=$1 i=0 n=${#1} key val c out=
	while :; do
		while [ $i -lt "$n" ] && [[ ${s:i:1} == [[:space:]] ]]; do i=$((i + 1)); done
		[ $i -ge "$n" ] && break
		key=
		while [ $i -lt "$n" ] && [[ ${s:i:1} != [[:space:]=] ]]; do
			key+=${s:i:1}
			i=$((i + 1))
		done
		while [ $i -lt "$n" ] && [[ ${s:i:1} == [[:space:]] ]]; do i=$((i + 1)); done
		[ "${s:i:1}" = = ] || die "$URL_LABEL: missing '=' after '$key' in the connection string"
		i=$((i + 1))
		while [ $i -lt "$n" ] && [[ ${s:i:1} == [[:space:]] ]]; do i=$((i + 1)); done
		val=
		if [ "${s:i:1}" = "'" ]; then
			i=$((i + 1))
			while :; do
				[ $i -lt "$n" ] || die "$URL_LABEL: unterminated quoted string in the connection string"
				c=${s:i:1}
				if [ "$c" = "\\" ]; then
					i=$((i + 1))
					val+=${s:i:1}
				elif [ "$c" = "'" ]; then
					i=$((i + 1))
					break
				else
					val+=$c
				fi
				i=$((i + 1))
			done
		else
			while [ $i -lt "$n" ] && [[ ${s:i:1} != [[:space:]] ]]; do
				c=${s:i:1}
				if [ "$c" = "\\" ]; then
					i=$((i + 1))
					c=${s:i:1}
				fi
				val+=$c
				i=$((i + 1))
			done
		fi
		if [ "$key" = password ]; then
			CONN_PASSWORD=$val
			CONN_HAS_PASSWORD=true
		else
			val=${val//\\/\\\\}
			val=${val//\'/\\\'}
			out+="${out:+ }$key='$val'"
		fi
	done
	CONN=$out
}

# Sets CONN (no password) from the URL in variable $1 and exports its password, if any.
use_database() { # DATABASE_URL_LOCAL|DATABASE_URL_REMOTE
	URL_LABEL=$1
	require "$1"
	local url=${!1}
	CONN=$url
	if [[ $url =~ ^postgres(ql)?:// ]]; then
		split_uri "$url"
	elif [[ $url == *=* ]]; then
		split_kv "$url"
	fi
	if $CONN_HAS_PASSWORD; then
		PGPASSWORD=$CONN_PASSWORD
		export PGPASSWORD
	fi
}

# ---------------------------------------------------------------------------------------------
# Running children

cleanup() {
	local rc=$?
	if [ -n "$PARTIAL_DIR" ] && [ -e "$PARTIAL_DIR" ]; then
		rm -rf -- "$PARTIAL_DIR"
	fi
	[ -z "$LIST_FILE" ] || rm -f -- "$LIST_FILE"
	exit $rc
}

on_signal() { # signal name, exit status
	trap - INT TERM HUP
	if [ -n "$CHILD_PID" ]; then
		# rcr cancels its server queries and removes what it wrote on SIGTERM.
		kill -TERM "$CHILD_PID" 2>/dev/null || true
		wait "$CHILD_PID" 2>/dev/null || true
		CHILD_PID=
	fi
	echo "$PROG: interrupted by SIG$1" >&2
	exit "$2"
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# Runs a command as a waited-for background child (so signals reach the trap at once);
# returns its exit status.
run() {
	"$@" &
	CHILD_PID=$!
	local rc=0
	wait "$CHILD_PID" || rc=$?
	CHILD_PID=
	return $rc
}

find_rcr() {
	if ! command -v "$RCR" >/dev/null 2>&1; then
		die "rcr not found: put it on PATH or set RCR to its path"
	fi
}

pg_tool() { # name -> path (RCR_PG_BINDIR as rcr uses it, else PATH)
	if [ -n "${RCR_PG_BINDIR:-}" ]; then
		echo "$RCR_PG_BINDIR/$1"
	else
		echo "$1"
	fi
}

# ---------------------------------------------------------------------------------------------
# Archives

TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}(-[0-9]{2}-[0-9]{2}-[0-9]{2})?'

# Kind of a backup name: full, data, or empty when it is not one of ours.
kind_of() { # basename
	local b=${1%.dump} q
	q=$(printf '%s' "$DATABASE_NAME" | sed 's/[][\.*^$+?(){}|]/\\&/g')
	if [[ $b =~ ^$q-data-$TS_RE$ ]]; then
		echo data
	elif [[ $b =~ ^$q-$TS_RE$ ]]; then
		echo full
	fi
}

# Backup names in BACKUP_DIR (rcr directories and legacy .dump files), newest first.
backups_newest_first() {
	local f b
	[ -d "$BACKUP_DIR" ] || return 0
	for f in "$BACKUP_DIR/$DATABASE_NAME"-*; do
		[ -e "$f" ] || continue
		b=${f##*/}
		[ -n "$(kind_of "$b")" ] || continue
		# Sort on the timestamp, whatever the kind and format.
		printf '%s\t%s\n' "$(echo "${b%.dump}" | grep -Eo "$TS_RE\$")" "$b"
	done | sort -r | cut -f2
}

# What an rcr archive holds: "full", "data-only" or "schema-only" (its manifest's content).
archive_content() { # path
	local json
	json=$("$RCR" list --json "$1") || return 1
	[[ $json =~ \"content\":\"([^\"]*)\" ]] && echo "${BASH_REMATCH[1]}"
}

# Checks one backup; on failure prints the reason on stdout and returns non-zero.
check_archive() { # path expected-kind(full|data|any)
	local path=$1 want=$2 out content
	if [ -f "$path" ]; then
		if ! out=$("$(pg_tool pg_restore)" -l "$path" 2>&1 >/dev/null); then
			echo "pg_restore cannot read it: $(echo "$out" | head -n 1)"
			return 1
		fi
		return 0
	fi
	local fp_before
	fp_before=$(fingerprint "$path") || fp_before=
	if ! out=$("$RCR" verify -q -j "$PARALLEL_JOBS" "$path" 2>/dev/null); then
		local first n
		first=$(echo "$out" | grep -m 1 '^problem: ' | sed 's/^problem: //')
		n=$(echo "$out" | grep -c '^problem: ' || true)
		rm -f -- "$path/$MARK_FILE" 2>/dev/null || true
		echo "rcr verify found $n problem(s): ${first:-unreadable}"
		return 1
	fi
	note_verified "$path" "$fp_before"
	content=$(archive_content "$path")
	if [ "$want" = full ] && [ "$content" != full ]; then
		echo "it holds '$content' content, not a full backup"
		return 1
	fi
	if [ "$want" = data ] && [ "$content" != data-only ]; then
		echo "it holds '$content' content, not a data-only backup"
		return 1
	fi
	return 0
}

# What the verification note of an archive holds: a hash of manifest.rcr and one of the listing
# of its files (not directories, not db-manager's own files) with type, size, inode and mtime.
fingerprint() { # archive directory -> line
	local dir=$1 m l
	[ -f "$dir/manifest.rcr" ] && [ ! -L "$dir/manifest.rcr" ] || return 1
	m=$(sha256sum <"$dir/manifest.rcr") || return 1
	l=$(cd -- "$dir" && find . \( -path "./$INFO_FILE" -o -path "./$MARK_FILE*" \) -prune -o ! -type d \
		-printf '%P\t%y\t%s\t%i\t%T@\n' | LC_ALL=C sort | sha256sum) || return 1
	echo "manifest ${m%% *} files ${l%% *}"
}

# After rcr verify accepted a backup of ours: notes it, if its files are still the ones it
# verified (the fingerprint taken before the verify). A backup that cannot be written to (read-
# only media) simply gets no note.
note_verified() { # path fingerprint-before
	local path=$1 fp
	[ -n "$2" ] && [ -f "$path/$INFO_FILE" ] || return 0
	fp=$(fingerprint "$path") || return 0
	[ "$fp" = "$2" ] || return 0
	{ printf '# rcr verify accepted this archive at %s; db-manager trusts this note while the files match\n%s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$fp" >"$path/$MARK_FILE.tmp" &&
		mv -f -- "$path/$MARK_FILE.tmp" "$path/$MARK_FILE"; } 2>/dev/null || rm -f -- "$path/$MARK_FILE.tmp" 2>/dev/null || true
}

# True when a backup's verification note matches its files as they are now.
is_verified() { # path
	local path=$1 fp
	[ -f "$path/$MARK_FILE" ] && [ ! -L "$path/$MARK_FILE" ] || return 1
	fp=$(fingerprint "$path") || return 1
	[ "$(sed -n 2p "$path/$MARK_FILE")" = "$fp" ]
}

# What db-manager recorded in a backup it wrote (source, kind, base); fails for a directory
# it did not write.
backup_info() { # path key -> value
	local f=$1/$INFO_FILE
	[ -d "$1" ] && [ ! -L "$1" ] && [ -f "$f" ] && [ ! -L "$f" ] || return 1
	sed -n "s/^$2=//p" "$f" | head -n 1
}

# Our backups of SOURCE and KIND (full|data), newest first.
our_backups() { # source kind
	local b
	while IFS= read -r b; do
		[ "$(kind_of "$b")" = "$2" ] || continue
		[ "$(backup_info "$BACKUP_DIR/$b" source 2>/dev/null)" = "$1" ] || continue
		echo "$b"
	done < <(backups_newest_first)
}

# Sets BASE to the newest of our backups of SOURCE and KIND that rcr verify accepts (a matching
# note stands for a verify), skipping the names given; empty when there is none.
pick_base() { # source kind [skip...]
	local source=$1 kind=$2 b reason skip
	shift 2
	BASE=
	while IFS= read -r b; do
		for skip in "$@"; do [ "$skip" = "$b" ] && continue 2; done
		if is_verified "$BACKUP_DIR/$b"; then
			BASE=$b
			return 0
		fi
		if reason=$(check_archive "$BACKUP_DIR/$b" "$kind"); then
			BASE=$b
			return 0
		fi
		say "Not taking $b as a base: $reason"
	done < <(our_backups "$source" "$kind")
}

# The statement that empties the tables a legacy data-only .dump holds, in one statement (so
# foreign keys among them do not get in the way); empty when it holds none. The names are taken
# from the COPY statements of pg_restore's script, where pg_dump quoted them: pg_restore -l
# shows them unquoted, space-separated, and a name with a space there ("a b" next to "a") would
# truncate another table. A name the script breaks over lines (a newline in it) is not found:
# then the counts differ and the restore stops before anything is changed.
truncate_sql() { # .dump path
	local entries ident re sql='' n=0 line
	entries=$("$(pg_tool pg_restore)" -l "$1" | grep -c '^[0-9]*; [0-9]* [0-9]* TABLE DATA ') || entries=0
	ident='("([^"]|"")*"|[a-z0-9_]+)'
	re="^COPY ($ident\.$ident) .*FROM stdin;\$"
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		sql+="${sql:+, }${BASH_REMATCH[1]}"
		n=$((n + 1))
	done < <("$(pg_tool pg_restore)" --data-only -f - "$1" | grep -a '^COPY ')
	[ "$n" = "$entries" ] ||
		die "cannot tell which tables '$1' holds ($entries table data entries, $n COPY statements read): nothing was restored" 4
	[ -z "$sql" ] || printf 'TRUNCATE TABLE %s;\n' "$sql"
}

resolve_archive() { # name or path -> path
	local a=$1
	if [ -e "$a" ]; then
		echo "$a"
	elif [ -e "$BACKUP_DIR/$a" ]; then
		echo "$BACKUP_DIR/$a"
	else
		die "no backup '$a' (neither a path nor a name in $BACKUP_DIR)"
	fi
}

# ---------------------------------------------------------------------------------------------
# Commands

# Takes the lock of BACKUP_DIR: shared (-s, waiting) while a backup is written or one is read,
# exclusive (-x -n, not waiting) to delete backups. The lock file stays; the lock goes with the
# script and the children it runs (they inherit the descriptor).
lock_backups() { # flock options
	if [ -z "$LOCK_FD" ]; then
		[ -d "$BACKUP_DIR" ] || return 0
		exec {LOCK_FD}>>"$BACKUP_DIR/.db-manager.lock" || die "cannot open '$BACKUP_DIR/.db-manager.lock'"
	fi
	flock "$@" "$LOCK_FD"
}
LOCK_FD=

# Epoch seconds of a backup name's timestamp (local time, as `date` wrote it).
name_time() { # name
	local ts
	ts=$(echo "${1%.dump}" | grep -Eo "$TS_RE\$")
	if [ ${#ts} -gt 10 ]; then
		ts="${ts:0:10} ${ts:11:2}:${ts:14:2}:${ts:17:2}"
	fi
	date -d "$ts" +%s
}

# Removes one of our backups: renamed to a hidden name first, so that a removal cut short never
# leaves a directory with a backup's name.
delete_backup() { # name
	local path=$BACKUP_DIR/$1 gone=$BACKUP_DIR/.$1.deleting
	backup_info "$path" source >/dev/null || return 0
	rm -rf -- "$gone"
	mv -T -- "$path" "$gone" || die "could not rename '$path' to delete it" 3
	rm -rf -- "$gone"
	say "Deleted $1"
}

# Retention for one source and kind: keeps the --keep newest, those of the last --keep-days
# days, and the newest that verifies; deletes the rest of our backups. Needs the exclusive lock.
prune_kind() { # source kind
	local source=$1 kind=$2 b i=0 cutoff=0 newest_ok='' reason
	local -a names=()
	mapfile -t names < <(our_backups "$source" "$kind")
	[ ${#names[@]} -gt 0 ] || return 0
	[ -z "$KEEP_DAYS" ] || cutoff=$(($(date +%s) - KEEP_DAYS * 86400))
	for b in "${names[@]}"; do
		if is_verified "$BACKUP_DIR/$b" || reason=$(check_archive "$BACKUP_DIR/$b" "$kind"); then
			newest_ok=$b
			break
		fi
		say "Not counting $b as verified: $reason"
	done
	for b in "${names[@]}"; do
		i=$((i + 1))
		[ "$b" = "$newest_ok" ] && continue
		[ -n "$KEEP_N" ] && [ "$i" -le "$KEEP_N" ] && continue
		[ -n "$KEEP_DAYS" ] && [ "$(name_time "$b")" -ge "$cutoff" ] && continue
		delete_backup "$b"
	done
}

# Removes what deletions cut short left (hidden .NAME.deleting directories, only db-manager
# makes them). Needs the exclusive lock.
finish_deletions() {
	local f
	for f in "$BACKUP_DIR/.$DATABASE_NAME"-*.deleting; do
		[ -d "$f" ] && [ ! -L "$f" ] || continue
		rm -rf -- "$f"
		say "Removed ${f##*/} (a deletion that was cut short)"
	done
}

# Runs retention for the given source/kind pairs ("remote full" ...), if --keep or --keep-days
# was given and no other run is using BACKUP_DIR.
prune() { # "source kind"...
	local sk
	[ -n "$KEEP_N$KEEP_DAYS" ] || return 0
	if ! lock_backups -x -n; then
		say "Old backups not deleted: another db-manager run is using $BACKUP_DIR (retention runs again after the next backup, or with prune)"
		return 0
	fi
	finish_deletions
	for sk in "$@"; do
		# shellcheck disable=SC2086 # "source kind" splits into two arguments
		prune_kind $sk
	done
}

do_backup() { # local|remote
	local source=$1 date name backup_path kind=full want=full rc reason
	local -a dump_args base_args refused=()
	case $source in
	local) use_database DATABASE_URL_LOCAL ;;
	remote) use_database DATABASE_URL_REMOTE ;;
	*) die "backup needs 'local' or 'remote', got '$source'" ;;
	esac
	find_rcr
	date=$(date +%Y-%m-%d-%H-%M-%S)
	dump_args=(--jobs="$PARALLEL_JOBS" --compress="$COMPRESS_LEVEL" --no-owner --no-privileges --no-comments)
	if [ "$DATA_ONLY" = true ]; then
		name="${DATABASE_NAME}-data-${date}"
		kind=data
		want=data
		dump_args+=(--data-only --schema=public)
	else
		name="${DATABASE_NAME}-${date}"
		dump_args+=(--schema=public --schema=drizzle)
	fi
	backup_path="$BACKUP_DIR/$name"
	mkdir -p -- "$BACKUP_DIR"
	[ ! -e "$backup_path" ] || die "'$backup_path' already exists"
	# Held until the script ends: retention deletes nothing while this backup is written or
	# its base is read.
	lock_backups -s

	BASE=
	if [ "$FULL" = false ]; then
		local help
		help=$("$RCR" dump --help 2>&1 || true)
		if [[ $help == *--base* ]]; then
			pick_base "$source" "$kind"
		else
			say "This rcr has no dump --base: writing a full backup"
		fi
	fi
	while :; do
		# A directory of our own (mktemp: unique, 0700): a run never removes another's, nor a
		# user's file that happens to have the name.
		PARTIAL_DIR=$(mktemp -d --suffix=.partial -- "$BACKUP_DIR/.$name.XXXXXX") || die "could not create a directory in '$BACKUP_DIR'"
		base_args=()
		if [ -n "$BASE" ]; then
			base_args=(--base="$BACKUP_DIR/$BASE")
			say "Creating incremental backup from $source database on $BASE ($PARALLEL_JOBS jobs, compression level $COMPRESS_LEVEL)..."
		else
			say "Creating backup from $source database ($PARALLEL_JOBS jobs, compression level $COMPRESS_LEVEL)..."
		fi
		rc=0
		run "$RCR" dump --dbname="$CONN" "${dump_args[@]}" "${base_args[@]}" --file="$PARTIAL_DIR" || rc=$?
		# Exit 2 with a base: rcr refused the base (a frame it would share failed its hash),
		# before it shared anything. The base is damaged although it once verified: its note
		# goes, and the next older verified backup is tried.
		[ $rc -eq 2 ] && [ -n "$BASE" ] || break
		rm -f -- "$BACKUP_DIR/$BASE/$MARK_FILE"
		rm -rf -- "$PARTIAL_DIR"
		refused+=("$BASE")
		say "rcr dump refused $BASE as a base; trying an older one"
		pick_base "$source" "$kind" "${refused[@]}"
	done
	[ $rc -eq 0 ] || die "backup failed (rcr dump exit status $rc); nothing was kept" $rc
	printf 'source=%s\nkind=%s\nbase=%s\ncreated=%s\n' "$source" "$kind" "$BASE" "$date" >"$PARTIAL_DIR/$INFO_FILE" ||
		die "could not write '$PARTIAL_DIR/$INFO_FILE'; this backup was not kept" 3
	# Verified before it gets its name (and its note): the next backup takes it as its base.
	if ! reason=$(check_archive "$PARTIAL_DIR" "$want"); then
		die "the new backup failed verification: $reason; it was not kept" 2
	fi
	# The name was free when the backup started; another run started in the same second takes
	# it too, and the one that finishes second is told so (not mv's raw message), keeping the
	# other's archive.
	if ! mv -T -- "$PARTIAL_DIR" "$backup_path" 2>/dev/null; then
		[ ! -e "$backup_path" ] || die "'$backup_path' was created by another backup while this one ran (both started in the same second); this one was not kept"
		die "could not rename '$PARTIAL_DIR' to '$backup_path'; this backup was not kept" 3
	fi
	PARTIAL_DIR=
	say "Backup created at: $backup_path"
	prune "$source $kind"
}

do_restore() { # [archive]
	local want=full dump_path='' b reason rc=0
	[ "$DATA_ONLY" = true ] && want=data
	check_name_settings
	use_database DATABASE_URL_LOCAL
	find_rcr
	lock_backups -s

	if [ $# -gt 0 ]; then
		dump_path=$(resolve_archive "$1")
		b=${dump_path%/}
		b=${b##*/}
		# A named backup restores as what it is; --data-only is implied by its kind.
		if [ -d "$dump_path" ]; then
			want=any
		elif [ "$(kind_of "$b")" = data ]; then
			DATA_ONLY=true
		fi
		if ! reason=$(check_archive "$dump_path" "$want"); then
			die "cannot restore '$dump_path': $reason" 2
		fi
		if [ -d "$dump_path" ]; then
			if [ "$(archive_content "$dump_path")" = data-only ]; then
				DATA_ONLY=true
			else
				DATA_ONLY=false
			fi
		fi
	else
		while IFS= read -r b; do
			[ "$(kind_of "$b")" = "$want" ] || continue
			if reason=$(check_archive "$BACKUP_DIR/$b" "$want"); then
				dump_path="$BACKUP_DIR/$b"
				break
			fi
			say "Skipping $b: $reason"
		done < <(backups_newest_first)
		if [ -z "$dump_path" ]; then
			local what="full"
			[ "$want" = data ] && what="data-only"
			die "no complete $what backup found in $BACKUP_DIR" 2
		fi
	fi

	if [ -f "$dump_path" ]; then
		say "$dump_path is a legacy pg_dump archive (.dump): restoring it through pg_restore"
		local -a pr_args=(--dbname="$CONN" --jobs="$PARALLEL_JOBS" --no-owner --no-privileges)
		if [ "$DATA_ONLY" = true ]; then
			# As for rcr archives, one transaction empties and loads the tables: pg_restore
			# writes the data as a script, and psql runs the TRUNCATE and it with -1 (pg_restore
			# -1 could not hold the TRUNCATE), so a failure part-way leaves the old rows.
			say "Restoring $dump_path into the local database (data only, one transaction: all tables or none)..."
			local tsql
			tsql=$(truncate_sql "$dump_path") || exit $?
			run bash -o pipefail -c '{ printf "%s" "$1"; "$2" --data-only --disable-triggers --no-owner --no-privileges -f - "$3"; } |
				"$4" -X -q -1 -v ON_ERROR_STOP=1 -d "$5" -f - >/dev/null' _ \
				"$tsql" "$(pg_tool pg_restore)" "$dump_path" "$(pg_tool psql)" "$CONN" || rc=$?
			[ $rc -eq 0 ] || die "restore of '$dump_path' failed (pg_restore | psql exit status $rc); the local tables keep their rows" 4
			say "Restore complete."
			return
		else
			# pg_dump -n public records "CREATE SCHEMA public", which every database already
			# has (and --clean would try to drop it under the extensions): leave it out, as
			# rcr restore does.
			LIST_FILE=$(mktemp "${TMPDIR:-/tmp}/db-manager-list.XXXXXX")
			"$(pg_tool pg_restore)" -l "$dump_path" | sed 's/^\([0-9]*; [0-9]* [0-9]* SCHEMA - public \)/;\1/' >"$LIST_FILE"
			pr_args+=(--clean --if-exists --use-list="$LIST_FILE")
		fi
		say "Restoring $dump_path into the local database ($PARALLEL_JOBS jobs)..."
		run "$(pg_tool pg_restore)" "${pr_args[@]}" "$dump_path" || rc=$?
		[ $rc -eq 0 ] || die "restore of '$dump_path' failed (pg_restore exit status $rc)" 4
		say "Restore complete."
		return
	fi

	local -a args=(--dbname="$CONN" --no-owner --no-privileges)
	if [ "$DATA_ONLY" = true ]; then
		# One transaction empties the tables and loads them: a failure part-way leaves every
		# table with its old rows (at the price of loading over one connection).
		args+=(--data-only --single-transaction --truncate --disable-triggers)
	else
		args+=(--jobs="$PARALLEL_JOBS" --clean --if-exists)
		# The local database is the developer's: usable as soon as its data, keys and
		# constraints are, while the vector indexes build concurrently (rcr restore
		# --usable-first; a failed build still fails the restore, naming the index).
		[ "$USABLE_FIRST" = true ] && args+=(--usable-first)
	fi
	if [ "$DATA_ONLY" = true ]; then
		say "Restoring $dump_path into the local database (data only, one transaction: all tables or none)..."
	else
		say "Restoring $dump_path into the local database ($PARALLEL_JOBS jobs, replacing the objects it holds)..."
	fi
	run "$RCR" restore "${args[@]}" "$dump_path" || rc=$?
	[ $rc -eq 0 ] || die "restore of '$dump_path' failed (rcr restore exit status $rc)" $rc
	say "Restore complete."
}

# Bytes of the files of each directory given: "own shared" (files with one link, and with more:
# shared with another backup), each inode counted once.
link_bytes() { # dir
	find "$1" -type f -printf '%i %n %s\n' | awk '!seen[$1]++ { if ($2 > 1) sh += $3; else own += $3 }
		END { printf "%d %d\n", own, sh }'
}

human() { numfmt --to=iec "$1"; }

do_list() {
	check_name_settings
	find_rcr
	local b path kind source state f json id own shared base any=false
	local -a names=()
	local -A name_of_id=()
	mapfile -t names < <(backups_newest_first)
	# archive_id -> name, to name each backup's base
	declare -A meta_of=()
	for b in "${names[@]}"; do
		[ -d "$BACKUP_DIR/$b" ] || continue
		json=$("$RCR" list --json "$BACKUP_DIR/$b" 2>/dev/null) || continue
		meta_of[$b]=$json
		[[ $json =~ \"archive_id\":\"([0-9a-f]+)\" ]] && name_of_id[${BASH_REMATCH[1]}]=$b
	done
	printf '%-40s %-5s %-7s %7s %7s  %-45s %s\n' NAME KIND SOURCE OWN SHARED BASE STATE
	for b in "${names[@]}"; do
		any=true
		path="$BACKUP_DIR/$b"
		kind=$(kind_of "$b")
		source=$(backup_info "$path" source 2>/dev/null) || source=-
		base=-
		if [ -f "$path" ]; then
			own=$(stat -c %s -- "$path")
			shared=0
			state="legacy pg_dump -Fc (restores through pg_restore)"
		else
			read -r own shared < <(link_bytes "$path")
			json=${meta_of[$b]:-}
			if [ -z "$json" ]; then
				state="INCOMPLETE: no manifest"
			elif is_verified "$path"; then
				state="verified $(sed -n '1s/.* at \([^;]*\);.*/\1/p' "$path/$MARK_FILE")"
			else
				state="complete (run verify to check every frame)"
			fi
			if [[ $json =~ \"base_archive_id\":\"([0-9a-f]+)\" ]]; then
				id=${BASH_REMATCH[1]}
				base=${name_of_id[$id]:-}
				if [ -z "$base" ]; then
					base="(deleted)"
					[[ $json =~ \"base_path\":\"([^\"]*)\" ]] && base="${BASH_REMATCH[1]##*/} (deleted)"
				fi
			fi
		fi
		printf '%-40s %-5s %-7s %7s %7s  %-45s %s\n' "$b" "$kind" "$source" "$(human "$own")" "$(human "$shared")" "$base" "$state"
	done
	for f in "$BACKUP_DIR/.$DATABASE_NAME"-*.partial "$BACKUP_DIR/.$DATABASE_NAME"-*.deleting; do
		[ -e "$f" ] || continue
		any=true
		read -r own shared < <(link_bytes "$f")
		if [[ $f == *.partial ]]; then
			state="unfinished backup (running, or killed before it could clean up)"
		else
			state="backup being deleted (or a deletion that was cut short)"
		fi
		printf '%-40s %-5s %-7s %7s %7s  %-45s %s\n' "${f##*/}" - - "$(human "$own")" "$(human "$shared")" - "$state"
	done
	if $any; then
		# du counts a file with several links in BACKUP_DIR once.
		say "Disk used by $BACKUP_DIR: $(du -sb -- "$BACKUP_DIR" | cut -f1 | numfmt --to=iec) (files shared by several backups counted once)"
	else
		say "(no backups of $DATABASE_NAME in $BACKUP_DIR)"
	fi
}

do_prune() {
	check_name_settings
	[ -n "$KEEP_N$KEEP_DAYS" ] || die "prune needs --keep N or --keep-days D"
	[ -d "$BACKUP_DIR" ] || return 0
	lock_backups -x -n || die "another db-manager run is using $BACKUP_DIR; nothing was deleted"
	find_rcr
	local source kind
	finish_deletions
	for source in local remote; do
		for kind in full data; do
			prune_kind "$source" "$kind"
		done
	done
}

do_verify() { # [archive]
	check_name_settings
	find_rcr
	lock_backups -s
	local -a paths=()
	local b bad=0 reason
	if [ $# -gt 0 ]; then
		paths=("$(resolve_archive "$1")")
	else
		while IFS= read -r b; do paths+=("$BACKUP_DIR/$b"); done < <(backups_newest_first)
		[ ${#paths[@]} -gt 0 ] || die "no backups of $DATABASE_NAME in $BACKUP_DIR" 2
	fi
	for b in "${paths[@]}"; do
		if reason=$(check_archive "$b" any); then
			if [ -f "$b" ]; then
				say "OK      ${b##*/} (legacy .dump: pg_restore reads its table of contents; it has no checksums)"
			else
				say "OK      ${b##*/}"
			fi
		else
			say "FAILED  ${b##*/}: $reason"
			bad=$((bad + 1))
		fi
	done
	[ $bad -eq 0 ] || die "$bad of ${#paths[@]} backup(s) failed verification" 2
}

# ---------------------------------------------------------------------------------------------
# Arguments

need_value() { # option, remaining argument count
	[ "$2" -ge 2 ] || die "option $1 needs a value"
}

positional=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-j | --jobs)
		need_value "$1" $#
		PARALLEL_JOBS=$2
		shift
		;;
	--jobs=*) PARALLEL_JOBS=${1#*=} ;;
	-j?*) PARALLEL_JOBS=${1#-j} ;;
	-Z | --compress)
		need_value "$1" $#
		COMPRESS_LEVEL=$2
		shift
		;;
	--compress=*) COMPRESS_LEVEL=${1#*=} ;;
	-Z?*) COMPRESS_LEVEL=${1#-Z} ;;
	--data-only) DATA_ONLY=true ;;
	--full | --no-base) FULL=true ;;
	--keep)
		need_value "$1" $#
		KEEP_N=$2
		shift
		;;
	--keep=*) KEEP_N=${1#*=} ;;
	--keep-days)
		need_value "$1" $#
		KEEP_DAYS=$2
		shift
		;;
	--keep-days=*) KEEP_DAYS=${1#*=} ;;
	--usable-first) USABLE_FIRST=true ;;
	--no-usable-first) USABLE_FIRST=false ;;
	--env-file)
		need_value "$1" $#
		ENV_FILE=$2
		ENV_FILE_GIVEN=true
		shift
		;;
	--env-file=*)
		ENV_FILE=${1#*=}
		ENV_FILE_GIVEN=true
		;;
	--) shift; positional+=("$@"); break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) positional+=("$1") ;;
	esac
	shift
done

if ! [[ $PARALLEL_JOBS =~ ^[0-9]{1,3}$ ]] || ((10#$PARALLEL_JOBS < 1 || 10#$PARALLEL_JOBS > 256)); then
	die "-j/--jobs must be a number from 1 to 256, got '$PARALLEL_JOBS'"
fi
if ! [[ $COMPRESS_LEVEL =~ ^[0-9]{1,2}$ ]] || ((10#$COMPRESS_LEVEL > 22)); then
	die "-Z/--compress must be a number from 0 to 22, got '$COMPRESS_LEVEL'"
fi
if [ -n "$KEEP_N" ] && { ! [[ $KEEP_N =~ ^[0-9]{1,6}$ ]] || ((10#$KEEP_N < 1)); }; then
	die "--keep must be a number of backups from 1, got '$KEEP_N'"
fi
if [ -n "$KEEP_DAYS" ] && { ! [[ $KEEP_DAYS =~ ^[0-9]{1,6}$ ]] || ((10#$KEEP_DAYS < 1)); }; then
	die "--keep-days must be a number of days from 1, got '$KEEP_DAYS'"
fi
[ -z "$KEEP_N" ] || KEEP_N=$((10#$KEEP_N))
[ -z "$KEEP_DAYS" ] || KEEP_DAYS=$((10#$KEEP_DAYS))
PARALLEL_JOBS=$((10#$PARALLEL_JOBS))
COMPRESS_LEVEL=$((10#$COMPRESS_LEVEL))

[ ${#positional[@]} -gt 0 ] || die "no command given (backup, restore, list, verify or prune; see --help)"

if $ENV_FILE_GIVEN; then
	load_env_file "$ENV_FILE"
elif [ -f "$SCRIPT_DIR/.env" ]; then
	ENV_FILE="$SCRIPT_DIR/.env"
	load_env_file "$ENV_FILE"
fi

cmd=${positional[0]}
args=("${positional[@]:1}")
case $cmd in
backup)
	[ ${#args[@]} -eq 1 ] || die "usage: $PROG backup local|remote"
	check_name_settings
	do_backup "${args[0]}"
	;;
restore)
	[ ${#args[@]} -le 1 ] || die "usage: $PROG restore [ARCHIVE]"
	do_restore "${args[@]}"
	;;
list)
	[ ${#args[@]} -eq 0 ] || die "usage: $PROG list"
	do_list
	;;
verify)
	[ ${#args[@]} -le 1 ] || die "usage: $PROG verify [ARCHIVE]"
	do_verify "${args[@]}"
	;;
prune)
	[ ${#args[@]} -eq 0 ] || die "usage: $PROG prune --keep N | --keep-days D"
	do_prune
	;;
*) die "unknown command '$cmd' (backup, restore, list, verify or prune; see --help)" ;;
esac
