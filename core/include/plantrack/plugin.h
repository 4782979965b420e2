/* plantrack plugin ABI, version 1: the only header a feed plugin includes.
 *
 * A plugin is a shared object that exports one const descriptor,
 * `plantrack_plugin` (struct pt_plugin). The host hands each instance a
 * table of host functions (struct pt_host) that only ever grows at its end.
 * Everything that crosses this boundary is a plain C value: strings, numbers
 * and small structs that start with their own size. No third-party type
 * (no json_t, no CURL *, no uv handle) appears here, and the host hands out
 * no pointer that outlives the call that handed it out: runs and units are
 * integer handles, and every pointer a callback receives is valid only
 * during that callback (copy what you keep). The host copies every record
 * it is given. That is what lets a later host run a plugin in a separate
 * worker process without changing plugin code.
 *
 * Compatibility: the host refuses a plugin whose abi_major differs from
 * its own or whose abi_minor is newer than its own. A plugin built for an
 * older minor keeps working: the host table's older members stay where
 * they are, and a plugin may read members added in newer minors only after
 * checking host->size. Structs a plugin passes in carry their size, so the
 * host reads only what the plugin knew about. */
#ifndef PLANTRACK_PLUGIN_H
#define PLANTRACK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PT_PLUGIN_ABI_MAJOR 1
#define PT_PLUGIN_ABI_MINOR 2

/* The name of the exported descriptor symbol. */
#define PT_PLUGIN_SYMBOL "plantrack_plugin"
#define PT_PLUGIN_EXPORT __attribute__((visibility("default")))

/* Status codes across the ABI: 0 or one of these (negative). */
enum {
    PTP_OK = 0,
    PTP_EINVAL = -1,   /* a record or argument the host refused */
    PTP_ENOMEM = -2,
    PTP_EIO = -3,      /* fetching or reading failed */
    PTP_ESTORE = -4,   /* the host could not write the store */
    PTP_ENOTFOUND = -5,
    PTP_EUNIT = -6,    /* a unit that does not convert */
    PTP_ERANGE = -7,
    PTP_ECONFIG = -8,  /* settings refused */
    PTP_EDATA = -11,   /* the feed's content is malformed */
    PTP_ECANCELED = -12,
};

/* Log levels for pt_host.log. */
enum { PTP_LOG_ERROR = 0, PTP_LOG_WARN = 1, PTP_LOG_INFO = 2, PTP_LOG_DEBUG = 3 };

/* Observation flags. */
#define PTP_OBS_INVALID 0x1u /* stored, shown, never enters a mean */

/* An observation: one value of one series at one site and time. */
struct pt_obs {
    uint32_t size;       /* sizeof(struct pt_obs) as the plugin was built */
    const char *series;  /* e.g. "pm2_5", "aqi_1h"; [a-z0-9_] */
    const char *site;    /* station or section code, or the city's id */
    int64_t time;        /* seconds since the epoch, UTC; hourly series: hour-ending */
    int has_value;       /* 0: missing (not zero) */
    double value;
    const char *text;    /* for text series (primary pollutants), else NULL */
    const char *unit;    /* converted by the host to the series' unit */
    uint32_t flags;      /* PTP_OBS_… */
};

/* An actual value of a plan indicator. */
struct pt_actual_rec {
    uint32_t size;          /* sizeof(struct pt_actual_rec) as built */
    const char *plan;       /* plan id, or NULL when the indicator is unique */
    const char *indicator;  /* id ("good-air-days-ratio") or number ("17") */
    const char *period;     /* "2023" */
    int provisional;        /* 0: the year's final figure */
    const char *as_of;      /* "YYYY-MM-DD" for provisional values */
    double value;
    const char *unit;       /* NULL: the indicator's unit */
    const char *source;     /* what the figure came from */
    const char *provenance; /* JSON text (stations, valid days, …) or NULL */
};

/* What a fetch brings back; valid only during the callback. */
struct pt_fetch_result {
    uint32_t size;
    int status;               /* HTTP status; 0 for file:// */
    int not_modified;         /* conditional request and nothing changed */
    const char *body;         /* not NUL-terminated; len bytes */
    size_t len;
    const char *url;          /* as requested */
    const char *effective_url;
    const char *error;        /* when the fetch failed: what and where */
};

struct pt_fetch_req {
    uint32_t size;
    const char *url;          /* http, https or file */
    int conditional;          /* send the validators stored with the last
                                 committed unit that used this URL */
    /* ABI 1.1: */
    const char *const *headers; /* extra request headers, "Name: value" lines,
                                   NULL-terminated (an API key); at most 16 */
};

/* rc is PTP_OK or a negative code; res is valid only during the call. */
typedef void (*pt_fetch_cb)(void *data, uint64_t run, int rc, const struct pt_fetch_result *res);

/* What to commit with a unit besides its records. */
struct pt_unit_commit {
    uint32_t size;
    const char *cursor;       /* the instance's new cursor, or NULL to keep it */
    const char *url;          /* the URL whose response this unit used: its
                                 ETag/Last-Modified are stored with the unit */
};

/* A filter for reading stored observations back. */
struct pt_obs_query {
    uint32_t size;
    const char *series;
    const char *site;         /* NULL: every site */
    int64_t from, to;         /* time range, inclusive */
    /* ABI 1.1: */
    int64_t step;             /* > 0: only the instants from, from + step, …: the
                                 store finds each directly (hourly series: 3600) */
};

typedef int (*pt_obs_row_cb)(void *data, const struct pt_obs *o);
typedef int (*pt_actual_row_cb)(void *data, const struct pt_actual_rec *a);

/* The host's functions. Only grows at its end; check `size` before using a
 * member added after the minor version you were built against. Every
 * function may be called only from within a host call into the plugin
 * (init, collect, a fetch callback) of the same instance. */
struct pt_host {
    uint32_t size;        /* sizeof(struct pt_host) of the host */
    uint32_t abi_major, abi_minor;

    /* A preformatted message, attributed to the instance. */
    void (*log)(uint64_t run, int level, const char *message);

    /* Starts fetching req->url; cb runs exactly once, later, on the host's
     * loop, unless this returns an error (then it never runs) or the run
     * has ended first (done was called, or the run was abandoned at
     * shutdown): then it does not run at all. Free per-fetch state in fini
     * if a run can end with fetches outstanding; fini comes after the
     * last callback. */
    int (*fetch)(uint64_t run, const struct pt_fetch_req *req, pt_fetch_cb cb, void *data);

    /* The instance's committed cursor into buf (NUL-terminated); "" when
     * it has none. PTP_ERANGE when it does not fit. */
    int (*cursor)(uint64_t run, char *buf, size_t cap);

    /* Source units: begin one, emit its records (checked and copied at
     * once: a refused record returns an error and the message is kept for
     * the run record), then commit it (records, cursor and validators in
     * one transaction, or nothing) or abort it. Returns 0 on failure. */
    uint64_t (*unit_begin)(uint64_t run, const char *name);
    int (*emit_observation)(uint64_t unit, const struct pt_obs *o);
    int (*emit_actual)(uint64_t unit, const struct pt_actual_rec *a);
    int (*unit_commit)(uint64_t unit, const struct pt_unit_commit *c);
    void (*unit_abort)(uint64_t unit, const char *reason);

    /* What the store already holds; rows are valid only during row(). A
     * non-zero return from row() stops the query and is returned. */
    int (*query_observations)(uint64_t run, const struct pt_obs_query *q, pt_obs_row_cb row,
                              void *data);
    int (*query_actuals)(uint64_t run, const char *plan, const char *indicator,
                         pt_actual_row_cb row, void *data);

    /* The collection is over: status PTP_OK, or the error that ended it
     * (units committed before stay committed). Exactly once per collect. */
    void (*done)(uint64_t run, int status, const char *message);

    /* Since 1.2. Declares, from init only, that the instance named there
     * supplies an indicator (plan NULL when the id is unique; id or number
     * as in pt_actual_rec), so `plantrack indicators` names the feed before
     * its first figure arrives. PTP_EINVAL outside init or for a malformed
     * reference; an indicator no catalogue has is reported by the host. */
    int (*supplies)(const char *instance, const char *plan, const char *indicator);
};

/* The plugin's descriptor. */
struct pt_plugin {
    uint32_t abi_major, abi_minor; /* PT_PLUGIN_ABI_MAJOR/MINOR at build time */
    const char *name;              /* [a-z0-9_-], unique among loaded plugins */
    const char *version;
    const char *description;       /* one line */
    const char *settings_help;     /* the settings it takes, for --help and docs */

    /* Checks an instance's settings (a JSON object as text) without side
     * effects; on failure writes "json.path: what is wrong" into err. */
    int (*check)(const char *settings, char *err, size_t errcap);

    /* Creates an instance. *state is the plugin's and comes back to
     * collect and fini. The host table outlives the instance. */
    int (*init)(const struct pt_host *host, const char *instance, const char *settings,
                void **state, char *err, size_t errcap);

    /* Starts one collection. Returns 0 when it started: it then ends, now
     * or later, with exactly one host->done(run, …). Returns an error when
     * it could not start; then done is not called. Never called again for
     * the same instance before the collection has ended. */
    int (*collect)(void *state, uint64_t run);

    /* Frees an instance; no collection is running. */
    void (*fini)(void *state);
};

#ifdef __cplusplus
}
#endif

#endif
