/* GB 3838-2002 (gb3838.h): Table 1's limits, the class of a mean, the
 * single-factor class of a section and the share of sections at or better
 * than Class III. Every comparison is exact: values and limits are integers
 * of 10^-9 of the unit, a period's mean is compared as sum <= limit * n in
 * 128 bits, so a mean of 0.19 and 0.21 is exactly the river TP limit 0.2
 * (Class III), never 0.20000000000000004 (Class IV). */
#include "gb3838.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Table 1 ------------------------------------------------------------- */

static const struct gb_param_info params[GB_NPARAM] = {
    [GB_PH] = {"ph", "pH值", GB_NOUNIT, GB_RANGE},
    [GB_DO] = {"do", "溶解氧", GB_MG_L, GB_AT_LEAST},
    [GB_CODMN] = {"codmn", "高锰酸盐指数", GB_MG_L, GB_AT_MOST},
    [GB_COD] = {"cod", "化学需氧量", GB_MG_L, GB_AT_MOST},
    [GB_BOD5] = {"bod5", "五日生化需氧量", GB_MG_L, GB_AT_MOST},
    [GB_NH3_N] = {"nh3_n", "氨氮", GB_MG_L, GB_AT_MOST},
    [GB_TP] = {"tp", "总磷", GB_MG_L, GB_AT_MOST},
    [GB_TN] = {"tn", "总氮", GB_MG_L, GB_AT_MOST},
    [GB_CU] = {"cu", "铜", GB_MG_L, GB_AT_MOST},
    [GB_ZN] = {"zn", "锌", GB_MG_L, GB_AT_MOST},
    [GB_F] = {"fluoride", "氟化物", GB_MG_L, GB_AT_MOST},
    [GB_SE] = {"se", "硒", GB_MG_L, GB_AT_MOST},
    [GB_AS] = {"as", "砷", GB_MG_L, GB_AT_MOST},
    [GB_HG] = {"hg", "汞", GB_MG_L, GB_AT_MOST},
    [GB_CD] = {"cd", "镉", GB_MG_L, GB_AT_MOST},
    [GB_CR6] = {"cr6", "铬(六价)", GB_MG_L, GB_AT_MOST},
    [GB_PB] = {"pb", "铅", GB_MG_L, GB_AT_MOST},
    [GB_CN] = {"cyanide", "氰化物", GB_MG_L, GB_AT_MOST},
    [GB_VPHENOL] = {"volatile_phenol", "挥发酚", GB_MG_L, GB_AT_MOST},
    [GB_PETROLEUM] = {"petroleum", "石油类", GB_MG_L, GB_AT_MOST},
    [GB_LAS] = {"las", "阴离子表面活性剂", GB_MG_L, GB_AT_MOST},
    [GB_SULFIDE] = {"sulfide", "硫化物", GB_MG_L, GB_AT_MOST},
    [GB_FECAL] = {"fecal_coliform", "粪大肠菌群", GB_PER_L, GB_AT_MOST},
};

/* The limits of Classes I … V, as the standard prints them (mg/L; fecal
 * coliform per litre; pH dimensionless).
 *
 * GB 3838-2002 Table 1 (地表水环境质量标准基本项目标准限值). pH to fecal
 * coliform as ../shared/reference/standards.md transcribes it; Cu, Zn, F,
 * Se, As, Hg, Cd, Cr(VI), Pb, cyanide, LAS and sulfide (items 10-19, 22, 23)
 * from Table 1 itself, and they agree with an independent implementation of
 * the table. DO Class I: the standard prints "饱和率90% (或7.5)"; the 7.5
 * mg/L alternative is taken, as standards.md does. TP: the second row is the
 * standard's bracketed "湖、库" limits. TN: limits for lakes and reservoirs
 * only ("湖、库,以N计"): a river's TN has no class. pH: 6-9 for every class. */
static const struct {
    const char *river[5]; /* NULL: no class for rivers */
    const char *lake[5];  /* NULL: the river limits apply */
} limit_text[GB_NPARAM] = {
    [GB_PH] = {{"6", "9"}, {NULL}},
    [GB_DO] = {{"7.5", "6", "5", "3", "2"}, {NULL}},
    [GB_CODMN] = {{"2", "4", "6", "10", "15"}, {NULL}},
    [GB_COD] = {{"15", "15", "20", "30", "40"}, {NULL}},
    [GB_BOD5] = {{"3", "3", "4", "6", "10"}, {NULL}},
    [GB_NH3_N] = {{"0.15", "0.5", "1.0", "1.5", "2.0"}, {NULL}},
    [GB_TP] = {{"0.02", "0.1", "0.2", "0.3", "0.4"}, {"0.01", "0.025", "0.05", "0.1", "0.2"}},
    [GB_TN] = {{NULL}, {"0.2", "0.5", "1.0", "1.5", "2.0"}},
    [GB_CU] = {{"0.01", "1.0", "1.0", "1.0", "1.0"}, {NULL}},
    [GB_ZN] = {{"0.05", "1.0", "1.0", "2.0", "2.0"}, {NULL}},
    [GB_F] = {{"1.0", "1.0", "1.0", "1.5", "1.5"}, {NULL}},
    [GB_SE] = {{"0.01", "0.01", "0.01", "0.02", "0.02"}, {NULL}},
    [GB_AS] = {{"0.05", "0.05", "0.05", "0.1", "0.1"}, {NULL}},
    [GB_HG] = {{"0.00005", "0.00005", "0.0001", "0.001", "0.001"}, {NULL}},
    [GB_CD] = {{"0.001", "0.005", "0.005", "0.005", "0.01"}, {NULL}},
    [GB_CR6] = {{"0.01", "0.05", "0.05", "0.05", "0.1"}, {NULL}},
    [GB_PB] = {{"0.01", "0.01", "0.05", "0.05", "0.1"}, {NULL}},
    [GB_CN] = {{"0.005", "0.05", "0.2", "0.2", "0.2"}, {NULL}},
    [GB_VPHENOL] = {{"0.002", "0.002", "0.005", "0.01", "0.1"}, {NULL}},
    [GB_PETROLEUM] = {{"0.05", "0.05", "0.05", "0.5", "1.0"}, {NULL}},
    [GB_LAS] = {{"0.2", "0.2", "0.2", "0.3", "0.3"}, {NULL}},
    [GB_SULFIDE] = {{"0.05", "0.1", "0.2", "0.5", "1.0"}, {NULL}},
    [GB_FECAL] = {{"200", "2000", "10000", "20000", "40000"}, {NULL}},
};

/* The table above in nano-units, parsed once: [p][0 river, 1 lake][c]. */
static int64_t limits[GB_NPARAM][2][5];
static signed char has_limits[GB_NPARAM][2];
static int ready;

static void load_limits(void)
{
    if (ready)
        return;
    for (int p = 0; p < GB_NPARAM; p++) {
        for (int k = 0; k < 2; k++) {
            const char *const *t = k ? limit_text[p].lake : limit_text[p].river;
            if (k && !t[0])
                t = limit_text[p].river; /* lakes share the river limits */
            if (!t[0])
                continue;
            int nlim = params[p].bound == GB_RANGE ? 2 : 5;
            for (int c = 0; c < nlim; c++)
                if (wqd_parse(t[c], strlen(t[c]), 0, &limits[p][k][c]) != WQD_OK)
                    abort(); /* the table above is wrong: caught by any test */
            has_limits[p][k] = 1;
        }
    }
    ready = 1;
}

const struct gb_param_info *gb_param(int p)
{
    return p >= 0 && p < GB_NPARAM ? &params[p] : NULL;
}

const char *gb_unit_name(int p)
{
    switch (params[p].unit) {
    case GB_MG_L:
        return "mg/L";
    case GB_PER_L:
        return "个/L";
    default:
        return "1";
    }
}

/* ---- names and units --------------------------------------------------- */

/* ASCII letters compared without case; other bytes exactly. */
static int same(const char *s, size_t n, const char *name)
{
    size_t m = strlen(name);
    if (m != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

static const struct {
    const char *name;
    int p;
} aliases[] = {
    {"dissolved_oxygen", GB_DO},
    {"cod_mn", GB_CODMN},
    {"permanganate_index", GB_CODMN},
    {"cod_cr", GB_COD},
    {"codcr", GB_COD},
    {"bod", GB_BOD5},
    {"bod_5", GB_BOD5},
    {"nh3-n", GB_NH3_N},
    {"nh3n", GB_NH3_N},
    {"ammonia_nitrogen", GB_NH3_N},
    {"total_phosphorus", GB_TP},
    {"total_nitrogen", GB_TN},
    {"copper", GB_CU},
    {"zinc", GB_ZN},
    {"f", GB_F},
    {"selenium", GB_SE},
    {"arsenic", GB_AS},
    {"mercury", GB_HG},
    {"cadmium", GB_CD},
    {"cr_vi", GB_CR6},
    {"cr(vi)", GB_CR6},
    {"chromium_vi", GB_CR6},
    {"六价铬", GB_CR6},
    {"lead", GB_PB},
    {"cn", GB_CN},
    {"phenol", GB_VPHENOL},
    {"volatile_phenols", GB_VPHENOL},
    {"oil", GB_PETROLEUM},
    {"anionic_surfactant", GB_LAS},
    {"sulphide", GB_SULFIDE},
    {"faecal_coliform", GB_FECAL},
    {"fecal_coliforms", GB_FECAL},
    {"fc", GB_FECAL},
};

int gb_param_find(const char *s, size_t n)
{
    for (int p = 0; p < GB_NPARAM; p++)
        if (same(s, n, params[p].code) || same(s, n, params[p].name_zh))
            return p;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (same(s, n, aliases[i].name))
            return aliases[i].p;
    return -1;
}

int gb_unit_shift(int p, const char *s, size_t n)
{
    static const char *const mg[] = {"mg/L", NULL};
    static const char *const ug[] = {"µg/L", "μg/L", "ug/L", NULL}; /* micro sign, Greek mu */
    static const char *const per_l[] = {"个/L", "MPN/L", "CFU/L", "/L", NULL};
    static const char *const none[] = {"", "1", "无量纲", "pH", "dimensionless", NULL};
    const char *const *ok = params[p].unit == GB_MG_L    ? mg
                            : params[p].unit == GB_PER_L ? per_l
                                                         : none;
    for (int i = 0; ok[i]; i++)
        if (same(s, n, ok[i]))
            return 0;
    if (params[p].unit == GB_MG_L)
        for (int i = 0; ug[i]; i++)
            if (same(s, n, ug[i]))
                return -3;
    return 1;
}

int gb_water_find(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int w;
    } names[] = {{"river", GB_RIVER},         {"河流", GB_RIVER},     {"河", GB_RIVER},
                 {"lake", GB_LAKE},           {"湖泊", GB_LAKE},      {"湖", GB_LAKE},
                 {"reservoir", GB_RESERVOIR}, {"水库", GB_RESERVOIR}, {"库", GB_RESERVOIR}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (same(s, n, names[i].name))
            return names[i].w;
    return -1;
}

const char *gb_water_name(int water)
{
    return water == GB_LAKE ? "lake" : water == GB_RESERVOIR ? "reservoir" : "river";
}

/* ---- classes ------------------------------------------------------------- */

int gb_limit(int p, int w, int c, int64_t *limit)
{
    load_limits();
    int k = w != GB_RIVER;
    if (p < 0 || p >= GB_NPARAM || !has_limits[p][k])
        return -1;
    if (c < 1 || c > (params[p].bound == GB_RANGE ? 2 : 5))
        return -1;
    *limit = limits[p][k][c - 1];
    return 0;
}

int gb_class(int p, int w, wqd_u128 twice_sum, uint64_t n)
{
    load_limits();
    int k = w != GB_RIVER;
    if (p < 0 || p >= GB_NPARAM || !n || !has_limits[p][k])
        return 0;
    const int64_t *lim = limits[p][k];
    /* mean <= limit  <=>  twice_sum <= 2 * limit * n */
    wqd_u128 twice_n = (wqd_u128)2 * n;
    switch (params[p].bound) {
    case GB_RANGE: /* GB 3838-2002 Table 1 item 2: pH 6-9, every class */
        return twice_sum >= (wqd_u128)lim[0] * twice_n && twice_sum <= (wqd_u128)lim[1] * twice_n
                   ? 1
                   : 6;
    case GB_AT_LEAST: /* DO: "≥"; the value at the limit belongs to the class */
        for (int c = 0; c < 5; c++)
            if (twice_sum >= (wqd_u128)lim[c] * twice_n)
                return c + 1;
        return 6;
    default: /* "≤": the value at the limit belongs to the class */
        for (int c = 0; c < 5; c++)
            if (twice_sum <= (wqd_u128)lim[c] * twice_n)
                return c + 1;
        return 6;
    }
}

int gb_class_of(int p, int w, int64_t v)
{
    if (v < 0)
        return 0;
    return gb_class(p, w, (wqd_u128)v * 2, 1);
}

int gb_assessed(int p, int w, int lake_tn)
{
    /* 环办〔2011〕22号 and 环办监测函〔2020〕82号: the 21 parameters of Table 1
     * other than water temperature, TN and fecal coliform. TN of lakes and
     * reservoirs is assessed apart (with their trophic state); lake_tn puts
     * it into the class for those who assess it so. */
    if (p == GB_FECAL)
        return 0;
    if (p == GB_TN)
        return w != GB_RIVER && lake_tn;
    return p >= 0 && p < GB_NPARAM;
}

const char *gb_class_name(int c)
{
    static const char *const names[] = {"", "I", "II", "III", "IV", "V", "劣V"};
    return c >= 0 && c <= 6 ? names[c] : "";
}

void gb_acc_add(struct gb_acc *a, int p, int64_t v, int below_dl)
{
    if (p < 0 || p >= GB_NPARAM || v < 0 || a->n[p] == UINT32_MAX)
        return;
    a->twice_sum[p] += below_dl ? (wqd_u128)v : (wqd_u128)v * 2;
    a->n[p]++;
}

void gb_acc_mean(const struct gb_acc *a, int p, char *out, size_t cap)
{
    if (p < 0 || p >= GB_NPARAM || !a->n[p]) {
        snprintf(out, cap, "%s", "");
        return;
    }
    /* nano-units first (exact integer part), then three more decimals of
     * the remainder, half-even: 12 decimals of the unit in all */
    wqd_u128 den = (wqd_u128)2 * a->n[p];
    wqd_u128 q = a->twice_sum[p] / den, r = a->twice_sum[p] % den;
    wqd_u128 f = wqd_round_half_even(r * 1000, den);
    if (f == 1000) {
        q++;
        f = 0;
    }
    unsigned long long ip = (unsigned long long)(q / (wqd_u128)WQD_ONE);
    unsigned long long fp = (unsigned long long)(q % (wqd_u128)WQD_ONE);
    char frac[16];
    snprintf(frac, sizeof frac, "%09llu%03u", fp, (unsigned)f);
    size_t fl = 12;
    while (fl && frac[fl - 1] == '0')
        frac[--fl] = '\0';
    snprintf(out, cap, "%llu%s%s", ip, fl ? "." : "", frac);
}

int gb_section_class(const struct gb_acc *a, int w, int lake_tn, int classes[GB_NPARAM])
{
    int worst = 0;
    for (int p = 0; p < GB_NPARAM; p++) {
        classes[p] = gb_class(p, w, a->twice_sum[p], a->n[p]);
        if (gb_assessed(p, w, lake_tn) && classes[p] > worst)
            worst = classes[p];
    }
    return worst;
}

int64_t gb_share_tenths(int64_t k, int64_t n)
{
    if (n <= 0 || k < 0)
        return 0;
    return (int64_t)wqd_round_half_even((wqd_u128)k * 1000, (wqd_u128)n);
}
