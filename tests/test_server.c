/* See test_server.h. */
#include "test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

extern char **environ;

static pid_t srv_pid = -1;
static int srv_stdin = -1; /* closing it (or our dying) stops the server too */

void test_clear_proxies(void)
{
    static const char *const vars[] = {"http_proxy", "https_proxy", "all_proxy", "no_proxy",
                                       "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

void test_server_stop(void)
{
    if (srv_pid > 0) {
        kill(srv_pid, SIGTERM);
        waitpid(srv_pid, NULL, 0);
        srv_pid = -1;
    }
    if (srv_stdin >= 0) {
        close(srv_stdin);
        srv_stdin = -1;
    }
}

void test_server_start(char *const *argv, char *line, size_t cap)
{
    static int registered;
    int out[2], in[2];
    test_clear_proxies();
    signal(SIGPIPE, SIG_IGN); /* as the daemon does */
    ASSERT(cap > 1 && srv_pid < 0);
    ASSERT(pipe(out) == 0 && pipe(in) == 0);
    for (int i = 0; i < 2; i++) /* only the dup2'ed ends reach the server */
        ASSERT(fcntl(out[i], F_SETFD, FD_CLOEXEC) == 0 && fcntl(in[i], F_SETFD, FD_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    int rc = posix_spawnp(&srv_pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ASSERT_EQ_INT(rc, 0);
    if (!registered++)
        atexit(test_server_stop); /* also on a failed ASSERT, which exits */
    close(in[0]);
    close(out[1]);
    srv_stdin = in[1];
    size_t n = 0;
    while (n < cap - 1 && (n == 0 || line[n - 1] != '\n')) {
        struct pollfd p = {out[0], POLLIN, 0};
        ASSERT(poll(&p, 1, 20000) == 1); /* openssl + python start well within this */
        ssize_t r = read(out[0], line + n, cap - 1 - n);
        ASSERT(r > 0);
        n += (size_t)r;
    }
    line[n] = '\0';
    close(out[0]);
}
