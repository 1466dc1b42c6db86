/* store_backend: the struct of function pointers a store backend fills in (private to src/store).
 */
#ifndef REELCUT_STORE_BACKEND_H
#define REELCUT_STORE_BACKEND_H

#include <pthread.h>

#include "store/store.h"

/* The job columns both backends read (same SQL, same order: job_id 0, user_id 1, type 2, state 3,
 * progress 4, the text columns 5-18, times 19-21, attempts 22, lease 23-24, outbox 25-26); the
 * brief variant, for lists, leaves out the large documents. Append a WHERE clause. */
#define STORE_JOB_COLS_HEAD "j.job_id, j.user_id, j.type, j.state, j.progress, "
#define STORE_JOB_COLS_DOCS "j.input_config, j.job_params, j.output_config, "
#define STORE_JOB_COLS_NODOCS "NULL, NULL, NULL, "
#define STORE_JOB_COLS_MID                                                                         \
    "j.user_data, j.input_file, j.output_bucket, j.output_object, j.title, j.notify_address, "
#define STORE_JOB_COLS_RESULT "j.ai_result, "
#define STORE_JOB_COLS_TAIL                                                                        \
    "j.media_url, j.media_id, j.error_code, j.error_message, j.create_time, j.modified_time, "     \
    "j.finish_time, j.attempts, j.lease_owner, j.lease_expires_ms, o.state, o.last_error "         \
    "FROM jobs j LEFT JOIN outbox o ON o.job_id=j.job_id "
#define STORE_JOB_SELECT_FULL                                                                      \
    "SELECT " STORE_JOB_COLS_HEAD STORE_JOB_COLS_DOCS STORE_JOB_COLS_MID STORE_JOB_COLS_RESULT     \
        STORE_JOB_COLS_TAIL
#define STORE_JOB_SELECT_BRIEF                                                                     \
    "SELECT " STORE_JOB_COLS_HEAD STORE_JOB_COLS_NODOCS STORE_JOB_COLS_MID                         \
    "NULL, " STORE_JOB_COLS_TAIL

/* A write transaction of a backend: its connection (sqlite3 *, PGconn *). */
typedef struct store_txn {
    void *conn;
} store_txn;

/* One entry per public operation (the job state machine's are built from the primitives at the
 * end); the arguments are those of the store_* function of the same name, already checked for
 * NULLs and id lengths by store.c. */
typedef struct store_ops {
    const char *name;
    void (*close)(store *st);
    int (*ping)(store *st, rc_error *err);

    int (*client_token_lookup)(store *st, const store_client_token *tok, char *resource_id,
                               enum store_submit_outcome *outcome, rc_error *err);
    int (*job_submit)(store *st, const store_job *job, const store_client_token *tok,
                      int64_t max_unfinished, char *existing_id, enum store_submit_outcome *outcome,
                      rc_error *err);
    /* Optional (NULL: store_job_submit_async submits one by one): the n submissions in one
     * transaction, each with its own outcome in reqs[i]->rc / err / existing_id / outcome. */
    void (*job_submit_batch)(store *st, store_submit_req **reqs, size_t n);
    int (*job_get)(store *st, const char *job_id, int scoped, uint64_t user_id, store_job *out,
                   rc_error *err);
    int (*job_heartbeat)(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                         rc_error *err);
    /* progress already clamped to [0,99] */
    int (*job_progress)(store *st, const char *job_id, const char *owner, int progress,
                        rc_error *err);
    int (*job_release)(store *st, const char *job_id, const char *owner, rc_error *err);
    int (*job_count)(store *st, int64_t *counts, rc_error *err);
    int (*job_list)(store *st, const store_job_query *q, store_job_page *page, rc_error *err);
    int (*purge)(store *st, int64_t retention_s, int64_t *deleted_jobs, rc_error *err);

    /* The job state machine's primitives. store.c holds the rules (who may finish a job, the
     * attempt limit, the claim order, the callback row that goes with a final state) and runs
     * them through these inside one write transaction, so both backends follow one definition.
     * txn_begin borrows a connection and opens a write transaction (SQLite: BEGIN IMMEDIATE);
     * txn_end rolls back what was not committed and hands the connection back (also after a
     * failed txn_begin). The others return 0 or a negative RC_E* with err set. */
    int (*txn_begin)(store *st, store_txn *txn, rc_error *err);
    int (*txn_commit)(store *st, store_txn *txn, rc_error *err);
    void (*txn_end)(store *st, store_txn *txn);
    /* Reads job_id into *out and holds it until the end of the transaction (PostgreSQL: a row
     * lock; SQLite: the write transaction is the lock). RC_ENOENT if unknown. */
    int (*job_lock)(store *st, store_txn *txn, const char *job_id, store_job *out, rc_error *err);
    /* Writes res as the job's final state at now_s: Finished sets progress 100 and the result,
     * Failed keeps the progress and sets the error; the lease is cleared. */
    int (*job_write_final)(store *st, store_txn *txn, const char *job_id,
                           const store_job_result *res, int64_t now_s, rc_error *err);
    /* Queues a Pending callback row for job_id (none is added if the job has one already). */
    int (*outbox_insert)(store *st, store_txn *txn, const char *job_id, const char *target,
                         const char *body, int64_t event_time, int64_t next_attempt_ms,
                         rc_error *err);
    /* Finds (and locks) the oldest claimable job - Created, or Executing with a lease expired at
     * now_ms - in (create_time, job_id) order: 1 with job_id (STORE_ID_LEN + 1 bytes) and its
     * attempts so far, 0 if none, or a negative rc. PostgreSQL skips rows other workers hold. */
    int (*job_next_claimable)(store *st, store_txn *txn, int64_t now_ms, char *job_id,
                              int *attempts, rc_error *err);
    /* Hands job_id to owner: Executing, attempts + 1, progress 0, the lease until
     * lease_expires_ms, modified_time = now_s if it was Created; then reads it into *out. */
    int (*job_take)(store *st, store_txn *txn, const char *job_id, const char *owner,
                    int64_t lease_expires_ms, int64_t now_s, store_job *out, rc_error *err);
    /* The attempt records (table job_attempts): outcome NULL opens attempt number `attempt` of
     * job_id for owner at now_ms; otherwise ends that attempt (if owner's) with outcome
     * ("Finished", "Failed") at now_ms. */
    int (*attempt_record)(store *st, store_txn *txn, const char *job_id, int attempt,
                          const char *owner, const char *outcome, int64_t now_ms, rc_error *err);

    int (*nonce_use)(store *st, const char *access_key_id, const char *nonce, int64_t now,
                     int64_t expires_at, rc_error *err);
    int (*nonce_clear)(store *st, rc_error *err);

    int (*media_register)(store *st, const store_media *m, int overwrite,
                          const store_client_token *tok, char *existing_id,
                          enum store_submit_outcome *outcome, rc_error *err);
    int (*media_get)(store *st, const char *media_id, const char *input_url, uint64_t user_id,
                     store_media *out, rc_error *err);
    int (*media_delete)(store *st, const char *media_id, uint64_t user_id, rc_error *err);
    /* store_artefact_put / _get, arguments checked. The backend's purge deletes the artefacts of
     * the jobs it deletes. */
    int (*artefact_put)(store *st, const char *job_id, const char *name, const void *data,
                        size_t size, rc_error *err);
    int (*artefact_get)(store *st, const char *job_id, uint64_t user_id, const char *name,
                        store_artefact *out, rc_error *err);
    int (*media_claim)(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                       store_media *out, rc_error *err);
    int (*media_set_probe)(store *st, const char *media_id, const char *owner,
                           enum store_media_status status, const char *probe_json,
                           const char *media_type, rc_error *err);

    int (*outbox_claim)(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                        rc_error *err);
    /* final_state: STORE_NOTIFY_DELIVERED, STORE_NOTIFY_PENDING (retry) or STORE_NOTIFY_FAILED. */
    int (*outbox_report)(store *st, int64_t id, const char *owner,
                         enum store_notify_state final_state, int64_t next_attempt_ms,
                         const char *error, rc_error *err);
    int (*outbox_get)(store *st, const char *job_id, store_outbox *out, rc_error *err);
    int (*outbox_count_pending)(store *st, int64_t *out, rc_error *err);
} store_ops;

struct store {
    const store_ops *ops;
    void *impl; /* the backend's own state */
    int64_t (*clock_ms)(void *ctx);
    void *clock_ctx;
    int pool_size;
    int busy_timeout_ms;
    int nonce_table_mb; /* store_options.nonce_table_mb, defaulted */
    /* store_job_submit_async's queue and commit thread (store_batch.c), started on first use */
    pthread_mutex_t batch_mu;
    struct store_batcher *batcher;
    int batch_closed; /* store_close began: submit inline */
};

/* The argument checks of store_job_submit: 0 or RC_EINVAL with err set (store.c). */
int store_submit_check(const store_job *job, const store_client_token *tok, const char *existing_id,
                       rc_error *err);
/* Finishes the async submit queue and stops its thread (store_close, before the backend closes). */
void store_batch_stop(store *st);

/* The store's clock: Unix milliseconds / seconds. */
int64_t store_now_ms(const store *st);
int64_t store_now_s(const store *st);

/* Opens the SQLite backend on path: fills st->ops and st->impl. Returns 0, RC_EDB. */
int store_sqlite_open(store *st, const char *path, rc_error *err);

/* Opens the PostgreSQL backend on a libpq connection string or URI. Returns 0, RC_EDB. */
int store_pg_open(store *st, const char *conninfo, rc_error *err);

/* The expiry (Unix s) of a client token recorded at now: tok->ttl_s, or STORE_CLIENT_TOKEN_TTL_S.
 */
static inline int64_t store_token_expiry(const store_client_token *tok, int64_t now) {
    return now + (tok->ttl_s > 0 ? tok->ttl_s : STORE_CLIENT_TOKEN_TTL_S);
}

/* The answers of a submission the queue limit refuses (RC_EBUSY, Throttling) and of a taken
 * job_id (RC_EEXIST): err filled the same way by every backend; return the rc. */
int store_throttled(rc_error *err);
int store_job_exists(rc_error *err, const char *job_id);

/* The keyset cursor of a list page with has_more set: after its last row. */
void store_page_set_cursor(store_job_page *page);

/* The default job title "default_title_<CreateTime ISO>" into out (>= 40 bytes). */
void store_default_title(int64_t create_time, char *out, size_t n);

/* Wire names back to enums; unknown names map to the first value. */
enum store_job_state store_job_state_from(const char *name);
enum store_media_status store_media_status_from(const char *name);
enum store_notify_state store_notify_state_from(const char *name);

#endif
