/* Validating JSON documents with the JSON path in every message. jansson
 * reports line and column only; configuration and catalogue errors must say
 * "file: indicators[4].target.year: …" so the operator can find the spot.
 * Problems accumulate in a pt_diag so one run reports all of them. */
#ifndef PT_JSONV_H
#define PT_JSONV_H

#include <jansson.h>
#include <stddef.h>

/* A growing list of messages, one per line. */
struct pt_diag {
    char *buf; /* NUL-terminated lines; owned, freed by pt_diag_free */
    size_t len, cap;
    int count;
};

void pt_diag_add(struct pt_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_diag_free(struct pt_diag *d);

struct pt_jv {
    const char *file;     /* named in every message */
    char path[512];       /* the JSON path being looked at */
    size_t pathlen;
    struct pt_diag *diag; /* where problems go */
};

void pt_jv_init(struct pt_jv *jv, const char *file, struct pt_diag *diag);
/* Descend into a key or an index; returns the mark to pass to pt_jv_pop. */
size_t pt_jv_key(struct pt_jv *jv, const char *key);
size_t pt_jv_index(struct pt_jv *jv, size_t i);
void pt_jv_pop(struct pt_jv *jv, size_t mark);
/* Reports "file: path: message" at the current path (or at path.key). */
void pt_jv_error(struct pt_jv *jv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_jv_error_at(struct pt_jv *jv, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports every key of obj that is in neither allowed nor required (both
 * NULL-terminated). Missing required keys are left to the typed getters
 * (called with required set), so each problem is reported once. Returns the
 * number of problems. */
int pt_jv_keys(struct pt_jv *jv, json_t *obj, const char *const *allowed,
               const char *const *required);

/* Typed getters: each reports a missing (when required) or mistyped member
 * and returns 0 when the value was stored in *out, 1 when absent or null
 * (and allowed to be), -1 on a problem. Strings point into obj. */
int pt_jv_string(struct pt_jv *jv, json_t *obj, const char *key, int required, const char **out);
int pt_jv_int(struct pt_jv *jv, json_t *obj, const char *key, int required, long long min,
              long long max, long long *out);
int pt_jv_number(struct pt_jv *jv, json_t *obj, const char *key, int required, double *out);
int pt_jv_bool(struct pt_jv *jv, json_t *obj, const char *key, int required, int *out);
/* One of values (NULL-terminated); *out is its index. */
int pt_jv_enum(struct pt_jv *jv, json_t *obj, const char *key, int required,
               const char *const *values, int *out);
/* An object or array member; *out borrows it. */
int pt_jv_object(struct pt_jv *jv, json_t *obj, const char *key, int required, json_t **out);
int pt_jv_array(struct pt_jv *jv, json_t *obj, const char *key, int required, json_t **out);

/* A slug: 1-64 characters of [a-z0-9_-], starting with a letter or digit. */
int pt_is_slug(const char *s);

/* Loads a JSON file rejecting duplicate keys; on failure reports
 * "file:line:column: message" and returns NULL. The caller owns the result. */
json_t *pt_jv_load_file(const char *file, struct pt_diag *diag);

#endif
