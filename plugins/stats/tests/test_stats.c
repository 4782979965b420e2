/* The statistics plugin's parts without the daemon: the SDMX-JSON parser on
 * the standard's three sample layouts (which must give the same
 * observations) and on messages written for these tests (data/sdmx/: one
 * table in four layouts, several structures, time dimensions under other
 * names, the 1.0 layout); the bureau's query-API answers (hasdata false is
 * missing, never zero); CSV series; periods; the derivation operators; and
 * every kind of malformed input each parser must refuse saying where. */
#include "test.h"

#include "../csvseries.h"
#include "../derive.h"
#include "../nbs.h"
#include "../period.h"
#include "../sdmx.h"
#include "../settings.h"

#define STATS_DATA PT_SOURCE_DIR "/plugins/stats/tests/data"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fprintf(stderr, "cannot open %s\n", path);
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

/* ---- SDMX: observations as canonical lines ------------------------------ */

struct lines {
    char **s;
    int n, cap;
};

static void add_line(struct lines *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->s = realloc(l->s, (size_t)l->cap * sizeof *l->s);
        ASSERT(l->s != NULL);
    }
    l->s[l->n] = strdup(s);
    ASSERT(l->s[l->n] != NULL);
    l->n++;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_lines(struct lines *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}

/* "D=v D=v … | value | A=v A=v" with dimensions in key order, the time
 * dimension marked by '@', attributes sorted by id, unset ones left out:
 * what an observation means, whatever the layout it came in. */
static int collect(void *data, const struct sdmx_obs *o)
{
    struct lines *l = data;
    char buf[2048];
    size_t n = 0;
    for (int i = 0; i < o->ndims; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s=%s ", i == o->time_dim ? "@" : "",
                              o->dim_id[i], o->dim_value[i]);
    if (o->has_value)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "| %.10g |", o->value);
    else
        n += (size_t)snprintf(buf + n, sizeof buf - n, "| missing |");
    const char *ids[256];
    int na = 0;
    char attr[256][160];
    for (int i = 0; i < o->nattrs && na < 256; i++)
        if (o->attr_value[i]) {
            snprintf(attr[na], sizeof attr[0], "%s=%s", o->attr_id[i], o->attr_value[i]);
            ids[na] = attr[na];
            na++;
        }
    qsort(ids, (size_t)na, sizeof ids[0], by_str);
    for (int i = 0; i < na; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", ids[i]);
    if (strcmp(o->action, "Merge") && strcmp(o->action, "Replace"))
        snprintf(buf + n, sizeof buf - n, " [%s]", o->action);
    ASSERT(o->where && strstr(o->where, "data") != NULL);
    add_line(l, buf);
    return 0;
}

static void parse_file(const char *name, struct lines *l)
{
    char path[512], err[512];
    size_t len;
    snprintf(path, sizeof path, STATS_DATA "/sdmx/%s", name);
    char *buf = slurp(path, &len);
    int rc = sdmx_parse(buf, len, collect, l, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s: %s\n", name, err);
    ASSERT_EQ_INT(rc, 0);
    free(buf);
    qsort(l->s, (size_t)l->n, sizeof l->s[0], by_str);
}

static void same_lines(const char *a_name, const struct lines *a, const char *b_name,
                       const struct lines *b)
{
    int n = a->n > b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        const char *x = i < a->n ? a->s[i] : "(none)", *y = i < b->n ? b->s[i] : "(none)";
        if (strcmp(x, y)) {
            fprintf(stderr, "%s and %s differ at %d:\n  %s\n  %s\n", a_name, b_name, i, x, y);
            exit(1);
        }
    }
}

/* The standard's own samples: the same exchange rates as time series, flat
 * and cross-section give the same four observations. */
TEST_IMPL(stats_sdmx_samples)
{
    static const char *files[] = {"exr-time-series.json", "exr-flat.json",
                                  "exr-cross-section.json"};
    struct lines l[3] = {{0}};
    for (int i = 0; i < 3; i++)
        parse_file(files[i], &l[i]);
    static const char *const want[] = {
        "FREQ=D CURRENCY=NZD CURRENCY_DENOM=EUR EXR_TYPE=SP00 EXR_SUFFIX=A "
        "@TIME_PERIOD=2013-01-18 | 1.5931 | OBS_STATUS=A TIME_FORMAT=P1D "
        "TITLE=New Zealand dollar (NZD)",
        "FREQ=D CURRENCY=NZD CURRENCY_DENOM=EUR EXR_TYPE=SP00 EXR_SUFFIX=A "
        "@TIME_PERIOD=2013-01-21 | 1.5925 | OBS_STATUS=A TIME_FORMAT=P1D "
        "TITLE=New Zealand dollar (NZD)",
        "FREQ=D CURRENCY=RUB CURRENCY_DENOM=EUR EXR_TYPE=SP00 EXR_SUFFIX=A "
        "@TIME_PERIOD=2013-01-18 | 40.3426 | OBS_STATUS=A TIME_FORMAT=P1D "
        "TITLE=Russian rouble (RUB)",
        "FREQ=D CURRENCY=RUB CURRENCY_DENOM=EUR EXR_TYPE=SP00 EXR_SUFFIX=A "
        "@TIME_PERIOD=2013-01-21 | 40.3 | OBS_STATUS=A TIME_FORMAT=P1D "
        "TITLE=Russian rouble (RUB)",
    };
    struct lines w = {0};
    for (int i = 0; i < 4; i++)
        add_line(&w, want[i]);
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < l[i].n; k++)
            printf("%s: %s\n", files[i], l[i].s[k]);
        same_lines("expected", &w, files[i], &l[i]);
    }
    for (int i = 0; i < 3; i++)
        free_lines(&l[i]);
    free_lines(&w);
    return 0;
}

/* One table in four layouts (make_variants.py): dimensions at series and
 * observation level in every combination, attributes at data-set, group,
 * series and observation level, a null value, an absent key, a default
 * left out, a null placeholder, a string value, annotation indexes. */
TEST_IMPL(stats_sdmx_layouts)
{
    static const char *files[] = {"city-timeseries.json", "city-series-obs.json",
                                  "city-cross-section.json", "city-flat.json"};
    struct lines l[4] = {{0}};
    for (int i = 0; i < 4; i++)
        parse_file(files[i], &l[i]);
    for (int i = 1; i < 4; i++)
        same_lines(files[0], &l[0], files[i], &l[i]);
    /* 17 keys in the table, one of them a null value; 7 absent */
    ASSERT_EQ_INT(l[0].n, 17);
    static const char *const some[] = {
        /* a value with every kind of attribute: default status left out */
        "FREQ=A REF_AREA=130100 INDICATOR=GDP_IDX @TIME_PERIOD=2021 | 106.5 | DECIMALS=1 "
        "OBS_STATUS=A SOURCE_AGENCY=SJZ_STATS UNIT_MEASURE=IDX_PY100",
        /* coded status, free comment, annotation index after them */
        "FREQ=A REF_AREA=130100 INDICATOR=GDP_IDX @TIME_PERIOD=2023 | 106.3 | DECIMALS=1 "
        "OBS_COMMENT=preliminary accounting OBS_STATUS=P SOURCE_AGENCY=SJZ_STATS "
        "UNIT_MEASURE=IDX_PY100",
        /* missing: a null value, and a null status that is not the default */
        "FREQ=A REF_AREA=130200 INDICATOR=GDP_IDX @TIME_PERIOD=2022 | missing | DECIMALS=1 "
        "OBS_COMMENT=not yet published SOURCE_AGENCY=SJZ_STATS UNIT_MEASURE=IDX_PY100",
        /* a value sent as a string */
        "FREQ=A REF_AREA=130100 INDICATOR=GDP_CUR @TIME_PERIOD=2022 | 7100.6 | DECIMALS=2 "
        "OBS_STATUS=A SOURCE_AGENCY=SJZ_STATS UNIT_MEASURE=CNY_1E8",
    };
    for (size_t k = 0; k < sizeof some / sizeof some[0]; k++) {
        int found = 0;
        for (int i = 0; i < l[0].n; i++)
            found |= !strcmp(l[0].s[i], some[k]);
        if (!found) {
            fprintf(stderr, "not found: %s\n", some[k]);
            for (int i = 0; i < l[0].n; i++)
                fprintf(stderr, "  %s\n", l[0].s[i]);
        }
        ASSERT(found);
    }
    /* an absent key is no observation */
    for (int i = 0; i < l[0].n; i++)
        ASSERT(!strstr(l[0].s[i], "REF_AREA=130200 INDICATOR=GDP_CUR @TIME_PERIOD=2022"));
    for (int i = 0; i < 4; i++)
        free_lines(&l[i]);
    return 0;
}

/* Two structures used out of order, time dimensions under other names (by
 * role; by start and end), keys in keyPosition order, a Delete data set,
 * the 1.0 layout and a singular data.structure. */
TEST_IMPL(stats_sdmx_structures)
{
    struct lines l = {0};
    parse_file("multi-structure.json", &l);
    static const char *const want[] = {
        "@REF_YEAR=2022 REF_AREA=130100 ITEM=CPI | 102.1 |",
        "@REF_YEAR=2022 REF_AREA=130100 ITEM=PPI | 104.9 |",
        "@REF_YEAR=2023 REF_AREA=130100 ITEM=CPI | 100.4 | OBS_STATUS=P",
        "@REF_YEAR=2023 REF_AREA=130100 ITEM=PPI | missing |",
        "@REF_YEAR=2023 REF_AREA=130100 ITEM=PPI | missing | [Delete]",
        "SERIES=INC_NOM @PERIODE=2022 | 41502 | UNIT_MEASURE=元 UNIT_MULT=0",
        "SERIES=INC_NOM @PERIODE=2023-Q1 | 1.12305 | UNIT_MEASURE=元 UNIT_MULT=4",
    };
    struct lines w = {0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        add_line(&w, want[i]);
    qsort(w.s, (size_t)w.n, sizeof w.s[0], by_str);
    same_lines("expected", &w, "multi-structure.json", &l);
    free_lines(&l);
    free_lines(&w);

    parse_file("v1-top-level.json", &l);
    ASSERT_EQ_INT(l.n, 3);
    ASSERT_STR_CONTAINS(l.s[0], "INDICATOR=POP @TIME_PERIOD=2019 | 1095.2 | OBS_STATUS=A");
    ASSERT_STR_CONTAINS(l.s[1], "@TIME_PERIOD=2020 | missing |");
    ASSERT_STR_CONTAINS(l.s[2], "@TIME_PERIOD=2021 | 1120.47 |");
    ASSERT_STR_CONTAINS(l.s[0], "[Information]");
    free_lines(&l);

    parse_file("v2-structure-singular.json", &l);
    ASSERT_EQ_INT(l.n, 2);
    ASSERT_STR_CONTAINS(l.s[1], "INDICATOR=URB_RATE @TIME_PERIOD=2022 | 67.48 |");
    free_lines(&l);
    return 0;
}

static int count_obs(void *data, const struct sdmx_obs *o)
{
    (void)o;
    ++*(int *)data;
    return 0;
}

static void sdmx_refuses(const char *text, const char *want)
{
    char err[512];
    int n = 0;
    int rc = sdmx_parse(text, strlen(text), count_obs, &n, err, sizeof err);
    if (rc != -1 || !strstr(err, want))
        fprintf(stderr, "input: %.200s\nrc %d, err: %s\nwanted: %s\n", text, rc, err, want);
    ASSERT_EQ_INT(rc, -1);
    ASSERT_STR_CONTAINS(err, want);
}

#define STRUCT1                                                                                    \
    "{\"data\":{\"structures\":[{\"dimensions\":{\"series\":[{\"id\":\"A\",\"keyPosition\":0,"     \
    "\"values\":[{\"id\":\"x\"},{\"id\":\"y\"}]}],\"observation\":[{\"id\":\"TIME_PERIOD\","       \
    "\"keyPosition\":1,\"values\":[{\"id\":\"2021\"}]}]},\"attributes\":{\"observation\":[{"       \
    "\"id\":\"S\",\"values\":[{\"id\":\"A\"}]}]}}],\"dataSets\":[{"

TEST_IMPL(stats_sdmx_errors)
{
    sdmx_refuses("{\"data\":", "line 1");
    sdmx_refuses("[]", "expected an SDMX-JSON data message");
    sdmx_refuses("{\"meta\":{},\"errors\":[{\"code\":404,\"title\":\"No results found\"}]}",
                 "errors[0]: the sender reports an error: 404 No results found");
    sdmx_refuses(STRUCT1 "\"series\":{\"7\":{\"observations\":{\"0\":[1]}}}}]}}",
                 "data.dataSets[0].series[\"7\"]: key \"7\": index 7 beyond the 2 values of A");
    sdmx_refuses(STRUCT1 "\"series\":{\"99999999999\":{\"observations\":{\"0\":[1]}}}}]}}",
                 "index too large");
    sdmx_refuses(STRUCT1 "\"series\":{\"0:0\":{\"observations\":{\"0\":[1]}}}}]}}",
                 "expected 1 indexes joined by ':'");
    sdmx_refuses(STRUCT1 "\"series\":{\"-1\":{\"observations\":{\"0\":[1]}}}}]}}",
                 "expected 1 indexes");
    sdmx_refuses(STRUCT1 "\"series\":{\"0\":{\"observations\":{\"1\":[1]}}}}]}}",
                 ".observations[\"1\"]: key \"1\": index 1 beyond the 1 values of TIME_PERIOD");
    sdmx_refuses(STRUCT1 "\"series\":{\"0\":{\"observations\":{\"0\":[1,5]}}}}]}}",
                 "attribute S: index 5 beyond its 1 values");
    sdmx_refuses(STRUCT1 "\"series\":{\"0\":{\"observations\":{\"0\":[\"1,5\"]}}}}]}}",
                 "value \"1,5\" is not a number");
    sdmx_refuses(STRUCT1 "\"series\":{\"0\":{\"observations\":{\"0\":[{\"a\":1}]}}}}]}}",
                 "the value is not a number");
    sdmx_refuses(STRUCT1 "\"series\":{\"0\":{\"observations\":{\"0\":7}}}}]}}",
                 "expected an array [value, attributes");
    sdmx_refuses(STRUCT1 "\"structure\":3}]}}", "data.dataSets[0].structure: no structure 3");
    sdmx_refuses(STRUCT1 "\"dimensionGroupAttributes\":{\"5:\":[0]}}]}}",
                 "dimensionGroupAttributes[\"5:\"]: index 5 beyond the 2 values of A");
    sdmx_refuses("{\"data\":{\"structures\":[{\"dimensions\":{\"series\":[{\"keyPosition\":0}]}}],"
                 "\"dataSets\":[{}]}}",
                 "data.structures[0].dimensions.series[0]: a dimension without an id");
    sdmx_refuses("{\"data\":{\"structures\":[{\"dimensions\":{\"series\":[{\"id\":\"A\"},"
                 "{\"id\":\"A\"}]}}],\"dataSets\":[{}]}}",
                 "dimension A twice");
    sdmx_refuses("{\"a\":1,\"a\":2}", "duplicate object key");
    /* deep nesting: jansson's depth limit, then ours in a value */
    char *deep = malloc(200003);
    ASSERT(deep != NULL);
    memset(deep, '[', 100000);
    memset(deep + 100000, ']', 100000);
    deep[200000] = '\0';
    sdmx_refuses(deep, "maximum parsing depth");
    free(deep);
    char nested[4096];
    snprintf(nested, sizeof nested,
             STRUCT1 "\"series\":{\"0\":{\"observations\":{\"0\":[[[[[[[[[[1]]]]]]]]]]}}}}]}}");
    sdmx_refuses(nested, "the value is not a number");
    /* control characters in ids come back as '?' */
    sdmx_refuses(STRUCT1 "\"series\":{\"0\\n\":{\"observations\":{\"0\":[1]}}}}]}}",
                 "series[\"0?\"]");
    return 0;
}

/* ---- the bureau's query API -------------------------------------------- */

struct nbs_seen {
    char line[16][160];
    int n;
};

static int collect_nbs(void *data, const struct nbs_point *p)
{
    struct nbs_seen *s = data;
    ASSERT(s->n < 16);
    if (p->has_value)
        snprintf(s->line[s->n++], sizeof s->line[0], "%s %s %s %s %.10g %s", p->zb,
                 p->reg ? p->reg : "-", p->sj, p->period, p->value, p->unit ? p->unit : "-");
    else
        snprintf(s->line[s->n++], sizeof s->line[0], "%s %s %s %s missing", p->zb,
                 p->reg ? p->reg : "-", p->sj, p->period);
    return 0;
}

TEST_IMPL(stats_nbs)
{
    size_t len;
    char err[256];
    struct nbs_seen s = {0};
    char *buf = slurp(STATS_DATA "/nbs/sjz-annual.json", &len);
    ASSERT_EQ_INT(nbs_parse(buf, len, collect_nbs, &s, err, sizeof err), 0);
    free(buf);
    ASSERT_EQ_INT(s.n, 7);
    ASSERT(!strcmp(s.line[0], "A020101 130100 2023 2023 7534.2 亿元"));
    /* hasdata false, data 0: missing, never zero */
    ASSERT(!strcmp(s.line[3], "A020201 130100 2023 2023 missing"));
    /* strdata is the published figure; data when strdata is empty */
    ASSERT(!strcmp(s.line[4], "A020201 130100 2022 2022 106.2 -"));
    ASSERT(!strcmp(s.line[5], "A020201 130100 2021 2021 106.5 -"));
    ASSERT(!strcmp(s.line[6], "A030101 130100 2023 2023 1123.36 万人"));

    memset(&s, 0, sizeof s);
    buf = slurp(STATS_DATA "/nbs/quarterly.json", &len);
    ASSERT_EQ_INT(nbs_parse(buf, len, collect_nbs, &s, err, sizeof err), 0);
    free(buf);
    ASSERT_EQ_INT(s.n, 5);
    ASSERT(!strcmp(s.line[0], "A010103 - 2024C 2024-Q3 4.8 %"));
    ASSERT(!strcmp(s.line[2], "A010103 - 2024A 2024-Q1 5.3 %"));
    ASSERT(!strcmp(s.line[3], "A010103 - 2024D 2024-Q4 missing"));
    ASSERT(!strcmp(s.line[4], "A01030101 - 202408 2024-08 100.5 -"));
    return 0;
}

static void nbs_refuses(const char *text, const char *want)
{
    char err[512];
    struct nbs_seen s = {0};
    int rc = nbs_parse(text, strlen(text), collect_nbs, &s, err, sizeof err);
    if (rc != -1 || !strstr(err, want))
        fprintf(stderr, "input: %.200s\nrc %d, err: %s\nwanted: %s\n", text, rc, err, want);
    ASSERT_EQ_INT(rc, -1);
    ASSERT_STR_CONTAINS(err, want);
}

#define NODE(data, wds)                                                                            \
    "{\"returncode\":200,\"returndata\":{\"datanodes\":[{\"data\":" data ",\"wds\":" wds "}]}}"
#define WDS "[{\"wdcode\":\"zb\",\"valuecode\":\"A01\"},{\"wdcode\":\"sj\",\"valuecode\":\"2023\"}]"

TEST_IMPL(stats_nbs_errors)
{
    nbs_refuses("{\"returncode\":501,\"returndata\":\"查询失败\"}",
                "returncode 501: the bureau answered with an error: 查询失败");
    nbs_refuses("{\"returncode\":\"200\"}", "returncode: missing or not a number");
    nbs_refuses("{\"returncode\":200}", "returndata: expected an object");
    nbs_refuses("{\"returncode\":200,\"returndata\":{}}", "returndata.datanodes: missing");
    nbs_refuses(NODE("{\"data\":1,\"strdata\":\"1\"}", WDS),
                "returndata.datanodes[0].data.hasdata: missing");
    nbs_refuses(NODE("{\"hasdata\":true,\"strdata\":\"1,2\"}", WDS),
                "datanodes[0].data.strdata: \"1,2\" is not a number");
    nbs_refuses(NODE("{\"hasdata\":true,\"strdata\":\"inf\"}", WDS), "is not a number");
    nbs_refuses(NODE("{\"hasdata\":true,\"strdata\":\"\"}", WDS),
                "hasdata is true but there is no number");
    nbs_refuses(
        NODE("{\"hasdata\":true,\"data\":1}", "[{\"wdcode\":\"zb\",\"valuecode\":\"A01\"}]"),
        "datanodes[0].wds: no sj (time) entry");
    nbs_refuses(NODE("{\"hasdata\":true,\"data\":1}",
                     "[{\"wdcode\":\"sj\",\"valuecode\":\"2023W1\"},{\"wdcode\":\"zb\","
                     "\"valuecode\":\"A\"}]"),
                "time code \"2023W1\" is not a year, quarter or month");
    nbs_refuses(NODE("{\"hasdata\":true,\"data\":1}",
                     "[{\"wdcode\":\"sj\",\"valuecode\":\"2023\"},{\"wdcode\":\"sj\","
                     "\"valuecode\":\"2024\"}]"),
                "sj twice");
    nbs_refuses("{\"returncode\":200,\"returndata\":{\"datanodes\":[1]}}",
                "datanodes[0]: expected");
    nbs_refuses("{\"returncode\":200,", "line 1");
    return 0;
}

/* ---- CSV series -------------------------------------------------------- */

struct csv_seen {
    char line[16][160];
    int n;
};

static int collect_csv(void *data, const struct csv_point *p)
{
    struct csv_seen *s = data;
    ASSERT(s->n < 16);
    snprintf(s->line[s->n++], sizeof s->line[0], "%d %s %s %s %s %s", p->line, p->series, p->period,
             p->has_value ? "v" : "missing", p->unit ? p->unit : "-", p->region ? p->region : "-");
    return 0;
}

TEST_IMPL(stats_csv)
{
    size_t len;
    char err[256];
    struct csv_seen s = {0};
    char *buf = slurp(STATS_DATA "/csv/series.csv", &len);
    ASSERT_EQ_INT(csvseries_parse(buf, len, collect_csv, &s, err, sizeof err), 0);
    free(buf);
    ASSERT_EQ_INT(s.n, 7);
    ASSERT(!strcmp(s.line[0], "2 gdp_index 2021 v - 130100"));
    ASSERT(!strcmp(s.line[2], "4 gdp_ytd 2024-Q3 v % 130100"));
    ASSERT(!strcmp(s.line[5], "7 pop_total 2024 missing 万人 130100"));
    ASSERT(!strcmp(s.line[6], "8 pop_total 2022 missing 万人 130100"));

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"", "line 1: empty file: no header"},
        {"series,period\nx,2023\n", "line 1: no \"value\" column"},
        {"series,period,value,colour\n", "line 1: unknown column \"colour\""},
        {"series,period,value,value\n", "column \"value\" twice"},
        {"series,period,value\nx,2023,1.5.2\n", "line 2: value \"1.5.2\" is not a number"},
        {"series,period,value\nx,2023,0x10\n", "line 2: value \"0x10\" is not a number"},
        {"series,period,value\nx,2023\n", "line 2: 2 fields, the header has 3"},
        {"series,period,value\n\"x,2023,1\n", "line 2: a quoted field is not closed"},
        {"series,period,value\n,2023,1\n", "line 2: series and period must not be empty"},
        {"\xef\xbb\xbfseries,period,value\nx,2023,1\nx,2024,\"2\"x\n",
         "line 3: text after a closing quote"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&s, 0, sizeof s);
        int rc =
            csvseries_parse(bad[i].text, strlen(bad[i].text), collect_csv, &s, err, sizeof err);
        if (rc != -1 || !strstr(err, bad[i].want))
            fprintf(stderr, "case %zu: rc %d, err %s\n", i, rc, err);
        ASSERT_EQ_INT(rc, -1);
        ASSERT_STR_CONTAINS(err, bad[i].want);
    }
    return 0;
}

/* ---- periods ----------------------------------------------------------- */

TEST_IMPL(stats_periods)
{
    static const struct {
        const char *in, *text, *end;
        char freq;
    } ok[] = {
        {"2023", "2023", "2023-12-31", 'A'},
        {"2023-A1", "2023", "2023-12-31", 'A'},
        {"2023-S1", "2023-S1", "2023-06-30", 'S'},
        {"2023-Q3", "2023-Q3", "2023-09-30", 'Q'},
        {"2023Q4", "2023-Q4", "2023-12-31", 'Q'},
        {"2024-02", "2024-02", "2024-02-29", 'M'},
        {"2023-M11", "2023-11", "2023-11-30", 'M'},
        {"2023-09-30", "2023-09-30", "2023-09-30", 'D'},
        {"2024-D060", "2024-02-29", "2024-02-29", 'D'},
        {"2023-01-01/P1Y", "2023", "2023-12-31", 'A'},
        {"2023-07-01T00:00:00/P3M", "2023-Q3", "2023-09-30", 'Q'},
        {"2023-07-01T00:00:00.000+08:00/P6M", "2023-S2", "2023-12-31", 'S'},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct st_period p;
        char t[11], e[11];
        int rc = st_period_parse(ok[i].in, &p);
        if (rc)
            fprintf(stderr, "%s refused\n", ok[i].in);
        ASSERT_EQ_INT(rc, 0);
        st_period_text(&p, t);
        st_period_end(&p, e);
        if (strcmp(t, ok[i].text) || strcmp(e, ok[i].end) || p.freq != ok[i].freq)
            fprintf(stderr, "%s: %s %s %c\n", ok[i].in, t, e, p.freq);
        ASSERT(!strcmp(t, ok[i].text) && !strcmp(e, ok[i].end) && p.freq == ok[i].freq);
        /* the period's start instant reads back as the same period */
        struct st_period q;
        ASSERT_EQ_INT(st_period_at(st_period_start(&p), p.freq, &q), 0);
        ASSERT_EQ_INT(st_period_key(&q), st_period_key(&p));
    }
    static const char *const bad[] = {"",
                                      "202",
                                      "2023-13",
                                      "2023-Q5",
                                      "2023-02-30",
                                      "2023-W12",
                                      "2023-S3",
                                      "2023-D366",
                                      "12345",
                                      "2023-01-02/P1Y",
                                      "2023-01-01/P2Y",
                                      "2023-07-01T12:00:00/P3M",
                                      "1899",
                                      "2023-",
                                      "2023Q",
                                      "abcd",
                                      "2023-09-3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct st_period p;
        if (!st_period_parse(bad[i], &p))
            fprintf(stderr, "%s accepted\n", bad[i]);
        ASSERT(st_period_parse(bad[i], &p) != 0);
    }
    /* stamped with local midnight (+08:00) starting the period */
    struct st_period y = {2023, 'A', 0};
    ASSERT_EQ_INT(st_period_start(&y), 1672531200 - 8 * 3600); /* 2023-01-01T00:00+08:00 */
    struct st_period q;
    ASSERT(st_period_at(1672531200, 'A', &q) != 0); /* UTC midnight is 08:00 local */
    return 0;
}

/* ---- derivations ------------------------------------------------------- */

static void put(struct st_series *s, int year, int sub, double v, int touched)
{
    struct st_val x = {
        .key = year * 1000 + sub, .v = v, .has = 1, .touched = (uint8_t)touched, .ref = 0};
    ASSERT_EQ_INT(st_series_put(s, &x), 0);
}

static double at(const struct st_series *s, int year, int sub)
{
    const struct st_val *v = st_series_get(s, year * 1000 + sub);
    return v && v->has ? v->v : NAN;
}

TEST_IMPL(stats_derive_ops)
{
    struct st_series idx = {0}, lvl = {0}, cpi = {0}, out = {0}, num = {0}, den = {0};
    put(&idx, 2021, 0, 106.5, 0);
    put(&idx, 2022, 0, 103.8, 0);
    put(&idx, 2023, 0, 105.45, 1);
    struct st_op op = {.kind = ST_OP_INDEX_GROWTH, .base = 100, .decimals = -1};
    ASSERT_EQ_INT(st_derive(&op, &idx, NULL, &out), 0);
    ASSERT_EQ_INT(out.n, 3);
    /* 103.8 - 100 is 3.799999999999997 in binary: published 3.8 */
    ASSERT(at(&out, 2022, 0) == 3.8);
    ASSERT(at(&out, 2023, 0) == 5.45);
    ASSERT(!st_series_get(&out, 2022000)->touched && st_series_get(&out, 2023000)->touched);
    op.decimals = 1;
    ASSERT_EQ_INT(st_derive(&op, &idx, NULL, &out), 0);
    ASSERT(at(&out, 2023, 0) == 5.5); /* half away from zero */

    /* growth from levels: needs the previous year; a gap gives nothing */
    put(&lvl, 2020, 0, 100, 0);
    put(&lvl, 2021, 0, 108, 1);
    put(&lvl, 2023, 0, 120, 0);
    op = (struct st_op){.kind = ST_OP_GROWTH, .decimals = -1};
    ASSERT_EQ_INT(st_derive(&op, &lvl, NULL, &out), 0);
    ASSERT_EQ_INT(out.n, 1);
    ASSERT(at(&out, 2021, 0) == 8);
    /* and nothing over a zero */
    struct st_series z = {0};
    put(&z, 2020, 0, 0, 0);
    put(&z, 2021, 0, 5, 0);
    ASSERT_EQ_INT(st_derive(&op, &z, NULL, &out), 0);
    ASSERT_EQ_INT(out.n, 0);
    op.kind = ST_OP_DIFF;
    ASSERT_EQ_INT(st_derive(&op, &z, NULL, &out), 0);
    ASSERT(at(&out, 2021, 0) == 5);

    /* real growth: nominal 8% with prices up 2.5% is 5.37% real */
    struct st_series nom = {0};
    put(&nom, 2023, 0, 8, 0);
    put(&nom, 2024, 0, 6, 0);
    put(&cpi, 2023, 0, 102.5, 1);
    op = (struct st_op){.kind = ST_OP_DEFLATE, .decimals = 2};
    ASSERT_EQ_INT(st_derive(&op, &nom, &cpi, &out), 0);
    ASSERT_EQ_INT(out.n, 1);
    ASSERT(at(&out, 2023, 0) == 5.37);
    ASSERT(st_series_get(&out, 2023000)->touched);

    /* per thousand: physicians (人) over population (万人): scale 1000 × 10^-4 */
    put(&num, 2023, 0, 45210, 0);
    put(&den, 2023, 0, 1123.36, 0);
    put(&den, 2022, 0, 1122.35, 0);
    op = (struct st_op){.kind = ST_OP_RATIO, .scale = 0.1, .decimals = 2};
    ASSERT_EQ_INT(st_derive(&op, &num, &den, &out), 0);
    ASSERT_EQ_INT(out.n, 1);
    ASSERT(at(&out, 2023, 0) == 4.02);

    /* the cumulative change against 2020: Π(1 + r) − 1, no chain over a gap */
    struct st_series r = {0};
    put(&r, 2021, 0, -3.2, 0);
    put(&r, 2022, 0, -2.9, 0);
    put(&r, 2023, 0, -3.5, 1);
    put(&r, 2025, 0, -3, 0);
    op = (struct st_op){.kind = ST_OP_CHAIN, .base_year = 2020, .decimals = -1};
    ASSERT_EQ_INT(st_derive(&op, &r, NULL, &out), 0);
    ASSERT_EQ_INT(out.n, 3);
    ASSERT_NEAR(at(&out, 2022, 0), ((1 - 0.032) * (1 - 0.029) - 1) * 100, 1e-9);
    ASSERT_NEAR(at(&out, 2023, 0), ((1 - 0.032) * (1 - 0.029) * (1 - 0.035) - 1) * 100, 1e-9);
    ASSERT(isnan(at(&out, 2025, 0)));
    ASSERT(!st_series_get(&out, 2022000)->touched && st_series_get(&out, 2023000)->touched);
    int32_t a[8], b[8];
    int na, nb;
    st_derive_inputs(&op, 2023000, a, &na, b, &nb, 8);
    ASSERT_EQ_INT(na, 3);
    ASSERT_EQ_INT(a[0], 2021000);
    ASSERT_EQ_INT(nb, 0);

    /* quarterly year-to-date growth compares the same quarter a year before */
    struct st_series qy = {0};
    put(&qy, 2023, 3, 200, 0);
    put(&qy, 2024, 2, 150, 1);
    put(&qy, 2024, 3, 210, 1);
    op = (struct st_op){.kind = ST_OP_GROWTH, .decimals = 1};
    ASSERT_EQ_INT(st_derive(&op, &qy, NULL, &out), 0);
    ASSERT_EQ_INT(out.n, 1);
    ASSERT(at(&out, 2024, 3) == 5);

    /* missing inputs give no result, never a zero */
    struct st_series m = {0};
    struct st_val miss = {.key = 2023000, .has = 0, .touched = 1};
    ASSERT_EQ_INT(st_series_put(&m, &miss), 0);
    op = (struct st_op){.kind = ST_OP_INDEX_GROWTH, .base = 100, .decimals = -1};
    ASSERT_EQ_INT(st_derive(&op, &m, NULL, &out), 0);
    ASSERT_EQ_INT(out.n, 0);

    ASSERT(st_round(2.675, 2) == 2.68);
    ASSERT(st_round(-2.675, 2) == -2.68);
    ASSERT(st_round(0.125, 2) == 0.13);
    ASSERT(st_round(1e300, 2) == 1e300);
    /* unit prefixes and UNIT_MULT move the decimal point, not binary bits:
     * 75342000 万元 is the published 7534.2 亿元 (× 1e-4 in binary gives
     * 7534.200000000001, a spurious revision of the same figure) */
    ASSERT(st_scale10(75342000, -4) == 7534.2);
    ASSERT(st_scale10(1123.35, -4) == 0.112335);
    ASSERT(st_scale10(1.1, 3) == 1100);
    ASSERT(st_scale10(-1.1, -4) == -0.00011);
    ASSERT(st_scale10(5, 0) == 5);
    ASSERT(isinf(st_scale10(1e300, 30)));
    struct st_series *all[] = {&idx, &lvl, &cpi, &out, &num, &den, &z, &nom, &r, &qy, &m};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        st_series_free(all[i]);
    return 0;
}

/* A ratio's quotient is in base units: declared with a prefixed unit (万元)
 * it is scaled to it. GDP 7534.2 亿元 over 1123.35 万人 is 6.71 万元 a
 * person, not 67069. */
TEST_IMPL(stats_ratio_units)
{
    static const char settings[] =
        "{\"folder\": \"/nonexistent\", \"site\": \"c\", \"series\": ["
        "{\"name\": \"gdp\", \"csv\": \"gdp\", \"unit\": \"亿元\"},"
        "{\"name\": \"pop\", \"csv\": \"pop\", \"unit\": \"万人\"}],"
        "\"derive\": [{\"name\": \"gdp_pc\", \"op\": \"ratio\", \"numerator\": \"gdp\","
        "\"denominator\": \"pop\", \"unit\": \"万元\"},"
        "{\"name\": \"gdp_pc_yuan\", \"op\": \"ratio\", \"numerator\": \"gdp\","
        "\"denominator\": \"pop\", \"unit\": \"元\"}]}";
    struct st_settings c = {0};
    char err[256] = "";
    int rc = st_settings_parse(settings, &c, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    ASSERT_EQ_INT(rc, 0);
    int wan = st_settings_find(&c, "gdp_pc"), yuan = st_settings_find(&c, "gdp_pc_yuan");
    ASSERT(wan >= 0 && yuan >= 0);
    double v_wan = 7534.2 / 1123.35 * c.series[wan].op.scale;
    double v_yuan = 7534.2 / 1123.35 * c.series[yuan].op.scale;
    printf("GDP per person: %.2f 万元, %.0f 元\n", v_wan, v_yuan);
    ASSERT(fabs(v_wan - 6.7069) < 1e-3);
    ASSERT(fabs(v_yuan - 67069.0) < 1.0);
    st_settings_free(&c);
    return 0;
}
