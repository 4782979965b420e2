/* libFuzzer target for rel_parse_json: any bytes must parse or be refused
 * with a message, never crash, leak or read outside the buffer; what parses
 * keeps release.h's promises (fuzz_common.h). Built only with -DPT_FUZZ=ON
 * and clang (fuzz/CMakeLists.txt). */
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const skip[] = {"water_temp", "水温", NULL};
    struct rel_opts any = {.skip = skip}, jan = {.year = 2024, .month = 1, .skip = skip};
    struct rel_release r;
    char err[256];
    for (int k = 0; k < 2; k++) {
        err[0] = '\0';
        if (rel_parse_json((const char *)data, size, k ? &jan : &any, &r, err, sizeof err) == 0) {
            check_release(&r);
            rel_free(&r);
        } else {
            check_refusal(r.rows, r.n, err, sizeof err);
        }
    }
    return 0;
}
