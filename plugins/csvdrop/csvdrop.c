/* csvdrop: actuals from CSV files that bureaus without an API send. Each
 * file (from a folder, or a URL) is one source unit: one bad row rejects the
 * whole file with its line number and reason, and a file whose content was
 * already ingested is not ingested again. The plugin reads through the host
 * only (files as file:// URLs), so it never blocks the daemon's loop.
 *
 * Columns (a header line names them, in any order): indicator, period,
 * value (required); unit, source, plan, status (final | provisional),
 * as_of (required for provisional rows). */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plantrack/plugin.h>

#include "ptp_csv.h"
#include "ptp_folder.h"
#include "ptp_seen.h"
#include "ptp_settings.h"

#define SEEN_MAX 512 /* content digests remembered in the cursor */

struct csvdrop {
    const struct pt_host *host;
    char name[65];
    char **urls;      /* configured URLs, then the folder's files this run */
    int nurls, nconf;
    char folder[4096];
    char plan[65];
    char source[256];
    /* the run in progress */
    uint64_t run;
    int next;         /* index into urls */
    int failed, ingested, skipped;
    struct ptp_seen seen; /* SEEN_MAX, names of up to 127 bytes */
};

static void say(struct csvdrop *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct csvdrop *c, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->host->log(c->run, level, msg);
}

/* ---- settings ---------------------------------------------------------- */

static const char settings_help[] =
    "folder      a folder whose *.csv files are read (relative to the configuration\n"
    "            file's folder); each file is one unit, in name order\n"
    "urls        an array of http, https or file URLs, each one unit\n"
    "plan        the plan id rows refer to when they name no plan (optional)\n"
    "source      the source recorded when a row names none (default: the file)\n"
    "(at least one of folder and urls)";

/* Parses and checks settings; with c set, also fills it. */
static int parse_settings(const char *text, struct csvdrop *c, char *err, size_t cap)
{
    static const char *const keys[] = {"folder", "urls", "plan", "source", "config_dir", NULL};
    json_t *o, *v;
    int rc = ptp_settings_load(text, &o, err, cap);
    if (rc)
        return rc;
    const char *k = ptp_unknown_key(o, keys);
    if (k) {
        rc = ptp_fail(err, cap, "settings.%s: unknown key (use folder, urls, plan, source)", k);
        goto out;
    }
    json_t *folder = json_object_get(o, "folder"), *urls = json_object_get(o, "urls");
    json_t *plan = json_object_get(o, "plan"), *source = json_object_get(o, "source");
    json_t *dir = json_object_get(o, "config_dir");
    if (!folder && !urls) {
        rc = ptp_fail(err, cap, "settings: give a folder or urls (or both)");
        goto out;
    }
    if (folder && (!json_is_string(folder) || !json_string_length(folder))) {
        rc = ptp_fail(err, cap, "settings.folder: expected a folder name");
        goto out;
    }
    if (plan && (!json_is_string(plan) || json_string_length(plan) >= 65)) {
        rc = ptp_fail(err, cap, "settings.plan: expected a plan id");
        goto out;
    }
    if (source && (!json_is_string(source) || json_string_length(source) >= 256)) {
        rc = ptp_fail(err, cap, "settings.source: expected a short text");
        goto out;
    }
    size_t i;
    if (urls) {
        if (!json_is_array(urls)) {
            rc = ptp_fail(err, cap, "settings.urls: expected an array of URLs");
            goto out;
        }
        json_array_foreach(urls, i, v)
        {
            const char *u = json_string_value(v);
            if (!u || !ptp_is_url(u)) {
                rc = ptp_fail(err, cap, "settings.urls[%zu]: expected an http, https or file URL",
                              i);
                goto out;
            }
        }
    }
    if (!c)
        goto out;
    if (folder) {
        ptp_join_path(c->folder, sizeof c->folder, json_string_value(dir),
                      json_string_value(folder));
    }
    if (plan)
        snprintf(c->plan, sizeof c->plan, "%s", json_string_value(plan));
    if (source)
        snprintf(c->source, sizeof c->source, "%s", json_string_value(source));
    c->nconf = urls ? (int)json_array_size(urls) : 0;
    c->urls = calloc((size_t)c->nconf + 1, sizeof *c->urls);
    if (!c->urls) {
        rc = ptp_fail(err, cap, "out of memory");
        goto out;
    }
    json_array_foreach(urls, i, v) if (!(c->urls[i] = strdup(json_string_value(v))))
    {
        rc = ptp_fail(err, cap, "out of memory");
        goto out;
    }
    c->nurls = c->nconf;
out:
    json_decref(o);
    return rc;
}

static int csvdrop_check(const char *settings, char *err, size_t cap)
{
    return parse_settings(settings, NULL, err, cap);
}

static void free_urls(struct csvdrop *c, int from)
{
    for (int i = from; i < c->nurls; i++) {
        free(c->urls[i]);
        c->urls[i] = NULL;
    }
    c->nurls = from;
}

static void csvdrop_fini(void *state)
{
    struct csvdrop *c = state;
    if (!c)
        return;
    free_urls(c, 0);
    free(c->urls);
    ptp_seen_free(&c->seen);
    free(c);
}

static int csvdrop_init(const struct pt_host *host, const char *instance, const char *settings,
                        void **state, char *err, size_t cap)
{
    if (!host || host->size < sizeof(struct pt_host))
        return ptp_fail(err, cap, "host table too old");
    struct csvdrop *c = calloc(1, sizeof *c);
    if (!c)
        return ptp_fail(err, cap, "out of memory");
    c->host = host;
    snprintf(c->name, sizeof c->name, "%s", instance);
    /* names as they always were here: 127 bytes, control characters as _ */
    if (ptp_seen_init(&c->seen, SEEN_MAX, 128, 1, 1)) {
        csvdrop_fini(c);
        return ptp_fail(err, cap, "out of memory");
    }
    int rc = parse_settings(settings, c, err, cap);
    if (rc) {
        csvdrop_fini(c);
        return rc;
    }
    *state = c;
    return PTP_OK;
}

/* ---- the cursor: what each file last held ------------------------------ */

/* The cursor is one line per file, "DIGEST NAME", most recent first: the
 * content of a file already ingested is not ingested again, even under
 * another name. A file that changes back to an earlier content (A, B, A) is
 * ingested again, because its entry now says B. */

#define CURSOR_MAX (SEEN_MAX * 148)

static void load_cursor(struct csvdrop *c)
{
    static char buf[CURSOR_MAX];
    c->seen.n = 0;
    if (c->host->cursor(c->run, buf, sizeof buf) != PTP_OK)
        return;
    for (char *line = buf; *line && c->seen.n < SEEN_MAX;) {
        char *nl = strchr(line, '\n'), *end;
        if (nl)
            *nl = '\0';
        uint64_t d = strtoull(line, &end, 16);
        if (end != line && *end == ' ')
            ptp_seen_load(&c->seen, d, end + 1);
        if (!nl)
            break;
        line = nl + 1;
    }
}

/* The cursor text; caller frees. */
static char *cursor_text(const struct csvdrop *c)
{
    char *s = malloc(CURSOR_MAX);
    if (!s)
        return NULL;
    size_t n = 0;
    s[0] = '\0';
    for (int i = 0; i < c->seen.n && n < CURSOR_MAX; i++)
        n += (size_t)snprintf(s + n, CURSOR_MAX - n, "%016llx %s\n",
                              (unsigned long long)c->seen.e[i].digest, c->seen.e[i].name);
    return s;
}

/* ---- CSV --------------------------------------------------------------- */

enum { COL_INDICATOR, COL_PERIOD, COL_VALUE, COL_UNIT, COL_SOURCE, COL_PLAN, COL_STATUS,
       COL_AS_OF, NCOLS };
static const char *const col_names[NCOLS] = {"indicator", "period", "value", "unit",
                                             "source",    "plan",   "status", "as_of"};

static int is_blank(char fields[PTP_CSV_MAX_FIELDS][PTP_CSV_FIELD_MAX], int n)
{
    for (int i = 0; i < n; i++)
        if (fields[i][0])
            return 0;
    return 1;
}

/* A decimal number and nothing else. */
static int number(const char *s, double *out)
{
    const char *p = s;
    int digits = 0;
    if (*p == '-' || *p == '+')
        p++;
    for (; isdigit((unsigned char)*p); p++)
        digits++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            digits++;
    if (digits && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (!digits || *p)
        return 0;
    *out = strtod(s, NULL);
    return *out - *out == 0; /* finite */
}

/* Parses a whole file and emits its rows into unit u. Returns 0, or a
 * negative code with "line N: why" in why. */
static int ingest(struct csvdrop *c, uint64_t u, const char *name, const char *body, size_t len,
                  char *why, size_t cap)
{
    static char fields[PTP_CSV_MAX_FIELDS][PTP_CSV_FIELD_MAX];
    struct ptp_csv r;
    char msg[256];
    ptp_csv_init(&r, body, len);
    int map[PTP_CSV_MAX_FIELDS], have[NCOLS] = {0};
    int n = ptp_csv_record(&r, fields, msg, sizeof msg);
    if (n <= 0) {
        snprintf(why, cap, "line 1: %s", n < 0 ? msg : "empty file: no header");
        return PTP_EDATA;
    }
    int ncols = n;
    for (int i = 0; i < n; i++) {
        ptp_trim(fields[i]);
        map[i] = -1;
        for (int k = 0; k < NCOLS; k++)
            if (!strcmp(fields[i], col_names[k]))
                map[i] = k;
        if (map[i] < 0) {
            snprintf(why, cap,
                     "line 1: unknown column \"%.64s\" (use indicator, period, value, unit, "
                     "source, plan, status, as_of)",
                     fields[i]);
            return PTP_EDATA;
        }
        if (have[map[i]]++) {
            snprintf(why, cap, "line 1: column \"%.64s\" twice", fields[i]);
            return PTP_EDATA;
        }
    }
    for (int k = 0; k <= COL_VALUE; k++)
        if (!have[k]) {
            snprintf(why, cap, "line 1: no \"%s\" column", col_names[k]);
            return PTP_EDATA;
        }
    int rows = 0;
    for (;;) {
        int line = r.line + 1;
        n = ptp_csv_record(&r, fields, msg, sizeof msg);
        if (n == 0)
            break;
        if (n < 0) {
            snprintf(why, cap, "line %d: %s", line, msg);
            return PTP_EDATA;
        }
        if (is_blank(fields, n))
            continue;
        if (n != ncols) {
            snprintf(why, cap, "line %d: %d fields, the header has %d", line, n, ncols);
            return PTP_EDATA;
        }
        const char *col[NCOLS] = {0};
        for (int i = 0; i < n; i++) {
            ptp_trim(fields[i]);
            col[map[i]] = fields[i];
        }
        double value;
        if (!col[COL_INDICATOR][0] || !col[COL_PERIOD][0]) {
            snprintf(why, cap, "line %d: indicator and period must not be empty", line);
            return PTP_EDATA;
        }
        if (!number(col[COL_VALUE], &value)) {
            snprintf(why, cap, "line %d: value \"%.64s\" is not a number", line, col[COL_VALUE]);
            return PTP_EDATA;
        }
        int provisional = 0;
        if (col[COL_STATUS] && col[COL_STATUS][0]) {
            if (!strcmp(col[COL_STATUS], "provisional"))
                provisional = 1;
            else if (strcmp(col[COL_STATUS], "final")) {
                snprintf(why, cap, "line %d: status \"%.32s\" (use final or provisional)", line,
                         col[COL_STATUS]);
                return PTP_EDATA;
            }
        }
        char source[600];
        snprintf(source, sizeof source, "%s",
                 col[COL_SOURCE] && col[COL_SOURCE][0] ? col[COL_SOURCE]
                 : c->source[0]                        ? c->source
                                                       : name);
        struct pt_actual_rec a = {
            .size = sizeof a,
            .plan = col[COL_PLAN] && col[COL_PLAN][0] ? col[COL_PLAN]
                    : c->plan[0]                      ? c->plan
                                                      : NULL,
            .indicator = col[COL_INDICATOR],
            .period = col[COL_PERIOD],
            .provisional = provisional,
            .as_of = col[COL_AS_OF] && col[COL_AS_OF][0] ? col[COL_AS_OF] : NULL,
            .value = value,
            .unit = col[COL_UNIT] && col[COL_UNIT][0] ? col[COL_UNIT] : NULL,
            .source = source,
        };
        char prov[768];
        json_t *pj = json_pack("{s:s, s:i}", "file", name, "line", line);
        char *pjs = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
        snprintf(prov, sizeof prov, "%s", pjs ? pjs : "{}");
        free(pjs);
        json_decref(pj);
        a.provenance = prov;
        if (c->host->emit_actual(u, &a) != PTP_OK) {
            snprintf(why, cap, "line %d: refused by the host (indicator \"%.64s\", period %.16s)",
                     line, col[COL_INDICATOR], col[COL_PERIOD]);
            return PTP_EDATA;
        }
        rows++;
    }
    if (!rows) {
        snprintf(why, cap, "no rows after the header");
        return PTP_EDATA;
    }
    return PTP_OK;
}

/* ---- a collection ------------------------------------------------------ */

static void next_unit(struct csvdrop *c);

/* Adds the folder's *.csv files, in name order, after the configured URLs. */
static int list_folder(struct csvdrop *c, char *why, size_t cap)
{
    if (!c->folder[0])
        return 0;
    return ptp_add_folder_urls("folder", c->folder, PTP_LIST_CSV, &c->urls, &c->nurls, why, cap);
}

static void fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct csvdrop *c = data;
    const char *url = c->urls[c->next];
    const char *name = ptp_base_name(url);
    if (rc != PTP_OK) {
        say(c, PTP_LOG_WARN, "%s", res && res->error ? res->error : "fetch failed");
        c->failed++;
    } else if (res->not_modified) {
        c->skipped++;
    } else {
        uint64_t d = ptp_digest(res->body, res->len);
        if (ptp_seen_has(&c->seen, d)) {
            say(c, PTP_LOG_DEBUG, "%s: the same content was already ingested", name);
            c->skipped++;
        } else {
            uint64_t u = c->host->unit_begin(run, name);
            char why[600];
            int prc = u ? ingest(c, u, name, res->body, res->len, why, sizeof why) : PTP_ENOMEM;
            if (prc) {
                char reason[700];
                snprintf(reason, sizeof reason, "%s: %s", name, u ? why : "out of memory");
                if (u)
                    c->host->unit_abort(u, reason);
                c->failed++;
            } else {
                /* the cursor as it will be once this unit is in */
                ptp_seen_mark(&c->seen);
                ptp_seen_remember(&c->seen, url, d);
                char *cur = cursor_text(c);
                struct pt_unit_commit cm = {.size = sizeof cm, .cursor = cur, .url = url};
                if (cur && c->host->unit_commit(u, &cm) == PTP_OK) {
                    c->ingested++;
                } else {
                    if (!cur)
                        c->host->unit_abort(u, "out of memory");
                    ptp_seen_rollback(&c->seen);
                    c->failed++;
                }
                free(cur);
            }
        }
    }
    c->next++;
    next_unit(c);
}

static void next_unit(struct csvdrop *c)
{
    while (c->next < c->nurls) {
        struct pt_fetch_req req = {.size = sizeof req, .url = c->urls[c->next], .conditional = 1};
        if (c->host->fetch(c->run, &req, fetched, c) == PTP_OK)
            return; /* continues in fetched() */
        say(c, PTP_LOG_WARN, "%s: cannot be fetched", c->urls[c->next]);
        c->failed++;
        c->next++;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "%d files ingested, %d unchanged, %d failed", c->ingested,
             c->skipped, c->failed);
    uint64_t run = c->run;
    free_urls(c, c->nconf);
    c->host->done(run, c->failed ? PTP_EDATA : PTP_OK, msg);
}

static int csvdrop_collect(void *state, uint64_t run)
{
    struct csvdrop *c = state;
    c->run = run;
    c->next = c->failed = c->ingested = c->skipped = 0;
    load_cursor(c);
    char why[256];
    int rc = list_folder(c, why, sizeof why);
    if (rc) {
        c->host->done(run, rc, why);
        return PTP_OK;
    }
    next_unit(c);
    return PTP_OK;
}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR,
    .abi_minor = PT_PLUGIN_ABI_MINOR,
    .name = "csvdrop",
    .version = "1.0",
    .description = "actuals from CSV files in a folder or at URLs (indicator, period, value, …)",
    .settings_help = settings_help,
    .check = csvdrop_check,
    .init = csvdrop_init,
    .collect = csvdrop_collect,
    .fini = csvdrop_fini,
};
