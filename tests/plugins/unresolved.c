/* A plugin calling a function no library defines: with lazy binding it would
 * load and crash the daemon on first call; it must be refused at load. */
#include <plantrack/plugin.h>

extern int plantrack_function_that_does_not_exist(void);

static int check(const char *s, char *e, size_t n) { return plantrack_function_that_does_not_exist(); }
static int init(const struct pt_host *h, const char *i, const char *s, void **st, char *e, size_t n) { return 0; }
static int collect(void *st, uint64_t run) { return plantrack_function_that_does_not_exist(); }
static void fini(void *st) {}

PT_PLUGIN_EXPORT const struct pt_plugin plantrack_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR, .abi_minor = PT_PLUGIN_ABI_MINOR, .name = "unresolved",
    .version = "1", .description = "unresolved symbol", .check = check, .init = init,
    .collect = collect, .fini = fini};
