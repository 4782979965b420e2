/* Assessment: the evaluator applied to what the store holds. */
#include "assess.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actual.h"
#include "cron.h"

int pt_assess_today(const struct pt_plan *plan)
{
    const char *now = getenv("PLANTRACK_NOW");
    if (now && strlen(now) >= 4) {
        int y = atoi(now);
        if (y >= 1900 && y <= 2200)
            return y;
    }
    time_t t = time(NULL);
    struct tm tm;
    /* The year in the plan's own time zone: New Year's Eve in UTC is
     * already the new year in Shijiazhuang. */
    if (pt_cron_localtime(plan && plan->timezone[0] ? plan->timezone : "UTC", t, &tm, NULL) &&
        !gmtime_r(&t, &tm))
        return 1970;
    return tm.tm_year + 1900;
}

int pt_assess_default_year(const struct pt_plan *plan)
{
    int today = pt_assess_today(plan);
    if (today > plan->end_year)
        return plan->end_year;
    if (today < plan->start_year)
        return plan->start_year;
    return today;
}

int pt_assess_indicator(struct pt_store *st, const struct pt_indicator *ind, int year,
                        struct pt_eval *out, struct pt_err *err)
{
    struct pt_actual *a;
    int n;
    int rc = pt_actual_latest(st, ind->key, &a, &n, err);
    if (rc)
        return rc;
    pt_eval_run(&ind->path, a, n, year, out);
    free(a);
    return 0;
}
