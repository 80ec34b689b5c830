# shellcheck shell=bash
# db_manager_lib.sh: a copy of tools/db-manager.sh and the users' tables, for its tests
# (sourced after lib.sh's start_cluster, which sets VEC_EXT).

# The script is run from a copy so a developer's tools/.env cannot leak into the test, and so
# the "env file next to the script" case can be set up.
mkdir -p "$T/bin"
cp "$RCR_SRC/tools/db-manager.sh" "$T/bin/db-manager.sh"
# shellcheck disable=SC2034 # used by the tests that source this file
DBM="$T/bin/db-manager.sh"
export RCR

# The users' tables: records and feed_entries with 768-dimensional embeddings, a foreign key
# between them, Drizzle's migrations table.
# shellcheck disable=SC2034 # used by the tests that source this file
SCHEMA_SQL="
CREATE EXTENSION IF NOT EXISTS $VEC_EXT;
CREATE SCHEMA drizzle;
CREATE TABLE public.records (id bigint PRIMARY KEY, title text NOT NULL, body text,
  embedding vector(768), created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX records_title_idx ON public.records (title);
CREATE TABLE public.feed_entries (id bigserial PRIMARY KEY,
  record_id bigint REFERENCES public.records (id), url text, embedding vector(768));
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
"
add_rows() { # db first last
	psql_q -d "$1" <<SQL
INSERT INTO public.records (id, title, body, embedding)
  SELECT g, 'record ' || g, repeat(md5(g::text), 4),
         (SELECT ('[' || string_agg((random() * 2 - 1)::float4::text, ',') || ']')
            FROM generate_series(1, 768) i WHERE g > 0)::vector
  FROM generate_series($2, $3) g;
INSERT INTO public.feed_entries (record_id, url, embedding)
  SELECT id, 'https://example.com/' || id, embedding FROM public.records WHERE id BETWEEN $2 AND $3;
SQL
}

# Holds ACCESS EXCLUSIVE on remote_db's public.records from a background session (LOCKER is its
# pid; the test ends it with pg_terminate_backend) and returns once the lock is granted, so that
# a backup started next waits in its COPY. It must be held before the backup starts: DDL that
# queues behind a running dump makes rcr fail at once (its workers lock NOWAIT).
lock_records() {
	psql_q -d remote_db -c "BEGIN" -c "LOCK TABLE public.records IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
	# shellcheck disable=SC2034 # the test waits for it
	LOCKER=$!
	for _ in $(seq 1 100); do
		[ "$(psql_q -d remote_db -c "SELECT count(*) FROM pg_locks WHERE relation = 'public.records'::regclass AND mode = 'AccessExclusiveLock' AND granted")" != 0 ] && return 0
		sleep 0.1
	done
}

# Returns once a session of application_name 'dbm' (the backup's rcr) waits for a lock.
wait_dbm_blocked() {
	for _ in $(seq 1 200); do
		[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbm' AND wait_event_type = 'Lock'")" != 0 ] && return 0
		sleep 0.1
	done
}
