/* OpenAQ v3 measurement pages (jansson): each result checked for the type of
 * every field we read, with its JSON path in the message, so a changed API
 * reads as "results[3].period.datetimeTo.utc: not a time" and not as a wrong
 * value. Written for hostile input (it is fuzzed). Not here: HTTP, paging,
 * units. */
#include "openaq.h"

#include "error.h"
#include "ptp_date.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenAQ's parameter names for the pollutants of HJ 633-2012. */
static const struct {
    const char *name;
    int p;
} parameters[] = {
    {"pm25", AQ_PM2_5}, {"pm10", AQ_PM10}, {"so2", AQ_SO2},
    {"no2", AQ_NO2},    {"co", AQ_CO},     {"o3", AQ_O3},
};

/* ---- Errors ------------------------------------------------------------ */

struct ctx {
    char *err;
    size_t errcap;
};

static int fail(struct ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, int code, const char *fmt, ...)
{
    if (c->err && c->errcap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errcap, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* jansson's messages quote the input ("invalid token near 'x'"): keep
 * printable ASCII only, so an error cannot forge a log line. */
static const char *ascii(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    out[o] = '\0';
    return out;
}

/* ---- Fields ------------------------------------------------------------ */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* obj[key] as an object; path names obj. */
static int get_object(const json_t *obj, const char *key, const char *path, json_t **out,
                      struct ctx *c)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return fail(c, PT_EINVAL, "%s.%s: missing", path, key);
    if (!json_is_object(v))
        return fail(c, PT_EINVAL, "%s.%s: %s, not an object", path, key, type_name(v));
    *out = v;
    return 0;
}

static int get_string(const json_t *obj, const char *key, const char *path, const char **out,
                      struct ctx *c)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return fail(c, PT_EINVAL, "%s.%s: missing", path, key);
    if (!json_is_string(v))
        return fail(c, PT_EINVAL, "%s.%s: %s, not a string", path, key, type_name(v));
    *out = json_string_value(v);
    return 0;
}

/* RFC 3339 date-time, "2024-01-01T01:00:00Z", optionally with a fraction of
 * a second (dropped: the periods are whole hours) and an offset instead of
 * Z. Returns false when s is not one. */
static bool parse_time(const char *s, size_t n, int64_t *out)
{
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return false;
    int y = ptp_digits(s, 4), mo = ptp_digits(s + 5, 2), d = ptp_digits(s + 8, 2);
    int h = ptp_digits(s + 11, 2), mi = ptp_digits(s + 14, 2), sec = ptp_digits(s + 17, 2);
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > ptp_month_days(y, mo) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return false;
    size_t i = 19;
    if (s[i] == '.') {
        size_t j = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == j)
            return false;
    }
    int off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        off = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = ptp_digits(s + i + 1, 2), om = ptp_digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return false;
        off = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
        return false;
    }
    *out = ptp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return true;
}

/* obj[key].utc as an instant; path names obj. */
static int get_utc(const json_t *obj, const char *key, const char *path, int64_t *out,
                   struct ctx *c)
{
    json_t *dt;
    int rc = get_object(obj, key, path, &dt, c);
    if (rc < 0)
        return rc;
    json_t *v = json_object_get(dt, "utc");
    if (!v)
        return fail(c, PT_EINVAL, "%s.%s.utc: missing", path, key);
    if (!json_is_string(v))
        return fail(c, PT_EINVAL, "%s.%s.utc: %s, not a time", path, key, type_name(v));
    if (!parse_time(json_string_value(v), json_string_length(v), out))
        return fail(c, PT_EINVAL, "%s.%s.utc: not a time (want 2024-01-01T01:00:00Z)", path, key);
    return 0;
}

/* UTF-8 without control characters (jansson has checked it is UTF-8). */
static bool printable(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++)
        if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 && i + 1 < n && u[i + 1] < 0xa0))
            return false;
    return true;
}

/* ---- Pages ------------------------------------------------------------- */

static int parse_found(const json_t *root, long *found, struct ctx *c)
{
    json_t *meta = json_object_get(root, "meta");
    if (!meta)
        return fail(c, PT_EINVAL, "meta: missing");
    if (!json_is_object(meta))
        return fail(c, PT_EINVAL, "meta: %s, not an object", type_name(meta));
    json_t *f = json_object_get(meta, "found");
    if (!f)
        return fail(c, PT_EINVAL, "meta.found: missing");
    if (json_is_integer(f)) {
        json_int_t v = json_integer_value(f);
        if (v < 0 || (unsigned long long)v > (unsigned long long)LONG_MAX)
            return fail(c, PT_ERANGE, "meta.found: %lld is out of range", (long long)v);
        *found = (long)v;
        return 0;
    }
    if (json_is_string(f)) {
        /* OpenAQ gives a lower bound as text when counting would be slow */
        const char *s = json_string_value(f);
        size_t n = json_string_length(f), i = 0;
        bool bound = n > 0 && s[0] == '>';
        if (bound)
            i = 1;
        long v = 0;
        if (i == n)
            return fail(c, PT_EINVAL, "meta.found: not a count or \">N\"");
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return fail(c, PT_EINVAL, "meta.found: not a count or \">N\"");
            if (v > (LONG_MAX - 9) / 10)
                return fail(c, PT_ERANGE, "meta.found: out of range");
            v = v * 10 + (s[i] - '0');
        }
        *found = bound ? -1 : v;
        return 0;
    }
    return fail(c, PT_EINVAL, "meta.found: %s, not a count", type_name(f));
}

/* results[i]: 1 = kept in *m, 0 = skipped, < 0 = error. */
static int parse_result(const json_t *r, size_t i, struct openaq_meas *m, struct ctx *c)
{
    char path[64], sub[96];
    snprintf(path, sizeof path, "results[%zu]", i);
    if (!json_is_object(r))
        return fail(c, PT_EINVAL, "%s: %s, not an object", path, type_name(r));

    json_t *param;
    const char *name, *units;
    int rc;
    if ((rc = get_object(r, "parameter", path, &param, c)) < 0)
        return rc;
    snprintf(sub, sizeof sub, "%s.parameter", path);
    if ((rc = get_string(param, "name", sub, &name, c)) < 0)
        return rc;
    m->pollutant = -1;
    for (size_t k = 0; k < sizeof parameters / sizeof parameters[0]; k++)
        if (strcmp(name, parameters[k].name) == 0)
            m->pollutant = parameters[k].p;
    if (m->pollutant < 0)
        return 0; /* temperature, pm1, …: not ours */

    json_t *v = json_object_get(r, "value");
    if (!v)
        return fail(c, PT_EINVAL, "%s.value: missing", path);
    if (json_is_null(v))
        return 0; /* not measured: missing, never zero */
    if (!json_is_number(v))
        return fail(c, PT_EINVAL, "%s.value: %s, not a number", path, type_name(v));
    m->value = json_number_value(v);
    if (!isfinite(m->value))
        return fail(c, PT_ERANGE, "%s.value: out of range", path);

    if ((rc = get_string(param, "units", sub, &units, c)) < 0)
        return rc;
    size_t ulen = strlen(units);
    if (ulen == 0 || ulen >= sizeof m->units || !printable(units, ulen))
        return fail(c, ulen >= sizeof m->units ? PT_ERANGE : PT_EINVAL,
                    "%s.units: not a unit (1-%zu bytes of text)", sub, sizeof m->units - 1);
    memcpy(m->units, units, ulen + 1);

    json_t *period;
    if ((rc = get_object(r, "period", path, &period, c)) < 0)
        return rc;
    snprintf(sub, sizeof sub, "%s.period", path);
    if ((rc = get_utc(period, "datetimeFrom", sub, &m->from, c)) < 0 ||
        (rc = get_utc(period, "datetimeTo", sub, &m->time, c)) < 0)
        return rc;
    if (m->time <= m->from)
        return fail(c, PT_EINVAL, "%s: datetimeTo is not after datetimeFrom", sub);

    m->flagged = 0;
    json_t *fi = json_object_get(r, "flagInfo");
    if (fi && !json_is_null(fi)) {
        if (!json_is_object(fi))
            return fail(c, PT_EINVAL, "%s.flagInfo: %s, not an object", path, type_name(fi));
        json_t *hf = json_object_get(fi, "hasFlags");
        if (!hf)
            return fail(c, PT_EINVAL, "%s.flagInfo.hasFlags: missing", path);
        if (!json_is_boolean(hf))
            return fail(c, PT_EINVAL, "%s.flagInfo.hasFlags: %s, not a boolean", path,
                        type_name(hf));
        m->flagged = json_is_true(hf);
    }
    return 1;
}

int openaq_parse(const char *buf, size_t len, struct openaq_meas **out, size_t *n, long *found,
                 char *err, size_t errcap)
{
    struct ctx c = {err, errcap};
    *out = NULL;
    *n = 0;
    *found = 0;
    if (err && errcap)
        err[0] = '\0';

    json_error_t je;
    /* duplicate keys would make "which value?" the parser's guess */
    json_t *root = json_loadb(buf ? buf : "", buf ? len : 0, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char text[JSON_ERROR_TEXT_LENGTH];
        return fail(&c, PT_EINVAL, "line %d column %d: not JSON: %s", je.line, je.column,
                    ascii(je.text, text, sizeof text));
    }
    int rc = 0;
    struct openaq_meas *m = NULL;
    size_t k = 0;
    if (!json_is_object(root)) {
        rc = fail(&c, PT_EINVAL, "(top): %s, not an object", type_name(root));
        goto done;
    }
    if ((rc = parse_found(root, found, &c)) < 0)
        goto done;
    json_t *results = json_object_get(root, "results");
    if (!results) {
        rc = fail(&c, PT_EINVAL, "results: missing");
        goto done;
    }
    if (!json_is_array(results)) {
        rc = fail(&c, PT_EINVAL, "results: %s, not an array", type_name(results));
        goto done;
    }
    size_t total = json_array_size(results);
    if (total > 0 && !(m = malloc(total * sizeof *m))) {
        rc = fail(&c, PT_ENOMEM, "results: out of memory for %zu measurements", total);
        goto done;
    }
    for (size_t i = 0; i < total; i++) {
        rc = parse_result(json_array_get(results, i), i, &m[k], &c);
        if (rc < 0)
            goto done;
        k += (size_t)rc;
    }
    rc = 0;
done:
    json_decref(root);
    if (rc < 0 || k == 0) {
        free(m);
        if (rc < 0)
            *found = 0;
        return rc;
    }
    *out = m;
    *n = k;
    return 0;
}
