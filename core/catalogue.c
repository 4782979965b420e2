/* The catalogue: validating a catalogue file, loading it into the store and
 * reading it back. Validation runs over the whole document before anything
 * is written, and the write is one transaction: nothing is half-loaded. */
#include "catalogue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "units.h"

/* ---- validation -------------------------------------------------------- */

static const char *const directions[] = {"up", "down", NULL};
static const char *const attributes[] = {"expected", "binding", NULL};
static const char *const origins[] = {"table", "text", NULL};
static const char *const qualifiers[] = {"exactly", "at_least", "at_most", "about", NULL};
static const char *const cadences[] = {"annual", "quarterly", "monthly", NULL};
static const char *const starrable[] = {"base", "target", "annual_rate", "cumulative", NULL};

/* A one-line text (name, unit, address): no control characters, bounded. */
static int check_line(struct pt_jv *jv, json_t *obj, const char *key, int required,
                      size_t max, const char **out)
{
    const char *s = NULL;
    int rc = pt_jv_string(jv, obj, key, required, &s);
    if (rc)
        return rc;
    if (required && !*s) {
        pt_jv_error_at(jv, key, "must not be empty");
        return -1;
    }
    if (strlen(s) >= max) {
        pt_jv_error_at(jv, key, "longer than %zu bytes", max - 1);
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            pt_jv_error_at(jv, key, "contains a control character");
            return -1;
        }
    if (out)
        *out = s;
    return 0;
}

static int check_slug(struct pt_jv *jv, json_t *obj, const char *key, const char **out)
{
    const char *s = NULL;
    int rc = pt_jv_string(jv, obj, key, 1, &s);
    if (rc)
        return rc;
    if (!pt_is_slug(s)) {
        pt_jv_error_at(jv, key, "\"%s\" is not a slug (1-64 of a-z, 0-9, - and _)", s);
        return -1;
    }
    *out = s;
    return 0;
}

static int check_unit(struct pt_jv *jv, json_t *obj, const char *key, int required)
{
    const char *u = NULL;
    int rc = check_line(jv, obj, key, required, 32, &u);
    if (rc)
        return rc;
    if (!pt_unit_find(u)) {
        pt_jv_error_at(jv, key, "unknown unit \"%s\" (see the unit table in core/units.c)", u);
        return -1;
    }
    return 0;
}

static int check_date(struct pt_jv *jv, json_t *obj, const char *key, int required)
{
    const char *s = NULL;
    int rc = pt_jv_string(jv, obj, key, required, &s);
    if (rc)
        return rc;
    int y, m, d;
    char tail;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(s) != 10 || m < 1 ||
        m > 12 || d < 1 || d > 31) {
        pt_jv_error_at(jv, key, "\"%s\" is not a date (YYYY-MM-DD)", s);
        return -1;
    }
    return 0;
}

/* {value, unit, printed} of the rate and cumulative columns. */
static void check_figure(struct pt_jv *jv, json_t *ind, const char *key)
{
    json_t *o;
    if (pt_jv_object(jv, ind, key, 0, &o))
        return;
    size_t m = pt_jv_key(jv, key);
    static const char *const req[] = {"value", "unit", NULL};
    static const char *const opt[] = {"printed", NULL};
    pt_jv_keys(jv, o, opt, req);
    double v;
    const char *s;
    pt_jv_number(jv, o, "value", 1, &v);
    check_unit(jv, o, "unit", 1);
    check_line(jv, o, "printed", 0, 64, &s);
    pt_jv_pop(jv, m);
}

struct plan_years {
    long long base, start, end;
};

static void check_plan(struct pt_jv *jv, json_t *doc, struct plan_years *py)
{
    json_t *plan;
    py->base = py->start = py->end = 0;
    if (pt_jv_object(jv, doc, "plan", 1, &plan))
        return;
    size_t m = pt_jv_key(jv, "plan");
    static const char *const req[] = {"id",         "name_zh",  "name_en",  "city",   "base_year",
                                      "start_year", "end_year", "timezone", "source", NULL};
    pt_jv_keys(jv, plan, NULL, req);
    const char *s;
    check_slug(jv, plan, "id", &s);
    check_slug(jv, plan, "city", &s);
    check_line(jv, plan, "name_zh", 1, PT_NAME_MAX, NULL);
    check_line(jv, plan, "name_en", 1, PT_NAME_MAX, NULL);
    check_line(jv, plan, "timezone", 1, 64, NULL);
    check_line(jv, plan, "source", 1, 1024, NULL);
    int ok = !pt_jv_int(jv, plan, "base_year", 1, 1900, 2200, &py->base);
    ok &= !pt_jv_int(jv, plan, "start_year", 1, 1900, 2200, &py->start);
    ok &= !pt_jv_int(jv, plan, "end_year", 1, 1900, 2200, &py->end);
    if (ok && !(py->base < py->start && py->start <= py->end))
        pt_jv_error(jv, "years must satisfy base_year < start_year <= end_year (%lld, %lld, %lld)",
                    py->base, py->start, py->end);
    if (!ok)
        py->base = py->start = py->end = 0;
    pt_jv_pop(jv, m);
}

static void check_readings(struct pt_jv *jv, json_t *doc)
{
    json_t *arr, *r;
    size_t i;
    if (pt_jv_array(jv, doc, "readings", 0, &arr))
        return;
    size_t m = pt_jv_key(jv, "readings");
    static const char *const req[] = {"topic", "reading", "why", NULL};
    json_array_foreach(arr, i, r)
    {
        size_t mi = pt_jv_index(jv, i);
        const char *s;
        if (!json_is_object(r)) {
            pt_jv_error(jv, "expected an object");
        } else {
            pt_jv_keys(jv, r, NULL, req);
            for (int k = 0; req[k]; k++)
                pt_jv_string(jv, r, req[k], 1, &s);
        }
        pt_jv_pop(jv, mi);
    }
    pt_jv_pop(jv, m);
}

/* Returns the note numbers found, for the indicators' references. */
static int check_notes(struct pt_jv *jv, json_t *doc, long long *nos, int cap)
{
    json_t *arr, *note;
    size_t i;
    int n = 0;
    if (pt_jv_array(jv, doc, "notes", 0, &arr))
        return 0;
    size_t m = pt_jv_key(jv, "notes");
    static const char *const req[] = {"no", "text_zh", "text_en", "applies_to", NULL};
    static const char *const opt[] = {"reading", NULL};
    json_array_foreach(arr, i, note)
    {
        size_t mi = pt_jv_index(jv, i);
        long long no;
        const char *s;
        json_t *applies;
        if (!json_is_object(note)) {
            pt_jv_error(jv, "expected an object");
            pt_jv_pop(jv, mi);
            continue;
        }
        pt_jv_keys(jv, note, opt, req);
        if (!pt_jv_int(jv, note, "no", 1, 1, 1000, &no)) {
            for (int k = 0; k < n; k++)
                if (nos[k] == no)
                    pt_jv_error_at(jv, "no", "duplicate note number %lld", no);
            if (n < cap)
                nos[n++] = no;
        }
        pt_jv_string(jv, note, "text_zh", 1, &s);
        pt_jv_string(jv, note, "text_en", 1, &s);
        pt_jv_string(jv, note, "reading", 0, &s);
        if (!pt_jv_array(jv, note, "applies_to", 1, &applies)) {
            size_t j;
            json_t *v;
            json_array_foreach(applies, j, v) if (!json_is_integer(v))
            {
                size_t ma = pt_jv_key(jv, "applies_to");
                pt_jv_index(jv, j);
                pt_jv_error(jv, "expected an indicator number");
                pt_jv_pop(jv, ma);
            }
        }
        pt_jv_pop(jv, mi);
    }
    pt_jv_pop(jv, m);
    return n;
}

static void check_bureaus(struct pt_jv *jv, json_t *doc)
{
    json_t *arr, *b;
    size_t i;
    if (pt_jv_array(jv, doc, "bureaus", 1, &arr))
        return;
    size_t m = pt_jv_key(jv, "bureaus");
    static const char *const req[] = {"id", "name_zh", "name_en", "email", NULL};
    json_array_foreach(arr, i, b)
    {
        size_t mi = pt_jv_index(jv, i);
        const char *id, *email;
        if (!json_is_object(b)) {
            pt_jv_error(jv, "expected an object");
            pt_jv_pop(jv, mi);
            continue;
        }
        pt_jv_keys(jv, b, NULL, req);
        if (!check_slug(jv, b, "id", &id))
            for (size_t k = 0; k < i; k++) {
                json_t *other = json_object_get(json_array_get(arr, k), "id");
                if (json_is_string(other) && strcmp(json_string_value(other), id) == 0)
                    pt_jv_error_at(jv, "id", "duplicate bureau id \"%s\" (also bureaus[%zu])",
                                   id, k);
            }
        check_line(jv, b, "name_zh", 1, PT_NAME_MAX, NULL);
        check_line(jv, b, "name_en", 1, PT_NAME_MAX, NULL);
        if (!check_line(jv, b, "email", 1, 255, &email) && !pt_text_email_ok(email))
            pt_jv_error_at(jv, "email",
                           "\"%s\" is not an e-mail address mail can go to (a bare address, "
                           "ASCII, its domain in letters, digits, - and .)",
                           email);
        pt_jv_pop(jv, mi);
    }
    pt_jv_pop(jv, m);
}

static int bureau_known(json_t *doc, const char *id)
{
    json_t *b;
    size_t i;
    json_array_foreach(json_object_get(doc, "bureaus"), i, b)
    {
        json_t *v = json_object_get(b, "id");
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
            return 1;
    }
    return 0;
}

static void check_target_revisions(struct pt_jv *jv, json_t *ind, const struct plan_years *py)
{
    json_t *arr, *r;
    size_t i;
    if (pt_jv_array(jv, ind, "target_revisions", 0, &arr))
        return;
    size_t m = pt_jv_key(jv, "target_revisions");
    static const char *const req[] = {"year", "value", "source", "date", NULL};
    static const char *const opt[] = {"qualifier", NULL};
    json_array_foreach(arr, i, r)
    {
        size_t mi = pt_jv_index(jv, i);
        long long y;
        double v;
        int q;
        if (json_is_object(r)) {
            pt_jv_keys(jv, r, opt, req);
            if (!pt_jv_int(jv, r, "year", 1, 1900, 2200, &y) && py->start && y < py->start)
                pt_jv_error_at(jv, "year", "%lld is before the plan starts (%lld)", y, py->start);
            pt_jv_number(jv, r, "value", 1, &v);
            pt_jv_enum(jv, r, "qualifier", 0, qualifiers, &q);
            check_line(jv, r, "source", 1, 1024, NULL);
            check_date(jv, r, "date", 1);
        } else {
            pt_jv_error(jv, "expected an object");
        }
        pt_jv_pop(jv, mi);
    }
    pt_jv_pop(jv, m);
}

static void check_indicator(struct pt_jv *jv, json_t *doc, json_t *ind,
                            const struct plan_years *py, const long long *notes, int nnotes)
{
    static const char *const req[] = {"no",        "id",        "category", "name_zh",
                                      "name_en",   "unit",      "kind",     "direction",
                                      "target",    "attribute", "cadence",  "bureau",
                                      NULL};
    static const char *const opt[] = {"origin",        "quote",          "category_zh",
                                      "base",          "annual_rate",    "cumulative",
                                      "attribute_printed", "attribute_source", "starred",
                                      "alert_margin",  "seasonal",       "notes",
                                      "reading",       "restated_in_text", "target_revisions",
                                      NULL};
    pt_jv_keys(jv, ind, opt, req);
    long long no;
    const char *s;
    int kind = -1, e;
    double margin;
    pt_jv_int(jv, ind, "no", 1, 1, 9999, &no);
    check_slug(jv, ind, "id", &s);
    check_slug(jv, ind, "category", &s);
    check_line(jv, ind, "category_zh", 0, PT_NAME_MAX, NULL);
    check_line(jv, ind, "name_zh", 1, PT_NAME_MAX, NULL);
    check_line(jv, ind, "name_en", 1, PT_NAME_MAX, NULL);
    check_unit(jv, ind, "unit", 1);
    pt_jv_enum(jv, ind, "kind", 1, pt_kind_names, &kind);
    pt_jv_enum(jv, ind, "direction", 1, directions, &e);
    pt_jv_enum(jv, ind, "attribute", 1, attributes, &e);
    pt_jv_enum(jv, ind, "origin", 0, origins, &e);
    pt_jv_string(jv, ind, "quote", 0, &s);
    pt_jv_string(jv, ind, "attribute_printed", 0, &s);
    pt_jv_string(jv, ind, "attribute_source", 0, &s);
    pt_jv_string(jv, ind, "reading", 0, &s);
    if (!pt_jv_number(jv, ind, "alert_margin", 0, &margin) && margin < 0)
        pt_jv_error_at(jv, "alert_margin", "must not be negative");
    pt_jv_bool(jv, ind, "seasonal", 0, &e);
    if (!pt_jv_string(jv, ind, "bureau", 1, &s) && !bureau_known(doc, s))
        pt_jv_error_at(jv, "bureau", "unknown bureau \"%s\" (not in bureaus)", s);

    /* base and target, and their order in time */
    json_t *base = NULL, *target = NULL, *o;
    long long by = py->base, ty = 0;
    double bv = 0, tv = 0;
    int has_bv = 0, has_tv = 0;
    if (!pt_jv_object(jv, ind, "base", 0, &base)) {
        size_t m = pt_jv_key(jv, "base");
        static const char *const breq[] = {"year", NULL};
        static const char *const bopt[] = {"value", "printed", NULL};
        pt_jv_keys(jv, base, bopt, breq);
        pt_jv_int(jv, base, "year", 1, 1900, 2200, &by);
        has_bv = pt_jv_number(jv, base, "value", 0, &bv) == 0;
        pt_jv_string(jv, base, "printed", 0, &s);
        pt_jv_pop(jv, m);
    }
    if (!pt_jv_object(jv, ind, "target", 1, &target)) {
        size_t m = pt_jv_key(jv, "target");
        static const char *const treq[] = {"year", "value", NULL};
        static const char *const topt[] = {"printed", "qualifier", NULL};
        pt_jv_keys(jv, target, topt, treq);
        if (!pt_jv_int(jv, target, "year", 1, 1900, 2200, &ty) && py->start && ty < py->start)
            pt_jv_error_at(jv, "year", "%lld is before the plan starts (%lld)", ty, py->start);
        has_tv = pt_jv_number(jv, target, "value", 1, &tv) == 0;
        pt_jv_string(jv, target, "printed", 0, &s);
        pt_jv_enum(jv, target, "qualifier", 0, qualifiers, &e);
        pt_jv_pop(jv, m);
    }
    if (by && ty && by >= ty)
        pt_jv_error_at(jv, "base", "base year %lld is not before the target year %lld", by, ty);
    if (kind == PT_KIND_LEVEL && !has_bv)
        pt_jv_error_at(jv, "base", "a level indicator needs a base value to draw its path from");
    if (kind == PT_KIND_CUMULATIVE_CHANGE && has_tv && tv <= -100)
        pt_jv_error_at(jv, "target", "a cumulative change cannot be %g%% or less", tv);

    check_figure(jv, ind, "annual_rate");
    check_figure(jv, ind, "cumulative");

    if (!pt_jv_object(jv, ind, "cadence", 1, &o)) {
        size_t m = pt_jv_key(jv, "cadence");
        static const char *const creq[] = {"frequency", "release_month", NULL};
        long long rm;
        pt_jv_keys(jv, o, NULL, creq);
        pt_jv_enum(jv, o, "frequency", 1, cadences, &e);
        pt_jv_int(jv, o, "release_month", 1, 1, 12, &rm);
        pt_jv_pop(jv, m);
    }

    json_t *arr, *v;
    size_t i;
    if (!pt_jv_array(jv, ind, "starred", 0, &arr)) {
        size_t m = pt_jv_key(jv, "starred");
        json_array_foreach(arr, i, v)
        {
            size_t mi = pt_jv_index(jv, i);
            int ok = 0;
            for (int k = 0; json_is_string(v) && starrable[k]; k++)
                ok |= strcmp(json_string_value(v), starrable[k]) == 0;
            if (!ok)
                pt_jv_error(jv, "expected one of base, target, annual_rate, cumulative");
            pt_jv_pop(jv, mi);
        }
        pt_jv_pop(jv, m);
    }
    if (!pt_jv_array(jv, ind, "notes", 0, &arr)) {
        size_t m = pt_jv_key(jv, "notes");
        json_array_foreach(arr, i, v)
        {
            size_t mi = pt_jv_index(jv, i);
            int found = 0;
            for (int k = 0; json_is_integer(v) && k < nnotes; k++)
                found |= notes[k] == json_integer_value(v);
            if (!found)
                pt_jv_error(jv, "not the number of a note in notes");
            pt_jv_pop(jv, mi);
        }
        pt_jv_pop(jv, m);
    }
    if (!pt_jv_object(jv, ind, "restated_in_text", 0, &o)) {
        size_t m = pt_jv_key(jv, "restated_in_text");
        static const char *const rreq[] = {"value", "quote", NULL};
        double rv;
        pt_jv_keys(jv, o, NULL, rreq);
        pt_jv_string(jv, o, "quote", 1, &s);
        if (!pt_jv_number(jv, o, "value", 1, &rv) && has_tv && fabs(rv - tv) > 1e-9)
            pt_jv_error_at(jv, "value", "the text says %g but the target is %g", rv, tv);
        pt_jv_pop(jv, m);
    }
    check_target_revisions(jv, ind, py);
}

/* Duplicate numbers and ids across the indicators. */
static void check_unique(struct pt_jv *jv, json_t *arr)
{
    size_t i, k;
    json_t *a;
    size_t m = pt_jv_key(jv, "indicators");
    json_array_foreach(arr, i, a)
    {
        for (k = 0; k < i; k++) {
            json_t *b = json_array_get(arr, k);
            json_t *an = json_object_get(a, "no"), *bn = json_object_get(b, "no");
            json_t *ai = json_object_get(a, "id"), *bi = json_object_get(b, "id");
            size_t mi = pt_jv_index(jv, i);
            if (json_is_integer(an) && json_is_integer(bn) &&
                json_integer_value(an) == json_integer_value(bn))
                pt_jv_error_at(jv, "no", "duplicate number %lld (also indicators[%zu])",
                               (long long)json_integer_value(an), k);
            if (json_is_string(ai) && json_is_string(bi) &&
                strcmp(json_string_value(ai), json_string_value(bi)) == 0)
                pt_jv_error_at(jv, "id", "duplicate id \"%s\" (also indicators[%zu])",
                               json_string_value(ai), k);
            pt_jv_pop(jv, mi);
        }
    }
    pt_jv_pop(jv, m);
}

int pt_catalogue_parse(const char *file, json_t **out, struct pt_diag *diag)
{
    *out = NULL;
    int before = diag->count;
    json_t *doc = pt_jv_load_file(file, diag);
    if (!doc)
        return PT_ECONFIG;
    struct pt_jv jv;
    pt_jv_init(&jv, file, diag);
    if (!json_is_object(doc)) {
        pt_jv_error(&jv, "expected an object with plan, bureaus and indicators");
        json_decref(doc);
        return PT_ECONFIG;
    }
    static const char *const req[] = {"schema", "plan", "bureaus", "indicators", NULL};
    static const char *const opt[] = {"readings", "notes", NULL};
    pt_jv_keys(&jv, doc, opt, req);
    long long schema;
    pt_jv_int(&jv, doc, "schema", 1, 1, 1, &schema);
    struct plan_years py;
    check_plan(&jv, doc, &py);
    check_readings(&jv, doc);
    long long notes[64];
    int nnotes = check_notes(&jv, doc, notes, 64);
    check_bureaus(&jv, doc);
    json_t *arr, *ind;
    size_t i;
    if (!pt_jv_array(&jv, doc, "indicators", 1, &arr)) {
        if (json_array_size(arr) == 0)
            pt_jv_error_at(&jv, "indicators", "no indicators");
        size_t m = pt_jv_key(&jv, "indicators");
        json_array_foreach(arr, i, ind)
        {
            size_t mi = pt_jv_index(&jv, i);
            if (json_is_object(ind))
                check_indicator(&jv, doc, ind, &py, notes, nnotes);
            else
                pt_jv_error(&jv, "expected an object");
            pt_jv_pop(&jv, mi);
        }
        pt_jv_pop(&jv, m);
        check_unique(&jv, arr);
    }
    if (diag->count > before) {
        json_decref(doc);
        return PT_ECONFIG;
    }
    *out = doc;
    return 0;
}

/* ---- loading into the store -------------------------------------------- */

static char *canonical(json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
}

static const char *str_or(json_t *obj, const char *key, const char *dflt)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Runs a prepared write to completion; returns rows changed or an error. */
static int step_write(struct pt_store *st, sqlite3_stmt *s, struct pt_err *err,
                      const char *doing)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return pt_store_fail(st, err, doing);
    return sqlite3_changes(pt_store_db(st));
}

static int load_plan(struct pt_store *st, const char *file, json_t *doc, const char *now,
                     struct pt_catalogue_stats *stats, struct pt_err *err)
{
    json_t *plan = json_object_get(doc, "plan");
    json_t *def = json_pack("{sOsOsO}", "plan", plan, "readings",
                            json_object_get(doc, "readings") ? json_object_get(doc, "readings")
                                                              : json_null(),
                            "notes",
                            json_object_get(doc, "notes") ? json_object_get(doc, "notes")
                                                           : json_null());
    char *defs = def ? canonical(def) : NULL;
    json_decref(def);
    if (!defs)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    sqlite3_stmt *s;
    int rc = pt_store_prepare(
        st,
        "INSERT INTO plans (id, name_zh, name_en, city, base_year, start_year, end_year, "
        "timezone, source, definition, file, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (id) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, "
        "city = excluded.city, base_year = excluded.base_year, start_year = excluded.start_year, "
        "end_year = excluded.end_year, timezone = excluded.timezone, source = excluded.source, "
        "definition = excluded.definition, file = excluded.file, updated_at = excluded.updated_at "
        "WHERE plans.definition IS NOT excluded.definition",
        &s, err);
    if (rc) {
        free(defs);
        return rc;
    }
    bind_text(s, 1, str_or(plan, "id", ""));
    bind_text(s, 2, str_or(plan, "name_zh", ""));
    bind_text(s, 3, str_or(plan, "name_en", ""));
    bind_text(s, 4, str_or(plan, "city", ""));
    sqlite3_bind_int64(s, 5, json_integer_value(json_object_get(plan, "base_year")));
    sqlite3_bind_int64(s, 6, json_integer_value(json_object_get(plan, "start_year")));
    sqlite3_bind_int64(s, 7, json_integer_value(json_object_get(plan, "end_year")));
    bind_text(s, 8, str_or(plan, "timezone", ""));
    bind_text(s, 9, str_or(plan, "source", ""));
    bind_text(s, 10, defs);
    bind_text(s, 11, file);
    bind_text(s, 12, now);
    rc = step_write(st, s, err, "writing the plan");
    sqlite3_finalize(s);
    free(defs);
    if (rc < 0)
        return rc;
    stats->changed += rc;
    return 0;
}

static int load_bureaus(struct pt_store *st, const char *plan_id, json_t *doc,
                        struct pt_catalogue_stats *stats, struct pt_err *err)
{
    sqlite3_stmt *s;
    int rc = pt_store_prepare(
        st,
        "INSERT INTO bureaus (plan_id, id, name_zh, name_en, email) VALUES (?,?,?,?,?) "
        "ON CONFLICT (plan_id, id) DO UPDATE SET name_zh = excluded.name_zh, "
        "name_en = excluded.name_en, email = excluded.email WHERE bureaus.name_zh IS NOT "
        "excluded.name_zh OR bureaus.name_en IS NOT excluded.name_en OR bureaus.email IS NOT "
        "excluded.email",
        &s, err);
    if (rc)
        return rc;
    json_t *b;
    size_t i;
    json_array_foreach(json_object_get(doc, "bureaus"), i, b)
    {
        bind_text(s, 1, plan_id);
        bind_text(s, 2, str_or(b, "id", ""));
        bind_text(s, 3, str_or(b, "name_zh", ""));
        bind_text(s, 4, str_or(b, "name_en", ""));
        bind_text(s, 5, str_or(b, "email", ""));
        if ((rc = step_write(st, s, err, "writing a bureau")) < 0)
            break;
        stats->changed += rc;
        stats->bureaus++;
        rc = 0;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Adds a target vintage unless the same figure from the same source is
 * already the latest of its origin. */
static int load_target(struct pt_store *st, long long key, json_t *t, const char *origin,
                       const char *source, const char *now, struct pt_catalogue_stats *stats,
                       struct pt_err *err)
{
    long long year = json_integer_value(json_object_get(t, "year"));
    double value = json_number_value(json_object_get(t, "value"));
    const char *qualifier = str_or(t, "qualifier", "exactly");
    json_t *printed = json_object_get(t, "printed");
    sqlite3_stmt *s;
    int rc;
    /* Printed targets: compare with the latest printed vintage. Revisions:
     * any revision with the same figure and source counts as present. */
    const char *sql =
        strcmp(origin, "printed") == 0
            ? "SELECT 1 FROM (SELECT year, value, qualifier FROM targets WHERE indicator_key = ?1 "
              "AND origin = 'printed' ORDER BY vintage DESC LIMIT 1) WHERE year = ?2 AND value = ?3 "
              "AND qualifier = ?4"
            : "SELECT 1 FROM targets WHERE indicator_key = ?1 AND origin = 'revision' AND year = "
              "?2 AND value = ?3 AND qualifier = ?4 AND source = ?5";
    if ((rc = pt_store_prepare(st, sql, &s, err)))
        return rc;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, year);
    sqlite3_bind_double(s, 3, value);
    bind_text(s, 4, qualifier);
    if (strcmp(origin, "printed") != 0)
        bind_text(s, 5, source);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return pt_store_fail(st, err, "reading targets");
    if ((rc = pt_store_prepare(
             st,
             "INSERT INTO targets (indicator_key, vintage, year, value, qualifier, printed, "
             "origin, source, recorded_at) VALUES (?1, (SELECT COALESCE(MAX(vintage), 0) + 1 "
             "FROM targets WHERE indicator_key = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
             &s, err)))
        return rc;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, year);
    sqlite3_bind_double(s, 3, value);
    bind_text(s, 4, qualifier);
    if (json_is_string(printed))
        bind_text(s, 5, json_string_value(printed));
    bind_text(s, 6, origin);
    bind_text(s, 7, source);
    bind_text(s, 8, now);
    rc = step_write(st, s, err, "adding a target vintage");
    sqlite3_finalize(s);
    if (rc < 0)
        return rc;
    stats->targets++;
    return 0;
}

static int load_indicators(struct pt_store *st, json_t *doc, const char *now,
                           struct pt_catalogue_stats *stats, struct pt_err *err)
{
    json_t *plan = json_object_get(doc, "plan");
    const char *plan_id = str_or(plan, "id", "");
    sqlite3_stmt *up, *key;
    int rc = pt_store_prepare(
        st,
        "INSERT INTO indicators (plan_id, id, no, origin, category, name_zh, name_en, unit, "
        "kind, direction, base_year, base, attribute, bureau_id, alert_margin, seasonal, "
        "cadence, release_month, active, definition, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?) "
        "ON CONFLICT (plan_id, id) DO UPDATE SET no = excluded.no, origin = excluded.origin, "
        "category = excluded.category, name_zh = excluded.name_zh, name_en = excluded.name_en, "
        "unit = excluded.unit, kind = excluded.kind, direction = excluded.direction, "
        "base_year = excluded.base_year, base = excluded.base, attribute = excluded.attribute, "
        "bureau_id = excluded.bureau_id, alert_margin = excluded.alert_margin, "
        "seasonal = excluded.seasonal, cadence = excluded.cadence, "
        "release_month = excluded.release_month, active = 1, definition = excluded.definition, "
        "updated_at = excluded.updated_at "
        "WHERE indicators.definition IS NOT excluded.definition OR indicators.active = 0",
        &up, err);
    if (rc)
        return rc;
    if ((rc = pt_store_prepare(st, "SELECT key FROM indicators WHERE plan_id = ? AND id = ?",
                               &key, err))) {
        sqlite3_finalize(up);
        return rc;
    }
    json_t *ind;
    size_t i;
    long long plan_base = json_integer_value(json_object_get(plan, "base_year"));
    json_array_foreach(json_object_get(doc, "indicators"), i, ind)
    {
        json_t *base = json_object_get(ind, "base");
        json_t *cad = json_object_get(ind, "cadence");
        json_t *bv = base ? json_object_get(base, "value") : NULL;
        json_t *margin = json_object_get(ind, "alert_margin");
        char *def = canonical(ind);
        if (!def) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            break;
        }
        bind_text(up, 1, plan_id);
        bind_text(up, 2, str_or(ind, "id", ""));
        sqlite3_bind_int64(up, 3, json_integer_value(json_object_get(ind, "no")));
        bind_text(up, 4, str_or(ind, "origin", "table"));
        bind_text(up, 5, str_or(ind, "category", ""));
        bind_text(up, 6, str_or(ind, "name_zh", ""));
        bind_text(up, 7, str_or(ind, "name_en", ""));
        bind_text(up, 8, pt_unit_find(str_or(ind, "unit", ""))->name);
        bind_text(up, 9, str_or(ind, "kind", ""));
        bind_text(up, 10, str_or(ind, "direction", ""));
        sqlite3_bind_int64(up, 11, base && json_object_get(base, "year")
                                       ? json_integer_value(json_object_get(base, "year"))
                                       : plan_base);
        if (json_is_number(bv))
            sqlite3_bind_double(up, 12, json_number_value(bv));
        else
            sqlite3_bind_null(up, 12);
        bind_text(up, 13, str_or(ind, "attribute", ""));
        bind_text(up, 14, str_or(ind, "bureau", ""));
        sqlite3_bind_double(up, 15, json_is_number(margin) ? json_number_value(margin) : 0);
        sqlite3_bind_int(up, 16, json_is_true(json_object_get(ind, "seasonal")));
        bind_text(up, 17, str_or(cad, "frequency", ""));
        sqlite3_bind_int64(up, 18, json_integer_value(json_object_get(cad, "release_month")));
        bind_text(up, 19, def);
        bind_text(up, 20, now);
        rc = step_write(st, up, err, "writing an indicator");
        free(def);
        if (rc < 0)
            break;
        stats->changed += rc;
        stats->indicators++;

        bind_text(key, 1, plan_id);
        bind_text(key, 2, str_or(ind, "id", ""));
        if (sqlite3_step(key) != SQLITE_ROW) {
            rc = pt_store_fail(st, err, "reading an indicator back");
            break;
        }
        long long k = sqlite3_column_int64(key, 0);
        sqlite3_reset(key);

        const char *printed_source = strcmp(str_or(ind, "origin", "table"), "text") == 0
                                         ? "plan text"
                                         : "plan table";
        char src[1200];
        snprintf(src, sizeof src, "%s: %s", printed_source, str_or(plan, "source", ""));
        if ((rc = load_target(st, k, json_object_get(ind, "target"), "printed", src, now, stats,
                              err)))
            break;
        json_t *rev;
        size_t j;
        json_array_foreach(json_object_get(ind, "target_revisions"), j, rev)
        {
            char rsrc[1200];
            snprintf(rsrc, sizeof rsrc, "%s (%s)", str_or(rev, "source", ""),
                     str_or(rev, "date", ""));
            if ((rc = load_target(st, k, rev, "revision", rsrc, now, stats, err)))
                break;
        }
        if (rc)
            break;
    }
    sqlite3_finalize(up);
    sqlite3_finalize(key);
    if (rc < 0)
        return rc;

    /* Indicators no longer in the file keep their actuals but leave the
     * status: retired, not deleted. */
    sqlite3_stmt *s;
    if ((rc = pt_store_prepare(st, "SELECT id FROM indicators WHERE plan_id = ? AND active = 1",
                               &s, err)))
        return rc;
    bind_text(s, 1, plan_id);
    char retire[256][PT_SLUG_MAX];
    int nretire = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        int found = 0;
        json_array_foreach(json_object_get(doc, "indicators"), i, ind) found |=
            strcmp(str_or(ind, "id", ""), id) == 0;
        if (!found && nretire < 256)
            snprintf(retire[nretire++], PT_SLUG_MAX, "%s", id);
    }
    sqlite3_finalize(s);
    if ((rc = pt_store_prepare(st,
                               "UPDATE indicators SET active = 0, updated_at = ? "
                               "WHERE plan_id = ? AND id = ?",
                               &s, err)))
        return rc;
    for (int r = 0; r < nretire; r++) {
        bind_text(s, 1, now);
        bind_text(s, 2, plan_id);
        bind_text(s, 3, retire[r]);
        if ((rc = step_write(st, s, err, "retiring an indicator")) < 0)
            break;
        stats->retired++;
        rc = 0;
    }
    sqlite3_finalize(s);
    return rc;
}

int pt_catalogue_load(struct pt_store *st, const char *file, json_t *doc,
                      struct pt_catalogue_stats *stats, struct pt_err *err)
{
    memset(stats, 0, sizeof *stats);
    char now[32];
    pt_store_now(now);
    int rc = pt_store_begin(st, err);
    if (rc)
        return rc;
    const char *plan_id = str_or(json_object_get(doc, "plan"), "id", "");
    if ((rc = load_plan(st, file, doc, now, stats, err)) ||
        (rc = load_bureaus(st, plan_id, doc, stats, err)) ||
        (rc = load_indicators(st, doc, now, stats, err)) || (rc = pt_store_commit(st, err))) {
        pt_store_rollback(st);
        return rc;
    }
    return 0;
}

/* ---- reading back ------------------------------------------------------ */

static void copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

static int lookup(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return 0;
}

int pt_catalogue_read(struct pt_store *st, struct pt_catalogue **out, struct pt_err *err)
{
    *out = NULL;
    struct pt_catalogue *cat = calloc(1, sizeof *cat);
    if (!cat)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    sqlite3_stmt *s;
    int rc = pt_store_prepare(st,
                              "SELECT id, name_zh, name_en, city, base_year, start_year, "
                              "end_year, timezone FROM plans ORDER BY start_year, id",
                              &s, err);
    if (rc)
        goto fail;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct pt_plan *p = realloc(cat->plans, (size_t)(cat->nplans + 1) * sizeof *p);
        if (!p) {
            sqlite3_finalize(s);
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto fail;
        }
        cat->plans = p;
        p = &cat->plans[cat->nplans++];
        copy_col(p->id, sizeof p->id, s, 0);
        copy_col(p->name_zh, sizeof p->name_zh, s, 1);
        copy_col(p->name_en, sizeof p->name_en, s, 2);
        copy_col(p->city, sizeof p->city, s, 3);
        p->base_year = sqlite3_column_int(s, 4);
        p->start_year = sqlite3_column_int(s, 5);
        p->end_year = sqlite3_column_int(s, 6);
        copy_col(p->timezone, sizeof p->timezone, s, 7);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        rc = pt_store_fail(st, err, "reading plans");
        goto fail;
    }
    rc = pt_store_prepare(
        st,
        "SELECT i.key, i.plan_id, i.no, i.id, i.category, i.name_zh, i.name_en, i.unit, i.kind, "
        "i.direction, i.base_year, i.base, i.attribute, i.bureau_id, i.alert_margin, i.seasonal, "
        "i.cadence, i.release_month, t.vintage, t.year, t.value, t.qualifier "
        "FROM indicators i JOIN plans p ON p.id = i.plan_id "
        "JOIN targets t ON t.indicator_key = i.key AND t.vintage = "
        "(SELECT MAX(vintage) FROM targets WHERE indicator_key = i.key) "
        "WHERE i.active ORDER BY p.start_year, i.plan_id, i.no",
        &s, err);
    if (rc)
        goto fail;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct pt_indicator *ind = realloc(cat->ind, (size_t)(cat->nind + 1) * sizeof *ind);
        if (!ind) {
            sqlite3_finalize(s);
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto fail;
        }
        cat->ind = ind;
        ind = &cat->ind[cat->nind++];
        memset(ind, 0, sizeof *ind);
        ind->key = sqlite3_column_int64(s, 0);
        copy_col(ind->plan_id, sizeof ind->plan_id, s, 1);
        ind->no = sqlite3_column_int(s, 2);
        copy_col(ind->id, sizeof ind->id, s, 3);
        copy_col(ind->category, sizeof ind->category, s, 4);
        copy_col(ind->name_zh, sizeof ind->name_zh, s, 5);
        copy_col(ind->name_en, sizeof ind->name_en, s, 6);
        copy_col(ind->unit, sizeof ind->unit, s, 7);
        ind->path.kind = (enum pt_kind)lookup(pt_kind_names, (const char *)sqlite3_column_text(s, 8));
        ind->path.direction = strcmp((const char *)sqlite3_column_text(s, 9), "down") ? 1 : -1;
        ind->path.base_year = sqlite3_column_int(s, 10);
        ind->path.has_base = sqlite3_column_type(s, 11) != SQLITE_NULL;
        ind->path.base = sqlite3_column_double(s, 11);
        ind->binding = strcmp((const char *)sqlite3_column_text(s, 12), "binding") == 0;
        copy_col(ind->bureau, sizeof ind->bureau, s, 13);
        ind->path.margin = sqlite3_column_double(s, 14);
        ind->path.seasonal = sqlite3_column_int(s, 15);
        copy_col(ind->cadence, sizeof ind->cadence, s, 16);
        ind->release_month = sqlite3_column_int(s, 17);
        ind->target_vintage = sqlite3_column_int(s, 18);
        ind->path.target_year = sqlite3_column_int(s, 19);
        ind->path.target = sqlite3_column_double(s, 20);
        copy_col(ind->qualifier, sizeof ind->qualifier, s, 21);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        rc = pt_store_fail(st, err, "reading indicators");
        goto fail;
    }
    *out = cat;
    return 0;
fail:
    pt_catalogue_free(cat);
    return rc;
}

void pt_catalogue_free(struct pt_catalogue *cat)
{
    if (!cat)
        return;
    free(cat->plans);
    free(cat->ind);
    free(cat);
}

const struct pt_plan *pt_catalogue_plan(const struct pt_catalogue *cat, const char *id)
{
    for (int i = 0; i < cat->nplans; i++)
        if (strcmp(cat->plans[i].id, id) == 0)
            return &cat->plans[i];
    return NULL;
}

const struct pt_plan *pt_catalogue_current_plan(const struct pt_catalogue *cat, int today)
{
    const struct pt_plan *running = NULL, *ended = NULL, *future = NULL;
    for (int i = 0; i < cat->nplans; i++) {
        const struct pt_plan *p = &cat->plans[i];
        if (p->start_year <= today && today <= p->end_year)
            running = p;
        else if (p->end_year < today && (!ended || p->end_year > ended->end_year))
            ended = p;
        else if (p->start_year > today && (!future || p->start_year < future->start_year))
            future = p;
    }
    return running ? running : ended ? ended : future;
}

const struct pt_indicator *pt_catalogue_find(const struct pt_catalogue *cat, const char *plan,
                                             const char *ref, struct pt_err *err)
{
    char *end;
    long no = strtol(ref, &end, 10);
    int by_no = *ref && !*end;
    const struct pt_indicator *found = NULL;
    for (int i = 0; i < cat->nind; i++) {
        const struct pt_indicator *ind = &cat->ind[i];
        if (plan && strcmp(ind->plan_id, plan) != 0)
            continue;
        if (by_no ? ind->no != no : strcmp(ind->id, ref) != 0)
            continue;
        if (found) {
            pt_err_set(err, PT_EINVAL,
                       "indicator \"%s\" is in plans %s and %s: name the plan", ref,
                       found->plan_id, ind->plan_id);
            return NULL;
        }
        found = ind;
    }
    if (!found)
        pt_err_set(err, PT_ENOTFOUND,
                   "unknown indicator \"%s\"%s%s (see plantrack indicators for ids and numbers)",
                   ref, plan ? " in plan " : "", plan ? plan : "");
    return found;
}
