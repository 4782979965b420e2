/* Statistical periods: parsing the feeds' spellings (ISO 8601 dates, the
 * SDMX reporting periods "2023-Q3" and time ranges, the bureau's "2023C"
 * already rewritten by nbs.c) and converting periods to instants and dates.
 * SDMX 3.0 Technical Notes §4.2 (time period formats): gYear, gYearMonth,
 * date, reporting periods YYYY-Pn (A1, S1-2, Q1-4, M01-12, D001-366) and
 * time ranges start/duration. */
#include "period.h"

#include "ptp_date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define TZ_OFFSET (8 * 3600) /* Asia/Shanghai */

/* Day of year (1-based) of y-m-d. */
static int day_of_year(int y, int m, int d)
{
    int n = d;
    for (int i = 1; i < m; i++)
        n += ptp_month_days(y, i);
    return n;
}

static void date_of_day(int y, int doy, int *m, int *d)
{
    int i = 1;
    while (i < 12 && doy > ptp_month_days(y, i))
        doy -= ptp_month_days(y, i++);
    *m = i;
    *d = doy;
}

/* Exactly n digits at s; their value in *v. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

static int set(struct st_period *p, int year, char freq, int sub)
{
    if (year < ST_YEAR_MIN || year > ST_YEAR_MAX)
        return -1;
    p->year = year;
    p->freq = freq;
    p->sub = sub;
    return 0;
}

/* A date "YYYY-MM-DD" (nothing after) into *y, *m, *d. */
static int parse_date(const char *s, size_t n, int *y, int *m, int *d)
{
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, y) || !digits(s + 5, 2, m) ||
        !digits(s + 8, 2, d))
        return 0;
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= ptp_month_days(*y, *m);
}

/* An SDMX time range: a start (date, or date and a midnight time) and an
 * ISO 8601 duration that together cover exactly one period. */
static int parse_range(const char *s, struct st_period *p)
{
    const char *slash = strchr(s, '/');
    size_t n = (size_t)(slash - s);
    int y, m, d;
    if (n > 10) {
        /* "YYYY-MM-DDT00:00:00" with optional fraction and zone: midnight only */
        if (s[10] != 'T' || strncmp(s + 11, "00:00:00", 8) != 0)
            return -1;
        for (size_t i = 19; i < n; i++)
            if (!strchr("0123456789.:+-Z", s[i]))
                return -1;
        n = 10;
    }
    if (!parse_date(s, n, &y, &m, &d))
        return -1;
    const char *dur = slash + 1;
    if (!strcmp(dur, "P1Y") && m == 1 && d == 1)
        return set(p, y, ST_ANNUAL, 0);
    if (!strcmp(dur, "P6M") && (m == 1 || m == 7) && d == 1)
        return set(p, y, ST_SEMI, m == 1 ? 1 : 2);
    if (!strcmp(dur, "P3M") && (m - 1) % 3 == 0 && d == 1)
        return set(p, y, ST_QUARTER, (m - 1) / 3 + 1);
    if (!strcmp(dur, "P1M") && d == 1)
        return set(p, y, ST_MONTH, m);
    if (!strcmp(dur, "P1D"))
        return set(p, y, ST_DAY, day_of_year(y, m, d));
    return -1;
}

int st_period_parse(const char *s, struct st_period *p)
{
    int y, v, m, d;
    if (!s)
        return -1;
    size_t n = strnlen(s, 64);
    if (n >= 64 || n < 4 || !digits(s, 4, &y))
        return -1;
    if (strchr(s, '/'))
        return parse_range(s, p);
    if (n == 4)
        return set(p, y, ST_ANNUAL, 0);
    const char *r = s + 4;
    if (*r == '-')
        r++;
    size_t rest = n - (size_t)(r - s);
    /* "2023Q3", "2023-Q3", "2023-S1", "2023-A1", "2023M09", "2023-M09", "2023-D001" */
    switch (*r) {
    case 'A':
        return rest == 2 && r[1] == '1' ? set(p, y, ST_ANNUAL, 0) : -1;
    case 'S':
        return rest == 2 && digits(r + 1, 1, &v) && v >= 1 && v <= 2 ? set(p, y, ST_SEMI, v) : -1;
    case 'Q':
        return rest == 2 && digits(r + 1, 1, &v) && v >= 1 && v <= 4 ? set(p, y, ST_QUARTER, v)
                                                                     : -1;
    case 'M':
        return rest == 3 && digits(r + 1, 2, &v) && v >= 1 && v <= 12 ? set(p, y, ST_MONTH, v) : -1;
    case 'D':
        return rest == 4 && digits(r + 1, 3, &v) && v >= 1 && v <= (ptp_is_leap(y) ? 366 : 365)
                   ? set(p, y, ST_DAY, v)
                   : -1;
    }
    if (r == s + 5 && rest == 2 && digits(r, 2, &m)) /* "2023-09" */
        return m >= 1 && m <= 12 ? set(p, y, ST_MONTH, m) : -1;
    if (parse_date(s, n, &y, &m, &d))
        return set(p, y, ST_DAY, day_of_year(y, m, d));
    return -1;
}

int st_period_key(const struct st_period *p)
{
    return p->year * 1000 + p->sub;
}

struct st_period st_period_of_key(char freq, int key)
{
    struct st_period p = {.year = key / 1000, .freq = freq, .sub = key % 1000};
    return p;
}

/* First month and day of the period, and its last month and day. */
static void bounds(const struct st_period *p, int *m0, int *d0, int *m1, int *d1)
{
    switch (p->freq) {
    case ST_SEMI:
        *m0 = p->sub == 1 ? 1 : 7;
        *m1 = *m0 + 5;
        break;
    case ST_QUARTER:
        *m0 = (p->sub - 1) * 3 + 1;
        *m1 = *m0 + 2;
        break;
    case ST_MONTH:
        *m0 = *m1 = p->sub;
        break;
    case ST_DAY:
        date_of_day(p->year, p->sub, m0, d0);
        *m1 = *m0;
        *d1 = *d0;
        return;
    default:
        *m0 = 1;
        *m1 = 12;
    }
    *d0 = 1;
    *d1 = ptp_month_days(p->year, *m1);
}

void st_period_text(const struct st_period *p, char out[11])
{
    int m0, d0, m1, d1;
    bounds(p, &m0, &d0, &m1, &d1);
    switch (p->freq) {
    case ST_SEMI:
        snprintf(out, 11, "%04d-S%d", p->year, p->sub);
        break;
    case ST_QUARTER:
        snprintf(out, 11, "%04d-Q%d", p->year, p->sub);
        break;
    case ST_MONTH:
        snprintf(out, 11, "%04d-%02d", p->year, p->sub);
        break;
    case ST_DAY:
        snprintf(out, 11, "%04d-%02d-%02d", p->year, m0, d0);
        break;
    default:
        snprintf(out, 11, "%04d", p->year);
    }
}

void st_period_end(const struct st_period *p, char out[11])
{
    int m0, d0, m1, d1;
    bounds(p, &m0, &d0, &m1, &d1);
    snprintf(out, 11, "%04d-%02d-%02d", p->year, m1, d1);
}

int64_t st_period_start(const struct st_period *p)
{
    int m0, d0, m1, d1;
    bounds(p, &m0, &d0, &m1, &d1);
    struct tm tm = {.tm_year = p->year - 1900, .tm_mon = m0 - 1, .tm_mday = d0};
    return (int64_t)timegm(&tm) - TZ_OFFSET;
}

int st_period_at(int64_t t, char freq, struct st_period *p)
{
    time_t lt = (time_t)(t + TZ_OFFSET);
    struct tm tm;
    if (!gmtime_r(&lt, &tm) || tm.tm_hour || tm.tm_min || tm.tm_sec)
        return -1;
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
    switch (freq) {
    case ST_ANNUAL:
        return m == 1 && d == 1 ? set(p, y, freq, 0) : -1;
    case ST_SEMI:
        return (m == 1 || m == 7) && d == 1 ? set(p, y, freq, m == 1 ? 1 : 2) : -1;
    case ST_QUARTER:
        return (m - 1) % 3 == 0 && d == 1 ? set(p, y, freq, (m - 1) / 3 + 1) : -1;
    case ST_MONTH:
        return d == 1 ? set(p, y, freq, m) : -1;
    case ST_DAY:
        return set(p, y, freq, day_of_year(y, m, d));
    }
    return -1;
}

static const struct {
    char freq;
    const char *name;
} freq_names[] = {{ST_ANNUAL, "annual"},
                  {ST_SEMI, "semiannual"},
                  {ST_QUARTER, "quarterly"},
                  {ST_MONTH, "monthly"},
                  {ST_DAY, "daily"}};

const char *st_freq_name(char freq)
{
    for (size_t i = 0; i < sizeof freq_names / sizeof freq_names[0]; i++)
        if (freq_names[i].freq == freq)
            return freq_names[i].name;
    return "?";
}

char st_freq_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof freq_names / sizeof freq_names[0]; i++)
        if (!strcmp(freq_names[i].name, name))
            return freq_names[i].freq;
    return 0;
}
