/* store_sqlite_media: media assets and the callback outbox in SQLite. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/store_sqlite_int.h"

#define MEDIA_SELECT                                                                               \
    "SELECT media_id, user_id, input_url, title, description, tags, reference_id, user_data,"      \
    " status, probe_json, media_type, create_time, modified_time, attempts, lease_owner,"          \
    " lease_expires_ms FROM media "

#define OUTBOX_SELECT                                                                              \
    "SELECT id, job_id, target, body, event_time, attempts, next_attempt_ms, state, last_error"    \
    " FROM outbox "

static int read_media(sqlite3_stmt *stmt, store_media *m) {
    int oom = 0;
    memset(m, 0, sizeof(*m));
    store_sq_column_copy(stmt, 0, m->media_id, sizeof(m->media_id));
    m->user_id = (uint64_t)sqlite3_column_int64(stmt, 1);
    m->input_url = store_sq_column_dup(stmt, 2, &oom);
    m->title = store_sq_column_dup(stmt, 3, &oom);
    m->description = store_sq_column_dup(stmt, 4, &oom);
    m->tags = store_sq_column_dup(stmt, 5, &oom);
    m->reference_id = store_sq_column_dup(stmt, 6, &oom);
    m->user_data = store_sq_column_dup(stmt, 7, &oom);
    m->status = store_media_status_from((const char *)sqlite3_column_text(stmt, 8));
    m->probe_json = store_sq_column_dup(stmt, 9, &oom);
    m->media_type = store_sq_column_dup(stmt, 10, &oom);
    m->create_time = sqlite3_column_int64(stmt, 11);
    m->modified_time = sqlite3_column_int64(stmt, 12);
    m->attempts = sqlite3_column_int(stmt, 13);
    m->lease_owner = store_sq_column_dup(stmt, 14, &oom);
    m->lease_expires_ms = sqlite3_column_int64(stmt, 15);
    if (oom) {
        store_media_free(m);
        return RC_ENOMEM;
    }
    return 0;
}

static int read_outbox(sqlite3_stmt *stmt, store_outbox *o) {
    int oom = 0;
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(stmt, 0);
    store_sq_column_copy(stmt, 1, o->job_id, sizeof(o->job_id));
    o->target = store_sq_column_dup(stmt, 2, &oom);
    o->body = store_sq_column_dup(stmt, 3, &oom);
    o->event_time = sqlite3_column_int64(stmt, 4);
    o->attempts = sqlite3_column_int(stmt, 5);
    o->next_attempt_ms = sqlite3_column_int64(stmt, 6);
    o->state = store_notify_state_from((const char *)sqlite3_column_text(stmt, 7));
    o->last_error = store_sq_column_dup(stmt, 8, &oom);
    if (oom) {
        store_outbox_free(o);
        return RC_ENOMEM;
    }
    return 0;
}

/* Runs a one-row query whose ?1 is text key and ?2 (if used) an integer. *found = 0 if no row. */
typedef int (*row_reader)(sqlite3_stmt *stmt, void *out);

static int media_reader(sqlite3_stmt *stmt, void *out) {
    return read_media(stmt, out);
}

static int outbox_reader(sqlite3_stmt *stmt, void *out) {
    return read_outbox(stmt, out);
}

static int query_one(sqlite3 *db, const char *sql, const char *key, int64_t num, row_reader reader,
                     void *out, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db, sql, &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, key);
    if (sqlite3_bind_parameter_count(stmt) >= 2)
        sqlite3_bind_int64(stmt, 2, num);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        rc = reader(stmt, out);
    else if (step == SQLITE_DONE)
        rc = RC_ENOENT;
    else
        rc = store_sq_fail(db, "read row", err);
    sqlite3_finalize(stmt);
    return rc;
}

/* ------------------------------------------------------------------ media assets */

static int insert_media(store *st, sqlite3 *db, const store_media *m, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    char title[64];
    int64_t created = m->create_time > 0 ? m->create_time : store_now_s(st);
    int rc = store_sq_prepare(
        db,
        "INSERT INTO media(media_id, user_id, input_url, title, description, tags, reference_id,"
        " user_data, status, create_time, modified_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " 'Preparing', ?9, ?9)",
        &stmt, err);
    if (rc)
        return rc;
    store_default_title(created, title, sizeof(title));
    store_sq_bind_text(stmt, 1, m->media_id);
    sqlite3_bind_int64(stmt, 2, (int64_t)m->user_id);
    store_sq_bind_text(stmt, 3, m->input_url);
    store_sq_bind_text(stmt, 4, m->title ? m->title : title);
    store_sq_bind_text(stmt, 5, m->description);
    store_sq_bind_text(stmt, 6, m->tags);
    store_sq_bind_text(stmt, 7, m->reference_id && *m->reference_id ? m->reference_id : NULL);
    store_sq_bind_text(stmt, 8, m->user_data);
    sqlite3_bind_int64(stmt, 9, created);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "insert media", err);
        if (rc == RC_EEXIST) /* media_id and input_url were checked: the reference is taken */
            rc_fail(err, RC_EEXIST, "InvalidParameter.ResourceAlreadyExists",
                    "The resource operated \"ReferenceId\" already exists.");
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int delete_media(sqlite3 *db, const char *media_id, uint64_t user_id, rc_error *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_prepare(db, "DELETE FROM media WHERE media_id=?1 AND user_id=?2", &stmt, err);
    if (rc)
        return rc;
    store_sq_bind_text(stmt, 1, media_id);
    sqlite3_bind_int64(stmt, 2, (int64_t)user_id);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_sq_fail(db, "delete media", err);
    else if (sqlite3_changes(db) == 0)
        rc = RC_ENOENT;
    sqlite3_finalize(stmt);
    return rc;
}

int store_sq_media_register(store *st, const store_media *m, int overwrite,
                            const store_client_token *tok, char *existing_id,
                            enum store_submit_outcome *outcome, rc_error *err) {
    sqlite3 *db;
    store_media old = {0};
    *outcome = STORE_SUBMIT_CREATED;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_begin_write(db, err);
    if (rc)
        goto out;
    if (tok) {
        rc = store_sq_token_check(st, db, tok, existing_id, outcome, err);
        if (rc == 1) {
            rc = 0;
            goto out;
        }
        if (rc)
            goto out;
    }
    rc = query_one(db, MEDIA_SELECT "WHERE input_url=?1 AND user_id=?2", m->input_url,
                   (int64_t)m->user_id, media_reader, &old, err);
    if (rc == 0 && !overwrite) { /* the same URL again answers with the asset it already is */
        *outcome = STORE_SUBMIT_EXISTING;
        memcpy(existing_id, old.media_id, STORE_ID_LEN + 1);
        rc = tok ? store_sq_token_record(st, db, tok, old.media_id, err) : 0;
        if (rc == 0)
            rc = store_sq_commit(db, err);
        goto out;
    }
    if (rc == 0)
        rc = delete_media(db, old.media_id, m->user_id, err);
    else if (rc == RC_ENOENT)
        rc = 0;
    if (rc == 0)
        rc = insert_media(st, db, m, err);
    if (rc == 0 && tok)
        rc = store_sq_token_record(st, db, tok, m->media_id, err);
    if (rc == 0)
        rc = store_sq_commit(db, err);
out:
    store_media_free(&old);
    store_sq_put(st, db);
    return rc;
}

int store_sq_media_get(store *st, const char *media_id, const char *input_url, uint64_t user_id,
                       store_media *out, rc_error *err) {
    sqlite3 *db;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = query_one(db,
                   media_id ? MEDIA_SELECT "WHERE media_id=?1 AND user_id=?2"
                            : MEDIA_SELECT "WHERE input_url=?1 AND user_id=?2",
                   media_id ? media_id : input_url, (int64_t)user_id, media_reader, out, err);
    store_sq_put(st, db);
    return rc;
}

int store_sq_media_delete(store *st, const char *media_id, uint64_t user_id, rc_error *err) {
    sqlite3 *db;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = delete_media(db, media_id, user_id, err);
    store_sq_put(st, db);
    return rc;
}

int store_sq_media_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                         store_media *out, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    char media_id[STORE_ID_LEN + 1];
    int64_t now_ms = store_now_ms(st);
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_begin_write(db, err);
    if (rc)
        goto out;
    /* Assets past the attempt limit are given up first, in the same transaction. */
    if (max_attempts > 0) {
        rc = store_sq_prepare(db,
                              "UPDATE media SET status='PrepareFailed', lease_owner=NULL,"
                              " lease_expires_ms=0, modified_time=?3 WHERE status='Preparing' AND"
                              " lease_expires_ms<=?1 AND attempts>=?2",
                              &stmt, err);
        if (rc)
            goto out;
        sqlite3_bind_int64(stmt, 1, now_ms);
        sqlite3_bind_int64(stmt, 2, max_attempts);
        sqlite3_bind_int64(stmt, 3, store_now_s(st));
        if (sqlite3_step(stmt) != SQLITE_DONE) {
            rc = store_sq_fail(db, "fail media", err);
            goto out;
        }
        sqlite3_finalize(stmt);
        stmt = NULL;
    }
    rc = store_sq_prepare(db,
                          "SELECT media_id FROM media WHERE status='Preparing' AND"
                          " lease_expires_ms<=?1 ORDER BY create_time, media_id LIMIT 1",
                          &stmt, err);
    if (rc)
        goto out;
    sqlite3_bind_int64(stmt, 1, now_ms);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_DONE) {
        rc = store_sq_commit(db, err);
        rc = rc ? rc : RC_ENOENT;
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = store_sq_fail(db, "find media to probe", err);
        goto out;
    }
    store_sq_column_copy(stmt, 0, media_id, sizeof(media_id));
    sqlite3_finalize(stmt);
    stmt = NULL;
    rc = store_sq_prepare(db,
                          "UPDATE media SET attempts=attempts+1, lease_owner=?2,"
                          " lease_expires_ms=?3 WHERE media_id=?1",
                          &stmt, err);
    if (rc)
        goto out;
    store_sq_bind_text(stmt, 1, media_id);
    store_sq_bind_text(stmt, 2, owner);
    sqlite3_bind_int64(stmt, 3, now_ms + lease_ms);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "claim media", err);
        goto out;
    }
    rc = query_one(db, MEDIA_SELECT "WHERE media_id=?1", media_id, 0, media_reader, out, err);
    if (rc == 0)
        rc = store_sq_commit(db, err);
    if (rc)
        store_media_free(out);
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

int store_sq_media_set_probe(store *st, const char *media_id, const char *owner,
                             enum store_media_status status, const char *probe_json,
                             const char *media_type, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db,
                          "UPDATE media SET status=?3, probe_json=?4, media_type=?5,"
                          " modified_time=?6, lease_owner=NULL, lease_expires_ms=0"
                          " WHERE media_id=?1 AND lease_owner=?2 AND status='Preparing'",
                          &stmt, err);
    if (rc)
        goto out;
    store_sq_bind_text(stmt, 1, media_id);
    store_sq_bind_text(stmt, 2, owner);
    store_sq_bind_text(stmt, 3, store_media_status_name(status));
    store_sq_bind_text(stmt, 4, probe_json);
    store_sq_bind_text(stmt, 5, media_type);
    sqlite3_bind_int64(stmt, 6, store_now_s(st));
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "store probe", err);
        goto out;
    }
    if (sqlite3_changes(db) == 0) {
        store_media probe = {0};
        rc =
            query_one(db, MEDIA_SELECT "WHERE media_id=?1", media_id, 0, media_reader, &probe, err);
        store_media_free(&probe);
        rc = rc == 0 ? RC_ECANCELED : rc;
    }
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

/* ------------------------------------------------------------------ callback outbox */

int store_sq_outbox_claim(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                          rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    int64_t now_ms = store_now_ms(st), id = 0;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_begin_write(db, err);
    if (rc)
        goto out;
    rc = store_sq_prepare(db,
                          "SELECT id FROM outbox WHERE state='Pending' AND next_attempt_ms<=?1"
                          " AND lease_expires_ms<=?1 ORDER BY next_attempt_ms, id LIMIT 1",
                          &stmt, err);
    if (rc)
        goto out;
    sqlite3_bind_int64(stmt, 1, now_ms);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_DONE) {
        rc = RC_ENOENT;
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = store_sq_fail(db, "find due callback", err);
        goto out;
    }
    id = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = NULL;
    rc = store_sq_prepare(db, "UPDATE outbox SET lease_owner=?2, lease_expires_ms=?3 WHERE id=?1",
                          &stmt, err);
    if (rc)
        goto out;
    sqlite3_bind_int64(stmt, 1, id);
    store_sq_bind_text(stmt, 2, owner);
    sqlite3_bind_int64(stmt, 3, now_ms + lease_ms);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "claim callback", err);
        goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    rc = store_sq_prepare(db, OUTBOX_SELECT "WHERE id=?1", &stmt, err);
    if (rc)
        goto out;
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_sq_fail(db, "read callback", err);
        goto out;
    }
    rc = read_outbox(stmt, out);
    if (rc == 0)
        rc = store_sq_commit(db, err);
    if (rc)
        store_outbox_free(out);
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

int store_sq_outbox_report(store *st, int64_t id, const char *owner,
                           enum store_notify_state final_state, int64_t next_attempt_ms,
                           const char *error, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    /* A success keeps the last error of earlier attempts: it is history, not state. */
    rc = store_sq_prepare(db,
                          "UPDATE outbox SET state=?3, attempts=attempts+1, next_attempt_ms=?4,"
                          " last_error=coalesce(?5, last_error), lease_owner=NULL,"
                          " lease_expires_ms=0 WHERE id=?1 AND lease_owner=?2 AND state='Pending'",
                          &stmt, err);
    if (rc)
        goto out;
    sqlite3_bind_int64(stmt, 1, id);
    store_sq_bind_text(stmt, 2, owner);
    store_sq_bind_text(stmt, 3, store_notify_state_name(final_state));
    sqlite3_bind_int64(stmt, 4, next_attempt_ms);
    store_sq_bind_text(stmt, 5, error);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        rc = store_sq_fail(db, "record delivery", err);
        goto out;
    }
    if (sqlite3_changes(db) == 0) {
        sqlite3_finalize(stmt);
        stmt = NULL;
        rc = store_sq_prepare(db, "SELECT 1 FROM outbox WHERE id=?1", &stmt, err);
        if (rc)
            goto out;
        sqlite3_bind_int64(stmt, 1, id);
        int step = sqlite3_step(stmt);
        rc = step == SQLITE_ROW    ? RC_ECANCELED
             : step == SQLITE_DONE ? RC_ENOENT
                                   : store_sq_fail(db, "read callback", err);
    }
out:
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

int store_sq_outbox_get(store *st, const char *job_id, store_outbox *out, rc_error *err) {
    sqlite3 *db;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = query_one(db, OUTBOX_SELECT "WHERE job_id=?1", job_id, 0, outbox_reader, out, err);
    store_sq_put(st, db);
    return rc;
}

int store_sq_outbox_count_pending(store *st, int64_t *out, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    *out = 0;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db, "SELECT count(*) FROM outbox WHERE state='Pending'", &stmt, err);
    if (rc == 0) {
        if (sqlite3_step(stmt) == SQLITE_ROW)
            *out = sqlite3_column_int64(stmt, 0);
        else
            rc = store_sq_fail(db, "count callbacks", err);
    }
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}
