#!/usr/bin/env bash
# The everyday experience, against a real server: what `rcr list` says the embedding codecs
# saved (a vector table saves, a text-only table has nothing to say, an old archive says "not
# recorded"); list --json and verify --json validated against their JSON Schemas
# (doc/json); progress (live display with --progress=always and on a pty, plain lines when
# stderr is not a terminal, none with never) whose final line carries the archive's exact row
# and byte totals for dump, restore, verify and convert; and the common mistakes, each one
# error line naming the object plus a HINT line, with the documented exit status.
. "$(dirname "$0")/lib.sh"
start_cluster
command -v python3 >/dev/null || fail "python3 is missing"
python3 -c 'import jsonschema' 2>/dev/null || fail "python3-jsonschema is missing (tools/deps.sh installs it)"

createdb src
# Embedding-like vectors (uniform in [-1,1], 128 dimensions) next to a text-only table.
psql_q -d src -c "CREATE EXTENSION rcr_testvec" \
	-c "CREATE TABLE docs (id int PRIMARY KEY, title text, emb vector(128))" \
	-c "INSERT INTO docs SELECT g, 'doc ' || g, (SELECT ('[' || string_agg((random() * 2 - 1)::float4::text, ',') || ']') FROM generate_series(1, 128) WHERE g > 0)::vector FROM generate_series(1, 4000) g" \
	-c "CREATE TABLE notes (id int, body text)" \
	-c "INSERT INTO notes SELECT g, repeat('note ' || g || ' ', 4) FROM generate_series(1, 6000) g"

# -j 1: one writer per table, so the trials are exactly row groups 0, 16, 32, ...
A="$T/arch"
"$RCR" dump -d src -j 1 --row-group-size 32kB -f "$A" --progress=always 2>"$T/dump.progress"

# --- codec savings ---------------------------------------------------------------------------
"$RCR" list --json "$A" >"$T/list.json"
"$RCR" list "$A" >"$T/list.txt"
python3 - "$T/list.json" "$T/list.txt" <<'PY' || fail "codec savings"
import json, re, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read()
assert d["codec_trials_recorded"] is True
t = {x["name"]: x for x in d["tables"]}
docs, notes = t["docs"], t["notes"]
tr = docs["codec_trials"]
assert docs["codec_columns"] == ["emb"], docs["codec_columns"]
n = docs["row_groups"]
assert n > 16, n
assert tr["row_groups_measured"] == (n + 15) // 16, (tr, n)
assert 0 < tr["codec_bytes"] < tr["plain_bytes"], tr
assert abs(tr["saved_fraction"] - (1 - tr["codec_bytes"] / tr["plain_bytes"])) < 1e-4, tr
assert tr["saved_fraction"] > 0
pct = 100 * tr["saved_fraction"]
m = re.search(r"^  public\.docs +codecs saved ([0-9.]+)% vs plain zstd on emb \(.* measured on (\d+) of (\d+) row groups\)$", text, re.M)
assert m, text
assert abs(float(m.group(1)) - pct) < 0.06 and int(m.group(2)) == tr["row_groups_measured"] and int(m.group(3)) == n, m.groups()
assert notes["codec_trials"] is None and notes["codec_columns"] == []
assert re.search(r"^  public\.notes +none: no column with an embedding codec$", text, re.M), text
assert "saved" not in [l for l in text.splitlines() if "public.notes" in l][-1]
print("docs: codecs saved %.1f%% on %d of %d row groups" % (pct, tr["row_groups_measured"], n))
PY
# An archive written before trials were recorded (the spec's vector, Optional_Features 0).
old="$RCR_SRC/format-spec/vectors/valid/vector_dim3"
# (into files first: grep -q stops reading at its match, and a list still writing would then die
# of SIGPIPE and fail the pipeline)
"$RCR" list "$old" >"$T/old_list.txt"
"$RCR" list --json "$old" >"$T/old_list.json"
grep -q "codec savings: not recorded" "$T/old_list.txt" || fail "old archive: no 'not recorded'"
grep -q '"codec_trials_recorded":false' "$T/old_list.json" || fail "old archive: json"
pass "list shows what the codecs saved: vector table > 0, text table none, old archive not recorded"

# --- JSON schemas ----------------------------------------------------------------------------
cp -a "$A" "$T/damaged"
f=$(cd "$T/damaged" && ls -S data/*.rcd | head -1)
# Invert one byte (writing a fixed value could leave it unchanged).
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(5000); b = f.read(1)[0]; f.seek(5000); f.write(bytes([b ^ 0xff]))' "$T/damaged/$f"
rm -r "$T/nomanifest" 2>/dev/null || true
cp -a "$A" "$T/nomanifest" && rm "$T/nomanifest/manifest.rcr" && touch "$T/nomanifest/.rcr-dump-in-progress"
# Any other directory without a manifest is not told to run a dump again.
rm -rf "$T/notarchive" && mkdir "$T/notarchive" && echo x >"$T/notarchive/notes.txt"
"$RCR" verify --json "$A" >"$T/v_ok.json"
expect_exit 2 "$RCR" verify --json "$T/damaged"
cp "$T/out" "$T/v_damaged.json"
[ ! -s "$T/err" ] || fail "verify --json printed on stderr: $(cat "$T/err")"
expect_exit 2 "$RCR" verify --json "$T/nomanifest"
cp "$T/out" "$T/v_nomanifest.json"
expect_exit 2 "$RCR" verify --json "$T/does-not-exist"
cp "$T/out" "$T/v_missing.json"
"$RCR" list --json "$old" >"$T/list_old.json"
python3 - "$RCR_SRC/doc/json" "$T" <<'PY' || fail "JSON output does not match its schema"
import json, sys, jsonschema
sd, t = sys.argv[1], sys.argv[2]
schema = {k: json.load(open(f"{sd}/rcr-{k}.schema.json")) for k in ("list", "verify")}
for k in schema.values():
    jsonschema.Draft202012Validator.check_schema(k)
def check(kind, name):
    doc = json.load(open(f"{t}/{name}"))
    jsonschema.Draft202012Validator(schema[kind]).validate(doc)
    return doc
check("list", "list.json"); check("list", "list_old.json")
ok = check("verify", "v_ok.json")
assert ok["ok"] and ok["problems"] == [] and ok["rows"] == 10000, ok
bad = check("verify", "v_damaged.json")
assert not bad["ok"] and bad["manifest_ok"] and bad["problems"], bad
assert any("data/" in p for p in bad["problems"]), bad["problems"]
assert len(bad["problem_kinds"]) == len(bad["problems"]), bad
assert set(bad["problem_kinds"]) <= {"checksum", "format", "compression", "limit", "missing"}, bad["problem_kinds"]
assert ok["problem_kinds"] == [], ok
for n in ("v_nomanifest.json", "v_missing.json"):
    d = check("verify", n)
    assert not d["ok"] and not d["manifest_ok"] and "frames" not in d, d
    assert d["problem_kinds"] and len(d["problem_kinds"]) == len(d["problems"]), d
# The schema is not vacuous: a report without "problems" or with a string count is refused.
for broken in ({k: v for k, v in ok.items() if k != "problems"}, dict(ok, rows="10000")):
    try:
        jsonschema.Draft202012Validator(schema["verify"]).validate(broken)
    except jsonschema.ValidationError:
        continue
    raise AssertionError("schema accepted %r" % broken)
PY
pass "list --json and verify --json (intact, damaged, no manifest, missing) match doc/json schemas"

# --- progress --------------------------------------------------------------------------------
rows=$(python3 -c 'import json,sys; print(sum(t["rows"] for t in json.load(open(sys.argv[1]))["tables"]))' "$T/list.json")
raw=$(python3 -c 'import json,sys; print(sum(t["raw_bytes"] for t in json.load(open(sys.argv[1]))["tables"]))' "$T/list.json")
[ "$rows" = 10000 ] || fail "archive holds $rows rows"
# The summary: "rcr VERB: 2/2 tables, ROWS rows, X MB (BYTES bytes) of column data in S s, R/s".
check_summary() { # verb file
	local line
	line=$(tr '\r' '\n' <"$2" | sed 's/\x1b\[[0-9]*[A-Za-z]//g' | grep "^rcr $1: [0-9]*/[0-9]* tables" | tail -1)
	[ -n "$line" ] || { cat -v "$2" >&2; fail "$1: no progress summary"; }
	echo "$line" | grep -q "^rcr $1: 2/2 tables, $rows rows, .* ($raw bytes) of column data in " ||
		fail "$1: summary '$line' does not match the archive's $rows rows and $raw bytes"
}
# always: the live display (escape sequences, per-table and total lines), even into a file.
grep -q $'\x1b\\[K' "$T/dump.progress" || fail "dump --progress=always drew no live display"
tr '\r' '\n' <"$T/dump.progress" | grep -q "^rcr dump: tables [0-9]/2 .* rows " || fail "no total line in the display"
check_summary dump "$T/dump.progress"
createdb dst
"$RCR" restore -d dst -j 2 "$A" 2>"$T/restore.log"
check_summary restore "$T/restore.log"
# auto, stderr not a terminal: one plain line per finished table, no escape sequences.
grep -q $'\x1b' "$T/restore.log" && fail "restore wrote escape sequences into a log file"
for tbl in "docs' done: 4000 rows" "notes' done: 6000 rows"; do
	[ "$(grep -c "^rcr restore: table 'public.$tbl, " "$T/restore.log")" = 1 ] || { cat "$T/restore.log" >&2; fail "restore: no line '$tbl'"; }
done
[ "$(psql_q -d dst -c 'SELECT count(*) FROM docs')" = 4000 ] || fail "restore lost rows"
"$RCR" verify "$A" >/dev/null 2>"$T/verify.log"
check_summary verify "$T/verify.log"
[ "$(grep -c "^rcr verify: table '" "$T/verify.log")" = 2 ] || fail "verify: not one line per table"
"$RCR" convert -Z 0 -j 2 "$A" -o "$T/conv" 2>"$T/convert.log"
check_summary convert "$T/convert.log"
# never, and -q: no progress at all.
"$RCR" verify --progress=never "$A" >/dev/null 2>"$T/never.log"
[ ! -s "$T/never.log" ] || fail "--progress=never printed: $(cat "$T/never.log")"
"$RCR" verify -q "$A" >/dev/null 2>"$T/quiet.log"
[ ! -s "$T/quiet.log" ] || fail "-q printed progress"
# A terminal (pty through script): auto draws the live display.
if command -v script >/dev/null; then
	script -qec "$RCR verify $A" /dev/null >"$T/pty.log" </dev/null
	grep -q $'\x1b\\[K' "$T/pty.log" || fail "no live display on a terminal"
	check_summary verify "$T/pty.log"
fi
pass "progress: live display (always, pty), a line per table in logs, none with never/-q; totals = archive's"

# --- common mistakes -------------------------------------------------------------------------
# Each: the documented exit status, exactly one error line naming the object, exactly one HINT
# line, and nothing else on stderr.
mistake() { # label status object-regex hint-regex cmd...
	local label=$1 status=$2 obj=$3 hint=$4
	shift 4
	expect_exit "$status" "$@"
	[ "$(wc -l <"$T/err")" = 2 ] || { cat "$T/err" >&2; fail "$label: expected 2 lines on stderr"; }
	sed -n 1p "$T/err" | grep -Eq "^rcr( [a-z]+)?: error: .*$obj" || fail "$label: error line '$(sed -n 1p "$T/err")' does not name $obj"
	sed -n 2p "$T/err" | grep -Eq "^HINT: .*$hint" || fail "$label: hint '$(sed -n 2p "$T/err")' lacks '$hint'"
	pass "$label: exit $status, $(sed -n 1p "$T/err" | cut -c1-90)"
}
mistake "missing archive" 2 "'$T/nope' does not exist" "check the path" "$RCR" restore -d dst "$T/nope"
mistake "missing archive (list)" 2 "'$T/nope' does not exist" "check the path" "$RCR" list "$T/nope"
mistake "file as archive" 2 "'$T/restore.log' is a file" "pg_restore" "$RCR" restore -d dst "$T/restore.log"
mistake "file as archive (verify)" 2 "archive '$T/restore.log' failed verification" "pg_restore" "$RCR" verify "$T/restore.log"
grep -q "^problem: '$T/restore.log' is a file" "$T/out" || fail "verify: no problem line naming the file"
mistake "no manifest" 2 "'$T/nomanifest' is not a complete rcr archive" "run rcr dump again" "$RCR" list "$T/nomanifest"
mistake "--maintenance-work-mem with a space" 1 "invalid --maintenance-work-mem value '64MB -c log_statement=all'" "1GB" "$RCR" restore -d dst --maintenance-work-mem '64MB -c log_statement=all' "$A"
mistake "not an archive" 2 "'$T/notarchive' is not an rcr archive" "the directory that rcr dump -f wrote" "$RCR" restore -d postgres "$T/notarchive"
mistake "wrong password" 4 "password authentication failed for user \"$RCR_TEST_PW_USER\"" "check the password" \
	env PGPASSWORD=wrong-pw "$RCR" dump -d "host=$RCR_TEST_TCP_HOST port=$PGPORT user=$RCR_TEST_PW_USER dbname=src" -f "$T/pw"
grep -q "wrong-pw" "$T/err" && fail "the password appears in the error"
mistake "unknown option" 1 "unknown option '--bogus'" "rcr help dump" "$RCR" dump --bogus -d src -f "$T/x"
mistake "option without value" 1 "option '-j' needs a value" "rcr help verify" "$RCR" verify "$A" -j
mistake "unknown command" 1 "unknown command 'dumpp'" "rcr --help" "$RCR" dumpp
mistake "-f an existing archive" 1 "directory '$A' already holds an rcr archive" "choose a new directory with -f" "$RCR" dump -d src -f "$A"
mistake "database does not exist (restore)" 4 "database \"nosuchdb\" does not exist" "createdb" "$RCR" restore -d nosuchdb "$A"
mistake "database does not exist (dump)" 4 "database \"nosuchdb\" does not exist" "psql -l" "$RCR" dump -d nosuchdb -f "$T/y"
[ ! -e "$T/y" ] || [ -z "$(ls -A "$T/y")" ] || fail "failed dump left files"
