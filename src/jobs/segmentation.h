/* segmentation: the segmentation job runner shared by `reelcut segment` and the service - probe,
 * find the segments (given ranges or shot changes), export each, and render the AiResult. */
#ifndef REELCUT_SEGMENTATION_H
#define REELCUT_SEGMENTATION_H

#include <jansson.h>
#include <stddef.h>

#include "engine/engine.h"
#include "jobs/spec.h"

/* Where exported segments go. The runner writes output `index` (1-based) to the local path that
 * path_for gives, then calls done, which moves or uploads it and may name its MediaURL. */
typedef struct jobs_seg_output {
    int (*path_for)(void *user, int index, char *path, size_t n, rc_error *err);
    /* On success *url (malloc'd, may stay NULL) is the segment's MediaURL. */
    int (*done)(void *user, int index, const char *path, char **url, rc_error *err);
    /* Removes what done stored for index (a later segment failed: no partial outputs). */
    void (*undo)(void *user, int index);
    void *user;
    int width, height; /* 0 = from the source (API.md §4.0 size rules) */
} jobs_seg_output;

typedef struct jobs_seg_request {
    const char *input_path;  /* local file */
    const char *input_param; /* how errors name the input: "InputConfig.Media" or the path */
    enum jobs_seg_mode mode;
    const jobs_range *ranges; /* UserDefined */
    size_t n_ranges;
    const char *ranges_param; /* how errors name the ranges: "JobParams.Ranges" or "--ranges" */
    double min_shot;          /* BasicClipSplit minimum shot length in s; 0 = default */
    const jobs_seg_output *output; /* NULL = only time ranges */
} jobs_seg_request;

typedef struct jobs_seg_segment {
    int index; /* 1-based */
    double in, out;
    char *media_url; /* when exported and named */
} jobs_seg_segment;

typedef struct jobs_seg_result {
    enum jobs_seg_mode mode;
    double duration; /* of the source */
    jobs_seg_segment *segments;
    size_t count;
} jobs_seg_result;

/* Runs the job. Returns 0 with *out filled (jobs_seg_result_free() it), or a negative rc with err:
 * RC_ENOENT / RC_EMEDIA / RC_ENOVIDEO for the input (message names input_param), RC_ERANGE for a
 * range starting at or past the end, RC_EWRITE for an output, RC_ECANCELED. On failure every
 * output already stored is undone. */
int jobs_segmentation_run(const jobs_seg_request *req, const engine_progress *progress,
                          jobs_seg_result *out, rc_error *err);
void jobs_seg_result_free(jobs_seg_result *res);

/* The segmentation AiResult of API.md §4.3 (times rounded to ms). New reference. */
json_t *jobs_seg_result_json(const jobs_seg_result *res);

/* Rounds seconds to milliseconds, as every media time on the wire is. */
double jobs_round_ms(double seconds);

#endif
