-- After the rows are loaded: keys, the foreign key, btree indexes, the vector index and sequence
-- values, then VACUUM FREEZE ANALYZE so that no later reader pays for hint bits or freezing.
-- Variables: :vec_index, the access method and column of the embedding index, e.g.
-- 'hnsw (embedding vector_cosine_ops)' with pgvector or 'hash (embedding)' with rcr_testvec (a
-- btree on vector(768) exceeds the btree row size limit).
\set ON_ERROR_STOP on
ALTER TABLE public.records ADD PRIMARY KEY (id);
ALTER TABLE public.feeds ADD PRIMARY KEY (id);
ALTER TABLE public.feed_entries ADD PRIMARY KEY (id);
ALTER TABLE drizzle.__drizzle_migrations ADD PRIMARY KEY (id);
ALTER TABLE public.feed_entries ADD CONSTRAINT feed_entries_feed_id_fkey
  FOREIGN KEY (feed_id) REFERENCES public.feeds (id);
CREATE UNIQUE INDEX feed_entries_guid_idx ON public.feed_entries (guid);
CREATE INDEX feed_entries_feed_published_idx ON public.feed_entries (feed_id, published_at);
CREATE INDEX records_created_at_idx ON public.records (created_at);
CREATE INDEX records_url_idx ON public.records (url);
CREATE INDEX records_embedding_idx ON public.records USING :vec_index;
CREATE INDEX feed_entries_embedding_idx ON public.feed_entries USING :vec_index;
SELECT setval('public.feed_entries_id_seq', (SELECT coalesce(max(id), 1) FROM public.feed_entries));
VACUUM (FREEZE, ANALYZE);
