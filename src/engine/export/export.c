/* export: checks the request, scans the source around the range and plans how to write it
 * (copy, smart cut or transcode); export_write.c then writes a temp file that is renamed onto dst.
 */
#include "engine/export/export_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/display.h>

#include "engine/probe.h"
#include "util/log.h"

#define LOOKAHEAD_PACKETS                                                                          \
    32 /* packets read past the range end to see whether its GOP is closed                         \
        */

const char *engine_export_method_name(enum engine_export_method method) {
    switch (method) {
    case ENGINE_EXPORT_COPY:
        return "copy";
    case ENGINE_EXPORT_SMARTCUT:
        return "smartcut";
    case ENGINE_EXPORT_TRANSCODE:
        return "transcode";
    }
    return "none";
}

static int container_of(const char *dst, enum engine_export_container *out) {
    const char *base = strrchr(dst, '/');
    base = base ? base + 1 : dst;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || strcasecmp(dot, ".mp4") == 0)
        *out = EXPORT_MP4;
    else if (strcasecmp(dot, ".mov") == 0)
        *out = EXPORT_MOV;
    else if (strcasecmp(dot, ".mkv") == 0)
        *out = EXPORT_MKV;
    else if (strcasecmp(dot, ".webm") == 0)
        *out = EXPORT_WEBM;
    else
        return RC_ENOTSUP;
    return 0;
}

static int open_source(engine_export_job *job, const engine_source *source) {
    struct stat st;
    if (source->read_at) {
        if (source->size <= 0)
            return rc_fail(job->err, RC_EMEDIA, NULL, "%s is empty", job->src);
    } else if (stat(source->path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return rc_fail(job->err, RC_ENOENT, NULL, "%s: no such file", job->src);
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: cannot read: %s", job->src, strerror(errno));
    } else if (!S_ISREG(st.st_mode))
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: not a regular file", job->src);
    char msg[128];
    int ret = engine_avio_open(source, &job->ic);
    if (ret >= 0) {
        int rc = engine_read_stream_info(job->ic, &job->limits, job->src, &ret, job->err);
        if (rc && rc != RC_EMEDIA)
            return rc;
    }
    if (ret < 0) {
        av_strerror(ret, msg, sizeof(msg));
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: not readable media: %s", job->src, msg);
    }
    job->vidx = -1;
    for (unsigned i = 0; i < job->ic->nb_streams; i++) {
        AVStream *s = job->ic->streams[i];
        if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(s->disposition & AV_DISPOSITION_ATTACHED_PIC) && s->codecpar->width > 0) {
            job->vidx = (int)i;
            break;
        }
    }
    if (job->vidx < 0)
        return rc_fail(job->err, RC_ENOVIDEO, NULL, "%s has no video stream", job->src);
    int a = av_find_best_stream(job->ic, AVMEDIA_TYPE_AUDIO, -1, job->vidx, NULL, 0);
    job->aidx = a >= 0 && job->ic->streams[a]->codecpar->sample_rate > 0 ? a : -1;
    AVStream *vs = job->ic->streams[job->vidx];
    job->vtb = vs->time_base;
    for (unsigned i = 0; i < job->ic->nb_streams; i++)
        if ((int)i != job->vidx && (int)i != job->aidx)
            job->ic->streams[i]->discard = AVDISCARD_ALL;
    const uint8_t *m = av_stream_get_side_data(vs, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m) {
        /* Clockwise degrees, as ffmpeg's autorotate reads the matrix. */
        double theta = -av_display_rotation_get((const int32_t *)m);
        theta -= 360 * floor(theta / 360 + 0.9 / 360);
        job->rotation = ((int)lround(theta / 90) % 4) * 90;
    }
    return 0;
}

static int64_t video_origin(const engine_export_job *job) {
    int64_t s = job->ic->streams[job->vidx]->start_time;
    return s == AV_NOPTS_VALUE ? 0 : s;
}

static int push_frame(engine_export_job *job, const AVPacket *pkt, int nal_len) {
    if (job->nframes == job->frames_cap) {
        int cap = job->frames_cap ? job->frames_cap * 2 : 1024;
        engine_export_vframe *f = realloc(job->frames, (size_t)cap * sizeof(*f));
        if (!f)
            return RC_ENOMEM;
        job->frames = f;
        job->frames_cap = cap;
    }
    engine_export_vframe *f = &job->frames[job->nframes++];
    f->pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    f->dts = pkt->dts;
    f->duration = pkt->duration;
    f->key = !!(pkt->flags & AV_PKT_FLAG_KEY);
    f->cut_ok = f->key;
    if (f->key && nal_len)
        f->cut_ok = engine_export_h264_has_idr(pkt->data, pkt->size, nal_len);
    if (f->pts == AV_NOPTS_VALUE)
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: video packet without timestamp", job->src);
    return 0;
}

/* Seeks so that the next video packet is a keyframe at or before target (as near as the demuxer
 * can); INT64_MIN means the start of the file. */
int engine_export_seek(engine_export_job *job, int64_t target) {
    int64_t origin = video_origin(job);
    if (target == INT64_MIN || target <= origin) {
        if (engine_seek_start(job->ic, job->vidx) >= 0)
            return 0;
    } else if (av_seek_frame(job->ic, job->vidx, target, AVSEEK_FLAG_BACKWARD) >= 0) {
        return 0;
    }
    return rc_fail(job->err, RC_EMEDIA, NULL, "%s: cannot seek to %.3f s", job->src,
                   target == INT64_MIN ? 0 : (double)(target - origin) * av_q2d(job->vtb));
}

/* Reads the video packets from the seek point to a little past out_ts. Returns 1 if a keyframe at
 * or before in_ts was seen (the scan covers the range), 0 if the caller must seek further back. */
static int scan(engine_export_job *job, int64_t target) {
    int rc = engine_export_seek(job, target);
    if (rc)
        return rc;
    AVStream *vs = job->ic->streams[job->vidx];
    int nal_len =
        vs->codecpar->codec_id == AV_CODEC_ID_H264
            ? engine_export_avcc_nal_length(vs->codecpar->extradata, vs->codecpar->extradata_size)
            : 0;
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return RC_ENOMEM;
    job->nframes = 0;
    int past_end = 0, covered = 0;
    while (rc == 0 && past_end <= LOOKAHEAD_PACKETS) {
        int ret = av_read_frame(job->ic, pkt);
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0) {
            rc = rc_fail(job->err, RC_EMEDIA, NULL, "%s: read error while scanning", job->src);
            break;
        }
        if (pkt->stream_index == job->vidx && (rc = push_frame(job, pkt, nal_len)) == 0) {
            const engine_export_vframe *f = &job->frames[job->nframes - 1];
            if (f->key && f->pts <= job->in_ts)
                covered = 1;
            if (past_end || (f->key && f->pts >= job->out_ts))
                past_end++;
            /* The scan is the first 2 % of the work; a long range may be cancelled in it. */
            if (job->nframes % 256 == 0 && f->pts > job->in_ts && f->pts < job->out_ts)
                rc = engine_progress_report(job->progress, 0.02 * (double)(f->pts - job->in_ts) /
                                                               (double)(job->out_ts - job->in_ts));
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    if (rc)
        return rc;
    return covered || target == INT64_MIN ? 1 : 0;
}

static int cmp_pts(const void *a, const void *b, void *arg) {
    const engine_export_vframe *f = arg;
    int64_t x = f[*(const int *)a].pts, y = f[*(const int *)b].pts;
    return x < y ? -1 : x > y;
}

/* Sorts frame indexes by pts into *order (malloc'ed), fills missing durations from the next pts,
 * and marks keyframes followed (in decode order, before the next keyframe) by earlier pictures -
 * open GOPs - as unsafe cut points. */
static int finish_scan(engine_export_job *job, int **order) {
    engine_export_vframe *f = job->frames;
    int n = job->nframes;
    int *ord = malloc((size_t)(n ? n : 1) * sizeof(int));
    if (!ord)
        return RC_ENOMEM;
    for (int i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, (size_t)n, sizeof(int), cmp_pts, f);
    AVStream *vs = job->ic->streams[job->vidx];
    AVRational fr = vs->avg_frame_rate.num > 0 ? vs->avg_frame_rate : vs->r_frame_rate;
    int64_t nominal = fr.num > 0 && fr.den > 0 ? av_rescale_q(1, av_inv_q(fr), job->vtb) : 0;
    for (int k = 0; k < n; k++) {
        engine_export_vframe *cur = &f[ord[k]];
        if (k + 1 < n && f[ord[k + 1]].pts == cur->pts) {
            free(ord);
            return rc_fail(job->err, RC_EMEDIA, NULL, "%s: two video frames share a timestamp",
                           job->src);
        }
        if (cur->duration <= 0)
            cur->duration = k + 1 < n ? f[ord[k + 1]].pts - cur->pts : (nominal > 0 ? nominal : 1);
    }
    for (int i = 0; i < n; i++) {
        if (!f[i].key)
            continue;
        for (int j = i + 1; j < n && !f[j].key; j++)
            if (f[j].pts < f[i].pts)
                f[i].cut_ok = 0;
    }
    *order = ord;
    return 0;
}

/* Whether the partial GOPs can be re-encoded to match the copied ones: H.264 (8-bit 4:2:0
 * progressive, baseline/main/high) or VP9 profile 0 into webm. */
static int smart_capable(const engine_export_job *job) {
    const AVCodecParameters *p = job->ic->streams[job->vidx]->codecpar;
    if (p->format != AV_PIX_FMT_YUV420P)
        return 0;
    if (p->codec_id == AV_CODEC_ID_VP9) /* every VP9 keyframe resets the decoder completely */
        return job->container == EXPORT_WEBM && p->profile <= 0;
    if (p->codec_id != AV_CODEC_ID_H264)
        return 0;
    if (p->field_order != AV_FIELD_PROGRESSIVE && p->field_order != AV_FIELD_UNKNOWN)
        return 0; /* interlaced: x264 frames would not match the field coding around them */
    int prof = p->profile & ~FF_PROFILE_H264_CONSTRAINED;
    return prof == FF_PROFILE_H264_BASELINE || prof == FF_PROFILE_H264_MAIN ||
           prof == FF_PROFILE_H264_HIGH;
}

static int copy_capable(const engine_export_job *job) {
    const AVStream *vs = job->ic->streams[job->vidx];
    const AVCodecParameters *p = vs->codecpar;
    if (job->reencode)
        return 0;
    if (job->want_w || job->want_h) {
        AVRational sar = p->sample_aspect_ratio;
        int square = sar.num == 0 || sar.num == sar.den;
        if (job->want_w != p->width || job->want_h != p->height || !square || job->rotation)
            return 0;
    }
    if (p->format != AV_PIX_FMT_YUV420P && p->format != AV_PIX_FMT_YUVJ420P)
        return 0; /* outputs are 8-bit 4:2:0, what every browser plays */
    if (job->container == EXPORT_WEBM)
        return p->codec_id == AV_CODEC_ID_VP9 && job->rotation == 0;
    if (p->codec_id != AV_CODEC_ID_H264 ||
        !engine_export_avcc_nal_length(p->extradata, p->extradata_size))
        return 0;
    return job->rotation == 0 || job->container != EXPORT_MKV; /* mkv keeps no display matrix */
}

/* Output size for a transcode (API.md §4.0 size rules). */
static void plan_size(engine_export_job *job) {
    const AVCodecParameters *p = job->ic->streams[job->vidx]->codecpar;
    AVRational sar = p->sample_aspect_ratio.num > 0 ? p->sample_aspect_ratio : (AVRational){1, 1};
    double dw = p->width * av_q2d(sar), dh = p->height;
    if (job->rotation == 90 || job->rotation == 270) {
        double t = dw;
        dw = dh;
        dh = t;
    }
    int w = job->want_w, h = job->want_h;
    if (!w && !h) {
        w = 2 * (int)lround(dw / 2);
        h = 2 * (int)lround(dh / 2);
    } else if (!h) {
        h = 2 * (int)lround(w * dh / dw / 2);
    } else if (!w) {
        w = 2 * (int)lround(h * dw / dh / 2);
    }
    w = w < 2 ? 2 : w;
    h = h < 2 ? 2 : h;
    double s = fmin(w / dw, h / dh);
    int cw = 2 * (int)lround(dw * s / 2), ch = 2 * (int)lround(dh * s / 2);
    job->out_w = w;
    job->out_h = h;
    job->content_w = cw > w || cw < 2 ? w : cw;
    job->content_h = ch > h || ch < 2 ? h : ch;
}

/* A smart cut copies packets [k1, copy_end): they must be exactly the frames of the range with
 * pts in [pts(k1), end), and every other frame of the range must decode outside them. */
static int smart_consistent(const engine_export_job *job, int k1, int copy_end, int64_t end) {
    const engine_export_vframe *f = job->frames;
    int64_t lo = f[k1].pts;
    for (int i = 0; i < job->nframes; i++) {
        int in_range = f[i].pts >= job->in_ts && f[i].pts < job->out_ts;
        int copied = i >= k1 && i < copy_end;
        int in_middle = in_range && f[i].pts >= lo && f[i].pts < end;
        if (copied != in_middle)
            return 0;
        if (in_range && !copied && f[i].pts >= end && i < copy_end)
            return 0; /* a tail frame decoded before the tail keyframe */
    }
    return 1;
}

/* Chooses the method and the packet index ranges from the scan. */
static int plan(engine_export_job *job, const int *ord) {
    const engine_export_vframe *f = job->frames;
    int n = job->nframes, first_k = -1, last_k = -1, after_k = -1;
    for (int k = 0; k < n; k++) {
        int64_t pts = f[ord[k]].pts;
        if (pts >= job->in_ts && pts < job->out_ts) {
            first_k = first_k < 0 ? k : first_k;
            last_k = k;
        } else if (pts >= job->out_ts && after_k < 0) {
            after_k = k;
        }
    }
    if (first_k < 0) {
        double tb = av_q2d(job->vtb);
        int64_t origin = video_origin(job);
        double end = n ? (double)(f[ord[n - 1]].pts + f[ord[n - 1]].duration - origin) * tb : 0;
        double in = (double)(job->in_ts - origin) * tb, out = (double)(job->out_ts - origin) * tb;
        if (n == 0 || f[ord[n - 1]].pts + f[ord[n - 1]].duration <= job->in_ts)
            return rc_fail(job->err, RC_ERANGE, NULL,
                           "In %.3f s is at or past the end of %s (%.3f s)", in, job->src, end);
        return rc_fail(job->err, RC_ERANGE, NULL, "range [%.3f, %.3f) s of %s holds no video frame",
                       in, out, job->src);
    }
    job->nout = last_k - first_k + 1;
    job->first_pts = f[ord[first_k]].pts;
    job->end_pts = f[ord[last_k]].pts + f[ord[last_k]].duration;
    int min_idx = n, max_idx = -1;
    for (int k = first_k; k <= last_k; k++) {
        min_idx = ord[k] < min_idx ? ord[k] : min_idx;
        max_idx = ord[k] > max_idx ? ord[k] : max_idx;
    }
    job->idx_last = max_idx;
    job->idx_k0 = -1;
    for (int i = min_idx; i >= 0 && job->idx_k0 < 0; i--)
        if (f[i].key)
            job->idx_k0 = i;
    if (job->idx_k0 < 0)
        return rc_fail(job->err, RC_EMEDIA, NULL, "%s: no keyframe before %.3f s", job->src,
                       (double)(job->first_pts - video_origin(job)) * av_q2d(job->vtb));
    job->method = ENGINE_EXPORT_TRANSCODE;
    int first_idx = ord[first_k];
    int end_ok = after_k < 0 || f[ord[after_k]].cut_ok;
    int end_idx = after_k < 0 ? n : ord[after_k];
    if (copy_capable(job)) {
        if (f[first_idx].cut_ok && end_ok && first_idx == min_idx &&
            end_idx - first_idx == job->nout && max_idx < end_idx) {
            job->method = ENGINE_EXPORT_COPY;
            job->idx_k1 = first_idx;
            job->idx_copy_end = end_idx;
            job->k1_pts = f[first_idx].pts;
            job->k2_pts = job->end_pts;
        } else if (smart_capable(job)) {
            int k1 = -1, k2 = -1;
            for (int k = first_k; k <= last_k; k++)
                if (f[ord[k]].cut_ok) {
                    k1 = k1 < 0 ? k : k1;
                    k2 = k;
                }
            int copy_end = k1 < 0 ? -1 : end_ok ? end_idx : ord[k2];
            if (k1 >= 0 && copy_end > ord[k1] &&
                smart_consistent(job, ord[k1], copy_end, end_ok ? INT64_MAX : f[ord[k2]].pts)) {
                job->method = ENGINE_EXPORT_SMARTCUT;
                job->idx_k1 = ord[k1];
                job->idx_copy_end = copy_end;
                job->k1_pts = f[ord[k1]].pts;
                job->has_head = k1 != first_k;
                job->has_tail = !end_ok;
                job->k2_pts = job->has_tail ? f[ord[k2]].pts : job->end_pts;
            }
        }
    }
    if (job->method == ENGINE_EXPORT_TRANSCODE) {
        plan_size(job);
    } else {
        const AVCodecParameters *p = job->ic->streams[job->vidx]->codecpar;
        job->out_w = job->content_w = p->width;
        job->out_h = job->content_h = p->height;
    }
    return 0;
}

/* Creates the temp file next to dst; *tmp is malloc'ed. */
static int make_temp(engine_export_job *job, char **tmp) {
    const char *slash = strrchr(job->dst, '/');
    size_t dirlen = slash ? (size_t)(slash - job->dst) + 1 : 0;
    const char *base = slash ? slash + 1 : job->dst;
    size_t n = strlen(job->dst) + 32;
    char *p = malloc(n);
    if (!p)
        return RC_ENOMEM;
    snprintf(p, n, "%.*s.%s.XXXXXX.part", (int)dirlen, job->dst, base);
    int fd = mkstemps(p, 5);
    if (fd < 0) {
        int e = errno;
        free(p);
        return rc_fail(job->err, RC_EWRITE, NULL, "%s: cannot write to its folder: %s",
                       job->dst_name, strerror(e));
    }
    if (fchmod(fd, 0644) != 0)
        log_debug("export: cannot chmod %s: %s", p, strerror(errno));
    close(fd);
    *tmp = p;
    return 0;
}

int engine_export_range(const engine_source *source, double in_s, double out_s, const char *dst,
                        const engine_export_opts *opts, const engine_progress *progress,
                        engine_export_result *result, rc_error *err) {
    const char *src = engine_source_name(source);
    const char *dst_name = opts && opts->dst_name ? opts->dst_name : dst;
    engine_export_job job = {.src = src,
                             .dst = dst,
                             .dst_name = dst_name,
                             .progress = progress,
                             .err = err,
                             .limits = engine_limits_of(source)};
    char *tmp = NULL;
    int *ord = NULL;
    int rc = 0;
    if (!source->path || !dst || !*dst) {
        rc = rc_fail(err, RC_EINVAL, NULL, "export needs a source and a destination path");
        goto out;
    }
    if (!(in_s >= 0) || !(out_s > in_s) || isinf(in_s)) {
        rc = rc_fail(err, RC_ERANGE, NULL, "range [%g, %g) of %s: In must be >= 0 and Out > In",
                     in_s, out_s, src);
        goto out;
    }
    if (container_of(dst, &job.container)) {
        rc = rc_fail(err, RC_ENOTSUP, NULL,
                     "%s: unsupported extension (use .mp4, .mov, .mkv or .webm)", dst_name);
        goto out;
    }
    if (opts) {
        if (opts->width < 0 || opts->height < 0 || opts->width > 7680 || opts->height > 7680) {
            rc = rc_fail(err, RC_ERANGE, NULL, "Width/Height must be in [64,7680]");
            goto out;
        }
        job.want_w = (opts->width + 1) & ~1;
        job.want_h = (opts->height + 1) & ~1;
        job.reencode = opts->reencode;
    }
    if ((rc = engine_progress_report(progress, 0)))
        goto out;
    if ((rc = open_source(&job, source)))
        goto out;
    double dur = job.ic->duration > 0 ? (double)job.ic->duration / AV_TIME_BASE : -1;
    if (dur > 0 && in_s >= dur + 1) {
        rc = rc_fail(err, RC_ERANGE, NULL, "In %.3f s is past the end of %s (%.3f s)", in_s, src,
                     dur);
        goto out;
    }
    int64_t origin = video_origin(&job);
    double tb = av_q2d(job.vtb);
    const double far = (double)(INT64_MAX / 4); /* beyond any real timestamp, no overflow */
    job.in_ts = in_s / tb > far ? INT64_MAX / 4 : origin + llrint(in_s / tb);
    job.out_ts = out_s / tb > far ? INT64_MAX / 4 : origin + llrint(out_s / tb);
    static const double margins[] = {1, 5, 30};
    int covered = 0;
    for (int i = 0; i < 4 && rc == 0 && !covered; i++) {
        int64_t target = i < 3 ? job.in_ts - llrint(margins[i] / tb) : INT64_MIN;
        job.seek_target = target <= origin ? INT64_MIN : target;
        rc = scan(&job, job.seek_target);
        covered = rc == 1;
        rc = rc == 1 ? 0 : rc;
        if (job.seek_target == INT64_MIN)
            break;
    }
    if (rc)
        goto out;
    if ((rc = finish_scan(&job, &ord)) || (rc = plan(&job, ord)))
        goto out;
    if ((rc = make_temp(&job, &tmp)))
        goto out;
    job.tmp = tmp;
    log_info("export: %s [%.3f, %.3f) s -> %s: %s, %d frames", src, in_s, out_s, dst,
             engine_export_method_name(job.method), job.nout);
    if ((rc = engine_export_write(&job)))
        goto out;
    if (rename(tmp, dst) != 0) {
        rc = rc_fail(err, RC_EWRITE, NULL, "%s: cannot rename the finished file: %s", dst_name,
                     strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    job.result.method = job.method;
    job.result.src_in_s = (double)(job.first_pts - origin) * tb;
    job.result.duration_s = (double)(job.end_pts - job.first_pts) * tb;
    if (result)
        *result = job.result;
    engine_progress_report(progress, 1); /* the file is in place: too late to cancel */
out:
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(ord);
    free(job.frames);
    engine_guard_free(&job.guard);
    engine_close_media(&job.ic);
    return rc;
}
