/* Unit tests on real generated media (tests/media/gen_limits.sh) of what one input can make the
 * engine allocate or claim: the picture cap (limits.max_pixels) before and during decoding in every
 * pass, what it costs in memory to refuse a huge picture, and a declared duration the file does
 * not hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/export/export.h"
#include "engine/highlights/highlights.h"
#include "engine/probe.h"
#include "engine/shots/analyze.h"
#include "jobs/segmentation.h"

static char media[1024];
static char scratch[1024];

static const char *media_path(const char *name) {
    static char path[2048];
    snprintf(path, sizeof(path), "%s/limits/%s", media, name);
    return path;
}

enum pass { PASS_PROBE, PASS_ANALYZE, PASS_HIGHLIGHTS, PASS_EXPORT, N_PASSES };
static const char *const pass_names[N_PASSES] = {"probe", "analyze", "highlights", "export"};

/* Runs one engine pass over src; err gets its failure. Export transcodes [7.9, 8.2) s (past the
 * start of grows.ts's huge part) to 320 px wide, so it decodes. */
static int run_pass(enum pass pass, const engine_source *src, rc_error *err) {
    rc_error_clear(err);
    int rc = 0;
    switch (pass) {
    case PASS_PROBE: {
        engine_media_info info;
        rc = engine_probe(src, &info, err);
        engine_media_info_free(&info);
        break;
    }
    case PASS_ANALYZE: {
        engine_feature_track t;
        rc = engine_analyze(src, NULL, NULL, &t, err);
        engine_feature_track_free(&t);
        break;
    }
    case PASS_HIGHLIGHTS: {
        engine_hl_track t;
        rc = engine_hl_analyze(src, NULL, &t, err);
        engine_hl_track_free(&t);
        break;
    }
    case PASS_EXPORT: {
        char dst[1100];
        snprintf(dst, sizeof(dst), "%s/out.mp4", scratch);
        engine_export_opts opts = {.width = 320};
        rc = engine_export_range(src, 0, 8.2, dst, &opts, NULL, NULL, err);
        unlink(dst);
        break;
    }
    case N_PASSES:
        break;
    }
    return rc;
}

#define HUGE_MSG "video is 8192x8192 (67.1 Mpx), over the limit of 8.9 Mpx (limits.max_pixels)"
#define GROWS_MSG                                                                                  \
    "video changes size mid-stream to 8192x8192 (67.1 Mpx), over the limit of 8.9 Mpx "            \
    "(limits.max_pixels)"

static void test_picture_cap(void **state) {
    (void)state;
    static const struct {
        const char *file;
        int rc[N_PASSES];    /* per pass */
        const char *message; /* of every failing pass */
    } cases[] = {
        /* the container header tells the size: refused before anything is decoded */
        {"huge.mp4", {RC_ELIMIT, RC_ELIMIT, RC_ELIMIT, RC_ELIMIT}, HUGE_MSG},
        /* only the bitstream tells: FFmpeg's stream analysis finds it, under the cap */
        {"huge.ts", {RC_ELIMIT, RC_ELIMIT, RC_ELIMIT, RC_ELIMIT}, HUGE_MSG},
        /* 320x240 for 8 s, then 8192x8192: a probe does not decode, the other passes do */
        {"grows.ts", {0, RC_ELIMIT, RC_ELIMIT, RC_ELIMIT}, GROWS_MSG},
        {"over.mp4",
         {RC_ELIMIT, RC_ELIMIT, RC_ELIMIT, RC_ELIMIT},
         "video is 4096x2178 (8.92 Mpx), over the limit of 8.91 Mpx (limits.max_pixels)"},
        {"uhd.mp4", {0, 0, 0, 0}, NULL}, /* 4K UHD */
        {"dci.mp4", {0, 0, 0, 0}, NULL}, /* DCI 4K */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        engine_source src = engine_source_path(media_path(cases[i].file));
        for (int p = 0; p < N_PASSES; p++) {
            rc_error err;
            int rc = run_pass((enum pass)p, &src, &err);
            if (rc != cases[i].rc[p])
                fail_msg("%s %s: rc %d (%s), want %d", pass_names[p], cases[i].file, rc,
                         err.message, cases[i].rc[p]);
            if (rc != RC_ELIMIT)
                continue;
            assert_string_equal(err.code, "InvalidParameter.ResourceContentBad");
            assert_string_equal(err.message, cases[i].message);
            assert_null(strchr(err.message, '/')); /* never a local path */
        }
    }
}

static void test_picture_cap_configured(void **state) {
    (void)state;
    engine_limits big = {.max_pixels = 8192 * 8192}, small = {.max_pixels = 320 * 240 / 2};
    engine_source src = engine_source_path(media_path("huge.mp4"));
    src.limits = &big;
    engine_media_info info;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_probe(&src, &info, &err), 0);
    assert_int_equal(info.width, 8192);
    engine_media_info_free(&info);
    /* at the limit passes, one pixel less does not */
    engine_limits exact = {.max_pixels = 4096 * 2178};
    src = engine_source_path(media_path("over.mp4"));
    src.limits = &exact;
    assert_int_equal(run_pass(PASS_ANALYZE, &src, &err), 0);
    exact.max_pixels--;
    assert_int_equal(run_pass(PASS_ANALYZE, &src, &err), RC_ELIMIT);
    assert_string_equal(err.message, "video is 4096x2178 (8.921088 Mpx), over the limit of "
                                     "8.921087 Mpx (limits.max_pixels)");
    src = engine_source_path(media_path("grows.ts"));
    src.limits = &small;
    assert_int_equal(run_pass(PASS_PROBE, &src, &err), RC_ELIMIT);
    assert_string_equal(
        err.message, "video is 320x240 (0.08 Mpx), over the limit of 0.04 Mpx (limits.max_pixels)");
}

/* Peak RSS growth (MB) of a child running `pass` over `file` under the default limits; the child's
 * own figure before the work is the baseline, so what the test process holds does not count. */
static long child_rss_growth_mb(enum pass pass, const char *file, int *rc) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        engine_source src = engine_source_path(media_path(file));
        rc_error err;
        long result[2] = {run_pass(pass, &src, &err), 0};
        getrusage(RUSAGE_SELF, &after);
        result[1] = (after.ru_maxrss - before.ru_maxrss) / 1024;
        ssize_t n = write(fds[1], result, sizeof(result));
        _exit(n == (ssize_t)sizeof(result) ? 0 : 1);
    }
    close(fds[1]);
    long result[2] = {0, -1};
    ssize_t n = read(fds[0], result, sizeof(result));
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == (ssize_t)sizeof(result));
    *rc = (int)result[0];
    return result[1];
}

/* Refusing a 67 Mpx picture costs little: at most the decoder's per-size tables (~30 MB for
 * 8192x8192 H.264), never a picture (~100 MB each; 330-740 MB per pass before the cap, ASan). */
#define REFUSAL_MAX_MB 64

static void test_refusal_memory(void **state) {
    (void)state;
    static const struct {
        enum pass pass;
        const char *file;
    } cases[] = {{PASS_PROBE, "huge.mp4"},     {PASS_ANALYZE, "huge.mp4"},
                 {PASS_HIGHLIGHTS, "huge.ts"}, {PASS_ANALYZE, "huge.ts"},
                 {PASS_ANALYZE, "grows.ts"},   {PASS_HIGHLIGHTS, "grows.ts"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = 0;
        long mb = child_rss_growth_mb(cases[i].pass, cases[i].file, &rc);
        print_message("%s %s: +%ld MB peak RSS\n", pass_names[cases[i].pass], cases[i].file, mb);
        assert_int_equal(rc, RC_ELIMIT);
        assert_true(mb >= 0 && mb < REFUSAL_MAX_MB);
    }
}

/* declared.*: 2 s of media whose header says 4294967.295 s. */
static void test_declared_duration(void **state) {
    (void)state;
    engine_media_info info;
    rc_error err;
    rc_error_clear(&err);
    /* MP4 measures its streams (sample tables): the probe reports what they hold */
    assert_int_equal(engine_probe(ENGINE_PATH(media_path("declared.mp4")), &info, &err), 0);
    assert_true(info.duration > 1.99 && info.duration < 2.05);
    engine_media_info_free(&info);
    /* Matroska declares only in the header: a probe (no reading) cannot tell */
    assert_int_equal(engine_probe(ENGINE_PATH(media_path("declared.mkv")), &info, &err), 0);
    assert_true(info.duration > 4294967 && info.duration < 4294968);
    engine_media_info_free(&info);
    /* the passes that read every packet judge both */
    static const char *const files[] = {"declared.mp4", "declared.mkv"};
    for (size_t i = 0; i < 2; i++) {
        engine_feature_track t;
        assert_int_equal(engine_analyze(ENGINE_PATH(media_path(files[i])), NULL, NULL, &t, &err),
                         0);
        assert_int_equal(t.nb_frames, 50);
        if (!(t.duration > 1.99 && t.duration < 2.05))
            fail_msg("analyze %s: duration %.3f", files[i], t.duration);
        engine_feature_track_free(&t);
        engine_hl_track h;
        assert_int_equal(engine_hl_analyze(ENGINE_PATH(media_path(files[i])), NULL, &h, &err), 0);
        if (!(h.duration > 1.99 && h.duration < 2.05) || h.n > 21)
            fail_msg("highlights %s: duration %.3f, %zu ticks", files[i], h.duration, h.n);
        engine_hl_track_free(&h);
    }
    /* segmentation: shots tile 0..2 s, a range past the readable end is out of range */
    segmentation_request req = {.input_path = media_path("declared.mp4"),
                                .mode = SEGMENTATION_BASIC_CLIP_SPLIT};
    segmentation_result res;
    assert_int_equal(segmentation_run(&req, NULL, &res, &err), 0);
    assert_true(res.count >= 1 && res.duration == 2.0);
    assert_true(res.segments[res.count - 1].out == 2.0);
    segmentation_result_free(&res);
    segmentation_range ranges[] = {{0.5, 100}, {3, 4}};
    req = (segmentation_request){.input_path = media_path("declared.mp4"),
                                 .mode = SEGMENTATION_USER_DEFINED,
                                 .ranges = ranges,
                                 .nb_ranges = 1};
    assert_int_equal(segmentation_run(&req, NULL, &res, &err), 0);
    assert_true(res.segments[0].out == 2.0);
    segmentation_result_free(&res);
    req.nb_ranges = 2;
    rc_error_clear(&err);
    assert_int_equal(segmentation_run(&req, NULL, &res, &err), RC_ERANGE);
    assert_non_null(strstr(err.message, "Ranges[1].In (3.000 s) is at or past the end"));
    segmentation_result_free(&res);
}

int main(void) {
    const char *m = getenv("REELCUT_MEDIA");
    snprintf(media, sizeof(media), "%s", m ? m : "build/media");
    snprintf(scratch, sizeof(scratch), "/tmp/reelcut-limits-XXXXXX");
    if (!mkdtemp(scratch))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_picture_cap),
        cmocka_unit_test(test_picture_cap_configured),
        cmocka_unit_test(test_refusal_memory),
        cmocka_unit_test(test_declared_duration),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(scratch);
    return failed;
}
