-- The foundation type matrix: every common column type, NULLs everywhere, awkward names,
-- several schemas, partitions, dropped and generated columns, identity columns, sequences,
-- a large object and a materialized view. Loaded into a fresh database by the integration
-- tests; \set vec_ext names the extension that provides vector/halfvec/sparsevec.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS :vec_ext;

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN emb3 AS vector(3);
CREATE TYPE pair AS (x integer, label text);

CREATE TABLE public.all_types (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    c_int2      int2, c_int4 int4, c_int8 int8,
    c_numeric   numeric, c_float4 float4, c_float8 float8, c_bool bool,
    c_text      text, c_varchar varchar(20), c_char char(5), c_bytea bytea, c_uuid uuid,
    c_json      json, c_jsonb jsonb, c_date date, c_time time, c_timetz timetz,
    c_ts        timestamp, c_tstz timestamptz, c_interval interval,
    c_inet      inet, c_cidr cidr, c_macaddr macaddr, c_bit bit(4), c_varbit varbit,
    c_int_arr   int[], c_text_arr text[], c_float_arr float8[],
    c_mood      mood, c_posint posint, c_pair pair, c_range int4range, c_tsrange tstzrange,
    c_vec       vector(3), c_half halfvec(3), c_sparse sparsevec(5), c_emb emb3,
    c_dropme    int,
    c_gen       int GENERATED ALWAYS AS (c_int4 * 2) STORED
);
ALTER TABLE public.all_types DROP COLUMN c_dropme;

INSERT INTO public.all_types (c_int2, c_int4, c_int8, c_numeric, c_float4, c_float8, c_bool, c_text, c_varchar,
    c_char, c_bytea, c_uuid, c_json, c_jsonb, c_date, c_time, c_timetz, c_ts, c_tstz, c_interval, c_inet, c_cidr,
    c_macaddr, c_bit, c_varbit, c_int_arr, c_text_arr, c_float_arr, c_mood, c_posint, c_pair, c_range, c_tsrange,
    c_vec, c_half, c_sparse, c_emb)
VALUES
 (1, 2, 3, 1.5, 1.25, 2.5, true, 'hello', 'v', 'abc', '\x00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": 1}', '{"b": [1, 2]}', '2024-02-29', '12:34:56.789', '01:02:03+05:30', '2000-01-01 00:00:00',
  '2024-06-01 12:00:00+00', '1 year 2 mons 3 days 04:05:06.789', '192.168.0.1/24', '10.0.0.0/8',
  '08:00:2b:01:02:03', B'1010', B'101', '{1,2,NULL}', '{"a","b c",NULL,"\"q\""}', '{1.5,-0,NaN,Infinity}',
  'happy', 7, ROW(1, 'one'), '[1,10)', '[2024-01-01,2024-12-31)',
  '[1,2.5,-0.1]', '[1,2.5,-0.1]', '{1:1.5,3:2}/5', '[0.1,0.2,0.3]'),
 (-32768, -1073741824, -9223372036854775808, -1e-20, '-Infinity', 'NaN', false, E'tab\there\nnewline\\back', '',
  '     ', '\x', '00000000-0000-0000-0000-000000000000', 'null', '[]', 'infinity', '00:00', '00:00+00',
  '-infinity', '1970-01-01 00:00:00+00', '-178000000 years', '::1', '::/0', 'ff:ff:ff:ff:ff:ff', B'0000',
  B'', '{}', '{}', '{1e-308,5e-324,1.7976931348623157e308}', 'sad', 2147483647, ROW(NULL, NULL), 'empty',
  '(,)', '[1e-07,3.4028235e+38,-0]', '[65504,-65504,6.1e-05]', '{5:-1}/5', '[1,1,1]'),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL);
INSERT INTO public.all_types (c_int4, c_text, c_vec, c_half)
SELECT g, repeat('x', g % 50), ('[' || g || ',' || (g * 0.5) || ',' || (-g) || ']')::vector,
       ('[' || (g % 100) || ',0.5,1]')::halfvec
FROM generate_series(1, 5000) g;

CREATE SCHEMA "Mixed Case Schema";
CREATE TABLE "Mixed Case Schema"."Table ""With"" Quotes" ("Col One" int, "çolümn ünicode" text, "select" text);
INSERT INTO "Mixed Case Schema"."Table ""With"" Quotes" VALUES (1, 'ünï', 'kw'), (NULL, NULL, NULL), (3, '', 'x');
CREATE TABLE public."täble ünicode" (k int);
INSERT INTO public."täble ünicode" SELECT generate_series(1, 10);
CREATE TABLE public.empty_table (a int, b vector(3));
CREATE TABLE public.no_columns ();
INSERT INTO public.no_columns DEFAULT VALUES;
INSERT INTO public.no_columns DEFAULT VALUES;

CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('abc', 1700000000000), ('def', 1700000001000);

CREATE TABLE public.measurements (id int, region text, v float8) PARTITION BY LIST (region);
CREATE TABLE public.measurements_eu PARTITION OF public.measurements FOR VALUES IN ('eu');
CREATE TABLE public.measurements_us PARTITION OF public.measurements FOR VALUES IN ('us');
INSERT INTO public.measurements SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g / 3.0 FROM generate_series(1, 1000) g;

-- Rows whose vectors do not all share one dimension: the vector codec must fall back to raw.
CREATE TABLE public.mixed_dims (id int, v vector, h halfvec, s sparsevec);
INSERT INTO public.mixed_dims VALUES (1, '[1,2,3]', '[1,2]', '{1:1}/3'), (2, '[4,5]', '[3,4,5]', '{2:2,3:3}/1000'),
  (3, NULL, NULL, NULL);

-- Uniform, NULL-free embeddings: the vector and halfvec codecs take these chunks.
CREATE TABLE public.embeddings (id int PRIMARY KEY, emb vector(16) NOT NULL, h halfvec(16) NOT NULL,
  arr real[], arr8 double precision[]);
INSERT INTO public.embeddings
SELECT g, e::vector, e::halfvec, ('{' || substr(e, 2, length(e) - 2) || '}')::real[],
       CASE WHEN g % 10 = 0 THEN NULL ELSE ('{' || substr(e, 2, length(e) - 2) || '}')::float8[] END
FROM (SELECT g, '[' || string_agg(((random() - 0.5) * 2)::float4::text, ',') || ']' AS e
      FROM generate_series(1, 2000) g, generate_series(1, 16) d GROUP BY g) s;

CREATE SEQUENCE public.standalone_seq START 100;
SELECT setval('public.standalone_seq', 4242);

SELECT lo_from_bytea(424242, '\x0102030405deadbeef');

CREATE MATERIALIZED VIEW public.mv_counts AS SELECT c_mood, count(*) AS n FROM public.all_types GROUP BY c_mood;

CREATE INDEX all_types_vec_idx ON public.all_types (c_vec);
CREATE INDEX all_types_text_idx ON public.all_types (c_text);
COMMENT ON TABLE public.all_types IS 'the type matrix';
