#!/usr/bin/env bash
# quickstart.sh: builds rcr and runs its main job on a throwaway local PostgreSQL 15 with a
# sample embedding database: dump, verify, list, restore into a fresh database, compare, and
# the same data through pg_dump -Fd / pg_restore for scale. Run as root on Debian 12; installs
# what it needs. ROWS (default 5000 per big table) sets the sample size.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
ROWS=${ROWS:-5000}
JOBS=${JOBS:-4}
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRCR_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
RCR=$SRC/build/rcr

W=$(mktemp -d /tmp/rcr-quickstart.XXXXXX)
chmod 755 "$W"
cleanup() {
	"$SRC/tests/harness/pg_cluster.sh" stop "$W/pg" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
"$SRC/tests/harness/pg_cluster.sh" start "$W/pg" >/dev/null
# shellcheck source=/dev/null # written by pg_cluster.sh start, at run time
. "$W/pg/env"
export PGHOST PGPORT PGUSER PGDATABASE

# The real pgvector where it is installed; otherwise rcr's test double of its types.
if psql -X -qAt -d postgres -c "CREATE EXTENSION vector; DROP EXTENSION vector" >/dev/null 2>&1; then
	ext=vector
else
	"$SRC/tests/harness/install_ext.sh"
	ext=rcr_testvec
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
size() { du -sb "$1" | cut -f1; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

echo "== sample database: $ROWS records + $ROWS feed_entries with vector(768) embeddings (extension '$ext')"
createdb sample
psql -X -q -d sample -v vec_ext="$ext" -v rows="$ROWS" -f tools/sample/sample_db.sql >/dev/null
psql -X -qAt -d sample -c "SELECT format('   %s: %s rows, %s', relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))) FROM pg_stat_user_tables ORDER BY relname"

echo "== rcr dump -j $JOBS"
t0=$(now); "$RCR" dump -d sample -j "$JOBS" -f "$W/archive"; t1=$(now)
dump_s=$(secs "$t0" "$t1"); dump_b=$(size "$W/archive")
echo "== rcr verify"
t0=$(now); "$RCR" verify "$W/archive"; t1=$(now); verify_s=$(secs "$t0" "$t1")
echo "== rcr list"
"$RCR" list "$W/archive"
echo "== rcr restore -j $JOBS into a fresh database"
createdb restored
t0=$(now); "$RCR" restore -d restored -j "$JOBS" "$W/archive"; t1=$(now); restore_s=$(secs "$t0" "$t1")

echo "== comparing restored data with the original"
canon() { pg_dump --data-only "$1" | grep -v -E '^(--|\\(un)?restrict )' | sort; }
canon sample >"$W/a.txt"
canon restored >"$W/b.txt"
if cmp -s "$W/a.txt" "$W/b.txt"; then
	echo "   identical: $(grep -c . "$W/a.txt") lines of pg_dump --data-only output"
else
	echo "   MISMATCH between original and restored data" >&2
	exit 1
fi

echo "== the same data with pg_dump -Fd -j $JOBS (gzip -6) and pg_restore -j $JOBS, for comparison"
t0=$(now); pg_dump -Fd -j "$JOBS" -Z 6 -f "$W/pgdump" sample; t1=$(now)
pgd_s=$(secs "$t0" "$t1"); pgd_b=$(size "$W/pgdump")
createdb pgrestored
t0=$(now); pg_restore -j "$JOBS" -d pgrestored "$W/pgdump"; t1=$(now); pgr_s=$(secs "$t0" "$t1")

echo
printf '%-28s %10s %12s\n' "" "time (s)" "size"
printf '%-28s %10s %12s\n' "rcr dump" "$dump_s" "$(mb "$dump_b")"
printf '%-28s %10s %12s\n' "pg_dump -Fd -Z6" "$pgd_s" "$(mb "$pgd_b")"
printf '%-28s %10s\n' "rcr verify" "$verify_s"
printf '%-28s %10s\n' "rcr restore" "$restore_s"
printf '%-28s %10s\n' "pg_restore" "$pgr_s"
echo "quickstart: OK (cluster stopped and removed on exit)"
