/* The benchmarks' scratch store: a fresh SQLite file with the store's own
 * schema (every db/ migration, as compiled into plantrack), the pragmas
 * core/store.c sets, one run (id 1), series 1..nseries and sites
 * 1..nsites. So what a benchmark measures is the schema plantrack writes,
 * not a copy that could drift from it. */
#ifndef PT_BENCH_DB_H
#define PT_BENCH_DB_H

#include <sqlite3.h>

/* Exits 1 with "prog: what: SQLite's message" unless rc is OK or DONE. */
void bench_must(const char *prog, sqlite3 *db, int rc, const char *what);

/* Removes path (and its -wal, -shm) and creates the store there. */
sqlite3 *bench_db_create(const char *prog, const char *path, int nseries, int nsites);

#endif
