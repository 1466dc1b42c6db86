/* Tests of the slice-header reader (hl_qp) on real x264/x265 streams from
 * tests/media/gen_highlights.sh: constant-QP encodes must read QP 30 on every slice (P, B and
 * weighted-prediction headers parsed through to slice_qp_delta), in MP4 (length-prefixed NAL units,
 * parameter sets in avcC/hvcC) and MPEG-TS (Annex B, parameter sets in band); a CBR stream padded
 * with filler data must count its slices only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "engine/highlights/hl_qp.h"

typedef struct totals {
    int packets, with_qp, qp_30, no_slices;
    int64_t packet_bytes, slice_bytes;
    double qp_min, qp_max;
} totals;

static void read_all(const char *name, totals *t) {
    char path[4096];
    const char *dir = getenv("REELCUT_MEDIA");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/media", name);
    AVFormatContext *fmt = NULL;
    assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    assert_true(vi >= 0);
    const AVCodecParameters *par = fmt->streams[vi]->codecpar;
    int codec = par->codec_id == AV_CODEC_ID_HEVC ? HL_QP_HEVC : HL_QP_H264;
    hl_qp *q = NULL;
    assert_int_equal(hl_qp_open(&q, codec, par->extradata, (size_t)par->extradata_size), 0);
    AVPacket *pkt = av_packet_alloc();
    assert_non_null(pkt);
    *t = (totals){.qp_min = 100, .qp_max = -100};
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == vi) {
            hl_qp_frame fr;
            hl_qp_packet(q, pkt->data, (size_t)pkt->size, &fr);
            t->packets++;
            t->packet_bytes += pkt->size;
            t->slice_bytes += fr.slice_bytes;
            t->no_slices += fr.slices == 0;
            if (fr.has_qp) {
                t->with_qp++;
                t->qp_30 += fr.qp == 30.0;
                t->qp_min = fr.qp < t->qp_min ? fr.qp : t->qp_min;
                t->qp_max = fr.qp > t->qp_max ? fr.qp : t->qp_max;
            }
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    hl_qp_close(&q);
    assert_null(q);
    avformat_close_input(&fmt);
}

static void test_constant_qp(void **state) {
    (void)state;
    static const char *files[] = {"hl_qp_x264.mp4", "hl_qp_x264.ts", "hl_qp_x265.mp4"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        totals t;
        read_all(files[i], &t);
        assert_int_equal(t.packets, 100); /* 4 s at 25 fps */
        assert_int_equal(t.no_slices, 0);
        assert_int_equal(t.with_qp, t.packets);
        assert_int_equal(t.qp_30, t.packets);
        /* a slice is most of its packet; the rest is SEI and parameter sets */
        assert_true(t.slice_bytes > t.packet_bytes * 8 / 10);
        assert_true(t.slice_bytes <= t.packet_bytes);
    }
}

static void test_cbr_filler_left_out(void **state) {
    (void)state;
    totals t;
    read_all("hl_cbr.mp4", &t);
    assert_int_equal(t.packets, 150);
    assert_int_equal(t.with_qp, t.packets);
    /* a slowly moving gradient needs far less than 1 Mb/s: the rest is filler data */
    assert_true(t.slice_bytes < t.packet_bytes / 2);
    assert_true(t.qp_min >= 0 && t.qp_max <= 51);
}

static void test_garbage_and_empty(void **state) {
    (void)state;
    hl_qp *q = NULL;
    assert_int_equal(hl_qp_open(&q, HL_QP_H264, NULL, 0), 0);
    hl_qp_frame fr;
    /* a slice without parameter sets: counted, no QP */
    static const uint8_t slice[] = {0, 0, 0, 1, 0x41, 0x9a, 0x00, 0x11, 0x22};
    hl_qp_packet(q, slice, sizeof(slice), &fr);
    assert_int_equal(fr.slices, 1);
    assert_int_equal(fr.slice_bytes, 5);
    assert_false(fr.has_qp);
    /* noise and an empty packet never crash */
    uint8_t noise[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(noise); i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 16);
    }
    hl_qp_packet(q, noise, sizeof(noise), &fr);
    hl_qp_packet(q, noise, 0, &fr);
    assert_int_equal(fr.slices, 0);
    hl_qp_close(&q);
    assert_int_equal(hl_qp_open(&q, HL_QP_HEVC, noise, sizeof(noise)), 0);
    hl_qp_packet(q, noise, sizeof(noise), &fr);
    hl_qp_close(&q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_qp),
        cmocka_unit_test(test_cbr_filler_left_out),
        cmocka_unit_test(test_garbage_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
