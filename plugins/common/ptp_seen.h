/* The "seen digests" set that csvdrop, stats and water keep in their
 * cursors: for each of the last few files (or releases) ingested, the
 * FNV-1a digest of what it held, so that content ingested once is not
 * ingested again under any name. Only the set: how it is written into a
 * cursor (lines or JSON) is each plugin's, through the helpers below. */
#ifndef PTP_SEEN_H
#define PTP_SEEN_H

#include <stddef.h>
#include <stdint.h>

#define PTP_SEEN_NAME_MAX 256 /* bytes of a name an entry can keep, NUL included */

struct ptp_seen_entry {
    uint64_t digest;
    char name[PTP_SEEN_NAME_MAX]; /* the file (or URL) it last came from */
};

struct ptp_seen {
    struct ptp_seen_entry *e;    /* max entries, most recent first (owned) */
    struct ptp_seen_entry *undo; /* max entries for ptp_seen_mark (owned), or NULL */
    int n, max, nundo;
    size_t name_cap; /* bytes of a name kept, NUL included (<= PTP_SEEN_NAME_MAX) */
    int scrub;       /* control characters of a remembered name become '_' */
};

/* FNV-1a, 64 bits: enough to recognise content seen before; not security. */
uint64_t ptp_digest(const char *p, size_t n);

/* Allocates room for max entries (and as many again for ptp_seen_mark when
 * undo is set). 0, or -1 when out of memory; either way ptp_seen_free
 * releases what it holds. */
int ptp_seen_init(struct ptp_seen *s, int max, size_t name_cap, int scrub, int undo);
void ptp_seen_free(struct ptp_seen *s);

/* Whether some entry holds digest d. */
int ptp_seen_has(const struct ptp_seen *s, uint64_t d);

/* Appends an entry read back from a cursor (oldest last), while there is
 * room; name is copied (truncated to name_cap). */
void ptp_seen_load(struct ptp_seen *s, uint64_t d, const char *name);

/* Records that name now holds digest d, as the most recent entry: its
 * previous entry goes, and the oldest one when the set is full. */
void ptp_seen_remember(struct ptp_seen *s, const char *name, uint64_t d);

/* Saves the entries (ptp_seen_mark) so that ptp_seen_rollback can put them
 * back when the unit that remembered something fails to commit. */
void ptp_seen_mark(struct ptp_seen *s);
void ptp_seen_rollback(struct ptp_seen *s);

/* Entry i's digest as 16 lowercase hex digits. */
void ptp_seen_hex(const struct ptp_seen *s, int i, char out[17]);

#endif
