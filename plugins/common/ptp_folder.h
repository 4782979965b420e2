/* Release files in a folder, as csvdrop, stats and water read them: the
 * names of the *.csv (and *.json) files, sorted, and file:// URLs for the
 * host to fetch. Not the fetching: that is the host's. */
#ifndef PTP_FOLDER_H
#define PTP_FOLDER_H

#include <stddef.h>

#define PTP_LIST_CSV 1u  /* *.csv */
#define PTP_LIST_JSON 2u /* *.json */

/* The names of folder's files of the kinds asked for (never a name starting
 * with '.'), in strcmp order: 0 with *names (n of them; the caller frees
 * each and the array with ptp_free_list), PTP_EIO when the folder cannot be
 * read, PTP_ENOMEM. */
int ptp_list_folder(const char *folder, unsigned kinds, char ***names, int *n);

/* Appends to *urls (n of them, growing it) the file:// URLs of folder's
 * files of the kinds asked for, in name order, and keeps a NULL after the
 * last. 0; PTP_EIO with "WHAT FOLDER cannot be read" in why (what: "folder",
 * "groundwater folder", …); PTP_ENOMEM with "out of memory". A file whose
 * URL does not fit in memory is left out. */
int ptp_add_folder_urls(const char *what, const char *folder, unsigned kinds, char ***urls, int *n,
                        char *why, size_t cap);

/* Frees n strings and the array. */
void ptp_free_list(char **list, int n);

/* strcmp for qsort/bsearch over char * arrays. */
int ptp_by_str(const void *a, const void *b);

/* The file:// URL of a local path, percent-encoding all but ASCII letters,
 * digits and "/-._~"; the caller frees. NULL when out of memory. */
char *ptp_file_url(const char *path);

/* What follows a URL's last '/', or the URL when nothing does. */
const char *ptp_base_name(const char *url);

#endif
