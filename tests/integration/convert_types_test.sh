#!/usr/bin/env bash
# rcr convert on nested types (sql/type_nesting.sql over the foundation matrix): arrays of
# vector/halfvec/sparsevec, domains over vectors and arrays, arrays of domains and enums,
# composites of pgvector types, enums, domains, arrays and other composites, arrays of
# composites, a domain over a composite, NULLs at every level. Each table comes back from
# pg_restore -j 2 (and from pg_restore -f - | psql) with the server's own text of every row
# equal to the source's. A composite with a field rcr cannot print (money) and an array of a
# type with no text output (tsvector) stop the conversion before anything is written, naming
# schema, table, column and the type.
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

# Types with no text output, nested or not: refused before anything is written.
psql_q -d src -c "CREATE TABLE public.prices (id int, p public.priced)" \
	-c "INSERT INTO public.prices VALUES (1, ROW('a', 1.5))" \
	-c 'CREATE TABLE "Nest Ing".docs (id int, d tsvector[])' -c "INSERT INTO \"Nest Ing\".docs VALUES (1, '{a}')"
# -n public: the schema holds public.priced (a dump with -t would leave the type out).
"$RCR" dump -q -d src -f "$T/arch3" -n public
expect_exit 1 "$RCR" convert "$T/arch3" -o "$T/nope"
grep -q "^rcr convert: error: cannot convert column 'p' of table 'public.prices': field 'price' of type 'public.priced': type 'money' has no text output$" \
	"$T/err" || fail "money inside a composite: $(cat "$T/err")"
[ ! -e "$T/nope" ] || fail "a refused conversion left $T/nope behind"
"$RCR" dump -q -d src -f "$T/arch4" -t '"Nest Ing".docs'
expect_exit 1 "$RCR" convert "$T/arch4" -o "$T/nope"
grep -qF "cannot convert column 'd' of table '\"Nest Ing\".docs': no text output for type 'pg_catalog._tsvector'" "$T/err" ||
	fail "tsvector[]: $(cat "$T/err")"
[ ! -e "$T/nope" ] || fail "a refused conversion left $T/nope behind"
pass "money inside a composite and tsvector[] refused before anything is written, naming table, column and type"
