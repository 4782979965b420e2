/* libFuzzer target for the groundwater submission parsers, gw_parse_csv
 * and gw_parse_json (the first byte picks one; the rest is the input), and
 * gw_cumulate on what they return under each reading: no crash, leak or
 * overflow; rows sorted, each year once, in range; a yearly sum that stops
 * names its gap. Built only with -DPT_FUZZ=ON and clang. */
#include "groundwater.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int json = data[0] & 1;
    const char *buf = (const char *)data + 1;
    struct gw_row *rows;
    size_t n;
    char err[256] = "";
    int rc = json ? gw_parse_json(buf, size - 1, &rows, &n, err, sizeof err)
                  : gw_parse_csv(buf, size - 1, &rows, &n, err, sizeof err);
    if (rc) {
        if (rows != NULL || n != 0 || strnlen(err, sizeof err) == sizeof err || !err[0])
            abort();
        return 0;
    }
    if (n == 0 || n > GW_MAX_ROWS)
        abort();
    for (size_t i = 0; i < n; i++)
        if (rows[i].year < 1991 || rows[i].year > 2099 || (i && rows[i - 1].year >= rows[i].year))
            abort();
    struct gw_year *ys = malloc(n * sizeof *ys);
    if (!ys)
        abort();
    for (int r = GW_YEARLY; r <= GW_SINCE_BASE; r++) {
        int gap;
        size_t k = gw_cumulate((enum gw_reading)r, 2020, INT64_C(1000000000), rows, n, ys, &gap);
        if (k > n || (r != GW_YEARLY && gap && k == n))
            abort();
        for (size_t i = 0; i < k; i++)
            if (ys[i].year <= 2020 || (i && ys[i - 1].year >= ys[i].year))
                abort();
    }
    free(ys);
    free(rows);
    return 0;
}
