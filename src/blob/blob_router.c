/* blob_router: routes every blob operation to the backend configured for its bucket. */
#include "blob/blob_router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/s3/blob_s3.h"

typedef struct router_route {
    char bucket[64];
    int backend;
} router_route;

typedef struct router {
    blob_backend base;
    char names[BLOB_ROUTER_MAX_BACKENDS][16];
    blob_backend *backends[BLOB_ROUTER_MAX_BACKENDS];
    int n_backends;
    int default_backend;
    router_route routes[BLOB_ROUTER_MAX_ROUTES];
    int n_routes;
} router;

static blob_backend *route_of(router *r, const char *bucket, rc_error *err) {
    for (int i = 0; i < r->n_routes; i++)
        if (!strcmp(r->routes[i].bucket, bucket))
            return r->backends[r->routes[i].backend];
    if (r->default_backend < r->n_backends)
        return r->backends[r->default_backend];
    rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist (no storage configured)", bucket);
    return NULL;
}

static int r_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                       char **local_path, int *is_temp, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_get_local(to, bucket, key, tmp_dir, local_path, is_temp, err) : RC_ENOENT;
}

static int r_put_file(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                      rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_put_file(to, bucket, key, local_path, err) : RC_ENOENT;
}

static int r_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_delete_object(to, bucket, key, err) : RC_ENOENT;
}

static int r_bucket_exists(blob_backend *be, const char *bucket, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_bucket_exists(to, bucket, err) : RC_ENOENT;
}

static void r_destroy(blob_backend *be) {
    router *r = (router *)be;
    for (int i = 0; i < r->n_backends; i++)
        blob_destroy(r->backends[i]);
    free(r);
}

static const blob_ops router_ops;

int blob_is_router(const blob_backend *be) {
    return be && be->ops == &router_ops;
}

static int r_open_reader(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                         blob_reader **out, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_open_reader(to, bucket, key, tmp_dir, out, err) : RC_ENOENT;
}

static int r_put_file_tagged(blob_backend *be, const char *bucket, const char *key,
                             const char *local_path, const char *tag, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_put_file_tagged(to, bucket, key, local_path, tag, err) : RC_ENOENT;
}

static int r_stat_tag(blob_backend *be, const char *bucket, const char *key, int64_t *size,
                      char *tag, size_t tag_size, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_stat_tag(to, bucket, key, size, tag, tag_size, err) : RC_ENOENT;
}

static int r_abort_uploads(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    blob_backend *to = route_of((router *)be, bucket, err);
    return to ? blob_abort_uploads(to, bucket, key, err) : RC_ENOENT;
}

static const blob_ops router_ops = {
    "router",  r_get_local,   r_put_file,        r_delete_object, r_bucket_exists,
    r_destroy, r_open_reader, r_put_file_tagged, r_stat_tag,      r_abort_uploads};

int blob_router_create(blob_backend **out, rc_error *err) {
    (void)err;
    router *r = calloc(1, sizeof(*r));
    if (!r)
        return RC_ENOMEM;
    r->base.ops = &router_ops;
    *out = &r->base;
    return 0;
}

static int find_backend(const router *r, const char *name) {
    for (int i = 0; i < r->n_backends; i++)
        if (!strcmp(r->names[i], name))
            return i;
    return -1;
}

int blob_router_add_backend(blob_backend *router_be, const char *name, blob_backend *be,
                            rc_error *err) {
    router *r = (router *)router_be;
    int rc = 0;
    if (find_backend(r, name) >= 0)
        rc = rc_fail(err, RC_EEXIST, NULL, "storage backend \"%s\" is configured twice", name);
    else if (r->n_backends >= BLOB_ROUTER_MAX_BACKENDS || strlen(name) >= sizeof(r->names[0]))
        rc = rc_fail(err, RC_ETOOBIG, NULL, "too many storage backends (at \"%.16s\")", name);
    if (rc) {
        blob_destroy(be);
        return rc;
    }
    snprintf(r->names[r->n_backends], sizeof(r->names[0]), "%s", name);
    r->backends[r->n_backends++] = be;
    return 0;
}

int blob_router_route(blob_backend *router_be, const char *bucket, const char *name,
                      rc_error *err) {
    router *r = (router *)router_be;
    int i = find_backend(r, name);
    if (i < 0)
        return rc_fail(err, RC_ENOENT, NULL,
                       "storage.buckets: backend \"%s\" for bucket \"%s\" "
                       "is not configured",
                       name, bucket);
    for (int j = 0; j < r->n_routes; j++)
        if (!strcmp(r->routes[j].bucket, bucket)) {
            r->routes[j].backend = i;
            return 0;
        }
    if (r->n_routes >= BLOB_ROUTER_MAX_ROUTES || strlen(bucket) >= sizeof(r->routes[0].bucket))
        return rc_fail(err, RC_ETOOBIG, NULL, "storage.buckets: too many or too long (\"%.64s\")",
                       bucket);
    snprintf(r->routes[r->n_routes].bucket, sizeof(r->routes[0].bucket), "%s", bucket);
    r->routes[r->n_routes++].backend = i;
    return 0;
}

int blob_router_set_default(blob_backend *router_be, const char *name, rc_error *err) {
    router *r = (router *)router_be;
    int i = find_backend(r, name);
    if (i < 0)
        return rc_fail(err, RC_ENOENT, NULL, "storage.default: backend \"%s\" is not configured",
                       name);
    r->default_backend = i;
    return 0;
}

const char *blob_router_backend_of(blob_backend *router_be, const char *bucket) {
    router *r = (router *)router_be;
    for (int i = 0; i < r->n_routes; i++)
        if (!strcmp(r->routes[i].bucket, bucket))
            return r->names[r->routes[i].backend];
    return r->default_backend < r->n_backends ? r->names[r->default_backend] : NULL;
}

int blob_s3_from_config(const config *cfg, const char *endpoint, blob_backend **out,
                        rc_error *err) {
    blob_s3_options o = {
        .endpoint = endpoint ? endpoint : cfg->s3_endpoint,
        .region = cfg->s3_region,
        .access_key_id = cfg->s3_access_key_id,
        .secret_access_key = cfg->s3_secret_access_key,
        .virtual_hosted = !strcmp(cfg->s3_addressing, "virtual"),
        .insecure_tls = !cfg->s3_verify_tls,
        .ca_file = cfg->s3_ca_file,
        .part_size = (size_t)cfg->s3_part_size_mb << 20,
        .multipart_threshold = (size_t)cfg->s3_multipart_threshold_mb << 20,
        .upload_threads = cfg->s3_upload_threads,
        .max_attempts = cfg->s3_max_attempts,
        .connect_timeout_s = cfg->s3_connect_timeout_seconds,
        .stall_timeout_s = cfg->s3_stall_timeout_seconds,
    };
    if (endpoint) { /* a job's endpoint: public addresses, or a host the operator named */
        const char *named[CONFIG_LIST_MAX];
        int n = 0;
        for (int i = 0; i < cfg->n_storage_endpoint_allow_hosts && i < CONFIG_LIST_MAX; i++)
            named[n++] = cfg->storage_endpoint_allow_hosts[i];
        o.reach = blob_net_reach_of(endpoint, named, n);
    }
    return blob_s3_create(&o, out, err);
}

int blob_router_from_config(const config *cfg, blob_backend **out, rc_error *err) {
    blob_backend *r = NULL, *be = NULL;
    char path[CONFIG_PATH_MAX + 16];
    int rc = blob_router_create(&r, err);
    if (rc)
        return rc;
    snprintf(path, sizeof(path), "%s/buckets", cfg->data_dir);
    rc = blob_fs_create(path, &be, err);
    if (!rc)
        rc = blob_router_add_backend(r, "fs", be, err);
    if (!rc && cfg->s3_endpoint[0]) {
        rc = blob_s3_from_config(cfg, NULL, &be, err);
        if (!rc)
            rc = blob_router_add_backend(r, "s3", be, err);
    }
    if (!rc)
        rc = blob_router_set_default(r, cfg->storage_default, err);
    for (int i = 0; !rc && i < cfg->n_storage_buckets; i++) {
        char bucket[80];
        snprintf(bucket, sizeof(bucket), "%s", cfg->storage_buckets[i]);
        char *colon = strrchr(bucket, ':');
        if (!colon) {
            rc = rc_fail(err, RC_EINVAL, "InvalidParameter",
                         "storage.buckets entry \"%s\" must be BUCKET:fs or BUCKET:s3", bucket);
            break;
        }
        *colon = '\0';
        rc = blob_router_route(r, bucket, colon + 1, err);
    }
    if (rc) {
        blob_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}
