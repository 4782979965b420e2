/* SDMX-JSON data messages (sdmx.h). The field guide of the SDMX-JSON data
 * message 2.x is the reference quoted below ("FG"); the 1.0 layout (one
 * data.structure, or structure and dataSets at the top) is read the same
 * way. The parser resolves indexes only: every key index and attribute
 * index is checked against the values it points into before use, so a
 * hostile message gets an error naming where, never a read out of range. */
#include "sdmx.h"

#include "ptp_error.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_STRUCTURES 256
#define MAX_GROUPS 4096 /* dimensionGroupAttributes keys per data set */

enum { L_DATASET, L_GROUP, L_SERIES, L_OBS, NLEVELS };
static const char *const level_names[NLEVELS] = {"dataSet", "dimensionGroup", "series",
                                                 "observation"};

/* A string the message does not hold as such (a number written as a value,
 * a default): owned by the parse. */
struct pool {
    char **s;
    size_t n, cap;
};

static const char *pool_add(struct pool *p, const char *text)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        char **g = realloc(p->s, cap * sizeof *g);
        if (!g)
            return NULL;
        p->s = g;
        p->cap = cap;
    }
    char *d = strdup(text);
    if (d)
        p->s[p->n++] = d;
    return d;
}

static void pool_free(struct pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->s[i]);
    free(p->s);
}

/* A dimension or an attribute of a structure. */
struct comp {
    const char *id;
    json_t *values; /* the component's values array, or NULL */
    size_t nvalues;
    const char **vtext; /* dimensions: each value's text (owned array) */
    int key_pos;        /* dimensions: keyPosition, or -1 */
    const char *deflt;  /* attributes: the default value, or NULL */
};

struct structure {
    int parsed, failed;
    struct comp dims[SDMX_MAX_DIMS];
    int ndims;
    int level_dims[NLEVELS][SDMX_MAX_DIMS]; /* dims indexes at each level, in order */
    int nlevel_dims[NLEVELS];
    int order[SDMX_MAX_DIMS]; /* key position -> dims index */
    int rank[SDMX_MAX_DIMS];  /* dims index -> key position */
    int time;                 /* dims index of the time dimension, or -1 */
    struct comp attrs[NLEVELS][SDMX_MAX_ATTRS];
    int nattrs[NLEVELS];
    int nmeasures, measure;            /* the measures; which one is the value */
    json_t *measure_values;            /* a coded measure's values, or NULL */
    const char *dim_id[SDMX_MAX_DIMS]; /* in key order, for the callback */
    const char *attr_id[NLEVELS * SDMX_MAX_ATTRS];
    int nattr_all;
};

struct ctx {
    sdmx_obs_cb cb;
    void *data;
    char *err;
    size_t cap;
    struct pool pool;
    struct structure *st;
    int dataset;
    const char *action;
    int idx[SDMX_MAX_DIMS];                      /* value index by dims index */
    const char *attr[NLEVELS][SDMX_MAX_ATTRS];   /* current values by level */
    char attr_buf[NLEVELS][SDMX_MAX_ATTRS][128]; /* rendered numbers and joins */
    int *groups;                                 /* ngroups × ndims key indexes, -1 empty */
    json_t **group_vals;
    int ngroups;
};

/* The message may quote the sender's strings: ptp_errorf makes it
 * printable. */
#define fail(c, ...) ptp_errorf(-1, (c)->err, (c)->cap, __VA_ARGS__)

/* ---- values as text ---------------------------------------------------- */

static void number_text(const json_t *e, char *buf, size_t cap)
{
    if (json_is_integer(e))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(e));
    else
        snprintf(buf, cap, "%.17g", json_real_value(e));
}

/* A localised text object: its "en" entry, else its first string. */
static const char *localised(json_t *o)
{
    const char *s = json_string_value(json_object_get(o, "en"));
    const char *k;
    json_t *v;
    if (s)
        return s;
    json_object_foreach(o, k, v) if (json_is_string(v)) return json_string_value(v);
    return NULL;
}

/* A scalar (string, number, boolean, localised object) as text; an array
 * as its elements' texts joined by ";". NULL for null and for what has no
 * text. Never recurses more than one level. */
static const char *scalar_text(json_t *e, char *buf, size_t cap, int depth)
{
    if (json_is_string(e))
        return json_string_value(e);
    if (json_is_number(e)) {
        number_text(e, buf, cap);
        return buf;
    }
    if (json_is_boolean(e))
        return json_is_true(e) ? "true" : "false";
    if (json_is_object(e))
        return localised(e);
    if (json_is_array(e) && depth == 0) {
        size_t i, n = 0;
        json_t *x;
        buf[0] = '\0';
        json_array_foreach(e, i, x)
        {
            char one[64];
            const char *t = scalar_text(x, one, sizeof one, 1);
            if (!t)
                continue;
            int w = snprintf(buf + n, cap - n, "%s%s", n ? ";" : "", t);
            if (w < 0 || (size_t)w >= cap - n)
                break;
            n += (size_t)w;
        }
        return buf;
    }
    return NULL;
}

/* A component value object's text: its id, else its value, else its name. */
static const char *value_text(json_t *v, char *buf, size_t cap)
{
    const char *s = json_string_value(json_object_get(v, "id"));
    if (s)
        return s;
    json_t *val = json_object_get(v, "value");
    if (!val)
        val = json_object_get(v, "values");
    if (val && (s = scalar_text(val, buf, cap, 0)))
        return s;
    if ((s = json_string_value(json_object_get(v, "name"))))
        return s;
    json_t *names = json_object_get(v, "names");
    return json_is_object(names) ? localised(names) : NULL;
}

/* ---- structures -------------------------------------------------------- */

static int has_role(json_t *comp, const char *role)
{
    json_t *roles = json_object_get(comp, "roles"), *r;
    size_t i;
    json_array_foreach(roles, i, r)
    {
        const char *s = json_string_value(r);
        if (s && !strcasecmp(s, role))
            return 1;
    }
    const char *s = json_string_value(json_object_get(comp, "role"));
    return s && (!strcasecmp(s, role) || !strcasecmp(s, "time"));
}

static void structure_free(struct structure *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->ndims; i++)
        free(st->dims[i].vtext);
}

static int read_dims(struct ctx *c, struct structure *st, json_t *dims, const char *path)
{
    int appear[SDMX_MAX_DIMS];
    json_t *time_role = NULL;
    for (int l = 0; l < NLEVELS; l++) {
        if (l == L_GROUP)
            continue;
        json_t *arr = json_object_get(dims, level_names[l]), *d;
        size_t i;
        if (arr && !json_is_array(arr))
            return fail(c, "%s.dimensions.%s: expected an array", path, level_names[l]);
        json_array_foreach(arr, i, d)
        {
            if (st->ndims == SDMX_MAX_DIMS)
                return fail(c, "%s.dimensions: more than %d dimensions", path, SDMX_MAX_DIMS);
            struct comp *k = &st->dims[st->ndims];
            const char *id = json_string_value(json_object_get(d, "id"));
            if (!json_is_object(d) || !id || !*id)
                return fail(c, "%s.dimensions.%s[%zu]: a dimension without an id", path,
                            level_names[l], i);
            for (int j = 0; j < st->ndims; j++)
                if (!strcmp(st->dims[j].id, id))
                    return fail(c, "%s.dimensions.%s[%zu]: dimension %.64s twice", path,
                                level_names[l], i, id);
            k->id = id;
            k->values = json_object_get(d, "values");
            if (k->values && !json_is_array(k->values))
                return fail(c, "%s.dimensions.%s[%zu].values: expected an array", path,
                            level_names[l], i);
            k->nvalues = json_array_size(k->values);
            if (l == L_DATASET && k->nvalues < 1)
                return fail(c, "%s.dimensions.dataSet[%zu]: dimension %.64s has no value", path, i,
                            id);
            json_t *kp = json_object_get(d, "keyPosition");
            k->key_pos = json_is_integer(kp) && json_integer_value(kp) >= 0 &&
                                 json_integer_value(kp) < SDMX_MAX_DIMS
                             ? (int)json_integer_value(kp)
                             : -1;
            st->ndims++; /* counted now: structure_free frees vtext */
            k->vtext = calloc(k->nvalues ? k->nvalues : 1, sizeof *k->vtext);
            if (!k->vtext)
                return -2;
            json_t *v;
            size_t j;
            json_array_foreach(k->values, j, v)
            {
                char buf[64];
                const char *t = json_is_object(v) ? value_text(v, buf, sizeof buf) : NULL;
                if (!t || !*t)
                    return fail(c, "%s.dimensions.%s[%zu].values[%zu]: a value without an id", path,
                                level_names[l], i, j);
                if (t == buf && !(t = pool_add(&c->pool, buf)))
                    return -2;
                k->vtext[j] = t;
            }
            st->level_dims[l][st->nlevel_dims[l]++] = st->ndims - 1;
            appear[st->ndims - 1] = st->ndims - 1;
            if (!time_role && has_role(d, "TIME_PERIOD")) {
                time_role = d;
                st->time = st->ndims - 1;
            }
        }
    }
    /* key order: keyPosition when it is a permutation, else as they appear */
    int ok = 1, seen[SDMX_MAX_DIMS] = {0};
    for (int i = 0; i < st->ndims; i++) {
        int p = st->dims[i].key_pos;
        if (p < 0 || p >= st->ndims || seen[p]++)
            ok = 0;
    }
    for (int i = 0; i < st->ndims; i++) {
        int p = ok ? st->dims[i].key_pos : appear[i];
        st->order[p] = i;
        st->rank[i] = p;
    }
    for (int p = 0; p < st->ndims; p++)
        st->dim_id[p] = st->dims[st->order[p]].id;
    /* the time dimension: by role, else by id, else the one whose values
     * carry start and end instants (FG: time values have start and end) */
    if (st->time < 0)
        for (int i = 0; i < st->ndims && st->time < 0; i++)
            if (!strcmp(st->dims[i].id, "TIME_PERIOD") || !strcmp(st->dims[i].id, "TIME"))
                st->time = i;
    for (int i = 0; i < st->ndims && st->time < 0; i++) {
        struct comp *k = &st->dims[i];
        int all = k->nvalues > 0;
        for (size_t j = 0; all && j < k->nvalues; j++) {
            json_t *v = json_array_get(k->values, j);
            all = json_object_get(v, "start") && json_object_get(v, "end");
        }
        if (all)
            st->time = i;
    }
    return 0;
}

static int read_attrs(struct ctx *c, struct structure *st, json_t *attrs, const char *path)
{
    for (int l = 0; l < NLEVELS; l++) {
        json_t *arr = json_object_get(attrs, level_names[l]), *a;
        size_t i;
        if (arr && !json_is_array(arr))
            return fail(c, "%s.attributes.%s: expected an array", path, level_names[l]);
        json_array_foreach(arr, i, a)
        {
            if (st->nattrs[l] == SDMX_MAX_ATTRS)
                return fail(c, "%s.attributes.%s: more than %d attributes", path, level_names[l],
                            SDMX_MAX_ATTRS);
            struct comp *k = &st->attrs[l][st->nattrs[l]];
            const char *id = json_string_value(json_object_get(a, "id"));
            if (!json_is_object(a) || !id || !*id)
                return fail(c, "%s.attributes.%s[%zu]: an attribute without an id", path,
                            level_names[l], i);
            k->id = id;
            k->values = json_object_get(a, "values");
            if (k->values && !json_is_array(k->values))
                return fail(c, "%s.attributes.%s[%zu].values: expected an array", path,
                            level_names[l], i);
            k->nvalues = json_array_size(k->values);
            json_t *d = json_object_get(a, "default");
            if (d) {
                char buf[64];
                const char *t = scalar_text(d, buf, sizeof buf, 1);
                if (t == buf && !(t = pool_add(&c->pool, buf)))
                    return -2;
                k->deflt = t;
            }
            st->attr_id[st->nattr_all++] = id;
            st->nattrs[l]++;
        }
    }
    return 0;
}

static int read_structure(struct ctx *c, struct structure *st, json_t *s, const char *path)
{
    st->time = -1;
    if (!json_is_object(s))
        return fail(c, "%s: expected an object", path);
    json_t *dims = json_object_get(s, "dimensions");
    if (!json_is_object(dims))
        return fail(c, "%s.dimensions: missing", path);
    int rc = read_dims(c, st, dims, path);
    if (rc)
        return rc;
    json_t *attrs = json_object_get(s, "attributes");
    if (attrs && !json_is_object(attrs))
        return fail(c, "%s.attributes: expected an object", path);
    if ((rc = read_attrs(c, st, attrs, path)))
        return rc;
    /* FG: "the measures object can be omitted if there is only one measure
     * with the ID OBS_VALUE"; present but empty means no measure at all */
    json_t *measures = json_object_get(s, "measures");
    st->nmeasures = 1;
    if (measures) {
        json_t *obs = json_object_get(measures, "observation"), *m;
        size_t i;
        if (!json_is_object(measures) || (obs && !json_is_array(obs)))
            return fail(c, "%s.measures: expected {\"observation\": [...]}", path);
        st->nmeasures = (int)json_array_size(obs);
        if (st->nmeasures > SDMX_MAX_ATTRS)
            return fail(c, "%s.measures: more than %d measures", path, SDMX_MAX_ATTRS);
        json_array_foreach(obs, i, m)
        {
            const char *id = json_string_value(json_object_get(m, "id"));
            if (id && !strcmp(id, "OBS_VALUE")) {
                st->measure = (int)i;
                break;
            }
        }
        if (st->nmeasures) {
            st->measure_values =
                json_object_get(json_array_get(obs, (size_t)st->measure), "values");
            if (st->measure_values && !json_is_array(st->measure_values))
                return fail(c, "%s.measures.observation[%d].values: expected an array", path,
                            st->measure);
        }
    }
    return 0;
}

/* ---- observations ------------------------------------------------------ */

/* Reads a colon-joined key of value indexes for the dimensions dims[0..n-1]
 * into c->idx. */
static int parse_key(struct ctx *c, const char *key, const int *dims, int n, const char *where)
{
    const char *p = key;
    if (n == 0) {
        if (*key)
            return fail(c, "%s: key \"%.40s\" names dimensions there are none of", where, key);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        long long v = 0;
        int len = 0;
        while (isdigit((unsigned char)*p)) {
            if (++len > 9)
                return fail(c, "%s: key \"%.40s\": index too large", where, key);
            v = v * 10 + (*p++ - '0');
        }
        const struct comp *d = &c->st->dims[dims[i]];
        if (!len)
            return fail(c, "%s: key \"%.40s\": expected %d indexes joined by ':'", where, key, n);
        if ((size_t)v >= d->nvalues)
            return fail(c, "%s: key \"%.40s\": index %lld beyond the %zu values of %.64s", where,
                        key, v, d->nvalues, d->id);
        c->idx[dims[i]] = (int)v;
        if (i + 1 < n && *p++ != ':')
            return fail(c, "%s: key \"%.40s\": expected %d indexes joined by ':'", where, key, n);
    }
    if (*p)
        return fail(c, "%s: key \"%.40s\": expected %d indexes joined by ':'", where, key, n);
    return 0;
}

/* The value of attribute k from element e (an index into its values, or
 * the value itself). NULL element: keep what *out holds. */
static int attr_value(struct ctx *c, const struct comp *k, json_t *e, char *buf, size_t cap,
                      const char **out, const char *where)
{
    if (!e)
        return 0;
    if (json_is_null(e)) {
        *out = NULL;
        return 0;
    }
    if (json_is_integer(e) && k->values) {
        json_int_t i = json_integer_value(e);
        if (i < 0 || (size_t)i >= k->nvalues)
            return fail(c, "%s: attribute %.64s: index %lld beyond its %zu values", where, k->id,
                        (long long)i, k->nvalues);
        *out = value_text(json_array_get(k->values, (size_t)i), buf, cap);
        return 0;
    }
    *out = scalar_text(e, buf, cap, 0);
    return 0;
}

/* Attribute values of one level from an array (dataSet, series, group). */
static int level_attrs(struct ctx *c, int level, json_t *arr, const char *where)
{
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return fail(c, "%s.attributes: expected an array", where);
    for (int i = 0; i < c->st->nattrs[level]; i++) {
        int rc =
            attr_value(c, &c->st->attrs[level][i], json_array_get(arr, (size_t)i),
                       c->attr_buf[level][i], sizeof c->attr_buf[0][0], &c->attr[level][i], where);
        if (rc)
            return rc;
    }
    return 0;
}

static void level_defaults(struct ctx *c, int level)
{
    for (int i = 0; i < c->st->nattrs[level]; i++)
        c->attr[level][i] = c->st->attrs[level][i].deflt;
}

/* A measure element as a number: a number, a numeric string, a coded
 * value's id; null, "" and "NaN" are missing. */
static int measure_value(struct ctx *c, json_t *e, int *has, double *v, const char *where)
{
    const struct structure *st = c->st;
    char buf[64];
    const char *s = NULL;
    *has = 0;
    if (!e || json_is_null(e))
        return 0;
    if (json_is_integer(e) && st->measure_values) {
        json_int_t i = json_integer_value(e);
        if (i < 0 || (size_t)i >= json_array_size(st->measure_values))
            return fail(c, "%s: measure index %lld beyond its values", where, (long long)i);
        s = value_text(json_array_get(st->measure_values, (size_t)i), buf, sizeof buf);
    } else if (json_is_number(e)) {
        *v = json_number_value(e);
        *has = isfinite(*v);
        return 0;
    } else if (json_is_string(e)) {
        s = json_string_value(e);
    } else {
        return fail(c, "%s: the value is not a number", where);
    }
    if (!s || !*s || !strcasecmp(s, "NaN"))
        return 0;
    char *end;
    double x = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end || !isfinite(x) || isspace((unsigned char)*s))
        return fail(c, "%s: value \"%.40s\" is not a number", where, s);
    *v = x;
    *has = 1;
    return 0;
}

static int emit(struct ctx *c, json_t *arr, const char *where)
{
    const struct structure *st = c->st;
    if (!json_is_array(arr))
        return fail(c, "%s: expected an array [value, attributes…]", where);
    size_t n = json_array_size(arr);
    struct sdmx_obs o = {.dataset = c->dataset,
                         .action = c->action,
                         .ndims = st->ndims,
                         .dim_id = st->dim_id,
                         .where = where};
    int rc = 0;
    if (st->nmeasures > 0 && (rc = measure_value(c, json_array_get(arr, (size_t)st->measure),
                                                 &o.has_value, &o.value, where)))
        return rc;
    /* FG: the measures, then the observation-level attributes, then the
     * annotations' indexes; trailing attributes may be left out (default) */
    level_defaults(c, L_OBS);
    for (int i = 0; i < st->nattrs[L_OBS]; i++) {
        size_t at = (size_t)st->nmeasures + (size_t)i;
        if ((rc = attr_value(c, &st->attrs[L_OBS][i], at < n ? json_array_get(arr, at) : NULL,
                             c->attr_buf[L_OBS][i], sizeof c->attr_buf[0][0], &c->attr[L_OBS][i],
                             where)))
            return rc;
    }
    /* dimension groups whose partial key this observation's key matches */
    level_defaults(c, L_GROUP);
    for (int g = 0; g < c->ngroups; g++) {
        const int *gk = &c->groups[(size_t)g * (size_t)st->ndims];
        int match = 1;
        for (int p = 0; match && p < st->ndims; p++)
            match = gk[p] < 0 || gk[p] == c->idx[st->order[p]];
        if (match && (rc = level_attrs(c, L_GROUP, c->group_vals[g], where)))
            return rc;
    }
    const char *values[SDMX_MAX_DIMS], *attrs[NLEVELS * SDMX_MAX_ATTRS];
    for (int p = 0; p < st->ndims; p++) {
        int d = st->order[p];
        values[p] = c->idx[d] >= 0 ? st->dims[d].vtext[c->idx[d]] : "";
    }
    int na = 0;
    for (int l = 0; l < NLEVELS; l++)
        for (int i = 0; i < st->nattrs[l]; i++)
            attrs[na++] = c->attr[l][i];
    o.dim_value = values;
    o.time_dim = st->time >= 0 ? st->rank[st->time] : -1;
    o.nattrs = na;
    o.attr_id = st->attr_id;
    o.attr_value = attrs;
    return c->cb(c->data, &o);
}

static int read_groups(struct ctx *c, json_t *ga, const char *where)
{
    const struct structure *st = c->st;
    const char *key;
    json_t *v;
    if (!ga)
        return 0;
    if (!json_is_object(ga))
        return fail(c, "%s.dimensionGroupAttributes: expected an object", where);
    size_t n = json_object_size(ga);
    if (n > MAX_GROUPS)
        return fail(c, "%s.dimensionGroupAttributes: more than %d groups", where, MAX_GROUPS);
    if (!n || !st->ndims)
        return 0;
    c->groups = malloc(n * (size_t)st->ndims * sizeof *c->groups);
    c->group_vals = malloc(n * sizeof *c->group_vals);
    if (!c->groups || !c->group_vals)
        return -2;
    json_object_foreach(ga, key, v)
    {
        int *gk = &c->groups[(size_t)c->ngroups * (size_t)st->ndims];
        const char *p = key;
        for (int i = 0; i < st->ndims; i++) {
            int len = 0;
            long long x = 0;
            while (isdigit((unsigned char)*p)) {
                if (++len > 9)
                    return fail(c, "%s.dimensionGroupAttributes[\"%.40s\"]: index too large", where,
                                key);
                x = x * 10 + (*p++ - '0');
            }
            const struct comp *d = &st->dims[st->order[i]];
            if (len && (size_t)x >= d->nvalues)
                return fail(c,
                            "%s.dimensionGroupAttributes[\"%.40s\"]: index %lld beyond the %zu "
                            "values of %.64s",
                            where, key, x, d->nvalues, d->id);
            gk[i] = len ? (int)x : -1;
            if (i + 1 < st->ndims && *p++ != ':')
                return fail(c,
                            "%s.dimensionGroupAttributes[\"%.40s\"]: expected %d positions "
                            "joined by ':'",
                            where, key, st->ndims);
        }
        if (*p)
            return fail(c,
                        "%s.dimensionGroupAttributes[\"%.40s\"]: expected %d positions joined "
                        "by ':'",
                        where, key, st->ndims);
        if (!json_is_array(v))
            return fail(c, "%s.dimensionGroupAttributes[\"%.40s\"]: expected an array", where, key);
        c->group_vals[c->ngroups++] = v;
    }
    return 0;
}

static int observations(struct ctx *c, json_t *obs, const int *dims, int ndims, const char *prefix)
{
    const char *key;
    json_t *v;
    char where[400];
    if (!json_is_object(obs))
        return fail(c, "%s.observations: expected an object", prefix);
    json_object_foreach(obs, key, v)
    {
        snprintf(where, sizeof where, "%s.observations[\"%.40s\"]", prefix, key);
        int rc = parse_key(c, key, dims, ndims, where);
        if (!rc)
            rc = emit(c, v, where);
        if (rc)
            return rc;
    }
    return 0;
}

static int dataset(struct ctx *c, json_t *ds, int i)
{
    struct structure *st = c->st;
    char where[256];
    snprintf(where, sizeof where, "data.dataSets[%d]", i);
    for (int d = 0; d < st->ndims; d++)
        c->idx[d] = -1;
    for (int k = 0; k < st->nlevel_dims[L_DATASET]; k++)
        c->idx[st->level_dims[L_DATASET][k]] = 0;
    for (int l = 0; l < NLEVELS; l++)
        level_defaults(c, l);
    int rc = level_attrs(c, L_DATASET, json_object_get(ds, "attributes"), where);
    if (rc || (rc = read_groups(c, json_object_get(ds, "dimensionGroupAttributes"), where)))
        return rc;
    json_t *series = json_object_get(ds, "series"), *flat = json_object_get(ds, "observations");
    if (series) {
        const char *key;
        json_t *s;
        if (!json_is_object(series))
            return fail(c, "%s.series: expected an object", where);
        json_object_foreach(series, key, s)
        {
            char sw[320];
            snprintf(sw, sizeof sw, "%s.series[\"%.40s\"]", where, key);
            for (int k = 0; k < st->nlevel_dims[L_OBS]; k++)
                c->idx[st->level_dims[L_OBS][k]] = -1;
            if ((rc = parse_key(c, key, st->level_dims[L_SERIES], st->nlevel_dims[L_SERIES], sw)))
                return rc;
            if (!json_is_object(s))
                return fail(c, "%s: expected an object", sw);
            level_defaults(c, L_SERIES);
            if ((rc = level_attrs(c, L_SERIES, json_object_get(s, "attributes"), sw)))
                return rc;
            json_t *obs = json_object_get(s, "observations");
            if (obs &&
                (rc = observations(c, obs, st->level_dims[L_OBS], st->nlevel_dims[L_OBS], sw)))
                return rc;
        }
    }
    if (flat) {
        /* FG: a flat list keys each observation by every dimension that is
         * not at data-set level */
        int dims[SDMX_MAX_DIMS], n = 0;
        for (int l = L_SERIES; l <= L_OBS; l++)
            for (int k = 0; k < st->nlevel_dims[l]; k++)
                dims[n++] = st->level_dims[l][k];
        level_defaults(c, L_SERIES);
        if ((rc = observations(c, flat, dims, n, where)))
            return rc;
    }
    return 0;
}

/* ---- the message ------------------------------------------------------- */

int sdmx_looks_like(const json_t *root)
{
    json_t *r = (json_t *)root;
    json_t *data = json_object_get(r, "data");
    return json_is_object(r) &&
           ((json_is_object(data) &&
             (json_object_get(data, "dataSets") || json_object_get(data, "structures") ||
              json_object_get(data, "structure"))) ||
            (json_object_get(r, "dataSets") && json_object_get(r, "structure")) ||
            (json_object_get(r, "errors") && json_object_get(r, "meta")));
}

int sdmx_parse_json(const json_t *root_c, sdmx_obs_cb cb, void *data, char *err, size_t errcap)
{
    json_t *root = (json_t *)root_c;
    struct ctx *c = calloc(1, sizeof *c);
    if (!c) {
        if (errcap)
            snprintf(err, errcap, "out of memory");
        return -2;
    }
    c->cb = cb;
    c->data = data;
    c->err = err;
    c->cap = errcap;
    if (errcap)
        err[0] = '\0';
    struct structure *sts = NULL;
    int nst = 0, rc = 0;
    if (!json_is_object(root)) {
        rc = fail(c, "(top): expected an SDMX-JSON data message, an object");
        goto out;
    }
    json_t *d = json_object_get(root, "data");
    json_t *structs = json_object_get(d, "structures");
    json_t *single = json_object_get(d, "structure");
    json_t *sets = json_object_get(d, "dataSets");
    const char *spath = "data.structures";
    if (!d) { /* SDMX-JSON 1.0: structure and dataSets at the top */
        single = json_object_get(root, "structure");
        sets = json_object_get(root, "dataSets");
    }
    if (!d && !sets) {
        json_t *e = json_array_get(json_object_get(root, "errors"), 0);
        const char *t = json_string_value(json_object_get(e, "title"));
        const char *dt = json_string_value(json_object_get(e, "detail"));
        json_t *code = json_object_get(e, "code");
        if (e)
            rc =
                fail(c, "errors[0]: the sender reports an error: %lld %.100s%s%.200s",
                     (long long)json_integer_value(code), t ? t : "", dt ? ": " : "", dt ? dt : "");
        else
            rc = fail(c, "data: missing (not an SDMX-JSON data message)");
        goto out;
    }
    if (d && !json_is_object(d)) {
        rc = fail(c, "data: expected an object");
        goto out;
    }
    if (structs && !json_is_array(structs)) {
        rc = fail(c, "data.structures: expected an array");
        goto out;
    }
    if (structs && json_array_size(structs) > MAX_STRUCTURES) {
        rc = fail(c, "data.structures: more than %d structures", MAX_STRUCTURES);
        goto out;
    }
    nst = structs ? (int)json_array_size(structs) : single ? 1 : 0;
    if (!structs)
        spath = d ? "data.structure" : "structure";
    if (sets && !json_is_array(sets)) {
        rc = fail(c, "data.dataSets: expected an array");
        goto out;
    }
    if (nst && !(sts = calloc((size_t)nst, sizeof *sts))) {
        rc = -2;
        goto out;
    }
    size_t i;
    json_t *ds;
    json_array_foreach(sets, i, ds)
    {
        char where[64];
        snprintf(where, sizeof where, "data.dataSets[%zu]", i);
        if (!json_is_object(ds)) {
            rc = fail(c, "%s: expected an object", where);
            goto out;
        }
        /* FG: "if omitted, the data are described by the first structure" */
        json_t *sref = json_object_get(ds, "structure");
        json_int_t si = json_is_integer(sref) ? json_integer_value(sref) : 0;
        if ((sref && !json_is_integer(sref)) || si < 0 || si >= nst) {
            rc = fail(c, "%s.structure: no structure %lld in the message (it has %d)", where,
                      (long long)si, nst);
            goto out;
        }
        struct structure *st = &sts[si];
        if (!st->parsed) {
            char spw[64];
            if (structs)
                snprintf(spw, sizeof spw, "%s[%lld]", spath, (long long)si);
            else
                snprintf(spw, sizeof spw, "%s", spath);
            st->parsed = 1;
            rc = read_structure(c, st, structs ? json_array_get(structs, (size_t)si) : single, spw);
            if (rc) {
                st->failed = 1;
                goto out;
            }
        }
        c->st = st;
        c->dataset = (int)i;
        const char *action = json_string_value(json_object_get(ds, "action"));
        c->action = action ? action : "Merge";
        c->ngroups = 0;
        rc = dataset(c, ds, (int)i);
        free(c->groups);
        free(c->group_vals);
        c->groups = NULL;
        c->group_vals = NULL;
        if (rc)
            goto out;
    }
out:
    for (int k = 0; k < nst; k++)
        structure_free(&sts[k]);
    free(sts);
    pool_free(&c->pool);
    free(c);
    return rc;
}

int sdmx_parse(const char *buf, size_t len, sdmx_obs_cb cb, void *data, char *err, size_t errcap)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (errcap)
            snprintf(err, errcap, "line %d, column %d: %s", je.line, je.column, je.text);
        return -1;
    }
    int rc = sdmx_parse_json(root, cb, data, err, errcap);
    json_decref(root);
    return rc;
}
