/* The water plugin's feed parsers: one release as CSV and as JSON
 * (data/2024-01.*) gives the same rows; every kind of malformed or hostile
 * input is refused with a message that says where (line, or JSON path);
 * groundwater submissions in both formats and the three readings of their
 * figures. */
#include "test.h"

#include "error.h"
#include "gb3838.h"
#include "groundwater.h"
#include "release.h"
#include "wqdec.h"

#include <stdint.h>

#define WATER_DATA PT_SOURCE_DIR "/plugins/water/tests/data"

static const char *const skip[] = {"water_temp", "水温", NULL};
static const struct rel_opts jan = {.year = 2024, .month = 1, .skip = skip};

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

static int64_t dec(const char *s)
{
    int64_t v;
    ASSERT_EQ_INT(wqd_parse(s, strlen(s), 0, &v), WQD_OK);
    return v;
}

/* 2024-01-09 00:00 and 2024-01-09 10:30 Asia/Shanghai in UTC seconds. */
#define T_0109 INT64_C(1704729600)
#define T_0109_1030 (T_0109 + 10 * 3600 + 30 * 60)
#define T_0123_1030 (T_0109_1030 + 14 * 86400)

static void check_january(const struct rel_release *r)
{
    static const struct {
        const char *section;
        int water;
        int64_t time;
        int param;
        const char *value;
        int below_dl;
    } want[] = {
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_PH, "8.1", 0},
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_DO, "10.4", 0},
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_CODMN, "2.1", 0},
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_NH3_N, "0.025", 1},
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_TP, "0.02", 0},
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_TN, "1.62", 0},
        {"SJZ-01", GB_RESERVOIR, T_0109, GB_HG, "0.00002", 0}, /* 0.02 µg/L */
        {"SJZ-02", GB_RIVER, T_0109_1030, GB_PH, "7.9", 0},
        {"SJZ-02", GB_RIVER, T_0109_1030, GB_DO, "9.2", 0},
        {"SJZ-02", GB_RIVER, T_0109_1030, GB_NH3_N, "0.62", 0},
        {"SJZ-02", GB_RIVER, T_0109_1030, GB_TP, "0.12", 0},
        {"SJZ-02", GB_RIVER, T_0109_1030, GB_FECAL, "2400", 0},
        {"SJZ-02", GB_RIVER, T_0123_1030, GB_DO, "8.8", 0},
        {"SJZ-02", GB_RIVER, T_0123_1030, GB_NH3_N, "0.58", 0},
    };
    ASSERT_EQ_INT(r->n, sizeof want / sizeof want[0]);
    ASSERT_EQ_INT(r->skipped, 1); /* water temperature */
    ASSERT_EQ_INT(r->empty, 1);   /* SJZ-02's second TP */
    for (size_t i = 0; i < r->n; i++) {
        const struct rel_row *g = &r->rows[i];
        ASSERT(strcmp(g->section, want[i].section) == 0);
        ASSERT_EQ_INT(g->water, want[i].water);
        ASSERT_EQ_INT(g->time, want[i].time);
        ASSERT_EQ_INT(g->param, want[i].param);
        ASSERT_EQ_INT(g->value, dec(want[i].value));
        ASSERT_EQ_INT(g->below_dl, want[i].below_dl);
    }
}

TEST_IMPL(water_release_formats)
{
    size_t len;
    char err[512];
    struct rel_release r;
    char *csv = slurp(WATER_DATA "/2024-01.csv", &len);
    int rc = rel_parse_csv(csv, len, &jan, &r, err, sizeof err);
    if (rc)
        fprintf(stderr, "csv: %s\n", err);
    ASSERT_EQ_INT(rc, 0);
    check_january(&r);
    rel_free(&r);
    /* CRLF line ends and a byte order mark read the same */
    char *crlf = malloc(2 * len + 4), *q = crlf;
    memcpy(q, "\xEF\xBB\xBF", 3);
    q += 3;
    for (size_t i = 0; i < len; i++) {
        if (csv[i] == '\n')
            *q++ = '\r';
        *q++ = csv[i];
    }
    ASSERT_EQ_INT(rel_parse_csv(crlf, (size_t)(q - crlf), &jan, &r, err, sizeof err), 0);
    check_january(&r);
    rel_free(&r);
    free(crlf);
    free(csv);

    char *json = slurp(WATER_DATA "/2024-01.json", &len);
    rc = rel_parse_json(json, len, &jan, &r, err, sizeof err);
    if (rc)
        fprintf(stderr, "json: %s\n", err);
    ASSERT_EQ_INT(rc, 0);
    check_january(&r);
    rel_free(&r);
    free(json);
    return 0;
}

static void csv_refused(const char *body, const char *want)
{
    struct rel_release r;
    char err[512] = "";
    int rc = rel_parse_csv(body, strlen(body), &jan, &r, err, sizeof err);
    if (rc == 0 || !strstr(err, want))
        fprintf(stderr, "input:\n%s\nrc %d, message \"%s\", want \"%s\"\n", body, rc, err, want);
    ASSERT(rc < 0);
    ASSERT_STR_CONTAINS(err, want);
    ASSERT(r.rows == NULL && r.n == 0);
}

#define H "section,type,date,parameter,value,unit\n"

TEST_IMPL(water_release_csv_errors)
{
    csv_refused("", "line 1: empty file");
    csv_refused("section,type,date,parameter,value\n", "line 1: no \"unit\" column");
    csv_refused("section,type,date,parameter,value,unit,unit\n", "column \"unit\" twice");
    csv_refused(H "A,river,2024-01-05,tp,0.1\n", "line 2: 5 fields, the header has 6");
    /* a wrong unit names its line */
    csv_refused(H "A,river,2024-01-05,do,8,mg/L\nA,river,2024-01-05,tp,0.1,mg/m3\n",
                "line 3: tp: unit \"mg/m3\" does not fit tp (use mg/L or µg/L)");
    csv_refused(H "A,river,2024-01-05,fecal_coliform,100,个/mL\n",
                "line 2: fecal_coliform: unit \"个/mL\" does not fit");
    csv_refused(H "A,river,2024-01-05,ph,7,mg/L\n", "line 2: ph: unit \"mg/L\" does not fit");
    csv_refused(H "A,sea,2024-01-05,tp,0.1,mg/L\n", "line 2: type \"sea\": expected river");
    csv_refused(H "A,river,2024-02-05,tp,0.1,mg/L\n",
                "line 2: date 2024-02-05 is outside the release's month 2024-01");
    csv_refused(H "A,river,2024-01-32,tp,0.1,mg/L\n", "line 2: date \"2024-01-32\"");
    csv_refused(H "A,river,05/01/2024,tp,0.1,mg/L\n", "line 2: date \"05/01/2024\"");
    csv_refused(H "A,river,2024-01-05,conductivity,300,mg/L\n",
                "line 2: parameter \"conductivity\" is not one of GB 3838-2002 Table 1's");
    csv_refused(H "A,river,2024-01-05,tp,-0.1,mg/L\n", "line 2: tp: \"-0.1\" is negative");
    csv_refused(H "A,river,2024-01-05,tp,abc,mg/L\n", "line 2: tp: \"abc\" is not a decimal");
    csv_refused(H "A,river,2024-01-05,tp,1e400,mg/L\n", "line 2: tp: \"1e400\" is out of range");
    csv_refused(H "A,river,2024-01-05,tp,0.0000000001,mg/L\n", "has more digits than kept");
    csv_refused(H "A,river,2024-01-05,tp,nan,mg/L\n", "is not a decimal number");
    csv_refused(H "A,river,2024-01-05,tp,ND,mg/L\n", "not detected, but no detection limit");
    csv_refused(H "A,river,2024-01-05,tp,0L,mg/L\n", "a detection limit of 0");
    /* the same value twice, and a section that changes water body */
    csv_refused(H "A,river,2024-01-05,tp,0.1,mg/L\nB,river,2024-01-05,tp,0.1,mg/L\n"
                  "A,river,2024-01-05,TP,0.2,mg/L\n",
                "line 2 and line 4: section A, 2024-01-05 00:00: tp given twice");
    csv_refused(H "A,river,2024-01-05,tp,0.1,mg/L\nA,lake,2024-01-20,tp,0.1,mg/L\n",
                "line 3: section A is a lake here but a river at line 2");
    /* hostile strings: quoting, control characters, NUL, long fields, many
     * fields; a message never carries a control character */
    csv_refused(H "\"A,river,2024-01-05,tp,0.1,mg/L\n", "a quoted field is not closed");
    csv_refused(H "A\"B,river,2024-01-05,tp,0.1,mg/L\n", "a quote inside an unquoted field");
    csv_refused(H "\"A\"x,river,2024-01-05,tp,0.1,mg/L\n", "text after the closing quote");
    csv_refused(H "A\x1b[31m,river,2024-01-05,tp,0.1,mg/L\n",
                "line 2: section \"A?[31m\": expected a code");
    csv_refused(H "\xff\xfe,river,2024-01-05,tp,0.1,mg/L\n", "section \"??\"");
    /* a lone CR ends a line (the unit is cut short) */
    csv_refused(H "A,river,2024-01-05,tp,0.1,mg\r/L\n", "line 2: tp: unit \"mg\" does not fit");
    char big[3000];
    snprintf(big, sizeof big, H "%01500d,river,2024-01-05,tp,0.1,mg/L\n", 7);
    csv_refused(big, "line 2: field 1 longer than 1024 bytes");
    snprintf(big, sizeof big, H "%0100d,river,2024-01-05,tp,0.1,mg/L\n", 7);
    csv_refused(big, "...\": expected a code of 1-63 bytes");
    char many[400] = "";
    for (int i = 0; i < 70; i++)
        strcat(many, "a,");
    strcat(many, "\n");
    csv_refused(many, "line 1: more than 64 fields");
    static const char nul[] =
        "section,type,date,parameter,value,unit\nA,river,2024-01-05,tp,0\0001,mg/L\n";
    struct rel_release r;
    char err[256];
    ASSERT(rel_parse_csv(nul, sizeof nul - 1, &jan, &r, err, sizeof err) < 0);
    ASSERT_STR_CONTAINS(err, "line 2: a NUL byte");
    /* a multi-line quoted field: the error after it names the right line */
    csv_refused("section,type,date,parameter,value,unit,remark\n"
                "A,river,2024-01-05,tp,0.1,mg/L,\"two\nlines\"\nC,river,2024-01-05,tp,x,mg/L,\n",
                "line 4: tp: \"x\"");
    /* accepted: an empty release, unknown columns, blanks */
    static const char ok[] = "section,type,date,parameter,value,unit,remark\n\n"
                             " A , river , 2024-01-05 , tp , 0.1 , mg/L , x\n";
    ASSERT_EQ_INT(rel_parse_csv(ok, sizeof ok - 1, &jan, &r, err, sizeof err), 0);
    ASSERT_EQ_INT(r.n, 1);
    ASSERT(strcmp(r.rows[0].section, "A") == 0);
    rel_free(&r);
    ASSERT_EQ_INT(rel_parse_csv(H, strlen(H), &jan, &r, err, sizeof err), 0);
    ASSERT_EQ_INT(r.n, 0);
    rel_free(&r);
    return 0;
}

static void json_refused(const char *body, const char *want)
{
    struct rel_release r;
    char err[512] = "";
    int rc = rel_parse_json(body, strlen(body), &jan, &r, err, sizeof err);
    if (rc == 0 || !strstr(err, want))
        fprintf(stderr, "input:\n%s\nrc %d, message \"%s\", want \"%s\"\n", body, rc, err, want);
    ASSERT(rc < 0);
    ASSERT_STR_CONTAINS(err, want);
    ASSERT(r.rows == NULL && r.n == 0);
}

#define U "\"units\": {\"tp\": \"mg/L\", \"do\": \"mg/L\"}"

TEST_IMPL(water_release_json_errors)
{
    json_refused("", "line 1, column 0");
    json_refused("{\"sections\": [}", "line 1, column 15");
    json_refused("[]", "expected an object");
    json_refused("{\"sections\": [], \"sections\": []}", "duplicate object key");
    json_refused("{\"month\": \"2024-02\", \"sections\": []}",
                 "month: 2024-02 is not the release's month 2024-01");
    json_refused("{\"month\": 202401, \"sections\": []}", "month: expected \"YYYY-MM\"");
    json_refused("{" U "}", "sections: expected an array");
    json_refused("{\"units\": {\"tp\": \"mg/m3\"}, \"sections\": []}",
                 "units.tp: unit \"mg/m3\" does not fit tp (use mg/L or µg/L)");
    json_refused("{\"units\": {\"tp\": \"mg/L\", \"TP\": \"ug/L\"}, \"sections\": []}",
                 "has two different units");
    json_refused("{\"units\": {\"chla\": \"mg/L\"}, \"sections\": []}",
                 "units.chla: not a parameter");
    json_refused("{" U ", \"sections\": [{\"code\": \"\", \"type\": \"river\", \"samples\": []}]}",
                 "sections[0].code: expected a section code");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"sea\", \"samples\": []}]}",
                 "sections[0].type: \"sea\": expected river");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\"}]}",
                 "sections[0].samples: expected an array");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"date\": \"2024-01-05\", \"cod\": 12}]}]}",
                 "sections[0].samples[0].cod: no unit for cod in \"units\"");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"date\": \"2024-01-05\", \"tp\": true}]}]}",
                 "sections[0].samples[0].tp: expected a number");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"date\": \"2024-01-05\", \"tp\": -1}]}]}",
                 "sections[0].samples[0]: tp: \"-1\" is negative");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"date\": \"2024-01-05\", \"tp\": 1e300}]}]}",
                 "is out of range");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"tp\": 0.1}]}]}",
                 "sections[0].samples[0].date: expected");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"date\": \"2024-01-05\", \"tp\": 0.1}, {\"date\": \"2024-01-05\", "
                 "\"tp\": 0.2}]}]}",
                 "sections[0].samples[0] and sections[0].samples[1]: section A, 2024-01-05 "
                 "00:00: tp given twice");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\\u001b\", \"type\": \"river\", "
                 "\"samples\": []}]}",
                 "sections[0].code");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\\u0000\", \"type\": \"river\", "
                 "\"samples\": []}]}",
                 "NUL");
    json_refused("{" U ", \"sections\": [{\"code\": \"A\", \"type\": \"river\", \"samples\": "
                 "[{\"date\": \"2024-01-05\", \"x\\u001b[2J\": 1}]}]}",
                 "sections[0].samples[0].x?[2J: not a parameter");
    /* deep nesting is jansson's to refuse */
    char deep[5000];
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    json_refused(deep, "line 1");
    return 0;
}

TEST_IMPL(water_groundwater)
{
    size_t len, n;
    char err[512];
    struct gw_row *rows;
    char *csv = slurp(WATER_DATA "/groundwater-yearly.csv", &len);
    int rc = gw_parse_csv(csv, len, &rows, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(n, 3);
    ASSERT_EQ_INT(rows[1].year, 2022);
    ASSERT_EQ_INT(rows[1].value, dec("0.16")); /* 1600 万立方米 */
    /* yearly: base 1 (2020) + 0.17 + 0.16 + 0.19, exactly */
    struct gw_year ys[8];
    int gap;
    ASSERT_EQ_INT(gw_cumulate(GW_YEARLY, 2020, dec("1"), rows, n, ys, &gap), 3);
    ASSERT_EQ_INT(gap, 0);
    ASSERT_EQ_INT(ys[0].cum, dec("1.17"));
    ASSERT_EQ_INT(ys[1].cum, dec("1.33"));
    ASSERT_EQ_INT(ys[2].cum, dec("1.52"));
    ASSERT_EQ_INT(ys[2].cut, dec("0.19"));
    /* a missing year stops the sum */
    struct gw_row holey[] = {{2021, dec("0.17"), 2}, {2023, dec("0.19"), 3}};
    ASSERT_EQ_INT(gw_cumulate(GW_YEARLY, 2020, dec("1"), holey, 2, ys, &gap), 1);
    ASSERT_EQ_INT(gap, 2022);
    /* since the base: base + the figure; the cut is the difference */
    ASSERT_EQ_INT(gw_cumulate(GW_SINCE_BASE, 2020, dec("1"), rows, n, ys, &gap), 3);
    ASSERT_EQ_INT(ys[2].cum, dec("1.19"));
    ASSERT_EQ_INT(ys[2].cut, dec("0.03"));
    free(rows);
    free(csv);

    char *json = slurp(WATER_DATA "/groundwater-cumulative.json", &len);
    rc = gw_parse_json(json, len, &rows, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(n, 3);
    /* cumulative: the figure itself; the first year's cut from the base */
    ASSERT_EQ_INT(gw_cumulate(GW_CUMULATIVE, 2020, dec("1"), rows, n, ys, &gap), 3);
    ASSERT_EQ_INT(ys[0].cum, dec("1.17"));
    ASSERT_EQ_INT(ys[0].cut, dec("0.17"));
    ASSERT_EQ_INT(ys[1].cut, dec("0.16"));
    ASSERT(ys[0].has_cut && ys[1].has_cut && ys[2].has_cut);
    /* without a base: no cut for the first year */
    ASSERT_EQ_INT(gw_cumulate(GW_CUMULATIVE, 0, 0, rows, n, ys, &gap), 3);
    ASSERT(!ys[0].has_cut && ys[1].has_cut);
    free(rows);
    free(json);

    static const struct {
        int json;
        const char *body, *want;
    } bad[] = {
        {0, "", "line 1: empty file"},
        {0, "year,cut\n", "no \"unit\" column"},
        {0, "year,cut,unit\n", "no years after the header"},
        {0, "year,cut,unit\n2021,0.1,亿立方米\n2021,0.2,亿立方米\n",
         "lines 2 and 3: year 2021 given twice"},
        {0, "year,cut,unit\n21,0.1,亿立方米\n", "line 2: year \"21\""},
        {0, "year,cut,unit\n2021,0.1,吨\n", "line 2: unit \"吨\" is not a volume"},
        {0, "year,cut,unit\n2021,lots,亿立方米\n", "line 2: cut \"lots\" is not a decimal"},
        {0, "year,cut,unit\n2021,,亿立方米\n", "line 2: cut \"\" is not a decimal"},
        {1, "{\"cuts\": [{\"year\": 2021, \"cut\": 0.1}]}", "unit: expected a volume"},
        {1, "{\"unit\": \"t\", \"cuts\": []}", "unit: \"t\": expected a volume"},
        {1, "{\"unit\": \"亿立方米\", \"cuts\": []}", "cuts: expected an array"},
        {1, "{\"unit\": \"亿立方米\", \"cuts\": [{\"year\": \"2021\", \"cut\": 1}]}",
         "cuts[0].year: expected a year"},
        {1, "{\"unit\": \"亿立方米\", \"cuts\": [{\"year\": 2021}]}",
         "cuts[0].cut: expected a number"},
        {1,
         "{\"unit\": \"亿立方米\", \"cuts\": [{\"year\": 2021, \"cut\": 1}, {\"year\": 2021, "
         "\"cut\": 2}]}",
         "cuts[0] and cuts[1]: year 2021 given twice"},
        {1, "{\"unit\": \"亿立方米\", \"cuts\": [3]}", "cuts[0]: expected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        rc = bad[i].json
                 ? gw_parse_json(bad[i].body, strlen(bad[i].body), &rows, &n, err, sizeof err)
                 : gw_parse_csv(bad[i].body, strlen(bad[i].body), &rows, &n, err, sizeof err);
        if (rc == 0 || !strstr(err, bad[i].want))
            fprintf(stderr, "%s\nrc %d, \"%s\", want \"%s\"\n", bad[i].body, rc, err, bad[i].want);
        ASSERT(rc < 0);
        ASSERT_STR_CONTAINS(err, bad[i].want);
        ASSERT(rows == NULL && n == 0);
    }
    return 0;
}
