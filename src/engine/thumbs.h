/* thumbs: one small JPEG picture for each of a list of time ranges of a video (a shot, a
 * segment, a highlight clip), for people looking at a job's result.
 *
 * Cost is what matters: a 2-hour input with 500 shots must not pay a second decode. For each range
 * the picture is the first keyframe inside it (one frame decoded - encoders put a keyframe at most
 * hard cuts), else a frame a quarter second in (at most a quarter of the range), decoded from the
 * keyframe before it skipping the frames nothing refers to, loop filter off (at most
 * ENGINE_THUMB_MAX_FRAMES frames; past that, the last one decoded). Ranges are visited in time
 * order and a range the decoder is already in front of continues without a seek. */
#ifndef REELCUT_ENGINE_THUMBS_H
#define REELCUT_ENGINE_THUMBS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "util/rc.h"

#define ENGINE_THUMB_WIDTH 160
#define ENGINE_THUMB_MAX_FRAMES 300 /* decoded for one range at most (12 s at 25 fps) */

typedef struct engine_thumb_range {
    double start, end; /* s from the start of the media, start < end */
} engine_thumb_range;

typedef struct engine_thumb {
    uint8_t *jpeg; /* NULL when the range holds no frame (past the end of the video) */
    size_t size;
    double at;         /* when the frame shown is (s), -1 without one */
    int width, height; /* of the JPEG, display aspect (sample aspect ratio applied) */
} engine_thumb;

typedef struct engine_thumb_stats {
    int seeks;           /* seeks made */
    long frames_decoded; /* frames the decoder returned */
} engine_thumb_stats;

/* Fills out[i] for ranges[i], i < n (out is caller-allocated, n entries). width 0 = the default.
 * stats may be NULL. Returns 0, or an RC_E* with err naming the source (engine_source_name): the
 * media cannot be opened, has no video, or its pictures are over the source's limits. A range
 * that is empty or reversed is RC_EINVAL. Free the pictures with engine_thumbs_free. */
int engine_thumbs(const engine_source *src, const engine_thumb_range *ranges, size_t n, int width,
                  engine_thumb *out, engine_thumb_stats *stats, rc_error *err);

void engine_thumbs_free(engine_thumb *t, size_t n);

/* Thumbnails from frames a pass decodes anyway (the shot analysis): a sampler keeps the picture of
 * the first frame every every_s seconds (at most max_samples; when full it keeps every other one
 * and samples half as often), so a segment's thumbnail costs no decoding once the pass is done.
 * engine_thumb_sampler_frame is an engine_frame_hook (shots/analyze.h). */
typedef struct engine_thumb_sampler engine_thumb_sampler;
struct AVFrame;
int engine_thumb_sampler_new(double every_s, size_t max_samples, int width,
                             engine_thumb_sampler **out);
void engine_thumb_sampler_frame(void *sampler, const struct AVFrame *frame, double t);
/* A sampler's samples as bytes for another process of the same build (a part of a split job,
 * jobs/split.c): malloc'd *out. Returns 0 or RC_ENOMEM. */
int engine_thumb_sampler_pack(const engine_thumb_sampler *s, void **out, size_t *size);
/* Offers s the samples another sampler packed - one of a later part of the same video, parts
 * offered in time order - as if their frames had passed here: each is kept when due under s's
 * spacing and limit. Returns 0, RC_ENOMEM, or RC_EINVAL when data is not such bytes (the samples
 * before the damage are kept). */
int engine_thumb_sampler_add_packed(engine_thumb_sampler *s, const void *data, size_t size);
/* The sample for [start, end): the first one at or after start plus a quarter second (at most a
 * quarter of the range) and before end; NULL when none fell there (a short range: decode it with
 * engine_thumbs). */
const engine_thumb *engine_thumb_sampler_find(const engine_thumb_sampler *s, double start,
                                              double end);
void engine_thumb_sampler_free(engine_thumb_sampler **s);
/* The picture of each range: the sampler's where it has one (sampler NULL = none), else decoded
 * from src (engine_thumbs, in one pass for all the others). use[i] points at a sample or at an
 * entry of decoded (caller-allocated, n entries; free with engine_thumbs_free(decoded, n)), or is
 * NULL (no frame there). Returns as engine_thumbs. */
int engine_thumbs_sampled(const engine_source *src, const engine_thumb_sampler *sampler,
                          const engine_thumb_range *ranges, size_t n, engine_thumb *decoded,
                          const engine_thumb **use, rc_error *err);

/* CPU time the sampler spent making its pictures (ms), for bench/ui. */
double engine_thumb_sampler_cpu_ms(const engine_thumb_sampler *s);

#endif
