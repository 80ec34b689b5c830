#!/usr/bin/env bash
# Untrusted archives and names (doc/threat-model.md): every string field of a manifest, forged
# with SQL and with terminal control characters (checksum valid), runs no statement in
# verify, list, restore (full and -a) or convert + pg_restore, and nothing reaches stdout or
# stderr raw; a forged encoding is damage to verify (exit 2); a forged drop statement in the
# embedded toc.dat is not run by restore --clean. A LATIN1 archive with non-ASCII
# names restores into a UTF8 database. Names are shown quoted as PostgreSQL would.
. "$(dirname "$0")/lib.sh"
: "${RCR_FORGE:?RCR_FORGE must point at the forge_manifest tool}"
start_cluster
CHECKS=0
check() { CHECKS=$((CHECKS + 1)); pass "$1"; }

# Fails when a file holds a byte below 0x20 other than \n, or 0x7f.
no_raw() { # file label
	local n
	n=$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$1" | wc -c)
	[ "$n" = 0 ] || { od -c "$1" | head -20 >&2; fail "$2: $n raw control bytes in the output"; }
}
# Fails when any database has a relation whose name starts with pwned.
no_pwned() { # label
	local db n
	for db in $(psql_q -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn"); do
		n=$(psql_q -d "$db" -c "SELECT count(*) FROM pg_class WHERE relname LIKE 'pwned%'")
		[ "$n" = 0 ] || fail "$1: a forged statement ran in database $db"
	done
}
# Runs a command, keeps its exit status in $ST and its output (both streams) in $T/run.out.
run() {
	set +e
	"$@" >"$T/run.out" 2>&1
	ST=$?
	set -e
	[ "$ST" -lt 64 ] || { cat "$T/run.out" >&2; fail "$* crashed (exit $ST)"; }
}

createdb src
psql_q -d src <<'SQL'
CREATE TABLE public.parent (id int PRIMARY KEY, note text);
CREATE TABLE public.child (id int PRIMARY KEY, parent int REFERENCES public.parent(id));
INSERT INTO public.parent SELECT g, 'n' || g FROM generate_series(1, 5) g;
INSERT INTO public.child SELECT g, g FROM generate_series(1, 5) g;
SQL
"$RCR" dump -q -d src -f "$T/a"
createdb full
createdb tgt
"$RCR" restore -q -d tgt "$T/a"

# --- forged manifests ----------------------------------------------------------------------
# The table the archive lists first; its column 0.
FIELDS="meta:encoding meta:content meta:no_owner meta:no_privileges meta:no_comments meta:created_at
meta:rcr_version meta:server_version meta:dbname meta:snapshot meta:compression meta:jobs meta:x-extra
meta_key:dbname schema_dir schema_file:0 table:0:schema table:0:name column:0:0:name
column:0:0:type_schema column:0:0:type_name file:0:0"
PAYLOADS=("x'; CREATE TABLE pwned_q(); --" 'x"; CREATE TABLE pwned_dq(); --'
	"x\\'; CREATE TABLE pwned_bs(); --" $'UTF8\e[31mred\e]0;title\a\r\x7f\x01\nnext line')
# Keys restore acts on, and paths: a forged value is damage (exit 2) for every command.
must_refuse() {
	case "$1" in
	meta:encoding | meta:content | meta:no_owner | meta:no_privileges | meta:no_comments) return 0 ;;
	schema_dir | schema_file:0 | file:0:0) return 0 ;;
	esac
	return 1
}
forged=0
for field in $FIELDS; do
	for p in "${PAYLOADS[@]}"; do
		rm -rf "$T/f" "$T/fc"
		cp -a "$T/a" "$T/f"
		"$RCR_FORGE" "$T/f" "$field" "$p"
		forged=$((forged + 1))
		label="$field = $(printf %q "$p")"
		run "$RCR" verify "$T/f"
		no_raw "$T/run.out" "verify, $label"
		if must_refuse "$field"; then
			[ "$ST" = 2 ] || { cat "$T/run.out" >&2; fail "verify of $label: exit $ST, expected 2"; }
		elif [ "$ST" != 0 ] && [ "$ST" != 2 ]; then
			cat "$T/run.out" >&2
			fail "verify of $label: exit $ST"
		fi
		for cmd in "list" "list --json"; do
			# shellcheck disable=SC2086
			run "$RCR" $cmd "$T/f"
			no_raw "$T/run.out" "$cmd, $label"
		done
		run "$RCR" restore --clean --if-exists -d full "$T/f"
		no_raw "$T/run.out" "restore, $label"
		! must_refuse "$field" || [ "$ST" = 2 ] || { cat "$T/run.out" >&2; fail "restore of $label: exit $ST"; }
		run "$RCR" restore -a --truncate -1 -d tgt "$T/f"
		no_raw "$T/run.out" "restore -a, $label"
		! must_refuse "$field" || [ "$ST" = 2 ] || { cat "$T/run.out" >&2; fail "restore -a of $label: exit $ST"; }
		run "$RCR" convert "$T/f" -o "$T/fc"
		no_raw "$T/run.out" "convert, $label"
		if [ "$ST" = 0 ]; then
			dropdb --if-exists conv
			createdb conv
			pg_restore -d conv "$T/fc" >/dev/null 2>&1 || true
		fi
		no_pwned "$label"
	done
done
# The data-only target still holds exactly the source's rows (every forged -a either loaded
# them again under --truncate -1, or failed and rolled back).
assert_same_db src tgt "after the forged -a restores"
check "$forged forged manifests (every string field x SQL and control-character payloads): no statement ran, no raw control byte printed"

# A forged encoding is the injection of issue 11: verify calls it damage, and restore refuses
# it before connecting, -a included.
cp -a "$T/a" "$T/e"
"$RCR_FORGE" "$T/e" meta:encoding "UTF8'; CREATE TABLE pwned(); --"
expect_exit 2 "$RCR" verify "$T/e"
grep -q "metadata entry 'encoding' holds 'UTF8'; CREATE TABLE pwned(); --', expected a PostgreSQL encoding name" "$T/out" ||
	{ cat "$T/out" >&2; fail "verify does not name the forged encoding"; }
expect_exit 2 "$RCR" restore -a -d tgt "$T/e"
no_pwned "forged encoding"
check "a forged encoding: verify and restore -a exit 2 naming it, nothing runs"

# --clean drops the archive's foreign keys first. toc.dat records a drop statement for each,
# but rcr builds its own from the target's names: a forged one is not run.
cp -a "$T/a" "$T/d"
"$RCR_FORGE" "$T/d" "toc_drop:FK CONSTRAINT" "CREATE TABLE public.pwned_drop(); ALTER TABLE ONLY public.child DROP CONSTRAINT child_parent_fkey;"
"$RCR" verify -q "$T/d" >/dev/null
createdb cl
"$RCR" restore -q -d cl "$T/a"
"$RCR" restore -q -d cl --clean "$T/d"
"$RCR" restore -q -d cl --clean --if-exists "$T/d"
no_pwned "forged FK drop statement"
assert_same_db src cl "--clean over a forged FK drop statement"
check "--clean drops foreign keys by statements built from the target's names, not the archive's"

# --- names shown quoted ----------------------------------------------------------------------
createdb names
psql_q -d names <<'SQL'
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."a.b" (x int);
CREATE TABLE public."tab""q" (x int);
CREATE TABLE public.plain (x int);
SQL
# ESC [2J clears a terminal, BEL rings it.
BAD="e$(printf '\033')[2J$(printf '\007')x"
psql_q -d names -c "CREATE TABLE public.\"$BAD\" (x int)"
psql_q -d names -c "INSERT INTO public.\"$BAD\" VALUES (1)"
"$RCR" dump -q -d names -f "$T/n"
"$RCR" list "$T/n" >"$T/list.out" 2>&1
no_raw "$T/list.out" "list of names"
grep -q '^"My Schema"\."a\.b" ' "$T/list.out" || fail "list does not quote \"My Schema\".\"a.b\""
grep -q '^public\."tab""q" ' "$T/list.out" || fail "list does not double the quote in tab\"q"
grep -q '^public\.plain ' "$T/list.out" || fail "list quotes a plain name"
grep -qF 'public.U&"e\001b[2J\0007x" ' "$T/list.out" || fail "list does not escape the ESC in a name"
"$RCR" list --json "$T/n" >"$T/json.out"
no_raw "$T/json.out" "list --json of names"
grep -qF '"e\u001b[2J\u0007x"' "$T/json.out" || fail "list --json does not \\u-escape ESC"
createdb names_r
"$RCR" restore -d names_r "$T/n" >"$T/r.out" 2>&1
no_raw "$T/r.out" "restore progress lines of names"
grep -qF "table 'public.U&\"e\\001b[2J\\0007x\"' done" "$T/r.out" || { cat "$T/r.out" >&2; fail "the progress line does not show the name escaped"; }
# The live display's own sequences (CR, ESC [nA, ESC [J, ESC [K) aside, nothing raw either.
createdb names_live
"$RCR" restore -d names_live --progress=always "$T/n" 2>&1 | sed $'s/\r//g; s/\x1b\\[[0-9]*[AJK]//g' >"$T/r.out"
no_raw "$T/r.out" "live restore progress of names"
"$RCR" verify "$T/n" >"$T/v.out" 2>&1
no_raw "$T/v.out" "verify of names"
check "list, verify and restore progress show names quoted as PostgreSQL would, control characters escaped"

# --- LATIN1 names into a UTF8 database (issue 11 defect 7) ----------------------------------
createdb -E LATIN1 -T template0 --locale=C lat
# "täble" and "cölumn" in LATIN1 bytes; the session speaks LATIN1 to send them.
PGCLIENTENCODING=LATIN1 psql_q -d lat <<SQL
CREATE TABLE public."t$(printf '\344')ble" ("c$(printf '\366')lumn" text, id int);
INSERT INTO public."t$(printf '\344')ble" VALUES ('$(printf 'gr\374\337e')', 1), (NULL, 2);
SQL
"$RCR" dump -q -d lat -f "$T/l"
createdb -E UTF8 -T template0 utf
"$RCR" restore -q -d utf "$T/l"
[ "$(psql_q -d utf -c "SELECT string_agg(coalesce(\"cölumn\", 'NULL') || '/' || id, ',' ORDER BY id) FROM public.\"täble\"")" = "grüße/1,NULL/2" ] ||
	fail "the LATIN1 table is not in the UTF8 database with its rows"
"$RCR" convert -q "$T/l" -o "$T/lc"
createdb -E UTF8 -T template0 utf_pg
pg_restore -d utf_pg --exit-on-error "$T/lc"
assert_same_db utf utf_pg "LATIN1 archive: rcr restore and convert + pg_restore"
check "a LATIN1 archive with non-ASCII table and column names restores into a UTF8 database (also through convert + pg_restore)"

echo "untrusted: $CHECKS checks"
