/* The plugin host: the other side of plugin.h. It creates plugin instances,
 * starts their collections (runs), serves the host functions they call
 * (fetch, cursor, units, queries, log, done) and commits each source unit
 * (records, cursor and the URL's validators) in one transaction. It knows
 * nothing of schedules: the scheduler or --once decide when to collect. */
#ifndef PT_HOST_H
#define PT_HOST_H

#include <time.h>
#include <uv.h>

#include <plantrack/plugin.h>

#include "catalogue.h"
#include "config.h"
#include "http.h"
#include "loader.h"
#include "store.h"

struct pt_run;
struct pt_hostenv;

struct pt_instance {
    char name[65];
    char plugin[65];
    char schedule[PT_CRON_MAX];       /* its own, or "" for the default */
    const struct pt_plugin *p;
    struct pt_generation *gen;        /* the plugin generation it was made from */
    void *state;                      /* the plugin's */
    struct pt_hostenv *host;
    struct pt_run *run;               /* the run in flight, or NULL */
    int retired;                      /* dropped by a reload: freed when idle */
    time_t last_start, last_end;
    int last_status;                  /* of the last finished run: 0 or PT_E… */
    int last_wrote;                   /* the last run wrote observations or actuals */
    char last_summary[256];
    struct pt_supply {                /* indicators it declared it supplies */
        char plan[65], indicator[65];
    } supplies[32];
    int nsupplies;
    struct pt_instance *next;
};

struct pt_hostenv {
    uv_loop_t *loop;
    struct pt_store *store;
    struct pt_http *http;
    struct pt_catalogue *cat;         /* for resolving actuals; replaced on reload */
    struct pt_instance *instances;
    struct pt_run *runs;              /* runs in flight, and finished runs with
                                         fetches still pending */
    uint64_t next_id;                 /* run and unit handles */
    struct pt_instance *initialising; /* the instance inside its plugin's init */
    /* Called when a run has finished (its record written). */
    void (*run_done)(struct pt_hostenv *h, struct pt_instance *inst);
    void *data;
};

/* Sets up the host on loop; st and http stay the caller's. */
void pt_host_init(struct pt_hostenv *h, uv_loop_t *loop, struct pt_store *st,
                  struct pt_http *http, struct pt_catalogue *cat);

/* Creates an instance of plugin lib for feed fc with settings (JSON text,
 * secrets included) through the plugin's init. Takes a reference on gen.
 * On failure nothing is created and err says why. */
int pt_host_instance_new(struct pt_hostenv *h, const struct pt_feed_conf *fc,
                         const struct pt_plugin_lib *lib, struct pt_generation *gen,
                         const char *settings, struct pt_instance **out, struct pt_err *err);
/* Finishes an idle instance (plugin fini), drops its generation reference
 * and frees it. Returns the generation when that was its last reference,
 * for the caller to unload, else NULL. */
struct pt_generation *pt_host_instance_free(struct pt_hostenv *h, struct pt_instance *inst);

/* Records in the store which live instance supplies which indicator (as
 * they declared in init), replacing what was there: after start-up and after
 * each accepted reload, once the catalogue is in place. A declaration no
 * catalogue resolves is logged and skipped. */
int pt_host_publish_supplies(struct pt_hostenv *h, struct pt_err *err);

/* Starts a collection of inst. PT_EBUSY when it is already collecting. */
int pt_host_collect(struct pt_hostenv *h, struct pt_instance *inst, struct pt_err *err);
/* How many runs are in flight. */
int pt_host_running(const struct pt_hostenv *h);
/* Abandons every run in flight: their open units are discarded uncommitted
 * and their records say so. For shutdown after the grace period. */
void pt_host_abandon(struct pt_hostenv *h, const char *why);

/* The host function table handed to plugins. */
const struct pt_host *pt_host_table(void);

#endif
