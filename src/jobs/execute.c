#include "jobs/execute.h"

#include "jobs/execute_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob_http.h"
#include "blob/blob_router.h"
#include "jobs/jobtype.h"
#include "util/log.h"

/* Whether a bucket has a configured backend (API.md §4.0 state check). Local buckets are folders,
 * so existence is a cheap stat; a remote bucket is taken as configured without a network call in
 * the request path - whether it exists shows at execution, where failures name oss://bucket/key. */
static int bucket_known(void *ctx, const char *bucket) {
    blob_backend *be = ctx;
    const char *name = blob_is_router(be) ? blob_router_backend_of(be, bucket) : "fs";
    if (!name)
        return 0;
    if (strcmp(name, "fs") != 0)
        return 1;
    return blob_bucket_exists(be, bucket, NULL) == 0;
}

engine_limits jobs_engine_limits(const config *cfg) {
    engine_limits l = {.max_pixels = cfg->limits_max_pixels,
                       .codec_threads = cfg->limits_codec_threads};
    return l;
}

void jobs_policy_from_config(const config *cfg, blob_backend *blob, jobs_policy *policy) {
    memset(policy, 0, sizeof(*policy));
    policy->bucket_exists = blob ? bucket_known : NULL;
    policy->bucket_ctx = blob;
    policy->allow_local_paths = cfg->allow_local_paths;
    /* An Endpoint override uses the [s3] credentials: without them there is nothing to sign with.
     */
    policy->allow_endpoint_override = cfg->storage_allow_endpoint_override &&
                                      cfg->s3_access_key_id[0] && cfg->s3_secret_access_key[0];
    for (int i = 0; i < cfg->n_allowed_roots && i < JOBS_POLICY_LIST_MAX; i++)
        policy->local_roots[policy->n_local_roots++] = cfg->allowed_roots[i];
    for (int i = 0; i < cfg->n_allowed_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->http_hosts[policy->n_http_hosts++] = cfg->allowed_hosts[i];
    for (int i = 0; i < cfg->n_callback_allow_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->callback_hosts[policy->n_callback_hosts++] = cfg->callback_allow_hosts[i];
    for (int i = 0; i < cfg->n_storage_endpoint_allow_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->endpoint_hosts[policy->n_endpoint_hosts++] = cfg->storage_endpoint_allow_hosts[i];
    policy->deny_dir = cfg->data_dir;
}

int jobs_executor_create(const config *cfg, store *st, blob_backend *blob, jobs_executor **out,
                         rc_error *err) {
    (void)err;
    jobs_executor *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return RC_ENOMEM;
    ex->cfg = cfg;
    ex->st = st;
    ex->blob = blob;
    jobs_policy_from_config(cfg, blob, &ex->policy);
    ex->limits = jobs_engine_limits(cfg);
    *out = ex;
    return 0;
}

void jobs_executor_destroy(jobs_executor *ex) {
    free(ex);
}

static int reader_read_at(void *user, int64_t offset, void *buf, size_t len) {
    return blob_reader_read_at(user, offset, buf, len);
}

int jobs_object_input_open(blob_backend *be, const char *bucket, const char *key,
                           const char *tmp_dir, jobs_object_input *in, rc_error *err) {
    memset(in, 0, sizeof(*in));
    in->bucket = strdup(bucket);
    in->key = strdup(key);
    if (!in->bucket || !in->key) {
        jobs_object_input_free(in);
        return RC_ENOMEM;
    }
    rc_error rerr = {0};
    int rc = blob_open_reader(be, bucket, key, tmp_dir, &in->reader, &rerr);
    if (rc && rc != RC_ENOTSUP) {
        jobs_object_input_free(in);
        return rc_fail(err, rerr.rc ? rerr.rc : rc, NULL, "%s", rerr.message);
    }
    if (rc == 0) {
        size_t n = strlen(bucket) + strlen(key) + 8;
        if (!(in->path = malloc(n))) {
            jobs_object_input_free(in);
            return RC_ENOMEM;
        }
        snprintf(in->path, n, "oss://%s/%s", bucket, key);
        in->source = (engine_source){.path = in->path,
                                     .read_at = reader_read_at,
                                     .user = in->reader,
                                     .size = blob_reader_size(in->reader)};
        return 0;
    }
    rc = blob_get_local(be, bucket, key, tmp_dir, &in->path, &in->is_temp, err);
    if (rc)
        jobs_object_input_free(in);
    else
        in->source = engine_source_path(in->path);
    return rc;
}

const rc_error *jobs_object_input_error(const jobs_object_input *in) {
    return in->reader ? blob_reader_error(in->reader) : NULL;
}

void jobs_object_input_free(jobs_object_input *in) {
    blob_reader_stats st = {0};
    if (in->reader)
        blob_reader_get_stats(in->reader, &st);
    if (st.requests > 0) { /* a remote object (local files count no requests) */
        log_info("input %s: read %lld of %lld bytes in %d requests%s", in->path,
                 (long long)st.bytes_fetched, (long long)blob_reader_size(in->reader), st.requests,
                 st.fallback ? " (fell back to a temp-file download)" : "");
    }
    blob_reader_close(in->reader);
    in->reader = NULL;
    if (in->is_temp && in->path)
        unlink(in->path);
    free(in->path);
    free(in->bucket);
    free(in->key);
    free(in->name);
    in->path = in->bucket = in->key = in->name = NULL;
    in->is_temp = 0;
    in->source.name = NULL;
}

int jobs_input_read_failure(const jobs_object_input *in, const char *param, int rc, rc_error *err) {
    const rc_error *rerr = jobs_object_input_error(in);
    if (!rerr)
        return rc;
    rc_error_clear(err);
    if (rerr->rc == RC_ENOMEM)
        return rc_fail(err, RC_ENOMEM, "InternalError", "%s: %s", param, rerr->message);
    return rc_fail(err, RC_EREAD, "InputReadFailed", "%s: %s", param, rerr->message);
}

#define INPUT_ECHO_MAX 200 /* bytes of an input's URL in messages */

/* Names the input for the engine's messages: its parameter and its location as the caller wrote
 * it ("InputConfig.Media (oss://media-in/a.mp4)"; an http(s) URL without its query, which may
 * hold a signature) - never the local file it is read from (API.md: messages name parameters and
 * oss:// objects, not server paths). */
static int name_input(jobs_object_input *in, const char *param, const jobs_location *loc) {
    const char *raw = loc->raw ? loc->raw : "";
    size_t len = strncasecmp(raw, "http", 4) == 0 ? strcspn(raw, "?#") : strlen(raw);
    const char *more = len > INPUT_ECHO_MAX ? "..." : "";
    if (len > INPUT_ECHO_MAX)
        len = INPUT_ECHO_MAX;
    size_t n = strlen(param) + len + 8;
    free(in->name);
    if (!(in->name = malloc(n)))
        return RC_ENOMEM;
    snprintf(in->name, n, "%s (%.*s%s)", param, (int)len, raw, more);
    in->source.name = in->name;
    return 0;
}

static int resolve_location(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                            const char *param, const char *work_dir, jobs_object_input *out,
                            rc_error *err);

int jobs_resolve_input(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                       const char *param, const char *work_dir, jobs_object_input *out,
                       rc_error *err) {
    int rc = resolve_location(ex, job, loc, param, work_dir, out, err);
    if (!rc && loc->kind != JOBS_LOC_MEDIA && name_input(out, param, loc)) {
        jobs_object_input_free(out);
        rc = RC_ENOMEM;
    }
    return rc;
}

static int resolve_location(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                            const char *param, const char *work_dir, jobs_object_input *out,
                            rc_error *err) {
    memset(out, 0, sizeof(*out));
    switch (loc->kind) {
    case JOBS_LOC_OSS: {
        rc_error berr = {0};
        int rc = jobs_object_input_open(ex->blob, loc->bucket, loc->key, work_dir, out, &berr);
        if (rc == RC_ENOENT)
            return rc_fail(err, rc, "InvalidParameter.ResourceNotFound",
                           "The resource operated \"%s\" cannot be found: %s", param, berr.message);
        if (rc)
            return rc_fail(err, RC_EREAD, "InputReadFailed", "%s: %s", param, berr.message);
        return 0;
    }
    case JOBS_LOC_FILE: {
        int rc = jobs_local_file_resolve(loc, &ex->policy, param, &out->path, err);
        if (rc)
            return rc;
        out->source = engine_source_path(out->path);
        return 0;
    }
    case JOBS_LOC_MEDIA: {
        store_media m;
        memset(&m, 0, sizeof(m));
        int rc = store_media_get(ex->st, loc->key, job->user_id, &m, NULL);
        if (rc)
            return rc_fail(err, RC_ENOENT, "InvalidParameter.ResourceNotFound",
                           "The resource operated \"%s\" cannot be found.", param);
        jobs_location inner;
        rc = jobs_location_parse(m.input_url, &ex->policy, param, &inner, err);
        store_media_free(&m);
        if (rc)
            return rc;
        rc = jobs_resolve_input(ex, job, &inner, param, work_dir, out, err);
        jobs_location_free(&inner);
        return rc;
    }
    case JOBS_LOC_HTTP: {
        /* Only hosts the configuration allows get here (checked at submission); the download
         * connects to internal addresses only for hosts named in inputs.allowed_hosts. */
        rc_error herr = {0};
        blob_http_limits limits = {.named_hosts = ex->policy.http_hosts,
                                   .n_named_hosts = ex->policy.n_http_hosts};
        int rc = blob_http_download(loc->key, work_dir, &limits, &out->path, &herr);
        if (rc)
            return rc_fail(err, rc, herr.code, "%s: %s", param, herr.message);
        out->is_temp = 1;
        out->source = engine_source_path(out->path);
        return 0;
    }
    }
    return rc_fail(err, RC_ENOTSUP, "InvalidParameter.UnsupportedValue",
                   "%s value \"%.64s\" is not supported", param, loc->raw ? loc->raw : "");
}

/* MediaIds are resolved only now (URL inputs were refused at submission, unless the job was
 * queued before that check); the bucket sink guards each upload all the same. */
int jobs_outputs_spare_inputs(const jobs_output_spec *out, const jobs_object_input *in, size_t n,
                              rc_error *err) {
    for (size_t i = 0; out->need_export && i < n; i++) {
        jobs_location loc = {.kind = JOBS_LOC_OSS, .bucket = in[i].bucket, .key = in[i].key};
        int rc = in[i].bucket ? jobs_output_check_input(out, &loc, in[i].name, err) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

/* The last guard of the rule that no local path of the server reaches a caller (inputs and
 * outputs are named by parameter and oss:// URL everywhere above): paths under the data dir or
 * the job's folder left in a job error are hidden, and the original goes to the log for whoever
 * has to find the message that leaked them. */
static void hide_local_paths(rc_error *err, const char *data_dir, const char *work_dir) {
    rc_error original = *err;
    int hidden = rc_error_hide_paths(err, data_dir, "(a file of the server)");
    hidden += rc_error_hide_paths(err, work_dir, "(a file of the server)");
    if (hidden)
        log_warn("job error held a local path (hidden from the caller): %s", original.message);
}

int jobs_executor_run(void *user, const jobs_task *task, jobs_outcome *out, rc_error *err) {
    jobs_executor *ex = user;
    const jobs_job_type *type = jobs_job_type_by_name(task->job->type);
    jobs_spec_buf spec;
    int rc;
    if (!type) {
        rc = rc_fail(err, RC_ENOTSUP, "InternalError", "job type %s is not supported",
                     task->job->type);
    } else {
        rc = jobs_job_type_parse_job(type, task->job, &ex->policy, &spec, err);
        if (!rc) {
            rc = type->run(ex, task, &spec, out, err);
            type->free(&spec);
        }
    }
    if (rc && err)
        hide_local_paths(err, ex->cfg->data_dir, task->work_dir);
    return rc;
}
