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
set -euo pipefail

PROG=db-manager.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PARALLEL_JOBS=4
COMPRESS_LEVEL=6
DATA_ONLY=false
USABLE_FIRST=true
ENV_FILE=
ENV_FILE_GIVEN=false
RCR=${RCR:-rcr}

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
  list                 List the backups in BACKUP_DIR, newest first
  verify [ARCHIVE]     Check every backup in BACKUP_DIR (or ARCHIVE) with rcr verify

Options:
  -j, --jobs N         Number of parallel jobs (default: 4)
  -Z, --compress N     Compression level 0-22 (zstd; default: 6, 0=none)
  --data-only          Back up only the data of schema public / restore a data-only backup
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
	if ! out=$("$RCR" verify -q -j "$PARALLEL_JOBS" "$path" 2>/dev/null); then
		local first n
		first=$(echo "$out" | grep -m 1 '^problem: ' | sed 's/^problem: //')
		n=$(echo "$out" | grep -c '^problem: ' || true)
		echo "rcr verify found $n problem(s): ${first:-unreadable}"
		return 1
	fi
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

do_backup() { # local|remote
	local source=$1 date name backup_path
	local -a dump_args
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
		dump_args+=(--data-only --schema=public)
	else
		name="${DATABASE_NAME}-${date}"
		dump_args+=(--schema=public --schema=drizzle)
	fi
	backup_path="$BACKUP_DIR/$name"
	mkdir -p -- "$BACKUP_DIR"
	[ ! -e "$backup_path" ] || die "'$backup_path' already exists"
	# A directory of our own (mktemp: unique, 0700): a run never removes another's, nor a user's
	# file that happens to have the name.
	PARTIAL_DIR=$(mktemp -d --suffix=.partial -- "$BACKUP_DIR/.$name.XXXXXX") || die "could not create a directory in '$BACKUP_DIR'"

	say "Creating backup from $source database ($PARALLEL_JOBS jobs, compression level $COMPRESS_LEVEL)..."
	local rc=0
	run "$RCR" dump --dbname="$CONN" "${dump_args[@]}" --file="$PARTIAL_DIR" || rc=$?
	[ $rc -eq 0 ] || die "backup failed (rcr dump exit status $rc); nothing was kept" $rc
	# The name was free when the backup started; another run started in the same second takes
	# it too, and the one that finishes second is told so (not mv's raw message), keeping the
	# other's archive.
	if ! mv -T -- "$PARTIAL_DIR" "$backup_path" 2>/dev/null; then
		[ ! -e "$backup_path" ] || die "'$backup_path' was created by another backup while this one ran (both started in the same second); this one was not kept"
		die "could not rename '$PARTIAL_DIR' to '$backup_path'; this backup was not kept" 3
	fi
	PARTIAL_DIR=
	say "Backup created at: $backup_path"
}

do_restore() { # [archive]
	local want=full dump_path='' b reason rc=0
	[ "$DATA_ONLY" = true ] && want=data
	check_name_settings
	use_database DATABASE_URL_LOCAL
	find_rcr

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

do_list() {
	check_name_settings
	find_rcr
	local b path kind format size state f any=false
	printf '%-45s %-5s %-8s %8s  %s\n' NAME KIND FORMAT SIZE STATE
	while IFS= read -r b; do
		any=true
		path="$BACKUP_DIR/$b"
		kind=$(kind_of "$b")
		size=$(du -sh -- "$path" | cut -f1)
		if [ -f "$path" ]; then
			format=pg_dump
			state="legacy (restores through pg_restore)"
		else
			format=rcr
			if "$RCR" list "$path" >/dev/null 2>&1; then
				state="complete (run verify to check every frame)"
			else
				state="INCOMPLETE: no manifest"
			fi
		fi
		printf '%-45s %-5s %-8s %8s  %s\n' "$b" "$kind" "$format" "$size" "$state"
	done < <(backups_newest_first)
	for f in "$BACKUP_DIR/.$DATABASE_NAME"-*.partial; do
		[ -e "$f" ] || continue
		any=true
		printf '%-45s %-5s %-8s %8s  %s\n' "${f##*/}" - rcr "$(du -sh -- "$f" | cut -f1)" \
			"unfinished backup (running, or killed before it could clean up)"
	done
	$any || say "(no backups of $DATABASE_NAME in $BACKUP_DIR)"
}

do_verify() { # [archive]
	check_name_settings
	find_rcr
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
PARALLEL_JOBS=$((10#$PARALLEL_JOBS))
COMPRESS_LEVEL=$((10#$COMPRESS_LEVEL))

[ ${#positional[@]} -gt 0 ] || die "no command given (backup, restore, list or verify; see --help)"

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
*) die "unknown command '$cmd' (backup, restore, list or verify; see --help)" ;;
esac
