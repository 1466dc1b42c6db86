#include "engine/limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/cpu.h>

#include "util/log.h"

engine_limits engine_limits_of(const engine_source *src) {
    engine_limits l = {0};
    if (src && src->limits)
        l = *src->limits;
    if (l.max_pixels <= 0)
        l.max_pixels = ENGINE_MAX_PIXELS_DEFAULT;
    if (l.codec_threads <= 0)
        l.codec_threads = ENGINE_CODEC_THREADS_DEFAULT;
    return l;
}

int engine_codec_threads(const engine_limits *l) {
    int cap = l && l->codec_threads > 0 ? l->codec_threads : ENGINE_CODEC_THREADS_DEFAULT;
    int cpus = av_cpu_count();
    int n = cpus > 1 ? cpus + 1 : 1; /* libavcodec's own automatic count */
    return n < cap ? n : cap;
}

static int over_limit(rc_error *err, const char *what, int64_t w, int64_t h, int64_t max) {
    double mpx = (double)(w * h) / 1e6, max_mpx = (double)max / 1e6;
    /* one decimal, more when that would show a size just over the limit as equal to it */
    int digits = 1;
    for (double scale = 10; digits < 6; digits++, scale *= 10)
        if (llround(mpx * scale) != llround(max_mpx * scale) && llround(max_mpx * scale) > 0)
            break;
    return rc_fail(err, RC_ELIMIT, NULL,
                   "%s %lldx%lld (%.*f Mpx), over the limit of %.*f Mpx (limits.max_pixels)", what,
                   (long long)w, (long long)h, digits, mpx, digits, max_mpx);
}

static int is_picture_stream(const AVStream *st) {
    return st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
           !(st->disposition & AV_DISPOSITION_ATTACHED_PIC); /* cover art is never decoded */
}

/* Every video stream whose size is known so far against the limit. */
static int check_pictures(const AVFormatContext *fmt, int64_t max, rc_error *err) {
    int videos = 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        videos += is_picture_stream(fmt->streams[i]);
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (!is_picture_stream(fmt->streams[i]) || par->width <= 0 || par->height <= 0 ||
            (int64_t)par->width * par->height <= max)
            continue;
        char what[48];
        if (videos > 1)
            snprintf(what, sizeof(what), "video stream %u is", i);
        else
            snprintf(what, sizeof(what), "video is");
        return over_limit(err, what, par->width, par->height, max);
    }
    return 0;
}

double engine_readable_duration(AVFormatContext *fmt) {
    double start = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time / (double)AV_TIME_BASE : 0;
    double end = -1;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        enum AVMediaType type = st->codecpar->codec_type;
        if ((type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO) ||
            (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue;
        if (st->duration == AV_NOPTS_VALUE || st->duration <= 0)
            return -1; /* one stream not measured: its end could be anywhere */
        double tb = av_q2d(st->time_base);
        double from = st->start_time != AV_NOPTS_VALUE ? st->start_time * tb : start;
        double stream_end = from + st->duration * tb;
        if (stream_end > end)
            end = stream_end;
    }
    return end > start ? end - start : -1;
}

int engine_read_stream_info(AVFormatContext *fmt, const engine_limits *l, const char *name,
                            int *av_ret, rc_error *err) {
    *av_ret = 0;
    int64_t max = l && l->max_pixels > 0 ? l->max_pixels : ENGINE_MAX_PIXELS_DEFAULT;
    int rc = check_pictures(fmt, max, err);
    if (rc)
        return rc;
    /* The decoders find_stream_info opens get the cap as an option: a stream whose size only the
     * bitstream tells (MPEG-TS, raw H.264) costs its parameter sets, not a decoded picture. */
    unsigned n = fmt->nb_streams;
    AVDictionary **opts = av_calloc(n ? n : 1, sizeof(*opts));
    if (!opts)
        return rc_fail(err, RC_ENOMEM, NULL, "out of memory reading stream information");
    char pixels[32];
    snprintf(pixels, sizeof(pixels), "%lld", (long long)max);
    for (unsigned i = 0; i < n; i++) {
        av_dict_set(&opts[i], "max_pixels", pixels, 0);
        /* a refused picture is expected here and reported by check_pictures: errors of these
         * measuring decoders log as warnings (the passes that decode log their own errors) */
        av_dict_set(&opts[i], "log_level_offset", "8", 0);
    }
    int ret = avformat_find_stream_info(fmt, opts);
    for (unsigned i = 0; i < n; i++)
        av_dict_free(&opts[i]);
    av_free(opts);
    if (ret < 0) {
        *av_ret = ret;
        return RC_EMEDIA;
    }
    rc = check_pictures(fmt, max, err);
    if (rc)
        return rc;
    double declared = fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : -1;
    double readable = engine_readable_duration(fmt);
    if (readable > 0 && declared > readable + ENGINE_DURATION_SLACK) {
        log_warn("%s declares %.3f s but its streams hold %.3f s: using %.3f s", name, declared,
                 readable, readable);
        fmt->duration = (int64_t)(readable * AV_TIME_BASE);
    }
    return 0;
}

/* get_buffer2 of a guarded decoder. Frame threads call it concurrently: the guard is only read,
 * and the first refusal is recorded atomically. */
static int guarded_get_buffer(AVCodecContext *dec, AVFrame *frame, int flags) {
    engine_picture_guard *g = dec->opaque;
    /* The picture's size as the stream shows it, like the check of the stream parameters; the
     * buffer asked for (frame) is the coded size, at most a block row and column larger. */
    long long w = dec->width > 0 ? dec->width : frame->width;
    long long h = dec->height > 0 ? dec->height : frame->height;
    if (g && w * h > g->max_pixels) {
        long long none = 0;
        atomic_compare_exchange_strong(&g->refused, &none, w << 32 | h);
        return AVERROR(ERANGE);
    }
    return avcodec_default_get_buffer2(dec, frame, flags);
}

int engine_guard_decoder(AVCodecContext *dec, engine_picture_guard *g, const engine_limits *l) {
    g->max_pixels = l && l->max_pixels > 0 ? l->max_pixels : ENGINE_MAX_PIXELS_DEFAULT;
    atomic_init(&g->refused, 0);
    g->parser = av_parser_init(dec->codec_id);
    g->parser_ctx = NULL;
    if (g->parser) {
        /* the parser reads the stream's parameter sets (extradata) into a context of its own */
        AVCodecParameters *par = avcodec_parameters_alloc();
        g->parser_ctx = avcodec_alloc_context3(NULL);
        int ok = par && g->parser_ctx && avcodec_parameters_from_context(par, dec) >= 0 &&
                 avcodec_parameters_to_context(g->parser_ctx, par) >= 0;
        avcodec_parameters_free(&par);
        if (!ok)
            return RC_ENOMEM;
        g->parser->flags |= PARSER_FLAG_COMPLETE_FRAMES; /* one packet is one frame */
    }
    dec->opaque = g;
    dec->get_buffer2 = guarded_get_buffer;
#if LIBAVCODEC_VERSION_MAJOR < 60
    /* guarded_get_buffer is thread-safe; saying so keeps FFmpeg 5 from warning about it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    dec->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
    return 0;
}

void engine_guard_free(engine_picture_guard *g) {
    if (!g)
        return;
    av_parser_close(g->parser);
    g->parser = NULL;
    avcodec_free_context(&g->parser_ctx);
}

int engine_guard_packet(engine_picture_guard *g, const AVPacket *pkt, rc_error *err) {
    if (!g->parser || !pkt || pkt->size <= 0)
        return 0;
    uint8_t *frame = NULL;
    int frame_size = 0;
    av_parser_parse2(g->parser, g->parser_ctx, &frame, &frame_size, pkt->data, pkt->size, pkt->pts,
                     pkt->dts, pkt->pos);
    long long w = g->parser->width, h = g->parser->height;
    if (w <= 0 || h <= 0 || w * h <= g->max_pixels)
        return 0;
    long long none = 0;
    atomic_compare_exchange_strong(&g->refused, &none, w << 32 | h);
    return engine_guard_check(g, NULL, err);
}

int engine_guard_check(engine_picture_guard *g, const AVFrame *frame, rc_error *err) {
    long long refused = atomic_load(&g->refused);
    if (refused)
        return over_limit(err, "video changes size mid-stream to", refused >> 32,
                          refused & 0xffffffff, g->max_pixels);
    if (frame && (int64_t)frame->width * frame->height > g->max_pixels)
        return over_limit(err, "video changes size mid-stream to", frame->width, frame->height,
                          g->max_pixels);
    return 0;
}
