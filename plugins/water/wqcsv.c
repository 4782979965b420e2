/* The CSV record reader (wqcsv.h). Written for hostile input (it is
 * fuzzed): every field is copied into one growing store with its length
 * checked, the number of fields is capped, a record always consumes input,
 * and nothing reads outside the buffer. */
#include "wqcsv.h"

#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t cap, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t cap, int code, long line, const char *fmt, ...)
{
    if (err && cap) {
        int n = snprintf(err, cap, "line %ld: ", line);
        if (n >= 0 && (size_t)n < cap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, cap - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

void wqcsv_init(struct wqcsv *r, const char *buf, size_t len)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = len;
    r->line = 1;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
}

void wqcsv_free(struct wqcsv *r)
{
    free(r->store);
    r->store = NULL;
    r->used = r->cap = 0;
}

static int push(struct wqcsv *r, char ch, char *err, size_t cap)
{
    if (r->used == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 1024;
        char *p = realloc(r->store, ncap);
        if (!p)
            return fail(err, cap, PT_ENOMEM, r->rec_line, "out of memory");
        r->store = p;
        r->cap = ncap;
    }
    r->store[r->used++] = ch;
    return 0;
}

static int at_eol(const struct wqcsv *r)
{
    return r->pos >= r->len || r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r';
}

static void eat_eol(struct wqcsv *r)
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

static void skip_blanks(struct wqcsv *r)
{
    while (r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\t'))
        r->pos++;
}

int wqcsv_next(struct wqcsv *r, char *err, size_t cap)
{
    size_t off[WQCSV_MAX_FIELDS];
    int rc;
    for (;;) { /* blank lines */
        skip_blanks(r);
        if (r->pos >= r->len)
            return 0;
        if (!at_eol(r))
            break;
        eat_eol(r);
    }
    r->rec_line = r->line;
    r->n = 0;
    r->used = 0;
    for (;;) {
        if (r->n == WQCSV_MAX_FIELDS)
            return fail(err, cap, PT_ERANGE, r->rec_line, "more than %d fields", WQCSV_MAX_FIELDS);
        size_t n = 0;
        off[r->n] = r->used;
        skip_blanks(r);
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            /* RFC 4180 §2.5-2.7: commas, line breaks and "" inside quotes */
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return fail(err, cap, PT_EINVAL, r->rec_line, "a quoted field is not closed");
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
                if (ch == '\0')
                    return fail(err, cap, PT_EINVAL, r->line, "a NUL byte");
                if (n == WQCSV_MAX_FIELD)
                    return fail(err, cap, PT_ERANGE, r->rec_line, "field %d longer than %d bytes",
                                r->n + 1, WQCSV_MAX_FIELD);
                if ((rc = push(r, ch, err, cap)) < 0)
                    return rc;
                n++;
                r->pos++;
            }
            skip_blanks(r);
            if (r->pos < r->len && r->buf[r->pos] != ',' && !at_eol(r))
                return fail(err, cap, PT_EINVAL, r->rec_line,
                            "field %d: text after the closing quote", r->n + 1);
        } else {
            while (r->pos < r->len && r->buf[r->pos] != ',' && !at_eol(r)) {
                char ch = r->buf[r->pos];
                if (ch == '"')
                    return fail(err, cap, PT_EINVAL, r->rec_line,
                                "field %d: a quote inside an unquoted field (RFC 4180 §2.5)",
                                r->n + 1);
                if (ch == '\0')
                    return fail(err, cap, PT_EINVAL, r->rec_line, "a NUL byte");
                if (n == WQCSV_MAX_FIELD)
                    return fail(err, cap, PT_ERANGE, r->rec_line, "field %d longer than %d bytes",
                                r->n + 1, WQCSV_MAX_FIELD);
                if ((rc = push(r, ch, err, cap)) < 0)
                    return rc;
                n++;
                r->pos++;
            }
            while (n > 0 && (r->store[r->used - 1] == ' ' || r->store[r->used - 1] == '\t')) {
                n--;
                r->used--;
            }
        }
        if ((rc = push(r, '\0', err, cap)) < 0)
            return rc;
        r->flen[r->n] = n;
        r->n++;
        if (r->pos < r->len && r->buf[r->pos] == ',') {
            r->pos++;
            continue;
        }
        eat_eol(r);
        for (int i = 0; i < r->n; i++)
            r->f[i] = r->store + off[i];
        return 1;
    }
}
