/* execute: runs one claimed job - resolves its inputs through blob, calls the engine, uploads the
 * outputs and renders the AiResult. The jobs_execute_fn the worker pool calls. */
#ifndef REELCUT_EXECUTE_H
#define REELCUT_EXECUTE_H

#include <jansson.h>

#include "blob/blob.h"
#include "jobs/pool.h"
#include "jobs/spec.h"
#include "store/store.h"
#include "util/config.h"

typedef struct jobs_executor jobs_executor;

/* Creates an executor over borrowed cfg, st and blob (they must outlive it). */
int jobs_executor_create(const config *cfg, store *st, blob_backend *blob, jobs_executor **out,
                         rc_error *err);
void jobs_executor_destroy(jobs_executor *ex);

/* The jobs_execute_fn: user is the jobs_executor. */
int jobs_executor_run(void *user, const jobs_task *task, jobs_outcome *out, rc_error *err);

/* The input/output policy the configuration gives (buckets known to blob, local paths, hosts),
 * shared by the API's validation and the executor. ctx must outlive policy. */
void jobs_policy_from_config(const config *cfg, blob_backend *blob, jobs_policy *policy);

#endif
