/* Error codes shared by every module. Functions return 0 on success or a
 * negative PT_E… code; pt_strerror() gives the code's message. Messages for
 * people (file, JSON path, what to do) travel separately in a struct pt_err. */
#ifndef PT_ERROR_H
#define PT_ERROR_H

#include <stddef.h>

#define PT_ERRNO_MAP(X)                                                                  \
    X(EINVAL, -1, "invalid argument")                                                    \
    X(ENOMEM, -2, "out of memory")                                                       \
    X(EIO, -3, "input/output error")                                                     \
    X(ESTORE, -4, "store error")                                                         \
    X(ENOTFOUND, -5, "not found")                                                        \
    X(EUNIT, -6, "unit does not convert")                                                \
    X(ERANGE, -7, "value out of range")                                                  \
    X(ECONFIG, -8, "invalid configuration")                                              \
    X(EBUSY, -9, "store is busy")                                                        \
    X(ESCHEMA, -10, "store schema is newer than this program")                           \
    X(EHTTP, -11, "HTTP error status or refused redirect")                               \
    X(ETIMEDOUT, -12, "timed out")                                                       \
    X(ETOOBIG, -13, "larger than the configured limit")                                  \
    X(ECANCELED, -14, "canceled")                                                        \
    X(ENET, -15, "network error")                                                        \
    X(ETLS, -16, "TLS handshake or certificate verification failed")

enum {
#define PT_ERR_ENUM(name, code, msg) PT_##name = code,
    PT_ERRNO_MAP(PT_ERR_ENUM)
#undef PT_ERR_ENUM
};

/* The message of an error code; a static string. */
const char *pt_strerror(int code);
/* The symbolic name of an error code ("EINVAL"); a static string. */
const char *pt_errname(int code);

/* A human-readable message beside a code: "where: what". Fixed size, so a
 * failure path never allocates. */
struct pt_err {
    int code;
    char msg[1024];
};

/* Sets err (if not NULL) to code and a printf-style message; returns code. */
int pt_err_set(struct pt_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
