/* archive_path_test.c: tests src/format/archive_path.c, the rule that keeps manifest paths
 * inside the archive directory. */
#include "../test.h"

#include "rcr/manifest.h"

static void test_archive_path__accepts_plain_relative_paths(void)
{
	static const char *const ok[] = {
		"a", "A", "0", "manifest.rcr", "data/t1/part-0.rcrd", "schema/toc.dat", "3456.dat.zst",
		"a/b/c/d/e", "_-.", "..a", "a..", "...", ".hidden", "a/.b", "a/..b/c",
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int rc = rcr_archive_path_check(ok[i]);
		if (rc != 0)
			fprintf(stderr, "refused '%s'\n", ok[i]);
		CHECK_RC(rc, 0);
	}
}

static void test_archive_path__rejects_escapes_and_odd_names(void)
{
	static const char *const bad[] = {
		"", ".", "..", "/", "//", "/a", "/a/b", "../a", "a/..", "a/../b", "./a", "a/.", "a/./b",
		"a//b", "a/", "a///", "a b", " a", "a\\b", "..\\a", "a:b", "C:x", "a\tb", "a\nb", "a\rb",
		"\x7f", "\xff", "caf\xc3\xa9", "a*", "a?", "$HOME", "~", "a;b", "a|b", "a\"b", "a'b",
		"a%2e", "a+b", "a=b", "a,b", "a@b",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = rcr_archive_path_check(bad[i]);
		if (rc != RCR_E_FORMAT)
			fprintf(stderr, "accepted '%s'\n", bad[i]);
		CHECK_RC(rc, RCR_E_FORMAT);
	}
	/* Every byte outside [A-Za-z0-9._-] is refused, alone and inside a name. */
	for (int c = 1; c < 256; c++) {
		int allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      c == '.' || c == '_' || c == '-' || c == '/';
		char name[8] = {'x', (char)c, 'y', 0};
		CHECK_RC(rcr_archive_path_check(name), allowed ? 0 : RCR_E_FORMAT);
	}
}

static void test_archive_path__length_limit(void)
{
	char *p = malloc(RCR_MAX_NAME + 2);
	REQUIRE(p != NULL);
	memset(p, 'a', RCR_MAX_NAME + 1);
	p[RCR_MAX_NAME] = 0;
	CHECK_RC(rcr_archive_path_check(p), 0);
	p[RCR_MAX_NAME] = 'a';
	p[RCR_MAX_NAME + 1] = 0;
	CHECK_RC(rcr_archive_path_check(p), RCR_E_FORMAT);
	free(p);
}

static const test_case cases[] = {
	TEST(test_archive_path__accepts_plain_relative_paths),
	TEST(test_archive_path__rejects_escapes_and_odd_names),
	TEST(test_archive_path__length_limit),
};

TEST_MAIN(cases)
