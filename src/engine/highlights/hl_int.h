/* hl_int: internals of the highlight analysis pass shared by its audio and video halves. */
#ifndef REELCUT_HL_INT_H
#define REELCUT_HL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/highlights/highlights.h"

struct AVFormatContext;
struct AVPacket;

#define HL_AUDIO_RATE 16000
#define HL_HOP 320 /* 20 ms */
#define HL_FFT 512 /* 32 ms window */
#define HL_TICK_SAMPLES 1600
#define HL_TICK_HOPS (HL_TICK_SAMPLES / HL_HOP) /* 5 hops of 20 ms a tick */
#define HL_SUBBANDS 5
#define HL_SUBBAND_EDGES                                                                           \
    { 200, 500, 1000, 2000, 3400, 7800 } /* Hz */

/* Per-tick accumulators filled while reading; turned into an engine_hl_track at the end. */
typedef struct hl_raw_tick {
    double k_energy; /* sum of squared K-weighted samples */
    int k_samples;
    int hops;       /* audio analysis hops ending in this tick */
    float flux_sum; /* spectral flux, summed over hops */
    /* per hop (20 ms), in the order they ended: speech band (300-3400 Hz) level (dB per bin),
     * the levels of HL_SUBBANDS sub-bands (200-500, 500-1000, 1000-2000, 2000-3400 and
     * 3400-7800 Hz) and periodicity (0..1; voiced speech and tones are periodic) */
    float hop_band[HL_TICK_HOPS], hop_per[HL_TICK_HOPS];
    float hop_sub[HL_TICK_HOPS][HL_SUBBANDS];
    uint8_t hop_n; /* hops whose features above were stored */
    float vbytes;  /* inter-frame video bytes (slice data) in this tick */
    float qp_sum;  /* slice QPs of the inter frames that have one (H.264, HEVC) */
    int qp_n;
    int vframes;   /* inter frames */
    float vmax;    /* largest inter frame in this tick (bytes) */
    uint8_t key;   /* a keyframe was decoded in this tick */
    uint8_t empty; /* a keyframe in this tick shows a black or empty picture */
} hl_raw_tick;

typedef struct hl_raw {
    hl_raw_tick overflow; /* sink for media past HL_MAX_TICKS: accounted nowhere */
    hl_raw_tick *ticks;
    size_t n, cap;
    double *cuts;
    size_t n_cuts, cap_cuts;
} hl_raw;

/* Returns the tick for time t (s, >= 0), growing the array; past 8 hours a scratch tick that
 * is never read. NULL only on ENOMEM. */
hl_raw_tick *hl_raw_at(hl_raw *raw, double t);
int hl_raw_add_cut(hl_raw *raw, double t);
void hl_raw_free(hl_raw *raw);

/* ---- audio half (hl_audio.c) ---- */
typedef struct hl_audio hl_audio;

/* Opens the decoder of stream `index` of fmt; origin is the media time that is tick 0. Returns 0,
 * RC_ENOMEM, or RC_EMEDIA (no decoder: the caller treats the input as silent). */
int hl_audio_open(hl_audio **out, struct AVFormatContext *fmt, int index, double origin);
/* Feeds one packet (NULL = flush at the end). Undecodable packets are skipped. */
int hl_audio_packet(hl_audio *a, const struct AVPacket *pkt, hl_raw *raw);
void hl_audio_close(hl_audio **a);

/* ---- video half (hl_video.c) ---- */
typedef struct hl_video hl_video;

int hl_video_open(hl_video **out, struct AVFormatContext *fmt, int index, double origin,
                  const engine_limits *limits, rc_error *err, const char *path);
/* Accounts one packet (size, key flag) and decodes keyframes into thumbnails. Returns 0,
 * RC_ENOMEM, or RC_ELIMIT (a keyframe over limits.max_pixels; err says its size). */
int hl_video_packet(hl_video *v, const struct AVPacket *pkt, hl_raw *raw, rc_error *err);
void hl_video_stats(const hl_video *v, int64_t *packets, int *keyframes_decoded, int *macroblocks);
void hl_video_close(hl_video **v);

/* Whether a 64x36 YUV420 keyframe thumbnail (planes packed: y 64x36, u and v 32x18) shows no
 * picture: dark (mean luma < 24), or flat in luma and in both chroma planes (sd < 4 each) - a
 * colour gradient of even brightness is a picture. Returns 1 or 0. */
int hl_thumb_empty(const uint8_t *y, const uint8_t *u, const uint8_t *v);

/* What the pass learnt besides the accumulators. */
typedef struct hl_pass {
    double duration;
    int has_audio, macroblocks, keyframes;
    int64_t packets;
} hl_pass;

/* The demux pass of engine_hl_analyze without the last step: fills *raw (free with
 * hl_raw_free, also on failure) and *pass. Errors as engine_hl_analyze, except that an
 * RC_ENOMEM has no message yet. */
int hl_analyze_raw(const engine_source *src, const engine_progress *progress, hl_raw *raw,
                   hl_pass *pass, rc_error *err);

/* Speech likelihood and voice activity of out from raw's per-hop features (hl_voice.c): fills
 * out->speech and out->voice. Returns 0 or RC_ENOMEM. */
int hl_voice_finish(const hl_raw *raw, engine_hl_track *out);

/* Turns the accumulators into the public track (hl_track.c). */
int hl_track_finish(hl_raw *raw, double duration, int has_audio, int macroblocks,
                    engine_hl_track *out);

#endif
