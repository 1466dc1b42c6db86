#include "engine/probe.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

#include "engine/limits.h"

#define ENGINE_AVIO_BUFFER 65536

/* The AVIOContext's view of a callback source: a position over read_at. */
typedef struct source_io {
    engine_source src;
    int64_t pos;
} source_io;

static int io_read(void *opaque, uint8_t *buf, int size) {
    source_io *io = opaque;
    if (io->pos >= io->src.size || size <= 0)
        return AVERROR_EOF;
    int n = io->src.read_at(io->src.user, io->pos, buf, (size_t)size);
    if (n < 0)
        return AVERROR(EIO);
    if (n == 0)
        return AVERROR_EOF;
    io->pos += n;
    return n;
}

static int64_t io_seek(void *opaque, int64_t offset, int whence) {
    source_io *io = opaque;
    int64_t pos;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
        return io->src.size;
    case SEEK_SET:
        pos = offset;
        break;
    case SEEK_CUR:
        pos = io->pos + offset;
        break;
    case SEEK_END:
        pos = io->src.size + offset;
        break;
    default:
        return AVERROR(EINVAL);
    }
    if (pos < 0)
        return AVERROR(EINVAL);
    io->pos = pos;
    return pos;
}

static void free_custom_io(AVIOContext **pb) {
    if (!*pb)
        return;
    av_freep(&(*pb)->buffer);
    av_freep(&(*pb)->opaque);
    avio_context_free(pb);
}

int engine_avio_open(const engine_source *src, struct AVFormatContext **fmt) {
    *fmt = NULL;
    if (!src->read_at)
        return avformat_open_input(fmt, src->path, NULL, NULL);
    AVFormatContext *ic = avformat_alloc_context();
    source_io *io = av_mallocz(sizeof(*io));
    unsigned char *buffer = av_malloc(ENGINE_AVIO_BUFFER);
    AVIOContext *pb =
        io && buffer ? avio_alloc_context(buffer, ENGINE_AVIO_BUFFER, 0, io, io_read, NULL, io_seek)
                     : NULL;
    if (!ic || !pb) {
        avformat_free_context(ic);
        if (pb)
            free_custom_io(&pb);
        else {
            av_free(io);
            av_free(buffer);
        }
        return AVERROR(ENOMEM);
    }
    io->src = *src;
    ic->pb = pb;
    ic->flags |= AVFMT_FLAG_CUSTOM_IO;
    int ret = avformat_open_input(&ic, src->path, NULL, NULL); /* frees ic on failure */
    if (ret < 0) {
        free_custom_io(&pb);
        return ret;
    }
    *fmt = ic;
    return ret;
}

void engine_close_media(struct AVFormatContext **fmt) {
    if (!fmt || !*fmt)
        return;
    AVIOContext *pb = ((*fmt)->flags & AVFMT_FLAG_CUSTOM_IO) ? (*fmt)->pb : NULL;
    avformat_close_input(fmt);
    free_custom_io(&pb);
}

int engine_open_source(const engine_source *src, struct AVFormatContext **out, rc_error *err) {
    *out = NULL;
    const char *path = engine_source_name(src);
    if (src->read_at) {
        if (src->size <= 0)
            return rc_fail(err, RC_EMEDIA, NULL, "%s is empty", path);
        goto open;
    }
    struct stat sb;
    if (stat(src->path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return rc_fail(err, RC_ENOENT, NULL, "%s: no such file", path);
        return rc_fail(err, RC_EREAD, NULL, "%s: cannot read: %s", path, strerror(errno));
    }
    if (S_ISDIR(sb.st_mode))
        return rc_fail(err, RC_EMEDIA, NULL, "%s is a directory, not a media file", path);
    if (sb.st_size == 0)
        return rc_fail(err, RC_EMEDIA, NULL, "%s is empty", path);
open:;
    AVFormatContext *fmt = NULL;
    int ret = engine_avio_open(src, &fmt);
    if (ret < 0) {
        char msg[128];
        av_strerror(ret, msg, sizeof(msg));
        if (ret == AVERROR(EACCES))
            return rc_fail(err, RC_EREAD, NULL, "%s: cannot read: %s", path, msg);
        return rc_fail(err, RC_EMEDIA, NULL, "%s is not readable media (%s)", path, msg);
    }
    engine_limits limits = engine_limits_of(src);
    int rc = engine_read_stream_info(fmt, &limits, path, &ret, err);
    if (rc) {
        engine_close_media(&fmt);
        if (rc != RC_EMEDIA)
            return rc;
        return rc_fail(err, RC_EMEDIA, NULL, "%s: cannot read stream information", path);
    }
    *out = fmt;
    return 0;
}

static void fourcc_string(uint32_t tag, char *out, size_t n) {
    if (!tag) {
        out[0] = 0;
        return;
    }
    char s[5];
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)((tag >> (8 * i)) & 0xff);
        s[i] = isprint(c) ? (char)c : '.';
    }
    s[4] = 0;
    snprintf(out, n, "%s", s);
}

/* Clockwise rotation needed to show the stream upright, as the ffmpeg tool applies it. */
static int stream_rotation(const AVStream *st) {
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!m)
        return 0;
    double theta = -av_display_rotation_get((const int32_t *)m);
    if (isnan(theta))
        return 0;
    int deg = (int)lrint(theta) % 360;
    if (deg < 0)
        deg += 360;
    return (deg + 45) / 90 % 4 * 90;
}

static void fill_common(const AVFormatContext *fmt, const AVStream *st, engine_stream_info *s) {
    const AVCodecParameters *par = st->codecpar;
    const AVCodecDescriptor *desc = avcodec_descriptor_get(par->codec_id);
    s->index = st->index;
    snprintf(s->codec_name, sizeof(s->codec_name), "%s", desc ? desc->name : "unknown");
    snprintf(s->codec_long_name, sizeof(s->codec_long_name), "%s",
             desc && desc->long_name ? desc->long_name : "");
    s->codec_tag = par->codec_tag;
    fourcc_string(par->codec_tag, s->codec_tag_string, sizeof(s->codec_tag_string));
    const char *prof = avcodec_profile_name(par->codec_id, par->profile);
    snprintf(s->profile, sizeof(s->profile), "%s", prof ? prof : "");
    s->level = par->level != FF_LEVEL_UNKNOWN ? par->level : -1;
    s->bit_rate = par->bit_rate > 0 ? par->bit_rate : -1;
    s->duration = st->duration != AV_NOPTS_VALUE && st->duration > 0
                      ? st->duration * av_q2d(st->time_base)
                      : -1;
    s->nb_frames = st->nb_frames > 0 ? st->nb_frames : -1;
    s->start_time = st->start_time != AV_NOPTS_VALUE ? st->start_time * av_q2d(st->time_base) : -1;
    if (s->start_time < 0 && s->start_time != -1)
        s->start_time = 0;
    s->tb_num = st->time_base.num;
    s->tb_den = st->time_base.den;
    const AVDictionaryEntry *lang = av_dict_get(st->metadata, "language", NULL, 0);
    snprintf(s->lang, sizeof(s->lang), "%s", lang && lang->value[0] ? lang->value : "und");
    s->sample_rate = s->channels = s->has_b_frames = -1;
    s->fps = s->avg_fps = -1;
    (void)fmt;
}

static void fill_video(const AVStream *st, engine_stream_info *s) {
    const AVCodecParameters *par = st->codecpar;
    s->kind = ENGINE_STREAM_VIDEO;
    const char *pf = av_get_pix_fmt_name(par->format);
    snprintf(s->pix_fmt, sizeof(s->pix_fmt), "%s", pf ? pf : "");
    s->width = par->width;
    s->height = par->height;
    AVRational sar = av_guess_sample_aspect_ratio(NULL, (AVStream *)st, NULL);
    if (sar.num <= 0 || sar.den <= 0)
        sar = (AVRational){1, 1};
    s->sar_num = sar.num;
    s->sar_den = sar.den;
    if (par->width > 0 && par->height > 0)
        av_reduce(&s->dar_num, &s->dar_den, (int64_t)par->width * sar.num,
                  (int64_t)par->height * sar.den, 1024 * 1024);
    if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0)
        s->fps = av_q2d(st->r_frame_rate);
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
        s->avg_fps = av_q2d(st->avg_frame_rate);
    s->has_b_frames = par->video_delay;
    s->rotate = stream_rotation(st);
    /* The codec time base as older ffprobe reported it: 1/(fps x ticks per frame). */
    AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    if (fr.num > 0 && fr.den > 0) {
        int ticks =
            par->codec_id == AV_CODEC_ID_H264 || par->codec_id == AV_CODEC_ID_MPEG2VIDEO ? 2 : 1;
        av_reduce(&s->codec_tb_num, &s->codec_tb_den, fr.den, (int64_t)fr.num * ticks, INT32_MAX);
    }
}

static void fill_audio(const AVStream *st, engine_stream_info *s) {
    const AVCodecParameters *par = st->codecpar;
    s->kind = ENGINE_STREAM_AUDIO;
    const char *sf = av_get_sample_fmt_name(par->format);
    snprintf(s->sample_fmt, sizeof(s->sample_fmt), "%s", sf ? sf : "");
    s->sample_rate = par->sample_rate > 0 ? par->sample_rate : -1;
    s->channels = par->ch_layout.nb_channels > 0 ? par->ch_layout.nb_channels : -1;
    if (par->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_describe(&par->ch_layout, s->channel_layout, sizeof(s->channel_layout));
    if (par->sample_rate > 0) {
        s->codec_tb_num = 1;
        s->codec_tb_den = par->sample_rate;
    }
}

int engine_probe(const engine_source *src, engine_media_info *info, rc_error *err) {
    memset(info, 0, sizeof(*info));
    AVFormatContext *fmt = NULL;
    int rc = engine_open_source(src, &fmt, err);
    if (rc)
        return rc;
    snprintf(info->format_name, sizeof(info->format_name), "%s", fmt->iformat->name);
    info->duration = fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : -1;
    info->bit_rate = fmt->bit_rate > 0 ? fmt->bit_rate : -1;
    info->file_size = fmt->pb ? avio_size(fmt->pb) : -1;
    if (info->file_size < 0)
        info->file_size = -1;
    info->streams = calloc(fmt->nb_streams ? fmt->nb_streams : 1, sizeof(*info->streams));
    if (!info->streams) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        enum AVMediaType type = st->codecpar->codec_type;
        if (type == AVMEDIA_TYPE_VIDEO && (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue; /* cover art is not a video stream */
        if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO &&
            type != AVMEDIA_TYPE_SUBTITLE)
            continue;
        engine_stream_info *s = &info->streams[info->nb_streams++];
        fill_common(fmt, st, s);
        if (type == AVMEDIA_TYPE_VIDEO) {
            fill_video(st, s);
            if (!info->width) {
                info->width = s->width;
                info->height = s->height;
            }
        } else if (type == AVMEDIA_TYPE_AUDIO) {
            fill_audio(st, s);
        } else {
            s->kind = ENGINE_STREAM_SUBTITLE;
        }
    }
out:
    engine_close_media(&fmt);
    return rc;
}

void engine_media_info_free(engine_media_info *info) {
    if (!info)
        return;
    free(info->streams);
    memset(info, 0, sizeof(*info));
}

int engine_seek_start(AVFormatContext *fmt, int vi) {
    const char *name = fmt->iformat->name;
    if ((strncmp(name, "mpegts", 6) == 0 || strcmp(name, "mpeg") == 0) &&
        av_seek_frame(fmt, -1, 0, AVSEEK_FLAG_BYTE) >= 0)
        return 0;
    int64_t start = fmt->streams[vi]->start_time;
    start = start == AV_NOPTS_VALUE ? 0 : start;
    int ret = av_seek_frame(fmt, vi, start, AVSEEK_FLAG_BACKWARD);
    return ret >= 0 ? ret : av_seek_frame(fmt, vi, start, 0);
}
