/* store_fixture: a real SQLite store in a fresh temp dir with a pinned, movable clock (tests only). */
#ifndef REELCUT_TEST_STORE_FIXTURE_H
#define REELCUT_TEST_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"

#define FIX_T0_MS 1764000000000LL /* 2025-11-24T16:00:00Z */

typedef struct fixture {
    char dir[64];
    char path[128];
    _Atomic int64_t now_ms;
    store *st;
} fixture;

static inline int64_t fixture_clock(void *ctx) {
    fixture *f = ctx;
    return atomic_load(&f->now_ms);
}

static inline void fixture_advance(fixture *f, int64_t ms) {
    atomic_fetch_add(&f->now_ms, ms);
}

static inline void fixture_open(fixture *f) {
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f};
    rc_error err = {0};
    int rc = store_open(f->path, &o, &f->st, &err);
    if (rc)
        fprintf(stderr, "store_open: %s\n", err.message);
    assert_int_equal(rc, 0);
}

static inline int fixture_setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/reelcut-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/reelcut.db", f->dir);
    atomic_init(&f->now_ms, FIX_T0_MS);
    fixture_open(f);
    *state = f;
    return 0;
}

static inline int fixture_teardown(void **state) {
    fixture *f = *state;
    char cmd[128];
    store_close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Job id n as 32 hex digits (ordered by n). */
static inline void fixture_id(int n, char out[STORE_ID_LEN + 1]) {
    snprintf(out, STORE_ID_LEN + 1, "%032x", n);
}

/* Submits a minimal job n for user; returns the store rc. */
static inline int fixture_submit(fixture *f, int n, uint64_t user, const char *type,
                          const char *notify_address) {
    store_job job = {0};
    enum store_submit_outcome outcome;
    fixture_id(n, job.job_id);
    job.user_id = user;
    job.type = (char *)type;
    job.input_config = "{\"Type\":\"OSS\",\"Media\":\"oss://in/a.mp4\"}";
    job.user_data = notify_address ? "{\"NotifyAddress\":\"http://127.0.0.1:9/cb\"}" : NULL;
    job.input_file = "oss://in/a.mp4";
    job.notify_address = (char *)notify_address;
    return store_job_submit(f->st, &job, NULL, 0, NULL, &outcome, NULL);
}

#endif
