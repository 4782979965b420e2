/* The export command: observations of one series as CSV or JSON, for
 * spreadsheets, charts and the checks that compare derived series with
 * published figures. It streams rows from one SELECT straight to stdout, so
 * its memory does not grow with the number of rows; it never writes the
 * store and computes nothing. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "cli.h"
#include "cron.h"

#define DEFAULT_ZONE "Asia/Shanghai" /* when the plan names none */

/* ---- help texts ----------------------------------------------------------- */

static const char export_help[] =
    "NAME\n"
    "    plantrack export - write stored data out as CSV or JSON\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack export observations --series NAME [OPTIONS]\n"
    "    plantrack export WHAT --help\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes what the store holds to standard output, for spreadsheets, charts\n"
    "    and checks against published figures. WHAT is:\n"
    "      observations  the values of one series (aqi_1h, pm2_5_24h, …) by site\n"
    "                    and time, as feeds stored and plugins derived them\n"
    "\n"
    "    Export reads only; it never changes the store.\n"
    "\n"
    "OPTIONS\n"
    "    --db PATH    the store (default $PLANTRACK_DB)\n"
    "    -h, --help   this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 1 store or output failure; 2 usage error or refused input.\n"
    "\n"
    "EXAMPLES\n"
    "    plantrack export observations --series aqi_1h --site 1029A > aqi.csv\n"
    "\n"
    "SEE ALSO\n"
    "    plantrack export observations --help\n";

static const char observations_help[] =
    "NAME\n"
    "    plantrack export observations - the values of one series as CSV or JSON\n"
    "\n"
    "SYNOPSIS\n"
    "    plantrack export observations --series NAME [--site CODE] [--from T] [--to T]\n"
    "                     [--format csv|json] [--tz ZONE] [--with-flags] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes every stored observation of series NAME (of one site with --site)\n"
    "    whose time lies between --from and --to, both inclusive, ordered by time\n"
    "    and then by site code. Rows are streamed as they are read: any number of\n"
    "    rows takes the same memory.\n"
    "\n"
    "    CSV (the default) has a header line and exactly the columns\n"
    "        series,site,time,value\n"
    "    separated by commas, lines ending in a newline. JSON is an array of\n"
    "    objects {\"series\", \"site\", \"time\", \"value\"}, one a line.\n"
    "\n"
    "    time is the observation's time in ISO 8601 with the zone's offset at that\n"
    "    instant, e.g. 2022-01-01T16:00:00+08:00. Hourly series are stored and\n"
    "    written hour-ending: the 16:00 value covers 15:00-16:00.\n"
    "\n"
    "    value is the stored number with up to 15 significant digits and no\n"
    "    trailing zeros (36, 0.041); for a text series (primary_1h) the stored\n"
    "    text, which may be empty. A missing value is an empty CSV field and null\n"
    "    in JSON. A CSV field holding a comma, a double quote or a line break is\n"
    "    quoted, its quotes doubled (RFC 4180).\n"
    "\n"
    "    Observations flagged invalid (negative or physically absurd readings,\n"
    "    which never enter a mean) are exported with their value like the others;\n"
    "    --with-flags shows which they are.\n"
    "\n"
    "OPTIONS\n"
    "    --series NAME    the series to export (required)\n"
    "    --site CODE      only the site with this code (a station or the city)\n"
    "    --from T         the earliest time to include; default: the first stored\n"
    "    --to T           the latest time to include; default: the last stored\n"
    "                     T is a full time with its offset, 2022-01-01T16:00:00+08:00\n"
    "                     or 2022-01-01T08:00:00Z (seconds may be left out), or a\n"
    "                     date YYYY-MM-DD: the local day in ZONE as the method\n"
    "                     counts it: for hourly series (stored hour-ending) the\n"
    "                     hours ending 01:00 … 24:00; for daily (_1d) and yearly\n"
    "                     (_1y) series, stamped with the midnight that starts\n"
    "                     their period, the periods starting that day\n"
    "    --format F       csv (default) or json\n"
    "    --tz ZONE        the IANA time zone for times and dates (default: the\n"
    "                     plan's, else " DEFAULT_ZONE ")\n"
    "    --with-flags     add a fifth column (JSON: field) flags: \"invalid\" for\n"
    "                     an observation flagged invalid, empty otherwise\n"
    "    --db PATH        the store (default $PLANTRACK_DB)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written (also when no observation matched: the CSV header alone, or\n"
    "    []); 1 store or output failure; 2 usage error, an unknown series or site,\n"
    "    a time that does not parse, or --from after --to.\n"
    "\n"
    "EXAMPLES\n"
    "    Hourly AQI of every station stamped 1 January 2022, 00:00 to 23:00 local:\n"
    "        plantrack export observations --series aqi_1h \\\n"
    "            --from 2022-01-01 --to 2022-01-01 > aqi.csv\n"
    "\n"
    "    The 24 hours of 1 January 2022 as the air-quality method counts a day\n"
    "    (hour-ending 01:00 … 24:00):\n"
    "        plantrack export observations --series aqi_1h \\\n"
    "            --from 2022-01-01T01:00:00+08:00 --to 2022-01-02T00:00:00+08:00\n"
    "\n"
    "    One station's PM2.5 24-hour means as JSON, a time range given in UTC:\n"
    "        plantrack export observations --series pm2_5_24h --site 1029A \\\n"
    "            --from 2022-01-01T00:00:00Z --to 2022-01-31T23:00:00Z --format json\n"
    "\n"
    "    Which hourly PM2.5 readings were flagged invalid:\n"
    "        plantrack export observations --series pm2_5_1h --with-flags |\n"
    "            grep ',invalid$'\n";

/* ---- times ------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dim[m - 1];
}

/* The wall clock at t in tz, as seconds since 1970-01-01 00:00 of the wall
 * calendar. */
static int wall_at(const char *tz, int64_t t, int64_t *wall, struct pt_err *err)
{
    struct tm tm;
    int rc = pt_cron_localtime(tz, (time_t)t, &tm, err);
    if (rc == 0)
        *wall = t + tm.tm_gmtoff;
    return rc;
}

/* The first instant whose wall clock in tz reads `days` 00:00:00 or later:
 * the local day's start, also when a DST change skips its midnight. No zone
 * is more than a day off UTC, so the answer lies within two days of the UTC
 * midnight; a bisection over that window takes some 18 conversions. */
static int day_start(const char *tz, int64_t days, int64_t *out, struct pt_err *err)
{
    int64_t w = days * 86400, lo = w - 2 * 86400, hi = w + 2 * 86400, wall;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        int rc = wall_at(tz, mid, &wall, err);
        if (rc)
            return rc;
        if (wall >= w)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
    return 0;
}

/* Reads exactly n digits at *p into *v. */
static int digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return 0;
        *v = *v * 10 + (**p - '0');
    }
    return 1;
}

/* Parses --from/--to: a date YYYY-MM-DD (the local day in tz: its first
 * second for --from, its last for --to) or YYYY-MM-DDTHH:MM[:SS] followed by
 * Z or an offset ±HH:MM, ±HHMM or ±HH. T24:00:00 is the end of the day, as
 * ISO 8601 allows. Returns 0 and *out, PT_EINVAL with a message naming the
 * option and the value, or a zone error. */
static int parse_time(const char *opt, const char *s, int is_to, const char *tz, int64_t *out,
                      struct pt_err *err)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        goto bad;
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        goto bad;
    int64_t days = days_from_civil(y, mo, d);
    if (!*p) {
        int rc = day_start(tz, days + (is_to ? 1 : 0), out, err);
        if (rc)
            return rc;
        if (is_to)
            *out -= 1;
        return 0;
    }
    if (*p != 'T' && *p != 't')
        goto bad;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
        goto bad;
    if (*p == ':') {
        p++;
        if (!digits(&p, 2, &sec))
            goto bad;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        if (!digits(&p, 2, &oh))
            goto bad;
        if (*p == ':' || (*p >= '0' && *p <= '9')) {
            p += *p == ':';
            if (!digits(&p, 2, &om))
                goto bad;
        }
    } else {
        return pt_err_set(err, PT_EINVAL,
                          "%s \"%s\": a time needs its offset (Z, +08:00) or give a date "
                          "YYYY-MM-DD",
                          opt, s);
    }
    if (*p || mi > 59 || sec > 59 || (h > 23 && !(h == 24 && mi == 0 && sec == 0)) || oh > 14 ||
        om > 59)
        goto bad;
    *out = days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    return 0;
bad:
    return pt_err_set(err, PT_EINVAL,
                      "%s \"%s\" is not a date (YYYY-MM-DD) or a time with its offset "
                      "(2022-01-01T16:00:00+08:00, 2022-01-01T08:00:00Z)",
                      opt, s);
}

/* Formats t as ISO 8601 with tz's offset at t. The offset has seconds only
 * for the local mean times of the 19th century. */
static int format_time(const char *tz, int64_t t, char *buf, size_t cap, struct pt_err *err)
{
    struct tm tm;
    int rc = pt_cron_localtime(tz, (time_t)t, &tm, err);
    if (rc)
        return rc;
    long off = tm.tm_gmtoff, a = off < 0 ? -off : off;
    int n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     off < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
    if (a % 60 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ":%02ld", a % 60);
    return 0;
}

/* ---- writing rows ------------------------------------------------------- */

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void put_csv(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* A JSON string. Bytes from 0x80 pass through: the store holds UTF-8. */
static void put_json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"':
            fputs("\\\"", stdout);
            break;
        case '\\':
            fputs("\\\\", stdout);
            break;
        case '\n':
            fputs("\\n", stdout);
            break;
        case '\r':
            fputs("\\r", stdout);
            break;
        case '\t':
            fputs("\\t", stdout);
            break;
        default:
            if (*c < 0x20)
                printf("\\u%04x", *c);
            else
                putchar(*c);
        }
    }
    putchar('"');
}

/* A stored number: up to 15 significant digits, no trailing zeros, no -0.
 * The output is also a valid JSON number. */
static void format_value(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.15g", v == 0 ? 0.0 : v);
}

/* The flags column: the names of the bits set, joined by '+'. */
static void format_flags(int64_t flags, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int b = 0; b < 63 && n < cap; b++) {
        if (!(flags >> b & 1))
            continue;
        int k = b == 0 ? snprintf(buf + n, cap - n, "%sinvalid", n ? "+" : "")
                       : snprintf(buf + n, cap - n, "%sbit%d", n ? "+" : "", b);
        n += k > 0 ? (size_t)k : 0;
    }
}

/* ---- lookups ------------------------------------------------------------ */

/* The id of the row of table (series or sites) whose column (name or code)
 * is key. Returns 1 found, 0 not found (the message listing the known keys
 * already printed), -1 on a store error (printed). */
static int lookup(struct cli_ctx *ctx, struct pt_store *st, const char *what, const char *table,
                  const char *column, const char *key, int64_t *id)
{
    char sql[160];
    sqlite3_stmt *s;
    struct pt_err err;
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ?", table, column);
    if (pt_store_prepare(st, sql, &s, &err)) {
        cli_error(ctx, "%s", err.msg);
        return -1;
    }
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE) {
        cli_error(ctx, "%s: reading %s: %s", pt_store_path(st), table,
                  sqlite3_errmsg(pt_store_db(st)));
        return -1;
    }
    /* Name the first few known keys: enough to spot a typo, short enough for
     * a store with thousands of sites. */
    enum { SHOW = 30 };
    char list[2048] = "";
    int count = 0;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", column, table, column);
    if (pt_store_prepare(st, sql, &s, &err) == 0) {
        size_t n = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            if (count++ < SHOW && n < sizeof list) {
                int k = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                                 (const char *)sqlite3_column_text(s, 0));
                n += k > 0 ? (size_t)k : 0;
            }
        }
        sqlite3_finalize(s);
    }
    if (count == 0)
        cli_error(ctx, "unknown %s %s (the store holds no %s yet)", what, key, table);
    else
        cli_error(ctx, "unknown %s %s (known: %s%s)", what, key, list, count > SHOW ? ", …" : "");
    return 0;
}

/* The zone of the plan the CLI evaluates by default (every plan of a city
 * shares it), else DEFAULT_ZONE. */
static const char *plan_zone(const struct pt_catalogue *cat)
{
    const struct pt_plan *p = pt_catalogue_current_plan(cat, pt_assess_today(&cat->plans[0]));
    return p && p->timezone[0] ? p->timezone : DEFAULT_ZONE;
}

/* ---- export observations ------------------------------------------------ */

/* The key (time, series_id, site_id) leads with time: the range bounds the
 * scan, series_id filters within it, and the rows come in time order, so
 * SQLite only sorts each instant's sites by code, never the whole result.
 * CROSS JOIN keeps observations the outer loop (SQLite does not reorder it):
 * scanning sites first would range-scan observations once per site. */
static const char observations_sql[] =
    "SELECT o.time, s.code, o.value, o.text, o.flags "
    "FROM observations AS o CROSS JOIN sites AS s ON s.id = o.site_id "
    "WHERE o.time BETWEEN ?1 AND ?2 AND o.series_id = ?3 AND (?4 IS NULL OR o.site_id = ?4) "
    "ORDER BY o.time, s.code";

static int export_observations(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *series = NULL, *site = NULL, *from_s = NULL, *to_s = NULL, *format = "csv",
               *tz = NULL;
    int with_flags = 0;
    struct cli_opt opts[] = {{"series", CLI_VALUE, &series},        {"site", CLI_VALUE, &site},
                             {"from", CLI_VALUE, &from_s},          {"to", CLI_VALUE, &to_s},
                             {"format", CLI_VALUE, &format},        {"tz", CLI_VALUE, &tz},
                             {"with-flags", CLI_FLAG, &with_flags}, {NULL, 0, NULL}};
    char *pos[1];
    int npos;
    int rc = cli_parse(ctx, argc, argv, opts, observations_help, pos, 0, &npos);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    int json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "csv") != 0) {
        cli_error(ctx, "--format takes csv or json, not \"%s\"", format);
        return CLI_USAGE;
    }
    if (!series || !*series) {
        cli_error(ctx, "needs --series NAME (see %s %s --help)", ctx->prog, ctx->cmd);
        return CLI_USAGE;
    }
    if (site && !*site) {
        cli_error(ctx, "--site needs a site code");
        return CLI_USAGE;
    }
    if (tz && !*tz) { /* pt_cron would read "" as UTC */
        cli_error(ctx, "--tz needs a zone name (Asia/Shanghai, UTC)");
        return CLI_USAGE;
    }

    struct pt_store *st;
    struct pt_catalogue *cat;
    if ((rc = cli_open(ctx, &st, &cat)))
        return rc;
    int status = CLI_OK;
    sqlite3_stmt *s = NULL;
    struct pt_err err;
    if (!tz)
        tz = plan_zone(cat);
    /* One zone for the whole run: set it as the process's TZ once, so each
     * pt_cron_localtime below finds TZ already right and skips the setenv and
     * tzset (a zone file reload) it would otherwise do twice per row. */
    if ((rc = pt_cron_set_zone(tz, &err))) {
        cli_error(ctx, "--tz: %s", err.msg);
        status = cli_status_of(rc);
        goto out;
    }
    int64_t from = INT64_MIN, to = INT64_MAX;
    if ((from_s && (rc = parse_time("--from", from_s, 0, tz, &from, &err))) ||
        (to_s && (rc = parse_time("--to", to_s, 1, tz, &to, &err)))) {
        cli_error(ctx, "%s", err.msg);
        status = cli_status_of(rc);
        goto out;
    }
    /* A date means the method's day: for hourly series, stored hour-ending,
     * the hours ending 01:00 … 24:00 (GB 3095-2012); daily and yearly series
     * are stamped with the local midnight that starts their period. */
    int hourly = !strstr(series, "_1d") && !strstr(series, "_1y");
    if (hourly && from_s && strlen(from_s) == 10)
        from += 1;
    if (hourly && to_s && strlen(to_s) == 10)
        to += 1;
    if (from > to) {
        cli_error(ctx, "--from %s is after --to %s: nothing can match", from_s, to_s);
        status = CLI_USAGE;
        goto out;
    }
    int64_t series_id = 0, site_id = 0;
    if ((rc = lookup(ctx, st, "series", "series", "name", series, &series_id)) != 1 ||
        (site && (rc = lookup(ctx, st, "site", "sites", "code", site, &site_id)) != 1)) {
        status = rc < 0 ? CLI_FAIL : CLI_USAGE;
        goto out;
    }
    if (pt_store_prepare(st, observations_sql, &s, &err)) {
        cli_error(ctx, "%s", err.msg);
        status = CLI_FAIL;
        goto out;
    }
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    sqlite3_bind_int64(s, 3, series_id);
    if (site)
        sqlite3_bind_int64(s, 4, site_id);

    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    if (!json)
        printf("series,site,time,value%s\n", with_flags ? ",flags" : "");
    else
        putchar('[');
    /* An instant carries every site: format its time once. */
    int64_t last_t = 0;
    char when[48] = "";
    long long rows = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(s, 0);
        if (rows == 0 || t != last_t) {
            if ((rc = format_time(tz, t, when, sizeof when, &err))) {
                cli_error(ctx, "%s", err.msg);
                status = CLI_FAIL;
                break;
            }
            last_t = t;
        }
        const char *code = (const char *)sqlite3_column_text(s, 1);
        const char *text = (const char *)sqlite3_column_text(s, 3);
        char num[40] = "", flags[160] = "";
        int is_num = sqlite3_column_type(s, 2) != SQLITE_NULL;
        if (is_num) {
            double v = sqlite3_column_double(s, 2);
            if (isfinite(v))
                format_value(v, num, sizeof num);
            else
                is_num = 0; /* no finite number to write: missing */
        }
        if (with_flags)
            format_flags(sqlite3_column_int64(s, 4), flags, sizeof flags);
        if (!json) {
            put_csv(series);
            putchar(',');
            put_csv(code);
            putchar(',');
            fputs(when, stdout);
            putchar(',');
            if (is_num)
                fputs(num, stdout);
            else if (text)
                put_csv(text);
            if (with_flags) {
                putchar(',');
                fputs(flags, stdout);
            }
            putchar('\n');
        } else {
            fputs(rows ? ",\n  {\"series\": " : "\n  {\"series\": ", stdout);
            put_json_str(series);
            fputs(", \"site\": ", stdout);
            put_json_str(code);
            printf(", \"time\": \"%s\", \"value\": ", when);
            if (is_num)
                fputs(num, stdout);
            else if (text)
                put_json_str(text);
            else
                fputs("null", stdout);
            if (with_flags) {
                fputs(", \"flags\": ", stdout);
                put_json_str(flags);
            }
            putchar('}');
        }
        rows++;
    }
    if (status == CLI_OK && rc != SQLITE_DONE) {
        pt_store_fail(st, &err, "reading observations");
        cli_error(ctx, "%s (after %lld rows)", err.msg, rows);
        status = CLI_FAIL;
    }
    if (json)
        fputs(rows ? "\n]\n" : "]\n", stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(ctx, "writing to standard output failed after %lld rows", rows);
        status = CLI_FAIL;
    }
out:
    sqlite3_finalize(s);
    pt_catalogue_free(cat);
    pt_store_close(st);
    return status;
}

/* ---- the command -------------------------------------------------------- */

int cli_export(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 1) {
        cli_error(ctx, "needs what to export: observations (see %s export --help)", ctx->prog);
        return CLI_USAGE;
    }
    if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
        fputs(export_help, stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[0], "observations")) {
        ctx->cmd = "export observations";
        return export_observations(ctx, argc - 1, argv + 1);
    }
    cli_error(ctx, "cannot export \"%s\": only observations (see %s export --help)", argv[0],
              ctx->prog);
    return CLI_USAGE;
}
