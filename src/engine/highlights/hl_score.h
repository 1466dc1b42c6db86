/* hl_score: per-input normalisation of the highlight signals and window scoring by prefix sums. */
#ifndef REELCUT_HL_SCORE_H
#define REELCUT_HL_SCORE_H

#include <stddef.h>

#include "engine/highlights/highlights.h"

/* Normalised per-tick strengths in [0,1] as prefix sums (n + 1 values each), so any window's mean
 * is O(1); plus what the cut rate is measured against. */
typedef struct hl_scorer {
    size_t n;
    double *speech, *loud, *motion, *cuts, *silent, *bad;
    double base_cut_rate; /* the input's own cuts per second */
    int has_audio;
} hl_scorer;

typedef struct hl_window_score {
    double score; /* [0,1] */
    double speech, loudness, motion, cut_rate;
} hl_window_score;

/* Builds the scorer for t; avoid ticks are widened by pad ticks into "bad". Returns 0 or
 * RC_ENOMEM. Free with hl_scorer_free. */
int hl_scorer_init(hl_scorer *s, const engine_hl_track *t, size_t pad);
void hl_scorer_free(hl_scorer *s);

/* Scores ticks [a, b) (a < b <= n). */
void hl_scorer_window(const hl_scorer *s, size_t a, size_t b, hl_window_score *out);

/* Number of bad (avoid or near-avoid) ticks in [a, b). */
double hl_scorer_bad(const hl_scorer *s, size_t a, size_t b);

#endif
