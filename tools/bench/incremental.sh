#!/usr/bin/env bash
# incremental.sh: rcr dump --base measured (issue 15, item 5) on a throwaway PostgreSQL cluster,
# with bench.sh's dataset (gen_data.c, schema.sql, post_load.sql). See tools/bench/README.md.
#
#   tools/bench/incremental.sh [--scale S] [-j N] [--seed N] [--days D] [--keep K]
#                              [--days-scale S] [--vector-index hnsw|hash|none] [--rcr PATH]
#                              [--workdir DIR] [--keep-workdir] [--results DIR]
#
# At --scale (default 1): a full dump; an append-mostly day (2% of rows inserted, 0.1% updated,
# 0.1% deleted, VACUUM) and a dump with the full archive as its base; a churn day (1% updated,
# embedding and text, rows at random; 1% inserted; 0.5% deleted; VACUUM) and a dump with the
# previous archive as its base. Each day also gets a full dump and the restores of both of its
# archives (each compared with the source, table by table, ordered by key). Then at --days-scale
# (default 0.1): --days churn days (default 30) backed up by db-manager.sh --keep K (default 7);
# every kept archive must verify and restore identical to its day's database. Prints a table
# with the targets and writes JSON under tools/bench/results/ (--days 0: no days part).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BENCH=$SRC/tools/bench
# shellcheck source=lib.sh
. "$BENCH/lib.sh"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PATH="$PGBIN:$PATH"
export PGOPTIONS="-c client_min_messages=warning"

SCALE=1
JOBS=2
SEED=42
DAYS=30
KEEP=7
DAYS_SCALE=0.1
VEC_INDEX=""
RCR=${RCR:-}
WORKDIR=""
KEEP_WORKDIR=0
RESULTS=$BENCH/results
BASE_ROWS=60000
DIM=768
FEEDS=50

usage() {
	sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 1
}
die() {
	echo "incremental.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--scale) SCALE=$2; shift 2 ;;
	--scale=*) SCALE=${1#*=}; shift ;;
	-j | --jobs) JOBS=$2; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	--seed) SEED=$2; shift 2 ;;
	--days) DAYS=$2; shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	--days-scale) DAYS_SCALE=$2; shift 2 ;;
	--vector-index) VEC_INDEX=$2; shift 2 ;;
	--rcr) RCR=$2; shift 2 ;;
	--workdir) WORKDIR=$2; shift 2 ;;
	--keep-workdir) KEEP_WORKDIR=1; shift ;;
	--results) RESULTS=$2; shift 2 ;;
	-h | --help) usage ;;
	*) echo "incremental.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--scale must be a positive number"
[[ "$DAYS_SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--days-scale must be a positive number"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "-j must be a positive integer"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer"
[[ "$DAYS" =~ ^[0-9]+$ ]] || die "--days takes a number of days (0: no days part)"
[[ "$KEEP" =~ ^[1-9][0-9]*$ ]] || die "--keep takes a positive number of backups"
case $VEC_INDEX in "" | hnsw | hash | none) ;; *) die "--vector-index must be hnsw, hash or none" ;; esac

for t in psql createdb dropdb cc flock numfmt; do
	command -v "$t" >/dev/null || die "'$t' not found (PostgreSQL 15 client, util-linux, coreutils and a C compiler are needed)"
done

bench_build_rcr
help=$("$RCR" dump --help 2>&1 || true)
[[ $help == *--base* ]] || die "'$RCR' has no dump --base"

# The work directory: made here and removed at exit (with --keep-workdir kept); a given one
# must be empty, and only its contents are removed.
bench_workdir rcr-incr
mkdir -p "$W/log" "$W/out" "$W/sums"
cleanup() {
	"$SRC/tests/harness/pg_cluster.sh" stop "$W/pg" >/dev/null 2>&1 || true
	if [ "$KEEP_WORKDIR" = 1 ]; then
		echo "incremental.sh: kept $W" >&2
	else
		bench_clear_workdir
	fi
}
trap cleanup EXIT

GEN=$W/gen_data
cc -O2 -std=c99 -D_DEFAULT_SOURCE -o "$GEN" "$BENCH/gen_data.c" -lm

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "null"; else printf "%.2f", 100 * a / b }'; }
# N per cent of R rows, rounded, at least 1.
share() { awk -v p="$1" -v r="$2" 'BEGIN { n = int(p * r / 100 + 0.5); print (n < 1 ? 1 : n) }'; }

# --- the cluster ------------------------------------------------------------------------------
"$SRC/tests/harness/pg_cluster.sh" start "$W/pg" >/dev/null
# shellcheck source=/dev/null # written by pg_cluster.sh start, at run time
. "$W/pg/env"
export PGHOST PGPORT PGUSER PGDATABASE
# As in bench.sh: no autovacuum competing with the measurements; each day ends with a VACUUM.
Q -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
bench_vector_ext
PG_VERSION=$(Q -d postgres -c "SHOW server_version")

# --- data ---------------------------------------------------------------------------------------
# NEXT[table]: the next gen_data row number of a database's inserts (rows 0 .. ROWS-1 are the
# initial load; every insert takes new rows, so new ids, uuids and guids).
declare -A NEXT

# gen_copy DB TABLE TARGET SEED FIRST COUNT: gen_data rows FIRST.. of TABLE into TARGET.
gen_copy() {
	local db=$1 t=$2 target=$3 seed=$4 first=$5 count=$6
	"$GEN" "$t" --seed "$seed" --first "$first" --count "$count" --dim "$DIM" --feeds "$FEEDS" |
		Q -d "$db" -c "COPY $target ($("$GEN" "$t" --columns)) FROM STDIN (FORMAT binary)"
}

# make_db DB SCALE: bench.sh's dataset: schema.sql, the two big tables loaded over JOBS
# streams of row ranges each, post_load.sql (keys, indexes, VACUUM FREEZE ANALYZE).
make_db() {
	local db=$1 rows t i first count pid
	local -a pids
	rows=$(rows_at "$2")
	createdb "$db"
	Q -d "$db" -v vec_ext="$EXT" -v dim="$DIM" -v feeds="$FEEDS" -f "$BENCH/schema.sql" >/dev/null
	for t in records feed_entries; do
		pids=()
		for ((i = 0; i < JOBS; i++)); do
			first=$((rows * i / JOBS))
			count=$((rows * (i + 1) / JOBS - first))
			[ "$count" -gt 0 ] || continue
			gen_copy "$db" "$t" "public.$t" "$SEED" "$first" "$count" &
			pids+=($!)
		done
		for pid in "${pids[@]}"; do wait "$pid" || die "loading $t into $db failed"; done
		NEXT[$db.$t]=$rows
	done
	bench_post_load "$db"
}

# day DB DAY ROWS INSERT% UPDATE% DELETE%: one day of the application on both big tables,
# then VACUUM (not FULL). Updated rows are picked at random and get the title, text and
# embedding of a row generated with another seed; deleted rows are picked at random; inserted
# rows are new gen_data rows. setseed makes the picks repeatable.
day() {
	local db=$1 d=$2 rows=$3 ins upd del t text
	ins=$(share "$4" "$rows")
	upd=$(share "$5" "$rows")
	del=$(share "$6" "$rows")
	for t in records feed_entries; do
		gen_copy "$db" "$t" "public.$t" "$SEED" "${NEXT[$db.$t]}" "$ins"
		NEXT[$db.$t]=$((NEXT[$db.$t] + ins))
		if [ "$t" = records ]; then text="title = s.title, body = s.body"; else text="title = s.title, summary = s.summary"; fi
		Q -d "$db" -c "DROP TABLE IF EXISTS public.day_stage" -c "CREATE UNLOGGED TABLE public.day_stage (LIKE public.$t)"
		gen_copy "$db" "$t" public.day_stage $((SEED + 1000 + d)) 0 "$upd"
		Q -d "$db" -c "SELECT setseed($(awk -v d="$d" 'BEGIN { printf "%.6f", (d % 1000) / 1000 }'))" \
			-c "WITH pick AS (SELECT id, row_number() OVER () AS n FROM (SELECT id FROM public.$t ORDER BY random() LIMIT $upd) p),
			         s AS (SELECT *, row_number() OVER () AS n FROM public.day_stage)
			    UPDATE public.$t t SET $text, embedding = s.embedding FROM pick JOIN s USING (n) WHERE t.id = pick.id" \
			-c "DELETE FROM public.$t WHERE id IN (SELECT id FROM public.$t ORDER BY random() LIMIT $del)" \
			-c "DROP TABLE public.day_stage" >/dev/null
	done
	Q -d "$db" -c "VACUUM" >/dev/null
}

# The user tables of DB, as schema-qualified names.
tables_of() {
	Q -d "$1" -c "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		AND c.relname <> 'day_stage' ORDER BY 1"
}

# One line per table of DB: its name, row count and the SHA-256 of its rows ordered by its
# primary key (binary COPY): an incremental archive restores the same rows in another physical
# order, so only an ordered comparison can say "identical".
db_sum() {
	local db=$1 t key
	for t in $(tables_of "$db"); do
		key=$(Q -d "$db" -c "SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
			FROM pg_index x CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY k(attnum, i)
			JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
			WHERE x.indrelid = '$t'::regclass AND x.indisprimary")
		[ -n "$key" ] || die "table $t of $db has no primary key to order by"
		printf '%s %s %s\n' "$t" "$(Q -d "$db" -c "SELECT count(*) FROM $t")" \
			"$(Q -d "$db" -c "COPY (SELECT * FROM $t ORDER BY $key) TO STDOUT (FORMAT binary)" | sha256sum | cut -d' ' -f1)"
	done
}

# --- measuring ----------------------------------------------------------------------------------
declare -A WALL LABEL SIZE NEWB
ORDER=()
RATIOS=()
ratio() { RATIOS+=("$1|$2|$3|$4|$5"); }

# The server's dirty buffers and the OS's dirty pages written out before each measurement.
quiesce() {
	Q -d postgres -c CHECKPOINT >/dev/null
	sync
}

# timed KEY LABEL CMD...: wall time of CMD (its output in $W/log/KEY.out/.err).
timed() {
	local key=$1 label=$2 t0 rc=0
	shift 2
	quiesce
	t0=$EPOCHREALTIME
	"$@" >"$W/log/$key.out" 2>"$W/log/$key.err" || rc=$?
	WALL[$key]=$(fsub "$EPOCHREALTIME" "$t0")
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$W/log/$key.err" >&2
		die "'$label' failed (exit $rc)"
	fi
	LABEL[$key]=$label
	ORDER+=("$key")
}

# Bytes of the files of an archive, all of them, and those with one link (the archive's own: a
# file shared with its base has two or more).
archive_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
new_bytes() { find "$1" -type f -links 1 -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

dump() { # key label archive [--base BASE]
	local key=$1 label=$2 out=$3
	shift 3
	timed "$key" "$label" "$RCR" dump --progress=never -j "$JOBS" -d bench -f "$out" "$@"
	SIZE[$key]=$(archive_bytes "$out")
	NEWB[$key]=$(new_bytes "$out")
	printf '   %-58s %8.2f s %9s MB, new %9s MB\n' "$label" "${WALL[$key]}" "$(mb "${SIZE[$key]}")" "$(mb "${NEWB[$key]}")"
}

# restore KEY LABEL ARCHIVE SUMS WHAT: restores into a new database, compares it with SUMS.
IDENT=()
restore() {
	local key=$1 label=$2 archive=$3 sums=$4 what=$5 same=no
	dropdb --if-exists restored
	createdb restored
	timed "$key" "$label" "$RCR" restore --progress=never -j "$JOBS" -d restored "$archive"
	db_sum restored >"$W/sums/$key"
	cmp -s "$W/sums/$key" "$sums" && same=yes
	IDENT+=("$key|$same|$what")
	printf '   %-58s %8.2f s, identical to the source: %s\n' "$label" "${WALL[$key]}" "$same"
	[ "$same" = yes ] || diff "$sums" "$W/sums/$key" >&2 || true
	dropdb restored
}

ROWS=$(rows_at "$SCALE")
RCR_COMMIT=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ "$RCR_BUILT" = 1 ] || RCR_COMMIT="$RCR (tree at $RCR_COMMIT)"
echo "== $(nproc) cores; PostgreSQL $PG_VERSION; $EXT $EXT_VERSION; rcr $RCR_COMMIT"
echo "== dataset: scale $SCALE ($ROWS records + $ROWS feed_entries, vector($DIM), seed $SEED; vector index: $VEC_INDEX)"
make_db bench "$SCALE"

# Day 0: the full archive every later one builds on.
dump full0 "day 0: rcr dump -j$JOBS (full)" "$W/out/day0"
db_sum bench >"$W/sums/day0"

# A day, then its two dumps (full, and with the previous archive as base) and their restores.
# The full dump of the same day is the reference for size and time.
PREV=$W/out/day0
measure_day() { # n name ins% upd% del%
	local n=$1 name=$2
	day bench "$n" "$ROWS" "$3" "$4" "$5"
	db_sum bench >"$W/sums/day$n"
	dump "${name}_full" "$name day: rcr dump -j$JOBS (full)" "$W/out/day$n.full"
	dump "${name}_incr" "$name day: rcr dump -j$JOBS --base (previous day's)" "$W/out/day$n" --base "$PREV"
	restore "${name}_restore_full" "$name day: rcr restore -j$JOBS of the full archive" "$W/out/day$n.full" "$W/sums/day$n" \
		"$name day: the full archive restores identical (ordered)"
	restore "${name}_restore_incr" "$name day: rcr restore -j$JOBS of the incremental one" "$W/out/day$n" "$W/sums/day$n" \
		"$name day: the incremental archive restores identical (ordered)"
	rm -rf "$W/out/day$n.full"
	PREV=$W/out/day$n
}
echo "== append-mostly day: 2% inserted, 0.1% updated, 0.1% deleted, VACUUM"
measure_day 1 append 2 0.1 0.1
echo "== churn day: 1% updated (text and embedding, rows at random), 1% inserted, 0.5% deleted, VACUUM"
measure_day 2 churn 1 1 0.5

for d in append churn; do
	t=5
	[ "$d" = churn ] && t=15
	ratio "${d}_new_bytes_pct" "$(pct "${NEWB[${d}_incr]}" "${SIZE[${d}_full]}")" "<=" "$t" \
		"$d day: new bytes of the incremental archive, % of a full one"
	ratio "${d}_dump_time_vs_full" "$(div "${WALL[${d}_incr]}" "${WALL[${d}_full]}")" "<=" 0.5 \
		"$d day: incremental rcr dump / full rcr dump, wall"
	ratio "${d}_restore_time_vs_full" "$(div "${WALL[${d}_restore_incr]}" "${WALL[${d}_restore_full]}")" "<=" 1.1 \
		"$d day: restore of the incremental / of the full archive, wall"
done

# --- days in a row with retention, through db-manager.sh ----------------------------------------
DAY_ROWS=()
if [ "$DAYS" -gt 0 ]; then
	DROWS=$(rows_at "$DAYS_SCALE")
	echo "== $DAYS days at scale $DAYS_SCALE ($DROWS + $DROWS rows): churn days, db-manager.sh backup remote --keep $KEEP"
	make_db days "$DAYS_SCALE"
	cat >"$W/days.env" <<EOF
DATABASE_URL_REMOTE=host=$PGHOST port=$PGPORT dbname=days user=$PGUSER
DATABASE_NAME=days
BACKUP_DIR=$W/days
EOF
	export RCR
	last=
	for ((n = 1; n <= DAYS; n++)); do
		[ "$n" = 1 ] || day days "$((100 + n))" "$DROWS" 1 1 0.5
		# Backup names have one-second resolution.
		while [ "$(date +%s)" = "$last" ]; do sleep 0.05; done
		last=$(date +%s)
		"$SRC/tools/db-manager.sh" --env-file "$W/days.env" -j "$JOBS" backup remote --keep "$KEEP" >"$W/log/days$n.out" 2>&1 ||
			{ tail -n 20 "$W/log/days$n.out" >&2; die "day $n: db-manager.sh backup failed"; }
		name=$(sed -n 's/^Backup created at: .*\///p' "$W/log/days$n.out")
		db_sum days >"$W/sums/$name"
		echo "$n $name" >>"$W/days.names"
	done
	DAYS_DISK=$(du -sb "$W/days" | cut -f1)
	# One full archive of the last day, with db-manager's options, for scale.
	"$RCR" dump --progress=never -j "$JOBS" -d days --schema=public --schema=drizzle --no-owner --no-privileges \
		--no-comments -Z 6 -f "$W/out/days.full" >/dev/null 2>&1
	DAYS_FULL=$(archive_bytes "$W/out/days.full")
	rm -rf "$W/out/days.full"
	kept=0 ok=0 same=0
	while read -r n name; do
		if [ ! -d "$W/days/$name" ]; then
			DAY_ROWS+=("$n|$name|false|null|null")
			continue
		fi
		kept=$((kept + 1))
		v=false s=false
		"$RCR" verify -q -j "$JOBS" "$W/days/$name" >/dev/null 2>&1 && v=true && ok=$((ok + 1))
		dropdb --if-exists restored
		createdb restored
		Q -d restored -c "CREATE EXTENSION $EXT"
		if "$RCR" restore --progress=never -j "$JOBS" -d restored "$W/days/$name" >"$W/log/days_restore_$n.out" 2>&1 &&
			db_sum restored | cmp -s - "$W/sums/$name"; then
			s=true
			same=$((same + 1))
		fi
		dropdb restored
		DAY_ROWS+=("$n|$name|true|$v|$s")
		echo "   day $n: $name kept, verifies: $v, restores identical: $s"
	done <"$W/days.names"
	ratio days_disk_vs_full "$(div "$DAYS_DISK" "$DAYS_FULL")" "<=" 2 \
		"$DAYS days, --keep $KEEP: disk of the kept backups / one full archive"
	ratio days_kept "$kept" "==" "$KEEP" "$DAYS days, --keep $KEEP: backups kept"
	ratio days_kept_verified "$ok" "==" "$kept" "$DAYS days: kept backups that rcr verify accepts"
	ratio days_kept_identical "$same" "==" "$kept" "$DAYS days: kept backups restoring identical to their day"
fi

# --- report -------------------------------------------------------------------------------------
echo
echo "rcr incremental benchmark: scale $SCALE ($ROWS + $ROWS rows), -j$JOBS, $(nproc) cores, PostgreSQL $PG_VERSION, $EXT $EXT_VERSION, rcr $RCR_COMMIT"
printf '%-62s %8s %9s %9s\n' "what" "wall s" "size MB" "new MB"
for k in "${ORDER[@]}"; do
	printf '%-62s %8.2f %9s %9s\n' "${LABEL[$k]}" "${WALL[$k]}" "$([ -n "${SIZE[$k]:-}" ] && mb "${SIZE[$k]}")" \
		"$([ -n "${NEWB[$k]:-}" ] && mb "${NEWB[$k]}")"
done
echo "new: bytes of the archive's files with one link (its own; the rest are hard links to its base's)"
for r in "${IDENT[@]}"; do
	IFS='|' read -r k same what <<<"$r"
	ratio "${k}_identical" "$same" "==" yes "$what"
done
met_of() { # value cmp target
	[ "$1" != null ] || { echo NO; return; }
	case $2 in
	"==") [ "$1" = "$3" ] && echo yes || echo NO ;;
	*) awk -v v="$1" -v t="$3" -v c="$2" 'BEGIN { ok = (c == "<=") ? v <= t : v >= t; print ok ? "yes" : "NO" }' ;;
	esac
}
echo
printf '%-72s %9s %9s %5s\n' "figure" "value" "target" "met"
for r in "${RATIOS[@]}"; do
	IFS='|' read -r name value cmp target desc <<<"$r"
	printf '%-72s %9s %9s %5s\n' "$desc" "$value" "$cmp$target" "$(met_of "$value" "$cmp" "$target")"
done
[ "$DAYS" -eq 0 ] || echo "days: disk $(mb "$DAYS_DISK") MB for the kept backups (hard links counted once), one full archive $(mb "$DAYS_FULL") MB"

mkdir -p "$RESULTS"
json=$RESULTS/incremental-$(date -u +%Y%m%dT%H%M%SZ).json
jval() { case $1 in null | true | false | [0-9]* | -[0-9]*) printf '%s' "$1" ;; *) jstr "$1" ;; esac; }
{
	echo "{"
	echo "  \"date\": $(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
	echo "  \"machine\": {\"cores\": $(nproc), \"kernel\": $(jstr "$(uname -r)")},"
	echo "  \"postgresql\": $(jstr "$PG_VERSION"), \"vector_extension\": $(jstr "$EXT $EXT_VERSION"), \"vector_index\": $(jstr "$VEC_INDEX"),"
	echo "  \"rcr\": {\"commit\": $(jstr "$RCR_COMMIT"), \"binary\": $(jstr "$RCR")},"
	echo "  \"dataset\": {\"scale\": $SCALE, \"records\": $ROWS, \"feed_entries\": $ROWS, \"dim\": $DIM, \"seed\": $SEED}, \"jobs\": $JOBS,"
	echo "  \"runs\": ["
	n=0
	for k in "${ORDER[@]}"; do
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		printf '    {"key": %s, "what": %s, "wall_s": %s, "size_bytes": %s, "new_bytes": %s}' "$(jstr "$k")" \
			"$(jstr "${LABEL[$k]}")" "${WALL[$k]}" "${SIZE[$k]:-null}" "${NEWB[$k]:-null}"
	done
	echo
	echo "  ],"
	if [ "$DAYS" -gt 0 ]; then
		echo "  \"days\": {\"days\": $DAYS, \"keep\": $KEEP, \"scale\": $DAYS_SCALE, \"disk_bytes\": $DAYS_DISK, \"full_archive_bytes\": $DAYS_FULL, \"backups\": ["
		n=0
		for r in "${DAY_ROWS[@]}"; do
			IFS='|' read -r d name k v s <<<"$r"
			[ $n -gt 0 ] && echo ","
			n=$((n + 1))
			printf '    {"day": %s, "name": %s, "kept": %s, "verifies": %s, "restores_identical": %s}' "$d" "$(jstr "$name")" "$k" "$v" "$s"
		done
		echo
		echo "  ]},"
	fi
	echo "  \"ratios\": ["
	n=0
	for r in "${RATIOS[@]}"; do
		IFS='|' read -r name value cmp target desc <<<"$r"
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		met=$(met_of "$value" "$cmp" "$target")
		printf '    {"name": %s, "value": %s, "target": %s, "met": %s, "what": %s}' "$(jstr "$name")" "$(jval "$value")" \
			"$(jstr "$cmp $target")" "$([ "$met" = yes ] && echo true || echo false)" "$(jstr "$desc")"
	done
	echo
	echo "  ]"
	echo "}"
} >"$json"
echo
echo "results: $json"
