/* Logging with a level and the function that speaks. pt_log_warn appends the
 * system's error text (errno); pt_log_warnx does not (OpenBSD's log.c). The
 * CLI logs to stderr; the daemon will add syslog/journal targets. */
#ifndef PT_LOG_H
#define PT_LOG_H

enum pt_log_level { PT_LOG_ERROR, PT_LOG_WARN, PT_LOG_INFO, PT_LOG_DEBUG };

void pt_log_set_level(enum pt_log_level level);
void pt_log_set_progname(const char *name);
void pt_log(enum pt_log_level level, const char *func, int with_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define pt_log_error(...) pt_log(PT_LOG_ERROR, __func__, 1, __VA_ARGS__)
#define pt_log_errorx(...) pt_log(PT_LOG_ERROR, __func__, 0, __VA_ARGS__)
#define pt_log_warn(...) pt_log(PT_LOG_WARN, __func__, 1, __VA_ARGS__)
#define pt_log_warnx(...) pt_log(PT_LOG_WARN, __func__, 0, __VA_ARGS__)
#define pt_log_info(...) pt_log(PT_LOG_INFO, __func__, 0, __VA_ARGS__)
#define pt_log_debug(...) pt_log(PT_LOG_DEBUG, __func__, 0, __VA_ARGS__)

#endif
