#!/usr/bin/env bash
# The extensions an archive's tables need (issue 14, item 1). pg_dump leaves extensions out of
# a dump made with -n, so `rcr dump -n public` of an app whose tables have vector columns could
# not be restored into a new database ("type public.vector does not exist"). rcr dump records
# what the tables need, rcr restore creates what the target lacks before the schema, refuses up
# front what the server cannot install, leaves what the target had alone (also with --clean),
# and drops again what it created when the schema fails. Here the vector type comes from the
# test double rcr_testvec.
. "$(dirname "$0")/lib.sh"
: "${RCR_FORGE:?RCR_FORGE must point at forge_manifest}"
start_cluster
createdb src
psql_q -d src <<'SQL'
CREATE EXTENSION rcr_testvec;
CREATE SCHEMA drizzle;
CREATE TABLE public.records (id int PRIMARY KEY, embedding vector(3));
CREATE TABLE drizzle.feed_entries (id int, embedding halfvec(2), note text);
INSERT INTO records SELECT g, ('[' || g || ',1,2]')::vector FROM generate_series(1, 50) g;
INSERT INTO drizzle.feed_entries SELECT g, '[1,2]', 'n' || g FROM generate_series(1, 20) g;
SQL
ext_oid() { psql_q -d "$1" -c "SELECT coalesce((SELECT oid::text FROM pg_extension WHERE extname = 'rcr_testvec'), 'none')"; }

# The users' backup: -n public -n drizzle, no -e. The manifest records the extension.
"$RCR" dump -q -d src -n public -n drizzle -f "$T/app"
"$RCR" list "$T/app" >"$T/list.txt"
grep -q '^  extensions *rcr_testvec 1.0 in schema public (needed by table public.records column embedding (type public.vector(3)))$' "$T/list.txt" ||
	{ cat "$T/list.txt" >&2; fail "rcr list does not show the extension and what needs it"; }
"$RCR" list --json "$T/app" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["extensions"] == [{"name": "rcr_testvec", "version": "1.0", "schema": "public",
	"needed_by": "table public.records column embedding (type public.vector(3))"}], d["extensions"]'
pass "dump -n records the extension the tables need; list shows it"

# Into a new, empty database: the extension is created first, then everything restores.
createdb fresh
"$RCR" restore -q -d fresh "$T/app"
[ "$(ext_oid fresh)" != none ] || fail "the extension was not created"
assert_same_db src fresh "restore into an empty database"
pass "restore into a new database creates the extension and restores everything"

# Into a database that migrations prepared (extension already there): left as it is.
createdb migrated
psql_q -d migrated -c "CREATE EXTENSION rcr_testvec"
before=$(ext_oid migrated)
"$RCR" restore -q -d migrated "$T/app"
[ "$(ext_oid migrated)" = "$before" ] || fail "the target's own extension was replaced"
assert_same_db src migrated "restore into a database with the extension"
pass "an extension the target has is left alone"

# --no-extensions: nothing is created; the schema then fails as pg_restore would, and nothing
# is left behind.
createdb bare
expect_exit 4 "$RCR" restore -q -d bare --no-extensions "$T/app"
cp "$T/err" "$T/noext.err"
grep -q 'type "public\.[a-z]*vec[a-z]*" does not exist' "$T/noext.err" || { cat "$T/noext.err" >&2; fail "the failure does not name the missing type"; }
[ "$(ext_oid bare)" = none ] || fail "--no-extensions created the extension"
pass "--no-extensions creates nothing"

# The schema fails after the extension was created (a type of the archive is already in the
# target; pre-data runs in one transaction and rolls back): restore drops the extension it
# created, so a failed restore leaves nothing of its own behind.
psql_q -d src -c "CREATE TYPE public.mood AS ENUM ('calm', 'busy')"
"$RCR" dump -q -d src -n public -n drizzle -f "$T/app2"
createdb clash
psql_q -d clash -c "CREATE TYPE public.mood AS ENUM ('other')"
expect_exit 4 "$RCR" restore -q -d clash "$T/app2"
cp "$T/err" "$T/clash.err"
grep -q 'mood' "$T/clash.err" || { cat "$T/clash.err" >&2; fail "the failure does not name the type in the way"; }
[ "$(ext_oid clash)" = none ] || fail "a failed restore left the extension it created"
[ "$(psql_q -d clash -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'drizzle'")" = 0 ] ||
	fail "a failed restore left a schema behind"
pass "a failed schema leaves no extension behind"

# An extension the server cannot install: refused before anything changes, naming it, what
# needs it and what to install. The names come from a forged archive: quoted, never run.
cp -a "$T/app" "$T/forged"
evil='rcr_nothere"; DROP TABLE records; --'
"$RCR_FORGE" "$T/forged" "meta:extension:$evil" "9.9"
"$RCR_FORGE" "$T/forged" "meta:extension_schema:$evil" "public"
"$RCR_FORGE" "$T/forged" "meta:extension_use:$evil" "table public.records column embedding"
createdb refuse
psql_q -d refuse -c "CREATE TABLE other_stuff (a int); INSERT INTO other_stuff VALUES (1)"
expect_exit 4 "$RCR" restore -q -d refuse "$T/forged"
cp "$T/err" "$T/refuse.err"
grep -q "needs extension 'rcr_nothere\"; DROP TABLE records; --' for table public.records column embedding" "$T/refuse.err" ||
	{ cat "$T/refuse.err" >&2; fail "the refusal does not name the extension and its use"; }
grep -q '^HINT: install extension' "$T/refuse.err" || { cat "$T/refuse.err" >&2; fail "no hint on what to install"; }
[ "$(ext_oid refuse)" = none ] || fail "the refused restore created an extension"
[ "$(psql_q -d refuse -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 1 ] ||
	fail "the refused restore changed the target"
pass "an extension the server lacks is refused before anything changes"

# A malformed entry (a version without its schema) is format damage, exit 2.
cp -a "$T/app" "$T/half"
"$RCR_FORGE" "$T/half" "meta_key:extension_schema:rcr_testvec" "extension_schemX:rcr_testvec"
createdb half
expect_exit 2 "$RCR" restore -q -d half "$T/half"
cp "$T/err" "$T/half.err"
grep -q "extension:rcr_testvec' has no 'extension_schema:rcr_testvec'" "$T/half.err" ||
	{ cat "$T/half.err" >&2; fail "a half-recorded extension is not named"; }
pass "an extension recorded without its schema is refused as damage"

# A full dump carries CREATE EXTENSION itself; --clean into a database whose extension other
# tables use must not drop it (pg_restore --clean would try).
"$RCR" dump -q -d src -f "$T/full"
createdb shared
psql_q -d shared -c "CREATE EXTENSION rcr_testvec; CREATE TABLE public.keepme (v vector(3)); INSERT INTO keepme VALUES ('[1,1,1]')"
before=$(ext_oid shared)
"$RCR" restore -q -d shared --clean --if-exists "$T/full"
[ "$(ext_oid shared)" = "$before" ] || fail "--clean dropped and recreated the target's extension"
[ "$(psql_q -d shared -c 'SELECT count(*) FROM keepme')" = 1 ] || fail "--clean lost a table outside the archive"
[ "$(psql_q -d shared -c 'SELECT count(*) FROM records')" = 50 ] || fail "--clean restore lost rows"
pass "--clean leaves the target's extension and its other users alone"

# The extension in a schema of its own that the target lacks: created with it.
createdb extsrc
psql_q -d extsrc <<'SQL'
CREATE SCHEMA exts;
CREATE EXTENSION rcr_testvec SCHEMA exts;
CREATE TABLE public.items (id int, e exts.vector(2));
INSERT INTO items VALUES (1, '[1,2]'), (2, NULL);
SQL
"$RCR" dump -q -d extsrc -n public -f "$T/exts"
createdb extdst
"$RCR" restore -q -d extdst "$T/exts"
[ "$(psql_q -d extdst -c "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'rcr_testvec'")" = exts ] ||
	fail "the extension was not created in its own schema"
assert_same_db extsrc extdst "extension in its own schema"
pass "an extension in a schema the target lacks is created with its schema"

# The users' script: db-manager.sh backup remote, then restore into a new, empty local database
# (no migrations ran there): the recorded extension makes it work.
createdb dbm_fresh
cat >"$T/dbm.env" <<ENV
DATABASE_URL_REMOTE=host=$PGHOST port=$PGPORT dbname=src user=$PGUSER
DATABASE_URL_LOCAL=host=$PGHOST port=$PGPORT dbname=dbm_fresh user=$PGUSER
DATABASE_NAME=app
BACKUP_DIR=$T/dbm-backups
ENV
dbm() { RCR="$RCR" "$RCR_SRC/tools/db-manager.sh" --env-file "$T/dbm.env" "$@"; }
dbm -j 2 backup remote >"$T/dbm-b.out" 2>&1 || { cat "$T/dbm-b.out" >&2; fail "db-manager backup remote"; }
dbm -j 2 restore >"$T/dbm-r.out" 2>&1 || { cat "$T/dbm-r.out" >&2; fail "db-manager restore into a new database"; }
[ "$(ext_oid dbm_fresh)" != none ] || fail "db-manager's restore did not create the extension"
for t in public.records drizzle.feed_entries; do
	[ "$(psql_q -d dbm_fresh -c "SELECT count(*) FROM $t")" = "$(psql_q -d src -c "SELECT count(*) FROM $t")" ] ||
		fail "db-manager's restore into a new database: $t differs"
done
pass "db-manager.sh backup + restore into a new, empty database"
