/* shots: shot-boundary detection on a feature track - hard cuts, dissolves, wipes, slides and
 * fades of any length, robust to flashes, pans, zooms, busy motion and single corrupt frames. */
#ifndef REELCUT_SHOTS_H
#define REELCUT_SHOTS_H

#include <stddef.h>

#include "engine/shots/analyze.h"

/* Seconds. Short enough for fast-cut trailers and highlight reels (PySceneDetect uses 0.6 s);
 * what keeps one transition from giving two boundaries is the detector, not this minimum. */
#define ENGINE_SHOT_MIN_DEFAULT 0.3

enum engine_cut_kind {
    ENGINE_CUT_HARD = 0,    /* the picture changes between two frames */
    ENGINE_CUT_GRADUAL = 1, /* dissolve or wipe: a monotone change over several frames */
    ENGINE_CUT_FADE = 2     /* fade through black */
};

typedef struct engine_shot_opts {
    double min_shot; /* seconds; no shot (including the first and last) is shorter */
    /* Probabilities from which the trained models keep a candidate; 0 = the thresholds chosen
     * at training (bench/shots/train.py). For measurements on tuning seeds only. */
    double hard_threshold, gradual_threshold;
} engine_shot_opts;

typedef struct engine_shot_boundary {
    size_t frame; /* index in the track of the first frame of the new shot */
    double time;  /* its pts in seconds */
    enum engine_cut_kind kind;
    double strength; /* dissimilarity across the boundary, 0..1 */
} engine_shot_boundary;

typedef struct engine_shot_list {
    engine_shot_boundary *items; /* in time order */
    size_t count;
} engine_shot_list;

/* Fills opts with the defaults (min_shot = ENGINE_SHOT_MIN_DEFAULT). */
void engine_shot_opts_default(engine_shot_opts *opts);

/* Finds the shot boundaries of track (opts NULL = defaults) into *out (caller-allocated; free
 * with engine_shot_list_free). Thresholds adapt to the content around each candidate. Returns 0
 * or RC_ENOMEM; a track with fewer than two frames has no boundaries. */
int engine_detect_shots(const engine_feature_track *track, const engine_shot_opts *opts,
                        engine_shot_list *out);

void engine_shot_list_free(engine_shot_list *list);

/* Dissimilarity of two frames in [0,1]: luma and colour, as histograms and as a coarse layout. */
double engine_frame_distance(const engine_frame_features *a, const engine_frame_features *b);

#endif
