/* store_bench: throughput and latency of the job store under the service's access pattern - API
 * threads submitting (with ClientToken) and reading jobs while workers claim and finish them.
 * Not built by CMake (not a test_*.c); build it optimised by hand from the repository root:
 *
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc -o /tmp/store_bench \
 *       tests/unit/store/store_bench.c src/store/[a-z_]*.c src/util/[a-z_]*.c \
 *       $(pkg-config --cflags --libs sqlite3 jansson libpq libcrypto) -lpthread -lm
 *
 * and run `/tmp/store_bench [URL]` (default: a fresh SQLite file under /tmp);
 * `BENCH_WORKERS=0 /tmp/store_bench` measures the API load alone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/ids.h"
#include "util/timeutil.h"

#define API_THREADS 8
#define WORKER_THREADS 4
#define SUBMITS_PER_THREAD 500

typedef struct api_ctx {
    store *st;
    int64_t lat_us[SUBMITS_PER_THREAD * 2];
    int n;
    int errors;
} api_ctx;

typedef struct worker_ctx {
    store *st;
    atomic_int *stop;
    int done;
    int errors;
} worker_ctx;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *api_thread(void *arg) {
    api_ctx *c = arg;
    for (int i = 0; i < SUBMITS_PER_THREAD; i++) {
        store_job job = {0};
        char token[40];
        enum store_submit_outcome outcome;
        char existing[STORE_ID_LEN + 1];
        ids_hex128(job.job_id);
        job.user_id = 1000;
        job.type = "Segmentation";
        job.input_config = "{\"Type\":\"OSS\",\"Media\":\"oss://in/a.mp4\"}";
        job.user_data = "{\"NotifyAddress\":\"http://127.0.0.1:9/cb\"}";
        job.notify_address = "http://127.0.0.1:9/cb";
        snprintf(token, sizeof(token), "tok-%s", job.job_id);
        store_client_token tok = {.access_key_id = "AK",
                                  .action = "SubmitSegmentationJob",
                                  .token = token,
                                  .fingerprint = "fp"};
        int64_t t0 = now_us();
        if (store_job_submit(c->st, &job, &tok, 100000, existing, &outcome, NULL))
            c->errors++;
        int64_t t1 = now_us();
        store_job got;
        if (store_job_get(c->st, job.job_id, 1000, &got, NULL))
            c->errors++;
        store_job_free(&got);
        int64_t t2 = now_us();
        c->lat_us[c->n++] = t1 - t0;
        c->lat_us[c->n++] = t2 - t1;
    }
    return NULL;
}

static void *worker_thread(void *arg) {
    worker_ctx *w = arg;
    char owner[32];
    snprintf(owner, sizeof(owner), "worker-%p", arg);
    while (!atomic_load(w->stop)) {
        store_job job;
        int rc = store_job_claim(w->st, owner, 30000, 3, &job, NULL);
        if (rc == RC_ENOENT) {
            usleep(1000);
            continue;
        }
        if (rc) {
            w->errors++;
            continue;
        }
        store_job_progress(w->st, job.job_id, owner, 50, NULL);
        store_job_result res = {.state = STORE_JOB_FINISHED, .ai_result = "{\"Segments\":[]}"};
        if (store_job_finish(w->st, job.job_id, owner, &res, NULL))
            w->errors++;
        else
            w->done++;
        store_job_free(&job);
    }
    return NULL;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    char path[64] = "/tmp/store-bench-XXXXXX";
    char url[512];
    if (argc > 1) {
        snprintf(url, sizeof(url), "%s", argv[1]);
    } else {
        if (!mkdtemp(path))
            return 1;
        snprintf(url, sizeof(url), "%s/bench.db", path);
    }
    store *st = NULL;
    rc_error err = {0};
    if (store_open(url, NULL, &st, &err)) {
        fprintf(stderr, "store_open: %s\n", err.message);
        return 1;
    }
    static api_ctx api[API_THREADS];
    worker_ctx workers[WORKER_THREADS];
    pthread_t at[API_THREADS], wt[WORKER_THREADS];
    atomic_int stop = 0;
    int nworkers = getenv("BENCH_WORKERS") ? atoi(getenv("BENCH_WORKERS")) : WORKER_THREADS;
    if (nworkers < 0 || nworkers > WORKER_THREADS)
        nworkers = WORKER_THREADS;
    int64_t t0 = now_us();
    for (int i = 0; i < nworkers; i++) {
        workers[i] = (worker_ctx){.st = st, .stop = &stop};
        pthread_create(&wt[i], NULL, worker_thread, &workers[i]);
    }
    for (int i = 0; i < API_THREADS; i++) {
        api[i].st = st;
        pthread_create(&at[i], NULL, api_thread, &api[i]);
    }
    for (int i = 0; i < API_THREADS; i++)
        pthread_join(at[i], NULL);
    int64_t t_api = now_us() - t0;
    int64_t counts[STORE_JOB_STATE_COUNT];
    do {
        usleep(2000);
        store_job_count(st, counts, NULL);
    } while (nworkers > 0 && counts[STORE_JOB_CREATED] + counts[STORE_JOB_EXECUTING] > 0);
    atomic_store(&stop, 1);
    int done = 0, errors = 0;
    for (int i = 0; i < nworkers; i++) {
        pthread_join(wt[i], NULL);
        done += workers[i].done;
        errors += workers[i].errors;
    }
    int64_t t_all = now_us() - t0;

    /* Submit latencies are the even entries, reads the odd ones. */
    static int64_t sub[API_THREADS * SUBMITS_PER_THREAD], get[API_THREADS * SUBMITS_PER_THREAD];
    int ns = 0, ng = 0;
    for (int i = 0; i < API_THREADS; i++) {
        errors += api[i].errors;
        for (int j = 0; j < api[i].n; j += 2) {
            sub[ns++] = api[i].lat_us[j];
            get[ng++] = api[i].lat_us[j + 1];
        }
    }
    qsort(sub, (size_t)ns, sizeof(sub[0]), cmp64);
    qsort(get, (size_t)ng, sizeof(get[0]), cmp64);
    int64_t pending = 0;
    store_outbox_count_pending(st, &pending, NULL);
    printf("backend %s: %d API threads x %d submit+get, %d workers claim+progress+finish\n",
           store_backend_name(st), API_THREADS, SUBMITS_PER_THREAD, nworkers);
    printf("submits: %d in %.2f s (%.0f/s); all jobs finished after %.2f s (%.0f jobs/s)\n", ns,
           t_api / 1e6, ns / (t_api / 1e6), t_all / 1e6, done / (t_all / 1e6));
    printf("submit latency ms: p50 %.2f p99 %.2f max %.2f\n", sub[ns / 2] / 1e3,
           sub[ns * 99 / 100] / 1e3, sub[ns - 1] / 1e3);
    printf("get    latency ms: p50 %.2f p99 %.2f max %.2f\n", get[ng / 2] / 1e3,
           get[ng * 99 / 100] / 1e3, get[ng - 1] / 1e3);
    printf("finished %d, callbacks pending %lld, errors %d\n", done, (long long)pending, errors);
    store_close(st);
    if (argc <= 1) {
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
        if (system(cmd) != 0)
            return 1;
    }
    return errors ? 1 : 0;
}
