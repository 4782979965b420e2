/* testfeed: a plugin for the host's and the daemon's tests. Its settings say
 * what to emit, unit by unit, so that tests can commit, refuse and abort
 * units, move the cursor, and hold a collection open on a slow fetch.
 *
 *   {"fetch": URL,                      fetched first; a failure ends the run
 *    "units": [{"name", "cursor", "url", "abort": reason,
 *               "actuals": [{"indicator", "period", "value", "unit",
 *                            "provisional", "as_of"}],
 *               "observations": [{"series", "site", "time", "value", "unit",
 *                                 "text", "invalid"}]}]} */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plantrack/plugin.h>

#ifndef TESTFEED_VERSION
#define TESTFEED_VERSION "1"
#endif

struct testfeed {
    const struct pt_host *host;
    json_t *settings;
};

static int check(const char *settings, char *err, size_t cap)
{
    json_error_t je;
    json_t *o = json_loads(settings, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        snprintf(err, cap, "settings: %s", o ? "expected an object" : je.text);
        json_decref(o);
        return PTP_ECONFIG;
    }
    json_t *u = json_object_get(o, "units");
    int rc = u && !json_is_array(u) ? PTP_ECONFIG : PTP_OK;
    if (rc)
        snprintf(err, cap, "settings.units: expected an array");
    json_decref(o);
    return rc;
}

static int init(const struct pt_host *host, const char *instance, const char *settings,
                void **state, char *err, size_t cap)
{
    int rc = check(settings, err, cap);
    if (rc)
        return rc;
    struct testfeed *t = calloc(1, sizeof *t);
    if (!t)
        return PTP_ENOMEM;
    t->host = host;
    t->settings = json_loads(settings, 0, NULL);
    *state = t;
    return PTP_OK;
}

static void fini(void *state)
{
    struct testfeed *t = state;
    json_decref(t->settings);
    free(t);
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void emit_units(struct testfeed *t, uint64_t run)
{
    json_t *units = json_object_get(t->settings, "units"), *u, *r;
    size_t i, j;
    int failed = 0;
    json_array_foreach(units, i, u)
    {
        uint64_t unit = t->host->unit_begin(run, str(u, "name"));
        json_array_foreach(json_object_get(u, "actuals"), j, r)
        {
            struct pt_actual_rec a = {.size = sizeof a,
                                      .plan = str(r, "plan"),
                                      .indicator = str(r, "indicator"),
                                      .period = str(r, "period"),
                                      .provisional = json_is_true(json_object_get(r, "provisional")),
                                      .as_of = str(r, "as_of"),
                                      .value = json_number_value(json_object_get(r, "value")),
                                      .unit = str(r, "unit"),
                                      .source = "testfeed"};
            t->host->emit_actual(unit, &a);
        }
        json_array_foreach(json_object_get(u, "observations"), j, r)
        {
            json_t *v = json_object_get(r, "value");
            struct pt_obs o = {.size = sizeof o,
                               .series = str(r, "series"),
                               .site = str(r, "site"),
                               .time = json_integer_value(json_object_get(r, "time")),
                               .has_value = json_is_number(v),
                               .value = json_number_value(v),
                               .text = str(r, "text"),
                               .unit = str(r, "unit"),
                               .flags = json_is_true(json_object_get(r, "invalid")) ? PTP_OBS_INVALID : 0};
            t->host->emit_observation(unit, &o);
        }
        if (str(u, "abort")) {
            t->host->unit_abort(unit, str(u, "abort"));
            failed++;
            continue;
        }
        struct pt_unit_commit c = {.size = sizeof c, .cursor = str(u, "cursor"), .url = str(u, "url")};
        if (t->host->unit_commit(unit, &c) != PTP_OK)
            failed++;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "%d units failed", failed);
    t->host->done(run, failed ? PTP_EDATA : PTP_OK, msg);
}

static void fetched(void *data, uint64_t run, int rc, const struct pt_fetch_result *res)
{
    struct testfeed *t = data;
    if (rc != PTP_OK) {
        t->host->done(run, rc, res->error ? res->error : "fetch failed");
        return;
    }
    emit_units(t, run);
}

static int collect(void *state, uint64_t run)
{
    struct testfeed *t = state;
    const char *url = str(t->settings, "fetch");
    char cursor[256];
    if (t->host->cursor(run, cursor, sizeof cursor) == PTP_OK && cursor[0]) {
        char msg[300];
        snprintf(msg, sizeof msg, "cursor was %s", cursor);
        t->host->log(run, PTP_LOG_INFO, msg);
    }
    if (url) {
        struct pt_fetch_req req = {.size = sizeof req, .url = url};
        return t->host->fetch(run, &req, fetched, t);
    }
    emit_units(t, run);
    return PTP_OK;
}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR,
    .abi_minor = PT_PLUGIN_ABI_MINOR,
    .name = "testfeed",
    .version = TESTFEED_VERSION,
    .description = "emits what its settings say (tests only)",
    .settings_help = "see tests/plugins/testfeed.c",
    .check = check,
    .init = init,
    .collect = collect,
    .fini = fini,
};
