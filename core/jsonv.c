/* JSON validation with paths. Not a schema language: callers walk their
 * documents with the typed getters and say what each member means. */
#include "jsonv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void diag_vadd(struct pt_diag *d, const char *fmt, va_list ap)
{
    char line[2048];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    if (d->len + (size_t)n + 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        while (cap < d->len + (size_t)n + 2)
            cap *= 2;
        char *b = realloc(d->buf, cap);
        if (!b) {
            d->count++; /* counted even when it cannot be kept */
            return;
        }
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, line, (size_t)n);
    d->len += (size_t)n;
    d->buf[d->len++] = '\n';
    d->buf[d->len] = '\0';
    d->count++;
}

void pt_diag_add(struct pt_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, fmt, ap);
    va_end(ap);
}

void pt_diag_free(struct pt_diag *d)
{
    free(d->buf);
    memset(d, 0, sizeof *d);
}

void pt_jv_init(struct pt_jv *jv, const char *file, struct pt_diag *diag)
{
    memset(jv, 0, sizeof *jv);
    jv->file = file;
    jv->diag = diag;
}

static size_t jv_append(struct pt_jv *jv, const char *fmt, ...)
{
    size_t mark = jv->pathlen;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(jv->path + jv->pathlen, sizeof jv->path - jv->pathlen, fmt, ap);
    va_end(ap);
    if (n > 0) {
        jv->pathlen += (size_t)n;
        if (jv->pathlen >= sizeof jv->path)
            jv->pathlen = sizeof jv->path - 1;
    }
    return mark;
}

size_t pt_jv_key(struct pt_jv *jv, const char *key)
{
    return jv_append(jv, jv->pathlen ? ".%s" : "%s", key);
}

size_t pt_jv_index(struct pt_jv *jv, size_t i)
{
    return jv_append(jv, "[%zu]", i);
}

void pt_jv_pop(struct pt_jv *jv, size_t mark)
{
    jv->pathlen = mark;
    jv->path[mark] = '\0';
}

static void jv_verror(struct pt_jv *jv, const char *fmt, va_list ap)
{
    char msg[1536];
    vsnprintf(msg, sizeof msg, fmt, ap);
    pt_diag_add(jv->diag, "%s: %s: %s", jv->file, jv->pathlen ? jv->path : "(top level)", msg);
}

void pt_jv_error(struct pt_jv *jv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    jv_verror(jv, fmt, ap);
    va_end(ap);
}

void pt_jv_error_at(struct pt_jv *jv, const char *key, const char *fmt, ...)
{
    size_t m = pt_jv_key(jv, key);
    va_list ap;
    va_start(ap, fmt);
    jv_verror(jv, fmt, ap);
    va_end(ap);
    pt_jv_pop(jv, m);
}

static int in_list(const char *k, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(k, *list) == 0)
            return 1;
    return 0;
}

int pt_jv_keys(struct pt_jv *jv, json_t *obj, const char *const *allowed,
               const char *const *required)
{
    int problems = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (!in_list(k, allowed) && !in_list(k, required)) {
            pt_jv_error_at(jv, k, "unknown key (a typo?)");
            problems++;
        }
    }
    /* A missing required key is reported by the getter that reads it, so
     * that each problem is listed once. */
    (void)required;
    return problems;
}

static const char *type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* Common front of the getters: absent and null are the same "no value". */
static int jv_member(struct pt_jv *jv, json_t *obj, const char *key, int required, json_t **v)
{
    *v = json_object_get(obj, key);
    if (!*v || json_is_null(*v)) {
        if (required) {
            pt_jv_error_at(jv, key, *v ? "must not be null" : "missing");
            return -1;
        }
        return 1;
    }
    return 0;
}

int pt_jv_string(struct pt_jv *jv, json_t *obj, const char *key, int required, const char **out)
{
    json_t *v;
    int rc = jv_member(jv, obj, key, required, &v);
    if (rc)
        return rc;
    if (!json_is_string(v)) {
        pt_jv_error_at(jv, key, "expected a string, found %s", type_name(v));
        return -1;
    }
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v)) {
        pt_jv_error_at(jv, key, "contains a NUL character");
        return -1;
    }
    return 0;
}

int pt_jv_int(struct pt_jv *jv, json_t *obj, const char *key, int required, long long min,
              long long max, long long *out)
{
    json_t *v;
    int rc = jv_member(jv, obj, key, required, &v);
    if (rc)
        return rc;
    /* traps.md: json_integer_value of a real is 0, so check the type. */
    if (!json_is_integer(v)) {
        pt_jv_error_at(jv, key, "expected a whole number, found %s",
                       json_is_real(v) ? "a fraction" : type_name(v));
        return -1;
    }
    long long x = json_integer_value(v);
    if (x < min || x > max) {
        pt_jv_error_at(jv, key, "%lld is out of range (%lld to %lld)", x, min, max);
        return -1;
    }
    *out = x;
    return 0;
}

int pt_jv_number(struct pt_jv *jv, json_t *obj, const char *key, int required, double *out)
{
    json_t *v;
    int rc = jv_member(jv, obj, key, required, &v);
    if (rc)
        return rc;
    if (!json_is_number(v)) {
        pt_jv_error_at(jv, key, "expected a number, found %s", type_name(v));
        return -1;
    }
    double x = json_number_value(v);
    if (!isfinite(x)) {
        pt_jv_error_at(jv, key, "not a finite number");
        return -1;
    }
    *out = x;
    return 0;
}

int pt_jv_bool(struct pt_jv *jv, json_t *obj, const char *key, int required, int *out)
{
    json_t *v;
    int rc = jv_member(jv, obj, key, required, &v);
    if (rc)
        return rc;
    if (!json_is_boolean(v)) {
        pt_jv_error_at(jv, key, "expected true or false, found %s", type_name(v));
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int pt_jv_enum(struct pt_jv *jv, json_t *obj, const char *key, int required,
               const char *const *values, int *out)
{
    const char *s;
    int rc = pt_jv_string(jv, obj, key, required, &s);
    if (rc)
        return rc;
    for (int i = 0; values[i]; i++)
        if (strcmp(s, values[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[512] = "";
    size_t n = 0;
    for (int i = 0; values[i] && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? (values[i + 1] ? ", " : " or ") : "",
                              values[i]);
    pt_jv_error_at(jv, key, "unknown value \"%s\" (use %s)", s, list);
    return -1;
}

int pt_jv_object(struct pt_jv *jv, json_t *obj, const char *key, int required, json_t **out)
{
    json_t *v;
    int rc = jv_member(jv, obj, key, required, &v);
    if (rc)
        return rc;
    if (!json_is_object(v)) {
        pt_jv_error_at(jv, key, "expected an object, found %s", type_name(v));
        return -1;
    }
    *out = v;
    return 0;
}

int pt_jv_array(struct pt_jv *jv, json_t *obj, const char *key, int required, json_t **out)
{
    json_t *v;
    int rc = jv_member(jv, obj, key, required, &v);
    if (rc)
        return rc;
    if (!json_is_array(v)) {
        pt_jv_error_at(jv, key, "expected an array, found %s", type_name(v));
        return -1;
    }
    *out = v;
    return 0;
}

int pt_is_slug(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '-' || s[0] == '_')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

/* The JSON path of the member being read at byte pos of text: jansson
 * reports where a duplicate key is, not whose member it is. A small
 * scanner, enough for text jansson has already tokenized up to pos. */
static void json_path_at(const char *text, size_t len, size_t pos, char *out, size_t cap)
{
    struct frame {
        char type;      /* '{' or '[' */
        char key[128];  /* objects: the last key read */
        long index;     /* arrays: the current element */
        int want_key;
    } st[64];
    int depth = 0;
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < pos && i < len; i++) {
        char ch = text[i];
        if (ch == '"') {
            size_t start = ++i;
            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            if (depth > 0 && depth <= 64 && st[depth - 1].type == '{' && st[depth - 1].want_key) {
                size_t k = i - start < sizeof st[0].key - 1 ? i - start : sizeof st[0].key - 1;
                memcpy(st[depth - 1].key, text + start, k);
                st[depth - 1].key[k] = '\0';
            }
        } else if (ch == '{' || ch == '[') {
            if (depth < 64) {
                st[depth].type = ch;
                st[depth].key[0] = '\0';
                st[depth].index = 0;
                st[depth].want_key = ch == '{';
            }
            depth++;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        } else if (ch == ':' && depth > 0 && depth <= 64) {
            st[depth - 1].want_key = 0;
        } else if (ch == ',' && depth > 0 && depth <= 64) {
            if (st[depth - 1].type == '{')
                st[depth - 1].want_key = 1;
            else
                st[depth - 1].index++;
        }
    }
    for (int d = 0; d < depth && d < 64 && n < cap; d++) {
        int w = st[d].type == '{'
                    ? snprintf(out + n, cap - n, "%s%s", n ? "." : "", st[d].key)
                    : snprintf(out + n, cap - n, "[%ld]", st[d].index);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

json_t *pt_jv_load_file(const char *file, struct pt_diag *diag)
{
    json_error_t e;
    json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &e);
    if (root)
        return root;
    if (e.line <= 0) {
        pt_diag_add(diag, "%s: %s", file, e.text);
        return NULL;
    }
    char path[512] = "";
    if (strstr(e.text, "duplicate object key") && e.position > 0) {
        FILE *f = fopen(file, "rb");
        char *text = f ? malloc((size_t)e.position + 1) : NULL;
        size_t got = text ? fread(text, 1, (size_t)e.position, f) : 0;
        if (text)
            json_path_at(text, got, got, path, sizeof path);
        free(text);
        if (f)
            fclose(f);
    }
    if (path[0])
        pt_diag_add(diag, "%s: %s: duplicate key (line %d, column %d): each key may appear once",
                    file, path, e.line, e.column);
    else
        pt_diag_add(diag, "%s:%d:%d: %s", file, e.line, e.column, e.text);
    return NULL;
}
