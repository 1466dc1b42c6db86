/* The blob test suite shared by every backend: put/get/delete/exists, 0-byte and multipart-size
 * objects, overwrite, missing bucket and object, the ranged reader. A test program defines its
 * fixture (a backend with the bucket SUITE_BUCKET) and runs BLOB_SUITE_TESTS(setup, teardown). */
#ifndef REELCUT_TEST_BLOB_SUITE_H
#define REELCUT_TEST_BLOB_SUITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob.h"

#define SUITE_BUCKET "suite-bucket"
#define SUITE_LARGE_SIZE ((size_t)17 << 20) /* > the tests' 8 MB multipart threshold: 4 parts */

typedef struct suite_fixture {
    blob_backend *be;
    char tmp[256]; /* a scratch folder for local files, removed by the program */
    int serial;
} suite_fixture;

/* Writes a local file of n pseudo-random bytes (seeded) and returns its path in f->tmp. */
static inline char *suite_local_file(suite_fixture *f, size_t n, unsigned seed) {
    static char path[512];
    snprintf(path, sizeof(path), "%s/local-%d.bin", f->tmp, f->serial++);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    uint32_t x = seed * 2654435761u + 1;
    char block[65536];
    for (size_t done = 0; done < n;) {
        size_t len = n - done < sizeof(block) ? n - done : sizeof(block);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            block[i] = (char)(x >> 24);
        }
        assert_int_equal(fwrite(block, 1, len, fp), len);
        done += len;
    }
    assert_int_equal(fclose(fp), 0);
    return path;
}

/* Whether two files have the same bytes. */
static inline int suite_same_file(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    char ba[65536], bb[65536];
    while (same) {
        size_t na = fread(ba, 1, sizeof(ba), fa), nb = fread(bb, 1, sizeof(bb), fb);
        if (na != nb || memcmp(ba, bb, na) != 0)
            same = 0;
        if (na == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Puts n seeded bytes at key; keeps a copy of the expected bytes at expect (in f->tmp). */
static inline void suite_put(suite_fixture *f, const char *key, size_t n, unsigned seed,
                             char *expect, size_t expect_n) {
    char *local = suite_local_file(f, n, seed);
    snprintf(expect, expect_n, "%s/expect-%d.bin", f->tmp, f->serial++);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", local, expect);
    assert_int_equal(system(cmd), 0);
    rc_error err = {0};
    int rc = blob_put_file(f->be, SUITE_BUCKET, key, local, &err);
    if (rc)
        fprintf(stderr, "put %s: %s\n", key, err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(access(local, F_OK), -1); /* consumed */
}

/* Gets key and checks it has the bytes of expect. */
static inline void suite_check(suite_fixture *f, const char *key, const char *expect) {
    char *path = NULL;
    int is_temp = -1;
    rc_error err = {0};
    int rc = blob_get_local(f->be, SUITE_BUCKET, key, f->tmp, &path, &is_temp, &err);
    if (rc)
        fprintf(stderr, "get %s: %s\n", key, err.message);
    assert_int_equal(rc, 0);
    assert_non_null(path);
    assert_true(suite_same_file(path, expect));
    if (is_temp) {
        assert_int_equal(strncmp(path, f->tmp, strlen(f->tmp)), 0);
        unlink(path);
    }
    free(path);
}

static inline void suite_put_get_delete(void **state) {
    suite_fixture *f = *state;
    char expect[512];
    const char *key = "dir one/sub/clip +1=ä&x.mp4";
    suite_put(f, key, 300000, 1, expect, sizeof(expect));
    suite_check(f, key, expect);
    rc_error err = {0};
    assert_int_equal(blob_delete_object(f->be, SUITE_BUCKET, key, &err), 0);
    char *path = NULL;
    int is_temp;
    assert_int_equal(blob_get_local(f->be, SUITE_BUCKET, key, f->tmp, &path, &is_temp, &err),
                     RC_ENOENT);
    assert_null(path);
    /* Deleting what is not there is fine. */
    rc_error_clear(&err);
    assert_int_equal(blob_delete_object(f->be, SUITE_BUCKET, key, &err), 0);
}

static inline void suite_zero_byte(void **state) {
    suite_fixture *f = *state;
    char expect[512];
    suite_put(f, "empty.bin", 0, 2, expect, sizeof(expect));
    suite_check(f, "empty.bin", expect);
    struct stat sb;
    assert_int_equal(stat(expect, &sb), 0);
    assert_int_equal(sb.st_size, 0);
}

static inline void suite_large(void **state) {
    suite_fixture *f = *state;
    char expect[512];
    suite_put(f, "large/object.bin", SUITE_LARGE_SIZE, 3, expect, sizeof(expect));
    suite_check(f, "large/object.bin", expect);
    unlink(expect);
}

static inline void suite_overwrite(void **state) {
    suite_fixture *f = *state;
    char first[512], second[512];
    suite_put(f, "over.bin", 100000, 4, first, sizeof(first));
    suite_put(f, "over.bin", 5000, 5, second, sizeof(second));
    assert_false(suite_same_file(first, second));
    suite_check(f, "over.bin", second);
}

static inline void suite_exists(void **state) {
    suite_fixture *f = *state;
    rc_error err = {0};
    assert_int_equal(blob_bucket_exists(f->be, SUITE_BUCKET, &err), 0);
    assert_int_equal(blob_bucket_exists(f->be, "no-such-bucket", &err), RC_ENOENT);
    assert_string_equal(err.code, "InvalidParameter.ResourceNotFound");
    assert_non_null(strstr(err.message, "no-such-bucket"));
}

static inline void suite_missing(void **state) {
    suite_fixture *f = *state;
    rc_error err = {0};
    char *path = NULL;
    int is_temp;
    assert_int_equal(
        blob_get_local(f->be, SUITE_BUCKET, "nope/none.mp4", f->tmp, &path, &is_temp, &err),
        RC_ENOENT);
    assert_string_equal(err.code, "InvalidParameter.ResourceNotFound");
    assert_non_null(strstr(err.message, "oss://" SUITE_BUCKET "/nope/none.mp4"));
    rc_error_clear(&err);
    assert_int_equal(
        blob_get_local(f->be, "no-such-bucket", "a.mp4", f->tmp, &path, &is_temp, &err), RC_ENOENT);
    assert_non_null(strstr(err.message, "no-such-bucket"));
    assert_null(path);
    /* A put into a missing bucket fails, consumes the file and creates nothing. */
    rc_error_clear(&err);
    char *local = suite_local_file(f, 1000, 6);
    assert_int_equal(blob_put_file(f->be, "no-such-bucket", "a.mp4", local, &err), RC_ENOENT);
    assert_non_null(strstr(err.message, "no-such-bucket"));
    assert_int_equal(access(local, F_OK), -1);
    assert_int_equal(blob_bucket_exists(f->be, "no-such-bucket", NULL), RC_ENOENT);
}

/* The reader (blob_open_reader): the object's bytes at any offset, the end, a missing object. */
static inline void suite_reader(void **state) {
    suite_fixture *f = *state;
    char expect[512];
    const size_t n = (size_t)6 << 20; /* on S3, past the whole-object size: ranged GETs */
    suite_put(f, "read/me.bin", n, 7, expect, sizeof(expect));
    FILE *fp = fopen(expect, "rb");
    assert_non_null(fp);
    unsigned char *want = malloc(n), *got = malloc(n);
    assert_non_null(want);
    assert_non_null(got);
    assert_int_equal(fread(want, 1, n, fp), n);
    fclose(fp);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(f->be, SUITE_BUCKET, "read/me.bin", f->tmp, &r, &err), 0);
    assert_int_equal(blob_reader_size(r), (int64_t)n);
    static const int64_t offs[] = {5000000, 0, 3 << 20, 100, 6000000};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        int k = blob_reader_read_at(r, offs[i], got, 70000);
        assert_true(k > 0 && k <= 70000);
        assert_memory_equal(got, want + offs[i], (size_t)k);
    }
    assert_int_equal(blob_reader_read_at(r, (int64_t)n - 5, got, 100), 5);
    assert_memory_equal(got, want + n - 5, 5);
    assert_int_equal(blob_reader_read_at(r, (int64_t)n, got, 100), 0);
    assert_null(blob_reader_error(r));
    blob_reader_close(r);
    free(want);
    free(got);
    r = NULL;
    assert_int_equal(blob_open_reader(f->be, SUITE_BUCKET, "nope/none.mp4", f->tmp, &r, &err),
                     RC_ENOENT);
    assert_null(r);
    assert_non_null(strstr(err.message, "oss://" SUITE_BUCKET "/nope/none.mp4"));
}

#define BLOB_SUITE_TESTS(setup, teardown)                                                          \
    cmocka_unit_test_setup_teardown(suite_put_get_delete, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(suite_zero_byte, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(suite_large, setup, teardown),                             \
        cmocka_unit_test_setup_teardown(suite_overwrite, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(suite_exists, setup, teardown),                            \
        cmocka_unit_test_setup_teardown(suite_missing, setup, teardown),                           \
        cmocka_unit_test_setup_teardown(suite_reader, setup, teardown)

#endif
