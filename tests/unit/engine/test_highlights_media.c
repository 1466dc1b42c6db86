/* Tests of the fast highlight analysis pass on real encoded media with planted ground truth
 * (tests/media/gen_highlights.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "engine/highlights/highlights.h"

static void media_path(char *out, size_t n, const char *name) {
    const char *dir = getenv("REELCUT_MEDIA");
    snprintf(out, n, "%s/%s", dir ? dir : "build/media", name);
}

static double mean(const float *v, double from, double to) {
    size_t a = (size_t)(from / ENGINE_HL_STEP), b = (size_t)(to / ENGINE_HL_STEP);
    double s = 0;
    for (size_t i = a; i < b; i++)
        s += v[i];
    return s / (double)(b - a);
}

static double frac_u8(const uint8_t *v, double from, double to) {
    size_t a = (size_t)(from / ENGINE_HL_STEP), b = (size_t)(to / ENGINE_HL_STEP);
    double s = 0;
    for (size_t i = a; i < b; i++)
        s += v[i];
    return s / (double)(b - a);
}

static void test_match_signals(void **state) {
    (void)state;
    char path[4096];
    media_path(path, sizeof(path), "hl_match.mp4");
    engine_hl_track t;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_hl_analyze(ENGINE_PATH(path), NULL, &t, &err), 0);
    assert_true(t.has_audio);
    assert_float_equal(t.duration, 120.0, 0.1);
    assert_int_equal(t.n, 1200);
    /* speech where the sentences are, none in the crowd swell or the calm */
    assert_true(mean(t.speech, 16, 19.5) > 0.7);
    assert_true(mean(t.speech, 41, 47) < 0.2);
    assert_true(mean(t.speech, 0, 14) < 0.05);
    assert_true(frac_u8(t.voice, 16, 19.5) > 0.9);
    assert_true(frac_u8(t.voice, 33, 39) == 0);
    /* the crowd swell is loud against the -50 LUFS ambience */
    assert_true(mean(t.loudness, 42, 47) > mean(t.loudness, 0, 14) + 20);
    assert_true(mean(t.flux, 42, 47) > 2 * mean(t.flux, 0, 14));
    /* fast motion costs many more bits than the calm gradient */
    assert_true(mean(t.motion, 70, 78) > 20 * mean(t.motion, 0, 14));
    /* frozen and black stretches are avoided, the calm is not */
    assert_true(frac_u8(t.avoid, 49, 55.5) > 0.9);
    assert_true(frac_u8(t.avoid, 79, 85.5) > 0.9);
    assert_true(frac_u8(t.avoid, 0, 47) == 0);
    assert_true(frac_u8(t.avoid, 87, 99) == 0);
    /* the fast cutting stretch has most of its 12 cuts, the calm almost none */
    int fast = 0, calm = 0;
    for (size_t i = 0; i < t.n_cut_times; i++) {
        double c = t.cut_times[i];
        fast += c > 100.2 && c < 108;
        calm += c < 69.9;
    }
    assert_true(fast >= 8);
    assert_true(calm == 0);
    /* cheap: only a handful of keyframes decoded out of 3000 frames */
    assert_int_equal(t.video_packets, 3000);
    assert_true(t.keyframes_decoded < 60);
    engine_hl_selection sel;
    assert_int_equal(engine_hl_select(&t, 4, 8, &sel), 0);
    assert_int_equal(sel.n, 4);
    engine_hl_track_free(&t);
}

static void test_no_audio_and_errors(void **state) {
    (void)state;
    char path[4096];
    media_path(path, sizeof(path), "hl_noaudio.mp4");
    engine_hl_track t;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_hl_analyze(ENGINE_PATH(path), NULL, &t, &err), 0);
    assert_false(t.has_audio);
    assert_true(frac_u8(t.avoid, 6, 11.5) > 0.9);
    engine_hl_selection sel;
    assert_int_equal(engine_hl_select(&t, 2, 6, &sel), 0);
    assert_true(sel.n >= 1);
    assert_true(sel.clips[0].in >= 19 && sel.clips[0].out <= 29);
    assert_true(sel.notes & ENGINE_HL_NOTE_NO_AUDIO);
    engine_hl_track_free(&t);

    rc_error_clear(&err);
    assert_int_equal(engine_hl_analyze(ENGINE_PATH("/nonexistent/x.mp4"), NULL, &t, &err),
                     RC_ENOENT);
    assert_non_null(strstr(err.message, "/nonexistent/x.mp4"));
    engine_hl_track_free(&t);
    /* a file of text is not media */
    rc_error_clear(&err);
    snprintf(path, sizeof(path), "/tmp/reelcut_hl_notmedia_%d.bin", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a video at all\n", f);
    fclose(f);
    assert_int_equal(engine_hl_analyze(ENGINE_PATH(path), NULL, &t, &err), RC_EMEDIA);
    assert_non_null(strstr(err.message, path));
    remove(path);
    engine_hl_track_free(&t);
}

static int cancel_at_half(void *user, double fraction) {
    (void)user;
    return fraction > 0.5;
}

static void test_progress_and_cancel(void **state) {
    (void)state;
    char path[4096];
    media_path(path, sizeof(path), "hl_match.mp4");
    engine_hl_track t;
    rc_error err;
    rc_error_clear(&err);
    engine_progress p = {cancel_at_half, NULL};
    assert_int_equal(engine_hl_analyze(ENGINE_PATH(path), &p, &t, &err), RC_ECANCELED);
    engine_hl_track_free(&t);
}

static int key_packets(const char *path) {
    AVFormatContext *fmt = NULL;
    assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
    AVPacket *pkt = av_packet_alloc();
    int keys = 0;
    while (av_read_frame(fmt, pkt) >= 0) {
        keys += (pkt->flags & AV_PKT_FLAG_KEY) != 0;
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return keys;
}

/* Fast cutting between still test patterns: x264 makes an IDR picture of every shot, and FFmpeg's
 * H.264 decoder under skip_frame = AVDISCARD_NONKEY dropped some of them (4 of 8 in a similar
 * montage) - cuts and empty pictures were missed. Every keyframe must be decoded. */
static void test_every_keyframe_decoded(void **state) {
    (void)state;
    char path[4096];
    media_path(path, sizeof(path), "hl_cuts.mp4");
    int keys = key_packets(path);
    assert_true(keys >= 8);
    engine_hl_track t;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_hl_analyze(ENGINE_PATH(path), NULL, &t, &err), 0);
    assert_int_equal(t.keyframes_decoded, keys);
    assert_true(t.n_cut_times >= 9); /* 11 cuts */
    engine_hl_track_free(&t);
}

/* Voice activity against the sentence truth of hl_talk (12 sentences, 0.35 s pauses): each
 * sentence's onset and offset to within 0.1 s and every pause seen; a pause inside a sentence in
 * at most two of them (one has a comma). */
static void test_talk_sentence_edges(void **state) {
    (void)state;
    char path[4096], truth[4096];
    media_path(path, sizeof(path), "hl_talk.mp4");
    media_path(truth, sizeof(truth), "hl_talk.truth");
    engine_hl_track t;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_hl_analyze(ENGINE_PATH(path), NULL, &t, &err), 0);
    FILE *f = fopen(truth, "r");
    assert_non_null(f);
    char line[256];
    double on[32], off[32];
    int n = 0;
    while (fgets(line, sizeof(line), f) && n < 32)
        if (sscanf(line, "speech %lf %lf", &on[n], &off[n]) == 2)
            n++;
    fclose(f);
    assert_int_equal(n, 12);
    int split = 0;
    for (int k = 0; k < n; k++) {
        size_t a = (size_t)(on[k] / ENGINE_HL_STEP), b = (size_t)(off[k] / ENGINE_HL_STEP);
        /* voiced from its first tick to its last ... */
        assert_true(t.voice[a + 1] && t.voice[b - 1]);
        int gap = 0;
        for (size_t i = a + 1; i < b; i++)
            gap |= !t.voice[i];
        split += gap;
        /* ... and not more than a tick before its onset or after its offset */
        assert_false(a >= 2 && t.voice[a - 2]);
        assert_false(b + 2 < t.n && t.voice[b + 2]);
    }
    assert_true(split <= 2);
    engine_hl_track_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_signals),       cmocka_unit_test(test_no_audio_and_errors),
        cmocka_unit_test(test_progress_and_cancel), cmocka_unit_test(test_every_keyframe_decoded),
        cmocka_unit_test(test_talk_sentence_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
