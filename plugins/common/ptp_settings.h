/* What the plugins' settings parsers share: the settings object itself,
 * small getters and checks, and (ptp_error.h) the "settings.x: what is
 * wrong" error. Not the keys and their meaning: those stay each plugin's. */
#ifndef PTP_SETTINGS_H
#define PTP_SETTINGS_H

#include <jansson.h>
#include <stddef.h>

#include "ptp_error.h"

/* The settings text (NULL reads as "{}") as a JSON object, duplicate keys
 * refused: 0 with *out set (the caller json_decref's it), or PTP_ECONFIG
 * with "settings: why" in err and *out NULL. */
int ptp_settings_load(const char *text, json_t **out, char *err, size_t cap);

/* The index of s in the NULL-terminated names, or -1 (also for s NULL). */
int ptp_one_of(const char *s, const char *const *names);

/* The first key of object o (in its order) that is not in the
 * NULL-terminated keys, or NULL. */
const char *ptp_unknown_key(json_t *o, const char *const *keys);

/* Key `key` of o, a string shorter than cap, copied into dst; def when o
 * has no such key. PTP_ECONFIG with "settings.KEY: expected a short text"
 * in err otherwise (dst untouched). */
int ptp_get_text(json_t *o, const char *key, char *dst, size_t cap, const char *def, char *err,
                 size_t ecap);

/* An http://, https:// or file:// URL. */
int ptp_is_url(const char *u);

/* f relative to dir (the configuration's folder) unless absolute or dir is
 * NULL. */
void ptp_join_path(char *out, size_t cap, const char *dir, const char *f);

#endif
