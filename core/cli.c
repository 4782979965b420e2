/* plantrack: the command-line tool. main() picks the command; this file
 * also holds what the commands share (option parsing, opening the store,
 * number formatting, the status object). */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actual.h"
#include "assess.h"
#include "log.h"
#include "text.h"

#define DEFAULT_DB "/var/lib/plantrack/plantrack.db"

static const char main_help[] =
    "NAME\n"
    "    plantrack - track a city's five-year plan indicators against its bureaus' data\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack [--db PATH] COMMAND [OPTIONS] [ARGS]\n"
    "    plantrack COMMAND --help\n"
    "\n"
    "DESCRIPTION\n"
    "    plantrack reads and writes the store that the daemon plantrackd fills every\n"
    "    night: the plan catalogue (indicators, bases, targets and their vintages),\n"
    "    the actual values the bureaus report, and the verdict on each indicator.\n"
    "\n"
    "COMMANDS\n"
    "    init        create or migrate the store and load a plan catalogue\n"
    "    status      one row per indicator: expected now, latest actual, gap, verdict\n"
    "    indicators  the catalogue: every indicator with its kind, target and bureau\n"
    "    show        one indicator in full: targets, path, every actual with provenance\n"
    "    record      record an actual reported by letter or phone\n"
    "    bureaus     the bureaus, their addresses and the indicators each answers for\n"
    "    export      observations of a series as CSV or JSON, by site and time\n"
    "    alerts      alert states and history, and messages not delivered\n"
    "    silence     mute an indicator's or a bureau's alerts until a date\n"
    "\n"
    "OPTIONS\n"
    "    --db PATH       the store (default $PLANTRACK_DB, else " DEFAULT_DB ")\n"
    "    --color WHEN    colour verdicts: auto (on a terminal, unless NO_COLOR is set),\n"
    "                    always or never\n"
    "    --version       print the version and exit\n"
    "    -h, --help      this text; COMMAND --help describes a command\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 failure (store, file system); 2 usage error or refused input.\n"
    "\n"
    "ENVIRONMENT\n"
    "    PLANTRACK_DB    default store path\n"
    "    PLANTRACK_NOW   pretend the time is this (YYYY-MM-DDTHH:MM:SSZ), for tests\n"
    "    NO_COLOR        never colour output\n"
    "\n"
    "SEE ALSO\n"
    "    plantrackd(8), README.md, config/indicators/README.md\n";

void cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", ctx->prog, ctx->cmd ? ctx->cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_status_of(int code)
{
    switch (code) {
    case PT_EINVAL:
    case PT_ENOTFOUND:
    case PT_EUNIT:
    case PT_ERANGE:
    case PT_ECONFIG:
        return CLI_USAGE;
    }
    return CLI_FAIL;
}

int cli_number(const char *s, double *out)
{
    /* Decimal only: strtod alone would also take "0x1A", "nan" and "inf". */
    const char *p = s;
    int digits = 0;
    if (*p == '-' || *p == '+')
        p++;
    for (; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (digits && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!digits || *p)
        return 0;
    *out = strtod(s, NULL);
    return isfinite(*out);
}

/* A negative number is an argument, not an option: `record 15 2021 -3`. */
static int looks_numeric(const char *s)
{
    double v;
    return s[0] == '-' && cli_number(s, &v);
}

static int set_color(struct cli_ctx *ctx, const char *when)
{
    if (strcmp(when, "always") == 0)
        ctx->color = 1;
    else if (strcmp(when, "never") == 0)
        ctx->color = 0;
    else if (strcmp(when, "auto") == 0) {
        const char *term = getenv("TERM");
        ctx->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
    } else
        return -1;
    return 0;
}

int cli_parse(struct cli_ctx *ctx, int argc, char **argv, const struct cli_opt *opts,
              const char *help, char **pos, int maxpos, int *npos)
{
    int options_done = 0;
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (options_done || a[0] != '-' || !a[1] || looks_numeric(a)) {
            if (*npos >= maxpos) {
                cli_error(ctx, "unexpected argument \"%s\" (see %s %s --help)", a, ctx->prog,
                          ctx->cmd);
                return CLI_USAGE;
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help, stdout);
            return 1;
        }
        if (a[1] != '-') {
            cli_error(ctx, "unknown option %s (see %s %s --help)", a, ctx->prog, ctx->cmd);
            return CLI_USAGE;
        }
        char name[64];
        const char *val = NULL, *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof name)
            len = sizeof name - 1;
        memcpy(name, a + 2, len);
        name[len] = '\0';
        if (eq)
            val = eq + 1;
        const struct cli_opt *o = NULL;
        static const struct cli_opt common[] = {{"db", CLI_VALUE, NULL}, {"color", CLI_VALUE, NULL}};
        int is_common = -1;
        for (int k = 0; k < 2; k++)
            if (strcmp(name, common[k].name) == 0)
                is_common = k, o = &common[k];
        for (int k = 0; !o && opts && opts[k].name; k++)
            if (strcmp(name, opts[k].name) == 0)
                o = &opts[k];
        if (!o) {
            cli_error(ctx, "unknown option --%s (see %s %s --help)", name, ctx->prog, ctx->cmd);
            return CLI_USAGE;
        }
        if (o->type == CLI_FLAG) {
            if (val) {
                cli_error(ctx, "option --%s takes no value", name);
                return CLI_USAGE;
            }
            *(int *)o->out = 1;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                cli_error(ctx, "option --%s needs a value", name);
                return CLI_USAGE;
            }
            val = argv[++i];
        }
        if (is_common == 0)
            ctx->db = val;
        else if (is_common == 1) {
            if (set_color(ctx, val)) {
                cli_error(ctx, "--color takes auto, always or never, not \"%s\"", val);
                return CLI_USAGE;
            }
        } else if (o->type == CLI_VALUE)
            *(const char **)o->out = val;
        else {
            struct cli_list *l = o->out;
            if (l->n >= (int)(sizeof l->v / sizeof l->v[0])) {
                cli_error(ctx, "too many --%s options", name);
                return CLI_USAGE;
            }
            l->v[l->n++] = val;
        }
    }
    return 0;
}

int cli_open(struct cli_ctx *ctx, struct pt_store **st, struct pt_catalogue **cat)
{
    struct pt_err err;
    int rc = pt_store_open(ctx->db, 0, st, &err);
    if (rc) {
        cli_error(ctx, "%s", err.msg);
        return cli_status_of(rc);
    }
    if ((rc = pt_catalogue_read(*st, cat, &err))) {
        cli_error(ctx, "%s", err.msg);
        pt_store_close(*st);
        *st = NULL;
        return CLI_FAIL;
    }
    if ((*cat)->nplans == 0) {
        cli_error(ctx, "%s holds no plan yet (load one: %s init --catalogue FILE --db %s)",
                  ctx->db, ctx->prog, ctx->db);
        pt_catalogue_free(*cat);
        pt_store_close(*st);
        *cat = NULL;
        *st = NULL;
        return CLI_USAGE;
    }
    return 0;
}

int cli_year(const char *s)
{
    char *end;
    long y = strtol(s, &end, 10);
    if (!*s || *end || y < 1900 || y > 2200)
        return 0;
    return (int)y;
}

int cli_open_plan(struct cli_ctx *ctx, const char *plan_id, struct pt_store **st,
                  struct pt_catalogue **cat)
{
    int rc = cli_open(ctx, st, cat);
    if (rc || !plan_id || pt_catalogue_plan(*cat, plan_id))
        return rc;
    cli_error(ctx, "unknown plan \"%s\" (see plantrack indicators)", plan_id);
    pt_catalogue_free(*cat);
    pt_store_close(*st);
    return CLI_USAGE;
}

sqlite3_stmt *cli_prepare(struct cli_ctx *ctx, struct pt_store *st, const char *sql, int *fail)
{
    sqlite3_stmt *s;
    struct pt_err err;
    if (pt_store_prepare(st, sql, &s, &err)) {
        cli_error(ctx, "%s", err.msg);
        *fail = 1;
        return NULL;
    }
    return s;
}

void cli_num(char *buf, size_t cap, int has, double v)
{
    pt_text_num(buf, cap, has, v);
}

json_t *cli_json_num(int has, double v)
{
    if (!has || !isfinite(v))
        return json_null();
    double r = round(v * 1e6) / 1e6;
    if (r == 0)
        r = 0; /* no -0 */
    return json_real(r);
}

int cli_print_json(json_t *v)
{
    if (!v) {
        fprintf(stderr, "plantrack: out of memory\n");
        return CLI_FAIL;
    }
    int rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) == 0 ? CLI_OK : CLI_FAIL;
    fputc('\n', stdout);
    json_decref(v);
    return rc;
}

int cli_evaluate(struct pt_store *st, const struct pt_indicator *ind, int year,
                 struct pt_eval *out)
{
    struct pt_err err;
    int rc = pt_assess_indicator(st, ind, year, out, &err);
    if (rc)
        fprintf(stderr, "plantrack: %s\n", err.msg);
    return rc;
}

json_t *cli_status_json(const struct pt_indicator *ind, const struct pt_eval *ev)
{
    const struct pt_path *p = &ind->path;
    json_t *o = json_object();
    json_object_set_new(o, "plan", json_string(ind->plan_id));
    json_object_set_new(o, "no", json_integer(ind->no));
    json_object_set_new(o, "id", json_string(ind->id));
    json_object_set_new(o, "name_zh", json_string(ind->name_zh));
    json_object_set_new(o, "name_en", json_string(ind->name_en));
    json_object_set_new(o, "unit", json_string(ind->unit));
    json_object_set_new(o, "kind", json_string(pt_kind_names[p->kind]));
    json_object_set_new(o, "direction", json_string(p->direction > 0 ? "up" : "down"));
    json_object_set_new(o, "attribute", json_string(ind->binding ? "binding" : "expected"));
    json_object_set_new(o, "bureau", json_string(ind->bureau));
    json_object_set_new(o, "base_year", json_integer(p->base_year));
    json_object_set_new(o, "base", cli_json_num(p->has_base, p->base));
    json_object_set_new(o, "target_year", json_integer(p->target_year));
    json_object_set_new(o, "target", cli_json_num(1, p->target));
    json_object_set_new(o, "target_qualifier", json_string(ind->qualifier));
    json_object_set_new(o, "target_vintage", json_integer(ind->target_vintage));
    if (ev) {
        char period[8];
        snprintf(period, sizeof period, "%d", ev->actual.year);
        const char *severity = ev->verdict == PT_AT_RISK || ev->verdict == PT_OFF_TRACK
                                   ? (ind->binding ? "critical" : "warning")
                                   : NULL;
        json_object_set_new(o, "year", json_integer(ev->year));
        json_object_set_new(o, "expected", cli_json_num(ev->has_expected, ev->expected));
        json_object_set_new(o, "actual", cli_json_num(ev->has_actual, ev->actual.value));
        json_object_set_new(o, "actual_period", ev->has_actual ? json_string(period) : json_null());
        json_object_set_new(o, "actual_status",
                            ev->has_actual ? json_string(ev->actual.provisional ? "provisional"
                                                                                : "final")
                                           : json_null());
        json_object_set_new(o, "actual_as_of", ev->has_actual && ev->actual.provisional
                                                   ? json_string(ev->actual.as_of)
                                                   : json_null());
        json_object_set_new(o, "measure", cli_json_num(ev->has_measure, ev->measure));
        json_object_set_new(o, "compared_with",
                            cli_json_num(ev->has_compared_with, ev->compared_with));
        json_object_set_new(o, "gap", cli_json_num(ev->has_gap, ev->gap));
        json_object_set_new(o, "projection", cli_json_num(ev->has_projection, ev->projection));
        json_object_set_new(o, "required", cli_json_num(ev->has_required, ev->required));
        json_object_set_new(o, "verdict", json_string(pt_verdict_names[ev->verdict]));
        json_object_set_new(o, "severity", severity ? json_string(severity) : json_null());
        json_object_set_new(o, "reason", json_string(ev->reason));
    }
    return o;
}

static const struct {
    const char *name;
    cli_cmd_fn fn;
} commands[] = {
    {"init", cli_init},     {"status", cli_status}, {"indicators", cli_indicators},
    {"show", cli_show},     {"record", cli_record}, {"bureaus", cli_bureaus},
    {"export", cli_export}, {"alerts", cli_alerts}, {"silence", cli_silence},
};

int main(int argc, char **argv)
{
    struct cli_ctx ctx = {.prog = "plantrack"};
    pt_log_set_progname("plantrack");
    ctx.db = getenv("PLANTRACK_DB") && *getenv("PLANTRACK_DB") ? getenv("PLANTRACK_DB") : DEFAULT_DB;
    set_color(&ctx, "auto");
    int i = 1;
    /* Options before the command: --db, --color, --help, --version. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(main_help, stdout);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("plantrack %s\n", PT_VERSION);
            return CLI_OK;
        }
        const char *v = NULL;
        int is_db = !strncmp(argv[i], "--db", 4), is_color = !strncmp(argv[i], "--color", 7);
        size_t n = is_db ? 4 : 7;
        if ((is_db || is_color) && argv[i][n] == '=')
            v = argv[i] + n + 1;
        else if ((is_db || is_color) && !argv[i][n] && i + 1 < argc)
            v = argv[++i];
        if (!v) {
            fprintf(stderr, "plantrack: unknown option %s (see plantrack --help)\n", argv[i]);
            return CLI_USAGE;
        }
        if (is_db)
            ctx.db = v;
        else if (set_color(&ctx, v)) {
            fprintf(stderr, "plantrack: --color takes auto, always or never\n");
            return CLI_USAGE;
        }
    }
    if (i >= argc) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(argv[i], commands[k].name) == 0) {
            ctx.cmd = commands[k].name;
            return commands[k].fn(&ctx, argc - i - 1, argv + i + 1);
        }
    fprintf(stderr, "plantrack: unknown command \"%s\" (see plantrack --help)\n", argv[i]);
    return CLI_USAGE;
}
