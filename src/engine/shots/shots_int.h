/* shots_int: what the parts of the shot detector share - candidate boundaries, the per-track
 * signals they are found on, and the gradual-transition features the trained model scores. */
#ifndef REELCUT_SHOTS_INT_H
#define REELCUT_SHOTS_INT_H

#include <stddef.h>

#include "engine/shots/shots.h"

typedef struct shot_candidate {
    size_t frame; /* first frame of the new shot */
    enum engine_cut_kind kind;
    double strength; /* hard/fade: dissimilarity across; gradual: the model's probability */
    size_t lo, hi;   /* the frames the transition spans (a hard cut: frame - 1 .. frame) */
} shot_candidate;

typedef struct shot_cand_list {
    shot_candidate *items;
    size_t count, cap;
} shot_cand_list;

/* Appends one candidate. Returns 0 or RC_ENOMEM. */
int shot_cand_push(shot_cand_list *l, const shot_candidate *c);

/* A frame's camera shift is measured from this mean |luma change| (0..255) on: a picture that
 * hardly changes (black, flat, still) shows no shift, and what the search returns there is noise.
 */
#define SHOT_MEASURABLE_LUMA 2.0

/* Whether frame f's camera shift (cam_dx, cam_dy) was measured on enough change to mean anything.
 */
static inline int shot_shift_measured(const engine_frame_features *f) {
    return f->motion >= SHOT_MEASURABLE_LUMA;
}

/* Which of a frame's edges sharpness counts: all of them (a blur erases every edge), or only those
 * a smear along one way erases - across x (a sideways smear keeps a picture's horizontal edges:
 * blinds, shelves, a horizon) or across y. */
enum shot_edges { SHOT_EDGES_ALL, SHOT_EDGES_ACROSS_X, SHOT_EDGES_ACROSS_Y };

/* Share of frame f's thumbnail pixels on an edge of that kind. */
static inline double shot_edge_share(const engine_frame_features *f, enum shot_edges kind) {
    return kind == SHOT_EDGES_ALL        ? f->edge_density
           : kind == SHOT_EDGES_ACROSS_X ? f->edge_across_x
                                         : f->edge_density - f->edge_across_x;
}

/* A picture keeps at least this share of the edges of a sharp one beside it; a blur or smear
 * keeps less. */
#define SHOT_SHARP_SHARE 0.5

/* Whether a picture of its own lies in frames from..to between frames lo and hi: a shot is a
 * picture, its sharpest frame at least SHOT_SHARP_SHARE as sharp (edges of that kind) as the
 * pictures either side; a transition's middle (a blur, a blank, a whip pan's smear) is not. */
int shot_sharp_between(const engine_feature_track *t, size_t lo, size_t hi, size_t from, size_t to,
                       enum shot_edges kind);

/* Signals of a track every finder uses. */
typedef struct shot_signals {
    const engine_feature_track *track;
    double fps;
    /* d1[i] = change of frame i from frame i-1 (engine_frame_distance; d1[0] = 0) and motion[i]
     * its luma change, both per frame interval: after a gap (frames a variable-frame-rate stream
     * dropped) only what exceeds the local per-interval change over the gap counts */
    double *d1, *motion;
    double hard_threshold, gradual_threshold; /* the models' probabilities to keep a candidate */
} shot_signals;

/* Fills s for track t (at least two frames). Returns 0 or RC_ENOMEM; free with
 * shot_signals_free either way. */
int shot_signals_init(shot_signals *s, const engine_feature_track *t, double hard_threshold,
                      double gradual_threshold);
void shot_signals_free(shot_signals *s);

/* Plane p (0 luma, 1 Cb, 2 Cr) of f's grid of block means. */
static inline const uint8_t *shot_grid_plane(const engine_frame_features *f, int p) {
    return p == 0 ? f->grid_y : p == 1 ? f->grid_u : f->grid_v;
}

/* The two halves of engine_frame_distance, each in [0,1]: histograms only, layout only. */
double shot_hist_distance(const engine_frame_features *a, const engine_frame_features *b);
double shot_grid_distance(const engine_frame_features *a, const engine_frame_features *b);

/* Whether a different picture lies between frames a < b: how far the frames between stray
 * from the straight path of the layout from a to b, as (|a-m| + |m-b|) / |a-b| at its largest
 * (grid means, no clipping). A blend or a wipe moves every cell from its old value to its new
 * one (1.0); a shot between two transitions is off that path (well above). */
double shot_detour(const engine_feature_track *t, size_t a, size_t b);

/* Whether frames first < last show the camera moving over one scene: a pan (or whip) shows, at
 * its end, the picture of its start moved by the camera's travel (the sum of the frames' shifts
 * after first) where the two still overlap; a wipe, dissolve, slide or cut between two shots
 * does not. Returns the least mean difference of last's grid to first's moved by the travel (all
 * three planes, searched a cell either way for the error the shifts add up to), over the cells
 * that overlap, as a share of their difference unmoved: near 0 for a pan, about 1 or more for a
 * new picture; 1 when the travel is under a grid cell or leaves too little overlap to judge. */
double shot_pan_left(const engine_feature_track *t, size_t first, size_t last);

/* Frames in `seconds` at the track's rate, at least `min`. */
size_t shot_frames_for(double seconds, double fps, size_t min);

/* The longest gradual transition looked for, in frames at s's rate (the scan's longest window). */
size_t shot_transition_max(const shot_signals *s);

/* Share of the layout change between frames a and b that happened monotonically (each grid cell
 * moving once from its old value to its new one, as in a dissolve or wipe), or -1 when too few
 * cells change to judge. coarse = judge 2x2 blocks of cells. */
double shot_monotone_share(const engine_feature_track *t, size_t a, size_t b, int coarse);

/* Hard cuts: single-frame changes that stand out from their neighbourhood, hold, and do not undo
 * a short disturbance (flash, corrupt frame). */
int shot_find_hard(const shot_signals *s, shot_cand_list *out);

/* Fades through black or white: a run of dark (bright) frames between two different pictures
 * that hold (they still differ a quarter second further out: a flash is no picture). */
int shot_find_fades(const shot_signals *s, shot_cand_list *out);

/* Gradual transitions: multi-length span candidates scored by the trained model. Returns 0 or
 * RC_ENOMEM. */
int shot_find_gradual(const shot_signals *s, shot_cand_list *out);

/* A trained model (bench/shots/train.py writes shots_model_data.h): boosted depth-3 decision
 * trees over measured features. Tree k's internal nodes are feature[k][0..6] > threshold_at[k][..]
 * (node i's children 2i+1, 2i+2; feature -1 = always left), its leaves leaf[k][0..7]. */
typedef struct shot_model {
    int trees;
    const signed char (*feature)[7];
    const double (*threshold_at)[7];
    const double (*leaf)[8];
    double bias;
    double threshold; /* a candidate is kept from this probability on */
} shot_model;

extern const shot_model shot_gradual_model, shot_hard_model;

/* The model's probability that x (its features, in the order of its names) is a boundary. */
double shot_model_probability(const shot_model *m, const double *x);

#define SHOT_GRADUAL_FEATURES 26
#define SHOT_HARD_FEATURES 14
#define SHOT_MAX_FEATURES                                                                          \
    (SHOT_GRADUAL_FEATURES > SHOT_HARD_FEATURES ? SHOT_GRADUAL_FEATURES : SHOT_HARD_FEATURES)
extern const char *const shot_gradual_feature_names[SHOT_GRADUAL_FEATURES];
extern const char *const shot_hard_feature_names[SHOT_HARD_FEATURES];

/* The picture network (shots_net.c): seven pictures of a window lo..hi in a track of n frames -
 * a window's length before it, lo, its quarters, hi, a window's length after it (clamped to the
 * track) - and its score for them, a logit, or SHOT_NET_NONE when the track holds no pictures
 * (a track built by hand), they cannot be read back, or no network was trained. A shot_net is the
 * scratch memory of one scoring at a time. */
#define SHOT_NET_PICTURES 7
#define SHOT_NET_NONE 0.0
typedef struct shot_net shot_net;
shot_net *shot_net_new(void); /* NULL: out of memory */
void shot_net_free(shot_net *n);
void shot_net_positions(size_t lo, size_t hi, size_t n, size_t at[SHOT_NET_PICTURES]);
double shot_net_score(shot_net *n, const engine_feature_track *t, size_t lo, size_t hi);

/* One candidate as a model sees it: a gradual window lo..hi, or a hard cut at frame hi
 * (lo = hi - 1). */
typedef struct shot_sample {
    int hard; /* 1: shot_hard_model and its features, 0: gradual */
    size_t lo, hi;
    double x[SHOT_MAX_FEATURES];
    double probability;
} shot_sample;

typedef void (*shot_sample_fn)(void *user, const shot_sample *s);

/* Scans for gradual (hard) candidates, calling fn for each with its features and probability,
 * kept or not. Return 0 or RC_ENOMEM. */
int shot_scan_gradual(const shot_signals *s, shot_sample_fn fn, void *user);
int shot_scan_hard(const shot_signals *s, shot_sample_fn fn, void *user);

/* Every candidate of both kinds of track t (for the training script's data dump,
 * bench/tools/shots_detect --candidates). Returns 0 or RC_ENOMEM. */
int shot_candidates(const engine_feature_track *t, shot_sample_fn fn, void *user);

#endif
