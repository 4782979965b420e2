/* Assessing indicators against the store: which year a plan is judged for,
 * and the evaluator run on an indicator's stored actuals. Shared by the CLI
 * and the daemon's evaluation job. */
#ifndef PT_ASSESS_H
#define PT_ASSESS_H

#include "catalogue.h"
#include "eval.h"
#include "store.h"

/* The current year in plan's time zone (PLANTRACK_NOW overrides the clock). */
int pt_assess_today(const struct pt_plan *plan);
/* The year a plan is judged for by default: its target year once it has
 * ended (the final assessment), else the current year. */
int pt_assess_default_year(const struct pt_plan *plan);
/* Evaluates ind for year on the latest vintage of each stored actual. */
int pt_assess_indicator(struct pt_store *st, const struct pt_indicator *ind, int year,
                        struct pt_eval *out, struct pt_err *err);

/* Counts by verdict over every active indicator of every plan, each plan at
 * its default year: the evaluation job's summary. */
struct pt_assess_summary {
    int indicators;
    int by_verdict[4]; /* indexed by enum pt_verdict */
};

#endif
