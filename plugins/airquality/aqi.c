/* The air-quality method of HJ 633-2012 (IAQI, AQI, primary pollutant,
 * category) with the rounding (GB/T 8170) and percentile (HJ 663-2013) rules
 * that published figures follow. Everything is exact where the standard's
 * figures are decimal: concentrations become integer thousandths before any
 * arithmetic, so no binary fraction can push a result across an integer.
 * Not here: parsing, validity counts, moving means — the plugin's job. */
#include "aqi.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const aq_codes[AQ_NPOLL] = {"pm2_5", "pm10", "so2", "no2", "co", "o3", "o3_8h"};

/* ---- The breakpoint table ---------------------------------------------- */

/* HJ 633-2012 §4.1, Table 1 (空气质量分指数及对应的污染物项目浓度限值):
 * the IAQI levels and, per pollutant and averaging time, the concentration
 * at each level (µg/m³; CO mg/m³). Every breakpoint is a whole number. */
static const int levels[] = {0, 50, 100, 150, 200, 300, 400, 500};

#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

struct column {
    int n;           /* breakpoints in use; 0 = no such column */
    int bp[NLEVELS]; /* concentration at levels[i] */
};

/* Table 1 notes: "二氧化硫（SO2）1小时平均浓度值高于800 μg/m³的，不再进行其空气
 * 质量分指数计算" and the same for O3 8h above 800: those two columns stop at
 * 800 (IAQI 200 and 300), so a value above them is "above the top", -1. */
static const struct column columns[AQ_NPOLL][3] = {
    /* [p] = {AQ_1H, AQ_24H, AQ_8H} */
    [AQ_PM2_5] = {{0, {0}}, {8, {0, 35, 75, 115, 150, 250, 350, 500}}, {0, {0}}},
    [AQ_PM10] = {{0, {0}}, {8, {0, 50, 150, 250, 350, 420, 500, 600}}, {0, {0}}},
    [AQ_SO2] = {{5, {0, 150, 500, 650, 800}},
                {8, {0, 50, 150, 475, 800, 1600, 2100, 2620}},
                {0, {0}}},
    [AQ_NO2] = {{8, {0, 100, 200, 700, 1200, 2340, 3090, 3840}},
                {8, {0, 40, 80, 180, 280, 565, 750, 940}},
                {0, {0}}},
    [AQ_CO] = {{8, {0, 5, 10, 35, 60, 90, 120, 150}}, {8, {0, 2, 4, 14, 24, 36, 48, 60}}, {0, {0}}},
    [AQ_O3] = {{8, {0, 160, 200, 300, 400, 800, 1000, 1200}}, {0, {0}}, {0, {0}}},
    [AQ_O3_8H] = {{0, {0}}, {0, {0}}, {6, {0, 100, 160, 215, 265, 800}}},
};

/* ---- IAQI ---------------------------------------------------------------- */

int aq_iaqi(enum aq_pollutant p, enum aq_basis b, double c)
{
    if ((unsigned)p >= AQ_NPOLL || (unsigned)b > AQ_8H)
        return -1;
    const struct column *col = &columns[p][b];
    if (col->n == 0 || !(c >= 0)) /* no such column; negative or NaN */
        return -1;
    int top = col->bp[col->n - 1];
    if (c > top + 1.0) /* also keeps llround in range for huge values */
        return -1;
    /* traps.md, Numbers: work in integer thousandths, never in binary
     * fractions (CO 1.1 on its 1h column: 50 × 1.1 / 5 is 11.000000000000002
     * in doubles). */
    long long cm = llround(c * 1000);
    if (cm > 1000LL * top)
        return -1;
    for (int i = 1; i < col->n; i++) {
        long long lo = 1000LL * col->bp[i - 1], hi = 1000LL * col->bp[i];
        if (cm > hi)
            continue;
        /* HJ 633-2012 §4.2, formula (1):
         * IAQI_P = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C_P − BP_Lo) + IAQI_Lo,
         * on the segment BP_Lo <= C_P <= BP_Hi (at a breakpoint both adjacent
         * segments give the same value). Rounded up, as the national network
         * publishes it (standards.md; confirmed on the cnemc data: PM2.5 60 →
         * 81.25 → 82): the numerator is >= 0, so ceil is (num + den - 1) / den. */
        long long num = (long long)(levels[i] - levels[i - 1]) * (cm - lo);
        long long den = hi - lo;
        return levels[i - 1] + (int)((num + den - 1) / den);
    }
    return -1; /* not reached: cm <= 1000 × top */
}

/* ---- AQI and primary pollutant ----------------------------------------- */

/* Appends s to buf (cap bytes, NUL-terminated) at *len, truncating. */
static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + 1 >= cap)
        return;
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* HJ 633-2012 §4 (AQI and primary pollutant): AQI = max{IAQI1, …, IAQIn};
 * when the AQI is above 50, the pollutant with the largest IAQI is primary
 * (首要污染物), and when two or more share it they are all primary. Ties are
 * listed in enum order, joined by "+". */
static int finish(const int iaqi[AQ_NPOLL], char *primary, size_t cap)
{
    int aqi = -1;
    for (int p = 0; p < AQ_NPOLL; p++)
        if (iaqi[p] > aqi)
            aqi = iaqi[p];
    if (primary && cap > 0) {
        size_t len = 0;
        primary[0] = '\0';
        for (int p = 0; aqi > 50 && p < AQ_NPOLL; p++)
            if (iaqi[p] == aqi) {
                if (len > 0)
                    append(primary, cap, &len, "+");
                append(primary, cap, &len, aq_codes[p]);
            }
    }
    return aqi;
}

/* Real-time report (实时报). HJ 633-2012 Table 1 note (1): the 1-hour limits
 * of SO2, NO2 and CO serve the real-time report only. PM2.5 and PM10 have no
 * 1-hour limits: their 1-hour value goes on the 24-hour column, and the O3 8h
 * moving mean does not enter — both as the national network publishes
 * (standards.md, confirmed on every station-hour of the cnemc data). */
int aq_hourly(const double in[AQ_NPOLL], double so2_24h, int iaqi[AQ_NPOLL], char *primary,
              size_t cap)
{
    iaqi[AQ_PM2_5] = aq_iaqi(AQ_PM2_5, AQ_24H, in[AQ_PM2_5]);
    iaqi[AQ_PM10] = aq_iaqi(AQ_PM10, AQ_24H, in[AQ_PM10]);
    /* Table 1 note (2): "二氧化硫（SO2）1小时平均浓度值高于800 μg/m³的，不再进行
     * 其空气质量分指数计算，二氧化硫（SO2）空气质量分指数按24小时平均浓度计算的
     * 分指数报告。" The test is the one aq_iaqi makes (in thousandths), so a
     * value it places on the 1h column is never also sent to the 24h one. */
    iaqi[AQ_SO2] = aq_iaqi(AQ_SO2, AQ_1H, in[AQ_SO2]);
    if (iaqi[AQ_SO2] < 0 && in[AQ_SO2] > 800)
        iaqi[AQ_SO2] = aq_iaqi(AQ_SO2, AQ_24H, so2_24h);
    iaqi[AQ_NO2] = aq_iaqi(AQ_NO2, AQ_1H, in[AQ_NO2]);
    iaqi[AQ_CO] = aq_iaqi(AQ_CO, AQ_1H, in[AQ_CO]);
    iaqi[AQ_O3] = aq_iaqi(AQ_O3, AQ_1H, in[AQ_O3]);
    iaqi[AQ_O3_8H] = -1;
    return finish(iaqi, primary, cap);
}

/* Daily report (日报): 24-hour means of SO2, NO2, PM10, PM2.5 and CO, the
 * day's largest O3 1-hour value and largest O3 8-hour moving mean. */
int aq_daily(const double in[AQ_NPOLL], int iaqi[AQ_NPOLL], char *primary, size_t cap)
{
    static const enum aq_pollutant day24[] = {AQ_PM2_5, AQ_PM10, AQ_SO2, AQ_NO2, AQ_CO};
    for (size_t i = 0; i < sizeof day24 / sizeof day24[0]; i++)
        iaqi[day24[i]] = aq_iaqi(day24[i], AQ_24H, in[day24[i]]);
    iaqi[AQ_O3] = aq_iaqi(AQ_O3, AQ_1H, in[AQ_O3]);
    /* Table 1 note (3): "臭氧（O3）8小时平均浓度值高于800 μg/m³的，不再进行其空气
     * 质量分指数计算，臭氧（O3）空气质量分指数按1小时平均浓度计算的分指数报告。"
     * aq_iaqi gives -1 above 800; iaqi[AQ_O3] already holds the 1h IAQI. */
    iaqi[AQ_O3_8H] = aq_iaqi(AQ_O3_8H, AQ_8H, in[AQ_O3_8H]);
    return finish(iaqi, primary, cap);
}

/* ---- Categories ---------------------------------------------------------- */

/* HJ 633-2012 Table 2 (空气质量指数及相关信息): 0-50 一级 优, 51-100 二级 良,
 * 101-150 三级 轻度污染, 151-200 四级 中度污染, 201-300 五级 重度污染,
 * >300 六级 严重污染. */
int aq_category(int aqi)
{
    static const int upper[] = {50, 100, 150, 200, 300};
    if (aqi < 0)
        return 0;
    for (int i = 0; i < 5; i++)
        if (aqi <= upper[i])
            return i + 1;
    return 6;
}

const char *aq_category_zh(int category)
{
    static const char *const names[] = {"优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"};
    return category >= 1 && category <= 6 ? names[category - 1] : "";
}

/* ---- Published figures: rounding and percentiles ------------------------ */

/* GB/T 8170-2008 §3.2 (进舍规则): a discarded part below half is dropped,
 * above half carried; exactly half (5 followed by nothing or zeros) is
 * carried only when the kept last digit is odd; a negative number is rounded
 * as its absolute value. Done on the exact rational |num|/den digit by digit,
 * so no intermediate overflows while the result fits. */
double aq_round_half_even(long long num, long long den, int decimals)
{
    if (den <= 0 || decimals < 0 || decimals > 9 || (unsigned long long)den > ULLONG_MAX / 10)
        return NAN;
    unsigned long long a = num < 0 ? (unsigned long long)-(num + 1) + 1 : (unsigned long long)num;
    unsigned long long d = (unsigned long long)den;
    unsigned long long q = a / d, r = a % d, p10 = 1;
    for (int i = 0; i < decimals; i++) {
        if (q > (unsigned long long)LLONG_MAX / 10)
            return NAN;
        q = q * 10 + r * 10 / d; /* r < d, so r * 10 < 10 d fits */
        r = r * 10 % d;
        p10 *= 10;
    }
    /* r/d is the discarded part; compare it with one half as 2r against d */
    if (r > d - r || (r == d - r && (q & 1)))
        q++;
    if (q > (unsigned long long)LLONG_MAX)
        return NAN;
    if (q == 0) /* never -0.0 */
        return 0.0;
    double v = (double)q / (double)p10; /* both exact below 2^53: one rounding */
    return num < 0 ? -v : v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* HJ 663-2013, percentiles: sort the series ascending; k = 1 + (n − 1)·p%,
 * s = the integer part of k, m_p = X(s) + (X(s+1) − X(s)) × (k − s).
 * (n − 1)·p is formed before dividing by 100 so that a whole k stays whole
 * (100 × 29 / 100 is 29; 100 × 0.29 is 28.999999999999996 and floors to 28). */
double aq_percentile(double *x, size_t n, double p)
{
    if (n == 0 || !(p >= 0 && p <= 100))
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return NAN;
    qsort(x, n, sizeof *x, cmp_double);
    double k = 1 + (double)(n - 1) * p / 100;
    size_t s = (size_t)floor(k); /* 1 <= s <= n */
    if (s >= n)
        return x[n - 1];
    return x[s - 1] + (x[s] - x[s - 1]) * (k - (double)s);
}
