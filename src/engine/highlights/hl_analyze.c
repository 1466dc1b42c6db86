/* hl_analyze: the one demux pass of highlight analysis, feeding the audio and video halves. */
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "engine/highlights/hl_int.h"
#include "engine/limits.h"
#include "engine/probe.h"
#include "util/log.h"

int engine_hl_analyze(const engine_source *src, const engine_progress *progress,
                      engine_hl_track *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    hl_raw raw;
    hl_pass pass;
    int rc = hl_analyze_raw(src, progress, &raw, &pass, err);
    if (!rc)
        rc = hl_track_finish(&raw, pass.duration, pass.has_audio, pass.macroblocks, out);
    if (!rc) {
        out->video_packets = pass.packets;
        out->keyframes_decoded = pass.keyframes;
        rc = engine_progress_report(progress, 1);
    }
    if (rc == RC_ENOMEM)
        rc_fail(err, rc, NULL, "%s: out of memory during analysis", engine_source_name(src));
    hl_raw_free(&raw);
    return rc;
}

int hl_analyze_raw(const engine_source *src, const engine_progress *progress, hl_raw *raw_out,
                   hl_pass *pass, rc_error *err) {
    const char *path = engine_source_name(src);
    memset(pass, 0, sizeof(*pass));
    AVFormatContext *fmt = NULL;
    AVPacket *pkt = NULL;
    hl_audio *audio = NULL;
    hl_video *video = NULL;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    memset(raw_out, 0, sizeof(*raw_out));
    int rc = engine_open_source(src, &fmt, err);
    if (rc)
        goto out;
    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (vi < 0) {
        rc = rc_fail(err, RC_ENOVIDEO, NULL, "%s has no video stream", path);
        goto out;
    }
    int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, vi, NULL, 0);
    AVStream *vst = fmt->streams[vi];
    double origin =
        vst->start_time != AV_NOPTS_VALUE ? vst->start_time * av_q2d(vst->time_base) : 0;
    double duration = fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : 0;
    if (fmt->duration <= 0 && vst->duration > 0)
        duration = vst->duration * av_q2d(vst->time_base);
    engine_limits limits = engine_limits_of(src);
    rc = hl_video_open(&video, fmt, vi, origin, &limits, err, path);
    if (rc)
        goto out;
    if (ai >= 0) {
        rc = hl_audio_open(&audio, fmt, ai, origin);
        if (rc == RC_EMEDIA) {
            log_warn("%s: audio stream cannot be decoded; analysing the picture only", path);
            rc = 0;
        }
        if (rc)
            goto out;
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if ((int)i != vi && (int)i != ai)
            fmt->streams[i]->discard = AVDISCARD_ALL;
    pkt = av_packet_alloc();
    if (!pkt) {
        rc = RC_ENOMEM;
        goto out;
    }
    rc = engine_progress_report(progress, 0);
    double last_report = 0, read_end = -1; /* latest packet end (s from origin) */
    int read_errors = 0;
    while (!rc) {
        int ret = av_read_frame(fmt, pkt);
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0) {
            read_errors++;
            break;
        }
        int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
        if ((pkt->stream_index == vi || pkt->stream_index == ai) && ts != AV_NOPTS_VALUE) {
            double end = (double)(ts + (pkt->duration > 0 ? pkt->duration : 0)) *
                             av_q2d(fmt->streams[pkt->stream_index]->time_base) -
                         origin;
            read_end = end > read_end ? end : read_end;
        }
        if (pkt->stream_index == vi) {
            rc = hl_video_packet(video, pkt, &raw, err);
            if (duration > 0 && pkt->pts != AV_NOPTS_VALUE) {
                double frac = (pkt->pts * av_q2d(vst->time_base) - origin) / duration;
                if (frac - last_report >= 0.01 && frac <= 1) {
                    last_report = frac;
                    if (!rc && engine_progress_report(progress, frac))
                        rc = RC_ECANCELED;
                }
            }
        } else if (audio && pkt->stream_index == ai) {
            rc = hl_audio_packet(audio, pkt, &raw);
        }
        av_packet_unref(pkt);
    }
    if (!rc)
        rc = hl_video_packet(video, NULL, &raw, err);
    if (!rc && audio)
        rc = hl_audio_packet(audio, NULL, &raw);
    if (rc)
        goto out;
    int64_t packets;
    int keys, mbs;
    hl_video_stats(video, &packets, &keys, &mbs);
    if (packets == 0) {
        rc = rc_fail(err, RC_EMEDIA, NULL, "%s: no video frame could be read", path);
        goto out;
    }
    if (read_errors)
        log_warn("%s: reading stopped early on an error; analysed the readable part", path);
    if (read_errors || duration <= 0)
        duration = raw.n * ENGINE_HL_STEP;
    /* A header claiming far more than the packets hold (engine_open_source judged the formats that
     * measure their streams; Matroska's Duration is only a header field) is not believed. */
    if (!read_errors && read_end > 0 && duration > read_end + ENGINE_DURATION_SLACK) {
        log_warn("%s declares %.3f s but its packets end at %.3f s: using %.3f s", path, duration,
                 read_end, read_end);
        duration = read_end;
    }
    if (!(duration > 0)) { /* timed packets, none decoded, no stated duration: nothing to measure */
        rc = rc_fail(err, RC_EMEDIA, NULL, "%s: no video frame could be read", path);
        goto out;
    }
    pass->duration = duration;
    pass->has_audio = audio != NULL;
    pass->macroblocks = mbs;
    pass->packets = packets;
    pass->keyframes = keys;
    *raw_out = raw;
    memset(&raw, 0, sizeof(raw));
out:
    hl_raw_free(&raw);
    hl_audio_close(&audio);
    hl_video_close(&video);
    av_packet_free(&pkt);
    engine_close_media(&fmt);
    return rc;
}
