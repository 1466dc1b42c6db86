/* Regression tests for the highlight pass on the inputs tests/fuzz/fuzz_media found, each kept in
 * tests/fuzz/corpus/fuzz_media/regress-* (two selector bytes, then the file):
 *  - hl-claimed-duration: a 2 KB MP4 whose header says it lasts 2^32 - 1 seconds must not size
 *    the signal track by that claim (it made the pass calloc ~170 GB);
 *  - hl-nan-audio: a 1 KB FLV whose Nellymoser audio decodes to NaN samples must not turn the
 *    signals and the clip scores into NaN (JSON has no NaN: AiResult lost its Score);
 *  - hl-no-readable-frame: a 2 KB WebM whose only timed video packet does not decode, and which
 *    states no duration, is a failure ("no video frame could be read"), not a track of duration
 *    0 whose "whole input" clip is [0, 0];
 *  - and a successful analysis leaves err untouched (it used to hold "cannot open the decoder",
 *    which then stood in for the message of a later failure). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/highlights/highlights.h"
#include "engine/highlights/hl_int.h"

#define MAX_TICKS_8H (8 * 3600 * 10) /* hl_track.c: the ticks of 8 hours, what it accounts */
#define CLAIMED 4294967295.0         /* the mvhd/mdhd duration of the fuzzer's input, seconds */

static void test_claimed_duration_bounds_the_track(void **state) {
    (void)state;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    for (int i = 0; i < 20; i++) { /* 2 s of video */
        hl_raw_tick *tk = hl_raw_at(&raw, i * ENGINE_HL_STEP + 1e-6);
        assert_non_null(tk);
        tk->vbytes = 300;
        tk->vframes = 1;
        tk->vmax = 300;
    }
    engine_hl_track t;
    memset(&t, 0, sizeof(t));
    assert_int_equal(hl_track_finish(&raw, CLAIMED, 0, 2, &t), 0);
    assert_true(t.n <= MAX_TICKS_8H);
    assert_true(t.duration <= MAX_TICKS_8H * ENGINE_HL_STEP + 1e-6);
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

/* One regression input, in memory, read through an engine_source. */
typedef struct regress_input {
    unsigned char bytes[1 << 16];
    size_t size; /* of the file, after the two selector bytes */
    engine_source source;
} regress_input;

static int mem_read_at(void *user, int64_t offset, void *buf, size_t len) {
    regress_input *in = user;
    if (offset < 0 || (size_t)offset >= in->size)
        return 0;
    size_t n = in->size - (size_t)offset < len ? in->size - (size_t)offset : len;
    memcpy(buf, in->bytes + 2 + offset, n);
    return (int)n;
}

static void load(const char *name, const char *file_name, regress_input *in) {
    const char *src = getenv("REELCUT_SRC");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_media/%s", src, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(in->bytes, 1, sizeof(in->bytes), f);
    fclose(f);
    assert_true(n > 2 && n < sizeof(in->bytes));
    in->size = n - 2;
    in->source = (engine_source){
        .path = file_name, .read_at = mem_read_at, .user = in, .size = (int64_t)in->size};
}

/* Analyses name; checks success, err untouched, every signal finite, a bounded track, and a
 * selection with scores in [0,1]. */
static void analyse(const char *name, const char *file_name) {
    static regress_input in;
    load(name, file_name, &in);
    engine_hl_track t;
    rc_error err = {0};
    int rc = engine_hl_analyze(&in.source, NULL, &t, &err);
    if (rc)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    if (err.rc)
        print_error("err set on success: %s\n", err.message);
    assert_int_equal(err.rc, 0);
    assert_string_equal(err.message, "");
    assert_true(t.n > 0 && t.n <= MAX_TICKS_8H);
    for (size_t i = 0; i < t.n; i++) {
        if (!isfinite(t.loudness[i]) || !isfinite(t.flux[i]) || !isfinite(t.speech[i]) ||
            !isfinite(t.motion[i]) || !isfinite(t.cuts[i]))
            print_error("tick %zu: loudness %g flux %g speech %g motion %g cuts %g\n", i,
                        t.loudness[i], t.flux[i], t.speech[i], t.motion[i], t.cuts[i]);
        assert_true(isfinite(t.loudness[i]) && isfinite(t.flux[i]) && isfinite(t.speech[i]));
        assert_true(isfinite(t.motion[i]) && isfinite(t.cuts[i]));
    }
    engine_hl_selection sel;
    assert_int_equal(engine_hl_select(&t, 3, 5, &sel), 0);
    for (int i = 0; i < sel.n; i++) {
        const engine_hl_clip *c = &sel.clips[i];
        if (!(c->score >= 0 && c->score <= 1))
            print_error("clip %d: score %g\n", i, c->score);
        assert_true(c->score >= 0 && c->score <= 1);
        assert_true(c->speech >= 0 && c->speech <= 1 && c->loudness >= 0 && c->loudness <= 1);
        assert_true(c->motion >= 0 && c->motion <= 1 && c->cut_rate >= 0 && c->cut_rate <= 1);
    }
    engine_hl_track_free(&t);
}

static void test_claimed_duration_file(void **state) {
    (void)state;
    analyse("regress-hl-claimed-duration", "in.mp4");
}

static void test_nan_audio_file(void **state) {
    (void)state;
    analyse("regress-hl-nan-audio", "in.flv");
}

static void test_no_readable_frame_file(void **state) {
    (void)state;
    static regress_input in;
    load("regress-hl-no-readable-frame", "in.webm", &in);
    engine_hl_track t;
    rc_error err = {0};
    int rc = engine_hl_analyze(&in.source, NULL, &t, &err);
    if (rc == 0)
        print_error("analysed: %zu ticks, duration %g\n", t.n, t.duration);
    assert_int_equal(rc, RC_EMEDIA);
    assert_int_equal(err.rc, RC_EMEDIA);
    assert_string_equal(err.message, "in.webm: no video frame could be read");
    engine_hl_track_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claimed_duration_bounds_the_track),
        cmocka_unit_test(test_claimed_duration_file),
        cmocka_unit_test(test_nan_audio_file),
        cmocka_unit_test(test_no_readable_frame_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
