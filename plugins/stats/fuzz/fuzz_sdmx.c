/* libFuzzer target for sdmx_parse: any bytes must give observations whose
 * every pointer and index is sound, or a NUL-terminated message; never a
 * crash, a leak or a read outside the buffer. Built only with -DPT_FUZZ=ON
 * and clang (fuzz/CMakeLists.txt). */
#include "../period.h"
#include "../sdmx.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *data, const struct sdmx_obs *o)
{
    (void)data;
    if (o->ndims < 0 || o->ndims > SDMX_MAX_DIMS || o->time_dim < -1 || o->time_dim >= o->ndims ||
        !o->action || !o->where || (o->has_value && !isfinite(o->value)))
        abort();
    for (int i = 0; i < o->ndims; i++)
        if (!o->dim_id[i] || !o->dim_value[i] || !o->dim_id[i][0])
            abort();
    for (int i = 0; i < o->nattrs; i++)
        if (!o->attr_id[i] || (o->attr_value[i] && strlen(o->attr_value[i]) > (1u << 30)))
            abort();
    /* what the plugin does with the time value */
    struct st_period p;
    if (o->time_dim >= 0 && st_period_parse(o->dim_value[o->time_dim], &p) == 0) {
        char t[11], e[11];
        st_period_text(&p, t);
        st_period_end(&p, e);
        if (st_period_at(st_period_start(&p), p.freq, &p) != 0)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int rc = sdmx_parse((const char *)data, size, check, NULL, err, sizeof err);
    if (rc != 0 && (rc != -1 || strnlen(err, sizeof err) == sizeof err || !err[0]))
        abort();
    return 0;
}
