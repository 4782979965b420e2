/* The table of known units and how they convert. Every unit is a decimal
 * multiple of its dimension's base (µg/m³ and mg/m³, % and ‰, 万元 and 亿元),
 * so a conversion multiplies or divides by an exact power of ten and 67.9 %
 * stays 67.9 on the way back. Units of different dimensions never convert. */
#ifndef PT_UNITS_H
#define PT_UNITS_H

#include "error.h"

struct pt_unit {
    const char *name;      /* canonical spelling, e.g. "µg/m³" */
    const char *dimension; /* what it measures; only equal dimensions convert */
    int exp10;             /* value in base units = value × 10^exp10 */
    const char *name_en;   /* for help and documentation */
};

/* The unit called name (canonical spelling or an alias such as "ug/m3"), or
 * NULL. The result points into a static table. */
const struct pt_unit *pt_unit_find(const char *name);

/* Converts v from unit `from` to unit `to` into *out. Fails with PT_EUNIT,
 * naming both units, when either is unknown or their dimensions differ. */
int pt_unit_convert(double v, const char *from, const char *to, double *out, struct pt_err *err);

/* Every known unit, for --help; *n receives the count. */
const struct pt_unit *pt_unit_table(int *n);

#endif
