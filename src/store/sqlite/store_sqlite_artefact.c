/* store_sqlite_artefact: job artefacts (store.h) in the artefacts table, purged with their job
 * (sq_purge). */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/store_sqlite_int.h"

int store_sq_artefact_put(store *st, const char *job_id, const char *name, const void *data,
                          size_t size, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db,
                          "INSERT INTO artefacts(job_id, name, data)"
                          " VALUES(?1, ?2, ?3) ON CONFLICT(job_id, name) DO UPDATE SET"
                          " data=excluded.data",
                          &stmt, err);
    if (!rc) {
        store_sq_bind_text(stmt, 1, job_id);
        store_sq_bind_text(stmt, 2, name);
        sqlite3_bind_blob64(stmt, 3, size ? data : "", (sqlite3_uint64)size, SQLITE_STATIC);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            rc = store_sq_fail(db, "write artefact", err);
    }
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}

int store_sq_artefact_get(store *st, const char *job_id, uint64_t user_id, const char *name,
                          store_artefact *out, rc_error *err) {
    sqlite3 *db;
    sqlite3_stmt *stmt = NULL;
    int rc = store_sq_get(st, &db, err);
    if (rc)
        return rc;
    rc = store_sq_prepare(db,
                          "SELECT a.data FROM artefacts a JOIN jobs j"
                          " ON j.job_id=a.job_id WHERE a.job_id=?1 AND a.name=?2 AND j.user_id=?3",
                          &stmt, err);
    if (!rc) {
        store_sq_bind_text(stmt, 1, job_id);
        store_sq_bind_text(stmt, 2, name);
        sqlite3_bind_int64(stmt, 3, (int64_t)user_id);
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            const void *blob = sqlite3_column_blob(stmt, 0);
            int n = sqlite3_column_bytes(stmt, 0);
            out->data = malloc(n > 0 ? (size_t)n : 1);
            if (!out->data)
                rc = RC_ENOMEM;
            else {
                if (n > 0)
                    memcpy(out->data, blob, (size_t)n);
                out->size = (size_t)(n > 0 ? n : 0);
            }
        } else if (step == SQLITE_DONE) {
            rc = RC_ENOENT;
        } else {
            rc = store_sq_fail(db, "read artefact", err);
        }
    }
    sqlite3_finalize(stmt);
    store_sq_put(st, db);
    return rc;
}
