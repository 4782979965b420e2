/* What every water fuzz target checks beside "no crash, no leak": the
 * promises the parsers' headers make about what they return. abort() makes
 * a broken promise a libFuzzer crash. */
#ifndef PT_WATER_FUZZ_COMMON_H
#define PT_WATER_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "gb3838.h"
#include "release.h"
#include "wqdec.h"

/* A refusal: nothing handed out, a message (NUL-terminated, not empty). */
static inline void check_refusal(const void *rows, size_t n, const char *err, size_t cap)
{
    if (rows != NULL || n != 0 || strnlen(err, cap) == cap || !err[0])
        abort();
}

/* A release: rows sorted, no value twice, one water body per section,
 * every field in range, every value classed, and the value survives the
 * store's double exactly (wqdec.h's promise). */
static inline void check_release(const struct rel_release *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct rel_row *g = &r->rows[i];
        size_t sl = strnlen(g->section, sizeof g->section);
        if (sl == 0 || sl == sizeof g->section || !rel_section_ok(g->section, sl))
            abort();
        if (g->param < 0 || g->param >= GB_NPARAM || g->water < GB_RIVER ||
            g->water > GB_RESERVOIR || g->value < 0 || g->value >= WQD_LIMIT)
            abort();
        int c = gb_class_of(g->param, g->water, g->value);
        if (c < 0 || c > 6 || (c == 0 && !(g->param == GB_TN && g->water == GB_RIVER)))
            abort();
        int64_t back;
        if (wqd_from_double(wqd_to_double(g->value), &back) || back != g->value)
            abort();
        if (i > 0) {
            const struct rel_row *p = &r->rows[i - 1];
            int s = strcmp(p->section, g->section);
            if (s > 0 ||
                (s == 0 && (p->time > g->time || (p->time == g->time && p->param >= g->param))))
                abort();
            if (s == 0 && p->water != g->water)
                abort();
        }
    }
}

#endif
