-- Tables whose column types have no binary I/O, or no text form rcr convert prints offline,
-- which rcr dump stores as text (text_tables_test.sh). Run as a superuser (a base type made
-- from internal functions); \set vec_ext names the extension that provides vector.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS :vec_ext;

-- A base type without SEND/RECEIVE, as PostgreSQL's regression database's int8alias1, and a
-- btree operator class so that a range can be made over it.
CREATE TYPE myint;
CREATE FUNCTION myint_in(cstring) RETURNS myint LANGUAGE internal IMMUTABLE STRICT AS 'int8in';
CREATE FUNCTION myint_out(myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int8out';
CREATE TYPE myint (input = myint_in, output = myint_out, like = int8);
CREATE FUNCTION myint_lt(myint, myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int8lt';
CREATE FUNCTION myint_le(myint, myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int8le';
CREATE FUNCTION myint_eq(myint, myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int8eq';
CREATE FUNCTION myint_ge(myint, myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int8ge';
CREATE FUNCTION myint_gt(myint, myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int8gt';
CREATE FUNCTION myint_cmp(myint, myint) RETURNS int LANGUAGE internal IMMUTABLE STRICT AS 'btint8cmp';
CREATE OPERATOR < (leftarg = myint, rightarg = myint, function = myint_lt);
CREATE OPERATOR <= (leftarg = myint, rightarg = myint, function = myint_le);
CREATE OPERATOR = (leftarg = myint, rightarg = myint, function = myint_eq);
CREATE OPERATOR >= (leftarg = myint, rightarg = myint, function = myint_ge);
CREATE OPERATOR > (leftarg = myint, rightarg = myint, function = myint_gt);
CREATE OPERATOR CLASS myint_ops DEFAULT FOR TYPE myint USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 myint_cmp(myint, myint);
CREATE TYPE myrange AS RANGE (subtype = myint, multirange_type_name = mymultirange);
CREATE DOMAIN mydom AS myint;
CREATE TYPE mycomp AS (n myint, note text);
CREATE TYPE aclcomp AS (a aclitem, note text);
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);

-- aclitem (no binary I/O), beside types whose cast to text is not their output (bool, inet,
-- char(n)), and text that needs COPY's escapes.
CREATE TABLE acl_t (id int, a aclitem, aa aclitem[], note text, b bool, ip inet, ch char(5), d date, f float8);
INSERT INTO acl_t VALUES
 (1, '=r/postgres', '{=r/postgres,postgres=arwdDxt/postgres}', E'tab\there\nnewline\\back\rcr', true,
  '10.0.0.1', 'ab', '2024-02-29', 0.1),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, 'postgres=r*w/postgres', '{}', E'\\.', false, '::1/128', '', 'infinity', 'NaN'),
 (4, '=/postgres', '{NULL}', E'\\N', NULL, '192.168.0.0/16', 'abcde', '0001-01-01 BC', -1e300),
 (5, '=r/postgres', '{=r/postgres}', '', true, NULL, NULL, NULL, 1.5);
CREATE TABLE acl_empty (a aclitem);

-- The user base type, bare and inside arrays, a domain, composites, a range and a multirange.
CREATE TABLE my_t (id int, m myint, ma myint[], md mydom, mc mycomp, mca mycomp[], mr myrange, mm mymultirange);
INSERT INTO my_t VALUES
 (1, '42', '{1,NULL,-3}', '7', ROW('5', E'quote" comma, tab\t nl\n back\\ cr\r'),
  ARRAY[ROW('1', 'a')::mycomp, ROW(NULL, NULL)::mycomp, NULL], '[1,10)', '{[1,3), [5,7)}'),
 (2, NULL, NULL, NULL, ROW(NULL, NULL), '{}', 'empty', '{}'),
 (3, '-9223372036854775808', '{{1,2},{3,4}}', NULL, NULL, NULL, '(,5]', NULL);
CREATE TABLE acl_comp (id int, c aclcomp, ca aclcomp[]);
INSERT INTO acl_comp VALUES
 (1, ROW('=r/postgres', E'x\ty\\z'), ARRAY[ROW('postgres=arw/postgres', 'n')::aclcomp]),
 (2, ROW(NULL, NULL), NULL), (3, NULL, '{}');

-- Types printed as OIDs in binary: text too.
CREATE TABLE reg_t (id int, r regtype, p regproc);
INSERT INTO reg_t VALUES (1, 'int4', 'int4in'), (2, 'mycomp', 'myint_in'), (3, NULL, NULL);

-- A vector column in a text table: its values are text too, stored with the raw codec.
CREATE TABLE mixed_vec (id int, v vector(3), a aclitem);
INSERT INTO mixed_vec VALUES (1, '[1,2.5,-0.1]', '=r/postgres'), (2, NULL, NULL), (3, '[0,0,0]', '=/postgres');

-- Big enough to be dumped in ctid pieces and several row groups.
CREATE TABLE big_acl (id int, a aclitem, note text);
INSERT INTO big_acl SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE '=r/postgres'::aclitem END,
    CASE WHEN i % 5 = 0 THEN E'tab\tand\nnewline ' || i ELSE repeat('x', i % 50) END
  FROM generate_series(1, 30000) i;

-- Binary tables, which stay binary.
CREATE TABLE plain (id int, t text, v vector(3), m mood, p posint, r int4range, ta text[]);
INSERT INTO plain VALUES (1, E'a\tb', '[1,2,3]', 'ok', 3, '[1,5)', '{x,NULL}'), (2, NULL, NULL, NULL, NULL, NULL, NULL);
