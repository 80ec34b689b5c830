/* vindex_test.c: tests src/pgarchive/vindex.c, the pgvector indexes found in a toc.dat and the
 * memory their builds need. */
#include "../test.h"

#include "rcr/vindex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dep_t1[] = {"10"}, *dep_t2[] = {"11"}, *dep_none[] = {"99"};

#define ENT(id_, desc_, ns_, tag_, defn_, deps_) \
	{.dump_id = (id_), .desc = (char *)(desc_), .namespace_ = (char *)(ns_), .tag = (char *)(tag_), \
	 .defn = (char *)(defn_), .ndeps = 1, .deps = (deps_)}

static rcr_toc_entry entries[] = {
	{.dump_id = 10, .desc = (char *)"TABLE", .namespace_ = (char *)"public", .tag = (char *)"records"},
	{.dump_id = 11, .desc = (char *)"TABLE", .namespace_ = (char *)"Big Schema", .tag = (char *)"Feed \"E\""},
	ENT(20, "INDEX", "public", "records_hnsw",
	    "CREATE INDEX records_hnsw ON public.records USING hnsw (embedding public.vector_l2_ops) WITH (m='8', ef_construction='32');\n",
	    dep_t1),
	ENT(21, "INDEX", "Big Schema", "Feed ivf",
	    "CREATE INDEX \"Feed ivf\" ON \"Big Schema\".\"Feed \"\"E\"\"\" USING ivfflat (\"Emb \"\"x\"\"\" public.vector_cosine_ops) WITH (lists='10');\n",
	    dep_t2),
	ENT(22, "INDEX", "public", "records_default",
	    "CREATE INDEX records_default ON public.records USING hnsw (embedding public.vector_ip_ops);\n", dep_t1),
	/* Not read: an expression, two columns, a btree, no TABLE among the deps, not an INDEX. */
	ENT(23, "INDEX", "public", "expr",
	    "CREATE INDEX expr ON public.records USING hnsw (((embedding)::public.halfvec(3)) public.halfvec_l2_ops);\n", dep_t1),
	ENT(24, "INDEX", "public", "two", "CREATE INDEX two ON public.records USING ivfflat (a, b);\n", dep_t1),
	ENT(25, "INDEX", "public", "btree", "CREATE INDEX btree ON public.records USING btree (embedding);\n", dep_t1),
	ENT(26, "INDEX", "public", "orphan", "CREATE INDEX orphan ON public.x USING hnsw (e public.vector_l2_ops);\n", dep_none),
	ENT(27, "CONSTRAINT", "public", "c", "ALTER TABLE ... USING hnsw (e);\n", dep_t1),
};
static const rcr_toc toc = {.vmaj = 1, .vmin = 16, .nentries = (int)(sizeof entries / sizeof entries[0]),
			    .entries = entries};

static void test_vindex__find(void)
{
	rcr_vindex_list l;
	REQUIRE_OK(rcr_vindex_find(&l, &toc));
	REQUIRE(l.n == 3);
	CHECK_EQ_U64((uint64_t)l.items[0].dump_id, 20);
	CHECK_STR(l.items[0].schema, "public");
	CHECK_STR(l.items[0].table, "records");
	CHECK_STR(l.items[0].name, "records_hnsw");
	CHECK_STR(l.items[0].column, "embedding");
	CHECK(l.items[0].method == RCR_VINDEX_HNSW);
	CHECK_EQ_U64((uint64_t)l.items[0].m, 8);
	CHECK_STR(l.items[1].schema, "Big Schema");
	CHECK_STR(l.items[1].table, "Feed \"E\"");
	CHECK_STR(l.items[1].column, "Emb \"x\"");
	CHECK(l.items[1].method == RCR_VINDEX_IVFFLAT);
	CHECK_EQ_U64((uint64_t)l.items[1].lists, 10);
	CHECK_EQ_U64((uint64_t)l.items[2].m, 16);  /* pgvector's default */
	rcr_vindex_list_free(&l);
	REQUIRE_OK(rcr_vindex_find(&l, NULL));
	CHECK_EQ_U64((uint64_t)l.n, 0);
}

/* The estimate against what pgvector 0.8.6 reported on PostgreSQL 17: "hnsw graph no longer
 * fits into maintenance_work_mem after 17402 tuples" for vector(768), m = 16, 64MB, and after
 * 1461-1464 tuples for vector(64), m = 8, 1MB. The estimate must cover those rows (no build
 * rcr sizes may spill) without asking for much more (within 15%). */
static void test_vindex__build_bytes(void)
{
	rcr_vindex v = {.method = RCR_VINDEX_HNSW, .m = 16};
	uint64_t b = rcr_vindex_build_bytes(&v, 17402, 8 + 768 * 4);
	CHECK(b >= (uint64_t)64 << 20);
	CHECK(b <= ((uint64_t)64 << 20) * 115 / 100);
	v.m = 8;
	b = rcr_vindex_build_bytes(&v, 1464, 8 + 64 * 4);
	CHECK(b >= (uint64_t)1 << 20);
	CHECK(b <= ((uint64_t)1 << 20) * 3);  /* the 1MB margin dominates so small a build */
	/* Grows with rows and with the value size; ivfflat needs less than hnsw. */
	CHECK(rcr_vindex_build_bytes(&v, 2000, 1000) > rcr_vindex_build_bytes(&v, 1000, 1000));
	CHECK(rcr_vindex_build_bytes(&v, 1000, 2000) > rcr_vindex_build_bytes(&v, 1000, 1000));
	rcr_vindex iv = {.method = RCR_VINDEX_IVFFLAT, .lists = 100};
	CHECK(rcr_vindex_build_bytes(&iv, 100000, 3080) < rcr_vindex_build_bytes(&v, 100000, 3080));
}

/* Quoting as a connection would for the test: every identifier double-quoted. */
static char *quote_all(const char *ident, void *ctx)
{
	(void)ctx;
	size_t n = strlen(ident);
	char *q = malloc(2 * n + 3), *d = q;
	if (!q)
		return NULL;
	*d++ = '"';
	for (const char *s = ident; *s; s++) {
		if (*s == '"')
			*d++ = '"';
		*d++ = *s;
	}
	*d++ = '"';
	*d = 0;
	return q;
}

/* The simple form is recognised exactly and rebuilt from its parts, quoted; anything else in
 * the text (an expression, a WHERE, an unknown option) is not simple. */
static void test_vindex__concurrent_sql(void)
{
	rcr_vindex_list l;
	REQUIRE_OK(rcr_vindex_find(&l, &toc));
	REQUIRE(l.n == 3);
	rcr_buf b = RCR_BUF_INIT;
	CHECK(l.items[0].simple);
	REQUIRE_OK(rcr_vindex_concurrent_sql(&b, &l.items[0], quote_all, NULL));
	CHECK_STR(rcr_buf_cstr(&b), "CREATE INDEX CONCURRENTLY \"records_hnsw\" ON \"public\".\"records\" USING hnsw"
				    " (\"embedding\" \"public\".\"vector_l2_ops\") WITH (m = 8, ef_construction = 32)");
	rcr_buf_reset(&b);
	CHECK(l.items[1].simple);
	REQUIRE_OK(rcr_vindex_concurrent_sql(&b, &l.items[1], quote_all, NULL));
	CHECK_STR(rcr_buf_cstr(&b), "CREATE INDEX CONCURRENTLY \"Feed ivf\" ON \"Big Schema\".\"Feed \"\"E\"\"\" USING ivfflat"
				    " (\"Emb \"\"x\"\"\" \"public\".\"vector_cosine_ops\") WITH (lists = 10)");
	rcr_buf_reset(&b);
	CHECK(l.items[2].simple);
	REQUIRE_OK(rcr_vindex_concurrent_sql(&b, &l.items[2], quote_all, NULL));
	CHECK_STR(rcr_buf_cstr(&b), "CREATE INDEX CONCURRENTLY \"records_default\" ON \"public\".\"records\" USING hnsw"
				    " (\"embedding\" \"public\".\"vector_ip_ops\")");
	rcr_vindex_list_free(&l);

	static const char *const not_simple[] = {
		"CREATE INDEX i ON public.records USING hnsw (embedding public.vector_l2_ops) WHERE (id > 0);\n",
		"CREATE INDEX i ON public.records USING hnsw (embedding public.vector_l2_ops) WITH (m='8', foo='1');\n",
		"CREATE INDEX i ON public.records USING hnsw (embedding public.vector_l2_ops) WITH (m='8', m='9');\n",
		"CREATE INDEX i ON public.records USING hnsw (embedding public.vector_l2_ops) WITH (m='x');\n",
		"CREATE INDEX i ON public.other USING hnsw (embedding public.vector_l2_ops);\n",
		"CREATE INDEX i ON public.records USING hnsw (embedding public.vector_l2_ops); DROP TABLE x;\n",
		"CREATE INDEX i ON public.records USING hnsw (embedding public.vector_l2_ops) TABLESPACE t;\n",
	};
	for (size_t k = 0; k < sizeof not_simple / sizeof not_simple[0]; k++) {
		rcr_toc_entry one[2] = {entries[0], ENT(30, "INDEX", "public", "i", not_simple[k], dep_t1)};
		rcr_toc t1 = {.vmaj = 1, .vmin = 16, .nentries = 2, .entries = one};
		REQUIRE_OK(rcr_vindex_find(&l, &t1));
		if (l.n == 1 && l.items[0].simple)
			fprintf(stderr, "simple: %s", not_simple[k]);
		CHECK(l.n == 0 || !l.items[0].simple);
		if (l.n == 1)
			CHECK(rcr_vindex_concurrent_sql(&b, &l.items[0], quote_all, NULL) == RCR_E_INTERNAL);
		rcr_vindex_list_free(&l);
	}
	rcr_buf_free(&b);
}

static const test_case cases[] = {
	TEST(test_vindex__concurrent_sql),
	TEST(test_vindex__find),
	TEST(test_vindex__build_bytes),
};

TEST_MAIN(cases)
