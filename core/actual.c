/* Actuals in the store: checking, recording with vintages, reading back. */
#include "actual.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"

/* How far past its end a plan is still tracked: the 远景目标 horizon. */
#define PT_PERIOD_AFTER_END 10

static int parse_year(const char *s, int *year)
{
    if (!s || strlen(s) != 4)
        return 0;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    *year = atoi(s);
    return 1;
}

/* A real calendar date YYYY-MM-DD. */
static int parse_date(const char *s, int *year)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != m - 1)
        return 0;
    *year = y;
    return 1;
}

/* Days since 1970 of the date that starts s ("YYYY-MM-DD…"). */
static long date_days(const char *s)
{
    int y = 0, m = 1, d = 1;
    sscanf(s, "%4d-%2d-%2d", &y, &m, &d);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return (long)(timegm(&tm) / 86400);
}

int pt_actual_check(const struct pt_plan *plan, const struct pt_indicator *ind,
                    const struct pt_actual_in *in, double *value, struct pt_err *err)
{
    int year, as_of_year;
    int first = plan->base_year, last = plan->end_year + PT_PERIOD_AFTER_END;
    if (!parse_year(in->period, &year))
        return pt_err_set(err, PT_EINVAL, "%s: period \"%s\" is not a year (YYYY)", ind->id,
                          in->period ? in->period : "");
    if (year < first || year > last)
        return pt_err_set(err, PT_ERANGE,
                          "%s: period %d is outside plan %s's range %d-%d", ind->id, year,
                          plan->id, first, last);
    /* Nothing can be reported for a year that has not begun, nor as of a
     * day that has not come (a day of slack for time zones). */
    char now[32];
    pt_store_now(now);
    int this_year = atoi(now);
    if (year > this_year)
        return pt_err_set(err, PT_ERANGE, "%s: period %d is in the future (it is %d now)",
                          ind->id, year, this_year);
    if (in->provisional) {
        if (!in->as_of)
            return pt_err_set(err, PT_EINVAL,
                              "%s: a provisional value needs its as-of date (YYYY-MM-DD)",
                              ind->id);
        if (!parse_date(in->as_of, &as_of_year))
            return pt_err_set(err, PT_EINVAL, "%s: as-of date \"%s\" is not a date (YYYY-MM-DD)",
                              ind->id, in->as_of);
        /* Year to date: as of a day in the year, or early the next year for
         * a December figure published in January. */
        if (as_of_year != year && as_of_year != year + 1)
            return pt_err_set(err, PT_ERANGE,
                              "%s: as-of date %s does not fall in or just after period %d",
                              ind->id, in->as_of, year);
        if (date_days(in->as_of) > date_days(now) + 1)
            return pt_err_set(err, PT_ERANGE, "%s: as-of date %s is in the future (today is %.10s)",
                              ind->id, in->as_of, now);
    } else if (in->as_of) {
        return pt_err_set(err, PT_EINVAL,
                          "%s: an as-of date applies to provisional values only", ind->id);
    }
    if (!isfinite(in->value))
        return pt_err_set(err, PT_EINVAL, "%s: value is not a finite number", ind->id);
    const char *unit = in->unit ? in->unit : ind->unit;
    struct pt_err uerr;
    if (pt_unit_convert(in->value, unit, ind->unit, value, &uerr))
        return pt_err_set(err, uerr.code, "%s (indicator %d, unit %s): %s", ind->id, ind->no,
                          ind->unit, uerr.msg);
    return 0;
}

int pt_actual_record(struct pt_store *st, const struct pt_plan *plan,
                     const struct pt_indicator *ind, const struct pt_actual_in *in, int *vintage,
                     int *added, struct pt_err *err)
{
    double value;
    *added = 0;
    *vintage = 0;
    int rc = pt_actual_check(plan, ind, in, &value, err);
    if (rc)
        return rc;
    const char *status = in->provisional ? "provisional" : "final";
    const char *as_of = in->provisional ? in->as_of : "";
    sqlite3_stmt *s;
    if ((rc = pt_store_prepare(st,
                               "SELECT vintage, value FROM actuals WHERE indicator_key = ? AND "
                               "period = ? AND status = ? AND as_of = ? "
                               "ORDER BY vintage DESC LIMIT 1",
                               &s, err)))
        return rc;
    sqlite3_bind_int64(s, 1, ind->key);
    sqlite3_bind_text(s, 2, in->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, as_of, -1, SQLITE_STATIC);
    int last = 0;
    double last_value = 0;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        last = sqlite3_column_int(s, 0);
        last_value = sqlite3_column_double(s, 1);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return pt_store_fail(st, err, "reading actuals");
    if (last && last_value == value) {
        *vintage = last;
        return 0;
    }
    char now[32];
    pt_store_now(now);
    if ((rc = pt_store_prepare(st,
                               "INSERT INTO actuals (indicator_key, period, status, as_of, "
                               "vintage, value, reported_value, reported_unit, source, "
                               "provenance, run_id, recorded_at) "
                               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                               &s, err)))
        return rc;
    const char *unit = in->unit ? in->unit : ind->unit;
    sqlite3_bind_int64(s, 1, ind->key);
    sqlite3_bind_text(s, 2, in->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, as_of, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, last + 1);
    sqlite3_bind_double(s, 6, value);
    sqlite3_bind_double(s, 7, in->value);
    sqlite3_bind_text(s, 8, pt_unit_find(unit)->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, in->source ? in->source : "manual", -1, SQLITE_STATIC);
    if (in->provenance)
        sqlite3_bind_text(s, 10, in->provenance, -1, SQLITE_STATIC);
    if (in->run_id)
        sqlite3_bind_int64(s, 11, in->run_id);
    sqlite3_bind_text(s, 12, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return pt_store_fail(st, err, "recording an actual");
    *vintage = last + 1;
    *added = 1;
    return 0;
}

static void col_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

int pt_actual_list(struct pt_store *st, long long key, struct pt_actual_row **rows, int *n,
                   struct pt_err *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *s;
    int rc = pt_store_prepare(st,
                              "SELECT period, status, as_of, vintage, value, reported_value, "
                              "reported_unit, source, provenance, run_id, recorded_at "
                              "FROM actuals WHERE indicator_key = ? "
                              "ORDER BY period, status, as_of, vintage",
                              &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, key);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct pt_actual_row *r = realloc(*rows, (size_t)(*n + 1) * sizeof *r);
        if (!r) {
            sqlite3_finalize(s);
            free(*rows);
            *rows = NULL;
            *n = 0;
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
        *rows = r;
        r = &r[(*n)++];
        col_text(r->period, sizeof r->period, s, 0);
        r->provisional = strcmp((const char *)sqlite3_column_text(s, 1), "provisional") == 0;
        col_text(r->as_of, sizeof r->as_of, s, 2);
        r->vintage = sqlite3_column_int(s, 3);
        r->value = sqlite3_column_double(s, 4);
        r->reported_value = sqlite3_column_double(s, 5);
        col_text(r->reported_unit, sizeof r->reported_unit, s, 6);
        col_text(r->source, sizeof r->source, s, 7);
        col_text(r->provenance, sizeof r->provenance, s, 8);
        r->run_id = sqlite3_column_int64(s, 9);
        col_text(r->recorded_at, sizeof r->recorded_at, s, 10);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(*rows);
        *rows = NULL;
        *n = 0;
        return pt_store_fail(st, err, "reading actuals");
    }
    return 0;
}

int pt_actual_latest(struct pt_store *st, long long key, struct pt_actual **out, int *n,
                     struct pt_err *err)
{
    struct pt_actual_row *rows;
    int nrows;
    *out = NULL;
    *n = 0;
    int rc = pt_actual_list(st, key, &rows, &nrows, err);
    if (rc)
        return rc;
    struct pt_actual *a = calloc(nrows ? (size_t)nrows : 1, sizeof *a);
    if (!a) {
        free(rows);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    /* Rows come ordered by period, status, as-of, vintage: the last row of
     * each run of equal keys is its latest vintage. */
    for (int i = 0; i < nrows; i++) {
        const struct pt_actual_row *r = &rows[i], *next = i + 1 < nrows ? &rows[i + 1] : NULL;
        if (next && strcmp(next->period, r->period) == 0 && next->provisional == r->provisional &&
            strcmp(next->as_of, r->as_of) == 0)
            continue;
        struct pt_actual *x = &a[(*n)++];
        x->year = atoi(r->period);
        x->provisional = r->provisional;
        snprintf(x->as_of, sizeof x->as_of, "%s", r->as_of);
        x->value = r->value;
    }
    free(rows);
    *out = a;
    return 0;
}
