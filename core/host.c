/* The plugin host. Plugins see integer handles for runs and units; this
 * file maps them to the structs below, copies every record a plugin hands
 * over, and writes a unit to the store in one transaction or not at all.
 * One host per process: the host functions find it through host_env. */
#include "host.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actual.h"
#include "log.h"
#include "units.h"

/* ---- runs and units ---------------------------------------------------- */

/* An observation as the host keeps it: copied, bounded. */
struct obs_copy {
    char series[64];
    char site[64];
    int64_t time;
    int has_value;
    double value;
    char *text;
    char unit[32];
    uint32_t flags;
};

/* An actual as the host keeps it until its unit commits. */
struct actual_copy {
    char plan[65];
    char indicator[65];
    char period[8];
    int provisional;
    char as_of[11];
    double value;
    char unit[32];
    char *source;
    char *provenance;
};

struct unit {
    uint64_t id;
    char name[256];
    struct obs_copy *obs;
    int nobs, capobs;
    struct actual_copy *act;
    int nact, capact;
    char refused[512];   /* the first record refused: the unit cannot commit */
    struct unit *next;
};

/* The validators of a response a run received, kept until a unit names
 * the URL at commit. */
struct validator {
    char *url, *etag, *last_modified;
    struct validator *next;
};

struct pt_run {
    uint64_t id;
    long long row;               /* runs.id */
    struct pt_instance *inst;
    struct pt_hostenv *host;
    int done;                    /* the plugin called done */
    int pending;                 /* fetches whose callback has not run */
    int units_ok, units_failed, observations, actuals;
    char error[1024];            /* what went wrong, for the run record */
    struct unit *units;
    struct validator *validators;
    struct pt_run *next;
};

/* A fetch in flight, between the plugin's request and its callback. */
struct fetch {
    struct pt_run *run;
    uint64_t run_id;
    pt_fetch_cb cb;
    void *data;
    char *url;
};

static struct pt_hostenv *host_env;

static struct pt_run *find_run(uint64_t id)
{
    if (!host_env)
        return NULL;
    for (struct pt_run *r = host_env->runs; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

/* A live run: found and not yet done. Host functions refuse the others. */
static struct pt_run *live_run(uint64_t id)
{
    struct pt_run *r = find_run(id);
    return r && !r->done ? r : NULL;
}

static struct unit *find_unit(uint64_t id, struct pt_run **run)
{
    if (!host_env)
        return NULL;
    for (struct pt_run *r = host_env->runs; r; r = r->next)
        for (struct unit *u = r->units; u; u = u->next)
            if (u->id == id) {
                *run = r;
                return r->done ? NULL : u;
            }
    return NULL;
}

static void run_note(struct pt_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a sentence to the run's error text (bounded). */
static void run_note(struct pt_run *r, const char *fmt, ...)
{
    size_t n = strlen(r->error);
    if (n + 8 >= sizeof r->error)
        return;
    if (n)
        n += (size_t)snprintf(r->error + n, sizeof r->error - n, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error + n, sizeof r->error - n, fmt, ap);
    va_end(ap);
}

static void unit_free(struct unit *u)
{
    for (int i = 0; i < u->nobs; i++)
        free(u->obs[i].text);
    for (int i = 0; i < u->nact; i++) {
        free(u->act[i].source);
        free(u->act[i].provenance);
    }
    free(u->obs);
    free(u->act);
    free(u);
}

static void unit_unlink(struct pt_run *r, struct unit *u)
{
    for (struct unit **p = &r->units; *p; p = &(*p)->next)
        if (*p == u) {
            *p = u->next;
            break;
        }
    unit_free(u);
}

static void run_free(struct pt_run *r)
{
    while (r->units) {
        struct unit *u = r->units;
        r->units = u->next;
        unit_free(u);
    }
    while (r->validators) {
        struct validator *v = r->validators;
        r->validators = v->next;
        free(v->url);
        free(v->etag);
        free(v->last_modified);
        free(v);
    }
    free(r);
}

/* Drops a finished run once no fetch callback can still refer to it. */
static void run_maybe_free(struct pt_run *r)
{
    if (!r->done || r->pending)
        return;
    for (struct pt_run **p = &r->host->runs; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    run_free(r);
}

static const char *run_status_name(const struct pt_run *r, int status)
{
    if (status == 0 && r->units_failed == 0)
        return "ok";
    if (r->units_ok > 0)
        return "partial";
    return "failed";
}

/* Writes the run's record and tells whoever waits. */
static void run_finish(struct pt_run *r, int status, const char *message)
{
    if (r->done)
        return;
    r->done = 1;
    struct pt_instance *inst = r->inst;
    while (r->units) {
        struct unit *u = r->units;
        r->units = u->next;
        run_note(r, "unit %s left open at the end of the run: discarded", u->name);
        r->units_failed++;
        unit_free(u);
    }
    if (status && message && *message)
        run_note(r, "%s", message);
    else if (status)
        run_note(r, "the collection failed (%s)", pt_strerror(status));
    const char *st_name = run_status_name(r, status);
    char now[32];
    pt_store_now(now);
    sqlite3_stmt *s;
    struct pt_err err;
    if (pt_store_prepare(r->host->store,
                         "UPDATE runs SET finished_at = ?, status = ?, units_ok = ?, "
                         "units_failed = ?, observations = ?, actuals = ?, error = ? WHERE id = ?",
                         &s, &err) == 0) {
        sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, st_name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, r->units_ok);
        sqlite3_bind_int(s, 4, r->units_failed);
        sqlite3_bind_int(s, 5, r->observations);
        sqlite3_bind_int(s, 6, r->actuals);
        if (r->error[0])
            sqlite3_bind_text(s, 7, r->error, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 8, r->row);
        if (sqlite3_step(s) != SQLITE_DONE)
            pt_log_errorx("feed %s: recording run %lld: %s", inst->name, r->row,
                          sqlite3_errmsg(pt_store_db(r->host->store)));
        sqlite3_finalize(s);
    } else {
        pt_log_errorx("feed %s: %s", inst->name, err.msg);
    }
    inst->last_status = strcmp(st_name, "ok") == 0 ? 0 : (status ? status : PT_EIO);
    inst->last_wrote = r->observations + r->actuals > 0;
    inst->last_end = time(NULL);
    snprintf(inst->last_summary, sizeof inst->last_summary,
             "%s: %d units committed, %d failed, %d observations, %d actuals", st_name,
             r->units_ok, r->units_failed, r->observations, r->actuals);
    if (strcmp(st_name, "ok") == 0)
        pt_log_info("feed %s: run %lld %s%s%s%s", inst->name, r->row, inst->last_summary,
                    message && *message ? " (" : "", message && *message ? message : "",
                    message && *message ? ")" : "");
    else
        pt_log_warnx("feed %s: run %lld %s: %s", inst->name, r->row, inst->last_summary,
                     r->error);
    inst->run = NULL;
    struct pt_hostenv *h = r->host;
    run_maybe_free(r);
    if (h->run_done)
        h->run_done(h, inst);
}

/* ---- committing a unit ------------------------------------------------- */

/* Series and site ids seen within one commit: an hour of a national
 * network is thousands of sites, so a hash map, not a list. */
struct idmap {
    struct idslot {
        char *key;      /* NULL: empty */
        long long id;
        char *unit;     /* series only; its own allocation, so it outlives a rehash */
    } *slots;
    size_t cap, n;
};

static uint64_t idmap_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct idslot *idmap_get(struct idmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = idmap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slots[i].key)
            return NULL;
        if (!strcmp(m->slots[i].key, key))
            return &m->slots[i];
    }
}

/* Adds key (not present); returns its slot or NULL when out of memory. */
static struct idslot *idmap_put(struct idmap *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct idslot *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key) {
                size_t j = idmap_hash(m->slots[i].key) & (cap - 1);
                while (slots[j].key)
                    j = (j + 1) & (cap - 1);
                slots[j] = m->slots[i];
            }
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    size_t i = idmap_hash(key) & (m->cap - 1);
    while (m->slots[i].key)
        i = (i + 1) & (m->cap - 1);
    if (!(m->slots[i].key = strdup(key)))
        return NULL;
    m->n++;
    return &m->slots[i];
}

static void idmap_free(struct idmap *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].key);
        free(m->slots[i].unit);
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* One unit's commit: its statements are prepared once, not per record. */
struct commit {
    struct pt_run *r;
    struct pt_store *st;
    sqlite3_stmt *series_ins, *series_get, *site_ins, *site_get, *obs_up;
    struct idmap series, sites;
    struct idslot *last_series, *last_site; /* valid until the next lookup_id */
};

static void commit_close(struct commit *c)
{
    sqlite3_finalize(c->series_ins);
    sqlite3_finalize(c->series_get);
    sqlite3_finalize(c->site_ins);
    sqlite3_finalize(c->site_get);
    sqlite3_finalize(c->obs_up);
    idmap_free(&c->series);
    idmap_free(&c->sites);
}

static int commit_open(struct commit *c, struct pt_run *r, struct pt_err *err)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->st = r->host->store;
    int rc;
    if ((rc = pt_store_prepare(c->st,
                               "INSERT INTO series (name, unit) VALUES (?1, ?2) "
                               "ON CONFLICT (name) DO NOTHING",
                               &c->series_ins, err)) ||
        (rc = pt_store_prepare(c->st, "SELECT id, unit FROM series WHERE name = ?",
                               &c->series_get, err)) ||
        (rc = pt_store_prepare(c->st,
                               "INSERT INTO sites (code) VALUES (?) ON CONFLICT DO NOTHING",
                               &c->site_ins, err)) ||
        (rc = pt_store_prepare(c->st, "SELECT id FROM sites WHERE code = ?", &c->site_get,
                               err)) ||
        /* A delivery of the same value changes nothing; another value
         * updates the row and the trigger of db/002 keeps the old one. */
        (rc = pt_store_prepare(
             c->st,
             "INSERT INTO observations (time, series_id, site_id, value, text, unit, flags, "
             "source, run_id) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (time, series_id, site_id) "
             "DO UPDATE SET value = excluded.value, text = excluded.text, unit = excluded.unit, "
             "flags = excluded.flags, source = excluded.source, run_id = excluded.run_id "
             "WHERE observations.value IS NOT excluded.value OR observations.text IS NOT "
             "excluded.text OR observations.flags IS NOT excluded.flags OR observations.unit "
             "IS NOT excluded.unit",
             &c->obs_up, err))) {
        commit_close(c);
        return rc;
    }
    return 0;
}

/* Inserts name if new (ins binds ?1 = name, and ?2 = unit for series), then
 * reads its row back through get. */
static int lookup_id(struct commit *c, sqlite3_stmt *ins, sqlite3_stmt *get, const char *name,
                     const char *unit, struct idmap *map, struct idslot **out,
                     struct pt_err *err)
{
    if ((*out = idmap_get(map, name)))
        return 0;
    sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
    if (unit)
        sqlite3_bind_text(ins, 2, unit, -1, SQLITE_STATIC);
    int rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (rc != SQLITE_DONE)
        return pt_store_fail(c->st, err, "registering a series or site");
    sqlite3_bind_text(get, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(get) != SQLITE_ROW) {
        sqlite3_reset(get);
        return pt_store_fail(c->st, err, "reading a series or site");
    }
    struct idslot *slot = idmap_put(map, name);
    if (!slot) {
        sqlite3_reset(get);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    slot->id = sqlite3_column_int64(get, 0);
    /* the first unit a series is seen in becomes its unit */
    if (unit && !(slot->unit = strdup((const char *)sqlite3_column_text(get, 1)))) {
        sqlite3_reset(get);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    sqlite3_reset(get);
    *out = slot;
    return 0;
}

/* An observation ready to write: ids resolved, value in its series' unit. */
struct row {
    int64_t time;
    long long series, site;
    double value;
    const char *unit; /* the series' unit, owned by the idmap */
    const struct obs_copy *o;
    int seq; /* emission order: of two rows with one key, the later wins */
};

static int resolve_obs(struct commit *c, const struct obs_copy *o, int seq, struct row *row,
                       struct pt_err *err)
{
    struct idslot *series = c->last_series, *site = c->last_site;
    int rc;
    /* consecutive records mostly share a series or a site */
    if (!series || strcmp(series->key, o->series) != 0) {
        if ((rc = lookup_id(c, c->series_ins, c->series_get, o->series, o->unit, &c->series,
                            &series, err)))
            return rc;
        c->last_series = series;
    }
    if (!site || strcmp(site->key, o->site) != 0) {
        if ((rc = lookup_id(c, c->site_ins, c->site_get, o->site, NULL, &c->sites, &site,
                            err)))
            return rc;
        c->last_site = site;
    }
    row->value = o->value;
    if (o->has_value && strcmp(o->unit, series->unit) != 0) {
        struct pt_err uerr;
        if (pt_unit_convert(o->value, o->unit, series->unit, &row->value, &uerr))
            return pt_err_set(err, PT_EUNIT, "series %s, site %s, time %lld: %s", o->series,
                              o->site, (long long)o->time, uerr.msg);
    }
    row->time = o->time;
    row->series = series->id;
    row->site = site->id;
    row->unit = series->unit;
    row->o = o;
    row->seq = seq;
    return 0;
}

/* The table's key order: rows written in it touch each B-tree page once. */
static int row_cmp(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->series != b->series)
        return a->series < b->series ? -1 : 1;
    if (a->site != b->site)
        return a->site < b->site ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static int write_row(struct commit *c, const struct row *row, int *written, struct pt_err *err)
{
    const struct obs_copy *o = row->o;
    sqlite3_stmt *s = c->obs_up;
    sqlite3_bind_int64(s, 1, row->time);
    sqlite3_bind_int64(s, 2, row->series);
    sqlite3_bind_int64(s, 3, row->site);
    if (o->has_value)
        sqlite3_bind_double(s, 4, row->value);
    else
        sqlite3_bind_null(s, 4);
    if (o->text)
        sqlite3_bind_text(s, 5, o->text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, row->unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, o->flags);
    sqlite3_bind_text(s, 8, c->r->inst->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, c->r->row);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return pt_store_fail(c->st, err, "writing an observation");
    *written += sqlite3_changes(pt_store_db(c->st)) > 0;
    return 0;
}

/* Resolves every observation of a unit, then writes them in key order. */
static int commit_observations(struct commit *c, const struct unit *u, int *written,
                               struct pt_err *err)
{
    struct row *rows = malloc((size_t)u->nobs * sizeof *rows);
    if (!rows)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    int rc = 0;
    for (int i = 0; !rc && i < u->nobs; i++)
        rc = resolve_obs(c, &u->obs[i], i, &rows[i], err);
    if (!rc)
        qsort(rows, (size_t)u->nobs, sizeof *rows, row_cmp);
    for (int i = 0; !rc && i < u->nobs; i++)
        rc = write_row(c, &rows[i], written, err);
    free(rows);
    return rc;
}

static const struct pt_indicator *resolve(const struct pt_catalogue *cat, const char *plan,
                                          const char *ref, const struct pt_plan **p,
                                          struct pt_err *err)
{
    if (!cat) {
        pt_err_set(err, PT_ENOTFOUND, "no catalogue is loaded");
        return NULL;
    }
    const struct pt_indicator *ind = pt_catalogue_find(cat, plan && *plan ? plan : NULL, ref, err);
    if (ind)
        *p = pt_catalogue_plan(cat, ind->plan_id);
    return ind;
}

static int commit_actual(struct pt_run *r, const struct actual_copy *a, int *written,
                         struct pt_err *err)
{
    const struct pt_plan *plan;
    const struct pt_indicator *ind = resolve(r->host->cat, a->plan, a->indicator, &plan, err);
    if (!ind)
        return err->code;
    struct pt_actual_in in = {.period = a->period,
                              .provisional = a->provisional,
                              .as_of = a->provisional ? a->as_of : NULL,
                              .value = a->value,
                              .unit = a->unit[0] ? a->unit : NULL,
                              .source = a->source,
                              .provenance = a->provenance,
                              .run_id = r->row};
    int vintage, added;
    int rc = pt_actual_record(r->host->store, plan, ind, &in, &vintage, &added, err);
    if (!rc && added)
        (*written)++;
    return rc;
}

static int commit_state(struct pt_run *r, const struct pt_unit_commit *c, const char *now,
                        struct pt_err *err)
{
    struct pt_store *st = r->host->store;
    sqlite3_stmt *s;
    int rc;
    if (c && c->cursor) {
        if ((rc = pt_store_prepare(st,
                                   "INSERT INTO cursors (instance, cursor, updated_at) "
                                   "VALUES (?,?,?) ON CONFLICT (instance) DO UPDATE SET "
                                   "cursor = excluded.cursor, updated_at = excluded.updated_at "
                                   "WHERE cursors.cursor IS NOT excluded.cursor",
                                   &s, err)))
            return rc;
        sqlite3_bind_text(s, 1, r->inst->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, c->cursor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return pt_store_fail(st, err, "writing the cursor");
    }
    if (c && c->url) {
        struct validator *v = r->validators;
        while (v && strcmp(v->url, c->url) != 0)
            v = v->next;
        if (!v)
            return 0; /* a 304, or the plugin named a URL it did not fetch */
        if ((rc = pt_store_prepare(
                 st,
                 "INSERT INTO http_validators (instance, url, etag, last_modified, updated_at) "
                 "VALUES (?,?,?,?,?) ON CONFLICT (instance, url) DO UPDATE SET etag = "
                 "excluded.etag, last_modified = excluded.last_modified, updated_at = "
                 "excluded.updated_at WHERE http_validators.etag IS NOT excluded.etag OR "
                 "http_validators.last_modified IS NOT excluded.last_modified",
                 &s, err)))
            return rc;
        sqlite3_bind_text(s, 1, r->inst->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, v->url, -1, SQLITE_STATIC);
        if (v->etag)
            sqlite3_bind_text(s, 3, v->etag, -1, SQLITE_STATIC);
        if (v->last_modified)
            sqlite3_bind_text(s, 4, v->last_modified, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return pt_store_fail(st, err, "writing the URL's validators");
    }
    return 0;
}

/* One transaction: every record, the cursor, the validators; or nothing. */
static int unit_commit_tx(struct pt_run *r, struct unit *u, const struct pt_unit_commit *c,
                          int *nobs, int *nact, struct pt_err *err)
{
    struct pt_store *st = r->host->store;
    char now[32];
    pt_store_now(now);
    int rc = pt_store_begin(st, err);
    if (rc)
        return rc;
    struct commit cm;
    if (u->nobs && (rc = commit_open(&cm, r, err))) {
        pt_store_rollback(st);
        return rc;
    }
    if (u->nobs) {
        rc = commit_observations(&cm, u, nobs, err);
        commit_close(&cm);
    }
    for (int i = 0; !rc && i < u->nact; i++)
        rc = commit_actual(r, &u->act[i], nact, err);
    if (!rc)
        rc = commit_state(r, c, now, err);
    if (!rc)
        rc = pt_store_commit(st, err);
    if (rc) {
        pt_store_rollback(st);
        *nobs = *nact = 0;
    }
    return rc;
}

/* ---- the host functions ------------------------------------------------ */

static void host_log(uint64_t run, int level, const char *message)
{
    struct pt_run *r = find_run(run);
    const char *name = r ? r->inst->name : "?";
    if (level < PTP_LOG_ERROR || level > PTP_LOG_DEBUG)
        level = PTP_LOG_INFO;
    pt_log((enum pt_log_level)level, "plugin", 0, "feed %s: %s", name,
           message ? message : "(null)");
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void fetch_done(void *data, int rc, const struct pt_http_resp *resp,
                       const struct pt_err *err)
{
    struct fetch *f = data;
    struct pt_run *r = f->run;
    if (!rc && resp && !resp->not_modified && (resp->etag || resp->last_modified)) {
        struct validator *v = calloc(1, sizeof *v);
        if (v && (v->url = strdup(f->url))) {
            v->etag = dup_or_null(resp->etag);
            v->last_modified = dup_or_null(resp->last_modified);
            v->next = r->validators;
            r->validators = v;
        } else {
            free(v);
        }
    }
    struct pt_fetch_result res = {.size = sizeof res, .url = f->url};
    if (rc && rc != PT_ECANCELED && !r->done)
        run_note(r, "%s", err ? err->msg : "a fetch failed");
    if (!rc && resp) {
        res.status = resp->status;
        res.not_modified = resp->not_modified;
        res.body = resp->body;
        res.len = resp->len;
        res.effective_url = resp->effective_url;
    } else {
        res.error = err ? err->msg : "fetch failed";
    }
    int prc = rc == 0                ? PTP_OK
              : rc == PT_ECANCELED  ? PTP_ECANCELED
              : rc == PT_ENOMEM     ? PTP_ENOMEM
                                    : PTP_EIO;
    /* A run abandoned at shutdown gets no more callbacks into the plugin.
     * pending drops only after the callback, so that a done() inside it
     * cannot free the run under our feet. */
    if (!r->done)
        f->cb(f->data, f->run_id, prc, &res);
    r->pending--;
    free(f->url);
    free(f);
    run_maybe_free(r);
}

static int host_fetch(uint64_t run, const struct pt_fetch_req *req, pt_fetch_cb cb, void *data)
{
    struct pt_run *r = live_run(run);
    if (!r || !req || req->size < offsetof(struct pt_fetch_req, conditional) + sizeof(int) ||
        !req->url || !cb)
        return PTP_EINVAL;
    char etag[512] = "", lm[128] = "";
    if (req->conditional) {
        sqlite3_stmt *s;
        struct pt_err err;
        if (pt_store_prepare(r->host->store,
                             "SELECT etag, last_modified FROM http_validators "
                             "WHERE instance = ? AND url = ?",
                             &s, &err) == 0) {
            sqlite3_bind_text(s, 1, r->inst->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, req->url, -1, SQLITE_STATIC);
            if (sqlite3_step(s) == SQLITE_ROW) {
                const char *e = (const char *)sqlite3_column_text(s, 0);
                const char *l = (const char *)sqlite3_column_text(s, 1);
                snprintf(etag, sizeof etag, "%s", e ? e : "");
                snprintf(lm, sizeof lm, "%s", l ? l : "");
            }
            sqlite3_finalize(s);
        }
    }
    struct fetch *f = calloc(1, sizeof *f);
    if (!f || !(f->url = strdup(req->url))) {
        free(f);
        return PTP_ENOMEM;
    }
    f->run = r;
    f->run_id = run;
    f->cb = cb;
    f->data = data;
    struct pt_http_req hr = {.url = req->url,
                             .etag = etag[0] ? etag : NULL,
                             .last_modified = lm[0] ? lm : NULL};
    /* ABI 1.1 added headers: read them only from a plugin that knows them */
    if (req->size >= offsetof(struct pt_fetch_req, headers) + sizeof req->headers)
        hr.headers = req->headers;
    struct pt_err err;
    if (pt_http_fetch(r->host->http, &hr, fetch_done, f, &err)) {
        run_note(r, "%s", err.msg);
        free(f->url);
        free(f);
        return PTP_EIO;
    }
    r->pending++;
    return PTP_OK;
}

static int host_cursor(uint64_t run, char *buf, size_t cap)
{
    struct pt_run *r = live_run(run);
    if (!r || !buf || !cap)
        return PTP_EINVAL;
    buf[0] = '\0';
    sqlite3_stmt *s;
    struct pt_err err;
    if (pt_store_prepare(r->host->store, "SELECT cursor FROM cursors WHERE instance = ?", &s,
                         &err))
        return PTP_ESTORE;
    sqlite3_bind_text(s, 1, r->inst->name, -1, SQLITE_STATIC);
    int rc = PTP_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(s, 0);
        if (c && strlen(c) >= cap)
            rc = PTP_ERANGE;
        else
            snprintf(buf, cap, "%s", c ? c : "");
    }
    sqlite3_finalize(s);
    return rc;
}

static uint64_t host_unit_begin(uint64_t run, const char *name)
{
    struct pt_run *r = live_run(run);
    if (!r)
        return 0;
    struct unit *u = calloc(1, sizeof *u);
    if (!u)
        return 0;
    u->id = ++r->host->next_id;
    snprintf(u->name, sizeof u->name, "%s", name ? name : "(unnamed)");
    u->next = r->units;
    r->units = u;
    return u->id;
}

/* The first refusal poisons the unit: it will not commit. */
static int refuse(struct unit *u, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct unit *u, int code, const char *fmt, ...)
{
    if (!u->refused[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(u->refused, sizeof u->refused, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int bounded(const char *s, size_t max)
{
    return s && *s && strlen(s) < max;
}

static int host_emit_observation(uint64_t unit, const struct pt_obs *o)
{
    struct pt_run *r;
    struct unit *u = find_unit(unit, &r);
    if (!u || !o || o->size < offsetof(struct pt_obs, flags) + sizeof(uint32_t))
        return PTP_EINVAL;
    if (!bounded(o->series, 64) || !pt_is_slug(o->series))
        return refuse(u, PTP_EINVAL, "an observation with series \"%.64s\": not a series name",
                      o->series ? o->series : "");
    if (!bounded(o->site, 64))
        return refuse(u, PTP_EINVAL, "series %s: an observation without a site", o->series);
    /* 1990-01-01 … 2100-01-01: anything else is a broken clock or parser. */
    if (o->time < 631152000 || o->time > 4102444800LL)
        return refuse(u, PTP_ERANGE, "series %s, site %s: time %lld is implausible", o->series,
                      o->site, (long long)o->time);
    if (o->has_value && !isfinite(o->value))
        return refuse(u, PTP_EINVAL, "series %s, site %s: value is not finite", o->series,
                      o->site);
    /* A feed emits millions of rows in a handful of units: remember the
     * last one looked up rather than scan the unit table each time. */
    static char last_in[32];
    static const struct pt_unit *last_unit;
    const struct pt_unit *un = NULL;
    if (o->unit && last_unit && strcmp(o->unit, last_in) == 0)
        un = last_unit;
    else if (o->unit && (un = pt_unit_find(o->unit)) && strlen(o->unit) < sizeof last_in) {
        memcpy(last_in, o->unit, strlen(o->unit) + 1);
        last_unit = un;
    }
    if (!un)
        return refuse(u, PTP_EUNIT, "series %s, site %s: unknown unit \"%.32s\"", o->series,
                      o->site, o->unit ? o->unit : "");
    if (o->text && strlen(o->text) > 256)
        return refuse(u, PTP_EINVAL, "series %s, site %s: text longer than 256 bytes", o->series,
                      o->site);
    if (u->nobs == u->capobs) {
        int cap = u->capobs ? u->capobs * 2 : 256;
        struct obs_copy *g = realloc(u->obs, (size_t)cap * sizeof *g);
        if (!g)
            return refuse(u, PTP_ENOMEM, "out of memory");
        u->obs = g;
        u->capobs = cap;
    }
    struct obs_copy *c = &u->obs[u->nobs];
    /* lengths checked above: these copies fit with their NUL */
    memcpy(c->series, o->series, strlen(o->series) + 1);
    memcpy(c->site, o->site, strlen(o->site) + 1);
    memcpy(c->unit, un->name, strlen(un->name) + 1);
    c->time = o->time;
    c->has_value = o->has_value;
    c->value = o->has_value ? o->value : 0;
    c->text = NULL;
    c->flags = o->flags;
    if (o->text && !(c->text = strdup(o->text)))
        return refuse(u, PTP_ENOMEM, "out of memory");
    u->nobs++;
    return PTP_OK;
}

static int host_emit_actual(uint64_t unit, const struct pt_actual_rec *a)
{
    struct pt_run *r;
    struct unit *u = find_unit(unit, &r);
    if (!u || !a || a->size < offsetof(struct pt_actual_rec, provenance) + sizeof(char *))
        return PTP_EINVAL;
    if (!bounded(a->indicator, 65) || !bounded(a->period, 8) ||
        (a->plan && strlen(a->plan) >= 65) || (a->unit && strlen(a->unit) >= 32) ||
        (a->as_of && strlen(a->as_of) >= 11))
        return refuse(u, PTP_EINVAL, "an actual with a missing or overlong field");
    struct pt_err err;
    const struct pt_plan *plan;
    const struct pt_indicator *ind = resolve(r->host->cat, a->plan, a->indicator, &plan, &err);
    if (!ind)
        return refuse(u, PTP_ENOTFOUND, "%s", err.msg);
    struct pt_actual_in in = {.period = a->period,
                              .provisional = a->provisional,
                              .as_of = a->as_of,
                              .value = a->value,
                              .unit = a->unit};
    double v;
    int rc = pt_actual_check(plan, ind, &in, &v, &err);
    if (rc)
        return refuse(u, rc == PT_EUNIT ? PTP_EUNIT : PTP_EINVAL, "%s", err.msg);
    if (u->nact == u->capact) {
        int cap = u->capact ? u->capact * 2 : 16;
        struct actual_copy *g = realloc(u->act, (size_t)cap * sizeof *g);
        if (!g)
            return refuse(u, PTP_ENOMEM, "out of memory");
        u->act = g;
        u->capact = cap;
    }
    struct actual_copy *c = &u->act[u->nact];
    memset(c, 0, sizeof *c);
    snprintf(c->plan, sizeof c->plan, "%s", ind->plan_id);
    snprintf(c->indicator, sizeof c->indicator, "%s", ind->id);
    snprintf(c->period, sizeof c->period, "%s", a->period);
    c->provisional = a->provisional;
    snprintf(c->as_of, sizeof c->as_of, "%s", a->as_of ? a->as_of : "");
    c->value = a->value;
    snprintf(c->unit, sizeof c->unit, "%s", a->unit ? a->unit : "");
    c->source = strdup(a->source && *a->source ? a->source : r->inst->name);
    c->provenance = dup_or_null(a->provenance);
    if (!c->source || (a->provenance && !c->provenance)) {
        free(c->source);
        free(c->provenance);
        return refuse(u, PTP_ENOMEM, "out of memory");
    }
    u->nact++;
    return PTP_OK;
}

static int host_unit_commit(uint64_t unit, const struct pt_unit_commit *c)
{
    struct pt_run *r;
    struct unit *u = find_unit(unit, &r);
    if (!u)
        return PTP_EINVAL;
    /* Read only the members the plugin's struct has, whole. */
    struct pt_unit_commit cc = {0};
    if (c && c->size >= offsetof(struct pt_unit_commit, cursor) + sizeof c->cursor)
        cc.cursor = c->cursor;
    if (c && c->size >= offsetof(struct pt_unit_commit, url) + sizeof c->url)
        cc.url = c->url;
    int rc = 0;
    struct pt_err err;
    int nobs = 0, nact = 0;
    if (u->refused[0]) {
        run_note(r, "unit %s refused: %s", u->name, u->refused);
        rc = PTP_EINVAL;
    } else if ((rc = unit_commit_tx(r, u, &cc, &nobs, &nact, &err))) {
        run_note(r, "unit %s not committed: %s", u->name, err.msg);
        rc = rc == PT_EUNIT ? PTP_EUNIT : rc == PT_ENOTFOUND ? PTP_ENOTFOUND : PTP_ESTORE;
    }
    if (rc) {
        r->units_failed++;
        pt_log_warnx("feed %s: unit %s: %s", r->inst->name, u->name,
                     u->refused[0] ? u->refused : err.msg);
    } else {
        r->units_ok++;
        r->observations += nobs;
        r->actuals += nact;
        pt_log_debug("feed %s: unit %s committed: %d observations, %d actuals written",
                     r->inst->name, u->name, nobs, nact);
    }
    unit_unlink(r, u);
    return rc;
}

static void host_unit_abort(uint64_t unit, const char *reason)
{
    struct pt_run *r;
    struct unit *u = find_unit(unit, &r);
    if (!u)
        return;
    /* The host's own refusal says why a record was refused; the plugin's
     * reason says where. */
    const char *why = reason && *reason ? reason : "aborted";
    run_note(r, "unit %s failed: %s%s%s", u->name, why, u->refused[0] ? ": " : "", u->refused);
    pt_log_warnx("feed %s: unit %s failed: %s%s%s", r->inst->name, u->name, why,
                 u->refused[0] ? ": " : "", u->refused);
    r->units_failed++;
    unit_unlink(r, u);
}

/* Rows of one query, as the plugin sees them. */
static int query_rows(sqlite3_stmt *s, const char *series, pt_obs_row_cb row, void *data,
                      int *rc)
{
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct pt_obs o = {.size = sizeof o,
                           .series = series,
                           .site = (const char *)sqlite3_column_text(s, 5),
                           .time = sqlite3_column_int64(s, 0),
                           .has_value = sqlite3_column_type(s, 1) != SQLITE_NULL,
                           .value = sqlite3_column_double(s, 1),
                           .text = (const char *)sqlite3_column_text(s, 2),
                           .unit = (const char *)sqlite3_column_text(s, 4),
                           .flags = (uint32_t)sqlite3_column_int64(s, 3)};
        if ((*rc = row(data, &o)))
            return 0;
    }
    return step == SQLITE_DONE;
}

static int host_query_observations(uint64_t run, const struct pt_obs_query *q,
                                   pt_obs_row_cb row, void *data)
{
    struct pt_run *r = live_run(run);
    if (!r || !q || q->size < offsetof(struct pt_obs_query, to) + sizeof(int64_t) ||
        !q->series || !row || q->from > q->to)
        return PTP_EINVAL;
    int64_t step = q->size >= offsetof(struct pt_obs_query, step) + sizeof q->step ? q->step : 0;
    /* a step asks for at most a year of hours at a time */
    if (step < 0 || (step > 0 && (q->to - q->from) / step > 366 * 24))
        return PTP_EINVAL;
    sqlite3_stmt *s;
    struct pt_err err;
    /* The table is keyed by (time, series, site), the order feeds arrive
     * in: a time range alone scans every series in it. With a step, each
     * instant is one seek on (time, series). */
    if (pt_store_prepare(r->host->store,
                         step ? "SELECT o.time, o.value, o.text, o.flags, s.unit, t.code FROM "
                                "observations o JOIN series s ON s.id = o.series_id JOIN sites "
                                "t ON t.id = o.site_id WHERE o.time = ?3 AND s.name = ?1 AND "
                                "(?2 IS NULL OR t.code = ?2) ORDER BY t.code"
                              : "SELECT o.time, o.value, o.text, o.flags, s.unit, t.code FROM "
                                "observations o JOIN series s ON s.id = o.series_id JOIN sites "
                                "t ON t.id = o.site_id WHERE s.name = ?1 AND (?2 IS NULL OR "
                                "t.code = ?2) AND o.time BETWEEN ?3 AND ?4 ORDER BY o.time, "
                                "t.code",
                         &s, &err))
        return PTP_ESTORE;
    sqlite3_bind_text(s, 1, q->series, -1, SQLITE_STATIC);
    if (q->site)
        sqlite3_bind_text(s, 2, q->site, -1, SQLITE_STATIC);
    int rc = PTP_OK, ok = 1;
    if (step) {
        for (int64_t t = q->from; ok && !rc && t <= q->to; t += step) {
            sqlite3_bind_int64(s, 3, t);
            ok = query_rows(s, q->series, row, data, &rc);
            sqlite3_reset(s);
        }
    } else {
        sqlite3_bind_int64(s, 3, q->from);
        sqlite3_bind_int64(s, 4, q->to);
        ok = query_rows(s, q->series, row, data, &rc);
    }
    sqlite3_finalize(s);
    return !rc && !ok ? PTP_ESTORE : rc;
}

static int host_query_actuals(uint64_t run, const char *plan, const char *indicator,
                              pt_actual_row_cb row, void *data)
{
    struct pt_run *r = live_run(run);
    if (!r || !indicator || !row)
        return PTP_EINVAL;
    struct pt_err err;
    const struct pt_plan *p;
    const struct pt_indicator *ind = resolve(r->host->cat, plan, indicator, &p, &err);
    if (!ind)
        return PTP_ENOTFOUND;
    struct pt_actual_row *rows;
    int n;
    if (pt_actual_list(r->host->store, ind->key, &rows, &n, &err))
        return PTP_ESTORE;
    int rc = PTP_OK;
    for (int i = 0; i < n && !rc; i++) {
        struct pt_actual_rec a = {.size = sizeof a,
                                  .plan = ind->plan_id,
                                  .indicator = ind->id,
                                  .period = rows[i].period,
                                  .provisional = rows[i].provisional,
                                  .as_of = rows[i].provisional ? rows[i].as_of : NULL,
                                  .value = rows[i].value,
                                  .unit = ind->unit,
                                  .source = rows[i].source,
                                  .provenance = rows[i].provenance[0] ? rows[i].provenance : NULL};
        rc = row(data, &a);
    }
    free(rows);
    return rc;
}

static void host_done(uint64_t run, int status, const char *message)
{
    struct pt_run *r = live_run(run);
    if (r)
        run_finish(r, status, message);
}

static int host_supplies(const char *instance, const char *plan, const char *indicator)
{
    struct pt_instance *inst = host_env ? host_env->initialising : NULL;
    if (!inst || !instance || strcmp(instance, inst->name) != 0)
        return PTP_EINVAL;
    if ((plan && !bounded(plan, sizeof inst->supplies[0].plan)) ||
        !bounded(indicator, sizeof inst->supplies[0].indicator))
        return PTP_EINVAL;
    if (inst->nsupplies == (int)(sizeof inst->supplies / sizeof inst->supplies[0]))
        return PTP_ERANGE;
    struct pt_supply *sp = &inst->supplies[inst->nsupplies++];
    snprintf(sp->plan, sizeof sp->plan, "%s", plan ? plan : "");
    snprintf(sp->indicator, sizeof sp->indicator, "%s", indicator);
    return PTP_OK;
}

int pt_host_publish_supplies(struct pt_hostenv *h, struct pt_err *err)
{
    struct pt_store *st = h->store;
    sqlite3_stmt *ins = NULL;
    int rc = pt_store_begin(st, err);
    if (rc)
        return rc;
    if ((rc = pt_store_exec(st, "DELETE FROM feed_indicators", err,
                            "clearing which feed supplies an indicator")) ||
        (rc = pt_store_prepare(st,
                               "INSERT OR REPLACE INTO feed_indicators (indicator_key, instance, "
                               "plugin) VALUES (?, ?, ?)",
                               &ins, err)))
        goto fail;
    for (struct pt_instance *i = h->instances; i; i = i->next) {
        if (i->retired)
            continue;
        for (int k = 0; k < i->nsupplies; k++) {
            const struct pt_plan *p;
            struct pt_err rerr;
            const struct pt_indicator *ind =
                resolve(h->cat, i->supplies[k].plan, i->supplies[k].indicator, &p, &rerr);
            if (!ind) {
                pt_log_warnx("feed %s: declares indicator %s%s%s: %s", i->name,
                             i->supplies[k].plan, i->supplies[k].plan[0] ? "/" : "",
                             i->supplies[k].indicator, rerr.msg);
                continue;
            }
            sqlite3_bind_int64(ins, 1, ind->key);
            sqlite3_bind_text(ins, 2, i->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, i->plugin, -1, SQLITE_STATIC);
            int step = sqlite3_step(ins);
            sqlite3_reset(ins);
            if (step != SQLITE_DONE) {
                rc = pt_store_fail(st, err, "recording which feed supplies an indicator");
                goto fail;
            }
        }
    }
    sqlite3_finalize(ins);
    return pt_store_commit(st, err);
fail:
    sqlite3_finalize(ins);
    pt_store_rollback(st);
    return rc;
}

static const struct pt_host host_table = {
    .size = sizeof(struct pt_host),
    .abi_major = PT_PLUGIN_ABI_MAJOR,
    .abi_minor = PT_PLUGIN_ABI_MINOR,
    .log = host_log,
    .fetch = host_fetch,
    .cursor = host_cursor,
    .unit_begin = host_unit_begin,
    .emit_observation = host_emit_observation,
    .emit_actual = host_emit_actual,
    .unit_commit = host_unit_commit,
    .unit_abort = host_unit_abort,
    .query_observations = host_query_observations,
    .query_actuals = host_query_actuals,
    .done = host_done,
    .supplies = host_supplies,
};

const struct pt_host *pt_host_table(void)
{
    return &host_table;
}

/* ---- instances and runs ------------------------------------------------ */

void pt_host_init(struct pt_hostenv *h, uv_loop_t *loop, struct pt_store *st,
                  struct pt_http *http, struct pt_catalogue *cat)
{
    memset(h, 0, sizeof *h);
    h->loop = loop;
    h->store = st;
    h->http = http;
    h->cat = cat;
    host_env = h;
}

int pt_host_instance_new(struct pt_hostenv *h, const struct pt_feed_conf *fc,
                         const struct pt_plugin_lib *lib, struct pt_generation *gen,
                         const char *settings, struct pt_instance **out, struct pt_err *err)
{
    *out = NULL;
    struct pt_instance *inst = calloc(1, sizeof *inst);
    if (!inst)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    snprintf(inst->name, sizeof inst->name, "%s", fc->name);
    snprintf(inst->plugin, sizeof inst->plugin, "%s", fc->plugin);
    snprintf(inst->schedule, sizeof inst->schedule, "%s", fc->schedule);
    inst->p = lib->desc;
    inst->gen = gen;
    inst->host = h;
    char msg[512] = "";
    h->initialising = inst;
    int rc = inst->p->init(pt_host_table(), inst->name, settings, &inst->state, msg, sizeof msg);
    h->initialising = NULL;
    if (rc) {
        free(inst);
        msg[sizeof msg - 1] = '\0';
        return pt_err_set(err, PT_ECONFIG, "feed %s: plugin %s refused to start: %s", fc->name,
                          fc->plugin, msg[0] ? msg : "no reason given");
    }
    gen->refs++;
    inst->next = h->instances;
    h->instances = inst;
    *out = inst;
    return 0;
}

struct pt_generation *pt_host_instance_free(struct pt_hostenv *h, struct pt_instance *inst)
{
    for (struct pt_instance **p = &h->instances; *p; p = &(*p)->next)
        if (*p == inst) {
            *p = inst->next;
            break;
        }
    inst->p->fini(inst->state);
    struct pt_generation *gen = inst->gen;
    free(inst);
    return --gen->refs == 0 ? gen : NULL;
}

int pt_host_collect(struct pt_hostenv *h, struct pt_instance *inst, struct pt_err *err)
{
    if (inst->run)
        return pt_err_set(err, PT_EBUSY, "feed %s is still collecting", inst->name);
    struct pt_run *r = calloc(1, sizeof *r);
    if (!r)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    r->id = ++h->next_id;
    r->inst = inst;
    r->host = h;
    char now[32];
    pt_store_now(now);
    sqlite3_stmt *s;
    int rc = pt_store_prepare(h->store,
                              "INSERT INTO runs (plugin, instance, started_at, status) "
                              "VALUES (?, ?, ?, 'running')",
                              &s, err);
    if (rc) {
        free(r);
        return rc;
    }
    sqlite3_bind_text(s, 1, inst->plugin, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, inst->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(r);
        return pt_store_fail(h->store, err, "starting a run record");
    }
    r->row = sqlite3_last_insert_rowid(pt_store_db(h->store));
    r->next = h->runs;
    h->runs = r;
    inst->run = r;
    inst->last_start = time(NULL);
    pt_log_info("feed %s: run %lld started (plugin %s %s)", inst->name, r->row, inst->p->name,
                inst->p->version);
    /* Held across the call: a plugin that calls done() and then returns an
     * error must not leave us reading a freed run. */
    r->pending++;
    rc = inst->p->collect(inst->state, r->id);
    if (rc && !r->done) {
        char why[64];
        snprintf(why, sizeof why, "the plugin could not start collecting (code %d)", rc);
        run_finish(r, PT_EIO, why);
    }
    r->pending--;
    run_maybe_free(r);
    return 0;
}

int pt_host_running(const struct pt_hostenv *h)
{
    int n = 0;
    for (const struct pt_run *r = h->runs; r; r = r->next)
        n += !r->done;
    return n;
}

void pt_host_abandon(struct pt_hostenv *h, const char *why)
{
    struct pt_run *r = h->runs;
    while (r) {
        struct pt_run *next = r->next;
        if (!r->done)
            run_finish(r, PT_ECANCELED, why);
        r = next;
    }
}
