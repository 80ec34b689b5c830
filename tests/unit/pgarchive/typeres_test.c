/* typeres_test.c: tests src/pgarchive/typeres.c (column types through toc.dat) and the
 * "record:OID" catalog of rcr_textout_value_in.
 *
 * The TYPE and DOMAIN definitions below are written as pg_dump 15 writes them (dumpCompositeType:
 * "\n\t<field> <format_type>[ COLLATE ...]" joined by ","; dumpDomain: "AS <type>", then
 * "\n\tCONSTRAINT ..."), copied from a real dump where they could be; the quoted and
 * comma-carrying names are the parser's hard cases. The binary values are record_send's and
 * pgvector's vector_send layouts. */
#include "../test.h"

#include "rcr/buf.h"
#include "rcr/manifest.h"
#include "rcr/pgtoc.h"
#include "rcr/textout.h"
#include "rcr/typeres.h"

#define ENT(desc_, ns_, tag_, oid_, defn_) \
	{.dump_id = 1, .desc = (char *)(desc_), .namespace_ = (char *)(ns_), .tag = (char *)(tag_), \
	 .oid = (char *)(oid_), .defn = (char *)(defn_)}

static rcr_toc_entry entries[] = {
	ENT("TYPE", "public", "pair", "500", "CREATE TYPE public.pair AS (\n\tx integer,\n\tlabel text COLLATE pg_catalog.\"C\"\n);\n"),
	ENT("TYPE", "public", "mood", "501", "CREATE TYPE public.mood AS ENUM (\n    'sad',\n    'ok'\n);\n"),
	ENT("DOMAIN", "public", "posint", "502",
	    "CREATE DOMAIN public.posint AS integer\n\tCONSTRAINT posint_check CHECK ((VALUE > 0));\n"),
	ENT("DOMAIN", "public", "posints", "503", "CREATE DOMAIN public.posints AS public.posint[];\n"),
	ENT("DOMAIN", "Nest Ing", "half Dom", "504", "CREATE DOMAIN \"Nest Ing\".\"half Dom\" AS public.halfvec(2) NOT NULL;\n"),
	ENT("TYPE", "Nest Ing", "we,ird (t)", "505",
	    "CREATE TYPE \"Nest Ing\".\"we,ird (t)\" AS (\n\tv public.vector(3),\n\tm public.mood[],\n\td public.posint,\n"
	    "\tp public.pair[],\n\tts timestamp(3) with time zone,\n\tiv interval year to month,\n\tc \"char\",\n"
	    "\tn numeric(8,2),\n\tbv bit varying(5),\n\t\"a \"\"q\"\", b\" character varying(5)[],\n"
	    "\th \"Nest Ing\".\"half Dom\",\n\tinner public.pair\n);\n"),
	ENT("TYPE", "public", "priced", "506", "CREATE TYPE public.priced AS (\n\tlabel text,\n\tprice money\n);\n"),
	ENT("TYPE", "public", "vr", "507", "CREATE TYPE public.vr AS (\n\tv public.vector(2),\n\tm public.mood\n);\n"),
	ENT("DOMAIN", "public", "loop_a", "508", "CREATE DOMAIN public.loop_a AS public.loop_b;\n"),
	ENT("DOMAIN", "public", "loop_b", "509", "CREATE DOMAIN public.loop_b AS public.loop_a;\n"),
	ENT("TYPE", "public", "r", "510", "CREATE TYPE public.r AS RANGE (\n    subtype = integer\n);\n"),
	ENT("TYPE", "public", "empty", "511", "CREATE TYPE public.empty AS (\n);\n"),
	/* dumpRangeType as pg_dump 16 to 18 write it: subtype first, then the multirange's name */
	ENT("TYPE", "public", "textrange", "512",
	    "CREATE TYPE public.textrange AS RANGE (\n    subtype = text,\n    multirange_type_name = public.textmultirange\n);\n"),
	ENT("TYPE", "Nest Ing", "pair, range", "513",
	    "CREATE TYPE \"Nest Ing\".\"pair, range\" AS RANGE (\n    subtype = public.pair,\n"
	    "    multirange_type_name = \"Nest Ing\".\"multi, Pair\",\n    subtype_diff = public.f\n);\n"),
	ENT("TYPE", "public", "frange", "514",
	    "CREATE TYPE public.frange AS RANGE (\n    subtype = double precision,\n    multirange_type_name = public.fmulti\n);\n"),
	ENT("TYPE", "public", "ranges", "515",
	    "CREATE TYPE public.ranges AS (\n\tr public.frange,\n\tm public.fmulti[],\n\tb int4multirange,\n\tp point[]\n);\n"),
	ENT("TYPE", "public", "badrange", "516", "CREATE TYPE public.badrange AS RANGE (\n    subtyp = text\n);\n"),
	ENT("DOMAIN", "public", "cash", "517", "CREATE DOMAIN public.cash AS money;\n"),
};
static const rcr_toc toc = {.vmaj = 1, .vmin = 14, .nentries = (int)(sizeof entries / sizeof entries[0]),
			    .entries = entries};

static rcr_column col(const char *schema, const char *name, uint8_t kind, uint8_t elem_kind)
{
	return (rcr_column){.name = (char *)"c", .type_schema = (char *)schema, .type_name = (char *)name,
			    .typmod = -1, .type_kind = kind, .elem_kind = elem_kind};
}

static const rcr_textout_composite *find_comp(const rcr_typeres *r, uint32_t oid)
{
	const rcr_textout_catalog *cat = rcr_typeres_catalog(r);
	for (size_t i = 0; i < cat->n; i++)
		if (cat->types[i].oid == oid)
			return &cat->types[i];
	return NULL;
}

static void test_typeres__columns(void)
{
	rcr_typeres *r;
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	const char *n;
	rcr_column c = col("pg_catalog", "int4", 'b', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "int4");
	c = col("public", "vector", 'b', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "vector");
	c = col("public", "_sparsevec", 'b', 'b');
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "_sparsevec");
	c = col("public", "mood", 'e', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "enum");
	c = col("public", "_mood", 'b', 'e');
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "_enum");
	c = col("public", "_posint", 'b', 'd'); /* an array of a domain over integer */
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "_int4");
	c = col("public", "_half Dom", 'b', 'd');
	c.type_schema = (char *)"Nest Ing";
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "_halfvec");
	c = col("public", "pair", 'c', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "record:500");
	c = col("public", "_pair", 'b', 'c');
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "_record:500");
	const rcr_textout_composite *p = find_comp(r, 500);
	REQUIRE(p && p->nfields == 2);
	CHECK_STR(p->fields[0], "int4");
	CHECK_STR(p->fields[1], "text");
	/* a composite the schema does not hold (rcr dump -t): an anonymous record */
	c = col("other", "gone", 'c', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "record");
	c = col("public", "empty", 'c', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), 0);
	CHECK_STR(n, "record:511");
	REQUIRE(find_comp(r, 511));
	CHECK(find_comp(r, 511)->nfields == 0);
	rcr_typeres_free(r);
}

static void test_typeres__nested_composite(void)
{
	rcr_typeres *r;
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	const char *n;
	rcr_column c = col("Nest Ing", "we,ird (t)", 'c', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "record:505");
	const rcr_textout_composite *w = find_comp(r, 505);
	REQUIRE(w);
	static const char *const want[] = {"vector", "_enum", "int4", "_record:500", "timestamptz", "interval", "char",
					   "numeric", "varbit", "_varchar", "halfvec", "record:500"};
	REQUIRE(w->nfields == sizeof want / sizeof want[0]);
	for (uint32_t i = 0; i < w->nfields; i++)
		CHECK_STR(w->fields[i], want[i]);
	CHECK(find_comp(r, 500) != NULL); /* the nested pair, once */
	CHECK(rcr_typeres_catalog(r)->n == 2);
	rcr_typeres_free(r);
}

static void test_typeres__ranges(void)
{
	rcr_typeres *r;
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	const char *n;
	rcr_column c = col("public", "r", 'r', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "range:int4");
	c = col("public", "_r", 'b', 'r');
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "_range:int4");
	c = col("public", "textmultirange", 'm', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "multirange:range:text");
	c = col("Nest Ing", "_multi, Pair", 'b', 'm');
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "_multirange:range:record:500");
	c = col("pg_catalog", "int4multirange", 'm', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "int4multirange");
	c = col("public", "ranges", 'c', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	const rcr_textout_composite *w = find_comp(r, 515);
	REQUIRE(w && w->nfields == 4);
	CHECK_STR(w->fields[0], "range:float8");
	CHECK_STR(w->fields[1], "_multirange:range:float8");
	CHECK_STR(w->fields[2], "int4multirange");
	CHECK_STR(w->fields[3], "_point");
	/* a multirange no range names, and a range whose entry cannot be read */
	c = col("public", "lostmultirange", 'm', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	c = col("public", "badrange", 'r', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_FORMAT);
	rcr_typeres_free(r);
}

/* textout of "range:SUB" and "multirange:RANGE" names: range_send and multirange_send
 * layouts, the bounds printed by the subtype's rules. */
static void test_typeres__range_values(void)
{
	static const uint8_t range[] = {0x02, 0, 0, 0, 3, 'a', ' ', 'b', 0, 0, 0, 1, 'c'}; /* [a b,c) */
	uint8_t multi[4 + 2 * (4 + sizeof range)];
	rcr_store_u32be(multi, 2);
	for (size_t i = 0; i < 2; i++) {
		rcr_store_u32be(multi + 4 + i * (4 + sizeof range), sizeof range);
		memcpy(multi + 8 + i * (4 + sizeof range), range, sizeof range);
	}
	rcr_buf out = RCR_BUF_INIT;
	CHECK_RC(rcr_textout_value(&out, "range:text", -1, range, sizeof range), 0);
	CHECK_MEM(out.data, out.len, "[\"a b\",c)", 9);
	out.len = 0;
	CHECK_RC(rcr_textout_value(&out, "multirange:range:text", -1, multi, sizeof multi), 0);
	CHECK_MEM(out.data, out.len, "{[\"a b\",c),[\"a b\",c)}", 21);
	out.len = 0;
	CHECK_RC(rcr_textout_value(&out, "multirange:range:text", -1, multi, sizeof multi - 1), RCR_E_FORMAT);
	CHECK_RC(rcr_textout_value(&out, "range:int4", -1, range, sizeof range), RCR_E_FORMAT);
	CHECK(rcr_textout_supported("_multirange:range:_int4"));
	CHECK(rcr_textout_supported("multirange:int4range"));
	CHECK(!rcr_textout_supported("multirange:int4"));
	CHECK(!rcr_textout_supported("multirange:_range:int4"));
	CHECK(!rcr_textout_supported("range:nosuch"));
	rcr_buf_free(&out);
}

/* The dump's session from the manifest's metadata. */
static void test_typeres__session(void)
{
	rcr_manifest *m;
	REQUIRE_OK(rcr_manifest_new(&m));
	rcr_typeres *r;
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	REQUIRE_OK(rcr_typeres_session(r, m)); /* nothing recorded: the defaults */
	CHECK(rcr_typeres_catalog(r)->flags == 0);
	const char *n;
	rcr_column c = col("pg_catalog", "money", 'b', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	CHECK(strstr(rcr_error_message(), "type 'pg_catalog.money' is printed only for dumps whose lc_monetary was C or POSIX, this one's was not recorded"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "server_version", "17.2 (Debian 17.2-1.pgdg120+1)"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "encoding", "LATIN1"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "lc_monetary", "de_DE.UTF-8"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "bytea_output", "escape"));
	REQUIRE_OK(rcr_typeres_session(r, m));
	CHECK(rcr_typeres_catalog(r)->flags == (RCR_TEXTOUT_BYTEA_ESCAPE | RCR_TEXTOUT_XML_DECL));
	c = col("public", "priced", 'c', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	CHECK(strstr(rcr_error_message(), "field 'price' of type 'public.priced': type 'money' is printed only for dumps whose lc_monetary was C or POSIX, this one's was 'de_DE.UTF-8'"));
	rcr_typeres_free(r);
	rcr_manifest_free(m);

	REQUIRE_OK(rcr_manifest_new(&m));
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	REQUIRE_OK(rcr_manifest_set_meta(m, "lc_monetary", "POSIX"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "encoding", "UTF8"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "bytea_output", "hex"));
	REQUIRE_OK(rcr_typeres_session(r, m));
	CHECK(rcr_typeres_catalog(r)->flags == RCR_TEXTOUT_MONEY_C);
	c = col("public", "priced", 'c', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	c = col("public", "_cash", 'b', 'd');
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	CHECK_STR(n, "_money");
	rcr_typeres_free(r);
	rcr_manifest_free(m);

	REQUIRE_OK(rcr_manifest_new(&m));
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	REQUIRE_OK(rcr_manifest_set_meta(m, "bytea_output", "Escape"));
	CHECK_RC(rcr_typeres_session(r, m), RCR_E_FORMAT);
	rcr_typeres_free(r);
	rcr_manifest_free(m);
}

static void test_typeres__refusals(void)
{
	rcr_typeres *r;
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	const char *n;
	rcr_column c = col("public", "priced", 'c', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	CHECK(strstr(rcr_error_message(), "field 'price' of type 'public.priced': type 'money' is printed only"));
	c = col("pg_catalog", "regclass", 'b', 0);
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	CHECK(strstr(rcr_error_message(), "'pg_catalog.regclass'"));
	c = col("pg_catalog", "_aclitem", 'b', 'b');
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	c = col("public", "int4", 'b', 0); /* a user's base type is not the built-in */
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	/* an array of a domain over an array: arrays of arrays have no textout name */
	c = col("public", "_posints", 'b', 'd');
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	/* domains that name each other (only crafted schemas): refused, not a stack overflow */
	c = col("public", "_loop_a", 'b', 'd');
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	CHECK(strstr(rcr_error_message(), "levels deep"));
	c = col("public", "_unknown", 'b', 'd');
	CHECK_RC(rcr_typeres_column(r, &c, &n), RCR_E_USAGE);
	CHECK(strstr(rcr_error_message(), "'public.unknown'"));
	rcr_typeres_free(r);
}

/* record_send of public.vr: ("[1,-0.5]",ok). OIDs are the dumped database's: unknown here. */
static size_t vr_value(uint8_t *b, uint32_t vec_oid, int32_t ncols)
{
	rcr_store_u32be(b, (uint32_t)ncols);
	rcr_store_u32be(b + 4, vec_oid);
	rcr_store_u32be(b + 8, 12);
	rcr_store_u16be(b + 12, 2);
	rcr_store_u16be(b + 14, 0);
	rcr_store_u32be(b + 16, 0x3f800000u); /* 1 */
	rcr_store_u32be(b + 20, 0xbf000000u); /* -0.5 */
	rcr_store_u32be(b + 24, 16999);
	rcr_store_u32be(b + 28, 2);
	memcpy(b + 32, "ok", 2);
	return 34;
}

static void test_typeres__textout_catalog(void)
{
	rcr_typeres *r;
	REQUIRE_OK(rcr_typeres_new(&r, &toc));
	const char *n;
	rcr_column c = col("public", "vr", 'c', 0);
	REQUIRE_OK(rcr_typeres_column(r, &c, &n));
	const rcr_textout_catalog *cat = rcr_typeres_catalog(r);
	uint8_t v[64];
	size_t len = vr_value(v, 17000, 2);
	rcr_buf out = RCR_BUF_INIT;
	CHECK_RC(rcr_textout_value_in(&out, cat, n, -1, v, len), 0);
	CHECK_MEM(out.data, out.len, "(\"[1,-0.5]\",ok)", 15);
	/* without the catalog the same value is refused, as before: vector's OID means nothing */
	out.len = 0;
	CHECK_RC(rcr_textout_value(&out, "record", -1, v, len), RCR_E_USAGE);
	CHECK_RC(rcr_textout_value_in(&out, NULL, n, -1, v, len), RCR_E_USAGE);
	/* one element array of it, with a NULL: {"(\"[1,-0.5]\",ok)",NULL} */
	uint8_t a[128];
	rcr_store_u32be(a, 1);
	rcr_store_u32be(a + 4, 1);
	rcr_store_u32be(a + 8, 507);
	rcr_store_u32be(a + 12, 2);
	rcr_store_u32be(a + 16, 1);
	rcr_store_u32be(a + 20, (uint32_t)len);
	memcpy(a + 24, v, len);
	rcr_store_u32be(a + 24 + len, 0xFFFFFFFFu);
	out.len = 0;
	CHECK_RC(rcr_textout_value_in(&out, cat, "_record:507", -1, a, 28 + len), 0);
	const char *want = "{\"(\\\"[1,-0.5]\\\",ok)\",NULL}";
	CHECK_MEM(out.data, out.len, want, strlen(want));
	/* a value whose column count or built-in column type disagrees with the schema */
	len = vr_value(v, 17000, 3);
	CHECK_RC(rcr_textout_value_in(&out, cat, n, -1, v, len), RCR_E_FORMAT);
	len = vr_value(v, 23 /* int4 */, 2);
	CHECK_RC(rcr_textout_value_in(&out, cat, n, -1, v, len), RCR_E_FORMAT);
	CHECK_RC(rcr_textout_value_in(&out, cat, "record:999", -1, v, len), RCR_E_USAGE);
	rcr_buf_free(&out);
	rcr_typeres_free(r);
}

static const test_case cases[] = {
	TEST(test_typeres__columns),
	TEST(test_typeres__nested_composite),
	TEST(test_typeres__ranges),
	TEST(test_typeres__range_values),
	TEST(test_typeres__session),
	TEST(test_typeres__refusals),
	TEST(test_typeres__textout_catalog),
};

TEST_MAIN(cases)
