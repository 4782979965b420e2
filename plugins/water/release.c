/* What the two release parsers share (release.h): dates, section codes,
 * values with their detection limits, the row list, and the checks across
 * rows (a value given twice, a section that changes water body). */
#include "release.h"

#include "error.h"
#include "gb3838.h"
#include "ptp_date.h"
#include "ptp_text.h"
#include "wqdec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_OFFSET (8 * 3600) /* Asia/Shanghai: +08:00, no daylight saving since 1991 */

void rel_free(struct rel_release *r)
{
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* ---- dates --------------------------------------------------------------- */

int64_t rel_instant(int y, int m, int d)
{
    return ptp_days_from_civil(y, m, d) * 86400 - TZ_OFFSET;
}

void rel_civil(int64_t t, int *y, int *m, int *d)
{
    int64_t l = t + TZ_OFFSET;
    int64_t days = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int rel_time(const char *s, size_t n, int64_t *t, int *year, int *month)
{
    if (n != 10 && n != 16 && n != 19)
        return -1;
    if (s[4] != '-' || s[7] != '-')
        return -1;
    int y = ptp_digits(s, 4), m = ptp_digits(s + 5, 2), d = ptp_digits(s + 8, 2), hh = 0, mm = 0,
        ss = 0;
    if (n >= 16) {
        if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':')
            return -1;
        hh = ptp_digits(s + 11, 2);
        mm = ptp_digits(s + 14, 2);
        if (n == 19) {
            if (s[16] != ':')
                return -1;
            ss = ptp_digits(s + 17, 2);
        }
    }
    if (y < 1991 || y > 2099 || m < 1 || m > 12 || d < 1 || d > ptp_month_days(y, m) || hh < 0 ||
        hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return -1;
    *t = ptp_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss - TZ_OFFSET;
    *year = y;
    *month = m;
    return 0;
}

/* ---- fields -------------------------------------------------------------- */

int rel_section_ok(const char *s, size_t n)
{
    return n > 0 && n < REL_SECTION_MAX && ptp_text_ok(s, n);
}

static int same(const char *s, size_t n, const char *name)
{
    if (strlen(name) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

int rel_skipped(const struct rel_opts *o, const char *s, size_t n)
{
    if (!o || !o->skip)
        return 0;
    for (int i = 0; o->skip[i]; i++)
        if (same(s, n, o->skip[i]))
            return 1;
    return 0;
}

int rel_missing(const char *s, size_t n)
{
    return n == 0 || same(s, n, "-") || same(s, n, "/") || same(s, n, "\xE2\x80\x94"); /* — */
}

int rel_value(const char *s, size_t n, int p, int shift, int64_t *v, int *below_dl, char *why,
              size_t cap)
{
    char sh[64];
    static const char *const nd[] = {"nd", "n.d.", "未检出", NULL};
    for (int i = 0; nd[i]; i++)
        if (same(s, n, nd[i])) {
            snprintf(why, cap,
                     "%s: \"%s\": not detected, but no detection limit (write it as "
                     "0.01L or <0.01)",
                     gb_param(p)->code, ptp_shown(s, n, sh));
            return -1;
        }
    *below_dl = 0;
    const char *d = s;
    size_t dn = n;
    if (n > 1 && s[0] == '<') {
        d++, dn--;
        *below_dl = 1;
    } else if (n > 3 && !memcmp(s, "\xEF\xBC\x9C", 3)) { /* ＜, the full-width form */
        d += 3, dn -= 3;
        *below_dl = 1;
    } else if (n > 1 && s[n - 1] == 'L') {
        dn--;
        *below_dl = 1;
    }
    int rc = wqd_parse(d, dn, shift, v);
    if (rc) {
        snprintf(why, cap, "%s: \"%s\" %s", gb_param(p)->code, ptp_shown(s, n, sh),
                 wqd_strerror(rc));
        return -1;
    }
    if (*v < 0) {
        snprintf(why, cap, "%s: \"%s\" is negative", gb_param(p)->code, ptp_shown(s, n, sh));
        return -1;
    }
    if (*below_dl && *v == 0) {
        snprintf(why, cap, "%s: \"%s\": a detection limit of 0", gb_param(p)->code,
                 ptp_shown(s, n, sh));
        return -1;
    }
    return 0;
}

int rel_add(struct rel_release *r, const struct rel_row *row)
{
    if (r->n == REL_MAX_ROWS)
        return PT_ERANGE;
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        struct rel_row *g = realloc(r->rows, ncap * sizeof *g);
        if (!g)
            return PT_ENOMEM;
        r->rows = g;
        r->cap = ncap;
    }
    r->rows[r->n++] = *row;
    return 0;
}

/* ---- across rows ----------------------------------------------------------- */

static int by_key(const void *x, const void *y)
{
    const struct rel_row *a = x, *b = y;
    int c = strcmp(a->section, b->section);
    if (c)
        return c;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->param != b->param)
        return a->param < b->param ? -1 : 1;
    /* stable for the messages: the earlier place first */
    if (a->where != b->where)
        return a->where < b->where ? -1 : 1;
    return a->where2 < b->where2 ? -1 : a->where2 > b->where2;
}

static const char *place(const struct rel_release *r, const struct rel_row *row, char *out,
                         size_t cap)
{
    if (r->json)
        snprintf(out, cap, "sections[%ld].samples[%ld]", row->where, row->where2);
    else
        snprintf(out, cap, "line %ld", row->where);
    return out;
}

static void local_text(int64_t t, char out[32])
{
    int y, m, d;
    int64_t l = t + TZ_OFFSET;
    int64_t secs = l - (l >= 0 ? l / 86400 : (l - 86399) / 86400) * 86400;
    rel_civil(t, &y, &m, &d);
    snprintf(out, 32, "%04d-%02d-%02d %02d:%02d", y % 10000, m % 100, d % 100, (int)(secs / 3600),
             (int)(secs % 3600 / 60));
}

int rel_finish(struct rel_release *r, char *err, size_t cap)
{
    if (r->n > 1)
        qsort(r->rows, r->n, sizeof r->rows[0], by_key);
    char a[64], b[64], t[32], sh[64];
    for (size_t i = 1; i < r->n; i++) {
        const struct rel_row *p = &r->rows[i - 1], *q = &r->rows[i];
        if (!strcmp(p->section, q->section) && p->time == q->time && p->param == q->param) {
            local_text(q->time, t);
            snprintf(err, cap, "%s and %s: section %s, %s: %s given twice",
                     place(r, p, a, sizeof a), place(r, q, b, sizeof b),
                     ptp_shown(q->section, strlen(q->section), sh), t, gb_param(q->param)->code);
            return PT_EINVAL;
        }
    }
    /* one water body per section: the first row of each section against
     * the others (rows are grouped by section now) */
    size_t first = 0;
    for (size_t i = 1; i < r->n; i++) {
        if (strcmp(r->rows[first].section, r->rows[i].section)) {
            first = i;
            continue;
        }
        if (r->rows[i].water != r->rows[first].water) {
            snprintf(err, cap, "%s: section %s is a %s here but a %s at %s",
                     place(r, &r->rows[i], a, sizeof a),
                     ptp_shown(r->rows[i].section, strlen(r->rows[i].section), sh),
                     gb_water_name(r->rows[i].water), gb_water_name(r->rows[first].water),
                     place(r, &r->rows[first], b, sizeof b));
            return PT_EINVAL;
        }
    }
    return 0;
}
