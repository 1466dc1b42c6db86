/* Unit tests for the job store on real SQLite files: the shared job suite plus SQLite specifics. */
#include "store_suite_jobs.h"

static void test_open_urls(void **state) {
    fixture *f = *state;
    store *st = NULL;
    rc_error err = {0};
    char url[160];
    assert_string_equal(store_backend_name(f->st), "sqlite");
    assert_int_equal(store_ping(f->st, NULL), 0);
    snprintf(url, sizeof(url), "sqlite://%s/other.db", f->dir);
    assert_int_equal(store_open(url, NULL, &st, NULL), 0);
    assert_int_equal(store_ping(st, NULL), 0);
    store_close(st);
    assert_int_equal(access(url + 9, F_OK), 0);
    assert_int_equal(store_open("mysql://x/y", NULL, &st, &err), RC_ENOTSUP);
    assert_null(st);
    assert_non_null(strstr(err.message, "mysql://x/y"));
    assert_int_equal(store_open("", NULL, &st, NULL), RC_EINVAL);
    rc_error_clear(&err);
    assert_int_equal(store_open("/nonexistent-dir/x/y.db", NULL, &st, &err), RC_EDB);
    assert_string_equal(err.code, "InternalError");
    assert_non_null(strstr(err.message, "/nonexistent-dir/x/y.db"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_urls, fixture_setup, fixture_teardown),
        STORE_SUITE_JOBS(fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
