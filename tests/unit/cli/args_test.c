/* args_test.c: tests src/cli/args.c, the parsers of option values (--row-group-size and
 * --piece-size take sizes). */
#include "../test.h"

#include "args.h"

#define KB ((uint64_t)1024)
#define MB (KB * 1024)
#define GB (MB * 1024)

static void test_args__sizes_with_units(void)
{
	static const struct {
		const char *s;
		uint64_t want;
	} cases[] = {
		{"1", 1},
		{"4096", 4096},
		{"007", 7},
		{"1k", KB},
		{"1K", KB},
		{"64kB", 64 * KB},
		{"4M", 4 * MB},
		{"4MB", 4 * MB},
		{"1G", GB},
		{"2GB", 2 * GB},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t got = 0;
		CHECK_RC(rcr_cli_parse_size(&got, cases[i].s, (uint64_t)1 << 50), 0);
		CHECK_EQ_U64(got, cases[i].want);
	}
}

/* What PostgreSQL's units would also refuse, and what strtoull alone would let through. */
static void test_args__malformed_sizes_refused(void)
{
	static const char *const bad[] = {
		"", "0", "0MB", "-1", "+1", " 1", "1 ", "1.5MB", "MB", "1mb", "1kb", "1m", "1g", "1KB",
		"1T", "1TB", "1B", "1MBx", "0x10", "1e3", "18446744073709551616", "99999999999999999999",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t got = 12345;
		int rc = rcr_cli_parse_size(&got, bad[i], (uint64_t)1 << 50);
		if (rc != RCR_E_USAGE)
			test_fail_(__FILE__, __LINE__, "'%s' gave %d, expected RCR_E_USAGE", bad[i], rc);
		/* a refused value leaves the default in place */
		CHECK_EQ_U64(got, 12345);
	}
}

/* The limit is in bytes, after the unit: 1 GiB is accepted at max 2^30, one byte more is not,
 * and a product that would overflow 64 bits is refused rather than wrapped. */
static void test_args__limit_applies_after_the_unit(void)
{
	uint64_t got = 0;
	CHECK_RC(rcr_cli_parse_size(&got, "1GB", GB), 0);
	CHECK_EQ_U64(got, GB);
	CHECK_RC(rcr_cli_parse_size(&got, "1073741824", GB), 0);
	CHECK_RC(rcr_cli_parse_size(&got, "1073741825", GB), RCR_E_USAGE);
	CHECK_RC(rcr_cli_parse_size(&got, "1025MB", GB), RCR_E_USAGE);
	CHECK_RC(rcr_cli_parse_size(&got, "1048577kB", GB), RCR_E_USAGE);
	CHECK_RC(rcr_cli_parse_size(&got, "17179869184G", UINT64_MAX), RCR_E_USAGE);
	CHECK_RC(rcr_cli_parse_size(&got, "17179869183G", UINT64_MAX), 0);
	CHECK_EQ_U64(got, (uint64_t)17179869183 * GB);
}

static const test_case cases[] = {
	TEST(test_args__sizes_with_units),
	TEST(test_args__malformed_sizes_refused),
	TEST(test_args__limit_applies_after_the_unit),
};

TEST_MAIN(cases)
