/* The stats feed's settings (settings.h): every key checked, every problem
 * named by its path, derivations checked against what they derive from
 * (operands defined before, one frequency, units that relate, the basis an
 * indicator takes). */
#include "settings.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plantrack/plugin.h>

#include "period.h"
#include "ptp_settings.h"

static const char *const format_names[] = {"auto", "sdmx", "nbs", "csv", NULL};
const char *const st_basis_names[] = {"none", "real", "nominal", NULL};

/* ---- units ------------------------------------------------------------- */

/* The decimal prefixes of Chinese statistical units: 万元 is 10^4 元, 亿人
 * 10^8 人. Enough to relate a release's unit to a series' one and to scale
 * ratios; the host's unit table does every other conversion. */
static const struct {
    const char *prefix;
    int pow10;
} prefixes[] = {{"千万", 7}, {"百万", 6}, {"亿", 8}, {"万", 4}, {"千", 3}, {"百", 2}};

static void unit_split(const char *unit, int *pow10, char base[32])
{
    *pow10 = 0;
    if (!strcmp(unit, "‰")) {
        *pow10 = -1;
        snprintf(base, 32, "%%");
        return;
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i].prefix);
        if (!strncmp(unit, prefixes[i].prefix, n) && unit[n]) {
            *pow10 = prefixes[i].pow10;
            snprintf(base, 32, "%s", unit + n);
            return;
        }
    }
    snprintf(base, 32, "%s", unit);
}

static const char *unit_norm(const char *u)
{
    return !strcmp(u, "％") ? "%" : u; /* the full-width per cent sign */
}

double st_pow10(int e)
{
    double p = 1;
    for (int i = 0; i < (e < 0 ? -e : e); i++)
        p *= 10;
    return e < 0 ? 1 / p : p;
}

/* Converts v from unit `from` into series x's unit: the same unit, the
 * spelling the settings gave as source_unit, or the same base with another
 * decimal prefix. -1 when the units do not relate. */
int st_unit_to(const struct st_series_conf *x, const char *from, double *v)
{
    from = unit_norm(from);
    if (!strcmp(from, x->unit) || (x->source_unit[0] && !strcmp(from, x->source_unit)))
        return 0;
    int p;
    char base[32];
    unit_split(from, &p, base);
    if (strcmp(base, x->base))
        return -1;
    *v = st_scale10(*v, p - x->pow10); /* exactly as published: 75342000 万元 is 7534.2 亿元 */
    return 0;
}

/* ---- settings ---------------------------------------------------------- */

const char st_settings_help[] =
    "folder      a folder of releases (*.json, *.csv), each one unit, in name order\n"
    "urls        http, https or file URLs, each one release\n"
    "format      auto (default), sdmx, nbs or csv\n"
    "site        the site code the series are stored under (required), e.g. shijiazhuang\n"
    "plan        the plan the actuals belong to (optional)\n"
    "source      the actuals' source (default: the release's name)\n"
    "first_year  the first year actuals are emitted for (the plan's base year)\n"
    "series      [{name, sdmx|nbs|csv, unit, source_unit, basis, frequency, ytd,\n"
    "            site, actual}]: what releases hold, see README.md\n"
    "derive      [{name, op, from|prices|numerator|denominator, base, scale,\n"
    "            base_year, unit, decimals, site, actual}]: index_growth, growth,\n"
    "            diff, deflate, ratio, share, per_thousand, chain";

/* Settings errors quote what the user wrote: printable, PTP_ECONFIG. */
#define fail(...) ptp_fail_printable(__VA_ARGS__)

static int is_series_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 64 || s[0] == '_')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Printable UTF-8 text of at most max - 1 bytes. */
static int is_text(json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) >= max)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int known_keys(json_t *o, const char *const *keys, const char *path, char *err, size_t cap)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (ptp_one_of(k, keys) < 0) {
            char list[512];
            size_t n = 0;
            for (int i = 0; keys[i] && n < sizeof list - 64; i++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", keys[i]);
            return fail(err, cap, "%s.%.64s: unknown key (use %s)", path, k, list);
        }
    }
    return 0;
}

int st_settings_find(const struct st_settings *s, const char *name)
{
    for (int i = 0; name && i < s->nseries; i++)
        if (!strcmp(s->series[i].name, name))
            return i;
    return -1;
}

static int parse_actual(struct st_settings *s, struct st_series_conf *x, json_t *a,
                        const char *path, char *err, size_t cap)
{
    static const char *const keys[] = {"indicator", "plan", "basis", "first_year", NULL};
    if (!a)
        return 0;
    if (!json_is_object(a))
        return fail(err, cap, "%s.actual: expected {\"indicator\": ID, …}", path);
    int rc = known_keys(a, keys, path, err, cap);
    if (rc)
        return rc;
    json_t *ind = json_object_get(a, "indicator"), *plan = json_object_get(a, "plan");
    json_t *basis = json_object_get(a, "basis"), *fy = json_object_get(a, "first_year");
    if (!is_text(ind, sizeof x->indicator))
        return fail(err, cap, "%s.actual.indicator: expected the indicator's id or number", path);
    if (plan && !is_text(plan, sizeof x->plan))
        return fail(err, cap, "%s.actual.plan: expected a plan id", path);
    x->actual = 1;
    snprintf(x->indicator, sizeof x->indicator, "%s", json_string_value(ind));
    snprintf(x->plan, sizeof x->plan, "%s", plan ? json_string_value(plan) : s->plan);
    if (basis) {
        x->want_basis = ptp_one_of(json_string_value(basis), st_basis_names);
        if (x->want_basis <= 0)
            return fail(err, cap, "%s.actual.basis: expected \"real\" or \"nominal\"", path);
        if (x->basis != x->want_basis)
            return fail(err, cap,
                        "%s.actual.basis: indicator %s takes %s figures, but series %s is %s "
                        "(declare \"basis\" on the constant-price or volume series it comes from, "
                        "or derive it with deflate)",
                        path, x->indicator, st_basis_names[x->want_basis], x->name,
                        x->basis ? st_basis_names[x->basis] : "of no declared basis");
    }
    x->first_year = s->first_year;
    if (fy) {
        if (!json_is_integer(fy) || json_integer_value(fy) < ST_YEAR_MIN ||
            json_integer_value(fy) > ST_YEAR_MAX)
            return fail(err, cap, "%s.actual.first_year: expected a year", path);
        x->first_year = (int)json_integer_value(fy);
    }
    if (!x->first_year)
        return fail(err, cap,
                    "%s.actual.first_year: missing: give the plan's base year here or as "
                    "settings.first_year (the host refuses actuals before it)",
                    path);
    if (x->freq != ST_ANNUAL && !x->ytd)
        return fail(err, cap,
                    "%s.actual: a %s series fills an indicator only as the year to date (set "
                    "\"ytd\": true if its values are cumulative from January)",
                    path, st_freq_name(x->freq));
    return 0;
}

static int parse_sdmx_filter(struct st_series_conf *x, json_t *sel, const char *path, char *err,
                             size_t cap)
{
    const char *k;
    json_t *v;
    if (!json_is_object(sel) || !json_object_size(sel))
        return fail(err, cap, "%s.sdmx: expected {\"DIMENSION\": \"VALUE\" or [\"VALUE\", …], …}",
                    path);
    if (json_object_size(sel) > ST_MAX_FILTERS)
        return fail(err, cap, "%s.sdmx: more than %d dimensions", path, ST_MAX_FILTERS);
    x->flt = calloc(json_object_size(sel), sizeof *x->flt);
    if (!x->flt)
        return fail(err, cap, "out of memory");
    json_object_foreach(sel, k, v)
    {
        struct st_filter *f = &x->flt[x->nflt++];
        if (strlen(k) >= sizeof f->dim || !*k)
            return fail(err, cap, "%s.sdmx.%.64s: dimension id too long", path, k);
        snprintf(f->dim, sizeof f->dim, "%s", k);
        json_t *one, *arr = json_is_array(v) ? v : NULL;
        size_t i;
        if (!arr && !is_text(v, sizeof f->val[0]))
            return fail(err, cap, "%s.sdmx.%.64s: expected a value id or an array of them", path,
                        k);
        if (!arr) {
            snprintf(f->val[f->nval++], sizeof f->val[0], "%s", json_string_value(v));
            continue;
        }
        if (!json_array_size(arr) || json_array_size(arr) > ST_MAX_FILTER_VALUES)
            return fail(err, cap, "%s.sdmx.%.64s: expected 1 to %d value ids", path, k,
                        ST_MAX_FILTER_VALUES);
        json_array_foreach(arr, i, one)
        {
            if (!is_text(one, sizeof f->val[0]))
                return fail(err, cap, "%s.sdmx.%.64s[%zu]: expected a value id", path, k, i);
            snprintf(f->val[f->nval++], sizeof f->val[0], "%s", json_string_value(one));
        }
    }
    return 0;
}

static int code_pair(json_t *o, const char *k1, const char *k2, char *c1, char *c2, int need1,
                     const char *path, char *err, size_t cap)
{
    json_t *v1 = json_object_get(o, k1), *v2 = json_object_get(o, k2);
    if (need1 && !is_text(v1, 65))
        return fail(err, cap, "%s.%s: expected a code", path, k1);
    if (v2 && !is_text(v2, 65))
        return fail(err, cap, "%s.%s: expected a code", path, k2);
    snprintf(c1, 65, "%s", v1 ? json_string_value(v1) : "");
    snprintf(c2, 65, "%s", v2 ? json_string_value(v2) : "");
    return 0;
}

/* Fields both kinds of entry have: name, unit, site, frequency. */
static int parse_common(struct st_settings *s, struct st_series_conf *x, json_t *e,
                        const char *path, char *err, size_t cap)
{
    json_t *name = json_object_get(e, "name"), *site = json_object_get(e, "site");
    const char *n = json_string_value(name);
    if (!n || !is_series_name(n))
        return fail(err, cap, "%s.name: expected a series name (1-64 of a-z, 0-9 and _)", path);
    if (st_settings_find(s, n) >= 0)
        return fail(err, cap, "%s.name: series %s is defined twice", path, n);
    snprintf(x->name, sizeof x->name, "%s", n);
    if (site && !is_text(site, sizeof x->site))
        return fail(err, cap, "%s.site: expected a site code", path);
    snprintf(x->site, sizeof x->site, "%s", site ? json_string_value(site) : s->site);
    x->a = x->b = -1;
    x->op.decimals = -1;
    return 0;
}

static int set_unit(struct st_series_conf *x, json_t *u, const char *path, char *err, size_t cap)
{
    if (!is_text(u, sizeof x->unit))
        return fail(err, cap, "%s.unit: expected the unit its values are in (see core/units.c)",
                    path);
    snprintf(x->unit, sizeof x->unit, "%s", unit_norm(json_string_value(u)));
    unit_split(x->unit, &x->pow10, x->base);
    return 0;
}

static int parse_raw(struct st_settings *s, struct st_series_conf *x, json_t *e, const char *path,
                     char *err, size_t cap)
{
    static const char *const keys[] = {"name",  "sdmx",      "nbs", "csv",  "unit",   "source_unit",
                                       "basis", "frequency", "ytd", "site", "actual", NULL};
    int rc = known_keys(e, keys, path, err, cap);
    if (rc || (rc = parse_common(s, x, e, path, err, cap)))
        return rc;
    json_t *sdmx = json_object_get(e, "sdmx"), *nbs = json_object_get(e, "nbs");
    json_t *csv = json_object_get(e, "csv");
    if (!!sdmx + !!nbs + !!csv != 1)
        return fail(err, cap, "%s: give exactly one of sdmx, nbs and csv (where its values are)",
                    path);
    char p2[128];
    if (sdmx) {
        x->format = ST_F_SDMX;
        if ((rc = parse_sdmx_filter(x, sdmx, path, err, cap)))
            return rc;
    } else if (nbs) {
        x->format = ST_F_NBS;
        snprintf(p2, sizeof p2, "%s.nbs", path);
        static const char *const nkeys[] = {"zb", "reg", NULL};
        if (!json_is_object(nbs))
            return fail(err, cap, "%s: expected {\"zb\": CODE, \"reg\": CODE}", p2);
        if ((rc = known_keys(nbs, nkeys, p2, err, cap)) ||
            (rc = code_pair(nbs, "zb", "reg", x->code, x->region, 1, p2, err, cap)))
            return rc;
    } else {
        x->format = ST_F_CSV;
        snprintf(p2, sizeof p2, "%s.csv", path);
        static const char *const ckeys[] = {"series", "region", NULL};
        if (json_is_string(csv)) {
            if (!is_text(csv, sizeof x->code))
                return fail(err, cap, "%s: expected the series column's value", p2);
            snprintf(x->code, sizeof x->code, "%s", json_string_value(csv));
        } else if (!json_is_object(csv) || (rc = known_keys(csv, ckeys, p2, err, cap)) ||
                   (rc = code_pair(csv, "series", "region", x->code, x->region, 1, p2, err, cap))) {
            return rc ? rc
                      : fail(err, cap, "%s: expected a series name or {\"series\", \"region\"}",
                             p2);
        }
    }
    if ((rc = set_unit(x, json_object_get(e, "unit"), path, err, cap)))
        return rc;
    json_t *su = json_object_get(e, "source_unit");
    if (su && !is_text(su, sizeof x->source_unit))
        return fail(err, cap, "%s.source_unit: expected a unit as the releases spell it", path);
    snprintf(x->source_unit, sizeof x->source_unit, "%s", su ? json_string_value(su) : "");
    json_t *b = json_object_get(e, "basis");
    x->basis = b ? ptp_one_of(json_string_value(b), st_basis_names) : ST_B_NONE;
    if (x->basis < 0)
        return fail(err, cap,
                    "%s.basis: expected \"real\" (constant prices, volume) or \"nominal\" "
                    "(current prices)",
                    path);
    json_t *fr = json_object_get(e, "frequency");
    x->freq = fr ? st_freq_parse(json_string_value(fr)) : ST_ANNUAL;
    if (!x->freq)
        return fail(err, cap,
                    "%s.frequency: expected annual, semiannual, quarterly, monthly or daily", path);
    json_t *ytd = json_object_get(e, "ytd");
    if (ytd && !json_is_boolean(ytd))
        return fail(err, cap, "%s.ytd: expected true or false", path);
    x->ytd = json_is_true(ytd) && x->freq != ST_ANNUAL;
    return parse_actual(s, x, json_object_get(e, "actual"), path, err, cap);
}

static int operand(struct st_settings *s, json_t *e, const char *key, int *out, const char *path,
                   char *err, size_t cap)
{
    const char *n = json_string_value(json_object_get(e, key));
    if (!n)
        return fail(err, cap, "%s.%s: missing (the series it is derived from)", path, key);
    if ((*out = st_settings_find(s, n)) < 0)
        return fail(err, cap, "%s.%s: no series \"%.64s\" before this entry", path, key, n);
    return 0;
}

static int parse_derived(struct st_settings *s, struct st_series_conf *x, json_t *e,
                         const char *path, char *err, size_t cap)
{
    static const char *const keys[] = {"name",        "op",   "from",   "prices",    "numerator",
                                       "denominator", "base", "scale",  "base_year", "unit",
                                       "decimals",    "site", "actual", NULL};
    int rc = known_keys(e, keys, path, err, cap);
    if (rc || (rc = parse_common(s, x, e, path, err, cap)))
        return rc;
    x->derived = 1;
    const char *op = json_string_value(json_object_get(e, "op"));
    int share = op && !strcmp(op, "share"), per = op && !strcmp(op, "per_thousand");
    if (share || per)
        x->op.kind = ST_OP_RATIO;
    else if (!op || st_op_parse(op, &x->op.kind))
        return fail(err, cap,
                    "%s.op: expected index_growth, growth, diff, deflate, ratio, share, "
                    "per_thousand or chain",
                    path);
    /* the operands, named by what they are */
    if (x->op.kind == ST_OP_RATIO) {
        if ((rc = operand(s, e, "numerator", &x->a, path, err, cap)) ||
            (rc = operand(s, e, "denominator", &x->b, path, err, cap)))
            return rc;
    } else if ((rc = operand(s, e, "from", &x->a, path, err, cap)) ||
               (x->op.kind == ST_OP_DEFLATE &&
                (rc = operand(s, e, "prices", &x->b, path, err, cap)))) {
        return rc;
    }
    const struct st_series_conf *a = &s->series[x->a], *b = x->b >= 0 ? &s->series[x->b] : NULL;
    static const char *const by_op[][2] = {{"numerator", "ratio"}, {"denominator", "ratio"},
                                           {"prices", "deflate"},  {"base", "index_growth"},
                                           {"scale", "ratio"},     {"base_year", "chain"}};
    for (size_t i = 0; i < sizeof by_op / sizeof by_op[0]; i++)
        if (json_object_get(e, by_op[i][0]) && strcmp(st_op_name(x->op.kind), by_op[i][1]))
            return fail(err, cap, "%s.%s: only for op %s", path, by_op[i][0], by_op[i][1]);
    if (json_object_get(e, "from") && x->op.kind == ST_OP_RATIO)
        return fail(err, cap, "%s.from: a ratio takes numerator and denominator", path);
    if ((share || per) && json_object_get(e, "scale"))
        return fail(err, cap, "%s.scale: %s fixes the scale", path, op);
    if (b && (a->freq != b->freq || a->ytd != b->ytd))
        return fail(err, cap, "%s: %s is %s%s and %s is %s%s: operands must have one frequency",
                    path, a->name, st_freq_name(a->freq), a->ytd ? " year-to-date" : "", b->name,
                    st_freq_name(b->freq), b->ytd ? " year-to-date" : "");
    x->freq = a->freq;
    x->ytd = a->ytd;
    x->basis = a->basis;
    json_t *v;
    switch (x->op.kind) {
    case ST_OP_INDEX_GROWTH:
        v = json_object_get(e, "base");
        x->op.base = v ? json_number_value(v) : 100;
        if (v && (!json_is_number(v) || !(x->op.base > 0)))
            return fail(err, cap, "%s.base: expected the index's reference value (100)", path);
        break;
    case ST_OP_DEFLATE:
        if (a->basis == ST_B_REAL)
            return fail(err, cap, "%s.from: series %s is already real (constant prices)", path,
                        a->name);
        x->basis = ST_B_REAL;
        break;
    case ST_OP_RATIO:
        if (share) {
            x->op.scale = 100;
            if (strcmp(a->base, b->base))
                return fail(err, cap,
                            "%s: a share needs numerator and denominator in one unit (%s is in "
                            "%s, %s in %s)",
                            path, a->name, a->unit, b->name, b->unit);
        } else if (per) {
            x->op.scale = 1000;
        } else {
            v = json_object_get(e, "scale");
            x->op.scale = v ? json_number_value(v) : 1;
            if (v && (!json_is_number(v) || !isfinite(x->op.scale) || x->op.scale == 0))
                return fail(err, cap, "%s.scale: expected a non-zero number", path);
        }
        /* 人 over 万人: the prefixes scale the ratio */
        x->op.scale *= st_pow10(a->pow10 - b->pow10);
        x->basis = b->basis == ST_B_NONE || b->basis == a->basis ? a->basis : ST_B_NONE;
        break;
    case ST_OP_CHAIN:
        v = json_object_get(e, "base_year");
        if (!json_is_integer(v) || json_integer_value(v) < ST_YEAR_MIN ||
            json_integer_value(v) > ST_YEAR_MAX)
            return fail(err, cap, "%s.base_year: expected the year the change is counted from",
                        path);
        x->op.base_year = (int)json_integer_value(v);
        if (a->freq != ST_ANNUAL)
            return fail(err, cap, "%s.from: a chain takes yearly changes; %s is %s", path, a->name,
                        st_freq_name(a->freq));
        break;
    default:
        break;
    }
    /* the result's unit: fixed by the operator, or given */
    json_t *u = json_object_get(e, "unit");
    const char *fixed = x->op.kind == ST_OP_DIFF              ? a->unit
                        : x->op.kind == ST_OP_RATIO && !share ? NULL
                                                              : "%";
    if (fixed && u)
        return fail(err, cap, "%s.unit: op %s gives %s", path, op, fixed);
    if (fixed) {
        snprintf(x->unit, sizeof x->unit, "%s", fixed);
        unit_split(x->unit, &x->pow10, x->base);
    } else if ((rc = set_unit(x, u, path, err, cap))) {
        return rc;
    }
    /* the quotient is in base units: declared in 万元, it is divided by 10^4 */
    if (x->op.kind == ST_OP_RATIO && !share)
        x->op.scale /= st_pow10(x->pow10);
    v = json_object_get(e, "decimals");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 12))
        return fail(err, cap, "%s.decimals: expected 0 to 12", path);
    x->op.decimals = v ? (int)json_integer_value(v) : -1;
    if (!json_object_get(e, "site"))
        snprintf(x->site, sizeof x->site, "%s", a->site);
    return parse_actual(s, x, json_object_get(e, "actual"), path, err, cap);
}

void st_settings_free(struct st_settings *s)
{
    for (int i = 0; i < s->nseries; i++)
        free(s->series[i].flt);
    free(s->series);
    for (int i = 0; i < s->nurls; i++)
        free(s->urls[i]);
    free(s->urls);
    memset(s, 0, sizeof *s);
}

int st_settings_parse(const char *text, struct st_settings *s, char *err, size_t cap)
{
    static const char *const keys[] = {"folder", "urls",       "format",     "site",
                                       "plan",   "source",     "first_year", "series",
                                       "derive", "config_dir", NULL};
    json_t *o, *v;
    size_t i;
    int rc = ptp_settings_load(text, &o, err, cap);
    if (rc) {
        ptp_printable(err); /* the parser's message may quote the text */
        return rc;
    }
    if ((rc = known_keys(o, keys, "settings", err, cap)))
        goto out;
    json_t *folder = json_object_get(o, "folder"), *urls = json_object_get(o, "urls");
    if (!folder && !urls) {
        rc = fail(err, cap, "settings: give a folder or urls (or both): where the releases are");
        goto out;
    }
    if (folder && !is_text(folder, 2048)) {
        rc = fail(err, cap, "settings.folder: expected a folder name");
        goto out;
    }
    if (urls && !json_is_array(urls)) {
        rc = fail(err, cap, "settings.urls: expected an array of URLs");
        goto out;
    }
    json_array_foreach(urls, i, v)
    {
        const char *u = json_string_value(v);
        if (!is_text(v, 2048) || !ptp_is_url(u)) {
            rc = fail(err, cap, "settings.urls[%zu]: expected an http, https or file URL", i);
            goto out;
        }
    }
    json_t *fmt = json_object_get(o, "format");
    s->format = fmt ? ptp_one_of(json_string_value(fmt), format_names) : ST_F_AUTO;
    if (s->format < 0) {
        rc = fail(err, cap, "settings.format: expected auto, sdmx, nbs or csv");
        goto out;
    }
    json_t *site = json_object_get(o, "site"), *plan = json_object_get(o, "plan");
    json_t *source = json_object_get(o, "source"), *fy = json_object_get(o, "first_year");
    if (!is_text(site, sizeof s->site)) {
        rc = fail(err, cap,
                  "settings.site: expected the site code series are stored under "
                  "(the city's, e.g. \"shijiazhuang\")");
        goto out;
    }
    snprintf(s->site, sizeof s->site, "%s", json_string_value(site));
    if (plan && !is_text(plan, sizeof s->plan)) {
        rc = fail(err, cap, "settings.plan: expected a plan id");
        goto out;
    }
    snprintf(s->plan, sizeof s->plan, "%s", plan ? json_string_value(plan) : "");
    if (source && !is_text(source, sizeof s->source)) {
        rc = fail(err, cap, "settings.source: expected a short text");
        goto out;
    }
    snprintf(s->source, sizeof s->source, "%s", source ? json_string_value(source) : "");
    if (fy && (!json_is_integer(fy) || json_integer_value(fy) < ST_YEAR_MIN ||
               json_integer_value(fy) > ST_YEAR_MAX)) {
        rc = fail(err, cap, "settings.first_year: expected a year (the plan's base year)");
        goto out;
    }
    s->first_year = fy ? (int)json_integer_value(fy) : 0;
    json_t *series = json_object_get(o, "series"), *derive = json_object_get(o, "derive");
    if (!json_is_array(series) || !json_array_size(series)) {
        rc = fail(err, cap, "settings.series: expected an array of series (what releases hold)");
        goto out;
    }
    if (derive && !json_is_array(derive)) {
        rc = fail(err, cap, "settings.derive: expected an array of derivations");
        goto out;
    }
    size_t total = json_array_size(series) + json_array_size(derive);
    if (total > ST_MAX_SERIES) {
        rc = fail(err, cap, "settings: more than %d series and derivations", ST_MAX_SERIES);
        goto out;
    }
    s->series = calloc(total, sizeof *s->series);
    if (!s->series) {
        rc = fail(err, cap, "out of memory");
        goto out;
    }
    for (int pass = 0; pass < 2; pass++) {
        json_t *arr = pass ? derive : series;
        json_array_foreach(arr, i, v)
        {
            char path[64];
            snprintf(path, sizeof path, "settings.%s[%zu]", pass ? "derive" : "series", i);
            if (!json_is_object(v)) {
                rc = fail(err, cap, "%s: expected an object", path);
                goto out;
            }
            struct st_series_conf *x = &s->series[s->nseries];
            rc = pass ? parse_derived(s, x, v, path, err, cap) : parse_raw(s, x, v, path, err, cap);
            s->nseries++; /* counted even when refused: its filters are freed */
            if (rc)
                goto out;
        }
    }
    /* the folder, relative to the configuration's, and the URLs */
    const char *f = json_string_value(folder),
               *dir = json_string_value(json_object_get(o, "config_dir"));
    if (f)
        ptp_join_path(s->folder, sizeof s->folder, dir, f);
    if (!(s->urls = calloc(json_array_size(urls) + 1, sizeof *s->urls))) {
        rc = fail(err, cap, "out of memory");
        goto out;
    }
    json_array_foreach(urls, i, v)
    {
        if (!(s->urls[i] = strdup(json_string_value(v)))) {
            rc = fail(err, cap, "out of memory");
            goto out;
        }
        s->nurls = (int)i + 1;
    }
out:
    json_decref(o);
    return rc;
}
