/* store_sqlite_jobs: jobs in SQLite - submit with client token, claim with leases, finish + outbox.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/store_sqlite_int.h"

/* Fills job from the current row of a STORE_JOB_SELECT_* statement. Returns 0 or RC_ENOMEM. */
static int read_job(sqlite3_stmt *stmt, store_job *job) {
    int oom = 0;
    memset(job, 0, sizeof(*job));
    store_sq_column_copy(stmt, 0, job->job_id, sizeof(job->job_id));
    job->user_id = (uint64_t)sqlite3_column_int64(stmt, 1);
    job->type = store_sq_column_dup(stmt, 2, &oom);
    job->state = store_job_state_from((const char *)sqlite3_column_text(stmt, 3));
    job->progress = sqlite3_column_int(stmt, 4);
    job->input_config = store_sq_column_dup(stmt, 5, &oom);
    job->job_params = store_sq_column_dup(stmt, 6, &oom);
    job->output_config = store_sq_column_dup(stmt, 7, &oom);
    job->user_data = store_sq_column_dup(stmt, 8, &oom);
    job->input_file = store_sq_column_dup(stmt, 9, &oom);
    job->output_bucket = store_sq_column_dup(stmt, 10, &oom);
    job->output_object = store_sq_column_dup(stmt, 11, &oom);
    job->title = store_sq_column_dup(stmt, 12, &oom);
    job->notify_address = store_sq_column_dup(stmt, 13, &oom);
    job->ai_result = store_sq_column_dup(stmt, 14, &oom);
    job->media_url = store_sq_column_dup(stmt, 15, &oom);
    job->media_id = store_sq_column_dup(stmt, 16, &oom);
    job->error_code = store_sq_column_dup(stmt, 17, &oom);
    job->error_message = store_sq_column_dup(stmt, 18, &oom);
    job->create_time = sqlite3_column_int64(stmt, 19);
    job->modified_time = sqlite3_column_int64(stmt, 20);
    job->finish_time = sqlite3_column_int64(stmt, 21);
    job->attempts = sqlite3_column_int(stmt, 22);
    job->lease_owner = store_sq_column_dup(stmt, 23, &oom);
    job->lease_expires_ms = sqlite3_column_int64(stmt, 24);
    job->notify_state = store_notify_state_from((const char *)sqlite3_column_text(stmt, 25));
    job->notify_error = store_sq_column_dup(stmt, 26, &oom);
    if (oom) {
        store_job_free(job);
        return RC_ENOMEM;
    }
    return 0;
}

/* Reads one job by id on an open connection (inside or outside a transaction). */
static int get_job(store *st, sqlite3 *db, const char *job_id, int scoped, uint64_t user_id,
                   store_job *out, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc =
        store_sq_prepare_cached(st, db,
                                scoped ? STORE_JOB_SELECT_FULL "WHERE j.job_id=?1 AND j.user_id=?2"
                                       : STORE_JOB_SELECT_FULL "WHERE j.job_id=?1",
                                &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, job_id);
    if (scoped)
        sqlite3_bind_int64(stmt, 2, (int64_t)user_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        rc = read_job(stmt, out);
    else if (step == SQLITE_DONE)
        rc = RC_ENOENT;
    else
        rc = store_sq_fail(db, "read job", err);
    store_sq_release(st, db, stmt);
    return rc;
}

/* After an owner-checked UPDATE changed nothing: RC_ENOENT if the row is gone, else RC_ECANCELED.
 */
static int not_owned(sqlite3 *db, const char *sql_exists, const char *id, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db, sql_exists, &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        rc = RC_ECANCELED;
    else if (step == SQLITE_DONE)
        rc = RC_ENOENT;
    else
        rc = store_sq_fail(db, "read job", err);
    sqlite3_finalize(stmt);
    return rc;
}

/* Runs an owner-checked single-row UPDATE of a job: binds ?1 job_id, ?2 owner, ?3 value. */
static int owned_update(store *st, const char *sql, const char *job_id, const char *owner,
                        int64_t value, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db, sql, &stmt, err);
    if (rc)
        goto out;
    store_sq_bind_text(stmt, 1, job_id);
    store_sq_bind_text(stmt, 2, owner);
    sqlite3_bind_int64(stmt, 3, value);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "update job", err);
        goto out;
    }
    if (sqlite3_changes(db) == 0)
        rc = not_owned(db, "SELECT 1 FROM jobs WHERE job_id=?1", job_id, err);
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

int store_sq_job_get(store *st, const char *job_id, int scoped, uint64_t user_id, store_job *out,
                     rc_error *err) {
    sq_reader r;
    int rc = store_sq_reader_get(st, &r, err);
    if (rc)
        return rc;
    rc = get_job(st, r.db, job_id, scoped, user_id, out, err);
    store_sq_reader_put(st, &r, rc == 0 || rc == RC_ENOENT);
    return rc;
}

static int insert_job(store *st, sqlite3 *db, const store_job *job, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    char title[64];
    int64_t created = job->create_time > 0 ? job->create_time : store_now_s(st);
    int rc = store_sq_prepare_cached(
        st, db,
        "INSERT INTO jobs(job_id, user_id, type, state, progress, input_config, job_params,"
        " output_config, user_data, input_file, output_bucket, output_object, title,"
        " notify_address, create_time, modified_time, attempts)"
        " VALUES(?1, ?2, ?3, 'Created', 0, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, 0)",
        &stmt, err);
    if (rc)
        return rc;
    store_default_title(created, title, sizeof(title));
    store_sq_bind_text(stmt, 1, job->job_id);
    sqlite3_bind_int64(stmt, 2, (int64_t)job->user_id);
    store_sq_bind_text(stmt, 3, job->type);
    store_sq_bind_text(stmt, 4, job->input_config);
    store_sq_bind_text(stmt, 5, job->job_params);
    store_sq_bind_text(stmt, 6, job->output_config);
    store_sq_bind_text(stmt, 7, job->user_data);
    store_sq_bind_text(stmt, 8, job->input_file);
    store_sq_bind_text(stmt, 9, job->output_bucket);
    store_sq_bind_text(stmt, 10, job->output_object);
    store_sq_bind_text(stmt, 11, job->title ? job->title : title);
    store_sq_bind_text(stmt, 12,
                       job->notify_address && *job->notify_address ? job->notify_address : NULL);
    sqlite3_bind_int64(stmt, 13, created);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "insert job", err);
        if (rc == RC_EEXIST)
            store_job_exists(err, job->job_id);
    }
    store_sq_release(st, db, stmt);
    return rc;
}

static int count_unfinished(store *st, sqlite3 *db, int64_t *n, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare_cached(
        st, db,
        "SELECT coalesce(sum(n), 0) FROM job_counts WHERE state IN ('Created', 'Executing')", &stmt,
        err);
    if (rc)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *n = sqlite3_column_int64(stmt, 0);
    else
        rc = store_sq_fail(db, "count jobs", err);
    store_sq_release(st, db, stmt);
    return rc;
}

/* One submission inside an open write transaction. *unfinished is the number of Created and
 * Executing jobs, read on first need (-1: not yet) and kept up to date for the next submission of
 * the same transaction. A failure leaves nothing written when tok is NULL (one statement); with a
 * token, the caller undoes a half-written submission with a savepoint. */
static int submit_locked(store *st, sqlite3 *db, const store_job *job,
                         const store_client_token *tok, int64_t max_unfinished, int64_t *unfinished,
                         char *existing_id, enum store_submit_outcome *outcome, rc_error *err) {
    *outcome = STORE_SUBMIT_CREATED;
    int rc;
    if (tok) {
        rc = store_sq_token_check(st, db, tok, existing_id, outcome, err);
        if (rc == 1) /* an earlier submission answers this one; nothing to write */
            return 0;
        if (rc)
            return rc;
    }
    if (max_unfinished > 0) {
        if (*unfinished < 0 && (rc = count_unfinished(st, db, unfinished, err)) != 0)
            return rc;
        if (*unfinished >= max_unfinished)
            return store_throttled(err);
    }
    rc = insert_job(st, db, job, err);
    if (rc == 0 && tok)
        rc = store_sq_token_record(st, db, tok, job->job_id, err);
    if (rc == 0 && *unfinished >= 0)
        (*unfinished)++;
    return rc;
}

/* Runs one of the savepoint statements through the statement cache. */
static int savepoint_step(store *st, sqlite3 *db, const char *sql, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare_cached(st, db, sql, &stmt, err);
    if (rc)
        return rc;
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "savepoint", err);
    store_sq_release(st, db, stmt);
    return rc;
}

static void fail_all(store_submit_req **reqs, size_t n, int rc, const rc_error *err) {
    for (size_t i = 0; i < n; i++) {
        reqs[i]->rc = rc;
        reqs[i]->err = *err;
    }
}

void store_sq_job_submit_batch(store *st, store_submit_req **reqs, size_t n) {
    static const char sp_begin[] = "SAVEPOINT submit", sp_undo[] = "ROLLBACK TO submit",
                      sp_end[] = "RELEASE submit";
    sqlite3 *db;
    rc_error err = {0};
    int64_t unfinished = -1;
    int rc = store_sq_get_writer(st, &db, &err);
    if (rc) {
        fail_all(reqs, n, rc, &err);
        return;
    }
    rc = store_sq_begin_write(db, &err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        store_submit_req *r = reqs[i];
        /* with a token a submission writes twice: a savepoint undoes half of it */
        if (r->tok && (rc = savepoint_step(st, db, sp_begin, &err)) != 0)
            break;
        r->rc = submit_locked(st, db, r->job, r->tok, r->max_unfinished, &unfinished,
                              r->existing_id, &r->outcome, &r->err);
        if (sqlite3_get_autocommit(db)) { /* SQLite rolled the whole transaction back */
            rc = r->rc ? r->rc : RC_EDB;
            err = r->err;
            break;
        }
        if (r->tok && r->rc)
            rc = savepoint_step(st, db, sp_undo, &err);
        if (r->tok && rc == 0)
            rc = savepoint_step(st, db, sp_end, &err);
    }
    if (rc == 0)
        rc = store_sq_commit(db, &err);
    if (rc) { /* nothing of this transaction was written */
        if (!err.message[0])
            rc_fail(&err, rc, "InternalError", "job store: submission batch rolled back");
        fail_all(reqs, n, rc, &err);
    }
    store_sq_put_writer(st, db);
}

int store_sq_job_submit(store *st, const store_job *job, const store_client_token *tok,
                        int64_t max_unfinished, char *existing_id,
                        enum store_submit_outcome *outcome, rc_error *err) {
    store_submit_req one = {.job = job, .tok = tok, .max_unfinished = max_unfinished};
    store_submit_req *reqs[] = {&one};
    store_sq_job_submit_batch(st, reqs, 1);
    *outcome = one.outcome;
    if (existing_id && one.outcome != STORE_SUBMIT_CREATED)
        memcpy(existing_id, one.existing_id, sizeof(one.existing_id));
    if (one.rc && err)
        *err = one.err;
    return one.rc;
}

/* ------------------------------------------------------------------ state machine primitives
 * (store.c drives them inside one write transaction; see store_backend.h) */

int store_sq_txn_begin(store *st, store_txn *txn, rc_error *err) {
    sqlite3 *db;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    txn->conn = db;
    return store_sq_begin_write(db, err);
}

int store_sq_txn_commit(store *st, store_txn *txn, rc_error *err) {
    (void)st;
    return store_sq_commit(txn->conn, err);
}

void store_sq_txn_end(store *st, store_txn *txn) {
    store_sq_put(st, txn->conn);
    txn->conn = NULL;
}

/* Inside BEGIN IMMEDIATE the database is locked for writing already: a read is enough. */
int store_sq_job_lock(store *st, store_txn *txn, const char *job_id, store_job *out,
                      rc_error *err) {
    return get_job(st, txn->conn, job_id, 0, 0, out, err);
}

int store_sq_job_write_final(store *st, store_txn *txn, const char *job_id,
                             const store_job_result *res, int64_t now_s, rc_error *err) {
    (void)st;
    sqlite3 *db = txn->conn;
    sqlite3_stmt *stmt = NULL;
    int finished = res->state == STORE_JOB_FINISHED;
    int rc = store_sq_prepare(db,
                              "UPDATE jobs SET state=?2, progress=CASE WHEN ?2='Finished' THEN 100"
                              " ELSE progress END, ai_result=?3, media_url=?4, media_id=?5,"
                              " error_code=?6, error_message=?7, modified_time=?8, finish_time=?8,"
                              " lease_owner=NULL, lease_expires_ms=0 WHERE job_id=?1",
                              &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, job_id);
    store_sq_bind_text(stmt, 2, store_job_state_name(res->state));
    store_sq_bind_text(stmt, 3, finished ? res->ai_result : NULL);
    store_sq_bind_text(stmt, 4, finished ? res->media_url : NULL);
    store_sq_bind_text(stmt, 5, finished ? res->media_id : NULL);
    store_sq_bind_text(stmt, 6, finished ? NULL : res->error_code);
    store_sq_bind_text(stmt, 7, finished ? NULL : res->error_message);
    sqlite3_bind_int64(stmt, 8, now_s);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "finish job", err);
    sqlite3_finalize(stmt);
    return rc;
}

int store_sq_attempt_record(store *st, store_txn *txn, const char *job_id, int attempt,
                            const char *owner, const char *outcome, int64_t now_ms, rc_error *err) {
    (void)st;
    sqlite3 *db = txn->conn;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db,
                              outcome ? "UPDATE job_attempts SET outcome=?4, ended_ms=?3 WHERE"
                                        " job_id=?1 AND attempt=?5 AND owner=?2 AND"
                                        " outcome IS NULL"
                                      : "INSERT INTO job_attempts(job_id, attempt, owner,"
                                        " started_ms) VALUES(?1, ?5, ?2, ?3)",
                              &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, job_id);
    store_sq_bind_text(stmt, 2, owner);
    sqlite3_bind_int64(stmt, 3, now_ms);
    if (outcome)
        store_sq_bind_text(stmt, 4, outcome);
    sqlite3_bind_int(stmt, 5, attempt);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "record the attempt", err);
    sqlite3_finalize(stmt);
    return rc;
}

int store_sq_outbox_insert(store *st, store_txn *txn, const char *job_id, const char *target,
                           const char *body, int64_t event_time, int64_t next_attempt_ms,
                           rc_error *err) {
    (void)st;
    sqlite3 *db = txn->conn;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db,
                              "INSERT INTO outbox(job_id, target, body, event_time, attempts,"
                              " next_attempt_ms, state) VALUES(?1, ?2, ?3, ?4, 0, ?5, 'Pending')"
                              " ON CONFLICT(job_id) DO NOTHING",
                              &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, job_id);
    store_sq_bind_text(stmt, 2, target);
    store_sq_bind_text(stmt, 3, body);
    sqlite3_bind_int64(stmt, 4, event_time);
    sqlite3_bind_int64(stmt, 5, next_attempt_ms);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "queue callback", err);
    sqlite3_finalize(stmt);
    return rc;
}

int store_sq_job_next_claimable(store *st, store_txn *txn, int64_t now_ms, char *job_id,
                                int *attempts, rc_error *err) {
    (void)st;
    sqlite3 *db = txn->conn;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db,
                              "SELECT job_id, attempts, create_time FROM jobs WHERE state='Created'"
                              " UNION ALL SELECT job_id, attempts, create_time FROM jobs"
                              " WHERE state='Executing' AND lease_expires_ms<=?1"
                              " ORDER BY create_time, job_id LIMIT 1",
                              &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, now_ms);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        store_sq_column_copy(stmt, 0, job_id, STORE_ID_LEN + 1);
        *attempts = sqlite3_column_int(stmt, 1);
        rc = 1;
    } else if (step != SQLITE_DONE) {
        rc = store_sq_fail(db, "find claimable job", err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int store_sq_job_take(store *st, store_txn *txn, const char *job_id, const char *owner,
                      int64_t lease_expires_ms, int64_t now_s, store_job *out, rc_error *err) {
    sqlite3 *db = txn->conn;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db,
                              "UPDATE jobs SET attempts=attempts+1, progress=0, lease_owner=?2,"
                              " lease_expires_ms=?3, modified_time=CASE WHEN state='Created' THEN"
                              " ?4 ELSE modified_time END, state='Executing' WHERE job_id=?1",
                              &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, job_id);
    store_sq_bind_text(stmt, 2, owner);
    sqlite3_bind_int64(stmt, 3, lease_expires_ms);
    sqlite3_bind_int64(stmt, 4, now_s);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "claim job", err);
    sqlite3_finalize(stmt);
    return rc ? rc : get_job(st, db, job_id, 0, 0, out, err);
}

int store_sq_job_heartbeat(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                           rc_error *err) {
    return owned_update(st,
                        "UPDATE jobs SET lease_expires_ms=?3 WHERE job_id=?1 AND"
                        " state='Executing' AND lease_owner=?2",
                        job_id, owner, store_now_ms(st) + lease_ms, err);
}

int store_sq_job_progress(store *st, const char *job_id, const char *owner, int progress,
                          rc_error *err) {
    return owned_update(st,
                        "UPDATE jobs SET progress=max(progress, ?3) WHERE job_id=?1 AND"
                        " state='Executing' AND lease_owner=?2",
                        job_id, owner, progress, err);
}

int store_sq_job_release(store *st, const char *job_id, const char *owner, rc_error *err) {
    return owned_update(st,
                        "UPDATE jobs SET lease_owner=NULL, lease_expires_ms=?3,"
                        " attempts=max(attempts-1, 0) WHERE job_id=?1 AND state='Executing' AND"
                        " lease_owner=?2",
                        job_id, owner, 0, err);
}

int store_sq_job_count(store *st, int64_t *counts, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    memset(counts, 0, sizeof(int64_t) * STORE_JOB_STATE_COUNT);
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db, "SELECT state, n FROM job_counts", &stmt, err);
    if (rc)
        goto out;
    int step = sqlite3_step(stmt);
    for (; step == SQLITE_ROW; step = sqlite3_step(stmt)) {
        enum store_job_state s;
        if (store_job_state_parse((const char *)sqlite3_column_text(stmt, 0), &s) == 0)
            counts[s] = sqlite3_column_int64(stmt, 1);
    }
    if (step != SQLITE_DONE)
        rc = store_sq_fail(db, "count jobs", err);
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

static void bind_list_filters(sqlite3_stmt *stmt, const store_job_query *q) {
    store_sq_bind_int64_named(stmt, ":uid", (int64_t)q->user_id);
    store_sq_bind_text_named(stmt, ":state", q->has_state ? store_job_state_name(q->state) : NULL);
    store_sq_bind_text_named(stmt, ":type", q->type);
}

int store_sq_job_list(store *st, const store_job_query *q, store_job_page *page, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    char where[256], sql[2048];
    int asc = q->sort == STORE_SORT_ASC;
    int64_t limit = q->page_size, offset = 0;
    if (!q->has_cursor)
        offset = q->page_no - 1 > INT64_MAX / limit ? INT64_MAX : (q->page_no - 1) * limit;
    snprintf(where, sizeof(where), "WHERE j.user_id=:uid%s%s",
             q->has_state ? " AND j.state=:state" : "", q->type ? " AND j.type=:type" : "");
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_begin_read(db, err); /* count and page from one snapshot */
    if (rc)
        goto out;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs j %s", where);
    rc = store_sq_prepare(db, sql, &stmt, err);
    if (rc)
        goto out;
    bind_list_filters(stmt, q);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_sq_fail(db, "count jobs", err);
        goto out;
    }
    page->total = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = NULL;

    snprintf(sql, sizeof(sql),
             STORE_JOB_SELECT_BRIEF "%s%s ORDER BY j.create_time %s, j.job_id %s"
                                    " LIMIT :lim OFFSET :off",
             where,
             !q->has_cursor ? ""
             : asc          ? " AND (j.create_time>:t OR (j.create_time=:t AND j.job_id>:id))"
                            : " AND (j.create_time<:t OR (j.create_time=:t AND j.job_id<:id))",
             asc ? "ASC" : "DESC", asc ? "ASC" : "DESC");
    rc = store_sq_prepare(db, sql, &stmt, err);
    if (rc)
        goto out;
    bind_list_filters(stmt, q);
    store_sq_bind_int64_named(stmt, ":t", q->after_time);
    store_sq_bind_text_named(stmt, ":id", q->has_cursor ? q->after_id : NULL);
    store_sq_bind_int64_named(stmt, ":lim", limit + 1); /* one more tells whether rows follow */
    store_sq_bind_int64_named(stmt, ":off", offset);
    page->jobs = calloc((size_t)(limit < 100 ? limit : 100), sizeof(store_job));
    size_t cap = (size_t)(limit < 100 ? limit : 100);
    if (!page->jobs) {
        rc = rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
        goto out;
    }
    int step = sqlite3_step(stmt);
    for (; step == SQLITE_ROW; step = sqlite3_step(stmt)) {
        if ((int64_t)page->count == limit) {
            page->has_more = 1;
            break;
        }
        if (page->count == cap) {
            store_job *bigger = realloc(page->jobs, cap * 2 * sizeof(store_job));
            if (!bigger) {
                rc = rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
                goto out;
            }
            page->jobs = bigger;
            cap *= 2;
        }
        rc = read_job(stmt, &page->jobs[page->count]);
        if (rc)
            goto out;
        page->count++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = store_sq_fail(db, "list jobs", err);
        goto out;
    }
    store_page_set_cursor(page);
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    if (rc)
        store_job_page_free(page);
    return rc;
}
