/* A monthly release as CSV (README.md, "Releases"): a header line naming
 * the columns, then one value per line:
 *
 *   section,name,type,date,parameter,value,unit
 *   SJZ-03,滹沱河 北中山,river,2024-01-09,nh3_n,0.42,mg/L
 *
 * section, type, date, parameter, value and unit are required, in any
 * order; name and any other column are read past. */
#include "release.h"

#include "error.h"
#include "gb3838.h"
#include "ptp_text.h"
#include "wqcsv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { C_SECTION, C_NAME, C_TYPE, C_DATE, C_PARAM, C_VALUE, C_UNIT, NCOL };
static const char *const col_names[NCOL] = {"section",   "name",  "type", "date",
                                            "parameter", "value", "unit"};

static int fail(char *err, size_t cap, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t cap, int code, long line, const char *fmt, ...)
{
    int n = snprintf(err, cap, "line %ld: ", line);
    if (n >= 0 && (size_t)n < cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int col_of(const char *f, size_t n)
{
    for (int k = 0; k < NCOL; k++)
        if (strlen(col_names[k]) == n && !strncmp(f, col_names[k], n))
            return k;
    return -1;
}

/* One data line into a row, or skipped (*row_out = 0). */
static int read_line(struct wqcsv *r, const int *map, const struct rel_opts *o,
                     struct rel_release *out, char *err, size_t cap)
{
    const char *f[NCOL] = {0};
    size_t fl[NCOL] = {0};
    long line = r->rec_line;
    char sh[64], why[256];
    for (int i = 0; i < r->n; i++)
        if (map[i] >= 0) {
            f[map[i]] = r->f[i];
            fl[map[i]] = r->flen[i];
        }
    struct rel_row row = {.where = line};
    if (!rel_section_ok(f[C_SECTION], fl[C_SECTION]))
        return fail(err, cap, PT_EINVAL, line,
                    "section \"%s\": expected a code of 1-63 bytes of text",
                    ptp_shown(f[C_SECTION], fl[C_SECTION], sh));
    memcpy(row.section, f[C_SECTION], fl[C_SECTION] + 1);
    if (f[C_NAME] && !ptp_text_ok(f[C_NAME], fl[C_NAME]))
        return fail(err, cap, PT_EINVAL, line, "name: not UTF-8 text");
    if ((row.water = gb_water_find(f[C_TYPE], fl[C_TYPE])) < 0)
        return fail(err, cap, PT_EINVAL, line, "type \"%s\": expected river, lake or reservoir",
                    ptp_shown(f[C_TYPE], fl[C_TYPE], sh));
    int y, m;
    if (rel_time(f[C_DATE], fl[C_DATE], &row.time, &y, &m))
        return fail(err, cap, PT_EINVAL, line,
                    "date \"%s\": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time)",
                    ptp_shown(f[C_DATE], fl[C_DATE], sh));
    if (o && o->year && (y != o->year || m != o->month))
        return fail(err, cap, PT_EINVAL, line, "date %s is outside the release's month %04d-%02d",
                    ptp_shown(f[C_DATE], fl[C_DATE], sh), o->year, o->month);
    if (rel_skipped(o, f[C_PARAM], fl[C_PARAM])) {
        out->skipped++;
        return 0;
    }
    if ((row.param = gb_param_find(f[C_PARAM], fl[C_PARAM])) < 0)
        return fail(err, cap, PT_EINVAL, line,
                    "parameter \"%s\" is not one of GB 3838-2002 Table 1's (list it in the "
                    "setting skip_parameters to ignore it)",
                    ptp_shown(f[C_PARAM], fl[C_PARAM], sh));
    if (rel_missing(f[C_VALUE], fl[C_VALUE])) {
        out->empty++;
        return 0;
    }
    int shift = gb_unit_shift(row.param, f[C_UNIT], fl[C_UNIT]);
    if (shift > 0)
        return fail(err, cap, PT_EUNIT, line, "%s: unit \"%s\" does not fit %s (use %s)",
                    gb_param(row.param)->code, ptp_shown(f[C_UNIT], fl[C_UNIT], sh),
                    gb_param(row.param)->code,
                    gb_param(row.param)->unit == GB_MG_L    ? "mg/L or µg/L"
                    : gb_param(row.param)->unit == GB_PER_L ? "个/L, MPN/L or CFU/L"
                                                            : "no unit, 1 or 无量纲");
    if (rel_value(f[C_VALUE], fl[C_VALUE], row.param, shift, &row.value, &row.below_dl, why,
                  sizeof why))
        return fail(err, cap, PT_EINVAL, line, "%s", why);
    int rc = rel_add(out, &row);
    if (rc)
        return fail(err, cap, rc, line,
                    rc == PT_ERANGE ? "more than the values a release may hold" : "out of memory");
    return 0;
}

int rel_parse_csv(const char *buf, size_t len, const struct rel_opts *o, struct rel_release *out,
                  char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    struct wqcsv r;
    wqcsv_init(&r, buf, len);
    int rc = wqcsv_next(&r, err, cap), map[WQCSV_MAX_FIELDS], have[NCOL] = {0};
    if (rc <= 0) {
        if (!rc)
            snprintf(err, cap, "line 1: empty file: no header");
        wqcsv_free(&r);
        return rc ? rc : PT_EINVAL;
    }
    for (int i = 0; i < r.n; i++) {
        map[i] = col_of(r.f[i], r.flen[i]);
        if (map[i] >= 0 && have[map[i]]++) {
            rc = fail(err, cap, PT_EINVAL, r.rec_line, "column \"%s\" twice", col_names[map[i]]);
            goto out;
        }
    }
    for (int k = 0; k < NCOL; k++)
        if (k != C_NAME && !have[k]) {
            rc = fail(err, cap, PT_EINVAL, r.rec_line,
                      "no \"%s\" column (the header needs section, type, date, parameter, "
                      "value, unit)",
                      col_names[k]);
            goto out;
        }
    int ncols = r.n;
    while ((rc = wqcsv_next(&r, err, cap)) == 1) {
        if (r.n != ncols) {
            rc = fail(err, cap, PT_EINVAL, r.rec_line, "%d fields, the header has %d", r.n, ncols);
            goto out;
        }
        if ((rc = read_line(&r, map, o, out, err, cap)))
            goto out;
    }
    if (!rc)
        rc = rel_finish(out, err, cap);
out:
    wqcsv_free(&r);
    if (rc)
        rel_free(out);
    return rc;
}
