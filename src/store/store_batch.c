/* store_batch: store_job_submit_async - group commit of job submissions.
 *
 * Each synchronous Submit was its own write transaction: BEGIN, the row and its four index
 * entries, COMMIT writing ~5 WAL pages - about half of the request's server time, paid again for
 * every request, with the HTTP threads queueing on the one writer (bench/api/README.md). Here the
 * HTTP threads queue the submission and go on serving; one commit thread takes everything queued
 * and writes it in one transaction (the backend's job_submit_batch), so a busy moment shares one
 * BEGIN/COMMIT and the pages the rows have in common among all of its submissions; an idle one
 * costs a thread wake-up. Submissions are committed before their done runs, and in queue order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"
#include "util/log.h"

#define BATCH_MAX 128 /* submissions per transaction */

struct store_batcher {
    pthread_t thread;
    pthread_cond_t cv;
    store_submit_req *head, *tail; /* under st->batch_mu */
    int stop;
};

/* Writes n submissions: in one transaction when the backend can, else one by one. */
static void write_batch(store *st, store_submit_req **reqs, size_t n) {
    if (st->ops->job_submit_batch) {
        st->ops->job_submit_batch(st, reqs, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        store_submit_req *r = reqs[i];
        r->rc = st->ops->job_submit(st, r->job, r->tok, r->max_unfinished, r->existing_id,
                                    &r->outcome, &r->err);
    }
}

static void *batch_loop(void *arg) {
    store *st = arg;
    struct store_batcher *b = st->batcher;
    store_submit_req *reqs[BATCH_MAX];
    pthread_setname_np(pthread_self(), "store-commit");
    pthread_mutex_lock(&st->batch_mu);
    for (;;) {
        while (!b->head && !b->stop)
            pthread_cond_wait(&b->cv, &st->batch_mu);
        if (!b->head) /* stopping, and the queue is empty */
            break;
        size_t n = 0;
        while (b->head && n < BATCH_MAX) {
            reqs[n++] = b->head;
            b->head = b->head->next_;
        }
        if (!b->head)
            b->tail = NULL;
        pthread_mutex_unlock(&st->batch_mu);
        write_batch(st, reqs, n);
        for (size_t i = 0; i < n; i++)
            reqs[i]->done(reqs[i]);
        pthread_mutex_lock(&st->batch_mu);
    }
    pthread_mutex_unlock(&st->batch_mu);
    return NULL;
}

/* Starts the thread (st->batch_mu held). Returns 0, or -1 when it cannot (then submit inline). */
static int start_locked(store *st) {
    struct store_batcher *b = calloc(1, sizeof(*b));
    if (!b)
        return -1;
    pthread_cond_init(&b->cv, NULL);
    st->batcher = b;
    if (pthread_create(&b->thread, NULL, batch_loop, st) != 0) {
        pthread_cond_destroy(&b->cv);
        free(b);
        st->batcher = NULL;
        log_warn("job store: cannot start the submit thread; submitting inline");
        return -1;
    }
    return 0;
}

void store_job_submit_async(store *st, store_submit_req *req) {
    req->rc = 0;
    memset(&req->err, 0, sizeof(req->err));
    req->existing_id[0] = '\0';
    req->outcome = STORE_SUBMIT_CREATED;
    req->next_ = NULL;
    if (store_submit_check(req->job, req->tok, req->existing_id, &req->err) != 0) {
        req->rc = req->err.rc ? req->err.rc : RC_EINVAL;
        req->done(req);
        return;
    }
    if (!st->ops->job_submit_batch) { /* nothing to share: submit on the caller's thread */
        write_batch(st, &req, 1);
        req->done(req);
        return;
    }
    pthread_mutex_lock(&st->batch_mu);
    if (st->batch_closed || (!st->batcher && start_locked(st) != 0) || st->batcher->stop) {
        pthread_mutex_unlock(&st->batch_mu);
        store_submit_req *one = req;
        write_batch(st, &one, 1);
        req->done(req);
        return;
    }
    struct store_batcher *b = st->batcher;
    if (b->tail)
        b->tail->next_ = req;
    else
        b->head = req;
    b->tail = req;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&st->batch_mu);
}

void store_batch_stop(store *st) {
    pthread_mutex_lock(&st->batch_mu);
    st->batch_closed = 1;
    struct store_batcher *b = st->batcher;
    if (b) {
        b->stop = 1;
        pthread_cond_signal(&b->cv);
    }
    pthread_mutex_unlock(&st->batch_mu);
    if (!b)
        return;
    pthread_join(b->thread, NULL); /* (it drains the queue first) */
    pthread_mutex_lock(&st->batch_mu);
    st->batcher = NULL;
    pthread_mutex_unlock(&st->batch_mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}
