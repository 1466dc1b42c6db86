#include "jobs/pool.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/ids.h"
#include "util/log.h"
#include "util/timeutil.h"

/* One worker thread and the job it holds. */
typedef struct worker_slot {
    jobs_pool *pool;
    pthread_t thread;
    char owner[96];
    /* Set while a job runs; read by the heartbeat thread under pool->lock. */
    char job_id[STORE_ID_LEN + 1];
    int active;
    atomic_int lost_lease; /* the heartbeat found another owner: stop at once */
    int64_t started_ms;
    int64_t last_progress_ms;
    int last_progress;
} worker_slot;

struct jobs_pool {
    store *st;
    jobs_pool_config cfg;
    char tmp_root[4096]; /* cfg.tmp_root points here: the caller's string may not outlive us */
    jobs_execute_fn execute;
    void *user;
    worker_slot *slots;
    int n_slots;
    pthread_t heartbeat;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_int stopping; /* no more claims */
    atomic_int aborting; /* running jobs must stop now (grace over) */
};

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *path) {
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes the job folders (job-<id>-<pid>-<slot>) that processes no longer running left below
 * tmp_root - a worker killed with SIGKILL, a crash - so a restarted worker leaves no litter. The
 * folders of this process's pid are stale too (a container restarts its process as the same pid):
 * it runs no job yet. */
static void remove_stale_job_dirs(const char *tmp_root) {
    DIR *d = opendir(tmp_root);
    if (!d)
        return;
    struct dirent *e;
    char path[4096];
    int n = 0;
    while ((e = readdir(d))) {
        char id[STORE_ID_LEN + 1];
        int pid = 0, slot = 0, end = 0;
        if (sscanf(e->d_name, "job-%32[0-9a-f]-%d-%d%n", id, &pid, &slot, &end) != 3 ||
            e->d_name[end] != '\0' || pid <= 0)
            continue;
        if (pid != (int)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        snprintf(path, sizeof(path), "%s/%s", tmp_root, e->d_name);
        remove_tree(path);
        n++;
    }
    closedir(d);
    if (n > 0)
        log_info("removed %d job folder(s) left by stopped workers in %s", n, tmp_root);
}

/* The progress callback handed to the job: throttled store updates, and the stop signals. */
static int on_progress(void *user, double fraction) {
    worker_slot *slot = user;
    jobs_pool *pool = slot->pool;
    if (atomic_load(&slot->lost_lease) || atomic_load(&pool->aborting))
        return 1;
    int64_t now = time_mono_ms();
    if (pool->cfg.job_timeout_ms > 0 && now - slot->started_ms > pool->cfg.job_timeout_ms)
        return 1;
    int pct = (int)(fraction * 100.0);
    if (pct > 99)
        pct = 99;
    if (pct > slot->last_progress && now - slot->last_progress_ms >= 1000) {
        rc_error err = {0};
        int rc = store_job_progress(pool->st, slot->job_id, slot->owner, pct, &err);
        if (rc == RC_ECANCELED) {
            atomic_store(&slot->lost_lease, 1);
            return 1;
        }
        slot->last_progress = pct;
        slot->last_progress_ms = now;
    }
    return 0;
}

/* Records the job's end. While the store is away (RC_EDB) this keeps trying, the heartbeat
 * keeping the lease: a result dropped here would be run again by the next claim. Gives up when
 * the lease is lost (another worker took over) or the pool is aborting. */
static int record_final(jobs_pool *pool, worker_slot *slot, const store_job_result *res,
                        rc_error *err) {
    int64_t delay = 250;
    for (;;) {
        memset(err, 0, sizeof(*err));
        int rc = store_job_finish(pool->st, slot->job_id, slot->owner, res, err);
        if (rc != RC_EDB || atomic_load(&slot->lost_lease) || atomic_load(&pool->aborting))
            return rc;
        log_warn("job %s: cannot record the %s yet (retrying): %s", slot->job_id,
                 store_job_state_name(res->state), err->message);
        usleep((useconds_t)delay * 1000);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

static void finish_failed(jobs_pool *pool, worker_slot *slot, const char *code,
                          const char *message) {
    store_job_result res = {
        .state = STORE_JOB_FAILED, .error_code = code, .error_message = message};
    rc_error err = {0};
    if (record_final(pool, slot, &res, &err))
        log_warn("job %s: cannot record failure: %s", slot->job_id, err.message);
}

int jobs_retryable(int rc) {
    return rc == RC_EREAD || rc == RC_EWRITE || rc == RC_EDB;
}

int64_t jobs_retry_delay_ms(int64_t retry_ms, int attempts) {
    return retry_ms << (attempts > 7 ? 6 : attempts < 1 ? 0 : attempts - 1);
}

static void run_job(jobs_pool *pool, worker_slot *slot, const store_job *job) {
    char work_dir[4096];
    snprintf(work_dir, sizeof(work_dir), "%s/job-%s-%d-%d", pool->cfg.tmp_root, job->job_id,
             (int)getpid(), (int)(slot - pool->slots));
    remove_tree(work_dir);
    pthread_mutex_lock(&pool->lock);
    memcpy(slot->job_id, job->job_id, sizeof(slot->job_id));
    slot->active = 1;
    atomic_store(&slot->lost_lease, 0);
    slot->started_ms = time_mono_ms();
    slot->last_progress_ms = 0;
    slot->last_progress = 0;
    pthread_mutex_unlock(&pool->lock);

    log_info("job %s (%s): attempt %d started by %s", job->job_id, job->type, job->attempts,
             slot->owner);
    jobs_outcome outcome = {0};
    rc_error err = {0};
    int rc;
    if (mkdir(work_dir, 0700) != 0) {
        rc = rc_fail(&err, RC_EINTERNAL, "InternalError", "cannot create the job folder: %s",
                     strerror(errno));
    } else {
        jobs_task task = {job, work_dir, {on_progress, slot}};
        rc = pool->execute(pool->user, &task, &outcome, &err);
    }
    int64_t elapsed = time_mono_ms() - slot->started_ms;
    int timed_out = pool->cfg.job_timeout_ms > 0 && elapsed > pool->cfg.job_timeout_ms;

    if (atomic_load(&slot->lost_lease)) {
        log_warn("job %s: lease lost to another worker; dropping this attempt", job->job_id);
    } else if (rc == 0) {
        store_job_result res = {.state = STORE_JOB_FINISHED,
                                .ai_result = outcome.ai_result,
                                .media_url = outcome.media_url,
                                .media_id = outcome.media_id};
        rc_error ferr = {0};
        if (record_final(pool, slot, &res, &ferr))
            log_warn("job %s: cannot record the result: %s", job->job_id, ferr.message);
        else
            log_info("job %s: Finished in %.1f s", job->job_id, (double)elapsed / 1000.0);
    } else if (timed_out) {
        char msg[160];
        snprintf(msg, sizeof(msg), "The job exceeded the maximum execution time of %lld s.",
                 (long long)(pool->cfg.job_timeout_ms / 1000));
        finish_failed(pool, slot, "JobTimeout", msg);
        log_warn("job %s: Failed: JobTimeout", job->job_id);
    } else if (jobs_retryable(rc) && !atomic_load(&pool->aborting) &&
               (pool->cfg.max_attempts <= 0 || job->attempts < pool->cfg.max_attempts)) {
        /* Not recorded: the lease is cut to retry_ms x 2^(attempt - 1), then any worker claims
         * the job again. */
        int64_t delay = jobs_retry_delay_ms(pool->cfg.retry_ms, job->attempts);
        rc_error herr = {0};
        store_job_heartbeat(pool->st, job->job_id, slot->owner, delay, &herr);
        log_warn("job %s: attempt %d failed (%s); trying again in %lld s", job->job_id,
                 job->attempts, err.message[0] ? err.message : rc_strerror(rc),
                 (long long)(delay / 1000));
    } else if (rc == RC_ECANCELED && atomic_load(&pool->aborting)) {
        rc_error rerr = {0};
        store_job_release(pool->st, job->job_id, slot->owner, &rerr);
        log_info("job %s: interrupted by shutdown; lease released", job->job_id);
    } else {
        const char *code = err.code[0] ? err.code : rc_ims_code(rc);
        const char *message = err.message[0] ? err.message : rc_strerror(rc);
        finish_failed(pool, slot, code, message);
        log_info("job %s: Failed: %s: %s", job->job_id, code, message);
    }
    free(outcome.ai_result);
    free(outcome.media_url);
    free(outcome.media_id);
    remove_tree(work_dir);
    pthread_mutex_lock(&pool->lock);
    slot->active = 0;
    pthread_mutex_unlock(&pool->lock);
}

static void *worker_main(void *arg) {
    worker_slot *slot = arg;
    jobs_pool *pool = slot->pool;
    while (!atomic_load(&pool->stopping)) {
        store_job job;
        memset(&job, 0, sizeof(job));
        rc_error err = {0};
        int rc = store_job_claim(pool->st, slot->owner, pool->cfg.lease_ms, pool->cfg.max_attempts,
                                 &job, &err);
        if (rc == 0) {
            run_job(pool, slot, &job);
            store_job_free(&job);
            continue;
        }
        if (rc != RC_ENOENT)
            log_warn("worker %s: claim failed: %s", slot->owner, err.message);
        pthread_mutex_lock(&pool->lock);
        if (!atomic_load(&pool->stopping)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (pool->cfg.poll_ms % 1000) * 1000000;
            ts.tv_sec += pool->cfg.poll_ms / 1000 + ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&pool->wake, &pool->lock, &ts);
        }
        pthread_mutex_unlock(&pool->lock);
    }
    return NULL;
}

static void *heartbeat_main(void *arg) {
    jobs_pool *pool = arg;
    int64_t interval = pool->cfg.lease_ms / 3 > 0 ? pool->cfg.lease_ms / 3 : 1;
    int64_t next = time_mono_ms() + interval;
    while (!atomic_load(&pool->aborting)) {
        usleep(50 * 1000);
        if (time_mono_ms() < next)
            continue;
        next = time_mono_ms() + interval;
        for (int i = 0; i < pool->n_slots; i++) {
            worker_slot *slot = &pool->slots[i];
            char job_id[STORE_ID_LEN + 1];
            pthread_mutex_lock(&pool->lock);
            int active = slot->active;
            memcpy(job_id, slot->job_id, sizeof(job_id));
            pthread_mutex_unlock(&pool->lock);
            if (!active)
                continue;
            rc_error err = {0};
            int rc = store_job_heartbeat(pool->st, job_id, slot->owner, pool->cfg.lease_ms, &err);
            if (rc == RC_ECANCELED || rc == RC_ENOENT)
                atomic_store(&slot->lost_lease, 1);
            else if (rc)
                log_warn("job %s: heartbeat failed: %s", job_id, err.message);
        }
    }
    return NULL;
}

int jobs_pool_start(store *st, const jobs_pool_config *cfg, jobs_execute_fn execute, void *user,
                    jobs_pool **out, rc_error *err) {
    jobs_pool *pool = calloc(1, sizeof(*pool));
    if (!pool)
        return RC_ENOMEM;
    pool->st = st;
    pool->cfg = *cfg;
    snprintf(pool->tmp_root, sizeof(pool->tmp_root), "%s", cfg->tmp_root ? cfg->tmp_root : "/tmp");
    pool->cfg.tmp_root = pool->tmp_root;
    remove_stale_job_dirs(pool->tmp_root);
    if (pool->cfg.poll_ms <= 0)
        pool->cfg.poll_ms = 500;
    if (pool->cfg.retry_ms <= 0)
        pool->cfg.retry_ms = pool->cfg.lease_ms;
    pool->execute = execute;
    pool->user = user;
    pool->n_slots = cfg->workers;
    pool->slots = calloc((size_t)cfg->workers, sizeof(*pool->slots));
    if (!pool->slots) {
        free(pool);
        return RC_ENOMEM;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    char host[64] = "host", tag[9];
    gethostname(host, sizeof(host) - 1);
    char rnd[IDS_HEX_LEN + 1];
    ids_hex128(rnd);
    memcpy(tag, rnd, 8);
    tag[8] = '\0';
    int started = 0;
    for (int i = 0; i < cfg->workers; i++) {
        worker_slot *slot = &pool->slots[i];
        slot->pool = pool;
        snprintf(slot->owner, sizeof(slot->owner), "%.40s:%d:%s:w%d", host, (int)getpid(), tag, i);
        if (pthread_create(&slot->thread, NULL, worker_main, slot) != 0)
            break;
        started++;
    }
    if (started < cfg->workers || pthread_create(&pool->heartbeat, NULL, heartbeat_main, pool)) {
        atomic_store(&pool->stopping, 1);
        atomic_store(&pool->aborting, 1);
        pthread_cond_broadcast(&pool->wake);
        for (int i = 0; i < started; i++)
            pthread_join(pool->slots[i].thread, NULL);
        free(pool->slots);
        free(pool);
        return rc_fail(err, RC_EINTERNAL, NULL, "cannot start worker threads");
    }
    *out = pool;
    return 0;
}

void jobs_pool_wake(jobs_pool *pool) {
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
}

int jobs_pool_busy(jobs_pool *pool) {
    int n = 0;
    pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < pool->n_slots; i++)
        n += pool->slots[i].active;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

void jobs_pool_stop(jobs_pool *pool, int64_t grace_ms) {
    if (!pool)
        return;
    atomic_store(&pool->stopping, 1);
    jobs_pool_wake(pool);
    int64_t deadline = time_mono_ms() + grace_ms;
    while (jobs_pool_busy(pool) > 0 && time_mono_ms() < deadline)
        usleep(50 * 1000);
    if (jobs_pool_busy(pool) > 0)
        log_info("shutdown: grace period over; interrupting %d running job(s)",
                 jobs_pool_busy(pool));
    atomic_store(&pool->aborting, 1);
    for (int i = 0; i < pool->n_slots; i++)
        pthread_join(pool->slots[i].thread, NULL);
    pthread_join(pool->heartbeat, NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    free(pool->slots);
    free(pool);
}
