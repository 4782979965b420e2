/* Reading the hourly station files that China's national air-quality
 * monitoring network (CNEMC) publishes: a CSV of one row per station-hour,
 * columns as standards.md describes them. Parsing only: no I/O, no unit
 * conversion, no validity rules (a negative value is passed through; the
 * caller flags it), no AQI computation (aqi.h). */
#ifndef PT_CNEMC_H
#define PT_CNEMC_H

#include <stddef.h>
#include <stdint.h>

#include "aqi.h"

/* Limits that bound memory on any input: a file with more data rows, or a
 * field longer than this, is refused with PT_ERANGE. A real national hour is
 * ~1,700 rows. */
#define CNEMC_MAX_ROWS 2000000
#define CNEMC_MAX_FIELD 1024

/* One station-hour. Values in µg/m³, CO in mg/m³, as published; NaN = the
 * field was empty (not published). The O3 columns do not mean what their
 * names say (standards.md); the fields here are named for what they hold. */
struct cnemc_row {
    char station[16]; /* stationcode, e.g. "1029A"; ASCII letters, digits, "-_." */
    char name[64];    /* positionname, UTF-8; cut at a character boundary if longer */
    char area[64];    /* area (the city), UTF-8; cut likewise */
    int64_t time;     /* hour-ending instant, seconds since the epoch (UTC): timepoint
                       * is Asia/Shanghai local time (+08:00, no DST), so
                       * "2022-01-01T00:00:00" is 2021-12-31T16:00:00Z and closes
                       * 2021-12-31 (a day runs 01:00 … 24:00) */
    double v[6];      /* 1-hour values by enum aq_pollutant, AQ_PM2_5 … AQ_O3; O3's is
                       * the o3_24h column */
    int aqi;          /* published hourly AQI; -1 = missing */
    char primary[40]; /* published primary pollutants as aq_codes joined by "+" in enum
                       * order (pm2_5+pm10+…+o3_8h); "" when none */
    double pm2_5_24h; /* published 24-hour moving means */
    double pm10_24h;
    double so2_24h;
    double no2_24h;
    double co_24h;
    double o3_1h_max_24h; /* column o3: the largest 1-hour O3 of the last 24 hours */
    double o3_8h;         /* column o3_8h_24h: the latest 8-hour moving mean */
    double o3_8h_max_day; /* column o3_8h: the day's largest 8-hour mean so far */
};

/* Parses one CNEMC file of buf[0..len-1] (any number of hours; buf need not
 * be NUL-terminated). The first non-empty line is the header; columns are
 * found by name in any order, unknown columns ignored; timepoint,
 * stationcode, pm2_5, pm10, so2, no2, co and o3_24h are required, the others
 * default to missing. RFC 4180 quoting, an optional UTF-8 BOM, LF or CRLF,
 * empty lines skipped; a repeated header line (two files concatenated) is
 * read as a header again. Empty field = missing; anything in a value column
 * that is not a plain decimal number is an error.
 *
 * A station-hour given twice yields one row, the later one in the file.
 * Rows come sorted by (time, station).
 *
 * On success returns 0 and sets *rows to a malloc'd array of *nrows rows
 * (NULL when there are none) that the caller frees. On failure returns
 * PT_EINVAL (malformed input), PT_ERANGE (a limit above, a value that does
 * not fit) or PT_ENOMEM, sets *rows = NULL and *nrows = 0, and writes
 * "line N: what" into err (errcap bytes, always NUL-terminated; err may be
 * NULL when errcap is 0). Never reads outside buf; safe on any bytes. */
int cnemc_parse(const char *buf, size_t len, struct cnemc_row **rows, size_t *nrows, char *err,
                size_t errcap);

#endif
