/* libFuzzer target for openaq_parse: any bytes must parse or be refused with
 * a NUL-terminated message, never crash, leak or read outside the buffer.
 * Built only with -DPT_FUZZ=ON and clang (fuzz/CMakeLists.txt). */
#include "openaq.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct openaq_meas *m;
    size_t n;
    long found;
    char err[256];
    int rc = openaq_parse((const char *)data, size, &m, &n, &found, err, sizeof err);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            if (m[i].pollutant < AQ_PM2_5 || m[i].pollutant > AQ_O3 || m[i].time <= m[i].from ||
                strnlen(m[i].units, sizeof m[i].units) == sizeof m[i].units ||
                m[i].value != m[i].value)
                abort();
        free(m);
    } else if (m != NULL || n != 0 || strnlen(err, sizeof err) == sizeof err || !err[0]) {
        abort();
    }
    return 0;
}
