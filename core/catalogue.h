/* The plan catalogue: plans, bureaus and indicators with their targets.
 * A catalogue file is validated whole and loaded into the store in one
 * transaction (pt_catalogue_load); every other command reads the catalogue
 * back from the store (pt_catalogue_read). The file format is documented
 * in config/indicators/README.md. */
#ifndef PT_CATALOGUE_H
#define PT_CATALOGUE_H

#include <jansson.h>

#include "eval.h"
#include "jsonv.h"
#include "store.h"

#define PT_SLUG_MAX 65  /* 64 characters and the NUL */
#define PT_NAME_MAX 512 /* bytes of UTF-8 */

struct pt_plan {
    char id[PT_SLUG_MAX];
    char name_zh[PT_NAME_MAX];
    char name_en[PT_NAME_MAX];
    char city[PT_SLUG_MAX];
    int base_year, start_year, end_year;
    char timezone[64];
};

struct pt_indicator {
    long long key;          /* store row, stable across reloads */
    char plan_id[PT_SLUG_MAX];
    int no;
    char id[PT_SLUG_MAX];
    char category[PT_SLUG_MAX];
    char name_zh[PT_NAME_MAX];
    char name_en[PT_NAME_MAX];
    char unit[32];
    struct pt_path path;    /* kind, direction, base, latest target vintage */
    char qualifier[16];     /* of the latest target vintage */
    int target_vintage;
    int binding;            /* 约束性 */
    char bureau[PT_SLUG_MAX];
    char cadence[16];       /* annual, quarterly, monthly */
    int release_month;
};

struct pt_catalogue {
    struct pt_plan *plans; /* ordered by start year */
    int nplans;
    struct pt_indicator *ind; /* active indicators, by plan then no */
    int nind;
};

struct pt_catalogue_stats {
    int indicators, bureaus;
    int changed;     /* indicators, bureaus or plan rows written anew */
    int targets;     /* target vintages added */
    int retired;     /* indicators no longer in the file */
};

/* Reads and validates a catalogue file. On success *out owns the document
 * (json_decref it). Every problem goes to diag as "file: path: message";
 * returns PT_ECONFIG when there was any. */
int pt_catalogue_parse(const char *file, json_t **out, struct pt_diag *diag);

/* Writes a validated document into the store in one transaction: upserts the
 * plan, bureaus and indicators, adds target vintages that are new. Loading
 * the same file again changes nothing. */
int pt_catalogue_load(struct pt_store *st, const char *file, json_t *doc,
                      struct pt_catalogue_stats *stats, struct pt_err *err);

/* Reads every plan and active indicator from the store into *out; release
 * with pt_catalogue_free. */
int pt_catalogue_read(struct pt_store *st, struct pt_catalogue **out, struct pt_err *err);
void pt_catalogue_free(struct pt_catalogue *cat);

/* The plan called id, or NULL. */
const struct pt_plan *pt_catalogue_plan(const struct pt_catalogue *cat, const char *id);
/* The plan evaluated by default for year `today`: the one running then, else
 * the latest that has ended. NULL when there is none. */
const struct pt_plan *pt_catalogue_current_plan(const struct pt_catalogue *cat, int today);

/* The indicator named by its id or its number, in plan (NULL: any plan; an
 * id or number found in two plans is then ambiguous). */
const struct pt_indicator *pt_catalogue_find(const struct pt_catalogue *cat, const char *plan,
                                             const char *ref, struct pt_err *err);

#endif
