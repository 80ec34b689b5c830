/*
 * textout_datetime.c: date, time, timetz, timestamp, timestamptz and interval, binary to text.
 *
 * Output follows PostgreSQL's with DateStyle ISO and IntervalStyle postgres, the settings
 * pg_dump uses (datetime.c EncodeDateOnly, EncodeTimeOnly, EncodeDateTime, EncodeInterval).
 * timestamptz is printed in UTC with "+00": pg_restore's session may use any TimeZone and
 * reads it back as the same instant. The binary forms are microsecond int64 values counted
 * from 2000-01-01 and day counts from the same epoch; the range checks are those of the
 * types' receive functions, so that we never print what the server would not have sent.
 */
#include "textout_internal.h"

#include "rcr/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_MINUTE INT64_C(60000000)
#define USECS_PER_HOUR INT64_C(3600000000)
#define USECS_PER_DAY INT64_C(86400000000)
/* Julian day numbers (datatype/timestamp.h): the date range is [0, DATE_END_JULIAN),
 * timestamps [MIN_TIMESTAMP, END_TIMESTAMP). */
#define POSTGRES_EPOCH_JDATE 2451545
#define DATE_END_JULIAN INT64_C(2147483494)
#define MIN_TIMESTAMP INT64_C(-211813488000000000)
#define END_TIMESTAMP INT64_C(9223371331200000000)
/* timetz zones are seconds west of UTC, below 16 hours (TZDISP_LIMIT). */
#define TZDISP_LIMIT (16 * 3600)

/* Proleptic Gregorian civil date of a day count from 2000-01-01 (astronomical years: 0 is
 * 1 BC). Our own derivation of the era/day-of-era method; 64-bit throughout. */
static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z = days + 730425; /* days from 0000-03-01 to 2000-01-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* "YYYY-MM-DD" with the year as PostgreSQL prints it (at least 4 digits; BC years counted
 * from 1); *bc says whether " BC" is due, which the caller appends at the very end. */
static int put_date(rcr_buf *out, int64_t days, int *bc)
{
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	*bc = y <= 0;
	char tmp[48];
	int k = snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d-%02d", y > 0 ? y : 1 - y, m, d);
	return rcr_buf_append(out, tmp, (size_t)k);
}

/* "SS[.ffffff]" with trailing fractional zeros dropped (AppendSeconds, fillzeros). Both
 * arguments non-negative. */
static int put_seconds(rcr_buf *out, int64_t sec, int64_t usec)
{
	char tmp[48];
	int k = snprintf(tmp, sizeof tmp, "%02" PRId64, sec);
	if (usec) {
		k += snprintf(tmp + k, sizeof tmp - (size_t)k, ".%06" PRId64, usec);
		while (tmp[k - 1] == '0')
			k--;
	}
	return rcr_buf_append(out, tmp, (size_t)k);
}

/* "HH:MM:SS[.ffffff]" for 0 <= t <= one day in microseconds (24:00:00 is a valid time). */
static int put_time_of_day(rcr_buf *out, int64_t t)
{
	char tmp[16];
	int k = snprintf(tmp, sizeof tmp, "%02d:%02d:", (int)(t / USECS_PER_HOUR),
			 (int)(t / USECS_PER_MINUTE % 60));
	RCR_FORWARD(rcr_buf_append(out, tmp, (size_t)k));
	return put_seconds(out, t / USECS_PER_SEC % 60, t % USECS_PER_SEC);
}

/* EncodeTimezone: the zone is seconds west of UTC, printed as an east offset "+HH[:MM[:SS]]". */
static int put_zone(rcr_buf *out, int32_t zone)
{
	int32_t s = zone < 0 ? -zone : zone;
	int h = s / 3600, m = s / 60 % 60, sec = s % 60;
	char tmp[24];
	int k;
	char sign = zone <= 0 ? '+' : '-';
	if (sec)
		k = snprintf(tmp, sizeof tmp, "%c%02d:%02d:%02d", sign, h, m, sec);
	else if (m)
		k = snprintf(tmp, sizeof tmp, "%c%02d:%02d", sign, h, m);
	else
		k = snprintf(tmp, sizeof tmp, "%c%02d", sign, h);
	return rcr_buf_append(out, tmp, (size_t)k);
}

int rcr_tx_date(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n != 4)
		return rcr_error_set(RCR_E_FORMAT, "date value of %zu bytes, expected 4", n);
	int32_t d = (int32_t)rcr_load_u32be(v);
	if (d == INT32_MIN)
		return rcr_tx_puts(out, "-infinity");
	if (d == INT32_MAX)
		return rcr_tx_puts(out, "infinity");
	if (d < -POSTGRES_EPOCH_JDATE || d >= DATE_END_JULIAN - POSTGRES_EPOCH_JDATE)
		return rcr_error_set(RCR_E_FORMAT, "date value %" PRId32 " out of range", d);
	int bc;
	RCR_FORWARD(put_date(out, d, &bc));
	return bc ? rcr_tx_puts(out, " BC") : 0;
}

static int load_time(int64_t *t, const uint8_t *v)
{
	*t = rcr_tx_load_i64be(v);
	if (*t < 0 || *t > USECS_PER_DAY)
		return rcr_error_set(RCR_E_FORMAT, "time value %" PRId64 " out of range", *t);
	return 0;
}

int rcr_tx_time(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n != 8)
		return rcr_error_set(RCR_E_FORMAT, "time value of %zu bytes, expected 8", n);
	int64_t t;
	RCR_FORWARD(load_time(&t, v));
	return put_time_of_day(out, t);
}

int rcr_tx_timetz(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n != 12)
		return rcr_error_set(RCR_E_FORMAT, "timetz value of %zu bytes, expected 12", n);
	int64_t t;
	RCR_FORWARD(load_time(&t, v));
	int32_t zone = (int32_t)rcr_load_u32be(v + 8);
	if (zone <= -TZDISP_LIMIT || zone >= TZDISP_LIMIT)
		return rcr_error_set(RCR_E_FORMAT, "timetz zone %" PRId32 " out of range", zone);
	RCR_FORWARD(put_time_of_day(out, t));
	return put_zone(out, zone);
}

static int put_timestamp(rcr_buf *out, const uint8_t *v, size_t n, const char *what, int tz)
{
	if (n != 8)
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes, expected 8", what, n);
	int64_t t = rcr_tx_load_i64be(v);
	if (t == INT64_MIN)
		return rcr_tx_puts(out, "-infinity");
	if (t == INT64_MAX)
		return rcr_tx_puts(out, "infinity");
	if (t < MIN_TIMESTAMP || t >= END_TIMESTAMP)
		return rcr_error_set(RCR_E_FORMAT, "%s value %" PRId64 " out of range", what, t);
	int64_t days = t / USECS_PER_DAY, rem = t % USECS_PER_DAY;
	if (rem < 0) {
		days--;
		rem += USECS_PER_DAY;
	}
	int bc;
	RCR_FORWARD(put_date(out, days, &bc));
	RCR_FORWARD(rcr_buf_append_u8(out, ' '));
	RCR_FORWARD(put_time_of_day(out, rem));
	if (tz)
		RCR_FORWARD(rcr_tx_puts(out, "+00"));
	return bc ? rcr_tx_puts(out, " BC") : 0;
}

int rcr_tx_timestamp(rcr_buf *out, const uint8_t *v, size_t n)
{
	return put_timestamp(out, v, n, "timestamp", 0);
}

int rcr_tx_timestamptz(rcr_buf *out, const uint8_t *v, size_t n)
{
	return put_timestamp(out, v, n, "timestamptz", 1);
}

/* AddPostgresIntPart: " -3 days", "+1 mon" after a negative part, "1 year". */
static int put_interval_part(rcr_buf *out, int64_t value, const char *unit, int *is_zero, int *is_before)
{
	if (value == 0)
		return 0;
	char tmp[64];
	int k = snprintf(tmp, sizeof tmp, "%s%s%" PRId64 " %s%s", *is_zero ? "" : " ",
			 *is_before && value > 0 ? "+" : "", value, unit, value != 1 ? "s" : "");
	*is_before = value < 0;
	*is_zero = 0;
	return rcr_buf_append(out, tmp, (size_t)k);
}

int rcr_tx_interval(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n != 16)
		return rcr_error_set(RCR_E_FORMAT, "interval value of %zu bytes, expected 16", n);
	int64_t time = rcr_tx_load_i64be(v);
	int32_t day = (int32_t)rcr_load_u32be(v + 8);
	int32_t month = (int32_t)rcr_load_u32be(v + 12);
	/* PostgreSQL 17's infinite intervals: every field at its extreme. */
	if (time == INT64_MIN && day == INT32_MIN && month == INT32_MIN)
		return rcr_tx_puts(out, "-infinity");
	if (time == INT64_MAX && day == INT32_MAX && month == INT32_MAX)
		return rcr_tx_puts(out, "infinity");

	/* interval2itm: every field truncates toward zero, so all time fields share time's sign. */
	int is_zero = 1, is_before = 0;
	RCR_FORWARD(put_interval_part(out, month / 12, "year", &is_zero, &is_before));
	RCR_FORWARD(put_interval_part(out, month % 12, "mon", &is_zero, &is_before));
	RCR_FORWARD(put_interval_part(out, day, "day", &is_zero, &is_before));
	if (!is_zero && time == 0)
		return 0;
	int64_t hour = time / USECS_PER_HOUR;
	int64_t rest = time % USECS_PER_HOUR;
	int64_t min = rest / USECS_PER_MINUTE;
	rest %= USECS_PER_MINUTE;
	int64_t sec = rest / USECS_PER_SEC, usec = rest % USECS_PER_SEC;
	int minus = time < 0;
	char tmp[48];
	/* |INT64_MIN / USECS_PER_HOUR| fits in int64, so negating the parts is safe. */
	int k = snprintf(tmp, sizeof tmp, "%s%s%02" PRId64 ":%02" PRId64 ":", is_zero ? "" : " ",
			 minus ? "-" : (is_before ? "+" : ""), minus ? -hour : hour, minus ? -min : min);
	RCR_FORWARD(rcr_buf_append(out, tmp, (size_t)k));
	return put_seconds(out, minus ? -sec : sec, minus ? -usec : usec);
}
