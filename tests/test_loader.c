/* The plugin loader refuses broken plugins with a message, never crashing. */
#include "host.h"
#include "loader.h"
#include "test.h"

#define PLUGIN(name) PT_TEST_PLUGIN_DIR "/" #name "/" #name ".so"

static void refused(const char *path, const char *why)
{
    struct pt_plugin_lib lib;
    struct pt_err err = {0};
    ASSERT_EQ_INT(pt_loader_open(path, &lib, &err), PT_ECONFIG);
    ASSERT(lib.dl == NULL && lib.desc == NULL);
    ASSERT_STR_CONTAINS(err.msg, path);
    ASSERT_STR_CONTAINS(err.msg, why);
}

TEST_IMPL(loader_refuses)
{
    refused(PLUGIN(bad_major), "plugin ABI 2.0, this plantrack speaks 1.");
    refused(PLUGIN(bad_minor), "newer than this plantrack's");
    refused(PLUGIN(no_descriptor), "no descriptor");
    refused(PLUGIN(unresolved), "plantrack_function_that_does_not_exist");
    refused(PT_TEST_PLUGIN_DIR "/nope/nope.so", "cannot load");

    struct pt_plugin_lib lib;
    struct pt_err err;
    ASSERT(pt_loader_open(PLUGIN(testfeed), &lib, &err) == 0);
    ASSERT(strcmp(lib.desc->name, "testfeed") == 0);
    char msg[256] = "";
    ASSERT(lib.desc->check("{\"units\": 3}", msg, sizeof msg) != 0);
    ASSERT_STR_CONTAINS(msg, "settings.units");
    pt_loader_close(&lib);
    /* a plugin whose init fails loads; its instance is what fails */
    ASSERT(pt_loader_open(PLUGIN(failing_init), &lib, &err) == 0);
    void *state = NULL;
    ASSERT(lib.desc->init(NULL, "x", "{}", &state, msg, sizeof msg) != 0);
    ASSERT_STR_CONTAINS(msg, "always fails");
    pt_loader_close(&lib);
    return 0;
}

/* A folder of plugins: the good ones load, each bad one is reported, and a
 * second plugin with a name already taken is refused. */
TEST_IMPL(loader_dir)
{
    char dir[512], cmd[4096];
    snprintf(dir, sizeof dir, "%s/plugins", test_tmpdir());
    int n = snprintf(cmd, sizeof cmd,
             "mkdir -p %s && for p in testfeed bad_major bad_minor no_descriptor unresolved "
             "failing_init dup_csvdrop; do cp %s/$p/$p.so %s/; done && cp %s/csvdrop.so %s/ && "
             "echo 'not a library' > %s/garbage.so && touch %s/README",
             dir, PT_TEST_PLUGIN_DIR, dir, PT_PLUGIN_BUILD_DIR, dir, dir, dir);
    ASSERT(n > 0 && (size_t)n < sizeof cmd);
    ASSERT(system(cmd) == 0);
    struct pt_generation gen = {0};
    struct pt_diag diag = {0};
    struct pt_err err;
    ASSERT(pt_loader_load_dir(dir, &gen, &diag, &err) == 0);
    /* csvdrop.so sorts before dup_csvdrop.so: the duplicate is the refused one */
    ASSERT_EQ_INT(gen.nlibs, 3);
    ASSERT(pt_loader_find(&gen, "testfeed") && pt_loader_find(&gen, "csvdrop") &&
           pt_loader_find(&gen, "failing-init"));
    ASSERT_STR_CONTAINS(pt_loader_find(&gen, "csvdrop")->path, "/csvdrop.so");
    ASSERT_EQ_INT(diag.count, 6);
    ASSERT_STR_CONTAINS(diag.buf, "bad_major.so: refused");
    ASSERT_STR_CONTAINS(diag.buf, "bad_minor.so: refused");
    ASSERT_STR_CONTAINS(diag.buf, "no_descriptor.so: refused");
    ASSERT_STR_CONTAINS(diag.buf, "unresolved.so: cannot load");
    ASSERT_STR_CONTAINS(diag.buf, "garbage.so: cannot load");
    ASSERT_STR_CONTAINS(diag.buf, "dup_csvdrop.so: refused: a plugin named \"csvdrop\" is already loaded");
    pt_diag_free(&diag);
    pt_loader_unload(&gen);
    ASSERT(pt_loader_load_dir("/nonexistent/plugins", &gen, &diag, &err) == PT_EIO);
    ASSERT_STR_CONTAINS(err.msg, "/nonexistent/plugins");
    return 0;
}

/* host->supplies is for a plugin's init only: called from anywhere else it
 * records nothing and says so. (The demo test checks what init declares.) */
TEST_IMPL(host_supplies_outside_init)
{
    const struct pt_host *h = pt_host_table();
    ASSERT(h->size >= offsetof(struct pt_host, supplies) + sizeof h->supplies);
    ASSERT_EQ_INT(h->supplies("air", NULL, "gdp-growth"), PTP_EINVAL);
    ASSERT_EQ_INT(h->supplies(NULL, NULL, NULL), PTP_EINVAL);
    return 0;
}
