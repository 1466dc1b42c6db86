/* exec_highlights: runs a HighlightExtraction job in the service - its inputs resolved, the
 * shared highlights runner, outputs through the bucket sink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/execute_int.h"
#include "jobs/highlights.h"

int jobs_hl_execute(jobs_executor *ex, const jobs_task *task, const void *spec_ptr,
                    jobs_outcome *out, rc_error *err) {
    const jobs_hl_spec *spec = spec_ptr;
    const store_job *job = task->job;
    int rc = 0;
    jobs_object_input *locals = calloc(spec->n_media, sizeof(*locals));
    jobs_hl_input *inputs = calloc(spec->n_media, sizeof(*inputs));
    jobs_bucket_sink sink = {0};
    jobs_hl_result res;
    memset(&res, 0, sizeof(res));
    if (!locals || !inputs) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < spec->n_media && !rc; i++) {
        const jobs_hl_media *m = &spec->media[i];
        char param[96];
        jobs_location media_loc = {.kind = JOBS_LOC_MEDIA, .raw = m->media_id, .key = m->media_id};
        snprintf(param, sizeof(param), "InputConfig.MediaArray[%zu].%s", i,
                 m->media_id ? "MediaId" : "MediaURL");
        rc = jobs_resolve_input(ex, job, m->media_id ? &media_loc : &m->url, param, task->work_dir,
                                &locals[i], err);
        locals[i].source.limits = &ex->limits;
        inputs[i].path = locals[i].path;
        inputs[i].source = &locals[i].source;
        inputs[i].media_id = m->media_id;
        inputs[i].media_url = m->media_id ? NULL : m->url.raw;
    }
    if (!rc)
        rc = jobs_outputs_spare_inputs(&spec->output, locals, spec->n_media, err);
    if (!rc)
        rc = jobs_bucket_sink_open(&sink, ex, task, &spec->output, locals, spec->n_media, err);
    if (rc)
        goto out;
    jobs_hl_request req = {inputs,
                           spec->n_media,
                           spec->count,
                           spec->clip_duration,
                           spec->output.need_export ? &sink.sink : NULL,
                           spec->output.width,
                           spec->output.height};
    rc = jobs_hl_run(&req, &task->progress, &res, err);
    for (size_t i = 0; i < spec->n_media; i++)
        if (jobs_object_input_error(&locals[i])) {
            char param[64];
            snprintf(param, sizeof(param), "InputConfig.MediaArray[%zu]", i);
            rc = jobs_input_read_failure(&locals[i], param, rc ? rc : RC_EREAD, err);
            break;
        }
    if (rc) {
        jobs_bucket_sink_undo(&sink);
        goto out;
    }
    json_t *ai = jobs_hl_result_json(&res);
    out->ai_result =
        ai ? json_dumps(ai, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(ai);
    if (res.n_clips > 0 && res.clips[0].media_url)
        out->media_url = strdup(res.clips[0].media_url);
    if (res.n_clips > 0 && res.clips[0].media_id)
        out->media_id = strdup(res.clips[0].media_id);
    if (!out->ai_result)
        rc = RC_ENOMEM;
out:
    jobs_hl_result_free(&res);
    for (size_t i = 0; locals && i < spec->n_media; i++)
        jobs_object_input_free(&locals[i]);
    free(locals);
    free(inputs);
    jobs_bucket_sink_close(&sink);
    return rc;
}
