/* shots_gradual: gradual transitions (dissolves, wipes, slides, any xfade-like change) at every
 * length from a few frames to seconds.
 *
 * For each window length L of a geometric series, the change across every window of L frames
 * is measured. A transition of about L frames shows as a window whose change stands out from the
 * windows of the same length just before and just after it (both lie inside stable shots), while
 * camera motion changes every window alike. Each such window becomes a candidate, described by
 * measured cues (how much it changes, how it compares with its neighbours, whether the picture
 * changed monotonically as in a blend or a wipe, or back and forth as in motion, whether a single
 * frame carries the change, brightness dips, motion energy, how much global camera motion -
 * shift, zoom - explains, motion blur), and small boosted decision trees trained on
 * generated cases (bench/shots/train.py, tuning seeds only) turns the cues into a probability. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shots/shots_int.h"
#include "util/log.h"

#define LAG_MIN 4         /* frames: shorter changes are hard cuts */
#define LAG_GROWTH 1.4    /* window lengths grow by this factor */
#define LAG_MAX 128       /* frames ... */
#define LAG_MAX_S 4.0     /* ... and seconds: the longest transition looked for */
#define SCAN_MIN 0.10     /* a window must change at least this much to be a candidate */
#define SCAN_CONTRAST 1.2 /* ... and this many times more than a same-length neighbour */
#define EPS 0.02          /* keeps ratios of small distances finite */
/* Camera motion, not a transition (whatever the model says):
 * - the camera travelled more than TRAVEL_MAX picture sizes inside the window - a slide moves
 *   one picture out (the tuning range's true windows reach 1.17, shots' own pans included);
 * - or it moved at one steady velocity of at least STEADY_SPEED thumbnail pixels a frame through
 *   the window and went on at that velocity for a window's length before and after it, wherever
 *   that can be measured (a picture with too little luma change, SHOT_MEASURABLE_LUMA, shows no
 *   shift): a slide starts and stops with its transition. */
#define TRAVEL_MAX 2.5
#define STEADY_SPEED 2
#define STEADY_SHARE 0.6  /* of the frames inside within a pixel of the median shift */
#define GOES_ON_SHARE 0.8 /* of the measurable frames on a side */

const char *const shot_gradual_feature_names[SHOT_GRADUAL_FEATURES] = {
    "change",        /* distance between the window's end frames (flash-robust) */
    "contrast_low",  /* log of change / the smaller-contrast neighbour's change */
    "contrast_high", /* log of change / the other neighbour's change */
    "monotone",      /* share of the layout change that was monotone (0 = undecided) */
    "monotone_coarse",
    "hist_change",     /* histogram-only distance across the window */
    "grid_change",     /* layout-only distance across the window */
    "path",            /* log of (sum of frame-to-frame changes) / change */
    "peak",            /* largest frame-to-frame change / change */
    "dip",             /* brightness dip below both ends, /64 */
    "bump",            /* brightness bump above both ends, /64 */
    "motion_ratio",    /* log of motion inside / motion in the neighbour windows */
    "seconds",         /* log of the window length in seconds */
    "between",         /* share of cells of the middle frames lying between their end values */
    "edge_change",     /* mean edge change ratio inside the window */
    "explained",       /* share of the motion inside that a global shift explains (pans, whips) */
    "travel",          /* camera travel inside the window, in picture widths */
    "sharpness",       /* log of the least edge density inside / the blurrier end's (blur) */
    "zooming",         /* camera zoom inside the window: sum of |log scale| */
    "returns_after",   /* least distance of the first frame to the frames up to a window after
                        * the last, / change: a disturbance goes away, a new shot stays */
    "seen_before",     /* least distance of the last frame to the frames up to a window before
                        * the first, / change */
    "travel_frames",   /* camera travel inside the window in picture sizes (x in widths, y in
                        * heights): a slide moves one picture out, whatever its direction */
    "travel_contrast", /* log of the camera speed inside / in the neighbour windows: a slide
                        * starts and stops at once, a pan goes on */
    "pan_left",        /* share of the end frames' difference left where they overlap once the
                        * last is moved back by the camera's travel (shot_pan_left; the least of
                        * the ends moved by 0 or 2 frames, as change: a flash cannot hide it) */
    "stretch",         /* log of the window's time per frame / its neighbours' (frames dropped
                        * inside a window of a variable-frame-rate video make it change more) */
    "picture",         /* the picture network's logit for the window's seven thumbnails
                        * (shots_net.c) */
};

/* The least of measure(t, a, b) over the window lo..hi's ends moved outwards by 0 or 2 frames
 * (where the track has them): a flash or corrupt frame on either end can neither fake nor hide
 * what the window shows. */
static double least_over_ends(const engine_feature_track *t, size_t lo, size_t hi,
                              double (*measure)(const engine_feature_track *, size_t, size_t)) {
    double best = INFINITY;
    for (size_t da = 0; da <= 2 && da <= lo; da += 2)
        for (size_t db = 0; db <= 2 && hi + db < t->nb_frames; db += 2)
            best = fmin(best, measure(t, lo - da, hi + db));
    return best;
}

static double distance_between(const engine_feature_track *t, size_t a, size_t b) {
    return engine_frame_distance(&t->frames[a], &t->frames[b]);
}

/* Share of (cell, middle frame) values that lie between the end frames' values of that cell (a
 * blend or a wipe: always; motion: rarely). Only cells that change count; -1 if none do. */
static double between_share(const engine_feature_track *t, size_t lo, size_t hi) {
    const engine_frame_features *a = &t->frames[lo], *b = &t->frames[hi];
    int inside = 0, total = 0;
    size_t step = (hi - lo) / 4 ? (hi - lo) / 4 : 1;
    for (size_t k = lo + step; k < hi; k += step) {
        const engine_frame_features *m = &t->frames[k];
        for (int c = 0; c < ANALYZE_GRID_CELLS; c++) {
            int va = a->grid_y[c], vb = b->grid_y[c], vm = m->grid_y[c];
            if (abs(va - vb) < 12)
                continue;
            int lo_v = va < vb ? va : vb, hi_v = va < vb ? vb : va;
            total++;
            inside += vm >= lo_v - 6 && vm <= hi_v + 6;
        }
    }
    return total ? (double)inside / total : -1;
}

enum per_frame { LUMA_CHANGE, CAMERA_SPEED };

/* Mean over frames lo..hi (clipped to the track) of a frame's luma change (motion) or camera
 * shift (in thumbnail pixels). */
static double mean_of(const engine_feature_track *t, long lo, long hi, enum per_frame what) {
    if (lo < 1)
        lo = 1;
    if (hi > (long)t->nb_frames - 1)
        hi = (long)t->nb_frames - 1;
    double sum = 0;
    long n = 0;
    for (long i = lo; i <= hi; i++, n++)
        sum += what == LUMA_CHANGE ? t->frames[i].motion
                                   : hypot(t->frames[i].cam_dx, t->frames[i].cam_dy);
    return n ? sum / n : 0;
}

/* Mean time between frames lo..hi (hi clipped to the track), or a frame at the nominal rate when
 * the span holds no interval. */
static double per_frame_time(const engine_feature_track *t, size_t lo, size_t hi, double fps) {
    if (hi > t->nb_frames - 1)
        hi = t->nb_frames - 1;
    if (hi <= lo || t->frames[hi].pts <= t->frames[lo].pts)
        return 1.0 / fps;
    return (t->frames[hi].pts - t->frames[lo].pts) / (double)(hi - lo);
}

/* Fills the features of the window lo..hi (lo + lag = hi) from the track, the frame-to-frame
 * changes d1 and the change of the same-length windows just before and after. */
static void describe(const shot_signals *s, shot_net *net, size_t lo, size_t hi, double before,
                     double after, double *x) {
    const engine_feature_track *t = s->track;
    double change = least_over_ends(t, lo, hi, distance_between); /* (flash-robust) */
    double cb = log((change + EPS) / (before + EPS)), ca = log((change + EPS) / (after + EPS));
    x[0] = change;
    x[1] = fmin(cb, ca);
    x[2] = fmax(cb, ca);
    double mono = shot_monotone_share(t, lo, hi, 0), monoc = shot_monotone_share(t, lo, hi, 1);
    x[3] = mono < 0 ? 0 : mono;
    x[4] = monoc < 0 ? 0 : monoc;
    x[5] = shot_hist_distance(&t->frames[lo], &t->frames[hi]);
    x[6] = shot_grid_distance(&t->frames[lo], &t->frames[hi]);
    double path = 0, peak = 0, lowest = 255, highest = 0, edges = 0;
    double moved = 0, unexplained = 0, travel = 0, least_sharp = 1, zooming = 0, frames = 0;
    for (size_t k = lo + 1; k <= hi; k++) {
        const engine_frame_features *f = &t->frames[k];
        path += s->d1[k];
        peak = fmax(peak, s->d1[k]);
        lowest = fmin(lowest, f->brightness);
        highest = fmax(highest, f->brightness);
        edges += f->edge_change;
        moved += f->motion;
        unexplained += f->cam_residual;
        travel += hypot(f->cam_dx, f->cam_dy);
        frames += hypot(f->cam_dx / ANALYZE_THUMB_W, f->cam_dy / ANALYZE_THUMB_H);
        zooming += f->cam_zoom > 0 ? fabs(log(f->cam_zoom)) : 0;
        if (k < hi)
            least_sharp = fmin(least_sharp, f->edge_density);
    }
    x[15] = moved > 0 ? 1.0 - unexplained / moved : 0;
    x[16] = travel / 64.0;
    double end_sharp = fmin(t->frames[lo].edge_density, t->frames[hi].edge_density);
    x[17] = log((least_sharp + 0.005) / (end_sharp + 0.005));
    x[18] = zooming;
    double back = 1, seen = 1;
    size_t n = t->nb_frames;
    for (size_t k = hi + 1; k < n && k <= hi + (hi - lo); k++)
        back = fmin(back, engine_frame_distance(&t->frames[lo], &t->frames[k]) / (change + EPS));
    for (size_t k = lo > hi - lo ? lo - (hi - lo) : 0; k < lo; k++)
        seen = fmin(seen, engine_frame_distance(&t->frames[k], &t->frames[hi]) / (change + EPS));
    x[19] = back;
    x[20] = seen;
    x[7] = log((path + EPS) / (change + EPS));
    x[8] = peak / (change + EPS);
    double end_lo = fmin(t->frames[lo].brightness, t->frames[hi].brightness);
    double end_hi = fmax(t->frames[lo].brightness, t->frames[hi].brightness);
    x[9] = fmax(0, end_lo - lowest) / 64.0;
    x[10] = fmax(0, highest - end_hi) / 64.0;
    long lag = (long)(hi - lo);
    double inside = mean_of(t, (long)lo + 1, (long)hi, LUMA_CHANGE);
    double outside = 0.5 * (mean_of(t, (long)lo - lag + 1, (long)lo, LUMA_CHANGE) +
                            mean_of(t, (long)hi + 1, (long)hi + lag, LUMA_CHANGE));
    x[11] = log((inside + 0.5) / (outside + 0.5));
    x[21] = frames;
    double speed_in = mean_of(t, (long)lo + 1, (long)hi, CAMERA_SPEED);
    double speed_out = 0.5 * (mean_of(t, (long)lo - lag + 1, (long)lo, CAMERA_SPEED) +
                              mean_of(t, (long)hi + 1, (long)hi + lag, CAMERA_SPEED));
    x[22] = log((speed_in + 0.25) / (speed_out + 0.25));
    x[12] = log((double)lag / s->fps);
    double btw = between_share(t, lo, hi);
    x[13] = btw < 0 ? 0 : btw;
    x[14] = edges / (double)lag;
    x[23] = least_over_ends(t, lo, hi, shot_pan_left);
    double stretch =
        log(per_frame_time(t, lo, hi, s->fps) /
            (0.5 * (per_frame_time(t, lo > (size_t)lag ? lo - (size_t)lag : 0, lo, s->fps) +
                    per_frame_time(t, hi, hi + (size_t)lag, s->fps))));
    x[24] = fabs(stretch) < 1e-3 ? 0 : stretch; /* (rounding of steady times is no stretch) */
    x[25] = shot_net_score(net, t, lo, hi);
}

size_t shot_transition_max(const shot_signals *s) {
    size_t lag_max = shot_frames_for(LAG_MAX_S, s->fps, LAG_MIN);
    return lag_max > LAG_MAX ? LAG_MAX : lag_max;
}

/* Scans every window length; calls fn for each candidate window. */
int shot_scan_gradual(const shot_signals *s, shot_sample_fn fn, void *user) {
    const engine_feature_track *t = s->track;
    size_t n = t->nb_frames;
    size_t lag_max = shot_transition_max(s);
    double *x = malloc(n * sizeof(double));
    shot_net *net = shot_net_new();
    if (!x || !net) {
        free(x);
        shot_net_free(net);
        return RC_ENOMEM;
    }
    for (size_t lag = LAG_MIN; lag <= lag_max && lag < n;) {
        /* x[i] = change of the window starting at frame i */
        size_t windows = n - lag;
        for (size_t i = 0; i < windows; i++)
            x[i] = engine_frame_distance(&t->frames[i], &t->frames[i + lag]);
        size_t half = lag / 2;
        for (size_t i = 0; i < windows; i++) {
            if (x[i] < SCAN_MIN)
                continue;
            /* a local maximum over windows within half a length (the first of equal ones) */
            size_t from = i > half ? i - half : 0, to = i + half < windows ? i + half : windows - 1;
            int is_max = 1;
            for (size_t j = from; j <= to && is_max; j++)
                if (x[j] > x[i] || (x[j] == x[i] && j < i))
                    is_max = 0;
            if (!is_max)
                continue;
            /* the centre of the plateau of near-maximal windows (a transition shorter than the
             * window is covered by several windows equally) */
            size_t p0 = i, p1 = i;
            while (p0 > from && x[p0 - 1] >= 0.95 * x[i])
                p0--;
            while (p1 < to && x[p1 + 1] >= 0.95 * x[i])
                p1++;
            size_t w = (p0 + p1) / 2;
            /* Near either end of the track one neighbour window does not fit: the contrast is
             * then measured against the other one alone (a shorter window would change less and
             * make a pan at the very start stand out); with neither, against what fits. */
            int has_before = w >= lag, has_after = w + lag < windows;
            double before = has_before  ? x[w - lag]
                            : has_after ? x[w + lag]
                                        : engine_frame_distance(&t->frames[0], &t->frames[w]);
            double after = has_after ? x[w + lag]
                           : has_before
                               ? x[w - lag]
                               : engine_frame_distance(&t->frames[w + lag], &t->frames[n - 1]);
            if (x[w] < SCAN_CONTRAST * fmin(before, after)) {
                log_debug("shots: gradual %.3f-%.3f s: change %.3f, neighbours %.3f and %.3f: "
                          "does not stand out",
                          t->frames[w].pts, t->frames[w + lag].pts, x[w], before, after);
                continue;
            }
            shot_sample smp = {.hard = 0, .lo = w, .hi = w + lag};
            describe(s, net, w, w + lag, before, after, smp.x);
            smp.probability = shot_model_probability(&shot_gradual_model, smp.x);
            fn(user, &smp);
        }
        size_t next = (size_t)ceil((double)lag * LAG_GROWTH);
        lag = next > lag ? next : lag + 1;
    }
    free(x);
    shot_net_free(net);
    return 0;
}

static int cmp_int(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

/* Share of frames lo..hi (clipped to 1..n-1; measurable ones only when `measured`) whose shift
 * lies within a pixel of (dx, dy); -1 when none count. */
static double share_at(const engine_feature_track *t, long lo, long hi, int dx, int dy,
                       int measured) {
    int at = 0, total = 0;
    for (long k = lo < 1 ? 1 : lo; k <= hi && k < (long)t->nb_frames; k++) {
        const engine_frame_features *f = &t->frames[k];
        if (measured && !shot_shift_measured(f))
            continue;
        total++;
        at += fabs(f->cam_dx - dx) <= 1 && fabs(f->cam_dy - dy) <= 1;
    }
    return total ? (double)at / total : -1;
}

/* Whether the window lo..hi is the camera moving steadily through it (see TRAVEL_MAX). */
static int camera_goes_on(const engine_feature_track *t, size_t lo, size_t hi) {
    size_t len = hi - lo;
    int *v = malloc(2 * len * sizeof(int));
    if (!v)
        return 0;
    for (size_t k = 0; k < len; k++) {
        v[k] = (int)lrintf(t->frames[lo + 1 + k].cam_dx);
        v[len + k] = (int)lrintf(t->frames[lo + 1 + k].cam_dy);
    }
    qsort(v, len, sizeof(int), cmp_int);
    qsort(v + len, len, sizeof(int), cmp_int);
    int dx = v[len / 2], dy = v[len + len / 2];
    free(v);
    if (abs(dx) + abs(dy) < STEADY_SPEED ||
        share_at(t, (long)lo + 1, (long)hi, dx, dy, 0) < STEADY_SHARE)
        return 0;
    /* on for a whole window either side: a window inside a slow slide has the slide's own
     * frames around it (a third of a window was too little to see it stop) */
    long side = (long)len > 3 ? (long)len : 3;
    double before = share_at(t, (long)lo - side + 1, (long)lo, dx, dy, 1);
    double after = share_at(t, (long)hi + 1, (long)hi + side, dx, dy, 1);
    if (before < 0 && after < 0)
        return 0; /* nothing measurable around: no evidence either way */
    return (before < 0 || before >= GOES_ON_SHARE) && (after < 0 || after >= GOES_ON_SHARE);
}

typedef struct collect {
    const shot_signals *s;
    shot_cand_list *out;
    int rc;
} collect;

/* The boundary inside a transition: the first frame closer to the picture after than before. */
static size_t boundary_of(const engine_feature_track *t, size_t lo, size_t hi) {
    for (size_t k = lo + 1; k <= hi; k++)
        if (engine_frame_distance(&t->frames[lo], &t->frames[k]) >=
            engine_frame_distance(&t->frames[k], &t->frames[hi]))
            return k;
    return hi;
}

static void keep_likely(void *user, const shot_sample *smp) {
    collect *c = user;
    if (c->rc || smp->probability < c->s->gradual_threshold)
        return;
    const engine_feature_track *t = c->s->track;
    if (smp->x[21] > TRAVEL_MAX || camera_goes_on(t, smp->lo, smp->hi)) {
        log_debug("shots: gradual %.3f-%.3f s: p=%.3f, camera motion", t->frames[smp->lo].pts,
                  t->frames[smp->hi].pts, smp->probability);
        return;
    }
    log_debug("shots: gradual %.3f-%.3f s: p=%.3f", t->frames[smp->lo].pts, t->frames[smp->hi].pts,
              smp->probability);
    shot_candidate cand = {boundary_of(t, smp->lo, smp->hi), ENGINE_CUT_GRADUAL, smp->probability,
                           smp->lo, smp->hi};
    c->rc = shot_cand_push(c->out, &cand);
}

/* A slide (a push) moves the old picture out and the new one in at one constant speed by exactly
 * one picture: the picture stands, moves one whole frame width (or height) at one speed, and
 * stands again. A camera cannot: it eases in and out, and pans no further than its view's margin
 * between turns. So a run of frames shifted alike (each within a pixel of the run's first shift
 * and by SLIDE_SPEED thumbnail pixels or more) travelling SLIDE_TRAVEL_LO..HI pictures along
 * its axis and less than SLIDE_ACROSS across, with SLIDE_STILL frames either side not shifted at
 * all (a computer-animated camera can pan at one speed, but not from and to a standstill at once
 * by one picture), is a transition whatever the model says of its window (the scan's windows
 * rarely fit it, and the model, seeing half a pan, doubts them). */
#define SLIDE_SPEED 2
#define SLIDE_TRAVEL_LO 0.85
#define SLIDE_TRAVEL_HI 1.2
#define SLIDE_ACROSS 0.25
#define SLIDE_STILL 3

/* Frame k's camera shift in whole thumbnail pixels (the one reading of it the slide rule uses). */
static void shift_at(const engine_feature_track *t, size_t k, long *dx, long *dy) {
    *dx = lrintf(t->frames[k].cam_dx);
    *dy = lrintf(t->frames[k].cam_dy);
}

/* Whether no frame from..to (all inside the track) is shifted at all. */
static int stands(const engine_feature_track *t, long from, long to) {
    if (from < 1 || to >= (long)t->nb_frames)
        return 0;
    for (long k = from, dx, dy; k <= to; k++) {
        shift_at(t, (size_t)k, &dx, &dy);
        if (dx || dy)
            return 0;
    }
    return 1;
}

/* Pushes a gradual candidate for every slide (see SLIDE_SPEED). Its strength is the gradual
 * threshold, the least a kept window has: where a window the model keeps overlaps it, that
 * window is the boundary, since gradual windows are taken by strength. */
static int find_slides(const shot_signals *s, shot_cand_list *out) {
    const engine_feature_track *t = s->track;
    size_t n = t->nb_frames;
    for (size_t k = 1; k < n;) {
        long dx, dy;
        shift_at(t, k, &dx, &dy);
        if (labs(dx) + labs(dy) < SLIDE_SPEED) {
            k++;
            continue;
        }
        /* the run: frames k..m-1 (frame k always belongs to its own run) */
        double tx = 0, ty = 0;
        size_t m = k;
        for (long mx, my; m < n; m++) {
            shift_at(t, m, &mx, &my);
            if (labs(mx - dx) > 1 || labs(my - dy) > 1 || labs(mx) + labs(my) < SLIDE_SPEED)
                break;
            tx += (double)mx / ANALYZE_THUMB_W;
            ty += (double)my / ANALYZE_THUMB_H;
        }
        double along = fmax(fabs(tx), fabs(ty)), across = fmin(fabs(tx), fabs(ty));
        size_t lo = k - 1, hi = m - 1;
        if (along >= SLIDE_TRAVEL_LO && along <= SLIDE_TRAVEL_HI && across < SLIDE_ACROSS &&
            hi - lo >= LAG_MIN && stands(t, (long)lo - SLIDE_STILL + 1, (long)lo) &&
            stands(t, (long)hi + 1, (long)hi + SLIDE_STILL)) {
            log_debug("shots: gradual %.3f-%.3f s: a slide (%.2f pictures at one speed)",
                      t->frames[lo].pts, t->frames[hi].pts, along);
            shot_candidate cand = {boundary_of(t, lo, hi), ENGINE_CUT_GRADUAL, s->gradual_threshold,
                                   lo, hi};
            int rc = shot_cand_push(out, &cand);
            if (rc)
                return rc;
        }
        k = m;
    }
    return 0;
}

int shot_find_gradual(const shot_signals *s, shot_cand_list *out) {
    collect c = {s, out, 0};
    int rc = shot_scan_gradual(s, keep_likely, &c);
    rc = rc ? rc : c.rc;
    return rc ? rc : find_slides(s, out);
}
