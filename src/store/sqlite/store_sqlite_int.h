/* store_sqlite_int: helpers shared by the store_sqlite*.c files (connection pool, statements). */
#ifndef REELCUT_STORE_SQLITE_INT_H
#define REELCUT_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/store_backend.h"

/* Borrows a connection from the pool (waits if all are in use). Returns 0 or RC_EDB; hand it back
 * with store_sq_put(). */
int store_sq_get(store *st, sqlite3 **db, rc_error *err);
void store_sq_put(store *st, sqlite3 *db);
/* The handle's one writer connection, for frequent write transactions (Submit): taking it
 * serialises them in the process on a mutex instead of SQLite's polling busy handler, and a
 * connection whose process makes no other commits keeps its page cache from one transaction to the
 * next (every other connection's commit empties it). Returns 0 or RC_EDB; hand it back with
 * store_sq_put_writer() (rolls back what was not committed). */
int store_sq_get_writer(store *st, sqlite3 **db, rc_error *err);
void store_sq_put_writer(store *st, sqlite3 *db);

/* Whether anything was committed to a WAL database since an earlier look, from the wal-index header
 * in "<db>-shm", without a lock (store_sqlite_walmark.c). open finds it for st's database file
 * path (in WAL mode) through SQLite's own mapping, on a connection of its own (store_sq_open_file)
 * kept open until close: 0, RC_ENOENT when there is nothing mapped or the format is not the one
 * known here, RC_ENOMEM. read copies the header into out and
 * returns 1 if it was steady (not being rewritten at that moment), else 0. close is NULL-safe. */
typedef struct sq_walmark {
    uint32_t w[12];
} sq_walmark;
typedef struct sq_walmap sq_walmap;
int store_sq_walmap_open(store *st, const char *path, sq_walmap **out);
int store_sq_walmark_read(const sq_walmap *m, sq_walmark *out);
void store_sq_walmap_close(sq_walmap *m);

/* A pooled connection for one short read (a job by id), which may be inside a read transaction
 * kept open from an earlier read ("snapshot"): it is reused while the wal-index header shows that
 * nothing was committed since it began, which saves the WAL read lock and unlock (two fcntl calls)
 * of every read. A snapshot is never older than SQ_SNAPSHOT_MAX_MS, and an idle connection's is
 * ended by the checkpoint thread's sweep, so it does not hold back checkpoints. Without a wal map
 * (the format unknown, no checkpoint thread) reads run in autocommit as elsewhere. get returns 0 or
 * RC_EDB; put(keep = 0) ends the transaction (after a failed statement). */
#define SQ_SNAPSHOT_MAX_MS 100
typedef struct sq_reader {
    sqlite3 *db;
    int snap;         /* inside a kept read transaction */
    int64_t since_ms; /* when it began (monotonic ms) */
    sq_walmark mark;  /* the wal-index header before it began */
} sq_reader;
int store_sq_reader_get(store *st, sq_reader *r, rc_error *err);
void store_sq_reader_put(store *st, sq_reader *r, int keep);

/* Opens path (created if missing) in WAL mode, synchronous=NORMAL, with the store's busy handler
 * (store_sq_busy_retry, ctx = st). Returns 0 or RC_EDB; sqlite3_close() it. */
int store_sq_open_file(store *st, const char *path, sqlite3 **out, rc_error *err);
int store_sq_busy_retry(void *ctx, int count);

/* Records the database's last error as RC_EDB ("InternalError", "job store: <what>: <msg>").
 * A constraint violation is returned as RC_EEXIST instead (no message recorded). */
int store_sq_fail(sqlite3 *db, const char *what, rc_error *err);

/* Prepares sql; returns 0 or RC_EDB. _persistent: for a statement kept for the connection's life.
 */
int store_sq_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, rc_error *err);
int store_sq_prepare_persistent(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, rc_error *err);
/* Prepared statements kept per pooled connection (store_sqlite_stmt.c). new makes room for slots
 * connections (NULL when out of memory); add registers a newly opened db - the caller serialises
 * calls to add, lookups need no lock - and returns 0 or RC_ENOMEM (db then works uncached); free
 * releases the cache (NULL-safe; finalize the statements by closing their connections). */
typedef struct sq_stmt_cache sq_stmt_cache;
sq_stmt_cache *store_sq_stmt_cache_new(int slots);
int store_sq_stmt_cache_add(sq_stmt_cache *c, sqlite3 *db);
void store_sq_stmt_cache_free(sq_stmt_cache *c);
/* The cache of st's pool (store_sqlite.c). */
sq_stmt_cache *store_sq_stmt_cache_of(store *st);
/* Like store_sq_prepare, but the statement stays prepared on db for the next call with the same sql
 * pointer (pass a string literal): for the hot paths. Hand it back with store_sq_release(), never
 * sqlite3_finalize(). Returns 0 or RC_EDB. */
int store_sq_prepare_cached(store *st, sqlite3 *db, const char *sql, sqlite3_stmt **stmt,
                            rc_error *err);
/* Resets a statement from store_sq_prepare_cached() for reuse (finalizes one that is not cached).
 * NULL-safe. */
void store_sq_release(store *st, sqlite3 *db, sqlite3_stmt *stmt);
/* The background WAL checkpointer (store_sqlite_ckpt.c). start opens its own connection to path
 * (the database must exist, in WAL mode) and starts the thread: returns 0, or RC_ENOMEM / RC_EDB /
 * RC_EINTERNAL with err set. attach makes a connection's commits wake it instead of checkpointing
 * inline (NULL c: no-op, SQLite's automatic checkpoint stays). stop joins the thread and frees c
 * (NULL-safe); call it after the attached connections are closed. */
typedef struct sq_checkpointer sq_checkpointer;
/* tick(ctx, all), when not NULL, runs on the thread at least every SQ_SNAPSHOT_MAX_MS and with all
 * = 1 before each checkpoint: the pool ends its idle snapshots there (all of them, or those past
 * SQ_SNAPSHOT_MAX_MS). */
typedef void (*sq_tick_fn)(void *ctx, int all);
int store_sq_checkpointer_start(const char *path, sq_tick_fn tick, void *tick_ctx,
                                sq_checkpointer **out, rc_error *err);
void store_sq_checkpointer_attach(sq_checkpointer *c, sqlite3 *db);
void store_sq_checkpointer_stop(sq_checkpointer *c);
/* Runs statements without results. Returns 0 or RC_EDB. */
int store_sq_exec(sqlite3 *db, const char *sql, rc_error *err);
/* BEGIN IMMEDIATE (writes) / BEGIN (consistent reads), COMMIT, ROLLBACK (never fails loudly). */
int store_sq_begin_write(sqlite3 *db, rc_error *err);
int store_sq_begin_read(sqlite3 *db, rc_error *err);
int store_sq_commit(sqlite3 *db, rc_error *err);
void store_sq_rollback(sqlite3 *db);

/* Binds s (NULL -> SQL NULL) at 1-based idx; returns the sqlite result code. */
int store_sq_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
/* Binds by name, ignoring names the statement does not use. */
int store_sq_bind_text_named(sqlite3_stmt *stmt, const char *name, const char *s);
int store_sq_bind_int64_named(sqlite3_stmt *stmt, const char *name, int64_t v);
/* A heap copy of column col (NULL for SQL NULL); sets *oom on allocation failure. */
char *store_sq_column_dup(sqlite3_stmt *stmt, int col, int *oom);
/* Copies a text column into a fixed buffer of n bytes (truncating). */
void store_sq_column_copy(sqlite3_stmt *stmt, int col, char *out, size_t n);

/* Client tokens inside an open write transaction: looks tok up (live rows only) and, if found,
 * fills resource_id and *outcome and returns 1; 0 if absent; negative rc on error. */
int store_sq_token_check(store *st, sqlite3 *db, const store_client_token *tok, char *resource_id,
                         enum store_submit_outcome *outcome, rc_error *err);
/* Records tok -> resource_id (replacing an expired row). Returns 0 or RC_EDB. */
int store_sq_token_record(store *st, sqlite3 *db, const store_client_token *tok,
                          const char *resource_id, rc_error *err);

/* The replay-nonce database "<jobs path>-nonces" (store_sqlite_nonce.c), one connection per handle
 * serialised by a mutex. open creates or upgrades it (the jobs database must be migrated first) and
 * returns 0 or RC_ENOMEM / RC_EDB; close is NULL-safe. use/clear implement store_nonce_use and
 * store_nonce_clear; purge deletes the expired epochs. */
typedef struct sq_nonces sq_nonces;
int store_sq_nonces_open(store *st, const char *jobs_path, sq_nonces **out, rc_error *err);
void store_sq_nonces_close(sq_nonces *n);
int store_sq_nonces_use(sq_nonces *n, const char *access_key_id, const char *nonce, int64_t now,
                        int64_t expires_at, rc_error *err);
int store_sq_nonces_clear(sq_nonces *n, rc_error *err);
int store_sq_nonces_purge(sq_nonces *n, int64_t now, rc_error *err);

/* The job operations (store_sqlite_jobs.c). */
int store_sq_artefact_put(store *st, const char *job_id, const char *name, const void *data,
                          size_t size, rc_error *err);
int store_sq_artefact_get(store *st, const char *job_id, uint64_t user_id, const char *name,
                          store_artefact *out, rc_error *err);
int store_sq_job_submit(store *st, const store_job *job, const store_client_token *tok,
                        int64_t max_unfinished, char *existing_id,
                        enum store_submit_outcome *outcome, rc_error *err);
void store_sq_job_submit_batch(store *st, store_submit_req **reqs, size_t n);
int store_sq_job_get(store *st, const char *job_id, int scoped, uint64_t user_id, store_job *out,
                     rc_error *err);
int store_sq_job_heartbeat(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                           rc_error *err);
int store_sq_job_progress(store *st, const char *job_id, const char *owner, int progress,
                          rc_error *err);
int store_sq_job_release(store *st, const char *job_id, const char *owner, rc_error *err);
int store_sq_job_count(store *st, int64_t *counts, rc_error *err);
/* The state machine's primitives (store_backend.h). */
int store_sq_txn_begin(store *st, store_txn *txn, rc_error *err);
int store_sq_txn_commit(store *st, store_txn *txn, rc_error *err);
void store_sq_txn_end(store *st, store_txn *txn);
int store_sq_job_lock(store *st, store_txn *txn, const char *job_id, store_job *out, rc_error *err);
int store_sq_job_write_final(store *st, store_txn *txn, const char *job_id,
                             const store_job_result *res, int64_t now_s, rc_error *err);
int store_sq_attempt_record(store *st, store_txn *txn, const char *job_id, int attempt,
                            const char *owner, const char *outcome, int64_t now_ms, rc_error *err);
int store_sq_outbox_insert(store *st, store_txn *txn, const char *job_id, const char *target,
                           const char *body, int64_t event_time, int64_t next_attempt_ms,
                           rc_error *err);
int store_sq_job_next_claimable(store *st, store_txn *txn, int64_t now_ms, char *job_id,
                                int *attempts, rc_error *err);
int store_sq_job_take(store *st, store_txn *txn, const char *job_id, const char *owner,
                      int64_t lease_expires_ms, int64_t now_s, store_job *out, rc_error *err);
int store_sq_job_list(store *st, const store_job_query *q, store_job_page *page, rc_error *err);

/* The media and outbox operations (store_sqlite_media.c). */
int store_sq_media_register(store *st, const store_media *m, int overwrite,
                            const store_client_token *tok, char *existing_id,
                            enum store_submit_outcome *outcome, rc_error *err);
int store_sq_media_get(store *st, const char *media_id, const char *input_url, uint64_t user_id,
                       store_media *out, rc_error *err);
int store_sq_media_delete(store *st, const char *media_id, uint64_t user_id, rc_error *err);
int store_sq_media_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                         store_media *out, rc_error *err);
int store_sq_media_set_probe(store *st, const char *media_id, const char *owner,
                             enum store_media_status status, const char *probe_json,
                             const char *media_type, rc_error *err);
int store_sq_outbox_claim(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                          rc_error *err);
int store_sq_outbox_report(store *st, int64_t id, const char *owner,
                           enum store_notify_state final_state, int64_t next_attempt_ms,
                           const char *error, rc_error *err);
int store_sq_outbox_get(store *st, const char *job_id, store_outbox *out, rc_error *err);
int store_sq_outbox_count_pending(store *st, int64_t *out, rc_error *err);

#endif
