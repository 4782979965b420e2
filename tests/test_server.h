/* The loopback servers of tests/servers/ (httpd.py, smtpd.py) as children
 * of a unit test: spawned with a pipe as stdin, so that closing it (or the
 * test dying) stops them too, and their first stdout line read back (the
 * ports, the certificate) within 20 s. One server per test process. */
#ifndef PT_TEST_SERVER_H
#define PT_TEST_SERVER_H

#include <stddef.h>

/* Unsets every proxy variable: a loopback request must never go to a proxy
 * from the environment. */
void test_clear_proxies(void);

/* Spawns argv (argv[0] looked up on PATH unless it has a slash), registers
 * test_server_stop at exit, and reads its first line into line (cap bytes,
 * NUL-terminated). Clears the proxies and ignores SIGPIPE, as the daemon
 * does. Fails the test when it cannot. */
void test_server_start(char *const *argv, char *line, size_t cap);

/* Stops the server (SIGTERM, then waits); nothing when none runs. */
void test_server_stop(void);

#endif
