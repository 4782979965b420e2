/* The daemon's configuration: one JSON file (default
 * /etc/plantrack/plantrack.json). Loading validates everything and reports
 * each problem as "file: json.path: what"; unknown and duplicate keys are
 * errors. Relative paths in the file are relative to the file's folder.
 * Secrets never live in this file: it names a file or a systemd credential
 * (see secret.h). The format is documented in config/README.md. */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <jansson.h>
#include <limits.h>

#include "error.h"
#include "jsonv.h"
#include "log.h"

#define PT_CONFIG_DEFAULT "/etc/plantrack/plantrack.json"
#define PT_CRON_MAX 128

/* Where a secret comes from: a file, or a systemd credential by name. */
struct pt_secret_ref {
    char key[65];            /* the settings key the value is passed as */
    char file[PATH_MAX];     /* or "" */
    char credential[256];    /* or "" */
};

struct pt_feed_conf {
    char name[65];                /* instance name, unique */
    char plugin[65];
    char schedule[PT_CRON_MAX];   /* "" = the default schedule */
    json_t *settings;             /* borrowed from the document */
    struct pt_secret_ref secrets[8];
    int nsecrets;
};

struct pt_http_conf {
    long connect_timeout_ms, total_timeout_ms;
    long long max_body;
    int max_redirects, retries;
    long backoff_base_ms, backoff_max_ms, retry_after_max_ms;
    char ca_file[PATH_MAX];       /* "" = the system's CAs */
};

struct pt_mail_conf {
    char transport[16];           /* "file" or "smtp"; "" = no mail */
    char spool[PATH_MAX];
    char url[512];
    char from[256];
    char username[256];
    struct pt_secret_ref password;
    int insecure_loopback;        /* plain SMTP to a loopback relay */
    char ca_file[PATH_MAX];       /* "" = the system's CAs */
    long timeout_s;               /* one SMTP attempt, connection to QUIT */
    long retry_base_s, retry_max_s; /* backoff between attempts: base · 2^n, capped */
    long give_up_after_s;         /* then the message is given up, loudly */
    char template_text[PATH_MAX]; /* "" = the built-in templates */
    char template_html[PATH_MAX];
    char template_subject[PATH_MAX];
};

/* The alert state machine's settings (issue 5, DESIGN.md "Verdicts"). */
struct pt_alert_conf {
    int confirm_provisional, confirm_final; /* breaching new actuals before firing */
    int resolve_provisional, resolve_final; /* new actuals back on the path before resolving */
    double resolve_margin;        /* back inside the path by this much, indicator's unit */
    long repeat_interval_s;       /* reminder of a firing alert */
};

struct pt_config {
    char file[PATH_MAX];
    char dir[PATH_MAX];                /* the file's folder, absolute */
    char store[PATH_MAX];
    char catalogues[16][PATH_MAX];
    int ncatalogues;
    char timezone[64];
    char schedule[PT_CRON_MAX];        /* default collection schedule */
    char eval_schedule[PT_CRON_MAX];   /* the evaluation job, besides after collections */
    int jitter_s;                      /* random delay added to each collection */
    int shutdown_grace_s;              /* SIGTERM: time left to running units */
    char plugin_dir[PATH_MAX];
    enum pt_log_level log_level;
    struct pt_http_conf http;
    struct pt_mail_conf mail;
    struct pt_alert_conf alert;
    struct pt_feed_conf *feeds;
    int nfeeds;
    json_t *doc;                       /* owns the settings objects */
};

/* Reads and validates file into *cfg. Problems go to diag; returns
 * PT_ECONFIG when there was any (cfg then holds nothing to free). */
int pt_config_load(const char *file, struct pt_config *cfg, struct pt_diag *diag);
void pt_config_free(struct pt_config *cfg);

/* The settings of a feed as the JSON text handed to its plugin, with the
 * feed's secrets read and added under their keys and "config_dir" set to
 * the configuration file's folder. Caller frees. */
char *pt_config_feed_settings(const struct pt_config *cfg, const struct pt_feed_conf *feed,
                              struct pt_err *err);

#endif
