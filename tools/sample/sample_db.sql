-- A sample database shaped like the users': `records` and `feed_entries` with 768-dimensional
-- embeddings next to text, jsonb and timestamps, in schemas public and drizzle. Embeddings are
-- model-like: Gaussian components (Box-Muller) normalized to unit length.
-- Variables: :vec_ext (extension providing the vector type), :rows (rows per big table).
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS :vec_ext;
SELECT setseed(0.42);

CREATE OR REPLACE FUNCTION pg_temp.unit_vector(dim int) RETURNS text LANGUAGE sql AS $$
  WITH g AS (SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS x FROM generate_series(1, dim)),
       n AS (SELECT sqrt(sum(x * x)) AS norm FROM g)
  SELECT '[' || string_agg((x / n.norm)::float4::text, ',') || ']' FROM g, n
$$;

CREATE TABLE public.records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL,
  body text,
  url text,
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  embedding vector(768)
);
CREATE TABLE public.feeds (id serial PRIMARY KEY, name text NOT NULL, url text NOT NULL);
CREATE TABLE public.feed_entries (
  id bigserial PRIMARY KEY,
  feed_id int REFERENCES public.feeds (id),
  guid text NOT NULL,
  title text,
  summary text,
  published_at timestamptz,
  embedding vector(768)
);
CREATE SCHEMA IF NOT EXISTS drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);

INSERT INTO public.feeds (name, url)
SELECT 'feed ' || g, 'https://example.com/feed/' || g FROM generate_series(1, 20) g;
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
SELECT md5(g::text), 1700000000000 + g * 86400000 FROM generate_series(1, 12) g;

INSERT INTO public.records (title, body, url, metadata, created_at, embedding)
SELECT 'Record ' || g,
       repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 9 + (g % 27)),
       'https://example.com/r/' || g,
       jsonb_build_object('source', 'import', 'n', g, 'tags', jsonb_build_array('a', 'b' || (g % 7))),
       timestamptz '2024-01-01' + g * interval '37 minutes',
       pg_temp.unit_vector(768)::vector
FROM generate_series(1, :rows) g;

INSERT INTO public.feed_entries (feed_id, guid, title, summary, published_at, embedding)
SELECT 1 + g % 20, 'urn:entry:' || g, 'Entry ' || g,
       repeat('Summary text of a feed entry. ', 3 + (g % 10)),
       timestamptz '2024-01-01' + g * interval '11 minutes',
       pg_temp.unit_vector(768)::vector
FROM generate_series(1, :rows) g;

CREATE INDEX records_created_at_idx ON public.records (created_at);
CREATE INDEX feed_entries_feed_idx ON public.feed_entries (feed_id, published_at);
ANALYZE;
