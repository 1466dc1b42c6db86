/* hl_video: the video half of the highlight pass, mostly in the compressed domain - inter-frame
 * packet sizes measure motion, keyframes and packet-size spikes mark cuts, and only keyframes are
 * decoded (loop filter off) into 64x36 thumbnails to confirm cuts and spot black/empty pictures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "engine/highlights/hl_int.h"
#include "engine/highlights/hl_qp.h"
#include "engine/limits.h"
#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"

#define THUMB_W 64
#define THUMB_H 36
#define SPIKE_RING 16
#define KEY_MIN_GAP 0.5      /* s between decoded frames of all-intra inputs (stay cheap) */
#define KEY_CUT_DIST 0.35    /* thumbnail distance of two keyframes that makes a cut */
#define SPIKE_FACTOR 6.0     /* an inter packet this many times the recent upper quartile ... */
#define SPIKE_MAX_FACTOR 1.5 /* ... and this many times the largest recent one is a cut */

struct hl_video {
    AVCodecContext *dec;
    engine_picture_guard guard;
    AVFrame *frame;
    struct SwsContext *sws;
    AVRational tb;
    double origin;
    int macroblocks;
    int64_t packets;
    int keyframes_decoded;
    double last_key_sent; /* time of the last keyframe sent to the decoder, < 0 none */
    engine_frame_features prev;
    int have_prev;
    float ring[SPIKE_RING];
    int ring_n, ring_pos;
    int64_t inter_since_key;
    int after_key;  /* the next inter packet is the first after a keyframe */
    int spike_cuts; /* 0 for codecs whose golden/alt-ref frames make periodic size spikes */
    hl_qp *qp;      /* H.264/HEVC: slice bytes and quantisers from the headers; else NULL */
    uint8_t y[THUMB_W * THUMB_H], u[THUMB_W * THUMB_H / 4], v[THUMB_W * THUMB_H / 4];
};

int hl_video_open(hl_video **out, AVFormatContext *fmt, int index, double origin,
                  const engine_limits *limits, rc_error *err, const char *path) {
    *out = NULL;
    AVStream *st = fmt->streams[index];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return rc_fail(err, RC_EMEDIA, NULL, "%s: no decoder for its video stream", path);
    hl_video *v = calloc(1, sizeof(*v));
    if (!v)
        return RC_ENOMEM;
    int rc = RC_ENOMEM;
    v->tb = st->time_base;
    v->origin = origin;
    v->last_key_sent = -1;
    v->macroblocks = ((st->codecpar->width + 15) / 16) * ((st->codecpar->height + 15) / 16);
    if (v->macroblocks < 1)
        v->macroblocks = 1;
    enum AVCodecID id = st->codecpar->codec_id;
    v->spike_cuts = id != AV_CODEC_ID_VP8 && id != AV_CODEC_ID_VP9 && id != AV_CODEC_ID_AV1;
    if ((id == AV_CODEC_ID_H264 || id == AV_CODEC_ID_HEVC) &&
        hl_qp_open(&v->qp, id == AV_CODEC_ID_H264 ? HL_QP_H264 : HL_QP_HEVC,
                   st->codecpar->extradata, (size_t)st->codecpar->extradata_size))
        goto fail;
    v->dec = avcodec_alloc_context3(codec);
    v->frame = av_frame_alloc();
    if (!v->dec || !v->frame)
        goto fail;
    rc = RC_EMEDIA;
    if (avcodec_parameters_to_context(v->dec, st->codecpar) < 0)
        goto fail;
    v->dec->pkt_timebase = st->time_base;
    int threads = engine_codec_threads(limits);
    v->dec->thread_count = threads < 2 ? threads : 2;
    v->dec->thread_type = FF_THREAD_SLICE; /* no frame-threading delay: keyframes come out now */
    /* no skip_frame = AVDISCARD_NONKEY: only keyframes are sent anyway, and FFmpeg's H.264
     * decoder drops some of a run of closely spaced IDR pictures under it (fast cutting) */
    v->dec->skip_loop_filter = AVDISCARD_ALL;
    v->dec->flags2 |= AV_CODEC_FLAG2_FAST;
    /* fed keyframes only, decoders complain about missing references: those are expected */
    v->dec->log_level_offset = AV_LOG_WARNING - AV_LOG_ERROR;
    if (engine_guard_decoder(v->dec, &v->guard, limits)) {
        rc = RC_ENOMEM;
        goto fail;
    }
    if (avcodec_open2(v->dec, codec, NULL) < 0)
        goto fail;
    *out = v;
    return 0;
fail:
    /* err is filled only now: a message recorded on success would mask every later failure */
    if (rc == RC_EMEDIA)
        rc_fail(err, rc, NULL, "%s: cannot open the %s decoder", path, codec->name);
    hl_video_close(&v);
    return rc;
}

void hl_video_close(hl_video **pv) {
    hl_video *v = *pv;
    if (!v)
        return;
    avcodec_free_context(&v->dec);
    engine_guard_free(&v->guard);
    av_frame_free(&v->frame);
    sws_freeContext(v->sws);
    hl_qp_close(&v->qp);
    free(v);
    *pv = NULL;
}

void hl_video_stats(const hl_video *v, int64_t *packets, int *keyframes_decoded, int *macroblocks) {
    *packets = v ? v->packets : 0;
    *keyframes_decoded = v ? v->keyframes_decoded : 0;
    *macroblocks = v ? v->macroblocks : 1;
}

/* 64x36 YUV420 thumbnail of any frame through swscale (fast bilinear: statistics only). */
static int thumbnail(hl_video *v, const AVFrame *fr) {
    v->sws = sws_getCachedContext(v->sws, fr->width, fr->height, fr->format, THUMB_W, THUMB_H,
                                  AV_PIX_FMT_YUV420P, SWS_FAST_BILINEAR, NULL, NULL, NULL);
    if (!v->sws)
        return RC_EMEDIA;
    uint8_t *dst[4] = {v->y, v->u, v->v, NULL};
    int stride[4] = {THUMB_W, THUMB_W / 2, THUMB_W / 2, 0};
    sws_scale(v->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst, stride);
    return 0;
}

static void plane_stats(const uint8_t *p, int n, double *mean, double *sd) {
    double m = 0, var = 0;
    for (int i = 0; i < n; i++)
        m += p[i];
    m /= n;
    for (int i = 0; i < n; i++)
        var += (p[i] - m) * (p[i] - m);
    *mean = m;
    *sd = sqrt(var / n);
}

int hl_thumb_empty(const uint8_t *y, const uint8_t *u, const uint8_t *v) {
    double my, sy, mu, su, mv, sv;
    plane_stats(y, THUMB_W * THUMB_H, &my, &sy);
    if (my < 24.0)
        return 1;
    plane_stats(u, THUMB_W * THUMB_H / 4, &mu, &su);
    plane_stats(v, THUMB_W * THUMB_H / 4, &mv, &sv);
    return sy < 4.0 && su < 4.0 && sv < 4.0;
}

static int keyframe_decoded(hl_video *v, const AVFrame *fr, hl_raw *raw) {
    if (thumbnail(v, fr))
        return 0; /* an odd pixel format: no thumbnail, the packet statistics still count */
    v->keyframes_decoded++;
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    engine_features_from_planes(&f, v->y, THUMB_W, THUMB_W, THUMB_H, v->u, v->v, THUMB_W / 2,
                                THUMB_W / 2, THUMB_H / 2);
    int64_t ts = fr->best_effort_timestamp;
    double t = ts == AV_NOPTS_VALUE ? 0 : ts * av_q2d(v->tb) - v->origin;
    if (t < 0)
        t = 0;
    hl_raw_tick *tk = hl_raw_at(raw, t);
    if (!tk)
        return RC_ENOMEM;
    tk->key = 1;
    if (hl_thumb_empty(v->y, v->u, v->v))
        tk->empty = 1;
    int rc = 0;
    if (v->have_prev && engine_frame_distance(&v->prev, &f) > KEY_CUT_DIST)
        rc = hl_raw_add_cut(raw, t);
    v->prev = f;
    v->have_prev = 1;
    return rc;
}

static int receive(hl_video *v, hl_raw *raw, rc_error *err) {
    for (;;) {
        int ret = avcodec_receive_frame(v->dec, v->frame);
        if (ret < 0)
            return engine_guard_check(&v->guard, NULL, err);
        int rc = engine_guard_check(&v->guard, v->frame, err);
        if (!rc)
            rc = keyframe_decoded(v, v->frame, raw);
        av_frame_unref(v->frame);
        if (rc)
            return rc;
    }
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* What an inter packet codes: its slice bytes (H.264/HEVC: filler data, SEI and parameter sets
 * left out, so a constant-bitrate stream padded to its rate shows what it really spends) and the
 * quantiser of its slices (hl_qp.h), which hl_track.c turns the bytes into complexity with. */
typedef struct coded {
    float bytes, qp;
    int has_qp;
} coded;

static coded packet_coded(hl_video *v, const AVPacket *pkt) {
    coded c = {(float)pkt->size, 0, 0};
    if (!v->qp)
        return c;
    hl_qp_frame fr;
    hl_qp_packet(v->qp, pkt->data, (size_t)pkt->size, &fr);
    if (fr.slices == 0)
        return c;
    c.bytes = (float)fr.slice_bytes;
    c.qp = (float)fr.qp;
    c.has_qp = fr.has_qp;
    return c;
}

/* A cut coded as an inter frame (the encoder declined a keyframe) shows as a spike of slice bytes:
 * over SPIKE_FACTOR x the upper quartile of the previous SPIKE_RING frames and twice the largest.
 * (Not of complexity: x264 writes the quantiser of a slice's first macroblock into its header, so
 * with adaptive quantisation single frames read 20 QP apart.) */
static int inter_packet(hl_video *v, double t, coded c, hl_raw *raw) {
    hl_raw_tick *tk = hl_raw_at(raw, t);
    if (!tk)
        return RC_ENOMEM;
    tk->vbytes += c.bytes;
    tk->vframes++;
    if (c.has_qp) {
        tk->qp_sum += c.qp;
        tk->qp_n++;
    }
    /* the first inter frame after a keyframe refines the keyframe's quantisation (fixed-quantiser
     * MPEG-4 spends ~25% more on it even in a frozen picture): not a change of the picture */
    if (!v->after_key && c.bytes > tk->vmax)
        tk->vmax = c.bytes;
    v->after_key = 0;
    int rc = 0;
    if (v->spike_cuts && v->ring_n == SPIKE_RING) {
        float tmp[SPIKE_RING];
        memcpy(tmp, v->ring, sizeof(tmp));
        qsort(tmp, SPIKE_RING, sizeof(float), cmp_float);
        float quartile = tmp[SPIKE_RING * 3 / 4]; /* P frames, not tiny B frames */
        /* and twice the largest: a slow pan makes every few frames 10x the skipped ones between */
        if (c.bytes > SPIKE_FACTOR * quartile && c.bytes > SPIKE_MAX_FACTOR * tmp[SPIKE_RING - 1] &&
            c.bytes > 0.5 * v->macroblocks + 64)
            rc = hl_raw_add_cut(raw, t);
    }
    v->ring[v->ring_pos] = c.bytes;
    v->ring_pos = (v->ring_pos + 1) % SPIKE_RING;
    if (v->ring_n < SPIKE_RING)
        v->ring_n++;
    return rc;
}

int hl_video_packet(hl_video *v, const AVPacket *pkt, hl_raw *raw, rc_error *err) {
    if (!pkt) {
        avcodec_send_packet(v->dec, NULL);
        return receive(v, raw, err);
    }
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts == AV_NOPTS_VALUE)
        return 0;
    double t = ts * av_q2d(v->tb) - v->origin;
    if (t < 0)
        t = 0;
    v->packets++;
    coded c = packet_coded(v, pkt); /* every packet: parameter sets may come in band */
    if (!(pkt->flags & AV_PKT_FLAG_KEY)) {
        v->inter_since_key++;
        return inter_packet(v, t, c, raw);
    }
    int all_intra = v->packets > 1 && v->inter_since_key == 0;
    v->inter_since_key = 0;
    v->after_key = !all_intra;
    if (all_intra) {
        /* every frame is a keyframe: sizes still measure change; thumbnails at a low rate */
        int rc = inter_packet(v, t, c, raw);
        if (rc || t - v->last_key_sent < KEY_MIN_GAP)
            return rc;
    }
    v->last_key_sent = t;
    int rc = engine_guard_packet(&v->guard, pkt, err);
    if (rc)
        return rc;
    if (avcodec_send_packet(v->dec, pkt) < 0)
        return engine_guard_check(&v->guard, NULL, err); /* else damaged: skip */
    return receive(v, raw, err);
}
