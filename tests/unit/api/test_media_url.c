/* Unit tests for api/media_url (signed /media URLs of local buckets) and the Range parser of
 * api/web_media: a URL built by api_media_url parses and checks; tampered, expired, too
 * long-lived URLs and paths leaving the bucket are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/media_url.h"
#include "api/web.h"

#define SECRET "testsecret"
#define NOW 1767220000
#define EXPIRES 1767225600

/* Splits a full URL from api_media_url into its path and query (copies in path/query). */
static void split(const char *url, char *path, char *query) {
    const char *p = strstr(url, "/media/");
    const char *q = strchr(p, '?');
    memcpy(path, p, (size_t)(q - p));
    path[q - p] = '\0';
    strcpy(query, q + 1);
}

/* HMAC-SHA256("testsecret", "GET\nmedia-out\nclips/a b/\xc3\xa4+1.mp4\n1767225600"), computed
 * with Python's hmac module. */
static void test_sign_vector(void **state) {
    (void)state;
    char sig[65];
    assert_int_equal(api_media_sign(SECRET, "media-out", "clips/a b/\xc3\xa4+1.mp4", EXPIRES, sig),
                     0);
    assert_string_equal(sig, "d7c5ba770c0d8604c7b0cdef46b8cc19a68f27d0d7b43adb24ba3107a98ab0d8");
}

static void test_build_parse_check(void **state) {
    (void)state;
    char *url = NULL;
    assert_int_equal(api_media_url("http://127.0.0.1:8080", "LTRCkey", SECRET, "media-out",
                                   "clips/a b/\xc3\xa4+1.mp4", EXPIRES, &url),
                     0);
    assert_string_equal(url, "http://127.0.0.1:8080/media/media-out/clips/a%20b/%C3%A4%2B1.mp4"
                             "?Expires=1767225600&AccessKeyId=LTRCkey&Signature="
                             "d7c5ba770c0d8604c7b0cdef46b8cc19a68f27d0d7b43adb24ba3107a98ab0d8");
    char path[512], query[512];
    split(url, path, query);
    free(url);
    api_media_request rq;
    assert_int_equal(api_media_parse(path, query, &rq), 0);
    assert_string_equal(rq.bucket, "media-out");
    assert_string_equal(rq.key, "clips/a b/\xc3\xa4+1.mp4");
    assert_string_equal(rq.access_key_id, "LTRCkey");
    assert_int_equal(rq.expires, EXPIRES);
    assert_int_equal(api_media_check(&rq, SECRET, NOW), 0);
    assert_int_equal(api_media_check(&rq, SECRET, EXPIRES), 0); /* the last good second */
    assert_int_equal(api_media_check(&rq, SECRET, EXPIRES + 1), RC_ERANGE);
    assert_int_equal(api_media_check(&rq, "othersecret", NOW), RC_EINVAL);
    /* Further ahead than the longest lifetime: refused even when signed. */
    assert_int_equal(api_media_check(&rq, SECRET, EXPIRES - API_MEDIA_MAX_LIFETIME - 1), RC_ERANGE);
}

/* Each tampered URL: one byte of the signed text or of the signature changed. */
static void test_tampered(void **state) {
    (void)state;
    static const struct {
        const char *path;
        const char *query;
    } CASES[] = {
        {"/media/media-out/clips/a.mp4", "Expires=1767225601&AccessKeyId=k&Signature=%s"},
        {"/media/media-out/clips/b.mp4", "Expires=1767225600&AccessKeyId=k&Signature=%s"},
        {"/media/media-ou1/clips/a.mp4", "Expires=1767225600&AccessKeyId=k&Signature=%s"},
        {"/media/media-out/clips/a.mp4", "Expires=1767225600&AccessKeyId=k&Signature=0%.63s"},
    };
    char sig[65];
    assert_int_equal(api_media_sign(SECRET, "media-out", "clips/a.mp4", EXPIRES, sig), 0);
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        char query[256];
        snprintf(query, sizeof(query), CASES[i].query, i == 3 ? sig + 1 : sig);
        api_media_request rq;
        assert_int_equal(api_media_parse(CASES[i].path, query, &rq), 0);
        assert_int_equal(api_media_check(&rq, SECRET, NOW), RC_EINVAL);
    }
    /* The untampered one passes (so the cases above fail for their change only). */
    char query[256];
    snprintf(query, sizeof(query), "Expires=1767225600&AccessKeyId=k&Signature=%s", sig);
    api_media_request rq;
    assert_int_equal(api_media_parse("/media/media-out/clips/a.mp4", query, &rq), 0);
    assert_int_equal(api_media_check(&rq, SECRET, NOW), 0);
}

/* Paths and queries the scheme refuses before any signature is looked at. */
static void test_refused(void **state) {
    (void)state;
    static const char *const GOOD_Q =
        "Expires=1767225600&AccessKeyId=k&Signature="
        "d7c5ba770c0d8604c7b0cdef46b8cc19a68f27d0d7b43adb24ba3107a98ab0d8";
    static const struct {
        const char *path;
        const char *query;
    } CASES[] = {
        {"/media/media-out/../etc/passwd", NULL},
        {"/media/media-out/a/../../b.mp4", NULL},
        {"/media/media-out/%2E%2E/b.mp4", NULL}, /* ".." encoded */
        {"/media/media-out/./b.mp4", NULL},
        {"/media/media-out/a%2F..%2Fb.mp4", NULL}, /* encoded slashes */
        {"/media/media-out/a%2fb.mp4", NULL},
        {"/media/media-out/a%00.mp4", NULL},
        {"/media/media-out/a//b.mp4", NULL},
        {"/media/media-out//etc/passwd", NULL},
        {"/media/media-out/", NULL},
        {"/media/media-out", NULL},
        {"/media/../media-out/a.mp4", NULL},
        {"/media/Media_Out/a.mp4", NULL},
        {"/media/media-out/a%zz.mp4", NULL},
        {"/media/media-out/a%4", NULL},
        {"/media/media-out/a.mp4", ""},
        {"/media/media-out/a.mp4", "Expires=1767225600&AccessKeyId=k"},
        {"/media/media-out/a.mp4",
         "Expires=-1&AccessKeyId=k&Signature="
         "d7c5ba770c0d8604c7b0cdef46b8cc19a68f27d0d7b43adb24ba3107a98ab0d8"},
        {"/media/media-out/a.mp4", "Expires=1767225600&AccessKeyId=k&Signature=D7C5"},
        {"/media/media-out/a.mp4",
         "Expires=1767225600&Expires=1767225600&AccessKeyId=k&Signature="
         "d7c5ba770c0d8604c7b0cdef46b8cc19a68f27d0d7b43adb24ba3107a98ab0d8"},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        api_media_request rq;
        const char *q = CASES[i].query ? CASES[i].query : GOOD_Q;
        assert_int_equal(api_media_parse(CASES[i].path, q, &rq), RC_EINVAL);
    }
    api_media_request rq;
    assert_int_equal(api_media_parse("/media/media-out/a.mp4", GOOD_Q, &rq), 0);
    /* A key with ".." inside a name is just a name. */
    assert_int_equal(api_media_parse("/media/media-out/a..b/c.mp4", GOOD_Q, &rq), 0);
    assert_string_equal(rq.key, "a..b/c.mp4");
    /* The builder refuses what the parser would. */
    char *url = NULL;
    assert_int_equal(api_media_url("http://h", "k", SECRET, "media-out", "../x", EXPIRES, &url),
                     RC_EINVAL);
    assert_null(url);
}

static void test_range(void **state) {
    (void)state;
    static const struct {
        const char *h;
        uint64_t size;
        int rc;
        uint64_t first, last;
    } CASES[] = {
        {NULL, 100, 0, 0, 0},
        {"bytes=0-", 100, 1, 0, 99},
        {"bytes=0-0", 100, 1, 0, 0},
        {"bytes=10-19", 100, 1, 10, 19},
        {"bytes=90-200", 100, 1, 90, 99},
        {"bytes=-10", 100, 1, 90, 99},
        {"bytes=-500", 100, 1, 0, 99},
        {"bytes=100-", 100, -1, 0, 0},
        {"bytes=100-120", 100, -1, 0, 0},
        {"bytes=-0", 100, -1, 0, 0},
        {"bytes=0-", 0, -1, 0, 0},
        {"bytes=20-10", 100, 0, 0, 0},
        {"bytes=0-1,5-6", 100, 0, 0, 0},
        {"items=0-1", 100, 0, 0, 0},
        {"bytes=abc", 100, 0, 0, 0},
        {"bytes=99999999999999999999999-", 100, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        uint64_t first = 0, last = 0;
        int rc = api_web_media_range(CASES[i].h, CASES[i].size, &first, &last);
        assert_int_equal(rc, CASES[i].rc);
        if (rc == 1) {
            assert_int_equal(first, CASES[i].first);
            assert_int_equal(last, CASES[i].last);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_vector), cmocka_unit_test(test_build_parse_check),
        cmocka_unit_test(test_tampered),    cmocka_unit_test(test_refused),
        cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
