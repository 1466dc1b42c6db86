/* export_write: the second pass of an export - reads the planned packets again, copies the middle,
 * re-encodes what the plan says, copies or re-encodes the audio of the video span, and muxes it
 * all into job->tmp with one clean timeline starting at 0. */
#include <stdlib.h>
#include <string.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>

#include "engine/export/export_int.h"

typedef struct writer {
    engine_export_job *job;
    AVFormatContext *oc;
    AVStream *ovs, *oas;
    AVCodecContext *vdec, *venc, *enc_head, *enc_tail, *adec, *aenc;
    engine_export_graph vg, ag;
    AVPacket *pkt;  /* demuxed */
    AVPacket *epkt; /* encoded */
    AVFrame *frame, *filt;
    int nal_len;
    int64_t *sorted;        /* pts of every output frame, ascending (absolute, stream time base) */
    int64_t delay;          /* synthesised dts = sorted[k] - delay for the k-th video packet */
    int vk;                 /* video packets written */
    int64_t audio_shift;    /* samples between the audio timeline's 0 and the output's 0 */
    int64_t audio_stop;     /* audio packets past this (audio time base) are not needed */
    int acopy;              /* AAC into mp4/mov: packets copied, edit list trims the start */
    int64_t a_start, a_end; /* the video span in the audio time base */
    AVPacket *preroll;      /* last packet before a_start, warms the decoder up */
    int acopied;            /* packets copied so far */
    double last_progress;
} writer;

static int av_err(writer *w, int ret, const char *what) {
    if (ret == AVERROR(ENOMEM))
        return RC_ENOMEM;
    char msg[128];
    av_strerror(ret, msg, sizeof(msg));
    if (ret == AVERROR(EIO) || ret == AVERROR(ENOSPC) || ret == AVERROR(EACCES))
        return rc_fail(w->job->err, RC_EWRITE, NULL, "%s: %s: %s", w->job->dst_name, what, msg);
    return rc_fail(w->job->err, RC_EMEDIA, NULL, "%s: %s: %s", w->job->src, what, msg);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int selected(const engine_export_job *job, int64_t pts) {
    return pts >= job->in_ts && pts < job->out_ts;
}

/* Presentation order of the output and the smallest delay that keeps dts <= pts for the decode
 * order copy/smart cut will write: head (pts order), copied packets, tail (pts order). */
static int plan_timestamps(writer *w) {
    engine_export_job *job = w->job;
    int64_t *dec = malloc((size_t)job->nout * sizeof(int64_t));
    w->sorted = malloc((size_t)job->nout * sizeof(int64_t));
    if (!dec || !w->sorted) {
        free(dec);
        return RC_ENOMEM;
    }
    int n = 0;
    for (int i = 0; i < job->nframes; i++)
        if (selected(job, job->frames[i].pts))
            w->sorted[n++] = job->frames[i].pts;
    qsort(w->sorted, (size_t)n, sizeof(int64_t), cmp_i64);
    int k = 0;
    if (job->method != ENGINE_EXPORT_TRANSCODE) {
        for (int i = 0; i < n && w->sorted[i] < job->k1_pts; i++)
            dec[k++] = w->sorted[i];
        for (int i = job->idx_k1; i < job->idx_copy_end; i++)
            dec[k++] = job->frames[i].pts;
        for (int i = 0; i < n; i++)
            if (job->has_tail && w->sorted[i] >= job->k2_pts)
                dec[k++] = w->sorted[i];
    }
    w->delay = 0;
    for (int i = 0; i < k; i++)
        if (w->sorted[i] - dec[i] > w->delay)
            w->delay = w->sorted[i] - dec[i];
    free(dec);
    if (n != job->nout || (job->method != ENGINE_EXPORT_TRANSCODE && k != n))
        return rc_fail(job->err, RC_EINTERNAL, NULL, "%s: export plan does not add up", job->src);
    return 0;
}

/* Duration of the output frame at absolute pts (to the next one, or to the end). */
static int64_t frame_duration(const writer *w, int64_t pts) {
    int lo = 0, hi = w->job->nout - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w->sorted[mid] < pts)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo + 1 < w->job->nout)
        return w->sorted[lo + 1] - w->sorted[lo];
    return w->job->end_pts - w->sorted[lo];
}

static int report(writer *w, int64_t pts) {
    engine_export_job *job = w->job;
    double f = (double)(pts - job->first_pts) / (double)(job->end_pts - job->first_pts);
    if (f <= w->last_progress)
        return 0;
    w->last_progress = f;
    return engine_progress_report(job->progress, 0.02 + 0.97 * f);
}

/* Writes one video packet whose pts is absolute in the source time base. Copy and smart cut use
 * the synthesised dts; a transcode keeps the encoder's. */
static int write_video(writer *w, AVPacket *pkt, int synth_dts) {
    engine_export_job *job = w->job;
    int64_t pts = pkt->pts;
    if (synth_dts) {
        if (w->vk >= job->nout)
            return rc_fail(job->err, RC_EINTERNAL, NULL, "%s: more frames than planned", job->src);
        pkt->dts = w->sorted[w->vk] - w->delay;
    }
    w->vk++;
    pkt->duration = frame_duration(w, pts);
    pkt->pts -= job->first_pts;
    pkt->dts -= job->first_pts;
    pkt->pos = -1;
    pkt->stream_index = w->ovs->index;
    av_packet_rescale_ts(pkt, job->vtb, w->ovs->time_base);
    int ret = av_interleaved_write_frame(w->oc, pkt);
    if (ret < 0)
        return av_err(w, ret, "cannot write video");
    job->result.frames++;
    return report(w, pts);
}

/* Sends frame (NULL = flush) to enc and writes what comes out. Encoders take absolute pts. */
static int encode(writer *w, AVCodecContext *enc, AVFrame *frame) {
    engine_export_job *job = w->job;
    int ret = avcodec_send_frame(enc, frame);
    if (ret < 0)
        return av_err(w, ret, "cannot encode");
    int rc = 0;
    while (rc == 0) {
        ret = avcodec_receive_packet(enc, w->epkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return av_err(w, ret, "cannot encode");
        if (enc == w->aenc && job->container == EXPORT_MKV &&
            w->epkt->pts + w->epkt->duration <= 0) {
            /* Matroska has no priming field for AAC: a packet of priming alone is left out so
             * the video can start at 0 (the muxer would otherwise shift every stream). */
        } else if (enc == w->aenc) {
            w->epkt->stream_index = w->oas->index;
            av_packet_rescale_ts(w->epkt, enc->time_base, w->oas->time_base);
            ret = av_interleaved_write_frame(w->oc, w->epkt);
            rc = ret < 0 ? av_err(w, ret, "cannot write audio") : 0;
        } else if (enc == w->venc) {
            job->result.encoded_frames++;
            rc = write_video(w, w->epkt, 0);
        } else {
            job->result.encoded_frames++;
            if (enc->codec_id == AV_CODEC_ID_H264)
                rc = engine_export_annexb_to_avcc(w->epkt, w->nal_len, enc->extradata,
                                                  enc->extradata_size);
            if (rc == 0)
                rc = write_video(w, w->epkt, 1);
        }
        av_packet_unref(w->epkt);
    }
    return rc;
}

/* Filters (transcode) or directly encodes (smart cut) one decoded frame, NULL = end. */
static int video_frame(writer *w, AVCodecContext *enc, AVFrame *frame) {
    if (enc != w->venc)
        return encode(w, enc, frame);
    int ret = av_buffersrc_add_frame_flags(w->vg.src, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
    if (ret < 0)
        return av_err(w, ret, "cannot filter video");
    int rc = 0;
    while (rc == 0) {
        ret = av_buffersink_get_frame(w->vg.sink, w->filt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return av_err(w, ret, "cannot filter video");
        w->filt->pict_type = AV_PICTURE_TYPE_NONE;
        rc = encode(w, enc, w->filt);
        av_frame_unref(w->filt);
    }
    if (rc == 0 && !frame)
        rc = encode(w, enc, NULL);
    return rc;
}

/* Decodes pkt (NULL = drain) and hands frames with pts in [lo, hi) to enc. */
static int decode_video(writer *w, const AVPacket *pkt, AVCodecContext *enc, int64_t lo,
                        int64_t hi) {
    engine_picture_guard *guard = &w->job->guard;
    int rc = engine_guard_packet(guard, pkt, w->job->err);
    if (rc)
        return rc;
    int ret = avcodec_send_packet(w->vdec, pkt);
    if (ret < 0 && ret != AVERROR_EOF) {
        rc = engine_guard_check(guard, NULL, w->job->err);
        return rc ? rc : av_err(w, ret, "cannot decode video");
    }
    while (rc == 0) {
        ret = avcodec_receive_frame(w->vdec, w->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret < 0) {
            rc = engine_guard_check(guard, NULL, w->job->err);
            return rc ? rc : av_err(w, ret, "cannot decode video");
        }
        rc = engine_guard_check(guard, w->frame, w->job->err);
        if (rc) {
            av_frame_unref(w->frame);
            return rc;
        }
        int64_t pts = w->frame->best_effort_timestamp;
        if (pts >= lo && pts < hi) {
            w->frame->pts = pts;
            w->frame->pict_type = AV_PICTURE_TYPE_NONE;
            rc = video_frame(w, enc, w->frame);
        }
        av_frame_unref(w->frame);
    }
    return rc;
}

/* End of a decoded run: drain the decoder into enc, then flush enc. */
static int finish_run(writer *w, AVCodecContext *enc, int64_t lo, int64_t hi) {
    int rc = decode_video(w, NULL, enc, lo, hi);
    if (rc == 0)
        rc = video_frame(w, enc, NULL);
    avcodec_flush_buffers(w->vdec);
    return rc;
}

static int video_packet(writer *w, int i, AVPacket *pkt) {
    engine_export_job *job = w->job;
    if (job->method == ENGINE_EXPORT_TRANSCODE)
        return i < job->idx_k0 ? 0 : decode_video(w, pkt, w->venc, job->in_ts, job->out_ts);
    int rc = 0;
    if (i < job->idx_k1)
        return job->has_head && i >= job->idx_k0
                   ? decode_video(w, pkt, w->enc_head, job->in_ts, job->k1_pts)
                   : 0;
    if (i == job->idx_k1) {
        if (!(pkt->flags & AV_PKT_FLAG_KEY) || pkt->pts != job->k1_pts)
            return rc_fail(job->err, RC_EMEDIA, NULL, "%s: packets differ between reads", job->src);
        if (job->has_head)
            rc = finish_run(w, w->enc_head, job->in_ts, job->k1_pts);
    }
    if (rc == 0 && i < job->idx_copy_end) {
        pkt->duration = 0;
        rc = write_video(w, pkt, 1);
    } else if (rc == 0) {
        rc = decode_video(w, pkt, w->enc_tail, job->k2_pts, job->out_ts);
    }
    return rc;
}

static int finish_video(writer *w) {
    engine_export_job *job = w->job;
    if (job->method == ENGINE_EXPORT_TRANSCODE)
        return finish_run(w, w->venc, job->in_ts, job->out_ts);
    if (job->has_tail)
        return finish_run(w, w->enc_tail, job->k2_pts, job->out_ts);
    return 0;
}

static int audio_out(writer *w, AVFrame *frame) {
    int ret = av_buffersrc_add_frame_flags(w->ag.src, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
    if (ret < 0)
        return av_err(w, ret, "cannot filter audio");
    int rc = 0;
    while (rc == 0) {
        ret = av_buffersink_get_frame(w->ag.sink, w->filt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return av_err(w, ret, "cannot filter audio");
        w->filt->pts -= w->audio_shift;
        rc = encode(w, w->aenc, w->filt);
        av_frame_unref(w->filt);
    }
    return rc;
}

static int audio_packet(writer *w, const AVPacket *pkt) {
    int ret = avcodec_send_packet(w->adec, pkt);
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR_INVALIDDATA)
        return av_err(w, ret, "cannot decode audio");
    int rc = 0;
    while (rc == 0) {
        ret = avcodec_receive_frame(w->adec, w->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret == AVERROR_INVALIDDATA)
            continue;
        if (ret < 0)
            return av_err(w, ret, "cannot decode audio");
        w->frame->pts = w->frame->best_effort_timestamp;
        if (w->frame->pts != AV_NOPTS_VALUE)
            rc = audio_out(w, w->frame);
        av_frame_unref(w->frame);
    }
    if (rc == 0 && !pkt) {
        rc = audio_out(w, NULL);
        if (rc == 0)
            rc = encode(w, w->aenc, NULL);
    }
    return rc;
}

/* Audio copy: the packets overlapping [a_start, a_end) plus one before as decoder pre-roll; the
 * first starts before 0 and the mp4 edit list trims it to the exact sample. The last packet is
 * kept only if half of it is inside, so audio ends within half a packet of the video. */
static int audio_copy_packet(writer *w, AVPacket *pkt) {
    AVStream *as = w->job->ic->streams[w->job->aidx];
    int64_t dur = pkt->duration;
    if (dur <= 0 && as->codecpar->frame_size > 0 && as->codecpar->sample_rate > 0)
        dur = av_rescale_q(as->codecpar->frame_size, (AVRational){1, as->codecpar->sample_rate},
                           as->time_base);
    if (pkt->pts == AV_NOPTS_VALUE)
        return 0;
    if (pkt->pts + dur <= w->a_start) {
        av_packet_unref(w->preroll);
        return av_packet_ref(w->preroll, pkt) < 0 ? RC_ENOMEM : 0;
    }
    if (pkt->pts >= w->a_end || (w->acopied && pkt->pts + dur / 2 > w->a_end))
        return 0;
    AVPacket *todo[2] = {w->acopied == 0 && w->preroll->data ? w->preroll : NULL, pkt};
    for (int i = 0; i < 2; i++) {
        if (!todo[i])
            continue;
        AVPacket *p = todo[i];
        if (p->dts == AV_NOPTS_VALUE)
            p->dts = p->pts;
        p->pts -= w->a_start;
        p->dts -= w->a_start;
        p->duration = p->duration > 0 ? p->duration : dur;
        p->pos = -1;
        p->stream_index = w->oas->index;
        av_packet_rescale_ts(p, as->time_base, w->oas->time_base);
        int ret = av_interleaved_write_frame(w->oc, p);
        if (ret < 0)
            return av_err(w, ret, "cannot write audio");
        w->acopied++;
    }
    return 0;
}

/* Audio is copied when the source has AAC and the output is mp4/mov (the edit list makes the cut
 * exact); otherwise decoded, trimmed and encoded. Returns 0 or a negative RC_E*. */
static int open_audio(writer *w, int global) {
    engine_export_job *job = w->job;
    AVStream *as = job->ic->streams[job->aidx];
    AVRational atb = as->time_base;
    double tb = av_q2d(job->vtb);
    double start_s = (double)job->first_pts * tb, end_s = (double)job->end_pts * tb;
    w->audio_stop = llrint((end_s + 0.5) / av_q2d(atb));
    w->oas = avformat_new_stream(w->oc, NULL);
    if (!w->oas)
        return RC_ENOMEM;
    w->acopy = !job->reencode && as->codecpar->codec_id == AV_CODEC_ID_AAC &&
               as->codecpar->extradata_size > 0 &&
               (job->container == EXPORT_MP4 || job->container == EXPORT_MOV);
    if (w->acopy) {
        w->a_start = av_rescale_q(job->first_pts, job->vtb, atb);
        w->a_end = av_rescale_q(job->end_pts, job->vtb, atb);
        w->preroll = av_packet_alloc();
        if (!w->preroll || avcodec_parameters_copy(w->oas->codecpar, as->codecpar) < 0)
            return RC_ENOMEM;
        w->oas->codecpar->codec_tag = 0;
        w->oas->time_base = atb;
        return 0;
    }
    int rc = engine_export_open_decoder(job, job->aidx, &w->adec);
    if (rc == 0)
        rc = engine_export_open_audio_encoder(job, w->adec, global, &w->aenc);
    if (rc == 0)
        rc = engine_export_audio_graph(job, w->adec, w->aenc, start_s, end_s, &w->ag);
    if (rc)
        return rc;
    w->audio_shift = llrint(start_s * w->aenc->sample_rate);
    if (avcodec_parameters_from_context(w->oas->codecpar, w->aenc) < 0)
        return RC_ENOMEM;
    w->oas->time_base = w->aenc->time_base;
    return 0;
}

static int open_output(writer *w) {
    engine_export_job *job = w->job;
    static const char *formats[] = {"mp4", "mov", "matroska", "webm"};
    int ret = avformat_alloc_output_context2(&w->oc, NULL, formats[job->container], job->tmp);
    if (ret < 0)
        return av_err(w, ret, "cannot create the output");
    int global = !!(w->oc->oformat->flags & AVFMT_GLOBALHEADER);
    AVStream *vs = job->ic->streams[job->vidx];
    int rc = 0;
    w->ovs = avformat_new_stream(w->oc, NULL);
    if (!w->ovs)
        return RC_ENOMEM;
    if (job->method == ENGINE_EXPORT_TRANSCODE) {
        rc = engine_export_open_decoder(job, job->vidx, &w->vdec);
        if (rc == 0)
            rc = engine_export_open_video_encoder(job, global, &w->venc);
        if (rc == 0)
            rc = engine_export_video_graph(job, w->vdec, &w->vg);
        if (rc == 0 && avcodec_parameters_from_context(w->ovs->codecpar, w->venc) < 0)
            rc = RC_ENOMEM;
    } else {
        if (avcodec_parameters_copy(w->ovs->codecpar, vs->codecpar) < 0)
            return RC_ENOMEM;
        w->ovs->codecpar->codec_tag = 0;
        size_t sd_size = 0;
        const uint8_t *sd = av_stream_get_side_data(vs, AV_PKT_DATA_DISPLAYMATRIX, &sd_size);
        uint8_t *osd =
            sd ? av_stream_new_side_data(w->ovs, AV_PKT_DATA_DISPLAYMATRIX, sd_size) : NULL;
        if (osd)
            memcpy(osd, sd, sd_size);
    }
    if (rc == 0 && job->method == ENGINE_EXPORT_SMARTCUT &&
        vs->codecpar->codec_id != AV_CODEC_ID_H264) {
        rc = engine_export_open_decoder(job, job->vidx, &w->vdec);
        if (rc == 0 && job->has_head)
            rc = engine_export_open_smart_encoder(job, 0, &w->enc_head);
        if (rc == 0 && job->has_tail)
            rc = engine_export_open_smart_encoder(job, 0, &w->enc_tail);
    } else if (rc == 0 && job->method == ENGINE_EXPORT_SMARTCUT) {
        const AVCodecParameters *p = vs->codecpar;
        w->nal_len = engine_export_avcc_nal_length(p->extradata, p->extradata_size);
        int id_head = engine_export_avcc_free_id(p->extradata, p->extradata_size, 0);
        int id_tail = id_head < 0 ? id_head
                                  : engine_export_avcc_free_id(p->extradata, p->extradata_size,
                                                               1u << id_head);
        if (id_head < 0 || id_tail < 0)
            return rc_fail(job->err, RC_ENOTSUP, NULL, "%s: no free H.264 parameter set id",
                           job->src);
        rc = engine_export_open_decoder(job, job->vidx, &w->vdec);
        if (rc == 0 && job->has_head)
            rc = engine_export_open_smart_encoder(job, id_head, &w->enc_head);
        if (rc == 0 && job->has_tail)
            rc = engine_export_open_smart_encoder(job, id_tail, &w->enc_tail);
        const uint8_t *enc[2];
        int enc_size[2], n = 0;
        if (w->enc_head) {
            enc[n] = w->enc_head->extradata;
            enc_size[n++] = w->enc_head->extradata_size;
        }
        if (w->enc_tail) {
            enc[n] = w->enc_tail->extradata;
            enc_size[n++] = w->enc_tail->extradata_size;
        }
        uint8_t *avcc = NULL;
        int avcc_size = 0;
        if (rc == 0)
            rc = engine_export_avcc_merge(p->extradata, p->extradata_size, enc, enc_size, n, &avcc,
                                          &avcc_size);
        if (rc == 0) {
            av_freep(&w->ovs->codecpar->extradata);
            w->ovs->codecpar->extradata = avcc;
            w->ovs->codecpar->extradata_size = avcc_size;
        }
    }
    if (rc)
        return rc;
    w->ovs->time_base = job->vtb;
    w->ovs->avg_frame_rate = vs->avg_frame_rate;
    if (job->aidx >= 0 && (rc = open_audio(w, global)))
        return rc;
    ret = avio_open(&w->oc->pb, job->tmp, AVIO_FLAG_WRITE);
    if (ret < 0) {
        char msg[128];
        av_strerror(ret, msg, sizeof(msg));
        return rc_fail(job->err, RC_EWRITE, NULL, "%s: cannot write: %s", job->dst_name, msg);
    }
    AVDictionary *d = NULL;
    if (job->container == EXPORT_MP4 || job->container == EXPORT_MOV)
        av_dict_set(&d, "movflags", "+faststart", 0);
    if (job->container == EXPORT_WEBM) /* Opus priming is carried by CodecDelay, not a shift */
        w->oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
    ret = avformat_write_header(w->oc, &d);
    av_dict_free(&d);
    return ret < 0 ? av_err(w, ret, "cannot start the output") : 0;
}

static int read_loop(writer *w) {
    engine_export_job *job = w->job;
    int rc = 0, vcount = -1, video_done = 0, audio_done = !w->oas;
    while (rc == 0 && !(video_done && audio_done)) {
        int ret = av_read_frame(job->ic, w->pkt);
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return rc_fail(job->err, RC_EREAD, NULL, "%s: read error", job->src);
        if (w->pkt->stream_index == job->vidx && !video_done) {
            vcount++;
            rc = video_packet(w, vcount, w->pkt);
            if (rc == 0 && vcount == job->idx_last) {
                video_done = 1;
                rc = finish_video(w);
            }
        } else if (w->pkt->stream_index == job->aidx && !audio_done) {
            int64_t pts = w->pkt->pts;
            rc = w->acopy ? audio_copy_packet(w, w->pkt) : audio_packet(w, w->pkt);
            audio_done = pts != AV_NOPTS_VALUE && pts > w->audio_stop;
        }
        av_packet_unref(w->pkt);
    }
    if (rc == 0 && !video_done)
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: the video ended early on the second read",
                       job->src);
    if (rc == 0 && w->adec)
        rc = audio_packet(w, NULL);
    if (rc == 0 && w->vk != job->nout)
        rc = rc_fail(job->err, RC_EINTERNAL, NULL, "%s: wrote %d video frames, planned %d",
                     job->src, w->vk, job->nout);
    return rc;
}

int engine_export_write(engine_export_job *job) {
    writer w = {.job = job};
    int rc = 0;
    w.pkt = av_packet_alloc();
    w.epkt = av_packet_alloc();
    w.frame = av_frame_alloc();
    w.filt = av_frame_alloc();
    if (!w.pkt || !w.epkt || !w.frame || !w.filt) {
        rc = RC_ENOMEM;
        goto out;
    }
    if ((rc = plan_timestamps(&w)) || (rc = open_output(&w)))
        goto out;
    if ((rc = engine_export_seek(job, job->seek_target)) || (rc = read_loop(&w)))
        goto out;
    int ret = av_write_trailer(w.oc);
    if (ret < 0) {
        rc = av_err(&w, ret, "cannot finish the output");
        goto out;
    }
    job->result.width = w.ovs->codecpar->width;
    job->result.height = w.ovs->codecpar->height;
    job->result.has_audio = w.oas != NULL;
out:
    if (w.oc) {
        if (w.oc->pb)
            avio_closep(&w.oc->pb);
        avformat_free_context(w.oc);
    }
    engine_export_graph_free(&w.vg);
    engine_export_graph_free(&w.ag);
    avcodec_free_context(&w.vdec);
    avcodec_free_context(&w.venc);
    avcodec_free_context(&w.enc_head);
    avcodec_free_context(&w.enc_tail);
    avcodec_free_context(&w.adec);
    avcodec_free_context(&w.aenc);
    av_packet_free(&w.pkt);
    av_packet_free(&w.epkt);
    av_packet_free(&w.preroll);
    av_frame_free(&w.frame);
    av_frame_free(&w.filt);
    free(w.sorted);
    return rc;
}
