#!/usr/bin/env bash
# SIGINT and SIGTERM in the middle of dump, restore and convert (each with rcr frozen mid-COPY
# or mid-write when the signal lands, see fault_lib.sh): exit status 5 within seconds, one
# "interrupted" error line, no partial archive or output left, no temporary file left in
# TMPDIR, and no server session left running. (docs' CHECK (pace(id)) and -Z 19 make the COPYs
# last long enough to be caught.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
start_cluster
createdb src
create_pace src 500
psql_q -d src -c "CREATE EXTENSION rcr_testvec" \
	-c "CREATE TABLE docs (id int PRIMARY KEY CHECK (pace(id)), body text, emb vector(32))" \
	-c "INSERT INTO docs SELECT g, repeat(md5(g::text), 4), ('[' || array_to_string(array_fill((g % 89)::float4 / 3, ARRAY[32]), ',') || ']')::vector FROM generate_series(1, 60000) g" \
	-c "CREATE TABLE other (id int, note text)" \
	-c "INSERT INTO other SELECT g, 'n' || g FROM generate_series(1, 30000) g" \
	-c "CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT CASE WHEN \$1 % 200 = 0 THEN \$1 + (pg_sleep(0.01) IS NULL)::int ELSE \$1 END'" \
	-c "CREATE INDEX other_slow ON other ((slow_key(id)))" \
	-c "CREATE INDEX other_note ON other (note)"
"$RCR" dump -q -d src -f "$T/good" -j 2 --row-group-size 16384
mkdir "$T/tmp"
export TMPDIR="$T/tmp"

# Lets frozen process $1 run on and checks that it stops within 10 s with exit status 5.
resume_and_expect_interrupted() { # pid stderr-file label
	local t0=$SECONDS
	kill -CONT "$1"
	wait_rc "$1"
	[ $((SECONDS - t0)) -le 10 ] || fail "$3: took $((SECONDS - t0)) s to stop"
	assert_clean_failure "$2" 5 "$3"
	grep -q "interrupted" "$2" || fail "$3: the error does not say interrupted: $(cat "$2")"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "$3: left temporary files: $(ls -A "$TMPDIR")"
}

for sig in INT TERM; do
	# dump: the partial archive directory is removed
	"$RCR" dump -q -d src -f "$T/d_$sig" -j 2 -Z 19 --row-group-size 16384 2>"$T/e_dump_$sig" &
	pid=$!
	freeze_at_copy "rcr dump" $pid
	kill -$sig $pid
	fault_injected
	resume_and_expect_interrupted $pid "$T/e_dump_$sig" "dump, SIG$sig"
	[ ! -e "$T/d_$sig" ] || fail "dump, SIG$sig: left $(ls -A "$T/d_$sig")"
	assert_no_sessions "dump, SIG$sig"
	fault_survived "dump, SIG$sig: exit 5, no archive, no session; $(head -1 "$T/e_dump_$sig")"

	# ...also into an existing empty directory, which is emptied again, not removed
	mkdir "$T/d2_$sig"
	"$RCR" dump -q -d src -f "$T/d2_$sig" -j 1 -Z 19 --row-group-size 16384 2>"$T/e_dump2_$sig" &
	pid=$!
	freeze_at_copy "rcr dump" $pid
	kill -$sig $pid
	fault_injected
	resume_and_expect_interrupted $pid "$T/e_dump2_$sig" "dump into an existing directory, SIG$sig"
	[ -d "$T/d2_$sig" ] && [ -z "$(ls -A "$T/d2_$sig")" ] || fail "dump into an existing directory, SIG$sig: not left empty"
	assert_no_sessions "dump into an existing directory, SIG$sig"
	fault_survived "dump into an existing directory, SIG$sig: emptied"

	# restore: the table being loaded is rolled back, the pg_restore list file removed
	createdb "r_$sig"
	"$RCR" restore -q -d "r_$sig" -j 2 "$T/good" 2>"$T/e_restore_$sig" &
	pid=$!
	freeze_at_copy "rcr restore" $pid
	kill -$sig $pid
	fault_injected
	resume_and_expect_interrupted $pid "$T/e_restore_$sig" "restore, SIG$sig"
	assert_no_sessions "restore, SIG$sig"
	n=$(psql_q -d "r_$sig" -c "SELECT count(*) FROM docs")
	[ "$n" != 60000 ] || fail "restore, SIG$sig: the table being loaded was committed whole"
	"$RCR" restore -q -d "r_$sig" -j 2 --clean --if-exists "$T/good"
	assert_same_db src "r_$sig" "restore, SIG$sig, rerun"
	fault_survived "restore, SIG$sig: exit 5, docs holds $n rows (rolled back), rerun with --clean matches; $(head -1 "$T/e_restore_$sig")"

	# convert: its partial output directory is removed
	"$RCR" convert -q -j 1 "$T/good" -o "$T/c_$sig" 2>"$T/e_convert_$sig" &
	pid=$!
	for ((i = 0; i < 1500; i++)); do
		kill -0 $pid 2>/dev/null || fail "convert ended before it wrote a data file"
		if compgen -G "$T/c_$sig/*.dat*" >/dev/null; then
			kill -STOP $pid
			break
		fi
		sleep 0.01
	done
	kill -$sig $pid
	fault_injected
	resume_and_expect_interrupted $pid "$T/e_convert_$sig" "convert, SIG$sig"
	[ ! -e "$T/c_$sig" ] || fail "convert, SIG$sig: left $(ls -A "$T/c_$sig")"
	fault_survived "convert, SIG$sig: exit 5, no output left; $(head -1 "$T/e_convert_$sig")"
done

# restore in its post-data phase (pg_restore -j 2 building indexes, one of them slow): rcr stops
# pg_restore, whose workers' index builds are cancelled; no session or pg_restore is left.
for sig in INT TERM; do
	createdb "rp_$sig"
	"$RCR" restore -q -d "rp_$sig" -j 2 "$T/good" 2>"$T/e_post_$sig" &
	pid=$!
	for ((i = 0; i < 1500; i++)); do
		kill -0 $pid 2>/dev/null || fail "restore ended before its index build was seen"
		[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_restore' AND query LIKE 'CREATE INDEX other_slow%'")" != 0 ] && break
		sleep 0.02
	done
	kill -$sig $pid
	fault_injected
	t0=$SECONDS
	wait_rc $pid
	[ $((SECONDS - t0)) -le 10 ] || fail "restore post-data, SIG$sig: took $((SECONDS - t0)) s to stop"
	assert_clean_failure "$T/e_post_$sig" 5 "restore post-data, SIG$sig"
	assert_no_sessions "restore post-data, SIG$sig"
	sleep 0.2
	pgrep -f -- "$T/good/schema" >/dev/null && fail "restore post-data, SIG$sig: pg_restore processes left: $(pgrep -a -f -- "$T/good/schema")"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "restore post-data, SIG$sig: left temporary files: $(ls -A "$TMPDIR")"
	[ "$(psql_q -d "rp_$sig" -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'other_slow'")" = 0 ] ||
		fail "restore post-data, SIG$sig: the interrupted index build completed"
	fault_survived "restore post-data (pg_restore -j 2), SIG$sig: exit 5, index build cancelled, no session; $(head -1 "$T/e_post_$sig")"
done

fault_report interrupt
