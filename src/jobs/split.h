/* split: one long input analysed by many workers. The job that owns the input cuts it at keyframes
 * about [jobs] split_seconds apart (engine_analyze_cuts) and queues one sub-task a part - a job of
 * the internal type JOBS_PART_TYPE, of no user (UserId 0: no key has it, so no caller sees one),
 * with a JobId made from the parent's and the part's index - that any worker claims like any other
 * job. The parent runs the parts nobody has taken itself, waits for the rest, and appends the
 * parts' tracks in order: the result equals a single pass's (engine_analyze_opts.from/to), and
 * parts that do not join fall back to one pass. A part's track travels as artefacts of its
 * sub-task (the store, shared by every worker), emptied once appended. */
#ifndef REELCUT_JOBS_SPLIT_H
#define REELCUT_JOBS_SPLIT_H

#include "engine/shots/analyze.h"
#include "jobs/execute.h"

#define JOBS_PART_TYPE "~AnalysisPart"
#define JOBS_EXPORT_PART_TYPE "~ExportPart"
#define JOBS_HL_PART_TYPE "~HighlightPart"

/* A sub-task's parameters (its JobParams): an analysis part {"Parent","Index","From","To"}, or
 * an export part {"Parent","Index","First","Ranges":[[In,Out],...]} - segments First, First+1,
 * ... of the parent's result. */
typedef struct jobs_part_spec {
    char parent[STORE_ID_LEN + 1];
    int index;       /* 0-based */
    double from, to; /* engine_analyze_opts' (0: the start / the end) */
    int first;       /* export: the AiResult Index of the first segment */
    size_t count;    /* export: segments */
    double *ranges;  /* export: count x {in, out}, seconds */
    int input; /* a highlight part {"Parent","Index","Input"}: the input's position; else -1 */
} jobs_part_spec;

/* The JobId of sub-task `index` of job `parent` (its export and highlight parts': of parent +
 * "/export"). */
int jobs_part_id(const char *parent, int index, char out[STORE_ID_LEN + 1]);

/* The jobtype rows' parser and runners of JOBS_PART_TYPE and JOBS_EXPORT_PART_TYPE. */
int jobs_part_spec_parse(const char *job_params, jobs_part_spec *out, rc_error *err);
void jobs_part_spec_free(jobs_part_spec *spec);
int jobs_part_execute(jobs_executor *ex, const jobs_task *task, const void *spec, jobs_outcome *out,
                      rc_error *err);
int jobs_export_part_execute(jobs_executor *ex, const jobs_task *task, const void *spec,
                             jobs_outcome *out, rc_error *err);

/* The analysis of a claimed job's input, in parts when it is long enough (a
 * segmentation_request.analyze): user is a jobs_split (below). */
typedef struct jobs_split {
    jobs_executor *ex;
    const jobs_task *task;            /* the parent job, as claimed */
    const jobs_object_input *input;   /* its input: split only when read in place (no download) */
    const struct jobs_seg_spec *spec; /* its parameters (export: OutputConfig) */
    struct jobs_bucket_sink *sink;    /* its outputs (export parts' are adopted, so undone too) */
    struct engine_thumb_sampler *thumbs; /* the job's thumbnail samples: the parts' join them */
} jobs_split;
int jobs_split_analyze(void *user, const engine_source *src, const engine_analyze_opts *opts,
                       const engine_progress *progress, engine_feature_track *out, rc_error *err);

/* The export of a claimed job's segments, in parts of about split_seconds of output each that
 * any worker may run, when there are at least two such (a segmentation_request.export_all);
 * otherwise segmentation_export_all. user is a jobs_split. */
struct segmentation_request;
struct segmentation_result;
int jobs_split_export(void *user, const struct segmentation_request *req,
                      const engine_progress *progress, double lo, struct segmentation_result *out,
                      rc_error *err);

/* The fast highlight pass over every input of a claimed HighlightExtraction job, one sub-task
 * (JOBS_HL_PART_TYPE) per input that any worker may run, when it has at least two inputs of at
 * least two split_seconds in all, read in place (a jobs_hl_request.analyze_all; user is a
 * jobs_hl_split). Each input's track is exactly the one a pass here would make. */
typedef struct jobs_hl_split {
    jobs_executor *ex;
    const jobs_task *task;
    const jobs_object_input *locals; /* n resolved inputs */
    const struct jobs_hl_input *inputs;
    size_t n;
} jobs_hl_split;
struct engine_hl_track;
int jobs_split_hl_analyze(void *user, const double *durations, const engine_progress *progress,
                          struct engine_hl_track *tracks, int *done, rc_error *err);

#endif
