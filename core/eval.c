/* The evaluator. Everything here is arithmetic on the catalogue's path and
 * the actuals handed in; the callers fetch them from the store. */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

const char *const pt_kind_names[] = {"level",   "average_rate", "cumulative_change", "ceiling",
                                     "floor",   "end_target",   NULL};
const char *const pt_verdict_names[] = {"no_data", "on_track", "at_risk", "off_track", NULL};

/* Comparisons tolerate the last bits of binary arithmetic (66 + 4·3/5 is not
 * exactly 68.4) but nothing a person could see. */
static double slack(double x)
{
    return 1e-9 * (fabs(x) > 1 ? fabs(x) : 1);
}

double pt_eval_compound_average(const double *r, int n)
{
    if (n <= 0)
        return NAN;
    double logsum = 0;
    for (int i = 0; i < n; i++)
        logsum += log1p(r[i] / 100);
    return expm1(logsum / n) * 100;
}

double pt_eval_chain(const double *r, int n)
{
    double prod = 1;
    for (int i = 0; i < n; i++)
        prod *= 1 + r[i] / 100;
    return (prod - 1) * 100;
}

int pt_eval_expected(const struct pt_path *p, int year, double *out)
{
    int span = p->target_year - p->base_year;
    int k = year - p->base_year;
    switch (p->kind) {
    case PT_KIND_LEVEL:
        if (!p->has_base || span <= 0)
            return PT_ENOTFOUND;
        if (k <= 0)
            *out = p->base;
        else if (k >= span)
            *out = p->target;
        else
            *out = p->base + (p->target - p->base) * k / span;
        return 0;
    case PT_KIND_AVERAGE_RATE:
        /* The compound average from the base year to any year must reach
         * the target rate: the path is the rate itself. */
        if (k <= 0)
            return PT_ENOTFOUND;
        *out = p->target;
        return 0;
    case PT_KIND_CUMULATIVE_CHANGE:
        /* The compounded share of the total change: (1 + T)^(k/N) − 1. */
        if (span <= 0)
            return PT_ENOTFOUND;
        if (k <= 0)
            *out = 0;
        else if (k >= span)
            *out = p->target;
        else
            *out = expm1(log1p(p->target / 100) * k / span) * 100;
        return 0;
    case PT_KIND_CEILING:
    case PT_KIND_FLOOR:
        /* A bound holds every year; it is never interpolated. */
        *out = p->target;
        return 0;
    case PT_KIND_END_TARGET:
        if (year < p->target_year)
            return PT_ENOTFOUND;
        *out = p->target;
        return 0;
    }
    return PT_EINVAL;
}

/* Whether v satisfies "reference" for this path: at or better than it, by
 * the direction, within the margin; bounds for ceilings and floors. */
static int eval_meets(const struct pt_path *p, double v, double reference)
{
    double tol = p->margin + slack(reference);
    if (p->kind == PT_KIND_CEILING)
        return v <= reference + tol;
    if (p->kind == PT_KIND_FLOOR)
        return v >= reference - tol;
    return p->direction >= 0 ? v >= reference - tol : v <= reference + tol;
}

static int is_rate_kind(enum pt_kind k)
{
    return k == PT_KIND_AVERAGE_RATE || k == PT_KIND_CUMULATIVE_CHANGE;
}

/* The final of a year, or NULL. */
static const struct pt_actual *final_of(const struct pt_actual *a, int n, int year)
{
    for (int i = 0; i < n; i++)
        if (!a[i].provisional && a[i].year == year)
            return &a[i];
    return NULL;
}

/* The actual that speaks for `year` and before: the latest year, its final
 * if there is one, else its provisional value with the latest as-of date. */
static const struct pt_actual *latest_actual(const struct pt_actual *a, int n, int year)
{
    const struct pt_actual *best = NULL;
    for (int i = 0; i < n; i++) {
        if (a[i].year > year)
            continue;
        if (!best || a[i].year > best->year) {
            best = &a[i];
            continue;
        }
        if (a[i].year < best->year)
            continue;
        if (best->provisional && !a[i].provisional)
            best = &a[i];
        else if (best->provisional && a[i].provisional && strcmp(a[i].as_of, best->as_of) > 0)
            best = &a[i];
    }
    return best;
}

/* The yearly values of a rate kind from the year after the base through
 * `last`: finals, and `last` itself from the chosen actual. Missing years
 * are skipped; *missing counts them. */
static int rate_values(const struct pt_path *p, const struct pt_actual *a, int n,
                       const struct pt_actual *last, double *out, int cap, int *missing)
{
    int m = 0;
    *missing = 0;
    for (int y = p->base_year + 1; y <= last->year && m < cap; y++) {
        const struct pt_actual *f = y == last->year ? last : final_of(a, n, y);
        if (f)
            out[m++] = f->value;
        else
            (*missing)++;
    }
    return m;
}

/* Least squares over the finals up to `year` (after the base year): the
 * fitted value at x. Needs two finals in two different years. */
static int fit_line(const struct pt_path *p, const struct pt_actual *a, int n, int year,
                    double *slope, double *intercept)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (a[i].provisional || a[i].year > year || a[i].year <= p->base_year)
            continue;
        double x = a[i].year - p->base_year;
        sx += x;
        sy += a[i].value;
        sxx += x * x;
        sxy += x * a[i].value;
        m++;
    }
    double den = m * sxx - sx * sx;
    if (m < 2 || den == 0)
        return 0;
    *slope = (m * sxy - sx * sy) / den;
    *intercept = (sy - *slope * sx) / m;
    return 1;
}

static void eval_projection(const struct pt_path *p, const struct pt_actual *a, int n, int year,
                            struct pt_eval *e)
{
    double b, c;
    if (!fit_line(p, a, n, year, &b, &c))
        return;
    if (is_rate_kind(p->kind)) {
        /* Finals where known, the fitted line for every other year to the
         * target year, combined as the kind combines its years. */
        double r[128];
        int m = 0;
        for (int y = p->base_year + 1; y <= p->target_year && m < 128; y++) {
            const struct pt_actual *f = y <= year ? final_of(a, n, y) : NULL;
            r[m++] = f ? f->value : c + b * (y - p->base_year);
        }
        e->projection = p->kind == PT_KIND_AVERAGE_RATE ? pt_eval_compound_average(r, m)
                                                        : pt_eval_chain(r, m);
    } else {
        e->projection = c + b * (p->target_year - p->base_year);
    }
    if (!isfinite(e->projection))
        return;
    e->has_projection = 1;
    e->projection_reaches = eval_meets(p, e->projection, p->target);
}

static void eval_required(const struct pt_path *p, struct pt_eval *e)
{
    int left = p->target_year - e->actual.year;
    int done = e->actual.year - p->base_year;
    if (left <= 0 || !e->has_measure)
        return;
    switch (p->kind) {
    case PT_KIND_LEVEL:
    case PT_KIND_END_TARGET:
        e->required = (p->target - e->measure) / left;
        break;
    case PT_KIND_AVERAGE_RATE: {
        /* ((1 + T)^N / (1 + avg)^k)^(1/(N − k)) − 1 */
        double need = log1p(p->target / 100) * (done + left) - log1p(e->measure / 100) * done;
        e->required = expm1(need / left) * 100;
        break;
    }
    case PT_KIND_CUMULATIVE_CHANGE:
        e->required = expm1((log1p(p->target / 100) - log1p(e->measure / 100)) / left) * 100;
        break;
    default:
        return;
    }
    e->has_required = isfinite(e->required);
}

/* A provisional value of a seasonal series is compared with the same
 * period of the previous year, scaled by the change the path asks for that
 * year (DESIGN.md, Periods): a polluted January is not a missed year. */
static int seasonal_reference(const struct pt_path *p, const struct pt_actual *a, int n,
                              const struct pt_actual *cur, double *out)
{
    double now, before;
    for (int i = 0; i < n; i++) {
        if (!a[i].provisional || a[i].year != cur->year - 1)
            continue;
        if (strlen(a[i].as_of) != 10 || strcmp(a[i].as_of + 5, cur->as_of + 5) != 0)
            continue;
        if (pt_eval_expected(p, cur->year, &now) || pt_eval_expected(p, cur->year - 1, &before) ||
            before == 0)
            return 0;
        *out = a[i].value * now / before;
        return 1;
    }
    return 0;
}

void pt_eval_run(const struct pt_path *p, const struct pt_actual *a, int n, int year,
                 struct pt_eval *e)
{
    memset(e, 0, sizeof *e);
    e->year = year;
    e->on_path = -1;
    e->projection_reaches = -1;
    e->has_expected = pt_eval_expected(p, year, &e->expected) == 0;

    const struct pt_actual *last = latest_actual(a, n, year);
    if (!last) {
        e->verdict = PT_NO_DATA;
        snprintf(e->reason, sizeof e->reason, "no actual up to %d", year);
        return;
    }
    e->has_actual = 1;
    e->actual = *last;

    int missing = 0;
    if (is_rate_kind(p->kind)) {
        double r[128];
        int m = rate_values(p, a, n, last, r, 128, &missing);
        if (m > 0) {
            e->measure = p->kind == PT_KIND_AVERAGE_RATE ? pt_eval_compound_average(r, m)
                                                         : pt_eval_chain(r, m);
            e->has_measure = isfinite(e->measure);
        }
    } else {
        e->measure = last->value;
        e->has_measure = 1;
    }

    int seasonal = 0;
    if (last->provisional && p->seasonal && !is_rate_kind(p->kind)) {
        seasonal = 1;
        e->has_compared_with = seasonal_reference(p, a, n, last, &e->compared_with);
    } else {
        e->has_compared_with = pt_eval_expected(p, last->year, &e->compared_with) == 0;
    }
    if (e->has_measure && e->has_compared_with) {
        e->gap = e->measure - e->compared_with;
        e->has_gap = 1;
        e->on_path = eval_meets(p, e->measure, e->compared_with);
    }

    eval_projection(p, a, n, year, e);
    eval_required(p, e);

    char why[160] = "";
    if (missing)
        snprintf(why, sizeof why, "; %d year%s without a final left out", missing,
                 missing > 1 ? "s" : "");

    /* A target year's final settles it. */
    if (!last->provisional && last->year >= p->target_year && e->has_measure) {
        e->target_missed = !eval_meets(p, e->measure, p->target);
        e->verdict = e->target_missed ? PT_OFF_TRACK : PT_ON_TRACK;
        snprintf(e->reason, sizeof e->reason, "the %d final %s the target%s", last->year,
                 e->target_missed ? "misses" : "meets", why);
        return;
    }

    int nos = (e->on_path == 0) + (e->projection_reaches == 0);
    e->verdict = nos == 2 ? PT_OFF_TRACK : nos == 1 ? PT_AT_RISK : PT_ON_TRACK;
    const char *path = e->on_path == 1   ? "on the path"
                       : e->on_path == 0 ? "behind the path"
                       : seasonal        ? "no same period last year to compare with"
                                         : "no path before the target year";
    const char *proj = e->projection_reaches == 1   ? "the projection reaches the target"
                       : e->projection_reaches == 0 ? "the projection misses the target"
                                                    : "no projection yet (needs two finals)";
    snprintf(e->reason, sizeof e->reason, "%s; %s%s", path, proj, why);
}
