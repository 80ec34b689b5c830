#!/usr/bin/env bash
# Security: archive permissions (directories 0700, files 0600, as pg_dump makes them);
# passwords (URI or PGPASSWORD) never in rcr's output, the archive, the server log or the
# command lines of the pg_dump/pg_restore rcr runs (sampled from /proc while they run);
# hostile schema, table and column names round-trip exactly through dump/restore and
# convert/pg_restore and execute nothing; sslmode and sslrootcert reach every connection,
# pg_dump's and pg_restore's included, on a cluster with SSL and hostssl-only roles.
. "$(dirname "$0")/lib.sh"
mkdir "$T/ssl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$T/ssl/server.key" -out "$T/ssl/server.crt" 2>/dev/null
chmod 644 "$T/ssl/server.key"
export RCR_TEST_SSL_CERT="$T/ssl/server.crt" RCR_TEST_SSL_KEY="$T/ssl/server.key"
start_cluster
PW=$RCR_TEST_PW_PASSWORD
HOST=$RCR_TEST_TCP_HOST
CHECKS=0
check() { CHECKS=$((CHECKS + 1)); pass "$1"; }

# --- hostile identifiers -------------------------------------------------------------------
createdb src
psql_q -d src <<'SQL'
CREATE EXTENSION rcr_testvec;
CREATE TABLE canary (id int PRIMARY KEY);
INSERT INTO canary VALUES (42);
CREATE SCHEMA "we'ird""s\ch;ema ünï %s
two";
CREATE TABLE "we'ird""s\ch;ema ünï %s
two"."""; DROP TABLE canary; --" (
	"a""b" int PRIMARY KEY,
	"c\d" text,
	"e;f" vector(3),
	"g h
i" text,
	"ü%s%n" bigint,
	"'); DROP TABLE canary; --" text
);
INSERT INTO "we'ird""s\ch;ema ünï %s
two"."""; DROP TABLE canary; --"
SELECT g, E'back\\slash ''quote'' "dq" ; semi\nnewline\ttab %s ü', '[1,2,3]', 'x', g::bigint * 1000000000, $$'); DROP TABLE canary; --$$
FROM generate_series(1, 300) g;
CREATE INDEX "ix ""; DROP TABLE canary; --" ON "we'ird""s\ch;ema ünï %s
two"."""; DROP TABLE canary; --" ("c\d");
CREATE TABLE public."Robert'); DROP TABLE canary;--" ("%s" text, "\\" int);
INSERT INTO public."Robert'); DROP TABLE canary;--" VALUES ('%n%n%n', 1), (NULL, NULL);
CREATE TABLE public."tab	le ; DELETE FROM canary" (x int REFERENCES public.canary(id) DEFERRABLE);
SQL
psql_q -d src -c 'INSERT INTO public."tab	le ; DELETE FROM canary" VALUES (42)'

canary_ok() { [ "$(psql_q -d "$1" -c "SELECT string_agg(id::text, ',') FROM canary")" = 42 ] || fail "$2: the canary table in $1 was touched"; }

"$RCR" dump -q -d src -f "$T/h"
"$RCR" verify -q "$T/h" >/dev/null
"$RCR" list "$T/h" >"$T/list.out"
grep -q 'DROP TABLE canary' "$T/list.out" || fail "list does not show the hostile table"
canary_ok src "dump"
createdb r_h
"$RCR" restore -q -d r_h "$T/h"
canary_ok r_h "restore"
assert_same_db src r_h "hostile names through dump/restore"
[ "$(psql_q -d r_h -c "SELECT count(*) FROM \"we'ird\"\"s\\ch;ema ünï %s
two\".\"\"\"; DROP TABLE canary; --\"")" = 300 ] || fail "hostile table not restored with its rows"
check "hostile schema, table and column names round-trip through dump/restore; the canary survives"

# --clean --if-exists over them, and the refusal naming them, execute nothing either.
"$RCR" restore -q -d r_h --clean --if-exists "$T/h"
canary_ok r_h "restore --clean"
assert_same_db src r_h "hostile names, --clean --if-exists"
expect_exit 4 "$RCR" restore -d r_h "$T/h"
canary_ok r_h "refused restore"
check "--clean --if-exists and a refused restore over hostile names"

"$RCR" convert -q "$T/h" -o "$T/hc"
createdb r_hc
pg_restore -d r_hc --exit-on-error "$T/hc"
canary_ok r_hc "convert + pg_restore"
assert_same_db src r_hc "hostile names through convert/pg_restore"
check "hostile names round-trip through convert and stock pg_restore"

# --- permissions ---------------------------------------------------------------------------
perm_check() { # dir label
	local bad
	bad=$(find "$1" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) -printf '%m %p\n')
	[ -z "$bad" ] || fail "$2: wrong modes: $bad"
	[ -n "$(find "$1/schema" -type f)" ] && [ -n "$(find "$1/data" -type f)" ] || fail "$2: no schema/data files checked"
}
(umask 022 && "$RCR" dump -q -d src -f "$T/perm")
perm_check "$T/perm" "dump with umask 022"
[ "$(stat -c %a "$T/perm")" = 700 ] && [ "$(stat -c %a "$T/perm/schema")" = 700 ] && [ "$(stat -c %a "$T/perm/data")" = 700 ] &&
	[ "$(stat -c %a "$T/perm/manifest.rcr")" = 600 ] || fail "archive modes: $(stat -c '%a %n' "$T/perm" "$T/perm"/*)"
(umask 000 && "$RCR" dump -q -d src -f "$T/perm0")
perm_check "$T/perm0" "dump with umask 000"
(umask 022 && "$RCR" convert -q "$T/perm" -o "$T/perm_c")
bad=$(find "$T/perm_c" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) -printf '%m %p\n')
[ -z "$bad" ] || fail "convert output, umask 022: wrong modes: $bad"
check "archive directories 0700 and files 0600 (schema/ and data/ included, and convert's output), whatever the umask"

# --- passwords -----------------------------------------------------------------------------
# pg_dump/pg_restore wrappers (RCR_PG_BINDIR) that linger 0.3 s before the real program, with
# the same command line, so the sampler below cannot miss them.
mkdir "$T/bin"
for tool in pg_dump pg_restore; do
	printf '#!/bin/sh\nsleep 0.3\nexec "%s/%s" "$@"\n' "$RCR_TEST_PGBIN" "$tool" >"$T/bin/$tool"
	chmod 755 "$T/bin/$tool"
done
: >"$T/cmdlines"
(
	while [ ! -e "$T/stop_sampling" ]; do
		grep -a -h -e '--dbname=' /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' >>"$T/cmdlines" || true
		echo >>"$T/cmdlines"
		sleep 0.01
	done
) &
sampler=$!
URI="postgresql://$RCR_TEST_PW_USER:$PW@$HOST:$PGPORT"
export RCR_PG_BINDIR="$T/bin"
"$RCR" dump -v --progress=always -d "$URI/src" -f "$T/pw1" >"$T/pw.log" 2>&1
createdb r_pw1
"$RCR" restore -v --progress=always -d "$URI/r_pw1" "$T/pw1" >>"$T/pw.log" 2>&1
PGPASSWORD=$PW "$RCR" dump -v -d "host=$HOST port=$PGPORT user=$RCR_TEST_PW_USER dbname=src" -f "$T/pw2" >>"$T/pw.log" 2>&1
createdb r_pw2
PGPASSWORD=$PW "$RCR" restore -v -h "$HOST" -U "$RCR_TEST_PW_USER" -d r_pw2 "$T/pw2" >>"$T/pw.log" 2>&1
# Failures with a password in the URI: the error names the server, not the password.
set +e
"$RCR" dump -d "postgresql://$RCR_TEST_PW_USER:$PW@$HOST:1/src" -f "$T/pw3" >>"$T/pw.log" 2>&1
"$RCR" restore -d "postgresql://$RCR_TEST_PW_USER:wrong-$PW@$HOST:$PGPORT/r_pw2" "$T/pw2" >>"$T/pw.log" 2>&1
set -e
unset RCR_PG_BINDIR
touch "$T/stop_sampling"
wait $sampler
assert_same_db src r_pw1 "password in the URI"
assert_same_db src r_pw2 "PGPASSWORD"
ndump=$(grep -c 'pg_dump.*--dbname=' "$T/cmdlines" || true)
nrestore=$(grep -c 'pg_restore.*--dbname=' "$T/cmdlines" || true)
[ "$ndump" -gt 0 ] && [ "$nrestore" -gt 0 ] || fail "the sampler saw no pg_dump ($ndump) or pg_restore ($nrestore) command line"
grep -F -- "$PW" "$T/cmdlines" && fail "a password appeared on a pg_dump/pg_restore command line"
grep -q "could not connect" "$T/pw.log" || fail "the failing connections reported nothing: $(tail -3 "$T/pw.log")"
grep -F -- "$PW" "$T/pw.log" && fail "a password appeared in rcr's output"
grep -r -F -l -- "$PW" "$T/pw1" "$T/pw2" && fail "a password was written into an archive"
grep -F -- "$PW" "$RCR_TEST_PGLOG" && fail "a password appeared in the server log"
check "passwords (URI, PGPASSWORD) absent from $ndump+$nrestore sampled pg_dump/pg_restore command lines, rcr's -v output and errors, the archives and the server log"

# --- SSL settings reach every connection -----------------------------------------------------
ssl_uri() { # user sslmode [extra]
	echo "postgresql://$1:$PW@$HOST:$PGPORT/DB?sslmode=$2${3:+&$3}"
}
# rcr_ssl may only connect with SSL: sslmode=disable is refused, on rcr's own first connection.
for cmd in dump restore; do
	u=$(ssl_uri "$RCR_TEST_SSL_USER" disable)
	if [ $cmd = dump ]; then
		expect_exit 4 "$RCR" dump -d "${u/DB/src}" -f "$T/ssl_d"
	else
		expect_exit 4 "$RCR" restore -d "${u/DB/r_pw1}" "$T/pw1"
	fi
	grep -q "pg_hba.conf rejects connection .*no encryption" "$T/err" || fail "sslmode=disable $cmd: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -le 2 ] || fail "sslmode=disable $cmd: more than an error and a hint: $(cat "$T/err")"
done
[ ! -e "$T/ssl_d" ] || [ -z "$(ls -A "$T/ssl_d")" ] || fail "sslmode=disable left files"
check "sslmode=disable for an SSL-only role: dump and restore refused with one line"

# sslmode=require and verify-full with our certificate as the root: end to end.
log_mark=$(wc -l <"$RCR_TEST_PGLOG")
for mode in require "verify-full sslrootcert=$T/ssl/server.crt"; do
	# shellcheck disable=SC2086 # split on purpose: the sslmode, then the optional root certificate
	set -- $mode
	u=$(ssl_uri "$RCR_TEST_SSL_USER" "$1" "${2:-}")
	rm -rf "$T/ssl_a"
	"$RCR" dump -q -d "${u/DB/src}" -f "$T/ssl_a"
	db="r_ssl_$1"
	createdb "$db"
	"$RCR" restore -q -d "${u/DB/$db}" "$T/ssl_a"
	assert_same_db src "$db" "sslmode=$1"
done
# verify-full with a root certificate that did not sign the server's: every connection fails
# (the children would have too: they get the same settings).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=other" \
	-keyout "$T/ssl/other.key" -out "$T/ssl/other.crt" 2>/dev/null
u=$(ssl_uri "$RCR_TEST_SSL_USER" verify-full "sslrootcert=$T/ssl/other.crt")
expect_exit 4 "$RCR" dump -d "${u/DB/src}" -f "$T/ssl_bad"
grep -q "certificate verify failed" "$T/err" || fail "verify-full with the wrong root: $(cat "$T/err")"
check "sslmode=require and verify-full (sslrootcert) dump and restore end to end; a wrong root certificate is refused"

# pg_dump and pg_restore connect on their own. rcr_nossl may only connect without SSL: under
# libpq's default (prefer) a child would first try SSL and the server would log that rejection.
# With sslmode=disable passed through, no connection of the whole run tries SSL.
u=$(ssl_uri "$RCR_TEST_NOSSL_USER" disable)
log_mark=$(wc -l <"$RCR_TEST_PGLOG")
"$RCR" dump -q -d "${u/DB/src}" -f "$T/nossl"
createdb r_nossl
"$RCR" restore -q -d "${u/DB/r_nossl}" "$T/nossl"
assert_same_db src r_nossl "sslmode=disable"
tail -n +$((log_mark + 1)) "$RCR_TEST_PGLOG" | grep "rejects connection" && fail "a connection of the sslmode=disable run tried SSL"
# ...and the control: a child without the setting would have been seen. psql with the default.
psql -X -q -d "postgresql://$RCR_TEST_NOSSL_USER:$PW@$HOST:$PGPORT/src" -c "SELECT 1" >/dev/null
tail -n +$((log_mark + 1)) "$RCR_TEST_PGLOG" | grep -q "rejects connection for host .* user \"$RCR_TEST_NOSSL_USER\".* SSL encryption" ||
	fail "control: a default (sslmode=prefer) connection left no trace in the server log"
check "sslmode=disable reaches pg_dump and pg_restore: no SSL attempt logged for the run (a default connection logs one)"

echo "security: $CHECKS checks passed"
