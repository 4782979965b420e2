/* Plain CSV series (csvseries.h). The reader holds one record at a time in
 * fixed buffers: a file of any length costs the same memory, and a field or
 * a record longer than the buffers is an error that names its line. */
#include "csvseries.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16
#define FIELD_MAX 512

enum { C_SERIES, C_PERIOD, C_VALUE, C_UNIT, C_REGION, C_NAME, C_NOTE, NCOLS };
static const char *const col_names[NCOLS] = {"series", "period", "value", "unit",
                                             "region", "name",   "note"};

struct reader {
    const char *p, *end;
    int line;
    char f[MAX_FIELDS][FIELD_MAX];
};

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
    if (cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
        for (char *p = err; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
    }
    return -1;
}

/* One record into r->f: the number of fields, 0 at the end, -1 with why. */
static int record(struct reader *r, char *why, size_t cap)
{
    if (r->p >= r->end)
        return 0;
    r->line++;
    int n = 0;
    for (;;) {
        size_t len = 0;
        int quoted = 0;
        if (n == MAX_FIELDS) {
            snprintf(why, cap, "more than %d fields", MAX_FIELDS);
            return -1;
        }
        if (r->p < r->end && *r->p == '"') {
            quoted = 1;
            r->p++;
        }
        for (;;) {
            if (r->p >= r->end) {
                if (quoted) {
                    snprintf(why, cap, "a quoted field is not closed");
                    return -1;
                }
                break;
            }
            char ch = *r->p;
            if (quoted) {
                if (ch == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        r->p += 2;
                    } else {
                        r->p++;
                        quoted = 0;
                        if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                            snprintf(why, cap, "text after a closing quote");
                            return -1;
                        }
                        continue;
                    }
                } else {
                    if (ch == '\n')
                        r->line++;
                    r->p++;
                }
            } else {
                if (ch == ',' || ch == '\n' || ch == '\r')
                    break;
                if (ch == '"') {
                    snprintf(why, cap, "a quote inside an unquoted field");
                    return -1;
                }
                r->p++;
            }
            if (ch == '\0') {
                snprintf(why, cap, "a NUL byte");
                return -1;
            }
            if (len + 1 >= FIELD_MAX) {
                snprintf(why, cap, "a field longer than %d bytes", FIELD_MAX - 1);
                return -1;
            }
            r->f[n][len++] = ch;
        }
        r->f[n][len] = '\0';
        n++;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '\r')
            r->p++;
        if (r->p < r->end && *r->p == '\n')
            r->p++;
        return n;
    }
}

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

/* A decimal number, the whole field: digits, sign, point, exponent. */
static int number(const char *s, double *v)
{
    char *end;
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
        return 0;
    *v = strtod(s, &end);
    return end != s && !*end && isfinite(*v);
}

static int missing(const char *s)
{
    return !*s || !strcmp(s, "\xe2\x80\xa6") /* … */ || !strcmp(s, "NA");
}

int csvseries_parse(const char *buf, size_t len, csv_point_cb cb, void *data, char *err, size_t cap)
{
    struct reader *r = malloc(sizeof *r);
    char why[128];
    int map[MAX_FIELDS], have[NCOLS] = {0}, rc = 0;
    if (cap)
        err[0] = '\0';
    if (!r)
        return -2;
    r->p = buf;
    r->end = buf + len;
    r->line = 0;
    if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
        r->p += 3;
    int n = record(r, why, sizeof why), ncols = n;
    if (n <= 0) {
        rc = fail(err, cap, "line 1: %s", n < 0 ? why : "empty file: no header");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        trim(r->f[i]);
        map[i] = -1;
        for (int k = 0; k < NCOLS; k++)
            if (!strcmp(r->f[i], col_names[k]))
                map[i] = k;
        if (map[i] < 0) {
            rc = fail(err, cap,
                      "line 1: unknown column \"%.64s\" (use series, period, value, unit, region, "
                      "name, note)",
                      r->f[i]);
            goto out;
        }
        if (have[map[i]]++) {
            rc = fail(err, cap, "line 1: column \"%.64s\" twice", r->f[i]);
            goto out;
        }
    }
    for (int k = 0; k <= C_VALUE; k++)
        if (!have[k]) {
            rc = fail(err, cap, "line 1: no \"%s\" column", col_names[k]);
            goto out;
        }
    for (;;) {
        int line = r->line + 1;
        if ((n = record(r, why, sizeof why)) == 0)
            break;
        if (n < 0) {
            rc = fail(err, cap, "line %d: %s", line, why);
            goto out;
        }
        int blank = 1;
        for (int i = 0; i < n; i++) {
            trim(r->f[i]);
            blank &= !r->f[i][0];
        }
        if (blank)
            continue;
        if (n != ncols) {
            rc = fail(err, cap, "line %d: %d fields, the header has %d", line, n, ncols);
            goto out;
        }
        const char *col[NCOLS] = {0};
        for (int i = 0; i < n; i++)
            col[map[i]] = r->f[i];
        struct csv_point p = {.series = col[C_SERIES],
                              .period = col[C_PERIOD],
                              .unit = col[C_UNIT] && *col[C_UNIT] ? col[C_UNIT] : NULL,
                              .region = col[C_REGION] && *col[C_REGION] ? col[C_REGION] : NULL,
                              .line = line};
        if (!*p.series || !*p.period) {
            rc = fail(err, cap, "line %d: series and period must not be empty", line);
            goto out;
        }
        if (!missing(col[C_VALUE])) {
            if (!number(col[C_VALUE], &p.value)) {
                rc = fail(err, cap, "line %d: value \"%.40s\" is not a number", line, col[C_VALUE]);
                goto out;
            }
            p.has_value = 1;
        }
        if ((rc = cb(data, &p)))
            goto out;
    }
out:
    free(r);
    return rc;
}
