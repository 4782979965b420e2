/* The statistics bureau's query-API answers (nbs.h):
 *   {"returncode": 200, "returndata": {"datanodes": [{"code": "zb.A01_sj.2023",
 *    "data": {"data": 1.5, "dotcount": 1, "hasdata": true, "strdata": "1.5"},
 *    "wds": [{"wdcode": "zb", "valuecode": "A01"}, {"wdcode": "sj",
 *    "valuecode": "2023"}]}, …], "wdnodes": [{"wdcode": "zb", "nodes":
 *    [{"code": "A01", "cname": "…", "unit": "亿元"}, …]}, …]}}
 * Time codes: "2023" a year, "2023A" … "2023D" the four quarters (the
 * quarterly databases), "202309" a month. */
#include "nbs.h"

#include "ptp_error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    const char *code, *unit, *name;
};

static int by_code(const void *a, const void *b)
{
    return strcmp(((const struct node *)a)->code, ((const struct node *)b)->code);
}

/* The bureau's time code as a period ("2023C" -> "2023-Q3"); -1 if it is
 * none of the three shapes. */
static int period_of(const char *sj, char out[11])
{
    size_t n = strlen(sj);
    for (size_t i = 0; i < 4 && i < n; i++)
        if (!isdigit((unsigned char)sj[i]))
            return -1;
    if (n == 4) {
        snprintf(out, 11, "%.4s", sj);
        return 0;
    }
    if (n == 5 && sj[4] >= 'A' && sj[4] <= 'D') {
        snprintf(out, 11, "%.4s-Q%d", sj, sj[4] - 'A' + 1);
        return 0;
    }
    if (n == 6 && isdigit((unsigned char)sj[4]) && isdigit((unsigned char)sj[5])) {
        int m = (sj[4] - '0') * 10 + (sj[5] - '0');
        if (m < 1 || m > 12)
            return -1;
        snprintf(out, 11, "%.4s-%02d", sj, m);
        return 0;
    }
    return -1;
}

/* A decimal number, the whole string. */
static int number(const char *s, double *v)
{
    char *end;
    /* digits, sign, point and exponent only: no "inf", no hex */
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
        return 0;
    *v = strtod(s, &end);
    return end != s && !*end && isfinite(*v);
}

int nbs_looks_like(const json_t *root)
{
    return json_is_object(root) && json_object_get((json_t *)root, "returncode");
}

int nbs_parse_json(const json_t *root_c, nbs_point_cb cb, void *data, char *err, size_t cap)
{
    json_t *root = (json_t *)root_c;
    if (cap)
        err[0] = '\0';
    if (!json_is_object(root))
        return ptp_errorf(-1, err, cap, "(top): expected the query API's answer, an object");
    json_t *rc = json_object_get(root, "returncode");
    json_t *rd = json_object_get(root, "returndata");
    if (!json_is_integer(rc))
        return ptp_errorf(-1, err, cap, "returncode: missing or not a number");
    if (json_integer_value(rc) != 200) {
        const char *msg = json_string_value(rd);
        return ptp_errorf(-1, err, cap,
                          "returncode %lld: the bureau answered with an error%s%.200s",
                          (long long)json_integer_value(rc), msg ? ": " : "", msg ? msg : "");
    }
    if (!json_is_object(rd))
        return ptp_errorf(-1, err, cap, "returndata: expected an object");
    json_t *dn = json_object_get(rd, "datanodes"), *wdn = json_object_get(rd, "wdnodes");
    if (!json_is_array(dn))
        return ptp_errorf(-1, err, cap, "returndata.datanodes: missing or not an array");
    if (wdn && !json_is_array(wdn))
        return ptp_errorf(-1, err, cap, "returndata.wdnodes: expected an array");

    /* the indicators' units and names, sorted for lookup */
    struct node *nodes = NULL;
    size_t nnodes = 0, i, j;
    json_t *w, *nd;
    json_array_foreach(wdn, i, w)
    {
        const char *wc = json_string_value(json_object_get(w, "wdcode"));
        json_t *list = json_object_get(w, "nodes");
        if (!wc || strcmp(wc, "zb") || !json_is_array(list))
            continue;
        struct node *g = realloc(nodes, (nnodes + json_array_size(list) + 1) * sizeof *g);
        if (!g) {
            free(nodes);
            return -2;
        }
        nodes = g;
        json_array_foreach(list, j, nd)
        {
            const char *code = json_string_value(json_object_get(nd, "code"));
            if (!code)
                continue;
            const char *name = json_string_value(json_object_get(nd, "cname"));
            nodes[nnodes].code = code;
            nodes[nnodes].unit = json_string_value(json_object_get(nd, "unit"));
            nodes[nnodes].name = name ? name : json_string_value(json_object_get(nd, "name"));
            nnodes++;
        }
    }
    if (nnodes)
        qsort(nodes, nnodes, sizeof *nodes, by_code);

    int ret = 0;
    json_array_foreach(dn, i, nd)
    {
        char where[64], period[11];
        snprintf(where, sizeof where, "returndata.datanodes[%zu]", i);
        struct nbs_point p = {.where = where, .period = period};
        json_t *wds = json_object_get(nd, "wds"), *d = json_object_get(nd, "data"), *x;
        if (!json_is_object(nd) || !json_is_array(wds) || !json_is_object(d)) {
            ret = ptp_errorf(-1, err, cap, "%s: expected {\"data\": {…}, \"wds\": […]}", where);
            break;
        }
        json_array_foreach(wds, j, x)
        {
            const char *wc = json_string_value(json_object_get(x, "wdcode"));
            const char *vc = json_string_value(json_object_get(x, "valuecode"));
            if (!wc || !vc || !*vc) {
                ret = ptp_errorf(-1, err, cap, "%s.wds[%zu]: expected {\"wdcode\", \"valuecode\"}",
                                 where, j);
                break;
            }
            const char **slot = !strcmp(wc, "zb")    ? &p.zb
                                : !strcmp(wc, "sj")  ? &p.sj
                                : !strcmp(wc, "reg") ? &p.reg
                                                     : NULL;
            if (slot && *slot) {
                ret = ptp_errorf(-1, err, cap, "%s.wds: %.8s twice", where, wc);
                break;
            }
            if (slot)
                *slot = vc;
        }
        if (ret)
            break;
        if (!p.zb || !p.sj) {
            ret = ptp_errorf(-1, err, cap, "%s.wds: no %s entry", where,
                             p.zb ? "sj (time)" : "zb (indicator)");
            break;
        }
        if (period_of(p.sj, period)) {
            ret =
                ptp_errorf(-1, err, cap, "%s: time code \"%.20s\" is not a year, quarter or month",
                           where, p.sj);
            break;
        }
        /* hasdata false is missing: the data 0 that comes with it is no value */
        json_t *has = json_object_get(d, "hasdata");
        if (!json_is_boolean(has)) {
            ret = ptp_errorf(-1, err, cap, "%s.data.hasdata: missing or not true/false", where);
            break;
        }
        if (json_is_true(has)) {
            const char *s = json_string_value(json_object_get(d, "strdata"));
            json_t *num = json_object_get(d, "data");
            /* strdata is the figure as published (rounded to dotcount);
             * data may carry more digits than the bureau publishes */
            if (s && *s) {
                if (!number(s, &p.value)) {
                    ret = ptp_errorf(-1, err, cap, "%s.data.strdata: \"%.40s\" is not a number",
                                     where, s);
                    break;
                }
            } else if (json_is_number(num)) {
                p.value = json_number_value(num);
            } else {
                ret = ptp_errorf(-1, err, cap, "%s.data: hasdata is true but there is no number",
                                 where);
                break;
            }
            p.has_value = 1;
        }
        if (nnodes) {
            struct node key = {.code = p.zb};
            const struct node *hit = bsearch(&key, nodes, nnodes, sizeof key, by_code);
            if (hit) {
                p.unit = hit->unit && *hit->unit ? hit->unit : NULL;
                p.name = hit->name;
            }
        }
        if ((ret = cb(data, &p)))
            break;
    }
    free(nodes);
    return ret;
}

int nbs_parse(const char *buf, size_t len, nbs_point_cb cb, void *data, char *err, size_t cap)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return ptp_errorf(-1, err, cap, "line %d, column %d: %s", je.line, je.column, je.text);
    int rc = nbs_parse_json(root, cb, data, err, cap);
    json_decref(root);
    return rc;
}
