#!/usr/bin/env bash
# install_ext.sh: build and install the rcr_testvec test extension (PGXS).
#
#   install_ext.sh [BUILD_DIR]
#
# Builds tests/ext/rcr_testvec (in BUILD_DIR if given, out of tree; otherwise
# in the source dir, whose .gitignore covers the objects) and installs it into
# the PostgreSQL found through pg_config, which for the system server needs
# root. Idempotent: make rebuilds only what changed, and the install step is
# skipped when the installed files already match the build; otherwise each file
# is replaced by a rename, so that a CREATE EXTENSION running meanwhile never
# sees it missing. Silent on success; on failure prints the build log.
# Concurrent runs (parallel ctest, other checkouts) serialise on a lock file.
#
# Environment: PG_CONFIG (default $PGBIN/pg_config, PGBIN defaulting to
# /usr/lib/postgresql/15/bin).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PGBIN/pg_config}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../ext/rcr_testvec" && pwd -P)
BUILD=${1:-$SRC}
LOCK=/tmp/rcr_testvec-install.lock

[ -x "$PG_CONFIG" ] || { echo "install_ext.sh: no pg_config at '$PG_CONFIG'" >&2; exit 1; }
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd -P)

log=$(mktemp /tmp/rcr_testvec-build.XXXXXX)
trap 'rm -f "$log"' EXIT

run() {
    if ! "$@" >>"$log" 2>&1; then
        cat "$log" >&2
        echo "install_ext.sh: failed: $*" >&2
        exit 1
    fi
}

make_args=(-C "$BUILD" PG_CONFIG="$PG_CONFIG")
if [ "$BUILD" != "$SRC" ]; then
    make_args+=(-f "$SRC/Makefile" VPATH="$SRC")
fi

exec 9>"$LOCK"
flock 9

run make "${make_args[@]}"

pkglibdir=$("$PG_CONFIG" --pkglibdir)
extdir=$("$PG_CONFIG" --sharedir)/extension
if cmp -s "$BUILD/rcr_testvec.so" "$pkglibdir/rcr_testvec.so" &&
    cmp -s "$SRC/rcr_testvec.control" "$extdir/rcr_testvec.control" &&
    cmp -s "$SRC/rcr_testvec--1.0.sql" "$extdir/rcr_testvec--1.0.sql"; then
    exit 0
fi
# Installed by rename: every checkout on the machine installs into the same server directories
# (and each build's .so differs, by its debug paths), so another suite's tests may be running
# CREATE EXTENSION right now. `make install` rewrites the files in place, and such a test then
# found the script missing ("has no installation script nor update path"); a rename shows it
# the old file or the new one.
stage=$(mktemp -d /tmp/rcr_testvec-stage.XXXXXX)
trap 'rm -f "$log"; rm -rf "$stage"' EXIT
run make "${make_args[@]}" install DESTDIR="$stage"
while IFS= read -r -d '' f; do
    dest=${f#"$stage"}
    mkdir -p "$(dirname "$dest")"
    tmp=$(mktemp "$(dirname "$dest")/.rcr_testvec-install.XXXXXX")
    cp "$f" "$tmp"
    chmod --reference="$f" "$tmp"
    mv -f "$tmp" "$dest"
done < <(find "$stage" -type f -print0)
