/* libFuzzer target for nbs_parse: any bytes must give data nodes with an
 * indicator, a readable period and, when they have one, a finite value, or
 * a NUL-terminated message; never a crash, a leak or a read outside the
 * buffer. */
#include "../nbs.h"
#include "../period.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *data, const struct nbs_point *p)
{
    (void)data;
    struct st_period per;
    if (!p->zb || !*p->zb || !p->sj || !p->period || !p->where ||
        (p->has_value && !isfinite(p->value)))
        abort();
    /* the period is the time code rewritten: it reads back, unless its year
     * is outside what the plugin takes (which then says so) */
    if (st_period_parse(p->period, &per) != 0) {
        int y = atoi(p->period);
        if (strlen(p->period) < 4 || (y >= ST_YEAR_MIN && y <= ST_YEAR_MAX))
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int rc = nbs_parse((const char *)data, size, check, NULL, err, sizeof err);
    if (rc != 0 && (rc != -1 || strnlen(err, sizeof err) == sizeof err || !err[0]))
        abort();
    return 0;
}
