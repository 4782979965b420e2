/* Loading the daemon's configuration file. Every member is checked here,
 * with its JSON path, before the daemon acts on any of it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "mail.h"
#include "secret.h"

/* A path from the file, made relative to the file's folder. */
static int config_path(struct pt_jv *jv, json_t *obj, const char *key, int required,
                       const char *base, char *out, size_t cap)
{
    const char *s;
    int rc = pt_jv_string(jv, obj, key, required, &s);
    if (rc)
        return rc;
    if (!*s) {
        pt_jv_error_at(jv, key, "must not be empty");
        return -1;
    }
    int n = s[0] == '/' ? snprintf(out, cap, "%s", s) : snprintf(out, cap, "%s/%s", base, s);
    if (n < 0 || (size_t)n >= cap) {
        pt_jv_error_at(jv, key, "path too long");
        return -1;
    }
    return 0;
}

/* A schedule must parse and must fire: "0 0 30 2 *" never does. */
static void config_cron(struct pt_jv *jv, json_t *obj, const char *key, const char *tz,
                        char *out)
{
    const char *s;
    if (pt_jv_string(jv, obj, key, 0, &s))
        return;
    struct pt_cron c;
    struct pt_err err;
    if (strlen(s) >= PT_CRON_MAX) {
        pt_jv_error_at(jv, key, "too long");
        return;
    }
    if (pt_cron_parse(s, &c, &err)) {
        pt_jv_error_at(jv, key, "%s", err.msg);
        return;
    }
    time_t next;
    if (pt_cron_next(&c, tz, time(NULL), &next, &err)) {
        pt_jv_error_at(jv, key, "cron \"%s\" never fires%s%s", s,
                       err.code == PT_ENOTFOUND ? "" : ": ",
                       err.code == PT_ENOTFOUND ? " (no such date in ten years)" : err.msg);
        return;
    }
    snprintf(out, PT_CRON_MAX, "%s", s);
}

static long config_ms(struct pt_jv *jv, json_t *obj, const char *key, long dflt, double max_s)
{
    double v;
    if (pt_jv_number(jv, obj, key, 0, &v))
        return dflt;
    if (v <= 0 || v > max_s) {
        pt_jv_error_at(jv, key, "%g s is out of range (more than 0, at most %g)", v, max_s);
        return dflt;
    }
    return (long)(v * 1000);
}

/* A duration: seconds as a number, or a string "90s", "30m", "36h", "7d". */
static long config_duration(struct pt_jv *jv, json_t *obj, const char *key, long dflt,
                            long min_s, long max_s)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    double secs = -1;
    if (json_is_integer(v) || json_is_real(v))
        secs = json_number_value(v);
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        double n = strtod(s, &end);
        static const struct { char suffix; double mult; } units[] = {
            {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
        for (size_t i = 0; end != s && i < sizeof units / sizeof units[0]; i++)
            if (end[0] == units[i].suffix && !end[1])
                secs = n * units[i].mult;
    }
    if (!(secs >= min_s && secs <= max_s)) {
        pt_jv_error_at(jv, key, "expected a duration from %lds to %ldd: seconds, or a "
                       "string such as \"90s\", \"30m\", \"36h\", \"7d\"", min_s,
                       max_s / 86400);
        return dflt;
    }
    return (long)secs;
}

static void config_secret(struct pt_jv *jv, json_t *obj, const char *key, const char *base,
                          struct pt_secret_ref *ref)
{
    static const char *const keys[] = {"file", "credential", NULL};
    json_t *o;
    if (pt_jv_object(jv, obj, key, 1, &o))
        return;
    size_t m = pt_jv_key(jv, key);
    pt_jv_keys(jv, o, keys, NULL);
    const char *cred = NULL;
    int has_file = json_object_get(o, "file") != NULL;
    if (has_file)
        config_path(jv, o, "file", 1, base, ref->file, sizeof ref->file);
    if (!pt_jv_string(jv, o, "credential", 0, &cred)) {
        if (!*cred || strchr(cred, '/') || strlen(cred) >= sizeof ref->credential)
            pt_jv_error_at(jv, "credential", "\"%s\" is not a credential name", cred);
        else
            snprintf(ref->credential, sizeof ref->credential, "%s", cred);
    }
    if (has_file == (cred != NULL))
        pt_jv_error(jv, "give exactly one of file (a file only its owner can read) or "
                        "credential (a systemd credential name)");
    pt_jv_pop(jv, m);
}

static void config_http(struct pt_jv *jv, json_t *doc, const char *base, struct pt_http_conf *h)
{
    h->connect_timeout_ms = 10000;
    h->total_timeout_ms = 120000;
    h->max_body = 64LL << 20;
    h->max_redirects = 5;
    h->retries = 3;
    h->backoff_base_ms = 1000;
    h->backoff_max_ms = 60000;
    h->retry_after_max_ms = 300000;
    json_t *o;
    if (pt_jv_object(jv, doc, "http", 0, &o))
        return;
    size_t m = pt_jv_key(jv, "http");
    static const char *const keys[] = {"connect_timeout", "timeout", "max_body", "max_redirects",
                                       "retries", "backoff", "backoff_max", "retry_after_max",
                                       "ca_file", NULL};
    pt_jv_keys(jv, o, keys, NULL);
    h->connect_timeout_ms = config_ms(jv, o, "connect_timeout", h->connect_timeout_ms, 600);
    h->total_timeout_ms = config_ms(jv, o, "timeout", h->total_timeout_ms, 86400);
    h->backoff_base_ms = config_ms(jv, o, "backoff", h->backoff_base_ms, 3600);
    h->backoff_max_ms = config_ms(jv, o, "backoff_max", h->backoff_max_ms, 86400);
    h->retry_after_max_ms = config_ms(jv, o, "retry_after_max", h->retry_after_max_ms, 86400);
    long long v;
    if (!pt_jv_int(jv, o, "max_body", 0, 1024, 1LL << 40, &v))
        h->max_body = v;
    if (!pt_jv_int(jv, o, "max_redirects", 0, 0, 20, &v))
        h->max_redirects = (int)v;
    if (!pt_jv_int(jv, o, "retries", 0, 0, 20, &v))
        h->retries = (int)v;
    config_path(jv, o, "ca_file", 0, base, h->ca_file, sizeof h->ca_file);
    pt_jv_pop(jv, m);
}

static void config_mail(struct pt_jv *jv, json_t *doc, const char *base, struct pt_mail_conf *ml)
{
    json_t *o;
    ml->timeout_s = 120;
    ml->retry_base_s = 60;
    ml->retry_max_s = 3600;
    ml->give_up_after_s = 2 * 86400;
    if (pt_jv_object(jv, doc, "mail", 0, &o))
        return;
    size_t m = pt_jv_key(jv, "mail");
    static const char *const keys[] = {"transport", "spool",    "url",          "from",
                                       "username",  "password", "insecure_loopback",
                                       "ca_file",   "timeout",  "retry_base",   "retry_max",
                                       "give_up_after", "templates", NULL};
    static const char *const transports[] = {"file", "smtp", NULL};
    pt_jv_keys(jv, o, keys, NULL);
    int t = -1;
    const char *s;
    if (!pt_jv_enum(jv, o, "transport", 1, transports, &t))
        snprintf(ml->transport, sizeof ml->transport, "%s", transports[t]);
    if (!pt_jv_string(jv, o, "from", 1, &s)) {
        if (!pt_mail_address_ok(s))
            pt_jv_error_at(jv, "from", "\"%s\" is not an e-mail address (addr@domain or "
                           "Name <addr@domain>, ASCII)", s);
        snprintf(ml->from, sizeof ml->from, "%s", s);
    }
    if (t == 0)
        config_path(jv, o, "spool", 1, base, ml->spool, sizeof ml->spool);
    if (t == 1) {
        if (!pt_jv_string(jv, o, "url", 1, &s)) {
            if (strncmp(s, "smtp://", 7) && strncmp(s, "smtps://", 8))
                pt_jv_error_at(jv, "url", "\"%s\": use smtp:// (STARTTLS) or smtps://", s);
            snprintf(ml->url, sizeof ml->url, "%s", s);
        }
        if (!pt_jv_string(jv, o, "username", 0, &s))
            snprintf(ml->username, sizeof ml->username, "%s", s);
        if (json_object_get(o, "password"))
            config_secret(jv, o, "password", base, &ml->password);
        pt_jv_bool(jv, o, "insecure_loopback", 0, &ml->insecure_loopback);
        config_path(jv, o, "ca_file", 0, base, ml->ca_file, sizeof ml->ca_file);
    }
    ml->timeout_s = config_duration(jv, o, "timeout", ml->timeout_s, 1, 3600);
    ml->retry_base_s = config_duration(jv, o, "retry_base", ml->retry_base_s, 1, 86400);
    ml->retry_max_s = config_duration(jv, o, "retry_max", ml->retry_max_s, 1, 7 * 86400);
    ml->give_up_after_s =
        config_duration(jv, o, "give_up_after", ml->give_up_after_s, 60, 30 * 86400);
    json_t *tpl;
    if (!pt_jv_object(jv, o, "templates", 0, &tpl)) {
        size_t mt = pt_jv_key(jv, "templates");
        static const char *const tk[] = {"subject", "text", "html", NULL};
        pt_jv_keys(jv, tpl, tk, NULL);
        config_path(jv, tpl, "subject", 0, base, ml->template_subject,
                    sizeof ml->template_subject);
        config_path(jv, tpl, "text", 0, base, ml->template_text, sizeof ml->template_text);
        config_path(jv, tpl, "html", 0, base, ml->template_html, sizeof ml->template_html);
        pt_jv_pop(jv, mt);
    }
    pt_jv_pop(jv, m);
}

/* confirm_points and resolve_points: one number for both, or
 * {"provisional": N, "final": N}. */
static void config_points(struct pt_jv *jv, json_t *obj, const char *key, int *prov,
                          int *final)
{
    json_t *v = json_object_get(obj, key);
    long long n;
    if (!v)
        return;
    if (json_is_object(v)) {
        size_t m = pt_jv_key(jv, key);
        static const char *const pk[] = {"provisional", "final", NULL};
        pt_jv_keys(jv, v, pk, NULL);
        if (!pt_jv_int(jv, v, "provisional", 0, 1, 100, &n))
            *prov = (int)n;
        if (!pt_jv_int(jv, v, "final", 0, 1, 100, &n))
            *final = (int)n;
        pt_jv_pop(jv, m);
    } else if (!pt_jv_int(jv, obj, key, 1, 1, 100, &n))
        *prov = *final = (int)n;
}

static void config_alert(struct pt_jv *jv, json_t *doc, struct pt_alert_conf *a)
{
    a->confirm_provisional = 2;
    a->confirm_final = 1;
    a->resolve_provisional = 2;
    a->resolve_final = 1;
    a->resolve_margin = 0;
    a->repeat_interval_s = 7 * 86400;
    json_t *o;
    if (pt_jv_object(jv, doc, "alert", 0, &o))
        return;
    size_t m = pt_jv_key(jv, "alert");
    static const char *const keys[] = {"confirm_points", "resolve_points", "resolve_margin",
                                       "repeat_interval", NULL};
    pt_jv_keys(jv, o, keys, NULL);
    config_points(jv, o, "confirm_points", &a->confirm_provisional, &a->confirm_final);
    config_points(jv, o, "resolve_points", &a->resolve_provisional, &a->resolve_final);
    double v;
    if (!pt_jv_number(jv, o, "resolve_margin", 0, &v)) {
        if (v < 0)
            pt_jv_error_at(jv, "resolve_margin", "must not be negative");
        else
            a->resolve_margin = v;
    }
    a->repeat_interval_s = config_duration(jv, o, "repeat_interval", a->repeat_interval_s,
                                           3600, 365 * 86400);
    pt_jv_pop(jv, m);
}

static void config_feeds(struct pt_jv *jv, json_t *doc, const char *base, struct pt_config *cfg)
{
    json_t *arr, *f;
    size_t i;
    if (pt_jv_array(jv, doc, "feeds", 0, &arr))
        return;
    cfg->feeds = calloc(json_array_size(arr) + 1, sizeof *cfg->feeds);
    if (!cfg->feeds) {
        pt_jv_error(jv, "out of memory");
        return;
    }
    size_t m = pt_jv_key(jv, "feeds");
    static const char *const keys[] = {"name", "plugin", "schedule", "settings", "secrets", NULL};
    json_array_foreach(arr, i, f)
    {
        size_t mi = pt_jv_index(jv, i);
        struct pt_feed_conf *fc = &cfg->feeds[cfg->nfeeds];
        const char *s;
        if (!json_is_object(f)) {
            pt_jv_error(jv, "expected an object");
            pt_jv_pop(jv, mi);
            continue;
        }
        pt_jv_keys(jv, f, keys, NULL);
        if (!pt_jv_string(jv, f, "name", 1, &s)) {
            if (!pt_is_slug(s))
                pt_jv_error_at(jv, "name", "\"%s\" is not a slug (a-z, 0-9, - and _)", s);
            for (int k = 0; k < cfg->nfeeds; k++)
                if (!strcmp(cfg->feeds[k].name, s))
                    pt_jv_error_at(jv, "name", "duplicate feed name \"%s\" (also feeds[%d])", s, k);
            snprintf(fc->name, sizeof fc->name, "%s", s);
        }
        if (!pt_jv_string(jv, f, "plugin", 1, &s)) {
            if (!pt_is_slug(s))
                pt_jv_error_at(jv, "plugin", "\"%s\" is not a plugin name", s);
            snprintf(fc->plugin, sizeof fc->plugin, "%s", s);
        }
        config_cron(jv, f, "schedule", cfg->timezone, fc->schedule);
        json_t *settings = NULL;
        if (!pt_jv_object(jv, f, "settings", 0, &settings)) {
            fc->settings = settings;
            if (json_object_get(settings, "config_dir"))
                pt_jv_error_at(jv, "settings", "config_dir is set by plantrackd (the folder of "
                               "this file); do not set it");
        }
        json_t *secrets;
        if (!pt_jv_object(jv, f, "secrets", 0, &secrets)) {
            size_t ms = pt_jv_key(jv, "secrets");
            const char *k;
            json_t *v;
            json_object_foreach(secrets, k, v)
            {
                if (fc->nsecrets >= 8) {
                    pt_jv_error(jv, "at most 8 secrets");
                    break;
                }
                if (settings && json_object_get(settings, k))
                    pt_jv_error_at(jv, k, "also set in settings: a secret must not be");
                struct pt_secret_ref *ref = &fc->secrets[fc->nsecrets++];
                snprintf(ref->key, sizeof ref->key, "%s", k);
                config_secret(jv, secrets, k, base, ref);
            }
            pt_jv_pop(jv, ms);
        }
        cfg->nfeeds++;
        pt_jv_pop(jv, mi);
    }
    pt_jv_pop(jv, m);
}

int pt_config_load(const char *file, struct pt_config *cfg, struct pt_diag *diag)
{
    memset(cfg, 0, sizeof *cfg);
    int before = diag->count;
    json_t *doc = pt_jv_load_file(file, diag);
    if (!doc)
        return PT_ECONFIG;
    struct pt_jv jv;
    pt_jv_init(&jv, file, diag);
    if (!json_is_object(doc)) {
        pt_jv_error(&jv, "expected an object");
        json_decref(doc);
        return PT_ECONFIG;
    }
    cfg->doc = doc;
    snprintf(cfg->file, sizeof cfg->file, "%s", file);
    /* Paths in the file are relative to its folder, made absolute here so
     * that nothing later depends on the working directory. */
    char base[PATH_MAX], dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (!realpath(slash ? (dir[0] ? dir : "/") : ".", base)) {
        pt_jv_error(&jv, "cannot resolve the file's folder");
        json_decref(doc);
        cfg->doc = NULL;
        return PT_ECONFIG;
    }
    snprintf(cfg->dir, sizeof cfg->dir, "%s", base);

    static const char *const keys[] = {"store",    "catalogues", "timezone",   "schedule",
                                       "evaluation", "jitter",   "shutdown_grace", "plugin_dir",
                                       "log",      "http",       "mail",       "alert",
                                       "feeds",    NULL};
    pt_jv_keys(&jv, doc, keys, NULL);
    config_path(&jv, doc, "store", 1, base, cfg->store, sizeof cfg->store);
    json_t *arr, *v;
    size_t i;
    if (!pt_jv_array(&jv, doc, "catalogues", 1, &arr)) {
        size_t m = pt_jv_key(&jv, "catalogues");
        json_array_foreach(arr, i, v)
        {
            size_t mi = pt_jv_index(&jv, i);
            if (!json_is_string(v) || !*json_string_value(v))
                pt_jv_error(&jv, "expected a file name");
            else if (cfg->ncatalogues >= 16)
                pt_jv_error(&jv, "at most 16 catalogues");
            else {
                const char *s = json_string_value(v);
                int len = snprintf(cfg->catalogues[cfg->ncatalogues], PATH_MAX, "%s%s%s",
                                   s[0] == '/' ? "" : base, s[0] == '/' ? "" : "/", s);
                if (len < 0 || len >= PATH_MAX)
                    pt_jv_error(&jv, "path too long");
                else
                    cfg->ncatalogues++;
            }
            pt_jv_pop(&jv, mi);
        }
        pt_jv_pop(&jv, m);
    }
    const char *s;
    snprintf(cfg->timezone, sizeof cfg->timezone, "Asia/Shanghai");
    if (!pt_jv_string(&jv, doc, "timezone", 0, &s)) {
        /* The scheduler's own check: a real zone file, not a folder. */
        struct pt_cron every;
        struct pt_err zerr;
        time_t next;
        pt_cron_parse("* * * * *", &every, NULL);
        if (!*s || strlen(s) >= sizeof cfg->timezone ||
            pt_cron_next(&every, s, time(NULL), &next, &zerr))
            pt_jv_error_at(&jv, "timezone", "unknown time zone \"%s\" (an IANA name such as "
                           "Asia/Shanghai)", s);
        else
            snprintf(cfg->timezone, sizeof cfg->timezone, "%s", s);
    }
    snprintf(cfg->schedule, sizeof cfg->schedule, "30 1 * * *");
    config_cron(&jv, doc, "schedule", cfg->timezone, cfg->schedule);
    snprintf(cfg->eval_schedule, sizeof cfg->eval_schedule, "0 7 * * *");
    json_t *ev;
    if (!pt_jv_object(&jv, doc, "evaluation", 0, &ev)) {
        size_t m = pt_jv_key(&jv, "evaluation");
        static const char *const ek[] = {"schedule", NULL};
        pt_jv_keys(&jv, ev, ek, NULL);
        config_cron(&jv, ev, "schedule", cfg->timezone, cfg->eval_schedule);
        pt_jv_pop(&jv, m);
    }
    long long n;
    if (!pt_jv_int(&jv, doc, "jitter", 0, 0, 3600, &n))
        cfg->jitter_s = (int)n;
    cfg->shutdown_grace_s = 30;
    if (!pt_jv_int(&jv, doc, "shutdown_grace", 0, 0, 3600, &n))
        cfg->shutdown_grace_s = (int)n;
    snprintf(cfg->plugin_dir, sizeof cfg->plugin_dir, "%s", PT_PLUGIN_DIR);
    config_path(&jv, doc, "plugin_dir", 0, base, cfg->plugin_dir, sizeof cfg->plugin_dir);
    cfg->log_level = PT_LOG_INFO;
    json_t *log;
    if (!pt_jv_object(&jv, doc, "log", 0, &log)) {
        size_t m = pt_jv_key(&jv, "log");
        static const char *const lk[] = {"level", NULL};
        static const char *const levels[] = {"error", "warning", "info", "debug", NULL};
        int l;
        pt_jv_keys(&jv, log, lk, NULL);
        if (!pt_jv_enum(&jv, log, "level", 0, levels, &l))
            cfg->log_level = (enum pt_log_level)l;
        pt_jv_pop(&jv, m);
    }
    config_http(&jv, doc, base, &cfg->http);
    config_mail(&jv, doc, base, &cfg->mail);
    config_alert(&jv, doc, &cfg->alert);
    config_feeds(&jv, doc, base, cfg);
    if (diag->count > before) {
        pt_config_free(cfg);
        return PT_ECONFIG;
    }
    return 0;
}

void pt_config_free(struct pt_config *cfg)
{
    free(cfg->feeds);
    json_decref(cfg->doc);
    memset(cfg, 0, sizeof *cfg);
}

char *pt_config_feed_settings(const struct pt_config *cfg, const struct pt_feed_conf *feed,
                              struct pt_err *err)
{
    json_t *o = feed->settings ? json_deep_copy(feed->settings) : json_object();
    if (!o) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    /* Plugins resolve relative paths in their settings the way this file's
     * own paths are resolved: against the file's folder. */
    json_object_set_new(o, "config_dir", json_string(cfg->dir));
    for (int i = 0; i < feed->nsecrets; i++) {
        const struct pt_secret_ref *r = &feed->secrets[i];
        char value[4096];
        if (pt_secret_read(r->file, r->credential, value, sizeof value, err)) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            pt_err_set(err, err->code, "feed %s: secrets.%s: %s", feed->name, r->key, why);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, r->key, json_string(value));
        memset(value, 0, sizeof value);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        pt_err_set(err, PT_ENOMEM, "out of memory");
    return s;
}
