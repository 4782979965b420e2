/* plantrackd: the daemon. One libuv loop runs everything: the schedule of
 * each feed instance, their collections (through the plugin host and the
 * asynchronous HTTP client), the evaluation job after the night's
 * collections, signals and systemd notifications. --once runs every feed
 * now, evaluates and exits; --check-config validates and exits. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "alert.h"
#include "assess.h"
#include "catalogue.h"
#include "config.h"
#include "cron.h"
#include "host.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "mail.h"
#include "mailer.h"
#include "notify.h"
#include "store.h"

static const char usage[] =
    "NAME\n"
    "    plantrackd - collect the bureaus' data and keep a five-year plan honest\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrackd [--config FILE] [--once | --check-config] [--log-level LEVEL]\n"
    "\n"
    "DESCRIPTION\n"
    "    plantrackd loads the feed plugins of its plugin folder, creates one instance\n"
    "    per configured feed and runs each on its schedule (5-field cron, in the\n"
    "    configured time zone). Each instance's collection fetches its sources,\n"
    "    and commits every source unit (a file, an hour, a release) with the\n"
    "    instance's cursor in one transaction. When the night's collections are\n"
    "    done, the evaluation job judges every indicator against its plan, moves\n"
    "    its alerts (behind the path, projection misses the target, target missed,\n"
    "    data overdue) and queues at most one digest per bureau in the outbox, in\n"
    "    the same transaction; the mailer then delivers the outbox by SMTP or into\n"
    "    a spool folder, retrying with backoff. A message is marked sent only after\n"
    "    it was delivered: after a crash it goes again, same bytes, same Message-ID.\n"
    "\n"
    "    A run missed while the daemon was down is caught up once at start. The\n"
    "    same feed never runs twice at once. The wall clock is re-read at least\n"
    "    once a minute, so a clock step or a suspend does not lose a run.\n"
    "\n"
    "OPTIONS\n"
    "    --config FILE       the configuration (default " PT_CONFIG_DEFAULT ")\n"
    "    --once              run every feed now, evaluate, deliver the outbox once,\n"
    "                        and exit\n"
    "    --check-config      validate the configuration, the catalogues, the plugins,\n"
    "                        every feed's settings, the mail templates and the\n"
    "                        mail settings (the password secret, the spool\n"
    "                        folder; no mail is sent); print each problem with\n"
    "                        its file and JSON path; exit\n"
    "    --log-level LEVEL   error, warning, info or debug (overrides the file)\n"
    "    --version           print the version and exit\n"
    "    -h, --help          this text\n"
    "\n"
    "SIGNALS\n"
    "    SIGTERM, SIGINT  stop taking new work; collections in flight get the\n"
    "                     configured grace period (shutdown_grace, 30 s) to finish,\n"
    "                     then their open units are abandoned uncommitted; exit 0\n"
    "    SIGHUP           re-read the configuration, catalogues and plugins; if any\n"
    "                     is invalid, say why and keep running the old ones; runs in\n"
    "                     flight finish on the plugins they started with\n"
    "\n"
    "EXIT STATUS\n"
    "    --once: 0 when every feed succeeded and every message was delivered, 1\n"
    "    when a feed failed (the others still commit), the alerts could not be\n"
    "    moved and their messages queued (the log says why), or a message could\n"
    "    not be delivered (it stays in the outbox for the next run), 2 on a\n"
    "    configuration error. --check-config: 0 valid, 2 invalid.\n"
    "    The daemon: 0 after SIGTERM, 2 on a configuration error at start.\n"
    "\n"
    "ENVIRONMENT\n"
    "    NOTIFY_SOCKET, WATCHDOG_USEC   set by systemd (Type=notify, WatchdogSec)\n"
    "    CREDENTIALS_DIRECTORY          systemd credentials named by the configuration\n"
    "    JOURNAL_STREAM                 log lines carry syslog priorities for journald\n"
    "    http_proxy, https_proxy, no_proxy   proxies for feed requests\n"
    "\n"
    "FILES\n"
    "    " PT_CONFIG_DEFAULT "   the configuration (config/README.md)\n"
    "    " PT_PLUGIN_DIR "   plugins (*.so)\n"
    "\n"
    "SEE ALSO\n"
    "    plantrack(1)\n";

/* A feed instance with its schedule. */
struct slot {
    struct pt_instance *inst;
    struct pt_cron cron;
    time_t next;     /* next wall-clock fire time; 0 = not scheduled */
    time_t due;      /* fired, to start at this time (the jitter); 0 = none */
};

struct daemon {
    uv_loop_t *loop;
    struct pt_config cfg;
    struct pt_store *store;
    struct pt_catalogue *cat;
    struct pt_http http;
    int http_open;
    struct pt_hostenv host;
    struct pt_generation *gen;        /* the current plugin generation */
    struct pt_generation *old[64];    /* earlier ones with runs still in flight */
    struct slot *slots;
    int nslots;
    struct pt_cron eval_cron;
    time_t eval_next;
    int once, stopping, exit_code;
    int starting;                     /* --once is starting its runs */
    int failures;                     /* feeds that could not be set up, runs not started */
    int misconfigured;                /* of those, by a configuration error */
    int dirty;                        /* a run wrote something since the last evaluation */
    int eval_due;                     /* the evaluation schedule fired during runs */
    uv_timer_t tick, grace, evaluate, watchdog, reap;
    uv_signal_t sigterm, sigint, sighup;
    int handles_open;
    const char *log_override;
    struct pt_mailer *mailer; /* NULL: no mail configured */
    struct pt_mail_templates tpl;
    int undelivered; /* --once: messages its pass could not deliver */
    int unqueued;    /* --once: an evaluation job failed: alerts not moved, nothing queued */
};

static void on_handle_closed(uv_handle_t *h)
{
    struct daemon *d = h->data;
    d->handles_open--;
}

static void close_handle(struct daemon *d, uv_handle_t *h)
{
    if (h->loop && !uv_is_closing(h)) {
        h->data = d;
        uv_close(h, on_handle_closed);
    }
}

/* ---- setting up: configuration, catalogues, plugins, instances --------- */

static void print_diag(const struct pt_diag *diag)
{
    if (diag->buf)
        fputs(diag->buf, stderr);
}

/* Parses every catalogue of cfg into docs (validated, not yet loaded). */
static int parse_catalogues(const struct pt_config *cfg, json_t **docs, struct pt_diag *diag)
{
    int rc = 0;
    for (int i = 0; i < cfg->ncatalogues; i++)
        if (pt_catalogue_parse(cfg->catalogues[i], &docs[i], diag))
            rc = PT_ECONFIG;
    return rc;
}

static int load_catalogues(struct daemon *d, const struct pt_config *cfg, json_t **docs)
{
    for (int i = 0; i < cfg->ncatalogues; i++) {
        struct pt_catalogue_stats stats;
        struct pt_err err;
        if (pt_catalogue_load(d->store, cfg->catalogues[i], docs[i], &stats, &err)) {
            pt_log_errorx("%s: %s", cfg->catalogues[i], err.msg);
            return err.code;
        }
        if (stats.changed || stats.targets || stats.retired)
            pt_log_info("%s: loaded (%d rows written, %d target vintages added)",
                        cfg->catalogues[i], stats.changed, stats.targets);
    }
    struct pt_catalogue *cat;
    struct pt_err err;
    if (pt_catalogue_read(d->store, &cat, &err)) {
        pt_log_errorx("%s", err.msg);
        return err.code;
    }
    pt_catalogue_free(d->cat);
    d->cat = cat;
    d->host.cat = cat;
    return 0;
}

/* Creates the instances of cfg's feeds from gen. A feed that cannot be set
 * up is reported and counted in *failed; the others go ahead. With dry set
 * (--check-config) only the plugins' check callbacks run. */
static struct slot *make_slots(struct daemon *d, const struct pt_config *cfg,
                               struct pt_generation *gen, int dry, int *nslots, int *failed,
                               int *misconfigured)
{
    struct slot *slots = calloc((size_t)cfg->nfeeds + 1, sizeof *slots);
    int dummy;
    if (!misconfigured)
        misconfigured = &dummy;
    *nslots = 0;
    *failed = 0;
    *misconfigured = 0;
    if (!slots) {
        pt_log_errorx("out of memory");
        (*failed)++;
        return NULL;
    }
    for (int i = 0; i < cfg->nfeeds; i++) {
        const struct pt_feed_conf *fc = &cfg->feeds[i];
        const struct pt_plugin_lib *lib = pt_loader_find(gen, fc->plugin);
        struct pt_err err;
        if (!lib) {
            pt_log_errorx("%s: feeds[%d] (%s): no plugin \"%s\" in %s", cfg->file, i, fc->name,
                          fc->plugin, cfg->plugin_dir);
            (*failed)++;
            (*misconfigured)++;
            continue;
        }
        char *settings = pt_config_feed_settings(cfg, fc, &err);
        if (!settings) {
            pt_log_errorx("%s: feeds[%d]: %s", cfg->file, i, err.msg);
            (*failed)++;
            (*misconfigured)++;
            continue;
        }
        char msg[512] = "";
        if (lib->desc->check(settings, msg, sizeof msg)) {
            msg[sizeof msg - 1] = '\0';
            pt_log_errorx("%s: feeds[%d] (%s): %s", cfg->file, i, fc->name,
                          msg[0] ? msg : "settings refused");
            (*failed)++;
            (*misconfigured)++;
            free(settings);
            continue;
        }
        if (dry) {
            free(settings);
            continue;
        }
        struct slot *s = &slots[*nslots];
        int rc = pt_host_instance_new(&d->host, fc, lib, gen, settings, &s->inst, &err);
        free(settings);
        if (rc) {
            pt_log_errorx("%s", err.msg);
            (*failed)++;
            continue;
        }
        struct pt_err cerr;
        pt_cron_parse(fc->schedule[0] ? fc->schedule : cfg->schedule, &s->cron, &cerr);
        (*nslots)++;
    }
    return slots;
}

/* Unloads generations nobody uses any more. */
static void reap_generation(struct daemon *d, struct pt_generation *gen)
{
    if (!gen || gen == d->gen || gen->refs > 0)
        return;
    for (int i = 0; i < 64; i++)
        if (d->old[i] == gen)
            d->old[i] = NULL;
    pt_log_debug("plugin generation %d unloaded", gen->id);
    pt_loader_unload(gen);
    free(gen);
}

static struct pt_generation *load_generation(const struct pt_config *cfg, int id, int *problems)
{
    struct pt_generation *gen = calloc(1, sizeof *gen);
    struct pt_diag diag = {0};
    struct pt_err err;
    *problems = 0;
    if (!gen)
        return NULL;
    gen->id = id;
    if (pt_loader_load_dir(cfg->plugin_dir, gen, &diag, &err)) {
        pt_log_errorx("%s", err.msg);
        (*problems)++;
    }
    if (diag.count) {
        /* one line per refused plugin */
        for (char *line = diag.buf, *nl; line && *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            pt_log_errorx("%s", line);
            if (!nl)
                break;
        }
        *problems += diag.count;
    }
    pt_diag_free(&diag);
    return gen;
}

/* ---- the evaluation job ------------------------------------------------ */

static void shutdown_daemon(struct daemon *d);

/* The evaluation job: judges every indicator, moves the alerts on the
 * verdicts and queues each bureau's digest in the outbox, in one
 * transaction: a crash or a failed message leaves the alerts where they
 * were, to move again next time. Then the outbox drains. */
static void evaluate(struct daemon *d)
{
    char now[32];
    struct pt_err err;
    struct pt_alert_run run = {0};
    int queued = 0;
    d->dirty = 0;
    d->eval_due = 0;
    if (!d->cat) {
        pt_log_errorx("evaluation failed: no catalogue");
        d->unqueued = 1;
        return;
    }
    pt_store_now(now);
    int rc = pt_store_begin(d->store, &err);
    if (!rc)
        rc = pt_alerts_run(d->store, d->cat, &d->cfg.alert, now, &run, &err);
    for (int i = 0; !rc && d->mailer && i < run.ndigests; i++) {
        const struct pt_digest *dg = &run.digests[i];
        char *bytes, id[PT_MAIL_ID_MAX];
        size_t len;
        const char *to[] = {dg->email};
        rc = pt_mail_compose(dg, &d->tpl, d->cfg.mail.from, now, &bytes, &len, id, sizeof id, &err);
        if (rc)
            break;
        rc = pt_outbox_add(d->store, dg->plan_id, dg->bureau_id, to, 1, bytes, len, id, &err);
        free(bytes);
        queued += !rc;
    }
    if (!rc)
        rc = pt_store_commit(d->store, &err);
    if (rc) {
        pt_store_rollback(d->store);
        pt_log_errorx("evaluation failed, alerts not moved, no message queued: %s", err.msg);
        pt_alert_run_free(&run);
        d->unqueued = 1;
        return;
    }
    const struct pt_assess_summary *sum = &run.verdicts;
    char status[256];
    snprintf(status, sizeof status,
             "evaluated %d indicators: %d on track, %d at risk, %d off track, %d without data",
             sum->indicators, sum->by_verdict[PT_ON_TRACK], sum->by_verdict[PT_AT_RISK],
             sum->by_verdict[PT_OFF_TRACK], sum->by_verdict[PT_NO_DATA]);
    pt_log_info("%s", status);
    char msg[300];
    snprintf(msg, sizeof msg, "STATUS=%s", status);
    pt_notify(msg);
    pt_log_info("alerts: %d firing, %d pending; %d new, %d reminders, %d resolved, %d withheld "
                "by silences; %d digests %s",
                run.by_state[PT_ALERT_FIRING], run.by_state[PT_ALERT_PENDING],
                run.notices[PT_NOTICE_FIRING], run.notices[PT_NOTICE_REMINDER],
                run.notices[PT_NOTICE_RESOLVED], run.withheld, run.ndigests,
                d->mailer ? "queued" : "not sent: no mail is configured");
    pt_alert_run_free(&run);
    if (queued && d->mailer && !d->once)
        pt_mailer_drain(d->mailer);
}

/* --once: after the evaluation, one delivery pass, then exit. */
static void on_once_mail(void *data, int rc, const struct pt_mailer_counts *c)
{
    struct daemon *d = data;
    d->undelivered = c->pending + c->given_up + (rc && rc != PT_ECANCELED);
    if (c->sent || d->undelivered)
        pt_log_info("mail: %d messages delivered, %d not (%d given up)", c->sent, d->undelivered,
                    c->given_up);
    shutdown_daemon(d);
}

static void finish_once(struct daemon *d)
{
    struct pt_err err;
    evaluate(d);
    if (d->mailer && pt_mailer_drain_once(d->mailer, on_once_mail, d, &err) == 0)
        return;
    shutdown_daemon(d);
}

/* ---- scheduling -------------------------------------------------------- */

static void arm_tick(struct daemon *d);
static int all_idle(struct daemon *d);

static unsigned rand_below(unsigned n)
{
    return n ? (unsigned)(random() % n) : 0;
}

/* Is a feed of this name collecting, on this instance or on one a reload
 * retired? The same feed never runs twice at once: both would share one
 * cursor. */
static int feed_busy(struct daemon *d, const char *name)
{
    for (struct pt_instance *i = d->host.instances; i; i = i->next)
        if (i->run && !strcmp(i->name, name))
            return 1;
    return 0;
}

static void start_run(struct daemon *d, struct slot *s)
{
    struct pt_err err;
    if (d->stopping || s->inst->retired)
        return;
    if (feed_busy(d, s->inst->name)) {
        pt_log_warnx("feed %s: still collecting since its last start; this run is skipped",
                     s->inst->name);
        return;
    }
    if (pt_host_collect(&d->host, s->inst, &err)) {
        pt_log_errorx("%s", err.msg);
        d->failures++;
    }
}

/* A fire time has come: start now, or after a random delay of up to the
 * configured jitter so that many feeds do not hit their servers at once. */
static void fire(struct daemon *d, struct slot *s, time_t now)
{
    unsigned delay = rand_below((unsigned)d->cfg.jitter_s + 1);
    if (!delay) {
        start_run(d, s);
        return;
    }
    s->due = now + delay;
}

static time_t next_fire(struct daemon *d, const struct pt_cron *c, time_t after)
{
    time_t next = 0;
    struct pt_err err;
    if (pt_cron_next(c, d->cfg.timezone, after, &next, &err)) {
        pt_log_errorx("schedule: %s", err.msg);
        return 0;
    }
    return next;
}

/* The wall clock decides, re-read at every tick (at least once a minute):
 * a suspend or a clock step forward past a fire time runs it once, late. */
static void on_tick(uv_timer_t *t)
{
    struct daemon *d = t->data;
    time_t now = time(NULL);
    for (int i = 0; i < d->nslots; i++) {
        struct slot *s = &d->slots[i];
        if (s->next && s->next <= now) {
            fire(d, s, now);
            s->next = next_fire(d, &s->cron, now);
        }
        if (s->due && s->due <= now) {
            s->due = 0;
            start_run(d, s);
        }
    }
    if (d->eval_next && d->eval_next <= now) {
        /* Not in the middle of a night's collections: after them. */
        if (all_idle(d))
            evaluate(d);
        else
            d->eval_due = 1;
        d->eval_next = next_fire(d, &d->eval_cron, now);
    }
    arm_tick(d);
}

static void arm_tick(struct daemon *d)
{
    if (d->stopping || d->once)
        return;
    time_t now = time(NULL), soonest = now + 60;
    for (int i = 0; i < d->nslots; i++) {
        if (d->slots[i].next && d->slots[i].next < soonest)
            soonest = d->slots[i].next;
        if (d->slots[i].due && d->slots[i].due < soonest)
            soonest = d->slots[i].due;
    }
    if (d->eval_next && d->eval_next < soonest)
        soonest = d->eval_next;
    uint64_t ms = soonest > now ? (uint64_t)(soonest - now) * 1000 : 0;
    /* land just after the second turns, not just before it */
    uv_timer_start(&d->tick, on_tick, ms + 50, 0);
}

/* When did this feed last start a run (from the store)? 0 if never. */
static time_t last_start(struct daemon *d, const char *instance)
{
    sqlite3_stmt *s;
    struct pt_err err;
    time_t t = 0;
    if (pt_store_prepare(d->store,
                         /* the mailer's give-up records are runs too, of no feed */
                         "SELECT MAX(started_at) FROM runs WHERE instance = ? AND "
                         "plugin <> 'mail'",
                         &s, &err))
        return 0;
    sqlite3_bind_text(s, 1, instance, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        struct tm tm = {0};
        const char *v = (const char *)sqlite3_column_text(s, 0);
        if (sscanf(v, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min, &tm.tm_sec) == 6) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            t = timegm(&tm);
        }
    }
    sqlite3_finalize(s);
    return t;
}

/* Schedules every slot; a fire time missed since the feed's last run (the
 * daemon was down) is caught up once, now. */
static void schedule_slots(struct daemon *d, int catch_up)
{
    time_t now = time(NULL);
    for (int i = 0; i < d->nslots; i++) {
        struct slot *s = &d->slots[i];
        time_t last = catch_up ? last_start(d, s->inst->name) : 0;
        time_t missed = last ? next_fire(d, &s->cron, last) : 0;
        if (missed && missed <= now) {
            pt_log_info("feed %s: a run was due while plantrackd was down; running it now",
                        s->inst->name);
            fire(d, s, now);
        }
        s->next = next_fire(d, &s->cron, now);
    }
}

/* ---- runs finishing ------------------------------------------------------ */

static int all_idle(struct daemon *d)
{
    return pt_host_running(&d->host) == 0;
}

static void on_evaluate_timer(uv_timer_t *t)
{
    evaluate(t->data);
}

/* Frees the instances a reload retired once their runs are over, and the
 * plugin generations nobody uses any more. Runs from its own timer, never
 * from run_done: that is called from inside the plugin (host->done), and
 * neither its fini nor a dlclose may run under its own feet. */
static void on_reap(uv_timer_t *t)
{
    struct daemon *d = t->data;
    for (struct pt_instance *i = d->host.instances, *next; i; i = next) {
        next = i->next;
        if (i->retired && !i->run)
            reap_generation(d, pt_host_instance_free(&d->host, i));
    }
}

static void run_done(struct pt_hostenv *h, struct pt_instance *inst)
{
    struct daemon *d = h->data;
    d->dirty |= inst->last_wrote;
    char status[400];
    snprintf(status, sizeof status, "STATUS=last run: feed %s %s", inst->name,
             inst->last_summary);
    pt_notify(status);
    if (inst->retired && !d->stopping)
        uv_timer_start(&d->reap, on_reap, 0, 0);
    if (!all_idle(d))
        return;
    if (d->once) {
        if (!d->starting)
            finish_once(d);
        return;
    }
    if (d->stopping) {
        shutdown_daemon(d);
        return;
    }
    /* The night's collections are done: if they changed anything (or the
     * evaluation schedule came round meanwhile), evaluate, a little later so
     * that a burst of short runs leads to one evaluation. */
    if (d->dirty || d->eval_due)
        uv_timer_start(&d->evaluate, on_evaluate_timer, 5000, 0);
}

/* ---- signals and shutdown ---------------------------------------------- */

static void on_http_closed(struct pt_http *h)
{
    (void)h;
}

static void free_instances(struct daemon *d)
{
    while (d->host.instances) {
        struct pt_generation *g = pt_host_instance_free(&d->host, d->host.instances);
        if (g && g != d->gen)
            reap_generation(d, g);
    }
    free(d->slots);
    d->slots = NULL;
    d->nslots = 0;
}

static void shutdown_daemon(struct daemon *d)
{
    if (d->stopping == 2)
        return;
    d->stopping = 2;
    pt_notify("STOPPING=1");
    close_handle(d, (uv_handle_t *)&d->tick);
    close_handle(d, (uv_handle_t *)&d->grace);
    close_handle(d, (uv_handle_t *)&d->evaluate);
    close_handle(d, (uv_handle_t *)&d->watchdog);
    close_handle(d, (uv_handle_t *)&d->reap);
    close_handle(d, (uv_handle_t *)&d->sigterm);
    close_handle(d, (uv_handle_t *)&d->sigint);
    close_handle(d, (uv_handle_t *)&d->sighup);
    if (d->mailer) { /* before the HTTP client, whose multi it sends through */
        pt_mailer_close(d->mailer, NULL, NULL);
        d->mailer = NULL;
    }
    if (d->http_open) {
        d->http_open = 0;
        pt_http_close(&d->http, on_http_closed);
    }
}

static void on_grace(uv_timer_t *t)
{
    struct daemon *d = t->data;
    pt_log_warnx("shutdown: %d collections still running after %d s; their open units are "
                 "abandoned uncommitted",
                 pt_host_running(&d->host), d->cfg.shutdown_grace_s);
    pt_host_abandon(&d->host, "abandoned at shutdown");
    shutdown_daemon(d);
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    if (d->stopping) {
        pt_log_warnx("second %s: stopping now", strsignal(signum));
        pt_host_abandon(&d->host, "abandoned at shutdown");
        shutdown_daemon(d);
        return;
    }
    d->stopping = 1;
    pt_notify("STOPPING=1");
    uv_timer_stop(&d->tick);
    uv_timer_stop(&d->evaluate);
    int running = pt_host_running(&d->host);
    pt_log_info("%s: stopping (%d collections in flight)", strsignal(signum), running);
    if (!running) {
        shutdown_daemon(d);
        return;
    }
    uv_timer_start(&d->grace, on_grace, (uint64_t)d->cfg.shutdown_grace_s * 1000, 0);
}

/* Whether a reload changes how mail is delivered (not its templates). */
static int mail_delivery_changed(const struct pt_mail_conf *a, const struct pt_mail_conf *b)
{
    struct pt_mail_conf x = *a, y = *b;
    memcpy(x.template_subject, y.template_subject, sizeof x.template_subject);
    memcpy(x.template_text, y.template_text, sizeof x.template_text);
    memcpy(x.template_html, y.template_html, sizeof x.template_html);
    return memcmp(&x, &y, sizeof x) != 0;
}

static int reload(struct daemon *d)
{
    struct pt_config cfg;
    struct pt_diag diag = {0};
    pt_log_info("SIGHUP: reloading %s", d->cfg.file);
    if (pt_config_load(d->cfg.file, &cfg, &diag)) {
        print_diag(&diag);
        pt_diag_free(&diag);
        pt_log_errorx("reload refused: %s is invalid; the previous configuration keeps running",
                      d->cfg.file);
        return PT_ECONFIG;
    }
    json_t *docs[16] = {NULL};
    struct pt_mail_templates tpl = {0};
    struct pt_err terr;
    int rc = parse_catalogues(&cfg, docs, &diag);
    if (rc) {
        print_diag(&diag);
        pt_log_errorx("reload refused: a catalogue is invalid; the previous configuration "
                      "keeps running");
        goto refuse;
    }
    /* A running mailer keeps needing templates even when the new file has
     * no mail section: its delivery settings change at restart only. */
    if ((cfg.mail.transport[0] || d->mailer) &&
        (rc = pt_mail_templates_load(&cfg.mail, &tpl, &terr))) {
        pt_log_errorx("reload refused: %s: mail: %s; the previous configuration keeps running",
                      cfg.file, terr.msg);
        goto refuse;
    }
    if (strcmp(cfg.store, d->cfg.store))
        pt_log_warnx("%s: store: a new store path takes effect at restart only", cfg.file);
    int problems, failed, n;
    static int generation = 1;
    struct pt_generation *gen = load_generation(&cfg, ++generation, &problems);
    if (!gen) {
        rc = PT_ENOMEM;
        goto refuse;
    }
    struct pt_instance *before = d->host.instances;
    struct slot *slots = make_slots(d, &cfg, gen, 0, &n, &failed, NULL);
    if (problems || failed || !slots) {
        /* Undo: the instances made from the new generation go. */
        while (d->host.instances != before)
            pt_host_instance_free(&d->host, d->host.instances);
        free(slots);
        pt_loader_unload(gen);
        free(gen);
        pt_log_errorx("reload refused: %d plugin and %d feed problems (above); the previous "
                      "configuration keeps running",
                      problems, failed);
        rc = PT_ECONFIG;
        goto refuse;
    }
    if ((rc = load_catalogues(d, &cfg, docs))) {
        /* the store refused; keep the old instances and plugins */
        while (d->host.instances != before)
            pt_host_instance_free(&d->host, d->host.instances);
        free(slots);
        pt_loader_unload(gen);
        free(gen);
        goto refuse;
    }
    /* Swap: idle old instances go now, running ones when their run ends. */
    for (int i = 0; i < d->nslots; i++) {
        struct slot *s = &d->slots[i];
        if (s->inst->run) {
            s->inst->retired = 1;
        } else {
            struct pt_generation *g = pt_host_instance_free(&d->host, s->inst);
            (void)g; /* the old current generation is reaped below */
        }
    }
    /* A run waiting out its jitter keeps its start time across the reload. */
    for (int i = 0; i < n; i++)
        for (int k = 0; k < d->nslots; k++)
            if (d->slots[k].due && !strcmp(d->slots[k].inst->name, slots[i].inst->name))
                slots[i].due = d->slots[k].due;
    struct pt_generation *oldgen = d->gen;
    free(d->slots);
    d->slots = slots;
    d->nslots = n;
    d->gen = gen;
    if (oldgen->refs > 0) {
        int kept = 0;
        for (int i = 0; i < 64 && !kept; i++)
            if (!d->old[i]) {
                d->old[i] = oldgen;
                kept = 1;
            }
        if (!kept) /* 64 reloads while one run lasts: let it stay mapped */
            pt_log_warnx("plugin generation %d stays loaded until exit", oldgen->id);
    } else {
        pt_loader_unload(oldgen);
        free(oldgen);
    }
    if (memcmp(&cfg.http, &d->cfg.http, sizeof cfg.http))
        pt_log_warnx("%s: http: new HTTP settings take effect at restart only", cfg.file);
    if (mail_delivery_changed(&cfg.mail, &d->cfg.mail)) {
        pt_log_warnx("%s: mail: new delivery settings take effect at restart only (new "
                     "templates and alert settings apply now)",
                     cfg.file);
        /* Until then the messages are composed as the running mailer sends
         * them (mail.from, transport): keep the old settings but the
         * templates. */
        struct pt_mail_conf keep = d->cfg.mail;
        memcpy(keep.template_subject, cfg.mail.template_subject, sizeof keep.template_subject);
        memcpy(keep.template_text, cfg.mail.template_text, sizeof keep.template_text);
        memcpy(keep.template_html, cfg.mail.template_html, sizeof keep.template_html);
        cfg.mail = keep;
    }
    pt_mail_templates_free(&d->tpl);
    d->tpl = tpl;
    pt_config_free(&d->cfg);
    d->cfg = cfg;
    if (!d->log_override)
        pt_log_set_level(d->cfg.log_level);
    pt_cron_parse(d->cfg.eval_schedule, &d->eval_cron, NULL);
    d->eval_next = next_fire(d, &d->eval_cron, time(NULL));
    struct pt_err serr;
    if (pt_host_publish_supplies(&d->host, &serr))
        pt_log_warnx("%s", serr.msg);
    schedule_slots(d, 0);
    for (int i = 0; i < 16; i++)
        json_decref(docs[i]);
    pt_diag_free(&diag);
    char plugins[512] = "";
    size_t used = 0;
    for (int i = 0; i < gen->nlibs && used < sizeof plugins; i++)
        used += (size_t)snprintf(plugins + used, sizeof plugins - used, "%s%s %s", i ? ", " : "",
                                 gen->libs[i].desc->name, gen->libs[i].desc->version);
    pt_log_info("reloaded: %d feeds on plugin generation %d (%s)", n, gen->id, plugins);
    return 0;
refuse:
    pt_mail_templates_free(&tpl);
    for (int i = 0; i < 16; i++)
        json_decref(docs[i]);
    pt_diag_free(&diag);
    pt_config_free(&cfg);
    return rc;
}

static void on_hup(uv_signal_t *s, int signum)
{
    (void)signum;
    struct daemon *d = s->data;
    if (d->stopping)
        return;
    pt_notify("RELOADING=1");
    reload(d);
    arm_tick(d);
    pt_notify("READY=1\nSTATUS=running");
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    /* Sent from the loop: a stuck loop stops the pings and systemd restarts us. */
    pt_notify("WATCHDOG=1");
}

/* ---- main -------------------------------------------------------------- */

/* The mail templates and the mailer, when mail is configured. */
static int start_mail(struct daemon *d)
{
    struct pt_err err;
    if (!d->cfg.mail.transport[0]) {
        pt_log_info("mail: not configured; alerts are kept in the store, no message is sent");
        return 0;
    }
    if (pt_mail_templates_load(&d->cfg.mail, &d->tpl, &err) ||
        pt_mailer_new(d->loop, d->store, &d->http, &d->cfg.mail, NULL, &d->mailer, &err)) {
        pt_log_errorx("%s: mail: %s", d->cfg.file, err.msg);
        return PT_ECONFIG;
    }
    return 0;
}

static int check_config(struct daemon *d, json_t **docs)
{
    int problems = 0, failed = 0, n = 0;
    struct pt_generation *gen = load_generation(&d->cfg, 1, &problems);
    if (gen) {
        struct slot *slots = make_slots(d, &d->cfg, gen, 1, &n, &failed, NULL);
        free(slots);
        printf("%s: %d catalogues, %d plugins, %d feeds\n", d->cfg.file, d->cfg.ncatalogues,
               gen->nlibs, d->cfg.nfeeds);
        pt_loader_unload(gen);
        free(gen);
    }
    (void)docs;
    if (d->cfg.mail.transport[0]) { /* a template error shows now, not at the first alert */
        struct pt_mail_templates tpl = {0};
        struct pt_err err;
        if (pt_mail_templates_load(&d->cfg.mail, &tpl, &err)) {
            fprintf(stderr, "%s: mail.templates: %s\n", d->cfg.file, err.msg);
            problems++;
        }
        if (pt_mailer_check(&d->cfg.mail, NULL, &err)) {
            fprintf(stderr, "%s: %s\n", d->cfg.file, err.msg);
            problems++;
        }
        pt_mail_templates_free(&tpl);
    }
    if (problems || failed) {
        fprintf(stderr, "%s: %d problems\n", d->cfg.file, problems + failed);
        return 2;
    }
    printf("%s: valid\n", d->cfg.file);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"once", no_argument, NULL, 'o'},
                                         {"check-config", no_argument, NULL, 'k'},
                                         {"log-level", required_argument, NULL, 'l'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static struct daemon daemon;
    struct daemon *d = &daemon;
    const char *config = PT_CONFIG_DEFAULT;
    int check = 0, opt;
    pt_log_set_progname("plantrackd");
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'o':
            d->once = 1;
            break;
        case 'k':
            check = 1;
            break;
        case 'l':
            d->log_override = optarg;
            break;
        case 'V':
            printf("plantrackd %s (plugin ABI %d.%d)\n", PT_VERSION, PT_PLUGIN_ABI_MAJOR,
                   PT_PLUGIN_ABI_MINOR);
            return 0;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fprintf(stderr, "plantrackd: see plantrackd --help\n");
            return 2;
        }
    }
    if (optind < argc || (d->once && check)) {
        fprintf(stderr, "plantrackd: %s (see plantrackd --help)\n",
                optind < argc ? "unexpected argument" : "--once and --check-config exclude "
                                                        "each other");
        return 2;
    }
    static const char *const levels[] = {"error", "warning", "info", "debug"};
    int override = -1;
    for (int i = 0; d->log_override && i < 4; i++)
        if (!strcmp(d->log_override, levels[i]))
            override = i;
    if (d->log_override && override < 0) {
        fprintf(stderr, "plantrackd: --log-level takes error, warning, info or debug\n");
        return 2;
    }

    struct pt_diag diag = {0};
    if (pt_config_load(config, &d->cfg, &diag)) {
        print_diag(&diag);
        fprintf(stderr, "plantrackd: %s: %d problem%s\n", config, diag.count,
                diag.count == 1 ? "" : "s");
        pt_diag_free(&diag);
        return 2;
    }
    pt_log_set_level(override >= 0 ? (enum pt_log_level)override : d->cfg.log_level);
    json_t *docs[16] = {NULL};
    if (parse_catalogues(&d->cfg, docs, &diag)) {
        print_diag(&diag);
        fprintf(stderr, "plantrackd: %d problem%s in the catalogues\n", diag.count,
                diag.count == 1 ? "" : "s");
        pt_diag_free(&diag);
        pt_config_free(&d->cfg);
        return 2;
    }
    if (check) {
        int rc = check_config(d, docs);
        for (int i = 0; i < 16; i++)
            json_decref(docs[i]);
        pt_config_free(&d->cfg);
        return rc;
    }

    /* traps.md: libcurl is told CURLOPT_NOSIGNAL; a peer closing a socket
     * must not kill us either. */
    struct pt_err err;
    signal(SIGPIPE, SIG_IGN);
    /* Before any thread exists (libcurl resolves names in threads that read
     * the environment): the schedules' zone becomes the process's TZ, so
     * the scheduler never has to change it. */
    if (pt_cron_set_zone(d->cfg.timezone, &err))
        pt_log_warnx("%s", err.msg);
    srandom((unsigned)(time(NULL) ^ getpid()));
    d->loop = uv_default_loop();
    int status = 0;
    if (pt_store_open(d->cfg.store, PT_STORE_CREATE, &d->store, &err)) {
        pt_log_errorx("%s", err.msg);
        status = 2;
        goto out;
    }
    /* traps.md: busy_timeout sleeps on the loop thread. A unit that finds
     * the store locked by a CLI for longer fails and is retried next run. */
    pt_store_set_busy_timeout(d->store, 2000);
    pt_host_init(&d->host, d->loop, d->store, &d->http, NULL);
    d->host.run_done = run_done;
    d->host.data = d;
    if (load_catalogues(d, &d->cfg, docs)) {
        status = 2;
        goto out;
    }
    /* Runs left "running" by a daemon that died are over: say so. */
    char now[32];
    pt_store_now(now);
    sqlite3_stmt *stale;
    if (pt_store_prepare(d->store,
                         "UPDATE runs SET status = 'failed', finished_at = ?, error = "
                         "'interrupted: plantrackd stopped during the run; nothing of an "
                         "unfinished unit was committed' WHERE status = 'running'",
                         &stale, &err) == 0) {
        sqlite3_bind_text(stale, 1, now, -1, SQLITE_STATIC);
        if (sqlite3_step(stale) == SQLITE_DONE && sqlite3_changes(pt_store_db(d->store)))
            pt_log_warnx("%d runs of an earlier plantrackd were interrupted",
                         sqlite3_changes(pt_store_db(d->store)));
        sqlite3_finalize(stale);
    }
    struct pt_http_opts ho;
    pt_http_opts_default(&ho);
    ho.connect_timeout_ms = d->cfg.http.connect_timeout_ms;
    ho.total_timeout_ms = d->cfg.http.total_timeout_ms;
    ho.max_body = (size_t)d->cfg.http.max_body;
    ho.max_redirects = d->cfg.http.max_redirects;
    ho.retries = d->cfg.http.retries;
    ho.backoff_base_ms = d->cfg.http.backoff_base_ms;
    ho.backoff_max_ms = d->cfg.http.backoff_max_ms;
    ho.retry_after_max_ms = d->cfg.http.retry_after_max_ms;
    ho.ca_file = d->cfg.http.ca_file[0] ? d->cfg.http.ca_file : NULL;
    if (pt_http_init(&d->http, d->loop, &ho, &err)) {
        pt_log_errorx("%s", err.msg);
        status = 2;
        goto out;
    }
    d->http_open = 1;
    if (start_mail(d)) {
        status = 2;
        goto out;
    }
    int problems = 0;
    d->gen = load_generation(&d->cfg, 1, &problems);
    if (!d->gen) {
        status = 1;
        goto out;
    }
    d->slots = make_slots(d, &d->cfg, d->gen, 0, &d->nslots, &d->failures, &d->misconfigured);
    d->failures += problems;
    if (pt_host_publish_supplies(&d->host, &err))
        pt_log_warnx("%s", err.msg);

    uv_timer_init(d->loop, &d->tick);
    uv_timer_init(d->loop, &d->grace);
    uv_timer_init(d->loop, &d->evaluate);
    uv_timer_init(d->loop, &d->watchdog);
    uv_timer_init(d->loop, &d->reap);
    d->tick.data = d->grace.data = d->evaluate.data = d->watchdog.data = d->reap.data = d;
    uv_signal_init(d->loop, &d->sigterm);
    uv_signal_init(d->loop, &d->sigint);
    uv_signal_init(d->loop, &d->sighup);
    d->sigterm.data = d->sigint.data = d->sighup.data = d;
    d->handles_open = 8;
    uv_signal_start(&d->sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_stop_signal, SIGINT);
    if (!d->once)
        uv_signal_start(&d->sighup, on_hup, SIGHUP);

    if (d->once) {
        pt_log_info("--once: collecting %d feeds", d->nslots);
        d->starting = 1;
        for (int i = 0; i < d->nslots; i++)
            start_run(d, &d->slots[i]);
        d->starting = 0;
        if (all_idle(d))
            finish_once(d);
    } else {
        long wd = pt_notify_watchdog_ms();
        if (wd > 0)
            uv_timer_start(&d->watchdog, on_watchdog, (uint64_t)wd / 2, (uint64_t)wd / 2);
        pt_cron_parse(d->cfg.eval_schedule, &d->eval_cron, NULL);
        d->eval_next = next_fire(d, &d->eval_cron, time(NULL));
        schedule_slots(d, 1);
        arm_tick(d);
        if (d->mailer) /* what an earlier daemon left in the outbox */
            pt_mailer_drain(d->mailer);
        pt_log_info("running: %d feeds, plugin folder %s, store %s", d->nslots,
                    d->cfg.plugin_dir, d->cfg.store);
        pt_notify("READY=1\nSTATUS=running");
    }
    uv_run(d->loop, UV_RUN_DEFAULT);

    if (d->once) {
        status = d->misconfigured ? 2 : d->failures || d->undelivered || d->unqueued ? 1 : 0;
        for (int i = 0; i < d->nslots; i++)
            if (d->slots[i].inst->last_status)
                status = 1;
    }
out:
    for (int i = 0; i < 16; i++)
        json_decref(docs[i]);
    free_instances(d);
    if (d->mailer) {
        pt_mailer_close(d->mailer, NULL, NULL);
        d->mailer = NULL;
    }
    if (d->http_open) {
        pt_http_close(&d->http, on_http_closed);
        uv_run(d->loop, UV_RUN_DEFAULT);
    }
    if (d->gen) {
        pt_loader_unload(d->gen);
        free(d->gen);
    }
    for (int i = 0; i < 64; i++)
        if (d->old[i]) {
            pt_loader_unload(d->old[i]);
            free(d->old[i]);
        }
    pt_mail_templates_free(&d->tpl);
    pt_catalogue_free(d->cat);
    pt_store_close(d->store);
    pt_config_free(&d->cfg);
    pt_diag_free(&diag);
    if (d->loop)
        uv_loop_close(d->loop);
    return status;
}
