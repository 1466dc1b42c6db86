#include "api/job_json.h"

#include <stdio.h>
#include <string.h>

#include "util/json.h"

#include "util/timeutil.h"

static void set_str(json_t *obj, const char *key, const char *value) {
    if (value && *value)
        json_object_set_new(obj, key, json_string(value));
}

static void set_time(json_t *obj, const char *key, int64_t t) {
    char iso[TIME_ISO_LEN + 1];
    time_format_iso((time_t)t, iso);
    json_object_set_new(obj, key, json_string(iso));
}

static json_t *input_output(const store_job *job, json_t *obj) {
    json_t *in = json_object();
    set_str(in, "InputFile", job->input_file);
    json_object_set_new(obj, "InputConfig", in);
    if (job->output_bucket && *job->output_bucket) {
        json_t *out = json_object();
        set_str(out, "Bucket", job->output_bucket);
        set_str(out, "Object", job->output_object);
        json_object_set_new(obj, "OutputConfig", out);
    }
    return obj;
}

/* A compact JSON object writer into a buf: members in the order written, a string member left out
 * when NULL, empty or not valid UTF-8 - what set_str and jansson's json_string do for the tree. */
typedef struct obj_writer {
    buf *b;
    int rc;
    int first;
} obj_writer;

static void w_key(obj_writer *w, const char *key) {
    if (!w->rc && !w->first)
        w->rc = buf_append(w->b, ",", 1);
    w->first = 0;
    if (!w->rc)
        w->rc = jsonx_dump_string(key, strlen(key), w->b);
    if (!w->rc)
        w->rc = buf_append(w->b, ":", 1);
}

static void w_str(obj_writer *w, const char *key, const char *value) {
    size_t n = value ? strlen(value) : 0;
    if (!n || !jsonx_utf8_valid(value, n))
        return;
    w_key(w, key);
    if (!w->rc)
        w->rc = jsonx_dump_string(value, n, w->b);
}

static void w_raw(obj_writer *w, const char *text) {
    if (!w->rc)
        w->rc = buf_puts(w->b, text);
}

static void w_open(obj_writer *w, const char *key) {
    w_key(w, key);
    w_raw(w, "{");
    w->first = 1;
}

static void w_close(obj_writer *w) {
    w_raw(w, "}");
    w->first = 0;
}

static void w_time(obj_writer *w, const char *key, int64_t t) {
    char iso[TIME_ISO_LEN + 1];
    time_format_iso((time_t)t, iso);
    w_str(w, key, iso);
}

/* Decimal by hand (snprintf is slow here). */
static const char *decimal(unsigned long long v, char out[24]) {
    char *p = out + 23;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

int api_job_json_get_members(const store_job *job, buf *out) {
    obj_writer w = {out, 0, 0}; /* (after the members already in out) */
    char num[24];
    w_str(&w, "JobId", job->job_id);
    w_str(&w, "State", store_job_state_name(job->state));
    int progress = job->state == STORE_JOB_FINISHED ? 100 : job->progress;
    w_key(&w, "Progress");
    if (progress < 0) {
        w_raw(&w, "-");
        progress = -progress;
    }
    w_raw(&w, decimal((unsigned long long)progress, num));
    w_str(&w, "UserData", job->user_data);
    if (job->state == STORE_JOB_FAILED) {
        w_str(&w, "ErrorCode", job->error_code);
        w_str(&w, "ErrorMessage", job->error_message);
    }
    if (job->state == STORE_JOB_FINISHED) {
        w_open(&w, "JobResult");
        w_str(&w, "AiResult", job->ai_result);
        w_str(&w, "MediaUrl", job->media_url);
        w_str(&w, "MediaId", job->media_id);
        w_close(&w);
    }
    w_open(&w, "SmartJobInfo");
    w_str(&w, "JobType", job->type);
    w_str(&w, "Title", job->title);
    w_str(&w, "UserId", decimal((unsigned long long)job->user_id, num));
    w_time(&w, "CreateTime", job->create_time);
    w_time(&w, "ModifiedTime", job->modified_time);
    w_open(&w, "InputConfig");
    w_str(&w, "InputFile", job->input_file);
    w_close(&w);
    if (job->output_bucket && *job->output_bucket) {
        w_open(&w, "OutputConfig");
        w_str(&w, "Bucket", job->output_bucket);
        w_str(&w, "Object", job->output_object);
        w_close(&w);
    }
    w_close(&w);
    if (job->notify_state != STORE_NOTIFY_NONE)
        w_str(&w, "NotifyState", store_notify_state_name(job->notify_state));
    /* API.md §4.3: present once a delivery attempt failed - the last error, kept even when a
     * later attempt succeeded, so a caller can see that its receiver had trouble. */
    w_str(&w, "NotifyError", job->notify_error);
    return w.rc;
}

json_t *api_job_json_list_item(const store_job *job) {
    json_t *o = json_object();
    json_object_set_new(o, "JobId", json_string(job->job_id));
    json_object_set_new(o, "JobState", json_string(store_job_state_name(job->state)));
    set_str(o, "JobType", job->type);
    set_str(o, "Title", job->title);
    set_time(o, "CreateTime", job->create_time);
    set_time(o, "ModifiedTime", job->modified_time);
    set_str(o, "UserData", job->user_data);
    json_object_set_new(o, "UserId", json_integer((json_int_t)job->user_id));
    return input_output(job, o);
}
