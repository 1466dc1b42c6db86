/* blob_router: one blob backend in front of several - each bucket goes to a named backend ("fs",
 * "s3"), the rest to the default - built from the [storage] and [s3] configuration. */
#ifndef REELCUT_BLOB_ROUTER_H
#define REELCUT_BLOB_ROUTER_H

#include "blob/blob.h"
#include "util/config.h"

#define BLOB_ROUTER_MAX_BACKENDS 4
#define BLOB_ROUTER_MAX_ROUTES 64

/* An empty router (no backend yet). Returns 0 or RC_ENOMEM; free it with blob_destroy(), which
 * destroys the backends it owns. */
int blob_router_create(blob_backend **out, rc_error *err);

/* Hands backend `be` to the router under `name` (the router owns it from now on, even on
 * failure). The first backend added is the default until blob_router_set_default. Returns 0,
 * RC_EEXIST for a taken name, RC_ETOOBIG past BLOB_ROUTER_MAX_BACKENDS. */
int blob_router_add_backend(blob_backend *router, const char *name, blob_backend *be,
                            rc_error *err);

/* Sends `bucket` to the backend `name` / makes `name` the default. RC_ENOENT for an unknown
 * backend name, RC_ETOOBIG past BLOB_ROUTER_MAX_ROUTES routes. */
int blob_router_route(blob_backend *router, const char *bucket, const char *name, rc_error *err);
int blob_router_set_default(blob_backend *router, const char *name, rc_error *err);

/* Whether be is a router (made by blob_router_create / blob_router_from_config). */
int blob_is_router(const blob_backend *be);

/* The name of the backend serving `bucket` ("fs", "s3"), or NULL when there is none. */
const char *blob_router_backend_of(blob_backend *router, const char *bucket);

/* An S3 backend with the [s3] settings of cfg, at `endpoint` instead of s3.endpoint when not NULL
 * (OutputConfig.Endpoint): that one connects only to public addresses unless its host is named
 * in storage.endpoint_allow_hosts (blob_net.h). The caller frees it with blob_destroy(). */
int blob_s3_from_config(const config *cfg, const char *endpoint, blob_backend **out, rc_error *err);

/* The service's storage from a finalized configuration: "fs" over DATA_DIR/buckets always, "s3"
 * when s3.endpoint is set, routes from storage.buckets, default storage.default. Returns 0 or
 * RC_EINVAL naming the setting (never the secret), RC_ENOMEM. Caller frees with blob_destroy. */
int blob_router_from_config(const config *cfg, blob_backend **out, rc_error *err);

#endif
