/* libFuzzer target for csvseries_parse: any bytes must give lines with a
 * series, a period and, when they have one, a finite value, or a
 * NUL-terminated message naming a line; never a crash or a read outside the
 * buffer. */
#include "../csvseries.h"
#include "../period.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *data, const struct csv_point *p)
{
    (void)data;
    if (!p->series || !*p->series || !p->period || !*p->period || p->line < 2 ||
        (p->has_value && !isfinite(p->value)) || (p->unit && !*p->unit))
        abort();
    struct st_period per;
    (void)st_period_parse(p->period, &per);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int rc = csvseries_parse((const char *)data, size, check, NULL, err, sizeof err);
    if (rc != 0 &&
        (rc != -1 || strnlen(err, sizeof err) == sizeof err || strncmp(err, "line ", 5) != 0))
        abort();
    return 0;
}
