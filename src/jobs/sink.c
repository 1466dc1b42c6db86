/* sink: the output sink runners export through, and the service's sink (job folder -> bucket). */
#include "jobs/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob_router.h"
#include "jobs/execute_int.h"
#include "jobs/objectkey.h"
#include "util/ids.h"
#include "util/log.h"

#define MEDIA_URL_MAX 2048

void jobs_output_sink_discard(const jobs_output_sink *sink, int index, const char *path) {
    if (sink->discard)
        sink->discard(sink->user, index, path);
    else if (path[0])
        unlink(path);
}

/* The submission refused templates that can name a URL input (jobs_output_check_input); this
 * also covers inputs given by MediaId and whatever reached the queue before that check: an
 * object the job reads is never replaced, so a failed job can never delete it either. */
static int refuse_input_key(const jobs_bucket_sink *b, int index, const char *key, rc_error *err) {
    for (size_t i = 0; i < b->n_inputs; i++) {
        const jobs_object_input *in = &b->inputs[i];
        if (in->bucket && in->key && strcmp(in->bucket, b->spec->bucket) == 0 &&
            strcmp(in->key, key) == 0)
            return rc_fail(err, RC_EINVAL, "InvalidParameter",
                           "OutputConfig.ObjectKey: output %d (oss://%s/%.200s) would replace %s",
                           index, b->spec->bucket, key, in->name ? in->name : "an input");
    }
    return 0;
}

/* What messages call output `index`: "OutputConfig.ObjectKey (oss://bucket/key)". */
static void bucket_name(void *user, int index, char *out, size_t n) {
    jobs_bucket_sink *b = user;
    char key[OBJECTKEY_MAX + 1];
    if (objectkey_expand(b->spec->object_key, index, OBJECTKEY_MAX, key, sizeof(key), "", NULL))
        snprintf(out, n, "OutputConfig.ObjectKey (output %d)", index);
    else
        snprintf(out, n, "OutputConfig.ObjectKey (oss://%s/%.200s)", b->spec->bucket, key);
}

static int bucket_path_for(void *user, int index, char *path, size_t n, rc_error *err) {
    jobs_bucket_sink *b = user;
    enum objectkey_container c = OBJECTKEY_MP4;
    objectkey_container(b->spec->object_key, &c);
    static const char *ext[] = {"mp4", "mov", "mkv", "webm"};
    if (snprintf(path, n, "%s/out_%d.%s", b->work_dir, index, ext[c]) >= (int)n)
        return rc_fail(err, RC_EINTERNAL, NULL, "job folder path too long");
    return 0;
}

static int mark_uploaded(jobs_bucket_sink *b, int index) {
    if ((size_t)index >= b->n_uploaded) {
        size_t n = (size_t)index * 2 + 16;
        unsigned char *p = realloc(b->uploaded, n);
        if (!p)
            return RC_ENOMEM;
        memset(p + b->n_uploaded, 0, n - b->n_uploaded);
        b->uploaded = p;
        b->n_uploaded = n;
    }
    b->uploaded[index] = 1;
    return 0;
}

void jobs_bucket_sink_adopt(jobs_bucket_sink *b, int index) {
    if (b && index > 0)
        mark_uploaded(b, index);
}

/* A retried job (an earlier attempt's worker died, or storage was away) must not write an
 * output twice: an object at key tagged with this JobId and as large as the new file was stored
 * by an earlier attempt (S3 stores an object whole or not at all; the export is the same), so it
 * is kept. Otherwise the incomplete multipart uploads an earlier attempt left of key are aborted
 * and the file is uploaded. Backends without tags (local folders) always upload. */
static int kept_from_earlier_attempt(jobs_bucket_sink *b, const char *key, const char *path) {
    struct stat sb;
    int64_t size = -1;
    char tag[BLOB_TAG_MAX + 8] = "";
    int rc = blob_stat_tag(b->target, b->spec->bucket, key, &size, tag, sizeof(tag), NULL);
    if (rc == RC_ENOTSUP)
        return 0;
    if (rc == 0 && strcmp(tag, b->job->job_id) == 0 && stat(path, &sb) == 0 &&
        (int64_t)sb.st_size == size) {
        log_info("job %s: oss://%s/%s was stored by an earlier attempt; kept", b->job->job_id,
                 b->spec->bucket, key);
        return 1;
    }
    blob_abort_uploads(b->target, b->spec->bucket, key, NULL);
    return 0;
}

/* Stores the file as the expanded ObjectKey; ExportAsNewMedia: a new asset for the new object
 * (replacing a registration of the same URL, whose object was just overwritten); the prober
 * fills in its facts. */
static int bucket_publish(void *user, int index, const char *path, char **media_url,
                          char **media_id, rc_error *err) {
    jobs_bucket_sink *b = user;
    char key[OBJECTKEY_MAX + 1], url[MEDIA_URL_MAX];
    *media_url = *media_id = NULL;
    int rc = objectkey_expand(b->spec->object_key, index, OBJECTKEY_MAX, key, sizeof(key),
                              "OutputConfig.ObjectKey", err);
    if (!rc)
        rc = refuse_input_key(b, index, key, err);
    if (rc)
        return rc;
    rc_error berr = {0};
    if (b->job->attempts > 1 && kept_from_earlier_attempt(b, key, path)) {
        unlink(path); /* consumed, as an upload would */
    } else {
        rc = blob_put_file_tagged(b->target, b->spec->bucket, key, path, b->job->job_id, &berr);
        if (rc)
            return rc_fail(err, RC_EWRITE, "OutputWriteFailed", "OutputConfig: %s", berr.message);
    }
    if (mark_uploaded(b, index))
        return RC_ENOMEM;
    snprintf(url, sizeof(url), "oss://%s/%s", b->spec->bucket, key);
    if (b->spec->export_as_new_media) {
        store_media m;
        memset(&m, 0, sizeof(m));
        ids_hex128(m.media_id);
        m.user_id = b->job->user_id;
        m.input_url = url;
        char title[64];
        snprintf(title, sizeof(title), "%s_%d", b->job->job_id, index);
        m.title = title;
        char existing[STORE_ID_LEN + 1];
        enum store_submit_outcome outcome;
        rc_error serr = {0};
        rc = store_media_register(b->ex->st, &m, 1, NULL, existing, &outcome, &serr);
        if (rc)
            return rc_fail(err, RC_EDB, "InternalError", "cannot register %s as media: %s", url,
                           serr.message);
        if (!(*media_id = strdup(m.media_id)))
            return RC_ENOMEM;
    }
    if (!(*media_url = strdup(url))) {
        free(*media_id);
        *media_id = NULL;
        return RC_ENOMEM;
    }
    return 0;
}

/* Removes a stored output; objects this job did not write are left alone. */
static void bucket_discard(void *user, int index, const char *path) {
    if (path[0])
        unlink(path);
    jobs_bucket_sink *b = user;
    char key[OBJECTKEY_MAX + 1];
    if ((size_t)index >= b->n_uploaded || !b->uploaded[index] ||
        objectkey_expand(b->spec->object_key, index, OBJECTKEY_MAX, key, sizeof(key), "", NULL))
        return;
    blob_delete_object(b->target, b->spec->bucket, key, NULL);
    b->uploaded[index] = 0;
}

int jobs_bucket_sink_open(jobs_bucket_sink *b, jobs_executor *ex, const jobs_task *task,
                          const jobs_output_spec *spec, const jobs_object_input *inputs,
                          size_t n_inputs, rc_error *err) {
    *b = (jobs_bucket_sink){.ex = ex,
                            .work_dir = task->work_dir,
                            .spec = spec,
                            .job = task->job,
                            .target = ex->blob,
                            .inputs = inputs,
                            .n_inputs = n_inputs};
    b->sink = (jobs_output_sink){bucket_path_for, bucket_publish, bucket_discard, bucket_name, b};
    /* OutputConfig.Endpoint (allowed by the policy at submission): an S3 backend at that
     * endpoint with the configured credentials, for this job's outputs only. */
    if (!spec->need_export || !spec->endpoint)
        return 0;
    rc_error berr = {0};
    int rc = blob_s3_from_config(ex->cfg, spec->endpoint, &b->owned, &berr);
    if (rc)
        return rc_fail(err, RC_EWRITE, "OutputWriteFailed", "OutputConfig.Endpoint: %s",
                       berr.message);
    b->target = b->owned;
    return 0;
}

void jobs_bucket_sink_undo(jobs_bucket_sink *b) {
    for (size_t i = 0; i < b->n_uploaded; i++)
        if (b->uploaded[i])
            bucket_discard(b, (int)i, "");
}

void jobs_bucket_sink_close(jobs_bucket_sink *b) {
    free(b->uploaded);
    b->uploaded = NULL;
    b->n_uploaded = 0;
    blob_destroy(b->owned);
    b->owned = NULL;
}
