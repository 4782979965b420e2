/* The alert engine: one alert per indicator and kind of breach, moved by the
 * evaluator's verdicts (counted in new actuals, not in evaluations) and by
 * the release calendar (overdue), and the digest each bureau is due. It
 * knows nothing about indicators beyond the verdicts, and nothing about
 * mail: the composer renders the digests, the mailer sends them.
 * Owns the tables alerts, alert_events and silences. */
#ifndef PT_ALERT_H
#define PT_ALERT_H

#include <stddef.h>

#include "assess.h"
#include "catalogue.h"
#include "config.h"
#include "digest.h"
#include "eval.h"
#include "store.h"

enum pt_alert_state { PT_ALERT_OK, PT_ALERT_PENDING, PT_ALERT_FIRING, PT_ALERT_RESOLVED };
extern const char *const pt_alert_state_names[]; /* "ok", "pending", …, as in the store */

/* ---- the step function: pure, one alert and its observations ------------ */

/* Counting in data points. An alert counts data points, not evaluations:
 * at each evaluation every point of its kind that is new since the point
 * it last counted (last_actual) is judged, in order — by period, then
 * provisional before final, then as-of date — against the path as it stood
 * for that point (the evaluator run on the actuals up to and including it),
 * and stepped through one by one; the digest reports the state after the
 * last of them, with the latest verdict. behind_path counts every actual,
 * projection_misses_target the finals, target_missed the target year's
 * final (and later ones); overdue is timed: one observation per evaluation.
 *
 * Revisions. A point is a period, a status and an as-of date; a new
 * vintage of it is no new point but replaces the point it revises. The
 * point last counted is judged again at every evaluation, with the latest
 * vintages of it and of everything before it, and moves the alert only
 * where that judgement differs from the one the alert holds for it (a
 * breach when breach_points > 0; clear when firing with ok_points > 0; else
 * neither): a breach replacing a breach adds nothing, so a value and its
 * own correction never confirm each other; a breach replacing a point that
 * was none counts as one breach point on the counters as they stand (points
 * an earlier judgement reset are not brought back); a point that is no
 * breach replacing a breach takes it back (pending falls to ok, a firing
 * alert counts it toward resolution). A revision of an earlier actual, or a
 * late figure of an earlier period, acts the same way through the last
 * point's judgement (a compound rate, the projection over finals) and adds
 * no point of its own.
 *
 * History. Only points of the evaluation year and the year before are
 * stepped, and the kind's latest point always (see pt_alerts_run). */

/* One alert as the state machine sees it: a row of the alerts table. */
struct pt_alert {
    enum pt_alert_state state;
    int breach_points;         /* consecutive new actuals that breach */
    int ok_points;             /* consecutive new actuals back by resolve_margin (firing) */
    char last_actual[64];      /* key of the actual last counted, "" none */
    char since[32];            /* when it entered its state, "" for a new alert */
    char last_notified_at[32]; /* last message of this firing episode, "" none */
};

/* What one evaluation says about one alert. */
enum pt_alert_point {
    PT_POINT_NONE,    /* nothing to count: no actual of the kind yet */
    PT_POINT_UNKNOWN, /* an actual the verdict cannot judge (no path that year) */
    PT_POINT_BREACH,  /* the kind's breach */
    PT_POINT_NEUTRAL, /* no breach, but not back inside by resolve_margin */
    PT_POINT_CLEAR,   /* back inside by resolve_margin */
};
extern const char *const pt_alert_point_names[]; /* "none", "unknown", "breach", … */

struct pt_alert_obs {
    enum pt_alert_point point;
    const char *actual; /* key of the actual the point rests on: counted once */
    int provisional;    /* that actual is provisional: confirm/resolve_provisional */
    int timed;          /* overdue: every evaluation counts, fires and resolves at once */
    int silenced;       /* a silence covers the alert: it moves but is not notified */
    int revision;       /* judges the point last counted again (see Revisions above) */
};

/* What a step did. */
struct pt_alert_move {
    enum pt_alert_state from, to;
    int counted; /* an observation counted: a new point, or a revision that moved it */
    int changed; /* the alert differs from before: write it */
    int notice;  /* -1 none, else the enum pt_notice to put in the digest */
};

/* Moves *a by the observations obs[0..n-1] (n ≥ 1) of one evaluation, in
 * order, at time now (ISO 8601 UTC), and decides once, on the outcome,
 * whether it is to be notified; a notice sets a->last_notified_at to now.
 * An observation counts when its actual differs from a->last_actual (or it
 * is timed); one whose actual names the same period, status and as-of date
 * as a->last_actual (another vintage), or that says obs->revision, is a
 * revision and counts only where its judgement differs (see Revisions).
 * Breaching points confirm after confirm_points (ok, resolved → pending →
 * firing); a point that is no breach sends pending back to ok; a firing
 * alert resolves after resolve_points clear points in a row. The notice:
 * firing when the alert ends firing in an episode begun during these
 * observations; resolved when the episode firing before them has ended and
 * had been notified; else, while firing, a reminder every
 * repeat_interval_s after the last message, or at once if there was none.
 * A silence (obs[n-1].silenced) lets the alert move but notifies nothing.
 * When trace is not NULL, trace[i] receives the alert after obs[i]. */
void pt_alert_advance(struct pt_alert *a, const struct pt_alert_obs *obs, int n,
                      const struct pt_alert_conf *conf, const char *now, struct pt_alert_move *out,
                      struct pt_alert *trace);
/* pt_alert_advance with one observation. */
void pt_alert_step(struct pt_alert *a, const struct pt_alert_obs *obs,
                   const struct pt_alert_conf *conf, const char *now, struct pt_alert_move *out);

/* The point an evaluation makes for an alert kind other than overdue:
 * behind_path on the latest actual's gap, projection_misses_target on the
 * projection, target_missed on a target year's final. Clear means on the
 * good side (by the path's direction; below a ceiling, above a floor) by at
 * least resolve_margin, in the indicator's unit. */
enum pt_alert_point pt_alert_judge(const struct pt_path *p, const struct pt_eval *ev,
                                   enum pt_alert_kind kind, double resolve_margin);

/* Whether the release that ind's cadence says is due by `today`
 * (YYYY-MM-DD, in the plan's zone) is missing from the actuals a[0..n-1]:
 * an annual final of year Y−1 is due by the end of release_month in Y; a
 * quarterly or monthly figure (year to date, or the year's final) by the end
 * of the month after its quarter or month. Only the latest due release
 * counts, only within the plan's years, and once the plan's end year's final
 * is due, only that final (before then, what was due at the end year's close
 * still is). Returns 1 and fills what ("the 2024 final") and due (the
 * date it was due by) when overdue, else 0. */
int pt_alert_overdue(const struct pt_plan *plan, const struct pt_indicator *ind,
                     const struct pt_actual *a, int n, const char *today, char *what, size_t cap,
                     char due[11]);

/* ---- the evaluation job ------------------------------------------------ */

struct pt_alert_run {
    struct pt_digest *digests; /* one per (plan, bureau) with ≥ 1 item */
    int ndigests;
    int alerts;      /* alerts looked at */
    int events;      /* alert_events rows written */
    int by_state[4]; /* alerts by state after the run, by enum pt_alert_state */
    int notices[3];  /* digest items by enum pt_notice */
    int withheld;    /* notices a silence kept out of the digests */
    struct pt_assess_summary verdicts; /* every indicator's verdict at its default year */
};

/* Inside the caller's write transaction. Evaluates every active indicator
 * of every plan at its default year (the plan's target year once it has
 * ended, else now's year in the plan's zone), moves every alert kind by the
 * points new since it last counted — only those of the evaluation year and
 * the year before, and the kind's latest point, so that a first evaluation
 * over years of history does not replay them into a flood of transitions —
 * writes the alerts rows and one alert_events row per transition (with the
 * point that made it) and per reminder, and fills *out with the digests due
 * now:
 * one per (plan, bureau) with any new firing, reminder-due or resolved
 * alert that no silence covers, binding items first then by indicator
 * number; marks what it put in a digest as notified (last_notified_at).
 * now_iso ("YYYY-MM-DDTHH:MM:SSZ") is the time of the run. On failure *out
 * holds nothing and the caller rolls back. Release with pt_alert_run_free. */
int pt_alerts_run(struct pt_store *st, const struct pt_catalogue *cat,
                  const struct pt_alert_conf *conf, const char *now_iso, struct pt_alert_run *out,
                  struct pt_err *err);
/* Frees the digests and zeroes *r (not r itself). */
void pt_alert_run_free(struct pt_alert_run *r);

/* ---- silences ---------------------------------------------------------- */

/* The date (YYYY-MM-DD) of now_iso in zone tz (NULL or "": UTC). */
int pt_alert_local_date(const char *tz, const char *now_iso, char date[11], struct pt_err *err);

/* Adds a silence of an indicator (ind) or of a bureau of plan (bureau),
 * through the date until (inclusive, in the plan's zone), inside the
 * caller's write transaction; *id receives its row. Checks nothing the
 * caller can check (dates, reason): the CLI does that first. */
int pt_silence_add(struct pt_store *st, const char *plan, const struct pt_indicator *ind,
                   const char *bureau, const char *until, const char *reason, long long *id,
                   struct pt_err *err);
/* Removes silence id; PT_ENOTFOUND when there is none. */
int pt_silence_remove(struct pt_store *st, long long id, struct pt_err *err);

#endif
