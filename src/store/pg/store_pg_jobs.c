/* store_pg_jobs: jobs in PostgreSQL - submit with client token, SKIP LOCKED claims, finish +
 * outbox. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/store_pg_int.h"

#define UNFINISHED_LOCK_KEY 0x7265656c63757402LL /* serialises the queue-capacity check */
#define CAPACITY_MARGIN 64

static int read_job(PGresult *r, int row, store_job *job) {
    int oom = 0;
    memset(job, 0, sizeof(*job));
    store_pg_copy(r, row, 0, job->job_id, sizeof(job->job_id));
    job->user_id = (uint64_t)store_pg_int_at(r, row, 1);
    job->type = store_pg_dup(r, row, 2, &oom);
    job->state = store_job_state_from(store_pg_str(r, row, 3));
    job->progress = (int)store_pg_int_at(r, row, 4);
    char **text[] = {&job->input_config,  &job->job_params,   &job->output_config,
                     &job->user_data,     &job->input_file,   &job->output_bucket,
                     &job->output_object, &job->title,        &job->notify_address,
                     &job->ai_result,     &job->media_url,    &job->media_id,
                     &job->error_code,    &job->error_message};
    for (int i = 0; i < (int)(sizeof(text) / sizeof(text[0])); i++)
        *text[i] = store_pg_dup(r, row, 5 + i, &oom);
    job->create_time = store_pg_int_at(r, row, 19);
    job->modified_time = store_pg_int_at(r, row, 20);
    job->finish_time = store_pg_int_at(r, row, 21);
    job->attempts = (int)store_pg_int_at(r, row, 22);
    job->lease_owner = store_pg_dup(r, row, 23, &oom);
    job->lease_expires_ms = store_pg_int_at(r, row, 24);
    job->notify_state = store_notify_state_from(store_pg_str(r, row, 25));
    job->notify_error = store_pg_dup(r, row, 26, &oom);
    if (oom) {
        store_job_free(job);
        return RC_ENOMEM;
    }
    return 0;
}

static int get_job(PGconn *conn, const char *job_id, int scoped, uint64_t user_id, store_job *out,
                   rc_error *err) {
    PGresult *res = NULL;
    store_pg_params p = {0};
    store_pg_text(&p, job_id);
    if (scoped)
        store_pg_int(&p, (int64_t)user_id);
    int rc = store_pg_exec(conn,
                           scoped ? STORE_JOB_SELECT_FULL "WHERE j.job_id=$1 AND j.user_id=$2"
                                  : STORE_JOB_SELECT_FULL "WHERE j.job_id=$1",
                           &p, &res, err);
    if (rc)
        return rc;
    rc = PQntuples(res) == 1 ? read_job(res, 0, out) : RC_ENOENT;
    PQclear(res);
    return rc;
}

int store_pg_job_get(store *st, const char *job_id, int scoped, uint64_t user_id, store_job *out,
                     rc_error *err) {
    PGconn *conn;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = get_job(conn, job_id, scoped, user_id, out, err);
    store_pg_put(st, conn);
    return rc;
}

/* An owner-checked single-row UPDATE: $1 job_id, $2 owner, $3 value. */
static int owned_update(store *st, const char *sql, const char *job_id, const char *owner,
                        int64_t value, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    store_pg_params p = {0};
    store_pg_text(&p, job_id);
    store_pg_text(&p, owner);
    store_pg_int(&p, value);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_exec(conn, sql, &p, &res, err);
    if (rc == 0 && store_pg_changes(res) == 0) {
        PQclear(res);
        res = NULL;
        store_pg_params q = {0};
        store_pg_text(&q, job_id);
        rc = store_pg_exec(conn, "SELECT 1 FROM jobs WHERE job_id=$1", &q, &res, err);
        if (rc == 0)
            rc = PQntuples(res) ? RC_ECANCELED : RC_ENOENT;
    }
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}

static int insert_job(store *st, PGconn *conn, const store_job *job, rc_error *err) {
    store_pg_params p = {0};
    char title[64];
    int64_t created = job->create_time > 0 ? job->create_time : store_now_s(st);
    store_default_title(created, title, sizeof(title));
    store_pg_text(&p, job->job_id);
    store_pg_int(&p, (int64_t)job->user_id);
    store_pg_text(&p, job->type);
    store_pg_text(&p, job->input_config);
    store_pg_text(&p, job->job_params);
    store_pg_text(&p, job->output_config);
    store_pg_text(&p, job->user_data);
    store_pg_text(&p, job->input_file);
    store_pg_text(&p, job->output_bucket);
    store_pg_text(&p, job->output_object);
    store_pg_text(&p, job->title ? job->title : title);
    store_pg_text(&p, job->notify_address && *job->notify_address ? job->notify_address : NULL);
    store_pg_int(&p, created);
    int rc = store_pg_exec(
        conn,
        "INSERT INTO jobs(job_id, user_id, type, state, progress, input_config, job_params,"
        " output_config, user_data, input_file, output_bucket, output_object, title,"
        " notify_address, create_time, modified_time, attempts)"
        " VALUES($1, $2, $3, 'Created', 0, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 0)",
        &p, NULL, err);
    if (rc == RC_EEXIST)
        store_job_exists(err, job->job_id);
    return rc;
}

static int count_unfinished(PGconn *conn, int64_t *n, rc_error *err) {
    PGresult *res = NULL;
    int rc = store_pg_exec(
        conn, "SELECT count(*) FROM jobs WHERE state IN ('Created', 'Executing')", NULL, &res, err);
    if (rc == 0)
        *n = store_pg_int_at(res, 0, 0);
    PQclear(res);
    return rc;
}

/* RC_EBUSY (Throttling) if max_unfinished jobs are queued or running. Far from the limit the count
 * runs unlocked, so submissions do not queue behind each other; within CAPACITY_MARGIN of it
 * they take a transaction-scoped advisory lock and count again, which keeps the limit exact
 * unless more than CAPACITY_MARGIN submissions race at once. */
static int check_capacity(PGconn *conn, int64_t max_unfinished, rc_error *err) {
    int64_t n = 0;
    int rc = count_unfinished(conn, &n, err);
    if (rc == 0 && n + CAPACITY_MARGIN >= max_unfinished) {
        store_pg_params p = {0};
        store_pg_int(&p, UNFINISHED_LOCK_KEY);
        rc = store_pg_exec(conn, "SELECT pg_advisory_xact_lock($1)", &p, NULL, err);
        if (rc == 0)
            rc = count_unfinished(conn, &n, err);
    }
    if (rc == 0 && n >= max_unfinished)
        rc = store_throttled(err);
    return rc;
}

int store_pg_job_submit(store *st, const store_job *job, const store_client_token *tok,
                        int64_t max_unfinished, char *existing_id,
                        enum store_submit_outcome *outcome, rc_error *err) {
    PGconn *conn;
    *outcome = STORE_SUBMIT_CREATED;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_begin(conn, err);
    if (rc)
        goto out;
    if (tok) {
        rc = store_pg_token_claim(st, conn, tok, job->job_id, existing_id, outcome, err);
        if (rc == 1) { /* an earlier submission answers this one */
            rc = 0;
            goto out;
        }
        if (rc)
            goto out;
    }
    if (max_unfinished > 0) {
        rc = check_capacity(conn, max_unfinished, err);
        if (rc)
            goto out;
    }
    rc = insert_job(st, conn, job, err);
    if (rc == 0)
        rc = store_pg_commit(conn, err);
out:
    store_pg_put(st, conn); /* rolls back whatever was not committed */
    return rc;
}

/* ------------------------------------------------------------------ state machine primitives
 * (store.c drives them inside one transaction; see store_backend.h) */

int store_pg_txn_begin(store *st, store_txn *txn, rc_error *err) {
    PGconn *conn;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    txn->conn = conn;
    return store_pg_begin(conn, err);
}

int store_pg_txn_commit(store *st, store_txn *txn, rc_error *err) {
    (void)st;
    return store_pg_commit(txn->conn, err);
}

void store_pg_txn_end(store *st, store_txn *txn) {
    if (txn->conn)
        store_pg_put(st, txn->conn); /* rolls back whatever was not committed */
    txn->conn = NULL;
}

int store_pg_job_lock(store *st, store_txn *txn, const char *job_id, store_job *out,
                      rc_error *err) {
    (void)st;
    store_pg_params lock = {0};
    store_pg_text(&lock, job_id);
    int rc =
        store_pg_exec(txn->conn, "SELECT 1 FROM jobs WHERE job_id=$1 FOR UPDATE", &lock, NULL, err);
    return rc ? rc : get_job(txn->conn, job_id, 0, 0, out, err);
}

int store_pg_job_write_final(store *st, store_txn *txn, const char *job_id,
                             const store_job_result *res, int64_t now_s, rc_error *err) {
    (void)st;
    int finished = res->state == STORE_JOB_FINISHED;
    store_pg_params p = {0};
    store_pg_text(&p, job_id);
    store_pg_text(&p, store_job_state_name(res->state));
    store_pg_text(&p, finished ? res->ai_result : NULL);
    store_pg_text(&p, finished ? res->media_url : NULL);
    store_pg_text(&p, finished ? res->media_id : NULL);
    store_pg_text(&p, finished ? NULL : res->error_code);
    store_pg_text(&p, finished ? NULL : res->error_message);
    store_pg_int(&p, now_s);
    return store_pg_exec(txn->conn,
                         "UPDATE jobs SET state=$2, progress=CASE WHEN $2='Finished' THEN 100"
                         " ELSE progress END, ai_result=$3, media_url=$4, media_id=$5,"
                         " error_code=$6, error_message=$7, modified_time=$8, finish_time=$8,"
                         " lease_owner=NULL, lease_expires_ms=0 WHERE job_id=$1",
                         &p, NULL, err);
}

int store_pg_attempt_record(store *st, store_txn *txn, const char *job_id, int attempt,
                            const char *owner, const char *outcome, int64_t now_ms, rc_error *err) {
    (void)st;
    store_pg_params p = {0};
    store_pg_text(&p, job_id);
    store_pg_text(&p, owner);
    store_pg_int(&p, now_ms);
    store_pg_int(&p, attempt);
    if (outcome) {
        store_pg_text(&p, outcome);
        return store_pg_exec(txn->conn,
                             "UPDATE job_attempts SET outcome=$5, ended_ms=$3 WHERE job_id=$1"
                             " AND attempt=$4 AND owner=$2 AND outcome IS NULL",
                             &p, NULL, err);
    }
    return store_pg_exec(txn->conn,
                         "INSERT INTO job_attempts(job_id, attempt, owner, started_ms)"
                         " VALUES($1, $4, $2, $3)",
                         &p, NULL, err);
}

int store_pg_outbox_insert(store *st, store_txn *txn, const char *job_id, const char *target,
                           const char *body, int64_t event_time, int64_t next_attempt_ms,
                           rc_error *err) {
    (void)st;
    store_pg_params o = {0};
    store_pg_text(&o, job_id);
    store_pg_text(&o, target);
    store_pg_text(&o, body);
    store_pg_int(&o, event_time);
    store_pg_int(&o, next_attempt_ms);
    return store_pg_exec(txn->conn,
                         "INSERT INTO outbox(job_id, target, body, event_time, attempts,"
                         " next_attempt_ms, state) VALUES($1, $2, $3, $4, 0, $5, 'Pending')"
                         " ON CONFLICT(job_id) DO NOTHING",
                         &o, NULL, err);
}

/* Locks the oldest claimable job: 1 with its id and attempts, 0 if none, negative rc. Two ordered
 * index scans (queued; lease expired) instead of one OR, so the cost does not grow with the queue;
 * SKIP LOCKED lets concurrent workers take different jobs instead of queueing on one. The younger
 * candidate stays locked until commit, which only hides it from other workers that long. */
int store_pg_job_next_claimable(store *st, store_txn *txn, int64_t now_ms, char *job_id,
                                int *attempts, rc_error *err) {
    (void)st;
    static const char *const sql[2] = {
        "SELECT job_id, attempts, create_time FROM jobs WHERE state='Created'"
        " ORDER BY create_time, job_id LIMIT 1 FOR UPDATE SKIP LOCKED",
        "SELECT job_id, attempts, create_time FROM jobs WHERE state='Executing' AND"
        " lease_expires_ms<=$1 ORDER BY create_time, job_id LIMIT 1 FOR UPDATE SKIP LOCKED",
    };
    int found = 0;
    int64_t best_time = 0;
    for (int i = 0; i < 2; i++) {
        PGresult *res = NULL;
        store_pg_params p = {0};
        store_pg_int(&p, now_ms);
        int rc = store_pg_exec(txn->conn, sql[i], i ? &p : NULL, &res, err);
        if (rc)
            return rc;
        if (PQntuples(res) == 1) {
            int64_t t = store_pg_int_at(res, 0, 2);
            const char *id = store_pg_str(res, 0, 0);
            if (!found || t < best_time || (t == best_time && strcmp(id, job_id) < 0)) {
                store_pg_copy(res, 0, 0, job_id, STORE_ID_LEN + 1);
                *attempts = (int)store_pg_int_at(res, 0, 1);
                best_time = t;
                found = 1;
            }
        }
        PQclear(res);
    }
    return found;
}

int store_pg_job_take(store *st, store_txn *txn, const char *job_id, const char *owner,
                      int64_t lease_expires_ms, int64_t now_s, store_job *out, rc_error *err) {
    (void)st;
    store_pg_params u = {0};
    store_pg_text(&u, job_id);
    store_pg_text(&u, owner);
    store_pg_int(&u, lease_expires_ms);
    store_pg_int(&u, now_s);
    int rc = store_pg_exec(txn->conn,
                           "UPDATE jobs SET attempts=attempts+1, progress=0, lease_owner=$2,"
                           " lease_expires_ms=$3, modified_time=CASE WHEN state='Created' THEN $4"
                           " ELSE modified_time END, state='Executing' WHERE job_id=$1",
                           &u, NULL, err);
    return rc ? rc : get_job(txn->conn, job_id, 0, 0, out, err);
}

int store_pg_job_heartbeat(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                           rc_error *err) {
    return owned_update(st,
                        "UPDATE jobs SET lease_expires_ms=$3 WHERE job_id=$1 AND"
                        " state='Executing' AND lease_owner=$2",
                        job_id, owner, store_now_ms(st) + lease_ms, err);
}

int store_pg_job_progress(store *st, const char *job_id, const char *owner, int progress,
                          rc_error *err) {
    return owned_update(st,
                        "UPDATE jobs SET progress=greatest(progress, $3::integer) WHERE job_id=$1"
                        " AND state='Executing' AND lease_owner=$2",
                        job_id, owner, progress, err);
}

int store_pg_job_release(store *st, const char *job_id, const char *owner, rc_error *err) {
    return owned_update(st,
                        "UPDATE jobs SET lease_owner=NULL, lease_expires_ms=$3,"
                        " attempts=greatest(attempts-1, 0) WHERE job_id=$1 AND state='Executing'"
                        " AND lease_owner=$2",
                        job_id, owner, 0, err);
}

int store_pg_job_count(store *st, int64_t *counts, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    memset(counts, 0, sizeof(int64_t) * STORE_JOB_STATE_COUNT);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_exec(conn, "SELECT state, count(*) FROM jobs GROUP BY state", NULL, &res, err);
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        enum store_job_state s;
        if (store_job_state_parse(store_pg_str(res, i, 0), &s) == 0)
            counts[s] = store_pg_int_at(res, i, 1);
    }
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_job_list(store *st, const store_job_query *q, store_job_page *page, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    store_pg_params p = {0};
    char where[256], sql[2048];
    int asc = q->sort == STORE_SORT_ASC;
    int64_t limit = q->page_size, offset = 0;
    if (!q->has_cursor)
        offset = q->page_no - 1 > INT64_MAX / limit ? INT64_MAX : (q->page_no - 1) * limit;
    /* $1 user, then the optional filters in this order. */
    store_pg_int(&p, (int64_t)q->user_id);
    int n = snprintf(where, sizeof(where), "WHERE j.user_id=$1");
    if (q->has_state) {
        store_pg_text(&p, store_job_state_name(q->state));
        n += snprintf(where + n, sizeof(where) - (size_t)n, " AND j.state=$%d", p.n);
    }
    if (q->type) {
        store_pg_text(&p, q->type);
        snprintf(where + n, sizeof(where) - (size_t)n, " AND j.type=$%d", p.n);
    }
    int nfilter = p.n;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    /* Count and page from one snapshot. */
    rc = store_pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL, err);
    if (rc)
        goto out;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs j %s", where);
    rc = store_pg_exec(conn, sql, &p, &res, err);
    if (rc)
        goto out;
    page->total = store_pg_int_at(res, 0, 0);
    PQclear(res);
    res = NULL;

    char cursor[160] = "";
    if (q->has_cursor) {
        store_pg_int(&p, q->after_time);
        store_pg_text(&p, q->after_id);
        snprintf(cursor, sizeof(cursor),
                 " AND (j.create_time%s$%d OR (j.create_time=$%d AND"
                 " j.job_id%s$%d))",
                 asc ? ">" : "<", nfilter + 1, nfilter + 1, asc ? ">" : "<", nfilter + 2);
    }
    store_pg_int(&p, limit + 1); /* one more tells whether rows follow */
    store_pg_int(&p, offset);
    snprintf(sql, sizeof(sql),
             STORE_JOB_SELECT_BRIEF
             "%s%s ORDER BY j.create_time %s, j.job_id %s LIMIT $%d OFFSET $%d",
             where, cursor, asc ? "ASC" : "DESC", asc ? "ASC" : "DESC", p.n - 1, p.n);
    rc = store_pg_exec(conn, sql, &p, &res, err);
    if (rc)
        goto out;
    int rows = PQntuples(res);
    if (rows > limit) {
        page->has_more = 1;
        rows = (int)limit;
    }
    page->jobs = calloc(rows ? (size_t)rows : 1, sizeof(store_job));
    if (!page->jobs) {
        rc = rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
        goto out;
    }
    for (int i = 0; i < rows; i++) {
        rc = read_job(res, i, &page->jobs[i]);
        if (rc)
            goto out;
        page->count++;
    }
    store_page_set_cursor(page);
    rc = store_pg_commit(conn, err);
out:
    PQclear(res);
    store_pg_put(st, conn);
    if (rc)
        store_job_page_free(page);
    return rc;
}
