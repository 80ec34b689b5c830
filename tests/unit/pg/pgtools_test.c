/* pgtools_test.c: tests rcr_pattern_to_regex (src/pg/pgtools.c), which turns pg_dump's -n/-t
 * patterns into the anchored regexes the catalog query matches names with. No server: the
 * function is pure. */
#include "../test.h"

#include "rcr/pg.h"

#include <stdlib.h>

typedef struct pattern_case {
	const char *pattern;
	int schema_only;
	const char *schema_re;  /* NULL: none */
	const char *name_re;    /* NULL: none */
} pattern_case;

static void check_pattern(const pattern_case *c)
{
	char *sre = (char *)"unset", *nre = (char *)"unset";
	int rc = rcr_pattern_to_regex(&sre, &nre, c->pattern, c->schema_only);
	if (rc != 0) {
		test_fail_(__FILE__, __LINE__, "'%s': %s", c->pattern, rcr_error_message());
		return;
	}
	if (c->schema_re)
		CHECK_STR(sre, c->schema_re);
	else
		CHECK(sre == NULL);
	if (c->name_re)
		CHECK_STR(nre, c->name_re);
	else
		CHECK(nre == NULL);
	free(sre);
	free(nre);
}

/* psql's \d rules, as pg_dump applies them: case folded outside double quotes, '*' and '?'
 * wildcards, an unquoted dot separates the schema. */
static void test_pgtools__patterns_as_pg_dump(void)
{
	static const pattern_case cases[] = {
		{"t", 0, NULL, "^(t)$"},
		{"Orders", 0, NULL, "^(orders)$"},
		{"public.t", 0, "^(public)$", "^(t)$"},
		{"PUBLIC.T", 0, "^(public)$", "^(t)$"},
		{"app*.t?", 0, "^(app.*)$", "^(t.)$"},
		{"*.*", 0, "^(.*)$", "^(.*)$"},
		{"", 0, NULL, "^()$"},
		/* quotes keep case, dots and wildcards literal; "" inside quotes is one quote */
		{"\"Orders\"", 0, NULL, "^(Orders)$"},
		{"\"My Schema\".\"T\"", 0, "^(My Schema)$", "^(T)$"},
		{"\"a.b\"", 0, NULL, "^(a\\.b)$"},
		{"\"a*?\"", 0, NULL, "^(a\\*\\?)$"},
		{"\"we\"\"ird\"", 0, NULL, "^(we\"ird)$"},
		{"\"x|y(z)[0]{1}^\\\"", 0, NULL, "^(x\\|y\\(z\\)\\[0\\]\\{1\\}\\^\\\\)$"},
		{"ab\"CD\"ef", 0, NULL, "^(abCDef)$"},
		/* unquoted regex syntax stays regex, as psql documents; '$' is always literal */
		{"t[0-9]+", 0, NULL, "^(t[0-9]+)$"},
		{"cost$", 0, NULL, "^(cost\\$)$"},
		{"\"cost$\"", 0, NULL, "^(cost\\$)$"},
		/* -n: the whole pattern is a schema name */
		{"S*", 1, "^(s.*)$", NULL},
		{"\"S.x\"", 1, "^(S\\.x)$", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_pattern(&cases[i]);
}

/* database.schema.table (and database.schema for -n) is refused as pg_dump refuses it, and
 * more dots than that are malformed; nothing is returned for the caller to free. */
static void test_pgtools__too_many_dots_refused(void)
{
	static const struct {
		const char *pattern;
		int schema_only;
		const char *message;
	} cases[] = {
		{"db.s.t", 0, "cross-database references are not implemented: db.s.t"},
		{"db.s", 1, "cross-database references are not implemented: db.s"},
		{"a.b.c.d", 0, "improper qualified name (too many dotted names): a.b.c.d"},
		{"a.b.c", 1, "improper qualified name (too many dotted names): a.b.c"},
		{"a.b.c.d.e", 0, "improper qualified name (too many dotted names): a.b.c.d.e"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *sre = (char *)"unset", *nre = (char *)"unset";
		CHECK_RC(rcr_pattern_to_regex(&sre, &nre, cases[i].pattern, cases[i].schema_only), RCR_E_USAGE);
		CHECK_STR(rcr_error_message(), cases[i].message);
		CHECK(sre == NULL && nre == NULL);
	}
}

/* Every character may double (quotes escape it): the output buffer is sized for the worst case.
 * ASan catches an overrun here. */
static void test_pgtools__worst_case_length(void)
{
	char pattern[1 + 2000 + 1 + 1];
	pattern[0] = '"';
	memset(pattern + 1, '.', 2000);
	pattern[2001] = '"';
	pattern[2002] = 0;
	char *sre = NULL, *nre = NULL;
	REQUIRE_OK(rcr_pattern_to_regex(&sre, &nre, pattern, 0));
	CHECK(sre == NULL);
	REQUIRE(nre != NULL);
	CHECK_EQ_U64(strlen(nre), 2 + 2 * 2000 + 2);
	free(nre);
}

static const test_case cases[] = {
	TEST(test_pgtools__patterns_as_pg_dump),
	TEST(test_pgtools__too_many_dots_refused),
	TEST(test_pgtools__worst_case_length),
};

TEST_MAIN(cases)
