/* store_pg_int: helpers shared by the store_pg*.c files (libpq connection pool, parameters). */
#ifndef REELCUT_STORE_PG_INT_H
#define REELCUT_STORE_PG_INT_H

#include <libpq-fe.h>

#include "store/store_backend.h"

#define STORE_PG_MAX_PARAMS 20

/* Text parameters for PQexecParams; numbers are formatted into the struct itself. */
typedef struct store_pg_params {
    const char *v[STORE_PG_MAX_PARAMS];
    char num[STORE_PG_MAX_PARAMS][24];
    int n;
} store_pg_params;

void store_pg_text(store_pg_params *p, const char *s); /* NULL -> SQL NULL */
void store_pg_int(store_pg_params *p, int64_t x);

/* Borrows a live connection from the pool (waits if all are busy, reconnects a broken one).
 * Returns 0 or RC_EDB; hand it back with store_pg_put(). */
int store_pg_get(store *st, PGconn **conn, rc_error *err);
void store_pg_put(store *st, PGconn *conn);

/* Runs sql with p (may be NULL). On success returns 0 and, if out is not NULL, the result (caller
 * PQclear()s it). A unique violation returns RC_EEXIST (no message); other errors RC_EDB. */
int store_pg_exec(PGconn *conn, const char *sql, const store_pg_params *p, PGresult **out,
                  rc_error *err);
int store_pg_begin(PGconn *conn, rc_error *err);
int store_pg_commit(PGconn *conn, rc_error *err);
void store_pg_rollback(PGconn *conn);
/* Rows changed by the command that produced res. */
int64_t store_pg_changes(PGresult *res);

/* Column helpers: a heap copy (NULL for SQL NULL; *oom set on allocation failure), an integer
 * (0 for NULL), a copy into a fixed buffer. */
char *store_pg_dup(PGresult *res, int row, int col, int *oom);
int64_t store_pg_int_at(PGresult *res, int row, int col);
void store_pg_copy(PGresult *res, int row, int col, char *out, size_t n);
const char *store_pg_str(PGresult *res, int row, int col); /* NULL for SQL NULL */

/* Client tokens inside an open transaction (see store_sq_token_* for the contract): claim inserts
 * the token for resource_id unless a live one exists, which is then reported through *outcome and
 * resource_out: returns 1 (token taken by an earlier request), 0 (now ours), negative rc. */
int store_pg_token_claim(store *st, PGconn *conn, const store_client_token *tok,
                         const char *resource_id, char *resource_out,
                         enum store_submit_outcome *outcome, rc_error *err);

int store_pg_artefact_put(store *st, const char *job_id, const char *name, const void *data,
                          size_t size, rc_error *err);
int store_pg_artefact_get(store *st, const char *job_id, uint64_t user_id, const char *name,
                          store_artefact *out, rc_error *err);
int store_pg_job_submit(store *st, const store_job *job, const store_client_token *tok,
                        int64_t max_unfinished, char *existing_id,
                        enum store_submit_outcome *outcome, rc_error *err);
int store_pg_job_get(store *st, const char *job_id, int scoped, uint64_t user_id, store_job *out,
                     rc_error *err);
int store_pg_job_heartbeat(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                           rc_error *err);
int store_pg_job_progress(store *st, const char *job_id, const char *owner, int progress,
                          rc_error *err);
int store_pg_job_release(store *st, const char *job_id, const char *owner, rc_error *err);
int store_pg_job_count(store *st, int64_t *counts, rc_error *err);
/* The state machine's primitives (store_backend.h). */
int store_pg_txn_begin(store *st, store_txn *txn, rc_error *err);
int store_pg_txn_commit(store *st, store_txn *txn, rc_error *err);
void store_pg_txn_end(store *st, store_txn *txn);
int store_pg_job_lock(store *st, store_txn *txn, const char *job_id, store_job *out, rc_error *err);
int store_pg_job_write_final(store *st, store_txn *txn, const char *job_id,
                             const store_job_result *res, int64_t now_s, rc_error *err);
int store_pg_attempt_record(store *st, store_txn *txn, const char *job_id, int attempt,
                            const char *owner, const char *outcome, int64_t now_ms, rc_error *err);
int store_pg_outbox_insert(store *st, store_txn *txn, const char *job_id, const char *target,
                           const char *body, int64_t event_time, int64_t next_attempt_ms,
                           rc_error *err);
int store_pg_job_next_claimable(store *st, store_txn *txn, int64_t now_ms, char *job_id,
                                int *attempts, rc_error *err);
int store_pg_job_take(store *st, store_txn *txn, const char *job_id, const char *owner,
                      int64_t lease_expires_ms, int64_t now_s, store_job *out, rc_error *err);
int store_pg_job_list(store *st, const store_job_query *q, store_job_page *page, rc_error *err);

int store_pg_media_register(store *st, const store_media *m, int overwrite,
                            const store_client_token *tok, char *existing_id,
                            enum store_submit_outcome *outcome, rc_error *err);
int store_pg_media_get(store *st, const char *media_id, const char *input_url, uint64_t user_id,
                       store_media *out, rc_error *err);
int store_pg_media_delete(store *st, const char *media_id, uint64_t user_id, rc_error *err);
int store_pg_media_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                         store_media *out, rc_error *err);
int store_pg_media_set_probe(store *st, const char *media_id, const char *owner,
                             enum store_media_status status, const char *probe_json,
                             const char *media_type, rc_error *err);
int store_pg_outbox_claim(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                          rc_error *err);
int store_pg_outbox_report(store *st, int64_t id, const char *owner,
                           enum store_notify_state final_state, int64_t next_attempt_ms,
                           const char *error, rc_error *err);
int store_pg_outbox_get(store *st, const char *job_id, store_outbox *out, rc_error *err);
int store_pg_outbox_count_pending(store *st, int64_t *out, rc_error *err);

#endif
