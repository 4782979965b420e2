/* Loading plugins with dlopen. The descriptor is checked field by field
 * before any of its callbacks is called (OpenBSD imsg: check what crosses
 * a boundary before using it). */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Opens the plugin at path through the file name dlpath (the same file, or
 * a link to it). */
static int loader_open_as(const char *path, const char *dlpath, struct pt_plugin_lib *lib,
                          struct pt_err *err)
{
    memset(lib, 0, sizeof *lib);
    /* traps.md: RTLD_NOW so that an unresolved symbol is refused now rather
     * than killing the daemon on the first call; RTLD_LOCAL so that two
     * plugins' symbols never interpose on each other. */
    void *dl = dlopen(dlpath, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        /* dlerror names the file it opened: name the one the operator knows */
        const char *e = dlerror();
        const char *colon = e && strcmp(path, dlpath) ? strstr(e, ": ") : NULL;
        return pt_err_set(err, PT_ECONFIG, "%s: cannot load: %s", path,
                          colon ? colon + 2 : (e ? e : "unknown error"));
    }
    const struct pt_plugin *d = dlsym(dl, PT_PLUGIN_SYMBOL);
    const char *why = NULL;
    char buf[256];
    if (!d)
        why = "no descriptor (the plugin must export `const struct pt_plugin "
              "plantrack_plugin`)";
    else if (d->abi_major != PT_PLUGIN_ABI_MAJOR) {
        snprintf(buf, sizeof buf, "built for plugin ABI %u.%u, this plantrack speaks %d.%d",
                 d->abi_major, d->abi_minor, PT_PLUGIN_ABI_MAJOR, PT_PLUGIN_ABI_MINOR);
        why = buf;
    } else if (d->abi_minor > PT_PLUGIN_ABI_MINOR) {
        snprintf(buf, sizeof buf,
                 "built for plugin ABI %u.%u, newer than this plantrack's %d.%d (upgrade "
                 "plantrack)",
                 d->abi_major, d->abi_minor, PT_PLUGIN_ABI_MAJOR, PT_PLUGIN_ABI_MINOR);
        why = buf;
    } else if (!d->name || !pt_is_slug(d->name))
        why = "the descriptor's name is missing or not a slug";
    else if (!d->version || !d->description)
        why = "the descriptor lacks a version or a description";
    else if (!d->check || !d->init || !d->collect || !d->fini)
        why = "the descriptor lacks a callback (check, init, collect and fini are required)";
    if (why) {
        dlclose(dl);
        return pt_err_set(err, PT_ECONFIG, "%s: refused: %s", path, why);
    }
    lib->dl = dl;
    lib->desc = d;
    snprintf(lib->path, sizeof lib->path, "%s", path);
    return 0;
}

int pt_loader_open(const char *path, struct pt_plugin_lib *lib, struct pt_err *err)
{
    return loader_open_as(path, path, lib, err);
}

void pt_loader_close(struct pt_plugin_lib *lib)
{
    if (lib->dl)
        dlclose(lib->dl);
    memset(lib, 0, sizeof *lib);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pt_loader_load_dir(const char *dir, struct pt_generation *gen, struct pt_diag *diag,
                       struct pt_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return pt_err_set(err, PT_EIO, "plugin folder %s: %s", dir, strerror(errno));
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0 || e->d_name[0] == '.')
            continue;
        char **grown = realloc(names, (size_t)(n + 1) * sizeof *names);
        if (!grown || !(grown[n] = strdup(e->d_name))) {
            names = grown ? grown : names;
            break;
        }
        names = grown;
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    gen->libs = calloc((size_t)n + 1, sizeof *gen->libs);
    /* dlopen hands back the library already loaded under the same file
     * name, even when the file was replaced on disk since: a reload would
     * keep running the old plugin. Each generation opens its plugins
     * through links of its own, so only an unchanged file (same inode) is
     * shared with the previous generation. */
    char links[PATH_MAX];
    const char *base = getenv("RUNTIME_DIRECTORY");
    if (!base || !*base || strchr(base, ':'))
        base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(links, sizeof links, "%s/plantrack-plugins-XXXXXX", base);
    int have_links = mkdtemp(links) != NULL;
    for (int i = 0; i < n && gen->libs; i++) {
        char path[PATH_MAX], real[PATH_MAX], link[PATH_MAX * 2];
        struct pt_plugin_lib lib;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        const char *dlpath = path;
        if (have_links && realpath(path, real)) {
            snprintf(link, sizeof link, "%s/%d-%s", links, gen->id, names[i]);
            if (symlink(real, link) == 0)
                dlpath = link;
        }
        int rc = loader_open_as(path, dlpath, &lib, err);
        if (dlpath != path)
            unlink(dlpath);
        if (rc) {
            pt_diag_add(diag, "%s", err->msg);
        } else if (pt_loader_find(gen, lib.desc->name)) {
            pt_diag_add(diag, "%s: refused: a plugin named \"%s\" is already loaded from %s",
                        path, lib.desc->name, pt_loader_find(gen, lib.desc->name)->path);
            pt_loader_close(&lib);
        } else {
            gen->libs[gen->nlibs++] = lib;
        }
    }
    if (have_links)
        rmdir(links);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (!gen->libs)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    return 0;
}

const struct pt_plugin_lib *pt_loader_find(const struct pt_generation *gen, const char *name)
{
    for (int i = 0; i < gen->nlibs; i++)
        if (strcmp(gen->libs[i].desc->name, name) == 0)
            return &gen->libs[i];
    return NULL;
}

void pt_loader_unload(struct pt_generation *gen)
{
    for (int i = 0; i < gen->nlibs; i++)
        pt_loader_close(&gen->libs[i]);
    free(gen->libs);
    gen->libs = NULL;
    gen->nlibs = 0;
}
