/* Derivation operators (derive.h). Each is a few lines of arithmetic over
 * sorted series; what matters is which inputs a result needs and that a
 * missing input gives no result, never a zero. */
#include "derive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    enum st_op_kind kind;
    const char *name;
    int arity;
} ops[] = {
    {ST_OP_INDEX_GROWTH, "index_growth", 1},
    {ST_OP_GROWTH, "growth", 1},
    {ST_OP_DEFLATE, "deflate", 2},
    {ST_OP_RATIO, "ratio", 2},
    {ST_OP_CHAIN, "chain", 1},
    {ST_OP_DIFF, "diff", 1},
};

const char *st_op_name(enum st_op_kind k)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].kind == k)
            return ops[i].name;
    return "?";
}

int st_op_parse(const char *name, enum st_op_kind *k)
{
    for (size_t i = 0; name && i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(ops[i].name, name)) {
            *k = ops[i].kind;
            return 0;
        }
    return -1;
}

int st_op_arity(enum st_op_kind k)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].kind == k)
            return ops[i].arity;
    return 1;
}

/* ---- series ------------------------------------------------------------ */

/* Index of the first value with key >= key. */
static int lower_bound(const struct st_series *s, int32_t key)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int st_series_put(struct st_series *s, const struct st_val *v)
{
    int i = lower_bound(s, v->key);
    if (i < s->n && s->v[i].key == v->key) {
        s->v[i] = *v;
        return 0;
    }
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        struct st_val *g = realloc(s->v, (size_t)cap * sizeof *g);
        if (!g)
            return -1;
        s->v = g;
        s->cap = cap;
    }
    memmove(s->v + i + 1, s->v + i, (size_t)(s->n - i) * sizeof *s->v);
    s->v[i] = *v;
    s->n++;
    return 0;
}

const struct st_val *st_series_get(const struct st_series *s, int32_t key)
{
    if (!s || !s->n)
        return NULL;
    int i = lower_bound(s, key);
    return i < s->n && s->v[i].key == key ? &s->v[i] : NULL;
}

void st_series_free(struct st_series *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- rounding ---------------------------------------------------------- */

double st_round(double v, int decimals)
{
    if (!isfinite(v))
        return v;
    char buf[64];
    snprintf(buf, sizeof buf, "%.12g", v);
    double x = strtod(buf, NULL);
    if (decimals < 0)
        return x;
    if (decimals > 12)
        decimals = 12;
    double p = 1;
    for (int i = 0; i < decimals; i++)
        p *= 10;
    double scaled = x * p;
    if (!isfinite(scaled) || fabs(scaled) >= 1e15)
        return x; /* nothing after the point left to round */
    /* scaled carries binary noise too (2.675 × 100 = 267.49999999999997):
     * take it back to 12 significant digits before deciding the half */
    snprintf(buf, sizeof buf, "%.12g", scaled);
    scaled = strtod(buf, NULL);
    double r = scaled < 0 ? -floor(-scaled + 0.5) : floor(scaled + 0.5);
    snprintf(buf, sizeof buf, "%.12g", r / p);
    return strtod(buf, NULL);
}

double st_scale10(double v, int e)
{
    char buf[48];
    if (!e || !isfinite(v) || v == 0)
        return v;
    /* 17 significant digits always read back as v; fewer usually do */
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    char *x = strchr(buf, 'e');
    long exp10 = strtol(x + 1, NULL, 10) + e;
    snprintf(x, sizeof buf - (size_t)(x - buf), "e%ld", exp10);
    return strtod(buf, NULL);
}

/* ---- operators --------------------------------------------------------- */

static const struct st_val *present(const struct st_series *s, int32_t key)
{
    const struct st_val *v = st_series_get(s, key);
    return v && v->has ? v : NULL;
}

static int emit(struct st_series *out, const struct st_op *op, int32_t key, double v, int touched)
{
    if (!isfinite(v))
        return 0;
    struct st_val r = {.key = key,
                       .v = st_round(v, op->decimals),
                       .has = 1,
                       .touched = (uint8_t)(touched != 0),
                       .ref = -1};
    if (!isfinite(r.v))
        return 0;
    return st_series_put(out, &r);
}

int st_derive(const struct st_op *op, const struct st_series *a, const struct st_series *b,
              struct st_series *out)
{
    out->n = 0;
    int rc = 0;
    for (int i = 0; a && !rc && i < a->n; i++) {
        const struct st_val *x = &a->v[i], *y, *prev;
        if (!x->has)
            continue;
        int32_t k = x->key;
        switch (op->kind) {
        case ST_OP_INDEX_GROWTH:
            rc = emit(out, op, k, x->v - op->base, x->touched);
            break;
        case ST_OP_GROWTH:
            if ((prev = present(a, k - 1000)) && prev->v != 0)
                rc = emit(out, op, k, (x->v / prev->v - 1) * 100, x->touched | prev->touched);
            break;
        case ST_OP_DIFF:
            if ((prev = present(a, k - 1000)))
                rc = emit(out, op, k, x->v - prev->v, x->touched | prev->touched);
            break;
        case ST_OP_DEFLATE:
            if ((y = present(b, k)) && y->v > 0)
                rc = emit(out, op, k, ((1 + x->v / 100) / (y->v / 100) - 1) * 100,
                          x->touched | y->touched);
            break;
        case ST_OP_RATIO:
            if ((y = present(b, k)) && y->v != 0)
                rc = emit(out, op, k, x->v / y->v * op->scale, x->touched | y->touched);
            break;
        case ST_OP_CHAIN: {
            int year = k / 1000;
            if (k % 1000 != 0 || year <= op->base_year)
                break;
            /* every year since the base must be there: a gap is no chain */
            double prod = 1;
            int touched = 0, ok = 1;
            for (int yy = op->base_year + 1; ok && yy <= year; yy++) {
                const struct st_val *r = present(a, yy * 1000);
                if (!r)
                    ok = 0;
                else {
                    prod *= 1 + r->v / 100;
                    touched |= r->touched;
                }
            }
            if (ok)
                rc = emit(out, op, k, (prod - 1) * 100, touched);
            break;
        }
        }
    }
    return rc;
}

void st_derive_inputs(const struct st_op *op, int32_t key, int32_t *a, int *na, int32_t *b, int *nb,
                      int cap)
{
    *na = *nb = 0;
    if (cap <= 0)
        return;
    switch (op->kind) {
    case ST_OP_INDEX_GROWTH:
        a[(*na)++] = key;
        break;
    case ST_OP_GROWTH:
    case ST_OP_DIFF:
        a[(*na)++] = key - 1000;
        if (cap > 1)
            a[(*na)++] = key;
        break;
    case ST_OP_DEFLATE:
    case ST_OP_RATIO:
        a[(*na)++] = key;
        b[(*nb)++] = key;
        break;
    case ST_OP_CHAIN:
        for (int y = op->base_year + 1; y <= key / 1000 && *na < cap; y++)
            a[(*na)++] = y * 1000;
        break;
    }
}
