/* store_pg_media: media assets and the callback outbox in PostgreSQL. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/store_pg_int.h"

#define MEDIA_SELECT                                                                               \
    "SELECT media_id, user_id, input_url, title, description, tags, reference_id, user_data,"      \
    " status, probe_json, media_type, create_time, modified_time, attempts, lease_owner,"          \
    " lease_expires_ms FROM media "

#define OUTBOX_SELECT                                                                              \
    "SELECT id, job_id, target, body, event_time, attempts, next_attempt_ms, state, last_error"    \
    " FROM outbox "

static int read_media(PGresult *r, store_media *m) {
    int oom = 0;
    memset(m, 0, sizeof(*m));
    store_pg_copy(r, 0, 0, m->media_id, sizeof(m->media_id));
    m->user_id = (uint64_t)store_pg_int_at(r, 0, 1);
    m->input_url = store_pg_dup(r, 0, 2, &oom);
    m->title = store_pg_dup(r, 0, 3, &oom);
    m->description = store_pg_dup(r, 0, 4, &oom);
    m->tags = store_pg_dup(r, 0, 5, &oom);
    m->reference_id = store_pg_dup(r, 0, 6, &oom);
    m->user_data = store_pg_dup(r, 0, 7, &oom);
    m->status = store_media_status_from(store_pg_str(r, 0, 8));
    m->probe_json = store_pg_dup(r, 0, 9, &oom);
    m->media_type = store_pg_dup(r, 0, 10, &oom);
    m->create_time = store_pg_int_at(r, 0, 11);
    m->modified_time = store_pg_int_at(r, 0, 12);
    m->attempts = (int)store_pg_int_at(r, 0, 13);
    m->lease_owner = store_pg_dup(r, 0, 14, &oom);
    m->lease_expires_ms = store_pg_int_at(r, 0, 15);
    if (oom) {
        store_media_free(m);
        return RC_ENOMEM;
    }
    return 0;
}

static int read_outbox(PGresult *r, store_outbox *o) {
    int oom = 0;
    memset(o, 0, sizeof(*o));
    o->id = store_pg_int_at(r, 0, 0);
    store_pg_copy(r, 0, 1, o->job_id, sizeof(o->job_id));
    o->target = store_pg_dup(r, 0, 2, &oom);
    o->body = store_pg_dup(r, 0, 3, &oom);
    o->event_time = store_pg_int_at(r, 0, 4);
    o->attempts = (int)store_pg_int_at(r, 0, 5);
    o->next_attempt_ms = store_pg_int_at(r, 0, 6);
    o->state = store_notify_state_from(store_pg_str(r, 0, 7));
    o->last_error = store_pg_dup(r, 0, 8, &oom);
    if (oom) {
        store_outbox_free(o);
        return RC_ENOMEM;
    }
    return 0;
}

/* Runs a query expected to return at most one row and reads it with the media or outbox reader.
 * Returns 0, RC_ENOENT (no row), or the error. */
static int query_media(PGconn *conn, const char *sql, const store_pg_params *p, store_media *out,
                       rc_error *err) {
    PGresult *res = NULL;
    int rc = store_pg_exec(conn, sql, p, &res, err);
    if (rc == 0)
        rc = PQntuples(res) ? read_media(res, out) : RC_ENOENT;
    PQclear(res);
    return rc;
}

static int query_outbox(PGconn *conn, const char *sql, const store_pg_params *p, store_outbox *out,
                        rc_error *err) {
    PGresult *res = NULL;
    int rc = store_pg_exec(conn, sql, p, &res, err);
    if (rc == 0)
        rc = PQntuples(res) ? read_outbox(res, out) : RC_ENOENT;
    PQclear(res);
    return rc;
}

/* ------------------------------------------------------------------ media assets */

static int insert_media(store *st, PGconn *conn, const store_media *m, rc_error *err) {
    store_pg_params p = {0};
    char title[64];
    int64_t created = m->create_time > 0 ? m->create_time : store_now_s(st);
    store_default_title(created, title, sizeof(title));
    store_pg_text(&p, m->media_id);
    store_pg_int(&p, (int64_t)m->user_id);
    store_pg_text(&p, m->input_url);
    store_pg_text(&p, m->title ? m->title : title);
    store_pg_text(&p, m->description);
    store_pg_text(&p, m->tags);
    store_pg_text(&p, m->reference_id && *m->reference_id ? m->reference_id : NULL);
    store_pg_text(&p, m->user_data);
    store_pg_int(&p, created);
    int rc = store_pg_exec(
        conn,
        "INSERT INTO media(media_id, user_id, input_url, title, description, tags, reference_id,"
        " user_data, status, create_time, modified_time) VALUES($1, $2, $3, $4, $5, $6, $7, $8,"
        " 'Preparing', $9, $9)",
        &p, NULL, err);
    if (rc == RC_EEXIST)
        rc_fail(err, RC_EEXIST, "InvalidParameter.ResourceAlreadyExists",
                "The resource operated \"ReferenceId\" already exists.");
    return rc;
}

static int delete_media(PGconn *conn, const char *media_id, uint64_t user_id, rc_error *err) {
    PGresult *res = NULL;
    store_pg_params p = {0};
    store_pg_text(&p, media_id);
    store_pg_int(&p, (int64_t)user_id);
    int rc =
        store_pg_exec(conn, "DELETE FROM media WHERE media_id=$1 AND user_id=$2", &p, &res, err);
    if (rc == 0 && store_pg_changes(res) == 0)
        rc = RC_ENOENT;
    PQclear(res);
    return rc;
}

int store_pg_media_register(store *st, const store_media *m, int overwrite,
                            const store_client_token *tok, char *existing_id,
                            enum store_submit_outcome *outcome, rc_error *err) {
    PGconn *conn;
    store_media old = {0};
    *outcome = STORE_SUBMIT_CREATED;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_begin(conn, err);
    if (rc)
        goto out;
    if (tok) {
        /* The token is recorded for the new id at once; an existing asset answer rewrites it. */
        rc = store_pg_token_claim(st, conn, tok, m->media_id, existing_id, outcome, err);
        if (rc == 1) {
            rc = 0;
            goto out;
        }
        if (rc)
            goto out;
    }
    store_pg_params p = {0};
    store_pg_text(&p, m->input_url);
    store_pg_int(&p, (int64_t)m->user_id);
    /* Registrations of one URL by one user queue here, so the lookup below cannot miss a
     * concurrent insert (a row lock cannot cover a row that does not exist yet). */
    rc = store_pg_exec(conn, "SELECT pg_advisory_xact_lock(hashtextextended($1, $2))", &p, NULL,
                       err);
    if (rc)
        goto out;
    rc = query_media(conn, MEDIA_SELECT "WHERE input_url=$1 AND user_id=$2 FOR UPDATE", &p, &old,
                     err);
    if (rc == 0 && !overwrite) {
        *outcome = STORE_SUBMIT_EXISTING;
        memcpy(existing_id, old.media_id, STORE_ID_LEN + 1);
        if (tok) {
            store_pg_params t = {0};
            store_pg_text(&t, old.media_id);
            store_pg_text(&t, tok->access_key_id);
            store_pg_text(&t, tok->action);
            store_pg_text(&t, tok->token);
            rc = store_pg_exec(conn,
                               "UPDATE client_tokens SET resource_id=$1 WHERE access_key_id=$2"
                               " AND action=$3 AND token=$4",
                               &t, NULL, err);
        }
        if (rc == 0)
            rc = store_pg_commit(conn, err);
        goto out;
    }
    if (rc == 0)
        rc = delete_media(conn, old.media_id, m->user_id, err);
    else if (rc == RC_ENOENT)
        rc = 0;
    if (rc == 0)
        rc = insert_media(st, conn, m, err);
    if (rc == 0)
        rc = store_pg_commit(conn, err);
out:
    store_media_free(&old);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_media_get(store *st, const char *media_id, const char *input_url, uint64_t user_id,
                       store_media *out, rc_error *err) {
    PGconn *conn;
    store_pg_params p = {0};
    store_pg_text(&p, media_id ? media_id : input_url);
    store_pg_int(&p, (int64_t)user_id);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = query_media(conn,
                     media_id ? MEDIA_SELECT "WHERE media_id=$1 AND user_id=$2"
                              : MEDIA_SELECT "WHERE input_url=$1 AND user_id=$2",
                     &p, out, err);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_media_delete(store *st, const char *media_id, uint64_t user_id, rc_error *err) {
    PGconn *conn;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = delete_media(conn, media_id, user_id, err);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_media_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                         store_media *out, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    char media_id[STORE_ID_LEN + 1];
    int64_t now_ms = store_now_ms(st);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_begin(conn, err);
    if (rc)
        goto out;
    if (max_attempts > 0) {
        store_pg_params f = {0};
        store_pg_int(&f, now_ms);
        store_pg_int(&f, max_attempts);
        store_pg_int(&f, store_now_s(st));
        rc = store_pg_exec(conn,
                           "UPDATE media SET status='PrepareFailed', lease_owner=NULL,"
                           " lease_expires_ms=0, modified_time=$3 WHERE status='Preparing' AND"
                           " lease_expires_ms<=$1 AND attempts>=$2",
                           &f, NULL, err);
        if (rc)
            goto out;
    }
    store_pg_params p = {0};
    store_pg_int(&p, now_ms);
    rc = store_pg_exec(conn,
                       "SELECT media_id FROM media WHERE status='Preparing' AND"
                       " lease_expires_ms<=$1 ORDER BY create_time, media_id LIMIT 1"
                       " FOR UPDATE SKIP LOCKED",
                       &p, &res, err);
    if (rc)
        goto out;
    if (PQntuples(res) == 0) {
        rc = store_pg_commit(conn, err);
        rc = rc ? rc : RC_ENOENT;
        goto out;
    }
    store_pg_copy(res, 0, 0, media_id, sizeof(media_id));
    store_pg_params u = {0};
    store_pg_text(&u, media_id);
    store_pg_text(&u, owner);
    store_pg_int(&u, now_ms + lease_ms);
    rc = store_pg_exec(conn,
                       "UPDATE media SET attempts=attempts+1, lease_owner=$2, lease_expires_ms=$3"
                       " WHERE media_id=$1",
                       &u, NULL, err);
    if (rc)
        goto out;
    store_pg_params g = {0};
    store_pg_text(&g, media_id);
    rc = query_media(conn, MEDIA_SELECT "WHERE media_id=$1", &g, out, err);
    if (rc == 0)
        rc = store_pg_commit(conn, err);
    if (rc)
        store_media_free(out);
out:
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_media_set_probe(store *st, const char *media_id, const char *owner,
                             enum store_media_status status, const char *probe_json,
                             const char *media_type, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    store_pg_params p = {0};
    store_pg_text(&p, media_id);
    store_pg_text(&p, owner);
    store_pg_text(&p, store_media_status_name(status));
    store_pg_text(&p, probe_json);
    store_pg_text(&p, media_type);
    store_pg_int(&p, store_now_s(st));
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_exec(conn,
                       "UPDATE media SET status=$3, probe_json=$4, media_type=$5, modified_time=$6,"
                       " lease_owner=NULL, lease_expires_ms=0 WHERE media_id=$1 AND"
                       " lease_owner=$2 AND status='Preparing'",
                       &p, &res, err);
    if (rc == 0 && store_pg_changes(res) == 0) {
        PQclear(res);
        res = NULL;
        store_pg_params q = {0};
        store_pg_text(&q, media_id);
        rc = store_pg_exec(conn, "SELECT 1 FROM media WHERE media_id=$1", &q, &res, err);
        if (rc == 0)
            rc = PQntuples(res) ? RC_ECANCELED : RC_ENOENT;
    }
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}

/* ------------------------------------------------------------------ callback outbox */

int store_pg_outbox_claim(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                          rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    int64_t now_ms = store_now_ms(st);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_begin(conn, err);
    if (rc)
        goto out;
    store_pg_params p = {0};
    store_pg_int(&p, now_ms);
    rc = store_pg_exec(conn,
                       "SELECT id FROM outbox WHERE state='Pending' AND next_attempt_ms<=$1"
                       " AND lease_expires_ms<=$1 ORDER BY next_attempt_ms, id LIMIT 1"
                       " FOR UPDATE SKIP LOCKED",
                       &p, &res, err);
    if (rc)
        goto out;
    if (PQntuples(res) == 0) {
        rc = RC_ENOENT;
        goto out;
    }
    store_pg_params u = {0};
    store_pg_int(&u, store_pg_int_at(res, 0, 0));
    store_pg_text(&u, owner);
    store_pg_int(&u, now_ms + lease_ms);
    rc = store_pg_exec(conn, "UPDATE outbox SET lease_owner=$2, lease_expires_ms=$3 WHERE id=$1",
                       &u, NULL, err);
    if (rc)
        goto out;
    u.n = 1;
    rc = query_outbox(conn, OUTBOX_SELECT "WHERE id=$1", &u, out, err);
    if (rc == 0)
        rc = store_pg_commit(conn, err);
    if (rc)
        store_outbox_free(out);
out:
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_outbox_report(store *st, int64_t id, const char *owner,
                           enum store_notify_state final_state, int64_t next_attempt_ms,
                           const char *error, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    store_pg_params p = {0};
    store_pg_int(&p, id);
    store_pg_text(&p, owner);
    store_pg_text(&p, store_notify_state_name(final_state));
    store_pg_int(&p, next_attempt_ms);
    store_pg_text(&p, error);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_exec(conn,
                       "UPDATE outbox SET state=$3, attempts=attempts+1, next_attempt_ms=$4,"
                       " last_error=coalesce($5, last_error), lease_owner=NULL,"
                       " lease_expires_ms=0 WHERE id=$1 AND lease_owner=$2 AND state='Pending'",
                       &p, &res, err);
    if (rc == 0 && store_pg_changes(res) == 0) {
        PQclear(res);
        res = NULL;
        p.n = 1;
        rc = store_pg_exec(conn, "SELECT 1 FROM outbox WHERE id=$1", &p, &res, err);
        if (rc == 0)
            rc = PQntuples(res) ? RC_ECANCELED : RC_ENOENT;
    }
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_outbox_get(store *st, const char *job_id, store_outbox *out, rc_error *err) {
    PGconn *conn;
    store_pg_params p = {0};
    store_pg_text(&p, job_id);
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = query_outbox(conn, OUTBOX_SELECT "WHERE job_id=$1", &p, out, err);
    store_pg_put(st, conn);
    return rc;
}

int store_pg_outbox_count_pending(store *st, int64_t *out, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    *out = 0;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    rc = store_pg_exec(conn, "SELECT count(*) FROM outbox WHERE state='Pending'", NULL, &res, err);
    if (rc == 0)
        *out = store_pg_int_at(res, 0, 0);
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}
