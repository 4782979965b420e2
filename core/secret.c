/* Reading secrets: the permission check and the credential lookup. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_small(const char *path, int check_mode, char *buf, size_t cap, struct pt_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return pt_err_set(err, PT_EIO, "secret %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return pt_err_set(err, PT_EIO, "secret %s: not a regular file", path);
    }
    if (check_mode && (sb.st_mode & 077)) {
        close(fd);
        return pt_err_set(err, PT_ECONFIG,
                          "secret %s is readable by others (mode %03o): chmod 600 %s, or use a "
                          "systemd credential",
                          path, (unsigned)(sb.st_mode & 0777), path);
    }
    ssize_t n = read(fd, buf, cap - 1);
    int saved = errno;
    close(fd);
    if (n < 0)
        return pt_err_set(err, PT_EIO, "secret %s: %s", path, strerror(saved));
    if ((size_t)n >= cap - 1)
        return pt_err_set(err, PT_ERANGE, "secret %s: longer than %zu bytes", path, cap - 2);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0)
        return pt_err_set(err, PT_ECONFIG, "secret %s is empty", path);
    return 0;
}

int pt_secret_read(const char *file, const char *credential, char *buf, size_t cap,
                   struct pt_err *err)
{
    if (file && *file)
        return read_small(file, 1, buf, cap, err);
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    if (!credential || !*credential)
        return pt_err_set(err, PT_EINVAL, "a secret needs a file or a credential");
    if (!dir || !*dir)
        return pt_err_set(err, PT_ECONFIG,
                          "credential \"%s\": CREDENTIALS_DIRECTORY is not set (run under "
                          "systemd with LoadCredential=%s:FILE, or use a secret file)",
                          credential, credential);
    if (strchr(credential, '/') || !strcmp(credential, ".") || !strcmp(credential, ".."))
        return pt_err_set(err, PT_EINVAL, "credential \"%s\": not a credential name", credential);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, credential);
    /* systemd owns the credentials directory and its modes. */
    return read_small(path, 0, buf, cap, err);
}
