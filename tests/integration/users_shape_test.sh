#!/usr/bin/env bash
# The users' database on each PostgreSQL version: records and feed_entries with 768-dimensional
# embeddings in vector, halfvec and sparsevec columns (NULLs among them) next to text, jsonb and
# timestamps, feeds, and Drizzle's migrations table in schema drizzle (tools/sample/sample_db.sql,
# plus the halfvec and sparsevec columns); on the real pgvector, HNSW indexes on all three.
# rcr dump -> verify -> restore gives the same database, with the indexes valid and answering
# nearest-neighbour queries, and the vector codecs took the embeddings; rcr convert -> this
# version's pg_restore (the newest archive version it reads, zstd data files from 1.15 on, as
# the users' plan writes them) gives the same database too.
# rcr-test: matrix
. "$(dirname "$0")/lib.sh"
start_cluster
createdb src
psql_q -d src -v vec_ext="$VEC_EXT" -v rows=400 -f "$RCR_SRC/tools/sample/sample_db.sql" >/dev/null
psql_q -d src <<'SQL'
ALTER TABLE public.records ADD COLUMN embedding_half halfvec(768), ADD COLUMN keywords sparsevec(30000);
UPDATE public.records r SET embedding_half = CASE WHEN s.n % 13 = 0 THEN NULL ELSE r.embedding::halfvec END,
	keywords = CASE WHEN s.n % 17 = 0 THEN NULL ELSE s.kw::sparsevec END
FROM (SELECT p.id, row_number() OVER (ORDER BY p.created_at) AS n,
	-- correlated with p, so that every row draws its own
	'{' || (SELECT string_agg(k || ':' || round(random()::numeric, 3), ',' ORDER BY k)
		FROM (SELECT DISTINCT 1 + (random() * 29999)::int AS k FROM generate_series(1, 20) WHERE p.id IS NOT NULL) d)
	|| '}/30000' AS kw
	FROM public.records p) s
WHERE r.id = s.id;
UPDATE public.feed_entries SET embedding = NULL WHERE id % 11 = 0;
SQL
if real_pgvector; then
	psql_q -d src <<'SQL'
CREATE INDEX records_embedding_hnsw ON public.records USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX records_half_hnsw ON public.records USING hnsw (embedding_half halfvec_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX records_keywords_hnsw ON public.records USING hnsw (keywords sparsevec_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX feed_entries_embedding_hnsw ON public.feed_entries USING hnsw (embedding vector_ip_ops) WITH (m = 8, ef_construction = 32);
SQL
else
	skip "HNSW indexes: no pgvector on PostgreSQL $PG_MAJOR ($VEC_EXT)"
fi
[ "$(psql_q -d src -c "SELECT count(*), count(embedding_half), count(keywords) FROM public.records")" = "400|370|377" ] ||
	fail "source rows: $(psql_q -d src -c "SELECT count(*), count(embedding_half), count(keywords) FROM public.records")"

# hnsw_check DB LABEL: the HNSW indexes are those of the source, valid, and each answers a
# nearest-neighbour query (the planner takes it, five rows come back). The rows themselves are
# not compared: an HNSW index is approximate and each build draws its own graph.
hnsw_check() {
	local db=$1 label=$2 q
	psql_q -d "$db" -c "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hnsw' ORDER BY 1" >"$T/hnsw.$db"
	if ! real_pgvector; then
		[ ! -s "$T/hnsw.$db" ] || fail "$label: HNSW indexes without pgvector: $(cat "$T/hnsw.$db")"
		return 0
	fi
	[ "$(grep -c '|t|CREATE INDEX .* USING hnsw ' "$T/hnsw.$db")" = 4 ] || fail "$label: HNSW indexes: $(cat "$T/hnsw.$db")"
	[ "$db" = src ] || cmp -s "$T/hnsw.src" "$T/hnsw.$db" || fail "$label: HNSW indexes differ: $(diff "$T/hnsw.src" "$T/hnsw.$db")"
	for q in "records_embedding_hnsw|records|embedding <=>" "records_half_hnsw|records|embedding_half <->" \
		"records_keywords_hnsw|records|keywords <->" "feed_entries_embedding_hnsw|feed_entries|embedding <#>"; do
		IFS='|' read -r idx tab op <<<"$q"
		col=${op% *}
		sql="SELECT id FROM public.$tab ORDER BY $op (SELECT $col FROM public.$tab WHERE $col IS NOT NULL ORDER BY id LIMIT 1) LIMIT 5"
		psql_q -d "$db" -c "SET enable_seqscan = off" -c "EXPLAIN (COSTS OFF) $sql" | grep -q "Index Scan using $idx on $tab" ||
			fail "$label: the planner does not use $idx"
		[ "$(psql_q -d "$db" -c "SET enable_seqscan = off" -c "$sql" | wc -l)" = 5 ] || fail "$label: $idx did not return 5 rows"
	done
}
hnsw_check src source
hnsw=
if real_pgvector; then hnsw=", the 4 HNSW indexes valid and used"; fi

"$RCR" dump -q -d src -f "$T/arch" -j 2
"$RCR" verify -q "$T/arch" >/dev/null || fail "verify rejected the archive"
createdb dst
"$RCR" restore -q -d dst -j 2 "$T/arch"
assert_same_db src dst "rcr dump + restore"
hnsw_check dst "rcr dump + restore"
pass "rcr dump + verify + restore on PostgreSQL $PG_MAJOR ($VEC_EXT): same data and schema$hnsw"

# The embeddings went through the vector codecs, not raw: their binary COPY is what the codecs
# expect from this extension.
"$RCR" list --json "$T/arch" >"$T/list.json"
for codec in vector halfvec sparsevec; do
	grep -q "\"$codec\":" "$T/list.json" || fail "the $codec codec was never chosen: $(head -c 600 "$T/list.json")"
done
pass "vector, halfvec and sparsevec codecs chosen"

v=$(pg_dump_archive_version)
z=gzip
if [ "$v" != 1.14 ]; then z=zstd; fi
"$RCR" convert -q "$T/arch" -o "$T/pgd" --archive-version "$v" -Z "$z"
createdb conv
pg_restore -j 2 -d conv "$T/pgd"
assert_same_db src conv "convert $v -Z $z + pg_restore $PG_MAJOR"
hnsw_check conv "convert $v -Z $z + pg_restore $PG_MAJOR"
pass "convert --archive-version $v -Z $z + pg_restore -j 2 of PostgreSQL $PG_MAJOR: same data and schema$hnsw"
