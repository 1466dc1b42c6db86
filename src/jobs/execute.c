#include "jobs/execute.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobs/objectkey.h"
#include "util/log.h"

struct jobs_executor {
    const config *cfg;
    store *st;
    blob_backend *blob;
    jobs_policy policy;
};

static int bucket_known(void *ctx, const char *bucket) {
    return blob_bucket_exists((blob_backend *)ctx, bucket, NULL) == 0;
}

void jobs_policy_from_config(const config *cfg, blob_backend *blob, jobs_policy *policy) {
    memset(policy, 0, sizeof(*policy));
    policy->bucket_exists = blob ? bucket_known : NULL;
    policy->bucket_ctx = blob;
    policy->allow_local_paths = cfg->allow_local_paths;
    for (int i = 0; i < cfg->n_allowed_roots && i < JOBS_POLICY_LIST_MAX; i++)
        policy->local_roots[policy->n_local_roots++] = cfg->allowed_roots[i];
    for (int i = 0; i < cfg->n_allowed_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->http_hosts[policy->n_http_hosts++] = cfg->allowed_hosts[i];
    for (int i = 0; i < cfg->n_callback_allow_hosts && i < JOBS_POLICY_LIST_MAX; i++)
        policy->callback_hosts[policy->n_callback_hosts++] = cfg->callback_allow_hosts[i];
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
    *out = ex;
    return 0;
}

void jobs_executor_destroy(jobs_executor *ex) {
    free(ex);
}

/* A resolved input: a readable local file, maybe a temp copy to remove afterwards. */
typedef struct local_input {
    char *path;
    int is_temp;
} local_input;

static void local_input_free(local_input *in) {
    if (in->is_temp && in->path)
        unlink(in->path);
    free(in->path);
    in->path = NULL;
}

/* Resolves loc (named `param` in messages) to a local file. MediaIds resolve through the store. */
static int resolve_input(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                         const char *param, const char *work_dir, local_input *out,
                         rc_error *err) {
    memset(out, 0, sizeof(*out));
    switch (loc->kind) {
    case JOBS_LOC_OSS: {
        rc_error berr = {0};
        int rc = blob_get_local(ex->blob, loc->bucket, loc->key, work_dir, &out->path,
                                &out->is_temp, &berr);
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
                           "The resource operated \"%s\" cannot be found: %s", param, loc->key);
        out->path = strdup(loc->key);
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
    case JOBS_LOC_HTTP:
        break;
    }
    return rc_fail(err, RC_ENOTSUP, "InvalidParameter.UnsupportedValue",
                   "%s value \"%.64s\" is not supported: http(s) downloads are not enabled", param,
                   loc->raw ? loc->raw : "");
}

int jobs_executor_run(void *user, const jobs_task *task, jobs_outcome *out, rc_error *err) {
    jobs_executor *ex = user;
    const store_job *job = task->job;
    (void)out;
    if (strcmp(job->type, "Segmentation") == 0) {
        jobs_seg_spec spec;
        int rc = jobs_seg_spec_parse(job->input_config, job->job_params, job->output_config,
                                     job->user_data, &ex->policy, &spec, err);
        if (rc)
            return rc;
        local_input in;
        rc = resolve_input(ex, job, &spec.input, "InputConfig.Media", task->work_dir, &in, err);
        if (!rc) {
            rc = rc_fail(err, RC_EINTERNAL, "InternalError", "segmentation runner pending");
            local_input_free(&in);
        }
        jobs_seg_spec_free(&spec);
        return rc;
    }
    return rc_fail(err, RC_ENOTSUP, "InternalError", "job type %s is not supported", job->type);
}
