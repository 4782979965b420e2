/* The commands that read: status, indicators and show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actual.h"
#include "assess.h"
#include "cli.h"
#include "text.h"

/* ---- status ------------------------------------------------------------ */

static const char status_help[] =
    "NAME\n"
    "    plantrack status - where every indicator stands against its plan\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack status [--year Y] [--plan P] [--json] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    One row per indicator: number, name, unit, base, target, the value the\n"
    "    plan's path expects in year Y, the latest actual up to Y with its period\n"
    "    (\"ytd\" marks a provisional year-to-date value), the gap and the verdict.\n"
    "\n"
    "    Y defaults to the current year; for a plan that has ended it is the plan's\n"
    "    target year, so an ended plan shows its final assessment. Without --plan\n"
    "    every loaded plan is shown, each in its own table.\n"
    "\n"
    "    The gap is the actual (for average_rate indicators the compound average\n"
    "    since the base year, for cumulative_change ones the chained change) minus\n"
    "    the path's value for the actual's own period; the actual column shows the\n"
    "    figure compared. A provisional value of a seasonal series (air, water) is\n"
    "    compared with the same period of the previous year, scaled by the change\n"
    "    the path asks for that year. Verdicts:\n"
    "      on_track   on the path, and the projection reaches the target\n"
    "      at_risk    behind the path, or the projection misses the target\n"
    "      off_track  both, or the target year's final missed the target\n"
    "      no_data    no actual yet\n"
    "    The projection is a least-squares line over final values, once there are\n"
    "    two. Binding (约束性) indicators off their path are critical, expected\n"
    "    (预期性) ones a warning.\n"
    "\n"
    "    The table fits 100 columns; verdicts are coloured on a terminal only.\n"
    "\n"
    "OPTIONS\n"
    "    --year Y     evaluate for year Y\n"
    "    --plan P     only plan P (see plantrack indicators)\n"
    "    --json       an array of objects with the fields no, id, name_zh, name_en,\n"
    "                 unit, kind, direction, attribute, bureau, base_year, base,\n"
    "                 target_year, target, year, expected, actual, actual_period,\n"
    "                 actual_status, actual_as_of, measure, gap, projection,\n"
    "                 required, verdict, severity, reason and plan; absent values\n"
    "                 are null\n"
    "    --db PATH    the store (default $PLANTRACK_DB)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 printed; 1 store failure; 2 usage error.\n";

static const char *verdict_color(enum pt_verdict v)
{
    switch (v) {
    case PT_ON_TRACK:
        return "\033[32m";
    case PT_AT_RISK:
        return "\033[33m";
    case PT_OFF_TRACK:
        return "\033[1;31m";
    default:
        return "\033[2m";
    }
}

/* Column widths: together with the single spaces between them, 99 columns. */
enum { W_NO = 2, W_NAME = 28, W_UNIT = 10, W_NUM = 6, W_EXP = 7, W_PERIOD = 8 };

static void print_cell(const char *s, int width, int right, int last)
{
    char buf[1024];
    pt_text_fit(buf, sizeof buf, s, width, right);
    fputs(buf, stdout);
    if (!last)
        fputc(' ', stdout);
}

static void status_table(struct cli_ctx *ctx, const struct pt_plan *plan, int year,
                         const struct pt_indicator **rows, const struct pt_eval *evs, int n)
{
    int counts[4] = {0};
    char head[1024], title[2048];
    snprintf(title, sizeof title, "%s  %s", plan->id, plan->name_zh);
    pt_text_fit(head, sizeof head, title, 99, 0);
    for (char *e = head + strlen(head); e > head && e[-1] == ' ';)
        *--e = '\0';
    printf("%s\n", head);
    if (pt_assess_today(plan) > plan->end_year && year == plan->end_year)
        printf("plan ended %d: final assessment for %d\n\n", plan->end_year, year);
    else
        printf("evaluated for %d\n\n", year);
    char exp_head[16];
    snprintf(exp_head, sizeof exp_head, "exp %d", year);
    print_cell("no", W_NO, 1, 0);
    print_cell("indicator", W_NAME, 0, 0);
    print_cell("unit", W_UNIT, 0, 0);
    print_cell("base", W_NUM, 1, 0);
    print_cell("target", W_NUM, 1, 0);
    print_cell(exp_head, W_EXP + 1, 1, 0);
    print_cell("actual", W_EXP, 1, 0);
    print_cell("period", W_PERIOD, 0, 0);
    print_cell("gap", W_NUM, 1, 0);
    fputs("verdict\n", stdout);
    for (int i = 0; i < n; i++) {
        const struct pt_indicator *ind = rows[i];
        const struct pt_eval *ev = &evs[i];
        char no[8], base[32], target[32], exp[32], act[32], period[32], gap[32];
        snprintf(no, sizeof no, "%d", ind->no);
        cli_num(base, sizeof base, ind->path.has_base, ind->path.base);
        char bound[24];
        cli_num(bound, sizeof bound, 1, ind->path.target);
        snprintf(target, sizeof target, "%s%s",
                 ind->path.kind == PT_KIND_CEILING ? "≤"
                 : ind->path.kind == PT_KIND_FLOOR ? "≥"
                                                   : "",
                 bound);
        cli_num(exp, sizeof exp, ev->has_expected, ev->expected);
        cli_num(act, sizeof act, ev->has_actual, ev->measure);
        if (ev->has_actual)
            snprintf(period, sizeof period, "%d%s", ev->actual.year,
                     ev->actual.provisional ? " ytd" : "");
        else
            snprintf(period, sizeof period, "—");
        cli_num(gap, sizeof gap, ev->has_gap, ev->gap);
        print_cell(no, W_NO, 1, 0);
        print_cell(ind->name_zh, W_NAME, 0, 0);
        print_cell(ind->unit, W_UNIT, 0, 0);
        print_cell(base, W_NUM, 1, 0);
        print_cell(target, W_NUM, 1, 0);
        print_cell(exp, W_EXP + 1, 1, 0);
        print_cell(act, W_EXP, 1, 0);
        print_cell(period, W_PERIOD, 0, 0);
        print_cell(gap, W_NUM, 1, 0);
        if (ctx->color)
            fputs(verdict_color(ev->verdict), stdout);
        fputs(pt_verdict_names[ev->verdict], stdout);
        if (ctx->color)
            fputs("\033[0m", stdout);
        fputc('\n', stdout);
        counts[ev->verdict]++;
    }
    printf("\ngap: the actual minus the path in the actual's own period; ytd: provisional, "
           "year to date\n");
    printf("%d indicators: %d on track, %d at risk, %d off track, %d without data\n", n,
           counts[PT_ON_TRACK], counts[PT_AT_RISK], counts[PT_OFF_TRACK], counts[PT_NO_DATA]);
}

int cli_status(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *year_s = NULL, *plan_id = NULL;
    int json = 0;
    struct cli_opt opts[] = {{"year", CLI_VALUE, &year_s},
                             {"plan", CLI_VALUE, &plan_id},
                             {"json", CLI_FLAG, &json},
                             {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, status_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    int year = 0;
    if (year_s && !(year = cli_year(year_s))) {
        cli_error(ctx, "--year \"%s\" is not a year", year_s);
        return CLI_USAGE;
    }
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open_plan(ctx, plan_id, &st, &cat)))
        return rc;
    int status = CLI_OK;
    json_t *all = json ? json_array() : NULL;
    const struct pt_indicator **rows = calloc((size_t)cat->nind + 1, sizeof *rows);
    struct pt_eval *evs = calloc((size_t)cat->nind + 1, sizeof *evs);
    if (!rows || !evs) {
        cli_error(ctx, "out of memory");
        status = CLI_FAIL;
        goto done;
    }
    int first = 1;
    for (int p = 0; p < cat->nplans; p++) {
        const struct pt_plan *plan = &cat->plans[p];
        if (plan_id && strcmp(plan->id, plan_id) != 0)
            continue;
        int y = year ? year : pt_assess_default_year(plan);
        int n = 0;
        for (int i = 0; i < cat->nind; i++) {
            if (strcmp(cat->ind[i].plan_id, plan->id) != 0)
                continue;
            if (cli_evaluate(st, &cat->ind[i], y, &evs[n])) {
                status = CLI_FAIL;
                goto done;
            }
            rows[n++] = &cat->ind[i];
        }
        if (json) {
            for (int i = 0; i < n; i++)
                json_array_append_new(all, cli_status_json(rows[i], &evs[i]));
        } else {
            if (!first)
                fputc('\n', stdout);
            status_table(ctx, plan, y, rows, evs, n);
            first = 0;
        }
    }
done:
    free(rows);
    free(evs);
    if (json) {
        if (status == CLI_OK)
            status = cli_print_json(all);
        else
            json_decref(all);
    }
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

/* ---- indicators -------------------------------------------------------- */

static const char indicators_help[] =
    "NAME\n"
    "    plantrack indicators - the plan catalogue held in the store\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack indicators [--plan P] [--json] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    Every active indicator of every loaded plan (or of plan P): number, id,\n"
    "    name, unit, kind, target, the bureau that answers for it and the feed that\n"
    "    supplies it (see --json). Use the id or the number with show and record.\n"
    "\n"
    "OPTIONS\n"
    "    --plan P     only plan P\n"
    "    --json       an array of objects: plan, no, id, name_zh, name_en, unit, kind,\n"
    "                 direction, attribute, bureau, base_year, base, target_year,\n"
    "                 target, target_qualifier, target_vintage, category, cadence,\n"
    "                 release_month, feed (the feed instance that supplies it: the\n"
    "                 one that declared it at the daemon's last start or reload,\n"
    "                 else the one its latest actual came from, else \"manual\" for\n"
    "                 plantrack record)\n"
    "    --db PATH    the store (default $PLANTRACK_DB)\n";

/* The feed that supplies an indicator (?1, its key): the instance that
 * declared it, else the feed of its latest actual, else "manual"
 * (plantrack record; a manual latest actual is manual, whatever came before). */
static const char feed_sql[] =
    "SELECT COALESCE((SELECT instance FROM feed_indicators WHERE indicator_key = ?1), "
    "(SELECT COALESCE(r.instance, 'manual') FROM actuals a LEFT JOIN runs r ON r.id = a.run_id "
    "WHERE a.indicator_key = ?1 ORDER BY a.recorded_at DESC, a.vintage DESC LIMIT 1), 'manual')";

static void feed_of(sqlite3_stmt *s, const struct pt_indicator *ind, char *out, size_t cap)
{
    sqlite3_bind_int64(s, 1, ind->key);
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    else
        snprintf(out, cap, "?");
    sqlite3_reset(s);
}

int cli_indicators(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *plan_id = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        {"plan", CLI_VALUE, &plan_id}, {"json", CLI_FLAG, &json}, {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, indicators_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open_plan(ctx, plan_id, &st, &cat)))
        return rc;
    int status = CLI_OK, fail = 0;
    sqlite3_stmt *feeds = cli_prepare(ctx, st, feed_sql, &fail);
    if (!feeds) {
        status = CLI_FAIL;
    } else if (json) {
        json_t *all = json_array();
        for (int i = 0; i < cat->nind; i++) {
            const struct pt_indicator *ind = &cat->ind[i];
            if (plan_id && strcmp(ind->plan_id, plan_id) != 0)
                continue;
            json_t *o = cli_status_json(ind, NULL);
            json_object_set_new(o, "category", json_string(ind->category));
            json_object_set_new(o, "cadence", json_string(ind->cadence));
            json_object_set_new(o, "release_month", json_integer(ind->release_month));
            char feed[80];
            feed_of(feeds, ind, feed, sizeof feed);
            json_object_set_new(o, "feed", json_string(feed));
            json_array_append_new(all, o);
        }
        status = cli_print_json(all);
    } else {
        const char *last_plan = "";
        for (int i = 0; i < cat->nind; i++) {
            const struct pt_indicator *ind = &cat->ind[i];
            if (plan_id && strcmp(ind->plan_id, plan_id) != 0)
                continue;
            if (strcmp(last_plan, ind->plan_id) != 0) {
                const struct pt_plan *p = pt_catalogue_plan(cat, ind->plan_id);
                printf("%s%s  %s (%d-%d)\n", *last_plan ? "\n" : "", p->id, p->name_zh,
                       p->start_year, p->end_year);
                last_plan = ind->plan_id;
            }
            char target[32], line[2048];
            cli_num(target, sizeof target, 1, ind->path.target);
            printf("%3d ", ind->no);
            pt_text_fit(line, sizeof line, ind->id, 28, 0);
            printf("%s ", line);
            pt_text_fit(line, sizeof line, ind->name_zh, 30, 0);
            printf("%s ", line);
            pt_text_fit(line, sizeof line, pt_kind_names[ind->path.kind], 17, 0);
            char feed[80];
            feed_of(feeds, ind, feed, sizeof feed);
            printf("%s %s %-12s %s\n", line, ind->binding ? "B" : "E", ind->bureau, feed);
        }
        printf("\nB binding (约束性), E expected (预期性). Details: %s show ID\n", ctx->prog);
    }
    sqlite3_finalize(feeds);
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

/* ---- show -------------------------------------------------------------- */

static const char show_help[] =
    "NAME\n"
    "    plantrack show - one indicator in full\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack show ID [--year Y] [--plan P] [--json] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    The definition of indicator ID (id or number) as the catalogue gives it,\n"
    "    including the reading chosen where the printed table is ambiguous; its\n"
    "    targets with every vintage (printed and revised); the path's expected\n"
    "    value year by year; every actual with every vintage, its source, run and\n"
    "    time of recording; and the evaluation for year Y (default as in status).\n"
    "\n"
    "OPTIONS\n"
    "    --year Y     evaluate for year Y\n"
    "    --plan P     the plan, when ID is in several plans\n"
    "    --json       one object: indicator (the catalogue entry), bureau, targets,\n"
    "                 path, actuals, evaluation\n"
    "    --db PATH    the store (default $PLANTRACK_DB)\n";

static json_t *show_targets(struct pt_store *st, long long key, int *fail)
{
    json_t *arr = json_array();
    sqlite3_stmt *s;
    struct pt_err err;
    if (pt_store_prepare(st,
                         "SELECT vintage, year, value, qualifier, printed, origin, source, "
                         "recorded_at FROM targets WHERE indicator_key = ? ORDER BY vintage",
                         &s, &err)) {
        fprintf(stderr, "plantrack show: %s\n", err.msg);
        *fail = 1;
        return arr;
    }
    sqlite3_bind_int64(s, 1, key);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *printed = (const char *)sqlite3_column_text(s, 4);
        json_array_append_new(
            arr, json_pack("{s:i, s:i, s:f, s:s, s:o, s:s, s:s, s:s}", "vintage", sqlite3_column_int(s, 0), "year",
                           sqlite3_column_int(s, 1), "value", sqlite3_column_double(s, 2),
                           "qualifier", (const char *)sqlite3_column_text(s, 3), "printed",
                           printed ? json_string(printed) : json_null(), "origin",
                           (const char *)sqlite3_column_text(s, 5), "source",
                           (const char *)sqlite3_column_text(s, 6), "recorded_at",
                           (const char *)sqlite3_column_text(s, 7)));
    }
    sqlite3_finalize(s);
    return arr;
}

static json_t *show_bureau(struct pt_store *st, const struct pt_indicator *ind)
{
    sqlite3_stmt *s;
    struct pt_err err;
    json_t *o = json_null();
    if (pt_store_prepare(st,
                         "SELECT id, name_zh, name_en, email FROM bureaus "
                         "WHERE plan_id = ? AND id = ?",
                         &s, &err))
        return o;
    sqlite3_bind_text(s, 1, ind->plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ind->bureau, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_pack("{s:s, s:s, s:s, s:s}", "id", (const char *)sqlite3_column_text(s, 0), "name_zh",
                      (const char *)sqlite3_column_text(s, 1), "name_en",
                      (const char *)sqlite3_column_text(s, 2), "email",
                      (const char *)sqlite3_column_text(s, 3));
    sqlite3_finalize(s);
    return o;
}

static json_t *show_definition(struct pt_store *st, long long key)
{
    sqlite3_stmt *s;
    struct pt_err err;
    json_t *o = NULL;
    if (pt_store_prepare(st, "SELECT definition FROM indicators WHERE key = ?", &s, &err))
        return json_null();
    sqlite3_bind_int64(s, 1, key);
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    sqlite3_finalize(s);
    return o ? o : json_null();
}

static void show_text(const struct pt_indicator *ind, json_t *def, json_t *bureau,
                      json_t *targets, json_t *path, const struct pt_actual_row *rows, int n,
                      const struct pt_eval *ev)
{
    const char *s;
    printf("%d  %s  %s\n    %s\n\n", ind->no, ind->id, ind->name_zh, ind->name_en);
    printf("plan        %s\n", ind->plan_id);
    printf("unit        %s\n", ind->unit);
    printf("kind        %s, direction %s\n", pt_kind_names[ind->path.kind],
           ind->path.direction > 0 ? "up" : "down");
    printf("attribute   %s", ind->binding ? "binding (约束性)" : "expected (预期性)");
    if ((s = json_string_value(json_object_get(def, "attribute_source"))))
        printf(": %s", s);
    printf("\n");
    if (json_is_object(bureau))
        printf("bureau      %s %s <%s>\n", json_string_value(json_object_get(bureau, "id")),
               json_string_value(json_object_get(bureau, "name_zh")),
               json_string_value(json_object_get(bureau, "email")));
    printf("cadence     %s (final for a year usually in month %d)\n", ind->cadence,
           ind->release_month);
    char b[32];
    cli_num(b, sizeof b, ind->path.has_base, ind->path.base);
    printf("base        %s (%d)\n", b, ind->path.base_year);
    json_t *fig;
    const char *names[] = {"annual_rate", "cumulative"};
    for (int i = 0; i < 2; i++)
        if ((fig = json_object_get(def, names[i])))
            printf("%-11s %s (%g %s)\n", names[i],
                   json_string_value(json_object_get(fig, "printed"))
                       ? json_string_value(json_object_get(fig, "printed"))
                       : "",
                   json_number_value(json_object_get(fig, "value")),
                   json_string_value(json_object_get(fig, "unit")));
    json_t *starred = json_object_get(def, "starred");
    if (json_array_size(starred)) {
        printf("starred     ");
        size_t i;
        json_t *v;
        json_array_foreach(starred, i, v) printf("%s%s", i ? ", " : "", json_string_value(v));
        printf(" (province-assigned: 以省下达任务为准)\n");
    }
    if ((s = json_string_value(json_object_get(def, "reading"))))
        printf("reading     %s\n", s);
    if ((s = json_string_value(json_object_get(def, "quote"))))
        printf("quote       %s\n", s);

    printf("\ntargets\n  vintage  year  value      qualifier  origin    source\n");
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        char v[32];
        cli_num(v, sizeof v, 1, json_number_value(json_object_get(t, "value")));
        printf("  %-7lld  %4lld  %-9s  %-9s  %-8s  %s (recorded %s)\n",
               (long long)json_integer_value(json_object_get(t, "vintage")),
               (long long)json_integer_value(json_object_get(t, "year")), v,
               json_string_value(json_object_get(t, "qualifier")),
               json_string_value(json_object_get(t, "origin")),
               json_string_value(json_object_get(t, "source")),
               json_string_value(json_object_get(t, "recorded_at")));
    }
    printf("\nexpected path\n ");
    json_array_foreach(path, i, t)
    {
        char v[32];
        json_t *e = json_object_get(t, "expected");
        cli_num(v, sizeof v, json_is_number(e), json_number_value(e));
        printf(" %lld: %s", (long long)json_integer_value(json_object_get(t, "year")), v);
    }
    printf("\n\nactuals\n");
    if (!n)
        printf("  none yet\n");
    for (int k = 0; k < n; k++) {
        char v[32], rv[32];
        cli_num(v, sizeof v, 1, rows[k].value);
        cli_num(rv, sizeof rv, 1, rows[k].reported_value);
        printf("  %s %-11s%s%s  v%d  %s %s (reported %s %s)  source: %s  recorded %s\n",
               rows[k].period, rows[k].provisional ? "provisional" : "final",
               rows[k].provisional ? " as of " : "", rows[k].as_of, rows[k].vintage, v, ind->unit,
               rv, rows[k].reported_unit, rows[k].source, rows[k].recorded_at);
        if (rows[k].run_id)
            printf("      run %lld  %s\n", rows[k].run_id, rows[k].provenance);
        else if (rows[k].provenance[0])
            printf("      %s\n", rows[k].provenance);
    }
    char e[32], a[32], g[32], pr[32], rq[32];
    cli_num(e, sizeof e, ev->has_expected, ev->expected);
    cli_num(a, sizeof a, ev->has_measure, ev->measure);
    cli_num(g, sizeof g, ev->has_gap, ev->gap);
    cli_num(pr, sizeof pr, ev->has_projection, ev->projection);
    cli_num(rq, sizeof rq, ev->has_required, ev->required);
    printf("\nevaluation for %d\n  expected %s, actual %s, gap %s, projection to %d %s, "
           "still required a year %s\n  verdict %s: %s\n",
           ev->year, e, a, g, ind->path.target_year, pr, rq, pt_verdict_names[ev->verdict],
           ev->reason);
}

int cli_show(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *plan_id = NULL, *year_s = NULL;
    int json = 0;
    struct cli_opt opts[] = {{"plan", CLI_VALUE, &plan_id},
                             {"year", CLI_VALUE, &year_s},
                             {"json", CLI_FLAG, &json},
                             {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, show_help, pos, 1, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    if (npos != 1) {
        cli_error(ctx, "needs ID (see %s show --help)", ctx->prog);
        return CLI_USAGE;
    }
    int year = 0;
    if (year_s && !(year = cli_year(year_s))) {
        cli_error(ctx, "--year \"%s\" is not a year", year_s);
        return CLI_USAGE;
    }
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open(ctx, &st, &cat)))
        return rc;
    struct pt_err err;
    int status = CLI_OK, fail = 0;
    const struct pt_indicator *ind = pt_catalogue_find(cat, plan_id, pos[0], &err);
    if (!ind) {
        cli_error(ctx, "%s%s", err.msg, err.code == PT_EINVAL ? " with --plan" : "");
        status = cli_status_of(err.code);
        goto out;
    }
    const struct pt_plan *plan = pt_catalogue_plan(cat, ind->plan_id);
    struct pt_actual_row *rows = NULL;
    int n = 0;
    if ((rc = pt_actual_list(st, ind->key, &rows, &n, &err))) {
        cli_error(ctx, "%s", err.msg);
        status = CLI_FAIL;
        goto out;
    }
    struct pt_eval ev;
    if (cli_evaluate(st, ind, year ? year : pt_assess_default_year(plan), &ev)) {
        free(rows);
        status = CLI_FAIL;
        goto out;
    }
    json_t *def = show_definition(st, ind->key), *bureau = show_bureau(st, ind);
    json_t *targets = show_targets(st, ind->key, &fail), *path = json_array();
    for (int y = ind->path.base_year; y <= ind->path.target_year; y++) {
        double e;
        int has = pt_eval_expected(&ind->path, y, &e) == 0;
        json_array_append_new(path, json_pack("{s:i, s:o}", "year", y, "expected",
                                              cli_json_num(has, e)));
    }
    if (json) {
        json_t *acts = json_array();
        for (int k = 0; k < n; k++) {
            json_t *prov = rows[k].provenance[0] ? json_loads(rows[k].provenance, 0, NULL) : NULL;
            json_t *o = json_pack("{s:s, s:s, s:o, s:i, s:o, s:o, s:s, s:s, s:o, s:s}", "period", rows[k].period, "status",
                                  rows[k].provisional ? "provisional" : "final", "as_of",
                                  rows[k].provisional ? json_string(rows[k].as_of) : json_null(),
                                  "vintage", rows[k].vintage, "value",
                                  cli_json_num(1, rows[k].value), "reported_value",
                                  cli_json_num(1, rows[k].reported_value), "reported_unit",
                                  rows[k].reported_unit, "source", rows[k].source, "run",
                                  rows[k].run_id ? json_integer(rows[k].run_id) : json_null(),
                                  "recorded_at", rows[k].recorded_at);
            json_object_set_new(o, "provenance", prov ? prov : json_null());
            json_array_append_new(acts, o);
        }
        json_t *o = json_object();
        json_object_set_new(o, "indicator", def);
        json_object_set_new(o, "bureau", bureau);
        json_object_set_new(o, "targets", targets);
        json_object_set_new(o, "path", path);
        json_object_set_new(o, "actuals", acts);
        json_object_set_new(o, "evaluation", cli_status_json(ind, &ev));
        status = cli_print_json(o);
    } else {
        show_text(ind, def, bureau, targets, path, rows, n, &ev);
        json_decref(def);
        json_decref(bureau);
        json_decref(targets);
        json_decref(path);
    }
    if (fail)
        status = CLI_FAIL;
    free(rows);
out:
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

/* ---- bureaus ----------------------------------------------------------- */

static const char bureaus_help[] =
    "NAME\n"
    "    plantrack bureaus - the bureaus and the indicators each answers for\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack bureaus [--plan P] [--json] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    Every bureau of every loaded plan (or of plan P) with its e-mail address\n"
    "    and the numbers and ids of the indicators it answers for: the addresses\n"
    "    alerts go to.\n"
    "\n"
    "OPTIONS\n"
    "    --plan P     only plan P\n"
    "    --json       an array of objects: plan, id, name_zh, name_en, email,\n"
    "                 indicators (an array of {no, id})\n"
    "    --db PATH    the store (default $PLANTRACK_DB)\n";

int cli_bureaus(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *plan_id = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        {"plan", CLI_VALUE, &plan_id}, {"json", CLI_FLAG, &json}, {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, bureaus_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open_plan(ctx, plan_id, &st, &cat)))
        return rc;
    int status = CLI_OK;
    sqlite3_stmt *s = NULL;
    struct pt_err err;
    if (pt_store_prepare(st,
                         "SELECT plan_id, id, name_zh, name_en, email FROM bureaus "
                         "WHERE ?1 IS NULL OR plan_id = ?1 ORDER BY plan_id, id",
                         &s, &err)) {
        cli_error(ctx, "%s", err.msg);
        status = CLI_FAIL;
        goto out;
    }
    if (plan_id)
        sqlite3_bind_text(s, 1, plan_id, -1, SQLITE_STATIC);
    json_t *all = json_array();
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *plan = (const char *)sqlite3_column_text(s, 0);
        const char *id = (const char *)sqlite3_column_text(s, 1);
        json_t *inds = json_array();
        for (int i = 0; i < cat->nind; i++)
            if (!strcmp(cat->ind[i].plan_id, plan) && !strcmp(cat->ind[i].bureau, id))
                json_array_append_new(inds, json_pack("{s:i, s:s}", "no", cat->ind[i].no, "id",
                                                      cat->ind[i].id));
        json_array_append_new(
            all, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "plan", plan, "id", id, "name_zh",
                           (const char *)sqlite3_column_text(s, 2), "name_en",
                           (const char *)sqlite3_column_text(s, 3), "email",
                           (const char *)sqlite3_column_text(s, 4), "indicators", inds));
    }
    if (json) {
        status = cli_print_json(all);
    } else {
        size_t i, j;
        json_t *b, *ind;
        json_array_foreach(all, i, b)
        {
            printf("%s %s  %s <%s>\n   ", json_string_value(json_object_get(b, "plan")),
                   json_string_value(json_object_get(b, "id")),
                   json_string_value(json_object_get(b, "name_zh")),
                   json_string_value(json_object_get(b, "email")));
            json_array_foreach(json_object_get(b, "indicators"), j, ind)
            {
                printf(" %lld %s", (long long)json_integer_value(json_object_get(ind, "no")),
                       json_string_value(json_object_get(ind, "id")));
            }
            printf("\n");
        }
        json_decref(all);
    }
out:
    sqlite3_finalize(s);
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}
