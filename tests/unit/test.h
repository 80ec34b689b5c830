/*
 * test.h: the unit-test harness, small on purpose.
 *
 * Each tests/unit/<module>/<name>_test.c is one executable. It defines functions named
 * test_<module>__<case>, lists them with TEST() in an array and ends with TEST_MAIN(array).
 * The main runs every case (or only those whose names contain argv[1]), prints one line per
 * failed check with file and line, and exits non-zero if any check failed, which is all ctest
 * needs.
 *
 * CHECK records a failure and carries on, so one run reports every broken property; REQUIRE
 * returns from the test function, for checks that later code depends on (a pointer, a length).
 * CHECK_RC compares an rcr return code and, on mismatch, prints both names and the thread's
 * error message, which is usually the fastest route to the cause. Loops that check thousands of
 * mutations print only the first few failures of each case.
 *
 * Test data builders and the fixed-seed PRNG are in fixtures.h, shared with the fuzz corpus
 * generator.
 */
#ifndef RCR_TEST_H
#define RCR_TEST_H

#include "rcr/err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_case {
	const char *name;
	void (*fn)(void);
} test_case;

#define TEST(fn) {#fn, fn}

extern int test_failures_;      /* failed checks in the current case */
extern const char *test_name_;

#define TEST_MAX_REPORTED 20

static inline void test_fail_(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void test_fail_(const char *file, int line, const char *fmt, ...)
{
	test_failures_++;
	if (test_failures_ > TEST_MAX_REPORTED)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: %s: ", file, line, test_name_);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (test_failures_ == TEST_MAX_REPORTED)
		fprintf(stderr, "%s: further failures not shown\n", test_name_);
}

#define CHECK(cond) \
	do { if (!(cond)) test_fail_(__FILE__, __LINE__, "check failed: %s", #cond); } while (0)

#define REQUIRE(cond) \
	do { if (!(cond)) { test_fail_(__FILE__, __LINE__, "requirement failed: %s", #cond); return; } } while (0)

#define CHECK_EQ_U64(a, b) \
	do { \
		uint64_t test_a_ = (uint64_t)(a), test_b_ = (uint64_t)(b); \
		if (test_a_ != test_b_) \
			test_fail_(__FILE__, __LINE__, "%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, test_a_, test_b_); \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *test_a_ = (a), *test_b_ = (b); \
		if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_) != 0) \
			test_fail_(__FILE__, __LINE__, "%s == %s: '%s' != '%s'", #a, #b, \
				   test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)"); \
	} while (0)

#define CHECK_MEM(a, alen, b, blen) \
	do { \
		size_t test_al_ = (alen), test_bl_ = (blen); \
		if (test_al_ != test_bl_ || (test_al_ && memcmp((a), (b), test_al_) != 0)) \
			test_fail_(__FILE__, __LINE__, "%s[%zu] differs from %s[%zu]", #a, test_al_, #b, test_bl_); \
	} while (0)

/* An rcr call must return exactly `want` (0 or an rcr_err code). */
#define CHECK_RC(expr, want) \
	do { \
		int test_rc_ = (expr), test_want_ = (want); \
		if (test_rc_ != test_want_) \
			test_fail_(__FILE__, __LINE__, "%s returned %d (%s), expected %d (%s); message: %s", #expr, \
				   test_rc_, rcr_err_name(test_rc_), test_want_, rcr_err_name(test_want_), \
				   rcr_error_message()); \
	} while (0)

/* As CHECK_RC, but a failure ends the case: for calls whose results the rest depends on. */
#define REQUIRE_OK(expr) \
	do { \
		int test_rc_ = (expr); \
		if (test_rc_ != 0) { \
			test_fail_(__FILE__, __LINE__, "%s returned %d (%s): %s", #expr, test_rc_, \
				   rcr_err_name(test_rc_), rcr_error_message()); \
			return; \
		} \
	} while (0)

#define TEST_MAIN(cases) \
	int test_failures_; \
	const char *test_name_; \
	int main(int argc, char **argv) \
	{ \
		int failed = 0, ran = 0; \
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) { \
			if (argc > 1 && !strstr(cases[i].name, argv[1])) \
				continue; \
			test_name_ = cases[i].name; \
			test_failures_ = 0; \
			rcr_error_clear(); \
			cases[i].fn(); \
			ran++; \
			if (test_failures_) { \
				failed++; \
				fprintf(stderr, "FAIL %s (%d failed checks)\n", cases[i].name, test_failures_); \
			} else { \
				printf("ok   %s\n", cases[i].name); \
			} \
		} \
		printf("%d of %d cases passed\n", ran - failed, ran); \
		return failed || ran == 0 ? 1 : 0; \
	}

#endif
