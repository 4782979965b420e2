/* The catalogue: the shipped file, its agreement with the seed page, and
 * every kind of refusal, each naming the file and the JSON path. */
#include <jansson.h>

#include "catalogue.h"
#include "test.h"

#define SHIPPED PT_SOURCE_DIR "/config/indicators/shijiazhuang-2021-2025.json"
#define SEED PT_SOURCE_DIR "/tests/fixtures/seed/shijiazhuang-2021-03-18.txt"

static json_t *shipped(void)
{
    struct pt_diag d = {0};
    json_t *doc;
    if (pt_catalogue_parse(SHIPPED, &doc, &d)) {
        fprintf(stderr, "%s", d.buf);
        exit(1);
    }
    pt_diag_free(&d);
    return doc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ASSERT(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ASSERT(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static json_t *indicator(json_t *doc, int no)
{
    size_t i;
    json_t *ind;
    json_array_foreach(json_object_get(doc, "indicators"), i, ind) if (
        json_integer_value(json_object_get(ind, "no")) == no) return ind;
    return NULL;
}

TEST_IMPL(catalogue_shipped)
{
    json_t *doc = shipped();
    json_t *inds = json_object_get(doc, "indicators");
    ASSERT_EQ_INT(json_array_size(inds), 30);
    for (int no = 1; no <= 30; no++) {
        json_t *ind = indicator(doc, no);
        ASSERT(ind);
        ASSERT(json_is_string(json_object_get(ind, "attribute_source")));
        ASSERT(json_is_string(json_object_get(ind, "name_zh")));
        ASSERT_STR_CONTAINS(json_string_value(json_object_get(ind, "origin")),
                            no <= 23 ? "table" : "text");
    }
    /* a few rows as printed */
    json_t *r3 = indicator(doc, 3);
    ASSERT(json_number_value(json_object_get(json_object_get(r3, "base"), "value")) == 66);
    ASSERT(json_number_value(json_object_get(json_object_get(r3, "target"), "value")) == 70);
    json_t *r22 = indicator(doc, 22);
    ASSERT_STR_CONTAINS(json_string_value(json_object_get(r22, "kind")), "floor");
    json_t *r18 = indicator(doc, 18);
    ASSERT(json_number_value(json_object_get(json_object_get(r18, "annual_rate"), "value")) == -3);
    ASSERT_STR_CONTAINS(json_string_value(json_object_get(r18, "reading")), "concentration");
    ASSERT(json_is_string(json_object_get(indicator(doc, 19), "reading")));
    /* the seven targets of the text */
    double text[][2] = {{24, 8000}, {25, 1000}, {26, 10.6}, {27, 10}, {28, 8}, {29, 2}, {30, 2}};
    for (int i = 0; i < 7; i++) {
        json_t *t = json_object_get(indicator(doc, (int)text[i][0]), "target");
        ASSERT(json_number_value(json_object_get(t, "value")) == text[i][1]);
        ASSERT_EQ_INT(json_integer_value(json_object_get(t, "year")), 2025);
    }
    ASSERT_STR_CONTAINS(json_string_value(json_object_get(json_object_get(indicator(doc, 28),
                                                                          "target"),
                                                          "qualifier")),
                        "at_least");
    json_decref(doc);
    return 0;
}

/* The text's forest coverage 42.7% and good-air-day ratio 64% restate rows
 * 21 and 17; every quote the catalogue cites is on the seed page. */
TEST_IMPL(catalogue_text_restates_table)
{
    json_t *doc = shipped();
    char *seed = slurp(SEED);
    int rows[] = {17, 21};
    double values[] = {64, 42.7};
    for (int i = 0; i < 2; i++) {
        json_t *ind = indicator(doc, rows[i]);
        json_t *r = json_object_get(ind, "restated_in_text");
        ASSERT(r);
        ASSERT(json_number_value(json_object_get(r, "value")) == values[i]);
        ASSERT(json_number_value(json_object_get(json_object_get(ind, "target"), "value")) ==
               values[i]);
        const char *quote = json_string_value(json_object_get(r, "quote"));
        ASSERT_STR_CONTAINS(seed, quote);
        char num[16];
        snprintf(num, sizeof num, "%g%%", values[i]);
        ASSERT_STR_CONTAINS(quote, num);
    }
    size_t i;
    json_t *ind;
    json_array_foreach(json_object_get(doc, "indicators"), i, ind)
    {
        json_t *q = json_object_get(ind, "quote");
        if (q)
            ASSERT_STR_CONTAINS(seed, json_string_value(q));
        ASSERT_STR_CONTAINS(seed, json_string_value(json_object_get(ind, "name_zh")));
    }
    free(seed);
    json_decref(doc);
    return 0;
}

/* Writes doc (or raw text) to a scratch file and parses it; returns the
 * diagnostics, which the caller frees. */
static char *refuse(json_t *doc, const char *raw, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", test_tmpdir(), name);
    if (doc) {
        ASSERT(json_dump_file(doc, path, JSON_INDENT(1)) == 0);
    } else {
        FILE *f = fopen(path, "w");
        ASSERT(f && fputs(raw, f) >= 0);
        fclose(f);
    }
    struct pt_diag d = {0};
    json_t *out = NULL;
    ASSERT_EQ_INT(pt_catalogue_parse(path, &out, &d), PT_ECONFIG);
    ASSERT(out == NULL);
    ASSERT(d.count > 0);
    ASSERT_STR_CONTAINS(d.buf, path);
    return d.buf;
}

TEST_IMPL(catalogue_refuses)
{
    char *msg;
    json_t *doc;

    doc = shipped();
    json_object_set_new(indicator(doc, 5), "kind", json_string("linear"));
    msg = refuse(doc, NULL, "kind");
    ASSERT_STR_CONTAINS(msg, "indicators[4].kind: unknown value \"linear\"");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_del(json_object_get(indicator(doc, 3), "target"), "year");
    msg = refuse(doc, NULL, "target-year");
    ASSERT_STR_CONTAINS(msg, "indicators[2].target.year: missing");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(indicator(doc, 4), "id", json_string("urbanization-rate"));
    msg = refuse(doc, NULL, "dup-id");
    ASSERT_STR_CONTAINS(msg, "indicators[3].id: duplicate id \"urbanization-rate\"");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(indicator(doc, 4), "no", json_integer(3));
    msg = refuse(doc, NULL, "dup-no");
    ASSERT_STR_CONTAINS(msg, "indicators[3].no: duplicate number 3");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(indicator(doc, 8), "bureau", json_string("ministry-of-magic"));
    msg = refuse(doc, NULL, "bureau");
    ASSERT_STR_CONTAINS(msg, "indicators[7].bureau: unknown bureau \"ministry-of-magic\"");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(json_object_get(indicator(doc, 3), "base"), "year", json_integer(2026));
    msg = refuse(doc, NULL, "base-year");
    ASSERT_STR_CONTAINS(msg, "indicators[2].base: base year 2026 is not before the target year");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(indicator(doc, 3), "knd", json_string("level"));
    msg = refuse(doc, NULL, "typo");
    ASSERT_STR_CONTAINS(msg, "indicators[2].knd: unknown key");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(indicator(doc, 3), "unit", json_string("furlongs"));
    msg = refuse(doc, NULL, "unit");
    ASSERT_STR_CONTAINS(msg, "indicators[2].unit: unknown unit \"furlongs\"");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(json_object_get(indicator(doc, 21), "restated_in_text"), "value",
                        json_real(42.8));
    msg = refuse(doc, NULL, "restated");
    ASSERT_STR_CONTAINS(msg, "indicators[20].restated_in_text.value");
    free(msg);
    json_decref(doc);

    doc = shipped();
    json_object_set_new(indicator(doc, 3), "name_zh", json_string("城镇化率\r\nBcc: x@example.com"));
    msg = refuse(doc, NULL, "control");
    ASSERT_STR_CONTAINS(msg, "indicators[2].name_zh: contains a control character");
    free(msg);
    json_decref(doc);

    /* two problems in one file: both reported */
    doc = shipped();
    json_object_set_new(indicator(doc, 1), "kind", json_string("x"));
    json_object_set_new(indicator(doc, 30), "direction", json_string("sideways"));
    msg = refuse(doc, NULL, "two");
    ASSERT_STR_CONTAINS(msg, "indicators[0].kind");
    ASSERT_STR_CONTAINS(msg, "indicators[29].direction");
    free(msg);
    json_decref(doc);

    /* a duplicate key in the text, which a plain parser would keep silently */
    char *raw = slurp(SHIPPED);
    char *at = strstr(raw, "\"id\": \"urbanization-rate\"");
    ASSERT(at);
    size_t n = strlen(raw);
    char *dup = malloc(n + 64);
    size_t head = (size_t)(at - raw);
    memcpy(dup, raw, head);
    strcpy(dup + head, "\"id\": \"x\", ");
    strcat(dup, at);
    msg = refuse(NULL, dup, "dup-key");
    ASSERT_STR_CONTAINS(msg, "indicators[2].id: duplicate key");
    free(msg);
    free(dup);
    free(raw);

    msg = refuse(NULL, "{\"schema\": 1, ", "truncated");
    free(msg);
    return 0;
}

static struct pt_store *scratch_store(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.db", test_tmpdir(), name);
    struct pt_store *st;
    struct pt_err err;
    if (pt_store_open(path, PT_STORE_CREATE, &st, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    return st;
}

static long long count(struct pt_store *st, const char *sql)
{
    sqlite3_stmt *s;
    ASSERT(sqlite3_prepare_v2(pt_store_db(st), sql, -1, &s, NULL) == SQLITE_OK);
    ASSERT(sqlite3_step(s) == SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

TEST_IMPL(catalogue_load_idempotent)
{
    struct pt_store *st = scratch_store("idem");
    json_t *doc = shipped();
    struct pt_catalogue_stats stats;
    struct pt_err err;
    ASSERT(pt_catalogue_load(st, SHIPPED, doc, &stats, &err) == 0);
    ASSERT_EQ_INT(stats.indicators, 30);
    ASSERT_EQ_INT(stats.targets, 30);
    ASSERT_EQ_INT(count(st, "SELECT COUNT(*) FROM indicators"), 30);
    ASSERT_EQ_INT(count(st, "SELECT COUNT(*) FROM bureaus"), 13);
    ASSERT(pt_catalogue_load(st, SHIPPED, doc, &stats, &err) == 0);
    ASSERT_EQ_INT(stats.changed, 0);
    ASSERT_EQ_INT(stats.targets, 0);
    ASSERT_EQ_INT(count(st, "SELECT COUNT(*) FROM targets"), 30);

    struct pt_catalogue *cat;
    ASSERT(pt_catalogue_read(st, &cat, &err) == 0);
    ASSERT_EQ_INT(cat->nplans, 1);
    ASSERT_EQ_INT(cat->nind, 30);
    const struct pt_indicator *ind = pt_catalogue_find(cat, NULL, "3", &err);
    ASSERT(ind && strcmp(ind->id, "urbanization-rate") == 0);
    ASSERT(pt_catalogue_find(cat, NULL, "urbanization-rate", &err) == ind);
    ASSERT(pt_catalogue_find(cat, NULL, "31", &err) == NULL);
    ASSERT_STR_CONTAINS(err.msg, "unknown indicator \"31\"");
    /* an ended plan is still the default when no plan runs */
    ASSERT(pt_catalogue_current_plan(cat, 2026) == &cat->plans[0]);
    ASSERT(ind->path.kind == PT_KIND_LEVEL && ind->path.base == 66 && ind->path.target == 70);
    const struct pt_indicator *grain = pt_catalogue_find(cat, NULL, "22", &err);
    ASSERT(grain->path.kind == PT_KIND_FLOOR && grain->binding);
    pt_catalogue_free(cat);
    json_decref(doc);
    pt_store_close(st);
    return 0;
}

TEST_IMPL(catalogue_target_vintages)
{
    struct pt_store *st = scratch_store("vintages");
    json_t *doc = shipped();
    struct pt_catalogue_stats stats;
    struct pt_err err;
    ASSERT(pt_catalogue_load(st, SHIPPED, doc, &stats, &err) == 0);
    /* the province assigns 65 for row 17: a new vintage, the printed 64 stays */
    json_t *rev = json_pack("[{s:i, s:f, s:s, s:s}]", "year", 2025, "value", 65.0, "source",
                            "Hebei province assignment", "date", "2022-03-01");
    json_object_set_new(indicator(doc, 17), "target_revisions", rev);
    ASSERT(pt_catalogue_load(st, SHIPPED, doc, &stats, &err) == 0);
    ASSERT_EQ_INT(stats.targets, 1);
    ASSERT(pt_catalogue_load(st, SHIPPED, doc, &stats, &err) == 0);
    ASSERT_EQ_INT(stats.targets, 0);
    ASSERT_EQ_INT(count(st, "SELECT COUNT(*) FROM targets t JOIN indicators i ON i.key = "
                            "t.indicator_key WHERE i.no = 17"),
                  2);
    ASSERT_EQ_INT(count(st, "SELECT value FROM targets t JOIN indicators i ON i.key = "
                            "t.indicator_key WHERE i.no = 17 AND t.origin = 'printed'"),
                  64);
    struct pt_catalogue *cat;
    ASSERT(pt_catalogue_read(st, &cat, &err) == 0);
    const struct pt_indicator *air = pt_catalogue_find(cat, NULL, "17", &err);
    ASSERT(air->path.target == 65);
    ASSERT_EQ_INT(air->target_vintage, 2);
    pt_catalogue_free(cat);
    json_decref(doc);
    pt_store_close(st);
    return 0;
}
