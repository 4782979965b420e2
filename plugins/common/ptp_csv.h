/* The small RFC 4180 record reader of csvdrop and stats' CSV series: one
 * record at a time into fixed buffers (a file of any length costs the same
 * memory; a field or a record longer than them is an error that names its
 * line). Not the growing-store readers of the CNEMC and water formats,
 * which also trim blanks around fields and skip blank lines themselves
 * (cnemc.c, wqcsv.c). */
#ifndef PTP_CSV_H
#define PTP_CSV_H

#include <stddef.h>

#define PTP_CSV_MAX_FIELDS 16
#define PTP_CSV_FIELD_MAX 512 /* bytes per field, NUL included */

struct ptp_csv {
    const char *p, *end;
    int line; /* the last line the last record read touched, 1-based */
};

/* Starts reading buf[0..len-1] (not NUL-terminated): a UTF-8 byte order
 * mark at the start is skipped. */
void ptp_csv_init(struct ptp_csv *r, const char *buf, size_t len);

/* Reads one record (quotes, doubled quotes, CRLF or LF) into f, each field
 * NUL-terminated. Returns the number of fields, 0 at the end, -1 with why
 * (no line number: the caller adds it). A blank line is one empty field. */
int ptp_csv_record(struct ptp_csv *r, char f[PTP_CSV_MAX_FIELDS][PTP_CSV_FIELD_MAX], char *why,
                   size_t cap);

/* Removes white space (isspace) at both ends of s, in place. */
void ptp_trim(char *s);

#endif
