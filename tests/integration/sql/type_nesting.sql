-- Nested user types around pgvector's: arrays of vector/halfvec/sparsevec, domains over
-- vectors and over arrays, arrays of domains, enums and arrays of enums, composites whose
-- fields are pgvector types, enums, domains, arrays and other composites, arrays of those
-- composites, domains over composites, and NULLs at every level. Loaded after type_matrix.sql
-- (which provides the extension, mood, posint, emb3 and pair) into the same database.
\set ON_ERROR_STOP on

CREATE SCHEMA "Nest Ing";
CREATE DOMAIN public.vecs AS vector[];
CREATE DOMAIN public.posints AS posint[] CHECK (cardinality(VALUE) < 100);
CREATE DOMAIN "Nest Ing"."half Dom" AS halfvec(2);
CREATE TYPE "Nest Ing".emb_rec AS (v vector(3), h halfvec(2), s sparsevec(4), "Label, quoted" text);
CREATE TYPE public.inner_rec AS (m mood, p posint, e emb3, moods mood[], hd "Nest Ing"."half Dom");
CREATE TYPE public.outer_rec AS (id int8, inner_r public.inner_rec, pairs pair[], embs "Nest Ing".emb_rec[],
    vs vecs, ts timestamptz, n numeric(8, 2), c character(3), vc character varying(5),
    t time(2) without time zone, iv interval year to month, f float8[]);
CREATE DOMAIN public.outer_dom AS public.outer_rec;

CREATE TABLE "Nest Ing".nested (
    id        int PRIMARY KEY,
    a_vec     vector[], a_half halfvec[], a_sparse sparsevec[],
    d_vec     emb3, d_vecs vecs, d_posints posints, a_posint posint[], a_emb emb3[],
    c_mood    mood, a_mood mood[],
    c_emb     "Nest Ing".emb_rec, c_inner public.inner_rec, c_outer public.outer_rec, d_outer outer_dom,
    a_pair    pair[], a_emb_rec "Nest Ing".emb_rec[], a_outer outer_rec[]
);

INSERT INTO "Nest Ing".nested VALUES
 (1, ARRAY['[1,2,3]', '[0.1,-0.5,1e-07]']::vector[], ARRAY['[1,2]', '[65504,-0.5]']::halfvec[],
  ARRAY['{1:1.5,3:2}/5', '{}/3']::sparsevec[],
  '[1,2,3]', ARRAY['[1,2]', NULL, '[3]']::vector[], '{1,2,3}', '{4,NULL,6}', ARRAY['[1,1,1]', NULL]::emb3[],
  'ok', '{sad,NULL,happy}',
  ROW('[1,2,3]', '[1,2]', '{1:1,4:-2}/4', 'a,b "c" \d'),
  ROW('happy', 5, '[0.5,0.25,0.125]', '{ok,NULL}', '[1,2]'),
  ROW(9, ROW('sad', 1, '[1,2,3]', '{}', NULL), ARRAY[ROW(1, 'one'), ROW(NULL, 'two, "2"'), NULL]::pair[],
      ARRAY[ROW('[1,2,3]', NULL, '{2:3}/4', ''), NULL]::"Nest Ing".emb_rec[], ARRAY['[1]']::vector[],
      '2024-06-01 12:00:00.5+00', 12.5, 'ab', 'x y', '01:02:03.25', '1 year 2 mons', '{1.5,NaN,-0}'),
  ROW(10, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ARRAY[ROW(1, 'x'), ROW(2, NULL)]::pair[],
  ARRAY[ROW('[4,5,6]', '[0.5,2]', '{}/4', 'tab	and
newline')]::"Nest Ing".emb_rec[],
  ARRAY[ROW(11, ROW('ok', 2, '[3,2,1]', '{happy}', '[2,1]'), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL)::outer_rec, NULL]),
 (2, '{}', '{}', '{}', NULL, '{}', '{}', '{}', '{}', NULL, '{}',
  ROW(NULL, NULL, NULL, NULL), ROW(NULL, NULL, NULL, NULL, NULL), ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL), NULL, '{}', '{}', '{}'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, ARRAY[NULL, '[1,2,3]']::vector[], ARRAY[NULL]::halfvec[], ARRAY[ARRAY['{1:1}/2', NULL], ARRAY[NULL, '{2:2}/2']]::sparsevec[],
  '[-1,-2,-3]', ARRAY[ARRAY['[1]', '[2]'], ARRAY['[3]', '[4]']]::vector[], '{7}', '{NULL}', '{NULL}',
  'sad', '{NULL}', ROW(NULL, '[3,4]', NULL, 'NULL'), ROW(NULL, NULL, NULL, '{NULL}', NULL), NULL,
  ROW(12, NULL, '{}', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, '{}'), ARRAY[NULL]::pair[],
  ARRAY[NULL]::"Nest Ing".emb_rec[], '{}');
INSERT INTO "Nest Ing".nested (id, a_vec, d_vec, c_emb, a_emb_rec)
SELECT g, ARRAY[('[' || g || ',' || -g || ']')::vector, NULL], ('[' || g || ',0,1]')::emb3,
       ROW(('[' || g * 0.1 || ',1,2]')::vector, '[1,0.5]'::halfvec, '{1:1}/4'::sparsevec, g::text)::"Nest Ing".emb_rec,
       ARRAY[ROW(('[' || g || ',1,2]')::vector, NULL, NULL, NULL)]::"Nest Ing".emb_rec[]
FROM generate_series(5, 400) g;

-- A type with no text output rcr knows, inside a composite: convert must refuse the table.
CREATE TYPE public.priced AS (label text, price money);
