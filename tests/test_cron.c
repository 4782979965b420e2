/* Cron schedules: parse errors name the field, and next fire times match
 * instants worked out by hand from the calendar and the zones' published
 * rules (EU summer time changes at 01:00 UTC on the last Sundays of March
 * and October), written as UTC strings rather than computed by the code
 * under test. */
#include "cron.h"
#include "test.h"

#include <time.h>

/* "2026-03-29T01:00:00Z" as seconds since the epoch. */
static time_t utc(const char *iso)
{
    struct tm tm = {0};
    if (sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6) {
        fprintf(stderr, "bad test timestamp %s\n", iso);
        exit(1);
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static const char *iso(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* Calls pt_cron_next repeatedly from `after`, each fire the next start, and
 * checks each fire against want[]. */
static void expect_fires(int line, const char *expr, const char *tz, const char *after,
                         const char *const *want, int n)
{
    struct pt_cron c;
    struct pt_err err = {0};
    if (pt_cron_parse(expr, &c, &err) != 0) {
        fprintf(stderr, "line %d: cron \"%s\" refused: %s\n", line, expr, err.msg);
        exit(1);
    }
    time_t t = utc(after);
    for (int i = 0; i < n; i++) {
        time_t next = 0;
        int rc = pt_cron_next(&c, tz, t, &next, &err);
        if (rc != 0 || next != utc(want[i])) {
            char got[32], from[32];
            fprintf(stderr, "line %d: \"%s\" in %s after %s: fire %d is %s, want %s (%s)\n", line,
                    expr, tz ? tz : "UTC", iso(t, from, sizeof from), i,
                    rc ? "an error" : iso(next, got, sizeof got), want[i], rc ? err.msg : "");
            exit(1);
        }
        t = next;
    }
}

#define EXPECT_FIRES(expr, tz, after, ...)                                                         \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        expect_fires(__LINE__, expr, tz, after, want_, (int)(sizeof want_ / sizeof *want_));       \
    } while (0)

static uint64_t bits(const int *v, int n)
{
    uint64_t m = 0;
    for (int i = 0; i < n; i++)
        m |= (uint64_t)1 << v[i];
    return m;
}
#define BITS(...)                                                                                  \
    bits((const int[]){__VA_ARGS__}, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))

TEST_IMPL(cron_parse_fields)
{
    struct pt_cron c;
    struct pt_err err = {0};

    ASSERT(pt_cron_parse("* * * * *", &c, &err) == 0);
    ASSERT(c.minute == ((uint64_t)1 << 60) - 1);
    ASSERT(c.hour == (1u << 24) - 1);
    ASSERT(c.dom == 0xFFFFFFFEu); /* 1-31 */
    ASSERT(c.month == 0x1FFE);    /* 1-12 */
    ASSERT(c.dow == 0x7F);        /* 0-6 */
    ASSERT(!c.dom_restricted && !c.dow_restricted);

    ASSERT(pt_cron_parse("1-10/3 5/6 1,15,31 jan,Jul MON-fri", &c, &err) == 0);
    ASSERT(c.minute == BITS(1, 4, 7, 10));
    ASSERT(c.hour == BITS(5, 11, 17, 23));
    ASSERT(c.dom == BITS(1, 15, 31));
    ASSERT(c.month == BITS(1, 7));
    ASSERT(c.dow == BITS(1, 2, 3, 4, 5));
    ASSERT(c.dom_restricted && c.dow_restricted);

    /* Sunday is 0 and 7; a/n stops at Saturday, so 1/2 is not Sunday too. */
    ASSERT(pt_cron_parse("0 0 * * 7", &c, &err) == 0 && c.dow == BITS(0));
    ASSERT(pt_cron_parse("0 0 * * 5-7", &c, &err) == 0 && c.dow == BITS(0, 5, 6));
    ASSERT(pt_cron_parse("0 0 * * sun,SAT", &c, &err) == 0 && c.dow == BITS(0, 6));
    ASSERT(pt_cron_parse("0 0 1/10 * 1/2", &c, &err) == 0);
    ASSERT(c.dom == BITS(1, 11, 21, 31));
    ASSERT(c.dow == BITS(1, 3, 5));

    /* A stepped star is a star for the day rule (Vixie cron). */
    ASSERT(pt_cron_parse("*/15 */6 */2 * *", &c, &err) == 0);
    ASSERT(c.minute == BITS(0, 15, 30, 45));
    ASSERT(c.hour == BITS(0, 6, 12, 18));
    ASSERT(c.dom == BITS(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
    ASSERT(!c.dom_restricted && !c.dow_restricted);
    ASSERT(pt_cron_parse("0 0 1-31/2 * 1", &c, &err) == 0);
    ASSERT(c.dom_restricted && c.dow_restricted);

    /* Blanks: tabs, runs of blanks, leading and trailing ones. */
    ASSERT(pt_cron_parse("\t0  3 * *\t* ", &c, &err) == 0);
    ASSERT(c.minute == BITS(0) && c.hour == BITS(3));
    return 0;
}

TEST_IMPL(cron_parse_errors)
{
    static const struct {
        const char *expr, *msg;
    } cases[] = {
        {"0 25 * * *", "cron \"0 25 * * *\": field 2 (hour): 25 is out of range 0-23"},
        {"0 3 * *", "cron \"0 3 * *\": expected 5 fields, found 4"},
        {"0 3 * * * *", "expected 5 fields, found 6"},
        {"", "expected 5 fields, found 0"},
        {"   ", "expected 5 fields, found 0"},
        {"@daily", "found 1 (shortcuts such as @daily are not supported)"},
        {"*/0 * * * *", "cron \"*/0 * * * *\": field 1 (minute): step 0"},
        {"60 * * * *", "field 1 (minute): 60 is out of range 0-59"},
        {"99999999999 * * * *", "field 1 (minute): 99999999999 is out of range 0-59"},
        {"0 0 0 * *", "field 3 (day of month): 0 is out of range 1-31"},
        {"0 0 32 * *", "field 3 (day of month): 32 is out of range 1-31"},
        {"0 0 * 13 *", "field 4 (month): 13 is out of range 1-12"},
        {"0 0 * 0 *", "field 4 (month): 0 is out of range 1-12"},
        {"0 0 * * 8", "field 5 (day of week): 8 is out of range 0-7"},
        {"0 0 * FOO *", "field 4 (month): \"FOO\" is not a number or a name (JAN-DEC)"},
        {"0 0 * * MONDAY", "field 5 (day of week): \"MONDAY\" is not a number or a name (SUN-SAT)"},
        {"5-3 * * * *", "field 1 (minute): range 5-3 runs backwards"},
        {"0 0 * * FRI-MON", "field 5 (day of week): range FRI-MON runs backwards"},
        {"1,,2 * * * *", "field 1 (minute): empty element in list \"1,,2\""},
        {"0 1, * * *", "field 2 (hour): empty element in list \"1,\""},
        {"x * * * *", "field 1 (minute): \"x\" is not a number"},
        {"0 5x * * *", "field 2 (hour): \"5x\" is not a number"},
        {"0 0 1- * *", "field 3 (day of month): a number is missing"},
        {"*/ * * * *", "field 1 (minute): \"*/\": the step is missing"},
        {"*/a * * * *", "field 1 (minute): step \"a\" is not a number"},
        {"0 */25 * * *", "field 2 (hour): step 25 is larger than the range 0-23"},
        {"0 0 * * 1/-1", "field 5 (day of week): step \"-1\" is not a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pt_cron c;
        memset(&c, 0xA5, sizeof c);
        struct pt_cron before = c;
        struct pt_err err = {0};
        int rc = pt_cron_parse(cases[i].expr, &c, &err);
        if (rc != PT_EINVAL)
            fprintf(stderr, "\"%s\" gave %d\n", cases[i].expr, rc);
        ASSERT_EQ_INT(rc, PT_EINVAL);
        ASSERT_STR_CONTAINS(err.msg, cases[i].msg);
        ASSERT(memcmp(&c, &before, sizeof c) == 0); /* untouched on failure */
    }
    struct pt_cron c;
    struct pt_err err = {0};
    ASSERT_EQ_INT(pt_cron_parse(NULL, &c, &err), PT_EINVAL);
    return 0;
}

TEST_IMPL(cron_month_end)
{
    /* The 31st exists in Jan, Mar, May, Jul, Aug, Oct, Dec only. */
    EXPECT_FIRES("0 0 31 * *", NULL, "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z",
                 "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
                 "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z");
    /* No 30 February: from 30 January straight to 30 March. */
    EXPECT_FIRES("0 12 30 * *", "", "2026-01-30T12:00:00Z", "2026-03-30T12:00:00Z",
                 "2026-04-30T12:00:00Z");
    /* Last day of a 30-day month rolls over into the next month. */
    EXPECT_FIRES("45 23 * * *", "UTC", "2026-04-30T23:45:00Z", "2026-05-01T23:45:00Z");
    return 0;
}

TEST_IMPL(cron_leap_day)
{
    /* 2028-02-29 00:00 +08:00 */
    EXPECT_FIRES("0 0 29 2 *", "Asia/Shanghai", "2025-03-01T00:00:00Z", "2028-02-28T16:00:00Z",
                 "2032-02-28T16:00:00Z");
    /* 2100 is not a leap year: eight years from 2096 to 2104. */
    EXPECT_FIRES("0 0 29 2 *", "Asia/Shanghai", "2096-03-01T00:00:00Z", "2104-02-28T16:00:00Z");
    EXPECT_FIRES("0 0 29 2 *", NULL, "2000-01-01T00:00:00Z", "2000-02-29T00:00:00Z",
                 "2004-02-29T00:00:00Z");
    return 0;
}

TEST_IMPL(cron_year_end)
{
    EXPECT_FIRES("59 23 31 12 *", NULL, "2026-06-01T00:00:00Z", "2026-12-31T23:59:00Z",
                 "2027-12-31T23:59:00Z");
    EXPECT_FIRES("0 0 1 1 *", NULL, "2026-12-31T23:59:30Z", "2027-01-01T00:00:00Z",
                 "2028-01-01T00:00:00Z");
    /* New year in Shanghai is 16:00 UTC the day before. */
    EXPECT_FIRES("0 0 1 1 *", "Asia/Shanghai", "2026-06-01T00:00:00Z", "2026-12-31T16:00:00Z",
                 "2027-12-31T16:00:00Z");
    /* 23:59 local on 31 December in Shanghai is 15:59 UTC. */
    EXPECT_FIRES("59 23 31 12 *", "Asia/Shanghai", "2026-12-31T15:59:00Z", "2027-12-31T15:59:00Z");
    return 0;
}

TEST_IMPL(cron_steps_lists)
{
    /* 2026-04-03 is a Friday; the next working day is Monday 6 April. */
    EXPECT_FIRES("*/15 9-17 * * MON-FRI", NULL, "2026-04-03T17:40:00Z", "2026-04-03T17:45:00Z",
                 "2026-04-06T09:00:00Z", "2026-04-06T09:15:00Z");
    EXPECT_FIRES("5,35 1-2 * * *", NULL, "2026-04-01T00:00:00Z", "2026-04-01T01:05:00Z",
                 "2026-04-01T01:35:00Z", "2026-04-01T02:05:00Z", "2026-04-01T02:35:00Z",
                 "2026-04-02T01:05:00Z");
    /* 1, 11, 21, 31 — April has no 31st. */
    EXPECT_FIRES("0 0 1-31/10 * *", NULL, "2026-04-01T00:00:00Z", "2026-04-11T00:00:00Z",
                 "2026-04-21T00:00:00Z", "2026-05-01T00:00:00Z", "2026-05-11T00:00:00Z");
    /* Quarterly, by name. */
    EXPECT_FIRES("0 6 1 jan,apr,JUL,Oct *", NULL, "2026-01-01T06:00:00Z", "2026-04-01T06:00:00Z",
                 "2026-07-01T06:00:00Z", "2026-10-01T06:00:00Z", "2027-01-01T06:00:00Z");
    /* A start time mid-minute: the current minute has passed. */
    EXPECT_FIRES("* * * * *", NULL, "2026-04-01T10:20:30Z", "2026-04-01T10:21:00Z",
                 "2026-04-01T10:22:00Z");
    return 0;
}

TEST_IMPL(cron_dom_dow_or)
{
    /* April 2026: Fridays 3, 10, 17, 24; the 13th is a Monday. May: Fridays
     * 1, 8, 15; the 13th a Wednesday. Both restricted: the 13th OR Friday. */
    EXPECT_FIRES("0 0 13 * 5", NULL, "2026-04-01T00:00:00Z", "2026-04-03T00:00:00Z",
                 "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z", "2026-04-17T00:00:00Z",
                 "2026-04-24T00:00:00Z", "2026-05-01T00:00:00Z", "2026-05-08T00:00:00Z",
                 "2026-05-13T00:00:00Z", "2026-05-15T00:00:00Z");
    /* One field a star: only the other counts. */
    EXPECT_FIRES("0 0 13 * *", NULL, "2026-04-01T00:00:00Z", "2026-04-13T00:00:00Z",
                 "2026-05-13T00:00:00Z");
    EXPECT_FIRES("0 0 * * fri", NULL, "2026-04-01T00:00:00Z", "2026-04-03T00:00:00Z",
                 "2026-04-10T00:00:00Z", "2026-04-17T00:00:00Z");
    return 0;
}

TEST_IMPL(cron_dom_dow_star_step)
{
    /* The documented choice, Vixie cron's: a stepped star is unrestricted, so
     * the day must match both fields — odd days that are Mondays (April 2026
     * Mondays: 6, 13, 20, 27; May: 4, 11, 18, 25). */
    EXPECT_FIRES("0 0 */2 * 1", NULL, "2026-04-01T00:00:00Z", "2026-04-13T00:00:00Z",
                 "2026-04-27T00:00:00Z", "2026-05-11T00:00:00Z", "2026-05-25T00:00:00Z");
    /* The same days spelt as a range are restricted: odd days OR Mondays. */
    EXPECT_FIRES("0 0 1-31/2 * 1", NULL, "2026-04-01T00:00:00Z", "2026-04-03T00:00:00Z",
                 "2026-04-05T00:00:00Z", "2026-04-06T00:00:00Z", "2026-04-07T00:00:00Z",
                 "2026-04-09T00:00:00Z");
    return 0;
}

TEST_IMPL(cron_shanghai)
{
    /* China has no DST: 02:03 +08:00 is 18:03 UTC the day before, every day,
     * including the EU change weekends. */
    EXPECT_FIRES("3 2 * * *", "Asia/Shanghai", "2026-03-27T00:00:00Z", "2026-03-27T18:03:00Z",
                 "2026-03-28T18:03:00Z", "2026-03-29T18:03:00Z", "2026-03-30T18:03:00Z");
    EXPECT_FIRES("3 2 * * *", "Asia/Shanghai", "2026-10-23T00:00:00Z", "2026-10-23T18:03:00Z",
                 "2026-10-24T18:03:00Z", "2026-10-25T18:03:00Z");
    return 0;
}

TEST_IMPL(cron_berlin_spring_forward)
{
    /* 2026-03-29 01:00Z: 02:00 CET becomes 03:00 CEST, so 02:30 is skipped
     * and fires once at the transition, 01:00Z. Before: 02:30 CET = 01:30Z;
     * after: 02:30 CEST = 00:30Z. */
    EXPECT_FIRES("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-28T01:30:00Z",
                 "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    EXPECT_FIRES("30 2 * * *", "Europe/Berlin", "2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z");
    /* Started at the transition instant itself: it has fired, not again. */
    EXPECT_FIRES("30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    /* 03:00 exists (03:00 CEST, the transition instant). */
    EXPECT_FIRES("0 3 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z",
                 "2026-03-30T01:00:00Z");
    return 0;
}

TEST_IMPL(cron_berlin_fall_back)
{
    /* 2026-10-25 01:00Z: 03:00 CEST becomes 02:00 CET, so 02:30 happens at
     * 00:30Z (CEST) and again at 01:30Z (CET); it fires at the first only. */
    EXPECT_FIRES("30 2 * * *", "Europe/Berlin", "2026-10-23T12:00:00Z", "2026-10-24T00:30:00Z",
                 "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    /* Started between the two occurrences: the second is not a fire. */
    EXPECT_FIRES("30 2 * * *", "Europe/Berlin", "2026-10-25T01:00:00Z", "2026-10-26T01:30:00Z");
    EXPECT_FIRES("30 2 * * *", "Europe/Berlin", "2026-10-25T01:29:59Z", "2026-10-26T01:30:00Z");
    /* Every quarter hour: 02:45 CEST (00:45Z) is followed by 03:00 CET
     * (02:00Z); the repeated 02:00-02:45 CET do not fire again. */
    EXPECT_FIRES("*/15 * * * *", "Europe/Berlin", "2026-10-25T00:40:00Z", "2026-10-25T00:45:00Z",
                 "2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z");
    return 0;
}

TEST_IMPL(cron_berlin_half_hours)
{
    /* Spring: 00:30, 01:00, 01:30 CET; 02:00 and 02:30 skipped collapse into
     * the transition fire at 01:00Z, which is also 03:00 CEST; then 03:30,
     * 04:00 CEST. */
    EXPECT_FIRES("*/30 * * * *", "Europe/Berlin", "2026-03-28T23:10:00Z", "2026-03-28T23:30:00Z",
                 "2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z",
                 "2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z");
    /* Fall: 01:30, 02:00, 02:30 CEST (23:30Z, 00:00Z, 00:30Z); 02:00 and
     * 02:30 CET (01:00Z, 01:30Z) are repeats; then 03:00, 03:30 CET. */
    EXPECT_FIRES("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:10:00Z", "2026-10-24T23:30:00Z",
                 "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z",
                 "2026-10-25T02:30:00Z");
    return 0;
}

TEST_IMPL(cron_midnight_transitions)
{
    /* Brazil, 2018-11-04 03:00Z: 00:00 -03 became 01:00 -02, so midnight
     * did not happen and fires at the transition. */
    EXPECT_FIRES("0 0 * * *", "America/Sao_Paulo", "2018-11-02T12:00:00Z", "2018-11-03T03:00:00Z",
                 "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z");
    /* 2019-02-17 02:00Z: 00:00 -02 became 23:00 -03 on the 16th, so 23:30
     * on the 16th happened twice (01:30Z and 02:30Z): first one only. */
    EXPECT_FIRES("30 23 * * *", "America/Sao_Paulo", "2019-02-15T12:00:00Z", "2019-02-16T01:30:00Z",
                 "2019-02-17T01:30:00Z", "2019-02-18T02:30:00Z");
    EXPECT_FIRES("0 0 * * *", "America/Sao_Paulo", "2019-02-16T12:00:00Z", "2019-02-17T03:00:00Z");
    return 0;
}

TEST_IMPL(cron_unknown_zone)
{
    static const char *const bad[] = {
        "Mars/Olympus_Mons", "../../etc/passwd", "Europe/../../../etc/passwd",
        "/etc/localtime",    "Europe",           "Europe/Berlin ",
        "europe/berlin",     "Asia/Shanghai\n",
    };
    struct pt_cron c;
    struct pt_err err = {0};
    ASSERT(pt_cron_parse("0 3 * * *", &c, &err) == 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        time_t next = 42;
        int rc = pt_cron_next(&c, bad[i], utc("2026-01-01T00:00:00Z"), &next, &err);
        if (rc != PT_EINVAL)
            fprintf(stderr, "zone \"%s\" gave %d\n", bad[i], rc);
        ASSERT_EQ_INT(rc, PT_EINVAL);
        ASSERT_STR_CONTAINS(err.msg, "time zone \"");
        ASSERT(next == 42);
    }
    ASSERT(pt_cron_next(&c, "Mars/Olympus_Mons", 0, &(time_t){0}, &err) == PT_EINVAL);
    ASSERT_STR_CONTAINS(err.msg,
                        "time zone \"Mars/Olympus_Mons\": not found in /usr/share/zoneinfo");

    /* NULL, "" and "UTC" are UTC; so is the tzdata spelling. */
    EXPECT_FIRES("0 3 * * *", NULL, "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z");
    EXPECT_FIRES("0 3 * * *", "", "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z");
    EXPECT_FIRES("0 3 * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z");
    EXPECT_FIRES("0 3 * * *", "Etc/UTC", "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z");
    return 0;
}

TEST_IMPL(cron_tz_restored)
{
    struct pt_cron c;
    struct pt_err err = {0};
    time_t next, noon = utc("2026-07-01T12:00:00Z");
    struct tm tm;
    ASSERT(pt_cron_parse("0 3 * * *", &c, &err) == 0);

    /* The caller's TZ, and what localtime_r then gives, survive a call. */
    ASSERT(setenv("TZ", "Asia/Tokyo", 1) == 0);
    tzset();
    ASSERT(pt_cron_next(&c, "Europe/Berlin", noon, &next, &err) == 0);
    ASSERT(next == utc("2026-07-02T01:00:00Z"));
    ASSERT(getenv("TZ") && strcmp(getenv("TZ"), "Asia/Tokyo") == 0);
    ASSERT(localtime_r(&noon, &tm) && tm.tm_hour == 21 && tm.tm_gmtoff == 9 * 3600);

    /* A failing call restores it too. */
    ASSERT(pt_cron_parse("0 0 31 2 *", &c, &err) == 0);
    ASSERT(pt_cron_next(&c, "Europe/Berlin", noon, &next, &err) == PT_ENOTFOUND);
    ASSERT(getenv("TZ") && strcmp(getenv("TZ"), "Asia/Tokyo") == 0);

    /* An unset TZ stays unset. */
    ASSERT(unsetenv("TZ") == 0);
    tzset();
    ASSERT(pt_cron_next(&c, "Asia/Shanghai", noon, &next, &err) == PT_ENOTFOUND);
    ASSERT(getenv("TZ") == NULL);
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

TEST_IMPL(cron_not_found_fast)
{
    static const char *const never[] = {"0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *",
                                        "*/5 * 31 2 *"};
    struct pt_cron c;
    struct pt_err err = {0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
        time_t next = 42;
        ASSERT(pt_cron_parse(never[i], &c, &err) == 0);
        ASSERT_EQ_INT(pt_cron_next(&c, "Europe/Berlin", utc("2026-01-01T00:00:00Z"), &next, &err),
                      PT_ENOTFOUND);
        ASSERT_STR_CONTAINS(err.msg, "no fire time within ten years after 2026-01-01T00:00:00Z");
        ASSERT(next == 42);
    }
    /* Eight years to the next 29 February, twenty times over. */
    ASSERT(pt_cron_parse("0 0 29 2 *", &c, &err) == 0);
    for (int i = 0; i < 20; i++) {
        time_t next;
        ASSERT(pt_cron_next(&c, "Asia/Shanghai", utc("2096-03-01T00:00:00Z"), &next, &err) == 0);
        ASSERT(next == utc("2104-02-28T16:00:00Z"));
    }
    /* A minute-by-minute scan over ten years takes seconds; this is days. */
    double s = seconds_since(&t0);
    if (s > 1.0)
        fprintf(stderr, "24 long searches took %.3f s\n", s);
    ASSERT(s < 1.0);
    return 0;
}

TEST_IMPL(cron_after_range)
{
    struct pt_cron c;
    struct pt_err err = {0};
    time_t next = 42;
    ASSERT(pt_cron_parse("0 0 * * *", &c, &err) == 0);
    ASSERT_EQ_INT(pt_cron_next(&c, NULL, utc("1899-12-31T23:59:59Z"), &next, &err), PT_ERANGE);
    ASSERT_STR_CONTAINS(err.msg, "outside years 1900-9000");
    ASSERT_EQ_INT(pt_cron_next(&c, NULL, utc("9000-01-01T00:00:00Z"), &next, &err), PT_ERANGE);
    ASSERT(next == 42);
    EXPECT_FIRES("0 0 * * *", NULL, "1900-01-01T00:00:00Z", "1900-01-02T00:00:00Z");
    EXPECT_FIRES("0 0 * * *", NULL, "1969-12-31T12:00:00Z", "1970-01-01T00:00:00Z");
    return 0;
}
