/* The air-quality method against independent figures: the breakpoint table
 * against aqi_golden.txt (exact rational arithmetic by aqi_golden.py), the
 * standard's special rules, and the published hourly AQI and primary
 * pollutant of two real days of Shijiazhuang station data (data/cnemc/). */
#include "test.h"
#include "aqi.h"

#include <limits.h>
#include <stdbool.h>

#define AQI_TESTS PT_SOURCE_DIR "/plugins/airquality/tests"

/* ---- The breakpoint table ---------------------------------------------- */

static int code_of(const char *code)
{
    for (int p = 0; p < AQ_NPOLL; p++)
        if (strcmp(aq_codes[p], code) == 0)
            return p;
    return -1;
}

/* Every breakpoint, ±1 in the last published digit and ±0.001 around it, and
 * CO on every 0.1 mg/m³: as the exact rational script says. */
TEST_IMPL(aqi_golden)
{
    FILE *f = fopen(AQI_TESTS "/aqi_golden.txt", "r");
    ASSERT(f != NULL);
    char line[256];
    int n = 0, bad = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char code[16], basis[8], conc[32];
        int want;
        ASSERT(sscanf(line, "%15s %7s %31s %d", code, basis, conc, &want) == 4);
        int p = code_of(code);
        enum aq_basis b = strcmp(basis, "1h") == 0    ? AQ_1H
                          : strcmp(basis, "24h") == 0 ? AQ_24H
                                                      : AQ_8H;
        ASSERT(p >= 0);
        ASSERT(b != AQ_8H || strcmp(basis, "8h") == 0);
        int got = aq_iaqi((enum aq_pollutant)p, b, strtod(conc, NULL));
        n++;
        if (got != want) {
            fprintf(stderr, "aqi_golden.txt:%d: %s %s %s: IAQI %d, want %d\n", lineno, code, basis,
                    conc, got, want);
            bad++;
        }
    }
    fclose(f);
    printf("aqi_golden: %d points, %d mismatches\n", n, bad);
    ASSERT(n > 2000);
    ASSERT_EQ_INT(bad, 0);
    return 0;
}

TEST_IMPL(aqi_columns)
{
    /* columns the table does not have */
    ASSERT_EQ_INT(aq_iaqi(AQ_PM2_5, AQ_1H, 10), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_PM10, AQ_1H, 10), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_O3, AQ_24H, 10), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_O3, AQ_8H, 10), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_O3_8H, AQ_1H, 10), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_SO2, AQ_8H, 10), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_NPOLL, AQ_1H, 10), -1);
    /* values that are not concentrations */
    ASSERT_EQ_INT(aq_iaqi(AQ_NO2, AQ_1H, NAN), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_NO2, AQ_1H, -0.5), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_NO2, AQ_1H, INFINITY), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_NO2, AQ_1H, 1e300), -1);
    ASSERT_EQ_INT(aq_iaqi(AQ_NO2, AQ_1H, -0.0), 0);
    /* standards.md's published example: PM2.5 60 → 81.25 → 82 */
    ASSERT_EQ_INT(aq_iaqi(AQ_PM2_5, AQ_24H, 60), 82);
    ASSERT_EQ_INT(aq_iaqi(AQ_PM2_5, AQ_24H, 500), 500);
    ASSERT_EQ_INT(aq_iaqi(AQ_PM2_5, AQ_24H, 500.001), -1);
    return 0;
}

/* traps.md, Numbers: the formula in doubles, (50 − 0) × (1.1 − 0) / (5 − 0),
 * is 11.000000000000002 (55.00000000000001 / 5), and a plain ceil gives 12. */
TEST_IMPL(aqi_co_rounding)
{
    volatile double c = 1.1;
    double naive = (50.0 - 0) * (c - 0) / (5 - 0) + 0;
    ASSERT(ceil(naive) == 12); /* the trap is real on this machine */
    ASSERT_EQ_INT(aq_iaqi(AQ_CO, AQ_1H, 1.1), 11);
    ASSERT_EQ_INT(aq_iaqi(AQ_CO, AQ_1H, 0.7), 7);
    ASSERT_EQ_INT(aq_iaqi(AQ_CO, AQ_24H, 1.1), 28); /* 27.5 */
    ASSERT_EQ_INT(aq_iaqi(AQ_CO, AQ_24H, 0.2), 5);
    return 0;
}

static const double none[AQ_NPOLL] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};

/* HJ 633-2012 Table 1 note (2): SO2 1h above 800 reports the 24h IAQI. */
TEST_IMPL(aqi_so2_over_800)
{
    double in[AQ_NPOLL];
    int iaqi[AQ_NPOLL];
    char primary[AQ_PRIMARY_MAX];
    memcpy(in, none, sizeof in);
    in[AQ_PM2_5] = 30;
    in[AQ_SO2] = 801;
    /* 24h 300: 100 + 50 × 150 / 325 = 123.08 → 124 */
    ASSERT_EQ_INT(aq_hourly(in, 300, iaqi, primary, sizeof primary), 124);
    ASSERT_EQ_INT(iaqi[AQ_SO2], 124);
    ASSERT(strcmp(primary, "so2") == 0);
    /* without a 24h mean, SO2 is not computed */
    ASSERT_EQ_INT(aq_hourly(in, NAN, iaqi, primary, sizeof primary), 43);
    ASSERT_EQ_INT(iaqi[AQ_SO2], -1);
    ASSERT(strcmp(primary, "") == 0);
    /* 800 itself is on the 1h column (IAQI 200); the 24h mean is ignored */
    in[AQ_SO2] = 800;
    ASSERT_EQ_INT(aq_hourly(in, 300, iaqi, primary, sizeof primary), 200);
    ASSERT_EQ_INT(iaqi[AQ_SO2], 200);
    in[AQ_SO2] = 800.0004; /* rounds to 800.000 */
    ASSERT_EQ_INT(aq_hourly(in, 300, iaqi, primary, sizeof primary), 200);
    in[AQ_SO2] = 2000;
    ASSERT_EQ_INT(aq_hourly(in, 2620, iaqi, primary, sizeof primary), 500);
    ASSERT_EQ_INT(aq_hourly(in, 2621, iaqi, primary, sizeof primary), 43);
    return 0;
}

/* HJ 633-2012 Table 1 note (3): O3 8h above 800 is not computed, O3 1h
 * stands for ozone in the daily AQI. */
TEST_IMPL(aqi_o3_8h_over_800)
{
    double in[AQ_NPOLL];
    int iaqi[AQ_NPOLL];
    char primary[AQ_PRIMARY_MAX];
    memcpy(in, none, sizeof in);
    in[AQ_PM2_5] = 40;
    in[AQ_O3] = 900; /* 300 + 100 × 100 / 200 = 350 */
    in[AQ_O3_8H] = 801;
    ASSERT_EQ_INT(aq_daily(in, iaqi, primary, sizeof primary), 350);
    ASSERT_EQ_INT(iaqi[AQ_O3_8H], -1);
    ASSERT_EQ_INT(iaqi[AQ_O3], 350);
    ASSERT(strcmp(primary, "o3") == 0);
    in[AQ_O3_8H] = 800;
    ASSERT_EQ_INT(aq_daily(in, iaqi, primary, sizeof primary), 350);
    ASSERT_EQ_INT(iaqi[AQ_O3_8H], 300);
    /* a tie between the 1h and 8h IAQI lists both */
    in[AQ_O3] = 400;
    in[AQ_O3_8H] = 265;
    ASSERT_EQ_INT(aq_daily(in, iaqi, primary, sizeof primary), 200);
    ASSERT(strcmp(primary, "o3+o3_8h") == 0);
    /* daily uses the 24h columns of SO2, NO2 and CO */
    memcpy(in, none, sizeof in);
    in[AQ_SO2] = 150;
    in[AQ_NO2] = 80;
    in[AQ_CO] = 4;
    ASSERT_EQ_INT(aq_daily(in, iaqi, primary, sizeof primary), 100);
    ASSERT(strcmp(primary, "so2+no2+co") == 0);
    /* and the hourly AQI never uses the 8h mean */
    memcpy(in, none, sizeof in);
    in[AQ_O3_8H] = 300;
    ASSERT_EQ_INT(aq_hourly(in, NAN, iaqi, primary, sizeof primary), -1);
    ASSERT_EQ_INT(iaqi[AQ_O3_8H], -1);
    return 0;
}

TEST_IMPL(aqi_primary)
{
    double in[AQ_NPOLL];
    int iaqi[AQ_NPOLL];
    char primary[AQ_PRIMARY_MAX];
    /* every IAQI 200: all seven codes... but hourly never has o3_8h */
    double all[AQ_NPOLL] = {150, 350, 800, 1200, 60, 400, NAN};
    ASSERT_EQ_INT(aq_hourly(all, NAN, iaqi, primary, sizeof primary), 200);
    ASSERT(strcmp(primary, "pm2_5+pm10+so2+no2+co+o3") == 0);
    double day[AQ_NPOLL] = {150, 350, 800, 280, 24, 400, 265};
    ASSERT_EQ_INT(aq_daily(day, iaqi, primary, sizeof primary), 200);
    ASSERT(strcmp(primary, "pm2_5+pm10+so2+no2+co+o3+o3_8h") == 0);
    ASSERT(strlen(primary) + 1 <= AQ_PRIMARY_MAX);
    /* truncated to the buffer, still terminated */
    char small[8];
    memset(small, 'x', sizeof small);
    ASSERT_EQ_INT(aq_daily(day, iaqi, small, sizeof small), 200);
    ASSERT(strcmp(small, "pm2_5+p") == 0);
    ASSERT_EQ_INT(aq_daily(day, iaqi, NULL, 0), 200);
    /* AQI 50 has no primary pollutant; 51 has */
    memcpy(in, none, sizeof in);
    in[AQ_PM2_5] = 35;
    ASSERT_EQ_INT(aq_hourly(in, NAN, iaqi, primary, sizeof primary), 50);
    ASSERT(strcmp(primary, "") == 0);
    in[AQ_PM2_5] = 35.5; /* 50.625 → 51 */
    ASSERT_EQ_INT(aq_hourly(in, NAN, iaqi, primary, sizeof primary), 51);
    ASSERT(strcmp(primary, "pm2_5") == 0);
    /* nothing computed */
    ASSERT_EQ_INT(aq_hourly(none, NAN, iaqi, primary, sizeof primary), -1);
    ASSERT(strcmp(primary, "") == 0);
    for (int p = 0; p < AQ_NPOLL; p++)
        ASSERT_EQ_INT(iaqi[p], -1);
    return 0;
}

TEST_IMPL(aqi_category)
{
    static const struct {
        int aqi, cat;
    } cases[] = {{-1, 0},  {0, 1},   {50, 1},  {51, 2},  {100, 2}, {101, 3}, {150, 3},
                 {151, 4}, {200, 4}, {201, 5}, {300, 5}, {301, 6}, {500, 6}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ASSERT_EQ_INT(aq_category(cases[i].aqi), cases[i].cat);
    ASSERT(strcmp(aq_category_zh(1), "优") == 0);
    ASSERT(strcmp(aq_category_zh(2), "良") == 0);
    ASSERT(strcmp(aq_category_zh(3), "轻度污染") == 0);
    ASSERT(strcmp(aq_category_zh(4), "中度污染") == 0);
    ASSERT(strcmp(aq_category_zh(5), "重度污染") == 0);
    ASSERT(strcmp(aq_category_zh(6), "严重污染") == 0);
    ASSERT(strcmp(aq_category_zh(0), "") == 0);
    ASSERT(strcmp(aq_category_zh(7), "") == 0);
    return 0;
}

/* ---- Published figures ----------------------------------------------------- */

TEST_IMPL(aqi_round_half_even)
{
    ASSERT(aq_round_half_even(125, 10, 0) == 12);
    ASSERT(aq_round_half_even(135, 10, 0) == 14);
    ASSERT(aq_round_half_even(250, 1000, 1) == 0.2);
    ASSERT(aq_round_half_even(350, 1000, 1) == 0.4);
    ASSERT(aq_round_half_even(251, 1000, 1) == 0.3); /* above half */
    ASSERT(aq_round_half_even(-125, 10, 0) == -12);  /* by its absolute value */
    ASSERT(aq_round_half_even(-135, 10, 0) == -14);
    ASSERT(aq_round_half_even(-4, 10, 0) == 0 && !signbit(aq_round_half_even(-4, 10, 0)));
    /* a 24h mean: 24 values summing to 1188 µg/m³ → 49.5 → 50; 1212 → 50.5 → 50 */
    ASSERT(aq_round_half_even(1188, 24, 0) == 50);
    ASSERT(aq_round_half_even(1212, 24, 0) == 50);
    /* CO to one decimal from thousandths: 24 values summing to 21.600 → 0.9,
     * 22.800 → 0.95 → 1.0; 1.05 (1050/1000) is exactly half → 1.0 */
    ASSERT(aq_round_half_even(21600, 24000, 1) == 0.9);
    ASSERT(aq_round_half_even(22800, 24000, 1) == 1.0);
    ASSERT(aq_round_half_even(1050, 1000, 1) == 1.0);
    ASSERT(aq_round_half_even(1150, 1000, 1) == 1.2);
    ASSERT(aq_round_half_even(1, 3, 3) == 0.333);
    ASSERT(aq_round_half_even(2, 3, 9) == 0.666666667);
    ASSERT(isnan(aq_round_half_even(1, 0, 0)));
    ASSERT(isnan(aq_round_half_even(1, -2, 0)));
    ASSERT(isnan(aq_round_half_even(1, 2, 10)));
    ASSERT(isnan(aq_round_half_even(1, 2, -1)));
    ASSERT(isnan(aq_round_half_even(LLONG_MAX, 1, 1)));
    ASSERT(aq_round_half_even(LLONG_MIN + 1, 1, 0) == (double)(LLONG_MIN + 1));
    ASSERT(isnan(aq_round_half_even(LLONG_MIN, 1, 0))); /* its magnitude needs 64 bits */
    return 0;
}

TEST_IMPL(aqi_percentile)
{
    double x[] = {3, 4, 8, 2, 5, 4};
    ASSERT(aq_percentile(x, 6, 90) == 6.5); /* standards.md's check value */
    ASSERT(x[0] == 2 && x[5] == 8);         /* sorted in place */
    ASSERT(aq_percentile(x, 6, 0) == 2);
    ASSERT(aq_percentile(x, 6, 100) == 8);
    ASSERT(aq_percentile(x, 6, 50) == 4); /* k = 3.5: 4 + 0 × 0.5 */
    double one[] = {7};
    ASSERT(aq_percentile(one, 1, 95) == 7);
    ASSERT(isnan(aq_percentile(x, 0, 90)));
    ASSERT(isnan(aq_percentile(x, 6, 101)));
    ASSERT(isnan(aq_percentile(x, 6, NAN)));
    double withnan[] = {1, NAN, 3};
    ASSERT(isnan(aq_percentile(withnan, 3, 50)));
    /* k whole where (n-1)·(p/100) in doubles is not: n = 101, p = 29 → X(30) */
    double seq[101];
    for (int i = 0; i < 101; i++)
        seq[i] = 100 - i;
    ASSERT(aq_percentile(seq, 101, 29) == 29);
    /* 365 days, p = 90: k = 328.6 → X(328) + 0.6 (X(329) − X(328)) */
    double year[365];
    for (int i = 0; i < 365; i++)
        year[i] = 2 * i;
    ASSERT_NEAR(aq_percentile(year, 365, 90), 2 * 327 + 0.6 * 2, 1e-9);
    return 0;
}

/* ---- Real hourly publications -------------------------------------------- */

enum {
    COL_TIMEPOINT,
    COL_STATION,
    COL_PRIMARY = 6,
    COL_AQI,
    COL_PM10,
    COL_PM10_24H,
    COL_PM2_5,
    COL_PM2_5_24H,
    COL_O3,        /* largest 1h value of the last 24 h, despite its name */
    COL_O3_24H,    /* the latest 1h value */
    COL_O3_8H,     /* the day's largest 8h mean so far */
    COL_O3_8H_24H, /* the latest 8h moving mean */
    COL_NO2,
    COL_NO2_24H,
    COL_SO2,
    COL_SO2_24H,
    COL_CO,
    COL_CO_24H,
    NCOLS
};

/* Splits one CSV line in place into at most NCOLS fields; a field may be
 * quoted (the multi-pollutant primarypollutant is). Returns the count. */
static int split_csv(char *s, char *fields[NCOLS])
{
    int n = 0;
    s[strcspn(s, "\r\n")] = '\0';
    for (;;) {
        if (n == NCOLS)
            return n + 1; /* too many */
        char *out = s;
        fields[n++] = s;
        if (*s == '"') {
            char *in = s + 1;
            for (; *in; in++) {
                if (in[0] == '"' && in[1] == '"')
                    *out++ = '"', in++;
                else if (in[0] == '"')
                    break;
                else
                    *out++ = *in;
            }
            if (*in != '"')
                return -1;
            s = in + 1;
            *out = '\0';
            if (*s == '\0')
                return n;
            if (*s != ',')
                return -1;
            s++;
        } else {
            char *comma = strchr(s, ',');
            if (!comma)
                return n;
            *comma = '\0';
            s = comma + 1;
        }
    }
}

static double field_value(const char *s)
{
    if (*s == '\0')
        return NAN;
    char *end;
    double v = strtod(s, &end);
    ASSERT(*end == '\0');
    return v;
}

/* The published primarypollutant names, comma-separated inside one quoted
 * field, mapped to codes in the canonical order. Only the first two occur in
 * these files; the rest are the network's names as given in the brief. */
static bool published_primary(const char *text, char *out, size_t cap)
{
    static const char *const zh[AQ_NPOLL] = {"细颗粒物(PM2.5)", "颗粒物(PM10)", "二氧化硫",
                                             "二氧化氮",        "一氧化碳",     "臭氧1小时",
                                             "臭氧8小时"};
    bool seen[AQ_NPOLL] = {false};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int p = 0;
        while (p < AQ_NPOLL && strcmp(zh[p], tok) != 0)
            p++;
        if (p == AQ_NPOLL) {
            fprintf(stderr, "unknown primary pollutant name \"%s\"\n", tok);
            return false;
        }
        seen[p] = true;
    }
    out[0] = '\0';
    for (int p = 0; p < AQ_NPOLL; p++)
        if (seen[p]) {
            if (out[0])
                strncat(out, "+", cap - strlen(out) - 1);
            strncat(out, aq_codes[p], cap - strlen(out) - 1);
        }
    return true;
}

#define MAX_EXCEPTIONS 32

struct exception {
    char key[64]; /* "timepoint stationcode" */
    bool used;
};

static int load_exceptions(struct exception *ex)
{
    FILE *f = fopen(AQI_TESTS "/data/cnemc/exceptions.txt", "r");
    ASSERT(f != NULL);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char tp[32], st[16], reason[2];
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        /* every entry needs a reason */
        ASSERT(sscanf(line, "%31s %15s %1s", tp, st, reason) == 3);
        ASSERT(n < MAX_EXCEPTIONS);
        snprintf(ex[n].key, sizeof ex[n].key, "%s %s", tp, st);
        ex[n++].used = false;
    }
    fclose(f);
    return n;
}

/* The published hourly aqi and primarypollutant of every station-hour that
 * publishes them are reproduced from the 1-hour values (data/README.md). */
TEST_IMPL(aqi_cnemc_hourly)
{
    static const char *const files[] = {"2022-01-01.csv", "2022-01-02.csv"};
    struct exception ex[MAX_EXCEPTIONS];
    int nex = load_exceptions(ex);
    int rows = 0, published = 0, aqi_ok = 0, primary_ok = 0, excepted = 0, failed = 0;

    for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
        char path[512], line[1024];
        snprintf(path, sizeof path, "%s/data/cnemc/%s", AQI_TESTS, files[fi]);
        FILE *f = fopen(path, "r");
        ASSERT(f != NULL);
        ASSERT(fgets(line, sizeof line, f) != NULL);
        ASSERT(strncmp(line, "timepoint,stationcode,", 22) == 0);
        while (fgets(line, sizeof line, f)) {
            char *col[NCOLS];
            ASSERT_EQ_INT(split_csv(line, col), NCOLS);
            rows++;
            if (col[COL_AQI][0] == '\0')
                continue;
            published++;
            double in[AQ_NPOLL] = {
                [AQ_PM2_5] = field_value(col[COL_PM2_5]),
                [AQ_PM10] = field_value(col[COL_PM10]),
                [AQ_SO2] = field_value(col[COL_SO2]),
                [AQ_NO2] = field_value(col[COL_NO2]),
                [AQ_CO] = field_value(col[COL_CO]),
                [AQ_O3] = field_value(col[COL_O3_24H]),       /* the latest 1h O3 */
                [AQ_O3_8H] = field_value(col[COL_O3_8H_24H]), /* must be ignored */
            };
            int iaqi[AQ_NPOLL];
            char got[AQ_PRIMARY_MAX], want[AQ_PRIMARY_MAX];
            int aqi = aq_hourly(in, field_value(col[COL_SO2_24H]), iaqi, got, sizeof got);
            ASSERT(published_primary(col[COL_PRIMARY], want, sizeof want));
            int want_aqi = atoi(col[COL_AQI]);
            bool a_ok = aqi == want_aqi, p_ok = strcmp(got, want) == 0;
            aqi_ok += a_ok;
            primary_ok += p_ok;
            char key[64];
            snprintf(key, sizeof key, "%s %s", col[COL_TIMEPOINT], col[COL_STATION]);
            int e = 0;
            while (e < nex && strcmp(ex[e].key, key) != 0)
                e++;
            if (e < nex)
                ex[e].used = true;
            if (a_ok && p_ok) {
                if (e < nex) {
                    fprintf(stderr, "%s: listed in exceptions.txt but reproduced\n", key);
                    failed++;
                }
                continue;
            }
            fprintf(stderr, "%s %s: aqi %d \"%s\", published %d \"%s\" (%s)\n", files[fi], key, aqi,
                    got, want_aqi, want, e < nex ? "listed exception" : "MISMATCH");
            if (e < nex)
                excepted++;
            else
                failed++;
        }
        fclose(f);
    }
    for (int e = 0; e < nex; e++)
        if (!ex[e].used) {
            fprintf(stderr, "exceptions.txt: %s matches no published station-hour\n", ex[e].key);
            failed++;
        }
    printf("aqi_cnemc_hourly: %d rows, %d publish an AQI; aqi reproduced %d/%d, "
           "primarypollutant %d/%d; %d listed exceptions\n",
           rows, published, aqi_ok, published, primary_ok, published, excepted);
    ASSERT_EQ_INT(rows, 2 * 168);
    ASSERT(published > 0);
    ASSERT_EQ_INT(failed, 0);
    return 0;
}
