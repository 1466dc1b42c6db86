/* Unit tests for engine/export: progress and cancellation, the result report, errors that name
 * the file and leave nothing behind, overwriting, and the H.264 parameter-set helpers. Media come
 * from tests/media/gen_export.sh (REELCUT_MEDIA). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/export/export.h"
#include "engine/export/export_int.h"

typedef struct fixture {
    char media[512];
    char dir[512];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    const char *m = getenv("REELCUT_MEDIA");
    snprintf(f->media, sizeof(f->media), "%s", m ? m : "build-test/media");
    snprintf(f->dir, sizeof(f->dir), "/tmp/reelcut-export-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' || strstr(e->d_name, ".part")) {
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void src_path(const fixture *f, const char *name, char *out, size_t n) {
    snprintf(out, n, "%s/%s", f->media, name);
}

/* Number of entries in dir other than . and .. */
static int dir_entries(const char *dir) {
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

typedef struct progress_log {
    double last;
    int calls, decreasing;
    double cancel_at; /* > 1 = never */
} progress_log;

static int on_progress(void *user, double fraction) {
    progress_log *l = user;
    if (fraction < l->last)
        l->decreasing = 1;
    l->last = fraction;
    l->calls++;
    return fraction >= l->cancel_at;
}

static void test_progress_and_result(void **state) {
    fixture *f = *state;
    char src[600], dst[600];
    src_path(f, "exp_h264.mp4", src, sizeof(src));
    snprintf(dst, sizeof(dst), "%s/out.mp4", f->dir);
    progress_log log = {.cancel_at = 2};
    engine_progress p = {on_progress, &log};
    engine_export_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_export_range(ENGINE_PATH(src), 3.3, 9.1, dst, NULL, &p, &res, &err), 0);
    assert_int_equal(res.method, ENGINE_EXPORT_SMARTCUT);
    assert_string_equal(engine_export_method_name(res.method), "smartcut");
    assert_int_equal(res.frames, 145);             /* frames 83..227 at 25 fps */
    assert_int_equal(res.encoded_frames, 17 + 28); /* 83..99 and 200..227 */
    assert_int_equal(res.width, 1280);
    assert_int_equal(res.height, 720);
    assert_int_equal(res.has_audio, 1);
    assert_true(res.src_in_s > 3.319 && res.src_in_s < 3.321);
    assert_true(res.duration_s > 5.799 && res.duration_s < 5.801);
    assert_true(log.calls > 10);
    assert_false(log.decreasing);
    assert_true(log.last == 1.0);
    assert_int_equal(dir_entries(f->dir), 1);
}

static void test_cancel_leaves_nothing(void **state) {
    fixture *f = *state;
    char src[600], dst[600];
    src_path(f, "exp_h264.mp4", src, sizeof(src));
    snprintf(dst, sizeof(dst), "%s/cancelled.mp4", f->dir);
    progress_log log = {.cancel_at = 0.3};
    engine_progress p = {on_progress, &log};
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_export_range(ENGINE_PATH(src), 0.5, 11, dst, NULL, &p, NULL, &err),
                     RC_ECANCELED);
    assert_int_equal(access(dst, F_OK), -1);
    assert_int_equal(dir_entries(f->dir), 0); /* no temp file either */
}

static void test_overwrites_existing(void **state) {
    fixture *f = *state;
    char src[600], dst[600];
    src_path(f, "exp_noaudio.mp4", src, sizeof(src));
    snprintf(dst, sizeof(dst), "%s/existing", f->dir); /* no extension: mp4 */
    FILE *fp = fopen(dst, "w");
    assert_non_null(fp);
    fputs("old", fp);
    fclose(fp);
    engine_export_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_export_range(ENGINE_PATH(src), 2, 4, dst, NULL, NULL, &res, &err), 0);
    assert_int_equal(res.method, ENGINE_EXPORT_COPY);
    assert_int_equal(res.has_audio, 0);
    struct stat st;
    assert_int_equal(stat(dst, &st), 0);
    assert_true(st.st_size > 10000);
    assert_int_equal(dir_entries(f->dir), 1);
}

static void test_size_rules(void **state) {
    fixture *f = *state;
    char src[600], dst[600];
    src_path(f, "exp_h264.mp4", src, sizeof(src));
    snprintf(dst, sizeof(dst), "%s/small.webm", f->dir);
    engine_export_opts o = {.width = 0, .height = 179}; /* odd: 180, width follows 16:9 */
    engine_export_result res;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(engine_export_range(ENGINE_PATH(src), 1, 1.4, dst, &o, NULL, &res, &err), 0);
    assert_int_equal(res.method, ENGINE_EXPORT_TRANSCODE);
    assert_int_equal(res.width, 320);
    assert_int_equal(res.height, 180);
    assert_int_equal(res.frames, 10);
}

typedef struct err_case {
    const char *src; /* file in the media dir, or an absolute path */
    double in, out;
    const char *dst; /* in the temp dir */
    int rc;
    const char *code;
    const char *needle; /* must appear in the message */
} err_case;

static void test_errors(void **state) {
    fixture *f = *state;
    static const err_case cases[] = {
        {"/nonexistent/clip.mp4", 0, 1, "a.mp4", RC_ENOENT, "InvalidParameter.ResourceNotFound",
         "/nonexistent/clip.mp4"},
        {"exp_h264.mp4", 5, 5, "b.mp4", RC_ERANGE, "InvalidParameter.OutOfRange", "exp_h264.mp4"},
        {"exp_h264.mp4", -1, 5, "c.mp4", RC_ERANGE, "InvalidParameter.OutOfRange", "In"},
        {"exp_h264.mp4", 12, 14, "d.mp4", RC_ERANGE, "InvalidParameter.OutOfRange", "12.000"},
        {"exp_h264.mp4", 100, 104, "e.mp4", RC_ERANGE, "InvalidParameter.OutOfRange",
         "past the end"},
        {"exp_h264.mp4", 0, 1, "f.gif", RC_ENOTSUP, "InvalidParameter.UnsupportedValue", "f.gif"},
        {"exp_h264.mp4", 0, 1, "missing/g.mp4", RC_EWRITE, "OutputWriteFailed", "missing"},
        {"gen_export.sh", 0, 1, "h.mp4", RC_EMEDIA, "InvalidParameter.ResourceContentBad",
         "gen_export.sh"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const err_case *c = &cases[i];
        char src[600], dst[600];
        if (c->src[0] == '/')
            snprintf(src, sizeof(src), "%s", c->src);
        else if (strcmp(c->src, "gen_export.sh") == 0)
            snprintf(src, sizeof(src), "%s/tests/media/gen_export.sh",
                     getenv("REELCUT_SRC") ? getenv("REELCUT_SRC") : ".");
        else
            src_path(f, c->src, src, sizeof(src));
        snprintf(dst, sizeof(dst), "%s/%s", f->dir, c->dst);
        rc_error err;
        rc_error_clear(&err);
        int rc = engine_export_range(ENGINE_PATH(src), c->in, c->out, dst, NULL, NULL, NULL, &err);
        if (rc != c->rc || strcmp(err.code, c->code) != 0 || !strstr(err.message, c->needle))
            fail_msg("case %zu: rc %d code %s message '%s'", i, rc, err.code, err.message);
        assert_int_equal(access(dst, F_OK), -1);
    }
    assert_int_equal(dir_entries(f->dir), 0);
}

/* --- H.264 helpers on hand-made parameter sets --- */

/* avcC with one SPS (id 0) and one PPS (id 0), 4-byte NAL lengths. */
static const uint8_t avcc0[] = {1,    0x64, 0,    0x1f, 0xff, 0xe1, 0, 5,    0x67,
                                0x64, 0,    0x1f, 0x80, 1,    0,    2, 0x68, 0xce};

static void test_h264_helpers(void **state) {
    (void)state;
    assert_int_equal(engine_export_avcc_nal_length(avcc0, sizeof(avcc0)), 4);
    assert_int_equal(engine_export_avcc_nal_length((const uint8_t *)"\0\0\0\1", 4), 0);
    /* SPS byte 4 = 0x80 starts ue(v) = 0 -> id 0 taken; the PPS (0xce: ue 0) too. */
    uint8_t avcc[sizeof(avcc0)];
    memcpy(avcc, avcc0, sizeof(avcc));
    assert_int_equal(engine_export_avcc_free_id(avcc, sizeof(avcc), 0), 1);
    assert_int_equal(engine_export_avcc_free_id(avcc, sizeof(avcc), 1u << 1), 2);

    /* Encoder headers (Annex B): SPS + PPS + SEI; the merge keeps SPS/PPS only. */
    static const uint8_t enc[] = {0, 0,    0,    1, 0x67, 0x64, 0, 0x1f, 0xa0, 0,   0,
                                  1, 0x68, 0xee, 0, 0,    1,    6, 5,    1,    0x80};
    const uint8_t *encs[1] = {enc};
    int sizes[1] = {sizeof(enc)};
    uint8_t *merged = NULL;
    int msize = 0;
    assert_int_equal(engine_export_avcc_merge(avcc, sizeof(avcc), encs, sizes, 1, &merged, &msize),
                     0);
    assert_int_equal(merged[5] & 0x1f, 2); /* two SPS */
    assert_int_equal(msize, (int)sizeof(avcc) + 2 + 5 + 2 + 2);
    assert_int_equal(merged[6 + 2 + 5 + 2 + 5], 2); /* two PPS */
    assert_int_equal(engine_export_avcc_nal_length(merged, msize), 4);
    av_free(merged);

    /* Annex B IDR access unit -> length-prefixed with the parameter sets in front. */
    AVPacket *pkt = av_packet_alloc();
    static const uint8_t au[] = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 1, 0x06, 0x01};
    assert_int_equal(av_new_packet(pkt, sizeof(au)), 0);
    memcpy(pkt->data, au, sizeof(au));
    pkt->pts = 42;
    assert_int_equal(engine_export_annexb_to_avcc(pkt, 4, enc, sizeof(enc)), 0);
    static const uint8_t want[] = {0,    0,    0, 5,    0x67, 0x64, 0,    0x1f, 0xa0, 0,
                                   0,    0,    2, 0x68, 0xee, 0,    0,    0,    3,    0x65,
                                   0x88, 0x84, 0, 0,    0,    2,    0x06, 0x01};
    assert_int_equal(pkt->size, (int)sizeof(want));
    assert_memory_equal(pkt->data, want, sizeof(want));
    assert_int_equal(pkt->pts, 42);
    assert_int_equal(engine_export_h264_has_idr(pkt->data, pkt->size, 4), 1);
    assert_int_equal(engine_export_h264_has_idr(want + 15 + 7, 6, 4), 0); /* the SEI alone */
    av_packet_free(&pkt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_progress_and_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrites_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_h264_helpers),
    };
    engine_global_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
