/* Tests of the highlight runner (src/jobs/highlights.c) on generated media: progress, echo,
 * AiResult JSON, export hooks and clean-up after a failed upload, cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs/highlights.h"

static char match_path[4096], noaudio_path[4096], short_path[4096];

static int setup(void **state) {
    (void)state;
    engine_global_init();
    const char *dir = getenv("REELCUT_MEDIA");
    if (!dir)
        dir = "build/media";
    snprintf(match_path, sizeof(match_path), "%s/hl_match.mp4", dir);
    snprintf(noaudio_path, sizeof(noaudio_path), "%s/hl_noaudio.mp4", dir);
    snprintf(short_path, sizeof(short_path), "%s/hl_short.mp4", dir);
    return 0;
}

typedef struct progress_log {
    double last;
    int calls, backwards;
    double cancel_at; /* > 1: never */
} progress_log;

static int on_progress(void *user, double f) {
    progress_log *p = user;
    if (f < p->last - 1e-9)
        p->backwards++;
    p->last = f;
    p->calls++;
    return f > p->cancel_at;
}

static void test_run_and_render(void **state) {
    (void)state;
    jobs_hl_input inputs[3] = {
        {match_path, "3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90", NULL, NULL},
        {noaudio_path, NULL, "oss://media-in/noaudio.mp4", NULL},
        {short_path, NULL, "oss://media-in/short.mp4", NULL},
    };
    jobs_hl_request req = {.inputs = inputs,
                           .n_inputs = 3,
                           .count = 4,
                           .clip_duration = 8,
                           .exporter = NULL,
                           .width = 0,
                           .height = 0};
    progress_log log = {0, 0, 0, 2};
    engine_progress p = {on_progress, &log};
    jobs_hl_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(jobs_hl_run(&req, &p, &res, &err), 0);
    assert_int_equal(log.backwards, 0);
    assert_true(log.calls > 5);
    assert_float_equal(log.last, 1.0, 1e-9);
    assert_float_equal(res.total_duration, 184.0, 0.2);
    assert_true(res.n_clips >= 6);
    for (size_t i = 0; i < res.n_clips; i++) {
        assert_int_equal(res.clips[i].index, (int)i + 1);
        if (i > 0) {
            const jobs_hl_clip *a = &res.clips[i - 1], *b = &res.clips[i];
            assert_true(a->source_index < b->source_index ||
                        (a->source_index == b->source_index && a->clip.in < b->clip.in));
        }
    }
    assert_true(res.sources[1].notes & ENGINE_HL_NOTE_NO_AUDIO);
    assert_true(res.sources[2].notes & ENGINE_HL_NOTE_WHOLE_INPUT);
    json_t *doc = jobs_hl_result_json(&res);
    assert_non_null(doc);
    json_t *list = json_object_get(doc, "Highlights");
    assert_int_equal(json_array_size(list), res.n_clips);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "SourceMediaId")),
                        "3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90");
    assert_null(json_object_get(first, "SourceMediaURL"));
    assert_null(json_object_get(first, "MediaURL"));
    json_t *reasons = json_object_get(first, "Reasons");
    assert_int_equal(json_object_size(reasons), 4);
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "SourceMediaURL")),
                        "oss://media-in/short.mp4");
    assert_int_equal(json_integer_value(json_object_get(last, "SourceIndex")), 2);
    /* times in ms: In + Duration == Out exactly as rendered */
    double in = json_real_value(json_object_get(last, "In"));
    double out = json_real_value(json_object_get(last, "Out"));
    double dur = json_real_value(json_object_get(last, "Duration"));
    assert_float_equal(in + dur, out, 1e-9);
    json_t *notes = json_object_get(doc, "Notes");
    assert_true(json_array_size(notes) >= 2);
    json_decref(doc);
    jobs_hl_result_free(&res);
}

typedef struct export_ctx {
    char dir[256];
    int fail_at; /* publish fails for this index */
    int published;
} export_ctx;

static int out_path(void *user, int index, char *path, size_t n, rc_error *err) {
    export_ctx *x = user;
    (void)err;
    snprintf(path, n, "%s/clip_%d.mp4", x->dir, index);
    return 0;
}

static int publish(void *user, int index, const char *path, char **url, char **id, rc_error *err) {
    export_ctx *x = user;
    if (index == x->fail_at)
        return rc_fail(err, RC_EWRITE, NULL, "upload of %s failed", path);
    x->published++;
    char buf[512];
    snprintf(buf, sizeof(buf), "oss://out/clip_%d.mp4", index);
    *url = strdup(buf);
    *id = index == 1 ? strdup("media-1") : NULL;
    return 0;
}

static int file_exists(const char *dir, int index) {
    char p[512];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/clip_%d.mp4", dir, index);
    return stat(p, &sb) == 0 && sb.st_size > 0;
}

static void test_export_and_cleanup(void **state) {
    (void)state;
    export_ctx x = {{0}, 0, 0};
    snprintf(x.dir, sizeof(x.dir), "/tmp/reelcut_hl_export_%d", (int)getpid());
    mkdir(x.dir, 0700);
    jobs_hl_input inputs[1] = {{noaudio_path, NULL, "oss://in/n.mp4", NULL}};
    jobs_output_sink ex = {out_path, publish, NULL, NULL, &x};
    jobs_hl_request req = {.inputs = inputs,
                           .n_inputs = 1,
                           .count = 2,
                           .clip_duration = 6,
                           .exporter = &ex,
                           .width = 160,
                           .height = 0};
    jobs_hl_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(jobs_hl_run(&req, NULL, &res, &err), 0);
    assert_true(res.n_clips >= 1);
    assert_int_equal(x.published, (int)res.n_clips);
    assert_true(file_exists(x.dir, 1));
    assert_string_equal(res.clips[0].media_url, "oss://out/clip_1.mp4");
    json_t *doc = jobs_hl_result_json(&res);
    json_t *c0 = json_array_get(json_object_get(doc, "Highlights"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "MediaURL")), "oss://out/clip_1.mp4");
    assert_string_equal(json_string_value(json_object_get(c0, "MediaId")), "media-1");
    json_decref(doc);
    jobs_hl_result_free(&res);
    char p[512];
    snprintf(p, sizeof(p), "%s/clip_1.mp4", x.dir);
    unlink(p);

    /* the first upload fails: the job fails and leaves no file behind */
    x.fail_at = 1;
    x.published = 0;
    rc_error_clear(&err);
    assert_int_equal(jobs_hl_run(&req, NULL, &res, &err), RC_EWRITE);
    assert_string_equal(err.code, "OutputWriteFailed");
    assert_false(file_exists(x.dir, 1));
    jobs_hl_result_free(&res);
    rmdir(x.dir);
}

static void test_failures(void **state) {
    (void)state;
    jobs_hl_input inputs[2] = {{match_path, NULL, "oss://in/a.mp4", NULL},
                               {"/nonexistent/b.mp4", NULL, "oss://in/b.mp4", NULL}};
    jobs_hl_request req = {.inputs = inputs,
                           .n_inputs = 2,
                           .count = 2,
                           .clip_duration = 8,
                           .exporter = NULL,
                           .width = 0,
                           .height = 0};
    jobs_hl_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(jobs_hl_run(&req, NULL, &res, &err), RC_ENOENT);
    assert_string_equal(err.code, "InvalidParameter.ResourceNotFound");
    assert_string_equal(err.message, "InputConfig.MediaArray[1] (oss://in/b.mp4): not found");
    jobs_hl_result_free(&res);

    progress_log log = {0, 0, 0, 0.3};
    engine_progress p = {on_progress, &log};
    req.n_inputs = 1;
    rc_error_clear(&err);
    assert_int_equal(jobs_hl_run(&req, &p, &res, &err), RC_ECANCELED);
    jobs_hl_result_free(&res);

    req.count = 0;
    rc_error_clear(&err);
    assert_int_equal(jobs_hl_run(&req, NULL, &res, &err), RC_EINVAL);
    jobs_hl_result_free(&res);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_and_render),
        cmocka_unit_test(test_export_and_cleanup),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
