/* Derived air-quality values: the validity rules and means of GB 3095-2012
 * and HJ 663-2013 on arrays of hourly and daily values. */
#include "derive.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int dv_decimals(int pollutant)
{
    /* GB 3095-2012 publishes µg/m³ as whole numbers, CO (mg/m³) to 0.1. */
    return pollutant == AQ_CO ? 1 : 0;
}

double dv_mean(const double *x, int n, int min_valid, int decimals)
{
    long long sum = 0;
    int valid = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i])) {
            /* in thousandths, so that the rounding below is exact */
            sum += llround(x[i] * 1000);
            valid++;
        }
    if (valid == 0 || valid < min_valid)
        return NAN;
    return aq_round_half_even(sum, (long long)valid * 1000, decimals);
}

static double dv_max(const double *x, int n, int min_valid)
{
    double m = NAN;
    int valid = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i])) {
            valid++;
            if (isnan(m) || x[i] > m)
                m = x[i];
        }
    return valid >= min_valid && valid > 0 ? m : NAN;
}

void dv_station_day(const double raw[DV_NRAW][DV_HOURS], struct dv_station_day *out)
{
    memset(out, 0, sizeof *out);
    for (int j = 0; j < 24; j++) {
        int i = 24 + j; /* index of hour j of the day in raw */
        for (int p = 0; p < DV_NRAW; p++)
            /* GB 3095-2012 §7 (Table 4): a 24-hour mean needs at least 20
             * valid hourly values; the published x_24h is the mean of the
             * last 24 hours. */
            out->mean24[p][j] = p == AQ_O3 ? NAN : dv_mean(&raw[p][i - 23], 24, 20, dv_decimals(p));
        /* The 8-hour moving mean needs at least 6 of its 8 hours. */
        out->o3_8h[j] = dv_mean(&raw[AQ_O3][i - 7], 8, 6, 0);
        double in[AQ_NPOLL];
        for (int p = 0; p < DV_NRAW; p++)
            in[p] = raw[p][i];
        in[AQ_O3_8H] = NAN; /* the 8-hour mean does not enter the hourly AQI */
        int iaqi[AQ_NPOLL];
        out->aqi[j] = aq_hourly(in, out->mean24[AQ_SO2][j], iaqi, out->primary[j],
                                sizeof out->primary[j]);
        for (int p = 0; p < DV_NRAW; p++)
            out->iaqi[p][j] = iaqi[p];
    }
    for (int p = 0; p < DV_NRAW; p++)
        out->day[p] = dv_mean(&raw[p][24], 24, 20, dv_decimals(p));
    out->o3_1h_max = dv_max(&raw[AQ_O3][24], 24, 20);
    /* HJ 663-2013: the daily maximum 8-hour mean is the largest of the 8-hour
     * means ending 08:00 … 24:00 (17 of them), of which at least 14 must be
     * valid. */
    out->o3_8h_max = dv_max(&out->o3_8h[7], 17, 14);
}

void dv_city_day(const struct dv_station_day *const *st, int n, struct dv_city_day *out)
{
    memset(out, 0, sizeof *out);
    double v[4096];
    if (n > 4096)
        n = 4096;
    /* The city's daily value of a pollutant is the mean of its evaluation
     * stations' daily values (HJ 663-2013). */
    for (int p = 0; p < DV_NRAW; p++) {
        for (int k = 0; k < n; k++)
            v[k] = st[k]->day[p];
        out->day[p] = dv_mean(v, n, 1, dv_decimals(p));
        if (p == AQ_PM2_5)
            for (int k = 0; k < n; k++)
                out->stations += !isnan(v[k]);
    }
    for (int k = 0; k < n; k++)
        v[k] = st[k]->o3_1h_max;
    out->o3_1h_max = dv_mean(v, n, 1, 0);
    for (int k = 0; k < n; k++)
        v[k] = st[k]->o3_8h_max;
    out->o3_8h_max = dv_mean(v, n, 1, 0);
    double in[AQ_NPOLL];
    for (int p = 0; p < DV_NRAW; p++)
        in[p] = out->day[p];
    in[AQ_O3] = out->o3_1h_max;
    in[AQ_O3_8H] = out->o3_8h_max;
    /* A day counts when all six pollutants have their daily value
     * (HJ 663-2013): a day without one is not a valid day. */
    int complete = 1;
    for (int p = 0; p < DV_NRAW; p++)
        if (p != AQ_O3 && isnan(out->day[p]))
            complete = 0;
    if (isnan(out->o3_8h_max))
        complete = 0;
    int iaqi[AQ_NPOLL];
    out->aqi = complete ? aq_daily(in, iaqi, out->primary, sizeof out->primary) : -1;
    out->category = aq_category(out->aqi);
}

static double round_to(double x, int decimals)
{
    return isnan(x) ? NAN : aq_round_half_even(llround(x * 1000), 1000, decimals);
}

/* GB 3095-2012 §7 Table 4: an annual value needs at least 324 valid daily
 * values, and at least 27 in each month (25 in February). */
static int year_rule(int total, const int *month, int complete, char *why, size_t cap,
                     const char *what)
{
    if (!complete) {
        snprintf(why, cap, "the year is not over");
        return 0;
    }
    if (total < 324) {
        snprintf(why, cap, "%d valid %s, 324 needed (GB 3095-2012)", total, what);
        return 0;
    }
    for (int m = 1; m <= 12; m++) {
        int need = m == 2 ? 25 : 27;
        if (month[m] < need) {
            snprintf(why, cap, "month %d has %d valid %s, %d needed (GB 3095-2012)", m,
                     month[m], what, need);
            return 0;
        }
    }
    return 1;
}

void dv_year(const struct dv_day_in *days, int n, int complete_year, struct dv_year *out)
{
    static double pm[400], pm_raw[400], pm10[400], pm10_raw[400], o3[400], co[400];
    int month_days[13] = {0}, month_pm[13] = {0};
    memset(out, 0, sizeof *out);
    if (n > 400)
        n = 400;
    int npm = 0, npm_raw = 0, npm10 = 0, npm10_raw = 0, no3 = 0, nco = 0;
    for (int i = 0; i < n; i++) {
        const struct dv_city_day *c = &days[i].city;
        int month = days[i].month >= 1 && days[i].month <= 12 ? days[i].month : 0;
        if (c->aqi >= 0) {
            out->days++;
            out->good_days += c->aqi <= 100;
            month_days[month]++;
        }
        /* each pollutant's own valid daily values, AQI or not */
        if (!isnan(c->day[AQ_PM2_5]))
            month_pm[month]++;
        if (!isnan(c->day[AQ_PM2_5])) {
            pm_raw[npm_raw++] = c->day[AQ_PM2_5];
            /* 环办监测〔2016〕120号: sand-and-dust days are left out of the
             * particulate figures; the good-day ratio keeps them. */
            if (!days[i].dust)
                pm[npm++] = c->day[AQ_PM2_5];
        }
        if (!isnan(c->day[AQ_PM10])) {
            pm10_raw[npm10_raw++] = c->day[AQ_PM10];
            if (!days[i].dust)
                pm10[npm10++] = c->day[AQ_PM10];
        }
        if (!isnan(c->o3_8h_max))
            o3[no3++] = c->o3_8h_max;
        if (!isnan(c->day[AQ_CO]))
            co[nco++] = c->day[AQ_CO];
    }
    out->pm_days = npm;
    out->pm_days_raw = npm_raw;
    out->good_ratio = out->days ? aq_round_half_even((long long)out->good_days * 100, out->days, 1)
                                : NAN;
    out->pm2_5 = dv_mean(pm, npm, 1, 0);
    out->pm2_5_raw = dv_mean(pm_raw, npm_raw, 1, 0);
    out->pm10 = dv_mean(pm10, npm10, 1, 0);
    out->pm10_raw = dv_mean(pm10_raw, npm10_raw, 1, 0);
    out->o3_days = no3;
    out->co_days = nco;
    out->o3_8h_p90 = round_to(aq_percentile(o3, (size_t)no3, 90), 0);
    out->co_p95 = round_to(aq_percentile(co, (size_t)nco, 95), 1);
    out->valid = year_rule(out->days, month_days, complete_year, out->invalid_reason,
                           sizeof out->invalid_reason, "days");
    out->valid_pm = year_rule(npm_raw, month_pm, complete_year, out->invalid_pm_reason,
                              sizeof out->invalid_pm_reason, "daily PM2.5 values");
}
