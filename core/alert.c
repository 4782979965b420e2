/* The alert engine. The step function and the judging of verdicts are pure
 * and tested without a store; pt_alerts_run applies them to every indicator
 * inside the caller's transaction and gathers the digests. It neither
 * renders nor sends anything: mail.c and mailer.c do. */
#include "alert.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actual.h"
#include "cron.h"

const char *const pt_notice_names[] = {"firing", "reminder", "resolved", NULL};
const char *const pt_alert_kind_names[] = {"behind_path", "projection_misses_target",
                                           "target_missed", "overdue", NULL};
const char *const pt_alert_state_names[] = {"ok", "pending", "firing", "resolved", NULL};
const char *const pt_alert_point_names[] = {"none", "unknown", "breach", "neutral", "clear", NULL};

/* ---- time -------------------------------------------------------------- */

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ", or -1 when s is not a
 * real time written that way. */
static time_t iso_time(const char *s)
{
    int y, mo, d, h, mi, se;
    char z;
    if (!s || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z' ||
        s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return -1;
    if (y < 1900 || y > 9000 || h > 23 || mi > 59 || se > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
        return -1;
    return t;
}

int pt_alert_local_date(const char *tz, const char *now_iso, char date[11], struct pt_err *err)
{
    time_t t = iso_time(now_iso);
    if (t < 0)
        return pt_err_set(err, PT_EINVAL, "time \"%s\" is not YYYY-MM-DDTHH:MM:SSZ",
                          now_iso ? now_iso : "");
    struct tm tm;
    int rc = pt_cron_localtime(tz && *tz ? tz : "UTC", t, &tm, err);
    if (rc)
        return rc;
    char buf[48];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(date, 11, "%.10s", buf);
    return 0;
}

/* ---- the step function ------------------------------------------------- */

static int at_least_one(int n)
{
    return n < 1 ? 1 : n;
}

static void enter(struct pt_alert *a, enum pt_alert_state s, const char *now)
{
    a->state = s;
    snprintf(a->since, sizeof a->since, "%s", now);
}

/* One counted point: confirmation, falling back, resolution. */
static void step_point(struct pt_alert *a, const struct pt_alert_obs *o,
                       const struct pt_alert_conf *c, const char *now)
{
    int confirm =
        o->timed ? 1 : at_least_one(o->provisional ? c->confirm_provisional : c->confirm_final);
    int resolve =
        o->timed ? 1 : at_least_one(o->provisional ? c->resolve_provisional : c->resolve_final);
    switch (o->point) {
    case PT_POINT_BREACH:
        a->ok_points = 0;
        /* A timed breach is one long breach, not a count of actuals: the
         * row is not rewritten every night it lasts. */
        if (o->timed)
            a->breach_points = 1;
        else if (a->breach_points < INT_MAX)
            a->breach_points++;
        if (a->state == PT_ALERT_FIRING)
            break;
        if (a->breach_points >= confirm)
            enter(a, PT_ALERT_FIRING, now);
        else if (a->state != PT_ALERT_PENDING)
            enter(a, PT_ALERT_PENDING, now);
        break;
    case PT_POINT_NEUTRAL:
    case PT_POINT_CLEAR:
        a->breach_points = 0;
        if (a->state == PT_ALERT_PENDING) {
            enter(a, PT_ALERT_OK, now);
        } else if (a->state == PT_ALERT_FIRING) {
            /* Resolution needs resolve_points clear points in a row: a point
             * merely on the path, inside the margin, starts the count again. */
            a->ok_points = o->point == PT_POINT_CLEAR ? a->ok_points + 1 : 0;
            if (a->ok_points >= resolve) {
                a->ok_points = 0;
                enter(a, PT_ALERT_RESOLVED, now);
            }
        }
        break;
    default:
        break;
    }
}

static int reminder_due(const struct pt_alert *a, const struct pt_alert_conf *c, const char *now)
{
    if (!a->last_notified_at[0])
        return 1;
    time_t last = iso_time(a->last_notified_at), t = iso_time(now);
    if (last < 0 || t < 0)
        return 1; /* an unreadable time: remind rather than forget */
    return difftime(t, last) >= (double)c->repeat_interval_s;
}

static int alert_same(const struct pt_alert *x, const struct pt_alert *y)
{
    return x->state == y->state && x->breach_points == y->breach_points &&
           x->ok_points == y->ok_points && !strcmp(x->last_actual, y->last_actual) &&
           !strcmp(x->since, y->since) && !strcmp(x->last_notified_at, y->last_notified_at);
}

/* Whether two actual keys ("period/status/as_of/vintage") name the same
 * point in different vintages: everything before the last '/' is equal. */
static int same_point(const char *x, const char *y)
{
    const char *sx = strrchr(x, '/'), *sy = strrchr(y, '/');
    return sx && sy && sx - x == sy - y && !strncmp(x, y, (size_t)(sx - x)) && strcmp(sx, sy);
}

/* Whether a revised judgement differs from the one the alert holds for the
 * point it revises, read from the counters: a breach while breach_points
 * > 0, clear while firing with ok_points > 0, else neither. Stepping it
 * where they agree would count the same data point twice. */
static int judgement_differs(const struct pt_alert *a, enum pt_alert_point point)
{
    int held_breach = a->breach_points > 0;
    int held_clear = !held_breach && a->state == PT_ALERT_FIRING && a->ok_points > 0;
    switch (point) {
    case PT_POINT_BREACH:
        return !held_breach;
    case PT_POINT_CLEAR:
        return held_breach || (a->state == PT_ALERT_FIRING && !held_clear);
    case PT_POINT_NEUTRAL:
        return held_breach || held_clear;
    default:
        return 0; /* an unjudgeable point moves nothing */
    }
}

/* Counts one observation into *a: the state machine without notices.
 * Returns whether it counted. */
static int count_one(struct pt_alert *a, const struct pt_alert_obs *o,
                     const struct pt_alert_conf *c, const char *now)
{
    if (o->point == PT_POINT_NONE)
        return 0;
    if (o->timed) {
        step_point(a, o, c, now);
        return 1;
    }
    if (!o->actual || !*o->actual)
        return 0;
    int revision = o->revision || same_point(o->actual, a->last_actual);
    if (!revision && !strcmp(o->actual, a->last_actual))
        return 0; /* the same actual evaluated again */
    snprintf(a->last_actual, sizeof a->last_actual, "%s", o->actual);
    if (revision && !judgement_differs(a, o->point))
        return 0;
    step_point(a, o, c, now);
    return 1;
}

void pt_alert_advance(struct pt_alert *a, const struct pt_alert_obs *o, int n,
                      const struct pt_alert_conf *c, const char *now, struct pt_alert_move *m,
                      struct pt_alert *trace)
{
    struct pt_alert before = *a;
    memset(m, 0, sizeof *m);
    m->from = a->state;
    m->notice = -1;
    int entered = 0; /* a firing episode began during these observations */
    for (int i = 0; i < n; i++) {
        enum pt_alert_state was = a->state;
        m->counted |= count_one(a, &o[i], c, now);
        if (a->state == PT_ALERT_FIRING && was != PT_ALERT_FIRING) {
            /* A new episode: last_notified_at now says whether this one was
             * announced, which decides whether its resolution is. */
            a->last_notified_at[0] = '\0';
            entered = 1;
        }
        if (trace)
            trace[i] = *a;
    }
    int silenced = n > 0 && o[n - 1].silenced;
    if (a->state == PT_ALERT_FIRING) {
        if (entered) {
            if (!silenced)
                m->notice = PT_NOTICE_FIRING;
        } else if (!silenced && reminder_due(a, c, now)) {
            m->notice = PT_NOTICE_REMINDER;
        }
    } else if (before.state == PT_ALERT_FIRING && before.last_notified_at[0] && !silenced) {
        /* The episode firing before has ended (a firing alert leaves only
         * by resolving): announce it, even when a later point of the same
         * evaluation has already made the alert pending again. */
        m->notice = PT_NOTICE_RESOLVED;
    }
    if (m->notice >= 0)
        snprintf(a->last_notified_at, sizeof a->last_notified_at, "%s", now);
    m->to = a->state;
    m->changed = !alert_same(&before, a);
}

void pt_alert_step(struct pt_alert *a, const struct pt_alert_obs *o, const struct pt_alert_conf *c,
                   const char *now, struct pt_alert_move *m)
{
    pt_alert_advance(a, o, 1, c, now, m, NULL);
}

/* ---- judging verdicts -------------------------------------------------- */

/* +1 when more is better for the comparison, −1 when less is. */
static int good_sign(const struct pt_path *p)
{
    if (p->kind == PT_KIND_CEILING)
        return -1;
    if (p->kind == PT_KIND_FLOOR)
        return 1;
    return p->direction >= 0 ? 1 : -1;
}

/* Clear when distance (positive on the good side) reaches the margin,
 * tolerating the last bits of binary arithmetic as the evaluator does. */
static enum pt_alert_point by_margin(double distance, double reference, double margin)
{
    double slack = 1e-9 * (fabs(reference) > 1 ? fabs(reference) : 1);
    return distance >= margin - slack ? PT_POINT_CLEAR : PT_POINT_NEUTRAL;
}

enum pt_alert_point pt_alert_judge(const struct pt_path *p, const struct pt_eval *ev,
                                   enum pt_alert_kind kind, double margin)
{
    int sign = good_sign(p);
    switch (kind) {
    case PT_ALERT_BEHIND_PATH:
        if (!ev->has_actual)
            return PT_POINT_NONE;
        if (ev->on_path < 0 || !ev->has_gap)
            return PT_POINT_UNKNOWN;
        if (ev->on_path == 0)
            return PT_POINT_BREACH;
        return by_margin(sign * ev->gap, ev->compared_with, margin);
    case PT_ALERT_PROJECTION_MISSES_TARGET:
        if (!ev->has_actual)
            return PT_POINT_NONE;
        if (ev->projection_reaches < 0 || !ev->has_projection)
            return PT_POINT_UNKNOWN;
        if (ev->projection_reaches == 0)
            return PT_POINT_BREACH;
        return by_margin(sign * (ev->projection - p->target), p->target, margin);
    case PT_ALERT_TARGET_MISSED:
        if (!ev->has_actual || ev->actual.provisional || ev->actual.year < p->target_year)
            return PT_POINT_NONE;
        if (!ev->has_measure)
            return PT_POINT_UNKNOWN;
        if (ev->target_missed)
            return PT_POINT_BREACH;
        return by_margin(sign * (ev->measure - p->target), p->target, margin);
    default:
        return PT_POINT_NONE;
    }
}

/* ---- the release calendar ---------------------------------------------- */

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void month_end(int y, int m, char out[11])
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char buf[48];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, days[m - 1] + (m == 2 && is_leap(y)));
    snprintf(out, 11, "%.10s", buf);
}

static int final_covered(const struct pt_actual *a, int n, int year)
{
    for (int i = 0; i < n; i++)
        if (!a[i].provisional && a[i].year >= year)
            return 1;
    return 0;
}

/* The figure of year y as of end: a provisional value as of end or later,
 * the year's final, or anything of a later year. */
static int figure_covered(const struct pt_actual *a, int n, int y, const char *end)
{
    for (int i = 0; i < n; i++) {
        if (a[i].year > y || (a[i].year == y && !a[i].provisional))
            return 1;
        if (a[i].year == y && strcmp(a[i].as_of, end) >= 0)
            return 1;
    }
    return 0;
}

int pt_alert_overdue(const struct pt_plan *plan, const struct pt_indicator *ind,
                     const struct pt_actual *a, int n, const char *today, char *what, size_t cap,
                     char due[11])
{
    int y, m, d;
    if (!today || sscanf(today, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
        return 0;
    int rm = ind->release_month >= 1 && ind->release_month <= 12 ? ind->release_month : 12;
    int found = 0;

    /* The annual final of year fy is due by the end of release_month in
     * fy + 1; once the plan has ended only its end year's final matters.
     * Until that one is due (January to release_month after the end year),
     * the year before it still is: a missing release does not stop being
     * overdue, and its alert resolve, because the calendar turned. */
    int fy = m > rm ? y - 1 : y - 2;
    if (fy > plan->end_year)
        fy = plan->end_year;
    if (fy >= plan->start_year && fy <= plan->end_year && !final_covered(a, n, fy)) {
        month_end(fy + 1, rm, due);
        snprintf(what, cap, "the %d final", fy);
        found = 1;
    }

    /* A quarter's or a month's figure is due by the end of the month after
     * it: the latest one whose following month has ended, when that figure
     * is of one of the plan's years (so the end year's last ones are still
     * due in the new year's first weeks). */
    int step = !strcmp(ind->cadence, "monthly") ? 1 : !strcmp(ind->cadence, "quarterly") ? 3 : 0;
    if (!step || y < plan->start_year || y > plan->end_year + 1)
        return found;
    int py = y, pm = m - 2;
    if (pm < 1) {
        pm += 12;
        py--;
    }
    pm -= pm % step;
    if (pm == 0) {
        pm = 12;
        py--;
    }
    if (py < plan->start_year || py > plan->end_year)
        return found;
    char end[11], by[11];
    month_end(py, pm, end);
    if (figure_covered(a, n, py, end))
        return found;
    month_end(pm == 12 ? py + 1 : py, pm == 12 ? 1 : pm + 1, by);
    if (!found || strcmp(by, due) < 0) {
        snprintf(due, 11, "%s", by);
        snprintf(what, cap, "the %d figure as of %s", py, end);
    }
    return 1;
}

/* ---- the evaluation job: state ----------------------------------------- */

struct silence {
    long long id;
    char plan[PT_SLUG_MAX];
    long long key; /* 0: a bureau's silence */
    char bureau[PT_SLUG_MAX];
    char until[11];
};

/* A notice on its way into a digest. */
struct found {
    int plan; /* index in cat->plans */
    const struct pt_indicator *ind;
    long long event;
    struct pt_digest_item item;
};

struct run {
    struct pt_store *st;
    const struct pt_catalogue *cat;
    const struct pt_alert_conf *conf;
    const char *now;
    struct pt_alert_run *out;
    char (*today)[11]; /* per plan, in its zone */
    sqlite3_stmt *get, *add, *put, *event, *def, *bureau;
    struct silence *sil;
    int nsil;
    struct found *found;
    int nfound, capfound;
};

/* What run_indicator hands each kind: the verdict and where it came from. */
struct observed {
    int plan;
    const struct pt_indicator *ind;
    const struct pt_eval *ev;
    const struct pt_actual_row *row; /* the latest actual's row, or NULL */
    const struct silence *silence;   /* covering the indicator, or NULL */
    char overdue_what[64];
    char overdue_due[11];
};

static int run_prepare(struct run *r, struct pt_err *err)
{
    int rc;
    if ((rc = pt_store_prepare(r->st,
                               "SELECT id, state, breach_points, ok_points, last_actual, since, "
                               "last_notified_at FROM alerts WHERE indicator_key = ? AND kind = ?",
                               &r->get, err)) ||
        (rc = pt_store_prepare(r->st,
                               "INSERT INTO alerts (indicator_key, kind, state, updated_at) "
                               "VALUES (?, ?, 'ok', ?)",
                               &r->add, err)) ||
        (rc = pt_store_prepare(r->st,
                               "UPDATE alerts SET state = ?, breach_points = ?, ok_points = ?, "
                               "last_actual = ?, since = ?, last_notified_at = ?, updated_at = ? "
                               "WHERE id = ?",
                               &r->put, err)) ||
        (rc = pt_store_prepare(r->st,
                               "INSERT INTO alert_events (alert_id, at, from_state, to_state, "
                               "detail) VALUES (?, ?, ?, ?, ?)",
                               &r->event, err)) ||
        (rc = pt_store_prepare(r->st, "SELECT definition FROM indicators WHERE key = ?", &r->def,
                               err)) ||
        (rc = pt_store_prepare(r->st,
                               "SELECT name_zh, name_en, email FROM bureaus "
                               "WHERE plan_id = ? AND id = ?",
                               &r->bureau, err)))
        return rc;
    return 0;
}

static void run_finish(struct run *r)
{
    sqlite3_finalize(r->get);
    sqlite3_finalize(r->add);
    sqlite3_finalize(r->put);
    sqlite3_finalize(r->event);
    sqlite3_finalize(r->def);
    sqlite3_finalize(r->bureau);
    free(r->today);
    free(r->sil);
    free(r->found);
}

static void col_copy(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

/* Copies src into dst, cut at a character boundary with "…" when too long. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return;
    }
    n = cap - 4; /* room for "…" and the NUL */
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
        n--;
    memcpy(dst, src, n);
    memcpy(dst + n, "…", 4);
}

static int silences_load(struct run *r, struct pt_err *err)
{
    sqlite3_stmt *s;
    int rc = pt_store_prepare(r->st,
                              "SELECT id, plan_id, indicator_key, bureau_id, until FROM silences "
                              "ORDER BY id",
                              &s, err);
    if (rc)
        return rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct silence *n = realloc(r->sil, (size_t)(r->nsil + 1) * sizeof *n);
        if (!n) {
            sqlite3_finalize(s);
            return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
        }
        r->sil = n;
        n = &n[r->nsil++];
        n->id = sqlite3_column_int64(s, 0);
        col_copy(n->plan, sizeof n->plan, s, 1);
        n->key = sqlite3_column_int64(s, 2);
        col_copy(n->bureau, sizeof n->bureau, s, 3);
        col_copy(n->until, sizeof n->until, s, 4);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return pt_store_fail(r->st, err, "reading silences");
    return 0;
}

/* The silence covering ind today (through its until date), or NULL. */
static const struct silence *silence_of(const struct run *r, const struct pt_indicator *ind,
                                        const char *today)
{
    for (int i = 0; i < r->nsil; i++) {
        const struct silence *s = &r->sil[i];
        if (strcmp(s->plan, ind->plan_id) != 0 || strcmp(today, s->until) > 0)
            continue;
        if (s->key ? s->key == ind->key : !strcmp(s->bureau, ind->bureau))
            return s;
    }
    return NULL;
}

/* ---- the evaluation job: alerts rows ----------------------------------- */

static int state_of(const char *name)
{
    for (int i = 0; pt_alert_state_names[i]; i++)
        if (name && !strcmp(name, pt_alert_state_names[i]))
            return i;
    return -1;
}

/* The alert of (key, kind), created ok when there is none yet. */
static int alert_load(struct run *r, long long key, enum pt_alert_kind kind, long long *id,
                      struct pt_alert *a, struct pt_err *err)
{
    memset(a, 0, sizeof *a);
    sqlite3_reset(r->get);
    sqlite3_bind_int64(r->get, 1, key);
    sqlite3_bind_text(r->get, 2, pt_alert_kind_names[kind], -1, SQLITE_STATIC);
    int rc = sqlite3_step(r->get);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(r->get, 0);
        int state = state_of((const char *)sqlite3_column_text(r->get, 1));
        if (state < 0)
            return pt_err_set(err, PT_ESTORE, "%s: alert %lld has an unknown state",
                              pt_store_path(r->st), *id);
        a->state = (enum pt_alert_state)state;
        a->breach_points = sqlite3_column_int(r->get, 2);
        a->ok_points = sqlite3_column_int(r->get, 3);
        col_copy(a->last_actual, sizeof a->last_actual, r->get, 4);
        col_copy(a->since, sizeof a->since, r->get, 5);
        col_copy(a->last_notified_at, sizeof a->last_notified_at, r->get, 6);
        sqlite3_reset(r->get);
        return 0;
    }
    sqlite3_reset(r->get);
    if (rc != SQLITE_DONE)
        return pt_store_fail(r->st, err, "reading alerts");
    sqlite3_reset(r->add);
    sqlite3_bind_int64(r->add, 1, key);
    sqlite3_bind_text(r->add, 2, pt_alert_kind_names[kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(r->add, 3, r->now, -1, SQLITE_STATIC);
    rc = sqlite3_step(r->add);
    sqlite3_reset(r->add);
    if (rc != SQLITE_DONE)
        return pt_store_fail(r->st, err, "adding an alert");
    *id = sqlite3_last_insert_rowid(pt_store_db(r->st));
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *s, int col, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, col, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, col);
}

static int alert_save(struct run *r, long long id, const struct pt_alert *a, struct pt_err *err)
{
    sqlite3_stmt *s = r->put;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, pt_alert_state_names[a->state], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, a->breach_points);
    sqlite3_bind_int(s, 3, a->ok_points);
    bind_text_or_null(s, 4, a->last_actual);
    bind_text_or_null(s, 5, a->since);
    bind_text_or_null(s, 6, a->last_notified_at);
    sqlite3_bind_text(s, 7, r->now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : pt_store_fail(r->st, err, "updating an alert");
}

static void detail_num(json_t *o, const char *key, int has, double v)
{
    if (has && isfinite(v))
        json_object_set_new(o, key, json_real(v));
}

/* The event's detail: the point and the verdict that moved the alert (ev,
 * the evaluation as it stood for that point), as JSON text (malloc'd), or
 * NULL when out of memory. */
static char *event_detail(const struct observed *ob, enum pt_alert_kind kind,
                          const struct pt_eval *ev, enum pt_alert_point point, const char *actual,
                          const struct pt_alert *a, int reminder)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(pt_alert_kind_names[kind]));
    if (reminder)
        json_object_set_new(o, "reminder", json_true());
    json_object_set_new(o, "point", json_string(pt_alert_point_names[point]));
    if (actual && *actual)
        json_object_set_new(o, "actual", json_string(actual));
    json_object_set_new(o, "breach_points", json_integer(a->breach_points));
    json_object_set_new(o, "ok_points", json_integer(a->ok_points));
    json_object_set_new(o, "verdict", json_string(pt_verdict_names[ev->verdict]));
    detail_num(o, "expected", ev->has_expected, ev->expected);
    detail_num(o, "compared_with", ev->has_compared_with, ev->compared_with);
    detail_num(o, "measure", ev->has_measure, ev->measure);
    detail_num(o, "gap", ev->has_gap, ev->gap);
    detail_num(o, "projection", ev->has_projection, ev->projection);
    json_object_set_new(o, "reason", json_string(ev->reason));
    if (kind == PT_ALERT_OVERDUE && ob->overdue_due[0]) {
        json_object_set_new(o, "missing", json_string(ob->overdue_what));
        json_object_set_new(o, "due", json_string(ob->overdue_due));
    }
    if (ob->silence)
        json_object_set_new(o, "silence", json_integer(ob->silence->id));
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(o);
    return text;
}

/* Records one event from → to with its detail; *id receives its row. */
static int event_add(struct run *r, long long alert, enum pt_alert_state from,
                     enum pt_alert_state to, const char *detail, long long *id, struct pt_err *err)
{
    sqlite3_stmt *s = r->event;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, alert);
    sqlite3_bind_text(s, 2, r->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, pt_alert_state_names[from], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, pt_alert_state_names[to], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, detail, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return pt_store_fail(r->st, err, "recording an alert event");
    *id = sqlite3_last_insert_rowid(pt_store_db(r->st));
    r->out->events++;
    return 0;
}

/* An event with the detail of one point; *id receives its row. */
static int event_of(struct run *r, const struct observed *ob, enum pt_alert_kind kind,
                    long long alert, enum pt_alert_state from, enum pt_alert_state to,
                    const struct pt_eval *ev, enum pt_alert_point point, const char *actual,
                    const struct pt_alert *a, int reminder, long long *id, struct pt_err *err)
{
    char *detail = event_detail(ob, kind, ev, point, actual, a, reminder);
    if (!detail)
        return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
    int rc = event_add(r, alert, from, to, detail, id, err);
    free(detail);
    return rc;
}

/* ---- the evaluation job: digest items ---------------------------------- */

/* The catalogue's definition says the target carries the table's *. */
static int province_assigned(struct run *r, long long key)
{
    int starred = 0;
    sqlite3_reset(r->def);
    sqlite3_bind_int64(r->def, 1, key);
    if (sqlite3_step(r->def) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(r->def, 0);
        json_t *def = text ? json_loads(text, 0, NULL) : NULL;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(def, "starred"), i, v)
        {
            if (json_is_string(v) && !strcmp(json_string_value(v), "target"))
                starred = 1;
        }
        json_decref(def);
    }
    sqlite3_reset(r->def);
    return starred;
}

static int found_add(struct run *r, const struct observed *ob, enum pt_alert_kind kind,
                     long long alert, const struct pt_alert *a, int notice, long long event,
                     struct pt_err *err)
{
    if (r->nfound == r->capfound) {
        int cap = r->capfound ? 2 * r->capfound : 16;
        struct found *n = realloc(r->found, (size_t)cap * sizeof *n);
        if (!n)
            return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
        r->found = n;
        r->capfound = cap;
    }
    struct found *f = &r->found[r->nfound++];
    memset(f, 0, sizeof *f);
    f->plan = ob->plan;
    f->ind = ob->ind;
    f->event = event;
    struct pt_digest_item *it = &f->item;
    const struct pt_indicator *ind = ob->ind;
    it->notice = (enum pt_notice)notice;
    it->kind = kind;
    it->alert_id = alert;
    snprintf(it->since, sizeof it->since, "%s", a->since);
    it->no = ind->no;
    snprintf(it->indicator_id, sizeof it->indicator_id, "%s", ind->id);
    snprintf(it->name_zh, sizeof it->name_zh, "%s", ind->name_zh);
    snprintf(it->name_en, sizeof it->name_en, "%s", ind->name_en);
    snprintf(it->unit, sizeof it->unit, "%s", ind->unit);
    it->binding = ind->binding;
    it->province_assigned = province_assigned(r, ind->key);
    snprintf(it->qualifier, sizeof it->qualifier, "%s", ind->qualifier);
    it->target_year = ind->path.target_year;
    it->target = ind->path.target;
    it->eval = *ob->ev;
    if (ob->row) {
        copy_cut(it->source, sizeof it->source, ob->row->source);
        it->run_id = ob->row->run_id;
        copy_cut(it->provenance, sizeof it->provenance, ob->row->provenance);
    }
    if (kind == PT_ALERT_OVERDUE)
        snprintf(it->overdue_since, sizeof it->overdue_since, "%s", ob->overdue_due);
    r->out->notices[notice]++;
    return 0;
}

/* Moves alert id (loaded into *a) by the observations obs[0..n-1] of this
 * evaluation, obs[i] judged on evs[i], and records what it did: the row,
 * one event per transition (with the point that made it) and one per
 * reminder, and the digest item of its notice, which refers to the event
 * that began the episode it announces (firing), ended it (resolved) or the
 * reminder's. */
static int alert_apply(struct run *r, const struct observed *ob, enum pt_alert_kind kind,
                       long long id, struct pt_alert *a, const struct pt_alert_obs *obs,
                       const struct pt_eval *const *evs, int n, struct pt_err *err)
{
    struct pt_alert before = *a;
    struct pt_alert *trace = calloc((size_t)n, sizeof *trace);
    struct pt_alert_obs *loud = obs[n - 1].silenced ? calloc((size_t)n, sizeof *loud) : NULL;
    if (!trace || (obs[n - 1].silenced && !loud)) {
        free(trace);
        free(loud);
        return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
    }
    struct pt_alert_move m;
    pt_alert_advance(a, obs, n, r->conf, r->now, &m, trace);
    r->out->alerts++;
    r->out->by_state[a->state]++;
    if (loud) {
        /* What the silence keeps out: the same evaluation unsilenced. */
        struct pt_alert_move lm;
        struct pt_alert copy = before;
        for (int i = 0; i < n; i++) {
            loud[i] = obs[i];
            loud[i].silenced = 0;
        }
        pt_alert_advance(&copy, loud, n, r->conf, r->now, &lm, NULL);
        r->out->withheld += lm.notice >= 0;
        free(loud);
    }
    int rc = m.changed ? alert_save(r, id, a, err) : 0;
    long long began = 0, ended = 0, event = 0;
    enum pt_alert_state at = before.state;
    for (int i = 0; !rc && i < n; i++) {
        if (trace[i].state == at)
            continue;
        rc = event_of(r, ob, kind, id, at, trace[i].state, evs[i], obs[i].point, obs[i].actual,
                      &trace[i], 0, &event, err);
        if (trace[i].state == PT_ALERT_FIRING)
            began = event;
        if (at == PT_ALERT_FIRING && !ended)
            ended = event;
        at = trace[i].state;
    }
    free(trace);
    if (rc || m.notice < 0)
        return rc;
    if (m.notice == PT_NOTICE_REMINDER) {
        rc = event_of(r, ob, kind, id, PT_ALERT_FIRING, PT_ALERT_FIRING, ob->ev, PT_POINT_NONE,
                      obs[n - 1].actual, a, 1, &event, err);
        if (rc)
            return rc;
    } else {
        event = m.notice == PT_NOTICE_FIRING ? began : ended;
    }
    return found_add(r, ob, kind, id, a, m.notice, event, err);
}

/* ---- the evaluation job: one indicator's points ------------------------ */

/* An indicator's actuals as alerts count them: the latest vintage of each
 * point (period, status, as-of date), in point order. */
struct history {
    struct pt_actual *acts;           /* what the evaluator takes */
    const struct pt_actual_row **row; /* the row of each one's latest vintage */
    struct pt_actual_row *rows;       /* every vintage, as the store lists them */
    int n, nrows;
};

/* Point order: by period, provisional (by as-of date) before final. It is
 * the evaluator's order too: the last point of a list is its latest actual. */
static int point_cmp(const struct pt_actual *x, const struct pt_actual *y)
{
    if (x->year != y->year)
        return x->year < y->year ? -1 : 1;
    if (x->provisional != y->provisional)
        return x->provisional ? -1 : 1;
    return strcmp(x->as_of, y->as_of);
}

struct ranked {
    struct pt_actual act;
    const struct pt_actual_row *row;
};

static int ranked_order(const void *x, const void *y)
{
    return point_cmp(&((const struct ranked *)x)->act, &((const struct ranked *)y)->act);
}

static void history_free(struct history *h)
{
    free(h->acts);
    free(h->row);
    free(h->rows);
    memset(h, 0, sizeof *h);
}

static int history_load(struct pt_store *st, long long key, struct history *h, struct pt_err *err)
{
    memset(h, 0, sizeof *h);
    int rc = pt_actual_list(st, key, &h->rows, &h->nrows, err);
    if (rc)
        return rc;
    size_t cap = h->nrows ? (size_t)h->nrows : 1;
    struct ranked *rk = calloc(cap, sizeof *rk);
    h->acts = calloc(cap, sizeof *h->acts);
    h->row = calloc(cap, sizeof *h->row);
    if (!rk || !h->acts || !h->row) {
        free(rk);
        history_free(h);
        return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
    }
    /* Rows come ordered by period, status, as-of and vintage: the last of
     * each run of equal points is its latest vintage. */
    for (int i = 0; i < h->nrows; i++) {
        const struct pt_actual_row *x = &h->rows[i], *next = i + 1 < h->nrows ? x + 1 : NULL;
        if (next && !strcmp(next->period, x->period) && next->provisional == x->provisional &&
            !strcmp(next->as_of, x->as_of))
            continue;
        struct ranked *k = &rk[h->n++];
        k->act.year = atoi(x->period);
        k->act.provisional = x->provisional;
        snprintf(k->act.as_of, sizeof k->act.as_of, "%s", x->as_of);
        k->act.value = x->value;
        k->row = x;
    }
    qsort(rk, (size_t)h->n, sizeof *rk, ranked_order);
    for (int i = 0; i < h->n; i++) {
        h->acts[i] = rk[i].act;
        h->row[i] = rk[i].row;
    }
    free(rk);
    return 0;
}

static void actual_key(char *buf, size_t cap, const struct pt_actual_row *row)
{
    snprintf(buf, cap, "%s/%s/%s/%d", row->period, row->provisional ? "provisional" : "final",
             row->as_of, row->vintage);
}

/* The point an actual key ("period/status/as_of/vintage") names; 0 when
 * key names none (no point counted yet). */
static int key_point(const char *key, struct pt_actual *x)
{
    const char *st = strchr(key, '/'), *as = st ? strchr(st + 1, '/') : NULL;
    const char *vi = as ? strchr(as + 1, '/') : NULL;
    if (!vi || st - key != 4 || vi - as - 1 >= (long)sizeof x->as_of)
        return 0;
    memset(x, 0, sizeof *x);
    x->year = atoi(key);
    x->provisional = !strncmp(st + 1, "provisional/", 12);
    memcpy(x->as_of, as + 1, (size_t)(vi - as - 1));
    return 1;
}

/* The latest vintage's row of the point a names, or NULL. */
static const struct pt_actual_row *row_of(const struct history *h, const struct pt_actual *a)
{
    for (int i = 0; i < h->n; i++)
        if (!point_cmp(&h->acts[i], a))
            return h->row[i];
    return NULL;
}

/* Whether kind k counts the actual x when evaluating for year: behind_path
 * every actual, projection_misses_target the finals (the projection runs
 * over them), target_missed the finals from the target year on. */
static int kind_counts(const struct pt_path *p, enum pt_alert_kind k, const struct pt_actual *x,
                       int year)
{
    if (x->year > year)
        return 0; /* the evaluation does not see it */
    switch (k) {
    case PT_ALERT_BEHIND_PATH:
        return 1;
    case PT_ALERT_PROJECTION_MISSES_TARGET:
        return !x->provisional;
    case PT_ALERT_TARGET_MISSED:
        return !x->provisional && x->year >= p->target_year;
    default:
        return 0;
    }
}

/* One point an alert judges, as it stood: what the obs points into. */
struct judged {
    struct pt_eval ev;
    char key[64];
};

/* Moves alert kind k of ob's indicator by the points new since it last
 * counted, each judged on the actuals up to and including it.
 *
 * Which points: the one last counted, judged again (a revision of it or of
 * anything before it replaces it; see alert.h), then every later point of
 * the kind — but only those of the evaluation year and the year before,
 * and the kind's latest point always. That bound is what keeps a first
 * evaluation over a store that already holds years of history (a new
 * install, a new catalogue, a daemon back after a long stop) from replaying
 * them into a flood of transitions: older points still enter every
 * evaluation (rates, the projection), they are just not stepped. It is
 * chosen over "points newer than the alert" because it depends on the
 * data alone — not on recorded_at clocks or on when the daemon first ran,
 * so a store rebuilt from an export counts the same points — and because
 * a newly created alert must still judge the history it finds: the
 * current year's points confirm or clear it on the first night, and the
 * year before is enough to carry a confirmation across the new year. */
static int alert_count(struct run *r, const struct observed *ob, const struct history *h,
                       enum pt_alert_kind k, struct pt_err *err)
{
    const struct pt_path *p = &ob->ind->path;
    int year = ob->ev->year;
    long long id = 0;
    struct pt_alert a;
    int rc = alert_load(r, ob->ind->key, k, &id, &a, err);
    if (rc)
        return rc;
    struct pt_actual last;
    int has_last = key_point(a.last_actual, &last), latest = -1;
    for (int i = 0; i < h->n; i++)
        if (kind_counts(p, k, &h->acts[i], year))
            latest = i;
    size_t cap = (size_t)h->n + 1;
    struct judged *j = calloc(cap, sizeof *j);
    struct pt_alert_obs *obs = calloc(cap, sizeof *obs);
    const struct pt_eval **evs = calloc(cap, sizeof *evs);
    if (!j || !obs || !evs) {
        rc = pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
        goto out;
    }
    int n = 0;
    for (int i = 0; i <= latest; i++) {
        const struct pt_actual *x = &h->acts[i];
        int c = has_last ? point_cmp(x, &last) : 1;
        if (!kind_counts(p, k, x, year) || c < 0 || (c > 0 && x->year < year - 1 && i != latest))
            continue;
        /* as it stood for this point: the actuals up to and including it */
        pt_eval_run(p, h->acts, i + 1, year, &j[n].ev);
        enum pt_alert_point point = pt_alert_judge(p, &j[n].ev, k, r->conf->resolve_margin);
        if (point == PT_POINT_NONE)
            continue;
        actual_key(j[n].key, sizeof j[n].key, h->row[i]);
        obs[n] = (struct pt_alert_obs){.point = point,
                                       .actual = j[n].key,
                                       .provisional = x->provisional,
                                       .silenced = ob->silence != NULL,
                                       .revision = c == 0};
        evs[n] = &j[n].ev;
        n++;
    }
    if (!n) {
        /* nothing to count: the evaluation still decides reminders */
        obs[0] = (struct pt_alert_obs){.point = PT_POINT_NONE, .silenced = ob->silence != NULL};
        evs[0] = ob->ev;
        n = 1;
    }
    rc = alert_apply(r, ob, k, id, &a, obs, evs, n, err);
out:
    free(j);
    free(obs);
    free(evs);
    return rc;
}

static int alert_overdue(struct run *r, const struct observed *ob, int overdue, struct pt_err *err)
{
    long long id = 0;
    struct pt_alert a;
    int rc = alert_load(r, ob->ind->key, PT_ALERT_OVERDUE, &id, &a, err);
    if (rc)
        return rc;
    struct pt_alert_obs obs = {.point = overdue ? PT_POINT_BREACH : PT_POINT_CLEAR,
                               .timed = 1,
                               .silenced = ob->silence != NULL};
    const struct pt_eval *ev = ob->ev;
    return alert_apply(r, ob, PT_ALERT_OVERDUE, id, &a, &obs, &ev, 1, err);
}

static int default_year(const struct pt_plan *plan, const char *today)
{
    int y = atoi(today);
    return y > plan->end_year ? plan->end_year : y < plan->start_year ? plan->start_year : y;
}

static int run_indicator(struct run *r, const struct pt_indicator *ind, struct pt_err *err)
{
    const struct pt_plan *plan = pt_catalogue_plan(r->cat, ind->plan_id);
    if (!plan)
        return 0;
    struct observed ob = {.plan = (int)(plan - r->cat->plans), .ind = ind};
    const char *today = r->today[ob.plan];
    struct history h;
    int rc = history_load(r->st, ind->key, &h, err);
    if (rc)
        return rc;
    struct pt_eval ev;
    pt_eval_run(&ind->path, h.acts, h.n, default_year(plan, today), &ev);
    r->out->verdicts.indicators++;
    r->out->verdicts.by_verdict[ev.verdict]++;
    int overdue = pt_alert_overdue(plan, ind, h.acts, h.n, today, ob.overdue_what,
                                   sizeof ob.overdue_what, ob.overdue_due);
    if (!overdue)
        ob.overdue_due[0] = ob.overdue_what[0] = '\0';
    ob.ev = &ev;
    ob.row = ev.has_actual ? row_of(&h, &ev.actual) : NULL;
    ob.silence = silence_of(r, ind, today);
    for (int k = 0; !rc && k < PT_ALERT_KINDS; k++)
        rc = k == PT_ALERT_OVERDUE ? alert_overdue(r, &ob, overdue, err)
                                   : alert_count(r, &ob, &h, (enum pt_alert_kind)k, err);
    history_free(&h);
    return rc;
}

/* ---- the evaluation job: digests --------------------------------------- */

static int found_order(const void *x, const void *y)
{
    const struct found *a = x, *b = y;
    int c;
    if (a->plan != b->plan)
        return a->plan - b->plan;
    if ((c = strcmp(a->ind->bureau, b->ind->bureau)))
        return c;
    if (a->ind->binding != b->ind->binding)
        return b->ind->binding - a->ind->binding;
    if (a->ind->no != b->ind->no)
        return a->ind->no - b->ind->no;
    if (a->item.kind != b->item.kind)
        return (int)a->item.kind - (int)b->item.kind;
    return a->event < b->event ? -1 : a->event > b->event;
}

static int event_order(const void *x, const void *y)
{
    long long a = *(const long long *)x, b = *(const long long *)y;
    return a < b ? -1 : a > b;
}

static int digest_head(struct run *r, struct pt_digest *d, const struct found *f,
                       struct pt_err *err)
{
    const struct pt_plan *plan = &r->cat->plans[f->plan];
    snprintf(d->plan_id, sizeof d->plan_id, "%s", plan->id);
    snprintf(d->plan_name_zh, sizeof d->plan_name_zh, "%s", plan->name_zh);
    snprintf(d->plan_name_en, sizeof d->plan_name_en, "%s", plan->name_en);
    snprintf(d->bureau_id, sizeof d->bureau_id, "%s", f->ind->bureau);
    sqlite3_reset(r->bureau);
    sqlite3_bind_text(r->bureau, 1, plan->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(r->bureau, 2, f->ind->bureau, -1, SQLITE_STATIC);
    int rc = sqlite3_step(r->bureau);
    if (rc == SQLITE_ROW) {
        col_copy(d->bureau_name_zh, sizeof d->bureau_name_zh, r->bureau, 0);
        col_copy(d->bureau_name_en, sizeof d->bureau_name_en, r->bureau, 1);
        col_copy(d->email, sizeof d->email, r->bureau, 2);
    }
    sqlite3_reset(r->bureau);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return pt_err_set(err, PT_ENOTFOUND, "%s: plan %s has no bureau %s", pt_store_path(r->st),
                          plan->id, f->ind->bureau);
    return pt_store_fail(r->st, err, "reading bureaus");
}

/* One digest from the run of found[0..n-1] (same plan and bureau). */
static int digest_make(struct run *r, struct pt_digest *d, const struct found *f, int n,
                       struct pt_err *err)
{
    memset(d, 0, sizeof *d);
    int rc = digest_head(r, d, f, err);
    if (rc)
        return rc;
    d->items = calloc((size_t)n, sizeof *d->items);
    d->events = calloc((size_t)n, sizeof *d->events);
    if (!d->items || !d->events)
        return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
    for (int i = 0; i < n; i++) {
        d->items[i] = f[i].item;
        d->events[i] = f[i].event;
    }
    d->nitems = d->nevents = n;
    qsort(d->events, (size_t)n, sizeof *d->events, event_order);
    return 0;
}

static int digests_build(struct run *r, struct pt_err *err)
{
    if (!r->nfound)
        return 0;
    qsort(r->found, (size_t)r->nfound, sizeof *r->found, found_order);
    struct pt_alert_run *out = r->out;
    out->digests = calloc((size_t)r->nfound, sizeof *out->digests);
    if (!out->digests)
        return pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
    for (int i = 0; i < r->nfound;) {
        int j = i + 1;
        while (j < r->nfound && r->found[j].plan == r->found[i].plan &&
               !strcmp(r->found[j].ind->bureau, r->found[i].ind->bureau))
            j++;
        /* counted before filling, so pt_alert_run_free frees a half-made one */
        int rc = digest_make(r, &out->digests[out->ndigests++], &r->found[i], j - i, err);
        if (rc)
            return rc;
        i = j;
    }
    return 0;
}

/* ---- the evaluation job ------------------------------------------------ */

int pt_alerts_run(struct pt_store *st, const struct pt_catalogue *cat,
                  const struct pt_alert_conf *conf, const char *now_iso, struct pt_alert_run *out,
                  struct pt_err *err)
{
    memset(out, 0, sizeof *out);
    if (iso_time(now_iso) < 0)
        return pt_err_set(err, PT_EINVAL, "alerts: time \"%s\" is not YYYY-MM-DDTHH:MM:SSZ",
                          now_iso ? now_iso : "");
    if (sqlite3_get_autocommit(pt_store_db(st)))
        return pt_err_set(err, PT_EINVAL,
                          "alerts: pt_alerts_run needs the caller's write transaction");
    struct run r = {.st = st, .cat = cat, .conf = conf, .now = now_iso, .out = out};
    int rc = 0;
    r.today = calloc(cat->nplans ? (size_t)cat->nplans : 1, sizeof *r.today);
    if (!r.today)
        rc = pt_err_set(err, PT_ENOMEM, "alerts: out of memory");
    for (int p = 0; !rc && p < cat->nplans; p++)
        rc = pt_alert_local_date(cat->plans[p].timezone, now_iso, r.today[p], err);
    if (!rc)
        rc = run_prepare(&r, err);
    if (!rc)
        rc = silences_load(&r, err);
    for (int i = 0; !rc && i < cat->nind; i++)
        rc = run_indicator(&r, &cat->ind[i], err);
    if (!rc)
        rc = digests_build(&r, err);
    run_finish(&r);
    if (rc)
        pt_alert_run_free(out);
    return rc;
}

void pt_digest_free(struct pt_digest *d)
{
    if (!d)
        return;
    free(d->items);
    free(d->events);
    d->items = NULL;
    d->events = NULL;
    d->nitems = d->nevents = 0;
}

void pt_alert_run_free(struct pt_alert_run *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->ndigests; i++)
        pt_digest_free(&r->digests[i]);
    free(r->digests);
    memset(r, 0, sizeof *r);
}

/* ---- silences ---------------------------------------------------------- */

int pt_silence_add(struct pt_store *st, const char *plan, const struct pt_indicator *ind,
                   const char *bureau, const char *until, const char *reason, long long *id,
                   struct pt_err *err)
{
    sqlite3_stmt *s;
    int rc = pt_store_prepare(st,
                              "INSERT INTO silences (plan_id, indicator_key, bureau_id, until, "
                              "reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                              &s, err);
    if (rc)
        return rc;
    char now[32];
    pt_store_now(now);
    sqlite3_bind_text(s, 1, plan, -1, SQLITE_STATIC);
    if (ind)
        sqlite3_bind_int64(s, 2, ind->key);
    if (!ind && bureau)
        sqlite3_bind_text(s, 3, bureau, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, until, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return pt_store_fail(st, err, "adding a silence");
    *id = sqlite3_last_insert_rowid(pt_store_db(st));
    return 0;
}

int pt_silence_remove(struct pt_store *st, long long id, struct pt_err *err)
{
    sqlite3_stmt *s;
    int rc = pt_store_prepare(st, "DELETE FROM silences WHERE id = ?", &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return pt_store_fail(st, err, "removing a silence");
    if (sqlite3_changes(pt_store_db(st)) == 0)
        return pt_err_set(err, PT_ENOTFOUND, "no silence %lld (see plantrack silence list)", id);
    return 0;
}
