/* See bench_db.h. */
#include "bench_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "migrations.h"

void bench_must(const char *prog, sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s: %s\n", prog, what, db ? sqlite3_errmsg(db) : "out of memory");
        exit(1);
    }
}

sqlite3 *bench_db_create(const char *prog, const char *path, int nseries, int nsites)
{
    char side[1100];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    bench_must(prog, db, rc, "open");
    bench_must(prog, db,
               sqlite3_exec(db,
                            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; "
                            "PRAGMA synchronous = NORMAL",
                            0, 0, 0),
               "pragmas");
    for (int i = 0; i < pt_migrations_count; i++)
        bench_must(prog, db, sqlite3_exec(db, pt_migrations[i].sql, 0, 0, 0),
                   pt_migrations[i].name);
    bench_must(prog, db, sqlite3_exec(db, "BEGIN", 0, 0, 0), "begin");
    bench_must(prog, db,
               sqlite3_exec(db,
                            "INSERT INTO runs (id, plugin, instance, started_at, status) "
                            "VALUES (1, 'bench', 'bench', '2026-01-01T00:00:00Z', 'running')",
                            0, 0, 0),
               "run");
    char sql[128];
    for (int s = 1; s <= nseries; s++) {
        snprintf(sql, sizeof sql, "INSERT INTO series VALUES (%d, 'series_%d', 'µg/m³')", s, s);
        bench_must(prog, db, sqlite3_exec(db, sql, 0, 0, 0), "series");
    }
    for (int s = 1; s <= nsites; s++) {
        snprintf(sql, sizeof sql, "INSERT INTO sites (id, code) VALUES (%d, '%dA')", s, 1000 + s);
        bench_must(prog, db, sqlite3_exec(db, sql, 0, 0, 0), "sites");
    }
    bench_must(prog, db, sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
    return db;
}
