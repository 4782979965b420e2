/* The store: the one module that opens the SQLite database. It applies the
 * migrations of db/ under PRAGMA user_version, sets WAL, foreign keys and a
 * busy timeout, and opens every write transaction with BEGIN IMMEDIATE.
 * Other modules prepare statements on pt_store_db(); none opens the file. */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <sqlite3.h>

#include "error.h"

struct pt_store;

enum {
    PT_STORE_CREATE = 1 << 0, /* create the file if it does not exist */
};

/* Opens (and with PT_STORE_CREATE creates) the store at path and migrates it
 * to the newest schema. On success *out owns the connection: release it with
 * pt_store_close(). Fails with PT_ENOTFOUND when the file is missing and not
 * to be created, PT_ESCHEMA when the file is newer than this program. */
int pt_store_open(const char *path, int flags, struct pt_store **out, struct pt_err *err);
void pt_store_close(struct pt_store *st);

/* How long a write waits for another process's lock before failing with
 * PT_EBUSY. The daemon keeps it short: the wait blocks its event loop. */
void pt_store_set_busy_timeout(struct pt_store *st, int ms);

/* The connection, for preparing statements. Owned by st. */
sqlite3 *pt_store_db(struct pt_store *st);
const char *pt_store_path(const struct pt_store *st);
/* The schema version the file is at. */
int pt_store_version(struct pt_store *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. A failed commit rolls back. */
int pt_store_begin(struct pt_store *st, struct pt_err *err);
int pt_store_commit(struct pt_store *st, struct pt_err *err);
void pt_store_rollback(struct pt_store *st);

/* Prepares sql into *stmt (finalize it yourself), naming the store in the
 * error on failure. */
int pt_store_prepare(struct pt_store *st, const char *sql, sqlite3_stmt **stmt,
                     struct pt_err *err);
/* Runs sql (statements without results); on failure err says what was
 * being done. */
int pt_store_exec(struct pt_store *st, const char *sql, struct pt_err *err, const char *doing);
/* Sets err from the connection's last error, prefixed by what was being done. */
int pt_store_fail(struct pt_store *st, struct pt_err *err, const char *doing);

/* The current time as the store writes it: "YYYY-MM-DDTHH:MM:SSZ". The
 * environment variable PLANTRACK_NOW (same format) overrides the clock, for
 * tests and for replaying a night. */
void pt_store_now(char buf[32]);

#endif
