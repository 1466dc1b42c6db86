/* analyze_frame: what one 64x36 thumbnail measures - its signature (grids, histograms,
 * brightness) and its change from the previous thumbnail (motion, edges, camera motion). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shots/analyze.h"

#define THUMB_W ANALYZE_THUMB_W
#define THUMB_H ANALYZE_THUMB_H
#define EDGE_THRESHOLD 24
#define SHIFT_MAX_X 24 /* camera-motion search range, thumbnail pixels per frame */
#define SHIFT_MAX_Y 12

/* Soft histogram binning: a value shares itself between the two nearest bin centres (weights in
 * 1/16ths), so coding noise of one level never moves a whole picture to the next bin. With hard
 * bins a grey picture (chroma 128, exactly on a bin edge) flipped bins at every keyframe and
 * looked like a colour change. */
static void soft_bin(int value, int bin_width, int bins, int *lo, int *w_hi) {
    int pos = (value * 16 - bin_width * 8) / bin_width; /* 16 x (value / width - 0.5) */
    if (pos < 0)
        pos = 0;
    if (pos > (bins - 1) * 16)
        pos = (bins - 1) * 16;
    *lo = pos >> 4;
    *w_hi = pos & 15;
}

void engine_features_from_planes(engine_frame_features *f, const uint8_t *y, int y_stride, int w,
                                 int h, const uint8_t *u, const uint8_t *v, int c_stride, int cw,
                                 int ch) {
    uint32_t sum_y[ANALYZE_GRID_CELLS] = {0}, n_y[ANALYZE_GRID_CELLS] = {0};
    uint32_t sum_u[ANALYZE_GRID_CELLS] = {0}, sum_v[ANALYZE_GRID_CELLS] = {0};
    uint32_t n_c[ANALYZE_GRID_CELLS] = {0};
    /* one spare bin each: the upper neighbour of the last bin always gets weight 0 */
    uint32_t hy[ANALYZE_LUMA_BINS + 1] = {0}, huv[ANALYZE_CHROMA_BINS + 9] = {0};
    uint64_t total = 0;
    for (int r = 0; r < h; r++) {
        int gr = r * ANALYZE_GRID_H / h;
        for (int c = 0; c < w; c++) {
            uint8_t p = y[r * y_stride + c];
            int cell = gr * ANALYZE_GRID_W + c * ANALYZE_GRID_W / w;
            sum_y[cell] += p;
            n_y[cell]++;
            int lo, wh;
            soft_bin(p, 256 / ANALYZE_LUMA_BINS, ANALYZE_LUMA_BINS, &lo, &wh);
            hy[lo] += (uint32_t)(16 - wh);
            hy[lo + 1] += (uint32_t)wh;
            total += p;
        }
    }
    for (int r = 0; r < ch; r++) {
        int gr = r * ANALYZE_GRID_H / ch;
        for (int c = 0; c < cw; c++) {
            uint8_t pu = u[r * c_stride + c], pv = v[r * c_stride + c];
            int cell = gr * ANALYZE_GRID_W + c * ANALYZE_GRID_W / cw;
            sum_u[cell] += pu;
            sum_v[cell] += pv;
            n_c[cell]++;
            int bu, wu, bv, wv;
            soft_bin(pu, 32, 8, &bu, &wu);
            soft_bin(pv, 32, 8, &bv, &wv);
            int base = bu * 8 + bv;
            huv[base] += (uint32_t)((16 - wu) * (16 - wv));
            huv[base + 1] += (uint32_t)((16 - wu) * wv);
            huv[base + 8] += (uint32_t)(wu * (16 - wv));
            huv[base + 9] += (uint32_t)(wu * wv);
        }
    }
    for (int i = 0; i < ANALYZE_GRID_CELLS; i++) {
        f->grid_y[i] = (uint8_t)(n_y[i] ? (sum_y[i] + n_y[i] / 2) / n_y[i] : 0);
        f->grid_u[i] = (uint8_t)(n_c[i] ? (sum_u[i] + n_c[i] / 2) / n_c[i] : 128);
        f->grid_v[i] = (uint8_t)(n_c[i] ? (sum_v[i] + n_c[i] / 2) / n_c[i] : 128);
    }
    float ny = (float)(w * h), nc = (float)(cw * ch);
    for (int i = 0; i < ANALYZE_LUMA_BINS; i++)
        f->hist_y[i] = ny > 0 ? (float)hy[i] / (16 * ny) : 0;
    for (int i = 0; i < ANALYZE_CHROMA_BINS; i++)
        f->hist_uv[i] = nc > 0 ? (float)huv[i] / (256 * nc) : 0;
    f->brightness = ny > 0 ? (float)total / ny : 0;
}

/* Marks the thumbnail's edge pixels in edges and returns how many there are; *across_x (NULL =
 * not wanted) gets how many of them lie across x (the brightness changes more along x than y). */
static int edge_map(const uint8_t *y, uint8_t *edges, int *across_x) {
    memset(edges, 0, THUMB_W * THUMB_H);
    int n = 0, nx = 0;
    for (int r = 1; r < THUMB_H - 1; r++)
        for (int c = 1; c < THUMB_W - 1; c++) {
            int gx = abs(y[r * THUMB_W + c + 1] - y[r * THUMB_W + c - 1]);
            int gy = abs(y[(r + 1) * THUMB_W + c] - y[(r - 1) * THUMB_W + c]);
            if (gx + gy <= EDGE_THRESHOLD)
                continue;
            edges[r * THUMB_W + c] = 1;
            n++;
            nx += gx >= gy;
        }
    if (across_x)
        *across_x = nx;
    return n;
}

/* Fraction of edge pixels in a with no edge within one pixel in b. */
static double edges_unmatched(const uint8_t *a, const uint8_t *b, int *count) {
    int n = 0, lost = 0;
    for (int r = 1; r < THUMB_H - 1; r++)
        for (int c = 1; c < THUMB_W - 1; c++) {
            if (!a[r * THUMB_W + c])
                continue;
            n++;
            int near = 0;
            for (int dr = -1; dr <= 1 && !near; dr++)
                for (int dc = -1; dc <= 1 && !near; dc++)
                    near = b[(r + dr) * THUMB_W + c + dc];
            lost += !near;
        }
    *count = n;
    return n ? (double)lost / n : 0;
}

/* The shift d in [-max, max] that best aligns projection cur[i] with prev[i - d] (mean absolute
 * difference over the overlap, which must keep at least half the length). */
static int best_shift(const int32_t *cur, const int32_t *prev, int len, int max) {
    int best = 0;
    double best_cost = -1;
    for (int d = -max; d <= max; d++) {
        int64_t cost = 0;
        int n = 0;
        for (int i = d > 0 ? d : 0; i < len && i - d < len; i++, n++)
            cost += llabs((long long)cur[i] - prev[i - d]);
        if (n < len / 2)
            continue;
        /* a slight preference for no motion keeps flat pictures from wandering */
        double c = (double)cost / n * (d ? 1.0 : 0.97);
        if (best_cost < 0 || c < best_cost) {
            best_cost = c;
            best = d;
        }
    }
    return best;
}

static void projections(const uint8_t *y, int32_t *cols, int32_t *rows) {
    memset(cols, 0, THUMB_W * sizeof(*cols));
    memset(rows, 0, THUMB_H * sizeof(*rows));
    for (int r = 0; r < THUMB_H; r++)
        for (int c = 0; c < THUMB_W; c++) {
            cols[c] += y[r * THUMB_W + c];
            rows[r] += y[r * THUMB_W + c];
        }
    for (int c = 0; c < THUMB_W; c++) /* per-pixel means x 16, comparable along both axes */
        cols[c] = cols[c] * 16 / THUMB_H;
    for (int r = 0; r < THUMB_H; r++)
        rows[r] = rows[r] * 16 / THUMB_W;
}

/* Sum of |cur - ref moved by (dx, dy)| over the pixels of cur whose source (r - dy, c - dx) lies
 * in ref's rows r0..r1 and columns c0..c1; how many those are in *n (0: none). The sum stops
 * early, somewhere above `stop`, once it passes it (UINT_MAX: never): a caller that only wants a
 * sum below some bound learns all it needs. */
static unsigned moved_difference(const uint8_t *cur, const uint8_t *ref, int r0, int r1, int c0,
                                 int c1, int dx, int dy, unsigned stop, int *n) {
    int top = r0 + dy > 0 ? r0 + dy : 0, bottom = r1 + dy < THUMB_H ? r1 + dy : THUMB_H - 1;
    int left = c0 + dx > 0 ? c0 + dx : 0, right = c1 + dx < THUMB_W ? c1 + dx : THUMB_W - 1;
    *n = top > bottom || left > right ? 0 : (bottom - top + 1) * (right - left + 1);
    unsigned sad = 0;
    for (int r = top; *n && r <= bottom && sad <= stop; r++) {
        const uint8_t *a = cur + r * THUMB_W, *b = ref + (r - dy) * THUMB_W;
        for (int c = left; c <= right; c++)
            sad += (unsigned)abs(a[c] - b[c - dx]);
    }
    return sad;
}

/* The shift searched with each zoom: the point zoomed at may lie off the centre. */
#define ZOOM_SHIFT_X 4
#define ZOOM_SHIFT_Y 3

/* prev scaled by s about the centre (bilinear, 8-bit fixed point) into out, where the source lies
 * inside prev: rows *r0..*r1 and columns *c0..*c1 (a rectangle - the row and the column test are
 * independent; empty when *r0 > *r1 or *c0 > *c1). */
static void zoomed(const uint8_t *prev, double s, uint8_t *out, int *r0, int *r1, int *c0,
                   int *c1) {
    const double cx = (THUMB_W - 1) / 2.0, cy = (THUMB_H - 1) / 2.0;
    *r0 = *c0 = 0;
    *r1 = THUMB_H - 1;
    *c1 = THUMB_W - 1;
    while (*r0 <= *r1 && cy + (*r0 - cy) / s < 0)
        (*r0)++;
    while (*r1 >= *r0 && cy + (*r1 - cy) / s > THUMB_H - 1)
        (*r1)--;
    while (*c0 <= *c1 && cx + (*c0 - cx) / s < 0)
        (*c0)++;
    while (*c1 >= *c0 && cx + (*c1 - cx) / s > THUMB_W - 1)
        (*c1)--;
    int x0[THUMB_W], x1[THUMB_W], fx[THUMB_W]; /* each column's source, computed once */
    for (int c = *c0; c <= *c1; c++) {
        double sx = cx + (c - cx) / s;
        x0[c] = (int)sx;
        x1[c] = x0[c] + 1 < THUMB_W ? x0[c] + 1 : x0[c];
        fx[c] = (int)((sx - x0[c]) * 256);
    }
    for (int r = *r0; r <= *r1; r++) {
        double sy = cy + (r - cy) / s;
        int y0 = (int)sy, y1 = y0 + 1 < THUMB_H ? y0 + 1 : y0;
        int fy = (int)((sy - y0) * 256);
        const uint8_t *p0 = prev + y0 * THUMB_W, *p1 = prev + y1 * THUMB_W;
        for (int c = *c0; c <= *c1; c++) {
            int top = p0[x0[c]] * (256 - fx[c]) + p0[x1[c]] * fx[c];
            int bottom = p1[x0[c]] * (256 - fx[c]) + p1[x1[c]] * fx[c];
            out[r * THUMB_W + c] = (uint8_t)((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16);
        }
    }
}

/* The least mean |cur - prev scaled by s about the centre and moved by (dx, dy)| over the shifts
 * within ZOOM_SHIFT_X/Y (a zoom at a point off the centre, or a zoom while panning) and the
 * pixels whose source lies inside prev (at least half of them), if it is below `bound` (else
 * `bound` itself: a caller keeping the least residual of several searches only needs to know
 * whether this one does better, which lets each shift's sum stop once it cannot); the shift in
 * *dx, *dy (0, 0 when none does better). */
static double zoom_difference(const uint8_t *cur, const uint8_t *prev, double s, double bound,
                              int *best_dx, int *best_dy) {
    uint8_t z[THUMB_W * THUMB_H];
    int r0, r1, c0, c1;
    zoomed(prev, s, z, &r0, &r1, &c0, &c1);
    double best = bound;
    *best_dx = *best_dy = 0;
    for (int dy = -ZOOM_SHIFT_Y; dy <= ZOOM_SHIFT_Y; dy++)
        for (int dx = -ZOOM_SHIFT_X; dx <= ZOOM_SHIFT_X; dx++) {
            /* the same slight preference for no shift as best_shift's */
            double weight = dx || dy ? 1.0 : 0.97;
            /* a partial sum whose mean already reaches best cannot win: sad / n * weight only
             * grows with sad (n is at most the picture, the bound errs on the side of summing) */
            unsigned limit = (unsigned)(best / weight * (THUMB_W * THUMB_H)) + 1;
            int n;
            unsigned sad = moved_difference(cur, z, r0, r1, c0, c1, dx, dy, limit, &n);
            if (2 * n < THUMB_W * THUMB_H)
                continue;
            double d = (double)sad / n * weight;
            if (d < best) {
                best = d;
                *best_dx = dx;
                *best_dy = dy;
            }
        }
    return best;
}

/* Global camera motion from the previous thumbnail: the shift that best aligns the row and
 * column projections, or a zoom (with a small shift: the point zoomed at need not be the
 * centre), and the mean luma difference left after applying it. A pan, whip or zoom is explained
 * by it (small residual); a dissolve, wipe or new shot is not. */
static void camera_motion(const uint8_t *cur, const uint8_t *prev, engine_frame_features *f) {
    int32_t cols[THUMB_W], rows[THUMB_H], prev_cols[THUMB_W], prev_rows[THUMB_H];
    projections(cur, cols, rows);
    projections(prev, prev_cols, prev_rows);
    int dx = best_shift(cols, prev_cols, THUMB_W, SHIFT_MAX_X);
    int dy = best_shift(rows, prev_rows, THUMB_H, SHIFT_MAX_Y);
    int n;
    unsigned sad =
        moved_difference(cur, prev, 0, THUMB_H - 1, 0, THUMB_W - 1, dx, dy, UINT_MAX, &n);
    double residual = n ? (double)sad / n : f->motion, zoom = 1;
    /* a zoom is kept when it leaves less than the best so far (the shift's, then the zooms') */
    static const double scales[] = {0.84, 0.89, 0.94, 0.97, 1.03, 1.06, 1.12, 1.19};
    for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
        int sx, sy;
        double r = zoom_difference(cur, prev, scales[i], residual, &sx, &sy);
        if (r < residual) {
            residual = r;
            zoom = scales[i];
            dx = sx;
            dy = sy;
        }
    }
    if (residual > 0.75 * f->motion) { /* camera motion explains little of the change */
        dx = dy = 0;
        zoom = 1;
        residual = f->motion;
    }
    f->cam_dx = (float)dx;
    f->cam_dy = (float)dy;
    f->cam_zoom = (float)zoom;
    f->cam_residual = (float)residual;
}

void engine_features_motion(engine_frame_features *f, const uint8_t *y, const uint8_t *prev_y) {
    uint8_t edges[THUMB_W * THUMB_H], prev_edges[THUMB_W * THUMB_H];
    int across_x;
    int edge_count = edge_map(y, edges, &across_x);
    f->edge_density = (float)edge_count / (THUMB_W * THUMB_H);
    f->edge_across_x = (float)across_x / (THUMB_W * THUMB_H);
    f->cam_dx = f->cam_dy = 0;
    f->cam_zoom = 1;
    f->motion = f->edge_change = f->cam_residual = 0;
    if (!prev_y)
        return;
    unsigned sad = 0;
    for (int i = 0; i < THUMB_W * THUMB_H; i++)
        sad += (unsigned)abs(y[i] - prev_y[i]);
    f->motion = (float)sad / (THUMB_W * THUMB_H);
    edge_map(prev_y, prev_edges, NULL);
    int n_in, n_out;
    double entering = edges_unmatched(edges, prev_edges, &n_in);
    double exiting = edges_unmatched(prev_edges, edges, &n_out);
    f->edge_change = (float)(entering > exiting ? entering : exiting);
    if (sad) /* (the same picture again: no motion to explain - a flat one fits any shift) */
        camera_motion(y, prev_y, f);
}
