/* thumbs: see thumbs.h. */
#include "engine/thumbs.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/limits.h"
#include "engine/pack.h"
#include "engine/probe.h"

#define KEY_SLACK 0.25 /* s: see one_range */
#define INSIDE_S 0.25  /* s: see inside() */
#define EPS 1e-3       /* s: a frame at a range's start within this is in the range */

typedef struct thumb_job {
    const engine_source *src;
    const char *name;
    AVFormatContext *fmt;
    AVStream *st;
    int vi;
    double origin; /* s: the video stream's first timestamp */
    AVCodecContext *dec;
    engine_picture_guard guard;
    AVPacket *pkt;
    AVFrame *frame, *held; /* the frame just decoded; the best one so far for the current range */
    double frame_t, held_t;
    int eof;          /* the demuxer is done: the decoder is draining or drained */
    double last_t;    /* time of the last frame returned (-inf after a seek) */
    double key_after; /* s: the first keyframe at or after the current range's start, or +inf */
    int width;
    int indexed; /* the container came with an index (MP4, Matroska cues, AVI): see open */
    engine_thumb_stats stats;
    rc_error *err;
} thumb_job;

static int cmp_range(const void *a, const void *b, void *ranges) {
    const engine_thumb_range *r = ranges;
    double x = r[*(const size_t *)a].start, y = r[*(const size_t *)b].start;
    return (x > y) - (x < y);
}

static int open_decoder(thumb_job *j) {
    const AVCodec *codec = avcodec_find_decoder(j->st->codecpar->codec_id);
    if (!codec)
        return rc_fail(j->err, RC_EMEDIA, NULL, "%s: no decoder for its video stream", j->name);
    j->dec = avcodec_alloc_context3(codec);
    if (!j->dec || avcodec_parameters_to_context(j->dec, j->st->codecpar) < 0)
        return RC_ENOMEM;
    j->dec->pkt_timebase = j->st->time_base;
    j->dec->thread_count = 1; /* a few frames per range: threads would only add delay */
    /* A 160 px picture needs neither the loop filter nor the exact decoder, and decoding on to a
     * range skips the frames nothing refers to (one_range retries with them for a range that
     * holds none of the others). */
    j->dec->skip_loop_filter = AVDISCARD_ALL;
    j->dec->flags2 |= AV_CODEC_FLAG2_FAST;
    j->dec->skip_frame = AVDISCARD_NONREF;
    engine_limits limits = engine_limits_of(j->src);
    if (engine_guard_decoder(j->dec, &j->guard, &limits))
        return RC_ENOMEM;
    if (avcodec_open2(j->dec, codec, NULL) < 0)
        return rc_fail(j->err, RC_EMEDIA, NULL, "%s: cannot open the %s decoder", j->name,
                       codec->name);
    return 0;
}

/* The time of the first keyframe at or after t (backward = 0), or of the last one at or before it
 * (backward = 1), by the index; +inf / -inf when none is indexed there or the container keeps no
 * index (MPEG-TS, some Matroska). Index times are decoding times: with B-frames a keyframe is
 * indexed up to a few frames before it shows. */
static double indexed_keyframe(const thumb_job *j, double t, int backward) {
    if (!j->indexed)
        return backward ? -INFINITY : INFINITY;
    int n = avformat_index_get_entries_count(j->st);
    double tb = av_q2d(j->st->time_base);
    int64_t ts = (int64_t)(backward ? floor((t + j->origin) / tb) : ceil((t + j->origin) / tb));
    int i = av_index_search_timestamp(j->st, ts, backward ? AVSEEK_FLAG_BACKWARD : 0);
    const AVIndexEntry *e = i >= 0 && i < n ? avformat_index_get_entry(j->st, i) : NULL;
    if (!e)
        return backward ? -INFINITY : INFINITY;
    return (double)e->timestamp * tb - j->origin;
}

static int seek_to(thumb_job *j, double t) {
    int ret = -1;
    if (t > 0) {
        int64_t ts = (int64_t)floor((t + j->origin) / av_q2d(j->st->time_base));
        ret = av_seek_frame(j->fmt, j->vi, ts, AVSEEK_FLAG_BACKWARD);
    }
    if (ret < 0) /* the start, or before the first keyframe */
        ret = engine_seek_start(j->fmt, j->vi);
    avcodec_flush_buffers(j->dec);
    j->eof = 0;
    j->last_t = -INFINITY;
    j->stats.seeks++;
    return ret < 0 ? rc_fail(j->err, RC_EMEDIA, NULL, "%s: cannot seek to %.3f s", j->name, t) : 0;
}

/* Decodes the next frame into j->frame (its time in j->frame_t). Returns 0, 1 at the end of the
 * video, or an RC_E*. */
static int next_frame(thumb_job *j) {
    for (;;) {
        int ret = avcodec_receive_frame(j->dec, j->frame);
        if (ret >= 0) {
            int rc = engine_guard_check(&j->guard, j->frame, j->err);
            if (rc)
                return rc;
            int64_t pts = j->frame->best_effort_timestamp;
            j->frame_t = pts != AV_NOPTS_VALUE ? (double)pts * av_q2d(j->st->time_base) - j->origin
                                               : j->last_t + 1e-3;
            j->last_t = j->frame_t;
            j->stats.frames_decoded++;
            return 0;
        }
        if (ret != AVERROR(EAGAIN) || j->eof) {
            j->eof = 1; /* drained, or a decoder that fails gives no more pictures */
            return 1;
        }
        ret = av_read_frame(j->fmt, j->pkt);
        if (ret < 0) {
            avcodec_send_packet(j->dec, NULL); /* drain what the decoder holds */
            j->eof = 1;
            continue;
        }
        if (j->pkt->stream_index == j->vi) {
            int rc = engine_guard_packet(&j->guard, j->pkt, j->err);
            if (rc) {
                av_packet_unref(j->pkt);
                return rc;
            }
            avcodec_send_packet(j->dec, j->pkt); /* a damaged packet is skipped */
        }
        av_packet_unref(j->pkt);
    }
}

/* Scales f to width x (aspect) and encodes it as a JPEG into t. */
/* What one JPEG after another of the same size can share (the sampler's): the scaler and the
 * encoder. */
typedef struct jpeg_cache {
    struct SwsContext *sws;
    AVCodecContext *enc;
    int w, h;
    int64_t pts; /* of the next picture: an encoder wants them increasing */
} jpeg_cache;

static void jpeg_cache_free(jpeg_cache *c) {
    sws_freeContext(c->sws);
    avcodec_free_context(&c->enc);
    memset(c, 0, sizeof(*c));
}

/* The JPEG of f, width px wide at its display aspect, into t. c may be NULL (nothing kept). */
static int jpeg_of(const AVFrame *f, int width, const char *name, double at, engine_thumb *t,
                   rc_error *err, jpeg_cache *c) {
    AVRational sar = f->sample_aspect_ratio.num > 0 ? f->sample_aspect_ratio : (AVRational){1, 1};
    double aspect = (double)f->width * sar.num / ((double)f->height * sar.den);
    int w = width, h = (int)lround(w / aspect / 2) * 2;
    if (h < 2)
        h = 2;
    if (h > 4 * w) /* a sliver of a picture: keep the JPEG small anyway */
        h = 4 * w;
    const AVCodec *mjpeg = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!mjpeg)
        return rc_fail(err, RC_EMEDIA, NULL, "this FFmpeg has no JPEG encoder");
    int rc = RC_ENOMEM;
    if (c && c->enc && (c->w != w || c->h != h))
        avcodec_free_context(&c->enc);
    AVCodecContext *enc = c && c->enc ? c->enc : avcodec_alloc_context3(mjpeg);
    int enc_open = c && c->enc;
    AVFrame *small = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    struct SwsContext *sws = NULL;
    if (!enc || !small || !pkt)
        goto out;
    small->format = AV_PIX_FMT_YUV420P; /* full range: JPEG's */
    small->color_range = AVCOL_RANGE_JPEG;
    small->width = w;
    small->height = h;
    if (av_frame_get_buffer(small, 0) < 0)
        goto out;
    /* fast bilinear: at 160 px its aliasing does not show, and it costs half of an area filter */
    sws = sws_getCachedContext(c ? c->sws : NULL, f->width, f->height, f->format, w, h,
                               AV_PIX_FMT_YUV420P, SWS_FAST_BILINEAR, NULL, NULL, NULL);
    if (c)
        c->sws = sws;
    rc = RC_EMEDIA;
    if (!sws)
        goto out;
    /* the source's matrix and range in, JPEG's (BT.601, full range) out */
    int src_space = f->colorspace != AVCOL_SPC_UNSPECIFIED ? f->colorspace
                    : f->height > 576                      ? AVCOL_SPC_BT709
                                                           : AVCOL_SPC_BT470BG;
    sws_setColorspaceDetails(sws, sws_getCoefficients(src_space),
                             f->color_range == AVCOL_RANGE_JPEG,
                             sws_getCoefficients(AVCOL_SPC_BT470BG), 1, 0, 1 << 16, 1 << 16);
    sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, small->data,
              small->linesize);
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->color_range = AVCOL_RANGE_JPEG;
    enc->time_base = (AVRational){1, 25};
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = FF_QP2LAMBDA * 4; /* ~5 KB at 160x90 */
    small->quality = enc->global_quality;
    small->pts = c ? c->pts++ : 0;
    if ((!enc_open && avcodec_open2(enc, mjpeg, NULL) < 0) || avcodec_send_frame(enc, small) < 0 ||
        avcodec_receive_packet(enc, pkt) < 0)
        goto out;
    if (c) {
        c->enc = enc;
        c->w = w;
        c->h = h;
    }
    rc = RC_ENOMEM;
    t->jpeg = malloc((size_t)pkt->size);
    if (!t->jpeg)
        goto out;
    memcpy(t->jpeg, pkt->data, (size_t)pkt->size);
    t->size = (size_t)pkt->size;
    t->width = w;
    t->height = h;
    t->at = at;
    rc = 0;
out:
    if (rc == RC_EMEDIA)
        rc_fail(err, rc, NULL, "%s: cannot make a thumbnail of the %s picture at %.3f s", name,
                av_get_pix_fmt_name(f->format) ? av_get_pix_fmt_name(f->format) : "?", at);
    if (!c)
        sws_freeContext(sws);
    av_packet_free(&pkt);
    av_frame_free(&small);
    if (!c || rc) {
        if (c && c->enc == enc)
            c->enc = NULL;
        avcodec_free_context(&enc);
    }
    return rc;
}

/* Keeps j->frame as the candidate of the current range. */
static int hold(thumb_job *j) {
    av_frame_unref(j->held);
    if (av_frame_ref(j->held, j->frame) < 0)
        return RC_ENOMEM;
    j->held_t = j->frame_t;
    return 0;
}

/* Decodes from where the decoder is to the first frame at or after target,
 * holding the latest frame inside the range as it goes (the picture if the budget runs out or the
 * video ends). Returns 0 (j->held empty if no frame of the range was seen), or an RC_E*. *first
 * gets the time of the first frame decoded. */
static int decode_to(thumb_job *j, const engine_thumb_range *r, double target, double *first) {
    *first = INFINITY;
    for (int budget = ENGINE_THUMB_MAX_FRAMES; budget > 0; budget--) {
        int rc = next_frame(j);
        if (rc == 1)
            return 0;
        if (rc)
            return rc;
        if (*first == INFINITY)
            *first = j->frame_t;
        if (j->frame_t >= r->end - EPS)
            return 0; /* past the range: the frame held stands */
        if (j->frame_t >= r->start - EPS && (rc = hold(j)))
            return rc;
        if (j->frame_t >= target - EPS)
            return 0;
    }
    return 0;
}

/* Where a range without a keyframe is shown: a little after its start (the frame after a cut
 * shows the new shot; decoding there from the keyframe before costs less than the middle would). */
static double inside(const engine_thumb_range *r) {
    return r->start + fmin(INSIDE_S, (r->end - r->start) / 4);
}

static int one_range(thumb_job *j, const engine_thumb_range *r, engine_thumb *t) {
    t->at = -1;
    double fps = av_q2d(j->st->avg_frame_rate) > 0 ? av_q2d(j->st->avg_frame_rate) : 25;
    /* The first keyframe inside the range: a seek there and one decoded frame. A keyframe indexed
     * a little before the start may show at the start itself (see indexed_keyframe). */
    double key = indexed_keyframe(j, r->start - KEY_SLACK, 0);
    int use_key = key < r->end;
    double target = use_key ? r->start : inside(r);
    /* Decode on from where the decoder is (ranges come in time order) when that is cheaper than a
     * seek: for a keyframe, only from right before the range; else when fewer frames separate the
     * decoder from the target than the keyframe before the target does. */
    double on = j->eof || j->last_t == -INFINITY || j->last_t >= target - EPS
                    ? INFINITY
                    : (target - j->last_t) * fps;
    double fresh = 2;
    if (!use_key) {
        double before = indexed_keyframe(j, target, 1);
        fresh = before > -INFINITY ? (target - before) * fps : ENGINE_THUMB_MAX_FRAMES;
    }
    av_frame_unref(j->held);
    j->held_t = -1;
    double first;
    int rc;
    if (on <= fresh && on < ENGINE_THUMB_MAX_FRAMES) {
        rc = decode_to(j, r, target, &first);
    } else {
        rc = 0;
        if (use_key) {
            /* Seeking is by presentation time and the index holds decoding times, which run
             * ahead by up to the B-frame delay (< KEY_SLACK): landing on the keyframe takes its
             * index time plus that much. */
            if ((rc = seek_to(j, key + KEY_SLACK)) || (rc = decode_to(j, r, target, &first)))
                return rc;
            if (j->held->width <= 0) { /* another keyframe within KEY_SLACK: decode to it */
                use_key = 0;
                target = inside(r);
            }
        }
        /* A seek without an index lands where the demuxer finds a timestamp, maybe after the
         * target or on frames the decoder cannot show yet: back off further until the first frame
         * decoded is not past the target. */
        for (double back = 0; !use_key; back = back ? 2 * back : 1) {
            if ((rc = seek_to(j, target - back)))
                return rc;
            av_frame_unref(j->held);
            rc = decode_to(j, r, target, &first);
            if (rc || first <= target + EPS || back >= 16 || target - back <= 0)
                break;
        }
    }
    if (!rc && j->held->width <= 0 && j->dec->skip_frame != AVDISCARD_DEFAULT) {
        /* a range shorter than the gap between reference frames: once more with every frame */
        j->dec->skip_frame = AVDISCARD_DEFAULT;
        double before = indexed_keyframe(j, target, 1);
        rc = seek_to(j, before > -INFINITY ? before + EPS : target - 1);
        if (!rc)
            rc = decode_to(j, r, target, &first);
        j->dec->skip_frame = AVDISCARD_NONREF;
    }
    if (rc || j->held->width <= 0)
        return rc; /* no frame: past the end of the video */
    return jpeg_of(j->held, j->width, j->name, j->held_t, t, j->err, NULL);
}

int engine_thumbs(const engine_source *src, const engine_thumb_range *ranges, size_t n, int width,
                  engine_thumb *out, engine_thumb_stats *stats, rc_error *err) {
    memset(out, 0, n * sizeof(*out));
    if (stats)
        memset(stats, 0, sizeof(*stats));
    const char *name = engine_source_name(src);
    for (size_t i = 0; i < n; i++)
        if (!(ranges[i].start >= 0 && ranges[i].end > ranges[i].start))
            return rc_fail(err, RC_EINVAL, NULL, "thumbnail range %zu (%.3f-%.3f s) is empty", i,
                           ranges[i].start, ranges[i].end);
    if (n == 0)
        return 0;
    thumb_job j = {.src = src,
                   .name = name,
                   .width = width > 0 ? width : ENGINE_THUMB_WIDTH,
                   .err = err,
                   .last_t = -INFINITY};
    if (j.width > 1920 || j.width % 2)
        return rc_fail(err, RC_EINVAL, NULL, "thumbnail width %d is not an even number <= 1920",
                       j.width);
    size_t *order = malloc(n * sizeof(*order));
    int rc = RC_ENOMEM;
    if (!order)
        goto out;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(*order), cmp_range, (void *)ranges);
    rc = engine_open_source(src, &j.fmt, err);
    if (rc)
        goto out;
    j.vi = av_find_best_stream(j.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (j.vi < 0) {
        rc = rc_fail(err, RC_ENOVIDEO, NULL, "%s has no video stream", name);
        goto out;
    }
    j.st = j.fmt->streams[j.vi];
    for (unsigned i = 0; i < j.fmt->nb_streams; i++)
        if ((int)i != j.vi)
            j.fmt->streams[i]->discard = AVDISCARD_ALL;
    /* An index present right after opening is the container's own; one that grows later is what
     * the demuxer noted while reading or seeking (MPEG-TS), with holes: not used. */
    j.indexed = avformat_index_get_entries_count(j.st) > 0;
    j.origin = j.st->start_time != AV_NOPTS_VALUE ? j.st->start_time * av_q2d(j.st->time_base) : 0;
    rc = RC_ENOMEM;
    j.pkt = av_packet_alloc();
    j.frame = av_frame_alloc();
    j.held = av_frame_alloc();
    if (!j.pkt || !j.frame || !j.held)
        goto out;
    if ((rc = open_decoder(&j)))
        goto out;
    for (size_t k = 0; k < n && !rc; k++)
        rc = one_range(&j, &ranges[order[k]], &out[order[k]]);
out:
    if (rc && rc != RC_ENOMEM && rc != RC_EINVAL && !err->message[0])
        rc_fail(err, rc, NULL, "%s: cannot make thumbnails", name);
    if (rc == RC_ENOMEM)
        rc_fail(err, rc, NULL, "%s: out of memory making thumbnails", name);
    if (rc)
        engine_thumbs_free(out, n);
    if (stats)
        *stats = j.stats;
    free(order);
    av_frame_free(&j.frame);
    av_frame_free(&j.held);
    av_packet_free(&j.pkt);
    avcodec_free_context(&j.dec);
    engine_guard_free(&j.guard);
    engine_close_media(&j.fmt);
    return rc;
}

void engine_thumbs_free(engine_thumb *t, size_t n) {
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].jpeg);
        t[i].jpeg = NULL;
        t[i].size = 0;
    }
}

/* ------------------------------------------------------------------ sampler */

struct engine_thumb_sampler {
    double every, next; /* s between samples; the time of the next one */
    int width;
    size_t max, n;
    engine_thumb *samples; /* in time order */
    int failed;            /* a sample could not be made: no more are tried */
    double cpu_ms;         /* thread CPU time spent making samples */
    jpeg_cache cache;
};

static double thread_cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double engine_thumb_sampler_cpu_ms(const engine_thumb_sampler *s) {
    return s ? s->cpu_ms : 0;
}

int engine_thumb_sampler_new(double every_s, size_t max_samples, int width,
                             engine_thumb_sampler **out) {
    *out = NULL;
    if (!(every_s > 0) || max_samples == 0)
        return RC_EINVAL;
    engine_thumb_sampler *s = calloc(1, sizeof(*s));
    if (!s)
        return RC_ENOMEM;
    s->samples = calloc(max_samples, sizeof(*s->samples));
    if (!s->samples) {
        free(s);
        return RC_ENOMEM;
    }
    s->every = every_s;
    s->next = -INFINITY;
    s->width = width > 0 ? width : ENGINE_THUMB_WIDTH;
    s->max = max_samples;
    *out = s;
    return 0;
}

/* Whether a sample at t is due; when it is and s is full, s keeps every other sample first and
 * samples half as often from then on. */
static int sampler_due(engine_thumb_sampler *s, double t) {
    if (s->failed || t < s->next)
        return 0;
    if (s->n == s->max) {
        size_t k = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (i % 2 == 0)
                s->samples[k++] = s->samples[i];
            else
                free(s->samples[i].jpeg);
        }
        memset(s->samples + k, 0, (s->n - k) * sizeof(*s->samples));
        s->n = k;
        s->every *= 2;
        s->next = s->samples[s->n - 1].at + s->every;
        if (t < s->next)
            return 0;
    }
    return 1;
}

void engine_thumb_sampler_frame(void *user, const struct AVFrame *f, double t) {
    engine_thumb_sampler *s = user;
    if (!sampler_due(s, t))
        return;
    rc_error err = {0};
    double c0 = thread_cpu_ms();
    int rc = jpeg_of(f, s->width, "sample", t, &s->samples[s->n], &err, &s->cache);
    s->cpu_ms += thread_cpu_ms() - c0;
    if (rc) {
        s->failed = 1;
        return;
    }
    s->n++;
    /* on the grid of `every` after this sample: a run of dropped frames does not shift it */
    s->next = t + s->every;
}

/* Packed samples: the head, a sample_head per sample, each followed by its JPEG's bytes. */
#define SAMPLES_MAGIC "RCTHUMB1"
typedef struct sample_head {
    double at;
    int32_t width, height;
    uint64_t size;
} sample_head;

int engine_thumb_sampler_pack(const engine_thumb_sampler *s, void **out, size_t *size) {
    size_t total = sizeof(engine_pack_head) + sizeof(uint64_t);
    for (size_t i = 0; i < s->n; i++)
        total += sizeof(sample_head) + s->samples[i].size;
    unsigned char *p = malloc(total);
    if (!p)
        return RC_ENOMEM;
    engine_pack_head h = engine_pack_head_make(SAMPLES_MAGIC, sizeof(sample_head));
    uint64_t n = s->n;
    size_t off = 0;
    memcpy(p + off, &h, sizeof(h));
    off += sizeof(h);
    memcpy(p + off, &n, sizeof(n));
    off += sizeof(n);
    for (size_t i = 0; i < s->n; i++) {
        const engine_thumb *t = &s->samples[i];
        sample_head sh = {t->at, t->width, t->height, t->size};
        memcpy(p + off, &sh, sizeof(sh));
        off += sizeof(sh);
        memcpy(p + off, t->jpeg, t->size);
        off += t->size;
    }
    *out = p;
    *size = total;
    return 0;
}

int engine_thumb_sampler_add_packed(engine_thumb_sampler *s, const void *data, size_t size) {
    const unsigned char *p = data;
    engine_pack_head h;
    uint64_t n;
    if (size < sizeof(h) + sizeof(n))
        return RC_EINVAL;
    memcpy(&h, p, sizeof(h));
    memcpy(&n, p + sizeof(h), sizeof(n));
    if (!engine_pack_head_ok(&h, SAMPLES_MAGIC, sizeof(sample_head)))
        return RC_EINVAL;
    size_t off = sizeof(h) + sizeof(n);
    for (uint64_t i = 0; i < n; i++) {
        sample_head sh;
        if (size - off < sizeof(sh))
            return RC_EINVAL;
        memcpy(&sh, p + off, sizeof(sh));
        off += sizeof(sh);
        if (size - off < sh.size || sh.size == 0)
            return RC_EINVAL;
        if (sampler_due(s, sh.at)) {
            engine_thumb *t = &s->samples[s->n];
            if (!(t->jpeg = malloc(sh.size)))
                return RC_ENOMEM;
            memcpy(t->jpeg, p + off, sh.size);
            t->size = sh.size;
            t->at = sh.at;
            t->width = sh.width;
            t->height = sh.height;
            s->n++;
            s->next = sh.at + s->every;
        }
        off += sh.size;
    }
    return off == size ? 0 : RC_EINVAL;
}

const engine_thumb *engine_thumb_sampler_find(const engine_thumb_sampler *s, double start,
                                              double end) {
    double from = start + fmin(INSIDE_S, (end - start) / 4) - EPS;
    for (size_t i = 0; s && i < s->n; i++) /* (a few thousand at most) */
        if (s->samples[i].at >= from)
            return s->samples[i].at < end - EPS ? &s->samples[i] : NULL;
    return NULL;
}

void engine_thumb_sampler_free(engine_thumb_sampler **ps) {
    engine_thumb_sampler *s = *ps;
    if (!s)
        return;
    engine_thumbs_free(s->samples, s->n);
    free(s->samples);
    jpeg_cache_free(&s->cache);
    free(s);
    *ps = NULL;
}

int engine_thumbs_sampled(const engine_source *src, const engine_thumb_sampler *sampler,
                          const engine_thumb_range *ranges, size_t n, engine_thumb *decoded,
                          const engine_thumb **use, rc_error *err) {
    memset(decoded, 0, n * sizeof(*decoded));
    engine_thumb_range *rest = calloc(n ? n : 1, sizeof(*rest));
    size_t *which = calloc(n ? n : 1, sizeof(*which));
    size_t m = 0;
    if (!rest || !which) {
        free(rest);
        free(which);
        return rc_fail(err, RC_ENOMEM, NULL, "out of memory making thumbnails");
    }
    for (size_t i = 0; i < n; i++) {
        use[i] = engine_thumb_sampler_find(sampler, ranges[i].start, ranges[i].end);
        if (!use[i]) {
            rest[m] = ranges[i];
            which[m++] = i;
        }
    }
    int rc = m ? engine_thumbs(src, rest, m, 0, decoded, NULL, err) : 0;
    for (size_t k = 0; !rc && k < m; k++)
        use[which[k]] = decoded[k].jpeg ? &decoded[k] : NULL;
    free(rest);
    free(which);
    return rc;
}
