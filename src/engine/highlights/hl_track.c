/* hl_track: per-tick accumulators of the highlight pass, and their conversion into the public
 * signal track (loudness, speech likelihood and voice activity, motion, cuts, avoid zones). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/highlights/hl_int.h"
#include "engine/highlights/hl_qp.h"
#include "util/buf.h"

#define MAX_TICKS (8 * 3600 * 10) /* 8 hours: far past the 2 h job limit, bounds memory */
#define CUT_MERGE 0.2             /* s: cuts closer than this are one */
#define SMEAR_TICKS 5             /* the 1 s byte mean widens a still run by up to 0.5 s */
#define STATIC_MIN_TICKS 15       /* a still picture must last 1.5 s (between cuts) to count */
#define STEADY_HALF_TICKS 2       /* steadiness over +-0.25 s */
#define STEADY_DB 0.8             /* a level moving this little (sd, dB) holds still */
#define LIVELY_DB 1.3             /* and this much lives */

hl_raw_tick *hl_raw_at(hl_raw *raw, double t) {
    if (!(t >= 0))
        t = 0;
    size_t i = (size_t)(t / ENGINE_HL_STEP);
    if (i >= MAX_TICKS)
        return &raw->overflow;
    if (i >= raw->cap) {
        size_t cap = raw->cap ? raw->cap : 1024;
        while (cap <= i)
            cap *= 2;
        hl_raw_tick *p = realloc(raw->ticks, cap * sizeof(*p));
        if (!p)
            return NULL;
        memset(p + raw->cap, 0, (cap - raw->cap) * sizeof(*p));
        raw->ticks = p;
        raw->cap = cap;
    }
    if (i >= raw->n)
        raw->n = i + 1;
    return &raw->ticks[i];
}

int hl_raw_add_cut(hl_raw *raw, double t) {
    double *p = buf_array_room(raw->cuts, &raw->cap_cuts, raw->n_cuts, sizeof(*p), 256);
    if (!p)
        return RC_ENOMEM;
    raw->cuts = p;
    raw->cuts[raw->n_cuts++] = t;
    return 0;
}

void hl_raw_free(hl_raw *raw) {
    free(raw->ticks);
    free(raw->cuts);
    memset(raw, 0, sizeof(*raw));
}

int engine_hl_track_alloc(engine_hl_track *t, size_t n) {
    memset(t, 0, sizeof(*t));
    size_t m = n ? n : 1;
    t->loudness = calloc(m, sizeof(float));
    t->flux = calloc(m, sizeof(float));
    t->steady = calloc(m, sizeof(float));
    t->speech = calloc(m, sizeof(float));
    t->voice = calloc(m, 1);
    t->motion = calloc(m, sizeof(float));
    t->cuts = calloc(m, sizeof(float));
    t->avoid = calloc(m, 1);
    if (!t->loudness || !t->flux || !t->steady || !t->speech || !t->voice || !t->motion ||
        !t->cuts || !t->avoid) {
        engine_hl_track_free(t);
        return RC_ENOMEM;
    }
    t->n = n;
    t->duration = n * ENGINE_HL_STEP;
    return 0;
}

void engine_hl_track_free(engine_hl_track *t) {
    if (!t)
        return;
    free(t->loudness);
    free(t->flux);
    free(t->steady);
    free(t->speech);
    free(t->voice);
    free(t->motion);
    free(t->cuts);
    free(t->avoid);
    free(t->cut_times);
    memset(t, 0, sizeof(*t));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* How steady the sound is at a fine scale around tick i: the standard deviation of the speech-band
 * level of the hops over +-STEADY_HALF_HOPS, mapped from STEADY_DB (and less: 1) to LIVELY_DB (and
 * more: 0). A crowd, speech or hits move it by 1.5 dB and (much) more within half a second; a hum,
 * an engine or rain by well under 1 dB. */
static float steadiness(const hl_raw *raw, size_t i) {
    double sum = 0, sq = 0;
    int m = 0;
    size_t a = i >= STEADY_HALF_TICKS ? i - STEADY_HALF_TICKS : 0;
    for (size_t j = a; j <= i + STEADY_HALF_TICKS && j < raw->n; j++) {
        const hl_raw_tick *tk = &raw->ticks[j];
        for (int k = 0; k < tk->hop_n; k++) {
            sum += tk->hop_band[k];
            sq += (double)tk->hop_band[k] * tk->hop_band[k];
            m++;
        }
    }
    if (m < 5)
        return 0;
    double mean = sum / m, sd = sqrt(fmax(0, sq / m - mean * mean));
    double x = (LIVELY_DB - sd) / (LIVELY_DB - STEADY_DB);
    return (float)(x < 0 ? 0 : x > 1 ? 1 : x);
}

/* Loudness, spectral flux and steadiness per tick. */
static void finish_audio(const hl_raw *raw, engine_hl_track *out) {
    size_t n = out->n;
    for (size_t i = 0; i < n; i++) {
        double e = 0;
        int k = 0;
        for (size_t j = i >= 2 ? i - 2 : 0; j <= i + 1 && j < raw->n; j++) {
            e += raw->ticks[j].k_energy;
            k += raw->ticks[j].k_samples;
        }
        double lufs = k ? -0.691 + 10.0 * log10(e / k + 1e-20) : -120.0;
        out->loudness[i] = (float)(lufs < -120 ? -120 : lufs);
        const hl_raw_tick *tk = i < raw->n ? &raw->ticks[i] : NULL;
        out->flux[i] = tk && tk->hops ? tk->flux_sum / tk->hops : 0;
        out->steady[i] = steadiness(raw, i);
    }
}

/* Per-tick inter-frame complexity per frame, forward-filled (the motion signal): slice bytes at
 * the reference quantiser HL_QP_REF, by the rate model of block transform coding (the quantiser
 * step doubles every 6 QP and the bits of a picture about halve with it), so an encoder that raises
 * the quantiser in action to hold its bitrate does not hide the action. The quantiser is the mean
 * slice QP over +-0.5 s: rate control moves it slowly, while the slice header of x264 carries the
 * QP of its first macroblock, which adaptive quantisation moves from frame to frame. */
static void complexity_per_frame(const hl_raw *raw, size_t n, double *pf) {
    double prev = -1;
    for (size_t i = 0; i < n; i++) {
        const hl_raw_tick *tk = i < raw->n ? &raw->ticks[i] : NULL;
        if (tk && tk->vframes) {
            double qp = 0;
            int m = 0;
            for (size_t j = i >= 5 ? i - 5 : 0; j <= i + 5 && j < raw->n; j++) {
                qp += raw->ticks[j].qp_sum;
                m += raw->ticks[j].qp_n;
            }
            double scale = m ? exp2((qp / m - HL_QP_REF) / 6.0) : 1.0;
            prev = tk->vbytes / tk->vframes * scale;
        }
        pf[i] = prev;
    }
    size_t first = 0;
    while (first < n && pf[first] < 0)
        first++;
    for (size_t i = 0; i < n; i++)
        if (pf[i] < 0)
            pf[i] = first < n ? pf[first] : 0;
}

/* The still level around each tick: the upper quartile, over +-0.5 s, of each tick's largest
 * inter frame. A frozen picture makes every frame cost the codec's skip price, its reference (P)
 * frames included; a slowly changing picture keeps its B frames (interpolated) at that price but
 * not its P frames. A median - of frames or of ticks - is the B-frame price in both cases (x265
 * codes 3 B frames per P frame), the upper quartile is the P-frame price. It still ignores up to
 * a quarter of periodic larger frames in a still stretch (VP8/VP9 golden and alt-ref frames, the
 * first P frame after each keyframe of a short MPEG-4 GOP). Forward-filled where no frames. */
static void still_level(const hl_raw *raw, size_t n, double *hi) {
    double prev = -1;
    for (size_t i = 0; i < n; i++) {
        double w[10];
        size_t m = 0;
        for (size_t j = i >= 5 ? i - 5 : 0; j < i + 5 && j < raw->n; j++) {
            const hl_raw_tick *tk = &raw->ticks[j];
            if (tk->vframes)
                w[m++] = tk->vmax > 0 ? tk->vmax : tk->vbytes / tk->vframes;
        }
        if (m) {
            qsort(w, m, sizeof(double), cmp_double);
            size_t q = m * 3 / 4;
            prev = w[q < m ? q : m - 1];
        }
        hi[i] = prev;
    }
    size_t first = 0;
    while (first < n && hi[first] < 0)
        first++;
    for (size_t i = 0; i < n; i++)
        if (hi[i] < 0)
            hi[i] = first < n ? hi[first] : 0;
}

static void finish_video(const hl_raw *raw, engine_hl_track *out, int macroblocks) {
    size_t n = out->n;
    double *pf = malloc(n * sizeof(double)), *hi = malloc(n * sizeof(double));
    if (!pf || !hi) {
        free(pf);
        free(hi);
        return; /* no motion or avoid signal: the scorer sees a uniform picture */
    }
    complexity_per_frame(raw, n, pf);
    still_level(raw, n, hi);
    /* bytes per frame over +-0.5 s: every frame type counted in proportion */
    double *mean1s = malloc(n * sizeof(double));
    if (!mean1s) {
        free(pf);
        free(hi);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double bytes = 0;
        int frames = 0;
        for (size_t j = i >= 5 ? i - 5 : 0; j < i + 5 && j < raw->n; j++) {
            bytes += raw->ticks[j].vbytes;
            frames += raw->ticks[j].vframes;
        }
        mean1s[i] = frames ? bytes / frames : pf[i];
    }
    /* still: frames at the skip price. Absolute for codecs whose skipped frames cost a few bytes
     * (H.264, VP9): the mean frame under a 24-byte header + 0.008 byte/macroblock (B frames and
     * skipped P frames), or every frame, P frames included, under 24 + 0.02 byte/macroblock
     * (large pictures: a 1080p frozen P frame costs ~0.015 byte/macroblock). Relative for codecs
     * whose skipped frames cost more (MPEG-4 Part 2, whose not_coded flag is a bit a macroblock;
     * HEVC at small sizes): the still level within 5% of the file's lowest. */
    double lowest = INFINITY;
    for (size_t i = 0; i < n; i++)
        lowest = fmin(lowest, hi[i]);
    double static_bytes = 24.0 + 0.008 * macroblocks;
    double relative = 1.05 * lowest + 2.0;
    if (relative > 1.0 * macroblocks + 64.0)
        relative = 0;
    for (size_t i = 0; i < n; i++) {
        out->motion[i] = (float)(pf[i] / macroblocks);
        out->avoid[i] = mean1s[i] < static_bytes || hi[i] < 24.0 + 0.02 * macroblocks
                            ? ENGINE_HL_AVOID_FROZEN
                            : 0;
    }
    /* the relative rule only where the level is flat: a frozen picture costs the same every
     * frame, a calm but live shot (the cheapest stretch of a calm film) does not */
    for (size_t i = 0; i < n;) {
        if (!(hi[i] <= relative)) {
            i++;
            continue;
        }
        size_t j = i;
        double lo = hi[i], top = hi[i];
        while (j < n && hi[j] <= relative && (j == i || out->cuts[j] == 0)) {
            lo = fmin(lo, hi[j]);
            top = fmax(top, hi[j]);
            j++;
        }
        if (top - lo <= 0.06 * lo + 2.0)
            memset(out->avoid + i, ENGINE_HL_AVOID_FROZEN, j - i);
        i = j;
    }
    /* an empty keyframe (black, flat) poisons the ticks after it while the picture stays still:
     * up to a cut, a keyframe that shows a picture, or frames that cost more than skipping */
    double still_max = 1.5 * fmax(static_bytes, relative);
    for (size_t i = 0; i < n && i < raw->n; i++) {
        if (!raw->ticks[i].empty)
            continue;
        out->avoid[i] = ENGINE_HL_AVOID_EMPTY;
        for (size_t j = i + 1; j < n && out->cuts[j] == 0; j++) {
            if (hi[j] > still_max)
                break;
            if (j < raw->n && raw->ticks[j].key && !raw->ticks[j].empty)
                break;
            out->avoid[j] = ENGINE_HL_AVOID_EMPTY;
        }
    }
    /* still stretches shorter than STATIC_MIN_TICKS (between cuts) are a held shot */
    for (size_t i = 0; i < n;) {
        if (!out->avoid[i]) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && out->avoid[j] && out->cuts[j] == 0)
            j++;
        if (j - i < STATIC_MIN_TICKS + SMEAR_TICKS)
            memset(out->avoid + i, 0, j - i);
        i = j;
    }
    /* ... and the still ticks before it, back to where the picture went still: a cut into black
     * that fell between keyframes has no keyframe of its own (x264 places scene-cut keyframes by
     * its own cost estimate), so the stretch from the cut to the first black keyframe would
     * otherwise pass for a short held shot. */
    for (size_t i = 1; i < n && i < raw->n; i++) {
        if (!raw->ticks[i].empty || !out->avoid[i])
            continue;
        for (size_t j = i; j-- > 0 && !out->avoid[j];) {
            if (hi[j] > still_max || (j < raw->n && raw->ticks[j].key && !raw->ticks[j].empty))
                break;
            out->avoid[j] = ENGINE_HL_AVOID_EMPTY;
        }
    }
    /* A still stretch that runs into an empty keyframe without a cut was that empty picture all
     * along (it went black at the cut before it, between keyframes, and the keyframe's change of
     * picture put a cut on the keyframe itself): black, not frozen. */
    for (size_t i = 1; i < n && i < raw->n; i++) {
        if (!raw->ticks[i].empty || out->avoid[i] != ENGINE_HL_AVOID_EMPTY)
            continue;
        for (size_t j = i; j-- > 0 && out->avoid[j] == ENGINE_HL_AVOID_FROZEN;) {
            if ((j + 1 < i && out->cuts[j + 1] != 0) ||
                (j < raw->n && raw->ticks[j].key && !raw->ticks[j].empty))
                break;
            out->avoid[j] = ENGINE_HL_AVOID_EMPTY;
        }
    }
    free(pf);
    free(hi);
    free(mean1s);
}

static int finish_cuts(hl_raw *raw, engine_hl_track *out) {
    if (!raw->n_cuts)
        return 0;
    qsort(raw->cuts, raw->n_cuts, sizeof(double), cmp_double);
    out->cut_times = malloc(raw->n_cuts * sizeof(double));
    if (!out->cut_times)
        return RC_ENOMEM;
    for (size_t i = 0; i < raw->n_cuts; i++) {
        double t = raw->cuts[i];
        if (t <= CUT_MERGE || t >= out->duration - CUT_MERGE)
            continue;
        if (out->n_cut_times && t - out->cut_times[out->n_cut_times - 1] < CUT_MERGE)
            continue;
        out->cut_times[out->n_cut_times++] = t;
        size_t k = (size_t)(t / ENGINE_HL_STEP);
        if (k < out->n)
            out->cuts[k] += 1;
    }
    return 0;
}

int hl_track_finish(hl_raw *raw, double duration, int has_audio, int macroblocks,
                    engine_hl_track *out) {
    if (!(duration > 0))
        duration = raw->n * ENGINE_HL_STEP;
    /* The duration comes from the file's header, which may claim anything (2^32 s in 2 KB): past
     * MAX_TICKS nothing was accounted (hl_raw_at), and the track must not cost more memory. */
    if (duration > MAX_TICKS * ENGINE_HL_STEP)
        duration = MAX_TICKS * ENGINE_HL_STEP;
    size_t n = (size_t)ceil(duration / ENGINE_HL_STEP - 1e-9);
    if (n == 0)
        n = 1;
    int rc = engine_hl_track_alloc(out, n);
    if (rc)
        return rc;
    out->duration = duration;
    out->has_audio = has_audio;
    if (has_audio) {
        finish_audio(raw, out);
        rc = hl_voice_finish(raw, out);
        if (rc)
            return rc;
    } else {
        for (size_t i = 0; i < n; i++)
            out->loudness[i] = -120;
    }
    rc = finish_cuts(raw, out);
    if (rc)
        return rc;
    finish_video(raw, out, macroblocks);
    return 0;
}
