#!/usr/bin/env bash
# rcr-test: matrix
# rcr convert prints every type that has a text form, and nested types.
#
# 1. Nested types (sql/type_nesting.sql over the foundation matrix): arrays of
#    vector/halfvec/sparsevec, domains over vectors and arrays, arrays of domains and enums,
#    composites of pgvector types, enums, domains, arrays and other composites, arrays of
#    composites, a domain over a composite, NULLs at every level. Each table comes back from
#    pg_restore -j 2 (and from pg_restore -f - | psql) with the server's own text of every row
#    equal to the source's.
# 2. Every other built-in type with a text form (sql/text_types.sql: geometric types with NaN,
#    infinities and -0, open and closed paths, a polygon of 10000 points; tsvector with weights
#    and positions, tsquery with phrases, prefixes and weights; money at its extremes; pg_lsn,
#    tid, xid, xid8, cid, int2vector, oidvector, pg_snapshot, txid_snapshot, jsonpath,
#    refcursor; the built-in multiranges, empty and unbounded; a user's ranges and multiranges,
#    arrays of them), 2000 random rows each and the edge values: the data files are
#    byte-identical to the server's own COPY text under pg_dump's settings, and pg_restore gives
#    the rows back. xml likewise, in a UTF8 and in a LATIN1 database (where xml_send adds an
#    encoding declaration that xml_out does not print), on servers built with libxml.
# 3. The dump's session: bytea_output escape is recorded and reproduced; money is refused,
#    naming the column, when the archive says lc_monetary was another locale or says nothing.
# 4. Without --archive-version, the lowest version the archive needs: 1.14, 1.15 for zstd,
#    1.16 for the large objects of a PostgreSQL 17+ schema, read by that server's pg_restore.
. "$(dirname "$0")/lib.sh"
start_cluster
load_type_matrix src
psql_q -d src -f "$RCR_SRC/tests/integration/sql/type_nesting.sql" >/dev/null
"$RCR" dump -q -d src -f "$T/arch" -j 2 --row-group-size 16384
"$RCR" convert -q "$T/arch" -o "$T/pgd" -j 2

# row_text DB TABLE: every row as the server prints it, ordered by that text.
row_text() { psql_q -d "$1" -c "SELECT t::text FROM $2 t ORDER BY 1"; }
tables=('"Nest Ing".nested' public.all_types public.embeddings public.mixed_dims)

createdb conv
pg_restore -j 2 -d conv "$T/pgd"
createdb script
pg_restore -f - "$T/pgd" | psql -X -q -v ON_ERROR_STOP=1 -d script >/dev/null
for db in conv script; do
	for t in "${tables[@]}"; do
		row_text src "$t" >"$T/a.txt"
		row_text "$db" "$t" >"$T/b.txt"
		[ -s "$T/a.txt" ] || fail "no rows in $t"
		if ! cmp -s "$T/a.txt" "$T/b.txt"; then
			diff "$T/a.txt" "$T/b.txt" | head -6 >&2
			fail "$t differs after convert + pg_restore into $db"
		fi
	done
	assert_same_db src "$db" "convert + restore ($db)"
done
n=$(psql_q -d conv -c 'SELECT count(*) FROM "Nest Ing".nested')
[ "$n" = 400 ] || fail "nested has $n rows after restore, expected 400"
# The nested values really are there (not NULLs that compare equal): spot checks.
got=$(psql_q -d conv -c 'SELECT (c_outer).inner_r.e, (c_outer).embs[1].s, a_sparse[2][2], (d_outer).id,
	(c_inner).moods[1], (a_outer[1]).inner_r.hd FROM "Nest Ing".nested WHERE id IN (1, 4) ORDER BY id')
want='[1,2,3]|{2:3}/4||10|ok|[2,1]
||{2:2}/2|12||'
[ "$got" = "$want" ] || fail "spot checks of nested values: got '$got'"
pass "nested domains, enums, arrays and composites of pgvector types: pg_restore -j 2 and -f | psql equal the source"

# --- every built-in type with a text form, against the server's own COPY text -----------------
server_major=$(psql_q -c "SHOW server_version_num")
server_major=$((server_major / 10000))
# table_text DB SCHEMA TABLE: the server's COPY text under pg_dump's settings.
table_text() {
	PGTZ=UTC PGOPTIONS="-c extra_float_digits=3 -c intervalstyle=postgres -c datestyle=ISO" \
		psql_q -d "$1" -c "COPY \"$2\".\"$3\" TO STDOUT"
}
# data_of SCRIPT SCHEMA TABLE: that table's rows in a pg_restore -f script.
data_of() {
	awk -v h="COPY \"$2\".\"$3\" (" 'index($0, h) == 1 {on = 1; next} on && $0 == "\\." {on = 0} on' "$1"
}
# same_text DB SCHEMA ARCHIVE TABLE...: converts ARCHIVE (-Z 0), compares each table's data with
# the server's COPY text byte for byte, restores it with pg_restore and compares the rows with
# those of the server's own text loaded into the same schema (what pg_dump's data gives: the
# same as the source's but where PostgreSQL's text output itself loses something, as xml_out
# drops a newline after the declaration it drops).
same_text() {
	local db=$1 sch=$2 arch=$3 t enc
	shift 3
	rm -rf "$T/tt"
	"$RCR" convert -q "$arch" -o "$T/tt" -Z 0
	pg_restore -f "$T/tt.sql" "$T/tt"
	enc=$(psql_q -d "$db" -c "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")
	createdb -T template0 -l C -E "$enc" "${db}_back"
	createdb -T template0 -l C -E "$enc" "${db}_ref"
	# (an empty tsquery makes the server say NOTICE on input)
	PGOPTIONS="-c client_min_messages=warning" pg_restore -d "${db}_back" "$T/tt"
	pg_restore -s -d "${db}_ref" "$T/tt"
	for t in "$@"; do
		table_text "$db" "$sch" "$t" >"$T/server.txt"
		data_of "$T/tt.sql" "$sch" "$t" >"$T/rcr.txt"
		[ -s "$T/server.txt" ] || fail "no rows in $sch.$t"
		if ! cmp -s "$T/server.txt" "$T/rcr.txt"; then
			diff "$T/server.txt" "$T/rcr.txt" | head -4 | cut -c1-400 >&2
			fail "$db $sch.$t: converted text differs from the server's COPY text"
		fi
		PGCLIENTENCODING=$enc PGOPTIONS="-c client_min_messages=warning" \
			psql_q -d "${db}_ref" -c "COPY \"$sch\".\"$t\" FROM STDIN" <"$T/server.txt"
		row_text "${db}_ref" "\"$sch\".\"$t\"" >"$T/a.txt"
		row_text "${db}_back" "\"$sch\".\"$t\"" >"$T/b.txt"
		cmp -s "$T/a.txt" "$T/b.txt" || fail "$db $sch.$t differs after convert + pg_restore"
	done
}
createdb tt
psql_q -d tt -f "$RCR_SRC/tests/integration/sql/text_types.sql" >/dev/null
"$RCR" dump -q -d tt -f "$T/tt_arch" -j 1 -n text_types
same_text tt text_types "$T/tt_arch" geo search sys ranges vecs
for t in geo search sys ranges vecs; do
	row_text tt "text_types.$t" >"$T/a.txt"
	row_text tt_back "text_types.$t" | cmp -s - "$T/a.txt" || fail "text_types.$t differs from the source after convert + pg_restore"
done
pass "geometric, text search, money, system types, jsonpath, multiranges, users' ranges and int2vector/oidvector (stored as text; 10000 rows): data files byte-identical to the server's COPY text, and pg_restore gives every row back"

if psql_q -c "SELECT '<a/>'::xml" >/dev/null 2>&1; then
	xml_sql="CREATE SCHEMA x; CREATE TABLE x.docs (id int, d xml, ds xml[]);
	INSERT INTO x.docs SELECT g, ('<a n=\"' || g || '\">é ' || md5(g::text) || '</a>')::xml, ARRAY['<b/>'::xml] FROM generate_series(1, 500) g;
	INSERT INTO x.docs VALUES (-1, '<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>', NULL),
	 (-2, E'<?xml version=\"1.0\" standalone=\"yes\"?>\n<a>\tb</a>', NULL), (-3, E'<?xml version=\"1.0\"?>\n\n<a/>', NULL),
	 (-4, 'text <b>content</b>', '{}'), (-5, '', NULL), (-6, E'<?xml version=\"1.1\"?>\n<a/>', NULL)"
	for enc in UTF8 LATIN1; do
		db=xml_$enc
		createdb -T template0 -E "$enc" -l C "$db"
		PGCLIENTENCODING=UTF8 psql_q -d "$db" -c "$xml_sql" >/dev/null
		"$RCR" dump -q -d "$db" -f "$T/arch_$db" -j 1 -n x
		same_text "$db" x "$T/arch_$db" docs
	done
	pass "xml in UTF8 and LATIN1 databases, with and without declarations: byte-identical to the server's COPY text"
else
	echo "xml: not tested on PostgreSQL $server_major, a server built without libxml"
fi

# bytea_output escape in the dump's session is recorded and reproduced.
createdb esc
psql_q -d esc -c "ALTER DATABASE esc SET bytea_output = escape" \
	-c "CREATE TABLE public.b (id int, b bytea, bs bytea[])" \
	-c "INSERT INTO public.b SELECT g, decode(md5(g::text) || '00015c7f80ff', 'hex'), ARRAY['\\x5c22'::bytea] FROM generate_series(1, 300) g"
"$RCR" dump -q -d esc -f "$T/arch_esc" -j 1
"$RCR" list "$T/arch_esc" >"$T/list"
grep -q "^  bytea_output  *escape$" "$T/list" || fail "the archive does not record bytea_output escape: $(cat "$T/list")"
same_text esc public "$T/arch_esc" b
pass "bytea_output escape: recorded by dump, the data file byte-identical to the server's COPY text"

# money where the archive says lc_monetary was another locale, or says nothing (an archive of an
# older rcr): refused before anything is written, naming the column and the locale.
cp -r "$T/tt_arch" "$T/de"
"$RCR_FORGE" "$T/de" meta:lc_monetary de_DE.UTF-8
expect_exit 1 "$RCR" convert "$T/de" -o "$T/nope"
grep -q "^rcr convert: error: cannot convert column 'm' of table 'text_types.sys': type 'pg_catalog.money' is printed only for dumps whose lc_monetary was C or POSIX, this one's was 'de_DE.UTF-8'$" \
	"$T/err" || fail "money, lc_monetary de_DE: $(cat "$T/err")"
"$RCR_FORGE" "$T/de" meta_key:lc_monetary other_key
expect_exit 1 "$RCR" convert "$T/de" -o "$T/nope"
grep -q "this one's was not recorded$" "$T/err" || fail "money, lc_monetary not recorded: $(cat "$T/err")"
[ ! -e "$T/nope" ] || fail "a refused conversion left $T/nope behind"
pass "money refused where the archive records lc_monetary de_DE.UTF-8 or none, naming the column"

# The archive version by default: the lowest that holds the conversion.
header() { head -c 8 "$1/toc.dat" | od -An -tu1 | awk '{print $6 "." $7}'; }
createdb lo
psql_q -d lo -c "CREATE TABLE public.t AS SELECT 1 AS i" -c "SELECT lo_from_bytea(0, 'large')" >/dev/null
"$RCR" dump -q -d lo -f "$T/arch_lo"
"$RCR" convert -q "$T/arch_lo" -o "$T/v_lo"
"$RCR" convert -q "$T/tt_arch" -o "$T/v_plain"
"$RCR" convert -q "$T/tt_arch" -o "$T/v_zstd" -Z zstd
want_lo=1.14
[ "$server_major" -ge 17 ] && want_lo=1.16
[ "$(header "$T/v_lo")" = "$want_lo" ] || fail "large objects on $server_major: version $(header "$T/v_lo"), expected $want_lo"
[ "$(header "$T/v_plain")" = 1.14 ] || fail "no large objects: version $(header "$T/v_plain"), expected 1.14"
[ "$(header "$T/v_zstd")" = 1.15 ] || fail "zstd: version $(header "$T/v_zstd"), expected 1.15"
createdb lo_back
pg_restore -d lo_back "$T/v_lo"
[ "$(psql_q -d lo_back -c "SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata")" = large ] ||
	fail "the large object did not come back from the $want_lo conversion"
pass "default archive version: $want_lo with large objects on PostgreSQL $server_major, 1.14 without, 1.15 with zstd; pg_restore $server_major restores it"
