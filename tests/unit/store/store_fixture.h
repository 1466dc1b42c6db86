/* store_fixture: a fresh real store per test (SQLite file in a temp dir, or a new database on a
 * throwaway PostgreSQL server) with a pinned, movable clock (tests only). */
#ifndef REELCUT_TEST_STORE_FIXTURE_H
#define REELCUT_TEST_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/store.h"

#define FIX_T0_MS 1764000000000LL /* 2025-11-24T16:00:00Z */
#define LEASE_MS 30000
#define USER 1000

/* A PostgreSQL server for the whole test program (test_store_pg.c); dir is "" when none. */
typedef struct fixture_pg_server {
    char dir[64];    /* holds data/, the socket and the log */
    char admin[160]; /* conninfo of the maintenance database */
    int next_db;
} fixture_pg_server;

typedef struct fixture {
    char dir[64];
    char path[128];        /* SQLite file */
    char url[256];         /* what store_open gets */
    char pg_conninfo[256]; /* PostgreSQL: libpq conninfo of this test's database */
    _Atomic int64_t now_ms;
    store *st;
} fixture;

static inline int64_t fixture_clock(void *ctx) {
    fixture *f = ctx;
    return atomic_load(&f->now_ms);
}

static inline void fixture_advance(fixture *f, int64_t ms) {
    atomic_fetch_add(&f->now_ms, ms);
}

static inline void fixture_open(fixture *f) {
    store_options o = {.clock_ms = fixture_clock, .clock_ctx = f};
    rc_error err = {0};
    int rc = store_open(f->url, &o, &f->st, &err);
    if (rc)
        fprintf(stderr, "store_open: %s\n", err.message);
    assert_int_equal(rc, 0);
}

static inline fixture *fixture_new(void) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/reelcut-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    atomic_init(&f->now_ms, FIX_T0_MS);
    return f;
}

/* SQLite: a new file per test. */
static inline int fixture_setup(void **state) {
    fixture *f = fixture_new();
    snprintf(f->path, sizeof(f->path), "%s/reelcut.db", f->dir);
    snprintf(f->url, sizeof(f->url), "%s", f->path);
    fixture_open(f);
    *state = f;
    return 0;
}

static inline int fixture_teardown(void **state) {
    fixture *f = *state;
    char cmd[128];
    if (!f)
        return 0;
    store_close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Runs one SQL command on a PostgreSQL database; fails the test on error. */
static inline void fixture_pg_exec(const char *conninfo, const char *sql) {
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
    PQfinish(c);
}

/* PostgreSQL: a new database per test on the program's server (passed as the group state). */
static inline int fixture_setup_pg_on(fixture_pg_server *srv, void **state) {
    assert_true(srv->dir[0] != '\0'); /* main runs these only with a server */
    fixture *f = fixture_new();
    char sql[64];
    int n = ++srv->next_db;
    snprintf(sql, sizeof(sql), "CREATE DATABASE reelcut_t%d", n);
    fixture_pg_exec(srv->admin, sql);
    snprintf(f->pg_conninfo, sizeof(f->pg_conninfo),
             "host=%s port=5432 user=postgres dbname=reelcut_t%d", srv->dir, n);
    snprintf(f->url, sizeof(f->url), "postgresql:///reelcut_t%d?host=%s&port=5432&user=postgres", n,
             srv->dir);
    fixture_open(f);
    *state = f;
    return 0;
}

/* Rows and version of schema_version, read behind the store's back. */
static inline int fixture_schema_version(fixture *f, int *version) {
    int rows = -1;
    if (f->pg_conninfo[0]) {
        PGconn *c = PQconnectdb(f->pg_conninfo);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, "SELECT count(*), max(version) FROM schema_version");
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        rows = atoi(PQgetvalue(r, 0, 0));
        *version = atoi(PQgetvalue(r, 0, 1));
        PQclear(r);
        PQfinish(c);
        return rows;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(version) FROM schema_version", -1,
                                        &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    rows = sqlite3_column_int(stmt, 0);
    *version = sqlite3_column_int(stmt, 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
}

static inline void fixture_set_schema_version(fixture *f, int version) {
    char sql[64];
    snprintf(sql, sizeof(sql), "UPDATE schema_version SET version=%d", version);
    if (f->pg_conninfo[0]) {
        fixture_pg_exec(f->pg_conninfo, sql);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Job id n as 32 hex digits (ordered by n). */
static inline void fixture_id(int n, char out[STORE_ID_LEN + 1]) {
    snprintf(out, STORE_ID_LEN + 1, "%032x", n);
}

/* Submits a minimal job n for user; returns the store rc. */
static inline int fixture_submit(fixture *f, int n, uint64_t user, const char *type,
                                 const char *notify_address) {
    store_job job = {0};
    enum store_submit_outcome outcome;
    fixture_id(n, job.job_id);
    job.user_id = user;
    job.type = (char *)type;
    job.input_config = "{\"Type\":\"OSS\",\"Media\":\"oss://in/a.mp4\"}";
    job.user_data = notify_address ? "{\"NotifyAddress\":\"http://127.0.0.1:9/cb\"}" : NULL;
    job.input_file = "oss://in/a.mp4";
    job.notify_address = (char *)notify_address;
    return store_job_submit(f->st, &job, NULL, 0, NULL, &outcome, NULL);
}

#endif
