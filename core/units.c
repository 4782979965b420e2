/* Units: one static table of known units and the aliases feeds spell them
 * with. Not a general unit algebra: a unit is a name, a dimension and a
 * power of ten. */
#include "units.h"

#include <math.h>
#include <string.h>

static const struct pt_unit units[] = {
    /* mass concentration in air */
    {"µg/m³", "mass-concentration", 0, "micrograms per cubic metre"},
    {"mg/m³", "mass-concentration", 3, "milligrams per cubic metre"},
    /* concentration in water */
    {"mg/L", "water-concentration", 0, "milligrams per litre"},
    {"µg/L", "water-concentration", -3, "micrograms per litre"},
    /* counts in water: fecal coliform (GB 3838-2002 Table 1 gives 个/L) */
    {"个/L", "count-per-volume", 0, "count per litre"},
    /* shares */
    {"%", "share", 0, "per cent"},
    {"‰", "share", -1, "per mille"},
    {"pp", "share-difference", 0, "percentage points"},
    /* rates of change */
    {"%/a", "growth-rate", 0, "per cent a year"},
    {"pp/a", "share-difference-rate", 0, "percentage points a year"},
    /* money */
    {"元", "money-cny", 0, "yuan"},
    {"万元", "money-cny", 4, "ten thousand yuan"},
    {"亿元", "money-cny", 8, "hundred million yuan"},
    /* mass */
    {"吨", "mass", 0, "tonnes"},
    {"万吨", "mass", 4, "ten thousand tonnes"},
    {"亿吨", "mass", 8, "hundred million tonnes"},
    /* energy as standard coal equivalent */
    {"吨标准煤", "energy-tce", 0, "tonnes of standard coal equivalent"},
    {"万吨标准煤", "energy-tce", 4, "ten thousand tonnes of standard coal equivalent"},
    /* volume */
    {"立方米", "volume", 0, "cubic metres"},
    {"万立方米", "volume", 4, "ten thousand cubic metres"},
    {"亿立方米", "volume", 8, "hundred million cubic metres"},
    /* durations in years */
    {"年", "years", 0, "years"},
    {"岁", "years", 0, "years of age"},
    /* counts, each of its own thing */
    {"个", "count", 0, "count"},
    {"件", "count-items", 0, "items"},
    {"人", "persons", 0, "persons"},
    {"万人", "persons", 4, "ten thousand persons"},
    {"件/万人", "items-per-capita", -4, "items per ten thousand people"},
    {"人/千人", "persons-per-capita", -3, "persons per thousand people"},
    {"人/万人", "persons-per-capita", -4, "persons per ten thousand people"},
    {"个/千人", "places-per-capita", -3, "places per thousand people"},
    {"个/万人", "places-per-capita", -4, "places per ten thousand people"},
    {"d", "days", 0, "days"},
    /* dimensionless: indices (AQI), categories, flags */
    {"1", "index", 0, "dimensionless"},
};

static const struct {
    const char *alias;
    const char *name;
} aliases[] = {
    {"ug/m3", "µg/m³"},   {"µg/m3", "µg/m³"},     {"μg/m³", "µg/m³"}, /* Greek mu */
    {"μg/m3", "µg/m³"},   {"mg/m3", "mg/m³"},     {"mg/l", "mg/L"},
    {"ug/L", "µg/L"},     {"percent", "%"},       {"permille", "‰"},
    {"万吨标煤", "万吨标准煤"}, {"tce", "吨标准煤"}, {"m3", "立方米"},
    {"m³", "立方米"},     {"t", "吨"},            {"yuan", "元"},
    {"CNY", "元"},        {"years", "年"},        {"percentage points", "pp"},
};

const struct pt_unit *pt_unit_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(name, aliases[i].alias) == 0) {
            name = aliases[i].name;
            break;
        }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(name, units[i].name) == 0)
            return &units[i];
    return NULL;
}

const struct pt_unit *pt_unit_table(int *n)
{
    *n = (int)(sizeof units / sizeof units[0]);
    return units;
}

int pt_unit_convert(double v, const char *from, const char *to, double *out, struct pt_err *err)
{
    const struct pt_unit *f = pt_unit_find(from), *t = pt_unit_find(to);
    if (!f)
        return pt_err_set(err, PT_EUNIT, "unknown unit \"%s\"", from ? from : "");
    if (!t)
        return pt_err_set(err, PT_EUNIT, "unknown unit \"%s\"", to ? to : "");
    if (strcmp(f->dimension, t->dimension) != 0)
        return pt_err_set(err, PT_EUNIT, "unit \"%s\" (%s) does not convert to \"%s\" (%s)",
                          f->name, f->dimension, t->name, t->dimension);
    /* Multiply or divide by an exact power of ten: 679 ‰ / 10 is the double
     * nearest 67.9, where 679 × 0.1 would not be. */
    int d = f->exp10 - t->exp10;
    double p = 1;
    for (int i = 0; i < (d < 0 ? -d : d); i++)
        p *= 10;
    double r = d >= 0 ? v * p : v / p;
    /* 1e306 mg/m³ in µg/m³ is no longer a number */
    if (!isfinite(r))
        return pt_err_set(err, PT_ERANGE, "%g %s is out of range in %s", v, f->name, t->name);
    *out = r;
    return 0;
}
