/* store_suite_misc: client tokens under real threads, nonces, concurrent claims, media assets and
 * the callback outbox - the tests every store backend must pass. */
#ifndef REELCUT_TEST_STORE_SUITE_MISC_H
#define REELCUT_TEST_STORE_SUITE_MISC_H

#include "store_fixture.h"

#include <pthread.h>

#define THREADS 20

/* ------------------------------------------------------------------ client tokens */

typedef struct submitter {
    fixture *f;
    int n;
    const store_client_token *tok;
    int rc;
    enum store_submit_outcome outcome;
    char existing[STORE_ID_LEN + 1];
    pthread_barrier_t *start;
} submitter;

static const store_client_token token_a = {.access_key_id = "AK1",
                                           .action = "SubmitSegmentationJob",
                                           .token = "tok-123",
                                           .fingerprint = "fp-a"};

static void *submit_thread(void *arg) {
    submitter *s = arg;
    store_job job = {0};
    fixture_id(s->n, job.job_id); /* each request mints its own id, as the API does */
    job.user_id = USER;
    job.type = "Segmentation";
    pthread_barrier_wait(s->start);
    s->rc = store_job_submit(s->f->st, &job, s->tok, 0, s->existing, &s->outcome, NULL);
    return NULL;
}

/* THREADS identical submissions at once, ROUNDS times with a fresh token each: one job per round.
 * Several rounds so that the connection pool is warm and the transactions really overlap. */
static void test_client_token_race(void **state) {
    enum { ROUNDS = 10 };
    fixture *f = *state;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_t th[THREADS];
        submitter subs[THREADS];
        pthread_barrier_t start;
        char token[32];
        snprintf(token, sizeof(token), "tok-%d", round);
        store_client_token tok = token_a;
        tok.token = token;
        pthread_barrier_init(&start, NULL, THREADS);
        for (int i = 0; i < THREADS; i++) {
            subs[i] = (submitter){.f = f, .n = 1000 * round + i, .tok = &tok, .start = &start};
            assert_int_equal(pthread_create(&th[i], NULL, submit_thread, &subs[i]), 0);
        }
        for (int i = 0; i < THREADS; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&start);

        int created = 0;
        char winner[STORE_ID_LEN + 1] = "";
        for (int i = 0; i < THREADS; i++) {
            assert_int_equal(subs[i].rc, 0);
            if (subs[i].outcome == STORE_SUBMIT_CREATED) {
                created++;
                fixture_id(subs[i].n, winner);
            }
        }
        assert_int_equal(created, 1);
        for (int i = 0; i < THREADS; i++)
            if (subs[i].outcome != STORE_SUBMIT_CREATED) {
                assert_int_equal(subs[i].outcome, STORE_SUBMIT_EXISTING);
                assert_string_equal(subs[i].existing, winner);
            }
        int64_t counts[STORE_JOB_STATE_COUNT];
        assert_int_equal(store_job_count(f->st, counts, NULL), 0);
        assert_int_equal(counts[STORE_JOB_CREATED], round + 1);
    }
}

static void test_client_token_rules(void **state) {
    fixture *f = *state;
    store_job job = {0};
    enum store_submit_outcome outcome;
    char existing[STORE_ID_LEN + 1], found[STORE_ID_LEN + 1];
    job.user_id = USER;
    job.type = "Segmentation";
    assert_int_equal(store_client_token_lookup(f->st, &token_a, found, &outcome, NULL), RC_ENOENT);
    fixture_id(1, job.job_id);
    assert_int_equal(store_job_submit(f->st, &job, &token_a, 0, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    assert_int_equal(store_client_token_lookup(f->st, &token_a, found, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_EXISTING);
    assert_string_equal(found, job.job_id);

    /* Same token, other parameters: mismatch, nothing created. */
    store_client_token other_fp = token_a;
    other_fp.fingerprint = "fp-b";
    fixture_id(2, job.job_id);
    assert_int_equal(store_job_submit(f->st, &job, &other_fp, 0, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_MISMATCH);
    assert_int_equal(store_client_token_lookup(f->st, &other_fp, found, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_MISMATCH);
    store_job got;
    assert_int_equal(store_job_get(f->st, job.job_id, USER, &got, NULL), RC_ENOENT);

    /* The scope is (AccessKeyId, Action, ClientToken): another key or action is independent. */
    store_client_token other_key = token_a, other_action = token_a;
    other_key.access_key_id = "AK2";
    other_action.action = "SubmitHighlightExtractionJob";
    assert_int_equal(store_job_submit(f->st, &job, &other_key, 0, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    fixture_id(3, job.job_id);
    assert_int_equal(store_job_submit(f->st, &job, &other_action, 0, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);

    /* Queue full: Throttling for new work, but a token hit is still answered. */
    fixture_id(4, job.job_id);
    rc_error err = {0};
    assert_int_equal(store_job_submit(f->st, &job, NULL, 3, NULL, &outcome, &err), RC_EBUSY);
    assert_string_equal(err.code, "Throttling");
    assert_string_equal(err.message, "Request was denied due to request throttling.");
    assert_int_equal(store_job_get(f->st, job.job_id, USER, &got, NULL), RC_ENOENT);
    assert_int_equal(store_job_submit(f->st, &job, &token_a, 3, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_EXISTING);
    assert_string_equal(existing, "00000000000000000000000000000001");
    assert_int_equal(store_job_submit(f->st, &job, NULL, 4, NULL, &outcome, NULL), 0);
    fixture_id(6, job.job_id); /* far below the limit (the unlocked path on PostgreSQL) */
    assert_int_equal(store_job_submit(f->st, &job, NULL, 1000, NULL, &outcome, NULL), 0);

    /* After 24 h the token is free again. */
    fixture_advance(f, 86400LL * 1000);
    assert_int_equal(store_client_token_lookup(f->st, &token_a, found, &outcome, NULL), RC_ENOENT);
    fixture_id(5, job.job_id);
    assert_int_equal(store_job_submit(f->st, &job, &other_fp, 0, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    assert_int_equal(store_client_token_lookup(f->st, &token_a, found, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_MISMATCH);
    assert_string_equal(found, job.job_id);
}

/* ------------------------------------------------------------------ nonces */

static void test_nonces(void **state) {
    fixture *f = *state;
    const int64_t t = 1735787045; /* pinned request clock, unrelated to the store's */
    assert_int_equal(store_nonce_use(f->st, "testid", "3f1a9c0e", t, t + 900, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "testid", "3f1a9c0e", t, t + 900, NULL), RC_EEXIST);
    assert_int_equal(store_nonce_use(f->st, "testid", "3f1a9c0e", t + 899, t + 1799, NULL),
                     RC_EEXIST);
    assert_int_equal(store_nonce_use(f->st, "otherid", "3f1a9c0e", t, t + 900, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "testid", "other", t, t + 900, NULL), 0);
    /* Once expired the nonce may be used again, and is then remembered anew. */
    assert_int_equal(store_nonce_use(f->st, "testid", "3f1a9c0e", t + 900, t + 1800, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "testid", "3f1a9c0e", t + 1000, t + 1900, NULL),
                     RC_EEXIST);
    assert_int_equal(store_nonce_clear(f->st, NULL), 0);
    assert_int_equal(store_nonce_use(f->st, "testid", "3f1a9c0e", t, t + 900, NULL), 0);
    /* Many distinct nonces exercise the periodic purge of expired rows. */
    char nonce[32];
    for (int i = 0; i < 600; i++) {
        snprintf(nonce, sizeof(nonce), "n%d", i);
        assert_int_equal(store_nonce_use(f->st, "bulk", nonce, t + i, t + i + 1, NULL), 0);
    }
    assert_int_equal(store_nonce_use(f->st, "bulk", "n599", t + 599, t + 600, NULL), RC_EEXIST);
}

typedef struct nonce_racer {
    fixture *f;
    int rc;
    pthread_barrier_t *start;
} nonce_racer;

static void *nonce_thread(void *arg) {
    nonce_racer *r = arg;
    pthread_barrier_wait(r->start);
    r->rc = store_nonce_use(r->f->st, "testid", "same-nonce", 100, 1000, NULL);
    return NULL;
}

static void test_nonce_race(void **state) {
    fixture *f = *state;
    pthread_t th[THREADS];
    nonce_racer r[THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        r[i] = (nonce_racer){.f = f, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, nonce_thread, &r[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_true(r[i].rc == 0 || r[i].rc == RC_EEXIST);
        ok += r[i].rc == 0;
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(ok, 1);
}

/* ------------------------------------------------------------------ concurrent claims */

typedef struct claimer {
    fixture *f;
    char owner[16];
    int claimed[64];
    int n;
    int finish_errors; /* asserts belong to the main thread */
} claimer;

static void *claim_thread(void *arg) {
    claimer *c = arg;
    store_job job;
    while (store_job_claim(c->f->st, c->owner, LEASE_MS, 3, &job, NULL) == 0) {
        c->claimed[c->n++] = (int)strtol(job.job_id, NULL, 16);
        store_job_result done = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
        if (store_job_finish(c->f->st, job.job_id, c->owner, &done, NULL) != 0)
            c->finish_errors++;
        store_job_free(&job);
    }
    return NULL;
}

static void test_concurrent_claims(void **state) {
    fixture *f = *state;
    enum { JOBS = 60, WORKERS = 6 };
    for (int n = 1; n <= JOBS; n++)
        assert_int_equal(fixture_submit(f, n, USER, "Segmentation", NULL), 0);
    pthread_t th[WORKERS];
    claimer c[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        c[i] = (claimer){.f = f};
        snprintf(c[i].owner, sizeof(c[i].owner), "worker-%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &c[i]), 0);
    }
    int seen[JOBS + 1] = {0};
    int total = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(c[i].finish_errors, 0);
        for (int j = 0; j < c[i].n; j++)
            seen[c[i].claimed[j]]++;
        total += c[i].n;
    }
    assert_int_equal(total, JOBS);
    for (int n = 1; n <= JOBS; n++)
        assert_int_equal(seen[n], 1);
    int64_t counts[STORE_JOB_STATE_COUNT];
    assert_int_equal(store_job_count(f->st, counts, NULL), 0);
    assert_int_equal(counts[STORE_JOB_FINISHED], JOBS);
}

/* ------------------------------------------------------------------ media assets */

static void media_init(store_media *m, int n, const char *url, const char *ref) {
    memset(m, 0, sizeof(*m));
    fixture_id(n, m->media_id);
    m->user_id = USER;
    m->input_url = (char *)url;
    m->reference_id = (char *)ref;
    m->title = "Week 1";
    m->description = "first lecture";
    m->tags = "a,b";
    m->user_data = "{\"x\":1}";
}

/* Job artefacts: written and read back byte for byte (binary, with NULs), only by the job's
 * user, replaced by a second write, names checked, and purged with their job (a job submitted
 * again under the same id does not find them). */
static void test_artefacts(void **state) {
    fixture *f = *state;
    const char *id = "00000000000000000000000000000001";
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    unsigned char jpeg[300];
    for (size_t i = 0; i < sizeof(jpeg); i++)
        jpeg[i] = (unsigned char)(i * 7);
    assert_int_equal(store_artefact_put(f->st, id, "thumb/1.jpg", jpeg, sizeof(jpeg), NULL), 0);
    assert_int_equal(store_artefact_put(f->st, id, "track/1.json", "{}", 2, NULL), 0);
    store_artefact a;
    assert_int_equal(store_artefact_get(f->st, id, USER, "thumb/1.jpg", &a, NULL), 0);
    assert_int_equal(a.size, sizeof(jpeg));
    assert_memory_equal(a.data, jpeg, sizeof(jpeg));
    free(a.data);
    /* another user's job, an unknown name, a bad name: not found */
    assert_int_equal(store_artefact_get(f->st, id, USER + 1, "thumb/1.jpg", &a, NULL), RC_ENOENT);
    assert_int_equal(store_artefact_get(f->st, id, USER, "thumb/2.jpg", &a, NULL), RC_ENOENT);
    assert_int_equal(store_artefact_get(f->st, id, USER, "../x", &a, NULL), RC_ENOENT);
    /* a second write replaces */
    assert_int_equal(store_artefact_put(f->st, id, "track/1.json", "[1]", 3, NULL), 0);
    assert_int_equal(store_artefact_get(f->st, id, USER, "track/1.json", &a, NULL), 0);
    assert_int_equal(a.size, 3);
    assert_memory_equal(a.data, "[1]", 3);
    free(a.data);
    const char *bad[] = {"", "/abs", ".hidden", "a/../b", "a//b", "a/", "a b", "x\\y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(store_artefact_put(f->st, id, bad[i], "x", 1, NULL), RC_EINVAL);
    assert_int_equal(store_artefact_put(f->st, id, "ok", jpeg, STORE_ARTEFACT_MAX + 1, NULL),
                     RC_EINVAL);
    /* purged with the job */
    fixture_advance(f, 10 * 1000);
    int64_t deleted = 0;
    assert_int_equal(store_purge(f->st, 5, &deleted, NULL), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(store_artefact_get(f->st, id, USER, "thumb/1.jpg", &a, NULL), RC_ENOENT);
    assert_int_equal(fixture_submit(f, 1, USER, "Segmentation", NULL), 0);
    assert_int_equal(store_artefact_get(f->st, id, USER, "thumb/1.jpg", &a, NULL), RC_ENOENT);
    assert_int_equal(store_artefact_get(f->st, id, USER, "track/1.json", &a, NULL), RC_ENOENT);
}

static void test_media_register_get(void **state) {
    fixture *f = *state;
    store_media m, got;
    enum store_submit_outcome outcome;
    char existing[STORE_ID_LEN + 1];
    rc_error err = {0};
    const char *url = "oss://media-in/lectures/week1.mp4";
    media_init(&m, 1, url, "lecture-week-01");
    assert_int_equal(store_media_register(f->st, &m, 0, NULL, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    assert_int_equal(store_media_get(f->st, m.media_id, USER, &got, NULL), 0);
    assert_string_equal(got.input_url, url);
    assert_string_equal(got.title, "Week 1");
    assert_string_equal(got.description, "first lecture");
    assert_string_equal(got.tags, "a,b");
    assert_string_equal(got.reference_id, "lecture-week-01");
    assert_string_equal(got.user_data, "{\"x\":1}");
    assert_int_equal(got.status, STORE_MEDIA_PREPARING);
    assert_int_equal(got.create_time, FIX_T0_MS / 1000);
    store_media_free(&got);
    assert_int_equal(store_media_get_by_url(f->st, url, USER, &got, NULL), 0);
    assert_string_equal(got.media_id, m.media_id);
    store_media_free(&got);
    assert_int_equal(store_media_get(f->st, m.media_id, USER + 1, &got, NULL), RC_ENOENT);
    assert_int_equal(store_media_get_by_url(f->st, url, USER + 1, &got, NULL), RC_ENOENT);
    assert_int_equal(
        store_media_get_by_url(f->st, "oss://media-in/lectures/Week1.mp4", USER, &got, NULL),
        RC_ENOENT);

    /* Same URL without Overwrite: the existing asset, unchanged. */
    store_media again;
    media_init(&again, 2, url, NULL);
    assert_int_equal(store_media_register(f->st, &again, 0, NULL, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_EXISTING);
    assert_string_equal(existing, m.media_id);
    assert_int_equal(store_media_get(f->st, again.media_id, USER, &got, NULL), RC_ENOENT);

    /* Another URL with a taken ReferenceId. */
    store_media dup;
    media_init(&dup, 3, "oss://media-in/other.mp4", "lecture-week-01");
    assert_int_equal(store_media_register(f->st, &dup, 0, NULL, existing, &outcome, &err),
                     RC_EEXIST);
    assert_string_equal(err.code, "InvalidParameter.ResourceAlreadyExists");
    assert_string_equal(err.message, "The resource operated \"ReferenceId\" already exists.");
    /* ...which another user may use. */
    dup.user_id = USER + 1;
    assert_int_equal(store_media_register(f->st, &dup, 0, NULL, existing, &outcome, NULL), 0);

    /* Overwrite replaces: the old id reads as not found; the reference moves with the URL. */
    media_init(&again, 4, url, "lecture-week-01");
    assert_int_equal(store_media_register(f->st, &again, 1, NULL, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    assert_int_equal(store_media_get(f->st, m.media_id, USER, &got, NULL), RC_ENOENT);
    assert_int_equal(store_media_get_by_url(f->st, url, USER, &got, NULL), 0);
    assert_string_equal(got.media_id, again.media_id);
    store_media_free(&got);

    /* Client tokens on RegisterMediaInfo. */
    store_client_token tok = {.access_key_id = "AK1",
                              .action = "RegisterMediaInfo",
                              .token = "reg-1",
                              .fingerprint = "fp"};
    store_media next;
    media_init(&next, 5, "oss://media-in/b.mp4", NULL);
    assert_int_equal(store_media_register(f->st, &next, 0, &tok, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_CREATED);
    media_init(&next, 6, "oss://media-in/b.mp4", NULL);
    assert_int_equal(store_media_register(f->st, &next, 1, &tok, existing, &outcome, NULL), 0);
    assert_int_equal(outcome, STORE_SUBMIT_EXISTING); /* nothing overwritten */
    assert_string_equal(existing, "00000000000000000000000000000005");

    assert_int_equal(store_media_delete(f->st, again.media_id, USER + 1, NULL), RC_ENOENT);
    assert_int_equal(store_media_delete(f->st, again.media_id, USER, NULL), 0);
    assert_int_equal(store_media_delete(f->st, again.media_id, USER, NULL), RC_ENOENT);
    assert_int_equal(store_media_get_by_url(f->st, url, USER, &got, NULL), RC_ENOENT);
}

typedef struct registrar {
    fixture *f;
    int n;
    const char *url;
    int rc;
    enum store_submit_outcome outcome;
    char existing[STORE_ID_LEN + 1];
    pthread_barrier_t *start;
} registrar;

static void *register_thread(void *arg) {
    registrar *r = arg;
    store_media m;
    media_init(&m, r->n, r->url, NULL);
    pthread_barrier_wait(r->start);
    r->rc = store_media_register(r->f->st, &m, 0, NULL, r->existing, &r->outcome, NULL);
    return NULL;
}

/* One URL registered by THREADS requests at once (no token): one asset, the others get its id.
 * Several rounds, so that the connection pool is warm and the requests really overlap. */
static void test_media_register_race(void **state) {
    enum { ROUNDS = 10 };
    fixture *f = *state;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_t th[THREADS];
        registrar r[THREADS];
        pthread_barrier_t start;
        char url[64];
        snprintf(url, sizeof(url), "oss://media-in/same-%d.mp4", round);
        pthread_barrier_init(&start, NULL, THREADS);
        for (int i = 0; i < THREADS; i++) {
            r[i] = (registrar){.f = f, .n = 1000 * round + i, .url = url, .start = &start};
            assert_int_equal(pthread_create(&th[i], NULL, register_thread, &r[i]), 0);
        }
        for (int i = 0; i < THREADS; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&start);
        int created = 0;
        char winner[STORE_ID_LEN + 1] = "";
        for (int i = 0; i < THREADS; i++) {
            assert_int_equal(r[i].rc, 0);
            if (r[i].outcome == STORE_SUBMIT_CREATED) {
                created++;
                fixture_id(r[i].n, winner);
            }
        }
        assert_int_equal(created, 1);
        for (int i = 0; i < THREADS; i++)
            if (r[i].outcome != STORE_SUBMIT_CREATED)
                assert_string_equal(r[i].existing, winner);
    }
}

static void test_media_probe_claims(void **state) {
    fixture *f = *state;
    store_media m, got;
    enum store_submit_outcome outcome;
    char existing[STORE_ID_LEN + 1];
    media_init(&m, 1, "oss://in/1.mp4", NULL);
    assert_int_equal(store_media_register(f->st, &m, 0, NULL, existing, &outcome, NULL), 0);
    fixture_advance(f, 1000);
    media_init(&m, 2, "oss://in/2.mp4", NULL);
    assert_int_equal(store_media_register(f->st, &m, 0, NULL, existing, &outcome, NULL), 0);

    assert_int_equal(store_media_claim(f->st, "p1", LEASE_MS, 2, &got, NULL), 0);
    assert_string_equal(got.media_id, "00000000000000000000000000000001");
    assert_int_equal(got.attempts, 1);
    store_media_free(&got);
    assert_int_equal(store_media_claim(f->st, "p2", LEASE_MS, 2, &got, NULL), 0);
    assert_string_equal(got.media_id, "00000000000000000000000000000002");
    store_media_free(&got);
    assert_int_equal(store_media_claim(f->st, "p3", LEASE_MS, 2, &got, NULL), RC_ENOENT);

    const char *probe = "{\"FileBasicInfo\":{\"Duration\":\"10.000000\"}}";
    assert_int_equal(store_media_set_probe(f->st, "00000000000000000000000000000002", "p1",
                                           STORE_MEDIA_NORMAL, probe, "video", NULL),
                     RC_ECANCELED);
    assert_int_equal(store_media_set_probe(f->st, "00000000000000000000000000000002", "p2",
                                           STORE_MEDIA_NORMAL, probe, "video", NULL),
                     0);
    assert_int_equal(store_media_get(f->st, "00000000000000000000000000000002", USER, &got, NULL),
                     0);
    assert_int_equal(got.status, STORE_MEDIA_NORMAL);
    assert_string_equal(got.probe_json, probe);
    assert_string_equal(got.media_type, "video");
    assert_null(got.lease_owner);
    store_media_free(&got);

    /* p1 dies twice: second attempt, then PrepareFailed past max_attempts = 2. */
    fixture_advance(f, LEASE_MS);
    assert_int_equal(store_media_claim(f->st, "p3", LEASE_MS, 2, &got, NULL), 0);
    assert_string_equal(got.media_id, "00000000000000000000000000000001");
    assert_int_equal(got.attempts, 2);
    store_media_free(&got);
    fixture_advance(f, LEASE_MS);
    assert_int_equal(store_media_claim(f->st, "p4", LEASE_MS, 2, &got, NULL), RC_ENOENT);
    assert_int_equal(store_media_get(f->st, "00000000000000000000000000000001", USER, &got, NULL),
                     0);
    assert_int_equal(got.status, STORE_MEDIA_PREPARE_FAILED);
    store_media_free(&got);
    char unknown[STORE_ID_LEN + 1];
    fixture_id(77, unknown);
    assert_int_equal(
        store_media_set_probe(f->st, unknown, "p1", STORE_MEDIA_NORMAL, NULL, NULL, NULL),
        RC_ENOENT);
}

/* ------------------------------------------------------------------ callback outbox */

static void finish_with_callback(fixture *f, int n) {
    store_job job;
    assert_int_equal(fixture_submit(f, n, USER, "Segmentation", "http://127.0.0.1:9/cb"), 0);
    assert_int_equal(store_job_claim(f->st, "w", LEASE_MS, 3, &job, NULL), 0);
    store_job_result done = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    assert_int_equal(store_job_finish(f->st, job.job_id, "w", &done, NULL), 0);
    store_job_free(&job);
}

static void test_outbox_delivery(void **state) {
    fixture *f = *state;
    store_outbox o, o2;
    store_job job;
    int64_t pending;
    finish_with_callback(f, 1);
    fixture_advance(f, 10);
    finish_with_callback(f, 2);

    assert_int_equal(store_outbox_claim(f->st, "n1", LEASE_MS, &o, NULL), 0);
    assert_string_equal(o.job_id, "00000000000000000000000000000001");
    assert_int_equal(store_outbox_claim(f->st, "n2", LEASE_MS, &o2, NULL), 0);
    assert_string_equal(o2.job_id, "00000000000000000000000000000002");
    store_outbox_free(&o2);
    /* Both leased: a third notifier finds nothing. */
    assert_int_equal(store_outbox_claim(f->st, "n3", LEASE_MS, &o2, NULL), RC_ENOENT);

    /* n1 fails and schedules a retry in 15 s; n3 may not report on n1's row. */
    assert_int_equal(store_outbox_retry(f->st, o.id, "n3", 0, "x", NULL), RC_ECANCELED);
    assert_int_equal(store_outbox_retry(f->st, o.id, "n1", FIX_T0_MS + 10 + 15000,
                                        "HTTP 500 from http://127.0.0.1:9/cb", NULL),
                     0);
    assert_int_equal(store_outbox_claim(f->st, "n3", LEASE_MS, &o2, NULL), RC_ENOENT);
    assert_int_equal(store_outbox_count_pending(f->st, &pending, NULL), 0);
    assert_int_equal(pending, 2);
    assert_int_equal(store_job_get(f->st, o.job_id, USER, &job, NULL), 0);
    assert_int_equal(job.notify_state, STORE_NOTIFY_PENDING);
    assert_string_equal(job.notify_error, "HTTP 500 from http://127.0.0.1:9/cb");
    store_job_free(&job);

    /* n2 dies holding row 2: after its lease both rows are due, row 2 (due earlier) first. */
    fixture_advance(f, LEASE_MS);
    store_outbox o3;
    assert_int_equal(store_outbox_claim(f->st, "n3", LEASE_MS, &o2, NULL), 0);
    assert_string_equal(o2.job_id, "00000000000000000000000000000002");
    assert_int_equal(o2.attempts, 0);
    assert_int_equal(store_outbox_claim(f->st, "n4", LEASE_MS, &o3, NULL), 0);
    assert_string_equal(o3.job_id, "00000000000000000000000000000001");
    assert_int_equal(o3.attempts, 1);
    assert_string_equal(o3.body, o.body); /* same envelope on every attempt */
    assert_int_equal(store_outbox_delivered(f->st, o3.id, "n4", NULL), 0);
    assert_int_equal(store_outbox_delivered(f->st, o3.id, "n4", NULL), RC_ECANCELED);
    store_outbox_free(&o3);
    assert_int_equal(store_outbox_get(f->st, o.job_id, &o3, NULL), 0);
    assert_int_equal(o3.state, STORE_NOTIFY_DELIVERED);
    assert_int_equal(o3.attempts, 2);
    store_outbox_free(&o3);
    assert_int_equal(store_job_get(f->st, o.job_id, USER, &job, NULL), 0);
    assert_int_equal(job.notify_state, STORE_NOTIFY_DELIVERED);
    store_job_free(&job);

    /* The dead n2 cannot report on row 2 any more; n3 gives up on it. */
    assert_int_equal(store_outbox_delivered(f->st, o2.id, "n2", NULL), RC_ECANCELED);
    assert_int_equal(store_outbox_give_up(f->st, o2.id, "n3", "timeout after 3 s", NULL), 0);
    assert_int_equal(store_job_get(f->st, o2.job_id, USER, &job, NULL), 0);
    assert_int_equal(job.notify_state, STORE_NOTIFY_FAILED);
    assert_string_equal(job.notify_error, "timeout after 3 s");
    store_job_free(&job);
    store_outbox_free(&o2);
    assert_int_equal(store_outbox_count_pending(f->st, &pending, NULL), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(store_outbox_claim(f->st, "n4", LEASE_MS, &o2, NULL), RC_ENOENT);
    assert_int_equal(store_outbox_delivered(f->st, 999, "n4", NULL), RC_ENOENT);

    /* Pending deliveries survive a restart. */
    finish_with_callback(f, 3);
    store_close(f->st);
    fixture_open(f);
    assert_int_equal(store_outbox_claim(f->st, "n5", LEASE_MS, &o2, NULL), 0);
    assert_string_equal(o2.job_id, "00000000000000000000000000000003");
    store_outbox_free(&o2);
    store_outbox_free(&o);
}

#define STORE_SUITE_MISC(setup, teardown)                                                          \
    cmocka_unit_test_setup_teardown(test_client_token_race, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_client_token_rules, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_nonces, setup, teardown),                             \
        cmocka_unit_test_setup_teardown(test_nonce_race, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(test_concurrent_claims, setup, teardown),                  \
        cmocka_unit_test_setup_teardown(test_media_register_get, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_media_register_race, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_media_probe_claims, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_outbox_delivery, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_artefacts, setup, teardown)

#endif
