/* shots: the public detector - runs the finders (shots_hard.c, shots_gradual.c) and keeps one
 * boundary per transition. */
#include "engine/shots/shots.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shots/shots_int.h"
#include "util/log.h"

#define WINDOW_SLACK 2 /* frames either side of a gradual window still counted as its own */
#define GAP_MIN 1.5    /* a frame interval this many times the usual one follows dropped frames */
#define GAP_CONTEXT 4  /* frames either side whose change per interval is the local one */
/* Two boundaries whose spans lie closer than NEAR_S are one transition unless a different
 * picture lies between them: a detour (shot_detour) of at least DETOUR_SHOT. */
#define NEAR_S 0.5
#define DETOUR_SHOT 1.3
#define BLANK_SPREAD 16 /* grid luma range (0..255) under which a picture is blank */

void engine_shot_opts_default(engine_shot_opts *opts) {
    opts->min_shot = ENGINE_SHOT_MIN_DEFAULT;
    opts->hard_threshold = opts->gradual_threshold = 0;
}

void engine_shot_list_free(engine_shot_list *list) {
    if (!list)
        return;
    free(list->items);
    memset(list, 0, sizeof(*list));
}

double engine_frame_distance(const engine_frame_features *a, const engine_frame_features *b) {
    double hy = 0, huv = 0, gy = 0, guv = 0;
    for (int i = 0; i < ANALYZE_LUMA_BINS; i++)
        hy += fabs((double)a->hist_y[i] - b->hist_y[i]);
    for (int i = 0; i < ANALYZE_CHROMA_BINS; i++)
        huv += fabs((double)a->hist_uv[i] - b->hist_uv[i]);
    for (int i = 0; i < ANALYZE_GRID_CELLS; i++) {
        gy += abs(a->grid_y[i] - b->grid_y[i]);
        guv += abs(a->grid_u[i] - b->grid_u[i]) + abs(a->grid_v[i] - b->grid_v[i]);
    }
    /* Mean cell change of 64/255 (a quarter of the range) counts as a full layout change. */
    gy = fmin(1.0, gy / ANALYZE_GRID_CELLS / 64.0);
    guv = fmin(1.0, guv / ANALYZE_GRID_CELLS / 64.0);
    double luma = 0.5 * (0.5 * hy + gy), colour = 0.5 * (0.5 * huv + guv);
    return luma > colour ? luma : colour;
}

double shot_hist_distance(const engine_frame_features *a, const engine_frame_features *b) {
    double hy = 0, huv = 0;
    for (int i = 0; i < ANALYZE_LUMA_BINS; i++)
        hy += fabs((double)a->hist_y[i] - b->hist_y[i]);
    for (int i = 0; i < ANALYZE_CHROMA_BINS; i++)
        huv += fabs((double)a->hist_uv[i] - b->hist_uv[i]);
    return 0.5 * fmax(hy, huv);
}

double shot_grid_distance(const engine_frame_features *a, const engine_frame_features *b) {
    double gy = 0, guv = 0;
    for (int i = 0; i < ANALYZE_GRID_CELLS; i++) {
        gy += abs(a->grid_y[i] - b->grid_y[i]);
        guv += abs(a->grid_u[i] - b->grid_u[i]) + abs(a->grid_v[i] - b->grid_v[i]);
    }
    return fmin(1.0, fmax(gy, guv) / ANALYZE_GRID_CELLS / 64.0);
}

double shot_detour(const engine_feature_track *t, size_t a, size_t b) {
    const engine_frame_features *fa = &t->frames[a], *fb = &t->frames[b];
    double worst = 1.0, direct = 0;
    for (int c = 0; c < ANALYZE_GRID_CELLS; c++)
        direct += abs(fa->grid_y[c] - fb->grid_y[c]) + abs(fa->grid_u[c] - fb->grid_u[c]) +
                  abs(fa->grid_v[c] - fb->grid_v[c]);
    /* coding noise and in-shot motion stray a little from any path: 4 levels a cell */
    direct += 4.0 * ANALYZE_GRID_CELLS;
    for (size_t k = a + 1; k < b; k++) {
        const engine_frame_features *m = &t->frames[k];
        double via = 0;
        for (int c = 0; c < ANALYZE_GRID_CELLS; c++)
            via += abs(fa->grid_y[c] - m->grid_y[c]) + abs(fa->grid_u[c] - m->grid_u[c]) +
                   abs(fa->grid_v[c] - m->grid_v[c]) + abs(m->grid_y[c] - fb->grid_y[c]) +
                   abs(m->grid_u[c] - fb->grid_u[c]) + abs(m->grid_v[c] - fb->grid_v[c]);
        worst = fmax(worst, via / direct);
    }
    return worst;
}

/* Value of plane p of f's grid at the fractional cell position (r, c) (cell centres at whole
 * numbers), bilinear between the four nearest cells; the caller keeps (r, c) inside the grid. */
static double grid_at(const engine_frame_features *f, int p, double r, double c) {
    const uint8_t *g = shot_grid_plane(f, p);
    int r0 = (int)r, c0 = (int)c;
    int r1 = r0 + 1 < ANALYZE_GRID_H ? r0 + 1 : r0, c1 = c0 + 1 < ANALYZE_GRID_W ? c0 + 1 : c0;
    double fr = r - r0, fc = c - c0;
    double top = g[r0 * ANALYZE_GRID_W + c0] * (1 - fc) + g[r0 * ANALYZE_GRID_W + c1] * fc;
    double bottom = g[r1 * ANALYZE_GRID_W + c0] * (1 - fc) + g[r1 * ANALYZE_GRID_W + c1] * fc;
    return top * (1 - fr) + bottom * fr;
}

#define PAN_MIN_CELLS 8 /* overlapping grid cells to compare at least */
#define PAN_STEPS 4     /* a cell either way around the measured travel (its error) ... */
#define PAN_STEP 0.25   /* ... in steps of this */

/* Cells k of 0..n-1 whose place moved back by s, k - s, still lies on the grid. */
static int overlap(int n, double s) {
    int k = 0;
    for (int i = 0; i < n; i++)
        k += i - s >= 0 && i - s <= n - 1;
    return k;
}

/* b against a moved by (mx, my) cells: the mean difference over the cells that overlap (all
 * three planes) as a share of their difference unmoved, -1 when fewer than PAN_MIN_CELLS
 * overlap. */
static double moved_left(const engine_frame_features *a, const engine_frame_features *b, double mx,
                         double my) {
    double moved = 0, still = 0;
    int cells = 0;
    for (int r = 0; r < ANALYZE_GRID_H; r++)
        for (int c = 0; c < ANALYZE_GRID_W; c++) {
            double ar = r - my, ac = c - mx; /* where b's cell was in a */
            if (ar < 0 || ac < 0 || ar > ANALYZE_GRID_H - 1 || ac > ANALYZE_GRID_W - 1)
                continue;
            cells++;
            for (int p = 0; p < 3; p++) {
                double v = grid_at(b, p, r, c);
                moved += fabs(v - grid_at(a, p, ar, ac));
                still += fabs(v - grid_at(a, p, r, c));
            }
        }
    if (cells < PAN_MIN_CELLS)
        return -1;
    return (moved + 1.0 * cells) / (still + 1.0 * cells);
}

double shot_pan_left(const engine_feature_track *t, size_t first, size_t last) {
    const engine_frame_features *a = &t->frames[first], *b = &t->frames[last];
    double tx = 0, ty = 0;
    for (size_t k = first + 1; k <= last; k++) {
        tx += t->frames[k].cam_dx;
        ty += t->frames[k].cam_dy;
    }
    double sx = tx / (ANALYZE_THUMB_W / ANALYZE_GRID_W),
           sy = ty / (ANALYZE_THUMB_H / ANALYZE_GRID_H);
    if ((fabs(sx) < 1 && fabs(sy) < 1) ||
        overlap(ANALYZE_GRID_W, sx) * overlap(ANALYZE_GRID_H, sy) < PAN_MIN_CELLS)
        return 1; /* (a search offset must not add the overlap the travel leaves out) */
    double best = -1;
    for (int ox = -PAN_STEPS; ox <= PAN_STEPS; ox++)
        for (int oy = -PAN_STEPS; oy <= PAN_STEPS; oy++) {
            double left = moved_left(a, b, sx + ox * PAN_STEP, sy + oy * PAN_STEP);
            if (left >= 0 && (best < 0 || left < best))
                best = left;
        }
    return best < 0 ? 1 : best;
}

/* A blank picture (the black middle of a circle crop): its layout is one level. */
static int blank(const engine_frame_features *f) {
    int lo = 255, hi = 0;
    for (int c = 0; c < ANALYZE_GRID_CELLS; c++) {
        lo = f->grid_y[c] < lo ? f->grid_y[c] : lo;
        hi = f->grid_y[c] > hi ? f->grid_y[c] : hi;
    }
    return hi - lo < BLANK_SPREAD;
}

static int cmp_priority(const void *pa, const void *pb) {
    const shot_candidate *a = pa, *b = pb;
    if (a->kind != b->kind) /* hard cuts are placed exactly, fades next, gradual last */
        return a->kind == ENGINE_CUT_HARD   ? -1
               : b->kind == ENGINE_CUT_HARD ? 1
               : a->kind == ENGINE_CUT_FADE ? -1
                                            : 1;
    if (a->strength != b->strength)
        return (a->strength < b->strength) - (a->strength > b->strength);
    return (a->frame > b->frame) - (a->frame < b->frame);
}

static int cmp_boundary_time(const void *pa, const void *pb) {
    const engine_shot_boundary *a = pa, *b = pb;
    return (a->time > b->time) - (a->time < b->time);
}

/* Where hard cut c lies in fade f's span lo..hi. A fade's frames may spike, so a cut inside it
 * is the fade's (FADE_INSIDE: the fade counts); but a one-frame step into its empty frames
 * (lo + 1) or out of them (hi) is a cut (FADE_EDGE: a cut to black that then fades in is that
 * cut - the boundary goes at the cut, and the fade's span stays taken). */
enum { NOT_IN_FADE, FADE_EDGE, FADE_INSIDE };
static int in_fade(const shot_candidate *c, const shot_candidate *f) {
    if (c->kind != ENGINE_CUT_HARD || f->kind != ENGINE_CUT_FADE || c->frame <= f->lo ||
        c->frame > f->hi)
        return NOT_IN_FADE;
    return c->frame == f->lo + 1 || c->frame == f->hi ? FADE_EDGE : FADE_INSIDE;
}

/* Whether candidate c is a transition already accepted (a), seen at another length. */
static int same_transition(const shot_candidate *c, const shot_candidate *a) {
    if (c->kind == ENGINE_CUT_HARD && a->kind == ENGINE_CUT_HARD)
        return c->frame == a->frame;
    if (c->kind == ENGINE_CUT_HARD) /* (a cut inside a fade: the accepting loop's scan) */
        return 0;
    /* a window holding an accepted hard cut, give or take the frames where a window's edge
     * is uncertain (a transition's last step can look like a cut) */
    if (a->kind == ENGINE_CUT_HARD)
        return a->frame + WINDOW_SLACK > c->lo && a->frame <= c->hi + WINDOW_SLACK;
    /* a window holding an accepted boundary, or whose boundary lies inside an accepted window */
    return (a->frame > c->lo && a->frame <= c->hi) ||
           (a->kind != ENGINE_CUT_HARD && c->frame > a->lo && c->frame <= a->hi);
}

int shot_sharp_between(const engine_feature_track *t, size_t lo, size_t hi, size_t from, size_t to,
                       enum shot_edges kind) {
    double best = 0;
    for (size_t k = from; k <= to && k < t->nb_frames; k++)
        best = fmax(best, shot_edge_share(&t->frames[k], kind));
    return best >= SHOT_SHARP_SHARE * fmin(shot_edge_share(&t->frames[lo], kind),
                                           shot_edge_share(&t->frames[hi], kind));
}

/* Whether c and an accepted a, spans closer than NEAR_S, have no other picture between them:
 * two steps of one transition (a wipe's window and its last strip, two windows of one long
 * dissolve). Boundaries 0.4 s apart with a shot between stay two. Two hard cuts with a sharp
 * picture between them (shot_sharp_between) are two cuts even to a look-alike view; what a whip
 * pan's two ends frame is a blur. */
static int one_transition(const shot_signals *s, const shot_candidate *c, const shot_candidate *a) {
    size_t lo = c->lo < a->lo ? c->lo : a->lo, hi = c->hi > a->hi ? c->hi : a->hi;
    size_t gap_lo = c->hi < a->hi ? c->hi : a->hi, gap_hi = c->lo > a->lo ? c->lo : a->lo;
    if (gap_hi > gap_lo && gap_hi - gap_lo > shot_frames_for(NEAR_S, s->fps, 1))
        return 0;
    if (c->kind == ENGINE_CUT_HARD && a->kind == ENGINE_CUT_HARD && gap_hi > gap_lo &&
        shot_sharp_between(s->track, lo, hi, gap_lo, gap_hi - 1, SHOT_EDGES_ALL))
        return 0;
    double detour = shot_detour(s->track, lo, hi);
    log_debug("shots: %zu (%zu-%zu) and %zu (%zu-%zu): detour %.2f", c->frame, c->lo, c->hi,
              a->frame, a->lo, a->hi, detour);
    return detour < DETOUR_SHOT;
}

/* Whether gradual window c spans two transitions found on their own: two kept, shorter gradual
 * windows whose boundaries lie inside it, one after the other, that are not one transition
 * (one_transition: a shot lies between them). The longer window's boundary would land in that shot
 * and hide both, however likely the model finds it: the two windows of their own win. Only the
 * first INNER_MAX windows inside are looked at. */
#define INNER_MAX 64
static int holds_two(const shot_signals *s, const shot_cand_list *cands, const shot_candidate *c) {
    if (c->kind != ENGINE_CUT_GRADUAL)
        return 0;
    const shot_candidate *inner[INNER_MAX];
    size_t n = 0;
    for (size_t k = 0; k < cands->count && n < INNER_MAX; k++) {
        const shot_candidate *w = &cands->items[k];
        if (w != c && w->kind == ENGINE_CUT_GRADUAL && w->frame > c->lo && w->frame <= c->hi &&
            w->hi - w->lo < c->hi - c->lo)
            inner[n++] = w;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (inner[i]->hi <= inner[j]->lo && !one_transition(s, inner[j], inner[i]))
                return 1;
    return 0;
}

/* Some transitions pass through a blank or blurred picture (circle and rectangle crops, blurs,
 * pixelisation) and look like two gradual transitions back to back. A shot is a picture: when
 * nothing between two gradual boundaries is even half as sharp as the pictures either side, the
 * two are one transition, and one boundary (in the middle) stays - if the two together are no
 * longer than the longest transition looked for (a soft picture between two transitions seconds
 * apart is a shot). `accepted` holds the candidates of out's boundaries, in out's original order
 * (matched by frame). */
static void merge_halves(const shot_signals *s, engine_shot_list *out,
                         const shot_candidate *accepted) {
    const engine_feature_track *t = s->track;
    size_t kept = 0;
    for (size_t i = 0; i < out->count; i++) {
        engine_shot_boundary *b = &out->items[i];
        if (kept && b->kind == ENGINE_CUT_GRADUAL &&
            out->items[kept - 1].kind == ENGINE_CUT_GRADUAL) {
            const shot_candidate *c1 = NULL, *c2 = NULL;
            for (size_t k = 0; k < out->count; k++) {
                if (accepted[k].frame == out->items[kept - 1].frame)
                    c1 = &accepted[k];
                if (accepted[k].frame == b->frame)
                    c2 = &accepted[k];
            }
            if (c1 && c2 && c1->lo < c2->lo && c2->hi - c1->lo < shot_transition_max(s)) {
                size_t from = c1->hi < c2->lo ? c1->hi : c1->frame;
                size_t to = c1->hi < c2->lo ? c2->lo : c2->frame;
                /* ... and the middle is blank, or on the way from one picture to the other (a
                 * blur); a smooth picture of its own (a gradient) is a shot */
                int middle_blank = 0;
                for (size_t k = from; k <= to && !middle_blank; k++)
                    middle_blank = blank(&t->frames[k]);
                if (!shot_sharp_between(t, c1->lo, c2->hi, from, to, SHOT_EDGES_ALL) &&
                    (middle_blank || shot_detour(t, c1->lo, c2->hi) < DETOUR_SHOT)) {
                    size_t mid = (out->items[kept - 1].frame + b->frame) / 2;
                    out->items[kept - 1].frame = mid;
                    out->items[kept - 1].time = t->frames[mid].pts;
                    continue;
                }
            }
        }
        out->items[kept++] = *b;
    }
    out->count = kept;
}

static int cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Changes per frame interval. A frame that follows a gap of g usual intervals (a variable frame
 * rate stream that dropped frames) had g intervals to change: a moving picture changes about g
 * times as much, a cut no more. Of such a frame's change v, what exceeds g - 1 intervals at the
 * local rate (the largest per-interval change of the GAP_CONTEXT frames either side) counts, and
 * at least v / g. Constant-frame-rate tracks are unchanged. */
static int per_interval(const engine_feature_track *t, double *d1, double *motion) {
    size_t n = t->nb_frames;
    double *gap = malloc(n * sizeof(double)), *sorted = malloc(n * sizeof(double));
    int rc = 0;
    if (!gap || !sorted) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t i = 1; i < n; i++)
        sorted[i - 1] = t->frames[i].pts - t->frames[i - 1].pts;
    qsort(sorted, n - 1, sizeof(double), cmp_double);
    double usual = sorted[(n - 1) / 2];
    int gaps = 0;
    gap[0] = 1;
    for (size_t i = 1; i < n; i++) {
        double g = usual > 0 ? (t->frames[i].pts - t->frames[i - 1].pts) / usual : 1;
        gap[i] = g >= GAP_MIN ? g : 1;
        gaps += gap[i] > 1;
    }
    for (int pass = 0; pass < 2 && gaps; pass++) {
        double *v = pass ? motion : d1;
        memcpy(sorted, v, n * sizeof(double));
        for (size_t i = 1; i < n; i++) {
            if (gap[i] <= 1)
                continue;
            double local = 0;
            for (size_t k = i > GAP_CONTEXT ? i - GAP_CONTEXT : 1; k <= i + GAP_CONTEXT && k < n;
                 k++)
                if (k != i)
                    local = fmax(local, sorted[k] / gap[k]);
            v[i] = fmax(sorted[i] / gap[i], sorted[i] - (gap[i] - 1) * local);
        }
    }
out:
    free(gap);
    free(sorted);
    return rc;
}

int shot_signals_init(shot_signals *s, const engine_feature_track *t, double hard_threshold,
                      double gradual_threshold) {
    size_t n = t->nb_frames;
    *s = (shot_signals){t,
                        t->frame_rate > 0 ? t->frame_rate : 25,
                        calloc(n, sizeof(double)),
                        calloc(n, sizeof(double)),
                        hard_threshold,
                        gradual_threshold};
    if (!s->d1 || !s->motion)
        return RC_ENOMEM;
    for (size_t i = 1; i < n; i++) {
        s->d1[i] = engine_frame_distance(&t->frames[i - 1], &t->frames[i]);
        s->motion[i] = t->frames[i].motion;
    }
    return per_interval(t, s->d1, s->motion);
}

void shot_signals_free(shot_signals *s) {
    free(s->d1);
    free(s->motion);
    s->d1 = s->motion = NULL;
}

int engine_detect_shots(const engine_feature_track *t, const engine_shot_opts *opts,
                        engine_shot_list *out) {
    memset(out, 0, sizeof(*out));
    engine_shot_opts defaults;
    engine_shot_opts_default(&defaults);
    if (!opts)
        opts = &defaults;
    size_t n = t->nb_frames;
    if (n < 2)
        return 0;
    shot_signals s;
    shot_cand_list cands = {0};
    int rc = shot_signals_init(
        &s, t, opts->hard_threshold > 0 ? opts->hard_threshold : shot_hard_model.threshold,
        opts->gradual_threshold > 0 ? opts->gradual_threshold : shot_gradual_model.threshold);
    shot_candidate *accepted = calloc(n, sizeof(shot_candidate));
    out->items = calloc(n, sizeof(*out->items));
    if (!rc && (!accepted || !out->items))
        rc = RC_ENOMEM;
    if (rc)
        goto out;
    rc = shot_find_hard(&s, &cands);
    if (!rc)
        rc = shot_find_fades(&s, &cands);
    if (!rc)
        rc = shot_find_gradual(&s, &cands);
    if (rc)
        goto out;
    if (cands.count)
        qsort(cands.items, cands.count, sizeof(shot_candidate), cmp_priority);
    /* (frame pts are stream time; the duration counts from the stream's start, t->origin) */
    double start = t->frames[0].pts;
    double end = t->duration > 0 ? t->origin + t->duration : t->frames[n - 1].pts;
    /* ties at exactly min_shot (a 0.4 s shot at 25 fps) keep the boundary */
    double min_shot = opts->min_shot - 1e-6;
    for (size_t c = 0; c < cands.count; c++) {
        const shot_candidate *cd = &cands.items[c];
        double at = t->frames[cd->frame].pts;
        if (at - start < min_shot || end - at < min_shot)
            continue;
        int clash = holds_two(&s, &cands, cd);
        const shot_candidate *taken = cd; /* the span the boundary takes: a fade's at its edge */
        for (size_t k = 0; k < cands.count && !clash; k++) {
            int where = in_fade(cd, &cands.items[k]);
            clash = where == FADE_INSIDE;
            taken = where == FADE_EDGE ? &cands.items[k] : taken;
        }
        for (size_t k = 0; k < out->count && !clash; k++)
            clash = fabs(out->items[k].time - at) < min_shot || same_transition(cd, &accepted[k]) ||
                    one_transition(&s, cd, &accepted[k]);
        if (clash)
            continue;
        accepted[out->count] = *taken;
        accepted[out->count].frame = cd->frame;
        out->items[out->count++] = (engine_shot_boundary){cd->frame, at, cd->kind, cd->strength};
    }
    if (out->count)
        qsort(out->items, out->count, sizeof(*out->items), cmp_boundary_time);
    merge_halves(&s, out, accepted);
out:
    shot_signals_free(&s);
    free(accepted);
    free(cands.items);
    if (rc)
        engine_shot_list_free(out);
    return rc;
}
