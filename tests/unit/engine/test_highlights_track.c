/* Unit tests for the per-tick rules that turn raw accumulators into the highlight signal track
 * (still/black detection, voice pauses, cut merging), on synthetic accumulators. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/highlights/hl_int.h"

#define MBS 240 /* 320x180 */

/* Video only: per tick 2.5 frames at the given bytes per frame, B/P pattern when p_bytes > 0. */
static void video_ticks(hl_raw *raw, double from, double to, float b_bytes, float p_bytes) {
    for (double t = from; t < to - 1e-9; t += ENGINE_HL_STEP) {
        hl_raw_tick *tk = hl_raw_at(raw, t + 1e-6);
        assert_non_null(tk);
        size_t i = (size_t)((t + 1e-6) / ENGINE_HL_STEP);
        /* alternate ticks holding only small frames and ticks holding a large one */
        if (p_bytes > 0 && i % 2 == 0) {
            tk->vbytes += 2 * b_bytes + p_bytes;
            tk->vframes += 3;
            tk->vmax = p_bytes > b_bytes ? p_bytes : b_bytes;
        } else {
            tk->vbytes += 2 * b_bytes;
            tk->vframes += 2;
            tk->vmax = b_bytes;
        }
    }
}

static int all_set(const uint8_t *v, double from, double to) {
    for (size_t i = (size_t)(from / ENGINE_HL_STEP); i < (size_t)(to / ENGINE_HL_STEP); i++)
        if (!v[i])
            return 0;
    return 1;
}

static int none_set(const uint8_t *v, double from, double to) {
    for (size_t i = (size_t)(from / ENGINE_HL_STEP); i < (size_t)(to / ENGINE_HL_STEP); i++)
        if (v[i])
            return 0;
    return 1;
}

static void test_still_and_calm(void **state) {
    (void)state;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    video_ticks(&raw, 0, 20, 13, 120);  /* calm, B/P pattern: tiny B frames, larger P frames */
    video_ticks(&raw, 20, 28, 14, 0);   /* frozen: skip-only frames */
    video_ticks(&raw, 28, 29, 13, 120); /* calm again */
    video_ticks(&raw, 29, 29.8, 14, 0); /* a held shot of 0.8 s: not frozen */
    video_ticks(&raw, 29.8, 40, 13, 120);
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 40, 0, MBS, &t), 0);
    assert_int_equal(t.n, 400);
    assert_true(none_set(t.avoid, 0, 19.4));
    assert_true(all_set(t.avoid, 20.6, 27.4));
    assert_true(none_set(t.avoid, 28.6, 40));
    assert_true(t.motion[50] > 0);
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

static void test_costly_skip_frames(void **state) {
    (void)state;
    /* a codec whose skipped frames cost 45 bytes: frozen shows as the file's flat minimum */
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    video_ticks(&raw, 0, 10, 80, 200);
    video_ticks(&raw, 10, 16, 45, 0);
    video_ticks(&raw, 16, 30, 80, 200);
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 30, 0, MBS, &t), 0);
    assert_true(all_set(t.avoid, 10.6, 15.4));
    assert_true(none_set(t.avoid, 0, 9.4));
    assert_true(none_set(t.avoid, 16.6, 30));
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

static void test_empty_keyframe(void **state) {
    (void)state;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    video_ticks(&raw, 0, 30, 60, 300);
    /* a flat keyframe at 10 s in live content: only that tick, no poisoning of what follows */
    hl_raw_at(&raw, 10.05)->empty = 1;
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 30, 0, MBS, &t), 0);
    assert_true(none_set(t.avoid, 0, 30));
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

/* One tick of an x265 ultrafast-like stream: B frames at a constant price, one P frame of
 * p_bytes in ticks holding one. */
static void hevc_tick(hl_raw *raw, double t, float b_bytes, float p_bytes, int has_p) {
    hl_raw_tick *tk = hl_raw_at(raw, t + 1e-6);
    assert_non_null(tk);
    tk->vbytes += 2 * b_bytes + (has_p ? p_bytes : 0);
    tk->vframes += 2 + (has_p ? 1 : 0);
    tk->vmax = has_p && p_bytes > b_bytes ? p_bytes : b_bytes;
}

static void test_hevc_slow_picture_not_frozen(void **state) {
    (void)state;
    /* regression (enc_x265 of hl_match): 3 B frames per P frame, the B frames cost the skip price
     * (28 bytes) whether the picture is frozen or slowly changing, so the median frame is the same
     * in both; only the P frames differ (29 frozen, 34-57 live). The calm must stay usable. */
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    for (int i = 0; i < 400; i++) {
        double t = i * ENGINE_HL_STEP;
        int frozen = t >= 20 && t < 28, has_p = i % 8 != 1 && i % 8 != 5; /* ~60% of ticks */
        float p = frozen ? 29.0f : 34.0f + (float)((i * 7) % 24);
        hevc_tick(&raw, t, 28, p, has_p);
    }
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 40, 0, MBS, &t), 0);
    assert_true(all_set(t.avoid, 20.6, 27.4));
    assert_true(none_set(t.avoid, 0, 19.4));
    assert_true(none_set(t.avoid, 28.6, 40));
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

static void test_empty_stops_at_picture_keyframe(void **state) {
    (void)state;
    /* regression (enc_mpeg4 of hl_match): fixed-quantiser MPEG-4 with a 0.48 s GOP over a calm
     * picture costs little more than skipping (45 bytes). A dark keyframe must not poison the
     * calm after it: the next keyframe that shows a picture ends the empty stretch. */
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    for (int i = 0; i < 400; i++)
        hevc_tick(&raw, i * ENGINE_HL_STEP, 45, 60.0f + (float)((i * 13) % 40), i % 2 == 0);
    for (double k = 0; k < 40; k += 0.48)
        hl_raw_at(&raw, k + 1e-6)->key = 1;
    hl_raw_at(&raw, 10.08 + 1e-6)->empty = 1;
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 40, 0, MBS, &t), 0);
    assert_true(none_set(t.avoid, 0, 40));
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
    /* the same keyframes all dark (a black stretch coded at the skip price): avoided */
    memset(&raw, 0, sizeof(raw));
    video_ticks(&raw, 0, 10, 45, 90);
    video_ticks(&raw, 10, 18, 45, 0);
    video_ticks(&raw, 18, 30, 45, 90);
    for (double k = 0; k < 30; k += 0.48) {
        hl_raw_tick *tk = hl_raw_at(&raw, k + 1e-6);
        tk->key = 1;
        tk->empty = k >= 10 && k < 18;
    }
    assert_int_equal(hl_track_finish(&raw, 30, 0, MBS, &t), 0);
    assert_true(all_set(t.avoid, 10.6, 17.4));
    assert_true(none_set(t.avoid, 0, 9.4));
    assert_true(none_set(t.avoid, 18.6, 30));
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

static void test_large_frozen_frames(void **state) {
    (void)state;
    /* 1080p x264 ultrafast: a frozen picture costs 124 bytes a frame (0.015 byte/macroblock),
     * far above the skip price of a black one (12) but far below live content (1200) */
    const int mbs = 120 * 68;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    video_ticks(&raw, 0, 10, 1200, 0);
    video_ticks(&raw, 10, 18, 124, 0);
    video_ticks(&raw, 18, 30, 1300, 0);
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 30, 0, mbs, &t), 0);
    assert_true(all_set(t.avoid, 10.6, 17.4));
    assert_true(none_set(t.avoid, 0, 9.4));
    assert_true(none_set(t.avoid, 18.6, 30));
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

static void fill_thumb(uint8_t *y, uint8_t *u, uint8_t *v, int y_step, int c_step) {
    for (int r = 0; r < 36; r++)
        for (int c = 0; c < 64; c++)
            y[r * 64 + c] = (uint8_t)(160 + (y_step ? (c * y_step) % 9 : 0));
    for (int r = 0; r < 18; r++)
        for (int c = 0; c < 32; c++) {
            u[r * 32 + c] = (uint8_t)(90 + (c_step ? (c * c_step) % 30 : 0));
            v[r * 32 + c] = (uint8_t)(110 + (c_step ? (r * c_step) % 80 : 0));
        }
}

static void test_thumb_empty(void **state) {
    (void)state;
    uint8_t y[64 * 36], u[32 * 18], v[32 * 18];
    /* regression: a colour gradient of even brightness (luma 158-168, chroma spread) is a
     * picture, not an empty frame */
    fill_thumb(y, u, v, 1, 5);
    assert_int_equal(hl_thumb_empty(y, u, v), 0);
    fill_thumb(y, u, v, 0, 0); /* a flat grey card */
    assert_int_equal(hl_thumb_empty(y, u, v), 1);
    memset(y, 16, sizeof(y)); /* black, whatever the chroma */
    assert_int_equal(hl_thumb_empty(y, u, v), 1);
    fill_thumb(y, u, v, 0, 5); /* flat luma, chroma detail */
    assert_int_equal(hl_thumb_empty(y, u, v), 0);
}

/* One 20 ms hop of audio features: every sub-band at its level, the speech band at the loudest. */
static void hop(hl_raw *raw, double t, const float sub[HL_SUBBANDS], float periodicity) {
    hl_raw_tick *tk = hl_raw_at(raw, t + 1e-6);
    assert_non_null(tk);
    assert_true(tk->hop_n < HL_TICK_HOPS);
    int k = tk->hop_n++;
    float band = -120;
    for (int b = 0; b < HL_SUBBANDS; b++) {
        tk->hop_sub[k][b] = sub[b];
        band = sub[b] > band ? sub[b] : band;
    }
    tk->hop_band[k] = band;
    tk->hop_per[k] = periodicity;
    tk->hops++;
    tk->k_energy += 1e-6 * HL_TICK_SAMPLES / 5;
    tk->k_samples += HL_TICK_SAMPLES / 5;
}

/* Speech over a music bed: the bed's notes swell and decay by 12 dB below 1 kHz (and are
 * periodic), nothing above; speech lifts the bands above 1 kHz in syllables with short gaps between
 * words, and pauses 0.3 s between two sentences. The pause and the sentence edges must be found to
 * within a tick, the bed's swells and the word gaps must not read as either. */
static void test_voice_pauses(void **state) {
    (void)state;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    /* words of 1-5 syllables (140-220 ms each, about 5 a second, each with its own stress, a
     * 20 ms consonant between them) and gaps of 20-60 ms between words, drawn irregularly as in
     * speech (a fixed generator): a lift that repeats at a steady lag is a beat to the detector */
    uint32_t rnd = 12345;
#define NEXT(m) ((rnd = rnd * 1103515245u + 12345u), (int)((rnd >> 16) % (m)))
    int k = 0, syllables = 1 + NEXT(5), in_syllable = 0, gap = 0;
    float stress = 0;
    for (int h = 0; h < 1000; h++) { /* 20 s */
        double t = h * 0.02;
        float note = -40.0f - 12.0f * (float)fmod(t, 1.5) / 1.5f; /* swells every 1.5 s */
        float sub[HL_SUBBANDS] = {note, note - 4, -85, -88, -90};
        float per = 0.8f; /* a music bed is periodic too */
        int speaking = t >= 5.0 && t < 15.0 && !(t >= 10.0 && t < 10.3);
        if (speaking) {
            if (gap > 0) {
                gap--; /* between words: the bands above 1 kHz drop back to the bed */
            } else if (in_syllable > 0) {
                in_syllable--;
                sub[1] = fmaxf(sub[1], -42 - stress);
                sub[2] = -36 - stress - 2 * (float)(in_syllable % 3);
                sub[3] = -42 - stress;
                sub[4] = -55;
                per = 0.9f;
            } else {
                sub[2] = -62; /* a consonant between syllables */
                sub[3] = -60;
                sub[4] = -58;
                per = 0.3f;
                if (syllables-- > 0) {
                    in_syllable = 7 + NEXT(5);
                    stress = 3.0f * (float)NEXT(4); /* syllables differ */
                } else {
                    k++;
                    syllables = 1 + NEXT(5);
                    gap = 1 + NEXT(3);
                }
            }
        }
        hop(&raw, t, sub, per);
    }
    video_ticks(&raw, 0, 20, 60, 300);
    engine_hl_track t2;
    assert_int_equal(hl_track_finish(&raw, 20, 1, MBS, &t2), 0);
    assert_true(none_set(t2.voice, 0, 4.9));
    assert_true(none_set(t2.voice, 15.1, 20));
    /* edges to within a tick, word gaps closed, the sentence pause open */
    assert_true(all_set(t2.voice, 5.0, 9.9));
    assert_true(all_set(t2.voice, 10.4, 14.9));
    assert_true(none_set(t2.voice, 10.1, 10.2));
    double sum = 0;
    for (size_t i = 60; i < 95; i++)
        sum += t2.speech[i];
    assert_true(sum / 35 > 0.5);
    assert_true(t2.speech[20] < 0.1f); /* the bed alone is no speech */
    engine_hl_track_free(&t2);
    hl_raw_free(&raw);
#undef NEXT
}

static void test_cut_merge(void **state) {
    (void)state;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    video_ticks(&raw, 0, 10, 60, 300);
    assert_int_equal(hl_raw_add_cut(&raw, 5.0), 0);
    assert_int_equal(hl_raw_add_cut(&raw, 3.0), 0);
    assert_int_equal(hl_raw_add_cut(&raw, 5.08), 0); /* the same cut seen twice */
    assert_int_equal(hl_raw_add_cut(&raw, 0.04), 0); /* the first frame is no cut */
    engine_hl_track t;
    assert_int_equal(hl_track_finish(&raw, 10, 0, MBS, &t), 0);
    assert_int_equal(t.n_cut_times, 2);
    assert_float_equal(t.cut_times[0], 3.0, 1e-9);
    assert_float_equal(t.cut_times[1], 5.0, 1e-9);
    assert_float_equal(t.cuts[30], 1, 1e-9);
    assert_float_equal(t.cuts[50], 1, 1e-9);
    assert_false(t.has_audio);
    assert_float_equal(t.loudness[0], -120, 1e-9);
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

/* A track packed for another worker comes back the same; bytes of another kind are refused. */
static void test_pack_round_trip(void **state) {
    (void)state;
    engine_hl_track t, back;
    assert_int_equal(engine_hl_track_alloc(&t, 37), 0);
    for (size_t i = 0; i < t.n; i++) {
        t.loudness[i] = -30.0f + (float)i;
        t.flux[i] = (float)i * 0.5f;
        t.steady[i] = (float)(i % 2);
        t.speech[i] = 0.25f;
        t.voice[i] = (uint8_t)(i % 3 == 0);
        t.motion[i] = (float)i * 2;
        t.cuts[i] = i == 10 ? 1.0f : 0.0f;
        t.avoid[i] = (uint8_t)(i > 30 ? ENGINE_HL_AVOID_FROZEN : 0);
    }
    t.cut_times = malloc(2 * sizeof(double));
    assert_non_null(t.cut_times);
    t.cut_times[0] = 1.04;
    t.cut_times[1] = 2.5;
    t.n_cut_times = 2;
    t.has_audio = 1;
    t.duration = 3.68;
    t.video_packets = 92;
    void *bytes;
    size_t size;
    assert_int_equal(engine_hl_track_pack(&t, &bytes, &size), 0);
    assert_int_equal(engine_hl_track_unpack(bytes, size, &back), 0);
    assert_int_equal(back.n, t.n);
    assert_memory_equal(back.loudness, t.loudness, t.n * sizeof(float));
    assert_memory_equal(back.motion, t.motion, t.n * sizeof(float));
    assert_memory_equal(back.voice, t.voice, t.n);
    assert_memory_equal(back.avoid, t.avoid, t.n);
    assert_int_equal(back.n_cut_times, 2);
    assert_true(back.cut_times[1] == 2.5 && back.duration == 3.68 && back.has_audio == 1);
    assert_int_equal(back.video_packets, 92);
    engine_hl_track_free(&back);
    assert_int_equal(engine_hl_track_unpack(bytes, size - 1, &back), RC_EINVAL);
    assert_int_equal(engine_hl_track_unpack(bytes, 8, &back), RC_EINVAL);
    ((unsigned char *)bytes)[0] = 'X';
    assert_int_equal(engine_hl_track_unpack(bytes, size, &back), RC_EINVAL);
    free(bytes);
    engine_hl_track_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_still_and_calm),
        cmocka_unit_test(test_pack_round_trip),
        cmocka_unit_test(test_costly_skip_frames),
        cmocka_unit_test(test_empty_keyframe),
        cmocka_unit_test(test_hevc_slow_picture_not_frozen),
        cmocka_unit_test(test_empty_stops_at_picture_keyframe),
        cmocka_unit_test(test_large_frozen_frames),
        cmocka_unit_test(test_thumb_empty),
        cmocka_unit_test(test_voice_pauses),
        cmocka_unit_test(test_cut_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
