#!/usr/bin/env bash
# layering_test.sh: the core (src/common, src/format, src/codec, src/copybin, src/pgarchive)
# stays pure: no libpq, no threads, nothing of the command layer, directly or through the
# rcr headers it includes (followed transitively). CMake already keeps libpq's include path
# away from rcr_core; this catches what a compiler would not: <pthread.h> and <stdatomic.h>
# are on every include path, and an rcr header may pull in another one that needs libpq.
# Usage: layering_test.sh [SOURCE_DIR] (default: this checkout).
set -euo pipefail
src=${1:-${RCR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}}
cd "$src"

core_dirs=(src/common src/format src/codec src/copybin src/pgarchive)
# System headers and rcr headers that belong to the pg or the command layer.
forbidden='^(libpq-fe\.h|libpq/.*|pthread\.h|stdatomic\.h|threads\.h|rcr/(pg|cmd|options|interrupt|progress|pool)\.h)$'

# The headers a file includes, one per line: <x> and "x" alike, without the delimiters.
includes_of() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$1"
}

declare -A seen=()
fail=0
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

n=0
for d in "${core_dirs[@]}"; do
	[ -d "$d" ] || continue
	while IFS= read -r -d '' f; do
		seen=()
		check "$f" "$f"
		n=$((n + 1))
	done < <(find "$d" -name '*.[ch]' -print0)
done
if [ "$n" -eq 0 ]; then
	echo "layering: no core source found under $src" >&2
	exit 1
fi
[ "$fail" -eq 0 ] && echo "layering: $n core files, none reaches libpq, threads or the command layer"
exit "$fail"
