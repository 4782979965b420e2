/* Statistical periods: the reference periods releases are stamped with
 * (a year, a half, a quarter, a month, a day), read from the spellings the
 * feeds use and turned into the instants and dates the store and the
 * actuals need. Not a calendar library: Gregorian dates in the plan's time
 * zone (Asia/Shanghai, +08:00, no daylight saving since 1991) only. */
#ifndef ST_PERIOD_H
#define ST_PERIOD_H

#include <stdint.h>

/* Frequencies, by their SDMX FREQ codes. */
enum st_freq { ST_ANNUAL = 'A', ST_SEMI = 'S', ST_QUARTER = 'Q', ST_MONTH = 'M', ST_DAY = 'D' };

#define ST_YEAR_MIN 1900
#define ST_YEAR_MAX 2099

struct st_period {
    int year;  /* ST_YEAR_MIN … ST_YEAR_MAX */
    char freq; /* enum st_freq */
    int sub;   /* 0 for a year; half 1-2, quarter 1-4, month 1-12, day of year 1-366 */
};

/* Reads a period: "2023", "2023-A1", "2023-S2", "2023-Q3", "2023Q3",
 * "2023-09", "2023-M09", "2023M09", "2023-09-30", "2023-D273", and SDMX
 * time ranges that cover exactly one of those ("2023-01-01/P1Y",
 * "2023-07-01T00:00:00/P3M"). Returns 0, or -1 when s is none of them
 * (weeks, other ranges, impossible dates, years outside the range). */
int st_period_parse(const char *s, struct st_period *p);

/* The key that orders periods of one frequency: year * 1000 + sub. */
int st_period_key(const struct st_period *p);
/* The period of frequency freq with that key. */
struct st_period st_period_of_key(char freq, int key);

/* Canonical text: "2023", "2023-S1", "2023-Q3", "2023-09", "2023-09-30";
 * out has room for 11 bytes. */
void st_period_text(const struct st_period *p, char out[11]);

/* The last day the period covers, "YYYY-MM-DD" (the as-of date of a
 * year-to-date figure); out has room for 11 bytes. */
void st_period_end(const struct st_period *p, char out[11]);

/* The instant (seconds since the epoch, UTC) of local midnight (+08:00)
 * starting the period: what the store stamps period series with. */
int64_t st_period_start(const struct st_period *p);

/* The period of frequency freq that starts exactly at instant t; -1 when
 * no period of that frequency starts there. */
int st_period_at(int64_t t, char freq, struct st_period *p);

/* The frequency's name in settings ("annual", …) and back; 0 if unknown. */
const char *st_freq_name(char freq);
char st_freq_parse(const char *name);

#endif
