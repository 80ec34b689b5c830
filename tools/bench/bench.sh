#!/usr/bin/env bash
# bench.sh: rcr against pg_dump/pg_restore and the server's own floors, in one run, on the same
# data, on a throwaway PostgreSQL cluster (issue #3, section 1). See tools/bench/README.md.
#
#   tools/bench/bench.sh [--scale S] [-j N] [--fp16] [--seed N] [--rss-scales A,B]
#                        [--linearity] [--vector-index hash|hnsw|none] [--rcr PATH]
#                        [--workdir DIR] [--keep] [--results DIR] [--quiet-wait SECONDS]
#                        [--nice N] [--repeat R] [--server-conf NAME=VALUE]...
#                        [--hold-guest-memory] [--many-tables N]
#
# Prints a table (wall time, client CPU, client peak RSS, archive size) and every ratio against
# rcr with the issue's targets, and writes the same as JSON under tools/bench/results/.
# Everything printed was measured in this run; nothing is hard-coded.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BENCH=$SRC/tools/bench
# shellcheck source=lib.sh
. "$BENCH/lib.sh"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PATH="$PGBIN:$PATH"

SCALE=1
JOBS=2
FP16=0
SEED=42
RSS_SCALES=""
LINEARITY=0
VEC_INDEX=""
RCR=${RCR:-}
WORKDIR=""
KEEP=0
QUIET_WAIT=30
NICE=""
REPEAT=1
RESULTS=$BENCH/results
SERVER_CONF=()
HOLD_MEM=0
MANY=0
BASE_ROWS=60000
DIM=768
FEEDS=50

usage() {
	sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 1
}
die() {
	echo "bench.sh: $*" >&2
	exit 1
}

ARGS=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--scale) SCALE=$2; shift 2 ;;
	--scale=*) SCALE=${1#*=}; shift ;;
	-j | --jobs) JOBS=$2; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	--jobs=*) JOBS=${1#*=}; shift ;;
	--fp16) FP16=1; shift ;;
	--seed) SEED=$2; shift 2 ;;
	--rss-scales) RSS_SCALES=$2; shift 2 ;;
	--rss-scales=*) RSS_SCALES=${1#*=}; shift ;;
	--linearity) LINEARITY=1; shift ;;
	--vector-index) VEC_INDEX=$2; shift 2 ;;
	--rcr) RCR=$2; shift 2 ;;
	--workdir) WORKDIR=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--quiet-wait) QUIET_WAIT=$2; shift 2 ;;
	--nice) NICE=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--results) RESULTS=$2; shift 2 ;;
	--server-conf) SERVER_CONF+=("$2"); shift 2 ;;
	--hold-guest-memory) HOLD_MEM=1; shift ;;
	--many-tables) MANY=$2; shift 2 ;;
	--many-tables=*) MANY=${1#*=}; shift ;;
	-h | --help) usage ;;
	*) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--scale must be a positive number"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "-j must be a positive integer"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer"
[[ "$QUIET_WAIT" =~ ^[0-9]+$ ]] || die "--quiet-wait takes seconds"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "--repeat takes a positive integer"
[[ "$MANY" =~ ^[0-9]+$ ]] || die "--many-tables takes a number of tables"
if [ "$LINEARITY" = 1 ] && [ -z "$RSS_SCALES" ]; then RSS_SCALES=1,4; fi
case $VEC_INDEX in
"" | hnsw | hash | none) ;;
btree) die "--vector-index btree cannot work: a vector($DIM) value exceeds the btree index row size limit (2704 bytes)" ;;
*) die "--vector-index must be hnsw, hash or none" ;;
esac
# --nice N: the whole run, the cluster included, at scheduling priority N (negative needs root),
# so that other programs on a shared machine take less of its CPU. With autogroup scheduling
# (Linux's default for desktop kernels) a process's nice value only counts inside its session's
# group, so the run also gets a session of its own (setsid) whose group is set to N, and so is
# the cluster's group (see set_cluster_nice).
if [ -n "$NICE" ] && [ -z "${RCR_BENCH_NICED:-}" ]; then
	[[ "$NICE" =~ ^-?[0-9]+$ ]] || die "--nice takes an integer"
	RCR_BENCH_NICED=1 exec setsid --wait nice -n "$NICE" "${BASH_SOURCE[0]}" "${ARGS[@]}"
fi
if [ -n "$NICE" ] && [ -w /proc/self/autogroup ]; then
	echo "$NICE" >/proc/self/autogroup 2>/dev/null || echo "bench.sh: could not set the autogroup's nice value" >&2
fi
set_cluster_nice() {
	local pm
	[ -n "$NICE" ] || return 0
	pm=$(head -n 1 "$RCR_TEST_PGDATA/postmaster.pid")
	if [ -w "/proc/$pm/autogroup" ] && [ "$(cut -d' ' -f1 "/proc/$pm/autogroup")" != "$(cut -d' ' -f1 /proc/self/autogroup)" ]; then
		echo "$NICE" >"/proc/$pm/autogroup" 2>/dev/null || echo "bench.sh: could not set the cluster's autogroup nice value" >&2
	fi
}
autogroup_nice() { [ -r /proc/self/autogroup ] && awk '{ print $3 }' /proc/self/autogroup || echo none; }
if [ -n "$RSS_SCALES" ]; then
	[[ "$RSS_SCALES" =~ ^[0-9.]+(,[0-9.]+)+$ ]] || die "--rss-scales takes a list such as 1,4"
fi

# --- tools --------------------------------------------------------------------------------------
for t in psql pg_dump pg_restore createdb dropdb zstd xargs cc; do
	command -v "$t" >/dev/null || die "'$t' not found (PostgreSQL 15 client, zstd and a C compiler are needed)"
done
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 ||
	die "GNU time is needed for CPU and peak RSS: apt-get install time"

bench_build_rcr

# The bench removes at exit only what it made (lib.sh).
bench_workdir rcr-bench
mkdir -p "$W/log" "$W/out"
SAMPLER=""
cleanup() {
	if [ -n "$SAMPLER" ]; then kill "$SAMPLER" 2>/dev/null || true; fi
	"$SRC/tests/harness/pg_cluster.sh" stop "$W/pg" >/dev/null 2>&1 || true
	if [ "$KEEP" = 1 ]; then
		echo "bench.sh: kept $W" >&2
	else
		bench_clear_workdir
	fi
}
trap cleanup EXIT

# Free page reporting: a VM guest (Firecracker, QEMU with a virtio balloon) hands every free
# block of at least 2^order pages back to its host, and the next first touch of such memory costs
# a host page fault. A small dataset's run then reuses memory the host still backs while a big
# one needs fresh memory, so time grows faster than the data (see README, "Linearity on a VM").
# --hold-guest-memory pauses the reporting for this run (restored at exit) and touches the free
# memory once, so that every run, at every scale, gets memory the host backs.
PR_ORDER_FILE=${RCR_BENCH_PAGE_REPORTING_PARAM:-/sys/module/page_reporting/parameters/page_reporting_order}
PR_ORDER_WAS=""
PAGE_REPORTING=none
if [ -r "$PR_ORDER_FILE" ]; then PAGE_REPORTING="on (order $(cat "$PR_ORDER_FILE"))"; fi
if [ "$HOLD_MEM" = 1 ]; then
	[ -w "$PR_ORDER_FILE" ] || die "--hold-guest-memory: $PR_ORDER_FILE is not there or not writable (no free page reporting, or not root)"
	PR_ORDER_WAS=$(cat "$PR_ORDER_FILE")
	restore_reporting() { echo "$PR_ORDER_WAS" >"$PR_ORDER_FILE" 2>/dev/null || echo "bench.sh: could not restore $PR_ORDER_FILE to $PR_ORDER_WAS" >&2; }
	trap 'restore_reporting; cleanup' EXIT
	# An order above the buddy allocator's largest (10 on x86-64) matches no free block.
	echo 11 >"$PR_ORDER_FILE"
	PAGE_REPORTING="paused for this run (order $PR_ORDER_WAS -> 11)"
	cc -O2 -o "$W/warm_mem" "$BENCH/warm_mem.c"
	warm_mib=${RCR_BENCH_WARM_MIB:-$(awk '/^MemFree/ { m = int($2 / 1024) - 1024; print (m > 0 ? m : 0) }' /proc/meminfo)}
	echo "== free page reporting paused; touching $warm_mib MiB of free memory once"
	"$W/warm_mem" "$warm_mib"
fi

GEN=$W/gen_data
cc -O2 -std=c99 -D_DEFAULT_SOURCE -o "$GEN" "$BENCH/gen_data.c" -lm
cc -O2 -std=c99 -o "$W/mem_sample" "$BENCH/mem_sample.c"

# --- measuring ----------------------------------------------------------------------------------
# Each measurement KEY gets WALL[KEY] (s); CPU[KEY] (user+sys s of the whole client process tree,
# as GNU time reports for waited-for descendants); RSS[KEY] (KiB: the peak resident set of the
# largest single client process, GNU time %M); SRV[KEY] (CPU s of the cluster's server processes);
# BUSY[KEY] (cores busy machine-wide, on average); OTHER[KEY] (cores busy with anything but this
# client and this server: load from other programs, which makes the run noisy); and SIZE[KEY]
# (bytes, where there is output). With MEMSAMPLE=1, SRVMEM[KEY] and SRVRSS[KEY] (MiB): the peak
# over the run of the sum of the Pss, and of the Rss, of all the cluster's processes (parallel
# workers included), sampled every 0.2 s by mem_sample.c into $W/log/KEY.mem.
declare -A WALL CPU USR SYS RSS SIZE LABEL SRV BUSY OTHER T0 T1 SRVMEM SRVRSS
ORDER=()
NOISY=()
CLK_TCK=$(getconf CLK_TCK)
NPROC=$(nproc)

now() { echo "$EPOCHREALTIME"; }

# Machine-wide "total idle" jiffies from /proc/stat.
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $5 + $6; exit }' /proc/stat; }

# CPU jiffies of the cluster: the postmaster with its reaped children, plus its live children.
# A backend reaped while the process table is being read would be counted twice or not at all
# (its own line read before or after the postmaster's), and backends exit just as a measured
# client does; so the postmaster's reaped-children time is read before and after, and the read
# repeated until no child was reaped in between.
server_ticks() {
	local pm a b t i
	pm=$(head -n 1 "$RCR_TEST_PGDATA/postmaster.pid")
	reaped() { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$pm/stat"; }
	for ((i = 0; i < 20; i++)); do
		a=$(reaped)
		t=$({ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '{
			pid = $1; sub(/^.*\) /, "")      # drop "pid (comm) ": $1 is now the state, $2 the ppid
			if (pid == pm) t += $12 + $13 + $14 + $15
			else if ($2 == pm) t += $12 + $13
		} END { print t + 0 }')
		b=$(reaped)
		[ "$a" != "$b" ] || break
	done
	echo "$t"
}

# Busy cores over one sample of $1 seconds.
busy_sample() {
	local a b
	a=$(machine_ticks)
	sleep "$1"
	b=$(machine_ticks)
	awk -v a="$a" -v b="$b" -v n="$NPROC" 'BEGIN { split(a, x, " "); split(b, y, " ");
		dt = y[1] - x[1]; di = y[2] - x[2]; printf "%.2f", (dt > 0 ? n * (dt - di) / dt : 0) }'
}

# Waits until the machine is quiet (under 0.3 busy cores) for at most QUIET_WAIT seconds, so that
# other programs' load does not land in a measurement; warns when it gives up.
quiet_wait() {
	local t0 b
	[ "$QUIET_WAIT" -gt 0 ] || return 0
	t0=$SECONDS
	while :; do
		b=$(busy_sample 0.5)
		if awk -v b="$b" 'BEGIN { exit !(b < 0.3) }'; then return 0; fi
		if [ $((SECONDS - t0)) -ge "$QUIET_WAIT" ]; then
			echo "   (machine still busy: $b cores in use by other programs after ${QUIET_WAIT}s; measuring anyway)" >&2
			return 0
		fi
		sleep 2
	done
}

# measure KEY LABEL CMD...: runs CMD REPEAT times under GNU time and keeps the fastest run (other
# programs can only slow a run down). Around each run, the functions named by $SETUP and $TEARDOWN
# (if set) prepare and check its target, untimed. Stdin comes from $IN (default /dev/null); a
# run's stdout and stderr go to $W/log/KEY#I.out and .err; with STAMP=1 each stderr line is
# prefixed by the time it arrived (for rcr restore -v's phases). BEST[KEY] names the kept run.
declare -A BEST REPS PHASES
measure() {
	local key=$1 label=$2 i run best=""
	shift 2
	for ((i = 1; i <= REPEAT; i++)); do
		run="$key#$i"
		if [ -n "${SETUP:-}" ]; then "$SETUP"; fi
		measure_once "$run" "$label" "$@"
		if [ -n "${TEARDOWN:-}" ]; then "$TEARDOWN"; fi
		REPS[$key]="${REPS[$key]:+${REPS[$key]} }${WALL[$run]}"
		if [ -z "$best" ] || awk -v a="${WALL[$run]}" -v b="${WALL[$best]}" 'BEGIN { exit !(a < b) }'; then
			best=$run
		fi
	done
	BEST[$key]=$best
	for f in WALL CPU USR SYS RSS SRV BUSY OTHER; do
		eval "${f}[\$key]=\${${f}[\$best]}"
	done
	SRVMEM[$key]=${SRVMEM[$best]:-}
	SRVRSS[$key]=${SRVRSS[$best]:-}
	LABEL[$key]=$label
	ORDER+=("$key")
	if awk -v o="${OTHER[$key]}" 'BEGIN { exit !(o >= 0.25) }'; then NOISY+=("$key"); fi
	printf '   %-52s %7.2f s wall %7.2f s CPU %7.2f s server %7.1f MiB RSS%s%s\n' "$label" "${WALL[$key]}" \
		"${CPU[$key]}" "${SRV[$key]}" "$(awk -v k="${RSS[$key]}" 'BEGIN { printf "%.1f", k / 1024 }')" \
		"${SRVMEM[$key]:+, server peak ${SRVMEM[$key]} MiB}" "$([ "$REPEAT" -gt 1 ] && echo "  (best of ${REPS[$key]})")"
}

measure_once() {
	local key=$1 label=$2 rc=0 t0 t1 mach0 mach1 srv0 srv1 u s m pss rss
	shift 2
	quiesce
	quiet_wait
	srv0=$(server_ticks)
	mach0=$(machine_ticks)
	if [ "${MEMSAMPLE:-0}" = 1 ]; then
		"$W/mem_sample" "$(head -n 1 "$RCR_TEST_PGDATA/postmaster.pid")" 200 >"$W/log/$key.mem" &
		SAMPLER=$!
	fi
	t0=$(now)
	if [ "${STAMP:-0}" = 1 ]; then
		/usr/bin/time -f '@rusage %U %S %M' -o "$W/log/$key.time" "$@" <"${IN:-/dev/null}" 2>&1 >"$W/log/$key.out" |
			while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$W/log/$key.err" ||
			rc=$?
	else
		/usr/bin/time -f '@rusage %U %S %M' -o "$W/log/$key.time" "$@" <"${IN:-/dev/null}" \
			>"$W/log/$key.out" 2>"$W/log/$key.err" || rc=$?
	fi
	t1=$(now)
	if [ -n "$SAMPLER" ]; then
		kill -TERM "$SAMPLER"
		wait "$SAMPLER" || true
		SAMPLER=""
		read -r pss rss < <(mem_peak "$key")
		SRVMEM[$key]=$pss
		SRVRSS[$key]=$rss
	fi
	mach1=$(machine_ticks)
	srv1=$(server_ticks)
	if [ "$rc" -ne 0 ]; then
		echo "bench.sh: '$label' failed (exit $rc): $*" >&2
		tail -n 20 "$W/log/$key.err" >&2 2>/dev/null || true
		exit 1
	fi
	read -r _ u s m < <(grep '^@rusage' "$W/log/$key.time")
	T0[$key]=$t0
	T1[$key]=$t1
	WALL[$key]=$(fsub "$t1" "$t0")
	USR[$key]=$u
	SYS[$key]=$s
	CPU[$key]=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
	RSS[$key]=$m
	SRV[$key]=$(awk -v a="$srv0" -v b="$srv1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
	BUSY[$key]=$(awk -v a="$mach0" -v b="$mach1" -v n="$NPROC" 'BEGIN { split(a, x, " "); split(b, y, " ");
		dt = y[1] - x[1]; di = y[2] - x[2]; printf "%.2f", (dt > 0 ? n * (dt - di) / dt : 0) }')
	OTHER[$key]=$(awk -v b="${BUSY[$key]}" -v c="${CPU[$key]}" -v s="${SRV[$key]}" -v w="${WALL[$key]}" \
		'BEGIN { o = b - (c + s) / w; printf "%.2f", (o < 0 ? 0 : o) }')
}

# mem_peak KEY [FROM [TO]]: the peak of the sampled Pss sum and of the Rss sum (MiB) of run KEY,
# between the epoch times FROM and TO if given; "null null" without samples there.
mem_peak() {
	awk -v from="${2:-0}" -v to="${3:-9e18}" '$1 >= from && $1 <= to { n++; if ($3 > p) p = $3; if ($2 > r) r = $2 }
		END { if (n) printf "%.1f %.1f\n", p / 1024, r / 1024; else print "null null" }' "$W/log/$1.mem"
}

# add KEY LABEL A B: a row that is the sum of two measured rows run one after the other.
add() {
	local key=$1 label=$2 a=$3 b=$4
	WALL[$key]=$(awk -v x="${WALL[$a]}" -v y="${WALL[$b]}" 'BEGIN { printf "%.3f", x + y }')
	CPU[$key]=$(awk -v x="${CPU[$a]}" -v y="${CPU[$b]}" 'BEGIN { printf "%.2f", x + y }')
	USR[$key]=$(awk -v x="${USR[$a]}" -v y="${USR[$b]}" 'BEGIN { printf "%.2f", x + y }')
	SYS[$key]=$(awk -v x="${SYS[$a]}" -v y="${SYS[$b]}" 'BEGIN { printf "%.2f", x + y }')
	RSS[$key]=$((RSS[$a] > RSS[$b] ? RSS[$a] : RSS[$b]))
	SRV[$key]=$(awk -v x="${SRV[$a]}" -v y="${SRV[$b]}" 'BEGIN { printf "%.2f", x + y }')
	BUSY[$key]=$(awk -v x="${BUSY[$a]}" -v y="${BUSY[$b]}" -v p="${WALL[$a]}" -v q="${WALL[$b]}" 'BEGIN { printf "%.2f", (x * p + y * q) / (p + q) }')
	OTHER[$key]=$(awk -v x="${OTHER[$a]}" -v y="${OTHER[$b]}" -v p="${WALL[$a]}" -v q="${WALL[$b]}" 'BEGIN { printf "%.2f", (x * p + y * q) / (p + q) }')
	LABEL[$key]=$label
	ORDER+=("$key")
}

size_of() { du -sb "$1" | cut -f1; }

# Between measurements: write out the server's dirty buffers and the OS's dirty pages, so that
# one run's writeback does not land in the next one's time.
quiesce() {
	psql -X -qAt -d postgres -c CHECKPOINT >/dev/null
	sync
}


# --- the cluster and the data -------------------------------------------------------------------
# --many-tables: pg_dump -j and rcr each hold about two lock slots per table (and a restore's
# one pre-data transaction three: the table, its TOAST table and index), beyond the default
# lock table (64 x 100 connections).
if [ "$MANY" -gt 0 ]; then
	RCR_TEST_PG_CONF="max_locks_per_transaction = $(((3 * MANY + 6399) / 100 > 64 ? (3 * MANY + 6399) / 100 : 64))" \
		"$SRC/tests/harness/pg_cluster.sh" start "$W/pg" >/dev/null
else
	"$SRC/tests/harness/pg_cluster.sh" start "$W/pg" >/dev/null
fi
# shellcheck source=/dev/null # written by pg_cluster.sh start, at run time
. "$W/pg/env"
export PGHOST PGPORT PGUSER PGDATABASE
# Autovacuum would wake up on freshly restored tables and compete for the 2 cores with the next
# measurement; the source data is vacuumed and frozen explicitly instead.
Q -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
# --server-conf: settings for the cluster every tool runs against (reloadable ones only), e.g.
# max_wal_size=8GB to see how much of a big load's time is the server's checkpoints.
for kv in "${SERVER_CONF[@]}"; do
	[[ "$kv" =~ ^[a-z_]+=[A-Za-z0-9.]+$ ]] || die "--server-conf takes NAME=VALUE, got '$kv'"
	Q -d postgres -c "ALTER SYSTEM SET ${kv%%=*} = '${kv#*=}'" -c "SELECT pg_reload_conf()" >/dev/null
	echo "   server setting: $kv"
done
set_cluster_nice

bench_vector_ext

# make_db DB SCALE: creates DB with the benchmark's data at SCALE; prints what it generated.
make_db() {
	local db=$1 scale=$2 rows t0 t1 fp=() i first count
	rows=$(rows_at "$scale")
	[ "$FP16" = 1 ] && fp=(--fp16)
	createdb "$db"
	Q -d "$db" -v vec_ext="$EXT" -v dim="$DIM" -v feeds="$FEEDS" -f "$BENCH/schema.sql" >/dev/null
	t0=$(now)
	# Each big table is loaded over JOBS streams of row ranges; rows do not depend on the split.
	: >"$W/gen.jobs"
	for t in records feed_entries; do
		for ((i = 0; i < JOBS; i++)); do
			first=$((rows * i / JOBS))
			count=$((rows * (i + 1) / JOBS - first))
			[ "$count" -gt 0 ] || continue
			printf '%q %s --seed %s --first %s --count %s --dim %s --feeds %s %s | psql -X -q -v ON_ERROR_STOP=1 -d %s -c %q\n' \
				"$GEN" "$t" "$SEED" "$first" "$count" "$DIM" "$FEEDS" "${fp[*]:-}" "$db" \
				"COPY public.$t ($("$GEN" "$t" --columns)) FROM STDIN (FORMAT binary)" >>"$W/gen.jobs"
		done
	done
	xargs -d '\n' -P "$JOBS" -n 1 bash -o pipefail -c <"$W/gen.jobs"
	t1=$(now)
	bench_post_load "$db"
	echo "   $db: $rows records + $rows feed_entries loaded in $(fsub "$t1" "$t0") s, indexed and frozen in $(fsub "$(now)" "$t1") s"
}

# Tables of DB, biggest first, as "qualified_name<TAB>heap pages<TAB>total bytes with TOAST".
tables_of() {
	Q -d "$1" -F $'\t' -c "SELECT format('%I.%I', n.nspname, c.relname), pg_relation_size(c.oid) / 8192,
		pg_table_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		AND n.nspname NOT LIKE 'pg_toast%' ORDER BY pg_table_size(c.oid) DESC, 1"
}

# Row counts of every table of DB, one "name count" line each, for checking restores.
row_counts() {
	local db=$1 t
	for t in $(tables_of "$db" | cut -f1); do
		echo "$t $(Q -d "$db" -c "SELECT count(*) FROM $t")"
	done
}

check_restored() {
	if ! diff <(row_counts "$1") "$W/rows.$2" >"$W/log/rows.$1.diff"; then
		cat "$W/log/rows.$1.diff" >&2
		die "database '$1' does not hold the rows of '$2'"
	fi
}

# copy_floor_jobs DB SPLIT: job lines for binary COPY of every table to /dev/null; with SPLIT,
# tables of more than one heap page are cut into JOBS ctid ranges (TID range scans, PG14+).
copy_floor_jobs() {
	local db=$1 split=$2 t pages i a b
	while IFS=$'\t' read -r t pages _; do
		if [ "$split" = 1 ] && [ "$pages" -gt 1 ] && [ "$JOBS" -gt 1 ]; then
			for ((i = 0; i < JOBS; i++)); do
				a=$((pages * i / JOBS))
				b=$((pages * (i + 1) / JOBS))
				if [ "$i" -eq $((JOBS - 1)) ]; then
					printf 'psql -X -q -v ON_ERROR_STOP=1 -d %s -c %q >/dev/null\n' "$db" \
						"COPY (SELECT * FROM $t WHERE ctid >= '($a,0)') TO STDOUT (FORMAT binary)"
				else
					printf 'psql -X -q -v ON_ERROR_STOP=1 -d %s -c %q >/dev/null\n' "$db" \
						"COPY (SELECT * FROM $t WHERE ctid >= '($a,0)' AND ctid < '($b,0)') TO STDOUT (FORMAT binary)"
				fi
			done
		else
			printf 'psql -X -q -v ON_ERROR_STOP=1 -d %s -c %q >/dev/null\n' "$db" "COPY $t TO STDOUT (FORMAT binary)"
		fi
	done < <(tables_of "$db")
}

# run_jobs FILE: the shell lines of FILE over JOBS parallel lanes, each lane taking the next
# line when it is free (the order of FILE is biggest first, as pg_dump -j schedules).
# measure_jobs KEY LABEL FILE: the same, measured.
JOBS_CMD=(xargs -d '\n' -P "$JOBS" -n 1 bash -o pipefail -c)
run_jobs() { "${JOBS_CMD[@]}" <"$1"; }
measure_jobs() { IN=$3 measure "$1" "$2" "${JOBS_CMD[@]}"; }

# fresh_db DB [SECTION...]: (re)creates DB empty, then restores the given sections of the -Z6
# pg_dump into it (untimed): the starting point of a measured restore.
fresh_db() {
	local db=$1 sec
	shift
	PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$db"
	createdb "$db"
	for sec in "$@"; do
		pg_restore -j "$JOBS" --section="$sec" -d "$db" "$W/out/pgd_z6"
	done
}

# rcr restore -v's phases from the time-stamped stderr of run KEY: pre-data until the first
# table load starts, data until pg_restore's post-data starts, then post-data; "null" when the
# log does not show them.
restore_phases() {
	local key=$1 log=$W/log/$1.err ds ps
	ds=$(awk '/rcr: restoring table/ { print $1; exit }' "$log")
	ps=$(awk '/rcr: pg_restore .*post-data/ { print $1; exit }' "$log")
	if [ -n "$ds" ] && [ -n "$ps" ]; then
		echo "$(fsub "$ds" "${T0[$key]}") $(fsub "$ps" "$ds") $(fsub "${T1[$key]}" "$ps")"
	else
		echo "null null null"
	fi
}

# rcr restore -v's index phase from run KEY's time-stamped stderr: "POST_START IDX VEC_START
# VEC": when post-data started and how long its pg_restore of the indexes and constraints took,
# then when the vector indexes' builds started (the next pg_restore of post-data: vindex.c runs
# one per vector index after the others) and how long they took to the end; "null" for what the
# log does not show (VEC_START and VEC without vector indexes).
index_phase() {
	local key=$1 log=$W/log/$1.err ps vs
	ps=$(awk '/rcr: pg_restore .*post-data/ { print $1; exit }' "$log")
	vs=$(awk '/rcr: pg_restore .*post-data/ { if (++n == 2) { print $1; exit } }' "$log")
	if [ -n "$ps" ] && [ -n "$vs" ] && grep -q 'rcr: vector index .*maintenance_work_mem' "$log"; then
		echo "$ps $(fsub "$vs" "$ps") $vs $(fsub "${T1[$key]}" "$vs")"
	elif [ -n "$ps" ]; then
		echo "$ps $(fsub "${T1[$key]}" "$ps") null null"
	else
		echo "null null null null"
	fi
}

# "SECONDS" per line of psql's \timing output ("Time: 1234.567 ms (00:01.235)") in FILE.
timings() { awk '/^Time: [0-9.]+ ms/ { printf "%.3f\n", $2 / 1000 }' "$1"; }

# kB for a size as rcr's reports print it ("245.3 MB", "1.2 GB": decimal units, one decimal),
# rounded up past what the rounding of the print may have hidden, so never below rcr's figure.
print_to_kb() {
	awk -v v="$1" -v u="$2" 'BEGIN { m = (u == "kB") ? 1e3 : (u == "MB") ? 1e6 : (u == "GB") ? 1e9 : (u == "TB") ? 1e12 : 1
		printf "%d", int((v + 0.05) * m / 1024) + 1 }'
}

# The floors of rcr restore's index phase, each measured once (whatever --repeat), from what its
# -v log says it did, into a database holding the pre-data schema and the rows (untimed): its
# post-data without the vector indexes, by pg_restore with the session settings rcr gave its
# own ("rcr: index builds with ..."); then each vector index's CREATE INDEX alone, one at a
# time in rcr's order, with the maintenance_work_mem and parallel workers rcr reported for it.
# Sets POST_START IDX_PHASE VEC_START VEC_PHASE (index_phase) and VIDX_* (per vector index).
VIDX_NAMES=()
VIDX_RCR=()
VIDX_MEM=()
VIDX_WORKERS=()
VIDX_ALONE=()
index_floors() {
	local log=$W/log/${BEST[rcr_restore]}.err opts name secs v u w def kb
	read -r POST_START IDX_PHASE VEC_START VEC_PHASE < <(index_phase "${BEST[rcr_restore]}")
	opts=$(sed -n 's/^[0-9.]* rcr: index builds with //p' "$log" | head -n 1)
	Q -d bench -F $'\t' -c "SELECT format('%s.%s', n.nspname, c.relname), pg_get_indexdef(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam
		WHERE c.relkind = 'i' AND a.amname IN ('hnsw', 'ivfflat')" >"$W/vidx.tsv"
	echo '\set ON_ERROR_STOP on' >"$W/vidx_floor.sql"
	while read -r name secs v u w; do
		def=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$W/vidx.tsv")
		[ -n "$def" ] || die "rcr restore built vector index '$name', which the source does not have"
		kb=$(print_to_kb "$v" "$u")
		printf '%s\n' "SET maintenance_work_mem = '${kb}kB';" "SET max_parallel_maintenance_workers = $w;" \
			'\timing on' "$def;" '\timing off' >>"$W/vidx_floor.sql"
		VIDX_NAMES+=("$name")
		VIDX_RCR+=("$secs")
		VIDX_MEM+=("$v $u")
		VIDX_WORKERS+=("$w")
	done < <(sed -n 's/^[0-9.]* rcr: vector index \([^ ]*\) (.*): \([0-9.]*\) s, maintenance_work_mem \([0-9.]*\) \([kMGT]*B\), parallel workers \([0-9]*\);.*/\1 \2 \3 \4 \5/p' "$log")
	# A log this parsing no longer matches would silently leave the vector indexes out.
	[ ${#VIDX_NAMES[@]} = "$(wc -l <"$W/vidx.tsv")" ] ||
		die "rcr restore's -v log reports ${#VIDX_NAMES[@]} vector index builds, the source has $(wc -l <"$W/vidx.tsv")"
	# pg_restore -l lines: "ID; CLASS OID INDEX schema name owner".
	pg_restore -l "$W/out/pgd_z6" | awk -F'\t' -v vec="$W/vidx.tsv" 'FILENAME == vec { novec[$1] = 1; next }
		{ split($0, f, " ") } !(f[4] == "INDEX" && ((f[5] "." f[6]) in novec))' "$W/vidx.tsv" - >"$W/post_novec.list"
	echo "== the index phase's floors (each measured once)"
	DB=floor_idx SETUP=new_db_pre_data MEMSAMPLE=1 REPEAT=1 measure post_floor \
		"floor: post-data less vector indexes, rcr's settings" \
		env PGOPTIONS="$opts" pg_restore -j "$JOBS" --section=post-data -L "$W/post_novec.list" -d floor_idx "$W/out/pgd_z6"
	if [ ${#VIDX_NAMES[@]} -gt 0 ]; then
		DB=floor_idx MEMSAMPLE=1 REPEAT=1 measure vec_floor "floor: each vector index's CREATE INDEX alone" \
			psql -X -q -v ON_ERROR_STOP=1 -d floor_idx -f "$W/vidx_floor.sql"
		mapfile -t VIDX_ALONE < <(timings "$W/log/${BEST[vec_floor]}.out")
		[ ${#VIDX_ALONE[@]} = ${#VIDX_NAMES[@]} ] || die "psql timed ${#VIDX_ALONE[@]} of ${#VIDX_NAMES[@]} vector indexes"
	fi
	check_restored floor_idx bench
	dropdb floor_idx
}

machine_cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
machine_mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
PG_VERSION=$(Q -d postgres -c "SHOW server_version")
RCR_COMMIT=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$SRC" status --porcelain -- src include CMakeLists.txt 2>/dev/null)" ]; then
	RCR_COMMIT="$RCR_COMMIT+uncommitted"
fi
# A binary given with --rcr may not be built from this tree.
[ "$RCR_BUILT" = 1 ] || RCR_COMMIT="$RCR (tree at $RCR_COMMIT)"
ROWS=$(rows_at "$SCALE")
VARIANT=float32
[ "$FP16" = 1 ] && VARIANT=float16-origin

echo "== machine: $NPROC cores ($machine_cpu), $machine_mem; PostgreSQL $PG_VERSION; $EXT $EXT_VERSION; rcr $RCR_COMMIT; nice $(nice), autogroup nice $(autogroup_nice)"
echo "== free page reporting to the VM host: $PAGE_REPORTING"
if [ "$MANY" -gt 0 ]; then
	# shellcheck source=tools/bench/many_tables.sh
	. "$BENCH/many_tables.sh"
	exit 0
fi
echo "== dataset: scale $SCALE ($ROWS records + $ROWS feed_entries, vector($DIM), $VARIANT embeddings, seed $SEED; vector index: $VEC_INDEX)"
make_db bench "$SCALE"
DB_BYTES=$(Q -d bench -c "SELECT pg_database_size('bench')")
TABLE_BYTES=$(Q -d bench -c "SELECT sum(pg_table_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
row_counts bench >"$W/rows.bench"
echo "   tables $(awk -v b="$TABLE_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') (with TOAST), database $(awk -v b="$DB_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }')"

# Binary COPY streams saved to files (for the load floor); this also warms the cache for all.
echo "== saving binary COPY streams (untimed; warms the cache)"
mkdir -p "$W/copy"
: >"$W/copy.jobs"
: >"$W/load.jobs"
while IFS=$'\t' read -r t _ _; do
	printf 'psql -X -q -v ON_ERROR_STOP=1 -d bench -c %q >%q\n' "COPY $t TO STDOUT (FORMAT binary)" "$W/copy/$t.bin" >>"$W/copy.jobs"
	printf 'psql -X -q -v ON_ERROR_STOP=1 -d floor -c %q <%q\n' "COPY $t FROM STDIN (FORMAT binary)" "$W/copy/$t.bin" >>"$W/load.jobs"
done < <(tables_of bench)
run_jobs "$W/copy.jobs"
COPY_BYTES=$(size_of "$W/copy")
echo "   $(awk -v b="$COPY_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') of binary COPY"

echo "== dump (-j $JOBS)"
copy_floor_jobs bench 0 >"$W/floor.jobs"
measure_jobs copy_floor "binary COPY of every table to /dev/null, $JOBS conns" "$W/floor.jobs"
copy_floor_jobs bench 1 >"$W/floor_split.jobs"
measure_jobs copy_floor_split "  same, each table split in $JOBS ctid ranges" "$W/floor_split.jobs"
OUT=""
clear_out() { rm -rf "$OUT"; }
OUT=$W/out/rcr SETUP=clear_out measure rcr_dump "rcr dump -j$JOBS" \
	"$RCR" dump --progress=never -j "$JOBS" -d bench -f "$W/out/rcr"
SIZE[rcr_dump]=$(size_of "$W/out/rcr")
OUT=$W/out/pgd_z6 SETUP=clear_out measure pgd_z6 "pg_dump -Fd -j$JOBS -Z6" \
	pg_dump -Fd -j "$JOBS" -Z 6 -f "$W/out/pgd_z6" bench
SIZE[pgd_z6]=$(size_of "$W/out/pgd_z6")
OUT=$W/out/pgd_z0 SETUP=clear_out measure pgd_z0 "pg_dump -Fd -j$JOBS -Z0" \
	pg_dump -Fd -j "$JOBS" -Z 0 -f "$W/out/pgd_z0" bench
SIZE[pgd_z0]=$(size_of "$W/out/pgd_z0")
# zstd -6 compresses the -Z0 dump's data files in place, so every run after the first needs a
# new uncompressed dump.
find "$W/out/pgd_z0" -name '[0-9]*.dat' -printf '%s %p\n' | sort -rn | cut -d' ' -f2- |
	while IFS= read -r f; do printf 'zstd -6 -q --rm %q\n' "$f"; done >"$W/zstd.jobs"
z0_again() {
	if [ -n "$(find "$W/out/pgd_z0" -name '*.zst' -print -quit)" ]; then
		rm -rf "$W/out/pgd_z0"
		pg_dump -Fd -j "$JOBS" -Z 0 -f "$W/out/pgd_z0" bench
	fi
}
SETUP=z0_again measure_jobs zstd6 "zstd -6 on each data file, $JOBS in parallel" "$W/zstd.jobs"
SIZE[zstd6]=$(size_of "$W/out/pgd_z0")
add pgd_zstd "pg_dump -Fd -j$JOBS -Z0, then zstd -6 per file" pgd_z0 zstd6
SIZE[pgd_zstd]=${SIZE[zstd6]}
rm -rf "$W/out/pgd_z0"
OUT=$W/out/pgd_fc SETUP=clear_out measure pgd_fc "pg_dump -Fc" pg_dump -Fc -f "$W/out/pgd_fc" bench
SIZE[pgd_fc]=$(size_of "$W/out/pgd_fc")
rm -f "$W/out/pgd_fc"

echo "== verify"
measure rcr_verify "rcr verify -j$JOBS" "$RCR" verify --progress=never -j "$JOBS" "$W/out/rcr"
"$RCR" list --json "$W/out/rcr" >"$W/log/list.json"
RAW_BYTES=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(t.get("raw_bytes",0) for t in d["tables"]))' "$W/log/list.json" 2>/dev/null ||
	jq '[.tables[].raw_bytes] | add' "$W/log/list.json")

echo "== convert (-j $JOBS)"
# rcr convert writes what pg_dump -Fd -Z6 writes (gzip level 6 text COPY), so its time and size
# stand next to that dump's.
OUT=$W/out/conv SETUP=clear_out measure rcr_convert "rcr convert -j$JOBS (pg_dump -Fd, gzip 6)" \
	"$RCR" convert --progress=never -j "$JOBS" "$W/out/rcr" -o "$W/out/conv"
SIZE[rcr_convert]=$(size_of "$W/out/conv")
rm -rf "$W/out/conv"

echo "== restore (-j $JOBS)"
# Every restore goes into a database made for it (SETUP) and is checked against the source's
# row counts afterwards (TEARDOWN).
DB=""
check_db() { check_restored "$DB" bench; }
new_db() { fresh_db "$DB"; }
new_db_pre() { fresh_db "$DB" pre-data; }
new_db_pre_data() { fresh_db "$DB" pre-data data; }
# pg_restore of the -Z6 dump, whole, then section by section into pr_sec, whose state
# (PR_SEC: the sections it holds) lets a run start from what the previous one left.
DB=pr_all SETUP=new_db TEARDOWN=check_db MEMSAMPLE=1 measure pgr_all "pg_restore -j$JOBS (whole, -Z6 dump)" \
	pg_restore -j "$JOBS" -d pr_all "$W/out/pgd_z6"
PR_SEC=""
sec_none() { fresh_db pr_sec; PR_SEC=""; }
sec_pre() { [ "$PR_SEC" = pre ] || fresh_db pr_sec pre-data; PR_SEC=""; }
sec_data() { [ "$PR_SEC" = data ] || fresh_db pr_sec pre-data data; PR_SEC=""; }
done_pre() { PR_SEC=pre; }
done_data() { PR_SEC=data; }
done_post() { check_restored pr_sec bench; PR_SEC=""; }
SETUP=sec_none TEARDOWN=done_pre measure pgr_pre "pg_restore --section=pre-data" \
	pg_restore --section=pre-data -d pr_sec "$W/out/pgd_z6"
SETUP=sec_pre TEARDOWN=done_data measure pgr_data "pg_restore -j$JOBS --section=data" \
	pg_restore -j "$JOBS" --section=data -d pr_sec "$W/out/pgd_z6"
SETUP=sec_data TEARDOWN=done_post MEMSAMPLE=1 measure pgr_post "pg_restore -j$JOBS --section=post-data" \
	pg_restore -j "$JOBS" --section=post-data -d pr_sec "$W/out/pgd_z6"
dropdb pr_all
dropdb pr_sec
# The load floor: the saved binary COPY streams into an empty copy of the schema.
DB=floor SETUP=new_db_pre TEARDOWN=check_db measure_jobs load_floor \
	"binary COPY FROM files into empty schema, $JOBS conns" "$W/load.jobs"
dropdb floor
# rcr restore's data phase alone: -a into a database prepared with the same pre-data.
DB=rr_a SETUP=new_db_pre TEARDOWN=check_db measure rcr_restore_data "rcr restore -a -j$JOBS (data only, into pre-data)" \
	"$RCR" restore --progress=never -a -j "$JOBS" -d rr_a "$W/out/rcr"
dropdb rr_a
# The whole rcr restore, with -v and time-stamped stderr for its phases.
DB=rr_all SETUP=new_db TEARDOWN=check_db STAMP=1 MEMSAMPLE=1 measure rcr_restore "rcr restore -j$JOBS (whole)" \
	"$RCR" restore -v --progress=never -j "$JOBS" -d rr_all "$W/out/rcr"
dropdb rr_all
read -r RR_PRE RR_DATA RR_POST < <(restore_phases "${BEST[rcr_restore]}")
if [ "$RR_DATA" != null ]; then
	echo "   rcr restore phases from its -v log: pre-data $RR_PRE s, data $RR_DATA s, post-data $RR_POST s"
fi
# Usable first: the whole restore again with --usable-first, and the time at which it reported
# the database usable (data, keys, constraints, other indexes; the vector indexes then build
# concurrently). With HNSW indexes this is the figure an application waits for.
DB=rr_usable SETUP=new_db TEARDOWN=check_db STAMP=1 MEMSAMPLE=1 measure rcr_restore_usable "rcr restore -j$JOBS --usable-first (whole)" \
	"$RCR" restore -v --usable-first --progress=never -j "$JOBS" -d rr_usable "$W/out/rcr"
dropdb rr_usable
RR_USABLE=$(sed -n 's/.*rcr: usable after \([0-9.]*\) s.*/\1/p' "$W/log/${BEST[rcr_restore_usable]}.err" | head -1)
[ -n "$RR_USABLE" ] || RR_USABLE=null
echo "   rcr restore --usable-first: usable after $RR_USABLE s"
index_floors

# --- other scales: peak RSS (and with --linearity, time) of rcr ---------------------------------
SCALE_ROWS=()
if [ -n "$RSS_SCALES" ]; then
	echo "== rcr at scales $RSS_SCALES"
	IFS=, read -r -a scales <<<"$RSS_SCALES"
	for s in "${scales[@]}"; do
		k=$(echo "$s" | tr . _)
		if [ "$(rows_at "$s")" = "$ROWS" ]; then
			# the main dataset: its measurements stand
			for f in WALL RSS CPU; do
				eval "${f}[s${k}_dump]=\${${f}[rcr_dump]}; ${f}[s${k}_verify]=\${${f}[rcr_verify]}"
				eval "${f}[s${k}_restore]=\${${f}[rcr_restore]}; ${f}[s${k}_floor]=\${${f}[copy_floor]}"
				eval "${f}[s${k}_load_floor]=\${${f}[load_floor]}"
			done
			PHASES[s${k}_restore]="$RR_PRE $RR_DATA $RR_POST"
			SIZE[s${k}_dump]=${SIZE[rcr_dump]}
			echo "   scale $s: the main dataset (rcr dump ${WALL[rcr_dump]} s, $(awk -v k="${RSS[rcr_dump]}" 'BEGIN { printf "%.1f", k / 1024 }') MiB)"
		else
			make_db "bench_s$k" "$s"
			row_counts "bench_s$k" >"$W/rows.bench_s$k"
			copy_floor_jobs "bench_s$k" 0 >"$W/floor_s$k.jobs"
			run_jobs "$W/floor_s$k.jobs" # warm the cache, as for the main dataset
			if [ "$LINEARITY" = 1 ]; then
				measure_jobs "s${k}_floor" "scale $s: binary COPY floor, $JOBS conns" "$W/floor_s$k.jobs"
			fi
			OUT=$W/out/rcr_s$k SETUP=clear_out measure "s${k}_dump" "scale $s: rcr dump -j$JOBS" \
				"$RCR" dump --progress=never -j "$JOBS" -d "bench_s$k" -f "$W/out/rcr_s$k"
			SIZE[s${k}_dump]=$(size_of "$W/out/rcr_s$k")
			if [ "$LINEARITY" = 1 ]; then
				measure "s${k}_verify" "scale $s: rcr verify -j$JOBS" "$RCR" verify --progress=never -j "$JOBS" "$W/out/rcr_s$k"
				check_s() { check_restored "$DB" "bench_s$k"; }
				DB=rr_s$k SETUP=new_db TEARDOWN=check_s STAMP=1 measure "s${k}_restore" "scale $s: rcr restore -j$JOBS (whole)" \
					"$RCR" restore -v --progress=never -j "$JOBS" -d "rr_s$k" "$W/out/rcr_s$k"
				dropdb "rr_s$k"
				PHASES[s${k}_restore]=$(restore_phases "${BEST[s${k}_restore]}")
				# The server's own load time at this scale, to tell rcr's scaling from the server's.
				rm -rf "$W/copy_s$k"
				mkdir -p "$W/copy_s$k"
				: >"$W/copy_s$k.jobs"
				: >"$W/load_s$k.jobs"
				while IFS=$'\t' read -r t _ _; do
					printf 'psql -X -q -v ON_ERROR_STOP=1 -d %s -c %q >%q\n' "bench_s$k" "COPY $t TO STDOUT (FORMAT binary)" \
						"$W/copy_s$k/$t.bin" >>"$W/copy_s$k.jobs"
					printf 'psql -X -q -v ON_ERROR_STOP=1 -d %s -c %q <%q\n' "floor_s$k" "COPY $t FROM STDIN (FORMAT binary)" \
						"$W/copy_s$k/$t.bin" >>"$W/load_s$k.jobs"
				done < <(tables_of "bench_s$k")
				run_jobs "$W/copy_s$k.jobs"
				DB=floor_s$k SETUP=new_db_pre TEARDOWN=check_s measure_jobs "s${k}_load_floor" \
					"scale $s: binary COPY FROM files, $JOBS conns" "$W/load_s$k.jobs"
				dropdb "floor_s$k"
				rm -rf "$W/copy_s$k"
			fi
			rm -rf "$W/out/rcr_s$k"
			dropdb "bench_s$k"
		fi
		SCALE_ROWS+=("$s")
	done
fi

# --- report -------------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo
echo "rcr benchmark: scale $SCALE ($ROWS + $ROWS rows, $VARIANT embeddings), -j$JOBS, $NPROC cores, PostgreSQL $PG_VERSION, $EXT $EXT_VERSION"
[ ${#SERVER_CONF[@]} -eq 0 ] || echo "server settings: ${SERVER_CONF[*]}"
[ "$PAGE_REPORTING" = none ] || echo "free page reporting to the VM host: $PAGE_REPORTING"
echo "tables $(mb "$TABLE_BYTES") MB with TOAST; binary COPY $(mb "$COPY_BYTES") MB; rcr raw column data $(mb "$RAW_BYTES") MB"
echo "rcr $RCR_COMMIT; $([ "$REPEAT" -gt 1 ] && echo "fastest of $REPEAT runs each" || echo "one run each"); nice $(nice), autogroup nice $(autogroup_nice)"
printf '%-54s %8s %8s %8s %8s %8s %9s %9s %6s\n' "what" "wall s" "CPU s" "srv CPU" "RSS MiB" "srv MiB" "size MB" "rcr/this" "other"
ref_for() {
	case $1 in
	pgd_* | zstd6 | copy_floor*) echo rcr_dump ;;
	pgr_data | load_floor) echo rcr_restore_data ;;
	pgr_all) echo rcr_restore ;;
	*) echo "" ;;
	esac
}
for k in "${ORDER[@]}"; do
	case $k in s[0-9]*) continue ;; esac
	ref=$(ref_for "$k")
	r=""
	if [ -n "$ref" ]; then r="$(div "${WALL[$ref]}" "${WALL[$k]}")x"; fi
	sz=""
	[ -n "${SIZE[$k]:-}" ] && sz=$(mb "${SIZE[$k]}")
	printf '%-54s %8.2f %8.2f %8.2f %8s %8s %9s %9s %6s\n' "${LABEL[$k]}" "${WALL[$k]}" "${CPU[$k]}" "${SRV[$k]}" "$(mib "${RSS[$k]}")" \
		"${SRVMEM[$k]:-}" "$sz" "$r" "${OTHER[$k]}"
done
if [ "$RR_DATA" != null ]; then
	printf '%-54s %8.2f\n' "  rcr restore phases (-v log): pre-data" "$RR_PRE"
	printf '%-54s %8.2f\n' "                               data" "$RR_DATA"
	printf '%-54s %8.2f\n' "                               post-data" "$RR_POST"
fi
[ "$RR_USABLE" = null ] || printf '%-54s %8.2f\n' "  rcr restore --usable-first: usable after" "$RR_USABLE"
echo "CPU: user+sys of the client process tree; srv CPU: of the cluster's server processes; RSS: the"
echo "largest client process; srv MiB: the server's peak memory during the run (the sum of the Pss of"
echo "all the cluster's processes, parallel workers included, sampled every 0.2 s); rcr/this: rcr's"
echo "wall time over this row's (dump rows against rcr dump,"
echo "data-phase rows against rcr restore -a, whole restores against rcr restore); other: cores busy"
echo "with other programs during the run (0 on a quiet machine)"
if [ ${#NOISY[@]} -gt 0 ]; then
	echo "WARNING: other programs used >= 0.25 cores during: ${NOISY[*]}; those times are not clean"
fi
if [ "$LINEARITY" = 1 ] && [ "${PAGE_REPORTING#on}" != "$PAGE_REPORTING" ]; then
	echo "NOTE: free page reporting is $PAGE_REPORTING: this VM hands free memory back to its host, and"
	echo "the bigger scale needs more fresh memory, which costs a host page fault per page, so its times"
	echo "grow faster than the data, the server's own load included; --hold-guest-memory (root) measures"
	echo "without that"
fi

# rcr restore's phases beside their floors (and pg_restore's sections), then the server's memory.
nz() { [ "$1" = null ] && echo 0 || echo "$1"; }
sum() { awk -v a="$(nz "$1")" -v b="$(nz "$2")" 'BEGIN { printf "%.3f", a + b }'; }
dash() { [ -z "$1" ] || [ "$1" = null ] && echo - || echo "$1"; }
PHASE_JSON=()
phase_row() { # key label rcr floor pg_restore floor-description
	local d="null" r="null"
	if [ "$3" != null ] && [ "$4" != null ]; then
		d=$(fsub "$3" "$4")
		r=$(div "$3" "$4")
	fi
	printf '%-40s %8s %8s %9s %9s %10s  %s\n' "$2" "$(dash "$3")" "$(dash "$4")" "$(dash "$d")" "$(dash "$r")" "$(dash "$5")" "$6"
	PHASE_JSON+=("$(printf '{"phase": %s, "rcr_s": %s, "floor_s": %s, "rcr_minus_floor_s": %s, "rcr_over_floor": %s, "pg_restore_s": %s, "floor": %s}' \
		"$(jstr "$1")" "$3" "$4" "$d" "$r" "$5" "$(jstr "$6")")")
}
FL_VEC=${WALL[vec_floor]:-null}
[ "$VEC_PHASE" != null ] || FL_VEC=null
FL_POST=$(sum "${WALL[post_floor]}" "$FL_VEC")
FL_ALL=$(sum "$(sum "${WALL[pgr_pre]}" "${WALL[load_floor]}")" "$FL_POST")
echo
echo "rcr restore -j$JOBS by phase (its -v log) against each phase's floor, seconds:"
printf '%-40s %8s %8s %9s %9s %10s  %s\n' "phase" "rcr s" "floor s" "rcr-floor" "rcr/floor" "pg_restore" "floor is"
phase_row pre_data "pre-data" "$RR_PRE" "${WALL[pgr_pre]}" "${WALL[pgr_pre]}" "pg_restore --section=pre-data"
phase_row data "data" "$RR_DATA" "${WALL[load_floor]}" "${WALL[pgr_data]}" "the server's binary COPY load floor, $JOBS conns"
phase_row post_data "post-data: indexes and constraints" "$IDX_PHASE" "${WALL[post_floor]}" null \
	"the same pg_restore -j$JOBS alone, rcr's settings"
phase_row vector_indexes "post-data: vector indexes" "$VEC_PHASE" "$FL_VEC" null \
	"each CREATE INDEX alone, rcr's memory and workers"
phase_row index_phase "index phase (both above)" "$RR_POST" "$FL_POST" "${WALL[pgr_post]}" "the two floors above"
phase_row whole "whole restore" "${WALL[rcr_restore]}" "$FL_ALL" "${WALL[pgr_all]}" "the sum of the floors"
echo "pg_restore: its -j$JOBS sections timed one by one into a fresh database (index phase: --section=post-data),"
echo "and the whole -j$JOBS restore"
for ((i = 0; i < ${#VIDX_NAMES[@]}; i++)); do
	printf '  vector index %-34s rcr %8.2f s, alone %8.2f s (maintenance_work_mem %s, %s parallel workers)\n' \
		"${VIDX_NAMES[$i]}" "${VIDX_RCR[$i]}" "${VIDX_ALONE[$i]}" "${VIDX_MEM[$i]}" "${VIDX_WORKERS[$i]}"
done
MEM_RCR_IDX=null
MEM_RCR_IDX_RSS=null
MEM_RCR_VEC=null
MEM_RCR_VEC_RSS=null
[ "$POST_START" = null ] || read -r MEM_RCR_IDX MEM_RCR_IDX_RSS < <(mem_peak "${BEST[rcr_restore]}" "$POST_START")
[ "$VEC_START" = null ] || read -r MEM_RCR_VEC MEM_RCR_VEC_RSS < <(mem_peak "${BEST[rcr_restore]}" "$VEC_START")
echo
echo "server memory, MiB: peak of the sum over the cluster's processes of Pss (of Rss), sampled every 0.2 s"
mem_row() { printf '  %-58s %8s (%s)\n' "$1" "$(dash "$2")" "$(dash "$3")"; }
mem_row "rcr restore -j$JOBS, whole run" "${SRVMEM[rcr_restore]}" "${SRVRSS[rcr_restore]}"
mem_row "rcr restore -j$JOBS, index phase (post-data and vector indexes)" "$MEM_RCR_IDX" "$MEM_RCR_IDX_RSS"
mem_row "rcr restore -j$JOBS, vector indexes" "$MEM_RCR_VEC" "$MEM_RCR_VEC_RSS"
mem_row "rcr restore -j$JOBS --usable-first, whole run" "${SRVMEM[rcr_restore_usable]}" "${SRVRSS[rcr_restore_usable]}"
mem_row "pg_restore -j$JOBS, whole run" "${SRVMEM[pgr_all]}" "${SRVRSS[pgr_all]}"
mem_row "pg_restore -j$JOBS --section=post-data (its index phase)" "${SRVMEM[pgr_post]}" "${SRVRSS[pgr_post]}"
mem_row "floor: vector indexes' CREATE INDEX alone" "${SRVMEM[vec_floor]:-}" "${SRVRSS[vec_floor]:-}"

# Ratios: name, value, comparison, target ("" = reported, no target), description.
RATIOS=()
ratio() { RATIOS+=("$1|$2|$3|$4|$5"); }
GB=1000000000
size_target=0.75
[ "$FP16" = 1 ] && size_target=0.5
VERIFY_GBS=$(awk -v b="$RAW_BYTES" -v t="${WALL[rcr_verify]}" -v g=$GB 'BEGIN { printf "%.3f", b / g / t }')
VERIFY_CORES=$((JOBS < NPROC ? JOBS : NPROC))
VERIFY_GBS_CORE=$(awk -v x="$VERIFY_GBS" -v c="$VERIFY_CORES" 'BEGIN { printf "%.3f", x / c }')
RSS_LIMIT_KIB=$(((64 + 32 * JOBS) * 1024))
ratio dump_vs_pgdump_z6 "$(div "${WALL[rcr_dump]}" "${WALL[pgd_z6]}")" "<=" 0.06 "rcr dump / pg_dump -Fd -j$JOBS -Z6, wall"
ratio dump_vs_pgdump_zstd "$(div "${WALL[rcr_dump]}" "${WALL[pgd_zstd]}")" "<=" 0.12 "rcr dump / (pg_dump -Z0 + zstd -6 per file), wall"
ratio dump_vs_copy_floor "$(div "${WALL[rcr_dump]}" "${WALL[copy_floor]}")" "<=" 2 "rcr dump / binary COPY floor, wall"
ratio dump_vs_copy_floor_split "$(div "${WALL[rcr_dump]}" "${WALL[copy_floor_split]}")" "" "" "rcr dump / ctid-split binary COPY floor, wall"
ratio dump_vs_pgdump_fc "$(div "${WALL[rcr_dump]}" "${WALL[pgd_fc]}")" "" "" "rcr dump / pg_dump -Fc, wall"
ratio dump_vs_pgdump_z0 "$(div "${WALL[rcr_dump]}" "${WALL[pgd_z0]}")" "" "" "rcr dump / pg_dump -Fd -j$JOBS -Z0, wall"
ratio dump_cpu_vs_pgdump_z6 "$(div "${CPU[rcr_dump]}" "${CPU[pgd_z6]}")" "" "" "rcr dump / pg_dump -Fd -Z6, client CPU"
ratio size_vs_pgdump_z6 "$(div "${SIZE[rcr_dump]}" "${SIZE[pgd_z6]}")" "<=" "$size_target" "rcr archive / pg_dump -Fd -Z6 archive, bytes"
ratio size_vs_pgdump_zstd "$(div "${SIZE[rcr_dump]}" "${SIZE[pgd_zstd]}")" "" "" "rcr archive / pg_dump -Z0 + zstd -6, bytes"
ratio size_vs_pgdump_fc "$(div "${SIZE[rcr_dump]}" "${SIZE[pgd_fc]}")" "" "" "rcr archive / pg_dump -Fc, bytes"
ratio size_vs_copy "$(div "${SIZE[rcr_dump]}" "$COPY_BYTES")" "" "" "rcr archive / uncompressed binary COPY, bytes"
ratio convert_vs_pgdump_z6 "$(div "${WALL[rcr_convert]}" "${WALL[pgd_z6]}")" "" "" "rcr convert / pg_dump -Fd -j$JOBS -Z6, wall"
ratio convert_size_vs_pgdump_z6 "$(div "${SIZE[rcr_convert]}" "${SIZE[pgd_z6]}")" "" "" "rcr convert output / pg_dump -Fd -Z6 archive, bytes"
ratio restore_data_vs_pg_restore "$(div "${WALL[rcr_restore_data]}" "${WALL[pgr_data]}")" "<=" 0.30 "rcr restore -a / pg_restore --section=data, wall"
ratio restore_data_vs_load_floor "$(div "${WALL[rcr_restore_data]}" "${WALL[load_floor]}")" "" "" "rcr restore -a / binary COPY load floor, wall"
if [ "$RR_DATA" != null ]; then
	ratio restore_logdata_vs_pg_restore "$(div "$RR_DATA" "${WALL[pgr_data]}")" "" "" "rcr restore data phase (-v log) / pg_restore data, wall"
	ratio restore_post_vs_pg_restore "$(div "$RR_POST" "${WALL[pgr_post]}")" "" "" "rcr index phase (-v log) / pg_restore -j$JOBS --section=post-data"
fi
# Issue 14's target where the dataset has pgvector's own indexes (their build is most of a
# restore), issue 3's where it has the test double's hash index.
case $VEC_INDEX in
hnsw) ratio restore_vs_pg_restore "$(div "${WALL[rcr_restore]}" "${WALL[pgr_all]}")" "<=" 0.6 "rcr restore / pg_restore -j$JOBS, whole, wall (issue 14)" ;;
*) ratio restore_vs_pg_restore "$(div "${WALL[rcr_restore]}" "${WALL[pgr_all]}")" "<=" 0.5 "rcr restore / pg_restore -j$JOBS, whole, wall" ;;
esac
if [ "$RR_USABLE" != null ]; then
	ratio usable_vs_pg_restore "$(div "$RR_USABLE" "${WALL[pgr_all]}")" "<=" 0.1 "time to usable (--usable-first) / pg_restore -j$JOBS whole (issue 14)"
fi
ratio index_memory_vs_pg_restore "$(div "$MEM_RCR_IDX" "${SRVMEM[pgr_post]}")" "" "" "server peak Pss, rcr index phase / pg_restore --section=post-data"
ratio verify_gbps_per_core "$VERIFY_GBS_CORE" ">=" 1 "rcr verify, GB/s of raw column data per core ($VERIFY_GBS GB/s on $VERIFY_CORES)"
ratio dump_rss_mib "$(mib "${RSS[rcr_dump]}")" "<=" "$((RSS_LIMIT_KIB / 1024))" "rcr dump peak RSS, MiB (64 + 32 per job)"
ratio restore_rss_mib "$(mib "${RSS[rcr_restore]}")" "<=" "$((RSS_LIMIT_KIB / 1024))" "rcr restore peak RSS, MiB (64 + 32 per job)"
if [ ${#SCALE_ROWS[@]} -ge 2 ]; then
	lo=${SCALE_ROWS[0]} hi=${SCALE_ROWS[${#SCALE_ROWS[@]} - 1]}
	klo=$(echo "$lo" | tr . _) khi=$(echo "$hi" | tr . _)
	for s in "${SCALE_ROWS[@]}"; do
		k=$(echo "$s" | tr . _)
		ratio "dump_rss_mib_scale_$k" "$(mib "${RSS[s${k}_dump]}")" "<=" "$((RSS_LIMIT_KIB / 1024))" "rcr dump peak RSS at scale $s, MiB"
	done
	ratio dump_rss_growth "$(div "${RSS[s${khi}_dump]}" "${RSS[s${klo}_dump]}")" "<=" 1.1 "rcr dump peak RSS, scale $hi / scale $lo"
	sf=$(awk -v a="$hi" -v b="$lo" 'BEGIN { printf "%g", a / b }')
	lin=$(awk -v f="$sf" 'BEGIN { printf "%.2f", 1.1 * f }')
	ratio dump_time_growth "$(div "${WALL[s${khi}_dump]}" "${WALL[s${klo}_dump]}")" "<=" "$lin" "rcr dump wall, scale $hi / scale $lo (data x$sf)"
	if [ "$LINEARITY" = 1 ]; then
		ratio verify_time_growth "$(div "${WALL[s${khi}_verify]}" "${WALL[s${klo}_verify]}")" "<=" "$lin" "rcr verify wall, scale $hi / scale $lo"
		ratio restore_time_growth "$(div "${WALL[s${khi}_restore]}" "${WALL[s${klo}_restore]}")" "<=" "$lin" "rcr restore wall, scale $hi / scale $lo"
		ratio floor_time_growth "$(div "${WALL[s${khi}_floor]}" "${WALL[s${klo}_floor]}")" "" "" "binary COPY floor wall, scale $hi / scale $lo"
		ratio load_floor_time_growth "$(div "${WALL[s${khi}_load_floor]}" "${WALL[s${klo}_load_floor]}")" "" "" "binary COPY load floor wall, scale $hi / scale $lo"
		read -r _ dlo plo <<<"${PHASES[s${klo}_restore]}"
		read -r _ dhi phi <<<"${PHASES[s${khi}_restore]}"
		if [ "$dlo" != null ] && [ "$dhi" != null ]; then
			ratio restore_data_time_growth "$(div "$dhi" "$dlo")" "" "" "rcr restore data phase, scale $hi / scale $lo"
			ratio restore_post_time_growth "$(div "$phi" "$plo")" "" "" "rcr restore post-data (pg_restore), scale $hi / scale $lo"
		fi
	fi
fi

if [ ${#SCALE_ROWS[@]} -ge 1 ]; then
	echo
	printf '%-7s %8s %9s %9s %10s %26s %13s %13s\n' "scale" "dump s" "dump MiB" "verify s" "restore s" \
		"(pre-data, data, post-data)" "COPY floor s" "load floor s"
	for s in "${SCALE_ROWS[@]}"; do
		k=$(echo "$s" | tr . _)
		printf '%-7s %8s %9s %9s %10s %26s %13s %13s\n' "$s" "${WALL[s${k}_dump]}" "$(mib "${RSS[s${k}_dump]}")" \
			"${WALL[s${k}_verify]:--}" "${WALL[s${k}_restore]:--}" "${PHASES[s${k}_restore]:--}" \
			"${WALL[s${k}_floor]:--}" "${WALL[s${k}_load_floor]:--}"
	done
fi

echo
printf '%-66s %9s %9s %5s\n' "ratio" "value" "target" "met"
for r in "${RATIOS[@]}"; do
	IFS='|' read -r name value cmp target desc <<<"$r"
	met=""
	if [ -n "$cmp" ] && [ "$value" != null ]; then
		met=$(awk -v v="$value" -v t="$target" -v c="$cmp" 'BEGIN { ok = (c == "<=") ? v <= t : v >= t; print ok ? "yes" : "NO" }')
	fi
	printf '%-66s %9s %9s %5s\n' "$desc" "$value" "${cmp:+$cmp$target}" "$met"
done

# --- JSON ---------------------------------------------------------------------------------------
mkdir -p "$RESULTS"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$RESULTS/$stamp.json
{
	echo "{"
	echo "  \"date\": $(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
	echo "  \"machine\": {\"cores\": $NPROC, \"cpu\": $(jstr "$machine_cpu"), \"memory\": $(jstr "$machine_mem"), \"kernel\": $(jstr "$(uname -r)"), \"free_page_reporting\": $(jstr "$PAGE_REPORTING")},"
	echo "  \"postgresql\": $(jstr "$PG_VERSION"), \"vector_extension\": $(jstr "$EXT $EXT_VERSION"), \"vector_index\": $(jstr "$VEC_INDEX"), \"server_conf\": $(jstr "${SERVER_CONF[*]}"),"
	echo "  \"rcr\": {\"commit\": $(jstr "$RCR_COMMIT"), \"binary\": $(jstr "$RCR")},"
	echo "  \"dataset\": {\"scale\": $SCALE, \"records\": $ROWS, \"feed_entries\": $ROWS, \"dim\": $DIM, \"embeddings\": $(jstr "$VARIANT"), \"seed\": $SEED,"
	echo "    \"table_bytes\": $TABLE_BYTES, \"database_bytes\": $DB_BYTES, \"binary_copy_bytes\": $COPY_BYTES, \"rcr_raw_bytes\": $RAW_BYTES},"
	echo "  \"jobs\": $JOBS, \"nice\": $(nice), \"autogroup_nice\": $(jstr "$(autogroup_nice)"), \"repeat\": $REPEAT, \"kept\": \"the fastest run of each command\","
	echo "  \"runs\": ["
	n=0
	for k in "${ORDER[@]}"; do
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		reps=null
		[ -n "${REPS[$k]:-}" ] && reps="[${REPS[$k]// /, }]"
		printf '    {"key": %s, "what": %s, "wall_s": %s, "cpu_s": %s, "user_s": %s, "sys_s": %s, "server_cpu_s": %s, "peak_rss_kib": %s, "server_peak_pss_mib": %s, "server_peak_rss_mib": %s, "size_bytes": %s, "machine_busy_cores": %s, "other_load_cores": %s, "wall_s_of_each_run": %s}' \
			"$(jstr "$k")" "$(jstr "${LABEL[$k]}")" "${WALL[$k]}" "${CPU[$k]}" "${USR[$k]}" "${SYS[$k]}" "${SRV[$k]}" "${RSS[$k]}" \
			"${SRVMEM[$k]:-null}" "${SRVRSS[$k]:-null}" "${SIZE[$k]:-null}" "${BUSY[$k]}" "${OTHER[$k]}" "$reps"
	done
	echo
	echo "  ],"
	echo "  \"rcr_restore_phases_s\": {\"pre_data\": $RR_PRE, \"data\": $RR_DATA, \"post_data\": $RR_POST},"
	echo "  \"rcr_restore_usable_after_s\": $RR_USABLE,"
	echo "  \"rcr_restore_index_phase_s\": {\"post_data\": $IDX_PHASE, \"vector_indexes\": $VEC_PHASE},"
	echo "  \"phases\": ["
	n=0
	for p in "${PHASE_JSON[@]}"; do
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		printf '    %s' "$p"
	done
	echo
	echo "  ],"
	echo "  \"vector_indexes\": ["
	for ((i = 0; i < ${#VIDX_NAMES[@]}; i++)); do
		[ "$i" -gt 0 ] && echo ","
		printf '    {"name": %s, "rcr_s": %s, "alone_s": %s, "maintenance_work_mem": %s, "parallel_workers": %s}' \
			"$(jstr "${VIDX_NAMES[$i]}")" "${VIDX_RCR[$i]}" "${VIDX_ALONE[$i]}" "$(jstr "${VIDX_MEM[$i]}")" "${VIDX_WORKERS[$i]}"
	done
	[ ${#VIDX_NAMES[@]} -eq 0 ] || echo
	echo "  ],"
	printf '  "server_peak_memory_mib": {"measured": "peak of the sum of Pss (rss: of Rss) over the cluster processes, every 0.2 s", "rcr_restore": {"pss": %s, "rss": %s}, "rcr_restore_index_phase": {"pss": %s, "rss": %s}, "rcr_restore_vector_indexes": {"pss": %s, "rss": %s}, "rcr_restore_usable_first": {"pss": %s, "rss": %s}, "pg_restore": {"pss": %s, "rss": %s}, "pg_restore_post_data": {"pss": %s, "rss": %s}, "vector_index_floor": {"pss": %s, "rss": %s}},\n' \
		"${SRVMEM[rcr_restore]}" "${SRVRSS[rcr_restore]}" "$MEM_RCR_IDX" "$MEM_RCR_IDX_RSS" "$MEM_RCR_VEC" "$MEM_RCR_VEC_RSS" \
		"${SRVMEM[rcr_restore_usable]}" "${SRVRSS[rcr_restore_usable]}" "${SRVMEM[pgr_all]}" "${SRVRSS[pgr_all]}" \
		"${SRVMEM[pgr_post]}" "${SRVRSS[pgr_post]}" "${SRVMEM[vec_floor]:-null}" "${SRVRSS[vec_floor]:-null}"
	echo "  \"scales\": ["
	n=0
	for sc in "${SCALE_ROWS[@]}"; do
		k=$(echo "$sc" | tr . _)
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		read -r p1 p2 p3 <<<"${PHASES[s${k}_restore]:-null null null}"
		printf '    {"scale": %s, "rcr_dump_wall_s": %s, "rcr_dump_peak_rss_kib": %s, "rcr_dump_size_bytes": %s, "rcr_verify_wall_s": %s, "rcr_restore_wall_s": %s, "rcr_restore_phases_s": {"pre_data": %s, "data": %s, "post_data": %s}, "copy_floor_wall_s": %s, "load_floor_wall_s": %s}' \
			"$sc" "${WALL[s${k}_dump]}" "${RSS[s${k}_dump]}" "${SIZE[s${k}_dump]:-null}" "${WALL[s${k}_verify]:-null}" \
			"${WALL[s${k}_restore]:-null}" "$p1" "$p2" "$p3" "${WALL[s${k}_floor]:-null}" "${WALL[s${k}_load_floor]:-null}"
	done
	[ $n -gt 0 ] && echo
	echo "  ],"
	echo "  \"ratios\": ["
	n=0
	for r in "${RATIOS[@]}"; do
		IFS='|' read -r name value cmp target desc <<<"$r"
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		met=null
		if [ -n "$cmp" ] && [ "$value" != null ]; then
			met=$(awk -v v="$value" -v t="$target" -v c="$cmp" 'BEGIN { ok = (c == "<=") ? v <= t : v >= t; print ok ? "true" : "false" }')
		fi
		printf '    {"name": %s, "value": %s, "target": %s, "met": %s, "what": %s}' "$(jstr "$name")" "$value" \
			"$([ -n "$cmp" ] && jstr "$cmp $target" || echo null)" "$met" "$(jstr "$desc")"
	done
	echo
	echo "  ]"
	echo "}"
} >"$json"
echo
echo "results: $json"
