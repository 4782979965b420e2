/* A plugin built for a newer ABI minor than the host's: must be refused. */
#include <plantrack/plugin.h>

static int check(const char *s, char *e, size_t n) { return 0; }
static int init(const struct pt_host *h, const char *i, const char *s, void **st, char *e, size_t n) { return 0; }
static int collect(void *st, uint64_t run) { return 0; }
static void fini(void *st) {}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR, .abi_minor = PT_PLUGIN_ABI_MINOR + 1, .name = "bad-minor",
    .version = "1", .description = "newer ABI minor", .check = check, .init = init,
    .collect = collect, .fini = fini};
