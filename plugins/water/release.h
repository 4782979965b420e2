/* A monthly release of surface-water section monitoring, as the feed
 * parsers hand it over: one row per value (section, sample time, parameter),
 * each value an exact decimal already in the parameter's unit (gb3838.h:
 * mg/L, 个/L, pH). Two formats produce it, documented in README.md: a CSV
 * of one value per line (release_csv.c) and a JSON document of sections and
 * their samples (release_json.c). The checks common to both (sections,
 * dates, units, detection limits, duplicates) live in release.c.
 *
 * Parsing only: no I/O, no classes, no store. Safe on any bytes. */
#ifndef PT_RELEASE_H
#define PT_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#define REL_SECTION_MAX 64   /* a section code's bytes, with its NUL */
#define REL_MAX_ROWS 1000000 /* values per release; more is refused */

struct rel_row {
    char section[REL_SECTION_MAX]; /* UTF-8, no control characters, 1-63 bytes */
    int water;                     /* enum gb_water */
    int param;                     /* enum gb_param */
    int below_dl;                  /* value is a detection limit the result was below */
    int64_t time;                  /* the sample's instant, UTC (the file: local +08:00) */
    int64_t value;                 /* nano-units of the parameter's unit, >= 0 */
    long where, where2;            /* CSV: the line; JSON: sections[where].samples[where2] */
};

struct rel_opts {
    int year, month;         /* the release's month; every sample must fall in it
                                (0: any month) */
    const char *const *skip; /* parameter names to ignore (water temperature, …),
                                NULL-terminated; NULL for none */
};

struct rel_release {
    struct rel_row *rows; /* sorted by section, time, parameter; malloc'd */
    size_t n, cap;
    size_t skipped; /* values of skipped parameters */
    size_t empty;   /* empty values (not measured) */
    int json;       /* how where/where2 read, for messages */
};

/* Parse a release of buf[0..len-1]. On success return 0 with *out filled
 * (release with rel_free). On failure return a negative PT_E… code
 * (error.h), leave *out empty, and write where and what into err: "line 12:
 * tp: unit \"mg/m3\" does not fit tp (use mg/L or µg/L)" or
 * "sections[2].samples[0].tp: …". */
int rel_parse_csv(const char *buf, size_t len, const struct rel_opts *o, struct rel_release *out,
                  char *err, size_t cap);
int rel_parse_json(const char *buf, size_t len, const struct rel_opts *o, struct rel_release *out,
                   char *err, size_t cap);

void rel_free(struct rel_release *r);

/* ---- shared by the two parsers ----------------------------------------- */

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (or a space for T), local time
 * (Asia/Shanghai, UTC+8, no DST since 1991), years 1991-2099: the UTC
 * instant, the year and the month. 0, or -1 when it is not such a date. */
int rel_time(const char *s, size_t n, int64_t *t, int *year, int *month);

/* The UTC instant of local midnight starting y-m-d (Asia/Shanghai), and the
 * local date of an instant. */
int64_t rel_instant(int y, int m, int d);
void rel_civil(int64_t t, int *y, int *m, int *d);

/* A section code: 1-63 bytes of UTF-8 without control characters. */
int rel_section_ok(const char *s, size_t n);

/* Whether the parameter name s[0..n-1] is one of o->skip (ASCII case
 * ignored). */
int rel_skipped(const struct rel_opts *o, const char *s, size_t n);

/* An empty value, or "-", "—", "/": not measured (no row). */
int rel_missing(const char *s, size_t n);

/* A value of parameter p given in a unit whose shift is `shift`
 * (gb_unit_shift): a decimal >= 0, or a detection limit it was below,
 * written "0.01L" (the bulletins' convention) or "<0.01". Returns 0 with
 * *v and *below_dl set, or -1 with the reason in why. */
int rel_value(const char *s, size_t n, int p, int shift, int64_t *v, int *below_dl, char *why,
              size_t cap);

/* Appends a row (copied); PT_ERANGE beyond REL_MAX_ROWS, PT_ENOMEM. */
int rel_add(struct rel_release *r, const struct rel_row *row);

/* Sorts the rows and refuses a value given twice (same section, time and
 * parameter) and a section given two water bodies. 0 or PT_EINVAL with
 * both places in err. */
int rel_finish(struct rel_release *r, char *err, size_t cap);

#endif
