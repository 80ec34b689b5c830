# shellcheck shell=bash
# lib.sh: shared helpers for integration tests (sourced). Each test starts its own throwaway
# PostgreSQL cluster through tests/harness/pg_cluster.sh, so tests can run in parallel.
# Expects RCR (the rcr binary) and RCR_SRC (the source tree) in the environment (ctest sets
# them). The server is Debian's PostgreSQL 15, or the one in PGBIN (ctest sets it, and
# RCR_PG_BINDIR, for the runs of a matrix test on other versions: tests/harness/README.md).
set -euo pipefail

: "${RCR:?RCR must point at the rcr binary}"
: "${RCR_SRC:?RCR_SRC must point at the source tree}"

PG15_BIN=/usr/lib/postgresql/15/bin
export PGBIN=${PGBIN:-$PG15_BIN}
# The clients the test runs (psql, pg_dump, pg_restore, createdb) are the server's own version.
export PATH="$PGBIN:$PATH"
PG_MAJOR=$("$PGBIN/postgres" --version | sed -n 's/^postgres (PostgreSQL) \([0-9]*\).*/\1/p')
[ -n "$PG_MAJOR" ] || { echo "FAIL: no PostgreSQL server in PGBIN '$PGBIN'" >&2; exit 1; }

T=$(mktemp -d /tmp/rcr-itest.XXXXXX)
chmod 755 "$T"
PG_DIR="$T/pg"

EXTRA_CLUSTERS=()
itest_cleanup() {
	local rc=$? c
	if [ -n "${RCR_KEEP_TMP:-}" ]; then
		echo "keeping $T" >&2
	else
		for c in "${EXTRA_CLUSTERS[@]}" "$PG_DIR"; do
			"$RCR_SRC/tests/harness/pg_cluster.sh" stop "$c" >/dev/null 2>&1 || true
		done
		rm -rf "$T"
	fi
	exit $rc
}
trap itest_cleanup EXIT

start_cluster() {
	"$RCR_SRC/tests/harness/pg_cluster.sh" start "$PG_DIR" >/dev/null
	# shellcheck disable=SC1091
	. "$PG_DIR/env"
	export PGHOST PGPORT PGUSER PGDATABASE
	VEC_EXT=$(psql -X -qAt -d postgres -c "SELECT name FROM pg_available_extensions
		WHERE name IN ('vector', 'rcr_testvec') ORDER BY name = 'vector' DESC LIMIT 1")
	[ -n "$VEC_EXT" ] || fail "PostgreSQL $PG_MAJOR has neither pgvector nor rcr_testvec (tests/harness/install_ext.sh)"
	echo "# PostgreSQL $(psql -X -qAt -d postgres -c "SHOW server_version" | cut -d' ' -f1) from $PGBIN, vector types from $VEC_EXT"
}

# The extension that gives vector, halfvec and sparsevec: the real pgvector ("vector") where
# the server has it (the builds of 16 and later), else our test double rcr_testvec (Debian's
# 15). VEC_EXT names it once start_cluster has run.
create_vector_ext() { # dbname
	psql_q -d "$1" -c "CREATE EXTENSION IF NOT EXISTS $VEC_EXT"
}

# True with the real pgvector: a test of what only it has (HNSW, IVFFlat, its operators) runs
# that part only then, and says what it skipped otherwise:
#   if real_pgvector; then ...; else skip "HNSW index (no pgvector on PostgreSQL $PG_MAJOR)"; fi
real_pgvector() { [ "$VEC_EXT" = vector ]; }

# The archive version this server's pg_dump writes, and whether its pg_restore reads VERSION
# (pg_restore 12 to 15 read up to 1.14, 16 up to 1.15, 17 and 18 up to 1.16).
pg_dump_archive_version() {
	if [ "$PG_MAJOR" -ge 17 ]; then echo 1.16; elif [ "$PG_MAJOR" = 16 ]; then echo 1.15; else echo 1.14; fi
}
pg_restore_reads() { # version
	local newest
	newest=$(pg_dump_archive_version)
	[ "${1#1.}" -le "${newest#1.}" ]
}

# Another cluster in $T/NAME, with extra postgresql.conf lines (may be empty), stopped with the
# test's own; the caller's environment reaches its server (LOCPATH, say).
start_extra_cluster() { # name settings
	EXTRA_CLUSTERS+=("$T/$1")
	RCR_TEST_PG_CONF=$2 "$RCR_SRC/tests/harness/pg_cluster.sh" start "$T/$1" >/dev/null
}

# Runs a command as a client of the cluster NAME.
in_cluster() { # name cmd...
	local env="$T/$1/env"
	shift
	(
		# shellcheck disable=SC1090
		. "$env"
		export PGHOST PGPORT PGUSER PGDATABASE
		"$@"
	)
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "ok - $*"
}

skip() {
	echo "skip - $*"
}

psql_q() { psql -X -v ON_ERROR_STOP=1 -qAt "$@"; }

# A private de_DE.UTF-8 locale in LOC=$T/locale, for a server whose messages are German (start
# it with LOCPATH="$LOC"); without Debian's locale sources the test is skipped, saying so.
german_locale() {
	LOC="$T/locale"
	mkdir -p "$LOC"
	if ! localedef -i de_DE -f UTF-8 "$LOC/de_DE.UTF-8" >"$T/localedef.log" 2>&1; then
		echo "SKIP: no de_DE locale source (install Debian's locales package: tools/deps.sh)"
		exit 0
	fi
	chmod -R a+rX "$LOC"
}

load_type_matrix() { # dbname
	createdb "$1"
	psql_q -d "$1" -v vec_ext="$VEC_EXT" -f "$RCR_SRC/tests/integration/sql/type_matrix.sql" >/dev/null
}

# Canonical text of a database's data: pg_dump --data-only, without comments, settings, the
# random \restrict keys of recent minors, with each COPY block's rows sorted (row order after a
# parallel restore is not the dump's). Large objects and sequence values are included.
data_text() { # dbname [pg_dump options]
	pg_dump --data-only --no-owner "${@:2}" "$1" | awk '
		/^\\(un)?restrict / { next }
		/^--/ || /^SET / || /^SELECT pg_catalog.set_config/ || /^$/ { next }
		/^COPY / { print; inblock = 1; n = 0; next }
		inblock && /^\\\.$/ { close("sort"); inblock = 0; print; next }
		inblock { print | "sort"; next }
		{ print }'
}

schema_text() { # dbname
	pg_dump --schema-only "$1" | grep -v -E '^(\\(un)?restrict |--)'
}

# Asserts that two databases hold the same data and schema.
assert_same_db() { # db1 db2 label
	data_text "$1" >"$T/a.data"
	data_text "$2" >"$T/b.data"
	if ! cmp -s "$T/a.data" "$T/b.data"; then
		diff "$T/a.data" "$T/b.data" | head -20 >&2
		fail "$3: data differs between $1 and $2"
	fi
	schema_text "$1" >"$T/a.schema"
	schema_text "$2" >"$T/b.schema"
	if ! cmp -s "$T/a.schema" "$T/b.schema"; then
		diff "$T/a.schema" "$T/b.schema" | head -20 >&2
		fail "$3: schema differs between $1 and $2"
	fi
	[ -s "$T/a.data" ] || fail "$3: no data compared"
}

# Runs a command expecting failure with a given exit status; its stderr goes to $T/err.
expect_exit() { # status cmd...
	local want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	set -e
	if [ "$got" != "$want" ]; then
		cat "$T/err" >&2
		fail "expected exit $want, got $got: $*"
	fi
}
