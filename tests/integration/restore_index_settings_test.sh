#!/usr/bin/env bash
# restore_index_settings: post-data's index builds run with rcr's maintenance_work_mem (and
# max_parallel_maintenance_workers), also when the user's own PGOPTIONS set other things, which
# are kept. Those settings used to go to pg_restore in PGOPTIONS, which the connection string
# rcr hands it overrides as soon as the user has PGOPTIONS of their own: the index builds then
# ran without them. An index on a function that reports the settings it runs with shows them.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster

createdb src
psql_q -d src <<'SQL'
CREATE FUNCTION report(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  RAISE WARNING 'index build: maintenance_work_mem=% work_mem=%',
    current_setting('maintenance_work_mem'), current_setting('work_mem');
  RETURN $1;
END $$;
CREATE TABLE t (id int);
INSERT INTO t VALUES (1);
CREATE INDEX t_report ON t (report(id));
SQL
"$RCR" dump -q -d src -f "$T/a" || fail "dump"

createdb dst1
"$RCR" restore -v -v -d dst1 --maintenance-work-mem 77MB "$T/a" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "restore"; }
grep -q "index build: maintenance_work_mem=77MB work_mem=4MB" "$T/err" ||
	{ cat "$T/err" >&2; fail "the index build did not run with --maintenance-work-mem"; }
pass "index builds run with --maintenance-work-mem"

createdb dst2
PGOPTIONS="-c work_mem=5MB" "$RCR" restore -v -v -d dst2 --maintenance-work-mem 77MB "$T/a" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "restore with PGOPTIONS"; }
grep -q "index build: maintenance_work_mem=77MB work_mem=5MB" "$T/err" ||
	{ grep "index build" "$T/err" >&2; fail "with the user's PGOPTIONS, the index build lost rcr's settings or the user's"; }
pass "the user's PGOPTIONS and rcr's index settings both reach the index builds"
