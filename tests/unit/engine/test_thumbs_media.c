/* Tests of engine_thumbs on real media (tests/media/gen_thumbs.sh, gen_export.sh): each range's
 * picture shows that range (four shots in plain colours: the JPEG decodes to the shot's colour), is
 * 160 px wide at the display aspect, costs one decoded frame where a keyframe starts the range,
 * and a file without keyframes at the cuts, one without an index (MPEG-TS) and an anamorphic one
 * work too; bad ranges and a file that is no video fail with a message naming the source. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libavcodec/avcodec.h>

#include "engine/shots/analyze.h"
#include "engine/thumbs.h"

static const char *media(const char *name) {
    static char path[4096];
    const char *dir = getenv("REELCUT_MEDIA");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/media", name);
    return path;
}

/* Decodes a JPEG and returns its mean RGB-ish colour as Y, Cb, Cr means (0-255). */
static void jpeg_mean(const engine_thumb *t, double yuv[3], int *w, int *h) {
    const AVCodec *c = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
    assert_non_null(c);
    AVCodecContext *dec = avcodec_alloc_context3(c);
    assert_non_null(dec);
    assert_int_equal(avcodec_open2(dec, c, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    assert_non_null(pkt);
    assert_non_null(f);
    assert_int_equal(av_new_packet(pkt, (int)t->size), 0);
    memcpy(pkt->data, t->jpeg, t->size);
    assert_int_equal(avcodec_send_packet(dec, pkt), 0);
    assert_int_equal(avcodec_receive_frame(dec, f), 0);
    *w = f->width;
    *h = f->height;
    for (int p = 0; p < 3; p++) {
        int pw = p ? (f->width + 1) / 2 : f->width, ph = p ? (f->height + 1) / 2 : f->height;
        double sum = 0;
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
                sum += f->data[p][y * f->linesize[p] + x];
        yuv[p] = sum / (pw * ph);
    }
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
}

/* The colour a thumbnail shows: 'r', 'g', 'b', 'w' or '?' (full-range YCbCr of the plain colours
 * with a small grey square). */
static char colour_of(const engine_thumb *t) {
    double m[3];
    int w, h;
    jpeg_mean(t, m, &w, &h);
    if (m[0] > 200)
        return 'w';
    if (m[2] > 180)
        return 'r';
    if (m[1] > 180)
        return 'b';
    if (m[1] < 90 && m[2] < 90)
        return 'g';
    return '?';
}

static const engine_thumb_range shots[4] = {{0, 2}, {2, 4}, {4, 6}, {6, 8}};
static const char colours[] = "rgbw";

static void check_shots(const char *file, long max_frames) {
    engine_source src = engine_source_path(media(file));
    engine_thumb t[4];
    engine_thumb_stats stats;
    rc_error err = {0};
    assert_int_equal(engine_thumbs(&src, shots, 4, 0, t, &stats, &err), 0);
    for (int i = 0; i < 4; i++) {
        assert_non_null(t[i].jpeg);
        assert_true(t[i].size > 100 && t[i].size < 20000);
        assert_int_equal(t[i].width, 160);
        assert_int_equal(t[i].height, 90);
        assert_true(t[i].at >= shots[i].start && t[i].at < shots[i].end);
        if (colour_of(&t[i]) != colours[i])
            fail_msg("%s range %d: colour %c, expected %c", file, i, colour_of(&t[i]), colours[i]);
    }
    if (stats.frames_decoded > max_frames)
        fail_msg("%s: %ld frames decoded, expected at most %ld", file, stats.frames_decoded,
                 max_frames);
    engine_thumbs_free(t, 4);
}

/* A keyframe at every cut: each range costs its keyframe (plus the B-frame delay at most). */
static void test_keyframes_at_cuts(void **state) {
    (void)state;
    check_shots("thumb_key.mp4", 4 * 4);
}

/* One keyframe for the whole file: the middles are reached by decoding on, without a seek back. */
static void test_no_keyframes_at_cuts(void **state) {
    (void)state;
    check_shots("thumb_nokey.mp4", 200);
}

/* MPEG-TS has no index: middles, decoded from the keyframe before each. */
static void test_no_index(void **state) {
    (void)state;
    check_shots("thumb_key.ts", 200);
}

/* Ranges given out of order and overlapping come back in the caller's order. */
static void test_order(void **state) {
    (void)state;
    engine_source src = engine_source_path(media("thumb_key.mp4"));
    engine_thumb_range r[3] = {{6.5, 7.5}, {0.2, 0.8}, {2.5, 6.5}};
    engine_thumb t[3];
    rc_error err = {0};
    assert_int_equal(engine_thumbs(&src, r, 3, 0, t, NULL, &err), 0);
    assert_int_equal(colour_of(&t[0]), 'w');
    assert_int_equal(colour_of(&t[1]), 'r');
    assert_true(t[2].at >= 2.5 && t[2].at < 6.5);
    assert_int_equal(colour_of(&t[2]), 'b'); /* the first keyframe inside it: 4 s */
    engine_thumbs_free(t, 3);
}

/* Anamorphic: 352x288 at SAR 12:11 displays as 384x288, so 160x120. Past the end: no picture. */
static void test_aspect_and_end(void **state) {
    (void)state;
    engine_source src = engine_source_path(media("exp_sar.mp4"));
    engine_thumb_range r[2] = {{1, 2}, {100, 101}};
    engine_thumb t[2];
    rc_error err = {0};
    assert_int_equal(engine_thumbs(&src, r, 2, 0, t, NULL, &err), 0);
    assert_non_null(t[0].jpeg);
    assert_int_equal(t[0].width, 160);
    assert_int_equal(t[0].height, 120);
    double m[3];
    int w, h;
    jpeg_mean(&t[0], m, &w, &h);
    assert_int_equal(w, 160);
    assert_int_equal(h, 120);
    assert_null(t[1].jpeg);
    assert_true(t[1].at < 0);
    engine_thumbs_free(t, 2);
}

/* Other codecs and a custom width. */
static void test_codecs(void **state) {
    (void)state;
    const char *files[] = {"exp_vp9.webm", "exp_hevc.mp4", "exp_ts.ts"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        engine_source src = engine_source_path(media(files[i]));
        engine_thumb_range r = {0.5, 1.5};
        engine_thumb t;
        rc_error err = {0};
        if (engine_thumbs(&src, &r, 1, 96, &t, NULL, &err) != 0)
            fail_msg("%s: %s", files[i], err.message);
        assert_non_null(t.jpeg);
        assert_int_equal(t.width, 96);
        assert_true(t.at >= 0.5 && t.at < 1.5);
        engine_thumbs_free(&t, 1);
    }
}

/* The sampler on the analysis pass: one picture a second from the frames the pass decodes, the
 * right one for each shot; a range too short to hold a sample gets none; when full it keeps every
 * other sample and samples half as often. */
static void test_sampler(void **state) {
    (void)state;
    engine_thumb_sampler *s = NULL;
    assert_int_equal(engine_thumb_sampler_new(0, 10, 0, &s), RC_EINVAL);
    assert_int_equal(engine_thumb_sampler_new(1.0, 100, 0, &s), 0);
    engine_analyze_opts opts = {.on_frame = engine_thumb_sampler_frame, .hook_user = s};
    engine_feature_track track;
    rc_error err = {0};
    assert_int_equal(
        engine_analyze(ENGINE_PATH(media("thumb_nokey.mp4")), &opts, NULL, &track, &err), 0);
    for (int i = 0; i < 4; i++) {
        const engine_thumb *t = engine_thumb_sampler_find(s, shots[i].start, shots[i].end);
        assert_non_null(t);
        assert_true(t->at >= shots[i].start + 0.25 - 1e-3 && t->at < shots[i].end);
        assert_int_equal(t->width, 160);
        if (colour_of(t) != colours[i])
            fail_msg("sample for shot %d: colour %c", i, colour_of(t));
    }
    assert_null(engine_thumb_sampler_find(s, 2.1, 2.2)); /* no sample in a 0.1 s range */
    /* sampled where it can be, decoded for the rest */
    engine_thumb_range r[3] = {{0, 2}, {2.1, 2.2}, {4, 6}};
    engine_thumb decoded[3];
    const engine_thumb *use[3];
    assert_int_equal(
        engine_thumbs_sampled(ENGINE_PATH(media("thumb_nokey.mp4")), s, r, 3, decoded, use, &err),
        0);
    assert_ptr_equal(use[0], engine_thumb_sampler_find(s, 0, 2));
    assert_ptr_equal(use[2], engine_thumb_sampler_find(s, 4, 6));
    assert_ptr_equal(use[1], &decoded[0]);
    assert_int_equal(colour_of(use[1]), 'g');
    engine_thumbs_free(decoded, 3);
    assert_true(engine_thumb_sampler_cpu_ms(s) >= 0);
    engine_thumb_sampler_free(&s);
    assert_null(s);
    engine_feature_track_free(&track);
    /* 3 samples at most over 8 s: thinned to every 2nd, then every 4th second */
    assert_int_equal(engine_thumb_sampler_new(1.0, 3, 0, &s), 0);
    opts.hook_user = s;
    assert_int_equal(
        engine_analyze(ENGINE_PATH(media("thumb_nokey.mp4")), &opts, NULL, &track, &err), 0);
    /* samples at 0, 1, 2 fill it: kept 0 and 2, then 2 s apart; at 4 full again: kept 0 and 4 */
    const engine_thumb *a = engine_thumb_sampler_find(s, 0.5, 8);
    assert_non_null(a);
    assert_true(a->at > 3.9 && a->at < 4.1);
    assert_null(engine_thumb_sampler_find(s, 0.5, 3.9)); /* the 1 s and 2 s samples are gone */
    engine_thumb_sampler_free(&s);
    engine_feature_track_free(&track);
}

/* A video analysed in parts (jobs/split.c) samples in each part; the parts' samples, packed and
 * offered in time order, give the whole pass's samples: the same times, the same pictures.
 * Damaged bytes are refused. */
static void test_sampler_parts(void **state) {
    (void)state;
    engine_thumb_sampler *whole = NULL, *joined = NULL, *part[2] = {NULL, NULL};
    engine_feature_track track;
    rc_error err = {0};
    assert_int_equal(engine_thumb_sampler_new(1.0, 100, 0, &whole), 0);
    engine_analyze_opts opts = {.on_frame = engine_thumb_sampler_frame, .hook_user = whole};
    assert_int_equal(
        engine_analyze(ENGINE_PATH(media("thumb_nokey.mp4")), &opts, NULL, &track, &err), 0);
    engine_feature_track_free(&track);
    assert_int_equal(engine_thumb_sampler_new(1.0, 100, 0, &joined), 0);
    double cut[3] = {0, 4.0, 0};
    void *bytes[2] = {NULL, NULL};
    size_t size[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(engine_thumb_sampler_new(1.0, 100, 0, &part[k]), 0);
        engine_analyze_opts po = {.on_frame = engine_thumb_sampler_frame,
                                  .hook_user = part[k],
                                  .from = cut[k],
                                  .to = cut[k + 1]};
        assert_int_equal(
            engine_analyze(ENGINE_PATH(media("thumb_nokey.mp4")), &po, NULL, &track, &err), 0);
        engine_feature_track_free(&track);
        assert_int_equal(engine_thumb_sampler_pack(part[k], &bytes[k], &size[k]), 0);
        /* the second part's samples lie in it only: none of the first part's shots */
        if (k == 1)
            assert_null(engine_thumb_sampler_find(part[k], 0, 4));
        assert_int_equal(engine_thumb_sampler_add_packed(joined, bytes[k], size[k]), 0);
    }
    for (double at = 0; at <= 6; at += 0.5) { /* (a sample a second: 0 .. 7 s) */
        const engine_thumb *a = engine_thumb_sampler_find(whole, at, at + 2);
        const engine_thumb *b = engine_thumb_sampler_find(joined, at, at + 2);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(a->at == b->at);
        assert_int_equal(a->size, b->size);
        assert_memory_equal(a->jpeg, b->jpeg, a->size);
    }
    /* damaged: cut short, not samples at all */
    engine_thumb_sampler *fresh = NULL;
    assert_int_equal(engine_thumb_sampler_new(1.0, 100, 0, &fresh), 0);
    assert_int_equal(engine_thumb_sampler_add_packed(fresh, bytes[0], size[0] - 1), RC_EINVAL);
    char other[64] = "RCTRACK1"; /* (another packed structure's magic) */
    assert_int_equal(engine_thumb_sampler_add_packed(fresh, other, sizeof(other)), RC_EINVAL);
    assert_int_equal(engine_thumb_sampler_add_packed(fresh, bytes[0], 3), RC_EINVAL);
    engine_thumb_sampler_free(&fresh);
    for (int k = 0; k < 2; k++) {
        free(bytes[k]);
        engine_thumb_sampler_free(&part[k]);
    }
    engine_thumb_sampler_free(&whole);
    engine_thumb_sampler_free(&joined);
}

static void test_bad_input(void **state) {
    (void)state;
    engine_thumb t[2];
    rc_error err = {0};
    engine_source src = engine_source_path(media("thumb_key.mp4"));
    engine_thumb_range bad[2] = {{1, 2}, {3, 3}};
    assert_int_equal(engine_thumbs(&src, bad, 2, 0, t, NULL, &err), RC_EINVAL);
    assert_non_null(strstr(err.message, "range 1"));
    memset(&err, 0, sizeof(err));
    engine_thumb_range ok = {0, 1};
    assert_int_equal(engine_thumbs(&src, &ok, 1, 161, t, NULL, &err), RC_EINVAL);
    memset(&err, 0, sizeof(err));
    src = engine_source_path(media("audio_only_missing_file.mp4"));
    src.name = "InputConfig.Media (oss://b/x.mp4)";
    assert_int_not_equal(engine_thumbs(&src, &ok, 1, 0, t, NULL, &err), 0);
    assert_non_null(strstr(err.message, "oss://b/x.mp4"));
    assert_null(strstr(err.message, "audio_only_missing_file"));
    memset(&err, 0, sizeof(err));
    const char *dir = getenv("REELCUT_MEDIA");
    char path[4096];
    snprintf(path, sizeof(path), "%s/shots/audio_only.m4a", dir ? dir : "build/media");
    src = engine_source_path(path);
    src.name = "InputConfig.Media (oss://b/a.m4a)";
    assert_int_equal(engine_thumbs(&src, &ok, 1, 0, t, NULL, &err), RC_ENOVIDEO);
    assert_non_null(strstr(err.message, "oss://b/a.m4a"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyframes_at_cuts), cmocka_unit_test(test_no_keyframes_at_cuts),
        cmocka_unit_test(test_no_index),          cmocka_unit_test(test_order),
        cmocka_unit_test(test_aspect_and_end),    cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_sampler),           cmocka_unit_test(test_sampler_parts),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
