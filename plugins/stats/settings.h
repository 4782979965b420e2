/* The stats feed's settings: where releases are, the series they hold, the
 * derivations computed from those and the indicators either fills, checked
 * whole (every problem named by its JSON path) before anything runs. Also
 * the little unit arithmetic the mapping needs (decimal prefixes: 万人 is
 * 10^4 人); every other conversion is the host's. */
#ifndef ST_SETTINGS_H
#define ST_SETTINGS_H

#include <stddef.h>

#include "derive.h"

#define ST_MAX_SERIES 128
#define ST_MAX_FILTERS 16       /* SDMX dimensions one series names */
#define ST_MAX_FILTER_VALUES 16 /* values accepted for one dimension */

enum { ST_F_AUTO, ST_F_SDMX, ST_F_NBS, ST_F_CSV };
enum { ST_B_NONE, ST_B_REAL, ST_B_NOMINAL };
extern const char *const st_basis_names[]; /* "none", "real", "nominal" */

/* An SDMX selector: one dimension and the values it may take. */
struct st_filter {
    char dim[65];
    char val[ST_MAX_FILTER_VALUES][65];
    int nval;
};

/* A configured series: mapped from releases, or derived by an operator. */
struct st_series_conf {
    char name[65];
    int derived;
    /* from releases */
    int format;            /* ST_F_SDMX, ST_F_NBS or ST_F_CSV */
    struct st_filter *flt; /* SDMX: dimension filters (owned) */
    int nflt;
    char code[65], region[65]; /* NBS zb and reg; CSV series and region */
    char source_unit[32];      /* how releases spell this series' unit, when not as `unit` */
    /* derived */
    struct st_op op;
    int a, b; /* operand series (earlier entries), -1 for none */
    /* both */
    char unit[32];
    int pow10; /* unit = 10^pow10 × base */
    char base[32];
    int basis; /* ST_B_… */
    char freq; /* enum st_freq */
    int ytd;   /* sub-annual values are year to date */
    char site[65];
    /* the indicator it fills, if any */
    int actual;
    char indicator[65], plan[65];
    int want_basis, first_year;
};

struct st_settings {
    char folder[4096]; /* "" when none */
    char **urls;       /* the configured URLs (owned) */
    int nurls;
    int format; /* ST_F_… */
    char site[65], plan[65], source[256];
    int first_year;                /* 0 when not given */
    struct st_series_conf *series; /* release series first, then derivations (owned) */
    int nseries;
};

/* Parses and checks settings (JSON text) into *c. On failure returns
 * PTP_ECONFIG with "settings.path: what is wrong" in err; either way the
 * caller frees *c with st_settings_free. */
int st_settings_parse(const char *text, struct st_settings *c, char *err, size_t cap);
void st_settings_free(struct st_settings *c);

/* The settings as --help and the plugin descriptor show them. */
extern const char st_settings_help[];

/* The index of the series called name, or -1. */
int st_settings_find(const struct st_settings *c, const char *name);

/* Converts v from unit `from` into series x's unit: the same unit, the
 * spelling the settings gave as source_unit, or the same base with another
 * decimal prefix (万元 → 亿元). -1 when the units do not relate. */
int st_unit_to(const struct st_series_conf *x, const char *from, double *v);

/* 10^e for small e, exactly for e >= 0. */
double st_pow10(int e);

#endif
