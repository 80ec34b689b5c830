-- Types of the schema "types", which the tables of dump_outside_types_test.sh (schema "app")
-- use; run on the source and, as a user would before restoring a dump that leaves them out,
-- on each target.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE SCHEMA types;
CREATE TYPE types.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN types.posint AS int CHECK (VALUE > 0);
CREATE TYPE types.pair AS (a int, b text, m types.mood);
CREATE TYPE types.floatr AS RANGE (subtype = float8, multirange_type_name = types.floatmr);
