/* The unit-test runner: `pt-test NAME` runs one test, `pt-test` lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

static const struct {
    const char *name;
    int (*fn)(void);
} tests[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#include "test-list.h"
#undef TEST_ENTRY
};

static char tmpdir[256];

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(tmpdir, sizeof tmpdir, "%s/pt-test-XXXXXX", base);
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return tmpdir;
}

static void cleanup(void)
{
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
}

int main(int argc, char **argv)
{
    size_t n = sizeof tests / sizeof tests[0];
    if (argc < 2) {
        for (size_t i = 0; i < n; i++)
            puts(tests[i].name);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], tests[i].name) == 0) {
            atexit(cleanup);
            int rc = tests[i].fn();
            if (rc == 0)
                printf("ok %s\n", tests[i].name);
            return rc;
        }
    fprintf(stderr, "pt-test: no test named %s\n", argv[1]);
    return 2;
}
