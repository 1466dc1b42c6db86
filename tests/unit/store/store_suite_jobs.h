/* store_suite_jobs: the job tests every store backend must pass (included by one test program per
 * backend, each with its own fixture setup). */
#ifndef REELCUT_TEST_STORE_SUITE_JOBS_H
#define REELCUT_TEST_STORE_SUITE_JOBS_H

#include "store_fixture.h"

#include <jansson.h>
#include <pthread.h>

static void test_submit_get_scoped(void **state) {
    fixture *f = *state;
    store_job job = {0}, got = {0};
    enum store_submit_outcome outcome = STORE_SUBMIT_MISMATCH;
    fixture_id(1, job.job_id);
    job.user_id = UINT64_MAX; /* the full unsigned range survives the round trip */
    job.type = "Segmentation";
    job.input_config = "{\"Type\":\"OSS\",\"Media\":\"oss://in/ä.mp4\"}";
    job.job_params = "{\"Mode\":\"UserDefined\"}";
    job.output_config = "{\"Bucket\":\"out\",\"ObjectKey\":\"a/{index}.mp4\"}";
    job.user_data = "{\"k\":\"v\"}";
    job.input_file = "oss://in/ä.mp4";
    job.output_bucket = "out";
    job.output_object = "a/{index}.mp4";
    assert_int_equal(store_job_submit(f->st, &job, NULL, 0, NULL, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    assert_int_equal(store_job_submit(f->st, &job, NULL, 0, NULL, &outcome, NULL), RC_EEXIST);

    assert_int_equal(store_job_get(f->st, job.job_id, UINT64_MAX, &got, NULL), 0);
    assert_string_equal(got.job_id, job.job_id);
    assert_true(got.user_id == UINT64_MAX);
    assert_string_equal(got.type, "Segmentation");
    assert_int_equal(got.state, STORE_JOB_CREATED);
    assert_int_equal(got.progress, 0);
    assert_string_equal(got.input_config, job.input_config);
    assert_string_equal(got.job_params, job.job_params);
    assert_string_equal(got.output_config, job.output_config);
    assert_string_equal(got.user_data, job.user_data);
    assert_string_equal(got.input_file, job.input_file);
    assert_string_equal(got.output_bucket, "out");
    assert_string_equal(got.output_object, "a/{index}.mp4");
    assert_int_equal(got.create_time, FIX_T0_MS / 1000);
    assert_int_equal(got.modified_time, FIX_T0_MS / 1000);
    assert_string_equal(got.title, "default_title_2025-11-24T16:00:00Z");
    assert_null(got.ai_result);
    assert_null(got.notify_address);
    assert_int_equal(got.notify_state, STORE_NOTIFY_NONE);
    store_job_free(&got);

    /* Another user's job, an unknown id and a malformed id all read as not found. */
    assert_int_equal(store_job_get(f->st, job.job_id, USER, &got, NULL), RC_ENOENT);
    char other[STORE_ID_LEN + 1];
    fixture_id(2, other);
    assert_int_equal(store_job_get(f->st, other, UINT64_MAX, &got, NULL), RC_ENOENT);
    assert_int_equal(store_job_get(f->st, "job-abc", UINT64_MAX, &got, NULL), RC_ENOENT);
    assert_int_equal(store_job_get_any(f->st, job.job_id, &got, NULL), 0);
    store_job_free(&got);
}

static void test_claim_order_and_lease_expiry(void **state) {
    fixture *f = *state;
    store_job a = {0};
    rc_error err = {0};
    assert_int_equal(store_job_claim(f->st, "w1", LEASE_MS, 3, &a, NULL), RC_ENOENT);
    assert_int_equal(fixture_submit(f, 2, USER, "Segmentation", NULL), 0);
    fixture_advance(f, 1000);
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);

    /* Oldest first, whatever the ids. */
    assert_int_equal(store_job_claim(f->st, "w1", LEASE_MS, 3, &a, NULL), 0);
    assert_string_equal(a.job_id, "00000000000000000000000000000002");
    assert_int_equal(a.state, STORE_JOB_EXECUTING);
    assert_int_equal(a.attempts, 1);
    assert_string_equal(a.lease_owner, "w1");
    assert_int_equal(a.lease_expires_ms, FIX_T0_MS + 1000 + LEASE_MS);
    assert_int_equal(a.modified_time, (FIX_T0_MS + 1000) / 1000);
    store_job_free(&a);
    assert_int_equal(store_job_claim(f->st, "w2", LEASE_MS, 3, &a, NULL), 0);
    assert_string_equal(a.job_id, "00000000000000000000000000000001");
    store_job_free(&a);
    assert_int_equal(store_job_claim(f->st, "w3", LEASE_MS, 3, &a, NULL), RC_ENOENT);

    /* w2 heartbeats, w1 dies: after the lease only job 2 comes back, attempt 2. */
    fixture_advance(f, LEASE_MS - 1);
    assert_int_equal(
        store_job_heartbeat(f->st, "00000000000000000000000000000001", "w2", LEASE_MS, NULL), 0);
    assert_int_equal(store_job_claim(f->st, "w3", LEASE_MS, 3, &a, NULL), RC_ENOENT);
    fixture_advance(f, 1);
    assert_int_equal(store_job_claim(f->st, "w3", LEASE_MS, 3, &a, NULL), 0);
    assert_string_equal(a.job_id, "00000000000000000000000000000002");
    assert_int_equal(a.attempts, 2);
    assert_int_equal(a.progress, 0);
    assert_string_equal(a.lease_owner, "w3");
    store_job_free(&a);
    /* The live worker finishes normally. */
    store_job_result ok = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    assert_int_equal(store_job_finish(f->st, "00000000000000000000000000000001", "w2", &ok, NULL),
                     0);
    /* The dead worker lost it: no heartbeat, progress or finish from w1. */
    const char *id2 = "00000000000000000000000000000002";
    assert_int_equal(store_job_heartbeat(f->st, id2, "w1", LEASE_MS, NULL), RC_ECANCELED);
    assert_int_equal(store_job_progress(f->st, id2, "w1", 50, NULL), RC_ECANCELED);
    store_job_result done = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    assert_int_equal(store_job_finish(f->st, id2, "w1", &done, NULL), RC_ECANCELED);

    /* Third attempt, then the limit: the job fails instead of being handed out. */
    fixture_advance(f, LEASE_MS);
    assert_int_equal(store_job_claim(f->st, "w4", LEASE_MS, 3, &a, NULL), 0);
    assert_string_equal(a.job_id, id2);
    assert_int_equal(a.attempts, 3);
    store_job_free(&a);
    fixture_advance(f, LEASE_MS);
    assert_int_equal(store_job_claim(f->st, "w5", LEASE_MS, 3, &a, &err), RC_ENOENT);
    assert_int_equal(store_job_get(f->st, id2, USER, &a, NULL), 0);
    assert_int_equal(a.state, STORE_JOB_FAILED);
    assert_string_equal(a.error_code, "InternalError");
    assert_string_equal(a.error_message, "The job exceeded 3 attempts.");
    assert_null(a.lease_owner);
    assert_int_equal(a.finish_time, a.modified_time);
    store_job_free(&a);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 0);
    assert_int_equal(counts[STORE_JOB_EXECUTING], 0);
    assert_int_equal(counts[STORE_JOB_FINISHED], 1);
    assert_int_equal(counts[STORE_JOB_FAILED], 1);
}

/* A parent claims its own sub-task by id: the claim rules for that row alone. */
static void test_claim_by_id(void **state) {
    fixture *f = *state;
    store_job a = {0};
    const char *id1 = "00000000000000000000000000000001", *id2 = "00000000000000000000000000000002";
    assert_int_equal(store_job_claim_id(f->st, id1, "p", LEASE_MS, 2, &a, NULL), RC_ENOENT);
    assert_int_equal(store_job_claim_id(f->st, "not-an-id", "p", LEASE_MS, 2, &a, NULL), RC_ENOENT);
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    fixture_advance(f, 1000);
    assert_int_equal(fixture_submit(f, 2, USER, "Segmentation", NULL), 0);
    /* the younger job, by id, although job 1 is older */
    assert_int_equal(store_job_claim_id(f->st, id2, "p", LEASE_MS, 2, &a, NULL), 0);
    assert_string_equal(a.job_id, id2);
    assert_int_equal(a.state, STORE_JOB_EXECUTING);
    assert_int_equal(a.attempts, 1);
    assert_string_equal(a.lease_owner, "p");
    store_job_free(&a);
    /* running: not claimable, by id or by the queue */
    assert_int_equal(store_job_claim_id(f->st, id2, "q", LEASE_MS, 2, &a, NULL), RC_ENOENT);
    assert_int_equal(store_job_claim(f->st, "q", LEASE_MS, 2, &a, NULL), 0);
    assert_string_equal(a.job_id, id1);
    store_job_free(&a);
    /* its holder died: claimable again once the lease is over, then failed past max_attempts */
    fixture_advance(f, LEASE_MS - 1);
    assert_int_equal(store_job_claim_id(f->st, id2, "q", LEASE_MS, 2, &a, NULL), RC_ENOENT);
    fixture_advance(f, 1);
    assert_int_equal(store_job_claim_id(f->st, id2, "q", LEASE_MS, 2, &a, NULL), 0);
    assert_int_equal(a.attempts, 2);
    store_job_free(&a);
    fixture_advance(f, LEASE_MS);
    assert_int_equal(store_job_claim_id(f->st, id2, "r", LEASE_MS, 2, &a, NULL), RC_ENOENT);
    assert_int_equal(store_job_get_any(f->st, id2, &a, NULL), 0);
    assert_int_equal(a.state, STORE_JOB_FAILED);
    assert_string_equal(a.error_message, "The job exceeded 2 attempts.");
    store_job_free(&a);
    /* a finished job is not claimable */
    store_job_result ok = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    assert_int_equal(store_job_heartbeat(f->st, id1, "q", LEASE_MS, NULL), 0);
    assert_int_equal(store_job_finish(f->st, id1, "q", &ok, NULL), 0);
    assert_int_equal(store_job_claim_id(f->st, id1, "r", LEASE_MS, 2, &a, NULL), RC_ENOENT);
}

static void test_progress_finish_outbox(void **state) {
    fixture *f = *state;
    store_job a = {0};
    store_outbox o = {0};
    const char *id = "00000000000000000000000000000007";
    assert_int_equal(fixture_submit(f, 7, USER, "HighlightExtraction", "http://127.0.0.1:9/cb"), 0);
    store_job_result done = {.state = STORE_JOB_FINISHED,
                             .ai_result = "{\"Highlights\":[]}",
                             .media_url = "oss://out/1.mp4",
                             .media_id = "0123456789abcdef0123456789abcdef",
                             .error_code = "ignored"};
    /* Nobody holds a Created job. */
    assert_int_equal(store_job_progress(f->st, id, "w1", 10, NULL), RC_ECANCELED);
    assert_int_equal(store_job_finish(f->st, id, "w1", &done, NULL), RC_ECANCELED);
    assert_int_equal(store_job_claim(f->st, "w1", LEASE_MS, 3, &a, NULL), 0);
    store_job_free(&a);

    static const struct {
        int set, want;
    } steps[] = {{10, 10}, {5, 10}, {-3, 10}, {60, 60}, {100, 99}, {250, 99}};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        assert_int_equal(store_job_progress(f->st, id, "w1", steps[i].set, NULL), 0);
        assert_int_equal(store_job_get(f->st, id, USER, &a, NULL), 0);
        assert_int_equal(a.progress, steps[i].want);
        store_job_free(&a);
    }
    assert_int_equal(store_job_progress(f->st, id, "intruder", 99, NULL), RC_ECANCELED);
    assert_int_equal(store_job_finish(f->st, id, "intruder", &done, NULL), RC_ECANCELED);
    assert_int_equal(store_outbox_get(f->st, id, &o, NULL), RC_ENOENT);
    char unknown[STORE_ID_LEN + 1];
    fixture_id(99, unknown);
    assert_int_equal(store_job_progress(f->st, unknown, "w1", 1, NULL), RC_ENOENT);
    assert_int_equal(store_job_finish(f->st, unknown, "w1", &done, NULL), RC_ENOENT);

    fixture_advance(f, 5000);
    assert_int_equal(store_job_finish(f->st, id, "w1", &done, NULL), 0);
    assert_int_equal(store_job_finish(f->st, id, "w1", &done, NULL), RC_ECANCELED);
    assert_int_equal(store_job_get(f->st, id, USER, &a, NULL), 0);
    assert_int_equal(a.state, STORE_JOB_FINISHED);
    assert_int_equal(a.progress, 100);
    assert_string_equal(a.ai_result, "{\"Highlights\":[]}");
    assert_string_equal(a.media_url, "oss://out/1.mp4");
    assert_string_equal(a.media_id, "0123456789abcdef0123456789abcdef");
    assert_null(a.error_code);
    assert_int_equal(a.finish_time, (FIX_T0_MS + 5000) / 1000);
    assert_int_equal(a.notify_state, STORE_NOTIFY_PENDING);
    store_job_free(&a);

    /* The outbox row came with the final state: envelope of API.md §4.7. */
    assert_int_equal(store_outbox_get(f->st, id, &o, NULL), 0);
    assert_string_equal(o.target, "http://127.0.0.1:9/cb");
    assert_int_equal(o.state, STORE_NOTIFY_PENDING);
    assert_int_equal(o.attempts, 0);
    assert_int_equal(o.event_time, (FIX_T0_MS + 5000) / 1000);
    assert_int_equal(o.next_attempt_ms, FIX_T0_MS + 5000);
    json_error_t jerr;
    json_t *env = json_loads(o.body, 0, &jerr);
    assert_non_null(env);
    assert_string_equal(json_string_value(json_object_get(env, "EventType")),
                        "SmartHandleJobComplete");
    assert_int_equal(json_integer_value(json_object_get(env, "UserId")), USER);
    assert_string_equal(json_string_value(json_object_get(env, "EventTime")),
                        "2025-11-24T16:00:05Z");
    json_t *body = json_object_get(env, "MessageBody");
    assert_string_equal(json_string_value(json_object_get(body, "JobId")), id);
    assert_string_equal(json_string_value(json_object_get(body, "JobType")), "HighlightExtraction");
    assert_string_equal(json_string_value(json_object_get(body, "Status")), "Finished");
    assert_string_equal(json_string_value(json_object_get(body, "ErrorCode")), "");
    assert_string_equal(json_string_value(json_object_get(body, "ErrorMessage")), "");
    assert_string_equal(json_string_value(json_object_get(body, "UserData")),
                        "{\"NotifyAddress\":\"http://127.0.0.1:9/cb\"}");
    json_decref(env);
    store_outbox_free(&o);
    int64_t pending = 0;
    assert_int_equal(store_outbox_count_pending(f->st, &pending, NULL), 0);
    assert_int_equal(pending, 1);
}

static void test_failed_without_notify(void **state) {
    fixture *f = *state;
    store_job a = {0};
    store_outbox o = {0};
    assert_int_equal(fixture_submit(f, 3, USER, "Segmentation", NULL), 0);
    assert_int_equal(store_job_claim(f->st, "w", LEASE_MS, 3, &a, NULL), 0);
    assert_int_equal(store_job_progress(f->st, a.job_id, "w", 42, NULL), 0);
    store_job_result failed = {.state = STORE_JOB_FAILED,
                               .ai_result = "{\"ignored\":1}",
                               .error_code = "InvalidParameter.ResourceContentBad",
                               .error_message = "InputConfig.Media has no video stream"};
    store_job_result bad = {.state = STORE_JOB_EXECUTING};
    assert_int_equal(store_job_finish(f->st, a.job_id, "w", &bad, NULL), RC_EINVAL);
    assert_int_equal(store_job_finish(f->st, a.job_id, "w", &failed, NULL), 0);
    char id[STORE_ID_LEN + 1];
    memcpy(id, a.job_id, sizeof(id));
    store_job_free(&a);
    assert_int_equal(store_job_get(f->st, id, USER, &a, NULL), 0);
    assert_int_equal(a.state, STORE_JOB_FAILED);
    assert_int_equal(a.progress, 42); /* frozen */
    assert_null(a.ai_result);
    assert_string_equal(a.error_code, "InvalidParameter.ResourceContentBad");
    assert_string_equal(a.error_message, "InputConfig.Media has no video stream");
    assert_int_equal(a.notify_state, STORE_NOTIFY_NONE);
    store_job_free(&a);
    assert_int_equal(store_outbox_get(f->st, id, &o, NULL), RC_ENOENT);
}

static void test_release(void **state) {
    fixture *f = *state;
    store_job a = {0};
    assert_int_equal(fixture_submit(f, 4, USER, "Segmentation", NULL), 0);
    assert_int_equal(store_job_claim(f->st, "w1", LEASE_MS, 1, &a, NULL), 0);
    assert_int_equal(store_job_release(f->st, a.job_id, "other", NULL), RC_ECANCELED);
    assert_int_equal(store_job_release(f->st, a.job_id, "w1", NULL), 0);
    store_job_free(&a);
    /* Claimable at once, and the released attempt does not count against max_attempts = 1. */
    assert_int_equal(store_job_claim(f->st, "w2", LEASE_MS, 1, &a, NULL), 0);
    assert_int_equal(a.attempts, 1);
    assert_string_equal(a.lease_owner, "w2");
    store_job_free(&a);
}

static void test_exhausted_job_queues_callback(void **state) {
    fixture *f = *state;
    store_job a = {0};
    store_outbox o = {0};
    assert_int_equal(fixture_submit(f, 5, USER, "Segmentation", "ice-callback-q1"), 0);
    assert_int_equal(store_job_claim(f->st, "w1", LEASE_MS, 1, &a, NULL), 0);
    store_job_free(&a);
    fixture_advance(f, LEASE_MS);
    assert_int_equal(store_job_claim(f->st, "w2", LEASE_MS, 1, &a, NULL), RC_ENOENT);
    assert_int_equal(store_outbox_get(f->st, "00000000000000000000000000000005", &o, NULL), 0);
    assert_string_equal(o.target, "ice-callback-q1");
    assert_non_null(strstr(o.body, "\"Status\":\"Failed\""));
    assert_non_null(strstr(o.body, "\"ErrorCode\":\"InternalError\""));
    assert_non_null(strstr(o.body, "The job exceeded 1 attempts."));
    store_outbox_free(&o);
}

/* Walks every page with the keyset cursor and returns the ids seen, in order. */
static size_t walk_cursor(fixture *f, store_job_query q, char ids[][STORE_ID_LEN + 1]) {
    size_t n = 0;
    for (;;) {
        store_job_page page;
        assert_int_equal(store_job_list(f->st, &q, &page, NULL), 0);
        for (size_t i = 0; i < page.count; i++)
            memcpy(ids[n++], page.jobs[i].job_id, STORE_ID_LEN + 1);
        if (getenv("STORE_TEST_DEBUG"))
            fprintf(stderr, "page size %lld count %zu more %d next %lld %s\n",
                    (long long)q.page_size, page.count, page.has_more, (long long)page.next_time,
                    page.next_id);
        int more = page.has_more;
        q.has_cursor = 1;
        q.after_time = page.next_time;
        memcpy(q.after_id, page.next_id, sizeof(q.after_id));
        store_job_page_free(&page);
        if (!more)
            break;
    }
    return n;
}

static void test_list_paging_ties(void **state) {
    fixture *f = *state;
    /* Ids 1..9: 1-3 at t0, 4-7 at t0+1 s (ties), 8-9 at t0+2 s; 10 is another user's; 6 is
     * HighlightExtraction; 1 gets claimed (Executing). */
    static const int second[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
    for (int n = 1; n <= 9; n++) {
        atomic_store(&f->now_ms, FIX_T0_MS + second[n] * 1000);
        assert_int_equal(
            fixture_submit(f, n, USER, n == 6 ? "HighlightExtraction" : "Segmentation", NULL), 0);
    }
    assert_int_equal(fixture_submit(f, 10, USER + 1, "Segmentation", NULL), 0);
    store_job claimed = {0};
    /* Claim order is oldest first: claim 1 and finish it to leave the rest Created. */
    assert_int_equal(store_job_claim(f->st, "w", LEASE_MS, 3, &claimed, NULL), 0);
    assert_string_equal(claimed.job_id, "00000000000000000000000000000001");
    store_job_free(&claimed);

    store_job_query q = {.user_id = USER, .sort = STORE_SORT_DESC, .page_no = 1, .page_size = 4};
    store_job_page page;
    assert_int_equal(store_job_list(f->st, &q, &page, NULL), 0);
    assert_int_equal(page.total, 9);
    assert_int_equal(page.count, 4);
    assert_true(page.has_more);
    static const char *desc[] = {"9", "8", "7", "6", "5", "4", "3", "2", "1"};
    for (size_t i = 0; i < page.count; i++) {
        char want[STORE_ID_LEN + 1];
        fixture_id(atoi(desc[i]), want);
        assert_string_equal(page.jobs[i].job_id, want);
        assert_null(page.jobs[i].input_config); /* list rows are brief */
        assert_string_equal(page.jobs[i].input_file, "oss://in/a.mp4");
    }
    store_job_page_free(&page);
    q.page_no = 3; /* last, partial page */
    assert_int_equal(store_job_list(f->st, &q, &page, NULL), 0);
    assert_int_equal(page.count, 1);
    assert_false(page.has_more);
    assert_string_equal(page.jobs[0].job_id, "00000000000000000000000000000001");
    assert_int_equal(page.jobs[0].state, STORE_JOB_EXECUTING);
    store_job_page_free(&page);
    q.page_no = 4;
    assert_int_equal(store_job_list(f->st, &q, &page, NULL), 0);
    assert_int_equal(page.count, 0);
    assert_int_equal(page.total, 9);
    store_job_page_free(&page);

    /* Keyset paging through ties, both directions, page sizes that split the tie group. */
    char ids[16][STORE_ID_LEN + 1];
    q.page_no = 1;
    for (int size = 1; size <= 5; size++) {
        q.page_size = size;
        q.sort = STORE_SORT_DESC;
        assert_int_equal(walk_cursor(f, q, ids), 9);
        for (int i = 0; i < 9; i++) {
            char want[STORE_ID_LEN + 1];
            fixture_id(9 - i, want);
            assert_string_equal(ids[i], want);
        }
        q.sort = STORE_SORT_ASC;
        assert_int_equal(walk_cursor(f, q, ids), 9);
        for (int i = 0; i < 9; i++) {
            char want[STORE_ID_LEN + 1];
            fixture_id(i + 1, want);
            assert_string_equal(ids[i], want);
        }
    }

    /* Filters: state, type, an IMS type reelcut does not run, and both. */
    static const struct {
        int has_state;
        enum store_job_state state;
        const char *type;
        int64_t total;
    } filters[] = {
        {1, STORE_JOB_CREATED, NULL, 8},
        {1, STORE_JOB_EXECUTING, NULL, 1},
        {1, STORE_JOB_FINISHED, NULL, 0},
        {0, STORE_JOB_CREATED, "HighlightExtraction", 1},
        {0, STORE_JOB_CREATED, "Segmentation", 8},
        {0, STORE_JOB_CREATED, "ASR", 0},
        {1, STORE_JOB_EXECUTING, "Segmentation", 1},
    };
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        store_job_query fq = {.user_id = USER,
                              .has_state = filters[i].has_state,
                              .state = filters[i].state,
                              .type = filters[i].type,
                              .page_no = 1,
                              .page_size = 100};
        assert_int_equal(store_job_list(f->st, &fq, &page, NULL), 0);
        assert_int_equal(page.total, filters[i].total);
        assert_int_equal((int64_t)page.count, filters[i].total);
        for (size_t j = 0; j < page.count; j++) {
            if (filters[i].has_state)
                assert_int_equal(page.jobs[j].state, filters[i].state);
            if (filters[i].type)
                assert_string_equal(page.jobs[j].type, filters[i].type);
        }
        store_job_page_free(&page);
    }
    store_job_query other = {.user_id = USER + 1, .page_no = 1, .page_size = 10};
    assert_int_equal(store_job_list(f->st, &other, &page, NULL), 0);
    assert_int_equal(page.total, 1);
    assert_string_equal(page.jobs[0].job_id, "0000000000000000000000000000000a");
    store_job_page_free(&page);
    store_job_query bad = {.user_id = USER, .page_no = 0, .page_size = 10};
    assert_int_equal(store_job_list(f->st, &bad, &page, NULL), RC_EINVAL);
}

static void test_persistence_and_migrations(void **state) {
    fixture *f = *state;
    store_job a = {0};
    int version = 0;
    assert_int_equal(fixture_submit(f, 11, USER, "Segmentation", NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "ak", "n1", 100, 1000, NULL), 0);
    assert_int_equal(fixture_schema_version(f, &version), 1);
    assert_int_equal(version, STORE_SUITE_SCHEMA_VERSION);
    for (int i = 0; i < 2; i++) { /* reopening applies nothing twice and keeps every row */
        store_close(f->st);
        fixture_open(f);
        assert_int_equal(fixture_schema_version(f, &version), 1);
        assert_int_equal(version, STORE_SUITE_SCHEMA_VERSION);
        assert_int_equal(store_job_get(f->st, "0000000000000000000000000000000b", USER, &a, NULL),
                         0);
        assert_int_equal(a.state, STORE_JOB_CREATED);
        store_job_free(&a);
        assert_int_equal(store_nonce_use(f->st, "ak", "n1", 100, 1000, NULL), RC_EEXIST);
    }
    /* A database from a newer reelcut is refused, not damaged. */
    store_close(f->st);
    f->st = NULL;
    fixture_set_schema_version(f, 99);
    rc_error err = {0};
    store *st = NULL;
    assert_int_equal(store_open(f->url, NULL, &st, &err), RC_EDB);
    assert_non_null(strstr(err.message, "newer"));
    fixture_set_schema_version(f, STORE_SUITE_SCHEMA_VERSION);
    fixture_open(f);
}

static void test_purge(void **state) {
    fixture *f = *state;
    int64_t deleted = -1;
    store_job a = {0};
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", "http://127.0.0.1:9/cb"), 0);
    assert_int_equal(store_job_claim(f->st, "w", LEASE_MS, 3, &a, NULL), 0);
    store_job_free(&a);
    store_job_result done = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    assert_int_equal(store_job_finish(f->st, "00000000000000000000000000000001", "w", &done, NULL),
                     0);
    fixture_advance(f, 10 * 1000);
    assert_int_equal(fixture_submit(f, 2, USER, "Segmentation", NULL), 0);
    fixture_advance(f, 5 * 1000);
    assert_int_equal(store_purge(f->st, 12, &deleted, NULL), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(store_job_get(f->st, "00000000000000000000000000000001", USER, &a, NULL),
                     RC_ENOENT);
    store_outbox o;
    assert_int_equal(store_outbox_get(f->st, "00000000000000000000000000000001", &o, NULL),
                     RC_ENOENT);
    assert_int_equal(store_job_get(f->st, "00000000000000000000000000000002", USER, &a, NULL), 0);
    store_job_free(&a);
}

/* store_job_submit_async: a set of submissions, each done counted under a lock. */
typedef struct async_set {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    store_submit_req req[64];
    store_job job[64];
    store_client_token tok[64];
} async_set;

static void async_done(store_submit_req *r) {
    async_set *a = r->ctx;
    pthread_mutex_lock(&a->mu);
    a->done++;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Prepares submission i: job n (n = 0: a malformed id), with token (NULL: none). */
static void async_prepare(async_set *a, int i, int n, const char *token, const char *fingerprint,
                          int64_t max_unfinished) {
    store_job *j = &a->job[i];
    memset(j, 0, sizeof(*j));
    if (n > 0)
        fixture_id(n, j->job_id);
    else
        snprintf(j->job_id, sizeof(j->job_id), "not-an-id");
    j->user_id = USER;
    j->type = "Segmentation";
    j->input_file = "oss://in/a.mp4";
    a->tok[i] = (store_client_token){"ak", "SubmitSegmentationJob", token, fingerprint, 0};
    a->req[i] = (store_submit_req){.job = j,
                                   .tok = token ? &a->tok[i] : NULL,
                                   .max_unfinished = max_unfinished,
                                   .done = async_done,
                                   .ctx = a};
}

static async_set *async_new(void) {
    async_set *a = calloc(1, sizeof(*a));
    assert_non_null(a);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    return a;
}

/* Waits until n submissions of a are done. */
static void async_wait(async_set *a, int n) {
    pthread_mutex_lock(&a->mu);
    while (a->done < n)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
    assert_int_equal(a->done, n);
}

static void async_run(fixture *f, async_set *a, int n) {
    for (int i = 0; i < n; i++)
        store_job_submit_async(f->st, &a->req[i]);
    async_wait(a, n);
}

/* req[from] created job n and req[from + 1 .. to] were answered with it (one ClientToken). */
static void expect_one_job_for_token(const async_set *a, int from, int to, int n) {
    char first[STORE_ID_LEN + 1];
    fixture_id(n, first);
    assert_int_equal(a->req[from].rc, 0);
    assert_int_equal(a->req[from].outcome, STORE_SUBMIT_CREATED);
    for (int i = from + 1; i <= to; i++) {
        assert_int_equal(a->req[i].rc, 0);
        assert_int_equal(a->req[i].outcome, STORE_SUBMIT_EXISTING);
        assert_string_equal(a->req[i].existing_id, first);
    }
}

static void async_free(async_set *a) {
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

/* Queued submissions, written together where the backend batches them, each get the outcome a
 * lone store_job_submit would give at that point: one ClientToken creates one job however many
 * submissions carry it, a changed fingerprint is a mismatch, a taken or malformed id fails alone.
 */
static void test_submit_async_outcomes(void **state) {
    fixture *f = *state;
    async_set *a = async_new();
    int n = 0;
    async_prepare(a, n++, 1, NULL, NULL, 0);
    for (int i = 0; i < 20; i++) /* 20 with one token */
        async_prepare(a, n++, 100 + i, "tok-1", "fp-A", 0);
    async_prepare(a, n++, 200, "tok-1", "fp-B", 0); /* same token, other parameters */
    async_prepare(a, n++, 1, NULL, NULL, 0);        /* job 1 again: taken */
    async_prepare(a, n++, 0, NULL, NULL, 0);        /* malformed id */
    async_prepare(a, n++, 2, "tok-2", "fp-A", 0);
    async_run(f, a, n);

    assert_int_equal(a->req[0].rc, 0);
    assert_int_equal(a->req[0].outcome, STORE_SUBMIT_CREATED);
    expect_one_job_for_token(a, 1, 20, 100);
    assert_int_equal(a->req[21].rc, 0);
    assert_int_equal(a->req[21].outcome, STORE_SUBMIT_MISMATCH);
    assert_int_equal(a->req[22].rc, RC_EEXIST);
    assert_int_equal(a->req[23].rc, RC_EINVAL);
    assert_int_equal(a->req[24].rc, 0);
    assert_int_equal(a->req[24].outcome, STORE_SUBMIT_CREATED);

    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 3); /* jobs 1, 100 and 2 */
    store_job got = {0};
    char id[STORE_ID_LEN + 1];
    fixture_id(101, id);
    assert_int_equal(store_job_get(f->st, id, USER, &got, NULL), RC_ENOENT);
    fixture_id(2, id);
    assert_int_equal(store_job_get(f->st, id, USER, &got, NULL), 0);
    store_job_free(&got);
    async_free(a);
}

/* The queue limit holds inside a batch: with room for 5, exactly 5 of 12 queued submissions are
 * created and the rest are throttled. */
static void test_submit_async_capacity(void **state) {
    fixture *f = *state;
    async_set *a = async_new();
    for (int i = 0; i < 12; i++)
        async_prepare(a, i, 1 + i, NULL, NULL, 5);
    async_run(f, a, 12);
    int created = 0, busy = 0;
    for (int i = 0; i < 12; i++) {
        if (a->req[i].rc == 0 && a->req[i].outcome == STORE_SUBMIT_CREATED)
            created++;
        else if (a->req[i].rc == RC_EBUSY)
            busy++;
    }
    assert_int_equal(created, 5);
    assert_int_equal(busy, 7);
    for (int i = 0; i < 5; i++) /* in queue order */
        assert_int_equal(a->req[i].rc, 0);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 5);
    async_free(a);
}

/* store_close finishes what is queued: every done has run, and every job is there on reopen. */
static void test_submit_async_close_drains(void **state) {
    fixture *f = *state;
    async_set *a = async_new();
    for (int i = 0; i < 64; i++) {
        async_prepare(a, i, 1 + i, NULL, NULL, 0);
        store_job_submit_async(f->st, &a->req[i]);
    }
    store_close(f->st);
    f->st = NULL;
    assert_int_equal(a->done, 64);
    fixture_open(f);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_CREATED], 64);
    async_free(a);
}

#define STORE_SUITE_JOBS(setup, teardown)                                                          \
    cmocka_unit_test_setup_teardown(test_submit_async_outcomes, setup, teardown),                  \
        cmocka_unit_test_setup_teardown(test_submit_async_capacity, setup, teardown),              \
        cmocka_unit_test_setup_teardown(test_submit_async_close_drains, setup, teardown),          \
        cmocka_unit_test_setup_teardown(test_submit_get_scoped, setup, teardown),                  \
        cmocka_unit_test_setup_teardown(test_claim_order_and_lease_expiry, setup, teardown),       \
        cmocka_unit_test_setup_teardown(test_claim_by_id, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_progress_finish_outbox, setup, teardown),             \
        cmocka_unit_test_setup_teardown(test_failed_without_notify, setup, teardown),              \
        cmocka_unit_test_setup_teardown(test_release, setup, teardown),                            \
        cmocka_unit_test_setup_teardown(test_exhausted_job_queues_callback, setup, teardown),      \
        cmocka_unit_test_setup_teardown(test_list_paging_ties, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_persistence_and_migrations, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown)

#endif
