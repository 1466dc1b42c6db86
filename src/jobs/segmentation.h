/* segmentation: the SubmitSegmentationJob runner shared by `reelcut segment` and the service -
 * ranges or shot changes in, segments (optionally exported) out, AiResult JSON rendering. */
#ifndef REELCUT_SEGMENTATION_H
#define REELCUT_SEGMENTATION_H

#include <stddef.h>

#include <jansson.h>

#include "engine/engine.h"
#include "engine/shots/analyze.h"
#include "jobs/sink.h"

#define SEGMENTATION_URL_MAX 2048
#define SEGMENTATION_ID_MAX 64
#define SEGMENTATION_PATH_MAX 4096

enum segmentation_mode { SEGMENTATION_BASIC_CLIP_SPLIT, SEGMENTATION_USER_DEFINED };

typedef struct segmentation_range {
    double in, out; /* seconds */
} segmentation_range;

typedef struct segmentation_result segmentation_result;
typedef struct segmentation_request {
    const char *input_path; /* local file (or the name of input_source) */
    /* NULL = input_path; else read through it. Engine messages name the input by its name. */
    const engine_source *input_source;
    const char
        *input_name; /* how messages name the input (e.g. "InputConfig.Media"); NULL = path */
    enum segmentation_mode mode;
    const segmentation_range *ranges; /* UserDefined: 1..n ranges, In < Out already checked */
    size_t nb_ranges;
    const char *ranges_name; /* parameter path of the ranges in messages, e.g. "JobParams.Ranges" */
    double min_shot;         /* BasicClipSplit: seconds; <= 0 = engine default */
    int width, height;       /* export size, 0 = source (engine_export_opts) */
    const jobs_output_sink *exporter; /* NULL = nothing is exported */
    /* BasicClipSplit: given the analysis pass's frames (engine_thumb_sampler), so the segments'
     * thumbnails need no decoding of their own. NULL = none. */
    struct engine_thumb_sampler *thumbs;
    /* BasicClipSplit: what analyses the input in place of engine_analyze (same contract), e.g.
     * in parts across workers (jobs/split.h). NULL = engine_analyze. */
    int (*analyze)(void *user, const engine_source *src, const engine_analyze_opts *opts,
                   const engine_progress *progress, engine_feature_track *out, rc_error *err);
    void *analyze_user;
    const char *spill_dir; /* BasicClipSplit: engine_analyze_opts.spill_dir (NULL: its default) */
    /* What exports the planned segments in place of segmentation_export_all (same contract),
     * e.g. in parts across workers (jobs/split.h). NULL = segmentation_export_all. */
    int (*export_all)(void *user, const struct segmentation_request *req,
                      const engine_progress *progress, double lo, struct segmentation_result *out,
                      rc_error *err);
    void *export_user;
} segmentation_request;

typedef struct segmentation_segment {
    int index;                            /* 1-based, equals {index} */
    double in, out;                       /* seconds, rounded to milliseconds */
    char media_url[SEGMENTATION_URL_MAX]; /* "" if not exported */
    char media_id[SEGMENTATION_ID_MAX];   /* "" if not registered */
} segmentation_segment;

struct segmentation_result {
    enum segmentation_mode mode;
    double duration; /* of the source, seconds, rounded to milliseconds */
    size_t count;
    segmentation_segment *segments;
    int damaged; /* the input had undecodable parts; what was readable was used */
};

/* Runs one segmentation job into *out (caller-allocated; free with segmentation_result_free, also
 * after a failure). Progress covers analysis and export. On failure nothing exported stays
 * behind (every output handed out is discarded) and err carries the IMS code and a message naming
 * the file or parameter: RC_ENOENT, RC_EMEDIA, RC_ENOVIDEO (input), RC_ERANGE (a range starting at
 * or past the end), RC_EWRITE (an output), RC_ECANCELED, RC_ENOMEM, or what export returned. */
int segmentation_run(const segmentation_request *req, const engine_progress *progress,
                     segmentation_result *out, rc_error *err);

void segmentation_result_free(segmentation_result *res);

/* Exports out's segments through req->exporter (progress from lo to 1 of progress), filling
 * their MediaURL / MediaId; on failure every output handed out is discarded. */
int segmentation_export_all(const segmentation_request *req, const engine_progress *progress,
                            double lo, segmentation_result *out, rc_error *err);

/* The AiResult object of API.md §4.3: {Mode, Duration, Segments:[{Index, In, Out, Duration,
 * MediaURL?, MediaId?}]}. Returns a new reference or NULL when out of memory. */
json_t *segmentation_ai_result(const segmentation_result *res);

/* The same, serialised compactly with millisecond-friendly number formatting (e.g. 4.129, not
 * 4.1289999999999996); `indent` > 0 pretty-prints. Caller free()s; NULL when out of memory. */
char *segmentation_ai_result_dumps(const segmentation_result *res, int indent);

/* Rounds seconds to milliseconds. */
double segmentation_round_ms(double seconds);

#endif
