/* hl_voice: voice activity with sentence onsets and offsets to within a hop (20 ms).
 *
 * The speech likelihood of the track is a slow decision: it needs about a second of syllabic
 * modulation, so its edges are late and blurred. Here it only says *where* someone talks; *when*
 * each sentence starts and ends comes from a fast detector on every hop, with hysteresis:
 *   - it listens above 1 kHz (three sub-bands: 1-2, 2-3.4 and 3.4-7.8 kHz), where speech always
 *     has energy (second and third formants, fricatives) and beds under it rarely hold much of
 *     theirs: the notes of music, traffic and brown noise sit lower, and a wide noise bed is
 *     steady;
 *   - in each band the background is a low percentile, over +-3 s, of the quietest hop of each
 *     tick (what is left between sentences);
 *   - a hop's lift is the mean of its two largest band excesses over their backgrounds (one band
 *     may carry a bed's overtone; speech lifts two);
 *   - activity starts at a lift of VOICE_ON_DB and holds above VOICE_OFF_DB - and, in a quiet
 *     room, within PEAK_ON_DB / PEAK_OFF_DB of the loudest speech-band hop around (a sentence's
 *     tail 30 dB under its peak is over);
 *   - gaps up to VOICE_GAP_HOPS (stop consonants, gaps between words) are closed, so the pauses
 *     between sentences (>= 0.25 s) stay open;
 *   - an active run is voice when the slow speech decision says speech within it or within
 *     VOICE_CONTEXT_TICKS of it (a door slam next to no speech is not a sentence).
 * The constants were set on the tuning seeds of bench/highlights (see its README). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hl_int.h"

#define BG_HALF_TICKS 30  /* the background is measured over +-3 s */
#define BG_PERCENTILE 0.1 /* of the quietest hop of each tick */
#define FIRST_BAND 2      /* hop_sub bands from 1 kHz up */
#define NBANDS (HL_SUBBANDS - FIRST_BAND)
#define VOICE_ON_DB 15.0  /* a lift this high starts activity */
#define VOICE_OFF_DB 10.0 /* and activity holds while over this */
#define PEAK_HALF_TICKS 10 /* the speech level is the loudest hop over +-1 s */
#define PEAK_ON_DB 26.0    /* ... and a hop must also be within this of it to start activity */
#define PEAK_OFF_DB 30.0   /* ... and within this to hold it: 30 dB under a sentence is silence */
#define VOICE_GAP_HOPS 10    /* gaps up to 0.16 s inside a sentence are closed */
#define VOICE_CONTEXT_TICKS 5
#define SPEECH_YES 0.5f

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The speech-band level of hop k of tick i, and its sub-band levels into sub (NBANDS): measured,
 * or the tick's mean band level for accumulators without hops. */
static float hop_levels(const hl_raw *raw, size_t i, int k, float *sub) {
    float l = -120.0f;
    const hl_raw_tick *tk = i < raw->n ? &raw->ticks[i] : NULL;
    if (tk && k < tk->hop_n) {
        for (int b = 0; b < NBANDS; b++)
            sub[b] = tk->hop_sub[k][FIRST_BAND + b];
        return tk->hop_band[k];
    }
    if (tk && tk->hops)
        l = tk->band_db_sum / (float)tk->hops;
    for (int b = 0; b < NBANDS; b++)
        sub[b] = l;
    return l;
}

/* out[i] = the BG_PERCENTILE of v over +-BG_HALF_TICKS around i. */
static void background(const float *v, size_t n, float *out) {
    float window[2 * BG_HALF_TICKS + 1];
    for (size_t i = 0; i < n; i++) {
        size_t a = i >= BG_HALF_TICKS ? i - BG_HALF_TICKS : 0;
        size_t b = i + BG_HALF_TICKS < n ? i + BG_HALF_TICKS : n - 1, m = b - a + 1;
        memcpy(window, v + a, m * sizeof(float));
        qsort(window, m, sizeof(float), cmp_float);
        out[i] = window[(size_t)(BG_PERCENTILE * (double)(m - 1))];
    }
}

int hl_voice_refine(const hl_raw *raw, engine_hl_track *out) {
    const size_t n = out->n, nh = n * HL_TICK_HOPS;
    float *level = malloc(nh * sizeof(float)), *sub = malloc(nh * NBANDS * sizeof(float));
    float *quiet = malloc(n * sizeof(float)), *bg = malloc(n * NBANDS * sizeof(float));
    float *peak = malloc(n * sizeof(float));
    uint8_t *on = calloc(nh ? nh : 1, 1);
    int rc = 0;
    if (!level || !sub || !quiet || !bg || !peak || !on) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t h = 0; h < nh; h++)
        level[h] = hop_levels(raw, h / HL_TICK_HOPS, (int)(h % HL_TICK_HOPS), sub + h * NBANDS);
    for (int b = 0; b < NBANDS; b++) {
        for (size_t i = 0; i < n; i++) {
            quiet[i] = INFINITY;
            for (size_t h = i * HL_TICK_HOPS; h < (i + 1) * HL_TICK_HOPS; h++)
                quiet[i] = fminf(quiet[i], sub[h * NBANDS + (size_t)b]);
        }
        background(quiet, n, bg + (size_t)b * n);
    }
    for (size_t i = 0; i < n; i++) {
        size_t a = i >= PEAK_HALF_TICKS ? i - PEAK_HALF_TICKS : 0;
        size_t b = i + PEAK_HALF_TICKS < n ? i + PEAK_HALF_TICKS : n - 1;
        peak[i] = -120.0f;
        for (size_t h = a * HL_TICK_HOPS; h < (b + 1) * HL_TICK_HOPS; h++)
            peak[i] = level[h] > peak[i] ? level[h] : peak[i];
    }
    /* hysteresis on the lift */
    int active = 0;
    for (size_t h = 0; h < nh; h++) {
        size_t i = h / HL_TICK_HOPS;
        float first = -INFINITY, second = -INFINITY;
        for (int b = 0; b < NBANDS; b++) {
            float x = sub[h * NBANDS + (size_t)b] - bg[(size_t)b * n + i];
            if (x > first) {
                second = first;
                first = x;
            } else if (x > second) {
                second = x;
            }
        }
        float lift = NBANDS > 1 ? 0.5f * (first + second) : first;
        if (active)
            active = lift > VOICE_OFF_DB && level[h] > peak[i] - PEAK_OFF_DB;
        else
            active = lift > VOICE_ON_DB && level[h] > peak[i] - PEAK_ON_DB;
        on[h] = (uint8_t)active;
    }
    /* close the gaps inside sentences */
    size_t last = (size_t)-1;
    for (size_t h = 0; h < nh; h++) {
        if (!on[h])
            continue;
        if (last != (size_t)-1 && h - last > 1 && h - last <= VOICE_GAP_HOPS + 1)
            memset(on + last + 1, 1, h - last - 1);
        last = h;
    }
    /* keep the runs said to be speech */
    memset(out->voice, 0, n);
    for (size_t h = 0; h < nh;) {
        if (!on[h]) {
            h++;
            continue;
        }
        size_t e = h;
        while (e < nh && on[e])
            e++;
        size_t t0 = h / HL_TICK_HOPS, t1 = (e - 1) / HL_TICK_HOPS;
        size_t c0 = t0 >= VOICE_CONTEXT_TICKS ? t0 - VOICE_CONTEXT_TICKS : 0;
        size_t c1 = t1 + VOICE_CONTEXT_TICKS < n ? t1 + VOICE_CONTEXT_TICKS : n - 1;
        int speech = 0;
        for (size_t i = c0; i <= c1 && !speech; i++)
            speech = out->speech[i] > SPEECH_YES;
        if (speech)
            memset(out->voice + t0, 1, t1 - t0 + 1);
        h = e;
    }
out:
    free(level);
    free(sub);
    free(quiet);
    free(bg);
    free(peak);
    free(on);
    return rc;
}
