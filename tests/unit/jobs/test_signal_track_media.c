/* Tests of the highlight signal track (jobs_signal_track_json, engine_hl_signals_of): its JSON
 * shape on a made-up track (2 points a second, values in [0,1], stretches by kind, no audio curves
 * without audio), and on real media (tests/media/gen_highlights.sh hl_match.mp4): the frozen and
 * black stretches the truth plants are where the track says, and the planted speech, crowd and
 * motion stand out in their curves. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/highlights/highlights.h"
#include "jobs/signal_track.h"
#include "util/buf.h"

static json_t *track_json(const engine_hl_track *t) {
    buf b;
    buf_init(&b, 0);
    assert_int_equal(jobs_signal_track_json(t, &b), 0);
    json_error_t e;
    json_t *j = json_loads(b.data, 0, &e);
    if (!j)
        fail_msg("not JSON (%s): %.200s", e.text, b.data);
    buf_free(&b);
    return j;
}

static void check_series(const json_t *j, const char *name, size_t n) {
    const json_t *a = json_object_get(j, name);
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), n);
    for (size_t i = 0; i < n; i++) {
        double v = json_number_value(json_array_get(a, i));
        if (!(v >= 0 && v <= 1))
            fail_msg("%s[%zu] = %g", name, i, v);
    }
}

/* The mean of a series over [a, b) seconds (2 points a second). */
static double mean_over(const json_t *j, const char *name, double a, double b) {
    const json_t *arr = json_object_get(j, name);
    double sum = 0;
    int k = 0;
    for (size_t i = (size_t)(a * 2); i < (size_t)(b * 2) && i < json_array_size(arr); i++, k++)
        sum += json_number_value(json_array_get(arr, i));
    return k ? sum / k : 0;
}

static void test_shape(void **state) {
    (void)state;
    engine_hl_track t;
    assert_int_equal(engine_hl_track_alloc(&t, 101), 0); /* 10.1 s */
    t.duration = 10.05;
    t.has_audio = 1;
    for (size_t i = 0; i < t.n; i++) {
        t.loudness[i] = -30;
        t.motion[i] = 1;
    }
    for (size_t i = 10; i < 25; i++)
        t.avoid[i] = ENGINE_HL_AVOID_EMPTY;
    for (size_t i = 60; i < 101; i++)
        t.avoid[i] = ENGINE_HL_AVOID_FROZEN;
    for (size_t i = 30; i < 50; i++)
        t.speech[i] = 0.9f;
    json_t *j = track_json(&t);
    assert_int_equal(json_integer_value(json_object_get(j, "Version")), 1);
    assert_true(json_number_value(json_object_get(j, "Rate")) == 2.0);
    assert_true(json_number_value(json_object_get(j, "Duration")) == 10.05);
    check_series(j, "Loudness", 21);
    check_series(j, "Speech", 21);
    check_series(j, "Motion", 21);
    check_series(j, "CutRate", 21);
    assert_true(mean_over(j, "Speech", 3, 5) > 0.5);
    assert_true(mean_over(j, "Speech", 0, 2.5) < 0.1);
    const json_t *black = json_object_get(j, "Black"), *frozen = json_object_get(j, "Frozen");
    assert_int_equal(json_array_size(black), 1);
    assert_true(json_number_value(json_array_get(json_array_get(black, 0), 0)) == 1.0);
    assert_true(json_number_value(json_array_get(json_array_get(black, 0), 1)) == 2.5);
    assert_int_equal(json_array_size(frozen), 1);
    assert_true(json_number_value(json_array_get(json_array_get(frozen, 0), 0)) == 6.0);
    /* a stretch to the end stops at the duration, not at the last tick's end */
    assert_true(json_number_value(json_array_get(json_array_get(frozen, 0), 1)) == 10.05);
    json_decref(j);
    /* no audio: no audio curves */
    t.has_audio = 0;
    j = track_json(&t);
    assert_null(json_object_get(j, "Loudness"));
    assert_null(json_object_get(j, "Speech"));
    check_series(j, "Motion", 21);
    json_decref(j);
    engine_hl_track_free(&t);
}

static void test_rates(void **state) {
    (void)state;
    engine_hl_track t;
    assert_int_equal(engine_hl_track_alloc(&t, 30), 0);
    t.duration = 3;
    engine_hl_signals s;
    assert_int_equal(engine_hl_signals_of(&t, 0, &s), RC_EINVAL);
    assert_int_equal(engine_hl_signals_of(&t, 11, &s), RC_EINVAL);
    assert_int_equal(engine_hl_signals_of(&t, 10, &s), 0);
    assert_int_equal(s.n, 30);
    engine_hl_signals_free(&s);
    assert_int_equal(engine_hl_signals_of(&t, 1, &s), 0);
    assert_int_equal(s.n, 3);
    engine_hl_signals_free(&s);
    engine_hl_track_free(&t);
    /* an empty track: no points, no failure */
    assert_int_equal(engine_hl_track_alloc(&t, 0), 0);
    assert_int_equal(engine_hl_signals_of(&t, 2, &s), 0);
    assert_int_equal(s.n, 0);
    engine_hl_signals_free(&s);
    engine_hl_track_free(&t);
}

/* The fraction of [a, b) covered by the stretches of kind name. */
static double covered(const json_t *j, const char *name, double a, double b) {
    const json_t *arr = json_object_get(j, name);
    double sum = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        double in = json_number_value(json_array_get(json_array_get(arr, i), 0));
        double out = json_number_value(json_array_get(json_array_get(arr, i), 1));
        double lo = in > a ? in : a, hi = out < b ? out : b;
        sum += hi > lo ? hi - lo : 0;
    }
    return sum / (b - a);
}

static void test_hl_match(void **state) {
    (void)state;
    char path[4096];
    const char *dir = getenv("REELCUT_MEDIA");
    snprintf(path, sizeof(path), "%s/hl_match.mp4", dir ? dir : "build/media");
    engine_hl_track t;
    rc_error err = {0};
    if (engine_hl_analyze(ENGINE_PATH(path), NULL, &t, &err) != 0)
        fail_msg("%s", err.message);
    json_t *j = track_json(&t);
    /* truth: frozen 48-56, black 78-86 (a second of slack at each edge for the 1 s windows) */
    assert_true(covered(j, "Frozen", 49, 55) > 0.9);
    assert_true(covered(j, "Black", 79, 85) > 0.9);
    assert_true(covered(j, "Black", 49, 55) < 0.1);
    assert_true(covered(j, "Frozen", 79, 85) < 0.1);
    assert_true(covered(j, "Black", 0, 40) + covered(j, "Frozen", 0, 40) < 0.05);
    /* the planted speech (15.5-30.8) and motion (70-78) stand out against the calm start */
    double calm_speech = mean_over(j, "Speech", 2, 12), calm_motion = mean_over(j, "Motion", 2, 12);
    assert_true(mean_over(j, "Speech", 16, 30) > calm_speech + 0.3);
    assert_true(mean_over(j, "Motion", 71, 77) > calm_motion + 0.3);
    assert_true(mean_over(j, "CutRate", 101, 107) > mean_over(j, "CutRate", 2, 12) + 0.3);
    json_decref(j);
    engine_hl_track_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_hl_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
