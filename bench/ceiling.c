/* The ceiling bench/air compares the airquality pipeline with: ROWS
 * observations appended in key order (time, series, site) through one
 * prepared statement, TX rows to a transaction, into the observations table
 * of a store made by the db/ migrations themselves (bench_db.c: WITHOUT
 * ROWID, its foreign keys on) with the store's pragmas (WAL, synchronous
 * NORMAL). Nothing but the inserts is
 * timed. A measurement, not a test: it never fails on a number.
 *
 *   bench-ceiling ROWS SITES DB [SERIES] [TX] [insert|upsert]
 *
 * SERIES (default 20) series per hour, every site in each; TX (default
 * 100000) rows per transaction. "upsert" uses the host's statement (ON
 * CONFLICT … DO UPDATE … WHERE changed) instead of a plain INSERT, to show
 * what the upsert form costs on rows that are all new. Prints one line:
 * "rows R seconds S user U sys Y". */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_db.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(int sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct timeval tv = sys ? ru.ru_stime : ru.ru_utime;
    return tv.tv_sec + tv.tv_usec / 1e6;
}

static void must(int rc, sqlite3 *db, const char *what)
{
    bench_must("bench-ceiling", db, rc, what);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-ceiling ROWS SITES DB [SERIES] [TX] [insert|upsert]\n");
        return 2;
    }
    long long rows = atoll(argv[1]);
    int sites = atoi(argv[2]);
    const char *path = argv[3];
    int series = argc > 4 ? atoi(argv[4]) : 20;
    long long tx = argc > 5 ? atoll(argv[5]) : 100000;
    int upsert = argc > 6 && !strcmp(argv[6], "upsert");
    if (rows < 0 || sites < 1 || series < 1 || tx < 1) {
        fprintf(stderr, "bench-ceiling: bad arguments\n");
        return 2;
    }
    sqlite3 *db = bench_db_create("bench-ceiling", path, series, sites);

    sqlite3_stmt *ins;
    must(sqlite3_prepare_v2(
             db,
             upsert ? "INSERT INTO observations (time, series_id, site_id, value, text, unit, "
                      "flags, source, run_id) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (time, "
                      "series_id, site_id) DO UPDATE SET value = excluded.value, text = "
                      "excluded.text, unit = excluded.unit, flags = excluded.flags, source = "
                      "excluded.source, run_id = excluded.run_id WHERE observations.value IS "
                      "NOT excluded.value OR observations.text IS NOT excluded.text OR "
                      "observations.flags IS NOT excluded.flags OR observations.unit IS NOT "
                      "excluded.unit"
                    : "INSERT INTO observations (time, series_id, site_id, value, text, unit, "
                      "flags, source, run_id) VALUES (?,?,?,?,?,?,?,?,?)",
             -1, &ins, 0),
         db, "prepare");

    double u0 = cpu(0), s0 = cpu(1), t0 = now();
    long long base = 1672506000; /* 2023-01-01T01:00:00+08:00 */
    long long done = 0, in_tx = 0;
    must(sqlite3_exec(db, "BEGIN", 0, 0, 0), db, "begin");
    for (long long h = 0; done < rows; h++)
        for (int s = 1; s <= series && done < rows; s++)
            for (int site = 1; site <= sites && done < rows; site++) {
                sqlite3_bind_int64(ins, 1, base + 3600 * h);
                sqlite3_bind_int(ins, 2, s);
                sqlite3_bind_int(ins, 3, site);
                sqlite3_bind_double(ins, 4, (double)((h * 7 + site * 13 + s) % 500));
                sqlite3_bind_null(ins, 5);
                sqlite3_bind_text(ins, 6, "µg/m³", -1, SQLITE_STATIC);
                sqlite3_bind_int(ins, 7, 0);
                sqlite3_bind_text(ins, 8, "air", -1, SQLITE_STATIC);
                sqlite3_bind_int(ins, 9, 1);
                must(sqlite3_step(ins), db, "insert");
                sqlite3_reset(ins);
                done++;
                if (++in_tx == tx) {
                    must(sqlite3_exec(db, "COMMIT; BEGIN", 0, 0, 0), db, "commit");
                    in_tx = 0;
                }
            }
    must(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    double t = now() - t0, u = cpu(0) - u0, sy = cpu(1) - s0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    printf("rows %lld seconds %.3f user %.3f sys %.3f\n", done, t, u, sy);
    return 0;
}
