#!/usr/bin/env bash
# rcr-test: matrix
# Vector indexes built at full speed (issue 14, item 2). pg_restore builds every index with the
# session's maintenance_work_mem, and an HNSW graph that does not fit in it is built on disk,
# many times slower. rcr restore builds the pgvector indexes after the rest of post-data, each
# with the memory its graph needs, computed from the archive's rows and value sizes and capped
# by --maintenance-work-mem, and reports each one. The server here runs with
# maintenance_work_mem = 1MB, so a few thousand rows already need more. Needs the real pgvector
# (hnsw, ivfflat): on Debian's 15 (the test double) only the restore without them is checked.
. "$(dirname "$0")/lib.sh"
RCR_TEST_PG_CONF="maintenance_work_mem = '1MB'" start_cluster
createdb src
create_vector_ext src
psql_q -d src <<'SQL'
CREATE TABLE records (id int PRIMARY KEY, title text, embedding vector(64));
INSERT INTO records
  SELECT g, 't' || g, (SELECT ('[' || string_agg(((g * 31 + i * 17) % 101 / 50.0 - 1)::text, ',') || ']')
                        FROM generate_series(1, 64) i)::vector
  FROM generate_series(1, 4000) g;
CREATE INDEX records_title_idx ON records (title);
CREATE TABLE "Feed Entries" (id int, "Emb" vector(16));
INSERT INTO "Feed Entries" SELECT g, (SELECT ('[' || string_agg(((g + i) % 7)::text, ',') || ']')
                                      FROM generate_series(1, 16) i)::vector FROM generate_series(1, 2000) g;
SQL
if ! real_pgvector; then
	"$RCR" dump -q -d src -f "$T/a"
	createdb dst
	"$RCR" restore -q -d dst "$T/a"
	assert_same_db src dst "restore without vector indexes"
	skip "hnsw and ivfflat builds: no pgvector on PostgreSQL $PG_MAJOR (only the test double)"
	exit 0
fi
psql_q -d src <<'SQL'
CREATE INDEX records_emb_hnsw ON records USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX "Feed ivf" ON "Feed Entries" USING ivfflat ("Emb" vector_cosine_ops) WITH (lists = 10);
SQL
"$RCR" dump -q -d src -f "$T/a"

# Sized from the archive: each vector index gets more than the server's 1MB, is reported, and
# comes back valid with the same definition as everything else.
createdb dst
"$RCR" restore -d dst -j 2 --progress=never "$T/a" 2>"$T/r.err"
assert_same_db src dst "restore with vector indexes"
[ "$(psql_q -d dst -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" = 0 ] || fail "an index is invalid"
grep -q '^rcr: vector index public.records_emb_hnsw (hnsw on public.records, 4000 rows): .* its build needs about .*: fits in memory$' "$T/r.err" ||
	{ cat "$T/r.err" >&2; fail "no report of the hnsw build fitting in memory"; }
grep -q '^rcr: vector index public."Feed ivf" (ivfflat on public."Feed Entries", 2000 rows): ' "$T/r.err" ||
	{ cat "$T/r.err" >&2; fail "no report of the ivfflat build"; }
mwm=$(sed -n 's/^rcr: vector index public.records_emb_hnsw .*maintenance_work_mem \([0-9.]*\) MB.*/\1/p' "$T/r.err")
awk -v m="$mwm" 'BEGIN { exit !(m > 1.5) }' || fail "the hnsw build got ${mwm:-no} MB, not more than the server's 1MB"
pass "vector indexes built with the memory they need (${mwm} MB for hnsw) and reported"

# -j 2 and two builds whose graphs fit the cap together: side by side, one core each (no
# parallel workers, the same memory and the same batch time); -j 1: one at a time.
sides=$(sed -n 's/^rcr: vector index .*: \([0-9.]*\) s, maintenance_work_mem \([0-9.]* [kMG]B\), parallel workers \([0-9]*\);.*/\1 \2 \3/p' "$T/r.err" | sort -u)
[ "$(printf '%s\n' "$sides" | wc -l)" = 1 ] && [ "${sides##* }" = 0 ] ||
	{ cat "$T/r.err" >&2; fail "-j 2: the two vector indexes were not built side by side without workers: $sides"; }
createdb serial
"$RCR" restore -d serial -j 1 --progress=never "$T/a" 2>"$T/s.err"
[ "$(grep -c '^rcr: vector index .*parallel workers 0;' "$T/s.err")" = 2 ] ||
	{ cat "$T/s.err" >&2; fail "-j 1: not two builds without workers"; }
assert_same_db src serial "restore -j 1 with vector indexes"
pass "-j 2 builds the two vector indexes side by side, -j 1 one at a time"

# Capped by --maintenance-work-mem: the report says the graph does not fit.
createdb capped
"$RCR" restore -d capped -j 2 --progress=never --maintenance-work-mem=1MB "$T/a" 2>"$T/c.err"
grep -q '^rcr: vector index public.records_emb_hnsw .*maintenance_work_mem 1.0 MB.*: does not fit' "$T/c.err" ||
	{ cat "$T/c.err" >&2; fail "a capped build is not reported as not fitting"; }
assert_same_db src capped "capped restore"
pass "--maintenance-work-mem caps the build, and the report says it did not fit"

# -n: the schema's vector indexes are built; -t restores tables without their indexes, as
# pg_restore -t does, so no vector index is built either.
createdb byschema
"$RCR" restore -d byschema -n public -j 2 --progress=never "$T/a" 2>"$T/n.err"
grep -q 'records_emb_hnsw' "$T/n.err" || { cat "$T/n.err" >&2; fail "-n: the vector index was not built"; }
createdb one
"$RCR" restore -d one -t records -j 2 --progress=never "$T/a" 2>"$T/t.err"
! grep -q 'vector index' "$T/t.err" || { cat "$T/t.err" >&2; fail "-t built a vector index"; }
[ "$(psql_q -d one -c "SELECT count(*) FROM pg_indexes WHERE tablename = 'records'")" = 0 ] || fail "-t restored indexes"
pass "-n builds the schema's vector indexes; -t, like pg_restore -t, none"

# --usable-first: the database is reported usable (keys, other indexes in place) before the
# vector indexes are built, which then come CONCURRENTLY, with the same definitions.
createdb early
"$RCR" restore -d early -j 2 --progress=never --usable-first "$T/a" 2>"$T/u.err"
assert_same_db src early "--usable-first"
[ "$(psql_q -d early -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" = 0 ] || fail "an index is invalid"
usable=$(grep -n '^rcr: usable after [0-9.]* s: .*building 2 vector indexes concurrently$' "$T/u.err" | cut -d: -f1)
built=$(grep -n '^rcr: vector index public.records_emb_hnsw ' "$T/u.err" | cut -d: -f1)
[ -n "$usable" ] && [ -n "$built" ] && [ "$usable" -lt "$built" ] ||
	{ cat "$T/u.err" >&2; fail "the database was not reported usable before the vector indexes were built"; }
pass "--usable-first: usable reported first, vector indexes built concurrently, same definitions"

# A concurrent build that fails (an event trigger refuses it in the index session): the restore
# exits non-zero naming it, leaves no invalid index, and everything else is there.
createdb failing
psql_q -d failing <<'SQL'
CREATE FUNCTION refuse_rcr_index() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('application_name') = 'rcr restore index' THEN
    RAISE EXCEPTION 'no concurrent index today';
  END IF;
END $$;
CREATE EVENT TRIGGER refuse_rcr_index ON ddl_command_start WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION refuse_rcr_index();
SQL
set +e
"$RCR" restore -d failing -j 2 --progress=never --usable-first "$T/a" 2>"$T/f.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a failed concurrent build exited 0"
grep -q 'the database is usable, but these vector indexes could not be built: public.records_emb_hnsw, public."Feed ivf"' "$T/f.err" ||
	{ cat "$T/f.err" >&2; fail "the failure does not name the indexes"; }
[ "$(psql_q -d failing -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" = 0 ] || fail "an invalid index was left behind"
[ "$(psql_q -d failing -c "SELECT count(*) FROM records")" = 4000 ] || fail "the data is not all there"
[ "$(psql_q -d failing -c "SELECT count(*) FROM pg_indexes WHERE indexname IN ('records_pkey', 'records_title_idx')")" = 2 ] ||
	fail "the other indexes are missing"
pass "a failed concurrent build: exit $rc naming both indexes, no invalid index, the rest restored"
