/* The store: migrations under user_version, refusing a newer schema, and
 * actual vintages. */
#include "actual.h"
#include "migrations.h"
#include "store.h"
#include "test.h"

TEST_IMPL(store_migrate)
{
    char path[512];
    snprintf(path, sizeof path, "%s/m.db", test_tmpdir());
    struct pt_store *st;
    struct pt_err err;
    ASSERT_EQ_INT(pt_store_open(path, 0, &st, &err), PT_ENOTFOUND);
    ASSERT_STR_CONTAINS(err.msg, "plantrack init");
    ASSERT(pt_store_open(path, PT_STORE_CREATE, &st, &err) == 0);
    ASSERT(pt_migrations_count >= 1);
    ASSERT_EQ_INT(pt_store_version(st), pt_migrations[pt_migrations_count - 1].version);
    sqlite3_stmt *s;
    ASSERT(sqlite3_prepare_v2(pt_store_db(st), "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK);
    ASSERT(sqlite3_step(s) == SQLITE_ROW);
    ASSERT_STR_CONTAINS((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    ASSERT(sqlite3_prepare_v2(pt_store_db(st), "PRAGMA foreign_keys", -1, &s, NULL) == SQLITE_OK);
    ASSERT(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1);
    sqlite3_finalize(s);
    pt_store_close(st);
    /* reopening migrates nothing */
    ASSERT(pt_store_open(path, 0, &st, &err) == 0);
    ASSERT_EQ_INT(pt_store_version(st), pt_migrations[pt_migrations_count - 1].version);
    pt_store_close(st);
    return 0;
}

TEST_IMPL(store_refuses_newer_schema)
{
    char path[512];
    snprintf(path, sizeof path, "%s/new.db", test_tmpdir());
    struct pt_store *st;
    struct pt_err err;
    ASSERT(pt_store_open(path, PT_STORE_CREATE, &st, &err) == 0);
    ASSERT(sqlite3_exec(pt_store_db(st), "PRAGMA user_version = 999", NULL, NULL, NULL) == 0);
    pt_store_close(st);
    ASSERT_EQ_INT(pt_store_open(path, 0, &st, &err), PT_ESCHEMA);
    ASSERT_STR_CONTAINS(err.msg, "999");
    return 0;
}

TEST_IMPL(actual_vintages)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a.db", test_tmpdir());
    struct pt_store *st;
    struct pt_err err;
    ASSERT(pt_store_open(path, PT_STORE_CREATE, &st, &err) == 0);
    sqlite3 *db = pt_store_db(st);
    ASSERT(sqlite3_exec(db,
                        "INSERT INTO plans VALUES ('p', 'p', 'p', 'c', 2020, 2021, 2025, "
                        "'Asia/Shanghai', 's', '{}', 'f', 'now');"
                        "INSERT INTO bureaus VALUES ('p', 'b', 'b', 'b', 'b@example.org');"
                        "INSERT INTO indicators (key, plan_id, id, no, origin, category, name_zh, "
                        "name_en, unit, kind, direction, base_year, base, attribute, bureau_id, "
                        "cadence, release_month, definition, updated_at) VALUES (1, 'p', 'u', 3, "
                        "'table', 'c', 'u', 'u', '%', 'level', 'up', 2020, 66, 'expected', 'b', "
                        "'annual', 3, '{}', 'now');",
                        NULL, NULL, NULL) == SQLITE_OK);
    struct pt_plan plan = {.id = "p", .base_year = 2020, .start_year = 2021, .end_year = 2025};
    struct pt_indicator ind = {.key = 1, .id = "u", .no = 3, .unit = "%"};
    struct pt_actual_in in = {.period = "2023", .value = 67.9, .source = "test"};
    int vintage, added;
    ASSERT(pt_actual_record(st, &plan, &ind, &in, &vintage, &added, &err) == 0);
    ASSERT(added && vintage == 1);
    ASSERT(pt_actual_record(st, &plan, &ind, &in, &vintage, &added, &err) == 0);
    ASSERT(!added && vintage == 1);
    /* the same value in another unit is the same value */
    struct pt_actual_in permille = {.period = "2023", .value = 679, .unit = "‰"};
    ASSERT(pt_actual_record(st, &plan, &ind, &permille, &vintage, &added, &err) == 0);
    ASSERT(!added);
    in.value = 68.1;
    ASSERT(pt_actual_record(st, &plan, &ind, &in, &vintage, &added, &err) == 0);
    ASSERT(added && vintage == 2);
    struct pt_actual_in p = {.period = "2024", .provisional = 1, .as_of = "2024-06-30",
                             .value = 68.5};
    ASSERT(pt_actual_record(st, &plan, &ind, &p, &vintage, &added, &err) == 0);
    ASSERT(added && vintage == 1);

    struct pt_actual_row *rows;
    int n;
    ASSERT(pt_actual_list(st, 1, &rows, &n, &err) == 0);
    ASSERT_EQ_INT(n, 3);
    ASSERT(rows[0].value == 67.9 && rows[1].value == 68.1 && rows[1].vintage == 2);
    ASSERT(rows[2].provisional && strcmp(rows[2].as_of, "2024-06-30") == 0);
    free(rows);
    struct pt_actual *latest;
    ASSERT(pt_actual_latest(st, 1, &latest, &n, &err) == 0);
    ASSERT_EQ_INT(n, 2);
    ASSERT(latest[0].year == 2023 && latest[0].value == 68.1);
    free(latest);

    /* refusals write nothing */
    struct pt_actual_in bad[] = {
        {.period = "2019", .value = 1},
        {.period = "2036", .value = 1},
        {.period = "20x3", .value = 1},
        {.period = "2023", .value = 1, .unit = "mg/m³"},
        {.period = "2023", .value = NAN},
        {.period = "2023", .value = 1, .as_of = "2023-06-30"},
        {.period = "2023", .value = 1, .provisional = 1, .as_of = "2023-02-30"},
        {.period = "2023", .value = 1, .provisional = 1, .as_of = "2021-06-30"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = pt_actual_record(st, &plan, &ind, &bad[i], &vintage, &added, &err);
        ASSERT(rc < 0);
        ASSERT(!added);
        ASSERT_STR_CONTAINS(err.msg, "u");
    }
    ASSERT(pt_actual_list(st, 1, &rows, &n, &err) == 0);
    ASSERT_EQ_INT(n, 3);
    free(rows);
    pt_store_close(st);
    return 0;
}
