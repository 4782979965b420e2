/* The water bureau's groundwater extraction-cut submission (压采量) and the
 * cumulative cut the plan's indicator 19 is read as. Two formats, both
 * documented in README.md ("Groundwater"):
 *
 *   CSV:  year,cut,unit          JSON: {"unit": "亿立方米",
 *         2021,0.17,亿立方米              "cuts": [{"year": 2021, "cut": 0.17}]}
 *
 * A submission's figures are read as the plugin's `reading` setting says
 * (gw_cumulate): each year's own cut, the cumulative cut including the base
 * year's, or the cumulative cut since the base year. Values are exact
 * decimals in 亿立方米 (wqdec.h), so 1 + 0.17 + 0.16 is exactly 1.33.
 * Parsing and arithmetic only: no I/O, no store. Safe on any bytes. */
#ifndef PT_GROUNDWATER_H
#define PT_GROUNDWATER_H

#include <stddef.h>
#include <stdint.h>

#define GW_MAX_ROWS 200 /* years in one submission */

struct gw_row {
    int year;      /* 1991-2099 */
    int64_t value; /* nano-亿立方米 (10^-9 亿 m³ = 0.1 m³); may be negative */
    long line;     /* CSV line; JSON: index in "cuts" */
};

/* Parse a submission of buf[0..len-1]. On success return 0 and set *rows
 * (malloc'd, sorted by year, no year twice; the caller frees) and *n. On
 * failure return a negative PT_E… code (error.h), set *rows = NULL, *n = 0
 * and write "line N: what" (CSV) or "cuts[i].cut: what" (JSON) into err. */
int gw_parse_csv(const char *buf, size_t len, struct gw_row **rows, size_t *n, char *err,
                 size_t cap);
int gw_parse_json(const char *buf, size_t len, struct gw_row **rows, size_t *n, char *err,
                  size_t cap);

/* The decimal shift from a volume unit to 亿立方米 (万立方米: -4), or 1 when
 * s[0..n-1] is not a volume unit. */
int gw_unit_shift(const char *s, size_t n);

enum gw_reading {
    GW_YEARLY,     /* each figure is the cut achieved in that year */
    GW_CUMULATIVE, /* each figure is the cumulative cut to date, base included */
    GW_SINCE_BASE, /* each figure is the cumulative cut since the base year */
};

struct gw_year {
    int year;
    int64_t cut; /* the cut of that year */
    int64_t cum; /* the cumulative cut to date: indicator 19's actual */
    int has_cut; /* cut known (a cumulative reading needs the year before) */
};

/* From the submitted figures (sorted by year, each year once) to each
 * year's cut and cumulative cut, by reading r against the base (year,
 * value; the value is the cumulative cut at the end of the base year).
 * Years up to the base year are left out, and a yearly reading stops at
 * the first missing year (what follows cannot be summed): *gap gets that
 * year (0 when none). Returns the number of years written to out (room
 * for n). */
size_t gw_cumulate(enum gw_reading r, int base_year, int64_t base, const struct gw_row *in,
                   size_t n, struct gw_year *out, int *gap);

#endif
