/* Unit tests for the shot detector on synthetic feature tracks: pictures are drawn straight into
 * 64x36 thumbnail planes and turned into features by the same code the decoder path uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"
#include "engine/shots/shots_int.h"

#define W 64
#define H 36
#define CW 32
#define CH 18
#define FPS 25.0

typedef struct picture {
    uint8_t y[W * H], u[CW * CH], v[CW * CH];
} picture;

static uint32_t hash3(uint32_t a, uint32_t b, uint32_t c) {
    uint32_t h =
        a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ (c + 0x165667B1u) * 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h;
}

/* A "scene": blocks of random luma/colour from seed, seen through a window at offset (dx, dy)
 * of a larger world, so motion and pans are just offsets. */
static void draw_scene(picture *p, uint32_t seed, int dx, int dy) {
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int wx = c + dx, wy = r + dy;
            uint32_t h = hash3(seed, (uint32_t)(wx / 16 + 1000), (uint32_t)(wy / 12 + 1000));
            p->y[r * W + c] = (uint8_t)(30 + h % 190);
        }
    for (int r = 0; r < CH; r++)
        for (int c = 0; c < CW; c++) {
            int wx = 2 * c + dx, wy = 2 * r + dy;
            uint32_t h = hash3(seed + 7, (uint32_t)(wx / 16 + 1000), (uint32_t)(wy / 12 + 1000));
            p->u[r * CW + c] = (uint8_t)(60 + h % 136);
            p->v[r * CW + c] = (uint8_t)(60 + (h >> 8) % 136);
        }
}

static void blend(picture *out, const picture *a, const picture *b, double alpha) {
    for (int i = 0; i < W * H; i++)
        out->y[i] = (uint8_t)(a->y[i] * (1 - alpha) + b->y[i] * alpha + 0.5);
    for (int i = 0; i < CW * CH; i++) {
        out->u[i] = (uint8_t)(a->u[i] * (1 - alpha) + b->u[i] * alpha + 0.5);
        out->v[i] = (uint8_t)(a->v[i] * (1 - alpha) + b->v[i] * alpha + 0.5);
    }
}

/* The luma of the last picture pushed (motion is measured against it, as the decoder path does). */
static uint8_t last_y[W * H];

static void push(engine_feature_track *t, const picture *p) {
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    f.pts = (double)t->nb_frames / FPS;
    engine_features_from_planes(&f, p->y, W, W, H, p->u, p->v, CW, CW, CH);
    engine_features_motion(&f, p->y, t->nb_frames ? last_y : NULL);
    memcpy(last_y, p->y, sizeof(last_y));
    assert_int_equal(engine_feature_track_push(t, &f), 0);
    t->duration = (double)t->nb_frames / FPS;
}

static void track_init(engine_feature_track *t) {
    memset(t, 0, sizeof(*t));
    t->frame_rate = FPS;
}

/* Appends n frames of scene `seed`, drifting a pixel every 4 frames (ordinary in-shot motion). */
static void add_shot(engine_feature_track *t, uint32_t seed, int n) {
    picture p;
    for (int i = 0; i < n; i++) {
        draw_scene(&p, seed, i / 4, 0);
        push(t, &p);
    }
}

/* A flat picture of luma y, no colour. */
static void flat(picture *p, uint8_t y) {
    memset(p->y, y, sizeof(p->y));
    memset(p->u, 128, sizeof(p->u));
    memset(p->v, 128, sizeof(p->v));
}

/* Scene `seed` at offset (dx, 0) in grey, its luma (30..219 as drawn) squeezed into lo..hi. */
static void grey_scene(picture *p, uint32_t seed, int dx, int lo, int hi) {
    draw_scene(p, seed, dx, 0);
    for (int k = 0; k < W * H; k++)
        p->y[k] = (uint8_t)(lo + (p->y[k] - 30) * (hi - lo) / 190);
    memset(p->u, 128, sizeof(p->u));
    memset(p->v, 128, sizeof(p->v));
}

/* Appends n frames blending from picture `from` into picture `to` (neither itself). */
static void blend_between(engine_feature_track *t, const picture *from, const picture *to, int n) {
    picture p;
    for (int i = 0; i < n; i++) {
        blend(&p, from, to, (i + 1.0) / (n + 1.0));
        push(t, &p);
    }
}

/* Appends n frames of picture p, held still (a card, black frames). */
static void hold(engine_feature_track *t, const picture *p, int n) {
    for (int i = 0; i < n; i++)
        push(t, p);
}

/* Appends n frames blending from `from` into still scene `seed` (add_shot's drift follows). */
static void blend_in(engine_feature_track *t, const picture *from, uint32_t seed, int n) {
    picture b;
    draw_scene(&b, seed, 0, 0);
    blend_between(t, from, &b, n);
}

static void detect(const engine_feature_track *t, double min_shot, engine_shot_list *out) {
    engine_shot_opts o;
    engine_shot_opts_default(&o);
    if (min_shot > 0)
        o.min_shot = min_shot;
    assert_int_equal(engine_detect_shots(t, &o, out), 0);
}

/* Track t has no boundary at the default options; frees t. */
static void assert_no_boundary(engine_feature_track *t) {
    engine_shot_list s;
    detect(t, 0, &s);
    assert_int_equal(s.count, 0);
    engine_shot_list_free(&s);
    engine_feature_track_free(t);
}

/* Boundary i of s is a cut of `kind` at `frame`. */
static void assert_cut(const engine_shot_list *s, size_t i, size_t frame,
                       enum engine_cut_kind kind) {
    assert_true(i < s->count);
    assert_int_equal(s->items[i].frame, frame);
    assert_int_equal(s->items[i].kind, kind);
}

/* Track t has two boundaries at the default options, the first in frames lo0..hi0, the second in
 * lo1..hi1; frees t. */
static void assert_two_boundaries(engine_feature_track *t, size_t lo0, size_t hi0, size_t lo1,
                                  size_t hi1) {
    engine_shot_list s;
    detect(t, 0, &s);
    assert_int_equal(s.count, 2);
    assert_in_range(s.items[0].frame, lo0, hi0);
    assert_in_range(s.items[1].frame, lo1, hi1);
    engine_shot_list_free(&s);
    engine_feature_track_free(t);
}

/* Track t has one boundary at the default options, a hard cut at `frame`; frees t. */
static void assert_one_cut(engine_feature_track *t, size_t frame) {
    engine_shot_list s;
    detect(t, 0, &s);
    assert_int_equal(s.count, 1);
    assert_cut(&s, 0, frame, ENGINE_CUT_HARD);
    engine_shot_list_free(&s);
    engine_feature_track_free(t);
}

static void test_distance(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 1, 2);
    add_shot(&t, 2, 1);
    assert_true(engine_frame_distance(&t.frames[0], &t.frames[0]) == 0.0);
    assert_true(engine_frame_distance(&t.frames[0], &t.frames[1]) < 0.15);
    assert_true(engine_frame_distance(&t.frames[0], &t.frames[2]) > 0.5);
    engine_feature_track_free(&t);
}

static void test_hard_cuts_exact(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 11, 50);
    add_shot(&t, 12, 40);
    add_shot(&t, 13, 60);
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.items[0].frame, 50);
    assert_int_equal(s.items[1].frame, 90);
    assert_int_equal(s.items[0].kind, ENGINE_CUT_HARD);
    assert_true(s.items[1].time > 3.59 && s.items[1].time < 3.61);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

static void test_colour_only_cut(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < 100; i++) {
        draw_scene(&p, 21, i / 4, 0);
        if (i >= 50) /* same luma, swapped and inverted colour */
            for (int k = 0; k < CW * CH; k++) {
                uint8_t u = p.u[k];
                p.u[k] = (uint8_t)(255 - p.v[k]);
                p.v[k] = (uint8_t)(255 - u);
            }
        push(&t, &p);
    }
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.items[0].frame, 50);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

/* A gradual transition of `len` frames from scene a to b starting at frame 50; fade = through
 * black instead of a cross-blend. Expects exactly one boundary inside the transition. */
static void check_transition(int len, int fade) {
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 31, 50);
    picture a, b, p, black;
    flat(&black, 16);
    for (int i = 0; i < len; i++) {
        double alpha = (i + 1.0) / (len + 1.0);
        draw_scene(&a, 31, (50 + i) / 4, 0);
        draw_scene(&b, 32, i / 4, 0);
        if (!fade)
            blend(&p, &a, &b, alpha);
        else if (alpha < 0.5)
            blend(&p, &a, &black, alpha * 2 > 0.9 ? 1 : alpha * 2);
        else
            blend(&p, &black, &b, alpha * 2 - 1 < 0.1 ? 0 : alpha * 2 - 1);
        push(&t, &p);
    }
    for (int i = 0; i < 60; i++) {
        draw_scene(&p, 32, (len + i) / 4, 0);
        push(&t, &p);
    }
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 1);
    assert_in_range(s.items[0].frame, 50, 50 + len);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

static void test_dissolve(void **state) {
    (void)state;
    check_transition(20, 0);
    check_transition(12, 0);
}

static void test_fade_through_black(void **state) {
    (void)state;
    check_transition(20, 1);
}

static void test_wipe(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 41, 50);
    picture a, b;
    for (int i = 0; i < 16; i++) {
        draw_scene(&a, 41, (50 + i) / 4, 0);
        draw_scene(&b, 42, i / 4, 0);
        int edge = W * (i + 1) / 17;
        for (int r = 0; r < H; r++)
            memcpy(&a.y[r * W], &b.y[r * W], (size_t)edge);
        for (int r = 0; r < CH; r++) {
            memcpy(&a.u[r * CW], &b.u[r * CW], (size_t)edge / 2);
            memcpy(&a.v[r * CW], &b.v[r * CW], (size_t)edge / 2);
        }
        push(&t, &a);
    }
    add_shot(&t, 42, 60);
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 1);
    assert_in_range(s.items[0].frame, 50, 66);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

static void test_flash_is_not_a_cut(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < 150; i++) {
        draw_scene(&p, 51, i / 4, 0);
        if (i == 40 || i == 41 || i == 100) /* camera flashes */
            for (int k = 0; k < W * H; k++)
                p.y[k] = (uint8_t)(p.y[k] / 4 + 190);
        push(&t, &p);
    }
    assert_no_boundary(&t);
}

/* A night shot: dark and low in contrast (a luma histogram as narrow as a black frame's), but
 * full of fine detail. It is a picture, not the empty middle of a fade: the hard cuts into and
 * out of it are found at their frames, and no fade is placed inside it. */
static void test_dark_picture_is_not_a_fade(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 61, 40);
    picture p;
    for (int i = 0; i < 50; i++) {
        flat(&p, 0);
        for (int k = 0; k < W * H; k++)
            p.y[k] = (uint8_t)(10 + hash3(62, (uint32_t)k, 0) % 24);
        push(&t, &p);
    }
    add_shot(&t, 63, 40);
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 2);
    assert_cut(&s, 0, 40, ENGINE_CUT_HARD);
    assert_cut(&s, 1, 90, ENGINE_CUT_HARD);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

/* Track t has no fade candidate and no boundary at the default options; frees t. */
static void assert_no_fade(engine_feature_track *t) {
    shot_signals sig;
    assert_int_equal(shot_signals_init(&sig, t, 0.5, 0.5), 0);
    shot_cand_list fades = {0};
    assert_int_equal(shot_find_fades(&sig, &fades), 0);
    assert_int_equal(fades.count, 0);
    free(fades.items);
    shot_signals_free(&sig);
    assert_no_boundary(t);
}

/* A dim room and a photographer's flash: one black frame, then one white, and the room again
 * (the black frame: the flash's shutter, or a dark frame of a flickering picture). The dark frame
 * and the flash lie between two different pictures - the room and the flash - as a fade through
 * black does; but the flash is no picture of its own, and the room is there again after it. */
static void test_flash_beside_a_dark_frame_is_not_a_fade(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < 90; i++) {
        if (i == 40) {
            flat(&p, 12);
        } else if (i == 41) {
            flat(&p, 235);
        } else { /* the dim room (in grey), the camera drifting */
            grey_scene(&p, 64, i / 4, 5, 75);
        }
        push(&t, &p);
    }
    assert_no_fade(&t);
}

/* A flash in a fast pan: one white frame between two pictures that differ (the camera moved 16
 * pixels across it, 64 in a quarter second), as a fade through white's do. But the light came
 * and went at once, where a fade brightens or darkens over frames: no fade, no boundary. */
static void test_flash_in_a_fast_pan_is_not_a_fade(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < 90; i++) {
        draw_scene(&p, 96, 8 * i, 0);
        if (i == 45)
            flat(&p, 250);
        push(&t, &p);
    }
    assert_no_fade(&t);
}

/* A plain grey card held for 3 s between two dissolves: a transition can pass through a blank
 * picture (a circle crop closes to black and opens again), but not one held longer than the
 * longest transition looked for. Two boundaries, one per dissolve. */
static void test_blank_card_between_dissolves(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 71, 50);
    picture a, p, grey;
    flat(&grey, 128);
    for (int i = 0; i < 15; i++) {
        draw_scene(&a, 71, (50 + i) / 4, 0);
        blend(&p, &a, &grey, (i + 1) / 16.0);
        push(&t, &p);
    }
    hold(&t, &grey, 75);
    blend_in(&t, &grey, 72, 15);
    add_shot(&t, 72, 50);
    assert_two_boundaries(&t, 50, 65, 140, 155);
}

/* Starts t with 50 frames of scene `seed` cut to n black frames (`black`, for what follows). */
static void shot_cut_to_black(engine_feature_track *t, uint32_t seed, int n, picture *black) {
    track_init(t);
    add_shot(t, seed, 50);
    flat(black, 16);
    hold(t, black, n);
}

/* A cut to black that then fades in to the next shot: the boundary is the cut, at its frame (a
 * one-frame step into the empty frames is not a spike inside a fade). */
static void test_cut_to_black_then_fade_in(void **state) {
    (void)state;
    engine_feature_track t;
    picture black;
    shot_cut_to_black(&t, 81, 6, &black);
    blend_in(&t, &black, 82, 20);
    add_shot(&t, 82, 50);
    assert_one_cut(&t, 50);
}

/* A dip to black between two shots: a cut to three black frames and a cut out of them (0.12 s,
 * shorter than a flash may last). Entered and left at once like a flash, so no fade, but the
 * pictures either side are two shots: one boundary, the cut to the new shot's first frame. */
static void test_dip_to_black_between_shots(void **state) {
    (void)state;
    engine_feature_track t;
    picture black;
    shot_cut_to_black(&t, 83, 3, &black);
    add_shot(&t, 84, 50);
    assert_one_cut(&t, 53);
}

/* A cut to a look-alike view 0.48 s before the next cut (the shot between is both views at
 * once, on the way from one to the other as a dissolve's middle is): the shot between is a sharp
 * picture, so the two cuts are two boundaries, not the two ends of one transition. */
static void test_cut_to_look_alike_and_on(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 91, 50);
    picture a, c, p;
    for (int i = 0; i < 12; i++) {
        draw_scene(&a, 91, (50 + i) / 4, 0);
        draw_scene(&c, 93, i / 4, 0);
        blend(&p, &a, &c, 0.5);
        push(&t, &p);
    }
    add_shot(&t, 93, 50);
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 2);
    assert_cut(&s, 0, 50, ENGINE_CUT_HARD);
    assert_cut(&s, 1, 62, ENGINE_CUT_HARD);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

/* p smeared along x over `len` pixels (a box blur: a camera's motion blur). */
static void smear_x(picture *p, int len) {
    picture q = *p;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int sum = 0, n = 0;
            for (int k = c - len / 2; k <= c + len / 2; k++)
                if (k >= 0 && k < W) {
                    sum += q.y[r * W + k];
                    n++;
                }
            p->y[r * W + c] = (uint8_t)(sum / n);
        }
    for (int r = 0; r < CH; r++)
        for (int c = 0; c < CW; c++) {
            int su = 0, sv = 0, n = 0;
            for (int k = c - len / 4; k <= c + len / 4; k++)
                if (k >= 0 && k < CW) {
                    su += q.u[r * CW + k];
                    sv += q.v[r * CW + k];
                    n++;
                }
            p->u[r * CW + c] = (uint8_t)(su / n);
            p->v[r * CW + c] = (uint8_t)(sv / n);
        }
}

/* A scene of fine detail (as the cellular automata and fractals of bench/shots): grains 2 pixels
 * wide, dark or bright, on draw_scene's blocks at a third of their contrast - the detail a
 * sideways blur wipes out. */
static void draw_textured(picture *p, uint32_t seed, int dx, int dy) {
    draw_scene(p, seed, dx, dy);
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            uint32_t h =
                hash3(seed + 99, (uint32_t)((c + dx) / 2 + 5000), (uint32_t)((r + dy) / 12 + 5000));
            p->y[r * W + c] = (uint8_t)(p->y[r * W + c] / 3 + (h & 1 ? 170 : 0));
        }
}

/* draw_textured's grains on bands 3 rows high, bright and dark by turns (blinds, shelves, a
 * striped shirt): a sideways blur wipes out the grains and keeps the bands' edges. */
static void draw_banded(picture *p, uint32_t seed, int dx, int dy) {
    draw_textured(p, seed, dx, dy);
    for (int r = 0; r < H; r++)
        if (r / 3 % 2)
            for (int c = 0; c < W; c++)
                p->y[r * W + c] = (uint8_t)(p->y[r * W + c] / 2);
}

typedef void (*draw_fn)(picture *p, uint32_t seed, int dx, int dy);

/* Appends n frames of scene `seed` as draw draws it, from offset x0, drifting as add_shot's. */
static void add_drawn_shot(engine_feature_track *t, draw_fn draw, uint32_t seed, int x0, int n) {
    picture p;
    for (int i = 0; i < n; i++) {
        draw(&p, seed, x0 + i / 4, 0);
        push(t, &p);
    }
}

static void add_textured_shot(engine_feature_track *t, uint32_t seed, int x0, int n) {
    add_drawn_shot(t, draw_textured, seed, x0, n);
}

/* A whip pan over scene `seed` as draw draws it: the camera swings 150 px to the right in 10
 * frames (0.4 s), the picture smeared along the way, and stops on another part of the same scene
 * (50 frames either side). Blur on and blur off are two steps as sharp as cuts, but the camera
 * moved one way through the smear: no boundary. */
static void assert_whip_pan_is_not_a_cut(draw_fn draw, uint32_t seed) {
    engine_feature_track t;
    track_init(&t);
    picture p;
    add_drawn_shot(&t, draw, seed, 0, 50);
    static const int step[10] = {4, 8, 12, 18, 24, 24, 20, 16, 14, 10};
    int x = 12;
    for (int i = 0; i < 10; i++) {
        x += step[i];
        draw(&p, seed, x, 0);
        smear_x(&p, 15);
        push(&t, &p);
    }
    add_drawn_shot(&t, draw, seed, x, 50);
    /* Neither edge of the smear (frames 50 and 60) is a cut, whatever the hard model makes of
     * them: with every hard candidate kept, and no shortest shot, the whip rule alone says no. */
    engine_shot_opts o;
    engine_shot_opts_default(&o);
    o.hard_threshold = 1e-9;
    o.gradual_threshold = 2;
    o.min_shot = 1e-3;
    engine_shot_list s;
    assert_int_equal(engine_detect_shots(&t, &o, &s), 0);
    for (size_t i = 0; i < s.count; i++)
        assert_true(s.items[i].frame != 50 && s.items[i].frame != 60);
    engine_shot_list_free(&s);
    assert_no_boundary(&t);
}

static void test_whip_pan_is_not_a_cut(void **state) {
    (void)state;
    assert_whip_pan_is_not_a_cut(draw_textured, 81);
}

/* The same whip over a banded scene: the smear keeps the bands, well over half the edges, but
 * the edges it can erase - those across the camera's way - go. */
static void test_whip_pan_over_bands_is_not_a_cut(void **state) {
    (void)state;
    assert_whip_pan_is_not_a_cut(draw_banded, 81);
}

/* A cut to another scene out of focus for 0.4 s, then in focus (the camera still): a blur between
 * two sharp pictures, as in a whip pan, but nothing moved through it - the cut stays. */
static void test_cut_to_a_focus_pull(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    add_textured_shot(&t, 82, 0, 50);
    for (int i = 0; i < 10; i++) {
        draw_textured(&p, 83, 0, 0);
        smear_x(&p, 15);
        push(&t, &p);
    }
    add_textured_shot(&t, 83, 0, 50);
    assert_one_cut(&t, 50);
}

/* Two still views of a regular pattern, 50 frames each, the second the first moved by a block
 * (as colour bars cut to other bars). */
static void pattern_jump(engine_feature_track *t) {
    track_init(t);
    picture p;
    for (int i = 0; i < 100; i++) {
        draw_scene(&p, 85, i < 50 ? 0 : 16, 0);
        push(t, &p);
    }
    assert_true(t->frames[50].cam_dx <= -12); /* the shift was measured */
}

/* A cut between the two views: a camera shift explains the change, but the camera did not move
 * before or after it - a jump from nowhere is a new picture, and the cut stays. */
static void test_pattern_jump_is_a_cut(void **state) {
    (void)state;
    engine_feature_track t;
    pattern_jump(&t);
    assert_one_cut(&t, 50);
}

/* A jump from a still view measured where frames around it hardly changed: a shift the search
 * returns on a frame whose luma did not change (motion under SHOT_MEASURABLE_LUMA) is noise, not
 * the camera moving that way, and must not make the jump look like camera motion. */
static void test_pattern_jump_beside_unmeasurable_shifts(void **state) {
    (void)state;
    engine_feature_track t;
    pattern_jump(&t);
    for (size_t k = 44; k <= 56; k += 12) { /* noise shifts along the jump, 6 frames either side */
        assert_true(t.frames[k].motion < SHOT_MEASURABLE_LUMA);
        t.frames[k].cam_dx = t.frames[50].cam_dx;
    }
    assert_one_cut(&t, 50);
}

typedef struct hard_count {
    size_t frame; /* the frame looked for */
    int found;    /* hard-cut candidates there */
} hard_count;

static void count_hard_at(void *user, const shot_sample *smp) {
    hard_count *c = user;
    if (smp->hard && smp->hi == c->frame)
        c->found++;
}

/* Fine grain redrawn every frame (busy motion: a large luma change, frame to frame, on an
 * unchanging layout), then a cut to a still picture: the cut changes the layout and colours far
 * more than the grain ever does, its luma less than the grain does. It is a peak of the signature
 * change, and a hard-cut candidate, whatever the luma change around it. */
static void test_cut_out_of_busy_motion_is_a_candidate(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < 80; i++) {
        if (i < 40) {
            flat(&p, 0);
            for (int k = 0; k < W * H; k++)
                p.y[k] = (uint8_t)(28 + hash3(91, (uint32_t)i, (uint32_t)k) % 200);
        } else { /* a still grey picture of lower contrast */
            grey_scene(&p, 92, 0, 89, 165);
        }
        push(&t, &p);
    }
    shot_signals s;
    assert_int_equal(shot_signals_init(&s, &t, 0.5, 0.5), 0);
    assert_true(s.d1[40] > 2 * s.d1[39]);     /* the cut: a layout change ... */
    assert_true(s.motion[40] < s.motion[39]); /* ... with less luma change than the grain */
    shot_signals_free(&s);
    hard_count at = {40, 0};
    assert_int_equal(shot_candidates(&t, count_hard_at, &at), 0);
    assert_int_equal(at.found, 1);
    engine_feature_track_free(&t);
}

/* The boundaries, with the models' thresholds `hard` and `gradual` (0: the default), of n frames
 * of a view of scene `seed` at horizontal offset x[i] in frame i. */
static void detect_view(uint32_t seed, const int *x, int n, double hard, double gradual,
                        engine_shot_list *out) {
    engine_shot_opts o;
    engine_shot_opts_default(&o);
    o.hard_threshold = hard;
    o.gradual_threshold = gradual;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < n; i++) {
        draw_scene(&p, seed, x[i], 0);
        push(&t, &p);
    }
    assert_int_equal(engine_detect_shots(&t, &o, out), 0);
    engine_feature_track_free(&t);
}

/* The boundaries of a still view of scene 86 that from frame 48 steps 6 pixels every 4 frames
 * (each picture held three frames, as a low frame rate converted up), `steps` times, with the
 * hard threshold lowered to 0.01: a model that takes any change for a cut, so the camera veto
 * alone decides. */
static void detect_steps(int steps, engine_shot_list *out) {
    int x[100];
    for (int i = 0; i < 100; i++) {
        int k = i < 48 ? 0 : (i - 48) / 4 + 1;
        x[i] = 6 * (k < steps ? k : steps);
    }
    detect_view(86, x, 100, 0.01, 0, out);
}

/* A stuttering pan at a large step: every step is a shift the camera's motion explains, and the
 * steps around it move the same way - camera motion; the same step once, from and to a still
 * camera, is a jump from nowhere and kept. */
static void test_stutter_pan_is_not_a_cut(void **state) {
    (void)state;
    engine_shot_list s;
    detect_steps(8, &s);
    assert_int_equal(s.count, 0);
    engine_shot_list_free(&s);
    detect_steps(1, &s);
    assert_true(s.count >= 1);
    assert_int_equal(s.items[0].frame, 48);
    engine_shot_list_free(&s);
}

/* The boundaries of a still view of scene 87 that from frame 50 moves `travel` pixels left in 16
 * frames, then stands: at one speed (`eased` 0) or speeding up and slowing down as a camera does
 * (1). Both models' thresholds are raised to 0.9999, so the slide rule alone decides. */
static void detect_move(int travel, int eased, engine_shot_list *out) {
    int x[140];
    for (int i = 0; i < 140; i++) {
        double u = i < 50 ? 0 : i < 66 ? (i - 49) / 16.0 : 1; /* share of the move made */
        if (eased)
            u = u * u * (3 - 2 * u);
        x[i] = (int)(travel * u + 0.5);
    }
    detect_view(87, x, 140, 0.9999, 0.9999, out);
}

/* A slide (a push) between two still views of scene 87 side by side, as from one half of a
 * photograph to the other: the picture moves exactly one picture width at one speed and stands
 * again - one boundary inside it. A camera making the same move eases in and out (no boundary),
 * and a move of half a picture at one speed is no slide either. */
static void test_slide_is_a_transition(void **state) {
    (void)state;
    engine_shot_list s;
    detect_move(W, 0, &s);
    assert_int_equal(s.count, 1);
    assert_true(s.items[0].frame >= 50 && s.items[0].frame <= 66);
    assert_int_equal(s.items[0].kind, ENGINE_CUT_GRADUAL);
    engine_shot_list_free(&s);
    detect_move(W, 1, &s);
    assert_int_equal(s.count, 0);
    engine_shot_list_free(&s);
    detect_move(W / 2, 0, &s);
    assert_int_equal(s.count, 0);
    engine_shot_list_free(&s);
}

static void test_fast_pan_is_not_a_cut(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p;
    for (int i = 0; i < 150; i++) { /* accelerating then braking, up to 8 px per frame */
        int x = i < 75 ? i * i / 20 : 281 + (i - 75) * 8 - (i - 75) * (i - 75) / 20;
        draw_scene(&p, 61, x, i / 3);
        push(&t, &p);
    }
    assert_no_boundary(&t);
}

/* shot_pan_left: after a pan the last picture is the first moved by the camera's travel where
 * they overlap; a cut to another place (with the camera moving alike), a dissolve (no travel)
 * or a window whose travel leaves no overlap cannot be explained so. */
static void test_pan_left(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    picture p, q;
    for (int i = 0; i <= 10; i++) { /* frames 0-10: a whip, 3 px a frame to the right */
        draw_scene(&p, 71, 3 * i, 0);
        push(&t, &p);
    }
    for (int i = 11; i <= 21; i++) { /* frames 11-21: a cut at 11, the camera moving alike */
        draw_scene(&p, 72, 3 * i, 0);
        push(&t, &p);
    }
    for (int i = 0; i <= 10; i++) { /* frames 22-32: a dissolve to a still scene */
        draw_scene(&p, 72, 63, 0);
        draw_scene(&q, 73, 0, 0);
        blend(&p, &p, &q, i / 10.0);
        push(&t, &p);
    }
    for (int i = 1; i <= 16; i++) { /* frames 33-48: a pan of a whole picture width */
        draw_scene(&p, 73, 4 * i, 0);
        push(&t, &p);
    }
    double travel = 0;
    for (size_t k = 1; k <= 10; k++)
        travel += t.frames[k].cam_dx;
    assert_true(travel <= -20 && travel >= -40); /* the shifts were measured */
    double pan = shot_pan_left(&t, 0, 10), cut = shot_pan_left(&t, 6, 16);
    assert_true(pan < 0.3);
    assert_true(cut > 0.6);
    assert_true(shot_pan_left(&t, 22, 32) == 1); /* no travel: cannot tell */
    assert_true(shot_pan_left(&t, 32, 48) == 1); /* a picture out: no overlap */
    engine_feature_track_free(&t);
}

static void test_min_shot(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    add_shot(&t, 71, 50);
    add_shot(&t, 72, 12); /* 0.48 s */
    add_shot(&t, 73, 50);
    engine_shot_list s;
    detect(&t, 1.0, &s);
    assert_int_equal(s.count, 1); /* the two cuts are closer than min_shot: one survives */
    engine_shot_list_free(&s);
    detect(&t, 0.3, &s);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.items[0].frame, 50);
    assert_int_equal(s.items[1].frame, 62);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

static void test_tiny_tracks(void **state) {
    (void)state;
    engine_feature_track t;
    track_init(&t);
    engine_shot_list s;
    detect(&t, 0, &s);
    assert_int_equal(s.count, 0);
    add_shot(&t, 81, 1);
    detect(&t, 0, &s);
    assert_int_equal(s.count, 0);
    engine_shot_list_free(&s);
    engine_feature_track_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_hard_cuts_exact),
        cmocka_unit_test(test_colour_only_cut),
        cmocka_unit_test(test_dissolve),
        cmocka_unit_test(test_fade_through_black),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_flash_is_not_a_cut),
        cmocka_unit_test(test_fast_pan_is_not_a_cut),
        cmocka_unit_test(test_pattern_jump_is_a_cut),
        cmocka_unit_test(test_pattern_jump_beside_unmeasurable_shifts),
        cmocka_unit_test(test_cut_out_of_busy_motion_is_a_candidate),
        cmocka_unit_test(test_slide_is_a_transition),
        cmocka_unit_test(test_stutter_pan_is_not_a_cut),
        cmocka_unit_test(test_min_shot),
        cmocka_unit_test(test_tiny_tracks),
        cmocka_unit_test(test_pan_left),
        cmocka_unit_test(test_dark_picture_is_not_a_fade),
        cmocka_unit_test(test_flash_beside_a_dark_frame_is_not_a_fade),
        cmocka_unit_test(test_flash_in_a_fast_pan_is_not_a_fade),
        cmocka_unit_test(test_blank_card_between_dissolves),
        cmocka_unit_test(test_cut_to_black_then_fade_in),
        cmocka_unit_test(test_dip_to_black_between_shots),
        cmocka_unit_test(test_cut_to_look_alike_and_on),
        cmocka_unit_test(test_whip_pan_is_not_a_cut),
        cmocka_unit_test(test_whip_pan_over_bands_is_not_a_cut),
        cmocka_unit_test(test_cut_to_a_focus_pull),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
