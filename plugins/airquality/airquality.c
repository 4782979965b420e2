/* airquality: hourly station data (CNEMC publications) to the good-day
 * ratio and the PM2.5 concentration, by the official method. Each source
 * file (an hour, or a day of hours) is one unit of raw observations; the
 * days it touched are then derived again from what the store holds (hourly
 * AQI and moving means, station and city days), then the years they fall
 * in, and the actuals of the two indicators. Corrections flow through the
 * same path: a changed station-hour marks its days for derivation.
 *
 * The cursor (JSON) remembers the last period fetched, the periods whose
 * unit failed (retried first next run) and the days still to derive, so a
 * crash between a file and its derivation loses nothing. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <plantrack/plugin.h>

#include "aqi.h"
#include "cnemc.h"
#include "derive.h"
#include "openaq.h"
#include "ptp_settings.h"

#define TZ_OFFSET (8 * 3600) /* Asia/Shanghai: +08:00, no daylight saving since 1991 */
#define MAX_STATIONS 2048
#define MAX_DIRTY 400
#define MAX_RETRY 64
#define MAX_SENSORS 256
#define OPENAQ_LIMIT 1000

struct aq {
    const struct pt_host *host;
    char name[65];
    char city[65];
    char plan[65];
    char ind_good[65], ind_pm[65];
    char folder[4096];
    char template[1024];       /* file name or URL with {date} {yyyy} {mm} {dd} {HH} */
    int step;                  /* seconds a file covers: 3600 or 86400 */
    int64_t start, end;        /* first and last period (local start, as UTC instants) */
    int max_files;             /* per run */
    int give_up;               /* seconds after which a missing file is a gap */
    int recheck;               /* seconds back from the cursor re-fetched each run
                                  (conditionally: corrections are re-publications) */
    char stations[MAX_STATIONS][16];
    int nstations;
    char background[64][16];
    int nbackground;
    char dust[400][11];        /* sand-and-dust days, YYYY-MM-DD */
    int ndust;
    /* OpenAQ v3 instead of files: sensors, each one pollutant at a station */
    char api[512];             /* "" = files */
    char api_key[256];
    struct sensor {
        long long id;
        char station[16];
        int64_t done;          /* the last hour-ending instant taken (cursor) */
    } sensors[MAX_SENSORS];
    int nsensors;
    int sensor, page;          /* the run's position */
    /* the run */
    uint64_t run;
    int64_t fetched;           /* the last period fetched (cursor) */
    int64_t retry[MAX_RETRY];  /* periods whose unit failed */
    int nretry;
    int64_t dirty[MAX_DIRTY];  /* local day starts still to derive */
    int ndirty;
    int64_t *queue;             /* periods to fetch this run */
    int nqueue, next;
    int failed, ingested;
};

static void say(struct aq *a, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct aq *a, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    a->host->log(a->run, level, msg);
}

/* ---- time -------------------------------------------------------------- */

/* Local (+08:00) date "YYYY-MM-DD" of instant t. */
static void local_date(int64_t t, char out[11])
{
    time_t lt = (time_t)(t + TZ_OFFSET);
    struct tm tm;
    gmtime_r(&lt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The UTC instant of local midnight starting the day that contains t (a day
 * is 01:00 … 24:00, so an hour-ending instant at local 00:00 belongs to the
 * day before: pass t - 1 for hour-ending instants). */
static int64_t local_day_start(int64_t t)
{
    int64_t l = t + TZ_OFFSET;
    int64_t d = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    return d * 86400 - TZ_OFFSET;
}

static int parse_local(const char *s, int64_t *out)
{
    int y, m, d, hh = 0, mm = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d", &y, &m, &d, &hh, &mm) < 3)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = hh,
                    .tm_min = mm};
    *out = (int64_t)timegm(&tm) - TZ_OFFSET;
    return 0;
}

static int year_of(int64_t day_start)
{
    char d[11];
    local_date(day_start, d);
    return atoi(d);
}

/* ---- settings ---------------------------------------------------------- */

static const char settings_help[] =
    "city        the city's site code for city-level series (required)\n"
    "stations    the city's evaluation stations, e.g. [\"1029A\", …] (required)\n"
    "background  background stations (对照点): derived, left out of the city value\n"
    "openaq      {\"api\": URL, \"sensors\": [{\"id\": N, \"station\": CODE}]} instead of\n"
    "            files: OpenAQ v3 measurements, paged; the key is the feed's secret\n"
    "            api_key\n"
    "folder      a folder of CNEMC hourly files, or\n"
    "url         a URL; either is completed by template\n"
    "template    file name: {yyyy} {mm} {dd} {HH} {date}; with {HH} each file is an\n"
    "            hour, else a local day (default \"{date}T{HH}.csv\")\n"
    "start, end  the first and last period to fetch (local, YYYY-MM-DDTHH:MM)\n"
    "max_files   files fetched per run (default 744)\n"
    "give_up     hours after which a file still missing is a gap (default 72)\n"
    "recheck     hours before the last file fetched that are fetched again each\n"
    "            run, conditionally, for corrections (default 24)\n"
    "dust_days   sand-and-dust days [\"YYYY-MM-DD\", …], deducted from particulates\n"
    "plan, good_days_indicator, pm2_5_indicator   where the actuals go (default the\n"
    "            ids good-air-days-ratio and pm25-concentration)";

static int code_list(json_t *o, const char *key, char (*out)[16], int max, int *n, int required,
                     char *err, size_t cap)
{
    json_t *arr = json_object_get(o, key), *v;
    size_t i;
    *n = 0;
    if (!arr)
        return required ? ptp_fail(err, cap, "settings.%s: missing", key) : 0;
    if (!json_is_array(arr))
        return ptp_fail(err, cap, "settings.%s: expected an array of station codes", key);
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || !*s || strlen(s) >= 16)
            return ptp_fail(err, cap, "settings.%s[%zu]: expected a station code", key, i);
        if (*n >= max)
            return ptp_fail(err, cap, "settings.%s: more than %d entries", key, max);
        snprintf(out[(*n)++], 16, "%s", s);
    }
    return 0;
}

static int parse_settings(const char *text, struct aq *a, char *err, size_t cap)
{
    static const char *const keys[] = {
        "city", "stations", "background", "folder", "url", "template", "start", "end",
        "max_files", "give_up", "recheck", "dust_days", "plan", "good_days_indicator",
        "pm2_5_indicator", "openaq", "api_key",
        "config_dir", NULL};
    json_t *o;
    int rc = ptp_settings_load(text, &o, err, cap);
    if (rc)
        return rc;
    const char *k = ptp_unknown_key(o, keys);
    if (k) {
        rc = ptp_fail(err, cap, "settings.%s: unknown key", k);
        goto out;
    }
#define STR(key, dst, def)                                                                         \
    do {                                                                                           \
        if ((rc = ptp_get_text(o, key, dst, sizeof(dst), def, err, cap)))                          \
            goto out;                                                                              \
    } while (0)
    STR("city", a->city, "");
    STR("plan", a->plan, "");
    STR("good_days_indicator", a->ind_good, "good-air-days-ratio");
    STR("pm2_5_indicator", a->ind_pm, "pm25-concentration");
    STR("template", a->template, "{date}T{HH}.csv");
    char folder[2048], url[1024], start[64], end[64];
    STR("folder", folder, "");
    STR("url", url, "");
    STR("start", start, "");
    STR("end", end, "");
#undef STR
    if (!a->city[0]) {
        rc = ptp_fail(err, cap, "settings.city: missing (the city's site code)");
        goto out;
    }
    json_t *oaq = json_object_get(o, "openaq");
    if (oaq) {
        static const char *const okeys[] = {"api", "sensors", NULL};
        const char *ok = ptp_unknown_key(oaq, okeys);
        if (ok) {
            rc = ptp_fail(err, cap, "settings.openaq.%s: unknown key", ok);
            goto out;
        }
        const char *api = json_string_value(json_object_get(oaq, "api"));
        if (!json_is_object(oaq) || !api || strlen(api) >= sizeof a->api ||
            (strncmp(api, "https://", 8) && strncmp(api, "http://", 7))) {
            rc = ptp_fail(err, cap,
                          "settings.openaq.api: expected the API's URL "
                          "(https://api.openaq.org/v3)");
            goto out;
        }
        snprintf(a->api, sizeof a->api, "%s", api);
        json_t *sens = json_object_get(oaq, "sensors"), *sv;
        size_t si;
        if (!json_is_array(sens) || !json_array_size(sens)) {
            rc = ptp_fail(err, cap,
                          "settings.openaq.sensors: expected [{\"id\": N, \"station\": "
                          "CODE}, …]");
            goto out;
        }
        json_array_foreach(sens, si, sv)
        {
            json_t *id = json_object_get(sv, "id");
            const char *st = json_string_value(json_object_get(sv, "station"));
            if (!json_is_integer(id) || json_integer_value(id) <= 0 || !st || !*st ||
                strlen(st) >= 16 || a->nsensors >= MAX_SENSORS) {
                rc = ptp_fail(err, cap,
                              "settings.openaq.sensors[%zu]: expected {\"id\": N, "
                              "\"station\": CODE}",
                              si);
                goto out;
            }
            a->sensors[a->nsensors].id = json_integer_value(id);
            snprintf(a->sensors[a->nsensors].station, 16, "%s", st);
            a->nsensors++;
        }
        const char *key = json_string_value(json_object_get(o, "api_key"));
        if (!key || !*key || strlen(key) >= sizeof a->api_key || strpbrk(key, "\r\n")) {
            rc = ptp_fail(err, cap,
                          "settings: the OpenAQ API key is missing (give it as the "
                          "feed's secret \"api_key\", from a file or a credential)");
            goto out;
        }
        snprintf(a->api_key, sizeof a->api_key, "%s", key);
        if (folder[0] || url[0]) {
            rc = ptp_fail(err, cap, "settings: openaq replaces folder and url; give one source");
            goto out;
        }
    } else if (!folder[0] == !url[0]) {
        rc = ptp_fail(err, cap, "settings: give exactly one of folder, url and openaq");
        goto out;
    }
    if (url[0] && !ptp_is_url(url)) {
        rc = ptp_fail(err, cap, "settings.url: expected an http, https or file URL");
        goto out;
    }
    const char *dir = json_string_value(json_object_get(o, "config_dir"));
    if (folder[0])
        ptp_join_path(a->folder, sizeof a->folder, dir, folder);
    else
        snprintf(a->folder, sizeof a->folder, "%s", url);
    a->step = strstr(a->template, "{HH}") ? 3600 : 86400;
    if (!start[0] || parse_local(start, &a->start)) {
        rc =
            ptp_fail(err, cap, "settings.start: expected the first period, YYYY-MM-DDTHH:MM local");
        goto out;
    }
    a->end = INT64_MAX;
    if (end[0] && parse_local(end, &a->end)) {
        rc = ptp_fail(err, cap, "settings.end: expected YYYY-MM-DDTHH:MM local");
        goto out;
    }
    json_t *n = json_object_get(o, "max_files");
    a->max_files = n ? (int)json_integer_value(n) : 744;
    if (n && (!json_is_integer(n) || a->max_files < 1 || a->max_files > 100000)) {
        rc = ptp_fail(err, cap, "settings.max_files: expected 1 to 100000");
        goto out;
    }
    n = json_object_get(o, "give_up");
    a->give_up = (n ? (int)json_integer_value(n) : 72) * 3600;
    if (n && (!json_is_integer(n) || json_integer_value(n) < 0)) {
        rc = ptp_fail(err, cap, "settings.give_up: expected hours");
        goto out;
    }
    n = json_object_get(o, "recheck");
    a->recheck = (n ? (int)json_integer_value(n) : 24) * 3600;
    if (n && (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 8784)) {
        rc = ptp_fail(err, cap, "settings.recheck: expected hours (0 to 8784)");
        goto out;
    }
    if ((rc = code_list(o, "stations", a->stations, MAX_STATIONS, &a->nstations, 1, err, cap)) ||
        (rc = code_list(o, "background", a->background, 64, &a->nbackground, 0, err, cap)))
        goto out;
    if (!a->nstations) {
        rc = ptp_fail(err, cap, "settings.stations: no station");
        goto out;
    }
    json_t *dust = json_object_get(o, "dust_days"), *v;
    size_t i;
    if (dust && !json_is_array(dust)) {
        rc = ptp_fail(err, cap, "settings.dust_days: expected an array of dates");
        goto out;
    }
    json_array_foreach(dust, i, v)
    {
        const char *s = json_string_value(v);
        int64_t t;
        if (!s || strlen(s) != 10 || parse_local(s, &t) || a->ndust >= 400) {
            rc = ptp_fail(err, cap, "settings.dust_days[%zu]: expected YYYY-MM-DD", i);
            goto out;
        }
        snprintf(a->dust[a->ndust++], 11, "%s", s);
    }
out:
    json_decref(o);
    return rc;
}

static int aq_check(const char *settings, char *err, size_t cap)
{
    struct aq *a = calloc(1, sizeof *a);
    if (!a)
        return ptp_fail(err, cap, "out of memory");
    int rc = parse_settings(settings, a, err, cap);
    free(a);
    return rc;
}

static int aq_init(const struct pt_host *host, const char *instance, const char *settings,
                   void **state, char *err, size_t cap)
{
    if (!host || host->size < sizeof(struct pt_host))
        return ptp_fail(err, cap, "host table too old");
    struct aq *a = calloc(1, sizeof *a);
    if (!a)
        return ptp_fail(err, cap, "out of memory");
    a->host = host;
    snprintf(a->name, sizeof a->name, "%s", instance);
    int rc = parse_settings(settings, a, err, cap);
    if (rc) {
        free(a);
        return rc;
    }
    const char *plan = a->plan[0] ? a->plan : NULL;
    host->supplies(instance, plan, a->ind_good);
    host->supplies(instance, plan, a->ind_pm);
    *state = a;
    return PTP_OK;
}

static void aq_fini(void *state)
{
    struct aq *a = state;
    if (a)
        free(a->queue);
    free(a);
}

/* ---- the cursor -------------------------------------------------------- */

static void load_cursor(struct aq *a)
{
    static char buf[65536];
    a->fetched = a->start - a->step;
    a->nretry = a->ndirty = 0;
    if (a->host->cursor(a->run, buf, sizeof buf) != PTP_OK || !buf[0])
        return;
    json_t *o = json_loads(buf, 0, NULL), *v;
    size_t i;
    if (!o)
        return;
    json_t *f = json_object_get(o, "fetched");
    if (json_is_integer(f))
        a->fetched = json_integer_value(f);
    json_array_foreach(json_object_get(o, "retry"), i, v) if (a->nretry < MAX_RETRY &&
                                                             json_is_integer(v))
        a->retry[a->nretry++] = json_integer_value(v);
    json_array_foreach(json_object_get(o, "dirty"), i, v) if (a->ndirty < MAX_DIRTY &&
                                                             json_is_integer(v))
        a->dirty[a->ndirty++] = json_integer_value(v);
    json_t *oaq = json_object_get(o, "openaq");
    for (int k = 0; k < a->nsensors; k++) {
        char id[32];
        snprintf(id, sizeof id, "%lld", a->sensors[k].id);
        json_t *d = json_object_get(oaq, id);
        a->sensors[k].done = json_is_integer(d) ? json_integer_value(d) : 0;
    }
    json_decref(o);
}

/* The cursor text; caller frees. */
static char *cursor_text(const struct aq *a)
{
    json_t *o = json_object(), *r = json_array(), *d = json_array();
    json_object_set_new(o, "fetched", json_integer(a->fetched));
    for (int i = 0; i < a->nretry; i++)
        json_array_append_new(r, json_integer(a->retry[i]));
    for (int i = 0; i < a->ndirty; i++)
        json_array_append_new(d, json_integer(a->dirty[i]));
    json_object_set_new(o, "retry", r);
    json_object_set_new(o, "dirty", d);
    if (a->nsensors) {
        json_t *oaq = json_object();
        for (int k = 0; k < a->nsensors; k++) {
            char id[32];
            snprintf(id, sizeof id, "%lld", a->sensors[k].id);
            json_object_set_new(oaq, id, json_integer(a->sensors[k].done));
        }
        json_object_set_new(o, "openaq", oaq);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void add_dirty(struct aq *a, int64_t day)
{
    for (int i = 0; i < a->ndirty; i++)
        if (a->dirty[i] == day)
            return;
    if (a->ndirty < MAX_DIRTY)
        a->dirty[a->ndirty++] = day;
}

static void drop(int64_t *list, int *n, int64_t v)
{
    for (int i = 0; i < *n; i++)
        if (list[i] == v) {
            list[i] = list[--*n];
            return;
        }
}

/* ---- emitting ---------------------------------------------------------- */

static void emit(struct aq *a, uint64_t u, const char *series, const char *site, int64_t t,
                 double v, const char *unit, const char *text, uint32_t flags)
{
    struct pt_obs o = {.size = sizeof o,
                       .series = series,
                       .site = site,
                       .time = t,
                       .has_value = !isnan(v) && !text,
                       .value = isnan(v) ? 0 : v,
                       .text = text,
                       .unit = unit,
                       .flags = flags};
    a->host->emit_observation(u, &o);
}

static const char *unit_of(int p)
{
    return p == AQ_CO ? "mg/m³" : "µg/m³";
}

/* Physically absurd values are stored, flagged invalid, and never enter a
 * mean: negative ones, and ones beyond any monitor's range. A reading of 0
 * is a reading (the network's own 24-hour means include such hours). */
static int invalid(int p, double v)
{
    if (v < 0)
        return 1;
    return p == AQ_CO ? v > 150 : v > 10000;
}

/* ---- one file: raw observations ---------------------------------------- */

static void fill_template(const struct aq *a, int64_t period, char *out, size_t cap)
{
    time_t lt = (time_t)(period + TZ_OFFSET);
    struct tm tm;
    gmtime_r(&lt, &tm);
    char parts[5][16];
    strftime(parts[0], 16, "%Y-%m-%d", &tm);
    strftime(parts[1], 16, "%Y", &tm);
    strftime(parts[2], 16, "%m", &tm);
    strftime(parts[3], 16, "%d", &tm);
    strftime(parts[4], 16, "%H", &tm);
    static const char *const names[5] = {"{date}", "{yyyy}", "{mm}", "{dd}", "{HH}"};
    char name[1024];
    size_t n = 0;
    for (const char *p = a->template; *p && n + 16 < sizeof name;) {
        int hit = 0;
        for (int k = 0; k < 5 && !hit; k++)
            if (!strncmp(p, names[k], strlen(names[k]))) {
                n += (size_t)snprintf(name + n, sizeof name - n, "%s", parts[k]);
                p += strlen(names[k]);
                hit = 1;
            }
        if (!hit)
            name[n++] = *p++;
    }
    name[n] = '\0';
    int w = !strncmp(a->folder, "http", 4) || !strncmp(a->folder, "file://", 7)
                ? snprintf(out, cap, "%s%s", a->folder, name)
                : snprintf(out, cap, "file://%s/%s", a->folder, name);
    if (w < 0 || (size_t)w >= cap)
        out[0] = '\0'; /* refused by the fetch as not a URL */
}

static void next_file(struct aq *a);
static void derive_all(struct aq *a);

static int ingest(struct aq *a, uint64_t u, const char *body, size_t len, char *why, size_t cap)
{
    struct cnemc_row *rows = NULL;
    size_t n = 0;
    int rc = cnemc_parse(body, len, &rows, &n, why, cap);
    if (rc)
        return PTP_EDATA;
    for (size_t i = 0; i < n; i++) {
        const struct cnemc_row *r = &rows[i];
        for (int p = 0; p < DV_NRAW; p++)
            if (!isnan(r->v[p]))
                emit(a, u, aq_codes[p], r->station, r->time, r->v[p], unit_of(p), NULL,
                     invalid(p, r->v[p]) ? PTP_OBS_INVALID : 0);
            else /* missing is missing: stored as such, never zero */
                emit(a, u, aq_codes[p], r->station, r->time, NAN, unit_of(p), NULL, 0);
        add_dirty(a, local_day_start(r->time - 1));
        /* a moving mean ending the next day depends on this hour too */
        add_dirty(a, local_day_start(r->time - 1 + 23 * 3600));
    }
    free(rows);
    return PTP_OK;
}

static void fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct aq *a = data;
    int64_t period = a->queue[a->next];
    char day[11];
    local_date(period, day);
    if (rc != PTP_OK) {
        int missing = res && res->status == 404;
        missing |= res && res->error && strstr(res->error, "no such file");
        time_t now = time(NULL);
        if (missing && period + a->step + a->give_up < (int64_t)now) {
            say(a, PTP_LOG_WARN, "%s: %s: not published %d hours later: a gap", day,
                res->url, a->give_up / 3600);
            if (period > a->fetched)
                a->fetched = period;
            drop(a->retry, &a->nretry, period);
            a->next++;
            next_file(a);
            return;
        }
        if (missing) {
            say(a, PTP_LOG_INFO, "%s: not published yet; next run", res->url);
        } else {
            say(a, PTP_LOG_WARN, "%s", res && res->error ? res->error : "fetch failed");
            a->failed++;
        }
        /* the periods after it wait: they come in order */
        a->next = a->nqueue;
        derive_all(a);
        return;
    }
    if (res->not_modified) {
        a->next++;
        next_file(a);
        return;
    }
    uint64_t u = a->host->unit_begin(run, res->url);
    char why[512];
    int prc = u ? ingest(a, u, res->body, res->len, why, sizeof why) : PTP_ENOMEM;
    if (period > a->fetched)
        a->fetched = period;
    drop(a->retry, &a->nretry, period);
    char *cur = prc ? NULL : cursor_text(a);
    struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur, .url = res->url};
    if (prc || !cur || a->host->unit_commit(u, &cm) != PTP_OK) {
        if (prc && u) {
            char reason[700];
            snprintf(reason, sizeof reason, "%s: %s", res->url, why);
            a->host->unit_abort(u, reason);
        } else if (!cur && u) {
            a->host->unit_abort(u, "out of memory");
        }
        /* retried first next run; the periods after it still go in */
        if (a->nretry < MAX_RETRY)
            a->retry[a->nretry++] = period;
        a->failed++;
    } else {
        a->ingested++;
    }
    free(cur);
    a->next++;
    next_file(a);
}

static void next_file(struct aq *a)
{
    if (a->next >= a->nqueue) {
        derive_all(a);
        return;
    }
    char url[4096];
    fill_template(a, a->queue[a->next], url, sizeof url);
    struct pt_fetch_req req = {.size = sizeof req, .url = url, .conditional = 1};
    if (a->host->fetch(a->run, &req, fetched, a) != PTP_OK) {
        say(a, PTP_LOG_WARN, "%s: cannot be fetched", url);
        a->failed++;
        a->next = a->nqueue;
        derive_all(a);
    }
}

/* ---- deriving ---------------------------------------------------------- */

struct series_window {
    double *v;       /* values by hour index */
    int64_t first;   /* the instant of index 0 */
    int n;
};

static int take_row(void *data, const struct pt_obs *o)
{
    struct series_window *w = data;
    int64_t i = (o->time - w->first) / 3600;
    if (i >= 0 && i < w->n && (o->time - w->first) % 3600 == 0)
        w->v[i] = o->has_value && !(o->flags & PTP_OBS_INVALID) ? o->value : NAN;
    return 0;
}

static int is_background(const struct aq *a, const char *s)
{
    for (int i = 0; i < a->nbackground; i++)
        if (!strcmp(a->background[i], s))
            return 1;
    return 0;
}

static void emit_station_day(struct aq *a, uint64_t u, const char *st, int64_t day,
                             const struct dv_station_day *d)
{
    char name[32];
    for (int j = 0; j < 24; j++) {
        int64_t t = day + (int64_t)(j + 1) * 3600;
        for (int p = 0; p < DV_NRAW; p++) {
            snprintf(name, sizeof name, "iaqi_1h_%s", aq_codes[p]);
            emit(a, u, name, st, t, d->iaqi[p][j] >= 0 ? d->iaqi[p][j] : NAN, "1", NULL, 0);
            if (p != AQ_O3) {
                snprintf(name, sizeof name, "%s_24h", aq_codes[p]);
                emit(a, u, name, st, t, d->mean24[p][j], unit_of(p), NULL, 0);
            }
        }
        emit(a, u, "o3_8h", st, t, d->o3_8h[j], "µg/m³", NULL, 0);
        emit(a, u, "aqi_1h", st, t, d->aqi[j] >= 0 ? d->aqi[j] : NAN, "1", NULL, 0);
        emit(a, u, "primary_1h", st, t, NAN, "1", d->aqi[j] >= 0 ? d->primary[j] : NULL, 0);
    }
    /* daily series are stamped with the local midnight that starts the day */
    for (int p = 0; p < DV_NRAW; p++) {
        snprintf(name, sizeof name, "%s_1d", aq_codes[p]);
        emit(a, u, name, st, day, d->day[p], unit_of(p), NULL, 0);
    }
    emit(a, u, "o3_1h_max_1d", st, day, d->o3_1h_max, "µg/m³", NULL, 0);
    emit(a, u, "o3_8h_max_1d", st, day, d->o3_8h_max, "µg/m³", NULL, 0);
}

static void emit_city_day(struct aq *a, uint64_t u, int64_t day, const struct dv_city_day *c)
{
    char name[32];
    for (int p = 0; p < DV_NRAW; p++) {
        snprintf(name, sizeof name, "%s_1d", aq_codes[p]);
        emit(a, u, name, a->city, day, c->day[p], unit_of(p), NULL, 0);
    }
    emit(a, u, "o3_1h_max_1d", a->city, day, c->o3_1h_max, "µg/m³", NULL, 0);
    emit(a, u, "o3_8h_max_1d", a->city, day, c->o3_8h_max, "µg/m³", NULL, 0);
    emit(a, u, "aqi_1d", a->city, day, c->aqi >= 0 ? c->aqi : NAN, "1", NULL, 0);
    emit(a, u, "category_1d", a->city, day, c->category ? c->category : NAN, "1", NULL, 0);
    emit(a, u, "good_1d", a->city, day, c->aqi >= 0 ? (c->aqi <= 100) : NAN, "1", NULL, 0);
}

/* Derives one day: every station, then the city. One unit; the cursor
 * loses the day with it. */
/* The stations of a derivation, sorted by code for the batched reads. */
struct st_index {
    const char *code;
    int slot;
};

static int by_code(const void *x, const void *y)
{
    return strcmp(((const struct st_index *)x)->code, ((const struct st_index *)y)->code);
}

struct day_read {
    const struct st_index *idx;
    int n;
    double (*raw)[DV_NRAW][DV_HOURS];
    int p;
    int64_t first;
};

static int take_station_row(void *data, const struct pt_obs *o)
{
    struct day_read *r = data;
    struct st_index key = {.code = o->site};
    const struct st_index *hit = bsearch(&key, r->idx, (size_t)r->n, sizeof key, by_code);
    int64_t i = (o->time - r->first) / 3600;
    if (hit && i >= 0 && i < DV_HOURS && (o->time - r->first) % 3600 == 0)
        r->raw[hit->slot][r->p][i] =
            o->has_value && !(o->flags & PTP_OBS_INVALID) ? o->value : NAN;
    return 0;
}

/* Stations per unit: bounds a derivation unit's memory (a national network
 * is thousands of stations a day). */
#define DERIVE_CHUNK 128

/* Derives one day: every station, then the city. The stations' raw hours
 * come in one query per pollutant (the store is keyed by time first). The
 * last unit, the city's, takes the day off the cursor's list: a crash before
 * it leaves the day to derive again. */
static int derive_day(struct aq *a, int64_t day)
{
    char date[11];
    local_date(day, date);
    static struct dv_station_day days[MAX_STATIONS + 64];
    static double raw[MAX_STATIONS + 64][DV_NRAW][DV_HOURS];
    static struct st_index idx[MAX_STATIONS + 64];
    const struct dv_station_day *city[MAX_STATIONS];
    const char *codes[MAX_STATIONS + 64];
    int n = 0, ncity = 0;
    for (int i = 0; i < a->nstations; i++)
        codes[n++] = a->stations[i];
    for (int i = 0; i < a->nbackground; i++)
        codes[n++] = a->background[i];
    for (int i = 0; i < n; i++) {
        idx[i].code = codes[i];
        idx[i].slot = i;
        for (int p = 0; p < DV_NRAW; p++)
            for (int h = 0; h < DV_HOURS; h++)
                raw[i][p][h] = NAN;
    }
    qsort(idx, (size_t)n, sizeof idx[0], by_code);
    for (int p = 0; p < DV_NRAW; p++) {
        struct day_read r = {.idx = idx, .n = n, .raw = raw, .p = p, .first = day - 23 * 3600};
        struct pt_obs_query q = {.size = sizeof q,
                                 .series = aq_codes[p],
                                 .from = r.first,
                                 .to = day + 24 * 3600,
                                 .step = 3600};
        if (a->host->query_observations(a->run, &q, take_station_row, &r) != PTP_OK)
            return -1;
    }
    uint64_t u = 0;
    for (int i = 0; i < n; i++) {
        if (!u && !(u = a->host->unit_begin(a->run, date)))
            return -1;
        dv_station_day(raw[i], &days[i]);
        emit_station_day(a, u, codes[i], day, &days[i]);
        /* background stations (对照点) are left out of the city value */
        if (i < a->nstations && !is_background(a, codes[i]))
            city[ncity++] = &days[i];
        if ((i + 1) % DERIVE_CHUNK == 0 && i + 1 < n) {
            struct pt_unit_commit cm = {.size = sizeof cm};
            int rc = a->host->unit_commit(u, &cm);
            u = 0;
            if (rc)
                return -1;
        }
    }
    if (!u && !(u = a->host->unit_begin(a->run, date)))
        return -1;
    struct dv_city_day c;
    dv_city_day(city, ncity, &c);
    emit_city_day(a, u, day, &c);
    drop(a->dirty, &a->ndirty, day);
    char *cur = cursor_text(a);
    struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur};
    int rc = cur ? a->host->unit_commit(u, &cm) : (a->host->unit_abort(u, "out of memory"), -1);
    free(cur);
    if (rc) {
        add_dirty(a, day);
        return -1;
    }
    return 0;
}

/* Reads a city series over a year into v[day index]. */
static int read_city(struct aq *a, const char *series, int64_t y0, int ndays, double *v)
{
    for (int i = 0; i < ndays; i++)
        v[i] = NAN;
    struct series_window w = {.v = v, .first = y0, .n = ndays * 24};
    /* daily values sit at day starts: index = hours / 24 */
    static double hours[367 * 24];
    w.v = hours;
    for (int i = 0; i < ndays * 24; i++)
        hours[i] = NAN;
    struct pt_obs_query q = {.size = sizeof q, .series = series, .site = a->city,
                             .from = y0, .to = y0 + (int64_t)(ndays - 1) * 86400,
                             .step = 86400};
    if (a->host->query_observations(a->run, &q, take_row, &w) != PTP_OK)
        return -1;
    for (int i = 0; i < ndays; i++)
        v[i] = hours[i * 24];
    return 0;
}

static int is_dust(const struct aq *a, int64_t day)
{
    char d[11];
    local_date(day, d);
    for (int i = 0; i < a->ndust; i++)
        if (!strcmp(a->dust[i], d))
            return 1;
    return 0;
}

/* The year figures and the two actuals of one year. */
static int derive_year(struct aq *a, int year)
{
    char first[32];
    snprintf(first, sizeof first, "%04d-01-01", year);
    int64_t y0, y1;
    parse_local(first, &y0);
    snprintf(first, sizeof first, "%04d-01-01", year + 1);
    parse_local(first, &y1);
    int ndays = (int)((y1 - y0) / 86400);
    static double col[8][367];
    static const char *const series[8] = {"pm2_5_1d", "pm10_1d", "so2_1d", "no2_1d",
                                          "co_1d",    "o3_1d",   "o3_8h_max_1d", "aqi_1d"};
    for (int s = 0; s < 8; s++)
        if (read_city(a, series[s], y0, ndays, col[s]))
            return -1;
    static struct dv_day_in in[367];
    int n = 0;
    int64_t last = 0;
    for (int i = 0; i < ndays; i++) {
        int any = 0;
        for (int s = 0; s < 8; s++)
            any |= !isnan(col[s][i]);
        if (!any)
            continue;
        struct dv_day_in *d = &in[n++];
        memset(d, 0, sizeof *d);
        char date[11];
        local_date(y0 + (int64_t)i * 86400, date);
        d->month = atoi(date + 5);
        d->dust = is_dust(a, y0 + (int64_t)i * 86400);
        for (int p = 0; p < DV_NRAW; p++)
            d->city.day[p] = col[p][i];
        d->city.o3_8h_max = col[6][i];
        d->city.aqi = isnan(col[7][i]) ? -1 : (int)col[7][i];
        last = y0 + (int64_t)i * 86400;
    }
    /* the year is over when its last day has ended (local time) */
    int complete = (int64_t)time(NULL) >= y1;
    struct dv_year yr;
    dv_year(in, n, complete, &yr);
    snprintf(first, sizeof first, "%04d", year);
    uint64_t u = a->host->unit_begin(a->run, first);
    if (!u)
        return -1;
    uint32_t prov = complete ? 0 : 0x2; /* bit 1: the year to date */
    emit(a, u, "pm2_5_1y", a->city, y0, yr.pm2_5, "µg/m³", NULL, prov);
    emit(a, u, "pm2_5_1y_raw", a->city, y0, yr.pm2_5_raw, "µg/m³", NULL, prov);
    emit(a, u, "pm2_5_1y_days", a->city, y0, yr.pm_days, "d", NULL, prov);
    emit(a, u, "pm10_1y", a->city, y0, yr.pm10, "µg/m³", NULL, prov);
    emit(a, u, "pm10_1y_raw", a->city, y0, yr.pm10_raw, "µg/m³", NULL, prov);
    emit(a, u, "good_ratio_1y", a->city, y0, yr.good_ratio, "%", NULL, prov);
    emit(a, u, "good_ratio_1y_days", a->city, y0, yr.days, "d", NULL, prov);
    emit(a, u, "o3_8h_p90_1y", a->city, y0, yr.o3_8h_p90, "µg/m³", NULL, prov);
    emit(a, u, "o3_8h_p90_1y_days", a->city, y0, yr.o3_days, "d", NULL, prov);
    emit(a, u, "co_p95_1y", a->city, y0, yr.co_p95, "mg/m³", NULL, prov);
    emit(a, u, "co_p95_1y_days", a->city, y0, yr.co_days, "d", NULL, prov);

    /* The actuals: final for a complete valid year; otherwise the year to
     * date, provisional as of its last day, with why it is not final. */
    if (yr.days > 0) {
        char as_of[11], prov_json[2048];
        local_date(last, as_of);
        json_t *st = json_array();
        for (int i = 0; i < a->nstations; i++)
            if (!is_background(a, a->stations[i]))
                json_array_append_new(st, json_string(a->stations[i]));
        for (int k = 0; k < 2; k++) {
            json_t *pj = json_pack("{s:s, s:O, s:i, s:i, s:s}", "method",
                                   k ? "GB 3095-2012 / HJ 663-2013 annual mean of daily city "
                                       "PM2.5, sand-and-dust days deducted"
                                     : "HJ 633-2012 daily AQI <= 100 over valid days",
                                   "stations", st, "valid_days", k ? yr.pm_days : yr.days,
                                   "dust_days_deducted", k ? yr.pm_days_raw - yr.pm_days : 0,
                                   "feed", a->name);
            int valid = k ? yr.valid_pm : yr.valid;
            if (!valid && pj)
                json_object_set_new(pj, "not_final",
                                    json_string(k ? yr.invalid_pm_reason : yr.invalid_reason));
            char *pjs = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
            snprintf(prov_json, sizeof prov_json, "%s", pjs ? pjs : "{}");
            free(pjs);
            json_decref(pj);
            double value = k ? yr.pm2_5 : yr.good_ratio;
            if (isnan(value))
                continue;
            struct pt_actual_rec ar = {.size = sizeof ar,
                                       .plan = a->plan[0] ? a->plan : NULL,
                                       .indicator = k ? a->ind_pm : a->ind_good,
                                       .period = first,
                                       .provisional = !valid,
                                       .as_of = valid ? NULL : as_of,
                                       .value = value,
                                       .unit = k ? "µg/m³" : "%",
                                       .source = a->name,
                                       .provenance = prov_json};
            if (a->host->emit_actual(u, &ar) != PTP_OK)
                say(a, PTP_LOG_WARN, "%d: the %s actual was refused", year,
                    k ? "PM2.5" : "good-day ratio");
        }
        json_decref(st);
        if (!yr.valid && complete)
            say(a, PTP_LOG_WARN, "%d is not a valid year (%s): no final actual", year,
                yr.invalid_reason);
    }
    struct pt_unit_commit cm = {.size = sizeof cm};
    return a->host->unit_commit(u, &cm);
}

static int cmp64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void derive_all(struct aq *a)
{
    int64_t days[MAX_DIRTY];
    int n = a->ndirty;
    memcpy(days, a->dirty, (size_t)n * sizeof days[0]);
    qsort(days, (size_t)n, sizeof days[0], cmp64);
    int years[MAX_DIRTY], nyears = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (derive_day(a, days[i]))
            failed++;
        int y = year_of(days[i]);
        if (!nyears || years[nyears - 1] != y)
            years[nyears++] = y;
    }
    for (int i = 0; i < nyears; i++)
        if (derive_year(a, years[i]))
            failed++;
    char msg[256];
    snprintf(msg, sizeof msg, "%d files ingested, %d failed; %d days and %d years derived",
             a->ingested, a->failed, n - failed, nyears);
    free(a->queue);
    a->queue = NULL;
    a->host->done(a->run, a->failed || failed ? PTP_EDATA : PTP_OK, msg);
}

/* ---- OpenAQ v3 --------------------------------------------------------- */

static void next_openaq(struct aq *a);

static void iso_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void openaq_fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct aq *a = data;
    struct sensor *s = &a->sensors[a->sensor];
    if (rc != PTP_OK) {
        /* this sensor waits for the next run; the others go ahead */
        say(a, PTP_LOG_WARN, "%s", res && res->error ? res->error : "fetch failed");
        a->failed++;
        a->sensor++;
        a->page = 1;
        next_openaq(a);
        return;
    }
    struct openaq_meas *m = NULL;
    size_t n = 0;
    long found = 0;
    char why[512];
    char name[64];
    snprintf(name, sizeof name, "openaq sensor %lld page %d", s->id, a->page);
    uint64_t u = a->host->unit_begin(run, name);
    if (!u || openaq_parse(res->body, res->len, &m, &n, &found, why, sizeof why)) {
        char reason[700];
        snprintf(reason, sizeof reason, "%s: %s", res->url, u ? why : "out of memory");
        if (u)
            a->host->unit_abort(u, reason);
        a->failed++;
        a->sensor++;
        a->page = 1;
        next_openaq(a);
        return;
    }
    int64_t done = s->done;
    for (size_t i = 0; i < n; i++) {
        /* units as the API gives them: the host converts µg/m³ and mg/m³ and
         * refuses (with the unit's name) what does not convert, e.g. ppb */
        emit(a, u, aq_codes[m[i].pollutant], s->station, m[i].time, m[i].value, m[i].units, NULL,
             m[i].value < 0 || m[i].flagged ? PTP_OBS_INVALID : 0);
        add_dirty(a, local_day_start(m[i].time - 1));
        add_dirty(a, local_day_start(m[i].time - 1 + 23 * 3600));
        if (m[i].time > done)
            done = m[i].time;
    }
    free(m);
    int64_t before = s->done;
    s->done = done;
    char *cur = cursor_text(a);
    struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur};
    if (!cur || a->host->unit_commit(u, &cm) != PTP_OK) {
        if (!cur)
            a->host->unit_abort(u, "out of memory");
        s->done = before;
        a->failed++;
        a->sensor++;
        a->page = 1;
    } else if (found < 0 || found > (long)a->page * OPENAQ_LIMIT) {
        a->ingested++;
        a->page++;
    } else {
        a->ingested++;
        a->sensor++;
        a->page = 1;
    }
    free(cur);
    next_openaq(a);
}

static void next_openaq(struct aq *a)
{
    int64_t now = (int64_t)time(NULL);
    while (a->sensor < a->nsensors) {
        struct sensor *s = &a->sensors[a->sensor];
        int64_t from = s->done ? s->done + 1 : a->start - 3599;
        int64_t to = from + (int64_t)a->max_files * 3600;
        if (to > now)
            to = now;
        if (a->end != INT64_MAX && to > a->end)
            to = a->end;
        if (to <= from) {
            a->sensor++;
            a->page = 1;
            continue;
        }
        char f[32], t[32], url[1024], key[300];
        iso_utc(from, f);
        iso_utc(to, t);
        snprintf(url, sizeof url,
                 "%s/sensors/%lld/measurements?datetime_from=%s&datetime_to=%s&limit=%d&page=%d",
                 a->api, s->id, f, t, OPENAQ_LIMIT, a->page);
        snprintf(key, sizeof key, "X-API-Key: %s", a->api_key);
        const char *headers[] = {key, NULL};
        struct pt_fetch_req req = {.size = sizeof req, .url = url, .headers = headers};
        if (a->host->fetch(a->run, &req, openaq_fetched, a) == PTP_OK)
            return;
        say(a, PTP_LOG_WARN, "%s: cannot be fetched", url);
        a->failed++;
        a->sensor++;
        a->page = 1;
    }
    derive_all(a);
}

static int aq_collect(void *state, uint64_t run)
{
    struct aq *a = state;
    a->run = run;
    a->failed = a->ingested = 0;
    load_cursor(a);
    if (a->api[0]) {
        a->sensor = 0;
        a->page = 1;
        next_openaq(a);
        return PTP_OK;
    }
    /* this run's files: failed ones first, then what is new, in order */
    int64_t now = (int64_t)time(NULL);
    a->nqueue = a->next = 0;
    int back = a->recheck / a->step;
    free(a->queue);
    a->queue = calloc((size_t)a->max_files + MAX_RETRY + (size_t)back + 2, sizeof *a->queue);
    if (!a->queue)
        return PTP_ENOMEM;
    for (int i = 0; i < a->nretry; i++)
        a->queue[a->nqueue++] = a->retry[i];
    /* the last files again: a correction is a file published anew */
    for (int64_t p = a->fetched - (int64_t)(back > 0 ? back - 1 : -1) * a->step;
         back > 0 && p <= a->fetched; p += a->step)
        if (p >= a->start)
            a->queue[a->nqueue++] = p;
    for (int64_t p = a->fetched + a->step;
         p <= a->end && p + a->step <= now && a->nqueue < a->max_files + a->nretry + back;
         p += a->step)
        a->queue[a->nqueue++] = p;
    next_file(a);
    return PTP_OK;
}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR,
    .abi_minor = PT_PLUGIN_ABI_MINOR,
    .name = "airquality",
    .version = "1.0",
    .description = "hourly station data (CNEMC) to the good-day ratio and PM2.5, by HJ 633/663",
    .settings_help = settings_help,
    .check = aq_check,
    .init = aq_init,
    .collect = aq_collect,
    .fini = aq_fini,
};
