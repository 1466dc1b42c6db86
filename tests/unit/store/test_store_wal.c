/* The SQLite backend's hot-path machinery: cached prepared statements keep answering correctly when
 * reused, WAL checkpoints happen on the background thread, not only at close, and the wal-index
 * map of the kept snapshots leaves SQLite's locks alone. */
#include "store_fixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 10
#define ROUND_SUBMITS 200
#define WAL_BOUND_BYTES (16LL << 20) /* measured: ~4.6 MB swept, ~46 MB pinned */

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
        assert_int_equal(store_job_get(f->st, "00000000000000000000000000000009", USER, &a, NULL),
                         RC_ENOENT);
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

/* Opens a second handle on f's file, as another process on the data dir would. */
static store *open_second(fixture *f) {
    store *st = NULL;
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f};
    assert_int_equal(store_open(f->url, &o, &st, NULL), 0);
    return st;
}

/* Submits a minimal job n through st. */
static void submit_on(store *st, int n) {
    store_job job = {0};
    enum store_submit_outcome outcome;
    fixture_id(n, job.job_id);
    job.user_id = USER;
    job.type = "Segmentation";
    job.input_config = "{\"Type\":\"OSS\",\"Media\":\"oss://in/a.mp4\"}";
    job.input_file = "oss://in/a.mp4";
    assert_int_equal(store_job_submit(st, &job, NULL, 0, NULL, &outcome, NULL), 0);
}

static void expect_progress(store *st, int n, enum store_job_state state, int progress) {
    char id[STORE_ID_LEN + 1];
    store_job j = {0};
    fixture_id(n, id);
    assert_int_equal(store_job_get(st, id, USER, &j, NULL), 0);
    assert_int_equal(j.state, state);
    assert_int_equal(j.progress, progress);
    store_job_free(&j);
}

/* A job read keeps its read transaction for the next read while nothing was committed; a commit
 * from anywhere - the same handle, another handle (another process), a plain sqlite3 connection -
 * must be seen by the very next read, each time. */
static void test_kept_snapshot_sees_every_commit(void **state) {
    fixture *f = *state;
    store *other = open_second(f);
    char id1[STORE_ID_LEN + 1];
    fixture_id(1, id1);
    submit_on(f->st, 1);
    expect_progress(f->st, 1, STORE_JOB_CREATED, 0);
    expect_progress(f->st, 1, STORE_JOB_CREATED, 0); /* (read again on the kept snapshot) */
    store_job claimed = {0};
    assert_int_equal(store_job_claim(other, "w1", LEASE_MS, 3, &claimed, NULL), 0);
    assert_string_equal(claimed.job_id, id1);
    store_job_free(&claimed);
    expect_progress(f->st, 1, STORE_JOB_EXECUTING, 0);
    for (int p = 1; p <= 60; p++) {
        assert_int_equal(store_job_progress(other, id1, "w1", p, NULL), 0);
        expect_progress(f->st, 1, STORE_JOB_EXECUTING, p);
        expect_progress(other, 1, STORE_JOB_EXECUTING, p);
    }
    /* a job submitted through this handle's writer connection, read at once */
    submit_on(f->st, 2);
    expect_progress(f->st, 2, STORE_JOB_CREATED, 0);
    /* and a change made behind reelcut's back */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE jobs SET progress=77"
                                  " WHERE job_id='00000000000000000000000000000002'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    expect_progress(f->st, 2, STORE_JOB_CREATED, 77);
    store_close(other);
}

static long long wal_size(fixture *f) {
    char wal[160];
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    return file_size(wal);
}

/* An idle handle's kept snapshot must not hold back another handle's checkpoints: the sweep ends
 * it, so the WAL is copied into the database and starts over from the top instead of growing. */
static void test_idle_snapshot_does_not_pin_the_wal(void **state) {
    fixture *f = *state;
    store *writer = open_second(f);
    submit_on(writer, 1);
    expect_progress(f->st, 1, STORE_JOB_CREATED, 0); /* f->st keeps a snapshot, then idles */
    long long before = file_size(f->path);
    long long max_wal = 0;
    int n = 1;
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < ROUND_SUBMITS; i++)
            submit_on(writer, ++n);
        struct timespec ts = {0, 300 * 1000000L}; /* a sweep and a checkpoint */
        nanosleep(&ts, NULL);
        long long w = wal_size(f);
        if (w > max_wal)
            max_wal = w;
    }
    long long grown = file_size(f->path) - before;
    fprintf(stderr, "database grew by %lld KiB; the WAL reached at most %lld KiB\n", grown / 1024,
            max_wal / 1024);
    /* pinned, the WAL would hold every round's frames (~ROUNDS x its size after one round) and the
     * database file would not grow (measured: 752 KiB swept, 76 KiB pinned) */
    assert_true(grown > 384 * 1024);
    assert_true(max_wal < WAL_BOUND_BYTES);
    expect_progress(f->st, n, STORE_JOB_CREATED, 0);
    store_close(writer);
}

/* SQLite's unix VFS: the wal-index's "dead man switch" lock byte (UNIX_SHM_DMS). Every process
 * with the database open holds it shared; one that can take it exclusively believes it is alone
 * and truncates the -shm file, which every other process has mapped. */
#define SHM_DMS_BYTE 128

/* Whether another process could take the wal-index's dead man switch (asked from a child). */
static int dms_free_to_others(const char *db_path) {
    char shm[160];
    snprintf(shm, sizeof(shm), "%s-shm", db_path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* (async-signal-safe calls only, after fork) */
        int fd = open(shm, O_RDWR);
        struct flock lk = {
            .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHM_DMS_BYTE, .l_len = 1};
        if (fd < 0 || fcntl(fd, F_GETLK, &lk) != 0)
            _exit(2);
        _exit(lk.l_type == F_UNLCK ? 1 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 2);
    return WEXITSTATUS(status) == 1;
}

/* The kept snapshots' wal-index map must leave this process's SQLite locks alone: a descriptor
 * of its own on the -shm file, once closed, dropped them all (POSIX locks belong to the process),
 * and the next process to open the database truncated the -shm under this one, whose next read
 * died of SIGBUS (a server, as soon as a worker process started). */
static void test_wal_index_locks_kept(void **state) {
    fixture *f = *state;
    submit_on(f->st, 1);
    expect_progress(f->st, 1, STORE_JOB_CREATED, 0);
    assert_false(dms_free_to_others(f->path));
    store *other = open_second(f); /* a second store in this process, opened and closed */
    expect_progress(other, 1, STORE_JOB_CREATED, 0);
    store_close(other);
    assert_false(dms_free_to_others(f->path));
    expect_progress(f->st, 1, STORE_JOB_CREATED, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cached_statements_reset, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_background_checkpoint, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_kept_snapshot_sees_every_commit, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_idle_snapshot_does_not_pin_the_wal, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wal_index_locks_kept, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
