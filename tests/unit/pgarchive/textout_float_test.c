/* textout_float_test.c: tests src/pgarchive/textout_float.c (Ryu shortest round-trip floats).
 *
 * Exactness is shown three ways:
 *   - every entry of Ryu's power-of-five tables is recomputed here with exact big integers
 *     from its defining formula;
 *   - the fast formatter is compared byte for byte with the slow independent reference in
 *     float_reference.h (printf/strtod search, the formatter rcr used before, validated against
 *     the server) on random bit patterns, embedding-like values, short decimals, every half
 *     (halfvec) value, and hand-picked edges: zeros, subnormals, the smallest and largest
 *     values, powers of two and ten and their neighbours, and values on both sides of the
 *     fixed/exponent layout switch;
 *   - the server's own text for the same values is compared in textout_test.c (server cases)
 *     and tests/integration/convert_test.sh (random and edge values through a real
 *     PostgreSQL 15).
 * RCR_FLOAT_TEST_N sets the number of rounds of random values (default 150,000; seven values
 * a round, so about a million random values and half a million edge values, some 6 s of CPU,
 * most of it in the slow reference) for longer runs by hand. */
#include "../test.h"
#include "../fixtures.h"

#include "rcr/textout.h"
#include "../../../src/pgarchive/textout_internal.h"
#include "float_reference.h"

#include <float.h>
#include <math.h>

/* ---- tables, recomputed with exact integers ----------------------------------------------- */

#define LIMBS 40 /* 1280 bits: 5^325 and 2^(755 + 122) fit */

typedef struct big {
	uint32_t w[LIMBS]; /* little-endian limbs */
} big;

static void big_set_u128(big *b, uint64_t lo, uint64_t hi)
{
	memset(b, 0, sizeof *b);
	b->w[0] = (uint32_t)lo;
	b->w[1] = (uint32_t)(lo >> 32);
	b->w[2] = (uint32_t)hi;
	b->w[3] = (uint32_t)(hi >> 32);
}

static void big_mul_small(big *b, uint32_t m)
{
	uint64_t carry = 0;
	for (int i = 0; i < LIMBS; i++) {
		uint64_t t = (uint64_t)b->w[i] * m + carry;
		b->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
	CHECK(carry == 0);
}

static void big_mul(big *out, const big *a, const big *b)
{
	uint64_t acc[2 * LIMBS] = {0};
	for (int i = 0; i < LIMBS; i++) {
		uint64_t carry = 0;
		for (int j = 0; j + i < 2 * LIMBS && j < LIMBS; j++) {
			uint64_t t = (uint64_t)a->w[i] * b->w[j] + acc[i + j] + carry;
			acc[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		if (i + LIMBS < 2 * LIMBS)
			acc[i + LIMBS] += carry;
	}
	for (int i = 0; i < LIMBS; i++)
		out->w[i] = (uint32_t)acc[i];
	for (int i = LIMBS; i < 2 * LIMBS; i++)
		CHECK(acc[i] == 0);
}

static int big_cmp(const big *a, const big *b)
{
	for (int i = LIMBS - 1; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

static int big_bits(const big *a)
{
	for (int i = LIMBS - 1; i >= 0; i--)
		if (a->w[i])
			return 32 * i + 32 - __builtin_clz(a->w[i]);
	return 0;
}

static void big_pow2(big *b, int e)
{
	memset(b, 0, sizeof *b);
	b->w[e / 32] = UINT32_C(1) << (e % 32);
}

/* floor(a * 2^s) for s > 0, floor(a / 2^-s) for s < 0 */
static void big_shift(big *out, const big *a, int s)
{
	big r;
	memset(&r, 0, sizeof r);
	for (int bit = 0; bit < 32 * LIMBS; bit++) {
		if (!(a->w[bit / 32] >> (bit % 32) & 1))
			continue;
		int to = bit + s;
		if (to >= 0 && to < 32 * LIMBS)
			r.w[to / 32] |= UINT32_C(1) << (to % 32);
	}
	*out = r;
}

/* inv = floor(2^(bitlen(5^q) - 1 + bits) / 5^q) + 1, i.e. (inv - 1) * 5^q <= 2^J < inv * 5^q */
static int inv_entry_ok(const big *p5, int q, uint64_t lo, uint64_t hi, int bits)
{
	int len = q == 0 ? 1 : big_bits(p5);
	big t, v, a, b;
	big_pow2(&t, len - 1 + bits);
	big_set_u128(&v, lo, hi);
	big_mul(&b, &v, p5);
	if (lo == 0)
		big_set_u128(&v, UINT64_MAX, hi - 1);
	else
		big_set_u128(&v, lo - 1, hi);
	big_mul(&a, &v, p5);
	return big_cmp(&a, &t) <= 0 && big_cmp(&t, &b) < 0;
}

/* fwd = 5^i scaled by a power of two to exactly `bits` significant bits, truncated */
static int fwd_entry_ok(const big *p5, uint64_t lo, uint64_t hi, int bits)
{
	big want, got;
	big_shift(&want, p5, bits - big_bits(p5));
	big_set_u128(&got, lo, hi);
	return big_cmp(&want, &got) == 0 && big_bits(&got) == bits;
}

static void test_textout_float__tables(void)
{
	big p5;
	big_set_u128(&p5, 1, 0);
	for (int q = 0; q < 326; q++) {
		/* the formatter computes bit lengths of powers of five by formula: check it too */
		int formula = (int)(((uint32_t)q * 1217359u) >> 19) + 1;
		if (q > 0 && formula != big_bits(&p5))
			test_fail_(__FILE__, __LINE__, "pow5_bits(%d) = %d, 5^%d has %d bits", q, formula, q, big_bits(&p5));
		if (q < 292 && !inv_entry_ok(&p5, q, rcr_tx_d_pow5_inv[q][0], rcr_tx_d_pow5_inv[q][1], 122))
			test_fail_(__FILE__, __LINE__, "d_pow5_inv[%d] is wrong", q);
		if (!fwd_entry_ok(&p5, rcr_tx_d_pow5[q][0], rcr_tx_d_pow5[q][1], 121))
			test_fail_(__FILE__, __LINE__, "d_pow5[%d] is wrong", q);
		if (q < 31 && !inv_entry_ok(&p5, q, rcr_tx_f_pow5_inv[q], 0, 59))
			test_fail_(__FILE__, __LINE__, "f_pow5_inv[%d] is wrong", q);
		if (q < 48 && !fwd_entry_ok(&p5, rcr_tx_f_pow5[q], 0, 61))
			test_fail_(__FILE__, __LINE__, "f_pow5[%d] is wrong", q);
		big_mul_small(&p5, 5);
	}
}

/* ---- fast formatter against the reference ------------------------------------------------ */

static long compared;

static void same_f8(double v)
{
	char got[RCR_TEXTOUT_FLOAT_BUF], want[REF_FLOAT_BUF];
	size_t n = rcr_textout_float8(got, v);
	ref_float8(want, v);
	compared++;
	if (n != strlen(got) || n > RCR_TEXTOUT_FLOAT8_MAX || strcmp(got, want) != 0) {
		uint64_t u;
		memcpy(&u, &v, 8);
		test_fail_(__FILE__, __LINE__, "float8 %016" PRIx64 " (%a): got '%s' (%zu), want '%s'", u, v, got, n, want);
	}
}

static void same_f4(float v)
{
	char got[RCR_TEXTOUT_FLOAT_BUF], want[REF_FLOAT_BUF];
	size_t n = rcr_textout_float4(got, v);
	ref_float4(want, v);
	compared++;
	if (n != strlen(got) || n > RCR_TEXTOUT_FLOAT4_MAX || strcmp(got, want) != 0) {
		uint32_t u;
		memcpy(&u, &v, 4);
		test_fail_(__FILE__, __LINE__, "float4 %08" PRIx32 " (%a): got '%s' (%zu), want '%s'", u, (double)v, got, n,
			   want);
	}
}

static double f8_bits(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static float f4_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static long random_count(void)
{
	const char *s = getenv("RCR_FLOAT_TEST_N");
	long n = s ? atol(s) : 0;
	return n > 0 ? n : 150000;
}

/* A value and its neighbours, both signs. */
static void around_f8(double v)
{
	double lo = v, hi = v;
	for (int i = 0; i < 4; i++) {
		same_f8(lo);
		same_f8(-lo);
		same_f8(hi);
		same_f8(-hi);
		lo = nextafter(lo, 0);
		hi = nextafter(hi, INFINITY);
	}
}

static void around_f4(float v)
{
	float lo = v, hi = v;
	for (int i = 0; i < 4; i++) {
		same_f4(lo);
		same_f4(-lo);
		same_f4(hi);
		same_f4(-hi);
		lo = nextafterf(lo, 0);
		hi = nextafterf(hi, INFINITY);
	}
}

static void test_textout_float__edges(void)
{
	/* specials: the reference and the server print these the same way */
	same_f8(0.0);
	same_f8(-0.0);
	same_f8(INFINITY);
	same_f8(-INFINITY);
	same_f8(NAN);
	same_f8(-NAN);
	same_f4(0.0f);
	same_f4(-0.0f);
	same_f4(INFINITY);
	same_f4(-INFINITY);
	same_f4(NAN);
	/* smallest subnormals, largest subnormals, smallest normals, largest finite */
	for (uint64_t u = 1; u < 300; u++) {
		same_f8(f8_bits(u));
		same_f8(f8_bits(0x000fffffffffffffu - u));
		same_f8(f8_bits(0x0010000000000000u + u - 1));
		same_f8(f8_bits(0x7fefffffffffffffu - u + 1));
		same_f4(f4_bits((uint32_t)u));
		same_f4(f4_bits(0x007fffffu - (uint32_t)u));
		same_f4(f4_bits(0x00800000u + (uint32_t)u - 1));
		same_f4(f4_bits(0x7f7fffffu - (uint32_t)u + 1));
	}
	/* every power of two, with neighbours (the interval is lopsided there) */
	for (int e = -1074; e <= 1023; e++)
		around_f8(ldexp(1.0, e));
	for (int e = -149; e <= 127; e++)
		around_f4(ldexpf(1.0f, e));
	/* every power of ten and 2, 5 and 9.99.. times it, with neighbours: they cover the
	 * layout switch at 1e-4 / 1e-5, 1e15 (float8) and 1e6 (float4), and integers */
	for (int e = -323; e <= 308; e++) {
		char s[32];
		static const char *const m[] = {"1", "2", "5", "9.999999999999999", "9.5", "1.5"};
		for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
			snprintf(s, sizeof s, "%se%d", m[i], e);
			around_f8(strtod(s, NULL));
			if (e >= -45 && e <= 38)
				around_f4(strtof(s, NULL));
		}
	}
	/* known hard cases: interval-bound decimals PostgreSQL's Ryu refuses, and classics */
	static const double f8[] = {1e23, 9.999999999999999e+22, 5.7052294118252256e+16, 0.1, 0.2, 0.3,
				    1.0 / 3, 2.0 / 3, 4.35, 9007199254740993.0, 9007199254740992.0,
				    123456789012345678.0, 1e21, 1e22, 2.2250738585072011e-308,
				    2.2250738585072014e-308, 4.9406564584124654e-324, DBL_MAX, DBL_MIN,
				    DBL_EPSILON, 299792458.0, 1.7976931348623157e308, 2.98023223876953125e-8};
	for (size_t i = 0; i < sizeof f8 / sizeof f8[0]; i++)
		around_f8(f8[i]);
	static const float f4[] = {3670000128.0f, 8.999999e+09f, 6.4999997e+09f, 1e-07f, 0.1f, 16777216.0f,
				   16777217.0f, 33554432.0f, 1.17549435e-38f, 1.4e-45f, FLT_MAX, FLT_MIN,
				   FLT_EPSILON, 999999.94f, 100000.0f, 999999.0f, 0.0001f, 0.00001f,
				   7.038531e-26f, 2.8823261e17f, 1.0e10f, 3.4e38f};
	for (size_t i = 0; i < sizeof f4 / sizeof f4[0]; i++)
		around_f4(f4[i]);
	/* every integer up to 2^17 and around 2^24 / 2^53 (the small-integer shortcut's edges) */
	for (uint32_t i = 1; i < (1u << 17); i++) {
		same_f8((double)i);
		same_f4((float)i);
	}
	for (int64_t i = -1000; i <= 1000; i++) {
		same_f4((float)((1 << 24) + i));
		same_f8((double)((INT64_C(1) << 53) + i));
		same_f8((double)((INT64_C(1) << 52) + i) + 0.5);
	}
}

/* Every halfvec element: halfvec_out prints each half widened to float4. */
static void test_textout_float__every_half(void)
{
	for (uint32_t h = 0; h < 0x10000; h++) {
		int e = (h >> 10) & 31, m = h & 1023;
		if (e == 31)
			continue;
		float f = e == 0 ? ldexpf((float)m, -24) : ldexpf((float)(m | 1024), e - 25);
		same_f4(h & 0x8000 ? -f : f);
	}
}

static void test_textout_float__random(void)
{
	test_rng r = {20261127};
	long n = random_count();
	for (long i = 0; i < n; i++) {
		uint64_t x = test_rng_next(&r);
		/* any bit pattern: exponents uniform */
		same_f8(f8_bits(x));
		same_f4(f4_bits((uint32_t)(x >> 32)));
		/* embedding-like: uniform in (-1, 1) and a product of two, so near zero too */
		double u = (double)(x >> 11) / 9007199254740992.0 * 2 - 1;
		same_f4((float)u);
		same_f4((float)(u * u * u));
		same_f8(u);
		/* short decimals parsed back: the closest a value comes to a tie or an interval
		 * bound (digits d.ddd with 1 to 17 digits, and 1 to 9 for floats) */
		uint64_t y = test_rng_next(&r);
		int nd8 = 1 + (int)(y % 17), nd4 = 1 + (int)((y >> 8) % 9);
		int e8 = (int)(x % 640) - 325, e4 = (int)(x % 86) - 46;
		char digits[24], s[48];
		int k = snprintf(digits, sizeof digits, "%" PRIu64, (y >> 16) % 100000000000000000u);
		digits[nd8 < k ? nd8 : k] = '\0';
		snprintf(s, sizeof s, "%se%d", digits, e8);
		same_f8(strtod(s, NULL));
		digits[nd4 < k ? nd4 : k] = '\0';
		snprintf(s, sizeof s, "%se%d", digits, e4);
		same_f4(strtof(s, NULL));
	}
	printf("     %ld values compared\n", compared);
}

static const test_case tests[] = {
	TEST(test_textout_float__tables),
	TEST(test_textout_float__edges),
	TEST(test_textout_float__every_half),
	TEST(test_textout_float__random),
};

TEST_MAIN(tests)
