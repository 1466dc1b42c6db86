/* reelcut serve / reelcut worker: the service and its workers. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/metrics.h"
#include "api/service.h"
#include "blob/blob_router.h"
#include "cli/cli.h"
#include "cli/cli_config.h"
#include "jobs/execute.h"
#include "jobs/notifier.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char serve_usage[] =
    "usage: reelcut serve [--listen HOST:PORT] [--data-dir DIR] [--workers N] [--config FILE]\n"
    "Runs the IMS-compatible API with N job workers (default: CPU count; 0 = API only).\n"
    "Settings: docs/configuration.md. Stops gracefully on SIGTERM or SIGINT.\n";
static const char worker_usage[] =
    "usage: reelcut worker [--data-dir DIR] [--workers N] [--health-listen HOST:PORT] [--config "
    "FILE]\n"
    "Runs job workers only, against the configured job store; with --health-listen "
    "(worker.listen)\n"
    "it also answers GET /healthz and GET /metrics there.\n";

typedef struct runtime {
    config cfg;
    keys_set keys;
    store *st;
    blob_backend *blob;
    jobs_executor *exec;
    jobs_pool *pool;
    jobs_prober *prober;
    jobs_notifier *notifier;
    api_service *svc;
    http_server *http;
    api_metrics *metrics; /* `reelcut worker --health-listen`: the store's gauges, no requests */
} runtime;

static int workers_wanted(const config *cfg) {
    if (cfg->workers >= 0)
        return cfg->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* On first start with no key at all, make one and show it once. */
static int ensure_first_key(runtime *rt, rc_error *err) {
    if (rt->keys.n > 0)
        return 0;
    keys_entry key;
    int rc = keys_create(rt->cfg.keys_file, KEYS_DEFAULT_USER_ID, &key, err);
    if (rc)
        return rc;
    fprintf(stderr,
            "reelcut: created the first access key (stored in %s, shown only this once):\n"
            "  AccessKeyId:     %s\n  AccessKeySecret: %s\n",
            rt->cfg.keys_file, key.access_key_id, key.secret);
    keys_free(&rt->keys);
    return keys_load(rt->cfg.keys_file, &rt->keys, err);
}

/* Opens the job store. A PostgreSQL server that does not answer yet (it is starting or
 * restarting: a fleet's processes start in any order) is waited for, up to STORE_WAIT_S, before
 * giving up; an SQLite file that cannot be opened fails at once. */
#define STORE_WAIT_S 60
static int open_store(runtime *rt, const store_options *so, rc_error *err) {
    int64_t deadline = time_mono_ms() + STORE_WAIT_S * 1000;
    for (int64_t delay = 250;; delay = delay * 2 > 5000 ? 5000 : delay * 2) {
        rc_error e = {0};
        int rc = store_open(rt->cfg.store_url, so, &rt->st, &e);
        if (rc != RC_EDB || strncmp(rt->cfg.store_url, "postgres", 8) != 0 ||
            time_mono_ms() + delay > deadline) {
            if (rc)
                *err = e;
            return rc;
        }
        log_warn("job store not reachable yet (trying again for up to %d s): %s", STORE_WAIT_S,
                 e.message);
        usleep((useconds_t)delay * 1000);
    }
}

static int start_common(runtime *rt, int with_pool, rc_error *err) {
    char path[CONFIG_PATH_MAX + 16];
    int rc = keys_load(rt->cfg.keys_file, &rt->keys, err);
    /* The setting's 0 (no table) is the option's STORE_NONCE_TABLE_NONE; its 0 is the default. */
    store_options so = {.nonce_table_mb = rt->cfg.nonce_table_mb ? rt->cfg.nonce_table_mb
                                                                 : STORE_NONCE_TABLE_NONE};
    if (!rc)
        rc = open_store(rt, &so, err);
    if (!rc) /* buckets on local folders and/or S3, per [storage] */
        rc = blob_router_from_config(&rt->cfg, &rt->blob, err);
    if (!rc)
        rc = jobs_executor_create(&rt->cfg, rt->st, rt->blob, &rt->exec, err);
    int workers = workers_wanted(&rt->cfg);
    if (!rc && with_pool && workers > 0) {
        snprintf(path, sizeof(path), "%s/tmp", rt->cfg.data_dir);
        jobs_pool_config pc = {.workers = workers,
                               .lease_ms = (int64_t)rt->cfg.lease_seconds * 1000,
                               .max_attempts = rt->cfg.max_attempts,
                               .retry_ms = (int64_t)rt->cfg.retry_seconds * 1000,
                               .poll_ms = 500,
                               .job_timeout_ms = (int64_t)rt->cfg.job_timeout_seconds * 1000,
                               .tmp_root = path};
        rc = jobs_pool_start(rt->st, &pc, jobs_executor_run, rt->exec, &rt->pool, err);
        if (!rc)
            log_info("%d job worker(s) started", workers);
        if (!rc)
            rc = jobs_prober_start(&rt->cfg, rt->st, rt->blob, &rt->prober, err);
    }
    if (!rc && with_pool) {
        jobs_notify_config nc;
        jobs_notify_config_from(&rt->cfg, &nc);
        rc = jobs_notifier_start(rt->st, &nc, &rt->notifier, err);
    }
    return rc;
}

/* GET /healthz and GET /metrics of `reelcut worker` (worker.listen): ready (200) while the job
 * store answers, 503 otherwise - as the API's /healthz (API.md) - with the worker threads and how
 * many run a job; /metrics has the store's gauges (queue, completed jobs, pending callbacks) and
 * reelcut_worker_threads / reelcut_worker_busy_threads. */
static void worker_health(void *user, const http_request *req, http_response *res) {
    runtime *rt = user;
    int workers = rt->pool ? workers_wanted(&rt->cfg) : 0;
    int busy = rt->pool ? jobs_pool_busy(rt->pool) : 0;
    buf text;
    buf_init(&text, 4096);
    if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/healthz") == 0) {
        rc_error err = {0};
        if (store_ping(rt->st, &err) != 0) {
            res->status = 503;
            buf_printf(&text, "{\"Status\":\"Unavailable\",\"Reason\":\"the job store does not "
                              "answer\"}");
        } else {
            res->status = 200;
            buf_printf(&text,
                       "{\"Status\":\"OK\",\"Version\":\"%s\",\"Workers\":%d,\"BusyWorkers\":%d}",
                       REELCUT_VERSION, workers, busy);
        }
    } else if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/metrics") == 0) {
        api_metrics_render(rt->metrics, rt->st, &text);
        buf_printf(&text,
                   "# HELP reelcut_worker_threads Job worker threads of this process.\n"
                   "# TYPE reelcut_worker_threads gauge\nreelcut_worker_threads %d\n"
                   "# HELP reelcut_worker_busy_threads Worker threads running a job now.\n"
                   "# TYPE reelcut_worker_busy_threads gauge\nreelcut_worker_busy_threads %d\n",
                   workers, busy);
        res->status = 200;
        res->content_type = "text/plain; version=0.0.4";
    } else {
        res->status = 404;
        buf_printf(&text, "{\"Status\":\"NotFound\",\"Reason\":\"GET /healthz or /metrics\"}");
    }
    res->body_len = text.len;
    res->body = buf_detach(&text);
}

static void stop_all(runtime *rt) {
    http_server_stop(rt->http);
    rt->http = NULL;
    if (rt->pool)
        jobs_pool_stop(rt->pool, (int64_t)rt->cfg.shutdown_grace_seconds * 1000);
    rt->pool = NULL;
    jobs_prober_stop(rt->prober);
    rt->prober = NULL;
    jobs_notifier_stop(rt->notifier);
    rt->notifier = NULL;
    api_service_destroy(rt->svc);
    api_metrics_destroy(rt->metrics);
    jobs_executor_destroy(rt->exec);
    blob_destroy(rt->blob);
    store_close(rt->st);
    keys_free(&rt->keys);
}

/* Waits for SIGTERM or SIGINT; meanwhile, once an hour, purges jobs past their retention and
 * expired client tokens and nonces. */
static int wait_for_signal(runtime *rt) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    for (;;) {
        int64_t deleted = 0;
        rc_error err = {0};
        if (store_purge(rt->st, (int64_t)rt->cfg.retention_days * 86400, &deleted, &err))
            log_warn("purge failed: %s", err.message);
        else if (deleted > 0)
            log_info("purged %lld job(s) past the retention period", (long long)deleted);
        struct timespec hour = {3600, 0};
        int sig = sigtimedwait(&set, NULL, &hour);
        if (sig > 0)
            return sig;
    }
}

static void block_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run(int argc, char **argv, int serve) {
    runtime rt;
    memset(&rt, 0, sizeof(rt));
    int st = cli_config_load(argc, argv, serve ? serve_usage : worker_usage, &rt.cfg);
    if (st)
        return st == 1 ? 0 : st;
    block_signals(); /* before any thread starts, so only sigwait sees them */
    rc_error err = {0};
    int rc = start_common(&rt, 1, &err);
    if (!rc && serve)
        rc = ensure_first_key(&rt, &err);
    if (!rc && serve) {
        api_service_deps deps = {&rt.cfg, rt.st, &rt.keys, rt.blob, rt.pool, rt.prober};
        rc = api_service_create(&deps, &rt.svc, &err);
        if (!rc)
            rc = http_server_start(rt.cfg.listen, rt.cfg.http_threads, api_service_handle, rt.svc,
                                   &rt.http, &err);
        if (!rc) {
            char host[128];
            snprintf(host, sizeof(host), "%s", rt.cfg.listen);
            char *colon = strrchr(host, ':');
            if (colon)
                *colon = '\0';
            log_info("listening on http://%s:%d (data in %s, store %s)", host,
                     http_server_port(rt.http), rt.cfg.data_dir, store_backend_name(rt.st));
        }
    }
    if (!rc && !serve && rt.cfg.worker_listen[0]) {
        rt.metrics = api_metrics_create();
        rc = rt.metrics
                 ? http_server_start(rt.cfg.worker_listen, 2, worker_health, &rt, &rt.http, &err)
                 : RC_ENOMEM;
        if (!rc)
            log_info("worker health on http://%s/healthz (port %d)", rt.cfg.worker_listen,
                     http_server_port(rt.http));
    }
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code[0] ? err.code : rc_ims_code(rc),
                err.message[0] ? err.message : rc_strerror(rc));
        stop_all(&rt);
        return 1;
    }
    int sig = wait_for_signal(&rt);
    log_info("received %s: shutting down (grace %d s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
             rt.cfg.shutdown_grace_seconds);
    stop_all(&rt);
    log_info("stopped");
    return 0;
}

int cli_serve(int argc, char **argv) {
    return run(argc, argv, 1);
}

int cli_worker(int argc, char **argv) {
    return run(argc, argv, 0);
}
