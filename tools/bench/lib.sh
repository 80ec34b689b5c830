# lib.sh: what bench.sh and incremental.sh share, sourced by both (functions only; nothing runs
# when it is sourced). The caller defines die() first and sets SRC, BENCH and the variables each
# function names.
# shellcheck shell=bash
# shellcheck disable=SC2034 # RCR_BUILT, W_MADE, EXT_VERSION, VEC_INDEX_SQL: set for the caller

Q() { psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "null") print "null"; else printf "%.4f", a / b }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
# A JSON string of $1 (backslashes and double quotes escaped).
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
# Rows of each big table at scale S (BASE_ROWS at scale 1), at least 1.
rows_at() { awk -v s="$1" -v b="$BASE_ROWS" 'BEGIN { r = int(s * b + 0.5); print (r < 1 ? 1 : r) }'; }

# bench_build_rcr: with RCR empty, builds a Release rcr in /tmp/rcr-rel and sets RCR to it
# (RCR_BUILT=1); then makes RCR an absolute path.
bench_build_rcr() {
	RCR_BUILT=0
	if [ -z "$RCR" ]; then
		RCR_BUILT=1
		echo "== building rcr (Release) in /tmp/rcr-rel"
		cmake -S "$SRC" -B /tmp/rcr-rel -DCMAKE_BUILD_TYPE=Release -DRCR_TESTS=OFF >/dev/null
		cmake --build /tmp/rcr-rel -j "$(nproc)" >/dev/null
		RCR=/tmp/rcr-rel/rcr
	fi
	[ -x "$RCR" ] || die "no rcr binary at '$RCR'"
	RCR=$(cd "$(dirname "$RCR")" && pwd -P)/$(basename "$RCR")
}

# bench_workdir PREFIX: sets W to the work directory, WORKDIR (which must then be empty and not
# a symbolic link, whose target is not ours) or a new /tmp/PREFIX.XXXXXX, and W_MADE to 1 when
# this run made it. bench_clear_workdir removes only what the run made: the directory it made,
# or the contents of the one it was given.
bench_workdir() {
	W_MADE=1
	if [ -z "$WORKDIR" ]; then
		W=$(mktemp -d "/tmp/$1.XXXXXX")
	else
		[ ! -L "${WORKDIR%/}" ] || die "--workdir '$WORKDIR' is a symbolic link; give the directory itself"
		if [ -e "$WORKDIR" ]; then
			W_MADE=0
			[ -d "$WORKDIR" ] || die "--workdir '$WORKDIR' is not a directory"
		fi
		mkdir -p "$WORKDIR"
		[ -z "$(ls -A "$WORKDIR")" ] || die "--workdir '$WORKDIR' is not empty"
		W=$(cd "$WORKDIR" && pwd -P)
	fi
	chmod 755 "$W"
}

bench_clear_workdir() {
	if [ "$W_MADE" = 1 ]; then
		rm -rf "$W"
	else
		find "$W" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
	fi
}

# bench_vector_ext: the running cluster's vector extension, the real pgvector where it is
# installed, else the test double (installed here): sets EXT and EXT_VERSION, VEC_INDEX when
# empty (hnsw on pgvector, hash on the double) and VEC_INDEX_SQL, the index's method and column.
bench_vector_ext() {
	if Q -d postgres -c "CREATE EXTENSION vector; DROP EXTENSION vector" >/dev/null 2>&1; then
		EXT=vector
	else
		"$SRC/tests/harness/install_ext.sh"
		EXT=rcr_testvec
	fi
	EXT_VERSION=$(Q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = '$EXT'")
	if [ -z "$VEC_INDEX" ]; then
		if [ "$EXT" = vector ]; then VEC_INDEX="hnsw"; else VEC_INDEX="hash"; fi
	fi
	case $VEC_INDEX in
	hnsw) [ "$EXT" = vector ] || die "--vector-index hnsw needs the real pgvector"
		VEC_INDEX_SQL="hnsw (embedding vector_cosine_ops)" ;;
	hash) VEC_INDEX_SQL="hash (embedding)" ;;
	none) VEC_INDEX_SQL="" ;;
	*) die "--vector-index must be hnsw, hash or none" ;;
	esac
}

# bench_post_load DB: keys, indexes (the vector index as VEC_INDEX_SQL says, or none) and
# VACUUM FREEZE ANALYZE. The source's own indexes are not measured: built with the memory that
# keeps an HNSW graph in memory, so that the dataset is ready in minutes, not the half hour
# 64MB takes.
bench_post_load() {
	if [ -n "$VEC_INDEX_SQL" ]; then
		PGOPTIONS="${PGOPTIONS:-} -c maintenance_work_mem=2GB -c max_parallel_maintenance_workers=$((JOBS > 1 ? JOBS - 1 : 0))" \
			Q -d "$1" -v vec_index="$VEC_INDEX_SQL" -f "$BENCH/post_load.sql" >/dev/null
	else
		grep -v '_embedding_idx' "$BENCH/post_load.sql" | Q -d "$1" >/dev/null
	fi
}
