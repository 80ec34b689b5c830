# shellcheck shell=bash disable=SC2154
# many_tables.sh: bench.sh --many-tables N (sourced by bench.sh, which has started the cluster
# and defined measure, Q, W, JOBS, RCR and the rest). Per-table overhead: N tables of 5 rows and
# one index each, rcr against pg_dump -Fd -jN and pg_restore -jN in the same run (issue 11,
# defect 8: targets rcr dump <= 0.7x pg_dump, rcr restore <= 0.7x pg_restore).

echo "== dataset: $MANY tables of 5 rows (id int, v text, n numeric) with one index each; lock table $(Q -d postgres -c "SHOW max_locks_per_transaction") x connections"
createdb many
t0=$(now)
for ((lo = 1; lo <= MANY; lo += 1000)); do
	hi=$((lo + 999 < MANY ? lo + 999 : MANY))
	Q -d many -c "DO \$\$ BEGIN FOR i IN $lo..$hi LOOP
		EXECUTE format('CREATE TABLE t%s (id int, v text, n numeric)', i);
		EXECUTE format('INSERT INTO t%s SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, 5) g', i);
		EXECUTE format('CREATE INDEX ON t%s (id)', i);
	END LOOP; END \$\$" >/dev/null
done
Q -d many -c "VACUUM (FREEZE, ANALYZE)" >/dev/null
echo "   created and frozen in $(fsub "$(now)" "$t0") s"
many_check() { # db: every table restored with its 5 rows
	local got
	got=$(Q -d "$1" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
	[ "$got" = "$MANY" ] || die "database '$1' holds $got tables, not $MANY"
	got=$(Q -d "$1" -c "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
	[ "$got" = "$MANY" ] || die "database '$1' holds $got indexes, not $MANY"
	got=$(Q -d "$1" -c "SELECT count(*) FROM t$MANY")
	[ "$got" = 5 ] || die "database '$1': t$MANY holds $got rows"
}

echo "== dump (-j $JOBS)"
OUT=""
clear_out() { rm -rf "$OUT"; }
OUT=$W/out/rcr SETUP=clear_out measure mt_rcr_dump "rcr dump -j$JOBS" \
	"$RCR" dump --progress=never -j "$JOBS" -d many -f "$W/out/rcr"
SIZE[mt_rcr_dump]=$(size_of "$W/out/rcr")
OUT=$W/out/pgd SETUP=clear_out measure mt_pgd "pg_dump -Fd -j$JOBS" \
	pg_dump -Fd -j "$JOBS" -f "$W/out/pgd" many
SIZE[mt_pgd]=$(size_of "$W/out/pgd")

echo "== restore (-j $JOBS, into a new database each run)"
DB=""
new_many() { PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$DB"; createdb "$DB"; }
check_many() { many_check "$DB"; PGOPTIONS="-c client_min_messages=warning" dropdb "$DB"; }
DB=mt_r SETUP=new_many TEARDOWN=check_many STAMP=1 measure mt_rcr_restore "rcr restore -j$JOBS" \
	"$RCR" restore -v --progress=never -j "$JOBS" -d mt_r "$W/out/rcr"
PHASES[mt_rcr_restore]=$(restore_phases "${BEST[mt_rcr_restore]}")
DB=mt_p SETUP=new_many TEARDOWN=check_many measure mt_pgr "pg_restore -j$JOBS" \
	pg_restore -j "$JOBS" -d mt_p "$W/out/pgd"

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "null"; else printf "%.4f", a / b }'; }
R_DUMP=$(div "${WALL[mt_rcr_dump]}" "${WALL[mt_pgd]}")
R_RESTORE=$(div "${WALL[mt_rcr_restore]}" "${WALL[mt_pgr]}")
met() { awk -v v="$1" 'BEGIN { print (v != "null" && v <= 0.7) ? "yes" : "NO" }'; }
read -r P_PRE P_DATA P_POST <<<"${PHASES[mt_rcr_restore]}"

echo
echo "rcr many-tables benchmark: $MANY tables of 5 rows and one index each, -j$JOBS, $NPROC cores, PostgreSQL $PG_VERSION"
echo "rcr $RCR_COMMIT; $([ "$REPEAT" -gt 1 ] && echo "fastest of $REPEAT runs each" || echo "one run each")"
printf '%-30s %8s %8s %8s %8s %9s %6s\n' "what" "wall s" "CPU s" "srv CPU" "RSS MiB" "size MB" "other"
for k in mt_rcr_dump mt_pgd mt_rcr_restore mt_pgr; do
	printf '%-30s %8.2f %8.2f %8.2f %8s %9s %6s\n' "${LABEL[$k]}" "${WALL[$k]}" "${CPU[$k]}" "${SRV[$k]}" \
		"$(awk -v k="${RSS[$k]}" 'BEGIN { printf "%.1f", k / 1024 }')" "$([ -n "${SIZE[$k]:-}" ] && mb "${SIZE[$k]}")" "${OTHER[$k]}"
done
[ "$P_DATA" = null ] || echo "rcr restore phases (-v log): pre-data $P_PRE s, data $P_DATA s, post-data $P_POST s"
[ ${#NOISY[@]} -eq 0 ] || echo "WARNING: other programs used >= 0.25 cores during: ${NOISY[*]}; those times are not clean"
echo
printf '%-52s %9s %9s %5s\n' "ratio" "value" "target" "met"
printf '%-52s %9s %9s %5s\n' "rcr dump / pg_dump -Fd -j$JOBS, wall" "$R_DUMP" "<=0.7" "$(met "$R_DUMP")"
printf '%-52s %9s %9s %5s\n' "rcr restore / pg_restore -j$JOBS, wall" "$R_RESTORE" "<=0.7" "$(met "$R_RESTORE")"

mkdir -p "$RESULTS"
json=$RESULTS/$(date -u +%Y%m%dT%H%M%SZ)-many-tables.json
{
	printf '{\n  "date": "%s", "case": "many-tables", "tables": %s, "jobs": %s, "cores": %s, "postgresql": "%s", "rcr_commit": "%s", "repeat": %s,\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$MANY" "$JOBS" "$NPROC" "$PG_VERSION" "$RCR_COMMIT" "$REPEAT"
	echo '  "runs": ['
	n=0
	for k in mt_rcr_dump mt_pgd mt_rcr_restore mt_pgr; do
		[ $n -gt 0 ] && echo ","
		n=$((n + 1))
		printf '    {"key": "%s", "what": "%s", "wall_s": %s, "cpu_s": %s, "server_cpu_s": %s, "peak_rss_kib": %s, "size_bytes": %s, "other_load_cores": %s, "wall_s_of_each_run": [%s]}' \
			"$k" "${LABEL[$k]}" "${WALL[$k]}" "${CPU[$k]}" "${SRV[$k]}" "${RSS[$k]}" "${SIZE[$k]:-null}" "${OTHER[$k]}" "${REPS[$k]// /, }"
	done
	echo
	echo '  ],'
	printf '  "rcr_restore_phases_s": {"pre_data": %s, "data": %s, "post_data": %s},\n' "$P_PRE" "$P_DATA" "$P_POST"
	printf '  "ratios": [{"name": "dump_vs_pgdump", "value": %s, "target": "<= 0.7"}, {"name": "restore_vs_pg_restore", "value": %s, "target": "<= 0.7"}]\n' "$R_DUMP" "$R_RESTORE"
	echo "}"
} >"$json"
echo
echo "results: $json"
