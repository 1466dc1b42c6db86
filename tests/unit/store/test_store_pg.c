/* The shared store test suites on PostgreSQL: a throwaway server (tests/unit/store/pg_server.sh) in
 * a temp dir, a fresh database per test. Without PostgreSQL server binaries every test is reported
 * SKIPPED (and the reason printed). */
#include <sys/wait.h>

#define STORE_SUITE_SCHEMA_VERSION 3 /* 2: job artefacts, 3: job attempt records */
#include "store/pg/store_pg_int.h"
#include "store_suite_jobs.h"
#include "store_suite_misc.h"

/* The one server of this test program, shared by every test's setup. */
static fixture_pg_server server;

static int pg_setup(void **state) {
    return fixture_setup_pg_on(&server, state);
}

static void test_pg_url_and_errors(void **state) {
    fixture *f = *state;
    store *st = NULL;
    rc_error err = {0};
    assert_string_equal(store_backend_name(f->st), "postgresql");
    assert_int_equal(store_ping(f->st, NULL), 0);
    char url[256];
    snprintf(url, sizeof(url), "postgresql:///no_such_db?host=%s&port=5432&user=postgres",
             server.dir);
    assert_int_equal(store_open(url, NULL, &st, &err), RC_EDB);
    assert_null(st);
    assert_string_equal(err.code, "InternalError");
    assert_non_null(strstr(err.message, "cannot connect to PostgreSQL"));
    /* Two handles on one database: jobs submitted through one are claimed through the other. */
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f};
    assert_int_equal(store_open(f->url, &o, &st, NULL), 0);
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    store_job job;
    assert_int_equal(store_job_claim(st, "other-node", LEASE_MS, 3, &job, NULL), 0);
    assert_string_equal(job.job_id, "00000000000000000000000000000001");
    store_job_free(&job);
    store_close(st);
}

static char script[512];

static int pg_server_cmd(const char *cmd) {
    char line[1024];
    snprintf(line, sizeof(line), "bash '%s' %s '%s'", script, cmd, server.dir);
    int status = system(line);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The server goes away and comes back: calls fail with RC_EDB meanwhile (the API answers 503);
 * afterwards the pooled connections notice they are stale and reconnect before use, so the first
 * call already succeeds, on every handle. */
static void test_pg_server_restart(void **state) {
    fixture *f = *state;
    store *st = NULL;
    rc_error err = {0};
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f, .pool_size = 2};
    assert_int_equal(store_open(f->url, &o, &st, NULL), 0);
    assert_int_equal(store_ping(st, NULL), 0);
    assert_int_equal(pg_server_cmd("stop"), 0);
    assert_int_equal(store_ping(st, &err), RC_EDB);
    assert_string_equal(err.code, "InternalError");
    assert_int_equal(pg_server_cmd("start"), 0);
    assert_int_equal(store_ping(st, NULL), 0);
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    store_job job;
    assert_int_equal(store_job_get(st, "00000000000000000000000000000001", USER, &job, NULL), 0);
    store_job_free(&job);
    store_close(st);
}

/* Statements a connection runs with parameters are prepared there once (store_pg.c): the
 * session lists them. A server restart gives the connection a new session without them, and
 * they are prepared again instead of failing as unknown. */
static long prepared_count(store *st) {
    PGconn *conn = NULL;
    PGresult *res = NULL;
    assert_int_equal(store_pg_get(st, &conn, NULL), 0);
    assert_int_equal(
        store_pg_exec(conn, "SELECT count(*) FROM pg_prepared_statements", NULL, &res, NULL), 0);
    long n = (long)store_pg_int_at(res, 0, 0);
    PQclear(res);
    store_pg_put(st, conn);
    return n;
}

static void test_pg_prepared(void **state) {
    fixture *f = *state;
    store *st = NULL;
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f, .pool_size = 1};
    assert_int_equal(store_open(f->url, &o, &st, NULL), 0);
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    store_job job;
    long before = prepared_count(st);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(store_job_get(st, "00000000000000000000000000000001", USER, &job, NULL),
                         0);
        store_job_free(&job);
        assert_int_equal(store_job_get(st, "00000000000000000000000000000001", USER, &job, NULL),
                         0);
        store_job_free(&job);
        long after = prepared_count(st);
        assert_true(after > (round ? 0 : before));
        if (round == 0) { /* a new session: nothing prepared on the server any more */
            assert_int_equal(pg_server_cmd("stop"), 0);
            assert_int_equal(pg_server_cmd("start"), 0);
            assert_int_equal(store_ping(st, NULL), 0);
            assert_int_equal(prepared_count(st), 0);
        }
    }
    store_close(st);
}

/* Stands in for the whole suite when there is no server, so the skip shows in the results. */
static void test_postgresql_unavailable(void **state) {
    (void)state;
    skip();
}

static const char *script_path(char *buf, size_t n) {
    const char *src = getenv("REELCUT_SRC");
    if (src)
        snprintf(buf, n, "%s/tests/unit/store/pg_server.sh", src);
    else
        snprintf(buf, n, "%s", __FILE__);
    if (!src) {
        char *slash = strrchr(buf, '/');
        snprintf(slash ? slash + 1 : buf, n - (size_t)(slash ? slash + 1 - buf : 0),
                 "pg_server.sh");
    }
    return buf;
}

int main(void) {
    char cmd[1024];
    script_path(script, sizeof(script));
    snprintf(server.dir, sizeof(server.dir), "/tmp/reelcut-pg-XXXXXX");
    if (!mkdtemp(server.dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(cmd, sizeof(cmd), "bash '%s' start '%s'", script, server.dir);
    int status = system(cmd);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    char rm[128];
    snprintf(rm, sizeof(rm), "rm -rf '%s'", server.dir);
    if (code == 77) {
        fprintf(stderr,
                "test_store_pg: SKIPPED - no PostgreSQL server to test against (reason above)\n");
        if (system(rm) != 0)
            fprintf(stderr, "test_store_pg: cannot remove %s\n", server.dir);
        server.dir[0] = '\0';
    } else if (code != 0) {
        fprintf(stderr, "test_store_pg: starting PostgreSQL failed (%d)\n", code);
        if (system(rm) != 0)
            fprintf(stderr, "test_store_pg: cannot remove %s\n", server.dir);
        return 1;
    } else {
        snprintf(server.admin, sizeof(server.admin),
                 "host=%s port=5432 user=postgres dbname=postgres", server.dir);
    }

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pg_url_and_errors, pg_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pg_server_restart, pg_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pg_prepared, pg_setup, fixture_teardown),
        STORE_SUITE_JOBS(pg_setup, fixture_teardown),
        STORE_SUITE_MISC(pg_setup, fixture_teardown),
    };
    const struct CMUnitTest unavailable[] = {
        cmocka_unit_test(test_postgresql_unavailable),
    };
    int failed = server.dir[0] ? cmocka_run_group_tests(tests, NULL, NULL)
                               : cmocka_run_group_tests(unavailable, NULL, NULL);

    if (server.dir[0]) {
        snprintf(cmd, sizeof(cmd), "bash '%s' stop '%s'", script, server.dir);
        if (system(cmd) != 0 || system(rm) != 0)
            fprintf(stderr, "test_store_pg: cleanup of %s failed\n", server.dir);
    }
    return failed;
}
