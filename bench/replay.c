/* The SQLite work of bench/air's pipeline alone: the rows plantrackd writes
 * for N stations × DAYS of hourly files, in the order and the transactions
 * it writes them, with no parsing, no derivation and no host in between.
 * Compared with plantrackd's time it says how much of the pipeline is the
 * store's and how much the rest; compared with bench-ceiling it says what
 * the write order, the upsert and the trigger cost.
 *
 *   bench-air-replay N DAYS DB [insert|upsert] [trigger|notrigger] [asis|sorted] [CACHE]
 *
 * Order as the airquality plugin writes (plugins/airquality/airquality.c):
 * one transaction per hourly file, its rows station by station, the six
 * raw series each; then, for each of DAYS + 1 days, one transaction per 128
 * stations, each station hour by hour with its 14 hourly series, then its 8
 * daily ones, the city's 11 with the last chunk. "sorted" sorts each
 * transaction's rows by key first (what a host that sorted a unit before
 * writing it would do). Defaults: upsert, trigger, asis: the host's own
 * statement on the store's own schema (db/001, db/002), foreign keys on,
 * WAL, synchronous NORMAL, SQLite's default page cache; CACHE (KiB) sets
 * another (PRAGMA cache_size = -CACHE). Prints "rows R seconds S user U
 * sys Y files F days D", F and D the seconds of the two phases. */
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

static sqlite3 *db;

static void must(int rc, const char *what)
{
    bench_must("bench-air-replay", db, rc, what);
}

struct row {
    long long time;
    int series, site;
    double value; /* < 0: NULL */
    int text;     /* a text series' row */
};

static struct row *buf;
static size_t nbuf, capbuf;
static sqlite3_stmt *ins;
static int sorted;
static long long written;

static void add(long long t, int series, int site, double value, int text)
{
    if (nbuf == capbuf) {
        capbuf = capbuf ? capbuf * 2 : 65536;
        buf = realloc(buf, capbuf * sizeof *buf);
        if (!buf) {
            fprintf(stderr, "bench-air-replay: out of memory\n");
            exit(1);
        }
    }
    buf[nbuf++] = (struct row){t, series, site, value, text};
}

static int by_key(const void *x, const void *y)
{
    const struct row *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->series != b->series)
        return a->series < b->series ? -1 : 1;
    return (a->site > b->site) - (a->site < b->site);
}

/* One unit: its rows in one transaction, as the host commits it. */
static void commit(void)
{
    if (sorted)
        qsort(buf, nbuf, sizeof *buf, by_key);
    must(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), "begin");
    for (size_t i = 0; i < nbuf; i++) {
        const struct row *r = &buf[i];
        sqlite3_bind_int64(ins, 1, r->time);
        sqlite3_bind_int(ins, 2, r->series);
        sqlite3_bind_int(ins, 3, r->site);
        if (r->value >= 0 && !r->text)
            sqlite3_bind_double(ins, 4, r->value);
        else
            sqlite3_bind_null(ins, 4);
        if (r->text && r->value >= 50)
            sqlite3_bind_text(ins, 5, "pm2_5", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 5);
        sqlite3_bind_text(ins, 6, r->series <= 6 ? "µg/m³" : "1", -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 7, 0);
        sqlite3_bind_text(ins, 8, "air", -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 9, 1);
        must(sqlite3_step(ins), "insert");
        sqlite3_reset(ins);
    }
    must(sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
    written += (long long)nbuf;
    nbuf = 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-air-replay N DAYS DB [insert|upsert] [trigger|notrigger] "
                        "[asis|sorted] [CACHE]\n");
        return 2;
    }
    int n = atoi(argv[1]), days = atoi(argv[2]);
    const char *path = argv[3];
    int upsert = !(argc > 4 && !strcmp(argv[4], "insert"));
    int with_trigger = !(argc > 5 && !strcmp(argv[5], "notrigger"));
    sorted = argc > 6 && !strcmp(argv[6], "sorted");
    if (n < 1 || days < 1) {
        fprintf(stderr, "bench-air-replay: bad arguments\n");
        return 2;
    }
    /* series ids in the order the plugin first emits them: 6 raw, 14
     * hourly derived, 8 daily, 3 city-only; sites 1..n, the city n + 1 */
    db = bench_db_create("bench-air-replay", path, 31, n + 1);
    if (!with_trigger)
        must(sqlite3_exec(db, "DROP TRIGGER observations_keep_history", 0, 0, 0), "trigger");
    if (argc > 7) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", atoi(argv[7]));
        must(sqlite3_exec(db, pragma, 0, 0, 0), "cache_size");
    }
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
         "prepare");

    double u0 = cpu(0), s0 = cpu(1), t0 = now();
    const long long first = 1672506000; /* 2023-01-01T01:00:00+08:00, hour-ending */
    int hours = 24 * days;
    for (int h = 0; h < hours; h++) { /* the files */
        for (int st = 1; st <= n; st++)
            for (int p = 0; p < 6; p++)
                add(first + 3600LL * h, 1 + p, st, (h * 7 + st * 13 + p) % 300, 0);
        commit();
    }
    double t_files = now() - t0;
    for (int d = 0; d <= days; d++) { /* the days: the day after the last too */
        long long day = first - 3600 + 86400LL * d;
        for (int st = 1; st <= n; st++) {
            for (int j = 0; j < 24; j++) {
                long long t = day + 3600LL * (j + 1);
                int s = 7;
                for (int p = 0; p < 6; p++) {
                    add(t, s++, st, (j * 3 + st + p) % 200, 0);
                    if (p != 5)
                        add(t, s++, st, (j * 5 + st + p) % 200, 0);
                }
                add(t, s++, st, (j + st) % 200, 0); /* o3_8h */
                add(t, s++, st, (j + 2 * st) % 200, 0); /* aqi_1h */
                add(t, s++, st, (j + 2 * st) % 200, 1); /* primary_1h (text) */
            }
            for (int s = 21; s <= 28; s++)
                add(day, s, st, (d + st + s) % 200, 0);
            if (st % 128 == 0 && st < n)
                commit();
        }
        for (int s = 21; s <= 31; s++) /* the city */
            add(day, s, n + 1, (d + s) % 200, 0);
        commit();
    }
    double t = now() - t0, u = cpu(0) - u0, sy = cpu(1) - s0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(buf);
    printf("rows %lld seconds %.3f user %.3f sys %.3f files %.3f days %.3f\n", written, t, u, sy,
           t_files, t - t_files);
    return 0;
}
