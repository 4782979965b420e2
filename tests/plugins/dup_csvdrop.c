/* A second plugin calling itself csvdrop: the later one must be refused. */
#include <plantrack/plugin.h>

static int check(const char *s, char *e, size_t n) { return 0; }
static int init(const struct pt_host *h, const char *i, const char *s, void **st, char *e, size_t n) { return 0; }
static int collect(void *st, uint64_t run) { return 0; }
static void fini(void *st) {}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR, .abi_minor = PT_PLUGIN_ABI_MINOR, .name = "csvdrop",
    .version = "0", .description = "duplicate name", .check = check, .init = init,
    .collect = collect, .fini = fini};
