/* Reading the answers of China's statistics bureau query API
 * (data.stats.gov.cn easyquery.htm?m=QueryData): every data node with its
 * indicator code (zb), region (reg, regional databases only), time code (sj)
 * and value, or that the value is missing (hasdata false: the bureau then
 * sends data 0, which is not a value). Parsing only: which codes map onto
 * which series is the plugin's business. */
#ifndef ST_NBS_H
#define ST_NBS_H

#include <jansson.h>
#include <stddef.h>

/* One data node; every pointer is valid only during the callback. */
struct nbs_point {
    const char *zb;     /* indicator code, e.g. "A020101" */
    const char *reg;    /* region code, e.g. "130100", or NULL */
    const char *sj;     /* time code as sent: "2023", "2023C" (Q3), "202309" */
    const char *period; /* the same as a period: "2023", "2023-Q3", "2023-09" */
    int has_value;      /* 0: hasdata false, missing (never zero) */
    double value;       /* strdata as published; data when strdata is empty */
    const char *unit;   /* the indicator's unit from wdnodes ("亿元"), or NULL */
    const char *name;   /* the indicator's name from wdnodes, or NULL */
    const char *where;  /* "returndata.datanodes[3]" */
};

typedef int (*nbs_point_cb)(void *data, const struct nbs_point *p);

/* Parses the answer in buf[0..len-1] (need not be NUL-terminated). Returns
 * 0 when every node was handed to cb; -1 when the answer is an error
 * (returncode other than 200) or malformed, with where and what in err;
 * -2 out of memory; or cb's non-zero return. */
int nbs_parse(const char *buf, size_t len, nbs_point_cb cb, void *data, char *err, size_t errcap);
int nbs_parse_json(const json_t *root, nbs_point_cb cb, void *data, char *err, size_t errcap);

/* Whether root looks like a query-API answer (it has a returncode). */
int nbs_looks_like(const json_t *root);

#endif
