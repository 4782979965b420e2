/* A monthly release as JSON (README.md, "Releases"):
 *
 *   {"month": "2024-01",
 *    "units": {"do": "mg/L", "nh3_n": "mg/L", "fecal_coliform": "个/L", "ph": "1"},
 *    "sections": [{"code": "SJZ-03", "name": "滹沱河 北中山", "type": "river",
 *                  "samples": [{"date": "2024-01-09", "do": 9.8, "nh3_n": "0.02L"}]}]}
 *
 * Values are numbers, decimal strings (for detection limits, or to keep
 * the digits as written) or null (not measured). A JSON number is read as
 * the shortest decimal that gives the same double: the decimal its writer
 * printed, so 0.2 is exactly 0.2 (wqdec.h). Errors name the JSON path;
 * jansson gives line and column for syntax errors only. */
#include "release.h"

#include "error.h"
#include "gb3838.h"
#include "ptp_text.h"
#include "wqdec.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
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

static const char *unit_hint(int p)
{
    return gb_param(p)->unit == GB_MG_L    ? "mg/L or µg/L"
           : gb_param(p)->unit == GB_PER_L ? "个/L, MPN/L or CFU/L"
                                           : "\"\", \"1\" or \"无量纲\"";
}

/* The release's "units": a shift per parameter, or -1 where none given. */
static int read_units(json_t *units, const struct rel_opts *o, int shift[GB_NPARAM], char *err,
                      size_t cap)
{
    const char *k;
    json_t *v;
    char sh[64], sh2[64];
    for (int p = 0; p < GB_NPARAM; p++)
        shift[p] = -1000;
    if (!units)
        return 0;
    if (!json_is_object(units))
        return fail(err, cap, PT_EINVAL, "units: expected an object {\"parameter\": \"unit\"}");
    json_object_foreach(units, k, v)
    {
        size_t kl = strlen(k);
        if (rel_skipped(o, k, kl))
            continue;
        int p = gb_param_find(k, kl);
        if (p < 0)
            return fail(err, cap, PT_EINVAL,
                        "units.%s: not a parameter of GB 3838-2002 Table 1 (list it in the "
                        "setting skip_parameters to ignore it)",
                        ptp_shown(k, kl, sh));
        const char *u = json_string_value(v);
        if (!u)
            return fail(err, cap, PT_EINVAL, "units.%s: expected a unit (text)",
                        ptp_shown(k, kl, sh));
        int s = gb_unit_shift(p, u, json_string_length(v));
        if (s > 0)
            return fail(err, cap, PT_EUNIT, "units.%s: unit \"%s\" does not fit %s (use %s)",
                        ptp_shown(k, kl, sh), ptp_shown(u, json_string_length(v), sh2),
                        gb_param(p)->code, unit_hint(p));
        if (shift[p] != -1000 && shift[p] != s)
            return fail(err, cap, PT_EINVAL, "units.%s: %s has two different units",
                        ptp_shown(k, kl, sh), gb_param(p)->code);
        shift[p] = s;
    }
    return 0;
}

/* A value's text: strings as they are, numbers as their shortest decimal. */
static int value_text(json_t *v, char *buf, size_t bufcap, const char **s, size_t *n)
{
    if (json_is_string(v)) {
        *s = json_string_value(v);
        *n = json_string_length(v);
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(buf, bufcap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        if (wqd_shortest(json_real_value(v), buf, bufcap))
            return -1;
    } else {
        return -1;
    }
    *s = buf;
    *n = strlen(buf);
    return 0;
}

static int read_sample(json_t *smp, size_t i, size_t j, int water, const char *code,
                       const struct rel_opts *o, const int shift[GB_NPARAM],
                       struct rel_release *out, char *err, size_t cap)
{
    char sh[64], why[256], num[48];
    if (!json_is_object(smp))
        return fail(err, cap, PT_EINVAL,
                    "sections[%zu].samples[%zu]: expected an object {\"date\": …, "
                    "\"parameter\": value, …}",
                    i, j);
    json_t *date = json_object_get(smp, "date");
    struct rel_row row = {.water = water, .where = (long)i, .where2 = (long)j};
    memcpy(row.section, code, strlen(code) + 1);
    int y, m;
    if (!json_is_string(date) ||
        rel_time(json_string_value(date), json_string_length(date), &row.time, &y, &m))
        return fail(err, cap, PT_EINVAL,
                    "sections[%zu].samples[%zu].date: expected \"YYYY-MM-DD\" or "
                    "\"YYYY-MM-DDTHH:MM\" (local time)",
                    i, j);
    if (o && o->year && (y != o->year || m != o->month))
        return fail(err, cap, PT_EINVAL,
                    "sections[%zu].samples[%zu].date: %s is outside the release's month "
                    "%04d-%02d",
                    i, j, json_string_value(date), o->year, o->month);
    const char *k;
    json_t *v;
    json_object_foreach(smp, k, v)
    {
        size_t kl = strlen(k);
        if (!strcmp(k, "date"))
            continue;
        if (rel_skipped(o, k, kl)) {
            out->skipped++;
            continue;
        }
        if ((row.param = gb_param_find(k, kl)) < 0)
            return fail(err, cap, PT_EINVAL,
                        "sections[%zu].samples[%zu].%s: not a parameter of GB 3838-2002 "
                        "Table 1 (list it in the setting skip_parameters to ignore it)",
                        i, j, ptp_shown(k, kl, sh));
        if (json_is_null(v)) {
            out->empty++;
            continue;
        }
        const char *s;
        size_t n;
        if (value_text(v, num, sizeof num, &s, &n))
            return fail(err, cap, PT_EINVAL,
                        "sections[%zu].samples[%zu].%s: expected a number, a decimal text or "
                        "null",
                        i, j, ptp_shown(k, kl, sh));
        if (rel_missing(s, n)) {
            out->empty++;
            continue;
        }
        if (shift[row.param] == -1000)
            return fail(err, cap, PT_EUNIT,
                        "sections[%zu].samples[%zu].%s: no unit for %s in \"units\" (use %s)", i, j,
                        ptp_shown(k, kl, sh), gb_param(row.param)->code, unit_hint(row.param));
        if (rel_value(s, n, row.param, shift[row.param], &row.value, &row.below_dl, why,
                      sizeof why))
            return fail(err, cap, PT_EINVAL, "sections[%zu].samples[%zu]: %s", i, j, why);
        int rc = rel_add(out, &row);
        if (rc)
            return fail(err, cap, rc, "sections[%zu].samples[%zu]: %s", i, j,
                        rc == PT_ERANGE ? "more than the values a release may hold"
                                        : "out of memory");
    }
    return 0;
}

static int read_section(json_t *sec, size_t i, const struct rel_opts *o, const int shift[GB_NPARAM],
                        struct rel_release *out, char *err, size_t cap)
{
    if (!json_is_object(sec))
        return fail(err, cap, PT_EINVAL,
                    "sections[%zu]: expected an object {\"code\", \"type\", \"samples\"}", i);
    json_t *code = json_object_get(sec, "code"), *type = json_object_get(sec, "type");
    json_t *name = json_object_get(sec, "name"), *samples = json_object_get(sec, "samples");
    if (!json_is_string(code) ||
        !rel_section_ok(json_string_value(code), json_string_length(code)) ||
        strlen(json_string_value(code)) != json_string_length(code))
        return fail(err, cap, PT_EINVAL,
                    "sections[%zu].code: expected a section code of 1-63 bytes of text", i);
    int water = json_is_string(type)
                    ? gb_water_find(json_string_value(type), json_string_length(type))
                    : -1;
    if (water < 0 && json_is_string(type)) {
        char sh[64];
        return fail(err, cap, PT_EINVAL,
                    "sections[%zu].type: \"%s\": expected river, lake or reservoir", i,
                    ptp_shown(json_string_value(type), json_string_length(type), sh));
    }
    if (water < 0)
        return fail(err, cap, PT_EINVAL, "sections[%zu].type: expected river, lake or reservoir",
                    i);
    if (name && !json_is_null(name) &&
        (!json_is_string(name) || !ptp_text_ok(json_string_value(name), json_string_length(name))))
        return fail(err, cap, PT_EINVAL, "sections[%zu].name: expected text", i);
    if (!json_is_array(samples))
        return fail(err, cap, PT_EINVAL, "sections[%zu].samples: expected an array of samples", i);
    size_t j;
    json_t *smp;
    json_array_foreach(samples, j, smp)
    {
        int rc = read_sample(smp, i, j, water, json_string_value(code), o, shift, out, err, cap);
        if (rc)
            return rc;
    }
    return 0;
}

int rel_parse_json(const char *buf, size_t len, const struct rel_opts *o, struct rel_release *out,
                   char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->json = 1;
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    int rc = 0, shift[GB_NPARAM];
    if (!root)
        return fail(err, cap, PT_EINVAL, "line %d, column %d: %s", je.line, je.column, je.text);
    json_t *month = json_object_get(root, "month"), *sections = json_object_get(root, "sections");
    if (!json_is_object(root)) {
        rc = fail(err, cap, PT_EINVAL,
                  "expected an object {\"month\", \"units\", \"sections\"} at the top");
        goto out;
    }
    if (month) {
        int64_t t;
        int y, m;
        char day[16];
        const char *ms = json_string_value(month);
        if (ms && json_string_length(month) == 7)
            snprintf(day, sizeof day, "%s-01", ms);
        if (!ms || json_string_length(month) != 7 || rel_time(day, 10, &t, &y, &m)) {
            rc = fail(err, cap, PT_EINVAL, "month: expected \"YYYY-MM\"");
            goto out;
        }
        if (o && o->year && (y != o->year || m != o->month)) {
            rc = fail(err, cap, PT_EINVAL, "month: %s is not the release's month %04d-%02d", ms,
                      o->year, o->month);
            goto out;
        }
    }
    if ((rc = read_units(json_object_get(root, "units"), o, shift, err, cap)))
        goto out;
    if (!json_is_array(sections)) {
        rc = fail(err, cap, PT_EINVAL, "sections: expected an array of sections");
        goto out;
    }
    size_t i;
    json_t *sec;
    json_array_foreach(sections, i, sec)
    {
        if ((rc = read_section(sec, i, o, shift, out, err, cap)))
            goto out;
    }
    rc = rel_finish(out, err, cap);
out:
    json_decref(root);
    if (rc) {
        rel_free(out);
        out->json = 1;
    }
    return rc;
}
