/* Unit tests on real generated media (tests/media/gen_parts.sh): a video analysed in parts - cut
 * at its keyframes (engine_analyze_cuts) or at any times - adds up to its whole track, frame for
 * frame and byte for byte, in every codec/container pair; a packed part round-trips; a part of
 * another layout, or one with made-up timestamps, is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"

static char media[1024];

static const char *media_path(const char *name) {
    static char path[2048];
    snprintf(path, sizeof(path), "%s/%s", media, name);
    return path;
}

static const char *const files[] = {"parts_h264.mp4", "parts_hevc.mkv", "parts_vp9.webm",
                                    "parts_mpeg4.avi"};

/* The track of the parts between cuts[0..n) (from the start, to the end), appended and
 * finished; each part packed and unpacked on the way, as between processes. */
static int track_in_parts(const char *path, const double *cuts, size_t n,
                          engine_feature_track *out) {
    rc_error err;
    rc_error_clear(&err);
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i <= n; i++) {
        engine_analyze_opts o = {.from = i > 0 ? cuts[i - 1] : 0, .to = i < n ? cuts[i] : 0};
        engine_feature_track part, back;
        int rc = engine_analyze(ENGINE_PATH(path), &o, NULL, &part, &err);
        if (rc)
            fail_msg("%s part %zu: %s", path, i, err.message);
        void *bytes;
        size_t size;
        assert_int_equal(engine_feature_track_pack(&part, &bytes, &size), 0);
        assert_int_equal(engine_feature_track_unpack(bytes, size, &back), 0);
        assert_int_equal(back.nb_frames, part.nb_frames);
        free(bytes);
        rc = engine_feature_track_append(out, &back);
        engine_feature_track_free(&part);
        engine_feature_track_free(&back);
        if (rc)
            return rc;
    }
    assert_int_equal(engine_feature_track_finish(out, path, &err), 0);
    return 0;
}

static void assert_same_track(const char *name, const engine_feature_track *a,
                              const engine_feature_track *b) {
    if (a->nb_frames != b->nb_frames)
        fail_msg("%s: %zu frames in parts, %zu whole", name, b->nb_frames, a->nb_frames);
    for (size_t i = 0; i < a->nb_frames; i++)
        if (memcmp(&a->frames[i], &b->frames[i], ENGINE_FRAME_FEATURES_BYTES) != 0)
            fail_msg("%s: frame %zu (%.3f s) differs (motion %.3f whole, %.3f in parts)", name, i,
                     a->frames[i].pts, a->frames[i].motion, b->frames[i].motion);
    /* the pictures the picture network sees travel with the parts */
    if (!engine_feature_track_has_pictures(a) || !engine_feature_track_has_pictures(b))
        fail_msg("%s: no pictures %s", name,
                 engine_feature_track_has_pictures(a) ? "in parts" : "whole");
    uint8_t pa[ANALYZE_PICTURE_BYTES], pb[ANALYZE_PICTURE_BYTES];
    for (size_t i = 0; i < a->nb_frames; i++) {
        const uint8_t *ya = engine_feature_track_picture(a, i, pa);
        const uint8_t *yb = engine_feature_track_picture(b, i, pb);
        if (!ya || !yb || memcmp(ya, yb, ANALYZE_PICTURE_BYTES) != 0)
            fail_msg("%s: the picture of frame %zu differs", name, i);
    }
    assert_true(a->duration == b->duration);
    assert_true(a->frame_rate == b->frame_rate);
    assert_true(a->origin == b->origin);
    assert_int_equal(a->truncated, b->truncated);
    assert_int_equal(b->irregular, 0);
}

static void assert_same_shots(const char *name, const engine_feature_track *a,
                              const engine_feature_track *b) {
    engine_shot_list sa = {0}, sb = {0};
    assert_int_equal(engine_detect_shots(a, NULL, &sa), 0);
    assert_int_equal(engine_detect_shots(b, NULL, &sb), 0);
    if (sa.count != sb.count)
        fail_msg("%s: %zu boundaries whole, %zu in parts", name, sa.count, sb.count);
    for (size_t i = 0; i < sa.count; i++)
        assert_true(sa.items[i].frame == sb.items[i].frame);
    assert_true(sa.count >= 4); /* the media's cuts are found at all */
    engine_shot_list_free(&sa);
    engine_shot_list_free(&sb);
}

static void test_parts_at_keyframes(void **state) {
    (void)state;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        const char *path = media_path(files[f]);
        rc_error err;
        rc_error_clear(&err);
        engine_feature_track whole, parts;
        assert_int_equal(engine_analyze(ENGINE_PATH(path), NULL, NULL, &whole, &err), 0);
        double *cuts = NULL;
        size_t n = 0;
        assert_int_equal(engine_analyze_cuts(ENGINE_PATH(path), 3.0, &cuts, &n, &err), 0);
        if (strstr(files[f], ".avi")) { /* no presentation times stored: not cut */
            assert_int_equal(n, 0);
            engine_feature_track_free(&whole);
            continue;
        }
        if (n < 3)
            fail_msg("%s: %zu cuts for 3 s chunks of 16 s", files[f], n);
        for (size_t i = 0; i < n; i++) { /* keyframes are every second here, so at whole s */
            assert_true(cuts[i] >= 3.0 * (double)(i + 1) - 0.05);
            assert_true(i == 0 || cuts[i] > cuts[i - 1]);
        }
        int rc = track_in_parts(path, cuts, n, &parts);
        if (rc)
            fail_msg("%s: parts cut at keyframes do not join (%d)", files[f], rc);
        assert_same_track(files[f], &whole, &parts);
        assert_same_shots(files[f], &whole, &parts);
        free(cuts);
        engine_feature_track_free(&whole);
        engine_feature_track_free(&parts);
    }
}

/* Parts cut between keyframes, inside a dissolve and one frame apart still add up - or, where
 * the container makes the timestamps up (AVI with B-frames stores none), they are refused as not
 * joining, never merged wrong. */
static void test_parts_anywhere(void **state) {
    (void)state;
    const double cuts[] = {1.37, 2.21, 2.25, 2.29, 7.0, 11.52};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        const char *path = media_path(files[f]);
        rc_error err;
        rc_error_clear(&err);
        engine_feature_track whole, parts;
        assert_int_equal(engine_analyze(ENGINE_PATH(path), NULL, NULL, &whole, &err), 0);
        int rc = track_in_parts(path, cuts, sizeof(cuts) / sizeof(cuts[0]), &parts);
        if (strstr(files[f], ".avi") && rc == RC_EINVAL)
            fprintf(stderr, "%s: parts between keyframes refused as not joining\n", files[f]);
        else
            assert_int_equal(rc, 0), assert_same_track(files[f], &whole, &parts);
        engine_feature_track_free(&whole);
        engine_feature_track_free(&parts);
    }
}

static void test_no_cuts_without_index_or_length(void **state) {
    (void)state;
    rc_error err;
    rc_error_clear(&err);
    double *cuts = (double *)1;
    size_t n = 1;
    /* 16 s is shorter than two 10 s chunks */
    assert_int_equal(
        engine_analyze_cuts(ENGINE_PATH(media_path("parts_h264.mp4")), 10.0, &cuts, &n, &err), 0);
    assert_null(cuts);
    assert_int_equal(n, 0);
    /* MPEG-TS keeps no seek index */
    assert_int_equal(
        engine_analyze_cuts(ENGINE_PATH(media_path("thumb_key.ts")), 1.0, &cuts, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        engine_analyze_cuts(ENGINE_PATH(media_path("missing.mp4")), 1.0, &cuts, &n, &err),
        RC_ENOENT);
}

static void test_unpack_refuses_other_layouts(void **state) {
    (void)state;
    engine_feature_track t = {0}, back;
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    f.pts = 1.5;
    f.motion = 3;
    assert_int_equal(engine_feature_track_push(&t, &f), 0);
    t.frame_rate = 25;
    void *bytes;
    size_t size;
    assert_int_equal(engine_feature_track_pack(&t, &bytes, &size), 0);
    assert_int_equal(engine_feature_track_unpack(bytes, size, &back), 0);
    assert_true(back.frames[0].pts == 1.5 && back.frame_rate == 25);
    engine_feature_track_free(&back);
    assert_int_equal(engine_feature_track_unpack(bytes, size - 1, &back), RC_EINVAL);
    assert_int_equal(engine_feature_track_unpack(bytes, 10, &back), RC_EINVAL);
    ((unsigned char *)bytes)[8] ^= 1; /* another frame size */
    assert_int_equal(engine_feature_track_unpack(bytes, size, &back), RC_EINVAL);
    ((unsigned char *)bytes)[8] ^= 1;
    ((unsigned char *)bytes)[0] = 'X';
    assert_int_equal(engine_feature_track_unpack(bytes, size, &back), RC_EINVAL);
    free(bytes);
    engine_feature_track_free(&t);
}

/* A part whose timestamps were made up (a missing or out-of-order pts) never joins, even where
 * its lead matches: such frames may line up in one run and not in the next. */
static void test_append_refuses_made_up_times(void **state) {
    (void)state;
    engine_feature_track whole = {0}, part = {0};
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    f.pts = 1.0;
    assert_int_equal(engine_feature_track_push(&whole, &f), 0);
    part.has_lead = 1;
    part.lead = f;
    f.pts = 1.04;
    assert_int_equal(engine_feature_track_push(&part, &f), 0);
    part.irregular = 1;
    assert_int_equal(engine_feature_track_append(&whole, &part), RC_EINVAL);
    assert_int_equal(whole.nb_frames, 1);
    part.irregular = 0;
    assert_int_equal(engine_feature_track_append(&whole, &part), 0);
    assert_int_equal(whole.nb_frames, 2);
    engine_feature_track_free(&whole);
    engine_feature_track_free(&part);
}

/* The analysis spills a track's pictures to a temporary file (in TMPDIR, or the folder the
 * options name); where none can be made (a folder that does not exist) it keeps them in memory -
 * the same pictures, the same boundaries. */
static void test_pictures_spill(void **state) {
    (void)state;
    const char *path = media_path(files[0]);
    rc_error err;
    rc_error_clear(&err);
    engine_feature_track spilled, kept;
    assert_int_equal(engine_analyze(ENGINE_PATH(path), NULL, NULL, &spilled, &err), 0);
    assert_non_null(spilled.spill);
    assert_null(spilled.pictures);
    const char *was = getenv("TMPDIR");
    char *saved = was ? strdup(was) : NULL;
    setenv("TMPDIR", "/nonexistent-reelcut-folder", 1);
    int rc = engine_analyze(ENGINE_PATH(path), NULL, NULL, &kept, &err);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    assert_int_equal(rc, 0);
    assert_null(kept.spill);
    assert_non_null(kept.pictures);
    assert_same_track(files[0], &spilled, &kept);
    assert_same_shots(files[0], &spilled, &kept);
    engine_feature_track_free(&kept);
    /* a job's own folder (engine_analyze_opts.spill_dir) in place of TMPDIR: the same */
    engine_analyze_opts o = {0};
    o.spill_dir = getenv("REELCUT_BUILD") ? getenv("REELCUT_BUILD") : ".";
    assert_int_equal(engine_analyze(ENGINE_PATH(path), &o, NULL, &kept, &err), 0);
    assert_non_null(kept.spill);
    assert_same_track(files[0], &spilled, &kept);
    engine_feature_track_free(&spilled);
    engine_feature_track_free(&kept);
}

/* A track's pictures round-trip through pack/unpack; a truncated one is refused; appending a part
 * without pictures leaves the whole without them (never pictures for only some frames). */
static void test_pictures_travel(void **state) {
    (void)state;
    engine_feature_track t = {0}, back, whole = {0};
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    for (int i = 0; i < 2; i++) {
        f.pts = i;
        assert_int_equal(engine_feature_track_push(&t, &f), 0);
    }
    t.pictures = malloc(2 * ANALYZE_PICTURE_BYTES);
    assert_non_null(t.pictures);
    t.cap_pictures = 2;
    for (size_t i = 0; i < 2 * ANALYZE_PICTURE_BYTES; i++)
        t.pictures[i] = (uint8_t)(i * 7);
    void *bytes;
    size_t size;
    assert_int_equal(engine_feature_track_pack(&t, &bytes, &size), 0);
    assert_int_equal(engine_feature_track_unpack(bytes, size, &back), 0);
    assert_non_null(back.pictures);
    assert_memory_equal(back.pictures, t.pictures, 2 * ANALYZE_PICTURE_BYTES);
    engine_feature_track_spill_pictures(&back, NULL); /* (as a job holds the parts it gets) */
    assert_null(back.pictures);
    assert_non_null(back.spill);
    engine_feature_track_spill_in(&whole, NULL); /* (as a job does before appending its parts) */
    assert_int_equal(engine_feature_track_append(&whole, &back), 0);
    assert_non_null(whole.spill); /* (spilled: read them back) */
    uint8_t one[ANALYZE_PICTURE_BYTES];
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *y = engine_feature_track_picture(&whole, i, one);
        assert_non_null(y);
        assert_memory_equal(y, t.pictures + i * ANALYZE_PICTURE_BYTES, ANALYZE_PICTURE_BYTES);
    }
    assert_null(engine_feature_track_picture(&whole, 2, one));
    engine_feature_track_free(&back);
    assert_int_equal(engine_feature_track_unpack(bytes, size - 1, &back), RC_EINVAL);
    free(bytes);
    engine_feature_track part = {0};
    part.has_lead = 1;
    part.lead = whole.frames[1];
    f.pts = 2;
    assert_int_equal(engine_feature_track_push(&part, &f), 0);
    assert_int_equal(engine_feature_track_append(&whole, &part), 0);
    assert_int_equal(whole.nb_frames, 3);
    assert_false(engine_feature_track_has_pictures(&whole));
    engine_feature_track_free(&part);
    engine_feature_track_free(&whole);
    engine_feature_track_free(&t);
}

int main(void) {
    const char *dir = getenv("REELCUT_MEDIA");
    snprintf(media, sizeof(media), "%s", dir ? dir : "build/media");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_at_keyframes),
        cmocka_unit_test(test_parts_anywhere),
        cmocka_unit_test(test_no_cuts_without_index_or_length),
        cmocka_unit_test(test_unpack_refuses_other_layouts),
        cmocka_unit_test(test_append_refuses_made_up_times),
        cmocka_unit_test(test_pictures_travel),
        cmocka_unit_test(test_pictures_spill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
