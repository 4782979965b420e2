/* Plain CSV series (csvseries.h). The reader holds one record at a time in
 * fixed buffers: a file of any length costs the same memory, and a field or
 * a record longer than the buffers is an error that names its line. */
#include "csvseries.h"

#include "ptp_csv.h"
#include "ptp_error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_SERIES, C_PERIOD, C_VALUE, C_UNIT, C_REGION, C_NAME, C_NOTE, NCOLS };
static const char *const col_names[NCOLS] = {"series", "period", "value", "unit",
                                             "region", "name",   "note"};

struct reader {
    struct ptp_csv csv;
    char f[PTP_CSV_MAX_FIELDS][PTP_CSV_FIELD_MAX];
};

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
    int map[PTP_CSV_MAX_FIELDS], have[NCOLS] = {0}, rc = 0;
    if (cap)
        err[0] = '\0';
    if (!r)
        return -2;
    ptp_csv_init(&r->csv, buf, len);
    int n = ptp_csv_record(&r->csv, r->f, why, sizeof why), ncols = n;
    if (n <= 0) {
        rc = ptp_errorf(-1, err, cap, "line 1: %s", n < 0 ? why : "empty file: no header");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        ptp_trim(r->f[i]);
        map[i] = -1;
        for (int k = 0; k < NCOLS; k++)
            if (!strcmp(r->f[i], col_names[k]))
                map[i] = k;
        if (map[i] < 0) {
            rc = ptp_errorf(
                -1, err, cap,
                "line 1: unknown column \"%.64s\" (use series, period, value, unit, region, "
                "name, note)",
                r->f[i]);
            goto out;
        }
        if (have[map[i]]++) {
            rc = ptp_errorf(-1, err, cap, "line 1: column \"%.64s\" twice", r->f[i]);
            goto out;
        }
    }
    for (int k = 0; k <= C_VALUE; k++)
        if (!have[k]) {
            rc = ptp_errorf(-1, err, cap, "line 1: no \"%s\" column", col_names[k]);
            goto out;
        }
    for (;;) {
        int line = r->csv.line + 1;
        if ((n = ptp_csv_record(&r->csv, r->f, why, sizeof why)) == 0)
            break;
        if (n < 0) {
            rc = ptp_errorf(-1, err, cap, "line %d: %s", line, why);
            goto out;
        }
        int blank = 1;
        for (int i = 0; i < n; i++) {
            ptp_trim(r->f[i]);
            blank &= !r->f[i][0];
        }
        if (blank)
            continue;
        if (n != ncols) {
            rc = ptp_errorf(-1, err, cap, "line %d: %d fields, the header has %d", line, n, ncols);
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
            rc = ptp_errorf(-1, err, cap, "line %d: series and period must not be empty", line);
            goto out;
        }
        if (!missing(col[C_VALUE])) {
            if (!number(col[C_VALUE], &p.value)) {
                rc = ptp_errorf(-1, err, cap, "line %d: value \"%.40s\" is not a number", line,
                                col[C_VALUE]);
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
