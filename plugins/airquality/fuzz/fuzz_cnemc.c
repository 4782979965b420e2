/* libFuzzer target for cnemc_parse: any bytes must parse or be refused with
 * a NUL-terminated message, never crash, leak or read outside the buffer.
 * Built only with -DPT_FUZZ=ON and clang (fuzz/CMakeLists.txt). */
#include "cnemc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cnemc_row *rows;
    size_t n;
    char err[256];
    int rc = cnemc_parse((const char *)data, size, &rows, &n, err, sizeof err);
    if (rc == 0) {
        /* the promises of cnemc.h: sorted, one row per station-hour,
         * terminated strings */
        for (size_t i = 0; i < n; i++) {
            if (strnlen(rows[i].station, sizeof rows[i].station) == sizeof rows[i].station ||
                strnlen(rows[i].name, sizeof rows[i].name) == sizeof rows[i].name ||
                strnlen(rows[i].area, sizeof rows[i].area) == sizeof rows[i].area ||
                strnlen(rows[i].primary, sizeof rows[i].primary) == sizeof rows[i].primary)
                abort();
            if (i > 0 && (rows[i - 1].time > rows[i].time ||
                          (rows[i - 1].time == rows[i].time &&
                           strcmp(rows[i - 1].station, rows[i].station) >= 0)))
                abort();
        }
        free(rows);
    } else if (rows != NULL || n != 0 || strnlen(err, sizeof err) == sizeof err || !err[0]) {
        abort();
    }
    return 0;
}
