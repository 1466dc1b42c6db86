#include "engine/shots/shots.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Tuning. Distances are in [0,1]; windows are in seconds and converted with the track's rate. */
#define HARD_MIN 0.22       /* a hard cut changes at least this much between two frames */
#define HARD_RATIO 2.5      /* ... and this many times more than the frames around it */
#define HARD_CONTEXT_S 1.0  /* the "around" window on each side */
#define PERSIST_S 0.25      /* a cut's change must still hold this long after (flash test) */
#define GRAD_HALF_S 0.6     /* half the span over which a gradual transition is compared */
#define GRAD_MIN 0.30       /* distance between the frames before and after a transition */
#define GRAD_CONTEXT_S 3.0  /* adaptive baseline window for gradual candidates */
#define GRAD_RATIO 1.05     /* candidate vs. the median long-span change around it */
#define GRAD_STANDOUT 1.12  /* ... or this, unless it is far more monotone than around */
#define GRAD_MONOTONE 0.62  /* share of layout change that is monotone (dissolve/wipe) */
#define CELL_SIGNIFICANT 12 /* grid-cell change (0..255) that counts as a real change */
#define DARK_LUMA 24.0f     /* a fade's black frame: mean luma below this ... */
#define DARK_SHARE 0.97f    /* ... and this share of pixels below luma 32 */
#define FADE_MAX_S 4.0      /* longer dark runs are scenes, not fades */

typedef struct candidate {
    size_t frame;
    enum engine_cut_kind kind;
    double strength;
    size_t lo, hi; /* the frames the transition spans (a hard cut: frame - 1 .. frame) */
} candidate;

typedef struct cand_list {
    candidate *items;
    size_t count, cap;
} cand_list;

static int cand_push(cand_list *l, size_t frame, enum engine_cut_kind kind, double strength,
                     size_t lo, size_t hi) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        candidate *p = realloc(l->items, cap * sizeof(*p));
        if (!p)
            return RC_ENOMEM;
        l->items = p;
        l->cap = cap;
    }
    l->items[l->count++] = (candidate){frame, kind, strength, lo, hi};
    return 0;
}

void engine_shot_opts_default(engine_shot_opts *opts) {
    opts->min_shot = ENGINE_SHOT_MIN_DEFAULT;
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

static size_t frames_for(double seconds, double fps, size_t min) {
    size_t n = (size_t)lround(seconds * fps);
    return n < min ? min : n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cell_value(const engine_frame_features *f, int plane, int cell, int coarse) {
    const uint8_t *g = plane == 0 ? f->grid_y : plane == 1 ? f->grid_u : f->grid_v;
    if (!coarse)
        return g[cell];
    int r = 2 * (cell / (ANALYZE_GRID_W / 2)), c = 2 * (cell % (ANALYZE_GRID_W / 2));
    return (g[r * ANALYZE_GRID_W + c] + g[r * ANALYZE_GRID_W + c + 1] +
            g[(r + 1) * ANALYZE_GRID_W + c] + g[(r + 1) * ANALYZE_GRID_W + c + 1] + 2) /
           4;
}

/* Share of the layout change between frames a and b that happened monotonically: near 1 for a
 * dissolve or wipe (each cell moves once, from its old value to its new one), low for motion
 * (cells go back and forth). `coarse` judges 2x2 blocks of cells, which small in-shot motion of
 * fine texture does not disturb. Returns -1 when too few cells change to judge. */
static double monotone_share(const engine_feature_track *t, size_t a, size_t b, int coarse) {
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

static double monotone_best(const engine_feature_track *t, size_t a, size_t b) {
    return monotone_share(t, a, b, 0);
}

static int find_hard(const engine_feature_track *t, const double *d1, double fps, cand_list *out) {
    size_t n = t->nb_frames, ctx = frames_for(HARD_CONTEXT_S, fps, 3);
    size_t persist = frames_for(PERSIST_S, fps, 2);
    for (size_t i = 1; i < n; i++) {
        if (d1[i] < HARD_MIN)
            continue;
        double sum = 0;
        size_t cnt = 0;
        size_t lo = i > ctx ? i - ctx : 1, hi = i + ctx < n ? i + ctx : n - 1;
        for (size_t j = lo; j <= hi; j++)
            if (j + 1 < i || j > i + 1) {
                sum += d1[j];
                cnt++;
            }
        double avg = cnt ? sum / cnt : 0;
        if (d1[i] < HARD_RATIO * avg + 0.05)
            continue;
        /* A cut is a spike: most of the nearest frames change far less (a fast pan is a hump). */
        double near[8];
        size_t nn = 0;
        for (size_t k = 1; k <= 4; k++) {
            if (i > k)
                near[nn++] = d1[i - k];
            if (i + k < n)
                near[nn++] = d1[i + k];
        }
        qsort(near, nn, sizeof(double), cmp_double);
        if (nn >= 3 && d1[i] < HARD_RATIO * near[2] + 0.05)
            continue;
        /* A flash (or any short disturbance) goes back to what was before: demand that the
         * frames a little later still differ from the frame before the change. */
        size_t post = i + persist < n ? i + persist : n - 1;
        int returns = 0; /* the change at i undoes a short disturbance just before it */
        for (size_t k = 1; k <= persist && k < i && !returns; k++)
            returns = engine_frame_distance(&t->frames[i - 1 - k], &t->frames[i]) < 0.5 * d1[i];
        if (returns)
            continue;
        double held = engine_frame_distance(&t->frames[i - 1], &t->frames[post]);
        if (held < 0.5 * d1[i] || held < 0.6 * HARD_MIN)
            continue;
        if (cand_push(out, i, ENGINE_CUT_HARD, d1[i], i - 1, i))
            return RC_ENOMEM;
    }
    return 0;
}

static int find_fades(const engine_feature_track *t, double fps, cand_list *out) {
    size_t n = t->nb_frames, max_run = frames_for(FADE_MAX_S, fps, 2);
    size_t i = 0;
    while (i < n) {
        const engine_frame_features *f = &t->frames[i];
        if (!(f->brightness < DARK_LUMA && f->hist_y[0] + f->hist_y[1] >= DARK_SHARE)) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < n && t->frames[i].brightness < DARK_LUMA &&
               t->frames[i].hist_y[0] + t->frames[i].hist_y[1] >= DARK_SHARE)
            i++;
        size_t e = i; /* one past the run */
        if (s > 0 && e < n && e - s <= max_run) {
            /* The fade spans the darkening before the run and the brightening after it. */
            size_t lo = s, hi = e - 1;
            while (lo > 0 && s - lo < max_run / 2 &&
                   t->frames[lo - 1].brightness > t->frames[lo].brightness + 0.25f)
                lo--;
            while (hi + 1 < n && hi + 1 - e < max_run / 2 &&
                   t->frames[hi + 1].brightness > t->frames[hi].brightness + 0.25f)
                hi++;
            size_t mid = s + (e - s) / 2;
            if (cand_push(out, mid, ENGINE_CUT_FADE,
                          engine_frame_distance(&t->frames[s - 1], &t->frames[e]), lo, hi))
                return RC_ENOMEM;
        }
    }
    return 0;
}

static int find_gradual(const engine_feature_track *t, double fps, cand_list *out) {
    size_t n = t->nb_frames, w = frames_for(GRAD_HALF_S, fps, 2);
    size_t ctx = frames_for(GRAD_CONTEXT_S, fps, 4 * w);
    if (n < 2 * w + 1)
        return 0;
    int rc = 0;
    double *dl = calloc(n, sizeof(double));
    uint8_t *ends = calloc(n, 1); /* per span: the end offsets chosen (before << 4 | after) */
    double *tmp = malloc((2 * ctx + 1) * sizeof(double));
    if (!dl || !tmp || !ends) {
        rc = RC_ENOMEM;
        goto out;
    }
    /* The span's ends are taken as the most similar pair among frames 0, 2 and 4 beyond each
     * end, so a flash of up to 4 frames on an end cannot fake a change. */
    for (size_t i = w; i + w < n; i++) {
        double best = 2.0;
        for (size_t da = 0; da <= 4 && da <= i - w; da += 2)
            for (size_t db = 0; db <= 4 && i + w + db < n; db += 2) {
                double d = engine_frame_distance(&t->frames[i - w - da], &t->frames[i + w + db]);
                if (d < best) {
                    best = d;
                    ends[i] = (uint8_t)(da << 4 | db);
                }
            }
        dl[i] = best;
    }
    for (size_t i = w; i + w < n; i++) {
        if (dl[i] < GRAD_MIN)
            continue;
        int is_max = 1;
        for (size_t j = i - w; j <= i + w && is_max; j++)
            if (dl[j] > dl[i] || (dl[j] == dl[i] && j < i))
                is_max = 0;
        if (!is_max)
            continue;
        size_t lo = i > ctx + w ? i - ctx : w, hi = i + ctx + w < n ? i + ctx : n - w - 1;
        size_t m = 0;
        for (size_t j = lo; j <= hi; j++)
            tmp[m++] = dl[j];
        qsort(tmp, m, sizeof(double), cmp_double);
        /* Both ends outside a transition give a plateau of full change: judge its centre. */
        size_t p0 = i, p1 = i;
        while (p0 > w && p0 + w > i && dl[p0 - 1] >= 0.95 * dl[i])
            p0--;
        while (p1 + w + 1 < n && p1 < i + w && dl[p1 + 1] >= 0.95 * dl[i])
            p1++;
        size_t centre = (p0 + p1) / 2;
        size_t a = centre - w - (ends[centre] >> 4), b = centre + w + (ends[centre] & 15);
        double mono = monotone_best(t, a, b);
        /* How monotone ordinary stretches nearby are: a zoom or slow drift is monotone
         * everywhere, so there the change must also stand out from its surroundings. */
        double around[4];
        size_t na = 0;
        for (long k = -3; k <= 3; k++) {
            long c = (long)centre + k * (long)w;
            if (k > -2 && k < 2)
                continue;
            if (c - (long)w < 0 || c + (long)w >= (long)n)
                continue;
            double v = monotone_best(t, (size_t)c - w, (size_t)c + w);
            around[na++] = v < 0 ? 0 : v;
        }
        qsort(around, na, sizeof(double), cmp_double);
        double base = na ? around[(na - 1) / 2] : 0;
        double ratio = dl[i] / (tmp[m / 2] + 1e-6);
        log_debug("shots: gradual candidate at %.3f s: span change %.3f (x%.2f of median), "
                  "monotone %.2f (around %.2f)",
                  t->frames[i].pts, dl[i], ratio, mono, base);
        if (ratio < GRAD_STANDOUT && !(mono >= 0.9 && mono >= base + 0.15))
            continue;
        if (dl[i] < GRAD_RATIO * tmp[m / 2] || mono < GRAD_MONOTONE)
            continue;
        /* The boundary is the first frame closer to the shot after than to the one before. */
        size_t at = i;
        for (size_t k = a + 1; k <= b; k++)
            if (engine_frame_distance(&t->frames[a], &t->frames[k]) >=
                engine_frame_distance(&t->frames[k], &t->frames[b])) {
                at = k;
                break;
            }
        rc = cand_push(out, at, ENGINE_CUT_GRADUAL, dl[i], a, b);
        if (rc)
            goto out;
    }
out:
    free(ends);
    free(dl);
    free(tmp);
    return rc;
}

static int cmp_priority(const void *pa, const void *pb) {
    const candidate *a = pa, *b = pb;
    if (a->kind != b->kind) /* hard cuts are placed exactly, fades next, gradual last */
        return a->kind == ENGINE_CUT_HARD   ? -1
               : b->kind == ENGINE_CUT_HARD ? 1
               : a->kind == ENGINE_CUT_FADE ? -1
                                            : 1;
    return (a->strength < b->strength) - (a->strength > b->strength);
}

static int cmp_boundary_time(const void *pa, const void *pb) {
    const engine_shot_boundary *a = pa, *b = pb;
    return (a->time > b->time) - (a->time < b->time);
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
    double fps = t->frame_rate > 0 ? t->frame_rate : 25;
    size_t w = frames_for(GRAD_HALF_S, fps, 2);
    cand_list cands = {0};
    int rc = 0;
    double *d1 = calloc(n, sizeof(double));
    candidate *accepted = calloc(n, sizeof(candidate));
    out->items = calloc(n, sizeof(*out->items));
    if (!d1 || !accepted || !out->items) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t i = 1; i < n; i++)
        d1[i] = engine_frame_distance(&t->frames[i - 1], &t->frames[i]);
    rc = find_hard(t, d1, fps, &cands);
    if (!rc)
        rc = find_fades(t, fps, &cands);
    if (!rc)
        rc = find_gradual(t, fps, &cands);
    if (rc)
        goto out;
    if (cands.count)
        qsort(cands.items, cands.count, sizeof(candidate), cmp_priority);
    /* (frame pts are stream time; the duration counts from the stream's start, t->origin) */
    double start = t->frames[0].pts;
    double end = t->duration > 0 ? t->origin + t->duration : t->frames[n - 1].pts;
    for (size_t c = 0; c < cands.count; c++) {
        candidate *cd = &cands.items[c];
        double at = t->frames[cd->frame].pts;
        if (at - start < opts->min_shot || end - at < opts->min_shot)
            continue;
        int clash = 0;
        /* Fast fades also make frame-to-frame spikes: inside a fade only the fade counts. */
        for (size_t k = 0; k < cands.count && !clash && cd->kind == ENGINE_CUT_HARD; k++)
            clash = cands.items[k].kind == ENGINE_CUT_FADE && cd->frame > cands.items[k].lo &&
                    cd->frame <= cands.items[k].hi + 1;
        for (size_t k = 0; k < out->count && !clash; k++) {
            const engine_shot_boundary *b = &out->items[k];
            const candidate *ac = &accepted[k];
            clash = fabs(b->time - at) < opts->min_shot;
            /* A transition window holding an accepted cut is that same cut seen wider. */
            if (cd->kind != ENGINE_CUT_HARD && b->frame + w >= cd->frame &&
                b->frame <= cd->frame + w)
                clash = 1;
            /* Two peaks of one long transition: the whole stretch between them is monotone. */
            if (!clash && cd->kind == ENGINE_CUT_GRADUAL && ac->kind == ENGINE_CUT_GRADUAL &&
                (ac->frame > cd->frame ? ac->frame - cd->frame : cd->frame - ac->frame) <= 3 * w)
                clash = monotone_share(t, cd->lo < ac->lo ? cd->lo : ac->lo,
                                       cd->hi > ac->hi ? cd->hi : ac->hi, 0) >= GRAD_MONOTONE;
        }
        if (clash)
            continue;
        accepted[out->count] = *cd;
        out->items[out->count++] = (engine_shot_boundary){cd->frame, at, cd->kind, cd->strength};
    }
    if (out->count)
        qsort(out->items, out->count, sizeof(*out->items), cmp_boundary_time);
out:
    free(d1);
    free(accepted);
    free(cands.items);
    if (rc)
        engine_shot_list_free(out);
    return rc;
}
