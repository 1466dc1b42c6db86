/* The SQLite backend's hot-path machinery: cached prepared statements keep answering correctly when
 * reused, and WAL checkpoints happen on the background thread, not only at close. */
#include "store_fixture.h"

#include <sys/stat.h>
#include <time.h>



static long long file_size(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* A reused statement must not keep the previous call's bindings or row. */
static void test_cached_statements_reset(void **state) {
    fixture *f = *state;
    store_job a = {0};
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    assert_int_equal(fixture_submit(f, 2, USER, "HighlightExtraction", NULL), 0);
    for (int round = 0; round < 50; round++) {
        assert_int_equal(store_job_get(f->st, "00000000000000000000000000000001", USER, &a, NULL),
                         0);
        assert_string_equal(a.type, "Segmentation");
        store_job_free(&a);
        assert_int_equal(
            store_job_get(f->st, "00000000000000000000000000000009", USER, &a, NULL), RC_ENOENT);
        assert_int_equal(
            store_job_get(f->st, "00000000000000000000000000000002", USER + 1, &a, NULL),
            RC_ENOENT);
        assert_int_equal(store_job_get(f->st, "00000000000000000000000000000002", USER, &a, NULL),
                         0);
        assert_string_equal(a.type, "HighlightExtraction");
        store_job_free(&a);
        char nonce[32];
        snprintf(nonce, sizeof(nonce), "n%d", round);
        assert_int_equal(store_nonce_use(f->st, "ak", nonce, 100, 1000, NULL), 0);
        assert_int_equal(store_nonce_use(f->st, "ak", nonce, 100, 1000, NULL), RC_EEXIST);
        assert_int_equal(store_nonce_use(f->st, "other", nonce, 100, 1000, NULL), 0);
    }
}

/* Once the WAL passes 1000 frames the background thread copies it into the database file while the
 * store stays open (automatic checkpoints no longer run in the committing call). */
static void test_background_checkpoint(void **state) {
    fixture *f = *state;
    long long before = file_size(f->path);
    assert_true(before > 0);
    for (int i = 1; i <= 1200; i++) /* each submit commits a few pages */
        assert_int_equal(fixture_submit(f, i, USER, "Segmentation", NULL), 0);
    long long after = before;
    for (int tries = 0; tries < 100 && after <= before + 100 * 1024; tries++) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        after = file_size(f->path);
    }
    assert_true(after > before + 100 * 1024);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 1200);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cached_statements_reset, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_background_checkpoint, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
