/* The seen-digests set (ptp_seen.h): a small most-recent-first list of
 * (digest, name). Linear scans: the set holds a few hundred entries. */
#include "ptp_seen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t ptp_digest(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int ptp_seen_init(struct ptp_seen *s, int max, size_t name_cap, int scrub, int undo)
{
    memset(s, 0, sizeof *s);
    s->max = max;
    s->name_cap = name_cap < PTP_SEEN_NAME_MAX ? name_cap : PTP_SEEN_NAME_MAX;
    s->scrub = scrub;
    s->e = calloc((size_t)max, sizeof *s->e);
    if (undo)
        s->undo = calloc((size_t)max, sizeof *s->undo);
    return s->e && (!undo || s->undo) ? 0 : -1;
}

void ptp_seen_free(struct ptp_seen *s)
{
    free(s->e);
    free(s->undo);
    s->e = s->undo = NULL;
    s->n = s->nundo = 0;
}

int ptp_seen_has(const struct ptp_seen *s, uint64_t d)
{
    for (int i = 0; i < s->n; i++)
        if (s->e[i].digest == d)
            return 1;
    return 0;
}

void ptp_seen_load(struct ptp_seen *s, uint64_t d, const char *name)
{
    if (s->n >= s->max)
        return;
    s->e[s->n].digest = d;
    snprintf(s->e[s->n].name, s->name_cap, "%s", name);
    s->n++;
}

void ptp_seen_remember(struct ptp_seen *s, const char *name, uint64_t d)
{
    struct ptp_seen_entry e = {.digest = d};
    snprintf(e.name, s->name_cap, "%s", name);
    if (s->scrub)
        for (char *p = e.name; *p; p++)
            if ((unsigned char)*p < 0x20)
                *p = '_';
    int keep = 0;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->e[i].name, e.name) && keep < s->max - 1)
            s->e[keep++] = s->e[i];
    memmove(s->e + 1, s->e, (size_t)keep * sizeof s->e[0]);
    s->e[0] = e;
    s->n = keep + 1;
}

void ptp_seen_mark(struct ptp_seen *s)
{
    if (!s->undo)
        return;
    memcpy(s->undo, s->e, (size_t)s->n * sizeof s->e[0]);
    s->nundo = s->n;
}

void ptp_seen_rollback(struct ptp_seen *s)
{
    if (!s->undo)
        return;
    memcpy(s->e, s->undo, (size_t)s->nundo * sizeof s->e[0]);
    s->n = s->nundo;
}

void ptp_seen_hex(const struct ptp_seen *s, int i, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)s->e[i].digest);
}
