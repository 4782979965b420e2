/* Derivation operators: the arithmetic that turns the series a statistics
 * bureau publishes into the figures a plan's indicators are stated in
 * (growth from an index or from levels, real growth from nominal growth and
 * a price index, shares, per-thousand ratios, a cumulative change chained
 * from yearly changes). Pure functions on in-memory series: no settings, no
 * store, no I/O; stats.c decides which series go in and where results go.
 * The operators are listed in README.md with their formulas. */
#ifndef ST_DERIVE_H
#define ST_DERIVE_H

#include <stddef.h>
#include <stdint.h>

/* One value of a series: period key (period.h: year * 1000 + sub). */
struct st_val {
    int32_t key;
    double v;        /* finite when has */
    uint8_t has;     /* 0: published as missing */
    uint8_t touched; /* delivered by the release being ingested, or derived from such */
    int32_t ref;     /* the caller's: where the value came from (-1 when derived) */
};

/* A series: values sorted by key, one per key. */
struct st_series {
    struct st_val *v;
    int n, cap;
};

enum st_op_kind {
    ST_OP_INDEX_GROWTH, /* a − base: growth from an index with the previous year = base */
    ST_OP_GROWTH,       /* (a[t] / a[t − 1 year] − 1) × 100 */
    ST_OP_DEFLATE,      /* ((1 + a/100) / (b/100) − 1) × 100: real growth from nominal a and
                           price index b (previous year = 100) */
    ST_OP_RATIO,        /* a / b × scale (shares: 100; per thousand: 1000) */
    ST_OP_CHAIN,        /* (Π over base_year < k ≤ t of (1 + a[k]/100) − 1) × 100 */
    ST_OP_DIFF,         /* a[t] − a[t − 1 year]: a change in the series' own unit */
};

struct st_op {
    enum st_op_kind kind;
    double base;   /* INDEX_GROWTH: the index's reference value (100) */
    double scale;  /* RATIO: the factor, unit prefixes of a and b included */
    int base_year; /* CHAIN: the year the change is counted from */
    int decimals;  /* round results to this many decimals; -1: no rounding */
};

/* Operator names as settings spell them, and back. */
const char *st_op_name(enum st_op_kind k);
int st_op_parse(const char *name, enum st_op_kind *k);
/* How many operands the operator takes (1 or 2). */
int st_op_arity(enum st_op_kind k);

/* Adds or replaces the value at key (kept sorted). 0, or -1 out of memory. */
int st_series_put(struct st_series *s, const struct st_val *v);
/* The value at key, or NULL. */
const struct st_val *st_series_get(const struct st_series *s, int32_t key);
void st_series_free(struct st_series *s);

/* Applies op to a (and b for two-operand operators) into out (emptied
 * first). Only values that are present (has) enter; a result exists where
 * all its inputs do and is finite (a zero denominator gives none). A result
 * is touched when one of its inputs is. Keys step by a year (1000) for
 * GROWTH and DIFF, and CHAIN takes annual keys only (sub 0). Returns 0, or
 * -1 out of memory. */
int st_derive(const struct st_op *op, const struct st_series *a, const struct st_series *b,
              struct st_series *out);

/* The input keys result key uses: in a[] (up to cap, count in *na) and in
 * b[] (*nb). For provenance. */
void st_derive_inputs(const struct st_op *op, int32_t key, int32_t *a, int *na, int32_t *b, int *nb,
                      int cap);

/* Rounds v the way statistics are published: to `decimals` places, halves
 * away from zero, after dropping the last bits of binary noise
 * (105.45 − 100 is 5.450000000000003, published 5.45). decimals < 0 only
 * drops the noise (12 significant digits). */
double st_round(double v, int decimals);

/* v × 10^e as the decimal v was written would give it: the shortest decimal
 * that reads back as v, its exponent moved by e, read again. Multiplying by
 * a power of ten in binary does not (75342000 × 10^-4 is 7534.200000000001,
 * not the published 7534.2). Values out of range come back infinite. */
double st_scale10(double v, int e);

#endif
