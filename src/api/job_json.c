#include "api/job_json.h"

#include <stdio.h>

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

static json_t *smart_job_info(const store_job *job) {
    json_t *info = json_object();
    set_str(info, "JobType", job->type);
    set_str(info, "Title", job->title);
    char uid[24], *p = uid + sizeof(uid) - 1; /* decimal by hand: snprintf is slow here */
    unsigned long long v = (unsigned long long)job->user_id;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    json_object_set_new(info, "UserId", json_string(p));
    set_time(info, "CreateTime", job->create_time);
    set_time(info, "ModifiedTime", job->modified_time);
    return input_output(job, info);
}

json_t *api_job_json_get(const store_job *job) {
    json_t *o = json_object();
    json_object_set_new(o, "JobId", json_string(job->job_id));
    json_object_set_new(o, "State", json_string(store_job_state_name(job->state)));
    int progress = job->state == STORE_JOB_FINISHED ? 100 : job->progress;
    json_object_set_new(o, "Progress", json_integer(progress));
    set_str(o, "UserData", job->user_data);
    if (job->state == STORE_JOB_FAILED) {
        set_str(o, "ErrorCode", job->error_code);
        set_str(o, "ErrorMessage", job->error_message);
    }
    if (job->state == STORE_JOB_FINISHED) {
        json_t *result = json_object();
        set_str(result, "AiResult", job->ai_result);
        set_str(result, "MediaUrl", job->media_url);
        set_str(result, "MediaId", job->media_id);
        json_object_set_new(o, "JobResult", result);
    }
    json_object_set_new(o, "SmartJobInfo", smart_job_info(job));
    if (job->notify_state != STORE_NOTIFY_NONE)
        set_str(o, "NotifyState", store_notify_state_name(job->notify_state));
    /* API.md §4.3: present once a delivery attempt failed - the last error, kept even when a
     * later attempt succeeded, so a caller can see that its receiver had trouble. */
    set_str(o, "NotifyError", job->notify_error);
    return o;
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
