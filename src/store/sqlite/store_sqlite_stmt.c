/* store_sqlite_stmt: prepared statements kept per pooled SQLite connection, so the hot paths
 * (nonce, job get/insert, queue count) do not parse their SQL on every request - parsing was 28 %
 * of a GetSmartHandleJob in the API benchmark (bench/api/README.md). */
#include <stdatomic.h>
#include <stdlib.h>

#include "store/sqlite/store_sqlite_int.h"

#define SQ_CACHE_MAX 24

/* One statement, keyed by the address of its SQL text (callers pass string literals). */
typedef struct sq_cached {
    const char *sql;
    sqlite3_stmt *stmt;
    int in_use;
} sq_cached;

/* The statements of one connection; only the thread holding the connection touches it. */
typedef struct sq_conn {
    sqlite3 *db;
    sq_cached cache[SQ_CACHE_MAX];
    int n;
} sq_conn;

struct sq_stmt_cache {
    int slots;
    /* filled once per opened connection (callers serialise) and read without a lock, hence atomic
     */
    _Atomic(sq_conn *) *conns;
};

sq_stmt_cache *store_sq_stmt_cache_new(int slots) {
    sq_stmt_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->slots = slots;
    c->conns = calloc((size_t)slots, sizeof(*c->conns));
    if (!c->conns) {
        free(c);
        return NULL;
    }
    for (int i = 0; i < slots; i++)
        atomic_init(&c->conns[i], NULL);
    return c;
}

int store_sq_stmt_cache_add(sq_stmt_cache *c, sqlite3 *db) {
    sq_conn *conn = calloc(1, sizeof(*conn));
    if (!conn)
        return RC_ENOMEM;
    conn->db = db;
    for (int i = 0; i < c->slots; i++) {
        if (!atomic_load(&c->conns[i])) {
            atomic_store(&c->conns[i], conn);
            return 0;
        }
    }
    free(conn);
    return RC_ENOMEM;
}

void store_sq_stmt_cache_free(sq_stmt_cache *c) {
    if (!c)
        return;
    for (int i = 0; i < c->slots; i++)
        free(atomic_load(&c->conns[i]));
    free(c->conns);
    free(c);
}

static sq_conn *conn_of(store *st, sqlite3 *db) {
    sq_stmt_cache *c = store_sq_stmt_cache_of(st);
    for (int i = 0; c && i < c->slots; i++) {
        sq_conn *conn = atomic_load(&c->conns[i]);
        if (conn && conn->db == db)
            return conn;
    }
    return NULL;
}

int store_sq_prepare_cached(store *st, sqlite3 *db, const char *sql, sqlite3_stmt **stmt,
                            rc_error *err) {
    sq_conn *c = conn_of(st, db);
    *stmt = NULL;
    for (int i = 0; c && i < c->n; i++) {
        if (c->cache[i].sql == sql && !c->cache[i].in_use) {
            c->cache[i].in_use = 1;
            *stmt = c->cache[i].stmt;
            return 0;
        }
    }
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK) {
        store_sq_fail(db, "prepare", err);
        sqlite3_finalize(*stmt);
        *stmt = NULL;
        return RC_EDB;
    }
    if (c && c->n < SQ_CACHE_MAX)
        c->cache[c->n++] = (sq_cached){sql, *stmt, 1};
    return 0;
}

void store_sq_release(store *st, sqlite3 *db, sqlite3_stmt *stmt) {
    if (!stmt)
        return;
    sq_conn *c = conn_of(st, db);
    for (int i = 0; c && i < c->n; i++) {
        if (c->cache[i].stmt == stmt) {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
            c->cache[i].in_use = 0;
            return;
        }
    }
    sqlite3_finalize(stmt);
}
