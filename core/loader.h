/* The plugin loader: opens feed plugins (shared objects) and checks their
 * descriptors against the host's ABI. A refused plugin is reported and
 * skipped; it never takes the daemon down. Plugins load in generations:
 * SIGHUP loads a new generation while runs in flight finish on the old one,
 * which is unloaded when its last instance is gone. */
#ifndef PT_LOADER_H
#define PT_LOADER_H

#include <limits.h>

#include <plantrack/plugin.h>

#include "error.h"
#include "jsonv.h"

struct pt_plugin_lib {
    void *dl;                      /* dlopen handle */
    const struct pt_plugin *desc;  /* inside the library */
    char path[PATH_MAX];
};

struct pt_generation {
    struct pt_plugin_lib *libs;
    int nlibs;
    int refs;   /* instances created from this generation still alive */
    int id;
};

/* Opens one plugin file with immediate binding (an unresolved symbol is
 * refused here, not on first call) and checks its descriptor. On success
 * *lib holds it; close with pt_loader_close. */
int pt_loader_open(const char *path, struct pt_plugin_lib *lib, struct pt_err *err);
void pt_loader_close(struct pt_plugin_lib *lib);

/* Loads every *.so in dir (sorted by name) into gen; each refused file is
 * reported to diag ("file: why") and skipped, as is a second plugin with a
 * name already loaded. Returns 0, or an error when dir cannot be read. */
int pt_loader_load_dir(const char *dir, struct pt_generation *gen, struct pt_diag *diag,
                       struct pt_err *err);
/* The plugin called name in gen, or NULL. */
const struct pt_plugin_lib *pt_loader_find(const struct pt_generation *gen, const char *name);
/* Unloads every plugin of gen. Only when no instance uses it (refs == 0). */
void pt_loader_unload(struct pt_generation *gen);

#endif
