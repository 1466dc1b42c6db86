/* Unit tests for util/ and the ObjectKey rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs/objectkey.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/digest.h"
#include "util/ids.h"
#include "util/rc.h"
#include "util/timeutil.h"

/* A growable array: the same storage while there is room, doubled when full (first items when
 * empty), NULL without touching anything when the size would overflow. */
static void test_buf_array_room(void **state) {
    (void)state;
    size_t cap = 0;
    int *a = buf_array_room(NULL, &cap, 0, sizeof(int), 4);
    assert_non_null(a);
    assert_int_equal(cap, 4);
    for (int i = 0; i < 4; i++)
        a[i] = i;
    assert_ptr_equal(buf_array_room(a, &cap, 3, sizeof(int), 4), a);
    assert_int_equal(cap, 4);
    a = buf_array_room(a, &cap, 4, sizeof(int), 4);
    assert_non_null(a);
    assert_int_equal(cap, 8);
    assert_int_equal(a[3], 3);
    size_t huge = SIZE_MAX / 2 + 1;
    assert_null(buf_array_room(a, &huge, huge, sizeof(int), 4));
    assert_true(huge == SIZE_MAX / 2 + 1);
    free(a);
}

static void test_buf_cap(void **state) {
    (void)state;
    buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345678"), 0);
    assert_int_equal(buf_puts(&b, "9"), RC_ETOOBIG);
    assert_string_equal(b.data, "12345678");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.data, "42-x");
    char *s = buf_detach(&b);
    assert_string_equal(s, "42-x");
    free(s);
    buf_free(&b);
}

static void test_ids(void **state) {
    (void)state;
    char a[IDS_HEX_LEN + 1], b[IDS_HEX_LEN + 1], u[IDS_UUID_LEN + 1];
    assert_int_equal(ids_hex128(a), 0);
    assert_int_equal(ids_hex128(b), 0);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 32; i++)
        assert_true(strchr("0123456789abcdef", a[i]) != NULL);
    assert_int_equal(ids_uuid(u), 0);
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[14], '4');
    assert_int_equal(u[8], '-');
}

static int cmp_ids(const void *a, const void *b) {
    return memcmp(a, b, IDS_HEX_LEN + 1);
}

/* The per-thread pool hands out each byte once: no repeats across many refills, and a forked child
 * does not repeat what its parent hands out next. */
static void test_ids_pool(void **state) {
    (void)state;
    enum { N = 3000 }; /* 16 bytes each: ~12 refills of the 4 KiB pool */
    char(*ids)[IDS_HEX_LEN + 1] = calloc(N, sizeof(*ids));
    assert_non_null(ids);
    for (int i = 0; i < N; i++)
        assert_int_equal(ids_hex128(ids[i]), 0);
    qsort(ids, N, sizeof(*ids), cmp_ids);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    free(ids);
    unsigned char big[5000], zero[5000] = {0};
    assert_int_equal(ids_random_bytes(big, sizeof(big)), 0); /* past the pool: straight through */
    assert_memory_not_equal(big, zero, sizeof(big));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char child[IDS_HEX_LEN + 1];
        ids_hex128(child);
        _exit(write(fds[1], child, sizeof(child)) == (ssize_t)sizeof(child) ? 0 : 1);
    }
    char parent[IDS_HEX_LEN + 1], child[IDS_HEX_LEN + 1];
    assert_int_equal(ids_hex128(parent), 0);
    assert_int_equal(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fds[0]);
    close(fds[1]);
    assert_string_not_equal(parent, child);
}

/* HMAC-SHA256 against RFC 4231's test cases 1-4, 6 and 7 (a key longer than the block, a long
 * message), and a SHA-256 fed in parts against the whole. */
static void test_digest(void **state) {
    (void)state;
    unsigned char k20[20], k25[25], k131[131], d50[50];
    memset(k20, 0x0b, sizeof(k20));
    for (int i = 0; i < 25; i++)
        k25[i] = (unsigned char)(i + 1);
    memset(k131, 0xaa, sizeof(k131));
    unsigned char kaa20[20];
    memset(kaa20, 0xaa, sizeof(kaa20));
    static const char msg7[] = "This is a test using a larger than block-size key and a larger than"
                               " block-size data. The key needs to be hashed before being used by"
                               " the HMAC algorithm.";
    struct {
        const void *key;
        size_t key_len;
        const void *data;
        size_t len;
        const char *want;
    } cases[] = {
        {k20, 20, "Hi There", 8,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", 4, "what do ya want for nothing?", 28,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {kaa20, 20, NULL, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {k25, 25, NULL, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {k131, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {k131, 131, msg7, sizeof(msg7) - 1,
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (!cases[i].data) /* cases 3 and 4: 50 bytes of 0xdd / 0xcd */
            memset(d50, i == 2 ? 0xdd : 0xcd, sizeof(d50));
        unsigned char md[DIGEST_SHA256_LEN];
        char hex[2 * DIGEST_SHA256_LEN + 1];
        assert_int_equal(digest_hmac_sha256(cases[i].key, cases[i].key_len,
                                            cases[i].data ? cases[i].data : d50, cases[i].len, md),
                         0);
        ids_to_hex(md, sizeof(md), hex);
        assert_string_equal(hex, cases[i].want);
    }
    unsigned char whole[DIGEST_SHA256_LEN], split[DIGEST_SHA256_LEN];
    assert_int_equal(digest_sha256(msg7, sizeof(msg7) - 1, whole), 0);
    digest_sha256_ctx c; /* the same bytes fed in pieces, one of them empty */
    digest_sha256_init(&c);
    digest_sha256_update(&c, msg7, 10);
    digest_sha256_update(&c, NULL, 0);
    digest_sha256_update(&c, msg7 + 10, sizeof(msg7) - 11);
    assert_int_equal(digest_sha256_final(&c, split), 0);
    assert_memory_equal(whole, split, sizeof(whole));
    assert_int_equal(digest_sha256(NULL, 0, whole), 0);
    char empty[65];
    ids_to_hex(whole, sizeof(whole), empty);
    assert_string_equal(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_time(void **state) {
    (void)state;
    time_t t;
    assert_int_equal(time_parse_iso("2025-01-02T03:04:05Z", &t), 0);
    assert_int_equal((long long)t, 1735787045LL);
    char s[TIME_ISO_LEN + 1];
    time_format_iso(t, s);
    assert_string_equal(s, "2025-01-02T03:04:05Z");
    static const char *bad[] = {"2025-01-02 03:04:05Z",
                                "2025-01-02T03:04:05",
                                "2025-1-02T03:04:05Z",
                                "2025-13-02T03:04:05Z",
                                "",
                                "2025-01-02T03:04:05Z "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(time_parse_iso(bad[i], &t), RC_EINVAL);
}

static void test_objectkey_expand(void **state) {
    (void)state;
    static const struct {
        const char *tmpl;
        int index;
        const char *want;
    } cases[] = {
        {"out/part_{index}.mp4", 3, "out/part_3.mp4"},
        {"{index}/{index}.mkv", 12, "12/12.mkv"},
        {"out/clip.mp4", 2, "out/clip_2.mp4"},
        {"out/clip", 1, "out/clip_1"},
        {"a.b/clip", 1, "a.b/clip_1"},
    };
    char out[OBJECTKEY_MAX + 1];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc_error err = {0};
        assert_int_equal(objectkey_expand(cases[i].tmpl, cases[i].index, OBJECTKEY_MAX, out,
                                          sizeof(out), "OutputConfig.ObjectKey", &err),
                         0);
        assert_string_equal(out, cases[i].want);
    }
    char longkey[1100];
    memset(longkey, 'a', 1020);
    strcpy(longkey + 1020, "{index}.mp4");
    rc_error err = {0};
    assert_int_equal(objectkey_expand(longkey, 1, OBJECTKEY_MAX, out, sizeof(out),
                                      "OutputConfig.ObjectKey", &err),
                     RC_ERANGE);
    assert_string_equal(err.message, "OutputConfig.ObjectKey must be at most 1023 bytes");
}

/* rc_error_hide_paths: paths under the folder go, look-alikes stay. */
static void test_rc_hide_paths(void **state) {
    (void)state;
    static const struct {
        const char *dir, *message, *want;
        int hidden;
    } cases[] = {
        {"/srv/data", "/srv/data/tmp/job-1/download-x is not readable media (Invalid data)",
         "[F] is not readable media (Invalid data)", 1},
        {"/srv/data/", "cannot read (/srv/data/buckets/b/a b.mp4): no",
         "cannot read ([F] b.mp4): no", 1},
        {"./data", "x \"./data/a\", y=./data/b, z:./data/c:d", "x \"[F]\", y=[F], z:[F]:d", 3},
        {"/srv/data", "oss://srv/data/x and /srv/datax/y and /srv/data", "", 0},
        {"/", "/etc/passwd", "", 0},
        {"", "/etc/passwd", "", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc_error err = {0};
        rc_fail(&err, RC_EMEDIA, NULL, "%s", cases[i].message);
        assert_int_equal(rc_error_hide_paths(&err, cases[i].dir, "[F]"), cases[i].hidden);
        assert_string_equal(err.message, cases[i].hidden ? cases[i].want : cases[i].message);
    }
    /* A replacement longer than the room left cuts the message, never overruns it. */
    rc_error err = {0};
    char big[600];
    memset(big, 'x', sizeof(big));
    memcpy(big + 490, " /d/p", 5);
    big[sizeof(big) - 1] = '\0';
    rc_fail(&err, RC_EMEDIA, NULL, "%s", big);
    assert_int_equal(rc_error_hide_paths(&err, "/d", "(a file of the server)"), 1);
    assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
    assert_null(strstr(err.message, "/d/"));
}

/* objectkey_can_produce: exactly the keys some index >= 1 expands the template to. */
static void test_objectkey_can_produce(void **state) {
    (void)state;
    static const struct {
        const char *tmpl, *key, *index; /* index NULL = never produced */
    } cases[] = {
        {"x.mp4", "x_1.mp4", "1"},
        {"x.mp4", "x_2147483648.mp4", "2147483648"}, /* any positive number counts */
        {"x.mp4", "x.mp4", NULL},
        {"x.mp4", "x_0.mp4", NULL},
        {"x.mp4", "x_01.mp4", NULL},
        {"x.mp4", "x_.mp4", NULL},
        {"x.mp4", "x_1a.mp4", NULL},
        {"x.mp4", "x_1.mov", NULL},
        {"x.mp4", "y_1.mp4", NULL},
        {"out/clip", "out/clip_7", "7"},
        {"a.b/clip", "a.b/clip_3", "3"},
        {"a.b/clip", "a_3.b/clip", NULL},
        {"p_{index}.mp4", "p_42.mp4", "42"},
        {"p_{index}.mp4", "p_42.mp4.mp4", NULL},
        {"{index}", "9", "9"},
        {"{index}/{index}.mkv", "12/12.mkv", "12"},
        {"{index}/{index}.mkv", "12/13.mkv", NULL},
        {"{index}/{index}.mkv", "1/12.mkv", NULL},
        {"{index}{index}.mp4", "1111.mp4", "11"},
        {"{index}{index}.mp4", "111.mp4", NULL},
        {"a{index}b{index}c.webm", "a5b5c.webm", "5"},
        {"{INDEX}.mp4", "{INDEX}_4.mp4", "4"}, /* only "{index}" is a slot */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char index[24] = "";
        int got = objectkey_can_produce(cases[i].tmpl, cases[i].key, index, sizeof(index));
        if (got != (cases[i].index != NULL))
            print_error("row %zu: %s vs %s: %d\n", i, cases[i].tmpl, cases[i].key, got);
        assert_int_equal(got, cases[i].index != NULL);
        if (cases[i].index)
            assert_string_equal(index, cases[i].index);
        /* and the other way round: expanding with the index gives the key */
        if (cases[i].index && strlen(cases[i].index) < 10) {
            char out[OBJECTKEY_MAX + 1];
            assert_int_equal(objectkey_expand(cases[i].tmpl, atoi(cases[i].index), OBJECTKEY_MAX,
                                              out, sizeof(out), "k", NULL),
                             0);
            assert_string_equal(out, cases[i].key);
        }
    }
}

static void test_objectkey_validate(void **state) {
    (void)state;
    static const struct {
        const char *key;
        int ok;
    } cases[] = {
        {"a/b_{index}.mp4", 1}, {"A.MOV", 1},      {"x.webm", 1},   {"noext", 1},
        {"../x.mp4", 0},        {"a/../b.mp4", 0}, {"/abs.mp4", 0}, {"a/./b.mp4", 0},
        {"x.avi", 0},           {"a\\b.mp4", 0},   {"", 0},         {"a\tb.mp4", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc_error err = {0};
        int rc = objectkey_validate(cases[i].key, "OutputConfig.ObjectKey", 0, &err);
        assert_int_equal(rc == 0, cases[i].ok);
        if (!cases[i].ok)
            assert_non_null(strstr(err.message, "OutputConfig.ObjectKey"));
    }
}

static void test_rc_first_failure_wins(void **state) {
    (void)state;
    rc_error err = {0};
    assert_int_equal(rc_fail(&err, RC_ENOENT, NULL, "%s: missing", "a.mp4"), RC_ENOENT);
    rc_fail(&err, RC_EMEDIA, NULL, "later");
    assert_string_equal(err.code, "InvalidParameter.ResourceNotFound");
    assert_string_equal(err.message, "a.mp4: missing");
    assert_int_equal(rc_exit_status(RC_EMEDIA), 4);
}

/* [limits]: defaults (4K UHD and DCI 4K fit), the ini/env keys, bounds; RC_ELIMIT's code. */
static void test_config_limits(void **state) {
    (void)state;
    config cfg;
    config_defaults(&cfg);
    assert_int_equal(cfg.limits_max_pixels, 4096 * 2176);
    assert_true(cfg.limits_max_pixels >= 3840 * 2160 && cfg.limits_max_pixels >= 4096 * 2160);
    assert_true(cfg.limits_max_pixels < 8192 * 4320);
    assert_int_equal(cfg.limits_codec_threads, 4);
    rc_error err = {0};
    assert_int_equal(config_set(&cfg, "limits", "max_pixels", "33177600", "t", &err), 0);
    assert_int_equal(cfg.limits_max_pixels, 7680 * 4320);
    assert_int_equal(config_set(&cfg, "limits", "max_pixels", "100", "t", &err), RC_EINVAL);
    assert_string_equal(err.message,
                        "t: limits.max_pixels must be an integer in [4096,268435456], not \"100\"");
    rc_error_clear(&err);
    assert_int_equal(config_set(&cfg, "limits", "codec_threads", "0", "t", &err), RC_EINVAL);
    setenv("REELCUT_LIMITS_CODEC_THREADS", "2", 1);
    setenv("REELCUT_LIMITS_MAX_PIXELS", "65536", 1);
    rc_error_clear(&err);
    assert_int_equal(config_load_env(&cfg, &err), 0);
    unsetenv("REELCUT_LIMITS_CODEC_THREADS");
    unsetenv("REELCUT_LIMITS_MAX_PIXELS");
    assert_int_equal(cfg.limits_codec_threads, 2);
    assert_int_equal(cfg.limits_max_pixels, 65536);
    assert_string_equal(rc_ims_code(RC_ELIMIT), "InvalidParameter.ResourceContentBad");
    assert_int_equal(rc_exit_status(RC_ELIMIT), 4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_array_room),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_ids_pool),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_objectkey_expand),
        cmocka_unit_test(test_objectkey_can_produce),
        cmocka_unit_test(test_rc_hide_paths),
        cmocka_unit_test(test_objectkey_validate),
        cmocka_unit_test(test_rc_first_failure_wins),
        cmocka_unit_test(test_config_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
