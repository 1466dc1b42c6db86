/* notifier: a dispatcher thread claims due outbox rows (leased) and hands them to a few delivery
 * threads, so one slow or dead receiver holds up only its own thread, for at most its timeout. */
#include "jobs/notifier.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/ids.h"
#include "util/log.h"
#include "util/timeutil.h"

#define DEFAULT_ATTEMPTS 10
#define DEFAULT_THREADS 4
#define MAX_THREADS 64
#define DEFAULT_POLL_MS 250
#define DEFAULT_LEASE_MS 20000
#define DEFAULT_TIMEOUT_MS 3000

struct jobs_notifier {
    store *st;
    jobs_notify_config cfg; /* strings below are the notifier's own copies */
    char *auth_key;
    char *redis_url;
    char *allow_hosts[CONFIG_LIST_MAX];
    char owner[96];

    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* delivery threads: a row was queued, or stop */
    pthread_cond_t idle_cv; /* dispatcher: a thread became free, wake, or stop */
    int stopping;
    int dispatcher_done; /* no more rows will be queued: delivery threads may end */
    int curl_ready;
    int woken;
    int busy;            /* rows being delivered */
    store_outbox *queue; /* claimed rows not yet taken, cfg.threads slots (ring) */
    int q_head, q_len;

    pthread_t dispatcher;
    int dispatcher_started;
    pthread_t *workers;
    int n_workers;
};

/* A random jitter in [-1, 1]. */
static double random_jitter(void) {
    uint32_t r = 0;
    if (ids_random_bytes(&r, sizeof(r)))
        return 0.0;
    return (double)r / 4294967295.0 * 2.0 - 1.0;
}

/* Records the outcome of one attempt of row and logs it. */
static void record_outcome(jobs_notifier *n, const store_outbox *row, enum jobs_notify_result res,
                           const char *reason, int64_t took_ms) {
    rc_error err = {0};
    char where[256];
    jobs_notify_redact(row->target, where, sizeof(where));
    int attempt = row->attempts + 1, rc;
    if (res == JOBS_NOTIFY_OK) {
        rc = store_outbox_delivered(n->st, row->id, n->owner, &err);
        if (!rc)
            log_info("callback of job %s delivered to %s (attempt %d/%d, %lld ms)", row->job_id,
                     where, attempt, n->cfg.attempts, (long long)took_ms);
    } else if (res == JOBS_NOTIFY_RETRY && attempt < n->cfg.attempts) {
        int64_t delay = jobs_notify_delay_ms(&n->cfg, attempt, random_jitter());
        rc = store_outbox_retry(n->st, row->id, n->owner, time_now_ms() + delay, reason, &err);
        if (!rc)
            log_warn("callback of job %s to %s failed (attempt %d/%d): %s; retry in %lld ms",
                     row->job_id, where, attempt, n->cfg.attempts, reason, (long long)delay);
    } else {
        rc = store_outbox_give_up(n->st, row->id, n->owner, reason, &err);
        if (!rc)
            log_error("callback of job %s to %s failed for good (attempt %d/%d): %s", row->job_id,
                      where, attempt, n->cfg.attempts, reason);
    }
    if (rc == RC_ECANCELED)
        log_warn("callback of job %s: lease lost before the outcome was recorded", row->job_id);
    else if (rc)
        log_error("callback of job %s: cannot record the outcome: %s", row->job_id,
                  err.message[0] ? err.message : rc_strerror(rc));
}

static void *worker_main(void *arg) {
    jobs_notifier *n = arg;
    char reason[JOBS_NOTIFY_ERROR_MAX];
    pthread_mutex_lock(&n->mu);
    for (;;) {
        while (!n->dispatcher_done && n->q_len == 0)
            pthread_cond_wait(&n->work_cv, &n->mu);
        if (n->q_len == 0) /* the dispatcher ended, and nothing claimed is left */
            break;
        store_outbox row = n->queue[n->q_head];
        memset(&n->queue[n->q_head], 0, sizeof(row));
        n->q_head = (n->q_head + 1) % n->cfg.threads;
        n->q_len--;
        n->busy++;
        pthread_mutex_unlock(&n->mu);

        int64_t t0 = time_mono_ms();
        enum jobs_notify_result res =
            jobs_notify_deliver(&n->cfg, row.target, row.body, (long long)(time_now_ms() / 1000),
                                reason, sizeof(reason));
        record_outcome(n, &row, res, reason, time_mono_ms() - t0);
        store_outbox_free(&row);

        pthread_mutex_lock(&n->mu);
        n->busy--;
        pthread_cond_signal(&n->idle_cv);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

/* Waits up to ms on idle_cv (mutex held); returns early on wake or stop. */
static void idle_wait(jobs_notifier *n, int64_t ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (!n->stopping && !n->woken)
        if (pthread_cond_timedwait(&n->idle_cv, &n->mu, &ts) == ETIMEDOUT)
            break;
    n->woken = 0;
}

/* 1 if some row is pending at all: a cheap read that saves a write transaction when idle. */
static int any_pending(jobs_notifier *n) {
    int64_t pending = 1;
    rc_error err = {0};
    if (store_outbox_count_pending(n->st, &pending, &err))
        return 1; /* let the claim report the problem */
    return pending > 0;
}

static void *dispatcher_main(void *arg) {
    jobs_notifier *n = arg;
    int64_t last_error_log = 0;
    pthread_mutex_lock(&n->mu);
    while (!n->stopping) {
        if (n->busy + n->q_len >= n->cfg.threads) {
            pthread_cond_wait(&n->idle_cv, &n->mu);
            continue;
        }
        pthread_mutex_unlock(&n->mu);
        store_outbox row;
        rc_error err = {0};
        int rc = any_pending(n) ? store_outbox_claim(n->st, n->owner, n->cfg.lease_ms, &row, &err)
                                : RC_ENOENT;
        pthread_mutex_lock(&n->mu);
        if (rc == 0) {
            int tail = (n->q_head + n->q_len) % n->cfg.threads;
            n->queue[tail] = row;
            n->q_len++;
            pthread_cond_signal(&n->work_cv);
            continue;
        }
        if (rc != RC_ENOENT && time_mono_ms() - last_error_log > 10000) {
            last_error_log = time_mono_ms();
            log_error("notifier: cannot claim callbacks: %s",
                      err.message[0] ? err.message : rc_strerror(rc));
        }
        idle_wait(n, n->cfg.poll_ms);
    }
    n->dispatcher_done = 1;
    pthread_cond_broadcast(&n->work_cv);
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

static void destroy(jobs_notifier *n) {
    for (int i = 0; n->queue && i < n->cfg.threads; i++)
        store_outbox_free(&n->queue[i]);
    free(n->queue);
    free(n->workers);
    if (n->auth_key)
        memset(n->auth_key, 0, strlen(n->auth_key));
    free(n->auth_key);
    free(n->redis_url);
    for (int i = 0; i < CONFIG_LIST_MAX; i++)
        free(n->allow_hosts[i]);
    pthread_cond_destroy(&n->work_cv);
    pthread_cond_destroy(&n->idle_cv);
    pthread_mutex_destroy(&n->mu);
    free(n);
}

void jobs_notifier_stop(jobs_notifier *n) {
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->stopping = 1;
    pthread_cond_broadcast(&n->idle_cv);
    pthread_mutex_unlock(&n->mu);
    /* The dispatcher ends first, so a row it claimed meanwhile is still delivered. */
    if (n->dispatcher_started)
        pthread_join(n->dispatcher, NULL);
    pthread_mutex_lock(&n->mu);
    n->dispatcher_done = 1;
    pthread_cond_broadcast(&n->work_cv);
    pthread_mutex_unlock(&n->mu);
    for (int i = 0; i < n->n_workers; i++)
        pthread_join(n->workers[i], NULL);
    if (n->curl_ready)
        curl_global_cleanup();
    destroy(n);
}

void jobs_notifier_wake(jobs_notifier *n) {
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->woken = 1;
    pthread_cond_signal(&n->idle_cv);
    pthread_mutex_unlock(&n->mu);
}

static char *dup_or_empty(const char *s) {
    return strdup(s ? s : "");
}

int jobs_notifier_start(store *st, const jobs_notify_config *cfg, jobs_notifier **out,
                        rc_error *err) {
    *out = NULL;
    if (!st || !cfg || cfg->attempts < 0 || cfg->base_ms < 0 || cfg->cap_ms < 0 ||
        cfg->threads < 0 || cfg->threads > MAX_THREADS || cfg->n_allow_hosts < 0 ||
        cfg->n_allow_hosts > CONFIG_LIST_MAX)
        return rc_fail(err, RC_EINVAL, NULL, "notifier: invalid configuration");
    jobs_notifier *n = calloc(1, sizeof(*n));
    if (!n)
        return rc_fail(err, RC_ENOMEM, NULL, "notifier: out of memory");
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->work_cv, NULL);
    pthread_cond_init(&n->idle_cv, NULL);
    n->st = st;
    n->cfg = *cfg;
    if (n->cfg.attempts == 0)
        n->cfg.attempts = DEFAULT_ATTEMPTS;
    if (n->cfg.threads == 0)
        n->cfg.threads = DEFAULT_THREADS;
    if (n->cfg.poll_ms <= 0)
        n->cfg.poll_ms = DEFAULT_POLL_MS;
    if (n->cfg.timeout_ms <= 0)
        n->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
    if (n->cfg.lease_ms <= 0)
        n->cfg.lease_ms = DEFAULT_LEASE_MS;
    if (n->cfg.lease_ms < n->cfg.timeout_ms * 2)
        n->cfg.lease_ms = n->cfg.timeout_ms * 2;
    n->auth_key = dup_or_empty(cfg->auth_key);
    n->redis_url = dup_or_empty(cfg->redis_url);
    n->queue = calloc((size_t)n->cfg.threads, sizeof(*n->queue));
    n->workers = calloc((size_t)n->cfg.threads, sizeof(*n->workers));
    char tag[IDS_HEX_LEN + 1], host[64] = "";
    int rc = 0;
    if (!n->auth_key || !n->redis_url || !n->queue || !n->workers) {
        rc = rc_fail(err, RC_ENOMEM, NULL, "notifier: out of memory");
        goto out;
    }
    n->cfg.auth_key = n->auth_key;
    n->cfg.redis_url = n->redis_url;
    for (int i = 0; i < cfg->n_allow_hosts; i++) {
        n->allow_hosts[i] = dup_or_empty(cfg->allow_hosts[i]);
        if (!n->allow_hosts[i]) {
            rc = rc_fail(err, RC_ENOMEM, NULL, "notifier: out of memory");
            goto out;
        }
        n->cfg.allow_hosts[i] = n->allow_hosts[i];
    }
    if (ids_hex128(tag)) {
        rc = rc_fail(err, RC_EINTERNAL, NULL, "notifier: no randomness for the lease owner");
        goto out;
    }
    gethostname(host, sizeof(host) - 1);
    snprintf(n->owner, sizeof(n->owner), "notifier-%.40s-%ld-%.8s", host, (long)getpid(), tag);
    /* Before any delivery thread exists: curl's global setup is not thread-safe everywhere. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = rc_fail(err, RC_EINTERNAL, NULL, "notifier: libcurl did not initialise");
        goto out;
    }
    n->curl_ready = 1;
    for (int i = 0; i < n->cfg.threads; i++) {
        if (pthread_create(&n->workers[i], NULL, worker_main, n)) {
            rc = rc_fail(err, RC_EINTERNAL, NULL, "notifier: cannot start a delivery thread");
            goto out;
        }
        n->n_workers++;
    }
    if (pthread_create(&n->dispatcher, NULL, dispatcher_main, n)) {
        rc = rc_fail(err, RC_EINTERNAL, NULL, "notifier: cannot start the dispatcher thread");
        goto out;
    }
    n->dispatcher_started = 1;
out:
    if (rc) {
        jobs_notifier_stop(n);
        return rc;
    }
    *out = n;
    return 0;
}
