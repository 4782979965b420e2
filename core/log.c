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
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
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
