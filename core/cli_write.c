/* The commands that write: init (create or migrate the store, load a
 * catalogue) and record (an actual reported by letter or phone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actual.h"
#include "cli.h"

static const char init_help[] =
    "NAME\n"
    "    plantrack init - create or migrate the store and load plan catalogues\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack init [--catalogue FILE]... [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    Creates the store if it does not exist, applies the schema migrations it\n"
    "    lacks, and loads each catalogue FILE (config/indicators/*.json). A file is\n"
    "    validated whole before anything is written: any problem refuses the whole\n"
    "    file and lists every problem as FILE: JSON.PATH: what is wrong. Loading is\n"
    "    one transaction per file and idempotent: loading the same file again\n"
    "    changes nothing. A changed target adds a target vintage; the old one stays\n"
    "    visible in plantrack show. An indicator missing from a reloaded file is\n"
    "    retired (kept with its actuals, left out of the status).\n"
    "\n"
    "    Several plans live side by side: load each plan's catalogue once.\n"
    "\n"
    "OPTIONS\n"
    "    --catalogue FILE   a catalogue to load; may be repeated\n"
    "    --db PATH          the store (default $PLANTRACK_DB)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 loaded; 1 store failure; 2 refused catalogue or usage error.\n"
    "\n"
    "EXAMPLE\n"
    "    plantrack init --catalogue config/indicators/shijiazhuang-2021-2025.json \\\n"
    "        --db /var/lib/plantrack/plantrack.db\n";

int cli_init(struct cli_ctx *ctx, int argc, char **argv)
{
    struct cli_list files = {.n = 0};
    struct cli_opt opts[] = {{"catalogue", CLI_MULTI, &files}, {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, init_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;

    /* Validate every file before touching the store: a refused catalogue
     * must leave the store exactly as it was (or not create it). */
    json_t *docs[16] = {NULL};
    int refused = 0;
    for (int i = 0; i < files.n; i++) {
        struct pt_diag diag = {0};
        if (pt_catalogue_parse(files.v[i], &docs[i], &diag)) {
            fputs(diag.buf ? diag.buf : "", stderr);
            cli_error(ctx, "%s: refused (%d problem%s); nothing was loaded", files.v[i],
                      diag.count, diag.count == 1 ? "" : "s");
            refused = 1;
        }
        pt_diag_free(&diag);
    }
    if (refused) {
        for (int i = 0; i < files.n; i++)
            json_decref(docs[i]);
        return CLI_USAGE;
    }

    struct pt_store *st;
    struct pt_err err;
    if ((rc = pt_store_open(ctx->db, PT_STORE_CREATE, &st, &err))) {
        cli_error(ctx, "%s", err.msg);
        for (int i = 0; i < files.n; i++)
            json_decref(docs[i]);
        return cli_status_of(rc);
    }
    int status = CLI_OK;
    printf("%s: schema version %d\n", ctx->db, pt_store_version(st));
    for (int i = 0; i < files.n; i++) {
        struct pt_catalogue_stats stats;
        if ((rc = pt_catalogue_load(st, files.v[i], docs[i], &stats, &err))) {
            cli_error(ctx, "%s: %s", files.v[i], err.msg);
            status = cli_status_of(rc);
            break;
        }
        const char *plan = json_string_value(json_object_get(json_object_get(docs[i], "plan"), "id"));
        if (stats.changed == 0 && stats.targets == 0 && stats.retired == 0)
            printf("%s: plan %s unchanged (%d indicators, %d bureaus)\n", files.v[i], plan,
                   stats.indicators, stats.bureaus);
        else
            printf("%s: plan %s loaded: %d indicators, %d bureaus; %d rows written, %d target "
                   "vintages added, %d indicators retired\n",
                   files.v[i], plan, stats.indicators, stats.bureaus, stats.changed,
                   stats.targets, stats.retired);
    }
    for (int i = 0; i < files.n; i++)
        json_decref(docs[i]);
    pt_store_close(st);
    return status;
}

static const char record_help[] =
    "NAME\n"
    "    plantrack record - record an actual value reported by letter or phone\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack record ID PERIOD VALUE [--unit U] [--source TEXT]\n"
    "                     [--provisional --as-of DATE] [--plan P] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    Records VALUE as the actual of indicator ID (its id, e.g. urbanization-rate,\n"
    "    or its number in the plan's table, e.g. 3) for PERIOD, a year (YYYY) from\n"
    "    the plan's base year to ten years after its end, and not in the future.\n"
    "    Without --provisional the value is the final figure for the whole year;\n"
    "    with it, the year to date as of DATE.\n"
    "\n"
    "    A value that differs from the one stored for the same period adds a new\n"
    "    vintage: nothing is overwritten, and plantrack show lists every vintage.\n"
    "    Recording the same value again adds nothing.\n"
    "\n"
    "    Values are in the indicator's unit unless --unit says otherwise; a unit that\n"
    "    does not convert (mg/m³ for a share in %) is refused. Changes of the kind\n"
    "    cumulative_change are signed: a fall of 3% is -3.\n"
    "\n"
    "OPTIONS\n"
    "    --unit U         the unit VALUE is in (e.g. ‰, mg/m³, 万元); converted\n"
    "    --source TEXT    where the figure comes from (default \"manual\")\n"
    "    --provisional    a year-to-date value, not the year's final\n"
    "    --as-of DATE     the date a provisional value is as of (YYYY-MM-DD)\n"
    "    --plan P         the plan, when ID or its number is in several plans\n"
    "    --db PATH        the store (default $PLANTRACK_DB)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 recorded (or unchanged); 1 store failure; 2 refused input: unknown\n"
    "    indicator, a period outside the plan's range or in the future, an as-of\n"
    "    date in the future, a value that is not a number,\n"
    "    a unit that does not convert. Refused input writes nothing.\n"
    "\n"
    "EXAMPLES\n"
    "    plantrack record 3 2023 67.9 --source \"统计公报 2023\"\n"
    "    plantrack record good-air-days-ratio 2024 61.2 --provisional --as-of 2024-09-30\n"
    "    plantrack record energy-intensity-reduction 2022 -3.1\n";

int cli_record(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *unit = NULL, *source = NULL, *as_of = NULL, *plan = NULL;
    int provisional = 0;
    struct cli_opt opts[] = {{"unit", CLI_VALUE, &unit},          {"source", CLI_VALUE, &source},
                             {"as-of", CLI_VALUE, &as_of},        {"plan", CLI_VALUE, &plan},
                             {"provisional", CLI_FLAG, &provisional}, {NULL, 0, NULL}};
    char *pos[3];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, record_help, pos, 3, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    if (npos != 3) {
        cli_error(ctx, "needs ID PERIOD VALUE (see %s record --help)", ctx->prog);
        return CLI_USAGE;
    }
    double value;
    if (!cli_number(pos[2], &value)) {
        cli_error(ctx, "value \"%s\" is not a number (write it in decimal: 67.9, -3, 1e3)",
                  pos[2]);
        return CLI_USAGE;
    }
    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open(ctx, &st, &cat)))
        return rc;
    struct pt_err err;
    const struct pt_indicator *ind = pt_catalogue_find(cat, plan, pos[0], &err);
    int status = CLI_OK;
    if (!ind) {
        cli_error(ctx, "%s%s", err.msg, err.code == PT_EINVAL ? " with --plan" : "");
        status = cli_status_of(err.code);
        goto out;
    }
    const struct pt_plan *p = pt_catalogue_plan(cat, ind->plan_id);
    struct pt_actual_in in = {.period = pos[1],
                              .provisional = provisional,
                              .as_of = as_of,
                              .value = value,
                              .unit = unit,
                              .source = source ? source : "manual"};
    double converted;
    /* Check before the transaction so refused input never takes the lock. */
    if ((rc = pt_actual_check(p, ind, &in, &converted, &err))) {
        cli_error(ctx, "%s%s", err.msg,
                  as_of && !provisional   ? " (--as-of needs --provisional)"
                  : provisional && !as_of ? " (add --as-of YYYY-MM-DD)"
                                          : "");
        status = cli_status_of(rc);
        goto out;
    }
    int vintage, added;
    if ((rc = pt_store_begin(st, &err)) ||
        (rc = pt_actual_record(st, p, ind, &in, &vintage, &added, &err)) ||
        (rc = pt_store_commit(st, &err))) {
        pt_store_rollback(st);
        cli_error(ctx, "%s", err.msg);
        status = cli_status_of(rc);
        goto out;
    }
    char num[32];
    cli_num(num, sizeof num, 1, converted);
    printf("%s %d %s %s = %s %s (%s%s%s, vintage %d)\n", added ? "recorded" : "unchanged:",
           ind->no, ind->id, in.period, num, ind->unit, provisional ? "provisional as of " : "final",
           provisional ? as_of : "", added ? "" : ", already stored", vintage);
out:
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}
