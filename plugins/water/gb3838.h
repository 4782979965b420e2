/* Surface-water classes by GB 3838-2002 and the official assessment of a
 * section over a period: the parameters of the standard's Table 1, their
 * limits for Classes I-V, the class of a period's mean value, the section's
 * class (single-factor: the worst over the assessed parameters) and the
 * share of sections at or better than Class III. Pure computation on exact
 * decimals (wqdec.h): no I/O, no feed formats, no store.
 *
 * Classes are 1 … 5 for I … V and 6 for 劣V (worse than V); 0 means "no
 * class" (TN of a river: the standard gives TN limits for lakes and
 * reservoirs only). */
#ifndef PT_GB3838_H
#define PT_GB3838_H

#include <stddef.h>
#include <stdint.h>

#include "wqdec.h"

/* The parameters of GB 3838-2002 Table 1 that have class limits (water
 * temperature has none: it is not classed and not assessed). */
enum gb_param {
    GB_PH,
    GB_DO,
    GB_CODMN,
    GB_COD,
    GB_BOD5,
    GB_NH3_N,
    GB_TP,
    GB_TN,
    GB_CU,
    GB_ZN,
    GB_F,
    GB_SE,
    GB_AS,
    GB_HG,
    GB_CD,
    GB_CR6,
    GB_PB,
    GB_CN,
    GB_VPHENOL,
    GB_PETROLEUM,
    GB_LAS,
    GB_SULFIDE,
    GB_FECAL,
    GB_NPARAM
};

/* A section's water body: the TP limits differ (Table 1, note to TP). */
enum gb_water { GB_RIVER, GB_LAKE, GB_RESERVOIR };

/* How a parameter's value is bounded. */
enum gb_bound {
    GB_AT_MOST,  /* class c when value <= limit[c] (most) */
    GB_AT_LEAST, /* DO: class c when value >= limit[c] */
    GB_RANGE,    /* pH: 6 <= value <= 9 for every class, else 劣V */
};

/* The unit a parameter is kept in. */
enum gb_unit {
    GB_MG_L,   /* mg/L; µg/L accepted and shifted */
    GB_PER_L,  /* fecal coliform: count per litre (个/L) */
    GB_NOUNIT, /* pH */
};

struct gb_param_info {
    const char *code;    /* series-friendly code: "nh3_n" */
    const char *name_zh; /* as the standard names it: "氨氮" */
    enum gb_unit unit;
    enum gb_bound bound;
};

const struct gb_param_info *gb_param(int p);

/* The host's name of a parameter's unit: "mg/L", "个/L" or "1". */
const char *gb_unit_name(int p);

/* A parameter named s[0..n-1]: its code, its Chinese name or a common
 * spelling ("NH3-N", "CODMn", "溶解氧"), ASCII case ignored. Returns the
 * enum gb_param, or -1. */
int gb_param_find(const char *s, size_t n);

/* The decimal shift that brings a value in unit s[0..n-1] to parameter p's
 * unit (µg/L to mg/L: -3), or 1 when the unit does not fit p (a shift is
 * never positive). */
int gb_unit_shift(int p, const char *s, size_t n);

/* "river", "lake" or "reservoir" (or 河流, 湖泊, 水库): the enum gb_water,
 * or -1. */
int gb_water_find(const char *s, size_t n);
const char *gb_water_name(int water);

/* Parameter p's limit for class c (1 … 5) in water body w, in nano-units
 * (wqdec.h); pH gives its range's low end for c = 1 and high end for c = 2.
 * Returns 0 and sets *limit, or -1 when there is no such limit. */
int gb_limit(int p, int w, int c, int64_t *limit);

/* The class of a mean: the mean of n values is twice_sum / (2 n), where
 * twice_sum adds 2 v for each value v and d for each result below a
 * detection limit d (which enters as d / 2). Exact. Returns 1 … 6, or 0
 * when p has no limits for w (TN of a river) or n == 0. */
int gb_class(int p, int w, wqd_u128 twice_sum, uint64_t n);

/* The class of one value. */
int gb_class_of(int p, int w, int64_t v);

/* Whether p enters a section's class in the official assessment: the 21
 * parameters of Table 1 other than water temperature, TN and fecal
 * coliform; TN too for lakes and reservoirs when lake_tn is set. */
int gb_assessed(int p, int w, int lake_tn);

/* "I" … "V", "劣V"; "" for 0. */
const char *gb_class_name(int c);

/* A period's samples of one section: per parameter, the sum (twice each
 * value, see gb_class) and the count. */
struct gb_acc {
    wqd_u128 twice_sum[GB_NPARAM];
    uint32_t n[GB_NPARAM];
};

/* Adds a value (nano-units, >= 0) of p; below_dl: v is the detection limit
 * the result was below, counted as v / 2 (环办监测函〔2020〕82号 §7). */
void gb_acc_add(struct gb_acc *a, int p, int64_t v, int below_dl);

/* The mean of p as decimal text, to 12 decimals at most, half-even; ""
 * when there is no value. */
void gb_acc_mean(const struct gb_acc *a, int p, char *out, size_t cap);

/* The section's class over its assessed parameters (single factor: the
 * worst), 0 when none of them has a value; classes[p] gets every
 * parameter's own class (0 without values or limits). */
int gb_section_class(const struct gb_acc *a, int w, int lake_tn, int classes[GB_NPARAM]);

/* The share k / n x 100 in tenths of a per cent, rounded half to even
 * (GB/T 8170) as the bulletins publish it to 0.1 %: 5 of 8 gives 625.
 * n > 0. */
int64_t gb_share_tenths(int64_t k, int64_t n);

#endif
