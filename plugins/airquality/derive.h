/* Derived air-quality values, by the evaluation rules of GB 3095-2012 and
 * HJ 663-2013: moving means with their validity thresholds, daily values,
 * and year figures. Pure computation on arrays; the plugin reads the raw
 * hours from the store and writes what comes out. Every published value is
 * rounded as the standard publishes it: concentrations half to even
 * (GB/T 8170), whole µg/m³, CO to 0.1 mg/m³. */
#ifndef PT_DERIVE_H
#define PT_DERIVE_H

#include <stdint.h>

#include "aqi.h"

/* The six measured pollutants (AQ_PM2_5 … AQ_O3). */
#define DV_NRAW 6

/* Hours of one station: 24 of the day before (for moving means) and the
 * 24 of the day, hour-ending 01:00 … 24:00 local. NaN = missing or invalid. */
#define DV_HOURS 48

/* Decimals a concentration is published with. */
int dv_decimals(int pollutant);

/* The mean of the valid values among x[0..n-1] when there are at least
 * min_valid of them, rounded to `decimals` half to even; NaN otherwise.
 * Exact for inputs with at most three decimals. */
double dv_mean(const double *x, int n, int min_valid, int decimals);

/* One station's derived hourly series for the 24 hours of a day. */
struct dv_station_day {
    double mean24[DV_NRAW][24]; /* 24-hour moving means (not for O3): ≥ 20 of 24 */
    double o3_8h[24];           /* 8-hour moving mean of O3: ≥ 6 of 8 */
    int iaqi[DV_NRAW][24];      /* hourly IAQI, -1 when not computed */
    int aqi[24];                /* hourly AQI, -1 when not computed */
    char primary[24][AQ_PRIMARY_MAX];
    /* the day */
    double day[DV_NRAW];        /* 24-hour means: ≥ 20 valid hours */
    double o3_1h_max;           /* largest valid 1-hour O3: ≥ 20 valid hours */
    double o3_8h_max;           /* largest 8h mean ending 08:00 … 24:00: ≥ 14 of the 17 */
};

/* Derives a station's day from raw[p][0..47] (hours of the day before,
 * then of the day). */
void dv_station_day(const double raw[DV_NRAW][DV_HOURS], struct dv_station_day *out);

/* A city's day: the mean over its evaluation stations of each daily value
 * (stations without a valid value left out), then the daily AQI. */
struct dv_city_day {
    double day[DV_NRAW];
    double o3_1h_max, o3_8h_max;
    int aqi;                     /* -1 when not computed */
    int category;                /* 1-6, 0 when not computed */
    char primary[AQ_PRIMARY_MAX];
    int stations;                /* stations that contributed a PM2.5 day */
};
void dv_city_day(const struct dv_station_day *const *stations, int n, struct dv_city_day *out);

/* A year (or the year to date) of a city's days. */
struct dv_year {
    int days;                    /* days with a daily AQI */
    int good_days;               /* of those, AQI ≤ 100 */
    double good_ratio;           /* %, to 0.1; NaN without days */
    int pm_days, pm_days_raw;    /* valid PM2.5 days, after and before the dust deduction */
    double pm2_5, pm2_5_raw;     /* annual means, dust days left out / kept */
    double pm10, pm10_raw;
    double o3_8h_p90;            /* 90th percentile of the daily max 8h O3 */
    double co_p95;               /* 95th percentile of the daily CO means */
    int o3_days, co_days;        /* values behind the percentiles */
    int valid;                   /* GB 3095/HJ 663: ≥ 324 valid days and ≥ 27 in each
                                    month (25 in February), counted on AQI days */
    char invalid_reason[160];
    int valid_pm;                /* the same rule on the daily PM2.5 values */
    char invalid_pm_reason[160];
};

/* One day of the year as the year figures need it. A day without a daily
 * AQI (aqi < 0) still gives the pollutants it has: an annual mean counts
 * that pollutant's own valid daily values. */
struct dv_day_in {
    int month;                   /* 1-12 */
    int dust;                    /* a sand-and-dust day (deducted from particulates) */
    struct dv_city_day city;
};
void dv_year(const struct dv_day_in *days, int n, int complete_year, struct dv_year *out);

#endif
