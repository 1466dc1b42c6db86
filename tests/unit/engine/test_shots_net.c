/* The picture network (shots_net.c): which frames it looks at, no score without pictures, and
 * that the network that ships (trained: shots_net_data.h) tells a dissolve between two pictures
 * from a still picture and from a picture that only moves. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/shots/analyze.h"
#include "engine/shots/shots_int.h"

#define FRAMES 90
#define PW ANALYZE_THUMB_W
#define PH ANALYZE_THUMB_H

static void test_positions(void **state) {
    (void)state;
    size_t at[SHOT_NET_PICTURES];
    shot_net_positions(40, 50, 100, at);
    size_t want[] = {30, 40, 43, 45, 48, 50, 60};
    assert_memory_equal(at, want, sizeof(want));
    shot_net_positions(3, 13, 15, at); /* clamped to the track */
    size_t clamped[] = {0, 3, 6, 8, 11, 13, 14};
    assert_memory_equal(at, clamped, sizeof(clamped));
}

/* A picture of its own: soft stripes at an angle of `seed`, moved by dx pixels. */
static uint8_t picture_at(int seed, int x, int y, double dx) {
    double a = 0.3 + seed * 1.1, f = 0.15 + 0.07 * seed;
    double v = 128 + 80 * sin(f * ((x + dx) * cos(a) + y * sin(a))) + 30 * cos(0.05 * x * seed);
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* FRAMES frames: picture 1, a dissolve to picture 2 over frames 40..50, picture 2 - or, with
 * pan, picture 1 panning 1.5 pixels a frame throughout. */
static void make_track(engine_feature_track *t, int pan) {
    memset(t, 0, sizeof(*t));
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    for (int i = 0; i < FRAMES; i++) {
        f.pts = i / 25.0;
        assert_int_equal(engine_feature_track_push(t, &f), 0);
    }
    t->frame_rate = 25;
    t->pictures = malloc((size_t)FRAMES * ANALYZE_PICTURE_BYTES);
    assert_non_null(t->pictures);
    t->cap_pictures = FRAMES;
    for (int i = 0; i < FRAMES; i++) {
        double mix = pan ? 0 : i <= 40 ? 0 : i >= 50 ? 1 : (i - 40) / 10.0;
        for (int y = 0; y < PH; y++)
            for (int x = 0; x < PW; x++) {
                double a = picture_at(1, x, y, pan ? 1.5 * i : 0), b = picture_at(2, x, y, 0);
                t->pictures[(size_t)i * ANALYZE_PICTURE_BYTES + y * PW + x] =
                    (uint8_t)lround((1 - mix) * a + mix * b);
            }
    }
}

static void test_scores(void **state) {
    (void)state;
    shot_net *net = shot_net_new();
    assert_non_null(net);
    engine_feature_track t, pan;
    make_track(&t, 0);
    make_track(&pan, 1);
    double dissolve = shot_net_score(net, &t, 40, 50);
    double still = shot_net_score(net, &t, 10, 20);
    double moving = shot_net_score(net, &pan, 40, 50);
    /* the same window scores the same every time (no state kept between windows) */
    assert_true(shot_net_score(net, &t, 40, 50) == dissolve);
    if (!(dissolve > still + 1 && dissolve > moving + 1))
        fail_msg("dissolve %.3f, still %.3f, pan %.3f", dissolve, still, moving);
    uint8_t *pictures = t.pictures;
    t.pictures = NULL;
    assert_true(shot_net_score(net, &t, 40, 50) == SHOT_NET_NONE);
    t.pictures = pictures;
    engine_feature_track_free(&t);
    engine_feature_track_free(&pan);
    shot_net_free(net);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
