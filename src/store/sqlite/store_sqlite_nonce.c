/* store_sqlite_nonce: the replay-nonce set of the SQLite backend: a table shared by the processes
 * in memory (store_nonce_table.c, "<jobs path>-nonces.table") in front of its own database file,
 * which takes what the table cannot hold (a full bucket spills here).
 *
 * Every signed API request records (AccessKeyId, nonce) (API.md §2.4). In the jobs database that
 * was a write transaction on the jobs file's single write lock, beside a secondary expiry index:
 * ~29 us of a GetSmartHandleJob's ~66 us of server CPU, and every request contended with job writes
 * for the lock (bench/api/README.md). Here:
 *  - the nonces live in "<jobs path>-nonces", its own WAL database with its own write lock; like
 * the jobs file it is synchronous=NORMAL (a commit is not fsynced: it survives a crash of reelcut,
 *    and a power cut may lose the last commits before the latest checkpoint - see docs/DESIGN.md,
 * Persistence);
 *  - rows are keyed (epoch, AccessKeyId, nonce), epoch = expires_at / NONCE_EPOCH_S: one B-tree,
 *    no expiry index. A live record (expires_at > now, and expires_at <= now +
 * STORE_NONCE_MAX_TTL_S by the store contract) lies in an epoch from now/E to (now + TTL)/E: two,
 * and for the last second of an epoch three (TTL is E + 1), so a lookup is two or three key seeks,
 * and expired epochs form a key prefix that the purge deletes in small slices;
 *  - each process uses one connection under a mutex: SQLite serialises writers anyway, and a
 *    connection that is the only writer in its process keeps its page cache between transactions
 *    (pooled connections reload it whenever another one has committed).
 * Processes sharing the data dir share the file, so a replay is rejected across processes and
 * restarts exactly as before: the record is committed before the request goes on. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/store_sqlite_int.h"
#include "store/store_nonce_table.h"
#include "util/log.h"

#define NONCE_EPOCH_S 1800     /* (the key of rows already written: never change it) */
#define NONCE_PURGE_EVERY 256u /* uses between two purge slices */
#define NONCE_PURGE_SLICE 1024 /* rows deleted per slice: 4x the insert rate */
#define NONCE_SCHEMA_VERSION 1

_Static_assert(2 * NONCE_EPOCH_S >= STORE_NONCE_MAX_TTL_S,
               "a live nonce must span at most 3 epochs");

struct sq_nonces {
    pthread_mutex_t mu;
    sqlite3 *db; /* guarded by mu */
    sqlite3_stmt *begin, *commit, *live, *use, *purge_slice, *purge_all;
    unsigned uses;
    sq_checkpointer *ckpt;
    store_nonce_table *table; /* NULL: every nonce goes to db */
};

/* In one write transaction: is the nonce live in the other possible epoch? if not, insert it in its
 * own epoch or take over an expired row there. (A single INSERT ... SELECT ... WHERE NOT EXISTS
 * reading the same table materialises the SELECT in an ephemeral table, whose allocation and
 * release cost more than the insert.) */
static const char *const live_sql =
    "SELECT 1 FROM nonces WHERE epoch=?1 AND access_key_id=?2 AND nonce=?3 AND expires_at>?4";
static const char *const use_sql =
    "INSERT INTO nonces VALUES(?1, ?2, ?3, ?4) ON CONFLICT(epoch, access_key_id, nonce)"
    " DO UPDATE SET expires_at=excluded.expires_at WHERE expires_at<=?5";

/* Every row of an epoch below now / NONCE_EPOCH_S has expires_at < now, and those rows are the
 * start of the key order: a slice is the first ?2 of them (a key range scan), or all when fewer. */
static const char *const purge_slice_sql =
    "DELETE FROM nonces WHERE (epoch, access_key_id, nonce) <= (SELECT epoch, access_key_id, nonce"
    " FROM nonces WHERE epoch<?1 ORDER BY epoch, access_key_id, nonce LIMIT 1 OFFSET ?2 - 1)";
static const char *const purge_all_sql = "DELETE FROM nonces WHERE epoch<?1";

/* Creates the table (once, whichever process comes first) and, the first time only, copies the live
 * nonces that older versions kept in the jobs database, so an upgrade does not reopen the window.
 */
static int create_schema(sqlite3 *db, const char *jobs_path, int64_t now, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_begin_write(db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db, "PRAGMA user_version", &stmt, err);
    if (rc)
        goto out;
    int version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (version < 0) {
        rc = store_sq_fail(db, "read nonce schema version", err);
        goto out;
    }
    if (version > NONCE_SCHEMA_VERSION) {
        rc = rc_fail(err, RC_EDB, "InternalError",
                     "job store: nonce database \"%s-nonces\" version %d is newer than this"
                     " reelcut (%d)",
                     jobs_path, version, NONCE_SCHEMA_VERSION);
        goto out;
    }
    if (version == NONCE_SCHEMA_VERSION) {
        rc = store_sq_commit(db, err);
        goto out;
    }
    rc = store_sq_exec(db,
                       "CREATE TABLE nonces(epoch INTEGER NOT NULL, access_key_id TEXT NOT NULL,"
                       " nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,"
                       " PRIMARY KEY(epoch, access_key_id, nonce)) WITHOUT ROWID",
                       err);
    if (rc)
        goto out;
    /* The jobs database is migrated (its nonces table exists) before this runs. */
    rc = store_sq_prepare(db, "ATTACH DATABASE ?1 AS jobs", &stmt, err);
    if (rc)
        goto out;
    sqlite3_bind_text(stmt, 1, jobs_path, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "attach the jobs database", err);
        goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT OR IGNORE INTO main.nonces SELECT expires_at/%d, access_key_id, nonce,"
             " expires_at FROM jobs.nonces WHERE expires_at>%lld",
             NONCE_EPOCH_S, (long long)now);
    rc = store_sq_exec(db, sql, err);
    if (rc == 0)
        rc = store_sq_exec(db, "PRAGMA user_version=1", err);
    if (rc == 0)
        rc = store_sq_commit(db, err);
    if (rc == 0)
        rc = store_sq_exec(db, "DETACH DATABASE jobs", err);
out:
    sqlite3_finalize(stmt);
    store_sq_rollback(db);
    return rc;
}

/* The expiry of the newest live record in the database (0 if none). Returns 0 or RC_EDB. */
static int newest_live(sqlite3 *db, int64_t now, int64_t *out, rc_error *err) {
    sqlite3_stmt *s = NULL;
    int rc = store_sq_prepare(db, "SELECT max(expires_at) FROM nonces WHERE epoch>=?1", &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, now / NONCE_EPOCH_S);
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0); /* NULL (no rows) reads as 0 */
    else
        rc = store_sq_fail(db, "read the newest nonce", err);
    sqlite3_finalize(s);
    return rc;
}

/* The shared table "<db_path>.table" in front of the database. */
static int open_table(store *st, sq_nonces *n, const char *db_path, rc_error *err) {
    int64_t newest = 0;
    int rc = newest_live(n->db, store_now_s(st), &newest, err);
    if (rc)
        return rc;
    size_t len = strlen(db_path) + sizeof(".table");
    char *path = malloc(len);
    if (!path)
        return rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
    snprintf(path, len, "%s.table", db_path);
    rc = store_nonce_table_open(path, (size_t)st->nonce_table_mb << 20, newest, &n->table, err);
    free(path);
    return rc;
}

int store_sq_nonces_open(store *st, const char *jobs_path, sq_nonces **out, rc_error *err) {
    *out = NULL;
    sq_nonces *n = calloc(1, sizeof(*n));
    size_t len = strlen(jobs_path) + sizeof("-nonces");
    char *path = malloc(len);
    int rc = 0;
    if (!n || !path) {
        rc = rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
        goto out;
    }
    snprintf(path, len, "%s-nonces", jobs_path);
    pthread_mutex_init(&n->mu, NULL);
    rc = store_sq_open_file(st, path, &n->db, err);
    if (rc == 0)
        rc = create_schema(n->db, jobs_path, store_now_s(st), err);
    if (rc == 0)
        rc = store_sq_prepare_persistent(n->db, "BEGIN IMMEDIATE", &n->begin, err);
    if (rc == 0)
        rc = store_sq_prepare_persistent(n->db, "COMMIT", &n->commit, err);
    if (rc == 0)
        rc = store_sq_prepare_persistent(n->db, live_sql, &n->live, err);
    if (rc == 0)
        rc = store_sq_prepare_persistent(n->db, use_sql, &n->use, err);
    if (rc == 0)
        rc = store_sq_prepare_persistent(n->db, purge_slice_sql, &n->purge_slice, err);
    if (rc == 0)
        rc = store_sq_prepare_persistent(n->db, purge_all_sql, &n->purge_all, err);
    if (rc)
        goto out;
    if (st->nonce_table_mb > 0 && (rc = open_table(st, n, path, err)) != 0)
        goto out;
    if (store_sq_checkpointer_start(path, NULL, NULL, &n->ckpt, NULL) == 0)
        store_sq_checkpointer_attach(n->ckpt, n->db);
    else
        log_warn("job store: no background checkpoint thread for nonces; checkpointing inline");
    *out = n;
out:
    free(path);
    if (rc)
        store_sq_nonces_close(n);
    return rc;
}

void store_sq_nonces_close(sq_nonces *n) {
    if (!n)
        return;
    sqlite3_finalize(n->begin);
    sqlite3_finalize(n->commit);
    sqlite3_finalize(n->live);
    sqlite3_finalize(n->use);
    sqlite3_finalize(n->purge_slice);
    sqlite3_finalize(n->purge_all);
    sqlite3_close(n->db);
    store_sq_checkpointer_stop(n->ckpt);
    store_nonce_table_close(n->table);
    pthread_mutex_destroy(&n->mu);
    free(n);
}

/* Steps a statement without results once. Returns 0 or RC_EDB. */
static int step_once(sq_nonces *n, sqlite3_stmt *s, const char *what, rc_error *err) {
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sq_fail(n->db, what, err);
    sqlite3_reset(s);
    return rc ? RC_EDB : 0;
}

/* Deletes about limit rows of the epochs that ended before now (limit <= 0: all of them). Caller
 * holds mu. Returns 0 or RC_EDB. */
static int purge_locked(sq_nonces *n, int64_t now, int limit, rc_error *err) {
    int rc = 0, deleted = 0;
    if (limit > 0) {
        sqlite3_bind_int64(n->purge_slice, 1, now / NONCE_EPOCH_S);
        sqlite3_bind_int(n->purge_slice, 2, limit);
        if (sqlite3_step(n->purge_slice) != SQLITE_DONE)
            rc = store_sq_fail(n->db, "purge nonces", err);
        else
            deleted = sqlite3_changes(n->db);
        sqlite3_reset(n->purge_slice);
    }
    if (rc == 0 && deleted == 0) { /* fewer than limit expired rows: take them all */
        sqlite3_bind_int64(n->purge_all, 1, now / NONCE_EPOCH_S);
        if (sqlite3_step(n->purge_all) != SQLITE_DONE)
            rc = store_sq_fail(n->db, "purge nonces", err);
        sqlite3_reset(n->purge_all);
    }
    return rc ? RC_EDB : 0;
}

/* Records the nonce in the database (the spill path of the table, or the only one). */
static int db_use(sq_nonces *n, const char *access_key_id, const char *nonce, int64_t now,
                  int64_t expires_at, rc_error *err) {
    int rc = 0;
    int64_t epoch = expires_at / NONCE_EPOCH_S, first = now / NONCE_EPOCH_S;
    int64_t last = (now + STORE_NONCE_MAX_TTL_S) / NONCE_EPOCH_S;
    pthread_mutex_lock(&n->mu);
    /* A live record lies in an epoch from first to last (expires_at - now <= the TTL); the upsert
     * covers the new record's own epoch. One already expired is checked, not kept. */
    int keep = expires_at > now;
    rc = step_once(n, n->begin, "begin nonce transaction", err);
    for (int64_t e = first; rc == 0 && e <= last; e++) {
        if (keep && e == epoch)
            continue;
        sqlite3_bind_int64(n->live, 1, e);
        sqlite3_bind_text(n->live, 2, access_key_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(n->live, 3, nonce, -1, SQLITE_STATIC);
        sqlite3_bind_int64(n->live, 4, now);
        int step = sqlite3_step(n->live);
        sqlite3_reset(n->live);
        if (step == SQLITE_ROW)
            rc = RC_EEXIST;
        else if (step != SQLITE_DONE)
            rc = store_sq_fail(n->db, "look a nonce up", err);
    }
    if (rc == 0 && keep) {
        sqlite3_stmt *s = n->use;
        sqlite3_bind_int64(s, 1, epoch);
        sqlite3_bind_text(s, 2, access_key_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, nonce, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, expires_at);
        sqlite3_bind_int64(s, 5, now);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_sq_fail(n->db, "record nonce", err);
        else
            rc = sqlite3_changes(n->db) == 1 ? 0 : RC_EEXIST;
        sqlite3_reset(s);
    }
    if (rc == 0 || rc == RC_EEXIST) {
        int crc = step_once(n, n->commit, "commit nonce", err);
        if (crc)
            rc = crc;
    }
    store_sq_rollback(n->db);
    if (rc != RC_EDB && ++n->uses % NONCE_PURGE_EVERY == 0 &&
        purge_locked(n, now, NONCE_PURGE_SLICE, NULL))
        log_warn("job store: purging expired nonces failed");
    pthread_mutex_unlock(&n->mu);
    return rc == RC_EEXIST || rc == 0 ? rc : RC_EDB;
}

typedef struct {
    sq_nonces *n;
    const char *access_key_id, *nonce;
    int64_t now, expires_at;
    rc_error *err;
} spill_args;

static int spill(void *ctx) {
    spill_args *a = ctx;
    return db_use(a->n, a->access_key_id, a->nonce, a->now, a->expires_at, a->err);
}

int store_sq_nonces_use(sq_nonces *n, const char *access_key_id, const char *nonce, int64_t now,
                        int64_t expires_at, rc_error *err) {
    if (expires_at - now > STORE_NONCE_MAX_TTL_S)
        return rc_fail(err, RC_EINVAL, "InternalError",
                       "job store: invalid nonce expiry (more than %d s ahead)",
                       STORE_NONCE_MAX_TTL_S);
    if (!n->table)
        return db_use(n, access_key_id, nonce, now, expires_at, err);
    unsigned char key[STORE_NONCE_KEY_LEN];
    if (store_nonce_table_key(access_key_id, nonce, key))
        return rc_fail(err, RC_EDB, "InternalError", "job store: cannot hash a nonce");
    spill_args a = {n, access_key_id, nonce, now, expires_at, err};
    int rc = store_nonce_table_use(n->table, key, now, expires_at, spill, &a);
    if (rc == RC_EINTERNAL)
        return rc_fail(err, RC_EDB, "InternalError", "job store: nonce table lock failed");
    return rc;
}

int store_sq_nonces_purge(sq_nonces *n, int64_t now, rc_error *err) {
    pthread_mutex_lock(&n->mu);
    int rc = purge_locked(n, now, 0, err);
    pthread_mutex_unlock(&n->mu);
    return rc;
}

int store_sq_nonces_clear(sq_nonces *n, rc_error *err) {
    pthread_mutex_lock(&n->mu);
    int rc = store_sq_exec(n->db, "DELETE FROM nonces", err);
    pthread_mutex_unlock(&n->mu);
    if (rc == 0 && n->table && store_nonce_table_clear(n->table))
        rc = rc_fail(err, RC_EDB, "InternalError", "job store: nonce table lock failed");
    return rc;
}
