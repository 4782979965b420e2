/* The CNEMC hourly station CSV: RFC 4180 records, columns found by header
 * name, one struct cnemc_row per station-hour, duplicates folded, sorted.
 * The parser is written for hostile input (it is fuzzed): every field is
 * copied into a fixed scratch area with its length checked, numbers must be
 * plain decimals, text must be UTF-8 without control characters, and the row
 * count is capped. Not here: what the values mean (aqi.c, the plugin). */
#include "cnemc.h"

#include "error.h"
#include "ptp_date.h"
#include "ptp_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 256 /* per record; the real header has 22 */

/* ---- Columns ----------------------------------------------------------- */

enum col {
    C_TIME,
    C_STATION,
    C_AREA,
    C_NAME,
    C_PRIMARY,
    C_AQI,
    C_PM2_5,
    C_PM10,
    C_SO2,
    C_NO2,
    C_CO,
    C_O3_1H,
    C_PM2_5_24H,
    C_PM10_24H,
    C_SO2_24H,
    C_NO2_24H,
    C_CO_24H,
    C_O3_MAX,
    C_O3_8H,
    C_O3_8H_MAX,
    NCOL
};

/* Header names. standards.md: in this archive "o3_24h" holds the latest
 * 1-hour O3, "o3" the largest 1-hour O3 of the last 24 hours, "o3_8h_24h"
 * the latest 8-hour moving mean and "o3_8h" the day's largest 8-hour mean. */
static const struct {
    const char *name;
    bool required;
} columns[NCOL] = {
    [C_TIME] = {"timepoint", true},
    [C_STATION] = {"stationcode", true},
    [C_AREA] = {"area", false},
    [C_NAME] = {"positionname", false},
    [C_PRIMARY] = {"primarypollutant", false},
    [C_AQI] = {"aqi", false},
    [C_PM2_5] = {"pm2_5", true},
    [C_PM10] = {"pm10", true},
    [C_SO2] = {"so2", true},
    [C_NO2] = {"no2", true},
    [C_CO] = {"co", true},
    [C_O3_1H] = {"o3_24h", true},
    [C_PM2_5_24H] = {"pm2_5_24h", false},
    [C_PM10_24H] = {"pm10_24h", false},
    [C_SO2_24H] = {"so2_24h", false},
    [C_NO2_24H] = {"no2_24h", false},
    [C_CO_24H] = {"co_24h", false},
    [C_O3_MAX] = {"o3", false},
    [C_O3_8H] = {"o3_8h_24h", false},
    [C_O3_8H_MAX] = {"o3_8h", false},
};

/* The primarypollutant names CNEMC publishes (several in one quoted field,
 * separated by ","). The hourly files use 臭氧1小时 for O3; the others are
 * the names of the daily and web tables, accepted so a source that uses them
 * is not refused. "—" and "-" are how the web tables write "none". */
static const struct {
    const char *zh;
    int p; /* enum aq_pollutant; -1 = none */
} primary_names[] = {
    {"细颗粒物(PM2.5)", AQ_PM2_5},
    {"颗粒物(PM10)", AQ_PM10},
    {"二氧化硫", AQ_SO2},
    {"二氧化氮", AQ_NO2},
    {"一氧化碳", AQ_CO},
    {"臭氧1小时", AQ_O3},
    {"臭氧", AQ_O3},
    {"臭氧8小时", AQ_O3_8H},
    {"—", -1},
    {"-", -1},
};

/* ---- Errors ------------------------------------------------------------ */

struct ctx {
    char *err;
    size_t errcap;
};

static int fail(struct ctx *c, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, int code, long line, const char *fmt, ...)
{
    if (c->err && c->errcap > 0) {
        int n = line > 0 ? snprintf(c->err, c->errcap, "line %ld: ", line) : 0;
        if (n >= 0 && (size_t)n < c->errcap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errcap - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

/* ---- Records ----------------------------------------------------------- */

/* One CSV record, every field copied (unquoted, "" undone) and
 * NUL-terminated in store, which grows as needed: at most MAX_FIELDS fields
 * of at most CNEMC_MAX_FIELD bytes. */
struct record {
    long line; /* where it starts, 1-based */
    int n;
    char *f[MAX_FIELDS];
    size_t len[MAX_FIELDS];
    size_t off[MAX_FIELDS]; /* f[i] = store + off[i], set when the record is complete */
    char *store;
    size_t used, cap;
};

/* Room for one more byte in rec->store. */
static int reserve(struct record *rec, struct ctx *c)
{
    if (rec->used < rec->cap)
        return 0;
    size_t ncap = rec->cap ? rec->cap * 2 : 4096;
    char *p = realloc(rec->store, ncap);
    if (!p)
        return fail(c, PT_ENOMEM, rec->line, "out of memory");
    rec->store = p;
    rec->cap = ncap;
    return 0;
}

struct reader {
    const char *buf;
    size_t len, pos;
    long line;
};

static bool at_eol(const struct reader *r)
{
    return r->pos >= r->len || r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r';
}

/* Consumes one line end (LF, CRLF or a lone CR) if there is one. */
static void eat_eol(struct reader *r)
{
    if (r->pos >= r->len)
        return;
    if (r->buf[r->pos] == '\r') {
        r->pos++;
        if (r->pos < r->len && r->buf[r->pos] == '\n')
            r->pos++;
    } else if (r->buf[r->pos] == '\n') {
        r->pos++;
    } else {
        return;
    }
    r->line++;
}

static void skip_blanks(struct reader *r)
{
    while (r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\t'))
        r->pos++;
}

static bool at_bom(const struct reader *r)
{
    return r->len - r->pos >= 3 && memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0;
}

/* Reads the next non-blank record into rec. Returns 1, 0 at the end of the
 * input, or a negative code. Each call consumes at least one byte or
 * returns 0. Blanks around a field are not part of it (CNEMC has none that
 * matter, and " 12" must read as 12). */
static int read_record(struct reader *r, struct record *rec, struct ctx *c)
{
    for (;;) { /* skip blank lines and a BOM (one per concatenated file) */
        if (at_bom(r))
            r->pos += 3;
        skip_blanks(r);
        if (r->pos >= r->len)
            return 0;
        if (!at_eol(r))
            break;
        eat_eol(r);
    }
    rec->line = r->line;
    rec->n = 0;
    rec->used = 0;
    for (;;) {
        if (rec->n == MAX_FIELDS)
            return fail(c, PT_ERANGE, rec->line, "more than %d fields", MAX_FIELDS);
        size_t n = 0;
        int rc;
        rec->off[rec->n] = rec->used;
        skip_blanks(r);
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            /* RFC 4180 §2.5-2.7: a quoted field may hold commas, line
             * breaks and "" for a quote. */
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return fail(c, PT_EINVAL, rec->line, "quoted field not closed");
                char ch = r->buf[r->pos];
                if (ch == '"') {
                    if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '"') {
                        r->pos++;
                    } else {
                        r->pos++;
                        break;
                    }
                } else if (ch == '\n' ||
                           (ch == '\r' && (r->pos + 1 >= r->len || r->buf[r->pos + 1] != '\n'))) {
                    r->line++;
                }
                if (n == CNEMC_MAX_FIELD)
                    return fail(c, PT_ERANGE, rec->line, "field %d longer than %d bytes",
                                rec->n + 1, CNEMC_MAX_FIELD);
                if ((rc = reserve(rec, c)) < 0)
                    return rc;
                rec->store[rec->used++] = ch;
                n++;
                r->pos++;
            }
            skip_blanks(r);
            if (r->pos < r->len && r->buf[r->pos] != ',' && !at_eol(r))
                return fail(c, PT_EINVAL, rec->line, "field %d: text after the closing quote",
                            rec->n + 1);
        } else {
            while (r->pos < r->len && r->buf[r->pos] != ',' && !at_eol(r)) {
                if (r->buf[r->pos] == '"')
                    return fail(c, PT_EINVAL, rec->line,
                                "field %d: quote inside an unquoted field (RFC 4180 §2.5)",
                                rec->n + 1);
                if (n == CNEMC_MAX_FIELD)
                    return fail(c, PT_ERANGE, rec->line, "field %d longer than %d bytes",
                                rec->n + 1, CNEMC_MAX_FIELD);
                if ((rc = reserve(rec, c)) < 0)
                    return rc;
                rec->store[rec->used++] = r->buf[r->pos++];
                n++;
            }
            while (n > 0 && (rec->store[rec->used - 1] == ' ' || rec->store[rec->used - 1] == '\t'))
                n--, rec->used--;
        }
        if ((rc = reserve(rec, c)) < 0)
            return rc;
        rec->store[rec->used++] = '\0';
        rec->len[rec->n] = n;
        rec->n++;
        if (r->pos < r->len && r->buf[r->pos] == ',') {
            r->pos++;
            continue;
        }
        eat_eol(r);
        for (int i = 0; i < rec->n; i++)
            rec->f[i] = rec->store + rec->off[i];
        return 1;
    }
}

/* ---- Fields ------------------------------------------------------------ */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* A plain decimal: [+-]digits[.digits][e[+-]digits], at least one digit
 * before the exponent. strtod alone would also take "nan", "inf", hex and
 * leading junk. Empty = missing, NaN. */
static int parse_number(const char *f, size_t n, double *out, const char *col, long line,
                        struct ctx *c)
{
    char sh[64];
    if (n == 0) {
        *out = NAN;
        return 0;
    }
    size_t i = 0, digits = 0;
    if (f[i] == '+' || f[i] == '-')
        i++;
    while (i < n && is_digit(f[i]))
        i++, digits++;
    if (i < n && f[i] == '.') {
        i++;
        while (i < n && is_digit(f[i]))
            i++, digits++;
    }
    if (digits > 0 && i < n && (f[i] == 'e' || f[i] == 'E')) {
        size_t j = i + 1, ed = 0;
        if (j < n && (f[j] == '+' || f[j] == '-'))
            j++;
        while (j < n && is_digit(f[j]))
            j++, ed++;
        if (ed > 0)
            i = j;
    }
    if (digits == 0 || i != n)
        return fail(c, PT_EINVAL, line, "%s: \"%s\" is not a number", col, ptp_shown(f, n, sh));
    char *end;
    double v = strtod(f, &end); /* f is NUL-terminated in the record's store */
    if (end != f + n)
        return fail(c, PT_EINVAL, line, "%s: \"%s\" is not a number", col, ptp_shown(f, n, sh));
    if (!isfinite(v))
        return fail(c, PT_ERANGE, line, "%s: \"%s\" is out of range", col, ptp_shown(f, n, sh));
    *out = v == 0 ? 0.0 : v; /* no -0 */
    return 0;
}

/* "YYYY-MM-DDTHH:00:00" (or with a space for T), local time in Asia/Shanghai,
 * UTC+8 all year (China has kept no DST since 1991) → seconds since the
 * epoch. The timepoint is the end of the hour it reports. */
static int parse_time(const char *f, size_t n, int64_t *out, long line, struct ctx *c)
{
    char sh[64];
    int y = -1, mo = -1, d = -1, h = -1, mi = -1, s = -1;
    if (n == 19 && f[4] == '-' && f[7] == '-' && (f[10] == 'T' || f[10] == ' ') && f[13] == ':' &&
        f[16] == ':') {
        y = ptp_digits(f, 4), mo = ptp_digits(f + 5, 2), d = ptp_digits(f + 8, 2);
        h = ptp_digits(f + 11, 2), mi = ptp_digits(f + 14, 2), s = ptp_digits(f + 17, 2);
    }
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > ptp_month_days(y, mo) || h < 0 || h > 23 ||
        mi < 0 || s < 0)
        return fail(c, PT_EINVAL, line, "timepoint: \"%s\" is not a time (YYYY-MM-DDTHH:MM:SS)",
                    ptp_shown(f, n, sh));
    if (mi != 0 || s != 0)
        return fail(c, PT_EINVAL, line, "timepoint: \"%s\" is not on the hour",
                    ptp_shown(f, n, sh));
    *out = ptp_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 - 8 * 3600;
    return 0;
}

/* UTF-8 text without control characters, copied into dst (cap bytes), cut at
 * a character boundary when longer. */
static int parse_text(const char *f, size_t n, char *dst, size_t cap, const char *col, long line,
                      struct ctx *c)
{
    const unsigned char *s = (const unsigned char *)f;
    size_t keep = 0;
    for (size_t i = 0; i < n;) {
        size_t k = ptp_utf8_seq(s + i, n - i);
        if (k == 0)
            return fail(c, PT_EINVAL, line, "%s: not UTF-8 at byte %zu", col, i + 1);
        if (ptp_is_control(s + i, k))
            return fail(c, PT_EINVAL, line, "%s: control character at byte %zu", col, i + 1);
        i += k;
        if (i < cap)
            keep = i;
    }
    memcpy(dst, f, keep);
    dst[keep] = '\0';
    return 0;
}

static int parse_station(const char *f, size_t n, char *dst, size_t cap, long line, struct ctx *c)
{
    char sh[64];
    bool ok = n > 0 && n < cap;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = f[i];
        ok = is_digit(ch) || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '-' ||
             ch == '_' || ch == '.';
    }
    if (!ok)
        return fail(c, PT_EINVAL, line,
                    "stationcode: \"%s\" is not a station code (1-%zu of A-Z a-z 0-9 - _ .)",
                    ptp_shown(f, n, sh), cap - 1);
    memcpy(dst, f, n);
    dst[n] = '\0';
    return 0;
}

static int parse_aqi(const char *f, size_t n, int *out, long line, struct ctx *c)
{
    char sh[64];
    double v;
    int rc = parse_number(f, n, &v, "aqi", line, c);
    if (rc < 0)
        return rc;
    if (isnan(v)) {
        *out = -1;
        return 0;
    }
    if (v < 0 || v > 100000 || v != floor(v))
        return fail(c, PT_EINVAL, line, "aqi: \"%s\" is not a whole number from 0 to 100000",
                    ptp_shown(f, n, sh));
    *out = (int)v;
    return 0;
}

/* "颗粒物(PM10),细颗粒物(PM2.5)" → "pm2_5+pm10": the codes in enum order,
 * whatever order the names come in. */
static int parse_primary(const char *f, size_t n, char *dst, size_t cap, long line, struct ctx *c)
{
    char sh[64];
    unsigned mask = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && f[j] != ',')
            j++;
        size_t a = i, b = j;
        while (a < b && (f[a] == ' ' || f[a] == '\t'))
            a++;
        while (b > a && (f[b - 1] == ' ' || f[b - 1] == '\t'))
            b--;
        if (b > a) {
            size_t k = 0, nk = sizeof primary_names / sizeof primary_names[0];
            while (k < nk && !(strlen(primary_names[k].zh) == b - a &&
                               memcmp(primary_names[k].zh, f + a, b - a) == 0))
                k++;
            if (k == nk)
                return fail(c, PT_EINVAL, line, "primarypollutant: unknown pollutant \"%s\"",
                            ptp_shown(f + a, b - a, sh));
            if (primary_names[k].p >= 0)
                mask |= 1u << primary_names[k].p;
        }
        i = j + 1;
    }
    size_t o = 0;
    dst[0] = '\0';
    for (int p = 0; p < AQ_NPOLL; p++) {
        if (!(mask & (1u << p)))
            continue;
        /* cap (40) holds all seven codes joined: AQ_PRIMARY_MAX is 32 */
        int w = snprintf(dst + o, cap - o, "%s%s", o ? "+" : "", aq_codes[p]);
        if (w < 0 || (size_t)w >= cap - o)
            return fail(c, PT_ERANGE, line, "primarypollutant: too long");
        o += (size_t)w;
    }
    return 0;
}

/* ---- Rows -------------------------------------------------------------- */

struct header {
    int idx[NCOL]; /* field index of each column; -1 = absent */
    int nfields;
    bool seen;
};

static bool field_is(const struct record *rec, int i, const char *s)
{
    return rec->len[i] == strlen(s) && memcmp(rec->f[i], s, rec->len[i]) == 0;
}

static bool is_header(const struct record *rec)
{
    for (int i = 0; i < rec->n; i++)
        if (field_is(rec, i, columns[C_TIME].name))
            return true;
    return false;
}

static int read_header(const struct record *rec, struct header *h, struct ctx *c)
{
    for (int k = 0; k < NCOL; k++)
        h->idx[k] = -1;
    for (int i = 0; i < rec->n; i++)
        for (int k = 0; k < NCOL; k++)
            if (field_is(rec, i, columns[k].name)) {
                if (h->idx[k] >= 0)
                    return fail(c, PT_EINVAL, rec->line, "column %s appears twice",
                                columns[k].name);
                h->idx[k] = i;
            }
    for (int k = 0; k < NCOL; k++)
        if (columns[k].required && h->idx[k] < 0)
            return fail(c, PT_EINVAL, rec->line, "no column %s (required)", columns[k].name);
    h->nfields = rec->n;
    h->seen = true;
    return 0;
}

static int parse_row(const struct record *rec, const struct header *h, struct cnemc_row *row,
                     struct ctx *c)
{
    /* value columns and where they go */
    static const struct {
        enum col col;
        size_t off;
    } values[] = {
        {C_PM2_5, offsetof(struct cnemc_row, v) + AQ_PM2_5 * sizeof(double)},
        {C_PM10, offsetof(struct cnemc_row, v) + AQ_PM10 * sizeof(double)},
        {C_SO2, offsetof(struct cnemc_row, v) + AQ_SO2 * sizeof(double)},
        {C_NO2, offsetof(struct cnemc_row, v) + AQ_NO2 * sizeof(double)},
        {C_CO, offsetof(struct cnemc_row, v) + AQ_CO * sizeof(double)},
        {C_O3_1H, offsetof(struct cnemc_row, v) + AQ_O3 * sizeof(double)},
        {C_PM2_5_24H, offsetof(struct cnemc_row, pm2_5_24h)},
        {C_PM10_24H, offsetof(struct cnemc_row, pm10_24h)},
        {C_SO2_24H, offsetof(struct cnemc_row, so2_24h)},
        {C_NO2_24H, offsetof(struct cnemc_row, no2_24h)},
        {C_CO_24H, offsetof(struct cnemc_row, co_24h)},
        {C_O3_MAX, offsetof(struct cnemc_row, o3_1h_max_24h)},
        {C_O3_8H, offsetof(struct cnemc_row, o3_8h)},
        {C_O3_8H_MAX, offsetof(struct cnemc_row, o3_8h_max_day)},
    };
    if (rec->n != h->nfields)
        return fail(c, PT_EINVAL, rec->line, "%d fields, the header has %d", rec->n, h->nfields);
    memset(row, 0, sizeof *row);
    long line = rec->line;
    int rc, i;

    i = h->idx[C_TIME];
    if ((rc = parse_time(rec->f[i], rec->len[i], &row->time, line, c)) < 0)
        return rc;
    i = h->idx[C_STATION];
    if ((rc = parse_station(rec->f[i], rec->len[i], row->station, sizeof row->station, line, c)) <
        0)
        return rc;
    if ((i = h->idx[C_NAME]) >= 0 &&
        (rc = parse_text(rec->f[i], rec->len[i], row->name, sizeof row->name, "positionname", line,
                         c)) < 0)
        return rc;
    if ((i = h->idx[C_AREA]) >= 0 &&
        (rc = parse_text(rec->f[i], rec->len[i], row->area, sizeof row->area, "area", line, c)) < 0)
        return rc;
    row->aqi = -1;
    if ((i = h->idx[C_AQI]) >= 0 &&
        (rc = parse_aqi(rec->f[i], rec->len[i], &row->aqi, line, c)) < 0)
        return rc;
    if ((i = h->idx[C_PRIMARY]) >= 0 && (rc = parse_primary(rec->f[i], rec->len[i], row->primary,
                                                            sizeof row->primary, line, c)) < 0)
        return rc;
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        double v = NAN;
        if ((i = h->idx[values[k].col]) >= 0 &&
            (rc = parse_number(rec->f[i], rec->len[i], &v, columns[values[k].col].name, line, c)) <
                0)
            return rc;
        memcpy((char *)row + values[k].off, &v, sizeof v);
    }
    return 0;
}

/* ---- Folding and sorting ----------------------------------------------- */

struct key {
    int64_t time;
    char station[16];
    size_t seq; /* position in the file: the later of two duplicates wins */
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    int s = strcmp(x->station, y->station);
    if (s)
        return s;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Replaces *rows (n of them, freed here) by the sorted, folded rows. */
static int fold(struct cnemc_row **rows, size_t *n, struct ctx *c)
{
    if (*n == 0)
        return 0;
    struct key *keys = malloc(*n * sizeof *keys);
    struct cnemc_row *out = malloc(*n * sizeof *out);
    if (!keys || !out) {
        free(keys);
        free(out);
        return fail(c, PT_ENOMEM, 0, "out of memory sorting %zu rows", *n);
    }
    for (size_t i = 0; i < *n; i++) {
        keys[i].time = (*rows)[i].time;
        memcpy(keys[i].station, (*rows)[i].station, sizeof keys[i].station);
        keys[i].seq = i;
    }
    qsort(keys, *n, sizeof *keys, key_cmp);
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        bool last = i + 1 == *n || keys[i + 1].time != keys[i].time ||
                    strcmp(keys[i + 1].station, keys[i].station) != 0;
        if (last)
            out[m++] = (*rows)[keys[i].seq];
    }
    free(keys);
    free(*rows);
    *rows = out;
    *n = m;
    return 0;
}

/* ---- The parser -------------------------------------------------------- */

int cnemc_parse(const char *buf, size_t len, struct cnemc_row **rows, size_t *nrows, char *err,
                size_t errcap)
{
    struct ctx c = {err, errcap};
    struct reader r = {buf, buf ? len : 0, 0, 1};
    struct header h = {.seen = false};
    struct cnemc_row *all = NULL;
    size_t n = 0, cap = 0;
    int rc;

    *rows = NULL;
    *nrows = 0;
    if (err && errcap)
        err[0] = '\0';
    struct record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return fail(&c, PT_ENOMEM, 0, "out of memory");
    while ((rc = read_record(&r, rec, &c)) > 0) {
        if (!h.seen || is_header(rec)) {
            /* the first record, or the header of a second file appended */
            if ((rc = read_header(rec, &h, &c)) < 0)
                break;
            continue;
        }
        if (n == CNEMC_MAX_ROWS) {
            rc = fail(&c, PT_ERANGE, rec->line, "more than %d rows", CNEMC_MAX_ROWS);
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            if (ncap > CNEMC_MAX_ROWS)
                ncap = CNEMC_MAX_ROWS;
            struct cnemc_row *p = realloc(all, ncap * sizeof *p);
            if (!p) {
                rc = fail(&c, PT_ENOMEM, rec->line, "out of memory at %zu rows", n);
                break;
            }
            all = p;
            cap = ncap;
        }
        if ((rc = parse_row(rec, &h, &all[n], &c)) < 0)
            break;
        n++;
    }
    if (rc == 0 && !h.seen)
        rc = fail(&c, PT_EINVAL, r.line, "no header (the file is empty)");
    free(rec->store);
    free(rec);
    if (rc == 0)
        rc = fold(&all, &n, &c);
    if (rc < 0) {
        free(all);
        return rc;
    }
    *rows = all;
    *nrows = n;
    return 0;
}
