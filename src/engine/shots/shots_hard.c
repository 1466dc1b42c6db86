/* shots_hard: hard cuts and fades through black or white. A hard cut is a one-frame change that
 * stands out from the frames around it, holds, and does not undo a short disturbance; every
 * local peak of the frame-to-frame change is described by those measured cues and scored by a
 * model trained on generated cases (bench/shots/train.py). A fade is a run of empty frames. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shots/shots_int.h"
#include "util/buf.h"
#include "util/log.h"

#define HARD_SCAN_MIN 0.05  /* a cut changes at least this much between two frames */
#define HARD_CONTEXT_S 1.0  /* the "around" window on each side */
#define PERSIST_S 0.25      /* a cut's change must still hold this long after (flash test) */
#define FLAT_LUMA_SD 6.0    /* a fade's empty frame: luma spread below this ... */
#define DARK_LUMA 40.0f     /* ... and mean luma below this (black) */
#define LIGHT_LUMA 200.0f   /* ... or above this (white) */
#define EMPTY_EDGES 0.1f    /* ... and fewer edge pixels than this (a dark picture has edges) */
#define FADE_MAX_S 4.0      /* longer empty runs are scenes, not fades */
#define FADE_MIN_CHANGE 0.2 /* the pictures either side of a fade differ at least this much */
#define FLASH_AT_ONCE 0.5   /* a flash's one step in and one out: most of its change each */
/* A change that the camera's shift or zoom explains this fully (1 - residual / motion) is the
 * camera moving, not a new shot: after compensation the picture is the same. Measured on the
 * training sets (bench/shots/train.py, tuning-side seeds): no true cut of 274 above 0.91; a
 * stuttering pan (a picture held a few frames, then moved: frame-rate conversion) reaches 1.0. */
#define HARD_EXPLAINED_MAX 0.95
#define HARD_X_EXPLAINED 7 /* that share's place among the hard features ("explained") */
/* ... unless the shift is a jump from nowhere: a camera has inertia, so a shift of JUMP_MIN
 * thumbnail pixels or more with no other frame within JUMP_AROUND_S moving that way by a quarter
 * of it (and by JUMP_NEAR pixels at least) is a new picture that happens to match the old one
 * moved (colour bars, stripes, a regular pattern). A stutter's jumps repeat; a pan's and a
 * whip's neighbours move too. */
#define JUMP_MIN 4
#define JUMP_NEAR 2
#define JUMP_AROUND_S 0.5
/* A whip pan: the camera smears the picture (motion blur) for at most WHIP_S while it moves one
 * way, at least WHIP_SHIFT thumbnail pixels a frame on a third of the blurred frames. Where its
 * smear starts or ends is the camera moving too, not a cut. */
#define WHIP_S 0.5
#define WHIP_SHIFT 2

int shot_cand_push(shot_cand_list *l, const shot_candidate *c) {
    shot_candidate *p = buf_array_room(l->items, &l->cap, l->count, sizeof(*p), 64);
    if (!p)
        return RC_ENOMEM;
    l->items = p;
    l->items[l->count++] = *c;
    return 0;
}

size_t shot_frames_for(double seconds, double fps, size_t min) {
    size_t n = (size_t)lround(seconds * fps);
    return n < min ? min : n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cell_value(const engine_frame_features *f, int plane, int cell, int coarse) {
    const uint8_t *g = shot_grid_plane(f, plane);
    if (!coarse)
        return g[cell];
    int r = 2 * (cell / (ANALYZE_GRID_W / 2)), c = 2 * (cell % (ANALYZE_GRID_W / 2));
    return (g[r * ANALYZE_GRID_W + c] + g[r * ANALYZE_GRID_W + c + 1] +
            g[(r + 1) * ANALYZE_GRID_W + c] + g[(r + 1) * ANALYZE_GRID_W + c + 1] + 2) /
           4;
}

#define CELL_SIGNIFICANT 12 /* grid-cell change (0..255) that counts as a real change */

double shot_monotone_share(const engine_feature_track *t, size_t a, size_t b, int coarse) {
    double net_sum = 0, tv_sum = 0;
    int significant = 0, cells = coarse ? ANALYZE_GRID_CELLS / 4 : ANALYZE_GRID_CELLS;
    for (int plane = 0; plane < 3; plane++) {
        for (int c = 0; c < cells; c++) {
            int net = abs(cell_value(&t->frames[b], plane, c, coarse) -
                          cell_value(&t->frames[a], plane, c, coarse));
            if (net < CELL_SIGNIFICANT)
                continue;
            int tv = 0;
            for (size_t i = a + 1; i <= b; i++) {
                int step = abs(cell_value(&t->frames[i], plane, c, coarse) -
                               cell_value(&t->frames[i - 1], plane, c, coarse));
                tv += step > 1 ? step : 0; /* ignore coding noise of one level */
            }
            significant++;
            net_sum += net;
            tv_sum += tv > net ? tv : net;
        }
    }
    if (significant < cells / 6)
        return -1;
    return net_sum / tv_sum;
}

const char *const shot_hard_feature_names[SHOT_HARD_FEATURES] = {
    "change",       /* distance of the frame to the one before */
    "spike",        /* log of change / the 3rd smallest change of the 8 nearest frames */
    "context",      /* log of change / the mean change within HARD_CONTEXT_S */
    "held",         /* distance of the frame before to one PERSIST_S after, / change */
    "returns",      /* least distance of the frame to the few before the one before, / change */
    "comes_back",   /* least distance of the frame before to the few after this one, / change */
    "motion_jump",  /* log of this frame's luma change / the median of the 8 nearest */
    "explained",    /* share of the luma change a global camera shift or zoom explains */
    "edge_change",  /* edge change ratio to the frame before */
    "brightening",  /* brightness step, /64 */
    "hist_change",  /* histogram-only distance to the frame before */
    "grid_change",  /* layout-only distance to the frame before */
    "second_spike", /* the largest other change within PERSIST_S, / change */
    "luma_change",  /* mean |luma difference| to the frame before, /64 */
};

static double median_of(double *v, size_t n) {
    qsort(v, n, sizeof(double), cmp_double);
    return n ? v[n / 2] : 0;
}

/* PERSIST_S in frames of the track (2 at least). */
static size_t persist_frames(const shot_signals *s) {
    return shot_frames_for(PERSIST_S, s->fps, 2);
}

/* The features of a cut between frames i-1 and i. */
static void describe_hard(const shot_signals *s, size_t i, double *x) {
    const engine_feature_track *t = s->track;
    const double *d1 = s->d1;
    size_t n = t->nb_frames, ctx = shot_frames_for(HARD_CONTEXT_S, s->fps, 3);
    size_t persist = persist_frames(s);
    double change = d1[i];
    double near[8], moves[8];
    size_t nn = 0;
    for (size_t k = 1; k <= 4; k++) {
        if (i > k) {
            near[nn] = d1[i - k];
            moves[nn++] = s->motion[i - k];
        }
        if (i + k < n) {
            near[nn] = d1[i + k];
            moves[nn++] = s->motion[i + k];
        }
    }
    qsort(near, nn, sizeof(double), cmp_double);
    double third = nn >= 3 ? near[2] : nn ? near[nn - 1] : 0;
    double sum = 0;
    size_t cnt = 0;
    size_t lo = i > ctx ? i - ctx : 1, hi = i + ctx < n ? i + ctx : n - 1;
    for (size_t j = lo; j <= hi; j++)
        if (j + 1 < i || j > i + 1) {
            sum += d1[j];
            cnt++;
        }
    double avg = cnt ? sum / cnt : 0;
    size_t post = i + persist < n ? i + persist : n - 1;
    double returns = 1, comes_back = 1, second = 0;
    for (size_t k = 1; k <= persist; k++) {
        if (k < i)
            returns = fmin(returns, engine_frame_distance(&t->frames[i - 1 - k], &t->frames[i]) /
                                        (change + 1e-6));
        if (i + k < n) {
            comes_back =
                fmin(comes_back,
                     engine_frame_distance(&t->frames[i - 1], &t->frames[i + k]) / (change + 1e-6));
            second = fmax(second, d1[i + k]);
        }
        if (k < i)
            second = fmax(second, d1[i - k]);
    }
    const engine_frame_features *f = &t->frames[i], *p = &t->frames[i - 1];
    x[0] = change;
    x[1] = log((change + 0.01) / (third + 0.01));
    x[2] = log((change + 0.01) / (avg + 0.01));
    x[3] = engine_frame_distance(p, &t->frames[post]) / (change + 1e-6);
    x[4] = returns;
    x[5] = comes_back;
    x[6] = log((s->motion[i] + 0.5) / (median_of(moves, nn) + 0.5));
    x[HARD_X_EXPLAINED] = f->motion > 0 ? 1.0 - f->cam_residual / f->motion : 0;
    x[8] = f->edge_change;
    x[9] = (f->brightness - p->brightness) / 64.0;
    x[10] = shot_hist_distance(p, f);
    x[11] = shot_grid_distance(p, f);
    x[12] = second / (change + 1e-6);
    x[13] = s->motion[i] / 64.0;
}

/* Whether frame i's change v[i] is a local maximum (the first of equal ones) of at least min. */
static int peak_at(const double *v, size_t n, size_t i, double min) {
    return v[i] >= min && (i < 2 || v[i] > v[i - 1]) && (i + 1 >= n || v[i] >= v[i + 1]);
}

int shot_scan_hard(const shot_signals *s, shot_sample_fn fn, void *user) {
    size_t n = s->track->nb_frames;
    for (size_t i = 1; i < n; i++) {
        /* A local maximum of the frame-to-frame change: of the signature distance, or of the
         * luma change (which a cut between look-alike shots with the same colours still shows).
         * Each signal's own: busy motion's luma change can outweigh a cut's signature change. */
        if (!peak_at(s->d1, n, i, HARD_SCAN_MIN) && !peak_at(s->motion, n, i, 100 * HARD_SCAN_MIN))
            continue;
        shot_sample smp = {.hard = 1, .lo = i - 1, .hi = i};
        describe_hard(s, i, smp.x);
        smp.probability = shot_model_probability(&shot_hard_model, smp.x);
        fn(user, &smp);
    }
    return 0;
}

/* Whether the camera moved at least WHIP_SHIFT into frame f, where a shift can be measured at
 * all (a black frame's is noise). */
static int moves(const engine_frame_features *f) {
    return shot_shift_measured(f) &&
           (fabs(f->cam_dx) >= WHIP_SHIFT || fabs(f->cam_dy) >= WHIP_SHIFT);
}

/* Whether frames from..to (from >= 1, to + 1 inside the track) are a whip pan's smear of edges
 * `kind`: a blur of those edges between the sharp pictures from - 1 and to + 1
 * (shot_sharp_between), through which the camera moved one way - mostly across those edges, for
 * a smear along one way. The shift into the first sharp frame after counts too: a smear hides
 * much of its own. */
static int whip_smear(const engine_feature_track *t, size_t from, size_t to, enum shot_edges kind) {
    if (shot_sharp_between(t, from - 1, to + 1, from, to, kind))
        return 0;
    double sx = 0, sy = 0;
    int moving = 0;
    for (size_t k = from; k <= to + 1; k++) {
        const engine_frame_features *f = &t->frames[k];
        if (!moves(f))
            continue;
        moving++;
        sx += f->cam_dx;
        sy += f->cam_dy;
    }
    if (moving < 2 || (size_t)(3 * moving) < to - from + 1)
        return 0;
    if ((kind == SHOT_EDGES_ACROSS_X && fabs(sx) < fabs(sy)) ||
        (kind == SHOT_EDGES_ACROSS_Y && fabs(sy) < fabs(sx)))
        return 0;
    for (size_t k = from; k <= to + 1; k++) { /* ... and every moving frame went the same way */
        const engine_frame_features *f = &t->frames[k];
        if (moves(f) && f->cam_dx * sx + f->cam_dy * sy <= 0)
            return 0;
    }
    return 1;
}

/* Whether frame i's camera shift is a jump from nowhere (JUMP_MIN): no camera move explains it. */
static int jump_from_nowhere(const shot_signals *s, size_t i) {
    const engine_feature_track *t = s->track;
    double dx = t->frames[i].cam_dx, dy = t->frames[i].cam_dy, size = hypot(dx, dy);
    if (size < JUMP_MIN)
        return 0;
    double near = fmax(JUMP_NEAR, size / 4);
    size_t around = shot_frames_for(JUMP_AROUND_S, s->fps, 1);
    for (size_t k = i > around ? i - around : 1; k <= i + around && k < t->nb_frames; k++) {
        const engine_frame_features *f = &t->frames[k];
        if (k != i && shot_shift_measured(f) && (f->cam_dx * dx + f->cam_dy * dy) / size >= near)
            return 0; /* (the shift's length along the jump's direction) */
    }
    return 1;
}

/* A frame whose edges of `kind` are fewer than SHOT_SHARP_SHARE of sharp's: smeared. */
static int smeared(const engine_frame_features *f, const engine_frame_features *sharp,
                   enum shot_edges kind) {
    return shot_edge_share(f, kind) < SHOT_SHARP_SHARE * shot_edge_share(sharp, kind);
}

/* whip_edge below, on edges `kind`. */
static int whip_edge_of(const shot_signals *s, size_t i, enum shot_edges kind) {
    const engine_feature_track *t = s->track;
    size_t n = t->nb_frames, most = shot_frames_for(WHIP_S, s->fps, 2);
    const engine_frame_features *f = t->frames;
    size_t k = i; /* a smear from i on, after the sharp i - 1 */
    while (k < n && k - i < most && smeared(&f[k], &f[i - 1], kind))
        k++;
    if (k > i && k < n && whip_smear(t, i, k - 1, kind))
        return 1;
    size_t j = i - 1; /* a smear up to i - 1, after the sharp j */
    while (j > 0 && i - 1 - j < most && smeared(&f[j], &f[i], kind))
        j--;
    return j + 1 < i && whip_smear(t, j + 1, i - 1, kind);
}

/* Whether the hard cut at frame i (from frame i - 1) is where a whip pan's smear starts or ends:
 * the camera moving, not a new shot (what it ends on is the same scene). The smear is looked for
 * in all edges, then in those a sideways (up-and-down) smear erases: a whip over a picture of
 * horizontal lines keeps more than half its edges. */
static int whip_edge(const shot_signals *s, size_t i) {
    return whip_edge_of(s, i, SHOT_EDGES_ALL) || whip_edge_of(s, i, SHOT_EDGES_ACROSS_X) ||
           whip_edge_of(s, i, SHOT_EDGES_ACROSS_Y);
}

/* Why the hard cut at frame i is the camera moving rather than a new shot, or NULL when it is
 * not: a change a camera shift or zoom explains (HARD_EXPLAINED_MAX) that is no jump from
 * nowhere, or the start or end of a whip pan's smear. */
static const char *camera_moved(const shot_signals *s, const shot_sample *smp) {
    if (smp->x[HARD_X_EXPLAINED] >= HARD_EXPLAINED_MAX && !jump_from_nowhere(s, smp->hi))
        return "the camera's motion explains it";
    if (whip_edge(s, smp->hi))
        return "a whip pan's smear starts or ends there";
    return NULL;
}

typedef struct hard_collect {
    const shot_signals *s;
    shot_cand_list *out;
    int rc;
} hard_collect;

static void keep_cut(void *user, const shot_sample *smp) {
    hard_collect *c = user;
    if (c->rc || smp->probability < c->s->hard_threshold)
        return;
    const char *why = camera_moved(c->s, smp);
    if (why) {
        log_debug("shots: hard %.3f s: %s", c->s->track->frames[smp->hi].pts, why);
        return;
    }
    shot_candidate cand = {smp->hi, ENGINE_CUT_HARD, c->s->d1[smp->hi], smp->lo, smp->hi};
    c->rc = shot_cand_push(c->out, &cand);
}

int shot_find_hard(const shot_signals *s, shot_cand_list *out) {
    hard_collect c = {s, out, 0};
    int rc = shot_scan_hard(s, keep_cut, &c);
    return rc ? rc : c.rc;
}

/* Luma spread of a frame from its histogram (bin centres), 0..255. */
static double luma_spread(const engine_frame_features *f) {
    double mean = 0, var = 0;
    for (int i = 0; i < ANALYZE_LUMA_BINS; i++)
        mean += f->hist_y[i] * (i + 0.5) * (256.0 / ANALYZE_LUMA_BINS);
    for (int i = 0; i < ANALYZE_LUMA_BINS; i++) {
        double d = (i + 0.5) * (256.0 / ANALYZE_LUMA_BINS) - mean;
        var += f->hist_y[i] * d * d;
    }
    return sqrt(var);
}

/* 1 = black, 2 = white, 0 = a picture. The spread of a soft-binned histogram of a flat frame is
 * about half a bin (8 levels): empty frames sit well under FLAT_LUMA_SD + that. A night scene or
 * a pale static picture has as narrow a histogram, but its structure is still there: empty means
 * no edges too (the middle frames of generated fades: 2-7 % edge pixels; dark or pale pictures
 * that made false fades and hid the hard cut after them: 14-58 %). */
static int empty_kind(const engine_frame_features *f) {
    if (luma_spread(f) > FLAT_LUMA_SD + 8.0 || f->edge_density >= EMPTY_EDGES)
        return 0;
    return f->brightness < DARK_LUMA ? 1 : f->brightness > LIGHT_LUMA ? 2 : 0;
}

/* Share of the brightness change from frame `from` to frame `to` made by the one step into `to`
 * from `step` (0 when there is no change). */
static double step_share(const engine_feature_track *t, size_t from, size_t step, size_t to) {
    double total = fabs(t->frames[to].brightness - t->frames[from].brightness);
    double jump = fabs(t->frames[to].brightness - t->frames[step].brightness);
    return total > 0 ? jump / total : 0;
}

/* A run of empty frames start..end-1 and its fade lo..hi (the darkening or brightening before
 * the run and the reverse after it). */
typedef struct empty_run {
    size_t lo, start, end, hi;
} empty_run;

/* Why the empty run r, whose fade's two ends differ, is no fade, or NULL when it is one:
 * - its pictures do not hold: PERSIST_S further out they no longer differ (a flash beside a dark
 *   run, or a dark frame between flashes, is no picture of its own; after it comes the one before);
 * - it is a flash: no longer than PERSIST_S, entered and left at once - the one step into it and
 *   the one out of it (measured back from the frame after it) each make most (FLASH_AT_ONCE) of
 *   the brightness change on their side. A fade darkens or lightens the picture over frames on
 *   one side at least; a flash (or a dropped, black frame) in one, however different the pictures
 *   either side (a fast pan moves them apart). */
static const char *why_no_fade(const shot_signals *s, const empty_run *r) {
    const engine_feature_track *t = s->track;
    size_t n = t->nb_frames, persist = persist_frames(s);
    size_t before = r->lo > persist ? r->lo - persist : 0;
    size_t after = r->hi + persist < n ? r->hi + persist : n - 1;
    if (engine_frame_distance(&t->frames[before], &t->frames[after]) < FADE_MIN_CHANGE)
        return "the picture after it does not hold";
    if (r->end - r->start <= persist &&
        step_share(t, r->lo, r->start - 1, r->start) >= FLASH_AT_ONCE &&
        step_share(t, r->hi, r->end, r->end - 1) >= FLASH_AT_ONCE)
        return "lit (or darkened) at once and gone: a flash";
    return NULL;
}

int shot_find_fades(const shot_signals *s, shot_cand_list *out) {
    const engine_feature_track *t = s->track;
    size_t n = t->nb_frames, max_run = shot_frames_for(FADE_MAX_S, s->fps, 2);
    size_t i = 0;
    while (i < n) {
        int kind = empty_kind(&t->frames[i]);
        if (!kind) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && empty_kind(&t->frames[i]) == kind)
            i++;
        size_t end = i; /* one past the run */
        if (start == 0 || end >= n || end - start > max_run)
            continue;
        /* The fade spans the darkening (brightening) before the run and the reverse after it. */
        double sign = kind == 1 ? 1.0 : -1.0;
        empty_run r = {start, start, end, end - 1};
        while (r.lo > 0 && start - r.lo < max_run / 2 &&
               sign * (t->frames[r.lo - 1].brightness - t->frames[r.lo].brightness) > 0.25)
            r.lo--;
        while (r.hi + 1 < n && r.hi + 1 - end < max_run / 2 &&
               sign * (t->frames[r.hi + 1].brightness - t->frames[r.hi].brightness) > 0.25)
            r.hi++;
        double change = engine_frame_distance(&t->frames[r.lo], &t->frames[r.hi]);
        if (change < FADE_MIN_CHANGE)
            continue; /* a dip to black and back into the same picture: not a boundary */
        const char *why = why_no_fade(s, &r);
        if (why) {
            log_debug("shots: fade %.3f-%.3f s: %s", t->frames[r.lo].pts, t->frames[r.hi].pts, why);
            continue;
        }
        size_t mid = start + (end - start) / 2;
        shot_candidate c = {mid, ENGINE_CUT_FADE, change, r.lo, r.hi};
        if (shot_cand_push(out, &c))
            return RC_ENOMEM;
    }
    return 0;
}
