/*
 * float_reference.h: the slow, independent shortest round-trip formatter that rcr used before
 * src/pgarchive/textout_float.c, kept as test-only code to check the fast one against.
 *
 * It shares no arithmetic with Ryu: it asks printf for 1, 2, ... 17 significant digits
 * (correctly rounded by glibc), reads each candidate back with strtod/strtof, and rejects a
 * candidate that lies exactly on the midpoint to a neighbouring value (checked in long double
 * with directed rounding), because PostgreSQL's Ryu never returns an interval bound. It was
 * validated against PostgreSQL 15's float4out/float8out on the server cases in textout_test.c
 * and on 20,000 random rows in tests/integration/convert_test.sh. About a hundred times slower
 * than Ryu; fine for tests, far too slow for convert.
 *
 * Header-only (static functions) so that the unit test and the textout fuzzer can both use it
 * without it entering rcr_core.
 */
#ifndef RCR_FLOAT_REFERENCE_H
#define RCR_FLOAT_REFERENCE_H

#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_FLOAT_BUF 32

/* The shortest digit string that reads back as the same value, the nearest such on a tie:
 * what Ryu computes, found here by asking printf for 1, 2, ... significant digits and reading
 * each back. Where the correctly rounded p-digit string misses (the rounding interval is
 * lopsided at powers of two), a neighbour one unit away may still hit, and Ryu would take it.
 * v is finite and positive. digits gets the significant digits without trailing zeros,
 * *exp10 the decimal exponent of the first digit. */
static inline int read_back_equal(const char *s, double v, int single)
{
	if (single ? strtof(s, NULL) != (float)v : strtod(s, NULL) != v)
		return 0;
	/* PostgreSQL's Ryu does not accept the bounds of the rounding interval (measured on
	 * PostgreSQL 15: float8 1e23 prints as 9.999999999999999e+22, float4 3670000128 as
	 * 3.6700001e+09), so a decimal exactly halfway to a neighbour does not count even when
	 * round-half-even reads it back as v. A midpoint is exact in long double; the decimal
	 * equals it only if it is itself exact there, i.e. rounds the same both ways. */
	int mode = fegetround();
	fesetround(FE_DOWNWARD);
	long double lo = strtold(s, NULL);
	fesetround(FE_UPWARD);
	long double hi = strtold(s, NULL);
	fesetround(mode);
	if (lo != hi || lo == (long double)v)
		return 1;
	long double nb = single ? (long double)nextafterf((float)v, lo > v ? INFINITY : -INFINITY)
			      : (long double)nextafter(v, lo > v ? INFINITY : -INFINITY);
	return lo != ((long double)v + nb) / 2;
}

/* Tries p significant digits: the correctly rounded string, then one unit down and up in the
 * last place. On success fills digits (no trailing zeros) and *exp10 and returns 1. */
static inline int try_digits(double v, int single, int p, char *digits, int *exp10)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.*e", p - 1, v);
	char *e = strchr(buf, 'e');
	if (read_back_equal(buf, v, single)) {
		size_t k = 0;
		for (char *c = buf; c < e; c++)
			if (*c != '.')
				digits[k++] = *c;
		while (k > 1 && digits[k - 1] == '0')
			k--;
		digits[k] = '\0';
		*exp10 = atoi(e + 1);
		return 1;
	}
	long mant = 0;
	for (char *c = buf; c < e; c++)
		if (*c != '.')
			mant = mant * 10 + (*c - '0');
	int scale = atoi(e + 1) - (p - 1);
	for (int dir = -1; dir <= 1; dir += 2) {
		char alt[40];
		long m = mant + dir;
		if (m <= 0)
			continue;
		snprintf(alt, sizeof alt, "%lde%d", m, scale);
		if (read_back_equal(alt, v, single)) {
			int k = snprintf(digits, 24, "%ld", m);
			*exp10 = scale + k - 1;
			while (k > 1 && digits[k - 1] == '0')
				digits[--k] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Whether some p-digit decimal reads back as v is monotonic in p (a p-digit hit, padded with a
 * zero, is a (p+1)-digit hit, and the candidates tried at p+1 include one at least as close on
 * the same side), so searching down from the maximum finds the same shortest string as
 * searching up, in two or three tries for typical embeddings instead of eight or nine. */
static inline void shortest_digits(double v, int single, char *digits, int *exp10)
{
	int max = single ? 9 : 17;
	char best[24];
	int best_exp = 0, p = max;
	if (!try_digits(v, single, max, best, &best_exp)) {
		/* cannot happen: max digits always round-trip; keep the correctly rounded string */
		char buf[40];
		snprintf(buf, sizeof buf, "%.*e", max - 1, v);
		char *e = strchr(buf, 'e');
		size_t k = 0;
		for (char *c = buf; c < e; c++)
			if (*c != '.')
				best[k++] = *c;
		while (k > 1 && best[k - 1] == '0')
			k--;
		best[k] = '\0';
		best_exp = atoi(e + 1);
	}
	for (p = max - 1; p >= 1; p--) {
		char d[24];
		int e10;
		if (!try_digits(v, single, p, d, &e10))
			break;
		memcpy(best, d, sizeof best);
		best_exp = e10;
	}
	memcpy(digits, best, strlen(best) + 1);
	*exp10 = best_exp;
}

/* float_to_shortest_decimal_buf's layout: fixed notation for decimal exponents from -4 up to
 * 14 (float8) or 5 (float4), else d.ddde+XX with at least two exponent digits. */
static inline size_t ref_format_float(char *dst, double v, int single)
{
	if (isnan(v))
		return (size_t)snprintf(dst, REF_FLOAT_BUF, "NaN");
	if (isinf(v))
		return (size_t)snprintf(dst, REF_FLOAT_BUF, v < 0 ? "-Infinity" : "Infinity");
	size_t k = 0;
	if (signbit(v)) {
		dst[k++] = '-';
		v = -v;
	}
	if (v == 0) {
		dst[k++] = '0';
		dst[k] = '\0';
		return k;
	}
	char d[24];
	int e;
	shortest_digits(v, single, d, &e);
	int nd = (int)strlen(d);
	if (e >= -4 && e < (single ? 6 : 15)) {
		if (e < 0) {
			dst[k++] = '0';
			dst[k++] = '.';
			for (int i = -1; i > e; i--)
				dst[k++] = '0';
			memcpy(dst + k, d, (size_t)nd);
			k += (size_t)nd;
		} else if (e >= nd - 1) {
			memcpy(dst + k, d, (size_t)nd);
			k += (size_t)nd;
			for (int i = nd - 1; i < e; i++)
				dst[k++] = '0';
		} else {
			memcpy(dst + k, d, (size_t)e + 1);
			k += (size_t)e + 1;
			dst[k++] = '.';
			memcpy(dst + k, d + e + 1, (size_t)(nd - e - 1));
			k += (size_t)(nd - e - 1);
		}
		dst[k] = '\0';
		return k;
	}
	dst[k++] = d[0];
	if (nd > 1) {
		dst[k++] = '.';
		memcpy(dst + k, d + 1, (size_t)nd - 1);
		k += (size_t)nd - 1;
	}
	k += (size_t)snprintf(dst + k, REF_FLOAT_BUF - k, "e%c%02d", e < 0 ? '-' : '+', abs(e));
	return k;
}

static inline size_t ref_float8(char *dst, double v)
{
	return ref_format_float(dst, v, 0);
}

static inline size_t ref_float4(char *dst, float v)
{
	return ref_format_float(dst, (double)v, 1);
}

#endif
