/* stats: statistical releases (SDMX-JSON data messages, the statistics
 * bureau's query-API answers, plain CSV series) mapped by configuration onto
 * named series and the plan's indicators. Each release (a file, or a URL's
 * answer) is one unit: its values, every value derived from them by the
 * configured operators, the actuals mapped from either, and the cursor
 * commit together or not at all. Derivations read the values earlier
 * releases left in the store, so a release that revises a year re-derives
 * everything that year feeds (a census revising five years of GDP gives
 * five new vintages). Not for station data or anything hourly: periods are
 * years, halves, quarters, months and days. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plantrack/plugin.h>

#include "csvseries.h"
#include "derive.h"
#include "nbs.h"
#include "period.h"
#include "ptp_folder.h"
#include "ptp_seen.h"
#include "sdmx.h"
#include "settings.h"

#define SEEN_MAX 512      /* content digests remembered in the cursor */
#define MAX_POINTS 200000 /* values one release may map onto series */
#define CURSOR_MAX (16 << 20)
#define PROV_MAX 1000         /* `plantrack show` prints 1023 bytes of provenance */
#define STORE_FIRST 631152000 /* 1990-01-01T00:00:00Z: the host's first plausible instant */
#define STORE_LAST 4102444800LL

struct stats {
    const struct pt_host *host;
    char name[65];
    struct st_settings cfg;
    /* the run */
    uint64_t run;
    char **urls; /* the configured URLs (borrowed from cfg), then the
                    folder's files this run (owned) */
    int nurls;
    int next, failed, ingested, skipped;
    struct ptp_seen seen; /* SEEN_MAX, most recent first */
    json_t *src; /* {series: {period: release}}: where stored values came from */
};

static void say(struct stats *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct stats *s, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    s->host->log(s->run, level, msg);
}

/* ---- the instance ------------------------------------------------------ */

/* Drops this run's folder files: what is left are the configured URLs. */
static void free_urls(struct stats *s)
{
    for (int i = s->cfg.nurls; i < s->nurls; i++) {
        free(s->urls[i]);
        s->urls[i] = NULL;
    }
    s->nurls = s->cfg.nurls;
}

static void stats_fini(void *state)
{
    struct stats *s = state;
    if (!s)
        return;
    free_urls(s);
    free(s->urls);
    st_settings_free(&s->cfg);
    ptp_seen_free(&s->seen);
    json_decref(s->src);
    free(s);
}

static int stats_check(const char *settings, char *err, size_t cap)
{
    struct st_settings c = {0};
    int rc = st_settings_parse(settings, &c, err, cap);
    st_settings_free(&c);
    return rc;
}

static int stats_init(const struct pt_host *host, const char *instance, const char *settings,
                      void **state, char *err, size_t cap)
{
    if (!host || host->size < sizeof(struct pt_host)) {
        snprintf(err, cap, "host table too old");
        return PTP_ECONFIG;
    }
    struct stats *s = calloc(1, sizeof *s);
    if (!s || ptp_seen_init(&s->seen, SEEN_MAX, PTP_SEEN_NAME_MAX, 0, 0)) {
        if (s)
            ptp_seen_free(&s->seen);
        free(s);
        snprintf(err, cap, "out of memory");
        return PTP_ENOMEM;
    }
    s->host = host;
    snprintf(s->name, sizeof s->name, "%s", instance);
    int rc = st_settings_parse(settings, &s->cfg, err, cap);
    if (!rc && !(s->urls = calloc((size_t)s->cfg.nurls + 1, sizeof *s->urls))) {
        snprintf(err, cap, "out of memory");
        rc = PTP_ENOMEM;
    }
    if (rc) {
        stats_fini(s);
        return rc;
    }
    memcpy(s->urls, s->cfg.urls, (size_t)s->cfg.nurls * sizeof *s->urls);
    s->nurls = s->cfg.nurls;
    for (int i = 0; i < s->cfg.nseries; i++) { /* the indicators it fills */
        const struct st_series_conf *x = &s->cfg.series[i];
        if (x->actual)
            host->supplies(instance, x->plan[0] ? x->plan : NULL, x->indicator);
    }
    *state = s;
    return PTP_OK;
}

/* ---- the cursor -------------------------------------------------------- */

/* The cursor (JSON) holds, for the last SEEN_MAX releases, the digest of
 * what each last held ("seen": a release whose content was ingested is not
 * ingested again, under any name), and for every value stored from a
 * release, which release that was ("src"): the provenance of a derived
 * actual names the releases of all its inputs, old and new. */

static void load_cursor(struct stats *s)
{
    size_t cap = 65536;
    char *buf = NULL;
    int rc = PTP_ENOMEM;
    s->seen.n = 0;
    json_decref(s->src);
    s->src = NULL;
    do {
        char *g = realloc(buf, cap);
        if (!g)
            break;
        buf = g;
        rc = s->host->cursor(s->run, buf, cap);
        cap *= 4;
    } while (rc == PTP_ERANGE && cap <= CURSOR_MAX * 4);
    json_t *o = buf && rc == PTP_OK && buf[0] ? json_loads(buf, 0, NULL) : NULL, *v;
    free(buf);
    size_t i;
    json_array_foreach(json_object_get(o, "seen"), i, v)
    {
        const char *d = json_string_value(json_array_get(v, 0));
        const char *n = json_string_value(json_array_get(v, 1));
        if (d && n)
            ptp_seen_load(&s->seen, strtoull(d, NULL, 16), n);
    }
    json_t *src = json_object_get(o, "src");
    s->src = json_is_object(src) ? json_incref(src) : json_object();
    json_decref(o);
}

/* The cursor text; caller frees. NULL when out of memory or too long. */
static char *cursor_text(const struct stats *s)
{
    json_t *o = json_object(), *arr = json_array();
    for (int i = 0; i < s->seen.n; i++) {
        char d[17];
        ptp_seen_hex(&s->seen, i, d);
        json_array_append_new(arr, json_pack("[ss]", d, s->seen.e[i].name));
    }
    json_object_set_new(o, "seen", arr);
    json_object_set(o, "src", s->src);
    char *t = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(o);
    if (t && strlen(t) >= CURSOR_MAX) {
        free(t);
        t = NULL;
    }
    return t;
}

/* ---- one release: mapping its values ----------------------------------- */

/* Where a value came from, for provenance. */
struct origin {
    char *release;
    char *where; /* NULL for values read back from the store */
    int part;    /* the SDMX data set it came in: a later one revises an earlier */
};

/* One release being ingested. */
struct rel {
    struct stats *s;
    const char *name;       /* the release: a file name or a URL */
    struct st_series *vals; /* by series: values (the release's, then the store's) */
    int *delivered;         /* by series: the release holds values of it */
    struct origin *orig;    /* refs of raw values */
    int norig, caporig;
    int matched, other_freq, deleted, no_period, early;
    char *err;
    size_t cap;
};

static int rfail(struct rel *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(struct rel *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->cap, fmt, ap);
    va_end(ap);
    for (char *p = r->err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return PTP_EDATA;
}

static int add_origin(struct rel *r, const char *release, const char *where, int part)
{
    if (r->norig == r->caporig) {
        int cap = r->caporig ? r->caporig * 2 : 64;
        struct origin *g = realloc(r->orig, (size_t)cap * sizeof *g);
        if (!g)
            return -1;
        r->orig = g;
        r->caporig = cap;
    }
    struct origin *o = &r->orig[r->norig];
    o->release = strdup(release);
    o->where = where ? strdup(where) : NULL;
    o->part = part;
    if (!o->release || (where && !o->where)) {
        free(o->release);
        free(o->where);
        return -1;
    }
    return r->norig++;
}

/* A value of series i from this release: part is the SDMX data set it is
 * in (0 in the other formats). Two values for one period conflict, unless
 * the second comes in a later data set: SDMX processes data sets in order,
 * so that one revises the first. */
static int take(struct rel *r, int i, const char *period_text, int has, double v, const char *unit,
                const char *where, int part)
{
    struct st_series_conf *x = &r->s->cfg.series[i];
    struct st_period p;
    if (st_period_parse(period_text, &p)) {
        r->no_period++;
        return rfail(r, "%s: series %s: \"%.40s\" is not a period (a year, 2023-Q3, 2023-09, …)",
                     where, x->name, period_text);
    }
    if (p.freq != x->freq) {
        r->other_freq++;
        return 0;
    }
    if (has && unit && *unit && st_unit_to(x, unit, &v))
        return rfail(r,
                     "%s: series %s: the release gives unit \"%.31s\", the series is in \"%s\" "
                     "(set \"source_unit\": \"%.31s\" if they are the same)",
                     where, x->name, unit, x->unit, unit);
    if (has && !isfinite(v))
        return rfail(r, "%s: series %s: value out of range", where, x->name);
    if (++r->matched > MAX_POINTS)
        return rfail(r, "%s: more than %d values for the configured series", where, MAX_POINTS);
    int32_t key = st_period_key(&p);
    const struct st_val *old = st_series_get(&r->vals[i], key);
    int later = old && r->orig[old->ref].part < part;
    if (old && !has)
        return 0; /* a missing value never replaces one the release holds */
    if (old && old->has && !later) {
        if (old->v == v)
            return 0;
        char pt[11];
        st_period_text(&p, pt);
        return rfail(r, "%s: series %s, %s: a second value %.10g (the first, %.10g, at %.200s)",
                     where, x->name, pt, v, old->v, r->orig[old->ref].where);
    }
    int ref = add_origin(r, r->name, where, part);
    struct st_val val = {
        .key = key, .v = has ? v : 0, .has = (uint8_t)(has != 0), .touched = 1, .ref = ref};
    if (ref < 0 || st_series_put(&r->vals[i], &val))
        return rfail(r, "out of memory");
    r->delivered[i] = 1;
    return 0;
}

static int sdmx_attr(const struct sdmx_obs *o, const char *id, const char **out)
{
    for (int i = 0; i < o->nattrs; i++)
        if (!strcmp(o->attr_id[i], id)) {
            *out = o->attr_value[i];
            return *out != NULL;
        }
    return 0;
}

static int on_sdmx(void *data, const struct sdmx_obs *o)
{
    struct rel *r = data;
    struct stats *s = r->s;
    if (!strcmp(o->action, "Delete")) {
        r->deleted++;
        return 0;
    }
    for (int i = 0; i < s->cfg.nseries; i++) {
        const struct st_series_conf *x = &s->cfg.series[i];
        if (x->derived || x->format != ST_F_SDMX)
            continue;
        int match = 1;
        for (int f = 0; match && f < x->nflt; f++) {
            int hit = 0;
            for (int d = 0; !hit && d < o->ndims; d++)
                if (!strcmp(o->dim_id[d], x->flt[f].dim))
                    for (int k = 0; !hit && k < x->flt[f].nval; k++)
                        hit = !strcmp(o->dim_value[d], x->flt[f].val[k]);
            match = hit;
        }
        if (!match)
            continue;
        if (o->time_dim < 0)
            return rfail(r, "%s: the message has no time dimension (no TIME_PERIOD role or id)",
                         o->where);
        /* SDMX cross-domain concept UNIT_MULT: the value is in units of
         * 10^UNIT_MULT */
        double v = o->value;
        const char *mult, *unit = NULL, *status;
        if (sdmx_attr(o, "UNIT_MULT", &mult)) {
            char *end;
            long m = strtol(mult, &end, 10);
            if (*end || end == mult || m < -30 || m > 30)
                return rfail(r, "%s: UNIT_MULT \"%.20s\" is not a power of ten", o->where, mult);
            v = st_scale10(v, (int)m); /* decimal: 7534.2 with UNIT_MULT 4 is 75342000 */
        }
        sdmx_attr(o, "UNIT_MEASURE", &unit);
        char where[512];
        int n = snprintf(where, sizeof where, "%s", o->where);
        if (sdmx_attr(o, "OBS_STATUS", &status) && n > 0 && (size_t)n < sizeof where)
            snprintf(where + n, sizeof where - (size_t)n, " OBS_STATUS=%.8s", status);
        int rc = take(r, i, o->dim_value[o->time_dim], o->has_value, v, unit, where, o->dataset);
        if (rc)
            return rc;
    }
    return 0;
}

static int on_nbs(void *data, const struct nbs_point *p)
{
    struct rel *r = data;
    struct stats *s = r->s;
    for (int i = 0; i < s->cfg.nseries; i++) {
        const struct st_series_conf *x = &s->cfg.series[i];
        if (x->derived || x->format != ST_F_NBS || strcmp(x->code, p->zb) ||
            (x->region[0] && (!p->reg || strcmp(x->region, p->reg))))
            continue;
        char where[256];
        snprintf(where, sizeof where, "%s (zb %.20s%s%.20s, sj %.12s)", p->where, p->zb,
                 p->reg ? ", reg " : "", p->reg ? p->reg : "", p->sj);
        int rc = take(r, i, p->period, p->has_value, p->value, p->unit, where, 0);
        if (rc)
            return rc;
    }
    return 0;
}

static int on_csv(void *data, const struct csv_point *p)
{
    struct rel *r = data;
    struct stats *s = r->s;
    for (int i = 0; i < s->cfg.nseries; i++) {
        const struct st_series_conf *x = &s->cfg.series[i];
        if (x->derived || x->format != ST_F_CSV || strcmp(x->code, p->series) ||
            (x->region[0] && (!p->region || strcmp(x->region, p->region))))
            continue;
        char where[32];
        snprintf(where, sizeof where, "line %d", p->line);
        int rc = take(r, i, p->period, p->has_value, p->value, p->unit, where, 0);
        if (rc)
            return rc;
    }
    return 0;
}

/* Parses the release into r->vals, in whatever format it is. */
static int parse_release(struct rel *r, const char *body, size_t len)
{
    char why[600];
    int fmt = r->s->cfg.format, rc;
    size_t skip = len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3) ? 3 : 0;
    json_t *root = NULL;
    if (fmt != ST_F_CSV) {
        size_t i = skip;
        while (i < len && isspace((unsigned char)body[i]))
            i++;
        if (fmt != ST_F_AUTO || (i < len && (body[i] == '{' || body[i] == '['))) {
            json_error_t je;
            root = json_loadb(body + skip, len - skip, JSON_REJECT_DUPLICATES, &je);
            if (!root)
                return rfail(r, "line %d, column %d: %s", je.line, je.column, je.text);
            if (fmt == ST_F_AUTO)
                fmt = nbs_looks_like(root) ? ST_F_NBS : sdmx_looks_like(root) ? ST_F_SDMX : -1;
            if (fmt < 0) {
                json_decref(root);
                return rfail(r, "neither an SDMX-JSON data message (data.dataSets) nor a "
                                "statistics-bureau answer (returncode)");
            }
        } else {
            fmt = ST_F_CSV;
        }
    }
    why[0] = '\0';
    if (fmt == ST_F_SDMX)
        rc = sdmx_parse_json(root, on_sdmx, r, why, sizeof why);
    else if (fmt == ST_F_NBS)
        rc = nbs_parse_json(root, on_nbs, r, why, sizeof why);
    else
        rc = csvseries_parse(body, len, on_csv, r, why, sizeof why);
    json_decref(root);
    if (rc == -2)
        return rfail(r, "out of memory");
    if (rc < 0 && rc != PTP_EDATA)
        return rfail(r, "%s", why);
    return rc ? PTP_EDATA : 0;
}

/* ---- one release: the store's values and the derivations --------------- */

struct load {
    struct rel *r;
    int i;
    int rc;
};

static int take_stored(void *data, const struct pt_obs *o)
{
    struct load *l = data;
    struct rel *r = l->r;
    struct st_series_conf *x = &r->s->cfg.series[l->i];
    struct st_period p;
    if (st_period_at(o->time, x->freq, &p))
        return 0; /* not a period start of this frequency */
    int32_t key = st_period_key(&p);
    double v = o->value;
    if (o->has_value && o->unit && st_unit_to(x, o->unit, &v)) {
        l->rc = rfail(r, "series %s is stored in \"%.31s\"; the settings say \"%s\"", x->name,
                      o->unit, x->unit);
        return 1;
    }
    const struct st_val *now = st_series_get(&r->vals[l->i], key);
    if (now && (now->has || !o->has_value))
        return 0; /* the release's value wins */
    char pt[11];
    st_period_text(&p, pt);
    const char *from = json_string_value(json_object_get(json_object_get(r->s->src, x->name), pt));
    struct st_val val = {
        .key = key,
        .v = o->has_value ? v : 0,
        .has = (uint8_t)(o->has_value != 0),
        .ref = add_origin(r, from ? from : "(before this feed kept track)", NULL, -1)};
    if (val.ref < 0 || st_series_put(&r->vals[l->i], &val)) {
        l->rc = rfail(r, "out of memory");
        return 1;
    }
    return 0;
}

/* Brings in what the store holds of series i under the release's values. A
 * value the release says is missing, where the store holds one, stays: a
 * release that leaves a figure out does not unpublish it. */
static int load_stored(struct rel *r, int i)
{
    struct st_series_conf *x = &r->s->cfg.series[i];
    struct load l = {.r = r, .i = i};
    struct pt_obs_query q = {.size = sizeof q,
                             .series = x->name,
                             .site = x->site,
                             .from = STORE_FIRST,
                             .to = STORE_LAST};
    int rc = r->s->host->query_observations(r->s->run, &q, take_stored, &l);
    if (l.rc)
        return l.rc;
    if (rc != PTP_OK)
        return rfail(r, "reading series %s from the store failed", x->name);
    return 0;
}

/* Releases behind value `key` of series i, transitively, into arr (at
 * most 16). *budget bounds the walk: a chain of chains fans out. */
static void releases_of(struct rel *r, int i, int32_t key, json_t *arr, int *budget)
{
    const struct st_series_conf *x = &r->s->cfg.series[i];
    if (--*budget < 0 || json_array_size(arr) >= 16)
        return;
    if (!x->derived) {
        const struct st_val *v = st_series_get(&r->vals[i], key);
        if (!v || v->ref < 0)
            return;
        const char *name = r->orig[v->ref].release;
        size_t k;
        json_t *e;
        json_array_foreach(arr, k, e) if (!strcmp(json_string_value(e), name)) return;
        json_array_append_new(arr, json_string(name));
        return;
    }
    int32_t a[256], b[256];
    int na, nb;
    st_derive_inputs(&x->op, key, a, &na, b, &nb, 256);
    for (int k = 0; k < na; k++)
        releases_of(r, x->a, a[k], arr, budget);
    for (int k = 0; k < nb; k++)
        releases_of(r, x->b, b[k], arr, budget);
}

static void formula(const struct st_series_conf *x, const struct st_series_conf *all, char *out,
                    size_t cap)
{
    const char *a = all[x->a].name, *b = x->b >= 0 ? all[x->b].name : "";
    switch (x->op.kind) {
    case ST_OP_INDEX_GROWTH:
        snprintf(out, cap, "%s - %g", a, x->op.base);
        break;
    case ST_OP_GROWTH:
        snprintf(out, cap, "(%s[t] / %s[t-1y] - 1) * 100", a, a);
        break;
    case ST_OP_DIFF:
        snprintf(out, cap, "%s[t] - %s[t-1y]", a, a);
        break;
    case ST_OP_DEFLATE:
        snprintf(out, cap, "((1 + %s/100) / (%s/100) - 1) * 100", a, b);
        break;
    case ST_OP_RATIO:
        snprintf(out, cap, "%s / %s * %.10g", a, b, x->op.scale);
        break;
    case ST_OP_CHAIN:
        snprintf(out, cap, "(prod over %d < y <= t of (1 + %s[y]/100) - 1) * 100", x->op.base_year,
                 a);
        break;
    }
}

/* The provenance of value v (key) of series i, as JSON text into out. */
static void provenance(struct rel *r, int i, const struct st_val *v, char *out, size_t cap)
{
    const struct st_series_conf *x = &r->s->cfg.series[i], *all = r->s->cfg.series;
    char pt[11], f[256];
    struct st_period p = st_period_of_key(x->freq, v->key);
    st_period_text(&p, pt);
    json_t *o = json_object();
    json_object_set_new(o, "feed", json_string(r->s->name));
    json_object_set_new(o, "series", json_string(x->name));
    json_object_set_new(o, "period", json_string(pt));
    json_object_set_new(o, "unit", json_string(x->unit));
    if (x->basis)
        json_object_set_new(o, "basis", json_string(st_basis_names[x->basis]));
    if (!x->derived) {
        json_object_set_new(o, "release", json_string(r->orig[v->ref].release));
        if (r->orig[v->ref].where)
            json_object_set_new(o, "at", json_string(r->orig[v->ref].where));
    } else {
        formula(x, all, f, sizeof f);
        json_object_set_new(o, "op", json_string(st_op_name(x->op.kind)));
        json_object_set_new(o, "formula", json_string(f));
        if (x->op.decimals >= 0)
            json_object_set_new(o, "decimals", json_integer(x->op.decimals));
        json_t *in = json_array();
        int32_t a[256], b[256];
        int na, nb;
        st_derive_inputs(&x->op, v->key, a, &na, b, &nb, 256);
        for (int side = 0; side < 2; side++) {
            int si = side ? x->b : x->a, n = side ? nb : na;
            const int32_t *keys = side ? b : a;
            if (si < 0 || !n)
                continue;
            json_t *vals = json_object();
            for (int k = 0; k < n; k++) {
                const struct st_val *iv = st_series_get(&r->vals[si], keys[k]);
                struct st_period ip = st_period_of_key(all[si].freq, keys[k]);
                char ipt[11];
                st_period_text(&ip, ipt);
                if (iv && iv->has)
                    json_object_set_new(vals, ipt, json_real(iv->v));
            }
            json_array_append_new(in,
                                  json_pack("{s:s, s:o}", "series", all[si].name, "values", vals));
        }
        json_object_set_new(o, "inputs", in);
        json_t *rels = json_array();
        int budget = 10000;
        releases_of(r, i, v->key, rels, &budget);
        json_object_set_new(o, "releases", rels);
        json_object_set_new(o, "release", json_string(r->name));
    }
    char *t = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
    /* too long for `plantrack show`: the input values go, the releases stay */
    if (t && strlen(t) > PROV_MAX) {
        free(t);
        json_object_del(o, "inputs");
        t = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
    }
    while (t && strlen(t) > PROV_MAX && json_array_size(json_object_get(o, "releases")) > 1) {
        free(t);
        json_array_remove(json_object_get(o, "releases"),
                          json_array_size(json_object_get(o, "releases")) - 1);
        t = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
    }
    snprintf(out, cap, "%s", t && strlen(t) <= PROV_MAX ? t : "{}");
    free(t);
    json_decref(o);
}

/* Emits what the release changed: every touched value of every affected
 * series as an observation, and as an actual where the series fills an
 * indicator. */
static int emit_series(struct rel *r, uint64_t u, int i)
{
    struct stats *s = r->s;
    const struct st_series_conf *x = &s->cfg.series[i];
    for (int k = 0; k < r->vals[i].n; k++) {
        const struct st_val *v = &r->vals[i].v[k];
        if (!v->touched)
            continue;
        struct st_period p = st_period_of_key(x->freq, v->key);
        int64_t t = st_period_start(&p);
        char pt[11], end[11];
        st_period_text(&p, pt);
        if (t < STORE_FIRST || t > STORE_LAST) {
            r->early++;
            continue;
        }
        struct pt_obs o = {.size = sizeof o,
                           .series = x->name,
                           .site = x->site,
                           .time = t,
                           .has_value = v->has,
                           .value = v->has ? v->v : 0,
                           .unit = x->unit,
                           .flags = x->ytd ? 0x2u : 0}; /* 0x2: year to date, as airquality */
        if (s->host->emit_observation(u, &o) != PTP_OK)
            return rfail(r, "series %s, %s: the observation was refused", x->name, pt);
        if (!v->has || !x->actual || p.year < x->first_year)
            continue;
        char prov[PROV_MAX + 24], year[8], source[512];
        provenance(r, i, v, prov, sizeof prov);
        snprintf(year, sizeof year, "%04d", p.year);
        st_period_end(&p, end);
        snprintf(source, sizeof source, "%s", s->cfg.source[0] ? s->cfg.source : r->name);
        struct pt_actual_rec a = {.size = sizeof a,
                                  .plan = x->plan[0] ? x->plan : NULL,
                                  .indicator = x->indicator,
                                  .period = year,
                                  .provisional = p.freq != ST_ANNUAL,
                                  .as_of = p.freq != ST_ANNUAL ? end : NULL,
                                  .value = v->v,
                                  .unit = x->unit,
                                  .source = source,
                                  .provenance = prov};
        if (s->host->emit_actual(u, &a) != PTP_OK)
            return rfail(r, "series %s, %s: the actual for indicator %s was refused", x->name, pt,
                         x->indicator);
    }
    return 0;
}

/* The whole release into unit u. */
static int ingest(struct rel *r, uint64_t u, const char *body, size_t len)
{
    struct stats *s = r->s;
    int n = s->cfg.nseries, rc;
    int *affected = calloc((size_t)n, sizeof *affected),
        *needed = calloc((size_t)n, sizeof *needed);
    if (!affected || !needed) {
        free(affected);
        free(needed);
        return rfail(r, "out of memory");
    }
    if ((rc = parse_release(r, body, len)))
        goto out;
    /* affected: delivered, or derived from something affected; needed: what
     * an affected derivation reads (operands come before their results) */
    for (int i = 0; i < n; i++) {
        const struct st_series_conf *x = &s->cfg.series[i];
        affected[i] =
            x->derived ? affected[x->a] || (x->b >= 0 && affected[x->b]) : r->delivered[i];
        needed[i] = affected[i];
    }
    for (int i = n - 1; i >= 0; i--)
        if (needed[i] && s->cfg.series[i].derived) {
            needed[s->cfg.series[i].a] = 1;
            if (s->cfg.series[i].b >= 0)
                needed[s->cfg.series[i].b] = 1;
        }
    for (int i = 0; i < n && !rc; i++) {
        const struct st_series_conf *x = &s->cfg.series[i];
        if (!needed[i])
            continue;
        if (!x->derived)
            rc = load_stored(r, i);
        else if (st_derive(&x->op, &r->vals[x->a], x->b >= 0 ? &r->vals[x->b] : NULL, &r->vals[i]))
            rc = rfail(r, "out of memory");
    }
    for (int i = 0; i < n && !rc; i++)
        if (affected[i])
            rc = emit_series(r, u, i);
out:
    free(affected);
    free(needed);
    return rc;
}

/* Records in the cursor's src which release each value of this one came from. */
static void note_sources(struct rel *r)
{
    struct stats *s = r->s;
    for (int i = 0; i < s->cfg.nseries; i++) {
        const struct st_series_conf *x = &s->cfg.series[i];
        if (x->derived || !r->delivered[i])
            continue;
        json_t *m = json_object_get(s->src, x->name);
        if (!m) {
            m = json_object();
            json_object_set_new(s->src, x->name, m);
        }
        for (int k = 0; k < r->vals[i].n; k++) {
            const struct st_val *v = &r->vals[i].v[k];
            if (!v->touched || !v->has)
                continue;
            struct st_period p = st_period_of_key(x->freq, v->key);
            char pt[11];
            st_period_text(&p, pt);
            json_object_set_new(m, pt, json_string(r->name));
        }
    }
}

static void rel_free(struct rel *r)
{
    for (int i = 0; r->vals && i < r->s->cfg.nseries; i++)
        st_series_free(&r->vals[i]);
    free(r->vals);
    free(r->delivered);
    for (int i = 0; i < r->norig; i++) {
        free(r->orig[i].release);
        free(r->orig[i].where);
    }
    free(r->orig);
}

/* ---- a collection ------------------------------------------------------ */

static void next_release(struct stats *s);

/* Adds the folder's releases, in name order, after the configured URLs. */
static int list_folder(struct stats *s, char *why, size_t cap)
{
    if (!s->cfg.folder[0])
        return 0;
    return ptp_add_folder_urls("folder", s->cfg.folder, PTP_LIST_CSV | PTP_LIST_JSON, &s->urls,
                               &s->nurls, why, cap);
}

/* A release's name: a folder file's name, a configured URL whole. */
static const char *release_name(const struct stats *s, int k)
{
    const char *url = s->urls[k];
    if (k < s->cfg.nurls)
        return url;
    const char *b = strrchr(url, '/');
    return b && b[1] ? b + 1 : url;
}

static void fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct stats *s = data;
    const char *url = s->urls[s->next];
    char name[256];
    snprintf(name, sizeof name, "%s", release_name(s, s->next));
    if (rc != PTP_OK) {
        say(s, PTP_LOG_WARN, "%s", res && res->error ? res->error : "fetch failed");
        s->failed++;
    } else if (res->not_modified) {
        s->skipped++;
    } else if (ptp_seen_has(&s->seen, ptp_digest(res->body, res->len))) {
        say(s, PTP_LOG_DEBUG, "%s: the same content was already ingested", name);
        s->skipped++;
    } else {
        char why[1024] = "";
        struct rel r = {.s = s, .name = name, .err = why, .cap = sizeof why};
        r.vals = calloc((size_t)s->cfg.nseries, sizeof *r.vals);
        r.delivered = calloc((size_t)s->cfg.nseries, sizeof *r.delivered);
        uint64_t u = r.vals && r.delivered ? s->host->unit_begin(run, name) : 0;
        int prc = u ? ingest(&r, u, res->body, res->len) : rfail(&r, "out of memory");
        char *cur = NULL;
        if (!prc) {
            note_sources(&r);
            ptp_seen_remember(&s->seen, name, ptp_digest(res->body, res->len));
            if (!(cur = cursor_text(s)))
                prc = rfail(&r, "the cursor does not fit");
        }
        if (prc) {
            char reason[1400];
            snprintf(reason, sizeof reason, "%s: %s", name, why);
            if (u)
                s->host->unit_abort(u, reason);
            else
                say(s, PTP_LOG_WARN, "%s", reason);
            s->failed++;
            load_cursor(s); /* what the store holds */
        } else {
            struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur, .url = url};
            if (s->host->unit_commit(u, &cm) == PTP_OK) {
                s->ingested++;
                if (r.other_freq || r.deleted || r.early)
                    say(s, PTP_LOG_INFO,
                        "%s: %d values of other frequencies, %d deletions and %d values before "
                        "1990 left out",
                        name, r.other_freq, r.deleted, r.early);
                if (!r.matched)
                    say(s, PTP_LOG_WARN, "%s: no value in it matches a configured series", name);
            } else {
                s->failed++;
                load_cursor(s);
            }
        }
        free(cur);
        rel_free(&r);
    }
    s->next++;
    next_release(s);
}

static void next_release(struct stats *s)
{
    while (s->next < s->nurls) {
        struct pt_fetch_req req = {.size = sizeof req, .url = s->urls[s->next], .conditional = 1};
        if (s->host->fetch(s->run, &req, fetched, s) == PTP_OK)
            return; /* continues in fetched() */
        say(s, PTP_LOG_WARN, "%s: cannot be fetched", s->urls[s->next]);
        s->failed++;
        s->next++;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "%d releases ingested, %d unchanged, %d failed", s->ingested,
             s->skipped, s->failed);
    uint64_t run = s->run;
    free_urls(s);
    s->host->done(run, s->failed ? PTP_EDATA : PTP_OK, msg);
}

static int stats_collect(void *state, uint64_t run)
{
    struct stats *s = state;
    s->run = run;
    s->next = s->failed = s->ingested = s->skipped = 0;
    load_cursor(s);
    char why[256];
    int rc = list_folder(s, why, sizeof why);
    if (rc) {
        s->host->done(run, rc, why);
        return PTP_OK;
    }
    next_release(s);
    return PTP_OK;
}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR,
    .abi_minor = PT_PLUGIN_ABI_MINOR,
    .name = "stats",
    .version = "1.0",
    .description = "statistical releases (SDMX-JSON, the bureau's query API, CSV) onto series "
                   "and indicators, with declared derivations",
    .settings_help = st_settings_help,
    .check = stats_check,
    .init = stats_init,
    .collect = stats_collect,
    .fini = stats_fini,
};
