/* hl_score: turns raw signals into strengths in [0,1] measured against the input's own distribution
 * (median and 98th percentile, with floors so a uniform input is not amplified into noise), and
 * scores windows as a soft OR of the four reasons. */
#include "engine/highlights/hl_score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_BASELINE_TICKS 300 /* 30 s of history for the loudness surprise */
#define LOUD_SPAN_MIN 10.0       /* dB: the smallest loudness range treated as meaningful */
#define MOTION_SPAN_MIN 1.386    /* log(4): motion must quadruple to count fully */
#define MOTION_NOISE 0.405       /* log(1.5): a calm shot's own ups and downs do not count */
#define CUT_RATE_SPAN 1.0        /* cuts/s above the input's own rate that count fully */
#define SILENT_LUFS -70.0

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double clamp01(double x) {
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* The q-quantile (0..1) of v[0..n) via a sorted copy in tmp. */
static double quantile(const double *v, size_t n, double q, double *tmp) {
    memcpy(tmp, v, n * sizeof(double));
    qsort(tmp, n, sizeof(double), cmp_double);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return tmp[i < n ? i : n - 1];
}

/* Replaces v[0..n) by its prefix sums into p[0..n]. */
static void prefix(const double *v, size_t n, double *p) {
    p[0] = 0;
    for (size_t i = 0; i < n; i++)
        p[i + 1] = p[i] + v[i];
}

void hl_scorer_free(hl_scorer *s) {
    free(s->speech);
    free(s->loud);
    free(s->motion);
    free(s->cuts);
    free(s->silent);
    free(s->bad);
    memset(s, 0, sizeof(*s));
}

static void loudness_strength(const engine_hl_track *t, double *x, double *tmp, double *out) {
    size_t n = t->n;
    for (size_t i = 0; i < n; i++)
        x[i] = t->loudness[i];
    double p50 = quantile(x, n, 0.5, tmp), p98 = quantile(x, n, 0.98, tmp);
    double span = fmax(p98 - p50, LOUD_SPAN_MIN);
    double fp50, fp98;
    for (size_t i = 0; i < n; i++)
        x[i] = t->flux[i];
    fp50 = quantile(x, n, 0.5, tmp);
    fp98 = quantile(x, n, 0.98, tmp);
    double fspan = fmax(fp98 - fp50, 1e-3 + 0.5 * fp50);
    double run = 0;
    for (size_t i = 0; i < n; i++) {
        double l = t->loudness[i];
        size_t k = i < LOCAL_BASELINE_TICKS ? i : LOCAL_BASELINE_TICKS;
        double local = k ? run / (double)k : p50;
        double surprise = 0.5 * ((l - p50) + (l - fmax(local, p50 - span)));
        double r_loud = clamp01(surprise / (0.6 * span));
        double r_flux = clamp01((t->flux[i] - fp50) / fspan);
        /* a sound that holds still is background however loud: the loudness reason counts what
         * lives (cheers, hits, voices), not a hum, an engine or rain */
        out[i] = (0.6 * r_loud + 0.4 * r_flux) * (1.0 - t->steady[i]);
        run += l;
        if (i >= LOCAL_BASELINE_TICKS)
            run -= t->loudness[i - LOCAL_BASELINE_TICKS];
    }
}

int hl_scorer_init(hl_scorer *s, const engine_hl_track *t, size_t pad) {
    memset(s, 0, sizeof(*s));
    size_t n = t->n;
    s->n = n;
    s->has_audio = t->has_audio;
    double *x = calloc(n + 1, sizeof(double));
    double *tmp = calloc(n + 1, sizeof(double));
    s->speech = malloc((n + 1) * sizeof(double));
    s->loud = malloc((n + 1) * sizeof(double));
    s->motion = malloc((n + 1) * sizeof(double));
    s->cuts = malloc((n + 1) * sizeof(double));
    s->silent = malloc((n + 1) * sizeof(double));
    s->bad = malloc((n + 1) * sizeof(double));
    double *v = malloc((n + 1) * sizeof(double));
    if (!x || !tmp || !v || !s->speech || !s->loud || !s->motion || !s->cuts || !s->silent ||
        !s->bad) {
        free(x);
        free(tmp);
        free(v);
        hl_scorer_free(s);
        return RC_ENOMEM;
    }
    /* speech: likelihood, discounted when the whole input talks (then speech is no event) */
    size_t talking = 0;
    for (size_t i = 0; i < n; i++)
        talking += t->speech[i] > 0.5f;
    double rarity = 1.0 - 0.6 * (double)talking / (double)n;
    for (size_t i = 0; i < n; i++)
        v[i] = clamp01(t->speech[i]) * rarity;
    prefix(v, n, s->speech);
    /* loudness and flux against the input's own baseline */
    if (t->has_audio)
        loudness_strength(t, x, tmp, v);
    else
        memset(v, 0, n * sizeof(double));
    prefix(v, n, s->loud);
    /* motion: log of coded bytes, against the median of the usable picture (black and frozen
     * stretches cost nothing: counted, they would make any calm shot look like motion) */
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        if (!t->avoid[i])
            x[live++] = log(t->motion[i] + 0.01);
    double m50 = 0, m98 = 0;
    if (live) {
        m50 = quantile(x, live, 0.5, tmp);
        m98 = quantile(x, live, 0.98, tmp);
    }
    double mspan = fmax(m98 - m50, MOTION_SPAN_MIN);
    for (size_t i = 0; i < n; i++)
        v[i] = t->avoid[i] ? 0 : clamp01((log(t->motion[i] + 0.01) - m50 - MOTION_NOISE) / mspan);
    prefix(v, n, s->motion);
    double total_cuts = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = t->cuts[i];
        total_cuts += t->cuts[i];
    }
    prefix(v, n, s->cuts);
    s->base_cut_rate = t->duration > 0 ? total_cuts / t->duration : 0;
    for (size_t i = 0; i < n; i++)
        v[i] = t->has_audio && t->loudness[i] < SILENT_LUFS;
    prefix(v, n, s->silent);
    memset(v, 0, n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        if (!t->avoid[i])
            continue;
        size_t a = i >= pad ? i - pad : 0, b = i + pad < n ? i + pad : n - 1;
        for (size_t j = a; j <= b; j++)
            v[j] = 1;
    }
    prefix(v, n, s->bad);
    free(x);
    free(tmp);
    free(v);
    return 0;
}

double hl_scorer_bad(const hl_scorer *s, size_t a, size_t b) {
    return s->bad[b] - s->bad[a];
}

void hl_scorer_window(const hl_scorer *s, size_t a, size_t b, hl_window_score *out) {
    double len = (double)(b - a);
    out->speech = clamp01((s->speech[b] - s->speech[a]) / len);
    out->loudness = clamp01((s->loud[b] - s->loud[a]) / len);
    out->motion = clamp01((s->motion[b] - s->motion[a]) / len);
    double rate = (s->cuts[b] - s->cuts[a]) / (len * ENGINE_HL_STEP);
    out->cut_rate = clamp01((rate - s->base_cut_rate) / CUT_RATE_SPAN);
    double keep = (1 - 0.9 * out->speech) * (1 - 0.9 * out->loudness) * (1 - 0.8 * out->motion) *
                  (1 - 0.8 * out->cut_rate);
    double score = 1 - keep;
    if (s->has_audio)
        score *= 1 - 0.5 * (s->silent[b] - s->silent[a]) / len;
    out->score = clamp01(score);
}

int engine_hl_signals_of(const engine_hl_track *t, double rate, engine_hl_signals *out) {
    memset(out, 0, sizeof(*out));
    if (!(rate > 0 && rate <= 1.0 / ENGINE_HL_STEP + 1e-9))
        return RC_EINVAL;
    size_t per = (size_t)lround(1.0 / (rate * ENGINE_HL_STEP)); /* ticks a point */
    if (per < 1)
        per = 1;
    size_t n = (t->n + per - 1) / per;
    out->rate = 1.0 / ((double)per * ENGINE_HL_STEP);
    hl_scorer sc;
    if (t->n == 0)
        return 0;
    if (hl_scorer_init(&sc, t, 0))
        return RC_ENOMEM;
    out->speech = malloc(n * sizeof(float));
    out->loudness = malloc(n * sizeof(float));
    out->motion = malloc(n * sizeof(float));
    out->cut_rate = malloc(n * sizeof(float));
    if (!out->speech || !out->loudness || !out->motion || !out->cut_rate) {
        hl_scorer_free(&sc);
        engine_hl_signals_free(out);
        return RC_ENOMEM;
    }
    size_t half = (size_t)lround(ENGINE_HL_SIGNAL_CUT_SPAN / 2 / ENGINE_HL_STEP);
    for (size_t k = 0; k < n; k++) {
        size_t a = k * per, b = a + per < t->n ? a + per : t->n;
        hl_window_score w;
        hl_scorer_window(&sc, a, b, &w);
        out->speech[k] = (float)w.speech;
        out->loudness[k] = (float)w.loudness;
        out->motion[k] = (float)w.motion;
        size_t mid = (a + b) / 2;
        size_t ca = mid > half ? mid - half : 0, cb = mid + half < t->n ? mid + half : t->n;
        hl_scorer_window(&sc, ca, cb, &w); /* cb > mid >= ca: mid < t->n */
        out->cut_rate[k] = (float)w.cut_rate;
    }
    out->n = n;
    hl_scorer_free(&sc);
    return 0;
}

void engine_hl_signals_free(engine_hl_signals *s) {
    if (!s)
        return;
    free(s->speech);
    free(s->loudness);
    free(s->motion);
    free(s->cut_rate);
    memset(s, 0, sizeof(*s));
}
