/* The SQLite backend's nonces: the shared table ("<db>-nonces.table") in front of the nonce
 * database ("<db>-nonces"), shared by every handle on the data dir (as other processes would be),
 * kept across reopening, seeded from what older versions kept (the jobs database, the nonce
 * database before the table existed), purged by epoch, and bounded to STORE_NONCE_MAX_TTL_S. */
#include "store_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

static const int64_t T = 1735787045; /* pinned request clock */

/* A second handle on the same file is what a second server process has. */
static void test_nonce_shared_between_handles(void **state) {
    fixture *f = *state;
    store *other = NULL;
    assert_int_equal(store_open(f->url, NULL, &other, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "n1", T, T + 900, NULL), 0);
    assert_int_equal(store_nonce_use(other, "ak", "n1", T, T + 900, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(other, "ak", "n2", T, T + 900, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "n2", T + 10, T + 910, NULL), RC_EEXIST);
    /* the same nonce under another timestamp, recorded in another epoch, is still a replay */
    assert_int_equal(store_nonce_use(other, "ak", "n1", T + 800, T + 1700, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(f->st, "ak", "n2", T - 800, T + 100, NULL), RC_EEXIST);
    /* the nonce file sits next to the jobs database */
    char path[160];
    snprintf(path, sizeof(path), "%s-nonces", f->path);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s-nonces.table", f->path);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_true(sb.st_size >= (STORE_NONCE_TABLE_MB << 20) - 4096);
    store_close(other);
}

/* A handle without the table (nonce_table_mb < 0) and one with it see the same records: what one
 * records in the database is found by the other through the spill marks set when the table was
 * created (an upgrade from the version without the table), and the reverse case is tested by the
 * table's own suite (spill). */
static void test_nonce_table_created_over_older_records(void **state) {
    fixture *f = *state;
    const int64_t now = FIX_T0_MS / 1000; /* the store's clock decides what is live */
    store_close(f->st);
    f->st = NULL;
    char path[160];
    snprintf(path, sizeof(path), "%s-nonces.table", f->path);
    assert_int_equal(unlink(path), 0); /* as if this version never ran */
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f, .nonce_table_mb = -1};
    store *old = NULL;
    assert_int_equal(store_open(f->url, &o, &old, NULL), 0);
    assert_int_equal(store_nonce_use(old, "ak", "before", now, now + 900, NULL), 0);
    store_close(old);
    assert_int_not_equal(access(path, F_OK), 0); /* that handle made no table */
    fixture_open(f);                             /* creates the table */
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "before", now + 10, now + 910, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(f->st, "ak", "after", now + 10, now + 910, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "after", now + 20, now + 920, NULL), RC_EEXIST);
}

/* Closing and reopening (a restart) keeps every live record, and only those. */
static void test_nonce_survives_reopen(void **state) {
    fixture *f = *state;
    assert_int_equal(store_nonce_use(f->st, "ak", "kept", T, T + 900, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "short", T, T + 5, NULL), 0);
    store_close(f->st);
    fixture_open(f);
    assert_int_equal(store_nonce_use(f->st, "ak", "kept", T + 899, T + 1799, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(f->st, "ak", "short", T + 5, T + 905, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "kept", T + 900, T + 1800, NULL), 0);
}

/* Records from before the split (the jobs database's nonces table) still count after upgrading. */
static void test_nonce_seeded_from_jobs_database(void **state) {
    fixture *f = *state;
    store_close(f->st);
    f->st = NULL;
    char path[160];
    snprintf(path, sizeof(path), "%s-nonces", f->path);
    assert_int_equal(unlink(path), 0); /* as if this version never ran */
    snprintf(path, sizeof(path), "%s-nonces.table", f->path);
    assert_int_equal(unlink(path), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    int64_t now = FIX_T0_MS / 1000;
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO nonces VALUES('ak','old-live',%lld); INSERT INTO nonces"
             " VALUES('ak','old-dead',%lld)",
             (long long)(now + 600), (long long)(now - 1));
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    fixture_open(f);
    assert_int_equal(store_nonce_use(f->st, "ak", "old-live", now, now + 900, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(f->st, "ak", "old-dead", now, now + 900, NULL), 0);
}

/* store_purge drops the epochs that ended from the database; live records stay. (Without the
 * table, so that the records land in the database.) */
static void test_nonce_purge_by_epoch(void **state) {
    fixture *f = *state;
    store_close(f->st);
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f, .nonce_table_mb = -1};
    assert_int_equal(store_open(f->url, &o, &f->st, NULL), 0);
    int64_t now = FIX_T0_MS / 1000;
    assert_int_equal(store_nonce_use(f->st, "ak", "dead", now - 3700, now - 1900, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "live", now, now + 900, NULL), 0);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char path[160];
    snprintf(path, sizeof(path), "%s-nonces", f->path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT group_concat(nonce) FROM nonces", -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(stmt, 0), "dead"));
    sqlite3_reset(stmt);
    assert_int_equal(store_purge(f->st, 86400, NULL, NULL), 0);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "live");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_int_equal(store_nonce_use(f->st, "ak", "live", now, now + 900, NULL), RC_EEXIST);
}

/* A record kept longer than the epochs allow would be missed by lookups: refused. */
static void test_nonce_ttl_bounded(void **state) {
    fixture *f = *state;
    rc_error err = {0};
    assert_int_equal(store_nonce_use(f->st, "ak", "far", T, T + STORE_NONCE_MAX_TTL_S + 1, &err),
                     RC_EINVAL);
    assert_int_equal(store_nonce_use(f->st, "ak", "far", T, T + STORE_NONCE_MAX_TTL_S, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "far", T + STORE_NONCE_MAX_TTL_S - 1,
                                     T + STORE_NONCE_MAX_TTL_S, NULL),
                     RC_EEXIST);
}

/* The longest-lived record (a request dated 900 s ahead, remembered through its date + 900 s
 * inclusive: TTL 1801 s) made in the last second of an epoch lies two epochs ahead: the database's
 * lookup must still find it when the same nonce comes with another date. */
static void test_nonce_longest_ttl_across_epochs(void **state) {
    fixture *f = *state;
    store_close(f->st);
    f->st = NULL;
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f, .nonce_table_mb = -1};
    store *db_only = NULL;
    assert_int_equal(store_open(f->url, &o, &db_only, NULL), 0);
    const int64_t now = 1800LL * 964326 + 1799; /* the last second of an epoch */
    assert_int_equal(store_nonce_use(db_only, "ak", "edge", now, now + 1801, NULL), 0);
    assert_int_equal(store_nonce_use(db_only, "ak", "edge", now, now + 100, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(db_only, "ak", "edge", now + 1, now + 1000, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(db_only, "ak", "edge", now + 1800, now + 1801, NULL),
                     RC_EEXIST);
    assert_int_equal(store_nonce_use(db_only, "ak", "edge", now + 1801, now + 2000, NULL), 0);
    store_close(db_only);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nonce_shared_between_handles, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_table_created_over_older_records, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_survives_reopen, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_seeded_from_jobs_database, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_purge_by_epoch, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_ttl_bounded, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_longest_ttl_across_epochs, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
