/* highlights: a fast analysis pass into per-tick highlight signals, and the scoring and selection
 * of the clips worth watching (SubmitHighlightExtractionJob). No JSON, no I/O beyond reading media.
 */
#ifndef REELCUT_HIGHLIGHTS_H
#define REELCUT_HIGHLIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

#define ENGINE_HL_STEP 0.1     /* seconds per tick of the signal track */
#define ENGINE_HL_MAX_CLIPS 10 /* Strategy.Count upper bound */

enum { ENGINE_HL_AVOID_FROZEN = 1, ENGINE_HL_AVOID_EMPTY = 2 };

/* The signals of one input on a fixed grid of ENGINE_HL_STEP seconds (tick i covers
 * [i*step, (i+1)*step) from the start of the media). Every array holds n values. */
typedef struct engine_hl_track {
    size_t n;          /* ticks */
    double duration;   /* seconds */
    int has_audio;     /* 0: the input has no (decodable) audio track; audio arrays are zero */
    float *loudness;   /* momentary loudness (400 ms, EBU R128 K-weighted) in LUFS, >= -120 */
    float *flux;       /* spectral flux of the audio (onsets: cheers, impacts, hits), >= 0 */
    float *steady;     /* 0..1: 1 where the sound holds still (a hum, an engine, rain: no event
                          at any level), 0 where it lives (speech, cheers, hits) or is unknown */
    float *speech;     /* speech likelihood 0..1 */
    uint8_t *voice;    /* 1 while someone is speaking (0 in pauses between sentences) */
    float *motion;     /* coded video bytes per macroblock per frame: motion and detail, >= 0 */
    float *cuts;       /* shot changes starting in this tick */
    uint8_t *avoid;    /* never inside a clip: ENGINE_HL_AVOID_FROZEN (the picture stands still) or
                          ENGINE_HL_AVOID_EMPTY (black or a flat card); 0 = usable */
    double *cut_times; /* exact times (s) of the shot changes, increasing */
    size_t n_cut_times;
    /* analysis statistics */
    int64_t video_packets; /* video packets read (never decoded except keyframes) */
    int keyframes_decoded; /* keyframes decoded into thumbnails */
} engine_hl_track;

/* Allocates zeroed arrays for n ticks (cut_times empty). Returns 0 or RC_ENOMEM (then *t holds
 * nothing). Free with engine_hl_track_free. */
int engine_hl_track_alloc(engine_hl_track *t, size_t n);

/* Frees what t owns and zeroes it. NULL-safe. */
void engine_hl_track_free(engine_hl_track *t);

/* A track as bytes, to move it between processes of the same build (malloc'd *out); unpack
 * refuses anything else with RC_EINVAL (RC_ENOMEM when out of memory). */
int engine_hl_track_pack(const engine_hl_track *t, void **out, size_t *size);
int engine_hl_track_unpack(const void *data, size_t size, engine_hl_track *out);

/* The fast analysis pass over src: one demux pass; all audio is decoded (mono,
 * 16 kHz) for loudness, spectral flux and speech; video is read in the compressed domain (packet
 * sizes and key flags give motion and cuts) and only keyframes are decoded, with loop filter off,
 * into small thumbnails (cut confirmation, black/empty pictures). Fills *out (caller-allocated;
 * free with engine_hl_track_free even on failure). Fails with RC_ENOENT, RC_EMEDIA, RC_ENOVIDEO,
 * RC_ELIMIT (a picture over limits.max_pixels), RC_ECANCELED or RC_ENOMEM; err names the file
 * (RC_ELIMIT: the size and the limit only). A file without audio is not an error. The duration is
 * the container's unless it claims more than the video and audio packets hold. */
int engine_hl_analyze(const engine_source *src, const engine_progress *progress,
                      engine_hl_track *out, rc_error *err);

/* Why a selection has fewer or shorter clips than asked, or what was missing (bit flags). */
enum engine_hl_note {
    ENGINE_HL_NOTE_NO_AUDIO = 1,    /* no audio track: picked from the picture only */
    ENGINE_HL_NOTE_NO_SPEECH = 2,   /* no speech found */
    ENGINE_HL_NOTE_SHORT_INPUT = 4, /* shorter than Count x ClipDuration: fewer clips */
    ENGINE_HL_NOTE_WHOLE_INPUT = 8, /* shorter than the minimum clip: the whole input is the clip */
    ENGINE_HL_NOTE_LOW_INTEREST = 16, /* fewer clips: the rest of the input is uneventful */
    ENGINE_HL_NOTE_AVOIDED = 32,      /* black/frozen/empty stretches were left out */
    ENGINE_HL_NOTE_NO_USABLE = 64,    /* nothing usable (all black/frozen): no clip */
};

typedef struct engine_hl_clip {
    double in, out;                            /* seconds from the start of the media */
    double score;                              /* [0,1] */
    int rank;                                  /* 1 = best within its source */
    double speech, loudness, motion, cut_rate; /* reasons, each [0,1] */
} engine_hl_clip;

typedef struct engine_hl_selection {
    engine_hl_clip clips[ENGINE_HL_MAX_CLIPS]; /* ordered by in */
    int n;
    unsigned notes; /* enum engine_hl_note flags */
} engine_hl_selection;

/* Scores candidate windows of t (signals normalised against the input's own distribution) and
 * picks up to count (1..ENGINE_HL_MAX_CLIPS) non-overlapping clips of about clip_duration seconds
 * (within +-20%, hard bounds max(3, 0.5 x clip_duration) .. 1.5 x clip_duration; the whole input if
 * it is shorter than the minimum), a minimum gap apart, spread over scenes, never over avoid
 * ticks, with ends snapped to shot changes and pauses in speech. Deterministic. Fills *out.
 * Returns 0, RC_EINVAL for bad parameters, or RC_ENOMEM. */
int engine_hl_select(const engine_hl_track *t, int count, double clip_duration,
                     engine_hl_selection *out);

/* What the picker measured, for people to look at: the four reasons' strengths (each [0,1], the
 * scales of engine_hl_clip's reasons) at `rate` points a second - point i the mean over
 * [i/rate, (i+1)/rate) s, the cut rate over the CUT_SPAN seconds around its point - and the
 * avoided stretches. */
#define ENGINE_HL_SIGNAL_CUT_SPAN 5.0
typedef struct engine_hl_signals {
    size_t n;    /* points */
    double rate; /* points a second */
    float *speech, *loudness, *motion, *cut_rate;
} engine_hl_signals;

/* Fills *out for t at rate (0 < rate <= 1 / ENGINE_HL_STEP). Returns 0, RC_EINVAL or RC_ENOMEM
 * (then *out holds nothing). Free with engine_hl_signals_free. */
int engine_hl_signals_of(const engine_hl_track *t, double rate, engine_hl_signals *out);
void engine_hl_signals_free(engine_hl_signals *s);

/* The note's stable name ("NoAudio", "NoSpeech", ...) and a one-line explanation. */
const char *engine_hl_note_name(enum engine_hl_note note);
const char *engine_hl_note_text(enum engine_hl_note note);

#endif
