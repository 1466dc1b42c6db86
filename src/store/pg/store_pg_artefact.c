/* store_pg_artefact: job artefacts (store.h) in the artefacts table (BYTEA, sent and read in the
 * hex text form), purged with their job (pg_purge). */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/store_pg_int.h"

int store_pg_artefact_put(store *st, const char *job_id, const char *name, const void *data,
                          size_t size, rc_error *err) {
    static const char hex[] = "0123456789abcdef";
    char *text = malloc(2 * size + 3);
    if (!text)
        return RC_ENOMEM;
    text[0] = '\\';
    text[1] = 'x';
    for (size_t i = 0; i < size; i++) {
        unsigned char b = ((const unsigned char *)data)[i];
        text[2 + 2 * i] = hex[b >> 4];
        text[3 + 2 * i] = hex[b & 15];
    }
    text[2 + 2 * size] = 0;
    PGconn *conn;
    int rc = store_pg_get(st, &conn, err);
    if (!rc) {
        store_pg_params p = {0};
        store_pg_text(&p, job_id);
        store_pg_text(&p, name);
        store_pg_text(&p, text);
        rc = store_pg_exec(conn,
                           "INSERT INTO artefacts(job_id, name, data)"
                           " VALUES($1, $2, $3::bytea) ON CONFLICT(job_id, name) DO UPDATE SET"
                           " data=excluded.data",
                           &p, NULL, err);
        store_pg_put(st, conn);
    }
    free(text);
    return rc;
}

int store_pg_artefact_get(store *st, const char *job_id, uint64_t user_id, const char *name,
                          store_artefact *out, rc_error *err) {
    PGconn *conn;
    PGresult *res = NULL;
    int rc = store_pg_get(st, &conn, err);
    if (rc)
        return rc;
    store_pg_params p = {0};
    store_pg_text(&p, job_id);
    store_pg_text(&p, name);
    store_pg_int(&p, (int64_t)user_id);
    rc = store_pg_exec(conn,
                       "SELECT a.data FROM artefacts a JOIN jobs j"
                       " ON j.job_id=a.job_id WHERE a.job_id=$1 AND a.name=$2 AND j.user_id=$3",
                       &p, &res, err);
    if (!rc && PQntuples(res) == 0)
        rc = RC_ENOENT;
    if (!rc) {
        size_t n = 0;
        unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &n);
        out->data = bytes ? malloc(n ? n : 1) : NULL;
        if (!out->data) {
            rc = RC_ENOMEM;
        } else {
            memcpy(out->data, bytes, n);
            out->size = n;
        }
        PQfreemem(bytes);
    }
    PQclear(res);
    store_pg_put(st, conn);
    return rc;
}
