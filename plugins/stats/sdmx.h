/* Reading SDMX-JSON data messages (versions 2.x, and the 1.0 layout where it
 * costs nothing): every observation of every data set, with its full series
 * key, its time period, its value (or that it is missing) and its attribute
 * values, whatever the layout the sender chose: series keyed by the
 * dimensions at series level with observations keyed by the rest (time
 * series, cross-sections), or a flat list of observations keyed by every
 * dimension. Parsing only: no mapping onto series, no units, no periods
 * (the plugin reads the time value). */
#ifndef ST_SDMX_H
#define ST_SDMX_H

#include <jansson.h>
#include <stddef.h>

#define SDMX_MAX_DIMS 64  /* per structure */
#define SDMX_MAX_ATTRS 64 /* per structure and level */

/* One observation; every pointer is valid only during the callback. */
struct sdmx_obs {
    int dataset;        /* index in data.dataSets */
    const char *action; /* the data set's action: "Merge" (default),
                           "Replace", "Delete", … */
    int ndims;
    const char *const *dim_id;    /* every dimension, in key order (keyPosition) */
    const char *const *dim_value; /* the id (or value) of its value here */
    int time_dim;                 /* index of the time dimension, or -1 */
    int has_value;                /* 0: the value is null, absent or NaN: missing */
    double value;                 /* the observation's value (OBS_VALUE, or the first
                                     measure); finite when has_value */
    int nattrs;
    const char *const *attr_id;    /* every attribute of the structure, every level */
    const char *const *attr_value; /* its value for this observation, or NULL */
    const char *where;             /* "dataSets[0].series[\"0:1\"].observations[\"5\"]" */
};

/* Called for each observation, in message order; a non-zero return stops
 * the parse and is returned by sdmx_parse. */
typedef int (*sdmx_obs_cb)(void *data, const struct sdmx_obs *o);

/* Parses the message in buf[0..len-1] (need not be NUL-terminated; JSON
 * with duplicate keys is refused). Returns 0 when every observation was
 * handed to cb; -1 when the message is malformed, with the JSON path and
 * the problem in err ("data.dataSets[0].series[\"0:7\"]: index 7 beyond
 * the 2 values of CURRENCY"); -2 out of memory; or cb's non-zero return.
 * err (errcap bytes) is always NUL-terminated when errcap > 0. */
int sdmx_parse(const char *buf, size_t len, sdmx_obs_cb cb, void *data, char *err, size_t errcap);

/* The same on a message already parsed (the plugin sniffs the format). */
int sdmx_parse_json(const json_t *root, sdmx_obs_cb cb, void *data, char *err, size_t errcap);

/* Whether root looks like an SDMX-JSON data message. */
int sdmx_looks_like(const json_t *root);

#endif
