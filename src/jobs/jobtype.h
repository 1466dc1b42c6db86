/* jobtype: the one table of job types. A row names a type (its JobType, its Submit action, its
 * business parameters) and gives the functions that parse, check, run and free its spec; the
 * API's dispatch, ListSmartJobs' JobType filter, the ClientToken fingerprint and the executor all
 * read it. Adding a job type is a row in jobtype.c, a parser (spec_*.c) and a runner (exec_*.c). */
#ifndef REELCUT_JOBTYPE_H
#define REELCUT_JOBTYPE_H

#include <stddef.h>

#include "jobs/execute.h"
#include "jobs/spec.h"
#include "store/store.h"

#define JOBS_TYPE_MAX_PARAMS 8 /* business parameters of one type */
#define JOBS_SPEC_MAX 512      /* bytes of the largest parsed spec (checked in jobtype.c) */

/* Room for any type's parsed spec, so callers keep one on the stack. */
typedef struct jobs_spec_buf {
    _Alignas(max_align_t) unsigned char bytes[JOBS_SPEC_MAX];
} jobs_spec_buf;

/* What a submission records in the job row besides the parameters; points into the spec. */
typedef struct jobs_submit_plan {
    const char *input_file;         /* the input as given (the first one, for several) */
    const jobs_output_spec *output; /* OutputConfig */
    const jobs_userdata *userdata;  /* UserData */
} jobs_submit_plan;

typedef struct jobs_job_type {
    const char *name;          /* JobType on the wire and in the store, e.g. "Segmentation" */
    const char *action;        /* its Submit action, e.g. "SubmitSegmentationJob"; NULL for the
                                  service's own sub-tasks (split.h): no check, plan or input */
    const char *const *params; /* business parameters in table order, NULL-terminated; the
                                  first is mandatory */
    /* Its value in jobs_list_params.type. NextToken binds this number, so it stays fixed per type
     * (never derived from the row's position). */
    enum jobs_type_filter filter;
    /* Parses the values of params (same order, NULL = absent) into spec (a jobs_spec_buf): syntax
     * and policy, the first failure wins. 0, or a negative rc with err (spec then needs no free).
     */
    int (*parse)(const char *const *values, const jobs_policy *policy, void *spec, rc_error *err);
    /* The state checks that follow the ClientToken lookup (buckets configured). */
    int (*check)(const void *spec, const jobs_policy *policy, rc_error *err);
    /* Runs a claimed job of this type (the executor's, exec_*.c). */
    int (*run)(jobs_executor *ex, const jobs_task *task, const void *spec, jobs_outcome *out,
               rc_error *err);
    void (*free)(void *spec);
    void (*plan)(const void *spec, jobs_submit_plan *out);
    /* Input i: 1 with *media_id (NULL unless the input is a MediaId) and, for a MediaId, its
     * parameter path in path (size n); 0 past the last input. */
    int (*input)(const void *spec, size_t i, const char **media_id, char *path, size_t n);
} jobs_job_type;

/* The row of a JobType / of a Submit action; NULL when none. */
const jobs_job_type *jobs_job_type_by_name(const char *name);
const jobs_job_type *jobs_job_type_by_action(const char *action);

/* Parses the parameters a stored job was submitted with (its input_config, job_params,
 * output_config, user_data) with type's parser. As type->parse. */
int jobs_job_type_parse_job(const jobs_job_type *type, const store_job *job,
                            const jobs_policy *policy, jobs_spec_buf *spec, rc_error *err);

#endif
