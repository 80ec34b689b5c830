/* buf_test.c: tests src/common/buf.c's growable buffer: appends, the literal and printf
 * appends, and the sticky failure (after the first failed allocation every append is a no-op
 * and one check at the end reports it). */
#include "../test.h"

#include "rcr/buf.h"

#include <stdint.h>

/* Under ASan a failed huge allocation must come back as NULL, as it would from libc, instead
 * of ending the test. Ignored in builds without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static void test_buf__appends(void)
{
	rcr_buf b = RCR_BUF_INIT;
	CHECK_RC(RCR_BUF_LIT(&b, "LOCK TABLE "), 0);
	CHECK_EQ_U64(b.len, 11);
	CHECK_RC(rcr_buf_append_cstr(&b, "ONLY t"), 0);
	CHECK_RC(rcr_buf_appendf(&b, " IN %s MODE, %d", "ACCESS SHARE", 42), 0);
	CHECK_STR(rcr_buf_cstr(&b), "LOCK TABLE ONLY t IN ACCESS SHARE MODE, 42");
	CHECK_EQ_U64(b.len, strlen("LOCK TABLE ONLY t IN ACCESS SHARE MODE, 42"));
	rcr_buf_truncate(&b, 10);
	CHECK_STR(rcr_buf_cstr(&b), "LOCK TABLE");
	CHECK_RC(rcr_buf_check(&b), 0);
	CHECK(!rcr_buf_broken(&b));
	rcr_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

/* Text longer than the room the first pass offers takes the second pass. */
static void test_buf__appendf_grows(void)
{
	rcr_buf b = RCR_BUF_INIT;
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	REQUIRE_OK(RCR_BUF_LIT(&b, "<"));
	for (int i = 0; i < 3; i++)
		CHECK_RC(rcr_buf_appendf(&b, "%s%d", big, i), 0);
	CHECK_EQ_U64(b.len, 1 + 3 * (sizeof big - 1 + 1));
	const char *s = rcr_buf_cstr(&b);
	REQUIRE(s != NULL);
	CHECK(s[0] == '<' && s[sizeof big] == '0' && s[b.len - 1] == '2');
	CHECK_EQ_U64(strlen(s), b.len);
	rcr_buf_free(&b);
}

/* After fail_one broke it, b is a no-op: every append returns the first code, nothing
 * changes, and the check at the end reports it with its message. */
static void check_sticky(rcr_buf *b, int code)
{
	size_t len = b->len;
	const uint8_t *data = b->data;
	CHECK(rcr_buf_broken(b));
	CHECK_RC(rcr_buf_append(b, "more", 4), code);
	CHECK_RC(RCR_BUF_LIT(b, "literal"), code);
	CHECK_RC(rcr_buf_append_cstr(b, "text"), code);
	CHECK_RC(rcr_buf_appendf(b, "%d", 7), code);
	CHECK_RC(rcr_buf_append_u8(b, 1), code);
	CHECK_RC(rcr_buf_append_u32le(b, 1), code);
	CHECK_RC(rcr_buf_append_u64le(b, 1), code);
	CHECK_RC(rcr_buf_append_str(b, "s"), code);
	CHECK_RC(rcr_buf_append(b, NULL, 0), code);
	CHECK_RC(rcr_buf_reserve(b, 1), code);
	CHECK(rcr_buf_cstr(b) == NULL);
	CHECK_EQ_U64(b->len, len);
	CHECK(b->data == data);
	/* A caller that reads the bytes as a string without checking reads what came before the
	 * failure, terminated, even after its own NUL append was a no-op. */
	CHECK_STR((const char *)b->data, "abc");
	rcr_error_clear();
	CHECK_RC(rcr_buf_check(b), code);
	CHECK(strstr(rcr_error_message(), "out of memory") != NULL);
}

static void test_buf__overflow_is_sticky(void)
{
	rcr_buf b = RCR_BUF_INIT;
	REQUIRE_OK(RCR_BUF_LIT(&b, "abc"));
	CHECK_RC(rcr_buf_reserve(&b, SIZE_MAX - 8), RCR_E_NOMEM);
	check_sticky(&b, RCR_E_NOMEM);
	/* Reset empties it and clears the failure: a scratch buffer reused per item. */
	rcr_buf_reset(&b);
	CHECK(!rcr_buf_broken(&b));
	CHECK_RC(RCR_BUF_LIT(&b, "again"), 0);
	CHECK_STR(rcr_buf_cstr(&b), "again");
	rcr_buf_free(&b);
}

/* An allocation that fails for real (realloc returns NULL): the same no-op afterwards. */
static void test_buf__allocation_failure_is_sticky(void)
{
	rcr_buf b = RCR_BUF_INIT;
	REQUIRE_OK(RCR_BUF_LIT(&b, "abc"));
	CHECK_RC(rcr_buf_reserve(&b, SIZE_MAX / 2 - 16), RCR_E_NOMEM);
	check_sticky(&b, RCR_E_NOMEM);
	rcr_buf_free(&b);
	CHECK(!rcr_buf_broken(&b));
}

/* A builder appends freely and checks once: the code is the failure's, never a mix. */
static int build(rcr_buf *b, size_t huge)
{
	RCR_BUF_LIT(b, "SELECT ");
	rcr_buf_reserve(b, huge);
	rcr_buf_appendf(b, "%d", 1);
	RCR_BUF_LIT(b, " FROM t");
	return rcr_buf_check(b);
}

static void test_buf__builder_checks_once(void)
{
	rcr_buf b = RCR_BUF_INIT;
	CHECK_RC(build(&b, 0), 0);
	CHECK_STR(rcr_buf_cstr(&b), "SELECT 1 FROM t");
	rcr_buf_reset(&b);
	CHECK_RC(build(&b, SIZE_MAX), RCR_E_NOMEM);
	CHECK_EQ_U64(b.len, 7);
	rcr_buf_free(&b);
}

static const test_case cases[] = {
	TEST(test_buf__appends),
	TEST(test_buf__appendf_grows),
	TEST(test_buf__overflow_is_sticky),
	TEST(test_buf__allocation_failure_is_sticky),
	TEST(test_buf__builder_checks_once),
};

TEST_MAIN(cases)
