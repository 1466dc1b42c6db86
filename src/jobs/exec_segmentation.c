/* exec_segmentation: runs a Segmentation job in the service - its input resolved, the shared
 * segmentation runner, outputs through the bucket sink. */
#include <stdlib.h>
#include <string.h>

#include "engine/thumbs.h"
#include "jobs/artefacts.h"
#include "jobs/execute_int.h"
#include "jobs/segmentation.h"
#include "jobs/split.h"

/* The AiResult with a thumbnail per segment (artefacts.h) where one could be made. */
static char *with_thumbnails(jobs_executor *ex, const store_job *job, const engine_source *src,
                             const engine_thumb_sampler *sampler, const segmentation_result *res) {
    json_t *ai = segmentation_ai_result(res);
    if (!ai)
        return NULL;
    json_t *segs = json_object_get(ai, "Segments");
    size_t n = json_array_size(segs);
    json_t **items = calloc(n + 1, sizeof(*items));
    if (items) { /* (without the memory for them, the result goes without thumbnails) */
        for (size_t i = 0; i < n; i++)
            items[i] = json_array_get(segs, i);
        jobs_artefact_thumbs(ex->st, job->job_id, src, sampler, items, n, "thumb");
    }
    free(items);
    /* (segmentation_ai_result_dumps' compact form) */
    char *text = json_dumps(ai, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(ai);
    return text;
}

int jobs_seg_execute(jobs_executor *ex, const jobs_task *task, const void *spec_ptr,
                     jobs_outcome *out, rc_error *err) {
    const jobs_seg_spec *spec = spec_ptr;
    const store_job *job = task->job;
    jobs_object_input in;
    int rc =
        jobs_resolve_input(ex, job, &spec->input, "InputConfig.Media", task->work_dir, &in, err);
    in.source.limits = &ex->limits;
    if (rc)
        return rc;
    jobs_bucket_sink sink = {0};
    engine_thumb_sampler *sampler = NULL;
    segmentation_range *ranges = NULL;
    segmentation_result res;
    memset(&res, 0, sizeof(res));
    rc = jobs_outputs_spare_inputs(&spec->output, &in, 1, err);
    if (rc)
        goto out;
    /* jobs_range and segmentation_range are both {double in, out}. */
    if (spec->n_ranges) {
        ranges = calloc(spec->n_ranges, sizeof(*ranges));
        if (!ranges) {
            rc = RC_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < spec->n_ranges; i++) {
            ranges[i].in = spec->ranges[i].in;
            ranges[i].out = spec->ranges[i].out;
        }
    }
    rc = jobs_bucket_sink_open(&sink, ex, task, &spec->output, &in, 1, err);
    if (rc)
        goto out;
    /* the segments' thumbnails from the analysis pass's own frames (none if it cannot be made) */
    if (spec->mode != JOBS_SEG_USER_DEFINED &&
        engine_thumb_sampler_new(JOBS_THUMB_EVERY_S, JOBS_THUMB_SAMPLES, 0, &sampler))
        sampler = NULL;
    jobs_split split = {
        .ex = ex, .task = task, .input = &in, .spec = spec, .sink = &sink, .thumbs = sampler};
    segmentation_request req = {
        .input_path = in.path,
        .input_source = &in.source,
        .input_name = "InputConfig.Media",
        .mode = spec->mode == JOBS_SEG_USER_DEFINED ? SEGMENTATION_USER_DEFINED
                                                    : SEGMENTATION_BASIC_CLIP_SPLIT,
        .ranges = ranges,
        .nb_ranges = spec->n_ranges,
        .ranges_name = "JobParams.Ranges",
        .width = spec->output.width,
        .height = spec->output.height,
        .exporter = spec->output.need_export ? &sink.sink : NULL,
        .thumbs = sampler,
        .analyze = jobs_split_analyze,
        .analyze_user = &split,
        .spill_dir = task->work_dir,
        .export_all = jobs_split_export,
        .export_user = &split,
    };
    rc = segmentation_run(&req, &task->progress, &res, err);
    if (jobs_object_input_error(&in)) {
        if (!rc)
            jobs_bucket_sink_undo(&sink);
        rc = jobs_input_read_failure(&in, "InputConfig.Media", rc, err);
    }
    if (!rc) {
        out->ai_result = with_thumbnails(ex, job, &in.source, sampler, &res);
        if (res.count > 0 && res.segments[0].media_url[0])
            out->media_url = strdup(res.segments[0].media_url);
        if (res.count > 0 && res.segments[0].media_id[0])
            out->media_id = strdup(res.segments[0].media_id);
        if (!out->ai_result)
            rc = RC_ENOMEM;
    }
out:
    segmentation_result_free(&res);
    free(ranges);
    engine_thumb_sampler_free(&sampler);
    jobs_object_input_free(&in);
    jobs_bucket_sink_close(&sink);
    return rc;
}
