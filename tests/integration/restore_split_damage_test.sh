#!/usr/bin/env bash
# A table restored over several connections (row-group runs, --piece-size) is not one
# transaction, so a damaged frame near its end must be found before any run commits: the
# restore fails naming the frame and the table holds 0 rows, never the runs before the damage.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src -c "CREATE TABLE big (id int PRIMARY KEY, note text);
	INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 50000) g;"
"$RCR" dump -q -d src -f "$T/arch" -j 2 --row-group-size 100000

# Flip one stored byte in the table's last frame (the last bytes of its last data file).
last=$(ls "$T/arch/data" | sort -t. -k2 -n | tail -1)
f="$T/arch/data/$last"
size=$(stat -c %s "$f")
off=$((size - 10))
byte=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
# shellcheck disable=SC2059 # the format is the octal escape of one byte, made on purpose
printf "$(printf '\\%03o' $((byte ^ 0xff)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none

for jobs in 2 4; do
	createdb "dst$jobs"
	expect_exit 2 "$RCR" restore -q -j "$jobs" --piece-size 200000 -d "dst$jobs" "$T/arch"
	grep -q "table 'public.big'" "$T/err" || fail "-j $jobs: error does not name the table: $(cat "$T/err")"
	grep -q "checksum\|disagrees" "$T/err" || fail "-j $jobs: error does not say what is wrong: $(cat "$T/err")"
	n=$(psql_q -d "dst$jobs" -c "SELECT count(*) FROM big" 2>/dev/null || echo none)
	[ "$n" = 0 ] || [ "$n" = none ] || fail "-j $jobs: $n rows of the damaged table were left loaded"
	pass "restore -j $jobs over row-group runs: damaged last frame refused, $n rows loaded"
done

# The same archive undamaged restores every row over several runs (the check is not a refusal
# of everything split).
"$RCR" dump -q -d src -f "$T/good" -j 2 --row-group-size 100000
createdb ok
"$RCR" restore -q -j 4 --piece-size 200000 -d ok "$T/good"
[ "$(psql_q -d ok -c "SELECT count(*) FROM big")" = 50000 ] || fail "undamaged split restore lost rows"
pass "undamaged archive restores all 50000 rows over several runs"
