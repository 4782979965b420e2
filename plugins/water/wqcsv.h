/* An RFC 4180 CSV record reader for the water plugin's two CSV formats
 * (monthly releases and groundwater submissions): records with their line
 * numbers, fields copied and NUL-terminated, bounded in number and length.
 * Not here: what a column means (release_csv.c, groundwater.c), the text
 * checks of fields shown to people (ptp_text.h). Safe on any bytes. */
#ifndef PT_WQCSV_H
#define PT_WQCSV_H

#include <stddef.h>

#define WQCSV_MAX_FIELDS 64
#define WQCSV_MAX_FIELD 1024 /* bytes per field */

struct wqcsv {
    const char *buf;
    size_t len, pos;
    long line;                 /* the line the reader is on, 1-based */
    long rec_line;             /* the line the last record started on */
    int n;                     /* fields of the last record */
    char *f[WQCSV_MAX_FIELDS]; /* each NUL-terminated; valid until the next call */
    size_t flen[WQCSV_MAX_FIELDS];
    char *store; /* owned; wqcsv_free frees it */
    size_t used, cap;
};

/* Starts reading buf[0..len-1] (not NUL-terminated; a UTF-8 BOM skipped). */
void wqcsv_init(struct wqcsv *r, const char *buf, size_t len);

/* The next record that is not blank: 1, 0 at the end, or a negative
 * PT_E… code (error.h) with "line N: what" in err. Blanks around an
 * unquoted field are not part of it; a NUL byte is an error. */
int wqcsv_next(struct wqcsv *r, char *err, size_t cap);

void wqcsv_free(struct wqcsv *r);

#endif
