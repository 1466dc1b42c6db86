/* hl_voice: where someone speaks (speech likelihood, ~1 s) and when each sentence starts and ends
 * (voice activity, to the hop: 20 ms).
 *
 Both listen in five sub-bands (200-500, 500-1000, 1000-2000, 2000-3400, 3400-7800 Hz). In
 * each band the background is the median, over +-3 s, of the quietest hop of each tick: what is
 * left between sentences and syllables - for a steady bed its level, for an unsteady one (the
 * notes of music) a level its swells reach often, so they do not count as lifts. A hop's lift is
 * the mean of its two largest band excesses over their backgrounds: speech lifts at least two
 * bands at 10 dB SNR whatever the bed (music and brown noise leave the bands above 1 kHz free,
 * white noise the bands below), a bed's swell or overtone rarely two.
 *
 * Speech likelihood (per tick, over +-0.5 s): syllables make the lift rise and fall (its standard
 * deviation over the ticks' peaks, SPEECH_SD_DB), it stands clear of the background (its mean,
 * SPEECH_LIFT_DB), and most lifted hops are voiced - periodic at a voice's pitch (SPEECH_VOICED;
 * crowds, hits and hiss are not), and it does not repeat like a beat (SPEECH_RHYTHM: the
 * autocorrelation at lags of 0.2-1 s; drums and hits repeat, syllables do not). Each is a logistic
 * step; the likelihood is their product.
 *
 * Voice activity (per hop, with hysteresis): it starts at a lift of VOICE_ON_DB and holds above
 * VOICE_OFF_DB - in a quiet room only within PEAK_ON_DB / PEAK_OFF_DB of the loudest hop around
 * (levels over 200-7800 Hz): a sentence's tail 30 dB under its peak is over. In a quiet room a hop
 * within HOLD_PEAK_DB of the loudest and HOLD_QUIET_DB over the room between sentences (the full
 * band's 10th percentile of quiet hops over +-3 s) is active too: a nasal or a voiced consonant
 * has its energy in one band, but is loud. Gaps up to VOICE_GAP_HOPS (stop consonants, gaps
 * between words) are closed, so the pauses between sentences (>= 0.25 s) stay open; an active run
 * is voice when the speech likelihood is high within it or within VOICE_CONTEXT_TICKS of it (a
 * door slam next to no speech is not a sentence).
 *
 * The constants were set on the tuning seeds of bench/highlights (see its README). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/highlights/hl_int.h"

#define BG_HALF_TICKS 30     /* the background is measured over +-3 s */
#define BG_PERCENTILE 0.5    /* of the quietest hop of each tick */
#define QUIET_PERCENTILE 0.1 /* the room between sentences (full band) */
#define NBANDS HL_SUBBANDS
#define VOICE_ON_DB 12.0   /* a lift this high starts activity */
#define VOICE_OFF_DB 8.0   /* and activity holds while over this */
#define PEAK_HALF_TICKS 10 /* the speech level is the loudest hop over +-1 s */
#define PEAK_ON_DB 26.0    /* ... and a hop must also be within this of it to start activity */
#define PEAK_OFF_DB 30.0   /* ... and within this to hold it: 30 dB under a sentence is silence */
#define VOICE_GAP_HOPS 11  /* gaps up to 0.22 s inside a sentence are closed */
#define HOLD_PEAK_DB 26.0  /* a hop is also active within this of the loudest hop ... */
#define HOLD_QUIET_DB 20.0 /* ... and this far over the room between sentences (a nasal) */
#define VOICE_CONTEXT_TICKS 5
#define SPEECH_YES 0.5f
#define SPEECH_HALF_TICKS 5 /* the speech likelihood looks at +-0.5 s */
#define SPEECH_SD_DB 3.0    /* syllabic rise and fall of the lift */
#define SPEECH_LIFT_DB 8.0  /* mean lift */
#define SPEECH_VOICED 0.4   /* fraction of lifted hops that are periodic */
#define LIFTED_DB 10.0      /* a hop this far over the background is lifted */
#define PERIODIC 0.5        /* periodicity of a voiced hop */
#define SPEECH_RHYTHM 0.7   /* a lift that repeats this regularly is a beat */

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static double sigmoid(double x) {
    return 1.0 / (1.0 + exp(-x));
}

/* The FFT bins of each sub-band (the sub-band levels are per bin). */
static void band_bins(double bins[NBANDS]) {
    static const int edges[HL_SUBBANDS + 1] = HL_SUBBAND_EDGES;
    for (int b = 0; b < NBANDS; b++) {
        bins[b] = 0;
        for (int k = 0; k <= HL_FFT / 2; k++) {
            int hz = k * HL_AUDIO_RATE / HL_FFT;
            bins[b] += hz >= edges[b] && hz < edges[b + 1];
        }
    }
}

/* The level of hop k of tick i over 200-7800 Hz (dB; a fricative's energy is above 3.4 kHz), its
 * sub-band levels into sub (NBANDS) and its periodicity into *per; silence where the hop was not
 * measured. */
static float hop_levels(const hl_raw *raw, size_t i, int k, const double *bins, float *sub,
                        float *per) {
    const hl_raw_tick *tk = i < raw->n ? &raw->ticks[i] : NULL;
    if (tk && k < tk->hop_n) {
        double power = 0;
        for (int b = 0; b < NBANDS; b++) {
            sub[b] = tk->hop_sub[k][b];
            power += bins[b] * pow(10.0, sub[b] / 10.0);
        }
        *per = tk->hop_per[k];
        return (float)(10.0 * log10(power + 1e-12));
    }
    for (int b = 0; b < NBANDS; b++)
        sub[b] = -120.0f;
    *per = 0;
    return -120.0f;
}

/* How rhythmic the lift is around tick i: the best normalised autocorrelation of the ticks' peak
 * lifts at lags of 0.2-1 s over +-1.5 s. Beats and hits repeat; syllables do not. */
static double rhythm_at(const float *v, size_t n, size_t i) {
    const size_t half = 15;
    size_t a = i >= half ? i - half : 0, b = i + half < n ? i + half : n - 1;
    if (b - a < 20)
        return 0;
    double mean = 0;
    for (size_t j = a; j <= b; j++)
        mean += v[j];
    mean /= (double)(b - a + 1);
    double var = 0;
    for (size_t j = a; j <= b; j++)
        var += (v[j] - mean) * (v[j] - mean);
    if (var < 1e-6)
        return 0;
    double best = 0;
    for (size_t lag = 2; lag <= 10; lag++) {
        double c = 0;
        for (size_t j = a; j + lag <= b; j++)
            c += (v[j] - mean) * (v[j + lag] - mean);
        c /= var * (double)(b - a + 1 - lag) / (double)(b - a + 1);
        best = c > best ? c : best;
    }
    return best;
}

/* The likelihood that someone speaks around tick i, from the ticks' peak lifts and the hops'
 * lifts and periodicity. */
static float speech_at(const float *tick_lift, const float *lift, const float *per, size_t n,
                       size_t i) {
    size_t a = i >= SPEECH_HALF_TICKS ? i - SPEECH_HALF_TICKS : 0;
    size_t b = i + SPEECH_HALF_TICKS < n ? i + SPEECH_HALF_TICKS : n - 1;
    double sum = 0, sq = 0;
    for (size_t j = a; j <= b; j++) {
        sum += tick_lift[j];
        sq += (double)tick_lift[j] * tick_lift[j];
    }
    double m = (double)(b - a + 1), mean = sum / m, sd = sqrt(fmax(0, sq / m - mean * mean));
    int lifted = 0, voiced = 0;
    for (size_t h = a * HL_TICK_HOPS; h < (b + 1) * HL_TICK_HOPS; h++) {
        if (lift[h] > LIFTED_DB) {
            lifted++;
            voiced += per[h] > PERIODIC;
        }
    }
    double frac = lifted ? (double)voiced / lifted : 0;
    double p = sigmoid((sd - SPEECH_SD_DB) / 1.0) * sigmoid((mean - SPEECH_LIFT_DB) / 2.0) *
               sigmoid((frac - SPEECH_VOICED) / 0.08);
    if (p > 0.05)
        p *= sigmoid((SPEECH_RHYTHM - rhythm_at(tick_lift, n, i)) / 0.08);
    return (float)p;
}

/* out[i] = the percentile q of v over +-BG_HALF_TICKS around i. */
static void background(const float *v, size_t n, double q, float *out) {
    float window[2 * BG_HALF_TICKS + 1];
    for (size_t i = 0; i < n; i++) {
        size_t a = i >= BG_HALF_TICKS ? i - BG_HALF_TICKS : 0;
        size_t b = i + BG_HALF_TICKS < n ? i + BG_HALF_TICKS : n - 1, m = b - a + 1;
        memcpy(window, v + a, m * sizeof(float));
        qsort(window, m, sizeof(float), cmp_float);
        out[i] = window[(size_t)(q * (double)(m - 1))];
    }
}

int hl_voice_finish(const hl_raw *raw, engine_hl_track *out) {
    const size_t n = out->n, nh = n * HL_TICK_HOPS;
    float *level = malloc(nh * sizeof(float)), *sub = malloc(nh * NBANDS * sizeof(float));
    float *quiet = malloc(n * sizeof(float)), *bg = malloc(n * (NBANDS + 1) * sizeof(float));
    float *peak = malloc(n * sizeof(float)), *lift = malloc(nh * sizeof(float));
    float *per = malloc(nh * sizeof(float)), *tick_lift = malloc(n * sizeof(float));
    uint8_t *on = calloc(nh ? nh : 1, 1);
    int rc = 0;
    if (!level || !sub || !quiet || !bg || !peak || !lift || !per || !tick_lift || !on) {
        rc = RC_ENOMEM;
        goto out;
    }
    double bins[NBANDS];
    band_bins(bins);
    for (size_t h = 0; h < nh; h++)
        level[h] = hop_levels(raw, h / HL_TICK_HOPS, (int)(h % HL_TICK_HOPS), bins,
                              sub + h * NBANDS, per + h);
    /* the full band's background, after the sub-bands' */
    for (size_t i = 0; i < n; i++) {
        quiet[i] = INFINITY;
        for (size_t h = i * HL_TICK_HOPS; h < (i + 1) * HL_TICK_HOPS; h++)
            quiet[i] = fminf(quiet[i], level[h]);
    }
    background(quiet, n, QUIET_PERCENTILE, bg + (size_t)NBANDS * n);
    for (int b = 0; b < NBANDS; b++) {
        for (size_t i = 0; i < n; i++) {
            quiet[i] = INFINITY;
            for (size_t h = i * HL_TICK_HOPS; h < (i + 1) * HL_TICK_HOPS; h++)
                quiet[i] = fminf(quiet[i], sub[h * NBANDS + (size_t)b]);
        }
        background(quiet, n, BG_PERCENTILE, bg + (size_t)b * n);
    }
    for (size_t i = 0; i < n; i++) {
        size_t a = i >= PEAK_HALF_TICKS ? i - PEAK_HALF_TICKS : 0;
        size_t b = i + PEAK_HALF_TICKS < n ? i + PEAK_HALF_TICKS : n - 1;
        peak[i] = -120.0f;
        for (size_t h = a * HL_TICK_HOPS; h < (b + 1) * HL_TICK_HOPS; h++)
            peak[i] = level[h] > peak[i] ? level[h] : peak[i];
    }
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
        lift[h] = NBANDS > 1 ? 0.5f * (first + second) : first;
        tick_lift[i] = h % HL_TICK_HOPS == 0 || lift[h] > tick_lift[i] ? lift[h] : tick_lift[i];
    }
    for (size_t i = 0; i < n; i++)
        out->speech[i] = speech_at(tick_lift, lift, per, n, i);
    /* hysteresis on the lift */
    int active = 0;
    for (size_t h = 0; h < nh; h++) {
        size_t i = h / HL_TICK_HOPS;
        /* in a quiet room a nasal or a voiced consonant is loud in one band only */
        int loud = level[h] > peak[i] - HOLD_PEAK_DB &&
                   level[h] > bg[(size_t)NBANDS * n + i] + HOLD_QUIET_DB;
        if (active)
            active = loud || (lift[h] > VOICE_OFF_DB && level[h] > peak[i] - PEAK_OFF_DB);
        else
            active = loud || (lift[h] > VOICE_ON_DB && level[h] > peak[i] - PEAK_ON_DB);
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
    free(lift);
    free(per);
    free(tick_lift);
    free(on);
    return rc;
}
