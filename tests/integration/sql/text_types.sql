-- Every built-in type whose text rcr convert prints without the database, beyond the type
-- matrix (convert_types_test.sh): random values from a fixed seed, and the edge values of each
-- type. Tables in schema text_types; xml in text_types_xml.sql (servers with libxml only).
SET client_min_messages = warning;
SELECT setseed(0.13);
CREATE SCHEMA text_types;
CREATE TYPE text_types.textrange AS RANGE (subtype = text);
CREATE TYPE text_types.floatrange AS RANGE (subtype = float8, multirange_type_name = text_types.floatmulti);
CREATE DOMAIN text_types.cash AS money;

CREATE TABLE text_types.geo (id int, p point, l lseg, b box, pa path, po polygon, li line, c circle,
	pts point[], boxes box[], paths path[]);
INSERT INTO text_types.geo
SELECT g, point(x, y), lseg(point(x, y), point(y, -x)), box(point(x, y), point(-y, x * 1e-3)),
	(CASE WHEN g % 2 = 0 THEN '[' ELSE '(' END || pts || CASE WHEN g % 2 = 0 THEN ']' ELSE ')' END)::path,
	('(' || pts || ')')::polygon, line(point(x, y), point(x + 1, y * 2 + 1e-3)), circle(point(x, y), abs(y)),
	ARRAY[point(x, y), point(y, x)], ARRAY[box(point(x, y), point(y, x)), box(point(0, 0), point(x, x))],
	ARRAY[('[' || pts || ']')::path]
FROM (SELECT g, (random() - 0.5) * 10 ^ (random() * 40 - 20) AS x, (random() - 0.5) * 10 ^ (random() * 300 - 150) AS y,
	(SELECT string_agg(format('(%s,%s)', random() * 1000 - 500, random()), ',') FROM generate_series(1, 1 + g % 40) k
	  WHERE k > 0 * g) AS pts
	FROM generate_series(1, 2000) g) s;
-- NaN, infinities, -0, the extremes, one point, a polygon of 10000 points
INSERT INTO text_types.geo (id, p, l, b, pa, po, li, c, pts, boxes) VALUES
	(-1, '(NaN,-0)', '[(Infinity,-Infinity),(-0,NaN)]', '(NaN,1),(-0,-Infinity)', '[(5e-324,-1.7976931348623157e308)]',
	 '((NaN,NaN))', '{NaN,1,-0}', '<(Infinity,-0),NaN>', '{"(NaN,-0)",NULL}', '{(1,1),(0,0);(Infinity,1),(-0,-1)}'),
	(-2, '(-0,0)', '[(0.1,0.2),(0.3,1e100)]', '(0,0),(0,0)', '((0,0))', '((0,0),(1,1))', '{0,1,0}', '<(0,0),0>', '{}', '{}'),
	(-3, NULL, NULL, NULL, '[(1,2),(3,4)]', (SELECT ('(' || string_agg(format('(%s,%s)', k, -k * 0.1), ',') || ')')::polygon
	  FROM generate_series(1, 10000) k), NULL, NULL, NULL, NULL);

CREATE TABLE text_types.search (id int, v tsvector, q tsquery, vs tsvector[], qs tsquery[]);
INSERT INTO text_types.search
SELECT g, setweight(to_tsvector('simple', w1 || ' ' || w2 || ' ' || w1), (ARRAY['A','B','C','D'])[1 + g % 4]::"char")
	|| to_tsvector('simple', w3),
	format('%s & (%s | !%s) <%s> %s:*%s', quote_literal(w1), quote_literal(w2), quote_literal(w3), g % 5,
	       quote_literal(w1), (ARRAY['', 'A', 'BC', 'ABCD'])[1 + g % 4])::tsquery,
	ARRAY[to_tsvector('simple', w2)], ARRAY[format('!%s <-> (%s | %s)', quote_literal(w1), quote_literal(w2), quote_literal(w3))::tsquery]
FROM (SELECT g, substr(md5(g::text), 1, 1 + g % 9) AS w1, substr(md5((g * 7)::text), 1, 5) AS w2,
	chr(97 + g % 26) || 'é' || g AS w3 FROM generate_series(1, 2000) g) s;
INSERT INTO text_types.search VALUES
	(-1, $$'it''s':1A,2B 'back\\slash':3C 'd':16383 'plain' 'é':7$$, $$!'a' & ( 'b' | 'c' ) <-> 'd':*AB$$, '{}', '{}'),
	(-2, '', '', '{""}', '{""}'),
	(-3, 'a:1,2,3,4,5,6,7,8,9', $$('a' <-> 'b') <-> 'c' | 'a' <-> ('b' <-> 'c') & !!'x' <0> 'y' <16384> 'z'$$, NULL, NULL),
	(-4, $$'quo"te' 'com,ma' 'sp ace'$$, $$'quo"te' & 'com,ma':D$$, $${"'a b':1"}$$, $${"'x' & 'y'"}$$);

CREATE TABLE text_types.sys (id int, lsn pg_lsn, t tid, x xid, x8 xid8, c cid,
	s pg_snapshot, ts txid_snapshot, jp jsonpath, rc refcursor, m money, ms money[], dm text_types.cash,
	lsns pg_lsn[], tids tid[]);
INSERT INTO text_types.sys
SELECT g, '0/0'::pg_lsn + floor(random() * 1.8e19)::numeric, format('(%s,%s)', floor(random() * 4294967295), g % 65536)::tid,
	(floor(random() * 4294967295)::bigint)::text::xid, (floor(random() * 9e18)::bigint)::text::xid8, (g * 13)::text::cid,
	format('%s:%s:%s', 100 + g, 200 + g, 150 + g)::pg_snapshot, format('%s:%s:', 10 + g, 10 + g)::txid_snapshot,
	(ARRAY[format('$.a%s[*] ? (@ > %s)', g, g), 'strict $."key with space"', '$ ? (@ like_regex "^a" flag "i")',
	       'lax $[1 to last].datetime()', format('$.x + %s', g * 0.5)])[1 + g % 5]::jsonpath,
	('cursor ' || g)::refcursor, (floor((random() - 0.5) * 1e15) / 100)::numeric::money, ARRAY[(g * 100.5)::numeric::money, NULL],
	(g * -0.01)::numeric::money, ARRAY['0/0'::pg_lsn + g], ARRAY[format('(%s,%s)', g, g)::tid]
FROM generate_series(1, 2000) g;
INSERT INTO text_types.sys VALUES
	(-1, '0/0', '(0,0)', '0', '0', '0', '1:1:', '1:1:', '$', '', '-92233720368547758.08', '{0,-0.01}',
	 '92233720368547758.07', '{}', '{}'),
	(-2, 'FFFFFFFF/FFFFFFFF', '(4294967295,65535)', '4294967295', '18446744073709551615', '4294967295',
	 '18446744073709551614:18446744073709551615:18446744073709551614', '5:9:6,7', 'strict $.a',
	 $$a "quoted"\ cursor$$, '0', NULL, '-0.01', '{0/1,FFFFFFFF/0}', '{"(1,2)"}');

CREATE TABLE text_types.ranges (id int, i4 int4multirange, i8 int8multirange, n nummultirange, d datemultirange,
	ts tsmultirange, tz tstzmultirange, tr text_types.textrange, tm text_types.textmultirange,
	fr text_types.floatrange, fm text_types.floatmulti, trs text_types.textrange[], i4s int4multirange[]);
INSERT INTO text_types.ranges
SELECT g, int4multirange(int4range(g, g + 10), int4range(g + 20, NULL)), int8multirange(int8range(NULL, g * 1000000000000)),
	nummultirange(numrange(g / 7.0, g / 3.0, '[]')), datemultirange(daterange(date '2000-01-01' + g, NULL)),
	tsmultirange(tsrange(timestamp '2000-01-01' + g * interval '1.5 hours', timestamp '2001-01-01' + g * interval '1 day')),
	tstzmultirange(tstzrange(timestamptz '2000-01-01 00:00+00' + g * interval '90 min', NULL, '(]')),
	text_types.textrange('a' || g, 'b' || g), text_types.textmultirange(text_types.textrange('a,' || g, 'b "' || g || '"')),
	text_types.floatrange(-random() * 1e10, random() * 1e12), text_types.floatmulti(text_types.floatrange(-g, g)),
	ARRAY[text_types.textrange('x', 'y' || g)], ARRAY[int4multirange(int4range(g, g + 1))]
FROM generate_series(1, 2000) g;
INSERT INTO text_types.ranges VALUES
	(-1, '{}', '{}', '{}', '{}', '{}', '{}', 'empty', '{}', 'empty', '{}', '{empty}', '{"{}"}'),
	(-2, '{(,)}', '{[-9223372036854775808,0)}', '{(,1.5],[2.5,)}', '{[2000-01-01,infinity)}', '{(,)}',
	 '{[-infinity,infinity]}', '(,)', '{(,"c\\d"],["e f",)}', '[-Infinity,Infinity]', '{(-0,0]}', '{"(\",\",\"\\\\\")"}',
	 NULL);
-- int2vector and oidvector: rcr dump stores their tables as text (binary COPY cannot load an
-- empty one back), so they have a table of their own and sys stays binary.
CREATE TABLE text_types.vecs (id int, i2 int2vector, ov oidvector);
INSERT INTO text_types.vecs
SELECT g, array_to_string(ARRAY[g % 32767, -g, 0], ' ')::int2vector, array_to_string(ARRAY[g, 4294967295 - g], ' ')::oidvector
FROM generate_series(1, 2000) g;
INSERT INTO text_types.vecs VALUES (0, '', ''), (-2, '32767 -32768', '4294967295'), (-3, NULL, NULL);
