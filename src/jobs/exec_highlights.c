/* exec_highlights: runs a HighlightExtraction job in the service - its inputs resolved, the
 * shared highlights runner, outputs through the bucket sink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/artefacts.h"
#include "jobs/execute_int.h"
#include "jobs/highlights.h"
#include "jobs/split.h"

/* [ext] Sources (Duration, Shots, SignalTrackKey per input) and a thumbnail per clip, kept as the
 * job's artefacts (artefacts.h). */
static void add_artefacts(jobs_executor *ex, const store_job *job, const jobs_object_input *locals,
                          const jobs_hl_result *res, json_t *ai) {
    json_t *sources = json_array();
    json_t *hl = json_object_get(ai, "Highlights");
    json_t **items = calloc(json_array_size(hl) + 1, sizeof(*items));
    if (!sources || !items || json_object_set_new(ai, "Sources", sources)) {
        free(items);
        return;
    }
    for (size_t s = 0; s < res->n_sources; s++) {
        const jobs_hl_source *src = &res->sources[s];
        json_t *o = json_object(), *shots = json_array();
        for (size_t k = 0; shots && k < src->n_shots; k++)
            json_array_append_new(shots, json_real(src->shots[k]));
        if (!o || json_array_append_new(sources, o)) {
            json_decref(shots);
            break;
        }
        json_object_set_new(o, "SourceIndex", json_integer((json_int_t)s));
        json_object_set_new(o, "Duration", json_real(src->duration));
        json_object_set_new(o, "Shots", shots ? shots : json_array());
        char name[32];
        snprintf(name, sizeof(name), "track/%zu.json", s + 1);
        jobs_artefact_text(ex->st, job->job_id, name, src->signal_track, o, "SignalTrackKey");
        size_t k = 0;
        for (size_t i = 0; i < json_array_size(hl); i++) {
            json_t *c = json_array_get(hl, i);
            if ((size_t)json_integer_value(json_object_get(c, "SourceIndex")) == s)
                items[k++] = c;
        }
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "thumb/%zu", s + 1);
        jobs_artefact_thumbs(ex->st, job->job_id, &locals[s].source, NULL, items, k, prefix);
    }
    free(items);
}

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
    jobs_hl_split split = {
        .ex = ex, .task = task, .locals = locals, .inputs = inputs, .n = spec->n_media};
    jobs_hl_request req = {.inputs = inputs,
                           .n_inputs = spec->n_media,
                           .count = spec->count,
                           .clip_duration = spec->clip_duration,
                           .exporter = spec->output.need_export ? &sink.sink : NULL,
                           .width = spec->output.width,
                           .height = spec->output.height,
                           .analyze_all = jobs_split_hl_analyze,
                           .analyze_user = &split};
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
    if (ai)
        add_artefacts(ex, job, locals, &res, ai);
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
