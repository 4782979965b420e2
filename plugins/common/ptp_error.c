/* Error messages (ptp_error.h). */
#include "ptp_error.h"

#include <stdarg.h>
#include <stdio.h>

#include <plantrack/plugin.h>

void ptp_printable(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

int ptp_fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return PTP_ECONFIG;
}

int ptp_fail_printable(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    ptp_printable(err);
    return PTP_ECONFIG;
}

int ptp_errorf(int code, char *err, size_t cap, const char *fmt, ...)
{
    if (cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
        ptp_printable(err);
    }
    return code;
}
