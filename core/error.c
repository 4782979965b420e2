/* The error table: every PT_E… code with its name and message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

const char *pt_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define PT_ERR_MSG(name, c, msg)                                                          \
    case c:                                                                              \
        return msg;
        PT_ERRNO_MAP(PT_ERR_MSG)
#undef PT_ERR_MSG
    }
    return "unknown error";
}

const char *pt_errname(int code)
{
    switch (code) {
    case 0:
        return "OK";
#define PT_ERR_NAME(name, c, msg)                                                         \
    case c:                                                                              \
        return #name;
        PT_ERRNO_MAP(PT_ERR_NAME)
#undef PT_ERR_NAME
    }
    return "EUNKNOWN";
}

int pt_err_set(struct pt_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}
