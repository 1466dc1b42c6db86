/* store_sqlite: the embedded SQLite backend - connection pool, migrations, tokens, nonces, purge.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite/store_sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

typedef struct sq_impl {
    char *path;
    sq_stmt_cache *stmts; /* prepared statements of every pooled connection */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sq_reader *idle; /* pool_size slots: the idle connections, with their kept snapshots */
    int nidle;
    int nopen;
    /* set once at open, before the pool is shared; NULL = inline checkpoints */
    sq_checkpointer *ckpt;
    /* set once at open; NULL = no kept snapshots (store_sq_reader_get) */
    sq_walmap *wal;
    sq_nonces *nonces; /* the replay-nonce database (store_sqlite_nonce.c) */
    /* The writer connection for the hot write paths (store_sq_get_writer), held under wmu. */
    pthread_mutex_t wmu;
    sqlite3 *writer;
} sq_impl;

/* Versioned migrations: entry i brings the schema to version i + 1. Append only, never edit. */
static const char *const migrations[] = {
    /* 1: jobs, client tokens, nonces, media assets, callback outbox */
    "CREATE TABLE jobs("
    " job_id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,"
    " progress INTEGER NOT NULL DEFAULT 0, input_config TEXT, job_params TEXT, output_config TEXT,"
    " user_data TEXT, input_file TEXT, output_bucket TEXT, output_object TEXT, title TEXT,"
    " notify_address TEXT, ai_result TEXT, media_url TEXT, media_id TEXT, error_code TEXT,"
    " error_message TEXT, create_time INTEGER NOT NULL, modified_time INTEGER NOT NULL,"
    " finish_time INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    " lease_owner TEXT, lease_expires_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_by_user ON jobs(user_id, create_time, job_id);"
    "CREATE INDEX jobs_by_state ON jobs(state, create_time, job_id);"
    "CREATE TABLE client_tokens("
    " access_key_id TEXT NOT NULL, action TEXT NOT NULL, token TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL, resource_id TEXT NOT NULL, expires_at INTEGER NOT NULL,"
    " PRIMARY KEY(access_key_id, action, token));"
    "CREATE INDEX client_tokens_expiry ON client_tokens(expires_at);"
    "CREATE TABLE nonces(access_key_id TEXT NOT NULL, nonce TEXT NOT NULL,"
    " expires_at INTEGER NOT NULL, PRIMARY KEY(access_key_id, nonce)) WITHOUT ROWID;"
    "CREATE INDEX nonces_expiry ON nonces(expires_at);"
    "CREATE TABLE media("
    " media_id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, input_url TEXT NOT NULL, title TEXT,"
    " description TEXT, tags TEXT, reference_id TEXT, user_data TEXT, status TEXT NOT NULL,"
    " probe_json TEXT, media_type TEXT, create_time INTEGER NOT NULL,"
    " modified_time INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,"
    " lease_expires_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX media_by_url ON media(user_id, input_url);"
    "CREATE UNIQUE INDEX media_by_reference ON media(user_id, reference_id)"
    " WHERE reference_id IS NOT NULL;"
    "CREATE INDEX media_by_status ON media(status, create_time, media_id);"
    "CREATE TABLE outbox("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL UNIQUE, target TEXT NOT NULL,"
    " body TEXT NOT NULL, event_time INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT, lease_owner TEXT,"
    " lease_expires_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_ms, id);",
    /* 2: jobs per state, kept by triggers: the queue-capacity check of every Submit read
     * count(*) over all unfinished jobs, O(queue length) inside the write lock. */
    "CREATE TABLE job_counts(state TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO job_counts SELECT state, count(*) FROM jobs GROUP BY state;"
    "CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN"
    " INSERT INTO job_counts VALUES(NEW.state, 1) ON CONFLICT(state) DO UPDATE SET n=n+1; END;"
    "CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN"
    " UPDATE job_counts SET n=n-1 WHERE state=OLD.state; END;"
    "CREATE TRIGGER jobs_count_update AFTER UPDATE OF state ON jobs"
    " WHEN OLD.state IS NOT NEW.state BEGIN"
    " UPDATE job_counts SET n=n-1 WHERE state=OLD.state;"
    " INSERT INTO job_counts VALUES(NEW.state, 1) ON CONFLICT(state) DO UPDATE SET n=n+1; END;",
    /* 3: job artefacts (thumbnails, signal tracks), purged with their job */
    ("CREATE TABLE artefacts(job_id TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL,"
     " PRIMARY KEY(job_id, name)) WITHOUT ROWID;"),
    /* 4: one row per claim of a job (who, when, how it ended), purged with their job */
    ("CREATE TABLE job_attempts(job_id TEXT NOT NULL, attempt INTEGER NOT NULL,"
     " owner TEXT NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, outcome TEXT);"
     "CREATE INDEX job_attempts_by_job ON job_attempts(job_id, started_ms);"),
};
#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ------------------------------------------------------------------ helpers */

int store_sq_fail(sqlite3 *db, const char *what, rc_error *err) {
    int code = sqlite3_extended_errcode(db) & 0xff;
    if (code == SQLITE_CONSTRAINT)
        return RC_EEXIST;
    log_error("job store: %s: %s", what, sqlite3_errmsg(db));
    return rc_fail(err, RC_EDB, "InternalError", "job store: %s: %s", what, sqlite3_errmsg(db));
}

int store_sq_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, rc_error *err) {
    *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK) {
        store_sq_fail(db, "prepare", err);
        return RC_EDB;
    }
    return 0;
}

int store_sq_prepare_persistent(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, rc_error *err) {
    *stmt = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK) {
        store_sq_fail(db, "prepare", err);
        return RC_EDB;
    }
    return 0;
}

int store_sq_exec(sqlite3 *db, const char *sql, rc_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = store_sq_fail(db, "exec", err);
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

int store_sq_begin_write(sqlite3 *db, rc_error *err) {
    return store_sq_exec(db, "BEGIN IMMEDIATE", err);
}

int store_sq_begin_read(sqlite3 *db, rc_error *err) {
    return store_sq_exec(db, "BEGIN", err);
}

int store_sq_commit(sqlite3 *db, rc_error *err) {
    int rc = store_sq_exec(db, "COMMIT", err);
    if (rc)
        store_sq_rollback(db);
    return rc;
}

void store_sq_rollback(sqlite3 *db) {
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int store_sq_bind_text(sqlite3_stmt *stmt, int idx, const char *s) {
    return s ? sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, idx);
}

int store_sq_bind_text_named(sqlite3_stmt *stmt, const char *name, const char *s) {
    int idx = sqlite3_bind_parameter_index(stmt, name);
    return idx ? store_sq_bind_text(stmt, idx, s) : SQLITE_OK;
}

int store_sq_bind_int64_named(sqlite3_stmt *stmt, const char *name, int64_t v) {
    int idx = sqlite3_bind_parameter_index(stmt, name);
    return idx ? sqlite3_bind_int64(stmt, idx, v) : SQLITE_OK;
}

char *store_sq_column_dup(sqlite3_stmt *stmt, int col, int *oom) {
    const unsigned char *t = sqlite3_column_text(stmt, col);
    if (!t)
        return NULL;
    char *s = strdup((const char *)t);
    if (!s)
        *oom = 1;
    return s;
}

void store_sq_column_copy(sqlite3_stmt *stmt, int col, char *out, size_t n) {
    const unsigned char *t = sqlite3_column_text(stmt, col);
    size_t len = t ? strlen((const char *)t) : 0;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(out, t, len);
    out[len] = '\0';
}

/* ------------------------------------------------------------------ connection pool */

sq_stmt_cache *store_sq_stmt_cache_of(store *st) {
    return ((sq_impl *)st->impl)->stmts;
}

/* Gives a newly opened connection its statement cache (it works uncached if that fails). */
static void register_conn(store *st, sqlite3 *db) {
    sq_impl *im = st->impl;
    pthread_mutex_lock(&im->mu);
    store_sq_stmt_cache_add(im->stmts, db);
    pthread_mutex_unlock(&im->mu);
}

/* Finalizes every statement of db (cached or leaked) and closes it. */
static void close_connection(sqlite3 *db) {
    sqlite3_stmt *s;
    while ((s = sqlite3_next_stmt(db, NULL)) != NULL)
        sqlite3_finalize(s);
    sqlite3_close(db);
}

/* Busy handler: retries a locked database after short sleeps, up to the store's busy timeout.
 * sqlite3_busy_timeout() sleeps 1, 2, 5, 10 ... 100 ms between tries, but our write transactions
 * last tens of microseconds: under concurrent writes those sleeps, not the work, made the latency
 * (p99 > 100 ms with two HTTP threads). Sleep 20 us for the first tries, then 100 us, then 1 ms. */
int store_sq_busy_retry(void *ctx, int count) {
    const store *st = ctx;
    int64_t waited_us, sleep_us;
    if (count < 10) {
        waited_us = (int64_t)count * 20;
        sleep_us = 20;
    } else if (count < 50) {
        waited_us = 200 + (int64_t)(count - 10) * 100;
        sleep_us = 100;
    } else {
        waited_us = 4200 + (int64_t)(count - 50) * 1000;
        sleep_us = 1000;
    }
    if (waited_us >= (int64_t)st->busy_timeout_ms * 1000)
        return 0;
    struct timespec ts = {0, (long)sleep_us * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

int store_sq_open_file(store *st, const char *path, sqlite3 **out, rc_error *err) {
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    *out = NULL;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = rc_fail(err, RC_EDB, "InternalError", "job store: cannot open \"%s\": %s", path,
                         db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_handler(db, store_sq_busy_retry, st);
    /* mmap_size: pages of the database file are read through a shared mapping instead of a
     * pread() each (a GetSmartHandleJob of a job not in the connection's 2 MB page cache was one
     * system call more); the WAL is read as before. */
    int rc = store_sq_exec(
        db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=1073741824;",
        err);
    if (rc) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

static int open_connection(store *st, const char *path, sqlite3 **out, rc_error *err) {
    int rc = store_sq_open_file(st, path, out, err);
    if (rc == 0)
        store_sq_checkpointer_attach(((sq_impl *)st->impl)->ckpt, *out);
    return rc;
}

/* Takes an idle connection (with its kept snapshot, if any) or opens a new one. */
static int pool_take(store *st, sq_reader *r, rc_error *err) {
    sq_impl *im = st->impl;
    memset(r, 0, sizeof(*r));
    pthread_mutex_lock(&im->mu);
    while (im->nidle == 0 && im->nopen >= st->pool_size)
        pthread_cond_wait(&im->cv, &im->mu);
    if (im->nidle > 0) {
        *r = im->idle[--im->nidle];
        pthread_mutex_unlock(&im->mu);
        return 0;
    }
    im->nopen++; /* reserve the slot, open outside the lock */
    pthread_mutex_unlock(&im->mu);
    int rc = open_connection(st, im->path, &r->db, err);
    if (rc == 0)
        register_conn(st, r->db);
    if (rc) {
        pthread_mutex_lock(&im->mu);
        im->nopen--;
        pthread_cond_signal(&im->cv);
        pthread_mutex_unlock(&im->mu);
    }
    return rc;
}

static void pool_give(store *st, const sq_reader *r) {
    sq_impl *im = st->impl;
    pthread_mutex_lock(&im->mu);
    im->idle[im->nidle++] = *r;
    pthread_cond_signal(&im->cv);
    pthread_mutex_unlock(&im->mu);
}

static void end_snapshot(sq_reader *r) {
    if (r->snap)
        store_sq_rollback(r->db);
    r->snap = 0;
}

int store_sq_get(store *st, sqlite3 **db, rc_error *err) {
    sq_reader r;
    *db = NULL;
    int rc = pool_take(st, &r, err);
    if (rc)
        return rc;
    end_snapshot(&r);
    *db = r.db;
    return 0;
}

int store_sq_reader_get(store *st, sq_reader *r, rc_error *err) {
    sq_impl *im = st->impl;
    int rc = pool_take(st, r, err);
    if (rc || !im->wal)
        return rc;
    sq_walmark now;
    int steady = store_sq_walmark_read(im->wal, &now);
    int64_t t = time_mono_ms();
    if (r->snap && (!steady || memcmp(&now, &r->mark, sizeof(now)) != 0 ||
                    t - r->since_ms >= SQ_SNAPSHOT_MAX_MS))
        end_snapshot(r);
    if (r->snap || !steady) /* (a header being rewritten: one autocommit read) */
        return 0;
    /* The mark was read before the transaction's snapshot is taken (at its first read), so the
     * snapshot holds at least what the mark describes: an unchanged header later means nothing was
     * committed since, and the snapshot is the database's current state. */
    rc = store_sq_exec(r->db, "BEGIN", err);
    if (rc) {
        store_sq_put(st, r->db);
        r->db = NULL;
        return rc;
    }
    r->snap = 1;
    r->since_ms = t;
    r->mark = now;
    return 0;
}

void store_sq_reader_put(store *st, sq_reader *r, int keep) {
    if (!r->db)
        return;
    if (!keep)
        end_snapshot(r);
    pool_give(st, r);
    r->db = NULL;
}

/* The checkpoint thread's sweep: ends the kept snapshots of idle connections (all, or those past
 * SQ_SNAPSHOT_MAX_MS), so no idle connection holds back a checkpoint. */
static void sweep_snapshots(void *ctx, int all) {
    store *st = ctx;
    sq_impl *im = st->impl;
    int64_t t = time_mono_ms();
    pthread_mutex_lock(&im->mu);
    for (int i = 0; i < im->nidle; i++)
        if (im->idle[i].snap && (all || t - im->idle[i].since_ms >= SQ_SNAPSHOT_MAX_MS))
            end_snapshot(&im->idle[i]);
    pthread_mutex_unlock(&im->mu);
}

int store_sq_get_writer(store *st, sqlite3 **db, rc_error *err) {
    sq_impl *im = st->impl;
    *db = NULL;
    pthread_mutex_lock(&im->wmu);
    if (!im->writer) {
        int rc = open_connection(st, im->path, &im->writer, err);
        if (rc) {
            pthread_mutex_unlock(&im->wmu);
            return rc;
        }
        register_conn(st, im->writer);
    }
    *db = im->writer;
    return 0;
}

void store_sq_put_writer(store *st, sqlite3 *db) {
    sq_impl *im = st->impl;
    if (!db)
        return;
    store_sq_rollback(db);
    pthread_mutex_unlock(&im->wmu);
}

void store_sq_put(store *st, sqlite3 *db) {
    if (!db)
        return;
    store_sq_rollback(db); /* never hand on an open transaction */
    sq_reader r = {.db = db};
    pool_give(st, &r);
}

/* ------------------------------------------------------------------ migrations */

static int migrate(sqlite3 *db, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int version = 0;
    int rc = store_sq_begin_write(db, err);
    if (rc)
        return rc;
    rc = store_sq_exec(db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                       err);
    if (rc)
        goto out;
    rc = store_sq_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version", &stmt, err);
    if (rc)
        goto out;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_sq_fail(db, "read schema version", err);
        goto out;
    }
    version = sqlite3_column_int(stmt, 0);
    if (version > MIGRATION_COUNT) {
        rc = rc_fail(err, RC_EDB, "InternalError",
                     "job store: database schema version %d is newer than this reelcut (%d)",
                     version, MIGRATION_COUNT);
        goto out;
    }
    for (int v = version; v < MIGRATION_COUNT; v++) {
        rc = store_sq_exec(db, migrations[v], err);
        if (rc)
            goto out;
        log_info("job store: schema migrated to version %d", v + 1);
    }
    if (version < MIGRATION_COUNT) {
        char sql[96];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM schema_version; INSERT INTO schema_version VALUES(%d)",
                 MIGRATION_COUNT);
        rc = store_sq_exec(db, sql, err);
        if (rc)
            goto out;
    }
    rc = store_sq_commit(db, err);
out:
    sqlite3_finalize(stmt);
    if (rc)
        store_sq_rollback(db);
    return rc;
}

/* ------------------------------------------------------------------ operations */

static int sq_ping(store *st, rc_error *err) {
    sqlite3 *db;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_exec(db, "SELECT 1 FROM schema_version LIMIT 1", err);
    store_sq_put(st, db);
    return rc;
}

int store_sq_token_check(store *st, sqlite3 *db, const store_client_token *tok, char *resource_id,
                         enum store_submit_outcome *outcome, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db,
                              "SELECT fingerprint, resource_id FROM client_tokens WHERE"
                              " access_key_id=?1 AND action=?2 AND token=?3 AND expires_at>?4",
                              &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, tok->access_key_id);
    store_sq_bind_text(stmt, 2, tok->action);
    store_sq_bind_text(stmt, 3, tok->token);
    sqlite3_bind_int64(stmt, 4, store_now_s(st));
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        const char *fp = (const char *)sqlite3_column_text(stmt, 0);
        int same = fp && strcmp(fp, tok->fingerprint) == 0;
        *outcome = same ? STORE_SUBMIT_EXISTING : STORE_SUBMIT_MISMATCH;
        store_sq_column_copy(stmt, 1, resource_id, STORE_ID_LEN + 1);
        rc = 1;
    } else if (step != SQLITE_DONE) {
        rc = store_sq_fail(db, "client token lookup", err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int store_sq_token_record(store *st, sqlite3 *db, const store_client_token *tok,
                          const char *resource_id, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db, "INSERT OR REPLACE INTO client_tokens VALUES(?1,?2,?3,?4,?5,?6)",
                              &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, tok->access_key_id);
    store_sq_bind_text(stmt, 2, tok->action);
    store_sq_bind_text(stmt, 3, tok->token);
    store_sq_bind_text(stmt, 4, tok->fingerprint);
    store_sq_bind_text(stmt, 5, resource_id);
    sqlite3_bind_int64(stmt, 6, store_token_expiry(tok, store_now_s(st)));
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "record client token", err);
    sqlite3_finalize(stmt);
    return rc == RC_EEXIST ? RC_EDB : rc;
}

static int sq_client_token_lookup(store *st, const store_client_token *tok, char *resource_id,
                                  enum store_submit_outcome *outcome, rc_error *err) {
    sqlite3 *db;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_token_check(st, db, tok, resource_id, outcome, err);
    store_sq_put(st, db);
    return rc == 1 ? 0 : rc == 0 ? RC_ENOENT : rc;
}

static int sq_nonce_use(store *st, const char *access_key_id, const char *nonce, int64_t now,
                        int64_t expires_at, rc_error *err) {
    sq_impl *im = st->impl;
    return store_sq_nonces_use(im->nonces, access_key_id, nonce, now, expires_at, err);
}

static int sq_nonce_clear(store *st, rc_error *err) {
    sq_impl *im = st->impl;
    return store_sq_nonces_clear(im->nonces, err);
}

static int sq_purge(store *st, int64_t retention_s, int64_t *deleted_jobs, rc_error *err) {
    sqlite3 *db;
    char sql[512];
    int64_t now = store_now_s(st);
    *deleted_jobs = 0;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_begin_write(db, err);
    if (rc)
        goto out;
    long long cutoff = (long long)(now - retention_s);
    snprintf(sql, sizeof(sql),
             "DELETE FROM outbox WHERE job_id IN (SELECT job_id FROM jobs WHERE create_time<%lld);"
             "DELETE FROM artefacts WHERE job_id IN"
             " (SELECT job_id FROM jobs WHERE create_time<%lld);"
             "DELETE FROM job_attempts WHERE job_id IN"
             " (SELECT job_id FROM jobs WHERE create_time<%lld);"
             "DELETE FROM jobs WHERE create_time<%lld;",
             cutoff, cutoff, cutoff, cutoff);
    rc = store_sq_exec(db, sql, err);
    if (rc)
        goto out;
    *deleted_jobs = sqlite3_changes(db);
    /* (nonces kept here by versions before the nonce database was split off) */
    snprintf(sql, sizeof(sql),
             "DELETE FROM client_tokens WHERE expires_at<=%lld;"
             "DELETE FROM nonces WHERE expires_at<=%lld;",
             (long long)now, (long long)now);
    rc = store_sq_exec(db, sql, err);
    if (rc)
        goto out;
    rc = store_sq_commit(db, err);
    if (rc == 0)
        rc = store_sq_nonces_purge(((sq_impl *)st->impl)->nonces, now, err);
out:
    store_sq_put(st, db);
    return rc;
}

static void sq_close(store *st) {
    sq_impl *im = st->impl;
    if (!im)
        return;
    /* (under the lock: the checkpoint thread's sweep walks the idle list until it is stopped) */
    pthread_mutex_lock(&im->mu);
    for (int i = 0; i < im->nidle; i++)
        close_connection(im->idle[i].db);
    im->nidle = 0;
    pthread_mutex_unlock(&im->mu);
    if (im->writer)
        close_connection(im->writer);
    store_sq_checkpointer_stop(im->ckpt);
    store_sq_walmap_close(im->wal);
    store_sq_nonces_close(im->nonces);
    store_sq_stmt_cache_free(im->stmts);
    pthread_mutex_destroy(&im->mu);
    pthread_mutex_destroy(&im->wmu);
    pthread_cond_destroy(&im->cv);
    free(im->idle);
    free(im->path);
    free(im);
    st->impl = NULL;
}

static const store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .ping = sq_ping,
    .client_token_lookup = sq_client_token_lookup,
    .job_submit = store_sq_job_submit,
    .job_submit_batch = store_sq_job_submit_batch,
    .job_get = store_sq_job_get,
    .job_heartbeat = store_sq_job_heartbeat,
    .job_progress = store_sq_job_progress,
    .job_release = store_sq_job_release,
    .job_count = store_sq_job_count,
    .job_list = store_sq_job_list,
    .txn_begin = store_sq_txn_begin,
    .txn_commit = store_sq_txn_commit,
    .txn_end = store_sq_txn_end,
    .job_lock = store_sq_job_lock,
    .job_write_final = store_sq_job_write_final,
    .outbox_insert = store_sq_outbox_insert,
    .attempt_record = store_sq_attempt_record,
    .job_next_claimable = store_sq_job_next_claimable,
    .job_take = store_sq_job_take,
    .purge = sq_purge,
    .nonce_use = sq_nonce_use,
    .nonce_clear = sq_nonce_clear,
    .media_register = store_sq_media_register,
    .media_get = store_sq_media_get,
    .media_delete = store_sq_media_delete,
    .artefact_put = store_sq_artefact_put,
    .artefact_get = store_sq_artefact_get,
    .media_claim = store_sq_media_claim,
    .media_set_probe = store_sq_media_set_probe,
    .outbox_claim = store_sq_outbox_claim,
    .outbox_report = store_sq_outbox_report,
    .outbox_get = store_sq_outbox_get,
    .outbox_count_pending = store_sq_outbox_count_pending,
};

/* SQLite's default memory statistics take a global mutex around every allocation, which nothing
 * here reads; off before the library initialises (a no-op if something initialised it already). */
static void configure_sqlite(void) {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_sqlite_open(store *st, const char *path, rc_error *err) {
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, configure_sqlite);
    sq_impl *im = calloc(1, sizeof(*im));
    sqlite3 *db = NULL;
    if (!im)
        return rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
    im->path = strdup(path);
    im->idle = calloc((size_t)st->pool_size, sizeof(*im->idle));
    im->stmts = store_sq_stmt_cache_new(st->pool_size + 1); /* + the writer */
    if (!im->path || !im->idle || !im->stmts) {
        free(im->path);
        free(im->idle);
        store_sq_stmt_cache_free(im->stmts);
        free(im);
        return rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
    }
    pthread_mutex_init(&im->mu, NULL);
    pthread_mutex_init(&im->wmu, NULL);
    pthread_cond_init(&im->cv, NULL);
    st->impl = im;
    st->ops = &sqlite_ops;
    /* The first connection switches the file to WAL and brings the schema up to date. */
    int rc = open_connection(st, path, &db, err);
    if (rc == 0)
        rc = migrate(db, err);
    if (rc == 0)
        rc = store_sq_nonces_open(st, path, &im->nonces, err);
    if (rc) {
        sqlite3_close(db);
        sq_close(st);
        st->ops = NULL;
        return rc;
    }
    /* Kept read snapshots need the wal map and the checkpoint thread's sweep. Without that thread,
     * SQLite's inline automatic checkpoints still work. */
    sq_walmap *wal = NULL;
    if (store_sq_walmap_open(st, path, &wal) != 0)
        log_info("job store: no wal-index map; reads take their own transaction");
    if (store_sq_checkpointer_start(path, wal ? sweep_snapshots : NULL, st, &im->ckpt, NULL) == 0) {
        store_sq_checkpointer_attach(im->ckpt, db);
        im->wal = wal;
    } else {
        store_sq_walmap_close(wal);
        log_warn("job store: no background checkpoint thread; checkpointing inline");
    }
    register_conn(st, db);
    im->idle[im->nidle++] = (sq_reader){.db = db};
    im->nopen = 1;
    return 0;
}
