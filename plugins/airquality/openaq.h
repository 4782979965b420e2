/* Reading one page of OpenAQ v3 measurements (/v3/sensors/{id}/measurements,
 * …/hours): the values of the pollutants the method uses, with their units
 * and hour-ending times. Parsing only: no HTTP, no paging loop, no unit
 * conversion (the host's unit table does that), no validity rules. */
#ifndef PT_OPENAQ_H
#define PT_OPENAQ_H

#include <stddef.h>
#include <stdint.h>

#include "aqi.h"

/* One measurement. */
struct openaq_meas {
    int pollutant;  /* enum aq_pollutant (AQ_PM2_5 … AQ_O3); parameters the method does not
                     * use are skipped, so never -1 in openaq_parse's output */
    char units[16]; /* as given: "µg/m³", "ppm", "ppb", "mg/m³" … (UTF-8) */
    double value;   /* finite; may be negative (the caller flags it) */
    int64_t time;   /* period.datetimeTo.utc, seconds since the epoch: hour-ending, UTC */
    int64_t from;   /* period.datetimeFrom.utc */
    int flagged;    /* flagInfo.hasFlags: 1 or 0 (0 when flagInfo is absent) */
};

/* Parses the JSON page in buf[0..len-1] (need not be NUL-terminated):
 * {"meta": {…, "found": N | ">N"}, "results": [{"value", "parameter":
 * {"name", "units"}, "period": {"datetimeFrom": {"utc"}, "datetimeTo":
 * {"utc"}}, "flagInfo": {"hasFlags"}}, …]}. Parameter names pm25, pm10, so2,
 * no2, co and o3 are kept, in page order; other parameters (temperature,
 * pm1, …) and results whose value is null (missing, not zero) are skipped
 * without looking further into them. Unknown keys are ignored.
 *
 * *found is meta.found: the total count, or -1 when the API gives a lower
 * bound as a string (">1000"): more pages, keep paging.
 *
 * On success returns 0, sets *out to a malloc'd array of *n measurements
 * (NULL when there are none) that the caller frees. On failure returns
 * PT_EINVAL (not JSON, a wrong type, a bad time), PT_ERANGE (a field too
 * long, a count out of range) or PT_ENOMEM, sets *out = NULL, *n = 0, and
 * writes the JSON path and the problem into err (errcap bytes, always
 * NUL-terminated; err may be NULL when errcap is 0):
 * "results[3].period.datetimeTo.utc: not a time". */
int openaq_parse(const char *buf, size_t len, struct openaq_meas **out, size_t *n, long *found,
                 char *err, size_t errcap);

#endif
