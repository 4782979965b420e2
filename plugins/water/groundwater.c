/* Groundwater submissions (groundwater.h): the two formats and the
 * cumulative cut. Hostile input is refused with its place, never trusted:
 * bounded rows, exact decimals, years checked. */
#include "groundwater.h"

#include "error.h"
#include "ptp_text.h"
#include "wqcsv.h"
#include "wqdec.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t cap, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t cap, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return code;
}

int gw_unit_shift(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int shift;
    } units[] = {{"亿立方米", 0}, {"亿m³", 0},    {"亿m3", 0}, {"万立方米", -4}, {"万m³", -4},
                 {"万m3", -4},    {"立方米", -8}, {"m³", -8},  {"m3", -8}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == n && !memcmp(s, units[i].name, n))
            return units[i].shift;
    return 1;
}

static int year_of(const char *s, size_t n)
{
    if (n != 4)
        return -1;
    int y = 0;
    for (size_t i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        y = y * 10 + (s[i] - '0');
    }
    return y >= 1991 && y <= 2099 ? y : -1;
}

static int by_year(const void *x, const void *y)
{
    const struct gw_row *a = x, *b = y;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* Sorts and refuses a year given twice. */
static int finish(struct gw_row *rows, size_t n, int json, char *err, size_t cap)
{
    qsort(rows, n, sizeof rows[0], by_year);
    for (size_t i = 1; i < n; i++)
        if (rows[i].year == rows[i - 1].year) {
            if (json)
                return fail(err, cap, PT_EINVAL, "cuts[%ld] and cuts[%ld]: year %d given twice",
                            rows[i - 1].line, rows[i].line, rows[i].year);
            return fail(err, cap, PT_EINVAL, "lines %ld and %ld: year %d given twice",
                        rows[i - 1].line, rows[i].line, rows[i].year);
        }
    return 0;
}

/* ---- CSV ------------------------------------------------------------------- */

int gw_parse_csv(const char *buf, size_t len, struct gw_row **rows, size_t *n, char *err,
                 size_t cap)
{
    struct wqcsv r;
    struct gw_row *out = NULL;
    size_t cnt = 0;
    int col[3] = {-1, -1, -1}, rc;
    static const char *const names[3] = {"year", "cut", "unit"};
    char sh[64], sh2[64];
    *rows = NULL;
    *n = 0;
    wqcsv_init(&r, buf, len);
    if ((rc = wqcsv_next(&r, err, cap)) <= 0) {
        if (!rc)
            rc = fail(err, cap, PT_EINVAL, "line 1: empty file: no header");
        goto out;
    }
    for (int i = 0; i < r.n; i++)
        for (int k = 0; k < 3; k++)
            if (r.flen[i] == strlen(names[k]) && !memcmp(r.f[i], names[k], r.flen[i])) {
                if (col[k] >= 0) {
                    rc = fail(err, cap, PT_EINVAL, "line %ld: column \"%s\" twice", r.rec_line,
                              names[k]);
                    goto out;
                }
                col[k] = i;
            }
    for (int k = 0; k < 3; k++)
        if (col[k] < 0) {
            rc = fail(err, cap, PT_EINVAL,
                      "line %ld: no \"%s\" column (the header needs year, cut, unit)", r.rec_line,
                      names[k]);
            goto out;
        }
    int ncols = r.n;
    if (!(out = malloc(GW_MAX_ROWS * sizeof *out))) {
        rc = fail(err, cap, PT_ENOMEM, "out of memory");
        goto out;
    }
    while ((rc = wqcsv_next(&r, err, cap)) == 1) {
        long line = r.rec_line;
        if (r.n != ncols) {
            rc = fail(err, cap, PT_EINVAL, "line %ld: %d fields, the header has %d", line, r.n,
                      ncols);
            goto out;
        }
        if (cnt == GW_MAX_ROWS) {
            rc = fail(err, cap, PT_ERANGE, "line %ld: more than %d years", line, GW_MAX_ROWS);
            goto out;
        }
        const char *y = r.f[col[0]], *c = r.f[col[1]], *u = r.f[col[2]];
        size_t yl = r.flen[col[0]], cl = r.flen[col[1]], ul = r.flen[col[2]];
        struct gw_row *g = &out[cnt];
        g->line = line;
        if ((g->year = year_of(y, yl)) < 0) {
            rc = fail(err, cap, PT_EINVAL, "line %ld: year \"%s\": expected a year, 1991-2099",
                      line, ptp_shown(y, yl, sh));
            goto out;
        }
        int shift = gw_unit_shift(u, ul);
        if (shift > 0) {
            rc = fail(err, cap, PT_EUNIT,
                      "line %ld: unit \"%s\" is not a volume (use 亿立方米, 万立方米 or 立方米)",
                      line, ptp_shown(u, ul, sh));
            goto out;
        }
        int prc = wqd_parse(c, cl, shift, &g->value);
        if (prc) {
            rc = fail(err, cap, PT_EINVAL, "line %ld: cut \"%s\" %s", line, ptp_shown(c, cl, sh2),
                      wqd_strerror(prc));
            goto out;
        }
        cnt++;
    }
    if (rc < 0)
        goto out;
    if (!cnt) {
        rc = fail(err, cap, PT_EINVAL, "no years after the header");
        goto out;
    }
    rc = finish(out, cnt, 0, err, cap);
out:
    wqcsv_free(&r);
    if (rc) {
        free(out);
        return rc;
    }
    *rows = out;
    *n = cnt;
    return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

int gw_parse_json(const char *buf, size_t len, struct gw_row **rows, size_t *n, char *err,
                  size_t cap)
{
    json_error_t je;
    struct gw_row *out = NULL;
    size_t cnt = 0, i;
    int rc = 0;
    char sh[64], text[48];
    *rows = NULL;
    *n = 0;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je), *e;
    if (!root)
        return fail(err, cap, PT_EINVAL, "line %d, column %d: %s", je.line, je.column, je.text);
    json_t *unit = json_object_get(root, "unit"), *cuts = json_object_get(root, "cuts");
    if (!json_is_object(root)) {
        rc = fail(err, cap, PT_EINVAL, "expected an object {\"unit\", \"cuts\"} at the top");
        goto out;
    }
    int shift =
        json_is_string(unit) ? gw_unit_shift(json_string_value(unit), json_string_length(unit)) : 1;
    if (shift > 0) {
        if (json_is_string(unit))
            rc = fail(err, cap, PT_EUNIT,
                      "unit: \"%s\": expected a volume (亿立方米, 万立方米 or 立方米)",
                      ptp_shown(json_string_value(unit), json_string_length(unit), sh));
        else
            rc = fail(err, cap, PT_EUNIT, "unit: expected a volume (亿立方米, 万立方米 or 立方米)");
        goto out;
    }
    if (!json_is_array(cuts) || !json_array_size(cuts)) {
        rc = fail(err, cap, PT_EINVAL, "cuts: expected an array of {\"year\", \"cut\"}");
        goto out;
    }
    if (json_array_size(cuts) > GW_MAX_ROWS) {
        rc = fail(err, cap, PT_ERANGE, "cuts: more than %d years", GW_MAX_ROWS);
        goto out;
    }
    if (!(out = malloc(json_array_size(cuts) * sizeof *out))) {
        rc = fail(err, cap, PT_ENOMEM, "out of memory");
        goto out;
    }
    json_array_foreach(cuts, i, e)
    {
        json_t *y = json_object_get(e, "year"), *c = json_object_get(e, "cut");
        struct gw_row *g = &out[cnt];
        g->line = (long)i;
        if (!json_is_object(e)) {
            rc = fail(err, cap, PT_EINVAL, "cuts[%zu]: expected {\"year\": …, \"cut\": …}", i);
            goto out;
        }
        if (!json_is_integer(y) || json_integer_value(y) < 1991 || json_integer_value(y) > 2099) {
            rc = fail(err, cap, PT_EINVAL, "cuts[%zu].year: expected a year, 1991-2099", i);
            goto out;
        }
        g->year = (int)json_integer_value(y);
        const char *s = text;
        size_t sl;
        if (json_is_string(c)) {
            s = json_string_value(c);
            sl = json_string_length(c);
        } else if (json_is_integer(c)) {
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(c));
            sl = strlen(text);
        } else if (json_is_real(c) && !wqd_shortest(json_real_value(c), text, sizeof text)) {
            sl = strlen(text);
        } else {
            rc = fail(err, cap, PT_EINVAL, "cuts[%zu].cut: expected a number", i);
            goto out;
        }
        int prc = wqd_parse(s, sl, shift, &g->value);
        if (prc) {
            rc = fail(err, cap, PT_EINVAL, "cuts[%zu].cut: \"%s\" %s", i, ptp_shown(s, sl, sh),
                      wqd_strerror(prc));
            goto out;
        }
        cnt++;
    }
    rc = finish(out, cnt, 1, err, cap);
out:
    json_decref(root);
    if (rc) {
        free(out);
        return rc;
    }
    *rows = out;
    *n = cnt;
    return 0;
}

/* ---- the cumulative cut ---------------------------------------------------- */

size_t gw_cumulate(enum gw_reading r, int base_year, int64_t base, const struct gw_row *in,
                   size_t n, struct gw_year *out, int *gap)
{
    size_t k = 0;
    int prev_year = base_year;
    int64_t prev = r == GW_SINCE_BASE ? 0 : base; /* the previous figure as submitted */
    int64_t cum = base;
    *gap = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].year <= base_year)
            continue;
        struct gw_year *y = &out[k];
        y->year = in[i].year;
        int next = in[i].year == prev_year + 1;
        if (r == GW_YEARLY) {
            /* base + the cuts of every year since: a missing year stops it */
            if (!next || __builtin_add_overflow(cum, in[i].value, &cum)) {
                *gap = prev_year + 1;
                break;
            }
            y->cut = in[i].value;
            y->cum = cum;
            y->has_cut = 1;
        } else {
            int64_t c = in[i].value;
            if (r == GW_SINCE_BASE && __builtin_add_overflow(base, in[i].value, &c)) {
                *gap = in[i].year;
                break;
            }
            y->cum = c;
            /* the year's cut from the figure before it, when that is the
             * year before (or the base year) */
            y->has_cut = next && !__builtin_sub_overflow(in[i].value, prev, &y->cut);
            if (!y->has_cut)
                y->cut = 0;
        }
        prev = in[i].value;
        prev_year = in[i].year;
        k++;
    }
    return k;
}
