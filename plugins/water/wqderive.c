/* The water plugin's derivations (water.h): a year of surface water from
 * the raw samples the store holds (per section and month, per section and
 * year so far, per city; and indicator 20's actual), and the groundwater
 * cumulative cut from every stored submission (indicator 19's actuals).
 * They read back through the host, so a correction or a late release flows
 * through the same path as the first one. Not here: the rules themselves
 * (gb3838.c, groundwater.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plantrack/plugin.h>

#include "gb3838.h"
#include "ptp_folder.h"
#include "groundwater.h"
#include "release.h"
#include "water.h"
#include "wqdec.h"

/* ---- deriving a year of surface water ------------------------------------ */

/* One section's year: periods 0-11 are the months, 12 the year so far. */
struct section {
    char code[REL_SECTION_MAX];
    int water[13];       /* the period's last sample's water body; -1 none */
    int64_t water_t[13]; /* that sample's time */
    int samples[13];     /* samples (section-times) in the period */
    struct gb_acc acc[13];
};

struct year_data {
    struct section *s;
    int n, cap;
    int *slot; /* open addressing: index + 1, 0 = empty */
    int nslot;
    int64_t y0; /* the year's first instant */
    int param;  /* the series being read */
    int bad;    /* stored values that are no decimal of ours */
};

static uint64_t hash(const char *s)
{
    return ptp_digest(s, strlen(s));
}

static struct section *section_of(struct year_data *d, const char *code)
{
    if (!code || !rel_section_ok(code, strlen(code)))
        return NULL;
    size_t mask = (size_t)d->nslot - 1, i = (size_t)hash(code) & mask;
    for (; d->slot[i]; i = (i + 1) & mask)
        if (!strcmp(d->s[d->slot[i] - 1].code, code))
            return &d->s[d->slot[i] - 1];
    if (d->n == MAX_SECTIONS)
        return NULL;
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 16;
        struct section *g = realloc(d->s, (size_t)cap * sizeof *g);
        if (!g)
            return NULL;
        d->s = g;
        d->cap = cap;
    }
    struct section *s = &d->s[d->n];
    memset(s, 0, sizeof *s);
    snprintf(s->code, sizeof s->code, "%s", code);
    for (int k = 0; k < 13; k++)
        s->water[k] = -1;
    d->slot[i] = ++d->n;
    return s;
}

static int month_of(int64_t t)
{
    int y, m, dd;
    rel_civil(t, &y, &m, &dd);
    return m - 1;
}

static int take_type(void *data, const struct pt_obs *o)
{
    struct year_data *d = data;
    struct section *s = section_of(d, o->site);
    int water = o->text ? gb_water_find(o->text, strlen(o->text)) : -1;
    if (!s || water < 0)
        return 0;
    int m = month_of(o->time);
    for (int k = 0; k < 2; k++) {
        int p = k ? 12 : m;
        if (s->water[p] < 0 || o->time >= s->water_t[p]) {
            s->water[p] = water;
            s->water_t[p] = o->time;
        }
        s->samples[p]++;
    }
    return 0;
}

static int take_value(void *data, const struct pt_obs *o)
{
    struct year_data *d = data;
    int64_t v;
    if (!o->has_value || (o->flags & PTP_OBS_INVALID))
        return 0;
    if (wqd_from_double(o->value, &v) || v < 0) {
        d->bad++;
        return 0;
    }
    struct section *s = section_of(d, o->site);
    if (!s)
        return 0;
    int m = month_of(o->time);
    gb_acc_add(&s->acc[m], d->param, v, (o->flags & FLAG_BELOW_DL) != 0);
    gb_acc_add(&s->acc[12], d->param, v, (o->flags & FLAG_BELOW_DL) != 0);
    return 0;
}

static int counted(const struct water *w, const char *code)
{
    if (!w->sections)
        return 1;
    return bsearch(&code, w->sections, (size_t)w->nsections, sizeof *w->sections, ptp_by_str) !=
           NULL;
}

struct tally {
    int assessed, good, worse_v, samples;
};

/* A period's series of one section; its class (0: none) for the tally. */
static int emit_section(struct water *w, uint64_t u, const struct section *s, int p, int64_t t,
                        const char *suffix, uint32_t flags)
{
    char series[48], mean[64], over[512];
    int classes[GB_NPARAM];
    int water = s->water[p];
    int cls = gb_section_class(&s->acc[p], water, w->lake_tn, classes);
    size_t on = 0;
    over[0] = '\0';
    for (int q = 0; q < GB_NPARAM; q++) {
        if (!s->acc[p].n[q])
            continue;
        gb_acc_mean(&s->acc[p], q, mean, sizeof mean);
        snprintf(series, sizeof series, "wq_%s_%s", gb_param(q)->code, suffix);
        wq_emit_value(w, u, series, s->code, t, strtod(mean, NULL), gb_unit_name(q), flags);
        if (gb_assessed(q, water, w->lake_tn) && classes[q] > 3 && on < sizeof over)
            on += (size_t)snprintf(over + on, sizeof over - on, "%s%s=%d", on ? " " : "",
                                   gb_param(q)->code, classes[q]);
    }
    if (cls) {
        snprintf(series, sizeof series, "water_class_%s", suffix);
        wq_emit_value(w, u, series, s->code, t, cls, "1", flags);
        snprintf(series, sizeof series, "water_over_iii_%s", suffix);
        wq_emit_text(w, u, series, s->code, t, over, flags);
    }
    return cls;
}

static void emit_city(struct water *w, uint64_t u, const struct tally *c, int64_t t,
                      const char *suffix, uint32_t flags)
{
    char series[48];
    snprintf(series, sizeof series, "water_sections_%s", suffix);
    wq_emit_value(w, u, series, w->city, t, c->assessed, "个", flags);
    snprintf(series, sizeof series, "water_class_iii_sections_%s", suffix);
    wq_emit_value(w, u, series, w->city, t, c->good, "个", flags);
    snprintf(series, sizeof series, "water_worse_v_sections_%s", suffix);
    wq_emit_value(w, u, series, w->city, t, c->worse_v, "个", flags);
    if (c->assessed) {
        char text[32];
        int64_t tenths = gb_share_tenths(c->good, c->assessed);
        snprintf(text, sizeof text, "%lld.%lld", (long long)(tenths / 10),
                 (long long)(tenths % 10));
        snprintf(series, sizeof series, "water_class_iii_share_%s", suffix);
        wq_emit_value(w, u, series, w->city, t, strtod(text, NULL), "%", flags);
    }
}

static int by_code(const void *x, const void *y)
{
    return strcmp(((const struct section *)x)->code, ((const struct section *)y)->code);
}

/* The year's actual, in a unit of its own: a refusal (a year outside the
 * plan) leaves the year's series in. */
static void emit_share_actual(struct water *w, int year, const struct year_data *d,
                              const struct tally *c, const int *months, int complete,
                              int last_month)
{
    char period[8], as_of[16], now[16], text[32], m[16];
    int this_year;
    wq_today(now, &this_year);
    snprintf(period, sizeof period, "%04d", year % 10000);
    json_t *pj =
        json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:b, s:s}", "method",
                  w->lake_tn ? "GB 3838-2002 single-factor class over the 21 assessed "
                               "parameters (no water temperature, fecal coliform, TN: "
                               "环办监测函〔2020〕82号) and TN of lakes and reservoirs, each the "
                               "mean of the year's samples; share = sections of Classes I-III "
                               "/ assessed sections"
                             : "GB 3838-2002 single-factor class over the 21 assessed "
                               "parameters (no water temperature, fecal coliform, TN: "
                               "环办监测函〔2020〕82号), each the mean of the year's samples; "
                               "share = sections of Classes I-III / assessed sections",
                  "feed", w->name, "sections", c->assessed, "class_i_iii", c->good, "worse_than_v",
                  c->worse_v, "samples", c->samples, "lake_tn", w->lake_tn, "rounding",
                  "GB/T 8170 half to even, to 0.1 %");
    json_t *ms = json_array(), *cls = json_object(), *missing = json_array();
    for (int k = 0; k < 12; k++)
        if (months[k]) {
            wq_month_text(year * 12 + k, m);
            json_array_append_new(ms, json_string(m));
        }
    for (int i = 0; i < d->n; i++) {
        const struct section *s = &d->s[i];
        int classes[GB_NPARAM];
        int k = s->water[12] >= 0 ? gb_section_class(&s->acc[12], s->water[12], w->lake_tn, classes)
                                  : 0;
        if (k && counted(w, s->code))
            json_object_set_new(cls, s->code, json_string(gb_class_name(k)));
    }
    for (int i = 0; i < w->nsections; i++)
        if (!json_object_get(cls, w->sections[i]))
            json_array_append_new(missing, json_string(w->sections[i]));
    json_object_set_new(pj, "months", ms);
    json_object_set_new(pj, "classes", cls);
    if (w->sections)
        json_object_set_new(pj, "not_assessed", missing);
    else
        json_decref(missing);
    if (!complete) {
        /* as of the last month's end (not after today) */
        int ly = last_month / 12, lm = last_month % 12 + 1;
        int64_t end = wq_month_start(last_month + 1) - 86400;
        int y, mo, dd;
        rel_civil(end, &y, &mo, &dd);
        snprintf(as_of, sizeof as_of, "%04d-%02d-%02d", y % 10000, mo % 100, dd % 100);
        if (strcmp(as_of, now) > 0)
            snprintf(as_of, sizeof as_of, "%s", now);
        char why[160];
        if (year >= this_year)
            snprintf(why, sizeof why, "the year is not over: %04d-%02d is the last month in", ly,
                     lm);
        else
            snprintf(why, sizeof why, "no December release: %04d-%02d is the last month in", ly,
                     lm);
        json_object_set_new(pj, "not_final", json_string(why));
    }
    char *pjs = json_dumps(pj, JSON_COMPACT);
    json_decref(pj);
    int64_t tenths = gb_share_tenths(c->good, c->assessed);
    snprintf(text, sizeof text, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
    struct pt_actual_rec ar = {.size = sizeof ar,
                               .plan = w->plan[0] ? w->plan : NULL,
                               .indicator = w->ind_share,
                               .period = period,
                               .provisional = !complete,
                               .as_of = complete ? NULL : as_of,
                               .value = strtod(text, NULL),
                               .unit = "%",
                               .source = w->name,
                               .provenance = pjs};
    char name[64];
    snprintf(name, sizeof name, "surface water %s: the actual", period);
    uint64_t u = w->host->unit_begin(w->run, name);
    if (!u || w->host->emit_actual(u, &ar) != PTP_OK) {
        if (u)
            w->host->unit_abort(u, "the share's actual was refused");
        wq_say(w, PTP_LOG_WARN, "%s: the actual of %s was refused", period, w->ind_share);
    } else {
        struct pt_unit_commit cm = {.size = sizeof cm};
        if (w->host->unit_commit(u, &cm) != PTP_OK)
            wq_say(w, PTP_LOG_WARN, "%s: the actual of %s was not stored", period, w->ind_share);
    }
    free(pjs);
}

int wq_derive_year(struct water *w, int year)
{
    struct year_data d = {.nslot = 2 * MAX_SECTIONS};
    int rc = -1;
    uint64_t u = 0;
    d.y0 = rel_instant(year, 1, 1);
    int64_t y1 = rel_instant(year + 1, 1, 1);
    if (!(d.slot = calloc((size_t)d.nslot, sizeof *d.slot)))
        return -1;
    struct pt_obs_query q = {
        .size = sizeof q, .series = "wq_section_type", .from = d.y0, .to = y1 - 1};
    if (w->host->query_observations(w->run, &q, take_type, &d) != PTP_OK)
        goto out;
    char series[48];
    for (int p = 0; p < GB_NPARAM; p++) {
        snprintf(series, sizeof series, "wq_%s", gb_param(p)->code);
        q.series = series;
        d.param = p;
        if (w->host->query_observations(w->run, &q, take_value, &d) != PTP_OK)
            goto out;
    }
    if (d.bad)
        wq_say(w, PTP_LOG_WARN, "%d: %d stored values are not decimals this plugin wrote: left out",
               year, d.bad);
    /* the tally's order, and the provenance's, by section code (the hash
     * slots point at the old order: no lookups after this) */
    free(d.slot);
    d.slot = NULL;
    if (d.n > 1)
        qsort(d.s, (size_t)d.n, sizeof *d.s, by_code);
    int months[12] = {0}, last = -1;
    for (int i = 0; i < d.n; i++)
        for (int k = 0; k < 12; k++)
            if (d.s[i].samples[k]) {
                months[k] = 1;
                if (k > last)
                    last = k;
            }
    char now[16];
    int this_year;
    wq_today(now, &this_year);
    int complete = year < this_year && months[11];
    uint32_t flags = complete ? 0 : FLAG_YTD;
    char name[32];
    snprintf(name, sizeof name, "surface water %04d", year % 10000);
    if (!(u = w->host->unit_begin(w->run, name)))
        goto out;
    struct tally yr = {0};
    for (int k = 0; k < 12; k++) {
        if (!months[k])
            continue;
        struct tally c = {0};
        int64_t t = wq_month_start(year * 12 + k);
        for (int i = 0; i < d.n; i++) {
            const struct section *s = &d.s[i];
            if (!s->samples[k] || s->water[k] < 0)
                continue;
            int cls = emit_section(w, u, s, k, t, "1m", 0);
            if (cls && counted(w, s->code)) {
                c.assessed++;
                c.good += cls <= 3;
                c.worse_v += cls == 6;
                c.samples += s->samples[k];
            }
        }
        emit_city(w, u, &c, t, "1m", 0);
    }
    for (int i = 0; i < d.n; i++) {
        const struct section *s = &d.s[i];
        if (!s->samples[12] || s->water[12] < 0)
            continue;
        int cls = emit_section(w, u, s, 12, d.y0, "1y", flags);
        if (cls && counted(w, s->code)) {
            yr.assessed++;
            yr.good += cls <= 3;
            yr.worse_v += cls == 6;
            yr.samples += s->samples[12];
        }
    }
    if (last >= 0)
        emit_city(w, u, &yr, d.y0, "1y", flags);
    wq_drop_int(w->dirty, &w->ndirty, year);
    char *cur = wq_cursor_text(w);
    struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur};
    int crc = cur ? w->host->unit_commit(u, &cm) : (w->host->unit_abort(u, "out of memory"), -1);
    u = 0;
    free(cur);
    if (crc) {
        wq_add_int(w->dirty, &w->ndirty, MAX_DIRTY, year);
        goto out;
    }
    w->years++;
    if (yr.assessed)
        emit_share_actual(w, year, &d, &yr, months, complete, year * 12 + last);
    else if (last >= 0)
        wq_say(w, PTP_LOG_WARN, "%d: no assessed section: no actual", year);
    rc = 0;
out:
    if (u)
        w->host->unit_abort(u, "reading the store failed");
    free(d.slot);
    free(d.s);
    return rc;
}

/* ---- deriving groundwater ------------------------------------------------ */

struct gw_read {
    struct gw_row *rows;
    size_t n, cap;
    int bad;
};

static int take_gw(void *data, const struct pt_obs *o)
{
    struct gw_read *r = data;
    int y, m, dd;
    int64_t v;
    if (!o->has_value || wqd_from_double(o->value, &v)) {
        r->bad++;
        return 0;
    }
    rel_civil(o->time, &y, &m, &dd);
    if (m != 1 || dd != 1 || r->n == GW_MAX_ROWS * 4)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct gw_row *g = realloc(r->rows, cap * sizeof *g);
        if (!g)
            return PTP_ENOMEM;
        r->rows = g;
        r->cap = cap;
    }
    r->rows[r->n++] = (struct gw_row){.year = y, .value = v};
    return 0;
}

static int by_gw_year(const void *x, const void *y)
{
    const struct gw_row *a = x, *b = y;
    return (a->year > b->year) - (a->year < b->year);
}

static const char *reading_name(enum gw_reading r)
{
    return r == GW_YEARLY ? "yearly" : r == GW_CUMULATIVE ? "cumulative" : "cumulative_since_base";
}

int wq_derive_groundwater(struct water *w)
{
    struct gw_read r = {0};
    struct pt_obs_query q = {
        .size = sizeof q, .series = "gw_submitted_1y", .site = w->city, .from = T_MIN, .to = T_MAX};
    if (w->host->query_observations(w->run, &q, take_gw, &r) != PTP_OK) {
        free(r.rows);
        return -1;
    }
    qsort(r.rows, r.n, sizeof *r.rows, by_gw_year);
    struct gw_year *ys = calloc(r.n + 1, sizeof *ys);
    int gap = 0;
    if (!ys) {
        free(r.rows);
        return -1;
    }
    size_t ny = gw_cumulate(w->reading, w->has_base ? w->base_year : 0, w->has_base ? w->base : 0,
                            r.rows, r.n, ys, &gap);
    if (gap)
        wq_say(w, PTP_LOG_WARN,
               "groundwater: no figure for %d in the submissions: the %s reading cannot sum past "
               "it, so %d and later have no cumulative cut",
               gap, reading_name(w->reading), gap);
    uint64_t u = w->host->unit_begin(w->run, "groundwater");
    if (!u) {
        free(ys);
        free(r.rows);
        return -1;
    }
    for (size_t i = 0; i < ny; i++) {
        int64_t t = rel_instant(ys[i].year, 1, 1);
        if (ys[i].has_cut)
            wq_emit_value(w, u, "gw_cut_1y", w->city, t, wqd_to_double(ys[i].cut), "亿立方米", 0);
        wq_emit_value(w, u, "gw_cut_cum_1y", w->city, t, wqd_to_double(ys[i].cum), "亿立方米", 0);
    }
    int gw_dirty = w->gw_dirty;
    w->gw_dirty = 0;
    char *cur = wq_cursor_text(w);
    struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur};
    int crc = cur ? w->host->unit_commit(u, &cm) : (w->host->unit_abort(u, "out of memory"), -1);
    free(cur);
    if (crc) {
        w->gw_dirty = gw_dirty;
        free(ys);
        free(r.rows);
        return -1;
    }
    /* each year's actual in a unit of its own: a year the plan does not
     * cover is refused alone */
    for (size_t i = 0; i < ny; i++) {
        char period[8], text[32], sum[512], v[32], base[32];
        snprintf(period, sizeof period, "%04d", ys[i].year % 10000);
        wqd_format(ys[i].cum, text, sizeof text);
        sum[0] = '\0';
        if (w->reading == GW_YEARLY) {
            size_t sn = 0;
            wqd_format(w->base, base, sizeof base);
            sn += (size_t)snprintf(sum + sn, sizeof sum - sn, "%s (%d)", base, w->base_year);
            for (size_t k = 0; k <= i && sn < sizeof sum; k++) {
                wqd_format(ys[k].cut, v, sizeof v);
                sn += (size_t)snprintf(sum + sn, sizeof sum - sn, " + %s (%d)", v, ys[k].year);
            }
        } else if (w->reading == GW_SINCE_BASE) {
            wqd_format(w->base, base, sizeof base);
            wqd_format(ys[i].cum - w->base, v, sizeof v);
            snprintf(sum, sizeof sum, "%s (%d) + %s (submitted, since the base)", base,
                     w->base_year, v);
        } else {
            snprintf(sum, sizeof sum, "%s (submitted, cumulative)", text);
        }
        json_t *pj = json_pack("{s:s, s:s, s:s, s:s}", "reading", reading_name(w->reading), "sum",
                               sum, "feed", w->name, "cumulative", text);
        if (w->has_base) {
            wqd_format(w->base, base, sizeof base);
            json_object_set_new(pj, "base",
                                json_pack("{s:i, s:s}", "year", w->base_year, "value", base));
        }
        char *pjs = json_dumps(pj, JSON_COMPACT);
        json_decref(pj);
        struct pt_actual_rec ar = {.size = sizeof ar,
                                   .plan = w->plan[0] ? w->plan : NULL,
                                   .indicator = w->ind_gw,
                                   .period = period,
                                   .value = strtod(text, NULL),
                                   .unit = "亿立方米",
                                   .source = w->name,
                                   .provenance = pjs};
        char name[64];
        snprintf(name, sizeof name, "groundwater %s: the actual", period);
        uint64_t au = w->host->unit_begin(w->run, name);
        if (!au || w->host->emit_actual(au, &ar) != PTP_OK) {
            if (au)
                w->host->unit_abort(au, "the cumulative cut's actual was refused");
            wq_say(w, PTP_LOG_WARN, "%s: the actual of %s was refused", period, w->ind_gw);
        } else {
            struct pt_unit_commit acm = {.size = sizeof acm};
            w->host->unit_commit(au, &acm);
        }
        free(pjs);
    }
    free(ys);
    free(r.rows);
    return 0;
}
