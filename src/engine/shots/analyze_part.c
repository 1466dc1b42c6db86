/* analyze_part: what lets several processes analyse one video - where to cut it (keyframes of its
 * seek index) and a track part as bytes. */
#include "engine/shots/analyze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>

#include "engine/pack.h"
#include "engine/probe.h"

#define PACK_MAGIC "RCTRACK1"
/* another build's frame or track layout is refused */
#define PACK_LAYOUT ((uint32_t)(sizeof(engine_frame_features) << 16 | sizeof(engine_feature_track)))

/* The head of a packed track: its scalar fields as this build lays them out (frames NULL); the
 * frames follow. */
typedef struct pack_head {
    engine_pack_head head;
    engine_feature_track meta;
} pack_head;

int engine_feature_track_pack(const engine_feature_track *t, void **out, size_t *size) {
    size_t frames = t->nb_frames * sizeof(engine_frame_features);
    size_t pictures =
        engine_feature_track_has_pictures(t) ? t->nb_frames * ANALYZE_PICTURE_BYTES : 0;
    unsigned char *p = malloc(sizeof(pack_head) + frames + pictures);
    *out = NULL;
    *size = 0;
    if (!p)
        return RC_ENOMEM;
    pack_head h;
    memset(&h, 0, sizeof(h));
    h.head = engine_pack_head_make(PACK_MAGIC, PACK_LAYOUT);
    h.meta = *t;
    h.meta.frames = NULL;
    h.meta.cap_frames = t->nb_frames;
    h.meta.pictures = NULL;
    h.meta.spill = NULL;
    h.meta.cap_pictures = pictures ? t->nb_frames : 0; /* (whether the pictures follow) */
    memcpy(p, &h, sizeof(h));
    if (frames)
        memcpy(p + sizeof(h), t->frames, frames);
    for (size_t i = 0; pictures && i < t->nb_frames; i++) {
        uint8_t *at = p + sizeof(h) + frames + i * ANALYZE_PICTURE_BYTES;
        const uint8_t *y = engine_feature_track_picture(t, i, at);
        if (!y) {
            free(p);
            return RC_EREAD;
        }
        if (y != at)
            memcpy(at, y, ANALYZE_PICTURE_BYTES);
    }
    *out = p;
    *size = sizeof(h) + frames + pictures;
    return 0;
}

int engine_feature_track_unpack(const void *data, size_t size, engine_feature_track *out) {
    pack_head h;
    memset(out, 0, sizeof(*out));
    if (!data || size < sizeof(h))
        return RC_EINVAL;
    memcpy(&h, data, sizeof(h));
    size_t n = h.meta.nb_frames;
    size_t each = sizeof(engine_frame_features) + (h.meta.cap_pictures ? ANALYZE_PICTURE_BYTES : 0);
    if (!engine_pack_head_ok(&h.head, PACK_MAGIC, PACK_LAYOUT) ||
        (h.meta.cap_pictures && h.meta.cap_pictures != n) || n > (size - sizeof(h)) / each ||
        size != sizeof(h) + n * each)
        return RC_EINVAL;
    engine_frame_features *frames = NULL;
    uint8_t *pictures = NULL;
    if (n && !(frames = malloc(n * sizeof(*frames))))
        return RC_ENOMEM;
    if (n && h.meta.cap_pictures && !(pictures = malloc(n * ANALYZE_PICTURE_BYTES))) {
        free(frames);
        return RC_ENOMEM;
    }
    const unsigned char *at = (const unsigned char *)data + sizeof(h);
    if (n)
        memcpy(frames, at, n * sizeof(*frames));
    if (pictures)
        memcpy(pictures, at + n * sizeof(*frames), n * ANALYZE_PICTURE_BYTES);
    *out = h.meta;
    out->frames = frames;
    out->cap_frames = n;
    out->pictures = pictures;
    out->cap_pictures = pictures ? n : 0;
    out->spill = NULL;
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether the first packets of the video stream carry presentation times. Where the container
 * stores none (AVI, raw streams) they are guessed, and a decoder restarted at a keyframe guesses
 * those of B-frames otherwise than one that ran from the start: its parts would not join
 * (engine_feature_track_append refuses them), so such a file is not cut at all. */
static int stores_pts(AVFormatContext *fmt, int idx) {
    AVPacket *pkt = av_packet_alloc();
    int seen = 0, missing = 0;
    while (pkt && seen < 64 && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == idx) {
            seen++;
            missing |= pkt->pts == AV_NOPTS_VALUE;
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    return seen > 0 && !missing;
}

int engine_analyze_cuts(const engine_source *src, double chunk, double **times, size_t *n,
                        rc_error *err) {
    AVFormatContext *fmt = NULL;
    double *keys = NULL, *cuts = NULL;
    *times = NULL;
    *n = 0;
    int rc = engine_open_source(src, &fmt, err);
    if (rc)
        return rc;
    int idx = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    /* (no video: the analysis itself says so) */
    if (idx < 0 || !(chunk > 0) || !stores_pts(fmt, idx))
        goto out;
    AVStream *st = fmt->streams[idx];
    /* Matroska reads its Cues only on a first seek */
    av_seek_frame(fmt, idx, 0, AVSEEK_FLAG_BACKWARD);
    int count = avformat_index_get_entries_count(st);
    double start = st->start_time != AV_NOPTS_VALUE ? st->start_time * av_q2d(st->time_base) : 0;
    double duration = fmt->duration > 0  ? fmt->duration / (double)AV_TIME_BASE
                      : st->duration > 0 ? st->duration * av_q2d(st->time_base)
                                         : 0;
    if (count < 2 || duration < 2 * chunk)
        goto out;
    keys = malloc((size_t)count * sizeof(*keys));
    cuts = malloc(((size_t)(duration / chunk) + 2) * sizeof(*cuts));
    if (!keys || !cuts) {
        rc = RC_ENOMEM;
        goto out;
    }
    size_t nk = 0, nc = 0;
    for (int i = 0; i < count; i++) {
        const AVIndexEntry *e = avformat_index_get_entry(st, i);
        if (e && (e->flags & AVINDEX_KEYFRAME) && e->timestamp != AV_NOPTS_VALUE)
            keys[nk++] = e->timestamp * av_q2d(st->time_base);
    }
    qsort(keys, nk, sizeof(*keys), cmp_double);
    size_t k = 0;
    for (int m = 1; start + m * chunk < start + duration - chunk / 2; m++) {
        double want = start + m * chunk;
        while (k < nk && keys[k] < want)
            k++;
        if (k == nk)
            break;
        if (nc == 0 || keys[k] > cuts[nc - 1])
            cuts[nc++] = keys[k];
    }
    if (nc > 0) {
        *times = cuts;
        *n = nc;
        cuts = NULL;
    }
out:
    free(keys);
    free(cuts);
    engine_close_media(&fmt);
    return rc;
}
