#include "engine/shots/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "engine/limits.h"
#include "engine/probe.h"
#include "util/buf.h"
#include "util/fdio.h"
#include "util/log.h"

/* The thumbnail every feature is computed on: 64x36 luma, 32x18 chroma. */
/* Timestamps going back further than this are a restarted clock, not reordering noise. */
#define DISCONTINUITY_S 1.0
#define THUMB_W ANALYZE_THUMB_W
#define THUMB_H ANALYZE_THUMB_H
#define THUMB_CW (THUMB_W / 2)
#define THUMB_CH (THUMB_H / 2)

typedef struct thumb {
    uint8_t y[THUMB_W * THUMB_H];
    uint8_t u[THUMB_CW * THUMB_CH];
    uint8_t v[THUMB_CW * THUMB_CH];
} thumb;

typedef struct analyzer {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    engine_limits limits;
    engine_picture_guard guard;
    int stream_index;
    int audio_index; /* the audio stream whose packets are read (never decoded) for read_end */
    engine_frame_hook on_frame; /* opts' */
    void *hook_user;
    double read_end; /* latest end (pts + duration, s) of a packet read, < 0 none */
    AVRational tb;
    double start_s, duration_s;
    thumb cur;
    uint8_t prev_y[THUMB_W * THUMB_H];
    int have_prev;
    double last_pts;
    double pts_offset; /* added to stream timestamps after they jumped backwards */
    double last_report;
    double from, to; /* opts' part (to <= 0: the end) */
    int done;        /* a frame at or past `to` came out: the part is complete */
} analyzer;

int engine_feature_track_push(engine_feature_track *track, const engine_frame_features *f) {
    engine_frame_features *p =
        buf_array_room(track->frames, &track->cap_frames, track->nb_frames, sizeof(*p), 1024);
    if (!p)
        return RC_ENOMEM;
    track->frames = p;
    track->frames[track->nb_frames++] = *f;
    return 0;
}

/* A track's pictures in an unnamed temporary file: picture i at offset i * ANALYZE_PICTURE_BYTES.
 */
struct engine_picture_spill {
    int fd;
};

/* A new spill file, already unlinked: in dir, else (none given, or none can be made there) in
 * TMPDIR, else /tmp. NULL if none can be made. */
static struct engine_picture_spill *spill_make(const char *dir) {
    const char *tmp = getenv("TMPDIR");
    const char *dirs[2] = {dir, tmp && *tmp ? tmp : "/tmp"};
    int fd = -1;
    for (int k = 0; k < 2 && fd < 0; k++) {
        char path[4096];
        int n = dirs[k] && *dirs[k]
                    ? snprintf(path, sizeof(path), "%s/reelcut-pictures-XXXXXX", dirs[k])
                    : -1;
        if (n >= 0 && (size_t)n < sizeof(path) && (fd = mkstemp(path)) >= 0)
            unlink(path);
    }
    struct engine_picture_spill *s = fd >= 0 ? malloc(sizeof(*s)) : NULL;
    if (!s) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    s->fd = fd;
    return s;
}

static void spill_close(struct engine_picture_spill *s) {
    if (s) {
        close(s->fd);
        free(s);
    }
}

void engine_feature_track_spill_in(engine_feature_track *t, const char *dir) {
    if (t->nb_frames == 0 && !engine_feature_track_has_pictures(t))
        t->spill = spill_make(dir); /* (NULL: in memory) */
}

void engine_feature_track_spill_pictures(engine_feature_track *t, const char *dir) {
    if (!t->pictures)
        return;
    struct engine_picture_spill *s = spill_make(dir);
    if (!s || fd_transfer_all(s->fd, t->pictures, t->nb_frames * ANALYZE_PICTURE_BYTES, 0, 1)) {
        spill_close(s); /* (they stay in memory) */
        return;
    }
    free(t->pictures);
    t->pictures = NULL;
    t->cap_pictures = 0;
    t->spill = s;
}

const uint8_t *engine_feature_track_picture(const engine_feature_track *t, size_t i,
                                            uint8_t *into) {
    if (i >= t->nb_frames)
        return NULL;
    if (t->pictures)
        return t->pictures + i * ANALYZE_PICTURE_BYTES;
    if (!t->spill || fd_transfer_all(t->spill->fd, into, ANALYZE_PICTURE_BYTES,
                                     (off_t)(i * ANALYZE_PICTURE_BYTES), 0))
        return NULL;
    return into;
}

/* Moves the spilled pictures of the first n frames into memory (the spill file failed); without
 * the memory or the read, the track goes without pictures. */
static int unspill(engine_feature_track *t, size_t n) {
    uint8_t *p = malloc((n ? n : 1) * ANALYZE_PICTURE_BYTES);
    int rc = p ? 0 : RC_ENOMEM;
    if (p && n && fd_transfer_all(t->spill->fd, p, n * ANALYZE_PICTURE_BYTES, 0, 0)) {
        log_warn("analysis: thumbnails lost with their temporary file (%s): shot detection goes "
                 "without its picture network",
                 strerror(errno));
        free(p);
        p = NULL;
    }
    spill_close(t->spill);
    t->spill = NULL;
    t->pictures = p;
    t->cap_pictures = p ? (n ? n : 1) : 0;
    return rc;
}

/* Appends the picture of the frame just pushed (the track's pictures stay one per frame): to the
 * spill file (engine_feature_track_spill_in), else to memory. Returns 0 or RC_ENOMEM. */
static int push_picture(engine_feature_track *track, const uint8_t *y) {
    size_t i = track->nb_frames - 1;
    if (track->spill) {
        if (!fd_transfer_all(track->spill->fd, (uint8_t *)y, ANALYZE_PICTURE_BYTES,
                             (off_t)(i * ANALYZE_PICTURE_BYTES), 1))
            return 0;
        log_warn("analysis: thumbnails no longer fit in their temporary file (%s): kept in memory",
                 strerror(errno));
        int rc = unspill(track, i);
        if (rc)
            return rc;
    }
    if (!track->pictures && i > 0)
        return 0; /* (the track has no pictures: they were lost) */
    uint8_t *p =
        buf_array_room(track->pictures, &track->cap_pictures, i, ANALYZE_PICTURE_BYTES, 1024);
    if (!p)
        return RC_ENOMEM;
    track->pictures = p;
    memcpy(p + i * ANALYZE_PICTURE_BYTES, y, ANALYZE_PICTURE_BYTES);
    return 0;
}

void engine_feature_track_free(engine_feature_track *track) {
    if (!track)
        return;
    free(track->frames);
    free(track->pictures);
    spill_close(track->spill);
    memset(track, 0, sizeof(*track));
}

/* Box-samples one 8-bit plane (sw x sh) into dst (dw x dh): a 4x4 lattice of source pixels per
 * destination pixel - far cheaper than a full resample and enough for statistics. */
static void sample_plane(const uint8_t *src, int stride, int sw, int sh, uint8_t *dst, int dw,
                         int dh) {
    for (int r = 0; r < dh; r++) {
        int y0 = (int)((int64_t)r * sh / dh), y1 = (int)((int64_t)(r + 1) * sh / dh);
        if (y1 <= y0)
            y1 = y0 + 1;
        for (int c = 0; c < dw; c++) {
            int x0 = (int)((int64_t)c * sw / dw), x1 = (int)((int64_t)(c + 1) * sw / dw);
            if (x1 <= x0)
                x1 = x0 + 1;
            unsigned sum = 0;
            for (int i = 0; i < 4; i++) {
                int yy = y0 + (y1 - y0) * (2 * i + 1) / 8;
                const uint8_t *row = src + (ptrdiff_t)yy * stride;
                for (int j = 0; j < 4; j++)
                    sum += row[x0 + (x1 - x0) * (2 * j + 1) / 8];
            }
            dst[r * dw + c] = (uint8_t)((sum + 8) / 16);
        }
    }
}

/* True for 8-bit planar YUV without odd layouts: the fast sampler reads those directly. */
static int is_plain_yuv8(enum AVPixelFormat pf) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pf);
    if (!d || !(d->flags & AV_PIX_FMT_FLAG_PLANAR) || (d->flags & AV_PIX_FMT_FLAG_RGB) ||
        d->nb_components < 3 || (d->flags & AV_PIX_FMT_FLAG_BE))
        return 0;
    for (int i = 0; i < 3; i++)
        if (d->comp[i].depth != 8 || d->comp[i].plane != i || d->comp[i].step != 1)
            return 0;
    return 1;
}

static int make_thumb(analyzer *a, const AVFrame *fr) {
    if (is_plain_yuv8(fr->format)) {
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fr->format);
        int cw = AV_CEIL_RSHIFT(fr->width, d->log2_chroma_w);
        int ch = AV_CEIL_RSHIFT(fr->height, d->log2_chroma_h);
        sample_plane(fr->data[0], fr->linesize[0], fr->width, fr->height, a->cur.y, THUMB_W,
                     THUMB_H);
        sample_plane(fr->data[1], fr->linesize[1], cw, ch, a->cur.u, THUMB_CW, THUMB_CH);
        sample_plane(fr->data[2], fr->linesize[2], cw, ch, a->cur.v, THUMB_CW, THUMB_CH);
        return 0;
    }
    a->sws = sws_getCachedContext(a->sws, fr->width, fr->height, fr->format, THUMB_W, THUMB_H,
                                  AV_PIX_FMT_YUV420P, SWS_AREA, NULL, NULL, NULL);
    if (!a->sws)
        return RC_EMEDIA;
    uint8_t *dst[4] = {a->cur.y, a->cur.u, a->cur.v, NULL};
    int dst_stride[4] = {THUMB_W, THUMB_CW, THUMB_CW, 0};
    sws_scale(a->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst,
              dst_stride);
    return 0;
}

static int add_frame(analyzer *a, const AVFrame *fr, engine_feature_track *track) {
    int rc = make_thumb(a, fr);
    if (rc)
        return rc;
    engine_frame_features f;
    memset(&f, 0, sizeof(f));
    int64_t ts = fr->best_effort_timestamp;
    double fps = track->frame_rate > 0 ? track->frame_rate : 25;
    if (ts == AV_NOPTS_VALUE) {
        f.pts = a->have_prev ? a->last_pts + 1.0 / fps : 0;
        track->irregular++;
    } else {
        f.pts = ts * av_q2d(a->tb) + a->pts_offset;
    }
    if (a->have_prev && f.pts < a->last_pts - DISCONTINUITY_S) {
        /* The stream's clock restarted (concatenated recordings, a wrapped or reset encoder
         * clock): the video goes on, so its timeline does too, one frame after the last. */
        double shift = a->last_pts + 1.0 / fps - f.pts;
        a->pts_offset += shift;
        f.pts += shift;
        track->jumps++;
        track->irregular++;
    }
    if (a->have_prev && f.pts <= a->last_pts) {
        f.pts = a->last_pts + 1e-3; /* keep the track strictly increasing on broken timestamps */
        track->irregular++;
    }
    /* a part starting at a frame without its predecessor lacks that frame's motion */
    int orphan = a->from > 0 && !a->have_prev;
    engine_features_from_planes(&f, a->cur.y, THUMB_W, THUMB_W, THUMB_H, a->cur.u, a->cur.v,
                                THUMB_CW, THUMB_CW, THUMB_CH);
    engine_features_motion(&f, a->cur.y, a->have_prev ? a->prev_y : NULL);
    memcpy(a->prev_y, a->cur.y, sizeof(a->prev_y));
    a->have_prev = 1;
    a->last_pts = f.pts;
    if (a->to > 0 && f.pts >= a->to) {
        a->done = 1;
        return 0;
    }
    if (a->from > 0 && f.pts < a->from) {
        track->lead = f;
        track->has_lead = 1;
        return 0;
    }
    track->irregular += orphan;
    if (a->on_frame) /* (in media time, as the segments it serves) */
        a->on_frame(a->hook_user, fr, f.pts - a->start_s);
    rc = engine_feature_track_push(track, &f);
    return rc ? rc : push_picture(track, a->cur.y);
}

static int drain(analyzer *a, engine_feature_track *track, const engine_progress *progress,
                 rc_error *err) {
    for (;;) {
        int ret = avcodec_receive_frame(a->dec, a->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            track->decode_errors++;
            return engine_guard_check(&a->guard, NULL, err);
        }
        if (a->frame->flags & AV_FRAME_FLAG_CORRUPT)
            track->decode_errors++;
        ret = engine_guard_check(&a->guard, a->frame, err);
        if (!ret)
            ret = add_frame(a, a->frame, track);
        av_frame_unref(a->frame);
        if (ret || a->done)
            return ret;
        double first = a->from > 0 ? a->from : a->start_s;
        double last = a->to > 0 ? a->to : a->start_s + a->duration_s;
        if (last > first) {
            double frac = (a->last_pts - first) / (last - first);
            if (frac - a->last_report >= 0.01) {
                a->last_report = frac;
                if (engine_progress_report(progress, frac))
                    return RC_ECANCELED;
            }
        }
    }
}

static void note_packet_end(analyzer *a, const AVPacket *pkt) {
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts == AV_NOPTS_VALUE)
        return;
    double end = (double)(ts + (pkt->duration > 0 ? pkt->duration : 0)) *
                 av_q2d(a->fmt->streams[pkt->stream_index]->time_base);
    if (end > a->read_end)
        a->read_end = end;
}

/* The end facts engine_feature_track_finish judges: the declared duration and where the packets
 * read end, in media time (< 0: none read). */
static void note_end(const analyzer *a, engine_feature_track *track) {
    double origin = a->fmt->start_time != AV_NOPTS_VALUE ? a->fmt->start_time / (double)AV_TIME_BASE
                                                         : a->start_s;
    track->declared = a->duration_s;
    track->readable = a->read_end >= 0 ? a->read_end - origin : -1;
}

/* A header may declare far more than a sound file holds (Matroska's Duration is only a header
 * field; engine_open_source already judged the formats that measure their streams): past the
 * end of every video and audio packet read, the duration is that end. A damaged file gets the
 * end of its frames (and its own warning) instead. */
static double trust_readable(const engine_feature_track *track, const char *path) {
    double declared = track->declared, readable = track->readable;
    if (readable < 0 || declared <= 0 || track->decode_errors || track->truncated)
        return declared;
    if (readable > 0 && declared > readable + ENGINE_DURATION_SLACK) {
        log_warn("%s declares %.3f s but its packets end at %.3f s: using %.3f s", path, declared,
                 readable, readable);
        return readable;
    }
    return declared;
}

int engine_feature_track_finish(engine_feature_track *out, const char *path, rc_error *err) {
    if (out->nb_frames == 0)
        return rc_fail(err, RC_EMEDIA, NULL, "%s: no video frame could be decoded", path);
    double declared = trust_readable(out, path);
    double frame_dur = out->frame_rate > 0 ? 1.0 / out->frame_rate : 0;
    double end = out->frames[out->nb_frames - 1].pts + frame_dur;
    if (out->frame_rate <= 0 && out->nb_frames > 1)
        out->frame_rate =
            (out->nb_frames - 1) / (out->frames[out->nb_frames - 1].pts - out->frames[0].pts);
    /* A damaged file whose frames stop early promises more than it holds: its duration is what
     * could be read. (An intact file may legitimately have audio running past the video.) */
    if ((out->decode_errors || out->truncated) && declared > end + 2 * frame_dur)
        out->truncated = 1;
    out->duration = declared > 0 && !out->truncated ? declared : end;
    if (out->jumps) {
        /* the container's duration measures one clock; the frames ran on past it */
        log_warn("%s: timestamps jump backwards %d time(s); times count on from the frame "
                 "before each jump",
                 path, out->jumps);
        out->duration = end - out->origin; /* (media time, from the stream's start) */
    }
    if (out->decode_errors || out->truncated)
        log_warn("%s: damaged input: %d undecodable packets%s; analysed the readable part "
                 "(%zu frames)",
                 path, out->decode_errors, out->truncated ? ", reading stopped early" : "",
                 out->nb_frames);
    return 0;
}

int engine_feature_track_append(engine_feature_track *track, const engine_feature_track *part) {
    if (part->irregular)
        return RC_EINVAL;
    if (track->nb_frames > 0 &&
        (!part->has_lead || memcmp(&part->lead, &track->frames[track->nb_frames - 1],
                                   ENGINE_FRAME_FEATURES_BYTES) != 0))
        return RC_EINVAL;
    int had = track->nb_frames > 0 || track->cap_frames > 0;
    /* the pictures go on only while every part has them */
    int pictures = (track->nb_frames == 0 || engine_feature_track_has_pictures(track)) &&
                   (part->nb_frames == 0 || engine_feature_track_has_pictures(part));
    if (!had) {
        engine_feature_track empty = *part;
        empty.frames = NULL;
        empty.nb_frames = empty.cap_frames = 0;
        empty.pictures = NULL;
        empty.cap_pictures = 0;
        empty.spill = track->spill; /* (made for it before its first frame) */
        *track = empty;
    } else {
        track->decode_errors += part->decode_errors;
        track->truncated |= part->truncated;
        track->jumps += part->jumps;
        track->declared = part->declared;
        track->readable = part->readable;
    }
    if (!pictures) {
        free(track->pictures);
        track->pictures = NULL;
        track->cap_pictures = 0;
        spill_close(track->spill);
        track->spill = NULL;
    }
    uint8_t one[ANALYZE_PICTURE_BYTES];
    for (size_t i = 0; i < part->nb_frames; i++) {
        if (engine_feature_track_push(track, &part->frames[i]))
            return RC_ENOMEM;
        if (!pictures)
            continue;
        const uint8_t *y = engine_feature_track_picture(part, i, one);
        if (!y)
            return RC_EREAD;
        if (push_picture(track, y))
            return RC_ENOMEM;
    }
    return 0;
}

static int open_decoder(analyzer *a, const char *path, const engine_analyze_opts *opts,
                        engine_feature_track *track, rc_error *err) {
    const AVCodec *codec = NULL;
    int idx = av_find_best_stream(a->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (idx == AVERROR_STREAM_NOT_FOUND)
        return rc_fail(err, RC_ENOVIDEO, NULL, "%s has no video stream", path);
    if (idx < 0 || !codec)
        return rc_fail(err, RC_EMEDIA, NULL, "%s: no decoder for its video stream", path);
    AVStream *st = a->fmt->streams[idx];
    a->stream_index = idx;
    a->tb = st->time_base;
    a->audio_index = av_find_best_stream(a->fmt, AVMEDIA_TYPE_AUDIO, -1, idx, NULL, 0);
    for (unsigned i = 0; i < a->fmt->nb_streams; i++)
        if ((int)i != idx && (int)i != a->audio_index)
            a->fmt->streams[i]->discard = AVDISCARD_ALL;
    a->dec = avcodec_alloc_context3(codec);
    if (!a->dec)
        return RC_ENOMEM;
    if (avcodec_parameters_to_context(a->dec, st->codecpar) < 0)
        return rc_fail(err, RC_EMEDIA, NULL, "%s: bad video stream parameters", path);
    int threads = engine_codec_threads(&a->limits);
    if (opts && opts->threads > 0 && opts->threads < threads)
        threads = opts->threads;
    a->dec->thread_count = threads;
    a->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if (engine_guard_decoder(a->dec, &a->guard, &a->limits))
        return RC_ENOMEM;
    a->dec->pkt_timebase = st->time_base;
    if (avcodec_open2(a->dec, codec, NULL) < 0)
        return rc_fail(err, RC_EMEDIA, NULL, "%s: cannot open the %s decoder", path, codec->name);
    AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    track->frame_rate = fr.num && fr.den ? av_q2d(fr) : 0;
    track->width = st->codecpar->width;
    track->height = st->codecpar->height;
    a->start_s = st->start_time != AV_NOPTS_VALUE ? st->start_time * av_q2d(st->time_base) : 0;
    track->origin = a->start_s;
    if (a->fmt->duration > 0)
        a->duration_s = a->fmt->duration / (double)AV_TIME_BASE;
    else if (st->duration > 0)
        a->duration_s = st->duration * av_q2d(st->time_base);
    return 0;
}

int engine_analyze(const engine_source *src, const engine_analyze_opts *opts,
                   const engine_progress *progress, engine_feature_track *out, rc_error *err) {
    const char *path = engine_source_name(src);
    analyzer a;
    memset(&a, 0, sizeof(a));
    a.limits = engine_limits_of(src);
    a.audio_index = -1;
    a.read_end = -1;
    a.on_frame = opts ? opts->on_frame : NULL;
    a.hook_user = opts ? opts->hook_user : NULL;
    a.from = opts && opts->from > 0 ? opts->from : 0;
    a.to = opts && opts->to > 0 ? opts->to : 0;
    memset(out, 0, sizeof(*out));
    engine_feature_track_spill_in(out, opts ? opts->spill_dir : NULL);
    int rc = engine_open_source(src, &a.fmt, err);
    if (rc)
        goto out;
    rc = open_decoder(&a, path, opts, out, err);
    if (rc)
        goto out;
    a.pkt = av_packet_alloc();
    a.frame = av_frame_alloc();
    if (!a.pkt || !a.frame) {
        rc = RC_ENOMEM;
        goto out;
    }
    if (a.from > 0) {
        /* half a frame early: the frame before `from` is decoded too (its successor's motion) */
        double early = out->frame_rate > 0 ? 0.5 / out->frame_rate : 0.001;
        int64_t ts = (int64_t)floor((a.from - early) / av_q2d(a.tb));
        if (av_seek_frame(a.fmt, a.stream_index, ts, AVSEEK_FLAG_BACKWARD) < 0) {
            rc = rc_fail(err, RC_EMEDIA, NULL, "%s: cannot seek to %.3f s", path, a.from);
            goto out;
        }
    }
    rc = engine_progress_report(progress, 0);
    while (!rc && !a.done) {
        int ret = av_read_frame(a.fmt, a.pkt);
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0) {
            out->truncated = 1;
            break;
        }
        if (a.pkt->stream_index == a.stream_index || a.pkt->stream_index == a.audio_index)
            note_packet_end(&a, a.pkt);
        if (a.pkt->stream_index == a.stream_index) {
            rc = engine_guard_packet(&a.guard, a.pkt, err);
            if (rc) {
                av_packet_unref(a.pkt);
                break;
            }
            ret = avcodec_send_packet(a.dec, a.pkt);
            if (ret < 0 && ret != AVERROR(EAGAIN)) {
                out->decode_errors++;
                rc = engine_guard_check(&a.guard, NULL, err);
            }
            if (!rc)
                rc = drain(&a, out, progress, err);
        }
        av_packet_unref(a.pkt);
    }
    if (!rc && !a.done) {
        avcodec_send_packet(a.dec, NULL);
        rc = drain(&a, out, progress, err);
    }
    if (rc)
        goto out;
    note_end(&a, out);
    /* a part is finished by whoever appends the parts */
    if (a.from <= 0 && a.to <= 0)
        rc = engine_feature_track_finish(out, path, err);
    if (!rc)
        rc = engine_progress_report(progress, 1);
out:
    sws_freeContext(a.sws);
    av_frame_free(&a.frame);
    av_packet_free(&a.pkt);
    avcodec_free_context(&a.dec);
    engine_guard_free(&a.guard);
    engine_close_media(&a.fmt);
    return rc;
}
