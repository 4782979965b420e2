/* The alert engine: one alert per indicator and kind of breach, moved by the
 * evaluator's verdicts (counted in new actuals, not in evaluations) and by
 * the release calendar (overdue), and the digest each bureau is due. It
 * knows nothing about indicators beyond the verdicts, and nothing about
 * mail: the composer renders the digests, the mailer sends them.
 * Owns the tables alerts, alert_events and silences. */
#ifndef PT_ALERT_H
#define PT_ALERT_H

#include <stddef.h>

#include "catalogue.h"
#include "config.h"
#include "digest.h"
#include "eval.h"
#include "store.h"

enum pt_alert_state { PT_ALERT_OK, PT_ALERT_PENDING, PT_ALERT_FIRING, PT_ALERT_RESOLVED };
extern const char *const pt_alert_state_names[]; /* "ok", "pending", …, as in the store */

/* ---- the step function: pure, one alert and one observation ------------- */

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
};

/* What a step did. */
struct pt_alert_move {
    enum pt_alert_state from, to;
    int counted; /* the observation was a new point */
    int changed; /* the alert differs from before: write it */
    int notice;  /* -1 none, else the enum pt_notice to put in the digest */
};

/* Moves *a by one observation at time now (ISO 8601 UTC) and says whether
 * it is to be notified; a notice sets a->last_notified_at to now. A point
 * counts only when obs->actual differs from a->last_actual (or obs->timed).
 * Breaching points confirm after confirm_points (ok, resolved → pending →
 * firing); a point that is no breach sends pending back to ok; a firing
 * alert resolves after resolve_points clear points in a row. While firing
 * and not silenced, a reminder is due every repeat_interval_s after the
 * last message, or at once if there was none. A resolution is announced
 * only when the firing episode was notified. */
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
};

/* Inside the caller's write transaction. Evaluates every active indicator
 * of every plan at its default year (the plan's target year once it has
 * ended, else now's year in the plan's zone), moves every alert kind,
 * writes alerts/alert_events rows, and fills *out with the digests due now:
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
