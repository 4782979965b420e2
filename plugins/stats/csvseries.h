/* Reading plain CSV series: one value per line, named by series and period,
 * for bureaus that publish neither SDMX nor the query API (a yearbook table
 * typed in, a spreadsheet export). Parsing only. */
#ifndef ST_CSVSERIES_H
#define ST_CSVSERIES_H

#include <stddef.h>

/* One line; every pointer is valid only during the callback. */
struct csv_point {
    const char *series; /* the series column */
    const char *period; /* the period column, as written */
    const char *unit;   /* the unit column, or NULL when there is none or it is empty */
    const char *region; /* the region column, or NULL */
    int has_value;      /* 0: the value is empty, "…" or "NA": missing */
    double value;
    int line; /* 1-based line of the file */
};

typedef int (*csv_point_cb)(void *data, const struct csv_point *p);

/* Parses a CSV file: a header naming the columns (any order; series,
 * period and value required; unit, region, name and note optional; any
 * other is refused), then one line per value. RFC 4180 quoting, UTF-8 with
 * or without a byte order mark, CRLF or LF; blank lines are skipped.
 * Returns 0, -1 with "line N: what" in err, or cb's non-zero return. */
int csvseries_parse(const char *buf, size_t len, csv_point_cb cb, void *data, char *err,
                    size_t errcap);

#endif
