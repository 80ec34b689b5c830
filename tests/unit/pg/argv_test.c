/* argv_test.c: tests src/pg/argv.c, the argument vectors of pg_dump and pg_restore. */
#include "../test.h"

#include "rcr/argv.h"

static void test_argv__empty_vector_frees(void)
{
	rcr_argv a = RCR_ARGV_INIT;
	CHECK(a.v == NULL);
	CHECK_RC(rcr_argv_status(&a), 0);
	rcr_argv_free(&a);
	rcr_argv_free(&a);
	CHECK(a.v == NULL && a.n == 0);
}

static void test_argv__order_copies_and_terminator(void)
{
	rcr_argv a = RCR_ARGV_INIT;
	char name[] = "pg_restore";
	CHECK_RC(rcr_argv_add(&a, name), 0);
	name[0] = 'X'; /* the vector holds its own copy */
	CHECK_RC(rcr_argv_addf(&a, "--jobs=%d", 4), 0);
	CHECK_RC(rcr_argv_addf(&a, "--dbname=%s", "host='h' dbname='d b'"), 0);
	CHECK_RC(rcr_argv_add(&a, ""), 0);
	REQUIRE(a.n == 4);
	CHECK_STR(a.v[0], "pg_restore");
	CHECK_STR(a.v[1], "--jobs=4");
	CHECK_STR(a.v[2], "--dbname=host='h' dbname='d b'");
	CHECK_STR(a.v[3], "");
	CHECK(a.v[4] == NULL);
	rcr_argv_free(&a);
}

/* pg_restore's old fixed array kept the first 60 -n and -t options only: every one is kept. */
static void test_argv__add_each_keeps_every_item(void)
{
	enum { N = 1000 };
	static char names[N][16];
	const char *items[N];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "t%d", i);
		items[i] = names[i];
	}
	rcr_argv a = RCR_ARGV_INIT;
	CHECK_RC(rcr_argv_add(&a, "pg_restore"), 0);
	CHECK_RC(rcr_argv_add_each(&a, "--table=", items, N), 0);
	CHECK_RC(rcr_argv_add_each(&a, "--schema=", items, 0), 0);
	CHECK_RC(rcr_argv_add(&a, "dir"), 0);
	REQUIRE(a.n == N + 2);
	char want[32];
	for (int i = 0; i < N; i++) {
		snprintf(want, sizeof want, "--table=t%d", i);
		CHECK_STR(a.v[i + 1], want);
	}
	CHECK_STR(a.v[N + 1], "dir");
	CHECK(a.v[N + 2] == NULL);
	rcr_argv_free(&a);
}

/* After a failure every add is refused, so a caller that checks once at the end never runs a
 * command line with an option missing from its middle. */
static void test_argv__failure_is_sticky(void)
{
	rcr_argv a = RCR_ARGV_INIT;
	CHECK_RC(rcr_argv_add(&a, "pg_dump"), 0);
	a.failed = 1; /* as the failed allocation leaves it */
	CHECK_RC(rcr_argv_add(&a, "--schema-only"), RCR_E_NOMEM);
	CHECK_RC(rcr_argv_addf(&a, "--file=%s", "x"), RCR_E_NOMEM);
	const char *items[] = {"a"};
	CHECK_RC(rcr_argv_add_each(&a, "--table=", items, 1), RCR_E_NOMEM);
	CHECK_RC(rcr_argv_status(&a), RCR_E_NOMEM);
	CHECK(a.n == 1);
	CHECK(a.v[1] == NULL);
	rcr_argv_free(&a);
	CHECK_RC(rcr_argv_status(&a), 0);
}

static const test_case cases[] = {
	TEST(test_argv__empty_vector_frees),
	TEST(test_argv__order_copies_and_terminator),
	TEST(test_argv__add_each_keeps_every_item),
	TEST(test_argv__failure_is_sticky),
};

TEST_MAIN(cases)
