/* Actuals: the values an indicator really took, final (a whole year) or
 * provisional (year to date as of a date), with vintages. A changed value
 * adds a vintage and never overwrites; the same value again adds nothing. */
#ifndef PT_ACTUAL_H
#define PT_ACTUAL_H

#include "catalogue.h"
#include "eval.h"
#include "store.h"

/* An actual as it arrives, from the CLI or (later) a plugin. */
struct pt_actual_in {
    const char *period;     /* "2023" */
    int provisional;
    const char *as_of;      /* "YYYY-MM-DD" for provisional values, else NULL */
    double value;
    const char *unit;       /* NULL: the indicator's unit */
    const char *source;     /* who said so: "manual", "letter 2024-03-02", … */
    const char *provenance; /* JSON text or NULL */
    long long run_id;       /* 0: not from a run */
};

/* One stored actual, for show and export. */
struct pt_actual_row {
    char period[8];
    int provisional;
    char as_of[11];
    int vintage;
    double value;           /* in the indicator's unit */
    double reported_value;
    char reported_unit[32];
    char source[512];
    char provenance[1024];
    long long run_id;
    char recorded_at[32];
};

/* Checks an incoming actual against its plan and indicator (period range
 * base year … end year + 10 and not in the future, as-of date, finite value,
 * convertible unit)
 * and converts its value into *value. Writes nothing. */
int pt_actual_check(const struct pt_plan *plan, const struct pt_indicator *ind,
                    const struct pt_actual_in *in, double *value, struct pt_err *err);

/* Records a checked actual inside the caller's write transaction. *vintage
 * receives the vintage that now holds the value and *added whether a row
 * was written. */
int pt_actual_record(struct pt_store *st, const struct pt_plan *plan,
                     const struct pt_indicator *ind, const struct pt_actual_in *in, int *vintage,
                     int *added, struct pt_err *err);

/* Every stored actual of an indicator, every vintage, ordered by period,
 * status, as-of and vintage. *rows is malloc'd: free it. */
int pt_actual_list(struct pt_store *st, long long key, struct pt_actual_row **rows, int *n,
                   struct pt_err *err);

/* The latest vintage of each period and as-of date, as the evaluator takes
 * them. *out is malloc'd: free it. */
int pt_actual_latest(struct pt_store *st, long long key, struct pt_actual **out, int *n,
                     struct pt_err *err);

#endif
