/* A plugin built for another ABI major: must be refused. */
#include <plantrack/plugin.h>

static int check(const char *s, char *e, size_t n) { return 0; }
static int init(const struct pt_host *h, const char *i, const char *s, void **st, char *e, size_t n) { return 0; }
static int collect(void *st, uint64_t run) { return 0; }
static void fini(void *st) {}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR + 1, .abi_minor = 0, .name = "bad-major", .version = "1",
    .description = "wrong ABI major", .check = check, .init = init, .collect = collect, .fini = fini};
