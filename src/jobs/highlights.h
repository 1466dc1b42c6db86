/* highlights (jobs): runs a highlight extraction over local inputs - probe, the 2 h limit,
 * analysis, selection, optional export - and renders the AiResult JSON; shared by the CLI and the
 * service. */
#ifndef REELCUT_JOBS_HIGHLIGHTS_H
#define REELCUT_JOBS_HIGHLIGHTS_H

#include <stddef.h>

#include <jansson.h>

#include "engine/engine.h"
#include "engine/highlights/highlights.h"
#include "jobs/sink.h"

#define JOBS_HL_MAX_TOTAL_S 7200.0

/* One input: a local file and what to echo for it (exactly one of media_id / media_url is used:
 * media_id when set, as API.md §4.3 SourceMediaId, else media_url as SourceMediaURL). Strings are
 * borrowed for the duration of jobs_hl_run. */
typedef struct jobs_hl_input {
    const char *path; /* local file (or the name of source) */
    const char *media_id;
    const char *media_url;
    const engine_source *source; /* NULL = path; else read through it (messages use its name) */
} jobs_hl_input;

typedef struct jobs_hl_request {
    const jobs_hl_input *inputs;
    size_t n_inputs;                  /* 1..30 */
    int count;                        /* clips per input, 1..10 */
    double clip_duration;             /* seconds, 3..60 */
    const jobs_output_sink *exporter; /* NULL = time ranges only */
    int width, height;                /* export size, 0 = source size (API.md §4.0 size rules) */
    /* What may analyse every input at once (e.g. across workers, jobs/split.h) before the
     * selection: fills tracks[0..n_inputs) and sets *done, or leaves *done 0 to have them
     * analysed here one by one. durations: the probed inputs'. NULL = here. */
    int (*analyze_all)(void *user, const double *durations, const engine_progress *progress,
                       engine_hl_track *tracks, int *done, rc_error *err);
    void *analyze_user;
} jobs_hl_request;

/* The fast pass over input i of a request (jobs_hl_run's own), its failures named the way the
 * caller knows the input ("InputConfig.MediaArray[1] (oss://b/k.mp4): ..."). */
int jobs_hl_analyze_input(const jobs_hl_input *in, size_t i, const engine_progress *progress,
                          engine_hl_track *track, rc_error *err);

typedef struct jobs_hl_clip {
    int index;           /* 1-based over the whole list */
    size_t source_index; /* 0-based position in the inputs */
    engine_hl_clip clip; /* in, out, score, rank, reasons */
    char *media_url;     /* exported only (malloc'd) */
    char *media_id;      /* ExportAsNewMedia only (malloc'd) */
} jobs_hl_clip;

typedef struct jobs_hl_source {
    char *media_id;  /* echo (malloc'd) or NULL */
    char *media_url; /* echo (malloc'd) or NULL */
    double duration;
    unsigned notes;     /* enum engine_hl_note flags */
    char *signal_track; /* what the picker measured, as jobs_signal_track_json (malloc'd) */
    double *shots;      /* shot changes (s), increasing (malloc'd) */
    size_t n_shots;
} jobs_hl_source;

typedef struct jobs_hl_result {
    jobs_hl_clip *clips; /* ordered by source_index, then in */
    size_t n_clips;
    jobs_hl_source *sources;
    size_t n_sources;
    double total_duration;
} jobs_hl_result;

/* Runs the job. Every input is probed first: a missing or unreadable input, or one without video,
 * fails the whole job naming it ("InputConfig.MediaArray[1] (oss://b/k.mp4): ...") before any
 * analysis; inputs over JOBS_HL_MAX_TOTAL_S in total fail with RC_ERANGE
 * (InvalidParameter.OutOfRange "InputConfig.MediaArray total duration 7300.000 s exceeds
 * 7200 s"). Progress runs 0..1. Fills *out (caller-allocated; free with jobs_hl_result_free, also
 * after a failure). Returns 0 or a negative rc with err filled (IMS code from the rc table). */
int jobs_hl_run(const jobs_hl_request *req, const engine_progress *progress, jobs_hl_result *out,
                rc_error *err);

/* The AiResult of API.md §4.3 as a new JSON object (caller json_decref()s it), or NULL on ENOMEM:
 * {"Highlights":[...]} plus, when any input has one, the [ext] "Notes":[{"SourceIndex","Code",
 * "Message"}] saying why an input gave fewer or shorter clips (docs/highlights.md). */
json_t *jobs_hl_result_json(const jobs_hl_result *res);

/* Frees what res owns and zeroes it. NULL-safe. */
void jobs_hl_result_free(jobs_hl_result *res);

#endif
