#!/usr/bin/env bash
# fuzz-campaign.sh: builds the libFuzzer harnesses of fuzz/ with clang, ASan and UBSan, runs
# each for a while, keeps what it finds, and prints executions per harness.
#
#   tools/fuzz-campaign.sh                     # every harness, 10 minutes each
#   tools/fuzz-campaign.sh -t 120 -j 2 frame   # only frame_fuzzer, 2 minutes, 2 processes
#   tools/fuzz-campaign.sh --ci                # what ctest runs: 10 s each, no merge, fail on crash
#
# For each harness it fuzzes from fuzz/corpora/<harness> into a scratch corpus, then
#   - merges the inputs that add coverage into fuzz/corpora/<harness>/ (libFuzzer -merge=1),
#     unless --no-merge;
#   - copies every crash-, leak-, oom- and timeout- input into fuzz/corpora/<harness>/ as a
#     regression input (the corpus replay in ctest then fails until the bug is fixed), unless
#     --no-keep-crashes.
# Exit status: 0 if no harness found anything, 1 if any did, 2 on usage or build errors,
# 77 when clang or libFuzzer is not available (ctest counts that as skipped).
#
# Options: -t SECONDS per harness (600); -j N parallel fuzzing processes per harness (nproc,
# libFuzzer -jobs/-workers); -b DIR clang build directory (build-fuzz); -w DIR scratch
# directory (a temporary one, removed at the end unless --keep-work); --ci (-t 10 -j 1
# --no-merge --no-keep-crashes, and crashers are copied to the scratch directory's
# crashers/ and listed instead).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD

ALL_HARNESSES=(manifest frame codec copy_parser frame_roundtrip textout pgtoc)
secs=600
jobs=$(nproc)
build='build-fuzz'
work=
keep_work=0
merge=1
keep_crashes=1
harnesses=()
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	-t) secs=$2; shift 2 ;;
	-j) jobs=$2; shift 2 ;;
	-b) build=$2; shift 2 ;;
	-w) work=$2; shift 2 ;;
	--keep-work) keep_work=1; shift ;;
	--no-merge) merge=0; shift ;;
	--no-keep-crashes) keep_crashes=0; shift ;;
	--ci) secs=10; jobs=1; merge=0; keep_crashes=0; shift ;;
	-h|--help) usage ;;
	-*) echo "fuzz-campaign.sh: unknown option $1" >&2; usage ;;
	*) harnesses+=("$1"); shift ;;
	esac
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${ALL_HARNESSES[@]}")
for h in "${harnesses[@]}"; do
	[ -d "fuzz/corpora/$h" ] || { echo "fuzz-campaign.sh: no harness '$h' (no fuzz/corpora/$h)" >&2; exit 2; }
done
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || { echo "fuzz-campaign.sh: -t needs a positive number of seconds" >&2; exit 2; }
[[ $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || { echo "fuzz-campaign.sh: -j needs a positive number" >&2; exit 2; }
case $build in /*) ;; *) build=$SRC/$build ;; esac

CLANG=${CLANG:-$(command -v clang || true)}
if [ -z "$CLANG" ]; then
	echo "fuzz-campaign.sh: clang not found (tools/deps.sh installs it); skipping" >&2
	exit 77
fi

# The fuzzers: the core built with -fsanitize=fuzzer-no-link plus ASan and UBSan, each harness
# linked with libFuzzer (fuzz/CMakeLists.txt). Only the fuzzer targets are built.
targets=()
for h in "${harnesses[@]}"; do targets+=("${h}_fuzzer"); done
if ! { CC=$CLANG cmake -S "$SRC" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRCR_SANITIZE=ON \
		-DRCR_FUZZ=ON -DRCR_TESTS=ON >"$build.cmake.log" 2>&1 &&
	cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >"$build.build.log" 2>&1; }; then
	if grep -q -i "fuzzer" "$build.build.log" 2>/dev/null && grep -q -E "cannot find|libclang_rt.fuzzer" "$build.build.log"; then
		echo "fuzz-campaign.sh: clang has no libFuzzer runtime (libclang-rt-14-dev); skipping" >&2
		exit 77
	fi
	tail -30 "$build.cmake.log" "$build.build.log" >&2 2>/dev/null || true
	echo "fuzz-campaign.sh: building the fuzzers failed (logs: $build.cmake.log, $build.build.log)" >&2
	exit 2
fi
rm -f "$build.cmake.log" "$build.build.log"

if [ -z "$work" ]; then
	work=$(mktemp -d /tmp/rcr-fuzz.XXXXXX)
	[ "$keep_work" = 1 ] || trap 'rm -rf "$work"' EXIT
elif [ -e "$work" ] && [ ! -e "$work/.rcr-fuzz-work" ] && [ -n "$(ls -A -- "$work")" ]; then
	# Each harness's subdirectory is emptied below: only in a scratch directory of our own.
	echo "fuzz-campaign.sh: -w '$work' is not empty and not a fuzz-campaign scratch directory" >&2
	exit 2
fi
mkdir -p "$work"
: >"$work/.rcr-fuzz-work"

found=0
summary=()
total_execs=0
for h in "${harnesses[@]}"; do
	bin="$build/fuzz/${h}_fuzzer"
	new="$work/$h/new"
	art="$work/$h/artifacts/"
	logs="$work/$h/logs"
	rm -rf "${work:?}/$h"
	mkdir -p "$new" "$art" "$logs"
	before=$(find "fuzz/corpora/$h" -maxdepth 1 -type f | wc -l)
	# -jobs/-workers run independent fuzzing processes that share the scratch corpus; each
	# writes its log (with -print_final_stats) to fuzz-<n>.log in the current directory.
	# A 1 GiB RSS limit and a 10 s per-input timeout turn unbounded allocations and hangs into
	# findings. UBSan must abort (not just print) for libFuzzer to keep the input.
	(
		cd "$logs"
		UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
			"$bin" -max_total_time="$secs" -jobs="$jobs" -workers="$jobs" \
			-rss_limit_mb=1024 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 \
			-artifact_prefix="$art" "$new" "$SRC/fuzz/corpora/$h" >"$logs/driver.log" 2>&1
	) || true
	# With -jobs each process logs to fuzz-N.log, and the driver repeats those logs in its own
	# output when a job ends: count the job logs only, or the driver's if there are none.
	execs=0
	job_logs=("$logs"/fuzz-*.log)
	[ -e "${job_logs[0]}" ] || job_logs=("$logs/driver.log")
	for l in "${job_logs[@]}"; do
		n=$(awk '/^stat::number_of_executed_units:/ {s += $2} END {print s + 0}' "$l")
		execs=$((execs + n))
	done
	total_execs=$((total_execs + execs))
	if [ "$execs" = 0 ]; then
		# The fuzzer did not run at all (or printed no statistics): that is a failure too.
		tail -20 "$logs"/*.log >&2 || true
		echo "fuzz-campaign.sh: $h: no executions recorded (logs in $logs)" >&2
		found=1
	fi
	crashers=()
	while IFS= read -r -d '' f; do crashers+=("$f"); done < <(find "$art" -maxdepth 1 -type f \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) -print0)
	added=0
	if [ "$merge" = 1 ] && [ "$(find "$new" -type f | wc -l)" -gt 0 ]; then
		(cd "$logs" && "$bin" -merge=1 -rss_limit_mb=1024 -timeout=10 "$SRC/fuzz/corpora/$h" "$new" \
			>"$logs/merge.log" 2>&1) || echo "fuzz-campaign.sh: $h: merge failed, see $logs/merge.log" >&2
		added=$(( $(find "fuzz/corpora/$h" -maxdepth 1 -type f | wc -l) - before ))
	fi
	if [ ${#crashers[@]} -gt 0 ]; then
		found=1
		for c in "${crashers[@]}"; do
			if [ "$keep_crashes" = 1 ]; then
				cp "$c" "fuzz/corpora/$h/"
				echo "fuzz-campaign.sh: $h: $(basename "$c") kept as fuzz/corpora/$h/$(basename "$c")" >&2
			else
				mkdir -p "$work/crashers/$h"
				cp "$c" "$work/crashers/$h/"
				echo "fuzz-campaign.sh: $h: found $(basename "$c") ($work/crashers/$h/)" >&2
			fi
		done
		grep -h -A 30 -E '^==[0-9]+==ERROR|runtime error|fuzz assertion failed|ERROR: libFuzzer' \
			"$logs"/*.log | head -60 >&2 || true
	fi
	summary+=("$(printf '%-16s %12s execs %8s/s  %3d new corpus inputs  %d crashers' "$h" "$execs" \
		"$((execs / secs))" "$added" "${#crashers[@]}")")
	echo "${summary[-1]}"
done

echo "fuzz campaign: ${#harnesses[@]} harnesses, ${secs} s each, $jobs process(es) each, $total_execs executions in all"
for s in "${summary[@]}"; do echo "  $s"; done
if [ "$found" = 1 ]; then
	[ "$keep_crashes" = 1 ] || keep_work=1
	[ "$keep_work" = 1 ] && trap - EXIT && echo "scratch kept in $work" >&2
	echo "fuzz campaign: FAILED, crashers found" >&2
	exit 1
fi
