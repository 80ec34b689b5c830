-- The benchmark's schema, shaped like the users' database (issue #3): two big tables with
-- 768-dimensional embeddings next to text, jsonb and timestamps, a small feeds table and
-- drizzle's migrations table. Tables only: rows are loaded by gen_data (binary COPY), then
-- post_load.sql adds indexes and constraints, as a restore would.
-- Variables: :vec_ext (extension providing the vector type), :dim (dimensions), :feeds (rows).
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS :vec_ext;

CREATE TABLE public.records (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  title text NOT NULL,
  body text,
  url text,
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  embedding vector(:dim)
);
CREATE TABLE public.feeds (
  id serial NOT NULL,
  name text NOT NULL,
  url text NOT NULL,
  last_fetched_at timestamptz
);
CREATE TABLE public.feed_entries (
  id bigserial NOT NULL,
  feed_id int NOT NULL,
  guid text NOT NULL,
  title text,
  summary text,
  published_at timestamptz,
  embedding vector(:dim)
);
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial NOT NULL, hash text NOT NULL, created_at bigint);

INSERT INTO public.feeds (name, url, last_fetched_at)
SELECT 'Feed ' || g, 'https://feed' || g || '.example.org/rss.xml',
       timestamptz '2025-06-01 00:00+00' + g * interval '17 minutes'
FROM generate_series(1, :feeds) g;
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
SELECT md5('migration ' || g), 1700000000000 + g * 86400000 FROM generate_series(1, 24) g;
