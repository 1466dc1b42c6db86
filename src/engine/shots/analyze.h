/* analyze: one decode pass over a video into a compact per-frame feature track (never frames). */
#ifndef REELCUT_ANALYZE_H
#define REELCUT_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* The thumbnail features are measured on: 64x36 luma (and 32x18 chroma). */
#define ANALYZE_THUMB_W 64
#define ANALYZE_THUMB_H 36

/* Signature sizes: a coarse grid of block means per plane, and small histograms. */
#define ANALYZE_GRID_W 8
#define ANALYZE_GRID_H 6
#define ANALYZE_GRID_CELLS (ANALYZE_GRID_W * ANALYZE_GRID_H)
#define ANALYZE_LUMA_BINS 16
#define ANALYZE_CHROMA_BINS 64 /* 8 Cb bins x 8 Cr bins */

/* What one decoded frame looks like, seen through a small thumbnail. Comparing any two frames'
 * signatures (grids + histograms) is what shot detection needs; the scalars are for scoring. */
typedef struct engine_frame_features {
    double pts;           /* presentation time in seconds (stream timestamps, not shifted to 0) */
    float brightness;     /* mean luma of the thumbnail, 0..255 */
    float motion;         /* mean |luma difference| to the previous frame's thumbnail, 0..255 */
    float edge_change;    /* edge change ratio to the previous frame, 0..1 */
    float edge_density;   /* share of the thumbnail's pixels that lie on an edge, 0..1 */
    float edge_across_x;  /* ... on an edge across x (brightness changes mostly along x: a
                           * vertical edge, what a sideways smear erases), 0..edge_density */
    float cam_dx, cam_dy; /* global shift from the previous frame, in 64x36-thumbnail pixels
                           * (with a zoom: where the point zoomed at lies off the centre) */
    float cam_zoom;       /* global scale from the previous frame (1 = none, > 1 zooming in) */
    float cam_residual;   /* mean |luma difference| to the previous frame after that shift or
                           * zoom, 0..255 (<= motion): the change camera motion does not explain */
    uint8_t grid_y[ANALYZE_GRID_CELLS]; /* block means of luma */
    uint8_t grid_u[ANALYZE_GRID_CELLS]; /* block means of Cb */
    uint8_t grid_v[ANALYZE_GRID_CELLS]; /* block means of Cr */
    float hist_y[ANALYZE_LUMA_BINS];    /* luma histogram, fractions summing to 1 */
    float hist_uv[ANALYZE_CHROMA_BINS]; /* joint Cb/Cr histogram, fractions summing to 1 */
} engine_frame_features;

/* The bytes of a frame's features (without the struct's tail padding): two frames are the same
 * frame when these compare equal. */
#define ENGINE_FRAME_FEATURES_BYTES                                                                \
    (offsetof(engine_frame_features, hist_uv) + sizeof(((engine_frame_features *)0)->hist_uv))

struct AVFrame;

/* Called with every decoded frame and its time (the track's pts) - e.g. engine_thumb_sampler. */
typedef void (*engine_frame_hook)(void *user, const struct AVFrame *frame, double t);

typedef struct engine_analyze_opts {
    engine_frame_hook on_frame; /* NULL = none */
    void *hook_user;
    int threads; /* decoder threads, 0 = automatic (frame threading); at most
                  * limits.codec_threads of the source either way */
    /* A part of the video (stream time, s): only frames with from <= pts < to enter the track
     * (from <= 0: from the start; to <= 0: to the end). Decoding starts at the keyframe before
     * from, so every frame's features equal those of a whole-file pass, and the parts of a video
     * cut at any times, appended in order (engine_feature_track_append) and finished
     * (engine_feature_track_finish), equal its whole track. A part may hold no frame. */
    double from, to;
    /* Where the track's pictures are spilled (engine_feature_track.pictures): a job's own
     * folder. NULL = TMPDIR, else /tmp, which is also tried where no file can be made here. */
    const char *spill_dir;
} engine_analyze_opts;

/* Bytes of one frame's picture in engine_feature_track.pictures: its luma thumbnail. */
#define ANALYZE_PICTURE_BYTES (ANALYZE_THUMB_W * ANALYZE_THUMB_H)

typedef struct engine_feature_track {
    engine_frame_features *frames; /* in decode (presentation) order */
    size_t nb_frames;
    size_t cap_frames;
    /* Each frame's ANALYZE_THUMB_W x ANALYZE_THUMB_H luma thumbnail (ANALYZE_PICTURE_BYTES), for
     * what looks at the pictures themselves (the gradual model's picture network); read them
     * with engine_feature_track_picture. A track the analysis builds spills them to an unnamed
     * temporary file (engine_feature_track_spill_in), so that a long video's pictures do not stay
     * in memory (200 MB an hour at 25 fps); where none can be made or written, they are kept in
     * memory (pictures, one after the other in frame order). A track built by hand may set
     * pictures (malloc'd, nb_frames of them) itself. Neither: the track has no pictures. */
    uint8_t *pictures;
    size_t cap_pictures; /* frames pictures has room for */
    struct engine_picture_spill *spill;
    double duration;   /* of the media in seconds: the container's, unless it claims more than
                        * the video and audio packets read hold (then their end), or the file is
                        * damaged (then the last frame's end) */
    double origin;     /* the video stream's start (s): frame pts are stream time, while media times
                        * (durations, segment bounds, export ranges) count from here */
    double frame_rate; /* average frames per second (from the stream, else from the track) */
    int width, height; /* coded size of the video stream */
    int decode_errors; /* packets or frames FFmpeg could not decode (damaged input) */
    int truncated;     /* 1 if reading stopped on an error before the end of the file */
    /* What engine_feature_track_finish needs (set by a pass that reads to the end): the duration
     * the container declares and the end of the packets read (media time), < 0 unknown. */
    double declared, readable;
    /* Frames whose timestamp was missing or out of order, and so was made up from the frame
     * before: parts of such a video do not add up to its whole track. */
    int irregular;
    int jumps; /* times the timestamps jumped backwards (the timeline went on from the frame
                * before; engine_feature_track_finish then measures the duration by the frames) */
    /* A part's lead: the frame before its first (decoded from the keyframe before `from`), which
     * must equal the last frame of the part before it, or the parts do not join. */
    int has_lead;
    engine_frame_features lead;
} engine_feature_track;

/* Decodes the best video stream of src once (every frame) and fills *out (caller-allocated;
 * free its contents with engine_feature_track_free even on failure). Damaged packets are skipped
 * and counted in decode_errors. Fails with RC_ENOENT (no such file), RC_EMEDIA (not media, or no
 * frame could be decoded), RC_ENOVIDEO (no video stream), RC_ELIMIT (a picture over
 * limits.max_pixels, before decoding or when the stream grows mid-way), RC_ECANCELED (progress
 * callback asked to stop) or RC_ENOMEM; err names the file (RC_ELIMIT: the size and limit only).
 * Progress goes from 0 to 1 through progress. Messages name the source by engine_source_name. */
int engine_analyze(const engine_source *src, const engine_analyze_opts *opts,
                   const engine_progress *progress, engine_feature_track *out, rc_error *err);

/* Appends part (the next part of the same video, engine_analyze_opts.from/to) to track: its
 * frames, damage and end facts. Returns 0, RC_ENOMEM, or RC_EINVAL (track unchanged) when the
 * part's lead is not track's last frame - the decoder did not see the same frames from the
 * part's keyframe as in one pass (timestamps guessed where the container stores none) - or when
 * the part made up timestamps (irregular): such frames may happen to line up in one run and not
 * in the next, so they never join. */
int engine_feature_track_append(engine_feature_track *track, const engine_feature_track *part);

/* Completes a track read to the end - its duration, frame rate (when the stream gave none) and
 * damage verdict - as engine_analyze does for a whole file (name for messages). RC_EMEDIA when it
 * holds no frame. */
int engine_feature_track_finish(engine_feature_track *track, const char *name, rc_error *err);

/* A track as bytes, to move a part between processes of the same build (malloc'd *out), its
 * pictures included (pack: RC_ENOMEM, or RC_EREAD when its spill file cannot be read back). The
 * layout is this build's struct; unpack refuses another (RC_EINVAL) and keeps the pictures in
 * memory. */
int engine_feature_track_pack(const engine_feature_track *track, void **out, size_t *size);
int engine_feature_track_unpack(const void *data, size_t size, engine_feature_track *out);

/* Where src's video may be cut into parts of about chunk seconds: the keyframe times (stream
 * time, s) from its seek index, one at or after each multiple of chunk past the start. *times
 * (malloc'd, *n entries, none when the file has no seek index - MPEG-TS, raw streams -, stores no
 * presentation times - AVI, raw streams - or is shorter than two chunks) are the parts' from/to. */
int engine_analyze_cuts(const engine_source *src, double chunk, double **times, size_t *n,
                        rc_error *err);

/* Makes the spill file of track t's pictures in folder dir (NULL, or where no file can be made
 * there: TMPDIR, else /tmp) before its first frame, as engine_analyze does; a track with frames
 * or pictures already is left as it is. Without a spill file (none made, or none asked for: a
 * track appended to without this) the pictures are kept in memory. */
void engine_feature_track_spill_in(engine_feature_track *t, const char *dir);

/* Moves the pictures track t keeps in memory (an unpacked part's) to a spill file in dir (as
 * engine_feature_track_spill_in); where none can be made or written they stay in memory. */
void engine_feature_track_spill_pictures(engine_feature_track *t, const char *dir);

/* Whether track t holds a picture for every frame. */
static inline int engine_feature_track_has_pictures(const engine_feature_track *t) {
    return t->pictures != NULL || t->spill != NULL;
}

/* Frame i's picture (ANALYZE_PICTURE_BYTES): in the track's memory, or read into `into` (as large)
 * from its spill file. NULL when the track has no pictures, i is past its end or the read
 * failed. */
const uint8_t *engine_feature_track_picture(const engine_feature_track *t, size_t i, uint8_t *into);

/* Frees what a track owns and zeroes it. NULL-safe. */
void engine_feature_track_free(engine_feature_track *track);

/* Appends one frame (copied); used by engine_analyze and by tests building synthetic tracks.
 * Returns 0 or RC_ENOMEM. */
int engine_feature_track_push(engine_feature_track *track, const engine_frame_features *f);

/* Fills a frame's signature (grids, histograms, brightness) from 8-bit planes of a thumbnail:
 * y is w x h, u and v are cw x ch; strides in bytes. Motion and edge_change are left alone. */
void engine_features_from_planes(engine_frame_features *f, const uint8_t *y, int y_stride, int w,
                                 int h, const uint8_t *u, const uint8_t *v, int c_stride, int cw,
                                 int ch);

/* Fills a frame's change measurements (motion, edge_change, edge_density, edge_across_x,
 * cam_*) from its ANALYZE_THUMB_W x ANALYZE_THUMB_H luma thumbnail y and the previous frame's
 * (prev_y; NULL for the first frame: no change). */
void engine_features_motion(engine_frame_features *f, const uint8_t *y, const uint8_t *prev_y);

#endif
