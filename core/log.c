/* Levelled logging to stderr. Debug lines carry the speaking function; the
 * others read as plain messages for the operator. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum pt_log_level log_level = PT_LOG_INFO;
static const char *log_progname = "plantrack";

void pt_log_set_level(enum pt_log_level level)
{
    log_level = level;
}

void pt_log_set_progname(const char *name)
{
    log_progname = name;
}

void pt_log(enum pt_log_level level, const char *func, int with_errno, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    int saved = errno;
    if (level > log_level)
        return;
    char raw[2048], msg[2048 * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Messages quote feeds and files: a line break or escape sequence in
     * them must not start a forged log line (journald reads "<0>" at a
     * line's start as an emergency) or drive the terminal. */
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && n + 5 < sizeof msg; p++) {
        if (*p < 0x20 || *p == 0x7f)
            n += (size_t)snprintf(msg + n, sizeof msg - n, "\\x%02x", *p);
        else
            msg[n++] = (char)*p;
    }
    msg[n] = '\0';
    /* Under systemd, journald reads a "<N>" syslog priority prefix on each
     * line of stderr and keeps the level. */
    static int journal = -1;
    if (journal < 0)
        journal = getenv("JOURNAL_STREAM") != NULL;
    if (journal) {
        static const int prio[] = {3, 4, 6, 7};
        fprintf(stderr, "<%d>", prio[level]);
    }
    if (log_level >= PT_LOG_DEBUG)
        fprintf(stderr, "%s: %s: %s: %s", log_progname, names[level], func, msg);
    else
        fprintf(stderr, "%s: %s: %s", log_progname, names[level], msg);
    if (with_errno)
        fprintf(stderr, ": %s", strerror(saved));
    fputc('\n', stderr);
    errno = saved;
}
