#!/usr/bin/env bash
# rcr-test: matrix
# Tables whose column types have no binary I/O (aclitem; a user base type declared without
# SEND/RECEIVE, bare and in arrays, a domain, composites, a range and a multirange) or no text
# form rcr convert prints offline (regtype, regproc), sql/text_tables.sql: rcr dump stores them
# as text values (pg_dump fails on none of them, nor may rcr), an empty one and one big enough
# for ctid pieces included. dump -> verify -> restore and convert -> pg_restore give the source
# database again; convert's data files hold exactly pg_dump's text for them (bool 't', inet
# without /32, char(n) padded: their output functions, not their casts to text); binary tables
# stay binary.
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src -v vec_ext="$VEC_EXT" -f "$RCR_SRC/tests/integration/sql/text_tables.sql" >/dev/null
text_tables=(acl_t acl_empty my_t acl_comp reg_t mixed_vec big_acl)

# -j 2 and a small piece size: big_acl (about 1.5 MB) is read in ctid pieces.
"$RCR" dump -q -d src -f "$T/a" -j 2 --piece-size 256kB --row-group-size 64kB
"$RCR" verify -q "$T/a" >/dev/null
# rcr list ends the line of a table stored as text with "; text values".
"$RCR" list "$T/a" >"$T/list.txt"
for t in "${text_tables[@]}"; do
	grep -q "^public\.$t .*; text values\$" "$T/list.txt" || fail "$t is not stored as text"
done
grep -q '^public\.plain ' "$T/list.txt" && ! grep -q '^public\.plain .*text values' "$T/list.txt" ||
	fail "plain is not stored binary"
oid=$(psql_q -d src -c "SELECT 'big_acl'::regclass::oid")
pieces=$(find "$T/a/data" -name "$oid-*.rcd" -printf '%f\n' | sed -E 's/\.[0-9]+\.rcd$//' | sort -u | wc -l)
[ "$pieces" -ge 2 ] || fail "big_acl was not dumped in ctid pieces ($pieces files)"
pass "${#text_tables[@]} tables stored as text (big_acl in $pieces pieces), plain stays binary; verify accepts the archive"

createdb dst
"$RCR" restore -q -d dst -j 2 "$T/a"
assert_same_db src dst "rcr restore"
[ "$(psql_q -d dst -c 'SELECT count(*) FROM big_acl')" = 30000 ] || fail "big_acl's rows after restore"
pass "dump -> verify -> restore gives the same database"

# Convert copies the text through; pg_restore reads it back.
"$RCR" convert -q "$T/a" -o "$T/pgd"
createdb conv
pg_restore -j 2 -d conv "$T/pgd"
assert_same_db src conv "convert + pg_restore"
# The converted data, as pg_restore prints it, is pg_dump's own, row for row (convert quotes
# every name of its COPY line, pg_dump only those that need it).
copy_rows() { grep -v -E '^(--|SET |SELECT pg_catalog\.|\\(un)?restrict |COPY |$)' | sort; }
for t in "${text_tables[@]}" plain; do
	pg_dump -a -t "$t" src | copy_rows >"$T/want.txt"
	pg_restore -a -t "$t" -f - "$T/pgd" | copy_rows >"$T/got.txt"
	if ! cmp -s "$T/want.txt" "$T/got.txt"; then
		diff "$T/want.txt" "$T/got.txt" | head -8 >&2
		fail "$t: the converted data is not pg_dump's"
	fi
done
pass "convert -> pg_restore gives the same database; the data files hold pg_dump's text"
