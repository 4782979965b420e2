/* Release files in a folder (ptp_folder.h). */
#include "ptp_folder.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plantrack/plugin.h>

int ptp_by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ptp_free_list(char **list, int n)
{
    for (int i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

static int wanted(const char *name, unsigned kinds)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    return ((kinds & PTP_LIST_CSV) && n > 4 && !strcmp(name + n - 4, ".csv")) ||
           ((kinds & PTP_LIST_JSON) && n > 5 && !strcmp(name + n - 5, ".json"));
}

int ptp_list_folder(const char *folder, unsigned kinds, char ***names, int *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(folder);
    if (!d)
        return PTP_EIO;
    char **l = NULL;
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!wanted(e->d_name, kinds))
            continue;
        char **g = realloc(l, (size_t)(k + 1) * sizeof *l);
        if (!g || !(g[k] = strdup(e->d_name))) {
            closedir(d);
            ptp_free_list(g ? g : l, k);
            return PTP_ENOMEM;
        }
        l = g;
        k++;
    }
    closedir(d);
    if (k)
        qsort(l, (size_t)k, sizeof *l, ptp_by_str);
    *names = l;
    *n = k;
    return 0;
}

int ptp_add_folder_urls(const char *what, const char *folder, unsigned kinds, char ***urls, int *n,
                        char *why, size_t cap)
{
    char **names;
    int k, rc = ptp_list_folder(folder, kinds, &names, &k);
    if (rc == PTP_EIO) {
        snprintf(why, cap, "%s %.200s cannot be read", what, folder);
        return PTP_EIO;
    }
    char **g = rc ? NULL : realloc(*urls, (size_t)(*n + k + 1) * sizeof **urls);
    if (g)
        *urls = g;
    for (int i = 0; i < k; i++) {
        if (g) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", folder, names[i]);
            if ((g[*n] = ptp_file_url(path)))
                ++*n;
        }
        free(names[i]);
    }
    free(names);
    if (!g) {
        snprintf(why, cap, "out of memory");
        return PTP_ENOMEM;
    }
    g[*n] = NULL;
    return 0;
}

char *ptp_file_url(const char *path)
{
    size_t n = strlen(path);
    char *u = malloc(7 + 3 * n + 1), *q = u;
    if (!u)
        return NULL;
    q += sprintf(q, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            *q++ = (char)*p;
        else
            q += sprintf(q, "%%%02X", *p);
    }
    *q = '\0';
    return u;
}

const char *ptp_base_name(const char *url)
{
    const char *s = strrchr(url, '/');
    return s && s[1] ? s + 1 : url;
}
