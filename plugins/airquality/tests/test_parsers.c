/* The feed parsers against real and sample input: the two real CNEMC days in
 * data/cnemc/ (their times, the O3 columns, the 1034A quirk, quoted primary
 * lists, a file published twice) and invented OpenAQ v3 pages in
 * data/openaq/ (values, times, skipped parameters, null values, ">1000"),
 * and every kind of malformed input each must refuse with a message that
 * says where. */
#include "test.h"
#include "cnemc.h"
#include "error.h"
#include "openaq.h"

#include <stdbool.h>
#include <stdint.h>

#define PARSER_DATA PT_SOURCE_DIR "/plugins/airquality/tests/data"

/* 2022-01-01T00:00:00+08:00, the first timepoint of the CNEMC files. */
#define T_2022_01_01_00 INT64_C(1640966400)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    ASSERT(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    ASSERT(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ASSERT(buf != NULL);
    ASSERT(fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static const struct cnemc_row *find_row(const struct cnemc_row *rows, size_t n, int64_t t,
                                        const char *station)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].time == t && strcmp(rows[i].station, station) == 0)
            return &rows[i];
    return NULL;
}

static int parse_csv(const char *text, struct cnemc_row **rows, size_t *n, char *err, size_t cap)
{
    return cnemc_parse(text, strlen(text), rows, n, err, cap);
}

#define HEADER                                                                                     \
    "timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,"        \
    "pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h\n"
#define ROW_1029A                                                                                        \
    "2022-01-01T00:00:00,1029A,114.4422,38.0444,石家庄市,职工医院,细颗粒物(PM2.5),82,93,77," \
    "60,50,40,3,28,4,70,58,13,10,0.9,0.9\n"

/* ---- CNEMC -------------------------------------------------------------- */

/* Both real days: 168 rows, 24 hours × 7 stations, sorted, hour-ending times
 * in UTC, and the O3 columns where standards.md says they belong. */
TEST_IMPL(parsers_cnemc_real)
{
    static const char *files[] = {PARSER_DATA "/cnemc/2022-01-01.csv",
                                  PARSER_DATA "/cnemc/2022-01-02.csv"};
    for (int d = 0; d < 2; d++) {
        size_t len, n;
        char *buf = slurp(files[d], &len), err[256];
        struct cnemc_row *rows;
        int rc = cnemc_parse(buf, len, &rows, &n, err, sizeof err);
        if (rc)
            fprintf(stderr, "%s: %s\n", files[d], err);
        ASSERT_EQ_INT(rc, 0);
        ASSERT_EQ_INT(n, 168);
        int64_t t0 = T_2022_01_01_00 + d * 86400;
        for (size_t i = 0; i < n; i++) {
            /* sorted by (time, station): hour i / 7, station 1029A + i % 7 */
            char want[16];
            snprintf(want, sizeof want, "%dA", 1029 + (int)(i % 7));
            ASSERT_EQ_INT(rows[i].time, t0 + (int64_t)(i / 7) * 3600);
            ASSERT(strcmp(rows[i].station, want) == 0);
            ASSERT(strcmp(rows[i].area, "石家庄市") == 0);
        }
        free(rows);
        free(buf);
    }

    size_t len, n;
    char *buf = slurp(files[0], &len);
    struct cnemc_row *rows;
    ASSERT_EQ_INT(cnemc_parse(buf, len, &rows, &n, NULL, 0), 0);
    /* 2022-01-01T00:00:00 local is 2021-12-31T16:00:00Z and closes
     * 2021-12-31; 01:00 is 17:00Z. */
    ASSERT_EQ_INT(rows[0].time, INT64_C(1640966400));
    ASSERT_EQ_INT(rows[7].time, INT64_C(1640970000));

    /* 2022-01-01T00:00:00,1029A,…,职工医院,细颗粒物(PM2.5),82,pm10 93,77,
     * pm2_5 60,50,o3 40,o3_24h 3,o3_8h 28,o3_8h_24h 4,no2 70,58,so2 13,10,
     * co 0.9,0.9 */
    const struct cnemc_row *r = &rows[0];
    ASSERT(strcmp(r->station, "1029A") == 0);
    ASSERT(strcmp(r->name, "职工医院") == 0);
    ASSERT_EQ_INT(r->aqi, 82);
    ASSERT(strcmp(r->primary, "pm2_5") == 0);
    ASSERT(r->v[AQ_PM2_5] == 60 && r->v[AQ_PM10] == 93 && r->v[AQ_SO2] == 13);
    ASSERT(r->v[AQ_NO2] == 70 && r->v[AQ_CO] == 0.9);
    ASSERT(r->v[AQ_O3] == 3);       /* o3_24h: the latest 1-hour value */
    ASSERT(r->o3_1h_max_24h == 40); /* o3: the largest of the last 24 hours */
    ASSERT(r->o3_8h == 4);          /* o3_8h_24h: the latest 8-hour mean */
    ASSERT(r->o3_8h_max_day == 28); /* o3_8h: the (previous) day's largest */
    ASSERT(r->pm2_5_24h == 50 && r->pm10_24h == 77 && r->so2_24h == 10);
    ASSERT(r->no2_24h == 58 && r->co_24h == 0.9);

    /* 1035A, the background station, is named as published */
    r = find_row(rows, n, T_2022_01_01_00, "1035A");
    ASSERT(r != NULL);
    ASSERT_STR_CONTAINS(r->name, "封龙山");
    free(rows);
    free(buf);
    return 0;
}

/* 1034A at 2022-01-02T23 publishes PM 0 with no AQI and no 1-hour O3; at
 * T22 most values are missing. Missing stays missing (NaN, -1), 0 stays 0. */
TEST_IMPL(parsers_cnemc_1034a_quirk)
{
    size_t len, n;
    char *buf = slurp(PARSER_DATA "/cnemc/2022-01-02.csv", &len);
    struct cnemc_row *rows;
    ASSERT_EQ_INT(cnemc_parse(buf, len, &rows, &n, NULL, 0), 0);
    int64_t t23 = T_2022_01_01_00 + 86400 + 23 * 3600;
    const struct cnemc_row *r = find_row(rows, n, t23, "1034A");
    ASSERT(r != NULL);
    ASSERT_EQ_INT(r->aqi, -1);
    ASSERT(strcmp(r->primary, "") == 0);
    ASSERT(r->v[AQ_PM2_5] == 0 && r->v[AQ_PM10] == 0 && r->v[AQ_CO] == 0);
    ASSERT(isnan(r->v[AQ_O3]));
    ASSERT(r->o3_1h_max_24h == 67);
    ASSERT(r->v[AQ_SO2] == 76 && r->v[AQ_NO2] == 48);

    r = find_row(rows, n, t23 - 3600, "1034A");
    ASSERT(r != NULL);
    ASSERT_EQ_INT(r->aqi, -1);
    ASSERT(isnan(r->v[AQ_PM2_5]) && isnan(r->v[AQ_PM10]) && isnan(r->v[AQ_SO2]));
    ASSERT(isnan(r->v[AQ_NO2]) && isnan(r->v[AQ_CO]) && isnan(r->v[AQ_O3]));
    ASSERT(r->pm10_24h == 50 && r->co_24h == 0.3);

    /* every other station-hour of the two days publishes an AQI */
    int missing = 0;
    for (size_t i = 0; i < n; i++)
        missing += rows[i].aqi < 0;
    ASSERT_EQ_INT(missing, 2);
    free(rows);
    free(buf);
    return 0;
}

/* "颗粒物(PM10),细颗粒物(PM2.5)" in one quoted field: both codes, in the
 * order pm2_5, pm10 whatever the published order. */
TEST_IMPL(parsers_cnemc_primary)
{
    size_t len, n;
    char *buf = slurp(PARSER_DATA "/cnemc/2022-01-01.csv", &len);
    struct cnemc_row *rows;
    ASSERT_EQ_INT(cnemc_parse(buf, len, &rows, &n, NULL, 0), 0);
    const struct cnemc_row *r = find_row(rows, n, T_2022_01_01_00 + 3600, "1030A");
    ASSERT(r != NULL);
    ASSERT(strcmp(r->primary, "pm2_5+pm10") == 0);
    int both = 0, pm25 = 0, pm10 = 0, none = 0;
    for (size_t i = 0; i < n; i++) {
        both += strcmp(rows[i].primary, "pm2_5+pm10") == 0;
        pm25 += strcmp(rows[i].primary, "pm2_5") == 0;
        pm10 += strcmp(rows[i].primary, "pm10") == 0;
        none += rows[i].primary[0] == '\0';
    }
    ASSERT_EQ_INT(both + pm25 + pm10 + none, 168);
    ASSERT_EQ_INT(both, 6);
    free(rows);
    free(buf);

    /* every name CNEMC uses, in one field */
    char err[256];
    const char *csv = "timepoint,stationcode,primarypollutant,pm2_5,pm10,so2,no2,co,o3_24h\n"
                      "2022-06-15T15:00:00,X1,\"臭氧8小时,一氧化碳,臭氧1小时,二氧化氮,二氧化硫,"
                      "颗粒物(PM10),细颗粒物(PM2.5)\",1,2,3,4,5,6\n"
                      "2022-06-15T15:00:00,X2,臭氧1小时,1,2,3,4,5,6\n"
                      "2022-06-15T15:00:00,X3,\"臭氧, 二氧化氮\",1,2,3,4,5,6\n"
                      "2022-06-15T15:00:00,X4,—,1,2,3,4,5,6\n";
    ASSERT_EQ_INT(parse_csv(csv, &rows, &n, err, sizeof err), 0);
    ASSERT_EQ_INT(n, 4);
    ASSERT(strcmp(rows[0].primary, "pm2_5+pm10+so2+no2+co+o3+o3_8h") == 0);
    ASSERT(strcmp(rows[1].primary, "o3") == 0);
    ASSERT(strcmp(rows[2].primary, "no2+o3") == 0);
    ASSERT(strcmp(rows[3].primary, "") == 0);
    free(rows);

    csv = "timepoint,stationcode,primarypollutant,pm2_5,pm10,so2,no2,co,o3_24h\n"
          "2022-06-15T15:00:00,X1,\"颗粒物(PM10),氨\",1,2,3,4,5,6\n";
    ASSERT_EQ_INT(parse_csv(csv, &rows, &n, err, sizeof err), PT_EINVAL);
    ASSERT_STR_CONTAINS(err, "line 2: primarypollutant: unknown pollutant \"氨\"");
    ASSERT(rows == NULL && n == 0);
    return 0;
}

/* The archive publishes some hours twice in one fetch: a file concatenated
 * with itself (header and all) yields each station-hour once, and when the
 * second copy differs, the second copy wins. */
TEST_IMPL(parsers_cnemc_duplicates)
{
    size_t len, n1, n2;
    char *buf = slurp(PARSER_DATA "/cnemc/2022-01-02.csv", &len);
    struct cnemc_row *once, *twice;
    ASSERT_EQ_INT(cnemc_parse(buf, len, &once, &n1, NULL, 0), 0);
    char *dbl = malloc(2 * len);
    ASSERT(dbl != NULL);
    memcpy(dbl, buf, len);
    memcpy(dbl + len, buf, len);
    char err[256];
    ASSERT_EQ_INT(cnemc_parse(dbl, 2 * len, &twice, &n2, err, sizeof err), 0);
    ASSERT_EQ_INT(n2, 168);
    ASSERT(memcmp(once, twice, n1 * sizeof *once) == 0);
    free(twice);
    free(dbl);
    free(once);
    free(buf);

    struct cnemc_row *rows;
    size_t n;
    const char *csv = HEADER ROW_1029A
        "2022-01-01T00:00:00,1030A,114.6063,38.0266,石家庄市,高新区,细颗粒物(PM2.5),79,105,85,"
        "58,44,41,3,30,5,67,55,10,8,1.0,0.7\n"
        /* a correction of 1029A, published later */
        "2022-01-01T00:00:00,1029A,114.4422,38.0444,石家庄市,职工医院,细颗粒物(PM2.5),83,93,"
        "77,61,50,40,3,28,4,70,58,13,10,0.9,0.9\n";
    ASSERT_EQ_INT(parse_csv(csv, &rows, &n, err, sizeof err), 0);
    ASSERT_EQ_INT(n, 2);
    ASSERT(strcmp(rows[0].station, "1029A") == 0);
    ASSERT_EQ_INT(rows[0].aqi, 83);
    ASSERT(rows[0].v[AQ_PM2_5] == 61);
    free(rows);
    return 0;
}

/* A UTF-8 BOM, CRLF line ends, blank lines and a trailing line without an
 * end read the same rows as the file itself. */
TEST_IMPL(parsers_cnemc_bom_crlf)
{
    size_t len, n1, n2;
    char *buf = slurp(PARSER_DATA "/cnemc/2022-01-01.csv", &len);
    struct cnemc_row *plain, *dos;
    ASSERT_EQ_INT(cnemc_parse(buf, len, &plain, &n1, NULL, 0), 0);
    char *crlf = malloc(2 * len + 16);
    ASSERT(crlf != NULL);
    size_t o = 0;
    memcpy(crlf, "\xEF\xBB\xBF\r\n", 5);
    o = 5;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            crlf[o++] = '\r';
            if (i == 200) /* a blank line in the middle */
                crlf[o++] = '\n', crlf[o++] = '\r';
        }
        crlf[o++] = buf[i];
    }
    while (o > 0 && (crlf[o - 1] == '\n' || crlf[o - 1] == '\r'))
        o--; /* no line end after the last row */
    char err[256];
    int rc = cnemc_parse(crlf, o, &dos, &n2, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(n2, n1);
    ASSERT(memcmp(plain, dos, n1 * sizeof *plain) == 0);
    free(dos);
    free(crlf);
    free(plain);
    free(buf);
    return 0;
}

/* Columns by name in any order, unknown ones ignored, optional ones absent:
 * missing, not zero. */
TEST_IMPL(parsers_cnemc_columns)
{
    struct cnemc_row *rows;
    size_t n;
    char err[256];
    const char *csv = "o3_24h,extra,co,no2,so2,pm10,pm2_5,stationcode,timepoint\n"
                      "7,whatever,0.4,31,5,88,61.5,1029A,2022-01-01T01:00:00\n"
                      "\"8\",,\"\",30,5,80,60,1029A,2022-01-01 02:00:00\n";
    ASSERT_EQ_INT(parse_csv(csv, &rows, &n, err, sizeof err), 0);
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(rows[0].time, T_2022_01_01_00 + 3600);
    ASSERT(rows[0].v[AQ_O3] == 7 && rows[0].v[AQ_CO] == 0.4 && rows[0].v[AQ_PM2_5] == 61.5);
    ASSERT_EQ_INT(rows[0].aqi, -1);
    ASSERT(rows[0].primary[0] == '\0' && rows[0].name[0] == '\0');
    ASSERT(isnan(rows[0].pm2_5_24h) && isnan(rows[0].o3_8h) && isnan(rows[0].o3_8h_max_day));
    ASSERT_EQ_INT(rows[1].time, T_2022_01_01_00 + 7200);
    ASSERT(rows[1].v[AQ_O3] == 8 && isnan(rows[1].v[AQ_CO]));
    free(rows);

    /* only a header: no rows, no error */
    ASSERT_EQ_INT(parse_csv(HEADER, &rows, &n, err, sizeof err), 0);
    ASSERT(rows == NULL && n == 0);

    /* a long name is cut at a character boundary */
    char big[512];
    snprintf(big, sizeof big,
             "timepoint,stationcode,positionname,pm2_5,pm10,so2,no2,co,o3_24h\n"
             "2022-01-01T01:00:00,1029A,%s,1,2,3,4,5,6\n",
             "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十");
    ASSERT_EQ_INT(parse_csv(big, &rows, &n, err, sizeof err), 0);
    ASSERT_EQ_INT(strlen(rows[0].name), 63);
    ASSERT_STR_CONTAINS(rows[0].name, "一二三四五六七八九十一二三四五六七八九十一");
    free(rows);
    return 0;
}

struct bad_case {
    const char *csv;
    int rc;
    const char *msg;
};

/* Every refusal names the line and what is wrong. */
TEST_IMPL(parsers_cnemc_errors)
{
    static char longfield[CNEMC_MAX_FIELD + 200];
    memset(longfield, 0, sizeof longfield);
    strcpy(longfield, "timepoint,stationcode,pm2_5,pm10,so2,no2,co,o3_24h\n"
                      "2022-01-01T01:00:00,1029A,1,2,3,4,5,");
    size_t at = strlen(longfield);
    memset(longfield + at, '7', CNEMC_MAX_FIELD + 1);

    const struct bad_case cases[] = {
        {HEADER ROW_1029A "2022-01-01T01:00:00,1030A,114.6063,38.0266,石家庄市,高新区,,67,8x3,"
                          "86,48,45,41,3,3,3,64,55,9,8,0.9,0.7\n",
         PT_EINVAL, "line 3: pm10: \"8x3\" is not a number"},
        {HEADER ROW_1029A "2022-01-01T01:00:00,1030A,,,,,,,nan,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 3: pm10: \"nan\" is not a number"},
        {HEADER ROW_1029A "2022-01-01T01:00:00,1030A,,,,,,,0x10,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 3: pm10: \"0x10\" is not a number"},
        {HEADER ROW_1029A "2022-01-01T01:00:00,1030A,,,,,,,1e999,,,,,,,,,,,,,\n", PT_ERANGE,
         "line 3: pm10: \"1e999\" is out of range"},
        {HEADER "\n\n" ROW_1029A "2022-01-01T01:00:00,1030A,,,,,,12.5,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 5: aqi: \"12.5\" is not a whole number"},
        {"timepoint,stationcode,pm2_5,pm10,so2,no2,co,o3\n", PT_EINVAL,
         "line 1: no column o3_24h (required)"},
        {"timepoint,pm2_5,pm10,so2,no2,co,o3_24h\n", PT_EINVAL,
         "line 1: no column stationcode (required)"},
        {"timepoint,stationcode,pm2_5,pm10,so2,no2,co,o3_24h,pm10\n", PT_EINVAL,
         "line 1: column pm10 appears twice"},
        {"", PT_EINVAL, "no header"},
        {"\n\r\n", PT_EINVAL, "no header"},
        {HEADER "2022-01-01T00:00:00,1029A,1,2\n", PT_EINVAL,
         "line 2: 4 fields, the header has 22"},
        {HEADER "2022-02-29T00:00:00,1029A,,,,,,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: timepoint: \"2022-02-29T00:00:00\" is not a time"},
        {HEADER "2022-01-01T00:30:00,1029A,,,,,,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: timepoint: \"2022-01-01T00:30:00\" is not on the hour"},
        {HEADER ",1029A,,,,,,,,,,,,,,,,,,,,\n", PT_EINVAL, "line 2: timepoint: \"\" is not"},
        {HEADER "2022-01-01T00:00:00,,,,,,,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: stationcode: \"\" is not a station code"},
        {HEADER "2022-01-01T00:00:00,10 29A,,,,,,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: stationcode: \"10 29A\" is not a station code"},
        {HEADER "2022-01-01T00:00:00,1029A,,,,\"a\nb\",,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: positionname: control character at byte 2"},
        {HEADER "2022-01-01T00:00:00,1029A,,,,\"\xff\",,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: positionname: not UTF-8 at byte 1"},
        {HEADER ROW_1029A "2022-01-01T01:00:00,1030A,,,,\"x\n\n", PT_EINVAL,
         "line 3: quoted field not closed"},
        {HEADER "2022-01-01T00:00:00,1029A,,,,\"x\"y,,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: field 6: text after the closing quote"},
        {HEADER "2022-01-01T00:00:00,1029A,,,,x\"y,,,,,,,,,,,,,,,,\n", PT_EINVAL,
         "line 2: field 6: quote inside an unquoted field"},
        {longfield, PT_ERANGE, "line 2: field 8 longer than 1024 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cnemc_row *rows = (void *)1;
        size_t n = 99;
        char err[256];
        int rc = parse_csv(cases[i].csv, &rows, &n, err, sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].msg))
            fprintf(stderr, "case %zu: rc %d, err \"%s\"\n", i, rc, err);
        ASSERT_EQ_INT(rc, cases[i].rc);
        ASSERT_STR_CONTAINS(err, cases[i].msg);
        ASSERT(rows == NULL && n == 0);
    }

    /* a line number counts the lines inside quoted fields */
    struct cnemc_row *rows;
    size_t n;
    char err[256];
    const char *csv = "timepoint,stationcode,positionname,pm2_5,pm10,so2,no2,co,o3_24h\n"
                      "2022-01-01T01:00:00,1029A,\"职工\r\n医院\",1,2,3,4,5,6\n"
                      "2022-01-01T01:00:00,1030A,高新区,1,2,3,4,5,x\n";
    ASSERT_EQ_INT(parse_csv(csv, &rows, &n, err, sizeof err), PT_EINVAL);
    ASSERT_STR_CONTAINS(err, "line 2: positionname: control character");

    /* an error message never carries control characters from the input */
    csv = "timepoint,stationcode,pm2_5,pm10,so2,no2,co,o3_24h\n"
          "2022-01-01T01:00:00,1029A,\"1\n\x1b[31mforged\",2,3,4,5,6\n";
    ASSERT_EQ_INT(parse_csv(csv, &rows, &n, err, sizeof err), PT_EINVAL);
    ASSERT_STR_CONTAINS(err, "line 2: pm2_5: \"1??[31mforged\" is not a number");

    /* a short buffer holds a cut message, NUL-terminated */
    char tiny[8];
    ASSERT_EQ_INT(parse_csv("x\n", &rows, &n, tiny, sizeof tiny), PT_EINVAL);
    ASSERT(strcmp(tiny, "line 1:") == 0);
    ASSERT_EQ_INT(parse_csv("x\n", &rows, &n, NULL, 0), PT_EINVAL);
    return 0;
}

/* Every prefix of a real file (a fetch cut short) parses or is refused,
 * never read past: the cheap cousin of the fuzz target, run under ASan. */
TEST_IMPL(parsers_cnemc_prefixes)
{
    size_t len;
    char *buf = slurp(PARSER_DATA "/cnemc/2022-01-01.csv", &len);
    int ok = 0, refused = 0;
    for (size_t cut = 0; cut <= len; cut += cut < 2000 ? 1 : 61) {
        char *copy = malloc(cut ? cut : 1); /* exactly cut bytes: ASan sees overreads */
        ASSERT(copy != NULL);
        memcpy(copy, buf, cut);
        struct cnemc_row *rows;
        size_t n;
        char err[256];
        int rc = cnemc_parse(copy, cut, &rows, &n, err, sizeof err);
        ASSERT(rc == 0 || rc == PT_EINVAL || rc == PT_ERANGE);
        if (rc == 0)
            ok++;
        else
            refused++;
        ASSERT(rc == 0 || (rows == NULL && n == 0));
        free(rows);
        free(copy);
    }
    printf("parsers_cnemc_prefixes: %d parsed, %d refused\n", ok, refused);
    ASSERT(ok > 0 && refused > 0);
    free(buf);
    return 0;
}

/* ---- OpenAQ ------------------------------------------------------------- */

static int parse_json(const char *text, struct openaq_meas **m, size_t *n, long *found, char *err,
                      size_t cap)
{
    return openaq_parse(text, strlen(text), m, n, found, err, cap);
}

/* 2024-01-01T16:00:00Z */
#define T_2024_01_01_16 INT64_C(1704124800)

TEST_IMPL(parsers_openaq_samples)
{
    size_t len, n;
    long found;
    char err[256];
    struct openaq_meas *m;
    char *buf = slurp(PARSER_DATA "/openaq/pm25_page1.json", &len);
    int rc = openaq_parse(buf, len, &m, &n, &found, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(found, -1); /* ">1000": keep paging */
    ASSERT_EQ_INT(n, 5);      /* six results, one null */
    static const double want[] = {35.2, 41.0, 48.7, 52, -1.5};
    static const int hour[] = {16, 17, 19, 20, 21};
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ_INT(m[i].pollutant, AQ_PM2_5);
        ASSERT(strcmp(m[i].units, "µg/m³") == 0);
        ASSERT(m[i].value == want[i]);
        ASSERT_EQ_INT(m[i].from, T_2024_01_01_16 + (hour[i] - 16) * 3600);
        ASSERT_EQ_INT(m[i].time, m[i].from + 3600); /* hour-ending */
        ASSERT_EQ_INT(m[i].flagged, i == 2);
    }
    free(m);
    free(buf);

    buf = slurp(PARSER_DATA "/openaq/o3_ppm_last_page.json", &len);
    ASSERT_EQ_INT(openaq_parse(buf, len, &m, &n, &found, err, sizeof err), 0);
    ASSERT_EQ_INT(found, 4);
    ASSERT_EQ_INT(n, 4);
    ASSERT_EQ_INT(m[0].pollutant, AQ_O3);
    ASSERT(strcmp(m[0].units, "ppm") == 0);
    ASSERT(m[0].value == 0.021 && m[3].value == 0.052);
    ASSERT_EQ_INT(m[3].time, T_2024_01_01_16 - 8 * 3600); /* 07:00Z-08:00Z */
    free(m);
    free(buf);

    buf = slurp(PARSER_DATA "/openaq/temperature.json", &len);
    ASSERT_EQ_INT(openaq_parse(buf, len, &m, &n, &found, err, sizeof err), 0);
    ASSERT_EQ_INT(found, 3);
    ASSERT(m == NULL && n == 0);
    free(buf);
    return 0;
}

#define RESULT(val, name, units, from, to)                                                         \
    "{\"value\":" val                                                                              \
    ",\"flagInfo\":{\"hasFlags\":false},\"parameter\":{\"id\":1,\"name\":\"" name                  \
    "\",\"units\":\"" units "\"},\"period\":{\"label\":\"raw\",\"interval\":\"01:00:00\","         \
    "\"datetimeFrom\":{\"utc\":\"" from "\",\"local\":\"x\"},\"datetimeTo\":{\"utc\":\"" to        \
    "\",\"local\":\"x\"}}}"
#define OK_RESULT RESULT("1.5", "pm25", "µg/m³", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")

/* Each pollutant name, the others skipped, in page order; times with a
 * fraction or an offset. */
TEST_IMPL(parsers_openaq_parameters)
{
    const char *page = "{\"meta\":{\"found\":\"1234\"},\"results\":[" RESULT(
        "1", "pm1", "µg/m³", "2024-01-01T00:00:00Z",
        "2024-01-01T01:00:00Z") "," RESULT("2", "pm10", "µg/m³", "2024-01-01T00:00:00Z",
                                           "2024-01-01T01:00:00Z") "," RESULT("3",
                                                                              "relativehumidity",
                                                                              "%",
                                                                              "bad", "bad") "," RESULT("4", "so2", "ppb", "2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.5Z") "," RESULT("5", "no2", "ppb", "2024-01-01T08:00:00+08:00", "2024-01-01T09:00:00+08:00") "," RESULT("6", "co", "ppm", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z") "," RESULT("7",
                                                                                                                                                                                                                                                                                                                                                                "o3",
                                                                                                                                                                                                                                                                                                                                                                "µg/m³",
                                                                                                                                                                                                                                                                                                                                                                "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z") "," RESULT("8",
                                                                                                                                                                                                                                                                                                                                                                                                                           "pm25",
                                                                                                                                                                                                                                                                                                                                                                                                                           "mg/m³",
                                                                                                                                                                                                                                                                                                                                                                                                                           "2024-01-01T00:00:00Z",
                                                                                                                                                                                                                                                                                                                                                                                                                           "2024-01-01T01:00:00Z") "," RESULT("null",
                                                                                                                                                                                                                                                                                                                                                                                                                                                              "pm25",
                                                                                                                                                                                                                                                                                                                                                                                                                                                              "µg/m³",
                                                                                                                                                                                                                                                                                                                                                                                                                                                              "bad", "bad") "," RESULT("9",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "um003",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "particles/cm³", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z") "]}";
    struct openaq_meas *m;
    size_t n;
    long found;
    char err[256];
    int rc = parse_json(page, &m, &n, &found, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(found, 1234);
    ASSERT_EQ_INT(n, 6);
    static const int want[] = {AQ_PM10, AQ_SO2, AQ_NO2, AQ_CO, AQ_O3, AQ_PM2_5};
    static const double value[] = {2, 4, 5, 6, 7, 8};
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ_INT(m[i].pollutant, want[i]);
        ASSERT(m[i].value == value[i]);
        ASSERT_EQ_INT(m[i].from, INT64_C(1704067200));
        ASSERT_EQ_INT(m[i].time, INT64_C(1704070800));
        ASSERT_EQ_INT(m[i].flagged, 0);
    }
    ASSERT(strcmp(m[3].units, "ppm") == 0 && strcmp(m[5].units, "mg/m³") == 0);
    free(m);

    /* flagInfo absent: not flagged; flagged: 1 */
    page = "{\"meta\":{\"found\":2},\"results\":[{\"value\":3,\"parameter\":{\"name\":\"pm10\","
           "\"units\":\"µg/m³\"},\"period\":{\"datetimeFrom\":{\"utc\":\"2024-02-29T23:00:00Z\"},"
           "\"datetimeTo\":{\"utc\":\"2024-03-01T00:00:00Z\"}}},{\"value\":4,\"flagInfo\":{"
           "\"hasFlags\":true},\"parameter\":{\"name\":\"pm10\",\"units\":\"µg/m³\"},\"period\":"
           "{\"datetimeFrom\":{\"utc\":\"2024-02-29T23:00:00Z\"},\"datetimeTo\":{\"utc\":"
           "\"2024-03-01T00:00:00Z\"}}}]}";
    ASSERT_EQ_INT(parse_json(page, &m, &n, &found, err, sizeof err), 0);
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(m[0].flagged, 0);
    ASSERT_EQ_INT(m[1].flagged, 1);
    ASSERT_EQ_INT(m[0].time, INT64_C(1709251200));
    free(m);

    /* an empty page */
    ASSERT_EQ_INT(
        parse_json("{\"meta\":{\"found\":0},\"results\":[]}", &m, &n, &found, err, sizeof err), 0);
    ASSERT(m == NULL && n == 0 && found == 0);
    return 0;
}

struct bad_json {
    const char *json;
    int rc;
    const char *msg;
};

TEST_IMPL(parsers_openaq_errors)
{
#define PAGE(results) "{\"meta\":{\"found\":1},\"results\":[" results "]}"
    const struct bad_json cases[] = {
        {"", PT_EINVAL, "line 1 column 0: not JSON"},
        {"{\"meta\":{\"found\":1},\"results\":[", PT_EINVAL, "not JSON"},
        {"{\"meta\":{\"found\":1},\"results\":[]} x", PT_EINVAL, "not JSON"},
        {"{\"meta\":{\"found\":1},\"meta\":{},\"results\":[]}", PT_EINVAL, "duplicate"},
        {"[]", PT_EINVAL, "(top): an array, not an object"},
        {"{\"results\":[]}", PT_EINVAL, "meta: missing"},
        {"{\"meta\":[],\"results\":[]}", PT_EINVAL, "meta: an array, not an object"},
        {"{\"meta\":{},\"results\":[]}", PT_EINVAL, "meta.found: missing"},
        {"{\"meta\":{\"found\":1.5},\"results\":[]}", PT_EINVAL,
         "meta.found: a number, not a count"},
        {"{\"meta\":{\"found\":-1},\"results\":[]}", PT_ERANGE, "meta.found: -1 is out of range"},
        {"{\"meta\":{\"found\":\"many\"},\"results\":[]}", PT_EINVAL,
         "meta.found: not a count or \">N\""},
        {"{\"meta\":{\"found\":\">\"},\"results\":[]}", PT_EINVAL, "meta.found: not a count"},
        {"{\"meta\":{\"found\":\"99999999999999999999999\"},\"results\":[]}", PT_ERANGE,
         "meta.found: out of range"},
        {"{\"meta\":{\"found\":1}}", PT_EINVAL, "results: missing"},
        {"{\"meta\":{\"found\":1},\"results\":{}}", PT_EINVAL, "results: an object, not an array"},
        {PAGE(OK_RESULT ",3"), PT_EINVAL, "results[1]: a number, not an object"},
        {PAGE(OK_RESULT "," RESULT("\"12\"", "pm25", "µg/m³", "2024-01-01T00:00:00Z",
                                   "2024-01-01T01:00:00Z")),
         PT_EINVAL, "results[1].value: a string, not a number"},
        {PAGE(RESULT("true", "pm25", "µg/m³", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")),
         PT_EINVAL, "results[0].value: a boolean, not a number"},
        {PAGE("{\"parameter\":{\"name\":\"pm25\",\"units\":\"ppb\"}}"), PT_EINVAL,
         "results[0].value: missing"},
        {PAGE("{\"value\":1}"), PT_EINVAL, "results[0].parameter: missing"},
        {PAGE("{\"value\":1,\"parameter\":{\"name\":2}}"), PT_EINVAL,
         "results[0].parameter.name: a number, not a string"},
        {PAGE(RESULT("1", "pm25", "", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")), PT_EINVAL,
         "results[0].parameter.units: not a unit"},
        {PAGE(RESULT("1", "pm25", "micrograms per m3", "2024-01-01T00:00:00Z",
                     "2024-01-01T01:00:00Z")),
         PT_ERANGE, "results[0].parameter.units: not a unit (1-15 bytes of text)"},
        {PAGE(RESULT("1", "pm25", "ug\\n", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")),
         PT_EINVAL, "results[0].parameter.units: not a unit"},
        {PAGE(OK_RESULT "," OK_RESULT "," OK_RESULT "," RESULT(
             "1", "pm25", "µg/m³", "2024-01-01T00:00:00Z", "2024-01-01 01:00")),
         PT_EINVAL, "results[3].period.datetimeTo.utc: not a time"},
        {PAGE(RESULT("1", "pm25", "µg/m³", "2024-13-01T00:00:00Z", "2024-01-01T01:00:00Z")),
         PT_EINVAL, "results[0].period.datetimeFrom.utc: not a time"},
        {PAGE(RESULT("1", "pm25", "µg/m³", "2023-02-29T00:00:00Z", "2024-01-01T01:00:00Z")),
         PT_EINVAL, "results[0].period.datetimeFrom.utc: not a time"},
        {PAGE(RESULT("1", "pm25", "µg/m³", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00")),
         PT_EINVAL, "results[0].period.datetimeTo.utc: not a time"},
        {PAGE(RESULT("1", "pm25", "µg/m³", "2024-01-01T01:00:00Z", "2024-01-01T01:00:00Z")),
         PT_EINVAL, "results[0].period: datetimeTo is not after datetimeFrom"},
        {PAGE("{\"value\":1,\"parameter\":{\"name\":\"pm25\",\"units\":\"ppb\"},\"period\":"
              "null}"),
         PT_EINVAL, "results[0].period: null, not an object"},
        {PAGE("{\"value\":1,\"parameter\":{\"name\":\"pm25\",\"units\":\"ppb\"},\"period\":{"
              "\"datetimeFrom\":{\"utc\":\"2024-01-01T00:00:00Z\"},\"datetimeTo\":{\"utc\":7}}}"),
         PT_EINVAL, "results[0].period.datetimeTo.utc: a number, not a time"},
        {PAGE("{\"value\":1,\"parameter\":{\"name\":\"pm25\",\"units\":\"ppb\"},\"period\":{"
              "\"datetimeFrom\":{\"utc\":\"2024-01-01T00:00:00Z\"},\"datetimeTo\":{\"utc\":"
              "\"2024-01-01T01:00:00Z\"}},\"flagInfo\":{\"hasFlags\":\"no\"}}"),
         PT_EINVAL, "results[0].flagInfo.hasFlags: a string, not a boolean"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct openaq_meas *m = (void *)1;
        size_t n = 99;
        long found = 99;
        char err[256];
        int rc = parse_json(cases[i].json, &m, &n, &found, err, sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].msg))
            fprintf(stderr, "case %zu: rc %d, err \"%s\"\n", i, rc, err);
        ASSERT_EQ_INT(rc, cases[i].rc);
        ASSERT_STR_CONTAINS(err, cases[i].msg);
        ASSERT(m == NULL && n == 0);
    }

    /* jansson quotes the input in its messages; control bytes do not pass */
    struct openaq_meas *m;
    size_t n;
    long found;
    char err[256];
    ASSERT_EQ_INT(parse_json("{\"a\":\x1b[31m}", &m, &n, &found, err, sizeof err), PT_EINVAL);
    ASSERT(strchr(err, '\x1b') == NULL);
    /* a NUL inside the buffer is not the end of it */
    ASSERT_EQ_INT(openaq_parse("{}\0{}", 5, &m, &n, &found, err, sizeof err), PT_EINVAL);
    ASSERT_STR_CONTAINS(err, "not JSON");
    return 0;
#undef PAGE
}
