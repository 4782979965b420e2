/* water: surface-water section monitoring to the share of sections at or
 * better than Class III (indicator 20), and the water bureau's groundwater
 * submissions to the cumulative extraction cut (indicator 19).
 *
 * Each monthly release (a file or URL named by a template) is one unit of
 * raw observations: one per value, and each sample's water body. The years
 * a release touched are then derived again from what the store holds, by
 * GB 3838-2002 (gb3838.h): per section and month, and per section and year
 * (so far), the mean of each parameter and the section's class; per city
 * the share of sections in Classes I-III; and the year's actual, final once
 * the year is over and its December release is in, else provisional as of
 * the last month's end. A corrected release flows through the same path.
 *
 * Groundwater submissions (files in a folder or URLs, each one unit) are
 * stored as submitted; the cumulative cut is then derived from every stored
 * year by the configured reading (groundwater.h).
 *
 * The cursor (JSON) remembers the last month fetched, the months whose unit
 * failed (retried first), the years still to derive, and the groundwater
 * files already ingested, so a crash between a unit and its derivation
 * loses nothing. Not here: the derivations (wqderive.c), the standard
 * (gb3838.c), the formats (release_*.c, groundwater.c), exact decimals
 * (wqdec.c). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <plantrack/plugin.h>

#include "gb3838.h"
#include "ptp_folder.h"
#include "ptp_seen.h"
#include "ptp_settings.h"
#include "groundwater.h"
#include "release.h"
#include "water.h"
#include "wqdec.h"

void wq_say(struct water *w, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->host->log(w->run, level, msg);
}

/* ---- months and days --------------------------------------------------- */

int64_t wq_month_start(int mi)
{
    return rel_instant(mi / 12, mi % 12 + 1, 1);
}

void wq_month_text(int mi, char out[16])
{
    snprintf(out, 16, "%04d-%02d", (mi / 12) % 10000, mi % 12 + 1);
}

static int parse_month(const char *s, int *mi)
{
    int64_t t;
    int y, m;
    char day[16];
    if (!s || strlen(s) != 7)
        return -1;
    snprintf(day, sizeof day, "%s-01", s);
    if (rel_time(day, 10, &t, &y, &m))
        return -1;
    *mi = y * 12 + m - 1;
    return 0;
}

/* Today's local date as YYYY-MM-DD, and the current local year. */
void wq_today(char out[16], int *year)
{
    int y, m, d;
    rel_civil((int64_t)time(NULL), &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    if (year)
        *year = y;
}

/* ---- settings ---------------------------------------------------------- */

static const char settings_help[] =
    "city        the city's site code for city-level series (required)\n"
    "folder      a folder of monthly releases (relative to the configuration), or\n"
    "url         a URL prefix (http, https, file); either is completed by template\n"
    "template    file name with {yyyy} and {mm} (default \"{yyyy}-{mm}.csv\")\n"
    "format      csv or json (default: the template's extension)\n"
    "start, end  the first and last month to fetch, YYYY-MM (start required)\n"
    "sections    the assessment sections the share counts (default: every section)\n"
    "lake_tn     true: TN enters the class of lakes and reservoirs (default false)\n"
    "skip_parameters  parameters in the releases to ignore (default [\"water_temp\",\n"
    "            \"水温\"]: water temperature has no class)\n"
    "max_files   releases fetched per run (default 36)\n"
    "give_up     days after a month's end after which its missing release is a gap\n"
    "            (default 92)\n"
    "recheck     months before the last one fetched that are fetched again each run,\n"
    "            conditionally, for corrections (default 2)\n"
    "groundwater {\"folder\": F, \"urls\": [U, …], \"reading\": \"yearly\" | \"cumulative\" |\n"
    "            \"cumulative_since_base\", \"base\": {\"year\": 2020, \"value\": 1}}: the\n"
    "            water bureau's submissions; base in 亿立方米 (required unless the\n"
    "            reading is cumulative)\n"
    "plan, share_indicator, groundwater_indicator   where the actuals go (default the\n"
    "            ids surface-water-class-iii-share and groundwater-extraction-cut)\n"
    "(give folder or url, groundwater, or both)";

static int parse_groundwater(json_t *g, const char *dir, struct water *w, char *err, size_t cap)
{
    static const char *const keys[] = {"folder", "urls", "reading", "base", NULL};
    const char *k;
    json_t *v;
    if (!json_is_object(g))
        return ptp_fail(err, cap,
                        "settings.groundwater: expected an object {\"folder\" or "
                        "\"urls\", \"reading\", \"base\"}");
    if ((k = ptp_unknown_key(g, keys)))
        return ptp_fail(
            err, cap, "settings.groundwater.%s: unknown key (use folder, urls, reading, base)", k);
    json_t *folder = json_object_get(g, "folder"), *urls = json_object_get(g, "urls");
    if (!folder && !urls)
        return ptp_fail(err, cap, "settings.groundwater: give a folder or urls (or both)");
    if (folder && (!json_is_string(folder) || !json_string_length(folder) ||
                   json_string_length(folder) >= 2048))
        return ptp_fail(err, cap, "settings.groundwater.folder: expected a folder name");
    if (folder)
        ptp_join_path(w->gw_folder, sizeof w->gw_folder, dir, json_string_value(folder));
    if (urls) {
        size_t i;
        if (!json_is_array(urls) || json_array_size(urls) > 256)
            return ptp_fail(err, cap, "settings.groundwater.urls: expected an array of URLs");
        if (!(w->gw_urls = calloc(json_array_size(urls) + 1, sizeof *w->gw_urls)))
            return ptp_fail(err, cap, "out of memory");
        json_array_foreach(urls, i, v)
        {
            const char *u = json_string_value(v);
            if (!u || !ptp_is_url(u) || strlen(u) >= 4096)
                return ptp_fail(
                    err, cap, "settings.groundwater.urls[%zu]: expected an http, https or file URL",
                    i);
            if (!(w->gw_urls[w->ngw_urls++] = strdup(u)))
                return ptp_fail(err, cap, "out of memory");
        }
    }
    const char *r = json_string_value(json_object_get(g, "reading"));
    if (!r)
        return ptp_fail(err, cap,
                        "settings.groundwater.reading: missing: say how the submission's figures "
                        "read: \"yearly\" (the cut of each year), \"cumulative\" (the cut to date, "
                        "the base year's included) or \"cumulative_since_base\"");
    if (!strcmp(r, "yearly"))
        w->reading = GW_YEARLY;
    else if (!strcmp(r, "cumulative"))
        w->reading = GW_CUMULATIVE;
    else if (!strcmp(r, "cumulative_since_base"))
        w->reading = GW_SINCE_BASE;
    else
        return ptp_fail(err, cap,
                        "settings.groundwater.reading: \"%.32s\": use yearly, cumulative or "
                        "cumulative_since_base",
                        r);
    json_t *base = json_object_get(g, "base");
    if (!base) {
        if (w->reading != GW_CUMULATIVE)
            return ptp_fail(
                err, cap,
                "settings.groundwater.base: missing: the %s reading adds the cuts to the "
                "catalogue's base, e.g. {\"year\": 2020, \"value\": 1} (亿立方米)",
                r);
        return 0;
    }
    static const char *const bkeys[] = {"year", "value", NULL};
    if (!json_is_object(base))
        return ptp_fail(err, cap,
                        "settings.groundwater.base: expected {\"year\": Y, \"value\": V}");
    if ((k = ptp_unknown_key(base, bkeys)))
        return ptp_fail(err, cap, "settings.groundwater.base.%s: unknown key (use year, value)", k);
    json_t *by = json_object_get(base, "year"), *bv = json_object_get(base, "value");
    if (!json_is_integer(by) || json_integer_value(by) < 1991 || json_integer_value(by) > 2099)
        return ptp_fail(err, cap, "settings.groundwater.base.year: expected a year, 1991-2099");
    w->base_year = (int)json_integer_value(by);
    char text[48];
    int prc = WQD_ESYNTAX;
    if (json_is_string(bv))
        prc = wqd_parse(json_string_value(bv), json_string_length(bv), 0, &w->base);
    else if (json_is_integer(bv) || json_is_real(bv)) {
        if (json_is_integer(bv))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(bv));
        else
            wqd_shortest(json_real_value(bv), text, sizeof text);
        prc = wqd_parse(text, strlen(text), 0, &w->base);
    }
    if (prc)
        return ptp_fail(err, cap,
                        "settings.groundwater.base.value: expected the base year's cut in 亿立方米 "
                        "(a number)");
    w->has_base = 1;
    return 0;
}

static int parse_settings(const char *text, struct water *w, char *err, size_t cap)
{
    static const char *const keys[] = {"city",
                                       "folder",
                                       "url",
                                       "template",
                                       "format",
                                       "start",
                                       "end",
                                       "sections",
                                       "lake_tn",
                                       "skip_parameters",
                                       "max_files",
                                       "give_up",
                                       "recheck",
                                       "plan",
                                       "share_indicator",
                                       "groundwater_indicator",
                                       "groundwater",
                                       "config_dir",
                                       NULL};
    json_t *o, *v;
    int rc = ptp_settings_load(text, &o, err, cap);
    const char *k;
    size_t i;
    if (rc)
        return rc;
    if ((k = ptp_unknown_key(o, keys))) {
        rc = ptp_fail(err, cap, "settings.%s: unknown key", k);
        goto out;
    }
#define STR(key, dst, def)                                                                         \
    do {                                                                                           \
        if ((rc = ptp_get_text(o, key, dst, sizeof(dst), def, err, cap)))                          \
            goto out;                                                                              \
    } while (0)
    char folder[2048], url[2048], start[16], end[16], format[16];
    STR("city", w->city, "");
    STR("plan", w->plan, "");
    STR("share_indicator", w->ind_share, "surface-water-class-iii-share");
    STR("groundwater_indicator", w->ind_gw, "groundwater-extraction-cut");
    STR("template", w->template, "{yyyy}-{mm}.csv");
    STR("folder", folder, "");
    STR("url", url, "");
    STR("start", start, "");
    STR("end", end, "");
    STR("format", format, "");
#undef STR
    const char *dir = json_string_value(json_object_get(o, "config_dir"));
    if (!w->city[0] || !rel_section_ok(w->city, strlen(w->city))) {
        rc = ptp_fail(err, cap,
                      "settings.city: missing (the city's site code, e.g. \"shijiazhuang\")");
        goto out;
    }
    json_t *gw = json_object_get(o, "groundwater");
    if (gw) {
        w->gw = 1;
        if ((rc = parse_groundwater(gw, dir, w, err, cap)))
            goto out;
    }
    if (folder[0] && url[0]) {
        rc = ptp_fail(err, cap, "settings: give folder or url, not both");
        goto out;
    }
    w->surface = folder[0] || url[0];
    if (!w->surface && !w->gw) {
        rc = ptp_fail(err, cap,
                      "settings: give folder or url (the monthly releases), groundwater "
                      "(the bureau's submissions), or both");
        goto out;
    }
    if (url[0] && !ptp_is_url(url)) {
        rc = ptp_fail(err, cap, "settings.url: expected an http, https or file URL");
        goto out;
    }
    w->is_url = url[0] != 0;
    if (folder[0])
        ptp_join_path(w->where, sizeof w->where, dir, folder);
    else
        snprintf(w->where, sizeof w->where, "%s", url);
    if (!strstr(w->template, "{yyyy}") || !strstr(w->template, "{mm}") ||
        strchr(w->template, '/')) {
        rc = ptp_fail(err, cap,
                      "settings.template: a file name with {yyyy} and {mm} (one release "
                      "a month), e.g. \"{yyyy}-{mm}.csv\"");
        goto out;
    }
    size_t tl = strlen(w->template);
    if (!format[0])
        w->json = tl >= 5 && !strcmp(w->template + tl - 5, ".json");
    else if (!strcmp(format, "csv") || !strcmp(format, "json"))
        w->json = !strcmp(format, "json");
    else {
        rc = ptp_fail(err, cap, "settings.format: \"%s\": use csv or json", format);
        goto out;
    }
    if (w->surface && parse_month(start, &w->start)) {
        rc = ptp_fail(err, cap, "settings.start: expected the first month to fetch, YYYY-MM");
        goto out;
    }
    w->end = 2099 * 12 + 11;
    if (end[0] && (parse_month(end, &w->end) || w->end < w->start)) {
        rc = ptp_fail(err, cap,
                      "settings.end: expected the last month to fetch, YYYY-MM, not "
                      "before start");
        goto out;
    }
    static const struct {
        const char *key;
        int def, min, max;
        size_t off;
    } nums[] = {{"max_files", 36, 1, 1200, offsetof(struct water, max_files)},
                {"give_up", 92, 0, 3650, offsetof(struct water, give_up)},
                {"recheck", 2, 0, 24, offsetof(struct water, recheck)}};
    for (size_t n = 0; n < sizeof nums / sizeof nums[0]; n++) {
        json_t *x = json_object_get(o, nums[n].key);
        int *dst = (int *)((char *)w + nums[n].off);
        *dst = nums[n].def;
        if (x && (!json_is_integer(x) || json_integer_value(x) < nums[n].min ||
                  json_integer_value(x) > nums[n].max)) {
            rc = ptp_fail(err, cap, "settings.%s: expected a whole number, %d to %d", nums[n].key,
                          nums[n].min, nums[n].max);
            goto out;
        }
        if (x)
            *dst = (int)json_integer_value(x);
    }
    json_t *lt = json_object_get(o, "lake_tn");
    if (lt && !json_is_boolean(lt)) {
        rc = ptp_fail(err, cap, "settings.lake_tn: expected true or false");
        goto out;
    }
    w->lake_tn = json_is_true(lt);
    json_t *secs = json_object_get(o, "sections");
    if (secs) {
        if (!json_is_array(secs) || !json_array_size(secs) ||
            json_array_size(secs) > MAX_SECTIONS) {
            rc = ptp_fail(err, cap,
                          "settings.sections: expected an array of section codes (1 to %d)",
                          MAX_SECTIONS);
            goto out;
        }
        if (!(w->sections = calloc(json_array_size(secs), sizeof *w->sections))) {
            rc = ptp_fail(err, cap, "out of memory");
            goto out;
        }
        json_array_foreach(secs, i, v)
        {
            const char *s = json_string_value(v);
            if (!s || !rel_section_ok(s, strlen(s))) {
                rc = ptp_fail(err, cap, "settings.sections[%zu]: expected a section code", i);
                goto out;
            }
            if (!(w->sections[w->nsections++] = strdup(s))) {
                rc = ptp_fail(err, cap, "out of memory");
                goto out;
            }
        }
        qsort(w->sections, (size_t)w->nsections, sizeof *w->sections, ptp_by_str);
        for (int n = 1; n < w->nsections; n++)
            if (!strcmp(w->sections[n - 1], w->sections[n])) {
                rc = ptp_fail(err, cap, "settings.sections: \"%s\" given twice", w->sections[n]);
                goto out;
            }
    }
    json_t *skip = json_object_get(o, "skip_parameters");
    if (!skip) {
        w->skip[0] = strdup("water_temp");
        w->skip[1] = strdup("水温");
        if (!w->skip[0] || !w->skip[1]) {
            rc = ptp_fail(err, cap, "out of memory");
            goto out;
        }
    } else {
        if (!json_is_array(skip) || json_array_size(skip) > MAX_SKIP) {
            rc = ptp_fail(err, cap,
                          "settings.skip_parameters: expected an array of parameter "
                          "names (at most %d)",
                          MAX_SKIP);
            goto out;
        }
        json_array_foreach(skip, i, v)
        {
            const char *s = json_string_value(v);
            if (!s || !*s || strlen(s) > 64) {
                rc = ptp_fail(err, cap, "settings.skip_parameters[%zu]: expected a parameter name",
                              i);
                goto out;
            }
            if (gb_param_find(s, strlen(s)) >= 0) {
                rc =
                    ptp_fail(err, cap,
                             "settings.skip_parameters[%zu]: \"%s\" is a parameter of GB 3838-2002 "
                             "Table 1: it is never skipped",
                             i, s);
                goto out;
            }
            if (!(w->skip[i] = strdup(s))) {
                rc = ptp_fail(err, cap, "out of memory");
                goto out;
            }
        }
    }
out:
    json_decref(o);
    return rc;
}

static void water_fini(void *state)
{
    struct water *w = state;
    if (!w)
        return;
    ptp_free_list(w->sections, w->nsections);
    ptp_free_list(w->gw_urls, w->ngw_urls);
    ptp_free_list(w->gw_list, w->ngw);
    for (int i = 0; i < MAX_SKIP; i++)
        free(w->skip[i]);
    free(w->queue);
    ptp_seen_free(&w->seen);
    free(w);
}

static int water_check(const char *settings, char *err, size_t cap)
{
    struct water *w = calloc(1, sizeof *w);
    if (!w)
        return ptp_fail(err, cap, "out of memory");
    int rc = parse_settings(settings, w, err, cap);
    water_fini(w);
    return rc;
}

static int water_init(const struct pt_host *host, const char *instance, const char *settings,
                      void **state, char *err, size_t cap)
{
    if (!host || host->size < offsetof(struct pt_host, done) + sizeof host->done)
        return ptp_fail(err, cap, "host table too old");
    struct water *w = calloc(1, sizeof *w);
    if (!w)
        return ptp_fail(err, cap, "out of memory");
    w->host = host;
    snprintf(w->name, sizeof w->name, "%s", instance);
    if (ptp_seen_init(&w->seen, SEEN_MAX, PTP_SEEN_NAME_MAX, 1, 1)) {
        water_fini(w);
        return ptp_fail(err, cap, "out of memory");
    }
    int rc = parse_settings(settings, w, err, cap);
    if (rc) {
        water_fini(w);
        return rc;
    }
#if PT_PLUGIN_ABI_MINOR >= 2
    /* ABI 1.2: name this instance as the indicators' feed before any figure */
    if (host->size >= offsetof(struct pt_host, supplies) + sizeof host->supplies) {
        const char *plan = w->plan[0] ? w->plan : NULL;
        if (w->surface)
            host->supplies(instance, plan, w->ind_share);
        if (w->gw)
            host->supplies(instance, plan, w->ind_gw);
    }
#endif
    *state = w;
    return PTP_OK;
}

/* ---- the cursor -------------------------------------------------------- */

void wq_add_int(int *list, int *n, int max, int v)
{
    for (int i = 0; i < *n; i++)
        if (list[i] == v)
            return;
    if (*n < max)
        list[(*n)++] = v;
}

void wq_drop_int(int *list, int *n, int v)
{
    for (int i = 0; i < *n; i++)
        if (list[i] == v) {
            list[i] = list[--*n];
            return;
        }
}

static void load_cursor(struct water *w)
{
    char *buf = malloc(1 << 16);
    w->fetched = w->start - 1;
    w->nretry = w->ndirty = w->seen.n = w->gw_dirty = 0;
    if (!buf)
        return;
    json_t *o = NULL, *v;
    size_t i;
    if (w->host->cursor(w->run, buf, 1 << 16) != PTP_OK || !buf[0] ||
        !(o = json_loads(buf, 0, NULL))) {
        free(buf);
        return;
    }
    free(buf);
    int mi;
    if (!parse_month(json_string_value(json_object_get(o, "fetched")), &mi))
        w->fetched = mi;
    json_array_foreach(json_object_get(o, "retry"), i,
                       v) if (!parse_month(json_string_value(v), &mi))
        wq_add_int(w->retry, &w->nretry, MAX_RETRY, mi);
    json_array_foreach(json_object_get(o, "dirty"), i, v) if (json_is_integer(v))
        wq_add_int(w->dirty, &w->ndirty, MAX_DIRTY, (int)json_integer_value(v));
    w->gw_dirty = json_is_true(json_object_get(o, "gw_dirty"));
    json_array_foreach(json_object_get(o, "gw"), i, v)
    {
        const char *d = json_string_value(json_array_get(v, 0));
        const char *n = json_string_value(json_array_get(v, 1));
        if (d && n)
            ptp_seen_load(&w->seen, strtoull(d, NULL, 16), n);
    }
    json_decref(o);
}

/* The cursor text; the caller frees. */
char *wq_cursor_text(const struct water *w)
{
    json_t *o = json_object(), *r = json_array(), *d = json_array(), *g = json_array();
    char m[16], hex[24];
    if (w->surface && w->fetched >= w->start) {
        wq_month_text(w->fetched, m);
        json_object_set_new(o, "fetched", json_string(m));
    }
    for (int i = 0; i < w->nretry; i++) {
        wq_month_text(w->retry[i], m);
        json_array_append_new(r, json_string(m));
    }
    for (int i = 0; i < w->ndirty; i++)
        json_array_append_new(d, json_integer(w->dirty[i]));
    for (int i = 0; i < w->seen.n; i++) {
        ptp_seen_hex(&w->seen, i, hex);
        json_array_append_new(g, json_pack("[ss]", hex, w->seen.e[i].name));
    }
    json_object_set_new(o, "retry", r);
    json_object_set_new(o, "dirty", d);
    json_object_set_new(o, "gw", g);
    json_object_set_new(o, "gw_dirty", json_boolean(w->gw_dirty));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* ---- emitting ---------------------------------------------------------- */

void wq_emit_value(struct water *w, uint64_t u, const char *series, const char *site, int64_t t,
                   double v, const char *unit, uint32_t flags)
{
    struct pt_obs o = {.size = sizeof o,
                       .series = series,
                       .site = site,
                       .time = t,
                       .has_value = 1,
                       .value = v,
                       .unit = unit,
                       .flags = flags};
    w->host->emit_observation(u, &o);
}

void wq_emit_text(struct water *w, uint64_t u, const char *series, const char *site, int64_t t,
                  const char *text, uint32_t flags)
{
    struct pt_obs o = {.size = sizeof o,
                       .series = series,
                       .site = site,
                       .time = t,
                       .text = text,
                       .unit = "1",
                       .flags = flags};
    w->host->emit_observation(u, &o);
}

/* ---- URLs ---------------------------------------------------------------- */

/* The release of month mi: the template filled in, after the folder or URL;
 * caller frees. */
static char *release_url(const struct water *w, int mi)
{
    char name[1024], yyyy[8], mm[4];
    size_t n = 0;
    snprintf(yyyy, sizeof yyyy, "%04d", (mi / 12) % 10000);
    snprintf(mm, sizeof mm, "%02d", mi % 12 + 1);
    for (const char *p = w->template; *p && n + 8 < sizeof name;) {
        if (!strncmp(p, "{yyyy}", 6)) {
            memcpy(name + n, yyyy, 4);
            n += 4;
            p += 6;
        } else if (!strncmp(p, "{mm}", 4)) {
            memcpy(name + n, mm, 2);
            n += 2;
            p += 4;
        } else {
            name[n++] = *p++;
        }
    }
    name[n] = '\0';
    if (w->is_url) {
        size_t len = strlen(w->where) + n + 1;
        char *u = malloc(len);
        if (u)
            snprintf(u, len, "%s%s", w->where, name);
        return u;
    }
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", w->where, name);
    return ptp_file_url(path);
}

/* ---- monthly releases ---------------------------------------------------- */

static void next_release(struct water *w);
static void start_groundwater(struct water *w);

/* Emits a parsed release into unit u: every value, and each sample's water
 * body (the TP limits and TN depend on it). */
static void emit_release(struct water *w, uint64_t u, const struct rel_release *rel)
{
    char series[48];
    for (size_t i = 0; i < rel->n; i++) {
        const struct rel_row *r = &rel->rows[i];
        snprintf(series, sizeof series, "wq_%s", gb_param(r->param)->code);
        wq_emit_value(w, u, series, r->section, r->time, wqd_to_double(r->value),
                      gb_unit_name(r->param), r->below_dl ? FLAG_BELOW_DL : 0);
        if (i == 0 || r->time != rel->rows[i - 1].time ||
            strcmp(r->section, rel->rows[i - 1].section))
            wq_emit_text(w, u, "wq_section_type", r->section, r->time, gb_water_name(r->water), 0);
    }
}

static void release_fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct water *w = data;
    int mi = w->queue[w->next];
    char month[16];
    wq_month_text(mi, month);
    if (rc != PTP_OK) {
        int missing =
            res && (res->status == 404 || (res->error && strstr(res->error, "no such file")));
        int64_t due = wq_month_start(mi + 1) + (int64_t)w->give_up * 86400;
        if (missing && mi <= w->fetched_before) {
            /* a month fetched again (recheck, retry) that is not there any
             * more: what was stored stays; a failed one is dropped once it
             * is a gap */
            wq_say(w, PTP_LOG_DEBUG, "%s: not there any more; left as stored", month);
            if (due < (int64_t)time(NULL))
                wq_drop_int(w->retry, &w->nretry, mi);
            w->next++;
            next_release(w);
            return;
        }
        if (missing && due < (int64_t)time(NULL)) {
            wq_say(w, PTP_LOG_WARN, "%s: %s: not published %d days after the month: a gap", month,
                   res->url ? res->url : "", w->give_up);
            if (mi > w->fetched)
                w->fetched = mi;
            wq_drop_int(w->retry, &w->nretry, mi);
            w->next++;
            next_release(w);
            return;
        }
        if (missing) {
            wq_say(w, PTP_LOG_INFO, "%s: the release is not published yet; next run", month);
        } else {
            wq_say(w, PTP_LOG_WARN, "%s: %s", month,
                   res && res->error ? res->error : "fetch failed");
            w->failed++;
        }
        /* releases come in order: the later months wait */
        w->next = w->nqueue;
        start_groundwater(w);
        return;
    }
    if (res->not_modified) {
        w->unchanged++;
        w->next++;
        next_release(w);
        return;
    }
    const char *name = ptp_base_name(res->url);
    uint64_t u = w->host->unit_begin(run, name);
    struct rel_release rel;
    struct rel_opts opts = {
        .year = mi / 12, .month = mi % 12 + 1, .skip = (const char *const *)w->skip};
    char why[512];
    int prc = !u        ? PTP_ENOMEM
              : w->json ? rel_parse_json(res->body, res->len, &opts, &rel, why, sizeof why)
                        : rel_parse_csv(res->body, res->len, &opts, &rel, why, sizeof why);
    if (mi > w->fetched)
        w->fetched = mi;
    wq_drop_int(w->retry, &w->nretry, mi);
    if (prc) {
        char reason[700];
        snprintf(reason, sizeof reason, "%s: %s", name, u ? why : "out of memory");
        if (u)
            w->host->unit_abort(u, reason);
        /* retried first next run; the months after it still go in */
        wq_add_int(w->retry, &w->nretry, MAX_RETRY, mi);
        w->failed++;
        w->next++;
        next_release(w);
        return;
    }
    emit_release(w, u, &rel);
    if (rel.skipped || rel.empty)
        wq_say(w, PTP_LOG_DEBUG, "%s: %zu values of skipped parameters, %zu empty values", name,
               rel.skipped, rel.empty);
    if (!rel.n)
        wq_say(w, PTP_LOG_INFO, "%s: no samples", name);
    int saved_ndirty = w->ndirty;
    int dirty_copy[MAX_DIRTY];
    memcpy(dirty_copy, w->dirty, sizeof dirty_copy);
    wq_add_int(w->dirty, &w->ndirty, MAX_DIRTY, mi / 12);
    char *cur = wq_cursor_text(w);
    struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur, .url = res->url};
    if (!cur || w->host->unit_commit(u, &cm) != PTP_OK) {
        if (!cur)
            w->host->unit_abort(u, "out of memory");
        memcpy(w->dirty, dirty_copy, sizeof dirty_copy);
        w->ndirty = saved_ndirty;
        wq_add_int(w->retry, &w->nretry, MAX_RETRY, mi);
        w->failed++;
    } else {
        w->ingested++;
    }
    free(cur);
    rel_free(&rel);
    w->next++;
    next_release(w);
}

static void next_release(struct water *w)
{
    if (w->next >= w->nqueue) {
        start_groundwater(w);
        return;
    }
    char *url = release_url(w, w->queue[w->next]);
    struct pt_fetch_req req = {.size = sizeof req, .url = url ? url : "", .conditional = 1};
    if (url && w->host->fetch(w->run, &req, release_fetched, w) == PTP_OK) {
        free(url);
        return; /* continues in release_fetched() */
    }
    wq_say(w, PTP_LOG_WARN, "%s: cannot be fetched", url ? url : "(out of memory)");
    free(url);
    w->failed++;
    w->next = w->nqueue;
    start_groundwater(w);
}

/* This run's months: failed ones first, the last ones again (corrections
 * are re-publications, fetched conditionally), then the new ones in order,
 * each once its month is over. */
static int build_queue(struct water *w)
{
    free(w->queue);
    w->nqueue = w->next = 0;
    if (!w->surface)
        return (w->queue = NULL), 0;
    w->queue = calloc((size_t)(w->max_files + MAX_RETRY + w->recheck + 2), sizeof *w->queue);
    if (!w->queue)
        return -1;
    int64_t now = (int64_t)time(NULL);
    w->fetched_before = w->fetched;
    for (int i = 0; i < w->nretry; i++)
        if (w->retry[i] >= w->start && w->retry[i] <= w->end)
            w->queue[w->nqueue++] = w->retry[i];
    for (int mi = w->fetched - w->recheck + 1; mi <= w->fetched; mi++) {
        int queued = 0;
        for (int i = 0; i < w->nqueue; i++)
            queued |= w->queue[i] == mi;
        if (mi >= w->start && !queued)
            w->queue[w->nqueue++] = mi;
    }
    int fresh = 0;
    for (int mi = w->fetched + 1;
         mi <= w->end && wq_month_start(mi + 1) <= now && fresh < w->max_files; mi++, fresh++)
        w->queue[w->nqueue++] = mi;
    return 0;
}

/* ---- groundwater submissions ------------------------------------------- */

static void next_gw(struct water *w);
static void derive_all(struct water *w);

static int is_json_name(const char *s)
{
    size_t n = strlen(s);
    return n >= 5 && !strcmp(s + n - 5, ".json");
}

/* This run's submissions: the configured URLs, then the folder's *.csv and
 * *.json files in name order. */
static int list_gw(struct water *w, char *why, size_t cap)
{
    ptp_free_list(w->gw_list, w->ngw);
    w->gw_list = NULL;
    w->ngw = w->gw_next = 0;
    if (!(w->gw_list = calloc((size_t)w->ngw_urls + 1, sizeof *w->gw_list))) {
        snprintf(why, cap, "out of memory");
        return PTP_ENOMEM;
    }
    for (int i = 0; i < w->ngw_urls; i++)
        if ((w->gw_list[w->ngw] = strdup(w->gw_urls[i])))
            w->ngw++;
    if (!w->gw_folder[0])
        return 0;
    return ptp_add_folder_urls("groundwater folder", w->gw_folder, PTP_LIST_CSV | PTP_LIST_JSON,
                               &w->gw_list, &w->ngw, why, cap);
}

static void start_groundwater(struct water *w)
{
    char why[300];
    if (!w->gw) {
        derive_all(w);
        return;
    }
    if (list_gw(w, why, sizeof why)) {
        wq_say(w, PTP_LOG_WARN, "%s", why);
        w->failed++;
        derive_all(w);
        return;
    }
    next_gw(w);
}

/* Emits a submission's figures; refuses a year not yet over. */
static int ingest_gw(struct water *w, uint64_t u, const char *name, const struct gw_row *rows,
                     size_t n, char *why, size_t cap)
{
    char day[16];
    int this_year;
    wq_today(day, &this_year);
    for (size_t i = 0; i < n; i++)
        if (rows[i].year >= this_year) {
            if (is_json_name(name))
                snprintf(why, cap,
                         "cuts[%ld]: year %d is not over: a submission gives a "
                         "finished year's figure",
                         rows[i].line, rows[i].year);
            else
                snprintf(why, cap,
                         "line %ld: year %d is not over: a submission gives a "
                         "finished year's figure",
                         rows[i].line, rows[i].year);
            return PTP_EDATA;
        }
    for (size_t i = 0; i < n; i++)
        wq_emit_value(w, u, "gw_submitted_1y", w->city, rel_instant(rows[i].year, 1, 1),
                      wqd_to_double(rows[i].value), "亿立方米", 0);
    return 0;
}

static void gw_fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct water *w = data;
    const char *url = w->gw_list[w->gw_next];
    const char *name = ptp_base_name(url);
    if (rc != PTP_OK) {
        wq_say(w, PTP_LOG_WARN, "%s", res && res->error ? res->error : "fetch failed");
        w->failed++;
    } else if (res->not_modified || ptp_seen_has(&w->seen, ptp_digest(res->body, res->len))) {
        w->unchanged++;
    } else {
        uint64_t d = ptp_digest(res->body, res->len);
        uint64_t u = w->host->unit_begin(run, name);
        struct gw_row *rows = NULL;
        size_t n = 0;
        char why[512];
        int prc = !u ? PTP_ENOMEM
                  : is_json_name(url)
                      ? gw_parse_json(res->body, res->len, &rows, &n, why, sizeof why)
                      : gw_parse_csv(res->body, res->len, &rows, &n, why, sizeof why);
        if (!prc)
            prc = ingest_gw(w, u, name, rows, n, why, sizeof why);
        free(rows);
        if (prc) {
            char reason[700];
            snprintf(reason, sizeof reason, "%s: %s", name, u ? why : "out of memory");
            if (u)
                w->host->unit_abort(u, reason);
            w->failed++;
        } else {
            int dirty = w->gw_dirty;
            ptp_seen_mark(&w->seen);
            ptp_seen_remember(&w->seen, url, d);
            w->gw_dirty = 1;
            char *cur = wq_cursor_text(w);
            struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur, .url = url};
            if (cur && w->host->unit_commit(u, &cm) == PTP_OK) {
                w->gw_ingested++;
            } else {
                if (!cur)
                    w->host->unit_abort(u, "out of memory");
                ptp_seen_rollback(&w->seen);
                w->gw_dirty = dirty;
                w->failed++;
            }
            free(cur);
        }
    }
    w->gw_next++;
    next_gw(w);
}

static void next_gw(struct water *w)
{
    while (w->gw_next < w->ngw) {
        struct pt_fetch_req req = {
            .size = sizeof req, .url = w->gw_list[w->gw_next], .conditional = 1};
        if (w->host->fetch(w->run, &req, gw_fetched, w) == PTP_OK)
            return; /* continues in gw_fetched() */
        wq_say(w, PTP_LOG_WARN, "%s: cannot be fetched", w->gw_list[w->gw_next]);
        w->failed++;
        w->gw_next++;
    }
    derive_all(w);
}

/* ---- a collection ------------------------------------------------------ */

static int by_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

static void derive_all(struct water *w)
{
    int years[MAX_DIRTY], n = w->ndirty;
    memcpy(years, w->dirty, (size_t)n * sizeof years[0]);
    qsort(years, (size_t)n, sizeof years[0], by_int);
    for (int i = 0; i < n; i++)
        if (wq_derive_year(w, years[i]))
            w->derive_failed++;
    if (w->gw_dirty && wq_derive_groundwater(w))
        w->derive_failed++;
    char msg[256];
    snprintf(msg, sizeof msg,
             "%d releases ingested, %d unchanged, %d failed; %d groundwater submissions "
             "ingested; %d years derived%s",
             w->ingested, w->unchanged, w->failed, w->gw_ingested, w->years,
             w->derive_failed ? ", a derivation failed (retried next run)" : "");
    free(w->queue);
    w->queue = NULL;
    ptp_free_list(w->gw_list, w->ngw);
    w->gw_list = NULL;
    w->ngw = 0;
    w->host->done(w->run, w->failed || w->derive_failed ? PTP_EDATA : PTP_OK, msg);
}

static int water_collect(void *state, uint64_t run)
{
    struct water *w = state;
    w->run = run;
    w->failed = w->ingested = w->unchanged = w->gw_ingested = w->derive_failed = w->years = 0;
    load_cursor(w);
    if (build_queue(w))
        return PTP_ENOMEM;
    next_release(w);
    return PTP_OK;
}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR,
    .abi_minor = PT_PLUGIN_ABI_MINOR,
    .name = "water",
    .version = "1.0",
    .description = "surface-water sections to classes by GB 3838-2002 and the share at or "
                   "better than Class III; groundwater extraction cuts",
    .settings_help = settings_help,
    .check = water_check,
    .init = water_init,
    .collect = water_collect,
    .fini = water_fini,
};
