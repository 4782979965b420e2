/* Error messages as the plugins write them into the host's err buffers:
 * formatted, bounded, and (the _printable forms) with control characters
 * turned into '?' so that a message quoting a sender's or a user's text
 * cannot forge a log line. */
#ifndef PTP_ERROR_H
#define PTP_ERROR_H

#include <stddef.h>

/* Formats a message into err and returns PTP_ECONFIG: a settings error.
 * ptp_fail_printable also makes the message printable. */
int ptp_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ptp_fail_printable(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats a printable message into err (nothing when cap is 0) and returns
 * code: the parsers' errors. */
int ptp_errorf(int code, char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Control characters and DEL in s become '?'. */
void ptp_printable(char *s);

#endif
