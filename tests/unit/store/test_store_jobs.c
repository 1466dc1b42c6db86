/* Unit tests for the job store on real SQLite files: the shared job suite plus SQLite specifics. */
#include <sys/wait.h>

#define STORE_SUITE_SCHEMA_VERSION                                                                 \
    4 /* SQLite: 2 keeps per-state job counts, 3 job artefacts, 4 job attempt records */
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
    assert_int_equal(store_open("mysql://u:secret@x/y", NULL, &st, &err), RC_ENOTSUP);
    assert_null(st);
    assert_string_equal(err.message, "job store: unsupported database URL scheme \"mysql\"");
    /* A file that is not a database. */
    char junk[160];
    snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
    FILE *fp = fopen(junk, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database file\n", fp);
    fclose(fp);
    rc_error_clear(&err);
    assert_int_equal(store_open(junk, NULL, &st, &err), RC_EDB);
    assert_null(st);
    assert_string_equal(err.code, "InternalError");
    assert_int_equal(store_open("", NULL, &st, NULL), RC_EINVAL);
    rc_error_clear(&err);
    assert_int_equal(store_open("/nonexistent-dir/x/y.db", NULL, &st, &err), RC_EDB);
    assert_string_equal(err.code, "InternalError");
    assert_non_null(strstr(err.message, "/nonexistent-dir/x/y.db"));
}

/* Claims and finishes jobs on its own handle until none is left; returns how many. Results go to
 * jobs' ai_result so the parent can tell who ran what. */
static int drain(const char *path, const char *owner) {
    store *st = NULL;
    store_job job;
    int n = 0;
    if (store_open(path, NULL, &st, NULL))
        return -1;
    while (store_job_claim(st, owner, LEASE_MS, 3, &job, NULL) == 0) {
        store_job_result done = {.state = STORE_JOB_FINISHED, .ai_result = owner};
        if (store_job_finish(st, job.job_id, owner, &done, NULL) == 0)
            n++;
        store_job_free(&job);
    }
    store_close(st);
    return n;
}

/* `reelcut serve` and `reelcut worker` on one machine: two processes share the SQLite file. */
static void test_two_processes(void **state) {
    enum { JOBS = 120 };
    fixture *f = *state;
    for (int n = 1; n <= JOBS; n++)
        assert_int_equal(fixture_submit(f, n, USER, "Segmentation", NULL), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(drain(f->path, "child") >= 0 ? 0 : 1);
    int mine = drain(f->path, "parent");
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(mine >= 0);

    /* Every job ran exactly once, by one of the two. */
    int by_child = 0;
    for (int n = 1; n <= JOBS; n++) {
        char id[STORE_ID_LEN + 1];
        store_job job;
        fixture_id(n, id);
        assert_int_equal(store_job_get(f->st, id, USER, &job, NULL), 0);
        assert_int_equal(job.state, STORE_JOB_FINISHED);
        assert_int_equal(job.attempts, 1);
        by_child += strcmp(job.ai_result, "child") == 0;
        store_job_free(&job);
    }
    if (getenv("STORE_TEST_DEBUG"))
        fprintf(stderr, "parent ran %d, child %d\n", mine, by_child);
    assert_int_equal(by_child + mine, JOBS);
}

/* The queue-capacity check reads the trigger-kept counts: a finished or purged job frees its place.
 */
static void test_capacity_follows_state(void **state) {
    fixture *f = *state;
    store_job a = {0}, job = {0};
    enum store_submit_outcome outcome;
    int64_t deleted = 0;
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    assert_int_equal(fixture_submit(f, 2, USER, "Segmentation", NULL), 0);
    fixture_id(3, job.job_id);
    job.user_id = USER;
    job.type = "Segmentation";
    job.input_config = "{}";
    assert_int_equal(store_job_submit(f->st, &job, NULL, 2, NULL, &outcome, NULL), RC_EBUSY);
    assert_int_equal(store_job_claim(f->st, "w", LEASE_MS, 3, &a, NULL), 0);
    assert_int_equal(store_job_submit(f->st, &job, NULL, 2, NULL, &outcome, NULL), RC_EBUSY);
    store_job_result done = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    assert_int_equal(store_job_finish(f->st, a.job_id, "w", &done, NULL), 0);
    store_job_free(&a);
    assert_int_equal(store_job_submit(f->st, &job, NULL, 2, NULL, &outcome, NULL), 0);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 2);
    assert_int_equal(counts[STORE_JOB_FINISHED], 1);
    fixture_advance(f, 10 * 1000);
    assert_int_equal(store_purge(f->st, 5, &deleted, NULL), 0);
    assert_int_equal(deleted, 3);
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    for (int i = 0; i < STORE_JOB_STATE_COUNT; i++)
        assert_int_equal(counts[i], 0);
}

/* Submissions queued while another connection holds the write lock are written in one
 * transaction when it lets go (the commit thread took the first and waits; the others queue behind
 * it): inside that batch, tokens, the queue limit and a taken id still give each its own outcome,
 * and a failing one leaves the others written. */
static void test_submit_batch_while_locked(void **state) {
    fixture *f = *state;
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    sqlite3 *lock = NULL;
    assert_int_equal(sqlite3_open(f->path, &lock), SQLITE_OK);
    assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    async_set *a = async_new();
    int n = 0;
    async_prepare(a, n++, 10, NULL, NULL, 0); /* taken by the commit thread, which then waits */
    for (int i = 0; i < 10; i++)
        async_prepare(a, n++, 20 + i, "tok", "fp", 0);
    async_prepare(a, n++, 1, NULL, NULL, 0); /* taken id */
    async_prepare(a, n++, 40, "tok", "other", 0);
    for (int i = 0; i < 10; i++) /* room for 5 more unfinished jobs: 1, 10, 20 and 2 of these */
        async_prepare(a, n++, 50 + i, NULL, NULL, 5);
    for (int i = 0; i < n; i++)
        store_job_submit_async(f->st, &a->req[i]);
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(a->done, 0); /* nothing answered before it is written */
    assert_int_equal(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(lock);
    async_wait(a, n);

    assert_int_equal(a->req[0].rc, 0);
    expect_one_job_for_token(a, 1, 10, 20);
    assert_int_equal(a->req[11].rc, RC_EEXIST);
    assert_int_equal(a->req[12].outcome, STORE_SUBMIT_MISMATCH);
    for (int i = 13; i < 15; i++)
        assert_int_equal(a->req[i].rc, 0);
    for (int i = 15; i < n; i++)
        assert_int_equal(a->req[i].rc, RC_EBUSY);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 5); /* 1, 10, 20, 50, 51 */
    async_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_urls, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_two_processes, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_submit_batch_while_locked, fixture_setup,
                                        fixture_teardown),
        STORE_SUITE_JOBS(fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_capacity_follows_state, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
