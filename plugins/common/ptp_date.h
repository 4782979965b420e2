/* Calendar arithmetic the feed parsers share: fixed-width digits, the
 * proleptic Gregorian calendar's leap years and month lengths, and days
 * since 1970-01-01. No time zones: each parser applies its own offset. */
#ifndef PTP_DATE_H
#define PTP_DATE_H

#include <stdint.h>

/* The value of s[0..n-1] when every byte is an ASCII digit, else -1. */
int ptp_digits(const char *s, int n);

int ptp_is_leap(long y);

/* Days in month m (1-12) of year y. */
int ptp_month_days(long y, int m);

/* Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
int64_t ptp_days_from_civil(long y, int m, int d);

#endif
