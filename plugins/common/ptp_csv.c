/* The fixed-buffer CSV record reader (ptp_csv.h). */
#include "ptp_csv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void ptp_csv_init(struct ptp_csv *r, const char *buf, size_t len)
{
    r->p = buf;
    r->end = buf + len;
    r->line = 0;
    if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
        r->p += 3;
}

int ptp_csv_record(struct ptp_csv *r, char f[PTP_CSV_MAX_FIELDS][PTP_CSV_FIELD_MAX], char *why,
                   size_t cap)
{
    if (r->p >= r->end)
        return 0;
    r->line++;
    int n = 0;
    for (;;) {
        size_t len = 0;
        int quoted = 0;
        if (n == PTP_CSV_MAX_FIELDS) {
            snprintf(why, cap, "more than %d fields", PTP_CSV_MAX_FIELDS);
            return -1;
        }
        if (r->p < r->end && *r->p == '"') {
            quoted = 1;
            r->p++;
        }
        for (;;) {
            if (r->p >= r->end) {
                if (quoted) {
                    snprintf(why, cap, "a quoted field is not closed");
                    return -1;
                }
                break;
            }
            char ch = *r->p;
            if (quoted) {
                if (ch == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        r->p += 2; /* "" is one quote: ch stays '"' */
                    } else {
                        r->p++;
                        quoted = 0;
                        if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                            snprintf(why, cap, "text after a closing quote");
                            return -1;
                        }
                        continue;
                    }
                } else {
                    if (ch == '\n')
                        r->line++;
                    r->p++;
                }
            } else {
                if (ch == ',' || ch == '\n' || ch == '\r')
                    break;
                if (ch == '"') {
                    snprintf(why, cap, "a quote inside an unquoted field");
                    return -1;
                }
                r->p++;
            }
            if (ch == '\0') {
                snprintf(why, cap, "a NUL byte");
                return -1;
            }
            if (len + 1 >= PTP_CSV_FIELD_MAX) {
                snprintf(why, cap, "a field longer than %d bytes", PTP_CSV_FIELD_MAX - 1);
                return -1;
            }
            f[n][len++] = ch;
        }
        f[n][len] = '\0';
        n++;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '\r')
            r->p++;
        if (r->p < r->end && *r->p == '\n')
            r->p++;
        return n;
    }
}

void ptp_trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}
