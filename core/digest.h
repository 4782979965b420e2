/* A digest: what one message to one bureau carries. The alert engine
 * (alert.c) fills it from the alerts it moved; the composer (mail.c) renders
 * it through the templates. Plain data with fixed-size strings, so either
 * side can copy it. */
#ifndef PT_DIGEST_H
#define PT_DIGEST_H

#include "catalogue.h"
#include "eval.h"

/* Why an alert is in a digest. */
enum pt_notice {
    PT_NOTICE_FIRING,   /* newly firing */
    PT_NOTICE_REMINDER, /* still firing, repeat_interval since the last message */
    PT_NOTICE_RESOLVED, /* back on the path: announced once */
};
extern const char *const pt_notice_names[]; /* "firing", "reminder", "resolved" */

enum pt_alert_kind {
    PT_ALERT_BEHIND_PATH,
    PT_ALERT_PROJECTION_MISSES_TARGET,
    PT_ALERT_TARGET_MISSED,
    PT_ALERT_OVERDUE,
    PT_ALERT_KINDS
};
extern const char *const pt_alert_kind_names[]; /* "behind_path", …, as in the store */

struct pt_digest_item {
    enum pt_notice notice;
    enum pt_alert_kind kind;
    long long alert_id;
    char since[32];         /* ISO 8601 UTC: firing since (or resolved at) */
    /* the indicator, as the catalogue has it */
    int no;
    char indicator_id[PT_SLUG_MAX];
    char name_zh[PT_NAME_MAX];
    char name_en[PT_NAME_MAX];
    char unit[32];
    int binding;            /* 约束性: critical, listed first */
    int province_assigned;  /* the target carries the table's * */
    char qualifier[16];     /* of the target: exactly, at_least, at_most, about */
    int target_year;
    double target;
    /* the verdict the alert moved on: year judged, expected, actual (its
     * period, final or provisional as of a date), gap, projection, rate
     * still required; see struct pt_eval for which fields are set */
    struct pt_eval eval;
    char source[128];       /* where the actual came from: feed instance or "manual" */
    long long run_id;       /* the run that recorded it, 0 when none */
    char provenance[512];   /* the actual's provenance JSON, "" when none */
    char overdue_since[11]; /* overdue: the date the missing release was due, else "" */
};

struct pt_digest {
    char plan_id[PT_SLUG_MAX];
    char plan_name_zh[PT_NAME_MAX];
    char plan_name_en[PT_NAME_MAX];
    char bureau_id[PT_SLUG_MAX];
    char bureau_name_zh[PT_NAME_MAX];
    char bureau_name_en[PT_NAME_MAX];
    char email[256];
    struct pt_digest_item *items; /* binding first, then by indicator number */
    int nitems;
    long long *events;            /* alert_events rows it reports, ascending: */
    int nevents;                  /* the Message-ID is derived from them */
};

void pt_digest_free(struct pt_digest *d);

#endif
