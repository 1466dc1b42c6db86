/* jobtype: the table of job types (see jobtype.h). */
#include "jobs/jobtype.h"

#include <stdio.h>
#include <string.h>

#include "jobs/execute_int.h"
#include "jobs/split.h"

/* ---- Segmentation (API.md §4.1) ---- */

static const char *const seg_params[] = {"InputConfig", "JobParams", "OutputConfig", "UserData",
                                         NULL};

static int seg_parse(const char *const *v, const jobs_policy *policy, void *spec, rc_error *err) {
    return jobs_seg_spec_parse(v[0], v[1], v[2], v[3], policy, spec, err);
}

static int seg_check(const void *spec, const jobs_policy *policy, rc_error *err) {
    return jobs_seg_spec_check_state(spec, policy, err);
}

static void seg_free(void *spec) {
    jobs_seg_spec_free(spec);
}

static void seg_plan(const void *spec_ptr, jobs_submit_plan *out) {
    const jobs_seg_spec *spec = spec_ptr;
    *out = (jobs_submit_plan){spec->input.raw, &spec->output, &spec->userdata};
}

static int seg_input(const void *spec_ptr, size_t i, const char **media_id, char *path, size_t n) {
    const jobs_seg_spec *spec = spec_ptr;
    if (i > 0)
        return 0;
    *media_id = spec->input.kind == JOBS_LOC_MEDIA ? spec->input.key : NULL;
    snprintf(path, n, "InputConfig.Media");
    return 1;
}

/* ---- HighlightExtraction (API.md §4.2) ---- */

static const char *const hl_params[] = {"InputConfig", "OutputConfig", "UserData", NULL};

static int hl_parse(const char *const *v, const jobs_policy *policy, void *spec, rc_error *err) {
    return jobs_hl_spec_parse(v[0], v[1], v[2], policy, spec, err);
}

static int hl_check(const void *spec, const jobs_policy *policy, rc_error *err) {
    return jobs_hl_spec_check_state(spec, policy, err);
}

static void hl_free(void *spec) {
    jobs_hl_spec_free(spec);
}

static void hl_plan(const void *spec_ptr, jobs_submit_plan *out) {
    const jobs_hl_spec *spec = spec_ptr;
    const jobs_hl_media *first = &spec->media[0];
    *out = (jobs_submit_plan){first->media_id ? first->media_id : first->url.raw, &spec->output,
                              &spec->userdata};
}

static int hl_input(const void *spec_ptr, size_t i, const char **media_id, char *path, size_t n) {
    const jobs_hl_spec *spec = spec_ptr;
    if (i >= spec->n_media)
        return 0;
    *media_id = spec->media[i].media_id;
    snprintf(path, n, "InputConfig.MediaArray[%zu].MediaId", i);
    return 1;
}

/* ---- the service's own sub-tasks (split.h): no action, so no caller submits or lists one ---- */

static const char *const part_params[] = {"JobParams", NULL};

static int part_parse(const char *const *v, const jobs_policy *policy, void *spec, rc_error *err) {
    (void)policy;
    return jobs_part_spec_parse(v[0], spec, err);
}

static void part_free(void *spec) {
    jobs_part_spec_free(spec);
}

/* ---- the table ---- */

_Static_assert(sizeof(jobs_seg_spec) <= JOBS_SPEC_MAX, "raise JOBS_SPEC_MAX");
_Static_assert(sizeof(jobs_hl_spec) <= JOBS_SPEC_MAX, "raise JOBS_SPEC_MAX");
_Static_assert(sizeof(jobs_part_spec) <= JOBS_SPEC_MAX, "raise JOBS_SPEC_MAX");

static const jobs_job_type job_types[] = {
    {.name = "Segmentation",
     .action = "SubmitSegmentationJob",
     .params = seg_params,
     .filter = JOBS_TYPE_SEGMENTATION,
     .parse = seg_parse,
     .check = seg_check,
     .run = jobs_seg_execute,
     .free = seg_free,
     .plan = seg_plan,
     .input = seg_input},
    {.name = "HighlightExtraction",
     .action = "SubmitHighlightExtractionJob",
     .params = hl_params,
     .filter = JOBS_TYPE_HIGHLIGHT,
     .parse = hl_parse,
     .check = hl_check,
     .run = jobs_hl_execute,
     .free = hl_free,
     .plan = hl_plan,
     .input = hl_input},
    {.name = JOBS_PART_TYPE,
     .params = part_params,
     .filter = JOBS_TYPE_NONE,
     .parse = part_parse,
     .run = jobs_part_execute,
     .free = part_free},
    {.name = JOBS_HL_PART_TYPE,
     .params = part_params,
     .filter = JOBS_TYPE_NONE,
     .parse = part_parse,
     .run = jobs_part_execute,
     .free = part_free},
    {.name = JOBS_EXPORT_PART_TYPE,
     .params = part_params,
     .filter = JOBS_TYPE_NONE,
     .parse = part_parse,
     .run = jobs_export_part_execute,
     .free = part_free},
};
#define N_JOB_TYPES (sizeof(job_types) / sizeof(job_types[0]))

const jobs_job_type *jobs_job_type_by_name(const char *name) {
    for (size_t i = 0; name && i < N_JOB_TYPES; i++)
        if (strcmp(job_types[i].name, name) == 0)
            return &job_types[i];
    return NULL;
}

const jobs_job_type *jobs_job_type_by_action(const char *action) {
    for (size_t i = 0; action && i < N_JOB_TYPES; i++)
        if (job_types[i].action && strcmp(job_types[i].action, action) == 0)
            return &job_types[i];
    return NULL;
}

/* A stored job's copy of business parameter `name`. */
static const char *job_param(const store_job *job, const char *name) {
    if (strcmp(name, "InputConfig") == 0)
        return job->input_config;
    if (strcmp(name, "JobParams") == 0)
        return job->job_params;
    if (strcmp(name, "OutputConfig") == 0)
        return job->output_config;
    if (strcmp(name, "UserData") == 0)
        return job->user_data;
    return NULL;
}

int jobs_job_type_parse_job(const jobs_job_type *type, const store_job *job,
                            const jobs_policy *policy, jobs_spec_buf *spec, rc_error *err) {
    const char *values[JOBS_TYPE_MAX_PARAMS] = {0};
    for (size_t i = 0; type->params[i] && i < JOBS_TYPE_MAX_PARAMS; i++)
        values[i] = job_param(job, type->params[i]);
    return type->parse(values, policy, spec, err);
}
