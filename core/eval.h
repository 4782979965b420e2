/* The evaluator: how each kind of indicator moves from its base to its
 * target, and what the latest actual says about it. Pure computation on
 * values handed in; it reads no store and knows nothing about alerts.
 * DESIGN.md ("Indicator kinds", "Verdicts", "Periods") is the specification. */
#ifndef PT_EVAL_H
#define PT_EVAL_H

enum pt_kind {
    PT_KIND_LEVEL,             /* straight line from base to target */
    PT_KIND_AVERAGE_RATE,      /* 年均增长: compound average rate since the base year */
    PT_KIND_CUMULATIVE_CHANGE, /* yearly changes chained: Π(1 + r) − 1 */
    PT_KIND_CEILING,           /* at most the target, every year */
    PT_KIND_FLOOR,             /* at least the target, every year */
    PT_KIND_END_TARGET,        /* only the target year counts */
};
/* "level", "average_rate", …, NULL: indexed by enum pt_kind. */
extern const char *const pt_kind_names[];

enum pt_verdict { PT_NO_DATA, PT_ON_TRACK, PT_AT_RISK, PT_OFF_TRACK };
extern const char *const pt_verdict_names[]; /* "no_data", "on_track", … */

/* An indicator's path: what the evaluator needs of the catalogue entry. */
struct pt_path {
    enum pt_kind kind;
    int direction;   /* +1: more is better; −1: less is better */
    int base_year;
    int has_base;
    double base;
    int target_year;
    double target;   /* for rate kinds: % a year or cumulative % change */
    double margin;   /* alert margin in the indicator's unit, ≥ 0 */
    int seasonal;    /* compare provisional values with the same period last year */
};

/* One actual, latest vintage of its period. */
struct pt_actual {
    int year;
    int provisional;  /* 0: final for the whole year */
    char as_of[11];   /* YYYY-MM-DD for provisional values, "" otherwise */
    double value;
};

struct pt_eval {
    int year;                 /* evaluated for */
    int has_expected;
    double expected;          /* the path's value in year */
    int has_actual;
    struct pt_actual actual;  /* the latest actual up to year */
    int has_measure;
    double measure;           /* what is compared: the actual, or the compound
                                 average / chained change to its year */
    int has_compared_with;
    double compared_with;     /* path value the measure is compared with */
    int has_gap;
    double gap;               /* measure − compared_with */
    int has_projection;
    double projection;        /* least squares over finals, to the target year */
    int has_required;
    double required;          /* rate still required each remaining year */
    int on_path;              /* 1 yes, 0 no, −1 cannot tell */
    int projection_reaches;   /* 1 yes, 0 no, −1 no projection yet */
    int target_missed;        /* a target year's final misses the target */
    enum pt_verdict verdict;
    char reason[256];         /* one sentence for people */
};

/* The path's value in year into *out. Returns 0, or PT_ENOTFOUND where the
 * kind has no value that year (an end target before its year, a level
 * without a base). */
int pt_eval_expected(const struct pt_path *p, int year, double *out);

/* Evaluates the path against actuals (any order; one entry per period and
 * as-of date, latest vintage) for year. Fills *out completely. */
void pt_eval_run(const struct pt_path *p, const struct pt_actual *actuals, int n, int year,
                 struct pt_eval *out);

/* The compound average rate (%) of yearly rates r[0..n-1] (%). */
double pt_eval_compound_average(const double *r, int n);
/* The chained change (%) of yearly changes r[0..n-1] (%): Π(1 + r) − 1. */
double pt_eval_chain(const double *r, int n);

#endif
