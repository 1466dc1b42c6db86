/* spec_fixture: policies and assertion helpers shared by the jobs/spec unit tests. */
#ifndef REELCUT_TEST_SPEC_FIXTURE_H
#define REELCUT_TEST_SPEC_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/spec.h"
#include "util/rc.h"

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Buckets with a backend in every test policy. */
static inline int fixture_bucket_exists(void *ctx, const char *bucket) {
    (void)ctx;
    return strcmp(bucket, "media-in") == 0 || strcmp(bucket, "media-out") == 0 ||
           strcmp(bucket, "bucket") == 0;
}

enum fixture_policy { POLICY_OPEN, POLICY_STRICT, POLICY_CALLBACK_LIST };

/* OPEN: local paths under /data, downloads from cdn.example.com and *.allowed.org, Endpoint
 * overrides. STRICT: nothing optional allowed. CALLBACK_LIST: OPEN + callbacks only to
 * hooks.example.com. All know the buckets media-in, media-out, bucket. */
static inline jobs_policy fixture_policy(enum fixture_policy which) {
    jobs_policy p;
    memset(&p, 0, sizeof(p));
    p.bucket_exists = fixture_bucket_exists;
    if (which == POLICY_STRICT)
        return p;
    p.allow_local_paths = 1;
    p.local_roots[p.n_local_roots++] = "/data/";
    p.http_hosts[p.n_http_hosts++] = "cdn.example.com";
    p.http_hosts[p.n_http_hosts++] = ".allowed.org";
    p.allow_endpoint_override = 1;
    if (which == POLICY_CALLBACK_LIST)
        p.callback_hosts[p.n_callback_hosts++] = "hooks.example.com";
    return p;
}

/* Asserts the outcome of a validation: code NULL = success; else rc < 0 and exact code/message. */
static inline void fixture_expect(int row, int rc, const rc_error *err, const char *code,
                                  const char *message) {
    if (!code) {
        if (rc != 0)
            print_error("row %d: unexpected failure %s: %s\n", row, err->code, err->message);
        assert_int_equal(rc, 0);
        return;
    }
    if (rc == 0 || strcmp(err->code, code) != 0 || strcmp(err->message, message) != 0)
        print_error("row %d: got rc %d %s: %s\n   want %s: %s\n", row, rc, err->code, err->message,
                    code, message);
    assert_true(rc < 0);
    assert_int_equal(rc, err->rc);
    assert_string_equal(err->code, code);
    assert_string_equal(err->message, message);
}

/* A string of n copies of c (free() it). */
static inline char *fixture_repeat(char c, size_t n) {
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

#endif
