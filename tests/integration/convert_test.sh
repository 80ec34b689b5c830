#!/usr/bin/env bash
# rcr convert: the type matrix archive becomes a pg_dump directory archive that stock
# pg_restore lists (-l), restores in parallel (-j 2) and turns into a script (-f -) that psql
# replays; both restored databases equal the original. A type rcr cannot print stops the
# conversion before anything is written, naming the column.
. "$(dirname "$0")/lib.sh"
start_cluster
load_type_matrix src
"$RCR" dump -q -d src -f "$T/arch" -j 2 --row-group-size 16384

for v in 1.14 1.16; do
	"$RCR" convert -q "$T/arch" -o "$T/pgd-$v" --archive-version "$v" -Z 1
	if [ "$v" = 1.14 ]; then
		pg_restore -l "$T/pgd-$v" >"$T/list"
		grep -q "TABLE DATA public all_types" "$T/list" || fail "pg_restore -l lists no TABLE DATA for all_types"
		grep -q 'TABLE DATA Mixed Case Schema Table "With" Quotes' "$T/list" || fail "awkward table missing from -l"
		grep -q "Dump Version: 1.14" "$T/list" || fail "not archive version 1.14"
		createdb conv
		pg_restore -j 2 -d conv "$T/pgd-$v"
		assert_same_db src conv "convert $v + pg_restore -j 2"
		createdb script
		pg_restore -f - "$T/pgd-$v" | psql -X -q -v ON_ERROR_STOP=1 -d script >/dev/null
		assert_same_db src script "convert $v + pg_restore -f - | psql"
		pass "convert $v: pg_restore -l, -j 2 and -f | psql all give the original database"
	else
		# pg_restore 15 refuses 1.16 archives, as it refuses pg_dump 17's: the header says so.
		head -c 8 "$T/pgd-$v/toc.dat" | od -An -tx1 | grep -q "50 47 44 4d 50 01 10 00" || fail "no 1.16 header"
		expect_exit 1 pg_restore -l "$T/pgd-$v"
		grep -q "unsupported version (1.16)" "$T/err" || fail "pg_restore 15 on 1.16: $(cat "$T/err")"
		pass "convert $v writes a 1.16 header (refused by pg_restore 15 as expected)"
	fi
done

# Plain .dat files end with the \. line and hold text COPY.
"$RCR" convert --progress=always -j 1 "$T/arch" -o "$T/plain" -Z 0 2>"$T/progress"
grep -q "rcr convert: tables [0-9]*/[0-9]*  [0-9]* rows" "$T/progress" || fail "no progress line: $(head -c 300 "$T/progress")"
grep -q "rcr convert: [0-9]*/[0-9]* tables, [0-9]* rows, " "$T/progress" || fail "no progress summary: $(tail -c 300 "$T/progress")"
f=$(ls -S "$T/plain"/*.dat | head -1)
[ "$(tail -c 5 "$f" | od -An -tx1 | tr -d ' \n')" = "5c2e0a0a0a" ] || fail "data file does not end with \\.\\n\\n\\n"
pass "-Z 0 writes plain text COPY ending with \\."

# Text output identical to the server's, byte for byte: random floats (shortest round-trip
# digits), numerics, timestamps and intervals, against the server's own COPY text.
psql_q -d src -c "CREATE TABLE public.text_check AS SELECT g AS id,
	(random() * 10 ^ (random() * 60 - 30))::float4 AS f4, (random() * 10 ^ (random() * 600 - 300))::float8 AS f8,
	round((random() * 1e6)::numeric, (g % 7)) AS n, timestamptz '2000-01-01' + random() * interval '30000 days' AS ts,
	random() * interval '3000 days' AS iv,
	-- short decimals parsed to the nearest value: the closest floats come to interval bounds
	(floor(random() * 10 ^ (1 + g % 17))::int8 || 'e' || (g % 614 - 323))::float8 AS f8s,
	(floor(random() * 10 ^ (1 + g % 9))::int8 || 'e' || (g % 75 - 45))::float4 AS f4s,
	-- powers of two and their neighbours (lopsided intervals), and integers near 2^24 / 2^53
	CASE g % 3 WHEN 0 THEN 2::float8 ^ (g % 2098 - 1074) ELSE (2::float8 ^ (g % 2046 - 1022)) * (CASE g % 3 WHEN 1 THEN '1.0000000000000002' ELSE '0.9999999999999999' END)::float8 END AS f8p,
	CASE WHEN g % 2 = 0 THEN (2::float8 ^ (g % 276 - 149))::float4 ELSE (16777216 + g % 2001 - 1000)::float4 END AS f4p
	FROM generate_series(1, 20000) g"
# and hand-picked edges: interval-bound decimals PostgreSQL's Ryu refuses, extremes, the layout
# switch between fixed and exponent notation, zeros and specials
psql_q -d src -c "INSERT INTO public.text_check (id, f8, f4) SELECT 100000 + row_number() OVER (), a::float8, b::float4
	FROM unnest('{1e23,9.999999999999999e22,5.7052294118252256e16,5e-324,2.2250738585072014e-308,2.225073858507201e-308,1.7976931348623157e308,-0,0,NaN,Infinity,-Infinity,1e15,999999999999999,1e14,123456789012345.6,0.0001,0.00009999999999999999,1e-05,9007199254740993,0.1,0.3,-4.35}'::text[],
	'{3670000128,8.999999e9,6.4999997e9,1e-45,1.17549435e-38,3.4028235e38,-0,0,NaN,Infinity,-Infinity,1e6,999999,100000,0.0001,9.999999e-5,1e-05,16777217,0.1,1e-07,3.4e38,-2.5,7e-45}'::text[]) AS t(a, b)"
"$RCR" dump -q -d src -f "$T/arch3" -t text_check -j 1
"$RCR" convert -q "$T/arch3" -o "$T/tc" -Z 0
PGTZ=UTC PGOPTIONS="-c extra_float_digits=1 -c intervalstyle=postgres -c datestyle=ISO" \
	psql_q -d src -c "COPY public.text_check TO STDOUT" >"$T/server.txt"
head -n -3 "$(find "$T/tc" -maxdepth 1 -name '*.dat' ! -name toc.dat)" >"$T/rcr.txt"
if ! cmp -s "$T/server.txt" "$T/rcr.txt"; then
	diff "$T/server.txt" "$T/rcr.txt" | head -5 >&2
	fail "converted text differs from the server's COPY text"
fi
pass "20000 rows of random, short-decimal, power-of-two and edge floats, numerics, timestamps, intervals: byte-identical to the server's text"

# The same through gzip: convert's data files are several gzip members (one per MiB of text),
# which pg_restore must read as one stream.
"$RCR" convert -q "$T/arch3" -o "$T/tcz"
f=$(ls "$T"/tcz/*.dat.gz)
m=$(od -An -tx1 -v "$f" | tr -d ' \n' | grep -o '1f8b08' | wc -l)
[ "$m" -ge 2 ] || fail "expected a multi-member gzip file, $f has $m member headers"
pg_restore -f - "$T/tcz" | sed -n '/^COPY .*text_check.* FROM stdin;$/,/^\\\.$/p' | sed '1d;$d' >"$T/rcr_gz.txt"
cmp -s "$T/server.txt" "$T/rcr_gz.txt" || fail "pg_restore -f - of the gzip conversion differs from the server's COPY text"
pass "gzip data file of $m members: pg_restore -f - gives the server's COPY text"

# A type with no text output offline (a reg* type prints a catalog name; rcr dump stores such
# tables as text, so only a forged or older archive has one): refused before anything is written.
psql_q -d src -c "CREATE TABLE public.oid_t (r int)" -c "INSERT INTO public.oid_t VALUES (1259)"
"$RCR" dump -q -d src -f "$T/arch2" -t oid_t
"$RCR_FORGE" "$T/arch2" column:0:0:type_name regclass
expect_exit 1 "$RCR" convert "$T/arch2" -o "$T/nope"
grep -q "cannot convert column 'r' of table 'public.oid_t': no text output for type 'pg_catalog.regclass'$" "$T/err" ||
	fail "unsupported type message: $(cat "$T/err")"
[ ! -e "$T/nope" ] || fail "a refused conversion left $T/nope behind"
pass "a type with no text output (regclass) refused, naming the column"

# A big table split into several TABLE DATA entries loads in parallel under pg_restore -j 4
# without losing rows: the naive split loses whole chunks to pg_restore's TRUNCATE (seen: 100000
# of 400000 rows back, exit 0). Three runs, every row counted, and the data compared.
psql_q -d src -c "CREATE TABLE public.big_split AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 200000) g"
"$RCR" dump -q -d src -f "$T/arch4" -t big_split --row-group-size 65536
"$RCR" convert -q "$T/arch4" -o "$T/split" --split-size 512 -Z 1
n=$(pg_restore -l "$T/split" | grep -c "TABLE DATA public big_split" || true)
[ "$n" -ge 4 ] || fail "big_split became $n TABLE DATA entries, expected several"
for run in 1 2 3; do
	createdb "split$run"
	pg_restore -j 4 -d "split$run" "$T/split"
	got=$(psql_q -d "split$run" -c "SELECT count(*), count(DISTINCT id), sum(id) FROM public.big_split")
	[ "$got" = "200000|200000|20000100000" ] || fail "run $run: pg_restore -j 4 of a split table gave $got"
done
pass "big_split in $n TABLE DATA entries: pg_restore -j 4 three times, 200000 rows every time"
