/* execute: runs one claimed job - resolves its inputs through blob, calls the engine, uploads the
 * outputs and renders the AiResult. The jobs_execute_fn the worker pool calls. */
#ifndef REELCUT_EXECUTE_H
#define REELCUT_EXECUTE_H

#include <jansson.h>

#include "blob/blob.h"
#include "engine/engine.h"
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

/* An input opened for the engine. Objects in buckets are read through their backend's reader:
 * S3 by ranged GETs (no download first; the reader falls back to a temp file by itself), local
 * buckets by the file blob_fs opened without following links - no path into a bucket is ever
 * handed to FFmpeg, which would resolve it again. A backend without a reader gives a temp-file
 * download. */
typedef struct jobs_object_input {
    char *path;           /* the local file; with reader, "oss://bucket/key" (for messages) */
    int is_temp;          /* path is a temp download to remove */
    blob_reader *reader;  /* or NULL */
    engine_source source; /* what the engine reads */
    /* The object read (an OSS input), else NULL: no output may replace it. */
    char *bucket, *key;
    /* What messages call the input ("InputConfig.Media (oss://b/k)"), or NULL. */
    char *name;
} jobs_object_input;

/* Opens bucket/key of be into *in (tmp_dir for downloads). Returns 0 or the blob layer's rc with
 * err naming oss://bucket/key (RC_ENOENT: missing). Free with jobs_object_input_free. */
int jobs_object_input_open(blob_backend *be, const char *bucket, const char *key,
                           const char *tmp_dir, jobs_object_input *in, rc_error *err);

/* The reader's failure (the object changed, storage errors), or NULL: checked after every engine
 * call, since the engine reports a read failure as damaged media. */
const rc_error *jobs_object_input_error(const jobs_object_input *in);

/* Closes the reader / removes the temp file. NULL-safe, idempotent. */
void jobs_object_input_free(jobs_object_input *in);

/* The engine limits the configuration gives ([limits]): every input of a job is read under them. */
engine_limits jobs_engine_limits(const config *cfg);

/* The input/output policy the configuration gives (buckets known to blob, local paths, hosts),
 * shared by the API's validation and the executor. ctx must outlive policy. */
void jobs_policy_from_config(const config *cfg, blob_backend *blob, jobs_policy *policy);

#endif
