/* GB 3838-2002 classes and the exact decimals under them: the golden table
 * gb3838_golden.txt (every class boundary of every parameter, at, one
 * nano-unit above and below, computed by gb3838_golden.py in Python
 * decimals), means of several samples at a boundary, detection limits,
 * river vs lake TP, DO's reversed direction, pH, 劣V, the parameters the
 * official assessment leaves out, and the share's half-even rounding. */
#include "test.h"

#include "gb3838.h"
#include "wqdec.h"

#include <stdint.h>

#define GOLDEN PT_SOURCE_DIR "/plugins/water/tests/gb3838_golden.txt"

static int64_t dec(const char *s)
{
    int64_t v;
    int rc = wqd_parse(s, strlen(s), 0, &v);
    if (rc)
        fprintf(stderr, "\"%s\": %s\n", s, wqd_strerror(rc));
    ASSERT_EQ_INT(rc, WQD_OK);
    return v;
}

static int cls(const char *param, int water, const char *value)
{
    int p = gb_param_find(param, strlen(param));
    ASSERT(p >= 0);
    return gb_class_of(p, water, dec(value));
}

/* The class of the mean of several values (each "v" or "dL" for below a
 * detection limit d). */
static int mean_class(const char *param, int water, const char *const *values)
{
    struct gb_acc a;
    memset(&a, 0, sizeof a);
    int p = gb_param_find(param, strlen(param));
    ASSERT(p >= 0);
    for (int i = 0; values[i]; i++) {
        size_t n = strlen(values[i]);
        int dl = values[i][n - 1] == 'L';
        int64_t v;
        ASSERT_EQ_INT(wqd_parse(values[i], n - (size_t)dl, 0, &v), WQD_OK);
        gb_acc_add(&a, p, v, dl);
    }
    return gb_class(p, water, a.twice_sum[p], a.n[p]);
}

/* Every line of the golden table: the value parsed exactly, classed by the
 * plugin, equal to Python's class. */
TEST_IMPL(water_gb3838_golden)
{
    FILE *f = fopen(GOLDEN, "r");
    ASSERT(f != NULL);
    char line[256], param[64], water[16], value[64];
    int want, n = 0, params_seen[GB_NPARAM] = {0};
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        ASSERT_EQ_INT(sscanf(line, "%63s %15s %63s %d", param, water, value, &want), 4);
        int w = gb_water_find(water, strlen(water));
        ASSERT(w >= 0);
        int p = gb_param_find(param, strlen(param));
        ASSERT(p >= 0);
        params_seen[p] = 1;
        int got = gb_class_of(p, w, dec(value));
        if (got != want)
            fprintf(stderr, "%s %s %s: class %d, golden %d\n", param, water, value, got, want);
        ASSERT_EQ_INT(got, want);
        n++;
    }
    fclose(f);
    for (int p = 0; p < GB_NPARAM; p++)
        ASSERT(params_seen[p]);
    printf("%d golden values, %d parameters\n", n, GB_NPARAM);
    return 0;
}

/* The cases the acceptance names, spelled out. */
TEST_IMPL(water_gb3838_boundaries)
{
    /* a value at the limit belongs to the class */
    ASSERT_EQ_INT(cls("nh3_n", GB_RIVER, "1.0"), 3);
    ASSERT_EQ_INT(cls("nh3_n", GB_RIVER, "1.000000001"), 4);
    ASSERT_EQ_INT(cls("nh3_n", GB_RIVER, "0.999999999"), 3);
    ASSERT_EQ_INT(cls("nh3_n", GB_RIVER, "2.0"), 5);
    ASSERT_EQ_INT(cls("nh3_n", GB_RIVER, "2.01"), 6); /* 劣V */
    /* equal limits of two classes: the better class */
    ASSERT_EQ_INT(cls("cod", GB_RIVER, "15"), 1);
    ASSERT_EQ_INT(cls("cod", GB_RIVER, "15.1"), 3);
    ASSERT_EQ_INT(cls("cu", GB_RIVER, "0.5"), 2);
    ASSERT_EQ_INT(cls("cu", GB_RIVER, "1.0"), 2);
    ASSERT_EQ_INT(cls("cu", GB_RIVER, "1.01"), 6);
    /* DO: reversed, at or above */
    ASSERT_EQ_INT(cls("do", GB_RIVER, "7.5"), 1);
    ASSERT_EQ_INT(cls("do", GB_RIVER, "7.499999999"), 2);
    ASSERT_EQ_INT(cls("do", GB_RIVER, "5"), 3);
    ASSERT_EQ_INT(cls("do", GB_RIVER, "4.99"), 4);
    ASSERT_EQ_INT(cls("do", GB_RIVER, "2"), 5);
    ASSERT_EQ_INT(cls("do", GB_RIVER, "1.999999999"), 6);
    /* TP: rivers and lakes/reservoirs differ; between the two Class III
     * limits a lake is already Class V */
    ASSERT_EQ_INT(cls("tp", GB_RIVER, "0.2"), 3);
    ASSERT_EQ_INT(cls("tp", GB_LAKE, "0.2"), 5);
    ASSERT_EQ_INT(cls("tp", GB_RESERVOIR, "0.2"), 5);
    ASSERT_EQ_INT(cls("tp", GB_RIVER, "0.12"), 3);
    ASSERT_EQ_INT(cls("tp", GB_LAKE, "0.12"), 5);
    ASSERT_EQ_INT(cls("tp", GB_LAKE, "0.05"), 3);
    ASSERT_EQ_INT(cls("tp", GB_LAKE, "0.050000001"), 4);
    ASSERT_EQ_INT(cls("tp", GB_LAKE, "0.200000001"), 6);
    ASSERT_EQ_INT(cls("tp", GB_RIVER, "0.400000001"), 6);
    /* TN: lakes and reservoirs only */
    ASSERT_EQ_INT(cls("tn", GB_RIVER, "0.1"), 0);
    ASSERT_EQ_INT(cls("tn", GB_LAKE, "1.0"), 3);
    /* pH 6-9 every class, else 劣V */
    ASSERT_EQ_INT(cls("ph", GB_RIVER, "6"), 1);
    ASSERT_EQ_INT(cls("ph", GB_RIVER, "9"), 1);
    ASSERT_EQ_INT(cls("ph", GB_RIVER, "5.999999999"), 6);
    ASSERT_EQ_INT(cls("ph", GB_LAKE, "9.01"), 6);
    /* the smallest limit of the table */
    ASSERT_EQ_INT(cls("hg", GB_RIVER, "0.00005"), 1);
    ASSERT_EQ_INT(cls("hg", GB_RIVER, "0.000050001"), 3);
    /* fecal coliform per litre */
    ASSERT_EQ_INT(cls("fecal_coliform", GB_RIVER, "10000"), 3);
    ASSERT_EQ_INT(cls("fecal_coliform", GB_RIVER, "40001"), 6);
    /* names as bureaus write them */
    ASSERT_EQ_INT(gb_param_find("NH3-N", 5), GB_NH3_N);
    ASSERT_EQ_INT(gb_param_find("CODMn", 5), GB_CODMN);
    ASSERT_EQ_INT(gb_param_find("溶解氧", strlen("溶解氧")), GB_DO);
    ASSERT_EQ_INT(gb_param_find("六价铬", strlen("六价铬")), GB_CR6);
    ASSERT_EQ_INT(gb_param_find("water_temp", 10), -1);
    ASSERT_EQ_INT(gb_water_find("水库", strlen("水库")), GB_RESERVOIR);
    ASSERT_EQ_INT(gb_water_find("sea", 3), -1);
    return 0;
}

/* Several samples are averaged first, exactly: 0.19 and 0.21 average to the
 * river TP limit 0.2 (Class III), where binary floating point gives
 * 0.20000000000000001 > 0.2; below-detection results count half their
 * limit. */
TEST_IMPL(water_gb3838_means)
{
    static const char *const tp[] = {"0.19", "0.21", NULL};
    ASSERT_EQ_INT(mean_class("tp", GB_RIVER, tp), 3);
    static const char *const tp3[] = {"0.1", "0.2", "0.3", NULL}; /* mean 0.2 exactly */
    ASSERT_EQ_INT(mean_class("tp", GB_RIVER, tp3), 3);
    static const char *const tp3b[] = {"0.1", "0.2", "0.300000003", NULL}; /* + 1e-9 */
    ASSERT_EQ_INT(mean_class("tp", GB_RIVER, tp3b), 4);
    static const char *const do2[] = {"4.9", "5.1", NULL}; /* mean 5: Class III */
    ASSERT_EQ_INT(mean_class("do", GB_RIVER, do2), 3);
    static const char *const do2b[] = {"4.9", "5.099999999", NULL};
    ASSERT_EQ_INT(mean_class("do", GB_RIVER, do2b), 4);
    /* 0.01L counts 0.005: (0.005 + 0.095) / 2 = 0.05, NH3-N Class I … */
    static const char *const dl[] = {"0.01L", "0.095", NULL};
    ASSERT_EQ_INT(mean_class("nh3_n", GB_RIVER, dl), 1);
    /* … and volatile phenol (0.001 + 0.009) / 2 = 0.005: Class III */
    static const char *const vp[] = {"0.002L", "0.009", NULL};
    ASSERT_EQ_INT(mean_class("volatile_phenol", GB_RIVER, vp), 3);
    /* an odd detection limit halves exactly too: 0.000000001L is 0.5e-9 */
    static const char *const odd[] = {"0.000000001L", "0.15", NULL};
    ASSERT_EQ_INT(mean_class("nh3_n", GB_RIVER, odd), 1);
    /* pH averages like the others */
    static const char *const ph[] = {"5.8", "6.2", NULL};
    ASSERT_EQ_INT(mean_class("ph", GB_RIVER, ph), 1);
    static const char *const ph2[] = {"5.8", "6.199999999", NULL};
    ASSERT_EQ_INT(mean_class("ph", GB_RIVER, ph2), 6);

    /* the mean's text, to 12 decimals, half-even */
    struct gb_acc a;
    char text[64];
    memset(&a, 0, sizeof a);
    gb_acc_add(&a, GB_TP, dec("0.19"), 0);
    gb_acc_add(&a, GB_TP, dec("0.21"), 0);
    gb_acc_mean(&a, GB_TP, text, sizeof text);
    ASSERT(strcmp(text, "0.2") == 0);
    memset(&a, 0, sizeof a);
    gb_acc_add(&a, GB_COD, dec("10"), 0);
    gb_acc_add(&a, GB_COD, dec("10"), 0);
    gb_acc_add(&a, GB_COD, dec("11"), 0);
    gb_acc_mean(&a, GB_COD, text, sizeof text);
    ASSERT(strcmp(text, "10.333333333333") == 0);
    gb_acc_mean(&a, GB_TP, text, sizeof text);
    ASSERT(strcmp(text, "") == 0);
    return 0;
}

/* A section's class: the worst assessed parameter. Rivers leave out TN and
 * fecal coliform, lakes fecal coliform and (unless lake_tn) TN. */
TEST_IMPL(water_gb3838_section)
{
    struct gb_acc a;
    int classes[GB_NPARAM];
    memset(&a, 0, sizeof a);
    gb_acc_add(&a, GB_DO, dec("8"), 0);        /* I */
    gb_acc_add(&a, GB_CODMN, dec("3.5"), 0);   /* II */
    gb_acc_add(&a, GB_TP, dec("0.12"), 0);     /* river III, lake V */
    gb_acc_add(&a, GB_TN, dec("3.0"), 0);      /* lake 劣V */
    gb_acc_add(&a, GB_FECAL, dec("90000"), 0); /* 劣V, never assessed */
    ASSERT_EQ_INT(gb_section_class(&a, GB_RIVER, 0, classes), 3);
    ASSERT_EQ_INT(classes[GB_TN], 0);
    ASSERT_EQ_INT(classes[GB_FECAL], 6);
    ASSERT_EQ_INT(gb_section_class(&a, GB_LAKE, 0, classes), 5);
    ASSERT_EQ_INT(classes[GB_TN], 6);
    ASSERT_EQ_INT(gb_section_class(&a, GB_LAKE, 1, classes), 6);
    ASSERT_EQ_INT(gb_section_class(&a, GB_RESERVOIR, 1, classes), 6);
    /* only parameters that are never assessed: no class */
    memset(&a, 0, sizeof a);
    gb_acc_add(&a, GB_FECAL, dec("100"), 0);
    gb_acc_add(&a, GB_TN, dec("0.1"), 0);
    ASSERT_EQ_INT(gb_section_class(&a, GB_RIVER, 1, classes), 0);
    ASSERT_EQ_INT(gb_assessed(GB_TN, GB_RIVER, 1), 0);
    ASSERT_EQ_INT(gb_assessed(GB_FECAL, GB_LAKE, 1), 0);
    ASSERT_EQ_INT(gb_assessed(GB_LAS, GB_RIVER, 0), 1);
    ASSERT(strcmp(gb_class_name(6), "劣V") == 0);
    return 0;
}

/* The share k/n x 100 to 0.1 %, half to even (GB/T 8170). */
TEST_IMPL(water_share_rounding)
{
    ASSERT_EQ_INT(gb_share_tenths(5, 8), 625);  /* 62.5 exactly */
    ASSERT_EQ_INT(gb_share_tenths(1, 16), 62);  /* 6.25 -> 6.2 (even) */
    ASSERT_EQ_INT(gb_share_tenths(3, 16), 188); /* 18.75 -> 18.8 (even) */
    ASSERT_EQ_INT(gb_share_tenths(2, 3), 667);  /* 66.666… */
    ASSERT_EQ_INT(gb_share_tenths(1, 3), 333);
    ASSERT_EQ_INT(gb_share_tenths(111, 200), 555); /* 55.5, the 2025 target */
    ASSERT_EQ_INT(gb_share_tenths(0, 7), 0);
    ASSERT_EQ_INT(gb_share_tenths(7, 7), 1000);
    char text[64];
    wqd_format_ratio(1, 16, 1, text, sizeof text);
    ASSERT(strcmp(text, "0.1") == 0); /* 0.0625 -> 0.1 at one decimal */
    wqd_format_ratio(5, 8, 2, text, sizeof text);
    ASSERT(strcmp(text, "0.62") == 0); /* 0.625 -> 0.62 (even) */
    wqd_format_ratio(7, 8, 2, text, sizeof text);
    ASSERT(strcmp(text, "0.88") == 0); /* 0.875 -> 0.88 (even) */
    return 0;
}

/* Exact decimals: what parses, what is refused, and the round trip through
 * a double (the store's REAL). */
TEST_IMPL(water_decimal)
{
    int64_t v;
    char text[64];
    ASSERT_EQ_INT(dec("0.2"), 200000000);
    ASSERT_EQ_INT(dec("+1.50"), 1500000000);
    ASSERT_EQ_INT(dec(".5"), 500000000);
    ASSERT_EQ_INT(dec("5."), 5000000000);
    ASSERT_EQ_INT(dec("2.4e4"), INT64_C(24000000000000));
    ASSERT_EQ_INT(dec("5E-05"), 50000);
    ASSERT_EQ_INT(dec("-0"), 0);
    ASSERT_EQ_INT(dec("0.000000001"), 1);
    ASSERT_EQ_INT(dec("0.1000000000000000000000"), 100000000); /* trailing zeros */
    ASSERT_EQ_INT(dec("999999999.999999"), INT64_C(999999999999999000));
    /* µg/L to mg/L, exactly */
    ASSERT_EQ_INT(wqd_parse("50", 2, -3, &v), WQD_OK);
    ASSERT_EQ_INT(v, 50000000);
    /* refused */
    static const struct {
        const char *s;
        int rc;
    } bad[] = {{"", WQD_ESYNTAX},
               {".", WQD_ESYNTAX},
               {"e5", WQD_ESYNTAX},
               {"1e", WQD_ESYNTAX},
               {"0x10", WQD_ESYNTAX},
               {"nan", WQD_ESYNTAX},
               {"inf", WQD_ESYNTAX},
               {" 1", WQD_ESYNTAX},
               {"1 ", WQD_ESYNTAX},
               {"1,5", WQD_ESYNTAX},
               {"--1", WQD_ESYNTAX},
               {"1e+", WQD_ESYNTAX},
               {"0.0000000001", WQD_EPRECISION},
               {"1.0000000000000001", WQD_EPRECISION},
               {"1234567890123456", WQD_EPRECISION},
               {"1000000000", WQD_ERANGE},
               {"1e9", WQD_ERANGE},
               {"1e99999999999", WQD_ERANGE},
               {"1e-99999999999", WQD_EPRECISION}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = wqd_parse(bad[i].s, strlen(bad[i].s), 0, &v);
        if (rc != bad[i].rc)
            fprintf(stderr, "\"%s\": %d, want %d\n", bad[i].s, rc, bad[i].rc);
        ASSERT_EQ_INT(rc, bad[i].rc);
    }
    /* 0.0000001 µg/L is 1e-10 mg/L: finer than kept */
    ASSERT_EQ_INT(wqd_parse("0.0000001", 9, -3, &v), WQD_EPRECISION);
    /* format and the round trip through the store's double */
    static const char *const rt[] = {
        "0.2", "0.00005", "40000",         "7.5", "0.000000001",     "1.33",
        "0.1", "-1.5",    "123456.789012", "0.3", "999999999.999999"};
    for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
        int64_t a = dec(rt[i]), b;
        wqd_format(a, text, sizeof text);
        ASSERT(strcmp(text, rt[i]) == 0);
        ASSERT_EQ_INT(wqd_from_double(wqd_to_double(a), &b), WQD_OK);
        ASSERT_EQ_INT(a, b);
    }
    ASSERT_EQ_INT(wqd_from_double(0.1 + 0.2, &v), WQD_EPRECISION); /* 0.30000000000000004 */
    ASSERT_EQ_INT(wqd_from_double(NAN, &v), WQD_ESYNTAX);
    return 0;
}
