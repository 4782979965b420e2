/* The commands about alerts: alerts (their state, history and the outbox's
 * delivery problems) and silence (add, list, remove). They read what the
 * daemon's evaluation job wrote; only silence writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "cli.h"
#include "text.h"

/* The longest reason a silence takes, in bytes. */
#define REASON_MAX 500

/* Today in plan's zone, as silences count days. */
static int plan_today(struct cli_ctx *ctx, const struct pt_plan *plan, char today[11])
{
    char now[32];
    struct pt_err err;
    pt_store_now(now);
    if (pt_alert_local_date(plan->timezone, now, today, &err)) {
        cli_error(ctx, "%s", err.msg);
        return CLI_FAIL;
    }
    return 0;
}

static const char *col(sqlite3_stmt *s, int i)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    return v ? (const char *)v : NULL;
}

static json_t *json_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* ---- alerts ------------------------------------------------------------ */

static const char alerts_help[] =
    "NAME\n"
    "    plantrack alerts - alert states, their history and undelivered messages\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack alerts [--plan P] [--all] [--json] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    The daemon keeps one alert per indicator and kind of breach:\n"
    "      behind_path               the latest actual is behind the plan's path\n"
    "      projection_misses_target  the projection over finals misses the target\n"
    "      target_missed             a target year's final misses the target\n"
    "      overdue                   a release the indicator's cadence says is due\n"
    "                                has not arrived: a year's final by the end of\n"
    "                                its release month the next year, a quarter's or\n"
    "                                a month's figure by the end of the month after\n"
    "                                it (for a plan that has ended, only its end\n"
    "                                year's final once that is due)\n"
    "    Each is ok, pending (breaching, not yet confirmed), firing or resolved.\n"
    "    Points are new actuals, not evaluations: a pending alert fires after\n"
    "    alert.confirm_points breaching new actuals, and a firing one resolves after\n"
    "    alert.resolve_points new actuals back inside the path by\n"
    "    alert.resolve_margin. An overdue alert fires at the first evaluation after\n"
    "    the release was due and resolves when it arrives. The responsible bureau is\n"
    "    mailed when an alert fires, every alert.repeat_interval while it fires, and\n"
    "    once when it resolves, unless a silence covers it (plantrack silence).\n"
    "\n"
    "    Lists every alert that is not ok (with --all every alert): plan, indicator,\n"
    "    kind, state and since when, the counts of breaching and of clear new\n"
    "    actuals, the actual last counted, when the bureau was last notified, the\n"
    "    silence covering it, and its last 5 events (transitions and reminders).\n"
    "\n"
    "    Then the outbox's delivery problems: messages given up after\n"
    "    mail.give_up_after, and messages not yet sent with their attempts, next\n"
    "    attempt and last error.\n"
    "\n"
    "OPTIONS\n"
    "    --plan P     only plan P\n"
    "    --all        every alert, ok ones included\n"
    "    --json       one object: alerts (an array of objects with the fields id,\n"
    "                 plan, no, indicator, name_zh, name_en, bureau, attribute, kind,\n"
    "                 state, since, breach_points, ok_points, last_actual,\n"
    "                 last_notified_at, updated_at, silence (null or {id, until,\n"
    "                 reason}) and history (an array of {id, at, from, to, detail}))\n"
    "                 and outbox (an array of {id, message_id, plan, bureau,\n"
    "                 recipients, created_at, attempts, next_attempt_at, gave_up_at,\n"
    "                 last_error, status: given_up or unsent}); absent values are null\n"
    "    --db PATH    the store (default $PLANTRACK_DB)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 printed; 1 store failure; 2 usage error (unknown plan).\n"
    "\n"
    "SEE ALSO\n"
    "    plantrack silence --help, config/README.md (the alert and mail settings)\n";

/* The silence covering an alert's indicator today, as JSON, or null. */
static json_t *alert_silence(struct cli_ctx *ctx, struct pt_store *st,
                             const struct pt_catalogue *cat, const char *plan_id, long long key,
                             const char *bureau, int *fail)
{
    const struct pt_plan *plan = pt_catalogue_plan(cat, plan_id);
    char today[11];
    if (!plan || plan_today(ctx, plan, today)) {
        *fail = 1;
        return json_null();
    }
    sqlite3_stmt *s =
        cli_prepare(ctx, st,
                    "SELECT id, until, reason FROM silences WHERE plan_id = ? AND until >= ? "
                    "AND (indicator_key = ? OR bureau_id = ?) ORDER BY until DESC, id LIMIT 1",
                    fail);
    if (!s)
        return json_null();
    sqlite3_bind_text(s, 1, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, today, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, key);
    sqlite3_bind_text(s, 4, bureau, -1, SQLITE_STATIC);
    json_t *o = json_null();
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)sqlite3_column_int64(s, 0), "until",
                      col(s, 1), "reason", col(s, 2));
    sqlite3_finalize(s);
    return o ? o : json_null();
}

/* An alert's last 5 events, oldest first. */
static json_t *alert_history(struct cli_ctx *ctx, struct pt_store *st, long long id, int *fail)
{
    json_t *arr = json_array();
    sqlite3_stmt *s = cli_prepare(ctx, st,
                                  "SELECT id, at, from_state, to_state, detail FROM alert_events "
                                  "WHERE alert_id = ? ORDER BY id DESC LIMIT 5",
                                  fail);
    if (!s)
        return arr;
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *detail = col(s, 4) ? json_loads(col(s, 4), 0, NULL) : NULL;
        json_t *e = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)sqlite3_column_int64(s, 0),
                              "at", col(s, 1), "from", col(s, 2), "to", col(s, 3));
        json_object_set_new(e, "detail", detail ? detail : json_null());
        json_array_insert_new(arr, 0, e);
    }
    sqlite3_finalize(s);
    return arr;
}

static json_t *alerts_read(struct cli_ctx *ctx, struct pt_store *st, const struct pt_catalogue *cat,
                           const char *plan_id, int all, int *fail)
{
    json_t *arr = json_array();
    sqlite3_stmt *s;
    struct pt_err err;
    if (pt_store_prepare(
            st,
            "SELECT a.id, i.plan_id, i.no, i.id, i.name_zh, i.name_en, i.bureau_id, i.attribute, "
            "a.kind, a.state, a.since, a.breach_points, a.ok_points, a.last_actual, "
            "a.last_notified_at, a.updated_at, a.indicator_key "
            "FROM alerts a JOIN indicators i ON i.key = a.indicator_key "
            "WHERE i.active = 1 AND (?1 IS NULL OR i.plan_id = ?1) AND (?2 OR a.state <> 'ok') "
            "ORDER BY i.plan_id, i.attribute = 'binding' DESC, i.no, "
            "CASE a.kind WHEN 'behind_path' THEN 0 WHEN 'projection_misses_target' THEN 1 "
            "WHEN 'target_missed' THEN 2 ELSE 3 END",
            &s, &err)) {
        cli_error(ctx, "%s", err.msg);
        *fail = 1;
        return arr;
    }
    if (plan_id)
        sqlite3_bind_text(s, 1, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, all);
    while (sqlite3_step(s) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(s, 0);
        json_t *o =
            json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
                      "plan", col(s, 1), "no", sqlite3_column_int(s, 2), "indicator", col(s, 3),
                      "name_zh", col(s, 4), "name_en", col(s, 5), "bureau", col(s, 6), "attribute",
                      col(s, 7), "kind", col(s, 8), "state", col(s, 9));
        json_object_set_new(o, "since", json_str_or_null(col(s, 10)));
        json_object_set_new(o, "breach_points", json_integer(sqlite3_column_int(s, 11)));
        json_object_set_new(o, "ok_points", json_integer(sqlite3_column_int(s, 12)));
        json_object_set_new(o, "last_actual", json_str_or_null(col(s, 13)));
        json_object_set_new(o, "last_notified_at", json_str_or_null(col(s, 14)));
        json_object_set_new(o, "updated_at", json_str_or_null(col(s, 15)));
        json_object_set_new(
            o, "silence",
            alert_silence(ctx, st, cat, col(s, 1), sqlite3_column_int64(s, 16), col(s, 6), fail));
        json_object_set_new(o, "history", alert_history(ctx, st, id, fail));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(s);
    return arr;
}

static json_t *outbox_read(struct cli_ctx *ctx, struct pt_store *st, const char *plan_id, int *fail)
{
    json_t *arr = json_array();
    sqlite3_stmt *s =
        cli_prepare(ctx, st,
                    "SELECT id, message_id, plan_id, bureau_id, recipients, created_at, "
                    "attempts, next_attempt_at, gave_up_at, last_error FROM outbox "
                    "WHERE sent_at IS NULL AND (?1 IS NULL OR plan_id = ?1) "
                    "ORDER BY gave_up_at IS NULL, id",
                    fail);
    if (!s)
        return arr;
    if (plan_id)
        sqlite3_bind_text(s, 1, plan_id, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *rcpt = col(s, 4) ? json_loads(col(s, 4), 0, NULL) : NULL;
        json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)sqlite3_column_int64(s, 0),
                              "message_id", col(s, 1), "plan", col(s, 2), "bureau", col(s, 3));
        json_object_set_new(o, "recipients", rcpt ? rcpt : json_str_or_null(col(s, 4)));
        json_object_set_new(o, "created_at", json_str_or_null(col(s, 5)));
        json_object_set_new(o, "attempts", json_integer(sqlite3_column_int(s, 6)));
        json_object_set_new(o, "next_attempt_at", json_str_or_null(col(s, 7)));
        json_object_set_new(o, "gave_up_at", json_str_or_null(col(s, 8)));
        json_object_set_new(o, "last_error", json_str_or_null(col(s, 9)));
        json_object_set_new(o, "status", json_string(col(s, 8) ? "given_up" : "unsent"));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(s);
    return arr;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "—";
}

/* One history line: when, the transition, and what moved it. */
static void print_event(json_t *e)
{
    json_t *d = json_object_get(e, "detail");
    char what[160], cell[256], why[512] = "";
    if (json_is_true(json_object_get(d, "reminder")))
        snprintf(what, sizeof what, "reminder");
    else
        snprintf(what, sizeof what, "%s → %s", jstr(e, "from"), jstr(e, "to"));
    pt_text_fit(cell, sizeof cell, what, 20, 0);
    if (json_object_get(d, "missing")) {
        snprintf(why, sizeof why, "  %s, due by %s", jstr(d, "missing"), jstr(d, "due"));
    } else if (json_object_get(d, "actual")) {
        char gap[32], proj[32];
        json_t *g = json_object_get(d, "gap"), *p = json_object_get(d, "projection");
        cli_num(gap, sizeof gap, json_is_number(g), json_number_value(g));
        cli_num(proj, sizeof proj, json_is_number(p), json_number_value(p));
        snprintf(why, sizeof why, "  %s on %s, gap %s, projection %s", jstr(d, "point"),
                 jstr(d, "actual"), gap, proj);
    }
    if (json_object_get(d, "silence"))
        snprintf(why + strlen(why), sizeof why - strlen(why), "  (silenced by %lld)",
                 (long long)json_integer_value(json_object_get(d, "silence")));
    char line[1024];
    snprintf(line, sizeof line, "      %s  %s%s", jstr(e, "at"), cell, why);
    for (char *t = line + strlen(line); t > line && t[-1] == ' ';)
        *--t = '\0';
    puts(line);
}

static void print_alerts(json_t *alerts, int all)
{
    const char *plan = "";
    const char *ind = "";
    size_t i, j;
    json_t *a, *e;
    if (!json_array_size(alerts))
        printf("no alerts%s\n", all ? " yet (the daemon's evaluation job creates them)"
                                    : " that are not ok (--all lists every one)");
    json_array_foreach(alerts, i, a)
    {
        if (strcmp(plan, jstr(a, "plan")) != 0) {
            printf("%s%s\n", *plan ? "\n" : "", jstr(a, "plan"));
            plan = jstr(a, "plan");
            ind = "";
        }
        if (strcmp(ind, jstr(a, "indicator")) != 0) {
            char name[1024];
            pt_text_fit(name, sizeof name, jstr(a, "name_zh"), 30, 0);
            for (char *t = name + strlen(name); t > name && t[-1] == ' ';)
                *--t = '\0';
            printf("%3lld %s  %s  (%s, bureau %s)\n",
                   (long long)json_integer_value(json_object_get(a, "no")), jstr(a, "indicator"),
                   name, jstr(a, "attribute"), jstr(a, "bureau"));
            ind = jstr(a, "indicator");
        }
        printf("    %-25s %-8s since %s  breaching %lld, clear %lld  last actual %s  "
               "notified %s\n",
               jstr(a, "kind"), jstr(a, "state"), jstr(a, "since"),
               (long long)json_integer_value(json_object_get(a, "breach_points")),
               (long long)json_integer_value(json_object_get(a, "ok_points")),
               jstr(a, "last_actual"), jstr(a, "last_notified_at"));
        json_t *sil = json_object_get(a, "silence");
        if (json_is_object(sil))
            printf("      silenced through %s by silence %lld: %s\n", jstr(sil, "until"),
                   (long long)json_integer_value(json_object_get(sil, "id")), jstr(sil, "reason"));
        json_array_foreach(json_object_get(a, "history"), j, e) print_event(e);
    }
}

static void print_outbox(json_t *outbox)
{
    size_t i, given = 0;
    json_t *m;
    json_array_foreach(outbox, i, m) given +=
        json_object_get(m, "gave_up_at") && !json_is_null(json_object_get(m, "gave_up_at"));
    if (!json_array_size(outbox)) {
        printf("\noutbox: every message sent\n");
        return;
    }
    printf("\noutbox: %zu message%s given up, %zu not yet sent\n", given, given == 1 ? "" : "s",
           json_array_size(outbox) - given);
    json_array_foreach(outbox, i, m)
    {
        int gave = strcmp(jstr(m, "status"), "given_up") == 0;
        printf("  %lld %s/%s %s: ", (long long)json_integer_value(json_object_get(m, "id")),
               jstr(m, "plan"), jstr(m, "bureau"), jstr(m, "message_id"));
        if (gave)
            printf("GIVEN UP %s after %lld attempts", jstr(m, "gave_up_at"),
                   (long long)json_integer_value(json_object_get(m, "attempts")));
        else
            printf("unsent, %lld attempts, next %s",
                   (long long)json_integer_value(json_object_get(m, "attempts")),
                   jstr(m, "next_attempt_at"));
        printf("; last error: %s\n", jstr(m, "last_error"));
    }
}

int cli_alerts(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *plan_id = NULL;
    int json = 0, all = 0;
    struct cli_opt opts[] = {{"plan", CLI_VALUE, &plan_id},
                             {"json", CLI_FLAG, &json},
                             {"all", CLI_FLAG, &all},
                             {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, alerts_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open_plan(ctx, plan_id, &st, &cat)))
        return rc;
    int status = CLI_OK, fail = 0;
    json_t *alerts = alerts_read(ctx, st, cat, plan_id, all, &fail);
    json_t *outbox = outbox_read(ctx, st, plan_id, &fail);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "alerts", alerts);
        json_object_set_new(o, "outbox", outbox);
        status = cli_print_json(o);
    } else {
        print_alerts(alerts, all);
        print_outbox(outbox);
        json_decref(alerts);
        json_decref(outbox);
    }
    if (fail)
        status = CLI_FAIL;
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

/* ---- silence ----------------------------------------------------------- */

static const char silence_help[] =
    "NAME\n"
    "    plantrack silence - mute the alerts of an indicator or a bureau for a while\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack silence add (--indicator ID | --bureau B) --until DATE --reason TEXT\n"
    "                          [--plan P] [--db PATH]\n"
    "    plantrack silence list [--plan P] [--json] [--db PATH]\n"
    "    plantrack silence remove N [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    A silence keeps the alerts of one indicator (its id or number), or of every\n"
    "    indicator a bureau answers for, out of the bureau's messages through DATE\n"
    "    (YYYY-MM-DD, inclusive, in the plan's time zone). Silenced alerts still move\n"
    "    (plantrack alerts shows them); when the silence ends, an alert still firing\n"
    "    is mailed as a reminder at the next evaluation if it was never mailed or its\n"
    "    alert.repeat_interval has passed. A resolution while silenced is not mailed.\n"
    "\n"
    "    add      adds a silence and prints its number. The reason is kept with it\n"
    "             (one line, at most 500 bytes).\n"
    "    list     every silence, active or ended: number, plan, what it mutes,\n"
    "             through when, reason, and whether it is active today.\n"
    "    remove   deletes silence N: its alerts are mailed again from the next\n"
    "             evaluation.\n"
    "\n"
    "OPTIONS\n"
    "    --indicator ID   the indicator to mute (id or number in the plan's table)\n"
    "    --bureau B       the bureau whose indicators to mute (see plantrack bureaus)\n"
    "    --until DATE     the last day muted, YYYY-MM-DD, today or later\n"
    "    --reason TEXT    why, for the other operators\n"
    "    --plan P         the plan, when ID or B is in several plans; with list, only\n"
    "                     plan P\n"
    "    --json           list: an array of objects with the fields id, plan,\n"
    "                     indicator (null or {no, id}), bureau (the muted bureau, or\n"
    "                     null), until, reason, created_at, active\n"
    "    --db PATH        the store (default $PLANTRACK_DB)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 store failure; 2 refused input (unknown indicator, bureau, plan or\n"
    "    silence, a date that is not a date or is in the past, no reason, both or\n"
    "    neither of --indicator and --bureau). Refused input writes nothing.\n"
    "\n"
    "EXAMPLES\n"
    "    plantrack silence add --indicator 17 --until 2025-03-31 \\\n"
    "        --reason \"winter heating season, bureau already informed\"\n"
    "    plantrack silence add --bureau sports --until 2025-12-31 --reason \"data by letter\"\n"
    "    plantrack silence list\n"
    "    plantrack silence remove 3\n";

/* A real calendar date YYYY-MM-DD. */
static int is_date(const char *s)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1900 || m < 1 || m > 12 || d < 1)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    return t != (time_t)-1 && gmtime_r(&t, &back) && back.tm_mday == d && back.tm_mon == m - 1;
}

/* A reason: not blank, one line without control characters, bounded. */
static const char *reason_problem(const char *r)
{
    if (!r)
        return "needs --reason TEXT: say why, for the other operators";
    if (strlen(r) > REASON_MAX)
        return "--reason is longer than 500 bytes";
    if (pt_text_utf8_valid(r, strlen(r)) != strlen(r))
        return "--reason is not valid UTF-8";
    int blank = 1;
    for (const unsigned char *p = (const unsigned char *)r; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "--reason contains a control character (write it on one line)";
        if (*p != ' ')
            blank = 0;
    }
    return blank ? "--reason is empty: say why, for the other operators" : NULL;
}

/* The plan of bureau b: plan when given, else the one plan that has it. */
static int bureau_plan(struct cli_ctx *ctx, struct pt_store *st, const char *plan, const char *b,
                       char out[PT_SLUG_MAX])
{
    int fail = 0;
    sqlite3_stmt *s = cli_prepare(ctx, st,
                                  "SELECT plan_id FROM bureaus WHERE id = ?1 AND (?2 IS NULL OR "
                                  "plan_id = ?2) ORDER BY plan_id",
                                  &fail);
    if (!s)
        return CLI_FAIL;
    sqlite3_bind_text(s, 1, b, -1, SQLITE_STATIC);
    if (plan)
        sqlite3_bind_text(s, 2, plan, -1, SQLITE_STATIC);
    int n = 0, rc = CLI_OK;
    char first[PT_SLUG_MAX] = "";
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (n++ == 0)
            snprintf(first, sizeof first, "%s", col(s, 0));
        else if (n == 2) {
            cli_error(ctx, "bureau \"%s\" is in plans %s and %s: name the plan with --plan", b,
                      first, col(s, 0));
            rc = CLI_USAGE;
        }
    }
    sqlite3_finalize(s);
    if (n == 0) {
        cli_error(ctx, "unknown bureau \"%s\"%s%s (see plantrack bureaus)", b,
                  plan ? " in plan " : "", plan ? plan : "");
        return CLI_USAGE;
    }
    snprintf(out, PT_SLUG_MAX, "%s", first);
    return rc;
}

/* Checks what can be checked without the store. */
static int silence_args(struct cli_ctx *ctx, const char *indicator, const char *bureau,
                        const char *until, const char *reason)
{
    const char *why;
    if (!indicator == !bureau) {
        cli_error(ctx,
                  "needs exactly one of --indicator ID and --bureau B (see %s silence "
                  "--help)",
                  ctx->prog);
        return CLI_USAGE;
    }
    if (!until) {
        cli_error(ctx, "needs --until YYYY-MM-DD, the last day muted");
        return CLI_USAGE;
    }
    if (!is_date(until)) {
        cli_error(ctx, "--until \"%s\" is not a date (YYYY-MM-DD)", until);
        return CLI_USAGE;
    }
    if ((why = reason_problem(reason))) {
        cli_error(ctx, "%s", why);
        return CLI_USAGE;
    }
    return 0;
}

/* Resolves what the silence mutes: *ind, or the bureau's plan into plan. */
static int silence_target(struct cli_ctx *ctx, struct pt_store *st, const struct pt_catalogue *cat,
                          const char *plan_id, const char *indicator, const char *bureau,
                          const struct pt_indicator **ind, char plan[PT_SLUG_MAX])
{
    struct pt_err err;
    if (plan_id && !pt_catalogue_plan(cat, plan_id)) {
        cli_error(ctx, "unknown plan \"%s\" (see plantrack indicators)", plan_id);
        return CLI_USAGE;
    }
    *ind = NULL;
    if (bureau)
        return bureau_plan(ctx, st, plan_id, bureau, plan);
    if (!(*ind = pt_catalogue_find(cat, plan_id, indicator, &err))) {
        cli_error(ctx, "%s%s", err.msg, err.code == PT_EINVAL ? " with --plan" : "");
        return cli_status_of(err.code);
    }
    snprintf(plan, PT_SLUG_MAX, "%s", (*ind)->plan_id);
    return 0;
}

static int silence_add(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *indicator = NULL, *bureau = NULL, *until = NULL, *reason = NULL, *plan_id = NULL;
    struct cli_opt opts[] = {{"indicator", CLI_VALUE, &indicator}, {"bureau", CLI_VALUE, &bureau},
                             {"until", CLI_VALUE, &until},         {"reason", CLI_VALUE, &reason},
                             {"plan", CLI_VALUE, &plan_id},        {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, silence_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    if ((rc = silence_args(ctx, indicator, bureau, until, reason)))
        return rc;
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open(ctx, &st, &cat)))
        return rc;
    const struct pt_indicator *ind;
    char plan[PT_SLUG_MAX], today[11];
    int status = silence_target(ctx, st, cat, plan_id, indicator, bureau, &ind, plan);
    if (!status)
        status = plan_today(ctx, pt_catalogue_plan(cat, plan), today);
    if (!status && strcmp(until, today) < 0) {
        cli_error(ctx, "--until %s is in the past (today is %s in plan %s's time zone)", until,
                  today, plan);
        status = CLI_USAGE;
    }
    long long id;
    struct pt_err err;
    if (!status && ((rc = pt_store_begin(st, &err)) ||
                    (rc = pt_silence_add(st, plan, ind, bureau, until, reason, &id, &err)) ||
                    (rc = pt_store_commit(st, &err)))) {
        pt_store_rollback(st);
        cli_error(ctx, "%s", err.msg);
        status = cli_status_of(rc);
    }
    if (!status && ind)
        printf("silence %lld added: indicator %d %s of plan %s muted through %s\n", id, ind->no,
               ind->id, plan, until);
    else if (!status)
        printf("silence %lld added: bureau %s of plan %s muted through %s\n", id, bureau, plan,
               until);
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

static json_t *silences_read(struct cli_ctx *ctx, struct pt_store *st,
                             const struct pt_catalogue *cat, const char *plan_id, int *fail)
{
    json_t *arr = json_array();
    sqlite3_stmt *s =
        cli_prepare(ctx, st,
                    "SELECT s.id, s.plan_id, i.no, i.id, s.bureau_id, s.until, s.reason, "
                    "s.created_at FROM silences s LEFT JOIN indicators i "
                    "ON i.key = s.indicator_key WHERE ?1 IS NULL OR s.plan_id = ?1 "
                    "ORDER BY s.id",
                    fail);
    if (!s)
        return arr;
    if (plan_id)
        sqlite3_bind_text(s, 1, plan_id, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const struct pt_plan *plan = pt_catalogue_plan(cat, col(s, 1));
        char today[11] = "";
        if (plan && plan_today(ctx, plan, today))
            *fail = 1;
        json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(s, 0), "plan",
                              col(s, 1));
        json_object_set_new(
            o, "indicator",
            col(s, 3) ? json_pack("{s:i, s:s}", "no", sqlite3_column_int(s, 2), "id", col(s, 3))
                      : json_null());
        json_object_set_new(o, "bureau", json_str_or_null(col(s, 4)));
        json_object_set_new(o, "until", json_string(col(s, 5)));
        json_object_set_new(o, "reason", json_string(col(s, 6)));
        json_object_set_new(o, "created_at", json_string(col(s, 7)));
        json_object_set_new(o, "active", json_boolean(*today && strcmp(today, col(s, 5)) <= 0));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(s);
    return arr;
}

static int silence_list(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *plan_id = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        {"plan", CLI_VALUE, &plan_id}, {"json", CLI_FLAG, &json}, {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, silence_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open_plan(ctx, plan_id, &st, &cat)))
        return rc;
    int status = CLI_OK, fail = 0;
    json_t *all = silences_read(ctx, st, cat, plan_id, &fail);
    if (json) {
        status = cli_print_json(all);
    } else {
        size_t i;
        json_t *o;
        if (!json_array_size(all))
            printf("no silences\n");
        json_array_foreach(all, i, o)
        {
            char what[160];
            json_t *ind = json_object_get(o, "indicator");
            if (json_is_object(ind))
                snprintf(what, sizeof what, "indicator %lld %s",
                         (long long)json_integer_value(json_object_get(ind, "no")),
                         jstr(ind, "id"));
            else
                snprintf(what, sizeof what, "bureau %s", jstr(o, "bureau"));
            printf("%3lld  %s  %s  through %s  %-7s  %s\n",
                   (long long)json_integer_value(json_object_get(o, "id")), jstr(o, "plan"), what,
                   jstr(o, "until"),
                   json_is_true(json_object_get(o, "active")) ? "active" : "ended",
                   jstr(o, "reason"));
        }
        json_decref(all);
    }
    if (fail)
        status = CLI_FAIL;
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

static int silence_remove(struct cli_ctx *ctx, int argc, char **argv)
{
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, NULL, silence_help, pos, 1, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    char *end = NULL;
    long long id = npos == 1 ? strtoll(pos[0], &end, 10) : 0;
    if (npos != 1) {
        cli_error(ctx, "needs the silence number N (see %s silence list)", ctx->prog);
        return CLI_USAGE;
    }
    if (!*pos[0] || *end || id <= 0) {
        cli_error(ctx, "\"%s\" is not a silence number (see %s silence list)", pos[0], ctx->prog);
        return CLI_USAGE;
    }
    struct pt_store *st;
    struct pt_err err;
    if ((rc = pt_store_open(ctx->db, 0, &st, &err))) {
        cli_error(ctx, "%s", err.msg);
        return cli_status_of(rc);
    }
    int status = CLI_OK;
    if ((rc = pt_store_begin(st, &err)) || (rc = pt_silence_remove(st, id, &err)) ||
        (rc = pt_store_commit(st, &err))) {
        pt_store_rollback(st);
        cli_error(ctx, "%s", err.msg);
        status = cli_status_of(rc);
    } else {
        printf("silence %lld removed\n", id);
    }
    pt_store_close(st);
    return status;
}

int cli_silence(struct cli_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name, *cmd;
        cli_cmd_fn fn;
    } subs[] = {{"add", "silence add", silence_add},
                {"list", "silence list", silence_list},
                {"remove", "silence remove", silence_remove}};
    if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        fputs(silence_help, stdout);
        return CLI_OK;
    }
    for (size_t k = 0; argc >= 1 && k < sizeof subs / sizeof subs[0]; k++)
        if (!strcmp(argv[0], subs[k].name)) {
            ctx->cmd = subs[k].cmd;
            return subs[k].fn(ctx, argc - 1, argv + 1);
        }
    if (argc >= 1)
        cli_error(ctx,
                  "unknown subcommand \"%s\": use add, list or remove (see %s silence "
                  "--help)",
                  argv[0], ctx->prog);
    else
        cli_error(ctx, "needs a subcommand: add, list or remove (see %s silence --help)",
                  ctx->prog);
    return CLI_USAGE;
}
