/* The shared replay-nonce table (store_nonce_table.c) on its own: records and replays, expiry,
 * spilling a full bucket to the durable store, sharing between processes (fork), a process killed
 * while holding a bucket lock, lock words left from before a reboot, a damaged file. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store_nonce_table.h"

#define HEADER 4096
#define ONE_BUCKET (HEADER + 512) /* a table of one bucket: 14 slots */
static const int64_t T = 1735787045;

typedef struct {
    char dir[64], path[128];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/reelcut-nt-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/t.table", f->dir);
    *state = f;
    alarm(60); /* a lock that never comes back fails the test instead of hanging it */
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    alarm(0);
    return 0;
}

/* The durable store behind the table: a list of keys, and how often it was asked. */
typedef struct {
    unsigned char keys[64][STORE_NONCE_KEY_LEN];
    int n, calls;
    const unsigned char *key; /* the key being used */
} durable;

static int spill(void *ctx) {
    durable *d = ctx;
    d->calls++;
    for (int i = 0; i < d->n; i++)
        if (memcmp(d->keys[i], d->key, STORE_NONCE_KEY_LEN) == 0)
            return RC_EEXIST;
    memcpy(d->keys[d->n++], d->key, STORE_NONCE_KEY_LEN);
    return 0;
}

static int use(store_nonce_table *t, durable *d, const char *ak, const char *nonce, int64_t now,
               int64_t exp) {
    unsigned char key[STORE_NONCE_KEY_LEN];
    store_nonce_table_key(ak, nonce, key);
    d->key = key;
    return store_nonce_table_use(t, key, now, exp, spill, d);
}

static int no_spill(void *ctx) {
    (void)ctx;
    fail_msg("the durable store was asked while the table had room");
    return RC_EINTERNAL;
}

static void test_records_and_replays(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, 0, &t, NULL), 0);
    assert_true(store_nonce_table_capacity(t) >= 2000);
    unsigned char a[STORE_NONCE_KEY_LEN], b[STORE_NONCE_KEY_LEN];
    assert_int_equal(store_nonce_table_key("ak", "n1", a), 0);
    assert_int_equal(store_nonce_table_key("ak2", "n1", b), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    store_nonce_table_key("akn", "1", b); /* the separator keeps ("ak","n1") from ("akn","1") */
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(store_nonce_table_use(t, a, T, T + 900, no_spill, NULL), 0);
    assert_int_equal(store_nonce_table_use(t, a, T + 1, T + 901, no_spill, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_table_use(t, b, T + 1, T + 901, no_spill, NULL), 0);
    /* live until its expiry, then free again */
    assert_int_equal(store_nonce_table_use(t, a, T + 899, T + 1799, no_spill, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_table_use(t, a, T + 900, T + 1800, no_spill, NULL), 0);
    /* an already expired record is checked but not kept */
    unsigned char c[STORE_NONCE_KEY_LEN];
    store_nonce_table_key("ak", "old", c);
    assert_int_equal(store_nonce_table_use(t, c, T, T, no_spill, NULL), 0);
    assert_int_equal(store_nonce_table_use(t, c, T, T + 900, no_spill, NULL), 0);
    /* a second mapping of the file (another handle or process) sees the records */
    store_nonce_table *t2 = NULL;
    assert_int_equal(store_nonce_table_open(f->path, 8 << 20, 0, &t2, NULL), 0);
    assert_int_equal(store_nonce_table_capacity(t2), store_nonce_table_capacity(t)); /* kept */
    assert_int_equal(store_nonce_table_use(t2, b, T + 2, T + 902, no_spill, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_table_clear(t2), 0);
    assert_int_equal(store_nonce_table_use(t, b, T + 2, T + 902, no_spill, NULL), 0);
    store_nonce_table_close(t2);
    store_nonce_table_close(t);
    /* and so does the file after closing (a restart) */
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, 0, &t, NULL), 0);
    assert_int_equal(store_nonce_table_use(t, b, T + 3, T + 903, no_spill, NULL), RC_EEXIST);
    store_nonce_table_close(t);
}

/* One bucket of 14 slots: the 15th live key goes to the durable store, and while that record may
 * be live every use of the bucket asks the durable store. */
static void test_full_bucket_spills(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    durable d = {0};
    assert_int_equal(store_nonce_table_open(f->path, ONE_BUCKET, 0, &t, NULL), 0);
    assert_int_equal(store_nonce_table_capacity(t), 14);
    char nonce[16];
    for (int i = 0; i < 14; i++) {
        snprintf(nonce, sizeof(nonce), "n%d", i);
        assert_int_equal(use(t, &d, "ak", nonce, T, T + 100 + i), 0);
    }
    assert_int_equal(d.calls, 0);
    assert_int_equal(use(t, &d, "ak", "spilled", T, T + 900), 0);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.n, 1);
    assert_int_equal(use(t, &d, "ak", "spilled", T + 1, T + 901), RC_EEXIST); /* found there */
    assert_int_equal(use(t, &d, "ak", "n3", T + 1, T + 901), RC_EEXIST);      /* found here */
    /* slots free up at T + 100.., but the mark (T + 900) sends new keys to the durable store */
    assert_int_equal(use(t, &d, "ak", "later", T + 200, T + 1100), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(use(t, &d, "ak", "spilled", T + 899, T + 1799), RC_EEXIST);
    /* past the newest spilled record (T + 1100) the table decides alone again */
    int calls = d.calls;
    assert_int_equal(use(t, &d, "ak", "fresh", T + 1100, T + 2000), 0);
    assert_int_equal(use(t, &d, "ak", "fresh", T + 1101, T + 2001), RC_EEXIST);
    assert_int_equal(d.calls, calls);
    store_nonce_table_close(t);
}

/* A table created over a durable store that has live records starts with every bucket marked. */
static void test_new_table_marked_from_durable_store(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    durable d = {0};
    store_nonce_table_key("ak", "old", d.keys[0]);
    d.n = 1;
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, T + 600, &t, NULL), 0);
    assert_int_equal(use(t, &d, "ak", "old", T, T + 900), RC_EEXIST);
    assert_int_equal(use(t, &d, "ak", "new", T, T + 900), 0);
    assert_int_equal(use(t, &d, "ak", "new", T + 1, T + 901), RC_EEXIST);
    store_nonce_table_close(t);
    /* reopening an existing table does not mark it again */
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, T + 5000, &t, NULL), 0);
    d.calls = 0;
    assert_int_equal(use(t, &d, "ak", "x", T + 700, T + 1600), 0);
    assert_int_equal(d.calls, 0);
    store_nonce_table_close(t);
}

/* Two processes recording the same 300 nonces at once: each is accepted exactly once. */
static void test_processes_share_the_table(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    assert_int_equal(store_nonce_table_open(f->path, 4 << 20, 0, &t, NULL), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    char nonce[32];
    int accepted = 0;
    if (pid == 0) { /* the other server process: its own mapping */
        store_nonce_table *c = NULL;
        if (store_nonce_table_open(f->path, 4 << 20, 0, &c, NULL))
            _exit(2);
        for (int i = 0; i < 300; i++) {
            snprintf(nonce, sizeof(nonce), "shared-%d", i);
            unsigned char key[STORE_NONCE_KEY_LEN];
            store_nonce_table_key("ak", nonce, key);
            if (store_nonce_table_use(c, key, T, T + 900, no_spill, NULL) == 0)
                accepted++;
        }
        if (write(fds[1], &accepted, sizeof(accepted)) != (ssize_t)sizeof(accepted))
            _exit(3);
        _exit(0);
    }
    for (int i = 299; i >= 0; i--) {
        snprintf(nonce, sizeof(nonce), "shared-%d", i);
        unsigned char key[STORE_NONCE_KEY_LEN];
        store_nonce_table_key("ak", nonce, key);
        int rc = store_nonce_table_use(t, key, T, T + 900, no_spill, NULL);
        assert_true(rc == 0 || rc == RC_EEXIST);
        accepted += rc == 0;
    }
    int child = -1, status = 0;
    assert_int_equal(read(fds[0], &child, sizeof(child)), sizeof(child));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(accepted + child, 300);
    close(fds[0]);
    close(fds[1]);
    store_nonce_table_close(t);
}

static int die_holding_the_lock(void *ctx) {
    (void)ctx;
    raise(SIGKILL); /* inside store_nonce_table_use, bucket locked */
    return 0;
}

/* kill -9 of a process holding a bucket lock: the next user recovers the lock, the records stay. */
static void test_killed_lock_holder(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    durable d = {0};
    assert_int_equal(store_nonce_table_open(f->path, ONE_BUCKET, 0, &t, NULL), 0);
    char nonce[16];
    for (int i = 0; i < 14; i++) {
        snprintf(nonce, sizeof(nonce), "n%d", i);
        assert_int_equal(use(t, &d, "ak", nonce, T, T + 900), 0);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        unsigned char key[STORE_NONCE_KEY_LEN];
        store_nonce_table_key("ak", "fifteenth", key); /* the bucket is full: spills */
        store_nonce_table_use(t, key, T, T + 900, die_holding_the_lock, NULL);
        _exit(1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(use(t, &d, "ak", "n5", T + 1, T + 901), RC_EEXIST);
    assert_int_equal(use(t, &d, "ak", "fifteenth", T + 1, T + 901), 0); /* never recorded */
    assert_int_equal(use(t, &d, "ak", "fifteenth", T + 2, T + 902), RC_EEXIST);
    store_nonce_table_close(t);
}

/* After a reboot no process can hold a lock: a lock word still saying "held" (here: by pid 1,
 * which never lets go) is reset by the first opener of the new boot. */
static void test_locks_reset_after_reboot(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    assert_int_equal(store_nonce_table_open(f->path, ONE_BUCKET, 0, &t, NULL), 0);
    store_nonce_table_close(t);
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    const int owner = 1; /* glibc's mutex word: the owner's thread id */
    assert_int_equal(fseek(fp, HEADER, SEEK_SET), 0);
    assert_int_equal(fwrite(&owner, sizeof(owner), 1, fp), 1);
    const char other_boot[] = "00000000-0000-0000-0000-000000000000";
    assert_int_equal(fseek(fp, 24, SEEK_SET), 0); /* the header's boot id */
    assert_int_equal(fwrite(other_boot, sizeof(other_boot), 1, fp), 1);
    fclose(fp);
    assert_int_equal(store_nonce_table_open(f->path, ONE_BUCKET, 0, &t, NULL), 0);
    durable d = {0};
    assert_int_equal(use(t, &d, "ak", "after-reboot", T, T + 900), 0);
    store_nonce_table_close(t);
}

static void test_damaged_file(void **state) {
    fixture *f = *state;
    store_nonce_table *t = NULL;
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, 0, &t, NULL), 0);
    store_nonce_table_close(t);
    assert_int_equal(truncate(f->path, HEADER + 512), 0); /* header says 2040 buckets */
    rc_error err = {0};
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, 0, &t, &err), RC_EDB);
    assert_null(t);
    assert_non_null(strstr(err.message, f->path));
    assert_non_null(strstr(err.message, "damaged"));
    rc_error err2 = {0};
    assert_int_equal(store_nonce_table_open("/nonexistent-dir/t.table", 1 << 20, 0, &t, &err2),
                     RC_EDB);
    assert_non_null(strstr(err2.message, "/nonexistent-dir/t.table"));
}

/* A process that died (or got SIGBUS) while building a table left a file of the full size with
 * holes, garbage in some buckets and no magic: the next opener builds it anew, with every block
 * allocated, so writes through the mapping can no longer fault. */
static void test_half_written_file_rebuilt(void **state) {
    fixture *f = *state;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    static const char junk[] = "half-written bucket, no magic anywhere";
    assert_int_equal(fseek(fp, HEADER + 512 * 7, SEEK_SET), 0);
    assert_int_equal(fwrite(junk, sizeof(junk), 1, fp), 1);
    fclose(fp);
    assert_int_equal(truncate(f->path, 1 << 20), 0); /* sparse: the rest is holes */
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_true((off_t)sb.st_blocks * 512 < sb.st_size);
    store_nonce_table *t = NULL;
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, 0, &t, NULL), 0);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_true((off_t)sb.st_blocks * 512 >= sb.st_size); /* no hole left to fault on */
    durable d = {0};
    assert_int_equal(use(t, &d, "ak", "n1", T, T + 901), 0);
    assert_int_equal(use(t, &d, "ak", "n1", T + 900, T + 1801), RC_EEXIST);
    assert_int_equal(d.calls, 0);
    store_nonce_table_close(t);
    /* and it is a complete table now: reopened as is */
    assert_int_equal(store_nonce_table_open(f->path, 1 << 20, 0, &t, NULL), 0);
    assert_int_equal(use(t, &d, "ak", "n1", T + 900, T + 1801), RC_EEXIST);
    store_nonce_table_close(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records_and_replays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_bucket_spills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_table_marked_from_durable_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_processes_share_the_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_lock_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locks_reset_after_reboot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_written_file_rebuilt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
