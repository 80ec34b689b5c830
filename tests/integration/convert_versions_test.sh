#!/usr/bin/env bash
# rcr convert -> this version's pg_restore, for every archive version convert writes. The type
# matrix and the nested types (sql/type_matrix.sql, sql/type_nesting.sql: partitions, a large
# object, pgvector's types), once with its large object and once without, converted to 1.14
# (gzip), 1.15 (zstd, none) and 1.16 (zstd, gzip). Each conversion that this pg_restore reads
# (12-15: 1.14; 16: up to 1.15; 17 and 18: up to 1.16) restores with pg_restore -j 2 into a
# database equal to the source, data and schema; one it does not read is refused by
# pg_restore for its version, as pg_dump's own newer archives are. A schema archive of pg_dump
# 17 or later holds its large objects in 1.16's grouped form, which no older version can: its
# conversion to 1.14 or 1.15 is refused before anything is written, with a HINT.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
load_type_matrix src
psql_q -d src -f "$RCR_SRC/tests/integration/sql/type_nesting.sql" >/dev/null
createdb -T src nolo
psql_q -d nolo -c "SELECT lo_unlink(oid) FROM pg_largeobject_metadata" >/dev/null
[ "$(psql_q -d src -c "SELECT count(*) FROM pg_largeobject_metadata")" = 1 ] || fail "the type matrix has no large object"
"$RCR" dump -q -d src -f "$T/src" -j 2 --row-group-size 16384
"$RCR" dump -q -d nolo -f "$T/nolo" -j 2 --row-group-size 16384
dumped=$(pg_dump_archive_version)

n_restored=0
convert_case() { # source-db version -Z
	local db=$1 v=$2 z=$3 out="$T/pgd-$1-$2-$3" target="r_$1_${2#1.}_$3"
	if [ "$db" = src ] && [ "$dumped" = 1.16 ] && [ "$v" != 1.16 ]; then
		expect_exit 1 "$RCR" convert "$T/$db" -o "$out" --archive-version "$v" -Z "$z"
		grep -q "^rcr convert: error: archive version $v cannot hold the large objects of this 1.16 schema archive" "$T/err" &&
			grep -q "^HINT: use --archive-version 1.16$" "$T/err" || fail "$db $v: $(cat "$T/err")"
		[ ! -e "$out" ] || fail "$db $v: a refused conversion left $out"
		pass "$db: $v refused for a $dumped schema archive with large objects, with a HINT"
		return 0
	fi
	"$RCR" convert -q "$T/$db" -o "$out" --archive-version "$v" -Z "$z"
	if ! pg_restore_reads "$v"; then
		expect_exit 1 pg_restore -l "$out"
		grep -q "unsupported version ($v) in file header" "$T/err" || fail "pg_restore $PG_MAJOR on $v: $(cat "$T/err")"
		pass "$db: $v -Z $z refused by pg_restore $PG_MAJOR for its version"
		return 0
	fi
	createdb "$target"
	pg_restore -j 2 -d "$target" "$out"
	assert_same_db "$db" "$target" "$db: convert $v -Z $z + pg_restore $PG_MAJOR -j 2"
	n_restored=$((n_restored + 1))
	pass "$db: convert $v -Z $z + pg_restore $PG_MAJOR -j 2 gives the source database"
}

for db in src nolo; do
	convert_case "$db" 1.14 gzip
	convert_case "$db" 1.15 zstd
	convert_case "$db" 1.15 none
	convert_case "$db" 1.16 zstd
	convert_case "$db" 1.16 gzip
done
# Every version this pg_restore reads was restored: 1.14 always, without large objects at least.
want=$((2 * (1 + (PG_MAJOR >= 16 ? 2 : 0) + (PG_MAJOR >= 17 ? 2 : 0)) - (PG_MAJOR >= 17 ? 3 : 0)))
[ "$n_restored" = "$want" ] || fail "$n_restored conversions restored on PostgreSQL $PG_MAJOR, expected $want"

# The newest version this pg_restore reads, as a script through psql.
createdb script
pg_restore -f - "$T/pgd-src-$dumped-$([ "$dumped" = 1.14 ] && echo gzip || echo zstd)" |
	psql -X -q -v ON_ERROR_STOP=1 -d script >/dev/null
assert_same_db src script "convert $dumped + pg_restore -f - | psql"
pass "convert $dumped + pg_restore $PG_MAJOR -f - | psql gives the source database"
