/* claim_tool: job claims through store.h with no media work, for bench/scale/run.sh.
 *   claim_tool fill URL N            submits N Created jobs (one transaction each)
 *   claim_tool drain URL START_MS    waits until the wall clock reaches START_MS (so several
 *                                    processes start together), then claims a job and finishes it
 *                                    (store_job_claim + store_job_finish, what a worker does around
 *                                    a job) with THREADS threads (env, default 1) until none is
 *                                    left; prints "<claims> <start_ms> <end_ms>".
 * URL as store_open takes it (an SQLite path or a postgresql:// URI). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/ids.h"
#include "util/timeutil.h"

static store *st;
static atomic_long claims;
static atomic_int failed;

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *drain(void *arg) {
    char owner[64];
    snprintf(owner, sizeof(owner), "bench:%d:t%ld", (int)getpid(), (long)(intptr_t)arg);
    store_job_result res = {.state = STORE_JOB_FINISHED, .ai_result = "{}"};
    for (;;) {
        store_job job = {0};
        rc_error err = {0};
        int rc = store_job_claim(st, owner, 60000, 0, &job, &err);
        if (rc == RC_ENOENT)
            break;
        if (rc) {
            fprintf(stderr, "claim: %s\n", err.message);
            atomic_store(&failed, 1);
            break;
        }
        rc = store_job_finish(st, job.job_id, owner, &res, &err);
        store_job_free(&job);
        if (rc) {
            fprintf(stderr, "finish: %s\n", err.message);
            atomic_store(&failed, 1);
            break;
        }
        atomic_fetch_add(&claims, 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "fill") && strcmp(argv[1], "drain"))) {
        fprintf(stderr, "usage: claim_tool fill URL N | claim_tool drain URL START_MS\n");
        return 2;
    }
    rc_error err = {0};
    store_options so = {.nonce_table_mb = STORE_NONCE_TABLE_NONE};
    if (store_open(argv[2], &so, &st, &err)) {
        fprintf(stderr, "store_open: %s\n", err.message);
        return 1;
    }
    int status = 0;
    if (!strcmp(argv[1], "fill")) {
        long n = atol(argv[3]);
        for (long i = 0; i < n && !status; i++) {
            store_job job = {.user_id = 1, .type = "Segmentation", .input_file = "oss://b/in.mp4"};
            ids_hex128_ordered(wall_ms(), job.job_id);
            char existing[STORE_ID_LEN + 1];
            enum store_submit_outcome outcome;
            if (store_job_submit(st, &job, NULL, 0, existing, &outcome, &err)) {
                fprintf(stderr, "submit: %s\n", err.message);
                status = 1;
            }
        }
    } else {
        int64_t start = atoll(argv[3]);
        int threads = getenv("THREADS") ? atoi(getenv("THREADS")) : 1;
        if (threads < 1 || threads > 64)
            threads = 1;
        while (wall_ms() < start)
            usleep(1000);
        int64_t t0 = wall_ms();
        pthread_t th[64];
        for (int i = 0; i < threads; i++)
            pthread_create(&th[i], NULL, drain, (void *)(intptr_t)i);
        for (int i = 0; i < threads; i++)
            pthread_join(th[i], NULL);
        printf("%ld %lld %lld\n", atomic_load(&claims), (long long)t0, (long long)wall_ms());
        status = atomic_load(&failed);
    }
    store_close(st);
    return status;
}
