#!/usr/bin/env bash
# Concurrent DDL during a dump. Another session holds ACCESS EXCLUSIVE on a table (LOCK TABLE,
# or an ALTER / DROP / TRUNCATE in an open transaction):
# - with --lock-wait-timeout=1s the dump fails within seconds, naming the table;
# - without it the dump waits, and then either produces an archive consistent with its
#   snapshot (the other transaction's changes absent, all of them) or, when the table was
#   dropped or rewritten (its rows invisible to the snapshot), fails naming the table;
# - DDL that arrives while the dump is copying waits for the dump, which completes.
# Never an archive that silently misses rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
. "$(dirname "$0")/lock_lib.sh"
start_cluster
createdb src
psql_q -d src -c "CREATE EXTENSION rcr_testvec" \
	-c "CREATE TABLE a (id int PRIMARY KEY, v text, emb vector(16))" \
	-c "INSERT INTO a SELECT g, 'v' || g, ('[' || array_to_string(array_fill(g::float4, ARRAY[16]), ',') || ']')::vector FROM generate_series(1, 30000) g" \
	-c "CREATE TABLE b (id int, w text)" \
	-c "INSERT INTO b SELECT g, 'w' || g FROM generate_series(1, 2000) g"

data_text src >"$T/src_before.data"
schema_text src >"$T/src_before.schema"
# The archive restores to exactly the source as it was before any DDL ran.
assert_archive_is_before() { # archive label
	"$RCR" verify -q "$1" >/dev/null || fail "$2: archive does not verify"
	local db="r$RANDOM"
	createdb "$db"
	"$RCR" restore -q -d "$db" "$1"
	data_text "$db" >"$T/got.data"
	schema_text "$db" >"$T/got.schema"
	cmp -s "$T/src_before.data" "$T/got.data" || { diff "$T/src_before.data" "$T/got.data" | head >&2; fail "$2: data is not the snapshot's"; }
	cmp -s "$T/src_before.schema" "$T/got.schema" || { diff "$T/src_before.schema" "$T/got.schema" | head >&2; fail "$2: schema is not the snapshot's"; }
}

# 1. --lock-wait-timeout=1s against a held ACCESS EXCLUSIVE lock: fails naming the table.
for sql in "LOCK TABLE a IN ACCESS EXCLUSIVE MODE;" "ALTER TABLE a ADD COLUMN extra int;" "DROP TABLE a;"; do
	hold_begin "$sql" a
	t0=$SECONDS
	set +e
	"$RCR" dump -q -d src -f "$T/lw" --lock-wait-timeout=1s 2>"$T/lw.err"
	RC=$?
	set -e
	fault_injected
	hold_end ROLLBACK
	[ $((SECONDS - t0)) -le 8 ] || fail "lock wait timeout ($sql): took $((SECONDS - t0)) s"
	assert_clean_failure "$T/lw.err" 4 "lock wait timeout ($sql)"
	grep -q "could not lock table 'public.a' within --lock-wait-timeout=1s: another session holds an ACCESS EXCLUSIVE lock" "$T/lw.err" ||
		fail "lock wait timeout ($sql): $(cat "$T/lw.err")"
	[ ! -e "$T/lw" ] || fail "lock wait timeout ($sql): left an output directory"
	fault_survived "--lock-wait-timeout=1s vs '$sql': $(head -1 "$T/lw.err")"
done

# 2. No timeout: the dump waits for the other transaction, whose changes are then invisible to
#    the dump's snapshot (taken before the commit): a consistent archive of the before-state.
hold_begin "LOCK TABLE a IN ACCESS EXCLUSIVE MODE; INSERT INTO a SELECT g, 'new', NULL FROM generate_series(30001, 30100) g; ALTER TABLE a ADD COLUMN added int DEFAULT 7; INSERT INTO b VALUES (-1, 'new');" a
"$RCR" dump -q -d src -f "$T/wait1" 2>"$T/wait1.err" &
pid=$!
wait_dump_blocked
fault_injected
hold_end COMMIT
wait_rc $pid
[ "$RC" = 0 ] || fail "dump after waiting for ALTER TABLE ADD COLUMN: exit $RC: $(cat "$T/wait1.err")"
assert_archive_is_before "$T/wait1" "waited for ALTER TABLE ADD COLUMN"
fault_survived "waited for an open ALTER TABLE ADD COLUMN + INSERT, then archived the snapshot's state"
psql_q -d src -c "ALTER TABLE a DROP COLUMN added" -c "DELETE FROM a WHERE id > 30000" -c "DELETE FROM b WHERE id = -1"

# 3. No timeout, and the other transaction rewrites (or truncates, or drops) the table: the
#    snapshot cannot see its rows any more, so the dump must fail, naming the table.
for sql in "ALTER TABLE a ALTER COLUMN v TYPE varchar(100) USING v || '';:rewritten" "TRUNCATE a;:rewritten" \
	"DROP TABLE a;:dropped" "DROP TABLE a; CREATE TABLE a (id int PRIMARY KEY, v text, emb vector(16));:dropped"; do
	want=${sql##*:}
	sql=${sql%:*}
	psql_q -d src -c "CREATE TABLE IF NOT EXISTS a_keep AS SELECT * FROM a" >/dev/null
	hold_begin "$sql" a
	"$RCR" dump -q -d src -f "$T/wait2" 2>"$T/wait2.err" &
	pid=$!
	wait_dump_blocked
	fault_injected
	hold_end COMMIT
	wait_rc $pid
	assert_clean_failure "$T/wait2.err" 4 "waited for '$sql'"
	grep -q "table 'public.a' was $want by another session" "$T/wait2.err" || fail "waited for '$sql': $(cat "$T/wait2.err")"
	[ ! -e "$T/wait2" ] || fail "waited for '$sql': left an output directory"
	fault_survived "waited for '$sql': $(head -1 "$T/wait2.err")"
	# put a back as it was
	psql_q -d src -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS a" -c "ALTER TABLE a_keep RENAME TO a" -c "ALTER TABLE a ADD PRIMARY KEY (id)"
done
data_text src >"$T/src_before.data"
schema_text src >"$T/src_before.schema"

# 4. DDL that arrives while the dump runs, after the workers and pg_dump took their locks,
#    waits for the dump: the dump completes with the before-state, then the DDL runs. rcr is
#    frozen mid-COPY while its pg_dump finishes and the DDL queues.
# (case 5's pg_dump wrapper, RCR_PG_BINDIR: holds the real pg_dump back until $T/go exists)
mkdir -p "$T/bin"
# (--version, which rcr asks before it locks anything, is answered at once.)
# shellcheck disable=SC2016 # writes a script: its $1 and $@ are the script's own
printf '#!/bin/sh\n[ "$1" = --version ] && exec "%s/pg_dump" --version\nwhile [ ! -e "%s/go" ]; do sleep 0.05; done\nexec "%s/pg_dump" "$@"\n' "$RCR_TEST_PGBIN" "$T" "$RCR_TEST_PGBIN" >"$T/bin/pg_dump"
chmod 755 "$T/bin/pg_dump"
# Starts a dump with pg_dump held back and returns once its workers are done.
start_held_dump() { # dir
	rm -f "$T/go"
	RCR_PG_BINDIR="$T/bin" "$RCR" dump -q -d src -f "$1" -j 1 --row-group-size 16384 2>"$1.err" &
	pid=$!
	for ((i = 0; i < 1500; i++)); do
		[ -n "$(ls "$1/data" 2>/dev/null)" ] &&
			[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rcr dump'")" = 1 ] && return 0
		kill -0 $pid || fail "the dump ended early: $(cat "$1.err")"
		sleep 0.02
	done
	fail "the dump's workers did not finish"
}
queue_alter() { # sql
	psql_q -d src -c "$1" >"$T/alter.out" 2>&1 &
	alter=$!
	for ((i = 0; i < 500; i++)); do
		[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE a%' AND wait_event_type = 'Lock'")" = 1 ] && return 0
		sleep 0.02
	done
	fail "the ALTER TABLE did not queue"
}
# -Z 19 makes the client the slow side, so the COPY is long enough to be caught.
"$RCR" dump -q -d src -f "$T/mid" -j 1 -Z 19 --row-group-size 16384 2>"$T/mid.err" &
pid=$!
freeze_at_copy "rcr dump" $pid
for ((i = 0; i < 1500; i++)); do
	[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rcr dump: pg_dump'")" = 0 ] && break
	sleep 0.02
done
queue_alter "ALTER TABLE a ALTER COLUMN v TYPE varchar(200)"
fault_injected
kill -CONT $pid
wait_rc $pid
[ "$RC" = 0 ] || fail "dump with DDL queued mid-dump: exit $RC: $(cat "$T/mid.err")"
wait $alter || fail "the ALTER TABLE failed: $(cat "$T/alter.out")"
assert_archive_is_before "$T/mid" "DDL queued mid-dump"
fault_survived "ALTER TABLE queued mid-dump waited for the dump, which archived the before-state"

# 5. pg_dump blocked behind DDL that waits for the dump (the lock cycle the server cannot see):
#    the dump notices, stops its pg_dump and fails naming the table instead of hanging. Forced
#    by letting pg_dump start only once the DDL is queued.
start_held_dump "$T/dl"
queue_alter "ALTER TABLE a ALTER COLUMN v TYPE varchar(300)"
touch "$T/go"
fault_injected
t0=$SECONDS
wait_rc $pid
[ $((SECONDS - t0)) -le 10 ] || fail "pg_dump lock cycle: took $((SECONDS - t0)) s to notice"
assert_clean_failure "$T/dl.err" 4 "pg_dump lock cycle"
grep -q "pg_dump cannot lock table 'public.a'" "$T/dl.err" || fail "pg_dump lock cycle: $(cat "$T/dl.err")"
[ ! -e "$T/dl" ] || fail "pg_dump lock cycle: left an output directory"
wait $alter || fail "the ALTER TABLE failed after the dump gave up: $(cat "$T/alter.out")"
fault_survived "pg_dump queued behind DDL that waits for the dump: $(head -1 "$T/dl.err")"

assert_no_sessions "ddl"
fault_report ddl
