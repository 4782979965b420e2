/* Secrets (feed API keys, SMTP passwords): read from a file that only its
 * owner may read, or from a systemd credential ($CREDENTIALS_DIRECTORY).
 * Never from the configuration file itself. */
#ifndef PT_SECRET_H
#define PT_SECRET_H

#include <stddef.h>

#include "error.h"

/* Reads the secret into buf (NUL-terminated, trailing newline removed).
 * Exactly one of file and credential is non-empty. Refuses a file that its
 * group or others may read, naming the file and the fix. */
int pt_secret_read(const char *file, const char *credential, char *buf, size_t cap,
                   struct pt_err *err);

#endif
