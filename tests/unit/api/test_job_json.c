/* The GetSmartHandleJob body written straight into a buffer (api_job_json_get_members) against the
 * jansson tree of the same fields, dumped compact: the same bytes for every state and field mix,
 * including strings to escape and values jansson refuses (not UTF-8: left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/job_json.h"
#include "util/timeutil.h"

/* The reference: the tree the members stand for (as api_job_json_get built it before). */
static void ref_str(json_t *o, const char *k, const char *v) {
    if (v && *v)
        json_object_set_new(o, k, json_string(v)); /* NULL (no-op) for invalid UTF-8 */
}

static void ref_time(json_t *o, const char *k, int64_t t) {
    char iso[TIME_ISO_LEN + 1];
    time_format_iso((time_t)t, iso);
    json_object_set_new(o, k, json_string(iso));
}

static char *reference(const store_job *job) {
    json_t *o = json_object();
    json_object_set_new(o, "RequestId", json_string("R"));
    json_object_set_new(o, "JobId", json_string(job->job_id));
    json_object_set_new(o, "State", json_string(store_job_state_name(job->state)));
    json_object_set_new(o, "Progress",
                        json_integer(job->state == STORE_JOB_FINISHED ? 100 : job->progress));
    ref_str(o, "UserData", job->user_data);
    if (job->state == STORE_JOB_FAILED) {
        ref_str(o, "ErrorCode", job->error_code);
        ref_str(o, "ErrorMessage", job->error_message);
    }
    if (job->state == STORE_JOB_FINISHED) {
        json_t *r = json_object();
        ref_str(r, "AiResult", job->ai_result);
        ref_str(r, "MediaUrl", job->media_url);
        ref_str(r, "MediaId", job->media_id);
        json_object_set_new(o, "JobResult", r);
    }
    json_t *info = json_object();
    ref_str(info, "JobType", job->type);
    ref_str(info, "Title", job->title);
    char uid[32];
    snprintf(uid, sizeof(uid), "%llu", (unsigned long long)job->user_id);
    json_object_set_new(info, "UserId", json_string(uid));
    ref_time(info, "CreateTime", job->create_time);
    ref_time(info, "ModifiedTime", job->modified_time);
    json_t *in = json_object();
    ref_str(in, "InputFile", job->input_file);
    json_object_set_new(info, "InputConfig", in);
    if (job->output_bucket && *job->output_bucket) {
        json_t *out = json_object();
        ref_str(out, "Bucket", job->output_bucket);
        ref_str(out, "Object", job->output_object);
        json_object_set_new(info, "OutputConfig", out);
    }
    json_object_set_new(o, "SmartJobInfo", info);
    if (job->notify_state != STORE_NOTIFY_NONE)
        ref_str(o, "NotifyState", store_notify_state_name(job->notify_state));
    ref_str(o, "NotifyError", job->notify_error);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void expect_same(const store_job *job) {
    buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_puts(&b, "{\"RequestId\":\"R\""), 0);
    assert_int_equal(api_job_json_get_members(job, &b), 0);
    assert_int_equal(buf_append(&b, "}", 1), 0);
    char *want = reference(job);
    assert_non_null(want);
    assert_string_equal(b.data, want);
    json_error_t e;
    json_t *parsed = json_loads(b.data, 0, &e); /* and it is JSON */
    assert_non_null(parsed);
    json_decref(parsed);
    free(want);
    buf_free(&b);
}

static void test_every_shape(void **state) {
    (void)state;
    store_job j;
    memset(&j, 0, sizeof(j));
    snprintf(j.job_id, sizeof(j.job_id), "0192f3a4b5c6d7e8f9a0b1c2d3e4f5a6");
    j.type = "Segmentation";
    j.user_id = 1000;
    j.create_time = 1735787045;
    j.modified_time = 1735787100;
    j.input_file = "oss://media-in/a.mp4";
    for (int s = 0; s < STORE_JOB_STATE_COUNT; s++) { /* minimal, each state */
        j.state = (enum store_job_state)s;
        j.progress = 40;
        expect_same(&j);
    }
    j.state = STORE_JOB_FINISHED;
    j.title = "default_title_2025-01-02T03:04:05Z";
    j.user_data = "{\"NotifyAddress\":\"http://127.0.0.1:9/cb\",\"k\":\"\\u00e4 \\\"q\\\" \\n\"}";
    j.ai_result = "{\"SegmentationResult\":[{\"In\":0,\"Out\":4.5}]}";
    j.media_url = "oss://out/a/1.mp4";
    j.media_id = "aa";
    j.output_bucket = "out";
    j.output_object = "a/{index}.mp4";
    j.notify_state = STORE_NOTIFY_DELIVERED;
    j.notify_error = "receiver answered 500\ttwice \x01";
    expect_same(&j);
    j.user_id = UINT64_MAX;
    j.state = STORE_JOB_FAILED;
    j.error_code = "InputReadFailed";
    j.error_message = "cannot read \"oss://media-in/ä.mp4\": truncated";
    j.notify_state = STORE_NOTIFY_PENDING;
    expect_same(&j);
    j.user_data = "bad \xff\xfe utf-8"; /* jansson refuses it: left out */
    j.output_object = "ünïcødé/€/𝄞.mp4";
    j.output_bucket = "";
    expect_same(&j);
    j.user_id = 0;
    j.title = "";
    j.notify_error = NULL;
    j.notify_state = STORE_NOTIFY_NONE;
    expect_same(&j);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_shape)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
