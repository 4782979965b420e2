/* The air-quality method: IAQI on the HJ 633-2012 breakpoint table, the
 * hourly (real-time) and daily AQI with their primary pollutants, the AQI
 * categories, and the GB/T 8170 rounding and HJ 663-2013 percentile used for
 * published figures. Pure computation: no I/O, no allocation, no state beyond
 * const tables. Reading feeds, validity counts and moving means belong to the
 * plugin, not here. */
#ifndef PT_AQI_H
#define PT_AQI_H

#include <stddef.h>

enum aq_pollutant { AQ_PM2_5, AQ_PM10, AQ_SO2, AQ_NO2, AQ_CO, AQ_O3, AQ_O3_8H, AQ_NPOLL };

/* Their codes as used in series names and primary-pollutant text: "pm2_5",
 * "pm10", "so2", "no2", "co", "o3", "o3_8h". */
extern const char *const aq_codes[AQ_NPOLL];

enum aq_basis { AQ_1H, AQ_24H, AQ_8H }; /* which breakpoint column */

/* Room for the longest primary-pollutant text, "pm2_5+pm10+so2+no2+co+o3+o3_8h",
 * and its NUL: a buffer this size is never truncated. */
#define AQ_PRIMARY_MAX 32

/* IAQI of concentration c (µg/m³; CO in mg/m³) on the breakpoint column of
 * (p, b), rounded up to an integer. Exact: c is scaled to integer thousandths
 * (llround(c * 1000)) and the interpolation done in integer arithmetic, so CO
 * 1.1 mg/m³ on its 1h column gives 11, not 12. Returns -1 when the column does
 * not exist (PM2.5 and PM10 have no 1h column, only O3 has an 8h one), when c
 * is negative or NaN, when c is above the column's top (IAQI > 500), and for
 * SO2 1h > 800 and O3 8h > 800, which the standard does not compute. */
int aq_iaqi(enum aq_pollutant p, enum aq_basis b, double c);

/* The hourly (real-time) AQI of one station-hour. in[p] is the 1-hour
 * concentration (NaN = missing) for PM2.5, PM10, SO2, NO2, CO and O3;
 * in[AQ_O3_8H] is ignored: the O3 8h moving mean does not enter the hourly
 * AQI. so2_24h is the SO2 24-hour moving mean, used only when SO2 1h > 800
 * (NaN = missing). PM2.5 and PM10 use their 1h value on the 24h breakpoints;
 * SO2, NO2, CO and O3 their 1h breakpoints.
 * Fills iaqi[p] (-1 = not computed; iaqi[AQ_O3_8H] is always -1) and returns
 * the AQI, the largest IAQI, or -1 when none could be computed. Writes the
 * primary-pollutant text into primary (cap bytes, always NUL-terminated when
 * cap > 0; AQ_PRIMARY_MAX is enough): the codes of every pollutant whose IAQI
 * equals the AQI, joined by "+" in enum order, or "" when the AQI is <= 50 or
 * -1. primary may be NULL when cap is 0. */
int aq_hourly(const double in[AQ_NPOLL], double so2_24h, int iaqi[AQ_NPOLL], char *primary,
              size_t cap);

/* The daily AQI. in[] holds the day's values: the 24h means of PM2.5, PM10,
 * SO2, NO2 and CO (24h breakpoints), in[AQ_O3] the day's largest O3 1h value
 * (1h breakpoints) and in[AQ_O3_8H] its largest O3 8h moving mean (8h
 * breakpoints; above 800 its IAQI is not computed and the O3 1h IAQI, which
 * enters anyway, stands for O3). NaN = missing. Same outputs as aq_hourly. */
int aq_daily(const double in[AQ_NPOLL], int iaqi[AQ_NPOLL], char *primary, size_t cap);

/* Category 1-6 of an AQI (优, 良, 轻度污染, 中度污染, 重度污染, 严重污染);
 * 0 when aqi < 0. A good day (优良天) is category 1 or 2: AQI <= 100. */
int aq_category(int aqi);

/* The Chinese name of a category 1-6; "" for anything else. Static string. */
const char *aq_category_zh(int category);

/* num/den rounded to `decimals` places (0-9) by GB/T 8170, half to even, in
 * exact integer arithmetic: pass a mean as the sum of its inputs in
 * thousandths and 1000 × their count, and 0.25 rounds to 0.2, never 0.3.
 * Returns the double nearest the rounded decimal; NaN when den <= 0,
 * decimals is out of range, or the result does not fit in 63 bits. */
double aq_round_half_even(long long num, long long den, int decimals);

/* The p-th percentile (0 <= p <= 100) of x[0..n-1] by HJ 663-2013: sort
 * ascending, k = 1 + (n-1)·p/100, s = floor(k), X(s) + (X(s+1) - X(s))·(k - s)
 * with X 1-based. Sorts x in place. NaN when n = 0, p is out of range or any
 * x is NaN (the caller drops invalid values first). {3,4,8,2,5,4}, p = 90
 * gives 6.5. */
double aq_percentile(double *x, size_t n, double p);

#endif
