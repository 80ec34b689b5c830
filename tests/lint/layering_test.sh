#!/usr/bin/env bash
# layering_test.sh: each layer includes only what it may (doc/hacking.md, "Layers"). The core
# (src/common, src/format, src/codec, src/copybin, src/pgarchive) stays pure: no libpq, no
# threads, nothing of the pg or command layers. The pg layer (src/pg) uses nothing of the
# command layer. Both directly or through the rcr headers a file includes (followed
# transitively). CMake already keeps libpq's include path away from rcr_core; this catches what
# a compiler would not: <pthread.h> and <stdatomic.h> are on every include path, and an rcr
# header may pull in another one of a higher layer.
# Usage: layering_test.sh [SOURCE_DIR] (default: this checkout).
set -euo pipefail
src=${1:-${RCR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}}
cd "$src"

cmd_headers='rcr/(cmd|options|interrupt|progress|pool)\.h'
core_dirs=(src/common src/format src/codec src/copybin src/pgarchive)
core_forbidden="^(libpq-fe\.h|libpq/.*|pthread\.h|stdatomic\.h|threads\.h|rcr/pg\.h|$cmd_headers)\$"
pg_dirs=(src/pg)
pg_forbidden="^($cmd_headers)\$"

# The headers a file includes, one per line: <x> and "x" alike, without the delimiters.
includes_of() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$1"
}

declare -A seen=()
fail=0
forbidden=
# check FILE CHAIN: FILE's includes, then recursively those of the rcr headers among them.
check() {
	local file=$1 chain=$2 inc
	while IFS= read -r inc; do
		if [[ $inc =~ $forbidden ]]; then
			echo "layering: $chain includes <$inc>" >&2
			fail=1
		elif [[ $inc == rcr/* && -f include/$inc && -z ${seen[$inc]:-} ]]; then
			seen[$inc]=1
			check "include/$inc" "$chain -> $inc"
		fi
	done < <(includes_of "$file")
}

# check_layer NAME FORBIDDEN DIR...: every source under the DIRs; adds how many to $summary.
check_layer() {
	local name=$1 n=0 d f
	forbidden=$2
	shift 2
	for d in "$@"; do
		[ -d "$d" ] || continue
		while IFS= read -r -d '' f; do
			seen=()
			check "$f" "$f"
			n=$((n + 1))
		done < <(find "$d" -name '*.[ch]' -print0)
	done
	if [ "$n" -eq 0 ]; then
		echo "layering: no $name source found under $src" >&2
		fail=1
	fi
	summary+="${summary:+, }$n $name files"
}

summary=
check_layer core "$core_forbidden" "${core_dirs[@]}"
check_layer pg "$pg_forbidden" "${pg_dirs[@]}"
[ "$fail" -eq 0 ] && echo "layering: $summary, each within its layer"
exit "$fail"
