/* Cron schedules: the five-field parser and the next-fire search. The search
 * walks wall-clock days, skipping months and days that cannot match, and
 * maps each candidate wall time to an instant through the system zoneinfo;
 * it never scans minute by minute. Not a scheduler: no timers here. */
#include "cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How far ahead pt_cron_next looks: ten calendar years and a few days, which
 * covers the longest gap between two 29 Februaries (2096 to 2104). */
#define HORIZON_DAYS 3660

#define ZONEINFO_DIR "/usr/share/zoneinfo"

/* ---- Parsing ----------------------------------------------------------- */

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const dow_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct field_spec {
    const char *name;
    int min, max;  /* what a number may be */
    int star_max;  /* where `*` and a/n stop: 6 for day of week, whose 7 is an alias */
    int name_base; /* value of names[0] */
    const char *const *names;
    int nnames;
};

static const struct field_spec field_specs[5] = {
    {"minute", 0, 59, 59, 0, NULL, 0},         {"hour", 0, 23, 23, 0, NULL, 0},
    {"day of month", 1, 31, 31, 0, NULL, 0},   {"month", 1, 12, 12, 1, month_names, 12},
    {"day of week", 0, 7, 6, 0, dow_names, 7},
};

struct parser {
    const char *expr;
    int field; /* index into field_specs */
    struct pt_err *err;
};

/* Sets err to `cron "EXPR": field N (NAME): MESSAGE`; returns PT_EINVAL. */
__attribute__((format(printf, 2, 3))) static int field_error(const struct parser *p,
                                                             const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pt_err_set(p->err, PT_EINVAL, "cron \"%.300s\": field %d (%s): %s", p->expr,
                      p->field + 1, field_specs[p->field].name, what);
}

/* Parses one value (a number or, for month and day of week, a three-letter
 * name in any case) spanning s[0..n) into *v, range-checked. */
static int parse_value(const struct parser *p, const char *s, size_t n, int *v)
{
    const struct field_spec *f = &field_specs[p->field];
    if (n == 0)
        return field_error(p, "a number is missing");
    if (s[0] >= '0' && s[0] <= '9') {
        long x = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return field_error(p, "\"%.*s\" is not a number", (int)n, s);
            if (x < 100000) /* saturate: anything this big is out of range anyway */
                x = x * 10 + (s[i] - '0');
        }
        if (x < f->min || x > f->max)
            return field_error(p, "%.*s is out of range %d-%d", (int)n, s, f->min, f->max);
        *v = (int)x;
        return 0;
    }
    if (f->names && n == 3)
        for (int i = 0; i < f->nnames; i++)
            if (strncasecmp(s, f->names[i], 3) == 0) {
                *v = f->name_base + i;
                return 0;
            }
    if (f->names)
        return field_error(p, "\"%.*s\" is not a number or a name (%s-%s)", (int)n, s, f->names[0],
                           f->names[f->nnames - 1]);
    return field_error(p, "\"%.*s\" is not a number", (int)n, s);
}

/* Parses one list element s[0..n): `*`, a, a-b, each optionally /step, into
 * the bits of *mask. *star is set when the element is written with a star. */
static int parse_element(const struct parser *p, const char *s, size_t n, uint64_t *mask, int *star)
{
    const struct field_spec *f = &field_specs[p->field];
    const char *slash = memchr(s, '/', n);
    size_t base_n = slash ? (size_t)(slash - s) : n;
    int lo, hi, step = 1;

    if (slash) {
        const char *st = slash + 1;
        size_t st_n = n - base_n - 1;
        long x = 0;
        if (st_n == 0)
            return field_error(p, "\"%.*s\": the step is missing", (int)n, s);
        for (size_t i = 0; i < st_n; i++) {
            if (st[i] < '0' || st[i] > '9')
                return field_error(p, "step \"%.*s\" is not a number", (int)st_n, st);
            if (x < 100000)
                x = x * 10 + (st[i] - '0');
        }
        if (x == 0)
            return field_error(p, "step 0 (a step must be at least 1)");
        if (x > f->star_max - f->min + 1)
            return field_error(p, "step %.*s is larger than the range %d-%d", (int)st_n, st, f->min,
                               f->star_max);
        step = (int)x;
    }

    if (base_n == 1 && s[0] == '*') {
        lo = f->min;
        hi = f->star_max;
        *star = 1;
    } else {
        const char *dash = memchr(s, '-', base_n);
        int rc;
        if (dash) {
            size_t a_n = (size_t)(dash - s);
            if ((rc = parse_value(p, s, a_n, &lo)) < 0 ||
                (rc = parse_value(p, dash + 1, base_n - a_n - 1, &hi)) < 0)
                return rc;
            if (lo > hi)
                return field_error(p, "range %.*s runs backwards (%d is after %d)", (int)base_n, s,
                                   lo, hi);
        } else {
            if ((rc = parse_value(p, s, base_n, &lo)) < 0)
                return rc;
            /* a/n runs to the field's end; a lone 7 in day of week stays 7 */
            hi = slash && lo < f->star_max ? f->star_max : lo;
        }
    }
    for (int v = lo; v <= hi; v += step)
        *mask |= (uint64_t)1 << v;
    return 0;
}

/* Parses the comma-separated field s[0..n) into *mask. */
static int parse_field(const struct parser *p, const char *s, size_t n, uint64_t *mask, int *star)
{
    size_t i = 0;
    *mask = 0;
    *star = 0;
    for (;;) {
        const char *comma = memchr(s + i, ',', n - i);
        size_t e = comma ? (size_t)(comma - s) : n;
        int rc;
        if (e == i)
            return field_error(p, "empty element in list \"%.*s\"", (int)n, s);
        if ((rc = parse_element(p, s + i, e - i, mask, star)) < 0)
            return rc;
        if (!comma)
            return 0;
        i = e + 1;
    }
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

int pt_cron_parse(const char *expr, struct pt_cron *out, struct pt_err *err)
{
    struct parser p = {expr, 0, err};
    const char *start[5];
    size_t len[5];
    int nfields = 0;
    uint64_t mask[5];
    int star[5];

    if (!expr || !out)
        return pt_err_set(err, PT_EINVAL, "cron: no expression");
    for (const char *s = expr; *s;) {
        if (is_blank(*s)) {
            s++;
            continue;
        }
        const char *b = s;
        while (*s && !is_blank(*s))
            s++;
        if (nfields < 5) {
            start[nfields] = b;
            len[nfields] = (size_t)(s - b);
        }
        nfields++;
    }
    if (nfields != 5)
        return pt_err_set(
            err, PT_EINVAL, "cron \"%.300s\": expected 5 fields, found %d%s", expr, nfields,
            nfields > 0 && start[0][0] == '@' ? " (shortcuts such as @daily are not supported)"
                                              : "");
    for (p.field = 0; p.field < 5; p.field++) {
        int rc = parse_field(&p, start[p.field], len[p.field], &mask[p.field], &star[p.field]);
        if (rc < 0)
            return rc;
    }

    /* Sunday is both 0 and 7; keep it in bit 0 only. */
    if (mask[4] & (1u << 7))
        mask[4] = (mask[4] & ~(uint64_t)(1u << 7)) | 1u;
    out->minute = mask[0];
    out->hour = (uint32_t)mask[1];
    out->dom = (uint32_t)mask[2];
    out->month = (uint16_t)mask[3];
    out->dow = (uint8_t)mask[4];
    out->dom_restricted = !star[2];
    out->dow_restricted = !star[4];
    return 0;
}

/* ---- Calendar arithmetic (proleptic Gregorian, days since 1970-01-01) --- */

/* Howard Hinnant's days_from_civil: exact for every year, no time zone. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* ---- Time zones -------------------------------------------------------- */

/* Builds the TZ value for zone name tz into buf, refusing names that are not
 * a TZif file under ZONEINFO_DIR: glibc silently falls back to UTC for an
 * unknown TZ, and a schedule running at the wrong hour is worse than an
 * error. The absolute path makes glibc load exactly the file checked here,
 * whatever TZDIR says. */
static int zone_tz_value(const char *tz, char *buf, size_t n, struct pt_err *err)
{
    if (!tz || !*tz || strcmp(tz, "UTC") == 0) {
        snprintf(buf, n, "UTC0"); /* POSIX rule: needs no tzdata installed */
        return 0;
    }
    int ok = strlen(tz) < 128 && ((tz[0] >= 'A' && tz[0] <= 'Z') || (tz[0] >= 'a' && tz[0] <= 'z'));
    for (const char *s = tz; ok && *s; s++)
        ok = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
             *s == '/' || *s == '_' || *s == '-' || *s == '+';
    if (!ok)
        return pt_err_set(err, PT_EINVAL,
                          "time zone \"%.200s\": not an IANA zone name (e.g. \"Asia/Shanghai\")",
                          tz);

    char path[256], magic[4] = {0};
    snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, tz);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(magic, 1, sizeof magic, f) : 0; /* a directory reads 0 */
    if (f)
        fclose(f);
    if (got != sizeof magic || memcmp(magic, "TZif", 4) != 0)
        return pt_err_set(err, PT_EINVAL,
                          "time zone \"%s\": not found in " ZONEINFO_DIR
                          " (use an IANA name such as \"Europe/Berlin\")",
                          tz);
    snprintf(buf, n, ":%s", path);
    return 0;
}

/* The wall clock at instant t, as seconds since 1970-01-01 00:00 of the wall
 * calendar. pt_cron_next keeps t within years 1900-9000, where localtime_r
 * cannot fail. */
static int64_t wall_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return t;
    return t + tm.tm_gmtoff;
}

/* The instant a wall time w fires at: the first instant whose wall clock has
 * reached w. That one rule gives traps.md's DST behaviour: a repeated wall
 * time maps to its first occurrence, a skipped one to the transition
 * instant, and the mapping never decreases as w grows, so the first
 * candidate in wall order that lands after `after` is the answer.
 *
 * The offsets a day either side bound where that instant can be; the
 * search assumes at most one transition in those two days, true of every
 * zone in tzdata within years 1900-9000 save a few wartime oddities. */
static int64_t fire_instant(int64_t w)
{
    int64_t oa = wall_at(w - 86400) - (w - 86400);
    int64_t ob = wall_at(w + 86400) - (w + 86400);
    int64_t lo = w - (oa > ob ? oa : ob), hi = w - (oa < ob ? oa : ob);

    /* Before lo the wall clock is behind w whatever the offset; at hi it has
     * reached w. Between them it only climbs, unless a fall-back lies before
     * lo, in which case lo itself is the answer. */
    if (wall_at(lo) >= w)
        return lo;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (wall_at(mid) >= w)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* ---- Next fire ------------------------------------------------------------ */

static int day_matches(const struct pt_cron *c, int dom, int dow)
{
    int in_dom = (c->dom >> dom) & 1, in_dow = (c->dow >> dow) & 1;
    if (c->dom_restricted && c->dow_restricted)
        return in_dom || in_dow;
    return in_dom && in_dow;
}

/* The search proper, with TZ already set. Returns 1 and *next when found. */
static int search(const struct pt_cron *c, int64_t after, int64_t *next)
{
    int64_t wall = wall_at(after);
    int64_t day = floor_div(wall, 86400);
    int64_t end = day + HORIZON_DAYS;
    int sod = (int)(wall - day * 86400);
    int start_h = sod / 3600, start_m = sod % 3600 / 60;
    int64_t y;
    int m, d;

    /* Candidates before the wall minute of `after` fire at or before it, so
     * the first day starts there; later days start at midnight. */
    civil_from_days(day, &y, &m, &d);
    while (day <= end) {
        int dim = days_in_month(y, m);
        if (!((c->month >> m) & 1)) {
            day += dim - d; /* the whole month cannot match: go to its last day */
            d = dim;
        } else if (day_matches(c, d, (int)((day % 7 + 11) % 7))) { /* 1970-01-01: Thu */
            for (int h = start_h; h < 24; h++) {
                if (!((c->hour >> h) & 1))
                    continue;
                for (int mi = h == start_h ? start_m : 0; mi < 60; mi++) {
                    if (!((c->minute >> mi) & 1))
                        continue;
                    int64_t t = fire_instant(day * 86400 + h * 3600 + mi * 60);
                    if (t > after) {
                        *next = t;
                        return 1;
                    }
                }
            }
        }
        day++;
        if (++d > dim) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        start_h = start_m = 0;
    }
    return 0;
}

/* The environment is shared with libcurl's resolver threads, which read it:
 * when TZ already names the zone (the daemon sets it once at start, see
 * pt_cron_set_zone), it is left alone. Otherwise TZ is switched and
 * restored around the computation. *saved is what to restore: NULL when
 * nothing was changed, else a malloc'd copy (or "" for an unset TZ). */
static int zone_enter(const char *tzval, char **saved, struct pt_err *err)
{
    const char *old = getenv("TZ");
    *saved = NULL;
    if (old && strcmp(old, tzval) == 0)
        return 0;
    /* getenv's pointer dies with the next setenv: copy the caller's TZ. */
    *saved = strdup(old ? old : "");
    if (!*saved)
        return pt_err_set(err, PT_ENOMEM, "cron: out of memory saving TZ");
    if (!old)
        (*saved)[0] = '\0';
    if (setenv("TZ", tzval, 1) != 0) {
        free(*saved);
        *saved = NULL;
        return pt_err_set(err, PT_ENOMEM, "cron: cannot set TZ");
    }
    tzset(); /* localtime_r need not notice a new TZ by itself */
    return 0;
}

static void zone_leave(char *saved)
{
    if (!saved)
        return;
    if (saved[0])
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

int pt_cron_set_zone(const char *tz, struct pt_err *err)
{
    char tzval[300];
    int rc = zone_tz_value(tz, tzval, sizeof tzval, err);
    if (rc < 0)
        return rc;
    if (setenv("TZ", tzval, 1) != 0)
        return pt_err_set(err, PT_ENOMEM, "cron: cannot set TZ");
    tzset();
    return 0;
}

int pt_cron_localtime(const char *tz, time_t t, struct tm *out, struct pt_err *err)
{
    char tzval[300], *saved;
    int rc = zone_tz_value(tz, tzval, sizeof tzval, err);
    if (rc < 0 || (rc = zone_enter(tzval, &saved, err)) < 0)
        return rc;
    int ok = localtime_r(&t, out) != NULL;
    zone_leave(saved);
    return ok ? 0 : pt_err_set(err, PT_ERANGE, "cron: time %lld cannot be expressed in %s",
                               (long long)t, tz ? tz : "UTC");
}

int pt_cron_next(const struct pt_cron *c, const char *tz, time_t after, time_t *next,
                 struct pt_err *err)
{
    char tzval[300];
    int64_t lo = days_from_civil(1900, 1, 1) * 86400, hi = days_from_civil(9000, 1, 1) * 86400;
    int rc;

    if (!c || !next)
        return pt_err_set(err, PT_EINVAL, "cron: no schedule or no result");
    if (sizeof(time_t) < 8) /* keep every instant the search touches below 2038 */
        hi = INT32_MAX - (int64_t)(HORIZON_DAYS + 2) * 86400;
    if ((int64_t)after < lo || (int64_t)after >= hi)
        return pt_err_set(err, PT_ERANGE, "cron: start time %lld is outside years 1900-9000",
                          (long long)after);
    if ((rc = zone_tz_value(tz, tzval, sizeof tzval, err)) < 0)
        return rc;

    char *saved;
    if ((rc = zone_enter(tzval, &saved, err)) < 0)
        return rc;
    int64_t t = 0;
    int found = search(c, (int64_t)after, &t);
    zone_leave(saved);

    if (!found) {
        struct tm tm;
        char when[32] = "?";
        if (gmtime_r(&after, &tm))
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return pt_err_set(err, PT_ENOTFOUND,
                          "cron: no fire time within ten years after %s in %s (a day that "
                          "never comes, such as 31 February?)",
                          when, tz && *tz ? tz : "UTC");
    }
    *next = (time_t)t;
    return 0;
}
