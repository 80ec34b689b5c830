#!/usr/bin/env bash
# rcr-test: matrix
# tools/bench/bench.sh end to end at a tiny scale. Not a timing test (times are the bench's
# business, and this one runs beside the rest of the suite): it checks that one command still
# runs every comparison the report promises, checks every restore it times, and writes a JSON
# whose runs, scales and ratios are all there and numeric. Also --hold-guest-memory against a
# stand-in for the kernel's page_reporting_order parameter: 11 while anything is measured, the
# old value back afterwards, after a failed run too. And the many-tables case (--many-tables)
# at 50 tables: both ratios printed and in its JSON, every restore checked. On a PostgreSQL
# with the real pgvector (the matrix's other versions) only the HNSW run: rcr restore's vector
# indexes, each timed alone as its floor with the memory rcr gave it, and the server's memory.
. "$(dirname "$0")/lib.sh"

BENCH=$RCR_SRC/tools/bench/bench.sh

# The phases, their floors and the server's memory, in the JSON of a run (vec: the vector
# indexes were pgvector's, which rcr builds on their own).
check_phases() { # json vec
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
vec = sys.argv[2] == "1"
bad = []
runs = {r["key"]: r for r in d["runs"]}
sampled = ["pgr_all", "pgr_post", "rcr_restore", "rcr_restore_usable", "post_floor"] + (["vec_floor"] if vec else [])
for k in sampled:
    r = runs.get(k)
    if r is None or not isinstance(r["server_peak_pss_mib"], (int, float)) or r["server_peak_pss_mib"] <= 0:
        bad.append("%s: server_peak_pss_mib %r" % (k, r and r["server_peak_pss_mib"]))
    elif not r["server_peak_rss_mib"] >= r["server_peak_pss_mib"]:
        bad.append("%s: Rss sum %r below the Pss sum %r" % (k, r["server_peak_rss_mib"], r["server_peak_pss_mib"]))
phases = {p["phase"]: p for p in d["phases"]}
want = ["pre_data", "data", "post_data", "vector_indexes", "index_phase", "whole"]
if [p["phase"] for p in d["phases"]] != want:
    bad.append("phases %r" % [p["phase"] for p in d["phases"]])
for name in want:
    p = phases.get(name, {})
    numeric = vec or name != "vector_indexes"
    for f in ["rcr_s", "floor_s", "rcr_over_floor"]:
        if numeric != (isinstance(p.get(f), (int, float)) and p[f] > 0):
            bad.append("phase %s: %s %r" % (name, f, p.get(f)))
if phases["whole"].get("rcr_s") != runs["rcr_restore"]["wall_s"]:
    bad.append("whole phase %r is not the restore's wall time" % phases["whole"].get("rcr_s"))
parts = sum(phases[n]["rcr_s"] or 0 for n in ["pre_data", "data", "post_data", "vector_indexes"])
if abs(parts - runs["rcr_restore"]["wall_s"]) > 0.05:
    bad.append("the phases add up to %.3f s, the restore took %.3f s" % (parts, runs["rcr_restore"]["wall_s"]))
vi = d["vector_indexes"]
if vec:
    names = sorted(v["name"] for v in vi)
    if names != ["public.feed_entries_embedding_idx", "public.records_embedding_idx"]:
        bad.append("vector_indexes %r" % names)
    for v in vi:
        if not (v["rcr_s"] > 0 and v["alone_s"] > 0 and v["maintenance_work_mem"] and v["parallel_workers"] >= 0):
            bad.append("vector index %r" % v)
    if abs(sum(v["alone_s"] for v in vi) - runs["vec_floor"]["wall_s"]) > 0.5 * runs["vec_floor"]["wall_s"] + 0.2:
        bad.append("the indexes' times alone do not add up to the floor run's")
elif vi or "vec_floor" in runs:
    bad.append("vector indexes without pgvector: %r" % vi)
mem = d["server_peak_memory_mib"]
for k in ["rcr_restore", "rcr_restore_index_phase", "pg_restore", "pg_restore_post_data"] + (["rcr_restore_vector_indexes"] if vec else []):
    if not (isinstance(mem[k]["pss"], (int, float)) and mem[k]["pss"] > 0):
        bad.append("server_peak_memory_mib.%s %r" % (k, mem[k]))
ratios = {r["name"]: r for r in d["ratios"]}
want_target = "<= 0.6" if vec else "<= 0.5"
if ratios["restore_vs_pg_restore"]["target"] != want_target:
    bad.append("restore_vs_pg_restore target %r" % ratios["restore_vs_pg_restore"]["target"])
for k in ["usable_vs_pg_restore", "restore_post_vs_pg_restore", "index_memory_vs_pg_restore"]:
    if not isinstance(ratios.get(k, {}).get("value"), (int, float)):
        bad.append("ratio %s: %r" % (k, ratios.get(k)))
for b in bad:
    print("bench JSON:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# The real pgvector (the matrix's 16, 17, 18): the HNSW run alone.
if [ -f "$("$PGBIN/pg_config" --sharedir)/extension/vector.control" ]; then
	"$BENCH" --scale 0.01 --quiet-wait 0 --rcr "$RCR" --workdir "$T/wv" --results "$T/results_v" >"$T/out_v" 2>&1 ||
		{ tail -n 30 "$T/out_v" >&2; fail "bench.sh --scale 0.01 with HNSW indexes failed"; }
	grep -q 'vector index: hnsw' "$T/out_v" || fail "the dataset has no HNSW indexes"
	check_phases "$(ls "$T"/results_v/*.json)" 1 || fail "the HNSW run's JSON is incomplete (see above)"
	grep -q '^phase  *rcr s  *floor s  *rcr-floor  *rcr/floor  *pg_restore  *floor is$' "$T/out_v" || fail "no phase table in the report"
	grep -q '^  vector index public.records_embedding_idx  *rcr  *[0-9.]* s, alone  *[0-9.]* s' "$T/out_v" ||
		fail "no per-index line in the report"
	pass "HNSW on PostgreSQL $PG_MAJOR: phases beside their floors, each vector index timed alone, server memory sampled"
	exit 0
fi
if command -v shellcheck >/dev/null 2>&1; then
	shellcheck -S warning "$BENCH" "$RCR_SRC/tools/bench/many_tables.sh" || fail "shellcheck warns about bench.sh"
	pass "shellcheck: no warnings"
fi

# rcr through a wrapper that records the stand-in parameter's value whenever the bench runs rcr,
# and fails on demand.
PARAM=$T/page_reporting_order
echo 9 >"$PARAM"
cat >"$T/rcr-spy" <<SPY
#!/bin/sh
cat "$PARAM" >>"$T/seen"
if [ -e "$T/fail-dump" ] && [ "\$1" = dump ]; then echo "rcr-spy: failing on purpose" >&2; exit 1; fi
exec "$RCR" "\$@"
SPY
chmod 755 "$T/rcr-spy"

export RCR_BENCH_PAGE_REPORTING_PARAM=$PARAM RCR_BENCH_WARM_MIB=16
"$BENCH" --scale 0.01 --linearity --rss-scales 0.01,0.02 --quiet-wait 0 --hold-guest-memory \
	--rcr "$T/rcr-spy" --workdir "$T/w" --results "$T/results" >"$T/out" 2>&1 ||
	{ tail -n 30 "$T/out" >&2; fail "bench.sh at scale 0.01 failed"; }
pass "bench.sh --scale 0.01 --linearity --hold-guest-memory ran"

[ "$(cat "$PARAM")" = 9 ] || fail "page_reporting_order not restored: $(cat "$PARAM")"
if [ ! -s "$T/seen" ] || grep -qv '^11$' "$T/seen"; then
	fail "rcr ran with reporting not paused: $(sort "$T/seen" | uniq -c | tr '\n' ' ')"
fi
pass "reporting paused for all $(wc -l <"$T/seen") rcr runs, restored to 9 at exit"
[ ! -e "$T/w" ] || fail "the work directory was left behind"

json=$(ls "$T"/results/*.json)
python3 - "$json" <<'PY' || fail "the JSON report is incomplete (see above)"
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
runs = {r["key"]: r for r in d["runs"]}
want = ["copy_floor", "copy_floor_split", "rcr_dump", "pgd_z6", "pgd_z0", "zstd6", "pgd_zstd", "pgd_fc",
        "rcr_verify", "rcr_convert", "pgr_all", "pgr_pre", "pgr_data", "pgr_post", "load_floor",
        "rcr_restore_data", "rcr_restore", "s0_02_floor", "s0_02_dump", "s0_02_verify", "s0_02_restore",
        "s0_02_load_floor"]
for k in want:
    r = runs.get(k)
    if r is None:
        bad.append("no run " + k)
        continue
    if not (isinstance(r["wall_s"], (int, float)) and r["wall_s"] > 0):
        bad.append("%s: wall_s %r" % (k, r["wall_s"]))
    if not (isinstance(r["peak_rss_kib"], int) and r["peak_rss_kib"] > 0):
        bad.append("%s: peak_rss_kib %r" % (k, r["peak_rss_kib"]))
for k in ["rcr_dump", "pgd_z6", "pgd_z0", "pgd_fc", "rcr_convert", "s0_02_dump"]:
    if not (runs.get(k) and isinstance(runs[k]["size_bytes"], int) and runs[k]["size_bytes"] > 0):
        bad.append("%s: no size" % k)
if runs["rcr_dump"]["size_bytes"] >= runs["pgd_z0"]["size_bytes"]:
    bad.append("rcr's archive is not smaller than pg_dump -Z0's")
if runs["s0_02_dump"]["size_bytes"] <= runs["rcr_dump"]["size_bytes"]:
    bad.append("the scale-0.02 archive is not bigger than the scale-0.01 one")
scales = [s["scale"] for s in d["scales"]]
if scales != [0.01, 0.02]:
    bad.append("scales %r" % scales)
ratios = {r["name"]: r for r in d["ratios"]}
if not isinstance(d.get("rcr_restore_usable_after_s"), (int, float)) or d["rcr_restore_usable_after_s"] <= 0:
    bad.append("rcr_restore_usable_after_s %r" % d.get("rcr_restore_usable_after_s"))
if "rcr_restore_usable" not in runs:
    bad.append("no --usable-first run")
for k in ["dump_vs_pgdump_z6", "dump_vs_pgdump_zstd", "dump_vs_copy_floor", "restore_time_growth",
          "dump_time_growth", "verify_time_growth", "dump_rss_growth", "usable_vs_pg_restore"]:
    r = ratios.get(k)
    if r is None or not isinstance(r["value"], (int, float)) or r["value"] <= 0 or r["target"] is None:
        bad.append("ratio %s: %r" % (k, r))
if not d["machine"]["free_page_reporting"].startswith("paused for this run (order 9 -> 11)"):
    bad.append("machine.free_page_reporting %r" % d["machine"]["free_page_reporting"])
for b in bad:
    print("bench JSON:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
check_phases "$json" 0 || fail "the phases or the server's memory are missing from the JSON (see above)"
pass "JSON: every run, both scales and the targeted ratios are there and numeric; phases, floors, server memory"
grep -q '^ratio  *value  *target  *met' "$T/out" || fail "no ratio table in the report"
grep -q '^free page reporting to the VM host: paused' "$T/out" || fail "the report does not say reporting was paused"
pass "the printed report has the ratio table and the reporting line"

# A run that fails part-way still gives the parameter back, and says what failed.
: >"$T/fail-dump"
if "$BENCH" --scale 0.01 --quiet-wait 0 --hold-guest-memory --rcr "$T/rcr-spy" --workdir "$T/w2" \
	--results "$T/results2" >"$T/out2" 2>&1; then
	fail "bench.sh succeeded although rcr dump failed"
fi
grep -q "'rcr dump -j2' failed" "$T/out2" || { tail -n 5 "$T/out2" >&2; fail "the failure does not name rcr dump"; }
[ "$(cat "$PARAM")" = 9 ] || fail "page_reporting_order not restored after a failed run: $(cat "$PARAM")"
pass "failed run: names rcr dump, restores page_reporting_order"

# Bad options are refused before anything starts (no cluster, no build).
if "$BENCH" --vector-index btree --rcr "$RCR" --workdir "$T/w3" >"$T/out3" 2>&1; then fail "--vector-index btree accepted"; fi
grep -q 'btree cannot work: a vector(768) value exceeds the btree index row size limit' "$T/out3" || fail "btree: $(cat "$T/out3")"
[ ! -e "$T/w3" ] || fail "--vector-index btree created the work directory"
pass "--vector-index btree refused at once, saying why"

# A --workdir that is a symbolic link is refused before anything starts (the clean-up would
# have emptied its target); one that exists, empty, is emptied at the end but kept.
mkdir "$T/wtarget" && echo keep >"$T/wtarget/mine" && ln -s "$T/wtarget" "$T/wlink"
if "$BENCH" --many-tables 50 --rcr "$RCR" --workdir "$T/wlink" >"$T/out5" 2>&1; then fail "a --workdir link was accepted"; fi
grep -q "is a symbolic link" "$T/out5" || fail "--workdir link: $(cat "$T/out5")"
[ "$(cat "$T/wtarget/mine")" = keep ] || fail "--workdir link: its target was changed"
pass "--workdir link refused, its target untouched"

# The many-tables case: rcr and pg_dump/pg_restore side by side on 50 tables, in a --workdir
# that exists.
mkdir "$T/w4"
"$BENCH" --many-tables 50 --quiet-wait 0 --rcr "$RCR" --workdir "$T/w4" --results "$T/results4" >"$T/out4" 2>&1 ||
	{ tail -n 30 "$T/out4" >&2; fail "bench.sh --many-tables 50 failed"; }
for what in "rcr dump / pg_dump -Fd -j2, wall" "rcr restore / pg_restore -j2, wall"; do
	grep -q "^$what  *[0-9.]*  *<=0.7 " "$T/out4" || { cat "$T/out4" >&2; fail "many tables: no ratio '$what'"; }
done
[ -d "$T/w4" ] && [ -z "$(ls -A "$T/w4")" ] || fail "an existing --workdir was not kept, empty"
python3 - "$T"/results4/*-many-tables.json <<'PY' || fail "the many-tables JSON is incomplete"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["tables"] == 50, d["tables"]
runs = {r["key"]: r for r in d["runs"]}
for k in ["mt_rcr_dump", "mt_pgd", "mt_rcr_restore", "mt_pgr"]:
    assert runs[k]["wall_s"] > 0 and runs[k]["peak_rss_kib"] > 0, runs.get(k)
for k in ["mt_rcr_dump", "mt_pgd"]:
    assert runs[k]["size_bytes"] > 0, runs[k]
assert all(isinstance(r["value"], (int, float)) and r["value"] > 0 for r in d["ratios"]), d["ratios"]
assert all(isinstance(v, (int, float)) for v in d["rcr_restore_phases_s"].values()), d["rcr_restore_phases_s"]
PY
pass "--many-tables 50: dump and restore against pg_dump/pg_restore, ratios printed and in the JSON"
