/* Measures why the observations table is keyed (time, series, site): feeds
 * arrive hour after hour, each hour carrying every site and series. This
 * appends a year of such hours to two copies of the table, one keyed by
 * time first (the schema's choice) and one keyed by series first, one
 * transaction per hour as the feed units commit, and prints the time each
 * took. A measurement, not a test: it never fails on a number.
 *
 *   bench-observations [HOURS] [SITES] [SERIES] [DIR]   (8760 8 32 /tmp) */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void must(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static double run(const char *path, const char *key, int hours, int sites, int series)
{
    unlink(path);
    char wal[1024];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    sqlite3 *db;
    must(sqlite3_open(path, &db), db, "open");
    must(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", 0, 0, 0), db,
         "pragma");
    char ddl[512];
    snprintf(ddl, sizeof ddl,
             "CREATE TABLE observations (time INTEGER NOT NULL, series_id INTEGER NOT NULL, "
             "site_id INTEGER NOT NULL, value REAL, text TEXT, unit TEXT NOT NULL, flags "
             "INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL, run_id INTEGER, "
             "PRIMARY KEY (%s)) WITHOUT ROWID",
             key);
    must(sqlite3_exec(db, ddl, 0, 0, 0), db, "create");
    sqlite3_stmt *ins;
    must(sqlite3_prepare_v2(db,
                            "INSERT INTO observations (time, series_id, site_id, value, unit, "
                            "source, run_id) VALUES (?, ?, ?, ?, 'µg/m³', 'cnemc', 1) "
                            "ON CONFLICT DO UPDATE SET value = excluded.value",
                            -1, &ins, 0),
         db, "prepare");
    double t0 = now();
    long long base = 1640966400; /* 2022-01-01T00:00:00+08:00 */
    for (int h = 0; h < hours; h++) {
        must(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), db, "begin");
        for (int site = 1; site <= sites; site++)
            for (int s = 1; s <= series; s++) {
                sqlite3_bind_int64(ins, 1, base + 3600LL * h);
                sqlite3_bind_int(ins, 2, s);
                sqlite3_bind_int(ins, 3, site);
                sqlite3_bind_double(ins, 4, (h * 7 + site * 13 + s) % 500 / 3.0);
                must(sqlite3_step(ins), db, "insert");
                sqlite3_reset(ins);
            }
        must(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    }
    double t = now() - t0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    unlink(path);
    unlink(wal);
    return t;
}

int main(int argc, char **argv)
{
    int hours = argc > 1 ? atoi(argv[1]) : 8760;
    int sites = argc > 2 ? atoi(argv[2]) : 8;
    int series = argc > 3 ? atoi(argv[3]) : 32;
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/bench-obs-time.db", dir);
    snprintf(b, sizeof b, "%s/bench-obs-series.db", dir);
    long long rows = (long long)hours * sites * series;
    double ta = run(a, "time, series_id, site_id", hours, sites, series);
    double tb = run(b, "series_id, site_id, time", hours, sites, series);
    printf("%lld rows in %d hourly transactions (%d sites x %d series)\n", rows, hours, sites,
           series);
    printf("key (time, series, site):  %8.2f s  %10.0f rows/s\n", ta, rows / ta);
    printf("key (series, site, time):  %8.2f s  %10.0f rows/s\n", tb, rows / tb);
    printf("ratio: %.2f\n", tb / ta);
    return 0;
}
