/* The plugins' settings helpers (ptp_settings.h). */
#include "ptp_settings.h"

#include <stdio.h>
#include <string.h>

#include <plantrack/plugin.h>

int ptp_settings_load(const char *text, json_t **out, char *err, size_t cap)
{
    json_error_t je;
    json_t *o = json_loads(text ? text : "{}", JSON_REJECT_DUPLICATES, &je);
    *out = NULL;
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return ptp_fail(err, cap, "settings: %s", o ? "expected an object" : je.text);
    }
    *out = o;
    return 0;
}

int ptp_one_of(const char *s, const char *const *names)
{
    for (int i = 0; s && names[i]; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

const char *ptp_unknown_key(json_t *o, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (ptp_one_of(k, keys) < 0)
            return k;
    }
    return NULL;
}

int ptp_get_text(json_t *o, const char *key, char *dst, size_t cap, const char *def, char *err,
                 size_t ecap)
{
    json_t *s = json_object_get(o, key);
    if (s && (!json_is_string(s) || json_string_length(s) >= cap))
        return ptp_fail(err, ecap, "settings.%s: expected a short text", key);
    snprintf(dst, cap, "%s", s ? json_string_value(s) : def);
    return 0;
}

int ptp_is_url(const char *u)
{
    return !strncmp(u, "http://", 7) || !strncmp(u, "https://", 8) || !strncmp(u, "file://", 7);
}

void ptp_join_path(char *out, size_t cap, const char *dir, const char *f)
{
    if (f[0] == '/' || !dir)
        snprintf(out, cap, "%s", f);
    else
        snprintf(out, cap, "%s/%s", dir, f);
}
