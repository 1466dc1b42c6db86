/* pool: the worker pool - claims jobs from the store with a lease, heartbeats it, reports
 * progress, enforces the time limit, finishes or fails each job, and shuts down gracefully. What a
 * job does is the caller's execute function. */
#ifndef REELCUT_POOL_H
#define REELCUT_POOL_H

#include <stdint.h>

#include "engine/engine.h"
#include "store/store.h"

typedef struct jobs_pool jobs_pool;

typedef struct jobs_pool_config {
    int workers;      /* threads; >= 1 */
    int64_t lease_ms; /* lease length; heartbeats every lease_ms / 3 */
    int max_attempts; /* claims per job before it fails with InternalError */
    /* An attempt that failed reading its input, writing its outputs or talking to the job store
     * (InputReadFailed, OutputWriteFailed, the store's InternalError: what an outage looks like)
     * is not recorded while attempts remain: the job is given back to be claimed again (by any
     * worker) retry_ms x 2^(attempt - 1) later. 0 = lease_ms. */
    int64_t retry_ms;
    int64_t poll_ms;        /* idle wait between claims when the queue is empty */
    int64_t job_timeout_ms; /* an attempt longer than this fails with JobTimeout; 0 = none */
    const char *tmp_root;   /* each job works in its own folder below this (copied) */
} jobs_pool_config;

/* What a finished job hands back (malloc'd strings, the pool frees them). */
typedef struct jobs_outcome {
    char *ai_result; /* AiResult JSON */
    char *media_url; /* output Index 1, if exported */
    char *media_id;  /* output Index 1, if registered */
} jobs_outcome;

typedef struct jobs_task {
    const store_job *job;     /* the claimed job */
    const char *work_dir;     /* an empty folder of the job's own */
    engine_progress progress; /* report [0,1]; returns non-zero when the job must stop */
} jobs_task;

/* Runs one job. Returns 0 with out filled, or a negative RC_E* with err (IMS ErrorCode and a
 * message naming the input); RC_ECANCELED when the progress callback asked it to stop. */
typedef int (*jobs_execute_fn)(void *user, const jobs_task *task, jobs_outcome *out, rc_error *err);

/* What an outage of the storage or the job store looks like to a job (RC_EREAD, RC_EWRITE,
 * RC_EDB): worth another attempt, jobs_retry_delay_ms later (retry_ms x 2^(attempts - 1), at most
 * x 64), while max_attempts allows. Sub-tasks a parent runs itself follow the same rule. */
int jobs_retryable(int rc);
int64_t jobs_retry_delay_ms(int64_t retry_ms, int attempts);

/* Starts cfg->workers threads and a heartbeat thread. Returns 0 or RC_EINTERNAL. */
int jobs_pool_start(store *st, const jobs_pool_config *cfg, jobs_execute_fn execute, void *user,
                    jobs_pool **out, rc_error *err);

/* Wakes idle workers at once (after a submission in this process). NULL-safe. */
void jobs_pool_wake(jobs_pool *pool);

/* Number of jobs this pool is running now. */
int jobs_pool_busy(jobs_pool *pool);

/* Stops claiming; lets running jobs finish for up to grace_ms; then cancels the rest and releases
 * their leases so another worker takes them at once. Joins the threads and frees the pool. */
void jobs_pool_stop(jobs_pool *pool, int64_t grace_ms);

#endif
