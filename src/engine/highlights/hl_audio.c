/* hl_audio: the audio half of the highlight pass - decode to mono 16 kHz, then per 20 ms hop the
 * K-weighted energy (EBU R128 loudness), spectral flux, the speech-band and five sub-band levels
 * and periodicity (hl_voice.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libavutil/tx.h>
#include <libswresample/swresample.h>

#include "engine/highlights/hl_int.h"

#define PER_MIN_LAG (HL_AUDIO_RATE / 400) /* voice pitch 400 Hz ... */
#define PER_MAX_LAG (HL_AUDIO_RATE / 70)  /* ... 70 Hz */

typedef struct biquad {
    double b0, b1, b2, a1, a2;
    double z1, z2;
} biquad;

struct hl_audio {
    AVCodecContext *dec;
    AVFrame *frame;
    SwrContext *swr;
    AVRational tb;
    double origin;
    int64_t pos; /* samples (16 kHz) since tick 0 of the next sample to arrive */
    int started;
    biquad shelf, highpass;
    float *window; /* HL_FFT samples, the newest last */
    int fill;      /* samples in window since the last hop */
    float *fft_in;
    AVComplexFloat *fft_out;
    float *hann;
    float prev_logmag[HL_FFT / 2 + 1];
    int have_prev;
    AVTXContext *tx;
    av_tx_fn tx_fn;
    /* periodicity: autocorrelation of the windowed hop, zero-padded to 2 x HL_FFT */
    AVTXContext *ac_fwd, *ac_inv;
    av_tx_fn ac_fwd_fn, ac_inv_fn;
    float *ac_in, *ac_out;
    AVComplexFloat *ac_spec;
    float win_ac[PER_MAX_LAG + 1]; /* the Hann window's own autocorrelation, normalised */
    float *conv;                   /* converted samples of one frame */
    int conv_cap;
};

static double biquad_run(biquad *q, double x) {
    double y = q->b0 * x + q->z1;
    q->z1 = q->b1 * x - q->a1 * y + q->z2;
    q->z2 = q->b2 * x - q->a2 * y;
    return y;
}

/* K-weighting (ITU-R BS.1770) for any sample rate: the libebur128 derivation of the two stages. */
static void k_weighting(biquad *shelf, biquad *hp, double fs) {
    double f0 = 1681.974450955533, G = 3.999843853973347, Q = 0.7071752369554196;
    double K = tan(M_PI * f0 / fs);
    double Vh = pow(10.0, G / 20.0), Vb = pow(Vh, 0.4996667741545416);
    double a0 = 1.0 + K / Q + K * K;
    memset(shelf, 0, sizeof(*shelf));
    shelf->b0 = (Vh + Vb * K / Q + K * K) / a0;
    shelf->b1 = 2.0 * (K * K - Vh) / a0;
    shelf->b2 = (Vh - Vb * K / Q + K * K) / a0;
    shelf->a1 = 2.0 * (K * K - 1.0) / a0;
    shelf->a2 = (1.0 - K / Q + K * K) / a0;
    f0 = 38.13547087602444;
    Q = 0.5003270373238773;
    K = tan(M_PI * f0 / fs);
    a0 = 1.0 + K / Q + K * K;
    memset(hp, 0, sizeof(*hp));
    hp->b0 = 1.0;
    hp->b1 = -2.0;
    hp->b2 = 1.0;
    hp->a1 = 2.0 * (K * K - 1.0) / a0;
    hp->a2 = (1.0 - K / Q + K * K) / a0;
}

int hl_audio_open(hl_audio **out, AVFormatContext *fmt, int index, double origin) {
    *out = NULL;
    AVStream *st = fmt->streams[index];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return RC_EMEDIA;
    hl_audio *a = calloc(1, sizeof(*a));
    if (!a)
        return RC_ENOMEM;
    int rc = RC_ENOMEM;
    a->tb = st->time_base;
    a->origin = origin;
    a->dec = avcodec_alloc_context3(codec);
    a->frame = av_frame_alloc();
    a->window = av_mallocz(HL_FFT * sizeof(float));
    a->fft_in = av_mallocz(HL_FFT * sizeof(float));
    a->fft_out = av_mallocz((HL_FFT / 2 + 1) * sizeof(AVComplexFloat));
    a->hann = av_malloc(HL_FFT * sizeof(float));
    if (!a->dec || !a->frame || !a->window || !a->fft_in || !a->fft_out || !a->hann)
        goto fail;
    for (int i = 0; i < HL_FFT; i++)
        a->hann[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / (HL_FFT - 1)));
    float scale = 1.0f / HL_FFT, one = 1.0f;
    if (av_tx_init(&a->tx, &a->tx_fn, AV_TX_FLOAT_RDFT, 0, HL_FFT, &scale, 0) < 0)
        goto fail;
    a->ac_in = av_mallocz(2 * HL_FFT * sizeof(float) + 64);
    a->ac_out = av_mallocz(2 * HL_FFT * sizeof(float) + 64);
    a->ac_spec = av_mallocz((HL_FFT + 1) * sizeof(AVComplexFloat) + 64);
    if (!a->ac_in || !a->ac_out || !a->ac_spec ||
        av_tx_init(&a->ac_fwd, &a->ac_fwd_fn, AV_TX_FLOAT_RDFT, 0, 2 * HL_FFT, &one, 0) < 0 ||
        av_tx_init(&a->ac_inv, &a->ac_inv_fn, AV_TX_FLOAT_RDFT, 1, 2 * HL_FFT, &one, 0) < 0)
        goto fail;
    for (int lag = 0; lag <= PER_MAX_LAG; lag++) {
        double acc = 0;
        for (int i = 0; i + lag < HL_FFT; i++)
            acc += (double)a->hann[i] * a->hann[i + lag];
        a->win_ac[lag] = (float)acc;
    }
    for (int lag = PER_MAX_LAG; lag >= 0; lag--)
        a->win_ac[lag] /= a->win_ac[0];
    rc = RC_EMEDIA;
    if (avcodec_parameters_to_context(a->dec, st->codecpar) < 0)
        goto fail;
    a->dec->pkt_timebase = st->time_base;
    a->dec->thread_count = 1;
    if (avcodec_open2(a->dec, codec, NULL) < 0)
        goto fail;
    k_weighting(&a->shelf, &a->highpass, HL_AUDIO_RATE);
    *out = a;
    return 0;
fail:
    hl_audio_close(&a);
    return rc;
}

void hl_audio_close(hl_audio **pa) {
    hl_audio *a = *pa;
    if (!a)
        return;
    avcodec_free_context(&a->dec);
    av_frame_free(&a->frame);
    swr_free(&a->swr);
    av_tx_uninit(&a->tx);
    av_tx_uninit(&a->ac_fwd);
    av_tx_uninit(&a->ac_inv);
    av_free(a->ac_in);
    av_free(a->ac_out);
    av_free(a->ac_spec);
    av_free(a->window);
    av_free(a->fft_in);
    av_free(a->fft_out);
    av_free(a->hann);
    free(a->conv);
    free(a);
    *pa = NULL;
}

/* Periodicity of the hop's window: the highest normalised autocorrelation at the lags
 * of a voice's pitch (70-400 Hz), corrected for the window (Boersma 1993). 0..1. */
static float periodicity(hl_audio *a) {
    for (int i = 0; i < HL_FFT; i++)
        a->ac_in[i] = a->window[i] * a->hann[i];
    memset(a->ac_in + HL_FFT, 0, HL_FFT * sizeof(float));
    a->ac_fwd_fn(a->ac_fwd, a->ac_spec, a->ac_in, sizeof(AVComplexFloat));
    for (int k = 0; k <= HL_FFT; k++) {
        float re = a->ac_spec[k].re, im = a->ac_spec[k].im;
        a->ac_spec[k].re = re * re + im * im;
        a->ac_spec[k].im = 0;
    }
    a->ac_inv_fn(a->ac_inv, a->ac_out, a->ac_spec, sizeof(AVComplexFloat));
    float r0 = a->ac_out[0];
    if (!(r0 > 1e-9f))
        return 0;
    float best = 0;
    for (int lag = PER_MIN_LAG; lag <= PER_MAX_LAG; lag++) {
        float r = a->ac_out[lag] / r0 / a->win_ac[lag];
        best = r > best ? r : best;
    }
    return best > 1 ? 1 : best;
}

/* One analysis hop over the last HL_FFT samples, accounted to the tick of the hop's end. */
static int hop(hl_audio *a, hl_raw *raw) {
    double t = (double)a->pos / HL_AUDIO_RATE;
    hl_raw_tick *tk = hl_raw_at(raw, t > 0 ? t - 1e-6 : 0);
    if (!tk)
        return RC_ENOMEM;
    for (int i = 0; i < HL_FFT; i++)
        a->fft_in[i] = a->window[i] * a->hann[i];
    a->tx_fn(a->tx, a->fft_out, a->fft_in, sizeof(float));
    const int nb = HL_FFT / 2 + 1;
    const int lo = 300 * HL_FFT / HL_AUDIO_RATE, hi = 3400 * HL_FFT / HL_AUDIO_RATE;
    static const int edges[HL_SUBBANDS + 1] = HL_SUBBAND_EDGES;
    double band = 0, flux = 0, sub[HL_SUBBANDS] = {0};
    int nsub[HL_SUBBANDS] = {0};
    for (int k = 0; k < nb; k++) {
        double re = a->fft_out[k].re, im = a->fft_out[k].im;
        double p = re * re + im * im;
        float lm = (float)log1p(1e4 * sqrt(p));
        if (a->have_prev && lm > a->prev_logmag[k])
            flux += lm - a->prev_logmag[k];
        a->prev_logmag[k] = lm;
        if (k >= lo && k <= hi)
            band += p;
        int hz = k * HL_AUDIO_RATE / HL_FFT;
        for (int b = 0; b < HL_SUBBANDS; b++)
            if (hz >= edges[b] && hz < edges[b + 1]) {
                sub[b] += p;
                nsub[b]++;
            }
    }
    float band_db = (float)(10.0 * log10(band / (hi - lo + 1) + 1e-12));
    int slot = tk->hops < HL_TICK_HOPS ? tk->hops : HL_TICK_HOPS - 1;
    tk->hop_band[slot] = band_db;
    for (int b = 0; b < HL_SUBBANDS; b++)
        tk->hop_sub[slot][b] = (float)(10.0 * log10(sub[b] / (nsub[b] ? nsub[b] : 1) + 1e-12));
    tk->hop_per[slot] = periodicity(a);
    tk->hop_n = (uint8_t)(slot + 1);
    tk->hops++;
    tk->flux_sum += a->have_prev ? (float)(flux / nb) : 0;
    a->have_prev = 1;
    return 0;
}

/* A sample as the analysis takes it: full scale is 1; a damaged stream can decode to anything
 * (NaN, infinities, 1e30), which would poison the filters' state and every signal after it. NaN
 * is silence, the rest is clipped to full scale as a conversion to integer PCM would. */
static float sane_sample(float v) {
    if (isnan(v))
        return 0;
    return v > 1 ? 1 : v < -1 ? -1 : v;
}

static int push_samples(hl_audio *a, const float *s, int n, hl_raw *raw) {
    for (int i = 0; i < n; i++) {
        float v = sane_sample(s[i]);
        double x = biquad_run(&a->highpass, biquad_run(&a->shelf, v));
        double t = (double)a->pos / HL_AUDIO_RATE;
        hl_raw_tick *tk = hl_raw_at(raw, t);
        if (!tk)
            return RC_ENOMEM;
        tk->k_energy += x * x;
        tk->k_samples++;
        a->window[HL_FFT - HL_HOP + a->fill] = v;
        a->fill++;
        a->pos++;
        if (a->fill == HL_HOP) {
            int rc = hop(a, raw);
            if (rc)
                return rc;
            memmove(a->window, a->window + HL_HOP, (HL_FFT - HL_HOP) * sizeof(float));
            a->fill = 0;
        }
    }
    return 0;
}

static int convert_frame(hl_audio *a, AVFrame *fr, hl_raw *raw) {
    if (!a->swr) {
        AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
        if (swr_alloc_set_opts2(&a->swr, &mono, AV_SAMPLE_FMT_FLT, HL_AUDIO_RATE, &fr->ch_layout,
                                fr->format, fr->sample_rate, 0, NULL) < 0 ||
            swr_init(a->swr) < 0)
            return RC_EMEDIA;
    }
    if (!a->started) {
        a->started = 1;
        int64_t ts = fr->best_effort_timestamp;
        double t = ts == AV_NOPTS_VALUE ? 0 : ts * av_q2d(a->tb) - a->origin;
        a->pos = t > 0 ? (int64_t)llround(t * HL_AUDIO_RATE) : 0;
    }
    int need = (int)av_rescale_rnd(swr_get_delay(a->swr, fr->sample_rate) + fr->nb_samples,
                                   HL_AUDIO_RATE, fr->sample_rate, AV_ROUND_UP) +
               16;
    if (need > a->conv_cap) {
        float *p = realloc(a->conv, (size_t)need * sizeof(float));
        if (!p)
            return RC_ENOMEM;
        a->conv = p;
        a->conv_cap = need;
    }
    uint8_t *dst[1] = {(uint8_t *)a->conv};
    int got =
        swr_convert(a->swr, dst, a->conv_cap, (const uint8_t **)fr->extended_data, fr->nb_samples);
    if (got < 0)
        return RC_EMEDIA;
    return push_samples(a, a->conv, got, raw);
}

int hl_audio_packet(hl_audio *a, const AVPacket *pkt, hl_raw *raw) {
    int ret = avcodec_send_packet(a->dec, pkt);
    if (ret < 0 && ret != AVERROR(EAGAIN) && pkt)
        return 0; /* a damaged packet: skip it */
    for (;;) {
        ret = avcodec_receive_frame(a->dec, a->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return 0;
        int rc = convert_frame(a, a->frame, raw);
        av_frame_unref(a->frame);
        if (rc == RC_ENOMEM)
            return rc;
    }
}
