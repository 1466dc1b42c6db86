/* shots_net: the gradual model's picture network - a small convolutional network over seven of a
 * window's luma thumbnails (64x36: a window's length before it, its ends, its quarters, a window's
 * length after it) that says how much they look like a transition. Its score is one more feature
 * of the gradual trees (stacked: the trees were trained on its out-of-fold scores). Weights are
 * generated into shots_net_data.h by bench/shots/train.py, which also holds the same network in
 * PyTorch (net_module). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shots/shots_int.h"
#include "engine/shots/shots_net_data.h"

#define W0 ANALYZE_THUMB_W
#define H0 ANALYZE_THUMB_H
#define W1 (W0 / 2)
#define H1 (H0 / 2)
#define W2 (W1 / 2)
#define H2 (H1 / 2)
#define C0 SHOT_NET_PICTURES
#define C1 SHOT_NET_C1
#define C2 SHOT_NET_C2
#define C3 SHOT_NET_C3
#define HIDDEN SHOT_NET_HIDDEN

/* Padded planes (a zero border of one pixel) in and out of each 3x3 convolution. */
struct shot_net {
    uint8_t picture[ANALYZE_PICTURE_BYTES]; /* one read from a spill file */
    float in[C0][H0 + 2][W0 + 2];
    float out1[C1][H0][W0];
    float in2[C1][H1 + 2][W1 + 2];
    float out2[C2][H1][W1];
    float in3[C2][H2 + 2][W2 + 2];
    float out3[C3][H2][W2];
};

shot_net *shot_net_new(void) {
    return calloc(1, sizeof(shot_net)); /* (the borders stay zero) */
}

void shot_net_free(shot_net *n) {
    free(n);
}

void shot_net_positions(size_t lo, size_t hi, size_t n, size_t at[SHOT_NET_PICTURES]) {
    long span = (long)(hi - lo), l = (long)lo;
    long want[SHOT_NET_PICTURES] = {l - span,
                                    l,
                                    l + (span + 2) / 4,
                                    l + (2 * span + 2) / 4,
                                    l + (3 * span + 2) / 4,
                                    (long)hi,
                                    (long)hi + span};
    for (int i = 0; i < SHOT_NET_PICTURES; i++)
        at[i] = want[i] < 0 ? 0 : want[i] >= (long)n ? n - 1 : (size_t)want[i];
}

/* out[o] = relu(bias[o] + sum over c of the 3x3 weights of (o, c) over padded plane c of in):
 * planes of h x w, in padded to (h + 2) x (w + 2). */
static void conv3x3(const float *in, int cin, int h, int w, const float *weight, const float *bias,
                    int cout, float *out) {
    int pw = w + 2, plane = (h + 2) * pw;
    for (int o = 0; o < cout; o++) {
        float *acc = out + (size_t)o * h * w;
        for (int i = 0; i < h * w; i++)
            acc[i] = bias[o];
        for (int c = 0; c < cin; c++) {
            const float *k = weight + ((size_t)o * cin + c) * 9;
            const float *src = in + (size_t)c * plane;
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    float wv = k[ky * 3 + kx];
                    for (int y = 0; y < h; y++) {
                        const float *row = src + (y + ky) * pw + kx;
                        float *dst = acc + y * w;
                        for (int x = 0; x < w; x++)
                            dst[x] += wv * row[x];
                    }
                }
        }
        for (int i = 0; i < h * w; i++)
            acc[i] = acc[i] > 0 ? acc[i] : 0;
    }
}

/* 2x2 max pooling of c planes of h x w into the inside of padded planes of h/2 x w/2. */
static void pool2(const float *in, int c, int h, int w, float *out) {
    int ow = w / 2, oh = h / 2, pw = ow + 2;
    for (int p = 0; p < c; p++)
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                const float *a = in + ((size_t)p * h + 2 * y) * w + 2 * x;
                float m = fmaxf(fmaxf(a[0], a[1]), fmaxf(a[w], a[w + 1]));
                out[((size_t)p * (oh + 2) + y + 1) * pw + x + 1] = m;
            }
}

double shot_net_score(shot_net *n, const engine_feature_track *t, size_t lo, size_t hi) {
    if (!engine_feature_track_has_pictures(t) || !SHOT_NET_TRAINED)
        return SHOT_NET_NONE;
    size_t at[C0];
    shot_net_positions(lo, hi, t->nb_frames, at);
    for (int c = 0; c < C0; c++) {
        const uint8_t *p = engine_feature_track_picture(t, at[c], n->picture);
        if (!p)
            return SHOT_NET_NONE;
        for (int y = 0; y < H0; y++)
            for (int x = 0; x < W0; x++)
                n->in[c][y + 1][x + 1] = (float)p[y * W0 + x] / 255.0f - 0.5f;
    }
    conv3x3(&n->in[0][0][0], C0, H0, W0, SHOT_NET_W1, SHOT_NET_B1, C1, &n->out1[0][0][0]);
    pool2(&n->out1[0][0][0], C1, H0, W0, &n->in2[0][0][0]);
    conv3x3(&n->in2[0][0][0], C1, H1, W1, SHOT_NET_W2, SHOT_NET_B2, C2, &n->out2[0][0][0]);
    pool2(&n->out2[0][0][0], C2, H1, W1, &n->in3[0][0][0]);
    conv3x3(&n->in3[0][0][0], C2, H2, W2, SHOT_NET_W3, SHOT_NET_B3, C3, &n->out3[0][0][0]);
    float pooled[2 * C3]; /* each plane's mean, then each plane's max */
    for (int c = 0; c < C3; c++) {
        float sum = 0, most = 0;
        for (int y = 0; y < H2; y++)
            for (int x = 0; x < W2; x++) {
                sum += n->out3[c][y][x];
                most = fmaxf(most, n->out3[c][y][x]);
            }
        pooled[c] = sum / (H2 * W2);
        pooled[C3 + c] = most;
    }
    double z = SHOT_NET_B5[0];
    for (int j = 0; j < HIDDEN; j++) {
        float h = SHOT_NET_B4[j];
        for (int i = 0; i < 2 * C3; i++)
            h += SHOT_NET_W4[j * 2 * C3 + i] * pooled[i];
        z += SHOT_NET_W5[j] * (h > 0 ? h : 0);
    }
    return z;
}
