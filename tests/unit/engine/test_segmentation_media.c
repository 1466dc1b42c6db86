/* Unit tests on real generated media: the analysis pass, probe, the segmentation runner (modes,
 * progress, cancellation, export callbacks and cleanup) and the JSON renderers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/probe.h"
#include "engine/shots/analyze.h"
#include "jobs/mediainfo_json.h"
#include "jobs/segmentation.h"

static char media[1024];

static const char *media_path(const char *name) {
    static char path[2048];
    snprintf(path, sizeof(path), "%s/%s", media, name);
    return path;
}

static void test_analyze_track(void **state) {
    (void)state;
    engine_feature_track t;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_analyze(ENGINE_PATH(media_path("sample.mp4")), NULL, NULL, &t, &err),
                     0);
    assert_int_equal(t.nb_frames, 300);
    assert_true(t.frame_rate > 24.99 && t.frame_rate < 25.01);
    assert_true(t.duration > 11.99 && t.duration < 12.01);
    assert_int_equal(t.width, 640);
    assert_int_equal(t.decode_errors, 0);
    for (size_t i = 1; i < t.nb_frames; i++)
        assert_true(t.frames[i].pts > t.frames[i - 1].pts);
    assert_true(t.frames[0].pts < 0.001);
    engine_feature_track_free(&t);

    assert_int_equal(
        engine_analyze(ENGINE_PATH(media_path("shots/audio_only.m4a")), NULL, NULL, &t, &err),
        RC_ENOVIDEO);
    assert_non_null(strstr(err.message, "has no video stream"));
    engine_feature_track_free(&t);
}

static void test_probe_struct(void **state) {
    (void)state;
    engine_media_info info;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_probe(ENGINE_PATH(media_path("nope.mp4")), &info, &err), RC_ENOENT);
    assert_string_equal(err.code, "InvalidParameter.ResourceNotFound");
    engine_media_info_free(&info);
    rc_error_clear(&err);
    assert_int_equal(engine_probe(ENGINE_PATH(media_path("sample.mp4")), &info, &err), 0);
    assert_int_equal(info.nb_streams, 2);
    assert_int_equal(info.streams[0].kind, ENGINE_STREAM_VIDEO);
    assert_int_equal(info.streams[0].nb_frames, 300);
    assert_int_equal(info.streams[1].sample_rate, 48000);
    mediainfo_file file = {"oss://b/dir/sample.mp4", NULL, NULL};
    json_t *j = mediainfo_json_file_info(&info, &file);
    assert_non_null(j);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "FileBasicInfo"), "FileName")),
        "sample.mp4");
    assert_null(json_object_get(json_object_get(j, "FileBasicInfo"), "CreateTime"));
    json_decref(j);
    engine_media_info_free(&info);
}

static void test_format_number(void **state) {
    (void)state;
    char s[64];
    mediainfo_json_format_number(1132.680, 3, 0, s, sizeof(s));
    assert_string_equal(s, "1132.68");
    mediainfo_json_format_number(24.0, 3, 1, s, sizeof(s));
    assert_string_equal(s, "24.0");
    mediainfo_json_format_number(30000.0 / 1001, 3, 1, s, sizeof(s));
    assert_string_equal(s, "29.97");
    mediainfo_json_format_number(96.0, 3, 0, s, sizeof(s));
    assert_string_equal(s, "96");
    mediainfo_json_format_number(216.2066666, 6, 6, s, sizeof(s));
    assert_string_equal(s, "216.206667");
}

typedef struct progress_log {
    double last;
    int calls, decreasing, cancel_after;
} progress_log;

static int on_progress(void *user, double f) {
    progress_log *p = user;
    if (f < p->last)
        p->decreasing = 1;
    p->last = f;
    p->calls++;
    return p->cancel_after && p->calls >= p->cancel_after;
}

static void test_basic_clip_split(void **state) {
    (void)state;
    segmentation_request req = {.input_path = media_path("shots/hard_h264.mp4"),
                                .mode = SEGMENTATION_BASIC_CLIP_SPLIT};
    segmentation_result res;
    rc_error err;
    rc_error_clear(&err);
    progress_log pl = {0};
    engine_progress prog = {on_progress, &pl};
    assert_int_equal(segmentation_run(&req, &prog, &res, &err), 0);
    assert_int_equal(res.count, 5);
    assert_true(res.duration == 12.4);
    const double cuts[] = {0, 2.8, 4.6, 7.8, 10.2, 12.4};
    for (size_t i = 0; i < res.count; i++) {
        assert_int_equal(res.segments[i].index, (int)i + 1);
        assert_true(res.segments[i].in == cuts[i]);
        assert_true(res.segments[i].out == cuts[i + 1]);
    }
    assert_false(pl.decreasing);
    assert_true(pl.last == 1.0);
    assert_true(pl.calls > 10);
    char *s = segmentation_ai_result_dumps(&res, 0);
    assert_non_null(s);
    assert_non_null(strstr(s, "{\"Mode\":\"BasicClipSplit\",\"Duration\":12.4,\"Segments\":[{"
                              "\"Index\":1,\"In\":0.0,\"Out\":2.8,\"Duration\":2.8}"));
    assert_null(strstr(s, "MediaURL"));
    free(s);
    segmentation_result_free(&res);

    /* Cancelling from the progress callback stops the job. */
    progress_log stop = {.cancel_after = 3};
    engine_progress cancel = {on_progress, &stop};
    rc_error_clear(&err);
    assert_int_equal(segmentation_run(&req, &cancel, &res, &err), RC_ECANCELED);
    segmentation_result_free(&res);
}

/* Segments count from the video stream's start, as Duration and export do: an MPEG-TS copy whose
 * timestamps start at 1.48 s is cut where its MP4 original is (stream time 3.48 s is media time 2
 * s; the last cut, 2 s before the end, must not be taken for one too near the end either). */
static void test_stream_start(void **state) {
    (void)state;
    const char *files[] = {"thumb_key.mp4", "thumb_key.ts"};
    for (size_t f = 0; f < 2; f++) {
        segmentation_request req = {.input_path = media_path(files[f]),
                                    .mode = SEGMENTATION_BASIC_CLIP_SPLIT};
        segmentation_result res;
        rc_error err;
        rc_error_clear(&err);
        assert_int_equal(segmentation_run(&req, NULL, &res, &err), 0);
        if (res.count != 4)
            fail_msg("%s: %zu segments", files[f], res.count);
        for (size_t i = 0; i < 4; i++)
            if (fabs(res.segments[i].in - 2.0 * (double)i) > 0.05)
                fail_msg("%s: segment %zu starts at %.3f s", files[f], i + 1, res.segments[i].in);
        assert_true(fabs(res.duration - 8.0) < 0.05);
        segmentation_result_free(&res);
    }
}

static void test_user_defined(void **state) {
    (void)state;
    segmentation_range r[] = {{5, 7.25}, {1.0004, 3}, {2.5, 100}};
    segmentation_request req = {.input_path = media_path("shots/hard_h264.mp4"),
                                .mode = SEGMENTATION_USER_DEFINED,
                                .ranges = r,
                                .nb_ranges = 3,
                                .ranges_name = "JobParams.Ranges"};
    segmentation_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(segmentation_run(&req, NULL, &res, &err), 0);
    assert_int_equal(res.count, 3);
    assert_true(res.segments[0].in == 5 && res.segments[0].out == 7.25);
    assert_true(res.segments[1].in == 1.0 && res.segments[1].out == 3);
    assert_true(res.segments[2].out == 12.4);
    segmentation_result_free(&res);

    segmentation_range past[] = {{0, 1}, {12.4, 20}};
    req.ranges = past;
    req.nb_ranges = 2;
    rc_error_clear(&err);
    assert_int_equal(segmentation_run(&req, NULL, &res, &err), RC_ERANGE);
    assert_string_equal(err.code, "InvalidParameter.OutOfRange");
    assert_non_null(strstr(err.message, "JobParams.Ranges[1].In"));
    segmentation_result_free(&res);

    req.input_path = media_path("shots/audio_only.m4a");
    req.input_name = "InputConfig.Media";
    rc_error_clear(&err);
    assert_int_equal(segmentation_run(&req, NULL, &res, &err), RC_ENOVIDEO);
    assert_string_equal(err.message, "InputConfig.Media has no video stream");
    segmentation_result_free(&res);
}

typedef struct export_log {
    char dir[256];
    int asked[8], finished[8], discarded[8];
} export_log;

static int ex_path(void *user, int index, char *path, size_t n, rc_error *err) {
    export_log *l = user;
    (void)err;
    l->asked[index]++;
    snprintf(path, n, "%s/out_%d.mp4", l->dir, index);
    return 0;
}

static int ex_finished(void *user, int index, const char *path, char **media_url, char **media_id,
                       rc_error *err) {
    export_log *l = user;
    (void)err;
    l->finished[index]++;
    char url[SEGMENTATION_URL_MAX], id[SEGMENTATION_ID_MAX];
    snprintf(url, sizeof(url), "file://%s", path);
    snprintf(id, sizeof(id), "id%d", index);
    *media_url = strdup(url);
    *media_id = strdup(id);
    return 0;
}

static void ex_discard(void *user, int index, const char *path) {
    export_log *l = user;
    l->discarded[index]++;
    unlink(path);
}

static void test_export_all_or_nothing(void **state) {
    (void)state;
    export_log l;
    memset(&l, 0, sizeof(l));
    snprintf(l.dir, sizeof(l.dir), "/tmp/reelcut-seg-XXXXXX");
    assert_non_null(mkdtemp(l.dir));
    jobs_output_sink ex = {ex_path, ex_finished, ex_discard, NULL, &l};
    segmentation_range r[] = {{0.5, 2}, {3, 4.5}};
    segmentation_request req = {.input_path = media_path("shots/hard_h264.mp4"),
                                .mode = SEGMENTATION_USER_DEFINED,
                                .ranges = r,
                                .nb_ranges = 2,
                                .exporter = &ex};
    segmentation_result res;
    rc_error err;
    rc_error_clear(&err);
    int rc = segmentation_run(&req, NULL, &res, &err);
    char p1[512], p2[512];
    snprintf(p1, sizeof(p1), "%s/out_1.mp4", l.dir);
    snprintf(p2, sizeof(p2), "%s/out_2.mp4", l.dir);
    if (rc == 0) {
        assert_int_equal(l.finished[1] + l.finished[2], 2);
        assert_int_equal(access(p1, F_OK) | access(p2, F_OK), 0);
        assert_non_null(strstr(res.segments[1].media_url, "out_2.mp4"));
        char *s = segmentation_ai_result_dumps(&res, 0);
        assert_non_null(strstr(s, "\"MediaId\":\"id2\""));
        free(s);
    } else {
        /* Export failed (e.g. not available in this build): everything handed out is removed. */
        for (int i = 1; i <= 2; i++)
            assert_int_equal(l.asked[i], l.discarded[i]);
        assert_int_not_equal(access(p1, F_OK), 0);
        assert_int_not_equal(access(p2, F_OK), 0);
        assert_true(err.rc != 0 && err.message[0]);
    }
    unlink(p1);
    unlink(p2);
    rmdir(l.dir);
    segmentation_result_free(&res);
}

int main(void) {
    const char *m = getenv("REELCUT_MEDIA");
    snprintf(media, sizeof(media), "%s", m ? m : "build-test/media");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze_track),         cmocka_unit_test(test_probe_struct),
        cmocka_unit_test(test_format_number),         cmocka_unit_test(test_basic_clip_split),
        cmocka_unit_test(test_stream_start),          cmocka_unit_test(test_user_defined),
        cmocka_unit_test(test_export_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
