#include "jobs/execute.h"

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
#include "jobs/highlights.h"
#include "jobs/objectkey.h"
#include "jobs/segmentation.h"
#include "util/ids.h"
#include "util/log.h"

struct jobs_executor {
    const config *cfg;
    store *st;
    blob_backend *blob;
    jobs_policy policy;
    engine_limits limits;
};

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
    /* An Endpoint override uses the [s3] credentials: without them there is nothing to sign with. */
    policy->allow_endpoint_override =
        cfg->storage_allow_endpoint_override && cfg->s3_access_key_id[0] &&
        cfg->s3_secret_access_key[0];
    for (int i = 0; i < cfg->n_allowed_roots && i < JOBS_POLICY_LIST_MAX; i++)
        policy->local_roots[policy->n_local_roots++] = cfg->allowed_roots[i];
    for (int i = 0; i < cfg->n_allowed_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->http_hosts[policy->n_http_hosts++] = cfg->allowed_hosts[i];
    for (int i = 0; i < cfg->n_callback_allow_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->callback_hosts[policy->n_callback_hosts++] = cfg->callback_allow_hosts[i];
    for (int i = 0; i < cfg->n_storage_endpoint_allow_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->endpoint_hosts[policy->n_endpoint_hosts++] = cfg->storage_endpoint_allow_hosts[i];
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

typedef jobs_object_input local_input;

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
                 (long long)st.bytes_fetched, (long long)blob_reader_size(in->reader),
                 st.requests, st.fallback ? " (fell back to a temp-file download)" : "");
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

static void local_input_free(local_input *in) {
    jobs_object_input_free(in);
}

/* Replaces a job failure (or success) by the input reader's failure, if it had one: the engine
 * sees a failed read as damaged or truncated media. Returns the rc to report. */
static int input_read_failure(const local_input *in, const char *param, int rc, rc_error *err) {
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
static int name_input(local_input *in, const char *param, const jobs_location *loc) {
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
                            const char *param, const char *work_dir, local_input *out,
                            rc_error *err);

/* Resolves loc (named `param` in messages) to something the engine reads, named for messages by
 * param and the location. MediaIds resolve through the store. */
static int resolve_input(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                         const char *param, const char *work_dir, local_input *out,
                         rc_error *err) {
    int rc = resolve_location(ex, job, loc, param, work_dir, out, err);
    if (!rc && loc->kind != JOBS_LOC_MEDIA && name_input(out, param, loc)) {
        local_input_free(out);
        rc = RC_ENOMEM;
    }
    return rc;
}

static int resolve_location(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                            const char *param, const char *work_dir, local_input *out,
                            rc_error *err) {
    memset(out, 0, sizeof(*out));
    switch (loc->kind) {
    case JOBS_LOC_OSS: {
        rc_error berr = {0};
        int rc = jobs_object_input_open(ex->blob, loc->bucket, loc->key, work_dir, out, &berr);
        if (rc == RC_ENOENT)
            return rc_fail(err, rc, "InvalidParameter.ResourceNotFound",
                           "The resource operated \"%s\" cannot be found: %s", param,
                           berr.message);
        if (rc)
            return rc_fail(err, RC_EREAD, "InputReadFailed", "%s: %s", param, berr.message);
        return 0;
    }
    case JOBS_LOC_FILE: {
        struct stat sb;
        if (stat(loc->key, &sb) != 0 || !S_ISREG(sb.st_mode))
            return rc_fail(err, RC_ENOENT, "InvalidParameter.ResourceNotFound",
                           "The resource operated \"%s\" cannot be found: %.*s", param,
                           INPUT_ECHO_MAX, loc->raw ? loc->raw : loc->key);
        out->path = strdup(loc->key);
        out->source = engine_source_path(out->path);
        return out->path ? 0 : RC_ENOMEM;
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
        rc = resolve_input(ex, job, &inner, param, work_dir, out, err);
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

/* Exports go to the job's folder first, then into the target bucket. */
typedef struct bucket_output {
    jobs_executor *ex;
    const char *work_dir;
    const jobs_output_spec *spec;
    rc_error *err;
    const store_job *job;    /* ExportAsNewMedia registers outputs for the job's user */
    blob_backend *target;    /* where outputs go: the bucket's backend, or OutputConfig.Endpoint's */
    unsigned char *uploaded; /* uploaded[index] = 1 once stored in the bucket */
    size_t n_uploaded;
    const local_input *inputs; /* the job's inputs, which no output may replace */
    size_t n_inputs;
} bucket_output;

/* The submission refused templates that can name a URL input (jobs_output_check_input); this
 * also covers inputs given by MediaId and whatever reached the queue before that check: an
 * object the job reads is never replaced, so a failed job can never delete it either. */
static int refuse_input_key(const bucket_output *bo, int index, const char *key, rc_error *err) {
    for (size_t i = 0; i < bo->n_inputs; i++) {
        const local_input *in = &bo->inputs[i];
        if (in->bucket && in->key && strcmp(in->bucket, bo->spec->bucket) == 0 &&
            strcmp(in->key, key) == 0)
            return rc_fail(err, RC_EINVAL, "InvalidParameter",
                           "OutputConfig.ObjectKey: output %d (oss://%s/%.200s) would replace %s",
                           index, bo->spec->bucket, key, in->name ? in->name : "an input");
    }
    return 0;
}

/* Fails before any work is done when some output of the template would be one of the inputs:
 * MediaIds are resolved only now (URL inputs were refused at submission, unless the job was
 * queued before that check). refuse_input_key guards each upload all the same. */
static int outputs_spare_inputs(const jobs_output_spec *out, const local_input *in, size_t n,
                                rc_error *err) {
    for (size_t i = 0; out->need_export && i < n; i++) {
        jobs_location loc = {.kind = JOBS_LOC_OSS, .bucket = in[i].bucket, .key = in[i].key};
        int rc = in[i].bucket ? jobs_output_check_input(out, &loc, in[i].name, err) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

/* What messages call output `index`: "OutputConfig.ObjectKey (oss://bucket/key)". */
static void bucket_output_name(void *user, int index, char *out, size_t n) {
    bucket_output *bo = user;
    char key[OBJECTKEY_MAX + 1];
    if (objectkey_expand(bo->spec->object_key, index, OBJECTKEY_MAX, key, sizeof(key), "", NULL))
        snprintf(out, n, "OutputConfig.ObjectKey (output %d)", index);
    else
        snprintf(out, n, "OutputConfig.ObjectKey (oss://%s/%.200s)", bo->spec->bucket, key);
}

static int bucket_path_for(void *user, int index, char *path, size_t n, rc_error *err) {
    bucket_output *bo = user;
    enum objectkey_container c = OBJECTKEY_MP4;
    objectkey_container(bo->spec->object_key, &c);
    static const char *ext[] = {"mp4", "mov", "mkv", "webm"};
    if (snprintf(path, n, "%s/out_%d.%s", bo->work_dir, index, ext[c]) >= (int)n)
        return rc_fail(err, RC_EINTERNAL, NULL, "job folder path too long");
    return 0;
}

static int bucket_done(void *user, int index, const char *path,
                       char media_url[SEGMENTATION_URL_MAX], char media_id[SEGMENTATION_ID_MAX],
                       rc_error *err) {
    bucket_output *bo = user;
    char key[OBJECTKEY_MAX + 1];
    int rc = objectkey_expand(bo->spec->object_key, index, OBJECTKEY_MAX, key, sizeof(key),
                              "OutputConfig.ObjectKey", err);
    if (!rc)
        rc = refuse_input_key(bo, index, key, err);
    if (rc)
        return rc;
    rc_error berr = {0};
    rc = blob_put_file(bo->target, bo->spec->bucket, key, path, &berr);
    if (rc)
        return rc_fail(err, RC_EWRITE, "OutputWriteFailed", "OutputConfig: %s", berr.message);
    if ((size_t)index >= bo->n_uploaded) {
        size_t n = (size_t)index * 2 + 16;
        unsigned char *p = realloc(bo->uploaded, n);
        if (!p)
            return RC_ENOMEM;
        memset(p + bo->n_uploaded, 0, n - bo->n_uploaded);
        bo->uploaded = p;
        bo->n_uploaded = n;
    }
    bo->uploaded[index] = 1;
    snprintf(media_url, SEGMENTATION_URL_MAX, "oss://%s/%s", bo->spec->bucket, key);
    media_id[0] = '\0';
    if (!bo->spec->export_as_new_media)
        return 0;
    /* ExportAsNewMedia: a new asset for the new object (replacing a registration of the same
     * URL, whose object was just overwritten); the prober fills in its facts. */
    store_media m;
    memset(&m, 0, sizeof(m));
    ids_hex128(m.media_id);
    m.user_id = bo->job->user_id;
    m.input_url = media_url;
    char title[64];
    snprintf(title, sizeof(title), "%s_%d", bo->job->job_id, index);
    m.title = title;
    char existing[STORE_ID_LEN + 1];
    enum store_submit_outcome outcome;
    rc_error serr = {0};
    rc = store_media_register(bo->ex->st, &m, 1, NULL, existing, &outcome, &serr);
    if (rc)
        return rc_fail(err, RC_EDB, "InternalError", "cannot register %s as media: %s", media_url,
                       serr.message);
    snprintf(media_id, SEGMENTATION_ID_MAX, "%s", m.media_id);
    return 0;
}

/* OutputConfig.Endpoint (allowed by the policy at submission): an S3 backend at that endpoint
 * with the configured credentials, for this job's outputs only. *owned is what to destroy. */
static int open_output_target(jobs_executor *ex, const jobs_output_spec *out, bucket_output *bo,
                              blob_backend **owned, rc_error *err) {
    *owned = NULL;
    if (!out->need_export || !out->endpoint)
        return 0;
    rc_error berr = {0};
    int rc = blob_s3_from_config(ex->cfg, out->endpoint, owned, &berr);
    if (rc)
        return rc_fail(err, RC_EWRITE, "OutputWriteFailed", "OutputConfig.Endpoint: %s",
                       berr.message);
    bo->target = *owned;
    return 0;
}

/* Removes a stored output; objects this job did not write are left alone. */
static void bucket_undo(void *user, int index, const char *path) {
    unlink(path);
    bucket_output *bo = user;
    char key[OBJECTKEY_MAX + 1];
    if ((size_t)index >= bo->n_uploaded || !bo->uploaded[index] ||
        objectkey_expand(bo->spec->object_key, index, OBJECTKEY_MAX, key, sizeof(key), "", NULL))
        return;
    blob_delete_object(bo->target, bo->spec->bucket, key, NULL);
}

static void undo_uploads(bucket_output *bo) {
    for (size_t i = 0; i < bo->n_uploaded; i++)
        if (bo->uploaded[i])
            bucket_undo(bo, (int)i, "");
}

static int run_segmentation(jobs_executor *ex, const jobs_task *task, jobs_outcome *out,
                            rc_error *err) {
    const store_job *job = task->job;
    jobs_seg_spec spec;
    int rc = jobs_seg_spec_parse(job->input_config, job->job_params, job->output_config,
                                 job->user_data, &ex->policy, &spec, err);
    if (rc)
        return rc;
    local_input in;
    rc = resolve_input(ex, job, &spec.input, "InputConfig.Media", task->work_dir, &in, err);
    in.source.limits = &ex->limits;
    if (rc)
        goto out_spec;
    rc = outputs_spare_inputs(&spec.output, &in, 1, err);
    if (rc) {
        local_input_free(&in);
        goto out_spec;
    }
    bucket_output bo = {.ex = ex,
                        .work_dir = task->work_dir,
                        .spec = &spec.output,
                        .err = err,
                        .job = job,
                        .target = ex->blob,
                        .inputs = &in,
                        .n_inputs = 1};
    segmentation_export exporter = {bucket_path_for, bucket_done, bucket_undo, &bo,
                                    bucket_output_name};
    /* jobs_range and segmentation_range are both {double in, out}. */
    segmentation_range *ranges = NULL;
    if (spec.n_ranges) {
        ranges = calloc(spec.n_ranges, sizeof(*ranges));
        if (!ranges) {
            rc = RC_ENOMEM;
            local_input_free(&in);
            goto out_spec;
        }
        for (size_t i = 0; i < spec.n_ranges; i++) {
            ranges[i].in = spec.ranges[i].in;
            ranges[i].out = spec.ranges[i].out;
        }
    }
    blob_backend *owned = NULL;
    rc = open_output_target(ex, &spec.output, &bo, &owned, err);
    if (rc) {
        free(ranges);
        local_input_free(&in);
        goto out_spec;
    }
    segmentation_request req = {
        .input_path = in.path,
        .input_source = &in.source,
        .input_name = "InputConfig.Media",
        .mode = spec.mode == JOBS_SEG_USER_DEFINED ? SEGMENTATION_USER_DEFINED
                                                   : SEGMENTATION_BASIC_CLIP_SPLIT,
        .ranges = ranges,
        .nb_ranges = spec.n_ranges,
        .ranges_name = "JobParams.Ranges",
        .width = spec.output.width,
        .height = spec.output.height,
        .exporter = spec.output.need_export ? &exporter : NULL,
    };
    segmentation_result res;
    memset(&res, 0, sizeof(res));
    rc = segmentation_run(&req, &task->progress, &res, err);
    if (jobs_object_input_error(&in)) {
        if (!rc)
            undo_uploads(&bo);
        rc = input_read_failure(&in, "InputConfig.Media", rc, err);
    }
    free(ranges);
    local_input_free(&in);
    if (!rc) {
        out->ai_result = segmentation_ai_result_dumps(&res, 0);
        if (res.count > 0 && res.segments[0].media_url[0])
            out->media_url = strdup(res.segments[0].media_url);
        if (res.count > 0 && res.segments[0].media_id[0])
            out->media_id = strdup(res.segments[0].media_id);
        if (!out->ai_result)
            rc = RC_ENOMEM;
    }
    segmentation_result_free(&res);
    free(bo.uploaded);
    blob_destroy(owned);
out_spec:
    jobs_seg_spec_free(&spec);
    return rc;
}

static int hl_publish(void *user, int index, const char *path, char **media_url, char **media_id,
                      rc_error *err) {
    char url[SEGMENTATION_URL_MAX], id[SEGMENTATION_ID_MAX];
    int rc = bucket_done(user, index, path, url, id, err);
    if (rc)
        return rc;
    *media_id = id[0] ? strdup(id) : NULL;
    *media_url = strdup(url);
    return *media_url && (*media_id || !id[0]) ? 0 : RC_ENOMEM;
}

static int run_highlights(jobs_executor *ex, const jobs_task *task, jobs_outcome *out,
                          rc_error *err) {
    const store_job *job = task->job;
    jobs_hl_spec spec;
    int rc = jobs_hl_spec_parse(job->input_config, job->output_config, job->user_data,
                                &ex->policy, &spec, err);
    if (rc)
        return rc;
    local_input *locals = calloc(spec.n_media, sizeof(*locals));
    jobs_hl_input *inputs = calloc(spec.n_media, sizeof(*inputs));
    bucket_output bo = {.ex = ex,
                        .work_dir = task->work_dir,
                        .spec = &spec.output,
                        .err = err,
                        .job = job,
                        .target = ex->blob,
                        .inputs = locals,
                        .n_inputs = spec.n_media};
    blob_backend *owned = NULL;
    jobs_hl_result res;
    memset(&res, 0, sizeof(res));
    if (!locals || !inputs) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < spec.n_media && !rc; i++) {
        const jobs_hl_media *m = &spec.media[i];
        char param[96];
        jobs_location media_loc = {.kind = JOBS_LOC_MEDIA, .raw = m->media_id, .key = m->media_id};
        snprintf(param, sizeof(param), "InputConfig.MediaArray[%zu].%s", i,
                 m->media_id ? "MediaId" : "MediaURL");
        rc = resolve_input(ex, job, m->media_id ? &media_loc : &m->url, param, task->work_dir,
                           &locals[i], err);
        locals[i].source.limits = &ex->limits;
        inputs[i].path = locals[i].path;
        inputs[i].source = &locals[i].source;
        inputs[i].media_id = m->media_id;
        inputs[i].media_url = m->media_id ? NULL : m->url.raw;
    }
    if (!rc)
        rc = outputs_spare_inputs(&spec.output, locals, spec.n_media, err);
    if (!rc)
        rc = open_output_target(ex, &spec.output, &bo, &owned, err);
    if (rc)
        goto out;
    jobs_hl_export exporter = {.output_path = bucket_path_for,
                               .publish = hl_publish,
                               .user = &bo,
                               .width = spec.output.width,
                               .height = spec.output.height,
                               .output_name = bucket_output_name};
    jobs_hl_request req = {inputs, spec.n_media, spec.count, spec.clip_duration,
                           spec.output.need_export ? &exporter : NULL};
    rc = jobs_hl_run(&req, &task->progress, &res, err);
    for (size_t i = 0; i < spec.n_media; i++)
        if (jobs_object_input_error(&locals[i])) {
            char param[64];
            snprintf(param, sizeof(param), "InputConfig.MediaArray[%zu]", i);
            rc = input_read_failure(&locals[i], param, rc ? rc : RC_EREAD, err);
            break;
        }
    if (rc) {
        undo_uploads(&bo);
        goto out;
    }
    json_t *ai = jobs_hl_result_json(&res);
    out->ai_result = ai ? json_dumps(ai, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                             JSON_REAL_PRECISION(15))
                        : NULL;
    json_decref(ai);
    if (res.n_clips > 0 && res.clips[0].media_url)
        out->media_url = strdup(res.clips[0].media_url);
    if (res.n_clips > 0 && res.clips[0].media_id)
        out->media_id = strdup(res.clips[0].media_id);
    if (!out->ai_result)
        rc = RC_ENOMEM;
out:
    jobs_hl_result_free(&res);
    for (size_t i = 0; locals && i < spec.n_media; i++)
        local_input_free(&locals[i]);
    free(locals);
    free(inputs);
    free(bo.uploaded);
    blob_destroy(owned);
    jobs_hl_spec_free(&spec);
    return rc;
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
    int rc;
    if (strcmp(task->job->type, "Segmentation") == 0)
        rc = run_segmentation(ex, task, out, err);
    else if (strcmp(task->job->type, "HighlightExtraction") == 0)
        rc = run_highlights(ex, task, out, err);
    else
        rc = rc_fail(err, RC_ENOTSUP, "InternalError", "job type %s is not supported",
                     task->job->type);
    if (rc && err)
        hide_local_paths(err, ex->cfg->data_dir, task->work_dir);
    return rc;
}
