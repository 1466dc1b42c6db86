/* Tests of the callback notifier: signature vector, retry schedule, one delivery against a real
 * HTTP receiver (libmicrohttpd on 127.0.0.1), and the notifier threads on a real SQLite store:
 * retries until delivered, gives up after the last attempt, queue targets without Redis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "jobs/notifier.h"
#include "store/store.h"
#include "util/timeutil.h"

/* ------------------------------------------------------------------ a real HTTP receiver */

#define MAX_HITS 32
#define STALL -1 /* script entry: answer 200 only after stall_ms */

typedef struct hit {
    char body[2048];
    char timestamp[32];
    char signature[64];
    char content_type[64];
    char path[128];
} hit;

typedef struct receiver {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    int script[MAX_HITS]; /* status per request; past n_script the last entry repeats */
    int n_script;
    int stall_ms;
    int n_hits;
    hit hits[MAX_HITS];
} receiver;

typedef struct upload {
    char body[2048];
    size_t len;
} upload;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls) {
    receiver *r = cls;
    upload *u = *con_cls;
    if (!u) {
        u = calloc(1, sizeof(*u));
        *con_cls = u;
        return u ? MHD_YES : MHD_NO;
    }
    if (*data_size) {
        size_t n = *data_size;
        if (u->len + n < sizeof(u->body)) {
            memcpy(u->body + u->len, data, n);
            u->len += n;
        }
        *data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&r->mu);
    int i = r->n_hits < MAX_HITS ? r->n_hits++ : MAX_HITS - 1;
    hit *h = &r->hits[i];
    memcpy(h->body, u->body, u->len + 1);
    const char *v;
    snprintf(h->path, sizeof(h->path), "%s %s", method, url);
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-ICE-TIMESTAMP");
    snprintf(h->timestamp, sizeof(h->timestamp), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-ICE-SIGNATURE");
    snprintf(h->signature, sizeof(h->signature), "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    snprintf(h->content_type, sizeof(h->content_type), "%s", v ? v : "");
    int status = r->script[i < r->n_script ? i : r->n_script - 1];
    int stall = r->stall_ms;
    pthread_mutex_unlock(&r->mu);
    if (status == STALL) {
        usleep((useconds_t)stall * 1000);
        status = 200;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
    if (status == 302)
        MHD_add_response_header(resp, "Location", "http://127.0.0.1:9/elsewhere");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe) {
    free(*con_cls);
    *con_cls = NULL;
}

static receiver *receiver_start(const int *script, int n_script, int stall_ms) {
    receiver *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    pthread_mutex_init(&r->mu, NULL);
    memcpy(r->script, script, sizeof(int) * (size_t)n_script);
    r->n_script = n_script;
    r->stall_ms = stall_ms;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, r, MHD_OPTION_END);
    assert_non_null(r->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    r->port = info->port;
    return r;
}

static int receiver_hits(receiver *r) {
    pthread_mutex_lock(&r->mu);
    int n = r->n_hits;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static void receiver_stop(receiver *r) {
    MHD_stop_daemon(r->d);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ------------------------------------------------------------------ pure parts */

static void test_signature_vector(void **state) {
    char hex[JOBS_NOTIFY_MD5_HEX_LEN + 1];
    assert_int_equal(
        jobs_notify_signature("https://www.example.com/your/callback", 1519375990, "Test123", hex),
        0);
    assert_string_equal(hex, "c587b80d2d0ede300e8967937da7219b");
}

static void test_delay_schedule(void **state) {
    jobs_notify_config cfg = {0}; /* defaults: 15 s base, 900 s cap */
    const int64_t want_s[] = {15, 30, 60, 120, 240, 480, 900, 900, 900, 900};
    for (int n = 1; n <= 10; n++) {
        assert_int_equal(jobs_notify_delay_ms(&cfg, n, 0.0), want_s[n - 1] * 1000);
        assert_int_equal(jobs_notify_delay_ms(&cfg, n, 1.0), want_s[n - 1] * 1100);
        assert_int_equal(jobs_notify_delay_ms(&cfg, n, -1.0), want_s[n - 1] * 900);
        int64_t j = jobs_notify_delay_ms(&cfg, n, 0.37);
        assert_true(j > want_s[n - 1] * 1000 && j < want_s[n - 1] * 1100);
    }
    assert_int_equal(jobs_notify_delay_ms(&cfg, 1000, 0.0), 900000); /* no overflow */
    jobs_notify_config small = {.base_ms = 100, .cap_ms = 250};
    assert_int_equal(jobs_notify_delay_ms(&small, 1, 0.0), 100);
    assert_int_equal(jobs_notify_delay_ms(&small, 2, 0.0), 200);
    assert_int_equal(jobs_notify_delay_ms(&small, 3, 0.0), 250);
    assert_int_equal(jobs_notify_delay_ms(&small, 3, 5.0), 275); /* jitter clamped to 10% */
}

static void test_targets_and_redaction(void **state) {
    assert_true(jobs_notify_is_queue("ice-callback"));
    assert_true(jobs_notify_is_queue("ice-callback-Jobs_1"));
    assert_false(jobs_notify_is_queue("ice-callbac"));
    assert_false(jobs_notify_is_queue("ice-callback.x"));
    assert_false(jobs_notify_is_queue("http://ice-callback"));
    char big[130];
    memset(big, 'a', sizeof(big) - 1);
    memcpy(big, "ice-callback", 12);
    big[sizeof(big) - 1] = '\0';
    assert_false(jobs_notify_is_queue(big));

    char out[128];
    jobs_notify_redact("https://user:pw@host:8443/cb/x?token=s3cret#f", out, sizeof(out));
    assert_string_equal(out, "https://***@host:8443/cb/x");
    jobs_notify_redact("http://127.0.0.1:9000/reelcut/callback", out, sizeof(out));
    assert_string_equal(out, "http://127.0.0.1:9000/reelcut/callback");
    jobs_notify_redact("ice-callback-q", out, sizeof(out));
    assert_string_equal(out, "ice-callback-q");
}

/* ------------------------------------------------------------------ one delivery */

static const char body_json[] = "{\"EventType\":\"SmartHandleJobComplete\",\"UserId\":1000,"
                                "\"EventTime\":\"2026-11-22T02:31:12Z\","
                                "\"MessageBody\":{\"JobId\":\"x\",\"Status\":\"Failed\"}}";

static void test_deliver_http(void **state) {
    const int script[] = {200, 500, 302, STALL};
    receiver *r = receiver_start(script, 4, 1500);
    char url[128], err[JOBS_NOTIFY_ERROR_MAX], sig[JOBS_NOTIFY_MD5_HEX_LEN + 1];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/cb/path?t=1", r->port);
    /* The receiver is on loopback: reachable because the operator names it. */
    jobs_notify_config cfg = {
        .auth_key = "Test123", .timeout_ms = 700, .allow_hosts = {"127.0.0.1"}, .n_allow_hosts = 1};

    assert_int_equal(jobs_notify_deliver(&cfg, url, body_json, 1519375990, err, sizeof(err)),
                     JOBS_NOTIFY_OK);
    assert_string_equal(r->hits[0].body, body_json);
    assert_string_equal(r->hits[0].path, "POST /cb/path");
    assert_string_equal(r->hits[0].content_type, "application/json");
    assert_string_equal(r->hits[0].timestamp, "1519375990");
    jobs_notify_signature(url, 1519375990, "Test123", sig);
    assert_string_equal(r->hits[0].signature, sig);

    assert_int_equal(jobs_notify_deliver(&cfg, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_RETRY);
    assert_string_equal(err, "HTTP status 500");
    assert_int_equal(jobs_notify_deliver(&cfg, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_RETRY);
    assert_string_equal(err, "HTTP status 302 (redirects are not followed)");
    int64_t t0 = time_mono_ms();
    assert_int_equal(jobs_notify_deliver(&cfg, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_RETRY);
    assert_true(time_mono_ms() - t0 < 1400); /* gave up at the timeout, not the 200 */
    assert_string_equal(err, "receiver could not be reached or gave no answer within 700 ms");

    /* Without a key: no signature headers. Redirect target never called (hits stay at 5). */
    jobs_notify_config plain = {
        .timeout_ms = 3000, .allow_hosts = {"127.0.0.1"}, .n_allow_hosts = 1};
    assert_int_equal(jobs_notify_deliver(&plain, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_OK);
    assert_int_equal(receiver_hits(r), 5);
    assert_string_equal(r->hits[4].timestamp, "");
    assert_string_equal(r->hits[4].signature, "");
    receiver_stop(r);

    /* The receiver is gone: connection refused, retried; the same words as a timeout. */
    assert_int_equal(jobs_notify_deliver(&cfg, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_RETRY);
    assert_string_equal(err, "receiver could not be reached or gave no answer within 700 ms");
    /* Unusable targets fail for good. */
    assert_int_equal(jobs_notify_deliver(&cfg, "ice-callback-q", body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_GIVE_UP);
    assert_string_equal(err, "no Redis URL configured for queue \"ice-callback-q\"");
    assert_int_equal(jobs_notify_deliver(&cfg, "ftp://x/y", body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_GIVE_UP);
    jobs_notify_config bad_redis = {.redis_url = "mysql://h"};
    assert_int_equal(
        jobs_notify_deliver(&bad_redis, "ice-callback-q", body_json, 1, err, sizeof(err)),
        JOBS_NOTIFY_GIVE_UP);
}

/* A port on 127.0.0.1 with nothing listening. */
static int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* Issue 11 item 3: with no callback.allow_hosts a receiver on loopback gets nothing, whatever the
 * spelling of its address, and the reason reads exactly as for a closed port; naming 127.0.0.1
 * lifts the rule for that host only. (The metadata addresses are left to the pure classifier
 * tests: a broken rule must not send them packets.) */
static void test_deliver_refuses_internal(void **state) {
    const int script[] = {200};
    receiver *r = receiver_start(script, 1, 0);
    static const char *const forms[] = {
        "127.0.0.1",          "0.0.0.0",    "[::1]",      "2130706433",
        "0177.0.0.1",         "0x7f000001", "127.1",      "127.0.1",
        "[::ffff:127.0.0.1]", "localhost",  "LOCALHOST.",
    };
    char url[128], err[JOBS_NOTIFY_ERROR_MAX], closed[JOBS_NOTIFY_ERROR_MAX];
    jobs_notify_config by_default = {.timeout_ms = 700};
    jobs_notify_config by_pattern = {
        .timeout_ms = 700, .allow_hosts = {".0.0.1"}, .n_allow_hosts = 1};
    jobs_notify_config by_name = {
        .timeout_ms = 700, .allow_hosts = {"127.0.0.1"}, .n_allow_hosts = 1};

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/cb", closed_port());
    assert_int_equal(jobs_notify_deliver(&by_name, url, body_json, 1, closed, sizeof(closed)),
                     JOBS_NOTIFY_RETRY);
    assert_string_equal(closed, "receiver could not be reached or gave no answer within 700 ms");

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        snprintf(url, sizeof(url), "http://%s:%d/cb", forms[i], r->port);
        enum jobs_notify_result res = jobs_notify_deliver(i % 2 ? &by_pattern : &by_default, url,
                                                          body_json, 1, err, sizeof(err));
        if (res != JOBS_NOTIFY_RETRY || receiver_hits(r) != 0)
            print_error("%s: result %d, %d hits, %s\n", url, (int)res, receiver_hits(r), err);
        assert_int_equal(res, JOBS_NOTIFY_RETRY);
        assert_int_equal(receiver_hits(r), 0);
        assert_string_equal(err, closed);
    }
    /* Named: that host only (localhost is another name for it, and stays refused). */
    snprintf(url, sizeof(url), "http://localhost:%d/cb", r->port);
    assert_int_equal(jobs_notify_deliver(&by_name, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_RETRY);
    assert_int_equal(receiver_hits(r), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/cb", r->port);
    assert_int_equal(jobs_notify_deliver(&by_name, url, body_json, 1, err, sizeof(err)),
                     JOBS_NOTIFY_OK);
    assert_int_equal(receiver_hits(r), 1);
    receiver_stop(r);
}

/* ------------------------------------------------------------------ the notifier on a store */

typedef struct env {
    char dir[64];
    store *st;
} env;

static int env_setup(void **state) {
    env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    snprintf(e->dir, sizeof(e->dir), "/tmp/reelcut-notify-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/reelcut.db", e->dir);
    assert_int_equal(store_open(path, NULL, &e->st, NULL), 0);
    *state = e;
    return 0;
}

static int env_teardown(void **state) {
    env *e = *state;
    char cmd[128];
    store_close(e->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    assert_int_equal(system(cmd), 0);
    free(e);
    return 0;
}

/* Creates job n with target as NotifyAddress and fails it, which queues its callback. */
static void failed_job(env *e, int n, const char *target, char id[STORE_ID_LEN + 1]) {
    store_job job = {0};
    enum store_submit_outcome outcome;
    snprintf(job.job_id, sizeof(job.job_id), "%032x", n);
    memcpy(id, job.job_id, STORE_ID_LEN + 1);
    job.user_id = 1000;
    job.type = "Segmentation";
    job.input_file = "oss://in/a.mp4";
    job.notify_address = (char *)target;
    assert_int_equal(store_job_submit(e->st, &job, NULL, 0, NULL, &outcome, NULL), 0);
    store_job claimed = {0};
    assert_int_equal(store_job_claim(e->st, "w1", 60000, 3, &claimed, NULL), 0);
    assert_string_equal(claimed.job_id, id);
    store_job_free(&claimed);
    store_job_result res = {.state = STORE_JOB_FAILED,
                            .error_code = "InvalidParameter.ResourceNotFound",
                            .error_message = "InputConfig.Media oss://in/a.mp4 does not exist"};
    assert_int_equal(store_job_finish(e->st, id, "w1", &res, NULL), 0);
}

/* Waits up to ms for the job's callback to leave Pending; returns the row (caller frees). */
static void wait_settled(env *e, const char *id, int64_t ms, store_outbox *row) {
    int64_t deadline = time_mono_ms() + ms;
    for (;;) {
        assert_int_equal(store_outbox_get(e->st, id, row, NULL), 0);
        if (row->state != STORE_NOTIFY_PENDING || time_mono_ms() > deadline)
            return;
        store_outbox_free(row);
        usleep(20000);
    }
}

static jobs_notify_config fast_config(int attempts) {
    jobs_notify_config cfg = {.auth_key = "k3y",
                              .attempts = attempts,
                              .base_ms = 50,
                              .cap_ms = 200,
                              .timeout_ms = 400,
                              .threads = 2,
                              .poll_ms = 20,
                              .allow_hosts = {"127.0.0.1"},
                              .n_allow_hosts = 1};
    return cfg;
}

static void test_retries_until_delivered(void **state) {
    env *e = *state;
    const int script[] = {500, 500, STALL, 200};
    receiver *r = receiver_start(script, 4, 1000);
    char url[128], id[STORE_ID_LEN + 1], sig[JOBS_NOTIFY_MD5_HEX_LEN + 1];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/reelcut/callback", r->port);
    failed_job(e, 1, url, id);
    store_outbox queued = {0};
    assert_int_equal(store_outbox_get(e->st, id, &queued, NULL), 0);
    assert_int_equal(queued.state, STORE_NOTIFY_PENDING);

    jobs_notify_config cfg = fast_config(6);
    jobs_notifier *n;
    assert_int_equal(jobs_notifier_start(e->st, &cfg, &n, NULL), 0);
    store_outbox row = {0};
    wait_settled(e, id, 15000, &row);
    assert_int_equal(row.state, STORE_NOTIFY_DELIVERED);
    assert_int_equal(row.attempts, 4);
    /* history is kept */
    assert_string_equal(row.last_error,
                        "receiver could not be reached or gave no answer within 400 ms");
    usleep(400000); /* nothing is sent after the success */
    jobs_notifier_stop(n);
    assert_int_equal(receiver_hits(r), 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r->hits[i].body, queued.body); /* the same bytes every time */
        assert_string_equal(r->hits[i].path, "POST /reelcut/callback");
        assert_string_equal(r->hits[i].content_type, "application/json");
        long long ts = atoll(r->hits[i].timestamp);
        assert_true(ts > 1700000000LL);
        jobs_notify_signature(url, ts, "k3y", sig);
        assert_string_equal(r->hits[i].signature, sig);
    }
    assert_non_null(strstr(queued.body, "\"Status\":\"Failed\""));
    store_job job = {0};
    assert_int_equal(store_job_get(e->st, id, 1000, &job, NULL), 0);
    assert_int_equal(job.notify_state, STORE_NOTIFY_DELIVERED);
    assert_int_equal(job.state, STORE_JOB_FAILED); /* the job's own result is untouched */
    store_job_free(&job);
    store_outbox_free(&row);
    store_outbox_free(&queued);
    receiver_stop(r);
}

static void test_gives_up_after_last_attempt(void **state) {
    env *e = *state;
    const int script[] = {500};
    receiver *r = receiver_start(script, 1, 0);
    char url[128], id[STORE_ID_LEN + 1], qid[STORE_ID_LEN + 1];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/cb", r->port);
    failed_job(e, 2, url, id);
    failed_job(e, 3, "ice-callback-jobs", qid);
    jobs_notify_config cfg = fast_config(3);
    jobs_notifier *n;
    assert_int_equal(jobs_notifier_start(e->st, &cfg, &n, NULL), 0);
    store_outbox row = {0}, qrow = {0};
    wait_settled(e, id, 15000, &row);
    wait_settled(e, qid, 15000, &qrow);
    usleep(300000);
    jobs_notifier_stop(n);
    assert_int_equal(row.state, STORE_NOTIFY_FAILED);
    assert_int_equal(row.attempts, 3);
    assert_string_equal(row.last_error, "HTTP status 500");
    assert_int_equal(receiver_hits(r), 3);
    /* A queue without a Redis URL fails at once, for good. */
    assert_int_equal(qrow.state, STORE_NOTIFY_FAILED);
    assert_int_equal(qrow.attempts, 1);
    assert_string_equal(qrow.last_error, "no Redis URL configured for queue \"ice-callback-jobs\"");
    store_job job = {0};
    assert_int_equal(store_job_get(e->st, id, 1000, &job, NULL), 0);
    assert_int_equal(job.notify_state, STORE_NOTIFY_FAILED);
    assert_string_equal(job.notify_error, "HTTP status 500");
    store_job_free(&job);
    store_outbox_free(&row);
    store_outbox_free(&qrow);
    receiver_stop(r);
}

/* A row claimed by another notifier (live lease) is not sent; once the lease is gone it is. */
static void test_two_notifiers_one_delivery(void **state) {
    env *e = *state;
    const int script[] = {200};
    receiver *r = receiver_start(script, 1, 0);
    char url[128], id[STORE_ID_LEN + 1];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/cb", r->port);
    jobs_notify_config cfg = fast_config(3);
    jobs_notifier *a, *b;
    assert_int_equal(jobs_notifier_start(e->st, &cfg, &a, NULL), 0);
    assert_int_equal(jobs_notifier_start(e->st, &cfg, &b, NULL), 0);
    for (int i = 0; i < 8; i++)
        failed_job(e, 10 + i, url, id);
    jobs_notifier_wake(a);
    int64_t deadline = time_mono_ms() + 10000;
    int64_t pending = 1;
    while (pending > 0 && time_mono_ms() < deadline) {
        usleep(20000);
        assert_int_equal(store_outbox_count_pending(e->st, &pending, NULL), 0);
    }
    usleep(300000);
    jobs_notifier_stop(a);
    jobs_notifier_stop(b);
    assert_int_equal(pending, 0);
    assert_int_equal(receiver_hits(r), 8); /* each row exactly once */
    receiver_stop(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_delay_schedule),
        cmocka_unit_test(test_targets_and_redaction),
        cmocka_unit_test(test_deliver_http),
        cmocka_unit_test(test_deliver_refuses_internal),
        cmocka_unit_test_setup_teardown(test_retries_until_delivered, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_gives_up_after_last_attempt, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_two_notifiers_one_delivery, env_setup, env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
