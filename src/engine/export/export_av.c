/* export_av: the codecs and filter graphs of an export - decoders, the smart-cut H.264 encoder that
 * mirrors the source, transcode encoders (H.264/VP9, AAC/Opus) and the resize/rotate and audio
 * trim graphs. */
#include <stdio.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>

#include "engine/export/export_int.h"

static int av_fail(engine_export_job *job, int ret, const char *what) {
    char msg[128];
    av_strerror(ret, msg, sizeof(msg));
    if (ret == AVERROR(ENOMEM))
        return rc_fail(job->err, RC_ENOMEM, NULL, "%s: out of memory", job->src);
    return rc_fail(job->err, RC_EINTERNAL, NULL, "%s: %s: %s", job->dst_name, what, msg);
}

int engine_export_open_decoder(engine_export_job *job, int idx, AVCodecContext **out) {
    AVStream *st = job->ic->streams[idx];
    const AVCodec *c = avcodec_find_decoder(st->codecpar->codec_id);
    if (!c)
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: no decoder for %s", job->src,
                       avcodec_get_name(st->codecpar->codec_id));
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    if (!ctx)
        return RC_ENOMEM;
    int ret = avcodec_parameters_to_context(ctx, st->codecpar);
    ctx->pkt_timebase = st->time_base;
    ctx->thread_count = engine_codec_threads(&job->limits);
    if (ret >= 0 && st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
        engine_guard_free(&job->guard); /* of an earlier decoder, already freed */
        if (engine_guard_decoder(ctx, &job->guard, &job->limits)) {
            avcodec_free_context(&ctx);
            return RC_ENOMEM;
        }
    }
    if (ret >= 0)
        ret = avcodec_open2(ctx, c, NULL);
    if (ret < 0) {
        avcodec_free_context(&ctx);
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: cannot decode %s", job->src,
                       avcodec_get_name(st->codecpar->codec_id));
    }
    *out = ctx;
    return 0;
}

static AVRational frame_rate(const engine_export_job *job) {
    const AVStream *vs = job->ic->streams[job->vidx];
    AVRational fr = vs->avg_frame_rate.num > 0 ? vs->avg_frame_rate : vs->r_frame_rate;
    return fr.num > 0 && fr.den > 0 ? fr : (AVRational){25, 1};
}

static int open_encoder(engine_export_job *job, AVCodecContext *ctx, AVDictionary **d) {
    int ret = avcodec_open2(ctx, ctx->codec, d);
    av_dict_free(d);
    return ret < 0 ? av_fail(job, ret, "cannot open the encoder") : 0;
}

int engine_export_open_smart_encoder(engine_export_job *job, int sps_id, AVCodecContext **out) {
    const AVCodecParameters *p = job->ic->streams[job->vidx]->codecpar;
    int vp9 = p->codec_id == AV_CODEC_ID_VP9;
    const AVCodec *c = avcodec_find_encoder_by_name(vp9 ? "libvpx-vp9" : "libx264");
    if (!c)
        return rc_fail(job->err, RC_ENOTSUP, NULL, "%s: no %s encoder", job->dst_name,
                       vp9 ? "VP9" : "H.264");
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    if (!ctx)
        return RC_ENOMEM;
    ctx->width = p->width;
    ctx->height = p->height;
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->time_base = job->vtb;
    ctx->framerate = frame_rate(job);
    ctx->sample_aspect_ratio = p->sample_aspect_ratio;
    ctx->color_range = p->color_range;
    ctx->color_primaries = p->color_primaries;
    ctx->color_trc = p->color_trc;
    ctx->colorspace = p->color_space;
    ctx->chroma_sample_location = p->chroma_location;
    ctx->level = p->level;
    ctx->max_b_frames = 0; /* decode order = presentation order: dts stays simple at the joins */
    ctx->thread_count = engine_codec_threads(&job->limits);
    AVDictionary *d = NULL;
    if (vp9) {
        /* One visible frame per packet (no hidden alt-ref), so packets map to frames. */
        ctx->bit_rate = 0;
        av_dict_set(&d, "crf", "24", 0);
        av_dict_set(&d, "deadline", "good", 0);
        av_dict_set(&d, "cpu-used", "4", 0);
        av_dict_set(&d, "row-mt", "1", 0);
        av_dict_set(&d, "auto-alt-ref", "0", 0);
        av_dict_set(&d, "lag-in-frames", "0", 0);
        int rc = open_encoder(job, ctx, &d);
        if (rc)
            avcodec_free_context(&ctx);
        *out = ctx;
        return rc;
    }
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    int prof = p->profile & ~FF_PROFILE_H264_CONSTRAINED;
    const char *profile = prof == FF_PROFILE_H264_BASELINE ? "baseline"
                          : prof == FF_PROFILE_H264_MAIN   ? "main"
                                                           : "high";
    char params[64];
    snprintf(params, sizeof(params), "sps-id=%d", sps_id);
    av_dict_set(&d, "preset", "veryfast", 0);
    av_dict_set(&d, "crf", "16", 0);
    av_dict_set(&d, "profile", profile, 0);
    av_dict_set(&d, "x264-params", params, 0);
    int rc = open_encoder(job, ctx, &d);
    if (rc)
        avcodec_free_context(&ctx);
    *out = ctx;
    return rc;
}

int engine_export_open_video_encoder(engine_export_job *job, int global_header,
                                     AVCodecContext **out) {
    int vp9 = job->container == EXPORT_WEBM;
    const AVCodec *c = avcodec_find_encoder_by_name(vp9 ? "libvpx-vp9" : "libx264");
    if (!c)
        return rc_fail(job->err, RC_ENOTSUP, NULL, "%s: no %s encoder", job->dst_name,
                       vp9 ? "VP9" : "H.264");
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    if (!ctx)
        return RC_ENOMEM;
    const AVCodecParameters *p = job->ic->streams[job->vidx]->codecpar;
    ctx->width = job->out_w;
    ctx->height = job->out_h;
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->time_base = job->vtb;
    ctx->framerate = frame_rate(job);
    ctx->sample_aspect_ratio = (AVRational){1, 1};
    ctx->color_range = AVCOL_RANGE_MPEG;
    ctx->color_primaries = p->color_primaries;
    ctx->color_trc = p->color_trc;
    ctx->colorspace = p->color_space;
    ctx->thread_count = engine_codec_threads(&job->limits);
    if (global_header)
        ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *d = NULL;
    if (vp9) {
        ctx->bit_rate = 0;
        ctx->gop_size = 250;
        av_dict_set(&d, "crf", "32", 0);
        av_dict_set(&d, "deadline", "good", 0);
        av_dict_set(&d, "cpu-used", "5", 0);
        av_dict_set(&d, "row-mt", "1", 0);
    } else {
        av_dict_set(&d, "preset", "veryfast", 0);
        av_dict_set(&d, "crf", "20", 0);
        av_dict_set(&d, "profile", "high", 0);
    }
    int rc = open_encoder(job, ctx, &d);
    if (rc)
        avcodec_free_context(&ctx);
    *out = ctx;
    return rc;
}

int engine_export_open_audio_encoder(engine_export_job *job, const AVCodecContext *dec,
                                     int global_header, AVCodecContext **out) {
    int opus = job->container == EXPORT_WEBM;
    const AVCodec *c = avcodec_find_encoder_by_name(opus ? "libopus" : "aac");
    if (!c)
        return rc_fail(job->err, RC_ENOTSUP, NULL, "%s: no %s encoder", job->dst_name,
                       opus ? "Opus" : "AAC");
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    if (!ctx)
        return RC_ENOMEM;
    int rate = 48000;
    if (!opus && c->supported_samplerates)
        for (const int *r = c->supported_samplerates; *r; r++)
            if (*r == dec->sample_rate)
                rate = dec->sample_rate;
    ctx->sample_rate = rate;
    ctx->sample_fmt = opus ? AV_SAMPLE_FMT_FLT : AV_SAMPLE_FMT_FLTP;
    int channels = dec->ch_layout.nb_channels >= 2 ? 2 : 1;
    av_channel_layout_default(&ctx->ch_layout, channels);
    ctx->bit_rate = channels * (opus ? 48000 : 64000);
    ctx->time_base = (AVRational){1, rate};
    if (global_header)
        ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *d = NULL;
    int rc = open_encoder(job, ctx, &d);
    if (rc)
        avcodec_free_context(&ctx);
    *out = ctx;
    return rc;
}

void engine_export_graph_free(engine_export_graph *g) {
    avfilter_graph_free(&g->graph);
    g->src = g->sink = NULL;
}

/* Builds src -> desc -> sink; src_args configure the buffer source. */
static int build_graph(engine_export_job *job, int audio, const char *src_args, const char *desc,
                       engine_export_graph *g) {
    int ret = 0;
    AVFilterInOut *in = NULL, *outs = NULL;
    g->graph = avfilter_graph_alloc();
    if (!g->graph)
        return RC_ENOMEM;
    g->graph->nb_threads = 1;
    ret = avfilter_graph_create_filter(&g->src, avfilter_get_by_name(audio ? "abuffer" : "buffer"),
                                       "in", src_args, NULL, g->graph);
    if (ret >= 0)
        ret = avfilter_graph_create_filter(
            &g->sink, avfilter_get_by_name(audio ? "abuffersink" : "buffersink"), "out", NULL, NULL,
            g->graph);
    if (ret < 0)
        goto out;
    outs = avfilter_inout_alloc();
    in = avfilter_inout_alloc();
    if (!outs || !in) {
        ret = AVERROR(ENOMEM);
        goto out;
    }
    outs->name = av_strdup("in");
    outs->filter_ctx = g->src;
    in->name = av_strdup("out");
    in->filter_ctx = g->sink;
    ret = avfilter_graph_parse_ptr(g->graph, desc, &in, &outs, NULL);
    if (ret >= 0)
        ret = avfilter_graph_config(g->graph, NULL);
out:
    avfilter_inout_free(&in);
    avfilter_inout_free(&outs);
    if (ret < 0) {
        engine_export_graph_free(g);
        return av_fail(job, ret, "cannot build the filter graph");
    }
    return 0;
}

int engine_export_video_graph(engine_export_job *job, const AVCodecContext *dec,
                              engine_export_graph *g) {
    char args[256], desc[512];
    AVRational sar =
        dec->sample_aspect_ratio.num > 0 ? dec->sample_aspect_ratio : (AVRational){1, 1};
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d",
             dec->width, dec->height, dec->pix_fmt, job->vtb.num, job->vtb.den, sar.num, sar.den);
    const char *rot = job->rotation == 90    ? "transpose=clock,"
                      : job->rotation == 180 ? "hflip,vflip,"
                      : job->rotation == 270 ? "transpose=cclock,"
                                             : "";
    snprintf(desc, sizeof(desc),
             "%sscale=%d:%d:flags=bicubic,setsar=1,pad=%d:%d:%d:%d:black,format=yuv420p", rot,
             job->content_w, job->content_h, job->out_w, job->out_h,
             ((job->out_w - job->content_w) / 2) & ~1, ((job->out_h - job->content_h) / 2) & ~1);
    return build_graph(job, 0, args, desc, g);
}

int engine_export_audio_graph(engine_export_job *job, const AVCodecContext *dec,
                              const AVCodecContext *enc, double start_s, double end_s,
                              engine_export_graph *g) {
    char layout[128], out_layout[64], args[384], desc[512];
    AVRational atb = job->ic->streams[job->aidx]->time_base;
    if (dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
        AVChannelLayout def;
        av_channel_layout_default(&def, dec->ch_layout.nb_channels);
        av_channel_layout_describe(&def, layout, sizeof(layout));
    } else {
        av_channel_layout_describe(&dec->ch_layout, layout, sizeof(layout));
    }
    av_channel_layout_describe(&enc->ch_layout, out_layout, sizeof(out_layout));
    snprintf(args, sizeof(args), "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
             atb.num, atb.den, dec->sample_rate, av_get_sample_fmt_name(dec->sample_fmt), layout);
    /* atrim works on whole-sample positions; aresample then moves timestamps to 1/rate. */
    snprintf(desc, sizeof(desc),
             "atrim=start=%.6f:end=%.6f,aresample=%d,"
             "aformat=sample_fmts=%s:sample_rates=%d:channel_layouts=%s",
             start_s, end_s, enc->sample_rate, av_get_sample_fmt_name(enc->sample_fmt),
             enc->sample_rate, out_layout);
    int rc = build_graph(job, 1, args, desc, g);
    if (rc == 0 && !(enc->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE))
        av_buffersink_set_frame_size(g->sink, (unsigned)enc->frame_size);
    return rc;
}
