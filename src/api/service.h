/* service: the IMS-compatible API - authenticates each request, routes it to its action and
 * renders the JSON answer or the IMS error body. It validates and touches the job store only;
 * media work happens in workers. */
#ifndef REELCUT_SERVICE_H
#define REELCUT_SERVICE_H

#include "api/http.h"
#include "blob/blob.h"
#include "jobs/pool.h"
#include "jobs/prober.h"
#include "store/store.h"
#include "util/config.h"
#include "util/keys.h"

typedef struct api_service api_service;

typedef struct api_service_deps {
    const config *cfg;
    store *st;
    const keys_set *keys;
    blob_backend *blob;  /* local buckets: which buckets exist */
    jobs_pool *pool;     /* woken after each submission; may be NULL (API-only node) */
    jobs_prober *prober; /* woken after each registration; may be NULL */
} api_service_deps;

/* Creates the service over deps (borrowed; they must outlive it). */
int api_service_create(const api_service_deps *deps, api_service **out, rc_error *err);
void api_service_destroy(api_service *svc);

/* The http_handler_fn: user is the api_service. */
void api_service_handle(void *user, const http_request *req, http_response *res);

#endif
