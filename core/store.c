/* The store: open, migrate, transactions. It is not a data-access layer:
 * the modules that own a table (catalogue, actual, …) write their own SQL
 * through prepared statements on this connection. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "migrations.h"

struct pt_store {
    sqlite3 *db;
    char *path;
};

/* Long enough for the CLI to wait out a night's unit commit, short enough
 * that a stuck writer is reported instead of hanging a terminal. */
#define STORE_BUSY_TIMEOUT_MS 10000

void pt_store_now(char buf[32])
{
    const char *env = getenv("PLANTRACK_NOW");
    if (env && strlen(env) == 20 && env[4] == '-' && env[10] == 'T' && env[19] == 'Z') {
        memcpy(buf, env, 21);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int pt_store_fail(struct pt_store *st, struct pt_err *err, const char *doing)
{
    int rc = sqlite3_errcode(st->db);
    int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? PT_EBUSY : PT_ESTORE;
    return pt_err_set(err, code, "%s: %s: %s%s", st->path, doing, sqlite3_errmsg(st->db),
                      code == PT_EBUSY ? " (another process holds the store; try again)" : "");
}

static int store_exec(struct pt_store *st, const char *sql, struct pt_err *err, const char *doing)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return pt_store_fail(st, err, doing);
    return 0;
}

int pt_store_exec(struct pt_store *st, const char *sql, struct pt_err *err, const char *doing)
{
    return store_exec(st, sql, err, doing);
}

int pt_store_version(struct pt_store *st)
{
    sqlite3_stmt *s;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Applies every migration newer than the file, each in its own transaction
 * with the user_version bump, so a crash leaves the file at a whole version. */
static int store_migrate(struct pt_store *st, struct pt_err *err)
{
    int have = pt_store_version(st);
    if (have < 0)
        return pt_store_fail(st, err, "reading the schema version");
    int newest = pt_migrations_count ? pt_migrations[pt_migrations_count - 1].version : 0;
    if (have > newest)
        return pt_err_set(err, PT_ESCHEMA,
                          "%s: schema version %d is newer than this program's %d "
                          "(upgrade plantrack, or restore a backup)",
                          st->path, have, newest);
    for (int i = 0; i < pt_migrations_count; i++) {
        const struct pt_migration *m = &pt_migrations[i];
        if (m->version <= have)
            continue;
        int rc = pt_store_begin(st, err);
        if (rc)
            return rc;
        /* Re-read inside the write lock: another process may have migrated. */
        if (pt_store_version(st) >= m->version) {
            pt_store_rollback(st);
            continue;
        }
        char doing[128], bump[64];
        snprintf(doing, sizeof doing, "applying migration db/%s", m->name);
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", m->version);
        if ((rc = store_exec(st, m->sql, err, doing)) || (rc = store_exec(st, bump, err, doing))) {
            pt_store_rollback(st);
            return rc;
        }
        if ((rc = pt_store_commit(st, err)))
            return rc;
        pt_log_debug("%s: migrated to schema %d (%s)", st->path, m->version, m->name);
    }
    return 0;
}

/* traps.md: a CLI run as root beside a daemon running as another user can
 * leave root-owned -wal/-shm files the daemon cannot open. Say so before it
 * happens rather than after. */
static int store_check_owner(const char *path, struct pt_err *err)
{
    struct stat db, side;
    char aux[4096];
    if (stat(path, &db) != 0)
        return 0;
    for (int i = 0; i < 2; i++) {
        snprintf(aux, sizeof aux, "%s%s", path, i ? "-shm" : "-wal");
        if (stat(aux, &side) == 0 && side.st_uid != db.st_uid)
            return pt_err_set(err, PT_ESTORE,
                              "%s is owned by uid %u but %s by uid %u: run plantrack as the "
                              "store's owner (e.g. sudo -u plantrack) and fix the owner with "
                              "chown",
                              aux, (unsigned)side.st_uid, path, (unsigned)db.st_uid);
    }
    if (geteuid() == 0 && db.st_uid != 0)
        pt_log_warnx("%s belongs to uid %u and you are root: files SQLite creates now will be "
                     "root's; prefer running as the store's owner",
                     path, (unsigned)db.st_uid);
    return 0;
}

int pt_store_open(const char *path, int flags, struct pt_store **out, struct pt_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return pt_err_set(err, PT_EINVAL, "no store path given (use --db PATH)");
    if (!(flags & PT_STORE_CREATE) && access(path, F_OK) != 0)
        return pt_err_set(err, PT_ENOTFOUND,
                          "%s: no such store (create it with: plantrack init --catalogue FILE "
                          "--db %s)",
                          path, path);
    int rc = store_check_owner(path, err);
    if (rc)
        return rc;
    struct pt_store *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        return pt_err_set(err, PT_ENOMEM, "%s: out of memory", path);
    }
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                 ((flags & PT_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_ESTORE, "%s: cannot open: %s", path,
                        st->db ? sqlite3_errmsg(st->db) : "out of memory");
        pt_store_close(st);
        return rc;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
    if ((rc = store_exec(st, "PRAGMA foreign_keys = ON", err, "enabling foreign keys")) ||
        (rc = store_exec(st, "PRAGMA journal_mode = WAL", err, "switching to WAL")) ||
        (rc = store_exec(st, "PRAGMA synchronous = NORMAL", err, "setting synchronous")) ||
        (rc = store_migrate(st, err))) {
        pt_store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void pt_store_close(struct pt_store *st)
{
    if (!st)
        return;
    if (st->db)
        sqlite3_close(st->db); /* statements are finalized by their owners */
    free(st->path);
    free(st);
}

void pt_store_set_busy_timeout(struct pt_store *st, int ms)
{
    sqlite3_busy_timeout(st->db, ms);
}

sqlite3 *pt_store_db(struct pt_store *st)
{
    return st->db;
}

const char *pt_store_path(const struct pt_store *st)
{
    return st->path;
}

int pt_store_begin(struct pt_store *st, struct pt_err *err)
{
    return store_exec(st, "BEGIN IMMEDIATE", err, "starting a write transaction");
}

int pt_store_commit(struct pt_store *st, struct pt_err *err)
{
    int rc = store_exec(st, "COMMIT", err, "committing");
    if (rc)
        pt_store_rollback(st);
    return rc;
}

void pt_store_rollback(struct pt_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int pt_store_prepare(struct pt_store *st, const char *sql, sqlite3_stmt **stmt, struct pt_err *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return pt_store_fail(st, err, "preparing a statement");
    return 0;
}
